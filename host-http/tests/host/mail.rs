//! Mail and announcement routes: mailbox, player and admin mail, claims, deletion,
//! the daily send limit, broadcasts, templates, triggers and firing events.

use crate::common::spawn_app;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn admin_mail_open_claim_delete() {
    let app = spawn_app().await;
    let sent = app
        .post(
            "/v1/mail",
            json!({
                "from": {"kind": "admin", "id": "gm"},
                "to": "bob",
                "subject": "Compensation",
                "body": "Sorry for the downtime",
                "attachments": {"currencies": [{"currency": "gold", "amount": 50}], "items": [{"item_id": "1", "quantity": 2}]}
            }),
        )
        .await;
    let sent = sent.ok();
    assert_eq!(sent["replayed"], false);
    let id = sent["mail"]["id"].as_str().unwrap().to_string();

    let list = app.get("/v1/players/bob/mail").await;
    let list = list.ok();
    assert_eq!(list["player"], "bob");
    assert_eq!(list["mails"].as_array().unwrap().len(), 1);
    assert_eq!(list["mails"][0]["subject"], "Compensation");
    assert_eq!(
        list["mails"][0]["sender"],
        json!({"kind": "admin", "id": "gm"})
    );
    assert!(list["mails"][0]["read_at"].is_null());

    let claim = format!("/v1/players/bob/mail/{id}/claim");
    app.post(&claim, json!({}))
        .await
        .assert_error(422, "MAIL_NOT_READ");
    app.delete(&format!("/v1/players/bob/mail/{id}"))
        .await
        .assert_error(422, "MAIL_NOT_READ");

    let opened = app
        .send(app.req(Method::POST, &format!("/v1/players/bob/mail/{id}/open")))
        .await;
    assert!(opened.ok()["read_at"].is_string());
    app.delete(&format!("/v1/players/bob/mail/{id}"))
        .await
        .assert_error(422, "UNCLAIMED_ATTACHMENTS");

    let claimed = app
        .send(
            app.req(Method::POST, &claim)
                .header("Idempotency-Key", "claim-1"),
        )
        .await;
    let claimed = claimed.ok();
    assert!(claimed["mail"]["claimed_at"].is_string());
    assert_eq!(app.gold("bob").await, 50);
    let inv = app.get("/v1/players/bob/inventory").await;
    assert_eq!(inv.ok()["items"][0]["quantity"], 2);

    // The same key again is a replay; a fresh claim is refused.
    let replay = app
        .send(
            app.req(Method::POST, &claim)
                .header("Idempotency-Key", "claim-1"),
        )
        .await;
    assert_eq!(replay.ok()["replayed"], true);
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    app.post(&claim, json!({}))
        .await
        .assert_error(409, "ALREADY_CLAIMED");
    assert_eq!(app.gold("bob").await, 50, "claimed once");

    let del = app.delete(&format!("/v1/players/bob/mail/{id}")).await;
    assert_eq!(del.status.as_u16(), 204);
    let list = app.get("/v1/players/bob/mail").await;
    assert_eq!(list.ok()["mails"], json!([]));
    app.post("/v1/players/bob/mail/nope/open", json!({}))
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn player_mail_daily_limit_and_validation() {
    let app = spawn_app().await;
    for i in 0..10 {
        let r = app
            .post(
                "/v1/players/alice/mail",
                json!({"to": "bob", "subject": format!("hi {i}"), "body": "hello", "idempotency_key": format!("m{i}")}),
            )
            .await;
        assert_eq!(
            r.ok()["mail"]["sender"],
            json!({"kind": "player", "id": "alice"})
        );
    }
    // A replay does not count as another send.
    let again = app
        .post(
            "/v1/players/alice/mail",
            json!({"to": "bob", "subject": "hi 0", "body": "hello", "idempotency_key": "m0"}),
        )
        .await;
    assert_eq!(again.ok()["replayed"], true);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    app.post(
        "/v1/players/alice/mail",
        json!({"to": "bob", "subject": "one too many"}),
    )
    .await
    .assert_error(422, "MAIL_SEND_LIMIT");
    // System mail has no limit.
    app.post(
        "/v1/mail",
        json!({"from": {"kind": "system"}, "to": "bob", "subject": "Daily reward"}),
    )
    .await
    .ok();
    assert_eq!(
        app.get("/v1/players/bob/mail").await.ok()["mails"]
            .as_array()
            .unwrap()
            .len(),
        11
    );

    // Players cannot attach anything; bad bodies are 400.
    app.post(
        "/v1/players/carol/mail",
        json!({"to": "bob", "subject": "gift", "attachments": {"currencies": [{"currency": "gold", "amount": 1}]}}),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
    app.post(
        "/v1/players/carol/mail",
        json!({"to": "bob", "subject": ""}),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
    app.post(
        "/v1/mail",
        json!({"from": {"kind": "system"}, "to": "bob", "subject": "x", "attachments": {"items": [{"item_id": "ghost", "quantity": 1}]}}),
    )
    .await
    .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn broadcast_reaches_listed_players() {
    let app = spawn_app().await;
    let b = app
        .post(
            "/v1/mail/broadcasts",
            json!({"from": {"kind": "system"}, "subject": "Patch notes", "body": "v1.2",
                   "attachments": {"currencies": [{"currency": "gold", "amount": 5}]},
                   "recipients": ["carol", "dave"]}),
        )
        .await;
    let b = b.ok();
    assert!(b["id"].is_string());
    let carol = app.get("/v1/players/carol/mail").await;
    let carol = carol.ok();
    assert_eq!(carol["mails"][0]["subject"], "Patch notes");
    assert_eq!(carol["mails"][0]["broadcast_id"], b["id"]);
    assert_eq!(
        app.get("/v1/players/erin/mail").await.ok()["mails"],
        json!([])
    );
    app.post(
        "/v1/mail/broadcasts",
        json!({"from": {"kind": "player", "id": "carol"}, "subject": "spam"}),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
}

#[tokio::test]
async fn a_retried_broadcast_with_its_key_is_stored_and_paid_once() {
    let app = spawn_app().await;
    // fay and gil exist before the broadcast, so one to every player reaches them.
    app.grant("fay", 1).await;
    app.grant("gil", 1).await;
    let body = json!({"from": {"kind": "admin", "id": "ops"}, "subject": "Sorry gift",
                      "attachments": {"currencies": [{"currency": "gold", "amount": 40}]}});
    let post = |key: &str, body: &serde_json::Value| {
        app.req(Method::POST, "/v1/mail/broadcasts")
            .header("Idempotency-Key", key)
            .json(body)
    };
    let first = app.send(post("gift-1", &body)).await;
    let first = first.ok().clone();
    assert_eq!(first["replayed"], false);
    assert!(first["seq"].as_i64().unwrap() > 0);
    // The admin tool timed out and retried: the same broadcast comes back, marked.
    let again = app.send(post("gift-1", &body)).await;
    assert_eq!(again.headers["idempotent-replayed"], "true");
    let again = again.ok();
    assert_eq!(again["replayed"], true);
    assert_eq!((&again["id"], &again["seq"]), (&first["id"], &first["seq"]));
    // The key in the body works the same.
    let mut in_body = body.clone();
    in_body["idempotency_key"] = json!("gift-1");
    let third = app.post("/v1/mail/broadcasts", in_body).await;
    assert_eq!(third.ok()["id"], first["id"]);
    // The same key for another broadcast is refused.
    let mut other = body.clone();
    other["subject"] = json!("Another gift");
    app.send(post("gift-1", &other))
        .await
        .assert_error(409, "IDEMPOTENCY_CONFLICT");

    for who in ["fay", "gil"] {
        let list = app.get(&format!("/v1/players/{who}/mail")).await;
        let mails = list.ok()["mails"].as_array().unwrap().clone();
        assert_eq!(mails.len(), 1, "{who}: one copy of one broadcast");
        assert_eq!(mails[0]["broadcast_id"], first["id"]);
        let id = mails[0]["id"].as_str().unwrap().to_string();
        app.post(&format!("/v1/players/{who}/mail/{id}/open"), json!({}))
            .await
            .ok();
        app.post(&format!("/v1/players/{who}/mail/{id}/claim"), json!({}))
            .await
            .ok();
        app.post(&format!("/v1/players/{who}/mail/{id}/claim"), json!({}))
            .await
            .assert_error(409, "ALREADY_CLAIMED");
        assert_eq!(app.gold(who).await, 41, "{who} is paid once");
    }
    assert_eq!(app.get("/v1/ledger/verify").await.ok()["ok"], true);
}

#[tokio::test]
async fn templates_triggers_preview_and_fire() {
    let app = spawn_app().await;
    app.get("/v1/templates/welcome")
        .await
        .assert_error(404, "NOT_FOUND");
    let t = app
        .put(
            "/v1/templates/welcome",
            json!({"body": "Hi {name}, welcome to {server}! {{braces}}"}),
        )
        .await;
    assert_eq!(t.ok()["id"], "welcome");
    app.put("/v1/templates/other", json!({"id": "welcome", "body": "x"}))
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    assert_eq!(app.get("/v1/templates").await.ok()[0]["id"], "welcome");

    let p = app
        .post(
            "/v1/templates/welcome/preview",
            json!({"variables": {"name": "Ann", "server": "Alpha"}}),
        )
        .await;
    assert_eq!(p.ok()["text"], "Hi Ann, welcome to Alpha! {braces}");

    // Variables must cover the placeholders when the trigger is created.
    let trigger = json!({"event": "login", "template_id": "welcome", "variables": {"name": "player"},
                         "audience": "player", "kind": "marquee", "cap": {"every": "once"}, "priority": 5});
    app.put("/v1/triggers/greet", trigger.clone())
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    let mut trigger = trigger;
    trigger["variables"]["server"] = json!("Alpha");
    let created = app.put("/v1/triggers/greet", trigger).await;
    assert_eq!(created.ok()["id"], "greet");
    assert_eq!(app.get("/v1/triggers/greet").await.ok()["event"], "login");
    assert_eq!(app.get("/v1/triggers").await.ok()[0]["id"], "greet");
    let mailer = json!({"event": "login", "template_id": "welcome", "variables": {"name": "p", "server": "Alpha"},
                        "audience": "player", "kind": "mail", "cap": {"every": "per_day", "times": 1}});
    app.put("/v1/triggers/welcome-mail", mailer).await.ok();

    let fired = app
        .post(
            "/v1/players/dave/events/fire",
            json!({"event": "login", "variables": {"name": "Dave"}}),
        )
        .await;
    let fired = fired.ok();
    assert_eq!(fired["player"], "dave");
    let messages = fired["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "{fired}");
    assert_eq!(messages[0]["trigger_id"], "greet", "higher priority first");
    assert_eq!(messages[0]["text"], "Hi Dave, welcome to Alpha! {braces}");
    assert!(messages[1]["mail_id"].is_string());
    assert_eq!(
        app.get("/v1/players/dave/mail").await.ok()["mails"][0]["body"],
        "Hi Dave, welcome to Alpha! {braces}"
    );

    // Caps used up: nothing more today.
    let again = app
        .post("/v1/players/dave/events/fire", json!({"event": "login"}))
        .await;
    assert_eq!(again.ok()["messages"], json!([]));

    let cancelled = app.post("/v1/triggers/greet/cancel", json!({})).await;
    assert_eq!(cancelled.ok()["cancelled"], true);
    let erin = app
        .post("/v1/players/erin/events/fire", json!({"event": "login"}))
        .await;
    let erin = erin.ok();
    assert_eq!(erin["messages"].as_array().unwrap().len(), 1);
    assert_eq!(erin["messages"][0]["trigger_id"], "welcome-mail");
    app.post("/v1/triggers/nope/cancel", json!({}))
        .await
        .assert_error(404, "NOT_FOUND");
    app.post("/v1/players/erin/events/fire", json!({"event": ""}))
        .await
        .assert_error(400, "INVALID_ARGUMENT");
}
