# Type stubs of the guildhall package, assembled from bindings-python/stubs/head.pyi,
# the records generated from guildhall-core's types, and bindings-python/stubs/tail.pyi
# (`GUILDHALL_BLESS=1 cargo test -p guildhall-tests --test binding_types`).
# tests/test_stubs.py checks them against the built module (names, record fields,
# method parameters, exception classes), so they cannot drift from it.

import os
from datetime import date, datetime
from typing import Any, AsyncIterator, Awaitable, Callable, ClassVar, Generator, ItemsView, Iterator, KeysView, Mapping, Optional, Sequence, Union, ValuesView

__version__: str
OPERATIONS: list[str]
ERROR_CLASSES: dict[str, type[GuildhallError]]

JSON = Any
Instant = Union[datetime, int, float]
SenderSpec = Union[str, Mapping[str, Any]]

# ----- Errors -----

class GuildhallError(Exception):
    code: ClassVar[Optional[str]]
    message: str
    details: JSON

class InvalidArgument(GuildhallError): ...
class NotFound(GuildhallError): ...
class InsufficientFunds(GuildhallError): ...
class BalanceLimit(GuildhallError): ...
class AlreadyOwned(GuildhallError): ...
class NotOwned(GuildhallError): ...
class NotConsumable(GuildhallError): ...
class InsufficientQuantity(GuildhallError): ...
class StackLimit(GuildhallError): ...
class NotForSale(GuildhallError): ...
class IdempotencyConflict(GuildhallError): ...
class MailSendLimit(GuildhallError): ...
class MailNotRead(GuildhallError): ...
class AlreadyClaimed(GuildhallError): ...
class UnclaimedAttachments(GuildhallError): ...
class PartyFull(GuildhallError): ...
class AlreadyInParty(GuildhallError): ...
class NotInParty(GuildhallError): ...
class NotPartyLeader(GuildhallError): ...
class InviteExpired(GuildhallError): ...
class TicketExists(GuildhallError): ...
class Unauthenticated(GuildhallError): ...
class Forbidden(GuildhallError): ...
class Banned(GuildhallError): ...
class RateLimited(GuildhallError): ...
class Conflict(GuildhallError): ...
class Unavailable(GuildhallError): ...
class AlreadyFriends(GuildhallError): ...
class Blocked(GuildhallError): ...
class LimitReached(GuildhallError): ...
class NameTaken(GuildhallError): ...
class GroupFull(GuildhallError): ...
class NotGroupMember(GuildhallError): ...
class GroupPermission(GuildhallError): ...
class Muted(GuildhallError): ...
class NotChannelMember(GuildhallError): ...
class TournamentClosed(GuildhallError): ...
class TournamentFull(GuildhallError): ...
class NotCompleted(GuildhallError): ...
class TradeClosed(GuildhallError): ...
class TradeChanged(GuildhallError): ...
class RoomFull(GuildhallError): ...
class CodeInvalid(GuildhallError): ...
class CodeExpired(GuildhallError): ...

# ----- What records share, and the methods some add -----

class _Record:
    __guildhall_fields__: ClassVar[tuple[str, ...]]
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class _WalletMethods:
    balances: list[Balance]
    def __getitem__(self, currency: str) -> int: ...
    def get(self, currency: str, default: int = 0) -> int: ...
    def __contains__(self, currency: object) -> bool: ...
    def __iter__(self) -> Iterator[str]: ...
    def __len__(self) -> int: ...
    def keys(self) -> KeysView[str]: ...
    def values(self) -> ValuesView[int]: ...
    def items(self) -> ItemsView[str, int]: ...

class _LedgerReportMethods:
    ok: bool
    def __bool__(self) -> bool: ...

class _PartyMethods:
    @property
    def players(self) -> list[str]: ...

class _MailMethods:
    @property
    def unclaimed(self) -> bool: ...

# ----- Records (read-only; each has to_dict() and ==). Generated from guildhall-core's
# schemas by guildhall-tests (src/binding_types.rs). -----

class Balance(_Record):
    """One currency balance of a wallet."""
    currency: str
    amount: int

class Wallet(_WalletMethods, _Record):
    """A player's wallet: one balance per configured currency (zero when never touched)."""
    player: str
    balances: list[Balance]

class BalanceChange(_Record):
    """The outcome of a grant or spend."""
    transaction_id: str
    player: str
    currency: str
    amount: int
    balance: int
    replayed: bool

class Transfer(_Record):
    """The outcome of a transfer."""
    transaction_id: str
    from_player: str
    to_player: str
    currency: str
    amount: int
    from_balance: int
    to_balance: int
    replayed: bool

class LedgerEntry(_Record):
    """A double-entry ledger entry: `amount` moves from `debit` (balance decreases) to
    `credit` (balance increases). For every currency the sum over all accounts is zero."""
    seq: int
    id: str
    transaction_id: str
    at: datetime
    day: date
    kind: str
    currency: str
    debit: str
    credit: str
    amount: int
    reason: str
    item_id: Optional[str]
    metadata: Optional[dict[str, Any]]
    quantity: Optional[int]

class HistoryPage(_Record):
    """A page of a player's ledger history, newest first."""
    entries: list[LedgerEntry]
    next_cursor: Optional[str]

class LedgerMismatch(_Record):
    """One account whose stored balance differs from what its ledger entries add up to."""
    account: str
    currency: str
    balance: int
    ledger: int

class LedgerReport(_LedgerReportMethods, _Record):
    """The ledger audit (SPEC.md: `verify_ledger` recomputes balances from the ledger)."""
    ok: bool
    accounts_checked: int
    mismatches: list[LedgerMismatch]
    unbalanced_currencies: list[tuple[str, int]]

class Price(_Record):
    """A price: amount in the smallest unit of `currency`, per unit of the item."""
    currency: str
    amount: int

class CatalogItem(_Record):
    """A catalog item (SPEC.md Catalog and inventory, seed 002)."""
    id: str
    name: str
    kind: str
    active: bool
    max_stack: Optional[int]
    metadata: Optional[dict[str, Any]]
    price: Optional[Price]

class InventoryEntry(_Record):
    """One stack in a player's inventory."""
    item_id: str
    name: str
    kind: str
    quantity: int
    acquired_at: datetime

class Purchase(_Record):
    """The outcome of a purchase."""
    transaction_id: str
    player: str
    item_id: str
    quantity: int
    currency: str
    amount: int
    balance: int
    item_quantity: int
    replayed: bool

class ItemChange(_Record):
    """The outcome of a use or an item grant."""
    transaction_id: str
    player: str
    item_id: str
    quantity: int
    remaining: int
    replayed: bool

class PopularItem(_Record):
    """Units sold of one catalog item in a window (SPEC.md Analytics)."""
    item_id: str
    total_quantity: int
    purchases: int

class DailyRevenue(_Record):
    """Purchase revenue of one currency on one day of the reset time zone."""
    day: date
    currency: str
    amount: int
    purchases: int

class Mail(_MailMethods, _Record):
    """One stored mail of one player's box."""
    id: str
    player: str
    sender: dict[str, Any]
    subject: str
    body: str
    attachments: dict[str, Any]
    sent_at: datetime
    broadcast_id: Optional[str]
    claimed_at: Optional[datetime]
    expires_at: Optional[datetime]
    read_at: Optional[datetime]

class SendMailResult(_Record):
    """The outcome of a send: the delivered mail and what delivering it evicted."""
    mail: Mail
    evicted: list[str]
    replayed: bool

class ClaimResult(_Record):
    """The outcome of a claim."""
    mail: Mail
    balances: list[Balance]
    skipped_items: list[str]
    replayed: bool

class Broadcast(_Record):
    """A mail to every player who existed when it was sent, or to listed players, stored
    once and copied into each box the next time that box is read."""
    seq: int
    id: str
    sender: dict[str, Any]
    subject: str
    body: str
    attachments: dict[str, Any]
    sent_at: datetime
    expires_at: Optional[datetime]
    recipients: Optional[list[str]]
    replayed: bool

class Template(_Record):
    """A message template: `body` with `{name}` placeholders; `{{` and `}}` are literal braces."""
    id: str
    body: str

class Trigger(_Record):
    """A trigger rule: when `event` fires for a player inside `audience`, show `template`
    rendered with `variables`, within the window and the cap."""
    id: str
    event: str
    template_id: str
    audience: str
    kind: str
    cap: dict[str, Any]
    cancelled: bool
    created_at: datetime
    ends_at: Optional[datetime]
    priority: int
    send_at: Optional[datetime]
    sent_at: Optional[datetime]
    starts_at: Optional[datetime]
    target: Optional[str]
    variables: Optional[dict[str, Any]]

class Message(_Record):
    """One rendered message to show."""
    trigger_id: str
    kind: str
    audience: str
    priority: int
    text: str
    mail_id: Optional[str]
    target: Optional[str]

class Session(_Record):
    """A player's live session (SPEC.md Presence and sessions): started at login, kept
    alive by heartbeats, ended by logout or `session_timeout_secs` without a heartbeat."""
    player: str
    location: dict[str, Any]
    started_at: datetime
    last_seen: datetime
    expires_at: datetime

class PartyMember(_Record):
    """One member and when they joined (succession goes to the longest-standing)."""
    player: str
    joined_at: datetime

class Invite(_Record):
    """A pending invite."""
    player: str
    invited_by: str
    expires_at: datetime

class Party(_PartyMethods, _Record):
    """A party."""
    id: str
    leader: str
    members: list[PartyMember]
    open: bool
    invites: list[Invite]
    created_at: datetime

class ChatMessage(_Record):
    """One chat message as stored and delivered (SPEC.md Chat)."""
    id: str
    channel: str
    sender: str
    body: str
    sent_at: datetime
    metadata: Any
    replayed: bool

class ChatPage(_Record):
    """A page of a channel's history, newest first."""
    channel: str
    messages: list[ChatMessage]
    next_cursor: Optional[str]

class ChatMute(_Record):
    """An admin's mute of a player (SPEC.md Chat: `MUTED` until `until`). Document id = the
    player id."""
    player: str
    until: datetime
    reason: str
    muted_at: datetime

class Ticket(_Record):
    """A ticket in a queue's pool: one player, or a whole party (queued by its leader)."""
    id: str
    queue: str
    players: list[str]
    properties: dict[str, str]
    rating: float
    created_at: datetime
    party_id: Optional[str]

class TicketStatus(_Record):
    """A player's ticket and how it stands now."""
    ticket: Ticket
    waited_secs: int
    window: float

class Rating(_Record):
    """A player's rating in one queue."""
    rating: float
    deviation: float
    volatility: float
    games: int

class RatingChange(_Record):
    """A rating change of one player."""
    player: str
    before: Rating
    after: Rating

class MatchRecord(_Record):
    """A formed match and, once reported, its result (match history)."""
    id: str
    queue: str
    teams: list[list[str]]
    ticket_ids: list[str]
    created_at: datetime
    rating_changes: list[RatingChange]
    result: Optional[dict[str, Any]]

class ReportResult(_Record):
    """The outcome of reporting a match result."""
    record: MatchRecord
    replayed: bool

class GroupMember(_Record):
    """One member of a group."""
    player: str
    role: str
    joined_at: datetime

class GroupJoinRequest(_Record):
    """A pending request to join a closed group."""
    player: str
    at: datetime

class GroupInvite(_Record):
    """A pending invite into a group."""
    player: str
    invited_by: str
    at: datetime

class Group(_Record):
    """A group (SPEC.md Groups)."""
    id: str
    name: str
    kind: str
    description: str
    open: bool
    max_members: int
    owner: str
    members: list[GroupMember]
    requests: list[GroupJoinRequest]
    invites: list[GroupInvite]
    created_at: datetime
    metadata: Optional[dict[str, Any]]

class GroupSummary(_Record):
    """One group in a listing."""
    id: str
    name: str
    kind: str
    open: bool
    member_count: int
    max_members: int
    owner: str

class GroupPage(_Record):
    """A page of groups ordered by lowercased name."""
    groups: list[GroupSummary]
    next_cursor: Optional[str]

class GroupLeaveResult(_Record):
    """The group after a member left: `None` when the last member left and it is gone."""
    group_id: str
    player: str
    group: Optional[Group]

class GroupBankResult(_Record):
    """What a deposit or withdrawal did."""
    transaction_id: str
    group_id: str
    player: str
    currency: str
    amount: int
    group_balance: int
    player_balance: int
    replayed: bool

class GroupBank(_Record):
    """A group's bank: one balance per configured currency (zero when never touched)."""
    group_id: str
    balances: list[Balance]

class Achievement(_Record):
    """An achievement or quest definition (SPEC.md Achievements and quests), put by an
    operator with [`crate::Guildhall::put_achievement`]."""
    id: str
    kind: str
    title: str
    goal: int
    counts: Optional[dict[str, Any]]
    description: str
    prerequisites: list[str]
    reset: Optional[dict[str, Any]]
    reward: dict[str, Any]

class AchievementStatus(_Record):
    """A player's standing on one definition ([`crate::Guildhall::player_achievements`])."""
    player: str
    achievement: Achievement
    progress: int
    unlocked: bool
    claimed_at: Optional[datetime]
    completed_at: Optional[datetime]
    period: Optional[Period]

class ProgressResult(_Record):
    """What an explicit progress call did."""
    player: str
    achievement_id: str
    added: int
    progress: int
    goal: int
    replayed: bool
    completed_at: Optional[datetime]
    period: Optional[str]

class AchievementClaimResult(_Record):
    """What a claim granted."""
    transaction_id: str
    player: str
    achievement_id: str
    reward: dict[str, Any]
    skipped_items: list[str]
    balances: list[Balance]
    claimed_at: datetime
    replayed: bool
    period: Optional[str]

class Event(_Record):
    """A domain event, written in the same commit as its change (outbox; SPEC.md Events)."""
    seq: int
    id: str
    kind: str
    at: datetime
    players: list[str]
    payload: Optional[dict[str, Any]]

class Friendship(_Record):
    """Where a pair stands after a friend call."""
    player: str
    other: str
    friends: bool
    requested: bool
    changed: bool
    replayed: bool
    since: Optional[datetime]

class BlockResult(_Record):
    """The outcome of a block or unblock."""
    blocker: str
    blocked: str
    changed: bool
    unfriended: bool
    replayed: bool

class Friend(_Record):
    """A friend as listed, with presence from the friend's live session."""
    player: str
    since: datetime
    online: bool
    location: Optional[dict[str, Any]]

class PendingRequest(_Record):
    """A pending request as stored on one side: the other player, and when it was sent."""
    player: str
    sent_at: datetime

class FriendRequests(_Record):
    """A player's pending requests both ways, oldest first."""
    incoming: list[PendingRequest]
    outgoing: list[PendingRequest]

class Leaderboard(_Record):
    """A board definition as stored (document kind `leaderboard`)."""
    id: str
    sort: str
    operator: str
    partitioned: bool
    rewards: list[dict[str, Any]]
    metadata: Any
    created_at: datetime
    updated_at: datetime
    reset: Optional[dict[str, Any]]
    tournament: Optional[dict[str, Any]]

class SubmitScoreResult(_Record):
    """What a submission did."""
    board: str
    period: str
    player: str
    score: int
    changed: bool
    replayed: bool
    partition: Optional[str]
    previous: Optional[int]

class RankedScore(_Record):
    """One ranked record."""
    rank: int
    player: str
    score: int
    submitted_at: datetime

class StandingsPage(_Record):
    """A page of standings."""
    board: str
    period: str
    entries: list[RankedScore]
    next_cursor: Optional[str]
    partition: Optional[str]

class PlayerStanding(_Record):
    """A player's standing. Errors of the read: `NOT_FOUND` when the player has no score."""
    board: str
    period: str
    entry: RankedScore
    above: list[RankedScore]
    below: list[RankedScore]
    partition: Optional[str]

class Period(_Record):
    """One period of a [`ResetSchedule`]: `[start, end)` in UTC and a stable key that names
    it (`2026-11-30`, `2026-W49`, `2026-11`, or for cron the start as
    `2026-11-30T12:00:00Z`), used to archive it and to grant its rewards once."""
    key: str
    start: datetime
    end: datetime

class GrantedReward(_Record):
    """A reward granted at a reset."""
    rank: int
    player: str
    score: int
    rewards: dict[str, Any]

class LeaderboardPeriod(_Record):
    """One period of one (board, partition): its window, its reset and what it granted
    (document kind `lb_period`, id `<board>/<partition>/<period key>`). Written at the
    period's first score and by each chunk of its reset, under its version, so two hosts
    running one reset never grant a chunk twice."""
    board: str
    period: Period
    status: str
    processed: int
    granted: list[GrantedReward]
    cursor: Optional[dict[str, Any]]
    partition: Optional[str]
    reset_at: Optional[datetime]

class JoinTournamentResult(_Record):
    """What a join did."""
    board: str
    player: str
    entrants: int
    already_joined: bool
    replayed: bool
    fee_paid: Optional[dict[str, Any]]

class TradeItem(_Record):
    """Units of one catalog item in an offer."""
    item_id: str
    quantity: int

class TradeOffer(_Record):
    """What one side gives: currencies and items, each listed at most once. Checked for
    shape and limits when made (currencies configured, amounts and quantities > 0, items
    in the catalog, at most `max_offer_entries` entries); not escrowed, so whether the
    giver holds it is decided at the exchange."""
    currencies: list[Balance]
    items: list[TradeItem]

class TradeSide(_Record):
    """One side of a trade."""
    player: str
    offer: TradeOffer
    confirmed: bool

class TradeStep(_Record):
    """One step of a trade's history (the console shows them)."""
    revision: int
    at: datetime
    action: str
    offer: Optional[TradeOffer]
    player: Optional[str]

class Trade(_Record):
    """A trade between two players (SPEC.md Trade)."""
    id: str
    state: str
    revision: int
    sides: list[TradeSide]
    opened_at: datetime
    updated_at: datetime
    expires_at: datetime
    cancel_reason: Optional[str]
    cancelled_by: Optional[str]
    closed_at: Optional[datetime]
    steps: list[TradeStep]
    transaction_id: Optional[str]

class TradeResult(_Record):
    """What a trade call did: the trade after it."""
    trade: Trade
    replayed: bool

class PlayerTrades(_Record):
    """A player's trades: open ones and the history."""
    player: str
    open: list[Trade]
    past: list[Trade]

class Character(_Record):
    """A character (document kind `character`, id = its player id)."""
    id: str
    account: str
    name: str
    created_at: datetime
    deleted_at: Optional[datetime]
    purge_at: Optional[datetime]

class CharacterResult(_Record):
    """The outcome of a create, rename, delete or restore."""
    transaction_id: str
    character: Character
    replayed: bool

class CharacterSelection(_Record):
    """The outcome of a select. The HTTP host adds an access token for the character."""
    transaction_id: str
    account: str
    character: Character
    replayed: bool
    access_token: Optional[str]
    expires_in: Optional[int]

class CharacterList(_Record):
    """An account's characters: the live ones and the deleted ones still in their restore
    window (with `purge_at`), in creation order."""
    account: str
    slots: int
    live: int
    characters: list[Character]
    selected: Optional[str]

class BankMoveResult(_Record):
    """The outcome of a bank move."""
    transaction_id: str
    account: str
    character: str
    replayed: bool
    amount: Optional[int]
    bank_balance: Optional[int]
    bank_quantity: Optional[int]
    character_balance: Optional[int]
    character_quantity: Optional[int]
    currency: Optional[str]
    item_id: Optional[str]
    quantity: Optional[int]
    unequipped: Optional[str]

class AccountBank(_Record):
    """An account's bank: every configured currency (zero when never touched) and its
    item stacks by item id."""
    account: str
    balances: list[Balance]
    items: list[InventoryEntry]

class EquippedItem(_Record):
    """One equipped item."""
    slot: str
    item_id: str
    name: str
    equipped_at: datetime

class Equipment(_Record):
    """A player's equipment, by slot name. An item the player no longer owns is not in it."""
    player: str
    items: list[EquippedItem]

class EquipResult(_Record):
    """The outcome of an equip or unequip."""
    transaction_id: str
    player: str
    slot: str
    equipment: list[EquippedItem]
    replayed: bool
    item_id: Optional[str]
    previous: Optional[str]

class LootEntry(_Record):
    """One entry of a loot table: exactly one of `item`, `currency`, `table` (or none: an
    empty slot, "nothing dropped", useful with a weight)."""
    currency: Optional[str]
    guaranteed: bool
    item: Optional[str]
    max: int
    min: int
    table: Optional[str]
    weight: int

class LootTable(_Record):
    """A loot table (SPEC.md Loot tables), put by an operator with
    [`crate::Guildhall::put_loot_table`]."""
    id: str
    entries: list[LootEntry]
    description: str
    rolls: int

class LootDrop(_Record):
    """One drop of a roll."""
    kind: str
    id: str
    quantity: int
    table_id: str
    status: str
    granted: int
    roll_id: Optional[str]

class LootResult(_Record):
    """A stored roll (kind `loot_result`): enough to replay and audit it."""
    id: str
    player: str
    table_id: str
    seed: int
    drops: list[LootDrop]
    transaction_id: str
    at: datetime
    tables: list[LootTable]
    party_id: Optional[str]
    replayed: bool

class LootPreview(_Record):
    """What a dry run gives; nothing is granted."""
    table_id: str
    seed: int
    drops: list[LootDrop]
    matches: Optional[bool]

class MemberChoice(_Record):
    """One member's choice."""
    player: str
    choice: Optional[str]

class LootRoll(_Record):
    """A party roll for one dropped item (kind `loot_roll`)."""
    id: str
    result_id: str
    party_id: str
    item_id: str
    quantity: int
    members: list[MemberChoice]
    opened_at: datetime
    closes_at: datetime
    status: str
    contenders: list[str]
    granted: int
    draw: Optional[int]
    grant: Optional[str]
    resolved_at: Optional[datetime]
    winner: Optional[str]
    winning_choice: Optional[str]

class LootRollResult(_Record):
    """A party roll after a call (the choice, or a resolution)."""
    roll: LootRoll
    replayed: bool

class RoomMember(_Record):
    """A player in a room."""
    player: str
    entered_at: datetime

class Room(_Record):
    """A live room (SPEC.md Rooms and the lobby)."""
    id: str
    room_type: str
    capacity: int
    metadata: dict[str, Any]
    players: list[RoomMember]
    created_at: datetime
    log_seq: int
    empty_since: Optional[datetime]
    owner: Optional[str]
    server: Optional[str]
    version: int

class RoomResult(_Record):
    """What a room call did."""
    room: Room
    replayed: bool
    left_room: Optional[str]

class RoomLogEntry(_Record):
    """One operation on a room (kind `room_log`, id [`log_id`])."""
    room_id: str
    seq: int
    at: datetime
    action: str
    player: Optional[str]
    reason: Optional[str]

class RoomLogPage(_Record):
    """A page of a room's log, oldest first."""
    room_id: str
    entries: list[RoomLogEntry]
    next_cursor: Optional[str]

class LobbyRoom(_Record):
    """A room as the lobby lists it."""
    id: str
    room_type: str
    players: int
    capacity: int
    owner: Optional[str]
    server: Optional[str]

class LobbyPlayer(_Record):
    """An online player as the lobby lists them."""
    player: str
    room: Optional[str]

class LobbyView(_Record):
    """The lobby view (SPEC.md Rooms and the lobby; seed 003's server_ip and room_players):
    the live rooms with their type, player count, capacity and game-server address, and
    the online players."""
    at: datetime
    rooms: list[LobbyRoom]
    players: list[LobbyPlayer]
    online_count: int

class LobbyPushResult(_Record):
    """What a push of the lobby view did."""
    recipients: int
    fingerprint: str

class GrantPart(_Record):
    """One part of a product's grant (a currency amount or units of an item)."""
    amount: int
    currency: Optional[str]
    item_id: Optional[str]

class PaymentLogEntry(_Record):
    """One verified delivery and its outcome (kind `payment_log`), for the operator."""
    id: str
    at: datetime
    provider: str
    event_type: str
    outcome: str
    message: str
    event_id: Optional[str]
    paid_amount: Optional[int]
    paid_currency: Optional[str]
    payment_id: Optional[str]
    player: Optional[str]
    product: Optional[str]
    shortfall: list[GrantPart]
    transaction_id: Optional[str]

class PaymentLogPage(_Record):
    """A page of the payment log, newest first."""
    entries: list[PaymentLogEntry]
    next_cursor: Optional[str]

class PaymentRecord(_Record):
    """A provider payment as guildhall saw it (kind `payment`, id `<provider>:<payment id>`)."""
    provider: str
    payment_id: str
    status: str
    credited: list[GrantPart]
    credited_at: Optional[datetime]
    player: Optional[str]
    product: Optional[str]
    refunded_at: Optional[datetime]
    revoked: list[GrantPart]
    shortfall: list[GrantPart]
    transaction_id: Optional[str]

class FileMeta(_Record):
    """One stored version of a file, without its bytes."""
    name: str
    version: int
    content_type: str
    size: int
    sha256: str
    created_at: datetime

class FileList(_Record):
    """Files whose current version is newer than a version, oldest change first."""
    files: list[FileMeta]
    latest: int
    more: bool

class FileContent(_Record):
    """A version with its bytes in base64 (JSON surfaces)."""
    file: FileMeta
    content_base64: str

# ----- Live events -----

class EventStream:
    def __aiter__(self) -> EventStream: ...
    def __anext__(self) -> Awaitable[Event]: ...
    def aclose(self) -> Awaitable[None]: ...

class Subscription:
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def __enter__(self) -> Subscription: ...
    def __exit__(self, *_args: Any) -> None: ...

# ----- Clients -----

class Client:
    """Blocking client; releases the GIL while it works; share one per process.
    `close()` or leaving `with Client.open(...) as gh:` ends it; later calls raise
    `Unavailable`."""

    @staticmethod
    def open(database: Optional[str] = None, config: Union[Mapping[str, Any], str, os.PathLike[str], None] = None, *, redis: Optional[str] = None, cache: bool = False) -> Client: ...
    def to_async(self) -> AsyncClient: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    def __enter__(self) -> Client: ...
    def __exit__(self, *_args: Any) -> bool: ...
    def subscribe(self, callback: Callable[[Event], Any], *, player: Optional[str] = None, kinds: Optional[Sequence[str]] = None, topics: Optional[Sequence[str]] = None) -> Subscription: ...
    # economy
    def grant(self, player: str, currency: str, amount: int, *, source: Optional[str] = None, reason: Optional[str] = None, metadata: JSON = None, idempotency_key: Optional[str] = None) -> BalanceChange: ...
    def spend(self, player: str, currency: str, amount: int, *, sink: Optional[str] = None, reason: Optional[str] = None, metadata: JSON = None, idempotency_key: Optional[str] = None) -> BalanceChange: ...
    def transfer(self, from_player: str, to_player: str, currency: str, amount: int, *, reason: Optional[str] = None, metadata: JSON = None, idempotency_key: Optional[str] = None) -> Transfer: ...
    def wallet(self, player: str) -> Wallet: ...
    def balance(self, player: str, currency: str) -> int: ...
    def history(self, player: str, *, currency: Optional[str] = None, kind: Optional[str] = None, cursor: Optional[str] = None, limit: Optional[int] = None) -> HistoryPage: ...
    def verify_ledger(self) -> LedgerReport: ...
    # catalog and inventory
    def purchase(self, player: str, item_id: str, quantity: int = 1, *, metadata: JSON = None, idempotency_key: Optional[str] = None) -> Purchase: ...
    def use_item(self, player: str, item_id: str, quantity: int = 1, *, idempotency_key: Optional[str] = None) -> ItemChange: ...
    def grant_item(self, player: str, item_id: str, quantity: int = 1, *, reason: Optional[str] = None, idempotency_key: Optional[str] = None) -> ItemChange: ...
    def inventory(self, player: str) -> list[InventoryEntry]: ...
    def upsert_catalog_item(self, item: Mapping[str, Any]) -> CatalogItem: ...
    def set_catalog_item_active(self, item_id: str, active: bool) -> CatalogItem: ...
    def catalog_item(self, item_id: str) -> CatalogItem: ...
    def catalog(self) -> list[CatalogItem]: ...
    def popular_items(self, limit: Optional[int] = None, *, since: Optional[Instant] = None, until: Optional[Instant] = None) -> list[PopularItem]: ...
    def revenue_per_day(self, from_day: Optional[date] = None, to_day: Optional[date] = None) -> list[DailyRevenue]: ...
    # mail
    def send_mail(self, to: str, subject: str, body: str = "", *, sender: Optional[SenderSpec] = None, attachments: Optional[Mapping[str, Any]] = None, expires_in_secs: Optional[int] = None, idempotency_key: Optional[str] = None) -> SendMailResult: ...
    def broadcast_mail(self, subject: str, body: str = "", *, sender: Optional[SenderSpec] = None, attachments: Optional[Mapping[str, Any]] = None, expires_in_secs: Optional[int] = None, recipients: Optional[Sequence[str]] = None, idempotency_key: Optional[str] = None) -> Broadcast: ...
    def mailbox(self, player: str) -> list[Mail]: ...
    def open_mail(self, player: str, mail_id: str) -> Mail: ...
    def claim_mail(self, player: str, mail_id: str, *, idempotency_key: Optional[str] = None) -> ClaimResult: ...
    def delete_mail(self, player: str, mail_id: str) -> None: ...
    # announcements
    def put_template(self, template_id: str, body: str) -> Template: ...
    def template(self, template_id: str) -> Template: ...
    def templates(self) -> list[Template]: ...
    def put_trigger(self, trigger: Mapping[str, Any]) -> Trigger: ...
    def trigger(self, trigger_id: str) -> Trigger: ...
    def triggers(self) -> list[Trigger]: ...
    def cancel_trigger(self, trigger_id: str) -> Trigger: ...
    def preview(self, template_id: str, variables: Optional[Mapping[str, Any]] = None) -> str: ...
    def fire(self, player: str, event: str, *, location: Optional[Mapping[str, Optional[str]]] = None, variables: Optional[Mapping[str, Any]] = None) -> list[Message]: ...
    def push_scheduled_audience(self, kind: str) -> int: ...
    def send_due_triggers(self) -> list[str]: ...
    # presence
    def login(self, player: str, *, lobby: Optional[str] = None, server: Optional[str] = None, room: Optional[str] = None, party: Optional[str] = None) -> Session: ...
    def heartbeat(self, player: str, *, lobby: Optional[str] = None, server: Optional[str] = None, room: Optional[str] = None, party: Optional[str] = None) -> Session: ...
    def logout(self, player: str) -> bool: ...
    def session(self, player: str) -> Optional[Session]: ...
    def online(self) -> list[Session]: ...
    # parties
    def create_party(self, player: str, *, open: bool = False) -> Party: ...
    def invite_to_party(self, leader: str, invitee: str) -> Invite: ...
    def accept_invite(self, player: str, party_id: str) -> Party: ...
    def decline_invite(self, player: str, party_id: str) -> None: ...
    def join_party(self, player: str, party_id: str) -> Party: ...
    def leave_party(self, player: str) -> Optional[Party]: ...
    def kick_from_party(self, leader: str, target: str) -> Party: ...
    def promote_in_party(self, leader: str, target: str) -> Party: ...
    def disband_party(self, leader: str) -> None: ...
    def party_of(self, player: str) -> Optional[Party]: ...
    def party(self, party_id: str) -> Party: ...
    # chat
    def post_message(self, player: str, channel: str, body: str, *, metadata: JSON = None, idempotency_key: Optional[str] = None) -> ChatMessage: ...
    def channel_history(self, channel: str, *, player: Optional[str] = None, before: Optional[str] = None, limit: Optional[int] = None) -> ChatPage: ...
    def mute_player(self, player: str, until: Instant, *, reason: Optional[str] = None) -> ChatMute: ...
    def unmute_player(self, player: str) -> bool: ...
    # leaderboards
    def put_leaderboard(self, id: str, *, sort: Optional[str] = None, operator: Optional[str] = None, reset: Optional[str] = None, partitioned: bool = False, rewards: JSON = None, tournament: JSON = None, metadata: JSON = None) -> Leaderboard: ...
    def leaderboard(self, board: str) -> Leaderboard: ...
    def leaderboards(self) -> list[Leaderboard]: ...
    def submit_score(self, board: str, player: str, score: int, *, partition: Optional[str] = None, idempotency_key: Optional[str] = None) -> SubmitScoreResult: ...
    def leaderboard_standings(self, board: str, *, partition: Optional[str] = None, period: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None) -> StandingsPage: ...
    def leaderboard_standing(self, board: str, player: str, *, partition: Optional[str] = None, period: Optional[str] = None, neighbours: Optional[int] = None) -> PlayerStanding: ...
    def leaderboard_periods(self, board: str, *, partition: Optional[str] = None) -> list[LeaderboardPeriod]: ...
    def join_tournament(self, board: str, player: str, *, idempotency_key: Optional[str] = None) -> JoinTournamentResult: ...
    def run_leaderboard_resets(self) -> list[LeaderboardPeriod]: ...
    # groups
    def create_group(self, owner: str, name: str, *, description: Optional[str] = None, open: bool = False, max_members: Optional[int] = None, kind: Optional[str] = None, metadata: JSON = None) -> Group: ...
    def group(self, group_id: str) -> Group: ...
    def group_by_name(self, name: str) -> Group: ...
    def groups_of(self, player: str) -> list[Group]: ...
    def find_groups(self, *, prefix: Optional[str] = None, cursor: Optional[str] = None, limit: Optional[int] = None) -> GroupPage: ...
    def join_group(self, player: str, group_id: str) -> Group: ...
    def request_to_join_group(self, player: str, group_id: str) -> Group: ...
    def invite_to_group(self, actor: str, group_id: str, invitee: str) -> GroupInvite: ...
    def accept_group_invite(self, player: str, group_id: str) -> Group: ...
    def decline_group_invite(self, player: str, group_id: str) -> Group: ...
    def accept_join_request(self, actor: str, group_id: str, player: str) -> Group: ...
    def decline_join_request(self, actor: str, group_id: str, player: str) -> Group: ...
    def kick_from_group(self, actor: str, group_id: str, target: str) -> Group: ...
    def promote_in_group(self, actor: str, group_id: str, target: str) -> Group: ...
    def demote_in_group(self, actor: str, group_id: str, target: str) -> Group: ...
    def transfer_group_ownership(self, actor: str, group_id: str, target: str) -> Group: ...
    def leave_group(self, player: str, group_id: str) -> GroupLeaveResult: ...
    def disband_group(self, actor: str, group_id: str) -> None: ...
    def group_deposit(self, player: str, group_id: str, currency: str, amount: int, *, reason: Optional[str] = None, idempotency_key: Optional[str] = None) -> GroupBankResult: ...
    def group_withdraw(self, player: str, group_id: str, currency: str, amount: int, *, reason: Optional[str] = None, idempotency_key: Optional[str] = None) -> GroupBankResult: ...
    def group_bank(self, group_id: str) -> GroupBank: ...
    def admin_remove_group_member(self, group_id: str, player: str) -> GroupLeaveResult: ...
    def admin_disband_group(self, group_id: str) -> None: ...
    # achievements
    def put_achievement(self, definition: Mapping[str, Any]) -> Achievement: ...
    def delete_achievement(self, achievement_id: str) -> Achievement: ...
    def achievement(self, achievement_id: str) -> Achievement: ...
    def achievements(self) -> list[Achievement]: ...
    def player_achievements(self, player: str) -> list[AchievementStatus]: ...
    def achievement_status(self, player: str, achievement_id: str) -> AchievementStatus: ...
    def progress_achievement(self, player: str, achievement_id: str, amount: int = 1, *, idempotency_key: Optional[str] = None) -> ProgressResult: ...
    def claim_achievement(self, player: str, achievement_id: str, *, idempotency_key: Optional[str] = None) -> AchievementClaimResult: ...
    # friends
    def send_friend_request(self, from_player: str, to_player: str, *, idempotency_key: Optional[str] = None) -> Friendship: ...
    def accept_friend_request(self, player: str, other: str, *, idempotency_key: Optional[str] = None) -> Friendship: ...
    def decline_friend_request(self, player: str, other: str, *, idempotency_key: Optional[str] = None) -> Friendship: ...
    def remove_friend(self, player: str, other: str, *, idempotency_key: Optional[str] = None) -> Friendship: ...
    def block_player(self, blocker: str, blocked: str, *, idempotency_key: Optional[str] = None) -> BlockResult: ...
    def unblock_player(self, blocker: str, blocked: str, *, idempotency_key: Optional[str] = None) -> BlockResult: ...
    def friends(self, player: str) -> list[Friend]: ...
    def friend_requests(self, player: str) -> FriendRequests: ...
    def blocked(self, player: str) -> list[str]: ...
    # matchmaking
    def queue(self, player: str, queue: str, *, with_party: bool = False, properties: Optional[Mapping[str, str]] = None) -> Ticket: ...
    def cancel_ticket(self, player: str) -> Ticket: ...
    def ticket_status(self, player: str) -> Optional[TicketStatus]: ...
    def pool(self, queue: str) -> list[Ticket]: ...
    def tick(self, holder: str = "python") -> list[MatchRecord]: ...
    def report_match(self, match_id: str, ranks: Sequence[int]) -> ReportResult: ...
    def match_record(self, match_id: str) -> MatchRecord: ...
    def rating(self, player: str, queue: str) -> Rating: ...
    def match_history(self, player: str, limit: Optional[int] = None) -> list[MatchRecord]: ...
    # events
    def events_after(self, after: int = 0, limit: Optional[int] = None) -> list[Event]: ...
    def player_events_after(self, player: str, after: int = 0, limit: Optional[int] = None) -> list[Event]: ...
    def prune(self) -> tuple[int, int]: ...
    # trade
    def open_trade(self, player: str, with_player: str, offer: Optional[Mapping[str, Any]] = None, *, idempotency_key: Optional[str] = None) -> TradeResult: ...
    def set_trade_offer(self, player: str, trade_id: str, offer: Mapping[str, Any], *, revision: Optional[int] = None, confirm: bool = False, idempotency_key: Optional[str] = None) -> TradeResult: ...
    def confirm_trade(self, player: str, trade_id: str, revision: int, *, idempotency_key: Optional[str] = None) -> TradeResult: ...
    def cancel_trade(self, player: str, trade_id: str, *, idempotency_key: Optional[str] = None) -> TradeResult: ...
    def trade(self, trade_id: str) -> Trade: ...
    def player_trades(self, player: str) -> PlayerTrades: ...
    def recent_trades(self, limit: int = 50) -> list[Trade]: ...
    def trade_ledger(self, trade_id: str) -> list[LedgerEntry]: ...
    def expire_trades(self) -> int: ...
    # characters and the account bank
    def create_character(self, account: str, name: str, *, idempotency_key: Optional[str] = None) -> CharacterResult: ...
    def rename_character(self, account: str, character: str, name: str, *, idempotency_key: Optional[str] = None) -> CharacterResult: ...
    def delete_character(self, account: str, character: str, *, idempotency_key: Optional[str] = None) -> CharacterResult: ...
    def restore_character(self, account: str, character: str, *, idempotency_key: Optional[str] = None) -> CharacterResult: ...
    def select_character(self, account: str, character: str, *, idempotency_key: Optional[str] = None) -> CharacterSelection: ...
    def characters(self, account: str) -> CharacterList: ...
    def character(self, character: str) -> Character: ...
    def bank_deposit(self, character: str, *, currency: Optional[str] = None, amount: Optional[int] = None, item_id: Optional[str] = None, quantity: Optional[int] = None, reason: Optional[str] = None, idempotency_key: Optional[str] = None) -> BankMoveResult: ...
    def bank_withdraw(self, character: str, *, currency: Optional[str] = None, amount: Optional[int] = None, item_id: Optional[str] = None, quantity: Optional[int] = None, reason: Optional[str] = None, idempotency_key: Optional[str] = None) -> BankMoveResult: ...
    def account_bank(self, player: str) -> AccountBank: ...
    def equip_item(self, player: str, item_id: str, *, idempotency_key: Optional[str] = None) -> EquipResult: ...
    def unequip_item(self, player: str, slot: str, *, idempotency_key: Optional[str] = None) -> EquipResult: ...
    def equipment(self, player: str) -> Equipment: ...
    # loot tables
    def put_loot_table(self, table: Mapping[str, Any]) -> LootTable: ...
    def delete_loot_table(self, table_id: str) -> LootTable: ...
    def loot_table(self, table_id: str) -> LootTable: ...
    def loot_tables(self) -> list[LootTable]: ...
    def roll_loot(self, player: str, table_id: str, *, party: bool = False, idempotency_key: Optional[str] = None) -> LootResult: ...
    def loot_result(self, result_id: str) -> LootResult: ...
    def replay_loot(self, *, result_id: Optional[str] = None, table_id: Optional[str] = None, seed: Optional[int] = None) -> LootPreview: ...
    def loot_roll(self, roll_id: str) -> LootRoll: ...
    def choose_loot_roll(self, roll_id: str, player: str, choice: str, *, idempotency_key: Optional[str] = None) -> LootRollResult: ...
    def resolve_loot_rolls(self) -> list[LootRoll]: ...
    # rooms and the lobby
    def create_room(self, room_type: str, capacity: int, *, player: Optional[str] = None, metadata: Optional[Mapping[str, Any]] = None, server: Optional[str] = None, idempotency_key: Optional[str] = None) -> RoomResult: ...
    def enter_room(self, player: str, room_id: str, *, idempotency_key: Optional[str] = None) -> RoomResult: ...
    def leave_room(self, player: str, *, room_id: Optional[str] = None, idempotency_key: Optional[str] = None) -> RoomResult: ...
    def destroy_room(self, room_id: str, *, idempotency_key: Optional[str] = None) -> RoomResult: ...
    def room(self, room_id: str) -> Room: ...
    def player_room(self, player: str) -> Optional[Room]: ...
    def rooms(self, limit: Optional[int] = None) -> list[Room]: ...
    def room_log(self, room_id: str, *, after: Optional[str] = None, limit: Optional[int] = None) -> RoomLogPage: ...
    def destroy_idle_rooms(self) -> int: ...
    def lobby(self) -> LobbyView: ...
    def push_lobby(self, *, player: Optional[str] = None, unless_fingerprint: Optional[str] = None) -> LobbyPushResult: ...
    # payments and game data files
    def payment_log(self, *, cursor: Optional[str] = None, limit: Optional[int] = None) -> PaymentLogPage: ...
    def payment(self, provider: str, payment_id: str) -> PaymentRecord: ...
    def upload_file(self, name: str, content_base64: str, *, content_type: Optional[str] = None) -> FileMeta: ...
    def files(self, *, since: Optional[int] = None, limit: Optional[int] = None) -> FileList: ...
    def file_content(self, name: str) -> FileContent: ...
    def file_versions(self, name: str) -> list[FileMeta]: ...

class _AsyncOpen:
    """What `AsyncClient.open` returns: `await` it for the client, or
    `async with AsyncClient.open(...) as gh:` to close the client on the way out."""

    def __await__(self) -> Generator[Any, None, AsyncClient]: ...
    def __aenter__(self) -> Awaitable[AsyncClient]: ...
    def __aexit__(self, *_args: Any) -> Awaitable[bool]: ...

class AsyncClient:
    """asyncio client: every operation returns an awaitable; share one per process.
    `await aclose()` or leaving `async with AsyncClient.open(...) as gh:` ends it;
    later calls raise `Unavailable`."""

    @staticmethod
    def open(database: Optional[str] = None, config: Union[Mapping[str, Any], str, os.PathLike[str], None] = None, *, redis: Optional[str] = None, cache: bool = False) -> _AsyncOpen: ...
    def to_sync(self) -> Client: ...
    def aclose(self) -> Awaitable[None]: ...
    @property
    def closed(self) -> bool: ...
    def __aenter__(self) -> Awaitable[AsyncClient]: ...
    def __aexit__(self, *_args: Any) -> Awaitable[bool]: ...
    def events(self, *, after: Optional[int] = None, player: Optional[str] = None, kinds: Optional[Sequence[str]] = None, topics: Optional[Sequence[str]] = None) -> EventStream: ...
    # economy
    def grant(self, player: str, currency: str, amount: int, *, source: Optional[str] = None, reason: Optional[str] = None, metadata: JSON = None, idempotency_key: Optional[str] = None) -> Awaitable[BalanceChange]: ...
    def spend(self, player: str, currency: str, amount: int, *, sink: Optional[str] = None, reason: Optional[str] = None, metadata: JSON = None, idempotency_key: Optional[str] = None) -> Awaitable[BalanceChange]: ...
    def transfer(self, from_player: str, to_player: str, currency: str, amount: int, *, reason: Optional[str] = None, metadata: JSON = None, idempotency_key: Optional[str] = None) -> Awaitable[Transfer]: ...
    def wallet(self, player: str) -> Awaitable[Wallet]: ...
    def balance(self, player: str, currency: str) -> Awaitable[int]: ...
    def history(self, player: str, *, currency: Optional[str] = None, kind: Optional[str] = None, cursor: Optional[str] = None, limit: Optional[int] = None) -> Awaitable[HistoryPage]: ...
    def verify_ledger(self) -> Awaitable[LedgerReport]: ...
    # catalog and inventory
    def purchase(self, player: str, item_id: str, quantity: int = 1, *, metadata: JSON = None, idempotency_key: Optional[str] = None) -> Awaitable[Purchase]: ...
    def use_item(self, player: str, item_id: str, quantity: int = 1, *, idempotency_key: Optional[str] = None) -> Awaitable[ItemChange]: ...
    def grant_item(self, player: str, item_id: str, quantity: int = 1, *, reason: Optional[str] = None, idempotency_key: Optional[str] = None) -> Awaitable[ItemChange]: ...
    def inventory(self, player: str) -> Awaitable[list[InventoryEntry]]: ...
    def upsert_catalog_item(self, item: Mapping[str, Any]) -> Awaitable[CatalogItem]: ...
    def set_catalog_item_active(self, item_id: str, active: bool) -> Awaitable[CatalogItem]: ...
    def catalog_item(self, item_id: str) -> Awaitable[CatalogItem]: ...
    def catalog(self) -> Awaitable[list[CatalogItem]]: ...
    def popular_items(self, limit: Optional[int] = None, *, since: Optional[Instant] = None, until: Optional[Instant] = None) -> Awaitable[list[PopularItem]]: ...
    def revenue_per_day(self, from_day: Optional[date] = None, to_day: Optional[date] = None) -> Awaitable[list[DailyRevenue]]: ...
    # mail
    def send_mail(self, to: str, subject: str, body: str = "", *, sender: Optional[SenderSpec] = None, attachments: Optional[Mapping[str, Any]] = None, expires_in_secs: Optional[int] = None, idempotency_key: Optional[str] = None) -> Awaitable[SendMailResult]: ...
    def broadcast_mail(self, subject: str, body: str = "", *, sender: Optional[SenderSpec] = None, attachments: Optional[Mapping[str, Any]] = None, expires_in_secs: Optional[int] = None, recipients: Optional[Sequence[str]] = None, idempotency_key: Optional[str] = None) -> Awaitable[Broadcast]: ...
    def mailbox(self, player: str) -> Awaitable[list[Mail]]: ...
    def open_mail(self, player: str, mail_id: str) -> Awaitable[Mail]: ...
    def claim_mail(self, player: str, mail_id: str, *, idempotency_key: Optional[str] = None) -> Awaitable[ClaimResult]: ...
    def delete_mail(self, player: str, mail_id: str) -> Awaitable[None]: ...
    # announcements
    def put_template(self, template_id: str, body: str) -> Awaitable[Template]: ...
    def template(self, template_id: str) -> Awaitable[Template]: ...
    def templates(self) -> Awaitable[list[Template]]: ...
    def put_trigger(self, trigger: Mapping[str, Any]) -> Awaitable[Trigger]: ...
    def trigger(self, trigger_id: str) -> Awaitable[Trigger]: ...
    def triggers(self) -> Awaitable[list[Trigger]]: ...
    def cancel_trigger(self, trigger_id: str) -> Awaitable[Trigger]: ...
    def preview(self, template_id: str, variables: Optional[Mapping[str, Any]] = None) -> Awaitable[str]: ...
    def fire(self, player: str, event: str, *, location: Optional[Mapping[str, Optional[str]]] = None, variables: Optional[Mapping[str, Any]] = None) -> Awaitable[list[Message]]: ...
    def push_scheduled_audience(self, kind: str) -> Awaitable[int]: ...
    def send_due_triggers(self) -> Awaitable[list[str]]: ...
    # presence
    def login(self, player: str, *, lobby: Optional[str] = None, server: Optional[str] = None, room: Optional[str] = None, party: Optional[str] = None) -> Awaitable[Session]: ...
    def heartbeat(self, player: str, *, lobby: Optional[str] = None, server: Optional[str] = None, room: Optional[str] = None, party: Optional[str] = None) -> Awaitable[Session]: ...
    def logout(self, player: str) -> Awaitable[bool]: ...
    def session(self, player: str) -> Awaitable[Optional[Session]]: ...
    def online(self) -> Awaitable[list[Session]]: ...
    # parties
    def create_party(self, player: str, *, open: bool = False) -> Awaitable[Party]: ...
    def invite_to_party(self, leader: str, invitee: str) -> Awaitable[Invite]: ...
    def accept_invite(self, player: str, party_id: str) -> Awaitable[Party]: ...
    def decline_invite(self, player: str, party_id: str) -> Awaitable[None]: ...
    def join_party(self, player: str, party_id: str) -> Awaitable[Party]: ...
    def leave_party(self, player: str) -> Awaitable[Optional[Party]]: ...
    def kick_from_party(self, leader: str, target: str) -> Awaitable[Party]: ...
    def promote_in_party(self, leader: str, target: str) -> Awaitable[Party]: ...
    def disband_party(self, leader: str) -> Awaitable[None]: ...
    def party_of(self, player: str) -> Awaitable[Optional[Party]]: ...
    def party(self, party_id: str) -> Awaitable[Party]: ...
    # chat
    def post_message(self, player: str, channel: str, body: str, *, metadata: JSON = None, idempotency_key: Optional[str] = None) -> Awaitable[ChatMessage]: ...
    def channel_history(self, channel: str, *, player: Optional[str] = None, before: Optional[str] = None, limit: Optional[int] = None) -> Awaitable[ChatPage]: ...
    def mute_player(self, player: str, until: Instant, *, reason: Optional[str] = None) -> Awaitable[ChatMute]: ...
    def unmute_player(self, player: str) -> Awaitable[bool]: ...
    # leaderboards
    def put_leaderboard(self, id: str, *, sort: Optional[str] = None, operator: Optional[str] = None, reset: Optional[str] = None, partitioned: bool = False, rewards: JSON = None, tournament: JSON = None, metadata: JSON = None) -> Awaitable[Leaderboard]: ...
    def leaderboard(self, board: str) -> Awaitable[Leaderboard]: ...
    def leaderboards(self) -> Awaitable[list[Leaderboard]]: ...
    def submit_score(self, board: str, player: str, score: int, *, partition: Optional[str] = None, idempotency_key: Optional[str] = None) -> Awaitable[SubmitScoreResult]: ...
    def leaderboard_standings(self, board: str, *, partition: Optional[str] = None, period: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None) -> Awaitable[StandingsPage]: ...
    def leaderboard_standing(self, board: str, player: str, *, partition: Optional[str] = None, period: Optional[str] = None, neighbours: Optional[int] = None) -> Awaitable[PlayerStanding]: ...
    def leaderboard_periods(self, board: str, *, partition: Optional[str] = None) -> Awaitable[list[LeaderboardPeriod]]: ...
    def join_tournament(self, board: str, player: str, *, idempotency_key: Optional[str] = None) -> Awaitable[JoinTournamentResult]: ...
    def run_leaderboard_resets(self) -> Awaitable[list[LeaderboardPeriod]]: ...
    # groups
    def create_group(self, owner: str, name: str, *, description: Optional[str] = None, open: bool = False, max_members: Optional[int] = None, kind: Optional[str] = None, metadata: JSON = None) -> Awaitable[Group]: ...
    def group(self, group_id: str) -> Awaitable[Group]: ...
    def group_by_name(self, name: str) -> Awaitable[Group]: ...
    def groups_of(self, player: str) -> Awaitable[list[Group]]: ...
    def find_groups(self, *, prefix: Optional[str] = None, cursor: Optional[str] = None, limit: Optional[int] = None) -> Awaitable[GroupPage]: ...
    def join_group(self, player: str, group_id: str) -> Awaitable[Group]: ...
    def request_to_join_group(self, player: str, group_id: str) -> Awaitable[Group]: ...
    def invite_to_group(self, actor: str, group_id: str, invitee: str) -> Awaitable[GroupInvite]: ...
    def accept_group_invite(self, player: str, group_id: str) -> Awaitable[Group]: ...
    def decline_group_invite(self, player: str, group_id: str) -> Awaitable[Group]: ...
    def accept_join_request(self, actor: str, group_id: str, player: str) -> Awaitable[Group]: ...
    def decline_join_request(self, actor: str, group_id: str, player: str) -> Awaitable[Group]: ...
    def kick_from_group(self, actor: str, group_id: str, target: str) -> Awaitable[Group]: ...
    def promote_in_group(self, actor: str, group_id: str, target: str) -> Awaitable[Group]: ...
    def demote_in_group(self, actor: str, group_id: str, target: str) -> Awaitable[Group]: ...
    def transfer_group_ownership(self, actor: str, group_id: str, target: str) -> Awaitable[Group]: ...
    def leave_group(self, player: str, group_id: str) -> Awaitable[GroupLeaveResult]: ...
    def disband_group(self, actor: str, group_id: str) -> Awaitable[None]: ...
    def group_deposit(self, player: str, group_id: str, currency: str, amount: int, *, reason: Optional[str] = None, idempotency_key: Optional[str] = None) -> Awaitable[GroupBankResult]: ...
    def group_withdraw(self, player: str, group_id: str, currency: str, amount: int, *, reason: Optional[str] = None, idempotency_key: Optional[str] = None) -> Awaitable[GroupBankResult]: ...
    def group_bank(self, group_id: str) -> Awaitable[GroupBank]: ...
    def admin_remove_group_member(self, group_id: str, player: str) -> Awaitable[GroupLeaveResult]: ...
    def admin_disband_group(self, group_id: str) -> Awaitable[None]: ...
    # achievements
    def put_achievement(self, definition: Mapping[str, Any]) -> Awaitable[Achievement]: ...
    def delete_achievement(self, achievement_id: str) -> Awaitable[Achievement]: ...
    def achievement(self, achievement_id: str) -> Awaitable[Achievement]: ...
    def achievements(self) -> Awaitable[list[Achievement]]: ...
    def player_achievements(self, player: str) -> Awaitable[list[AchievementStatus]]: ...
    def achievement_status(self, player: str, achievement_id: str) -> Awaitable[AchievementStatus]: ...
    def progress_achievement(self, player: str, achievement_id: str, amount: int = 1, *, idempotency_key: Optional[str] = None) -> Awaitable[ProgressResult]: ...
    def claim_achievement(self, player: str, achievement_id: str, *, idempotency_key: Optional[str] = None) -> Awaitable[AchievementClaimResult]: ...
    # friends
    def send_friend_request(self, from_player: str, to_player: str, *, idempotency_key: Optional[str] = None) -> Awaitable[Friendship]: ...
    def accept_friend_request(self, player: str, other: str, *, idempotency_key: Optional[str] = None) -> Awaitable[Friendship]: ...
    def decline_friend_request(self, player: str, other: str, *, idempotency_key: Optional[str] = None) -> Awaitable[Friendship]: ...
    def remove_friend(self, player: str, other: str, *, idempotency_key: Optional[str] = None) -> Awaitable[Friendship]: ...
    def block_player(self, blocker: str, blocked: str, *, idempotency_key: Optional[str] = None) -> Awaitable[BlockResult]: ...
    def unblock_player(self, blocker: str, blocked: str, *, idempotency_key: Optional[str] = None) -> Awaitable[BlockResult]: ...
    def friends(self, player: str) -> Awaitable[list[Friend]]: ...
    def friend_requests(self, player: str) -> Awaitable[FriendRequests]: ...
    def blocked(self, player: str) -> Awaitable[list[str]]: ...
    # matchmaking
    def queue(self, player: str, queue: str, *, with_party: bool = False, properties: Optional[Mapping[str, str]] = None) -> Awaitable[Ticket]: ...
    def cancel_ticket(self, player: str) -> Awaitable[Ticket]: ...
    def ticket_status(self, player: str) -> Awaitable[Optional[TicketStatus]]: ...
    def pool(self, queue: str) -> Awaitable[list[Ticket]]: ...
    def tick(self, holder: str = "python") -> Awaitable[list[MatchRecord]]: ...
    def report_match(self, match_id: str, ranks: Sequence[int]) -> Awaitable[ReportResult]: ...
    def match_record(self, match_id: str) -> Awaitable[MatchRecord]: ...
    def rating(self, player: str, queue: str) -> Awaitable[Rating]: ...
    def match_history(self, player: str, limit: Optional[int] = None) -> Awaitable[list[MatchRecord]]: ...
    # events
    def events_after(self, after: int = 0, limit: Optional[int] = None) -> Awaitable[list[Event]]: ...
    def player_events_after(self, player: str, after: int = 0, limit: Optional[int] = None) -> Awaitable[list[Event]]: ...
    def prune(self) -> Awaitable[tuple[int, int]]: ...
    # trade
    def open_trade(self, player: str, with_player: str, offer: Optional[Mapping[str, Any]] = None, *, idempotency_key: Optional[str] = None) -> Awaitable[TradeResult]: ...
    def set_trade_offer(self, player: str, trade_id: str, offer: Mapping[str, Any], *, revision: Optional[int] = None, confirm: bool = False, idempotency_key: Optional[str] = None) -> Awaitable[TradeResult]: ...
    def confirm_trade(self, player: str, trade_id: str, revision: int, *, idempotency_key: Optional[str] = None) -> Awaitable[TradeResult]: ...
    def cancel_trade(self, player: str, trade_id: str, *, idempotency_key: Optional[str] = None) -> Awaitable[TradeResult]: ...
    def trade(self, trade_id: str) -> Awaitable[Trade]: ...
    def player_trades(self, player: str) -> Awaitable[PlayerTrades]: ...
    def recent_trades(self, limit: int = 50) -> Awaitable[list[Trade]]: ...
    def trade_ledger(self, trade_id: str) -> Awaitable[list[LedgerEntry]]: ...
    def expire_trades(self) -> Awaitable[int]: ...
    # characters and the account bank
    def create_character(self, account: str, name: str, *, idempotency_key: Optional[str] = None) -> Awaitable[CharacterResult]: ...
    def rename_character(self, account: str, character: str, name: str, *, idempotency_key: Optional[str] = None) -> Awaitable[CharacterResult]: ...
    def delete_character(self, account: str, character: str, *, idempotency_key: Optional[str] = None) -> Awaitable[CharacterResult]: ...
    def restore_character(self, account: str, character: str, *, idempotency_key: Optional[str] = None) -> Awaitable[CharacterResult]: ...
    def select_character(self, account: str, character: str, *, idempotency_key: Optional[str] = None) -> Awaitable[CharacterSelection]: ...
    def characters(self, account: str) -> Awaitable[CharacterList]: ...
    def character(self, character: str) -> Awaitable[Character]: ...
    def bank_deposit(self, character: str, *, currency: Optional[str] = None, amount: Optional[int] = None, item_id: Optional[str] = None, quantity: Optional[int] = None, reason: Optional[str] = None, idempotency_key: Optional[str] = None) -> Awaitable[BankMoveResult]: ...
    def bank_withdraw(self, character: str, *, currency: Optional[str] = None, amount: Optional[int] = None, item_id: Optional[str] = None, quantity: Optional[int] = None, reason: Optional[str] = None, idempotency_key: Optional[str] = None) -> Awaitable[BankMoveResult]: ...
    def account_bank(self, player: str) -> Awaitable[AccountBank]: ...
    def equip_item(self, player: str, item_id: str, *, idempotency_key: Optional[str] = None) -> Awaitable[EquipResult]: ...
    def unequip_item(self, player: str, slot: str, *, idempotency_key: Optional[str] = None) -> Awaitable[EquipResult]: ...
    def equipment(self, player: str) -> Awaitable[Equipment]: ...
    # loot tables
    def put_loot_table(self, table: Mapping[str, Any]) -> Awaitable[LootTable]: ...
    def delete_loot_table(self, table_id: str) -> Awaitable[LootTable]: ...
    def loot_table(self, table_id: str) -> Awaitable[LootTable]: ...
    def loot_tables(self) -> Awaitable[list[LootTable]]: ...
    def roll_loot(self, player: str, table_id: str, *, party: bool = False, idempotency_key: Optional[str] = None) -> Awaitable[LootResult]: ...
    def loot_result(self, result_id: str) -> Awaitable[LootResult]: ...
    def replay_loot(self, *, result_id: Optional[str] = None, table_id: Optional[str] = None, seed: Optional[int] = None) -> Awaitable[LootPreview]: ...
    def loot_roll(self, roll_id: str) -> Awaitable[LootRoll]: ...
    def choose_loot_roll(self, roll_id: str, player: str, choice: str, *, idempotency_key: Optional[str] = None) -> Awaitable[LootRollResult]: ...
    def resolve_loot_rolls(self) -> Awaitable[list[LootRoll]]: ...
    # rooms and the lobby
    def create_room(self, room_type: str, capacity: int, *, player: Optional[str] = None, metadata: Optional[Mapping[str, Any]] = None, server: Optional[str] = None, idempotency_key: Optional[str] = None) -> Awaitable[RoomResult]: ...
    def enter_room(self, player: str, room_id: str, *, idempotency_key: Optional[str] = None) -> Awaitable[RoomResult]: ...
    def leave_room(self, player: str, *, room_id: Optional[str] = None, idempotency_key: Optional[str] = None) -> Awaitable[RoomResult]: ...
    def destroy_room(self, room_id: str, *, idempotency_key: Optional[str] = None) -> Awaitable[RoomResult]: ...
    def room(self, room_id: str) -> Awaitable[Room]: ...
    def player_room(self, player: str) -> Awaitable[Optional[Room]]: ...
    def rooms(self, limit: Optional[int] = None) -> Awaitable[list[Room]]: ...
    def room_log(self, room_id: str, *, after: Optional[str] = None, limit: Optional[int] = None) -> Awaitable[RoomLogPage]: ...
    def destroy_idle_rooms(self) -> Awaitable[int]: ...
    def lobby(self) -> Awaitable[LobbyView]: ...
    def push_lobby(self, *, player: Optional[str] = None, unless_fingerprint: Optional[str] = None) -> Awaitable[LobbyPushResult]: ...
    # payments and game data files
    def payment_log(self, *, cursor: Optional[str] = None, limit: Optional[int] = None) -> Awaitable[PaymentLogPage]: ...
    def payment(self, provider: str, payment_id: str) -> Awaitable[PaymentRecord]: ...
    def upload_file(self, name: str, content_base64: str, *, content_type: Optional[str] = None) -> Awaitable[FileMeta]: ...
    def files(self, *, since: Optional[int] = None, limit: Optional[int] = None) -> Awaitable[FileList]: ...
    def file_content(self, name: str) -> Awaitable[FileContent]: ...
    def file_versions(self, name: str) -> Awaitable[list[FileMeta]]: ...
