"""Many threads of the blocking client and many tasks of the asyncio client at once:
every refusal is clean, money is conserved, the ledger audit passes."""

import asyncio
import random
import threading

import guildhall

PLAYERS = [f"p{i}" for i in range(16)]
START = 1_000


def test_32_threads_sync(gh):
    for p in PLAYERS:
        gh.grant(p, "gold", START)
    errors, refusals, bonus = [], [], set()
    barrier = threading.Barrier(32)

    def worker(seed):
        rng = random.Random(seed)
        barrier.wait()
        for i in range(40):
            a, b = rng.sample(PLAYERS, 2)
            try:
                op = rng.randrange(4)
                if op == 0:
                    gh.transfer(a, b, "gold", rng.randint(1, 300))
                elif op == 1:
                    gh.purchase(a, "potion", rng.randint(1, 3))
                elif op == 2:
                    gh.wallet(a)
                else:
                    # Keys are scoped to the caller (this process), so each names its
                    # player: the same key for another player would be a conflict.
                    key = f"bonus-{seed}-{i % 3}-{a}"
                    gh.grant(a, "gold", 5, idempotency_key=key)
                    bonus.add((a, key))
            except guildhall.GuildhallError as e:
                refusals.append(e.code)
            except Exception as e:  # pragma: no cover - a failure
                errors.append(e)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert set(refusals) <= {"INSUFFICIENT_FUNDS", "STACK_LIMIT", "CONFLICT"}
    assert refusals.count("CONFLICT") < 0.05 * 32 * 40
    report = gh.verify_ledger()
    assert report.ok, report
    # each (player, idempotency key) bonus credited once, however often it was sent
    total = sum(gh.balance(p, "gold") for p in PLAYERS)
    spent = sum(e.quantity * 10 for p in PLAYERS for e in gh.inventory(p))
    assert total + spent == START * len(PLAYERS) + 5 * len(bonus)


async def test_1000_async_tasks(agh):
    players = [f"q{i}" for i in range(128)]
    for p in players:
        await agh.grant(p, "gold", START)
    rng = random.Random(7)
    plan = [(rng.randrange(3), *rng.sample(players, 2), rng.randint(1, 200)) for _ in range(1000)]
    loop_ticks = 0
    done = asyncio.Event()

    async def heartbeat():
        nonlocal loop_ticks
        while not done.is_set():
            loop_ticks += 1
            await asyncio.sleep(0)

    async def one(op, a, b, amount):
        try:
            if op == 0:
                return await agh.transfer(a, b, "gold", amount)
            if op == 1:
                return await agh.purchase(a, "potion", 1)
            return await agh.wallet(a)
        except guildhall.GuildhallError as e:
            return e

    hb = asyncio.create_task(heartbeat())
    results = await asyncio.gather(*(one(*p) for p in plan))
    done.set()
    await hb
    assert len(results) == 1000
    codes = [r.code for r in results if isinstance(r, guildhall.GuildhallError)]
    # CONFLICT: a change that lost every optimistic retry; it changed nothing
    assert set(codes) <= {"INSUFFICIENT_FUNDS", "STACK_LIMIT", "CONFLICT"}
    assert codes.count("CONFLICT") < 100, codes.count("CONFLICT")
    assert loop_ticks > 10, "the event loop kept running while calls were in flight"
    report = await agh.verify_ledger()
    assert report.ok, report
    total = sum([await agh.balance(p, "gold") for p in players])
    inventories = [await agh.inventory(p) for p in players]
    spent = sum(e.quantity * 10 for inv in inventories for e in inv)
    assert total + spent == START * len(players)
