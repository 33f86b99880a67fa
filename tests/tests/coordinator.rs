//! The coordinator conformance suite: every case runs once per coordinator kind
//! (`memory::case`, `redis::case`) against the [`Coordinator`] port.
//!
//! * `GUILDHALL_TEST_COORDINATORS`: comma-separated kinds to run, default `memory,redis`.
//!   `memory` is [`MemoryCoordinator::with_cache`]; `redis` is a [`RedisCoordinator`] on
//!   the Redis of [`guildhall_tests::redis_url`] (`GUILDHALL_TEST_REDIS_URL`, else
//!   `REDIS_URL`, else `redis://127.0.0.1:6379`). Cases of a kind that is not selected
//!   pass without running; a selected Redis that cannot be reached FAILS every Redis case
//!   with a message saying so.
//!
//! Every case gets a [`Fx`]: the coordinator under test and a *peer*, another instance of
//! the same deployment (for Redis a second connection under the same random key prefix,
//! as a second host process would have; for memory the same object, since the in-process
//! coordinator serves one process). Redis keys live under a fresh prefix per case and are
//! deleted when the case ends.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use guildhall_adapters::redis::{RedisCoordinator, RedisOptions};
use guildhall_core::announce::Location;
use guildhall_core::memory::MemoryCoordinator;
use guildhall_core::ports::{Coordinator, Ids, Session, UuidIds};
use guildhall_core::types::Event;
use guildhall_tests::{pid, redis_url, secs, start_time, RedisKeys};
use serde_json::{json, Value};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// A kind of Coordinator the suite can run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The in-process coordinator with its cache on.
    Memory,
    /// The Redis coordinator.
    Redis,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Memory => "memory",
            Kind::Redis => "redis",
        }
    }
}

/// The kinds selected by `GUILDHALL_TEST_COORDINATORS` (default `memory,redis`). Panics
/// on an unknown name, so a typo never turns into a silently skipped kind.
fn selected() -> Vec<Kind> {
    let raw =
        std::env::var("GUILDHALL_TEST_COORDINATORS").unwrap_or_else(|_| "memory,redis".to_string());
    raw.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| match s.trim().to_ascii_lowercase().as_str() {
            "memory" => Kind::Memory,
            "redis" => Kind::Redis,
            other => panic!(
                "GUILDHALL_TEST_COORDINATORS names unknown coordinator '{other}'; known: memory, redis"
            ),
        })
        .collect()
}

/// What a case works with.
pub struct Fx {
    kind: Kind,
    /// The coordinator under test.
    c: Arc<dyn Coordinator>,
    /// Another instance of the same deployment (see the module documentation).
    peer: Arc<dyn Coordinator>,
    /// Key guards of this case's Redis prefixes, dropped (keys deleted) with the fixture.
    keys: Mutex<Vec<RedisKeys>>,
}

async fn connect_redis(prefix: &str) -> RedisCoordinator {
    let url = redis_url();
    RedisCoordinator::connect(&url, RedisOptions::with_prefix(prefix))
        .await
        .unwrap_or_else(|e| {
            panic!(
                "coordinator 'redis' is selected by GUILDHALL_TEST_COORDINATORS (default \
                 memory,redis) but Redis at {url} is unreachable: {e}. Start redis-server, set \
                 GUILDHALL_TEST_REDIS_URL to a running Redis, or run with \
                 GUILDHALL_TEST_COORDINATORS=memory"
            )
        })
}

impl Fx {
    async fn new(kind: Kind) -> Self {
        match kind {
            Kind::Memory => {
                let c: Arc<dyn Coordinator> = Arc::new(MemoryCoordinator::with_cache());
                Fx {
                    kind,
                    peer: c.clone(),
                    c,
                    keys: Mutex::new(Vec::new()),
                }
            }
            Kind::Redis => {
                let (prefix, guard) = RedisKeys::fresh_prefix();
                let c = connect_redis(&prefix).await;
                let peer = connect_redis(&prefix).await;
                Fx {
                    kind,
                    c: Arc::new(c),
                    peer: Arc::new(peer),
                    keys: Mutex::new(vec![guard]),
                }
            }
        }
    }

    /// A coordinator of another deployment: shares nothing with `c` (memory: a new
    /// object; Redis: another prefix on the same server).
    async fn isolated(&self) -> Arc<dyn Coordinator> {
        match self.kind {
            Kind::Memory => Arc::new(MemoryCoordinator::with_cache()),
            Kind::Redis => {
                let (prefix, guard) = RedisKeys::fresh_prefix();
                self.keys.lock().unwrap().push(guard);
                Arc::new(connect_redis(&prefix).await)
            }
        }
    }

    /// Both instances, for cases that must hold whichever instance is used.
    fn both(&self) -> [&Arc<dyn Coordinator>; 2] {
        [&self.c, &self.peer]
    }
}

async fn run<F, Fut>(kind: Kind, name: &str, case: F)
where
    F: FnOnce(Fx) -> Fut,
    Fut: Future<Output = ()>,
{
    if !selected().contains(&kind) {
        eprintln!(
            "skipped {name} on coordinator '{}': not in GUILDHALL_TEST_COORDINATORS",
            kind.name()
        );
        return;
    }
    let fx = Fx::new(kind).await;
    case(fx).await;
}

/// Generates one test per (case, coordinator kind).
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        guildhall_tests::cases_per_kind!(memory, super::Kind::Memory, super::run, [$($case),*]);
        guildhall_tests::cases_per_kind!(redis, super::Kind::Redis, super::run, [$($case),*]);
    };
}

conformance!(
    published_events_reach_every_subscriber_once_in_order,
    events_of_both_instances_arrive_once_in_each_publishers_order,
    sessions_are_stored_replaced_and_expire_by_the_given_clock,
    sessions_list_is_ordered_by_player_without_expired_ones,
    end_session_reports_whether_one_existed,
    cache_put_keeps_the_first_value_until_invalidated,
    cache_round_trips_any_json_value,
    invalidated_keys_refuse_stale_puts_until_the_tombstone_passes,
    cached_values_expire_after_their_ttl,
    rate_hits_are_counted_per_key_in_a_fixed_window,
    rate_window_starts_again_after_it_passes,
    lease_is_exclusive_renewable_and_taken_over_after_its_ttl,
    lease_goes_to_exactly_one_of_many_concurrent_holders,
    lease_held_answers_for_the_holder_until_its_ttl_passes,
    separate_deployments_share_nothing,
);

// ----- helpers -----

/// How long a case waits for an expected event.
const EVENT_WAIT: Duration = Duration::from_secs(5);
/// How long a case watches for an unexpected (duplicate or foreign) event.
const QUIET: Duration = Duration::from_millis(400);

fn event(tag: &str, n: i64) -> Event {
    Event {
        seq: n,
        id: format!("{tag}-{n}-{}", UuidIds.next_id()),
        kind: "currency_granted".into(),
        at: start_time() + ChronoDuration::microseconds(n),
        players: vec![pid("alice"), pid("bob")],
        payload: json!({ "tag": tag, "n": n, "nested": { "list": [1, 2, 3] } }),
    }
}

fn session(player: &str, room: &str, last_seen: DateTime<Utc>, timeout: i64) -> Session {
    Session {
        player: pid(player),
        location: Location {
            lobby: Some("main".into()),
            room: Some(room.into()),
            ..Location::default()
        },
        started_at: start_time(),
        last_seen,
        expires_at: last_seen + secs(timeout),
    }
}

/// The next event on `rx`, failing the case when none comes within [`EVENT_WAIT`].
async fn next(rx: &mut broadcast::Receiver<std::sync::Arc<Event>>, what: &str) -> Event {
    match tokio::time::timeout(EVENT_WAIT, rx.recv()).await {
        Ok(Ok(e)) => std::sync::Arc::unwrap_or_clone(e),
        Ok(Err(e)) => panic!("{what}: receiver failed: {e}"),
        Err(_) => panic!("{what}: no event within {EVENT_WAIT:?}"),
    }
}

/// Fails when anything arrives on `rx` within [`QUIET`].
async fn assert_quiet(rx: &mut broadcast::Receiver<std::sync::Arc<Event>>, what: &str) {
    if let Ok(r) = tokio::time::timeout(QUIET, rx.recv()).await {
        panic!("{what}: expected nothing more, got {r:?}");
    }
}

fn players(list: &[Session]) -> Vec<&str> {
    list.iter().map(|s| s.player.as_str()).collect()
}

// ----- publish / subscribe -----

async fn published_events_reach_every_subscriber_once_in_order(fx: Fx) {
    let mut local = fx.c.subscribe();
    let mut local2 = fx.c.subscribe();
    let mut remote = fx.peer.subscribe();
    let batch1: Vec<Event> = (1..=3).map(|n| event("a", n)).collect();
    let batch2: Vec<Event> = (4..=5).map(|n| event("a", n)).collect();
    fx.c.publish(&batch1).await.expect("publish");
    fx.c.publish(&[]).await.expect("publishing nothing is fine");
    fx.c.publish(&batch2).await.expect("publish");
    let all: Vec<Event> = batch1.into_iter().chain(batch2).collect();
    for (name, rx) in [
        ("second subscriber", &mut local2),
        ("peer instance", &mut remote),
        ("publishing instance", &mut local),
    ] {
        for want in &all {
            let got = next(rx, name).await;
            assert_eq!(&got, want, "{name}: events arrive whole and in order");
        }
        assert_quiet(rx, name).await;
    }
}

async fn events_of_both_instances_arrive_once_in_each_publishers_order(fx: Fx) {
    let mut on_c = fx.c.subscribe();
    let mut on_peer = fx.peer.subscribe();
    const N: i64 = 25;
    let (c, peer) = (fx.c.clone(), fx.peer.clone());
    let a = tokio::spawn(async move {
        for n in 1..=N {
            c.publish(&[event("a", n)]).await.expect("publish a");
        }
    });
    let b = tokio::spawn(async move {
        for n in 1..=N {
            peer.publish(&[event("b", n)]).await.expect("publish b");
        }
    });
    a.await.unwrap();
    b.await.unwrap();
    for (name, rx) in [("instance c", &mut on_c), ("peer", &mut on_peer)] {
        let mut seen_a = Vec::new();
        let mut seen_b = Vec::new();
        for _ in 0..2 * N {
            let e = next(rx, name).await;
            match e.payload["tag"].as_str() {
                Some("a") => seen_a.push(e.seq),
                Some("b") => seen_b.push(e.seq),
                other => panic!("{name}: unexpected event tag {other:?}"),
            }
        }
        let want: Vec<i64> = (1..=N).collect();
        assert_eq!(
            seen_a, want,
            "{name}: c's events once each, in publish order"
        );
        assert_eq!(
            seen_b, want,
            "{name}: peer's events once each, in publish order"
        );
        assert_quiet(rx, name).await;
    }
}

// ----- sessions -----

async fn sessions_are_stored_replaced_and_expire_by_the_given_clock(fx: Fx) {
    let t = start_time();
    let s1 = session("alice", "r1", t, 90);
    fx.c.put_session(s1.clone()).await.expect("put");
    for c in fx.both() {
        assert_eq!(c.session(&pid("alice"), t).await.unwrap(), Some(s1.clone()));
        assert_eq!(
            c.session(&pid("alice"), t + secs(89)).await.unwrap(),
            Some(s1.clone()),
            "alive one second before it expires"
        );
        assert_eq!(
            c.session(&pid("alice"), t + secs(90)).await.unwrap(),
            None,
            "gone at expires_at"
        );
        assert_eq!(
            c.session(&pid("alice"), t + secs(3600)).await.unwrap(),
            None
        );
        assert_eq!(c.session(&pid("nobody"), t).await.unwrap(), None);
    }
    // A heartbeat through the other instance replaces the session (new place, later end).
    let s2 = session("alice", "r2", t + secs(60), 90);
    fx.peer.put_session(s2.clone()).await.expect("replace");
    for c in fx.both() {
        assert_eq!(
            c.session(&pid("alice"), t + secs(100)).await.unwrap(),
            Some(s2.clone()),
            "the replacement is alive past the first session's end"
        );
        assert_eq!(c.session(&pid("alice"), t + secs(150)).await.unwrap(), None);
        let listed = c.sessions(t + secs(100)).await.unwrap();
        assert_eq!(listed, vec![s2.clone()], "listed once, as replaced");
    }
}

async fn sessions_list_is_ordered_by_player_without_expired_ones(fx: Fx) {
    let t = start_time();
    // Put in no particular order, through both instances.
    fx.c.put_session(session("carol", "r", t, 50))
        .await
        .unwrap();
    fx.peer
        .put_session(session("alice", "r", t, 100))
        .await
        .unwrap();
    fx.c.put_session(session("dave", "r", t, 10)).await.unwrap();
    fx.peer
        .put_session(session("bob", "r", t, 200))
        .await
        .unwrap();
    fx.c.put_session(session("Zed", "r", t, 300)).await.unwrap();
    fx.c.put_session(session("erin", "r", t - secs(500), 90))
        .await
        .unwrap(); // expired before t
    for c in fx.both() {
        assert_eq!(
            players(&c.sessions(t).await.unwrap()),
            vec!["Zed", "alice", "bob", "carol", "dave"],
            "ordered by player id (bytes), the expired one left out"
        );
    }
    for c in fx.both() {
        assert_eq!(
            players(&c.sessions(t + secs(60)).await.unwrap()),
            vec!["Zed", "alice", "bob"]
        );
    }
    assert_eq!(
        players(&fx.c.sessions(t + secs(150)).await.unwrap()),
        vec!["Zed", "bob"]
    );
    assert!(fx.peer.sessions(t + secs(301)).await.unwrap().is_empty());
}

async fn end_session_reports_whether_one_existed(fx: Fx) {
    let t = start_time();
    fx.c.put_session(session("alice", "r", t, 90))
        .await
        .unwrap();
    fx.c.put_session(session("bob", "r", t, 90)).await.unwrap();
    assert!(fx.peer.end_session(&pid("alice")).await.unwrap());
    for c in fx.both() {
        assert_eq!(c.session(&pid("alice"), t).await.unwrap(), None);
        assert_eq!(players(&c.sessions(t).await.unwrap()), vec!["bob"]);
    }
    assert!(
        !fx.c.end_session(&pid("alice")).await.unwrap(),
        "ending it twice: nothing to end"
    );
    assert!(!fx.c.end_session(&pid("never")).await.unwrap());
    // A new login after a logout starts a new session.
    let again = session("alice", "r9", t + secs(5), 90);
    fx.c.put_session(again.clone()).await.unwrap();
    assert_eq!(
        fx.peer.session(&pid("alice"), t + secs(10)).await.unwrap(),
        Some(again)
    );
}

// ----- cache -----

async fn cache_put_keeps_the_first_value_until_invalidated(fx: Fx) {
    let k = "user:alice:wallet";
    let v1 = json!({"player": "alice", "balances": [{"currency": "gold", "amount": 10}]});
    let v2 = json!({"player": "alice", "balances": [{"currency": "gold", "amount": 99}]});
    for c in fx.both() {
        assert_eq!(c.cache_get(k).await.unwrap(), None, "nothing cached yet");
    }
    fx.c.cache_put(k, v1.clone(), 60).await.unwrap();
    for c in fx.both() {
        assert_eq!(c.cache_get(k).await.unwrap(), Some(v1.clone()));
    }
    // Put-if-absent: a later put (from either instance) does not replace a live value.
    fx.c.cache_put(k, v2.clone(), 60).await.unwrap();
    fx.peer.cache_put(k, v2.clone(), 60).await.unwrap();
    for c in fx.both() {
        assert_eq!(
            c.cache_get(k).await.unwrap(),
            Some(v1.clone()),
            "first value kept"
        );
        assert_eq!(c.cache_get("user:alice:inventory").await.unwrap(), None);
    }
}

async fn cache_round_trips_any_json_value(fx: Fx) {
    let values = [
        ("null", Value::Null),
        ("empty-string", json!("")),
        ("zero", json!(0)),
        ("false", json!(false)),
        ("empty-object", json!({})),
        ("big", json!(i64::MAX)),
        ("text", json!("héllo \"quoted\" \n line")),
        (
            "nested",
            json!({"a": [1, {"b": null}], "c": "d", "e": -1.5}),
        ),
    ];
    for (k, v) in &values {
        fx.c.cache_put(k, v.clone(), 60).await.unwrap();
    }
    for c in fx.both() {
        for (k, v) in &values {
            assert_eq!(
                c.cache_get(k).await.unwrap(),
                Some(v.clone()),
                "cached {k} reads back unchanged"
            );
        }
    }
}

async fn invalidated_keys_refuse_stale_puts_until_the_tombstone_passes(fx: Fx) {
    let (k1, k2, k3, keep) = (
        "user:a:wallet",
        "user:a:inventory",
        "user:b:wallet",
        "other",
    );
    let old = json!({"amount": 1});
    let new = json!({"amount": 2});
    fx.c.cache_put(k1, old.clone(), 60).await.unwrap();
    fx.c.cache_put(k2, old.clone(), 60).await.unwrap();
    fx.c.cache_put(keep, old.clone(), 60).await.unwrap();
    fx.c.cache_invalidate(&[])
        .await
        .expect("invalidating nothing");
    // A commit through the other instance invalidates two keys at once, and one (k3)
    // that holds nothing: a read that started before that commit must not put its old
    // state back afterwards.
    fx.peer
        .cache_invalidate(&[k1.to_string(), k2.to_string(), k3.to_string()])
        .await
        .unwrap();
    for c in fx.both() {
        assert_eq!(c.cache_get(k1).await.unwrap(), None, "invalidated");
        assert_eq!(c.cache_get(k2).await.unwrap(), None, "invalidated");
        assert_eq!(
            c.cache_get(keep).await.unwrap(),
            Some(old.clone()),
            "not invalidated"
        );
    }
    for c in fx.both() {
        c.cache_put(k1, old.clone(), 60).await.unwrap();
        c.cache_put(k3, old.clone(), 60).await.unwrap();
    }
    for c in fx.both() {
        assert_eq!(
            c.cache_get(k1).await.unwrap(),
            None,
            "a stale put right after an invalidation is refused"
        );
        assert_eq!(
            c.cache_get(k3).await.unwrap(),
            None,
            "an invalidation of an absent key blocks a stale put too"
        );
    }
    // The tombstone lasts a few seconds (5 s), then caching works again.
    tokio::time::sleep(Duration::from_millis(5_300)).await;
    fx.peer.cache_put(k1, new.clone(), 60).await.unwrap();
    for c in fx.both() {
        assert_eq!(
            c.cache_get(k1).await.unwrap(),
            Some(new.clone()),
            "cached again once the tombstone has passed"
        );
    }
}

async fn cached_values_expire_after_their_ttl(fx: Fx) {
    let k = "user:c:wallet";
    fx.c.cache_put(k, json!(1), 1).await.unwrap();
    fx.c.cache_put("long", json!("stays"), 60).await.unwrap();
    assert_eq!(fx.peer.cache_get(k).await.unwrap(), Some(json!(1)));
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    for c in fx.both() {
        assert_eq!(c.cache_get(k).await.unwrap(), None, "expired after 1 s");
        assert_eq!(c.cache_get("long").await.unwrap(), Some(json!("stays")));
    }
    // An expired value does not block a new one.
    fx.peer.cache_put(k, json!(2), 60).await.unwrap();
    assert_eq!(fx.c.cache_get(k).await.unwrap(), Some(json!(2)));
}

// ----- rate limits -----

async fn rate_hits_are_counted_per_key_in_a_fixed_window(fx: Fx) {
    let k = "player:alice:spend";
    for n in 1..=3u32 {
        let d = fx.both()[n as usize % 2].rate_hit(k, 3, 60).await.unwrap();
        assert!(d.allowed, "hit {n} of 3 is allowed: {d:?}");
        assert_eq!(d.count, n, "{d:?}");
        assert!((1..=60).contains(&d.retry_after_secs), "{d:?}");
    }
    let over = fx.c.rate_hit(k, 3, 60).await.unwrap();
    assert!(!over.allowed, "the 4th hit is refused: {over:?}");
    assert_eq!(over.count, 4);
    assert!((1..=60).contains(&over.retry_after_secs), "{over:?}");
    let still = fx.peer.rate_hit(k, 3, 60).await.unwrap();
    assert!(!still.allowed, "refused on every instance: {still:?}");
    assert_eq!(still.count, 5, "instances count in one window");
    // Another key has its own count; a higher limit on the same key counts on.
    let other = fx.c.rate_hit("player:bob:spend", 3, 60).await.unwrap();
    assert!(other.allowed);
    assert_eq!(other.count, 1);
    let generous = fx.c.rate_hit(k, 10, 60).await.unwrap();
    assert!(generous.allowed, "{generous:?}");
    assert_eq!(generous.count, 6);
}

async fn rate_window_starts_again_after_it_passes(fx: Fx) {
    let k = "key:tiny-window";
    let first = fx.c.rate_hit(k, 1, 1).await.unwrap();
    assert!(first.allowed && first.count == 1, "{first:?}");
    let second = fx.peer.rate_hit(k, 1, 1).await.unwrap();
    assert!(!second.allowed && second.count == 2, "{second:?}");
    assert_eq!(second.retry_after_secs, 1, "{second:?}");
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    let fresh = fx.peer.rate_hit(k, 1, 1).await.unwrap();
    assert!(fresh.allowed, "a new window: {fresh:?}");
    assert_eq!(fresh.count, 1, "{fresh:?}");
}

// ----- leases -----

async fn lease_is_exclusive_renewable_and_taken_over_after_its_ttl(fx: Fx) {
    let t = start_time();
    let (c, peer) = (&fx.c, &fx.peer);
    assert!(
        c.lease("matchmaking", "host-a", t, 5).await.unwrap(),
        "free"
    );
    assert!(
        !peer
            .lease("matchmaking", "host-b", t + secs(1), 5)
            .await
            .unwrap(),
        "held by host-a"
    );
    assert!(
        peer.lease("matchmaking", "host-a", t + secs(2), 5)
            .await
            .unwrap(),
        "the holder renews it (through any instance)"
    );
    assert!(
        !c.lease("matchmaking", "host-b", t + secs(6), 5)
            .await
            .unwrap(),
        "still held: the renewal moved its end to t+7"
    );
    assert!(
        c.lease("other-job", "host-b", t + secs(6), 5)
            .await
            .unwrap(),
        "another lease name is independent"
    );
    assert!(
        peer.lease("matchmaking", "host-b", t + secs(8), 5)
            .await
            .unwrap(),
        "taken over once the ttl passed without renewal"
    );
    assert!(
        !c.lease("matchmaking", "host-a", t + secs(9), 5)
            .await
            .unwrap(),
        "the old holder lost it"
    );
    assert!(
        c.lease("matchmaking", "host-b", t + secs(9), 5)
            .await
            .unwrap(),
        "the new holder renews"
    );
}

async fn lease_goes_to_exactly_one_of_many_concurrent_holders(fx: Fx) {
    let t = start_time();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let c = if i % 2 == 0 {
            fx.c.clone()
        } else {
            fx.peer.clone()
        };
        tasks.push(tokio::spawn(async move {
            let holder = format!("host-{i}");
            let won = c.lease("tick", &holder, t, 10).await.unwrap();
            (holder, won)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (holder, won) = task.await.unwrap();
        if won {
            winners.push(holder);
        }
    }
    assert_eq!(winners.len(), 1, "exactly one holder: {winners:?}");
    let winner = &winners[0];
    for i in 0..16 {
        let holder = format!("host-{i}");
        let got = fx.both()[i % 2]
            .lease("tick", &holder, t + secs(3), 10)
            .await
            .unwrap();
        assert_eq!(got, &holder == winner, "{holder}: only the winner renews");
    }
}

async fn lease_held_answers_for_the_holder_until_its_ttl_passes(fx: Fx) {
    let t = start_time();
    let (c, peer) = (&fx.c, &fx.peer);
    assert!(
        !c.lease_held("matchmaking", "host-a", t).await.unwrap(),
        "nobody holds a lease never taken"
    );
    assert!(c.lease("matchmaking", "host-a", t, 5).await.unwrap());
    for (who, at, held, why) in [
        ("host-a", 0, true, "the holder, just after taking it"),
        ("host-a", 4, true, "the holder, within the ttl"),
        ("host-b", 1, false, "another holder"),
        ("host-a", 5, false, "the holder, once the ttl passed"),
    ] {
        for inst in [c, peer] {
            assert_eq!(
                inst.lease_held("matchmaking", who, t + secs(at))
                    .await
                    .unwrap(),
                held,
                "{why} (asked at t+{at} s)"
            );
        }
    }
    assert!(
        c.lease("matchmaking", "host-a", t + secs(4), 5)
            .await
            .unwrap(),
        "renewed"
    );
    assert!(
        peer.lease_held("matchmaking", "host-a", t + secs(8))
            .await
            .unwrap(),
        "a renewal moves the end of the lease"
    );
    assert!(
        peer.lease("matchmaking", "host-b", t + secs(9), 5)
            .await
            .unwrap(),
        "taken over after the renewed ttl"
    );
    assert!(
        !c.lease_held("matchmaking", "host-a", t + secs(9))
            .await
            .unwrap(),
        "the old holder is told it lost the lease"
    );
    assert!(
        c.lease_held("matchmaking", "host-b", t + secs(9))
            .await
            .unwrap(),
        "the new holder holds it"
    );
    assert!(
        !c.lease_held("other-job", "host-b", t + secs(9))
            .await
            .unwrap(),
        "per lease name"
    );
}

// ----- isolation -----

async fn separate_deployments_share_nothing(fx: Fx) {
    let other = fx.isolated().await;
    let t = start_time();
    let mut rx_other = other.subscribe();
    let mut rx_c = fx.c.subscribe();
    fx.c.publish(&[event("mine", 1)]).await.unwrap();
    assert_eq!(
        next(&mut rx_c, "own deployment").await.payload["tag"],
        "mine"
    );
    assert_quiet(&mut rx_other, "other deployment").await;

    fx.c.put_session(session("alice", "r", t, 90))
        .await
        .unwrap();
    assert_eq!(other.session(&pid("alice"), t).await.unwrap(), None);
    assert!(other.sessions(t).await.unwrap().is_empty());

    fx.c.cache_put("k", json!("mine"), 60).await.unwrap();
    assert_eq!(other.cache_get("k").await.unwrap(), None);
    other.cache_invalidate(&["k".to_string()]).await.unwrap();
    assert_eq!(
        fx.c.cache_get("k").await.unwrap(),
        Some(json!("mine")),
        "another deployment's invalidation does not reach this one"
    );

    for _ in 0..2 {
        fx.c.rate_hit("r", 1, 60).await.unwrap();
    }
    let d = other.rate_hit("r", 1, 60).await.unwrap();
    assert!(d.allowed && d.count == 1, "{d:?}");

    assert!(fx.c.lease("matchmaking", "a", t, 5).await.unwrap());
    assert!(
        other.lease("matchmaking", "b", t, 5).await.unwrap(),
        "each deployment has its own lease"
    );
}
