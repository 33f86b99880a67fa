"""A discord.py cog that puts a guildhall economy, shop, mailbox, parties and
matchmaking behind slash commands. The command logic is in `logic` (plain async
functions over a `guildhall.AsyncClient`); `cog` only adapts Discord to it."""
