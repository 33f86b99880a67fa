//! The Postgres store's own behaviour against a real server: migrations, version guards,
//! group commit with savepoints, overflow, error mapping of serialization failures and
//! deadlocks, `seq` order, document prefixes, a player's events, each of many members of
//! one batch keeping its own outcome, a set whose guarded row moves under it, concurrent
//! point reads gathered into shared statements.
//! Domain rules are covered by the cross-store conformance suite in `tests/`.
//!
//! The server: `GUILDHALL_TEST_POSTGRES_URL`, else `DATABASE_URL`, else
//! `postgres://postgres@127.0.0.1:5432/postgres`. Every test creates its own database
//! (`guildhall_test_<pid>_<n>_<salt>`) and drops it at the end. An unreachable server FAILS the
//! tests with a message saying so; they never skip silently.

use chrono::{DateTime, TimeZone, Utc};
use guildhall_adapters::postgres::{map_error, PostgresStore, TestDatabase};
use guildhall_core::leaderboards::ScoreEntry;
use guildhall_core::ports::{
    BalanceRow, BalanceWrite, ChangeSet, DocWrite, HistoryQuery, IdempotencyRecord, ItemWrite,
    ScoreWrite, Store,
};
use guildhall_core::types::{
    Account, CatalogItem, EntryKind, Event, ItemKind, LedgerEntry, PlayerId, Price,
};
use guildhall_core::ErrorCode;
use serde_json::json;
use sqlx::{Connection, Executor};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn admin_url() -> String {
    std::env::var("GUILDHALL_TEST_POSTGRES_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A fresh database and a migrated store over it.
async fn fresh() -> (TestDatabase, PostgresStore) {
    let admin = admin_url();
    let db = TestDatabase::create(&admin).await.unwrap_or_else(|e| {
        panic!(
            "the Postgres tests need a server at {admin} (set GUILDHALL_TEST_POSTGRES_URL or \
             DATABASE_URL to one whose user may CREATE DATABASE): {e}"
        )
    });
    let store = PostgresStore::connect(db.url()).await.expect("connect");
    store.migrate().await.expect("migrate");
    (db, store)
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap()
}

fn player(id: &str) -> PlayerId {
    PlayerId::new(id).unwrap()
}

fn shop() -> Account {
    Account::system("shop").unwrap()
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);
fn id(prefix: &str) -> String {
    format!("{prefix}-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed))
}

fn event(kind: &str, players: &[&str]) -> Event {
    Event {
        seq: 0,
        id: id("event"),
        kind: kind.into(),
        at: at(),
        players: players.iter().map(|p| player(p)).collect(),
        payload: json!({ "n": 1 }),
    }
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
                account: shop(),
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
            credit: shop(),
            amount: expected.1,
            reason: "purchase".into(),
            metadata: json!({ "via": "test" }),
            item_id: Some("potion".into()),
            quantity: Some(1),
        }],
        events: vec![event("item_purchased", &[p])],
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

/// The shop's gold in the ledger: credits minus debits, if it has entries.
async fn shop_net(store: &PostgresStore) -> Option<i128> {
    let snapshot = store.ledger_snapshot().await.unwrap();
    snapshot
        .net
        .iter()
        .find(|(a, c, _)| *a == shop() && c == "gold")
        .map(|(_, _, net)| *net)
}

async fn gold(store: &PostgresStore, p: &str) -> BalanceRow {
    store
        .balance(&Account::Player(player(p)), "gold")
        .await
        .unwrap()
}

fn grant(p: &str, expected_version: i64, amount: i64) -> ChangeSet {
    ChangeSet {
        balances: vec![BalanceWrite::Set {
            account: Account::Player(player(p)),
            currency: "gold".into(),
            expected_version,
            amount,
        }],
        ..Default::default()
    }
}

#[tokio::test]
async fn migrations_are_idempotent_and_the_facade_opens_postgres_urls() {
    let (db, store) = fresh().await;
    store.migrate().await.expect("second migrate");
    // Migration 0006: the tables rewritten in place leave room for HOT updates.
    let options: Vec<(String, Option<Vec<String>>)> = sqlx::query_as(
        "SELECT relname::text, reloptions FROM pg_class WHERE relname = ANY($1) ORDER BY relname",
    )
    .bind(vec!["balances", "counters", "docs", "items", "mailboxes"])
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(options.len(), 5);
    for (table, opts) in options {
        assert_eq!(opts, Some(vec!["fillfactor=80".to_string()]), "{table}");
    }
    // Migrations 0007 and 0008: the wallet function runs with nested loops only and
    // keeps one plan per connection rather than planning every call anew.
    let config: Vec<String> = sqlx::query_scalar(
        "SELECT unnest(proconfig) FROM pg_proc WHERE proname = 'guildhall_economy_sets' ORDER BY 1",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(
        config,
        [
            "enable_hashjoin=off",
            "enable_mergejoin=off",
            "plan_cache_mode=force_generic_plan"
        ]
    );
    store
        .commit(ChangeSet {
            catalog: vec![potion()],
            ..Default::default()
        })
        .await
        .unwrap();
    store.close().await;
    let again = guildhall_adapters::open_store(db.url())
        .await
        .expect("reopen through the facade");
    again.migrate().await.unwrap();
    assert_eq!(again.catalog().await.unwrap(), vec![potion()]);
    let alt = db.url().replacen("postgres://", "postgresql://", 1);
    let third = guildhall_adapters::open_store(&format!("{alt}?max_connections=3"))
        .await
        .expect("postgresql:// with pool parameters");
    third.ping().await.unwrap();
    drop((again, third));
    db.drop_now().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable() {
    let e = match PostgresStore::connect(
        "postgres://postgres@127.0.0.1:1/postgres?acquire_timeout=2&max_connections=1",
    )
    .await
    {
        Ok(_) => panic!("connected to a closed port"),
        Err(e) => e,
    };
    assert_eq!(e.code, ErrorCode::Unavailable, "{e}");
}

#[tokio::test]
async fn a_purchase_round_trips_exactly() {
    let (_db, store) = fresh().await;
    let mut cs = purchase("alice", (0, 10), 90, 0, 1);
    cs.catalog = vec![potion()];
    cs.idempotency = Some(IdempotencyRecord {
        scope: "player:alice".into(),
        key: "k-1".into(),
        fingerprint: "f".into(),
        result: json!({ "balance": 90, "nested": { "b": [1, 2.5, null] } }),
        created_at: at(),
    });
    let done = store.commit(cs.clone()).await.unwrap();
    assert!(done.ledger[0].seq > 0 && done.events[0].seq > 0);
    assert_eq!(
        gold(&store, "alice").await,
        BalanceRow {
            amount: 90,
            version: 1
        }
    );
    assert_eq!(
        store.balance(&shop(), "gold").await.unwrap(),
        BalanceRow {
            amount: 10,
            version: 0
        }
    );
    let item = store.item(&player("alice"), "potion").await.unwrap();
    assert_eq!(
        item.map(|i| (i.quantity, i.version, i.acquired_at)),
        Some((1, 1, at()))
    );
    assert_eq!(
        store
            .idempotency("player:alice", "k-1")
            .await
            .unwrap()
            .map(|r| r.result),
        cs.idempotency.map(|r| r.result)
    );
    let history = store
        .history(&HistoryQuery {
            account: Account::Player(player("alice")),
            currency: None,
            kind: None,
            before_seq: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(history, done.ledger);
    assert_eq!(store.events_after(0, 10).await.unwrap(), done.events);
    let net = store.ledger_snapshot().await.unwrap().net;
    assert!(net.contains(&(shop(), "gold".into(), 10)));
    assert!(net.contains(&(Account::Player(player("alice")), "gold".into(), -10)));
    let popular = store
        .popular_items(at(), at() + chrono::Duration::seconds(1), 10)
        .await
        .unwrap();
    assert_eq!(popular.len(), 1);
    assert_eq!((popular[0].total_quantity, popular[0].purchases), (1, 1));
    let revenue = store
        .revenue_per_day(at().date_naive(), at().date_naive())
        .await
        .unwrap();
    assert_eq!((revenue[0].amount, revenue[0].purchases), (10, 1));
}

#[tokio::test]
async fn guarded_writes_conflict_and_change_nothing() {
    let (_db, store) = fresh().await;
    store.commit(grant("bob", 0, 100)).await.unwrap();
    // Version 0 means "must not exist yet": the row exists.
    let e = store.commit(grant("bob", 0, 5)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict, "{e}");
    // A stale version.
    let mut stale = purchase("bob", (7, 10), 90, 0, 1);
    stale.idempotency = Some(IdempotencyRecord {
        scope: "player:bob".into(),
        key: "k".into(),
        fingerprint: "f".into(),
        result: json!(null),
        created_at: at(),
    });
    let e = store.commit(stale).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict, "{e}");
    assert_eq!(
        gold(&store, "bob").await,
        BalanceRow {
            amount: 100,
            version: 1
        }
    );
    assert_eq!(store.balance(&shop(), "gold").await.unwrap().amount, 0);
    assert!(store
        .item(&player("bob"), "potion")
        .await
        .unwrap()
        .is_none());
    assert!(store.events_after(0, 10).await.unwrap().is_empty());
    assert!(store
        .idempotency("player:bob", "k")
        .await
        .unwrap()
        .is_none());
    // The right version applies; a stored idempotency key refuses a second set.
    let mut ok = purchase("bob", (1, 10), 90, 0, 1);
    ok.idempotency = Some(IdempotencyRecord {
        scope: "player:bob".into(),
        key: "k".into(),
        fingerprint: "f".into(),
        result: json!(1),
        created_at: at(),
    });
    store.commit(ok).await.unwrap();
    let mut again = purchase("bob", (2, 10), 80, 1, 2);
    again.idempotency = Some(IdempotencyRecord {
        scope: "player:bob".into(),
        key: "k".into(),
        fingerprint: "f".into(),
        result: json!(2),
        created_at: at(),
    });
    let e = store.commit(again).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict, "{e}");
    assert_eq!(gold(&store, "bob").await.amount, 90);
    // Documents: insert, guarded update, guarded delete, delete-if-absent.
    let doc = |expected_version, body: Option<serde_json::Value>| ChangeSet {
        docs: vec![DocWrite {
            kind: "party".into(),
            id: "p1".into(),
            expected_version,
            body,
        }],
        ..Default::default()
    };
    store.commit(doc(0, Some(json!({ "a": 1 })))).await.unwrap();
    assert_eq!(
        store.commit(doc(0, Some(json!(2)))).await.unwrap_err().code,
        ErrorCode::Conflict
    );
    store.commit(doc(1, Some(json!({ "a": 2 })))).await.unwrap();
    assert_eq!(
        store.commit(doc(1, None)).await.unwrap_err().code,
        ErrorCode::Conflict
    );
    assert_eq!(store.doc("party", "p1").await.unwrap().unwrap().version, 2);
    store.commit(doc(2, None)).await.unwrap();
    assert!(store.doc("party", "p1").await.unwrap().is_none());
    store.commit(doc(0, None)).await.unwrap();
}

#[tokio::test]
async fn a_conflicting_batch_member_fails_alone() {
    let (_db, store) = fresh().await;
    store.commit(grant("carol", 0, 100)).await.unwrap();
    store.commit(grant("dave", 0, 100)).await.unwrap();
    let batch = vec![
        purchase("carol", (1, 10), 90, 0, 1),
        // Same version as the member before it: that one moved it.
        purchase("carol", (1, 10), 90, 0, 1),
        purchase("dave", (1, 10), 90, 0, 1),
        // A member writing the same row twice runs statement by statement.
        ChangeSet {
            balances: vec![
                BalanceWrite::Add {
                    account: shop(),
                    currency: "gold".into(),
                    delta: 1,
                },
                BalanceWrite::Add {
                    account: shop(),
                    currency: "gold".into(),
                    delta: 2,
                },
            ],
            events: vec![event("a", &["erin"]), event("b", &["erin"])],
            ..Default::default()
        },
        // And a conflicting one of that kind.
        ChangeSet {
            balances: vec![
                BalanceWrite::Set {
                    account: Account::Player(player("dave")),
                    currency: "gold".into(),
                    expected_version: 1,
                    amount: 1,
                },
                BalanceWrite::Set {
                    account: Account::Player(player("dave")),
                    currency: "gold".into(),
                    expected_version: 2,
                    amount: 2,
                },
            ],
            ..Default::default()
        },
    ];
    let out = store.commit_batch(batch).await;
    assert_eq!(out.len(), 5);
    assert!(out[0].is_ok());
    assert_eq!(out[1].as_ref().unwrap_err().code, ErrorCode::Conflict);
    assert!(out[2].is_ok());
    assert!(out[3].is_ok());
    assert_eq!(out[4].as_ref().unwrap_err().code, ErrorCode::Conflict);
    assert_eq!(
        gold(&store, "carol").await,
        BalanceRow {
            amount: 90,
            version: 2
        }
    );
    assert_eq!(
        gold(&store, "dave").await,
        BalanceRow {
            amount: 90,
            version: 2
        }
    );
    assert_eq!(store.balance(&shop(), "gold").await.unwrap().amount, 23);
    let events = store.events_after(0, 100).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["item_purchased", "item_purchased", "a", "b"]);
    let seqs = committed_seqs(&out);
    assert_eq!(seqs, events.iter().map(|e| e.seq).collect::<Vec<_>>());
}

/// A batch whose system increments go out with its COMMIT leaves its connection
/// outside any transaction for the next user, and the next batch on that same
/// connection commits too (the empty transaction after the COMMIT is rolled back
/// before anything else is sent, never after the next BEGIN).
#[tokio::test]
async fn batches_with_system_increments_leave_their_connection_clean() {
    let (db, _) = fresh().await;
    let url = format!("{}?max_connections=1", db.url());
    let store = PostgresStore::connect(&url).await.expect("connect");
    for p in ["ann", "bob"] {
        store.commit(grant(p, 0, 100)).await.unwrap();
    }
    // The second batch runs on the connection the first one left behind.
    for (before, after, held) in [(1, 90, 0), (2, 80, 1)] {
        let out = store
            .commit_batch(vec![
                purchase("ann", (before, 10), after, held, held + 1),
                purchase("bob", (before, 10), after, held, held + 1),
            ])
            .await;
        assert!(out.iter().all(Result::is_ok), "{out:?}");
        // The pool's one connection: a SAVEPOINT on it is refused outside a
        // transaction block.
        let probe = sqlx::query("SAVEPOINT probe").execute(store.pool()).await;
        let refused = probe
            .as_ref()
            .err()
            .and_then(|e| e.as_database_error())
            .map(|e| e.message().to_string());
        assert!(
            refused
                .as_deref()
                .is_some_and(|m| m.contains("transaction block")),
            "the connection was left inside a transaction: {probe:?}"
        );
    }
    // Seen from another connection: both batches and all four increments committed.
    let other = PostgresStore::connect(db.url()).await.expect("connect");
    for p in ["ann", "bob"] {
        assert_eq!(
            gold(&other, p).await,
            BalanceRow {
                amount: 80,
                version: 3
            }
        );
    }
    assert_eq!(other.balance(&shop(), "gold").await.unwrap().amount, 40);
    // The empty transaction ends with the pool's check of the released connection, at
    // once; one left open would stay so.
    let mut idle_in_xact = -1_i64;
    for _ in 0..50 {
        (idle_in_xact,) = sqlx::query_as(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = $1 AND state LIKE 'idle in transaction%'",
        )
        .bind(db.name())
        .fetch_one(other.pool())
        .await
        .unwrap();
        if idle_in_xact == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(idle_in_xact, 0, "a connection stayed inside a transaction");
}

/// The `seq`s the store gave the events of a batch's committed sets, in batch order.
fn committed_seqs(out: &[guildhall_core::Result<ChangeSet>]) -> Vec<i64> {
    out.iter()
        .filter_map(|r| r.as_ref().ok())
        .flat_map(|cs| cs.events.iter().map(|e| e.seq))
        .collect()
}

/// Whether some session of `db` waits for a lock within 5 s (polled every 25 ms).
async fn a_lock_is_awaited(db: &TestDatabase) -> bool {
    let mut watcher = sqlx::PgConnection::connect(db.url()).await.unwrap();
    for _ in 0..200 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE NOT l.granted AND a.datname = current_database()",
        )
        .fetch_one(&mut watcher)
        .await
        .unwrap();
        if waiting > 0 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

/// The score of `p`'s ranking row in the `week` standings (which must exist).
async fn score_of(store: &PostgresStore, p: &str) -> i64 {
    store
        .score_entry("week", &player(p))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{p} has no ranking row"))
        .score
}

/// A score-shaped change set: the player's guarded document, their ranking row and an
/// event.
fn submission(p: &str, expected_version: i64, score: i64) -> ChangeSet {
    ChangeSet {
        docs: vec![DocWrite {
            kind: "lb_score".into(),
            id: format!("week/{p}"),
            expected_version,
            body: Some(json!({ "score": score })),
        }],
        scores: vec![ScoreWrite::Put(ScoreEntry {
            standings: "week".into(),
            player: player(p),
            ord: !score,
            score,
            submitted_at: 1,
        })],
        events: vec![event("score_submitted", &[p])],
        ..Default::default()
    }
}

#[tokio::test]
async fn each_of_many_sets_in_one_batch_keeps_its_own_outcome_and_order() {
    let (_db, store) = fresh().await;
    let names: Vec<String> = (0..40).map(|i| format!("p{i:02}")).collect();
    for n in &names {
        store.commit(submission(n, 0, 1)).await.unwrap();
    }
    let mut batch: Vec<ChangeSet> = names.iter().map(|n| submission(n, 1, 10)).collect();
    // A stale version in the middle of a run: refused alone.
    batch[5] = submission(&names[5], 7, 10);
    // The row of the set before it: applied after that one, so its version is stale.
    batch[10] = submission(&names[9], 1, 11);
    // A new player between runs of existing ones.
    batch[30] = submission("newcomer", 0, 5);
    let out = store.commit_batch(batch).await;
    assert_eq!(out.len(), 40);
    for (i, r) in out.iter().enumerate() {
        match i {
            5 | 10 => assert_eq!(r.as_ref().unwrap_err().code, ErrorCode::Conflict, "set {i}"),
            _ => assert!(r.is_ok(), "set {i}: {:?}", r.as_ref().err()),
        }
    }
    for (i, n) in names.iter().enumerate() {
        let doc = store
            .doc("lb_score", &format!("week/{n}"))
            .await
            .unwrap()
            .unwrap();
        let entry = store
            .score_entry("week", &player(n))
            .await
            .unwrap()
            .unwrap();
        // Sets 10 and 30 wrote other players' rows; set 5 was refused.
        let (version, score) = match i {
            5 | 10 | 30 => (1, 1),
            _ => (2, 10),
        };
        assert_eq!((doc.version, entry.score), (version, score), "{n}");
        assert_eq!(doc.body, json!({ "score": score }), "{n}");
    }
    assert_eq!(score_of(&store, "newcomer").await, 5);
    // Every committed set's event, in batch order, with the seqs the sets were given.
    let events = store.events_after(0, 1000).await.unwrap();
    let after_setup: Vec<&Event> = events.iter().skip(40).collect();
    assert_eq!(after_setup.len(), 38);
    let seqs = committed_seqs(&out);
    assert_eq!(seqs, after_setup.iter().map(|e| e.seq).collect::<Vec<_>>());
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    let players: Vec<String> = after_setup
        .iter()
        .map(|e| e.players[0].to_string())
        .collect();
    let expected: Vec<String> = (0..40)
        .filter(|i| *i != 5 && *i != 10)
        .map(|i| match i {
            30 => "newcomer".to_string(),
            _ => names[i].clone(),
        })
        .collect();
    assert_eq!(players, expected);
}

#[tokio::test]
async fn a_set_whose_guarded_row_moves_under_it_writes_nothing() {
    let (db, store) = fresh().await;
    store.commit(submission("kim", 0, 1)).await.unwrap();
    // A foreign transaction moves kim's document and holds it, so the store's statement
    // passes its guard (its snapshot still shows version 1) and then waits for the row.
    let mut foreign = sqlx::PgConnection::connect(db.url()).await.unwrap();
    foreign.execute("BEGIN").await.unwrap();
    foreign
        .execute(
            "UPDATE docs SET version = version + 1 WHERE kind = 'lb_score' AND id = 'week/kim'",
        )
        .await
        .unwrap();
    let store = Arc::new(store);
    let committing = {
        let store = store.clone();
        tokio::spawn(async move { store.commit(submission("kim", 1, 50)).await })
    };
    assert!(
        a_lock_is_awaited(&db).await,
        "the store's statement never waited for the moved row"
    );
    foreign.execute("COMMIT").await.unwrap();
    let outcome = tokio::time::timeout(Duration::from_secs(20), committing)
        .await
        .expect("the commit ends")
        .unwrap();
    assert_eq!(outcome.unwrap_err().code, ErrorCode::Conflict);
    // Neither the unguarded ranking row nor the event of the refused set was written.
    assert_eq!(score_of(&store, "kim").await, 1);
    assert_eq!(store.events_after(0, 10).await.unwrap().len(), 1);
    assert_eq!(
        store
            .doc("lb_score", "week/kim")
            .await
            .unwrap()
            .unwrap()
            .version,
        2
    );
    // The set under the version that is now current commits.
    store.commit(submission("kim", 2, 50)).await.unwrap();
    assert_eq!(score_of(&store, "kim").await, 50);
}

#[tokio::test]
async fn an_overflowing_increment_is_a_balance_limit_and_changes_nothing() {
    let (_db, store) = fresh().await;
    let add = |delta| ChangeSet {
        balances: vec![BalanceWrite::Add {
            account: shop(),
            currency: "gold".into(),
            delta,
        }],
        ..Default::default()
    };
    store.commit(add(i64::MAX - 5)).await.unwrap();
    let mut over = purchase("erin", (0, 10), 0, 0, 1);
    over.balances[0] = BalanceWrite::Set {
        account: Account::Player(player("erin")),
        currency: "gold".into(),
        expected_version: 0,
        amount: 0,
    };
    // Alone (one statement) and inside a batch.
    let e = store.commit(over.clone()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::BalanceLimit, "{e}");
    let out = store
        .commit_batch(vec![grant("frank", 0, 7), over, add(5), add(1)])
        .await;
    assert!(out[0].is_ok());
    assert_eq!(out[1].as_ref().unwrap_err().code, ErrorCode::BalanceLimit);
    assert!(out[2].is_ok());
    assert_eq!(out[3].as_ref().unwrap_err().code, ErrorCode::BalanceLimit);
    assert_eq!(
        store.balance(&shop(), "gold").await.unwrap().amount,
        i64::MAX
    );
    assert_eq!(gold(&store, "erin").await, BalanceRow::default());
    assert_eq!(gold(&store, "frank").await.amount, 7);
    assert!(store.events_after(0, 10).await.unwrap().is_empty());
    // Statement by statement (the set writes the shop's row twice): the database's own
    // overflow error, reported the same way.
    let e = store
        .commit(ChangeSet {
            balances: vec![
                BalanceWrite::Add {
                    account: shop(),
                    currency: "gold".into(),
                    delta: -1,
                },
                BalanceWrite::Add {
                    account: shop(),
                    currency: "gold".into(),
                    delta: 2,
                },
            ],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BalanceLimit, "{e}");
    assert_eq!(
        store.balance(&shop(), "gold").await.unwrap().amount,
        i64::MAX
    );
    // System accounts may go negative; players may not, even past the rules.
    store.commit(add(i64::MIN)).await.unwrap();
    assert_eq!(store.balance(&shop(), "gold").await.unwrap().amount, -1);
    let e = store.commit(grant("gina", 0, -1)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Unavailable, "{e}");
    assert_eq!(gold(&store, "gina").await, BalanceRow::default());
}

#[tokio::test]
async fn serialization_failures_and_deadlocks_are_conflicts() {
    let (db, store) = fresh().await;
    store.commit(grant("hal", 0, 100)).await.unwrap();
    store.commit(grant("ivy", 0, 100)).await.unwrap();

    // Two SERIALIZABLE transactions that read what the other writes: one fails 40001.
    let mut a = sqlx::PgConnection::connect(db.url()).await.unwrap();
    let mut b = sqlx::PgConnection::connect(db.url()).await.unwrap();
    for c in [&mut a, &mut b] {
        c.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
            .await
            .unwrap();
        c.execute("SELECT sum(amount) FROM balances").await.unwrap();
    }
    a.execute("UPDATE balances SET amount = amount + 1 WHERE account = 'player:hal'")
        .await
        .unwrap();
    b.execute("UPDATE balances SET amount = amount + 1 WHERE account = 'player:ivy'")
        .await
        .unwrap();
    a.execute("COMMIT").await.unwrap();
    let err = b.execute("COMMIT").await.unwrap_err();
    assert_eq!(map_error(err).code, ErrorCode::Conflict);

    // A deadlock between a foreign transaction and a batch of the store: the batch
    // locks its rows in key order, takes hal, then waits for ivy (locked by the
    // foreign transaction), which then waits for hal. The store's transaction is the one Postgres aborts (the foreign
    // one waits longer before checking), and every member reports CONFLICT so the
    // service retries.
    let mut foreign = sqlx::PgConnection::connect(db.url()).await.unwrap();
    foreign
        .execute("SET deadlock_timeout = '30s'")
        .await
        .unwrap();
    foreign.execute("BEGIN").await.unwrap();
    foreign
        .execute("UPDATE balances SET version = version WHERE account = 'player:ivy'")
        .await
        .unwrap();
    let store = Arc::new(store);
    let committing = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .commit_batch(vec![grant("ivy", 1, 7), grant("hal", 1, 5)])
                .await
        })
    };
    // Wait until the store's transaction waits for ivy's row.
    a_lock_is_awaited(&db).await;
    let foreign_wait = tokio::spawn(async move {
        let r = foreign
            .execute("UPDATE balances SET version = version WHERE account = 'player:hal'")
            .await;
        let _ = foreign.execute("ROLLBACK").await;
        r.map(|_| ())
    });
    let outcomes = tokio::time::timeout(Duration::from_secs(20), committing)
        .await
        .expect("the deadlock is detected")
        .unwrap();
    assert_eq!(outcomes.len(), 2);
    for outcome in outcomes {
        assert_eq!(outcome.unwrap_err().code, ErrorCode::Conflict);
    }
    foreign_wait.await.unwrap().unwrap();
    // Nothing of the refused batch applied; the retry does.
    assert_eq!(gold(&store, "hal").await.amount, 101);
    assert_eq!(gold(&store, "ivy").await.amount, 100);
    store.commit(grant("hal", 1, 5)).await.unwrap();
    assert_eq!(
        gold(&store, "hal").await,
        BalanceRow {
            amount: 5,
            version: 2
        }
    );
}

/// A change set appending one event (and crediting the shop, a hot system row).
fn one_event(kind: &str, p: &str) -> ChangeSet {
    ChangeSet {
        events: vec![event(kind, &[p])],
        balances: vec![BalanceWrite::Add {
            account: shop(),
            currency: "gold".into(),
            delta: 1,
        }],
        ..Default::default()
    }
}

/// A writer of another host that has appended an event (of kind `kind`, for player
/// `b`) with the store's own `seq` and not yet committed: its connection, in the open
/// transaction, and the `seq`.
async fn open_writer(db: &TestDatabase, kind: &str) -> (sqlx::PgConnection, i64) {
    let mut conn = sqlx::PgConnection::connect(db.url()).await.unwrap();
    conn.execute("BEGIN").await.unwrap();
    let seq = sqlx::query_scalar(&format!(
        "INSERT INTO events (seq, id, kind, at, players, payload) \
         VALUES ({} + 0, $1, $1, 0, ARRAY['b'], 'null') RETURNING seq",
        guildhall_adapters::postgres::SEQ_OF_WRITER
    ))
    .bind(kind)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    (conn, seq)
}

#[tokio::test]
async fn a_reader_resuming_after_seq_n_never_misses_a_smaller_seq_committed_later() {
    let (db, store) = fresh().await;
    let before = store.commit(one_event("before", "a")).await.unwrap().events[0].seq;
    // A writer of another host that has drawn its seq and not yet committed: the same
    // insert the store uses, in a transaction held open.
    let (mut late, late_seq) = open_writer(&db, "late").await;
    // A second writer draws a larger seq and commits first.
    let early = store.commit(one_event("early", "c")).await.unwrap().events[0].seq;
    assert!(
        before < late_seq && late_seq < early,
        "{before} {late_seq} {early}"
    );
    // Without the horizon a reader would see `early` now and resume past `late_seq`.
    let mut raw = sqlx::PgConnection::connect(db.url()).await.unwrap();
    let visible: Vec<i64> =
        sqlx::query_scalar("SELECT seq FROM events WHERE seq > $1 ORDER BY seq")
            .bind(before)
            .fetch_all(&mut raw)
            .await
            .unwrap();
    assert_eq!(
        visible,
        vec![early],
        "the hazard is real: the larger seq is visible first"
    );
    // The store's reader does not hand `early` out while `late` may still commit below it
    // (it waits its bounded while, then returns the safe part: nothing).
    assert!(store.events_after(before, 10).await.unwrap().is_empty());
    assert!(store
        .player_events_after(&player("c"), before, 10)
        .await
        .unwrap()
        .is_empty());
    // The late writer commits; a reader resuming after `before` gets both, in order.
    late.execute("COMMIT").await.unwrap();
    let kinds: Vec<(i64, String)> = store
        .events_after(before, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.seq, e.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![(late_seq, "late".to_string()), (early, "early".to_string())]
    );
    // A rolled-back writer leaves a gap and holds back nothing after it ends.
    let (mut gone, _) = open_writer(&db, "gone").await;
    let after = store.commit(one_event("after", "a")).await.unwrap().events[0].seq;
    gone.execute("ROLLBACK").await.unwrap();
    let next: Vec<i64> = store
        .events_after(early, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(next, vec![after]);
}

/// A stored broadcast body (the store keeps the whole broadcast as JSON).
fn broadcast_body(id: &str) -> String {
    json!({
        "seq": 0, "id": id, "sender": { "kind": "system" }, "subject": "s", "body": "b",
        "attachments": {}, "sent_at": "2025-03-01T12:00:00Z", "expires_at": null,
        "recipients": null
    })
    .to_string()
}

#[tokio::test]
async fn broadcasts_follow_the_same_horizon() {
    let (db, store) = fresh().await;
    let insert = format!(
        "INSERT INTO broadcasts (seq, id, body) VALUES ({} + 0, $1, $2) RETURNING seq",
        guildhall_adapters::postgres::SEQ_OF_WRITER
    );
    let mut late = sqlx::PgConnection::connect(db.url()).await.unwrap();
    late.execute("BEGIN").await.unwrap();
    let late_seq: i64 = sqlx::query_scalar(&insert)
        .bind("late")
        .bind(broadcast_body("late"))
        .fetch_one(&mut late)
        .await
        .unwrap();
    let mut raw = sqlx::PgConnection::connect(db.url()).await.unwrap();
    let early: i64 = sqlx::query_scalar(&insert)
        .bind("early")
        .bind(broadcast_body("early"))
        .fetch_one(&mut raw)
        .await
        .unwrap();
    assert!(late_seq < early);
    assert!(store.broadcasts_after(0, 10).await.unwrap().is_empty());
    late.execute("COMMIT").await.unwrap();
    let seen: Vec<(i64, String)> = store
        .broadcasts_after(0, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|b| (b.seq, b.id))
        .collect();
    assert_eq!(
        seen,
        vec![(late_seq, "late".to_string()), (early, "early".to_string())]
    );
}

#[tokio::test]
async fn opposite_transfers_on_two_stores_never_deadlock() {
    // Two stores (two hosts) write the same two balances in opposite orders, many
    // times at once: without an order of locks they deadlock (Postgres then aborts one
    // after a second); with rows locked in key order they only wait or conflict.
    let (db, store) = fresh().await;
    store.commit(grant("hal", 0, 1_000)).await.unwrap();
    store.commit(grant("ivy", 0, 1_000)).await.unwrap();
    let stores = [
        Arc::new(store),
        Arc::new(PostgresStore::connect(db.url()).await.unwrap()),
    ];
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let s = stores[t % 2].clone();
            tokio::spawn(async move {
                let (from, to) = if t % 2 == 0 {
                    ("hal", "ivy")
                } else {
                    ("ivy", "hal")
                };
                let (mut done, mut deadlocks) = (0, 0);
                while done < 20 {
                    let (a, b) = (gold(&s, from).await, gold(&s, to).await);
                    let cs = ChangeSet {
                        balances: vec![
                            BalanceWrite::Set {
                                account: Account::Player(player(from)),
                                currency: "gold".into(),
                                expected_version: a.version,
                                amount: a.amount - 1,
                            },
                            BalanceWrite::Set {
                                account: Account::Player(player(to)),
                                currency: "gold".into(),
                                expected_version: b.version,
                                amount: b.amount + 1,
                            },
                        ],
                        ..Default::default()
                    };
                    match s.commit(cs).await {
                        Ok(_) => done += 1,
                        Err(e) if e.message.contains("deadlock") => deadlocks += 1,
                        Err(e) => assert_eq!(e.code, ErrorCode::Conflict, "{e:?}"),
                    }
                }
                deadlocks
            })
        })
        .collect();
    let mut deadlocks = 0;
    for t in tasks {
        deadlocks += tokio::time::timeout(Duration::from_secs(60), t)
            .await
            .expect("the transfers finish")
            .unwrap();
    }
    assert_eq!(deadlocks, 0);
    let total = gold(&stores[0], "hal").await.amount + gold(&stores[0], "ivy").await.amount;
    assert_eq!(total, 2_000);
}

#[tokio::test]
async fn writers_of_two_stores_run_at_once() {
    // Two stores (two hosts) each hold a writing transaction open at the same moment:
    // the second commits while the first still waits, which one commit lock for all
    // writers would forbid.
    let (db, store) = fresh().await;
    let other = PostgresStore::connect(db.url()).await.unwrap();
    store.commit(grant("hal", 0, 100)).await.unwrap();
    let mut foreign = sqlx::PgConnection::connect(db.url()).await.unwrap();
    foreign.execute("BEGIN").await.unwrap();
    foreign
        .execute("UPDATE balances SET version = version WHERE account = 'player:hal'")
        .await
        .unwrap();
    let store = Arc::new(store);
    let blocked = {
        let store = store.clone();
        tokio::spawn(async move { store.commit(grant("hal", 1, 5)).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !blocked.is_finished(),
        "the first writer waits for hal's row"
    );
    // Meanwhile the other store commits a purchase-like change set (events and a shop
    // increment) without waiting.
    tokio::time::timeout(Duration::from_secs(5), other.commit(one_event("x", "kim")))
        .await
        .expect("a second writer is not held up by the first")
        .unwrap();
    foreign.execute("ROLLBACK").await.unwrap();
    blocked.await.unwrap().unwrap();
    assert_eq!(gold(&store, "hal").await.amount, 5);
    assert_eq!(store.balance(&shop(), "gold").await.unwrap().amount, 1);
}

#[tokio::test]
async fn seqs_follow_commit_order_across_stores() {
    let (db, store) = fresh().await;
    let other = Arc::new(PostgresStore::connect(db.url()).await.unwrap());
    let store = Arc::new(store);
    // Many writers on two stores (two "hosts"), with a reader following the outbox:
    // the reader must see every event exactly once, in seq order, never skipping one
    // that commits later with a smaller seq.
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let s = if w % 2 == 0 {
                store.clone()
            } else {
                other.clone()
            };
            tokio::spawn(async move {
                for i in 0..25 {
                    let p = format!("w{w}");
                    let cs = ChangeSet {
                        events: vec![event("e", &[&p]), event("f", &[&p])],
                        balances: vec![BalanceWrite::Add {
                            account: shop(),
                            currency: "gold".into(),
                            delta: 1,
                        }],
                        ..Default::default()
                    };
                    let out = s.commit_batch(vec![cs.clone(), cs]).await;
                    assert!(out.iter().all(Result::is_ok), "{i}: {out:?}");
                }
            })
        })
        .collect();
    let reader = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut cursor = 0;
            while seen.len() < 8 * 25 * 4 {
                let page = store.events_after(cursor, 37).await.unwrap();
                for e in page {
                    assert!(e.seq > cursor);
                    cursor = e.seq;
                    seen.push(e.id);
                }
                tokio::task::yield_now().await;
            }
            seen
        })
    };
    for w in writers {
        w.await.unwrap();
    }
    let seen = tokio::time::timeout(Duration::from_secs(60), reader)
        .await
        .expect("reader finishes")
        .unwrap();
    let all: Vec<String> = store
        .events_after(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(
        seen, all,
        "the following reader saw every event once, in order"
    );
    assert_eq!(store.balance(&shop(), "gold").await.unwrap().amount, 400);
}

#[tokio::test]
async fn docs_list_by_prefix_with_tricky_ids() {
    let (_db, store) = fresh().await;
    let ids = [
        "a",
        "a%",
        "a%b",
        "a_",
        "a_b",
        "ab",
        "a'b",
        "a\"b",
        "a\\b",
        "b",
        "a\u{10FFFF}",
        "a\u{10FFFF}x",
        "é",
        "éa",
        "%",
        "_",
    ];
    let docs = ids
        .iter()
        .map(|id| DocWrite {
            kind: "k".into(),
            id: (*id).into(),
            expected_version: 0,
            body: Some(json!({ "id": id })),
        })
        .chain(std::iter::once(DocWrite {
            kind: "other".into(),
            id: "a%".into(),
            expected_version: 0,
            body: Some(json!(0)),
        }))
        .collect();
    store
        .commit(ChangeSet {
            docs,
            ..Default::default()
        })
        .await
        .unwrap();
    let list = |prefix: &'static str, limit| {
        let store = &store;
        async move {
            store
                .docs("k", prefix, limit)
                .await
                .unwrap()
                .into_iter()
                .map(|d| d.id)
                .collect::<Vec<_>>()
        }
    };
    let expect = |prefix: &str, limit: usize| {
        let mut v: Vec<String> = ids
            .iter()
            .filter(|id| id.starts_with(prefix))
            .map(|s| s.to_string())
            .collect();
        v.sort();
        v.truncate(limit);
        v
    };
    for prefix in [
        "",
        "a",
        "a%",
        "a_",
        "a'",
        "a\"",
        "a\\",
        "%",
        "_",
        "é",
        "a\u{10FFFF}",
        "z",
    ] {
        assert_eq!(
            list(prefix, 100).await,
            expect(prefix, 100),
            "prefix {prefix:?}"
        );
    }
    assert_eq!(list("a", 3).await, expect("a", 3));
    assert_eq!(store.docs("other", "a", 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn player_events_after_finds_a_players_events() {
    let (_db, store) = fresh().await;
    let mut seqs = Vec::new();
    for players in [
        &["jo"][..],
        &["kim", "jo"],
        &["kim"],
        &[],
        &["jo%"],
        &["jo"],
    ] {
        let cs = store
            .commit(ChangeSet {
                events: vec![event("e", players)],
                ..Default::default()
            })
            .await
            .unwrap();
        seqs.push(cs.events[0].seq);
    }
    let of = |p: &'static str, after, limit| {
        let store = &store;
        async move {
            store
                .player_events_after(&player(p), after, limit)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.seq)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(of("jo", 0, 10).await, vec![seqs[0], seqs[1], seqs[5]]);
    assert_eq!(of("jo", seqs[0], 10).await, vec![seqs[1], seqs[5]]);
    assert_eq!(of("jo", 0, 2).await, vec![seqs[0], seqs[1]]);
    assert_eq!(of("kim", 0, 10).await, vec![seqs[1], seqs[2]]);
    assert_eq!(of("jo%", 0, 10).await, vec![seqs[4]]);
    assert!(of("nobody", 0, 10).await.is_empty());
    let e = store
        .player_events_after(&player("kim"), 0, 10)
        .await
        .unwrap();
    assert_eq!(e[0].players, vec![player("kim"), player("jo")]);
}

#[tokio::test]
async fn prune_removes_old_events_records_and_counters() {
    let (_db, store) = fresh().await;
    let mut old = event("old", &["x"]);
    old.at = at() - chrono::Duration::days(10);
    store
        .commit(ChangeSet {
            events: vec![old, event("new", &["x"])],
            idempotency: Some(IdempotencyRecord {
                scope: "s".into(),
                key: "k".into(),
                fingerprint: "f".into(),
                result: json!(null),
                created_at: at() - chrono::Duration::days(2),
            }),
            counters: vec![guildhall_core::ports::CounterWrite {
                key: "c".into(),
                expected_version: 0,
                count: 3,
                expires_at: at() - chrono::Duration::days(8),
            }],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(store.counter("c").await.unwrap().count, 3);
    let (events, records) = store
        .prune(
            at() - chrono::Duration::days(7),
            at() - chrono::Duration::days(1),
        )
        .await
        .unwrap();
    assert_eq!((events, records), (1, 1));
    assert_eq!(store.events_after(0, 10).await.unwrap().len(), 1);
    assert_eq!(store.counter("c").await.unwrap().version, 0);
}

#[tokio::test]
async fn history_pages_newest_first() {
    let (_db, store) = fresh().await;
    store.commit(grant("lu", 0, 1000)).await.unwrap();
    for v in 1..=5 {
        store
            .commit(purchase("lu", (v, 10), 1000 - 10 * v, v - 1, v))
            .await
            .unwrap();
    }
    let page = |before_seq, limit| HistoryQuery {
        account: Account::Player(player("lu")),
        currency: Some("gold".into()),
        kind: Some(EntryKind::Purchase),
        before_seq,
        limit,
    };
    let first = store.history(&page(None, 3)).await.unwrap();
    assert_eq!(first.len(), 3);
    assert!(first.windows(2).all(|w| w[0].seq > w[1].seq));
    let second = store.history(&page(Some(first[2].seq), 3)).await.unwrap();
    assert_eq!(second.len(), 2);
    assert!(second[0].seq < first[2].seq);
    assert!(store
        .history(&HistoryQuery {
            kind: Some(EntryKind::Grant),
            ..page(None, 3)
        })
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn concurrent_point_reads_share_statements_and_each_gets_its_own_rows() {
    let (_db, store) = fresh().await;
    let store = Arc::new(store);
    let players: Vec<String> = (0..24).map(|i| format!("reader-{i}")).collect();
    let mut setup = ChangeSet {
        catalog: vec![potion()],
        docs: (0..40)
            .map(|i| DocWrite {
                kind: "k".into(),
                id: format!("d{i}"),
                expected_version: 0,
                body: Some(json!({ "n": i })),
            })
            .collect(),
        ..Default::default()
    };
    // Even players hold gold and a potion, odd ones nothing.
    for p in players.iter().step_by(2) {
        setup.balances.push(BalanceWrite::Set {
            account: Account::Player(player(p)),
            currency: "gold".into(),
            expected_version: 0,
            amount: 100,
        });
        setup.items.push(ItemWrite {
            player: player(p),
            item_id: "potion".into(),
            expected_version: 0,
            quantity: 3,
            acquired_at: at(),
        });
    }
    store.commit(setup).await.unwrap();
    // The answers of reads made one at a time (each a statement of its own).
    let mut alone = Vec::new();
    for p in &players {
        for item in ["potion", "no-such-item"] {
            let rows = store.purchase_rows(&player(p), item).await.unwrap();
            let (it, held) = store.item_rows(&player(p), item).await.unwrap();
            alone.push((p.clone(), item, rows, it, held));
        }
    }
    assert_eq!(alone[0].2.balance.amount, 100);
    assert_eq!(alone[0].2.held.as_ref().map(|h| h.quantity), Some(3));
    assert!(alone[2].2.held.is_none() && alone[2].2.balance.version == 0);
    let before = store.gathered_reads();
    let mut tasks = tokio::task::JoinSet::new();
    for round in 0..4 {
        for i in 0..50 {
            let s = store.clone();
            // Ids d0..d49: the last ten do not exist.
            tasks.spawn(async move {
                let doc = s.doc("k", &format!("d{i}")).await.unwrap();
                match doc {
                    Some(d) => assert!(i < 40 && d.version == 1 && d.body == json!({ "n": i })),
                    None => assert!(i >= 40, "d{i} missing (round {round})"),
                }
            });
        }
        for (p, item, rows, it, held) in alone.clone() {
            let s = store.clone();
            tasks.spawn(async move {
                assert_eq!(s.purchase_rows(&player(&p), item).await.unwrap(), rows);
                assert_eq!(s.item_rows(&player(&p), item).await.unwrap(), (it, held));
            });
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let (reads, statements) = store.gathered_reads();
    let (reads, statements) = (reads - before.0, statements - before.1);
    assert_eq!(reads, 4 * (50 + 2 * alone.len() as u64));
    assert!(
        statements < reads,
        "{reads} concurrent reads went out in {statements} statements: none were gathered"
    );
}

/// Purchases committed at once from many tasks share the credit lane's transactions:
/// each commits exactly once, in a transaction with others, and the shop's balance is
/// their sum.
#[tokio::test]
async fn concurrent_credits_share_the_lane_and_each_commits_once() {
    let (_db, store) = fresh().await;
    let store = Arc::new(store);
    let n = 200u64;
    for i in 0..n {
        store
            .commit(grant(&format!("buyer-{i}"), 0, 100))
            .await
            .unwrap();
    }
    let before = store.credit_lane();
    let single_before = store.credit_lane_single_calls();
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .commit(purchase(&format!("buyer-{i}"), (1, 10), 90, 0, 1))
                    .await
            })
        })
        .collect();
    for t in tasks {
        let done = t.await.unwrap().unwrap();
        assert!(done.ledger[0].seq > 0 && done.events[0].seq > 0);
    }
    let after = store.credit_lane();
    let (sets, transactions) = (after.0 - before.0, after.1 - before.1);
    assert_eq!(sets, n);
    // Purchases alone: every turn of the lane commits in one call.
    assert_eq!(
        store.credit_lane_single_calls() - single_before,
        transactions
    );
    assert!(
        transactions < sets,
        "{transactions} transactions for {sets} sets"
    );
    assert_eq!(
        store.balance(&shop(), "gold").await.unwrap().amount,
        10 * n as i64
    );
    for i in [0, n / 2, n - 1] {
        assert_eq!(
            gold(&store, &format!("buyer-{i}")).await,
            BalanceRow {
                amount: 90,
                version: 2
            }
        );
    }
    // A repeat of a committed purchase changes nothing: its versions moved.
    let again = store.commit(purchase("buyer-0", (1, 10), 90, 0, 1)).await;
    assert_eq!(again.unwrap_err().code, ErrorCode::Conflict);
    assert_eq!(
        store.balance(&shop(), "gold").await.unwrap().amount,
        10 * n as i64
    );
    // The ledger agrees: the shop's net is the purchases' sum.
    let net = shop_net(&store).await;
    assert_eq!(net, Some(10 * i128::from(n as u32)));
}

/// A turn of the credit lane whose one call fails in the database (here a CHECK
/// constraint: a player's balance below zero) leaves nothing of any of its sets; they
/// are then committed in a transaction, where the failing set is refused alone and the
/// others commit once, with the shop credited for them only.
#[tokio::test]
async fn a_lane_call_that_fails_in_the_database_leaves_nothing_and_the_others_commit() {
    let (_db, store) = fresh().await;
    for p in ["fay", "gus", "hal"] {
        store.commit(grant(p, 0, 100)).await.unwrap();
    }
    let single_before = store.credit_lane_single_calls();
    let out = store
        .commit_batch(vec![
            purchase("fay", (1, 10), 90, 0, 1),
            // The guards hold, but the balance breaks the floor of a player's account.
            purchase("gus", (1, 10), -5, 0, 1),
            purchase("hal", (1, 10), 90, 0, 1),
        ])
        .await;
    assert!(out[0].is_ok() && out[2].is_ok(), "{out:?}");
    assert!(out[1].is_err(), "{out:?}");
    assert_eq!(store.credit_lane_single_calls(), single_before);
    for p in ["fay", "hal"] {
        let row = gold(&store, p).await;
        assert_eq!((row.amount, row.version), (90, 2));
    }
    let row = gold(&store, "gus").await;
    assert_eq!((row.amount, row.version), (100, 1));
    assert_eq!(store.balance(&shop(), "gold").await.unwrap().amount, 20);
    let events = store.events_after(0, 100).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(
        committed_seqs(&out),
        events.iter().map(|e| e.seq).collect::<Vec<_>>()
    );
    let net = shop_net(&store).await;
    assert_eq!(net, Some(20));
    // The same sets again: the two committed are refused by their moved versions, the
    // third now within the floor commits, in one call.
    let out = store
        .commit_batch(vec![
            purchase("fay", (1, 10), 90, 0, 1),
            purchase("gus", (1, 10), 90, 0, 1),
            purchase("hal", (1, 10), 90, 0, 1),
        ])
        .await;
    assert_eq!(out[0].as_ref().unwrap_err().code, ErrorCode::Conflict);
    assert!(out[1].is_ok(), "{out:?}");
    assert_eq!(out[2].as_ref().unwrap_err().code, ErrorCode::Conflict);
    assert_eq!(store.credit_lane_single_calls(), single_before + 1);
    assert_eq!(store.balance(&shop(), "gold").await.unwrap().amount, 30);
    let row = gold(&store, "gus").await;
    assert_eq!((row.amount, row.version), (90, 2));
}
