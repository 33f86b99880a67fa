//! The SQLite [`Store`]: guildhall's embedded default, one database file, nothing to
//! install.
//!
//! Layout: one dedicated write connection, owned by a writer thread (every commit and
//! prune goes through it, in `BEGIN IMMEDIATE` transactions; a group-commit batch is
//! handed to it whole), and read connections, so reads proceed while a commit is being
//! written (WAL journal). An in-memory database (`sqlite::memory:`) is a single sqlx
//! connection shared by reads and writes, since each in-memory connection would
//! otherwise be its own database.
//!
//! Schema: `migrations/sqlite/`, embedded in the binary and applied by
//! [`Store::migrate`]. Times are stored as i64 microseconds since the Unix epoch (UTC),
//! accounts as their `player:<id>` / `system:<name>` text, JSON as text.
//!
//! Errors: `SQLITE_BUSY` / `SQLITE_LOCKED` (another process holds the database past the
//! busy timeout) become `CONFLICT`, so the service retries; every other database failure
//! becomes `UNAVAILABLE` with the driver's message.

use crate::rows::{
    bad_data, catalog_from, ledger_from, micros_to_time, parse_account, parse_day, parse_json,
    to_json, CatalogTuple, LedgerTuple,
};
use crate::rows::{docs_from_rows, file_meta, FileRow, FILE_COLUMNS};
use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;
use guildhall_core::announce::{Template, Trigger};
use guildhall_core::chat::ChatMessage;
use guildhall_core::leaderboards::{ScoreEntry, ScorePos};
use guildhall_core::mail::{Broadcast, Mail};
use guildhall_core::ports::ScoreWrite;
use guildhall_core::ports::{
    BalanceRow, BalanceWrite, ChangeSet, CounterRow, DailyRevenue, Doc, HistoryQuery,
    IdempotencyRecord, ItemRow, LedgerSnapshot, MailWrite, MailboxRow, PopularItem, Store,
};
use guildhall_core::types::{
    Account, Amount, CatalogItem, EntryKind, Event, LedgerEntry, PlayerId,
};
use guildhall_core::{Error, ErrorCode, Result};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::SqliteArguments;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Arguments, Connection, Either, Executor, Sqlite};
use std::ops::{Deref, DerefMut};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, MutexGuard};

/// The embedded migrations (`adapters/migrations/sqlite`).
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Tuning of a [`SqliteStore`]. `Default` gives the values [`SqliteStore::connect`] uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteStoreOptions {
    /// Number of read connections for a database file (ignored for `sqlite::memory:`,
    /// which has one shared connection). At least 1; default 4.
    pub readers: u32,
    /// Prepared statements cached per connection. Default 128.
    pub statement_cache: usize,
    /// How long a connection waits for another process's lock before giving up with
    /// `SQLITE_BUSY` (reported as `CONFLICT`). Default 5 s.
    pub busy_timeout: Duration,
    /// WAL frames (4 KiB pages) past which the WAL is started over from its beginning
    /// while writes go on (see the writer's checkpointer). Default 262,144 (1 GiB); at
    /// least 64.
    pub wal_restart_frames: i64,
}

impl Default for SqliteStoreOptions {
    fn default() -> Self {
        Self {
            readers: 4,
            statement_cache: 128,
            busy_timeout: Duration::from_secs(5),
            wal_restart_frames: RESTART_FRAMES,
        }
    }
}

/// A [`Store`] over one SQLite database.
///
/// Open with [`SqliteStore::connect`] (then [`Store::migrate`]), or through the facade
/// [`crate::open_store`], which does both. Dropping it closes its connections in the
/// background; [`SqliteStore::close`] waits for that.
pub struct SqliteStore {
    /// In memory, the only connection (reads and writes); for a database file, the
    /// connection that migrates.
    writer: Mutex<SqliteConnection>,
    /// For a database file, the thread every commit and prune runs on; `None` in memory.
    write_thread: Option<WriteThread>,
    /// Read connections; `None` for an in-memory database.
    readers: Option<SqlitePool>,
    /// Synchronous read connections for the hottest point reads (wallet balances);
    /// `None` for an in-memory database.
    point: Option<PointReads>,
}

/// Bytes of the database file a point-read connection maps (`PRAGMA mmap_size`).
const POINT_READ_MMAP: i64 = 256 << 20;

/// Point reads on plain `rusqlite` connections, run inline on the calling task: the
/// reads of a purchase (wallet, balance, held item, catalog item, idempotency record),
/// whole inventories, documents (API keys, accounts, trades) and counters.
///
/// Each is one indexed lookup of a few microseconds; through sqlx it also crosses to
/// the connection's worker thread and back, which costs more than the lookup. These connections are read-only (WAL readers never wait for the writer), and
/// each statement sees the latest commit of any process, like the pool's.
struct PointReads {
    path: std::path::PathBuf,
    busy_timeout: Duration,
    idle: std::sync::Mutex<Vec<rusqlite::Connection>>,
}

impl PointReads {
    fn run<T>(&self, f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = self.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match conn {
            Some(c) => c,
            None => {
                let c = rusqlite::Connection::open_with_flags(
                    &self.path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .map_err(|e| Error::unavailable(format!("cannot open a read connection: {e}")))?;
                c.busy_timeout(self.busy_timeout)
                    .map_err(|e| Error::unavailable(e.to_string()))?;
                // Pages of the database file are read through a memory map, not a
                // `pread` each: a reader's page cache starts over after every commit of
                // the writer, so without it each point read is several system calls.
                c.pragma_update(None, "mmap_size", POINT_READ_MMAP)
                    .map_err(|e| Error::unavailable(e.to_string()))?;
                c
            }
        };
        let out = f(&conn).map_err(sqlite_err);
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < 16 {
                idle.push(conn);
            }
        }
        out
    }

    /// The one row `sql` finds with `params` (`None`: no row), read by `f`.
    fn row<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>> {
        use rusqlite::OptionalExtension;
        self.run(|c| c.prepare_cached(sql)?.query_row(params, f).optional())
    }
}

/// A connection to read with: one from the reader pool, or the shared one in memory.
enum ReadConn<'a> {
    Pooled(PoolConnection<Sqlite>),
    Shared(MutexGuard<'a, SqliteConnection>),
}

impl Deref for ReadConn<'_> {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        match self {
            ReadConn::Pooled(c) => c,
            ReadConn::Shared(c) => c,
        }
    }
}
impl DerefMut for ReadConn<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match self {
            ReadConn::Pooled(c) => &mut *c,
            ReadConn::Shared(c) => &mut *c,
        }
    }
}

/// Maps a driver error: busy/locked to `CONFLICT`, anything else to `UNAVAILABLE`.
fn db_err(e: sqlx::Error) -> Error {
    if let sqlx::Error::Database(d) = &e {
        // SQLite reports extended result codes; the primary code is the low byte.
        if let Some(code) = d.code().and_then(|c| c.parse::<i32>().ok()) {
            if matches!(code & 0xff, 5 | 6) {
                return Error::conflict(format!("the database is busy: {}", d.message()));
            }
        }
    }
    Error::unavailable(format!("sqlite: {e}"))
}

/// Whether a statement failed a CHECK constraint (`SQLITE_CONSTRAINT_CHECK`).
fn is_check_failure(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().as_deref() == Some("275"))
}

/// `BALANCE_LIMIT` for an increment whose result would leave the i64 range (the
/// `balances.amount` CHECK refuses the REAL an overflowing SQLite sum turns into).
fn overflow(w: &BalanceWrite) -> Error {
    let (BalanceWrite::Set {
        account, currency, ..
    }
    | BalanceWrite::Add {
        account, currency, ..
    }) = w;
    Error::new(
        ErrorCode::BalanceLimit,
        format!("the balance of {account} in {currency} would overflow"),
    )
    .with_details(serde_json::json!({ "account": account.to_string(), "currency": currency }))
}

/// Whether a URL names an in-memory database.
fn is_memory_url(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// A `sqlite:` URL read by the rule every surface shares (the host, the Node and the
/// Python modules and the Rust API all open SQLite through here), returned in the form
/// sqlx reads (`sqlite://` followed by the path, then any `?query`):
///
/// - `sqlite:game.db`, `sqlite:data/game.db` and `sqlite://game.db`: relative to the
///   working directory;
/// - `sqlite:////srv/game.db` (SQLAlchemy's absolute spelling) and `sqlite:/srv/game.db`:
///   absolute;
/// - `sqlite::memory:` (or `mode=memory`): in memory;
/// - `sqlite:///x/game.db` is the one ambiguous spelling: SQLAlchemy and Flask-SQLAlchemy
///   read it as the relative `x/game.db`, sqlx (and code that writes `sqlite://` before
///   an absolute path) as `/x/game.db`. It is read as `/x/game.db` only when that cannot
///   be mistaken: `/x` is an existing directory and `./x` is not (or they are the same
///   directory). Otherwise it is refused, naming the two unambiguous spellings, so
///   `sqlite:///site.db` never creates `/site.db`, and no directory is ever created for
///   it.
///
/// Errors: `INVALID_ARGUMENT` naming `database` for a URL that is not `sqlite:`, names no
/// file, or is ambiguous.
pub fn resolve_url(url: &str) -> Result<String> {
    let Some(rest) = url.strip_prefix("sqlite:") else {
        return Err(Error::invalid(
            "database",
            format!("'{url}' is not a SQLite URL (sqlite:FILE)"),
        ));
    };
    if is_memory_url(url) {
        return Ok(url.to_string());
    }
    let (body, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let path = if let Some(abs) = body.strip_prefix("////") {
        format!("/{abs}")
    } else if let Some(p) = body.strip_prefix("///") {
        absolute_if_unmistakable(url, p, query)?
    } else if let Some(p) = body.strip_prefix("//") {
        p.to_string()
    } else {
        body.to_string()
    };
    if path.is_empty() {
        return Err(Error::invalid(
            "database",
            format!("'{url}' names no file: write sqlite:FILE (relative to the working directory), sqlite:////ABSOLUTE/PATH or sqlite::memory:"),
        ));
    }
    Ok(match query {
        Some(q) => format!("sqlite://{path}?{q}"),
        None => format!("sqlite://{path}"),
    })
}

/// `sqlite:///p` as `/p` when `/p`'s directory exists and `./p`'s does not (or they are
/// one directory); otherwise the refusal of the ambiguous spelling.
fn absolute_if_unmistakable(url: &str, p: &str, query: Option<&str>) -> Result<String> {
    use std::path::Path;
    let absolute = format!("/{p}");
    let abs_dir = Path::new(&absolute).parent().unwrap_or(Path::new("/"));
    let rel_dir = match Path::new(p).parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let same = matches!(
        (abs_dir.canonicalize(), rel_dir.canonicalize()),
        (Ok(a), Ok(r)) if a == r
    );
    if same || (abs_dir.is_dir() && !rel_dir.is_dir()) {
        return Ok(absolute);
    }
    let q = query.map(|q| format!("?{q}")).unwrap_or_default();
    Err(Error::invalid(
        "database",
        format!(
            "'{url}' is ambiguous: SQLAlchemy reads it as {p} relative to the working directory, sqlx as /{p}. Write sqlite:{p}{q} for the relative file or sqlite:////{p}{q} for the absolute one"
        ),
    ))
}

/// The file a `sqlite:` URL names ([`resolve_url`]'s rule); `None` for an in-memory
/// database. Errors: `INVALID_ARGUMENT` for a malformed or ambiguous URL.
pub fn database_file(url: &str) -> Result<Option<std::path::PathBuf>> {
    if is_memory_url(url) {
        return Ok(None);
    }
    let url = resolve_url(url)?;
    let opts = SqliteConnectOptions::from_str(&url)
        .map_err(|e| Error::invalid("database", format!("bad SQLite URL '{url}': {e}")))?;
    Ok(Some(opts.get_filename().to_path_buf()))
}

impl SqliteStore {
    /// Opens (creating if missing) the database a URL names, with default options, read
    /// by [`resolve_url`]'s rule: `sqlite:path/to/file.db` (relative; `sqlite://path`
    /// too), `sqlite:////abs/path.db` (absolute), `sqlite::memory:` for a private
    /// in-memory database; missing parent directories are created. Does not migrate:
    /// call [`Store::migrate`] next.
    ///
    /// Errors: `INVALID_ARGUMENT` for a malformed or ambiguous URL, `UNAVAILABLE` when
    /// the database cannot be opened.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, SqliteStoreOptions::default()).await
    }

    /// [`SqliteStore::connect`] with explicit [`SqliteStoreOptions`].
    pub async fn connect_with(url: &str, options: SqliteStoreOptions) -> Result<Self> {
        let url = &resolve_url(url)?;
        let base = SqliteConnectOptions::from_str(url)
            .map_err(|e| Error::invalid("database", format!("bad SQLite URL '{url}': {e}")))?
            .busy_timeout(options.busy_timeout)
            .foreign_keys(true)
            .statement_cache_capacity(options.statement_cache.max(1));

        if is_memory_url(url) {
            let writer = SqliteConnection::connect_with(&base)
                .await
                .map_err(db_err)?;
            return Ok(Self {
                writer: Mutex::new(writer),
                write_thread: None,
                readers: None,
                point: None,
            });
        }

        let path = base.get_filename().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::unavailable(format!(
                    "cannot create directory {} for the database: {e}",
                    dir.display()
                ))
            })?;
        }
        let writer_opts = base
            .clone()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal);
        let writer = SqliteConnection::connect_with(&writer_opts)
            .await
            .map_err(db_err)?;
        // Readers never write: `query_only` turns a stray write into an error.
        let reader_opts = base
            .synchronous(SqliteSynchronous::Normal)
            .pragma("query_only", "ON");
        let readers = SqlitePoolOptions::new()
            .max_connections(options.readers.max(1))
            .min_connections(0)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(reader_opts)
            .await
            .map_err(db_err)?;
        // Opened once the file exists in WAL mode (the sqlx connection made sure).
        let write_thread = WriteThread::start(&path, &options)?;
        Ok(Self {
            writer: Mutex::new(writer),
            write_thread: Some(write_thread),
            readers: Some(readers),
            point: Some(PointReads {
                path,
                busy_timeout: options.busy_timeout,
                idle: std::sync::Mutex::new(Vec::new()),
            }),
        })
    }

    /// Closes every connection and waits until they are closed (the WAL is checkpointed
    /// when the last connection to the file closes).
    pub async fn close(self) {
        if let Some(pool) = self.readers {
            pool.close().await;
        }
        if let Some(t) = self.write_thread {
            t.stop().await;
        }
        // An error while closing leaves nothing to clean up: the data is committed.
        let _ = self.writer.into_inner().close().await;
    }

    /// The SQLite journal mode in effect, lower case (`"wal"` for a database file,
    /// `"memory"` in memory). Errors: `UNAVAILABLE`.
    pub async fn journal_mode(&self) -> Result<String> {
        let mut c = self.read().await?;
        sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *c)
            .await
            .map_err(db_err)
    }

    /// Writes a consistent copy of the whole database to the new file `dest` with
    /// `VACUUM INTO` (an online backup: it reads one snapshot on a read connection, so
    /// commits of this and other processes go on meanwhile; the copy is compacted).
    /// `dest` must not exist. Errors: `INVALID_ARGUMENT` for an in-memory database or an
    /// existing `dest`, `UNAVAILABLE` when SQLite fails.
    pub async fn backup_into(&self, dest: &std::path::Path) -> Result<()> {
        let Some(pool) = &self.readers else {
            return Err(Error::invalid(
                "database",
                "an in-memory database cannot be backed up to a file",
            ));
        };
        if dest.exists() {
            return Err(Error::invalid(
                "out",
                format!("{} exists already; choose a new file", dest.display()),
            ));
        }
        let path = dest
            .to_str()
            .ok_or_else(|| Error::invalid("out", format!("{} is not UTF-8", dest.display())))?;
        // A read connection taken out of the pool for good: `VACUUM INTO` writes the new
        // file, which `query_only` would refuse, and the pool must never get back a
        // connection without that guard.
        let mut c = pool.acquire().await.map_err(db_err)?.detach();
        let copied = async {
            sqlx::query("PRAGMA query_only = OFF")
                .execute(&mut c)
                .await?;
            sqlx::query("VACUUM INTO ?")
                .bind(path)
                .execute(&mut c)
                .await
        }
        .await;
        let _ = c.close().await;
        copied.map_err(db_err)?;
        Ok(())
    }

    async fn read(&self) -> Result<ReadConn<'_>> {
        match &self.readers {
            Some(pool) => pool.acquire().await.map(ReadConn::Pooled).map_err(db_err),
            None => Ok(ReadConn::Shared(self.writer.lock().await)),
        }
    }

    /// The one row `sql` finds by the keys `a` and `b` (`?1`, `?2`): inline on a point
    /// read connection ([`PointReads`], read by `f`), or in memory on the shared one.
    async fn row_by<T>(
        &self,
        sql: &'static str,
        a: &str,
        b: &str,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
    {
        if let Some(p) = &self.point {
            return p.row(sql, (a, b), f);
        }
        let mut c = self.read().await?;
        sqlx::query_as(sql)
            .bind(a)
            .bind(b)
            .fetch_optional(&mut *c)
            .await
            .map_err(db_err)
    }
}

// ----- SQL -----
//
// The write statements use anonymous `?` parameters, bound in order. Each statement
// reports its own result (rows changed, last rowid), which is how guards and `seq`s
// are read back. The writer thread of a database file runs them one by one from its
// statement cache (no round trips: it is the connection's own thread). In memory a
// change set is sent to the shared sqlx connection as ONE multi-statement query (one
// round trip to its thread), which relies on sqlx 0.8's SQLite driver accepting several
// statements in one prepared query (upstream calls that behaviour deprecated, sqlx
// issue 3108).

const BALANCE_INSERT: &str = "INSERT INTO balances (account, currency, amount, version) VALUES (?, ?, ?, 1) ON CONFLICT DO NOTHING;";
const BALANCE_UPDATE: &str = "UPDATE balances SET amount = ?, version = version + 1 WHERE account = ? AND currency = ? AND version = ?;";
const BALANCE_ADD: &str =
    "INSERT INTO balances (account, currency, amount, version) VALUES (?, ?, ?, 0) \
     ON CONFLICT (account, currency) DO UPDATE SET amount = amount + excluded.amount;";
const ITEM_INSERT: &str = "INSERT INTO items (player, item_id, quantity, acquired_at, version) VALUES (?, ?, ?, ?, 1) ON CONFLICT DO NOTHING;";
const ITEM_UPDATE: &str = "UPDATE items SET quantity = ?, acquired_at = ?, version = version + 1 WHERE player = ? AND item_id = ? AND version = ?;";
const LEDGER_INSERT: &str = "INSERT INTO ledger (id, transaction_id, at, day, kind, currency, debit, credit, amount, reason, metadata, item_id, quantity) \
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);";
const EVENT_INSERT: &str =
    "INSERT INTO events (id, kind, at, players, payload) VALUES (?, ?, ?, ?, ?);";
const IDEMPOTENCY_INSERT: &str = "INSERT INTO idempotency (scope, \"key\", fingerprint, result, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING;";
const CATALOG_UPSERT: &str = "INSERT INTO catalog (id, name, kind, price_currency, price_amount, max_stack, active, metadata) \
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
     price_currency = excluded.price_currency, price_amount = excluded.price_amount, max_stack = excluded.max_stack, \
     active = excluded.active, metadata = excluded.metadata;";

const COUNTER_INSERT: &str = "INSERT INTO counters (\"key\", count, version, expires_at) VALUES (?, ?, 1, ?) ON CONFLICT DO NOTHING;";
const COUNTER_UPDATE: &str = "UPDATE counters SET count = ?, expires_at = ?, version = version + 1 WHERE \"key\" = ? AND version = ?;";
const MAILBOX_INSERT: &str = "INSERT INTO mailboxes (player, version, broadcast_seq) VALUES (?, 1, ?) ON CONFLICT DO NOTHING;";
const MAILBOX_UPDATE: &str = "UPDATE mailboxes SET broadcast_seq = ?, version = version + 1 WHERE player = ? AND version = ?;";
const MAIL_PUT: &str = "INSERT INTO mails (player, id, sent_at, body) VALUES (?, ?, ?, ?) \
     ON CONFLICT (player, id) DO UPDATE SET sent_at = excluded.sent_at, body = excluded.body;";
const MAIL_DELETE: &str = "DELETE FROM mails WHERE player = ? AND id = ?;";
const BROADCAST_INSERT: &str = "INSERT INTO broadcasts (id, body) VALUES (?, ?);";
const TEMPLATE_PUT: &str = "INSERT INTO templates (id, body) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body;";
const TRIGGER_PUT: &str = "INSERT INTO triggers (id, event, body) VALUES (?, ?, ?) \
     ON CONFLICT (id) DO UPDATE SET event = excluded.event, body = excluded.body;";
const DOC_INSERT: &str =
    "INSERT INTO docs (kind, id, version, body) VALUES (?, ?, 1, ?) ON CONFLICT DO NOTHING;";
const DOC_UPDATE: &str =
    "UPDATE docs SET body = ?, version = version + 1 WHERE kind = ? AND id = ? AND version = ?;";
const DOC_DELETE: &str = "DELETE FROM docs WHERE kind = ? AND id = ? AND version = ?;";
const CHAT_INSERT: &str =
    "INSERT INTO chat_messages (channel, sent_at, id, body) VALUES (?, ?, ?, ?);";
const SCORE_PUT: &str =
    "INSERT INTO leaderboard_scores (standings, player, ord, score, submitted_at) \
     VALUES (?, ?, ?, ?, ?) ON CONFLICT (standings, player) DO UPDATE SET ord = excluded.ord, \
     score = excluded.score, submitted_at = excluded.submitted_at;";
const SCORE_DELETE: &str = "DELETE FROM leaderboard_scores WHERE standings = ? AND player = ?;";

/// Savepoint of the change set being applied in a batch.
const SAVEPOINT_FIRST: &str = "SAVEPOINT change_set;";
/// Keeps the previous change set of the batch and opens the next one's savepoint.
const SAVEPOINT_NEXT: &str = "RELEASE change_set; SAVEPOINT change_set;";
/// Undoes the change set being applied (the savepoint stays open, empty).
const SAVEPOINT_UNDO: &str = "ROLLBACK TO change_set";

type EventTuple = (i64, String, String, i64, String, String);

fn event_from(t: EventTuple) -> Result<Event> {
    let (seq, id, kind, at, players, payload) = t;
    Ok(Event {
        seq,
        id,
        kind,
        at: micros_to_time(at)?,
        players: serde_json::from_str::<Vec<PlayerId>>(&players)
            .map_err(|e| bad_data("event players", e))?,
        payload: parse_json(&payload)?,
    })
}

/// What one statement of a change set's query reports back.
#[derive(Clone, Copy)]
enum Step {
    /// Nothing to check.
    Plain,
    /// A guarded write of `balances[i]`: no row changed means its version moved.
    Balance(usize),
    /// The increment `balances[i]`: a CHECK failure means the sum left the i64 range.
    Add(usize),
    /// A guarded write of `items[i]`.
    Item(usize),
    /// The idempotency insert: no row means the key is stored already.
    Idempotency,
    /// Insert of `ledger[i]`: the new rowid is its `seq`.
    Ledger(usize),
    /// Insert of `events[i]`: the new rowid is its `seq`.
    Event(usize),
    /// A guarded write of `counters[i]`.
    Counter(usize),
    /// A guarded write of `mailboxes[i]`.
    Mailbox(usize),
    /// A guarded write of `docs[i]`.
    Doc(usize),
    /// Insert of `broadcasts[i]`: the new rowid is its `seq`.
    Broadcast(usize),
}

/// Why a change set did not apply.
struct Failed {
    /// `CONFLICT` or a database error.
    error: Error,
    /// The statements of `prefix` did not all complete: the batch's savepoint state is
    /// unknown, so nothing of the batch may commit.
    fatal: bool,
}

/// One value bound to a write statement.
enum Arg<'q> {
    Null,
    Int(i64),
    Str(&'q str),
    Text(String),
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Int(i64::from(v))
    }
}
impl<'q> From<&'q str> for Arg<'q> {
    fn from(v: &'q str) -> Self {
        Arg::Str(v)
    }
}
impl From<String> for Arg<'_> {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl<'q, T: Into<Arg<'q>>> From<Option<T>> for Arg<'q> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Arg::Null, Into::into)
    }
}

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Arg::Null => ValueRef::Null,
            Arg::Int(v) => ValueRef::Integer(*v),
            Arg::Str(s) => ValueRef::Text(s.as_bytes()),
            Arg::Text(s) => ValueRef::Text(s.as_bytes()),
        }))
    }
}

/// The statements of one change set, each with what it reports back, and their
/// arguments in order (each statement takes as many as it has `?`s).
struct Plan<'q> {
    stmts: Vec<(&'static str, Step)>,
    args: Vec<Arg<'q>>,
}

impl<'q> Plan<'q> {
    /// Starts the next statement (reporting nothing until [`Plan::step`] says what).
    fn sql(&mut self, sql: &'static str) {
        self.stmts.push((sql, Step::Plain));
    }
    fn arg(&mut self, v: impl Into<Arg<'q>>) {
        self.args.push(v.into());
    }
    /// What the statement just started reports back.
    fn step(&mut self, step: Step) {
        if let Some(last) = self.stmts.last_mut() {
            last.1 = step;
        }
    }
}

/// Builds the statements of a change set: the balance, item, idempotency, ledger,
/// event, counter, mailbox, mail, broadcast, template, trigger, document and catalog
/// writes, in that order.
fn plan(cs: &ChangeSet) -> Result<Plan<'_>> {
    let mut plan = Plan {
        stmts: Vec::with_capacity(
            cs.balances.len() + cs.items.len() + cs.ledger.len() + cs.events.len() + 2,
        ),
        args: Vec::with_capacity(
            5 * (cs.balances.len() + cs.items.len() + cs.events.len() + 1) + 13 * cs.ledger.len(),
        ),
    };
    for (i, w) in cs.balances.iter().enumerate() {
        match w {
            BalanceWrite::Set {
                account,
                currency,
                expected_version,
                amount,
            } => {
                if *expected_version == 0 {
                    plan.sql(BALANCE_INSERT);
                    plan.arg(account.to_string());
                    plan.arg(currency.as_str());
                    plan.arg(*amount);
                } else {
                    plan.sql(BALANCE_UPDATE);
                    plan.arg(*amount);
                    plan.arg(account.to_string());
                    plan.arg(currency.as_str());
                    plan.arg(*expected_version);
                }
                plan.step(Step::Balance(i));
            }
            BalanceWrite::Add {
                account,
                currency,
                delta,
            } => {
                plan.sql(BALANCE_ADD);
                plan.arg(account.to_string());
                plan.arg(currency.as_str());
                plan.arg(*delta);
                plan.step(Step::Add(i));
            }
        }
    }
    for (i, w) in cs.items.iter().enumerate() {
        let at = w.acquired_at.timestamp_micros();
        if w.expected_version == 0 {
            plan.sql(ITEM_INSERT);
            plan.arg(w.player.as_str());
            plan.arg(w.item_id.as_str());
            plan.arg(w.quantity);
            plan.arg(at);
        } else {
            plan.sql(ITEM_UPDATE);
            plan.arg(w.quantity);
            plan.arg(at);
            plan.arg(w.player.as_str());
            plan.arg(w.item_id.as_str());
            plan.arg(w.expected_version);
        }
        plan.step(Step::Item(i));
    }
    if let Some(rec) = &cs.idempotency {
        plan.sql(IDEMPOTENCY_INSERT);
        plan.arg(rec.scope.as_str());
        plan.arg(rec.key.as_str());
        plan.arg(rec.fingerprint.as_str());
        plan.arg(to_json(&rec.result)?);
        plan.arg(rec.created_at.timestamp_micros());
        plan.step(Step::Idempotency);
    }
    for (i, e) in cs.ledger.iter().enumerate() {
        plan.sql(LEDGER_INSERT);
        plan.arg(e.id.as_str());
        plan.arg(e.transaction_id.as_str());
        plan.arg(e.at.timestamp_micros());
        plan.arg(e.day.to_string());
        plan.arg(e.kind.as_str());
        plan.arg(e.currency.as_str());
        plan.arg(e.debit.to_string());
        plan.arg(e.credit.to_string());
        plan.arg(e.amount);
        plan.arg(e.reason.as_str());
        plan.arg(to_json(&e.metadata)?);
        plan.arg(e.item_id.as_deref());
        plan.arg(e.quantity);
        plan.step(Step::Ledger(i));
    }
    for (i, e) in cs.events.iter().enumerate() {
        plan.sql(EVENT_INSERT);
        plan.arg(e.id.as_str());
        plan.arg(e.kind.as_str());
        plan.arg(e.at.timestamp_micros());
        plan.arg(to_json(&e.players)?);
        plan.arg(to_json(&e.payload)?);
        plan.step(Step::Event(i));
    }
    for (i, w) in cs.counters.iter().enumerate() {
        if w.expected_version == 0 {
            plan.sql(COUNTER_INSERT);
            plan.arg(w.key.as_str());
            plan.arg(w.count);
            plan.arg(w.expires_at.timestamp_micros());
        } else {
            plan.sql(COUNTER_UPDATE);
            plan.arg(w.count);
            plan.arg(w.expires_at.timestamp_micros());
            plan.arg(w.key.as_str());
            plan.arg(w.expected_version);
        }
        plan.step(Step::Counter(i));
    }
    for (i, w) in cs.mailboxes.iter().enumerate() {
        if w.expected_version == 0 {
            plan.sql(MAILBOX_INSERT);
            plan.arg(w.player.as_str());
            plan.arg(w.broadcast_seq);
        } else {
            plan.sql(MAILBOX_UPDATE);
            plan.arg(w.broadcast_seq);
            plan.arg(w.player.as_str());
            plan.arg(w.expected_version);
        }
        plan.step(Step::Mailbox(i));
    }
    for w in &cs.mails {
        match w {
            MailWrite::Put(m) => {
                plan.sql(MAIL_PUT);
                plan.arg(m.player.as_str());
                plan.arg(m.id.as_str());
                plan.arg(m.sent_at.timestamp_micros());
                plan.arg(to_json(m)?);
            }
            MailWrite::Delete { player, mail_id } => {
                plan.sql(MAIL_DELETE);
                plan.arg(player.as_str());
                plan.arg(mail_id.as_str());
            }
        }
        plan.step(Step::Plain);
    }
    for (i, b) in cs.broadcasts.iter().enumerate() {
        plan.sql(BROADCAST_INSERT);
        plan.arg(b.id.as_str());
        plan.arg(to_json(b)?);
        plan.step(Step::Broadcast(i));
    }
    for t in &cs.templates {
        plan.sql(TEMPLATE_PUT);
        plan.arg(t.id.as_str());
        plan.arg(to_json(t)?);
        plan.step(Step::Plain);
    }
    for t in &cs.triggers {
        plan.sql(TRIGGER_PUT);
        plan.arg(t.id.as_str());
        plan.arg(t.event.as_str());
        plan.arg(to_json(t)?);
        plan.step(Step::Plain);
    }
    for (i, w) in cs.docs.iter().enumerate() {
        match (&w.body, w.expected_version) {
            (Some(body), 0) => {
                plan.sql(DOC_INSERT);
                plan.arg(w.kind.as_str());
                plan.arg(w.id.as_str());
                plan.arg(to_json(body)?);
            }
            (Some(body), v) => {
                plan.sql(DOC_UPDATE);
                plan.arg(to_json(body)?);
                plan.arg(w.kind.as_str());
                plan.arg(w.id.as_str());
                plan.arg(v);
            }
            (None, v) => {
                plan.sql(DOC_DELETE);
                plan.arg(w.kind.as_str());
                plan.arg(w.id.as_str());
                plan.arg(v);
            }
        }
        plan.step(Step::Doc(i));
    }
    for m in &cs.chat {
        plan.sql(CHAT_INSERT);
        plan.arg(m.channel.as_str());
        plan.arg(m.sent_at.timestamp_micros());
        plan.arg(m.id.as_str());
        plan.arg(to_json(m)?);
        plan.step(Step::Plain);
    }
    for w in &cs.scores {
        match w {
            ScoreWrite::Put(e) => {
                plan.sql(SCORE_PUT);
                plan.arg(e.standings.as_str());
                plan.arg(e.player.as_str());
                plan.arg(e.ord);
                plan.arg(e.score);
                plan.arg(e.submitted_at);
            }
            ScoreWrite::Delete { standings, player } => {
                plan.sql(SCORE_DELETE);
                plan.arg(standings.as_str());
                plan.arg(player.as_str());
            }
        }
        plan.step(Step::Plain);
    }
    for item in &cs.catalog {
        plan.sql(CATALOG_UPSERT);
        plan.arg(item.id.as_str());
        plan.arg(item.name.as_str());
        plan.arg(item.kind.as_str());
        plan.arg(item.price.as_ref().map(|p| p.currency.as_str()));
        plan.arg(item.price.as_ref().map(|p| p.amount));
        plan.arg(item.max_stack);
        plan.arg(item.active);
        plan.arg(to_json(&item.metadata)?);
        plan.step(Step::Plain);
    }
    Ok(plan)
}

/// What the statements of a change set reported so far: the first guard that changed
/// no row, and the new rowids (`seq`s) of its inserts.
#[derive(Default)]
struct Reports {
    conflict: Option<Step>,
    seqs: Vec<(Step, i64)>,
}

impl Reports {
    /// Records what statement `step` reported: `changed` rows, `rowid` the last
    /// inserted.
    fn record(&mut self, step: Step, changed: u64, rowid: i64) {
        match step {
            Step::Plain | Step::Add(_) => {}
            Step::Balance(_)
            | Step::Item(_)
            | Step::Idempotency
            | Step::Counter(_)
            | Step::Mailbox(_)
            | Step::Doc(_) => {
                if changed == 0 && self.conflict.is_none() {
                    self.conflict = Some(step);
                }
            }
            Step::Ledger(_) | Step::Event(_) | Step::Broadcast(_) => self.seqs.push((step, rowid)),
        }
    }

    /// Once every statement ran: `CONFLICT` naming the first guard that failed, or the
    /// `seq`s filled in.
    fn settle(self, cs: &mut ChangeSet) -> Result<(), Failed> {
        if let Some(step) = self.conflict {
            let error = match step {
                Step::Balance(i) => match &cs.balances[i] {
                    BalanceWrite::Set {
                        account, currency, ..
                    }
                    | BalanceWrite::Add {
                        account, currency, ..
                    } => Error::conflict(format!("balance {account}/{currency} moved")),
                },
                Step::Item(i) => Error::conflict(format!(
                    "item {}/{} moved",
                    cs.items[i].player, cs.items[i].item_id
                )),
                Step::Counter(i) => {
                    Error::conflict(format!("counter {} moved", cs.counters[i].key))
                }
                Step::Mailbox(i) => {
                    Error::conflict(format!("mailbox of {} moved", cs.mailboxes[i].player))
                }
                Step::Doc(i) => {
                    Error::conflict(format!("{} {} moved", cs.docs[i].kind, cs.docs[i].id))
                }
                _ => Error::conflict("idempotency key stored concurrently"),
            };
            return Err(Failed {
                error,
                fatal: false,
            });
        }
        for (step, seq) in self.seqs {
            match step {
                Step::Ledger(i) => cs.ledger[i].seq = seq,
                Step::Event(i) => cs.events[i].seq = seq,
                Step::Broadcast(i) => cs.broadcasts[i].seq = seq,
                _ => {}
            }
        }
        Ok(())
    }
}

/// Applies one change set on `conn` inside a transaction the caller owns, as one
/// multi-statement query preceded by `prefix` (`prefix_statements` statements). Fills in
/// the `seq`s. On failure the caller undoes the change set (rolls back its savepoint or
/// the transaction): statements after a failed guard may have run. Used in memory,
/// where the one shared connection is sqlx's.
async fn apply(
    conn: &mut SqliteConnection,
    cs: &mut ChangeSet,
    prefix: &str,
    prefix_statements: usize,
) -> Result<(), Failed> {
    let not_fatal = |error| Failed {
        error,
        fatal: false,
    };
    let mut reports = Reports::default();
    let mut done = 0usize;
    let mut failure: Option<(Step, sqlx::Error)> = None;
    {
        let Plan {
            stmts,
            args: values,
        } = plan(cs).map_err(not_fatal)?;
        let mut sql = String::with_capacity(prefix.len() + 160 * stmts.len());
        sql.push_str(prefix);
        let mut steps = vec![Step::Plain; prefix_statements];
        for (s, step) in stmts {
            sql.push_str(s);
            steps.push(step);
        }
        let mut args = SqliteArguments::default();
        for v in values {
            match v {
                Arg::Null => args.add(None::<i64>),
                Arg::Int(i) => args.add(i),
                Arg::Str(s) => args.add(s),
                Arg::Text(s) => args.add(s),
            }
            .map_err(|e| {
                not_fatal(Error::unavailable(format!(
                    "sqlite: cannot bind an argument: {e}"
                )))
            })?;
        }
        let mut results = conn.fetch_many(sqlx::query_with(&sql, args));
        while let Some(next) = results.next().await {
            let step = steps.get(done).copied().unwrap_or(Step::Plain);
            match next {
                Ok(Either::Left(result)) => {
                    reports.record(step, result.rows_affected(), result.last_insert_rowid());
                    done += 1;
                }
                // No statement of a change set returns rows.
                Ok(Either::Right(_)) => {}
                Err(e) => {
                    failure = Some((step, e));
                    break;
                }
            }
        }
        if failure.is_none() && done != steps.len() {
            return Err(Failed {
                error: Error::unavailable(format!(
                    "sqlite: {done} of {} statements reported back",
                    steps.len()
                )),
                fatal: done < prefix_statements,
            });
        }
    }
    if let Some((step, e)) = failure {
        let error = match step {
            Step::Add(i) if is_check_failure(&e) => overflow(&cs.balances[i]),
            _ => db_err(e),
        };
        return Err(Failed {
            error,
            fatal: done < prefix_statements,
        });
    }
    reports.settle(cs)
}

/// Applies every change set of a batch, each in its own savepoint, on an open
/// transaction. Returns each one's outcome, or `Err` when the transaction itself failed
/// (then nothing of the batch may commit).
async fn apply_batch(
    conn: &mut SqliteConnection,
    batch: Vec<ChangeSet>,
) -> Result<Vec<Result<ChangeSet>>> {
    let mut out = Vec::with_capacity(batch.len());
    for (i, mut cs) in batch.into_iter().enumerate() {
        let (prefix, statements) = if i == 0 {
            (SAVEPOINT_FIRST, 1)
        } else {
            (SAVEPOINT_NEXT, 2)
        };
        match apply(conn, &mut cs, prefix, statements).await {
            Ok(()) => out.push(Ok(cs)),
            Err(Failed { error, fatal: true }) => return Err(error),
            Err(Failed {
                error,
                fatal: false,
            }) => {
                // A failed rollback means the transaction is gone: the whole batch fails.
                sqlx::query(SAVEPOINT_UNDO)
                    .execute(&mut *conn)
                    .await
                    .map_err(db_err)?;
                out.push(Err(error));
            }
        }
    }
    Ok(out)
}

// ----- The writer thread (database files) -----
//
// A database file's commits run on one thread that owns a plain `rusqlite` connection
// (the same libsqlite3 sqlx links). A batch is handed to it whole, as one job: `BEGIN
// IMMEDIATE`, each change set in its savepoint, statement by statement from the
// connection's statement cache, `COMMIT`; the answer comes back on a oneshot. That is
// one hand-off per batch where sqlx's connection thread took one per step (begin, each
// change set, commit), each waking the calling task's worker.

/// Maps a `rusqlite` error: busy/locked to `CONFLICT`, anything else to `UNAVAILABLE`.
fn sqlite_err(e: rusqlite::Error) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            Error::conflict(format!("the database is busy: {e}"))
        }
        _ => Error::unavailable(format!("sqlite: {e}")),
    }
}

/// A job for the writer thread.
type WriteJob = Box<dyn FnOnce(&mut rusqlite::Connection) + Send>;

/// The thread that owns a database file's write connection, and the way to it.
struct WriteThread {
    jobs: std::sync::mpsc::Sender<WriteJob>,
    thread: std::thread::JoinHandle<()>,
    /// The checkpointer's thread (ends after the writer's).
    checkpointer: std::thread::JoinHandle<()>,
}

/// Frames in the WAL past which the writer checkpoints by itself: a backstop for a
/// checkpointer thread that stopped, about 4 GB of WAL. In normal running the WAL is
/// started over at [`RESTART_FRAMES`] instead, with the writer's part kept short
/// (see [`checkpoints`]): a checkpoint ends with an `fsync` of the database file,
/// during which no commit runs, and one that copies many frames makes that `fsync`
/// long (15 to 60 ms seen under load).
const WRITER_AUTOCHECKPOINT: i64 = 1_000_000;
/// WAL frames (of 4 KiB pages) past which the checkpointer thread has the WAL started
/// over from its beginning by default, 1 GiB
/// ([`SqliteStoreOptions::wal_restart_frames`]). SQLite starts it over only at a commit that
/// finds every frame copied back, which a checkpoint running beside a busy writer rarely
/// sees: without this the WAL grows for as long as the writes go on, and every append
/// to new space of the file costs the kernel a zeroing (40 % of the writer's time under
/// leaderboard load). Started over, it is written again over space the file has.
const RESTART_FRAMES: i64 = 262_144;
/// Frames a restart leaves to the writer's own checkpoint at most: the checkpointer
/// repeats its checkpoint until fewer than this many were appended during one.
const RESTART_TAIL: i64 = 512;
/// Back-to-back checkpoints at most per restart attempt (readers holding old snapshots
/// can keep a checkpoint from completing; the attempt is then left to a later wake).
const RESTART_ROUNDS: usize = 8;
/// Page cache of the write connection, in KiB (`PRAGMA cache_size`; SQLite's default is
/// 2,000 KiB). The writer is the only connection that changes the file, so its cache
/// stays valid across its commits: a large one keeps the indexes a commit walks in
/// memory instead of reading their pages again with a system call each.
const WRITER_CACHE_KIB: i64 = 64 << 10;
/// Least time between two checkpoints of the checkpointer thread.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

impl WriteThread {
    /// Opens the write connection to the (existing, WAL) database file `path` and starts
    /// its thread. Errors: `UNAVAILABLE` when the file cannot be opened.
    fn start(path: &std::path::Path, options: &SqliteStoreOptions) -> Result<Self> {
        let restart_frames = options.wal_restart_frames.max(64);
        let open = || -> rusqlite::Result<rusqlite::Connection> {
            let c = rusqlite::Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            c.busy_timeout(options.busy_timeout)?;
            c.pragma_update(None, "foreign_keys", true)?;
            c.pragma_update(None, "synchronous", "NORMAL")?;
            c.set_prepared_statement_cache_capacity(options.statement_cache.max(1));
            Ok(c)
        };
        let mut conn = open()
            .and_then(|c| {
                c.pragma_update(None, "wal_autocheckpoint", WRITER_AUTOCHECKPOINT)?;
                // A WAL that grew past twice the restart point in a burst is cut back
                // when it starts over, so the space is returned.
                c.query_row(
                    &format!("PRAGMA journal_size_limit = {}", 2 * restart_frames * 4096),
                    [],
                    |_| Ok(()),
                )?;
                c.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
                Ok(c)
            })
            .map_err(|e| Error::unavailable(format!("cannot open the write connection: {e}")))?;
        let ckpt = open().map_err(|e| {
            Error::unavailable(format!("cannot open the checkpoint connection: {e}"))
        })?;
        let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
        let restart = Arc::new(AtomicBool::new(false));
        let finish = restart.clone();
        let checkpointer = std::thread::Builder::new()
            .name("gh-sqlite-checkpoint".into())
            .spawn(move || checkpoints(ckpt, woken, &restart, restart_frames))
            .map_err(|e| Error::unavailable(format!("cannot start the checkpoint thread: {e}")))?;
        let (jobs, queue) = std::sync::mpsc::channel::<WriteJob>();
        let thread = std::thread::Builder::new()
            .name("gh-sqlite-writer".into())
            .spawn(move || {
                // Ends when the store (the only sender) is gone; closes the connection,
                // then the checkpointer (its waker dropped) ends too.
                let mut finish_tries = 0;
                while let Ok(job) = queue.recv() {
                    let ran =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut conn)));
                    // No job may leave a transaction open for the next one.
                    if ran.is_err() || !conn.is_autocommit() {
                        let _ = conn.execute_batch("ROLLBACK");
                    }
                    // The checkpointer copied back all but a short tail of a long WAL:
                    // copy the tail here, between batches, so the next commit starts
                    // the WAL over.
                    if finish.load(Ordering::Acquire) {
                        finish_tries += 1;
                        // Complete: every frame copied back. A reader still on an older
                        // snapshot can hold a few back; then the next gap between
                        // batches tries again, a few times at most.
                        let complete = passive_checkpoint(&conn)
                            .is_some_and(|(frames, copied)| frames == copied);
                        if complete || finish_tries >= RESTART_ROUNDS {
                            finish.store(false, Ordering::Release);
                            finish_tries = 0;
                        }
                    }
                    // Something may have been written: the checkpointer looks (a wake
                    // already pending is enough).
                    let _ = wake.try_send(());
                }
                drop(conn);
                drop(wake);
            })
            .map_err(|e| Error::unavailable(format!("cannot start the writer thread: {e}")))?;
        Ok(Self {
            jobs,
            thread,
            checkpointer,
        })
    }

    /// Runs `f` on the writer thread and returns its answer. Errors: `UNAVAILABLE` when
    /// the thread is gone or `f` panicked.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> T + Send + 'static,
    ) -> Result<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let gone = || Error::unavailable("sqlite: the writer thread has stopped");
        self.jobs
            .send(Box::new(move |c| {
                let _ = answer.send(f(c));
            }))
            .map_err(|_| gone())?;
        answered.await.map_err(|_| gone())
    }

    /// Stops the thread once the jobs sent so far have run, and waits for it (its
    /// connection is closed then).
    async fn stop(self) {
        let Self {
            jobs,
            thread,
            checkpointer,
        } = self;
        drop(jobs);
        let _ = tokio::task::spawn_blocking(move || {
            let _ = thread.join();
            let _ = checkpointer.join();
        })
        .await;
    }
}

/// The checkpointer thread: after commits of the writer (at most every
/// [`CHECKPOINT_EVERY`]), a `PASSIVE` checkpoint on its own connection copies the WAL's
/// committed pages into the database file. The writer never waits for it (a passive
/// checkpoint takes no lock a writer needs), so the copying and its `fsync`s are off the
/// one thread every commit goes through; durability is that of any WAL checkpoint.
///
/// Once the WAL holds `restart_frames` ([`RESTART_FRAMES`] by default), it has it started over: checkpoints back to
/// back (each copies what the writer appended during the one before, so each is
/// shorter) until fewer than [`RESTART_TAIL`] frames came in during one, then it sets
/// `restart`, and the writer, between two batches, checkpoints that short tail itself.
/// The commit after it finds every frame copied and writes from the WAL's beginning
/// again. The writer's pause is one short checkpoint instead of a long one.
///
/// Ends when the writer thread is gone; a failed checkpoint (another process's running)
/// is left to the next one.
fn checkpoints(
    conn: rusqlite::Connection,
    woken: std::sync::mpsc::Receiver<()>,
    restart: &AtomicBool,
    restart_frames: i64,
) {
    while woken.recv().is_ok() {
        let started = std::time::Instant::now();
        let mut last = passive_checkpoint(&conn);
        let mut rounds = 0;
        while let Some((frames, copied)) = last {
            if frames < restart_frames || rounds == RESTART_ROUNDS {
                break;
            }
            rounds += 1;
            let Some((now, done)) = passive_checkpoint(&conn) else {
                break;
            };
            // `now < frames`: the WAL was started over meanwhile.
            if now < frames {
                break;
            }
            // What this checkpoint had to copy: the frames appended during the one
            // before and what that one could not copy. Little: the writer's turn.
            if now - copied < RESTART_TAIL {
                restart.store(true, Ordering::Release);
                break;
            }
            last = Some((now, done));
        }
        if let Some(rest) = CHECKPOINT_EVERY.checked_sub(started.elapsed()) {
            std::thread::sleep(rest);
        }
    }
}

/// One `PASSIVE` checkpoint on `conn`: (frames in the WAL, frames copied back) when it
/// ran, or `None` when it failed (another process's checkpoint running; logged at
/// debug, left to the next one).
fn passive_checkpoint(conn: &rusqlite::Connection) -> Option<(i64, i64)> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
    })
    .map_err(|e| tracing::debug!(error = %e, "sqlite checkpoint skipped"))
    .ok()
}

/// Runs a statement of the writer's cache with the first of `args` (as many as it has
/// parameters; `args` is left at the rest) and returns the rows it changed.
fn execute(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &mut &[Arg<'_>],
) -> rusqlite::Result<usize> {
    let mut stmt = conn.prepare_cached(sql)?;
    let (these, rest) = args.split_at(stmt.parameter_count().min(args.len()));
    *args = rest;
    stmt.execute(rusqlite::params_from_iter(these))
}

/// Applies one change set statement by statement inside the open transaction, filling in
/// its `seq`s. On failure the caller rolls back its savepoint.
fn apply_on(conn: &rusqlite::Connection, cs: &mut ChangeSet) -> Result<(), Failed> {
    let mut reports = Reports::default();
    {
        let Plan { stmts, args } = plan(cs).map_err(|error| Failed {
            error,
            fatal: false,
        })?;
        let mut rest = &args[..];
        for (sql, step) in stmts {
            match execute(conn, sql, &mut rest) {
                Ok(changed) => reports.record(step, changed as u64, conn.last_insert_rowid()),
                Err(e) => {
                    let error = match (step, &e) {
                        (Step::Add(i), rusqlite::Error::SqliteFailure(f, _))
                            if f.extended_code == 275 =>
                        {
                            overflow(&cs.balances[i])
                        }
                        _ => sqlite_err(e),
                    };
                    return Err(Failed {
                        error,
                        fatal: false,
                    });
                }
            }
        }
    }
    reports.settle(cs)
}

/// Commits a batch on the writer thread: `BEGIN IMMEDIATE`, each change set in its own
/// savepoint (a refused one rolled back alone), `COMMIT`. When the transaction itself
/// fails, it is rolled back and every member gets that error.
fn commit_on(conn: &mut rusqlite::Connection, batch: Vec<ChangeSet>) -> Vec<Result<ChangeSet>> {
    let n = batch.len();
    match write_batch(conn, batch) {
        Ok(out) => out,
        Err(e) => {
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            vec![Err(e); n]
        }
    }
}

/// The transaction of [`commit_on`]: each member's outcome, or `Err` when the
/// transaction itself failed (it may still be open then).
fn write_batch(
    conn: &rusqlite::Connection,
    batch: Vec<ChangeSet>,
) -> Result<Vec<Result<ChangeSet>>> {
    let n = batch.len();
    execute(conn, "BEGIN IMMEDIATE", &mut &[][..]).map_err(sqlite_err)?;
    let mut out = Vec::with_capacity(n);
    for (i, mut cs) in batch.into_iter().enumerate() {
        if i > 0 {
            execute(conn, "RELEASE change_set", &mut &[][..]).map_err(sqlite_err)?;
        }
        execute(conn, "SAVEPOINT change_set", &mut &[][..]).map_err(sqlite_err)?;
        match apply_on(conn, &mut cs) {
            Ok(()) => out.push(Ok(cs)),
            Err(Failed { error, .. }) => {
                // A failed rollback means the transaction is gone: the batch fails.
                execute(conn, SAVEPOINT_UNDO, &mut &[][..]).map_err(sqlite_err)?;
                out.push(Err(error));
            }
        }
    }
    execute(conn, "COMMIT", &mut &[][..]).map_err(sqlite_err)?;
    Ok(out)
}

/// The deletions of [`Store::prune`] in one transaction on the writer thread.
fn prune_on(
    conn: &mut rusqlite::Connection,
    events_before: i64,
    records_before: i64,
) -> Result<(u64, u64)> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sqlite_err)?;
    let events = tx
        .execute(PRUNE_EVENTS, [events_before])
        .map_err(sqlite_err)?;
    let records = tx
        .execute(PRUNE_IDEMPOTENCY, [records_before])
        .map_err(sqlite_err)?;
    tx.execute(PRUNE_COUNTERS, [events_before])
        .map_err(sqlite_err)?;
    // On error the transaction is dropped, which rolls it back.
    tx.commit().map_err(sqlite_err)?;
    Ok((events as u64, records as u64))
}

/// Inserts a file version under the next global version (inside the writer's
/// transaction, so versions appear in order).
const INSERT_FILE: &str = "INSERT INTO game_files (version, name, content_type, size, sha256, created_at, bytes) \
     VALUES ((SELECT COALESCE(MAX(version), 0) + 1 FROM game_files), ?1, ?2, ?3, ?4, ?5, ?6) RETURNING version";
/// The current version of each file changed after `?1`, oldest change first.
const FILES_CHANGED: &str = "SELECT version, name, content_type, size, sha256, created_at FROM game_files f \
     WHERE version > ?1 AND NOT EXISTS (SELECT 1 FROM game_files g WHERE g.name = f.name AND g.version > f.version) \
     ORDER BY version LIMIT ?2";

fn put_file_on(
    conn: &mut rusqlite::Connection,
    f: &guildhall_core::downloads::NewFile,
) -> Result<i64> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sqlite_err)?;
    let version: i64 = tx
        .query_row(
            INSERT_FILE,
            rusqlite::params![
                f.name,
                f.content_type,
                f.bytes.len() as i64,
                f.sha256,
                f.created_at.timestamp_micros(),
                f.bytes
            ],
            |r| r.get(0),
        )
        .map_err(sqlite_err)?;
    tx.commit().map_err(sqlite_err)?;
    Ok(version)
}

const PRUNE_EVENTS: &str = "DELETE FROM events WHERE at < ?1";
const PRUNE_IDEMPOTENCY: &str = "DELETE FROM idempotency WHERE created_at < ?1";
const PRUNE_COUNTERS: &str = "DELETE FROM counters WHERE expires_at < ?1";
const PRUNE_CHAT: &str = "DELETE FROM chat_messages WHERE sent_at < ?1";
/// A channel's history page, newest first, below a cursor (`?2` NULL: from the newest).
const CHAT_PAGE: &str = "SELECT body FROM chat_messages WHERE channel = ?1 \
     AND (?2 IS NULL OR sent_at < ?2 OR (sent_at = ?2 AND id < ?3)) \
     ORDER BY sent_at DESC, id DESC LIMIT ?4";

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn migrate(&self) -> Result<()> {
        let mut w = self.writer.lock().await;
        // Two processes opening a new file at once both try to migrate it; the loser of
        // that race sees the winner's schema on its next attempt.
        let mut attempt = 0;
        loop {
            match MIGRATOR.run_direct(&mut *w).await {
                Ok(()) => return Ok(()),
                Err(e) if attempt < 5 => {
                    attempt += 1;
                    tracing::debug!(error = %e, attempt, "sqlite migration raced another process; retrying");
                    tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
                }
                Err(e) => return Err(Error::unavailable(format!("sqlite migration failed: {e}"))),
            }
        }
    }

    async fn ping(&self) -> Result<()> {
        let mut c = self.read().await?;
        sqlx::query("SELECT 1")
            .execute(&mut *c)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn balance(&self, account: &Account, currency: &str) -> Result<BalanceRow> {
        const SQL: &str =
            "SELECT amount, version FROM balances WHERE account = ?1 AND currency = ?2";
        let key = account.to_string();
        let row: Option<(i64, i64)> = self
            .row_by(SQL, &key, currency, |r| Ok((r.get(0)?, r.get(1)?)))
            .await?;
        Ok(row
            .map(|(amount, version)| BalanceRow { amount, version })
            .unwrap_or_default())
    }

    async fn balances(&self, account: &Account) -> Result<Vec<(String, BalanceRow)>> {
        if let Some(point) = &self.point {
            let key = account.to_string();
            return point.run(|c| {
                let mut st = c.prepare_cached(
                    "SELECT currency, amount, version FROM balances WHERE account = ?1 ORDER BY currency",
                )?;
                let rows = st.query_map([&key], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        BalanceRow {
                            amount: r.get(1)?,
                            version: r.get(2)?,
                        },
                    ))
                })?;
                rows.collect()
            });
        }
        let mut c = self.read().await?;
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT currency, amount, version FROM balances WHERE account = ?1 ORDER BY currency",
        )
        .bind(account.to_string())
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(cur, amount, version)| (cur, BalanceRow { amount, version }))
            .collect())
    }

    async fn all_balances(&self) -> Result<Vec<(Account, String, Amount)>> {
        let mut c = self.read().await?;
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT account, currency, amount FROM balances")
                .fetch_all(&mut *c)
                .await
                .map_err(db_err)?;
        rows.into_iter()
            .map(|(a, cur, amount)| Ok((parse_account(&a)?, cur, amount)))
            .collect()
    }

    async fn item(&self, player: &PlayerId, item_id: &str) -> Result<Option<ItemRow>> {
        const SQL: &str =
            "SELECT quantity, acquired_at, version FROM items WHERE player = ?1 AND item_id = ?2";
        let row: Option<(i64, i64, i64)> = self
            .row_by(SQL, player.as_str(), item_id, |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .await?;
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
        const SQL: &str = "SELECT item_id, quantity, acquired_at, version FROM items WHERE player = ?1 ORDER BY item_id";
        let rows: Vec<(String, i64, i64, i64)> = match &self.point {
            Some(point) => point.run(|c| {
                let mut st = c.prepare_cached(SQL)?;
                let rows = st.query_map([player.as_str()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?;
                rows.collect()
            })?,
            None => {
                let mut c = self.read().await?;
                sqlx::query_as(SQL)
                    .bind(player.as_str())
                    .fetch_all(&mut *c)
                    .await
                    .map_err(db_err)?
            }
        };
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
        const SQL: &str = "SELECT fingerprint, result, created_at FROM idempotency WHERE scope = ?1 AND \"key\" = ?2";
        let row: Option<(String, String, i64)> = self
            .row_by(SQL, scope, key, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .await?;
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
        let row: Option<CatalogTuple> = match &self.point {
            Some(p) => p.row(CATALOG_BY_ID, [id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })?,
            None => {
                let mut c = self.read().await?;
                sqlx::query_as(CATALOG_BY_ID)
                    .bind(id)
                    .fetch_optional(&mut *c)
                    .await
                    .map_err(db_err)?
            }
        };
        row.map(catalog_from).transpose()
    }

    async fn catalog(&self) -> Result<Vec<CatalogItem>> {
        let mut c = self.read().await?;
        let rows: Vec<CatalogTuple> = sqlx::query_as(CATALOG_ALL)
            .fetch_all(&mut *c)
            .await
            .map_err(db_err)?;
        rows.into_iter().map(catalog_from).collect()
    }

    async fn history(&self, q: &HistoryQuery) -> Result<Vec<LedgerEntry>> {
        let mut c = self.read().await?;
        let rows: Vec<LedgerTuple> = sqlx::query_as(HISTORY)
            .bind(q.account.to_string())
            .bind(q.currency.as_deref())
            .bind(q.kind.map(EntryKind::as_str))
            .bind(q.before_seq.unwrap_or(i64::MAX))
            .bind(i64::from(q.limit))
            .fetch_all(&mut *c)
            .await
            .map_err(db_err)?;
        rows.into_iter().map(ledger_from).collect()
    }

    async fn ledger_snapshot(&self) -> Result<LedgerSnapshot> {
        // ONE statement, so one read transaction: in WAL mode it reads one snapshot, and
        // a commit of this or another process lands wholly before or after it.
        //
        // SQLite's SUM raises "integer overflow" once a running sum passes i64, which a
        // system account's credits alone may do on a valid ledger. So the sums are split
        // until no part can overflow, and the parts are added in Rust as i128: each amount
        // (> 0, CHECKed) is `hi * 2^32 + lo` with hi < 2^31 and lo < 2^32, and rows are
        // grouped by `seq >> 30` as well, so no group sums more than 2^30 of either part
        // (below 2^62 in magnitude).
        let mut c = self.read().await?;
        let rows: Vec<(i64, String, String, i64, i64)> = sqlx::query_as(
            "SELECT 0, account, currency, amount, 0 FROM balances \
             UNION ALL \
             SELECT 1, account, currency, SUM(hi), SUM(lo) FROM ( \
                 SELECT credit AS account, currency, seq >> 30 AS chunk, \
                        amount >> 32 AS hi, amount & 4294967295 AS lo FROM ledger \
                 UNION ALL \
                 SELECT debit, currency, seq >> 30, \
                        -(amount >> 32), -(amount & 4294967295) FROM ledger) \
             GROUP BY account, currency, chunk",
        )
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
        drop(c);
        let mut snap = LedgerSnapshot::default();
        let mut net: std::collections::HashMap<(String, String), i128> =
            std::collections::HashMap::new();
        for (part, account, currency, a, b) in rows {
            if part == 0 {
                snap.balances.push((parse_account(&account)?, currency, a));
            } else {
                *net.entry((account, currency)).or_default() +=
                    i128::from(a) * (1i128 << 32) + i128::from(b);
            }
        }
        for ((account, currency), n) in net {
            snap.net.push((parse_account(&account)?, currency, n));
        }
        Ok(snap)
    }

    async fn popular_items(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<PopularItem>> {
        let mut c = self.read().await?;
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT item_id, SUM(COALESCE(quantity, 0)) AS units, COUNT(*) FROM ledger \
             WHERE kind = 'purchase' AND at >= ?1 AND at < ?2 AND item_id IS NOT NULL \
             GROUP BY item_id ORDER BY units DESC, item_id ASC LIMIT ?3",
        )
        .bind(from.timestamp_micros())
        .bind(to.timestamp_micros())
        .bind(i64::from(limit))
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
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
        let mut c = self.read().await?;
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT day, currency, SUM(amount), COUNT(*) FROM ledger \
             WHERE kind = 'purchase' AND day >= ?1 AND day <= ?2 \
             GROUP BY day, currency ORDER BY day, currency",
        )
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
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
        let mut c = self.read().await?;
        let rows: Vec<EventTuple> =
            sqlx::query_as("SELECT seq, id, kind, at, players, payload FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2")
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&mut *c)
                .await
                .map_err(db_err)?;
        rows.into_iter().map(event_from).collect()
    }

    async fn counter(&self, key: &str) -> Result<CounterRow> {
        const SQL: &str = "SELECT count, version FROM counters WHERE \"key\" = ?1";
        let row: Option<(i64, i64)> = match &self.point {
            Some(p) => p.row(SQL, [key], |r| Ok((r.get(0)?, r.get(1)?)))?,
            None => {
                let mut c = self.read().await?;
                sqlx::query_as(SQL)
                    .bind(key)
                    .fetch_optional(&mut *c)
                    .await
                    .map_err(db_err)?
            }
        };
        Ok(
            row.map_or_else(CounterRow::default, |(count, version)| CounterRow {
                count,
                version,
            }),
        )
    }

    async fn mailbox(&self, player: &PlayerId) -> Result<(MailboxRow, Vec<Mail>)> {
        let mut c = self.read().await?;
        let mut tx = c.begin().await.map_err(db_err)?;
        let row: Option<(i64, i64)> =
            sqlx::query_as("SELECT version, broadcast_seq FROM mailboxes WHERE player = ?1")
                .bind(player.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
        let bodies: Vec<(String,)> =
            sqlx::query_as("SELECT body FROM mails WHERE player = ?1 ORDER BY sent_at, id")
                .bind(player.as_str())
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        let header = row.map_or_else(MailboxRow::default, |(version, broadcast_seq)| MailboxRow {
            version,
            broadcast_seq,
        });
        let mails = bodies
            .into_iter()
            .map(|(b,)| serde_json::from_str::<Mail>(&b).map_err(|e| bad_data("mail", e)))
            .collect::<Result<Vec<_>>>()?;
        Ok((header, mails))
    }

    async fn broadcasts_after(&self, after: i64, limit: u32) -> Result<Vec<Broadcast>> {
        let mut c = self.read().await?;
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT seq, body FROM broadcasts WHERE seq > ?1 ORDER BY seq LIMIT ?2")
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&mut *c)
                .await
                .map_err(db_err)?;
        rows.into_iter()
            .map(|(seq, b)| {
                let mut x: Broadcast =
                    serde_json::from_str(&b).map_err(|e| bad_data("broadcast", e))?;
                x.seq = seq;
                Ok(x)
            })
            .collect()
    }

    async fn broadcast(&self, id: &str) -> Result<Option<Broadcast>> {
        let mut c = self.read().await?;
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, body FROM broadcasts WHERE id = ?1")
                .bind(id)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_err)?;
        row.map(|(seq, b)| {
            let mut x: Broadcast =
                serde_json::from_str(&b).map_err(|e| bad_data("broadcast", e))?;
            x.seq = seq;
            Ok(x)
        })
        .transpose()
    }

    async fn template(&self, id: &str) -> Result<Option<Template>> {
        let mut c = self.read().await?;
        let row: Option<(String,)> = sqlx::query_as("SELECT body FROM templates WHERE id = ?1")
            .bind(id)
            .fetch_optional(&mut *c)
            .await
            .map_err(db_err)?;
        row.map(|(b,)| serde_json::from_str(&b).map_err(|e| bad_data("template", e)))
            .transpose()
    }

    async fn templates(&self) -> Result<Vec<Template>> {
        let mut c = self.read().await?;
        let rows: Vec<(String,)> = sqlx::query_as("SELECT body FROM templates ORDER BY id")
            .fetch_all(&mut *c)
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .map(|(b,)| serde_json::from_str(&b).map_err(|e| bad_data("template", e)))
            .collect()
    }

    async fn trigger(&self, id: &str) -> Result<Option<Trigger>> {
        let mut c = self.read().await?;
        let row: Option<(String,)> = sqlx::query_as("SELECT body FROM triggers WHERE id = ?1")
            .bind(id)
            .fetch_optional(&mut *c)
            .await
            .map_err(db_err)?;
        row.map(|(b,)| serde_json::from_str(&b).map_err(|e| bad_data("trigger", e)))
            .transpose()
    }

    async fn triggers(&self, event: Option<&str>) -> Result<Vec<Trigger>> {
        let mut c = self.read().await?;
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT body FROM triggers WHERE ?1 IS NULL OR event = ?1 ORDER BY id")
                .bind(event)
                .fetch_all(&mut *c)
                .await
                .map_err(db_err)?;
        rows.into_iter()
            .map(|(b,)| serde_json::from_str(&b).map_err(|e| bad_data("trigger", e)))
            .collect()
    }

    async fn doc(&self, kind: &str, id: &str) -> Result<Option<Doc>> {
        const SQL: &str = "SELECT version, body FROM docs WHERE kind = ?1 AND id = ?2";
        let row: Option<(i64, String)> = self
            .row_by(SQL, kind, id, |r| Ok((r.get(0)?, r.get(1)?)))
            .await?;
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
        let mut c = self.read().await?;
        let rows: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT id, version, body FROM docs WHERE kind = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
        )
        .bind(kind)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
        docs_from_rows(kind, rows)
    }

    async fn put_file(
        &self,
        file: guildhall_core::downloads::NewFile,
    ) -> Result<guildhall_core::downloads::FileMeta> {
        let version = if let Some(t) = &self.write_thread {
            let f = file.clone();
            t.run(move |c| put_file_on(c, &f)).await??
        } else {
            let mut w = self.writer.lock().await;
            let mut tx = w.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
            let (version,): (i64,) = sqlx::query_as(INSERT_FILE)
                .bind(&file.name)
                .bind(&file.content_type)
                .bind(file.bytes.len() as i64)
                .bind(&file.sha256)
                .bind(file.created_at.timestamp_micros())
                .bind(&file.bytes)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
            tx.commit().await.map_err(db_err)?;
            version
        };
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
        let mut c = self.read().await?;
        let row: Option<(i64, String, String, i64, String, i64, Vec<u8>)> = sqlx::query_as(&format!(
            "SELECT {FILE_COLUMNS}, bytes FROM game_files WHERE name = ?1 AND (?2 IS NULL OR version = ?2) \
             ORDER BY version DESC LIMIT 1"
        ))
        .bind(name)
        .bind(version)
        .fetch_optional(&mut *c)
        .await
        .map_err(db_err)?;
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
        let mut c = self.read().await?;
        let rows: Vec<FileRow> = sqlx::query_as(FILES_CHANGED)
            .bind(since)
            .bind(i64::from(limit))
            .fetch_all(&mut *c)
            .await
            .map_err(db_err)?;
        rows.into_iter().map(file_meta).collect()
    }

    async fn file_versions(
        &self,
        name: &str,
        limit: u32,
    ) -> Result<Vec<guildhall_core::downloads::FileMeta>> {
        let mut c = self.read().await?;
        let rows: Vec<FileRow> = sqlx::query_as(&format!(
            "SELECT {FILE_COLUMNS} FROM game_files WHERE name = ?1 ORDER BY version DESC LIMIT ?2"
        ))
        .bind(name)
        .bind(i64::from(limit))
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
        rows.into_iter().map(file_meta).collect()
    }

    async fn docs(&self, kind: &str, prefix: &str, limit: u32) -> Result<Vec<Doc>> {
        let mut c = self.read().await?;
        // Every id with the prefix sorts between it and the prefix followed by U+10FFFF.
        let upper = format!("{prefix}\u{10FFFF}");
        let rows: Vec<(String, i64, String)> =
            sqlx::query_as("SELECT id, version, body FROM docs WHERE kind = ?1 AND id >= ?2 AND id < ?3 ORDER BY id LIMIT ?4")
                .bind(kind)
                .bind(prefix)
                .bind(upper)
                .bind(i64::from(limit))
                .fetch_all(&mut *c)
                .await
                .map_err(db_err)?;
        docs_from_rows(kind, rows)
    }

    async fn chat_history(
        &self,
        channel: &str,
        before: Option<(i64, String)>,
        limit: u32,
    ) -> Result<Vec<ChatMessage>> {
        let mut c = self.read().await?;
        let (at, id) = match before {
            Some((at, id)) => (Some(at), Some(id)),
            None => (None, None),
        };
        let rows: Vec<(String,)> = sqlx::query_as(CHAT_PAGE)
            .bind(channel)
            .bind(at)
            .bind(id)
            .bind(i64::from(limit))
            .fetch_all(&mut *c)
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .map(|(b,)| serde_json::from_str(&b).map_err(|e| bad_data("chat message", e)))
            .collect()
    }

    async fn score_entry(&self, standings: &str, player: &PlayerId) -> Result<Option<ScoreEntry>> {
        let mut c = self.read().await?;
        let row: Option<(i64, i64, i64)> = sqlx::query_as(
            "SELECT ord, score, submitted_at FROM leaderboard_scores WHERE standings = ?1 AND player = ?2",
        )
        .bind(standings)
        .bind(player.as_str())
        .fetch_optional(&mut *c)
        .await
        .map_err(db_err)?;
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
        let mut c = self.read().await?;
        let rows: Vec<ScoreRowTuple> = match after {
            Some(p) => sqlx::query_as(
                "SELECT player, ord, score, submitted_at FROM leaderboard_scores \
                 WHERE standings = ?1 AND (ord, submitted_at, player) > (?2, ?3, ?4) \
                 ORDER BY ord, submitted_at, player LIMIT ?5",
            )
            .bind(standings)
            .bind(p.ord)
            .bind(p.submitted_at)
            .bind(p.player.as_str())
            .bind(i64::from(limit))
            .fetch_all(&mut *c)
            .await
            .map_err(db_err)?,
            None => sqlx::query_as(
                "SELECT player, ord, score, submitted_at FROM leaderboard_scores \
                 WHERE standings = ?1 ORDER BY ord, submitted_at, player LIMIT ?2",
            )
            .bind(standings)
            .bind(i64::from(limit))
            .fetch_all(&mut *c)
            .await
            .map_err(db_err)?,
        };
        score_rows(standings, rows)
    }

    async fn scores_before(
        &self,
        standings: &str,
        before: &ScorePos,
        limit: u32,
    ) -> Result<Vec<ScoreEntry>> {
        let mut c = self.read().await?;
        let rows: Vec<ScoreRowTuple> = sqlx::query_as(
            "SELECT player, ord, score, submitted_at FROM leaderboard_scores \
             WHERE standings = ?1 AND (ord, submitted_at, player) < (?2, ?3, ?4) \
             ORDER BY ord DESC, submitted_at DESC, player DESC LIMIT ?5",
        )
        .bind(standings)
        .bind(before.ord)
        .bind(before.submitted_at)
        .bind(before.player.as_str())
        .bind(i64::from(limit))
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
        score_rows(standings, rows)
    }

    async fn scores_count_before(&self, standings: &str, before: &ScorePos) -> Result<u64> {
        let mut c = self.read().await?;
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM leaderboard_scores \
             WHERE standings = ?1 AND (ord, submitted_at, player) < (?2, ?3, ?4)",
        )
        .bind(standings)
        .bind(before.ord)
        .bind(before.submitted_at)
        .bind(before.player.as_str())
        .fetch_one(&mut *c)
        .await
        .map_err(db_err)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn prune_chat(&self, before: DateTime<Utc>) -> Result<u64> {
        let before = before.timestamp_micros();
        if let Some(t) = &self.write_thread {
            return t
                .run(move |c| {
                    c.execute(PRUNE_CHAT, [before])
                        .map(|n| n as u64)
                        .map_err(sqlite_err)
                })
                .await?;
        }
        let mut w = self.writer.lock().await;
        Ok(sqlx::query(PRUNE_CHAT)
            .bind(before)
            .execute(&mut *w)
            .await
            .map_err(db_err)?
            .rows_affected())
    }

    async fn player_events_after(
        &self,
        player: &PlayerId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Event>> {
        let mut c = self.read().await?;
        let rows: Vec<EventTuple> = sqlx::query_as(
            "SELECT seq, id, kind, at, players, payload FROM events \
             WHERE seq > ?1 AND EXISTS (SELECT 1 FROM json_each(events.players) WHERE value = ?2) ORDER BY seq LIMIT ?3",
        )
        .bind(after)
        .bind(player.as_str())
        .bind(i64::from(limit))
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
        rows.into_iter().map(event_from).collect()
    }

    async fn commit(&self, mut cs: ChangeSet) -> Result<ChangeSet> {
        if self.write_thread.is_some() {
            // A batch of one: its savepoint changes nothing of the outcome.
            return self
                .commit_batch(vec![cs])
                .await
                .pop()
                .unwrap_or_else(|| Err(Error::unavailable("sqlite: a commit went unanswered")));
        }
        let mut w = self.writer.lock().await;
        let mut tx = w.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        // On error the transaction is dropped, which rolls it back.
        apply(&mut tx, &mut cs, "", 0).await.map_err(|f| f.error)?;
        tx.commit().await.map_err(db_err)?;
        Ok(cs)
    }

    async fn commit_batch(&self, batch: Vec<ChangeSet>) -> Vec<Result<ChangeSet>> {
        let n = batch.len();
        if let Some(t) = &self.write_thread {
            return match t.run(move |c| commit_on(c, batch)).await {
                Ok(out) => out,
                Err(e) => vec![Err(e); n],
            };
        }
        let mut w = self.writer.lock().await;
        let outcome = async {
            let mut tx = w.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
            let out = apply_batch(&mut tx, batch).await?;
            tx.commit().await.map_err(db_err)?;
            Ok::<_, Error>(out)
        }
        .await;
        match outcome {
            Ok(out) => out,
            Err(e) => vec![Err(e); n],
        }
    }

    async fn prune(
        &self,
        events_before: DateTime<Utc>,
        idempotency_before: DateTime<Utc>,
    ) -> Result<(u64, u64)> {
        let (events_before, idempotency_before) = (
            events_before.timestamp_micros(),
            idempotency_before.timestamp_micros(),
        );
        if let Some(t) = &self.write_thread {
            return t
                .run(move |c| prune_on(c, events_before, idempotency_before))
                .await?;
        }
        let mut w = self.writer.lock().await;
        let mut tx = w.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        let events = sqlx::query(PRUNE_EVENTS)
            .bind(events_before)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        let records = sqlx::query(PRUNE_IDEMPOTENCY)
            .bind(idempotency_before)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?
            .rows_affected();
        sqlx::query(PRUNE_COUNTERS)
            .bind(events_before)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok((events, records))
    }
}

/// A player's entries (as debit or credit), newest first: the newest `limit` of each
/// side through its index, merged.
const HISTORY: &str = "SELECT seq, id, transaction_id, at, day, kind, currency, debit, credit, amount, reason, metadata, item_id, quantity \
     FROM ledger WHERE seq IN ( \
         SELECT seq FROM (SELECT seq FROM ledger WHERE debit = ?1 AND (?2 IS NULL OR currency = ?2) \
             AND (?3 IS NULL OR kind = ?3) AND seq < ?4 ORDER BY seq DESC LIMIT ?5) \
         UNION ALL \
         SELECT seq FROM (SELECT seq FROM ledger WHERE credit = ?1 AND (?2 IS NULL OR currency = ?2) \
             AND (?3 IS NULL OR kind = ?3) AND seq < ?4 ORDER BY seq DESC LIMIT ?5)) \
     ORDER BY seq DESC LIMIT ?5";

const CATALOG_BY_ID: &str = "SELECT id, name, kind, price_currency, price_amount, max_stack, active, metadata FROM catalog WHERE id = ?1";
const CATALOG_ALL: &str = "SELECT id, name, kind, price_currency, price_amount, max_stack, active, metadata FROM catalog ORDER BY id";

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

    #[test]
    fn memory_urls() {
        assert!(is_memory_url("sqlite::memory:"));
        assert!(!is_memory_url("sqlite://game.db"));
    }
}
