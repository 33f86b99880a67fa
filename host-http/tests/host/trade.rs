//! Trade routes through a listening server: two registered players open a trade, offer,
//! confirm the revision they saw and exchange in one commit; another player's token is
//! refused on every route of the trade; a key needs the `trade` scope; a keyed repeat
//! answers the stored result; the events reach both players' streams; operators list
//! recent trades and run the expiry.

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

async fn call(
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

use reqwest::Method;

#[tokio::test]
async fn two_players_trade_through_the_routes_and_strangers_are_refused() {
    let app = spawn_app().await;
    let (ta, a) = register(&app, "seller").await;
    let (tb, b) = register(&app, "buyer").await;
    let (tc, c) = register(&app, "stranger").await;
    app.grant(&a, 100).await;
    app.post(
        &format!("/v1/players/{b}/items/sword/grant"),
        json!({ "quantity": 1 }),
    )
    .await
    .ok();
    let mut stream_b = app.events(&b, None).await;

    // A player's token acts only as itself.
    call(
        &app,
        &tc,
        Method::POST,
        "/v1/trades",
        Some(json!({ "player": a, "with": b })),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    call(
        &app,
        &ta,
        Method::POST,
        "/v1/trades",
        Some(json!({ "player": a, "with": a })),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
    let opened = call(
        &app,
        &ta,
        Method::POST,
        "/v1/trades",
        Some(json!({ "player": a, "with": b, "offer": { "currencies": [{ "currency": "gold", "amount": 60 }] },
                     "idempotency_key": "open-1" })),
    )
    .await;
    let t = opened.ok().clone();
    let id = t["trade"]["id"].as_str().unwrap().to_string();
    assert_eq!(t["trade"]["revision"], 1);
    assert_eq!(
        stream_b.until("trade_opened").await.json()["payload"]["trade_id"],
        id
    );
    // The same key again: the stored result, marked.
    let again = call(
        &app,
        &ta,
        Method::POST,
        "/v1/trades",
        Some(json!({ "player": a, "with": b, "offer": { "currencies": [{ "currency": "gold", "amount": 60 }] },
                     "idempotency_key": "open-1" })),
    )
    .await;
    assert_eq!(again.ok()["trade"]["id"], id.as_str());
    assert_eq!(again.ok()["replayed"], true);

    // A stranger can neither read nor change it.
    call(&app, &tc, Method::GET, &format!("/v1/trades/{id}"), None)
        .await
        .assert_error(403, "FORBIDDEN");
    call(
        &app,
        &tc,
        Method::GET,
        &format!("/v1/players/{a}/trades"),
        None,
    )
    .await
    .assert_error(403, "FORBIDDEN");
    for (action, body) in [
        ("offer", json!({ "player": c, "offer": {} })),
        ("confirm", json!({ "player": c, "revision": 1 })),
        ("cancel", json!({ "player": c })),
    ] {
        call(
            &app,
            &tc,
            Method::POST,
            &format!("/v1/trades/{id}/{action}"),
            Some(body),
        )
        .await
        .assert_error(403, "FORBIDDEN");
    }
    // Acting as a side with the stranger's token is refused too.
    call(
        &app,
        &tc,
        Method::POST,
        &format!("/v1/trades/{id}/confirm"),
        Some(json!({ "player": a, "revision": 1 })),
    )
    .await
    .assert_error(403, "FORBIDDEN");

    // b offers the sword and confirms revision 1's answer; a's confirmation of an old
    // revision is TRADE_CHANGED, of the current one the exchange.
    let r = call(
        &app,
        &tb,
        Method::POST,
        &format!("/v1/trades/{id}/offer"),
        Some(json!({ "player": b, "offer": { "items": [{ "item_id": "sword", "quantity": 1 }] }, "revision": 1, "confirm": true })),
    )
    .await;
    assert_eq!(r.ok()["trade"]["revision"], 2);
    call(
        &app,
        &ta,
        Method::POST,
        &format!("/v1/trades/{id}/confirm"),
        Some(json!({ "player": a, "revision": 1 })),
    )
    .await
    .assert_error(409, "TRADE_CHANGED");
    let done = call(
        &app,
        &ta,
        Method::POST,
        &format!("/v1/trades/{id}/confirm"),
        Some(json!({ "player": a, "revision": 2 })),
    )
    .await;
    assert_eq!(done.ok()["trade"]["state"], "completed");
    assert_eq!(
        stream_b.until("trade_completed").await.json()["payload"]["trade_id"],
        id
    );
    assert_eq!(app.gold(&a).await, 40);
    assert_eq!(app.gold(&b).await, 60);
    call(
        &app,
        &tb,
        Method::POST,
        &format!("/v1/trades/{id}/cancel"),
        Some(json!({ "player": b })),
    )
    .await
    .assert_error(409, "TRADE_CLOSED");

    // Reads by the sides: the trade, its ledger entries, their histories.
    let read = call(&app, &tb, Method::GET, &format!("/v1/trades/{id}"), None).await;
    assert_eq!(read.ok()["state"], "completed");
    let ledger = call(
        &app,
        &ta,
        Method::GET,
        &format!("/v1/trades/{id}/ledger"),
        None,
    )
    .await;
    assert_eq!(ledger.ok()[0]["metadata"]["trade_id"], id.as_str());
    assert_eq!(ledger.ok()[0]["reason"], "trade");
    let mine = call(
        &app,
        &tb,
        Method::GET,
        &format!("/v1/players/{b}/trades"),
        None,
    )
    .await;
    assert_eq!(mine.ok()["past"][0]["id"], id.as_str());
    // Operators: recent trades (a player may not), the expiry sweep.
    let recent = app.get("/v1/admin/trades?limit=5").await;
    assert_eq!(recent.ok()[0]["id"], id.as_str());
    call(&app, &ta, Method::GET, "/v1/admin/trades", None)
        .await
        .assert_error(403, "FORBIDDEN");
    assert_eq!(
        app.post("/v1/admin/trades/expire", json!({})).await.ok()["expired"],
        0
    );
}

#[tokio::test]
async fn keys_need_the_trade_scope() {
    let app = spawn_app().await;
    let gh = app.server.guildhall();
    let chat_key = gh
        .create_api_key("chat only", &["chat".to_string()])
        .await
        .unwrap()
        .key;
    let trade_key = gh
        .create_api_key("trade bot", &["trade".to_string()])
        .await
        .unwrap()
        .key;
    let body = json!({ "player": "p1", "with": "p2" });
    call(
        &app,
        &chat_key,
        Method::POST,
        "/v1/trades",
        Some(body.clone()),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    let t = call(&app, &trade_key, Method::POST, "/v1/trades", Some(body)).await;
    let id = t.ok()["trade"]["id"].as_str().unwrap().to_string();
    let read = call(
        &app,
        &trade_key,
        Method::GET,
        &format!("/v1/trades/{id}"),
        None,
    )
    .await;
    assert_eq!(read.ok()["sides"][1]["player"], "p2");
    call(
        &app,
        &chat_key,
        Method::GET,
        &format!("/v1/trades/{id}"),
        None,
    )
    .await
    .assert_error(403, "FORBIDDEN");
    let p2 = call(&app, &trade_key, Method::GET, "/v1/players/p2/trades", None).await;
    assert_eq!(p2.ok()["open"][0]["id"], id.as_str());
    let cancelled = call(
        &app,
        &trade_key,
        Method::POST,
        &format!("/v1/trades/{id}/cancel"),
        Some(json!({ "player": "p2" })),
    )
    .await;
    assert_eq!(cancelled.ok()["trade"]["cancel_reason"], "cancelled");
}
