//! Leaderboards and tournaments: operators, ranks with ties by earlier submission,
//! cursor pages and neighbours, partitions; the races (concurrent `best` submissions
//! keep the best, concurrent increments lose nothing, two hosts running one reset grant
//! once, concurrent joins never pass the cap); the weekly reset across the daylight
//! saving changes of Europe/Berlin at Monday 00:00 local; tournaments' window, fee and
//! rewards; refusals that change nothing.

use super::*;
use guildhall_core::leaderboards::{
    EntryFee, JoinTournamentRequest, PeriodStatus, PutLeaderboardRequest, RewardTier,
    ScoreOperator, SortOrder, StandingsQuery, TournamentSpec,
};
use guildhall_core::schedule::ResetSchedule;
use guildhall_tests::{lb_standing as standing, lb_submit as submit, lb_top as top};

conformance!(
    leaderboards_operators_ranks_ties_pages_and_neighbours,
    leaderboards_partitions_and_refusals_change_nothing,
    leaderboards_concurrent_best_submissions_keep_the_best,
    leaderboards_concurrent_increments_lose_nothing,
    leaderboards_weekly_reset_across_dst_in_berlin_at_monday_midnight => berlin_config,
    leaderboards_two_hosts_running_one_reset_grant_once,
    tournaments_window_fee_cap_and_rewards,
    tournaments_concurrent_joins_never_pass_the_cap,
    leaderboards_a_reset_interrupted_between_chunks_resumes_without_granting_twice,
);

fn board(id: &str, sort: SortOrder, operator: ScoreOperator) -> PutLeaderboardRequest {
    PutLeaderboardRequest {
        id: id.into(),
        sort,
        operator,
        reset: None,
        partitioned: false,
        rewards: vec![],
        tournament: None,
        metadata: json!({ "title": id }),
    }
}

fn tier(from: u32, to: u32, gold: i64, items: &[(&str, i64)]) -> RewardTier {
    RewardTier {
        from_rank: from,
        to_rank: to,
        rewards: attachments(gold, items),
    }
}

fn names(entries: &[guildhall_core::leaderboards::RankedScore]) -> Vec<(u64, String, i64)> {
    entries
        .iter()
        .map(|e| (e.rank, e.player.to_string(), e.score))
        .collect()
}

fn join(board: &str, player: &str) -> JoinTournamentRequest {
    JoinTournamentRequest {
        board: board.into(),
        player: pid(player),
        idempotency_key: None,
    }
}

async fn leaderboards_operators_ranks_ties_pages_and_neighbours(fx: Fixture) {
    fx.gh
        .put_leaderboard(board("pvp", SortOrder::Desc, ScoreOperator::Best))
        .await
        .unwrap();
    // ann and cid tie at 50: ann submitted first, so ann ranks above.
    for (p, s) in [
        ("ann", 50),
        ("bob", 70),
        ("cid", 50),
        ("dan", 10),
        ("eve", 90),
    ] {
        let r = fx.gh.submit_score(submit("pvp", p, s)).await.unwrap();
        assert!(r.changed);
        assert_eq!(r.period, "all");
        fx.clock.advance_secs(1);
    }
    // A worse score under `best` changes nothing (and keeps ann's submission time).
    let r = fx.gh.submit_score(submit("pvp", "ann", 40)).await.unwrap();
    assert_eq!((r.score, r.previous, r.changed), (50, Some(50), false));
    let r = fx.gh.submit_score(submit("pvp", "ann", 50)).await.unwrap();
    assert!(!r.changed, "an equal score is no improvement");
    let page = fx.gh.leaderboard_standings(top("pvp", 100)).await.unwrap();
    assert_eq!(
        names(&page.entries),
        [
            (1, "eve".into(), 90),
            (2, "bob".into(), 70),
            (3, "ann".into(), 50),
            (4, "cid".into(), 50),
            (5, "dan".into(), 10)
        ]
    );
    assert_eq!(page.next_cursor, None);
    // Cursor pages of 2 walk the same order.
    let mut all = Vec::new();
    let mut q = top("pvp", 2);
    loop {
        let page = fx.gh.leaderboard_standings(q.clone()).await.unwrap();
        assert!(page.entries.len() <= 2);
        all.extend(names(&page.entries));
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(
        all,
        names(
            &fx.gh
                .leaderboard_standings(top("pvp", 100))
                .await
                .unwrap()
                .entries
        )
    );
    // A rank and its neighbours.
    let s = fx
        .gh
        .leaderboard_standing(standing("pvp", "ann", 1))
        .await
        .unwrap();
    assert_eq!(s.entry.rank, 3);
    assert_eq!(names(&s.above), [(2, "bob".into(), 70)]);
    assert_eq!(names(&s.below), [(4, "cid".into(), 50)]);
    let s = fx
        .gh
        .leaderboard_standing(standing("pvp", "eve", 5))
        .await
        .unwrap();
    assert_eq!(s.entry.rank, 1);
    assert!(s.above.is_empty());
    assert_eq!(s.below.len(), 4);
    assert_eq!(s.below[3].rank, 5);
    expect_code(
        fx.gh
            .leaderboard_standing(standing("pvp", "nobody", 1))
            .await,
        ErrorCode::NotFound,
    );
    // Improving moves the player and its submission time.
    fx.gh.submit_score(submit("pvp", "dan", 95)).await.unwrap();
    let s = fx
        .gh
        .leaderboard_standing(standing("pvp", "dan", 0))
        .await
        .unwrap();
    assert_eq!((s.entry.rank, s.entry.score), (1, 95));

    // Ascending board with `set`: lower is better, any new score replaces.
    fx.gh
        .put_leaderboard(board("race", SortOrder::Asc, ScoreOperator::Set))
        .await
        .unwrap();
    for (p, s) in [("ann", 61_000), ("bob", 59_500), ("ann", 70_000)] {
        fx.gh.submit_score(submit("race", p, s)).await.unwrap();
    }
    let page = fx.gh.leaderboard_standings(top("race", 10)).await.unwrap();
    assert_eq!(
        names(&page.entries),
        [(1, "bob".into(), 59_500), (2, "ann".into(), 70_000)]
    );
    // Increment adds; extreme scores order correctly.
    fx.gh
        .put_leaderboard(board("kills", SortOrder::Desc, ScoreOperator::Increment))
        .await
        .unwrap();
    for (p, s) in [("ann", 3), ("ann", 4), ("bob", i64::MIN), ("cid", i64::MAX)] {
        fx.gh.submit_score(submit("kills", p, s)).await.unwrap();
    }
    let page = fx.gh.leaderboard_standings(top("kills", 10)).await.unwrap();
    assert_eq!(
        names(&page.entries),
        [
            (1, "cid".into(), i64::MAX),
            (2, "ann".into(), 7),
            (3, "bob".into(), i64::MIN)
        ]
    );
    let before = fx.snapshot(&[&pid("cid")]).await;
    refused!(
        fx,
        before,
        &[&pid("cid")],
        ErrorCode::InvalidArgument,
        "an increment past i64",
        fx.gh.submit_score(submit("kills", "cid", 1))
    );
    // Redefining keeps what scores depend on.
    expect_code(
        fx.gh
            .put_leaderboard(board("kills", SortOrder::Asc, ScoreOperator::Increment))
            .await,
        ErrorCode::InvalidArgument,
    );
    let mut again = board("kills", SortOrder::Desc, ScoreOperator::Increment);
    again.metadata = json!({ "title": "Kills" });
    let b = fx.gh.put_leaderboard(again).await.unwrap();
    assert_eq!(b.metadata, json!({ "title": "Kills" }));
    assert_eq!(fx.gh.leaderboards().await.unwrap().len(), 3);
    // A keyed submission replays.
    let mut keyed = submit("kills", "dan", 5);
    keyed.idempotency_key = Some("k1".into());
    let first = fx.gh.submit_score(keyed.clone()).await.unwrap();
    let second = fx.gh.submit_score(keyed.clone()).await.unwrap();
    assert!(second.replayed && !first.replayed);
    assert_eq!(second.score, 5);
    keyed.score = 6;
    expect_code(
        fx.gh.submit_score(keyed).await,
        ErrorCode::IdempotencyConflict,
    );
    assert_eq!(fx.events_of("score_submitted").await.len(), 14);
}

async fn leaderboards_partitions_and_refusals_change_nothing(fx: Fixture) {
    let mut b = board("class", SortOrder::Desc, ScoreOperator::Best);
    b.partitioned = true;
    fx.gh.put_leaderboard(b).await.unwrap();
    for (part, p, s) in [
        ("class:mage", "ann", 5),
        ("class:mage", "bob", 9),
        ("class:warrior", "ann", 7),
    ] {
        let mut r = submit("class", p, s);
        r.partition = Some(part.into());
        let res = fx.gh.submit_score(r).await.unwrap();
        assert_eq!(res.partition.as_deref(), Some(part));
    }
    let mut q = top("class", 10);
    q.partition = Some("class:mage".into());
    assert_eq!(
        names(
            &fx.gh
                .leaderboard_standings(q.clone())
                .await
                .unwrap()
                .entries
        ),
        [(1, "bob".into(), 9), (2, "ann".into(), 5)]
    );
    q.partition = Some("class:warrior".into());
    assert_eq!(
        names(&fx.gh.leaderboard_standings(q).await.unwrap().entries),
        [(1, "ann".into(), 7)]
    );
    let ann = pid("ann");
    let before = fx.snapshot(&[&ann]).await;
    refused!(
        fx,
        before,
        &[&ann],
        ErrorCode::InvalidArgument,
        "no partition",
        fx.gh.submit_score(submit("class", "ann", 1))
    );
    refused!(
        fx,
        before,
        &[&ann],
        ErrorCode::NotFound,
        "unknown board",
        fx.gh.submit_score(submit("nope", "ann", 1))
    );
    refused!(
        fx,
        before,
        &[&ann],
        ErrorCode::InvalidArgument,
        "bad board id",
        fx.gh.submit_score(submit("a/b", "ann", 1))
    );
    let mut bad = submit("class", "ann", 1);
    bad.partition = Some("x/y".into());
    refused!(
        fx,
        before,
        &[&ann],
        ErrorCode::InvalidArgument,
        "bad partition",
        fx.gh.submit_score(bad)
    );
    refused!(
        fx,
        before,
        &[&ann],
        ErrorCode::InvalidArgument,
        "limit 0",
        fx.gh.leaderboard_standings(StandingsQuery {
            partition: Some("class:mage".into()),
            ..top("class", 0)
        })
    );
    refused!(
        fx,
        before,
        &[&ann],
        ErrorCode::InvalidArgument,
        "bad cursor",
        fx.gh.leaderboard_standings(StandingsQuery {
            partition: Some("class:mage".into()),
            cursor: Some("garbage".into()),
            ..top("class", 10)
        })
    );
    let mut overlapping = board("x", SortOrder::Desc, ScoreOperator::Best);
    overlapping.rewards = vec![tier(1, 3, 10, &[]), tier(3, 5, 1, &[])];
    refused!(
        fx,
        before,
        &[&ann],
        ErrorCode::InvalidArgument,
        "overlapping tiers",
        fx.gh.put_leaderboard(overlapping)
    );
}

async fn leaderboards_concurrent_best_submissions_keep_the_best(fx: Fixture) {
    fx.gh
        .put_leaderboard(board("best", SortOrder::Desc, ScoreOperator::Best))
        .await
        .unwrap();
    let other = fx.second_service().await;
    let mut rng = StdRng::seed_from_u64(7);
    let scores: Vec<i64> = (0..40).map(|_| rng.gen_range(-1000..1000)).collect();
    let mut tasks = Vec::new();
    for (i, s) in scores.iter().copied().enumerate() {
        let gh = if i % 2 == 0 { &fx.gh } else { &other };
        tasks.push(spawn_call(gh, move |gh| async move {
            gh.submit_score(submit("best", "ann", s)).await
        }));
    }
    for t in tasks {
        t.await.expect("task").expect("submission");
    }
    let best = *scores.iter().max().unwrap();
    let s = fx
        .gh
        .leaderboard_standing(standing("best", "ann", 0))
        .await
        .unwrap();
    assert_eq!(s.entry.score, best);
    let page = fx.gh.leaderboard_standings(top("best", 10)).await.unwrap();
    assert_eq!(names(&page.entries), [(1, "ann".into(), best)]);
    // Every committed change was an improvement: its events' scores only rise.
    let ev = fx.events_of("score_submitted").await;
    let seen: Vec<i64> = ev
        .iter()
        .map(|e| e.payload["score"].as_i64().unwrap())
        .collect();
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(*seen.last().unwrap(), best);
}

async fn leaderboards_concurrent_increments_lose_nothing(fx: Fixture) {
    fx.gh
        .put_leaderboard(board("inc", SortOrder::Desc, ScoreOperator::Increment))
        .await
        .unwrap();
    let other = fx.second_service().await;
    let mut tasks = Vec::new();
    for i in 0..30 {
        let gh = if i % 2 == 0 { &fx.gh } else { &other };
        tasks.push(spawn_call(gh, move |gh| async move {
            gh.submit_score(submit("inc", "ann", i)).await
        }));
    }
    for t in tasks {
        t.await.expect("task").expect("submission");
    }
    let s = fx
        .gh
        .leaderboard_standing(standing("inc", "ann", 0))
        .await
        .unwrap();
    assert_eq!(s.entry.score, (0..30).sum::<i64>());
}

async fn leaderboards_weekly_reset_across_dst_in_berlin_at_monday_midnight(fx: Fixture) {
    let mut b = board("weekly", SortOrder::Desc, ScoreOperator::Best);
    b.reset = Some(ResetSchedule::Weekly);
    b.rewards = vec![tier(1, 1, 100, &[("sword", 1)]), tier(2, 3, 10, &[])];
    fx.gh.put_leaderboard(b).await.unwrap();
    // Summer time starts Sunday 2026-03-29 02:00 CET; Monday 00:00 CEST is 22:00 UTC.
    let monday_spring = Utc.with_ymd_and_hms(2026, 3, 29, 22, 0, 0).unwrap();
    // Winter time starts Sunday 2026-10-25 03:00 CEST; Monday 00:00 CET is 23:00 UTC.
    let monday_autumn = Utc.with_ymd_and_hms(2026, 10, 25, 23, 0, 0).unwrap();
    for (monday, old_key, new_key, start, earlier) in [
        (
            monday_spring,
            "2026-W13",
            "2026-W14",
            Utc.with_ymd_and_hms(2026, 3, 22, 23, 0, 0).unwrap(),
            &[][..],
        ),
        (
            monday_autumn,
            "2026-W43",
            "2026-W44",
            Utc.with_ymd_and_hms(2026, 10, 18, 22, 0, 0).unwrap(),
            &["2026-W14"][..],
        ),
    ] {
        fx.clock.set(monday - secs(10));
        let due: Vec<String> = fx
            .gh
            .run_leaderboard_resets()
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.period.key)
            .collect();
        assert_eq!(due, earlier, "weeks that ended before");
        for (p, s) in [("ann", 30), ("bob", 20), ("cid", 10), ("dan", 5)] {
            let r = fx.gh.submit_score(submit("weekly", p, s)).await.unwrap();
            assert_eq!(
                r.period, old_key,
                "Sunday 23:59:50 local counts in the old week"
            );
        }
        fx.clock.set(monday - secs(1));
        assert!(
            fx.gh.run_leaderboard_resets().await.unwrap().is_empty(),
            "not before Monday 00:00 local"
        );
        fx.clock.set(monday);
        let r = fx
            .gh
            .submit_score(submit("weekly", "eve", 1))
            .await
            .unwrap();
        assert_eq!(r.period, new_key, "Monday 00:00 local starts the new week");
        assert!(
            fx.gh.run_leaderboard_resets().await.unwrap().is_empty(),
            "the grace has not passed"
        );
        fx.clock.set(monday + secs(2));
        let done = fx.gh.run_leaderboard_resets().await.unwrap();
        assert_eq!(done.len(), 1);
        let p = &done[0];
        assert_eq!(p.period.key, old_key);
        assert_eq!((p.period.start, p.period.end), (start, monday));
        assert_eq!(p.status, PeriodStatus::Archived);
        assert_eq!(
            p.granted
                .iter()
                .map(|g| (g.rank, g.player.to_string()))
                .collect::<Vec<_>>(),
            [(1, "ann".into()), (2, "bob".into()), (3, "cid".into())]
        );
        assert!(
            fx.gh.run_leaderboard_resets().await.unwrap().is_empty(),
            "a reset runs once"
        );
        // The archive stays readable by its key; the new week starts empty but for eve.
        let mut q = top("weekly", 10);
        q.period = Some(old_key.into());
        assert_eq!(
            fx.gh.leaderboard_standings(q).await.unwrap().entries.len(),
            4
        );
        let now = fx
            .gh
            .leaderboard_standings(top("weekly", 10))
            .await
            .unwrap();
        assert_eq!((now.period.as_str(), now.entries.len()), (new_key, 1));
    }
    assert_eq!(fx.gh.balance(&pid("ann"), "gold").await.unwrap(), 200);
    assert_eq!(fx.gh.balance(&pid("bob"), "gold").await.unwrap(), 20);
    assert_eq!(fx.gh.balance(&pid("cid"), "gold").await.unwrap(), 20);
    assert_eq!(fx.gh.balance(&pid("dan"), "gold").await.unwrap(), 0);
    assert_eq!(fx.gh.balance(&pid("eve"), "gold").await.unwrap(), 100);
    let inv = fx.gh.inventory(&pid("ann")).await.unwrap();
    assert!(
        inv.iter().any(|i| i.item_id == "sword" && i.quantity == 1),
        "{inv:?}"
    );
    let periods = fx.gh.leaderboard_periods("weekly", None).await.unwrap();
    let keys: Vec<(&str, PeriodStatus)> = periods
        .iter()
        .map(|p| (p.period.key.as_str(), p.status))
        .collect();
    assert_eq!(
        keys,
        [
            ("2026-W13", PeriodStatus::Archived),
            ("2026-W14", PeriodStatus::Archived),
            ("2026-W43", PeriodStatus::Archived),
            ("2026-W44", PeriodStatus::Open)
        ]
    );
    assert_eq!(fx.events_of("leaderboard_reset").await.len(), 3);
    let rewards = fx.events_of("reward_granted").await;
    assert_eq!(rewards.len(), 7);
    assert_eq!(rewards[0].players, vec![pid("ann")]);
    fx.assert_ledger_ok().await;
}

async fn leaderboards_two_hosts_running_one_reset_grant_once(fx: Fixture) {
    let mut b = board("daily", SortOrder::Desc, ScoreOperator::Best);
    b.reset = Some(ResetSchedule::Daily);
    // More rewarded ranks than one chunk, so the reset commits in several steps.
    b.rewards = vec![tier(1, 1, 1000, &[("potion", 2)]), tier(2, 150, 7, &[])];
    fx.gh.put_leaderboard(b).await.unwrap();
    let players: Vec<String> = (0..160).map(|i| format!("p{i:03}")).collect();
    let mut tasks = Vec::new();
    for (i, p) in players.iter().enumerate() {
        let p = p.clone();
        tasks.push(spawn_call(&fx.gh, move |gh| async move {
            gh.submit_score(submit("daily", &p, 10_000 - i as i64))
                .await
        }));
    }
    for t in tasks {
        t.await.expect("task").expect("submission");
    }
    fx.clock.advance_secs(24 * 3600);
    let other = fx.second_service().await;
    let third = fx.second_service().await;
    let runs = [
        spawn_call(
            &fx.gh,
            |gh| async move { gh.run_leaderboard_resets().await },
        ),
        spawn_call(
            &other,
            |gh| async move { gh.run_leaderboard_resets().await },
        ),
        spawn_call(
            &third,
            |gh| async move { gh.run_leaderboard_resets().await },
        ),
    ];
    let mut archived = 0;
    for r in runs {
        archived += r.await.expect("task").expect("reset").len();
    }
    assert_eq!(archived, 1, "one host archives the period");
    for (i, p) in players.iter().enumerate() {
        let want = match i {
            0 => 1000,
            1..=149 => 7,
            _ => 0,
        };
        assert_eq!(fx.gh.balance(&pid(p), "gold").await.unwrap(), want, "{p}");
    }
    let inv = fx.gh.inventory(&pid("p000")).await.unwrap();
    assert!(
        inv.iter().any(|i| i.item_id == "potion" && i.quantity == 2),
        "{inv:?}"
    );
    assert_eq!(fx.events_of("reward_granted").await.len(), 150);
    assert_eq!(fx.events_of("leaderboard_reset").await.len(), 1);
    let rewards: i64 = fx
        .full_history(&pid("p001"))
        .await
        .iter()
        .filter(|e| e.reason == "leaderboard_reward")
        .map(|e| e.amount)
        .sum();
    assert_eq!(rewards, 7);
    assert_eq!(
        fx.account_balance(&system_account("rewards"), "gold").await,
        -(1000 + 149 * 7)
    );
    assert!(fx.gh.run_leaderboard_resets().await.unwrap().is_empty());
    fx.assert_ledger_ok().await;
}

async fn tournaments_window_fee_cap_and_rewards(fx: Fixture) {
    let start = fx.now() + secs(3600);
    let end = start + secs(7200);
    let mut b = board("cup", SortOrder::Desc, ScoreOperator::Best);
    b.tournament = Some(TournamentSpec {
        start,
        end,
        entry_fee: Some(EntryFee {
            currency: "gold".into(),
            amount: 25,
        }),
        max_entrants: Some(2),
    });
    b.rewards = vec![tier(1, 1, 40, &[])];
    fx.gh.put_leaderboard(b).await.unwrap();
    for p in ["ann", "bob", "cid"] {
        fx.gh.grant(grant(p, "gold", 30)).await.unwrap();
    }
    fx.gh.grant(grant("dan", "gold", 10)).await.unwrap();
    let (ann, dan) = (pid("ann"), pid("dan"));
    // Not enough for the fee: nothing changes.
    let before = fx.snapshot(&[&ann, &dan]).await;
    refused!(
        fx,
        before,
        &[&ann, &dan],
        ErrorCode::InsufficientFunds,
        "fee",
        fx.gh.join_tournament(join("cup", "dan"))
    );
    refused!(
        fx,
        before,
        &[&ann, &dan],
        ErrorCode::NotFound,
        "not a tournament",
        fx.gh.join_tournament(join("nope", "dan"))
    );
    // Before the start: joining is open, scoring is not.
    let mut keyed = join("cup", "ann");
    keyed.idempotency_key = Some("join-1".into());
    let j = fx.gh.join_tournament(keyed.clone()).await.unwrap();
    assert_eq!((j.entrants, j.already_joined), (1, false));
    assert_eq!(j.fee_paid.as_ref().map(|f| f.amount), Some(25));
    assert!(fx.gh.join_tournament(keyed).await.unwrap().replayed);
    let again = fx.gh.join_tournament(join("cup", "ann")).await.unwrap();
    assert!(again.already_joined && again.fee_paid.is_none());
    assert_eq!(
        fx.gh.balance(&ann, "gold").await.unwrap(),
        5,
        "the fee is spent once"
    );
    let before = fx.snapshot(&[&ann]).await;
    refused!(
        fx,
        before,
        &[&ann],
        ErrorCode::TournamentClosed,
        "before the start",
        fx.gh.submit_score(submit("cup", "ann", 10))
    );
    fx.gh.join_tournament(join("cup", "bob")).await.unwrap();
    let before = fx.snapshot(&[&ann]).await;
    refused!(
        fx,
        before,
        &[&ann],
        ErrorCode::TournamentFull,
        "full",
        fx.gh.join_tournament(join("cup", "cid"))
    );
    assert_eq!(fx.gh.balance(&pid("cid"), "gold").await.unwrap(), 30);
    fx.clock.set(start);
    fx.gh.submit_score(submit("cup", "ann", 10)).await.unwrap();
    fx.gh.submit_score(submit("cup", "bob", 12)).await.unwrap();
    let before = fx.snapshot(&[&ann]).await;
    refused!(
        fx,
        before,
        &[&ann],
        ErrorCode::TournamentClosed,
        "not joined",
        fx.gh.submit_score(submit("cup", "cid", 99))
    );
    fx.clock.set(end);
    let before = fx.snapshot(&[&ann]).await;
    refused!(
        fx,
        before,
        &[&ann],
        ErrorCode::TournamentClosed,
        "after the end",
        fx.gh.submit_score(submit("cup", "ann", 50))
    );
    refused!(
        fx,
        before,
        &[&ann],
        ErrorCode::TournamentClosed,
        "join after the end",
        fx.gh.join_tournament(join("cup", "cid"))
    );
    fx.clock.set(end + secs(5));
    let done = fx.gh.run_leaderboard_resets().await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].period.key, "tournament");
    assert_eq!(fx.gh.balance(&pid("bob"), "gold").await.unwrap(), 5 + 40);
    assert_eq!(fx.gh.balance(&ann, "gold").await.unwrap(), 5);
    let final_standings = fx.gh.leaderboard_standings(top("cup", 10)).await.unwrap();
    assert_eq!(
        names(&final_standings.entries),
        [(1, "bob".into(), 12), (2, "ann".into(), 10)]
    );
    assert_eq!(
        fx.account_balance(&system_account("tournaments"), "gold")
            .await,
        50
    );
    fx.assert_ledger_ok().await;
}

async fn tournaments_concurrent_joins_never_pass_the_cap(fx: Fixture) {
    let mut b = board("brawl", SortOrder::Desc, ScoreOperator::Best);
    b.tournament = Some(TournamentSpec {
        start: fx.now(),
        end: fx.now() + secs(3600),
        entry_fee: Some(EntryFee {
            currency: "gold".into(),
            amount: 10,
        }),
        max_entrants: Some(5),
    });
    fx.gh.put_leaderboard(b).await.unwrap();
    let other = fx.second_service().await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        fx.gh
            .grant(grant(&format!("p{i}"), "gold", 10))
            .await
            .unwrap();
        let gh = if i % 2 == 0 { &fx.gh } else { &other };
        tasks.push(spawn_call(gh, move |gh| async move {
            (i, gh.join_tournament(join("brawl", &format!("p{i}"))).await)
        }));
    }
    let mut joined = 0;
    for t in tasks {
        let (i, r) = t.await.expect("task");
        let gold = fx.gh.balance(&pid(&format!("p{i}")), "gold").await.unwrap();
        match r {
            Ok(r) => {
                assert!(r.entrants <= 5);
                assert_eq!(gold, 0);
                joined += 1;
            }
            Err(e) => {
                assert_eq!(e.code, ErrorCode::TournamentFull, "{e}");
                assert_eq!(gold, 10, "a refused join spends nothing");
            }
        }
    }
    assert_eq!(joined, 5);
    assert_eq!(
        fx.account_balance(&system_account("tournaments"), "gold")
            .await,
        50
    );
    fx.assert_ledger_ok().await;
}

async fn leaderboards_a_reset_interrupted_between_chunks_resumes_without_granting_twice(
    fx: Fixture,
) {
    let mut b = board("resume", SortOrder::Asc, ScoreOperator::Best);
    b.reset = Some(ResetSchedule::Daily);
    b.rewards = vec![tier(1, 130, 3, &[])];
    fx.gh.put_leaderboard(b).await.unwrap();
    let players: Vec<String> = (0..140).map(|i| format!("r{i:03}")).collect();
    for (i, p) in players.iter().enumerate() {
        fx.gh
            .submit_score(submit("resume", p, i as i64))
            .await
            .unwrap();
    }
    fx.clock.advance_secs(24 * 3600);
    let armed = Arc::new(AtomicBool::new(true));
    let crashing = Guildhall::new(
        Arc::new(CrashBeforeArchive {
            inner: fx.gh.store().clone(),
            armed: armed.clone(),
        }),
        Arc::new(guildhall_core::memory::MemoryCoordinator::new()),
        fx.gh.config().clone(),
    )
    .with_clock(fx.clock.clone() as Arc<dyn guildhall_core::ports::Clock>);
    expect_code(
        crashing.run_leaderboard_resets().await,
        ErrorCode::Unavailable,
    );
    // The first chunk (ranks 1 to 100) committed, the last did not.
    let rewarded = |fx: &Fixture| {
        let players = players.clone();
        let gh = fx.gh.clone();
        async move {
            let mut n = Vec::new();
            for p in &players {
                n.push(gh.balance(&pid(p), "gold").await.unwrap());
            }
            n
        }
    };
    let half = rewarded(&fx).await;
    assert!(half[..100].iter().all(|g| *g == 3), "{half:?}");
    assert!(half[100..].iter().all(|g| *g == 0), "{half:?}");
    let p = &fx.gh.leaderboard_periods("resume", None).await.unwrap()[0];
    assert_eq!((p.status, p.processed), (PeriodStatus::Granting, 100));
    // The host comes back (or another runs it): the reset resumes after rank 100.
    armed.store(false, Ordering::SeqCst);
    let done = crashing.run_leaderboard_resets().await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].granted.len(), 130);
    let all = rewarded(&fx).await;
    assert!(all[..130].iter().all(|g| *g == 3), "{all:?}");
    assert!(all[130..].iter().all(|g| *g == 0), "{all:?}");
    assert_eq!(fx.events_of("reward_granted").await.len(), 130);
    assert!(fx.gh.run_leaderboard_resets().await.unwrap().is_empty());
    fx.assert_ledger_ok().await;
}

// ----- A reset interrupted between chunks -----

use guildhall_core::announce::{Template, Trigger};
use guildhall_core::mail::Broadcast;
use guildhall_core::ports::{
    BalanceRow, ChangeSet, CounterRow, DailyRevenue, Doc, HistoryQuery, IdempotencyRecord, ItemRow,
    MailboxRow, PopularItem, Store,
};
use guildhall_core::types::{Account, Amount, LedgerEntry};
use guildhall_core::Guildhall;
use guildhall_core::Result as GhResult;
use std::sync::atomic::{AtomicBool, Ordering};

/// A host's Store that stops (refuses with `UNAVAILABLE`) the commit archiving a
/// leaderboard period while `armed`: what a host killed between two chunks of a reset
/// leaves behind.
struct CrashBeforeArchive {
    inner: Arc<dyn Store>,
    armed: Arc<AtomicBool>,
}

fn archives(cs: &ChangeSet) -> bool {
    cs.docs.iter().any(|d| {
        d.kind == "lb_period" && d.body.as_ref().is_some_and(|b| b["status"] == "archived")
    })
}

#[async_trait::async_trait]
impl Store for CrashBeforeArchive {
    async fn migrate(&self) -> GhResult<()> {
        self.inner.migrate().await
    }
    async fn ping(&self) -> GhResult<()> {
        self.inner.ping().await
    }
    async fn balance(&self, account: &Account, currency: &str) -> GhResult<BalanceRow> {
        self.inner.balance(account, currency).await
    }
    async fn balances(&self, account: &Account) -> GhResult<Vec<(String, BalanceRow)>> {
        self.inner.balances(account).await
    }
    async fn all_balances(&self) -> GhResult<Vec<(Account, String, Amount)>> {
        self.inner.all_balances().await
    }
    async fn item(&self, player: &PlayerId, item_id: &str) -> GhResult<Option<ItemRow>> {
        self.inner.item(player, item_id).await
    }
    async fn items(&self, player: &PlayerId) -> GhResult<Vec<ItemRow>> {
        self.inner.items(player).await
    }
    async fn idempotency(&self, scope: &str, key: &str) -> GhResult<Option<IdempotencyRecord>> {
        self.inner.idempotency(scope, key).await
    }
    async fn catalog_item(&self, id: &str) -> GhResult<Option<CatalogItem>> {
        self.inner.catalog_item(id).await
    }
    async fn catalog(&self) -> GhResult<Vec<CatalogItem>> {
        self.inner.catalog().await
    }
    async fn history(&self, query: &HistoryQuery) -> GhResult<Vec<LedgerEntry>> {
        self.inner.history(query).await
    }
    async fn ledger_snapshot(&self) -> GhResult<guildhall_core::ports::LedgerSnapshot> {
        self.inner.ledger_snapshot().await
    }
    async fn popular_items(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> GhResult<Vec<PopularItem>> {
        self.inner.popular_items(from, to, limit).await
    }
    async fn revenue_per_day(&self, from: NaiveDate, to: NaiveDate) -> GhResult<Vec<DailyRevenue>> {
        self.inner.revenue_per_day(from, to).await
    }
    async fn events_after(&self, after: i64, limit: u32) -> GhResult<Vec<Event>> {
        self.inner.events_after(after, limit).await
    }
    async fn counter(&self, key: &str) -> GhResult<CounterRow> {
        self.inner.counter(key).await
    }
    async fn mailbox(&self, player: &PlayerId) -> GhResult<(MailboxRow, Vec<Mail>)> {
        self.inner.mailbox(player).await
    }
    async fn broadcasts_after(&self, after: i64, limit: u32) -> GhResult<Vec<Broadcast>> {
        self.inner.broadcasts_after(after, limit).await
    }
    async fn template(&self, id: &str) -> GhResult<Option<Template>> {
        self.inner.template(id).await
    }
    async fn templates(&self) -> GhResult<Vec<Template>> {
        self.inner.templates().await
    }
    async fn trigger(&self, id: &str) -> GhResult<Option<Trigger>> {
        self.inner.trigger(id).await
    }
    async fn triggers(&self, event: Option<&str>) -> GhResult<Vec<Trigger>> {
        self.inner.triggers(event).await
    }
    async fn doc(&self, kind: &str, id: &str) -> GhResult<Option<Doc>> {
        self.inner.doc(kind, id).await
    }
    async fn docs(&self, kind: &str, prefix: &str, limit: u32) -> GhResult<Vec<Doc>> {
        self.inner.docs(kind, prefix, limit).await
    }
    async fn player_events_after(
        &self,
        player: &PlayerId,
        after: i64,
        limit: u32,
    ) -> GhResult<Vec<Event>> {
        self.inner.player_events_after(player, after, limit).await
    }
    async fn commit(&self, changes: ChangeSet) -> GhResult<ChangeSet> {
        if self.armed.load(Ordering::SeqCst) && archives(&changes) {
            return Err(guildhall_core::Error::unavailable(
                "the host stopped before this chunk of the reset committed",
            ));
        }
        self.inner.commit(changes).await
    }
    async fn commit_batch(&self, batch: Vec<ChangeSet>) -> Vec<GhResult<ChangeSet>> {
        let mut out = Vec::with_capacity(batch.len());
        for cs in batch {
            out.push(self.commit(cs).await);
        }
        out
    }
    async fn chat_history(
        &self,
        channel: &str,
        before: Option<(i64, String)>,
        limit: u32,
    ) -> GhResult<Vec<guildhall_core::chat::ChatMessage>> {
        self.inner.chat_history(channel, before, limit).await
    }
    async fn prune_chat(&self, before: DateTime<Utc>) -> GhResult<u64> {
        self.inner.prune_chat(before).await
    }
    async fn score_entry(
        &self,
        standings: &str,
        player: &PlayerId,
    ) -> GhResult<Option<guildhall_core::leaderboards::ScoreEntry>> {
        self.inner.score_entry(standings, player).await
    }
    async fn scores_after(
        &self,
        standings: &str,
        after: Option<&guildhall_core::leaderboards::ScorePos>,
        limit: u32,
    ) -> GhResult<Vec<guildhall_core::leaderboards::ScoreEntry>> {
        self.inner.scores_after(standings, after, limit).await
    }
    async fn scores_before(
        &self,
        standings: &str,
        before: &guildhall_core::leaderboards::ScorePos,
        limit: u32,
    ) -> GhResult<Vec<guildhall_core::leaderboards::ScoreEntry>> {
        self.inner.scores_before(standings, before, limit).await
    }
    async fn scores_count_before(
        &self,
        standings: &str,
        before: &guildhall_core::leaderboards::ScorePos,
    ) -> GhResult<u64> {
        self.inner.scores_count_before(standings, before).await
    }
    async fn prune(
        &self,
        events_before: DateTime<Utc>,
        idempotency_before: DateTime<Utc>,
    ) -> GhResult<(u64, u64)> {
        self.inner.prune(events_before, idempotency_before).await
    }
}
