"""guildhall: an embeddable game backend.

Wallets with a double-entry ledger, a catalog and inventories, mail, announcements,
presence, parties and matchmaking, in one native module. Open a backend once per
process and share it:

    import guildhall

    gh = guildhall.Client.open("sqlite:game.db", config={
        "currencies": [{"code": "gold"}],
        "catalog": [{"id": "potion", "name": "Potion", "kind": "consumable",
                     "price": {"currency": "gold", "amount": 10}}],
    })
    gh.grant("alice", "gold", 100, source="donations", idempotency_key="payment-1")
    try:
        gh.purchase("alice", "potion", 3)
    except guildhall.InsufficientFunds as e:
        print(e.code, e.details)

`Client` blocks (and releases the GIL while it works: use it from Flask threads);
`AsyncClient` returns awaitables (use it from discord.py or FastAPI). Every refusal is
a subclass of `GuildhallError` named after its stable code.
"""

from datetime import datetime as _datetime
from typing import Any as _Any, Mapping as _Mapping, Union as _Union

from . import _native, _records
from ._native import *  # noqa: F401,F403
from ._records import *  # noqa: F401,F403

__version__: str = _native.__version__

#: Type aliases the stubs use in signatures, importable for annotations.
JSON = _Any  # a JSON value as Python objects (dict, list, str, int, float, bool, None)
Instant = _Union[_datetime, int, float]  # an aware datetime, or UNIX seconds
SenderSpec = _Union[str, _Mapping[str, _Any]]  # 'system', 'admin:<name>', 'player:<id>' or a dict
_ALIASES = ["Instant", "JSON", "SenderSpec"]

_RECORDS = sorted(cls.__name__ for cls in _records.BY_SCHEMA.values())

#: Every public name: the clients, the result records, the exceptions.
__all__ = sorted(
    [
        name
        for name in dir(_native)
        if not name.startswith("_") and name not in ("OPERATIONS", "ERROR_CLASSES")
    ]
    + _RECORDS
    + _ALIASES
) + ["ERROR_CLASSES", "OPERATIONS"]
