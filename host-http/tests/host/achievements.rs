//! Achievement routes: an operator puts definitions, purchases count in their own
//! commit, a player reads its standing and claims its reward once (a keyed replay
//! answers the stored result), explicit progress is for server keys only, and the
//! events reach the player's stream.

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

async fn as_player(
    app: &TestApp,
    token: &str,
    m: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> crate::common::Res {
    let mut req = client_with(token).request(m, format!("{}{}", app.url, path));
    if let Some(b) = body {
        req = req.json(&b);
    }
    app.send(req).await
}

#[tokio::test]
async fn purchases_count_and_a_player_claims_its_reward_once() {
    let app = spawn_app().await;
    let (token, p) = register(&app, "hunter").await;
    let def = json!({
        "kind": "achievement",
        "title": "Potion collector",
        "goal": 3,
        "counts": { "event": "item_purchased", "filter": { "item_id": "1" }, "amount_field": "quantity" },
        "reward": { "currencies": [{ "currency": "gold", "amount": 250 }], "items": [{ "item_id": "sword", "quantity": 1 }] }
    });
    let put = app
        .put("/v1/admin/achievements/collector", def.clone())
        .await;
    assert_eq!(put.ok()["id"], "collector");
    app.put(
        "/v1/admin/achievements/other",
        json!({ "id": "collector", "kind": "quest", "title": "x", "goal": 1 }),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
    app.put(
        "/v1/admin/achievements/bad",
        json!({ "kind": "quest", "title": "x", "goal": 0 }),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
    // A player reads the definitions but cannot put one.
    let listed = as_player(&app, &token, reqwest::Method::GET, "/v1/achievements", None).await;
    assert_eq!(listed.ok()[0]["title"], "Potion collector");
    as_player(
        &app,
        &token,
        reqwest::Method::PUT,
        "/v1/admin/achievements/mine",
        Some(def),
    )
    .await
    .assert_error(403, "FORBIDDEN");

    let mut stream = app.events(&p, None).await;
    app.grant(&p, 100).await;
    as_player(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/v1/players/{p}/purchases"),
        Some(json!({ "item_id": "1", "quantity": 3 })),
    )
    .await
    .ok();
    let completed = stream.until("achievement_completed").await.json();
    assert_eq!(completed["payload"]["achievement_id"], "collector");

    let mine = as_player(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/v1/players/{p}/achievements"),
        None,
    )
    .await;
    let mine = mine.ok();
    assert_eq!(
        (
            mine[0]["progress"].as_i64(),
            mine[0]["completed_at"].is_string()
        ),
        (Some(3), true)
    );
    assert_eq!(mine[0]["claimed_at"], Value::Null);

    // A player may not advance its own counters; a server key may.
    as_player(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/v1/players/{p}/achievements/collector/progress"),
        Some(json!({})),
    )
    .await
    .assert_error(403, "FORBIDDEN");

    let claim = format!("/v1/players/{p}/achievements/collector/claim");
    let first = app
        .send(
            client_with(&token)
                .post(format!("{}{claim}", app.url))
                .header("Idempotency-Key", "c-1"),
        )
        .await;
    assert_eq!(
        first.ok()["balances"],
        json!([{ "currency": "gold", "amount": 100 - 30 + 250 }])
    );
    let again = app
        .send(
            client_with(&token)
                .post(format!("{}{claim}", app.url))
                .header("Idempotency-Key", "c-1"),
        )
        .await;
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.ok()["transaction_id"], first.ok()["transaction_id"]);
    as_player(&app, &token, reqwest::Method::POST, &claim, None)
        .await
        .assert_error(409, "ALREADY_CLAIMED");
    assert_eq!(app.gold(&p).await, 320);
    let inv = app.get(&format!("/v1/players/{p}/inventory")).await;
    assert!(inv.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["item_id"] == "sword"));
    assert_eq!(app.get("/v1/ledger/verify").await.ok()["ok"], true);
}

#[tokio::test]
async fn explicit_progress_prerequisites_and_errors() {
    let app = spawn_app().await;
    app.put(
        "/v1/admin/achievements/tutorial",
        json!({ "kind": "quest", "title": "Tutorial", "goal": 2 }),
    )
    .await
    .ok();
    app.put("/v1/admin/achievements/veteran",
        json!({ "kind": "achievement", "title": "Veteran", "goal": 1, "prerequisites": ["tutorial"] }))
        .await
        .ok();
    app.put(
        "/v1/admin/achievements/loop",
        json!({ "kind": "achievement", "title": "Loop", "goal": 1, "prerequisites": ["nope"] }),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    let path = "/v1/players/ann/achievements/veteran/progress";
    let locked = app.post(path, json!({})).await;
    locked.assert_error(422, "NOT_COMPLETED");
    assert_eq!(locked.body["details"]["missing"], json!(["tutorial"]));
    let r = app
        .post(
            "/v1/players/ann/achievements/tutorial/progress",
            json!({ "amount": 5, "idempotency_key": "t-1" }),
        )
        .await;
    assert_eq!(
        (r.ok()["added"].as_i64(), r.ok()["progress"].as_i64()),
        (Some(2), Some(2))
    );
    let r = app
        .post(
            "/v1/players/ann/achievements/tutorial/progress",
            json!({ "amount": 5, "idempotency_key": "t-1" }),
        )
        .await;
    assert_eq!(r.headers["idempotent-replayed"], "true");
    app.post(
        "/v1/players/ann/achievements/tutorial/progress",
        json!({ "amount": 0 }),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
    app.post("/v1/players/ann/achievements/missing/progress", json!({}))
        .await
        .assert_error(404, "NOT_FOUND");
    let one = app.get("/v1/players/ann/achievements/veteran").await;
    assert_eq!(
        (
            one.ok()["unlocked"].as_bool(),
            one.ok()["progress"].as_i64()
        ),
        (Some(true), Some(0))
    );
    app.post("/v1/players/ann/achievements/veteran/claim", json!({}))
        .await
        .assert_error(422, "NOT_COMPLETED");
    app.delete("/v1/admin/achievements/tutorial")
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    assert_eq!(
        app.delete("/v1/admin/achievements/veteran").await.ok()["id"],
        "veteran"
    );
    app.get("/v1/achievements/veteran")
        .await
        .assert_error(404, "NOT_FOUND");
}
