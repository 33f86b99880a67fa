//! Idempotency keys: replays of every operation, keys scoped per caller and operation,
//! records from before caller scopes, concurrent calls under one key.

use super::*;

conformance!(
    idempotent_replay_for_every_operation,
    idempotency_keys_are_scoped_per_caller_and_operation,
    idempotency_records_from_before_caller_scopes_still_replay,
    failed_call_does_not_consume_its_key,
    donation_webhook_credits_once,
    concurrent_same_key_grants_credit_once,
    concurrent_same_key_different_requests_execute_one,
);

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
