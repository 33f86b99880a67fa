//! The Redis coordinator against a real Redis: `GUILDHALL_TEST_REDIS_URL`, else
//! `REDIS_URL`, else `redis://127.0.0.1:6379`. An unreachable Redis fails these tests
//! (they never skip). Each test works under its own random key prefix and deletes its
//! keys when it ends, so runs sharing one Redis never collide.
//!
//! The restart test starts its own `redis-server` (from `PATH`, or
//! `GUILDHALL_TEST_REDIS_SERVER`) on a free port.

use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Utc};
use guildhall_adapters::redis::{RedisCoordinator, RedisOptions, DEFAULT_PREFIX};
use guildhall_adapters::sqlite::SqliteStore;
use guildhall_core::announce::Location;
use guildhall_core::economy::GrantRequest;
use guildhall_core::memory::MemoryStore;
use guildhall_core::ports::{Coordinator, Ids, Session, Store, UuidIds};
use guildhall_core::types::{Currency, Event, PlayerId};
use guildhall_core::{Config, ErrorCode, Guildhall};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

fn redis_url() -> String {
    std::env::var("GUILDHALL_TEST_REDIS_URL")
        .or_else(|_| std::env::var("REDIS_URL"))
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_string())
}

/// Deletes every key under its prefix when dropped (also when the test panics).
struct Cleanup {
    url: String,
    pattern: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let Ok(client) = redis::Client::open(self.url.as_str()) else {
            return;
        };
        let Ok(mut c) = client.get_connection_with_timeout(Duration::from_secs(2)) else {
            return;
        };
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(&self.pattern)
            .query(&mut c)
            .unwrap_or_default();
        if !keys.is_empty() {
            let _: redis::RedisResult<()> = redis::cmd("DEL").arg(keys).query(&mut c);
        }
    }
}

/// A fresh prefix and the guard that removes its keys.
fn scope() -> (String, Cleanup) {
    let prefix = format!("guildhall-test:{}:", UuidIds.next_id());
    let guard = Cleanup {
        url: redis_url(),
        pattern: format!("{prefix}*"),
    };
    (prefix, guard)
}

async fn coordinator(prefix: &str) -> RedisCoordinator {
    let url = redis_url();
    RedisCoordinator::connect(&url, RedisOptions::with_prefix(prefix))
        .await
        .unwrap_or_else(|e| {
            panic!(
                "Redis at {url} is unreachable ({e}); start redis-server or set \
                 GUILDHALL_TEST_REDIS_URL to a running Redis"
            )
        })
}

/// A raw connection to look at what the coordinator stored.
async fn raw() -> redis::aio::MultiplexedConnection {
    let url = redis_url();
    redis::Client::open(url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("Redis at {url} is unreachable: {e}"))
}

fn player(id: &str) -> PlayerId {
    PlayerId::new(id).unwrap()
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap()
}

fn event(id: &str) -> Event {
    Event {
        seq: 1,
        id: id.to_string(),
        kind: "currency_granted".into(),
        at: t0(),
        players: vec![player("p1")],
        payload: json!({ "amount": 5 }),
    }
}

fn session(p: &str, last_seen: DateTime<Utc>, timeout_secs: i64) -> Session {
    Session {
        player: player(p),
        location: Location {
            lobby: Some("main".into()),
            ..Location::default()
        },
        started_at: last_seen,
        last_seen,
        expires_at: last_seen + ChronoDuration::seconds(timeout_secs),
    }
}

fn config() -> Config {
    Config::new(vec![Currency {
        code: "gold".into(),
        max_balance: None,
    }])
    .unwrap()
}

fn grant(p: &str, amount: i64, key: Option<&str>) -> GrantRequest {
    GrantRequest {
        player: player(p),
        currency: "gold".into(),
        amount,
        source: None,
        reason: None,
        metadata: serde_json::Value::Null,
        idempotency_key: key.map(str::to_string),
    }
}

async fn gold(g: &Guildhall, p: &str) -> i64 {
    let w = g.wallet(&player(p)).await.expect("wallet");
    w.balances
        .iter()
        .find(|b| b.currency == "gold")
        .map_or(0, |b| b.amount)
}

async fn recv(rx: &mut broadcast::Receiver<std::sync::Arc<Event>>) -> Event {
    std::sync::Arc::unwrap_or_clone(
        tokio::time::timeout(Duration::from_secs(3), rx.recv())
            .await
            .expect("event within 3 s")
            .expect("channel open"),
    )
}

async fn nothing_more(rx: &mut broadcast::Receiver<std::sync::Arc<Event>>) {
    if let Ok(r) = tokio::time::timeout(Duration::from_millis(300), rx.recv()).await {
        panic!("unexpected extra event: {r:?}");
    }
}

/// A port on which nothing listens.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn events_reach_every_instance_and_the_publisher_once() {
    let (prefix, _g) = scope();
    let a = coordinator(&prefix).await;
    let b = coordinator(&prefix).await;
    let (other_prefix, _g2) = scope();
    let other = coordinator(&other_prefix).await;
    let mut rx_a = a.subscribe();
    let mut rx_b = b.subscribe();
    let mut rx_other = other.subscribe();

    a.publish(&[event("e1"), event("e2")]).await.unwrap();
    assert_eq!(recv(&mut rx_a).await.id, "e1");
    assert_eq!(recv(&mut rx_a).await.id, "e2");
    assert_eq!(recv(&mut rx_b).await, event("e1"));
    assert_eq!(recv(&mut rx_b).await, event("e2"));

    b.publish(&[event("e3")]).await.unwrap();
    assert_eq!(recv(&mut rx_a).await.id, "e3");
    assert_eq!(recv(&mut rx_b).await.id, "e3");

    // Exactly once on each instance; nothing crosses prefixes.
    nothing_more(&mut rx_a).await;
    nothing_more(&mut rx_b).await;
    nothing_more(&mut rx_other).await;
    a.publish(&[]).await.unwrap();
    assert!(a.is_subscribed() && b.is_subscribed());
    assert_eq!(a.prefix(), prefix);
}

#[tokio::test]
async fn sessions_are_stored_listed_expired_and_ended() {
    let (prefix, _g) = scope();
    let c = coordinator(&prefix).await;
    let now = t0();
    let other = coordinator(&prefix).await;

    assert_eq!(c.session(&player("bob"), now).await.unwrap(), None);
    c.put_session(session("bob", now, 90)).await.unwrap();
    c.put_session(session("alice", now, 30)).await.unwrap();
    c.put_session(session("carol", now - ChronoDuration::seconds(100), 90))
        .await
        .unwrap();

    // Visible to another instance; ordered by player; the already-expired one is not.
    let live: Vec<String> = other
        .sessions(now)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.player.to_string())
        .collect();
    assert_eq!(live, ["alice", "bob"]);
    assert_eq!(
        other.session(&player("bob"), now).await.unwrap(),
        Some(session("bob", now, 90))
    );
    assert_eq!(c.session(&player("carol"), now).await.unwrap(), None);

    // Expiry is by the caller's clock: at +31 s alice is gone, at +90 s bob too.
    let later = now + ChronoDuration::seconds(31);
    assert_eq!(c.session(&player("alice"), later).await.unwrap(), None);
    assert_eq!(c.sessions(later).await.unwrap().len(), 1);
    assert_eq!(
        c.session(&player("bob"), now + ChronoDuration::seconds(90))
            .await
            .unwrap(),
        None
    );

    // A heartbeat replaces the session and moves its expiry.
    c.put_session(session("bob", later, 90)).await.unwrap();
    let bob = c
        .session(&player("bob"), now + ChronoDuration::seconds(100))
        .await
        .unwrap()
        .expect("renewed");
    assert_eq!(bob.last_seen, later);

    // Pruned members leave the sorted set.
    let mut r = raw().await;
    let members: Vec<String> = redis::cmd("ZRANGE")
        .arg(format!("{prefix}sessions"))
        .arg(0)
        .arg(-1)
        .query_async(&mut r)
        .await
        .unwrap();
    assert_eq!(members, ["bob"]);

    assert!(c.end_session(&player("bob")).await.unwrap());
    assert!(!c.end_session(&player("bob")).await.unwrap());
    assert_eq!(
        c.session(&player("bob"), now + ChronoDuration::seconds(100))
            .await
            .unwrap(),
        None
    );
    assert!(c.sessions(now).await.unwrap().is_empty());
}

#[tokio::test]
async fn session_keys_expire_in_redis_with_the_session() {
    let (prefix, _g) = scope();
    let c = coordinator(&prefix).await;
    let now = Utc::now();
    let mut s = session("dave", now, 90);
    s.expires_at = now + ChronoDuration::milliseconds(400);
    c.put_session(s.clone()).await.unwrap();
    assert_eq!(c.session(&player("dave"), now).await.unwrap(), Some(s));
    let mut r = raw().await;
    let pttl: i64 = redis::cmd("PTTL")
        .arg(format!("{prefix}session:dave"))
        .query_async(&mut r)
        .await
        .unwrap();
    assert!((1..=90_000).contains(&pttl), "pttl {pttl}");
    // Under the real clock the key lives exactly as long as the session.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let later = Utc::now();
    assert_eq!(c.session(&player("dave"), later).await.unwrap(), None);
    assert!(c.sessions(later).await.unwrap().is_empty());
}

#[tokio::test]
async fn cache_misses_hits_and_tombstones_block_stale_puts() {
    let (prefix, _g) = scope();
    let a = coordinator(&prefix).await;
    let b = coordinator(&prefix).await;
    let key = "user:p1:wallet";

    assert_eq!(a.cache_get(key).await.unwrap(), None);
    a.cache_put(key, json!({ "gold": 1 }), 60).await.unwrap();
    assert_eq!(b.cache_get(key).await.unwrap(), Some(json!({ "gold": 1 })));
    // Put only if absent: an existing value is not replaced.
    b.cache_put(key, json!({ "gold": 2 }), 60).await.unwrap();
    assert_eq!(a.cache_get(key).await.unwrap(), Some(json!({ "gold": 1 })));

    // A reader that loaded the old state before the commit cannot put it back.
    a.cache_invalidate(&[key.to_string(), "user:p1:inventory".to_string()])
        .await
        .unwrap();
    assert_eq!(b.cache_get(key).await.unwrap(), None);
    b.cache_put(key, json!({ "gold": 1 }), 60).await.unwrap();
    assert_eq!(a.cache_get(key).await.unwrap(), None);
    assert_eq!(a.cache_get("user:p1:inventory").await.unwrap(), None);

    // The tombstone is short-lived.
    let mut r = raw().await;
    let pttl: i64 = redis::cmd("PTTL")
        .arg(format!("{prefix}cache:{key}"))
        .query_async(&mut r)
        .await
        .unwrap();
    assert!((1..=5_000).contains(&pttl), "tombstone pttl {pttl}");

    // Values expire with their time to live.
    a.cache_put("short", json!([1, 2]), 1).await.unwrap();
    assert_eq!(a.cache_get("short").await.unwrap(), Some(json!([1, 2])));
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(a.cache_get("short").await.unwrap(), None);
    a.cache_invalidate(&[]).await.unwrap();
}

#[tokio::test]
async fn cache_can_be_switched_off() {
    let (prefix, _g) = scope();
    let url = redis_url();
    let off = RedisCoordinator::connect(
        &url,
        RedisOptions {
            cache: false,
            ..RedisOptions::with_prefix(&prefix)
        },
    )
    .await
    .unwrap_or_else(|e| panic!("Redis at {url} is unreachable: {e}"));
    off.cache_put("k", json!(1), 60).await.unwrap();
    assert_eq!(off.cache_get("k").await.unwrap(), None);
    off.cache_invalidate(&["k".to_string()]).await.unwrap();
}

#[tokio::test]
async fn rate_limit_counts_a_fixed_window_then_resets() {
    let (prefix, _g) = scope();
    let a = coordinator(&prefix).await;
    let b = coordinator(&prefix).await;
    for n in 1..=3u32 {
        let d = if n % 2 == 0 { &b } else { &a }
            .rate_hit("player:p1", 3, 1)
            .await
            .unwrap();
        assert!(d.allowed, "hit {n}");
        assert_eq!(d.count, n);
        assert_eq!(d.retry_after_secs, 1);
    }
    let over = a.rate_hit("player:p1", 3, 1).await.unwrap();
    assert!(!over.allowed);
    assert_eq!(over.count, 4);
    assert_eq!(over.retry_after_secs, 1);
    // Other keys have their own window.
    assert_eq!(b.rate_hit("player:p2", 3, 1).await.unwrap().count, 1);
    let long = a.rate_hit("key:k1", 10, 60).await.unwrap();
    assert!(long.allowed && (59..=60).contains(&long.retry_after_secs));

    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let fresh = b.rate_hit("player:p1", 3, 1).await.unwrap();
    assert!(fresh.allowed);
    assert_eq!(fresh.count, 1);
}

#[tokio::test]
async fn lease_is_held_by_one_holder_and_taken_over_after_its_ttl() {
    let (prefix, _g) = scope();
    let a = coordinator(&prefix).await;
    let b = coordinator(&prefix).await;
    let now = t0();
    let at = |s: i64| now + ChronoDuration::seconds(s);

    assert!(a.lease("matchmaking", "host-a", at(0), 5).await.unwrap());
    assert!(!b.lease("matchmaking", "host-b", at(1), 5).await.unwrap());
    // The holder renews (until +7).
    assert!(a.lease("matchmaking", "host-a", at(2), 5).await.unwrap());
    assert!(!b.lease("matchmaking", "host-b", at(6), 5).await.unwrap());
    // Another lease name is independent.
    assert!(b.lease("other", "host-b", at(6), 5).await.unwrap());
    // host-a stopped renewing: host-b takes over once the TTL lapsed, and keeps it.
    assert!(b.lease("matchmaking", "host-b", at(7), 5).await.unwrap());
    assert!(!a.lease("matchmaking", "host-a", at(8), 5).await.unwrap());
    assert!(b.lease("matchmaking", "host-b", at(9), 5).await.unwrap());
}

#[tokio::test]
async fn lease_lapses_in_real_time_when_the_holder_dies() {
    let (prefix, _g) = scope();
    let a = coordinator(&prefix).await;
    let b = coordinator(&prefix).await;
    assert!(a.lease("tick", "host-a", Utc::now(), 1).await.unwrap());
    assert!(!b.lease("tick", "host-b", Utc::now(), 1).await.unwrap());
    drop(a);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert!(b.lease("tick", "host-b", Utc::now(), 1).await.unwrap());
}

#[tokio::test]
async fn unreachable_redis_fails_fast_and_the_services_keep_working() {
    let url = format!("redis://127.0.0.1:{}", closed_port());
    let c = Arc::new(
        RedisCoordinator::new(&url, RedisOptions::with_prefix("guildhall-test:down:")).unwrap(),
    );

    let started = Instant::now();
    let err = c.cache_get("user:p:wallet").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unavailable);
    assert_eq!(
        c.publish(&[event("e1")]).await.unwrap_err().code,
        ErrorCode::Unavailable
    );
    assert_eq!(
        c.cache_put("k", json!(1), 60).await.unwrap_err().code,
        ErrorCode::Unavailable
    );
    assert_eq!(
        c.cache_invalidate(&["k".into()]).await.unwrap_err().code,
        ErrorCode::Unavailable
    );
    assert_eq!(
        c.put_session(session("p", t0(), 90))
            .await
            .unwrap_err()
            .code,
        ErrorCode::Unavailable
    );
    assert_eq!(
        c.session(&player("p"), t0()).await.unwrap_err().code,
        ErrorCode::Unavailable
    );
    assert_eq!(
        c.sessions(t0()).await.unwrap_err().code,
        ErrorCode::Unavailable
    );
    assert_eq!(
        c.end_session(&player("p")).await.unwrap_err().code,
        ErrorCode::Unavailable
    );
    assert_eq!(
        c.rate_hit("k", 1, 1).await.unwrap_err().code,
        ErrorCode::Unavailable
    );
    assert_eq!(
        c.lease("l", "h", t0(), 5).await.unwrap_err().code,
        ErrorCode::Unavailable
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "ten failing calls took {:?}",
        started.elapsed()
    );
    // After the quiet period, a call tries again and still fails within the timeout.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let started = Instant::now();
    assert_eq!(c.ping().await.unwrap_err().code, ErrorCode::Unavailable);
    assert!(started.elapsed() < Duration::from_millis(2_500));
    assert!(!c.is_subscribed());

    // `connect` refuses a Redis that does not answer, quickly.
    let started = Instant::now();
    let refused = RedisCoordinator::connect(&url, RedisOptions::default())
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Unavailable);
    assert!(started.elapsed() < Duration::from_millis(2_500));
    assert_eq!(
        RedisCoordinator::new("not a url", RedisOptions::default())
            .unwrap_err()
            .code,
        ErrorCode::InvalidArgument
    );

    // A core over a SQLite file and the dead coordinator: reads fall back to the store,
    // writes happen exactly once, and this instance still sees its own events.
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::connect(&format!("sqlite://{}", dir.path().join("g.db").display()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let g = Guildhall::new(Arc::new(store), c.clone(), config());
    let mut rx = g.subscribe();
    assert_eq!(gold(&g, "p1").await, 0);
    let first = g.grant(grant("p1", 100, Some("pay-1"))).await.unwrap();
    assert_eq!(first.balance, 100);
    assert_eq!(recv(&mut rx).await.kind, "currency_granted");
    let again = g.grant(grant("p1", 100, Some("pay-1"))).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.balance, 100);
    assert_eq!(gold(&g, "p1").await, 100);
    g.grant(grant("p1", 50, None)).await.unwrap();
    assert_eq!(gold(&g, "p1").await, 150);
    assert!(g.verify_ledger().await.unwrap().ok);

    // The memory store behaves the same.
    let m = Guildhall::new(Arc::new(MemoryStore::new()), c.clone(), config());
    m.grant(grant("p2", 7, Some("k"))).await.unwrap();
    m.grant(grant("p2", 7, Some("k"))).await.unwrap();
    assert_eq!(gold(&m, "p2").await, 7);
}

#[tokio::test]
async fn two_hosts_over_one_database_see_each_others_writes_at_once() {
    let (prefix, _g) = scope();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("shared.db").display());
    let host = |prefix: String, url: String| async move {
        let store = SqliteStore::connect(&url).await.expect("sqlite");
        store.migrate().await.expect("migrate");
        Guildhall::new(
            Arc::new(store),
            Arc::new(coordinator(&prefix).await),
            config(),
        )
    };
    let a = host(prefix.clone(), url.clone()).await;
    let b = host(prefix.clone(), url.clone()).await;
    let mut rx_b = b.subscribe();

    // B caches the empty wallet.
    assert_eq!(gold(&b, "p1").await, 0);
    let mut r = raw().await;
    let cached: Option<String> = redis::cmd("GET")
        .arg(format!("{prefix}cache:user:p1:wallet"))
        .query_async(&mut r)
        .await
        .unwrap();
    assert!(cached.is_some_and(|v| !v.is_empty()), "B's read was cached");

    // A grant through A is visible through B at once, and its event reaches B.
    a.grant(grant("p1", 100, None)).await.unwrap();
    assert_eq!(gold(&b, "p1").await, 100);
    let e = recv(&mut rx_b).await;
    assert_eq!(e.kind, "currency_granted");
    assert_eq!(e.players, vec![player("p1")]);

    // Back and forth: every read after a committed write on the other host sees it.
    for i in 1..=5 {
        let (w, rd) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        w.grant(grant("p1", 10, None)).await.unwrap();
        assert_eq!(gold(rd, "p1").await, 100 + 10 * i);
        assert_eq!(gold(w, "p1").await, 100 + 10 * i);
    }
    assert!(a.verify_ledger().await.unwrap().ok);
}

#[tokio::test]
async fn open_with_picks_the_coordinator() {
    let url = redis_url();
    let p = format!("open-with-{}", UuidIds.next_id());
    let _g = Cleanup {
        url: url.clone(),
        pattern: format!("{DEFAULT_PREFIX}*{p}*"),
    };
    let a = guildhall_adapters::open_with("memory://", Some(&url), config())
        .await
        .unwrap_or_else(|e| panic!("Redis at {url} is unreachable: {e}"));
    let mut rx = a.subscribe();
    a.grant(grant(&p, 3, None)).await.unwrap();
    assert_eq!(gold(&a, &p).await, 3);
    assert_eq!(recv(&mut rx).await.players, vec![player(&p)]);

    let local = guildhall_adapters::open_with("memory://", None, config())
        .await
        .unwrap();
    assert_eq!(gold(&local, &p).await, 0);

    let dead = format!("redis://127.0.0.1:{}", closed_port());
    let started = Instant::now();
    let err = guildhall_adapters::open_with("memory://", Some(&dead), config())
        .await
        .err()
        .expect("unreachable Redis refused");
    assert_eq!(err.code, ErrorCode::Unavailable);
    assert!(started.elapsed() < Duration::from_millis(2_500));
}

/// A `redis-server` of the test's own, on a free port, killed on drop.
struct OwnRedis {
    child: std::process::Child,
    port: u16,
}

impl OwnRedis {
    fn start(port: u16) -> Self {
        let bin = std::env::var("GUILDHALL_TEST_REDIS_SERVER")
            .unwrap_or_else(|_| "redis-server".to_string());
        let child = std::process::Command::new(&bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {bin} ({e}); install redis-server or set \
                     GUILDHALL_TEST_REDIS_SERVER"
                )
            });
        Self { child, port }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let client = redis::Client::open(self.url()).unwrap();
        loop {
            if let Ok(mut c) = client.get_multiplexed_async_connection().await {
                if redis::cmd("PING").query_async::<()>(&mut c).await.is_ok() {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "own redis-server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
async fn a_redis_restart_is_survived() {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let port = closed_port();
    let mut server = OwnRedis::start(port);
    server.wait_ready().await;
    let url = server.url();
    let a = RedisCoordinator::connect(&url, RedisOptions::default())
        .await
        .expect("own redis");
    let b = RedisCoordinator::connect(&url, RedisOptions::default())
        .await
        .expect("own redis");
    let mut rx_a = a.subscribe();
    b.publish(&[event("before")]).await.unwrap();
    assert_eq!(recv(&mut rx_a).await.id, "before");
    a.cache_put("k", json!(1), 60).await.unwrap();

    server.stop();
    let started = Instant::now();
    assert_eq!(
        b.publish(&[event("lost")]).await.unwrap_err().code,
        ErrorCode::Unavailable
    );
    assert!(started.elapsed() < Duration::from_millis(2_500));
    let started = Instant::now();
    assert_eq!(
        a.cache_get("k").await.unwrap_err().code,
        ErrorCode::Unavailable
    );
    assert!(started.elapsed() < Duration::from_millis(2_500));
    let deadline = Instant::now() + Duration::from_secs(10);
    while a.is_subscribed() {
        assert!(
            Instant::now() < deadline,
            "loss of the subscription noticed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let _server = {
        let s = OwnRedis::start(port);
        s.wait_ready().await;
        s
    };
    assert!(
        a.wait_subscribed(Duration::from_secs(10)).await,
        "subscription restored"
    );
    assert!(b.wait_subscribed(Duration::from_secs(10)).await);
    // Commands work again on the same coordinators.
    let deadline = Instant::now() + Duration::from_secs(10);
    while b.publish(&[event("after")]).await.is_err() {
        assert!(Instant::now() < deadline, "commands recovered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The local copy of the failed publish was delivered; then the new one arrives.
    loop {
        let e = recv(&mut rx_a).await;
        if e.id == "after" {
            break;
        }
        assert_eq!(e.id, "lost", "only the failed publish may precede");
    }
    assert_eq!(a.cache_get("k").await.unwrap(), None);
}
