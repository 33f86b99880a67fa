//! The matchmaking tick (`guildhall_core::matchmaking::rules::tick`, a pure function of
//! the pool and the time), measured on its own: no store, no coordinator.
//!
//! Three pools: 10,000 and 100,000 tickets in a 1v1 queue, and 10,000 tickets in a 5v5
//! queue with parties of 1 to 5. Each pool is a snapshot of an arrival stream: ticket
//! times spread evenly over the last 60 s, ratings drawn from a normal distribution
//! (seeded, so every run sees the same pool). For each pool: time per tick (several
//! ticks of the same pool and time; the tick is pure, so each does the same work),
//! matches formed, and the rating spread within a match (highest minus lowest ticket
//! rating; for 5v5 also the gap between the two teams' mean ratings).
//!
//! Then a simulated arrival stream per queue: tickets arrive at `size / 60` per second
//! (Poisson arrivals, so the snapshot above is 60 s of this stream), the tick runs once
//! per simulated second on the pool left over plus the new arrivals, matched and
//! expired tickets leave the pool; wait time = the tick that matched a ticket minus its
//! arrival. Percentiles are over tickets arriving after a 30 s warm-up.
//!
//! A bounded bench binary: `cargo bench -p guildhall-benches --bench matchmaking`;
//! under `cargo test` it runs pools of 500, 2,000 and 500 tickets, 1 tick each, and a 20 s
//! stream, as a smoke test.

use chrono::{DateTime, Duration as Span, TimeZone, Utc};
use guildhall_benches::bench_mode;
use guildhall_core::matchmaking::rules::tick;
use guildhall_core::matchmaking::{QueueConfig, RatingWindow, Ticket};
use guildhall_core::types::PlayerId;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A small seeded generator (splitmix64): the same pool on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Normal (Box-Muller).
    fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let u = self.unit().max(1e-12);
        let v = self.unit();
        mean + sd * (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// A queue under test and how its tickets are drawn.
struct Scenario {
    name: &'static str,
    queue: QueueConfig,
    size: usize,
    rating_mean: f64,
    rating_sd: f64,
    /// Party size weights for sizes 1, 2, ... (1v1: `[1]`).
    party_weights: &'static [f64],
    /// Values of the required property `region` (1: no property).
    regions: usize,
}

fn duel() -> QueueConfig {
    QueueConfig {
        name: "duel".into(),
        teams: 2,
        team_size: 1,
        party_sizes: vec![],
        properties: vec![],
        window: RatingWindow {
            initial: 50.0,
            widen_per_sec: 5.0,
            max: 400.0,
        },
        max_wait_secs: 120,
        rating: None,
    }
}

fn five() -> QueueConfig {
    QueueConfig {
        name: "5v5".into(),
        teams: 2,
        team_size: 5,
        party_sizes: vec![],
        properties: vec![],
        window: RatingWindow {
            initial: 2.0,
            widen_per_sec: 0.2,
            max: 10.0,
        },
        max_wait_secs: 120,
        rating: None,
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0)
        .single()
        .expect("time")
}

/// One ticket arriving at `at`, numbered `n`.
fn ticket(s: &Scenario, rng: &mut Rng, n: usize, at: DateTime<Utc>) -> Ticket {
    let total: f64 = s.party_weights.iter().sum();
    let mut pick = rng.unit() * total;
    let mut size = s.party_weights.len();
    for (i, w) in s.party_weights.iter().enumerate() {
        if pick < *w {
            size = i + 1;
            break;
        }
        pick -= w;
    }
    let players = (0..size)
        .map(|k| PlayerId::new(format!("p{n}-{k}")).expect("player id"))
        .collect();
    Ticket {
        id: format!("t{n:07}"),
        queue: s.queue.name.clone(),
        players,
        party_id: (size > 1).then(|| format!("party{n}")),
        properties: if s.regions > 1 {
            [(
                "region".to_string(),
                format!("r{}", rng.next() % s.regions as u64),
            )]
            .into()
        } else {
            BTreeMap::new()
        },
        rating: rng.normal(s.rating_mean, s.rating_sd),
        created_at: at,
    }
}

/// The snapshot pool: `size` tickets spread evenly over the 60 s before `now`.
fn pool(s: &Scenario, size: usize, now: DateTime<Utc>) -> Vec<Ticket> {
    let mut rng = Rng(0x5EED ^ size as u64);
    (0..size)
        .map(|n| {
            let ago = Span::microseconds((60_000_000.0 * (1.0 - n as f64 / size as f64)) as i64);
            ticket(s, &mut rng, n, now - ago)
        })
        .collect()
}

/// Mean and worst of the rating spread within a match, and of the team-mean gap.
fn spreads(matches: &[Vec<Vec<Ticket>>]) -> (f64, f64, f64, f64) {
    let (mut sum, mut worst, mut gsum, mut gworst) = (0.0, 0.0f64, 0.0, 0.0f64);
    for m in matches {
        let ratings: Vec<f64> = m.iter().flatten().map(|t| t.rating).collect();
        let hi = ratings.iter().cloned().fold(f64::MIN, f64::max);
        let lo = ratings.iter().cloned().fold(f64::MAX, f64::min);
        sum += hi - lo;
        worst = worst.max(hi - lo);
        let means: Vec<f64> = m
            .iter()
            .map(|team| {
                let players: usize = team.iter().map(|t| t.players.len()).sum();
                team.iter()
                    .map(|t| t.rating * t.players.len() as f64)
                    .sum::<f64>()
                    / players as f64
            })
            .collect();
        let gap = means.iter().cloned().fold(f64::MIN, f64::max)
            - means.iter().cloned().fold(f64::MAX, f64::min);
        gsum += gap;
        gworst = gworst.max(gap);
    }
    let n = matches.len().max(1) as f64;
    (sum / n, worst, gsum / n, gworst)
}

fn region_label(s: &Scenario) -> String {
    if s.regions > 1 {
        format!(" in {} regions", s.regions)
    } else {
        String::new()
    }
}

fn snapshot(s: &Scenario, size: usize, ticks: usize, budget: Duration) {
    let now = t0();
    let pool = pool(s, size, now);
    let players: usize = pool.iter().map(|t| t.players.len()).sum();
    let mut times = Vec::new();
    let started = Instant::now();
    let mut out = None;
    while times.len() < ticks && (times.is_empty() || started.elapsed() < budget) {
        let t = Instant::now();
        let o = std::hint::black_box(tick(&s.queue, std::hint::black_box(&pool), now));
        times.push(t.elapsed());
        out = Some(o);
    }
    let out = out.expect("one tick");
    times.sort();
    let matched: usize = out
        .matches
        .iter()
        .flatten()
        .flatten()
        .map(|t| t.players.len())
        .sum();
    let (mean, worst, gmean, gworst) = spreads(&out.matches);
    println!(
        "tick {name}{regions} {size} tickets ({players} players): {n} ticks, min {min:.1} ms, median {med:.1} ms, max {max:.1} ms; \
         {m} matches ({matched} players), {e} expired; rating spread in a match mean {mean:.1} worst {worst:.1}; \
         team-mean gap mean {gmean:.2} worst {gworst:.2}",
        name = s.name,
        regions = region_label(s),
        n = times.len(),
        min = times[0].as_secs_f64() * 1e3,
        med = times[times.len() / 2].as_secs_f64() * 1e3,
        max = times[times.len() - 1].as_secs_f64() * 1e3,
        m = out.matches.len(),
        e = out.expired.len(),
    );
}

fn stream(s: &Scenario, size: usize, seconds: i64, warmup: i64) {
    let rate = size as f64 / 60.0;
    let mut rng = Rng(0xA11 ^ size as u64);
    let start = t0();
    let mut pool: Vec<Ticket> = Vec::new();
    let mut next_arrival = 0.0f64;
    let mut n = 0usize;
    let mut waits: Vec<Duration> = Vec::new();
    let (mut expired, mut matches, mut tick_time) = (0usize, 0usize, Duration::ZERO);
    let (mut pool_min, mut pool_max) = (usize::MAX, 0usize);
    for sec in 1..=seconds {
        while next_arrival < sec as f64 {
            let at = start + Span::microseconds((next_arrival * 1e6) as i64);
            pool.push(ticket(s, &mut rng, n, at));
            n += 1;
            next_arrival += -(1.0 - rng.unit()).ln() / rate;
        }
        let now = start + Span::seconds(sec);
        if sec > warmup {
            pool_min = pool_min.min(pool.len());
            pool_max = pool_max.max(pool.len());
        }
        let t = Instant::now();
        let out = tick(&s.queue, &pool, now);
        tick_time += t.elapsed();
        let warm = start + Span::seconds(warmup);
        let mut gone = std::collections::HashSet::new();
        for t in out.matches.iter().flatten().flatten() {
            gone.insert(t.id.clone());
            if t.created_at >= warm {
                waits.push((now - t.created_at).to_std().unwrap_or_default());
            }
        }
        for t in &out.expired {
            gone.insert(t.id.clone());
            if t.created_at >= warm {
                expired += 1;
            }
        }
        matches += out.matches.len();
        pool.retain(|t| !gone.contains(&t.id));
    }
    let counted = waits.len();
    let [p50, p90, p99, max] = guildhall_benches::percentiles_ms(&mut waits);
    println!(
        "stream {name}{regions} {rate:.0} tickets/s for {seconds} s (1 tick/s): {matches} matches; pool after warm-up {pool_min}..{pool_max} tickets; \
         mean tick {tick:.2} ms; wait of {counted} matched tickets arrived after {warmup} s: p50 {p50:.2} s, p90 {p90:.2} s, p99 {p99:.2} s, max {max:.2} s; \
         {expired} expired; {left} still waiting at the end",
        name = s.name,
        regions = region_label(s),
        tick = tick_time.as_secs_f64() * 1e3 / seconds as f64,
        p50 = p50 / 1e3,
        p90 = p90 / 1e3,
        p99 = p99 / 1e3,
        max = max / 1e3,
        left = pool.len(),
    );
}

fn main() {
    let bench = bench_mode();
    let base = [
        Scenario {
            name: "1v1",
            queue: duel(),
            size: 10_000,
            rating_mean: 1500.0,
            rating_sd: 300.0,
            party_weights: &[1.0],
            regions: 1,
        },
        Scenario {
            name: "1v1",
            queue: duel(),
            size: 100_000,
            rating_mean: 1500.0,
            rating_sd: 300.0,
            party_weights: &[1.0],
            regions: 1,
        },
        Scenario {
            name: "5v5 parties 1-5",
            queue: five(),
            size: 10_000,
            rating_mean: 25.0,
            rating_sd: 5.0,
            party_weights: &[0.50, 0.20, 0.15, 0.10, 0.05],
            regions: 1,
        },
    ];
    // Each pool again with a required property `region` of 4 values: an anchor then
    // passes over the tickets of other regions, as in a queue split by region.
    let scenarios = base.into_iter().flat_map(|s| {
        let mut queue = s.queue.clone();
        queue.properties = vec!["region".into()];
        let split = Scenario {
            queue,
            regions: 4,
            ..s
        };
        [s, split]
    });
    for s in scenarios {
        let s = &s;
        let size = if bench {
            s.size
        } else {
            (s.size / 20).min(2_000)
        };
        let (ticks, budget) = if bench {
            (20, Duration::from_secs(30))
        } else {
            (1, Duration::ZERO)
        };
        snapshot(s, size, ticks, budget);
        if bench {
            stream(s, size, 300, 60);
        } else {
            stream(s, size, 20, 5);
        }
    }
}
