//! The services: load state through the ports, call a rule, commit its change set
//! atomically, retry on `CONFLICT`, publish the committed events. One code path,
//! whatever the backend.
//!
//! This file holds the [`Guildhall`] facade (construction, [`Guildhall::acting_as`],
//! shared accessors); `commit.rs` the commit engine every mutating call goes through
//! (idempotency, per-player stripes, group commit, retries); and a file per module its
//! operations: `economy.rs`, `inventory.rs` (with the catalog and its analytics),
//! `mail.rs`, `announce.rs`, `presence.rs`, `party.rs`, `matchmaking.rs`, `access.rs`,
//! `achievements.rs` (whose counting the commit engine calls for every change set),
//! `trade.rs`, `payments.rs` (webhooks in), `downloads.rs` (game data files), `webhooks.rs` (outbound webhook subscriptions
//! and delivery progress), `recovery.rs` (one-time codes, password reset, closing
//! accounts), `events.rs`, and `first_seen.rs` (when a player began to exist).

use crate::config::Config;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::ports::{Clock, Coordinator, Ids, Store, SystemClock, UuidIds};
use chrono::NaiveDate;
use std::sync::Arc;

mod access;
mod access_cache;
mod achievements;
mod announce;
mod characters;
mod chat;
mod commit;
mod downloads;
mod economy;
mod events;
mod first_seen;
mod friends;
mod groups;
mod inventory;
mod leaderboards;
mod live;
mod loot;
mod mail;
mod matchmaking;
mod party;
mod payments;
mod presence;
mod recovery;
mod rooms;
mod trade;
mod trends;
mod webhooks;

pub use commit::{Caller, Replayable};
use commit::{Committer, Stripes};
pub use economy::{HistoryFilter, HistoryPage};
pub use inventory::{PopularItemsQuery, RevenueQuery, POPULAR_ITEMS_WINDOW_SECS, REVENUE_DAYS};
pub use matchmaking::{ReportResult, TicketStatus, MATCHMAKING_LEASE};

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
    /// First-seen records this process knows (see `first_seen.rs`).
    first_seen: Arc<first_seen::SeenCache>,
    /// API keys and accounts served from memory (see `access_cache.rs`).
    access_cache: Arc<access_cache::AccessCache>,
    /// Achievement definitions this process counts with (see `achievements.rs`).
    achievement_defs: Arc<achievements::DefCache>,
    /// Loot tables this process rolls with (see `loot.rs`).
    loot_cache: Arc<loot::TableCache>,
    /// Leaderboard periods this process saw open, with their ends (see `leaderboards.rs`).
    open_periods: Arc<leaderboards::OpenPeriods>,
    /// Tops of rank indexes this process read, by version (see `leaderboards.rs`).
    top_pages: Arc<leaderboards::TopPages>,
}

impl Guildhall {
    /// A core over `store` and `coordinator` with the system clock and UUIDv7 ids.
    /// Does not migrate: call [`Guildhall::migrate`] (the facade does).
    pub fn new(store: Arc<dyn Store>, coordinator: Arc<dyn Coordinator>, config: Config) -> Self {
        let access_cache = Arc::new(access_cache::AccessCache::default());
        let committer = Committer::spawn(
            store.clone(),
            coordinator.clone(),
            access_cache.clone(),
            config.max_batch,
        );
        Self {
            store,
            coordinator,
            clock: Arc::new(SystemClock),
            ids: Arc::new(UuidIds),
            config: Arc::new(config),
            committer,
            stripes: Arc::new(Stripes::new(1024)),
            caller: Caller::Embedded,
            first_seen: Arc::default(),
            access_cache,
            achievement_defs: Arc::default(),
            loot_cache: Arc::default(),
            open_periods: Arc::default(),
            top_pages: Arc::default(),
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

    /// Today in the reset time zone.
    pub fn today(&self) -> NaiveDate {
        self.config.day_of(self.clock.now())
    }
}
