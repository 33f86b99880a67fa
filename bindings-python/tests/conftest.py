"""Shared fixtures: a fresh SQLite backend per test, opened through the blocking or the
asyncio client, and an `api` wrapper that makes both look awaitable so every scenario
runs against both clients."""

import asyncio

import pytest

import guildhall

CONFIG = {
    "reset_timezone": "Europe/Moscow",
    "currencies": [{"code": "gold"}, {"code": "gems", "max_balance": 1000}],
    "catalog": [
        {"id": "potion", "name": "Health Potion", "kind": "consumable",
         "price": {"currency": "gold", "amount": 10}, "max_stack": 100},
        {"id": "sword", "name": "Sword", "kind": "durable",
         "price": {"currency": "gold", "amount": 50}},
        {"id": "relic", "name": "Relic", "kind": "durable"},
    ],
    "mail": {"player_daily_limit": 2},
    "party": {"max_size": 3, "invite_ttl_secs": 60},
    "queues": [
        {"name": "duel", "teams": 2, "team_size": 1,
         "window": {"initial": 100.0, "widen_per_sec": 10.0, "max": 500.0},
         "max_wait_secs": 120},
        {"name": "squads", "teams": 2, "team_size": 2,
         "window": {"initial": 100.0, "widen_per_sec": 10.0, "max": 500.0},
         "max_wait_secs": 120},
    ],
}

#: Operation names called through `api`, per client kind (checked at the end of test_api).
CALLED = {"sync": set(), "async": set()}


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:{tmp_path}/game.db"


@pytest.fixture
def gh(db_url):
    """A blocking client over a fresh database."""
    return guildhall.Client.open(db_url, CONFIG)


@pytest.fixture
async def agh(db_url):
    """An asyncio client over a fresh database."""
    return await guildhall.AsyncClient.open(db_url, CONFIG)


class Api:
    """Calls a client's operations as coroutines, recording which were called."""

    def __init__(self, client, kind):
        self._client = client
        self.kind = kind

    def __getattr__(self, name):
        method = getattr(self._client, name)
        if name in guildhall.OPERATIONS:
            CALLED[self.kind].add(name)

        async def call(*args, **kwargs):
            result = method(*args, **kwargs)
            if self.kind == "async":
                assert asyncio.isfuture(result) or asyncio.iscoroutine(result) or hasattr(result, "__await__")
                result = await result
            return result

        return call


@pytest.fixture(params=["sync", "async"])
async def api(request, db_url):
    if request.param == "sync":
        return Api(guildhall.Client.open(db_url, CONFIG), "sync")
    return Api(await guildhall.AsyncClient.open(db_url, CONFIG), "async")
