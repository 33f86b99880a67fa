//! The ports the core owns. Adapters (memory here; SQLite and Postgres in
//! `guildhall-adapters`) implement them; the core depends on none of them.
//!
//! Invariant: a [`Store`] applies a [`ChangeSet`] whole or not at all, and refuses it
//! with `CONFLICT` when any version it carries has moved since it was read.

use crate::announce::{Template, Trigger};
use crate::error::Result;
use crate::mail::{Broadcast, Mail};
use crate::types::{Account, Amount, CatalogItem, EntryKind, Event, LedgerEntry, PlayerId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// The source of time. Rules never read the system clock; services ask this.
pub trait Clock: Send + Sync + 'static {
    /// Now, UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock for tests: starts at a given instant and moves only when told.
#[derive(Debug)]
pub struct ManualClock(AtomicI64);
impl ManualClock {
    /// A clock standing at `at` (microsecond precision).
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(AtomicI64::new(at.timestamp_micros()))
    }
    /// Moves the clock forward by `seconds` (may be fractional via `advance_micros`).
    pub fn advance_secs(&self, seconds: i64) {
        self.0.fetch_add(seconds * 1_000_000, Ordering::SeqCst);
    }
    /// Moves the clock forward by `micros`.
    pub fn advance_micros(&self, micros: i64) {
        self.0.fetch_add(micros, Ordering::SeqCst);
    }
    /// Sets the clock.
    pub fn set(&self, at: DateTime<Utc>) {
        self.0.store(at.timestamp_micros(), Ordering::SeqCst);
    }
}
impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.0.load(Ordering::SeqCst)).expect("clock in range")
    }
}

/// Id generation. Ids are opaque strings.
pub trait Ids: Send + Sync + 'static {
    /// A new unique id.
    fn next_id(&self) -> String;
}

/// Time-ordered UUIDv7 ids.
#[derive(Debug, Default, Clone, Copy)]
pub struct UuidIds;
impl Ids for UuidIds {
    fn next_id(&self) -> String {
        uuid::Uuid::now_v7().to_string()
    }
}

/// Deterministic ids for tests: `"<prefix>-000001"`, `"<prefix>-000002"`, ...
#[derive(Debug)]
pub struct SequentialIds {
    prefix: String,
    next: AtomicU64,
}
impl SequentialIds {
    /// Counter starting at 1.
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            next: AtomicU64::new(1),
        }
    }
}
impl Ids for SequentialIds {
    fn next_id(&self) -> String {
        format!(
            "{}-{:06}",
            self.prefix,
            self.next.fetch_add(1, Ordering::SeqCst)
        )
    }
}

/// A balance row as read, with the version a guarded write must match.
/// A row that does not exist reads as amount 0, version 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BalanceRow {
    /// Smallest units.
    pub amount: Amount,
    /// Bumped by one on every guarded write; 0: no row yet.
    pub version: i64,
}

/// An inventory row as read. Absent reads as `None`; a row whose quantity fell to 0
/// stays (quantity 0) so its version keeps guarding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRow {
    /// Catalog item id.
    pub item_id: String,
    /// Units held (>= 0).
    pub quantity: i64,
    /// First acquisition, UTC.
    pub acquired_at: DateTime<Utc>,
    /// Version for guarded writes (>= 1 for an existing row).
    pub version: i64,
}

/// What a purchase decides on (SPEC.md Catalog and inventory, `purchase`), as
/// [`Store::purchase_rows`] reads it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PurchaseRows {
    /// The catalog item; `None` when the id is not in the catalog.
    pub item: Option<CatalogItem>,
    /// The player's balance in the currency of the item's price: amount 0, version 0
    /// when the player has no such row, the item has no price or is not in the catalog.
    pub balance: BalanceRow,
    /// The player's inventory row of the item, `None` when absent.
    pub held: Option<ItemRow>,
}

/// A stored idempotency record: the request's fingerprint and the result JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    /// Caller scope, e.g. `player:42`.
    pub scope: String,
    /// Caller key, 1-255 bytes.
    pub key: String,
    /// SHA-256 (hex) of the operation name and request, without the key.
    pub fingerprint: String,
    /// The original result, as JSON.
    pub result: serde_json::Value,
    /// When stored, UTC (pruned after the configured retention).
    pub created_at: DateTime<Utc>,
}

/// One balance write of a change set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BalanceWrite {
    /// A guarded write to a player balance: applies only if the row's version is still
    /// `expected_version` (0: the row must not exist yet); sets `amount`, bumps the version.
    Set {
        /// Player account.
        account: Account,
        /// Currency code.
        currency: String,
        /// Version read.
        expected_version: i64,
        /// New balance (the rule checked floor and maximum).
        amount: Amount,
    },
    /// An unguarded increment of a system account (no floor, so no version: the shop's
    /// row is not a hot spot). Creates the row when missing.
    Add {
        /// System account.
        account: Account,
        /// Currency code.
        currency: String,
        /// Signed change.
        delta: Amount,
    },
}

/// A guarded write of one inventory row (same version rule as [`BalanceWrite::Set`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemWrite {
    /// Owner.
    pub player: PlayerId,
    /// Catalog item id.
    pub item_id: String,
    /// Version read; 0: the row must not exist yet.
    pub expected_version: i64,
    /// New quantity (>= 0).
    pub quantity: i64,
    /// First acquisition time to keep.
    pub acquired_at: DateTime<Utc>,
}

/// Everything one call changes, committed by [`Store::commit`] in one transaction.
/// Rules build it; services hand it to the store; nothing else writes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangeSet {
    /// Balance writes.
    pub balances: Vec<BalanceWrite>,
    /// Inventory writes.
    pub items: Vec<ItemWrite>,
    /// Ledger entries to append (`seq` assigned by the store).
    pub ledger: Vec<LedgerEntry>,
    /// Events to append to the outbox (`seq` assigned by the store).
    pub events: Vec<Event>,
    /// Idempotency record to insert; an existing one under the same scope and key is a `CONFLICT`.
    pub idempotency: Option<IdempotencyRecord>,
    /// Catalog items to insert or replace.
    pub catalog: Vec<CatalogItem>,
    /// Guarded counter writes (mail send limits, announcement frequency caps).
    pub counters: Vec<CounterWrite>,
    /// Guarded mailbox header writes; every change to a box bumps its version.
    pub mailboxes: Vec<MailboxWrite>,
    /// Mails to insert, replace or delete (only with a guarded write of their box).
    pub mails: Vec<MailWrite>,
    /// Broadcasts to append (`seq` assigned by the store).
    pub broadcasts: Vec<Broadcast>,
    /// Announcement templates to insert or replace.
    pub templates: Vec<Template>,
    /// Announcement triggers to insert or replace.
    pub triggers: Vec<Trigger>,
    /// Guarded document writes (parties, memberships, tickets, matches, ratings).
    pub docs: Vec<DocWrite>,
    /// Chat messages to append to their channels' history (ids are unique; SPEC.md Chat).
    #[serde(default)]
    pub chat: Vec<crate::chat::ChatMessage>,
    /// Rows of the leaderboards' ranking index to insert, replace or delete (each with
    /// a guarded write of its `lb_score` document in the same set).
    #[serde(default)]
    pub scores: Vec<ScoreWrite>,
}

/// A versioned JSON document as read: parties, party memberships, matchmaking tickets,
/// matches and ratings are stored this way, each guarded by its version, so adapters
/// need one table for all of them and no rule lives in SQL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Doc {
    /// Kind, e.g. `party`, `party_of`, `ticket`.
    pub kind: String,
    /// Id within the kind.
    pub id: String,
    /// Version (>= 1).
    pub version: i64,
    /// The document.
    pub body: serde_json::Value,
}

/// A guarded write of one document (version rule as [`BalanceWrite::Set`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocWrite {
    /// Kind.
    pub kind: String,
    /// Id within the kind.
    pub id: String,
    /// Version read; 0: must not exist yet.
    pub expected_version: i64,
    /// New body; `None` deletes the document.
    pub body: Option<serde_json::Value>,
}

impl ChangeSet {
    /// True when the set writes nothing (a read-only call or a replay).
    pub fn is_empty(&self) -> bool {
        self.balances.is_empty()
            && self.items.is_empty()
            && self.ledger.is_empty()
            && self.events.is_empty()
            && self.idempotency.is_none()
            && self.catalog.is_empty()
            && self.counters.is_empty()
            && self.mailboxes.is_empty()
            && self.mails.is_empty()
            && self.broadcasts.is_empty()
            && self.templates.is_empty()
            && self.triggers.is_empty()
            && self.docs.is_empty()
            && self.chat.is_empty()
            && self.scores.is_empty()
    }
}

/// The error a store returns when an unguarded increment would take a system account
/// past the range of `i64`: `BALANCE_LIMIT`, and the change set is not applied.
pub fn system_overflow(account: &Account, currency: &str) -> crate::Error {
    crate::Error::new(
        crate::ErrorCode::BalanceLimit,
        format!("system account {account} would overflow in {currency}"),
    )
    .with_details(serde_json::json!({ "account": account, "currency": currency }))
}

/// The error of a store that keeps no game data files.
fn no_files() -> crate::Error {
    crate::Error::unavailable("this store keeps no game data files")
}

/// A counter as read (count 0, version 0 when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CounterRow {
    /// Current count.
    pub count: i64,
    /// Version for guarded writes; 0: absent.
    pub version: i64,
}

/// A guarded write of a named counter, e.g. `mail_sent:<player>:<day>`
/// (same version rule as [`BalanceWrite::Set`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterWrite {
    /// Counter name.
    pub key: String,
    /// Version read; 0: must not exist yet.
    pub expected_version: i64,
    /// New count.
    pub count: i64,
    /// After this instant the counter is no longer needed and may be pruned.
    pub expires_at: DateTime<Utc>,
}

/// A mailbox header as read: its version and the last broadcast copied into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MailboxRow {
    /// Version; 0: the box was never written.
    pub version: i64,
    /// `seq` of the last broadcast copied into the box.
    pub broadcast_seq: i64,
}

/// A guarded write of a mailbox header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxWrite {
    /// Owner.
    pub player: PlayerId,
    /// Version read; 0: must not exist yet.
    pub expected_version: i64,
    /// New broadcast position.
    pub broadcast_seq: i64,
}

/// A write of one stored mail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MailWrite {
    /// Insert or replace.
    Put(Mail),
    /// Remove.
    Delete {
        /// Owner.
        player: PlayerId,
        /// Mail id.
        mail_id: String,
    },
}

/// Filter and page of a player's ledger history, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryQuery {
    /// Entries where this account is debit or credit.
    pub account: Account,
    /// Only this currency.
    pub currency: Option<String>,
    /// Only this kind.
    pub kind: Option<EntryKind>,
    /// Only entries with `seq` below this (the previous page's `next_cursor`).
    pub before_seq: Option<i64>,
    /// Page size.
    pub limit: u32,
}

/// Units sold of one catalog item in a window (SPEC.md Analytics).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PopularItem {
    /// Catalog item id.
    pub item_id: String,
    /// Units bought.
    pub total_quantity: i64,
    /// Number of purchases.
    pub purchases: i64,
}

/// Purchase revenue of one currency on one day of the reset time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DailyRevenue {
    /// Calendar day in the reset time zone.
    #[schema(value_type = String, format = Date)]
    pub day: NaiveDate,
    /// Currency code.
    pub currency: String,
    /// Sum of purchase amounts, smallest units.
    pub amount: Amount,
    /// Number of purchases.
    pub purchases: i64,
}

/// Balances and ledger sums of one consistent snapshot ([`Store::ledger_snapshot`]),
/// for the ledger audit (`Guildhall::verify_ledger`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerSnapshot {
    /// Every balance row, players and system accounts: (account, currency, amount in the
    /// currency's smallest unit). Unordered.
    pub balances: Vec<(Account, String, Amount)>,
    /// Per (account, currency) that appears in the ledger: credits minus debits, in the
    /// smallest unit. An `i128`, summed without overflow: a system account's credits (or
    /// debits) alone may pass `i64` although its balance never does. Unordered.
    pub net: Vec<(Account, String, i128)>,
}

/// Durable state. One implementation per database; all pass the conformance suite.
///
/// Reads never block writers for long; [`Store::commit`] is the only write path and is
/// atomic. Errors: `CONFLICT` when a guarded version moved (the service retries),
/// `UNAVAILABLE` when the database fails.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// Creates or upgrades the schema. Idempotent.
    async fn migrate(&self) -> Result<()>;
    /// Checks the database answers (for `/readyz`).
    async fn ping(&self) -> Result<()>;

    /// One balance (amount 0, version 0 when absent).
    async fn balance(&self, account: &Account, currency: &str) -> Result<BalanceRow>;
    /// Every balance row of an account, as (currency, row).
    async fn balances(&self, account: &Account) -> Result<Vec<(String, BalanceRow)>>;
    /// Every balance row of every account, for the ledger audit.
    async fn all_balances(&self) -> Result<Vec<(Account, String, Amount)>>;
    /// One inventory row.
    async fn item(&self, player: &PlayerId, item_id: &str) -> Result<Option<ItemRow>>;
    /// Every inventory row of a player (including quantity 0), ordered by item id.
    async fn items(&self, player: &PlayerId) -> Result<Vec<ItemRow>>;
    /// A stored idempotency record.
    async fn idempotency(&self, scope: &str, key: &str) -> Result<Option<IdempotencyRecord>>;
    /// One catalog item.
    async fn catalog_item(&self, id: &str) -> Result<Option<CatalogItem>>;
    /// The whole catalog, ordered by id.
    async fn catalog(&self) -> Result<Vec<CatalogItem>>;
    /// The rows a purchase of `item_id` by `player` reads: the catalog item, the
    /// player's balance in the item's price currency and the player's inventory row of
    /// the item ([`PurchaseRows`]). The default reads them one after another; a store
    /// that reaches its database over a network reads them in one statement (one
    /// round trip, one snapshot). Errors: the store's read errors only.
    async fn purchase_rows(&self, player: &PlayerId, item_id: &str) -> Result<PurchaseRows> {
        let item = self.catalog_item(item_id).await?;
        let balance = match item.as_ref().and_then(|i| i.price.as_ref()) {
            Some(price) => {
                self.balance(&Account::Player(player.clone()), &price.currency)
                    .await?
            }
            None => BalanceRow::default(),
        };
        let held = self.item(player, item_id).await?;
        Ok(PurchaseRows {
            item,
            balance,
            held,
        })
    }
    /// The rows a change of `player`'s stack of `item_id` without payment reads (use,
    /// grant, a character's bank deposit): the catalog item (`None` when the id is not
    /// in the catalog) and the player's inventory row of the item (`None` when
    /// absent). The default reads them one after the other; a store that reaches its
    /// database over a network reads them in one statement (one round trip, one
    /// snapshot). Errors: the store's read errors only.
    async fn item_rows(
        &self,
        player: &PlayerId,
        item_id: &str,
    ) -> Result<(Option<CatalogItem>, Option<ItemRow>)> {
        let item = self.catalog_item(item_id).await?;
        let held = self.item(player, item_id).await?;
        Ok((item, held))
    }
    /// A page of ledger entries, newest first.
    async fn history(&self, query: &HistoryQuery) -> Result<Vec<LedgerEntry>>;
    /// What the ledger audit compares, read from ONE consistent snapshot of the store (a
    /// commit lands wholly before it or wholly after it): every balance row, and every
    /// account's net ledger movement summed exactly (SPEC.md Clarifications (second
    /// round): the audit reads balances and ledger sums from one consistent snapshot, and
    /// sums that pass the range of `i64` on the way are still summed exactly).
    /// Errors: `UNAVAILABLE` when the database fails.
    async fn ledger_snapshot(&self) -> Result<LedgerSnapshot>;
    /// Purchases in `[from, to)` grouped by item, most units first, at most `limit`.
    async fn popular_items(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<PopularItem>>;
    /// Purchase revenue per (day, currency) for days in `[from, to]`, by day then currency.
    async fn revenue_per_day(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyRevenue>>;
    /// Outbox events with `seq > after`, oldest first, at most `limit`.
    async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<Event>>;

    /// A named counter.
    async fn counter(&self, key: &str) -> Result<CounterRow>;
    /// A player's mailbox header and every stored mail, oldest first (by `sent_at`, then id).
    async fn mailbox(&self, player: &PlayerId) -> Result<(MailboxRow, Vec<Mail>)>;
    /// Broadcasts with `seq > after`, oldest first, at most `limit`.
    async fn broadcasts_after(&self, after: i64, limit: u32) -> Result<Vec<Broadcast>>;
    /// One broadcast by id, with its `seq`. The default pages through
    /// [`Store::broadcasts_after`]; the stores look the id up in its unique index.
    async fn broadcast(&self, id: &str) -> Result<Option<Broadcast>> {
        let mut after = 0;
        loop {
            let page = self.broadcasts_after(after, 1000).await?;
            let Some(last) = page.last() else {
                return Ok(None);
            };
            after = last.seq;
            if let Some(b) = page.into_iter().find(|b| b.id == id) {
                return Ok(Some(b));
            }
        }
    }
    /// One announcement template.
    async fn template(&self, id: &str) -> Result<Option<Template>>;
    /// Every template, ordered by id.
    async fn templates(&self) -> Result<Vec<Template>>;
    /// One trigger.
    async fn trigger(&self, id: &str) -> Result<Option<Trigger>>;
    /// Every trigger, ordered by id (`event`: only those for that event).
    async fn triggers(&self, event: Option<&str>) -> Result<Vec<Trigger>>;
    /// One document.
    async fn doc(&self, kind: &str, id: &str) -> Result<Option<Doc>>;
    /// Documents of a kind whose id starts with `prefix`, ordered by id, at most `limit`.
    async fn docs(&self, kind: &str, prefix: &str, limit: u32) -> Result<Vec<Doc>>;
    /// A page of a chat channel's history, newest first (by `sent_at`, then id, both
    /// descending): messages of `channel` strictly older than `before` (`(sent_at in
    /// microseconds since the epoch, id)`; `None`: from the newest), at most `limit`.
    async fn chat_history(
        &self,
        channel: &str,
        before: Option<(i64, String)>,
        limit: u32,
    ) -> Result<Vec<crate::chat::ChatMessage>>;
    /// Deletes chat messages sent before `before` (SPEC.md Chat: kept 30 days by
    /// default). Returns how many went.
    async fn prune_chat(&self, before: DateTime<Utc>) -> Result<u64>;
    /// The ranking-index row of `player` in `standings` (`<board>/<partition>/<period>`).
    async fn score_entry(
        &self,
        standings: &str,
        player: &PlayerId,
    ) -> Result<Option<crate::leaderboards::ScoreEntry>>;
    /// Rows of `standings` strictly after `after` in index order (`ord`, `submitted_at`,
    /// `player` ascending; `None`: from the first), at most `limit`: an index range read.
    async fn scores_after(
        &self,
        standings: &str,
        after: Option<&crate::leaderboards::ScorePos>,
        limit: u32,
    ) -> Result<Vec<crate::leaderboards::ScoreEntry>>;
    /// Rows of `standings` strictly before `before`, nearest first (index order
    /// descending), at most `limit`.
    async fn scores_before(
        &self,
        standings: &str,
        before: &crate::leaderboards::ScorePos,
        limit: u32,
    ) -> Result<Vec<crate::leaderboards::ScoreEntry>>;
    /// How many rows of `standings` sort before `before` (a player's rank minus one): a
    /// count over an index range, no table scan.
    async fn scores_count_before(
        &self,
        standings: &str,
        before: &crate::leaderboards::ScorePos,
    ) -> Result<u64>;
    /// Outbox events concerning `player` with `seq > after`, oldest first, at most `limit`.
    async fn player_events_after(
        &self,
        player: &PlayerId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Event>>;

    /// Documents of a kind whose id sorts strictly after `after`, ordered by id, at most
    /// `limit`: a cursor page (the payment log). The default filters
    /// [`Store::docs`]; the stores read an index range.
    async fn docs_after(&self, kind: &str, after: &str, limit: u32) -> Result<Vec<Doc>> {
        Ok(self
            .docs(kind, "", u32::MAX)
            .await?
            .into_iter()
            .filter(|d| d.id.as_str() > after)
            .take(limit as usize)
            .collect())
    }
    /// Stores a new version of a game data file (SPEC.md Game data downloads) under the
    /// next number of the one global file sequence, visible to readers in version order.
    /// Errors: `UNAVAILABLE` (also from a store that keeps no files).
    async fn put_file(
        &self,
        file: crate::downloads::NewFile,
    ) -> Result<crate::downloads::FileMeta> {
        let _ = file;
        Err(no_files())
    }
    /// A version of a file with its bytes (`None`: the current, newest one).
    async fn file(
        &self,
        name: &str,
        version: Option<i64>,
    ) -> Result<Option<crate::downloads::StoredFile>> {
        let _ = (name, version);
        Err(no_files())
    }
    /// The current version of every file whose current version is above `since`, by
    /// version ascending, at most `limit`.
    async fn files_changed(
        &self,
        since: i64,
        limit: u32,
    ) -> Result<Vec<crate::downloads::FileMeta>> {
        let _ = (since, limit);
        Err(no_files())
    }
    /// The versions of one file, newest first, at most `limit`.
    async fn file_versions(
        &self,
        name: &str,
        limit: u32,
    ) -> Result<Vec<crate::downloads::FileMeta>> {
        let _ = (name, limit);
        Err(no_files())
    }

    /// Commits one change set atomically. Returns it with store-assigned `seq`s filled in
    /// for its ledger entries and events.
    async fn commit(&self, changes: ChangeSet) -> Result<ChangeSet>;
    /// Commits independent change sets in as few transactions as the store can, each with
    /// its own outcome (group commit). The default commits them one by one.
    async fn commit_batch(&self, batch: Vec<ChangeSet>) -> Vec<Result<ChangeSet>> {
        let mut out = Vec::with_capacity(batch.len());
        for cs in batch {
            out.push(self.commit(cs).await);
        }
        out
    }
    /// How many group-commit batches a process may have in flight on this store at
    /// once. 1 (the default) for a store with one writer (SQLite, memory): batches
    /// follow each other. A store whose writers run concurrently (PostgreSQL) answers
    /// more, so a process keeps the database busy while a batch waits on the network
    /// or on its commit. Calls of one player never share a moment in flight (the
    /// service serializes them per player before they reach the committer).
    fn concurrent_batches(&self) -> usize {
        1
    }
    /// Deletes events older than `events_before`, idempotency records older than
    /// `idempotency_before`, and counters that expired before `events_before`. Returns
    /// (events, records) removed.
    async fn prune(
        &self,
        events_before: DateTime<Utc>,
        idempotency_before: DateTime<Utc>,
    ) -> Result<(u64, u64)>;
}

/// The outcome of a rate-limit hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateDecision {
    /// True when the hit is within the limit.
    pub allowed: bool,
    /// Hits counted in the current window, this one included.
    pub count: u32,
    /// Seconds until the window resets.
    pub retry_after_secs: u64,
}

/// A player's live session (SPEC.md Presence and sessions): started at login, kept
/// alive by heartbeats, ended by logout or `session_timeout_secs` without a heartbeat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Session {
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Where the player is.
    pub location: crate::announce::Location,
    /// Login time, UTC.
    pub started_at: DateTime<Utc>,
    /// Last heartbeat, UTC.
    pub last_seen: DateTime<Utc>,
    /// The session ends at this instant unless a heartbeat comes first.
    pub expires_at: DateTime<Utc>,
}

/// Shared, non-durable coordination: live event fan-out now; cache, presence, the
/// match pool, leases and rate limits as their modules arrive. The in-process one serves
/// a single host; the Redis one serves many.
#[async_trait::async_trait]
pub trait Coordinator: Send + Sync + 'static {
    /// Publishes committed events to live subscribers (after the commit, never before).
    async fn publish(&self, events: &[Event]) -> Result<()>;
    /// A live feed of published events, each shared by every receiver (a chat message to
    /// a channel of 100 is one allocation, not 100 copies). Slow receivers may lag and
    /// must resume from the outbox ([`Store::events_after`]).
    fn subscribe(&self) -> tokio::sync::broadcast::Receiver<std::sync::Arc<Event>>;
    /// Stores (replaces) a player's session.
    async fn put_session(&self, session: Session) -> Result<()>;
    /// A player's session if it has not expired at `now`.
    async fn session(&self, player: &PlayerId, now: DateTime<Utc>) -> Result<Option<Session>>;
    /// Ends a player's session; returns whether one existed.
    async fn end_session(&self, player: &PlayerId) -> Result<bool>;
    /// Every session not expired at `now`, ordered by player.
    async fn sessions(&self, now: DateTime<Utc>) -> Result<Vec<Session>>;
    /// The sessions of `players` not expired at `now`, one entry per player in its
    /// order (`None`: offline). A friend list's presence: the Redis coordinator reads
    /// them in batches (MGET) rather than one round trip each.
    async fn sessions_of(
        &self,
        players: &[PlayerId],
        now: DateTime<Utc>,
    ) -> Result<Vec<Option<Session>>> {
        let mut out = Vec::with_capacity(players.len());
        for p in players {
            out.push(self.session(p, now).await?);
        }
        Ok(out)
    }
    /// A cached value (`None` when absent, expired or invalidated).
    async fn cache_get(&self, key: &str) -> Result<Option<serde_json::Value>>;
    /// Caches a value for `ttl_secs`, only if the key holds nothing: a key invalidated a
    /// moment ago holds a short tombstone, so a read that started before a commit cannot
    /// put the old state back.
    async fn cache_put(&self, key: &str, value: serde_json::Value, ttl_secs: u64) -> Result<()>;
    /// Drops cached keys after a commit (and blocks re-caching them for a few seconds).
    async fn cache_invalidate(&self, keys: &[String]) -> Result<()>;
    /// Counts one hit of `key` in a fixed window of `window_secs`; refused past `limit`.
    async fn rate_hit(&self, key: &str, limit: u32, window_secs: u64) -> Result<RateDecision>;
    /// Takes or renews the lease `name` for `holder` until `now + ttl_secs`; true when
    /// `holder` holds it now (one matchmaking ticker at a time across hosts).
    async fn lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        ttl_secs: i64,
    ) -> Result<bool>;
    /// Whether `holder` holds the lease `name` at `now` (taken or renewed by it and not
    /// expired). Changes nothing: a tick asks this before each commit, so a host whose
    /// lease passed to another commits nothing more.
    async fn lease_held(&self, name: &str, holder: &str, now: DateTime<Utc>) -> Result<bool>;
    /// Tells the other instances sharing this coordinator that the access records under
    /// `keys` (`doc:<kind>:<id>`: API keys, accounts) changed in a commit, so they drop
    /// their in-memory copies at once (ARCHITECTURE.md, "Authentication cache"). Sent
    /// after the commit. The in-process coordinator reaches no other instance: it does
    /// nothing, and other processes learn of the change by polling the store.
    async fn publish_access_change(&self, keys: &[String]) -> Result<()> {
        let _ = keys;
        Ok(())
    }
    /// The access changes other instances publish ([`Coordinator::publish_access_change`]),
    /// each a list of `doc:<kind>:<id>` keys; `None` when this coordinator carries none
    /// (the in-process one). A lagging receiver must drop its whole cache.
    fn access_changes(&self) -> Option<tokio::sync::broadcast::Receiver<Vec<String>>> {
        None
    }
    /// Whether this coordinator keeps rank indexes (ARCHITECTURE.md, "Ranking storage"):
    /// a sorted set per standings whose members ([`crate::leaderboards::rules::rank_member`])
    /// sort as the Store's ranking index. False (the default, the in-process coordinator):
    /// the `rank_*` methods answer `UNAVAILABLE` and every rank read uses the Store.
    fn rank_index(&self) -> bool {
        false
    }
    /// Applies writes to rank indexes, each only if its `version` is newer than the one
    /// the index holds for that player (version 0, a rebuild's: only if it holds none),
    /// so writes arriving out of order from two hosts cannot regress a record. The
    /// player's old member is removed. Errors: `UNAVAILABLE`.
    async fn rank_apply(&self, writes: &[RankWrite]) -> Result<()> {
        let _ = writes;
        Err(no_rank_index())
    }
    /// Marks the index of `standings` incomplete (a write to it failed): reads use the
    /// Store until a rebuild completes it. Errors: `UNAVAILABLE`.
    async fn rank_invalidate(&self, standings: &str) -> Result<()> {
        let _ = standings;
        Err(no_rank_index())
    }
    /// Starts a rebuild of the index of `standings` under `token`: empties it (marked
    /// incomplete); writes from then on land in the new index. Errors: `UNAVAILABLE`.
    async fn rank_rebuild_start(&self, standings: &str, token: &str) -> Result<()> {
        let _ = (standings, token);
        Err(no_rank_index())
    }
    /// Marks the index of `standings` complete if the rebuild `token` is still the
    /// current one (no failed write and no other rebuild since it started); returns
    /// whether it did. Errors: `UNAVAILABLE`.
    async fn rank_rebuild_finish(&self, standings: &str, token: &str) -> Result<bool> {
        let _ = (standings, token);
        Err(no_rank_index())
    }
    /// Drops the index of `standings` (an archived period). Errors: `UNAVAILABLE`.
    async fn rank_drop(&self, standings: &str) -> Result<()> {
        let _ = standings;
        Err(no_rank_index())
    }
    /// Up to `limit` members of the index of `standings` strictly after the member
    /// `after` (`None`: from the best), best first. `None` when the index is incomplete.
    /// Errors: `UNAVAILABLE`.
    async fn rank_after(
        &self,
        standings: &str,
        after: Option<&[u8]>,
        limit: u32,
    ) -> Result<Option<Vec<Vec<u8>>>> {
        let _ = (standings, after, limit);
        Err(no_rank_index())
    }
    /// The version of the best [`RANK_TOP`] members of the index of `standings`: it
    /// changes whenever one of them does (a write whose old or new member ranks among
    /// them, a rebuild, a drop), so a page of the top read under one version may be
    /// served again while the version stands. `None` when the index is incomplete.
    /// Errors: `UNAVAILABLE`.
    async fn rank_top_version(&self, standings: &str) -> Result<Option<String>> {
        let _ = standings;
        Err(no_rank_index())
    }
    /// The best `limit` (at most [`RANK_TOP`]) members of the index of `standings`, best
    /// first, with the top's version ([`Coordinator::rank_top_version`]) read in the
    /// same step. `None` when the index is incomplete. Errors: `UNAVAILABLE`.
    async fn rank_top(&self, standings: &str, limit: u32) -> Result<Option<RankTop>> {
        let _ = (standings, limit);
        Err(no_rank_index())
    }
    /// The 0-based rank of `player` in the index of `standings` and the members from
    /// `rank - n` to `rank + n` (clipped to the index). `None` when the index is
    /// incomplete; `Some(None)` when the player has no record. Errors: `UNAVAILABLE`.
    async fn rank_window(
        &self,
        standings: &str,
        player: &str,
        n: u32,
    ) -> Result<Option<Option<RankWindow>>> {
        let _ = (standings, player, n);
        Err(no_rank_index())
    }
}

fn no_rank_index() -> crate::Error {
    crate::Error::unavailable("this coordinator keeps no rank index")
}

/// One write to a coordinator's rank index ([`Coordinator::rank_apply`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankWrite {
    /// `<board>/<partition>/<period>`.
    pub standings: String,
    /// The player id.
    pub player: String,
    /// The version of the player's `lb_score` document this record is (0: read by a
    /// rebuild, weaker than any write).
    pub version: i64,
    /// The record's member ([`crate::leaderboards::rules::rank_member`]); `None`
    /// removes the player's record.
    pub member: Option<Vec<u8>>,
}

/// How many best members of a rank index the top's version covers
/// ([`Coordinator::rank_top_version`]): the largest first page a standings read serves
/// (1,000 records) and the one past it that tells whether more follow.
pub const RANK_TOP: u32 = crate::leaderboards::rules::MAX_PAGE + 1;

/// The best members of a rank index and the version they were read under
/// ([`Coordinator::rank_top`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankTop {
    /// The top's version ([`Coordinator::rank_top_version`]).
    pub version: String,
    /// Members from rank 0 on.
    pub members: Vec<Vec<u8>>,
}

/// A player's place in a rank index ([`Coordinator::rank_window`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankWindow {
    /// The player's rank, 0-based.
    pub rank: u64,
    /// The 0-based rank of `members[0]`.
    pub first: u64,
    /// Members from rank `first` on, the player's own among them at `rank - first`.
    pub members: Vec<Vec<u8>>,
}

/// A write of one row of the leaderboards' ranking index (table `leaderboard_scores`).
/// Unguarded itself: the `lb_score` document written in the same change set carries the
/// version, so the row changes exactly when its document does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScoreWrite {
    /// Insert or replace the row of (`standings`, `player`).
    Put(crate::leaderboards::ScoreEntry),
    /// Remove it.
    Delete {
        /// `<board>/<partition>/<period>`.
        standings: String,
        /// The player.
        player: PlayerId,
    },
}
