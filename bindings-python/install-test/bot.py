"""A bot-like asyncio script on the installed wheel: many concurrent command handlers
(as discord.py runs them) grant a daily reward with an idempotency key per player and
day, read balances and refuse an overdraft, all on one AsyncClient.

Run by bindings-python/test-install.sh in a fresh venv; exits non-zero on a wrong result.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import guildhall
from guildhall import AsyncClient, InsufficientFunds

CONFIG = {"currencies": [{"code": "coins"}]}


async def daily(gh: AsyncClient, player: str) -> int:
    change = await gh.grant(player, "coins", 100, reason="daily", idempotency_key=f"daily:{player}:2026-12-01")
    return change.balance


async def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'bot.db'}"
        async with AsyncClient.open(db, CONFIG) as gh:
            players = [f"discord:{1000 + i}" for i in range(20)]
            # Every player presses /daily three times at once: paid once each.
            await asyncio.gather(*(daily(gh, p) for p in players for _ in range(3)))
            balances = await asyncio.gather(*(gh.balance(p, "coins") for p in players))
            assert balances == [100] * len(players), balances
            try:
                await gh.spend(players[0], "coins", 1_000)
            except InsufficientFunds as e:
                assert e.code == "INSUFFICIENT_FUNDS"
            else:
                raise AssertionError("an overdraft was accepted")
            assert await gh.balance(players[0], "coins") == 100
    print(f"bot.py: guildhall {guildhall.__name__} on Python {sys.version.split()[0]}: 20 players paid once each")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
