//! Operations against real hosts: the log filter at run time (a `guildhall serve` process
//! whose stderr is read, changed through `guildhall admin log-level`), and the graceful
//! drain (an in-process host with a request in flight, an SSE stream and a WebSocket
//! open; a `guildhall serve` process drained by `guildhall admin drain` exits 0).

use crate::common::{client_with, spawn_app_with, EventStream, TempDir, EVENT_WAIT};
use crate::process::{command, start_serve, wait_exit};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::sync::mpsc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn log_level_routes_in_a_process_without_guildhalls_subscriber() {
    // The test process installs no guildhall subscriber: nothing to reload here.
    let app = spawn_app_with(|_| {}).await;
    let url = format!("{}/v1/admin/log-level", app.url);
    let read = app.send(app.client.get(&url)).await;
    assert_eq!(read.ok()["reloadable"], false);
    assert_eq!(read.body["filter"], Value::Null);
    app.send(app.client.put(&url).json(&json!({ "filter": "debug" })))
        .await
        .assert_error(409, "CONFLICT");
    // A bad directive is refused as such, before anything else.
    let bad = app
        .send(
            app.client
                .put(&url)
                .json(&json!({ "filter": "guildhall_core=loud" })),
        )
        .await;
    bad.assert_error(400, "INVALID_ARGUMENT");
    assert_eq!(bad.body["details"]["field"], "filter");
    // Operators only.
    app.send(app.anon.get(&url))
        .await
        .assert_error(401, "UNAUTHENTICATED");
    let key = app
        .server
        .guildhall()
        .create_api_key("reader", &["economy:read".to_string()])
        .await
        .unwrap()
        .key;
    app.send(client_with(&key).post(format!("{}/v1/admin/drain", app.url)))
        .await
        .assert_error(403, "FORBIDDEN");
    app.send(app.anon.get(format!("{}/readyz", app.url)))
        .await
        .ok();
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn websocket(base: &str, key: &str) -> Socket {
    let url = format!("{}/v1/ws?player=p1", base.replacen("http://", "ws://", 1));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut()
        .insert("authorization", format!("Bearer {key}").parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("upgrade");
    let ready = next_text(&mut socket).await.expect("ready frame");
    assert_eq!(ready["type"], "ready");
    socket
}

/// The next text frame as JSON (pings skipped); `None` at a close frame or the end.
async fn next_text(socket: &mut Socket) -> Option<Value> {
    loop {
        match tokio::time::timeout(EVENT_WAIT, socket.next())
            .await
            .ok()??
        {
            Ok(Message::Text(t)) => return Some(serde_json::from_str(t.as_str()).unwrap()),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// Starts a grant whose body comes from `body` and gives its head a second to reach the
/// host, so it counts as in flight.
async fn grant_in_flight<S>(
    url: &str,
    key: &str,
    body: S,
) -> tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>
where
    S: futures::Stream<Item = std::io::Result<String>> + Send + Sync + 'static,
{
    let slow = tokio::spawn(
        client_with(key)
            .post(format!("{url}/v1/players/p1/grant"))
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(body))
            .send(),
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    slow
}

#[tokio::test]
async fn a_drain_refuses_new_requests_finishes_those_in_flight_and_closes_streams() {
    let app = spawn_app_with(|s| s.drain_grace = Duration::from_secs(20)).await;
    let key = app
        .server
        .guildhall()
        .create_api_key("streams", &["admin".to_string()])
        .await
        .unwrap()
        .key;
    let mut sse =
        EventStream::open(client_with(&key).get(format!("{}/v1/players/p1/events", app.url))).await;
    let mut idle_ws = websocket(&app.url, &key).await;
    let mut listening_ws = websocket(&app.url, &key).await;
    listening_ws
        .send(Message::Text(
            json!({"type": "subscribe", "topics": ["player:p1"], "ref": 1})
                .to_string()
                .into(),
        ))
        .await
        .unwrap();
    assert_eq!(
        next_text(&mut listening_ws).await.unwrap()["type"],
        "subscribed"
    );

    // A request in flight: its body's second half is held back until after the drain.
    let (go, gate) = tokio::sync::oneshot::channel::<()>();
    let halves = futures::stream::unfold(Some((0, gate)), |state| async move {
        let (n, gate) = state?;
        match n {
            0 => Some((
                Ok::<_, std::io::Error>(r#"{"currency":"gold","#.to_string()),
                Some((1, gate)),
            )),
            _ => {
                gate.await.ok()?;
                Some((Ok(r#""amount":5}"#.to_string()), None))
            }
        }
    });
    let slow = grant_in_flight(&app.url, &key, halves).await;

    let drained = app
        .send(
            app.client
                .post(format!("{}/v1/admin/drain", app.url))
                .json(&json!({ "grace_secs": 20 })),
        )
        .await;
    assert_eq!(drained.status.as_u16(), 202, "{}", drained.body);
    assert_eq!(drained.body["began"], true);
    assert_eq!(drained.body["grace_secs"], 20);
    assert_eq!(drained.body["by"], "key:tests");
    assert_eq!(
        drained.body["in_flight"], 1,
        "the held request is in flight"
    );
    let again = app
        .send(app.client.post(format!("{}/v1/admin/drain", app.url)))
        .await;
    assert_eq!(again.body["began"], false);

    // New requests: 503 with the reason and a retry hint; health says alive, not ready.
    let refused = app
        .send(app.client.get(format!("{}/v1/players/p1/wallet", app.url)))
        .await;
    refused.assert_error(503, "UNAVAILABLE");
    assert_eq!(refused.body["details"]["reason"], "draining");
    assert_eq!(refused.headers["retry-after"], "1");
    let ready = app.send(app.anon.get(format!("{}/readyz", app.url))).await;
    ready.assert_error(503, "UNAVAILABLE");
    assert_eq!(ready.body["details"]["reason"], "draining");
    app.send(app.anon.get(format!("{}/healthz", app.url)))
        .await
        .ok();

    // The SSE stream is told, then ends (no heartbeat follows).
    let notice = sse
        .event(EVENT_WAIT)
        .await
        .expect("a drain notice on the SSE stream");
    assert_eq!(notice.event.as_deref(), Some("server_draining"));
    assert_eq!(notice.retry.as_deref(), Some("1000"));
    assert!(notice.id.is_none(), "the notice keeps the client's last id");
    let data: Value = serde_json::from_str(&notice.data).unwrap();
    assert_eq!(data["reconnect_after_ms"], 1000);
    assert!(
        sse.frame(Duration::from_secs(3)).await.is_none(),
        "the stream ended"
    );

    // Both WebSockets (one waiting on topics, one with none) get the notice and 1012.
    for ws in [&mut idle_ws, &mut listening_ws] {
        let n = next_text(ws)
            .await
            .expect("a drain notice on the WebSocket");
        assert_eq!(n["type"], "server_draining");
        assert_eq!(n["reconnect_after_ms"], 1000);
        let close = loop {
            match tokio::time::timeout(EVENT_WAIT, ws.next())
                .await
                .expect("a close frame")
            {
                Some(Ok(Message::Close(frame))) => break frame.expect("a close code"),
                Some(Ok(_)) => {}
                other => panic!("no close frame: {other:?}"),
            }
        };
        assert_eq!(u16::from(close.code), 1012);
    }

    // The request in flight gets its answer.
    go.send(()).unwrap();
    let res = slow
        .await
        .unwrap()
        .expect("the request in flight is answered");
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["balance"], 5, "{body}");

    // Then the host stops on its own, and its leases are free for another host at once.
    let gh = app.server.guildhall().clone();
    let url = app.url.clone();
    tokio::time::timeout(Duration::from_secs(15), app.server.shutdown())
        .await
        .expect("the host stops after its work in flight")
        .expect("stops cleanly");
    assert!(
        reqwest::get(format!("{url}/healthz")).await.is_err(),
        "the listener is closed"
    );
    assert!(
        gh.take_lease("webhooks", "another-host", 60).await.unwrap(),
        "the drained host released the webhook lease"
    );
}

#[tokio::test]
async fn a_drain_grace_cuts_work_that_outlives_it() {
    let app = spawn_app_with(|_| {}).await;
    let key = app
        .server
        .guildhall()
        .create_api_key("slow", &["admin".to_string()])
        .await
        .unwrap()
        .key;
    // A body that never completes.
    let (_never, gate) = tokio::sync::oneshot::channel::<()>();
    let stuck = futures::stream::unfold((true, Some(gate)), |(first, gate)| async move {
        if first {
            return Some((
                Ok::<_, std::io::Error>(r#"{"currency":"#.to_string()),
                (false, gate),
            ));
        }
        let _ = gate?.await;
        None
    });
    let slow = grant_in_flight(&app.url, &key, stuck).await;
    let started = std::time::Instant::now();
    let drained = app
        .send(
            app.client
                .post(format!("{}/v1/admin/drain", app.url))
                .json(&json!({ "grace_secs": 1 })),
        )
        .await;
    assert_eq!(drained.status.as_u16(), 202, "{}", drained.body);
    tokio::time::timeout(Duration::from_secs(10), app.server.shutdown())
        .await
        .expect("the grace bounds the stop")
        .expect("stops");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the grace was given"
    );
    // Cut: answered 503 (or its connection closed while its body was being sent).
    let cut = tokio::time::timeout(Duration::from_secs(5), slow)
        .await
        .expect("cut")
        .unwrap();
    if let Ok(res) = cut {
        assert_eq!(res.status().as_u16(), 503, "the stuck request was cut");
    }
}

/// Runs `guildhall ARGS` to completion: exit code, stdout, stderr.
fn cli(dir: &TempDir, args: &[&str]) -> (i32, String, String) {
    let out = command(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Lines of the host's stderr until one contains `needle` (panics after a while).
fn until(rx: &mpsc::Receiver<String>, needle: &str, seen: &mut Vec<String>) -> String {
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no line with `{needle}`; seen: {seen:#?}"));
        seen.push(line.clone());
        if line.contains(needle) {
            return line;
        }
    }
}

#[tokio::test]
async fn a_serve_process_changes_its_log_level_and_drains_through_the_cli() {
    let dir = TempDir::new();
    let db = crate::common::database_url(&dir);
    let (code, key, err) = cli(
        &dir,
        &[
            "keys",
            "create",
            "--database",
            &db,
            "--name",
            "ops",
            "--scope",
            "admin",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let key = key.trim().to_string();
    let (mut child, addr, rx, _) = start_serve(
        &dir,
        &[
            "--listen".as_ref(),
            "127.0.0.1:0".as_ref(),
            "--database".as_ref(),
            db.as_ref(),
            "--drain-grace-secs".as_ref(),
            "5".as_ref(),
        ],
    );
    let url = format!("http://{addr}");
    let admin = |args: &[&str]| {
        let mut all = vec!["admin"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--url", &url, "--api-key", &key]);
        cli(&dir, &all)
    };
    let mut seen = Vec::new();

    // At `info`: a request's response line, but not tower_http's debug "started" line.
    let (code, out, err) = admin(&["log-level"]);
    assert_eq!(
        (code, out.trim()),
        (0, format!("log filter of {url}: info").as_str()),
        "{err}"
    );
    until(&rx, "finished processing request", &mut seen);
    reqwest::get(format!("{url}/healthz")).await.unwrap();
    until(&rx, "finished processing request", &mut seen);
    assert!(
        !seen
            .iter()
            .any(|l| l.contains("started processing request")),
        "{seen:#?}"
    );

    // A bad directive: refused with its code, nothing changes.
    let (code, _, err) = admin(&["log-level", "tower_http=loud"]);
    assert_eq!(code, 2);
    assert!(err.contains("400 INVALID_ARGUMENT"), "{err}");

    // Raised: the debug line appears; the change is logged with who made it.
    let (code, out, err) = admin(&["log-level", "tower_http=debug,info"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("tower_http=debug,info (was info)"), "{out}");
    let changed = until(&rx, "log filter changed", &mut seen);
    assert!(changed.contains("key:ops"), "{changed}");
    reqwest::get(format!("{url}/healthz")).await.unwrap();
    until(&rx, "started processing request", &mut seen);

    // Drained through the CLI: the process exits 0 within the grace.
    let (code, out, err) = admin(&["drain"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("draining (grace 5 s"), "{out}");
    let status = wait_exit(&mut child, Duration::from_secs(15)).expect("exits after the drain");
    assert!(status.success(), "a drained host exits 0, got {status}");
    let rest: Vec<String> = rx.try_iter().collect();
    assert!(
        rest.iter().any(|l| l.contains("guildhall stopped")),
        "{rest:#?}"
    );
}

#[tokio::test]
async fn the_console_operations_page_changes_nothing_without_its_checks_and_drains() {
    use crate::console::{app as console_app, csrf_in, get, key, post, session_of, sign_in};
    let app = console_app().await;
    let (_, admin) = key(&app, "admin").await;
    let cookie = session_of(&sign_in(&app, &admin).await);
    let (status, _, page) = get(&app, "/console/ops", Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(page.contains(r#"href="/console/ops""#), "in the navigation");
    assert!(page.contains("not installed by guildhall"), "{page}");
    assert!(page.contains("serving"), "{page}");
    let csrf = csrf_in(&page);

    // The log filter of this test process cannot be changed: the page says why.
    let (status, _, page) = post(
        &app,
        "/console/ops/log-level",
        &cookie,
        &[("csrf", &csrf), ("filter", "debug")],
    )
    .await;
    assert_eq!(status, 409);
    assert!(page.contains("CONFLICT"), "{page}");

    // No CSRF token, or no confirmation: refused, the host keeps serving.
    let (status, _, _) = post(&app, "/console/ops/drain", &cookie, &[("confirm", "yes")]).await;
    assert_eq!(status, 403);
    let (status, _, page) = post(&app, "/console/ops/drain", &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(status, 400);
    assert!(page.contains("INVALID_ARGUMENT"), "{page}");
    app.send(app.client.get(format!("{}/v1/players/p1/wallet", app.url)))
        .await
        .ok();

    let (status, location, _) = post(
        &app,
        "/console/ops/drain",
        &cookie,
        &[("csrf", &csrf), ("confirm", "yes"), ("grace_secs", "5")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(
        location.starts_with("/console/ops?done=Draining"),
        "{location}"
    );
    // Nothing was in flight: the host stops at once (the API no longer answers 2xx).
    let after = app
        .client
        .get(format!("{}/v1/players/p1/wallet", app.url))
        .send()
        .await;
    assert!(
        after.map_or(true, |r| r.status() == 503),
        "refused or closed"
    );
    tokio::time::timeout(Duration::from_secs(15), app.server.shutdown())
        .await
        .expect("the drained host stops")
        .expect("cleanly");
}
