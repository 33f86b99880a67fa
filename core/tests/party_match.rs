//! Party and matchmaking services over the in-memory store.

use chrono::{TimeZone, Utc};
use guildhall_core::matchmaking::{QueueConfig, QueueRequest, RatingWindow};
use guildhall_core::memory::{MemoryCoordinator, MemoryStore};
use guildhall_core::ports::ManualClock;
use guildhall_core::types::{Currency, PlayerId};
use guildhall_core::{Config, ErrorCode, Guildhall};
use std::sync::Arc;

fn p(s: &str) -> PlayerId {
    PlayerId::new(s).unwrap()
}

fn setup() -> (Guildhall, Arc<ManualClock>) {
    let mut config = Config::new(vec![Currency {
        code: "gold".into(),
        max_balance: None,
    }])
    .unwrap();
    let window = RatingWindow {
        initial: 100.0,
        widen_per_sec: 10.0,
        max: 400.0,
    };
    config.queues = vec![
        QueueConfig {
            name: "duel".into(),
            teams: 2,
            team_size: 1,
            party_sizes: vec![],
            properties: vec!["region".into()],
            window,
            max_wait_secs: 60,
            rating: None,
        },
        QueueConfig {
            name: "squad".into(),
            teams: 2,
            team_size: 3,
            party_sizes: vec![],
            properties: vec![],
            window: RatingWindow {
                initial: 50.0,
                widen_per_sec: 1.0,
                max: 50.0,
            },
            max_wait_secs: 300,
            rating: None,
        },
    ];
    config.validate().unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap(),
    ));
    (
        Guildhall::new(
            Arc::new(MemoryStore::new()),
            Arc::new(MemoryCoordinator::new()),
            config,
        )
        .with_clock(clock.clone()),
        clock,
    )
}

#[tokio::test]
async fn party_lifecycle() {
    let (gh, clock) = setup();
    let party = gh.create_party(&p("ann"), false).await.unwrap();
    assert_eq!(
        gh.create_party(&p("ann"), false).await.unwrap_err().code,
        ErrorCode::AlreadyInParty
    );
    assert_eq!(
        gh.invite_to_party(&p("bob"), &p("cat"))
            .await
            .unwrap_err()
            .code,
        ErrorCode::NotInParty
    );
    gh.invite_to_party(&p("ann"), &p("bob")).await.unwrap();
    assert_eq!(
        gh.join_party(&p("cat"), &party.id).await.unwrap_err().code,
        ErrorCode::Forbidden,
        "closed party"
    );
    gh.accept_invite(&p("bob"), &party.id).await.unwrap();
    assert_eq!(
        gh.invite_to_party(&p("bob"), &p("cat"))
            .await
            .unwrap_err()
            .code,
        ErrorCode::NotPartyLeader
    );
    gh.invite_to_party(&p("ann"), &p("cat")).await.unwrap();
    clock.advance_secs(61);
    assert_eq!(
        gh.accept_invite(&p("cat"), &party.id)
            .await
            .unwrap_err()
            .code,
        ErrorCode::InviteExpired
    );
    for who in ["cat", "dan", "eve"] {
        gh.invite_to_party(&p("ann"), &p(who)).await.unwrap();
        clock.advance_secs(1);
        gh.accept_invite(&p(who), &party.id).await.unwrap();
    }
    assert_eq!(
        gh.invite_to_party(&p("ann"), &p("fay"))
            .await
            .unwrap_err()
            .code,
        ErrorCode::PartyFull
    );
    // The leader leaves: bob, the longest-standing member, leads.
    let left = gh.leave_party(&p("ann")).await.unwrap().unwrap();
    assert_eq!(left.leader, p("bob"));
    gh.promote_in_party(&p("bob"), &p("eve")).await.unwrap();
    gh.kick_from_party(&p("eve"), &p("bob")).await.unwrap();
    assert_eq!(
        gh.kick_from_party(&p("eve"), &p("zed"))
            .await
            .unwrap_err()
            .code,
        ErrorCode::NotInParty
    );
    assert!(gh.party_of(&p("bob")).await.unwrap().is_none());
    gh.disband_party(&p("eve")).await.unwrap();
    assert!(gh.party_of(&p("cat")).await.unwrap().is_none());
    assert_eq!(
        gh.party(&party.id).await.unwrap_err().code,
        ErrorCode::NotFound
    );
    let kinds: Vec<String> = gh
        .player_events_after(&p("cat"), 0, Some(1000))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    for k in [
        "party_invited",
        "party_joined",
        "party_left",
        "party_leader_changed",
        "party_disbanded",
    ] {
        assert!(kinds.iter().any(|x| x == k), "cat saw {k}: {kinds:?}");
    }
    // An open party is joined without invite; the last one out ends it.
    let open = gh.create_party(&p("gil"), true).await.unwrap();
    gh.join_party(&p("hal"), &open.id).await.unwrap();
    gh.leave_party(&p("gil")).await.unwrap();
    assert!(gh.leave_party(&p("hal")).await.unwrap().is_none());
    assert_eq!(
        gh.party(&open.id).await.unwrap_err().code,
        ErrorCode::NotFound
    );
}

fn duel(player: &str) -> QueueRequest {
    QueueRequest {
        player: p(player),
        queue: "duel".into(),
        with_party: false,
        properties: [("region".to_string(), "eu".to_string())].into(),
    }
}

#[tokio::test]
async fn duel_queue_matches_rates_and_replays() {
    let (gh, clock) = setup();
    gh.queue(duel("ann")).await.unwrap();
    assert_eq!(
        gh.queue(duel("ann")).await.unwrap_err().code,
        ErrorCode::TicketExists
    );
    let mut bad = duel("bob");
    bad.properties.clear();
    assert_eq!(
        gh.queue(bad).await.unwrap_err().code,
        ErrorCode::InvalidArgument
    );
    gh.queue(duel("bob")).await.unwrap();
    clock.advance_secs(1);
    let matches = gh.tick("host-a").await.unwrap();
    assert_eq!(matches.len(), 1);
    assert!(
        gh.tick("host-b").await.unwrap().is_empty(),
        "host-a holds the lease"
    );
    assert!(gh.ticket_status(&p("ann")).await.unwrap().is_none());
    let m = &matches[0];
    let winner = m.teams[0][0].clone();
    let r = gh.report_match(&m.id, vec![0, 1]).await.unwrap();
    assert!(!r.replayed);
    let won = gh.rating(&winner, "duel").await.unwrap();
    assert!(won.rating > 1500.0 && won.games == 1);
    let again = gh.report_match(&m.id, vec![0, 1]).await.unwrap();
    assert!(again.replayed);
    assert_eq!(
        gh.rating(&winner, "duel").await.unwrap(),
        won,
        "a replay updates nothing"
    );
    assert_eq!(
        gh.report_match(&m.id, vec![1, 0]).await.unwrap_err().code,
        ErrorCode::IdempotencyConflict
    );
    assert_eq!(
        gh.match_history(&winner, Some(10)).await.unwrap()[0].id,
        m.id
    );
    // A lone ticket expires at the maximum wait.
    gh.queue(duel("cat")).await.unwrap();
    clock.advance_secs(60);
    gh.tick("host-a").await.unwrap();
    assert!(gh.ticket_status(&p("cat")).await.unwrap().is_none());
    assert!(gh
        .player_events_after(&p("cat"), 0, Some(100))
        .await
        .unwrap()
        .iter()
        .any(|e| e.kind == "ticket_expired"));
}

#[tokio::test]
async fn parties_queue_together_and_a_membership_change_cancels() {
    let (gh, _) = setup();
    let party = gh.create_party(&p("ann"), true).await.unwrap();
    gh.join_party(&p("bob"), &party.id).await.unwrap();
    let squad = |who: &str, with_party| QueueRequest {
        player: p(who),
        queue: "squad".into(),
        with_party,
        properties: Default::default(),
    };
    assert_eq!(
        gh.queue(squad("bob", true)).await.unwrap_err().code,
        ErrorCode::NotPartyLeader
    );
    let t = gh.queue(squad("ann", true)).await.unwrap();
    assert_eq!(t.players.len(), 2);
    assert_eq!(
        gh.queue(squad("bob", false)).await.unwrap_err().code,
        ErrorCode::TicketExists
    );
    gh.join_party(&p("cat"), &party.id).await.unwrap();
    assert!(
        gh.ticket_status(&p("ann")).await.unwrap().is_none(),
        "the join cancelled the party ticket"
    );
    assert!(gh
        .player_events_after(&p("bob"), 0, Some(100))
        .await
        .unwrap()
        .iter()
        .any(|e| e.kind == "ticket_cancelled"));
    gh.queue(squad("ann", true)).await.unwrap();
    for who in ["x1", "x2", "x3"] {
        gh.queue(squad(who, false)).await.unwrap();
    }
    let m = gh.tick("h").await.unwrap();
    assert_eq!(m.len(), 1);
    let team_with_ann = m[0].teams.iter().find(|t| t.contains(&p("ann"))).unwrap();
    assert!(
        team_with_ann.contains(&p("bob")) && team_with_ann.contains(&p("cat")),
        "the party stays together"
    );
    let r = gh.report_match(&m[0].id, vec![0, 1]).await.unwrap();
    assert_eq!(r.record.rating_changes.len(), 6);
    assert!(gh.rating(&p("ann"), "squad").await.unwrap().rating > 25.0);
}

#[tokio::test]
async fn cached_reads_never_show_the_state_before_a_commit() {
    let config = Config::new(vec![Currency {
        code: "gold".into(),
        max_balance: None,
    }])
    .unwrap();
    let gh = Guildhall::new(
        Arc::new(MemoryStore::new()),
        Arc::new(MemoryCoordinator::with_cache()),
        config,
    );
    let grant = |n| guildhall_core::economy::GrantRequest {
        player: p("ann"),
        currency: "gold".into(),
        amount: n,
        source: None,
        reason: None,
        metadata: serde_json::Value::Null,
        idempotency_key: None,
    };
    for i in 1..=20 {
        gh.grant(grant(1)).await.unwrap();
        assert_eq!(gh.wallet(&p("ann")).await.unwrap().balances[0].amount, i);
        assert_eq!(
            gh.wallet(&p("ann")).await.unwrap().balances[0].amount,
            i,
            "served from cache, still fresh"
        );
    }
}

/// SPEC.md Clarifications (second round): Glicko-2 rates a rating period as Glickman's
/// paper does. Through `report_match` (the call a reported result takes): a free for all
/// of four in which the 1500/200 player beat 1400/30 and lost to 1550/100 and 1700/300
/// is the paper's example, and gives its answer (tau 0.5 from the config).
#[tokio::test]
async fn glicko2_free_for_all_is_rated_as_one_rating_period() {
    let (mut gh, clock) = setup();
    let mut config = gh.config().clone();
    config.ratings.glicko2.tau = 0.5;
    config.queues.push(QueueConfig {
        name: "ffa".into(),
        teams: 4,
        team_size: 1,
        party_sizes: vec![],
        properties: vec![],
        window: RatingWindow {
            initial: 1000.0,
            widen_per_sec: 0.0,
            max: 1000.0,
        },
        max_wait_secs: 600,
        rating: Some(guildhall_core::matchmaking::RatingSystem::Glicko2),
    });
    config.validate().unwrap();
    gh = Guildhall::new(
        gh.store().clone(),
        Arc::new(MemoryCoordinator::new()),
        config,
    )
    .with_clock(clock.clone());
    let start = [
        ("me", 1500.0, 200.0),
        ("low", 1400.0, 30.0),
        ("mid", 1550.0, 100.0),
        ("top", 1700.0, 300.0),
    ];
    let mut cs = guildhall_core::ports::ChangeSet::default();
    for (who, rating, deviation) in start {
        // The rating document of (queue, player): id `<queue>U+0001<player>`.
        cs.docs.push(guildhall_core::ports::DocWrite {
            kind: "rating".into(),
            id: format!("ffa\u{1}{who}"),
            expected_version: 0,
            body: Some(serde_json::json!({
                "rating": rating, "deviation": deviation, "volatility": 0.06, "games": 0
            })),
        });
    }
    gh.store().commit(cs).await.unwrap();
    assert_eq!(gh.rating(&p("low"), "ffa").await.unwrap().deviation, 30.0);
    for (who, _, _) in start {
        gh.queue(QueueRequest {
            player: p(who),
            queue: "ffa".into(),
            with_party: false,
            properties: Default::default(),
        })
        .await
        .unwrap();
    }
    clock.advance_secs(1);
    let matches = gh.tick("host-a").await.unwrap();
    assert_eq!(matches.len(), 1);
    let m = &matches[0];
    let rank_of = |who: &str| match who {
        "mid" => 0,
        "top" => 1,
        "me" => 2,
        _ => 3,
    };
    let ranks: Vec<usize> = m.teams.iter().map(|t| rank_of(t[0].as_str())).collect();
    gh.report_match(&m.id, ranks).await.unwrap();
    let r = gh.rating(&p("me"), "ffa").await.unwrap();
    assert!((r.rating - 1464.05).abs() < 0.01, "rating {}", r.rating);
    assert!(
        (r.deviation - 151.52).abs() < 0.01,
        "deviation {}",
        r.deviation
    );
    assert!(
        (r.volatility - 0.05999).abs() < 0.00001,
        "volatility {}",
        r.volatility
    );
    assert_eq!(r.games, 3);
}
