//! Chat routes: posting with the rules' codes, history pages, operator mutes and
//! history, a player's token reaching only its own player, and delivery on the SSE
//! streams of the channel's members (and of everyone for `global`).

use crate::common::{client_with, spawn_app_with, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

async fn post(app: &TestApp, player: &str, channel: &str, body: &str) -> crate::common::Res {
    app.post(
        "/v1/chat/messages",
        json!({ "player": player, "channel": channel, "body": body }),
    )
    .await
}

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
async fn chat_posting_history_mutes_and_streams() {
    let app = spawn_app_with(|s| {
        s.core.chat.rate_limit = 100;
        s.core.chat.masked_words = vec!["darn".into()];
    })
    .await;
    // Streams of two party members and an outsider, open before anything is posted.
    let mut ann = app.events("ann", None).await;
    let mut ben = app.events("ben", None).await;
    let mut cat = app.events("cat", None).await;

    let party = app
        .post("/v1/parties", json!({ "leader": "ann", "open": true }))
        .await;
    let id = party.ok()["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/v1/parties/{id}/join"),
        json!({ "player": "ben" }),
    )
    .await
    .ok();
    let ch = format!("party:{id}");
    post(&app, "cat", &ch, "let me in")
        .await
        .assert_error(422, "NOT_CHANNEL_MEMBER");
    let m = post(&app, "ben", &ch, "darn good game").await;
    let m = m.ok().clone();
    assert_eq!(m["body"], "**** good game");
    assert_eq!(m["channel"], ch);
    assert_eq!(m["sender"], "ben");

    for s in [&mut ann, &mut ben] {
        let f = s.until("chat_message").await;
        let e = f.json();
        assert_eq!(e["payload"]["id"], m["id"]);
        assert_eq!(e["payload"]["body"], "**** good game");
    }
    // A global message reaches every stream, the outsider's too.
    let g = post(&app, "dan", "global", "hello everyone").await;
    let g = g.ok().clone();
    for s in [&mut ann, &mut ben, &mut cat] {
        let f = s.until("chat_message").await;
        assert_eq!(f.json()["payload"]["id"], g["id"], "global message");
    }
    // cat saw no party message before the global one: nothing else is pending.
    assert!(cat
        .event(std::time::Duration::from_millis(300))
        .await
        .is_none());

    // Bad input, unknown channel kinds.
    post(&app, "ann", "global", "")
        .await
        .assert_error(400, "INVALID_ARGUMENT");
    post(&app, "ann", "lobby:1", "x")
        .await
        .assert_error(400, "INVALID_ARGUMENT");

    // History: members page it newest first; outsiders are refused; operators read all.
    for i in 0..4 {
        post(&app, "ann", &ch, &format!("m{i}")).await.ok();
    }
    let page = app
        .get(&format!("/v1/players/ann/chat?channel={ch}&limit=2"))
        .await;
    let page = page.ok().clone();
    let bodies: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["m3", "m2"]);
    let cursor = page["next_cursor"].as_str().unwrap();
    let next = app
        .get(&format!(
            "/v1/players/ann/chat?channel={ch}&limit=10&before={}",
            urlencode(cursor)
        ))
        .await;
    let next: Vec<Value> = next.ok()["messages"].as_array().unwrap().clone();
    assert_eq!(next.len(), 3);
    assert_eq!(next[2]["body"], "**** good game");
    app.get(&format!("/v1/players/cat/chat?channel={ch}"))
        .await
        .assert_error(422, "NOT_CHANNEL_MEMBER");
    let all = app
        .get(&format!("/v1/admin/chat/history?channel={ch}"))
        .await;
    assert_eq!(all.ok()["messages"].as_array().unwrap().len(), 5);

    // Mute: refused with details.until, stored nowhere; unmute lifts it.
    let until = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let mute = app
        .put(
            "/v1/admin/chat/mutes/ann",
            json!({ "until": until, "reason": "spam" }),
        )
        .await;
    assert_eq!(mute.ok()["reason"], "spam");
    let r = post(&app, "ann", &ch, "muted?").await;
    r.assert_error(422, "MUTED");
    assert!(r.body["details"]["until"].is_string());
    let un = app.delete("/v1/admin/chat/mutes/ann").await;
    assert_eq!(un.ok(), &json!({ "player": "ann", "unmuted": true }));
    post(&app, "ann", &ch, "back").await.ok();
    let all = app
        .get(&format!("/v1/admin/chat/history?channel={ch}&limit=1"))
        .await;
    assert_eq!(all.ok()["messages"][0]["body"], "back");
    app.put(
        "/v1/admin/chat/mutes/ann",
        json!({ "until": "2000-01-01T00:00:00Z" }),
    )
    .await
    .assert_error(400, "INVALID_ARGUMENT");
}

#[tokio::test]
async fn chat_rate_limit_and_player_tokens() {
    let app = spawn_app_with(|s| s.core.chat.rate_limit = 2).await;
    let (tok, me) = token(&app, "zoe").await;
    let zoe = client_with(&tok);
    let send = |client: &reqwest::Client, player: &str, body: &str| {
        client
            .request(Method::POST, format!("{}/v1/chat/messages", app.url))
            .json(&json!({ "player": player, "channel": "global", "body": body }))
    };
    // A player's token posts as that player only.
    let other = app.send(send(&zoe, "ann", "impostor")).await;
    other.assert_error(403, "FORBIDDEN");
    app.send(send(&zoe, &me, "one")).await.ok();
    app.send(send(&zoe, &me, "two")).await.ok();
    let limited = app.send(send(&zoe, &me, "three")).await;
    limited.assert_error(429, "RATE_LIMITED");
    assert!(limited.headers.contains_key("retry-after"));
    assert!(
        limited.body["details"]["retry_after_seconds"]
            .as_u64()
            .unwrap()
            >= 1
    );
    // Reading: own history only; admin routes need the admin scope.
    let own = app
        .send(zoe.get(format!("{}/v1/players/{me}/chat?channel=global", app.url)))
        .await;
    assert_eq!(own.ok()["messages"].as_array().unwrap().len(), 2);
    app.send(zoe.get(format!("{}/v1/players/ann/chat?channel=global", app.url)))
        .await
        .assert_error(403, "FORBIDDEN");
    app.send(zoe.get(format!("{}/v1/admin/chat/history?channel=global", app.url)))
        .await
        .assert_error(403, "FORBIDDEN");
    app.send(
        zoe.put(format!("{}/v1/admin/chat/mutes/{me}", app.url))
            .json(&json!({ "until": "2100-01-01T00:00:00Z" })),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    // Replays of a keyed post answer the original, marked.
    let keyed = || {
        app.client
            .post(format!("{}/v1/chat/messages", app.url))
            .header("Idempotency-Key", "k-1")
            .json(&json!({ "player": "bob", "channel": "global", "body": "once" }))
    };
    let first = app.send(keyed()).await;
    let again = app.send(keyed()).await;
    assert_eq!(again.ok()["id"], first.ok()["id"]);
    assert_eq!(again.ok()["replayed"], true);
    assert_eq!(again.headers["idempotent-replayed"], "true");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
