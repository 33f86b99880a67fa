//! Characters over a real listening server: an account's token acts for its live
//! characters (wallet, bank, equipment) and not for another account's or a deleted
//! one; selecting a character answers a token acting as that character; a key acts for
//! a character like any player; the lifecycle's codes and statuses.

use crate::common::{client_with, spawn_app, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

struct Account {
    id: String,
    client: reqwest::Client,
}

async fn register(app: &TestApp, name: &str) -> Account {
    let r = app
        .send(
            app.anon
                .post(format!("{}/v1/auth/register", app.url))
                .json(&json!({ "username": name, "password": "correct horse battery" })),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    Account {
        id: r.body["account"]["player"].as_str().unwrap().into(),
        client: client_with(r.body["access_token"].as_str().unwrap()),
    }
}

async fn call(
    app: &TestApp,
    client: &reqwest::Client,
    m: Method,
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
async fn an_accounts_token_acts_for_its_live_characters_only() {
    let app = spawn_app().await;
    let ann = register(&app, "ann").await;
    let ben = register(&app, "ben").await;
    let chars = format!("/v1/players/{}/characters", ann.id);
    let c = call(
        &app,
        &ann.client,
        Method::POST,
        &chars,
        Some(json!({"name": "Legolas"})),
    )
    .await;
    let hero = c.ok()["character"]["id"].as_str().unwrap().to_string();
    assert_eq!(c.body["character"]["account"], ann.id.as_str());
    let c2 = call(
        &app,
        &ann.client,
        Method::POST,
        &chars,
        Some(json!({"name": "Gimli"})),
    )
    .await;
    let second = c2.ok()["character"]["id"].as_str().unwrap().to_string();
    call(
        &app,
        &ben.client,
        Method::POST,
        &format!("/v1/players/{}/characters", ben.id),
        Some(json!({"name": "LEGOLAS"})),
    )
    .await
    .assert_error(409, "NAME_TAKEN");
    // Another account's token cannot create or list the account's characters.
    call(&app, &ben.client, Method::GET, &chars, None)
        .await
        .assert_error(403, "FORBIDDEN");

    // A key acts for a character like for any player.
    let granted = app.grant(&hero, 100).await;
    assert_eq!(granted["balance"], 100, "{granted}");
    let wallet = format!("/v1/players/{hero}/wallet");
    // The account's token reaches its character's wallet, bank and equipment.
    let w = call(&app, &ann.client, Method::GET, &wallet, None).await;
    assert_eq!(w.ok()["balances"][0]["amount"], 100);
    let d = call(
        &app,
        &ann.client,
        Method::POST,
        &format!("/v1/players/{hero}/bank/deposit"),
        Some(json!({"currency": "gold", "amount": 40, "idempotency_key": "d-1"})),
    )
    .await;
    assert_eq!(d.ok()["bank_balance"], 40);
    let again = call(
        &app,
        &ann.client,
        Method::POST,
        &format!("/v1/players/{hero}/bank/deposit"),
        Some(json!({"currency": "gold", "amount": 40, "idempotency_key": "d-1"})),
    )
    .await;
    assert_eq!(again.ok()["replayed"], true);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    let w = call(
        &app,
        &ann.client,
        Method::POST,
        &format!("/v1/players/{second}/bank/withdraw"),
        Some(json!({"currency": "gold", "amount": 15})),
    )
    .await;
    assert_eq!(w.ok()["character_balance"], 15);
    call(
        &app,
        &ann.client,
        Method::POST,
        &format!("/v1/players/{second}/bank/withdraw"),
        Some(json!({"currency": "gold", "amount": 26})),
    )
    .await
    .assert_error(422, "INSUFFICIENT_FUNDS");
    let bank = call(
        &app,
        &ann.client,
        Method::GET,
        &format!("/v1/players/{}/bank", ann.id),
        None,
    )
    .await;
    assert_eq!(bank.ok()["balances"][0]["amount"], 25);
    assert_eq!(app.gold(&hero).await, 60);
    assert_eq!(app.get("/v1/ledger/verify").await.ok()["ok"], true);

    // Another account's token: refused for the character, and nothing moved.
    call(&app, &ben.client, Method::GET, &wallet, None)
        .await
        .assert_error(403, "FORBIDDEN");
    call(
        &app,
        &ben.client,
        Method::POST,
        &format!("/v1/players/{hero}/bank/withdraw"),
        Some(json!({"currency": "gold", "amount": 1})),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    assert_eq!(app.gold(&hero).await, 60);

    // Selecting answers a token acting as the character (and only as it).
    let s = call(
        &app,
        &ann.client,
        Method::POST,
        &format!("{chars}/{hero}/select"),
        None,
    )
    .await;
    assert_eq!(s.ok()["character"]["id"], hero.as_str());
    let as_hero = client_with(s.body["access_token"].as_str().unwrap());
    assert!(s.body["expires_in"].as_i64().unwrap() > 0);
    assert_eq!(
        call(&app, &ann.client, Method::GET, &chars, None)
            .await
            .ok()["selected"],
        hero.as_str()
    );
    call(&app, &as_hero, Method::GET, &wallet, None).await.ok();
    call(
        &app,
        &as_hero,
        Method::GET,
        &format!("/v1/players/{second}/wallet"),
        None,
    )
    .await
    .assert_error(403, "FORBIDDEN");
    call(&app, &as_hero, Method::GET, &chars, None)
        .await
        .assert_error(403, "FORBIDDEN");

    // Deleted: neither the account's token nor the character's acts for it; a key does.
    let del = call(
        &app,
        &ann.client,
        Method::DELETE,
        &format!("{chars}/{hero}"),
        None,
    )
    .await;
    assert!(del.ok()["character"]["purge_at"].is_string());
    call(&app, &ann.client, Method::GET, &wallet, None)
        .await
        .assert_error(403, "FORBIDDEN");
    call(&app, &as_hero, Method::GET, &wallet, None)
        .await
        .assert_error(403, "FORBIDDEN");
    app.get(&wallet).await.ok();
    let list = call(&app, &ann.client, Method::GET, &chars, None).await;
    assert_eq!(list.ok()["live"], 1);
    assert_eq!(list.body["characters"].as_array().unwrap().len(), 2);
    // Restored: the account's token acts for it again.
    call(
        &app,
        &ann.client,
        Method::POST,
        &format!("{chars}/{hero}/restore"),
        None,
    )
    .await
    .ok();
    call(&app, &ann.client, Method::GET, &wallet, None)
        .await
        .ok();
    call(&app, &as_hero, Method::GET, &wallet, None).await.ok();
}

#[tokio::test]
async fn characters_lifecycle_equipment_and_refusals_over_http() {
    let app = spawn_app().await;
    let ann = register(&app, "ann").await;
    let chars = format!("/v1/players/{}/characters", ann.id);
    for (i, name) in ["A", "B", "C"].iter().enumerate() {
        let r = call(
            &app,
            &ann.client,
            Method::POST,
            &chars,
            Some(json!({"name": name})),
        )
        .await;
        assert_eq!(r.ok()["character"]["name"], *name, "{i}");
    }
    call(
        &app,
        &ann.client,
        Method::POST,
        &chars,
        Some(json!({"name": "D"})),
    )
    .await
    .assert_error(422, "LIMIT_REACHED");
    call(
        &app,
        &ann.client,
        Method::POST,
        &chars,
        Some(json!({"name": "  bad"})),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
    // A key creates for a game's own player id; a character owns no characters.
    let g = app
        .post("/v1/players/game-7/characters", json!({"name": "Ghost"}))
        .await;
    let ghost = g.ok()["character"]["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/v1/players/{ghost}/characters"),
        json!({"name": "Nested"}),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
    let list = call(&app, &ann.client, Method::GET, &chars, None).await;
    let a = list.ok()["characters"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = call(
        &app,
        &ann.client,
        Method::POST,
        &format!("{chars}/{a}/rename"),
        Some(json!({"name": "Renamed"})),
    )
    .await;
    assert_eq!(r.ok()["character"]["name"], "Renamed");
    // Equipment: an item naming a slot, equipped through the account's token.
    app.put(
        "/v1/catalog/helm",
        json!({"id": "helm", "name": "Helm", "kind": "durable", "metadata": {"slot": "head"}}),
    )
    .await
    .ok();
    let eq = format!("/v1/players/{a}/equipment");
    call(
        &app,
        &ann.client,
        Method::POST,
        &eq,
        Some(json!({"item_id": "helm"})),
    )
    .await
    .assert_error(422, "NOT_OWNED");
    app.post(&format!("/v1/players/{a}/items/helm/grant"), json!({}))
        .await
        .ok();
    call(
        &app,
        &ann.client,
        Method::POST,
        &eq,
        Some(json!({"item_id": "relic"})),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
    let r = call(
        &app,
        &ann.client,
        Method::POST,
        &eq,
        Some(json!({"item_id": "helm"})),
    )
    .await;
    assert_eq!(r.ok()["slot"], "head");
    let e = call(&app, &ann.client, Method::GET, &eq, None).await;
    assert_eq!(e.ok()["items"][0]["item_id"], "helm");
    // Into the bank: unequipped in the same commit.
    let d = call(
        &app,
        &ann.client,
        Method::POST,
        &format!("/v1/players/{a}/bank/deposit"),
        Some(json!({"item_id": "helm"})),
    )
    .await;
    assert_eq!(d.ok()["unequipped"], "head");
    let e = call(&app, &ann.client, Method::GET, &eq, None).await;
    assert_eq!(e.ok()["items"], json!([]));
    let bank = call(
        &app,
        &ann.client,
        Method::GET,
        &format!("/v1/players/{a}/bank"),
        None,
    )
    .await;
    assert_eq!(bank.ok()["items"][0]["item_id"], "helm");
    call(
        &app,
        &ann.client,
        Method::DELETE,
        &format!("{eq}/head"),
        None,
    )
    .await
    .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn an_accounts_token_reads_the_party_of_its_character_and_no_other() {
    let app = spawn_app().await;
    let ann = register(&app, "ann").await;
    let ben = register(&app, "ben").await;
    let hero = call(
        &app,
        &ann.client,
        Method::POST,
        &format!("/v1/players/{}/characters", ann.id),
        Some(json!({"name": "Aragorn"})),
    )
    .await
    .ok()["character"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The account's token acts for its character: it makes the party and reads it.
    let party = call(
        &app,
        &ann.client,
        Method::POST,
        "/v1/parties",
        Some(json!({"leader": hero})),
    )
    .await
    .ok()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let read = call(
        &app,
        &ann.client,
        Method::GET,
        &format!("/v1/parties/{party}"),
        None,
    )
    .await;
    assert_eq!(read.ok()["leader"], hero.as_str());
    // Another account's token is no member and owns no member.
    call(
        &app,
        &ben.client,
        Method::GET,
        &format!("/v1/parties/{party}"),
        None,
    )
    .await
    .assert_error(403, "FORBIDDEN");
    // A deleted character's party is out of the account's reach.
    call(
        &app,
        &ann.client,
        Method::DELETE,
        &format!("/v1/players/{}/characters/{hero}", ann.id),
        Some(json!({})),
    )
    .await
    .ok();
    call(
        &app,
        &ann.client,
        Method::GET,
        &format!("/v1/parties/{party}"),
        None,
    )
    .await
    .assert_error(403, "FORBIDDEN");
}
