//! Edge cases: eviction never cuts attachments, bounded inputs, rank checks, a large
//! team queue ticks in bounded time, ids with separators keep their own history.

use chrono::{TimeZone, Utc};
use guildhall_core::mail::{Attachments, CurrencyAttachment, SendMailRequest, Sender};
use guildhall_core::matchmaking::{QueueConfig, QueueRequest, RatingWindow, Ticket};
use guildhall_core::memory::{MemoryCoordinator, MemoryStore};
use guildhall_core::ports::ManualClock;
use guildhall_core::types::{Currency, PlayerId};
use guildhall_core::{Config, ErrorCode, Guildhall};
use std::sync::Arc;

fn p(s: &str) -> PlayerId {
    PlayerId::new(s).unwrap()
}

fn gh_with(config: Config) -> Guildhall {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap(),
    ));
    Guildhall::new(
        Arc::new(MemoryStore::new()),
        Arc::new(MemoryCoordinator::new()),
        config,
    )
    .with_clock(clock)
}

fn gold_mail(to: &str, amount: i64) -> SendMailRequest {
    SendMailRequest {
        from: Sender::system(),
        to: p(to),
        subject: "gift".into(),
        body: String::new(),
        attachments: Attachments {
            currencies: vec![CurrencyAttachment {
                currency: "gold".into(),
                amount,
            }],
            items: vec![],
        },
        expires_in_secs: None,
        idempotency_key: None,
    }
}

#[tokio::test]
async fn eviction_keeps_a_mail_whose_gold_would_not_fit_and_evicts_the_next() {
    let gh = gh_with(
        Config::new(vec![Currency {
            code: "gold".into(),
            max_balance: Some(1000),
        }])
        .unwrap(),
    );
    // The oldest mail carries 900 gold, the next 21 carry 1 each, the rest nothing.
    gh.send_mail(gold_mail("ann", 900)).await.unwrap();
    gh.grant(guildhall_core::economy::GrantRequest {
        player: p("ann"),
        currency: "gold".into(),
        amount: 500,
        source: None,
        reason: None,
        metadata: serde_json::Value::Null,
        idempotency_key: None,
    })
    .await
    .unwrap();
    for i in 1..50 {
        gh.send_mail(gold_mail("ann", if i <= 21 { 1 } else { 0 }).clone_with(i))
            .await
            .unwrap();
    }
    let r = gh
        .send_mail(gold_mail("ann", 0).clone_with(99))
        .await
        .unwrap();
    assert_eq!(r.evicted.len(), 21);
    // 500 + 21: the 900-gold mail stayed in the box, nothing was cut.
    assert_eq!(gh.balance(&p("ann"), "gold").await.unwrap(), 521);
    let (_, stored) = gh.store().mailbox(&p("ann")).await.unwrap();
    assert!(stored.iter().any(|m| m
        .attachments
        .currencies
        .first()
        .is_some_and(|c| c.amount == 900)));
    assert!(gh.verify_ledger().await.unwrap().ok);
}

trait CloneWith {
    fn clone_with(self, i: usize) -> Self;
}
impl CloneWith for SendMailRequest {
    fn clone_with(mut self, i: usize) -> Self {
        if self.attachments.currencies[0].amount == 0 {
            self.attachments.currencies.clear();
        }
        self.subject = format!("m{i}");
        self
    }
}

#[tokio::test]
async fn absurd_expiry_is_refused_not_a_panic() {
    let gh = gh_with(
        Config::new(vec![Currency {
            code: "gold".into(),
            max_balance: None,
        }])
        .unwrap(),
    );
    let mut m = gold_mail("bo", 1);
    m.expires_in_secs = Some(i64::MAX);
    assert_eq!(
        gh.send_mail(m).await.unwrap_err().code,
        ErrorCode::InvalidArgument
    );
}

fn big_queue() -> QueueConfig {
    QueueConfig {
        name: "big".into(),
        teams: 2,
        team_size: 25,
        party_sizes: vec![],
        properties: vec![],
        window: RatingWindow {
            initial: 1000.0,
            widen_per_sec: 0.0,
            max: 1000.0,
        },
        max_wait_secs: 600,
        rating: None,
    }
}

#[test]
fn a_large_team_split_is_bounded() {
    let q = big_queue();
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let pool: Vec<Ticket> = (0..50)
        .map(|i| Ticket {
            id: format!("t{i:02}"),
            queue: "big".into(),
            players: vec![p(&format!("x{i}"))],
            party_id: None,
            properties: Default::default(),
            rating: 1500.0 + (i * 37 % 101) as f64,
            created_at: now,
        })
        .collect();
    let start = std::time::Instant::now();
    let out = guildhall_core::matchmaking::rules::tick(&q, &pool, now);
    assert_eq!(out.matches.len(), 1);
    assert!(out.matches[0].iter().all(|t| t.len() == 25));
    assert!(
        start.elapsed() < std::time::Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn ranks_are_checked_and_slashed_ids_keep_their_own_history() {
    let mut config = Config::new(vec![Currency {
        code: "gold".into(),
        max_balance: None,
    }])
    .unwrap();
    config.queues = vec![QueueConfig {
        name: "duel".into(),
        teams: 2,
        team_size: 1,
        party_sizes: vec![],
        properties: vec![],
        window: RatingWindow {
            initial: 1000.0,
            widen_per_sec: 0.0,
            max: 1000.0,
        },
        max_wait_secs: 60,
        rating: None,
    }];
    let gh = gh_with(config);
    for who in ["x", "x/y"] {
        gh.queue(QueueRequest {
            player: p(who),
            queue: "duel".into(),
            with_party: false,
            properties: Default::default(),
        })
        .await
        .unwrap();
    }
    let m = gh.tick("h").await.unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(
        gh.report_match(&m[0].id, vec![usize::MAX, 0])
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        gh.report_match(&m[0].id, vec![2, 0])
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidArgument
    );
    gh.report_match(&m[0].id, vec![0, 1]).await.unwrap();
    // A second match for x/y only.
    gh.queue(QueueRequest {
        player: p("x/y"),
        queue: "duel".into(),
        with_party: false,
        properties: Default::default(),
    })
    .await
    .unwrap();
    gh.queue(QueueRequest {
        player: p("z"),
        queue: "duel".into(),
        with_party: false,
        properties: Default::default(),
    })
    .await
    .unwrap();
    assert_eq!(gh.tick("h").await.unwrap().len(), 1);
    assert_eq!(gh.match_history(&p("x"), Some(10)).await.unwrap().len(), 1);
    assert_eq!(
        gh.match_history(&p("x/y"), Some(10)).await.unwrap().len(),
        2
    );
}
