"""A Flask-like threaded script on the installed wheel: a pool of request threads
share one blocking Client (the GIL is released while it works), each buying from the
shop with its request id as the idempotency key, some requests retried.

Run by bindings-python/test-install.sh in a fresh venv; exits non-zero on a wrong result.
"""

from __future__ import annotations

import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from guildhall import Client, InsufficientFunds

CONFIG = {
    "currencies": [{"code": "gold"}],
    "catalog": [{"id": "potion", "name": "Potion", "kind": "consumable", "price": {"currency": "gold", "amount": 10}}],
}


def buy(gh: Client, player: str, request_id: str) -> bool:
    try:
        gh.purchase(player, "potion", 1, idempotency_key=request_id)
        return True
    except InsufficientFunds:
        return False


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        with Client.open(f"sqlite:///{Path(tmp) / 'site.db'}", CONFIG) as gh:
            gh.grant("web:1", "gold", 100)
            # 16 threads send 10 distinct purchases, each twice (a retried form post).
            requests = [f"req-{i}" for i in range(10)] * 2
            with ThreadPoolExecutor(max_workers=16) as pool:
                results = list(pool.map(lambda r: buy(gh, "web:1", r), requests))
            assert all(results), results
            assert gh.balance("web:1", "gold") == 0
            assert buy(gh, "web:1", "req-11") is False
            quantity = {e.item_id: e.quantity for e in gh.inventory("web:1")}
            assert quantity == {"potion": 10}, quantity
    print(f"site.py: 20 threaded requests, 10 purchases, on Python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
