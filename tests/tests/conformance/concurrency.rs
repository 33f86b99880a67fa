//! The commit engine under load: a failing commit beside concurrent calls, random
//! concurrent operations keeping every invariant, two services over one database.

use super::*;

conformance!(
    failing_commit_does_not_fail_concurrent_calls,
    concurrent_random_operations_keep_every_invariant,
    two_services_over_one_database_share_state,
);

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
