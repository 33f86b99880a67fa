//! Leaderboard routes: an operator defines boards, a trusted server submits scores, any
//! signed-in caller reads standings, ranks and periods; a player's token joins a
//! tournament only as itself and cannot post its own score; a tournament's rewards reach
//! the winner at its end (wallet and `reward_granted` on the event stream).

use crate::common::{client_with, spawn_app, TestApp};
use serde_json::json;

async fn token(app: &TestApp, name: &str) -> (String, String) {
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

#[tokio::test]
async fn boards_scores_standings_and_access() {
    let app = spawn_app().await;
    let b = app
        .put(
            "/v1/admin/leaderboards/pvp",
            json!({ "sort": "desc", "operator": "best", "metadata": { "title": "PvP" } }),
        )
        .await;
    assert_eq!(b.ok()["id"], "pvp");
    app.put("/v1/admin/leaderboards/pvp", json!({ "id": "other" }))
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    app.put("/v1/admin/leaderboards/bad", json!({ "sort": "sideways" }))
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    for (p, s) in [("ann", 10), ("bob", 30), ("cid", 20)] {
        let r = app
            .post(
                "/v1/leaderboards/pvp/scores",
                json!({ "player": p, "score": s, "idempotency_key": format!("s-{p}") }),
            )
            .await;
        assert_eq!(r.ok()["changed"], true);
    }
    let again = app
        .post(
            "/v1/leaderboards/pvp/scores",
            json!({ "player": "ann", "score": 10, "idempotency_key": "s-ann" }),
        )
        .await;
    assert_eq!(again.headers["idempotent-replayed"], "true");
    app.post(
        "/v1/leaderboards/nope/scores",
        json!({ "player": "ann", "score": 1 }),
    )
    .await
    .assert_error(404, "NOT_FOUND");

    let (tok, me) = token(&app, "dora").await;
    let dora = client_with(&tok);
    // A player reads standings, but may not post its own score.
    let page = app
        .send(dora.get(format!("{}/v1/leaderboards/pvp/standings?limit=2", app.url)))
        .await;
    let page = page.ok().clone();
    let top: Vec<(&str, i64)> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["player"].as_str().unwrap(), e["rank"].as_i64().unwrap()))
        .collect();
    assert_eq!(top, [("bob", 1), ("cid", 2)]);
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let next = app
        .get(&format!(
            "/v1/leaderboards/pvp/standings?limit=2&cursor={}",
            urlencode(&cursor)
        ))
        .await;
    assert_eq!(next.ok()["entries"][0]["player"], "ann");
    assert_eq!(next.ok()["entries"][0]["rank"], 3);
    assert!(next.ok()["next_cursor"].is_null());
    let r = app
        .send(
            dora.post(format!("{}/v1/leaderboards/pvp/scores", app.url))
                .json(&json!({ "player": me, "score": 1_000_000 })),
        )
        .await;
    r.assert_error(403, "FORBIDDEN");
    let s = app
        .send(dora.get(format!(
            "{}/v1/leaderboards/pvp/players/cid?neighbours=1",
            app.url
        )))
        .await;
    let s = s.ok().clone();
    assert_eq!(s["entry"]["rank"], 2);
    assert_eq!(s["above"][0]["player"], "bob");
    assert_eq!(s["below"][0]["player"], "ann");
    app.get("/v1/leaderboards/pvp/players/zed")
        .await
        .assert_error(404, "NOT_FOUND");
    let list = app
        .send(dora.get(format!("{}/v1/leaderboards", app.url)))
        .await;
    assert_eq!(list.ok().as_array().unwrap().len(), 1);
    app.send(app.anon.get(format!("{}/v1/leaderboards", app.url)))
        .await
        .assert_error(401, "UNAUTHENTICATED");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn a_tournament_takes_its_fee_and_rewards_the_winner_at_its_end() {
    let app = spawn_app().await;
    let now = chrono::Utc::now();
    let end = now + chrono::Duration::seconds(3);
    app.put(
        "/v1/admin/leaderboards/cup",
        json!({
            "tournament": { "start": now - chrono::Duration::seconds(1), "end": end,
                            "entry_fee": { "currency": "gold", "amount": 5 }, "max_entrants": 2 },
            "rewards": [ { "from_rank": 1, "to_rank": 1, "rewards": { "currencies": [ { "currency": "gold", "amount": 50 } ] } } ]
        }),
    )
    .await
    .ok();
    let (tok, me) = token(&app, "erin").await;
    let erin = client_with(&tok);
    app.grant(&me, 5).await;
    app.grant("bob", 10).await;
    let mut stream = app.events(&me, None).await;
    // A player joins as itself only.
    app.send(
        erin.post(format!("{}/v1/leaderboards/cup/join", app.url))
            .json(&json!({ "player": "bob" })),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    let j = app
        .send(
            erin.post(format!("{}/v1/leaderboards/cup/join", app.url))
                .json(&json!({ "player": me })),
        )
        .await;
    assert_eq!(j.ok()["entrants"], 1);
    assert_eq!(app.gold(&me).await, 0);
    app.post("/v1/leaderboards/cup/join", json!({ "player": "bob" }))
        .await
        .ok();
    app.grant("cid", 10).await;
    app.post("/v1/leaderboards/cup/join", json!({ "player": "cid" }))
        .await
        .assert_error(422, "TOURNAMENT_FULL");
    app.post(
        "/v1/leaderboards/cup/scores",
        json!({ "player": me, "score": 9 }),
    )
    .await
    .ok();
    app.post(
        "/v1/leaderboards/cup/scores",
        json!({ "player": "bob", "score": 3 }),
    )
    .await
    .ok();
    app.post(
        "/v1/leaderboards/cup/scores",
        json!({ "player": "cid", "score": 99 }),
    )
    .await
    .assert_error(422, "TOURNAMENT_CLOSED");
    // After the end (and the reset's grace), an operator runs the due resets.
    let wait = (end - chrono::Utc::now()).num_milliseconds() + 2_500;
    tokio::time::sleep(std::time::Duration::from_millis(wait.max(0) as u64)).await;
    app.post(
        "/v1/leaderboards/cup/scores",
        json!({ "player": me, "score": 20 }),
    )
    .await
    .assert_error(422, "TOURNAMENT_CLOSED");
    let r = app.post("/v1/admin/leaderboards/resets", json!({})).await;
    let r = r.ok().clone();
    // The host's own scheduler may have run it first (every 5 s): either way, once.
    let periods = app.get("/v1/leaderboards/cup/periods").await;
    let periods = periods.ok().clone();
    assert_eq!(periods[0]["status"], "archived", "{r} {periods}");
    assert_eq!(periods[0]["granted"][0]["player"], me.as_str());
    assert_eq!(app.gold(&me).await, 50);
    assert_eq!(app.gold("bob").await, 5);
    stream.until("reward_granted").await;
    let again = app.post("/v1/admin/leaderboards/resets", json!({})).await;
    assert!(again.ok()["reset"].as_array().unwrap().is_empty());
    assert_eq!(app.gold(&me).await, 50);
    let v = app.get("/v1/ledger/verify").await;
    assert_eq!(v.ok()["ok"], true);
}

#[tokio::test]
async fn the_hosts_scheduler_runs_a_due_reset_by_itself() {
    let app = spawn_app().await;
    let end = chrono::Utc::now() + chrono::Duration::seconds(2);
    app.put(
        "/v1/admin/leaderboards/daily-cup",
        json!({
            "tournament": { "start": chrono::Utc::now() - chrono::Duration::seconds(1), "end": end },
            "rewards": [ { "from_rank": 1, "to_rank": 1, "rewards": { "currencies": [ { "currency": "gold", "amount": 4 } ] } } ]
        }),
    )
    .await
    .ok();
    app.post(
        "/v1/leaderboards/daily-cup/join",
        json!({ "player": "zoe" }),
    )
    .await
    .ok();
    app.post(
        "/v1/leaderboards/daily-cup/scores",
        json!({ "player": "zoe", "score": 1 }),
    )
    .await
    .ok();
    // Nobody calls the resets route: the scheduler's job (every 5 s) archives the period.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let p = app.get("/v1/leaderboards/daily-cup/periods").await;
        if p.ok()[0]["status"] == "archived" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not reset: {}",
            p.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(app.gold("zoe").await, 4);
}
