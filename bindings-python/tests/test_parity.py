"""Surface parity: every public `guildhall_core::Guildhall` operation, called through
Rust (the `parity-driver` bin of guildhall-tests), the HTTP host (`guildhall serve`),
the Node module (native, and its HTTP transport to that host) and this Python module
(`Client`, and `AsyncClient` awaited), against ONE SQLite file and one config, gives
the same result shape, the same defaults and the same error codes; the differences
that exist are listed in `parity_table.py` with their reasons and asserted exactly as
they are.

A public method of the core without a row in the table fails
`test_parity_table_covers_every_core_method`; a row marked present on a surface whose
method or route is missing there fails `test_parity_surfaces_have_every_present_op`.
Nothing is skipped: a missing host binary, Rust driver or Node addon fails with a
message saying what to build.
"""

import asyncio
import datetime as dt
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import guildhall

sys.path.insert(0, str(Path(__file__).resolve().parent))
import parity_table as T  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
HOST_BIN = Path(os.environ.get("GUILDHALL_BIN") or TARGET / "debug" / "guildhall")
DRIVER_BIN = TARGET / "debug" / "parity-driver"
NODE_DIR = ROOT / "bindings-node"
CALL_TIMEOUT = 20.0

#: The tour's config plus what the table needs and tour.toml lacks: a duel queue
#: (matchmaking rows) and a host whose own matchmaking tick never runs during the test
#: (the modules' and the driver's ticks are the ones under test).
CONFIG_EXTRA = """

# ----- added by test_parity.py -----
[[queues]]
name = "duel"
teams = 2
team_size = 1
properties = ["region"]
window = { initial = 100.0, widen_per_sec = 10.0, max = 400.0 }
max_wait_secs = 3600

[schedule]
matchmaking_tick_ms = 3600000
lobby_interval_secs = 3600
room_interval_secs = 3600
"""


# ----- the processes ------------------------------------------------------------------


class LineDriver:
    """A subprocess speaking JSON lines (the Rust and Node drivers)."""

    def __init__(self, name, argv, cwd, log, env):
        self.name = name
        self.log = log
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=open(log, "wb"), start_new_session=True)
        self.buf = b""
        first = self._read(60.0)
        if first.get("fatal") or not first.get("ready"):
            raise AssertionError(f"{name} driver did not start: {first.get('fatal') or first}\n{self.stderr()}")

    def stderr(self):
        try:
            return Path(self.log).read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def _read(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{self.name} driver gave no answer within {timeout} s\n{self.stderr()}")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise AssertionError(f"{self.name} driver exited ({self.proc.poll()})\n{self.stderr()}")
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def send(self, obj, timeout=CALL_TIMEOUT):
        self.proc.stdin.write((json.dumps(obj) + "\n").encode())
        self.proc.stdin.flush()
        return self._read(timeout)

    def close(self):
        stop(self.proc)


def stop(proc):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class HttpSurface:
    def __init__(self, base, key):
        self.base = base
        self.key = key

    def request(self, req: T.Http):
        url = self.base + req.path
        if req.query:
            pairs = {k: ("true" if v is True else "false" if v is False else v)
                     for k, v in req.query.items() if v is not None}
            if pairs:
                url += "?" + urllib.parse.urlencode(pairs)
        data = None
        headers = {}
        if req.body is not None:
            data = json.dumps(req.body).encode()
            headers["content-type"] = "application/json"
        token = self.key if req.token is None else req.token
        if token:
            headers["authorization"] = f"Bearer {token}"
        r = urllib.request.Request(url, data=data, method=req.method, headers=headers)
        try:
            with urllib.request.urlopen(r, timeout=CALL_TIMEOUT) as resp:
                body = resp.read()
                return {"ok": json.loads(body) if body else None}
        except urllib.error.HTTPError as e:
            body = e.read()
            try:
                err = json.loads(body)
            except ValueError:
                err = {"code": f"HTTP_{e.code}", "message": body.decode(errors="replace")}
            return {"error": {"code": err.get("code"), "message": err.get("message"), "status": e.code}}


# ----- results as JSON-like values -----------------------------------------------------


def plain(v):
    """A Python surface result as JSON-like data: records as dicts, tuples as lists,
    datetimes and dates as ISO strings."""
    if hasattr(v, "__guildhall_fields__"):
        return plain(v.to_dict())
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dt.datetime):
        return v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SUFFIX = re.compile(r"([-_])(rust|http|nodehttp|node|pyasync|py)\b")
TOKEN = re.compile(r"^gh[rk]_[0-9A-Za-z_]+$")
#: Keys whose values are positions, counters or clocks, not results.
IGNORED_VALUES = {"seq", "next_cursor", "next_after", "waited_secs", "window", "accounts_checked",
                  "expires_in", "count", "games"}


def shape(v, js=False):
    """The shape of a result: key sets recursively and JSON types (a string that is an
    RFC 3339 instant is a `time`, `YYYY-MM-DD` a `date`); a list is the set of its
    elements' shapes. `js`: one `number` type, as JavaScript has."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number" if js else ("int" if isinstance(v, int) else "float")
    if isinstance(v, str):
        return "time" if TIME.match(v) else "date" if DATE.match(v) else "str"
    if isinstance(v, list):
        return ["list"] + sorted({json.dumps(shape(x, js), sort_keys=True) for x in v})
    if isinstance(v, dict):
        return {k: shape(x, js) for k, x in sorted(v.items())}
    return f"?{type(v).__name__}"


def drop_nulls(v, opaque=False):
    """What Node hands back: keys whose value is null left out (not inside the caller's
    own objects)."""
    if isinstance(v, dict):
        if opaque:
            return v
        return {k: drop_nulls(x, k in T.OPAQUE) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [drop_nulls(x) for x in v]
    return v


def norm(v):
    """Values compared across surfaces: surface suffixes, uuids, instants and tokens
    replaced, positions and counters dropped."""
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items() if k not in IGNORED_VALUES}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, str):
        if TIME.match(v):
            return "<time>"
        if TOKEN.match(v):
            return "<token>"
        return SUFFIX.sub(r"\1S", UUID.sub("<id>", v))
    return v


# ----- the world: one database, four surfaces -----------------------------------------


class Ctx:
    def __init__(self, surface):
        self.s = surface
        self.saved = {}

    def p(self, name):
        return f"par-{name}-{self.s}"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    missing = []
    if not HOST_BIN.exists():
        missing.append(f"the host binary {HOST_BIN} (cargo build --workspace --all-targets --locked, or set GUILDHALL_BIN)")
    if not DRIVER_BIN.exists():
        missing.append(f"the Rust parity driver {DRIVER_BIN} (cargo build --workspace --all-targets --locked)")
    if not list(NODE_DIR.glob("*.node")):
        missing.append("the Node addon (no bindings-node/*.node): run bindings-node/test.sh first")
    if missing:
        pytest.fail("the parity test needs:\n  " + "\n  ".join(missing), pytrace=False)

    work = tmp_path_factory.mktemp("parity")
    config = work / "parity.toml"
    config.write_text((ROOT / "examples" / "tour.toml").read_text() + CONFIG_EXTRA)
    db = f"sqlite:{work}/parity.db"
    # Every surface: this database, this config, the in-process coordinator (no Redis
    # from the environment).
    overrides = ("GUILDHALL_DATABASE_URL", "GUILDHALL_REDIS_URL", "GUILDHALL_REDIS_PREFIX", "GUILDHALL_CONFIG")
    env = {k: v for k, v in os.environ.items() if k not in overrides}
    env["GUILDHALL_LOG"] = "warn"
    key = subprocess.run([str(HOST_BIN), "keys", "create", "--config", str(config), "--database", db,
                          "--name", "parity", "--scope", "admin"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert key.returncode == 0, f"guildhall keys create failed: {key.stderr}"
    api_key = key.stdout.strip().splitlines()[-1]

    procs = []
    drivers = []
    mp = pytest.MonkeyPatch()
    try:
        for k in overrides:
            mp.delenv(k, raising=False)
        port = free_port()
        host = subprocess.Popen([str(HOST_BIN), "serve", "--dev", "--config", str(config),
                                 "--listen", f"127.0.0.1:{port}", "--database", db],
                                env=env, stdout=open(work / "host.log", "wb"), stderr=subprocess.STDOUT,
                                start_new_session=True)
        procs.append(host)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/readyz", timeout=1)
                break
            except OSError:
                if host.poll() is not None:
                    pytest.fail(f"guildhall serve exited: {(work / 'host.log').read_text()}", pytrace=False)
                time.sleep(0.1)
        else:
            pytest.fail("guildhall serve did not become ready in 30 s", pytrace=False)

        drivers.append(LineDriver("rust", [str(DRIVER_BIN), "--database", db, "--config", str(config)],
                                  ROOT, work / "rust.log", env))
        drivers.append(LineDriver("node", ["node", "test/parity-driver.mjs", "--database", db, "--config", str(config),
                                           "--http", base, "--api-key", api_key],
                                  NODE_DIR, work / "node.log", env))
        py = guildhall.Client.open(db, str(config))
        loop = asyncio.new_event_loop()
        pyasync = Awaited(loop.run_until_complete(opened_async(db, str(config))), loop)
        helper = guildhall.Client.open(db, str(config))
        w = {
            "rust": drivers[0], "node": drivers[1], "http": HttpSurface(base, api_key), "py": py,
            "pyasync": pyasync, "helper": helper, "base": base, "work": work, "host": host,
        }
        shared_fixture(helper)
        yield w
    finally:
        if "loop" in locals():
            loop.close()
        for d in drivers:
            d.close()
        for p in procs:
            stop(p)
        mp.undo()


async def opened_async(db, config):
    return await guildhall.AsyncClient.open(db, config)


class Awaited:
    """guildhall.AsyncClient called like the blocking client: each call's awaitable is
    awaited on the test's event loop (the `pyasync` surface)."""

    def __init__(self, client, loop):
        self._client = client
        self._loop = loop

    def __getattr__(self, name):
        method = getattr(self._client, name)

        def call(*args, **kwargs):
            async def go():
                return await method(*args, **kwargs)

            return self._loop.run_until_complete(go())

        return call


def shared_fixture(h):
    """Data every surface reads the same: enough of it that the listing calls' default
    page sizes bind (history 50, player events 100, popular items 10, events 100,
    match history 20)."""
    for i in range(110):
        h.grant("par-shared", "gold", 1, reason="parity fixture")
    for i in range(12):
        item = f"par-pop-{i:02d}"
        h.upsert_catalog_item({"id": item, "name": f"Popular {i}", "kind": "durable",
                               "price": {"currency": "gold", "amount": 1}})
        h.purchase("par-shared", item, 1)
    for i in range(21):
        h.queue("par-mm-shared", "duel", properties={"region": "shared"})
        h.queue(f"par-mm-opp-{i}", "duel", properties={"region": "shared"})
        formed = h.tick("parity-py")
        assert len(formed) == 1, formed


# ----- calling a row on a surface ------------------------------------------------------


def call(w, row, surface, args, c):
    """One call: {"ok": value} or {"error": {"code": ...}} (values JSON-like)."""
    if surface == "rust":
        return w["rust"].send({"op": row.op, "args": args})
    if surface in ("node", "nodehttp"):
        transport = "http" if surface == "nodehttp" else "native"
        return w["node"].send({"method": row.node_method, "args": row.node(args), "transport": transport})
    if surface == "http":
        return w["http"].request(row.http(args, c))
    try:
        return {"ok": plain(row.py(w[surface], args))}
    except guildhall.GuildhallError as e:
        return {"error": {"code": e.code, "message": str(e)}}
    except Exception as e:  # a mapping that does not fit the Python signature
        return {"error": {"code": f"PYTHON_{type(e).__name__}", "message": str(e)}}


# ----- the tests ------------------------------------------------------------------------


def core_methods():
    """Every `pub fn` / `pub async fn` of every `impl Guildhall` block of the core (the
    service modules hold them; methods are at 4 spaces' indent under rustfmt). The
    acting handle is a `Guildhall` too (`acting_as` returns one), so this is every
    operation of every handle."""
    names = {}
    for path in sorted((ROOT / "core" / "src").rglob("*.rs")):
        inside = False
        for line in path.read_text().splitlines():
            if re.match(r"^impl(<[^>]*>)?\s+Guildhall\s*\{", line):
                inside = True
            elif inside and line == "}":
                inside = False
            elif inside:
                m = re.match(r"^    pub (?:const )?(?:async )?(?:unsafe )?fn (\w+)", line)
                if m:
                    names[m.group(1)] = str(path.relative_to(ROOT))
    return names


def test_parity_table_covers_every_core_method():
    methods = core_methods()
    assert len(methods) > 50, f"parsing core/src/service found only {sorted(methods)}"
    rows = [r.op for r in T.ROWS]
    dupes = sorted({o for o in rows if rows.count(o) > 1})
    assert not dupes, f"ops listed twice in parity_table.py: {dupes}"
    missing = sorted(set(methods) - set(rows))
    assert not missing, ("public Guildhall methods with no row in bindings-python/tests/parity_table.py "
                         "(add a row: its surfaces, or each absent surface with a reason):\n  "
                         + "\n  ".join(f"{m}  ({methods[m]})" for m in missing))
    stale = sorted(set(rows) - set(methods))
    assert not stale, f"rows for methods the core no longer has: {stale}"
    for r in T.ROWS:
        if r.plumbing:
            continue
        assert r.cases, f"{r.op}: no case"
        for s, reason in r.absent.items():
            assert s in T.SURFACES and s != "rust" and reason.strip(), f"{r.op}: absent {s} needs a reason"
        for s in T.SURFACES:
            if r.present(s) and s != "rust":
                assert getattr(r, T.column(s)) is not None, f"{r.op}: present on {s} but no {s} call in the table"


def test_parity_surfaces_have_every_present_op(world):
    problems = []
    # Rust: the driver's match arms.
    listed = subprocess.run([str(DRIVER_BIN), "--list"], capture_output=True, text=True, timeout=30).stdout.split()
    # Node: the native class's prototype, and the HTTP transport's.
    node = set(world["node"].send({"list": True})["ok"])
    node_http = set(world["node"].send({"list": True, "transport": "http"})["ok"])
    # Python: both clients.
    # HTTP: the documented routes.
    spec = json.loads(urllib.request.urlopen(world["base"] + "/openapi.json", timeout=10).read())
    routes = [(m.upper(), re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", p) + "$"))
              for p, ops in spec["paths"].items() for m in ops]
    for r in T.ROWS:
        if r.plumbing:
            continue
        if r.op not in listed:
            problems.append(f"rust: the parity driver has no arm for {r.op}")
        if r.present("node") and r.node_method not in node:
            problems.append(f"node: Guildhall.prototype.{r.node_method} is missing")
        if r.present("nodehttp") and r.node_method not in node_http:
            problems.append(f"nodehttp: the HTTP transport (http.js) has no {r.node_method}")
        for cls in (guildhall.Client, guildhall.AsyncClient):
            if r.present("py") and not callable(getattr(cls, r.op, None)):
                problems.append(f"python: guildhall.{cls.__name__}.{r.op} is missing")
            if not r.present("py") and hasattr(cls, r.op):
                problems.append(f"python: {cls.__name__}.{r.op} exists but the table marks py absent")
        if not r.present("node") and r.node_method in node:
            problems.append(f"node: {r.node_method} exists but the table marks node absent")
        if r.present("http"):
            c = Ctx("http")
            c.saved = _Any()
            req = r.http(_ArgsProbe(), c)
            path = urllib.parse.urlsplit(req.path).path
            if not any(m == req.method and rx.match(path) for m, rx in routes):
                problems.append(f"http: {req.method} {req.path} is not a route of /openapi.json")
    known_node = {r.node_method for r in T.ROWS} | set(T.NODE_EXTRAS)
    for m in sorted(node - known_node):
        problems.append(f"node: Guildhall.prototype.{m} is in no row of the parity table")
    for m in sorted(node_http - known_node):
        problems.append(f"nodehttp: HttpGuildhall.prototype.{m} is in no row of the parity table")
    known_py = {r.op for r in T.ROWS} | set(T.PY_EXTRAS)
    for cls in (guildhall.Client, guildhall.AsyncClient):
        for m in sorted(n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n))):
            if m not in known_py:
                problems.append(f"python: {cls.__name__}.{m} is in no row of the parity table")
    assert not problems, "surfaces out of step with the parity table:\n  " + "\n  ".join(problems)


class _Any(dict):
    def __missing__(self, key):
        return "probe"


class _ArgsProbe(dict):
    """Arguments for building a route: every key is a plausible value."""

    def __missing__(self, key):
        return {"location": {}, "filter": {}, "req": {}, "ranks": [0], "listed": True,
                "active": True, "variables": {}}.get(key, "probe")

    def get(self, key, default=None):
        return self[key]


def test_parity_every_op_on_every_surface(world):
    """Each row, case by case, on rust, http, node and py in turn (each with its own
    players); then the shapes, defaults, values and error codes are compared."""
    started = time.monotonic()
    ctx = {s: Ctx(s) for s in T.SURFACES}
    problems = []
    counts = {s: 0 for s in T.SURFACES}
    differences = []

    for row in T.ROWS:
        if row.plumbing:
            continue
        surfaces = [s for s in T.SURFACES if row.present(s)]
        for s in surfaces:
            counts[s] += 1
        for n, case in enumerate(row.cases):
            label = f"{row.op}[{n}]" + (f" ({case.note})" if case.note else "")
            out = {}
            for s in surfaces:
                if n == 0 and row.setup:
                    # Just before the surface's first call (a tick must see only the
                    # pair of its own surface).
                    row.setup(world["helper"], ctx[s])
                try:
                    args = case.args(ctx[s])
                except KeyError as e:
                    problems.append(f"{label} {s}: an earlier step saved no {e}")
                    continue
                out[s] = call(world, row, s, args, ctx[s])
            problems += compare(row, case, label, out, ctx)
    for row in T.ROWS:
        for s, d in row.differs.items():
            differences.append(f"{row.op} [{s}]: {d.reason}")
        for case in row.cases:
            for s, d in case.differs.items():
                differences.append(f"{row.op} [{s}]: {d.reason}")
        for s, reason in row.absent.items():
            differences.append(f"{row.op} [{s} absent]: {reason}")
    for s, rule in T.SURFACE_RULES.items():
        differences.append(f"[every {s} result]: {rule}")
    took = time.monotonic() - started
    print(f"\nparity: ops called per surface {counts} in {took:.1f} s; known differences:\n  "
          + "\n  ".join(differences))
    assert not problems, f"{len(problems)} parity problems:\n  " + "\n  ".join(problems)


def compare(row, case, label, out, ctx):
    problems = []
    by_column = {**row.differs, **case.differs}
    diffs = {s: T.diff_for(by_column, s) for s in T.SURFACES if T.diff_for(by_column, s)}

    def expected_code(s):
        d = diffs.get(s)
        if d and d.code:
            return d.code
        if d and d.ok:
            return None
        return case.code

    # Error codes.
    for s, r in out.items():
        want = expected_code(s)
        if want:
            if "error" not in r:
                problems.append(f"{label} {s}: expected {want}, got a result {json.dumps(r.get('ok'))[:200]}")
            elif r["error"]["code"] != want:
                problems.append(f"{label} {s}: expected {want}, got {r['error']['code']}: {r['error'].get('message')}")
        elif "error" in r:
            problems.append(f"{label} {s}: failed with {r['error']['code']}: {r['error'].get('message')}")
    if case.code:
        return problems

    ok = {s: r["ok"] for s, r in out.items() if "ok" in r and not expected_code(s)}
    if not ok:
        return problems
    ref_surface = "rust" if "rust" in ok and "rust" not in diffs else next(
        (s for s in ("py", "pyasync", "node", "nodehttp", "http") if s in ok and s not in diffs), None)
    if ref_surface is None:
        return problems + [f"{label}: no surface without a recorded difference answered"]
    ref = ok[ref_surface]

    for s, v in ok.items():
        d = diffs.get(s)
        unwrapped = d.unwrap(v) if d and d.unwrap else v
        if case.save and not (d and not d.check):
            try:
                case.save(unwrapped, ctx[s])
            except Exception as e:
                problems.append(f"{label} {s}: cannot save from the result: {e!r}")
        if case.check and not (d and not d.check):
            try:
                case.check(unwrapped)
            except AssertionError as e:
                problems.append(f"{label} {s}: {e} (got {json.dumps(unwrapped)[:300]})")
        if s == ref_surface:
            continue
        want = d.wrap(ref) if d and d.wrap else ref
        js = s in ("node", "nodehttp")
        want_shape = shape(drop_nulls(want) if js else want, js)
        got_shape = shape(v, js)
        if d and d.wrap and got_shape == shape(drop_nulls(ref) if js else ref, js):
            problems.append(f"{label} {s}: answers as {ref_surface} does now, the recorded difference is gone "
                            f"({d.reason}): remove it from parity_table.py")
        elif got_shape != want_shape:
            problems.append(f"{label} {s}: shape differs from {ref_surface}"
                            + (" (after the recorded difference)" if d else "")
                            + f":\n      {s}: {json.dumps(got_shape, sort_keys=True)}"
                            + f"\n      want: {json.dumps(want_shape, sort_keys=True)}")
        if row.values:
            a = norm(drop_nulls(unwrapped) if js else unwrapped)
            b = norm(drop_nulls(ref) if js else ref)
            if d and d.wrap and not d.unwrap:
                b = norm(drop_nulls(want) if js else want)
            if a != b:
                problems.append(f"{label} {s}: values differ from {ref_surface}:\n      {s}: {json.dumps(a)[:600]}"
                                f"\n      {ref_surface}: {json.dumps(b)[:600]}")
    return problems
