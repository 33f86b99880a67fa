//! One broadcast mail opened by 100,000 players, on a SQLite file and on PostgreSQL.
//!
//! Set-up (not timed as the result): 100,000 players come to exist (a grant of 1 gold
//! each, so each has stored state before the broadcast and the broadcast reaches
//! them). Then a new `Guildhall` on the same database (so nothing about the players is
//! remembered in memory, as in a host that starts later) sends one broadcast to every
//! player (`Guildhall::broadcast_mail`, no recipients list), and 32 concurrent tasks
//! open the 100,000 mailboxes once each (`Guildhall::mailbox`: the first read copies
//! the broadcast into the player's box, a write). Measured: the broadcast call, the
//! total time for all players to open their box, opens per second, and the latency of
//! each open at the caller. Each box is checked to hold the broadcast.
//!
//! A bounded bench binary: `cargo bench -p guildhall-benches --bench broadcast`
//! (at most 300 s of opening per store); under `cargo test` it runs 200 players.

use guildhall_benches::{bench_mode, open, percentiles_ms, runtime, Db};
use guildhall_core::economy::GrantRequest;
use guildhall_core::mail::{Attachments, BroadcastRequest, Sender};
use guildhall_core::types::PlayerId;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TASKS: usize = 32;

fn player(i: usize) -> PlayerId {
    PlayerId::new(format!("reader-{i}")).expect("player id")
}

/// Runs `f(i)` for every `i` below `n` on [`TASKS`] tasks, until `deadline`; returns
/// each call's latency.
async fn spread<F, Fut>(n: usize, deadline: Instant, f: F) -> Vec<Duration>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (next, f) = (next.clone(), f.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n || Instant::now() > deadline {
                    return lat;
                }
                let t = Instant::now();
                f(i).await;
                lat.push(t.elapsed());
            }
        }));
    }
    let mut all = Vec::with_capacity(n);
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    all
}

async fn run(store: &str, db: &Db, players: usize) {
    let setup_started = Instant::now();
    let gh = open(db.url()).await;
    let g = gh.clone();
    let made = spread(
        players,
        Instant::now() + Duration::from_secs(600),
        move |i| {
            let g = g.clone();
            async move {
                g.grant(GrantRequest {
                    player: player(i),
                    currency: "gold".into(),
                    amount: 1,
                    source: None,
                    reason: None,
                    metadata: serde_json::Value::Null,
                    idempotency_key: None,
                })
                .await
                .expect("grant");
            }
        },
    )
    .await;
    assert_eq!(
        made.len(),
        players,
        "every player was made within the set-up bound"
    );
    drop(gh);
    let setup = setup_started.elapsed();

    let gh = open(db.url()).await;
    let t = Instant::now();
    let b = gh
        .broadcast_mail(BroadcastRequest {
            from: Sender::system(),
            subject: "Season 3 starts".into(),
            body: "Everyone gets a welcome gift: open your mailbox.".into(),
            attachments: Attachments::default(),
            expires_in_secs: None,
            recipients: None,
            idempotency_key: Some("bench-broadcast".into()),
        })
        .await
        .expect("broadcast");
    let send = t.elapsed();

    let g = gh.clone();
    let subject = b.subject.clone();
    let started = Instant::now();
    let mut lat = spread(
        players,
        Instant::now() + Duration::from_secs(300),
        move |i| {
            let (g, subject) = (g.clone(), subject.clone());
            async move {
                let mail = g.mailbox(&player(i)).await.expect("mailbox");
                assert!(
                    mail.iter().any(|m| m.subject == subject),
                    "the broadcast is in the box"
                );
            }
        },
    )
    .await;
    let total = started.elapsed();
    let n = lat.len();
    let [p50, p90, p99, max] = percentiles_ms(&mut lat);
    println!(
        "broadcast/{store}: {players} players (set-up {setup:.1} s); broadcast_mail {send:.2} ms; \
         {n} boxes opened by {TASKS} tasks in {total:.2} s ({rate:.0} opens/s); per open p50 {p50:.2} ms, \
         p90 {p90:.2} ms, p99 {p99:.2} ms, max {max:.2} ms",
        setup = setup.as_secs_f64(),
        send = send.as_secs_f64() * 1e3,
        total = total.as_secs_f64(),
        rate = n as f64 / total.as_secs_f64(),
    );
    assert_eq!(n, players, "every box was opened within the bound");
}

fn main() {
    let players = if bench_mode() { 100_000 } else { 200 };
    runtime().block_on(async {
        run("sqlite", &Db::sqlite(), players).await;
        run("postgres", &Db::postgres().await, players).await;
    });
}
