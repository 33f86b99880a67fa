//! The SQLite store's own behaviour against a real database file: migrations, WAL,
//! persistence, version guards, group commit, sequence numbers, busy handling.
//! Domain rules are covered by the cross-store conformance suite in `tests/`.

use chrono::{DateTime, TimeZone, Utc};
use guildhall_adapters::sqlite::{SqliteStore, SqliteStoreOptions};
use guildhall_core::ports::{
    BalanceRow, BalanceWrite, ChangeSet, HistoryQuery, IdempotencyRecord, ItemWrite, Store,
};
use guildhall_core::types::{
    Account, CatalogItem, EntryKind, Event, ItemKind, LedgerEntry, PlayerId, Price,
};
use guildhall_core::ErrorCode;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap()
}

fn player(id: &str) -> PlayerId {
    PlayerId::new(id).unwrap()
}

fn url(path: &Path) -> String {
    format!("sqlite:{}", path.display())
}

fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("nested").join("guildhall.db")
}

async fn open(path: &Path) -> SqliteStore {
    let store = SqliteStore::connect(&url(path)).await.expect("open");
    store.migrate().await.expect("migrate");
    store
}

/// A migrated private in-memory store (commits on its one sqlx connection).
async fn in_memory() -> SqliteStore {
    let store = SqliteStore::connect("sqlite::memory:").await.expect("open");
    store.migrate().await.expect("migrate");
    store
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);
fn id(prefix: &str) -> String {
    format!("{prefix}-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed))
}

/// A purchase-shaped change set: the player's guarded balance, the shop's increment,
/// the player's guarded item row, one ledger entry and one event.
fn purchase(
    p: &str,
    expected: (i64, i64),
    balance_after: i64,
    item_version: i64,
    quantity: i64,
) -> ChangeSet {
    let pl = player(p);
    ChangeSet {
        balances: vec![
            BalanceWrite::Set {
                account: Account::Player(pl.clone()),
                currency: "gold".into(),
                expected_version: expected.0,
                amount: balance_after,
            },
            BalanceWrite::Add {
                account: Account::system("shop").unwrap(),
                currency: "gold".into(),
                delta: expected.1,
            },
        ],
        items: vec![ItemWrite {
            player: pl.clone(),
            item_id: "potion".into(),
            expected_version: item_version,
            quantity,
            acquired_at: at(),
        }],
        ledger: vec![LedgerEntry {
            seq: 0,
            id: id("entry"),
            transaction_id: id("tx"),
            at: at(),
            day: at().date_naive(),
            kind: EntryKind::Purchase,
            currency: "gold".into(),
            debit: Account::Player(pl.clone()),
            credit: Account::system("shop").unwrap(),
            amount: expected.1,
            reason: "purchase".into(),
            metadata: json!({ "via": "test" }),
            item_id: Some("potion".into()),
            quantity: Some(1),
        }],
        events: vec![Event {
            seq: 0,
            id: id("event"),
            kind: "item_purchased".into(),
            at: at(),
            players: vec![pl],
            payload: json!({ "n": 1 }),
        }],
        ..Default::default()
    }
}

fn potion() -> CatalogItem {
    CatalogItem {
        id: "potion".into(),
        name: "Health Potion".into(),
        kind: ItemKind::Consumable,
        price: Some(Price {
            currency: "gold".into(),
            amount: 10,
        }),
        max_stack: Some(99),
        active: true,
        metadata: json!({ "color": "red" }),
    }
}

async fn gold(store: &SqliteStore, p: &str) -> BalanceRow {
    store
        .balance(&Account::Player(player(p)), "gold")
        .await
        .unwrap()
}

#[tokio::test]
async fn migrations_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let store = open(&path).await;
    store.migrate().await.expect("second migrate");
    store
        .commit(ChangeSet {
            catalog: vec![potion()],
            ..Default::default()
        })
        .await
        .unwrap();
    store.close().await;
    // The facade opens and migrates an existing database again without harm.
    let again = guildhall_adapters::open_store(&url(&path))
        .await
        .expect("reopen through the facade");
    again.migrate().await.unwrap();
    assert_eq!(again.catalog().await.unwrap(), vec![potion()]);
}

#[tokio::test]
async fn wal_mode_is_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&db_path(&dir)).await;
    assert_eq!(store.journal_mode().await.unwrap(), "wal");
}

#[tokio::test]
async fn data_persists_across_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let store = open(&path).await;
    let mut cs = purchase("alice", (0, 10), 90, 0, 1);
    cs.catalog = vec![potion()];
    cs.idempotency = Some(IdempotencyRecord {
        scope: "player:alice".into(),
        key: "k-1".into(),
        fingerprint: "f".into(),
        result: json!({ "balance": 90 }),
        created_at: at(),
    });
    let done = store.commit(cs).await.unwrap();
    store.close().await;

    let store = open(&path).await;
    let alice = Account::Player(player("alice"));
    assert_eq!(
        gold(&store, "alice").await,
        BalanceRow {
            amount: 90,
            version: 1
        }
    );
    assert_eq!(
        store
            .balance(&Account::system("shop").unwrap(), "gold")
            .await
            .unwrap(),
        BalanceRow {
            amount: 10,
            version: 0
        }
    );
    let item = store
        .item(&player("alice"), "potion")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (item.quantity, item.version, item.acquired_at),
        (1, 1, at())
    );
    assert_eq!(store.items(&player("alice")).await.unwrap(), vec![item]);
    let history = store
        .history(&HistoryQuery {
            account: alice.clone(),
            currency: None,
            kind: None,
            before_seq: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(history, done.ledger);
    assert_eq!(store.events_after(0, 10).await.unwrap(), done.events);
    let rec = store
        .idempotency("player:alice", "k-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rec, done.idempotency.unwrap());
    assert_eq!(store.catalog_item("potion").await.unwrap(), Some(potion()));
    assert_eq!(
        store.balances(&alice).await.unwrap(),
        vec![(
            "gold".to_string(),
            BalanceRow {
                amount: 90,
                version: 1
            }
        )]
    );
    let net = store.ledger_snapshot().await.unwrap().net;
    assert!(net.contains(&(alice, "gold".into(), -10)));
}

#[tokio::test]
async fn stale_version_is_a_conflict_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&db_path(&dir)).await;
    store
        .commit(purchase("bob", (0, 10), 90, 0, 1))
        .await
        .unwrap();
    store
        .commit(purchase("bob", (1, 10), 80, 1, 2))
        .await
        .unwrap();

    // The balance guard is stale (version 1, row at 2): nothing of the set may land.
    let err = store
        .commit(purchase("bob", (1, 10), 70, 2, 3))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    // The item guard is stale although the balance guard holds (it is written first).
    let err = store
        .commit(purchase("bob", (2, 10), 70, 1, 3))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    // A row that must not exist yet, but does.
    let err = store
        .commit(purchase("bob", (0, 10), 70, 2, 3))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);

    assert_eq!(
        gold(&store, "bob").await,
        BalanceRow {
            amount: 80,
            version: 2
        }
    );
    assert_eq!(
        store
            .balance(&Account::system("shop").unwrap(), "gold")
            .await
            .unwrap()
            .amount,
        20
    );
    assert_eq!(
        store
            .item(&player("bob"), "potion")
            .await
            .unwrap()
            .unwrap()
            .quantity,
        2
    );
    assert_eq!(store.events_after(0, 100).await.unwrap().len(), 2);
    assert_eq!(
        store
            .ledger_snapshot()
            .await
            .unwrap()
            .net
            .iter()
            .map(|(_, _, n)| n.abs())
            .sum::<i128>(),
        40
    );
}

#[tokio::test]
async fn a_stored_idempotency_key_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&db_path(&dir)).await;
    let rec = IdempotencyRecord {
        scope: "player:c".into(),
        key: "k".into(),
        fingerprint: "f".into(),
        result: json!(1),
        created_at: at(),
    };
    let first = ChangeSet {
        idempotency: Some(rec.clone()),
        ..purchase("c", (0, 10), 90, 0, 1)
    };
    store.commit(first).await.unwrap();
    let again = ChangeSet {
        idempotency: Some(rec),
        ..purchase("c", (1, 10), 80, 1, 2)
    };
    assert_eq!(
        store.commit(again).await.unwrap_err().code,
        ErrorCode::Conflict
    );
    assert_eq!(gold(&store, "c").await.amount, 90);
}

#[tokio::test]
async fn a_conflicting_batch_member_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    conflicting_batch_member_fails_alone(&open(&db_path(&dir)).await).await;
}

/// In memory, commits run on the one shared sqlx connection instead of the writer
/// thread: the same batch gives the same outcomes.
#[tokio::test]
async fn in_memory_a_conflicting_batch_member_fails_alone() {
    conflicting_batch_member_fails_alone(&in_memory().await).await;
}

async fn conflicting_batch_member_fails_alone(store: &SqliteStore) {
    store
        .commit(purchase("dave", (0, 10), 90, 0, 1))
        .await
        .unwrap();

    let batch = vec![
        purchase("erin", (0, 10), 90, 0, 1),
        purchase("dave", (7, 10), 0, 1, 9), // stale balance version
        purchase("dave", (1, 10), 80, 1, 2),
        purchase("dave", (1, 10), 70, 2, 3), // same guard as the member before it: now stale
        purchase("frank", (0, 10), 90, 0, 1),
    ];
    let out = store.commit_batch(batch).await;
    let codes: Vec<_> = out
        .iter()
        .map(|r| r.as_ref().err().map(|e| e.code))
        .collect();
    assert_eq!(
        codes,
        vec![
            None,
            Some(ErrorCode::Conflict),
            None,
            Some(ErrorCode::Conflict),
            None
        ]
    );

    assert_eq!(
        gold(store, "erin").await,
        BalanceRow {
            amount: 90,
            version: 1
        }
    );
    assert_eq!(
        gold(store, "dave").await,
        BalanceRow {
            amount: 80,
            version: 2
        }
    );
    assert_eq!(
        gold(store, "frank").await,
        BalanceRow {
            amount: 90,
            version: 1
        }
    );
    assert_eq!(
        store
            .item(&player("dave"), "potion")
            .await
            .unwrap()
            .unwrap()
            .quantity,
        2
    );
    assert_eq!(
        store
            .balance(&Account::system("shop").unwrap(), "gold")
            .await
            .unwrap()
            .amount,
        40
    );
    let events = store.events_after(0, 100).await.unwrap();
    assert_eq!(events.len(), 4);
    let committed: Vec<_> = out
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .flat_map(|cs| cs.events.clone())
        .collect();
    assert_eq!(events[1..], committed[..]);
}

#[tokio::test]
async fn seqs_increase_with_commit_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&db_path(&dir)).await;
    let mut ledger = Vec::new();
    let mut events = Vec::new();
    let one = store
        .commit(purchase("g", (0, 10), 90, 0, 1))
        .await
        .unwrap();
    ledger.extend(one.ledger);
    events.extend(one.events);
    let mut two = purchase("h", (0, 10), 90, 0, 1);
    two.ledger.push(LedgerEntry {
        id: id("entry"),
        ..two.ledger[0].clone()
    });
    two.events.push(Event {
        id: id("event"),
        ..two.events[0].clone()
    });
    for cs in store
        .commit_batch(vec![two, purchase("i", (0, 10), 90, 0, 1)])
        .await
    {
        let cs = cs.unwrap();
        ledger.extend(cs.ledger);
        events.extend(cs.events);
    }
    let three = store
        .commit(purchase("g", (1, 10), 80, 1, 2))
        .await
        .unwrap();
    ledger.extend(three.ledger);
    events.extend(three.events);

    assert_eq!(ledger.len(), 5);
    assert!(
        ledger
            .windows(2)
            .all(|w| w[0].seq > 0 && w[0].seq < w[1].seq),
        "{:?}",
        ledger.iter().map(|e| e.seq).collect::<Vec<_>>()
    );
    assert!(events
        .windows(2)
        .all(|w| w[0].seq > 0 && w[0].seq < w[1].seq));
    // The outbox reads back in the same order, and resumes after a seq.
    assert_eq!(store.events_after(0, 100).await.unwrap(), events);
    assert_eq!(
        store.events_after(events[2].seq, 100).await.unwrap(),
        events[3..]
    );
    // History is newest first and pages by seq.
    let g = Account::Player(player("g"));
    let page = store
        .history(&HistoryQuery {
            account: g.clone(),
            currency: None,
            kind: None,
            before_seq: None,
            limit: 1,
        })
        .await
        .unwrap();
    assert_eq!(page, vec![ledger[4].clone()]);
    let page = store
        .history(&HistoryQuery {
            account: g,
            currency: Some("gold".into()),
            kind: Some(EntryKind::Purchase),
            before_seq: Some(ledger[4].seq),
            limit: 5,
        })
        .await
        .unwrap();
    assert_eq!(page, vec![ledger[0].clone()]);
}

#[tokio::test]
async fn in_memory_database_is_one_database() {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    store.migrate().await.unwrap();
    store
        .commit(purchase("j", (0, 10), 90, 0, 1))
        .await
        .unwrap();
    // An empty change set is a no-op, alone or in a batch.
    store.commit(ChangeSet::default()).await.unwrap();
    let empty = store
        .commit_batch(vec![ChangeSet::default(), ChangeSet::default()])
        .await;
    assert!(empty.iter().all(|r| r.is_ok()));
    assert_eq!(
        gold(&store, "j").await,
        BalanceRow {
            amount: 90,
            version: 1
        }
    );
    assert_eq!(store.events_after(0, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn reads_proceed_while_another_writer_holds_the_lock_and_commits_report_busy_as_conflict() {
    use sqlx::{Connection, Executor};
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let options = SqliteStoreOptions {
        busy_timeout: Duration::from_millis(100),
        ..Default::default()
    };
    let store = SqliteStore::connect_with(&url(&path), options)
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store
        .commit(purchase("k", (0, 10), 90, 0, 1))
        .await
        .unwrap();

    // Another process's connection takes the write lock and keeps it.
    let mut other = sqlx::sqlite::SqliteConnection::connect(&url(&path))
        .await
        .unwrap();
    other.execute("BEGIN IMMEDIATE").await.unwrap();
    other
        .execute("UPDATE balances SET amount = 0 WHERE account = 'player:k'")
        .await
        .unwrap();

    // Reads see the last committed state without waiting.
    let read = tokio::time::timeout(Duration::from_secs(2), gold(&store, "k"))
        .await
        .expect("read waited for the writer");
    assert_eq!(read.amount, 90);
    // A commit gives up after the busy timeout with a retryable CONFLICT.
    let err = store
        .commit(purchase("k", (1, 10), 80, 1, 2))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict, "{err}");
    let out = store
        .commit_batch(vec![
            purchase("k", (1, 10), 80, 1, 2),
            purchase("l", (0, 10), 90, 0, 1),
        ])
        .await;
    assert!(out
        .iter()
        .all(|r| r.as_ref().is_err_and(|e| e.code == ErrorCode::Conflict)));

    other.execute("ROLLBACK").await.unwrap();
    other.close().await.unwrap();
    // Once the lock is gone, the same commit goes through.
    store
        .commit(purchase("k", (1, 10), 80, 1, 2))
        .await
        .unwrap();
    assert_eq!(gold(&store, "k").await.amount, 80);
}

#[tokio::test]
async fn prune_removes_old_events_and_records() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&db_path(&dir)).await;
    let rec = IdempotencyRecord {
        scope: "player:m".into(),
        key: "k".into(),
        fingerprint: "f".into(),
        result: json!(1),
        created_at: at(),
    };
    store
        .commit(ChangeSet {
            idempotency: Some(rec),
            ..purchase("m", (0, 10), 90, 0, 1)
        })
        .await
        .unwrap();
    let later = at() + chrono::Duration::seconds(1);
    assert_eq!(store.prune(at(), at()).await.unwrap(), (0, 0));
    assert_eq!(store.prune(later, later).await.unwrap(), (1, 1));
    assert!(store.events_after(0, 10).await.unwrap().is_empty());
    // Pruned seqs are never handed out again.
    let next = store
        .commit(purchase("m", (1, 10), 80, 1, 2))
        .await
        .unwrap();
    assert!(next.events[0].seq > 1);
}

#[tokio::test]
async fn an_unknown_url_scheme_is_invalid() {
    let err = guildhall_adapters::open_store("mysql://x")
        .await
        .err()
        .unwrap();
    assert_eq!(err.code, ErrorCode::InvalidArgument);
}

#[tokio::test]
async fn an_overflowing_increment_is_a_balance_limit_and_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    overflowing_increment_fails_alone(&open(&db_path(&dir)).await).await;
}

#[tokio::test]
async fn in_memory_an_overflowing_increment_is_a_balance_limit_and_fails_alone() {
    overflowing_increment_fails_alone(&in_memory().await).await;
}

async fn overflowing_increment_fails_alone(store: &SqliteStore) {
    let shop = Account::system("shop").unwrap();
    let add = |delta| ChangeSet {
        balances: vec![BalanceWrite::Add {
            account: shop.clone(),
            currency: "gold".into(),
            delta,
        }],
        ..Default::default()
    };
    store.commit(add(i64::MAX)).await.unwrap();
    assert_eq!(
        store.commit(add(1)).await.unwrap_err().code,
        ErrorCode::BalanceLimit
    );
    let out = store
        .commit_batch(vec![purchase("n", (0, 10), 90, 0, 1), add(1), add(-5)])
        .await;
    let codes: Vec<_> = out
        .iter()
        .map(|r| r.as_ref().err().map(|e| e.code))
        .collect();
    // The purchase's own increment of the shop (+10) is what overflows.
    assert_eq!(
        codes,
        vec![
            Some(ErrorCode::BalanceLimit),
            Some(ErrorCode::BalanceLimit),
            None
        ]
    );
    assert_eq!(
        store.balance(&shop, "gold").await.unwrap().amount,
        i64::MAX - 5
    );
    assert_eq!(gold(store, "n").await, BalanceRow::default());
}

/// `backup_into` copies a consistent snapshot while another connection keeps
/// committing, and the copy opens with a clean ledger.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_backup_is_a_consistent_copy() {
    use guildhall_core::economy::GrantRequest;
    use guildhall_core::types::Currency;
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let config = guildhall_core::Config::new(vec![Currency {
        code: "gold".into(),
        max_balance: None,
    }])
    .unwrap();
    let gh = guildhall_adapters::open(&url(&path), config.clone())
        .await
        .unwrap();
    let grant = |p: &str, amount: i64| GrantRequest {
        player: player(p),
        currency: "gold".into(),
        amount,
        source: None,
        reason: None,
        metadata: serde_json::Value::Null,
        idempotency_key: None,
    };
    gh.grant(grant("alice", 100)).await.unwrap();
    let writer = {
        let gh = gh.clone();
        tokio::spawn(async move {
            for _ in 0..50 {
                gh.grant(GrantRequest {
                    player: PlayerId::new("bob").unwrap(),
                    currency: "gold".into(),
                    amount: 1,
                    source: None,
                    reason: None,
                    metadata: serde_json::Value::Null,
                    idempotency_key: None,
                })
                .await
                .unwrap();
            }
        })
    };
    // A second process's view: its own store over the same file, as `guildhall backup`.
    let other = SqliteStore::connect(&url(&path)).await.unwrap();
    let dest = dir.path().join("backup.db");
    other.backup_into(&dest).await.unwrap();
    writer.await.unwrap();
    let again = other.backup_into(&dest).await.unwrap_err();
    assert_eq!(again.code, ErrorCode::InvalidArgument);
    other.close().await;

    let copy = guildhall_adapters::open(&url(&dest), config).await.unwrap();
    assert!(copy.verify_ledger().await.unwrap().ok);
    assert_eq!(copy.balance(&player("alice"), "gold").await.unwrap(), 100);
    let bob = copy.balance(&player("bob"), "gold").await.unwrap();
    assert!((0..=50).contains(&bob), "bob has {bob}");
    assert_eq!(gh.balance(&player("bob"), "gold").await.unwrap(), 50);
}

/// Wallet reads take the point-read path (plain read-only connections on the file): they
/// must see every commit at once, whichever store (process) made it, and must not wait
/// for a writer holding the lock.
#[tokio::test]
async fn wallet_reads_see_commits_of_another_store_on_the_same_file_at_once() {
    use sqlx::{Connection, Executor};
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let a = open(&path).await;
    let b = open(&path).await;
    let rows = |v: Vec<(String, BalanceRow)>| -> Vec<(String, i64)> {
        v.into_iter().map(|(c, r)| (c, r.amount)).collect()
    };
    let who = Account::Player(player("w"));
    assert!(b.balances(&who).await.unwrap().is_empty());
    a.commit(purchase("w", (0, 10), 90, 0, 1)).await.unwrap();
    assert_eq!(
        rows(b.balances(&who).await.unwrap()),
        [("gold".to_string(), 90)]
    );
    b.commit(purchase("w", (1, 10), 80, 1, 2)).await.unwrap();
    assert_eq!(
        rows(a.balances(&who).await.unwrap()),
        [("gold".to_string(), 80)]
    );
    for i in 2..40 {
        let (writer, reader) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        writer
            .commit(purchase("w", (i, 10), 90 - 10 * i + 10 * (i - 1), i, i + 1))
            .await
            .unwrap();
        let seen = reader.balances(&who).await.unwrap();
        assert_eq!(seen[0].1.version, i + 1, "read after commit {i}");
    }

    // A writer holding the lock (and an uncommitted change) does not block the read,
    // which sees the last committed state.
    let mut other = sqlx::sqlite::SqliteConnection::connect(&url(&path))
        .await
        .unwrap();
    other.execute("BEGIN IMMEDIATE").await.unwrap();
    other
        .execute("UPDATE balances SET amount = 0 WHERE account = 'player:w'")
        .await
        .unwrap();
    let seen = tokio::time::timeout(Duration::from_secs(2), b.balances(&who))
        .await
        .expect("the read waited for the writer")
        .unwrap();
    assert_ne!(seen[0].1.amount, 0);
    other.execute("ROLLBACK").await.unwrap();
}

/// Under writes that never pause, with a reader reading, the WAL is started over from
/// its beginning again and again instead of growing for as long as the writes go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_starts_over_while_writes_go_on() {
    use guildhall_core::ports::DocWrite;
    use std::io::Read as _;
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let options = SqliteStoreOptions {
        wal_restart_frames: 256,
        ..Default::default()
    };
    let store = std::sync::Arc::new(
        SqliteStore::connect_with(&url(&path), options)
            .await
            .unwrap(),
    );
    store.migrate().await.unwrap();
    let wal = path.with_file_name("guildhall.db-wal");
    // The WAL header's checkpoint sequence number moves each time the WAL starts
    // over: read once before the writes and once after, its difference counts the
    // restarts, however the reader below was scheduled.
    let sequence = |wal: &std::path::Path| {
        let mut header = [0u8; 16];
        std::fs::File::open(wal)
            .and_then(|mut f| f.read_exact(&mut header))
            .expect("the WAL header");
        u32::from_be_bytes(header[12..16].try_into().unwrap())
    };
    store.doc("blob", "w0-0").await.unwrap();
    let first = sequence(&wal);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // The reader keeps reading (a reader that never pauses is what can hold a WAL
    // back) and samples the WAL's length.
    let reader = {
        let (store, done, wal) = (store.clone(), done.clone(), wal.clone());
        tokio::spawn(async move {
            let mut largest = 0;
            while !done.load(Ordering::Relaxed) {
                let _ = store.doc("blob", "w0-0").await.unwrap();
                if let Ok(m) = std::fs::metadata(&wal) {
                    largest = largest.max(m.len());
                }
                tokio::task::yield_now().await;
            }
            largest
        })
    };
    // 24 writers of 500 documents of 3 KiB each: about 12,000 frames, 47 times the
    // restart point.
    let body = json!({ "pad": "x".repeat(3000) });
    let writers: Vec<_> = (0..24)
        .map(|w| {
            let (store, body) = (store.clone(), body.clone());
            tokio::spawn(async move {
                for i in 0..500 {
                    store
                        .commit(ChangeSet {
                            docs: vec![DocWrite {
                                kind: "blob".into(),
                                id: format!("w{w}-{i}"),
                                expected_version: 0,
                                body: Some(body.clone()),
                            }],
                            ..Default::default()
                        })
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    done.store(true, Ordering::Relaxed);
    let largest = reader.await.unwrap();
    let written = 24 * 500 * 4096;
    let restarts = sequence(&wal).wrapping_sub(first);
    assert!(
        restarts >= 2,
        "the WAL started over {restarts} times while writes went on"
    );
    assert!(
        largest < written,
        "the WAL reached {largest} bytes for {written} bytes of documents written"
    );
    assert_eq!(
        store.doc("blob", "w23-499").await.unwrap().unwrap().version,
        1
    );
}
