//! Achievements and quests: progress counted in the commit of the event that counts
//! (purchases of one item, spends by amount, matches won), exactly once under 32
//! concurrent counting events from two services, a weekly quest resetting at Monday
//! 00:00 in Europe/Berlin on both sides of the daylight-saving changes, a reward claimed
//! once (repeated and concurrent claims grant nothing twice; ledger intact), and
//! prerequisites gating progress.

use super::*;
use guildhall_core::achievements::{
    Achievement, AchievementKind, ClaimAchievementRequest, Counts, ProgressRequest,
};
use guildhall_core::mail::{Attachments, CurrencyAttachment, ItemAttachment};
use guildhall_core::schedule::ResetSchedule;

conformance!(
    achievements_complete_once_under_32_concurrent_counting_events,
    achievements_count_purchases_of_an_item_in_the_same_commit,
    achievements_count_matches_won => modules_config,
    achievements_weekly_quest_resets_at_monday_in_berlin_across_dst => achievements_config,
    achievements_reward_is_claimed_once,
    achievements_prerequisites_gate_progress,
    achievements_definitions_are_checked,
    achievements_a_definition_put_through_one_service_counts_in_another,
    achievements_an_unreadable_definition_stops_no_commit,
);

fn def(id: &str, goal: i64, counts: Option<Counts>) -> Achievement {
    Achievement {
        id: id.into(),
        kind: AchievementKind::Achievement,
        title: format!("{id} title"),
        description: String::new(),
        goal,
        counts,
        reset: None,
        prerequisites: vec![],
        reward: Attachments::default(),
    }
}

fn counts(event: &str, filter: Value, amount_field: Option<&str>) -> Option<Counts> {
    Some(Counts {
        event: event.into(),
        filter: filter.as_object().cloned().unwrap_or_default(),
        amount_field: amount_field.map(str::to_string),
    })
}

fn progress(player: &str, id: &str, amount: i64) -> ProgressRequest {
    ProgressRequest {
        player: pid(player),
        achievement_id: id.into(),
        amount,
        idempotency_key: None,
    }
}

fn claim(player: &str, id: &str, key: Option<&str>) -> ClaimAchievementRequest {
    ClaimAchievementRequest {
        player: pid(player),
        achievement_id: id.into(),
        idempotency_key: key.map(str::to_string),
    }
}

async fn status(fx: &Fixture, player: &str, id: &str) -> (i64, bool, bool) {
    let s = fx.gh.achievement_status(&pid(player), id).await.unwrap();
    (s.progress, s.completed_at.is_some(), s.claimed_at.is_some())
}

fn of(events: &[Event], id: &str) -> usize {
    events
        .iter()
        .filter(|e| e.payload["achievement_id"] == json!(id))
        .count()
}

async fn achievements_complete_once_under_32_concurrent_counting_events(fx: Fixture) {
    fx.gh
        .put_achievement(def(
            "spender",
            32,
            counts("currency_spent", json!({ "currency": "gold" }), None),
        ))
        .await
        .unwrap();
    fx.gh
        .put_achievement(def(
            "big_spender",
            240,
            counts("currency_spent", json!({}), Some("amount")),
        ))
        .await
        .unwrap();
    fx.gh
        .put_achievement(def(
            "whale",
            1000,
            counts("currency_spent", json!({}), Some("amount")),
        ))
        .await
        .unwrap();
    fx.gh.grant(grant("ann", "gold", 10_000)).await.unwrap();
    // Two services, as two host processes: their calls meet only at the version guards.
    let other = fx.second_service().await;
    let mut tasks = Vec::new();
    for i in 0..32 {
        let gh = if i % 2 == 0 { &fx.gh } else { &other };
        tasks.push(spawn_call(gh, move |gh| async move {
            if i % 4 == 3 {
                gh.progress_achievement(progress("ann", "spender", 1))
                    .await
                    .map(|_| ())
            } else {
                gh.spend(spend("ann", "gold", 10)).await.map(|_| ())
            }
        }));
    }
    for t in tasks {
        t.await.expect("task").expect("a counting call");
    }
    // 24 spends of 10 gold and 8 explicit progress calls: 32 counted, complete once.
    assert_eq!(status(&fx, "ann", "spender").await, (32, true, false));
    assert_eq!(status(&fx, "ann", "big_spender").await, (240, true, false));
    assert_eq!(status(&fx, "ann", "whale").await, (240, false, false));
    let completed = fx.events_of("achievement_completed").await;
    assert_eq!(of(&completed, "spender"), 1, "completed once");
    assert_eq!(of(&completed, "big_spender"), 1);
    assert_eq!(of(&completed, "whale"), 0);
    let progressed = fx.events_of("achievement_progress").await;
    assert_eq!(of(&progressed, "spender"), 32, "every event counted once");
    assert_eq!(of(&progressed, "whale"), 24);
    assert!(progressed.iter().all(|e| players_of(e) == set(&["ann"])));
    assert_eq!(
        fx.gh.wallet(&pid("ann")).await.unwrap().balances[0].amount,
        10_000 - 240
    );
    // Counting more after completion changes nothing of the completed one.
    fx.gh.spend(spend("ann", "gold", 10)).await.unwrap();
    assert_eq!(status(&fx, "ann", "spender").await, (32, true, false));
    assert_eq!(status(&fx, "ann", "whale").await, (250, false, false));
    assert_eq!(
        of(&fx.events_of("achievement_completed").await, "spender"),
        1
    );
    fx.assert_ledger_ok().await;
}

async fn achievements_count_purchases_of_an_item_in_the_same_commit(fx: Fixture) {
    fx.gh.grant(grant("ann", "gold", 1_000)).await.unwrap();
    // Before any definition: a purchase emits no achievement event.
    fx.gh.purchase(purchase("ann", "potion", 1)).await.unwrap();
    fx.gh
        .put_achievement(def(
            "potions",
            5,
            counts(
                "item_purchased",
                json!({ "item_id": "potion" }),
                Some("quantity"),
            ),
        ))
        .await
        .unwrap();
    fx.gh
        .put_achievement(def(
            "swords",
            1,
            counts("item_purchased", json!({ "item_id": "sword" }), None),
        ))
        .await
        .unwrap();
    fx.gh.purchase(purchase("ann", "potion", 2)).await.unwrap();
    fx.gh
        .purchase(purchase("bob", "potion", 1))
        .await
        .unwrap_err();
    assert_eq!(status(&fx, "ann", "potions").await, (2, false, false));
    assert_eq!(status(&fx, "ann", "swords").await, (0, false, false));
    // A refused purchase counts nothing.
    let before = fx.snapshot(&[&pid("ann")]).await;
    refused!(
        fx,
        before,
        &[&pid("ann")],
        ErrorCode::StackLimit,
        "a refused purchase",
        fx.gh.purchase(purchase("ann", "potion", POTION_MAX_STACK))
    );
    fx.gh.purchase(purchase("ann", "potion", 3)).await.unwrap();
    assert_eq!(status(&fx, "ann", "potions").await, (5, true, false));
    // The progress is in the purchase's commit: its events follow the purchase's,
    // before anything else.
    let events = fx.all_events().await;
    let last_purchase = events
        .iter()
        .rposition(|e| e.kind == "item_purchased")
        .unwrap();
    assert_eq!(
        kinds(&events[last_purchase..]),
        [
            "item_purchased",
            "achievement_progress",
            "achievement_completed"
        ]
    );
    let p = &events[last_purchase + 1];
    assert_payload(
        p,
        &[
            ("player", json!("ann")),
            ("achievement_id", json!("potions")),
            ("added", json!(3)),
            ("progress", json!(5)),
            ("goal", json!(5)),
            ("cause", json!("item_purchased")),
        ],
    );
    assert_eq!(
        fx.events_of("achievement_progress").await.len(),
        2,
        "the purchase before the definition did not count"
    );
    // Listing: every definition, by id, with the player's progress.
    let all = fx.gh.player_achievements(&pid("ann")).await.unwrap();
    let listed: Vec<(String, i64, bool)> = all
        .iter()
        .map(|s| {
            (
                s.achievement.id.clone(),
                s.progress,
                s.completed_at.is_some(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("potions".to_string(), 5, true),
            ("swords".to_string(), 0, false)
        ]
    );
    assert!(all.iter().all(|s| s.unlocked && s.period.is_none()));
    fx.assert_ledger_ok().await;
}

async fn achievements_count_matches_won(fx: Fixture) {
    fx.gh
        .put_achievement(def(
            "winner",
            1,
            counts(
                "rating_updated",
                json!({ "queue": "duel", "won": true }),
                None,
            ),
        ))
        .await
        .unwrap();
    fx.gh
        .put_achievement(def("player", 2, counts("rating_updated", json!({}), None)))
        .await
        .unwrap();
    fx.gh.queue(duel("ann")).await.unwrap();
    fx.gh.queue(duel("bob")).await.unwrap();
    let m = fx.gh.tick("h").await.unwrap().remove(0);
    let (first, second) = (m.teams[0][0].clone(), m.teams[1][0].clone());
    fx.gh.report_match(&m.id, vec![1, 0]).await.unwrap();
    assert_eq!(
        status(&fx, second.as_str(), "winner").await,
        (1, true, false)
    );
    assert_eq!(
        status(&fx, first.as_str(), "winner").await,
        (0, false, false)
    );
    assert_eq!(
        status(&fx, first.as_str(), "player").await,
        (1, false, false)
    );
    assert_eq!(
        status(&fx, second.as_str(), "player").await,
        (1, false, false)
    );
    let completed = fx.events_of("achievement_completed").await;
    assert_eq!(completed.len(), 1);
    assert_eq!(players_of(&completed[0]), set(&[second.as_str()]));
    // Reporting the same result again is a replay: nothing counts twice.
    fx.gh.report_match(&m.id, vec![1, 0]).await.unwrap();
    assert_eq!(
        status(&fx, first.as_str(), "player").await,
        (1, false, false)
    );
}

async fn achievements_weekly_quest_resets_at_monday_in_berlin_across_dst(fx: Fixture) {
    let mut quest = def("weekly", 3, None);
    quest.kind = AchievementKind::Quest;
    quest.reset = Some(ResetSchedule::Weekly);
    quest.reward.currencies.push(CurrencyAttachment {
        currency: "gold".into(),
        amount: 50,
    });
    fx.gh.put_achievement(quest).await.unwrap();

    // Spring: summer time begins Sunday 2027-03-28; the week ends Monday 00:00 CEST,
    // which is 22:00 UTC (with a fixed UTC+1 it would be 23:00, with UTC 00:00).
    fx.clock.set(utc(2027, 3, 24, 12, 0, 0));
    fx.gh
        .progress_achievement(progress("ann", "weekly", 3))
        .await
        .unwrap();
    let s = fx
        .gh
        .achievement_status(&pid("ann"), "weekly")
        .await
        .unwrap();
    let period = s.period.clone().unwrap();
    assert_eq!(
        (period.start, period.end),
        (utc(2027, 3, 21, 23, 0, 0), utc(2027, 3, 28, 22, 0, 0))
    );
    fx.clock.set(utc(2027, 3, 28, 21, 59, 59));
    assert_eq!(status(&fx, "ann", "weekly").await, (3, true, false));
    fx.gh
        .claim_achievement(claim("ann", "weekly", None))
        .await
        .unwrap();
    expect_code(
        fx.gh.claim_achievement(claim("ann", "weekly", None)).await,
        ErrorCode::AlreadyClaimed,
    );
    fx.clock.set(utc(2027, 3, 28, 22, 0, 0));
    assert_eq!(
        status(&fx, "ann", "weekly").await,
        (0, false, false),
        "reset at Monday 00:00 CEST"
    );
    expect_code(
        fx.gh.claim_achievement(claim("ann", "weekly", None)).await,
        ErrorCode::NotCompleted,
    );
    // A new week: the quest counts again and its reward is claimed once more.
    fx.gh
        .progress_achievement(progress("ann", "weekly", 5))
        .await
        .unwrap();
    assert_eq!(status(&fx, "ann", "weekly").await, (3, true, false));
    fx.gh
        .claim_achievement(claim("ann", "weekly", None))
        .await
        .unwrap();
    assert_eq!(
        fx.gh.wallet(&pid("ann")).await.unwrap().balances[0].amount,
        100
    );

    // Autumn: winter time begins Sunday 2026-10-25; the week ends Monday 00:00 CET,
    // which is 23:00 UTC (a fixed UTC+2 would reset at 22:00).
    fx.clock.set(utc(2026, 10, 21, 12, 0, 0));
    fx.gh
        .progress_achievement(progress("bob", "weekly", 2))
        .await
        .unwrap();
    fx.clock.set(utc(2026, 10, 25, 22, 30, 0));
    assert_eq!(
        status(&fx, "bob", "weekly").await,
        (2, false, false),
        "still the old week"
    );
    fx.gh
        .progress_achievement(progress("bob", "weekly", 1))
        .await
        .unwrap();
    assert_eq!(status(&fx, "bob", "weekly").await, (3, true, false));
    fx.clock.set(utc(2026, 10, 25, 23, 0, 0));
    assert_eq!(
        status(&fx, "bob", "weekly").await,
        (0, false, false),
        "reset at Monday 00:00 CET"
    );
    let r = fx
        .gh
        .progress_achievement(progress("bob", "weekly", 1))
        .await
        .unwrap();
    assert_eq!((r.progress, r.period.as_deref()), (1, Some("2026-W44")));
    let completed = fx.events_of("achievement_completed").await;
    assert_eq!(completed.len(), 3);
    fx.assert_ledger_ok().await;
}

async fn achievements_reward_is_claimed_once(fx: Fixture) {
    let mut a = def("hero", 2, None);
    a.reward = Attachments {
        currencies: vec![
            CurrencyAttachment {
                currency: "gold".into(),
                amount: 100,
            },
            CurrencyAttachment {
                currency: "gems".into(),
                amount: 7,
            },
        ],
        items: vec![
            ItemAttachment {
                item_id: "sword".into(),
                quantity: 1,
            },
            ItemAttachment {
                item_id: "potion".into(),
                quantity: 2,
            },
        ],
    };
    fx.gh.put_achievement(a).await.unwrap();
    let ann = pid("ann");
    expect_code(
        fx.gh.claim_achievement(claim("ann", "nope", None)).await,
        ErrorCode::NotFound,
    );
    fx.gh
        .progress_achievement(progress("ann", "hero", 1))
        .await
        .unwrap();
    let before = fx.snapshot(&[&ann]).await;
    refused!(
        fx,
        before,
        &[&ann],
        ErrorCode::NotCompleted,
        "a claim before completion",
        fx.gh.claim_achievement(claim("ann", "hero", Some("early")))
    );
    fx.gh
        .progress_achievement(progress("ann", "hero", 1))
        .await
        .unwrap();

    // Eight concurrent claims through two services, each with its own key: one grants.
    let other = fx.second_service().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let gh = if i % 2 == 0 { &fx.gh } else { &other };
        tasks.push(spawn_call(gh, move |gh| async move {
            gh.claim_achievement(claim("ann", "hero", Some(&format!("claim-{i}"))))
                .await
        }));
    }
    let mut granted = Vec::new();
    for t in tasks {
        match t.await.expect("task") {
            Ok(r) => granted.push(r),
            Err(e) => assert_eq!(e.code, ErrorCode::AlreadyClaimed, "{e}"),
        }
    }
    assert_eq!(granted.len(), 1, "one claim grants");
    let r = &granted[0];
    assert_eq!(
        r.balances
            .iter()
            .map(|b| (b.currency.as_str(), b.amount))
            .collect::<Vec<_>>(),
        [("gold", 100), ("gems", 7)]
    );
    assert!(r.skipped_items.is_empty());
    assert_eq!(
        fx.gh.wallet(&ann).await.unwrap().balances,
        wallet_of(100, 7)
    );
    let inv: Vec<(String, i64)> = fx
        .gh
        .inventory(&ann)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.item_id, e.quantity))
        .collect();
    assert_eq!(inv, [("potion".to_string(), 2), ("sword".to_string(), 1)]);
    let rewards: Vec<LedgerEntry> = fx
        .full_history(&ann)
        .await
        .into_iter()
        .filter(|e| e.reason == "achievement_reward")
        .collect();
    assert_eq!(rewards.len(), 2, "one entry per currency, once");
    assert!(rewards
        .iter()
        .all(|e| e.debit == system_account("achievements") && e.kind == EntryKind::Grant));
    assert_eq!(fx.events_of("achievement_claimed").await.len(), 1);
    let s = fx.gh.achievement_status(&ann, "hero").await.unwrap();
    assert!(s.claimed_at.is_some());

    // Every key again: the winning one answers its stored result, the others are
    // refused; nothing is granted.
    let key = granted[0].clone();
    let before = fx.snapshot(&[&ann]).await;
    let mut replayed_keys = Vec::new();
    for i in 0..8 {
        let k = format!("claim-{i}");
        match fx
            .gh
            .claim_achievement(claim("ann", "hero", Some(&k)))
            .await
        {
            Ok(again) => {
                assert!(again.replayed);
                assert_eq!(again.transaction_id, key.transaction_id);
                replayed_keys.push(k);
            }
            Err(e) => assert_eq!(e.code, ErrorCode::AlreadyClaimed),
        }
    }
    assert_eq!(replayed_keys.len(), 1);
    fx.assert_unchanged(&before, &[&ann], "repeated claims")
        .await;
    refused!(
        fx,
        before,
        &[&ann],
        ErrorCode::AlreadyClaimed,
        "a claim without key",
        fx.gh.claim_achievement(claim("ann", "hero", None))
    );
    refused!(
        fx,
        before,
        &[&ann],
        ErrorCode::IdempotencyConflict,
        "a key reused for another claim",
        fx.gh
            .claim_achievement(claim("bob", "hero", Some(&replayed_keys[0])))
    );
    fx.assert_ledger_ok().await;
}

async fn achievements_prerequisites_gate_progress(fx: Fixture) {
    fx.gh
        .put_achievement(def("tutorial", 2, None))
        .await
        .unwrap();
    let mut b = def("shopper", 2, counts("currency_spent", json!({}), None));
    b.prerequisites = vec!["tutorial".into()];
    fx.gh.put_achievement(b).await.unwrap();
    fx.gh.grant(grant("ann", "gold", 100)).await.unwrap();
    fx.gh.spend(spend("ann", "gold", 1)).await.unwrap();
    fx.gh.spend(spend("ann", "gold", 1)).await.unwrap();
    let s = fx
        .gh
        .achievement_status(&pid("ann"), "shopper")
        .await
        .unwrap();
    assert_eq!(
        (s.progress, s.unlocked),
        (0, false),
        "progress before the prerequisite does not count"
    );
    assert!(fx.events_of("achievement_progress").await.is_empty());
    let before = fx.snapshot(&[&pid("ann")]).await;
    let e = refused!(
        fx,
        before,
        &[&pid("ann")],
        ErrorCode::NotCompleted,
        "explicit progress while locked",
        fx.gh.progress_achievement(progress("ann", "shopper", 1))
    );
    assert_eq!(e.details["missing"], json!(["tutorial"]));
    fx.gh
        .progress_achievement(progress("ann", "tutorial", 2))
        .await
        .unwrap();
    fx.gh.spend(spend("ann", "gold", 1)).await.unwrap();
    let s = fx
        .gh
        .achievement_status(&pid("ann"), "shopper")
        .await
        .unwrap();
    assert_eq!((s.progress, s.unlocked), (1, true));
    // Another player is still locked.
    fx.gh.grant(grant("bob", "gold", 100)).await.unwrap();
    fx.gh.spend(spend("bob", "gold", 1)).await.unwrap();
    assert_eq!(status(&fx, "bob", "shopper").await, (0, false, false));
    // A prerequisite cannot be deleted while another definition needs it.
    expect_code(
        fx.gh.delete_achievement("tutorial").await,
        ErrorCode::InvalidArgument,
    );
    fx.gh.delete_achievement("shopper").await.unwrap();
    fx.gh.spend(spend("ann", "gold", 1)).await.unwrap();
    assert_eq!(
        fx.events_of("achievement_progress").await.len(),
        2,
        "a deleted definition counts no more"
    );
    expect_code(fx.gh.achievement("shopper").await, ErrorCode::NotFound);
    fx.gh.delete_achievement("tutorial").await.unwrap();
    assert!(fx.gh.achievements().await.unwrap().is_empty());
}

async fn achievements_definitions_are_checked(fx: Fixture) {
    let before = fx.snapshot(&[]).await;
    let mut d = def("a", 1, None);
    d.prerequisites = vec!["missing".into()];
    refused!(
        fx,
        before,
        &[],
        ErrorCode::NotFound,
        "an unknown prerequisite",
        fx.gh.put_achievement(d)
    );
    let mut d = def("a", 1, None);
    d.reward.items.push(ItemAttachment {
        item_id: "nothing".into(),
        quantity: 1,
    });
    refused!(
        fx,
        before,
        &[],
        ErrorCode::NotFound,
        "an unknown reward item",
        fx.gh.put_achievement(d)
    );
    refused!(
        fx,
        before,
        &[],
        ErrorCode::InvalidArgument,
        "goal 0",
        fx.gh.put_achievement(def("a", 0, None))
    );
    refused!(
        fx,
        before,
        &[],
        ErrorCode::InvalidArgument,
        "counting achievement events",
        fx.gh.put_achievement(def(
            "a",
            1,
            counts("achievement_completed", json!({}), None)
        ))
    );
    fx.gh.put_achievement(def("a", 1, None)).await.unwrap();
    let mut b = def("b", 1, None);
    b.prerequisites = vec!["a".into()];
    fx.gh.put_achievement(b).await.unwrap();
    let mut a = def("a", 1, None);
    a.prerequisites = vec!["b".into()];
    expect_code(fx.gh.put_achievement(a).await, ErrorCode::InvalidArgument);
    expect_code(
        fx.gh.progress_achievement(progress("ann", "a", 0)).await,
        ErrorCode::InvalidArgument,
    );
    expect_code(
        fx.gh.progress_achievement(progress("ann", "zzz", 1)).await,
        ErrorCode::NotFound,
    );
    let listed: Vec<String> = fx
        .gh
        .achievements()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(listed, ["a", "b"]);
}

async fn achievements_a_definition_put_through_one_service_counts_in_another(fx: Fixture) {
    // The other service (another host process) has read the definitions (none yet).
    let other = fx.second_service().await;
    other.grant(grant("ann", "gold", 100)).await.unwrap();
    fx.gh
        .put_achievement(def("spender", 5, counts("currency_spent", json!({}), None)))
        .await
        .unwrap();
    // Within `reload_secs` (1 s) the other process may still count with its copy; after
    // it, the moved generation makes it read the definitions again.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    other.spend(spend("ann", "gold", 1)).await.unwrap();
    assert_eq!(status(&fx, "ann", "spender").await, (1, false, false));
    // A change through this process applies to its next commit at once.
    fx.gh.delete_achievement("spender").await.unwrap();
    fx.gh.spend(spend("ann", "gold", 1)).await.unwrap();
    assert_eq!(fx.events_of("achievement_progress").await.len(), 1);
}

async fn achievements_an_unreadable_definition_stops_no_commit(fx: Fixture) {
    fx.gh
        .put_achievement(def("spender", 5, counts("currency_spent", json!({}), None)))
        .await
        .unwrap();
    // A stored definition this version cannot read (written by hand, or by another
    // version): it counts nothing, and every other commit goes on.
    fx.gh
        .store()
        .commit(guildhall_core::ports::ChangeSet {
            docs: vec![guildhall_core::ports::DocWrite {
                kind: "achievement".into(),
                id: "broken".into(),
                expected_version: 0,
                body: Some(json!({ "id": "broken", "goal": "many" })),
            }],
            ..Default::default()
        })
        .await
        .unwrap();
    let other = fx.second_service().await;
    other.grant(grant("ann", "gold", 10)).await.unwrap();
    other.spend(spend("ann", "gold", 1)).await.unwrap();
    assert_eq!(status(&fx, "ann", "spender").await, (1, false, false));
    expect_code(fx.gh.achievements().await, ErrorCode::Unavailable);
}
