//! The Postgres [`Store`]: for deployments with many host instances sharing one
//! database. It behaves exactly like the SQLite store (same tables, same guards, same
//! orderings); only the concurrency machinery differs.
//!
//! Schema: `migrations/postgres/`, embedded in the binary and applied by
//! [`Store::migrate`] (sqlx takes its own advisory lock, so hosts starting together
//! migrate once). Times are BIGINT microseconds since the Unix epoch (UTC), accounts are
//! `player:<id>` / `system:<name>` text, JSON is text, key columns use the "C" collation
//! so ids sort by their bytes as in every other store.
//!
//! # Writes, row locks and the order of `seq`
//!
//! Writers take no lock of their own: concurrent transactions, of one host's
//! committer or of many hosts, are kept apart by the guarded writes alone (every
//! player row, document, counter and mailbox is written with `version = expected`;
//! under READ COMMITTED a write that finds the row changed by a transaction that
//! committed meanwhile changes nothing and the change set is refused with `CONFLICT`,
//! which the service retries). Two consequences are handled here:
//!
//! * **The outbox stays resumable.** A reader follows `events` (and `broadcasts`) by
//!   `seq` and resumes after the last `seq` it saw, so a row that commits after the
//!   reader passed its `seq` would be lost. With concurrent writers an identity column
//!   cannot prevent that (two transactions draw 10 and 11, 11 commits first, a reader
//!   sees 11 and resumes past 10). So `seq` is built from the writer's transaction id
//!   ([`SEQ_OF_WRITER`]: `base + (xid - xid₀) · 65536 + ordinal`, table
//!   `outbox_clock`, migration 0002) and readers take only rows below the oldest
//!   transaction id still running ([`OUTBOX_HORIZON`]). Transaction ids are assigned
//!   at a transaction's first write and only grow, so every transaction below the
//!   horizon has ended: every row a reader can see later has a larger `seq` than
//!   every row it has read. The price: a writing transaction of this database that
//!   stays open (a stuck session, a long migration) holds back what readers see
//!   until it ends, never what writers write; readers wait a moment
//!   (up to [`HORIZON_WAIT`]) for rows they can see but may not yet hand out, then
//!   return the part that is safe. At most 65,536 outbox rows per transaction; a
//!   batch that would need more is split into several transactions.
//!   Ledger `seq`s still come from an identity: they order a player's history, and
//!   nothing resumes on them.
//! * **Hot rows are locked last, in one order.** System accounts (`system:shop`,
//!   ...) take an increment from many calls at once. Their increments are summed over
//!   a batch and written by one statement sent with `COMMIT` in one round trip, in
//!   key order, so a transaction holds those rows only while the server applies them
//!   and commits (not for a round trip to the host and back), and two transactions never
//!   wait for each other's system rows in opposite orders. The other rows a batch
//!   writes under a version guard are locked first, table by table and by key
//!   ([`lock_in_order`]), so transfers between the same players in opposite
//!   directions on two hosts wait for each other instead of deadlocking. Only a
//!   transaction outside guildhall can still deadlock with one of ours; Postgres
//!   breaks it and it surfaces as `CONFLICT`.
//!
//! A change set is normally applied with ONE statement: data-modifying CTEs that first
//! evaluate every guard (versions, the idempotency key, and whether each system-account
//! increment stays in the BIGINT range) and then write only if all of them hold, so a
//! refused member writes nothing and needs no savepoint. A change set that writes the
//! same row twice (which one statement cannot express) runs statement by statement in
//! a savepoint. If a batch statement fails in the database (a CHECK constraint, an
//! overflow the guards did not predict, a foreign writer that moved a row under it),
//! the transaction is rolled back and the batch is run again, each member in its own
//! savepoint and statement by statement, exactly as SQLite does, so the failing member
//! gets its own error and the others commit.
//!
//! Two shapes go in for a whole batch at once: score submissions ([`SCORE_SETS`]) and
//! wallet and stack writes (purchases, grants, spends, transfers, item use:
//! [`ECONOMY_SETS`]), one statement over arrays per batch, each set still refused
//! alone. Sets that increment a system account commit one transaction at a time per
//! store, sharing it with every such set that arrives meanwhile (the credit lane,
//! [`PostgresStore::credit_lane`]), since all of them end on the same system row. The
//! wallet statement is a function of the schema (`guildhall_economy_sets`, migration
//! 0007) that also locks its rows and adds the system increments, so a batch made only
//! of such sets commits with one call outside a transaction: one round trip, where a
//! transaction takes four ([`commit_in_one_call`]).
//!
//! # Errors
//!
//! Serialization failures (`40001`), deadlocks (`40P01`) and lock timeouts (`55P03`)
//! become `CONFLICT`, so the service's bounded retry runs the call again; an increment
//! past the BIGINT range (`22003`) is `BALANCE_LIMIT` through
//! [`guildhall_core::ports::system_overflow`]; connection failures, pool timeouts and
//! every other database failure become `UNAVAILABLE` with the driver's message. See
//! [`map_error`].

use crate::gather::Gather;
use crate::rows::{
    bad_data, catalog_from, ledger_from, micros_to_time, parse_account, parse_day, parse_json,
    to_json, CatalogTuple, LedgerTuple,
};
use crate::rows::{docs_from_rows, file_meta, FileRow, FILE_COLUMNS};
use chrono::{DateTime, NaiveDate, Utc};
use guildhall_core::announce::{Template, Trigger};
use guildhall_core::chat::ChatMessage;
use guildhall_core::leaderboards::{ScoreEntry, ScorePos};
use guildhall_core::mail::{Broadcast, Mail};
use guildhall_core::ports::ScoreWrite;
use guildhall_core::ports::{
    system_overflow, BalanceRow, BalanceWrite, ChangeSet, CounterRow, DailyRevenue, Doc,
    HistoryQuery, IdempotencyRecord, ItemRow, LedgerSnapshot, MailWrite, MailboxRow, PopularItem,
    PurchaseRows, Store,
};
use guildhall_core::types::{
    Account, Amount, CatalogItem, EntryKind, Event, LedgerEntry, PlayerId,
};
use guildhall_core::{Error, Result};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{Arguments, Connection, Executor, Postgres, Row};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The embedded migrations (`adapters/migrations/postgres`).
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Opens a writing transaction.
const BEGIN_WRITE: &str = "BEGIN ISOLATION LEVEL READ COMMITTED";

/// Opens a writing transaction that runs a statement over arrays ([`SCORE_SETS`],
/// [`ECONOMY_SETS`]), with hash and merge joins off for it. The statement is prepared once per connection and its plan kept: planned
/// while the documents were few (a new deployment, a board filling up), a hash join
/// would go on reading every document for each batch once they are many, where the
/// nested loop over the primary key reads one per set at any size.
const BEGIN_ARRAYS: &str = "BEGIN ISOLATION LEVEL READ COMMITTED; \
     SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off";

/// Outbox rows (events and broadcasts) one transaction may write: the width of the
/// ordinal part of their `seq`.
pub const SEQ_SLOTS: i64 = 65_536;

/// The SQL of [`SEQ_OF_WRITER`], for `concat!`.
macro_rules! seq_of_writer {
    () => {
        "(SELECT base + (pg_current_xact_id()::text::bigint - xid) * 65536 FROM outbox_clock)"
    };
}

/// The `seq` of the first outbox row a writing transaction appends; add the row's
/// ordinal in the transaction (`0 ..` [`SEQ_SLOTS`]). See the module documentation.
pub const SEQ_OF_WRITER: &str = seq_of_writer!();

/// The SQL of [`OUTBOX_HORIZON`], for `concat!`.
macro_rules! outbox_horizon {
    () => {
        "(SELECT c.base + (COALESCE(\
            (SELECT min(x::text::bigint) FROM pg_snapshot_xip(s.snap) AS x \
             WHERE x::text::bigint % 4294967296 NOT IN (SELECT a.backend_xid::text::bigint \
                 FROM pg_stat_activity a WHERE a.backend_xid IS NOT NULL \
                 AND a.datname IS DISTINCT FROM current_database())), \
            pg_snapshot_xmax(s.snap)::text::bigint) - c.xid) * 65536 \
         FROM outbox_clock c, (SELECT pg_current_snapshot() AS snap) s)"
    };
}

/// Every outbox row with a smaller `seq` was written by a transaction that has ended,
/// as of the statement's snapshot; rows at or above it may still be joined by rows of
/// running transactions with smaller `seq`s.
///
/// The oldest transaction that counts is the smallest id the snapshot lists as in
/// progress (`pg_snapshot_xip`), leaving out those `pg_stat_activity` shows running in
/// another database of the cluster (they cannot write these tables); a transaction
/// that ended between the snapshot and that look is kept, which only lowers the
/// horizon. Without in-progress transactions: the snapshot's `xmax`.
pub const OUTBOX_HORIZON: &str = outbox_horizon!();

/// How long an outbox read waits, in all, for transactions below rows it can see.
pub const HORIZON_WAIT: Duration = Duration::from_millis(250);

/// More bind parameters than this in one change set: it is applied statement by
/// statement (Postgres accepts at most 65535 per statement).
const MAX_PARAMS: usize = 30_000;

/// Tuning of a [`PostgresStore`]'s connection pool. `Default` gives the values
/// [`PostgresStore::connect`] starts from; the URL's query parameters of the same names
/// override them (see [`PostgresStoreOptions::from_url`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresStoreOptions {
    /// Most connections open at once (URL: `max_connections`). Default 10.
    pub max_connections: u32,
    /// Connections kept open while idle (URL: `min_connections`). Default 0.
    pub min_connections: u32,
    /// How long a call waits for a free connection before failing with `UNAVAILABLE`
    /// (URL: `acquire_timeout`, seconds). Default 10 s.
    pub acquire_timeout: Duration,
    /// An idle connection is closed after this long (URL: `idle_timeout`, seconds;
    /// 0: never). Default 10 minutes.
    pub idle_timeout: Option<Duration>,
    /// Prepared statements cached per connection (URL: `statement_cache`). Default 256.
    pub statement_cache: usize,
    /// Group-commit batches one process keeps in flight at once (URL:
    /// `concurrent_batches`, at least 1; see [`Store::concurrent_batches`]). Default 4:
    /// enough to keep the database busy while batches wait on round trips and on
    /// their commits, leaving connections of the default pool for reads.
    pub concurrent_batches: usize,
    /// Transactions of sets that increment a system account one process keeps in
    /// flight at once (URL: `credit_lanes`, at least 1; see
    /// [`PostgresStore::credit_lane`]). Default 1.
    pub credit_lanes: usize,
}

impl Default for PostgresStoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(10),
            idle_timeout: Some(Duration::from_secs(600)),
            statement_cache: 256,
            concurrent_batches: 4,
            credit_lanes: 1,
        }
    }
}

/// The URL query parameters [`PostgresStoreOptions::from_url`] takes for itself.
const POOL_PARAMS: [&str; 7] = [
    "max_connections",
    "min_connections",
    "acquire_timeout",
    "idle_timeout",
    "statement_cache",
    "concurrent_batches",
    "credit_lanes",
];

impl PostgresStoreOptions {
    /// Splits a database URL into the URL the driver is given and the pool options:
    /// the query parameters `max_connections`, `min_connections`, `acquire_timeout`
    /// (seconds, may be fractional), `idle_timeout` (seconds, 0: never),
    /// `statement_cache`, `concurrent_batches` and `credit_lanes` are taken out and override [`Default`]; every other parameter
    /// (`sslmode`, `application_name`, ...) stays for the driver.
    ///
    /// Errors: `INVALID_ARGUMENT` naming a parameter whose value does not parse.
    pub fn from_url(url: &str) -> Result<(String, Self)> {
        let mut options = Self::default();
        let Some((base, query)) = url.split_once('?') else {
            return Ok((url.to_string(), options));
        };
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if !POOL_PARAMS.contains(&key) {
                kept.push(pair);
                continue;
            }
            let bad = || {
                Error::invalid(
                    "database",
                    format!("bad value '{value}' for '{key}' in the database URL"),
                )
            };
            let secs = || -> Result<Duration> {
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .map(Duration::from_secs_f64)
                    .ok_or_else(bad)
            };
            match key {
                "max_connections" => {
                    options.max_connections =
                        value.parse().ok().filter(|n| *n >= 1).ok_or_else(bad)?;
                }
                "min_connections" => options.min_connections = value.parse().map_err(|_| bad())?,
                "acquire_timeout" => options.acquire_timeout = secs()?,
                "idle_timeout" => {
                    let d = secs()?;
                    options.idle_timeout = (!d.is_zero()).then_some(d);
                }
                "concurrent_batches" => {
                    options.concurrent_batches =
                        value.parse().ok().filter(|n| *n >= 1).ok_or_else(bad)?;
                }
                "credit_lanes" => {
                    options.credit_lanes =
                        value.parse().ok().filter(|n| *n >= 1).ok_or_else(bad)?;
                }
                _ => options.statement_cache = value.parse().map_err(|_| bad())?,
            }
        }
        let url = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        Ok((url, options))
    }
}

/// A [`Store`] over one Postgres database, through a connection pool.
///
/// Open with [`PostgresStore::connect`] (then [`Store::migrate`]), or through the facade
/// [`crate::open_store`], which does both. Many stores, in one process or many, may
/// share one database.
pub struct PostgresStore {
    pool: PgPool,
    concurrent_batches: usize,
    /// Point reads of documents, gathered while others are in flight ([`DOCS_BY_KEY`]).
    docs: Gather<(String, String), Option<(i64, String)>>,
    /// The reads of purchases and item changes, gathered likewise ([`PURCHASES_BY_KEY`]).
    purchases: Gather<PurchaseKey, PurchaseTuple>,
    /// Change sets that increment a system account, one transaction at a time
    /// (`commit_through_lane`).
    credits: Gather<ChangeSet, Result<ChangeSet>>,
    /// Turns of the credit lane committed in one call ([`commit_in_one_call`]).
    lane_calls: Arc<AtomicU64>,
}

/// The keys of the rows a change set writes in place (balances, stacks, counters,
/// mailboxes and their mails, documents, score rows, its idempotency record), each
/// prefixed by its table.
fn rows_written(cs: &ChangeSet) -> impl Iterator<Item = String> + '_ {
    let balances = cs.balances.iter().map(|w| match w {
        BalanceWrite::Set {
            account, currency, ..
        }
        | BalanceWrite::Add {
            account, currency, ..
        } => format!("b\0{account}\0{currency}"),
    });
    let items = cs
        .items
        .iter()
        .map(|w| format!("i\0{}\0{}", w.player, w.item_id));
    let counters = cs.counters.iter().map(|w| format!("c\0{}", w.key));
    let mailboxes = cs.mailboxes.iter().map(|w| format!("m\0{}", w.player));
    let mails = cs.mails.iter().map(|w| match w {
        MailWrite::Put(m) => format!("m\0{}", m.player),
        MailWrite::Delete { player, .. } => format!("m\0{player}"),
    });
    let docs = cs.docs.iter().map(|w| format!("d\0{}\0{}", w.kind, w.id));
    let scores = cs.scores.iter().map(|w| match w {
        ScoreWrite::Put(e) => format!("s\0{}\0{}", e.standings, e.player),
        ScoreWrite::Delete { standings, player } => format!("s\0{standings}\0{player}"),
    });
    let idempotency = cs
        .idempotency
        .iter()
        .map(|r| format!("k\0{}\0{}", r.scope, r.key));
    balances
        .chain(items)
        .chain(counters)
        .chain(mailboxes)
        .chain(mails)
        .chain(docs)
        .chain(scores)
        .chain(idempotency)
}

/// Change sets one transaction of the credit lane takes at most.
const LANE_SETS: usize = 1024;

/// Whether a change set increments an account (`system:shop`, `system:rewards`, ...):
/// it then commits through the credit lane.
fn increments_an_account(cs: &ChangeSet) -> bool {
    cs.balances
        .iter()
        .any(|w| matches!(w, BalanceWrite::Add { .. }))
}

/// Reads one gathered statement answers at most.
const GATHERED_READS: usize = 256;

/// Documents by key (`$1` kinds, `$2` ids): one row per key, in the keys' order, its
/// columns NULL where the document does not exist. `LIMIT 1` keeps each key a lookup
/// of the primary key, whatever plan the statement is given (a generic plan cannot
/// tell how many keys come).
const DOCS_BY_KEY: &str = "SELECT d.version, d.body \
     FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(kind, id, ord) \
     LEFT JOIN LATERAL (SELECT version, body FROM docs \
     WHERE docs.kind = u.kind AND docs.id = u.id LIMIT 1) d ON true \
     ORDER BY u.ord";

/// The one-key form of [`DOCS_BY_KEY`], for a read that goes out alone.
const DOC_BY_KEY: &str = "SELECT version, body FROM docs WHERE kind = $1 AND id = $2";

/// Decodes a [`PurchaseTuple`] of catalog item `item_id`.
fn purchase_from(row: PurchaseTuple, item_id: &str) -> Result<PurchaseRows> {
    let (
        id,
        name,
        kind,
        price_currency,
        price_amount,
        max_stack,
        active,
        metadata,
        amount,
        version,
        quantity,
        acquired_at,
        item_version,
    ) = row;
    let item = match (id, name, kind, active, metadata) {
        (Some(id), Some(name), Some(kind), Some(active), Some(metadata)) => Some(catalog_from((
            id,
            name,
            kind,
            price_currency,
            price_amount,
            max_stack,
            active,
            metadata,
        ))?),
        _ => None,
    };
    let balance = match (amount, version) {
        (Some(amount), Some(version)) => BalanceRow { amount, version },
        _ => BalanceRow::default(),
    };
    let held = match (quantity, acquired_at, item_version) {
        (Some(quantity), Some(at), Some(version)) => Some(ItemRow {
            item_id: item_id.to_string(),
            quantity,
            acquired_at: micros_to_time(at)?,
            version,
        }),
        _ => None,
    };
    Ok(PurchaseRows {
        item,
        balance,
        held,
    })
}

/// A purchase's (or an item change's) read: player, catalog item, and the ledger
/// account whose balance in the item's price currency comes with it (`None`: no balance).
type PurchaseKey = (String, String, Option<String>);

/// Reads `keys` in one statement ([`PURCHASES_BY_KEY`]; a lone key with
/// [`PURCHASE_ROWS`] or [`ITEM_ROWS`]); one [`PurchaseTuple`] per key, in order.
async fn read_purchases(pool: PgPool, keys: Vec<PurchaseKey>) -> Result<Vec<PurchaseTuple>> {
    if let [(player, item_id, account)] = keys.as_slice() {
        let query = match account {
            Some(account) => sqlx::query_as(PURCHASE_ROWS)
                .bind(player)
                .bind(item_id)
                .bind(account),
            None => sqlx::query_as(ITEM_ROWS).bind(player).bind(item_id),
        };
        let row: PurchaseTuple = query.fetch_one(&pool).await.map_err(map_error)?;
        return Ok(vec![row]);
    }
    let n = keys.len();
    let mut players = Vec::with_capacity(n);
    let mut items = Vec::with_capacity(n);
    let mut accounts = Vec::with_capacity(n);
    for (p, i, a) in keys {
        players.push(p);
        items.push(i);
        accounts.push(a);
    }
    let rows: Vec<PurchaseTuple> = sqlx::query_as(PURCHASES_BY_KEY)
        .bind(players)
        .bind(items)
        .bind(accounts)
        .fetch_all(&pool)
        .await
        .map_err(map_error)?;
    one_row_per_key("purchase rows", rows, n)
}

/// `rows` when there is one per key (`n`), else `UNAVAILABLE`.
fn one_row_per_key<T>(what: &str, rows: Vec<T>, n: usize) -> Result<Vec<T>> {
    match rows.len() == n {
        true => Ok(rows),
        false => Err(bad_data(what, format!("{} rows for {n} keys", rows.len()))),
    }
}

/// Reads `keys` (kind, id) in one statement ([`DOCS_BY_KEY`]; a lone key with
/// [`DOC_BY_KEY`]); `(version, body)` per key, in order.
async fn read_docs(
    pool: PgPool,
    keys: Vec<(String, String)>,
) -> Result<Vec<Option<(i64, String)>>> {
    if let [(kind, id)] = keys.as_slice() {
        let row: Option<(i64, String)> = sqlx::query_as(DOC_BY_KEY)
            .bind(kind)
            .bind(id)
            .fetch_optional(&pool)
            .await
            .map_err(map_error)?;
        return Ok(vec![row]);
    }
    let n = keys.len();
    let (kinds, ids): (Vec<String>, Vec<String>) = keys.into_iter().unzip();
    let rows: Vec<(Option<i64>, Option<String>)> = sqlx::query_as(DOCS_BY_KEY)
        .bind(kinds)
        .bind(ids)
        .fetch_all(&pool)
        .await
        .map_err(map_error)?;
    Ok(one_row_per_key("docs", rows, n)?
        .into_iter()
        .map(|(version, body)| version.zip(body))
        .collect())
}

/// Maps a driver error to guildhall's: serialization failure (`40001`), deadlock
/// (`40P01`) and lock timeout (`55P03`) are `CONFLICT` (the service retries); everything
/// else (connection failures, pool timeouts, constraint violations, ...) is
/// `UNAVAILABLE` with the driver's message. An overflowing system-account increment is
/// recognised where the statement is known and becomes `BALANCE_LIMIT` instead.
pub fn map_error(e: sqlx::Error) -> Error {
    if is_conflict(&e) {
        let message = match &e {
            sqlx::Error::Database(d) => d.message().to_string(),
            other => other.to_string(),
        };
        return Error::conflict(format!(
            "postgres: concurrent transactions collided: {message}"
        ));
    }
    Error::unavailable(format!("postgres: {e}"))
}

/// The SQLSTATE of a database error.
fn sqlstate(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(d) => d.code().map(|c| c.into_owned()),
        _ => None,
    }
}

/// Whether an error means "run the transaction again".
fn is_conflict(e: &sqlx::Error) -> bool {
    matches!(sqlstate(e).as_deref(), Some("40001" | "40P01" | "55P03"))
}

/// Whether an error reports a statement's own failure (a constraint, a value out of
/// range), after which the transaction can be rolled back and the batch retried
/// statement by statement. Connection failures, pool errors and conflicts are not.
fn is_statement_failure(e: &sqlx::Error) -> bool {
    match sqlstate(e) {
        Some(code) => {
            !is_conflict(e)
                && !code.starts_with("08")
                && !code.starts_with("53")
                && !code.starts_with("57")
                && !code.starts_with("58")
        }
        None => false,
    }
}

/// The smallest string greater than every string that starts with `prefix` (`None`
/// when there is none: an empty prefix, or one made only of `char::MAX`).
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last as u32 + 1 {
            0xD800 => Some('\u{E000}'),
            n => char::from_u32(n),
        };
        if let Some(c) = next {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

impl PostgresStore {
    /// Connects to the database a `postgres://` or `postgresql://` URL names, with the
    /// pool options of [`PostgresStoreOptions::from_url`]. Does not migrate: call
    /// [`Store::migrate`] next.
    ///
    /// Errors: `INVALID_ARGUMENT` for a malformed URL, `UNAVAILABLE` when the server
    /// cannot be reached or refuses the connection.
    pub async fn connect(url: &str) -> Result<Self> {
        let (url, options) = PostgresStoreOptions::from_url(url)?;
        Self::connect_with(&url, options).await
    }

    /// Connects with explicit [`PostgresStoreOptions`] (the URL's pool parameters, if
    /// any, are not read here: pass a URL without them). Sessions run with
    /// `plan_cache_mode = force_generic_plan`: every statement is a key or index lookup
    /// whose plan does not depend on the values, and a change set's combined statement
    /// would otherwise be planned again on each execution.
    pub async fn connect_with(url: &str, options: PostgresStoreOptions) -> Result<Self> {
        let connect = PgConnectOptions::from_str(url)
            .map_err(|e| Error::invalid("database", format!("bad Postgres URL: {e}")))?
            .statement_cache_capacity(options.statement_cache.max(1))
            .options([("plan_cache_mode", "force_generic_plan")]);
        // No ping before each checkout: it would double the round trips of every
        // read. A connection the server dropped fails its query with `UNAVAILABLE`
        // (a retry gets a fresh one) and sqlx discards it.
        let pool = PgPoolOptions::new()
            .test_before_acquire(false)
            .max_connections(options.max_connections.max(1))
            .min_connections(options.min_connections.min(options.max_connections))
            .acquire_timeout(options.acquire_timeout)
            .idle_timeout(options.idle_timeout)
            .connect_with(connect)
            .await
            .map_err(|e| Error::unavailable(format!("cannot connect to Postgres: {e}")))?;
        let slots = options.concurrent_batches.max(1);
        let reads = pool.clone();
        let docs = Gather::spawn(slots, GATHERED_READS, move |keys| {
            read_docs(reads.clone(), keys)
        });
        let reads = pool.clone();
        let purchases = Gather::spawn(slots, GATHERED_READS, move |keys| {
            read_purchases(reads.clone(), keys)
        });
        let writes = pool.clone();
        let lane_calls = Arc::new(AtomicU64::new(0));
        let calls = lane_calls.clone();
        let credits = Gather::spawn(
            options.credit_lanes,
            LANE_SETS,
            move |sets: Vec<ChangeSet>| {
                let (pool, calls) = (writes.clone(), calls.clone());
                async move {
                    let mut sets = sets;
                    let (outcomes, one_call) = commit_in_one_call_or_all(&pool, &mut sets).await;
                    if one_call {
                        calls.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(sets
                        .into_iter()
                        .zip(outcomes)
                        .map(|(cs, r)| r.map(|()| cs))
                        .collect())
                }
            },
        );
        Ok(Self {
            pool,
            concurrent_batches: slots,
            docs,
            purchases,
            credits,
            lane_calls,
        })
    }

    /// Point reads made so far and the statements that answered them, as `(reads,
    /// statements)`: document reads ([`Store::doc`]) and the reads of purchases and item
    /// changes ([`Store::purchase_rows`], [`Store::item_rows`]) together. Reads that
    /// arrive while every read slot (as many as `concurrent_batches`) is busy share one
    /// statement, so under load there are fewer statements than reads. For metrics and
    /// tests.
    pub fn gathered_reads(&self) -> (u64, u64) {
        let (a, b) = self.docs.counts();
        let (c, d) = self.purchases.counts();
        (a + c, b + d)
    }

    /// Change sets committed through the credit lane so far and the transactions that
    /// committed them, as `(sets, transactions)` (the credit lane: see the module documentation):
    /// under load many sets share one transaction. For metrics and tests.
    pub fn credit_lane(&self) -> (u64, u64) {
        self.credits.counts()
    }

    /// Transactions of the credit lane that went in one round trip so far: one call of
    /// the wallet statement outside a transaction, which commits it (every set of the
    /// economy's shape; see the module documentation). The others ran as a transaction
    /// of their own. For metrics and tests.
    pub fn credit_lane_single_calls(&self) -> u64 {
        self.lane_calls.load(Ordering::Relaxed)
    }

    /// The connection pool (for operators' tooling and tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection and waits until they are closed.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Commits `sets` (one outcome per set): those that increment a system account
    /// through the credit lane, the others at once, both at the same time.
    ///
    /// *The credit lane.* Every purchase, grant and spend increments a system account
    /// (`system:shop`, ...), and a transaction holds that row from its increment until
    /// its commit is flushed. Two such transactions of one process at once would only
    /// queue on the row, each with a flush of its own and each with half the sets. So
    /// they go one transaction at a time (a [`Gather`] with one slot): a set that finds
    /// the lane free commits at once, and the sets that arrive meanwhile, from every
    /// batch of the committer, share the next transaction. Other sets (transfers,
    /// score submissions, documents) keep `concurrent_batches` transactions in flight.
    async fn commit_through_lane(&self, sets: Vec<ChangeSet>) -> Vec<Result<ChangeSet>> {
        // A batch's sets apply in order: if a set outside the lane writes a row that a
        // set in it writes too, the whole batch takes the lane.
        let credit: Vec<bool> = sets.iter().map(increments_an_account).collect();
        let whole = credit.iter().any(|c| *c) && {
            let in_lane: HashSet<String> = sets
                .iter()
                .zip(&credit)
                .filter(|(_, c)| **c)
                .flat_map(|(cs, _)| rows_written(cs))
                .collect();
            sets.iter()
                .zip(&credit)
                .filter(|(_, c)| !**c)
                .any(|(cs, _)| rows_written(cs).any(|k| in_lane.contains(&k)))
        };
        let (mut lane, mut other) = (Vec::new(), Vec::new());
        for ((i, cs), c) in sets.into_iter().enumerate().zip(credit) {
            if c || whole {
                lane.push((i, cs));
            } else {
                other.push((i, cs));
            }
        }
        let n = lane.len() + other.len();
        let (lane_idx, lane_sets): (Vec<usize>, Vec<ChangeSet>) = lane.into_iter().unzip();
        let (other_idx, mut other_sets): (Vec<usize>, Vec<ChangeSet>) = other.into_iter().unzip();
        let (lane_out, other_out) = tokio::join!(self.credits.get_many(lane_sets), async {
            if other_sets.is_empty() {
                Vec::new()
            } else {
                commit_in_one_call_or_all(&self.pool, &mut other_sets)
                    .await
                    .0
            }
        });
        let mut out: Vec<Option<Result<ChangeSet>>> = (0..n).map(|_| None).collect();
        for (i, r) in lane_idx.into_iter().zip(lane_out) {
            out[i] = Some(r.and_then(|r| r));
        }
        for ((i, cs), r) in other_idx.into_iter().zip(other_sets).zip(other_out) {
            out[i] = Some(r.map(|()| cs));
        }
        out.into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::unavailable("a change set got no outcome"))))
            .collect()
    }
}

/// Commits `sets`, in as few transactions as their outbox rows allow (at most
/// [`SEQ_SLOTS`] per transaction, normally one); one outcome per set.
async fn commit_all(pool: &PgPool, sets: &mut [ChangeSet]) -> Vec<Result<()>> {
    let n = sets.len();
    if sets.iter().all(ChangeSet::is_empty) {
        return vec![Ok(()); n];
    }
    let mut out = Vec::with_capacity(n);
    let mut start = 0;
    while start < n {
        let (mut end, mut rows) = (start, 0);
        while end < n {
            let more = outbox_rows(&sets[end]);
            if end > start && rows + more > SEQ_SLOTS {
                break;
            }
            rows += more;
            end += 1;
        }
        out.extend(commit_one_transaction(pool, &mut sets[start..end]).await);
        start = end;
    }
    out
}

/// Commits a batch (a turn of the credit lane, or the other sets of a batch): in one
/// round trip when every set is of the economy's shape ([`commit_in_one_call`]),
/// otherwise (or when that call fails in the database, which leaves nothing behind) as
/// [`commit_all`] does. Also says whether the one call answered them.
async fn commit_in_one_call_or_all(
    pool: &PgPool,
    sets: &mut [ChangeSet],
) -> (Vec<Result<()>>, bool) {
    match commit_in_one_call(pool, sets).await {
        Some(out) => (out, true),
        None => (commit_all(pool, sets).await, false),
    }
}

/// The balance rows `sets` write under a version guard, as (account, currency): an
/// increment of any other row can be summed over the batch and written last.
fn guarded_balance_rows(sets: &[ChangeSet]) -> HashSet<(String, String)> {
    sets.iter()
        .flat_map(|cs| &cs.balances)
        .filter_map(|w| match w {
            BalanceWrite::Set {
                account, currency, ..
            } => Some((account.to_string(), currency.clone())),
            BalanceWrite::Add { .. } => None,
        })
        .collect()
}

/// Each set's first outbox slot in a transaction that commits `sets`, in order: `None`
/// for a set with nothing to write or with more outbox rows than [`SEQ_SLOTS`].
fn first_slots(sets: &[ChangeSet]) -> Vec<Option<i64>> {
    sets.iter()
        .scan(0, |next, cs| {
            let rows = outbox_rows(cs);
            Some((!cs.is_empty() && rows <= SEQ_SLOTS).then(|| {
                *next += rows;
                *next - rows
            }))
        })
        .collect()
}

/// Commits `sets` with one call of [`ECONOMY_SETS`] outside a transaction, which is
/// then its own transaction: guards, writes, the summed increments of system accounts
/// and the commit in one round trip, where a transaction of its own takes four (begin,
/// locks, writes, increments with commit). `None`, having sent nothing or with nothing
/// committed, when a set is not of the economy's shape, two sets write one guarded
/// row, or the statement failed in the database (a CHECK constraint, an increment
/// past the BIGINT range, a row inserted under a guard): the caller then commits the
/// sets in a transaction, where each failure lands on its own set. A deadlock or a
/// serialization failure is every set's `CONFLICT` (the service's bounded retry), as
/// in a transaction; a lost connection is every set's `UNAVAILABLE`, as a lost
/// `COMMIT` is.
async fn commit_in_one_call(pool: &PgPool, sets: &mut [ChangeSet]) -> Option<Vec<Result<()>>> {
    let n = sets.len();
    if sets.iter().any(ChangeSet::is_empty) || sets.iter().map(outbox_rows).sum::<i64>() > SEQ_SLOTS
    {
        return None;
    }
    let set_rows = guarded_balance_rows(sets);
    let deferrable = |account: &Account, currency: &str| {
        !set_rows.contains(&(account.to_string(), currency.to_string()))
    };
    let firsts = first_slots(sets);
    let rows = economy_group(sets, &firsts, &[], &deferrable);
    if rows.sets.len() != n {
        return None;
    }
    let mut conn = match pool.acquire().await {
        Ok(c) => c,
        Err(e) => return Some(vec![Err(map_error(e)); n]),
    };
    match apply_economy_sets(&mut conn, sets, rows, true).await {
        Ok(outcomes) => {
            let mut out: Vec<Option<Result<()>>> = (0..n).map(|_| None).collect();
            for (i, outcome) in outcomes {
                out[i] = Some(outcome);
            }
            Some(
                out.into_iter()
                    .map(|r| {
                        r.unwrap_or_else(|| Err(Error::unavailable("a change set got no outcome")))
                    })
                    .collect(),
            )
        }
        Err(Combined::Db(e)) if is_statement_failure(&e) => {
            tracing::debug!(error = %e, "postgres one-call commit failed; committing its sets in a transaction");
            None
        }
        Err(Combined::Db(e)) => Some(vec![Err(map_error(e)); n]),
        // The call committed, yet its answer does not match the sets sent.
        Err(Combined::Moved) => {
            tracing::error!("postgres one-call commit answered for other sets than it was sent");
            Some(vec![
                Err(Error::unavailable(
                    "the wallet statement's answer did not match its change sets"
                ));
                n
            ])
        }
        Err(Combined::Encode(e)) => Some(vec![Err(e); n]),
    }
}

/// Commits `sets` in one transaction; one outcome per set.
async fn commit_one_transaction(pool: &PgPool, sets: &mut [ChangeSet]) -> Vec<Result<()>> {
    let n = sets.len();
    let mut conn = match pool.acquire().await {
        Ok(c) => c,
        Err(e) => return vec![Err(map_error(e)); n],
    };
    match run_batch(&mut conn, sets, true).await {
        Ok(out) => out,
        Err(BatchFailure::Retry(first)) => {
            tracing::debug!(error = %first, "postgres batch failed in one statement; retrying statement by statement");
            match run_batch(&mut conn, sets, false).await {
                Ok(out) => out,
                Err(BatchFailure::Retry(e)) => vec![Err(map_error(e)); n],
                Err(BatchFailure::Fatal(e)) => vec![Err(e); n],
            }
        }
        Err(BatchFailure::Fatal(e)) => vec![Err(e); n],
    }
}

/// Locks the existing rows a batch will write under a version guard (balances,
/// items, counters, mailboxes, documents), table by table in that order and by key
/// within each table, before anything else, in one statement (a CTE per table, read in
/// table order). Every writing transaction of every host
/// takes them in the same order, so two of them never wait for each other (the
/// system rows are taken last, also in order; see [`DEFERRED_ADDS`]). A batch that
/// writes at most one such row needs no order and skips this.
async fn lock_in_order(conn: &mut PgConnection, sets: &[ChangeSet]) -> sqlx::Result<()> {
    let Some(keys) = keys_to_lock(sets) else {
        return Ok(());
    };
    // One statement for every table, each table's rows locked in a CTE of its own;
    // the CTEs run in the order the outer SELECT reads them, which is table order.
    let mut ctes = Vec::new();
    let mut reads = Vec::new();
    let mut binds: Vec<Vec<String>> = Vec::new();
    for ((table, columns), set) in LOCKED_TABLES.iter().zip(keys) {
        if set.is_empty() {
            continue;
        }
        let columns_sql = columns.join(", ");
        let arrays: Vec<String> = (0..columns.len())
            .map(|c| {
                binds.push(set.iter().map(|k| k[c].clone()).collect());
                format!("${}::text[]", binds.len())
            })
            .collect();
        let name = format!("t{}", ctes.len());
        ctes.push(format!(
            "{name} AS (SELECT 1 FROM {table} WHERE ({columns_sql}) IN (SELECT * FROM unnest({})) \
             ORDER BY {columns_sql} FOR UPDATE)",
            arrays.join(", ")
        ));
        reads.push(format!("(SELECT count(*) FROM {name})"));
    }
    let sql = format!("WITH {} SELECT {}", ctes.join(", "), reads.join(", "));
    let mut query = sqlx::query(&sql);
    for b in binds {
        query = query.bind(b);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// The guarded tables in locking order, with their key columns.
const LOCKED_TABLES: [(&str, &[&str]); 5] = [
    ("balances", &["account", "currency"]),
    ("items", &["player", "item_id"]),
    ("counters", &["\"key\""]),
    ("mailboxes", &["player"]),
    ("docs", &["kind", "id"]),
];

/// The keys of the existing rows `sets` write under a version guard, per table of
/// [`LOCKED_TABLES`], in order; `None` when there are fewer than two (no order needed).
fn keys_to_lock(sets: &[ChangeSet]) -> Option<[BTreeSet<Vec<String>>; 5]> {
    let mut keys: [BTreeSet<Vec<String>>; 5] = Default::default();
    for cs in sets {
        for w in &cs.balances {
            if let BalanceWrite::Set {
                account,
                currency,
                expected_version,
                ..
            } = w
            {
                if *expected_version != 0 {
                    keys[0].insert(vec![account.to_string(), currency.clone()]);
                }
            }
        }
        for w in cs.items.iter().filter(|w| w.expected_version != 0) {
            keys[1].insert(vec![w.player.to_string(), w.item_id.clone()]);
        }
        for w in cs.counters.iter().filter(|w| w.expected_version != 0) {
            keys[2].insert(vec![w.key.clone()]);
        }
        for w in cs.mailboxes.iter().filter(|w| w.expected_version != 0) {
            keys[3].insert(vec![w.player.to_string()]);
        }
        for w in cs.docs.iter().filter(|w| w.expected_version != 0) {
            keys[4].insert(vec![w.kind.clone(), w.id.clone()]);
        }
    }
    (keys.iter().map(BTreeSet::len).sum::<usize>() >= 2).then_some(keys)
}

/// The outbox rows (events and broadcasts) a change set appends.
fn outbox_rows(cs: &ChangeSet) -> i64 {
    i64::try_from(cs.events.len() + cs.broadcasts.len()).unwrap_or(i64::MAX)
}

/// Increments of system accounts summed over a batch, written just before `COMMIT`,
/// rows in key order (see the module documentation).
const DEFERRED_ADDS: &str = "INSERT INTO balances (account, currency, amount, version) \
     SELECT a, c, d, 0 FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u(a, c, d) ORDER BY a, c \
     ON CONFLICT (account, currency) DO UPDATE SET amount = balances.amount + excluded.amount";

impl PostgresStore {
    /// [`PURCHASE_ROWS`] for player `player` and catalog item `item_id` with the
    /// balance of `account` (the player's ledger account), or [`ITEM_ROWS`] (`account`
    /// `None`), gathered with other such reads in flight ([`PURCHASES_BY_KEY`]), and
    /// decoded; the balance is the default where its columns are NULL.
    async fn purchase_tuple(
        &self,
        player: &PlayerId,
        item_id: &str,
        account: Option<String>,
    ) -> Result<PurchaseRows> {
        let row = self
            .purchases
            .get((player.to_string(), item_id.to_string(), account))
            .await?;
        purchase_from(row, item_id)
    }

    /// Outbox events after `after` (all, or those naming `player`), below the horizon.
    async fn read_events(
        &self,
        player: Option<&PlayerId>,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Event>> {
        let sql = match player {
            None => format!("{EVENT_COLUMNS_AND_HORIZON} WHERE seq > $1 ORDER BY seq LIMIT $2"),
            Some(_) => format!(
                "{EVENT_COLUMNS_AND_HORIZON} WHERE seq > $1 AND players @> ARRAY[$3::text] ORDER BY seq LIMIT $2"
            ),
        };
        let mut wait = HorizonWait::new();
        loop {
            let mut query = sqlx::query_as(&sql).bind(after).bind(i64::from(limit));
            if let Some(p) = player {
                query = query.bind(p.as_str());
            }
            let rows: Vec<EventRow> = query.fetch_all(&self.pool).await.map_err(map_error)?;
            if let Some(events) = wait.settled(rows, |r| (r.0, r.6)).await {
                return events.into_iter().map(event_from).collect();
            }
        }
    }
}

/// Why a batch's transaction did not commit.
enum BatchFailure {
    /// A statement failed in the database: roll back and run the batch statement by
    /// statement, where the failure lands on its own member.
    Retry(sqlx::Error),
    /// Nothing of the batch committed; every member gets this error.
    Fatal(Error),
}

/// Runs one transaction over `sets`. `fast`: one statement per change set where
/// possible, increments of rows no member sets summed and written last; otherwise
/// every set statement by statement in its own savepoint.
async fn run_batch(
    conn: &mut PgConnection,
    sets: &mut [ChangeSet],
    fast: bool,
) -> std::result::Result<Vec<Result<()>>, BatchFailure> {
    let fatal = |e: sqlx::Error| BatchFailure::Fatal(map_error(e));
    let set_rows = guarded_balance_rows(sets);
    let deferrable = |account: &Account, currency: &str| {
        fast && !set_rows.contains(&(account.to_string(), currency.to_string()))
    };
    let mut deferred: BTreeMap<(String, String), i64> = BTreeMap::new();
    // Each set's first outbox slot (the loop below answers the sets without one
    // without writing).
    let firsts = first_slots(sets);
    // Score submissions first, all of them in one statement (one alone too: the
    // statement over arrays costs less than the general one-set statement).
    let mut settled: Vec<Option<Result<()>>> = sets.iter().map(|_| None).collect();
    let scores = if fast {
        score_group(sets, &firsts)
    } else {
        ScoreRows::default()
    };
    // Then the wallet and stack writes (purchases, grants, transfers, ...), likewise.
    let economy = if fast {
        economy_group(sets, &firsts, &scores.sets, &deferrable)
    } else {
        EconomyRows::default()
    };
    let begin = if !scores.sets.is_empty() || !economy.sets.is_empty() {
        BEGIN_ARRAYS
    } else {
        BEGIN_WRITE
    };
    // Dropping `tx` on an early return rolls the transaction back.
    let mut tx = conn.begin_with(begin).await.map_err(fatal)?;
    lock_in_order(&mut tx, sets).await.map_err(|e| {
        if is_statement_failure(&e) {
            BatchFailure::Retry(e)
        } else {
            fatal(e)
        }
    })?;
    if !scores.sets.is_empty() {
        match apply_score_sets(&mut tx, sets, scores).await {
            Ok(outcomes) => {
                for (i, outcome) in outcomes {
                    settled[i] = Some(outcome);
                }
            }
            Err(e) => return Err(group_failure(e, "score")),
        }
    }
    if !economy.sets.is_empty() {
        match apply_economy_sets(&mut tx, sets, economy, false).await {
            Ok(outcomes) => {
                for (i, outcome) in outcomes {
                    if outcome.is_ok() {
                        defer_adds(&mut deferred, &sets[i], &deferrable)?;
                    }
                    settled[i] = Some(outcome);
                }
            }
            Err(e) => return Err(group_failure(e, "wallet or stack")),
        }
    }
    let mut out = Vec::with_capacity(sets.len());
    for (i, cs) in sets.iter_mut().enumerate() {
        if cs.is_empty() {
            out.push(Ok(()));
            continue;
        }
        let rows = outbox_rows(cs);
        if rows > SEQ_SLOTS {
            out.push(Err(Error::invalid(
                "events",
                format!("one change set appends at most {SEQ_SLOTS} events and broadcasts on PostgreSQL ({rows} given)"),
            )));
            continue;
        }
        let Some(first) = firsts[i] else {
            unreachable!("a set with rows to write within the slots has a first slot")
        };
        if let Some(outcome) = settled[i].take() {
            out.push(outcome);
            continue;
        }
        if fast && one_statement_fits(cs) {
            match apply_combined(&mut tx, cs, first, &deferrable).await {
                Ok(Ok(())) => {
                    defer_adds(&mut deferred, cs, &deferrable)?;
                    out.push(Ok(()));
                }
                Ok(Err(e)) => out.push(Err(e)),
                Err(Combined::Db(e)) if is_statement_failure(&e) => {
                    return Err(BatchFailure::Retry(e))
                }
                Err(Combined::Db(e)) => return Err(fatal(e)),
                Err(Combined::Moved) => {
                    return Err(BatchFailure::Retry(sqlx::Error::Protocol(
                        "a row moved under a guarded write".into(),
                    )))
                }
                Err(Combined::Encode(e)) => out.push(Err(e)),
            }
            continue;
        }
        tx.execute("SAVEPOINT change_set").await.map_err(fatal)?;
        match apply_each(&mut tx, cs, first).await {
            Ok(()) => {
                tx.execute("RELEASE SAVEPOINT change_set")
                    .await
                    .map_err(fatal)?;
                out.push(Ok(()));
            }
            Err(Each::Refused(e)) => {
                tx.execute("ROLLBACK TO SAVEPOINT change_set; RELEASE SAVEPOINT change_set")
                    .await
                    .map_err(fatal)?;
                out.push(Err(e));
            }
            Err(Each::Db(e, context)) => {
                if !is_statement_failure(&e) && !is_conflict(&e) {
                    return Err(fatal(e));
                }
                // A failed rollback means the transaction is gone: the whole batch fails.
                tx.execute("ROLLBACK TO SAVEPOINT change_set; RELEASE SAVEPOINT change_set")
                    .await
                    .map_err(fatal)?;
                out.push(Err(context.unwrap_or_else(|| map_error(e))));
            }
        }
    }
    if deferred.is_empty() {
        tx.commit().await.map_err(fatal)?;
        return Ok(out);
    }
    let result = match adds_and_commit_sql(&deferred) {
        // The increments and COMMIT in one round trip: the system rows are held only
        // while the server applies them and commits, not for one more round trip.
        // The trailing BEGIN leaves an empty transaction for `tx`, so sqlx's own
        // account of the connection stays true. The batch has committed once this
        // returns: `tx` is dropped rather than committed, and sqlx queues the
        // ROLLBACK of that empty transaction to go out with the connection's next
        // message (the pool's check when the connection is released), so the callers
        // do not wait one more round trip for it.
        Some(sql) => match tx.execute(sql.as_str()).await {
            Ok(_) => {
                drop(tx);
                return Ok(out);
            }
            Err(e) => Err(e),
        },
        None => {
            let mut accounts = Vec::with_capacity(deferred.len());
            let mut currencies = Vec::with_capacity(deferred.len());
            let mut deltas = Vec::with_capacity(deferred.len());
            for ((a, c), d) in deferred {
                accounts.push(a);
                currencies.push(c);
                deltas.push(d);
            }
            sqlx::query(DEFERRED_ADDS)
                .bind(accounts)
                .bind(currencies)
                .bind(deltas)
                .execute(&mut *tx)
                .await
                .map(|_| ())
        }
    };
    match result {
        Ok(()) => {}
        Err(e) if is_statement_failure(&e) => return Err(BatchFailure::Retry(e)),
        Err(e) => return Err(fatal(e)),
    }
    tx.commit().await.map_err(fatal)?;
    Ok(out)
}

/// What a failed statement over a group of sets ([`SCORE_SETS`], [`ECONOMY_SETS`])
/// means for its batch: a statement failure or a moved row sends the batch statement
/// by statement, where each set meets its own outcome; anything else fails it whole.
fn group_failure(e: Combined, what: &str) -> BatchFailure {
    match e {
        Combined::Db(e) if is_statement_failure(&e) => BatchFailure::Retry(e),
        Combined::Db(e) => BatchFailure::Fatal(map_error(e)),
        Combined::Moved => BatchFailure::Retry(sqlx::Error::Protocol(format!(
            "a row moved under a guarded {what} write"
        ))),
        Combined::Encode(e) => BatchFailure::Fatal(e),
    }
}

/// Adds the increments of `cs` that the batch writes last (`deferrable`) to their
/// sums in `deferred`; a sum leaving the BIGINT range sends the batch statement by
/// statement, where the increment that overflows is refused alone.
fn defer_adds(
    deferred: &mut BTreeMap<(String, String), i64>,
    cs: &ChangeSet,
    deferrable: &dyn Fn(&Account, &str) -> bool,
) -> std::result::Result<(), BatchFailure> {
    for w in &cs.balances {
        if let BalanceWrite::Add {
            account,
            currency,
            delta,
        } = w
        {
            if !deferrable(account, currency) {
                continue;
            }
            let sum = deferred
                .entry((account.to_string(), currency.clone()))
                .or_insert(0);
            *sum = sum.checked_add(*delta).ok_or_else(|| {
                BatchFailure::Retry(sqlx::Error::Protocol(format!(
                    "the increments of {account} {currency} in one batch leave the BIGINT range"
                )))
            })?;
        }
    }
    Ok(())
}

/// [`DEFERRED_ADDS`] with its rows as literals, followed by `COMMIT; BEGIN ...`, for
/// one simple-protocol round trip; `None` when a key holds a character outside
/// `[A-Za-z0-9_:.@-]` (account names and currency codes never do in practice), and
/// the caller binds them as parameters instead. Rows stay in key order.
fn adds_and_commit_sql(deferred: &BTreeMap<(String, String), i64>) -> Option<String> {
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_:.@-".contains(&b))
    };
    let mut sql = String::from("INSERT INTO balances (account, currency, amount, version) VALUES ");
    for (i, ((a, c), d)) in deferred.iter().enumerate() {
        if !plain(a) || !plain(c) {
            return None;
        }
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("('{a}', '{c}', ({d})::bigint, 0)"));
    }
    sql.push_str(
        " ON CONFLICT (account, currency) DO UPDATE SET amount = balances.amount + excluded.amount; COMMIT; ",
    );
    sql.push_str(BEGIN_WRITE);
    Some(sql)
}

// ----- one change set, statement by statement -----

/// Why a change set applied statement by statement did not apply.
enum Each {
    /// A guard refused it (`CONFLICT`) or it could not be encoded.
    Refused(Error),
    /// A statement failed; the error to report instead of the driver's, if known.
    Db(sqlx::Error, Option<Error>),
}

impl From<sqlx::Error> for Each {
    fn from(e: sqlx::Error) -> Self {
        Each::Db(e, None)
    }
}

impl From<Error> for Each {
    fn from(e: Error) -> Self {
        Each::Refused(e)
    }
}

fn moved(rows: u64, error: impl FnOnce() -> Error) -> std::result::Result<(), Each> {
    if rows == 0 {
        Err(Each::Refused(error()))
    } else {
        Ok(())
    }
}

fn balance_conflict(account: &Account, currency: &str) -> Error {
    Error::conflict(format!("balance {account}/{currency} moved"))
}

/// Applies one change set on an open transaction, one statement per write, in the
/// order the in-memory store checks its guards (balances, items, counters, documents,
/// mailboxes, increments, idempotency), then the appends and upserts. Stops at the
/// first refusal; the caller rolls the savepoint back. Fills in the `seq`s.
///
/// `ordinal`: where the change set's outbox rows start in the transaction's `seq`
/// slots (events first, then broadcasts).
async fn apply_each(
    conn: &mut PgConnection,
    cs: &mut ChangeSet,
    mut ordinal: i64,
) -> std::result::Result<(), Each> {
    for w in &cs.balances {
        if let BalanceWrite::Set {
            account,
            currency,
            expected_version,
            amount,
        } = w
        {
            let q = if *expected_version == 0 {
                sqlx::query(BALANCE_INSERT)
                    .bind(account.to_string())
                    .bind(currency.as_str())
                    .bind(*amount)
            } else {
                sqlx::query(BALANCE_UPDATE)
                    .bind(*amount)
                    .bind(account.to_string())
                    .bind(currency.as_str())
                    .bind(*expected_version)
            };
            let rows = q.execute(&mut *conn).await?.rows_affected();
            moved(rows, || balance_conflict(account, currency))?;
        }
    }
    for w in &cs.items {
        let at = w.acquired_at.timestamp_micros();
        let q = if w.expected_version == 0 {
            sqlx::query(ITEM_INSERT)
                .bind(w.player.as_str())
                .bind(w.item_id.as_str())
                .bind(w.quantity)
                .bind(at)
        } else {
            sqlx::query(ITEM_UPDATE)
                .bind(w.quantity)
                .bind(at)
                .bind(w.player.as_str())
                .bind(w.item_id.as_str())
                .bind(w.expected_version)
        };
        let rows = q.execute(&mut *conn).await?.rows_affected();
        moved(rows, || {
            Error::conflict(format!("item {}/{} moved", w.player, w.item_id))
        })?;
    }
    for w in &cs.counters {
        let expires = w.expires_at.timestamp_micros();
        let q = if w.expected_version == 0 {
            sqlx::query(COUNTER_INSERT)
                .bind(w.key.as_str())
                .bind(w.count)
                .bind(expires)
        } else {
            sqlx::query(COUNTER_UPDATE)
                .bind(w.count)
                .bind(expires)
                .bind(w.key.as_str())
                .bind(w.expected_version)
        };
        let rows = q.execute(&mut *conn).await?.rows_affected();
        moved(rows, || Error::conflict(format!("counter {} moved", w.key)))?;
    }
    for w in &cs.docs {
        let rows = match (&w.body, w.expected_version) {
            (Some(body), 0) => sqlx::query(DOC_INSERT)
                .bind(w.kind.as_str())
                .bind(w.id.as_str())
                .bind(to_json(body)?)
                .execute(&mut *conn)
                .await?
                .rows_affected(),
            (Some(body), v) => sqlx::query(DOC_UPDATE)
                .bind(to_json(body)?)
                .bind(w.kind.as_str())
                .bind(w.id.as_str())
                .bind(v)
                .execute(&mut *conn)
                .await?
                .rows_affected(),
            // Deleting a document that must not exist: the guard alone.
            (None, 0) => {
                let present: Option<i32> = sqlx::query_scalar(DOC_PRESENT)
                    .bind(w.kind.as_str())
                    .bind(w.id.as_str())
                    .fetch_optional(&mut *conn)
                    .await?;
                u64::from(present.is_none())
            }
            (None, v) => sqlx::query(DOC_DELETE)
                .bind(w.kind.as_str())
                .bind(w.id.as_str())
                .bind(v)
                .execute(&mut *conn)
                .await?
                .rows_affected(),
        };
        moved(rows, || {
            Error::conflict(format!("{} {} moved", w.kind, w.id))
        })?;
    }
    for w in &cs.mailboxes {
        let q = if w.expected_version == 0 {
            sqlx::query(MAILBOX_INSERT)
                .bind(w.player.as_str())
                .bind(w.broadcast_seq)
        } else {
            sqlx::query(MAILBOX_UPDATE)
                .bind(w.broadcast_seq)
                .bind(w.player.as_str())
                .bind(w.expected_version)
        };
        let rows = q.execute(&mut *conn).await?.rows_affected();
        moved(rows, || {
            Error::conflict(format!("mailbox of {} moved", w.player))
        })?;
    }
    for w in &cs.balances {
        if let BalanceWrite::Add {
            account,
            currency,
            delta,
        } = w
        {
            let result = sqlx::query(BALANCE_ADD)
                .bind(account.to_string())
                .bind(currency.as_str())
                .bind(*delta)
                .execute(&mut *conn)
                .await;
            if let Err(e) = result {
                let context = (sqlstate(&e).as_deref() == Some("22003"))
                    .then(|| system_overflow(account, currency));
                return Err(Each::Db(e, context));
            }
        }
    }
    if let Some(rec) = &cs.idempotency {
        let rows = sqlx::query(IDEMPOTENCY_INSERT)
            .bind(rec.scope.as_str())
            .bind(rec.key.as_str())
            .bind(rec.fingerprint.as_str())
            .bind(to_json(&rec.result)?)
            .bind(rec.created_at.timestamp_micros())
            .execute(&mut *conn)
            .await?
            .rows_affected();
        moved(rows, || {
            Error::conflict("idempotency key stored concurrently")
        })?;
    }
    for e in &mut cs.ledger {
        e.seq = sqlx::query_scalar(LEDGER_INSERT)
            .bind(e.id.as_str())
            .bind(e.transaction_id.as_str())
            .bind(e.at.timestamp_micros())
            .bind(e.day.to_string())
            .bind(e.kind.as_str())
            .bind(e.currency.as_str())
            .bind(e.debit.to_string())
            .bind(e.credit.to_string())
            .bind(e.amount)
            .bind(e.reason.as_str())
            .bind(to_json(&e.metadata)?)
            .bind(e.item_id.as_deref())
            .bind(e.quantity)
            .fetch_one(&mut *conn)
            .await?;
    }
    for e in &mut cs.events {
        let players: Vec<&str> = e.players.iter().map(PlayerId::as_str).collect();
        e.seq = sqlx::query_scalar(EVENT_INSERT)
            .bind(e.id.as_str())
            .bind(e.kind.as_str())
            .bind(e.at.timestamp_micros())
            .bind(players)
            .bind(to_json(&e.payload)?)
            .bind(ordinal)
            .fetch_one(&mut *conn)
            .await?;
        ordinal += 1;
    }
    for w in &cs.mails {
        match w {
            MailWrite::Put(m) => {
                sqlx::query(MAIL_PUT)
                    .bind(m.player.as_str())
                    .bind(m.id.as_str())
                    .bind(m.sent_at.timestamp_micros())
                    .bind(to_json(m)?)
                    .execute(&mut *conn)
                    .await?;
            }
            MailWrite::Delete { player, mail_id } => {
                sqlx::query(MAIL_DELETE)
                    .bind(player.as_str())
                    .bind(mail_id.as_str())
                    .execute(&mut *conn)
                    .await?;
            }
        }
    }
    for b in &mut cs.broadcasts {
        b.seq = sqlx::query_scalar(BROADCAST_INSERT)
            .bind(b.id.as_str())
            .bind(to_json(&*b)?)
            .bind(ordinal)
            .fetch_one(&mut *conn)
            .await?;
        ordinal += 1;
    }
    for t in &cs.templates {
        sqlx::query(TEMPLATE_PUT)
            .bind(t.id.as_str())
            .bind(to_json(t)?)
            .execute(&mut *conn)
            .await?;
    }
    for m in &cs.chat {
        sqlx::query(CHAT_INSERT)
            .bind(m.channel.as_str())
            .bind(m.sent_at.timestamp_micros())
            .bind(m.id.as_str())
            .bind(to_json(m)?)
            .execute(&mut *conn)
            .await?;
    }
    for w in &cs.scores {
        match w {
            ScoreWrite::Put(e) => {
                sqlx::query(SCORE_PUT)
                    .bind(e.standings.as_str())
                    .bind(e.player.as_str())
                    .bind(e.ord)
                    .bind(e.score)
                    .bind(e.submitted_at)
                    .execute(&mut *conn)
                    .await?;
            }
            ScoreWrite::Delete { standings, player } => {
                sqlx::query(SCORE_DELETE)
                    .bind(standings.as_str())
                    .bind(player.as_str())
                    .execute(&mut *conn)
                    .await?;
            }
        }
    }
    for t in &cs.triggers {
        sqlx::query(TRIGGER_PUT)
            .bind(t.id.as_str())
            .bind(t.event.as_str())
            .bind(to_json(t)?)
            .execute(&mut *conn)
            .await?;
    }
    for item in &cs.catalog {
        sqlx::query(CATALOG_UPSERT)
            .bind(item.id.as_str())
            .bind(item.name.as_str())
            .bind(item.kind.as_str())
            .bind(item.price.as_ref().map(|p| p.currency.as_str()))
            .bind(item.price.as_ref().map(|p| p.amount))
            .bind(item.max_stack)
            .bind(item.active)
            .bind(to_json(&item.metadata)?)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

const BALANCE_INSERT: &str = "INSERT INTO balances (account, currency, amount, version) VALUES ($1, $2, $3, 1) ON CONFLICT DO NOTHING";
const BALANCE_UPDATE: &str = "UPDATE balances SET amount = $1, version = version + 1 WHERE account = $2 AND currency = $3 AND version = $4";
const BALANCE_ADD: &str =
    "INSERT INTO balances (account, currency, amount, version) VALUES ($1, $2, $3, 0) \
     ON CONFLICT (account, currency) DO UPDATE SET amount = balances.amount + excluded.amount";
const ITEM_INSERT: &str = "INSERT INTO items (player, item_id, quantity, acquired_at, version) VALUES ($1, $2, $3, $4, 1) ON CONFLICT DO NOTHING";
const ITEM_UPDATE: &str = "UPDATE items SET quantity = $1, acquired_at = $2, version = version + 1 WHERE player = $3 AND item_id = $4 AND version = $5";
const LEDGER_INSERT: &str = "INSERT INTO ledger (id, transaction_id, at, day, kind, currency, debit, credit, amount, reason, metadata, item_id, quantity) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING seq";
const EVENT_INSERT: &str = concat!(
    "INSERT INTO events (seq, id, kind, at, players, payload) VALUES (",
    seq_of_writer!(),
    " + $6, $1, $2, $3, $4, $5) RETURNING seq"
);
const IDEMPOTENCY_INSERT: &str = "INSERT INTO idempotency (scope, \"key\", fingerprint, result, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
const CATALOG_UPSERT: &str = "INSERT INTO catalog (id, name, kind, price_currency, price_amount, max_stack, active, metadata) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
     price_currency = excluded.price_currency, price_amount = excluded.price_amount, max_stack = excluded.max_stack, \
     active = excluded.active, metadata = excluded.metadata";
const COUNTER_INSERT: &str = "INSERT INTO counters (\"key\", count, version, expires_at) VALUES ($1, $2, 1, $3) ON CONFLICT DO NOTHING";
const COUNTER_UPDATE: &str = "UPDATE counters SET count = $1, expires_at = $2, version = version + 1 WHERE \"key\" = $3 AND version = $4";
const MAILBOX_INSERT: &str = "INSERT INTO mailboxes (player, version, broadcast_seq) VALUES ($1, 1, $2) ON CONFLICT DO NOTHING";
const MAILBOX_UPDATE: &str = "UPDATE mailboxes SET broadcast_seq = $1, version = version + 1 WHERE player = $2 AND version = $3";
const MAIL_PUT: &str = "INSERT INTO mails (player, id, sent_at, body) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (player, id) DO UPDATE SET sent_at = excluded.sent_at, body = excluded.body";
const MAIL_DELETE: &str = "DELETE FROM mails WHERE player = $1 AND id = $2";
const BROADCAST_INSERT: &str = concat!(
    "INSERT INTO broadcasts (seq, id, body) VALUES (",
    seq_of_writer!(),
    " + $3, $1, $2) RETURNING seq"
);
const TEMPLATE_PUT: &str = "INSERT INTO templates (id, body) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET body = excluded.body";
const CHAT_INSERT: &str =
    "INSERT INTO chat_messages (channel, sent_at, id, body) VALUES ($1, $2, $3, $4)";
const SCORE_PUT: &str =
    "INSERT INTO leaderboard_scores (standings, player, ord, score, submitted_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (standings, player) DO UPDATE SET ord = excluded.ord, \
     score = excluded.score, submitted_at = excluded.submitted_at";
const SCORE_DELETE: &str = "DELETE FROM leaderboard_scores WHERE standings = $1 AND player = $2";
const TRIGGER_PUT: &str = "INSERT INTO triggers (id, event, body) VALUES ($1, $2, $3) \
     ON CONFLICT (id) DO UPDATE SET event = excluded.event, body = excluded.body";
const DOC_INSERT: &str =
    "INSERT INTO docs (kind, id, version, body) VALUES ($1, $2, 1, $3) ON CONFLICT DO NOTHING";
const DOC_UPDATE: &str =
    "UPDATE docs SET body = $1, version = version + 1 WHERE kind = $2 AND id = $3 AND version = $4";
const DOC_DELETE: &str = "DELETE FROM docs WHERE kind = $1 AND id = $2 AND version = $3";
const DOC_PRESENT: &str = "SELECT 1 FROM docs WHERE kind = $1 AND id = $2";

// ----- one change set, one statement -----

/// Whether a change set can be applied as one statement: it writes no row twice (one
/// statement cannot see its own writes) and stays well under the parameter limit.
fn one_statement_fits(cs: &ChangeSet) -> bool {
    fn unique<'a, K: std::hash::Hash + Eq + 'a>(keys: impl Iterator<Item = K>) -> bool {
        let mut seen = HashSet::new();
        keys.into_iter().all(|k| seen.insert(k))
    }
    let params = 5 * cs.balances.len()
        + 5 * cs.items.len()
        + 13 * cs.ledger.len()
        + 5 * cs.events.len()
        + 5
        + 8 * cs.catalog.len()
        + 4 * cs.counters.len()
        + 3 * cs.mailboxes.len()
        + 4 * cs.mails.len()
        + 2 * cs.broadcasts.len()
        + 2 * cs.templates.len()
        + 3 * cs.triggers.len()
        + 4 * cs.docs.len()
        + 4 * cs.chat.len()
        + 5 * cs.scores.len();
    params < MAX_PARAMS
        && unique(cs.balances.iter().map(|w| match w {
            BalanceWrite::Set {
                account, currency, ..
            }
            | BalanceWrite::Add {
                account, currency, ..
            } => (account, currency),
        }))
        && unique(cs.items.iter().map(|w| (&w.player, &w.item_id)))
        && unique(cs.counters.iter().map(|w| &w.key))
        && unique(cs.mailboxes.iter().map(|w| &w.player))
        && unique(cs.mails.iter().map(|w| match w {
            MailWrite::Put(m) => (&m.player, &m.id),
            MailWrite::Delete { player, mail_id } => (player, mail_id),
        }))
        && unique(cs.docs.iter().map(|w| (&w.kind, &w.id)))
        && unique(cs.catalog.iter().map(|i| &i.id))
        && unique(cs.templates.iter().map(|t| &t.id))
        && unique(cs.triggers.iter().map(|t| &t.id))
        && unique(cs.scores.iter().map(|w| match w {
            ScoreWrite::Put(e) => (&e.standings, &e.player),
            ScoreWrite::Delete { standings, player } => (standings, player),
        }))
}

/// Why a change set applied as one statement did not apply.
enum Combined {
    /// The statement failed (the transaction is aborted).
    Db(sqlx::Error),
    /// Every guard held but a guarded write changed no row: something outside
    /// guildhall's commit lock moved a row in between. Part of the set may be written.
    Moved,
    /// The set could not be encoded; nothing was sent.
    Encode(Error),
}

/// What a guard of the combined statement protects, to name it when it fails.
#[derive(Clone, Copy)]
enum Guard {
    Balance(usize),
    Item(usize),
    Counter(usize),
    Doc(usize),
    Mailbox(usize),
    Overflow(usize),
    Idempotency,
}

/// The combined statement of one change set, built with numbered parameters.
struct Plan {
    args: PgArguments,
    params: usize,
    /// Guard expressions, in the order they are checked.
    guards: Vec<(String, Guard)>,
    /// Data-modifying CTE bodies (each gated on every guard holding).
    writes: Vec<String>,
    /// Names of the CTEs that must change exactly one row.
    counted: Vec<String>,
    /// CTEs whose `seq`s come back: ledger, events, broadcasts (`None`: no rows).
    seq_ctes: [Option<String>; 3],
}

impl Plan {
    fn new() -> Self {
        Self {
            args: PgArguments::default(),
            params: 0,
            guards: Vec::new(),
            writes: Vec::new(),
            counted: Vec::new(),
            seq_ctes: [None, None, None],
        }
    }

    /// Binds a value; returns its placeholder.
    fn p<'q, T>(&mut self, value: T) -> Result<String>
    where
        T: 'q + sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres>,
    {
        self.args
            .add(value)
            .map_err(|e| Error::unavailable(format!("postgres: cannot bind an argument: {e}")))?;
        self.params += 1;
        Ok(format!("${}", self.params))
    }

    /// Adds a write CTE; `counted`: it must change exactly one row.
    fn write(&mut self, body: String, counted: bool) -> String {
        let name = format!("w{}", self.writes.len());
        self.writes.push(format!("{name} AS ({body})"));
        if counted {
            self.counted.push(name.clone());
        }
        name
    }

    fn sql(&self) -> String {
        let guards: Vec<&str> = self.guards.iter().map(|(g, _)| g.as_str()).collect();
        let mut sql = format!(
            "WITH chk AS (SELECT ARRAY[{}]::boolean[] AS flags), \
             ok AS (SELECT COALESCE(bool_and(f), true) AS ok FROM chk CROSS JOIN LATERAL unnest(chk.flags) AS f)",
            guards.join(", ")
        );
        for w in &self.writes {
            sql.push_str(", ");
            sql.push_str(w);
        }
        let counts: Vec<String> = self
            .counted
            .iter()
            .map(|c| format!("(SELECT count(*) FROM {c})"))
            .collect();
        sql.push_str(&format!(
            " SELECT (SELECT flags FROM chk), ARRAY[{}]::bigint[]",
            counts.join(", ")
        ));
        for cte in &self.seq_ctes {
            match cte {
                Some(c) => {
                    sql.push_str(&format!(", (SELECT array_agg(seq ORDER BY seq) FROM {c})"))
                }
                None => sql.push_str(", NULL::bigint[]"),
            }
        }
        sql
    }
}

/// Every write of the combined statement runs only when every guard holds.
const GATE: &str = "(SELECT ok FROM ok)";

/// Builds the combined statement of a change set whose keys are unique. `ordinal`:
/// where its outbox rows start in the transaction's `seq` slots; increments for which
/// `deferred` holds are left out (the batch writes them last).
fn plan_combined(
    cs: &ChangeSet,
    ordinal: i64,
    deferred: &(dyn Fn(&Account, &str) -> bool + Sync),
) -> Result<Plan> {
    let mut p = Plan::new();
    let mut adds = Vec::new();
    for (i, w) in cs.balances.iter().enumerate() {
        match w {
            BalanceWrite::Set {
                account,
                currency,
                expected_version,
                amount,
            } => {
                let (a, c, x) = (
                    p.p(account.to_string())?,
                    p.p(currency.as_str())?,
                    p.p(*amount)?,
                );
                if *expected_version == 0 {
                    p.guards.push((
                        format!("NOT EXISTS (SELECT 1 FROM balances WHERE account = {a} AND currency = {c})"),
                        Guard::Balance(i),
                    ));
                    p.write(format!(
                        "INSERT INTO balances (account, currency, amount, version) SELECT {a}, {c}, {x}, 1 \
                         WHERE {GATE} ON CONFLICT DO NOTHING RETURNING 1"
                    ), true);
                } else {
                    let v = p.p(*expected_version)?;
                    p.guards.push((
                        format!("EXISTS (SELECT 1 FROM balances WHERE account = {a} AND currency = {c} AND version = {v})"),
                        Guard::Balance(i),
                    ));
                    p.write(format!(
                        "UPDATE balances SET amount = {x}, version = version + 1 \
                         WHERE account = {a} AND currency = {c} AND version = {v} AND {GATE} RETURNING 1"
                    ), true);
                }
            }
            BalanceWrite::Add { .. } => adds.push(i),
        }
    }
    for (i, w) in cs.items.iter().enumerate() {
        let (pl, it, q, at) = (
            p.p(w.player.as_str())?,
            p.p(w.item_id.as_str())?,
            p.p(w.quantity)?,
            p.p(w.acquired_at.timestamp_micros())?,
        );
        if w.expected_version == 0 {
            p.guards.push((
                format!("NOT EXISTS (SELECT 1 FROM items WHERE player = {pl} AND item_id = {it})"),
                Guard::Item(i),
            ));
            p.write(format!(
                "INSERT INTO items (player, item_id, quantity, acquired_at, version) SELECT {pl}, {it}, {q}, {at}, 1 \
                 WHERE {GATE} ON CONFLICT DO NOTHING RETURNING 1"
            ), true);
        } else {
            let v = p.p(w.expected_version)?;
            p.guards.push((
                format!("EXISTS (SELECT 1 FROM items WHERE player = {pl} AND item_id = {it} AND version = {v})"),
                Guard::Item(i),
            ));
            p.write(
                format!(
                    "UPDATE items SET quantity = {q}, acquired_at = {at}, version = version + 1 \
                 WHERE player = {pl} AND item_id = {it} AND version = {v} AND {GATE} RETURNING 1"
                ),
                true,
            );
        }
    }
    for (i, w) in cs.counters.iter().enumerate() {
        let (k, n, exp) = (
            p.p(w.key.as_str())?,
            p.p(w.count)?,
            p.p(w.expires_at.timestamp_micros())?,
        );
        if w.expected_version == 0 {
            p.guards.push((
                format!("NOT EXISTS (SELECT 1 FROM counters WHERE \"key\" = {k})"),
                Guard::Counter(i),
            ));
            p.write(format!(
                "INSERT INTO counters (\"key\", count, version, expires_at) SELECT {k}, {n}, 1, {exp} \
                 WHERE {GATE} ON CONFLICT DO NOTHING RETURNING 1"
            ), true);
        } else {
            let v = p.p(w.expected_version)?;
            p.guards.push((
                format!("EXISTS (SELECT 1 FROM counters WHERE \"key\" = {k} AND version = {v})"),
                Guard::Counter(i),
            ));
            p.write(
                format!(
                    "UPDATE counters SET count = {n}, expires_at = {exp}, version = version + 1 \
                 WHERE \"key\" = {k} AND version = {v} AND {GATE} RETURNING 1"
                ),
                true,
            );
        }
    }
    for (i, w) in cs.docs.iter().enumerate() {
        let (k, id) = (p.p(w.kind.as_str())?, p.p(w.id.as_str())?);
        let v = match w.expected_version {
            0 => None,
            v => Some(p.p(v)?),
        };
        let guard = match &v {
            None => format!("NOT EXISTS (SELECT 1 FROM docs WHERE kind = {k} AND id = {id})"),
            Some(v) => format!(
                "EXISTS (SELECT 1 FROM docs WHERE kind = {k} AND id = {id} AND version = {v})"
            ),
        };
        p.guards.push((guard, Guard::Doc(i)));
        match (&w.body, v) {
            (Some(body), None) => {
                let b = p.p(to_json(body)?)?;
                p.write(
                    format!(
                        "INSERT INTO docs (kind, id, version, body) SELECT {k}, {id}, 1, {b} \
                     WHERE {GATE} ON CONFLICT DO NOTHING RETURNING 1"
                    ),
                    true,
                );
            }
            (Some(body), Some(v)) => {
                let b = p.p(to_json(body)?)?;
                p.write(
                    format!(
                        "UPDATE docs SET body = {b}, version = version + 1 \
                     WHERE kind = {k} AND id = {id} AND version = {v} AND {GATE} RETURNING 1"
                    ),
                    true,
                );
            }
            // Deleting a document that must not exist: the guard alone.
            (None, None) => {}
            (None, Some(v)) => {
                p.write(format!(
                    "DELETE FROM docs WHERE kind = {k} AND id = {id} AND version = {v} AND {GATE} RETURNING 1"
                ), true);
            }
        }
    }
    for (i, w) in cs.mailboxes.iter().enumerate() {
        let (pl, b) = (p.p(w.player.as_str())?, p.p(w.broadcast_seq)?);
        if w.expected_version == 0 {
            p.guards.push((
                format!("NOT EXISTS (SELECT 1 FROM mailboxes WHERE player = {pl})"),
                Guard::Mailbox(i),
            ));
            p.write(
                format!(
                    "INSERT INTO mailboxes (player, version, broadcast_seq) SELECT {pl}, 1, {b} \
                 WHERE {GATE} ON CONFLICT DO NOTHING RETURNING 1"
                ),
                true,
            );
        } else {
            let v = p.p(w.expected_version)?;
            p.guards.push((
                format!("EXISTS (SELECT 1 FROM mailboxes WHERE player = {pl} AND version = {v})"),
                Guard::Mailbox(i),
            ));
            p.write(
                format!(
                    "UPDATE mailboxes SET broadcast_seq = {b}, version = version + 1 \
                 WHERE player = {pl} AND version = {v} AND {GATE} RETURNING 1"
                ),
                true,
            );
        }
    }
    for i in adds {
        let BalanceWrite::Add {
            account,
            currency,
            delta,
        } = &cs.balances[i]
        else {
            continue;
        };
        if deferred(account, currency) {
            continue;
        }
        let (a, c, d) = (
            p.p(account.to_string())?,
            p.p(currency.as_str())?,
            p.p(*delta)?,
        );
        // The sum in NUMERIC: out of the BIGINT range is a refusal, not an error.
        p.guards.push((
            format!(
                "(COALESCE((SELECT amount FROM balances WHERE account = {a} AND currency = {c}), 0)::numeric + {d}) \
                 BETWEEN -9223372036854775808 AND 9223372036854775807"
            ),
            Guard::Overflow(i),
        ));
        p.write(format!(
            "INSERT INTO balances (account, currency, amount, version) SELECT {a}, {c}, {d}, 0 WHERE {GATE} \
             ON CONFLICT (account, currency) DO UPDATE SET amount = balances.amount + excluded.amount RETURNING 1"
        ), true);
    }
    if let Some(rec) = &cs.idempotency {
        let (s, k) = (p.p(rec.scope.as_str())?, p.p(rec.key.as_str())?);
        let (f, r, at) = (
            p.p(rec.fingerprint.as_str())?,
            p.p(to_json(&rec.result)?)?,
            p.p(rec.created_at.timestamp_micros())?,
        );
        p.guards.push((
            format!("NOT EXISTS (SELECT 1 FROM idempotency WHERE scope = {s} AND \"key\" = {k})"),
            Guard::Idempotency,
        ));
        p.write(format!(
            "INSERT INTO idempotency (scope, \"key\", fingerprint, result, created_at) SELECT {s}, {k}, {f}, {r}, {at} \
             WHERE {GATE} ON CONFLICT DO NOTHING RETURNING 1"
        ), true);
    }
    // Appends: one multi-row insert per table, rows fed in order so the `seq`s they
    // draw follow the change set's order.
    if !cs.ledger.is_empty() {
        let l = &cs.ledger;
        let cols = [
            p.p(l.iter().map(|e| e.id.as_str()).collect::<Vec<_>>())?,
            p.p(l
                .iter()
                .map(|e| e.transaction_id.as_str())
                .collect::<Vec<_>>())?,
            p.p(l
                .iter()
                .map(|e| e.at.timestamp_micros())
                .collect::<Vec<_>>())?,
            p.p(l.iter().map(|e| e.day.to_string()).collect::<Vec<_>>())?,
            p.p(l.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>())?,
            p.p(l.iter().map(|e| e.currency.as_str()).collect::<Vec<_>>())?,
            p.p(l.iter().map(|e| e.debit.to_string()).collect::<Vec<_>>())?,
            p.p(l.iter().map(|e| e.credit.to_string()).collect::<Vec<_>>())?,
            p.p(l.iter().map(|e| e.amount).collect::<Vec<_>>())?,
            p.p(l.iter().map(|e| e.reason.as_str()).collect::<Vec<_>>())?,
            p.p(l
                .iter()
                .map(|e| to_json(&e.metadata))
                .collect::<Result<Vec<_>>>()?)?,
            p.p(l.iter().map(|e| e.item_id.as_deref()).collect::<Vec<_>>())?,
            p.p(l.iter().map(|e| e.quantity).collect::<Vec<_>>())?,
        ];
        let name = p.write(format!(
            "INSERT INTO ledger (id, transaction_id, at, day, kind, currency, debit, credit, amount, reason, metadata, item_id, quantity) \
             SELECT id, transaction_id, at, day, kind, currency, debit, credit, amount, reason, metadata, item_id, quantity \
             FROM unnest({}) WITH ORDINALITY AS u(id, transaction_id, at, day, kind, currency, debit, credit, amount, reason, metadata, item_id, quantity, ord) \
             WHERE {GATE} ORDER BY ord RETURNING seq",
            cols.join(", ")
        ), false);
        p.seq_ctes[0] = Some(name);
    }
    if !cs.events.is_empty() {
        let ev = &cs.events;
        let cols = [
            p.p(ev.iter().map(|e| e.id.as_str()).collect::<Vec<_>>())?,
            p.p(ev.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>())?,
            p.p(ev
                .iter()
                .map(|e| e.at.timestamp_micros())
                .collect::<Vec<_>>())?,
            p.p(ev
                .iter()
                .map(|e| to_json(&e.players))
                .collect::<Result<Vec<_>>>()?)?,
            p.p(ev
                .iter()
                .map(|e| to_json(&e.payload))
                .collect::<Result<Vec<_>>>()?)?,
        ];
        let first = p.p(ordinal - 1)?;
        let name = p.write(
            format!(
                "INSERT INTO events (seq, id, kind, at, players, payload) \
             SELECT {SEQ_OF_WRITER} + {first} + ord, id, kind, at, ARRAY(SELECT jsonb_array_elements_text(players::jsonb)), payload \
             FROM unnest({}) WITH ORDINALITY AS u(id, kind, at, players, payload, ord) \
             WHERE {GATE} ORDER BY ord RETURNING seq",
                cols.join(", ")
            ),
            false,
        );
        p.seq_ctes[1] = Some(name);
    }
    for w in &cs.mails {
        match w {
            MailWrite::Put(m) => {
                let (pl, id, at, b) = (
                    p.p(m.player.as_str())?,
                    p.p(m.id.as_str())?,
                    p.p(m.sent_at.timestamp_micros())?,
                    p.p(to_json(m)?)?,
                );
                p.write(format!(
                    "INSERT INTO mails (player, id, sent_at, body) SELECT {pl}, {id}, {at}, {b} WHERE {GATE} \
                     ON CONFLICT (player, id) DO UPDATE SET sent_at = excluded.sent_at, body = excluded.body RETURNING 1"
                ), false);
            }
            MailWrite::Delete { player, mail_id } => {
                let (pl, id) = (p.p(player.as_str())?, p.p(mail_id.as_str())?);
                p.write(
                    format!(
                    "DELETE FROM mails WHERE player = {pl} AND id = {id} AND {GATE} RETURNING 1"
                ),
                    false,
                );
            }
        }
    }
    if !cs.broadcasts.is_empty() {
        let ids = p.p(cs
            .broadcasts
            .iter()
            .map(|b| b.id.as_str())
            .collect::<Vec<_>>())?;
        let bodies = p.p(cs
            .broadcasts
            .iter()
            .map(to_json)
            .collect::<Result<Vec<_>>>()?)?;
        let events = i64::try_from(cs.events.len()).unwrap_or(i64::MAX);
        let first = p.p(ordinal + events - 1)?;
        let name = p.write(format!(
            "INSERT INTO broadcasts (seq, id, body) SELECT {SEQ_OF_WRITER} + {first} + ord, id, body \
             FROM unnest({ids}, {bodies}) WITH ORDINALITY AS u(id, body, ord) WHERE {GATE} ORDER BY ord RETURNING seq"
        ), false);
        p.seq_ctes[2] = Some(name);
    }
    for m in &cs.chat {
        let (ch, at, id, b) = (
            p.p(m.channel.as_str())?,
            p.p(m.sent_at.timestamp_micros())?,
            p.p(m.id.as_str())?,
            p.p(to_json(m)?)?,
        );
        p.write(
            format!(
                "INSERT INTO chat_messages (channel, sent_at, id, body) SELECT {ch}, {at}, {id}, {b} \
                 WHERE {GATE} RETURNING 1"
            ),
            false,
        );
    }
    for w in &cs.scores {
        match w {
            ScoreWrite::Put(e) => {
                let (st, pl, ord, sc, at) = (
                    p.p(e.standings.as_str())?,
                    p.p(e.player.as_str())?,
                    p.p(e.ord)?,
                    p.p(e.score)?,
                    p.p(e.submitted_at)?,
                );
                p.write(
                    format!(
                        "INSERT INTO leaderboard_scores (standings, player, ord, score, submitted_at) \
                         SELECT {st}, {pl}, {ord}, {sc}, {at} WHERE {GATE} \
                         ON CONFLICT (standings, player) DO UPDATE SET ord = excluded.ord, \
                         score = excluded.score, submitted_at = excluded.submitted_at RETURNING 1"
                    ),
                    false,
                );
            }
            ScoreWrite::Delete { standings, player } => {
                let (st, pl) = (p.p(standings.as_str())?, p.p(player.as_str())?);
                p.write(
                    format!(
                        "DELETE FROM leaderboard_scores WHERE standings = {st} AND player = {pl} \
                         AND {GATE} RETURNING 1"
                    ),
                    false,
                );
            }
        }
    }
    for t in &cs.templates {
        let (id, b) = (p.p(t.id.as_str())?, p.p(to_json(t)?)?);
        p.write(
            format!(
                "INSERT INTO templates (id, body) SELECT {id}, {b} WHERE {GATE} \
             ON CONFLICT (id) DO UPDATE SET body = excluded.body RETURNING 1"
            ),
            false,
        );
    }
    for t in &cs.triggers {
        let (id, ev, b) = (
            p.p(t.id.as_str())?,
            p.p(t.event.as_str())?,
            p.p(to_json(t)?)?,
        );
        p.write(format!(
            "INSERT INTO triggers (id, event, body) SELECT {id}, {ev}, {b} WHERE {GATE} \
             ON CONFLICT (id) DO UPDATE SET event = excluded.event, body = excluded.body RETURNING 1"
        ), false);
    }
    for item in &cs.catalog {
        let cols = [
            p.p(item.id.as_str())?,
            p.p(item.name.as_str())?,
            p.p(item.kind.as_str())?,
            p.p(item.price.as_ref().map(|x| x.currency.as_str()))?,
            p.p(item.price.as_ref().map(|x| x.amount))?,
            p.p(item.max_stack)?,
            p.p(item.active)?,
            p.p(to_json(&item.metadata)?)?,
        ];
        p.write(format!(
            "INSERT INTO catalog (id, name, kind, price_currency, price_amount, max_stack, active, metadata) \
             SELECT {} WHERE {GATE} ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
             price_currency = excluded.price_currency, price_amount = excluded.price_amount, \
             max_stack = excluded.max_stack, active = excluded.active, metadata = excluded.metadata RETURNING 1",
            cols.join(", ")
        ), false);
    }
    Ok(p)
}

/// Applies one change set (with unique keys) as one statement on an open transaction.
/// `Ok(Err(_))`: a guard refused it and nothing was written. Fills in the `seq`s.
async fn apply_combined(
    conn: &mut PgConnection,
    cs: &mut ChangeSet,
    ordinal: i64,
    deferred: &(dyn Fn(&Account, &str) -> bool + Sync),
) -> std::result::Result<Result<()>, Combined> {
    let plan = plan_combined(cs, ordinal, deferred).map_err(Combined::Encode)?;
    let sql = plan.sql();
    let guards: Vec<Guard> = plan.guards.iter().map(|(_, g)| *g).collect();
    let expected = plan.counted.len();
    let row = sqlx::query_with(&sql, plan.args)
        .fetch_one(&mut *conn)
        .await
        .map_err(Combined::Db)?;
    let decode = |e: sqlx::Error| Combined::Db(e);
    let flags: Vec<bool> = row.try_get(0).map_err(decode)?;
    if let Some(i) = flags.iter().position(|ok| !ok) {
        return Ok(Err(guard_error(cs, guards[i])));
    }
    let counts: Vec<i64> = row.try_get(1).map_err(decode)?;
    if counts.len() != expected || counts.iter().any(|n| *n != 1) {
        return Err(Combined::Moved);
    }
    let ledger: Option<Vec<i64>> = row.try_get(2).map_err(decode)?;
    let events: Option<Vec<i64>> = row.try_get(3).map_err(decode)?;
    let broadcasts: Option<Vec<i64>> = row.try_get(4).map_err(decode)?;
    let ledger = ledger.unwrap_or_default();
    let events = events.unwrap_or_default();
    let broadcasts = broadcasts.unwrap_or_default();
    if ledger.len() != cs.ledger.len()
        || events.len() != cs.events.len()
        || broadcasts.len() != cs.broadcasts.len()
    {
        return Err(Combined::Moved);
    }
    for (e, seq) in cs.ledger.iter_mut().zip(ledger) {
        e.seq = seq;
    }
    for (e, seq) in cs.events.iter_mut().zip(events) {
        e.seq = seq;
    }
    for (b, seq) in cs.broadcasts.iter_mut().zip(broadcasts) {
        b.seq = seq;
    }
    Ok(Ok(()))
}

// ----- score submissions of one batch, one statement -----

/// Applies the score submissions of a batch ([`score_group`]) as one statement:
/// each set's document written under its version guard (an update where
/// `expected_version` is set, an insert that must not conflict where it is 0), and
/// only for the sets whose document was written, their score row and event. Sets
/// are keyed by their outbox slot (`$15`), which also gives their event its `seq`.
/// New documents and score rows go in in key order, so two batches inserting the
/// same keys wait for each other rather than deadlock.
/// Returns the slots written, in order, the `seq`s of their events, in the same
/// order, and the number of score rows written.
const SCORE_SETS: &str = concat!(
    "WITH input AS (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], \
     $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[], \
     $10::text[], $11::text[], $12::bigint[], $13::text[], $14::text[], $15::bigint[]) \
     AS u(kind, id, expected, body, standings, player, ord, score, submitted_at, \
     event_id, event_kind, event_at, players, payload, slot)), \
     upd AS (UPDATE docs d SET body = i.body, version = d.version + 1 FROM input i \
     WHERE i.expected <> 0 AND d.kind = i.kind AND d.id = i.id AND d.version = i.expected \
     RETURNING i.slot), \
     ins AS (INSERT INTO docs (kind, id, version, body) \
     SELECT kind, id, 1, body FROM input WHERE expected = 0 ORDER BY kind, id \
     ON CONFLICT DO NOTHING RETURNING kind, id), \
     ok AS (SELECT slot FROM upd UNION ALL \
     SELECT i.slot FROM input i JOIN ins ON ins.kind = i.kind AND ins.id = i.id WHERE i.expected = 0), \
     sc AS (INSERT INTO leaderboard_scores (standings, player, ord, score, submitted_at) \
     SELECT i.standings, i.player, i.ord, i.score, i.submitted_at FROM input i JOIN ok ON ok.slot = i.slot \
     ORDER BY i.standings, i.player \
     ON CONFLICT (standings, player) DO UPDATE SET ord = excluded.ord, \
     score = excluded.score, submitted_at = excluded.submitted_at RETURNING 1), \
     ev AS (INSERT INTO events (seq, id, kind, at, players, payload) SELECT ",
    seq_of_writer!(),
    " + i.slot, i.event_id, i.event_kind, i.event_at, \
     ARRAY(SELECT jsonb_array_elements_text(i.players::jsonb)), i.payload \
     FROM input i JOIN ok ON ok.slot = i.slot ORDER BY i.slot RETURNING seq) \
     SELECT (SELECT array_agg(slot ORDER BY slot) FROM ok), \
     (SELECT array_agg(seq ORDER BY seq) FROM ev), (SELECT count(*) FROM sc)"
);

/// The columns of [`SCORE_SETS`] for a group of score submissions, one entry per set.
#[derive(Default)]
struct ScoreRows {
    /// Index of each set in the batch.
    sets: Vec<usize>,
    kinds: Vec<String>,
    ids: Vec<String>,
    expected: Vec<i64>,
    bodies: Vec<String>,
    standings: Vec<String>,
    players: Vec<String>,
    ords: Vec<i64>,
    scores: Vec<i64>,
    submitted_at: Vec<i64>,
    event_ids: Vec<String>,
    event_kinds: Vec<String>,
    event_at: Vec<i64>,
    event_players: Vec<String>,
    payloads: Vec<String>,
    slots: Vec<i64>,
}

/// A score submission's change set: one document written (not deleted), one score
/// row put, one event, and nothing else (`Guildhall::submit_score` once the period
/// exists, without an idempotency key).
fn is_score_set(cs: &ChangeSet) -> bool {
    // Destructured whole, so a new kind of write cannot slip past this test.
    let ChangeSet {
        balances,
        items,
        ledger,
        events,
        idempotency,
        catalog,
        counters,
        mailboxes,
        mails,
        broadcasts,
        templates,
        triggers,
        docs,
        chat,
        scores,
    } = cs;
    balances.is_empty()
        && items.is_empty()
        && ledger.is_empty()
        && events.len() == 1
        && idempotency.is_none()
        && catalog.is_empty()
        && counters.is_empty()
        && mailboxes.is_empty()
        && mails.is_empty()
        && broadcasts.is_empty()
        && templates.is_empty()
        && triggers.is_empty()
        && matches!(docs.as_slice(), [d] if d.body.is_some())
        && chat.is_empty()
        && matches!(scores.as_slice(), [ScoreWrite::Put(_)])
}

/// The score submissions of a batch that [`SCORE_SETS`] applies at once: the
/// [`is_score_set`]s whose document and score row no earlier one of them writes
/// (one statement cannot see its own writes), with `firsts[i]` their outbox slot.
/// The rest, and a set whose JSON cannot be encoded, stay with the other sets.
fn score_group(sets: &[ChangeSet], firsts: &[Option<i64>]) -> ScoreRows {
    let mut rows = ScoreRows::default();
    let (mut docs, mut scores) = (HashSet::new(), HashSet::new());
    for (i, cs) in sets.iter().enumerate() {
        let Some(slot) = firsts[i] else { continue };
        if !is_score_set(cs) {
            continue;
        }
        let (doc, ScoreWrite::Put(score), event) = (&cs.docs[0], &cs.scores[0], &cs.events[0])
        else {
            continue;
        };
        let encoded = (
            doc.body.as_ref().map(to_json),
            to_json(&event.players),
            to_json(&event.payload),
        );
        let (Some(Ok(body)), Ok(players), Ok(payload)) = encoded else {
            continue;
        };
        if docs.contains(&(&doc.kind, &doc.id))
            || scores.contains(&(&score.standings, &score.player))
        {
            continue;
        }
        docs.insert((&doc.kind, &doc.id));
        scores.insert((&score.standings, &score.player));
        rows.sets.push(i);
        rows.kinds.push(doc.kind.clone());
        rows.ids.push(doc.id.clone());
        rows.expected.push(doc.expected_version);
        rows.bodies.push(body);
        rows.standings.push(score.standings.clone());
        rows.players.push(score.player.to_string());
        rows.ords.push(score.ord);
        rows.scores.push(score.score);
        rows.submitted_at.push(score.submitted_at);
        rows.event_ids.push(event.id.clone());
        rows.event_kinds.push(event.kind.clone());
        rows.event_at.push(event.at.timestamp_micros());
        rows.event_players.push(players);
        rows.payloads.push(payload);
        rows.slots.push(slot);
    }
    rows
}

/// Applies `rows` ([`SCORE_SETS`]) on an open transaction: for each of its sets, in
/// `rows.sets` order, `Ok` (its event's `seq` filled in) or the conflict of its
/// document's guard, which changed nothing of that set.
async fn apply_score_sets(
    conn: &mut PgConnection,
    sets: &mut [ChangeSet],
    rows: ScoreRows,
) -> std::result::Result<Vec<(usize, Result<()>)>, Combined> {
    let row = sqlx::query(SCORE_SETS)
        .bind(rows.kinds)
        .bind(rows.ids)
        .bind(rows.expected)
        .bind(rows.bodies)
        .bind(rows.standings)
        .bind(rows.players)
        .bind(rows.ords)
        .bind(rows.scores)
        .bind(rows.submitted_at)
        .bind(rows.event_ids)
        .bind(rows.event_kinds)
        .bind(rows.event_at)
        .bind(rows.event_players)
        .bind(rows.payloads)
        .bind(&rows.slots)
        .fetch_one(&mut *conn)
        .await
        .map_err(Combined::Db)?;
    let written: Option<Vec<i64>> = row.try_get(0).map_err(Combined::Db)?;
    let seqs: Option<Vec<i64>> = row.try_get(1).map_err(Combined::Db)?;
    let scores: i64 = row.try_get(2).map_err(Combined::Db)?;
    let (written, seqs) = (written.unwrap_or_default(), seqs.unwrap_or_default());
    if seqs.len() != written.len() || usize::try_from(scores).ok() != Some(written.len()) {
        return Err(Combined::Moved);
    }
    let seq_of: std::collections::HashMap<i64, i64> = written.into_iter().zip(seqs).collect();
    Ok(rows
        .sets
        .iter()
        .zip(&rows.slots)
        .map(|(&i, slot)| {
            let cs = &mut sets[i];
            let outcome = match seq_of.get(slot) {
                Some(&seq) => {
                    cs.events[0].seq = seq;
                    Ok(())
                }
                None => Err(guard_error(cs, Guard::Doc(0))),
            };
            (i, outcome)
        })
        .collect())
}

// ----- wallet and stack writes of one batch, one statement -----

/// Applies the economy sets of a batch ([`economy_group`]) as one call of
/// `guildhall_economy_sets` (migration `0007_economy_sets_function.sql`, which
/// documents its parameters; migration 0008 has it keep one plan per connection instead
/// of planning every call anew). Each set goes in whole or not at all: its guarded
/// balance and item rows (an update under `expected`, or an insert that must find no
/// row where `expected` is 0) and its idempotency record (which must not exist) are
/// checked first; only the sets with no failing guard write their rows, ledger entries
/// and events. Sets are keyed by their first outbox slot, which also gives their events
/// their `seq`s; ledger entries and events go in in (slot, index) order, so the `seq`s
/// returned, ascending, follow the written sets' entries in order. The existing
/// guarded rows are locked first, balances then items, each in key order, and new rows
/// go in in key order, so two batches writing the same keys wait for each other rather
/// than deadlock. A guarded write that changes no row raises `GH001`: the statement
/// fails whole. The increments of `$42..$45` (system accounts), summed over the sets
/// written, go in last; inside a transaction whose caller writes them they are empty.
/// Returns the slots written, the failing guards, the number of guarded rows written,
/// and the `seq`s of the ledger entries and of the events.
const ECONOMY_SETS: &str = "SELECT * FROM guildhall_economy_sets($1, $2, $3, $4, $5, $6, $7, $8, \
     $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, \
     $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39, $40, $41, $42, $43, $44, $45)";

/// The columns of [`ECONOMY_SETS`] for a group of change sets: guarded balance rows,
/// guarded item rows, idempotency records, ledger entries and events, each row with
/// its set's slot.
#[derive(Default)]
struct EconomyRows {
    /// Index of each set in the batch, with its slot, in slot order.
    sets: Vec<(usize, i64)>,
    bal_slot: Vec<i64>,
    bal_idx: Vec<i32>,
    bal_account: Vec<String>,
    bal_currency: Vec<String>,
    bal_amount: Vec<i64>,
    bal_expected: Vec<i64>,
    itm_slot: Vec<i64>,
    itm_idx: Vec<i32>,
    itm_player: Vec<String>,
    itm_item: Vec<String>,
    itm_quantity: Vec<i64>,
    itm_acquired_at: Vec<i64>,
    itm_expected: Vec<i64>,
    idem_slot: Vec<i64>,
    idem_scope: Vec<String>,
    idem_key: Vec<String>,
    idem_fingerprint: Vec<String>,
    idem_result: Vec<String>,
    idem_created_at: Vec<i64>,
    led_slot: Vec<i64>,
    led_id: Vec<String>,
    led_transaction: Vec<String>,
    led_at: Vec<i64>,
    led_day: Vec<String>,
    led_kind: Vec<String>,
    led_currency: Vec<String>,
    led_debit: Vec<String>,
    led_credit: Vec<String>,
    led_amount: Vec<i64>,
    led_reason: Vec<String>,
    led_metadata: Vec<String>,
    led_item: Vec<Option<String>>,
    led_quantity: Vec<Option<i64>>,
    ev_slot: Vec<i64>,
    ev_off: Vec<i64>,
    ev_id: Vec<String>,
    ev_kind: Vec<String>,
    ev_at: Vec<i64>,
    ev_players: Vec<String>,
    ev_payload: Vec<String>,
    add_slot: Vec<i64>,
    add_account: Vec<String>,
    add_currency: Vec<String>,
    add_amount: Vec<i64>,
}

/// A change set of the economy's shape: guarded balance writes and increments of
/// accounts the batch sums and writes last (`deferred`), guarded item writes, ledger
/// entries, events and an idempotency record, and nothing else (purchases, grants,
/// spends, transfers, item use), with no key written twice.
fn is_economy_set(cs: &ChangeSet, deferred: &(dyn Fn(&Account, &str) -> bool + Sync)) -> bool {
    // Destructured whole, so a new kind of write cannot slip past this test.
    let ChangeSet {
        balances,
        items,
        ledger: _,
        events: _,
        idempotency: _,
        catalog,
        counters,
        mailboxes,
        mails,
        broadcasts,
        templates,
        triggers,
        docs,
        chat,
        scores,
    } = cs;
    catalog.is_empty()
        && counters.is_empty()
        && mailboxes.is_empty()
        && mails.is_empty()
        && broadcasts.is_empty()
        && templates.is_empty()
        && triggers.is_empty()
        && docs.is_empty()
        && chat.is_empty()
        && scores.is_empty()
        && (!balances.is_empty() || !items.is_empty())
        && balances.iter().all(|w| match w {
            BalanceWrite::Set { .. } => true,
            BalanceWrite::Add {
                account, currency, ..
            } => deferred(account, currency),
        })
        && one_statement_fits(cs)
}

/// The economy sets of a batch that [`ECONOMY_SETS`] applies at once: the
/// [`is_economy_set`]s none of whose guarded rows or idempotency key an earlier one of
/// them writes (one statement cannot see its own writes), with `firsts[i]` their
/// outbox slot, left out of `taken` (sets another group applies). The rest, and a set
/// whose JSON cannot be encoded, stay with the other sets.
fn economy_group(
    sets: &[ChangeSet],
    firsts: &[Option<i64>],
    taken: &[usize],
    deferred: &(dyn Fn(&Account, &str) -> bool + Sync),
) -> EconomyRows {
    let mut rows = EconomyRows::default();
    let mut keys: HashSet<(u8, String, String)> = HashSet::new();
    for (i, cs) in sets.iter().enumerate() {
        let Some(slot) = firsts[i] else { continue };
        if taken.contains(&i) || !is_economy_set(cs, deferred) {
            continue;
        }
        let Ok(encoded) = encode_economy_set(cs) else {
            continue;
        };
        let mut mine: Vec<(u8, String, String)> = Vec::new();
        for w in &cs.balances {
            if let BalanceWrite::Set {
                account, currency, ..
            } = w
            {
                mine.push((0, account.to_string(), currency.clone()));
            }
        }
        for w in &cs.items {
            mine.push((1, w.player.to_string(), w.item_id.clone()));
        }
        if let Some(rec) = &cs.idempotency {
            mine.push((2, rec.scope.clone(), rec.key.clone()));
        }
        if mine.iter().any(|k| keys.contains(k)) {
            continue;
        }
        keys.extend(mine);
        rows.sets.push((i, slot));
        let (metadata, players, payloads, result) = encoded;
        for (idx, w) in cs.balances.iter().enumerate() {
            if let BalanceWrite::Set {
                account,
                currency,
                expected_version,
                amount,
            } = w
            {
                rows.bal_slot.push(slot);
                rows.bal_idx.push(i32::try_from(idx).unwrap_or(i32::MAX));
                rows.bal_account.push(account.to_string());
                rows.bal_currency.push(currency.clone());
                rows.bal_amount.push(*amount);
                rows.bal_expected.push(*expected_version);
            }
            if let BalanceWrite::Add {
                account,
                currency,
                delta,
            } = w
            {
                rows.add_slot.push(slot);
                rows.add_account.push(account.to_string());
                rows.add_currency.push(currency.clone());
                rows.add_amount.push(*delta);
            }
        }
        for (idx, w) in cs.items.iter().enumerate() {
            rows.itm_slot.push(slot);
            rows.itm_idx.push(i32::try_from(idx).unwrap_or(i32::MAX));
            rows.itm_player.push(w.player.to_string());
            rows.itm_item.push(w.item_id.clone());
            rows.itm_quantity.push(w.quantity);
            rows.itm_acquired_at.push(w.acquired_at.timestamp_micros());
            rows.itm_expected.push(w.expected_version);
        }
        if let (Some(rec), Some(result)) = (&cs.idempotency, result) {
            rows.idem_slot.push(slot);
            rows.idem_scope.push(rec.scope.clone());
            rows.idem_key.push(rec.key.clone());
            rows.idem_fingerprint.push(rec.fingerprint.clone());
            rows.idem_result.push(result);
            rows.idem_created_at.push(rec.created_at.timestamp_micros());
        }
        for (e, metadata) in cs.ledger.iter().zip(metadata) {
            rows.led_slot.push(slot);
            rows.led_id.push(e.id.clone());
            rows.led_transaction.push(e.transaction_id.clone());
            rows.led_at.push(e.at.timestamp_micros());
            rows.led_day.push(e.day.to_string());
            rows.led_kind.push(e.kind.as_str().to_string());
            rows.led_currency.push(e.currency.clone());
            rows.led_debit.push(e.debit.to_string());
            rows.led_credit.push(e.credit.to_string());
            rows.led_amount.push(e.amount);
            rows.led_reason.push(e.reason.clone());
            rows.led_metadata.push(metadata);
            rows.led_item.push(e.item_id.clone());
            rows.led_quantity.push(e.quantity);
        }
        for (n, ((e, players), payload)) in cs.events.iter().zip(players).zip(payloads).enumerate()
        {
            rows.ev_slot.push(slot);
            rows.ev_off
                .push(slot + i64::try_from(n).unwrap_or(i64::MAX));
            rows.ev_id.push(e.id.clone());
            rows.ev_kind.push(e.kind.clone());
            rows.ev_at.push(e.at.timestamp_micros());
            rows.ev_players.push(players);
            rows.ev_payload.push(payload);
        }
    }
    rows
}

/// The JSON columns of an economy set: ledger metadata, event players and payloads,
/// and the idempotency record's result.
#[allow(clippy::type_complexity)]
fn encode_economy_set(
    cs: &ChangeSet,
) -> Result<(Vec<String>, Vec<String>, Vec<String>, Option<String>)> {
    let metadata = cs
        .ledger
        .iter()
        .map(|e| to_json(&e.metadata))
        .collect::<Result<Vec<_>>>()?;
    let players = cs
        .events
        .iter()
        .map(|e| to_json(&e.players))
        .collect::<Result<Vec<_>>>()?;
    let payloads = cs
        .events
        .iter()
        .map(|e| to_json(&e.payload))
        .collect::<Result<Vec<_>>>()?;
    let result = cs
        .idempotency
        .as_ref()
        .map(|r| to_json(&r.result))
        .transpose()?;
    Ok((metadata, players, payloads, result))
}

/// Applies `rows` ([`ECONOMY_SETS`]): for each of its sets, in slot order, `Ok` (its
/// ledger entries' and events' `seq`s filled in) or the refusal of its first failing
/// guard, which changed nothing of that set. `adds`: the statement also writes the
/// sets' increments of system accounts (the caller writes none itself); outside a
/// transaction it then commits the whole batch in this one round trip.
async fn apply_economy_sets(
    conn: &mut PgConnection,
    sets: &mut [ChangeSet],
    rows: EconomyRows,
    adds: bool,
) -> std::result::Result<Vec<(usize, Result<()>)>, Combined> {
    let slots: Vec<i64> = rows.sets.iter().map(|(_, s)| *s).collect();
    let row = sqlx::query(ECONOMY_SETS)
        .bind(rows.bal_slot)
        .bind(rows.bal_idx)
        .bind(rows.bal_account)
        .bind(rows.bal_currency)
        .bind(rows.bal_amount)
        .bind(rows.bal_expected)
        .bind(rows.itm_slot)
        .bind(rows.itm_idx)
        .bind(rows.itm_player)
        .bind(rows.itm_item)
        .bind(rows.itm_quantity)
        .bind(rows.itm_acquired_at)
        .bind(rows.itm_expected)
        .bind(rows.idem_slot)
        .bind(rows.idem_scope)
        .bind(rows.idem_key)
        .bind(rows.idem_fingerprint)
        .bind(rows.idem_result)
        .bind(rows.idem_created_at)
        .bind(&slots)
        .bind(rows.led_slot)
        .bind(rows.led_id)
        .bind(rows.led_transaction)
        .bind(rows.led_at)
        .bind(rows.led_day)
        .bind(rows.led_kind)
        .bind(rows.led_currency)
        .bind(rows.led_debit)
        .bind(rows.led_credit)
        .bind(rows.led_amount)
        .bind(rows.led_reason)
        .bind(rows.led_metadata)
        .bind(rows.led_item)
        .bind(rows.led_quantity)
        .bind(rows.ev_slot)
        .bind(rows.ev_off)
        .bind(rows.ev_id)
        .bind(rows.ev_kind)
        .bind(rows.ev_at)
        .bind(rows.ev_players)
        .bind(rows.ev_payload)
        .bind(if adds { rows.add_slot } else { Vec::new() })
        .bind(if adds { rows.add_account } else { Vec::new() })
        .bind(if adds { rows.add_currency } else { Vec::new() })
        .bind(if adds { rows.add_amount } else { Vec::new() })
        .fetch_one(&mut *conn)
        .await
        .map_err(Combined::Db)?;
    let db = Combined::Db;
    let written: Option<Vec<i64>> = row.try_get(0).map_err(db)?;
    let bad_slots: Option<Vec<i64>> = row.try_get(1).map_err(db)?;
    let bad_what: Option<Vec<i32>> = row.try_get(2).map_err(db)?;
    let bad_idx: Option<Vec<i32>> = row.try_get(3).map_err(db)?;
    let guarded: i64 = row.try_get(4).map_err(db)?;
    let ledger: Option<Vec<i64>> = row.try_get(5).map_err(db)?;
    let events: Option<Vec<i64>> = row.try_get(6).map_err(db)?;
    let written: HashSet<i64> = written.unwrap_or_default().into_iter().collect();
    // The first failing guard of each refused set, in the order the one-set
    // statement checks them: balances, items, the idempotency record.
    let mut refused: std::collections::HashMap<i64, Guard> = std::collections::HashMap::new();
    for ((slot, what), idx) in bad_slots
        .unwrap_or_default()
        .into_iter()
        .zip(bad_what.unwrap_or_default())
        .zip(bad_idx.unwrap_or_default())
    {
        let idx = usize::try_from(idx).unwrap_or(usize::MAX);
        refused.entry(slot).or_insert(match what {
            0 => Guard::Balance(idx),
            1 => Guard::Item(idx),
            _ => Guard::Idempotency,
        });
    }
    let (mut ledger, mut events) = (
        ledger.unwrap_or_default().into_iter(),
        events.unwrap_or_default().into_iter(),
    );
    let mut expected_guarded = 0usize;
    let mut out = Vec::with_capacity(rows.sets.len());
    for (i, slot) in rows.sets {
        let cs = &mut sets[i];
        if !written.contains(&slot) {
            let guard = refused.get(&slot).copied().ok_or(Combined::Moved)?;
            out.push((i, Err(guard_error(cs, guard))));
            continue;
        }
        expected_guarded += cs
            .balances
            .iter()
            .filter(|w| matches!(w, BalanceWrite::Set { .. }))
            .count()
            + cs.items.len()
            + usize::from(cs.idempotency.is_some());
        for e in cs.ledger.iter_mut() {
            e.seq = ledger.next().ok_or(Combined::Moved)?;
        }
        for e in cs.events.iter_mut() {
            e.seq = events.next().ok_or(Combined::Moved)?;
        }
        out.push((i, Ok(())));
    }
    if ledger.next().is_some()
        || events.next().is_some()
        || usize::try_from(guarded).ok() != Some(expected_guarded)
    {
        return Err(Combined::Moved);
    }
    Ok(out)
}

/// The refusal a failed guard stands for.
fn guard_error(cs: &ChangeSet, guard: Guard) -> Error {
    let account_of = |i: usize| match &cs.balances[i] {
        BalanceWrite::Set {
            account, currency, ..
        }
        | BalanceWrite::Add {
            account, currency, ..
        } => (account, currency),
    };
    match guard {
        Guard::Balance(i) => {
            let (a, c) = account_of(i);
            balance_conflict(a, c)
        }
        Guard::Overflow(i) => {
            let (a, c) = account_of(i);
            system_overflow(a, c)
        }
        Guard::Item(i) => Error::conflict(format!(
            "item {}/{} moved",
            cs.items[i].player, cs.items[i].item_id
        )),
        Guard::Counter(i) => Error::conflict(format!("counter {} moved", cs.counters[i].key)),
        Guard::Doc(i) => Error::conflict(format!("{} {} moved", cs.docs[i].kind, cs.docs[i].id)),
        Guard::Mailbox(i) => {
            Error::conflict(format!("mailbox of {} moved", cs.mailboxes[i].player))
        }
        Guard::Idempotency => Error::conflict("idempotency key stored concurrently"),
    }
}

// ----- reads -----

fn event_from(t: EventRow) -> Result<Event> {
    let (seq, id, kind, at, players, payload, _horizon) = t;
    Ok(Event {
        seq,
        id,
        kind,
        at: micros_to_time(at)?,
        players: players
            .into_iter()
            .map(|p| PlayerId::new(p).map_err(|e| bad_data("event player", e)))
            .collect::<Result<_>>()?,
        payload: parse_json(&payload)?,
    })
}

fn body_from<T: serde::de::DeserializeOwned>(what: &str, body: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|e| bad_data(what, e))
}

/// A player's entries (as debit or credit), newest first: the newest `limit` of each
/// side through its index, merged.
const HISTORY: &str = "SELECT seq, id, transaction_id, at, day, kind, currency, debit, credit, amount, reason, metadata, item_id, quantity \
     FROM ledger WHERE seq IN ( \
         (SELECT seq FROM ledger WHERE debit = $1 AND ($2::text IS NULL OR currency = $2) \
             AND ($3::text IS NULL OR kind = $3) AND seq < $4 ORDER BY seq DESC LIMIT $5) \
         UNION ALL \
         (SELECT seq FROM ledger WHERE credit = $1 AND ($2::text IS NULL OR currency = $2) \
             AND ($3::text IS NULL OR kind = $3) AND seq < $4 ORDER BY seq DESC LIMIT $5)) \
     ORDER BY seq DESC LIMIT $5";

const CATALOG_COLUMNS: &str =
    "SELECT id, name, kind, price_currency, price_amount, max_stack, active, metadata FROM catalog";
/// [`Store::purchase_rows`] in one statement: the catalog item `$2`, the balance of
/// account `$3` in the item's price currency and the inventory row of player `$1`; one
/// row always, every column NULL where its row is absent (a [`PurchaseTuple`]).
const PURCHASE_ROWS: &str = "SELECT c.id, c.name, c.kind, c.price_currency, c.price_amount, \
     c.max_stack, c.active, c.metadata, b.amount, b.version, i.quantity, i.acquired_at, i.version \
     FROM (SELECT) AS one \
     LEFT JOIN catalog c ON c.id = $2 \
     LEFT JOIN balances b ON b.account = $3 AND b.currency = c.price_currency \
     LEFT JOIN items i ON i.player = $1 AND i.item_id = $2";
/// [`Store::item_rows`] in one statement: [`PURCHASE_ROWS`] without the balance (its
/// two columns NULL), for the catalog item `$2` and the inventory row of player `$1`.
const ITEM_ROWS: &str = "SELECT c.id, c.name, c.kind, c.price_currency, c.price_amount, \
     c.max_stack, c.active, c.metadata, NULL::bigint, NULL::bigint, \
     i.quantity, i.acquired_at, i.version \
     FROM (SELECT) AS one \
     LEFT JOIN catalog c ON c.id = $2 \
     LEFT JOIN items i ON i.player = $1 AND i.item_id = $2";
/// [`PURCHASE_ROWS`] and [`ITEM_ROWS`] for many keys in one statement: one row per
/// key (`$1` players, `$2` catalog items, `$3` ledger accounts, NULL for no balance),
/// in the keys' order. Each table is a `LIMIT 1` lookup of its primary key, whatever
/// plan the statement is given.
const PURCHASES_BY_KEY: &str = "SELECT c.id, c.name, c.kind, c.price_currency, \
     c.price_amount, c.max_stack, c.active, c.metadata, b.amount, b.version, \
     i.quantity, i.acquired_at, i.version \
     FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS u(player, item_id, account, ord) \
     LEFT JOIN LATERAL (SELECT * FROM catalog WHERE catalog.id = u.item_id LIMIT 1) c ON true \
     LEFT JOIN LATERAL (SELECT amount, version FROM balances \
     WHERE balances.account = u.account AND balances.currency = c.price_currency LIMIT 1) b ON true \
     LEFT JOIN LATERAL (SELECT quantity, acquired_at, version FROM items \
     WHERE items.player = u.player AND items.item_id = u.item_id LIMIT 1) i ON true \
     ORDER BY u.ord";
/// A [`PURCHASE_ROWS`] (or [`ITEM_ROWS`]) row: the catalog columns, then the balance's amount and version
/// and the inventory row's quantity, acquisition time (µs) and version.
type PurchaseTuple = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<bool>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);
/// The event columns and the outbox horizon of the statement (an [`EventRow`]).
const EVENT_COLUMNS_AND_HORIZON: &str = concat!(
    "SELECT seq, id, kind, at, players, payload, ",
    outbox_horizon!(),
    " FROM events"
);

/// An event row with the horizon of the statement that read it.
type EventRow = (i64, String, String, i64, Vec<String>, String, i64);

/// The waiting of one outbox read: rows at or above the horizon are held back (they
/// may yet be joined by rows with smaller `seq`s of transactions still running), and
/// the read is repeated after 1, 2, 4, ... ms while some are, for [`HORIZON_WAIT`] in
/// all; then the rows below the horizon are handed out.
struct HorizonWait {
    slept: Duration,
    next: Duration,
}

impl HorizonWait {
    fn new() -> Self {
        Self {
            slept: Duration::ZERO,
            next: Duration::from_millis(1),
        }
    }

    /// `Some(rows below the horizon)` when nothing was held back or the wait is over;
    /// `None` after sleeping, to read again. `key`: a row's `(seq, horizon)`; rows
    /// come in `seq` order.
    async fn settled<R>(
        &mut self,
        mut rows: Vec<R>,
        key: impl Fn(&R) -> (i64, i64),
    ) -> Option<Vec<R>> {
        let safe = rows
            .iter()
            .position(|r| {
                let (seq, horizon) = key(r);
                seq >= horizon
            })
            .unwrap_or(rows.len());
        if safe == rows.len() {
            return Some(rows);
        }
        if self.slept >= HORIZON_WAIT {
            tracing::debug!(
                held_back = rows.len() - safe,
                "outbox read: a transaction still running holds back rows"
            );
            rows.truncate(safe);
            return Some(rows);
        }
        tokio::time::sleep(self.next).await;
        self.slept += self.next;
        self.next = (self.next * 2).min(Duration::from_millis(50));
        None
    }
}

#[async_trait::async_trait]
impl Store for PostgresStore {
    async fn migrate(&self) -> Result<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| Error::unavailable(format!("postgres migration failed: {e}")))
    }

    fn concurrent_batches(&self) -> usize {
        self.concurrent_batches
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    async fn balance(&self, account: &Account, currency: &str) -> Result<BalanceRow> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT amount, version FROM balances WHERE account = $1 AND currency = $2",
        )
        .bind(account.to_string())
        .bind(currency)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(row
            .map(|(amount, version)| BalanceRow { amount, version })
            .unwrap_or_default())
    }

    async fn balances(&self, account: &Account) -> Result<Vec<(String, BalanceRow)>> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT currency, amount, version FROM balances WHERE account = $1 ORDER BY currency",
        )
        .bind(account.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(rows
            .into_iter()
            .map(|(cur, amount, version)| (cur, BalanceRow { amount, version }))
            .collect())
    }

    async fn all_balances(&self) -> Result<Vec<(Account, String, Amount)>> {
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT account, currency, amount FROM balances")
                .fetch_all(&self.pool)
                .await
                .map_err(map_error)?;
        rows.into_iter()
            .map(|(a, cur, amount)| Ok((parse_account(&a)?, cur, amount)))
            .collect()
    }

    async fn item(&self, player: &PlayerId, item_id: &str) -> Result<Option<ItemRow>> {
        let row: Option<(i64, i64, i64)> = sqlx::query_as(
            "SELECT quantity, acquired_at, version FROM items WHERE player = $1 AND item_id = $2",
        )
        .bind(player.as_str())
        .bind(item_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_error)?;
        row.map(|(quantity, at, version)| {
            Ok(ItemRow {
                item_id: item_id.to_string(),
                quantity,
                acquired_at: micros_to_time(at)?,
                version,
            })
        })
        .transpose()
    }

    async fn items(&self, player: &PlayerId) -> Result<Vec<ItemRow>> {
        let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
            "SELECT item_id, quantity, acquired_at, version FROM items WHERE player = $1 ORDER BY item_id",
        )
        .bind(player.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)?;
        rows.into_iter()
            .map(|(item_id, quantity, at, version)| {
                Ok(ItemRow {
                    item_id,
                    quantity,
                    acquired_at: micros_to_time(at)?,
                    version,
                })
            })
            .collect()
    }

    async fn idempotency(&self, scope: &str, key: &str) -> Result<Option<IdempotencyRecord>> {
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT fingerprint, result, created_at FROM idempotency WHERE scope = $1 AND \"key\" = $2",
        )
        .bind(scope)
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_error)?;
        row.map(|(fingerprint, result, at)| {
            Ok(IdempotencyRecord {
                scope: scope.to_string(),
                key: key.to_string(),
                fingerprint,
                result: parse_json(&result)?,
                created_at: micros_to_time(at)?,
            })
        })
        .transpose()
    }

    async fn catalog_item(&self, id: &str) -> Result<Option<CatalogItem>> {
        let row: Option<CatalogTuple> = sqlx::query_as(&format!("{CATALOG_COLUMNS} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_error)?;
        row.map(catalog_from).transpose()
    }

    async fn catalog(&self) -> Result<Vec<CatalogItem>> {
        let rows: Vec<CatalogTuple> = sqlx::query_as(&format!("{CATALOG_COLUMNS} ORDER BY id"))
            .fetch_all(&self.pool)
            .await
            .map_err(map_error)?;
        rows.into_iter().map(catalog_from).collect()
    }

    async fn purchase_rows(&self, player: &PlayerId, item_id: &str) -> Result<PurchaseRows> {
        let account = Account::Player(player.clone()).to_string();
        self.purchase_tuple(player, item_id, Some(account)).await
    }

    async fn item_rows(
        &self,
        player: &PlayerId,
        item_id: &str,
    ) -> Result<(Option<CatalogItem>, Option<ItemRow>)> {
        let rows = self.purchase_tuple(player, item_id, None).await?;
        Ok((rows.item, rows.held))
    }

    async fn history(&self, q: &HistoryQuery) -> Result<Vec<LedgerEntry>> {
        let rows: Vec<LedgerTuple> = sqlx::query_as(HISTORY)
            .bind(q.account.to_string())
            .bind(q.currency.as_deref())
            .bind(q.kind.map(EntryKind::as_str))
            .bind(q.before_seq.unwrap_or(i64::MAX))
            .bind(i64::from(q.limit))
            .fetch_all(&self.pool)
            .await
            .map_err(map_error)?;
        rows.into_iter().map(ledger_from).collect()
    }

    async fn ledger_snapshot(&self) -> Result<LedgerSnapshot> {
        // ONE statement, so one snapshot even under READ COMMITTED: a commit lands wholly
        // before or after it. SUM over bigint is numeric in PostgreSQL, exact at any size;
        // it travels as text and is parsed as i128.
        let rows: Vec<(i32, String, String, String)> = sqlx::query_as(
            "SELECT 0, account, currency, amount::text FROM balances \
             UNION ALL \
             SELECT 1, account, currency, SUM(n)::text FROM ( \
                 SELECT credit AS account, currency, amount AS n FROM ledger \
                 UNION ALL SELECT debit, currency, -amount FROM ledger) AS moves \
             GROUP BY account, currency",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)?;
        let mut snap = LedgerSnapshot::default();
        for (part, account, currency, n) in rows {
            let account = parse_account(&account)?;
            if part == 0 {
                let amount = n.parse::<i64>().map_err(|e| bad_data("balance", e))?;
                snap.balances.push((account, currency, amount));
            } else {
                let sum = n
                    .parse::<i128>()
                    .map_err(|e| bad_data("ledger sum", format!("{n}: {e}")))?;
                snap.net.push((account, currency, sum));
            }
        }
        Ok(snap)
    }

    async fn popular_items(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<PopularItem>> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT item_id, SUM(COALESCE(quantity, 0))::bigint AS units, COUNT(*) FROM ledger \
             WHERE kind = 'purchase' AND at >= $1 AND at < $2 AND item_id IS NOT NULL \
             GROUP BY item_id ORDER BY units DESC, item_id ASC LIMIT $3",
        )
        .bind(from.timestamp_micros())
        .bind(to.timestamp_micros())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(rows
            .into_iter()
            .map(|(item_id, total_quantity, purchases)| PopularItem {
                item_id,
                total_quantity,
                purchases,
            })
            .collect())
    }

    async fn revenue_per_day(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyRevenue>> {
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT day, currency, SUM(amount)::bigint, COUNT(*) FROM ledger \
             WHERE kind = 'purchase' AND day >= $1 AND day <= $2 \
             GROUP BY day, currency ORDER BY day, currency",
        )
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)?;
        rows.into_iter()
            .map(|(day, currency, amount, purchases)| {
                Ok(DailyRevenue {
                    day: parse_day(&day)?,
                    currency,
                    amount,
                    purchases,
                })
            })
            .collect()
    }

    async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<Event>> {
        self.read_events(None, after, limit).await
    }

    async fn counter(&self, key: &str) -> Result<CounterRow> {
        let row: Option<(i64, i64)> =
            sqlx::query_as("SELECT count, version FROM counters WHERE \"key\" = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_error)?;
        Ok(
            row.map_or_else(CounterRow::default, |(count, version)| CounterRow {
                count,
                version,
            }),
        )
    }

    async fn mailbox(&self, player: &PlayerId) -> Result<(MailboxRow, Vec<Mail>)> {
        // One statement, so the header and the mails come from one snapshot.
        let (version, broadcast_seq, bodies): (Option<i64>, Option<i64>, Vec<String>) =
            sqlx::query_as(
                "SELECT (SELECT version FROM mailboxes WHERE player = $1), \
                        (SELECT broadcast_seq FROM mailboxes WHERE player = $1), \
                        ARRAY(SELECT body FROM mails WHERE player = $1 ORDER BY sent_at, id)",
            )
            .bind(player.as_str())
            .fetch_one(&self.pool)
            .await
            .map_err(map_error)?;
        let header = MailboxRow {
            version: version.unwrap_or(0),
            broadcast_seq: broadcast_seq.unwrap_or(0),
        };
        let mails = bodies
            .iter()
            .map(|b| body_from::<Mail>("mail", b))
            .collect::<Result<Vec<_>>>()?;
        Ok((header, mails))
    }

    async fn broadcasts_after(&self, after: i64, limit: u32) -> Result<Vec<Broadcast>> {
        let sql = format!(
            "SELECT seq, body, {OUTBOX_HORIZON} FROM broadcasts WHERE seq > $1 ORDER BY seq LIMIT $2"
        );
        let mut wait = HorizonWait::new();
        let rows = loop {
            let rows: Vec<(i64, String, i64)> = sqlx::query_as(&sql)
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(map_error)?;
            if let Some(rows) = wait.settled(rows, |r| (r.0, r.2)).await {
                break rows;
            }
        };
        rows.into_iter()
            .map(|(seq, b, _)| {
                let mut x: Broadcast = body_from("broadcast", &b)?;
                x.seq = seq;
                Ok(x)
            })
            .collect()
    }

    async fn broadcast(&self, id: &str) -> Result<Option<Broadcast>> {
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, body FROM broadcasts WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_error)?;
        row.map(|(seq, b)| {
            let mut x: Broadcast = body_from("broadcast", &b)?;
            x.seq = seq;
            Ok(x)
        })
        .transpose()
    }

    async fn template(&self, id: &str) -> Result<Option<Template>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT body FROM templates WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_error)?;
        row.map(|(b,)| body_from("template", &b)).transpose()
    }

    async fn templates(&self) -> Result<Vec<Template>> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT body FROM templates ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(map_error)?;
        rows.into_iter()
            .map(|(b,)| body_from("template", &b))
            .collect()
    }

    async fn trigger(&self, id: &str) -> Result<Option<Trigger>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT body FROM triggers WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_error)?;
        row.map(|(b,)| body_from("trigger", &b)).transpose()
    }

    async fn triggers(&self, event: Option<&str>) -> Result<Vec<Trigger>> {
        let rows: Vec<(String,)> = match event {
            Some(e) => {
                sqlx::query_as("SELECT body FROM triggers WHERE event = $1 ORDER BY id")
                    .bind(e)
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                sqlx::query_as("SELECT body FROM triggers ORDER BY id")
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(map_error)?;
        rows.into_iter()
            .map(|(b,)| body_from("trigger", &b))
            .collect()
    }

    async fn doc(&self, kind: &str, id: &str) -> Result<Option<Doc>> {
        let row = self.docs.get((kind.to_string(), id.to_string())).await?;
        row.map(|(version, b)| {
            Ok(Doc {
                kind: kind.into(),
                id: id.into(),
                version,
                body: parse_json(&b)?,
            })
        })
        .transpose()
    }

    async fn docs_after(&self, kind: &str, after: &str, limit: u32) -> Result<Vec<Doc>> {
        let rows: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT id, version, body FROM docs WHERE kind = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(kind)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)?;
        docs_from_rows(kind, rows)
    }

    async fn put_file(
        &self,
        file: guildhall_core::downloads::NewFile,
    ) -> Result<guildhall_core::downloads::FileMeta> {
        let mut tx = self.pool.begin().await.map_err(map_error)?;
        // EXCLUSIVE blocks other writers of the table (not its readers) until commit, so
        // MAX + 1 versions commit in their order.
        sqlx::query("LOCK TABLE game_files IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        let (version,): (i64,) = sqlx::query_as(
            "INSERT INTO game_files (version, name, content_type, size, sha256, created_at, bytes) \
             VALUES ((SELECT COALESCE(MAX(version), 0) + 1 FROM game_files), $1, $2, $3, $4, $5, $6) RETURNING version",
        )
        .bind(&file.name)
        .bind(&file.content_type)
        .bind(file.bytes.len() as i64)
        .bind(&file.sha256)
        .bind(file.created_at.timestamp_micros())
        .bind(&file.bytes)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        Ok(guildhall_core::downloads::FileMeta {
            size: file.bytes.len() as i64,
            name: file.name,
            version,
            content_type: file.content_type,
            sha256: file.sha256,
            created_at: file.created_at,
        })
    }

    async fn file(
        &self,
        name: &str,
        version: Option<i64>,
    ) -> Result<Option<guildhall_core::downloads::StoredFile>> {
        let sql = format!(
            "SELECT {FILE_COLUMNS}, bytes FROM game_files WHERE name = $1 AND ($2::BIGINT IS NULL OR version = $2) \
             ORDER BY version DESC LIMIT 1"
        );
        let row: Option<(i64, String, String, i64, String, i64, Vec<u8>)> = sqlx::query_as(&sql)
            .bind(name)
            .bind(version)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_error)?;
        row.map(|(v, n, ct, size, sha, at, bytes)| {
            Ok(guildhall_core::downloads::StoredFile {
                meta: file_meta((v, n, ct, size, sha, at))?,
                bytes,
            })
        })
        .transpose()
    }

    async fn files_changed(
        &self,
        since: i64,
        limit: u32,
    ) -> Result<Vec<guildhall_core::downloads::FileMeta>> {
        let sql = format!(
            "SELECT {FILE_COLUMNS} FROM game_files f WHERE version > $1 \
             AND NOT EXISTS (SELECT 1 FROM game_files g WHERE g.name = f.name AND g.version > f.version) \
             ORDER BY version LIMIT $2"
        );
        let rows: Vec<FileRow> = sqlx::query_as(&sql)
            .bind(since)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(map_error)?;
        rows.into_iter().map(file_meta).collect()
    }

    async fn file_versions(
        &self,
        name: &str,
        limit: u32,
    ) -> Result<Vec<guildhall_core::downloads::FileMeta>> {
        let sql = format!(
            "SELECT {FILE_COLUMNS} FROM game_files WHERE name = $1 ORDER BY version DESC LIMIT $2"
        );
        let rows: Vec<FileRow> = sqlx::query_as(&sql)
            .bind(name)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(map_error)?;
        rows.into_iter().map(file_meta).collect()
    }

    async fn docs(&self, kind: &str, prefix: &str, limit: u32) -> Result<Vec<Doc>> {
        // Ids with the prefix are exactly those in [prefix, prefix_end(prefix)) in the
        // "C" collation (code point order); no pattern, so no escaping of `%` or `_`.
        let query = match prefix_end(prefix) {
            Some(end) => sqlx::query_as(
                "SELECT id, version, body FROM docs WHERE kind = $1 AND id >= $2 AND id < $3 ORDER BY id LIMIT $4",
            )
            .bind(kind)
            .bind(prefix)
            .bind(end)
            .bind(i64::from(limit)),
            None => sqlx::query_as(
                "SELECT id, version, body FROM docs WHERE kind = $1 AND id >= $2 ORDER BY id LIMIT $3",
            )
            .bind(kind)
            .bind(prefix)
            .bind(i64::from(limit)),
        };
        let rows: Vec<(String, i64, String)> =
            query.fetch_all(&self.pool).await.map_err(map_error)?;
        docs_from_rows(kind, rows)
    }

    async fn chat_history(
        &self,
        channel: &str,
        before: Option<(i64, String)>,
        limit: u32,
    ) -> Result<Vec<ChatMessage>> {
        let rows: Vec<(String,)> = match before {
            Some((at, id)) => sqlx::query_as(
                "SELECT body FROM chat_messages WHERE channel = $1 AND (sent_at, id) < ($2, $3) \
                 ORDER BY sent_at DESC, id DESC LIMIT $4",
            )
            .bind(channel)
            .bind(at)
            .bind(id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(map_error)?,
            None => sqlx::query_as(
                "SELECT body FROM chat_messages WHERE channel = $1 \
                 ORDER BY sent_at DESC, id DESC LIMIT $2",
            )
            .bind(channel)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(map_error)?,
        };
        rows.into_iter()
            .map(|(b,)| body_from("chat message", &b))
            .collect()
    }

    async fn score_entry(&self, standings: &str, player: &PlayerId) -> Result<Option<ScoreEntry>> {
        let row: Option<(i64, i64, i64)> = sqlx::query_as(
            "SELECT ord, score, submitted_at FROM leaderboard_scores WHERE standings = $1 AND player = $2",
        )
        .bind(standings)
        .bind(player.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(row.map(|(ord, score, submitted_at)| ScoreEntry {
            standings: standings.to_string(),
            player: player.clone(),
            ord,
            score,
            submitted_at,
        }))
    }

    async fn scores_after(
        &self,
        standings: &str,
        after: Option<&ScorePos>,
        limit: u32,
    ) -> Result<Vec<ScoreEntry>> {
        let rows: Vec<ScoreRowTuple> = match after {
            Some(p) => sqlx::query_as(
                "SELECT player, ord, score, submitted_at FROM leaderboard_scores \
                 WHERE standings = $1 AND (ord, submitted_at, player) > ($2, $3, $4) \
                 ORDER BY ord, submitted_at, player LIMIT $5",
            )
            .bind(standings)
            .bind(p.ord)
            .bind(p.submitted_at)
            .bind(p.player.as_str())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(map_error)?,
            None => sqlx::query_as(
                "SELECT player, ord, score, submitted_at FROM leaderboard_scores \
                 WHERE standings = $1 ORDER BY ord, submitted_at, player LIMIT $2",
            )
            .bind(standings)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(map_error)?,
        };
        score_rows(standings, rows)
    }

    async fn scores_before(
        &self,
        standings: &str,
        before: &ScorePos,
        limit: u32,
    ) -> Result<Vec<ScoreEntry>> {
        let rows: Vec<ScoreRowTuple> = sqlx::query_as(
            "SELECT player, ord, score, submitted_at FROM leaderboard_scores \
             WHERE standings = $1 AND (ord, submitted_at, player) < ($2, $3, $4) \
             ORDER BY ord DESC, submitted_at DESC, player DESC LIMIT $5",
        )
        .bind(standings)
        .bind(before.ord)
        .bind(before.submitted_at)
        .bind(before.player.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)?;
        score_rows(standings, rows)
    }

    async fn scores_count_before(&self, standings: &str, before: &ScorePos) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM leaderboard_scores \
             WHERE standings = $1 AND (ord, submitted_at, player) < ($2, $3, $4)",
        )
        .bind(standings)
        .bind(before.ord)
        .bind(before.submitted_at)
        .bind(before.player.as_str())
        .fetch_one(&self.pool)
        .await
        .map_err(map_error)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn prune_chat(&self, before: DateTime<Utc>) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM chat_messages WHERE sent_at < $1")
            .bind(before.timestamp_micros())
            .execute(&self.pool)
            .await
            .map_err(map_error)?
            .rows_affected())
    }

    async fn player_events_after(
        &self,
        player: &PlayerId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Event>> {
        self.read_events(Some(player), after, limit).await
    }

    async fn commit(&self, cs: ChangeSet) -> Result<ChangeSet> {
        self.commit_through_lane(vec![cs])
            .await
            .pop()
            .unwrap_or_else(|| Err(Error::unavailable("a change set got no outcome")))
    }

    async fn commit_batch(&self, batch: Vec<ChangeSet>) -> Vec<Result<ChangeSet>> {
        self.commit_through_lane(batch).await
    }

    async fn prune(
        &self,
        events_before: DateTime<Utc>,
        idempotency_before: DateTime<Utc>,
    ) -> Result<(u64, u64)> {
        let mut conn = self.pool.acquire().await.map_err(map_error)?;
        let mut tx = conn.begin_with(BEGIN_WRITE).await.map_err(map_error)?;
        let events = sqlx::query("DELETE FROM events WHERE at < $1")
            .bind(events_before.timestamp_micros())
            .execute(&mut *tx)
            .await
            .map_err(map_error)?
            .rows_affected();
        let records = sqlx::query("DELETE FROM idempotency WHERE created_at < $1")
            .bind(idempotency_before.timestamp_micros())
            .execute(&mut *tx)
            .await
            .map_err(map_error)?
            .rows_affected();
        sqlx::query("DELETE FROM counters WHERE expires_at < $1")
            .bind(events_before.timestamp_micros())
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        Ok((events, records))
    }
}

// ----- throwaway databases for tests and benchmarks -----

static NEXT_TEST_DATABASE: AtomicU64 = AtomicU64::new(1);
static TEST_DATABASE_SALT: std::sync::LazyLock<u32> = std::sync::LazyLock::new(|| {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() ^ (d.as_secs() as u32))
});

/// A database created for one test (or benchmark) run and dropped when this value is
/// dropped: `guildhall_test_<pid>_<n>_<salt>` on the server `admin_url` names, so runs
/// never share state and never collide. The salt (from the clock, drawn once per
/// process) keeps processes of other PID namespaces (containers, sandboxes) sharing one
/// server from taking, and later dropping, each other's databases.
#[derive(Debug)]
pub struct TestDatabase {
    admin_url: String,
    name: String,
    url: String,
    dropped: bool,
}

impl TestDatabase {
    /// Creates a fresh, empty database on the server of `admin_url` (a URL whose user
    /// may `CREATE DATABASE`, e.g. `postgres://postgres@127.0.0.1:5432/postgres`).
    ///
    /// Errors: `UNAVAILABLE` naming the URL when the server cannot be reached or
    /// refuses; `INVALID_ARGUMENT` for a malformed URL.
    pub async fn create(admin_url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(admin_url)
            .map_err(|e| Error::invalid("database", format!("bad Postgres URL: {e}")))?;
        let mut conn = PgConnection::connect_with(&options).await.map_err(|e| {
            Error::unavailable(format!("cannot connect to Postgres at {admin_url}: {e}"))
        })?;
        loop {
            let n = NEXT_TEST_DATABASE.fetch_add(1, Ordering::Relaxed);
            let name = format!(
                "guildhall_test_{}_{n}_{:x}",
                std::process::id(),
                *TEST_DATABASE_SALT
            );
            match conn.execute(&*format!("CREATE DATABASE {name}")).await {
                Ok(_) => {
                    let _ = conn.close().await;
                    return Ok(Self {
                        admin_url: admin_url.to_string(),
                        url: with_database(admin_url, &name),
                        name,
                        dropped: false,
                    });
                }
                // Left over by an earlier run whose process had the same id: take the next.
                Err(e) if sqlstate(&e).as_deref() == Some("42P04") => continue,
                Err(e) => {
                    return Err(Error::unavailable(format!(
                        "cannot create a test database at {admin_url}: {e}"
                    )))
                }
            }
        }
    }

    /// The URL of the new database (the admin URL with its database name replaced).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The new database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Drops the database now, closing any connection still open to it.
    /// Errors: `UNAVAILABLE`.
    pub async fn drop_now(mut self) -> Result<()> {
        self.dropped = true;
        drop_database(&self.admin_url, &self.name).await
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop may run inside a runtime, which cannot block on I/O: drop the database
        // from a thread with its own runtime, and wait for it.
        let done = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match runtime {
                Ok(rt) => rt.block_on(drop_database(&admin_url, &name)),
                Err(e) => Err(Error::unavailable(e.to_string())),
            }
        })
        .join();
        if let Ok(Err(e)) = done {
            tracing::warn!(database = %self.name, error = %e, "cannot drop a test database");
        }
    }
}

async fn drop_database(admin_url: &str, name: &str) -> Result<()> {
    let options = PgConnectOptions::from_str(admin_url)
        .map_err(|e| Error::invalid("database", format!("bad Postgres URL: {e}")))?;
    let mut conn = PgConnection::connect_with(&options)
        .await
        .map_err(map_error)?;
    conn.execute(&*format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .map_err(map_error)?;
    let _ = conn.close().await;
    Ok(())
}

/// `url` with its database name (the path) replaced by `name`; query parameters stay.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A ranking-index row as read: (player, ord, score, submitted_at).
type ScoreRowTuple = (String, i64, i64, i64);

fn score_rows(standings: &str, rows: Vec<ScoreRowTuple>) -> Result<Vec<ScoreEntry>> {
    rows.into_iter()
        .map(|(player, ord, score, submitted_at)| {
            Ok(ScoreEntry {
                standings: standings.to_string(),
                player: PlayerId::new(player).map_err(|e| bad_data("leaderboard score", e))?,
                ord,
                score,
                submitted_at,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use guildhall_core::ErrorCode;

    /// A migrated store on a database of its own on the test server.
    async fn test_store() -> (TestDatabase, PostgresStore) {
        let admin = std::env::var("GUILDHALL_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let db = TestDatabase::create(&admin)
            .await
            .expect("a PostgreSQL server (GUILDHALL_TEST_POSTGRES_URL)");
        let store = PostgresStore::connect(db.url()).await.unwrap();
        store.migrate().await.unwrap();
        (db, store)
    }

    /// A score submission's change set for `player` in `standings`.
    fn score_set(standings: &str, player: &str, expected_version: i64) -> ChangeSet {
        ChangeSet {
            docs: vec![guildhall_core::ports::DocWrite {
                kind: "lb_score".into(),
                id: format!("{standings}/{player}"),
                expected_version,
                body: Some(serde_json::json!({ "score": 1 })),
            }],
            scores: vec![ScoreWrite::Put(ScoreEntry {
                standings: standings.into(),
                player: PlayerId::new(player).unwrap(),
                ord: -1,
                score: 1,
                submitted_at: 1,
            })],
            events: vec![Event {
                seq: 0,
                id: format!("e-{player}"),
                kind: "score_submitted".into(),
                at: DateTime::from_timestamp(1, 0).unwrap(),
                players: vec![PlayerId::new(player).unwrap()],
                payload: serde_json::json!({}),
            }],
            ..Default::default()
        }
    }

    /// The score statement itself, on a real server. It must apply: a batch falls back
    /// to one statement per set when it fails, which would hide a broken one from
    /// every test of the store.
    #[tokio::test]
    async fn score_sets_apply_in_one_statement_each_under_its_guard() {
        let (db, store) = test_store().await;
        for p in ["a", "d"] {
            let mut setup = score_set("week", p, 0);
            setup.events[0].id = format!("setup-{p}");
            store.commit(setup).await.unwrap();
        }
        // a: its version; b: new; c: a version it never had; d: new but it exists.
        let mut sets = vec![
            score_set("week", "a", 1),
            score_set("week", "b", 0),
            score_set("week", "c", 5),
            score_set("week", "d", 0),
        ];
        let rows = score_group(&sets, &[Some(0), Some(1), Some(2), Some(3)]);
        let mut conn = store.pool().acquire().await.unwrap();
        let mut tx = conn.begin_with(BEGIN_ARRAYS).await.unwrap();
        let Ok(outcomes) = apply_score_sets(&mut tx, &mut sets, rows).await else {
            panic!("the score statement failed");
        };
        tx.commit().await.unwrap();
        let codes: Vec<(usize, Option<ErrorCode>)> = outcomes
            .iter()
            .map(|(i, r)| (*i, r.as_ref().err().map(|e| e.code)))
            .collect();
        assert_eq!(
            codes,
            vec![
                (0, None),
                (1, None),
                (2, Some(ErrorCode::Conflict)),
                (3, Some(ErrorCode::Conflict))
            ]
        );
        let (a, b) = (sets[0].events[0].seq, sets[1].events[0].seq);
        assert!(a > 0 && b > a, "seqs {a}, {b}");
        assert_eq!((sets[2].events[0].seq, sets[3].events[0].seq), (0, 0));
        let events = store.events_after(0, 100).await.unwrap();
        assert_eq!(
            events
                .iter()
                .map(|e| (e.id.as_str(), e.seq))
                .collect::<Vec<_>>()[2..],
            [("e-a", a), ("e-b", b)]
        );
        assert_eq!(events.len(), 4);
        let version = |id: &'static str| {
            let store = &store;
            async move { store.doc("lb_score", id).await.unwrap().map(|d| d.version) }
        };
        assert_eq!(
            (
                version("week/a").await,
                version("week/b").await,
                version("week/c").await,
                version("week/d").await
            ),
            (Some(2), Some(1), None, Some(1))
        );
        for (p, ranked) in [("a", true), ("b", true), ("c", false)] {
            let entry = store
                .score_entry("week", &PlayerId::new(p).unwrap())
                .await
                .unwrap();
            assert_eq!(entry.is_some(), ranked, "{p}");
        }
        drop(conn);
        store.close().await;
        db.drop_now().await.unwrap();
    }

    /// A change set of the economy's shape for `player`: its gold balance set to
    /// `amount` under `balance_version`, `system:shop` credited 1, its stack of `sword`
    /// set to `quantity` under `item_version`, one ledger entry, `events` events and,
    /// with `key`, an idempotency record.
    fn economy_set(
        player: &str,
        balance_version: i64,
        amount: i64,
        item_version: i64,
        quantity: i64,
        events: usize,
        key: Option<&str>,
    ) -> ChangeSet {
        let p = PlayerId::new(player).unwrap();
        let at = DateTime::from_timestamp(1, 0).unwrap();
        ChangeSet {
            balances: vec![
                BalanceWrite::Set {
                    account: Account::Player(p.clone()),
                    currency: "gold".into(),
                    expected_version: balance_version,
                    amount,
                },
                BalanceWrite::Add {
                    account: Account::System("shop".into()),
                    currency: "gold".into(),
                    delta: 1,
                },
            ],
            items: vec![guildhall_core::ports::ItemWrite {
                player: p.clone(),
                item_id: "sword".into(),
                expected_version: item_version,
                quantity,
                acquired_at: at,
            }],
            ledger: vec![LedgerEntry {
                seq: 0,
                id: format!("l-{player}-{balance_version}-{item_version}"),
                transaction_id: format!("t-{player}"),
                at,
                day: at.date_naive(),
                kind: EntryKind::Purchase,
                currency: "gold".into(),
                debit: Account::Player(p.clone()),
                credit: Account::System("shop".into()),
                amount: 1,
                reason: "purchase".into(),
                metadata: serde_json::json!({ "n": 1 }),
                item_id: Some("sword".into()),
                quantity: Some(1),
            }],
            events: (0..events)
                .map(|n| Event {
                    seq: 0,
                    id: format!("e-{player}-{n}"),
                    kind: "item_purchased".into(),
                    at,
                    players: vec![p.clone()],
                    payload: serde_json::json!({ "n": n }),
                })
                .collect(),
            idempotency: key.map(|k| guildhall_core::ports::IdempotencyRecord {
                scope: format!("player:{player}"),
                key: k.into(),
                fingerprint: "f".into(),
                result: serde_json::json!({ "ok": true }),
                created_at: at,
            }),
            ..Default::default()
        }
    }

    /// The wallet and stack statement itself, on a real server: like the score
    /// statement, a broken one would fall back to one statement per set unseen.
    #[tokio::test]
    async fn economy_sets_apply_in_one_statement_each_under_its_guard() {
        let (db, store) = test_store().await;
        // a holds 100 gold and one sword (both at version 1); d has used key "k".
        let mut setup = economy_set("a", 0, 100, 0, 1, 1, None);
        setup.balances.pop();
        store.commit(setup).await.unwrap();
        store
            .commit(ChangeSet {
                idempotency: economy_set("d", 0, 0, 0, 0, 0, Some("k")).idempotency,
                ..Default::default()
            })
            .await
            .unwrap();
        let mut sets = vec![
            // a: both rows at their versions, with a key of its own.
            economy_set("a", 1, 99, 1, 2, 1, Some("k")),
            // b: both rows new, two events.
            economy_set("b", 0, 5, 0, 1, 2, None),
            // c: a balance version it never had.
            economy_set("c", 7, 5, 0, 1, 1, None),
            // d: new rows, but its key is taken.
            economy_set("d", 0, 5, 0, 1, 1, Some("k")),
            // e: a new balance, but a stack version it never had.
            economy_set("e", 0, 5, 3, 1, 1, None),
        ];
        let firsts = [Some(1), Some(2), Some(4), Some(5), Some(6)];
        let rows = economy_group(&sets, &firsts, &[], &|_: &Account, _: &str| true);
        assert_eq!(rows.sets.len(), 5);
        let mut conn = store.pool().acquire().await.unwrap();
        let mut tx = conn.begin_with(BEGIN_ARRAYS).await.unwrap();
        let Ok(outcomes) = apply_economy_sets(&mut tx, &mut sets, rows, false).await else {
            panic!("the wallet and stack statement failed");
        };
        tx.commit().await.unwrap();
        let refusals: Vec<(usize, Option<String>)> = outcomes
            .iter()
            .map(|(i, r)| {
                (
                    *i,
                    r.as_ref()
                        .err()
                        .map(|e| format!("{:?} {}", e.code, e.message)),
                )
            })
            .collect();
        assert_eq!(refusals[..2], [(0, None), (1, None)]);
        for (i, what) in [(2, "player:c"), (3, "idempotency"), (4, "e/sword")] {
            let (j, refusal) = &refusals[i];
            let refusal = refusal.as_deref().unwrap_or_default();
            assert_eq!(*j, i);
            assert!(
                refusal.starts_with("Conflict") && refusal.contains(what),
                "{refusal}"
            );
        }
        // Ledger entries and events of the written sets have their seqs, in order.
        let (la, lb) = (sets[0].ledger[0].seq, sets[1].ledger[0].seq);
        assert!(la > 0 && lb > la, "ledger seqs {la}, {lb}");
        let seqs: Vec<i64> = sets[..2]
            .iter()
            .flat_map(|cs| cs.events.iter().map(|e| e.seq))
            .collect();
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]) && seqs[0] > 0,
            "{seqs:?}"
        );
        for cs in &sets[2..] {
            assert_eq!((cs.ledger[0].seq, cs.events[0].seq), (0, 0));
        }
        let events = store.events_after(0, 100).await.unwrap();
        let written: Vec<(&str, i64)> =
            events[1..].iter().map(|e| (e.id.as_str(), e.seq)).collect();
        assert_eq!(
            written,
            [("e-a-0", seqs[0]), ("e-b-0", seqs[1]), ("e-b-1", seqs[2])]
        );
        let gold = |p: &'static str| {
            let store = &store;
            async move {
                let row = store
                    .balance(&Account::Player(PlayerId::new(p).unwrap()), "gold")
                    .await
                    .unwrap();
                (row.amount, row.version)
            }
        };
        let sword = |p: &'static str| {
            let store = &store;
            async move {
                store
                    .item(&PlayerId::new(p).unwrap(), "sword")
                    .await
                    .unwrap()
                    .map(|r| (r.quantity, r.version))
            }
        };
        assert_eq!(
            (
                gold("a").await,
                gold("b").await,
                gold("c").await,
                gold("d").await,
                gold("e").await
            ),
            ((99, 2), (5, 1), (0, 0), (0, 0), (0, 0))
        );
        assert_eq!(
            (
                sword("a").await,
                sword("b").await,
                sword("d").await,
                sword("e").await
            ),
            (Some((2, 2)), Some((1, 1)), None, None)
        );
        assert!(store.idempotency("player:a", "k").await.unwrap().is_some());
        let history = store
            .history(&HistoryQuery {
                account: Account::System("shop".into()),
                currency: None,
                kind: None,
                before_seq: None,
                limit: 100,
            })
            .await
            .unwrap();
        assert_eq!(history.len(), 3, "{history:?}");
        drop(conn);
        store.close().await;
        db.drop_now().await.unwrap();
    }

    /// The wallet statement lives in a migration; its events take their `seq` from the
    /// same expression as every other writer's, or a reader's horizon would not hold.
    #[test]
    fn the_wallet_function_numbers_events_as_every_writer_does() {
        let sql = include_str!("../migrations/postgres/0007_economy_sets_function.sql");
        assert!(sql.contains(SEQ_OF_WRITER), "{SEQ_OF_WRITER}");
        assert!(sql.contains(&format!("{SEQ_OF_WRITER}\n                + off")));
    }

    #[test]
    fn economy_sets_go_together_once_per_key_and_only_in_their_shape() {
        let firsts: Vec<Option<i64>> = (0..6).map(Some).collect();
        let mut with_doc = economy_set("f", 0, 1, 0, 1, 1, None);
        with_doc.docs.push(guildhall_core::ports::DocWrite {
            kind: "k".into(),
            id: "i".into(),
            expected_version: 0,
            body: None,
        });
        let sets = vec![
            economy_set("a", 1, 1, 1, 1, 1, Some("k")),
            // a's stack again: left for the sets applied one by one.
            economy_set("a", 2, 1, 2, 1, 1, None),
            economy_set("b", 0, 1, 0, 1, 1, Some("k")),
            with_doc,
            economy_set("c", 0, 1, 0, 1, 1, None),
            economy_set("d", 0, 1, 0, 1, 1, None),
        ];
        let all = |_: &Account, _: &str| true;
        let rows = economy_group(&sets, &firsts, &[5], &all);
        let chosen: Vec<usize> = rows.sets.iter().map(|(i, _)| *i).collect();
        assert_eq!(chosen, [0, 2, 4]);
        assert_eq!(rows.bal_idx, [0, 0, 0]);
        assert_eq!(rows.ev_off, [0, 2, 4]);
        // An increment the batch cannot sum (the account is also set) keeps a set out.
        let none = |_: &Account, _: &str| false;
        assert!(economy_group(&sets, &firsts, &[], &none).sets.is_empty());
    }

    #[test]
    fn score_sets_go_together_once_per_key_and_only_in_their_shape() {
        let mut sets = vec![
            score_set("week", "a", 1),
            score_set("week", "b", 0),
            // The same document again: left to the sets applied one by one, after it.
            score_set("week", "a", 1),
            // Another shape: an idempotency record, a second document, no event.
            ChangeSet {
                idempotency: Some(IdempotencyRecord {
                    scope: "submit_score".into(),
                    key: "k".into(),
                    fingerprint: "f".into(),
                    result: serde_json::json!({}),
                    created_at: DateTime::from_timestamp(1, 0).unwrap(),
                }),
                ..score_set("week", "c", 0)
            },
            score_set("week", "d", 0),
            score_set("week", "e", 0),
        ];
        let second = sets[1].docs[0].clone();
        sets[4].docs.push(second);
        sets[5].events.clear();
        sets.push(score_set("day", "a", 3));
        // A set the batch refuses before writing (too many outbox rows) has no slot.
        sets.push(score_set("day", "f", 0));
        let firsts = [
            Some(0),
            Some(1),
            Some(2),
            Some(3),
            Some(4),
            Some(5),
            Some(6),
            None,
        ];
        let rows = score_group(&sets, &firsts);
        assert_eq!(rows.sets, vec![0, 1, 6]);
        assert_eq!(rows.slots, vec![0, 1, 6]);
        assert_eq!(rows.ids, vec!["week/a", "week/b", "day/a"]);
        assert_eq!(rows.expected, vec![1, 0, 3]);
        assert_eq!(rows.players, vec!["a", "b", "a"]);
        assert_eq!(rows.event_ids, vec!["e-a", "e-b", "e-a"]);
        assert_eq!(rows.event_players, vec![r#"["a"]"#, r#"["b"]"#, r#"["a"]"#]);
        // A deleted document is not a score submission either.
        let mut delete = score_set("week", "g", 2);
        delete.docs[0].body = None;
        assert!(!is_score_set(&delete));
    }

    #[test]
    fn prefix_ends() {
        assert_eq!(prefix_end(""), None);
        assert_eq!(prefix_end("ab").as_deref(), Some("ac"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{D7FF}").as_deref(), Some("\u{E000}"));
        assert_eq!(prefix_end("\u{10FFFF}"), None);
    }

    #[test]
    fn system_increments_go_with_commit_as_literals_in_key_order_or_not_at_all() {
        let mut adds = BTreeMap::new();
        adds.insert(("system:shop".to_string(), "gold".to_string()), 25);
        adds.insert(("system:grant".to_string(), "gold".to_string()), i64::MIN);
        let sql = adds_and_commit_sql(&adds).unwrap();
        assert!(sql.starts_with(
            "INSERT INTO balances (account, currency, amount, version) VALUES \
             ('system:grant', 'gold', (-9223372036854775808)::bigint, 0), \
             ('system:shop', 'gold', (25)::bigint, 0) ON CONFLICT"
        ));
        assert!(sql.ends_with(&format!("; COMMIT; {BEGIN_WRITE}")));
        // A key that would need quoting is bound as a parameter instead.
        adds.insert(("system:o'hara".to_string(), "gold".to_string()), 1);
        assert_eq!(adds_and_commit_sql(&adds), None);
    }

    #[test]
    fn pool_parameters_come_out_of_the_url() {
        let (url, o) = PostgresStoreOptions::from_url(
            "postgres://u@h/db?max_connections=32&sslmode=disable&acquire_timeout=2.5&idle_timeout=0",
        )
        .unwrap();
        assert_eq!(url, "postgres://u@h/db?sslmode=disable");
        assert_eq!(o.max_connections, 32);
        assert_eq!(o.acquire_timeout, Duration::from_millis(2500));
        assert_eq!(o.idle_timeout, None);
        assert!(PostgresStoreOptions::from_url("postgres://h/db?max_connections=x").is_err());
        assert!(PostgresStoreOptions::from_url("postgres://h/db?max_connections=0").is_err());
        let (_, o) =
            PostgresStoreOptions::from_url("postgres://h/db?concurrent_batches=8").unwrap();
        assert_eq!((o.concurrent_batches, o.max_connections), (8, 10));
        assert!(PostgresStoreOptions::from_url("postgres://h/db?concurrent_batches=0").is_err());
        let (url, o) =
            PostgresStoreOptions::from_url("postgres://h/db?credit_lanes=2&application_name=a")
                .unwrap();
        assert_eq!(
            (url.as_str(), o.credit_lanes),
            ("postgres://h/db?application_name=a", 2)
        );
        assert_eq!(PostgresStoreOptions::default().credit_lanes, 1);
        assert!(PostgresStoreOptions::from_url("postgres://h/db?credit_lanes=0").is_err());
    }

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgresql://h:5432?sslmode=disable", "t1"),
            "postgresql://h:5432/t1?sslmode=disable"
        );
    }
}
