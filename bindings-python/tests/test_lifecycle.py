"""What a bot or site author reaches for: closing a client (`close()`, `aclose()`,
`with` / `async with`), records usable in sets and as dict keys, a wallet that reads as
a map by currency, type aliases the stubs name that exist at runtime, and `help()`
showing the real defaults."""

import inspect
import subprocess
import sys

import pytest

import guildhall
from conftest import CONFIG

# One argument per parameter name, enough to reach the closed client's refusal.
ARGS = {
    "player": "p", "currency": "gold", "amount": 1, "from_player": "p", "to_player": "q",
    "item_id": "potion", "item": {"id": "x", "name": "X", "kind": "durable"},
    "active": True, "to": "p", "subject": "s", "mail_id": "m", "template_id": "t",
    "body": "b", "trigger_id": "t", "event": "login", "kind": "lobby", "leader": "p",
    "invitee": "q", "party_id": "x", "target": "q", "queue": "duel", "match_id": "x",
    "ranks": [0, 1], "other": "q", "blocker": "p", "blocked": "q", "owner": "p", "name": "g",
    "group_id": "g", "actor": "p", "channel": "global", "until": 1893456000,
    "id": "b", "board": "b", "score": 1,
    "trigger": {"id": "t", "event": "login", "template_id": "t", "audience": "player",
                "kind": "announcement", "cap": {"every": "once"}},
    "achievement_id": "a", "definition": {"id": "a", "kind": "quest", "title": "A", "goal": 1},
    "with_player": "q", "trade_id": "t", "offer": {}, "revision": 1,
    "account": "p", "character": "c", "slot": "head",
    "table_id": "t", "table": {"id": "t", "entries": [{"item": "x"}]}, "result_id": "r",
    "roll_id": "r", "choice": "need",
    "room_type": "duel", "capacity": 2, "room_id": "r",
    "provider": "stripe", "payment_id": "pi", "content_base64": "AA==",
}


def call_args(method):
    params = list(inspect.signature(method).parameters.values())
    return [ARGS[p.name] for p in params
            if p.name != "self" and p.default is inspect.Parameter.empty
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def test_client_closes_by_with_and_every_call_then_raises_unavailable(db_url):
    with guildhall.Client.open(db_url, CONFIG) as gh:
        assert not gh.closed
        gh.grant("p", "gold", 5)
    assert gh.closed and "closed" in repr(gh)
    for op in guildhall.OPERATIONS:
        method = getattr(gh, op)
        with pytest.raises(guildhall.Unavailable):
            method(*call_args(method))
    for make in (gh.to_async, lambda: gh.subscribe(print)):
        with pytest.raises(guildhall.Unavailable):
            make()
    gh.close()  # twice: a no-op
    # The data stayed: another client reads it.
    with guildhall.Client.open(db_url, CONFIG) as again:
        assert again.balance("p", "gold") == 5


def test_leaving_with_by_an_exception_closes_and_propagates(db_url):
    with pytest.raises(ZeroDivisionError):
        with guildhall.Client.open(db_url, CONFIG) as gh:
            1 / 0
    assert gh.closed


def test_closing_stops_subscriptions(db_url):
    gh = guildhall.Client.open(db_url, CONFIG)
    sub = gh.subscribe(lambda e: None)
    gh.close()
    assert sub.closed


async def test_async_client_closes_by_async_with_and_aclose(db_url):
    async with guildhall.AsyncClient.open(db_url, CONFIG) as agh:
        assert isinstance(agh, guildhall.AsyncClient)
        await agh.grant("p", "gold", 7)
        stream = agh.events()
    assert agh.closed
    for op in guildhall.OPERATIONS:
        method = getattr(agh, op)
        with pytest.raises(guildhall.Unavailable):
            await method(*call_args(method))
    with pytest.raises(StopAsyncIteration):
        await stream.__anext__()
    other = await guildhall.AsyncClient.open(db_url, CONFIG)
    sibling = other.to_sync()
    assert await other.aclose() is None
    assert other.closed and not sibling.closed  # each closes on its own
    assert sibling.balance("p", "gold") == 7
    await other.aclose()  # twice: a no-op
    # An opened client is an async context manager itself.
    async with await guildhall.AsyncClient.open(db_url, CONFIG) as third:
        assert await third.balance("p", "gold") == 7
    assert third.closed
    # A refused open raises on the way in, as when awaited.
    with pytest.raises(guildhall.InvalidArgument):
        async with guildhall.AsyncClient.open("mysql://nope"):
            pass


async def test_records_are_hashable_consistently_with_eq(api):
    await api.grant("h", "gold", 3)
    a, b = await api.wallet("h"), await api.wallet("h")
    assert a == b and hash(a) == hash(b)
    assert len({a, b}) == 1 and {a: 1}[b] == 1
    await api.grant("h", "gold", 1)
    c = await api.wallet("h")
    assert c != a and len({a, c}) == 2
    # Records holding dicts and lists (metadata, payloads) hash too.
    page = await api.history("h")
    assert hash(page) == hash(await api.history("h"))
    events = await api.events_after(0)
    assert len(set(events)) == len(events)


async def test_a_wallet_reads_as_a_map_by_currency(api):
    await api.grant("m", "gems", 4)
    w = await api.wallet("m")
    assert list(w) == ["gold", "gems"] == list(w.keys())
    assert dict(w.items()) == {"gold": 0, "gems": 4} == dict(zip(w.keys(), w.values()))
    assert "gems" in w and "silver" not in w
    assert len(w) == 2 and w["gems"] == 4 and w.get("silver") == 0
    with pytest.raises(KeyError):
        w["silver"]


def test_stub_aliases_exist_at_runtime():
    for name in ("JSON", "Instant", "SenderSpec"):
        assert hasattr(guildhall, name) and name in guildhall.__all__, name


def test_help_shows_real_defaults():
    sig = inspect.signature(guildhall.Client.grant)
    assert sig.parameters["metadata"].default is None
    for cls in (guildhall.Client, guildhall.AsyncClient):
        for op in guildhall.OPERATIONS:
            for p in inspect.signature(getattr(cls, op)).parameters.values():
                assert p.default is not Ellipsis, f"{cls.__name__}.{op}({p.name}=...)"
    assert inspect.signature(guildhall.Client.tick).parameters["holder"].default == "python"
    assert inspect.signature(guildhall.Client.send_mail).parameters["body"].default == ""


# A program that ends while a native thread is inside Python: the events thread runs a
# subscriber's callback that is still sleeping when the script's last line returns.
EXIT_DURING_CALLBACK = """
import sys, threading, time
import guildhall
started = threading.Event()

def slow(event):
    started.set()
    time.sleep(0.3)  # the GIL is released here; finalization must not start meanwhile
    with open(sys.argv[2], "w") as f:
        f.write(event.kind)

gh = guildhall.Client.open(sys.argv[1], {"currencies": [{"code": "gold"}]})
gh.subscribe(slow)
gh.grant("p", "gold", 1)
assert started.wait(10)
"""

# An asyncio program whose last awaited calls are resolved from the runtime's threads.
EXIT_AFTER_AWAITS = """
import asyncio, sys
import guildhall

async def main():
    async with guildhall.AsyncClient.open(sys.argv[1], {"currencies": [{"code": "gold"}]}) as gh:
        await asyncio.gather(*(gh.grant(f"p{i}", "gold", 1) for i in range(20)))
        assert await gh.balance("p0", "gold") == 1
    open(sys.argv[2], "w").write("done")

asyncio.run(main())
"""


@pytest.mark.parametrize("script", [EXIT_DURING_CALLBACK, EXIT_AFTER_AWAITS],
                         ids=["callback-running", "after-awaits"])
def test_the_interpreter_exits_cleanly_while_native_threads_call_into_python(tmp_path, script):
    # Without the module's exit hook a thread that takes the GIL back during
    # finalization is ended by CPython with pthread_exit, which aborts the process
    # (SIGABRT, exit status 134); with it, the exit waits for the callback to finish.
    for run in range(3):
        out = tmp_path / f"out-{run}"
        done = subprocess.run([sys.executable, "-c", script, f"sqlite:{tmp_path}/exit-{run}.db", str(out)],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
        assert out.read_text() in ("currency_granted", "done")
