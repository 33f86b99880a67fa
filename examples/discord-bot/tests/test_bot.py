"""The bot's commands, called as plain async functions and through the cog with a
stand-in interaction (no Discord connection)."""

import types

import discord
from discord.ext import commands

from guildhall_bot import logic
from guildhall_bot.cog import GuildhallCog, setup

ALICE, BOB, CARL = "111111111111111111", "222222222222222222", "333333333333333333"


async def test_balance_and_pay(gh):
    await gh.grant(ALICE, "gold", 100, source="donations")
    assert await logic.balance(gh, ALICE) == "Your wallet: 100 gold, 0 gems"
    text = await logic.pay(gh, ALICE, BOB, 30, request_id="interaction-1")
    assert text == f"Paid 30 gold to <@{BOB}>. Your balance: 70 gold."
    # a retried interaction pays once
    await logic.pay(gh, ALICE, BOB, 30, request_id="interaction-1")
    assert (await gh.wallet(BOB))["gold"] == 30
    assert await logic.pay(gh, ALICE, BOB, 1000) == "You don't have enough gold for that."
    assert await logic.pay(gh, ALICE, ALICE, 1) == "You can't pay yourself."
    assert await logic.pay(gh, ALICE, BOB, 0) == "Pay a positive amount."
    assert (await gh.verify_ledger()).ok


async def test_shop_and_buy(gh):
    shop = await logic.shop(gh)
    assert "`potion` Health Potion (consumable): 10 gold" in shop
    assert "`mount` Swift Mount (durable): 500 gold" in shop
    await gh.grant(ALICE, "gold", 600)
    assert await logic.buy(gh, ALICE, "potion", 3, request_id="i-2") == \
        "Bought 3 × `potion` for 30 gold. You have 3; balance 570 gold."
    assert (await logic.buy(gh, ALICE, "potion", 3, request_id="i-2")).startswith("Bought 3")  # replay
    assert [e.quantity for e in await gh.inventory(ALICE)] == [3]
    assert (await logic.buy(gh, ALICE, "mount")).startswith("Bought 1 × `mount`")
    assert await logic.buy(gh, ALICE, "mount") == "You already own that."
    assert await logic.buy(gh, ALICE, "unicorn") == "Nothing found by that name."
    assert await logic.buy(gh, BOB, "gem-pack") == "You don't have enough gems for that."
    assert await logic.buy(gh, ALICE, "potion", 97) == "You can't carry more of that."


async def test_mail_and_claim(gh):
    assert await logic.mail(gh, ALICE) == "Your mailbox is empty."
    sent = await gh.send_mail(ALICE, "Daily reward", "Thanks for playing",
                              attachments={"currencies": [{"currency": "gold", "amount": 50}],
                                           "items": [{"item_id": "potion", "quantity": 2}]})
    await gh.broadcast_mail("Server news", "Patch 1.2 is live")
    listing = await logic.mail(gh, ALICE)
    assert "**Server news** (new)" in listing and f"`{sent.mail.id}` 📎 **Daily reward** (new)" in listing
    text = await logic.claim(gh, ALICE, sent.mail.id)
    assert text == "**Daily reward**\nThanks for playing\nClaimed: 50 gold, 2 × `potion`"
    assert await logic.claim(gh, ALICE, sent.mail.id) == "**Daily reward**\nThanks for playing\n(nothing to claim)"
    assert await logic.claim(gh, ALICE, "no-such-mail") == "Nothing found by that name."
    assert (await gh.wallet(ALICE))["gold"] == 50


async def test_party_invite_and_queue(gh):
    text = await logic.party_invite(gh, ALICE, BOB)
    party = await gh.party_of(ALICE)
    assert text.startswith(f"Invited <@{BOB}> to party `{party.id}`")
    assert await logic.party_accept(gh, BOB, party.id) == f"You joined the party: <@{ALICE}>, <@{BOB}>"
    assert await logic.party_invite(gh, BOB, CARL) == "Only the party leader can do that."
    assert await logic.queue(gh, ALICE, "squads") == \
        "Queued your party for `squads` (rating 25). You'll be pinged when a match is found."
    assert await logic.queue(gh, BOB, "squads") == "You are already queued."
    assert (await logic.queue(gh, CARL, "duel")).startswith("Queued you for `duel` (rating 1500)")
    assert await logic.queue(gh, CARL, "nope") == "Nothing found by that name."


class FakeResponse:
    def __init__(self):
        self.sent = []

    async def send_message(self, text, ephemeral=False):
        self.sent.append((text, ephemeral))


def interaction(user_id, interaction_id=1):
    return types.SimpleNamespace(id=interaction_id, user=types.SimpleNamespace(id=int(user_id)),
                                 response=FakeResponse())


async def test_cog_registers_slash_commands_and_replies(gh):
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.none())
    cog = await setup(bot, gh)
    names = sorted(c.name for c in bot.tree.get_commands())
    assert names == ["balance", "buy", "claim", "mail", "party", "pay", "queue", "shop"]
    party = bot.tree.get_command("party")
    assert sorted(c.name for c in party.commands) == ["accept", "invite"]

    await gh.grant(ALICE, "gold", 40)
    i = interaction(ALICE)
    await GuildhallCog.balance.callback(cog, i)
    assert i.response.sent == [("Your wallet: 40 gold, 0 gems", True)]
    i = interaction(ALICE, 77)
    member = types.SimpleNamespace(id=int(BOB))
    await GuildhallCog.pay.callback(cog, i, member, 15)
    await GuildhallCog.pay.callback(cog, i, member, 15)  # the same interaction again
    assert i.response.sent[0] == (f"Paid 15 gold to <@{BOB}>. Your balance: 25 gold.", False)
    assert (await gh.wallet(BOB))["gold"] == 15
    i = interaction(BOB)
    await GuildhallCog.party_invite.callback(cog, i, types.SimpleNamespace(id=int(CARL)))
    assert i.response.sent[0][0].startswith(f"Invited <@{CARL}>")
