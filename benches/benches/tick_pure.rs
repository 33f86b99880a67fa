//! The pure matchmaking tick: `guildhall_core::matchmaking::rules::plan` (what the host's
//! tick runs; references into the pool) and `rules::tick` (the same decisions with copies
//! of the tickets), one call on a pool held in memory, no Store. Two pools, seeded so every run sees the same tickets:
//! 100,000 1v1 tickets, and 10,000 5v5 tickets of parties of 1 to 5 players. Ratings
//! are normal around 1500 (standard deviation 300), waits uniform over 0 to 130 s
//! (the queue expires tickets at 120 s, so about 8 % expire), four regions as the one
//! required property; windows 100 points wide at queue time, widening 10 a second up to
//! 400. Run: `cargo bench -p guildhall-benches --bench tick_pure`; under `cargo test` each
//! case runs once.

use criterion::{criterion_group, criterion_main, Criterion};
use guildhall_core::matchmaking::{rules, QueueConfig, Ticket};
use guildhall_core::types::PlayerId;
use std::time::Duration;

const REGIONS: [&str; 4] = ["eu", "na", "asia", "sa"];

/// A queue of 2 teams of `team_size`, `region` required equal, windows 100 wide at queue
/// time widening 10 a second to 400, tickets expiring after 120 s.
fn queue(name: &str, team_size: usize) -> QueueConfig {
    serde_json::from_value(serde_json::json!({
        "name": name, "teams": 2, "team_size": team_size, "properties": ["region"],
        "window": { "initial": 100.0, "widen_per_sec": 10.0, "max": 400.0 },
        "max_wait_secs": 120
    }))
    .expect("queue")
}

/// A seeded pool of `n` tickets of queue `q`, parties of 1 to `max_party` players;
/// `ticket_at` sets each ticket's queue time from how long it has waited.
fn pool(
    q: &QueueConfig,
    n: usize,
    max_party: usize,
    mut ticket_at: impl FnMut(Ticket, Duration) -> Ticket,
) -> Vec<Ticket> {
    let mut seed = 0x5eed_u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let template: Ticket = serde_json::from_value(serde_json::json!({
        "id": "", "queue": q.name, "players": [], "party_id": null, "properties": {},
        "rating": 0.0, "created_at": "2026-01-01T00:00:00Z"
    }))
    .expect("template ticket");
    (0..n)
        .map(|i| {
            // Box-Muller: a normal rating around 1500.
            let (u, v) = (next().max(1e-12), next());
            let rating =
                1500.0 + 300.0 * (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
            let size = 1 + (next() * max_party as f64) as usize % max_party;
            let waited = Duration::from_millis((next() * 130_000.0) as u64);
            let region = REGIONS[(next() * REGIONS.len() as f64) as usize % REGIONS.len()];
            let t = Ticket {
                id: format!("t{i:06}"),
                players: (0..size)
                    .map(|k| PlayerId::new(format!("p{i}-{k}")).expect("player id"))
                    .collect(),
                party_id: (size > 1).then(|| format!("party{i}")),
                properties: [("region".to_string(), region.to_string())].into(),
                rating,
                ..template.clone()
            };
            ticket_at(t, waited)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    // The tick's `now`: the template's queue time (chrono's type, named by the core's).
    let now = serde_json::from_value::<Ticket>(serde_json::json!({
        "id": "", "queue": "", "players": [], "party_id": null, "properties": {},
        "rating": 0.0, "created_at": "2026-01-01T00:00:00Z"
    }))
    .expect("ticket")
    .created_at;
    let mut g = c.benchmark_group("tick_pure");
    g.sample_size(20);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(5));
    for (name, team_size, n, max_party) in [
        ("1v1_100k", 1, 100_000, 1),
        ("5v5_10k_parties", 5, 10_000, 5),
    ] {
        let q = queue(name, team_size);
        let tickets = pool(&q, n, max_party, |mut t, waited| {
            t.created_at = now - waited;
            t
        });
        let out = rules::plan(&q, &tickets, now);
        eprintln!(
            "tick_pure/{name}: {} tickets, {} matches, {} expired",
            tickets.len(),
            out.matches.len(),
            out.expired.len()
        );
        // `plan`: the decisions as references into the pool (what the host's tick runs);
        // `tick`: the same, answered with copies of the matched and expired tickets.
        g.bench_function(format!("plan/{name}"), |b| {
            b.iter(|| rules::plan(&q, &tickets, now))
        });
        g.bench_function(format!("tick/{name}"), |b| {
            b.iter(|| rules::tick(&q, &tickets, now))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
