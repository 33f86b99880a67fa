//! Loot routes: an operator puts tables (a cycle refused with its ids), a server key
//! with the `loot` scope rolls for a player (a keyed replay answers the stored result;
//! the player's own token may not roll), an operator replays a result without granting,
//! and a party roll is chosen by the members' own tokens, resolved by the last choice.

use crate::common::{client_with, spawn_app, TestApp};
use guildhall_core::types::PlayerId;
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

async fn send(
    app: &TestApp,
    client: &reqwest::Client,
    m: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> crate::common::Res {
    let mut req = client.request(m, format!("{}{}", app.url, path));
    if let Some(b) = body {
        req = req.json(&b);
    }
    app.send(req).await
}

#[tokio::test]
async fn operators_put_tables_servers_roll_and_replays_grant_nothing() {
    let app = spawn_app().await;
    let (token, p) = register(&app, "looter").await;
    let player = client_with(&token);
    let key = app
        .server
        .guildhall()
        .create_api_key("game server", &["loot".to_string()])
        .await
        .unwrap()
        .key;
    let server = client_with(&key);

    app.put(
        "/v1/admin/loot/tables/gems",
        json!({ "rolls": 1, "entries": [{ "currency": "gems", "min": 1, "max": 3 }] }),
    )
    .await
    .ok();
    let boss = json!({ "rolls": 2, "entries": [
        { "currency": "gold", "min": 10, "max": 20, "guaranteed": true, "weight": 0 },
        { "item": "1", "min": 1, "max": 2, "weight": 3 },
        { "table": "gems", "weight": 1 }
    ]});
    assert_eq!(
        app.put("/v1/admin/loot/tables/boss", boss.clone())
            .await
            .ok()["id"],
        "boss"
    );
    // A cycle is refused, naming it; nothing stored.
    let cycle = app
        .put(
            "/v1/admin/loot/tables/gems",
            json!({ "rolls": 1, "entries": [{ "table": "boss" }] }),
        )
        .await;
    cycle.assert_error(400, "INVALID_ARGUMENT");
    assert_eq!(
        cycle.body["details"]["cycle"],
        json!(["gems", "boss", "gems"])
    );
    assert_eq!(
        app.get("/v1/admin/loot/tables/gems").await.ok()["entries"][0]["currency"],
        "gems"
    );
    app.put(
        "/v1/admin/loot/tables/bad",
        json!({ "entries": [{ "item": "nope" }] }),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    assert_eq!(
        app.get("/v1/admin/loot/tables")
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Neither a player nor a narrow key puts tables; a player may not roll for itself.
    send(
        &app,
        &player,
        reqwest::Method::PUT,
        "/v1/admin/loot/tables/mine",
        Some(boss.clone()),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    send(
        &app,
        &server,
        reqwest::Method::PUT,
        "/v1/admin/loot/tables/mine",
        Some(boss),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    let path = format!("/v1/players/{p}/loot");
    send(
        &app,
        &player,
        reqwest::Method::POST,
        &path,
        Some(json!({ "table_id": "boss" })),
    )
    .await
    .assert_error(403, "FORBIDDEN");

    let body = json!({ "table_id": "boss", "idempotency_key": "kill-1" });
    let first = send(
        &app,
        &server,
        reqwest::Method::POST,
        &path,
        Some(body.clone()),
    )
    .await;
    let first = first.ok().clone();
    let again = send(&app, &server, reqwest::Method::POST, &path, Some(body)).await;
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.ok()["id"], first["id"]);
    let gold: i64 = first["drops"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["id"] == "gold")
        .map(|d| d["granted"].as_i64().unwrap())
        .sum();
    assert!(gold >= 10);
    assert_eq!(app.gold(&p).await, gold);
    send(
        &app,
        &server,
        reqwest::Method::POST,
        &path,
        Some(json!({ "table_id": "nope" })),
    )
    .await
    .assert_error(404, "NOT_FOUND");

    // The operator reads the result and replays it: the same drops, nothing granted.
    let id = first["id"].as_str().unwrap();
    let stored = app.get(&format!("/v1/admin/loot/results/{id}")).await;
    assert_eq!(stored.ok()["seed"], first["seed"]);
    let replay = app
        .post("/v1/admin/loot/replay", json!({ "result_id": id }))
        .await;
    assert_eq!(replay.ok()["matches"], true);
    let by_seed = app
        .post(
            "/v1/admin/loot/replay",
            json!({ "table_id": "boss", "seed": first["seed"] }),
        )
        .await;
    assert_eq!(
        by_seed.ok()["drops"].as_array().unwrap().len(),
        first["drops"].as_array().unwrap().len()
    );
    app.post(
        "/v1/admin/loot/replay",
        json!({ "table_id": "boss", "seed": -1 }),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
    send(
        &app,
        &server,
        reqwest::Method::POST,
        "/v1/admin/loot/replay",
        Some(json!({ "result_id": id })),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    assert_eq!(app.gold(&p).await, gold);
    assert_eq!(app.get("/v1/ledger/verify").await.ok()["ok"], true);
}

#[tokio::test]
async fn party_members_choose_with_their_own_tokens() {
    let app = spawn_app().await;
    let (ta, a) = register(&app, "alice").await;
    let (tb, b) = register(&app, "bob").await;
    let gh = app.server.guildhall();
    let party = gh
        .create_party(&PlayerId::new(a.clone()).unwrap(), true)
        .await
        .unwrap();
    gh.join_party(&PlayerId::new(b.clone()).unwrap(), &party.id)
        .await
        .unwrap();
    app.put(
        "/v1/admin/loot/tables/chest",
        json!({ "rolls": 0, "entries": [{ "item": "sword", "guaranteed": true }] }),
    )
    .await
    .ok();
    let r = app
        .post(
            &format!("/v1/players/{a}/loot"),
            json!({ "table_id": "chest", "party": true }),
        )
        .await;
    let roll_id = r.ok()["drops"][0]["roll_id"].as_str().unwrap().to_string();
    assert_eq!(r.ok()["drops"][0]["status"], "party_roll");

    let alice = client_with(&ta);
    let bob = client_with(&tb);
    // Bob may not choose for Alice.
    send(
        &app,
        &bob,
        reqwest::Method::POST,
        &format!("/v1/players/{a}/loot/rolls/{roll_id}"),
        Some(json!({ "choice": "need" })),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    let open = send(
        &app,
        &alice,
        reqwest::Method::POST,
        &format!("/v1/players/{a}/loot/rolls/{roll_id}"),
        Some(json!({ "choice": "greed" })),
    )
    .await;
    assert_eq!(open.ok()["roll"]["status"], "open");
    send(
        &app,
        &alice,
        reqwest::Method::POST,
        &format!("/v1/players/{a}/loot/rolls/{roll_id}"),
        Some(json!({ "choice": "maybe" })),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
    let done = send(
        &app,
        &bob,
        reqwest::Method::POST,
        &format!("/v1/players/{b}/loot/rolls/{roll_id}"),
        Some(json!({ "choice": "need" })),
    )
    .await;
    assert_eq!(done.ok()["roll"]["status"], "resolved");
    assert_eq!(done.ok()["roll"]["winner"], json!(b));
    let read = send(
        &app,
        &alice,
        reqwest::Method::GET,
        &format!("/v1/loot/rolls/{roll_id}"),
        None,
    )
    .await;
    assert_eq!(read.ok()["winning_choice"], "need");
    let inv = app.get(&format!("/v1/players/{b}/inventory")).await;
    assert!(inv.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["item_id"] == "sword"));
    // Nothing due: the resolver route resolves nothing.
    assert_eq!(
        app.post("/v1/admin/loot/resolve", json!({})).await.ok(),
        &json!([])
    );
}

#[tokio::test]
async fn the_scheduler_resolves_a_party_roll_when_its_window_ends() {
    let app = crate::common::spawn_app_with(|s| s.core.loot.roll_window_secs = 1).await;
    let gh = app.server.guildhall();
    let party = gh
        .create_party(&PlayerId::new("ann").unwrap(), true)
        .await
        .unwrap();
    gh.join_party(&PlayerId::new("bo").unwrap(), &party.id)
        .await
        .unwrap();
    app.put(
        "/v1/admin/loot/tables/chest",
        json!({ "rolls": 0, "entries": [{ "item": "relic", "guaranteed": true }] }),
    )
    .await
    .ok();
    let r = app
        .post(
            "/v1/players/ann/loot",
            json!({ "table_id": "chest", "party": true }),
        )
        .await;
    let roll_id = r.ok()["drops"][0]["roll_id"].as_str().unwrap().to_string();
    // Only bo chooses (greed); ann never does and passes when the window ends.
    app.post(
        &format!("/v1/players/bo/loot/rolls/{roll_id}"),
        json!({ "choice": "greed" }),
    )
    .await
    .ok();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let roll = app.get(&format!("/v1/loot/rolls/{roll_id}")).await;
        if roll.ok()["status"] == "resolved" {
            assert_eq!(roll.ok()["winner"], "bo");
            assert_eq!(roll.ok()["members"][0]["choice"], Value::Null);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not resolved: {}",
            roll.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let inv = app.get("/v1/players/bo/inventory").await;
    assert!(inv.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["item_id"] == "relic"));
}
