//! Friend and block routes: requests, accept, decline, removal, the block and what it
//! refuses (requests, party invites, player mail), presence in the friend list, keyed
//! replays, and a player's token reaching only its own friends.

use crate::common::{client_with, spawn_app, TestApp};
use serde_json::{json, Value};

async fn register(app: &TestApp, name: &str) -> (String, String) {
    let r = app
        .send(
            app.anon
                .post(format!("{}/v1/auth/register", app.url))
                .json(&json!({ "username": name, "password": "correct horse battery" })),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    (
        r.body["access_token"].as_str().unwrap().to_string(),
        r.body["account"]["player"].as_str().unwrap().to_string(),
    )
}

fn players(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|f| f["player"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn friend_requests_accept_decline_remove_and_presence() {
    let app = spawn_app().await;
    let r = app
        .post("/v1/players/ann/friend-requests", json!({"to": "ben"}))
        .await;
    let r = r.ok();
    assert_eq!(
        (r["friends"].as_bool(), r["requested"].as_bool()),
        (Some(false), Some(true))
    );
    let reqs = app.get("/v1/players/ben/friend-requests").await;
    assert_eq!(reqs.ok()["incoming"][0]["player"], "ann");
    assert_eq!(
        app.get("/v1/players/ann/friend-requests").await.ok()["outgoing"][0]["player"],
        "ben"
    );
    app.post("/v1/players/ann/friend-requests", json!({"to": "ann"}))
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    app.post("/v1/players/ann/friend-requests/ben/accept", json!({}))
        .await
        .assert_error(404, "NOT_FOUND");

    let acc = app
        .post("/v1/players/ben/friend-requests/ann/accept", json!({}))
        .await;
    assert_eq!(acc.ok()["friends"], true);
    assert!(acc.ok()["since"].is_string());
    app.post("/v1/players/ann/friend-requests", json!({"to": "ben"}))
        .await
        .assert_error(409, "ALREADY_FRIENDS");

    // Presence: ben logs in somewhere.
    app.post("/v1/players/ben/session", json!({"lobby": "main"}))
        .await
        .ok();
    let list = app.get("/v1/players/ann/friends").await;
    let list = list.ok();
    assert_eq!(players(list), ["ben"]);
    assert_eq!(list[0]["online"], true);
    assert_eq!(list[0]["location"]["lobby"], "main");
    let list = app.get("/v1/players/ben/friends").await;
    assert_eq!(list.ok()[0]["online"], false);

    // Decline by the addressee; cancel by the sender.
    app.post("/v1/players/cat/friend-requests", json!({"to": "ann"}))
        .await
        .ok();
    app.post("/v1/players/ann/friend-requests/cat/decline", json!({}))
        .await
        .ok();
    app.post("/v1/players/ann/friend-requests", json!({"to": "dan"}))
        .await
        .ok();
    app.post("/v1/players/ann/friend-requests/dan/decline", json!({}))
        .await
        .ok();
    let reqs = app.get("/v1/players/ann/friend-requests").await;
    assert_eq!(reqs.ok(), &json!({"incoming": [], "outgoing": []}));

    let rm = app.delete("/v1/players/ben/friends/ann").await;
    assert_eq!(rm.ok()["friends"], false);
    assert_eq!(app.get("/v1/players/ann/friends").await.ok(), &json!([]));
    app.delete("/v1/players/ben/friends/ann")
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn a_block_cuts_friendship_and_refuses_requests_invites_and_mail() {
    let app = spawn_app().await;
    app.post("/v1/players/ann/friend-requests", json!({"to": "ben"}))
        .await
        .ok();
    app.post("/v1/players/ben/friend-requests", json!({"to": "ann"}))
        .await
        .ok();
    assert_eq!(
        players(app.get("/v1/players/ann/friends").await.ok()),
        ["ben"]
    );

    let b = app.put("/v1/players/ann/blocks/ben", json!({})).await;
    let b = b.ok();
    assert_eq!(
        (b["changed"].as_bool(), b["unfriended"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(
        app.get("/v1/players/ann/blocks").await.ok(),
        &json!(["ben"])
    );
    assert_eq!(app.get("/v1/players/ben/friends").await.ok(), &json!([]));

    app.post("/v1/players/ben/friend-requests", json!({"to": "ann"}))
        .await
        .assert_error(422, "BLOCKED");
    app.post(
        "/v1/players/ben/mail",
        json!({"to": "ann", "subject": "hi"}),
    )
    .await
    .assert_error(422, "BLOCKED");
    let party = app.post("/v1/parties", json!({"leader": "ben"})).await;
    let id = party.ok()["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/v1/parties/{id}/invites"),
        json!({"leader": "ben", "player": "ann"}),
    )
    .await
    .assert_error(422, "BLOCKED");
    assert_eq!(
        app.get("/v1/players/ann/mail").await.ok()["mails"],
        json!([])
    );

    let u = app.delete("/v1/players/ann/blocks/ben").await;
    assert_eq!(u.ok()["changed"], true);
    assert_eq!(app.get("/v1/players/ann/blocks").await.ok(), &json!([]));
    app.post(
        "/v1/players/ben/mail",
        json!({"to": "ann", "subject": "hi"}),
    )
    .await
    .ok();
}

#[tokio::test]
async fn keyed_requests_replay_and_players_reach_only_their_own() {
    let app = spawn_app().await;
    let body = json!({"to": "ben", "idempotency_key": "fr-1"});
    let first = app
        .post("/v1/players/ann/friend-requests", body.clone())
        .await;
    assert_eq!(first.ok()["replayed"], false);
    let again = app.post("/v1/players/ann/friend-requests", body).await;
    assert_eq!(again.ok()["replayed"], true);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    app.post(
        "/v1/players/ann/friend-requests",
        json!({"to": "cat", "idempotency_key": "fr-1"}),
    )
    .await
    .assert_error(409, "IDEMPOTENCY_CONFLICT");

    let (token, me) = register(&app, "zoe").await;
    let zoe = client_with(&token);
    let mine = app
        .send(
            zoe.post(format!("{}/v1/players/{me}/friend-requests", app.url))
                .json(&json!({"to": "ann"})),
        )
        .await;
    assert_eq!(mine.ok()["requested"], true);
    for (m, path) in [
        ("GET", "/v1/players/ann/friends".to_string()),
        ("PUT", "/v1/players/ann/blocks/zoe".to_string()),
        (
            "POST",
            "/v1/players/ann/friend-requests/ben/accept".to_string(),
        ),
    ] {
        let req = zoe
            .request(m.parse().unwrap(), format!("{}{}", app.url, path))
            .json(&json!({}));
        app.send(req).await.assert_error(403, "FORBIDDEN");
    }
    let list = app.get("/v1/players/ann/friend-requests").await;
    assert_eq!(list.ok()["incoming"].as_array().unwrap().len(), 1);
}
