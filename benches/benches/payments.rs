//! Payment webhooks verified and credited per second through the HTTP host on a SQLite
//! file (SPEC.md Payments; issue 21 floor on this machine: 2,000/s).
//!
//! The host runs on its own 2-thread runtime; 32 loopback clients (reqwest, keep-alive,
//! on a 1-thread runtime) each post Stripe-format `checkout.session.completed` events,
//! every one a new PaymentIntent for one of 64 players, signed with the test secret at
//! the current second. Each delivery is verified (HMAC-SHA256 of `"{t}.{body}"`),
//! mapped to the product (10 gold) and credited with its log entry in one commit.
//! Reported: credited deliveries per second and latency (p50, p90, p99, max); then the
//! ledger audit, and every player's balance equal to 10 gold per credited payment.
//!
//! A bounded bench binary: `cargo bench -p guildhall-benches --bench payments` runs for
//! 10 s (at most 200,000 deliveries); under `cargo test` it runs 300 as a smoke test.

use guildhall_benches::{bench_mode, percentiles_ms};
use guildhall_core::payments::rules::sign_stripe;
use guildhall_core::payments::{PaymentProduct, PaymentsConfig, Secret, StripeConfig};
use guildhall_core::types::{Currency, PlayerId};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: usize = 32;
const PLAYERS: usize = 64;
const SECRET: &str = "whsec_bench_secret";
const FLOOR: f64 = 2_000.0;

fn event(n: usize) -> Vec<u8> {
    serde_json::json!({
        "id": format!("evt_{n}"), "object": "event", "type": "checkout.session.completed",
        "data": { "object": {
            "object": "checkout.session", "id": format!("cs_{n}"), "payment_intent": format!("pi_{n}"),
            "payment_status": "paid", "amount_total": 99, "currency": "usd",
            "metadata": { "player_id": format!("p{}", n % PLAYERS), "product": "gold_10" }
        } }
    })
    .to_string()
    .into_bytes()
}

fn main() {
    let bench = bench_mode();
    let total = if bench { 200_000 } else { 300 };
    let window = Duration::from_secs(if bench { 10 } else { 60 });
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/payments-bench.db", dir.path().display());
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("gh-server")
        .enable_all()
        .build()
        .expect("server runtime");
    let server = server_rt.block_on(async {
        let mut settings =
            guildhall_host::Settings::with_database(url, "127.0.0.1:0".parse().expect("addr"));
        settings.core = guildhall_core::Config::new(vec![Currency {
            code: "gold".into(),
            max_balance: None,
        }])
        .expect("config");
        settings.core.payments = PaymentsConfig {
            stripe: Some(StripeConfig {
                secrets: vec![Secret(SECRET.into())],
            }),
            products: vec![PaymentProduct {
                id: "gold_10".into(),
                currency: Some("gold".into()),
                amount: Some(10),
                items: vec![],
            }],
            ..Default::default()
        };
        guildhall_host::spawn(settings).await.expect("start host")
    });
    let endpoint = format!("{}/v1/webhooks/stripe", server.url());
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("gh-client")
        .enable_all()
        .build()
        .expect("client runtime");
    let (elapsed, mut lat, credited) = client_rt.block_on(async move {
        let http = reqwest::Client::new();
        let next = Arc::new(AtomicUsize::new(0));
        let credited = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let (http, next, credited, endpoint) = (
                    http.clone(),
                    next.clone(),
                    credited.clone(),
                    endpoint.clone(),
                );
                tokio::spawn(async move {
                    let mut lat = Vec::new();
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        if n >= total || start.elapsed() > window {
                            return lat;
                        }
                        let body = event(n);
                        let sig = sign_stripe(SECRET, chrono::Utc::now().timestamp(), &body);
                        let t = Instant::now();
                        let res = http
                            .post(&endpoint)
                            .header("Stripe-Signature", sig)
                            .header("content-type", "application/json")
                            .body(body)
                            .send()
                            .await
                            .expect("deliver");
                        let status = res.status();
                        let text = res.text().await.expect("answer");
                        assert!(status.is_success(), "{status}: {text}");
                        assert!(text.contains("\"outcome\":\"credited\""), "{text}");
                        lat.push(t.elapsed());
                        credited.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.expect("client"));
        }
        (start.elapsed(), all, credited.load(Ordering::Relaxed))
    });
    let secs = elapsed.as_secs_f64();
    let rate = credited as f64 / secs;
    let [p50, p90, p99, max] = percentiles_ms(&mut lat);
    println!(
        "payments/http/sqlite: {credited} webhook deliveries verified and credited in {secs:.1} s: \
         {rate:.0}/s with {CLIENTS} clients; p50 {p50:.3} ms, p90 {p90:.3} ms, p99 {p99:.3} ms, \
         max {max:.2} ms (floor {FLOOR:.0}/s{})",
        if bench && rate < FLOOR { ": MISSED" } else { "" }
    );
    server_rt.block_on(async {
        let gh = server.guildhall();
        let report = gh.verify_ledger().await.expect("ledger audit");
        assert!(report.ok, "{report:?}");
        let mut sum = 0;
        for i in 0..PLAYERS {
            let p: PlayerId = format!("p{i}").parse().expect("player");
            sum += gh.balance(&p, "gold").await.expect("balance");
        }
        assert_eq!(
            sum,
            10 * credited as i64,
            "each credited payment is 10 gold, once"
        );
    });
}
