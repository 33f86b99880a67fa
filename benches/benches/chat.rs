//! Chat fan-out: messages per second from one sender to a 100-member channel, each
//! delivered to 100 live subscribers (SPEC.md Chat; floor: 2,000 messages/s fanned out
//! to all 100, i.e. 200,000 deliveries/s, on SQLite).
//!
//! Set-up (not timed): a SQLite file, a chat rate limit out of the way, and an open group
//! of 100 members (its owner and 99 who joined), whose channel `group:<id>` the owner
//! posts to (membership read from the group document on every post). 100 subscriber tasks, one per member, each take the core's live
//! feed ([`Guildhall::subscribe`]) and count the events its player's stream would send
//! (`chat_message` events that [`guildhall_core::chat::reaches`] the player), resuming
//! from the outbox when they fall behind, as the host's per-player SSE stream does.
//!
//! Measured: one member posts N messages, keeping up to W in flight (each waits for its
//! own commit; posts without an idempotency key share group commits; W from
//! `GUILDHALL_BENCH_CHAT_WINDOW`, default 16, 1 = one after another); the clock stops when every subscriber has counted all N. Reported: messages/s and
//! deliveries/s, and the post latency percentiles.
//!
//! A bounded bench binary: `cargo bench -p guildhall-benches --bench chat` (N = 20,000,
//! at most 120 s); under `cargo test` it runs N = 200.

use guildhall_benches::{bench_mode, percentiles_ms, runtime, Db};
use guildhall_core::chat::{reaches, PostMessageRequest, CHAT_EVENT};
use guildhall_core::types::{Currency, PlayerId};
use guildhall_core::{Config, Guildhall};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;

const MEMBERS: usize = 100;

fn member(i: usize) -> PlayerId {
    PlayerId::new(format!("m{i}")).expect("player id")
}

/// Counts the chat events `player`'s stream would send until `want` arrived or the
/// deadline passed. Events of concurrent commits are published in any order, so, as the
/// host's stream does, it remembers the seqs it counted rather than only the highest;
/// after a lag it reads the player's events after `base` (the last seq before posting
/// began) back from the outbox and counts those it has not seen.
async fn subscriber(
    gh: Guildhall,
    mut live: tokio::sync::broadcast::Receiver<Arc<guildhall_core::types::Event>>,
    player: PlayerId,
    want: u64,
    base: i64,
    delivered: Arc<AtomicU64>,
    deadline: Instant,
) -> u64 {
    let mut seen: HashSet<i64> = HashSet::with_capacity(want as usize);
    let count = |seen: &mut HashSet<i64>, seq: i64| {
        if seq > base && seen.insert(seq) {
            delivered.fetch_add(1, Ordering::Relaxed);
        }
    };
    while (seen.len() as u64) < want && Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(200), live.recv()).await {
            Err(_) => {}
            Ok(Ok(e)) => {
                if e.kind == CHAT_EVENT && reaches(&e, player.as_str()) {
                    count(&mut seen, e.seq);
                }
            }
            Ok(Err(RecvError::Lagged(_))) => {
                let mut after = base;
                loop {
                    let page = gh
                        .player_events_after(&player, after, Some(1000))
                        .await
                        .expect("outbox replay");
                    let full = page.len() == 1000;
                    for e in page {
                        after = after.max(e.seq);
                        if e.kind == CHAT_EVENT {
                            count(&mut seen, e.seq);
                        }
                    }
                    if !full {
                        break;
                    }
                }
            }
            Ok(Err(RecvError::Closed)) => break,
        }
    }
    seen.len() as u64
}

fn main() {
    let n: u64 = if bench_mode() { 20_000 } else { 200 };
    // Posts in flight from the one sender (GUILDHALL_BENCH_CHAT_WINDOW, default 16; 1 =
    // each post waits for the previous one's commit).
    let window: usize = std::env::var("GUILDHALL_BENCH_CHAT_WINDOW")
        .ok()
        .and_then(|w| w.parse().ok())
        .filter(|w| *w > 0)
        .unwrap_or(16);
    runtime().block_on(async {
        let db = Db::sqlite();
        let mut config = Config::new(vec![Currency {
            code: "gold".into(),
            max_balance: None,
        }])
        .expect("config");
        config.chat.rate_limit = u32::MAX;
        let gh = guildhall_adapters::open(db.url(), config)
            .await
            .expect("open backend");
        let group = gh
            .create_group(guildhall_core::groups::CreateGroupRequest {
                owner: member(0),
                name: "Bench guild".into(),
                description: String::new(),
                open: true,
                max_members: Some(MEMBERS as u32),
                kind: None,
                metadata: serde_json::Value::Null,
            })
            .await
            .expect("group");
        for i in 1..MEMBERS {
            gh.join_group(&member(i), &group.id).await.expect("join");
        }
        let channel = format!("group:{}", group.id);
        // The last seq before posting begins: the members' join events are older.
        let base = gh
            .player_events_after(&member(0), 0, Some(1000))
            .await
            .expect("outbox")
            .iter()
            .map(|e| e.seq)
            .max()
            .unwrap_or(0);
        let deadline = Instant::now() + Duration::from_secs(120);
        let delivered = Arc::new(AtomicU64::new(0));
        let mut subs = Vec::new();
        for i in 0..MEMBERS {
            subs.push(tokio::spawn(subscriber(
                gh.clone(),
                gh.subscribe(),
                member(i),
                n,
                base,
                delivered.clone(),
                deadline,
            )));
        }
        let sender = member(0);
        let started = Instant::now();
        // The sender keeps up to `window` posts in flight (a chat bridge or a bot relaying
        // a busy channel does); each post still waits for its own commit.
        let mut inflight = tokio::task::JoinSet::new();
        let mut lat = Vec::with_capacity(n as usize);
        for i in 0..n {
            if Instant::now() > deadline {
                break;
            }
            while inflight.len() >= window {
                lat.push(inflight.join_next().await.expect("a post").expect("post task"));
            }
            let (gh, sender, channel) = (gh.clone(), sender.clone(), channel.clone());
            inflight.spawn(async move {
                let t = Instant::now();
                gh.post_message(PostMessageRequest {
                    player: sender,
                    channel,
                    body: format!("message {i}"),
                    metadata: None,
                    idempotency_key: None,
                })
                .await
                .expect("post");
                t.elapsed()
            });
        }
        while let Some(t) = inflight.join_next().await {
            lat.push(t.expect("post task"));
        }
        let posted = lat.len() as u64;
        let posting = started.elapsed();
        let mut counts = Vec::new();
        for s in subs {
            counts.push(s.await.expect("subscriber"));
        }
        let total = started.elapsed();
        let deliveries = delivered.load(Ordering::Relaxed);
        let [p50, p90, p99, max] = percentiles_ms(&mut lat);
        println!(
            "chat/sqlite: {posted} messages from one sender ({window} in flight) to a group channel \
             ({MEMBERS} members, {MEMBERS} subscribers): posted in {posting:.2} s, all delivered in {total:.2} s: \
             {rate:.0} messages/s fanned out, {drate:.0} deliveries/s ({deliveries} deliveries); \
             per post p50 {p50:.3} ms, p90 {p90:.3} ms, p99 {p99:.3} ms, max {max:.2} ms \
             (floor 2,000 messages/s = 200,000 deliveries/s)",
            posting = posting.as_secs_f64(),
            total = total.as_secs_f64(),
            rate = posted as f64 / total.as_secs_f64(),
            drate = deliveries as f64 / total.as_secs_f64(),
        );
        assert_eq!(posted, n, "every message was posted within the bound");
        assert!(
            counts.iter().all(|c| *c == n),
            "every subscriber received every message: {counts:?}"
        );
        let page = gh
            .channel_history(None, &channel, None, Some(1))
            .await
            .expect("history");
        // Posts in flight commit in any order: the newest stored is one of the last `window`.
        let newest: u64 = page.messages[0]
            .body
            .strip_prefix("message ")
            .and_then(|i| i.parse().ok())
            .expect("a posted body");
        assert!(
            newest + window as u64 >= n,
            "the newest message stored is one of the last posted: {newest}"
        );
    });
}
