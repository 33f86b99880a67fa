"""The parity table: one row per public `guildhall_core::Guildhall` method, saying how
each surface reaches it, the canonical arguments of a success case (snake_case, as the
Rust facade takes them), and where the call can fail on bad input, one failing case
with its error code. `test_parity.py` runs every row through Rust (the
`parity-driver` bin of guildhall-tests), the HTTP host, the Node module and this
Python module against one SQLite file and compares them.

Conventions:

* `args(c)` builds the canonical arguments for surface `c.s` (`rust`, `http`, `node`,
  `py`): players are `c.p("a")` = `par-a-<surface>`, so the surfaces never share
  state; `c.saved` holds ids that earlier rows or the row's `setup` stored.
* `pyasync` is `guildhall.AsyncClient` (each call awaited), read from the `py` column;
  `nodehttp` is the Node package over HTTP (`Guildhall.connect`), read from `node`.
* Rust: the canonical arguments as they are (see tests/src/bin/parity-driver.rs: the
  request struct itself for a method taking one request, else one key per parameter
  named as in the Rust signature).
* `http(a, c)` -> `Http(method, path, query, body, token)`: the route reaching the op.
* `py(g, a)`: the call on a `guildhall.Client` (keyword arguments as Python callers
  write them).
* `node(a)` -> the JavaScript argument list (`camel()` turns keys to camelCase as a JS
  caller writes them); the method is the op's name in camelCase.
* `absent={surface: reason}`: deliberately not on that surface.
* `differs={surface: Diff(...)}`: a known, recorded difference of that surface (its
  result shape, or an error where the others answer); the test asserts that the surface
  behaves exactly so (and fails when the difference goes away, so the table is kept
  true).
* `check(result)`: an assertion on every surface's (unwrapped) result, used for the
  defaults (page sizes of calls given no limit).
* `values=True`: besides the shape, the values must be equal on every surface once
  player suffixes, uuids and timestamps are normalized.
"""

import datetime as _dt
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

SURFACES = ("rust", "http", "node", "nodehttp", "py", "pyasync")


def column(surface: str) -> str:
    """The table column a surface reads: `pyasync` (guildhall.AsyncClient, awaited) is
    called exactly as `py` (guildhall.Client), `nodehttp` (the Node package's HTTP
    transport, `Guildhall.connect(url)`, to the test's host) exactly as `node`; they
    share those columns' entries (a `differs` entry of their own name wins)."""
    return {"pyasync": "py", "nodehttp": "node"}.get(surface, surface)


def diff_for(diffs: Dict[str, "Diff"], surface: str) -> Optional["Diff"]:
    """The recorded difference of `surface`: its own entry, else its column's."""
    return diffs[surface] if surface in diffs else diffs.get(column(surface))

#: Keys whose object value belongs to the caller: Node passes them through unconverted.
OPAQUE = ("metadata", "variables", "properties")


def camel_key(k: str) -> str:
    head, *rest = k.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def camel(v: Any) -> Any:
    """A request as a JavaScript caller writes it: camelCase keys (not inside the
    caller's own objects), `None` left out."""
    if isinstance(v, dict):
        return {camel_key(k): (x if k in OPAQUE else camel(x)) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [camel(x) for x in v]
    return v


def q(s: str) -> str:
    return urllib.parse.quote(str(s), safe="")


def kw(a: Dict[str, Any], *positional: str) -> Dict[str, Any]:
    """The arguments not given positionally, for keyword use."""
    return {k: v for k, v in a.items() if k not in positional}


def without(a: Dict[str, Any], *keys: str) -> Dict[str, Any]:
    return {k: v for k, v in a.items() if k not in keys}


@dataclass
class Http:
    method: str
    path: str
    query: Optional[Dict[str, Any]] = None
    body: Any = None
    #: Bearer credential; default the test's admin API key; "" sends none.
    token: Optional[str] = None


@dataclass
class Diff:
    """A known difference of one surface from the Rust facade's answer."""

    reason: str
    #: The surface's result shape built from the reference (Rust) result.
    wrap: Optional[Callable[[Any], Any]] = None
    #: The reference-like result from the surface's result (for checks and values).
    unwrap: Optional[Callable[[Any], Any]] = None
    #: The surface refuses with this code where the facade answers.
    code: Optional[str] = None
    #: The surface answers where the facade refuses (a default only it has).
    ok: bool = False
    #: The case's `check` and `save` do not apply to this surface's answer.
    check: bool = True


@dataclass
class Case:
    args: Callable[[Any], Dict[str, Any]]
    #: Expected error code; None for a success case.
    code: Optional[str] = None
    differs: Dict[str, Diff] = field(default_factory=dict)
    check: Optional[Callable[[Any], None]] = None
    save: Optional[Callable[[Any, Any], None]] = None
    note: str = ""


@dataclass
class Row:
    op: str
    cases: List[Case] = field(default_factory=list)
    http: Optional[Callable[[Dict[str, Any], Any], Http]] = None
    py: Optional[Callable[[Any, Dict[str, Any]], Any]] = None
    node: Optional[Callable[[Dict[str, Any]], List[Any]]] = None
    #: Runs before the row's calls on a surface, with the helper Python client.
    setup: Optional[Callable[[Any, Any], None]] = None
    absent: Dict[str, str] = field(default_factory=dict)
    #: Differences that apply to every case of the row.
    differs: Dict[str, Diff] = field(default_factory=dict)
    values: bool = False
    #: Not an operation (construction, accessors, streams): listed, not called.
    plumbing: str = ""

    @property
    def node_method(self) -> str:
        return camel_key(self.op)

    def present(self, surface: str) -> bool:
        return not self.plumbing and column(surface) not in self.absent


# ----- reusable shapes of known differences -----------------------------------------


def http_wrap(**extra: Any) -> Callable[[str], Diff]:
    """HTTP answers `{<key>: <the facade's result>, <extra keys>}`."""

    def make(key: str, reason: str) -> Diff:
        return Diff(reason=reason, wrap=lambda r: {**extra, key: r}, unwrap=lambda r: r[key])

    return make


def py_mail(m: Any) -> Any:
    """Python's `Mail` record adds `unclaimed` (a derived bool) to the facade's Mail."""
    return {**m, "unclaimed": False} if isinstance(m, dict) else m


PY_MAIL = "guildhall.Mail adds the derived field `unclaimed` (attachments not yet claimed)"
NULL_IS_404 = "the HTTP route answers 404 NOT_FOUND where the facade returns null (no such object)"
PAYMENTS_HOST_ONLY = "payment webhooks come from the providers over HTTP (POST /v1/webhooks/...)"
FILES_BASE64 = "JSON surfaces upload through upload_file (the bytes in base64)"
ACCOUNTS_HOST_ONLY = "accounts, logins and tokens belong to the HTTP host; embedders bring their own authentication"
HOST_INTERNAL = "used inside the host (its authentication guard), no route"

BAD_PLAYER = "x" * 200  # longer than 128 bytes: INVALID_ARGUMENT on every surface
TEMPLATE_BODY = "Hello {name}"


def date(s: Optional[str]) -> Optional[_dt.date]:
    return _dt.date.fromisoformat(s) if s else None


# ----- setups (run through the helper Python client) ----------------------------------


def mail_with_gold(h: Any, c: Any) -> None:
    r = h.send_mail(c.p("a"), "Parity gift", "with gold", sender="system",
                    attachments={"currencies": [{"currency": "gold", "amount": 7}]})
    c.saved["mail"] = r.mail.id


def second_invite(h: Any, c: Any) -> None:
    h.invite_to_party(c.p("lead"), c.p("decliner"))


def open_party(h: Any, c: Any) -> None:
    c.saved["open_party"] = h.create_party(c.p("lead2"), open=True).id


def trade_stock(h: Any, c: Any) -> None:
    """The trading pair of this surface: gold for `ta`, a sword for `tb`."""
    h.grant(c.p("ta"), "gold", 50)
    h.grant_item(c.p("tb"), "sword", 1)


def duel_pair(h: Any, c: Any) -> None:
    """A complete duel pair of this surface (region = the surface, so surfaces never
    meet in a match)."""
    for who in ("q1", "q2"):
        h.queue(c.p(who), "duel", properties={"region": c.s})


def http_match(h: Any, c: Any) -> None:
    """The host ticks on its own schedule (no tick route): the match of the surfaces over
    HTTP is formed by the helper's tick."""
    if c.s in ("http", "nodehttp"):
        duel_pair(h, c)
        formed = h.tick("parity-py")
        c.saved["match"] = next(m.id for m in formed if c.p("q1") in m.teams[0] + m.teams[1])


def save_match(r: Any, c: Any) -> None:
    c.saved["match"] = next(m["id"] for m in r if c.p("q1") in m["teams"][0] + m["teams"][1])


def group_open(h: Any, c: Any) -> None:
    c.saved["open_group"] = h.create_group(c.p("gown2"), f"Parity Open {c.s}", open=True).id


def group_invite_to_decline(h: Any, c: Any) -> None:
    h.invite_to_group(c.p("gown"), c.saved["group"], c.p("decl"))


def group_request_to_decline(h: Any, c: Any) -> None:
    h.request_to_join_group(c.p("rej"), c.saved["group"])


def group_funds(h: Any, c: Any) -> None:
    h.grant(c.p("asker"), "gold", 100)


# ----- the table ----------------------------------------------------------------------

ROWS: List[Row] = [
    # ----- Economy -----
    Row(
        "grant",
        cases=[
            Case(lambda c: {"player": c.p("a"), "currency": "gold", "amount": 1000, "source": "parity",
                            "reason": "parity grant", "metadata": {"orderId": 1}, "idempotency_key": f"g-{c.s}"}),
            # The same key again: the stored result, marked replayed, nothing credited twice.
            Case(lambda c: {"player": c.p("a"), "currency": "gold", "amount": 1000, "source": "parity",
                            "reason": "parity grant", "metadata": {"orderId": 1}, "idempotency_key": f"g-{c.s}"},
                 check=lambda r: _expect(r["replayed"] is True and r["balance"] == 1000, "a replay")),
            # The same key for another request.
            Case(lambda c: {"player": c.p("a"), "currency": "gold", "amount": 5, "idempotency_key": f"g-{c.s}"},
                 code="IDEMPOTENCY_CONFLICT"),
            Case(lambda c: {"player": c.p("a"), "currency": "gold", "amount": 0}, code="INVALID_ARGUMENT"),
            # No currency: only HTTP has a default (the first configured currency).
            Case(lambda c: {"player": c.p("nocur"), "amount": 1}, code="INVALID_ARGUMENT", differs={
                "http": Diff("the HTTP body's `currency` defaults to the first configured currency; the facade, "
                             "Node and Python require it", ok=True),
                "nodehttp": Diff("Node's HTTP transport sends the request as is, so the host's default currency "
                                 "applies (the native module refuses)", ok=True),
                "py": Diff("Client.grant takes `currency` as a required argument: a TypeError, not a "
                           "GuildhallError", code="PYTHON_TypeError"),
            }),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['player'])}/grant", body=without(a, "player")),
        py=lambda g, a: g.grant(**a),
        node=lambda a: [camel(a)],
        values=True,
    ),
    Row(
        "spend",
        cases=[
            Case(lambda c: {"player": c.p("a"), "currency": "gold", "amount": 100, "sink": "parity"}),
            Case(lambda c: {"player": c.p("a"), "currency": "gold", "amount": 10 ** 9}, code="INSUFFICIENT_FUNDS"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['player'])}/spend", body=without(a, "player")),
        py=lambda g, a: g.spend(a["player"], a["currency"], a["amount"], **kw(a, "player", "currency", "amount")),
        node=lambda a: [camel(a)],
        values=True,
    ),
    Row(
        "transfer",
        cases=[
            Case(lambda c: {"from": c.p("a"), "to": c.p("b"), "currency": "gold", "amount": 50, "reason": "parity"}),
            Case(lambda c: {"from": c.p("a"), "to": c.p("b"), "currency": "gold", "amount": 10 ** 9},
                 code="INSUFFICIENT_FUNDS"),
        ],
        http=lambda a, c: Http("POST", "/v1/transfers", body=a),
        py=lambda g, a: g.transfer(a["from"], a["to"], a["currency"], a["amount"], **kw(a, "from", "to", "currency", "amount")),
        node=lambda a: [camel(a)],
        differs={"py": Diff(
            "guildhall.Transfer names the players from_player / to_player (`from` is a Python keyword)",
            wrap=lambda r: {("from_player" if k == "from" else "to_player" if k == "to" else k): v for k, v in r.items()},
            unwrap=lambda r: {("from" if k == "from_player" else "to" if k == "to_player" else k): v for k, v in r.items()},
        )},
        values=True,
    ),
    Row(
        "wallet",
        cases=[
            Case(lambda c: {"player": c.p("a")}),
            Case(lambda c: {"player": BAD_PLAYER}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/wallet"),
        py=lambda g, a: g.wallet(a["player"]),
        node=lambda a: [a["player"]],
        values=True,
    ),
    Row(
        "balance",
        cases=[
            Case(lambda c: {"player": c.p("a"), "currency": "gold"}),
            Case(lambda c: {"player": c.p("a"), "currency": "nope"}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/balances/{q(a['currency'])}"),
        py=lambda g, a: g.balance(a["player"], a["currency"]),
        node=lambda a: [a["player"], a["currency"]],
        differs={"http": Diff(
            "GET /v1/players/{p}/balances/{c} answers an object {player, currency, amount}, the facade a bare number",
            wrap=lambda r: {"player": "", "currency": "", "amount": r}, unwrap=lambda r: r["amount"])},
        values=True,
    ),
    Row(
        "history",
        cases=[
            # Default page size: the shared player has 110 entries; no limit gives 50.
            Case(lambda c: {"player": "par-shared", "filter": {}},
                 check=lambda r: _expect(len(r["entries"]) == 50 and r["next_cursor"], "history default page of 50")),
            Case(lambda c: {"player": c.p("a"), "filter": {"currency": "gold", "kind": "grant", "limit": 5}}),
            Case(lambda c: {"player": c.p("a"), "filter": {"limit": 0}}, code="INVALID_ARGUMENT"),
            Case(lambda c: {"player": c.p("a"), "filter": {"cursor": "not-a-cursor"}}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/history", query=a["filter"]),
        py=lambda g, a: g.history(a["player"], **a["filter"]),
        node=lambda a: [a["player"]] + ([camel(a["filter"])] if a["filter"] else []),
    ),
    Row(
        "verify_ledger",
        cases=[Case(lambda c: {}, check=lambda r: _expect(r["ok"] is True, "ledger ok"))],
        http=lambda a, c: Http("GET", "/v1/ledger/verify"),
        py=lambda g, a: g.verify_ledger(),
        node=lambda a: [],
    ),
    # ----- Catalog and inventory -----
    Row(
        "upsert_catalog_item",
        cases=[
            Case(lambda c: {"id": f"par-item-{c.s}", "name": "Parity item", "kind": "consumable",
                            "price": {"currency": "gold", "amount": 5}, "max_stack": 50, "active": True,
                            "metadata": {"rarityTier": 1}}),
            Case(lambda c: {"id": f"par-item-{c.s}", "name": "Parity item", "kind": "consumable",
                            "price": {"currency": "nope", "amount": 5}, "max_stack": 50, "active": True,
                            "metadata": None}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("PUT", f"/v1/catalog/{q(a['id'])}", body=without(a, "id")),
        py=lambda g, a: g.upsert_catalog_item(a),
        node=lambda a: [camel(a)],
        values=True,
    ),
    Row(
        "set_catalog_item_active",
        cases=[
            Case(lambda c: {"id": f"par-item-{c.s}", "active": True}),
            Case(lambda c: {"id": "par-missing", "active": False}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("PUT", f"/v1/catalog/{q(a['id'])}/active", body={"active": a["active"]}),
        py=lambda g, a: g.set_catalog_item_active(a["id"], a["active"]),
        node=lambda a: [a["id"], a["active"]],
        values=True,
    ),
    Row(
        "catalog_item",
        cases=[
            Case(lambda c: {"id": "1"}),
            Case(lambda c: {"id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/catalog/{q(a['id'])}", token=""),
        py=lambda g, a: g.catalog_item(a["id"]),
        node=lambda a: [a["id"]],
        values=True,
    ),
    Row(
        "catalog",
        cases=[Case(lambda c: {})],
        http=lambda a, c: Http("GET", "/v1/catalog", token=""),
        py=lambda g, a: g.catalog(),
        node=lambda a: [],
        values=True,
    ),
    Row(
        "purchase",
        cases=[
            Case(lambda c: {"player": c.p("a"), "item_id": "1", "quantity": 2, "metadata": {"orderId": 2}}),
            # No quantity: 1 on every surface.
            Case(lambda c: {"player": c.p("a"), "item_id": "1"},
                 check=lambda r: _expect(r["quantity"] == 1, "purchase quantity default 1")),
            Case(lambda c: {"player": c.p("broke"), "item_id": "1", "quantity": 1}, code="INSUFFICIENT_FUNDS"),
            Case(lambda c: {"player": c.p("a"), "item_id": "par-missing", "quantity": 1}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['player'])}/purchases", body=without(a, "player")),
        py=lambda g, a: g.purchase(a["player"], a["item_id"], **kw(a, "player", "item_id")),
        node=lambda a: [camel(a)],
        values=True,
    ),
    Row(
        "use_item",
        cases=[
            Case(lambda c: {"player": c.p("a"), "item_id": "1", "quantity": 1}),
            Case(lambda c: {"player": c.p("a"), "item_id": "1", "quantity": 50}, code="INSUFFICIENT_QUANTITY"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['player'])}/items/{q(a['item_id'])}/use",
                               body=without(a, "player", "item_id")),
        py=lambda g, a: g.use_item(a["player"], a["item_id"], **kw(a, "player", "item_id")),
        node=lambda a: [camel(a)],
        values=True,
    ),
    Row(
        "grant_item",
        cases=[
            Case(lambda c: {"player": c.p("a"), "item_id": f"par-item-{c.s}", "quantity": 3, "reason": "parity"}),
            Case(lambda c: {"player": c.p("a"), "item_id": "par-missing", "quantity": 1}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['player'])}/items/{q(a['item_id'])}/grant",
                               body=without(a, "player", "item_id")),
        py=lambda g, a: g.grant_item(a["player"], a["item_id"], **kw(a, "player", "item_id")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "inventory",
        cases=[
            Case(lambda c: {"player": c.p("a")}),
            Case(lambda c: {"player": BAD_PLAYER}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/inventory"),
        py=lambda g, a: g.inventory(a["player"]),
        node=lambda a: [a["player"]],
        differs={"http": http_wrap(player="")("items", "GET /v1/players/{p}/inventory answers {player, items}, the facade the list")},
    ),
    Row(
        "popular_items",
        cases=[
            # Default: the last 24 h, 10 items (the fixture bought 12 distinct items).
            Case(lambda c: {}, check=lambda r: _expect(len(r) == 10, "popular_items default of 10 items")),
            Case(lambda c: {"limit": 0}, code="INVALID_ARGUMENT"),
            Case(lambda c: {"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", "/v1/analytics/popular-items", query=a),
        py=lambda g, a: g.popular_items(a.get("limit"),
                                        since=_instant(a.get("from")), until=_instant(a.get("to"))),
        node=lambda a: [camel(a)] if a else [],
        differs={"http": Diff(
            "GET /v1/analytics/popular-items adds each item's catalog `name`",
            wrap=lambda r: [{**i, "name": ""} for i in r],
            unwrap=lambda r: [without(i, "name") for i in r])},
        values=True,
    ),
    Row(
        "revenue_per_day",
        cases=[
            Case(lambda c: {}),
            Case(lambda c: {"from": "2026-01-10", "to": "2026-01-01"}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", "/v1/analytics/revenue", query=a),
        py=lambda g, a: g.revenue_per_day(date(a.get("from")), date(a.get("to"))),
        node=lambda a: [camel(a)] if a else [],
        values=True,
    ),
    # ----- Events -----
    Row(
        "events_after",
        cases=[
            # Default page: 100 events (the fixture wrote more than that).
            Case(lambda c: {"after": 0}, check=lambda r: _expect(len(r) == 100, "events_after default of 100")),
            Case(lambda c: {"after": 0, "limit": 0}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", "/v1/events", query=a),
        py=lambda g, a: g.events_after(**a),
        node=lambda a: [a["after"]] + ([a["limit"]] if "limit" in a else []),
        differs={"http": Diff(
            "GET /v1/events answers a page {events, next_after}, the facade the list",
            wrap=lambda r: {"events": r, "next_after": 0}, unwrap=lambda r: r["events"])},
    ),
    Row(
        "player_events_after",
        cases=[
            Case(lambda c: {"player": "par-shared", "after": 0, "limit": 100},
                 check=lambda r: _expect(len(r) == 100, "100 events")),
            # No limit: the facade's default page (100) on every surface.
            Case(lambda c: {"player": "par-shared", "after": 0},
                 check=lambda r: _expect(len(r) == 100, "player_events_after default of 100")),
            Case(lambda c: {"player": "par-shared", "after": 0, "limit": 0}, code="INVALID_ARGUMENT"),
        ],
        py=lambda g, a: g.player_events_after(**a),
        node=lambda a: [a["player"], a["after"]] + ([a["limit"]] if "limit" in a else []),
        absent={"http": "a player's events are the SSE stream GET /v1/players/{p}/events (resumed with "
                        "Last-Event-ID), not a JSON page"},
    ),
    Row(
        "prune",
        cases=[Case(lambda c: {})],
        http=lambda a, c: Http("POST", "/v1/maintenance/prune"),
        py=lambda g, a: g.prune(),
        node=lambda a: [],
        differs={
            "http": Diff("POST /v1/maintenance/prune answers {events, idempotency_records}, the facade a pair",
                         wrap=lambda r: {"events": r[0], "idempotency_records": r[1]}),
            "node": Diff("Node's prune() resolves {events, idempotencyRecords}, the facade a pair",
                         wrap=lambda r: {"events": r[0], "idempotency_records": r[1]}),
        },
    ),
    # ----- Mail -----
    Row(
        "send_mail",
        cases=[
            Case(lambda c: {"from": {"kind": "system"}, "to": c.p("a"), "subject": "Parity", "body": "hello",
                            "attachments": {"currencies": [{"currency": "gold", "amount": 5}], "items": []},
                            "idempotency_key": f"m-{c.s}"}),
            Case(lambda c: {"from": {"kind": "system"}, "to": BAD_PLAYER, "subject": "Parity", "body": "x"},
                 code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("POST", "/v1/mail", body=a),
        py=lambda g, a: g.send_mail(a["to"], a["subject"], a["body"], sender=a["from"],
                                    **kw(a, "to", "subject", "body", "from")),
        node=lambda a: [camel(a)],
        differs={"py": Diff(PY_MAIL, wrap=lambda r: {**r, "mail": py_mail(r["mail"])})},
    ),
    Row(
        "broadcast_mail",
        cases=[
            Case(lambda c: {"from": {"kind": "system"}, "subject": "Parity news", "body": "to some",
                            "recipients": [c.p("a"), c.p("b")], "idempotency_key": f"bc-{c.s}"}),
            Case(lambda c: {"from": {"kind": "system"}, "subject": "Parity news", "body": "x",
                            "recipients": [BAD_PLAYER]}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("POST", "/v1/mail/broadcasts", body=a),
        py=lambda g, a: g.broadcast_mail(a["subject"], a["body"], sender=a["from"], **kw(a, "subject", "body", "from")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "mailbox",
        cases=[
            Case(lambda c: {"player": c.p("a")}),
            Case(lambda c: {"player": BAD_PLAYER}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/mail"),
        py=lambda g, a: g.mailbox(a["player"]),
        node=lambda a: [a["player"]],
        differs={
            "http": http_wrap(player="")("mails", "GET /v1/players/{p}/mail answers {player, mails}, the facade the list"),
            "py": Diff(PY_MAIL, wrap=lambda r: [py_mail(m) for m in r]),
        },
    ),
    Row(
        "open_mail",
        setup=mail_with_gold,
        cases=[
            Case(lambda c: {"player": c.p("a"), "mail_id": c.saved["mail"]}),
            Case(lambda c: {"player": c.p("a"), "mail_id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['player'])}/mail/{q(a['mail_id'])}/open"),
        py=lambda g, a: g.open_mail(a["player"], a["mail_id"]),
        node=lambda a: [a["player"], a["mail_id"]],
        differs={"py": Diff(PY_MAIL + " (here true: the gold is not claimed yet)",
                            wrap=lambda r: {**r, "unclaimed": True})},
    ),
    Row(
        "claim_mail",
        cases=[
            Case(lambda c: {"player": c.p("a"), "mail_id": c.saved["mail"], "idempotency_key": f"cl-{c.s}"}),
            Case(lambda c: {"player": c.p("a"), "mail_id": c.saved["mail"]}, code="ALREADY_CLAIMED"),
            Case(lambda c: {"player": c.p("a"), "mail_id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['player'])}/mail/{q(a['mail_id'])}/claim",
                               body=without(a, "player", "mail_id") or None),
        py=lambda g, a: g.claim_mail(a["player"], a["mail_id"], **kw(a, "player", "mail_id")),
        node=lambda a: [a["player"], a["mail_id"]] + ([camel(kw(a, "player", "mail_id"))] if kw(a, "player", "mail_id") else []),
        differs={"py": Diff(PY_MAIL, wrap=lambda r: {**r, "mail": py_mail(r["mail"])})},
    ),
    Row(
        "delete_mail",
        cases=[
            Case(lambda c: {"player": c.p("a"), "mail_id": c.saved["mail"]}),
            Case(lambda c: {"player": c.p("a"), "mail_id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("DELETE", f"/v1/players/{q(a['player'])}/mail/{q(a['mail_id'])}"),
        py=lambda g, a: g.delete_mail(a["player"], a["mail_id"]),
        node=lambda a: [a["player"], a["mail_id"]],
    ),
    # ----- Announcements -----
    Row(
        "put_template",
        cases=[
            Case(lambda c: {"id": f"par-tpl-{c.s}", "body": TEMPLATE_BODY}),
            Case(lambda c: {"id": f"par-tpl-{c.s}", "body": "Hello {"}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("PUT", f"/v1/templates/{q(a['id'])}", body={"body": a["body"]}),
        py=lambda g, a: g.put_template(a["id"], a["body"]),
        node=lambda a: [a],
    ),
    Row(
        "template",
        cases=[
            Case(lambda c: {"id": f"par-tpl-{c.s}"}),
            Case(lambda c: {"id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/templates/{q(a['id'])}"),
        py=lambda g, a: g.template(a["id"]),
        node=lambda a: [a["id"]],
    ),
    Row(
        "templates",
        cases=[Case(lambda c: {})],
        http=lambda a, c: Http("GET", "/v1/templates"),
        py=lambda g, a: g.templates(),
        node=lambda a: [],
        values=True,
    ),
    Row(
        "put_trigger",
        cases=[
            Case(lambda c: {"id": f"par-trg-{c.s}", "event": f"parity_evt_{c.s}", "template_id": f"par-tpl-{c.s}",
                            "variables": {"name": "World"}, "audience": "player", "kind": "announcement",
                            "cap": {"every": "unlimited"}, "priority": 1}),
            Case(lambda c: {"id": f"par-trg-{c.s}", "event": f"parity_evt_{c.s}", "template_id": "par-missing",
                            "variables": {}, "audience": "player", "kind": "announcement",
                            "cap": {"every": "unlimited"}}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("PUT", f"/v1/triggers/{q(a['id'])}", body=without(a, "id")),
        py=lambda g, a: g.put_trigger(a),
        node=lambda a: [camel(a)],
    ),
    Row(
        "trigger",
        cases=[
            Case(lambda c: {"id": f"par-trg-{c.s}"}),
            Case(lambda c: {"id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/triggers/{q(a['id'])}"),
        py=lambda g, a: g.trigger(a["id"]),
        node=lambda a: [a["id"]],
    ),
    Row(
        "triggers",
        cases=[Case(lambda c: {})],
        http=lambda a, c: Http("GET", "/v1/triggers"),
        py=lambda g, a: g.triggers(),
        node=lambda a: [],
    ),
    Row(
        "preview",
        cases=[
            Case(lambda c: {"template_id": f"par-tpl-{c.s}", "variables": {"name": "Parity"}},
                 check=lambda r: _expect(r == "Hello Parity", "rendered text")),
            Case(lambda c: {"template_id": "par-missing", "variables": {}}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/templates/{q(a['template_id'])}/preview", body={"variables": a["variables"]}),
        py=lambda g, a: g.preview(a["template_id"], a["variables"]),
        node=lambda a: [a["template_id"], a["variables"]],
        differs={"http": Diff("POST /v1/templates/{id}/preview answers {template_id, text}, the facade the string",
                              wrap=lambda r: {"template_id": "", "text": r}, unwrap=lambda r: r["text"])},
        values=True,
    ),
    Row(
        "fire",
        cases=[
            Case(lambda c: {"player": c.p("a"), "event": f"parity_evt_{c.s}", "variables": {}}),
            Case(lambda c: {"player": c.p("a"), "event": "", "variables": {}}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['player'])}/events/fire", body=without(a, "player")),
        py=lambda g, a: g.fire(a["player"], a["event"], **kw(a, "player", "event")),
        node=lambda a: [camel(a)],
        differs={"http": http_wrap(player="")("messages", "POST /v1/players/{p}/events/fire answers {player, messages}, the facade the list")},
    ),
    Row(
        "cancel_trigger",
        cases=[
            Case(lambda c: {"id": f"par-trg-{c.s}"}),
            Case(lambda c: {"id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/triggers/{q(a['id'])}/cancel"),
        py=lambda g, a: g.cancel_trigger(a["id"]),
        node=lambda a: [a["id"]],
    ),
    Row(
        "push_scheduled_audience",
        cases=[
            Case(lambda c: {"kind": "lobby"}),
            Case(lambda c: {"kind": "nowhere"}, code="INVALID_ARGUMENT"),
        ],
        py=lambda g, a: g.push_scheduled_audience(a["kind"]),
        node=lambda a: [a["kind"]],
        differs={"nodehttp": Diff("Node's HTTP transport resolves pushScheduledAudience() to 0 without doing "
                                  "anything (the host pushes on its schedule); same answer here, as no one is "
                                  "connected there")},
        absent={"http": "the host's scheduler pushes lobby and room triggers ([schedule] intervals); no route"},
    ),
    Row(
        "send_due_triggers",
        cases=[Case(lambda c: {})],
        py=lambda g, a: g.send_due_triggers(),
        node=lambda a: [],
        differs={"nodehttp": Diff("Node's HTTP transport resolves sendDueTriggers() to [] without doing anything "
                                  "(the host sends them on its schedule); same answer here, as none is due")},
        absent={"http": "the host's scheduler sends scheduled triggers; no route"},
    ),
    Row(
        "take_lease",
        cases=[Case(lambda c: {"name": "parity-lease", "holder": "parity-rust", "ttl_secs": 5})],
        absent={"http": "the host's scheduler's lease between hosts; no route",
                "node": "a host's coordination primitive; the modules' tick takes its lease itself",
                "py": "a host's coordination primitive; the modules' tick takes its lease itself"},
    ),
    # ----- Presence -----
    Row(
        "login",
        cases=[
            Case(lambda c: {"player": c.p("a"), "location": {"lobby": "main", "server": "s1"}}),
            Case(lambda c: {"player": BAD_PLAYER, "location": {}}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['player'])}/session", body=a["location"]),
        py=lambda g, a: g.login(a["player"], **a["location"]),
        node=lambda a: [a["player"], camel(a["location"])],
    ),
    Row(
        "heartbeat",
        cases=[
            Case(lambda c: {"player": c.p("a"), "location": {"lobby": "main", "room": "r1"}}),
            Case(lambda c: {"player": c.p("nosession"), "location": None}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['player'])}/session/heartbeat",
                               body={"location": a["location"]} if a["location"] else None),
        py=lambda g, a: g.heartbeat(a["player"], **(a["location"] or {})),
        node=lambda a: [a["player"]] + ([camel(a["location"])] if a["location"] else []),
    ),
    Row(
        "session",
        cases=[
            Case(lambda c: {"player": c.p("a")}),
            Case(lambda c: {"player": c.p("nosession")},
                 differs={"http": Diff(NULL_IS_404, code="NOT_FOUND")}, note="no session: null"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/session"),
        py=lambda g, a: g.session(a["player"]),
        node=lambda a: [a["player"]],
    ),
    Row(
        "online",
        cases=[Case(lambda c: {})],
        http=lambda a, c: Http("GET", "/v1/online"),
        py=lambda g, a: g.online(),
        node=lambda a: [],
        differs={"http": Diff("GET /v1/online answers {count, sessions}, the facade the list",
                              wrap=lambda r: {"count": 0, "sessions": r}, unwrap=lambda r: r["sessions"])},
    ),
    Row(
        "logout",
        cases=[
            Case(lambda c: {"player": c.p("a")}),
            Case(lambda c: {"player": BAD_PLAYER}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("DELETE", f"/v1/players/{q(a['player'])}/session"),
        py=lambda g, a: g.logout(a["player"]),
        node=lambda a: [a["player"]],
        differs={"http": Diff("DELETE /v1/players/{p}/session answers {player, ended}, the facade a bool",
                              wrap=lambda r: {"player": "", "ended": r}, unwrap=lambda r: r["ended"])},
        values=True,
    ),
    # ----- Parties -----
    Row(
        "create_party",
        cases=[
            Case(lambda c: {"player": c.p("lead"), "open": False}, save=lambda r, c: c.saved.update(party=r["id"])),
            Case(lambda c: {"player": c.p("lead"), "open": False}, code="ALREADY_IN_PARTY"),
        ],
        http=lambda a, c: Http("POST", "/v1/parties", body={"leader": a["player"], "open": a["open"]}),
        py=lambda g, a: g.create_party(a["player"], open=a["open"]),
        node=lambda a: [a["player"], {"open": a["open"]}],
    ),
    Row(
        "invite_to_party",
        cases=[
            Case(lambda c: {"leader": c.p("lead"), "invitee": c.p("mate")}),
            Case(lambda c: {"leader": c.p("mate"), "invitee": c.p("other")}, code="NOT_IN_PARTY"),
        ],
        http=lambda a, c: Http("POST", f"/v1/parties/{q(c.saved['party'])}/invites",
                               body={"leader": a["leader"], "player": a["invitee"]}),
        py=lambda g, a: g.invite_to_party(a["leader"], a["invitee"]),
        node=lambda a: [a["leader"], a["invitee"]],
    ),
    Row(
        "accept_invite",
        cases=[
            Case(lambda c: {"player": c.p("mate"), "party_id": c.saved["party"]}),
            Case(lambda c: {"player": c.p("stranger"), "party_id": c.saved["party"]}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/parties/{q(a['party_id'])}/accept", body={"player": a["player"]}),
        py=lambda g, a: g.accept_invite(a["player"], a["party_id"]),
        node=lambda a: [a["player"], a["party_id"]],
    ),
    Row(
        "decline_invite",
        setup=second_invite,
        cases=[
            Case(lambda c: {"player": c.p("decliner"), "party_id": c.saved["party"]}),
            Case(lambda c: {"player": c.p("decliner"), "party_id": c.saved["party"]}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/parties/{q(a['party_id'])}/decline", body={"player": a["player"]}),
        py=lambda g, a: g.decline_invite(a["player"], a["party_id"]),
        node=lambda a: [a["player"], a["party_id"]],
    ),
    Row(
        "join_party",
        setup=open_party,
        cases=[
            Case(lambda c: {"player": c.p("joiner"), "party_id": c.saved["open_party"]}),
            Case(lambda c: {"player": c.p("other"), "party_id": c.saved["party"]}, code="FORBIDDEN"),
        ],
        http=lambda a, c: Http("POST", f"/v1/parties/{q(a['party_id'])}/join", body={"player": a["player"]}),
        py=lambda g, a: g.join_party(a["player"], a["party_id"]),
        node=lambda a: [a["player"], a["party_id"]],
    ),
    Row(
        "party_of",
        cases=[
            Case(lambda c: {"player": c.p("mate")}),
            Case(lambda c: {"player": c.p("loner")}, differs={"http": Diff(NULL_IS_404, code="NOT_FOUND")},
                 note="in no party: null"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/party"),
        py=lambda g, a: g.party_of(a["player"]),
        node=lambda a: [a["player"]],
    ),
    Row(
        "party",
        cases=[
            Case(lambda c: {"party_id": c.saved["party"]}),
            Case(lambda c: {"party_id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/parties/{q(a['party_id'])}"),
        py=lambda g, a: g.party(a["party_id"]),
        node=lambda a: [a["party_id"]],
    ),
    Row(
        "promote_in_party",
        cases=[
            Case(lambda c: {"leader": c.p("lead"), "target": c.p("mate")}),
            Case(lambda c: {"leader": c.p("lead"), "target": c.p("mate")}, code="NOT_PARTY_LEADER"),
        ],
        http=lambda a, c: Http("POST", f"/v1/parties/{q(c.saved['party'])}/promote",
                               body={"leader": a["leader"], "player": a["target"]}),
        py=lambda g, a: g.promote_in_party(a["leader"], a["target"]),
        node=lambda a: [a["leader"], a["target"]],
    ),
    Row(
        "kick_from_party",
        cases=[
            Case(lambda c: {"leader": c.p("mate"), "target": c.p("lead")}),
            Case(lambda c: {"leader": c.p("mate"), "target": c.p("lead")}, code="NOT_IN_PARTY"),
        ],
        http=lambda a, c: Http("POST", f"/v1/parties/{q(c.saved['party'])}/kick",
                               body={"leader": a["leader"], "player": a["target"]}),
        py=lambda g, a: g.kick_from_party(a["leader"], a["target"]),
        node=lambda a: [a["leader"], a["target"]],
    ),
    Row(
        "leave_party",
        cases=[
            Case(lambda c: {"player": c.p("joiner")}),
            Case(lambda c: {"player": c.p("joiner")}, code="NOT_IN_PARTY"),
        ],
        http=lambda a, c: Http("POST", f"/v1/parties/{q(c.saved['open_party'])}/leave", body={"player": a["player"]}),
        py=lambda g, a: g.leave_party(a["player"]),
        node=lambda a: [a["player"]],
        differs={"http": http_wrap(player="")("party", "POST /v1/parties/{id}/leave answers {player, party}, the facade the party (or null)")},
    ),
    Row(
        "disband_party",
        cases=[
            Case(lambda c: {"leader": c.p("lead2")}),
            Case(lambda c: {"leader": c.p("lead2")}, code="NOT_IN_PARTY", differs={"http": Diff(
                "the route names the party: it checks the party first, and a disbanded party is NOT_FOUND "
                "where the facade (given only the leader) answers NOT_IN_PARTY", code="NOT_FOUND")}),
        ],
        http=lambda a, c: Http("POST", f"/v1/parties/{q(c.saved['open_party'])}/disband", body={"leader": a["leader"]}),
        py=lambda g, a: g.disband_party(a["leader"]),
        node=lambda a: [a["leader"]],
    ),
    # ----- Achievements and quests -----
    Row(
        "put_achievement",
        cases=[
            Case(lambda c: {"id": f"par-ach-{c.s}", "kind": "quest", "title": "Parity quest", "description": "",
                            "goal": 2, "counts": None, "reset": "weekly", "prerequisites": [],
                            "reward": {"currencies": [{"currency": "gold", "amount": 5}], "items": []}}),
            Case(lambda c: {"id": f"par-ach-{c.s}", "kind": "quest", "title": "Parity quest", "description": "",
                            "goal": 0, "counts": None, "reset": None, "prerequisites": [],
                            "reward": {"currencies": [], "items": []}}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("PUT", f"/v1/admin/achievements/{q(a['id'])}", body=without(a, "id")),
        py=lambda g, a: g.put_achievement(a),
        node=lambda a: [camel(a)],
        values=True,
    ),
    Row(
        "achievement",
        cases=[
            Case(lambda c: {"achievement_id": f"par-ach-{c.s}"}),
            Case(lambda c: {"achievement_id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/achievements/{q(a['achievement_id'])}"),
        py=lambda g, a: g.achievement(a["achievement_id"]),
        node=lambda a: [a["achievement_id"]],
    ),
    Row(
        "achievements",
        cases=[Case(lambda c: {}, check=lambda r: _expect(len(r) >= 1, "the definitions"))],
        http=lambda a, c: Http("GET", "/v1/achievements"),
        py=lambda g, a: g.achievements(),
        node=lambda a: [],
    ),
    Row(
        "progress_achievement",
        cases=[
            Case(lambda c: {"player": c.p("ach"), "achievement_id": f"par-ach-{c.s}", "amount": 3,
                            "idempotency_key": f"ap-{c.s}"},
                 check=lambda r: _expect(r["added"] == 2 and r["progress"] == 2, "completed at the goal")),
            Case(lambda c: {"player": c.p("ach"), "achievement_id": "par-missing", "amount": 1,
                            "idempotency_key": None}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['player'])}/achievements/{q(a['achievement_id'])}/progress",
                               body=without(a, "player", "achievement_id")),
        py=lambda g, a: g.progress_achievement(a["player"], a["achievement_id"], a["amount"],
                                               idempotency_key=a["idempotency_key"]),
        node=lambda a: [camel(a)],
    ),
    Row(
        "achievement_status",
        cases=[
            Case(lambda c: {"player": c.p("ach"), "achievement_id": f"par-ach-{c.s}"},
                 check=lambda r: _expect(r["progress"] == 2 and r["period"] is not None, "complete this week")),
            Case(lambda c: {"player": c.p("ach"), "achievement_id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/achievements/{q(a['achievement_id'])}"),
        py=lambda g, a: g.achievement_status(a["player"], a["achievement_id"]),
        node=lambda a: [a["player"], a["achievement_id"]],
    ),
    Row(
        "player_achievements",
        cases=[
            Case(lambda c: {"player": c.p("ach")}, check=lambda r: _expect(len(r) >= 1, "every definition")),
            Case(lambda c: {"player": BAD_PLAYER}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/achievements"),
        py=lambda g, a: g.player_achievements(a["player"]),
        node=lambda a: [a["player"]],
    ),
    Row(
        "claim_achievement",
        cases=[
            Case(lambda c: {"player": c.p("ach"), "achievement_id": f"par-ach-{c.s}", "idempotency_key": None},
                 check=lambda r: _expect(r["balances"] == [{"currency": "gold", "amount": 5}], "5 gold granted")),
            Case(lambda c: {"player": c.p("ach"), "achievement_id": f"par-ach-{c.s}", "idempotency_key": None},
                 code="ALREADY_CLAIMED"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['player'])}/achievements/{q(a['achievement_id'])}/claim",
                               body=without(a, "player", "achievement_id")),
        py=lambda g, a: g.claim_achievement(a["player"], a["achievement_id"], idempotency_key=a["idempotency_key"]),
        node=lambda a: [camel(a)],
    ),
    Row(
        "delete_achievement",
        cases=[
            Case(lambda c: {"achievement_id": f"par-ach-{c.s}"}),
            Case(lambda c: {"achievement_id": f"par-ach-{c.s}"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("DELETE", f"/v1/admin/achievements/{q(a['achievement_id'])}"),
        py=lambda g, a: g.delete_achievement(a["achievement_id"]),
        node=lambda a: [a["achievement_id"]],
    ),
    # ----- Friends -----
    Row(
        "send_friend_request",
        cases=[
            Case(lambda c: {"from": c.p("fa"), "to": c.p("fb"), "idempotency_key": f"fr-{c.s}"},
                 check=lambda r: _expect(r["requested"] is True and r["friends"] is False, "a pending request")),
            Case(lambda c: {"from": c.p("fa"), "to": c.p("fb"), "idempotency_key": f"fr-{c.s}"},
                 check=lambda r: _expect(r["replayed"] is True, "a replay")),
            Case(lambda c: {"from": c.p("fa"), "to": c.p("fa")}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['from'])}/friend-requests",
                               body=without(a, "from")),
        py=lambda g, a: g.send_friend_request(a["from"], a["to"], **kw(a, "from", "to")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "friend_requests",
        cases=[Case(lambda c: {"player": c.p("fb")},
                    check=lambda r: _expect(len(r["incoming"]) == 1 and r["outgoing"] == [], "one incoming"))],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/friend-requests"),
        py=lambda g, a: g.friend_requests(a["player"]),
        node=lambda a: [a["player"]],
    ),
    Row(
        "accept_friend_request",
        cases=[
            Case(lambda c: {"player": c.p("fb"), "other": c.p("fa")},
                 check=lambda r: _expect(r["friends"] is True, "friends")),
            Case(lambda c: {"player": c.p("fb"), "other": c.p("fa")}, code="ALREADY_FRIENDS"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['player'])}/friend-requests/{q(a['other'])}/accept",
                               body=without(a, "player", "other")),
        py=lambda g, a: g.accept_friend_request(a["player"], a["other"], **kw(a, "player", "other")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "friends",
        cases=[
            Case(lambda c: {"player": c.p("fa")},
                 check=lambda r: _expect(len(r) == 1 and r[0]["online"] is False, "one friend, offline")),
            Case(lambda c: {"player": BAD_PLAYER}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/friends"),
        py=lambda g, a: g.friends(a["player"]),
        node=lambda a: [a["player"]],
    ),
    Row(
        "decline_friend_request",
        setup=lambda h, c: h.send_friend_request(c.p("fc"), c.p("fa")),
        cases=[
            Case(lambda c: {"player": c.p("fa"), "other": c.p("fc")}),
            Case(lambda c: {"player": c.p("fa"), "other": c.p("fc")}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['player'])}/friend-requests/{q(a['other'])}/decline",
                               body=without(a, "player", "other")),
        py=lambda g, a: g.decline_friend_request(a["player"], a["other"], **kw(a, "player", "other")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "remove_friend",
        cases=[
            Case(lambda c: {"player": c.p("fa"), "other": c.p("fb")}),
            Case(lambda c: {"player": c.p("fa"), "other": c.p("fb")}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("DELETE", f"/v1/players/{q(a['player'])}/friends/{q(a['other'])}",
                               body=without(a, "player", "other")),
        py=lambda g, a: g.remove_friend(a["player"], a["other"], **kw(a, "player", "other")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "block_player",
        cases=[
            Case(lambda c: {"blocker": c.p("fa"), "blocked": c.p("fd")},
                 check=lambda r: _expect(r["changed"] is True, "blocked")),
            Case(lambda c: {"blocker": c.p("fa"), "blocked": c.p("fa")}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("PUT", f"/v1/players/{q(a['blocker'])}/blocks/{q(a['blocked'])}",
                               body=without(a, "blocker", "blocked")),
        py=lambda g, a: g.block_player(a["blocker"], a["blocked"], **kw(a, "blocker", "blocked")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "blocked",
        cases=[Case(lambda c: {"player": c.p("fa")}, check=lambda r: _expect(len(r) == 1, "one blocked"))],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/blocks"),
        py=lambda g, a: g.blocked(a["player"]),
        node=lambda a: [a["player"]],
    ),
    Row(
        "unblock_player",
        cases=[
            Case(lambda c: {"blocker": c.p("fa"), "blocked": c.p("fd")},
                 check=lambda r: _expect(r["changed"] is True, "unblocked")),
            Case(lambda c: {"blocker": c.p("fa"), "blocked": c.p("fd")},
                 check=lambda r: _expect(r["changed"] is False, "nothing to lift")),
        ],
        http=lambda a, c: Http("DELETE", f"/v1/players/{q(a['blocker'])}/blocks/{q(a['blocked'])}",
                               body=without(a, "blocker", "blocked")),
        py=lambda g, a: g.unblock_player(a["blocker"], a["blocked"], **kw(a, "blocker", "blocked")),
        node=lambda a: [camel(a)],
    ),
    # ----- Groups -----
    Row(
        "create_group",
        cases=[
            Case(lambda c: {"owner": c.p("gown"), "name": f"Parity Guild {c.s}", "description": "parity", "open": False,
                            "max_members": 10, "kind": None, "metadata": {"mottoText": "x"}},
                 save=lambda r, c: c.saved.update(group=r["id"])),
            Case(lambda c: {"owner": c.p("other"), "name": f"PARITY guild {c.s}", "description": "", "open": True,
                            "max_members": None, "kind": None, "metadata": None}, code="NAME_TAKEN"),
        ],
        http=lambda a, c: Http("POST", "/v1/groups", body=a),
        py=lambda g, a: g.create_group(a["owner"], a["name"], **kw(a, "owner", "name")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "group",
        cases=[
            Case(lambda c: {"group_id": c.saved["group"]}),
            Case(lambda c: {"group_id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/groups/{q(a['group_id'])}"),
        py=lambda g, a: g.group(a["group_id"]),
        node=lambda a: [a["group_id"]],
    ),
    Row(
        "group_by_name",
        cases=[
            Case(lambda c: {"name": f"parity GUILD {c.s}"}),
            Case(lambda c: {"name": "no such group"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/admin/groups/by-name/{q(a['name'])}"),
        py=lambda g, a: g.group_by_name(a["name"]),
        node=lambda a: [a["name"]],
    ),
    Row(
        "find_groups",
        cases=[
            Case(lambda c: {"prefix": f"Parity Guild {c.s}"},
                 check=lambda r: _expect(len(r["groups"]) >= 1 and r["groups"][0]["name"].startswith("Parity Guild")
                                         and r.get("next_cursor") is None, "the group found first, by name")),
            Case(lambda c: {"limit": 0}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", "/v1/groups", query=a),
        py=lambda g, a: g.find_groups(**a),
        node=lambda a: [camel(a)],
    ),
    Row(
        "request_to_join_group",
        cases=[
            Case(lambda c: {"player": c.p("asker"), "group_id": c.saved["group"]}),
            Case(lambda c: {"player": c.p("gown"), "group_id": c.saved["group"]}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("POST", f"/v1/groups/{q(a['group_id'])}/requests", body={"player": a["player"]}),
        py=lambda g, a: g.request_to_join_group(a["player"], a["group_id"]),
        node=lambda a: [a["player"], a["group_id"]],
    ),
    Row(
        "accept_join_request",
        cases=[
            Case(lambda c: {"actor": c.p("gown"), "group_id": c.saved["group"], "player": c.p("asker")}),
            Case(lambda c: {"actor": c.p("gown"), "group_id": c.saved["group"], "player": c.p("asker")}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/groups/{q(a['group_id'])}/requests/accept",
                               body={"actor": a["actor"], "player": a["player"]}),
        py=lambda g, a: g.accept_join_request(a["actor"], a["group_id"], a["player"]),
        node=lambda a: [a["actor"], a["group_id"], a["player"]],
    ),
    Row(
        "invite_to_group",
        cases=[
            Case(lambda c: {"actor": c.p("gown"), "group_id": c.saved["group"], "invitee": c.p("inv")}),
            Case(lambda c: {"actor": c.p("outsider"), "group_id": c.saved["group"], "invitee": c.p("inv2")}, code="NOT_GROUP_MEMBER"),
        ],
        http=lambda a, c: Http("POST", f"/v1/groups/{q(a['group_id'])}/invites",
                               body={"actor": a["actor"], "player": a["invitee"]}),
        py=lambda g, a: g.invite_to_group(a["actor"], a["group_id"], a["invitee"]),
        node=lambda a: [a["actor"], a["group_id"], a["invitee"]],
    ),
    Row(
        "accept_group_invite",
        cases=[
            Case(lambda c: {"player": c.p("inv"), "group_id": c.saved["group"]}),
            Case(lambda c: {"player": c.p("stranger"), "group_id": c.saved["group"]}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/groups/{q(a['group_id'])}/accept", body={"player": a["player"]}),
        py=lambda g, a: g.accept_group_invite(a["player"], a["group_id"]),
        node=lambda a: [a["player"], a["group_id"]],
    ),
    Row(
        "decline_group_invite",
        setup=group_invite_to_decline,
        cases=[
            Case(lambda c: {"player": c.p("decl"), "group_id": c.saved["group"]}),
            Case(lambda c: {"player": c.p("decl"), "group_id": c.saved["group"]}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/groups/{q(a['group_id'])}/decline", body={"player": a["player"]}),
        py=lambda g, a: g.decline_group_invite(a["player"], a["group_id"]),
        node=lambda a: [a["player"], a["group_id"]],
    ),
    Row(
        "decline_join_request",
        setup=group_request_to_decline,
        cases=[
            Case(lambda c: {"actor": c.p("gown"), "group_id": c.saved["group"], "player": c.p("rej")}),
            Case(lambda c: {"actor": c.p("gown"), "group_id": c.saved["group"], "player": c.p("rej")}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/groups/{q(a['group_id'])}/requests/decline",
                               body={"actor": a["actor"], "player": a["player"]}),
        py=lambda g, a: g.decline_join_request(a["actor"], a["group_id"], a["player"]),
        node=lambda a: [a["actor"], a["group_id"], a["player"]],
    ),
    Row(
        "promote_in_group",
        cases=[
            Case(lambda c: {"actor": c.p("gown"), "group_id": c.saved["group"], "target": c.p("asker")}),
            Case(lambda c: {"actor": c.p("asker"), "group_id": c.saved["group"], "target": c.p("inv")}, code="GROUP_PERMISSION"),
        ],
        http=lambda a, c: Http("POST", f"/v1/groups/{q(a['group_id'])}/promote",
                               body={"actor": a["actor"], "player": a["target"]}),
        py=lambda g, a: g.promote_in_group(a["actor"], a["group_id"], a["target"]),
        node=lambda a: [a["actor"], a["group_id"], a["target"]],
    ),
    Row(
        "demote_in_group",
        cases=[
            Case(lambda c: {"actor": c.p("gown"), "group_id": c.saved["group"], "target": c.p("asker")}),
            Case(lambda c: {"actor": c.p("gown"), "group_id": c.saved["group"], "target": c.p("asker")}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("POST", f"/v1/groups/{q(a['group_id'])}/demote",
                               body={"actor": a["actor"], "player": a["target"]}),
        py=lambda g, a: g.demote_in_group(a["actor"], a["group_id"], a["target"]),
        node=lambda a: [a["actor"], a["group_id"], a["target"]],
    ),
    Row(
        "kick_from_group",
        cases=[
            Case(lambda c: {"actor": c.p("gown"), "group_id": c.saved["group"], "target": c.p("inv")}),
            Case(lambda c: {"actor": c.p("gown"), "group_id": c.saved["group"], "target": c.p("inv")}, code="NOT_GROUP_MEMBER"),
        ],
        http=lambda a, c: Http("POST", f"/v1/groups/{q(a['group_id'])}/kick",
                               body={"actor": a["actor"], "player": a["target"]}),
        py=lambda g, a: g.kick_from_group(a["actor"], a["group_id"], a["target"]),
        node=lambda a: [a["actor"], a["group_id"], a["target"]],
    ),
    Row(
        "transfer_group_ownership",
        cases=[
            Case(lambda c: {"actor": c.p("gown"), "group_id": c.saved["group"], "target": c.p("asker")}),
            Case(lambda c: {"actor": c.p("gown"), "group_id": c.saved["group"], "target": c.p("asker")}, code="GROUP_PERMISSION"),
        ],
        http=lambda a, c: Http("POST", f"/v1/groups/{q(a['group_id'])}/transfer",
                               body={"actor": a["actor"], "player": a["target"]}),
        py=lambda g, a: g.transfer_group_ownership(a["actor"], a["group_id"], a["target"]),
        node=lambda a: [a["actor"], a["group_id"], a["target"]],
    ),
    Row(
        "groups_of",
        cases=[
            Case(lambda c: {"player": c.p("asker")},
                 check=lambda r: _expect(len(r) == 1, "one group")),
            Case(lambda c: {"player": BAD_PLAYER}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/groups"),
        py=lambda g, a: g.groups_of(a["player"]),
        node=lambda a: [a["player"]],
    ),
    Row(
        "group_deposit",
        setup=group_funds,
        cases=[
            Case(lambda c: {"player": c.p("asker"), "group_id": c.saved["group"], "currency": "gold", "amount": 40,
                            "reason": None, "idempotency_key": f"gd-{c.s}"},
                 check=lambda r: _expect(r["group_balance"] == 40 and r["player_balance"] == 60, "40 deposited")),
            Case(lambda c: {"player": c.p("asker"), "group_id": c.saved["group"], "currency": "gold", "amount": 10 ** 9,
                            "reason": None, "idempotency_key": None}, code="INSUFFICIENT_FUNDS"),
        ],
        http=lambda a, c: Http("POST", f"/v1/groups/{q(a['group_id'])}/bank/deposit", body=without(a, "group_id")),
        py=lambda g, a: g.group_deposit(a["player"], a["group_id"], a["currency"], a["amount"],
                                        **kw(a, "player", "group_id", "currency", "amount")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "group_withdraw",
        cases=[
            Case(lambda c: {"player": c.p("asker"), "group_id": c.saved["group"], "currency": "gold", "amount": 15,
                            "reason": "parity", "idempotency_key": None},
                 check=lambda r: _expect(r["group_balance"] == 25, "15 withdrawn")),
            Case(lambda c: {"player": c.p("asker"), "group_id": c.saved["group"], "currency": "gold", "amount": 26,
                            "reason": None, "idempotency_key": None}, code="INSUFFICIENT_FUNDS"),
        ],
        http=lambda a, c: Http("POST", f"/v1/groups/{q(a['group_id'])}/bank/withdraw", body=without(a, "group_id")),
        py=lambda g, a: g.group_withdraw(a["player"], a["group_id"], a["currency"], a["amount"],
                                         **kw(a, "player", "group_id", "currency", "amount")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "group_bank",
        cases=[
            Case(lambda c: {"group_id": c.saved["group"]}),
            Case(lambda c: {"group_id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/groups/{q(a['group_id'])}/bank"),
        py=lambda g, a: g.group_bank(a["group_id"]),
        node=lambda a: [a["group_id"]],
    ),
    Row(
        "leave_group",
        cases=[
            Case(lambda c: {"player": c.p("gown"), "group_id": c.saved["group"]}),
            Case(lambda c: {"player": c.p("gown"), "group_id": c.saved["group"]}, code="NOT_GROUP_MEMBER"),
        ],
        http=lambda a, c: Http("POST", f"/v1/groups/{q(a['group_id'])}/leave", body={"player": a["player"]}),
        py=lambda g, a: g.leave_group(a["player"], a["group_id"]),
        node=lambda a: [a["player"], a["group_id"]],
    ),
    Row(
        "join_group",
        setup=group_open,
        cases=[
            Case(lambda c: {"player": c.p("joiner"), "group_id": c.saved["open_group"]}),
            Case(lambda c: {"player": c.p("joiner2"), "group_id": c.saved["group"]}, code="GROUP_PERMISSION"),
        ],
        http=lambda a, c: Http("POST", f"/v1/groups/{q(a['group_id'])}/join", body={"player": a["player"]}),
        py=lambda g, a: g.join_group(a["player"], a["group_id"]),
        node=lambda a: [a["player"], a["group_id"]],
    ),
    Row(
        "admin_remove_group_member",
        cases=[
            Case(lambda c: {"group_id": c.saved["open_group"], "player": c.p("joiner")}),
            Case(lambda c: {"group_id": c.saved["open_group"], "player": c.p("joiner")}, code="NOT_GROUP_MEMBER"),
        ],
        http=lambda a, c: Http("POST", f"/v1/admin/groups/{q(a['group_id'])}/remove-member", body={"player": a["player"]}),
        py=lambda g, a: g.admin_remove_group_member(a["group_id"], a["player"]),
        node=lambda a: [a["group_id"], a["player"]],
    ),
    Row(
        "disband_group",
        cases=[
            Case(lambda c: {"actor": c.p("asker"), "group_id": c.saved["group"]}),
            Case(lambda c: {"actor": c.p("asker"), "group_id": c.saved["group"]}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/groups/{q(a['group_id'])}/disband", body={"actor": a["actor"]}),
        py=lambda g, a: g.disband_group(a["actor"], a["group_id"]),
        node=lambda a: [a["actor"], a["group_id"]],
    ),
    Row(
        "admin_disband_group",
        cases=[
            Case(lambda c: {"group_id": c.saved["open_group"]}),
            Case(lambda c: {"group_id": c.saved["open_group"]}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/admin/groups/{q(a['group_id'])}/disband"),
        py=lambda g, a: g.admin_disband_group(a["group_id"]),
        node=lambda a: [a["group_id"]],
    ),
    # ----- Chat -----
    Row(
        "post_message",
        cases=[
            Case(lambda c: {"player": c.p("a"), "channel": "global", "body": "hello", "idempotency_key": f"chat-{c.s}"}),
            Case(lambda c: {"player": c.p("a"), "channel": "lobby:1", "body": "x"}, code="INVALID_ARGUMENT"),
            Case(lambda c: {"player": c.p("a"), "channel": "party:par-missing", "body": "x"}, code="NOT_CHANNEL_MEMBER"),
        ],
        http=lambda a, c: Http("POST", "/v1/chat/messages", body=a),
        py=lambda g, a: g.post_message(a["player"], a["channel"], a["body"], **kw(a, "player", "channel", "body")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "channel_history",
        cases=[
            Case(lambda c: {"player": c.p("a"), "channel": "global"},
                 check=lambda r: _expect(len(r["messages"] if isinstance(r, dict) else r.messages) >= 1,
                                         "the global channel holds the message posted")),
            Case(lambda c: {"channel": "global", "limit": 2}),
            Case(lambda c: {"player": c.p("a"), "channel": "party:par-missing"}, code="NOT_CHANNEL_MEMBER"),
            Case(lambda c: {"channel": "global", "limit": 0}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http(
            "GET",
            f"/v1/players/{q(a['player'])}/chat" if a.get("player") else "/v1/admin/chat/history",
            query=without(a, "player")),
        py=lambda g, a: g.channel_history(a["channel"], **kw(a, "channel")),
        node=lambda a: [a["channel"], camel(without(a, "channel"))],
    ),
    Row(
        "mute_player",
        cases=[
            Case(lambda c: {"player": c.p("m"), "until": "2100-01-01T00:00:00Z", "reason": "spam"}),
            Case(lambda c: {"player": c.p("m"), "until": "2000-01-01T00:00:00Z", "reason": ""}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("PUT", f"/v1/admin/chat/mutes/{q(a['player'])}", body=without(a, "player")),
        py=lambda g, a: g.mute_player(a["player"], _instant(a["until"]), reason=a["reason"]),
        node=lambda a: [camel(a)],
    ),
    Row(
        "unmute_player",
        cases=[
            Case(lambda c: {"player": c.p("m")}),
            Case(lambda c: {"player": BAD_PLAYER}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("DELETE", f"/v1/admin/chat/mutes/{q(a['player'])}"),
        py=lambda g, a: g.unmute_player(a["player"]),
        node=lambda a: [a["player"]],
        differs={"http": Diff("DELETE /v1/admin/chat/mutes/{p} answers {player, unmuted}, the facade a bool",
                              wrap=lambda r: {"player": "", "unmuted": r}, unwrap=lambda r: r["unmuted"])},
        values=True,
    ),
    # ----- Matchmaking -----
    Row(
        "rating",
        cases=[
            Case(lambda c: {"player": c.p("q1"), "queue": "duel"}),
            Case(lambda c: {"player": c.p("q1"), "queue": "nope"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/ratings/{q(a['queue'])}"),
        py=lambda g, a: g.rating(a["player"], a["queue"]),
        node=lambda a: [a["player"], a["queue"]],
        differs={"http": http_wrap(player="", queue="")("rating", "GET /v1/players/{p}/ratings/{q} answers {player, queue, rating}, the facade the rating")},
        values=True,
    ),
    Row(
        "queue",
        cases=[
            Case(lambda c: {"player": c.p("q1"), "queue": "duel", "properties": {"region": c.s}}),
            Case(lambda c: {"player": c.p("q1"), "queue": "duel", "properties": {"region": c.s}}, code="TICKET_EXISTS"),
            Case(lambda c: {"player": c.p("q3"), "queue": "nope", "properties": {}}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/queues/{q(a['queue'])}/tickets", body=without(a, "queue")),
        py=lambda g, a: g.queue(a["player"], a["queue"], **kw(a, "player", "queue")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "ticket_status",
        cases=[
            Case(lambda c: {"player": c.p("q1")}),
            Case(lambda c: {"player": c.p("q3")}, differs={"http": Diff(NULL_IS_404, code="NOT_FOUND")},
                 note="no ticket: null"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/ticket"),
        py=lambda g, a: g.ticket_status(a["player"]),
        node=lambda a: [a["player"]],
    ),
    Row(
        "pool",
        cases=[
            Case(lambda c: {"queue": "duel"}),
            Case(lambda c: {"queue": "nope"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/queues/{q(a['queue'])}/pool"),
        py=lambda g, a: g.pool(a["queue"]),
        node=lambda a: [a["queue"]],
        differs={"http": http_wrap(queue="")("tickets", "GET /v1/queues/{q}/pool answers {queue, tickets}, the facade the list")},
    ),
    Row(
        "cancel_ticket",
        cases=[
            Case(lambda c: {"player": c.p("q1")}),
            Case(lambda c: {"player": c.p("q1")}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("DELETE", f"/v1/players/{q(a['player'])}/ticket"),
        py=lambda g, a: g.cancel_ticket(a["player"]),
        node=lambda a: [a["player"]],
    ),
    Row(
        "tick",
        setup=lambda h, c: duel_pair(h, c) if c.s not in ("http", "nodehttp") else None,
        cases=[Case(lambda c: {"holder": f"parity-{c.s}"}, save=save_match,
                    check=lambda r: _expect(len(r) == 1, "one match formed: this surface's pair"))],
        differs={"nodehttp": Diff("Node's HTTP transport resolves tick() to [] without doing anything (the host "
                                  "ticks on its schedule); the native module forms the matches",
                                  wrap=lambda r: [], check=False)},
        py=lambda g, a: g.tick(a["holder"]),
        node=lambda a: [],
        absent={"http": "the host ticks on its own scheduler ([schedule] matchmaking_tick_ms); no route"},
    ),
    Row(
        "tickets_waiting",
        cases=[Case(lambda c: {})],
        absent={"http": "read by the host's metrics and console, no JSON route",
                "node": "not exposed by the Node module", "py": "not exposed by the Python module"},
    ),
    Row(
        "report_match",
        setup=http_match,
        cases=[
            Case(lambda c: {"match_id": c.saved["match"], "ranks": [0]}, code="INVALID_ARGUMENT"),
            Case(lambda c: {"match_id": c.saved["match"], "ranks": [0, 1]}),
            # Reported again with another result (checked before the ranks' shape).
            Case(lambda c: {"match_id": c.saved["match"], "ranks": [1, 0]}, code="IDEMPOTENCY_CONFLICT"),
            Case(lambda c: {"match_id": "par-missing", "ranks": [0, 1]}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/matches/{q(a['match_id'])}/result", body={"ranks": a["ranks"]}),
        py=lambda g, a: g.report_match(a["match_id"], a["ranks"]),
        node=lambda a: [a["match_id"], a["ranks"]],
    ),
    Row(
        "match_record",
        cases=[
            Case(lambda c: {"match_id": c.saved["match"]}),
            Case(lambda c: {"match_id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/matches/{q(a['match_id'])}"),
        py=lambda g, a: g.match_record(a["match_id"]),
        node=lambda a: [a["match_id"]],
    ),
    Row(
        "match_history",
        cases=[
            # Default: 20 matches (the fixture played 21 for the shared player).
            Case(lambda c: {"player": "par-mm-shared"},
                 check=lambda r: _expect(len(r) == 20, "match_history default of 20")),
            Case(lambda c: {"player": "par-mm-shared", "limit": 0}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/matches", query=kw(a, "player")),
        py=lambda g, a: g.match_history(a["player"], **kw(a, "player")),
        node=lambda a: [a["player"]] + ([a["limit"]] if "limit" in a else []),
        differs={"http": http_wrap(player="")("matches", "GET /v1/players/{p}/matches answers {player, matches}, the facade the list")},
    ),
    # ----- Accounts and access (the host's) -----
    Row(
        "register_account",
        cases=[
            Case(lambda c: {"username": f"par_user_{c.s}", "password": "correct horse battery"},
                 save=lambda r, c: c.saved.update(user=r["account"]["player"], refresh=r["refresh_token"],
                                                  access=r.get("access_token"))),
            Case(lambda c: {"username": "x", "password": "correct horse battery"}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("POST", "/v1/auth/register", body=a, token=""),
        differs={"http": Diff("POST /v1/auth/register adds the access token (access_token, token_type, expires_in)",
                              wrap=lambda r: {**r, "access_token": "", "token_type": "", "expires_in": 0})},
        absent={"node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "login_password",
        cases=[
            Case(lambda c: {"username": f"par_user_{c.s}", "password": "correct horse battery"},
                 save=lambda r, c: c.saved.update(refresh=r["refresh_token"], access=r.get("access_token"))),
            Case(lambda c: {"username": f"par_user_{c.s}", "password": "wrong horse battery"}, code="UNAUTHENTICATED"),
        ],
        http=lambda a, c: Http("POST", "/v1/auth/login", body=a, token=""),
        differs={"http": Diff("POST /v1/auth/login adds the access token (access_token, token_type, expires_in)",
                              wrap=lambda r: {**r, "access_token": "", "token_type": "", "expires_in": 0})},
        absent={"node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "login_identity",
        cases=[
            Case(lambda c: {"provider": "discord", "subject": f"1000{SURFACES.index(c.s)}", "player": c.p("disc")}),
            Case(lambda c: {"provider": "", "subject": "1"}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("POST", "/v1/auth/vouch", body=a),
        differs={"http": Diff("POST /v1/auth/vouch adds the access token (access_token, token_type, expires_in)",
                              wrap=lambda r: {**r, "access_token": "", "token_type": "", "expires_in": 0})},
        absent={"node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "rotate_refresh_token",
        cases=[
            Case(lambda c: {"token": c.saved["refresh"]},
                 save=lambda r, c: c.saved.update(refresh=r["refresh_token"])),
            Case(lambda c: {"token": "ghr_bogus"}, code="UNAUTHENTICATED"),
        ],
        http=lambda a, c: Http("POST", "/v1/auth/refresh", body={"refresh_token": a["token"]}, token=""),
        differs={"http": Diff("POST /v1/auth/refresh adds the access token (access_token, token_type, expires_in)",
                              wrap=lambda r: {**r, "access_token": "", "token_type": "", "expires_in": 0})},
        absent={"node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "revoke_refresh_token",
        cases=[
            Case(lambda c: {"token": c.saved["refresh"]}),
            Case(lambda c: {"token": "ghr_bogus"}, code="UNAUTHENTICATED"),
        ],
        http=lambda a, c: Http("POST", "/v1/auth/logout", body={"refresh_token": a["token"]}, token=""),
        absent={"node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "change_password",
        cases=[
            Case(lambda c: {"player": c.saved["user"], "current": "not my password", "new": "battery staple horse 2"},
                 code="UNAUTHENTICATED"),
            Case(lambda c: {"player": c.saved["user"], "current": "correct horse battery", "new": "battery staple horse"}),
        ],
        # The player's own token (the route takes the player from it).
        http=lambda a, c: Http("POST", "/v1/auth/password", body={"current_password": a["current"], "new_password": a["new"]},
                               token=c.saved["access"]),
        absent={"node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "sign_out_everywhere",
        cases=[
            Case(lambda c: {"player": c.saved["user"]}),
            Case(lambda c: {"player": c.p("nobody")}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/admin/accounts/{q(a['player'])}/sign-out"),
        absent={"node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "ban_player",
        cases=[
            Case(lambda c: {"player": c.saved["user"], "req": {"reason": "parity"}, "by": "parity"}),
            Case(lambda c: {"player": c.saved["user"], "req": {"reason": ""}, "by": "parity"}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("POST", f"/v1/admin/accounts/{q(a['player'])}/ban", body=a["req"]),
        absent={"node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "unban_player",
        cases=[
            Case(lambda c: {"player": c.saved["user"], "by": "parity"}),
            Case(lambda c: {"player": c.p("nobody"), "by": "parity"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/admin/accounts/{q(a['player'])}/unban"),
        absent={"node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "set_whitelisted",
        cases=[Case(lambda c: {"player": c.saved["user"], "listed": True})],
        http=lambda a, c: Http("PUT" if a["listed"] else "DELETE", f"/v1/admin/accounts/{q(a['player'])}/whitelist"),
        absent={"node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "account",
        cases=[
            Case(lambda c: {"player": c.saved["user"]}),
            Case(lambda c: {"player": c.p("nobody")}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/admin/accounts/{q(a['player'])}"),
        absent={"node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "find_account",
        cases=[
            Case(lambda c: {"provider": "username", "subject": f"par_user_{c.s}"}),
            Case(lambda c: {"provider": "username", "subject": "par_nobody"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/admin/identities/{q(a['provider'])}/{q(a['subject'])}"),
        absent={"node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "api_keys",
        cases=[Case(lambda c: {})],
        http=lambda a, c: Http("GET", "/v1/admin/keys"),
        absent={"node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "create_api_key",
        cases=[
            Case(lambda c: {"name": "parity-rust", "scopes": ["economy:read"]},
                 save=lambda r, c: c.saved.update(key_id=r["info"]["id"], key=r["key"])),
            Case(lambda c: {"name": "parity-bad", "scopes": ["no-such-scope"]}, code="INVALID_ARGUMENT"),
        ],
        absent={"http": "keys are made with the CLI (`guildhall keys create`), never over HTTP",
                "node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "authenticate_api_key",
        cases=[
            Case(lambda c: {"key": c.saved["key"]}),
            Case(lambda c: {"key": "ghk_bogus"}, code="UNAUTHENTICATED"),
        ],
        absent={"http": HOST_INTERNAL, "node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "api_key",
        cases=[
            Case(lambda c: {"id": c.saved["key_id"]}),
            Case(lambda c: {"id": "par-missing"}, code="NOT_FOUND"),
        ],
        absent={"http": "read by the console's session check; no JSON route (GET /v1/admin/keys lists them)",
                "node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "revoke_api_key",
        cases=[
            Case(lambda c: {"id": c.saved["key_id"]}),
            Case(lambda c: {"id": "par-missing"}, code="NOT_FOUND"),
        ],
        absent={"http": "keys are revoked with the CLI (`guildhall keys revoke ID`), never over HTTP",
                "node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "check_player_access",
        cases=[Case(lambda c: {"player": c.p("a"), "issued_at": None})],
        absent={"http": HOST_INTERNAL, "node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "rate_hit",
        cases=[Case(lambda c: {"key": "parity", "limit": 10, "window_secs": 60})],
        absent={"http": "the host's rate limits ([auth.rate_limits]) call it; no route",
                "node": "a host's rate-limit primitive", "py": "a host's rate-limit primitive"},
    ),
    Row(
        "migrate",
        cases=[Case(lambda c: {})],
        absent={"http": "`guildhall migrate` and every start migrate; no route",
                "node": "Guildhall.open migrates", "py": "Client.open migrates"},
    ),
    Row(
        "today",
        cases=[Case(lambda c: {})],
        absent={"http": "the reset zone's day, an accessor; analytics use it", "node": "an accessor; not exposed",
                "py": "an accessor; not exposed"},
    ),
    # ----- Characters and the account bank -----
    Row(
        "create_character",
        cases=[
            Case(lambda c: {"account": c.p("chacc"), "name": f"Hero {c.s}", "idempotency_key": None},
                 save=lambda r, c: c.saved.update(character=r["character"]["id"])),
            Case(lambda c: {"account": c.p("chacc"), "name": f"Sidekick {c.s}", "idempotency_key": f"cc-{c.s}"},
                 save=lambda r, c: c.saved.update(character2=r["character"]["id"])),
            Case(lambda c: {"account": c.p("chother"), "name": f"HERO {c.s}", "idempotency_key": None},
                 code="NAME_TAKEN"),
            Case(lambda c: {"account": c.p("chother"), "name": "  bad", "idempotency_key": None},
                 code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['account'])}/characters", body=without(a, "account")),
        py=lambda g, a: g.create_character(a["account"], a["name"], **kw(a, "account", "name")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "rename_character",
        cases=[
            Case(lambda c: {"account": c.p("chacc"), "character": c.saved["character"], "name": f"Renamed {c.s}",
                            "idempotency_key": None},
                 check=lambda r: _expect(r["character"]["name"].startswith("Renamed"), "renamed")),
            Case(lambda c: {"account": c.p("chother"), "character": c.saved["character"], "name": "Thief",
                            "idempotency_key": None}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['account'])}/characters/{q(a['character'])}/rename",
                               body=without(a, "account", "character")),
        py=lambda g, a: g.rename_character(a["account"], a["character"], a["name"], **kw(a, "account", "character", "name")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "select_character",
        cases=[
            Case(lambda c: {"account": c.p("chacc"), "character": c.saved["character"], "idempotency_key": None}),
            Case(lambda c: {"account": c.p("chacc"), "character": "par-missing", "idempotency_key": None},
                 code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['account'])}/characters/{q(a['character'])}/select",
                               body=without(a, "account", "character")),
        py=lambda g, a: g.select_character(a["account"], a["character"], **kw(a, "account", "character")),
        node=lambda a: [camel(a)],
        differs={s: Diff("the HTTP host answers an access token for the selected character (the switch of a client)",
                         wrap=lambda r: {**r, "access_token": "token", "expires_in": 900},
                         unwrap=lambda r: {**r, "access_token": None, "expires_in": None})
                 for s in ("http", "nodehttp")},
    ),
    Row(
        "characters",
        cases=[
            Case(lambda c: {"account": c.p("chacc")},
                 check=lambda r: _expect(r["live"] == 2 and len(r["characters"]) == 2, "two characters")),
            Case(lambda c: {"account": BAD_PLAYER}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['account'])}/characters"),
        py=lambda g, a: g.characters(a["account"]),
        node=lambda a: [a["account"]],
    ),
    Row(
        "character",
        cases=[
            Case(lambda c: {"character": c.saved["character"]}),
            Case(lambda c: {"character": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/characters/{q(a['character'])}"),
        py=lambda g, a: g.character(a["character"]),
        node=lambda a: [a["character"]],
    ),
    Row(
        "check_token_reach",
        cases=[Case(lambda c: {"holder": c.p("chacc"), "target": c.saved["character"], "issued_at": "2026-01-01T00:00:00Z"})],
        absent={"http": HOST_INTERNAL, "node": ACCOUNTS_HOST_ONLY, "py": ACCOUNTS_HOST_ONLY},
    ),
    Row(
        "bank_deposit",
        setup=lambda h, c: h.grant(c.saved["character"], "gold", 100),
        cases=[
            Case(lambda c: {"character": c.saved["character"], "currency": "gold", "amount": 40, "item_id": None,
                            "quantity": None, "reason": None, "idempotency_key": f"bd-{c.s}"},
                 check=lambda r: _expect(r["bank_balance"] == 40 and r["character_balance"] == 60, "40 deposited")),
            Case(lambda c: {"character": c.saved["character"], "currency": "gold", "amount": 10 ** 9, "item_id": None,
                            "quantity": None, "reason": None, "idempotency_key": None}, code="INSUFFICIENT_FUNDS"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['character'])}/bank/deposit", body=without(a, "character")),
        py=lambda g, a: g.bank_deposit(a["character"], **kw(a, "character")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "bank_withdraw",
        cases=[
            Case(lambda c: {"character": c.saved["character2"], "currency": "gold", "amount": 15, "item_id": None,
                            "quantity": None, "reason": "parity", "idempotency_key": None},
                 check=lambda r: _expect(r["bank_balance"] == 25, "15 withdrawn")),
            Case(lambda c: {"character": c.saved["character2"], "currency": "gold", "amount": 26, "item_id": None,
                            "quantity": None, "reason": None, "idempotency_key": None}, code="INSUFFICIENT_FUNDS"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['character'])}/bank/withdraw", body=without(a, "character")),
        py=lambda g, a: g.bank_withdraw(a["character"], **kw(a, "character")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "account_bank",
        cases=[
            Case(lambda c: {"player": c.p("chacc")},
                 check=lambda r: _expect(r["balances"][0]["amount"] == 25, "25 in the bank")),
            Case(lambda c: {"player": BAD_PLAYER}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/bank"),
        py=lambda g, a: g.account_bank(a["player"]),
        node=lambda a: [a["player"]],
    ),
    Row(
        "equip_item",
        setup=lambda h, c: (h.upsert_catalog_item({"id": "par-helm", "name": "Parity Helm", "kind": "durable",
                                                   "metadata": {"slot": "head"}}),
                            h.grant_item(c.saved["character"], "par-helm", 1)),
        cases=[
            Case(lambda c: {"player": c.saved["character"], "item_id": "par-helm", "idempotency_key": None},
                 check=lambda r: _expect(r["slot"] == "head", "head slot")),
            Case(lambda c: {"player": c.saved["character2"], "item_id": "par-helm", "idempotency_key": None},
                 code="NOT_OWNED"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['player'])}/equipment", body=without(a, "player")),
        py=lambda g, a: g.equip_item(a["player"], a["item_id"], **kw(a, "player", "item_id")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "equipment",
        cases=[
            Case(lambda c: {"player": c.saved["character"]},
                 check=lambda r: _expect(len(r["items"]) == 1, "one item equipped")),
            Case(lambda c: {"player": BAD_PLAYER}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/equipment"),
        py=lambda g, a: g.equipment(a["player"]),
        node=lambda a: [a["player"]],
    ),
    Row(
        "unequip_item",
        cases=[
            Case(lambda c: {"player": c.saved["character"], "slot": "head", "idempotency_key": None},
                 check=lambda r: _expect(r["previous"] == "par-helm", "the helm left")),
            Case(lambda c: {"player": c.saved["character"], "slot": "head", "idempotency_key": None},
                 code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("DELETE", f"/v1/players/{q(a['player'])}/equipment/{q(a['slot'])}",
                               body=without(a, "player", "slot")),
        py=lambda g, a: g.unequip_item(a["player"], a["slot"], **kw(a, "player", "slot")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "delete_character",
        cases=[
            Case(lambda c: {"account": c.p("chacc"), "character": c.saved["character2"], "idempotency_key": None}),
            Case(lambda c: {"account": c.p("chacc"), "character": c.saved["character2"], "idempotency_key": None},
                 code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("DELETE", f"/v1/players/{q(a['account'])}/characters/{q(a['character'])}",
                               body=without(a, "account", "character")),
        py=lambda g, a: g.delete_character(a["account"], a["character"], **kw(a, "account", "character")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "restore_character",
        cases=[
            Case(lambda c: {"account": c.p("chacc"), "character": c.saved["character2"], "idempotency_key": None}),
            Case(lambda c: {"account": c.p("chacc"), "character": c.saved["character2"], "idempotency_key": None},
                 code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['account'])}/characters/{q(a['character'])}/restore",
                               body=without(a, "account", "character")),
        py=lambda g, a: g.restore_character(a["account"], a["character"], **kw(a, "account", "character")),
        node=lambda a: [camel(a)],
    ),
    # ----- Leaderboards and tournaments -----
    Row(
        "put_leaderboard",
        cases=[
            Case(lambda c: {"id": f"par-lb-{c.s}", "sort": "desc", "operator": "best",
                            "rewards": [{"from_rank": 1, "to_rank": 3,
                                         "rewards": {"currencies": [{"currency": "gold", "amount": 5}], "items": []}}]}),
            Case(lambda c: {"id": "bad/id"}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("PUT", f"/v1/admin/leaderboards/{q(a['id'])}", body=a),
        py=lambda g, a: g.put_leaderboard(a["id"], **kw(a, "id")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "leaderboard",
        cases=[
            Case(lambda c: {"board": f"par-lb-{c.s}"}),
            Case(lambda c: {"board": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/leaderboards/{q(a['board'])}"),
        py=lambda g, a: g.leaderboard(a["board"]),
        node=lambda a: [a["board"]],
    ),
    Row(
        "leaderboards",
        cases=[Case(lambda c: {}, check=lambda r: _expect(len(r) >= 1, "the boards defined"))],
        http=lambda a, c: Http("GET", "/v1/leaderboards"),
        py=lambda g, a: g.leaderboards(),
        node=lambda a: [],
    ),
    Row(
        "submit_score",
        cases=[
            Case(lambda c: {"board": f"par-lb-{c.s}", "player": c.p("lb1"), "score": 10}),
            Case(lambda c: {"board": "par-missing", "player": c.p("lb1"), "score": 10}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/leaderboards/{q(a['board'])}/scores", body=without(a, "board")),
        py=lambda g, a: g.submit_score(a["board"], a["player"], a["score"], **kw(a, "board", "player", "score")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "leaderboard_standings",
        cases=[
            Case(lambda c: {"board": f"par-lb-{c.s}"},
                 check=lambda r: _expect(r["entries"][0]["rank"] == 1 and r.get("next_cursor") is None, "one ranked entry")),
            Case(lambda c: {"board": f"par-lb-{c.s}", "limit": 0}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", f"/v1/leaderboards/{q(a['board'])}/standings", query=without(a, "board")),
        py=lambda g, a: g.leaderboard_standings(a["board"], **kw(a, "board")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "leaderboard_standing",
        cases=[
            Case(lambda c: {"board": f"par-lb-{c.s}", "player": c.p("lb1")}),
            Case(lambda c: {"board": f"par-lb-{c.s}", "player": c.p("nobody")}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/leaderboards/{q(a['board'])}/players/{q(a['player'])}",
                               query=without(a, "board", "player")),
        py=lambda g, a: g.leaderboard_standing(a["board"], a["player"], **kw(a, "board", "player")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "leaderboard_periods",
        cases=[
            Case(lambda c: {"board": f"par-lb-{c.s}"}),
            Case(lambda c: {"board": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/leaderboards/{q(a['board'])}/periods"),
        py=lambda g, a: g.leaderboard_periods(a["board"]),
        node=lambda a: [a["board"]],
    ),
    Row(
        "join_tournament",
        setup=lambda h, c: h.put_leaderboard(
            f"par-cup-{c.s}",
            tournament={"start": "2020-01-01T00:00:00Z", "end": "2999-01-01T00:00:00Z", "max_entrants": 10}),
        cases=[
            Case(lambda c: {"board": f"par-cup-{c.s}", "player": c.p("lb1")}),
            Case(lambda c: {"board": f"par-lb-{c.s}", "player": c.p("lb1")}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/leaderboards/{q(a['board'])}/join", body=without(a, "board")),
        py=lambda g, a: g.join_tournament(a["board"], a["player"], **kw(a, "board", "player")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "run_leaderboard_resets",
        cases=[Case(lambda c: {})],
        http=lambda a, c: Http("POST", "/v1/admin/leaderboards/resets", body={}),
        py=lambda g, a: g.run_leaderboard_resets(),
        node=lambda a: [],
        differs={"http": http_wrap()("reset", "POST /v1/admin/leaderboards/resets answers {reset}, the facade the list")},
    ),
    # ----- Trade -----
    Row(
        "open_trade",
        setup=trade_stock,
        cases=[
            Case(lambda c: {"player": c.p("ta"), "with": c.p("tb"),
                            "offer": {"currencies": [{"currency": "gold", "amount": 20}], "items": []},
                            "idempotency_key": f"tr-{c.s}"},
                 check=lambda r: _expect(r["trade"]["revision"] == 1 and r["trade"]["state"] == "open", "an open trade"),
                 save=lambda r, c: c.saved.update(trade=r["trade"]["id"])),
            Case(lambda c: {"player": c.p("ta"), "with": c.p("ta"), "offer": {"currencies": [], "items": []},
                            "idempotency_key": None}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("POST", "/v1/trades", body=a),
        py=lambda g, a: g.open_trade(a["player"], a["with"], a["offer"], idempotency_key=a["idempotency_key"]),
        node=lambda a: [camel(a)],
    ),
    Row(
        "set_trade_offer",
        cases=[
            Case(lambda c: {"player": c.p("tb"), "trade_id": c.saved["trade"],
                            "offer": {"currencies": [], "items": [{"item_id": "sword", "quantity": 1}]},
                            "revision": 1, "confirm": True, "idempotency_key": None},
                 check=lambda r: _expect(r["trade"]["revision"] == 2, "revision 2")),
            Case(lambda c: {"player": c.p("tb"), "trade_id": c.saved["trade"],
                            "offer": {"currencies": [], "items": []},
                            "revision": 1, "confirm": True, "idempotency_key": None}, code="TRADE_CHANGED"),
        ],
        http=lambda a, c: Http("POST", f"/v1/trades/{q(a['trade_id'])}/offer", body=without(a, "trade_id")),
        py=lambda g, a: g.set_trade_offer(a["player"], a["trade_id"], a["offer"], **kw(a, "player", "trade_id", "offer")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "trade",
        cases=[
            Case(lambda c: {"trade_id": c.saved["trade"]}),
            Case(lambda c: {"trade_id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/trades/{q(a['trade_id'])}"),
        py=lambda g, a: g.trade(a["trade_id"]),
        node=lambda a: [a["trade_id"]],
    ),
    Row(
        "confirm_trade",
        cases=[
            Case(lambda c: {"player": c.p("ta"), "trade_id": c.saved["trade"], "revision": 2, "idempotency_key": None},
                 check=lambda r: _expect(r["trade"]["state"] == "completed", "the exchange")),
            Case(lambda c: {"player": c.p("ta"), "trade_id": c.saved["trade"], "revision": 2, "idempotency_key": None},
                 code="TRADE_CLOSED"),
        ],
        http=lambda a, c: Http("POST", f"/v1/trades/{q(a['trade_id'])}/confirm", body=without(a, "trade_id")),
        py=lambda g, a: g.confirm_trade(a["player"], a["trade_id"], a["revision"], idempotency_key=a["idempotency_key"]),
        node=lambda a: [camel(a)],
    ),
    Row(
        "trade_ledger",
        cases=[
            Case(lambda c: {"trade_id": c.saved["trade"]},
                 check=lambda r: _expect(len(r) == 1 and r[0]["reason"] == "trade", "one entry")),
            Case(lambda c: {"trade_id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/trades/{q(a['trade_id'])}/ledger"),
        py=lambda g, a: g.trade_ledger(a["trade_id"]),
        node=lambda a: [a["trade_id"]],
    ),
    Row(
        "player_trades",
        cases=[
            Case(lambda c: {"player": c.p("ta")},
                 check=lambda r: _expect(len(r["past"]) == 1 and r["open"] == [], "one past trade")),
            Case(lambda c: {"player": BAD_PLAYER}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/trades"),
        py=lambda g, a: g.player_trades(a["player"]),
        node=lambda a: [a["player"]],
    ),
    Row(
        "cancel_trade",
        setup=lambda h, c: c.saved.update(trade2=h.open_trade(c.p("ta"), c.p("tc")).trade.id),
        cases=[
            Case(lambda c: {"player": c.p("tc"), "trade_id": c.saved["trade2"], "idempotency_key": None},
                 check=lambda r: _expect(r["trade"]["cancel_reason"] == "cancelled", "cancelled")),
            Case(lambda c: {"player": c.p("ta"), "trade_id": c.saved["trade2"], "idempotency_key": None},
                 code="TRADE_CLOSED"),
        ],
        http=lambda a, c: Http("POST", f"/v1/trades/{q(a['trade_id'])}/cancel", body=without(a, "trade_id")),
        py=lambda g, a: g.cancel_trade(a["player"], a["trade_id"], idempotency_key=a["idempotency_key"]),
        node=lambda a: [camel(a)],
    ),
    Row(
        "recent_trades",
        cases=[
            Case(lambda c: {"limit": 5}, check=lambda r: _expect(1 <= len(r) <= 5, "some trades")),
            Case(lambda c: {"limit": 0}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", "/v1/admin/trades", query={"limit": a["limit"]}),
        py=lambda g, a: g.recent_trades(a["limit"]),
        node=lambda a: [a["limit"]],
    ),
    Row(
        "expire_trades",
        cases=[Case(lambda c: {})],
        http=lambda a, c: Http("POST", "/v1/admin/trades/expire", body={}),
        py=lambda g, a: g.expire_trades(),
        node=lambda a: [],
        differs={"http": http_wrap()("expired", "POST /v1/admin/trades/expire answers {expired}, the facade the count")},
    ),
    # ----- Loot tables -----
    Row(
        "put_loot_table",
        cases=[
            Case(lambda c: {"id": f"par-loot-{c.s}", "description": "Parity chest", "rolls": 0,
                            "entries": [{"item": "1", "currency": None, "table": None, "min": 2, "max": 2,
                                         "weight": 0, "guaranteed": True},
                                        {"item": None, "currency": "gold", "table": None, "min": 7, "max": 7,
                                         "weight": 0, "guaranteed": True}]}),
            Case(lambda c: {"id": f"par-loot-{c.s}", "description": "", "rolls": 1,
                            "entries": [{"item": None, "currency": None, "table": f"par-loot-{c.s}", "min": 1,
                                         "max": 1, "weight": 1, "guaranteed": False}]}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("PUT", f"/v1/admin/loot/tables/{q(a['id'])}", body=without(a, "id")),
        py=lambda g, a: g.put_loot_table(a),
        node=lambda a: [camel(a)],
        values=True,
    ),
    Row(
        "loot_table",
        cases=[
            Case(lambda c: {"id": f"par-loot-{c.s}"}),
            Case(lambda c: {"id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/admin/loot/tables/{q(a['id'])}"),
        py=lambda g, a: g.loot_table(a["id"]),
        node=lambda a: [a["id"]],
    ),
    Row(
        "loot_tables",
        cases=[Case(lambda c: {}, check=lambda r: _expect(len(r) >= 1, "the tables"))],
        http=lambda a, c: Http("GET", "/v1/admin/loot/tables"),
        py=lambda g, a: g.loot_tables(),
        node=lambda a: [],
    ),
    Row(
        "roll_loot",
        setup=lambda h, c: h.join_party(c.p("lootmate"), h.create_party(c.p("lootlead"), open=True).id),
        cases=[
            Case(lambda c: {"player": c.p("looter"), "table_id": f"par-loot-{c.s}", "party": False,
                            "idempotency_key": f"loot-{c.s}"},
                 check=lambda r: _expect([d["granted"] for d in r["drops"]] == [2, 7], "2 potions and 7 gold"),
                 save=lambda r, c: c.saved.update(loot_result=r["id"])),
            Case(lambda c: {"player": c.p("lootlead"), "table_id": f"par-loot-{c.s}", "party": True,
                            "idempotency_key": None},
                 check=lambda r: _expect(r["drops"][0]["status"] == "party_roll", "a party roll"),
                 save=lambda r, c: c.saved.update(loot_roll=r["drops"][0]["roll_id"])),
            Case(lambda c: {"player": c.p("looter"), "table_id": "par-missing", "party": False,
                            "idempotency_key": None}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['player'])}/loot", body=without(a, "player")),
        py=lambda g, a: g.roll_loot(a["player"], a["table_id"], party=a["party"],
                                    idempotency_key=a["idempotency_key"]),
        node=lambda a: [camel(a)],
    ),
    Row(
        "loot_result",
        cases=[
            Case(lambda c: {"id": c.saved["loot_result"]}),
            Case(lambda c: {"id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/admin/loot/results/{q(a['id'])}"),
        py=lambda g, a: g.loot_result(a["id"]),
        node=lambda a: [a["id"]],
    ),
    Row(
        "replay_loot",
        cases=[
            Case(lambda c: {"result_id": c.saved["loot_result"], "table_id": None, "seed": None},
                 check=lambda r: _expect(r["matches"] is True, "the stored drops")),
            Case(lambda c: {"result_id": None, "table_id": f"par-loot-{c.s}", "seed": -1}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("POST", "/v1/admin/loot/replay", body=a),
        py=lambda g, a: g.replay_loot(**a),
        node=lambda a: [camel(a)],
    ),
    Row(
        "loot_roll",
        cases=[
            Case(lambda c: {"id": c.saved["loot_roll"]}),
            Case(lambda c: {"id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/loot/rolls/{q(a['id'])}"),
        py=lambda g, a: g.loot_roll(a["id"]),
        node=lambda a: [a["id"]],
    ),
    Row(
        "choose_loot_roll",
        cases=[
            Case(lambda c: {"roll_id": c.saved["loot_roll"], "player": c.p("lootlead"), "choice": "greed",
                            "idempotency_key": None},
                 check=lambda r: _expect(r["roll"]["status"] == "open", "still open")),
            Case(lambda c: {"roll_id": c.saved["loot_roll"], "player": c.p("lootmate"), "choice": "need",
                            "idempotency_key": None},
                 check=lambda r: _expect(r["roll"]["winning_choice"] == "need", "need won")),
            Case(lambda c: {"roll_id": c.saved["loot_roll"], "player": c.p("looter"), "choice": "need",
                            "idempotency_key": None}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("POST", f"/v1/players/{q(a['player'])}/loot/rolls/{q(a['roll_id'])}",
                               body=without(a, "player", "roll_id")),
        py=lambda g, a: g.choose_loot_roll(a["roll_id"], a["player"], a["choice"],
                                           idempotency_key=a["idempotency_key"]),
        node=lambda a: [camel(a)],
    ),
    Row(
        "resolve_loot_rolls",
        cases=[Case(lambda c: {})],
        http=lambda a, c: Http("POST", "/v1/admin/loot/resolve", body={}),
        py=lambda g, a: g.resolve_loot_rolls(),
        node=lambda a: [],
    ),
    Row(
        "delete_loot_table",
        cases=[
            Case(lambda c: {"id": f"par-loot-{c.s}"}),
            Case(lambda c: {"id": f"par-loot-{c.s}"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("DELETE", f"/v1/admin/loot/tables/{q(a['id'])}"),
        py=lambda g, a: g.delete_loot_table(a["id"]),
        node=lambda a: [a["id"]],
    ),
    # ----- Rooms and the lobby -----
    Row(
        "create_room",
        cases=[
            Case(lambda c: {"player": c.p("roomer"), "room_type": "duel", "capacity": 2,
                            "metadata": {"map": "dust"}, "server": "10.0.0.5:22005", "idempotency_key": None},
                 check=lambda r: _expect(len(r["room"]["players"]) == 1, "the creator is in it"),
                 save=lambda r, c: c.saved.update(room=r["room"]["id"])),
            Case(lambda c: {"player": None, "room_type": "duel", "capacity": 0, "metadata": {},
                            "server": None, "idempotency_key": None}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("POST", "/v1/rooms", body={k: v for k, v in a.items() if v is not None}),
        py=lambda g, a: g.create_room(a["room_type"], a["capacity"], **kw(a, "room_type", "capacity")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "enter_room",
        cases=[
            Case(lambda c: {"player": c.p("roommate"), "room_id": c.saved["room"], "idempotency_key": None},
                 check=lambda r: _expect(len(r["room"]["players"]) == 2, "two in the room")),
            Case(lambda c: {"player": c.p("roomthird"), "room_id": c.saved["room"], "idempotency_key": None},
                 code="ROOM_FULL"),
        ],
        http=lambda a, c: Http("POST", f"/v1/rooms/{q(a['room_id'])}/enter", body=without(a, "room_id")),
        py=lambda g, a: g.enter_room(a["player"], a["room_id"], idempotency_key=a["idempotency_key"]),
        node=lambda a: [camel(a)],
    ),
    Row(
        "room",
        cases=[
            Case(lambda c: {"room_id": c.saved["room"]},
                 check=lambda r: _expect(r["capacity"] == 2 and r["metadata"] == {"map": "dust"}, "the room")),
            Case(lambda c: {"room_id": "par-missing"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/rooms/{q(a['room_id'])}"),
        py=lambda g, a: g.room(a["room_id"]),
        node=lambda a: [a["room_id"]],
    ),
    Row(
        "player_room",
        cases=[
            Case(lambda c: {"player": c.p("roommate")}),
            Case(lambda c: {"player": c.p("roomthird")},
                 differs={"http": Diff(NULL_IS_404, code="NOT_FOUND")}, note="in no room: null"),
        ],
        http=lambda a, c: Http("GET", f"/v1/players/{q(a['player'])}/room"),
        py=lambda g, a: g.player_room(a["player"]),
        node=lambda a: [a["player"]],
    ),
    Row(
        "rooms",
        cases=[
            Case(lambda c: {"limit": 1000}, check=lambda r: _expect(len(r) >= 1, "some rooms")),
            Case(lambda c: {"limit": 0}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", "/v1/rooms", query={"limit": a["limit"]}),
        py=lambda g, a: g.rooms(a["limit"]),
        node=lambda a: [a["limit"]],
    ),
    Row(
        "lobby",
        cases=[Case(lambda c: {}, check=lambda r: _expect(len(r["rooms"]) >= 1, "the rooms"))],
        http=lambda a, c: Http("GET", "/v1/lobby"),
        py=lambda g, a: g.lobby(),
        node=lambda a: [],
    ),
    Row(
        "push_lobby",
        cases=[
            Case(lambda c: {"player": c.p("roommate"), "unless_fingerprint": None},
                 check=lambda r: _expect(r["recipients"] == 1, "to the one player")),
            Case(lambda c: {"player": BAD_PLAYER, "unless_fingerprint": None}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("POST", "/v1/lobby/push", body=a),
        py=lambda g, a: g.push_lobby(**a),
        node=lambda a: [camel(a)],
    ),
    Row(
        "leave_room",
        cases=[
            Case(lambda c: {"player": c.p("roommate"), "room_id": c.saved["room"], "idempotency_key": None},
                 check=lambda r: _expect(len(r["room"]["players"]) == 1, "one left in it")),
            Case(lambda c: {"player": c.p("roommate"), "room_id": c.saved["room"], "idempotency_key": None},
                 code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/rooms/{q(a['room_id'])}/leave", body=without(a, "room_id")),
        py=lambda g, a: g.leave_room(a["player"], **kw(a, "player")),
        node=lambda a: [camel(a)],
    ),
    Row(
        "destroy_room",
        cases=[
            Case(lambda c: {"room_id": c.saved["room"], "idempotency_key": None},
                 check=lambda r: _expect(len(r["room"]["players"]) == 1, "with its last player")),
            Case(lambda c: {"room_id": c.saved["room"], "idempotency_key": None}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("POST", f"/v1/admin/rooms/{q(a['room_id'])}/destroy", body=without(a, "room_id")),
        py=lambda g, a: g.destroy_room(a["room_id"], idempotency_key=a["idempotency_key"]),
        node=lambda a: [camel(a)],
    ),
    Row(
        "room_log",
        cases=[
            Case(lambda c: {"room_id": c.saved["room"], "after": None, "limit": 50},
                 check=lambda r: _expect([e["action"] for e in r["entries"]]
                                         == ["created", "entered", "entered", "left", "destroyed"], "the log")),
            Case(lambda c: {"room_id": "par-missing", "after": None, "limit": None}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/admin/rooms/{q(a['room_id'])}/log",
                               query={k: v for k, v in without(a, "room_id").items() if v is not None}),
        py=lambda g, a: g.room_log(a["room_id"], after=a["after"], limit=a["limit"]),
        node=lambda a: [a["room_id"], camel(without(a, "room_id"))],
    ),
    Row(
        "destroy_idle_rooms",
        cases=[Case(lambda c: {})],
        http=lambda a, c: Http("POST", "/v1/admin/rooms/sweep", body={}),
        py=lambda g, a: g.destroy_idle_rooms(),
        node=lambda a: [],
        differs={"http": http_wrap()("destroyed", "POST /v1/admin/rooms/sweep answers {destroyed}, the facade the count")},
    ),
    # ----- Not operations: construction, accessors, the live stream -----
    # ----- Payments and game data files -----
    Row(
        "payment_signature_header",
        cases=[Case(lambda c: {"provider": "par-nobody"}, code="NOT_FOUND")],
        absent={"http": "the webhook routes read it to find the signature header", "node": PAYMENTS_HOST_ONLY,
                "py": PAYMENTS_HOST_ONLY},
    ),
    Row(
        "receive_payment_webhook",
        cases=[Case(lambda c: {"provider": "par-nobody", "signature": None, "body": "{}"}, code="NOT_FOUND")],
        http=lambda a, c: Http("POST", f"/v1/webhooks/hmac/{q(a['provider'])}", body={}, token=""),
        absent={"node": PAYMENTS_HOST_ONLY, "py": PAYMENTS_HOST_ONLY},
    ),
    Row(
        "payment_log",
        cases=[
            Case(lambda c: {"limit": 10}),
            Case(lambda c: {"limit": 0}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", "/v1/admin/payments", query=a),
        py=lambda g, a: g.payment_log(**a),
        node=lambda a: [camel(a)],
    ),
    Row(
        "payment",
        cases=[Case(lambda c: {"provider": "stripe", "payment_id": "par-missing"}, code="NOT_FOUND")],
        http=lambda a, c: Http("GET", f"/v1/admin/payments/{q(a['provider'])}/{q(a['payment_id'])}"),
        py=lambda g, a: g.payment(a["provider"], a["payment_id"]),
        node=lambda a: [a["provider"], a["payment_id"]],
    ),
    Row(
        "put_file",
        cases=[
            Case(lambda c: {"name": f"par-put-{c.s}.json", "content_type": "application/json", "content": "{}"}),
            Case(lambda c: {"name": ".par-hidden", "content_type": "application/json", "content": "{}"},
                 code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("PUT", f"/v1/admin/files/{q(a['name'])}", body={}),
        absent={"node": FILES_BASE64, "py": FILES_BASE64},
    ),
    Row(
        "check_file_size",
        cases=[Case(lambda c: {"size": 1})],
        absent={"http": "the upload route's size check", "node": "a check inside upload_file",
                "py": "a check inside upload_file"},
    ),
    Row(
        "upload_file",
        cases=[
            Case(lambda c: {"name": f"par-up-{c.s}.bin", "content_type": None, "content_base64": "AAEC/w=="},
                 check=lambda r: _expect(r["size"] == 4, "4 bytes")),
            Case(lambda c: {"name": f"par-up-{c.s}.bin", "content_type": None, "content_base64": "!!"},
                 code="INVALID_ARGUMENT"),
        ],
        py=lambda g, a: g.upload_file(a["name"], a["content_base64"], content_type=a["content_type"]),
        node=lambda a: [camel(a)],
        absent={"http": "HTTP uploads the raw body: PUT /v1/admin/files/{name} (put_file)"},
    ),
    Row(
        "file",
        cases=[Case(lambda c: {"name": f"par-up-{c.s}.bin", "version": None})],
        absent={"http": "GET /v1/files/{name} serves the bytes themselves (see file_content)",
                "node": "file_content gives the bytes in base64", "py": "file_content gives the bytes in base64"},
    ),
    Row(
        "file_content",
        cases=[
            Case(lambda c: {"name": f"par-up-{c.s}.bin"},
                 check=lambda r: _expect(r["content_base64"] == "AAEC/w==", "the bytes uploaded")),
            Case(lambda c: {"name": "par-missing.bin"}, code="NOT_FOUND"),
        ],
        py=lambda g, a: g.file_content(a["name"]),
        node=lambda a: [a["name"]],
        absent={"http": "GET /v1/files/{name} answers the raw bytes with ETag, ranges and X-File-Version "
                        "(Node's HTTP transport builds this shape from them)"},
    ),
    Row(
        "files",
        cases=[
            Case(lambda c: {"since": 0, "limit": 1000}, check=lambda r: _expect(len(r["files"]) >= 1, "the files")),
            Case(lambda c: {"since": -1}, code="INVALID_ARGUMENT"),
        ],
        http=lambda a, c: Http("GET", "/v1/files", query=a),
        py=lambda g, a: g.files(**a),
        node=lambda a: [camel(a)],
    ),
    Row(
        "file_versions",
        cases=[
            # HTTP uploads through put_file (the raw body), the other surfaces through upload_file.
            Case(lambda c: {"name": f"par-put-{c.s}.json" if c.s == "http" else f"par-up-{c.s}.bin"},
                 check=lambda r: _expect(len(r) >= 1, "a version")),
            Case(lambda c: {"name": "par-missing.bin"}, code="NOT_FOUND"),
        ],
        http=lambda a, c: Http("GET", f"/v1/admin/files/{q(a['name'])}/versions"),
        py=lambda g, a: g.file_versions(a["name"]),
        node=lambda a: [a["name"]],
    ),
    Row("put_webhook", plumbing="outbound webhook subscriptions: " + 'REST only for now (tested against a live host in host-http/tests/host/{f}.rs); Node and Python do not expose it yet, so the parity run lists it without calling it'.format(f="webhooks")),
    Row("webhook", plumbing="outbound webhook subscriptions: " + 'REST only for now (tested against a live host in host-http/tests/host/{f}.rs); Node and Python do not expose it yet, so the parity run lists it without calling it'.format(f="webhooks")),
    Row("webhooks", plumbing="outbound webhook subscriptions: " + 'REST only for now (tested against a live host in host-http/tests/host/{f}.rs); Node and Python do not expose it yet, so the parity run lists it without calling it'.format(f="webhooks")),
    Row("delete_webhook", plumbing="outbound webhook subscriptions: " + 'REST only for now (tested against a live host in host-http/tests/host/{f}.rs); Node and Python do not expose it yet, so the parity run lists it without calling it'.format(f="webhooks")),
    Row("replay_webhook", plumbing="outbound webhook subscriptions: " + 'REST only for now (tested against a live host in host-http/tests/host/{f}.rs); Node and Python do not expose it yet, so the parity run lists it without calling it'.format(f="webhooks")),
    Row("webhook_subscriptions", plumbing="the host's webhook delivery worker's own reads and writes (host-http/src/webhooks.rs), no operation of a caller"),
    Row("webhook_state", plumbing="the host's webhook delivery worker's own reads and writes (host-http/src/webhooks.rs), no operation of a caller"),
    Row("save_webhook_state", plumbing="the host's webhook delivery worker's own reads and writes (host-http/src/webhooks.rs), no operation of a caller"),
    Row("start_password_reset", plumbing="account recovery and closing: " + 'REST only for now (tested against a live host in host-http/tests/host/{f}.rs); Node and Python do not expose it yet, so the parity run lists it without calling it'.format(f="recovery")),
    Row("reset_password", plumbing="account recovery and closing: " + 'REST only for now (tested against a live host in host-http/tests/host/{f}.rs); Node and Python do not expose it yet, so the parity run lists it without calling it'.format(f="recovery")),
    Row("start_verification", plumbing="account recovery and closing: " + 'REST only for now (tested against a live host in host-http/tests/host/{f}.rs); Node and Python do not expose it yet, so the parity run lists it without calling it'.format(f="recovery")),
    Row("verify_identity", plumbing="account recovery and closing: " + 'REST only for now (tested against a live host in host-http/tests/host/{f}.rs); Node and Python do not expose it yet, so the parity run lists it without calling it'.format(f="recovery")),
    Row("close_account", plumbing="account recovery and closing: " + 'REST only for now (tested against a live host in host-http/tests/host/{f}.rs); Node and Python do not expose it yet, so the parity run lists it without calling it'.format(f="recovery")),
    Row("reopen_account", plumbing="account recovery and closing: " + 'REST only for now (tested against a live host in host-http/tests/host/{f}.rs); Node and Python do not expose it yet, so the parity run lists it without calling it'.format(f="recovery")),
    Row("account_activity", plumbing="account recovery and closing: " + 'REST only for now (tested against a live host in host-http/tests/host/{f}.rs); Node and Python do not expose it yet, so the parity run lists it without calling it'.format(f="recovery")),
    Row("daily_active_players", plumbing="the operator console's trend charts (host-http/src/console/trends.rs, tested in host-http/tests/host/console_trends.rs) and the scheduler's online sample; no route or binding"),
    Row("record_online_sample", plumbing="the operator console's trend charts (host-http/src/console/trends.rs, tested in host-http/tests/host/console_trends.rs) and the scheduler's online sample; no route or binding"),
    Row("online_trend", plumbing="the operator console's trend charts (host-http/src/console/trends.rs, tested in host-http/tests/host/console_trends.rs) and the scheduler's online sample; no route or binding"),
    Row("match_trend", plumbing="the operator console's trend charts (host-http/src/console/trends.rs, tested in host-http/tests/host/console_trends.rs) and the scheduler's online sample; no route or binding"),
    Row("new", plumbing="constructor over a Store and a Coordinator; the surfaces open through guildhall_adapters"),
    Row("acting_as", plumbing="a handle acting for a caller (idempotency scope); the host makes one per request"),
    Row("caller", plumbing="accessor of the handle's caller"),
    Row("with_clock", plumbing="test clock injection"),
    Row("with_ids", plumbing="id generator injection"),
    Row("config", plumbing="accessor of the configuration"),
    Row("store", plumbing="accessor of the Store"),
    Row("clock", plumbing="accessor of the clock"),
    Row("subscribe", plumbing="the live event feed: Node onEvent, Python subscribe/events, HTTP SSE "
                              "(covered by their own event tests, not a request/response call)"),
    Row("check_topic", plumbing="the membership check of a live topic subscription: the host's WebSocket "
                                "runs it on every subscribe (host-http/tests/host/ws.rs); the bindings act "
                                "as trusted servers and filter topics without it"),
]

#: Differences of a whole surface, applied to every comparison by test_parity.py.
SURFACE_RULES = {
    "node": "results leave out keys whose value is null (bindings-node/src/convert.rs: `camel_keys` drops "
            "nulls), and JavaScript has one number type (1500.0 arrives as 1500): Node's shapes are compared "
            "with nulls dropped from the reference and int/float as `number`",
    "py": "results are typed records (to_dict() compared), instants are aware datetimes, days are dates",
}

#: Methods of the surfaces that are not rows: the module's own plumbing.
NODE_EXTRAS = {"walletNow": "the synchronous fast path behind wallet()", "onEvent": "live events (subscribe)",
               "close": "closes the handle", "request": "the HTTP transport's one request helper"}
PY_EXTRAS = {"open": "opens a backend", "to_async": "the AsyncClient over the same backend",
             "to_sync": "the Client over the same backend", "subscribe": "live events (subscribe)",
             "events": "live events as an async iterator (subscribe)",
             "close": "ends the Client (close)", "aclose": "ends the AsyncClient (close)"}


def _expect(ok: Any, what: str) -> None:
    assert ok, f"expected {what}"


def _instant(s: Optional[str]) -> Optional[_dt.datetime]:
    if not s:
        return None
    return _dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
