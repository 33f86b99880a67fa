//! Firing `login` for one player against 1,000 active `login` triggers
//! (`Guildhall::fire`), on a SQLite file and on PostgreSQL.
//!
//! Two trigger sets, each in a fresh database with one template (`Welcome, {name}!`):
//! - `selective`: 1,000 live triggers, 10 reaching every player (audience `player`, no
//!   target) and 990 aimed at other players, caps once a day: each fire reads the
//!   1,000 triggers, picks 10, reads their 10 cap counters and commits 10 messages;
//! - `all`: 1,000 live triggers that all reach the player, cap once: each fire renders
//!   and commits 1,000 messages and counters.
//!
//! Every fire is for a new player (so caps never refuse), one at a time: latency per
//! fire and fires per second. A bounded bench binary:
//! `cargo bench -p guildhall-benches --bench announce` (at most 60 s of firing per
//! case); under `cargo test` it runs 50 triggers and a few fires per case.

use guildhall_benches::{bench_mode, open, percentiles_ms, runtime, Db};
use guildhall_core::announce::{
    AudienceKind, FireRequest, FrequencyCap, MessageKind, Template, Trigger,
};
use guildhall_core::types::PlayerId;
use guildhall_core::Guildhall;
use std::time::{Duration, Instant};

async fn setup(url: &str, triggers: usize, all: bool) -> Guildhall {
    let gh = open(url).await;
    gh.put_template(Template {
        id: "welcome".into(),
        body: "Welcome, {name}!".into(),
    })
    .await
    .expect("template");
    for i in 0..triggers {
        let reaches_all = all || i % 100 == 0;
        gh.put_trigger(Trigger {
            id: format!("login-{i:04}"),
            event: "login".into(),
            template_id: "welcome".into(),
            variables: [("name".to_string(), serde_json::json!("player"))]
                .into_iter()
                .collect(),
            audience: AudienceKind::Player,
            target: (!reaches_all).then(|| format!("someone-else-{i}")),
            kind: MessageKind::Announcement,
            starts_at: None,
            ends_at: None,
            cap: if all {
                FrequencyCap::Once
            } else {
                FrequencyCap::PerDay(1)
            },
            priority: (i % 7) as i32,
            cancelled: false,
            send_at: None,
            sent_at: None,
            created_at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        })
        .await
        .expect("trigger");
    }
    gh
}

async fn case(store: &str, db: &Db, triggers: usize, all: bool, fires: usize) {
    let setup_started = Instant::now();
    let gh = setup(db.url(), triggers, all).await;
    let setup_time = setup_started.elapsed();
    let expect = if all {
        triggers
    } else {
        triggers.div_ceil(100)
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut lat = Vec::with_capacity(fires);
    let started = Instant::now();
    for i in 0..fires {
        if Instant::now() > deadline {
            break;
        }
        let t = Instant::now();
        let msgs = gh
            .fire(FireRequest {
                player: PlayerId::new(format!("login-{i}")).expect("player id"),
                event: "login".into(),
                location: None,
                variables: Default::default(),
            })
            .await
            .expect("fire");
        lat.push(t.elapsed());
        assert_eq!(msgs.len(), expect, "messages per fire");
    }
    let elapsed = started.elapsed();
    let n = lat.len();
    let [p50, p90, p99, max] = percentiles_ms(&mut lat);
    println!(
        "announce/{store} {set} ({triggers} login triggers, {expect} reach the player): {n} fires one at a time, \
         {rate:.0} fires/s, p50 {p50:.2} ms, p90 {p90:.2} ms, p99 {p99:.2} ms, max {max:.2} ms (set-up {setup:.1} s)",
        set = if all { "all" } else { "selective" },
        rate = n as f64 / elapsed.as_secs_f64(),
        setup = setup_time.as_secs_f64(),
    );
}

fn main() {
    let bench = bench_mode();
    let triggers = if bench { 1_000 } else { 50 };
    runtime().block_on(async {
        for all in [false, true] {
            let fires = match (bench, all) {
                (false, _) => 5,
                (true, false) => 2_000,
                (true, true) => 200,
            };
            case("sqlite", &Db::sqlite(), triggers, all, fires).await;
            case("postgres", &Db::postgres().await, triggers, all, fires).await;
        }
    });
}
