"""Bounded benchmark of the Python binding on SQLite: calls/s and mean latency of a
wallet read and a purchase, through the blocking client (1 and 8 threads) and the
asyncio client (1 and 64 tasks in flight). Wallet reads are measured twice: from the
database (the default, safe when other processes write the same database) and with
`cache=True` (the in-process read cache, for a process that is the only writer).

    python bench.py [--seconds 2] [--json out.json]

Each case runs for a fixed time (default 2 s after a warm-up) against a fresh SQLite
file in a temporary directory, then stops. Mean latency is the wall time of each call
as the caller sees it, averaged. Then the event loop's responsiveness: a task sleeping
10 ms in a loop records the longest gap between its wake-ups while another task awaits
10,000 wallet reads, then 2,000 purchases, one after the other. Exit status 1 when the
one-thread blocking wallet read with `cache=True` or the one-task awaited wallet read
from the database is below the floor of 50,000 calls/s, or a gap reaches 20 ms.
"""

import argparse
import asyncio
import json
import os
import platform
import tempfile
import threading
import time

import guildhall

FLOOR_WALLET_SYNC_1 = 50_000
FLOOR_WALLET_ASYNC_1 = 50_000
MAX_LOOP_GAP_MS = 20.0
CONFIG = {
    "currencies": [{"code": "gold"}],
    "catalog": [{"id": "ticket", "name": "Ticket", "kind": "consumable",
                 "price": {"currency": "gold", "amount": 1}}],
}
FUNDS = 10**12


def run_sync(gh, threads, seconds, op):
    counts, latency = [0] * threads, [0.0] * threads
    stop = time.perf_counter() + seconds
    barrier = threading.Barrier(threads)

    def worker(i):
        player = f"bench-{threads}-{i}"
        call = op(gh, player)
        barrier.wait()
        n, total = 0, 0.0
        while True:
            t0 = time.perf_counter()
            call()
            t1 = time.perf_counter()
            total += t1 - t0
            n += 1
            if t1 >= stop:
                break
        counts[i], latency[i] = n, total

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    elapsed = time.perf_counter() - start
    n = sum(counts)
    return {"calls": n, "calls_per_sec": n / elapsed, "mean_latency_us": 1e6 * sum(latency) / n}


async def run_async(agh, tasks, seconds, op):
    counts, latency = [0] * tasks, [0.0] * tasks
    stop = time.perf_counter() + seconds

    async def worker(i):
        player = f"abench-{tasks}-{i}"
        call = op(agh, player)
        n, total = 0, 0.0
        while True:
            t0 = time.perf_counter()
            await call()
            t1 = time.perf_counter()
            total += t1 - t0
            n += 1
            if t1 >= stop:
                break
        counts[i], latency[i] = n, total

    start = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(tasks)))
    elapsed = time.perf_counter() - start
    n = sum(counts)
    return {"calls": n, "calls_per_sec": n / elapsed, "mean_latency_us": 1e6 * sum(latency) / n}


async def loop_gaps(agh):
    """The longest gaps (ms) between the wake-ups of a 10 ms ticker while 10,000 wallet
    reads, then 2,000 purchases, are awaited one after the other."""
    await agh.grant("gaps", "gold", FUNDS)
    out = {}
    for name, n, call in (("10,000 awaited wallet reads", 10_000, lambda: agh.wallet("gaps")),
                          ("2,000 awaited purchases", 2_000, lambda: agh.purchase("gaps", "ticket"))):
        stop, worst = False, 0.0

        async def ticker():
            nonlocal worst
            last = time.perf_counter()
            while not stop:
                await asyncio.sleep(0.010)
                now = time.perf_counter()
                worst, last = max(worst, now - last), now

        task = asyncio.create_task(ticker())
        await asyncio.sleep(0.015)
        worst = 0.0
        started = time.perf_counter()
        for _ in range(n):
            await call()
        took = time.perf_counter() - started
        stop = True
        await task
        out[name] = {"seconds": took, "max_gap_ms": worst * 1000}
    return out


def wallet_op(gh, player):
    return lambda: gh.wallet(player)


def purchase_op(gh, player):
    gh_sync = gh if isinstance(gh, guildhall.Client) else None
    if gh_sync is not None:
        gh_sync.grant(player, "gold", FUNDS)
    return lambda: gh.purchase(player, "ticket")


async def async_prepare(agh, tasks):
    for i in range(tasks):
        await agh.grant(f"abench-{tasks}-{i}", "gold", FUNDS)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--json")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as d:
        gh = guildhall.Client.open(f"sqlite:{d}/bench.db", CONFIG)
        cached = guildhall.Client.open(f"sqlite:{d}/bench.db", CONFIG, cache=True)
        for threads in (1, 8):
            for name, client, op in (("wallet", gh, wallet_op), ("wallet+cache", cached, wallet_op),
                                     ("purchase", gh, purchase_op)):
                run_sync(client, threads, min(0.3, args.seconds), op)  # warm-up
                r = run_sync(client, threads, args.seconds, op)
                results.append({"client": "sync", "op": name, "concurrency": threads, **r})

        async def async_cases():
            agh = await guildhall.AsyncClient.open(f"sqlite:{d}/bench.db", CONFIG)
            acached = await guildhall.AsyncClient.open(f"sqlite:{d}/bench.db", CONFIG, cache=True)
            out = []
            for tasks in (1, 64):
                await async_prepare(agh, tasks)
                for name, client, op in (("wallet", agh, lambda a, p: (lambda: a.wallet(p))),
                                         ("wallet+cache", acached, lambda a, p: (lambda: a.wallet(p))),
                                         ("purchase", agh, lambda a, p: (lambda: a.purchase(p, "ticket")))):
                    await run_async(client, tasks, min(0.3, args.seconds), op)
                    r = await run_async(client, tasks, args.seconds, op)
                    out.append({"client": "async", "op": name, "concurrency": tasks, **r})
            gaps = await loop_gaps(agh)
            report = await agh.verify_ledger()
            assert report.ok, report
            return out, gaps

        async_results, gaps = asyncio.run(async_cases())
        results += async_results
    print(f"guildhall {guildhall.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, SQLite file, {args.seconds:.1f} s per case")
    print(f"{'client':6} {'op':12} {'in flight':>9} {'calls':>9} {'calls/s':>10} {'mean µs':>9}")
    for r in results:
        print(f"{r['client']:6} {r['op']:12} {r['concurrency']:>9} {r['calls']:>9} "
              f"{r['calls_per_sec']:>10,.0f} {r['mean_latency_us']:>9.1f}")
    print("event loop, 10 ms ticker:")
    for name, g in gaps.items():
        print(f"  {name}: {g['seconds']:.3f} s, longest gap between ticks {g['max_gap_ms']:.1f} ms")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"cases": results, "loop_gaps": gaps}, f, indent=2)
    status = 0
    for (client, op, floor_value) in (("sync", "wallet+cache", FLOOR_WALLET_SYNC_1),
                                      ("async", "wallet", FLOOR_WALLET_ASYNC_1)):
        r = next(r for r in results if (r["client"], r["op"], r["concurrency"]) == (client, op, 1))
        if r["calls_per_sec"] < floor_value:
            print(f"below the floor: {client} {op} read {r['calls_per_sec']:,.0f} < {floor_value:,} calls/s")
            status = 1
    for name, g in gaps.items():
        if g["max_gap_ms"] >= MAX_LOOP_GAP_MS:
            print(f"the event loop stood still {g['max_gap_ms']:.1f} ms during {name} (limit {MAX_LOOP_GAP_MS} ms)")
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
