"""A typed example checked with `mypy --strict` against the stubs the wheel ships
(guildhall/__init__.pyi, py.typed): the shapes a bot or a site relies on."""

from __future__ import annotations

from guildhall import AsyncClient, BalanceChange, Client, GuildhallError, Wallet


def pay(gh: Client, player: str, amount: int) -> int:
    change: BalanceChange = gh.grant(player, "gold", amount, idempotency_key=f"pay:{player}")
    return change.balance


async def show(gh: AsyncClient, player: str) -> dict[str, int]:
    wallet: Wallet = await gh.wallet(player)
    return {b.currency: b.amount for b in wallet.balances}


def code_of(e: GuildhallError) -> str | None:
    return e.code
