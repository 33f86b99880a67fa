//! The per-player server-sent-events stream: live delivery, resume, heartbeats, shutdown.

use crate::common::{spawn_app, EventStream, EVENT_WAIT};
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn stream_carries_the_players_grant_and_mail() {
    let app = spawn_app().await;
    let mut erin = app.events("erin", None).await;

    app.grant("frank", 7).await; // someone else's: not on erin's stream
    app.grant("erin", 10).await;
    app.post(
        "/v1/mail",
        json!({"from": {"kind": "system"}, "to": "erin", "subject": "Welcome"}),
    )
    .await
    .ok();

    let g = EventStream::expect_kind(erin.event(EVENT_WAIT).await, "currency_granted");
    let data = g.json();
    assert_eq!(data["kind"], "currency_granted");
    assert_eq!(data["players"], json!(["erin"]));
    assert_eq!(data["seq"].as_i64().unwrap(), g.seq());
    let m = EventStream::expect_kind(erin.event(EVENT_WAIT).await, "mail_received");
    assert!(m.seq() > g.seq());
    assert_eq!(m.json()["payload"]["subject"], "Welcome");

    // An announcement fired for the player arrives too.
    app.put("/v1/templates/hello", json!({"body": "Hello!"}))
        .await
        .ok();
    app.put(
        "/v1/triggers/hello",
        json!({"event": "login", "template_id": "hello", "audience": "player", "kind": "chat", "cap": {"every": "unlimited"}}),
    )
    .await
    .ok();
    app.post("/v1/players/erin/events/fire", json!({"event": "login"}))
        .await
        .ok();
    let a = EventStream::expect_kind(erin.event(EVENT_WAIT).await, "announcement");
    assert!(a.seq() > m.seq());
}

#[tokio::test]
async fn last_event_id_resumes_with_only_later_events() {
    let app = spawn_app().await;
    let mut first = app.events("gina", None).await;
    app.grant("gina", 1).await;
    let a = EventStream::expect_kind(first.event(EVENT_WAIT).await, "currency_granted");
    drop(first);

    // While disconnected.
    app.grant("gina", 2).await;
    app.grant("gina", 3).await;

    let mut resumed = app.events("gina", Some(a.seq())).await;
    let b = EventStream::expect_kind(resumed.event(EVENT_WAIT).await, "currency_granted");
    let c = EventStream::expect_kind(resumed.event(EVENT_WAIT).await, "currency_granted");
    assert_eq!(b.json()["payload"]["amount"], 2, "{:?}", b);
    assert_eq!(c.json()["payload"]["amount"], 3);
    assert!(a.seq() < b.seq() && b.seq() < c.seq());

    // Then live, without repeating anything.
    app.grant("gina", 4).await;
    let d = EventStream::expect_kind(resumed.event(EVENT_WAIT).await, "currency_granted");
    assert_eq!(d.json()["payload"]["amount"], 4);
    assert!(d.seq() > c.seq());

    // `?after=` does the same as the header.
    let mut by_query = EventStream::open(app.req(
        Method::GET,
        &format!("/v1/players/gina/events?after={}", c.seq()),
    ))
    .await;
    let e = EventStream::expect_kind(by_query.event(EVENT_WAIT).await, "currency_granted");
    assert_eq!(e.seq(), d.seq());

    // Bad cursors are 400.
    let bad = app
        .send(
            app.req(Method::GET, "/v1/players/gina/events")
                .header("Last-Event-ID", "abc"),
        )
        .await;
    bad.assert_error(400, "INVALID_ARGUMENT");
}

#[tokio::test]
async fn idle_stream_sends_heartbeats_and_ends_at_shutdown() {
    let app = spawn_app().await;
    let mut s = app.events("hank", None).await;
    let f = s
        .frame(Duration::from_secs(5))
        .await
        .expect("a heartbeat within the interval");
    assert_eq!(f.comment.as_deref(), Some("heartbeat"), "{f:?}");

    // Shutdown does not wait for the open stream.
    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(10), app.server.shutdown())
        .await
        .expect("shutdown completes with a stream open")
        .expect("clean shutdown");
    assert!(started.elapsed() < Duration::from_secs(10));
    // The stream is told the host drains, then ends.
    let mut told = false;
    loop {
        match s.frame(Duration::from_secs(5)).await {
            Some(f) if f.comment.is_some() => continue,
            Some(f) if f.event.as_deref() == Some("server_draining") && !told => told = true,
            None => break,
            Some(f) => panic!("unexpected frame {f:?}"),
        }
    }
    assert!(told, "a server_draining event before the end");
}

#[tokio::test]
async fn scheduler_pushes_lobby_and_scheduled_announcements() {
    let app = crate::common::spawn_app_with(|s| {
        s.schedule.lobby_interval = Duration::from_secs(1);
    })
    .await;
    app.post("/v1/players/ivy/session", json!({"lobby": "main"}))
        .await
        .ok();
    let mut ivy = app.events("ivy", None).await;
    app.put("/v1/templates/motd", json!({"body": "Welcome to {lobby}"}))
        .await
        .ok();
    app.put(
        "/v1/triggers/lobby-motd",
        json!({"event": "online", "template_id": "motd", "variables": {"lobby": "the main lobby"},
               "audience": "lobby", "kind": "marquee", "cap": {"every": "once"}}),
    )
    .await
    .ok();
    let pushed = ivy.until("announcement").await;
    assert_eq!(
        pushed.json()["payload"]["message"]["text"],
        "Welcome to the main lobby",
        "{}",
        pushed.data
    );

    let past = (chrono::Utc::now() - chrono::Duration::seconds(1)).to_rfc3339();
    app.put(
        "/v1/triggers/maintenance",
        json!({"event": "scheduled", "template_id": "motd", "variables": {"lobby": "maintenance at 3:00"},
               "audience": "player", "kind": "announcement", "cap": {"every": "once"}, "send_at": past}),
    )
    .await
    .ok();
    let scheduled = ivy.until("announcement").await;
    assert_eq!(
        scheduled.json()["payload"]["scheduled"],
        true,
        "{}",
        scheduled.data
    );
    let t = app.get("/v1/triggers/maintenance").await;
    assert!(t.ok()["sent_at"].is_string(), "sent once and marked");
}
