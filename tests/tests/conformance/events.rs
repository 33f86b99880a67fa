//! Events: the outbox in commit order, each event naming its transaction, live events,
//! pruning, and one player's events.

use super::*;

conformance!(
    events_after_pages_in_commit_order,
    every_event_names_its_transaction,
    live_events_match_the_outbox,
    prune_removes_only_expired_events_and_keys,
    events_player_events_after_returns_exactly_that_players_events => modules_config,
    calls_cancelled_at_random_moments_still_publish_and_invalidate,
);

/// A caller that goes away after its commit (a cancelled task, a dropped Promise, a
/// disconnected client) must not take the commit's after-work with it: every committed
/// event is published live and no cached wallet is left stale (issue: the after-work
/// ran in the caller, after `commit_changes` returned to it).
async fn calls_cancelled_at_random_moments_still_publish_and_invalidate(fx: Fixture) {
    use guildhall_core::memory::MemoryCoordinator;
    use guildhall_core::ports::Clock;
    let gh = guildhall_core::Guildhall::new(
        fx.gh.store().clone(),
        Arc::new(MemoryCoordinator::with_cache()),
        fx.gh.config().clone(),
    )
    .with_clock(fx.clock.clone() as Arc<dyn Clock>);
    let players = ["alice", "bob", "carol", "dave"];
    let mut live = gh.subscribe();
    for p in players {
        gh.wallet(&pid(p)).await.unwrap(); // cached now
    }
    let mut rng = StdRng::seed_from_u64(15);
    let mut calls = Vec::new();
    for i in 0..160 {
        let gh = gh.clone();
        let p = players[i % players.len()];
        let call = tokio::spawn(async move { gh.grant(grant(p, "gold", 1)).await });
        calls.push((call, rng.gen_range(0..3000u64)));
    }
    let mut cancelled = 0;
    for (call, after_micros) in calls {
        tokio::time::sleep(std::time::Duration::from_micros(after_micros)).await;
        if !call.is_finished() {
            cancelled += 1;
        }
        call.abort();
    }
    // Let every commit that was handed to the committer finish its after-work.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let outbox = gh.events_after(0, Some(1000)).await.unwrap();
    let mut published = BTreeSet::new();
    while let Ok(e) = live.try_recv() {
        published.insert(e.id.clone());
    }
    let unpublished: Vec<&str> = outbox
        .iter()
        .filter(|e| !published.contains(&e.id))
        .map(|e| e.kind.as_str())
        .collect();
    assert!(
        unpublished.is_empty(),
        "{} of {} committed events never published live ({cancelled} calls cancelled): {unpublished:?}",
        unpublished.len(),
        outbox.len()
    );
    for p in players {
        let cached = gh.wallet(&pid(p)).await.unwrap();
        let stored = fx.gh.wallet(&pid(p)).await.unwrap();
        assert_eq!(cached, stored, "{p}: the cached wallet is stale");
    }
    assert!(
        !outbox.is_empty(),
        "no call committed before it was cancelled"
    );
}

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
        live.push(std::sync::Arc::unwrap_or_clone(ev));
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

async fn events_player_events_after_returns_exactly_that_players_events(fx: Fixture) {
    // Ids that a careless match would confuse: prefixes, LIKE wildcards, quotes, non-ASCII.
    let names = ["al", "alice", "a_ice", "a%", "q\"uote", "игрок", "al ice"];
    for (i, n) in names.iter().enumerate() {
        fx.gh.grant(grant(n, "gold", 10 + i as i64)).await.unwrap();
    }
    fx.gh
        .transfer(transfer("al", "alice", "gold", 5))
        .await
        .unwrap();
    let party = fx.gh.create_party(&pid("al"), true).await.unwrap();
    fx.gh.join_party(&pid("alice"), &party.id).await.unwrap();
    fx.gh
        .invite_to_party(&pid("al"), &pid("a_ice"))
        .await
        .unwrap();
    fx.gh
        .send_mail(gift_mail("a%", "hi", 3, &[]))
        .await
        .unwrap();
    fx.gh
        .send_mail(player_mail("q\"uote", "игрок", "привет"))
        .await
        .unwrap();
    fx.gh.put_template(template("t", "hello")).await.unwrap();
    fx.gh
        .put_trigger(trigger("t", "t", FrequencyCap::Unlimited, 0, &[]))
        .await
        .unwrap();
    fx.gh.fire(fire("al ice", "login")).await.unwrap();
    fx.gh.queue(duel("al")).await.unwrap();
    fx.gh.queue(duel("a_ice")).await.unwrap();
    fx.gh.tick("h").await.unwrap();
    fx.gh
        .purchase(purchase("alice", "potion", 1))
        .await
        .unwrap();

    let all = fx.all_events().await;
    for n in names {
        let p = pid(n);
        let want: Vec<Event> = all
            .iter()
            .filter(|e| e.players.contains(&p))
            .cloned()
            .collect();
        assert!(!want.is_empty(), "{n} has events");
        for page in [1, 2, 1000] {
            assert_eq!(
                fx.player_events(&p, page).await,
                want,
                "{n}, pages of {page}"
            );
        }
        let mid = want[want.len() / 2].seq;
        assert_eq!(
            fx.gh
                .player_events_after(&p, mid, Some(1000))
                .await
                .unwrap(),
            want.iter()
                .filter(|e| e.seq > mid)
                .cloned()
                .collect::<Vec<_>>(),
            "{n} after {mid}"
        );
        assert!(want.windows(2).all(|w| w[0].seq < w[1].seq));
    }
    let al: Vec<String> = kinds(&fx.player_events(&pid("al"), 1000).await);
    assert_eq!(
        al,
        [
            "currency_granted",
            "currency_transferred",
            "party_joined",
            "party_joined",
            "party_invited",
            "ticket_queued",
            "match_found"
        ]
    );
    assert!(fx.player_events(&pid("nobody"), 10).await.is_empty());
    assert!(fx.player_events(&pid("a"), 10).await.is_empty());
    expect_code(
        fx.gh.player_events_after(&pid("al"), 0, Some(0)).await,
        ErrorCode::InvalidArgument,
    );
    expect_code(
        fx.gh.player_events_after(&pid("al"), 0, Some(1001)).await,
        ErrorCode::InvalidArgument,
    );
}
