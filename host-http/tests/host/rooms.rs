//! Room routes: a player's token creates a room (and is in it), another player's token
//! enters it for itself only, a full room answers `ROOM_FULL`, entering another room
//! leaves the first, the session shows the room, the lobby view lists rooms and players
//! and its push lands on the player's event stream; operators read the log, destroy and
//! sweep; a player's token cannot.

use crate::common::{client_with, spawn_app, Res, TestApp};
use serde_json::{json, Value};

async fn register(app: &TestApp, name: &str) -> (reqwest::Client, String) {
    let r = app
        .send(
            app.anon
                .post(format!("{}/v1/auth/register", app.url))
                .json(&json!({ "username": name, "password": "correct horse battery" })),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    (
        client_with(r.body["access_token"].as_str().unwrap()),
        r.body["account"]["player"].as_str().unwrap().to_string(),
    )
}

async fn call(
    app: &TestApp,
    c: &reqwest::Client,
    m: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Res {
    let mut req = c.request(m, format!("{}{}", app.url, path));
    if let Some(b) = body {
        req = req.json(&b);
    }
    app.send(req).await
}

#[tokio::test]
async fn players_create_enter_and_leave_rooms_and_operators_keep_the_log() {
    let app = spawn_app().await;
    let (ann, a) = register(&app, "ann").await;
    let (bob, b) = register(&app, "bob").await;
    let (cat, c) = register(&app, "cat").await;
    use reqwest::Method as M;

    // ann's token creates a room for itself (player left out: the token's).
    let r = call(&app, &ann, M::POST, "/v1/rooms",
        Some(json!({ "room_type": "duel", "capacity": 2, "metadata": { "map": "dust" }, "server": "10.0.0.5:22005" }))).await;
    let room = r.ok()["room"].clone();
    let id = room["id"].as_str().unwrap().to_string();
    assert_eq!(room["owner"], a.as_str());
    assert_eq!(room["players"][0]["player"], a.as_str());
    assert_eq!(room["version"], 1);

    // bob may not enter for ann, nor create for her; enters for himself.
    call(
        &app,
        &bob,
        M::POST,
        &format!("/v1/rooms/{id}/enter"),
        Some(json!({ "player": a })),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    call(
        &app,
        &bob,
        M::POST,
        "/v1/rooms",
        Some(json!({ "player": a, "room_type": "x", "capacity": 2 })),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    let r = call(
        &app,
        &bob,
        M::POST,
        &format!("/v1/rooms/{id}/enter"),
        Some(json!({ "player": b })),
    )
    .await;
    assert_eq!(r.ok()["room"]["players"].as_array().unwrap().len(), 2);
    call(
        &app,
        &cat,
        M::POST,
        &format!("/v1/rooms/{id}/enter"),
        Some(json!({ "player": c })),
    )
    .await
    .assert_error(422, "ROOM_FULL");

    // Reads: the room, the player's own room, the session's room.
    let r = call(&app, &cat, M::GET, &format!("/v1/rooms/{id}"), None).await;
    assert_eq!(r.ok()["capacity"], 2);
    let r = call(&app, &bob, M::GET, &format!("/v1/players/{b}/room"), None).await;
    assert_eq!(r.ok()["id"], id.as_str());
    call(&app, &bob, M::GET, &format!("/v1/players/{a}/room"), None)
        .await
        .assert_error(403, "FORBIDDEN");
    call(&app, &cat, M::GET, &format!("/v1/players/{c}/room"), None)
        .await
        .assert_error(404, "NOT_FOUND");
    let r = call(
        &app,
        &bob,
        M::POST,
        &format!("/v1/players/{b}/session"),
        Some(json!({ "lobby": "main", "room": "elsewhere" })),
    )
    .await;
    assert_eq!(r.ok()["location"]["room"], id.as_str());
    let r = call(
        &app,
        &cat,
        M::POST,
        &format!("/v1/players/{c}/session"),
        Some(json!({ "lobby": "main" })),
    )
    .await;
    assert_eq!(r.ok()["location"]["room"], Value::Null);

    // The lobby view: the room with its count and server, the online players.
    let r = call(&app, &cat, M::GET, "/v1/lobby", None).await;
    let view = r.ok();
    assert_eq!(view["rooms"][0]["id"], id.as_str());
    assert_eq!(view["rooms"][0]["players"], 2);
    assert_eq!(view["rooms"][0]["server"], "10.0.0.5:22005");
    assert_eq!(view["online_count"], 2);
    // A push on request goes to the caller's stream.
    let r = call(&app, &cat, M::POST, "/v1/lobby/push", None).await;
    assert_eq!(r.ok()["recipients"], 1);
    let r = call(
        &app,
        &cat,
        M::POST,
        "/v1/lobby/push",
        Some(json!({ "player": a })),
    )
    .await;
    r.assert_error(403, "FORBIDDEN");
    let events = app.get("/v1/events?after=0&limit=1000").await;
    let pushed: Vec<&Value> = events.ok()["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "lobby_view")
        .collect();
    assert_eq!(pushed.len(), 1);
    assert_eq!(pushed[0]["players"], json!([c]));

    // bob creates another room: he leaves the first in the same commit.
    let r = call(
        &app,
        &bob,
        M::POST,
        "/v1/rooms",
        Some(json!({ "room_type": "ffa", "capacity": 8 })),
    )
    .await;
    assert_eq!(r.ok()["left_room"], id.as_str());
    let second = r.ok()["room"]["id"].as_str().unwrap().to_string();
    call(
        &app,
        &ann,
        M::POST,
        &format!("/v1/rooms/{second}/leave"),
        Some(json!({ "player": a })),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    let r = call(
        &app,
        &ann,
        M::POST,
        &format!("/v1/rooms/{id}/leave"),
        Some(json!({ "player": a })),
    )
    .await;
    assert_eq!(r.ok()["left_room"], id.as_str());
    let r = call(&app, &cat, M::GET, "/v1/rooms", None).await;
    assert_eq!(r.ok().as_array().unwrap().len(), 2);

    // Operators: destroy, log, sweep; a player's token may not.
    call(
        &app,
        &ann,
        M::POST,
        &format!("/v1/admin/rooms/{second}/destroy"),
        None,
    )
    .await
    .assert_error(403, "FORBIDDEN");
    call(
        &app,
        &ann,
        M::GET,
        &format!("/v1/admin/rooms/{id}/log"),
        None,
    )
    .await
    .assert_error(403, "FORBIDDEN");
    let r = app
        .post(&format!("/v1/admin/rooms/{second}/destroy"), json!({}))
        .await;
    assert_eq!(r.ok()["room"]["players"][0]["player"], b.as_str());
    let r = call(&app, &bob, M::GET, &format!("/v1/players/{b}/room"), None).await;
    r.assert_error(404, "NOT_FOUND");
    let r = app.get(&format!("/v1/admin/rooms/{id}/log?limit=2")).await;
    let page = r.ok().clone();
    assert_eq!(page["entries"][0]["action"], "created");
    assert_eq!(page["entries"][1]["action"], "entered");
    let after = page["next_cursor"].as_str().unwrap();
    let r = app
        .get(&format!("/v1/admin/rooms/{id}/log?after={after}&limit=50"))
        .await;
    let actions: Vec<&str> = r.ok()["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["entered", "left", "left"]);
    let r = app.post("/v1/admin/rooms/sweep", json!({})).await;
    assert_eq!(r.ok()["destroyed"], 0);
    app.get("/v1/admin/rooms/nope/log")
        .await
        .assert_error(404, "NOT_FOUND");
}

/// The scheduler destroys an idle room and pushes the lobby view to a lobby player, once
/// while nothing changes.
#[tokio::test]
async fn the_scheduler_sweeps_idle_rooms_and_pushes_the_lobby_view() {
    let app = crate::common::spawn_app_with(|s| {
        s.core.rooms.idle_destroy_secs = 1;
        s.core.rooms.lobby_push_secs = 1;
    })
    .await;
    let r = app
        .post("/v1/rooms", json!({ "room_type": "duel", "capacity": 2 }))
        .await;
    let id = r.ok()["room"]["id"].as_str().unwrap().to_string();
    app.post("/v1/players/lou/session", json!({ "lobby": "main" }))
        .await
        .ok();
    let mut gone = false;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let events = app.get("/v1/events?after=0&limit=1000").await;
        let kinds: Vec<String> = events.ok()["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect();
        if kinds.iter().any(|k| k == "room_destroyed") && kinds.iter().any(|k| k == "lobby_view") {
            gone = true;
            break;
        }
    }
    assert!(
        gone,
        "the sweep destroyed the room and the lobby view was pushed"
    );
    app.get(&format!("/v1/rooms/{id}"))
        .await
        .assert_error(404, "NOT_FOUND");
    let log = app.get(&format!("/v1/admin/rooms/{id}/log")).await;
    let last = log.ok()["entries"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["action"].as_str(), last["reason"].as_str()),
        (Some("destroyed"), Some("idle"))
    );
    // Nothing changes now: after a few more intervals, at most one more push (the view
    // without the room), then none.
    let count = |v: &Value| {
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "lobby_view")
            .count()
    };
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let settled = count(app.get("/v1/events?after=0&limit=1000").await.ok());
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let later = count(app.get("/v1/events?after=0&limit=1000").await.ok());
    assert_eq!(later, settled, "an unchanged view is not pushed again");
    assert!(later <= 3, "{later} pushes");
}
