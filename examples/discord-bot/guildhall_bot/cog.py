"""The discord.py cog: slash commands that call `logic` with the caller's id."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

import guildhall

from . import logic


class GuildhallCog(commands.Cog):
    """/balance, /pay, /shop, /buy, /mail, /claim, /party invite|accept, /queue."""

    party = app_commands.Group(name="party", description="Parties of up to five")

    def __init__(self, bot: commands.Bot, gh: guildhall.AsyncClient):
        self.bot = bot
        self.gh = gh

    async def reply(self, interaction: discord.Interaction, text: str, *, ephemeral: bool = True):
        await interaction.response.send_message(text, ephemeral=ephemeral)

    @app_commands.command(description="Show your wallet")
    async def balance(self, interaction: discord.Interaction):
        await self.reply(interaction, await logic.balance(self.gh, str(interaction.user.id)))

    @app_commands.command(description="Pay another player")
    @app_commands.describe(member="Who to pay", amount="How much", currency="Which currency")
    async def pay(self, interaction: discord.Interaction, member: discord.Member,
                  amount: app_commands.Range[int, 1], currency: str = "gold"):
        text = await logic.pay(self.gh, str(interaction.user.id), str(member.id), amount, currency,
                               request_id=str(interaction.id))
        await self.reply(interaction, text, ephemeral=False)

    @app_commands.command(description="What's for sale")
    async def shop(self, interaction: discord.Interaction):
        await self.reply(interaction, await logic.shop(self.gh))

    @app_commands.command(description="Buy an item from the shop")
    @app_commands.describe(item="Item id from /shop", quantity="How many")
    async def buy(self, interaction: discord.Interaction, item: str,
                  quantity: app_commands.Range[int, 1, 99] = 1):
        await self.reply(interaction, await logic.buy(self.gh, str(interaction.user.id), item, quantity,
                                                      request_id=str(interaction.id)))

    @app_commands.command(description="Your mailbox")
    async def mail(self, interaction: discord.Interaction):
        await self.reply(interaction, await logic.mail(self.gh, str(interaction.user.id)))

    @app_commands.command(description="Open a mail and claim what it carries")
    @app_commands.describe(mail_id="Mail id from /mail")
    async def claim(self, interaction: discord.Interaction, mail_id: str):
        await self.reply(interaction, await logic.claim(self.gh, str(interaction.user.id), mail_id))

    @party.command(name="invite", description="Invite a member to your party")
    async def party_invite(self, interaction: discord.Interaction, member: discord.Member):
        await self.reply(interaction, await logic.party_invite(self.gh, str(interaction.user.id), str(member.id)),
                         ephemeral=False)

    @party.command(name="accept", description="Accept a party invite")
    async def party_accept(self, interaction: discord.Interaction, party_id: str):
        await self.reply(interaction, await logic.party_accept(self.gh, str(interaction.user.id), party_id),
                         ephemeral=False)

    @app_commands.command(description="Queue for a match (with your party if you lead one)")
    @app_commands.describe(queue="Queue name, e.g. duel")
    async def queue(self, interaction: discord.Interaction, queue: str = "duel"):
        await self.reply(interaction, await logic.queue(self.gh, str(interaction.user.id), queue))


async def setup(bot: commands.Bot, gh: guildhall.AsyncClient) -> GuildhallCog:
    """Adds the cog to a bot."""
    cog = GuildhallCog(bot, gh)
    await bot.add_cog(cog)
    return cog
