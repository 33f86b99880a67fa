//! WebSocket fan-out: 10,000 concurrent connections on one host (loopback), each
//! subscribed to the `room:<id>` topic of the room its player's session is in, each
//! receiving every broadcast to the room.
//!
//! The host runs in a child process (this binary again, `GUILDHALL_BENCH_WS_ROLE=server`)
//! so its memory is measured alone: the per-connection figure is the host's RSS after
//! every connection is open and subscribed, less its RSS before the first one, divided
//! by the connections. Each process holds about one descriptor per connection (the
//! soft `RLIMIT_NOFILE` must exceed the connections; checked at start).
//!
//! The broadcasts are room events (`room_broadcast`, payload `room_id`, listing no
//! players) published on the host's live feed as a commit publishes its events: the
//! commit itself is measured by the store benchmarks; this one measures the transport
//! (the host's hub, each connection's topic match, the frame write, the client's read).
//! Measured: deliveries per second from the first broadcast to the last delivery, and
//! memory per connection. Every connection must receive every broadcast exactly once.
//!
//! A bounded bench binary: `cargo bench -p guildhall-benches --bench ws` (10,000
//! connections, 50 broadcasts; at most 300 s); under `cargo test` it runs 200
//! connections and 5 broadcasts. Floors (BENCHMARKS.md): 10,000 connections held with
//! under 20 KiB each, 100,000 deliveries/s.

use futures::{SinkExt, StreamExt};
use guildhall_benches::bench_mode;
use guildhall_core::announce::Location;
use guildhall_core::memory::{MemoryCoordinator, MemoryStore};
use guildhall_core::ports::Coordinator;
use guildhall_core::types::{Event, PlayerId};
use guildhall_core::{Config, Guildhall};
use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const ROLE: &str = "GUILDHALL_BENCH_WS_ROLE";
/// The room every player is in: created by the host process, named on its `READY` line.
static ROOM: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn room() -> &'static str {
    ROOM.get().map(String::as_str).expect("the room is known")
}
/// Connections opened at once while connecting.
const CONNECTING: usize = 200;

fn player(i: usize) -> PlayerId {
    PlayerId::new(format!("ws-{i}")).expect("player id")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// The host: sessions of `players` in the room, the router on loopback, then
/// broadcasts on command (`PUBLISH <n>` on stdin; `OK` when published).
fn server(players: usize) {
    runtime().block_on(async move {
        let config = Config::new(vec![guildhall_core::types::Currency {
            code: "gold".into(),
            max_balance: None,
        }])
        .expect("config");
        let mut config = config;
        config.rooms.max_capacity = 100_000;
        let coordinator = Arc::new(MemoryCoordinator::new());
        let gh = Guildhall::new(Arc::new(MemoryStore::new()), coordinator.clone(), config);
        let location = Location {
            lobby: None,
            server: None,
            room: None,
            party: None,
        };
        // One system room holding every player: entering is what puts a session in it.
        let hall = gh
            .create_room(guildhall_core::rooms::CreateRoomRequest {
                player: None,
                room_type: "hall".into(),
                capacity: players.max(1) as u32,
                metadata: Default::default(),
                server: None,
                idempotency_key: None,
            })
            .await
            .expect("room")
            .room
            .id;
        ROOM.set(hall.clone()).expect("one room");
        for i in 0..players {
            gh.login(&player(i), location.clone()).await.expect("session");
            gh.enter_room(guildhall_core::rooms::EnterRoomRequest {
                player: player(i),
                room_id: hall.clone(),
                idempotency_key: None,
            })
            .await
            .expect("enter");
        }
        let key = gh
            .create_api_key("bench", &["events".to_string()])
            .await
            .expect("key")
            .key;
        let mut settings =
            guildhall_host::Settings::with_database("memory://", "127.0.0.1:0".parse().unwrap());
        settings.auth.limits.key_per_minute = u32::MAX;
        settings.schedule.sse_heartbeat = Duration::from_secs(30);
        let app = guildhall_host::router(gh.clone(), &settings);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .expect("serve")
        });
        println!("READY ws://{addr} {key} {hall}");
        std::io::stdout().flush().ok();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut seq = 1_000_000;
        while let Some(line) = rx.recv().await {
            let Some(n) = line.strip_prefix("PUBLISH ") else {
                break;
            };
            let n: usize = n.trim().parse().expect("count");
            for i in 0..n {
                seq += 1;
                let event = Event {
                    seq,
                    id: format!("bench-{seq}"),
                    kind: "room_broadcast".into(),
                    at: chrono::Utc::now(),
                    players: Vec::new(),
                    payload: serde_json::json!({ "room_id": room(), "n": i, "text": "the doors open" }),
                };
                coordinator.publish(&[event]).await.expect("publish");
            }
            println!("OK");
            std::io::stdout().flush().ok();
        }
    });
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn nofile_soft_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens connection `i`, waits for `ready` and `subscribed`.
async fn open(base: &str, key: &str, i: usize) -> Socket {
    let url = format!("{base}/v1/ws?player={}", player(i));
    let mut req = url.into_client_request().expect("request");
    req.headers_mut()
        .insert("authorization", format!("Bearer {key}").parse().unwrap());
    let mut last = None;
    for _ in 0..20 {
        match tokio_tungstenite::connect_async(req.clone()).await {
            Ok((mut ws, _)) => {
                let sub = serde_json::json!({ "type": "subscribe", "topics": [format!("room:{}", room())] });
                ws.send(Message::Text(sub.to_string().into()))
                    .await
                    .expect("subscribe");
                let mut answered = 0;
                while answered < 2 {
                    match ws.next().await {
                        Some(Ok(Message::Text(t))) => {
                            assert!(!t.as_str().contains("\"error\""), "refused: {t}");
                            answered += 1;
                        }
                        Some(Ok(_)) => {}
                        other => panic!("connection {i} closed while subscribing: {other:?}"),
                    }
                }
                return ws;
            }
            Err(e) => {
                last = Some(e);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    panic!("connection {i} failed: {last:?}");
}

fn main() {
    let (connections, broadcasts) = if bench_mode() { (10_000, 50) } else { (200, 5) };
    if std::env::var(ROLE).as_deref() == Ok("server") {
        return server(connections);
    }
    if let Some(soft) = nofile_soft_limit() {
        assert!(
            soft > connections as u64 + 100,
            "the open-file limit ({soft}) is below {connections} connections; raise it (`ulimit -n 20000`)"
        );
    }
    let mut child = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args(std::env::args().skip(1))
        .env(ROLE, "server")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the host process");
    let pid = child.id();
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut commands = child.stdin.take().expect("stdin");
    let ready = loop {
        let line = lines.next().expect("host output").expect("read");
        if let Some(r) = line.strip_prefix("READY ") {
            break r.to_string();
        }
    };
    let mut words = ready.split(' ');
    let (base, key) = (words.next().expect("url"), words.next().expect("key"));
    let (base, key) = (base.to_string(), key.to_string());
    ROOM.set(words.next().expect("room").to_string())
        .expect("one room");
    let idle_kib = rss_kib(pid);
    let deadline = Instant::now() + Duration::from_secs(300);

    let commands_ref = &mut commands;
    runtime().block_on(async move {
        let commands = commands_ref;
        // Connect and subscribe, CONNECTING at a time.
        let started = Instant::now();
        let mut sockets = Vec::with_capacity(connections);
        let mut i = 0;
        while i < connections {
            let batch: Vec<_> = (i..(i + CONNECTING).min(connections))
                .map(|j| {
                    let (base, key) = (base.clone(), key.clone());
                    tokio::spawn(async move { open(&base, &key, j).await })
                })
                .collect();
            for t in batch {
                sockets.push(t.await.expect("connect task"));
            }
            i += CONNECTING;
            assert!(Instant::now() < deadline, "connecting took too long");
        }
        let connect_secs = started.elapsed().as_secs_f64();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let held_kib = rss_kib(pid);
        let per_conn_kib = held_kib.saturating_sub(idle_kib) as f64 / connections as f64;

        // Readers: each counts its room events.
        let delivered = Arc::new(AtomicU64::new(0));
        let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<(usize, u64)>();
        for (j, mut ws) in sockets.into_iter().enumerate() {
            let (delivered, done) = (delivered.clone(), done_tx.clone());
            tokio::spawn(async move {
                let mut got = 0u64;
                let mut seqs = std::collections::BTreeSet::new();
                while got < broadcasts as u64 {
                    match ws.next().await {
                        Some(Ok(Message::Text(t))) => {
                            let v: serde_json::Value =
                                serde_json::from_str(t.as_str()).expect("JSON");
                            if v["type"] == "event" {
                                assert!(seqs.insert(v["id"].as_i64().unwrap()), "duplicate");
                                got += 1;
                                delivered.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Some(Ok(_)) => {}
                        _ => break,
                    }
                }
                let _ = done.send((j, got));
                // Keep the socket open until the run ends.
                std::future::pending::<()>().await;
            });
        }
        drop(done_tx);
        let started = Instant::now();
        writeln!(commands, "PUBLISH {broadcasts}").expect("command");
        commands.flush().ok();
        let mut finished = 0;
        let mut short = Vec::new();
        while finished < connections {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, done_rx.recv()).await {
                Ok(Some((j, got))) => {
                    finished += 1;
                    if got != broadcasts as u64 {
                        short.push(j);
                    }
                }
                _ => break,
            }
        }
        let secs = started.elapsed().as_secs_f64();
        let total = delivered.load(Ordering::Relaxed);
        println!(
            "ws/memory: {connections} WebSocket connections on one host (loopback), each subscribed to room:{}: \
             connected and subscribed in {connect_secs:.1} s; host RSS {idle} KiB idle, {held} KiB holding them: \
             {per_conn_kib:.1} KiB per connection (floor: under 20 KiB); {broadcasts} room broadcasts, \
             {total} deliveries in {secs:.2} s: {rate:.0} deliveries/s (floor 100,000/s)",
            room(),
            idle = idle_kib,
            held = held_kib,
            rate = total as f64 / secs,
        );
        assert_eq!(finished, connections, "every connection finished within the bound");
        assert!(short.is_empty(), "{} connections missed broadcasts", short.len());
        assert_eq!(total, (connections * broadcasts) as u64);
    });
    drop(commands);
    let _ = child.kill();
    let _ = child.wait();
}
