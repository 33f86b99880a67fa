//! The services: load state through the ports, call a rule, commit its change set
//! atomically, retry on `CONFLICT`, publish the committed events. One code path,
//! whatever the backend.

use crate::config::Config;
use crate::ctx::Ctx;
use crate::docs::Document as _;
use crate::economy::{
    rules as econ, BalanceChangeResult, GrantRequest, LedgerMismatch, LedgerReport, SpendRequest,
    TransferRequest, TransferResult,
};
use crate::error::{Error, ErrorCode, Result};
use crate::inventory::{
    rules as inv, GrantItemRequest, ItemChangeResult, PurchaseRequest, PurchaseResult,
    UseItemRequest,
};
use crate::ports::{
    ChangeSet, Clock, Coordinator, DailyRevenue, HistoryQuery, IdempotencyRecord, Ids, PopularItem,
    Store, SystemClock, UuidIds,
};
use crate::types::{
    Account, Balance, CatalogItem, EntryKind, Event, InventoryEntry, LedgerEntry, PlayerId, Wallet,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

mod access;
mod announce;
mod mail;
mod matchmaking;
mod party;

pub use matchmaking::{ReportResult, TicketStatus};

/// A result that can be handed back again for a repeated idempotency key.
pub trait Replayable: Serialize + DeserializeOwned {
    /// Marks the result as the stored original of an earlier call.
    fn mark_replayed(&mut self);
}
macro_rules! replayable {
    ($($t:ty),*) => { $(impl Replayable for $t { fn mark_replayed(&mut self) { self.replayed = true; } })* };
}
replayable!(
    BalanceChangeResult,
    TransferResult,
    PurchaseResult,
    ItemChangeResult,
    crate::mail::SendMailResult,
    crate::mail::ClaimResult
);

/// A page of a player's ledger history, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistoryPage {
    /// Entries, newest first.
    pub entries: Vec<LedgerEntry>,
    /// Pass as `cursor` to get the next (older) page; `None` at the end.
    pub next_cursor: Option<String>,
}

/// Filter and page of [`Guildhall::history`].
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema, utoipa::IntoParams,
)]
#[serde(deny_unknown_fields)]
pub struct HistoryFilter {
    /// Only this currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Only this kind: `grant`, `spend`, `transfer`, `purchase`.
    #[serde(default)]
    pub kind: Option<EntryKind>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Page size, 1-200 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// How far back [`Guildhall::popular_items`] looks when the query names no `from`: 24 h.
pub const POPULAR_ITEMS_WINDOW_SECS: i64 = 86_400;
/// Days [`Guildhall::revenue_per_day`] covers when the query names no `from`: 30 (today
/// and the 29 days before it).
pub const REVENUE_DAYS: i64 = 30;
/// Default page sizes of the listing calls (`limit` absent).
pub mod page {
    /// Items of [`super::Guildhall::popular_items`].
    pub const POPULAR_ITEMS: u32 = 10;
    /// Matches of [`super::Guildhall::match_history`].
    pub const MATCH_HISTORY: u32 = 20;
    /// Events of [`super::Guildhall::events_after`].
    pub const EVENTS: u32 = 100;
    /// Ledger entries of [`super::Guildhall::history`].
    pub const HISTORY: u32 = 50;
}

/// Query of [`Guildhall::popular_items`] (SPEC.md Catalog and inventory, analytics):
/// every field optional, defaults resolved by the core on its own clock, the same on
/// every surface (HTTP query string, Node object, Python keywords).
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema, utoipa::IntoParams,
)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PopularItemsQuery {
    /// Window start, UTC, RFC 3339 (default: `to` minus 24 h, [`POPULAR_ITEMS_WINDOW_SECS`]).
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    /// Window end, exclusive, UTC, RFC 3339 (default: now on the core's clock).
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
    /// How many items, 1-100 (default 10).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Query of [`Guildhall::revenue_per_day`]: days of the reset time zone, inclusive.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema, utoipa::IntoParams,
)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RevenueQuery {
    /// First day, `YYYY-MM-DD` in the reset time zone (default: `to` minus 29 days).
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date)]
    #[schema(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// Last day, inclusive (default: today in the reset time zone, on the core's clock).
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date)]
    #[schema(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
}

/// One attempt of a call: the change set to commit and the result to return.
pub(crate) type Attempt<'a, R> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(ChangeSet, R)>> + Send + 'a>>;

type Pending = (ChangeSet, oneshot::Sender<Result<ChangeSet>>);

/// Coalesces concurrent commits into batches (group commit; DESIGN.md).
#[derive(Clone)]
struct Committer {
    tx: mpsc::Sender<Pending>,
}

impl Committer {
    fn spawn(store: Arc<dyn Store>, max_batch: usize) -> Self {
        let (tx, mut rx) = mpsc::channel::<Pending>(4096);
        tokio::spawn(async move {
            let mut batch: Vec<Pending> = Vec::with_capacity(max_batch);
            while rx.recv_many(&mut batch, max_batch).await > 0 {
                let (sets, replies): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
                let outcomes = if sets.len() == 1 {
                    vec![store.commit(sets.into_iter().next().expect("one")).await]
                } else {
                    store.commit_batch(sets).await
                };
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
        });
        Self { tx }
    }

    async fn commit(&self, cs: ChangeSet) -> Result<ChangeSet> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send((cs, reply))
            .await
            .map_err(|_| Error::unavailable("the committer has stopped"))?;
        rx.await
            .map_err(|_| Error::unavailable("the committer dropped a commit"))?
    }
}

/// The guildhall core: every module's operations over one Store and Coordinator.
/// Cheap to clone (shared handles). Must be created inside a tokio runtime.
#[derive(Clone)]
pub struct Guildhall {
    store: Arc<dyn Store>,
    coordinator: Arc<dyn Coordinator>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn Ids>,
    config: Arc<Config>,
    committer: Committer,
    stripes: Arc<Stripes>,
    caller: Caller,
}

/// Who makes the calls of a [`Guildhall`] handle: the scope of its idempotency keys
/// (SPEC.md Conventions and "Clarifications (second round)": a key is scoped to the
/// caller, the API key or the player of a token). Two callers may use one key without
/// meeting; one caller reusing a key for another request, the same call for another
/// player included, gets `IDEMPOTENCY_CONFLICT`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Caller {
    /// The process embedding the core (a Rust program, the Node or Python module, the
    /// host's own scheduled work): one scope shared by every embedding process on the
    /// database, so a retry from Node answers a call first made from Python.
    #[default]
    Embedded,
    /// A trusted server or operator with an API key (by the key's public id).
    ApiKey(String),
    /// A player with an access token.
    Player(PlayerId),
    /// An unauthenticated caller the host lets in (seed 002 drop-in from listed
    /// networks).
    Anonymous,
}

impl Caller {
    /// The idempotency scope of this caller: `by:embedded`, `by:key:<id>`,
    /// `by:player:<id>` or `by:anonymous`.
    pub fn scope(&self) -> String {
        match self {
            Caller::Embedded => "by:embedded".into(),
            Caller::ApiKey(id) => format!("by:key:{id}"),
            Caller::Player(p) => format!("by:player:{p}"),
            Caller::Anonymous => "by:anonymous".into(),
        }
    }
}

/// Per-player write locks of this process (striped). A call holds the stripes of the
/// players it writes from its first read to its commit, so calls on one player in one
/// process queue instead of colliding on versions; other processes are still kept
/// correct by the version guards, with `CONFLICT` retries.
struct Stripes(Vec<tokio::sync::Mutex<()>>);

impl Stripes {
    fn new(n: usize) -> Self {
        Self((0..n).map(|_| tokio::sync::Mutex::new(())).collect())
    }

    /// Locks the stripes of `players` in index order (no deadlock between callers).
    async fn lock(&self, players: &[&PlayerId]) -> Vec<tokio::sync::MutexGuard<'_, ()>> {
        use std::hash::{Hash, Hasher};
        let mut idx: Vec<usize> = players
            .iter()
            .map(|p| {
                let mut h = std::hash::DefaultHasher::new();
                p.as_str().hash(&mut h);
                (h.finish() % self.0.len() as u64) as usize
            })
            .collect();
        idx.sort_unstable();
        idx.dedup();
        let mut guards = Vec::with_capacity(idx.len());
        for i in idx {
            guards.push(self.0[i].lock().await);
        }
        guards
    }
}

/// Cache key of a player's wallet (seed 002 keys inventories `user:{user_id}:inventory`).
pub(crate) fn wallet_key(p: &PlayerId) -> String {
    format!("user:{p}:wallet")
}

/// Cache key of a player's inventory.
pub(crate) fn inventory_key(p: &PlayerId) -> String {
    format!("user:{p}:inventory")
}

fn fingerprint<T: Serialize>(op: &str, request: &T) -> String {
    let mut v = serde_json::to_value(request).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        obj.remove("idempotency_key");
    }
    let mut h = Sha256::new();
    h.update(op.as_bytes());
    h.update(b"\n");
    h.update(v.to_string().as_bytes());
    hex::encode(h.finalize())
}

impl Guildhall {
    /// A core over `store` and `coordinator` with the system clock and UUIDv7 ids.
    /// Does not migrate: call [`Guildhall::migrate`] (the facade does).
    pub fn new(store: Arc<dyn Store>, coordinator: Arc<dyn Coordinator>, config: Config) -> Self {
        let committer = Committer::spawn(store.clone(), config.max_batch);
        Self {
            store,
            coordinator,
            clock: Arc::new(SystemClock),
            ids: Arc::new(UuidIds),
            config: Arc::new(config),
            committer,
            stripes: Arc::new(Stripes::new(1024)),
            caller: Caller::Embedded,
        }
    }

    /// This core acting for `caller`: the same store, coordinator and committer, with
    /// idempotency keys scoped to `caller` (see [`Caller`]). Cheap (a clone of shared
    /// handles); the host makes one per request from the authenticated principal.
    pub fn acting_as(&self, caller: Caller) -> Self {
        Self {
            caller,
            ..self.clone()
        }
    }

    /// Who this handle's calls are made by ([`Caller::Embedded`] unless
    /// [`Guildhall::acting_as`] said otherwise).
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// Replaces the clock (tests inject a [`crate::ports::ManualClock`]).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the id generator.
    pub fn with_ids(mut self, ids: Arc<dyn Ids>) -> Self {
        self.ids = ids;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The store (for adapters' own checks and admin tools).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Counts one hit of `key` in a fixed window of `window_secs` through the Coordinator
    /// (shared by every host with Redis); past `limit` the decision says so and when the
    /// window resets. Used by the host's rate limits (SPEC.md Accounts and access).
    /// Errors: `UNAVAILABLE` when the coordinator is down.
    pub async fn rate_hit(
        &self,
        key: &str,
        limit: u32,
        window_secs: u64,
    ) -> Result<crate::ports::RateDecision> {
        self.coordinator.rate_hit(key, limit, window_secs).await
    }

    /// Runs the store's migrations.
    pub async fn migrate(&self) -> Result<()> {
        self.store.migrate().await
    }

    /// A fresh context for one attempt.
    pub(crate) fn ctx(&self) -> Ctx {
        Ctx::new(&self.config, self.clock.now(), self.ids.clone())
    }

    /// The heart of every mutating call: idempotency lookup, attempt, commit, retry on
    /// `CONFLICT` up to `max_retries`, publish. `attempt` loads state and calls a rule.
    /// The key is scoped to the caller ([`Caller::scope`]); records stored before keys
    /// were scoped so (`player:<players[0]>`) still answer their replays. Every player in
    /// `players` is locked in this process for the call (see [`Stripes`]).
    async fn execute<'a, Req, R, F>(
        &'a self,
        op: &str,
        players: &[&PlayerId],
        key: Option<&str>,
        request: &Req,
        mut attempt: F,
    ) -> Result<R>
    where
        Req: Serialize,
        R: Replayable + Send,
        F: FnMut(Ctx) -> Attempt<'a, R> + Send,
    {
        econ::check_key(&key.map(str::to_string))?;
        let scope = self.caller.scope();
        let legacy = players.first().map(|p| format!("player:{p}"));
        let _locked = self.stripes.lock(players).await;
        let print = key.map(|_| fingerprint(op, request));
        let mut tries = 0u32;
        loop {
            let ctx = self.ctx();
            if let (Some(key), Some(print)) = (key, &print) {
                if let Some(rec) = self.stored(&scope, legacy.as_deref(), key).await? {
                    return self.replay(rec, print);
                }
            }
            let now = ctx.now;
            let (mut cs, result) = match attempt(ctx).await {
                Ok(done) => done,
                Err(e) => {
                    // A concurrent call under the same key may have committed between the
                    // lookup and the rule (which then refuses): that call's result is ours.
                    if let (Some(key), Some(print)) = (key, &print) {
                        if let Some(rec) = self.store.idempotency(&scope, key).await? {
                            return self.replay(rec, print);
                        }
                    }
                    return Err(e);
                }
            };
            if let (Some(key), Some(print)) = (key, &print) {
                cs.idempotency = Some(IdempotencyRecord {
                    scope: scope.clone(),
                    key: key.to_string(),
                    fingerprint: print.clone(),
                    result: serde_json::to_value(&result)
                        .map_err(|e| Error::unavailable(e.to_string()))?,
                    created_at: now,
                });
            }
            if self.commit_or_retry(op, cs, &mut tries).await? {
                return Ok(result);
            }
        }
    }

    /// The stored record of `key` in the caller's `scope`, or else in the `legacy` scope
    /// (`player:<id>`) that records written before caller scopes still carry; such a
    /// record lives until the key retention prunes it.
    async fn stored(
        &self,
        scope: &str,
        legacy: Option<&str>,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>> {
        if let Some(rec) = self.store.idempotency(scope, key).await? {
            return Ok(Some(rec));
        }
        match legacy {
            Some(legacy) => self.store.idempotency(legacy, key).await,
            None => Ok(None),
        }
    }

    /// Runs `attempt` with a fresh [`Ctx`], commits its change set (nothing to commit:
    /// returns at once), and on `CONFLICT` runs it again, up to `max_retries` times.
    pub(crate) async fn retrying<'a, R, F>(&'a self, op: &str, mut attempt: F) -> Result<R>
    where
        R: Send,
        F: FnMut(Ctx) -> Attempt<'a, R> + Send,
    {
        let mut tries = 0u32;
        loop {
            let (cs, result) = attempt(self.ctx()).await?;
            if self.commit_or_retry(op, cs, &mut tries).await? {
                return Ok(result);
            }
        }
    }

    /// Commits a change set through the group committer, drops the cache entries of the
    /// players whose wallet or inventory it wrote, and publishes its events. The one way
    /// services write.
    pub(crate) async fn commit_changes(&self, cs: ChangeSet) -> Result<ChangeSet> {
        let mut keys: Vec<String> = Vec::new();
        for w in &cs.balances {
            if let crate::ports::BalanceWrite::Set {
                account: Account::Player(p),
                ..
            } = w
            {
                keys.push(wallet_key(p));
            }
        }
        for w in &cs.items {
            keys.push(inventory_key(&w.player));
        }
        for d in &cs.docs {
            if d.kind == crate::access::AccountRecord::KIND
                || d.kind == crate::access::ApiKeyRecord::KIND
            {
                keys.push(access::doc_cache_key(&d.kind, &d.id));
            }
        }
        keys.sort();
        keys.dedup();
        let started = std::time::Instant::now();
        let outcome = self.committer.commit(cs).await;
        crate::telemetry::record_commit(
            started.elapsed(),
            match &outcome {
                Ok(_) => "ok",
                Err(e) if e.code == ErrorCode::Conflict => "conflict",
                Err(_) => "error",
            },
        );
        let done = outcome?;
        crate::telemetry::record_committed(&done.events);
        // The commit happened: finish what follows it in a task of its own, so a caller
        // that goes away now (a client disconnect, a timeout) cannot leave a stale cache
        // entry or an event unpublished.
        let (coordinator, events) = (self.coordinator.clone(), done.events.clone());
        let after = tokio::spawn(async move {
            if !keys.is_empty() {
                if let Err(e) = coordinator.cache_invalidate(&keys).await {
                    tracing::error!(error = %e, "cache invalidation failed after a commit; cached reads may be stale until they expire");
                    crate::telemetry::record_fallback("cache_invalidate");
                }
            }
            if !events.is_empty() {
                if let Err(e) = coordinator.publish(&events).await {
                    tracing::warn!(error = %e, "live event fan-out failed; consumers resume from the outbox");
                    crate::telemetry::record_fallback("publish");
                }
            }
        });
        let _ = after.await;
        Ok(done)
    }

    /// A cached read: the coordinator's copy, else `load` (then cached for 60 s). A
    /// failing cache falls back to the store.
    async fn cached<T, F>(&self, key: String, load: F) -> Result<T>
    where
        T: Serialize + DeserializeOwned,
        F: std::future::Future<Output = Result<T>>,
    {
        match self.coordinator.cache_get(&key).await {
            Ok(Some(v)) => {
                if let Ok(t) = serde_json::from_value(v) {
                    return Ok(t);
                }
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cache unavailable; reading the store");
                crate::telemetry::record_fallback("cache_read");
            }
        }
        let value = load.await?;
        if let Ok(v) = serde_json::to_value(&value) {
            if let Err(e) = self.coordinator.cache_put(&key, v, 60).await {
                tracing::debug!(error = %e, "cache put failed");
                crate::telemetry::record_fallback("cache_put");
            }
        }
        Ok(value)
    }

    /// Commits a change set and publishes its events: `Ok(true)`. A `CONFLICT` with
    /// retries left: `Ok(false)` (the caller runs its attempt again). An empty set is
    /// not committed.
    async fn commit_or_retry(&self, op: &str, cs: ChangeSet, tries: &mut u32) -> Result<bool> {
        if cs.is_empty() {
            return Ok(true);
        }
        match self.commit_changes(cs).await {
            Ok(_) => Ok(true),
            Err(e) if e.code == ErrorCode::Conflict && *tries < self.config.max_retries => {
                *tries += 1;
                tracing::debug!(op, tries = *tries, "commit conflict, retrying");
                crate::telemetry::record_retry(op);
                if *tries > 2 {
                    // Jittered exponential backoff (up to ~10 ms), so writers of one hot
                    // row stop colliding in the same batch.
                    let cap = 50u64 << (*tries).min(8);
                    let jitter = u64::from(
                        std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map_or(0, |d| d.subsec_nanos()),
                    );
                    tokio::time::sleep(std::time::Duration::from_micros(
                        cap / 2 + jitter % (cap / 2 + 1),
                    ))
                    .await;
                } else {
                    tokio::task::yield_now().await;
                }
                Ok(false)
            }
            Err(e) => {
                if e.code == ErrorCode::Conflict {
                    tracing::warn!(
                        op,
                        tries = *tries,
                        "gave up after repeated commit conflicts"
                    );
                    crate::telemetry::record_giveup(op);
                }
                Err(e)
            }
        }
    }

    fn replay<R: Replayable>(&self, rec: IdempotencyRecord, print: &str) -> Result<R> {
        if rec.fingerprint != print {
            return Err(Error::new(
                ErrorCode::IdempotencyConflict,
                "this idempotency key was used for a different request",
            )
            .with_details(serde_json::json!({ "idempotency_key": rec.key })));
        }
        let mut r: R = serde_json::from_value(rec.result)
            .map_err(|e| Error::unavailable(format!("stored result unreadable: {e}")))?;
        r.mark_replayed();
        Ok(r)
    }

    // ----- Economy (SPEC.md Economy) -----

    /// Credits a player from a system source. See [`GrantRequest`] for errors.
    pub async fn grant(&self, req: GrantRequest) -> Result<BalanceChangeResult> {
        self.config.currency(&req.currency)?;
        let req = &req;
        self.execute(
            "grant",
            &[&req.player],
            req.idempotency_key.as_deref(),
            &req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let bal = self
                        .store
                        .balance(&Account::Player(req.player.clone()), &req.currency)
                        .await?;
                    econ::grant(&self.config, &ctx, req, bal)
                })
            },
        )
        .await
    }

    /// Debits a player to a system sink. See [`SpendRequest`] for errors.
    pub async fn spend(&self, req: SpendRequest) -> Result<BalanceChangeResult> {
        self.config.currency(&req.currency)?;
        let req = &req;
        self.execute(
            "spend",
            &[&req.player],
            req.idempotency_key.as_deref(),
            &req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let bal = self
                        .store
                        .balance(&Account::Player(req.player.clone()), &req.currency)
                        .await?;
                    econ::spend(&self.config, &ctx, req, bal)
                })
            },
        )
        .await
    }

    /// Moves currency between two players in one commit. See [`TransferRequest`].
    pub async fn transfer(&self, req: TransferRequest) -> Result<TransferResult> {
        econ::check_transfer(&self.config, &req)?;
        let req = &req;
        self.execute(
            "transfer",
            &[&req.from, &req.to],
            req.idempotency_key.as_deref(),
            &req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let from = self
                        .store
                        .balance(&Account::Player(req.from.clone()), &req.currency)
                        .await?;
                    let to = self
                        .store
                        .balance(&Account::Player(req.to.clone()), &req.currency)
                        .await?;
                    econ::transfer(&self.config, &ctx, req, from, to)
                })
            },
        )
        .await
    }

    /// A player's wallet: every configured currency, zero when never touched.
    pub async fn wallet(&self, player: &PlayerId) -> Result<Wallet> {
        self.cached(wallet_key(player), self.wallet_uncached(player))
            .await
    }

    async fn wallet_uncached(&self, player: &PlayerId) -> Result<Wallet> {
        let rows: HashMap<String, i64> = self
            .store
            .balances(&Account::Player(player.clone()))
            .await?
            .into_iter()
            .map(|(c, r)| (c, r.amount))
            .collect();
        let balances = self
            .config
            .currencies
            .iter()
            .map(|c| Balance {
                currency: c.code.clone(),
                amount: rows.get(&c.code).copied().unwrap_or(0),
            })
            .collect();
        Ok(Wallet {
            player: player.clone(),
            balances,
        })
    }

    /// One balance of a player, smallest units. Errors: `INVALID_ARGUMENT` (unknown currency).
    pub async fn balance(&self, player: &PlayerId, currency: &str) -> Result<i64> {
        self.config.currency(currency)?;
        Ok(self
            .store
            .balance(&Account::Player(player.clone()), currency)
            .await?
            .amount)
    }

    /// A player's ledger entries, newest first, a page at a time (SPEC.md History).
    /// Errors: `INVALID_ARGUMENT` (bad cursor, limit out of 1-200, unknown currency).
    pub async fn history(&self, player: &PlayerId, filter: HistoryFilter) -> Result<HistoryPage> {
        if let Some(c) = &filter.currency {
            self.config.currency(c)?;
        }
        let limit = filter.limit.unwrap_or(page::HISTORY);
        if !(1..=200).contains(&limit) {
            return Err(Error::invalid("limit", "limit is 1 to 200"));
        }
        let before_seq = match &filter.cursor {
            None => None,
            Some(c) => Some(c.parse::<i64>().ok().filter(|s| *s > 0).ok_or_else(|| {
                Error::invalid("cursor", "cursor is a next_cursor from a previous page")
            })?),
        };
        let q = HistoryQuery {
            account: Account::Player(player.clone()),
            currency: filter.currency,
            kind: filter.kind,
            before_seq,
            limit: limit + 1,
        };
        let mut entries = self.store.history(&q).await?;
        let next_cursor = if entries.len() > limit as usize {
            entries.truncate(limit as usize);
            entries.last().map(|e| e.seq.to_string())
        } else {
            None
        };
        Ok(HistoryPage {
            entries,
            next_cursor,
        })
    }

    /// Recomputes every balance from the ledger and reports differences, and any currency
    /// whose balances do not sum to zero (SPEC.md `verify_ledger`).
    pub async fn verify_ledger(&self) -> Result<LedgerReport> {
        let net: HashMap<(Account, String), i64> = self
            .store
            .ledger_net()
            .await?
            .into_iter()
            .map(|(a, c, n)| ((a, c), n))
            .collect();
        let balances = self.store.all_balances().await?;
        let mut mismatches = Vec::new();
        let mut totals: HashMap<String, i128> = HashMap::new();
        let mut seen = std::collections::HashSet::new();
        for (account, currency, amount) in &balances {
            *totals.entry(currency.clone()).or_default() += i128::from(*amount);
            let key = (account.clone(), currency.clone());
            let ledger = net.get(&key).copied().unwrap_or(0);
            if ledger != *amount {
                mismatches.push(LedgerMismatch {
                    account: account.clone(),
                    currency: currency.clone(),
                    balance: *amount,
                    ledger,
                });
            }
            seen.insert(key);
        }
        for ((account, currency), ledger) in &net {
            if *ledger != 0 && !seen.contains(&(account.clone(), currency.clone())) {
                mismatches.push(LedgerMismatch {
                    account: account.clone(),
                    currency: currency.clone(),
                    balance: 0,
                    ledger: *ledger,
                });
            }
        }
        mismatches.sort_by(|a, b| {
            (a.account.to_string(), &a.currency).cmp(&(b.account.to_string(), &b.currency))
        });
        let mut unbalanced: Vec<(String, i64)> = totals
            .into_iter()
            .filter(|(_, t)| *t != 0)
            .map(|(c, t)| (c, i64::try_from(t).unwrap_or(i64::MAX)))
            .collect();
        unbalanced.sort();
        if !mismatches.is_empty() || !unbalanced.is_empty() {
            tracing::error!(
                mismatches = mismatches.len(),
                unbalanced = unbalanced.len(),
                "ledger audit found differences"
            );
        }
        Ok(LedgerReport {
            ok: mismatches.is_empty() && unbalanced.is_empty(),
            accounts_checked: balances.len(),
            mismatches,
            unbalanced_currencies: unbalanced,
        })
    }

    // ----- Catalog and inventory (SPEC.md Catalog and inventory) -----

    /// Buys catalog items. See [`PurchaseRequest`] for errors.
    pub async fn purchase(&self, req: PurchaseRequest) -> Result<PurchaseResult> {
        inv::check_item_id(&req.item_id)?;
        let req = &req;
        self.execute(
            "purchase",
            &[&req.player],
            req.idempotency_key.as_deref(),
            &req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let item = self.store.catalog_item(&req.item_id).await?;
                    let currency = item
                        .as_ref()
                        .and_then(|i| i.price.as_ref())
                        .map(|p| p.currency.clone());
                    let bal = match &currency {
                        Some(c) if self.config.currency(c).is_ok() => {
                            self.store
                                .balance(&Account::Player(req.player.clone()), c)
                                .await?
                        }
                        _ => Default::default(),
                    };
                    let held = self.store.item(&req.player, &req.item_id).await?;
                    inv::purchase(&self.config, &ctx, req, item.as_ref(), bal, held.as_ref())
                })
            },
        )
        .await
    }

    /// Uses up consumables. See [`UseItemRequest`] for errors.
    pub async fn use_item(&self, req: UseItemRequest) -> Result<ItemChangeResult> {
        inv::check_item_id(&req.item_id)?;
        let req = &req;
        self.execute(
            "use",
            &[&req.player],
            req.idempotency_key.as_deref(),
            &req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let item = self.store.catalog_item(&req.item_id).await?;
                    let held = self.store.item(&req.player, &req.item_id).await?;
                    inv::use_item(&ctx, req, item.as_ref(), held.as_ref())
                })
            },
        )
        .await
    }

    /// Grants items without payment. See [`GrantItemRequest`] for errors.
    pub async fn grant_item(&self, req: GrantItemRequest) -> Result<ItemChangeResult> {
        inv::check_item_id(&req.item_id)?;
        let req = &req;
        self.execute(
            "grant_item",
            &[&req.player],
            req.idempotency_key.as_deref(),
            &req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let item = self.store.catalog_item(&req.item_id).await?;
                    let held = self.store.item(&req.player, &req.item_id).await?;
                    inv::grant_item(&ctx, req, item.as_ref(), held.as_ref())
                })
            },
        )
        .await
    }

    /// A player's inventory: stacks with quantity > 0, with catalog name and kind and
    /// first acquisition time, ordered by item id. An unknown player has an empty one.
    pub async fn inventory(&self, player: &PlayerId) -> Result<Vec<InventoryEntry>> {
        self.cached(inventory_key(player), self.inventory_uncached(player))
            .await
    }

    async fn inventory_uncached(&self, player: &PlayerId) -> Result<Vec<InventoryEntry>> {
        let rows = self.store.items(player).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows.into_iter().filter(|r| r.quantity > 0) {
            let item = self.store.catalog_item(&row.item_id).await?;
            out.push(InventoryEntry {
                name: item.as_ref().map(|i| i.name.clone()).unwrap_or_default(),
                kind: item
                    .as_ref()
                    .map_or(crate::types::ItemKind::Consumable, |i| i.kind),
                item_id: row.item_id,
                quantity: row.quantity,
                acquired_at: row.acquired_at,
            });
        }
        Ok(out)
    }

    /// Inserts or replaces a catalog item. Errors: `INVALID_ARGUMENT` (see
    /// [`inv::check_catalog_item`]).
    pub async fn upsert_catalog_item(&self, item: CatalogItem) -> Result<CatalogItem> {
        inv::check_catalog_item(&self.config, &item)?;
        self.commit_changes(ChangeSet {
            catalog: vec![item.clone()],
            ..Default::default()
        })
        .await?;
        Ok(item)
    }

    /// Activates or deactivates a catalog item (inactive: not for sale). Errors: `NOT_FOUND`.
    pub async fn set_catalog_item_active(&self, id: &str, active: bool) -> Result<CatalogItem> {
        let mut item = self.catalog_item(id).await?;
        item.active = active;
        self.upsert_catalog_item(item).await
    }

    /// One catalog item. Errors: `NOT_FOUND`, `INVALID_ARGUMENT`.
    pub async fn catalog_item(&self, id: &str) -> Result<CatalogItem> {
        inv::check_item_id(id)?;
        self.store
            .catalog_item(id)
            .await?
            .ok_or_else(|| Error::not_found("catalog item", id))
    }

    /// The whole catalog, ordered by id.
    pub async fn catalog(&self) -> Result<Vec<CatalogItem>> {
        self.store.catalog().await
    }

    /// Top items by units bought in `[from, to)` (SPEC.md Catalog and inventory,
    /// analytics), defaults as [`PopularItemsQuery`] says. Errors: `INVALID_ARGUMENT`
    /// (limit outside 1-100, `from` not before `to`).
    pub async fn popular_items(&self, query: &PopularItemsQuery) -> Result<Vec<PopularItem>> {
        let to = query.to.unwrap_or_else(|| self.clock.now());
        let from = query.from.unwrap_or_else(|| {
            to.checked_sub_signed(chrono::Duration::seconds(POPULAR_ITEMS_WINDOW_SECS))
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        });
        let limit = query.limit.unwrap_or(page::POPULAR_ITEMS);
        if !(1..=100).contains(&limit) {
            return Err(Error::invalid("limit", "limit is 1 to 100"));
        }
        if from >= to {
            return Err(Error::invalid("from", "from must be before to"));
        }
        self.store.popular_items(from, to, limit).await
    }

    /// Purchase revenue per currency per day of the reset time zone, days `from..=to`
    /// (at most 367 days), defaults as [`RevenueQuery`] says. Errors: `INVALID_ARGUMENT`.
    pub async fn revenue_per_day(&self, query: &RevenueQuery) -> Result<Vec<DailyRevenue>> {
        let to = query.to.unwrap_or_else(|| self.today());
        let from = query.from.unwrap_or_else(|| {
            to.checked_sub_signed(chrono::Duration::days(REVENUE_DAYS - 1))
                .unwrap_or(NaiveDate::MIN)
        });
        if from > to || (to - from).num_days() > 366 {
            return Err(Error::invalid("from", "from..to spans 1 to 367 days"));
        }
        self.store.revenue_per_day(from, to).await
    }

    /// Today in the reset time zone.
    pub fn today(&self) -> NaiveDate {
        self.config.day_of(self.clock.now())
    }

    // ----- Events (SPEC.md Events) -----

    /// Outbox events after `after` (a previous event's `seq`; 0 from the start), oldest
    /// first, at most `limit` (1-1000, default [`page::EVENTS`]). Errors: `INVALID_ARGUMENT`.
    pub async fn events_after(&self, after: i64, limit: Option<u32>) -> Result<Vec<Event>> {
        let limit = limit.unwrap_or(page::EVENTS);
        if !(1..=1000).contains(&limit) {
            return Err(Error::invalid("limit", "limit is 1 to 1000"));
        }
        self.store.events_after(after, limit).await
    }

    /// Live events as they commit (in this process, or every host with the Redis coordinator).
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Event> {
        self.coordinator.subscribe()
    }

    /// Removes events and idempotency records past their retention. Returns (events, records).
    pub async fn prune(&self) -> Result<(u64, u64)> {
        let now = self.clock.now();
        let events = now - chrono::Duration::seconds(self.config.event_retention_secs);
        let keys = now - chrono::Duration::seconds(self.config.idempotency_retention_secs);
        self.store.prune(events, keys).await
    }
}
