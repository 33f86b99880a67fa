//! The in-process cache of access records: API keys, accounts and characters (whose
//! account a token may act for), read on every
//! authenticated request, served from memory after the first read (ARCHITECTURE.md,
//! "Authentication cache"). Leaderboard definitions, read by every score submission and
//! rank read and changed only by an operator, are kept the same way.
//!
//! A change to one of them (a revoked key, a ban, a sign-out, a redefined board) reaches
//! every process:
//!
//! * this process drops its copy when the commit is done, before the caller hears of it;
//! * with Redis, the committer publishes the changed keys and every other instance drops
//!   its copies as the message arrives (milliseconds);
//! * with or without Redis, each commit that changes an access record also bumps the
//!   store's access generation (the counter [`GENERATION_KEY`]) before the caller hears
//!   of it, and every process reads that counter every [`POLL_EVERY`]; a new value drops
//!   the whole cache. A copy is served only within [`FRESH_FOR`] of the start of the
//!   last poll that succeeded, so a change made by any process (the CLI, another host)
//!   takes effect everywhere within about 1 s, even when polls fail or fall behind:
//!   then reads go to the store.
//!
//! A read that started before a drop never puts its (possibly old) copy back: every
//! drop moves an epoch, and a copy is kept only when the epoch it was read under is
//! still current.

use crate::access::{AccountRecord, ApiKeyRecord};
use crate::characters::Character;
use crate::docs::Document;
use crate::error::ErrorCode;
use crate::leaderboards::Leaderboard;
use crate::ports::{ChangeSet, CounterWrite, Store};
use chrono::{DateTime, TimeZone, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// The counter every change to an access record bumps (the store's access generation).
pub(crate) const GENERATION_KEY: &str = "access:generation";
/// How often each process reads the access generation.
pub(crate) const POLL_EVERY: Duration = Duration::from_millis(250);
/// How long after the start of the last successful poll copies are served; later, the
/// cache is bypassed until a poll succeeds again.
pub(crate) const FRESH_FOR: Duration = Duration::from_millis(750);
/// Copies kept at most per kind; past it the kind's copies are dropped and refilled.
const MAX_ENTRIES: usize = 100_000;
/// Every copy is dropped at least this often (a backstop for a lost bump).
const MAX_AGE: Duration = Duration::from_secs(60);

/// A document kind the cache keeps.
pub(crate) trait Cached: Document + Send + Sync + 'static {
    /// Its copies in the cache.
    fn slot(state: &mut State) -> &mut HashMap<String, Option<Arc<Self>>>;
}

impl Cached for ApiKeyRecord {
    fn slot(state: &mut State) -> &mut HashMap<String, Option<Arc<Self>>> {
        &mut state.keys
    }
}

impl Cached for AccountRecord {
    fn slot(state: &mut State) -> &mut HashMap<String, Option<Arc<Self>>> {
        &mut state.accounts
    }
}

impl Cached for Character {
    fn slot(state: &mut State) -> &mut HashMap<String, Option<Arc<Self>>> {
        &mut state.characters
    }
}

impl Cached for Leaderboard {
    fn slot(state: &mut State) -> &mut HashMap<String, Option<Arc<Self>>> {
        &mut state.boards
    }
}

/// What the cache holds: the copies (`None`: no such record), the epoch every drop
/// moves, the access generation last read and until when copies may be served.
#[derive(Default)]
pub(crate) struct State {
    keys: HashMap<String, Option<Arc<ApiKeyRecord>>>,
    accounts: HashMap<String, Option<Arc<AccountRecord>>>,
    characters: HashMap<String, Option<Arc<Character>>>,
    boards: HashMap<String, Option<Arc<Leaderboard>>>,
    epoch: u64,
    generation: Option<i64>,
    fresh_until: Option<Instant>,
    dropped_at: Option<Instant>,
}

impl State {
    fn fresh(&self, now: Instant) -> bool {
        self.fresh_until.is_some_and(|t| now < t)
    }

    fn drop_all(&mut self) {
        self.keys.clear();
        self.accounts.clear();
        self.characters.clear();
        self.boards.clear();
        self.epoch += 1;
    }
}

/// The cache of one [`super::Guildhall`] (shared by its clones).
#[derive(Default)]
pub(crate) struct AccessCache {
    state: Mutex<State>,
    /// The task keeping the copies current; one that ended (with its runtime) is
    /// started again on the next miss.
    watcher: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl AccessCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The copy of `id` (`Ok(None)`: known not to exist), or on a miss `Err(epoch)`: the
    /// epoch to hand to [`AccessCache::keep`] with what the store holds.
    pub(crate) fn get<T: Cached>(&self, id: &str) -> Result<Option<Arc<T>>, u64> {
        let mut s = self.lock();
        if s.fresh(Instant::now()) {
            if let Some(hit) = T::slot(&mut s).get(id) {
                return Ok(hit.clone());
            }
        }
        Err(s.epoch)
    }

    /// Keeps `value` as the copy of `id` when nothing was dropped since `epoch` and the
    /// cache is fresh.
    pub(crate) fn keep<T: Cached>(&self, id: &str, epoch: u64, value: Option<Arc<T>>) {
        let mut s = self.lock();
        if s.epoch != epoch || !s.fresh(Instant::now()) {
            return;
        }
        let slot = T::slot(&mut s);
        if slot.len() >= MAX_ENTRIES {
            slot.clear();
        }
        slot.insert(id.to_string(), value);
    }

    /// Drops the copies named by `keys` (`doc:<kind>:<id>`; other keys are ignored).
    pub(crate) fn forget(&self, keys: &[String]) {
        let mut s = self.lock();
        s.epoch += 1;
        for k in keys {
            let Some((kind, id)) = k.strip_prefix("doc:").and_then(|r| r.split_once(':')) else {
                continue;
            };
            if kind == ApiKeyRecord::KIND {
                s.keys.remove(id);
            } else if kind == AccountRecord::KIND {
                s.accounts.remove(id);
            } else if kind == Character::KIND {
                s.characters.remove(id);
            } else if kind == Leaderboard::KIND {
                s.boards.remove(id);
            }
        }
    }

    /// Records a poll of the access generation that started at `started`: a new value
    /// drops every copy; either way copies may be served until `started + FRESH_FOR`.
    fn polled(&self, generation: i64, started: Instant) {
        let mut s = self.lock();
        if s.generation != Some(generation)
            || s.dropped_at
                .is_none_or(|t| started.duration_since(t) > MAX_AGE)
        {
            s.drop_all();
            s.dropped_at = Some(started);
            s.generation = Some(generation);
        }
        s.fresh_until = Some(started + FRESH_FOR);
    }

    /// Starts the task that keeps the cache current, unless it runs: it polls the
    /// store's access generation every [`POLL_EVERY`] and applies the changes `changes`
    /// carries (other instances' commits, with Redis). It ends when the cache or the
    /// store is dropped, or with its runtime (then the next miss starts another).
    pub(crate) fn watch(
        self: &Arc<Self>,
        store: &Arc<dyn Store>,
        changes: impl FnOnce() -> Option<broadcast::Receiver<Vec<String>>>,
    ) {
        let mut task = self.watcher.lock().unwrap_or_else(|e| e.into_inner());
        if task.as_ref().is_some_and(|t| !t.is_finished()) {
            return;
        }
        let cache = Arc::downgrade(self);
        let store = Arc::downgrade(store);
        *task = Some(tokio::spawn(watcher(cache, store, changes())));
    }
}

async fn watcher(
    cache: Weak<AccessCache>,
    store: Weak<dyn Store>,
    mut changes: Option<broadcast::Receiver<Vec<String>>>,
) {
    let mut tick = tokio::time::interval(POLL_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let change = async {
            match changes.as_mut() {
                Some(rx) => Some(rx.recv().await),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = tick.tick() => {
                let (Some(c), Some(s)) = (cache.upgrade(), store.upgrade()) else { return };
                let started = Instant::now();
                match s.counter(GENERATION_KEY).await {
                    Ok(row) => c.polled(row.version, started),
                    Err(e) => tracing::debug!(error = %e, "access generation unreadable; the access cache waits for the next poll"),
                }
            }
            got = change => {
                let Some(c) = cache.upgrade() else { return };
                match got {
                    Some(Ok(keys)) => c.forget(&keys),
                    Some(Err(broadcast::error::RecvError::Lagged(_))) => c.lock().drop_all(),
                    Some(Err(broadcast::error::RecvError::Closed)) | None => changes = None,
                }
            }
        }
    }
}

/// The access generation never expires.
fn never() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Bumps the store's access generation after a commit that changed access records, so
/// every process polling it drops its copies. A bump that loses a race to another one
/// is done: the other landed after this commit. Failures are logged (copies elsewhere
/// then live until the next bump, at most [`MAX_AGE`]).
pub(crate) async fn bump_generation(store: &dyn Store) {
    for attempt in 0..5u32 {
        let row = match store.counter(GENERATION_KEY).await {
            Ok(row) => row,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the access generation; other processes may serve a changed API key or account from memory until the next change");
                return;
            }
        };
        let mut cs = ChangeSet::default();
        cs.counters.push(CounterWrite {
            key: GENERATION_KEY.to_string(),
            expected_version: row.version,
            count: row.count.wrapping_add(1),
            expires_at: never(),
        });
        match store.commit(cs).await {
            Ok(_) => return,
            Err(e) if e.code == ErrorCode::Conflict => {
                // Moved since it was read (after this commit): another bump did the job.
                // A busy database is a conflict too: then it has not moved; try again.
                match store.counter(GENERATION_KEY).await {
                    Ok(now) if now.version != row.version => return,
                    _ => tokio::time::sleep(Duration::from_millis(5 << attempt)).await,
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot bump the access generation; other processes may serve a changed API key or account from memory until the next change");
                return;
            }
        }
    }
    tracing::error!("gave up bumping the access generation after repeated conflicts");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> Arc<ApiKeyRecord> {
        Arc::new(ApiKeyRecord {
            id: id.into(),
            name: "n".into(),
            scopes: vec!["admin".into()],
            secret_sha256: "00".into(),
            created_at: Utc::now(),
            revoked_at: None,
        })
    }

    #[test]
    fn nothing_is_served_before_a_poll_succeeded() {
        let c = AccessCache::default();
        let epoch = c.get::<ApiKeyRecord>("k").expect_err("empty");
        c.keep("k", epoch, Some(key("k")));
        assert!(c.get::<ApiKeyRecord>("k").is_err(), "kept while not fresh");
    }

    #[test]
    fn copies_are_served_while_fresh_and_dropped_by_a_change() {
        let c = AccessCache::default();
        c.polled(7, Instant::now());
        let epoch = c.get::<ApiKeyRecord>("k").expect_err("empty");
        c.keep("k", epoch, Some(key("k")));
        let epoch = c.get::<AccountRecord>("p").expect_err("empty");
        c.keep::<AccountRecord>("p", epoch, None);
        assert!(c.get::<ApiKeyRecord>("k").expect("hit").is_some());
        assert!(c.get::<AccountRecord>("p").expect("hit").is_none());
        // The same generation keeps them; another drops them all.
        c.polled(7, Instant::now());
        assert!(c.get::<ApiKeyRecord>("k").is_ok());
        c.polled(8, Instant::now());
        assert!(c.get::<ApiKeyRecord>("k").is_err());
        assert!(c.get::<AccountRecord>("p").is_err());
    }

    #[test]
    fn a_forgotten_key_is_read_again_and_an_older_read_is_not_kept() {
        let c = AccessCache::default();
        c.polled(1, Instant::now());
        let before = c.get::<ApiKeyRecord>("k").expect_err("empty");
        c.keep("k", before, Some(key("k")));
        c.keep::<AccountRecord>("p", before, None);
        c.forget(&["doc:api_key:k".to_string(), "user:p:wallet".to_string()]);
        assert!(c.get::<ApiKeyRecord>("k").is_err(), "dropped");
        assert!(c.get::<AccountRecord>("p").is_ok(), "other kinds stay");
        // A read that started before the drop does not put its copy back.
        c.keep("k", before, Some(key("k")));
        assert!(c.get::<ApiKeyRecord>("k").is_err());
    }

    #[test]
    fn a_watcher_that_ended_with_its_runtime_is_started_again() {
        let cache = Arc::new(AccessCache::default());
        let store: Arc<dyn Store> = Arc::new(crate::memory::MemoryStore::new());
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
        };
        // Started, but its runtime ends before it ever polls.
        runtime().block_on(async { cache.watch(&store, || None) });
        runtime().block_on(async {
            cache.watch(&store, || None);
            let start = Instant::now();
            while !cache.lock().fresh(Instant::now()) {
                assert!(
                    start.elapsed() < Duration::from_secs(2),
                    "no watcher polls the store"
                );
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
    }

    #[test]
    fn copies_expire_when_polls_stop() {
        let c = AccessCache::default();
        c.polled(1, Instant::now() - FRESH_FOR - Duration::from_millis(1));
        let epoch = c.get::<ApiKeyRecord>("k").expect_err("empty");
        c.keep("k", epoch, Some(key("k")));
        assert!(c.get::<ApiKeyRecord>("k").is_err(), "served past FRESH_FOR");
    }
}
