//! Outbound webhook deliveries (SPEC.md "Payments in, notifications out"; issue floor on
//! this machine: 2,000 deliveries/s to a local receiver).
//!
//! Set-up (not timed): a SQLite store, E endpoints subscribed to every event (1, then
//! 4), then N `currency_granted` events committed (20,000; 300 under `cargo test`).
//!
//! Measured: from the start of the host's delivery worker (`guildhall_host::webhooks`,
//! the one a `guildhall serve` runs) until the receiver, an axum server on 127.0.0.1
//! answering 204, has accepted every event at every endpoint: each delivery a signed
//! Standard Webhooks POST over a kept-alive connection, each endpoint in order, its
//! cursor saved in the store after each run. Reported: deliveries/s.
//!
//! A bounded bench binary: `cargo bench -p guildhall-benches --bench webhooks`.

use guildhall_benches::{bench_mode, player, runtime, Db};
use guildhall_core::economy::GrantRequest;
use guildhall_core::types::Currency;
use guildhall_core::webhooks::{PutWebhookRequest, WebhookFormat};
use guildhall_core::{Config, Guildhall};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A receiver on the loopback counting the deliveries it accepts.
async fn receiver() -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let app = axum::Router::new().route(
        "/hook/{n}",
        axum::routing::post(move |_body: axum::body::Bytes| {
            let c = c.clone();
            async move {
                c.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (format!("http://{addr}/hook"), count)
}

async fn run(endpoints: usize, events: usize) -> f64 {
    let db = Db::sqlite();
    let mut config = Config::new(vec![Currency {
        code: "gold".into(),
        max_balance: None,
    }])
    .expect("config");
    config.webhooks.poll_interval_ms = 1;
    config.webhooks.batch = 1000;
    let gh: Guildhall = guildhall_adapters::open(db.url(), config)
        .await
        .expect("open backend");
    let (url, count) = receiver().await;
    for n in 0..endpoints {
        gh.put_webhook(
            None,
            PutWebhookRequest {
                url: format!("{url}/{n}"),
                kinds: vec!["*".into()],
                format: WebhookFormat::Standard,
                chat_id: None,
                secret: None,
                description: None,
            },
        )
        .await
        .expect("subscribe");
    }
    let mut tasks = Vec::new();
    for w in 0..32usize {
        let gh = gh.clone();
        tasks.push(tokio::spawn(async move {
            for i in (w..events).step_by(32) {
                gh.grant(GrantRequest {
                    player: player(i % 1000),
                    currency: "gold".into(),
                    amount: 1,
                    source: None,
                    reason: None,
                    metadata: serde_json::json!({}),
                    idempotency_key: None,
                })
                .await
                .expect("grant");
            }
        }));
    }
    for t in tasks {
        t.await.expect("seed");
    }
    let total = gh.events_after(0, Some(1000)).await.expect("outbox").len();
    assert!(total > 0);
    let want = endpoints * events;
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let started = Instant::now();
    let worker = guildhall_host::webhooks::spawn(gh.clone(), "bench".into(), stop);
    while count.load(Ordering::Relaxed) < want {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "only {} of {want} deliveries",
            count.load(Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let secs = started.elapsed().as_secs_f64();
    stop_tx.send(true).expect("stop");
    worker.await.expect("worker");
    let rate = want as f64 / secs;
    println!(
        "webhooks/sqlite: {want} deliveries ({events} events to {endpoints} endpoint(s)) in \
         {secs:.2} s: {rate:.0} deliveries/s (floor 2,000/s)"
    );
    rate
}

fn main() {
    let events: usize = if bench_mode() { 20_000 } else { 300 };
    runtime().block_on(async {
        run(1, events).await;
        run(4, events).await;
    });
}
