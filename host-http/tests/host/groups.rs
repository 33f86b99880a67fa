//! Group routes against a real listening server: the lifecycle, roles and refusals with
//! their codes and statuses, the bank with idempotency keys and the ledger audit, the
//! operator routes.

use crate::common::spawn_app;
use serde_json::json;

#[tokio::test]
async fn group_lifecycle_roles_bank_and_operator_routes() {
    let app = spawn_app().await;
    let g = app
        .post(
            "/v1/groups",
            json!({"owner": "ann", "name": "Iron Hand", "description": "we fight", "max_members": 3}),
        )
        .await;
    let g = g.ok().clone();
    let id = g["id"].as_str().unwrap().to_string();
    assert_eq!(g["owner"], "ann");
    assert_eq!(g["open"], false);
    assert_eq!(g["kind"], "guild");
    assert_eq!(g["members"][0]["role"], "owner");
    app.post("/v1/groups", json!({"owner": "ben", "name": "IRON HAND"}))
        .await
        .assert_error(409, "NAME_TAKEN");
    app.post("/v1/groups", json!({"owner": "ann", "name": "Second"}))
        .await
        .assert_error(422, "LIMIT_REACHED");
    app.post("/v1/groups", json!({"owner": "ben", "name": ""}))
        .await
        .assert_error(400, "INVALID_ARGUMENT");

    let url = |action: &str| format!("/v1/groups/{id}/{action}");
    app.post(&url("join"), json!({"player": "ben"}))
        .await
        .assert_error(422, "GROUP_PERMISSION");
    let r = app.post(&url("requests"), json!({"player": "ben"})).await;
    assert_eq!(r.ok()["requests"][0]["player"], "ben");
    app.post(
        &url("requests/accept"),
        json!({"actor": "ben", "player": "ben"}),
    )
    .await
    .assert_error(422, "NOT_GROUP_MEMBER");
    let a = app
        .post(
            &url("requests/accept"),
            json!({"actor": "ann", "player": "ben"}),
        )
        .await;
    assert_eq!(a.ok()["members"].as_array().unwrap().len(), 2);
    app.post(&url("invites"), json!({"actor": "ben", "player": "cat"}))
        .await
        .assert_error(422, "GROUP_PERMISSION");
    let p = app
        .post(&url("promote"), json!({"actor": "ann", "player": "ben"}))
        .await;
    assert_eq!(p.ok()["members"][1]["role"], "officer");
    let inv = app
        .post(&url("invites"), json!({"actor": "ben", "player": "cat"}))
        .await;
    assert_eq!(inv.ok()["invited_by"], "ben");
    app.post(&url("accept"), json!({"player": "cat"}))
        .await
        .ok();
    // Full at 3.
    app.post(&url("invites"), json!({"actor": "ann", "player": "dan"}))
        .await
        .assert_error(422, "GROUP_FULL");
    app.post(&url("kick"), json!({"actor": "cat", "player": "ben"}))
        .await
        .assert_error(422, "GROUP_PERMISSION");
    app.post(
        "/v1/groups/no-such-group/kick",
        json!({"actor": "ann", "player": "ben"}),
    )
    .await
    .assert_error(404, "NOT_FOUND");

    assert_eq!(
        app.get("/v1/players/cat/groups").await.ok()[0]["id"],
        id.as_str()
    );
    let found = app.get("/v1/groups?prefix=iron&limit=5").await;
    assert_eq!(found.ok()["groups"][0]["member_count"], 3);
    app.get("/v1/groups?limit=500")
        .await
        .assert_error(400, "INVALID_ARGUMENT");

    // The bank: members deposit, officers withdraw, keyed calls replay.
    app.grant("cat", 100).await;
    let d = app
        .post(
            &url("bank/deposit"),
            json!({"player": "cat", "currency": "gold", "amount": 70, "idempotency_key": "d1"}),
        )
        .await;
    assert_eq!(d.ok()["group_balance"], 70);
    let again = app
        .post(
            &url("bank/deposit"),
            json!({"player": "cat", "currency": "gold", "amount": 70, "idempotency_key": "d1"}),
        )
        .await;
    assert_eq!(again.ok()["replayed"], true);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(app.gold("cat").await, 30);
    app.post(
        &url("bank/withdraw"),
        json!({"player": "cat", "currency": "gold", "amount": 1}),
    )
    .await
    .assert_error(422, "GROUP_PERMISSION");
    app.post(
        &url("bank/withdraw"),
        json!({"player": "ben", "currency": "gold", "amount": 71}),
    )
    .await
    .assert_error(422, "INSUFFICIENT_FUNDS");
    let w = app
        .post(
            &url("bank/withdraw"),
            json!({"player": "ben", "currency": "gold", "amount": 20}),
        )
        .await;
    assert_eq!(w.ok()["group_balance"], 50);
    let bank = app.get(&url("bank")).await;
    assert_eq!(bank.ok()["balances"][0]["amount"], 50);
    assert_eq!(app.get("/v1/ledger/verify").await.ok()["ok"], true);

    // Succession: ann leaves, the officer ben owns it.
    let left = app.post(&url("leave"), json!({"player": "ann"})).await;
    assert_eq!(left.ok()["group"]["owner"], "ben");

    // Operator routes.
    let by_name = app.get("/v1/admin/groups/by-name/iron%20HAND").await;
    assert_eq!(by_name.ok()["id"], id.as_str());
    let removed = app
        .post(
            &format!("/v1/admin/groups/{id}/remove-member"),
            json!({"player": "cat"}),
        )
        .await;
    assert_eq!(
        removed.ok()["group"]["members"].as_array().unwrap().len(),
        1
    );
    let gone = app
        .post(&format!("/v1/admin/groups/{id}/disband"), json!({}))
        .await;
    assert_eq!(gone.status.as_u16(), 204);
    app.get(&format!("/v1/groups/{id}"))
        .await
        .assert_error(404, "NOT_FOUND");
    // The bank went to the owner, ben (20 withdrawn + 50 paid out).
    assert_eq!(app.gold("ben").await, 70);
    assert_eq!(app.get("/v1/ledger/verify").await.ok()["ok"], true);
    // The name is free again.
    app.post("/v1/groups", json!({"owner": "eve", "name": "iron hand"}))
        .await
        .ok();
}
