//! Economy: grants, spends and transfers with their ledger entries and events, refusals
//! that leave no trace, paged history, the ledger audit.

use super::*;

conformance!(
    grant_credits_player_with_ledger_entry_and_event,
    spend_debits_player_to_sink,
    transfer_moves_both_sides_in_one_entry,
    insufficient_funds_changes_nothing,
    balance_limit_and_overflow_change_nothing,
    system_account_overflow_is_refused_and_changes_nothing,
    history_newest_first_with_cursor_pages_and_filters,
    history_cursor_is_stable_under_new_writes,
    history_rejects_bad_cursor_and_limit,
    ledger_balances_sum_to_zero_and_match_history,
    ledger_audit_during_load_reports_no_differences,
    ledger_audit_sums_past_i64_exactly,
    concurrent_spends_never_overdraw,
);

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

/// Players of [`ledger_audit_during_load_reports_no_differences`].
const AUDIT_LOAD_PLAYERS: usize = 6;
/// Writing tasks of that case, and calls each makes.
const AUDIT_LOAD_TASKS: usize = 3;
const AUDIT_LOAD_OPS: usize = 150;

/// SPEC.md Clarifications (second round): the audit reads balances and ledger sums from
/// one consistent snapshot, so an audit of a live database never reports a difference
/// that is not there. Audits run back to back while transfers, purchases, uses, grants
/// and spends commit; every one of them must say ok.
async fn ledger_audit_during_load_reports_no_differences(fx: Fixture) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let name = |i: usize| format!("load{i}");
    for i in 0..AUDIT_LOAD_PLAYERS {
        fx.gh
            .grant(grant(&name(i), "gold", 1_000_000))
            .await
            .unwrap();
    }
    let writing = Arc::new(AtomicBool::new(true));
    let auditor = {
        let writing = writing.clone();
        spawn_call(&fx.gh, move |gh| async move {
            let (mut audits, mut bad) = (0usize, Vec::new());
            while writing.load(Ordering::SeqCst) {
                match gh.verify_ledger().await {
                    Ok(r) if r.ok => {}
                    Ok(r) => bad.push(format!("{r:?}")),
                    Err(e) => bad.push(format!("error: {e}")),
                }
                audits += 1;
            }
            (audits, bad)
        })
    };
    let workers: Vec<_> = (0..AUDIT_LOAD_TASKS)
        .map(|w| {
            spawn_call(&fx.gh, move |gh| async move {
                let mut failures = Vec::new();
                for i in 0..AUDIT_LOAD_OPS {
                    let a = name((w * 2 + i) % AUDIT_LOAD_PLAYERS);
                    let b = name((w * 2 + i + 1) % AUDIT_LOAD_PLAYERS);
                    let amount = 1 + (i as i64 % 7);
                    let r = match i % 4 {
                        0 | 1 => gh
                            .transfer(transfer(&a, &b, "gold", amount))
                            .await
                            .map(drop),
                        2 => match gh.purchase(purchase(&a, "potion", 1)).await {
                            Ok(_) => gh.use_item(use_item(&a, "potion", 1)).await.map(drop),
                            Err(e) => Err(e),
                        },
                        _ => match gh.spend(spend(&a, "gold", amount)).await {
                            Ok(_) => gh.grant(grant(&b, "gold", amount)).await.map(drop),
                            Err(e) => Err(e),
                        },
                    };
                    // CONFLICT (every retry lost) changes nothing and is documented.
                    if let Err(e) = r {
                        if e.code != ErrorCode::Conflict {
                            failures.push(format!("{a}/{b} call {i}: {e}"));
                        }
                    }
                }
                failures
            })
        })
        .collect();
    let mut failures = Vec::new();
    for w in workers {
        failures.extend(w.await.expect("writer task"));
    }
    writing.store(false, Ordering::SeqCst);
    let (audits, bad) = auditor.await.expect("auditor task");
    assert!(failures.is_empty(), "the load itself failed: {failures:#?}");
    eprintln!("[{}] {audits} audits during the load", fx.kind);
    assert!(audits >= 3, "only {audits} audits ran during the load");
    assert!(
        bad.is_empty(),
        "{} of {audits} audits during the load reported differences that are not there; first: {}",
        bad.len(),
        bad[0]
    );
    fx.assert_ledger_ok().await;
}

/// SPEC.md Clarifications (second round): sums that pass the range of `i64` on the way
/// are still summed exactly. `system:bank` is a grant source and a spend sink at once:
/// its balance stays within a few units of zero while both its credits and its debits
/// pass `i64::MAX` several times over, and every player balance stays in range.
async fn ledger_audit_sums_past_i64_exactly(fx: Fixture) {
    let bank = system_account("bank");
    let big = i64::MAX - 2;
    for round in 0..3 {
        for p in ["whale1", "whale2"] {
            let mut g = grant(p, "gold", big);
            g.source = Some("bank".into());
            fx.gh.grant(g).await.unwrap();
            if round == 2 && p == "whale2" {
                // whale2 keeps its last grant: system:bank ends at -big.
                continue;
            }
            let mut s = spend(p, "gold", big);
            s.sink = Some("bank".into());
            fx.gh.spend(s).await.unwrap();
        }
    }
    fx.gh
        .transfer(transfer("whale2", "whale1", "gold", 5))
        .await
        .unwrap();
    assert_eq!(fx.account_balance(&bank, "gold").await, -big);
    assert_eq!(
        fx.gh.balance(&pid("whale2"), "gold").await.unwrap(),
        big - 5
    );
    let mut credits = 0i128;
    let mut debits = 0i128;
    for p in ["whale1", "whale2"] {
        for e in fx.full_history(&pid(p)).await {
            if e.credit == bank {
                credits += i128::from(e.amount);
            }
            if e.debit == bank {
                debits += i128::from(e.amount);
            }
        }
    }
    assert!(
        credits > i128::from(i64::MAX) * 2 && debits > i128::from(i64::MAX) * 2,
        "the case must take system:bank's sums past i64 ({credits}, {debits})"
    );
    let report = match fx.gh.verify_ledger().await {
        Ok(r) => r,
        Err(e) => panic!("the audit of a valid ledger failed on '{}': {e}", fx.kind),
    };
    assert!(report.ok, "audit on '{}': {report:?}", fx.kind);
    assert_eq!(report.accounts_checked, fx.all_balances().await.len());

    // A real difference on the same account is still found, exactly: a balance row
    // moved without a ledger entry.
    let mut cs = guildhall_core::ports::ChangeSet::default();
    cs.balances.push(guildhall_core::ports::BalanceWrite::Add {
        account: bank.clone(),
        currency: "gold".into(),
        delta: 1,
    });
    fx.gh.store().commit(cs).await.unwrap();
    let report = fx.gh.verify_ledger().await.unwrap();
    assert!(!report.ok);
    assert_eq!(
        report
            .mismatches
            .iter()
            .map(|m| (m.account.clone(), m.currency.as_str(), m.balance, m.ledger))
            .collect::<Vec<_>>(),
        vec![(bank, "gold", -big + 1, -big)]
    );
    assert_eq!(report.unbalanced_currencies, vec![("gold".to_string(), 1)]);
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
