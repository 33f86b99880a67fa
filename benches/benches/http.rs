//! Purchases per second through the HTTP host on a SQLite file, with 32 concurrent
//! loopback clients authenticated by an API key: requests/s, p50/p99 latency, and the
//! host's own CPU time per purchase. A bounded bench binary (not criterion):
//! `cargo bench -p guildhall-benches --bench http` runs for 15 s (at most 300,000
//! purchases; `GUILDHALL_BENCH_SECS` and `GUILDHALL_BENCH_REQUESTS` change either);
//! under `cargo test` it runs 500 as a smoke test.
//!
//! The host runs on its own 2-thread runtime (threads `gh-server`); the clients on a
//! 1-thread runtime (thread `gh-client`), each a keep-alive HTTP/1.1 connection writing
//! its request bytes and reading the response by `Content-Length`, so the load costs
//! little of the machine's two cores. The host's CPU is the process's user + system
//! time over the load minus that of the client thread and the main thread (all read
//! from `/proc/self`), divided by the purchases: everything the host does per purchase,
//! its runtime, sqlx's SQLite worker threads and blocking threads included. It is a
//! steadier figure than requests/s on a shared machine. Also printed: context switches
//! per request of the host's threads (the hand-offs between them). The API key's rate
//! limit is lifted for the run.

use guildhall_benches::{bench_mode, seed, ITEM};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CLIENTS: usize = 32;
const PLAYERS: usize = 64;
const CLIENT_THREAD: &str = "gh-client";
/// Floors of issue 16 (item 4).
const FLOOR_RPS: f64 = 8_000.0;
const FLOOR_P99_MS: f64 = 15.0;
const FLOOR_HOST_CPU_US: f64 = 150.0;

/// User + system CPU time, in clock ticks, from a `/proc/.../stat` line (fields 14 and
/// 15, counted after the parenthesised command name, which may hold spaces).
fn stat_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split(' ');
    // `rest` starts at field 3 (state): utime is field 14, stime 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// CPU ticks of the whole process, and of its threads that are not the host's: the
/// client thread and the main thread.
fn cpu_ticks() -> (u64, u64) {
    let read = |p: &str| std::fs::read_to_string(p).ok();
    let process = read("/proc/self/stat")
        .as_deref()
        .and_then(stat_ticks)
        .unwrap_or(0);
    let me = std::process::id().to_string();
    let mut others = 0;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for t in tasks.flatten() {
            let tid = t.file_name().to_string_lossy().to_string();
            let comm = read(&format!("/proc/self/task/{tid}/comm")).unwrap_or_default();
            if tid == me || comm.trim_end().starts_with(CLIENT_THREAD) {
                others += read(&format!("/proc/self/task/{tid}/stat"))
                    .as_deref()
                    .and_then(stat_ticks)
                    .unwrap_or(0);
            }
        }
    }
    (process, others)
}

/// What each request does: a purchase (the measured case), or a wallet read
/// (`GUILDHALL_BENCH_ROUTE=wallet`: the same HTTP and authentication work without a
/// commit, to see how much of a purchase the commit is).
#[derive(Clone, Copy, PartialEq)]
enum Route {
    Purchase,
    Wallet,
}

/// Context switches (voluntary and not) of the host's live threads, by thread kind:
/// the server runtime's (`gh-server`) and sqlx's SQLite workers (`sqlx-sqlite-worker`).
fn switches() -> (u64, u64) {
    let (mut server, mut sqlx) = (0, 0);
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return (0, 0);
    };
    for t in tasks.flatten() {
        let dir = t.path();
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        let status = std::fs::read_to_string(dir.join("status")).unwrap_or_default();
        let n: u64 = status
            .lines()
            .filter(|l| l.contains("ctxt_switches"))
            .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .sum();
        if comm.starts_with("gh-server") {
            server += n;
        } else if comm.starts_with("sqlx-sqlite") {
            sqlx += n;
        }
    }
    (server, sqlx)
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux).
const TICKS_PER_SEC: f64 = 100.0;

/// Reads one HTTP/1.1 response (headers, then a `Content-Length` body) from `conn`
/// into `buf`; returns its status code.
async fn read_response(conn: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> Option<u16> {
    buf.clear();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).ok()?;
    let status: u16 = head.get(9..12)?.parse().ok()?;
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(status)
}

/// One client: a keep-alive connection sending purchases until `total` are taken or
/// `deadline` passes; returns the latencies of the successful ones and the failures.
async fn client(
    route: Route,
    c: usize,
    addr: std::net::SocketAddr,
    key: Arc<String>,
    next: Arc<AtomicUsize>,
    total: usize,
    deadline: Instant,
) -> (Vec<Duration>, usize) {
    let body = format!(r#"{{"item_id":"{ITEM}","quantity":1}}"#);
    let requests: Vec<Vec<u8>> = (0..PLAYERS)
        .map(|p| match route {
            Route::Purchase => format!(
                "POST /v1/players/p{p}/purchases HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            ),
            Route::Wallet => format!(
                "GET /v1/players/p{p}/wallet HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\r\n"
            ),
        }
        .into_bytes())
        .collect();
    let mut conn = tokio::net::TcpStream::connect(addr).await.expect("connect");
    conn.set_nodelay(true).expect("nodelay");
    let mut buf = Vec::with_capacity(4096);
    let mut lat = Vec::new();
    let mut errors = 0usize;
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= total || Instant::now() > deadline {
            break;
        }
        let t = Instant::now();
        if conn.write_all(&requests[(c + i) % PLAYERS]).await.is_err() {
            errors += 1;
            break;
        }
        match read_response(&mut conn, &mut buf).await {
            Some(200..=299) => lat.push(t.elapsed()),
            Some(_) => errors += 1,
            None => {
                errors += 1;
                break;
            }
        }
    }
    (lat, errors)
}

fn n_ok(latencies: &[Duration]) -> usize {
    latencies.len().max(1)
}

fn main() {
    let bench = bench_mode();
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    let total =
        env("GUILDHALL_BENCH_REQUESTS").map_or(if bench { 300_000 } else { 500 }, |n| n as usize);
    let secs = env("GUILDHALL_BENCH_SECS").unwrap_or(if bench { 15 } else { 60 });
    let route = match std::env::var("GUILDHALL_BENCH_ROUTE").as_deref() {
        Ok("wallet") => Route::Wallet,
        _ => Route::Purchase,
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/http-bench.db", dir.path().display());

    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("gh-server")
        .enable_all()
        .build()
        .expect("server runtime");
    let (server, key) = server_rt.block_on(async {
        let mut settings =
            guildhall_host::Settings::with_database(url, "127.0.0.1:0".parse().expect("addr"));
        // One key sends every request: its limit (60,000 a minute by default) would
        // refuse most of a 15 s run at 8,000/s.
        settings.auth.limits.key_per_minute = u32::MAX;
        let server = guildhall_host::spawn(settings).await.expect("start host");
        seed(server.guildhall(), PLAYERS, 1_000_000_000).await;
        let key = server
            .guildhall()
            .create_api_key(
                "bench",
                &["economy:write".to_string(), "economy:read".to_string()],
            )
            .await
            .expect("API key")
            .key;
        (server, key)
    });
    let addr = server.addr();

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(CLIENT_THREAD)
        .enable_all()
        .build()
        .expect("client runtime");
    let key = Arc::new(key);
    let (before, others_before) = cpu_ticks();
    let switches_before = switches();
    let (elapsed, mut latencies, errors) = client_rt.block_on(async move {
        let next = Arc::new(AtomicUsize::new(0));
        let deadline = Instant::now() + Duration::from_secs(secs);
        let start = Instant::now();
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|c| {
                tokio::spawn(client(
                    route,
                    c,
                    addr,
                    key.clone(),
                    next.clone(),
                    total,
                    deadline,
                ))
            })
            .collect();
        let mut all = Vec::with_capacity(total.min(1_000_000));
        let mut errors = 0;
        for t in tasks {
            let (lat, e) = t.await.expect("client task");
            all.extend(lat);
            errors += e;
        }
        (start.elapsed(), all, errors)
    });
    let (after, others_after) = cpu_ticks();
    let switches_after = switches();
    let per = |a: u64, b: u64| a.saturating_sub(b) as f64 / n_ok(&latencies) as f64;
    let server_switches = per(switches_after.0, switches_before.0);
    let sqlx_switches = per(switches_after.1, switches_before.1);
    let host_ticks = (after - before).saturating_sub(others_after - others_before);
    latencies.sort();
    let n = latencies.len();
    let pct = |p: f64| {
        latencies
            .get(((n as f64 * p) as usize).min(n.saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let rps = n as f64 / elapsed.as_secs_f64();
    let p99_ms = pct(0.99).as_secs_f64() * 1e3;
    let host_cpu_us = host_ticks as f64 / TICKS_PER_SEC * 1e6 / n.max(1) as f64;
    let client_cpu_us =
        (others_after - others_before) as f64 / TICKS_PER_SEC * 1e6 / n.max(1) as f64;
    println!(
        "http/sqlite {}: {n} ok, {errors} failed in {:.1} s, {rps:.0} req/s (floor {FLOOR_RPS:.0}), p50 {:.2} ms, p99 {p99_ms:.2} ms (floor {FLOOR_P99_MS:.0}), max {:.2} ms; host CPU {host_cpu_us:.0} µs/request (floor {FLOOR_HOST_CPU_US:.0}), clients {client_cpu_us:.0} µs ({CLIENTS} clients); context switches per request: server threads {server_switches:.1}, sqlx workers {sqlx_switches:.1}",
        if route == Route::Wallet { "wallet read" } else { "purchase" },
        elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    let report = server_rt
        .block_on(server.guildhall().verify_ledger())
        .expect("verify");
    assert!(report.ok, "ledger verifies after the load");
    assert_eq!(errors, 0, "every purchase succeeded");
    server_rt.block_on(server.shutdown()).expect("shutdown");
}
