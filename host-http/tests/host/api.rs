//! The `/v1` routes: happy paths, error statuses and bodies, idempotency over HTTP.

use crate::common::spawn_app;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn wallet_grant_spend_and_balance() {
    let app = spawn_app().await;
    let w = app.get("/v1/players/alice/wallet").await;
    assert_eq!(
        w.ok(),
        &json!({"player": "alice", "balances": [{"currency": "gold", "amount": 0}, {"currency": "gems", "amount": 0}]})
    );

    let g = app
        .post(
            "/v1/players/alice/grant",
            json!({"amount": 100, "reason": "reward", "source": "donations"}),
        )
        .await;
    let g = g.ok();
    assert_eq!(g["player"], "alice");
    assert_eq!(g["currency"], "gold");
    assert_eq!(g["amount"], 100);
    assert_eq!(g["balance"], 100);
    assert_eq!(g["replayed"], false);
    assert!(g["transaction_id"].as_str().is_some_and(|t| !t.is_empty()));

    let s = app
        .post(
            "/v1/players/alice/spend",
            json!({"currency": "gold", "amount": 30, "sink": "repairs"}),
        )
        .await;
    assert_eq!(s.ok()["balance"], 70);
    assert_eq!(app.gold("alice").await, 70);

    let gems = app
        .post(
            "/v1/players/alice/grant",
            json!({"currency": "gems", "amount": 5}),
        )
        .await;
    assert_eq!(gems.ok()["balance"], 5);
    let b = app.get("/v1/players/alice/balances/gems").await;
    assert_eq!(
        b.ok(),
        &json!({"player": "alice", "currency": "gems", "amount": 5})
    );

    let cur = app.get("/v1/currencies").await;
    assert_eq!(cur.ok()[0]["code"], "gold");
    assert_eq!(cur.ok()[1]["max_balance"], 1000);
}

#[tokio::test]
async fn economy_errors() {
    let app = spawn_app().await;
    app.grant("bob", 10).await;
    let r = app
        .post("/v1/players/bob/spend", json!({"amount": 11}))
        .await;
    r.assert_error(422, "INSUFFICIENT_FUNDS");
    assert_eq!(app.gold("bob").await, 10, "a failed call changes nothing");

    app.post(
        "/v1/players/bob/grant",
        json!({"currency": "gems", "amount": 1001}),
    )
    .await
    .assert_error(422, "BALANCE_LIMIT");
    app.post("/v1/players/bob/grant", json!({"amount": 0}))
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    app.post(
        "/v1/players/bob/grant",
        json!({"currency": "silver", "amount": 1}),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
    app.get("/v1/players/bob/balances/silver")
        .await
        .assert_error(400, "INVALID_ARGUMENT");
}

#[tokio::test]
async fn idempotent_replay_over_http() {
    let app = spawn_app().await;
    let body = json!({"amount": 50, "idempotency_key": "pay-123"});
    let first = app.post("/v1/players/carol/grant", body.clone()).await;
    assert_eq!(first.ok()["replayed"], false);
    assert!(first.headers.get("idempotent-replayed").is_none());

    let again = app.post("/v1/players/carol/grant", body).await;
    assert_eq!(again.status, first.status);
    assert_eq!(again.ok()["replayed"], true);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.body["transaction_id"], first.body["transaction_id"]);
    assert_eq!(again.body["balance"], 50);
    assert_eq!(app.gold("carol").await, 50, "the replay credited nothing");

    // Same key, different request.
    let conflict = app
        .post(
            "/v1/players/carol/grant",
            json!({"amount": 51, "idempotency_key": "pay-123"}),
        )
        .await;
    conflict.assert_error(409, "IDEMPOTENCY_CONFLICT");
    assert_eq!(app.gold("carol").await, 50);

    // The header is an alternative to the body field.
    let h1 = app
        .send(
            app.req(Method::POST, "/v1/players/carol/spend")
                .header("Idempotency-Key", "spend-1")
                .json(&json!({"amount": 5})),
        )
        .await;
    assert_eq!(h1.ok()["balance"], 45);
    let h2 = app
        .send(
            app.req(Method::POST, "/v1/players/carol/spend")
                .header("Idempotency-Key", "spend-1")
                .json(&json!({"amount": 5})),
        )
        .await;
    assert_eq!(h2.ok()["replayed"], true);
    assert_eq!(app.gold("carol").await, 45);

    // Header and body disagreeing is refused.
    let both = app
        .send(
            app.req(Method::POST, "/v1/players/carol/spend")
                .header("Idempotency-Key", "a")
                .json(&json!({"amount": 5, "idempotency_key": "b"})),
        )
        .await;
    both.assert_error(400, "INVALID_ARGUMENT");
}

#[tokio::test]
async fn transfers() {
    let app = spawn_app().await;
    app.grant("dan", 100).await;
    let t = app
        .post(
            "/v1/transfers",
            json!({"from": "dan", "to": "eve", "amount": 40, "reason": "gift"}),
        )
        .await;
    let t = t.ok();
    assert_eq!(
        (t["from_balance"].as_i64(), t["to_balance"].as_i64()),
        (Some(60), Some(40))
    );
    assert_eq!(t["currency"], "gold");
    app.post(
        "/v1/transfers",
        json!({"from": "dan", "to": "eve", "amount": 61}),
    )
    .await
    .assert_error(422, "INSUFFICIENT_FUNDS");
    app.post(
        "/v1/transfers",
        json!({"from": "dan", "to": "dan", "amount": 1}),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
    app.post(
        "/v1/transfers",
        json!({"from": "", "to": "eve", "amount": 1}),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
}

#[tokio::test]
async fn purchases_use_and_inventory() {
    let app = spawn_app().await;
    app.grant("fay", 500).await;
    let p = app
        .post(
            "/v1/players/fay/purchases",
            json!({"item_id": "1", "quantity": 3}),
        )
        .await;
    let p = p.ok();
    assert_eq!(
        (
            p["amount"].as_i64(),
            p["balance"].as_i64(),
            p["item_quantity"].as_i64()
        ),
        (Some(30), Some(470), Some(3))
    );
    assert_eq!(p["item_id"], "1");

    let sword = app
        .post("/v1/players/fay/purchases", json!({"item_id": "sword"}))
        .await;
    assert_eq!(sword.ok()["balance"], 370);
    app.post("/v1/players/fay/purchases", json!({"item_id": "sword"}))
        .await
        .assert_error(409, "ALREADY_OWNED");
    app.post(
        "/v1/players/fay/purchases",
        json!({"item_id": "1", "quantity": 3}),
    )
    .await
    .assert_error(422, "STACK_LIMIT");
    app.post("/v1/players/fay/purchases", json!({"item_id": "relic"}))
        .await
        .assert_error(422, "NOT_FOR_SALE");
    app.post("/v1/players/fay/purchases", json!({"item_id": "retired"}))
        .await
        .assert_error(422, "NOT_FOR_SALE");
    app.post("/v1/players/fay/purchases", json!({"item_id": "nope"}))
        .await
        .assert_error(404, "NOT_FOUND");
    app.post("/v1/players/poor/purchases", json!({"item_id": "sword"}))
        .await
        .assert_error(422, "INSUFFICIENT_FUNDS");
    assert_eq!(app.gold("fay").await, 370);

    // Use: with a body, and with no body at all (quantity 1).
    let u = app
        .post("/v1/players/fay/items/1/use", json!({"quantity": 2}))
        .await;
    assert_eq!(u.ok()["remaining"], 1);
    let u = app
        .send(app.req(Method::POST, "/v1/players/fay/items/1/use"))
        .await;
    assert_eq!(u.ok()["remaining"], 0);
    app.post("/v1/players/fay/items/1/use", json!({}))
        .await
        .assert_error(422, "NOT_OWNED");
    app.post("/v1/players/fay/items/sword/use", json!({}))
        .await
        .assert_error(422, "NOT_CONSUMABLE");
    app.post("/v1/players/fay/items/nope/use", json!({}))
        .await
        .assert_error(404, "NOT_FOUND");

    // Grant an unpriced item.
    let g = app
        .post(
            "/v1/players/fay/items/relic/grant",
            json!({"reason": "quest", "idempotency_key": "q1"}),
        )
        .await;
    assert_eq!(g.ok()["remaining"], 1);
    let again = app
        .post(
            "/v1/players/fay/items/relic/grant",
            json!({"reason": "quest", "idempotency_key": "q1"}),
        )
        .await;
    assert_eq!(again.ok()["replayed"], true);
    app.post("/v1/players/fay/items/relic/grant", json!({}))
        .await
        .assert_error(409, "ALREADY_OWNED");

    let inv = app.get("/v1/players/fay/inventory").await;
    let inv = inv.ok();
    assert_eq!(inv["player"], "fay");
    let items: Vec<_> = inv["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["item_id"].as_str().unwrap(),
                i["kind"].as_str().unwrap(),
                i["quantity"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        items,
        vec![("relic", "durable", 1), ("sword", "durable", 1)]
    );
    assert!(inv["items"][0]["acquired_at"].is_string());
    assert_eq!(
        app.get("/v1/players/nobody/inventory").await.ok()["items"],
        json!([])
    );
}

#[tokio::test]
async fn history_pages_and_filters() {
    let app = spawn_app().await;
    for i in 1..=3 {
        app.grant("gil", i * 10).await;
    }
    app.post("/v1/players/gil/purchases", json!({"item_id": "1"}))
        .await
        .ok();
    let page = app.get("/v1/players/gil/history?limit=2").await;
    let page = page.ok().clone();
    assert_eq!(page["entries"].as_array().unwrap().len(), 2);
    assert_eq!(page["entries"][0]["kind"], "purchase", "newest first");
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let next = app
        .get(&format!("/v1/players/gil/history?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(next.ok()["entries"].as_array().unwrap().len(), 2);
    assert!(next.body["next_cursor"].is_null());

    let grants = app
        .get("/v1/players/gil/history?kind=grant&currency=gold")
        .await;
    assert_eq!(grants.ok()["entries"].as_array().unwrap().len(), 3);

    app.get("/v1/players/gil/history?cursor=abc")
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    app.get("/v1/players/gil/history?kind=theft")
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    app.get("/v1/players/gil/history?limit=lots")
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    app.get("/v1/players/gil/history?limit=0")
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    app.get("/v1/players/gil/history?colour=red")
        .await
        .assert_error(400, "INVALID_ARGUMENT");
}

#[tokio::test]
async fn catalog_routes() {
    let app = spawn_app().await;
    let all = app.get("/v1/catalog").await;
    let ids: Vec<_> = all
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["1", "relic", "retired", "sword"]);
    let one = app.get("/v1/catalog/1").await;
    assert_eq!(one.ok()["name"], "Health Potion");
    assert_eq!(one.body["price"], json!({"currency": "gold", "amount": 10}));
    app.get("/v1/catalog/nope")
        .await
        .assert_error(404, "NOT_FOUND");

    let put = app.put("/v1/catalog/shield", json!({"name": "Shield", "kind": "durable", "price": {"currency": "gold", "amount": 7}})).await;
    assert_eq!(put.ok()["id"], "shield");
    assert_eq!(put.body["active"], true);
    assert_eq!(app.get("/v1/catalog/shield").await.ok()["name"], "Shield");
    app.put(
        "/v1/catalog/shield",
        json!({"id": "other", "name": "Shield", "kind": "durable"}),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
    app.put(
        "/v1/catalog/shield",
        json!({"name": "Shield", "kind": "weapon"}),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
    app.put(
        "/v1/catalog/shield",
        json!({"name": "Shield", "kind": "durable", "price": {"currency": "gold", "amount": 0}}),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");

    let off = app
        .put("/v1/catalog/shield/active", json!({"active": false}))
        .await;
    assert_eq!(off.ok()["active"], false);
    app.grant("hal", 10).await;
    app.post("/v1/players/hal/purchases", json!({"item_id": "shield"}))
        .await
        .assert_error(422, "NOT_FOR_SALE");
    app.put("/v1/catalog/shield/active", json!({"active": true}))
        .await
        .ok();
    app.post("/v1/players/hal/purchases", json!({"item_id": "shield"}))
        .await
        .ok();
    app.put("/v1/catalog/ghost/active", json!({"active": true}))
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn ledger_analytics_events_and_prune() {
    let app = spawn_app().await;
    app.grant("ivy", 1000).await;
    app.post(
        "/v1/players/ivy/purchases",
        json!({"item_id": "1", "quantity": 2}),
    )
    .await
    .ok();
    app.post(
        "/v1/players/ivy/purchases",
        json!({"item_id": "1", "quantity": 1}),
    )
    .await
    .ok();
    app.post("/v1/players/ivy/purchases", json!({"item_id": "sword"}))
        .await
        .ok();

    let v = app.get("/v1/ledger/verify").await;
    assert_eq!(v.ok()["ok"], true);
    assert!(v.body["accounts_checked"].as_u64().unwrap() >= 2);

    let pop = app.get("/v1/analytics/popular-items").await;
    assert_eq!(
        pop.ok(),
        &json!([
            {"item_id": "1", "name": "Health Potion", "total_quantity": 3, "purchases": 2},
            {"item_id": "sword", "name": "Sword", "total_quantity": 1, "purchases": 1},
        ])
    );
    let top1 = app
        .get(
            "/v1/analytics/popular-items?limit=1&from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z",
        )
        .await;
    assert_eq!(top1.ok().as_array().unwrap().len(), 1);
    let past = app
        .get("/v1/analytics/popular-items?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z")
        .await;
    assert_eq!(past.ok(), &json!([]));
    app.get("/v1/analytics/popular-items?from=yesterday")
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    app.get("/v1/analytics/popular-items?limit=1000")
        .await
        .assert_error(400, "INVALID_ARGUMENT");

    let rev = app.get("/v1/analytics/revenue").await;
    let rev = rev.ok().as_array().unwrap().clone();
    assert_eq!(rev.len(), 1);
    assert_eq!(
        (
            rev[0]["currency"].as_str(),
            rev[0]["amount"].as_i64(),
            rev[0]["purchases"].as_i64()
        ),
        (Some("gold"), Some(130), Some(3))
    );
    let old = app
        .get("/v1/analytics/revenue?from=2001-01-01&to=2001-01-31")
        .await;
    assert_eq!(old.ok(), &json!([]));
    app.get("/v1/analytics/revenue?from=2001-13-01")
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    app.get("/v1/analytics/revenue?from=2001-01-01&to=2005-01-01")
        .await
        .assert_error(400, "INVALID_ARGUMENT");

    let ev = app.get("/v1/events?limit=2").await;
    let ev = ev.ok().clone();
    assert_eq!(ev["events"].as_array().unwrap().len(), 2);
    assert_eq!(ev["events"][0]["kind"], "currency_granted");
    let after = ev["next_after"].as_i64().unwrap();
    let rest = app.get(&format!("/v1/events?after={after}")).await;
    let kinds: Vec<_> = rest.ok()["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["item_purchased", "item_purchased"]);
    app.get("/v1/events?limit=0")
        .await
        .assert_error(400, "INVALID_ARGUMENT");

    let pr = app.post("/v1/maintenance/prune", json!({})).await;
    assert_eq!(pr.ok(), &json!({"events": 0, "idempotency_records": 0}));
}

#[tokio::test]
async fn malformed_requests_answer_json_400() {
    let app = spawn_app().await;
    let bad_json = app
        .send(
            app.req(Method::POST, "/v1/players/a/grant")
                .header("content-type", "application/json")
                .body("{\"amount\": "),
        )
        .await;
    bad_json.assert_error(400, "INVALID_ARGUMENT");
    assert_eq!(bad_json.body["details"]["field"], "body");

    let no_type = app
        .send(
            app.req(Method::POST, "/v1/players/a/grant")
                .body("{\"amount\": 5}"),
        )
        .await;
    no_type.assert_error(400, "INVALID_ARGUMENT");
    let text = app
        .send(
            app.req(Method::POST, "/v1/players/a/grant")
                .header("content-type", "text/plain")
                .body("{\"amount\": 5}"),
        )
        .await;
    text.assert_error(400, "INVALID_ARGUMENT");

    app.post("/v1/players/a/grant", json!({"amount": 5, "bonus": true}))
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    app.post("/v1/players/a/grant", json!({"amount": "5"}))
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    app.post("/v1/players/a/grant", json!({"amount": 1.5}))
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    app.post("/v1/players/a/grant", json!({}))
        .await
        .assert_error(400, "INVALID_ARGUMENT");

    // Bad player ids in the path: too long, control character.
    let long = "x".repeat(129);
    let r = app.get(&format!("/v1/players/{long}/wallet")).await;
    r.assert_error(400, "INVALID_ARGUMENT");
    assert_eq!(r.body["details"]["field"], "player");
    app.get("/v1/players/a%00b/wallet")
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    app.get("/v1/players/%FF/wallet")
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    // A 128-byte id and one with a slash are fine.
    app.get(&format!("/v1/players/{}/wallet", "y".repeat(128)))
        .await
        .ok();
    assert_eq!(
        app.get("/v1/players/steam%2F765/wallet").await.ok()["player"],
        "steam/765"
    );

    // Transport-level errors are JSON too.
    app.get("/v1/nothing-here")
        .await
        .assert_error(404, "NOT_FOUND");
    let m = app
        .send(app.req(Method::DELETE, "/v1/players/a/wallet"))
        .await;
    m.assert_error(405, "INVALID_ARGUMENT");
    let huge = json!({"amount": 1, "metadata": {"blob": "z".repeat(70 * 1024)}});
    app.post("/v1/players/a/grant", huge)
        .await
        .assert_error(413, "INVALID_ARGUMENT");
    assert_eq!(app.gold("a").await, 0);
}

#[tokio::test]
async fn request_ids_health_and_readiness() {
    let app = spawn_app().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.ok(), &json!({"status": "ok"}));
    let id = r.headers["x-request-id"].to_str().unwrap();
    assert!(!id.is_empty(), "a request id is set");
    let mine = app
        .send(
            app.req(Method::GET, "/readyz")
                .header("x-request-id", "trace-me-42"),
        )
        .await;
    assert_eq!(mine.ok(), &json!({"status": "ready"}));
    assert_eq!(
        mine.headers["x-request-id"], "trace-me-42",
        "a given request id is propagated"
    );
    let err = app.get("/v1/players/%00/wallet").await;
    assert!(
        err.headers.contains_key("x-request-id"),
        "errors carry the request id too"
    );

    // The in-process handle shares the core and shuts the server down.
    let alice = "alice".parse().unwrap();
    assert_eq!(
        app.server
            .guildhall()
            .balance(&alice, "gold")
            .await
            .unwrap(),
        0
    );
    let url = app.url.clone();
    app.server.shutdown().await.unwrap();
    assert!(
        reqwest::get(format!("{url}/healthz")).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn openapi_lists_every_route() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json").await;
    let doc = doc.ok();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let expected = [
        ("get", "/v1/players/{player}/wallet"),
        ("get", "/v1/players/{player}/balances/{currency}"),
        ("get", "/v1/players/{player}/history"),
        ("get", "/v1/players/{player}/inventory"),
        ("post", "/v1/players/{player}/grant"),
        ("post", "/v1/players/{player}/spend"),
        ("post", "/v1/players/{player}/purchases"),
        ("post", "/v1/players/{player}/items/{item_id}/use"),
        ("post", "/v1/players/{player}/items/{item_id}/grant"),
        ("post", "/v1/transfers"),
        ("get", "/v1/currencies"),
        ("get", "/v1/catalog"),
        ("get", "/v1/catalog/{item_id}"),
        ("put", "/v1/catalog/{item_id}"),
        ("put", "/v1/catalog/{item_id}/active"),
        ("get", "/v1/ledger/verify"),
        ("get", "/v1/analytics/popular-items"),
        ("get", "/v1/analytics/revenue"),
        ("get", "/v1/events"),
        ("post", "/v1/maintenance/prune"),
        ("get", "/api/v1/health"),
        ("post", "/api/v1/products/{product_id}/purchase"),
        ("post", "/api/v1/products/{product_id}/use"),
        ("get", "/api/v1/users/{user_id}/inventory"),
        ("post", "/api/v1/users/{user_id}/add-funds"),
        ("get", "/api/v1/analytics/popular-products"),
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("get", "/v1/players/{player}/mail"),
        ("post", "/v1/players/{player}/mail"),
        ("post", "/v1/players/{player}/mail/{mail_id}/open"),
        ("post", "/v1/players/{player}/mail/{mail_id}/claim"),
        ("delete", "/v1/players/{player}/mail/{mail_id}"),
        ("post", "/v1/mail"),
        ("post", "/v1/mail/broadcasts"),
        ("get", "/v1/templates"),
        ("get", "/v1/templates/{template_id}"),
        ("put", "/v1/templates/{template_id}"),
        ("post", "/v1/templates/{template_id}/preview"),
        ("get", "/v1/triggers"),
        ("get", "/v1/triggers/{trigger_id}"),
        ("put", "/v1/triggers/{trigger_id}"),
        ("post", "/v1/triggers/{trigger_id}/cancel"),
        ("post", "/v1/players/{player}/events/fire"),
        ("get", "/v1/players/{player}/events"),
        ("post", "/v1/players/{player}/session"),
        ("get", "/v1/players/{player}/session"),
        ("delete", "/v1/players/{player}/session"),
        ("post", "/v1/players/{player}/session/heartbeat"),
        ("get", "/v1/online"),
        ("post", "/v1/parties"),
        ("get", "/v1/parties/{party_id}"),
        ("get", "/v1/players/{player}/party"),
        ("post", "/v1/parties/{party_id}/invites"),
        ("post", "/v1/parties/{party_id}/accept"),
        ("post", "/v1/parties/{party_id}/decline"),
        ("post", "/v1/parties/{party_id}/join"),
        ("post", "/v1/parties/{party_id}/leave"),
        ("post", "/v1/parties/{party_id}/kick"),
        ("post", "/v1/parties/{party_id}/promote"),
        ("post", "/v1/parties/{party_id}/disband"),
        ("get", "/v1/players/{player}/friends"),
        ("delete", "/v1/players/{player}/friends/{other}"),
        ("get", "/v1/players/{player}/friend-requests"),
        ("post", "/v1/players/{player}/friend-requests"),
        (
            "post",
            "/v1/players/{player}/friend-requests/{other}/accept",
        ),
        (
            "post",
            "/v1/players/{player}/friend-requests/{other}/decline",
        ),
        ("get", "/v1/players/{player}/blocks"),
        ("put", "/v1/players/{player}/blocks/{other}"),
        ("delete", "/v1/players/{player}/blocks/{other}"),
        ("post", "/v1/chat/messages"),
        ("get", "/v1/players/{player}/chat"),
        ("get", "/v1/admin/chat/history"),
        ("put", "/v1/admin/chat/mutes/{player}"),
        ("delete", "/v1/admin/chat/mutes/{player}"),
        ("get", "/v1/leaderboards"),
        ("get", "/v1/leaderboards/{board}"),
        ("get", "/v1/leaderboards/{board}/standings"),
        ("get", "/v1/leaderboards/{board}/players/{player}"),
        ("get", "/v1/leaderboards/{board}/periods"),
        ("post", "/v1/leaderboards/{board}/scores"),
        ("post", "/v1/leaderboards/{board}/join"),
        ("put", "/v1/admin/leaderboards/{board}"),
        ("post", "/v1/admin/leaderboards/resets"),
        ("post", "/v1/groups"),
        ("get", "/v1/groups"),
        ("get", "/v1/groups/{group_id}"),
        ("get", "/v1/players/{player}/groups"),
        ("post", "/v1/groups/{group_id}/join"),
        ("post", "/v1/groups/{group_id}/requests"),
        ("post", "/v1/groups/{group_id}/requests/accept"),
        ("post", "/v1/groups/{group_id}/requests/decline"),
        ("post", "/v1/groups/{group_id}/invites"),
        ("post", "/v1/groups/{group_id}/accept"),
        ("post", "/v1/groups/{group_id}/decline"),
        ("post", "/v1/groups/{group_id}/kick"),
        ("post", "/v1/groups/{group_id}/promote"),
        ("post", "/v1/groups/{group_id}/demote"),
        ("post", "/v1/groups/{group_id}/transfer"),
        ("post", "/v1/groups/{group_id}/leave"),
        ("post", "/v1/groups/{group_id}/disband"),
        ("post", "/v1/groups/{group_id}/bank/deposit"),
        ("post", "/v1/groups/{group_id}/bank/withdraw"),
        ("get", "/v1/groups/{group_id}/bank"),
        ("get", "/v1/admin/groups/by-name/{name}"),
        ("post", "/v1/admin/groups/{group_id}/remove-member"),
        ("post", "/v1/admin/groups/{group_id}/disband"),
        ("get", "/v1/achievements"),
        ("get", "/v1/achievements/{achievement_id}"),
        ("put", "/v1/admin/achievements/{achievement_id}"),
        ("delete", "/v1/admin/achievements/{achievement_id}"),
        ("get", "/v1/players/{player}/achievements"),
        ("get", "/v1/players/{player}/achievements/{achievement_id}"),
        (
            "post",
            "/v1/players/{player}/achievements/{achievement_id}/progress",
        ),
        (
            "post",
            "/v1/players/{player}/achievements/{achievement_id}/claim",
        ),
        ("post", "/v1/trades"),
        ("get", "/v1/trades/{trade_id}"),
        ("get", "/v1/trades/{trade_id}/ledger"),
        ("post", "/v1/trades/{trade_id}/offer"),
        ("post", "/v1/trades/{trade_id}/confirm"),
        ("post", "/v1/trades/{trade_id}/cancel"),
        ("get", "/v1/players/{player}/trades"),
        ("get", "/v1/admin/trades"),
        ("post", "/v1/admin/trades/expire"),
        ("get", "/v1/admin/loot/tables"),
        ("get", "/v1/admin/loot/tables/{table_id}"),
        ("put", "/v1/admin/loot/tables/{table_id}"),
        ("delete", "/v1/admin/loot/tables/{table_id}"),
        ("post", "/v1/admin/loot/replay"),
        ("post", "/v1/admin/loot/resolve"),
        ("get", "/v1/admin/loot/results/{result_id}"),
        ("post", "/v1/players/{player}/loot"),
        ("get", "/v1/loot/rolls/{roll_id}"),
        ("post", "/v1/players/{player}/loot/rolls/{roll_id}"),
        ("post", "/v1/rooms"),
        ("get", "/v1/rooms"),
        ("get", "/v1/rooms/{room_id}"),
        ("post", "/v1/rooms/{room_id}/enter"),
        ("post", "/v1/rooms/{room_id}/leave"),
        ("get", "/v1/players/{player}/room"),
        ("get", "/v1/lobby"),
        ("post", "/v1/lobby/push"),
        ("post", "/v1/admin/rooms/{room_id}/destroy"),
        ("get", "/v1/admin/rooms/{room_id}/log"),
        ("post", "/v1/admin/rooms/sweep"),
        ("get", "/v1/queues"),
        ("post", "/v1/queues/{queue}/tickets"),
        ("get", "/v1/players/{player}/ticket"),
        ("delete", "/v1/players/{player}/ticket"),
        ("get", "/v1/queues/{queue}/pool"),
        ("post", "/v1/matches/{match_id}/result"),
        ("get", "/v1/matches/{match_id}"),
        ("get", "/v1/players/{player}/matches"),
        ("get", "/v1/players/{player}/ratings/{queue}"),
        ("post", "/v1/auth/register"),
        ("post", "/v1/auth/login"),
        ("post", "/v1/auth/device"),
        ("post", "/v1/auth/vouch"),
        ("post", "/v1/auth/refresh"),
        ("post", "/v1/auth/logout"),
        ("post", "/v1/auth/password"),
        ("post", "/v1/auth/sign-out"),
        ("get", "/v1/auth/me"),
        ("get", "/v1/admin/accounts/{player}"),
        ("get", "/v1/admin/identities/{provider}/{subject}"),
        ("post", "/v1/admin/accounts/{player}/ban"),
        ("post", "/v1/admin/accounts/{player}/unban"),
        ("post", "/v1/admin/accounts/{player}/sign-out"),
        ("put", "/v1/admin/accounts/{player}/whitelist"),
        ("delete", "/v1/admin/accounts/{player}/whitelist"),
        ("get", "/v1/admin/keys"),
        // Characters and the account bank.
        ("get", "/v1/players/{player}/characters"),
        ("post", "/v1/players/{player}/characters"),
        ("get", "/v1/characters/{player}"),
        ("delete", "/v1/players/{player}/characters/{character}"),
        ("post", "/v1/players/{player}/characters/{character}/rename"),
        (
            "post",
            "/v1/players/{player}/characters/{character}/restore",
        ),
        ("post", "/v1/players/{player}/characters/{character}/select"),
        ("get", "/v1/players/{player}/bank"),
        ("post", "/v1/players/{player}/bank/deposit"),
        ("post", "/v1/players/{player}/bank/withdraw"),
        ("get", "/v1/players/{player}/equipment"),
        ("post", "/v1/players/{player}/equipment"),
        ("delete", "/v1/players/{player}/equipment/{slot}"),
        ("get", "/v1/ws"),
        // Payments and game data downloads.
        ("post", "/v1/webhooks/stripe"),
        ("post", "/v1/webhooks/hmac/{provider}"),
        ("get", "/v1/admin/payments"),
        ("get", "/v1/admin/payments/{provider}/{payment_id}"),
        ("put", "/v1/admin/files/{name}"),
        ("get", "/v1/admin/files/{name}/versions"),
        ("get", "/v1/files"),
        ("get", "/v1/files/{name}"),
        // Outbound webhooks; account recovery and closing.
        ("get", "/v1/admin/webhooks"),
        ("post", "/v1/admin/webhooks"),
        ("get", "/v1/admin/webhooks/{webhook_id}"),
        ("put", "/v1/admin/webhooks/{webhook_id}"),
        ("delete", "/v1/admin/webhooks/{webhook_id}"),
        ("post", "/v1/admin/webhooks/{webhook_id}/replay"),
        ("post", "/v1/auth/recovery/start"),
        ("post", "/v1/auth/recovery/reset"),
        ("post", "/v1/auth/reopen"),
        ("post", "/v1/players/{player}/identities/verify/start"),
        ("post", "/v1/players/{player}/identities/verify"),
        ("post", "/v1/players/{player}/close"),
        ("get", "/v1/players/{player}/activity"),
        ("post", "/v1/admin/accounts/{player}/reopen"),
        // Operations.
        ("get", "/v1/admin/log-level"),
        ("put", "/v1/admin/log-level"),
        ("post", "/v1/admin/drain"),
    ];
    let paths = doc["paths"].as_object().unwrap();
    for (method, path) in expected {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing from /openapi.json"
        );
    }
    let count: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(count, expected.len(), "every documented route is expected");
    for schema in [
        "Error",
        "ErrorCode",
        "GrantBody",
        "BalanceChangeResult",
        "PurchaseResult",
        "Wallet",
        "CatalogItem",
        "LedgerReport",
        "PurchaseAnswer",
        "Mail",
        "SendMailRequest",
        "Trigger",
        "Session",
        "Party",
        "Ticket",
        "MatchRecord",
        "TicketStatusView",
    ] {
        assert!(
            doc["components"]["schemas"].get(schema).is_some(),
            "schema {schema} missing"
        );
    }
}
