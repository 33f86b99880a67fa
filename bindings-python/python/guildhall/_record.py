"""What every result record shares (read-only attributes, ``==`` and ``hash``,
``repr``, ``to_dict()``) and the few methods some records add. The record classes themselves are
generated from guildhall-core's types into ``_records.py``."""

from datetime import date, datetime, timezone

__all__ = []


def _instant(s):
    """An RFC 3339 instant as the core writes it (``2026-11-30T10:00:00.123456Z``) as an
    aware ``datetime`` in UTC. Accepts any number of fractional digits. (The generated
    records call it only for a present value.)"""
    body = s[:-1] if s.endswith("Z") else s
    offset = ""
    for sign in ("+", "-"):
        i = body.rfind(sign)
        if i > 10:
            body, offset = body[:i], body[i:]
            break
    if "." in body:
        head, frac = body.split(".", 1)
        body = f"{head}.{(frac + '000000')[:6]}"
    value = datetime.fromisoformat(body + (offset or "+00:00"))
    return value.astimezone(timezone.utc)


def _day(s):
    """A calendar day (``2026-11-30``) as a ``date``."""
    return date.fromisoformat(s)


def _plain(v):
    if isinstance(v, _Record):
        return v.to_dict()
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, tuple):
        return tuple(_plain(x) for x in v)
    return v


def _frozen(v):
    """A hashable form of a field value: lists become tuples, dicts frozensets of their
    items, records their fields; values ``==`` to each other get equal forms."""
    if isinstance(v, _Record):
        return v.__hash__()
    if isinstance(v, (list, tuple)):
        return tuple(_frozen(x) for x in v)
    if isinstance(v, dict):
        return frozenset((k, _frozen(x)) for k, x in v.items())
    if isinstance(v, (set, frozenset)):
        return frozenset(_frozen(x) for x in v)
    return v


class _Record:
    """A read-only result record; fields in ``__guildhall_fields__``."""

    __slots__ = ()
    __guildhall_fields__ = ()

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __delattr__(self, name):
        raise AttributeError(f"{type(self).__name__} is read-only")

    def to_dict(self):
        """The fields as a plain dict (nested records become dicts too)."""
        return {f: _plain(getattr(self, f)) for f in self.__guildhall_fields__}

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self.__guildhall_fields__)

    def __hash__(self):
        # Over a frozen form of the fields, so records equal by ``==`` hash alike
        # (usable in sets and as dict keys).
        return hash((type(self).__name__, _frozen(tuple(getattr(self, f) for f in self.__guildhall_fields__))))

    def __repr__(self):
        fields = ", ".join(f"{f}={getattr(self, f)!r}" for f in self.__guildhall_fields__)
        return f"{type(self).__name__}({fields})"

    def __reduce__(self):
        return (_rebuild, (type(self), self.to_dict()))


def _rebuild(cls, d):
    o = object.__new__(cls)
    for f in cls.__guildhall_fields__:
        object.__setattr__(o, f, d[f])
    return o


class _WalletMethods:
    __slots__ = ()

    def __getitem__(self, currency):
        """The amount of one currency; ``KeyError`` when it is not configured."""
        for b in self.balances:
            if b.currency == currency:
                return b.amount
        raise KeyError(currency)

    def get(self, currency, default=0):
        """The amount of one currency, ``default`` when it is not configured."""
        for b in self.balances:
            if b.currency == currency:
                return b.amount
        return default

    def __contains__(self, currency):
        """Whether the wallet has a balance of ``currency`` (every configured one)."""
        return any(b.currency == currency for b in self.balances)

    def __iter__(self):
        """The currencies, in configuration order (as a dict iterates its keys)."""
        return iter([b.currency for b in self.balances])

    def __len__(self):
        """The number of currencies."""
        return len(self.balances)

    def _as_dict(self):
        return {b.currency: b.amount for b in self.balances}

    def keys(self):
        """The currencies, as ``dict.keys()``."""
        return self._as_dict().keys()

    def values(self):
        """The amounts, in the order of ``keys()``."""
        return self._as_dict().values()

    def items(self):
        """``(currency, amount)`` pairs, as ``dict.items()``."""
        return self._as_dict().items()


class _LedgerReportMethods:
    __slots__ = ()

    def __bool__(self):
        """True when the ledger is balanced (``ok``)."""
        return self.ok


class _PartyMethods:
    __slots__ = ()

    @property
    def players(self):
        """The members' player ids, in join order."""
        return [m.player for m in self.members]


class _MailMethods:
    __slots__ = ()

    @property
    def unclaimed(self):
        """True while the mail has attachments that were not claimed."""
        a = self.attachments or {}
        return self.claimed_at is None and bool(a.get("currencies") or a.get("items"))

    def to_dict(self):
        """The fields as a plain dict, with the derived ``unclaimed``."""
        d = _Record.to_dict(self)
        d["unclaimed"] = self.unclaimed
        return d
