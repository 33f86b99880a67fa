//! Many host instances sharing one store and one coordinator, end to end: two HTTP hosts
//! ([`guildhall_host::spawn`] on `127.0.0.1:0`, in this process) over ONE fresh Postgres
//! database and ONE Redis, as SPEC.md "With Redis, the pool is shared by every host
//! instance and one instance at a time runs the tick" describes.
//!
//! Services: Postgres from `GUILDHALL_TEST_POSTGRES_URL`, else `DATABASE_URL`, else
//! `postgres://postgres@127.0.0.1:5432/postgres` (a throwaway database per test, dropped
//! at the end); Redis from `GUILDHALL_TEST_REDIS_URL`, else `REDIS_URL`, else
//! `redis://127.0.0.1:6379`. Either unreachable FAILS the tests with a message saying so.
//!
//! The host's settings name a Redis URL but no key prefix, so the hosts use the default
//! prefix `guildhall:`. To stay safe on a shared Redis every player id carries a random
//! run id (cache and session keys are per player, and each stream shows only its
//! player's events), the keys of those players are deleted at the end, and the two tests
//! that need the matchmaking lease (one per Redis and prefix) run one at a time.
//!
//! The slow-tick tests (g, h) build two core instances directly (their store holds back
//! each match commit) over one fresh database, with a Redis key prefix of their own.
//!
//! Every wait is bounded.

use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;
use guildhall_adapters::postgres::TestDatabase;
use guildhall_adapters::redis::{RedisCoordinator, RedisOptions};
use guildhall_core::announce::{Template, Trigger};
use guildhall_core::mail::{Broadcast, Mail};
use guildhall_core::matchmaking::{QueueConfig, QueueRequest, RatingWindow};
use guildhall_core::ports::{
    BalanceRow, ChangeSet, CounterRow, DailyRevenue, Doc, HistoryQuery, IdempotencyRecord, Ids,
    ItemRow, MailboxRow, PopularItem, Store, UuidIds,
};
use guildhall_core::types::{Account, Amount, CatalogItem, Currency, Event, LedgerEntry, PlayerId};
use guildhall_core::{Config, Guildhall, Result as GhResult};
use guildhall_host::{spawn, ServerHandle, Settings};
use guildhall_tests::{fresh_postgres, redis_url, RedisKeys};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest wait for an expected event or match.
const WAIT: Duration = Duration::from_secs(10);
/// How long a stream is watched for an event that must not come.
const QUIET: Duration = Duration::from_millis(800);
/// The Redis key prefix the host uses (it cannot be configured).
const PREFIX: &str = "guildhall:";
/// The matchmaking lease's key under that prefix.
const LEASE_KEY: &str = "guildhall:lease:matchmaking";

/// The two tests that need the matchmaking lease run one at a time: hosts of both would
/// share one lease (same Redis, same prefix) over two databases.
static TICKING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

// ----- hosts -----

/// The 1v1 queue: a window wide enough to match any two players at once.
fn duel() -> QueueConfig {
    QueueConfig {
        name: "duel".into(),
        teams: 2,
        team_size: 1,
        party_sizes: vec![],
        properties: vec![],
        window: RatingWindow {
            initial: 10_000.0,
            widen_per_sec: 0.0,
            max: 10_000.0,
        },
        max_wait_secs: 600,
        rating: None,
    }
}

/// One running host and HTTP clients for it.
struct Host {
    name: &'static str,
    url: String,
    /// Requests (bounded by a timeout).
    http: reqwest::Client,
    /// Event streams (no overall timeout; reads are bounded by the caller).
    streams: reqwest::Client,
    server: Option<ServerHandle>,
}

impl Host {
    /// Spawns a host over `database` and the test Redis; with `queues`, the `duel` queue
    /// and a 100 ms matchmaking tick.
    async fn start(name: &'static str, database: &str, queues: bool) -> Host {
        let mut settings = Settings::with_database(database, "127.0.0.1:0".parse().unwrap());
        settings.redis = Some(redis_url());
        settings.core.queues = if queues { vec![duel()] } else { vec![] };
        settings.schedule.matchmaking_tick = Duration::from_millis(100);
        settings.schedule.sse_heartbeat = Duration::from_secs(1);
        let server = spawn(settings).await.unwrap_or_else(|e| {
            panic!(
                "host {name} did not start over Postgres and Redis at {} ({e}); set \
                 GUILDHALL_TEST_POSTGRES_URL / GUILDHALL_TEST_REDIS_URL to running servers",
                redis_url()
            )
        });
        // Keys live in the shared database: each host's key works on every host.
        let key = server
            .guildhall()
            .create_api_key(name, &["admin".to_string()])
            .await
            .expect("admin key");
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {}", key.key).parse().unwrap(),
        );
        Host {
            name,
            url: server.url(),
            http: reqwest::Client::builder()
                .default_headers(headers.clone())
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            streams: reqwest::Client::builder()
                .default_headers(headers)
                .connect_timeout(Duration::from_secs(5))
                .build()
                .unwrap(),
            server: Some(server),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("host {}: request failed: {e}", self.name));
        let status = res.status().as_u16();
        let bytes = res.bytes().await.expect("body");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.http.get(format!("{}{path}", self.url)))
            .await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.http.post(format!("{}{path}", self.url)).json(&body))
            .await
    }

    /// A POST through `other` with this host's key: the same caller reaching another
    /// host (idempotency keys are scoped to the caller, so its retries replay there).
    async fn post_via(&self, other: &Host, path: &str, body: Value) -> (u16, Value) {
        self.send(self.http.post(format!("{}{path}", other.url)).json(&body))
            .await
    }

    #[track_caller]
    fn ok(&self, what: &str, (status, body): (u16, Value)) -> Value {
        assert_eq!(status, 200, "host {}: {what}: {body}", self.name);
        body
    }

    async fn grant(&self, player: &str, amount: i64) -> Value {
        let r = self
            .post(
                &format!("/v1/players/{player}/grant"),
                json!({ "amount": amount }),
            )
            .await;
        self.ok("grant", r)
    }

    /// The player's gold through the wallet (the cached read).
    async fn wallet_gold(&self, player: &str) -> i64 {
        let r = self.get(&format!("/v1/players/{player}/wallet")).await;
        let w = self.ok("wallet", r);
        gold_of(&w).unwrap_or_else(|| panic!("host {}: wallet without gold: {w}", self.name))
    }

    /// The player's gold through the balance route (straight from the store).
    async fn balance_gold(&self, player: &str) -> i64 {
        let r = self
            .get(&format!("/v1/players/{player}/balances/gold"))
            .await;
        self.ok("balance", r)["amount"].as_i64().unwrap()
    }

    async fn queue(&self, player: &str) {
        let r = self
            .post("/v1/queues/duel/tickets", json!({ "player": player }))
            .await;
        self.ok("queue", r);
    }

    async fn events(&self, player: &str) -> EventStream {
        let res = self
            .streams
            .get(format!("{}/v1/players/{player}/events", self.url))
            .send()
            .await
            .unwrap_or_else(|e| panic!("host {}: open stream: {e}", self.name));
        assert_eq!(res.status().as_u16(), 200, "host {}: stream", self.name);
        EventStream {
            label: format!("{player}@{}", self.name),
            body: Box::pin(res.bytes_stream().map(|r| r.map(|b| b.to_vec()))),
            buf: String::new(),
        }
    }

    async fn verify_ledger(&self) -> Value {
        let r = self.get("/v1/ledger/verify").await;
        self.ok("verify ledger", r)
    }

    /// Stops the host (finishing requests in flight), within a bound.
    async fn shutdown(&mut self) {
        if let Some(server) = self.server.take() {
            let stopped = tokio::time::timeout(Duration::from_secs(20), server.shutdown())
                .await
                .unwrap_or_else(|_| panic!("host {} did not stop within 20 s", self.name));
            stopped.unwrap_or_else(|e| panic!("host {} stopped with an error: {e}", self.name));
        }
    }
}

fn gold_of(wallet: &Value) -> Option<i64> {
    wallet["balances"]
        .as_array()?
        .iter()
        .find(|b| b["currency"] == "gold")?["amount"]
        .as_i64()
}

/// A fresh database, this run's player id tag and the guard deleting its players' Redis
/// keys (cache entries, sessions) at the end.
struct Shared {
    db: TestDatabase,
    run: String,
    _keys: RedisKeys,
}

impl Shared {
    async fn new() -> Shared {
        let run = UuidIds.next_id();
        let keys = RedisKeys::new(vec![format!("{PREFIX}*{run}*")]);
        Shared {
            db: fresh_postgres().await,
            run,
            _keys: keys,
        }
    }

    /// A player id unique to this run.
    fn player(&self, name: &str) -> String {
        format!("{name}-{}", self.run)
    }

    async fn host(&self, name: &'static str, queues: bool) -> Host {
        Host::start(name, self.db.url(), queues).await
    }
}

// ----- server-sent events -----

/// One event off a stream: `id` (the seq), `event` (the kind) and `data` (JSON).
#[derive(Debug, Clone)]
struct Frame {
    seq: i64,
    kind: String,
    data: Value,
}

struct EventStream {
    label: String,
    body: Pin<Box<dyn futures::Stream<Item = reqwest::Result<Vec<u8>>> + Send>>,
    buf: String,
}

impl EventStream {
    /// The next event (heartbeat comments skipped), or `None` if none came by `deadline`.
    async fn next_by(&mut self, deadline: tokio::time::Instant) -> Option<Frame> {
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut id, mut kind, mut data) = (None, None, Vec::new());
                for line in block.lines() {
                    let (field, value) = line.split_once(':').unwrap_or((line, ""));
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    match field {
                        "id" => id = Some(value.to_string()),
                        "event" => kind = Some(value.to_string()),
                        "data" => data.push(value.to_string()),
                        _ => {}
                    }
                }
                if let (Some(id), Some(kind)) = (id, kind) {
                    return Some(Frame {
                        seq: id.parse().expect("numeric event id"),
                        kind,
                        data: serde_json::from_str(&data.join("\n")).expect("JSON data"),
                    });
                }
            }
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Ok(Some(Ok(bytes))) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(Some(Err(e))) => panic!("{}: stream failed: {e}", self.label),
                Ok(None) | Err(_) => return None,
            }
        }
    }

    /// The next event, which must come within `wait`.
    async fn next(&mut self, wait: Duration) -> Frame {
        let label = self.label.clone();
        self.next_by(tokio::time::Instant::now() + wait)
            .await
            .unwrap_or_else(|| panic!("{label}: no event within {wait:?}"))
    }

    /// Fails when any event arrives within `wait`.
    async fn assert_quiet(&mut self, wait: Duration) {
        if let Some(f) = self.next_by(tokio::time::Instant::now() + wait).await {
            panic!("{}: expected no more events, got {f:?}", self.label);
        }
    }
}

// ----- Redis, read directly -----

async fn raw_redis() -> redis::aio::MultiplexedConnection {
    let url = redis_url();
    let client = redis::Client::open(url.as_str()).expect("Redis URL");
    tokio::time::timeout(
        Duration::from_secs(5),
        client.get_multiplexed_async_connection(),
    )
    .await
    .unwrap_or_else(|_| panic!("Redis at {url} did not answer within 5 s"))
    .unwrap_or_else(|e| panic!("Redis at {url} is unreachable: {e}"))
}

async fn redis_get(key: &str) -> Option<String> {
    let mut c = raw_redis().await;
    redis::cmd("GET")
        .arg(key)
        .query_async(&mut c)
        .await
        .expect("GET")
}

/// The current holder of the matchmaking lease (the value is `<until micros>|<holder>`).
async fn lease_holder() -> Option<String> {
    redis_get(LEASE_KEY)
        .await
        .and_then(|v| v.split_once('|').map(|(_, h)| h.to_string()))
}

/// Deletes the matchmaking lease if `holder` (a host of this test, now stopped) still
/// holds it, so the next test need not wait for it to expire.
async fn release_lease_of(holder: &str) {
    if lease_holder().await.as_deref() == Some(holder) {
        let mut c = raw_redis().await;
        let _: redis::RedisResult<()> = redis::cmd("DEL").arg(LEASE_KEY).query_async(&mut c).await;
    }
}

/// Waits until a lease holder is recorded (the hosts tick every 100 ms).
async fn wait_lease_holder() -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(h) = lease_holder().await {
            return h;
        }
        assert!(
            Instant::now() < deadline,
            "nobody took the matchmaking lease"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The match of a `match_found` frame: its id and its players, sorted.
fn match_of(f: &Frame) -> (String, Vec<String>) {
    assert_eq!(f.kind, "match_found", "{f:?}");
    let m = &f.data["payload"]["match"];
    let mut players: Vec<String> = m["teams"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t.as_array().unwrap().clone())
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    players.sort();
    (m["id"].as_str().unwrap().to_string(), players)
}

/// Reads `stream` until its `match_found`, skipping the player's other events
/// (`ticket_queued`); must come within `wait`.
async fn until_match(stream: &mut EventStream, wait: Duration) -> Frame {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let label = stream.label.clone();
        let f = stream
            .next_by(deadline)
            .await
            .unwrap_or_else(|| panic!("{label}: no match_found within {wait:?}"));
        if f.kind == "match_found" {
            return f;
        }
    }
}

// ----- (a) cache invalidated across hosts -----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_through_one_host_is_read_at_once_through_the_other() {
    let shared = Shared::new().await;
    let mut a = shared.host("A", false).await;
    let mut b = shared.host("B", false).await;
    let p = shared.player("alice");
    let cache_key = format!("{PREFIX}cache:user:{p}:wallet");

    // Both hosts read the empty wallet; the read is cached in the shared Redis.
    assert_eq!(b.wallet_gold(&p).await, 0);
    assert_eq!(a.wallet_gold(&p).await, 0);
    let cached = redis_get(&cache_key)
        .await
        .unwrap_or_else(|| panic!("the wallet read was not cached at {cache_key}"));
    let cached: Value = serde_json::from_str(&cached).expect("cached wallet is JSON");
    assert_eq!(gold_of(&cached), Some(0), "cached: {cached}");

    // A grant through A: B's very next wallet read shows it (A invalidated the key).
    assert_eq!(a.grant(&p, 25).await["balance"], 25);
    assert_eq!(
        b.wallet_gold(&p).await,
        25,
        "read through B after A's grant"
    );
    assert_eq!(a.wallet_gold(&p).await, 25);

    // Once the invalidation's tombstone has passed, A caches again; a spend through B
    // then shows at once in A's read.
    tokio::time::sleep(Duration::from_millis(5_500)).await;
    assert_eq!(a.wallet_gold(&p).await, 25);
    let cached: Value = serde_json::from_str(
        &redis_get(&cache_key)
            .await
            .expect("cached again after the tombstone"),
    )
    .unwrap();
    assert_eq!(gold_of(&cached), Some(25), "cached: {cached}");
    let r = b
        .post(&format!("/v1/players/{p}/spend"), json!({ "amount": 10 }))
        .await;
    assert_eq!(b.ok("spend", r)["balance"], 15);
    assert_eq!(
        a.wallet_gold(&p).await,
        15,
        "read through A after B's spend"
    );
    assert_eq!(b.wallet_gold(&p).await, 15);

    // An idempotency key is one key whichever host the retry reaches.
    let body = json!({ "amount": 7, "idempotency_key": "reward-1" });
    let first = a
        .post(&format!("/v1/players/{p}/grant"), body.clone())
        .await;
    let first = a.ok("keyed grant", first);
    let again = a
        .post_via(&b, &format!("/v1/players/{p}/grant"), body.clone())
        .await;
    let again = b.ok("keyed grant retried", again);
    assert_eq!(first["replayed"], false);
    assert_eq!(again["replayed"], true, "{again}");
    assert_eq!(again["transaction_id"], first["transaction_id"]);
    // Another caller (host B's own key) with the same key does not meet A's call.
    let other = b.post(&format!("/v1/players/{p}/grant"), body).await;
    assert_eq!(
        b.ok("keyed grant, another caller", other)["replayed"],
        false
    );
    assert_eq!(a.wallet_gold(&p).await, 29, "credited once per caller");
    assert_eq!(b.wallet_gold(&p).await, 29, "credited once per caller");

    // The same keyed grant of one caller sent at once through both hosts: one credit,
    // one result.
    let body = json!({ "amount": 100, "idempotency_key": "reward-2" });
    let path = format!("/v1/players/{p}/grant");
    let sends = (0..10).map(|i| {
        let host = if i % 2 == 0 { &a } else { &b };
        a.post_via(host, &path, body.clone())
    });
    let results = futures::future::join_all(sends).await;
    let mut fresh = 0;
    let mut ids = BTreeSet::new();
    for (status, r) in results {
        assert_eq!(status, 200, "{r}");
        fresh += usize::from(r["replayed"] == false);
        ids.insert(r["transaction_id"].to_string());
    }
    assert_eq!(fresh, 1, "exactly one of the concurrent calls executed");
    assert_eq!(ids.len(), 1, "every call answers the one transaction");
    assert_eq!(a.wallet_gold(&p).await, 129, "credited once");
    assert_eq!(b.wallet_gold(&p).await, 129, "credited once");

    a.shutdown().await;
    b.shutdown().await;
}

// ----- (b) live events across hosts -----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b_a_stream_on_one_host_carries_events_committed_through_the_other() {
    let shared = Shared::new().await;
    let mut a = shared.host("A", false).await;
    let mut b = shared.host("B", false).await;
    let p = shared.player("erin");
    let q = shared.player("frank");
    let mut on_b = b.events(&p).await;
    let mut on_a = a.events(&p).await;
    let mut other_on_b = b.events(&q).await;

    let mut seen = Vec::new();
    for (i, (host, amount)) in [(&a, 1), (&b, 2), (&a, 3)].into_iter().enumerate() {
        host.grant(&p, amount).await;
        for stream in [&mut on_b, &mut on_a] {
            let f = stream.next(WAIT).await;
            assert_eq!(f.kind, "currency_granted", "{}: {f:?}", stream.label);
            assert_eq!(f.data["players"], json!([p]));
            assert_eq!(f.data["payload"]["amount"], amount, "grant {i}: {f:?}");
            assert_eq!(f.data["seq"].as_i64(), Some(f.seq));
            if stream.label.ends_with("@B") {
                seen.push((f.seq, f.data["id"].clone()));
            }
        }
    }
    let r = a
        .post(
            "/v1/mail",
            json!({ "from": { "kind": "system" }, "to": p, "subject": "Welcome" }),
        )
        .await;
    a.ok("send mail", r);
    let m = on_b.next(WAIT).await;
    assert_eq!(m.kind, "mail_received", "{m:?}");
    assert_eq!(m.data["payload"]["subject"], "Welcome");
    seen.push((m.seq, m.data["id"].clone()));
    assert_eq!(on_a.next(WAIT).await.seq, m.seq);

    // Each event came once: nothing more on either stream, nothing on another player's.
    on_b.assert_quiet(QUIET).await;
    on_a.assert_quiet(Duration::from_millis(100)).await;
    other_on_b.assert_quiet(Duration::from_millis(100)).await;

    // What the stream carried is what the shared outbox holds, in commit order.
    let r = b.get("/v1/events?after=0&limit=100").await;
    let page = b.ok("events", r);
    let outbox: Vec<(i64, Value)> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["players"] == json!([p]))
        .map(|e| (e["seq"].as_i64().unwrap(), e["id"].clone()))
        .collect();
    assert_eq!(seen, outbox);

    a.shutdown().await;
    b.shutdown().await;
}

// ----- (c) matches across hosts, exactly once -----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c_players_queued_on_different_hosts_are_matched_exactly_once() {
    let _one_ticker = TICKING.lock().await;
    let shared = Shared::new().await;
    let mut a = shared.host("A", true).await;
    let mut b = shared.host("B", true).await;
    let players: Vec<String> = (1..=6)
        .map(|i| shared.player(&format!("duelist{i}")))
        .collect();

    // Each player queues on one host and listens on the other.
    let mut streams = Vec::new();
    for (i, p) in players.iter().enumerate() {
        let (queue_on, listen_on) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        streams.push(listen_on.events(p).await);
        queue_on.queue(p).await;
    }

    let mut matches: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (p, s) in players.iter().zip(streams.iter_mut()) {
        let (id, members) = match_of(&until_match(s, WAIT + Duration::from_secs(5)).await);
        assert!(members.contains(p), "{p} in its own match: {members:?}");
        if let Some(before) = matches.insert(id.clone(), members.clone()) {
            assert_eq!(before, members, "match {id} is one match");
        }
    }
    assert_eq!(matches.len(), 3, "three 1v1 matches: {matches:?}");
    let matched: BTreeSet<&String> = matches.values().flatten().collect();
    assert_eq!(matched.len(), 6, "every player in exactly one match");
    assert!(matches.values().all(|m| m.len() == 2));

    // While both hosts keep ticking, one holds the lease and nothing is matched twice.
    let holder = wait_lease_holder().await;
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            lease_holder().await.as_deref(),
            Some(holder.as_str()),
            "the lease stays with one host while it renews it"
        );
    }
    for s in &mut streams {
        s.assert_quiet(Duration::from_millis(150)).await;
    }
    for (i, p) in players.iter().enumerate() {
        let host = if i % 2 == 0 { &a } else { &b };
        let r = host.get(&format!("/v1/players/{p}/matches")).await;
        let h = host.ok("match history", r);
        assert_eq!(h["matches"].as_array().unwrap().len(), 1, "{p}: {h}");
        let r = host.get(&format!("/v1/players/{p}/ticket")).await;
        assert_eq!(r.0, 404, "{p}'s ticket is used up: {}", r.1);
    }
    for host in [&a, &b] {
        let r = host.get("/v1/queues/duel/pool").await;
        let pool = host.ok("pool", r);
        assert_eq!(pool["tickets"], json!([]), "host {}", host.name);
    }

    a.shutdown().await;
    b.shutdown().await;
    release_lease_of(&holder).await;
}

// ----- (d) concurrent transfers through both hosts -----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d_concurrent_transfers_through_both_hosts_conserve_totals() {
    const PLAYERS: usize = 6;
    const START: i64 = 1_000;
    const TASKS: usize = 8;
    const PER_TASK: usize = 100;
    let shared = Shared::new().await;
    let hosts = Arc::new([shared.host("A", false).await, shared.host("B", false).await]);
    let players: Arc<Vec<String>> = Arc::new(
        (0..PLAYERS)
            .map(|i| shared.player(&format!("trader{i}")))
            .collect(),
    );
    for (i, p) in players.iter().enumerate() {
        hosts[i % 2].grant(p, START).await;
        // Every wallet is cached on both hosts before the transfers start.
        assert_eq!(hosts[(i + 1) % 2].wallet_gold(p).await, START);
    }

    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let (hosts, players) = (hosts.clone(), players.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(0x6d_616e79 + t as u64);
            let mut done: Vec<(usize, usize, i64)> = Vec::new();
            let mut refused = 0usize;
            for i in 0..PER_TASK {
                let host = &hosts[(t + i) % 2];
                let from = rng.gen_range(0..PLAYERS);
                let to = (from + rng.gen_range(1..PLAYERS)) % PLAYERS;
                let amount = rng.gen_range(1..=300);
                let body = json!({
                    "from": players[from], "to": players[to], "amount": amount,
                    "idempotency_key": format!("t{t}-{i}"),
                });
                let (status, res) = host.post("/v1/transfers", body.clone()).await;
                match status {
                    200 => {
                        assert_eq!(res["replayed"], false, "{res}");
                        assert!(res["from_balance"].as_i64().unwrap() >= 0, "{res}");
                        done.push((from, to, amount));
                        if i % 10 == 0 {
                            // The same request retried through the other host: a replay.
                            let other = &hosts[(t + i + 1) % 2];
                            let (s2, again) = host.post_via(other, "/v1/transfers", body).await;
                            assert_eq!(s2, 200, "retry through {}: {again}", other.name);
                            assert_eq!(again["replayed"], true, "{again}");
                            assert_eq!(again["transaction_id"], res["transaction_id"]);
                        }
                    }
                    422 if res["code"] == "INSUFFICIENT_FUNDS" => refused += 1,
                    _ => panic!(
                        "task {t} transfer {i} through host {}: {status} {res}",
                        host.name
                    ),
                }
                // Wallet reads race the writes, so the shared cache is filled and
                // invalidated while the transfers run.
                let reader = &hosts[rng.gen_range(0..2)];
                reader
                    .wallet_gold(&players[rng.gen_range(0..PLAYERS)])
                    .await;
            }
            (done, refused)
        }));
    }
    let mut expected = [START; PLAYERS];
    let (mut moved, mut refused) = (0usize, 0usize);
    let all = tokio::time::timeout(Duration::from_secs(60), futures::future::join_all(tasks))
        .await
        .expect("transfers finish within 60 s");
    for r in all {
        let (done, n) = r.expect("transfer task");
        refused += n;
        moved += done.len();
        for (from, to, amount) in done {
            expected[from] -= amount;
            expected[to] += amount;
        }
    }
    assert_eq!(moved + refused, TASKS * PER_TASK);
    assert!(
        moved >= TASKS * PER_TASK / 2,
        "most transfers went through: {moved}"
    );

    let mut total = 0;
    for (i, p) in players.iter().enumerate() {
        for host in hosts.iter() {
            assert_eq!(
                host.wallet_gold(p).await,
                expected[i],
                "{p}'s wallet through host {}",
                host.name
            );
            assert_eq!(host.balance_gold(p).await, expected[i]);
        }
        assert!(expected[i] >= 0);
        total += expected[i];
    }
    assert_eq!(
        total,
        START * PLAYERS as i64,
        "transfers conserve the total"
    );
    // Once every invalidation's tombstone has passed, reads are served from the cache
    // again: no read that raced a transfer may have left a stale wallet there.
    tokio::time::sleep(Duration::from_millis(5_500)).await;
    for _ in 0..2 {
        for (i, p) in players.iter().enumerate() {
            for host in hosts.iter() {
                assert_eq!(
                    host.wallet_gold(p).await,
                    expected[i],
                    "{p}'s wallet through host {} after the tombstones passed",
                    host.name
                );
            }
        }
    }
    for host in hosts.iter() {
        let report = host.verify_ledger().await;
        assert_eq!(report["ok"], true, "host {}: {report}", host.name);
        assert_eq!(report["mismatches"], json!([]));
        assert_eq!(report["unbalanced_currencies"], json!([]));
    }

    let mut hosts = Arc::into_inner(hosts).expect("tasks are done");
    for host in &mut hosts {
        host.shutdown().await;
    }
}

// ----- (e) the tick moves to another host when its holder stops -----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_another_host_takes_over_the_tick_when_the_holder_stops() {
    let _one_ticker = TICKING.lock().await;
    let shared = Shared::new().await;

    // A alone: its matches show that it holds the lease.
    let mut a = shared.host("A", true).await;
    let (p1, p2) = (shared.player("early1"), shared.player("early2"));
    let mut s1 = a.events(&p1).await;
    a.queue(&p1).await;
    a.queue(&p2).await;
    // A lease left by an earlier run expires within 5 s.
    let (first, _) = match_of(&until_match(&mut s1, WAIT + Duration::from_secs(5)).await);
    let holder_a = wait_lease_holder().await;

    // B joins; A keeps the lease while it runs.
    let mut b = shared.host("B", true).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(lease_holder().await.as_deref(), Some(holder_a.as_str()));

    a.shutdown().await;
    let stopped = Instant::now();
    let (p3, p4) = (shared.player("late3"), shared.player("late4"));
    let mut s3 = b.events(&p3).await;
    let mut s4 = b.events(&p4).await;
    b.queue(&p3).await;
    b.queue(&p4).await;
    let (m3, members) = match_of(&until_match(&mut s3, WAIT).await);
    let took = stopped.elapsed();
    let (m4, _) = match_of(&until_match(&mut s4, Duration::from_secs(2)).await);
    assert_eq!(m3, m4);
    let mut want = vec![p3.clone(), p4.clone()];
    want.sort();
    assert_eq!(members, want);
    assert!(
        took <= Duration::from_secs(8),
        "B took over the tick {took:?} after A stopped (lease ttl 5 s)"
    );
    let holder_b = wait_lease_holder().await;
    assert_ne!(holder_b, holder_a, "B holds the lease now");

    // A's match is in the shared store, seen through B.
    let r = b.get(&format!("/v1/players/{p1}/matches")).await;
    let h = b.ok("match history", r);
    assert_eq!(h["matches"][0]["id"], first.as_str(), "{h}");

    b.shutdown().await;
    release_lease_of(&holder_b).await;
}

// ----- (f) presence across hosts -----

/// This run's players among the live sessions a host lists.
async fn online(host: &Host, run: &str) -> Vec<String> {
    let r = host.get("/v1/online").await;
    host.ok("online", r)["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["player"].as_str())
        .filter(|p| p.contains(run))
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f_a_session_started_through_one_host_is_seen_and_ended_through_the_other() {
    let shared = Shared::new().await;
    let mut a = shared.host("A", false).await;
    let mut b = shared.host("B", false).await;
    let p = shared.player("gina");
    let r = a
        .post(
            &format!("/v1/players/{p}/session"),
            json!({ "lobby": "main" }),
        )
        .await;
    let started = a.ok("login", r);
    let r = b.get(&format!("/v1/players/{p}/session")).await;
    let seen = b.ok("session", r);
    assert_eq!(seen, started, "B sees the session A started");
    assert_eq!(online(&b, &shared.run).await, vec![p.clone()]);

    let r = b
        .post(
            &format!("/v1/players/{p}/session/heartbeat"),
            json!({ "location": { "server": "eu-1" } }),
        )
        .await;
    let (status, beat) = r;
    assert_eq!(status, 200, "heartbeat through B: {beat}");
    let r = a.get(&format!("/v1/players/{p}/session")).await;
    assert_eq!(a.ok("session", r), beat, "A sees B's heartbeat");

    let r = b
        .send(b.http.delete(format!("{}/v1/players/{p}/session", b.url)))
        .await;
    assert_eq!(b.ok("logout", r)["ended"], true);
    let r = a.get(&format!("/v1/players/{p}/session")).await;
    assert_eq!(r.0, 404, "ended for every host: {}", r.1);
    assert!(online(&a, &shared.run).await.is_empty());

    a.shutdown().await;
    b.shutdown().await;
}

// ----- (g, h) the matchmaking lease is held for the whole of a slow tick -----
//
// Two core instances ("hosts": each its own Postgres connections and its own Redis
// coordinator, over ONE fresh database and ONE Redis under a key prefix of the test's
// own, so these tests share no lease with the others) tick every 100 ms as the host's
// scheduler does. Their store holds back every commit that forms a match, so one tick
// over the pool lasts several times the lease's time to live, as a tick over thousands
// of tickets does on a busy database.

/// Time to live of the matchmaking lease in these tests.
const SLOW_LEASE_SECS: i64 = 1;
/// How long each commit that forms a match is held back.
const MATCH_COMMIT_DELAY: Duration = Duration::from_millis(250);
/// Players queued: 24 one-against-one matches, so one tick lasts about 6 s: six times
/// the lease's ttl here, and longer than the default ttl of 5 s.
const SLOW_PLAYERS: usize = 48;

/// What one host did, in the test's instants.
#[derive(Debug, Default)]
struct Trace {
    /// Reads of the whole pool (a tick reads it only once it holds the lease).
    pool_reads: usize,
    /// Ticks that read the pool: (called, returned, matches formed).
    ticks: Vec<(Instant, Instant, usize)>,
    /// Commits that form a match: when each began (before the delay).
    match_commits: Vec<Instant>,
}

/// A host's Store: the shared database, with commits that form a match held back by
/// [`MATCH_COMMIT_DELAY`] and recorded, and pool reads counted, in [`Trace`].
struct SlowMatchCommits {
    inner: Arc<dyn Store>,
    trace: Arc<std::sync::Mutex<Trace>>,
}

fn forms_a_match(cs: &ChangeSet) -> bool {
    cs.docs
        .iter()
        .any(|d| d.kind == "match" && d.body.is_some())
}

#[async_trait::async_trait]
impl Store for SlowMatchCommits {
    async fn migrate(&self) -> GhResult<()> {
        self.inner.migrate().await
    }
    async fn ping(&self) -> GhResult<()> {
        self.inner.ping().await
    }
    async fn balance(&self, account: &Account, currency: &str) -> GhResult<BalanceRow> {
        self.inner.balance(account, currency).await
    }
    async fn balances(&self, account: &Account) -> GhResult<Vec<(String, BalanceRow)>> {
        self.inner.balances(account).await
    }
    async fn all_balances(&self) -> GhResult<Vec<(Account, String, Amount)>> {
        self.inner.all_balances().await
    }
    async fn item(&self, player: &PlayerId, item_id: &str) -> GhResult<Option<ItemRow>> {
        self.inner.item(player, item_id).await
    }
    async fn items(&self, player: &PlayerId) -> GhResult<Vec<ItemRow>> {
        self.inner.items(player).await
    }
    async fn idempotency(&self, scope: &str, key: &str) -> GhResult<Option<IdempotencyRecord>> {
        self.inner.idempotency(scope, key).await
    }
    async fn catalog_item(&self, id: &str) -> GhResult<Option<CatalogItem>> {
        self.inner.catalog_item(id).await
    }
    async fn catalog(&self) -> GhResult<Vec<CatalogItem>> {
        self.inner.catalog().await
    }
    async fn history(&self, query: &HistoryQuery) -> GhResult<Vec<LedgerEntry>> {
        self.inner.history(query).await
    }
    async fn ledger_snapshot(&self) -> GhResult<guildhall_core::ports::LedgerSnapshot> {
        self.inner.ledger_snapshot().await
    }
    async fn popular_items(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> GhResult<Vec<PopularItem>> {
        self.inner.popular_items(from, to, limit).await
    }
    async fn revenue_per_day(&self, from: NaiveDate, to: NaiveDate) -> GhResult<Vec<DailyRevenue>> {
        self.inner.revenue_per_day(from, to).await
    }
    async fn events_after(&self, after: i64, limit: u32) -> GhResult<Vec<Event>> {
        self.inner.events_after(after, limit).await
    }
    async fn counter(&self, key: &str) -> GhResult<CounterRow> {
        self.inner.counter(key).await
    }
    async fn mailbox(&self, player: &PlayerId) -> GhResult<(MailboxRow, Vec<Mail>)> {
        self.inner.mailbox(player).await
    }
    async fn broadcasts_after(&self, after: i64, limit: u32) -> GhResult<Vec<Broadcast>> {
        self.inner.broadcasts_after(after, limit).await
    }
    async fn template(&self, id: &str) -> GhResult<Option<Template>> {
        self.inner.template(id).await
    }
    async fn templates(&self) -> GhResult<Vec<Template>> {
        self.inner.templates().await
    }
    async fn trigger(&self, id: &str) -> GhResult<Option<Trigger>> {
        self.inner.trigger(id).await
    }
    async fn triggers(&self, event: Option<&str>) -> GhResult<Vec<Trigger>> {
        self.inner.triggers(event).await
    }
    async fn doc(&self, kind: &str, id: &str) -> GhResult<Option<Doc>> {
        self.inner.doc(kind, id).await
    }
    async fn docs(&self, kind: &str, prefix: &str, limit: u32) -> GhResult<Vec<Doc>> {
        if kind == "ticket" && prefix.is_empty() {
            self.trace
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pool_reads += 1;
        }
        self.inner.docs(kind, prefix, limit).await
    }
    async fn player_events_after(
        &self,
        player: &PlayerId,
        after: i64,
        limit: u32,
    ) -> GhResult<Vec<Event>> {
        self.inner.player_events_after(player, after, limit).await
    }
    async fn commit(&self, changes: ChangeSet) -> GhResult<ChangeSet> {
        if forms_a_match(&changes) {
            self.trace
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .match_commits
                .push(Instant::now());
            tokio::time::sleep(MATCH_COMMIT_DELAY).await;
        }
        self.inner.commit(changes).await
    }
    async fn commit_batch(&self, batch: Vec<ChangeSet>) -> Vec<GhResult<ChangeSet>> {
        let matches = batch.iter().filter(|cs| forms_a_match(cs)).count();
        if matches > 0 {
            let now = Instant::now();
            self.trace
                .lock()
                .unwrap()
                .match_commits
                .extend(std::iter::repeat_n(now, matches));
            tokio::time::sleep(MATCH_COMMIT_DELAY * matches as u32).await;
        }
        self.inner.commit_batch(batch).await
    }
    async fn chat_history(
        &self,
        channel: &str,
        before: Option<(i64, String)>,
        limit: u32,
    ) -> GhResult<Vec<guildhall_core::chat::ChatMessage>> {
        self.inner.chat_history(channel, before, limit).await
    }
    async fn prune_chat(&self, before: DateTime<Utc>) -> GhResult<u64> {
        self.inner.prune_chat(before).await
    }
    async fn score_entry(
        &self,
        standings: &str,
        player: &PlayerId,
    ) -> GhResult<Option<guildhall_core::leaderboards::ScoreEntry>> {
        self.inner.score_entry(standings, player).await
    }
    async fn scores_after(
        &self,
        standings: &str,
        after: Option<&guildhall_core::leaderboards::ScorePos>,
        limit: u32,
    ) -> GhResult<Vec<guildhall_core::leaderboards::ScoreEntry>> {
        self.inner.scores_after(standings, after, limit).await
    }
    async fn scores_before(
        &self,
        standings: &str,
        before: &guildhall_core::leaderboards::ScorePos,
        limit: u32,
    ) -> GhResult<Vec<guildhall_core::leaderboards::ScoreEntry>> {
        self.inner.scores_before(standings, before, limit).await
    }
    async fn scores_count_before(
        &self,
        standings: &str,
        before: &guildhall_core::leaderboards::ScorePos,
    ) -> GhResult<u64> {
        self.inner.scores_count_before(standings, before).await
    }
    async fn prune(
        &self,
        events_before: DateTime<Utc>,
        idempotency_before: DateTime<Utc>,
    ) -> GhResult<(u64, u64)> {
        self.inner.prune(events_before, idempotency_before).await
    }
}

/// One host of the slow-tick tests: a core over [`SlowMatchCommits`] and a Redis
/// coordinator under the test's prefix, with the `duel` queue and a 1 s lease.
struct SlowHost {
    gh: Guildhall,
    /// Its lease holder id, as the host's scheduler has one per process.
    holder: String,
    trace: Arc<std::sync::Mutex<Trace>>,
}

impl SlowHost {
    async fn start(name: &str, database: &str, prefix: &str) -> SlowHost {
        let inner = guildhall_adapters::open_store(database)
            .await
            .unwrap_or_else(|e| panic!("host {name}: cannot open {database}: {e}"));
        let trace = Arc::new(std::sync::Mutex::new(Trace::default()));
        let store = Arc::new(SlowMatchCommits {
            inner,
            trace: trace.clone(),
        });
        let coordinator =
            RedisCoordinator::connect(&redis_url(), RedisOptions::with_prefix(prefix))
                .await
                .unwrap_or_else(|e| {
                    panic!("host {name}: Redis at {} is unreachable: {e}", redis_url())
                });
        let mut config = Config::new(vec![Currency {
            code: "gold".into(),
            max_balance: None,
        }])
        .unwrap();
        config.queues = vec![duel()];
        config.matchmaking_lease_secs = SLOW_LEASE_SECS;
        SlowHost {
            gh: Guildhall::new(store, Arc::new(coordinator), config),
            holder: format!("host-{name}-{}", UuidIds.next_id()),
            trace,
        }
    }

    /// Ticks every 100 ms (a tick in progress delays the next, as in the host's
    /// scheduler) until `stop`, recording the ticks that read the pool.
    fn ticker(&self, mut stop: tokio::sync::watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
        let (gh, holder, trace) = (self.gh.clone(), self.holder.clone(), self.trace.clone());
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(100));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while !*stop.borrow_and_update() {
                tokio::select! {
                    _ = every.tick() => {}
                    _ = stop.changed() => break,
                }
                let reads = trace.lock().unwrap_or_else(|e| e.into_inner()).pool_reads;
                let called = Instant::now();
                let formed = gh.tick(&holder).await.map_or(0, |m| m.len());
                let returned = Instant::now();
                let mut t = trace.lock().unwrap_or_else(|e| e.into_inner());
                if t.pool_reads > reads {
                    t.ticks.push((called, returned, formed));
                }
            }
        })
    }

    fn trace(&self) -> std::sync::MutexGuard<'_, Trace> {
        self.trace.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The matches stored in the shared database: each one's players, sorted.
async fn stored_matches(gh: &Guildhall) -> Vec<Vec<String>> {
    gh.store()
        .docs("match", "", 10_000)
        .await
        .expect("match documents")
        .into_iter()
        .map(|d| {
            let mut players: Vec<String> = d.body["teams"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|t| t.as_array().unwrap().clone())
                .map(|p| p.as_str().unwrap().to_string())
                .collect();
            players.sort();
            players
        })
        .collect()
}

/// Asserts that every queued player is in exactly one stored match.
async fn assert_each_matched_once(gh: &Guildhall, players: &[String]) {
    let matches = stored_matches(gh).await;
    assert_eq!(matches.len(), players.len() / 2, "{matches:?}");
    let mut seen: Vec<&String> = matches.iter().flatten().collect();
    seen.sort();
    let mut want: Vec<&String> = players.iter().collect();
    want.sort();
    assert_eq!(seen, want, "every player in exactly one match");
}

/// A fresh database and key prefix, two slow hosts, and [`SLOW_PLAYERS`] players queued
/// (through A) before either ticks.
async fn slow_setup() -> (
    TestDatabase,
    RedisKeys,
    String,
    SlowHost,
    SlowHost,
    Vec<String>,
) {
    let db = fresh_postgres().await;
    let (prefix, keys) = RedisKeys::fresh_prefix();
    let a = SlowHost::start("A", db.url(), &prefix).await;
    let b = SlowHost::start("B", db.url(), &prefix).await;
    let run = UuidIds.next_id();
    let players: Vec<String> = (0..SLOW_PLAYERS)
        .map(|i| format!("slow{i}-{run}"))
        .collect();
    for p in &players {
        a.gh.queue(QueueRequest {
            player: PlayerId::new(p.as_str()).unwrap(),
            queue: "duel".into(),
            with_party: false,
            properties: BTreeMap::new(),
        })
        .await
        .expect("queue");
    }
    (db, keys, prefix, a, b, players)
}

/// The holder of the test's matchmaking lease, read straight from Redis.
async fn slow_lease_holder(prefix: &str) -> Option<String> {
    redis_get(&format!("{prefix}lease:matchmaking"))
        .await
        .and_then(|v| v.split_once('|').map(|(_, h)| h.to_string()))
}

/// Waits (bounded by `within`) until `done` holds, polling every 10 ms.
async fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn g_a_tick_longer_than_the_lease_ttl_keeps_the_lease_to_its_end() {
    let (_db, _keys, prefix, a, b, players) = slow_setup().await;
    let (stop_tx, stop) = tokio::sync::watch::channel(false);

    // A starts ticking alone; B starts once A's tick is committing matches.
    let ta = a.ticker(stop.clone());
    wait_until("A commits its first match", WAIT, || {
        !a.trace().match_commits.is_empty()
    })
    .await;
    let tb = b.ticker(stop.clone());

    // Throughout A's tick (6 s, six times the lease's ttl) and a while after, the
    // lease stays with A: its tick renews it, and B, ticking every 100 ms, never takes it.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut samples = 0;
    loop {
        let holder = slow_lease_holder(&prefix).await;
        assert_eq!(
            holder.as_deref(),
            Some(a.holder.as_str()),
            "the lease stays with A while its tick runs (sample {samples}, {} of {} matches \
             committed)",
            a.trace().match_commits.len(),
            SLOW_PLAYERS / 2
        );
        samples += 1;
        if a.trace().ticks.iter().any(|t| t.2 > 0) && samples > 20 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "A's tick did not end within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop_tx.send(true).unwrap();
    for t in [ta, tb] {
        tokio::time::timeout(Duration::from_secs(10), t)
            .await
            .expect("tickers stop")
            .expect("ticker task");
    }

    {
        let (ta, tb) = (a.trace(), b.trace());
        // No tick of one host overlaps a tick of the other.
        for &(a0, a1, _) in &ta.ticks {
            for &(b0, b1, _) in &tb.ticks {
                assert!(
                    a1 <= b0 || b1 <= a0,
                    "ticks overlap: A {:?}..{:?}, B {:?}..{:?} (since A's first tick)",
                    a0 - ta.ticks[0].0,
                    a1 - ta.ticks[0].0,
                    b0.saturating_duration_since(ta.ticks[0].0),
                    b1.saturating_duration_since(ta.ticks[0].0),
                );
            }
        }
        assert!(tb.ticks.is_empty(), "B never ticked: {:?}", tb.ticks);
        assert!(tb.match_commits.is_empty(), "B committed no match");
        // One tick of A formed every match, and it outlasted the lease's ttl several times.
        let (t0, t1, formed) = *ta.ticks.iter().find(|t| t.2 > 0).unwrap();
        assert_eq!(formed, SLOW_PLAYERS / 2, "one tick formed every match");
        assert!(
            t1 - t0 >= Duration::from_secs(SLOW_LEASE_SECS as u64 * 3),
            "the tick lasted {:?}, more than the lease's ttl of {SLOW_LEASE_SECS} s",
            t1 - t0
        );
    }
    assert_each_matched_once(&a.gh, &players).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h_a_host_that_lost_the_lease_commits_no_more_matches() {
    let (_db, _keys, prefix, a, b, players) = slow_setup().await;
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let ta = a.ticker(stop.clone());

    // While A's third match commit is in flight, another holder takes the lease (as a
    // host would after A's renewals stopped reaching Redis for a ttl).
    wait_until("A begins its third match commit", WAIT, || {
        a.trace().match_commits.len() >= 3
    })
    .await;
    let key = format!("{prefix}lease:matchmaking");
    let until = (Utc::now() + chrono::Duration::seconds(60)).timestamp_micros();
    let mut c = raw_redis().await;
    let () = redis::cmd("SET")
        .arg(&key)
        .arg(format!("{until}|thief"))
        .arg("PX")
        .arg(60_000)
        .query_async(&mut c)
        .await
        .expect("SET the lease");
    let stolen = Instant::now();
    let third = a.trace().match_commits[2];
    assert!(
        stolen < third + MATCH_COMMIT_DELAY,
        "the lease was taken while A's third match commit was in flight ({:?} after it began)",
        stolen - third
    );

    // A's tick stops at its next check: it commits nothing more.
    wait_until("A's tick ends", WAIT, || !a.trace().ticks.is_empty()).await;
    let b_ticker = b.ticker(stop.clone());
    tokio::time::sleep(Duration::from_millis(800)).await;
    {
        let t = a.trace();
        let late: Vec<Duration> = t
            .match_commits
            .iter()
            .filter(|&&at| at > stolen)
            .map(|&at| at - stolen)
            .collect();
        assert!(
            late.is_empty(),
            "A began {} match commit(s) after it lost the lease, at {late:?} after",
            late.len()
        );
        assert_eq!(
            t.match_commits.len(),
            3,
            "A committed its three matches, no more"
        );
        let (t0, t1, formed) = t.ticks[0];
        assert_eq!(formed, 3, "A's tick returned the matches it committed");
        assert!(
            t1 - t0 < MATCH_COMMIT_DELAY * 6,
            "A's tick stopped early ({:?})",
            t1 - t0
        );
    }
    assert_eq!(stored_matches(&a.gh).await.len(), 3);
    assert!(
        b.trace().match_commits.is_empty(),
        "nobody ticks while the thief holds it"
    );
    assert_eq!(slow_lease_holder(&prefix).await.as_deref(), Some("thief"));

    // Once the lease is free again, a host takes it and matches the others, once each.
    let _: redis::RedisResult<()> = redis::cmd("DEL").arg(&key).query_async(&mut c).await;
    let want = SLOW_PLAYERS / 2;
    let deadline = Instant::now() + Duration::from_secs(20);
    while stored_matches(&a.gh).await.len() < want {
        assert!(Instant::now() < deadline, "the other matches within 20 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop_tx.send(true).unwrap();
    for t in [ta, b_ticker] {
        tokio::time::timeout(Duration::from_secs(10), t)
            .await
            .expect("tickers stop")
            .expect("ticker task");
    }
    assert_each_matched_once(&a.gh, &players).await;
}
