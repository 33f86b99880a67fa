//! The store conformance suite: every case runs once per store kind (`memory::case`,
//! `sqlite::case`, `postgres::case`); `GUILDHALL_TEST_STORES` selects which kinds run
//! (see the `guildhall_tests` harness). A case is an `async fn(Fixture)` that drives the
//! [`Guildhall`](guildhall_core::Guildhall) service and checks what it answers and what
//! the store then holds.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use guildhall_core::economy::{BalanceChangeResult, TransferResult};
use guildhall_core::inventory::PurchaseResult;
use guildhall_core::types::{
    Balance, CatalogItem, EntryKind, Event, InventoryEntry, ItemKind, LedgerEntry, PlayerId, Price,
};
use guildhall_core::{ErrorCode, HistoryFilter, PopularItemsQuery, RevenueQuery};
use guildhall_tests::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

macro_rules! cases_for_store {
    ($module:ident, $kind:expr, [$($case:ident),* $(,)?]) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    guildhall_tests::run_case($kind, stringify!($case), super::$case).await;
                }
            )*
        }
    };
}

/// Generates one test per (case, store kind).
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        cases_for_store!(memory, guildhall_tests::StoreKind::Memory, [$($case),*]);
        cases_for_store!(sqlite, guildhall_tests::StoreKind::Sqlite, [$($case),*]);
        cases_for_store!(postgres, guildhall_tests::StoreKind::Postgres, [$($case),*]);
    };
}

conformance!(
    grant_credits_player_with_ledger_entry_and_event,
    spend_debits_player_to_sink,
    transfer_moves_both_sides_in_one_entry,
    insufficient_funds_changes_nothing,
    balance_limit_and_overflow_change_nothing,
    system_account_overflow_is_refused_and_changes_nothing,
    invalid_arguments_change_nothing,
    player_ids_and_key_lengths_are_validated,
    purchase_consumable_debits_and_stacks,
    durable_is_bought_once,
    stack_limit_is_enforced,
    unpriced_inactive_and_unknown_items_are_not_sold,
    use_item_rules_and_used_up_stacks_disappear,
    grant_item_rules,
    unknown_player_has_empty_state,
    idempotent_replay_for_every_operation,
    idempotency_keys_are_scoped_per_caller_and_operation,
    idempotency_records_from_before_caller_scopes_still_replay,
    failed_call_does_not_consume_its_key,
    donation_webhook_credits_once,
    history_newest_first_with_cursor_pages_and_filters,
    history_cursor_is_stable_under_new_writes,
    history_rejects_bad_cursor_and_limit,
    ledger_balances_sum_to_zero_and_match_history,
    popular_items_over_time_window,
    revenue_per_day_in_reset_timezone,
    analytics_defaults_come_from_the_core_clock,
    events_after_pages_in_commit_order,
    every_event_names_its_transaction,
    live_events_match_the_outbox,
    prune_removes_only_expired_events_and_keys,
    catalog_upsert_validation_and_replace,
    set_catalog_item_active_toggles_sale,
    concurrent_same_key_grants_credit_once,
    concurrent_same_key_different_requests_execute_one,
    failing_commit_does_not_fail_concurrent_calls,
    concurrent_spends_never_overdraw,
    concurrent_durable_purchases_charge_once,
    concurrent_random_operations_keep_every_invariant,
    two_services_over_one_database_share_state,
);

/// Asserts `$call` fails with `$code` and that the state of `$players` and the store is
/// what `$before` captured. Evaluates to the error.
macro_rules! refused {
    ($fx:expr, $before:expr, $players:expr, $code:expr, $what:expr, $call:expr) => {{
        let err = expect_code($call.await, $code);
        $fx.assert_unchanged(&$before, $players, $what).await;
        err
    }};
}

/// A popular-items query with every field given.
fn pq(from: DateTime<Utc>, to: DateTime<Utc>, limit: u32) -> PopularItemsQuery {
    PopularItemsQuery {
        from: Some(from),
        to: Some(to),
        limit: Some(limit),
    }
}

/// A revenue query with both days given.
fn rq(from: NaiveDate, to: NaiveDate) -> RevenueQuery {
    RevenueQuery {
        from: Some(from),
        to: Some(to),
    }
}

fn wallet_of(gold: i64, gems: i64) -> Vec<Balance> {
    vec![
        Balance {
            currency: "gold".into(),
            amount: gold,
        },
        Balance {
            currency: "gems".into(),
            amount: gems,
        },
    ]
}

#[track_caller]
fn assert_payload(event: &Event, fields: &[(&str, Value)]) {
    for (name, want) in fields {
        assert_eq!(
            &event.payload[*name], want,
            "event {} payload field '{name}' (payload {})",
            event.kind, event.payload
        );
    }
}

fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

// ----- Economy happy paths -----

async fn grant_credits_player_with_ledger_entry_and_event(fx: Fixture) {
    let alice = pid("alice");
    let t0 = fx.now();
    let mut req = grant("alice", "gold", 100);
    req.source = Some("donations".into());
    req.reason = Some("donation".into());
    req.metadata = json!({ "order": 7 });
    let r = fx.gh.grant(req).await.expect("grant");
    assert_eq!(
        (
            &r.player,
            r.currency.as_str(),
            r.amount,
            r.balance,
            r.replayed
        ),
        (&alice, "gold", 100, 100, false)
    );
    assert!(!r.transaction_id.is_empty());
    assert_eq!(
        fx.gh.wallet(&alice).await.unwrap().balances,
        wallet_of(100, 0)
    );
    assert_eq!(fx.gh.balance(&alice, "gold").await.unwrap(), 100);

    let h = fx.full_history(&alice).await;
    assert_eq!(h.len(), 1);
    let e = &h[0];
    assert!(e.seq > 0 && !e.id.is_empty());
    assert_eq!(e.transaction_id, r.transaction_id);
    assert_eq!(e.kind, EntryKind::Grant);
    assert_eq!(e.currency, "gold");
    assert_eq!(e.debit, system_account("donations"));
    assert_eq!(e.credit, player_account("alice"));
    assert_eq!(e.amount, 100);
    assert_eq!(e.reason, "donation");
    assert_eq!(e.metadata, json!({ "order": 7 }));
    assert_eq!(e.at, t0, "ledger time is the clock's, to the microsecond");
    assert_eq!(e.day, t0.date_naive());
    assert_eq!((e.item_id.as_deref(), e.quantity), (None, None));

    let events = fx.all_events().await;
    assert_eq!(events.len(), 1);
    let ev = &events[0];
    assert_eq!(ev.kind, "currency_granted");
    assert_eq!(ev.players, vec![alice.clone()]);
    assert_eq!(ev.at, t0);
    assert!(ev.seq > 0 && !ev.id.is_empty());
    assert_payload(
        ev,
        &[
            ("player", json!("alice")),
            ("currency", json!("gold")),
            ("amount", json!(100)),
            ("balance", json!(100)),
            ("source", json!("system:donations")),
            ("reason", json!("donation")),
            ("transaction_id", json!(r.transaction_id)),
        ],
    );

    // Defaults: source `rewards`, reason `grant`.
    fx.clock.advance_secs(5);
    let r2 = fx
        .gh
        .grant(grant("alice", "gold", 50))
        .await
        .expect("second grant");
    assert_eq!(r2.balance, 150);
    assert_ne!(r2.transaction_id, r.transaction_id);
    let h = fx.full_history(&alice).await;
    assert_eq!(h.len(), 2);
    assert!(h[0].seq > h[1].seq, "newest first");
    assert_eq!(h[0].transaction_id, r2.transaction_id);
    assert_eq!(h[0].debit, system_account("rewards"));
    assert_eq!(h[0].reason, "grant");
    assert_eq!(h[0].metadata, Value::Null);
    assert_eq!(h[0].at, t0 + secs(5));
    let events = fx.all_events().await;
    assert_eq!(events.len(), 2);
    assert!(events[1].seq > events[0].seq);
    assert_payload(
        &events[1],
        &[
            ("source", json!("system:rewards")),
            ("reason", json!("grant")),
            ("balance", json!(150)),
        ],
    );

    assert_eq!(
        fx.account_balance(&system_account("donations"), "gold")
            .await,
        -100
    );
    assert_eq!(
        fx.account_balance(&system_account("rewards"), "gold").await,
        -50
    );
    fx.assert_ledger_ok().await;
}

async fn spend_debits_player_to_sink(fx: Fixture) {
    let alice = pid("alice");
    fx.gh.grant(grant("alice", "gold", 100)).await.unwrap();
    fx.clock.advance_secs(1);
    let mut req = spend("alice", "gold", 30);
    req.sink = Some("arena".into());
    req.reason = Some("entry_fee".into());
    req.metadata = json!({ "match": "m-1" });
    let r = fx.gh.spend(req).await.expect("spend");
    assert_eq!((r.amount, r.balance, r.replayed), (30, 70, false));
    let h = fx.full_history(&alice).await;
    assert_eq!(h.len(), 2);
    let e = &h[0];
    assert_eq!(e.kind, EntryKind::Spend);
    assert_eq!(e.transaction_id, r.transaction_id);
    assert_eq!(e.debit, player_account("alice"));
    assert_eq!(e.credit, system_account("arena"));
    assert_eq!(
        (e.amount, e.currency.as_str(), e.reason.as_str()),
        (30, "gold", "entry_fee")
    );
    assert_eq!(e.metadata, json!({ "match": "m-1" }));
    assert_eq!(e.at, fx.now());
    let events = fx.all_events().await;
    let ev = events.last().unwrap();
    assert_eq!(ev.kind, "currency_spent");
    assert_eq!(ev.players, vec![alice.clone()]);
    assert_payload(
        ev,
        &[
            ("player", json!("alice")),
            ("currency", json!("gold")),
            ("amount", json!(30)),
            ("balance", json!(70)),
            ("sink", json!("system:arena")),
            ("reason", json!("entry_fee")),
            ("transaction_id", json!(r.transaction_id)),
        ],
    );

    // Defaults: sink `sink`, reason `spend`; spending the whole balance is allowed.
    let r = fx
        .gh
        .spend(spend("alice", "gold", 70))
        .await
        .expect("spend all");
    assert_eq!(r.balance, 0);
    let h = fx.full_history(&alice).await;
    assert_eq!(
        (h[0].credit.clone(), h[0].reason.as_str()),
        (system_account("sink"), "spend")
    );
    assert_eq!(
        fx.gh.wallet(&alice).await.unwrap().balances,
        wallet_of(0, 0)
    );
    assert_eq!(
        fx.account_balance(&system_account("arena"), "gold").await,
        30
    );
    assert_eq!(
        fx.account_balance(&system_account("sink"), "gold").await,
        70
    );
    fx.assert_ledger_ok().await;
}

async fn transfer_moves_both_sides_in_one_entry(fx: Fixture) {
    let (alice, bob) = (pid("alice"), pid("bob"));
    fx.gh.grant(grant("alice", "gold", 100)).await.unwrap();
    fx.gh.grant(grant("alice", "gems", 10)).await.unwrap();
    let mut req = transfer("alice", "bob", "gold", 40);
    req.reason = Some("gift".into());
    req.metadata = json!({ "note": "gg" });
    let r = fx.gh.transfer(req).await.expect("transfer");
    assert_eq!(
        (
            &r.from,
            &r.to,
            r.amount,
            r.from_balance,
            r.to_balance,
            r.replayed
        ),
        (&alice, &bob, 40, 60, 40, false)
    );
    assert_eq!(
        fx.gh.wallet(&alice).await.unwrap().balances,
        wallet_of(60, 10)
    );
    assert_eq!(fx.gh.wallet(&bob).await.unwrap().balances, wallet_of(40, 0));

    let ha = fx.full_history(&alice).await;
    let hb = fx.full_history(&bob).await;
    assert_eq!(hb.len(), 1, "the receiver sees the transfer");
    assert_eq!(ha[0], hb[0], "one entry, seen by both players");
    let e = &hb[0];
    assert_eq!(e.kind, EntryKind::Transfer);
    assert_eq!(e.transaction_id, r.transaction_id);
    assert_eq!(
        (e.debit.clone(), e.credit.clone()),
        (player_account("alice"), player_account("bob"))
    );
    assert_eq!(
        (e.amount, e.currency.as_str(), e.reason.as_str()),
        (40, "gold", "gift")
    );
    assert_eq!(e.metadata, json!({ "note": "gg" }));

    let ev = fx.all_events().await.pop().unwrap();
    assert_eq!(ev.kind, "currency_transferred");
    assert_eq!(ev.players, vec![alice.clone(), bob.clone()]);
    assert_payload(
        &ev,
        &[
            ("from", json!("alice")),
            ("to", json!("bob")),
            ("currency", json!("gold")),
            ("amount", json!(40)),
            ("from_balance", json!(60)),
            ("to_balance", json!(40)),
            ("reason", json!("gift")),
            ("transaction_id", json!(r.transaction_id)),
        ],
    );

    // Gems, default reason; the receiver can send it back.
    let r = fx
        .gh
        .transfer(transfer("alice", "bob", "gems", 10))
        .await
        .unwrap();
    assert_eq!((r.from_balance, r.to_balance), (0, 10));
    assert_eq!(fx.full_history(&bob).await[0].reason, "transfer");
    let r = fx
        .gh
        .transfer(transfer("bob", "alice", "gold", 40))
        .await
        .unwrap();
    assert_eq!((r.from_balance, r.to_balance), (0, 100));
    assert_eq!(
        fx.gh.wallet(&alice).await.unwrap().balances,
        wallet_of(100, 0)
    );
    assert_eq!(fx.gh.wallet(&bob).await.unwrap().balances, wallet_of(0, 10));
    fx.assert_ledger_ok().await;
}

// ----- Refusals leave no trace -----

async fn insufficient_funds_changes_nothing(fx: Fixture) {
    let (alice, bob) = (pid("alice"), pid("bob"));
    fx.gh.grant(grant("alice", "gold", 50)).await.unwrap();
    fx.gh.grant(grant("alice", "gems", 10)).await.unwrap();
    let players = [&alice, &bob];
    let before = fx.snapshot(&players).await;

    let e = refused!(
        fx,
        before,
        &players,
        ErrorCode::InsufficientFunds,
        "spend over balance",
        fx.gh.spend(spend("alice", "gold", 51))
    );
    assert_eq!(e.details["balance"], json!(50));
    assert_eq!(e.details["required"], json!(51));
    assert_eq!(e.details["currency"], json!("gold"));
    refused!(
        fx,
        before,
        &players,
        ErrorCode::InsufficientFunds,
        "transfer over balance",
        fx.gh.transfer(transfer("alice", "bob", "gold", 51))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::InsufficientFunds,
        "gems transfer over balance",
        fx.gh.transfer(transfer("alice", "bob", "gems", 11))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::InsufficientFunds,
        "spend by empty wallet",
        fx.gh.spend(spend("bob", "gold", 1))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::InsufficientFunds,
        "transfer from empty wallet",
        fx.gh.transfer(transfer("bob", "alice", "gold", 1))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::InsufficientFunds,
        "purchase over balance",
        fx.gh.purchase(purchase("alice", "potion", 6))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::InsufficientFunds,
        "gems purchase over balance",
        fx.gh.purchase(purchase("alice", "elixir", 4))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::InsufficientFunds,
        "durable purchase over balance",
        fx.gh.purchase(purchase("bob", "sword", 1))
    );

    // Exactly the balance is fine.
    assert_eq!(
        fx.gh
            .purchase(purchase("alice", "potion", 5))
            .await
            .unwrap()
            .balance,
        0
    );
    assert_eq!(
        fx.gh
            .spend(spend("alice", "gems", 10))
            .await
            .unwrap()
            .balance,
        0
    );
    fx.assert_ledger_ok().await;
}

async fn balance_limit_and_overflow_change_nothing(fx: Fixture) {
    let (alice, bob, carol, dave) = (pid("alice"), pid("bob"), pid("carol"), pid("dave"));
    let players = [&alice, &bob, &carol, &dave];
    let before = fx.snapshot(&players).await;
    refused!(
        fx,
        before,
        &players,
        ErrorCode::BalanceLimit,
        "grant past gems max at once",
        fx.gh.grant(grant("alice", "gems", GEMS_MAX + 1))
    );

    assert_eq!(
        fx.gh
            .grant(grant("alice", "gems", GEMS_MAX))
            .await
            .unwrap()
            .balance,
        GEMS_MAX,
        "the maximum itself is allowed"
    );
    fx.gh.grant(grant("bob", "gems", 10)).await.unwrap();
    let before = fx.snapshot(&players).await;
    let e = refused!(
        fx,
        before,
        &players,
        ErrorCode::BalanceLimit,
        "grant past gems max",
        fx.gh.grant(grant("alice", "gems", 1))
    );
    assert_eq!(e.details["max_balance"], json!(GEMS_MAX));
    refused!(
        fx,
        before,
        &players,
        ErrorCode::BalanceLimit,
        "transfer past receiver's max",
        fx.gh.transfer(transfer("bob", "alice", "gems", 1))
    );

    // gold has no maximum: i64 overflow is an error, never a wrap.
    assert_eq!(
        fx.gh
            .grant(grant("carol", "gold", i64::MAX))
            .await
            .unwrap()
            .balance,
        i64::MAX
    );
    let mut from_bank = grant("dave", "gold", 5);
    from_bank.source = Some("bank".into());
    fx.gh.grant(from_bank).await.unwrap();
    let before = fx.snapshot(&players).await;
    refused!(
        fx,
        before,
        &players,
        ErrorCode::BalanceLimit,
        "grant overflowing i64",
        fx.gh.grant(grant("carol", "gold", 1))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::BalanceLimit,
        "transfer overflowing i64",
        fx.gh.transfer(transfer("dave", "carol", "gold", 1))
    );
    let mut big = grant("dave", "gold", i64::MAX);
    big.source = Some("bank2".into());
    refused!(
        fx,
        before,
        &players,
        ErrorCode::BalanceLimit,
        "grant of i64::MAX onto 5",
        fx.gh.grant(big)
    );
    fx.assert_ledger_ok().await;
}

/// A system account has no floor, but its balance is an i64 like any other: a grant
/// that would take `system:rewards` below `i64::MIN` must be refused whole.
async fn system_account_overflow_is_refused_and_changes_nothing(fx: Fixture) {
    let (alice, bob, carol) = (pid("alice"), pid("bob"), pid("carol"));
    fx.gh.grant(grant("alice", "gold", i64::MAX)).await.unwrap();
    fx.gh.grant(grant("bob", "gold", 1)).await.unwrap();
    assert_eq!(
        fx.account_balance(&system_account("rewards"), "gold").await,
        i64::MIN
    );
    let players = [&alice, &bob, &carol];
    let before = fx.snapshot(&players).await;
    // Every problem is collected before failing, so one run names them all.
    let mut problems = Vec::new();
    match fx.gh.grant(grant("carol", "gold", 1)).await {
        Ok(r) => problems.push(format!("the grant succeeded: {r:?}")),
        Err(e) if matches!(e.code, ErrorCode::Unavailable | ErrorCode::Conflict) => problems.push(
            format!("refused as a storage failure, not as a rule error: {e}"),
        ),
        Err(_) => {}
    }
    let after = fx.snapshot(&players).await;
    if after != before {
        problems.push(format!(
            "state changed: carol's wallet {:?}, balance rows {:?} -> {:?}",
            after.wallets[2].balances, before.balances, after.balances
        ));
    }
    // The service keeps working afterwards.
    let mut other = grant("carol", "gold", 5);
    other.source = Some("bank".into());
    if let Err(e) = fx.gh.grant(other).await {
        problems.push(format!("a later, unrelated grant failed: {e}"));
    }
    assert!(
        problems.is_empty(),
        "overflow of system:rewards: {problems:#?}"
    );
}

async fn invalid_arguments_change_nothing(fx: Fixture) {
    let (alice, bob) = (pid("alice"), pid("bob"));
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    fx.gh.grant(grant("alice", "gems", 100)).await.unwrap();
    fx.gh
        .purchase(purchase("alice", "potion", 2))
        .await
        .unwrap();
    fx.gh.purchase(purchase("alice", "sword", 1)).await.unwrap();
    let players = [&alice, &bob];
    let before = fx.snapshot(&players).await;
    let bad = ErrorCode::InvalidArgument;

    for amount in [0, -1, i64::MIN] {
        refused!(
            fx,
            before,
            &players,
            bad,
            "grant amount <= 0",
            fx.gh.grant(grant("alice", "gold", amount))
        );
        refused!(
            fx,
            before,
            &players,
            bad,
            "spend amount <= 0",
            fx.gh.spend(spend("alice", "gold", amount))
        );
        refused!(
            fx,
            before,
            &players,
            bad,
            "transfer amount <= 0",
            fx.gh.transfer(transfer("alice", "bob", "gold", amount))
        );
    }
    let e = refused!(
        fx,
        before,
        &players,
        bad,
        "grant unknown currency",
        fx.gh.grant(grant("alice", "silver", 5))
    );
    assert_eq!(e.details["field"], json!("currency"));
    refused!(
        fx,
        before,
        &players,
        bad,
        "spend unknown currency",
        fx.gh.spend(spend("alice", "silver", 5))
    );
    refused!(
        fx,
        before,
        &players,
        bad,
        "transfer unknown currency",
        fx.gh.transfer(transfer("alice", "bob", "silver", 5))
    );
    expect_code(fx.gh.balance(&alice, "silver").await, bad);
    let e = refused!(
        fx,
        before,
        &players,
        bad,
        "self-transfer",
        fx.gh.transfer(transfer("alice", "alice", "gold", 5))
    );
    assert_eq!(e.details["field"], json!("to"));

    // Reasons, system account names, metadata.
    let mut r = grant("alice", "gold", 5);
    r.reason = Some(String::new());
    refused!(fx, before, &players, bad, "empty reason", fx.gh.grant(r));
    let mut r = spend("alice", "gold", 5);
    r.reason = Some("x".repeat(65));
    refused!(fx, before, &players, bad, "65-byte reason", fx.gh.spend(r));
    let mut r = transfer("alice", "bob", "gold", 5);
    r.reason = Some("tab\there".into());
    refused!(
        fx,
        before,
        &players,
        bad,
        "reason with a control character",
        fx.gh.transfer(r)
    );
    let mut r = grant("alice", "gold", 5);
    r.source = Some("Bad Source".into());
    refused!(fx, before, &players, bad, "bad source name", fx.gh.grant(r));
    let mut r = spend("alice", "gold", 5);
    r.sink = Some(String::new());
    refused!(fx, before, &players, bad, "empty sink name", fx.gh.spend(r));
    let mut r = grant("alice", "gold", 5);
    r.metadata = json!([1, 2]);
    refused!(fx, before, &players, bad, "array metadata", fx.gh.grant(r));
    let mut r = transfer("alice", "bob", "gold", 5);
    r.metadata = json!("text");
    refused!(
        fx,
        before,
        &players,
        bad,
        "string metadata",
        fx.gh.transfer(r)
    );
    let mut r = purchase("alice", "potion", 1);
    r.metadata = json!(3);
    refused!(
        fx,
        before,
        &players,
        bad,
        "number metadata on purchase",
        fx.gh.purchase(r)
    );

    // Quantities and item ids.
    for q in [0, -1] {
        refused!(
            fx,
            before,
            &players,
            bad,
            "purchase quantity < 1",
            fx.gh.purchase(purchase("alice", "potion", q))
        );
        refused!(
            fx,
            before,
            &players,
            bad,
            "use quantity < 1",
            fx.gh.use_item(use_item("alice", "potion", q))
        );
        refused!(
            fx,
            before,
            &players,
            bad,
            "grant_item quantity < 1",
            fx.gh.grant_item(grant_item("alice", "potion", q))
        );
    }
    refused!(
        fx,
        before,
        &players,
        bad,
        "durable quantity 2",
        fx.gh.purchase(purchase("bob", "sword", 2))
    );
    refused!(
        fx,
        before,
        &players,
        bad,
        "durable grant quantity 2",
        fx.gh.grant_item(grant_item("bob", "relic", 2))
    );
    refused!(
        fx,
        before,
        &players,
        bad,
        "empty item id",
        fx.gh.purchase(purchase("alice", "", 1))
    );
    refused!(
        fx,
        before,
        &players,
        bad,
        "129-byte item id",
        fx.gh.purchase(purchase("alice", &"i".repeat(129), 1))
    );
    refused!(
        fx,
        before,
        &players,
        bad,
        "empty item id on use",
        fx.gh.use_item(use_item("alice", "", 1))
    );
    refused!(
        fx,
        before,
        &players,
        bad,
        "empty item id on grant_item",
        fx.gh.grant_item(grant_item("alice", "", 1))
    );
    refused!(
        fx,
        before,
        &players,
        bad,
        "total price overflowing i64",
        fx.gh.purchase(purchase("alice", "elixir", i64::MAX / 2))
    );
}

async fn player_ids_and_key_lengths_are_validated(fx: Fixture) {
    for bad in [
        String::new(),
        "x".repeat(129),
        "a\nb".into(),
        "nul\0".into(),
        "del\u{7f}".into(),
        "é".repeat(65),
    ] {
        let e = expect_code(PlayerId::new(bad.clone()), ErrorCode::InvalidArgument);
        assert_eq!(e.details["field"], json!("player"), "{bad:?}");
        assert!(bad.parse::<PlayerId>().is_err());
    }
    // Ids that are prefixes of each other or contain quotes and LIKE wildcards stay apart.
    let goods: Vec<String> = vec![
        "x".repeat(128),
        "é".repeat(64),
        "123456789012345678".into(),
        "steam:7656119".into(),
        "日本語 プレイヤー".into(),
        "p1".into(),
        "p10".into(),
        "p%".into(),
        "p_".into(),
        "o'neil \"x\" \\".into(),
    ];
    for good in goods {
        let p = PlayerId::new(good.clone())
            .unwrap_or_else(|e| panic!("{good:?} is a valid player id: {e}"));
        let r = fx
            .gh
            .grant(grant(p.as_str(), "gold", 3))
            .await
            .expect("grant to a long or non-ASCII id");
        assert_eq!(r.player, p);
        assert_eq!(fx.gh.balance(&p, "gold").await.unwrap(), 3);
        assert_eq!(fx.full_history(&p).await.len(), 1);
    }

    let alice = pid("alice");
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    fx.gh
        .purchase(purchase("alice", "potion", 3))
        .await
        .unwrap();
    let players = [&alice];
    let before = fx.snapshot(&players).await;
    let bad = ErrorCode::InvalidArgument;
    // Keys are 1-255 bytes (bytes, not characters) without control characters.
    for key in [
        String::new(),
        "k".repeat(256),
        "é".repeat(128),
        "line\nbreak".into(),
    ] {
        let e = refused!(
            fx,
            before,
            &players,
            bad,
            "grant with bad key",
            fx.gh.grant(grant("alice", "gold", 1).key(&key))
        );
        assert_eq!(e.details["field"], json!("idempotency_key"), "{key:?}");
        refused!(
            fx,
            before,
            &players,
            bad,
            "spend with bad key",
            fx.gh.spend(spend("alice", "gold", 1).key(&key))
        );
        refused!(
            fx,
            before,
            &players,
            bad,
            "transfer with bad key",
            fx.gh
                .transfer(transfer("alice", "bob", "gold", 1).key(&key))
        );
        refused!(
            fx,
            before,
            &players,
            bad,
            "purchase with bad key",
            fx.gh.purchase(purchase("alice", "potion", 1).key(&key))
        );
        refused!(
            fx,
            before,
            &players,
            bad,
            "use with bad key",
            fx.gh.use_item(use_item("alice", "potion", 1).key(&key))
        );
        refused!(
            fx,
            before,
            &players,
            bad,
            "grant_item with bad key",
            fx.gh.grant_item(grant_item("alice", "potion", 1).key(&key))
        );
    }
    for key in [
        "k".to_string(),
        "k".repeat(255),
        format!("{}a", "é".repeat(127)),
    ] {
        let r = fx
            .gh
            .grant(grant("alice", "gold", 1).key(&key))
            .await
            .unwrap_or_else(|e| panic!("key of {} bytes: {e}", key.len()));
        assert!(!r.replayed);
        assert!(
            fx.gh
                .grant(grant("alice", "gold", 1).key(&key))
                .await
                .unwrap()
                .replayed
        );
    }
    assert_eq!(fx.gh.balance(&alice, "gold").await.unwrap(), 1000 - 30 + 3);
}

// ----- Catalog and inventory -----

async fn purchase_consumable_debits_and_stacks(fx: Fixture) {
    let alice = pid("alice");
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    let t0 = fx.now();
    let mut req = purchase("alice", "potion", 3);
    req.metadata = json!({ "via": "shop-ui" });
    let r = fx.gh.purchase(req).await.expect("purchase");
    assert_eq!(
        (
            &r.player,
            r.item_id.as_str(),
            r.quantity,
            r.currency.as_str(),
            r.amount,
            r.balance,
            r.item_quantity,
            r.replayed
        ),
        (
            &alice,
            "potion",
            3,
            "gold",
            3 * POTION_PRICE,
            1000 - 30,
            3,
            false
        )
    );
    assert_eq!(
        fx.gh.inventory(&alice).await.unwrap(),
        vec![InventoryEntry {
            item_id: "potion".into(),
            name: "Health Potion".into(),
            kind: ItemKind::Consumable,
            quantity: 3,
            acquired_at: t0
        }]
    );
    let e = &fx.full_history(&alice).await[0];
    assert_eq!(e.kind, EntryKind::Purchase);
    assert_eq!(e.transaction_id, r.transaction_id);
    assert_eq!(
        (e.debit.clone(), e.credit.clone()),
        (player_account("alice"), system_account("shop"))
    );
    assert_eq!(
        (e.amount, e.currency.as_str(), e.reason.as_str()),
        (30, "gold", "purchase")
    );
    assert_eq!(
        (e.item_id.as_deref(), e.quantity),
        (Some("potion"), Some(3))
    );
    assert_eq!(e.metadata, json!({ "via": "shop-ui" }));
    assert_eq!(e.at, t0);
    let ev = fx.all_events().await.pop().unwrap();
    assert_eq!(ev.kind, "item_purchased");
    assert_eq!(ev.players, vec![alice.clone()]);
    assert_payload(
        &ev,
        &[
            ("player", json!("alice")),
            ("item_id", json!("potion")),
            ("quantity", json!(3)),
            ("currency", json!("gold")),
            ("amount", json!(30)),
            ("balance", json!(970)),
            ("item_quantity", json!(3)),
            ("transaction_id", json!(r.transaction_id)),
        ],
    );
    assert_eq!(
        fx.account_balance(&system_account("shop"), "gold").await,
        30
    );

    // A later purchase stacks and keeps the first acquisition time.
    fx.clock.advance_secs(60);
    let r = fx
        .gh
        .purchase(purchase("alice", "potion", 2))
        .await
        .unwrap();
    assert_eq!((r.item_quantity, r.balance, r.amount), (5, 950, 20));
    let inv = fx.gh.inventory(&alice).await.unwrap();
    assert_eq!((inv[0].quantity, inv[0].acquired_at), (5, t0));

    // A gems item; inventory is ordered by item id.
    fx.gh.grant(grant("alice", "gems", 100)).await.unwrap();
    let r = fx
        .gh
        .purchase(purchase("alice", "elixir", 7))
        .await
        .unwrap();
    assert_eq!(
        (r.currency.as_str(), r.amount, r.balance, r.item_quantity),
        ("gems", 21, 79, 7)
    );
    assert_eq!(
        fx.gh.wallet(&alice).await.unwrap().balances,
        wallet_of(950, 79)
    );
    let inv = fx.gh.inventory(&alice).await.unwrap();
    assert_eq!(
        inv.iter()
            .map(|i| (i.item_id.as_str(), i.quantity))
            .collect::<Vec<_>>(),
        vec![("elixir", 7), ("potion", 5)]
    );
    assert_eq!(inv[0].acquired_at, t0 + secs(60));
    assert_eq!(
        fx.account_balance(&system_account("shop"), "gems").await,
        21
    );
    assert_eq!(
        fx.account_balance(&system_account("shop"), "gold").await,
        50
    );
    fx.assert_ledger_ok().await;
}

async fn durable_is_bought_once(fx: Fixture) {
    let (alice, bob) = (pid("alice"), pid("bob"));
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    fx.gh.grant(grant("bob", "gold", 1000)).await.unwrap();
    let r = fx
        .gh
        .purchase(purchase("alice", "sword", 1))
        .await
        .expect("first sword");
    assert_eq!(
        (r.amount, r.balance, r.item_quantity),
        (SWORD_PRICE, 900, 1)
    );
    let players = [&alice, &bob];
    let before = fx.snapshot(&players).await;
    let e = refused!(
        fx,
        before,
        &players,
        ErrorCode::AlreadyOwned,
        "second sword",
        fx.gh.purchase(purchase("alice", "sword", 1))
    );
    assert_eq!(e.details["item_id"], json!("sword"));
    refused!(
        fx,
        before,
        &players,
        ErrorCode::AlreadyOwned,
        "granting an owned durable",
        fx.gh.grant_item(grant_item("alice", "sword", 1))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::InvalidArgument,
        "two swords at once",
        fx.gh.purchase(purchase("bob", "sword", 2))
    );
    let inv = fx.gh.inventory(&alice).await.unwrap();
    assert_eq!(inv.len(), 1);
    assert_eq!(
        (
            inv[0].item_id.as_str(),
            inv[0].kind,
            inv[0].quantity,
            inv[0].name.as_str()
        ),
        ("sword", ItemKind::Durable, 1, "Sword")
    );
    // Another player may still buy one.
    assert_eq!(
        fx.gh
            .purchase(purchase("bob", "sword", 1))
            .await
            .unwrap()
            .item_quantity,
        1
    );
    fx.assert_ledger_ok().await;
}

async fn stack_limit_is_enforced(fx: Fixture) {
    let alice = pid("alice");
    fx.gh.grant(grant("alice", "gold", 10_000)).await.unwrap();
    let players = [&alice];
    let before = fx.snapshot(&players).await;
    let e = refused!(
        fx,
        before,
        &players,
        ErrorCode::StackLimit,
        "21 potions at once",
        fx.gh
            .purchase(purchase("alice", "potion", POTION_MAX_STACK + 1))
    );
    assert_eq!(e.details["max_stack"], json!(POTION_MAX_STACK));
    assert_eq!(
        fx.gh
            .purchase(purchase("alice", "potion", POTION_MAX_STACK))
            .await
            .unwrap()
            .item_quantity,
        POTION_MAX_STACK
    );
    let before = fx.snapshot(&players).await;
    refused!(
        fx,
        before,
        &players,
        ErrorCode::StackLimit,
        "one past a full stack",
        fx.gh.purchase(purchase("alice", "potion", 1))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::StackLimit,
        "granting past a full stack",
        fx.gh.grant_item(grant_item("alice", "potion", 1))
    );
    assert_eq!(
        fx.gh
            .use_item(use_item("alice", "potion", 5))
            .await
            .unwrap()
            .remaining,
        15
    );
    assert_eq!(
        fx.gh
            .purchase(purchase("alice", "potion", 5))
            .await
            .unwrap()
            .item_quantity,
        20,
        "a stack may be refilled to its max"
    );
    // Items without max_stack stack freely.
    fx.gh.grant(grant("alice", "gems", 1000)).await.unwrap();
    assert_eq!(
        fx.gh
            .purchase(purchase("alice", "elixir", 300))
            .await
            .unwrap()
            .item_quantity,
        300
    );
    fx.assert_ledger_ok().await;
}

async fn unpriced_inactive_and_unknown_items_are_not_sold(fx: Fixture) {
    let alice = pid("alice");
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    let players = [&alice];
    let before = fx.snapshot(&players).await;
    let e = refused!(
        fx,
        before,
        &players,
        ErrorCode::NotForSale,
        "unpriced durable",
        fx.gh.purchase(purchase("alice", "relic", 1))
    );
    assert_eq!(e.details["item_id"], json!("relic"));
    refused!(
        fx,
        before,
        &players,
        ErrorCode::NotForSale,
        "unpriced consumable",
        fx.gh.purchase(purchase("alice", "scroll", 1))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::NotForSale,
        "inactive item",
        fx.gh.purchase(purchase("alice", "retired", 1))
    );
    let e = refused!(
        fx,
        before,
        &players,
        ErrorCode::NotFound,
        "unknown item",
        fx.gh.purchase(purchase("alice", "nope", 1))
    );
    assert_eq!(e.details["id"], json!("nope"));
    refused!(
        fx,
        before,
        &players,
        ErrorCode::NotFound,
        "use of unknown item",
        fx.gh.use_item(use_item("alice", "nope", 1))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::NotFound,
        "grant of unknown item",
        fx.gh.grant_item(grant_item("alice", "nope", 1))
    );
    expect_code(fx.gh.catalog_item("nope").await, ErrorCode::NotFound);
}

async fn use_item_rules_and_used_up_stacks_disappear(fx: Fixture) {
    let (alice, bob) = (pid("alice"), pid("bob"));
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    fx.gh.purchase(purchase("alice", "sword", 1)).await.unwrap();
    fx.gh
        .purchase(purchase("alice", "potion", 3))
        .await
        .unwrap();
    let players = [&alice, &bob];
    let before = fx.snapshot(&players).await;
    let e = refused!(
        fx,
        before,
        &players,
        ErrorCode::NotConsumable,
        "using a durable",
        fx.gh.use_item(use_item("alice", "sword", 1))
    );
    assert_eq!(e.details["item_id"], json!("sword"));
    refused!(
        fx,
        before,
        &players,
        ErrorCode::NotOwned,
        "using what one never had",
        fx.gh.use_item(use_item("bob", "potion", 1))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::NotOwned,
        "using an unowned item",
        fx.gh.use_item(use_item("alice", "elixir", 1))
    );
    let e = refused!(
        fx,
        before,
        &players,
        ErrorCode::InsufficientQuantity,
        "using too many",
        fx.gh.use_item(use_item("alice", "potion", 4))
    );
    assert_eq!(
        (e.details["held"].clone(), e.details["requested"].clone()),
        (json!(3), json!(4))
    );

    fx.clock.advance_secs(10);
    let r = fx
        .gh
        .use_item(use_item("alice", "potion", 2))
        .await
        .expect("use");
    assert_eq!(
        (
            &r.player,
            r.item_id.as_str(),
            r.quantity,
            r.remaining,
            r.replayed
        ),
        (&alice, "potion", 2, 1, false)
    );
    let after = fx.snapshot(&players).await;
    assert_eq!(
        after.histories, before.histories,
        "using an item writes no ledger entry"
    );
    assert_eq!(after.wallets, before.wallets);
    assert_eq!(after.events.len(), before.events.len() + 1);
    let ev = after.events.last().unwrap();
    assert_eq!(ev.kind, "item_used");
    assert_eq!(ev.players, vec![alice.clone()]);
    assert_eq!(ev.at, fx.now());
    assert_payload(
        ev,
        &[
            ("player", json!("alice")),
            ("item_id", json!("potion")),
            ("quantity", json!(2)),
            ("remaining", json!(1)),
        ],
    );

    assert_eq!(
        fx.gh
            .use_item(use_item("alice", "potion", 1))
            .await
            .unwrap()
            .remaining,
        0
    );
    let inv = fx.gh.inventory(&alice).await.unwrap();
    assert_eq!(
        inv.iter().map(|i| i.item_id.as_str()).collect::<Vec<_>>(),
        vec!["sword"],
        "a used-up stack is not listed"
    );
    let before = fx.snapshot(&players).await;
    refused!(
        fx,
        before,
        &players,
        ErrorCode::NotOwned,
        "using a used-up stack",
        fx.gh.use_item(use_item("alice", "potion", 1))
    );

    // Acquiring it again starts a new acquisition time.
    fx.clock.advance_secs(3600);
    fx.gh
        .purchase(purchase("alice", "potion", 1))
        .await
        .unwrap();
    let inv = fx.gh.inventory(&alice).await.unwrap();
    let potion = inv
        .iter()
        .find(|i| i.item_id == "potion")
        .expect("potion listed again");
    assert_eq!((potion.quantity, potion.acquired_at), (1, fx.now()));
}

async fn grant_item_rules(fx: Fixture) {
    let (alice, bob) = (pid("alice"), pid("bob"));
    let t0 = fx.now();
    let r = fx
        .gh
        .grant_item(grant_item("alice", "relic", 1))
        .await
        .expect("unpriced durable may be granted");
    assert_eq!(
        (
            &r.player,
            r.item_id.as_str(),
            r.quantity,
            r.remaining,
            r.replayed
        ),
        (&alice, "relic", 1, 1, false)
    );
    assert_eq!(
        fx.gh
            .grant_item(grant_item("alice", "scroll", 2))
            .await
            .unwrap()
            .remaining,
        2
    );
    assert_eq!(
        fx.gh
            .grant_item(grant_item("alice", "retired", 3))
            .await
            .expect("inactive item may be granted")
            .remaining,
        3
    );
    let mut req = grant_item("alice", "scroll", 3);
    req.reason = Some("quest_reward".into());
    assert_eq!(fx.gh.grant_item(req).await.unwrap().remaining, 5);

    let events = fx.all_events().await;
    assert_eq!(events.len(), 4);
    assert!(events
        .iter()
        .all(|e| e.kind == "item_granted" && e.players == vec![alice.clone()]));
    assert_payload(
        &events[0],
        &[
            ("player", json!("alice")),
            ("item_id", json!("relic")),
            ("quantity", json!(1)),
            ("item_quantity", json!(1)),
            ("reason", json!("grant")),
        ],
    );
    assert_payload(
        &events[3],
        &[
            ("item_id", json!("scroll")),
            ("quantity", json!(3)),
            ("item_quantity", json!(5)),
            ("reason", json!("quest_reward")),
        ],
    );
    assert!(
        fx.full_history(&alice).await.is_empty(),
        "an item grant moves no currency"
    );
    assert!(fx.all_balances().await.is_empty());

    let players = [&alice, &bob];
    let before = fx.snapshot(&players).await;
    refused!(
        fx,
        before,
        &players,
        ErrorCode::AlreadyOwned,
        "second relic",
        fx.gh.grant_item(grant_item("alice", "relic", 1))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::StackLimit,
        "scroll past max stack",
        fx.gh.grant_item(grant_item("alice", "scroll", 1))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::StackLimit,
        "scroll past max stack at once",
        fx.gh.grant_item(grant_item("bob", "scroll", 6))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::InvalidArgument,
        "two relics",
        fx.gh.grant_item(grant_item("bob", "relic", 2))
    );
    let mut req = grant_item("bob", "scroll", 1);
    req.reason = Some("r".repeat(65));
    refused!(
        fx,
        before,
        &players,
        ErrorCode::InvalidArgument,
        "65-byte reason",
        fx.gh.grant_item(req)
    );

    let inv = fx.gh.inventory(&alice).await.unwrap();
    assert_eq!(
        inv.iter()
            .map(|i| (i.item_id.as_str(), i.kind, i.quantity, i.acquired_at))
            .collect::<Vec<_>>(),
        vec![
            ("relic", ItemKind::Durable, 1, t0),
            ("retired", ItemKind::Consumable, 3, t0),
            ("scroll", ItemKind::Consumable, 5, t0)
        ]
    );
    assert_eq!(
        fx.gh
            .use_item(use_item("alice", "scroll", 5))
            .await
            .unwrap()
            .remaining,
        0
    );
    assert_eq!(fx.gh.inventory(&alice).await.unwrap().len(), 2);
}

async fn unknown_player_has_empty_state(fx: Fixture) {
    let ghost = pid("never-seen");
    assert_eq!(
        fx.gh.wallet(&ghost).await.unwrap().balances,
        wallet_of(0, 0)
    );
    assert_eq!(fx.gh.wallet(&ghost).await.unwrap().player, ghost);
    assert_eq!(fx.gh.balance(&ghost, "gems").await.unwrap(), 0);
    assert!(fx.gh.inventory(&ghost).await.unwrap().is_empty());
    let page = fx
        .gh
        .history(&ghost, HistoryFilter::default())
        .await
        .unwrap();
    assert!(page.entries.is_empty() && page.next_cursor.is_none());
    // Reads create nothing.
    assert!(fx.all_balances().await.is_empty());
    assert!(fx.all_events().await.is_empty());
    let report = fx.assert_ledger_ok().await;
    assert_eq!(report.accounts_checked, 0);
}

// ----- Idempotency -----

/// Runs `$req` once, replays it twice (same result marked `replayed`, nothing changes)
/// and sends `$other` under the same key (`IDEMPOTENCY_CONFLICT`, nothing changes).
/// Evaluates to the first result.
macro_rules! check_idempotent {
    ($fx:expr, $players:expr, $method:ident, $req:expr, $other:expr) => {{
        let req = $req;
        let first = $fx
            .gh
            .$method(req.clone())
            .await
            .expect(concat!("first ", stringify!($method)));
        assert!(!first.replayed, "a first call is not a replay");
        let before = $fx.snapshot($players).await;
        for _ in 0..2 {
            let again = $fx
                .gh
                .$method(req.clone())
                .await
                .expect(concat!("replayed ", stringify!($method)));
            let mut expected = first.clone();
            expected.replayed = true;
            assert_eq!(
                again, expected,
                concat!(stringify!($method), ": a replay returns the stored result")
            );
        }
        $fx.assert_unchanged(&before, $players, concat!("replayed ", stringify!($method)))
            .await;
        let err = expect_code($fx.gh.$method($other).await, ErrorCode::IdempotencyConflict);
        assert_eq!(
            err.details["idempotency_key"],
            json!(req.idempotency_key.clone().unwrap())
        );
        $fx.assert_unchanged(
            &before,
            $players,
            concat!("conflicting ", stringify!($method)),
        )
        .await;
        first
    }};
}

async fn idempotent_replay_for_every_operation(fx: Fixture) {
    let (alice, bob) = (pid("alice"), pid("bob"));
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    fx.gh.grant(grant("alice", "gems", 100)).await.unwrap();
    let players = [&alice, &bob];

    let g = check_idempotent!(
        fx,
        &players,
        grant,
        grant("alice", "gold", 10).key("g1"),
        grant("alice", "gold", 11).key("g1")
    );
    assert_eq!(g.balance, 1010);
    let mut other = grant("alice", "gold", 10).key("g1");
    other.reason = Some("different".into());
    expect_code(fx.gh.grant(other).await, ErrorCode::IdempotencyConflict);
    expect_code(
        fx.gh.grant(grant("alice", "gems", 10).key("g1")).await,
        ErrorCode::IdempotencyConflict,
    );

    let s = check_idempotent!(
        fx,
        &players,
        spend,
        spend("alice", "gold", 5).key("s1"),
        spend("alice", "gold", 6).key("s1")
    );
    assert_eq!(s.balance, 1005);
    let t = check_idempotent!(
        fx,
        &players,
        transfer,
        transfer("alice", "bob", "gold", 100).key("t1"),
        transfer("alice", "bob", "gold", 101).key("t1")
    );
    assert_eq!((t.from_balance, t.to_balance), (905, 100));
    let p = check_idempotent!(
        fx,
        &players,
        purchase,
        purchase("alice", "potion", 2).key("p1"),
        purchase("alice", "potion", 3).key("p1")
    );
    assert_eq!((p.balance, p.item_quantity), (885, 2));
    let u = check_idempotent!(
        fx,
        &players,
        use_item,
        use_item("alice", "potion", 1).key("u1"),
        use_item("alice", "potion", 2).key("u1")
    );
    assert_eq!(u.remaining, 1);
    let i = check_idempotent!(
        fx,
        &players,
        grant_item,
        grant_item("alice", "scroll", 2).key("i1"),
        grant_item("alice", "relic", 1).key("i1")
    );
    assert_eq!(i.remaining, 2);

    // A replay after the state moved on still returns the original result.
    fx.gh.grant(grant("alice", "gold", 500)).await.unwrap();
    let again = fx
        .gh
        .grant(grant("alice", "gold", 10).key("g1"))
        .await
        .unwrap();
    assert!(again.replayed);
    assert_eq!(
        (again.balance, again.transaction_id.as_str()),
        (1010, g.transaction_id.as_str())
    );
    let again = fx
        .gh
        .purchase(purchase("alice", "potion", 2).key("p1"))
        .await
        .unwrap();
    assert_eq!(
        (again.balance, again.item_quantity, again.replayed),
        (885, 2, true)
    );

    // Each keyed call happened exactly once.
    assert_eq!(
        fx.gh.wallet(&alice).await.unwrap().balances,
        wallet_of(1000 + 10 - 5 - 100 - 20 + 500, 100)
    );
    assert_eq!(
        fx.gh.wallet(&bob).await.unwrap().balances,
        wallet_of(100, 0)
    );
    let inv = fx.gh.inventory(&alice).await.unwrap();
    assert_eq!(
        inv.iter()
            .map(|i| (i.item_id.as_str(), i.quantity))
            .collect::<Vec<_>>(),
        vec![("potion", 1), ("scroll", 2)]
    );
    assert_eq!(fx.full_history(&alice).await.len(), 2 + 4 + 1);
    assert_eq!(fx.all_events().await.len(), 2 + 6 + 1);
    fx.assert_ledger_ok().await;
}

async fn idempotency_keys_are_scoped_per_caller_and_operation(fx: Fixture) {
    use guildhall_core::Caller;
    let (alice, bob) = (pid("alice"), pid("bob"));
    let a = fx
        .gh
        .grant(grant("alice", "gold", 10).key("shared"))
        .await
        .unwrap();
    assert!(!a.replayed);
    // One caller reusing a key for the same call for another player: a conflict
    // (SPEC.md Clarifications: the key belongs to the caller, not to the player).
    let players = [&alice, &bob];
    let before = fx.snapshot(&players).await;
    refused!(
        fx,
        before,
        &players,
        ErrorCode::IdempotencyConflict,
        "one caller's key reused for another player",
        fx.gh.grant(grant("bob", "gold", 10).key("shared"))
    );

    // Two trusted servers that happen to pick one key for one player do not meet: both
    // grants are credited.
    let (k1, k2) = (
        fx.gh.acting_as(Caller::ApiKey("key-one".into())),
        fx.gh.acting_as(Caller::ApiKey("key-two".into())),
    );
    let g1 = k1.grant(grant("bob", "gold", 7).key("srv")).await.unwrap();
    let g2 = k2.grant(grant("bob", "gold", 7).key("srv")).await.unwrap();
    assert!(!g1.replayed && !g2.replayed, "two callers, two keys");
    assert_ne!(g1.transaction_id, g2.transaction_id);
    assert_eq!(fx.gh.balance(&bob, "gold").await.unwrap(), 14);
    // Each replays its own.
    let again = k2.grant(grant("bob", "gold", 7).key("srv")).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.transaction_id, g2.transaction_id);
    assert_eq!(fx.gh.balance(&bob, "gold").await.unwrap(), 14);

    // Players' tokens: each player's key is their own.
    let (pa, pb) = (
        fx.gh.acting_as(Caller::Player(alice.clone())),
        fx.gh.acting_as(Caller::Player(bob.clone())),
    );
    let t1 = pa
        .transfer(transfer("alice", "bob", "gold", 3).key("tx"))
        .await
        .unwrap();
    let t2 = pb
        .transfer(transfer("bob", "alice", "gold", 3).key("tx"))
        .await
        .unwrap();
    assert!(!t1.replayed && !t2.replayed);
    assert_eq!(fx.gh.balance(&alice, "gold").await.unwrap(), 10);

    // One caller's key used for another operation is a conflict, whatever the operation.
    let before = fx.snapshot(&players).await;
    refused!(
        fx,
        before,
        &players,
        ErrorCode::IdempotencyConflict,
        "grant key reused by spend",
        fx.gh.spend(spend("alice", "gold", 10).key("shared"))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::IdempotencyConflict,
        "grant key reused by transfer",
        fx.gh
            .transfer(transfer("alice", "bob", "gold", 10).key("shared"))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::IdempotencyConflict,
        "transfer key reused by grant",
        pa.grant(grant("alice", "gold", 3).key("tx"))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::IdempotencyConflict,
        "grant key reused by grant_item",
        fx.gh
            .grant_item(grant_item("alice", "scroll", 1).key("shared"))
    );
    assert_eq!(fx.all_events().await.len(), 5);
    fx.assert_ledger_ok().await;
}

/// A record stored before keys were scoped to the caller (scope `player:<id>`) still
/// answers its replay after the upgrade, whoever retries it.
async fn idempotency_records_from_before_caller_scopes_still_replay(fx: Fixture) {
    use guildhall_core::ports::ChangeSet;
    use guildhall_core::Caller;
    let carol = pid("carol");
    let first = fx
        .gh
        .grant(grant("carol", "gold", 25).key("old"))
        .await
        .unwrap();
    // Move the stored record to the scope the earlier release wrote.
    let mut rec = fx
        .gh
        .store()
        .idempotency(&Caller::Embedded.scope(), "old")
        .await
        .unwrap()
        .expect("the grant stored its key");
    rec.scope = "player:carol".into();
    rec.key = "old-legacy".into();
    let cs = ChangeSet {
        idempotency: Some(rec),
        ..ChangeSet::default()
    };
    fx.gh.store().commit(cs).await.unwrap();
    // The retry under the legacy key (same request) from a server's key replays it.
    let server = fx.gh.acting_as(Caller::ApiKey("retrying-server".into()));
    let again = server
        .grant(grant("carol", "gold", 25).key("old-legacy"))
        .await
        .unwrap();
    assert!(again.replayed, "a pre-upgrade record answers its replay");
    assert_eq!(again.transaction_id, first.transaction_id);
    assert_eq!(fx.gh.balance(&carol, "gold").await.unwrap(), 25);
    // Another request under that key is still a conflict.
    expect_code(
        server
            .grant(grant("carol", "gold", 26).key("old-legacy"))
            .await,
        ErrorCode::IdempotencyConflict,
    );
    assert_eq!(fx.gh.balance(&carol, "gold").await.unwrap(), 25);
    fx.assert_ledger_ok().await;
}

async fn failed_call_does_not_consume_its_key(fx: Fixture) {
    let carol = pid("carol");
    expect_code(
        fx.gh.spend(spend("carol", "gold", 5).key("k")).await,
        ErrorCode::InsufficientFunds,
    );
    expect_code(
        fx.gh.purchase(purchase("carol", "sword", 1).key("p")).await,
        ErrorCode::InsufficientFunds,
    );
    fx.gh.grant(grant("carol", "gold", 200)).await.unwrap();
    let r = fx
        .gh
        .spend(spend("carol", "gold", 5).key("k"))
        .await
        .expect("the key of a refused call is free");
    assert_eq!((r.balance, r.replayed), (195, false));
    assert!(
        fx.gh
            .spend(spend("carol", "gold", 5).key("k"))
            .await
            .unwrap()
            .replayed
    );
    let p = fx
        .gh
        .purchase(purchase("carol", "sword", 1).key("p"))
        .await
        .expect("purchase after funding");
    assert_eq!((p.balance, p.replayed), (95, false));
    // A replay is checked before the rules: the owned sword is not ALREADY_OWNED here.
    assert!(
        fx.gh
            .purchase(purchase("carol", "sword", 1).key("p"))
            .await
            .unwrap()
            .replayed
    );
    assert_eq!(fx.gh.balance(&carol, "gold").await.unwrap(), 95);
    assert_eq!(fx.full_history(&carol).await.len(), 3);
}

async fn donation_webhook_credits_once(fx: Fixture) {
    let alice = pid("alice");
    let donation = |payment: &str| {
        let mut req = grant("alice", "gold", 500).key(payment);
        req.source = Some("donations".into());
        req.reason = Some("donation".into());
        req.metadata = json!({ "provider": "boosty", "payment_id": payment });
        req
    };
    let first = fx.gh.grant(donation("pay_123")).await.unwrap();
    for _ in 0..4 {
        let again = fx
            .gh
            .grant(donation("pay_123"))
            .await
            .expect("redelivered webhook");
        assert!(again.replayed);
        assert_eq!(
            (again.transaction_id.as_str(), again.balance),
            (first.transaction_id.as_str(), 500)
        );
    }
    assert_eq!(fx.gh.balance(&alice, "gold").await.unwrap(), 500);
    let h = fx.full_history(&alice).await;
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].metadata["payment_id"], json!("pay_123"));
    assert_eq!(fx.all_events().await.len(), 1);
    assert_eq!(
        fx.account_balance(&system_account("donations"), "gold")
            .await,
        -500
    );
    // Another payment credits again.
    assert_eq!(
        fx.gh.grant(donation("pay_124")).await.unwrap().balance,
        1000
    );
    assert_eq!(fx.all_events().await.len(), 2);
    fx.assert_ledger_ok().await;
}

// ----- History -----

/// 30 entries for alice: 2 setup grants, then 28 alternating grant, spend, transfer
/// (to bob; every third one in gems) and potion purchase, one second apart.
async fn history_activity(fx: &Fixture) {
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    fx.gh.grant(grant("alice", "gems", 100)).await.unwrap();
    for i in 0..28i64 {
        fx.clock.advance_secs(1);
        match i % 4 {
            0 => {
                fx.gh.grant(grant("alice", "gold", i + 1)).await.unwrap();
            }
            1 => {
                fx.gh.spend(spend("alice", "gold", 1)).await.unwrap();
            }
            2 => {
                let currency = if i % 3 == 0 { "gems" } else { "gold" };
                fx.gh
                    .transfer(transfer("alice", "bob", currency, 2))
                    .await
                    .unwrap();
            }
            _ => {
                fx.gh
                    .purchase(purchase("alice", "potion", 1))
                    .await
                    .unwrap();
            }
        }
    }
}

async fn pages(fx: &Fixture, player: &PlayerId, filter: HistoryFilter) -> Vec<Vec<LedgerEntry>> {
    let mut out = Vec::new();
    let mut filter = filter;
    loop {
        let page = fx
            .gh
            .history(player, filter.clone())
            .await
            .expect("history page");
        let next = page.next_cursor.clone();
        out.push(page.entries);
        match next {
            Some(c) => filter.cursor = Some(c),
            None => return out,
        }
        assert!(out.len() < 1000, "history paging does not end");
    }
}

async fn history_newest_first_with_cursor_pages_and_filters(fx: Fixture) {
    let (alice, bob) = (pid("alice"), pid("bob"));
    history_activity(&fx).await;
    let all = fx.full_history(&alice).await;
    assert_eq!(all.len(), 30);
    assert!(
        all.windows(2).all(|w| w[0].seq > w[1].seq),
        "newest first, by seq"
    );
    assert!(
        all.windows(2).all(|w| w[0].at >= w[1].at),
        "newest first, by time"
    );
    let ids: BTreeSet<&str> = all.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 30, "entry ids are unique");

    let paged = pages(
        &fx,
        &alice,
        HistoryFilter {
            limit: Some(7),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        paged.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![7, 7, 7, 7, 2]
    );
    assert_eq!(
        paged.concat(),
        all,
        "pages cover every entry exactly once, in order"
    );

    // A limit equal to the count gives one page without a cursor; one less gives two.
    let page = fx
        .gh
        .history(
            &alice,
            HistoryFilter {
                limit: Some(30),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((page.entries.len(), page.next_cursor.is_none()), (30, true));
    let paged = pages(
        &fx,
        &alice,
        HistoryFilter {
            limit: Some(29),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(paged.iter().map(Vec::len).collect::<Vec<_>>(), vec![29, 1]);
    // Default page size is 50.
    assert_eq!(
        fx.gh
            .history(&alice, HistoryFilter::default())
            .await
            .unwrap()
            .entries
            .len(),
        30
    );

    let gems = pages(
        &fx,
        &alice,
        HistoryFilter {
            currency: Some("gems".into()),
            limit: Some(2),
            ..Default::default()
        },
    )
    .await
    .concat();
    let want: Vec<LedgerEntry> = all
        .iter()
        .filter(|e| e.currency == "gems")
        .cloned()
        .collect();
    assert_eq!(want.len(), 1 + 2);
    assert_eq!(gems, want);
    for kind in [
        EntryKind::Grant,
        EntryKind::Spend,
        EntryKind::Transfer,
        EntryKind::Purchase,
    ] {
        let got = pages(
            &fx,
            &alice,
            HistoryFilter {
                kind: Some(kind),
                limit: Some(3),
                ..Default::default()
            },
        )
        .await
        .concat();
        let want: Vec<LedgerEntry> = all.iter().filter(|e| e.kind == kind).cloned().collect();
        assert_eq!(got, want, "kind filter {kind:?}");
        assert_eq!(got.len(), if kind == EntryKind::Grant { 9 } else { 7 });
    }
    let got = pages(
        &fx,
        &alice,
        HistoryFilter {
            currency: Some("gold".into()),
            kind: Some(EntryKind::Transfer),
            limit: Some(2),
            ..Default::default()
        },
    )
    .await
    .concat();
    assert_eq!(
        got,
        all.iter()
            .filter(|e| e.currency == "gold" && e.kind == EntryKind::Transfer)
            .cloned()
            .collect::<Vec<_>>()
    );
    assert_eq!(got.len(), 5);

    let bobs = fx.full_history(&bob).await;
    assert_eq!(bobs.len(), 7);
    assert!(bobs
        .iter()
        .all(|e| e.kind == EntryKind::Transfer && e.credit == player_account("bob")));
}

async fn history_cursor_is_stable_under_new_writes(fx: Fixture) {
    let alice = pid("alice");
    history_activity(&fx).await;
    let all = fx.full_history(&alice).await;
    let first = fx
        .gh
        .history(
            &alice,
            HistoryFilter {
                limit: Some(10),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(first.entries, all[..10]);
    // New entries after the first page do not shift the following pages.
    for _ in 0..5 {
        fx.gh.grant(grant("alice", "gold", 1)).await.unwrap();
    }
    let rest = pages(
        &fx,
        &alice,
        HistoryFilter {
            limit: Some(10),
            cursor: first.next_cursor.clone(),
            ..Default::default()
        },
    )
    .await
    .concat();
    assert_eq!(rest, all[10..]);
    assert_eq!(fx.full_history(&alice).await.len(), 35);
}

async fn history_rejects_bad_cursor_and_limit(fx: Fixture) {
    let alice = pid("alice");
    fx.gh.grant(grant("alice", "gold", 5)).await.unwrap();
    for cursor in ["", "abc", "0", "-3", "1.5", "99999999999999999999999"] {
        let filter = HistoryFilter {
            cursor: Some(cursor.into()),
            ..Default::default()
        };
        let e = expect_code(
            fx.gh.history(&alice, filter).await,
            ErrorCode::InvalidArgument,
        );
        assert_eq!(e.details["field"], json!("cursor"), "cursor {cursor:?}");
    }
    for limit in [0, 201, u32::MAX] {
        let e = expect_code(
            fx.gh
                .history(
                    &alice,
                    HistoryFilter {
                        limit: Some(limit),
                        ..Default::default()
                    },
                )
                .await,
            ErrorCode::InvalidArgument,
        );
        assert_eq!(e.details["field"], json!("limit"));
    }
    expect_code(
        fx.gh
            .history(
                &alice,
                HistoryFilter {
                    currency: Some("silver".into()),
                    ..Default::default()
                },
            )
            .await,
        ErrorCode::InvalidArgument,
    );
    assert_eq!(
        fx.gh
            .history(
                &alice,
                HistoryFilter {
                    limit: Some(200),
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .entries
            .len(),
        1
    );
    assert_eq!(
        fx.gh
            .history(
                &alice,
                HistoryFilter {
                    limit: Some(1),
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .entries
            .len(),
        1
    );
}

// ----- Ledger audit -----

async fn ledger_balances_sum_to_zero_and_match_history(fx: Fixture) {
    let players: Vec<PlayerId> = ["alice", "bob", "carol"].into_iter().map(pid).collect();
    let mut donation = grant("alice", "gold", 700);
    donation.source = Some("donations".into());
    fx.gh.grant(donation).await.unwrap();
    fx.gh.grant(grant("bob", "gold", 300)).await.unwrap();
    fx.gh.grant(grant("carol", "gems", 90)).await.unwrap();
    fx.gh
        .transfer(transfer("alice", "carol", "gold", 120))
        .await
        .unwrap();
    fx.gh
        .transfer(transfer("carol", "bob", "gems", 30))
        .await
        .unwrap();
    fx.gh.purchase(purchase("bob", "sword", 1)).await.unwrap();
    fx.gh
        .purchase(purchase("carol", "potion", 4))
        .await
        .unwrap();
    fx.gh.purchase(purchase("bob", "elixir", 10)).await.unwrap();
    let mut fee = spend("alice", "gold", 80);
    fee.sink = Some("arena".into());
    fx.gh.spend(fee).await.unwrap();
    fx.gh.spend(spend("carol", "gems", 5)).await.unwrap();

    let report = fx.assert_ledger_ok().await;
    assert_eq!(report.accounts_checked, fx.all_balances().await.len());
    for (currency, total) in fx.currency_totals().await {
        assert_eq!(
            total, 0,
            "balances of {currency} sum to zero over all accounts"
        );
    }
    for p in &players {
        let mut net: HashMap<String, i64> = HashMap::new();
        for e in fx.full_history(p).await {
            if e.credit == guildhall_core::types::Account::Player(p.clone()) {
                *net.entry(e.currency.clone()).or_default() += e.amount;
            }
            if e.debit == guildhall_core::types::Account::Player(p.clone()) {
                *net.entry(e.currency.clone()).or_default() -= e.amount;
            }
        }
        for b in fx.gh.wallet(p).await.unwrap().balances {
            assert_eq!(
                net.get(&b.currency).copied().unwrap_or(0),
                b.amount,
                "{p} {} equals its history",
                b.currency
            );
        }
    }
    assert_eq!(
        fx.gh.wallet(&players[0]).await.unwrap().balances,
        wallet_of(500, 0)
    );
    assert_eq!(
        fx.gh.wallet(&players[1]).await.unwrap().balances,
        wallet_of(200, 0)
    );
    assert_eq!(
        fx.gh.wallet(&players[2]).await.unwrap().balances,
        wallet_of(80, 55)
    );
    assert_eq!(
        fx.account_balance(&system_account("shop"), "gold").await,
        140
    );
    assert_eq!(
        fx.account_balance(&system_account("shop"), "gems").await,
        30
    );
    assert_eq!(
        fx.account_balance(&system_account("arena"), "gold").await,
        80
    );
    assert_eq!(
        fx.account_balance(&system_account("donations"), "gold")
            .await,
        -700
    );
    assert_eq!(
        fx.account_balance(&system_account("rewards"), "gems").await,
        -90
    );
}

// ----- Analytics -----

async fn popular_items_over_time_window(fx: Fixture) {
    for p in ["alice", "bob"] {
        fx.gh.grant(grant(p, "gold", 10_000)).await.unwrap();
        fx.gh.grant(grant(p, "gems", 1000)).await.unwrap();
    }
    let t0 = fx.now();
    fx.gh
        .purchase(purchase("alice", "potion", 3))
        .await
        .unwrap();
    fx.gh.purchase(purchase("bob", "potion", 2)).await.unwrap();
    fx.gh.purchase(purchase("alice", "sword", 1)).await.unwrap();
    fx.clock.advance_secs(2 * 3600);
    let t1 = fx.now();
    fx.gh.purchase(purchase("bob", "elixir", 10)).await.unwrap();
    fx.gh
        .purchase(purchase("alice", "potion", 4))
        .await
        .unwrap();
    fx.gh.purchase(purchase("bob", "sword", 1)).await.unwrap();
    fx.clock.advance_secs(24 * 3600);
    let t2 = fx.now();
    fx.gh
        .purchase(purchase("alice", "elixir", 1))
        .await
        .unwrap();
    // Refused purchases and item grants do not count.
    expect_code(
        fx.gh.purchase(purchase("alice", "sword", 1)).await,
        ErrorCode::AlreadyOwned,
    );
    fx.gh
        .grant_item(grant_item("alice", "potion", 5))
        .await
        .unwrap();

    let top = |from: DateTime<Utc>, to: DateTime<Utc>, limit: u32| {
        let gh = fx.gh.clone();
        async move {
            gh.popular_items(&pq(from, to, limit))
                .await
                .expect("popular_items")
                .into_iter()
                .map(|p| (p.item_id, p.total_quantity, p.purchases))
                .collect::<Vec<_>>()
        }
    };
    let s = |id: &str, q: i64, n: i64| (id.to_string(), q, n);
    assert_eq!(
        top(t0, t0 + secs(3600), 10).await,
        vec![s("potion", 5, 2), s("sword", 1, 1)]
    );
    assert_eq!(
        top(t1, t2, 10).await,
        vec![s("elixir", 10, 1), s("potion", 4, 1), s("sword", 1, 1)],
        "from is inclusive, to exclusive"
    );
    assert_eq!(
        top(t0, t2 + secs(1), 10).await,
        vec![s("elixir", 11, 2), s("potion", 9, 3), s("sword", 2, 2)]
    );
    assert_eq!(
        top(t0, t2 + secs(1), 2).await,
        vec![s("elixir", 11, 2), s("potion", 9, 3)]
    );
    assert_eq!(top(t0, t2 + secs(1), 1).await, vec![s("elixir", 11, 2)]);
    assert_eq!(
        top(t2, t2 + chrono::Duration::microseconds(1), 10).await,
        vec![s("elixir", 1, 1)]
    );
    assert_eq!(top(t0 - secs(3600), t0, 10).await, vec![]);
    assert_eq!(top(t2 + secs(1), t2 + secs(7200), 10).await, vec![]);
    for limit in [0, 101] {
        expect_code(
            fx.gh.popular_items(&pq(t0, t2, limit)).await,
            ErrorCode::InvalidArgument,
        );
    }
    expect_code(
        fx.gh.popular_items(&pq(t1, t1, 10)).await,
        ErrorCode::InvalidArgument,
    );
    expect_code(
        fx.gh.popular_items(&pq(t2, t1, 10)).await,
        ErrorCode::InvalidArgument,
    );
    assert_eq!(
        fx.gh
            .popular_items(&pq(t0, t2 + secs(1), 100))
            .await
            .unwrap()
            .len(),
        3
    );
}

/// The analytics defaults live in the core and read the core's clock (here the
/// fixture's manual clock), so every surface agrees: popular items over the last 24 h,
/// revenue over the 30 days ending today.
async fn analytics_defaults_come_from_the_core_clock(fx: Fixture) {
    fx.gh.grant(grant("alice", "gold", 1_000)).await.unwrap();
    fx.gh.grant(grant("alice", "gems", 100)).await.unwrap();
    fx.gh
        .purchase(purchase("alice", "potion", 1))
        .await
        .unwrap();
    fx.clock.advance_secs(23 * 3600);
    fx.gh
        .purchase(purchase("alice", "elixir", 1))
        .await
        .unwrap();
    fx.clock.advance_secs(2 * 3600);
    let top = fx
        .gh
        .popular_items(&PopularItemsQuery::default())
        .await
        .unwrap();
    let ids: Vec<_> = top.iter().map(|p| p.item_id.as_str()).collect();
    assert_eq!(
        ids,
        ["elixir"],
        "the potion was bought 25 h ago, outside 24 h"
    );
    let rev = fx
        .gh
        .revenue_per_day(&RevenueQuery::default())
        .await
        .unwrap();
    assert!(!rev.is_empty());
    fx.clock.advance_secs(31 * 86_400);
    assert_eq!(
        fx.gh
            .revenue_per_day(&RevenueQuery::default())
            .await
            .unwrap(),
        vec![],
        "30 days later the purchases are outside the default window"
    );
    assert!(fx
        .gh
        .popular_items(&PopularItemsQuery::default())
        .await
        .unwrap()
        .is_empty());
}

async fn revenue_per_day_in_reset_timezone(fx: Fixture) {
    let mut config = standard_config();
    config.reset_timezone = chrono_tz::Europe::Moscow;
    let fx = Fixture::with_config(fx.kind, config).await;
    let alice = pid("alice");
    let at = |d: u32, h: u32, m: u32, s: u32| Utc.with_ymd_and_hms(2026, 3, d, h, m, s).unwrap();
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    fx.gh.grant(grant("alice", "gold", 10_000)).await.unwrap();
    fx.gh.grant(grant("alice", "gems", 1000)).await.unwrap();

    fx.clock.set(at(10, 20, 0, 0)); // 23:00 in Moscow, March 10
    fx.gh
        .purchase(purchase("alice", "potion", 2))
        .await
        .unwrap();
    fx.clock.set(at(10, 22, 30, 0)); // 01:30 in Moscow, March 11
    assert_eq!(fx.gh.today(), day(11));
    fx.gh.purchase(purchase("alice", "sword", 1)).await.unwrap();
    fx.gh
        .purchase(purchase("alice", "elixir", 5))
        .await
        .unwrap();
    assert_eq!(
        fx.full_history(&alice).await[0].day,
        day(11),
        "a ledger entry's day is the Moscow day"
    );
    fx.clock.set(at(11, 20, 59, 59)); // 23:59:59 in Moscow, March 11
    fx.gh
        .purchase(purchase("alice", "potion", 1))
        .await
        .unwrap();
    fx.clock.set(at(11, 21, 0, 0)); // midnight in Moscow, March 12
    fx.gh
        .purchase(purchase("alice", "potion", 1))
        .await
        .unwrap();
    fx.gh.spend(spend("alice", "gold", 7)).await.unwrap();
    fx.gh.grant(grant("alice", "gold", 9)).await.unwrap();

    let rev = |from: NaiveDate, to: NaiveDate| {
        let gh = fx.gh.clone();
        async move {
            gh.revenue_per_day(&rq(from, to))
                .await
                .expect("revenue_per_day")
                .into_iter()
                .map(|r| (r.day, r.currency, r.amount, r.purchases))
                .collect::<Vec<_>>()
        }
    };
    let row = |d: u32, c: &str, amount: i64, n: i64| (day(d), c.to_string(), amount, n);
    assert_eq!(
        rev(day(1), day(31)).await,
        vec![
            row(10, "gold", 20, 1),
            row(11, "gems", 15, 1),
            row(11, "gold", 110, 2),
            row(12, "gold", 10, 1)
        ]
    );
    assert_eq!(
        rev(day(11), day(11)).await,
        vec![row(11, "gems", 15, 1), row(11, "gold", 110, 2)]
    );
    assert_eq!(rev(day(12), day(20)).await, vec![row(12, "gold", 10, 1)]);
    assert_eq!(rev(day(1), day(9)).await, vec![]);

    let y = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    expect_code(
        fx.gh.revenue_per_day(&rq(day(12), day(11))).await,
        ErrorCode::InvalidArgument,
    );
    expect_code(
        fx.gh
            .revenue_per_day(&rq(y(2026, 1, 1), y(2027, 1, 3)))
            .await,
        ErrorCode::InvalidArgument,
    );
    assert_eq!(
        fx.gh
            .revenue_per_day(&rq(y(2026, 1, 1), y(2027, 1, 2)))
            .await
            .unwrap()
            .len(),
        4
    );
}

// ----- Events -----

async fn events_after_pages_in_commit_order(fx: Fixture) {
    let mut times = Vec::new();
    for i in 0..13 {
        fx.clock.advance_micros(1_500_000);
        times.push(fx.now());
        if i % 3 == 2 {
            fx.gh
                .transfer(transfer("alice", "bob", "gold", 1))
                .await
                .unwrap();
        } else {
            fx.gh.grant(grant("alice", "gold", 10)).await.unwrap();
        }
    }
    let all = fx.gh.events_after(0, Some(1000)).await.unwrap();
    assert_eq!(all.len(), 13);
    assert!(
        all.windows(2).all(|w| w[0].seq < w[1].seq),
        "oldest first, seq increasing"
    );
    assert_eq!(
        all.iter().map(|e| e.at).collect::<Vec<_>>(),
        times,
        "event time is the clock's at the call"
    );
    assert_eq!(
        all.iter()
            .map(|e| e.id.as_str())
            .collect::<BTreeSet<_>>()
            .len(),
        13
    );
    assert_eq!(
        all.iter()
            .filter(|e| e.kind == "currency_transferred")
            .count(),
        4
    );

    let mut paged: Vec<Event> = Vec::new();
    loop {
        let after = paged.last().map_or(0, |e| e.seq);
        let page = fx.gh.events_after(after, Some(3)).await.unwrap();
        assert!(page.len() <= 3);
        if page.is_empty() {
            break;
        }
        paged.extend(page);
    }
    assert_eq!(paged, all, "pages cover every event exactly once");
    assert_eq!(
        fx.gh.events_after(all[5].seq, Some(2)).await.unwrap(),
        all[6..8]
    );
    assert!(fx
        .gh
        .events_after(all[12].seq, Some(10))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(fx.gh.events_after(-5, Some(1)).await.unwrap(), all[..1]);
    for limit in [0, 1001] {
        expect_code(
            fx.gh.events_after(0, Some(limit)).await,
            ErrorCode::InvalidArgument,
        );
    }
}

/// Every event of a mutating call names the call's transaction, so a consumer can tie
/// it to the result the caller got (and to its ledger entry, when there is one).
async fn every_event_names_its_transaction(fx: Fixture) {
    let mut txs = Vec::new();
    txs.push(
        fx.gh
            .grant(grant("alice", "gold", 500))
            .await
            .unwrap()
            .transaction_id,
    );
    txs.push(
        fx.gh
            .spend(spend("alice", "gold", 5))
            .await
            .unwrap()
            .transaction_id,
    );
    txs.push(
        fx.gh
            .transfer(transfer("alice", "bob", "gold", 5))
            .await
            .unwrap()
            .transaction_id,
    );
    txs.push(
        fx.gh
            .purchase(purchase("alice", "potion", 2))
            .await
            .unwrap()
            .transaction_id,
    );
    txs.push(
        fx.gh
            .grant_item(grant_item("alice", "scroll", 1))
            .await
            .unwrap()
            .transaction_id,
    );
    txs.push(
        fx.gh
            .use_item(use_item("alice", "potion", 1))
            .await
            .unwrap()
            .transaction_id,
    );
    let events = fx.all_events().await;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "currency_granted",
            "currency_spent",
            "currency_transferred",
            "item_purchased",
            "item_granted",
            "item_used"
        ]
    );
    let missing: Vec<String> = events
        .iter()
        .zip(&txs)
        .filter(|(ev, tx)| ev.payload["transaction_id"] != json!(tx))
        .map(|(ev, _)| format!("{}: {}", ev.kind, ev.payload))
        .collect();
    assert!(
        missing.is_empty(),
        "events whose payload lacks the call's transaction_id: {missing:#?}"
    );
}

async fn live_events_match_the_outbox(fx: Fixture) {
    let mut rx = fx.gh.subscribe();
    fx.gh.grant(grant("alice", "gold", 50)).await.unwrap();
    fx.gh
        .transfer(transfer("alice", "bob", "gold", 20))
        .await
        .unwrap();
    expect_code(
        fx.gh.spend(spend("bob", "gold", 500)).await,
        ErrorCode::InsufficientFunds,
    );
    fx.gh
        .purchase(purchase("alice", "potion", 1))
        .await
        .unwrap();
    let mut live = Vec::new();
    for _ in 0..3 {
        let ev = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
            .await
            .expect("live event in time")
            .expect("live event");
        live.push(ev);
    }
    assert_eq!(
        live,
        fx.all_events().await,
        "live events are the committed ones, with their seq"
    );
    assert!(rx.try_recv().is_err(), "a refused call publishes nothing");
}

async fn prune_removes_only_expired_events_and_keys(fx: Fixture) {
    let alice = pid("alice");
    let t0 = fx.now();
    fx.gh
        .grant(grant("alice", "gold", 10).key("k1"))
        .await
        .unwrap();
    fx.clock.advance_secs(23 * 3600);
    fx.gh
        .grant(grant("alice", "gold", 20).key("k2"))
        .await
        .unwrap();
    fx.clock.advance_secs(2 * 3600); // t0 + 25 h
    assert_eq!(
        fx.gh.prune().await.unwrap(),
        (0, 1),
        "only k1 is older than 24 h"
    );
    // k1 is forgotten: a different request under it now runs; k2 is still kept.
    let r = fx
        .gh
        .grant(grant("alice", "gold", 5).key("k1"))
        .await
        .expect("pruned key is free again");
    assert_eq!((r.replayed, r.balance), (false, 35));
    assert!(
        fx.gh
            .grant(grant("alice", "gold", 20).key("k2"))
            .await
            .unwrap()
            .replayed
    );
    expect_code(
        fx.gh.grant(grant("alice", "gold", 21).key("k2")).await,
        ErrorCode::IdempotencyConflict,
    );
    assert_eq!(fx.all_events().await.len(), 3);

    fx.clock.set(t0 + chrono::Duration::days(7) + secs(3600));
    let before = fx.snapshot(&[&alice]).await;
    assert_eq!(
        fx.gh.prune().await.unwrap(),
        (1, 2),
        "the t0 event and both remaining keys"
    );
    let events = fx.all_events().await;
    assert_eq!(events, before.events[1..], "events newer than 7 days stay");
    assert_eq!(
        events.iter().map(|e| e.at).collect::<Vec<_>>(),
        vec![t0 + secs(23 * 3600), t0 + secs(25 * 3600)]
    );
    let after = fx.snapshot(&[&alice]).await;
    assert_eq!(
        (after.wallets, after.histories, after.balances),
        (before.wallets, before.histories, before.balances),
        "prune keeps the ledger"
    );
    assert_eq!(fx.gh.prune().await.unwrap(), (0, 0));
    assert!(
        !fx.gh
            .grant(grant("alice", "gold", 21).key("k2"))
            .await
            .unwrap()
            .replayed
    );
    fx.assert_ledger_ok().await;
}

// ----- Catalog -----

async fn catalog_upsert_validation_and_replace(fx: Fixture) {
    let before = fx.snapshot(&[]).await;
    let base = || CatalogItem {
        id: "shield".into(),
        name: "Shield".into(),
        kind: ItemKind::Durable,
        price: Some(Price {
            currency: "gold".into(),
            amount: 250,
        }),
        max_stack: None,
        active: true,
        metadata: json!({ "slot": "offhand" }),
    };
    let bad: Vec<(&str, CatalogItem)> = vec![
        (
            "empty id",
            CatalogItem {
                id: String::new(),
                ..base()
            },
        ),
        (
            "129-byte id",
            CatalogItem {
                id: "s".repeat(129),
                ..base()
            },
        ),
        (
            "control character in id",
            CatalogItem {
                id: "sh\nield".into(),
                ..base()
            },
        ),
        (
            "empty name",
            CatalogItem {
                name: String::new(),
                ..base()
            },
        ),
        (
            "201-byte name",
            CatalogItem {
                name: "n".repeat(201),
                ..base()
            },
        ),
        (
            "unknown price currency",
            CatalogItem {
                price: Some(Price {
                    currency: "silver".into(),
                    amount: 5,
                }),
                ..base()
            },
        ),
        (
            "zero price",
            CatalogItem {
                price: Some(Price {
                    currency: "gold".into(),
                    amount: 0,
                }),
                ..base()
            },
        ),
        (
            "negative price",
            CatalogItem {
                price: Some(Price {
                    currency: "gold".into(),
                    amount: -5,
                }),
                ..base()
            },
        ),
        (
            "max_stack 0",
            CatalogItem {
                kind: ItemKind::Consumable,
                max_stack: Some(0),
                ..base()
            },
        ),
        (
            "negative max_stack",
            CatalogItem {
                kind: ItemKind::Consumable,
                max_stack: Some(-3),
                ..base()
            },
        ),
        (
            "array metadata",
            CatalogItem {
                metadata: json!([1]),
                ..base()
            },
        ),
    ];
    for (what, item) in bad {
        expect_code(
            fx.gh.upsert_catalog_item(item).await,
            ErrorCode::InvalidArgument,
        );
        fx.assert_unchanged(&before, &[], what).await;
    }

    let stored = fx.gh.upsert_catalog_item(base()).await.expect("valid item");
    assert_eq!(stored, base());
    assert_eq!(fx.gh.catalog_item("shield").await.unwrap(), base());
    let plain = CatalogItem {
        id: "plain".into(),
        name: "Plain".into(),
        kind: ItemKind::Consumable,
        price: None,
        max_stack: None,
        active: false,
        metadata: Value::Null,
    };
    fx.gh
        .upsert_catalog_item(plain.clone())
        .await
        .expect("item with every optional field empty");
    assert_eq!(fx.gh.catalog_item("plain").await.unwrap(), plain);
    let ids: Vec<String> = fx
        .gh
        .catalog()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(
        ids,
        ["elixir", "plain", "potion", "relic", "retired", "scroll", "shield", "sword"],
        "catalog ordered by id"
    );
    assert_eq!(
        fx.gh.catalog_item("potion").await.unwrap(),
        standard_catalog()[0]
    );
    expect_code(fx.gh.catalog_item("nope").await, ErrorCode::NotFound);
    expect_code(fx.gh.catalog_item("").await, ErrorCode::InvalidArgument);

    // Replacing an item changes its price for the next purchase.
    let mut potion = fx.gh.catalog_item("potion").await.unwrap();
    potion.price = Some(Price {
        currency: "gems".into(),
        amount: 15,
    });
    potion.name = "Big Potion".into();
    potion.metadata = json!({ "v": 2 });
    fx.gh.upsert_catalog_item(potion.clone()).await.unwrap();
    assert_eq!(fx.gh.catalog_item("potion").await.unwrap(), potion);
    assert_eq!(fx.gh.catalog().await.unwrap().len(), 8);
    fx.gh.grant(grant("alice", "gems", 100)).await.unwrap();
    let r = fx
        .gh
        .purchase(purchase("alice", "potion", 2))
        .await
        .unwrap();
    assert_eq!((r.currency.as_str(), r.amount, r.balance), ("gems", 30, 70));
    assert_eq!(
        fx.gh.inventory(&pid("alice")).await.unwrap()[0].name,
        "Big Potion",
        "inventory names come from the catalog"
    );
}

async fn set_catalog_item_active_toggles_sale(fx: Fixture) {
    let alice = pid("alice");
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    let off = fx
        .gh
        .set_catalog_item_active("potion", false)
        .await
        .expect("deactivate");
    assert!(!off.active);
    let stored = fx.gh.catalog_item("potion").await.unwrap();
    assert_eq!(
        stored,
        CatalogItem {
            active: false,
            ..standard_catalog()[0].clone()
        },
        "only the flag changes"
    );
    let players = [&alice];
    let before = fx.snapshot(&players).await;
    refused!(
        fx,
        before,
        &players,
        ErrorCode::NotForSale,
        "buying a deactivated item",
        fx.gh.purchase(purchase("alice", "potion", 1))
    );
    assert_eq!(
        fx.gh
            .grant_item(grant_item("alice", "potion", 2))
            .await
            .expect("granting an inactive item")
            .remaining,
        2
    );
    assert_eq!(
        fx.gh
            .use_item(use_item("alice", "potion", 1))
            .await
            .expect("using an inactive item")
            .remaining,
        1
    );

    assert!(
        fx.gh
            .set_catalog_item_active("potion", true)
            .await
            .unwrap()
            .active
    );
    assert_eq!(
        fx.gh
            .purchase(purchase("alice", "potion", 1))
            .await
            .unwrap()
            .item_quantity,
        2
    );
    assert!(
        fx.gh
            .set_catalog_item_active("retired", true)
            .await
            .unwrap()
            .active
    );
    assert_eq!(
        fx.gh
            .purchase(purchase("alice", "retired", 2))
            .await
            .unwrap()
            .amount,
        10
    );
    expect_code(
        fx.gh.set_catalog_item_active("nope", true).await,
        ErrorCode::NotFound,
    );
    assert_eq!(
        fx.gh.catalog().await.unwrap().len(),
        standard_catalog().len()
    );
}

// ----- Concurrency -----

async fn concurrent_same_key_grants_credit_once(fx: Fixture) {
    let alice = pid("alice");
    let mut tasks = Vec::new();
    for _ in 0..16 {
        tasks.push(spawn_call(&fx.gh, |gh| async move {
            gh.grant(grant("alice", "gold", 250).key("pay-777")).await
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("task").expect("same-key grant"));
    }
    assert_eq!(
        results.iter().filter(|r| !r.replayed).count(),
        1,
        "exactly one call executes"
    );
    assert!(results
        .iter()
        .all(|r| r.transaction_id == results[0].transaction_id
            && r.balance == 250
            && r.amount == 250));
    assert_eq!(fx.gh.balance(&alice, "gold").await.unwrap(), 250);
    assert_eq!(fx.full_history(&alice).await.len(), 1);
    assert_eq!(fx.all_events().await.len(), 1);
    fx.assert_ledger_ok().await;
}

async fn concurrent_same_key_different_requests_execute_one(fx: Fixture) {
    let alice = pid("alice");
    let mut tasks = Vec::new();
    for i in 0..12i64 {
        let amount = if i % 2 == 0 { 100 } else { 200 };
        tasks.push(spawn_call(&fx.gh, move |gh| async move {
            (
                amount,
                gh.grant(grant("alice", "gold", amount).key("k")).await,
            )
        }));
    }
    let mut executed = Vec::new();
    let mut outcomes = Vec::new();
    for t in tasks {
        let (amount, r) = t.await.expect("task");
        match r {
            Ok(r) if !r.replayed => executed.push(amount),
            Ok(r) => outcomes.push((amount, "replayed", r.amount)),
            Err(e) => {
                assert_eq!(e.code, ErrorCode::IdempotencyConflict, "{e}");
                outcomes.push((amount, "conflict", 0));
            }
        }
    }
    assert_eq!(executed.len(), 1, "exactly one request runs under the key");
    let winner = executed[0];
    for (amount, how, replayed_amount) in outcomes {
        if amount == winner {
            assert_eq!(
                (how, replayed_amount),
                ("replayed", winner),
                "the same request replays"
            );
        } else {
            assert_eq!(
                how, "conflict",
                "a different request under the key conflicts"
            );
        }
    }
    assert_eq!(fx.gh.balance(&alice, "gold").await.unwrap(), winner);
    assert_eq!(fx.all_events().await.len(), 1);
    fx.assert_ledger_ok().await;
}

/// Concurrent calls may be committed together (group commit); one change set the store
/// refuses must not take its neighbours down with it.
async fn failing_commit_does_not_fail_concurrent_calls(fx: Fixture) {
    fx.gh.grant(grant("alice", "gold", i64::MAX)).await.unwrap();
    fx.gh.grant(grant("bob", "gold", 1)).await.unwrap();
    // system:rewards now stands at i64::MIN: one more grant from it cannot be stored.
    let mut tasks = Vec::new();
    for i in 0..16 {
        tasks.push(spawn_call(&fx.gh, move |gh| async move {
            if i == 0 {
                (None, gh.grant(grant("carol", "gold", 1)).await)
            } else {
                let player = format!("q{i:02}");
                let mut req = grant(&player, "gold", 10);
                req.source = Some("bank".into());
                (Some(player), gh.grant(req).await)
            }
        }));
    }
    let mut failures = Vec::new();
    for t in tasks {
        let (player, r) = t.await.expect("task");
        match (player, r) {
            (None, Ok(r)) => failures.push(format!("the overflowing grant succeeded: {r:?}")),
            (None, Err(_)) => {}
            (Some(p), Err(e)) => failures.push(format!("valid grant to {p} failed: {e}")),
            (Some(p), Ok(r)) => assert_eq!((r.player.to_string(), r.balance), (p, 10)),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(
        fx.account_balance(&system_account("bank"), "gold").await,
        -150
    );
    assert_eq!(fx.gh.balance(&pid("carol"), "gold").await.unwrap(), 0);
    fx.assert_ledger_ok().await;
}

async fn concurrent_spends_never_overdraw(fx: Fixture) {
    let alice = pid("alice");
    fx.gh.grant(grant("alice", "gold", 100)).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..10 {
        tasks.push(spawn_call(&fx.gh, |gh| async move {
            gh.spend(spend("alice", "gold", 30)).await
        }));
    }
    let mut ok = Vec::new();
    for t in tasks {
        match t.await.expect("task") {
            Ok(r) => ok.push(r.balance),
            Err(e) => assert_eq!(e.code, ErrorCode::InsufficientFunds, "{e}"),
        }
    }
    ok.sort_unstable();
    assert_eq!(
        ok,
        vec![10, 40, 70],
        "each success saw the balance the one before it left"
    );
    assert_eq!(fx.gh.balance(&alice, "gold").await.unwrap(), 10);
    assert_eq!(fx.full_history(&alice).await.len(), 4);
    assert_eq!(fx.all_events().await.len(), 4);
    fx.assert_ledger_ok().await;
}

async fn concurrent_durable_purchases_charge_once(fx: Fixture) {
    let alice = pid("alice");
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        tasks.push(spawn_call(&fx.gh, |gh| async move {
            gh.purchase(purchase("alice", "sword", 1)).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(r) => {
                ok += 1;
                assert_eq!((r.balance, r.item_quantity), (900, 1));
            }
            Err(e) => assert_eq!(e.code, ErrorCode::AlreadyOwned, "{e}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(fx.gh.balance(&alice, "gold").await.unwrap(), 900);
    let inv = fx.gh.inventory(&alice).await.unwrap();
    assert_eq!(
        inv.iter()
            .map(|i| (i.item_id.as_str(), i.quantity))
            .collect::<Vec<_>>(),
        vec![("sword", 1)]
    );
    assert_eq!(fx.all_events().await.len(), 2);
    fx.assert_ledger_ok().await;
}

/// A successful call of the random workload, with what it returned.
#[derive(Debug, Clone)]
enum Done {
    Grant(BalanceChangeResult),
    Spend(BalanceChangeResult),
    Transfer(TransferResult),
    Purchase(PurchaseResult),
}

impl Done {
    fn transaction_id(&self) -> &str {
        match self {
            Done::Grant(r) | Done::Spend(r) => &r.transaction_id,
            Done::Transfer(r) => &r.transaction_id,
            Done::Purchase(r) => &r.transaction_id,
        }
    }
    /// (kind, currency, amount, debit, credit) of its one ledger entry, and its event kind.
    fn expected_entry(&self) -> ((EntryKind, String, i64, String, String), &'static str) {
        match self {
            Done::Grant(r) => (
                (
                    EntryKind::Grant,
                    r.currency.clone(),
                    r.amount,
                    "system:rewards".into(),
                    format!("player:{}", r.player),
                ),
                "currency_granted",
            ),
            Done::Spend(r) => (
                (
                    EntryKind::Spend,
                    r.currency.clone(),
                    r.amount,
                    format!("player:{}", r.player),
                    "system:sink".into(),
                ),
                "currency_spent",
            ),
            Done::Transfer(r) => (
                (
                    EntryKind::Transfer,
                    r.currency.clone(),
                    r.amount,
                    format!("player:{}", r.from),
                    format!("player:{}", r.to),
                ),
                "currency_transferred",
            ),
            Done::Purchase(r) => (
                (
                    EntryKind::Purchase,
                    r.currency.clone(),
                    r.amount,
                    format!("player:{}", r.player),
                    "system:shop".into(),
                ),
                "item_purchased",
            ),
        }
    }
}

const RANDOM_PLAYERS: usize = 20;
const RANDOM_TASKS: u64 = 8;
const RANDOM_OPS: usize = 500;

async fn random_worker(
    gh: guildhall_core::Guildhall,
    seed: u64,
) -> (Vec<Done>, BTreeMap<&'static str, usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut done = Vec::new();
    let mut refused: BTreeMap<&'static str, usize> = BTreeMap::new();
    let name = |i: usize| format!("p{i:02}");
    for _ in 0..RANDOM_OPS {
        let roll = rng.gen_range(0..100);
        let a = rng.gen_range(0..RANDOM_PLAYERS);
        let currency = if rng.gen_bool(0.7) { "gold" } else { "gems" };
        let outcome = if roll < 35 {
            let b = (a + rng.gen_range(1..RANDOM_PLAYERS)) % RANDOM_PLAYERS;
            let amount = if currency == "gold" {
                rng.gen_range(1..=300)
            } else {
                rng.gen_range(1..=50)
            };
            gh.transfer(transfer(&name(a), &name(b), currency, amount))
                .await
                .map(Done::Transfer)
        } else if roll < 60 {
            let (item, quantity) = match rng.gen_range(0..3) {
                0 => ("potion", rng.gen_range(1..=3)),
                1 => ("sword", 1),
                _ => ("elixir", rng.gen_range(1..=5)),
            };
            gh.purchase(purchase(&name(a), item, quantity))
                .await
                .map(Done::Purchase)
        } else if roll < 80 {
            let amount = if currency == "gold" {
                rng.gen_range(1..=500)
            } else {
                rng.gen_range(1..=100)
            };
            gh.grant(grant(&name(a), currency, amount))
                .await
                .map(Done::Grant)
        } else {
            let amount = if currency == "gold" {
                rng.gen_range(1..=400)
            } else {
                rng.gen_range(1..=60)
            };
            gh.spend(spend(&name(a), currency, amount))
                .await
                .map(Done::Spend)
        };
        match outcome {
            Ok(d) => done.push(d),
            Err(e) => {
                // CONFLICT (every retry lost to a concurrent change) is a documented outcome
                // that changes nothing; anything else but a rule refusal is a failure.
                assert!(
                    matches!(
                        e.code,
                        ErrorCode::InsufficientFunds
                            | ErrorCode::StackLimit
                            | ErrorCode::AlreadyOwned
                            | ErrorCode::BalanceLimit
                            | ErrorCode::Conflict
                    ),
                    "only rule refusals are expected under concurrency, got {e}"
                );
                *refused.entry(e.code.as_str()).or_default() += 1;
            }
        }
    }
    (done, refused)
}

async fn concurrent_random_operations_keep_every_invariant(fx: Fixture) {
    let players: Vec<PlayerId> = (0..RANDOM_PLAYERS)
        .map(|i| pid(&format!("p{i:02}")))
        .collect();
    let mut done: Vec<Done> = Vec::new();
    for p in &players {
        done.push(Done::Grant(
            fx.gh.grant(grant(p.as_str(), "gold", 2000)).await.unwrap(),
        ));
        done.push(Done::Grant(
            fx.gh.grant(grant(p.as_str(), "gems", 200)).await.unwrap(),
        ));
    }
    let started = std::time::Instant::now();
    let workers: Vec<_> = (0..RANDOM_TASKS)
        .map(|t| spawn_call(&fx.gh, move |gh| random_worker(gh, 0x6d1d_0000 + t)))
        .collect();
    let mut refused: BTreeMap<&'static str, usize> = BTreeMap::new();
    for w in workers {
        let (d, r) = w.await.expect("worker task");
        done.extend(d);
        for (code, n) in r {
            *refused.entry(code).or_default() += n;
        }
    }
    eprintln!(
        "[{}] {} calls in {:?}: {} succeeded, refused {:?}",
        fx.kind,
        RANDOM_TASKS as usize * RANDOM_OPS,
        started.elapsed(),
        done.len() - 2 * RANDOM_PLAYERS,
        refused
    );
    assert!(
        refused.values().sum::<usize>() > 0 && done.len() > 2 * RANDOM_PLAYERS,
        "the workload exercises both outcomes"
    );
    let conflicts = refused.get("CONFLICT").copied().unwrap_or(0);
    assert!(
        conflicts * 100 < RANDOM_TASKS as usize * RANDOM_OPS,
        "retries resolve contention: {conflicts} calls ended in CONFLICT"
    );

    // Expected balances and item counts from the successful results alone.
    let mut expected: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut flows: BTreeMap<(&str, String), i64> = BTreeMap::new(); // (grant|spend|shop, currency)
    let mut items: BTreeMap<(String, String), i64> = BTreeMap::new();
    for d in &done {
        match d {
            Done::Grant(r) => {
                *expected
                    .entry((r.player.to_string(), r.currency.clone()))
                    .or_default() += r.amount;
                *flows.entry(("grant", r.currency.clone())).or_default() += r.amount;
            }
            Done::Spend(r) => {
                *expected
                    .entry((r.player.to_string(), r.currency.clone()))
                    .or_default() -= r.amount;
                *flows.entry(("spend", r.currency.clone())).or_default() += r.amount;
            }
            Done::Transfer(r) => {
                *expected
                    .entry((r.from.to_string(), r.currency.clone()))
                    .or_default() -= r.amount;
                *expected
                    .entry((r.to.to_string(), r.currency.clone()))
                    .or_default() += r.amount;
            }
            Done::Purchase(r) => {
                assert_eq!(
                    r.amount,
                    r.quantity
                        * if r.item_id == "elixir" {
                            ELIXIR_PRICE
                        } else if r.item_id == "sword" {
                            SWORD_PRICE
                        } else {
                            POTION_PRICE
                        }
                );
                *expected
                    .entry((r.player.to_string(), r.currency.clone()))
                    .or_default() -= r.amount;
                *flows.entry(("shop", r.currency.clone())).or_default() += r.amount;
                *items
                    .entry((r.player.to_string(), r.item_id.clone()))
                    .or_default() += r.quantity;
            }
        }
    }
    for currency in ["gold", "gems"] {
        let c = currency.to_string();
        let flow = |k: &'static str| flows.get(&(k, c.clone())).copied().unwrap_or(0);
        let mut player_total = 0i128;
        for p in &players {
            let have = fx.gh.balance(p, currency).await.unwrap();
            let want = expected
                .get(&(p.to_string(), c.clone()))
                .copied()
                .unwrap_or(0);
            assert_eq!(
                have, want,
                "{p} {currency}: balance equals its successful calls"
            );
            assert!(have >= 0, "{p} {currency} is negative");
            if currency == "gems" {
                assert!(have <= GEMS_MAX);
            }
            player_total += i128::from(have);
        }
        assert_eq!(
            player_total,
            i128::from(flow("grant") - flow("spend") - flow("shop")),
            "{currency}: players hold grants - spends - shop revenue"
        );
        assert_eq!(
            fx.account_balance(&system_account("rewards"), currency)
                .await,
            -flow("grant")
        );
        assert_eq!(
            fx.account_balance(&system_account("sink"), currency).await,
            flow("spend")
        );
        assert_eq!(
            fx.account_balance(&system_account("shop"), currency).await,
            flow("shop")
        );
    }
    for (currency, total) in fx.currency_totals().await {
        assert_eq!(total, 0, "{currency} sums to zero over all accounts");
    }
    fx.assert_ledger_ok().await;

    for p in &players {
        let inv: BTreeMap<String, i64> = fx
            .gh
            .inventory(p)
            .await
            .unwrap()
            .into_iter()
            .map(|i| (i.item_id, i.quantity))
            .collect();
        for item in ["potion", "sword", "elixir"] {
            let bought = items
                .get(&(p.to_string(), item.to_string()))
                .copied()
                .unwrap_or(0);
            assert_eq!(
                inv.get(item).copied().unwrap_or(0),
                bought,
                "{p} holds the {item}s it bought"
            );
        }
        assert!(inv.get("sword").copied().unwrap_or(0) <= 1);
        assert!(inv.get("potion").copied().unwrap_or(0) <= POTION_MAX_STACK);
    }

    // Every success has exactly its ledger entry and its event; nothing else exists.
    let mut ledger: HashMap<String, Vec<LedgerEntry>> = HashMap::new();
    let mut seen = BTreeSet::new();
    for p in &players {
        for e in fx.full_history(p).await {
            if seen.insert(e.id.clone()) {
                ledger.entry(e.transaction_id.clone()).or_default().push(e);
            }
        }
    }
    let events = fx.all_events().await;
    let mut by_tx: HashMap<String, Vec<&Event>> = HashMap::new();
    for ev in &events {
        let tx = ev.payload["transaction_id"]
            .as_str()
            .unwrap_or_else(|| panic!("event without transaction_id: {ev:?}"));
        by_tx.entry(tx.to_string()).or_default().push(ev);
    }
    assert_eq!(
        seen.len(),
        done.len(),
        "one ledger entry per success, none for refusals"
    );
    assert_eq!(
        events.len(),
        done.len(),
        "one event per success, none for refusals"
    );
    for d in &done {
        let tx = d.transaction_id();
        let ((kind, currency, amount, debit, credit), event_kind) = d.expected_entry();
        let entries = ledger
            .get(tx)
            .unwrap_or_else(|| panic!("no ledger entry for {d:?}"));
        assert_eq!(entries.len(), 1, "{d:?}");
        let e = &entries[0];
        assert_eq!(
            (
                e.kind,
                e.currency.clone(),
                e.amount,
                e.debit.to_string(),
                e.credit.to_string()
            ),
            (kind, currency, amount, debit, credit)
        );
        let evs = by_tx
            .get(tx)
            .unwrap_or_else(|| panic!("no event for {d:?}"));
        assert_eq!(evs.len(), 1, "{d:?}");
        assert_eq!(evs[0].kind, event_kind);
    }
}

/// Two services over one database (two host processes, or a host and a binding): each
/// sees the other's commits at once, idempotency keys hold across them, and concurrent
/// writes through both keep the ledger whole.
async fn two_services_over_one_database_share_state(fx: Fixture) {
    let (alice, bob) = (pid("alice"), pid("bob"));
    let other = fx.second_service().await;
    let first = fx
        .gh
        .grant(grant("alice", "gold", 500).key("pay-1"))
        .await
        .unwrap();
    assert_eq!(
        other.balance(&alice, "gold").await.unwrap(),
        500,
        "a commit is visible through the other service at once"
    );
    let again = other
        .grant(grant("alice", "gold", 500).key("pay-1"))
        .await
        .unwrap();
    assert!(
        again.replayed,
        "a key stored through one service is honoured by the other"
    );
    assert_eq!(again.transaction_id, first.transaction_id);
    expect_code(
        other.grant(grant("alice", "gold", 1).key("pay-1")).await,
        ErrorCode::IdempotencyConflict,
    );
    other
        .purchase(purchase("alice", "potion", 2))
        .await
        .unwrap();
    assert_eq!(fx.gh.inventory(&alice).await.unwrap()[0].quantity, 2);
    assert_eq!(
        fx.gh.catalog().await.unwrap(),
        other.catalog().await.unwrap()
    );
    other.grant(grant("bob", "gold", 500)).await.unwrap();

    let mut tasks = Vec::new();
    for t in 0..8u64 {
        let gh = if t % 2 == 0 { &fx.gh } else { &other };
        tasks.push(spawn_call(gh, move |gh| async move {
            let mut rng = StdRng::seed_from_u64(0x5eed + t);
            let (mut ok, mut conflicts) = (0usize, 0usize);
            for i in 0..50 {
                let (from, to) = if (i + t) % 2 == 0 {
                    ("alice", "bob")
                } else {
                    ("bob", "alice")
                };
                match gh
                    .transfer(transfer(from, to, "gold", rng.gen_range(1..=20)))
                    .await
                {
                    Ok(_) => ok += 1,
                    // Eight writers on two balances: a call may lose every retry (CONFLICT,
                    // documented to change nothing).
                    Err(e) if e.code == ErrorCode::Conflict => conflicts += 1,
                    Err(e) => assert_eq!(e.code, ErrorCode::InsufficientFunds, "{e}"),
                }
            }
            (ok, conflicts)
        }));
    }
    let (mut transfers, mut conflicts) = (0, 0);
    for t in tasks {
        let (ok, c) = t.await.expect("task");
        transfers += ok;
        conflicts += c;
    }
    assert!(
        conflicts * 10 < 400,
        "retries resolve contention: {conflicts} of 400 transfers ended in CONFLICT"
    );
    let a = fx.gh.balance(&alice, "gold").await.unwrap();
    let b = other.balance(&bob, "gold").await.unwrap();
    assert!(a >= 0 && b >= 0);
    assert_eq!(
        a + b,
        1000 - 2 * POTION_PRICE,
        "transfers between the two conserve gold"
    );
    fx.assert_ledger_ok().await;
    assert!(other.verify_ledger().await.unwrap().ok);
    let events = fx.all_events().await;
    assert_eq!(events.len(), 3 + transfers);
    assert_eq!(
        other.events_after(0, Some(1000)).await.unwrap(),
        events,
        "both services read one outbox"
    );
    let h = fx.full_history(&bob).await;
    assert_eq!(h.len(), 1 + transfers);
    let page = other
        .history(
            &bob,
            HistoryFilter {
                limit: Some(200),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.entries, h[..h.len().min(200)]);
}
