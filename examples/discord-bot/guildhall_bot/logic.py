"""What each slash command does, as plain async functions over a `guildhall.AsyncClient`.

Each returns the text to send back. A player is the Discord user id (a snowflake) as a
string. Refusals come back as friendly text; nothing here talks to Discord, so tests call
these functions directly.
"""

from __future__ import annotations

from typing import Optional

import guildhall

#: What a player reads for each refusal the commands can meet.
FRIENDLY = {
    "INSUFFICIENT_FUNDS": "You don't have enough {currency} for that.",
    "ALREADY_OWNED": "You already own that.",
    "NOT_FOR_SALE": "That item is not for sale.",
    "STACK_LIMIT": "You can't carry more of that.",
    "NOT_FOUND": "Nothing found by that name.",
    "MAIL_NOT_READ": "Open the mail first.",
    "ALREADY_CLAIMED": "You have already claimed that mail.",
    "PARTY_FULL": "That party is full.",
    "ALREADY_IN_PARTY": "They are already in a party.",
    "NOT_PARTY_LEADER": "Only the party leader can do that.",
    "INVITE_EXPIRED": "That invite has expired.",
    "TICKET_EXISTS": "You are already queued.",
    "BALANCE_LIMIT": "That would go over the balance limit.",
    "INVALID_ARGUMENT": "That doesn't look right: {message}",
}


def explain(err: guildhall.GuildhallError) -> str:
    """A refusal as a sentence for the player."""
    details = err.details if isinstance(err.details, dict) else {}
    text = FRIENDLY.get(err.code, "Something went wrong ({code}).")
    return text.format(code=err.code, message=err.message, currency=details.get("currency", "money"))


def money(amount: int, currency: str) -> str:
    return f"{amount:,} {currency}"


async def balance(gh: guildhall.AsyncClient, user: str) -> str:
    """/balance: every currency of the caller's wallet."""
    wallet = await gh.wallet(user)
    return "Your wallet: " + ", ".join(money(b.amount, b.currency) for b in wallet.balances)


async def pay(gh: guildhall.AsyncClient, user: str, to: str, amount: int,
              currency: str = "gold", request_id: Optional[str] = None) -> str:
    """/pay: a transfer. `request_id` (the interaction id) makes a retried command pay once."""
    if to == user:
        return "You can't pay yourself."
    if amount <= 0:
        return "Pay a positive amount."
    try:
        t = await gh.transfer(user, to, currency, amount, reason="discord_pay",
                              idempotency_key=f"pay:{request_id}" if request_id else None)
    except guildhall.GuildhallError as e:
        return explain(e)
    return f"Paid {money(t.amount, t.currency)} to <@{to}>. Your balance: {money(t.from_balance, t.currency)}."


async def shop(gh: guildhall.AsyncClient) -> str:
    """/shop: the items for sale."""
    lines = []
    for item in await gh.catalog():
        if item.active and item.price is not None:
            lines.append(f"`{item.id}` {item.name} ({item.kind}): {money(item.price.amount, item.price.currency)}")
    return "\n".join(["**Shop**", *lines]) if lines else "The shop is empty."


async def buy(gh: guildhall.AsyncClient, user: str, item_id: str, quantity: int = 1,
              request_id: Optional[str] = None) -> str:
    """/buy: a purchase; debit and item arrive together or not at all."""
    try:
        p = await gh.purchase(user, item_id, quantity,
                              idempotency_key=f"buy:{request_id}" if request_id else None)
    except guildhall.GuildhallError as e:
        return explain(e)
    return (f"Bought {p.quantity} × `{p.item_id}` for {money(p.amount, p.currency)}. "
            f"You have {p.item_quantity}; balance {money(p.balance, p.currency)}.")


async def mail(gh: guildhall.AsyncClient, user: str) -> str:
    """/mail: the caller's mailbox, newest first."""
    box = await gh.mailbox(user)
    if not box:
        return "Your mailbox is empty."
    lines = []
    for m in box[:10]:
        mark = "📎 " if m.unclaimed else ""
        new = "" if m.read_at else " (new)"
        lines.append(f"`{m.id}` {mark}**{m.subject}**{new}")
    return "\n".join(["**Mailbox**", *lines])


async def claim(gh: guildhall.AsyncClient, user: str, mail_id: str) -> str:
    """/claim: opens a mail and claims its attachments, exactly once."""
    try:
        opened = await gh.open_mail(user, mail_id)
        if not opened.unclaimed:
            return f"**{opened.subject}**\n{opened.body}\n(nothing to claim)"
        c = await gh.claim_mail(user, mail_id)
    except guildhall.GuildhallError as e:
        return explain(e)
    got = [money(b.amount, b.currency) for b in c.balances]
    got += [f"{i['quantity']} × `{i['item_id']}`" for i in c.mail.attachments.get("items", [])
            if i["item_id"] not in c.skipped_items]
    return f"**{c.mail.subject}**\n{c.mail.body}\nClaimed: " + ", ".join(got)


async def party_invite(gh: guildhall.AsyncClient, user: str, invitee: str) -> str:
    """/party invite: invites a member, creating the caller's party first if needed."""
    try:
        party = await gh.party_of(user)
        if party is None:
            party = await gh.create_party(user)
        invite = await gh.invite_to_party(user, invitee)
    except guildhall.GuildhallError as e:
        return explain(e)
    return (f"Invited <@{invitee}> to party `{party.id}`; the invite expires "
            f"<t:{int(invite.expires_at.timestamp())}:R>. They accept with /party accept.")


async def party_accept(gh: guildhall.AsyncClient, user: str, party_id: str) -> str:
    """/party accept: joins a party the caller was invited to."""
    try:
        party = await gh.accept_invite(user, party_id)
    except guildhall.GuildhallError as e:
        return explain(e)
    return "You joined the party: " + ", ".join(f"<@{p}>" for p in party.players)


async def queue(gh: guildhall.AsyncClient, user: str, queue_name: str) -> str:
    """/queue: queues the caller (their whole party when they lead one)."""
    try:
        party = await gh.party_of(user)
        with_party = party is not None and party.leader == user and len(party.members) > 1
        ticket = await gh.queue(user, queue_name, with_party=with_party)
    except guildhall.GuildhallError as e:
        return explain(e)
    who = "your party" if ticket.party_id else "you"
    return f"Queued {who} for `{ticket.queue}` (rating {ticket.rating:.0f}). You'll be pinged when a match is found."
