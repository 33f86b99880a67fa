//! Presence and party routes.

use crate::common::{spawn_app, spawn_app_with};
use serde_json::{json, Value};

#[tokio::test]
async fn sessions_login_heartbeat_logout() {
    let app = spawn_app().await;
    app.get("/v1/players/ann/session")
        .await
        .assert_error(404, "NOT_FOUND");
    app.post("/v1/players/ann/session/heartbeat", json!({}))
        .await
        .assert_error(404, "NOT_FOUND");
    let s = app
        .post(
            "/v1/players/ann/session",
            json!({"lobby": "main", "server": "eu-1"}),
        )
        .await;
    let s = s.ok();
    assert_eq!(s["player"], "ann");
    assert_eq!(s["location"]["lobby"], "main");
    app.post("/v1/players/ben/session", json!({})).await.ok();

    // The room is the room membership, never the caller's claim.
    let hb = app
        .post(
            "/v1/players/ann/session/heartbeat",
            json!({"location": {"server": "eu-2", "room": "r7"}}),
        )
        .await;
    assert_eq!(hb.ok()["location"]["server"], "eu-2");
    assert_eq!(hb.ok()["location"]["room"], Value::Null);
    let room = app
        .post(
            "/v1/rooms",
            json!({"player": "ann", "room_type": "duel", "capacity": 2}),
        )
        .await;
    let room = room.ok()["room"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.get("/v1/players/ann/session").await.ok()["location"]["room"],
        room.as_str()
    );
    let online = app.get("/v1/online").await;
    assert_eq!(online.ok()["count"], 2);

    let out = app.delete("/v1/players/ann/session").await;
    assert_eq!(out.ok(), &json!({"player": "ann", "ended": true}));
    let again = app.delete("/v1/players/ann/session").await;
    assert_eq!(again.ok()["ended"], false);
    assert_eq!(app.get("/v1/online").await.ok()["count"], 1);
    app.post("/v1/players/ann/session", json!({"planet": "x"}))
        .await
        .assert_error(400, "INVALID_ARGUMENT");
}

#[tokio::test]
async fn party_lifecycle_and_errors() {
    let app = spawn_app_with(|s| s.core.party.max_size = 2).await;
    let p = app.post("/v1/parties", json!({"leader": "ann"})).await;
    let party = p.ok().clone();
    let id = party["id"].as_str().unwrap().to_string();
    assert_eq!(party["leader"], "ann");
    assert_eq!(party["open"], false);
    app.post("/v1/parties", json!({"leader": "ann"}))
        .await
        .assert_error(409, "ALREADY_IN_PARTY");

    let url = |action: &str| format!("/v1/parties/{id}/{action}");
    let inv = app
        .post(&url("invites"), json!({"leader": "ann", "player": "ben"}))
        .await;
    assert_eq!(inv.ok()["player"], "ben");
    app.post(&url("invites"), json!({"leader": "ann", "player": "cat"}))
        .await
        .ok();
    // A closed party needs an invite.
    app.post(&url("join"), json!({"player": "dan"}))
        .await
        .assert_error(403, "FORBIDDEN");

    let joined = app.post(&url("accept"), json!({"player": "ben"})).await;
    assert_eq!(joined.ok()["members"].as_array().unwrap().len(), 2);
    // Full at 2.
    app.post(&url("accept"), json!({"player": "cat"}))
        .await
        .assert_error(422, "PARTY_FULL");
    app.post(&url("invites"), json!({"leader": "ann", "player": "dan"}))
        .await
        .assert_error(422, "PARTY_FULL");

    // Leader-only actions.
    app.post(&url("kick"), json!({"leader": "ben", "player": "ann"}))
        .await
        .assert_error(422, "NOT_PARTY_LEADER");
    app.post(&url("disband"), json!({"leader": "ben"}))
        .await
        .assert_error(422, "NOT_PARTY_LEADER");
    // The actor must be in the party of the path.
    app.post(&url("kick"), json!({"leader": "zed", "player": "ben"}))
        .await
        .assert_error(422, "NOT_IN_PARTY");
    app.post(
        "/v1/parties/no-such-party/kick",
        json!({"leader": "ann", "player": "ben"}),
    )
    .await
    .assert_error(404, "NOT_FOUND");

    assert_eq!(app.get("/v1/players/ben/party").await.ok()["id"], id);
    app.get("/v1/players/zed/party")
        .await
        .assert_error(404, "NOT_FOUND");

    let promoted = app
        .post(&url("promote"), json!({"leader": "ann", "player": "ben"}))
        .await;
    assert_eq!(promoted.ok()["leader"], "ben");
    let left = app.post(&url("leave"), json!({"player": "ann"})).await;
    let left = left.ok();
    assert_eq!(left["player"], "ann");
    assert_eq!(left["party"]["members"].as_array().unwrap().len(), 1);
    app.get("/v1/players/ann/party")
        .await
        .assert_error(404, "NOT_FOUND");

    let d = app.post(&url("disband"), json!({"leader": "ben"})).await;
    assert_eq!(d.status.as_u16(), 204);
    app.get(&format!("/v1/parties/{id}"))
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn open_party_join_decline_and_kick() {
    let app = spawn_app().await;
    let id = app
        .post("/v1/parties", json!({"leader": "ann", "open": true}))
        .await
        .ok()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let url = |action: &str| format!("/v1/parties/{id}/{action}");
    let j = app.post(&url("join"), json!({"player": "ben"})).await;
    assert_eq!(j.ok()["members"][1]["player"], "ben");
    app.post(&url("join"), json!({"player": "ben"}))
        .await
        .assert_error(409, "ALREADY_IN_PARTY");

    app.post(&url("invites"), json!({"leader": "ann", "player": "cat"}))
        .await
        .ok();
    let d = app.post(&url("decline"), json!({"player": "cat"})).await;
    assert_eq!(d.status.as_u16(), 204);
    app.post(&url("accept"), json!({"player": "cat"}))
        .await
        .assert_error(404, "NOT_FOUND");

    let k = app
        .post(&url("kick"), json!({"leader": "ann", "player": "ben"}))
        .await;
    assert_eq!(k.ok()["members"].as_array().unwrap().len(), 1);
    let gone = app.post(&url("leave"), json!({"player": "ann"})).await;
    assert!(gone.ok()["party"].is_null(), "the last member left");
    app.get(&format!("/v1/parties/{id}"))
        .await
        .assert_error(404, "NOT_FOUND");
}
