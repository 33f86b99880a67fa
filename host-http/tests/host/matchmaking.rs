//! Matchmaking routes and the scheduler's tick: tickets, pools, `match_found` on the
//! players' streams, results, ratings and history.

use crate::common::{spawn_app, EventStream};
use serde_json::json;

#[tokio::test]
async fn tickets_status_pool_and_cancel() {
    let app = spawn_app().await;
    let queues = app.get("/v1/queues").await;
    assert_eq!(queues.ok()[0]["name"], "duel");

    let t = app
        .post("/v1/queues/duel/tickets", json!({"player": "p1"}))
        .await;
    let t = t.ok().clone();
    assert_eq!(t["queue"], "duel");
    assert_eq!(t["players"], json!(["p1"]));
    app.post("/v1/queues/duel/tickets", json!({"player": "p1"}))
        .await
        .assert_error(409, "TICKET_EXISTS");
    app.post("/v1/queues/nope/tickets", json!({"player": "p2"}))
        .await
        .assert_error(404, "NOT_FOUND");
    app.post(
        "/v1/queues/duel/tickets",
        json!({"player": "p2", "properties": {"region": "eu"}}),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");

    let status = app.get("/v1/players/p1/ticket").await;
    let status = status.ok();
    assert_eq!(status["ticket"]["id"], t["id"]);
    assert!(status["waited_secs"].as_i64().unwrap() >= 0);
    assert!(status["window"].as_f64().is_some());
    let pool = app.get("/v1/queues/duel/pool").await;
    assert_eq!(pool.ok()["tickets"][0]["id"], t["id"]);

    let cancelled = app.delete("/v1/players/p1/ticket").await;
    assert_eq!(cancelled.ok()["id"], t["id"]);
    app.get("/v1/players/p1/ticket")
        .await
        .assert_error(404, "NOT_FOUND");
    app.delete("/v1/players/p1/ticket")
        .await
        .assert_error(404, "NOT_FOUND");
    app.get("/v1/queues/nope/pool")
        .await
        .assert_error(404, "NOT_FOUND");
    let r = app.get("/v1/players/p1/ratings/duel").await;
    assert_eq!(r.ok()["rating"]["rating"], 1500.0);
    app.get("/v1/players/p1/ratings/nope")
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn scheduler_matches_two_players_and_results_update_ratings() {
    let app = spawn_app().await;
    let mut s1 = app.events("duelist-1", None).await;
    let mut s2 = app.events("duelist-2", None).await;
    app.post("/v1/queues/duel/tickets", json!({"player": "duelist-1"}))
        .await
        .ok();
    app.post("/v1/queues/duel/tickets", json!({"player": "duelist-2"}))
        .await
        .ok();

    let f1 = s1.until("match_found").await;
    let f2 = s2.until("match_found").await;
    assert_eq!(f1.seq(), f2.seq(), "one event to both players");
    let m = f1.json()["payload"]["match"].clone();
    let id = m["id"].as_str().unwrap().to_string();
    let mut players: Vec<String> = m["teams"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| {
            t.as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().to_string())
        })
        .collect();
    players.sort();
    assert_eq!(players, ["duelist-1", "duelist-2"]);
    app.get("/v1/players/duelist-1/ticket")
        .await
        .assert_error(404, "NOT_FOUND");

    let rec = app.get(&format!("/v1/matches/{id}")).await;
    assert!(rec.ok()["result"].is_null());
    let winner = m["teams"][0][0].as_str().unwrap().to_string();

    let rep = app
        .post(
            &format!("/v1/matches/{id}/result"),
            json!({"ranks": [0, 1]}),
        )
        .await;
    let rep = rep.ok();
    assert_eq!(rep["replayed"], false);
    assert_eq!(rep["record"]["rating_changes"].as_array().unwrap().len(), 2);
    let again = app
        .post(
            &format!("/v1/matches/{id}/result"),
            json!({"ranks": [0, 1]}),
        )
        .await;
    assert_eq!(again.ok()["replayed"], true);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    app.post(
        &format!("/v1/matches/{id}/result"),
        json!({"ranks": [1, 0]}),
    )
    .await
    .assert_error(409, "IDEMPOTENCY_CONFLICT");
    app.post("/v1/matches/nope/result", json!({"ranks": [0, 1]}))
        .await
        .assert_error(404, "NOT_FOUND");

    let r = app.get(&format!("/v1/players/{winner}/ratings/duel")).await;
    assert!(r.ok()["rating"]["rating"].as_f64().unwrap() > 1500.0);
    let u = EventStream::expect_kind(
        if winner == "duelist-1" {
            s1.event(crate::common::EVENT_WAIT).await
        } else {
            s2.event(crate::common::EVENT_WAIT).await
        },
        "rating_updated",
    );
    assert_eq!(u.json()["payload"]["match_id"], id.as_str());

    let h = app.get("/v1/players/duelist-2/matches?limit=5").await;
    let h = h.ok();
    assert_eq!(h["matches"][0]["id"], id.as_str());
    assert!(h["matches"][0]["result"].is_object());
    app.get("/v1/players/duelist-2/matches?limit=0")
        .await
        .assert_error(400, "INVALID_ARGUMENT");
}
