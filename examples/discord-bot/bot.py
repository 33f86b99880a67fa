"""Runs the bot: `DISCORD_TOKEN=... python bot.py [game.toml]`.

Opens the guildhall backend named by the config (or GUILDHALL_DATABASE_URL), adds the
cog, syncs the slash commands, and DMs players when a match is found for them."""

import asyncio
import os
import sys
import tomllib

import discord
from discord.ext import commands

import guildhall
from guildhall_bot.cog import setup


async def announce_matches(bot: commands.Bot, gh: guildhall.AsyncClient):
    """Pings matched players: live `match_found` events from the outbox feed."""
    async for event in gh.events(kinds=["match_found"]):
        for player in event.players:
            user = bot.get_user(int(player)) if player.isdigit() else None
            if user is not None:
                await user.send(f"Match found in `{event.payload['match']['queue']}`!")


async def tick_forever(gh: guildhall.AsyncClient):
    """Forms matches once a second (one process at a time holds the lease)."""
    while True:
        await gh.tick("discord-bot")
        await asyncio.sleep(1)


async def main(config_path: str = "game.toml"):
    with open(config_path, "rb") as f:
        config = tomllib.load(f)
    gh = await guildhall.AsyncClient.open(os.environ.get("GUILDHALL_DATABASE_URL"), config)
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())

    @bot.event
    async def setup_hook():
        await setup(bot, gh)
        await bot.tree.sync()
        bot.loop.create_task(announce_matches(bot, gh))
        bot.loop.create_task(tick_forever(gh))

    await bot.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
