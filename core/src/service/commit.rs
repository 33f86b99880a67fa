//! The commit engine every mutating service goes through: the idempotency lookup
//! scoped to the [`Caller`], the per-player [`Stripes`] of this process, the attempt
//! (state read and a rule), the group [`Committer`], bounded `CONFLICT` retries with
//! jittered backoff, and what follows a commit (cache invalidation, event publishing).
//! Also the read cache (`cached`) whose keys a commit drops.

use super::{access, access_cache, Guildhall};
use crate::ctx::Ctx;
use crate::docs::Document as _;
use crate::economy::rules as econ;
use crate::economy::{BalanceChangeResult, TransferResult};
use crate::error::{Error, ErrorCode, Result};
use crate::inventory::{ItemChangeResult, PurchaseResult};
use crate::ports::{ChangeSet, Coordinator, IdempotencyRecord, Store};
use crate::types::{Account, PlayerId};
use serde::{de::DeserializeOwned, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

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
    crate::mail::ClaimResult,
    crate::mail::Broadcast,
    crate::friends::FriendshipResult,
    crate::friends::BlockResult,
    crate::chat::ChatMessage,
    crate::groups::GroupBankResult,
    crate::trade::TradeResult,
    crate::rooms::RoomResult
);

/// One attempt of a call: the change set to commit and the result to return.
pub(crate) type Attempt<'a, R> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(ChangeSet, R)>> + Send + 'a>>;

/// A change set to commit, the cache keys its commit makes stale, and where its outcome
/// goes.
type Pending = (ChangeSet, Vec<String>, oneshot::Sender<Result<ChangeSet>>);

/// Coalesces concurrent commits into batches (group commit; ARCHITECTURE.md).
#[derive(Clone)]
pub(super) struct Committer {
    tx: mpsc::Sender<Pending>,
}

impl Committer {
    /// The committer task. What follows a commit (dropping the cache entries it made
    /// stale, publishing its events) is part of the commit: it runs from here, in a task
    /// of its own per committed batch, whether or not the caller is still waiting
    /// (a cancelled asyncio task, a dropped Promise, a disconnected HTTP client), and the
    /// caller hears the outcome only after it, so its next cached read sees its write.
    pub(super) fn spawn(
        store: Arc<dyn Store>,
        coordinator: Arc<dyn Coordinator>,
        access: Arc<access_cache::AccessCache>,
        max_batch: usize,
    ) -> Self {
        let (tx, mut rx) = mpsc::channel::<Pending>(4096);
        // Batches in flight at once: the store's answer (1 for a single-writer store:
        // each batch runs inline, the next one gathering what queued meanwhile). A
        // slot is taken before a batch is gathered, so while every slot is busy the
        // calls queue up and the next batch takes them all.
        let concurrent = store.concurrent_batches().max(1);
        let slots = Arc::new(tokio::sync::Semaphore::new(concurrent));
        tokio::spawn(async move {
            let mut batch: Vec<Pending> = Vec::with_capacity(max_batch);
            loop {
                let slot = match concurrent {
                    1 => None,
                    _ => match slots.clone().acquire_owned().await {
                        Ok(slot) => Some(slot),
                        Err(_) => break,
                    },
                };
                if rx.recv_many(&mut batch, max_batch).await == 0 {
                    break;
                }
                let pending = std::mem::replace(&mut batch, Vec::with_capacity(max_batch));
                let run =
                    commit_pending(store.clone(), coordinator.clone(), access.clone(), pending);
                match slot {
                    None => run.await,
                    Some(slot) => {
                        tokio::spawn(async move {
                            run.await;
                            drop(slot);
                        });
                    }
                }
            }
        });
        Self { tx }
    }

    async fn commit(&self, cs: ChangeSet, stale: Vec<String>) -> Result<ChangeSet> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send((cs, stale, reply))
            .await
            .map_err(|_| Error::unavailable("the committer has stopped"))?;
        rx.await
            .map_err(|_| Error::unavailable("the committer dropped a commit"))?
    }
}

/// Commits one batch and hands each caller its outcome, after what follows its commit.
async fn commit_pending(
    store: Arc<dyn Store>,
    coordinator: Arc<dyn Coordinator>,
    access: Arc<access_cache::AccessCache>,
    batch: Vec<Pending>,
) {
    let mut sets = Vec::with_capacity(batch.len());
    let mut waiting = Vec::with_capacity(batch.len());
    for (cs, keys, reply) in batch {
        sets.push(cs);
        waiting.push((keys, reply));
    }
    let outcomes = if sets.len() == 1 {
        vec![store.commit(sets.into_iter().next().expect("one")).await]
    } else {
        store.commit_batch(sets).await
    };
    // What follows the batch's commits runs in a task of its own, so the next batch
    // starts at once. The score rows of every committed set go to the rank index in one
    // call; beside it, the cache keys of every committed set are dropped in one call
    // (and changes to keys or accounts announced, concurrently), then the events of the
    // whole batch are published in one message; then the callers hear.
    tokio::spawn(async move {
        let committed: Vec<&ChangeSet> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
        let index = super::leaderboards::index_scores(&coordinator, &committed);
        let fan_out = async {
            let mut drops = tokio::task::JoinSet::new();
            let mut stale: Vec<String> = Vec::new();
            for ((keys, _), outcome) in waiting.iter().zip(&outcomes) {
                if let Ok(done) = outcome {
                    crate::telemetry::record_committed(&done.events);
                    if keys.iter().any(|k| k.starts_with("doc:")) {
                        let (store, coordinator, access) =
                            (store.clone(), coordinator.clone(), access.clone());
                        let keys = keys.clone();
                        drops.spawn(async move {
                            after_access_commit(&*store, coordinator.as_ref(), &access, &keys)
                                .await;
                        });
                    }
                    stale.extend(keys.iter().cloned());
                }
            }
            drop_stale(coordinator.as_ref(), &stale).await;
            while drops.join_next().await.is_some() {}
            match committed.as_slice() {
                [one] => publish(coordinator.as_ref(), &one.events).await,
                many => {
                    let events: Vec<crate::types::Event> = many
                        .iter()
                        .flat_map(|cs| cs.events.iter().cloned())
                        .collect();
                    publish(coordinator.as_ref(), &events).await;
                }
            }
        };
        tokio::join!(index, fan_out);
        for ((_, reply), outcome) in waiting.into_iter().zip(outcomes) {
            let _ = reply.send(outcome);
        }
    });
}

/// What follows a commit that changed API keys or accounts (their keys are
/// `doc:<kind>:<id>`): this process drops its copies, the store's access generation is
/// bumped (other processes poll it) and, with Redis, the change is published to the
/// other instances (`access_cache.rs`).
async fn after_access_commit(
    store: &dyn Store,
    coordinator: &dyn Coordinator,
    access: &access_cache::AccessCache,
    keys: &[String],
) {
    let changed: Vec<String> = keys
        .iter()
        .filter(|k| k.starts_with("doc:"))
        .cloned()
        .collect();
    if changed.is_empty() {
        return;
    }
    access.forget(&changed);
    access_cache::bump_generation(store).await;
    if let Err(e) = coordinator.publish_access_change(&changed).await {
        tracing::warn!(error = %e, "access change not published; other instances see it at their next poll");
        crate::telemetry::record_fallback("publish_access_change");
    }
}

/// Drops the shared cache entries a commit made stale (run by the committer, never by
/// the caller, who may be gone).
async fn drop_stale(coordinator: &dyn Coordinator, stale: &[String]) {
    if !stale.is_empty() {
        if let Err(e) = coordinator.cache_invalidate(stale).await {
            tracing::error!(error = %e, "cache invalidation failed after a commit; cached reads may be stale until they expire");
            crate::telemetry::record_fallback("cache_invalidate");
        }
    }
}

/// Publishes the events of a batch's commits, in commit order, in one message.
async fn publish(coordinator: &dyn Coordinator, events: &[crate::types::Event]) {
    if !events.is_empty() {
        if let Err(e) = coordinator.publish(events).await {
            tracing::warn!(error = %e, "live event fan-out failed; consumers resume from the outbox");
            crate::telemetry::record_fallback("publish");
        }
    }
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
pub(super) struct Stripes(Vec<tokio::sync::Mutex<()>>);

impl Stripes {
    pub(super) fn new(n: usize) -> Self {
        Self((0..n).map(|_| tokio::sync::Mutex::new(())).collect())
    }

    /// Locks the stripes of `keys` (player ids, or `group:<id>` for a group's document)
    /// in index order (no deadlock between callers).
    pub(super) async fn lock_keys(&self, keys: &[&str]) -> Vec<tokio::sync::MutexGuard<'_, ()>> {
        use std::hash::{Hash, Hasher};
        let mut idx: Vec<usize> = keys
            .iter()
            .map(|p| {
                let mut h = std::hash::DefaultHasher::new();
                p.hash(&mut h);
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
    /// The heart of every mutating call: idempotency lookup, attempt, commit, retry on
    /// `CONFLICT` up to `max_retries`, publish. `attempt` loads state and calls a rule.
    /// The key is scoped to the caller ([`Caller::scope`]); records stored before keys
    /// were scoped so (`player:<players[0]>`) still answer their replays. Every player in
    /// `players` is locked in this process for the call (see [`Stripes`]).
    pub(super) async fn execute<'a, Req, R, F>(
        &'a self,
        op: &str,
        players: &[&PlayerId],
        key: Option<&str>,
        request: &Req,
        attempt: F,
    ) -> Result<R>
    where
        Req: Serialize,
        R: Replayable + Send,
        F: FnMut(Ctx) -> Attempt<'a, R> + Send,
    {
        self.execute_locking(op, players, &[], key, request, attempt)
            .await
    }

    /// [`Guildhall::execute`] that also holds the stripes of `also` (such as
    /// `group:<id>` for a call writing a group's bank) with those of `players`.
    pub(super) async fn execute_locking<'a, Req, R, F>(
        &'a self,
        op: &str,
        players: &[&PlayerId],
        also: &[&str],
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
        let mut keys: Vec<&str> = players.iter().map(|p| p.as_str()).collect();
        keys.extend_from_slice(also);
        let _locked = self.stripes.lock_keys(&keys).await;
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
    /// services write. Adds the first-seen record of every player whose first state it
    /// stores (SPEC.md Clarifications; `first_seen.rs`), so a conflict on it is this
    /// commit's `CONFLICT`.
    pub(crate) async fn commit_changes(&self, mut cs: ChangeSet) -> Result<ChangeSet> {
        // Achievement progress its events count, in this same change set.
        self.count_achievements(&mut cs).await?;
        let first_seen = self.record_first_seen(&mut cs).await?;
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
                || d.kind == <crate::characters::Character as crate::docs::Document>::KIND
                || d.kind == <crate::leaderboards::Leaderboard as crate::docs::Document>::KIND
            {
                keys.push(access::doc_cache_key(&d.kind, &d.id));
            }
        }
        keys.sort();
        keys.dedup();
        let started = std::time::Instant::now();
        let outcome = self.committer.commit(cs, keys).await;
        crate::telemetry::record_commit(
            started.elapsed(),
            match &outcome {
                Ok(_) => "ok",
                Err(e) if e.code == ErrorCode::Conflict => "conflict",
                Err(_) => "error",
            },
        );
        let done = outcome?;
        self.remember_first_seen(first_seen);
        Ok(done)
    }

    /// A cached read: the coordinator's copy, else `load` (then cached for 60 s). A
    /// failing cache falls back to the store.
    pub(super) async fn cached<T, F>(&self, key: String, load: F) -> Result<T>
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
}
