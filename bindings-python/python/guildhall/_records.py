# The result records of the guildhall Python module, generated from guildhall-core's
# schemas by guildhall-tests (src/binding_types.rs); do not edit:
# `GUILDHALL_BLESS=1 cargo test -p guildhall-tests --test binding_types` rewrites it.
# The native module turns a core result into its serde form and calls `_from` of the
# class named in BY_SCHEMA; the shared behaviour (read-only, ==, repr, to_dict) and the
# few methods of their own live in _record.py.
# ruff: noqa

from ._record import _Record, _instant, _day
from . import _record


class Balance(_Record):
    """One currency balance of a wallet."""
    __slots__ = ("currency", "amount")
    __guildhall_fields__ = ("currency", "amount")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "currency", d["currency"])
        s(o, "amount", d["amount"])
        return o


class Wallet(_record._WalletMethods, _Record):
    """A player's wallet: one balance per configured currency (zero when never touched)."""
    __slots__ = ("player", "balances")
    __guildhall_fields__ = ("player", "balances")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        v = d["balances"]
        s(o, "balances", [Balance._from(x) for x in v])
        return o


class BalanceChange(_Record):
    """The outcome of a grant or spend."""
    __slots__ = ("transaction_id", "player", "currency", "amount", "balance", "replayed")
    __guildhall_fields__ = ("transaction_id", "player", "currency", "amount", "balance", "replayed")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "transaction_id", d["transaction_id"])
        s(o, "player", d["player"])
        s(o, "currency", d["currency"])
        s(o, "amount", d["amount"])
        s(o, "balance", d["balance"])
        s(o, "replayed", d["replayed"])
        return o


class Transfer(_Record):
    """The outcome of a transfer."""
    __slots__ = ("transaction_id", "from_player", "to_player", "currency", "amount", "from_balance", "to_balance", "replayed")
    __guildhall_fields__ = ("transaction_id", "from_player", "to_player", "currency", "amount", "from_balance", "to_balance", "replayed")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "transaction_id", d["transaction_id"])
        s(o, "from_player", d["from"])
        s(o, "to_player", d["to"])
        s(o, "currency", d["currency"])
        s(o, "amount", d["amount"])
        s(o, "from_balance", d["from_balance"])
        s(o, "to_balance", d["to_balance"])
        s(o, "replayed", d["replayed"])
        return o


class LedgerEntry(_Record):
    """A double-entry ledger entry: `amount` moves from `debit` (balance decreases) to
    `credit` (balance increases). For every currency the sum over all accounts is zero."""
    __slots__ = ("seq", "id", "transaction_id", "at", "day", "kind", "currency", "debit", "credit", "amount", "reason", "item_id", "metadata", "quantity")
    __guildhall_fields__ = ("seq", "id", "transaction_id", "at", "day", "kind", "currency", "debit", "credit", "amount", "reason", "item_id", "metadata", "quantity")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "seq", d["seq"])
        s(o, "id", d["id"])
        s(o, "transaction_id", d["transaction_id"])
        v = d["at"]
        s(o, "at", _instant(v))
        v = d["day"]
        s(o, "day", _day(v))
        s(o, "kind", d["kind"])
        s(o, "currency", d["currency"])
        s(o, "debit", d["debit"])
        s(o, "credit", d["credit"])
        s(o, "amount", d["amount"])
        s(o, "reason", d["reason"])
        s(o, "item_id", d.get("item_id"))
        s(o, "metadata", d.get("metadata"))
        s(o, "quantity", d.get("quantity"))
        return o


class HistoryPage(_Record):
    """A page of a player's ledger history, newest first."""
    __slots__ = ("entries", "next_cursor")
    __guildhall_fields__ = ("entries", "next_cursor")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        v = d["entries"]
        s(o, "entries", [LedgerEntry._from(x) for x in v])
        s(o, "next_cursor", d.get("next_cursor"))
        return o


class LedgerMismatch(_Record):
    """One account whose stored balance differs from what its ledger entries add up to."""
    __slots__ = ("account", "currency", "balance", "ledger")
    __guildhall_fields__ = ("account", "currency", "balance", "ledger")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "account", d["account"])
        s(o, "currency", d["currency"])
        s(o, "balance", d["balance"])
        s(o, "ledger", d["ledger"])
        return o


class LedgerReport(_record._LedgerReportMethods, _Record):
    """The ledger audit (SPEC.md: `verify_ledger` recomputes balances from the ledger)."""
    __slots__ = ("ok", "accounts_checked", "mismatches", "unbalanced_currencies")
    __guildhall_fields__ = ("ok", "accounts_checked", "mismatches", "unbalanced_currencies")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "ok", d["ok"])
        s(o, "accounts_checked", d["accounts_checked"])
        v = d["mismatches"]
        s(o, "mismatches", [LedgerMismatch._from(x) for x in v])
        v = d["unbalanced_currencies"]
        s(o, "unbalanced_currencies", [tuple(x) for x in v])
        return o


class Price(_Record):
    """A price: amount in the smallest unit of `currency`, per unit of the item."""
    __slots__ = ("currency", "amount")
    __guildhall_fields__ = ("currency", "amount")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "currency", d["currency"])
        s(o, "amount", d["amount"])
        return o


class CatalogItem(_Record):
    """A catalog item (SPEC.md Catalog and inventory, seed 002)."""
    __slots__ = ("id", "name", "kind", "active", "max_stack", "metadata", "price")
    __guildhall_fields__ = ("id", "name", "kind", "active", "max_stack", "metadata", "price")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        s(o, "name", d["name"])
        s(o, "kind", d["kind"])
        s(o, "active", d.get("active"))
        s(o, "max_stack", d.get("max_stack"))
        s(o, "metadata", d.get("metadata"))
        v = d.get("price")
        s(o, "price", None if v is None else Price._from(v))
        return o


class InventoryEntry(_Record):
    """One stack in a player's inventory."""
    __slots__ = ("item_id", "name", "kind", "quantity", "acquired_at")
    __guildhall_fields__ = ("item_id", "name", "kind", "quantity", "acquired_at")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "item_id", d["item_id"])
        s(o, "name", d["name"])
        s(o, "kind", d["kind"])
        s(o, "quantity", d["quantity"])
        v = d["acquired_at"]
        s(o, "acquired_at", _instant(v))
        return o


class Purchase(_Record):
    """The outcome of a purchase."""
    __slots__ = ("transaction_id", "player", "item_id", "quantity", "currency", "amount", "balance", "item_quantity", "replayed")
    __guildhall_fields__ = ("transaction_id", "player", "item_id", "quantity", "currency", "amount", "balance", "item_quantity", "replayed")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "transaction_id", d["transaction_id"])
        s(o, "player", d["player"])
        s(o, "item_id", d["item_id"])
        s(o, "quantity", d["quantity"])
        s(o, "currency", d["currency"])
        s(o, "amount", d["amount"])
        s(o, "balance", d["balance"])
        s(o, "item_quantity", d["item_quantity"])
        s(o, "replayed", d["replayed"])
        return o


class ItemChange(_Record):
    """The outcome of a use or an item grant."""
    __slots__ = ("transaction_id", "player", "item_id", "quantity", "remaining", "replayed")
    __guildhall_fields__ = ("transaction_id", "player", "item_id", "quantity", "remaining", "replayed")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "transaction_id", d["transaction_id"])
        s(o, "player", d["player"])
        s(o, "item_id", d["item_id"])
        s(o, "quantity", d["quantity"])
        s(o, "remaining", d["remaining"])
        s(o, "replayed", d["replayed"])
        return o


class PopularItem(_Record):
    """Units sold of one catalog item in a window (SPEC.md Analytics)."""
    __slots__ = ("item_id", "total_quantity", "purchases")
    __guildhall_fields__ = ("item_id", "total_quantity", "purchases")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "item_id", d["item_id"])
        s(o, "total_quantity", d["total_quantity"])
        s(o, "purchases", d["purchases"])
        return o


class DailyRevenue(_Record):
    """Purchase revenue of one currency on one day of the reset time zone."""
    __slots__ = ("day", "currency", "amount", "purchases")
    __guildhall_fields__ = ("day", "currency", "amount", "purchases")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        v = d["day"]
        s(o, "day", _day(v))
        s(o, "currency", d["currency"])
        s(o, "amount", d["amount"])
        s(o, "purchases", d["purchases"])
        return o


class Mail(_record._MailMethods, _Record):
    """One stored mail of one player's box."""
    __slots__ = ("id", "player", "sender", "subject", "body", "attachments", "sent_at", "broadcast_id", "claimed_at", "expires_at", "read_at")
    __guildhall_fields__ = ("id", "player", "sender", "subject", "body", "attachments", "sent_at", "broadcast_id", "claimed_at", "expires_at", "read_at")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        s(o, "player", d["player"])
        s(o, "sender", d["sender"])
        s(o, "subject", d["subject"])
        s(o, "body", d["body"])
        s(o, "attachments", d["attachments"])
        v = d["sent_at"]
        s(o, "sent_at", _instant(v))
        s(o, "broadcast_id", d.get("broadcast_id"))
        v = d.get("claimed_at")
        s(o, "claimed_at", None if v is None else _instant(v))
        v = d.get("expires_at")
        s(o, "expires_at", None if v is None else _instant(v))
        v = d.get("read_at")
        s(o, "read_at", None if v is None else _instant(v))
        return o


class SendMailResult(_Record):
    """The outcome of a send: the delivered mail and what delivering it evicted."""
    __slots__ = ("mail", "evicted", "replayed")
    __guildhall_fields__ = ("mail", "evicted", "replayed")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        v = d["mail"]
        s(o, "mail", Mail._from(v))
        s(o, "evicted", d["evicted"])
        s(o, "replayed", d["replayed"])
        return o


class ClaimResult(_Record):
    """The outcome of a claim."""
    __slots__ = ("mail", "balances", "skipped_items", "replayed")
    __guildhall_fields__ = ("mail", "balances", "skipped_items", "replayed")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        v = d["mail"]
        s(o, "mail", Mail._from(v))
        v = d["balances"]
        s(o, "balances", [Balance._from(x) for x in v])
        s(o, "skipped_items", d["skipped_items"])
        s(o, "replayed", d["replayed"])
        return o


class Broadcast(_Record):
    """A mail to every player who existed when it was sent, or to listed players, stored
    once and copied into each box the next time that box is read."""
    __slots__ = ("seq", "id", "sender", "subject", "body", "attachments", "sent_at", "expires_at", "recipients", "replayed")
    __guildhall_fields__ = ("seq", "id", "sender", "subject", "body", "attachments", "sent_at", "expires_at", "recipients", "replayed")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "seq", d["seq"])
        s(o, "id", d["id"])
        s(o, "sender", d["sender"])
        s(o, "subject", d["subject"])
        s(o, "body", d["body"])
        s(o, "attachments", d["attachments"])
        v = d["sent_at"]
        s(o, "sent_at", _instant(v))
        v = d.get("expires_at")
        s(o, "expires_at", None if v is None else _instant(v))
        s(o, "recipients", d.get("recipients"))
        s(o, "replayed", d.get("replayed"))
        return o


class Template(_Record):
    """A message template: `body` with `{name}` placeholders; `{{` and `}}` are literal braces."""
    __slots__ = ("id", "body")
    __guildhall_fields__ = ("id", "body")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        s(o, "body", d["body"])
        return o


class Trigger(_Record):
    """A trigger rule: when `event` fires for a player inside `audience`, show `template`
    rendered with `variables`, within the window and the cap."""
    __slots__ = ("id", "event", "template_id", "audience", "kind", "cap", "cancelled", "created_at", "ends_at", "priority", "send_at", "sent_at", "starts_at", "target", "variables")
    __guildhall_fields__ = ("id", "event", "template_id", "audience", "kind", "cap", "cancelled", "created_at", "ends_at", "priority", "send_at", "sent_at", "starts_at", "target", "variables")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        s(o, "event", d["event"])
        s(o, "template_id", d["template_id"])
        s(o, "audience", d["audience"])
        s(o, "kind", d["kind"])
        s(o, "cap", d["cap"])
        s(o, "cancelled", d.get("cancelled"))
        v = d.get("created_at")
        s(o, "created_at", _instant(v))
        v = d.get("ends_at")
        s(o, "ends_at", None if v is None else _instant(v))
        s(o, "priority", d.get("priority"))
        v = d.get("send_at")
        s(o, "send_at", None if v is None else _instant(v))
        v = d.get("sent_at")
        s(o, "sent_at", None if v is None else _instant(v))
        v = d.get("starts_at")
        s(o, "starts_at", None if v is None else _instant(v))
        s(o, "target", d.get("target"))
        s(o, "variables", d.get("variables"))
        return o


class Message(_Record):
    """One rendered message to show."""
    __slots__ = ("trigger_id", "kind", "audience", "priority", "text", "mail_id", "target")
    __guildhall_fields__ = ("trigger_id", "kind", "audience", "priority", "text", "mail_id", "target")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "trigger_id", d["trigger_id"])
        s(o, "kind", d["kind"])
        s(o, "audience", d["audience"])
        s(o, "priority", d["priority"])
        s(o, "text", d["text"])
        s(o, "mail_id", d.get("mail_id"))
        s(o, "target", d.get("target"))
        return o


class Session(_Record):
    """A player's live session (SPEC.md Presence and sessions): started at login, kept
    alive by heartbeats, ended by logout or `session_timeout_secs` without a heartbeat."""
    __slots__ = ("player", "location", "started_at", "last_seen", "expires_at")
    __guildhall_fields__ = ("player", "location", "started_at", "last_seen", "expires_at")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        s(o, "location", d["location"])
        v = d["started_at"]
        s(o, "started_at", _instant(v))
        v = d["last_seen"]
        s(o, "last_seen", _instant(v))
        v = d["expires_at"]
        s(o, "expires_at", _instant(v))
        return o


class PartyMember(_Record):
    """One member and when they joined (succession goes to the longest-standing)."""
    __slots__ = ("player", "joined_at")
    __guildhall_fields__ = ("player", "joined_at")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        v = d["joined_at"]
        s(o, "joined_at", _instant(v))
        return o


class Invite(_Record):
    """A pending invite."""
    __slots__ = ("player", "invited_by", "expires_at")
    __guildhall_fields__ = ("player", "invited_by", "expires_at")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        s(o, "invited_by", d["invited_by"])
        v = d["expires_at"]
        s(o, "expires_at", _instant(v))
        return o


class Party(_record._PartyMethods, _Record):
    """A party."""
    __slots__ = ("id", "leader", "members", "open", "invites", "created_at")
    __guildhall_fields__ = ("id", "leader", "members", "open", "invites", "created_at")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        s(o, "leader", d["leader"])
        v = d["members"]
        s(o, "members", [PartyMember._from(x) for x in v])
        s(o, "open", d["open"])
        v = d["invites"]
        s(o, "invites", [Invite._from(x) for x in v])
        v = d["created_at"]
        s(o, "created_at", _instant(v))
        return o


class ChatMessage(_Record):
    """One chat message as stored and delivered (SPEC.md Chat)."""
    __slots__ = ("id", "channel", "sender", "body", "sent_at", "metadata", "replayed")
    __guildhall_fields__ = ("id", "channel", "sender", "body", "sent_at", "metadata", "replayed")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        s(o, "channel", d["channel"])
        s(o, "sender", d["sender"])
        s(o, "body", d["body"])
        v = d["sent_at"]
        s(o, "sent_at", _instant(v))
        s(o, "metadata", d.get("metadata"))
        s(o, "replayed", d.get("replayed"))
        return o


class ChatPage(_Record):
    """A page of a channel's history, newest first."""
    __slots__ = ("channel", "messages", "next_cursor")
    __guildhall_fields__ = ("channel", "messages", "next_cursor")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "channel", d["channel"])
        v = d["messages"]
        s(o, "messages", [ChatMessage._from(x) for x in v])
        s(o, "next_cursor", d.get("next_cursor"))
        return o


class ChatMute(_Record):
    """An admin's mute of a player (SPEC.md Chat: `MUTED` until `until`). Document id = the
    player id."""
    __slots__ = ("player", "until", "reason", "muted_at")
    __guildhall_fields__ = ("player", "until", "reason", "muted_at")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        v = d["until"]
        s(o, "until", _instant(v))
        s(o, "reason", d["reason"])
        v = d["muted_at"]
        s(o, "muted_at", _instant(v))
        return o


class Ticket(_Record):
    """A ticket in a queue's pool: one player, or a whole party (queued by its leader)."""
    __slots__ = ("id", "queue", "players", "properties", "rating", "created_at", "party_id")
    __guildhall_fields__ = ("id", "queue", "players", "properties", "rating", "created_at", "party_id")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        s(o, "queue", d["queue"])
        s(o, "players", d["players"])
        s(o, "properties", d["properties"])
        s(o, "rating", d["rating"])
        v = d["created_at"]
        s(o, "created_at", _instant(v))
        s(o, "party_id", d.get("party_id"))
        return o


class TicketStatus(_Record):
    """A player's ticket and how it stands now."""
    __slots__ = ("ticket", "waited_secs", "window")
    __guildhall_fields__ = ("ticket", "waited_secs", "window")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        v = d["ticket"]
        s(o, "ticket", Ticket._from(v))
        s(o, "waited_secs", d["waited_secs"])
        s(o, "window", d["window"])
        return o


class Rating(_Record):
    """A player's rating in one queue."""
    __slots__ = ("rating", "deviation", "volatility", "games")
    __guildhall_fields__ = ("rating", "deviation", "volatility", "games")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "rating", d["rating"])
        s(o, "deviation", d["deviation"])
        s(o, "volatility", d["volatility"])
        s(o, "games", d["games"])
        return o


class RatingChange(_Record):
    """A rating change of one player."""
    __slots__ = ("player", "before", "after")
    __guildhall_fields__ = ("player", "before", "after")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        v = d["before"]
        s(o, "before", Rating._from(v))
        v = d["after"]
        s(o, "after", Rating._from(v))
        return o


class MatchRecord(_Record):
    """A formed match and, once reported, its result (match history)."""
    __slots__ = ("id", "queue", "teams", "ticket_ids", "created_at", "rating_changes", "result")
    __guildhall_fields__ = ("id", "queue", "teams", "ticket_ids", "created_at", "rating_changes", "result")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        s(o, "queue", d["queue"])
        s(o, "teams", d["teams"])
        s(o, "ticket_ids", d["ticket_ids"])
        v = d["created_at"]
        s(o, "created_at", _instant(v))
        v = d["rating_changes"]
        s(o, "rating_changes", [RatingChange._from(x) for x in v])
        s(o, "result", d.get("result"))
        return o


class ReportResult(_Record):
    """The outcome of reporting a match result."""
    __slots__ = ("record", "replayed")
    __guildhall_fields__ = ("record", "replayed")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        v = d["record"]
        s(o, "record", MatchRecord._from(v))
        s(o, "replayed", d["replayed"])
        return o


class GroupMember(_Record):
    """One member of a group."""
    __slots__ = ("player", "role", "joined_at")
    __guildhall_fields__ = ("player", "role", "joined_at")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        s(o, "role", d["role"])
        v = d["joined_at"]
        s(o, "joined_at", _instant(v))
        return o


class GroupJoinRequest(_Record):
    """A pending request to join a closed group."""
    __slots__ = ("player", "at")
    __guildhall_fields__ = ("player", "at")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        v = d["at"]
        s(o, "at", _instant(v))
        return o


class GroupInvite(_Record):
    """A pending invite into a group."""
    __slots__ = ("player", "invited_by", "at")
    __guildhall_fields__ = ("player", "invited_by", "at")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        s(o, "invited_by", d["invited_by"])
        v = d["at"]
        s(o, "at", _instant(v))
        return o


class Group(_Record):
    """A group (SPEC.md Groups)."""
    __slots__ = ("id", "name", "kind", "description", "open", "max_members", "owner", "members", "requests", "invites", "created_at", "metadata")
    __guildhall_fields__ = ("id", "name", "kind", "description", "open", "max_members", "owner", "members", "requests", "invites", "created_at", "metadata")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        s(o, "name", d["name"])
        s(o, "kind", d["kind"])
        s(o, "description", d["description"])
        s(o, "open", d["open"])
        s(o, "max_members", d["max_members"])
        s(o, "owner", d["owner"])
        v = d["members"]
        s(o, "members", [GroupMember._from(x) for x in v])
        v = d["requests"]
        s(o, "requests", [GroupJoinRequest._from(x) for x in v])
        v = d["invites"]
        s(o, "invites", [GroupInvite._from(x) for x in v])
        v = d["created_at"]
        s(o, "created_at", _instant(v))
        s(o, "metadata", d.get("metadata"))
        return o


class GroupSummary(_Record):
    """One group in a listing."""
    __slots__ = ("id", "name", "kind", "open", "member_count", "max_members", "owner")
    __guildhall_fields__ = ("id", "name", "kind", "open", "member_count", "max_members", "owner")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        s(o, "name", d["name"])
        s(o, "kind", d["kind"])
        s(o, "open", d["open"])
        s(o, "member_count", d["member_count"])
        s(o, "max_members", d["max_members"])
        s(o, "owner", d["owner"])
        return o


class GroupPage(_Record):
    """A page of groups ordered by lowercased name."""
    __slots__ = ("groups", "next_cursor")
    __guildhall_fields__ = ("groups", "next_cursor")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        v = d["groups"]
        s(o, "groups", [GroupSummary._from(x) for x in v])
        s(o, "next_cursor", d.get("next_cursor"))
        return o


class GroupLeaveResult(_Record):
    """The group after a member left: `None` when the last member left and it is gone."""
    __slots__ = ("group_id", "player", "group")
    __guildhall_fields__ = ("group_id", "player", "group")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "group_id", d["group_id"])
        s(o, "player", d["player"])
        v = d.get("group")
        s(o, "group", None if v is None else Group._from(v))
        return o


class GroupBankResult(_Record):
    """What a deposit or withdrawal did."""
    __slots__ = ("transaction_id", "group_id", "player", "currency", "amount", "group_balance", "player_balance", "replayed")
    __guildhall_fields__ = ("transaction_id", "group_id", "player", "currency", "amount", "group_balance", "player_balance", "replayed")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "transaction_id", d["transaction_id"])
        s(o, "group_id", d["group_id"])
        s(o, "player", d["player"])
        s(o, "currency", d["currency"])
        s(o, "amount", d["amount"])
        s(o, "group_balance", d["group_balance"])
        s(o, "player_balance", d["player_balance"])
        s(o, "replayed", d["replayed"])
        return o


class GroupBank(_Record):
    """A group's bank: one balance per configured currency (zero when never touched)."""
    __slots__ = ("group_id", "balances")
    __guildhall_fields__ = ("group_id", "balances")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "group_id", d["group_id"])
        v = d["balances"]
        s(o, "balances", [Balance._from(x) for x in v])
        return o


class Achievement(_Record):
    """An achievement or quest definition (SPEC.md Achievements and quests), put by an
    operator with [`crate::Guildhall::put_achievement`]."""
    __slots__ = ("id", "kind", "title", "goal", "counts", "description", "prerequisites", "reset", "reward")
    __guildhall_fields__ = ("id", "kind", "title", "goal", "counts", "description", "prerequisites", "reset", "reward")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        s(o, "kind", d["kind"])
        s(o, "title", d["title"])
        s(o, "goal", d["goal"])
        s(o, "counts", d.get("counts"))
        s(o, "description", d.get("description"))
        s(o, "prerequisites", d.get("prerequisites"))
        s(o, "reset", d.get("reset"))
        s(o, "reward", d.get("reward"))
        return o


class AchievementStatus(_Record):
    """A player's standing on one definition ([`crate::Guildhall::player_achievements`])."""
    __slots__ = ("player", "achievement", "progress", "unlocked", "claimed_at", "completed_at", "period")
    __guildhall_fields__ = ("player", "achievement", "progress", "unlocked", "claimed_at", "completed_at", "period")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        v = d["achievement"]
        s(o, "achievement", Achievement._from(v))
        s(o, "progress", d["progress"])
        s(o, "unlocked", d["unlocked"])
        v = d.get("claimed_at")
        s(o, "claimed_at", None if v is None else _instant(v))
        v = d.get("completed_at")
        s(o, "completed_at", None if v is None else _instant(v))
        v = d.get("period")
        s(o, "period", None if v is None else Period._from(v))
        return o


class ProgressResult(_Record):
    """What an explicit progress call did."""
    __slots__ = ("player", "achievement_id", "added", "progress", "goal", "replayed", "completed_at", "period")
    __guildhall_fields__ = ("player", "achievement_id", "added", "progress", "goal", "replayed", "completed_at", "period")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        s(o, "achievement_id", d["achievement_id"])
        s(o, "added", d["added"])
        s(o, "progress", d["progress"])
        s(o, "goal", d["goal"])
        s(o, "replayed", d["replayed"])
        v = d.get("completed_at")
        s(o, "completed_at", None if v is None else _instant(v))
        s(o, "period", d.get("period"))
        return o


class AchievementClaimResult(_Record):
    """What a claim granted."""
    __slots__ = ("transaction_id", "player", "achievement_id", "reward", "skipped_items", "balances", "claimed_at", "replayed", "period")
    __guildhall_fields__ = ("transaction_id", "player", "achievement_id", "reward", "skipped_items", "balances", "claimed_at", "replayed", "period")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "transaction_id", d["transaction_id"])
        s(o, "player", d["player"])
        s(o, "achievement_id", d["achievement_id"])
        s(o, "reward", d["reward"])
        s(o, "skipped_items", d["skipped_items"])
        v = d["balances"]
        s(o, "balances", [Balance._from(x) for x in v])
        v = d["claimed_at"]
        s(o, "claimed_at", _instant(v))
        s(o, "replayed", d["replayed"])
        s(o, "period", d.get("period"))
        return o


class Event(_Record):
    """A domain event, written in the same commit as its change (outbox; SPEC.md Events)."""
    __slots__ = ("seq", "id", "kind", "at", "players", "payload")
    __guildhall_fields__ = ("seq", "id", "kind", "at", "players", "payload")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "seq", d["seq"])
        s(o, "id", d["id"])
        s(o, "kind", d["kind"])
        v = d["at"]
        s(o, "at", _instant(v))
        s(o, "players", d["players"])
        s(o, "payload", d.get("payload"))
        return o


class Friendship(_Record):
    """Where a pair stands after a friend call."""
    __slots__ = ("player", "other", "friends", "requested", "changed", "replayed", "since")
    __guildhall_fields__ = ("player", "other", "friends", "requested", "changed", "replayed", "since")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        s(o, "other", d["other"])
        s(o, "friends", d["friends"])
        s(o, "requested", d["requested"])
        s(o, "changed", d["changed"])
        s(o, "replayed", d["replayed"])
        v = d.get("since")
        s(o, "since", None if v is None else _instant(v))
        return o


class BlockResult(_Record):
    """The outcome of a block or unblock."""
    __slots__ = ("blocker", "blocked", "changed", "unfriended", "replayed")
    __guildhall_fields__ = ("blocker", "blocked", "changed", "unfriended", "replayed")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "blocker", d["blocker"])
        s(o, "blocked", d["blocked"])
        s(o, "changed", d["changed"])
        s(o, "unfriended", d["unfriended"])
        s(o, "replayed", d["replayed"])
        return o


class Friend(_Record):
    """A friend as listed, with presence from the friend's live session."""
    __slots__ = ("player", "since", "online", "location")
    __guildhall_fields__ = ("player", "since", "online", "location")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        v = d["since"]
        s(o, "since", _instant(v))
        s(o, "online", d["online"])
        s(o, "location", d.get("location"))
        return o


class PendingRequest(_Record):
    """A pending request as stored on one side: the other player, and when it was sent."""
    __slots__ = ("player", "sent_at")
    __guildhall_fields__ = ("player", "sent_at")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        v = d["sent_at"]
        s(o, "sent_at", _instant(v))
        return o


class FriendRequests(_Record):
    """A player's pending requests both ways, oldest first."""
    __slots__ = ("incoming", "outgoing")
    __guildhall_fields__ = ("incoming", "outgoing")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        v = d["incoming"]
        s(o, "incoming", [PendingRequest._from(x) for x in v])
        v = d["outgoing"]
        s(o, "outgoing", [PendingRequest._from(x) for x in v])
        return o


class Leaderboard(_Record):
    """A board definition as stored (document kind `leaderboard`)."""
    __slots__ = ("id", "sort", "operator", "partitioned", "rewards", "metadata", "created_at", "updated_at", "reset", "tournament")
    __guildhall_fields__ = ("id", "sort", "operator", "partitioned", "rewards", "metadata", "created_at", "updated_at", "reset", "tournament")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        s(o, "sort", d["sort"])
        s(o, "operator", d["operator"])
        s(o, "partitioned", d["partitioned"])
        s(o, "rewards", d["rewards"])
        s(o, "metadata", d["metadata"])
        v = d["created_at"]
        s(o, "created_at", _instant(v))
        v = d["updated_at"]
        s(o, "updated_at", _instant(v))
        s(o, "reset", d.get("reset"))
        s(o, "tournament", d.get("tournament"))
        return o


class SubmitScoreResult(_Record):
    """What a submission did."""
    __slots__ = ("board", "period", "player", "score", "changed", "replayed", "partition", "previous")
    __guildhall_fields__ = ("board", "period", "player", "score", "changed", "replayed", "partition", "previous")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "board", d["board"])
        s(o, "period", d["period"])
        s(o, "player", d["player"])
        s(o, "score", d["score"])
        s(o, "changed", d["changed"])
        s(o, "replayed", d["replayed"])
        s(o, "partition", d.get("partition"))
        s(o, "previous", d.get("previous"))
        return o


class RankedScore(_Record):
    """One ranked record."""
    __slots__ = ("rank", "player", "score", "submitted_at")
    __guildhall_fields__ = ("rank", "player", "score", "submitted_at")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "rank", d["rank"])
        s(o, "player", d["player"])
        s(o, "score", d["score"])
        v = d["submitted_at"]
        s(o, "submitted_at", _instant(v))
        return o


class StandingsPage(_Record):
    """A page of standings."""
    __slots__ = ("board", "period", "entries", "next_cursor", "partition")
    __guildhall_fields__ = ("board", "period", "entries", "next_cursor", "partition")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "board", d["board"])
        s(o, "period", d["period"])
        v = d["entries"]
        s(o, "entries", [RankedScore._from(x) for x in v])
        s(o, "next_cursor", d.get("next_cursor"))
        s(o, "partition", d.get("partition"))
        return o


class PlayerStanding(_Record):
    """A player's standing. Errors of the read: `NOT_FOUND` when the player has no score."""
    __slots__ = ("board", "period", "entry", "above", "below", "partition")
    __guildhall_fields__ = ("board", "period", "entry", "above", "below", "partition")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "board", d["board"])
        s(o, "period", d["period"])
        v = d["entry"]
        s(o, "entry", RankedScore._from(v))
        v = d["above"]
        s(o, "above", [RankedScore._from(x) for x in v])
        v = d["below"]
        s(o, "below", [RankedScore._from(x) for x in v])
        s(o, "partition", d.get("partition"))
        return o


class Period(_Record):
    """One period of a [`ResetSchedule`]: `[start, end)` in UTC and a stable key that names
    it (`2026-11-30`, `2026-W49`, `2026-11`, or for cron the start as
    `2026-11-30T12:00:00Z`), used to archive it and to grant its rewards once."""
    __slots__ = ("key", "start", "end")
    __guildhall_fields__ = ("key", "start", "end")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "key", d["key"])
        v = d["start"]
        s(o, "start", _instant(v))
        v = d["end"]
        s(o, "end", _instant(v))
        return o


class GrantedReward(_Record):
    """A reward granted at a reset."""
    __slots__ = ("rank", "player", "score", "rewards")
    __guildhall_fields__ = ("rank", "player", "score", "rewards")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "rank", d["rank"])
        s(o, "player", d["player"])
        s(o, "score", d["score"])
        s(o, "rewards", d["rewards"])
        return o


class LeaderboardPeriod(_Record):
    """One period of one (board, partition): its window, its reset and what it granted
    (document kind `lb_period`, id `<board>/<partition>/<period key>`). Written at the
    period's first score and by each chunk of its reset, under its version, so two hosts
    running one reset never grant a chunk twice."""
    __slots__ = ("board", "period", "status", "processed", "granted", "cursor", "partition", "reset_at")
    __guildhall_fields__ = ("board", "period", "status", "processed", "granted", "cursor", "partition", "reset_at")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "board", d["board"])
        v = d["period"]
        s(o, "period", Period._from(v))
        s(o, "status", d["status"])
        s(o, "processed", d["processed"])
        v = d["granted"]
        s(o, "granted", [GrantedReward._from(x) for x in v])
        s(o, "cursor", d.get("cursor"))
        s(o, "partition", d.get("partition"))
        v = d.get("reset_at")
        s(o, "reset_at", None if v is None else _instant(v))
        return o


class JoinTournamentResult(_Record):
    """What a join did."""
    __slots__ = ("board", "player", "entrants", "already_joined", "replayed", "fee_paid")
    __guildhall_fields__ = ("board", "player", "entrants", "already_joined", "replayed", "fee_paid")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "board", d["board"])
        s(o, "player", d["player"])
        s(o, "entrants", d["entrants"])
        s(o, "already_joined", d["already_joined"])
        s(o, "replayed", d["replayed"])
        s(o, "fee_paid", d.get("fee_paid"))
        return o


class TradeItem(_Record):
    """Units of one catalog item in an offer."""
    __slots__ = ("item_id", "quantity")
    __guildhall_fields__ = ("item_id", "quantity")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "item_id", d["item_id"])
        s(o, "quantity", d["quantity"])
        return o


class TradeOffer(_Record):
    """What one side gives: currencies and items, each listed at most once. Checked for
    shape and limits when made (currencies configured, amounts and quantities > 0, items
    in the catalog, at most `max_offer_entries` entries); not escrowed, so whether the
    giver holds it is decided at the exchange."""
    __slots__ = ("currencies", "items")
    __guildhall_fields__ = ("currencies", "items")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        v = d.get("currencies")
        s(o, "currencies", [Balance._from(x) for x in v])
        v = d.get("items")
        s(o, "items", [TradeItem._from(x) for x in v])
        return o


class TradeSide(_Record):
    """One side of a trade."""
    __slots__ = ("player", "offer", "confirmed")
    __guildhall_fields__ = ("player", "offer", "confirmed")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        v = d["offer"]
        s(o, "offer", TradeOffer._from(v))
        s(o, "confirmed", d["confirmed"])
        return o


class TradeStep(_Record):
    """One step of a trade's history (the console shows them)."""
    __slots__ = ("revision", "at", "action", "offer", "player")
    __guildhall_fields__ = ("revision", "at", "action", "offer", "player")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "revision", d["revision"])
        v = d["at"]
        s(o, "at", _instant(v))
        s(o, "action", d["action"])
        v = d.get("offer")
        s(o, "offer", None if v is None else TradeOffer._from(v))
        s(o, "player", d.get("player"))
        return o


class Trade(_Record):
    """A trade between two players (SPEC.md Trade)."""
    __slots__ = ("id", "state", "revision", "sides", "opened_at", "updated_at", "expires_at", "cancel_reason", "cancelled_by", "closed_at", "steps", "transaction_id")
    __guildhall_fields__ = ("id", "state", "revision", "sides", "opened_at", "updated_at", "expires_at", "cancel_reason", "cancelled_by", "closed_at", "steps", "transaction_id")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        s(o, "state", d["state"])
        s(o, "revision", d["revision"])
        v = d["sides"]
        s(o, "sides", [TradeSide._from(x) for x in v])
        v = d["opened_at"]
        s(o, "opened_at", _instant(v))
        v = d["updated_at"]
        s(o, "updated_at", _instant(v))
        v = d["expires_at"]
        s(o, "expires_at", _instant(v))
        s(o, "cancel_reason", d.get("cancel_reason"))
        s(o, "cancelled_by", d.get("cancelled_by"))
        v = d.get("closed_at")
        s(o, "closed_at", None if v is None else _instant(v))
        v = d.get("steps")
        s(o, "steps", [TradeStep._from(x) for x in v])
        s(o, "transaction_id", d.get("transaction_id"))
        return o


class TradeResult(_Record):
    """What a trade call did: the trade after it."""
    __slots__ = ("trade", "replayed")
    __guildhall_fields__ = ("trade", "replayed")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        v = d["trade"]
        s(o, "trade", Trade._from(v))
        s(o, "replayed", d["replayed"])
        return o


class PlayerTrades(_Record):
    """A player's trades: open ones and the history."""
    __slots__ = ("player", "open", "past")
    __guildhall_fields__ = ("player", "open", "past")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        v = d["open"]
        s(o, "open", [Trade._from(x) for x in v])
        v = d["past"]
        s(o, "past", [Trade._from(x) for x in v])
        return o


class Character(_Record):
    """A character (document kind `character`, id = its player id)."""
    __slots__ = ("id", "account", "name", "created_at", "deleted_at", "purge_at")
    __guildhall_fields__ = ("id", "account", "name", "created_at", "deleted_at", "purge_at")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        s(o, "account", d["account"])
        s(o, "name", d["name"])
        v = d["created_at"]
        s(o, "created_at", _instant(v))
        v = d.get("deleted_at")
        s(o, "deleted_at", None if v is None else _instant(v))
        v = d.get("purge_at")
        s(o, "purge_at", None if v is None else _instant(v))
        return o


class CharacterResult(_Record):
    """The outcome of a create, rename, delete or restore."""
    __slots__ = ("transaction_id", "character", "replayed")
    __guildhall_fields__ = ("transaction_id", "character", "replayed")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "transaction_id", d["transaction_id"])
        v = d["character"]
        s(o, "character", Character._from(v))
        s(o, "replayed", d["replayed"])
        return o


class CharacterSelection(_Record):
    """The outcome of a select. The HTTP host adds an access token for the character."""
    __slots__ = ("transaction_id", "account", "character", "replayed", "access_token", "expires_in")
    __guildhall_fields__ = ("transaction_id", "account", "character", "replayed", "access_token", "expires_in")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "transaction_id", d["transaction_id"])
        s(o, "account", d["account"])
        v = d["character"]
        s(o, "character", Character._from(v))
        s(o, "replayed", d["replayed"])
        s(o, "access_token", d.get("access_token"))
        s(o, "expires_in", d.get("expires_in"))
        return o


class CharacterList(_Record):
    """An account's characters: the live ones and the deleted ones still in their restore
    window (with `purge_at`), in creation order."""
    __slots__ = ("account", "slots", "live", "characters", "selected")
    __guildhall_fields__ = ("account", "slots", "live", "characters", "selected")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "account", d["account"])
        s(o, "slots", d["slots"])
        s(o, "live", d["live"])
        v = d["characters"]
        s(o, "characters", [Character._from(x) for x in v])
        s(o, "selected", d.get("selected"))
        return o


class BankMoveResult(_Record):
    """The outcome of a bank move."""
    __slots__ = ("transaction_id", "account", "character", "replayed", "amount", "bank_balance", "bank_quantity", "character_balance", "character_quantity", "currency", "item_id", "quantity", "unequipped")
    __guildhall_fields__ = ("transaction_id", "account", "character", "replayed", "amount", "bank_balance", "bank_quantity", "character_balance", "character_quantity", "currency", "item_id", "quantity", "unequipped")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "transaction_id", d["transaction_id"])
        s(o, "account", d["account"])
        s(o, "character", d["character"])
        s(o, "replayed", d["replayed"])
        s(o, "amount", d.get("amount"))
        s(o, "bank_balance", d.get("bank_balance"))
        s(o, "bank_quantity", d.get("bank_quantity"))
        s(o, "character_balance", d.get("character_balance"))
        s(o, "character_quantity", d.get("character_quantity"))
        s(o, "currency", d.get("currency"))
        s(o, "item_id", d.get("item_id"))
        s(o, "quantity", d.get("quantity"))
        s(o, "unequipped", d.get("unequipped"))
        return o


class AccountBank(_Record):
    """An account's bank: every configured currency (zero when never touched) and its
    item stacks by item id."""
    __slots__ = ("account", "balances", "items")
    __guildhall_fields__ = ("account", "balances", "items")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "account", d["account"])
        v = d["balances"]
        s(o, "balances", [Balance._from(x) for x in v])
        v = d["items"]
        s(o, "items", [InventoryEntry._from(x) for x in v])
        return o


class EquippedItem(_Record):
    """One equipped item."""
    __slots__ = ("slot", "item_id", "name", "equipped_at")
    __guildhall_fields__ = ("slot", "item_id", "name", "equipped_at")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "slot", d["slot"])
        s(o, "item_id", d["item_id"])
        s(o, "name", d["name"])
        v = d["equipped_at"]
        s(o, "equipped_at", _instant(v))
        return o


class Equipment(_Record):
    """A player's equipment, by slot name. An item the player no longer owns is not in it."""
    __slots__ = ("player", "items")
    __guildhall_fields__ = ("player", "items")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        v = d["items"]
        s(o, "items", [EquippedItem._from(x) for x in v])
        return o


class EquipResult(_Record):
    """The outcome of an equip or unequip."""
    __slots__ = ("transaction_id", "player", "slot", "equipment", "replayed", "item_id", "previous")
    __guildhall_fields__ = ("transaction_id", "player", "slot", "equipment", "replayed", "item_id", "previous")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "transaction_id", d["transaction_id"])
        s(o, "player", d["player"])
        s(o, "slot", d["slot"])
        v = d["equipment"]
        s(o, "equipment", [EquippedItem._from(x) for x in v])
        s(o, "replayed", d["replayed"])
        s(o, "item_id", d.get("item_id"))
        s(o, "previous", d.get("previous"))
        return o


class LootEntry(_Record):
    """One entry of a loot table: exactly one of `item`, `currency`, `table` (or none: an
    empty slot, "nothing dropped", useful with a weight)."""
    __slots__ = ("currency", "guaranteed", "item", "max", "min", "table", "weight")
    __guildhall_fields__ = ("currency", "guaranteed", "item", "max", "min", "table", "weight")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "currency", d.get("currency"))
        s(o, "guaranteed", d.get("guaranteed"))
        s(o, "item", d.get("item"))
        s(o, "max", d.get("max"))
        s(o, "min", d.get("min"))
        s(o, "table", d.get("table"))
        s(o, "weight", d.get("weight"))
        return o


class LootTable(_Record):
    """A loot table (SPEC.md Loot tables), put by an operator with
    [`crate::Guildhall::put_loot_table`]."""
    __slots__ = ("id", "entries", "description", "rolls")
    __guildhall_fields__ = ("id", "entries", "description", "rolls")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        v = d["entries"]
        s(o, "entries", [LootEntry._from(x) for x in v])
        s(o, "description", d.get("description"))
        s(o, "rolls", d.get("rolls"))
        return o


class LootDrop(_Record):
    """One drop of a roll."""
    __slots__ = ("kind", "id", "quantity", "table_id", "status", "granted", "roll_id")
    __guildhall_fields__ = ("kind", "id", "quantity", "table_id", "status", "granted", "roll_id")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "kind", d["kind"])
        s(o, "id", d["id"])
        s(o, "quantity", d["quantity"])
        s(o, "table_id", d["table_id"])
        s(o, "status", d["status"])
        s(o, "granted", d["granted"])
        s(o, "roll_id", d.get("roll_id"))
        return o


class LootResult(_Record):
    """A stored roll (kind `loot_result`): enough to replay and audit it."""
    __slots__ = ("id", "player", "table_id", "seed", "drops", "transaction_id", "at", "tables", "party_id", "replayed")
    __guildhall_fields__ = ("id", "player", "table_id", "seed", "drops", "transaction_id", "at", "tables", "party_id", "replayed")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        s(o, "player", d["player"])
        s(o, "table_id", d["table_id"])
        s(o, "seed", d["seed"])
        v = d["drops"]
        s(o, "drops", [LootDrop._from(x) for x in v])
        s(o, "transaction_id", d["transaction_id"])
        v = d["at"]
        s(o, "at", _instant(v))
        v = d["tables"]
        s(o, "tables", [LootTable._from(x) for x in v])
        s(o, "party_id", d.get("party_id"))
        s(o, "replayed", d.get("replayed"))
        return o


class LootPreview(_Record):
    """What a dry run gives; nothing is granted."""
    __slots__ = ("table_id", "seed", "drops", "matches")
    __guildhall_fields__ = ("table_id", "seed", "drops", "matches")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "table_id", d["table_id"])
        s(o, "seed", d["seed"])
        v = d["drops"]
        s(o, "drops", [LootDrop._from(x) for x in v])
        s(o, "matches", d.get("matches"))
        return o


class MemberChoice(_Record):
    """One member's choice."""
    __slots__ = ("player", "choice")
    __guildhall_fields__ = ("player", "choice")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        s(o, "choice", d.get("choice"))
        return o


class LootRoll(_Record):
    """A party roll for one dropped item (kind `loot_roll`)."""
    __slots__ = ("id", "result_id", "party_id", "item_id", "quantity", "members", "opened_at", "closes_at", "status", "contenders", "granted", "draw", "grant", "resolved_at", "winner", "winning_choice")
    __guildhall_fields__ = ("id", "result_id", "party_id", "item_id", "quantity", "members", "opened_at", "closes_at", "status", "contenders", "granted", "draw", "grant", "resolved_at", "winner", "winning_choice")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        s(o, "result_id", d["result_id"])
        s(o, "party_id", d["party_id"])
        s(o, "item_id", d["item_id"])
        s(o, "quantity", d["quantity"])
        v = d["members"]
        s(o, "members", [MemberChoice._from(x) for x in v])
        v = d["opened_at"]
        s(o, "opened_at", _instant(v))
        v = d["closes_at"]
        s(o, "closes_at", _instant(v))
        s(o, "status", d["status"])
        s(o, "contenders", d["contenders"])
        s(o, "granted", d["granted"])
        s(o, "draw", d.get("draw"))
        s(o, "grant", d.get("grant"))
        v = d.get("resolved_at")
        s(o, "resolved_at", None if v is None else _instant(v))
        s(o, "winner", d.get("winner"))
        s(o, "winning_choice", d.get("winning_choice"))
        return o


class LootRollResult(_Record):
    """A party roll after a call (the choice, or a resolution)."""
    __slots__ = ("roll", "replayed")
    __guildhall_fields__ = ("roll", "replayed")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        v = d["roll"]
        s(o, "roll", LootRoll._from(v))
        s(o, "replayed", d.get("replayed"))
        return o


class RoomMember(_Record):
    """A player in a room."""
    __slots__ = ("player", "entered_at")
    __guildhall_fields__ = ("player", "entered_at")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        v = d["entered_at"]
        s(o, "entered_at", _instant(v))
        return o


class Room(_Record):
    """A live room (SPEC.md Rooms and the lobby)."""
    __slots__ = ("id", "room_type", "capacity", "metadata", "players", "created_at", "log_seq", "empty_since", "owner", "server", "version")
    __guildhall_fields__ = ("id", "room_type", "capacity", "metadata", "players", "created_at", "log_seq", "empty_since", "owner", "server", "version")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        s(o, "room_type", d["room_type"])
        s(o, "capacity", d["capacity"])
        s(o, "metadata", d["metadata"])
        v = d["players"]
        s(o, "players", [RoomMember._from(x) for x in v])
        v = d["created_at"]
        s(o, "created_at", _instant(v))
        s(o, "log_seq", d["log_seq"])
        v = d.get("empty_since")
        s(o, "empty_since", None if v is None else _instant(v))
        s(o, "owner", d.get("owner"))
        s(o, "server", d.get("server"))
        s(o, "version", d.get("version"))
        return o


class RoomResult(_Record):
    """What a room call did."""
    __slots__ = ("room", "replayed", "left_room")
    __guildhall_fields__ = ("room", "replayed", "left_room")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        v = d["room"]
        s(o, "room", Room._from(v))
        s(o, "replayed", d["replayed"])
        s(o, "left_room", d.get("left_room"))
        return o


class RoomLogEntry(_Record):
    """One operation on a room (kind `room_log`, id [`log_id`])."""
    __slots__ = ("room_id", "seq", "at", "action", "player", "reason")
    __guildhall_fields__ = ("room_id", "seq", "at", "action", "player", "reason")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "room_id", d["room_id"])
        s(o, "seq", d["seq"])
        v = d["at"]
        s(o, "at", _instant(v))
        s(o, "action", d["action"])
        s(o, "player", d.get("player"))
        s(o, "reason", d.get("reason"))
        return o


class RoomLogPage(_Record):
    """A page of a room's log, oldest first."""
    __slots__ = ("room_id", "entries", "next_cursor")
    __guildhall_fields__ = ("room_id", "entries", "next_cursor")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "room_id", d["room_id"])
        v = d["entries"]
        s(o, "entries", [RoomLogEntry._from(x) for x in v])
        s(o, "next_cursor", d.get("next_cursor"))
        return o


class LobbyRoom(_Record):
    """A room as the lobby lists it."""
    __slots__ = ("id", "room_type", "players", "capacity", "owner", "server")
    __guildhall_fields__ = ("id", "room_type", "players", "capacity", "owner", "server")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        s(o, "room_type", d["room_type"])
        s(o, "players", d["players"])
        s(o, "capacity", d["capacity"])
        s(o, "owner", d.get("owner"))
        s(o, "server", d.get("server"))
        return o


class LobbyPlayer(_Record):
    """An online player as the lobby lists them."""
    __slots__ = ("player", "room")
    __guildhall_fields__ = ("player", "room")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "player", d["player"])
        s(o, "room", d.get("room"))
        return o


class LobbyView(_Record):
    """The lobby view (SPEC.md Rooms and the lobby; seed 003's server_ip and room_players):
    the live rooms with their type, player count, capacity and game-server address, and
    the online players."""
    __slots__ = ("at", "rooms", "players", "online_count")
    __guildhall_fields__ = ("at", "rooms", "players", "online_count")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        v = d["at"]
        s(o, "at", _instant(v))
        v = d["rooms"]
        s(o, "rooms", [LobbyRoom._from(x) for x in v])
        v = d["players"]
        s(o, "players", [LobbyPlayer._from(x) for x in v])
        s(o, "online_count", d["online_count"])
        return o


class LobbyPushResult(_Record):
    """What a push of the lobby view did."""
    __slots__ = ("recipients", "fingerprint")
    __guildhall_fields__ = ("recipients", "fingerprint")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "recipients", d["recipients"])
        s(o, "fingerprint", d["fingerprint"])
        return o


class GrantPart(_Record):
    """One part of a product's grant (a currency amount or units of an item)."""
    __slots__ = ("amount", "currency", "item_id")
    __guildhall_fields__ = ("amount", "currency", "item_id")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "amount", d["amount"])
        s(o, "currency", d.get("currency"))
        s(o, "item_id", d.get("item_id"))
        return o


class PaymentLogEntry(_Record):
    """One verified delivery and its outcome (kind `payment_log`), for the operator."""
    __slots__ = ("id", "at", "provider", "event_type", "outcome", "message", "event_id", "paid_amount", "paid_currency", "payment_id", "player", "product", "shortfall", "transaction_id")
    __guildhall_fields__ = ("id", "at", "provider", "event_type", "outcome", "message", "event_id", "paid_amount", "paid_currency", "payment_id", "player", "product", "shortfall", "transaction_id")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "id", d["id"])
        v = d["at"]
        s(o, "at", _instant(v))
        s(o, "provider", d["provider"])
        s(o, "event_type", d["event_type"])
        s(o, "outcome", d["outcome"])
        s(o, "message", d["message"])
        s(o, "event_id", d.get("event_id"))
        s(o, "paid_amount", d.get("paid_amount"))
        s(o, "paid_currency", d.get("paid_currency"))
        s(o, "payment_id", d.get("payment_id"))
        s(o, "player", d.get("player"))
        s(o, "product", d.get("product"))
        v = d.get("shortfall")
        s(o, "shortfall", [GrantPart._from(x) for x in v])
        s(o, "transaction_id", d.get("transaction_id"))
        return o


class PaymentLogPage(_Record):
    """A page of the payment log, newest first."""
    __slots__ = ("entries", "next_cursor")
    __guildhall_fields__ = ("entries", "next_cursor")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        v = d["entries"]
        s(o, "entries", [PaymentLogEntry._from(x) for x in v])
        s(o, "next_cursor", d.get("next_cursor"))
        return o


class PaymentRecord(_Record):
    """A provider payment as guildhall saw it (kind `payment`, id `<provider>:<payment id>`)."""
    __slots__ = ("provider", "payment_id", "status", "credited", "credited_at", "player", "product", "refunded_at", "revoked", "shortfall", "transaction_id")
    __guildhall_fields__ = ("provider", "payment_id", "status", "credited", "credited_at", "player", "product", "refunded_at", "revoked", "shortfall", "transaction_id")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "provider", d["provider"])
        s(o, "payment_id", d["payment_id"])
        s(o, "status", d["status"])
        v = d.get("credited")
        s(o, "credited", [GrantPart._from(x) for x in v])
        v = d.get("credited_at")
        s(o, "credited_at", None if v is None else _instant(v))
        s(o, "player", d.get("player"))
        s(o, "product", d.get("product"))
        v = d.get("refunded_at")
        s(o, "refunded_at", None if v is None else _instant(v))
        v = d.get("revoked")
        s(o, "revoked", [GrantPart._from(x) for x in v])
        v = d.get("shortfall")
        s(o, "shortfall", [GrantPart._from(x) for x in v])
        s(o, "transaction_id", d.get("transaction_id"))
        return o


class FileMeta(_Record):
    """One stored version of a file, without its bytes."""
    __slots__ = ("name", "version", "content_type", "size", "sha256", "created_at")
    __guildhall_fields__ = ("name", "version", "content_type", "size", "sha256", "created_at")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        s(o, "name", d["name"])
        s(o, "version", d["version"])
        s(o, "content_type", d["content_type"])
        s(o, "size", d["size"])
        s(o, "sha256", d["sha256"])
        v = d["created_at"]
        s(o, "created_at", _instant(v))
        return o


class FileList(_Record):
    """Files whose current version is newer than a version, oldest change first."""
    __slots__ = ("files", "latest", "more")
    __guildhall_fields__ = ("files", "latest", "more")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        v = d["files"]
        s(o, "files", [FileMeta._from(x) for x in v])
        s(o, "latest", d["latest"])
        s(o, "more", d["more"])
        return o


class FileContent(_Record):
    """A version with its bytes in base64 (JSON surfaces)."""
    __slots__ = ("file", "content_base64")
    __guildhall_fields__ = ("file", "content_base64")

    @classmethod
    def _from(cls, d):
        o = object.__new__(cls)
        s = object.__setattr__
        v = d["file"]
        s(o, "file", FileMeta._from(v))
        s(o, "content_base64", d["content_base64"])
        return o


#: The record class of each core result type, by the core type's name.
BY_SCHEMA = {
    "Balance": Balance,
    "Wallet": Wallet,
    "BalanceChangeResult": BalanceChange,
    "TransferResult": Transfer,
    "LedgerEntry": LedgerEntry,
    "HistoryPage": HistoryPage,
    "LedgerMismatch": LedgerMismatch,
    "LedgerReport": LedgerReport,
    "Price": Price,
    "CatalogItem": CatalogItem,
    "InventoryEntry": InventoryEntry,
    "PurchaseResult": Purchase,
    "ItemChangeResult": ItemChange,
    "PopularItem": PopularItem,
    "DailyRevenue": DailyRevenue,
    "Mail": Mail,
    "SendMailResult": SendMailResult,
    "ClaimResult": ClaimResult,
    "Broadcast": Broadcast,
    "Template": Template,
    "Trigger": Trigger,
    "Message": Message,
    "Session": Session,
    "PartyMember": PartyMember,
    "Invite": Invite,
    "Party": Party,
    "ChatMessage": ChatMessage,
    "ChatPage": ChatPage,
    "ChatMute": ChatMute,
    "Ticket": Ticket,
    "TicketStatus": TicketStatus,
    "Rating": Rating,
    "RatingChange": RatingChange,
    "MatchRecord": MatchRecord,
    "ReportResult": ReportResult,
    "GroupMember": GroupMember,
    "GroupJoinRequest": GroupJoinRequest,
    "GroupInvite": GroupInvite,
    "Group": Group,
    "GroupSummary": GroupSummary,
    "GroupPage": GroupPage,
    "GroupLeaveResult": GroupLeaveResult,
    "GroupBankResult": GroupBankResult,
    "GroupBank": GroupBank,
    "Achievement": Achievement,
    "AchievementStatus": AchievementStatus,
    "ProgressResult": ProgressResult,
    "AchievementClaimResult": AchievementClaimResult,
    "Event": Event,
    "FriendshipResult": Friendship,
    "BlockResult": BlockResult,
    "Friend": Friend,
    "PendingRequest": PendingRequest,
    "FriendRequests": FriendRequests,
    "Leaderboard": Leaderboard,
    "SubmitScoreResult": SubmitScoreResult,
    "RankedScore": RankedScore,
    "StandingsPage": StandingsPage,
    "PlayerStanding": PlayerStanding,
    "Period": Period,
    "GrantedReward": GrantedReward,
    "LeaderboardPeriod": LeaderboardPeriod,
    "JoinTournamentResult": JoinTournamentResult,
    "TradeItem": TradeItem,
    "TradeOffer": TradeOffer,
    "TradeSide": TradeSide,
    "TradeStep": TradeStep,
    "Trade": Trade,
    "TradeResult": TradeResult,
    "PlayerTrades": PlayerTrades,
    "Character": Character,
    "CharacterResult": CharacterResult,
    "CharacterSelection": CharacterSelection,
    "CharacterList": CharacterList,
    "BankMoveResult": BankMoveResult,
    "AccountBank": AccountBank,
    "EquippedItem": EquippedItem,
    "Equipment": Equipment,
    "EquipResult": EquipResult,
    "LootEntry": LootEntry,
    "LootTable": LootTable,
    "LootDrop": LootDrop,
    "LootResult": LootResult,
    "LootPreview": LootPreview,
    "MemberChoice": MemberChoice,
    "LootRoll": LootRoll,
    "LootRollResult": LootRollResult,
    "RoomMember": RoomMember,
    "Room": Room,
    "RoomResult": RoomResult,
    "RoomLogEntry": RoomLogEntry,
    "RoomLogPage": RoomLogPage,
    "LobbyRoom": LobbyRoom,
    "LobbyPlayer": LobbyPlayer,
    "LobbyView": LobbyView,
    "LobbyPushResult": LobbyPushResult,
    "GrantPart": GrantPart,
    "PaymentLogEntry": PaymentLogEntry,
    "PaymentLogPage": PaymentLogPage,
    "PaymentRecord": PaymentRecord,
    "FileMeta": FileMeta,
    "FileList": FileList,
    "FileContent": FileContent,
}
