//! `guildhall.Client` (blocking) and `guildhall.AsyncClient` (asyncio), generated from
//! one list of operations so both expose the same methods with the same signatures.
//!
//! The blocking client releases the GIL while the core works, then converts the result;
//! it is safe to share between threads. The async client returns awaitables that run on
//! the process's tokio runtime ([`crate::runtime`]); the event loop only waits.

use crate::awaitable::{attach_unless_exiting, into_awaitable, settle, Failure};
use crate::convert::{pid, Arg, Instant, Json, SenderArg, ToPy};
use crate::errors::to_py_err;
use chrono::NaiveDate;
use guildhall_core::announce::{AudienceKind, FireRequest, Location, Template, Trigger};
use guildhall_core::economy::{GrantRequest, SpendRequest, TransferRequest};
use guildhall_core::friends::{BlockRequest, FriendActionRequest, SendFriendRequest};
use guildhall_core::groups::{CreateGroupRequest, GroupBankRequest, GroupQuery};
use guildhall_core::inventory::{GrantItemRequest, PurchaseRequest, UseItemRequest};
use guildhall_core::mail::{Attachments, BroadcastRequest, SendMailRequest, Sender};
use guildhall_core::matchmaking::QueueRequest;
use guildhall_core::types::{CatalogItem, EntryKind, Event};
use guildhall_core::{Error, Guildhall, HistoryFilter, Result as CoreResult};
use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::broadcast::error::RecvError;

/// Runs a future to completion on the shared runtime from a thread that is not one of
/// its workers (or, from inside one, without stalling the other tasks).
fn block_on<F: Future>(fut: F) -> F::Output {
    match tokio::runtime::Handle::try_current() {
        Ok(h) => tokio::task::block_in_place(|| h.block_on(fut)),
        Err(_) => crate::runtime().block_on(fut),
    }
}

/// The blocking call: GIL released while the core works.
fn call<T: ToPy>(
    py: Python<'_>,
    fut: impl Future<Output = CoreResult<T>> + Send,
) -> PyResult<Py<PyAny>> {
    match py.detach(|| block_on(fut)) {
        Ok(v) => v.to_py(py),
        Err(e) => Err(to_py_err(py, e)),
    }
}

/// The operations that only read and may complete without waiting (point reads on
/// SQLite, cached reads, presence lookups). `verify_ledger` reads everything, so it is
/// left out; every change waits for its commit anyway.
const READS: &[&str] = &[
    "wallet",
    "balance",
    "history",
    "inventory",
    "catalog_item",
    "catalog",
    "popular_items",
    "revenue_per_day",
    "mailbox",
    "template",
    "templates",
    "trigger",
    "triggers",
    "preview",
    "session",
    "online",
    "channel_history",
    "party_of",
    "group",
    "group_by_name",
    "groups_of",
    "find_groups",
    "group_bank",
    "party",
    "friends",
    "friend_requests",
    "blocked",
    "achievement",
    "achievements",
    "player_achievements",
    "achievement_status",
    "ticket_status",
    "pool",
    "match_record",
    "rating",
    "match_history",
    "events_after",
    "player_events_after",
    "leaderboard",
    "leaderboards",
    "leaderboard_standings",
    "leaderboard_standing",
    "leaderboard_periods",
    "trade",
    "player_trades",
    "recent_trades",
    "trade_ledger",
    "characters",
    "character",
    "account_bank",
    "equipment",
    "loot_table",
    "loot_tables",
    "loot_result",
    "loot_roll",
    "replay_loot",
    "room",
    "player_room",
    "rooms",
    "room_log",
    "lobby",
    "payment_log",
    "payment",
    "files",
    "file_content",
    "file_versions",
];

/// Whether `name` is one of [`READS`] (evaluated at compile time for each operation).
const fn is_read(name: &str) -> bool {
    let mut i = 0;
    while i < READS.len() {
        let (a, b) = (READS[i].as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// The async call: an awaitable resolved by the runtime. A read (`inline`, one of
/// [`READS`]) is polled once right here, so one that completes without waiting (a wallet
/// read from SQLite, a cached read) saves the round trip through the runtime's threads;
/// its result is still handed over through `loop.call_soon`, so the awaiting task is
/// suspended and the event loop turns (timers, other tasks, I/O) at every awaited call,
/// as for a call that waits. Any other call runs on the runtime (a read from where that
/// first poll left it), so the event loop's thread never does a change's work.
fn spawn<'py, T: ToPy>(
    py: Python<'py>,
    inline: bool,
    fut: impl Future<Output = CoreResult<T>> + Send + 'static,
) -> PyResult<Bound<'py, PyAny>> {
    let mut fut = Box::pin(fut);
    if !inline {
        return into_awaitable(py, async move { fut.await.map_err(Failure::from) });
    }
    let first = {
        let _runtime = crate::runtime().enter();
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        fut.as_mut().poll(&mut cx)
    };
    if let std::task::Poll::Ready(result) = first {
        let event_loop = pyo3_async_runtimes::tokio::get_current_loop(py)?;
        let pending = event_loop.call_method0(intern!(py, "create_future"))?;
        let (value, failed) = settle(py, result.map_err(Failure::from))?;
        event_loop.call_method1(
            intern!(py, "call_soon"),
            (resolver(py)?, &pending, value, failed),
        )?;
        return Ok(pending);
    }
    into_awaitable(py, async move { fut.await.map_err(Failure::from) })
}

/// `resolve_ready` as a Python callable (made once).
pub(crate) fn resolver(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    Ok(RESOLVE
        .get_or_try_init(py, || -> PyResult<_> {
            Ok(wrap_pyfunction!(resolve_ready, py)?.into_any().unbind())
        })?
        .bind(py))
}

/// A Python object handed back as the result of an awaitable (`__aenter__`'s client).
struct ClientRef(Py<PyAny>);

impl ToPy for ClientRef {
    fn to_py(self, _py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(self.0)
    }
}

/// An opened client handed back by `AsyncClient.open`'s awaitable.
impl ToPy for AsyncClient {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(Py::new(py, self)?.into_any())
    }
}

static RESOLVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Sets a ready call's result (or exception) on its future at the loop's next turn,
/// unless the awaiting task was cancelled meanwhile.
#[pyfunction]
fn resolve_ready(
    pending: &Bound<'_, PyAny>,
    value: Bound<'_, PyAny>,
    failed: bool,
) -> PyResult<()> {
    let py = pending.py();
    if pending.call_method0(intern!(py, "done"))?.is_truthy()? {
        return Ok(());
    }
    let method = if failed {
        intern!(py, "set_exception")
    } else {
        intern!(py, "set_result")
    };
    pending.call_method1(method, (value,))?;
    Ok(())
}

/// Opens a backend the way the Node module does (`guildhall_adapters::OpenOptions`: the
/// one config schema, then the one builder): the call's `database` and `redis` beat the
/// environment's, which beat the config's; no database named is refused;
/// `cache=True` with Redis is refused. The config's catalog is upserted.
async fn open_backend(
    database: Option<String>,
    redis: Option<String>,
    cache: bool,
    config: serde_json::Value,
) -> CoreResult<Guildhall> {
    guildhall_adapters::OpenOptions {
        database,
        redis,
        config,
        cache: Some(cache),
    }
    .open()
    .await
}

/// The `config` argument as the shared options take it: `None`, the path of a TOML file
/// (`str` or `os.PathLike`), or a dict of the file's shape (e.g. what `tomllib.load`
/// returns).
fn config_arg(config: Option<&Bound<'_, PyAny>>) -> CoreResult<serde_json::Value> {
    match config {
        None => Ok(serde_json::Value::Null),
        Some(c) if c.is_none() => Ok(serde_json::Value::Null),
        Some(c)
            if c.is_instance_of::<pyo3::types::PyString>()
                || c.hasattr("__fspath__").unwrap_or(false) =>
        {
            let path: std::path::PathBuf = c
                .extract()
                .map_err(|e| Error::invalid("config", format!("config: {e}")))?;
            Ok(serde_json::Value::String(
                path.to_string_lossy().into_owned(),
            ))
        }
        Some(c) => crate::convert::from_py(c, "config"),
    }
}

fn location(
    lobby: Option<String>,
    server: Option<String>,
    room: Option<String>,
    party: Option<String>,
) -> Location {
    Location {
        lobby,
        server,
        room,
        party,
    }
}

fn kind_arg(kind: Option<String>) -> CoreResult<Option<EntryKind>> {
    kind.map(|k| EntryKind::parse(&k)).transpose()
}

fn audience_arg(kind: &str) -> CoreResult<AudienceKind> {
    serde_json::from_value(serde_json::Value::String(kind.to_string())).map_err(|_| {
        Error::invalid(
            "kind",
            "an audience is lobby, server, room, party or player",
        )
    })
}

/// A client's hold on its backend. `close` lets go of it and stops the client's event
/// subscriptions and streams; every later call is `UNAVAILABLE`. The database itself
/// closes when the last handle on it is gone (a client made by `to_async`/`to_sync`, an
/// event stream or a call still in flight keeps it open until then).
struct Handle {
    gh: RwLock<Option<Guildhall>>,
    stops: Mutex<Vec<Arc<AtomicBool>>>,
}

impl Handle {
    fn new(gh: Guildhall) -> Self {
        Handle {
            gh: RwLock::new(Some(gh)),
            stops: Mutex::new(Vec::new()),
        }
    }

    /// The backend, or `UNAVAILABLE` once closed.
    fn get(&self) -> CoreResult<Guildhall> {
        self.gh
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| Error::unavailable("this guildhall client is closed"))
    }

    fn is_closed(&self) -> bool {
        self.gh.read().unwrap_or_else(|p| p.into_inner()).is_none()
    }

    /// A stop flag set when the client closes (for a subscription or a stream).
    fn stop_flag(&self) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        let mut stops = self.stops.lock().unwrap_or_else(|p| p.into_inner());
        stops.retain(|f| Arc::strong_count(f) > 1);
        stops.push(flag.clone());
        flag
    }

    fn close(&self) {
        self.gh.write().unwrap_or_else(|p| p.into_inner()).take();
        for flag in self
            .stops
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            flag.store(true, Ordering::Release);
        }
    }

    fn repr(&self, class: &str) -> String {
        match self.get() {
            Ok(gh) => format!(
                "{class}(currencies={:?})",
                gh.config()
                    .currencies
                    .iter()
                    .map(|c| c.code.as_str())
                    .collect::<Vec<_>>()
            ),
            Err(_) => format!("{class}(closed)"),
        }
    }
}

/// The blocking client: every call returns when the change is committed (or refused).
/// Share one per process; it is safe to call from many threads. `close()` (or leaving a
/// `with` block) ends it.
#[pyclass(module = "guildhall", frozen)]
pub struct Client {
    handle: Handle,
}

/// The asyncio client: every call returns an awaitable. Share one per process.
/// `await aclose()` (or leaving an `async with` block) ends it.
#[pyclass(module = "guildhall", frozen)]
pub struct AsyncClient {
    handle: Handle,
}

/// Generates every operation on both clients from one definition: the blocking method
/// runs the body with the GIL released; the async one returns an awaitable of it. The
/// `client { }` and `async_client { }` blocks hold the methods only one of them has.
macro_rules! api {
    (
        client { $($client_extra:tt)* }
        async_client { $($async_extra:tt)* }
        $(
            $(#[$meta:meta])*
            fn $name:ident ( $($arg:ident : $ty:ty),* ) $sig:tt |$gh:ident| $body:block
        )*
    ) => {
        #[pymethods]
        impl Client {
            $($client_extra)*
            $(
                $(#[$meta])*
                #[pyo3(signature = $sig)]
                #[allow(clippy::too_many_arguments, unused_braces)]
                fn $name(&self, py: Python<'_>, $($arg: $ty),*) -> PyResult<Py<PyAny>> {
                    let $gh = self.handle.get().map_err(|e| to_py_err(py, e))?;
                    call(py, async move { let $gh = &$gh; $body })
                }
            )*
        }

        #[pymethods]
        impl AsyncClient {
            $($async_extra)*
            $(
                $(#[$meta])*
                #[pyo3(signature = $sig)]
                #[allow(clippy::too_many_arguments, unused_braces)]
                fn $name<'py>(&self, py: Python<'py>, $($arg: $ty),*) -> PyResult<Bound<'py, PyAny>> {
                    let $gh = match self.handle.get() {
                        Ok(gh) => gh,
                        Err(e) => return spawn(py, true, async move { CoreResult::<()>::Err(e) }),
                    };
                    const INLINE: bool = is_read(stringify!($name));
                    spawn(py, INLINE, async move { let $gh = &$gh; $body })
                }
            )*
        }

        /// Every operation both clients have, in definition order.
        pub const OPERATIONS: &[&str] = &[$(stringify!($name)),*];
    };
}

api! {
client {
    /// Opens a backend: `database` is a URL (`sqlite:game.db` relative to the working
    /// directory, `sqlite:////srv/game.db` absolute, `postgres://...`, `memory://`;
    /// default `GUILDHALL_DATABASE_URL`, else the config's `database`, else refused:
    /// no file is created unasked; the ambiguous `sqlite:///x` is refused unless only
    /// one reading can be meant); `config` is the host's config file (its path) or its
    /// TOML shape as a dict (every section; the host-only ones are checked and ignored);
    /// `redis` an optional Redis URL (default `GUILDHALL_REDIS_URL`, else the config's).
    /// The database is created and migrated; the config's catalog is inserted or
    /// updated. `cache=True` keeps wallets and inventories in an in-process read cache:
    /// only for a process that is the database's only writer (no bot, site or host
    /// writing the same database); refused with Redis, whose cache is shared.
    #[staticmethod]
    #[pyo3(signature = (database = None, config = None, *, redis = None, cache = false))]
    fn open(
        py: Python<'_>,
        database: Option<String>,
        config: Option<&Bound<'_, PyAny>>,
        redis: Option<String>,
        cache: bool,
    ) -> PyResult<Client> {
        let config = config_arg(config).map_err(|e| to_py_err(py, e))?;
        let gh = py
            .detach(|| crate::runtime().block_on(open_backend(database, redis, cache, config)))
            .map_err(|e| to_py_err(py, e))?;
        Ok(Client {
            handle: Handle::new(gh),
        })
    }

    /// An `AsyncClient` over the same backend (shares its connections and caches; each
    /// closes on its own).
    fn to_async(&self, py: Python<'_>) -> PyResult<AsyncClient> {
        let gh = self.handle.get().map_err(|e| to_py_err(py, e))?;
        Ok(AsyncClient {
            handle: Handle::new(gh),
        })
    }

    /// Ends this client: its subscriptions stop and every later call raises
    /// `guildhall.Unavailable`. Calls already running finish. Closing twice is a no-op.
    fn close(&self) {
        self.handle.close();
    }

    /// True once `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.handle.is_closed()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Leaving a `with` block closes the client (exceptions propagate).
    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.handle.close();
        false
    }

    /// Calls `callback(event)` on a background thread for every live event (optionally
    /// only those concerning `player`, of the given `topics` — `party:<id>`,
    /// `room:<id>`, `chat:<channel>`, `global`, ... as on the host's WebSocket; with
    /// `player` too, only the topics' events that list the player or no one — or of the
    /// given `kinds`) until the returned subscription is closed. An exception in the
    /// callback is reported and skipped. Errors: `InvalidArgument` (a bad topic).
    #[pyo3(signature = (callback, *, player = None, kinds = None, topics = None))]
    fn subscribe(
        &self,
        py: Python<'_>,
        callback: Py<PyAny>,
        player: Option<String>,
        kinds: Option<Vec<String>>,
        topics: Option<Vec<String>>,
    ) -> PyResult<Subscription> {
        let filter = filter_of(player, topics, kinds).map_err(|e| to_py_err(py, e))?;
        let mut rx = self.handle.get().map_err(|e| to_py_err(py, e))?.subscribe();
        let closed = self.handle.stop_flag();
        let stop = closed.clone();
        std::thread::Builder::new()
            .name("guildhall-events".into())
            .spawn(move || {
                let rt = crate::runtime();
                while !stop.load(Ordering::Acquire) {
                    let next = rt.block_on(async {
                        tokio::time::timeout(std::time::Duration::from_millis(200), rx.recv())
                            .await
                    });
                    let event = match next {
                        Err(_) => continue,
                        Ok(Err(RecvError::Lagged(_))) => continue,
                        Ok(Err(RecvError::Closed)) => break,
                        Ok(Ok(e)) => e,
                    };
                    if stop.load(Ordering::Acquire) || !filter.accepts(&event) {
                        continue;
                    }
                    // The interpreter is exiting: no callback any more.
                    let called = attach_unless_exiting(|py| {
                        let r = Arc::unwrap_or_clone(event)
                            .to_py(py)
                            .and_then(|e| callback.call1(py, (e,)));
                        if let Err(err) = r {
                            err.write_unraisable(py, Some(callback.bind(py)));
                        }
                    });
                    if called.is_none() {
                        break;
                    }
                }
            })
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        Ok(Subscription { closed })
    }

    fn __repr__(&self) -> String {
        self.handle.repr("Client")
    }
}

async_client {
    /// Opens a backend like `Client.open`; returns an awaitable of an `AsyncClient`, which
    /// is also an async context manager: `async with AsyncClient.open(...) as gh:` closes
    /// the client on the way out.
    #[staticmethod]
    #[pyo3(signature = (database = None, config = None, *, redis = None, cache = false))]
    fn open<'py>(
        py: Python<'py>,
        database: Option<String>,
        config: Option<&Bound<'py, PyAny>>,
        redis: Option<String>,
        cache: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let config = config_arg(config).map_err(|e| to_py_err(py, e))?;
        let opening = into_awaitable(py, async move {
            let gh = open_backend(database, redis, cache, config).await?;
            Ok::<_, Failure>(AsyncClient {
                handle: Handle::new(gh),
            })
        })?;
        Ok(Bound::new(
            py,
            AsyncOpen {
                opening: opening.unbind(),
            },
        )?
        .into_any())
    }

    /// A blocking `Client` over the same backend (each closes on its own).
    fn to_sync(&self, py: Python<'_>) -> PyResult<Client> {
        let gh = self.handle.get().map_err(|e| to_py_err(py, e))?;
        Ok(Client {
            handle: Handle::new(gh),
        })
    }

    /// Ends this client (an awaitable): its event streams end and every later call
    /// raises `guildhall.Unavailable`. Calls already running finish. Closing twice is a
    /// no-op.
    fn aclose<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.handle.close();
        spawn(py, true, async { CoreResult::Ok(()) })
    }

    /// True once `aclose()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.handle.is_closed()
    }

    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let me = slf.into_any().unbind();
        spawn(py, true, async move { CoreResult::Ok(ClientRef(me)) })
    }

    /// Leaving an `async with` block closes the client (exceptions propagate).
    #[pyo3(signature = (*_args))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _args: &Bound<'py, pyo3::types::PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.handle.close();
        spawn(py, true, async { CoreResult::Ok(false) })
    }

    /// Live events as an async iterator: `async for event in client.events(): ...`.
    /// With `after` (an event's `seq`), the outbox after it is replayed first, so a
    /// consumer resumes where it stopped; a consumer that falls behind the live feed
    /// catches up from the outbox. Optionally only events concerning `player`, of the
    /// given `topics` (as `Client.subscribe`: a topic stream resumes by the same rule),
    /// or of the given `kinds`. Errors: `InvalidArgument` (a bad topic).
    #[pyo3(signature = (*, after = None, player = None, kinds = None, topics = None))]
    fn events(
        &self,
        py: Python<'_>,
        after: Option<i64>,
        player: Option<String>,
        kinds: Option<Vec<String>>,
        topics: Option<Vec<String>>,
    ) -> PyResult<EventStream> {
        let filter = filter_of(player, topics, kinds).map_err(|e| to_py_err(py, e))?;
        let gh = self.handle.get().map_err(|e| to_py_err(py, e))?;
        let _guard = crate::runtime().enter();
        let rx = gh.subscribe();
        Ok(EventStream {
            state: Arc::new(tokio::sync::Mutex::new(StreamState {
                gh,
                stop: self.handle.stop_flag(),
                rx,
                floor: after,
                seen: std::collections::BTreeSet::new(),
                replay: after,
                backlog: VecDeque::new(),
                closed: false,
                filter,
            })),
        })
    }

    fn __repr__(&self) -> String {
        self.handle.repr("AsyncClient")
    }
}

    // ----- Economy -----

    /// Credits a player from a system source (`source` names `system:<source>`, default
    /// `rewards`). Returns a `BalanceChange`.
    fn grant(player: String, currency: String, amount: i64, source: Option<String>, reason: Option<String>, metadata: Option<Json>, idempotency_key: Option<String>)
        (player, currency, amount, *, source = None, reason = None, metadata = None, idempotency_key = None)
        |gh| {
            gh.grant(GrantRequest { player: pid(&player)?, currency, amount, source, reason, metadata: metadata.unwrap_or_default().0, idempotency_key }).await
        }

    /// Debits a player to a system sink (default `sink`). Returns a `BalanceChange`.
    fn spend(player: String, currency: String, amount: i64, sink: Option<String>, reason: Option<String>, metadata: Option<Json>, idempotency_key: Option<String>)
        (player, currency, amount, *, sink = None, reason = None, metadata = None, idempotency_key = None)
        |gh| {
            gh.spend(SpendRequest { player: pid(&player)?, currency, amount, sink, reason, metadata: metadata.unwrap_or_default().0, idempotency_key }).await
        }

    /// Moves currency from one player to another in one commit. Returns a `Transfer`.
    fn transfer(from_player: String, to_player: String, currency: String, amount: i64, reason: Option<String>, metadata: Option<Json>, idempotency_key: Option<String>)
        (from_player, to_player, currency, amount, *, reason = None, metadata = None, idempotency_key = None)
        |gh| {
            gh.transfer(TransferRequest { from: pid(&from_player)?, to: pid(&to_player)?, currency, amount, reason, metadata: metadata.unwrap_or_default().0, idempotency_key }).await
        }

    /// A player's `Wallet`: every configured currency, zero when never touched.
    fn wallet(player: String) (player) |gh| { gh.wallet(&pid(&player)?).await }

    /// One balance of a player, smallest units.
    fn balance(player: String, currency: String) (player, currency) |gh| {
        gh.balance(&pid(&player)?, &currency).await
    }

    /// A player's ledger entries, newest first, a `HistoryPage` at a time; `kind` is
    /// `grant`, `spend`, `transfer` or `purchase`.
    fn history(player: String, currency: Option<String>, kind: Option<String>, cursor: Option<String>, limit: Option<u32>)
        (player, *, currency = None, kind = None, cursor = None, limit = None)
        |gh| {
            let filter = HistoryFilter { currency, kind: kind_arg(kind)?, cursor, limit };
            gh.history(&pid(&player)?, filter).await
        }

    /// Recomputes every balance from the ledger: a `LedgerReport` (true when all match).
    fn verify_ledger() () |gh| { gh.verify_ledger().await }

    // ----- Catalog and inventory -----

    /// Buys `quantity` units of a catalog item: debit and item grant in one commit.
    /// Returns a `Purchase`.
    fn purchase(player: String, item_id: String, quantity: i64, metadata: Option<Json>, idempotency_key: Option<String>)
        (player, item_id, quantity = 1, *, metadata = None, idempotency_key = None)
        |gh| {
            gh.purchase(PurchaseRequest { player: pid(&player)?, item_id, quantity, metadata: metadata.unwrap_or_default().0, idempotency_key }).await
        }

    /// Uses up `quantity` units of a consumable. Returns an `ItemChange`.
    fn use_item(player: String, item_id: String, quantity: i64, idempotency_key: Option<String>)
        (player, item_id, quantity = 1, *, idempotency_key = None)
        |gh| {
            gh.use_item(UseItemRequest { player: pid(&player)?, item_id, quantity, idempotency_key }).await
        }

    /// Gives items without payment. Returns an `ItemChange`.
    fn grant_item(player: String, item_id: String, quantity: i64, reason: Option<String>, idempotency_key: Option<String>)
        (player, item_id, quantity = 1, *, reason = None, idempotency_key = None)
        |gh| {
            gh.grant_item(GrantItemRequest { player: pid(&player)?, item_id, quantity, reason, idempotency_key }).await
        }

    /// A player's inventory: a list of `InventoryEntry`, by item id.
    fn inventory(player: String) (player) |gh| { gh.inventory(&pid(&player)?).await }

    /// Inserts or replaces a catalog item given as a dict of the `[[catalog]]` shape
    /// (`id`, `name`, `kind`, optional `price`, `max_stack`, `active`, `metadata`).
    fn upsert_catalog_item(item: Arg<CatalogItem>) (item) |gh| { gh.upsert_catalog_item(item.0).await }

    /// Activates or deactivates a catalog item (inactive: not for sale).
    fn set_catalog_item_active(item_id: String, active: bool) (item_id, active) |gh| {
        gh.set_catalog_item_active(&item_id, active).await
    }

    /// One `CatalogItem`.
    fn catalog_item(item_id: String) (item_id) |gh| { gh.catalog_item(&item_id).await }

    /// The whole catalog, by id.
    fn catalog() () |gh| { gh.catalog().await }

    /// Top `limit` (1-100, default 10) items by units bought in `[since, until)`
    /// (default: the last 24 hours on the core's clock).
    fn popular_items(limit: Option<u32>, since: Option<Instant>, until: Option<Instant>)
        (limit = None, *, since = None, until = None)
        |gh| {
            let query = guildhall_core::PopularItemsQuery {
                from: since.map(|i| i.0),
                to: until.map(|i| i.0),
                limit,
            };
            gh.popular_items(&query).await
        }

    /// Purchase revenue per currency per day (`date`s in the reset time zone, inclusive;
    /// default: the 30 days ending today).
    fn revenue_per_day(from_day: Option<NaiveDate>, to_day: Option<NaiveDate>)
        (from_day = None, to_day = None)
        |gh| {
            let query = guildhall_core::RevenueQuery { from: from_day, to: to_day };
            gh.revenue_per_day(&query).await
        }

    // ----- Mail -----

    /// Sends one mail. `sender` is `"system"` (default), `"admin:<name>"` or
    /// `"player:<id>"`; `attachments` (system and admin only) is
    /// `{"currencies": [{"currency", "amount"}], "items": [{"item_id", "quantity"}]}`.
    /// Returns a `SendMailResult`.
    #[pyo3(text_signature = "($self, to, subject, body='', *, sender=None, attachments=None, expires_in_secs=None, idempotency_key=None)")]
    fn send_mail(to: String, subject: String, body: String, sender: Option<SenderArg>, attachments: Option<Arg<Attachments>>, expires_in_secs: Option<i64>, idempotency_key: Option<String>)
        (to, subject, body = String::new(), *, sender = None, attachments = None, expires_in_secs = None, idempotency_key = None)
        |gh| {
            let from = sender.map_or_else(Sender::system, |s| s.0);
            gh.send_mail(SendMailRequest {
                from, to: pid(&to)?, subject, body,
                attachments: attachments.map(|a| a.0).unwrap_or_default(),
                expires_in_secs, idempotency_key,
            }).await
        }

    /// Sends one mail to every player who exists now (or to `recipients`), stored once.
    /// Returns a `Broadcast`; repeating `idempotency_key` with the same request returns the
    /// stored one with `replayed` true and stores nothing.
    #[pyo3(text_signature = "($self, subject, body='', *, sender=None, attachments=None, expires_in_secs=None, recipients=None, idempotency_key=None)")]
    fn broadcast_mail(subject: String, body: String, sender: Option<SenderArg>, attachments: Option<Arg<Attachments>>, expires_in_secs: Option<i64>, recipients: Option<Vec<String>>, idempotency_key: Option<String>)
        (subject, body = String::new(), *, sender = None, attachments = None, expires_in_secs = None, recipients = None, idempotency_key = None)
        |gh| {
            let recipients = recipients.map(|r| r.iter().map(|p| pid(p)).collect::<CoreResult<Vec<_>>>()).transpose()?;
            gh.broadcast_mail(BroadcastRequest {
                from: sender.map_or_else(Sender::system, |s| s.0),
                subject, body, attachments: attachments.map(|a| a.0).unwrap_or_default(),
                expires_in_secs, recipients, idempotency_key,
            }).await
        }

    /// A player's mailbox listing: a list of `Mail`, newest first.
    fn mailbox(player: String) (player) |gh| { gh.mailbox(&pid(&player)?).await }

    /// Opens a mail (marks it read). Returns the `Mail`.
    fn open_mail(player: String, mail_id: String) (player, mail_id) |gh| {
        gh.open_mail(&pid(&player)?, &mail_id).await
    }

    /// Claims a read mail's attachments, exactly once. Returns a `ClaimResult`.
    fn claim_mail(player: String, mail_id: String, idempotency_key: Option<String>)
        (player, mail_id, *, idempotency_key = None)
        |gh| { gh.claim_mail(&pid(&player)?, &mail_id, idempotency_key).await }

    /// Deletes a read mail whose attachments are claimed.
    fn delete_mail(player: String, mail_id: String) (player, mail_id) |gh| {
        gh.delete_mail(&pid(&player)?, &mail_id).await
    }

    // ----- Announcements -----

    /// Inserts or replaces a template (`{name}` placeholders; `{{`/`}}` literal braces).
    fn put_template(template_id: String, body: String) (template_id, body) |gh| {
        gh.put_template(Template { id: template_id, body }).await
    }

    /// One `Template`.
    fn template(template_id: String) (template_id) |gh| { gh.template(&template_id).await }

    /// Every template, by id.
    fn templates() () |gh| { gh.templates().await }

    /// Inserts or replaces a trigger given as a dict: `id`, `event`, `template_id`,
    /// `variables`, `audience`, optional `target`, `kind`, `starts_at`, `ends_at`
    /// (RFC 3339 strings), `cap` (`{"every": "per_day", "times": 1}`), `priority`.
    fn put_trigger(trigger: Arg<Trigger>) (trigger) |gh| { gh.put_trigger(trigger.0).await }

    /// One `Trigger`.
    fn trigger(trigger_id: String) (trigger_id) |gh| { gh.trigger(&trigger_id).await }

    /// Every trigger, by id.
    fn triggers() () |gh| { gh.triggers().await }

    /// Cancels a trigger: it never fires again.
    fn cancel_trigger(trigger_id: String) (trigger_id) |gh| { gh.cancel_trigger(&trigger_id).await }

    /// Renders a template with variables without storing anything.
    fn preview(template_id: String, variables: Option<Json>) (template_id, variables = None) |gh| {
        gh.preview(&template_id, &variables.unwrap_or_default().into_map("variables")?).await
    }

    /// Fires an event for a player: the `Message`s to show, highest priority first.
    /// The location (`lobby`, `server`, `room`, `party`) defaults to the player's session's.
    fn fire(player: String, event: String, location: Option<Arg<Location>>, variables: Option<Json>)
        (player, event, *, location = None, variables = None)
        |gh| {
            gh.fire(FireRequest { player: pid(&player)?, event, location: location.map(|l| l.0), variables: variables.unwrap_or_default().into_map("variables")? }).await
        }

    /// Pushes live `online` triggers of one audience kind (`lobby`, `room`, ...) to the
    /// connected players; returns how many messages went out.
    fn push_scheduled_audience(kind: String) (kind) |gh| {
        gh.push_scheduled_audience(audience_arg(&kind)?).await
    }

    /// Sends every scheduled trigger whose `send_at` has come; returns their ids.
    fn send_due_triggers() () |gh| { gh.send_due_triggers().await }

    // ----- Presence -----

    /// Starts (or restarts) a player's session at a location. Returns the `Session`, its
    /// `room` the room the player is in (`enter_room`), whatever `room` says.
    fn login(player: String, lobby: Option<String>, server: Option<String>, room: Option<String>, party: Option<String>)
        (player, *, lobby = None, server = None, room = None, party = None)
        |gh| { gh.login(&pid(&player)?, location(lobby, server, room, party)).await }

    /// Keeps a session alive; with any location given, moves it there (its `room` stays
    /// the room the player is in).
    fn heartbeat(player: String, lobby: Option<String>, server: Option<String>, room: Option<String>, party: Option<String>)
        (player, *, lobby = None, server = None, room = None, party = None)
        |gh| {
            let loc = location(lobby, server, room, party);
            let moved = (loc != Location::default()).then_some(loc);
            gh.heartbeat(&pid(&player)?, moved).await
        }

    /// Ends a session; returns whether one was live.
    fn logout(player: String) (player) |gh| { gh.logout(&pid(&player)?).await }

    /// A player's live `Session`, or `None`.
    fn session(player: String) (player) |gh| { gh.session(&pid(&player)?).await }

    /// Every live session, by player.
    fn online() () |gh| { gh.online().await }

    // ----- Parties -----

    /// Creates a party led by `player` (`open`: joinable without an invite).
    fn create_party(player: String, open: bool) (player, *, open = false) |gh| {
        gh.create_party(&pid(&player)?, open).await
    }

    /// The leader invites a player. Returns the `Invite`.
    fn invite_to_party(leader: String, invitee: String) (leader, invitee) |gh| {
        gh.invite_to_party(&pid(&leader)?, &pid(&invitee)?).await
    }

    /// Accepts an invite. Returns the `Party`.
    fn accept_invite(player: String, party_id: String) (player, party_id) |gh| {
        gh.accept_invite(&pid(&player)?, &party_id).await
    }

    /// Declines an invite.
    fn decline_invite(player: String, party_id: String) (player, party_id) |gh| {
        gh.decline_invite(&pid(&player)?, &party_id).await
    }

    /// Joins an open party. Returns the `Party`.
    fn join_party(player: String, party_id: String) (player, party_id) |gh| {
        gh.join_party(&pid(&player)?, &party_id).await
    }

    /// Leaves the party; returns it as left, or `None` when it is gone.
    fn leave_party(player: String) (player) |gh| { gh.leave_party(&pid(&player)?).await }

    /// The leader removes a member. Returns the `Party`.
    fn kick_from_party(leader: String, target: String) (leader, target) |gh| {
        gh.kick_from_party(&pid(&leader)?, &pid(&target)?).await
    }

    /// The leader hands leadership to a member. Returns the `Party`.
    fn promote_in_party(leader: String, target: String) (leader, target) |gh| {
        gh.promote_in_party(&pid(&leader)?, &pid(&target)?).await
    }

    /// The leader disbands the party.
    fn disband_party(leader: String) (leader) |gh| { gh.disband_party(&pid(&leader)?).await }

    /// The player's `Party`, or `None`.
    fn party_of(player: String) (player) |gh| { gh.party_of(&pid(&player)?).await }

    /// One `Party` by id.
    fn party(party_id: String) (party_id) |gh| { gh.party(&party_id).await }

    // ----- Friends -----

    /// Sends a friend request; to a player who already asked, accepts theirs
    /// (`friends` true). Returns a `Friendship`.
    fn send_friend_request(from_player: String, to_player: String, idempotency_key: Option<String>)
        (from_player, to_player, *, idempotency_key = None)
        |gh| {
            gh.send_friend_request(SendFriendRequest { from: pid(&from_player)?, to: pid(&to_player)?, idempotency_key }).await
        }

    /// Accepts `other`'s pending request. Returns a `Friendship`.
    fn accept_friend_request(player: String, other: String, idempotency_key: Option<String>)
        (player, other, *, idempotency_key = None)
        |gh| {
            gh.accept_friend_request(FriendActionRequest { player: pid(&player)?, other: pid(&other)?, idempotency_key }).await
        }

    /// Declines `other`'s pending request, or cancels the player's own request to
    /// `other`. Returns a `Friendship`.
    fn decline_friend_request(player: String, other: String, idempotency_key: Option<String>)
        (player, other, *, idempotency_key = None)
        |gh| {
            gh.decline_friend_request(FriendActionRequest { player: pid(&player)?, other: pid(&other)?, idempotency_key }).await
        }

    /// Ends a friendship. Returns a `Friendship`.
    fn remove_friend(player: String, other: String, idempotency_key: Option<String>)
        (player, other, *, idempotency_key = None)
        |gh| {
            gh.remove_friend(FriendActionRequest { player: pid(&player)?, other: pid(&other)?, idempotency_key }).await
        }

    /// Blocks a player (any friendship and request between the two end). Returns a
    /// `BlockResult`.
    fn block_player(blocker: String, blocked: String, idempotency_key: Option<String>)
        (blocker, blocked, *, idempotency_key = None)
        |gh| {
            gh.block_player(BlockRequest { blocker: pid(&blocker)?, blocked: pid(&blocked)?, idempotency_key }).await
        }

    /// Lifts a block. Returns a `BlockResult`.
    fn unblock_player(blocker: String, blocked: String, idempotency_key: Option<String>)
        (blocker, blocked, *, idempotency_key = None)
        |gh| {
            gh.unblock_player(BlockRequest { blocker: pid(&blocker)?, blocked: pid(&blocked)?, idempotency_key }).await
        }

    /// The player's friends (`Friend` records with presence), in the order added.
    fn friends(player: String) (player) |gh| { gh.friends(&pid(&player)?).await }

    /// The player's pending requests (`FriendRequests`: incoming, outgoing).
    fn friend_requests(player: String) (player) |gh| { gh.friend_requests(&pid(&player)?).await }

    /// The players the player has blocked, in the order blocked.
    fn blocked(player: String) (player) |gh| {
        gh.blocked(&pid(&player)?).await.map(|v| v.into_iter().map(|p| p.to_string()).collect::<Vec<String>>())
    }

    // ----- Groups -----

    /// Creates a group owned by `owner`: name unique without regard to case
    /// (`NameTaken`), `open` (default closed), `max_members` (default 100), `kind`
    /// (default `guild`; past the per-player limits: `LimitReached`). Returns the `Group`.
    fn create_group(owner: String, name: String, description: Option<String>, open: bool, max_members: Option<u32>, kind: Option<String>, metadata: Option<Json>)
        (owner, name, *, description = None, open = false, max_members = None, kind = None, metadata = None)
        |gh| {
            gh.create_group(CreateGroupRequest { owner: pid(&owner)?, name, description: description.unwrap_or_default(), open, max_members, kind, metadata: metadata.unwrap_or_default().0 }).await
        }

    /// One `Group` by id.
    fn group(group_id: String) (group_id) |gh| { gh.group(&group_id).await }

    /// The `Group` with this name, without regard to case.
    fn group_by_name(name: String) (name) |gh| { gh.group_by_name(&name).await }

    /// The groups a player is in: a list of `Group`, in the order they joined.
    fn groups_of(player: String) (player) |gh| { gh.groups_of(&pid(&player)?).await }

    /// Groups whose name starts with `prefix`, by name: a `GroupPage`.
    fn find_groups(prefix: Option<String>, cursor: Option<String>, limit: Option<u32>)
        (*, prefix = None, cursor = None, limit = None)
        |gh| { gh.find_groups(GroupQuery { prefix, cursor, limit }).await }

    /// Joins an open group (or a closed one that invited the player). Returns the `Group`.
    fn join_group(player: String, group_id: String) (player, group_id) |gh| {
        gh.join_group(&pid(&player)?, &group_id).await
    }

    /// Asks to join a closed group. Returns the `Group`.
    fn request_to_join_group(player: String, group_id: String) (player, group_id) |gh| {
        gh.request_to_join_group(&pid(&player)?, &group_id).await
    }

    /// An owner or officer invites a player. Returns the `GroupInvite`.
    fn invite_to_group(actor: String, group_id: String, invitee: String) (actor, group_id, invitee) |gh| {
        gh.invite_to_group(&pid(&actor)?, &group_id, &pid(&invitee)?).await
    }

    /// The invitee accepts. Returns the `Group`.
    fn accept_group_invite(player: String, group_id: String) (player, group_id) |gh| {
        gh.accept_group_invite(&pid(&player)?, &group_id).await
    }

    /// The invitee declines. Returns the `Group`.
    fn decline_group_invite(player: String, group_id: String) (player, group_id) |gh| {
        gh.decline_group_invite(&pid(&player)?, &group_id).await
    }

    /// An owner or officer accepts a request to join. Returns the `Group`.
    fn accept_join_request(actor: String, group_id: String, player: String) (actor, group_id, player) |gh| {
        gh.accept_join_request(&pid(&actor)?, &group_id, &pid(&player)?).await
    }

    /// An owner or officer declines a request to join. Returns the `Group`.
    fn decline_join_request(actor: String, group_id: String, player: String) (actor, group_id, player) |gh| {
        gh.decline_join_request(&pid(&actor)?, &group_id, &pid(&player)?).await
    }

    /// An owner or officer removes a member below their role. Returns the `Group`.
    fn kick_from_group(actor: String, group_id: String, target: String) (actor, group_id, target) |gh| {
        gh.kick_from_group(&pid(&actor)?, &group_id, &pid(&target)?).await
    }

    /// The owner makes a member an officer. Returns the `Group`.
    fn promote_in_group(actor: String, group_id: String, target: String) (actor, group_id, target) |gh| {
        gh.promote_in_group(&pid(&actor)?, &group_id, &pid(&target)?).await
    }

    /// The owner makes an officer a member. Returns the `Group`.
    fn demote_in_group(actor: String, group_id: String, target: String) (actor, group_id, target) |gh| {
        gh.demote_in_group(&pid(&actor)?, &group_id, &pid(&target)?).await
    }

    /// The owner hands ownership to a member. Returns the `Group`.
    fn transfer_group_ownership(actor: String, group_id: String, target: String) (actor, group_id, target) |gh| {
        gh.transfer_group_ownership(&pid(&actor)?, &group_id, &pid(&target)?).await
    }

    /// Leaves a group: a `GroupLeaveResult` (its `group` is `None` when the last member left).
    fn leave_group(player: String, group_id: String) (player, group_id) |gh| {
        gh.leave_group(&pid(&player)?, &group_id).await
    }

    /// The owner disbands the group (its bank paid out to the owner).
    fn disband_group(actor: String, group_id: String) (actor, group_id) |gh| {
        gh.disband_group(&pid(&actor)?, &group_id).await
    }

    /// A member deposits into the group's bank. Returns a `GroupBankResult`.
    fn group_deposit(player: String, group_id: String, currency: String, amount: i64, reason: Option<String>, idempotency_key: Option<String>)
        (player, group_id, currency, amount, *, reason = None, idempotency_key = None)
        |gh| {
            gh.group_deposit(GroupBankRequest { player: pid(&player)?, group_id, currency, amount, reason, idempotency_key }).await
        }

    /// An officer or the owner withdraws from the group's bank. Returns a `GroupBankResult`.
    fn group_withdraw(player: String, group_id: String, currency: String, amount: i64, reason: Option<String>, idempotency_key: Option<String>)
        (player, group_id, currency, amount, *, reason = None, idempotency_key = None)
        |gh| {
            gh.group_withdraw(GroupBankRequest { player: pid(&player)?, group_id, currency, amount, reason, idempotency_key }).await
        }

    /// A group's bank: a `GroupBank` (a balance per configured currency).
    fn group_bank(group_id: String) (group_id) |gh| { gh.group_bank(&group_id).await }

    /// Operator: removes a member whatever their role. Returns a `GroupLeaveResult`.
    fn admin_remove_group_member(group_id: String, player: String) (group_id, player) |gh| {
        gh.admin_remove_group_member(&group_id, &pid(&player)?).await
    }

    /// Operator: disbands a group.
    fn admin_disband_group(group_id: String) (group_id) |gh| { gh.admin_disband_group(&group_id).await }

    // ----- Achievements and quests -----

    /// Operator: puts (inserts or replaces) an achievement or quest definition, a dict of
    /// the `Achievement` shape. Returns the `Achievement`. Raises `InvalidArgument`,
    /// `NotFound` (a prerequisite or reward item), `LimitReached`.
    fn put_achievement(definition: Arg<guildhall_core::achievements::Achievement>) (definition) |gh| {
        gh.put_achievement(definition.0).await
    }

    /// Operator: deletes a definition; returns it. Raises `NotFound`, `InvalidArgument`
    /// (another definition needs it).
    fn delete_achievement(achievement_id: String) (achievement_id) |gh| {
        gh.delete_achievement(&achievement_id).await
    }

    /// One `Achievement` definition.
    fn achievement(achievement_id: String) (achievement_id) |gh| { gh.achievement(&achievement_id).await }

    /// Every `Achievement` definition, by id.
    fn achievements() () |gh| { gh.achievements().await }

    /// A player's `AchievementStatus` on every definition, by id.
    fn player_achievements(player: String) (player) |gh| { gh.player_achievements(&pid(&player)?).await }

    /// A player's `AchievementStatus` on one definition.
    fn achievement_status(player: String, achievement_id: String) (player, achievement_id) |gh| {
        gh.achievement_status(&pid(&player)?, &achievement_id).await
    }

    /// Explicit progress (stops at the goal). Returns a `ProgressResult`. Raises
    /// `NotFound`, `InvalidArgument`, `NotCompleted` (a prerequisite).
    fn progress_achievement(player: String, achievement_id: String, amount: i64, idempotency_key: Option<String>)
        (player, achievement_id, amount = 1, *, idempotency_key = None)
        |gh| {
            gh.progress_achievement(guildhall_core::achievements::ProgressRequest {
                player: pid(&player)?, achievement_id, amount, idempotency_key,
            }).await
        }

    /// Claims a completed achievement's reward, once (per period for a resetting quest).
    /// Returns an `AchievementClaimResult`. Raises `NotCompleted`, `AlreadyClaimed`,
    /// `BalanceLimit`, `StackLimit`, `NotFound`.
    fn claim_achievement(player: String, achievement_id: String, idempotency_key: Option<String>)
        (player, achievement_id, *, idempotency_key = None)
        |gh| {
            gh.claim_achievement(guildhall_core::achievements::ClaimAchievementRequest {
                player: pid(&player)?, achievement_id, idempotency_key,
            }).await
        }

    // ----- Chat -----

    /// Posts a message to a channel (`global`, `room:<id>`, `party:<id>`, `group:<id>`,
    /// `direct:<a>:<b>`), stored and sent to its members as a `chat_message` event.
    /// Returns the `ChatMessage` (body masked). Raises `Muted`, `NotChannelMember`,
    /// `Blocked`, `RateLimited`, `InvalidArgument`.
    fn post_message(player: String, channel: String, body: String, metadata: Option<Json>, idempotency_key: Option<String>)
        (player, channel, body, *, metadata = None, idempotency_key = None)
        |gh| {
            gh.post_message(guildhall_core::chat::PostMessageRequest {
                player: pid(&player)?, channel, body, metadata: metadata.map(|m| m.0), idempotency_key,
            }).await
        }

    /// A `ChatPage` of a channel's history, newest first. `player`: the reader, who must
    /// be a member (`None`: an operator reading any channel); `before`: a page's
    /// `next_cursor`; `limit` 1-200 (default 50).
    fn channel_history(channel: String, player: Option<String>, before: Option<String>, limit: Option<u32>)
        (channel, *, player = None, before = None, limit = None)
        |gh| {
            let reader = player.as_deref().map(pid).transpose()?;
            gh.channel_history(reader.as_ref(), &channel, before.as_deref(), limit).await
        }

    /// Mutes a player on every channel until `until` (an aware datetime). Returns the `ChatMute`.
    fn mute_player(player: String, until: Instant, reason: Option<String>)
        (player, until, *, reason = None)
        |gh| {
            gh.mute_player(guildhall_core::chat::MuteRequest { player: pid(&player)?, until: until.0, reason: reason.unwrap_or_default() }).await
        }

    /// Lifts a player's mute; returns whether one was stored.
    fn unmute_player(player: String) (player) |gh| { gh.unmute_player(&pid(&player)?).await }

    // ----- Leaderboards and tournaments -----

    /// Defines or redefines a board: `sort` `"desc"`/`"asc"`, `operator`
    /// `"best"`/`"set"`/`"increment"`, `reset` (`"daily"`, `"weekly"`, `"monthly"` or cron),
    /// `rewards` a list of `{from_rank, to_rank, rewards: {currencies, items}}`,
    /// `tournament` `{start, end, entry_fee, max_entrants}` (RFC 3339 times). Returns the
    /// `Leaderboard`. Raises `InvalidArgument`.
    fn put_leaderboard(id: String, sort: Option<String>, operator: Option<String>, reset: Option<String>, partitioned: bool, rewards: Option<Json>, tournament: Option<Json>, metadata: Option<Json>)
        (id, *, sort = None, operator = None, reset = None, partitioned = false, rewards = None, tournament = None, metadata = None)
        |gh| {
            let mut req = serde_json::json!({ "id": id, "partitioned": partitioned });
            for (k, v) in [("sort", sort.map(serde_json::Value::from)), ("operator", operator.map(serde_json::Value::from)),
                           ("reset", reset.map(serde_json::Value::from)), ("rewards", rewards.map(|j| j.0)),
                           ("tournament", tournament.map(|j| j.0)), ("metadata", metadata.map(|j| j.0))] {
                if let Some(v) = v.filter(|v| !v.is_null()) {
                    req[k] = v;
                }
            }
            let req: guildhall_core::leaderboards::PutLeaderboardRequest = serde_json::from_value(req)
                .map_err(|e| Error::invalid("request", format!("not a board definition: {e}")))?;
            gh.put_leaderboard(req).await
        }

    /// One board's `Leaderboard` definition.
    fn leaderboard(board: String) (board) |gh| { gh.leaderboard(&board).await }

    /// Every board: a list of `Leaderboard`, by id.
    fn leaderboards() () |gh| { gh.leaderboards().await }

    /// Submits a score (the board's operator applied atomically). Returns a
    /// `SubmitScoreResult`. Raises `NotFound`, `TournamentClosed`, `InvalidArgument`.
    fn submit_score(board: String, player: String, score: i64, partition: Option<String>, idempotency_key: Option<String>)
        (board, player, score, *, partition = None, idempotency_key = None)
        |gh| {
            gh.submit_score(guildhall_core::leaderboards::SubmitScoreRequest { board, partition, player: pid(&player)?, score, idempotency_key }).await
        }

    /// A `StandingsPage`, best first (top N: the first page; `cursor`: a page's `next_cursor`).
    fn leaderboard_standings(board: String, partition: Option<String>, period: Option<String>, limit: Option<u32>, cursor: Option<String>)
        (board, *, partition = None, period = None, limit = None, cursor = None)
        |gh| {
            gh.leaderboard_standings(guildhall_core::leaderboards::StandingsQuery { board, partition, period, limit, cursor }).await
        }

    /// A player's `PlayerStanding`: rank and `neighbours` records above and below.
    fn leaderboard_standing(board: String, player: String, partition: Option<String>, period: Option<String>, neighbours: Option<u32>)
        (board, player, *, partition = None, period = None, neighbours = None)
        |gh| {
            gh.leaderboard_standing(guildhall_core::leaderboards::PlayerStandingQuery { board, partition, period, player: pid(&player)?, neighbours }).await
        }

    /// A board's periods: a list of `LeaderboardPeriod` (open and archived, with rewards granted).
    fn leaderboard_periods(board: String, partition: Option<String>)
        (board, *, partition = None)
        |gh| { gh.leaderboard_periods(&board, partition).await }

    /// Joins a tournament, spending its entry fee. Returns a `JoinTournamentResult`.
    /// Raises `TournamentClosed`, `TournamentFull`, `InsufficientFunds`, `NotFound`.
    fn join_tournament(board: String, player: String, idempotency_key: Option<String>)
        (board, player, *, idempotency_key = None)
        |gh| {
            gh.join_tournament(guildhall_core::leaderboards::JoinTournamentRequest { board, player: pid(&player)?, idempotency_key }).await
        }

    /// Runs the due resets (rewards granted once): a list of the `LeaderboardPeriod`s archived.
    fn run_leaderboard_resets() () |gh| { gh.run_leaderboard_resets().await }

    // ----- Matchmaking -----

    /// Queues a player (or, with `with_party`, the leader's whole party). Returns the `Ticket`.
    fn queue(player: String, queue: String, with_party: bool, properties: Option<BTreeMap<String, String>>)
        (player, queue, *, with_party = false, properties = None)
        |gh| {
            gh.queue(QueueRequest { player: pid(&player)?, queue, with_party, properties: properties.unwrap_or_default() }).await
        }

    /// Cancels the player's ticket. Returns it.
    fn cancel_ticket(player: String) (player) |gh| { gh.cancel_ticket(&pid(&player)?).await }

    /// The player's `TicketStatus`, or `None`.
    fn ticket_status(player: String) (player) |gh| {
        gh.ticket_status(&pid(&player)?).await
    }

    /// The tickets waiting in a queue, oldest first.
    fn pool(queue: String) (queue) |gh| { gh.pool(&queue).await }

    /// Runs one matchmaking tick under the lease named `holder`; returns the matches formed.
    #[pyo3(text_signature = "($self, holder='python')")]
    fn tick(holder: String) (holder = "python".to_string()) |gh| {
        // The core's tick future is not `Send`; it runs to completion on a blocking thread.
        let gh = gh.clone();
        tokio::task::spawn_blocking(move || {
            tokio::runtime::Handle::current().block_on(gh.tick(&holder))
        })
        .await
        .map_err(|e| Error::unavailable(format!("the tick stopped: {e}")))?
    }

    /// Reports a match result: each team's rank (0 first; equal ranks draw). Returns a
    /// `ReportResult` (ratings updated once).
    fn report_match(match_id: String, ranks: Vec<usize>) (match_id, ranks) |gh| {
        gh.report_match(&match_id, ranks).await
    }

    /// One `MatchRecord`.
    fn match_record(match_id: String) (match_id) |gh| { gh.match_record(&match_id).await }

    /// A player's `Rating` in a queue.
    fn rating(player: String, queue: String) (player, queue) |gh| {
        gh.rating(&pid(&player)?, &queue).await
    }

    /// A player's matches, newest first.
    fn match_history(player: String, limit: Option<u32>) (player, limit = None) |gh| {
        gh.match_history(&pid(&player)?, limit).await
    }

    // ----- Events -----

    /// Outbox events after `after` (a previous event's `seq`; 0 from the start), oldest
    /// first, at most `limit` (1-1000).
    fn events_after(after: i64, limit: Option<u32>) (after = 0, limit = None) |gh| {
        gh.events_after(after, limit).await
    }

    /// Outbox events concerning one player after `after`, oldest first.
    fn player_events_after(player: String, after: i64, limit: Option<u32>) (player, after = 0, limit = None) |gh| {
        gh.player_events_after(&pid(&player)?, after, limit).await
    }

    /// Removes events and idempotency records past their retention; returns the counts.
    fn prune() () |gh| { gh.prune().await }

    // ----- Trade -----

    /// Opens a trade of `player` with `with_player`, carrying the opener's first offer (a
    /// dict: `currencies` [{`currency`, `amount`}], `items` [{`item_id`, `quantity`}]).
    /// Returns a `TradeResult`. Raises `InvalidArgument` (with themself, a bad offer),
    /// `NotFound`, `Blocked`, `LimitReached`.
    fn open_trade(player: String, with_player: String, offer: Option<Arg<guildhall_core::trade::TradeOffer>>, idempotency_key: Option<String>)
        (player, with_player, offer = None, *, idempotency_key = None)
        |gh| {
            gh.open_trade(guildhall_core::trade::OpenTradeRequest {
                player: pid(&player)?, with: pid(&with_player)?,
                offer: offer.map(|o| o.0).unwrap_or_default(), idempotency_key,
            }).await
        }

    /// A side replaces their offer: a change moves the revision and clears both
    /// confirmations; `confirm=True` also confirms the revision it makes (needs
    /// `revision`, the one the player saw). Returns a `TradeResult`. Raises
    /// `TradeClosed`, `TradeChanged`, `Forbidden`, `NotFound`, `InvalidArgument`.
    fn set_trade_offer(player: String, trade_id: String, offer: Arg<guildhall_core::trade::TradeOffer>, revision: Option<i64>, confirm: bool, idempotency_key: Option<String>)
        (player, trade_id, offer, *, revision = None, confirm = false, idempotency_key = None)
        |gh| {
            gh.set_trade_offer(guildhall_core::trade::TradeOfferRequest {
                player: pid(&player)?, trade_id, offer: offer.0, revision, confirm, idempotency_key,
            }).await
        }

    /// A side confirms the revision it saw; the second confirmation is the exchange, in
    /// one commit. Returns a `TradeResult`. Raises `TradeClosed`, `TradeChanged`,
    /// `Forbidden`, `Blocked`, `InsufficientFunds`, `InsufficientQuantity`, `AlreadyOwned`.
    fn confirm_trade(player: String, trade_id: String, revision: i64, idempotency_key: Option<String>)
        (player, trade_id, revision, *, idempotency_key = None)
        |gh| {
            gh.confirm_trade(guildhall_core::trade::ConfirmTradeRequest {
                player: pid(&player)?, trade_id, revision, idempotency_key,
            }).await
        }

    /// A side cancels an open trade. Returns a `TradeResult`. Raises `TradeClosed`,
    /// `Forbidden`, `NotFound`.
    fn cancel_trade(player: String, trade_id: String, idempotency_key: Option<String>)
        (player, trade_id, *, idempotency_key = None)
        |gh| {
            gh.cancel_trade(guildhall_core::trade::CancelTradeRequest {
                player: pid(&player)?, trade_id, idempotency_key,
            }).await
        }

    /// One `Trade`.
    fn trade(trade_id: String) (trade_id) |gh| { gh.trade(&trade_id).await }

    /// A player's `PlayerTrades`: open trades and the history.
    fn player_trades(player: String) (player) |gh| { gh.player_trades(&pid(&player)?).await }

    /// The most recently opened trades, newest first (1-200, default 50).
    fn recent_trades(limit: u32) (limit = 50) |gh| { gh.recent_trades(limit).await }

    /// The ledger entries of a completed trade's exchange.
    fn trade_ledger(trade_id: String) (trade_id) |gh| { gh.trade_ledger(&trade_id).await }

    /// Closes the open trades past their expiry; returns how many.
    fn expire_trades() () |gh| { gh.expire_trades().await.map(u64::from) }
    // ----- Characters and the account bank -----

    /// Creates a character of an account under a new player id. Returns a
    /// `CharacterResult`. Raises `NotFound` (no account), `NameTaken`, `LimitReached`.
    fn create_character(account: String, name: String, idempotency_key: Option<String>)
        (account, name, *, idempotency_key = None)
        |gh| {
            gh.create_character(guildhall_core::characters::CreateCharacterRequest {
                account: pid(&account)?, name, idempotency_key,
            }).await
        }

    /// Renames a live character; the old name is freed. Returns a `CharacterResult`.
    /// Raises `NotFound`, `NameTaken`.
    fn rename_character(account: String, character: String, name: String, idempotency_key: Option<String>)
        (account, character, name, *, idempotency_key = None)
        |gh| {
            gh.rename_character(guildhall_core::characters::RenameCharacterRequest {
                account: pid(&account)?, character: pid(&character)?, name, idempotency_key,
            }).await
        }

    /// Soft-deletes a character (restorable for `restore_days`). Returns a
    /// `CharacterResult`. Raises `NotFound`.
    fn delete_character(account: String, character: String, idempotency_key: Option<String>)
        (account, character, *, idempotency_key = None)
        |gh| {
            gh.delete_character(guildhall_core::characters::CharacterActionRequest {
                account: pid(&account)?, character: pid(&character)?, idempotency_key,
            }).await
        }

    /// Restores a deleted character inside its window. Returns a `CharacterResult`.
    /// Raises `NotFound`, `LimitReached`.
    fn restore_character(account: String, character: String, idempotency_key: Option<String>)
        (account, character, *, idempotency_key = None)
        |gh| {
            gh.restore_character(guildhall_core::characters::CharacterActionRequest {
                account: pid(&account)?, character: pid(&character)?, idempotency_key,
            }).await
        }

    /// Marks a live character as the account's current one. Returns a
    /// `CharacterSelection`. Raises `NotFound`.
    fn select_character(account: String, character: String, idempotency_key: Option<String>)
        (account, character, *, idempotency_key = None)
        |gh| {
            gh.select_character(guildhall_core::characters::CharacterActionRequest {
                account: pid(&account)?, character: pid(&character)?, idempotency_key,
            }).await
        }

    /// An account's characters: a `CharacterList`.
    fn characters(account: String) (account) |gh| { gh.characters(&pid(&account)?).await }

    /// One `Character`. Raises `NotFound`.
    fn character(character: String) (character) |gh| { gh.character(&pid(&character)?).await }

    /// A character moves currency (`currency`, `amount`) or an item (`item_id`,
    /// `quantity`) into its account's bank. Returns a `BankMoveResult`.
    fn bank_deposit(character: String, currency: Option<String>, amount: Option<i64>, item_id: Option<String>, quantity: Option<i64>, reason: Option<String>, idempotency_key: Option<String>)
        (character, *, currency = None, amount = None, item_id = None, quantity = None, reason = None, idempotency_key = None)
        |gh| {
            gh.bank_deposit(guildhall_core::characters::BankMoveRequest {
                character: pid(&character)?, currency, amount, item_id, quantity, reason, idempotency_key,
            }).await
        }

    /// A character takes currency or an item from its account's bank. Returns a
    /// `BankMoveResult`.
    fn bank_withdraw(character: String, currency: Option<String>, amount: Option<i64>, item_id: Option<String>, quantity: Option<i64>, reason: Option<String>, idempotency_key: Option<String>)
        (character, *, currency = None, amount = None, item_id = None, quantity = None, reason = None, idempotency_key = None)
        |gh| {
            gh.bank_withdraw(guildhall_core::characters::BankMoveRequest {
                character: pid(&character)?, currency, amount, item_id, quantity, reason, idempotency_key,
            }).await
        }

    /// The bank of an account (given the account or one of its characters): an
    /// `AccountBank`.
    fn account_bank(player: String) (player) |gh| { gh.account_bank(&pid(&player)?).await }

    /// Equips an owned durable into the slot its metadata names. Returns an
    /// `EquipResult`. Raises `NotOwned`, `NotFound`, `InvalidArgument`.
    fn equip_item(player: String, item_id: String, idempotency_key: Option<String>)
        (player, item_id, *, idempotency_key = None)
        |gh| {
            gh.equip_item(guildhall_core::characters::EquipRequest {
                player: pid(&player)?, item_id, idempotency_key,
            }).await
        }

    /// Empties a slot. Returns an `EquipResult`. Raises `NotFound`.
    fn unequip_item(player: String, slot: String, idempotency_key: Option<String>)
        (player, slot, *, idempotency_key = None)
        |gh| {
            gh.unequip_item(guildhall_core::characters::UnequipRequest {
                player: pid(&player)?, slot, idempotency_key,
            }).await
        }

    /// A player's `Equipment` by slot.
    fn equipment(player: String) (player) |gh| { gh.equipment(&pid(&player)?).await }

    // ----- Loot tables -----

    /// Operator: puts (inserts or replaces) a loot table, a dict of the `LootTable`
    /// shape. Returns the `LootTable`. Raises `InvalidArgument` (a cycle names its tables
    /// in `details["cycle"]`), `NotFound` (nested table, item), `LimitReached`.
    fn put_loot_table(table: Arg<guildhall_core::loot::LootTable>) (table) |gh| {
        gh.put_loot_table(table.0).await
    }

    /// Operator: deletes a loot table; returns it. Raises `NotFound`, `InvalidArgument`
    /// (another table nests it).
    fn delete_loot_table(table_id: String) (table_id) |gh| { gh.delete_loot_table(&table_id).await }

    /// One `LootTable`.
    fn loot_table(table_id: String) (table_id) |gh| { gh.loot_table(&table_id).await }

    /// Every `LootTable`, by id.
    fn loot_tables() () |gh| { gh.loot_tables().await }

    /// Rolls a table for a player and grants the drops with the stored seed in one
    /// commit (with `party`, items open need/greed rolls). Returns a `LootResult`.
    /// Raises `NotFound`, `NotInParty`, `InvalidArgument`, `IdempotencyConflict`.
    fn roll_loot(player: String, table_id: String, party: bool, idempotency_key: Option<String>)
        (player, table_id, *, party = false, idempotency_key = None)
        |gh| {
            gh.roll_loot(guildhall_core::loot::RollLootRequest {
                player: pid(&player)?, table_id, party, idempotency_key,
            }).await
        }

    /// A stored `LootResult`.
    fn loot_result(result_id: String) (result_id) |gh| { gh.loot_result(&result_id).await }

    /// Operator: a dry run granting nothing, of a stored result or of a table with a
    /// seed. Returns a `LootPreview`.
    fn replay_loot(result_id: Option<String>, table_id: Option<String>, seed: Option<i64>)
        (*, result_id = None, table_id = None, seed = None)
        |gh| {
            gh.replay_loot(guildhall_core::loot::ReplayLootRequest { result_id, table_id, seed }).await
        }

    /// A party `LootRoll`.
    fn loot_roll(roll_id: String) (roll_id) |gh| { gh.loot_roll(&roll_id).await }

    /// A member's `need`, `greed` or `pass`; the last choice resolves the roll. Returns a
    /// `LootRollResult`. Raises `NotFound`, `NotInParty`, `InvalidArgument`.
    fn choose_loot_roll(roll_id: String, player: String, choice: Arg<guildhall_core::loot::RollChoice>, idempotency_key: Option<String>)
        (roll_id, player, choice, *, idempotency_key = None)
        |gh| {
            gh.choose_loot_roll(guildhall_core::loot::LootChoiceRequest {
                roll_id, player: pid(&player)?, choice: choice.0, idempotency_key,
            }).await
        }

    /// Resolves the party rolls whose window has ended; returns them.
    fn resolve_loot_rolls() () |gh| { gh.resolve_loot_rolls().await }

    // ----- Rooms and the lobby -----

    /// Creates a room: with `player`, owned by them and entered in the same commit
    /// (leaving any room they were in); without, an empty system room. `metadata`: a
    /// dict. Returns a `RoomResult`. Raises `InvalidArgument`, `IdempotencyConflict`.
    fn create_room(room_type: String, capacity: u32, player: Option<String>, metadata: Option<Arg<serde_json::Map<String, serde_json::Value>>>, server: Option<String>, idempotency_key: Option<String>)
        (room_type, capacity, *, player = None, metadata = None, server = None, idempotency_key = None)
        |gh| {
            gh.create_room(guildhall_core::rooms::CreateRoomRequest {
                player: player.as_deref().map(pid).transpose()?,
                room_type, capacity,
                metadata: metadata.map(|m| m.0).unwrap_or_default(),
                server, idempotency_key,
            }).await
        }

    /// `player` enters a room, leaving the room they were in in the same commit. Returns a
    /// `RoomResult`. Raises `NotFound`, `RoomFull`, `InvalidArgument`, `IdempotencyConflict`.
    fn enter_room(player: String, room_id: String, idempotency_key: Option<String>)
        (player, room_id, *, idempotency_key = None)
        |gh| {
            gh.enter_room(guildhall_core::rooms::EnterRoomRequest {
                player: pid(&player)?, room_id, idempotency_key,
            }).await
        }

    /// `player` leaves their room (`room_id`, when given, must be it). Returns a
    /// `RoomResult`. Raises `NotFound`, `InvalidArgument`, `IdempotencyConflict`.
    fn leave_room(player: String, room_id: Option<String>, idempotency_key: Option<String>)
        (player, *, room_id = None, idempotency_key = None)
        |gh| {
            gh.leave_room(guildhall_core::rooms::LeaveRoomRequest {
                player: pid(&player)?, room_id, idempotency_key,
            }).await
        }

    /// Operator: destroys a room; its players leave it. Returns a `RoomResult`. Raises
    /// `NotFound`, `InvalidArgument`, `IdempotencyConflict`.
    fn destroy_room(room_id: String, idempotency_key: Option<String>)
        (room_id, *, idempotency_key = None)
        |gh| {
            gh.destroy_room(guildhall_core::rooms::DestroyRoomRequest { room_id, idempotency_key }).await
        }

    /// One live `Room`. Raises `NotFound`.
    fn room(room_id: String) (room_id) |gh| { gh.room(&room_id).await }

    /// The `Room` a player is in, or `None`.
    fn player_room(player: String) (player) |gh| { gh.player_room(&pid(&player)?).await }

    /// Live rooms, by id (1-1000, default 100).
    fn rooms(limit: Option<u32>) (limit = None) |gh| { gh.rooms(limit).await }

    /// Operator: a `RoomLogPage` of a room's log, oldest first (`after`: a page's
    /// `next_cursor`; `limit` 1-200, default 50). Raises `NotFound`, `InvalidArgument`.
    fn room_log(room_id: String, after: Option<String>, limit: Option<u32>)
        (room_id, *, after = None, limit = None)
        |gh| { gh.room_log(&room_id, after.as_deref(), limit).await }

    /// Destroys the empty rooms past their idle time; returns how many.
    fn destroy_idle_rooms() () |gh| { gh.destroy_idle_rooms().await.map(u64::from) }

    /// The `LobbyView`: live rooms and the online players with their room.
    fn lobby() () |gh| { gh.lobby().await }

    /// Pushes the lobby view as a `lobby_view` event to `player`, or else to every lobby
    /// player. Returns a `LobbyPushResult`.
    fn push_lobby(player: Option<String>, unless_fingerprint: Option<String>)
        (*, player = None, unless_fingerprint = None)
        |gh| {
            gh.push_lobby(guildhall_core::rooms::PushLobbyRequest {
                player: player.as_deref().map(pid).transpose()?,
                unless_fingerprint,
            }).await
        }

    // ----- Payments and game data files -----

    /// Operator: the payment log, newest first (every verified webhook delivery and
    /// its outcome). Returns a `PaymentLogPage`; pass its `next_cursor` as `cursor`.
    /// Raises `InvalidArgument` (limit out of 1-200).
    fn payment_log(cursor: Option<String>, limit: Option<u32>) (*, cursor = None, limit = None) |gh| {
        gh.payment_log(guildhall_core::payments::PaymentLogQuery { cursor, limit }).await
    }

    /// Operator: a provider's payment as recorded (`PaymentRecord`: what it credited,
    /// and after a refund what was taken back and the shortfall). Raises `NotFound`.
    fn payment(provider: String, payment_id: String) (provider, payment_id) |gh| {
        gh.payment(&provider, &payment_id).await
    }

    /// Operator: stores a new version of a game data file (its bytes in base64).
    /// Returns its `FileMeta` (version, sha256). Raises `InvalidArgument`,
    /// `LimitReached` (larger than `downloads.max_file_bytes`).
    fn upload_file(name: String, content_base64: String, content_type: Option<String>)
        (name, content_base64, *, content_type = None)
        |gh| {
            gh.upload_file(guildhall_core::downloads::PutFileRequest { name, content_type, content_base64 }).await
        }

    /// The current version of every file changed since version `since` (a `FileList`,
    /// oldest change first; `latest` is the `since` of the next call).
    fn files(since: Option<i64>, limit: Option<u32>) (*, since = None, limit = None) |gh| {
        gh.files(guildhall_core::downloads::FileListQuery { since, limit }).await
    }

    /// The current version of a file with its bytes in base64 (`FileContent`). Raises
    /// `NotFound`.
    fn file_content(name: String) (name) |gh| { gh.file_content(&name).await }

    /// Every version of a file, newest first (`FileMeta` list). Raises `NotFound`.
    fn file_versions(name: String) (name) |gh| { gh.file_versions(&name).await }
}

/// What `AsyncClient.open` returns: awaiting it gives the client; as an async context
/// manager it gives the client and closes it on the way out.
#[pyclass(module = "guildhall", name = "_AsyncOpen", frozen)]
pub struct AsyncOpen {
    /// The asyncio future of the opened client.
    opening: Py<PyAny>,
}

#[pymethods]
impl AsyncOpen {
    fn __await__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.opening.bind(py).call_method0(intern!(py, "__await__"))
    }

    fn __aenter__<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        self.opening.bind(py).clone()
    }

    /// Closes the client opened (exceptions propagate).
    #[pyo3(signature = (*_args))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _args: &Bound<'py, pyo3::types::PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opening = self.opening.bind(py);
        let opened = opening.call_method0(intern!(py, "done"))?.is_truthy()?
            && !opening
                .call_method0(intern!(py, "cancelled"))?
                .is_truthy()?
            && opening.call_method0(intern!(py, "exception"))?.is_none();
        if opened {
            opening
                .call_method0(intern!(py, "result"))?
                .call_method0(intern!(py, "aclose"))?;
        }
        spawn(py, true, async { CoreResult::Ok(false) })
    }
}

// Which live events a consumer wants: the one definition of topics and delivery
// (`guildhall_core::live`), so a subscription here filters as the host's WebSocket does.
use guildhall_core::live::Filter;

/// A consumer's filter from the keyword arguments. Errors: `INVALID_ARGUMENT` (a bad
/// topic name, more than 64 topics).
fn filter_of(
    player: Option<String>,
    topics: Option<Vec<String>>,
    kinds: Option<Vec<String>>,
) -> CoreResult<Filter> {
    let topics = match topics {
        Some(t) => Some(guildhall_core::live::parse_topics(&t)?),
        None => None,
    };
    Ok(Filter {
        player,
        topics,
        kinds,
    })
}

/// A running `Client.subscribe` callback; `close()` stops it.
#[pyclass(module = "guildhall", frozen)]
pub struct Subscription {
    closed: Arc<AtomicBool>,
}

#[pymethods]
impl Subscription {
    /// Stops the callbacks (within 200 ms).
    fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }
    /// True once closed.
    #[getter]
    fn closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }
    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, pyo3::types::PyTuple>) {
        self.close();
    }
}

struct StreamState {
    gh: Guildhall,
    rx: tokio::sync::broadcast::Receiver<Arc<Event>>,
    /// Events with a seq at or below this count as handed out (the `after` cursor, raised
    /// as `seen` forgets its oldest); `None`: live only, no cursor yet.
    floor: Option<i64>,
    /// Seqs above the floor handed out (or filtered out) already. Events of concurrent
    /// commits are published in any order, so the stream remembers which seqs it saw
    /// rather than only the highest (up to [`SEEN_MEMORY`]).
    seen: std::collections::BTreeSet<i64>,
    /// The outbox after this seq is still to be replayed.
    replay: Option<i64>,
    backlog: VecDeque<Arc<Event>>,
    closed: bool,
    /// Set when the client closes.
    stop: Arc<AtomicBool>,
    filter: Filter,
}

/// How many seqs above its floor an event stream remembers.
const SEEN_MEMORY: usize = 4096;

impl StreamState {
    async fn fill_from_outbox(&mut self, after: i64) -> CoreResult<()> {
        let events = self.gh.events_after(after.max(0), Some(1000)).await?;
        let last = events.last().map_or(after, |e| e.seq);
        self.replay = (events.len() == 1000).then_some(last);
        self.backlog.extend(events.into_iter().map(Arc::new));
        Ok(())
    }

    /// Marks `seq` seen; false when it was seen already or is at or below the floor.
    fn admit(&mut self, seq: i64) -> bool {
        if self.floor.is_some_and(|f| seq <= f) || !self.seen.insert(seq) {
            return false;
        }
        if self.seen.len() > SEEN_MEMORY {
            if let Some(oldest) = self.seen.pop_first() {
                self.floor = Some(self.floor.map_or(oldest, |f| f.max(oldest)));
            }
        }
        true
    }

    async fn next(&mut self) -> CoreResult<Option<Arc<Event>>> {
        loop {
            if self.closed || self.stop.load(Ordering::Acquire) {
                return Ok(None);
            }
            if self.backlog.is_empty() {
                if let Some(after) = self.replay {
                    self.fill_from_outbox(after).await?;
                }
            }
            let event = match self.backlog.pop_front() {
                Some(e) => e,
                None => match self.rx.recv().await {
                    Ok(e) => e,
                    Err(RecvError::Lagged(_)) => {
                        let from = match (self.floor, self.seen.first()) {
                            (Some(f), _) => f,
                            (None, Some(first)) => first - 1,
                            (None, None) => 0,
                        };
                        self.replay = Some(from);
                        continue;
                    }
                    Err(RecvError::Closed) => return Ok(None),
                },
            };
            if !self.admit(event.seq) {
                continue;
            }
            if self.filter.accepts(&event) {
                return Ok(Some(event));
            }
        }
    }
}

/// An async iterator of live events (see `AsyncClient.events`).
#[pyclass(module = "guildhall", frozen)]
pub struct EventStream {
    state: Arc<tokio::sync::Mutex<StreamState>>,
}

#[pymethods]
impl EventStream {
    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let state = self.state.clone();
        into_awaitable(py, async move {
            let next = state.lock().await.next().await;
            match next {
                Ok(Some(e)) => Ok(Arc::unwrap_or_clone(e)),
                Ok(None) => Err(Failure::Py(PyStopAsyncIteration::new_err(()))),
                Err(e) => Err(Failure::Core(e)),
            }
        })
    }

    /// Ends the iteration (a pending `__anext__` finishes at the next event).
    fn aclose<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let state = self.state.clone();
        if let Ok(mut s) = state.try_lock() {
            s.closed = true;
        }
        into_awaitable(py, async move {
            state.lock().await.closed = true;
            Ok::<(), Failure>(())
        })
    }
}

/// Adds the client classes and the operation list to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Client>()?;
    m.add_class::<AsyncClient>()?;
    m.add_class::<EventStream>()?;
    m.add_class::<Subscription>()?;
    m.add("OPERATIONS", OPERATIONS.to_vec())?;
    Ok(())
}
