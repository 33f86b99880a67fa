//! Leaderboards at scale (SPEC.md Leaderboards; issue floors on this machine: 10,000
//! score submissions/s and 20,000 rank reads/s).
//!
//! Set-up, timed and reported as its own figure: a weekly `best` board filled with one
//! submission per player for P players (`GUILDHALL_BENCH_LB_PLAYERS`, default 1,000,000;
//! 2,000 under `cargo test`), W submissions in flight
//! (`GUILDHALL_BENCH_LB_IN_FLIGHT`, default 256: a board of a million players takes
//! hundreds of submissions at once at its busy hour, and with that many in flight the
//! group committer's batches are large enough to spread a transaction's cost; at 64
//! in flight the measured rate is about two thirds, see BENCHMARKS.md).
//!
//! Measured, each for at most 10 s (2 s under `cargo test`):
//! - submissions to the full board: random players, each a higher score than the set-up
//!   gave (so `best` writes), W in flight;
//! - reads of the top 100 (`leaderboard_standings`, limit 100), R readers
//!   (`GUILDHALL_BENCH_LB_READERS`, default 8);
//! - reads of a random player's rank with 5 neighbours each side
//!   (`leaderboard_standing`), R readers. A rank is a COUNT over the ranking index before
//!   the player's key, so its cost grows with the rank; random players sit at rank P/2 on
//!   average.
//!
//! Then the reset: the clock (a manual one, standing on a Wednesday) moves past the
//! week's end and `run_leaderboard_resets` archives the full board and grants the top
//! 1,000 their reward (10 gold each through the ledger); timed end to end (floor 60 s).
//!
//! Store: SQLite file, or PostgreSQL with `GUILDHALL_BENCH_LB_STORE=postgres` (a fresh
//! database on `GUILDHALL_TEST_POSTGRES_URL`). Coordinator: Redis at
//! `GUILDHALL_BENCH_LB_REDIS` (under `cargo test`: `GUILDHALL_TEST_REDIS_URL`) under a
//! fresh key prefix, so reads of the current period come from its rank index
//! (ARCHITECTURE.md, "Ranking storage"); `none` (or unset outside tests): the in-process
//! coordinator, ranks from the Store's index. With Redis, one more figure after the
//! reads: the index emptied (as by a Redis restart) and the time until a read finds it
//! rebuilt from the Store.
//!
//! A bounded bench binary: `cargo bench -p guildhall-benches --bench leaderboards`;
//! `scripts/bench-leaderboards` runs it on SQLite and on a PostgreSQL of its own, both
//! with a Redis of its own, in one go.

use guildhall_adapters::redis::{RedisCoordinator, RedisOptions};
use guildhall_benches::{bench_mode, percentiles_ms, player, runtime, Db};
use guildhall_core::leaderboards::{
    PlayerStandingQuery, PutLeaderboardRequest, RewardTier, StandingsQuery, SubmitScoreRequest,
};
use guildhall_core::mail::{Attachments, CurrencyAttachment};
use guildhall_core::memory::MemoryCoordinator;
use guildhall_core::ports::{Coordinator, Ids as _, ManualClock, UuidIds};
use guildhall_core::schedule::ResetSchedule;
use guildhall_core::types::Currency;
use guildhall_core::{Config, Guildhall};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BOARD: &str = "bench";
/// Submissions in flight by default (`GUILDHALL_BENCH_LB_IN_FLIGHT`).
const IN_FLIGHT: usize = 256;
/// Concurrent readers by default (`GUILDHALL_BENCH_LB_READERS`).
const READERS: usize = 8;

/// A count from the environment variable `var` (bench mode only), else `default`.
fn knob(bench: bool, var: &str, default: usize) -> usize {
    match bench {
        true => std::env::var(var)
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n| n > 0)
            .unwrap_or(default),
        false => default,
    }
}
/// Ranks rewarded at the reset.
const REWARDED: u32 = 1000;

/// A deterministic score for player `i` in round `r` (higher rounds score higher).
fn score(i: usize, r: u64) -> i64 {
    let h = (i as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(17);
    (r * 1_000_000 + h % 1_000_000) as i64
}

/// A cheap per-task random player number.
fn pick(state: &mut u64, players: usize) -> usize {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    (*state % players as u64) as usize
}

/// The Redis URL to run with, if any (see the module documentation).
fn redis_url(bench: bool) -> Option<String> {
    let var = if bench {
        "GUILDHALL_BENCH_LB_REDIS"
    } else {
        "GUILDHALL_TEST_REDIS_URL"
    };
    std::env::var(var)
        .ok()
        .filter(|u| !u.is_empty() && u != "none")
}

/// Reads until the rank index of `standings` is complete (a read that finds it
/// incomplete starts its rebuild).
async fn wait_indexed(gh: &Guildhall, coordinator: &dyn Coordinator, standings: &str) {
    let started = Instant::now();
    while coordinator
        .rank_after(standings, None, 1)
        .await
        .expect("rank index")
        .is_none()
    {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "rank index not rebuilt"
        );
        gh.leaderboard_standings(StandingsQuery {
            board: BOARD.into(),
            limit: Some(1),
            ..Default::default()
        })
        .await
        .expect("read");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn submit(gh: &Guildhall, i: usize, r: u64) {
    gh.submit_score(SubmitScoreRequest {
        board: BOARD.into(),
        partition: None,
        player: player(i),
        score: score(i, r),
        idempotency_key: None,
    })
    .await
    .expect("submit");
}

fn main() {
    let bench = bench_mode();
    let players: usize = if bench {
        std::env::var("GUILDHALL_BENCH_LB_PLAYERS")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(1_000_000)
    } else {
        2_000
    };
    let window = Duration::from_secs(if bench { 10 } else { 2 });
    let in_flight = knob(bench, "GUILDHALL_BENCH_LB_IN_FLIGHT", IN_FLIGHT);
    let readers = knob(bench, "GUILDHALL_BENCH_LB_READERS", READERS);
    let store = std::env::var("GUILDHALL_BENCH_LB_STORE").unwrap_or_else(|_| "sqlite".into());
    runtime().block_on(async {
        let db = match store.as_str() {
            "postgres" => Db::postgres().await,
            _ => Db::sqlite(),
        };
        let config = Config::new(vec![Currency {
            code: "gold".into(),
            max_balance: None,
        }])
        .expect("config");
        // Wednesday 2026-06-10 12:00 UTC: the week's period runs until Monday 15th.
        let wednesday = chrono::DateTime::parse_from_rfc3339("2026-06-10T12:00:00Z")
            .expect("date")
            .to_utc();
        let clock = Arc::new(ManualClock::new(wednesday));
        let redis = redis_url(bench);
        let coordinator: Arc<dyn Coordinator> = match &redis {
            Some(url) => {
                let prefix = format!("guildhall-bench:{}:", UuidIds.next_id());
                Arc::new(
                    RedisCoordinator::connect(url, RedisOptions::with_prefix(prefix))
                        .await
                        .expect("redis"),
                )
            }
            None => Arc::new(MemoryCoordinator::new()),
        };
        let store = format!("{store}{}", if redis.is_some() { "+redis" } else { "" });
        // More parameters of the store's URL (`concurrent_batches=1`), for trials.
        let url = match std::env::var("GUILDHALL_BENCH_LB_DB_PARAMS") {
            Ok(params) if !params.is_empty() && db.url().starts_with("postgres") => {
                let sep = if db.url().contains('?') { '&' } else { '?' };
                format!("{}{sep}{params}", db.url())
            }
            _ => db.url().to_string(),
        };
        let gh = Guildhall::new(
            guildhall_adapters::open_store(&url)
                .await
                .expect("open store"),
            coordinator.clone(),
            config,
        )
        .with_clock(clock.clone());
        gh.put_leaderboard(PutLeaderboardRequest {
            id: BOARD.into(),
            sort: Default::default(),
            operator: Default::default(),
            reset: Some(ResetSchedule::Weekly),
            partitioned: false,
            rewards: vec![RewardTier {
                from_rank: 1,
                to_rank: REWARDED,
                rewards: Attachments {
                    currencies: vec![CurrencyAttachment {
                        currency: "gold".into(),
                        amount: 10,
                    }],
                    items: Vec::new(),
                },
            }],
            tournament: None,
            metadata: serde_json::Value::Null,
        })
        .await
        .expect("board");

        // The first read of the (empty) period builds its rank index, so the set-up's
        // submissions land in a complete one.
        let period = ResetSchedule::Weekly
            .period_at(wednesday, gh.config().reset_timezone)
            .expect("period");
        let standings = format!("{BOARD}//{}", period.key);
        if redis.is_some() {
            wait_indexed(&gh, coordinator.as_ref(), &standings).await;
        }

        // Set-up: every player once, `in_flight` at a time.
        let t = Instant::now();
        let next = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for _ in 0..in_flight {
            let (gh, next) = (gh.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    if i >= players {
                        break;
                    }
                    submit(&gh, i, 1).await;
                }
            }));
        }
        for task in tasks {
            task.await.expect("set-up task");
        }
        let fill = t.elapsed().as_secs_f64();
        println!(
            "leaderboards/{store}: board filled with {players} players in {fill:.1} s: \
             {:.0} submissions/s growing the board ({in_flight} in flight)",
            players as f64 / fill
        );

        // Submissions to the full board.
        let started = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..in_flight {
            let gh = gh.clone();
            tasks.push(tokio::spawn(async move {
                let mut rng = 0x2545_F491_4F6C_DD1D_u64 ^ (w as u64 + 1);
                let mut lat = Vec::new();
                let mut round = 2;
                while started.elapsed() < window {
                    let t = Instant::now();
                    submit(&gh, pick(&mut rng, players), round).await;
                    lat.push(t.elapsed());
                    round += 1;
                }
                lat
            }));
        }
        let mut lat = Vec::new();
        for task in tasks {
            lat.extend(task.await.expect("submit task"));
        }
        let secs = started.elapsed().as_secs_f64();
        let n = lat.len();
        let [p50, p90, p99, max] = percentiles_ms(&mut lat);
        println!(
            "leaderboards/{store}: {n} submissions to a board of {players} in {secs:.1} s: \
             {rate:.0} submissions/s ({in_flight} in flight), p50 {p50:.3} ms, p90 {p90:.3} ms, \
             p99 {p99:.3} ms, max {max:.2} ms (floor 10,000/s)",
            rate = n as f64 / secs
        );

        // Reads: the top 100, then a random player's rank with neighbours.
        for kind in ["top 100", "rank and 5 neighbours each side"] {
            let started = Instant::now();
            let mut tasks = Vec::new();
            for r in 0..readers {
                let gh = gh.clone();
                tasks.push(tokio::spawn(async move {
                    let mut rng = 0x9E37_79B9_u64 ^ ((r as u64 + 1) << 32);
                    let mut lat = Vec::new();
                    while started.elapsed() < window {
                        let t = Instant::now();
                        if kind == "top 100" {
                            let page = gh
                                .leaderboard_standings(StandingsQuery {
                                    board: BOARD.into(),
                                    partition: None,
                                    period: None,
                                    limit: Some(100),
                                    cursor: None,
                                })
                                .await
                                .expect("top 100");
                            assert_eq!(page.entries.len(), 100.min(players));
                        } else {
                            let s = gh
                                .leaderboard_standing(PlayerStandingQuery {
                                    board: BOARD.into(),
                                    partition: None,
                                    period: None,
                                    player: player(pick(&mut rng, players)),
                                    neighbours: Some(5),
                                })
                                .await
                                .expect("standing");
                            assert!(s.entry.rank >= 1 && s.entry.rank as usize <= players);
                        }
                        lat.push(t.elapsed());
                    }
                    lat
                }));
            }
            let mut lat = Vec::new();
            for task in tasks {
                lat.extend(task.await.expect("read task"));
            }
            let secs = started.elapsed().as_secs_f64();
            let n = lat.len();
            let [p50, p90, p99, max] = percentiles_ms(&mut lat);
            println!(
                "leaderboards/{store}: {kind} on a board of {players}: {n} reads in {secs:.1} s: \
                 {rate:.0} reads/s ({readers} readers), p50 {p50:.3} ms, p90 {p90:.3} ms, \
                 p99 {p99:.3} ms, max {max:.2} ms (floor 20,000/s)",
                rate = n as f64 / secs
            );
        }

        if redis.is_some() {
            // As after a Redis restart: the index empty and incomplete until rebuilt.
            coordinator
                .rank_rebuild_start(&standings, "restart")
                .await
                .expect("empty the index");
            let t = Instant::now();
            wait_indexed(&gh, coordinator.as_ref(), &standings).await;
            println!(
                "leaderboards/{store}: rank index of {players} players rebuilt from the store \
                 in {:.1} s (reads use the store meanwhile)",
                t.elapsed().as_secs_f64()
            );
        }

        // The reset: past Monday 00:00 (and the grace), archive and reward the top 1,000.
        clock.advance_secs(5 * 24 * 3600);
        let t = Instant::now();
        let done = gh.run_leaderboard_resets().await.expect("reset");
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(done.len(), 1, "one period archived");
        assert_eq!(done[0].granted.len(), (REWARDED as usize).min(players));
        println!(
            "leaderboards/{store}: reset of a board of {players} players, top {} rewarded \
             through the ledger: {secs:.2} s (floor 60 s)",
            done[0].granted.len()
        );
    });
}
