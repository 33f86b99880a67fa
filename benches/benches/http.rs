//! Purchases per second through the HTTP host on a SQLite file, with 32 concurrent
//! loopback clients: requests/s and p50/p99 latency. A bounded bench binary (not
//! criterion): `cargo bench -p guildhall-benches --bench http` runs 20,000 purchases
//! (at most 60 s); under `cargo test` it runs 500 as a smoke test.
//! The server runs on its own 2-thread runtime; the clients on another.

use guildhall_benches::{seed, ITEM};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: usize = 32;
const PLAYERS: usize = 64;

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let total: usize = std::env::var("GUILDHALL_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if bench { 20_000 } else { 500 });
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/http-bench.db", dir.path().display());

    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let server = server_rt.block_on(async {
        let settings =
            guildhall_host::Settings::with_database(url, "127.0.0.1:0".parse().expect("addr"));
        let server = guildhall_host::spawn(settings).await.expect("start host");
        seed(server.guildhall(), PLAYERS, 1_000_000_000).await;
        let key = server
            .guildhall()
            .create_api_key("bench", &["economy:write".to_string()])
            .await
            .expect("API key")
            .key;
        (server, key)
    });
    let (server, key) = server;
    let base = server.url();

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime");
    let (elapsed, mut latencies, errors) = client_rt.block_on(async move {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {key}").parse().expect("header"),
        );
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .pool_max_idle_per_host(CLIENTS)
            .build()
            .expect("client");
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let deadline = Instant::now() + Duration::from_secs(60);
        let start = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..CLIENTS {
            let (http, base, next) = (http.clone(), base.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut errors = 0usize;
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= total || Instant::now() > deadline {
                        break;
                    }
                    let player = format!("p{}", (c + i) % PLAYERS);
                    let t = Instant::now();
                    let r = http
                        .post(format!("{base}/v1/players/{player}/purchases"))
                        .json(&serde_json::json!({ "item_id": ITEM, "quantity": 1 }))
                        .send()
                        .await;
                    match r {
                        Ok(resp) if resp.status().is_success() => {
                            let _ = resp.bytes().await;
                            lat.push(t.elapsed());
                        }
                        _ => errors += 1,
                    }
                }
                (lat, errors)
            }));
        }
        let mut all = Vec::with_capacity(total);
        let mut errors = 0;
        for t in tasks {
            let (lat, e) = t.await.expect("client task");
            all.extend(lat);
            errors += e;
        }
        (start.elapsed(), all, errors)
    });
    latencies.sort();
    let n = latencies.len();
    let pct = |p: f64| {
        latencies
            .get(((n as f64 * p) as usize).min(n.saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "http/sqlite purchase: {n} ok, {errors} failed, {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({CLIENTS} clients)",
        n as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    let report = server_rt
        .block_on(server.guildhall().verify_ledger())
        .expect("verify");
    assert!(report.ok, "ledger verifies after the load");
    assert_eq!(errors, 0, "every purchase succeeded");
    server_rt.block_on(server.shutdown()).expect("shutdown");
}
