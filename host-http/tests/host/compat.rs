//! The seed 002 compatibility routes with their exact shapes.

use crate::common::spawn_app;
use serde_json::json;

#[tokio::test]
async fn health() {
    let app = spawn_app().await;
    assert_eq!(
        app.get("/api/v1/health").await.ok(),
        &json!({"status": "ok"})
    );
}

#[tokio::test]
async fn add_funds_purchase_use_inventory() {
    let app = spawn_app().await;
    let f = app
        .post(
            "/api/v1/users/42/add-funds",
            json!({"amount": 100, "idempotency_key": "topup-1"}),
        )
        .await;
    assert_eq!(f.ok(), &json!({"user_id": 42, "balance": 100}));
    let again = app
        .post(
            "/api/v1/users/42/add-funds",
            json!({"amount": 100, "idempotency_key": "topup-1"}),
        )
        .await;
    assert_eq!(
        again.ok(),
        &json!({"user_id": 42, "balance": 100}),
        "a repeated key credits once"
    );
    assert_eq!(again.headers["idempotent-replayed"], "true");
    app.post(
        "/api/v1/users/42/add-funds",
        json!({"amount": 99, "idempotency_key": "topup-1"}),
    )
    .await
    .assert_error(409, "IDEMPOTENCY_CONFLICT");
    app.post("/api/v1/users/42/add-funds", json!({"amount": 10.5}))
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    assert_eq!(
        app.gold("42").await,
        100,
        "the default currency was credited"
    );

    // user_id as a JSON number is the decimal player id; it is echoed as given.
    let p = app
        .post(
            "/api/v1/products/1/purchase",
            json!({"user_id": 42, "quantity": 2}),
        )
        .await;
    let p = p.ok();
    let keys: Vec<_> = p.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "amount",
            "balance",
            "product_id",
            "quantity",
            "transaction_id",
            "user_id"
        ]
    );
    assert_eq!(p["user_id"], json!(42));
    assert_eq!(p["product_id"], "1");
    assert_eq!(
        (
            p["quantity"].as_i64(),
            p["amount"].as_i64(),
            p["balance"].as_i64()
        ),
        (Some(2), Some(20), Some(80))
    );

    // The same player by string id; too poor for the sword.
    let s = app
        .post("/api/v1/products/sword/purchase", json!({"user_id": "42"}))
        .await;
    s.assert_error(422, "INSUFFICIENT_FUNDS");
    app.post("/api/v1/users/42/add-funds", json!({"amount": 20}))
        .await
        .ok();
    let s = app
        .post(
            "/api/v1/products/sword/purchase",
            json!({"user_id": "42", "quantity": 1}),
        )
        .await;
    assert_eq!(s.ok()["user_id"], "42");
    assert_eq!(s.body["balance"], 0);
    app.post("/api/v1/products/sword/purchase", json!({"user_id": 42}))
        .await
        .assert_error(409, "ALREADY_OWNED");
    app.post("/api/v1/products/nope/purchase", json!({"user_id": 42}))
        .await
        .assert_error(404, "NOT_FOUND");

    let u = app
        .post(
            "/api/v1/products/1/use",
            json!({"user_id": 42, "quantity": 1}),
        )
        .await;
    assert_eq!(
        u.ok(),
        &json!({"user_id": 42, "product_id": "1", "remaining": 1})
    );
    app.post("/api/v1/products/sword/use", json!({"user_id": 42}))
        .await
        .assert_error(422, "NOT_CONSUMABLE");
    app.post("/api/v1/products/1/use", json!({"user_id": 7}))
        .await
        .assert_error(422, "NOT_OWNED");

    let inv = app.get("/api/v1/users/42/inventory").await;
    assert_eq!(
        inv.ok(),
        &json!({"user_id": 42, "items": [
            {"product_id": "1", "name": "Health Potion", "type": "consumable", "quantity": 1},
            {"product_id": "sword", "name": "Sword", "type": "permanent", "quantity": 1},
        ]})
    );
    let unknown = app.get("/api/v1/users/discord-1234/inventory").await;
    assert_eq!(
        unknown.ok(),
        &json!({"user_id": "discord-1234", "items": []})
    );

    let pop = app.get("/api/v1/analytics/popular-products?limit=10").await;
    assert_eq!(
        pop.ok(),
        &json!([
            {"product_id": "1", "name": "Health Potion", "total_quantity": 2, "purchases": 1},
            {"product_id": "sword", "name": "Sword", "total_quantity": 1, "purchases": 1},
        ])
    );
    assert_eq!(
        app.get("/api/v1/analytics/popular-products?limit=1")
            .await
            .ok()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    app.get("/api/v1/analytics/popular-products?limit=ten")
        .await
        .assert_error(400, "INVALID_ARGUMENT");
}

#[tokio::test]
async fn compat_errors_use_the_json_error_body() {
    let app = spawn_app().await;
    app.post("/api/v1/products/1/purchase", json!({"quantity": 1}))
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    app.post("/api/v1/products/1/purchase", json!({"user_id": 4.5}))
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    app.post("/api/v1/products/1/purchase", json!({"user_id": ""}))
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    app.post("/api/v1/products/1/purchase", json!({"user_id": 1}))
        .await
        .assert_error(422, "INSUFFICIENT_FUNDS");
    let long = "9".repeat(129);
    app.get(&format!("/api/v1/users/{long}/inventory"))
        .await
        .assert_error(400, "INVALID_ARGUMENT");
}

/// SPEC.md "Clarifications (second round)", seed 002 drop-in: with `[compat]
/// anonymous_from`, an unmodified seed 002 client (no credentials) on a listed network
/// completes a session; the same requests from another address get 401, and the rest
/// of the API still needs credentials from everywhere.
#[tokio::test]
async fn seed_002_clients_without_credentials_are_served_from_listed_networks_only() {
    let app = crate::common::spawn_app_with(|s| {
        s.auth.anonymous_compat_from = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    // Loopback is 127.0.0.0/8 on Linux: a client bound to 127.0.0.2 is another address.
    let listed = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 1]))
        .build()
        .unwrap();
    let unlisted = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let post = |c: &reqwest::Client, path: &str, body: serde_json::Value| {
        app.send(c.post(format!("{}{}", app.url, path)).json(&body))
    };

    // The seed 002 session, as its client sends it.
    let f = post(&listed, "/api/v1/users/7/add-funds", json!({"amount": 100})).await;
    assert_eq!(f.ok(), &json!({"user_id": 7, "balance": 100}));
    let p = post(
        &listed,
        "/api/v1/products/1/purchase",
        json!({"user_id": 7, "quantity": 2}),
    )
    .await;
    assert_eq!(p.ok()["quantity"], 2);
    let u = post(
        &listed,
        "/api/v1/products/1/use",
        json!({"user_id": 7, "quantity": 1}),
    )
    .await;
    assert_eq!(u.ok()["remaining"], 1);
    let inv = app
        .send(listed.get(format!("{}/api/v1/users/7/inventory", app.url)))
        .await;
    assert_eq!(inv.ok()["items"][0]["quantity"], 1);
    let pop = app
        .send(listed.get(format!(
            "{}/api/v1/analytics/popular-products?limit=5",
            app.url
        )))
        .await;
    assert_eq!(pop.ok()[0]["product_id"], "1");
    // The anonymous caller's idempotency keys work as everywhere else.
    let k = json!({"amount": 5, "idempotency_key": "anon-1"});
    post(&listed, "/api/v1/users/7/add-funds", k.clone())
        .await
        .ok();
    let again = post(&listed, "/api/v1/users/7/add-funds", k).await;
    assert_eq!(again.headers["idempotent-replayed"], "true");
    let balance = app.gold("7").await;
    assert_eq!(balance, 100 - 2 * 10 + 5);

    // Another address: 401, nothing changed.
    for (path, body) in [
        ("/api/v1/users/7/add-funds", json!({"amount": 100})),
        (
            "/api/v1/products/1/purchase",
            json!({"user_id": 7, "quantity": 1}),
        ),
    ] {
        let r = post(&unlisted, path, body).await;
        r.assert_error(401, "UNAUTHENTICATED");
        assert!(r.body["message"]
            .as_str()
            .unwrap()
            .contains("anonymous_from"));
    }
    app.send(unlisted.get(format!("{}/api/v1/users/7/inventory", app.url)))
        .await
        .assert_error(401, "UNAUTHENTICATED");
    assert_eq!(app.gold("7").await, balance);
    // Other routes still need credentials on the listed network.
    app.send(listed.get(format!("{}/v1/players/7/wallet", app.url)))
        .await
        .assert_error(401, "UNAUTHENTICATED");
    // A banned user is refused even on the listed network.
    app.post("/v1/admin/accounts/7/ban", json!({"reason": "test"}))
        .await
        .ok();
    let banned = post(
        &listed,
        "/api/v1/products/1/purchase",
        json!({"user_id": 7, "quantity": 1}),
    )
    .await;
    assert_eq!(banned.status.as_u16(), 403, "{}", banned.body);
    let gold = app
        .server
        .guildhall()
        .balance(&guildhall_core::types::PlayerId::new("7").unwrap(), "gold")
        .await
        .unwrap();
    assert_eq!(gold, balance);
}

/// Off by default: an anonymous seed 002 client from loopback gets 401.
#[tokio::test]
async fn seed_002_routes_need_credentials_by_default() {
    let app = spawn_app().await;
    let r = app
        .send(
            app.anon
                .post(format!("{}/api/v1/users/7/add-funds", app.url))
                .json(&json!({"amount": 100})),
        )
        .await;
    r.assert_error(401, "UNAUTHENTICATED");
    assert_eq!(app.gold("7").await, 0);
}
