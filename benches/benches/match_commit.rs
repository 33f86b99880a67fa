//! Matches formed per second by the service's matchmaking tick, end to end, on a SQLite
//! file and on PostgreSQL: tickets queued, then one `Guildhall::tick` that reads the
//! pool, plans it (`rules::plan`) and commits every match (its tickets and pointers
//! deleted under their versions, the match, the players' history index, `match_found`)
//! in batches through the group committer.
//!
//! Per store, a fresh database (a SQLite file in a temporary directory; a PostgreSQL
//! database of its own, made on `GUILDHALL_TEST_POSTGRES_URL`, else
//! `postgres://postgres@127.0.0.1:5432/postgres`, and skipped with a note when that
//! server cannot be reached), the in-process coordinator, and a `duel` queue (1v1, window
//! 400 points, so every ticket fits every other). Each round queues `2 × M` players
//! (32 tasks; set-up, timed apart), then times one tick, which must form the `M`
//! matches and leave the pool empty. Rounds follow each other on the same database, so
//! later rounds commit next to the matches and events of earlier ones.
//!
//! A bounded bench binary: `cargo bench -p guildhall-benches --bench match_commit`
//! (3 rounds of 10,000 matches per store; `MATCH_COMMIT_MATCHES=<n>` sets another
//! number); under `cargo test`, one round of 100.
//! Floor (issue 16, item 5): 5,000 matches a second on each store.

use guildhall_benches::bench_mode;
use guildhall_core::matchmaking::QueueRequest;
use guildhall_core::types::PlayerId;
use guildhall_core::{Config, Guildhall};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Matches a second the tick must form on each store.
const FLOOR: f64 = 5_000.0;
/// Concurrent tasks queueing the players of a round.
const TASKS: usize = 32;

/// Currency `gold` and the queue `duel`, declared as a host's config file declares them.
fn config() -> Config {
    let mut config = Config::new(vec![serde_json::from_value(
        serde_json::json!({ "code": "gold" }),
    )
    .expect("currency")])
    .expect("config");
    config.queues = vec![serde_json::from_value(serde_json::json!({
        "name": "duel", "teams": 2, "team_size": 1, "max_wait_secs": 3600,
        "window": { "initial": 400.0, "widen_per_sec": 0.0, "max": 400.0 },
    }))
    .expect("queue")];
    config
}

/// Queues `players` solo tickets named `r<round>-<i>` on [`TASKS`] tasks.
async fn queue_players(gh: &Guildhall, round: usize, players: usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (gh, next) = (gh.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= players {
                    return;
                }
                gh.queue(QueueRequest {
                    player: PlayerId::new(format!("r{round}-{i}")).expect("player id"),
                    queue: "duel".into(),
                    with_party: false,
                    properties: BTreeMap::new(),
                })
                .await
                .expect("queue");
            }
        }));
    }
    for t in tasks {
        t.await.expect("queue task");
    }
}

/// Runs the rounds on the store at `url`; returns matches a second of each round.
async fn run(store: &str, url: &str, matches: usize, rounds: usize) -> Vec<f64> {
    let gh = guildhall_adapters::open(url, config())
        .await
        .expect("open backend");
    let mut rates = Vec::new();
    for round in 0..rounds {
        let t = Instant::now();
        queue_players(&gh, round, 2 * matches).await;
        let setup = t.elapsed();
        let t = Instant::now();
        let formed = gh.tick("bench-host").await.expect("tick");
        let took = t.elapsed();
        assert_eq!(formed.len(), matches, "one tick forms every match");
        assert!(
            gh.pool("duel").await.expect("pool").is_empty(),
            "every ticket was matched"
        );
        let rate = formed.len() as f64 / took.as_secs_f64();
        println!(
            "match_commit/{store} round {r}: {n} tickets queued in {setup:.2} s; one tick formed \
             {m} matches in {took:.1} ms: {rate:.0} matches/s (floor {FLOOR:.0}: {verdict})",
            r = round + 1,
            n = 2 * matches,
            setup = setup.as_secs_f64(),
            m = formed.len(),
            took = took.as_secs_f64() * 1e3,
            verdict = if rate >= FLOOR { "met" } else { "missed" },
        );
        rates.push(rate);
    }
    rates
}

fn main() {
    let (mut matches, rounds) = if bench_mode() { (10_000, 3) } else { (100, 1) };
    if let Some(m) = std::env::var("MATCH_COMMIT_MATCHES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        matches = m;
    }
    guildhall_benches::runtime().block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let sqlite = format!("sqlite://{}/bench.db", dir.path().display());
        run("sqlite", &sqlite, matches, rounds).await;
        let admin = std::env::var("GUILDHALL_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
        match guildhall_adapters::postgres::TestDatabase::create(&admin).await {
            Ok(db) => {
                run("postgres", db.url(), matches, rounds).await;
            }
            Err(e) => println!("match_commit/postgres skipped: no PostgreSQL at {admin}: {e}"),
        }
    });
}
