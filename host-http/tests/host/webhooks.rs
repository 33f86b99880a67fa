//! Outbound webhooks (SPEC.md "Payments in, notifications out"), against real local
//! receivers on the loopback: a flaky endpoint gets every event once, in order, each
//! with a Standard Webhooks signature checked here independently; a dead endpoint is
//! parked after the retry budget (a manual clock) and a replay resumes it in order; a
//! worker killed mid-delivery, and a `guildhall serve` process killed with SIGKILL, lose
//! no event; the REST and console surfaces.

use crate::common::spawn_app_with;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use guildhall_core::memory::{MemoryCoordinator, MemoryStore};
use guildhall_core::ports::{Clock, ManualClock};
use guildhall_core::types::Currency;
use guildhall_core::webhooks::{PutWebhookRequest, WebhookFormat};
use guildhall_core::{Config, Guildhall};
use guildhall_host::webhooks::Deliverer;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the receiver got, and what it answered.
#[derive(Clone, Debug)]
struct Got {
    id: String,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
    status: u16,
}

#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Got>>>,
    /// Refuse everything with 503 while set.
    down: Arc<AtomicBool>,
}

impl Receiver {
    /// A receiver on 127.0.0.1 answering after `delay`.
    async fn start(fail_first: usize, delay: Duration) -> Receiver {
        let got = Arc::new(Mutex::new(Vec::new()));
        let fail_next = Arc::new(AtomicUsize::new(fail_first));
        let down = Arc::new(AtomicBool::new(false));
        let (g, f, d) = (got.clone(), fail_next.clone(), down.clone());
        let app = axum::Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: Bytes| {
                let (g, f, d) = (g.clone(), f.clone(), d.clone());
                async move {
                    tokio::time::sleep(delay).await;
                    let status = if d.load(Ordering::SeqCst) {
                        503
                    } else if f
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok()
                    {
                        500
                    } else {
                        200
                    };
                    let h = |n: &str| {
                        headers
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string()
                    };
                    g.lock().unwrap().push(Got {
                        id: h("webhook-id"),
                        timestamp: h("webhook-timestamp"),
                        signature: h("webhook-signature"),
                        body: body.to_vec(),
                        status,
                    });
                    StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver {
            url: format!("http://{addr}/hook"),
            got,
            down,
        }
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// Ids of the requests answered 2xx, in arrival order.
    fn accepted(&self) -> Vec<String> {
        self.got()
            .into_iter()
            .filter(|g| g.status == 200)
            .map(|g| g.id)
            .collect()
    }

    async fn wait_accepted(&self, n: usize, within: Duration) {
        let until = std::time::Instant::now() + within;
        loop {
            let mut ids = self.accepted();
            ids.sort();
            ids.dedup();
            if ids.len() >= n {
                return;
            }
            assert!(
                std::time::Instant::now() < until,
                "only {} of {n} events arrived",
                ids.len()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Verifies a Standard Webhooks signature with the secret, independently of the host.
fn verify(secret: &str, g: &Got) -> bool {
    let key = B64.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", g.id, g.timestamp).as_bytes());
    mac.update(&g.body);
    let expected = B64.encode(mac.finalize().into_bytes());
    g.signature
        .split(' ')
        .any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
}

fn config(adjust: impl FnOnce(&mut Config)) -> Config {
    let mut c = Config::new(vec![Currency {
        code: "gold".into(),
        max_balance: None,
    }])
    .unwrap();
    c.webhooks.backoff_initial_ms = 10;
    c.webhooks.backoff_max_secs = 1;
    c.webhooks.poll_interval_ms = 5;
    c.webhooks.lease_secs = 1;
    c.webhooks.timeout_secs = 5;
    adjust(&mut c);
    c
}

fn core(config: Config) -> Guildhall {
    Guildhall::new(
        Arc::new(MemoryStore::new()),
        Arc::new(MemoryCoordinator::new()),
        config,
    )
}

async fn grant(gh: &Guildhall, player: &str, amount: i64) {
    gh.grant(
        serde_json::from_value(json!({ "player": player, "currency": "gold", "amount": amount }))
            .unwrap(),
    )
    .await
    .unwrap();
}

fn subscribe(url: &str, kinds: &[&str], format: WebhookFormat) -> PutWebhookRequest {
    PutWebhookRequest {
        url: url.to_string(),
        kinds: kinds.iter().map(|k| k.to_string()).collect(),
        format,
        chat_id: (format == WebhookFormat::Telegram).then(|| "-1001".to_string()),
        secret: None,
        description: None,
    }
}

/// Ids of the committed events of `kind` (`None`: all), in outbox order.
async fn outbox_ids(gh: &Guildhall, kind: Option<&str>) -> Vec<String> {
    gh.events_after(0, Some(1000))
        .await
        .unwrap()
        .into_iter()
        .filter(|e| kind.is_none_or(|k| e.kind == k))
        .map(|e| e.id)
        .collect()
}

#[tokio::test]
async fn a_flaky_endpoint_receives_every_event_once_in_order_and_signed() {
    let gh = core(config(|_| {}));
    let flaky = Receiver::start(3, Duration::ZERO).await;
    let chat = Receiver::start(0, Duration::ZERO).await;
    let telegram = Receiver::start(0, Duration::ZERO).await;
    let sub = gh
        .put_webhook(None, subscribe(&flaky.url, &["*"], WebhookFormat::Standard))
        .await
        .unwrap()
        .subscription;
    gh.put_webhook(
        None,
        subscribe(&chat.url, &["currency_granted"], WebhookFormat::Discord),
    )
    .await
    .unwrap();
    gh.put_webhook(
        None,
        subscribe(
            &telegram.url,
            &["currency_granted"],
            WebhookFormat::Telegram,
        ),
    )
    .await
    .unwrap();
    for i in 1..=20 {
        grant(&gh, &format!("p{}", i % 3), i).await;
    }
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let worker = guildhall_host::webhooks::spawn(gh.clone(), "host-a".into(), stop);
    let all_events = outbox_ids(&gh, None).await.len();
    flaky
        .wait_accepted(all_events, Duration::from_secs(20))
        .await;
    chat.wait_accepted(20, Duration::from_secs(20)).await;
    telegram.wait_accepted(20, Duration::from_secs(20)).await;
    stop_tx.send(true).unwrap();
    worker.await.unwrap();

    let expected = outbox_ids(&gh, None).await;
    let granted = outbox_ids(&gh, Some("currency_granted")).await;
    assert_eq!(granted.len(), 20);
    // Every event accepted exactly once, in outbox order; the three refusals were the
    // first event, tried again after a backoff.
    assert_eq!(flaky.accepted(), expected);
    let all = flaky.got();
    assert_eq!(all.len(), expected.len() + 3);
    assert!(all[..3]
        .iter()
        .all(|g| g.status == 500 && g.id == expected[0]));
    for g in &all {
        assert!(verify(&sub.secret, g), "signature of {}", g.id);
        let body: Value = serde_json::from_slice(&g.body).unwrap();
        assert_eq!(body["data"]["id"], g.id.as_str());
        assert!(g.timestamp.parse::<i64>().is_ok());
    }
    // A signature made with another secret does not verify.
    let other = guildhall_core::webhooks::rules::secret_of(&[9u8; 32]);
    assert!(!verify(&other, &all[3]));
    // The chat formats.
    let d: Value = serde_json::from_slice(&chat.got()[0].body).unwrap();
    assert!(
        d["content"].as_str().unwrap().contains("currency_granted"),
        "{d}"
    );
    let t: Value = serde_json::from_slice(&telegram.got()[0].body).unwrap();
    assert_eq!(t["chat_id"], "-1001");
    assert!(
        t["text"].as_str().unwrap().contains("currency_granted"),
        "{t}"
    );
    assert_eq!(chat.accepted(), granted);
    assert_eq!(telegram.accepted(), granted);
    let st = gh.webhook(&sub.id).await.unwrap().state;
    assert_eq!(st.delivered as usize, expected.len());
    assert_eq!(st.attempts, 0);
    assert!(st.parked_at.is_none());
    assert!(st.last_error.as_deref().unwrap().contains("500"));
}

#[tokio::test]
async fn a_dead_endpoint_is_parked_after_the_retry_budget_and_a_replay_resumes_in_order() {
    let start = chrono::DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
        .unwrap()
        .to_utc();
    let clock = Arc::new(ManualClock::new(start));
    let gh = core(config(|c| {
        c.webhooks.backoff_initial_ms = 5_000;
        c.webhooks.backoff_max_secs = 3_600;
        c.webhooks.lease_secs = 3_600;
        c.webhooks.max_attempts = 1_000;
    }))
    .with_clock(clock.clone());
    let dead = Receiver::start(0, Duration::ZERO).await;
    dead.down.store(true, Ordering::SeqCst);
    let sub = gh
        .put_webhook(
            None,
            subscribe(&dead.url, &["currency_granted"], WebhookFormat::Standard),
        )
        .await
        .unwrap()
        .subscription;
    for i in 1..=5 {
        grant(&gh, "p1", i).await;
    }
    let worker = Deliverer::new(gh.clone(), "host-a").unwrap();
    let mut passes = 0;
    loop {
        worker.pass().await;
        passes += 1;
        let st = gh.webhook(&sub.id).await.unwrap().state;
        if st.parked_at.is_some() {
            break;
        }
        assert!(passes < 1000, "never parked");
        // Nothing is tried before its backoff ends.
        let before = dead.got().len();
        worker.pass().await;
        assert_eq!(dead.got().len(), before, "retried before its backoff");
        clock.set(st.next_attempt_at.unwrap());
    }
    let st = gh.webhook(&sub.id).await.unwrap().state;
    let elapsed = clock.now() - start;
    assert!(
        elapsed >= chrono::Duration::hours(24),
        "parked after {elapsed}"
    );
    assert!(
        elapsed < chrono::Duration::hours(26),
        "parked after {elapsed}"
    );
    assert_eq!(st.cursor, 0, "nothing was delivered");
    assert!(st.last_error.as_deref().unwrap().contains("503"));
    assert_eq!(st.attempts as usize, dead.got().len());
    let expected = outbox_ids(&gh, Some("currency_granted")).await;
    assert!(dead.got().iter().all(|g| g.id == expected[0]));
    // Parked: nothing more is tried, however long one waits.
    let tries = dead.got().len();
    clock.advance_secs(7 * 86_400);
    worker.pass().await;
    assert_eq!(dead.got().len(), tries);

    // The endpoint is back; the operator replays it: every event, in order.
    dead.down.store(false, Ordering::SeqCst);
    let replayed = gh.replay_webhook(&sub.id).await.unwrap();
    assert!(replayed.state.parked_at.is_none());
    worker.pass().await;
    assert_eq!(dead.accepted(), expected);
    let st = gh.webhook(&sub.id).await.unwrap().state;
    assert_eq!((st.delivered, st.attempts), (5, 0));
}

#[tokio::test]
async fn a_worker_killed_mid_delivery_loses_no_event_and_keeps_the_order() {
    let gh = core(config(|c| c.webhooks.batch = 50));
    let slow = Receiver::start(0, Duration::from_millis(3)).await;
    gh.put_webhook(
        None,
        subscribe(&slow.url, &["currency_granted"], WebhookFormat::Standard),
    )
    .await
    .unwrap();
    for i in 1..=150 {
        grant(&gh, &format!("p{}", i % 7), i).await;
    }
    let expected = outbox_ids(&gh, Some("currency_granted")).await;
    let (_stop_a, stop) = tokio::sync::watch::channel(false);
    let a = guildhall_host::webhooks::spawn(gh.clone(), "host-a".into(), stop);
    slow.wait_accepted(30, Duration::from_secs(20)).await;
    // The host dies in the middle of a run: its unsaved progress is lost.
    a.abort();
    let _ = a.await;
    let at_kill = slow.accepted().len();
    assert!(at_kill < expected.len(), "killed before the end");
    // Another host takes the lease over once it expires, and delivers the rest.
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let b = guildhall_host::webhooks::spawn(gh.clone(), "host-b".into(), stop);
    slow.wait_accepted(expected.len(), Duration::from_secs(30))
        .await;
    stop_tx.send(true).unwrap();
    b.await.unwrap();

    let got = slow.accepted();
    // At least once: every event arrived; in order: the first arrival of each follows
    // the outbox order, and a redelivery only repeats a run from the saved cursor.
    let mut firsts: Vec<String> = Vec::new();
    for id in &got {
        if !firsts.contains(id) {
            firsts.push(id.clone());
        }
    }
    assert_eq!(firsts, expected);
    let pos = |id: &String| expected.iter().position(|e| e == id).unwrap();
    for w in got.windows(2) {
        let (x, y) = (pos(&w[0]), pos(&w[1]));
        assert!(y == x + 1 || y <= x, "skipped from {x} to {y}");
    }
}

#[tokio::test]
async fn operators_manage_subscriptions_over_rest_and_the_console() {
    let receiver = Receiver::start(0, Duration::ZERO).await;
    let app = spawn_app_with(|s| {
        s.core.webhooks.poll_interval_ms = 10;
        s.core.webhooks.backoff_initial_ms = 10;
    })
    .await;
    let bad = app
        .post(
            "/v1/admin/webhooks",
            json!({ "url": "http://example.com/hook", "kinds": ["*"] }),
        )
        .await;
    bad.assert_error(400, "INVALID_ARGUMENT");
    app.post(
        "/v1/admin/webhooks",
        json!({ "url": "https://api.telegram.org/botX/sendMessage", "kinds": ["*"], "format": "telegram" }),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
    let created = app
        .post(
            "/v1/admin/webhooks",
            json!({ "url": receiver.url, "kinds": ["currency_granted"], "description": "ops" }),
        )
        .await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.body);
    let id = created.body["subscription"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let secret = created.body["subscription"]["secret"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(secret.starts_with("whsec_"));
    app.grant("alice", 7).await;
    receiver.wait_accepted(1, Duration::from_secs(20)).await;
    assert!(verify(&secret, &receiver.got()[0]));
    let list = app.get("/v1/admin/webhooks").await;
    assert_eq!(list.ok()[0]["subscription"]["id"], id.as_str());
    // The state is saved right after the delivery; wait for it.
    let mut delivered = 0;
    for _ in 0..200 {
        delivered = app.get(&format!("/v1/admin/webhooks/{id}")).await.ok()["state"]["delivered"]
            .as_u64()
            .unwrap();
        if delivered == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(delivered, 1);
    let replaced = app
        .put(
            &format!("/v1/admin/webhooks/{id}"),
            json!({ "url": receiver.url, "kinds": ["currency_granted", "item_purchased"] }),
        )
        .await;
    assert_eq!(replaced.ok()["subscription"]["secret"], secret.as_str());
    assert_eq!(replaced.ok()["state"]["delivered"], 1);
    let replay = app
        .post(&format!("/v1/admin/webhooks/{id}/replay"), json!({}))
        .await;
    replay.ok();
    // A player's token cannot reach them.
    let player = app
        .anon
        .post(format!("{}/v1/auth/register", app.url))
        .json(&json!({ "username": "hooker", "password": "correct horse" }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let token = player["access_token"].as_str().unwrap();
    let r = crate::common::client_with(token)
        .get(format!("{}/v1/admin/webhooks", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    app.delete(&format!("/v1/admin/webhooks/{id}")).await.ok();
    app.get(&format!("/v1/admin/webhooks/{id}"))
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn two_hosts_running_their_workers_deliver_through_one_lease_holder() {
    let gh = core(config(|c| c.webhooks.lease_secs = 5));
    let receiver = Receiver::start(0, Duration::from_millis(1)).await;
    gh.put_webhook(
        None,
        subscribe(
            &receiver.url,
            &["currency_granted"],
            WebhookFormat::Standard,
        ),
    )
    .await
    .unwrap();
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let a = guildhall_host::webhooks::spawn(gh.clone(), "host-a".into(), stop.clone());
    let b = guildhall_host::webhooks::spawn(gh.clone(), "host-b".into(), stop);
    for i in 1..=60 {
        grant(&gh, &format!("p{}", i % 5), i).await;
    }
    let expected = outbox_ids(&gh, Some("currency_granted")).await;
    receiver
        .wait_accepted(expected.len(), Duration::from_secs(20))
        .await;
    stop_tx.send(true).unwrap();
    a.await.unwrap();
    b.await.unwrap();
    // One holder at a time: each event once, in order.
    assert_eq!(receiver.accepted(), expected);
}

/// A `guildhall serve` process over `config`, its output discarded; killed with
/// SIGKILL when dropped.
struct HostProcess(std::process::Child);

impl HostProcess {
    fn start(dir: &crate::common::TempDir, config: &std::path::Path) -> HostProcess {
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_guildhall"))
            .current_dir(dir.path())
            .env_remove("GUILDHALL_CONFIG")
            .env_remove("GUILDHALL_LISTEN")
            .env_remove("GUILDHALL_DATABASE_URL")
            .env_remove("GUILDHALL_REDIS_URL")
            .env("GUILDHALL_JWT_SECRET", crate::process::TEST_SECRET)
            .env("GUILDHALL_LOG", "warn")
            .args(["serve", "--config"])
            .arg(config)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start guildhall serve");
        HostProcess(child)
    }

    /// SIGKILL: no shutdown of any kind, whatever the worker was doing.
    fn kill(mut self) {
        self.0.kill().expect("SIGKILL");
        self.0.wait().expect("reaped");
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// SPEC.md "Payments in, notifications out" (issue: "a host killed during delivery
/// loses no event"): a `guildhall serve` process is killed with SIGKILL while its worker
/// delivers to a slow endpoint; a new process on the same database delivers the rest.
/// Every event arrives at least once, the first arrivals in outbox order, and a
/// redelivery only repeats what followed the last saved cursor.
#[tokio::test]
async fn a_host_process_killed_mid_delivery_loses_no_event() {
    let dir = crate::common::TempDir::new();
    let db = crate::common::database_url(&dir);
    let config_path = dir.path().join("guildhall.toml");
    std::fs::write(
        &config_path,
        format!(
            "listen = \"127.0.0.1:0\"\ndatabase = \"{db}\"\n[[currencies]]\ncode = \"gold\"\n\
             [webhooks]\nbatch = 20\npoll_interval_ms = 20\n"
        ),
    )
    .unwrap();
    // The test's own handle on the same database: the subscription and the events.
    let mut settings = guildhall_host::Settings::with_database(&db, "127.0.0.1:0".parse().unwrap());
    settings.core = config(|_| {});
    let gh = guildhall_host::open_backend(&settings)
        .await
        .expect("open the database");
    let slow = Receiver::start(0, Duration::from_millis(20)).await;
    gh.put_webhook(
        None,
        subscribe(&slow.url, &["currency_granted"], WebhookFormat::Standard),
    )
    .await
    .unwrap();
    for i in 1..=150 {
        grant(&gh, &format!("p{}", i % 7), i).await;
    }
    let expected = outbox_ids(&gh, Some("currency_granted")).await;
    assert_eq!(expected.len(), 150);

    let a = HostProcess::start(&dir, &config_path);
    slow.wait_accepted(30, Duration::from_secs(60)).await;
    a.kill();
    let at_kill = slow.accepted().len();
    assert!(
        at_kill < expected.len(),
        "killed before the end ({at_kill} delivered)"
    );

    let b = HostProcess::start(&dir, &config_path);
    slow.wait_accepted(expected.len(), Duration::from_secs(60))
        .await;
    b.kill();

    let got = slow.accepted();
    let mut firsts: Vec<String> = Vec::new();
    for id in &got {
        if !firsts.contains(id) {
            firsts.push(id.clone());
        }
    }
    assert_eq!(
        firsts, expected,
        "every event, first arrivals in outbox order"
    );
    let pos = |id: &String| expected.iter().position(|e| e == id).unwrap();
    for w in got.windows(2) {
        let (x, y) = (pos(&w[0]), pos(&w[1]));
        assert!(y == x + 1 || y <= x, "skipped from {x} to {y}");
    }
}
