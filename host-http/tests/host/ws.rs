//! The WebSocket live transport (`GET /v1/ws`) against real listening servers with a
//! real WebSocket client: authentication (header, `?access_token=`, first message),
//! topic subscriptions checked against membership, resume without gaps or duplicates,
//! chat posts over the socket, heartbeats, the browser query token on the SSE stream,
//! and fan-out from one host to a socket on another (PostgreSQL + Redis).

use crate::common::{client_with, spawn_app, EventStream, TestApp, EVENT_WAIT};
use futures::{SinkExt, StreamExt};
use guildhall_host::{spawn, Settings};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a socket is watched for frames that must not come.
const QUIET: Duration = Duration::from_millis(700);

struct Ws {
    socket: Socket,
    pings: usize,
}

/// Connects to `GET /v1/ws{query}` on `base` (an `http://` URL), with `bearer` as the
/// `Authorization` header. `Err(status)` when the upgrade is refused.
async fn connect(base: &str, query: &str, bearer: Option<&str>) -> Result<Ws, u16> {
    let url = format!("{}/v1/ws{query}", base.replacen("http://", "ws://", 1));
    let mut req = url.into_client_request().unwrap();
    if let Some(t) = bearer {
        req.headers_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((socket, _)) => Ok(Ws { socket, pings: 0 }),
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => Err(res.status().as_u16()),
        Err(e) => panic!("websocket connect failed: {e}"),
    }
}

impl Ws {
    async fn send(&mut self, v: Value) {
        self.socket
            .send(Message::Text(v.to_string().into()))
            .await
            .expect("send");
    }

    /// The next JSON frame (pings and pongs skipped), `None` on close or after `wait`.
    async fn next(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => {
                    return Some(serde_json::from_str(t.as_str()).expect("JSON frame"))
                }
                Ok(Some(Ok(Message::Ping(_)))) => self.pings += 1,
                Ok(Some(Ok(Message::Pong(_) | Message::Frame(_)))) => {}
                Ok(Some(Ok(Message::Binary(_)))) => panic!("binary frame"),
                Ok(Some(Ok(Message::Close(_))) | Some(Err(_)) | None) | Err(_) => return None,
            }
        }
    }

    /// The next frame, which must be of `kind` (`type`).
    async fn expect(&mut self, kind: &str) -> Value {
        let f = self
            .next(EVENT_WAIT)
            .await
            .unwrap_or_else(|| panic!("no `{kind}` frame"));
        assert_eq!(f["type"], kind, "frame: {f}");
        f
    }

    /// Subscribes; the answer (`subscribed` or `error`).
    async fn subscribe(&mut self, topics: &[&str], after: Option<i64>) -> Value {
        let mut m = json!({ "type": "subscribe", "topics": topics, "ref": "s" });
        if let Some(a) = after {
            m["after"] = json!(a);
        }
        self.send(m).await;
        loop {
            let f = self.next(EVENT_WAIT).await.expect("an answer to subscribe");
            if f["ref"] == "s" {
                return f;
            }
        }
    }

    /// Event frames until none comes for `QUIET`.
    async fn drain_events(&mut self) -> Vec<Value> {
        let mut out = Vec::new();
        while let Some(f) = self.next(QUIET).await {
            if f["type"] == "event" {
                out.push(f);
            }
        }
        out
    }
}

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

/// The seqs of the outbox's events listing `player` after `after`.
async fn outbox_seqs(app: &TestApp, player: &str, after: i64) -> BTreeSet<i64> {
    let page = app
        .get(&format!("/v1/events?after={after}&limit=1000"))
        .await;
    page.ok()["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["players"].as_array().unwrap().iter().any(|p| p == player))
        .map(|e| e["seq"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_socket_receives_its_players_events_as_the_sse_stream_does() {
    let app = spawn_app().await;
    let (token, me) = register(&app, "wsann").await;
    let mut ws = connect(&app.url, "", Some(&token)).await.expect("upgrade");
    let ready = ws.expect("ready").await;
    assert_eq!(ready["player"], me.as_str());
    let mut sse =
        EventStream::open(client_with(&token).get(format!("{}/v1/players/{me}/events", app.url)))
            .await;
    let ok = ws.subscribe(&[&format!("player:{me}")], None).await;
    assert_eq!(ok["type"], "subscribed", "{ok}");
    assert_eq!(ok["topics"], json!([format!("player:{me}")]));
    app.grant(&me, 7).await;
    let e = ws.expect("event").await;
    let s = EventStream::expect_kind(sse.event(EVENT_WAIT).await, "currency_granted");
    // The same id and the same JSON on both transports.
    assert_eq!(e["id"].as_i64().unwrap(), s.seq());
    assert_eq!(e["kind"], "currency_granted");
    assert_eq!(e["event"], s.json());
    assert_eq!(e["event"]["payload"]["amount"], 7);
    // A ping answered, an unknown message refused with a code, the socket stays open.
    ws.send(json!({ "type": "ping", "ref": 9 })).await;
    assert_eq!(ws.expect("pong").await["ref"], 9);
    ws.send(json!({ "type": "shout" })).await;
    assert_eq!(ws.expect("error").await["code"], "INVALID_ARGUMENT");
    // Heartbeats: the server pings (every second in these tests).
    let _ = ws.next(Duration::from_millis(2500)).await;
    assert!(ws.pings >= 1, "no ping from the server");
    // Unsubscribed: nothing more arrives.
    ws.send(json!({ "type": "unsubscribe", "topics": [format!("player:{me}")], "ref": 1 }))
        .await;
    assert_eq!(ws.expect("unsubscribed").await["topics"], json!([]));
    app.grant(&me, 1).await;
    assert!(ws.drain_events().await.is_empty());
}

#[tokio::test]
async fn a_reconnecting_socket_misses_nothing_and_sees_nothing_twice() {
    let app = spawn_app().await;
    let (token, me) = register(&app, "wsresume").await;
    let topic = format!("player:{me}");
    let mut ws = connect(&app.url, "", Some(&token)).await.unwrap();
    ws.expect("ready").await;
    ws.subscribe(&[&topic], None).await;
    for i in 1..=3 {
        app.grant(&me, i).await;
    }
    let first = ws.drain_events().await;
    assert_eq!(first.len(), 3);
    let last = first.last().unwrap()["id"].as_i64().unwrap();
    drop(ws);
    // Committed while disconnected.
    for i in 4..=6 {
        app.grant(&me, i).await;
    }
    // Reconnect with the last id while grants keep committing (the replay races the
    // live feed).
    let writer = {
        let client = app.client.clone();
        let url = format!("{}/v1/players/{me}/grant", app.url);
        tokio::spawn(async move {
            for i in 7..=16 {
                client
                    .post(&url)
                    .json(&json!({ "currency": "gold", "amount": i }))
                    .send()
                    .await
                    .unwrap();
            }
        })
    };
    let mut ws = connect(&app.url, &format!("?after={last}"), Some(&token))
        .await
        .unwrap();
    ws.expect("ready").await;
    ws.subscribe(&[&topic], None).await;
    writer.await.unwrap();
    let got: Vec<i64> = ws
        .drain_events()
        .await
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    let unique: BTreeSet<i64> = got.iter().copied().collect();
    assert_eq!(unique.len(), got.len(), "duplicates in {got:?}");
    assert_eq!(
        unique,
        outbox_seqs(&app, &me, last).await,
        "gaps in {got:?}"
    );
    assert_eq!(unique.len(), 13);
    // `after` in the first subscribe works as well as `?after=`.
    let mut ws = connect(&app.url, "", Some(&token)).await.unwrap();
    ws.expect("ready").await;
    ws.subscribe(&[&topic], Some(last)).await;
    let again: BTreeSet<i64> = ws
        .drain_events()
        .await
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(again, unique);
}

#[tokio::test]
async fn subscriptions_are_checked_against_membership_and_chat_posts_over_the_socket() {
    let app = spawn_app().await;
    let (ann_token, ann) = register(&app, "wsann2").await;
    let (ben_token, ben) = register(&app, "wsben2").await;
    let (_, cat) = register(&app, "wscat2").await;
    // Cat's party and group, which Ann is not in; Ann and Ben's party.
    let cats = app.post("/v1/parties", json!({ "leader": cat })).await;
    let cats = cats.ok()["id"].as_str().unwrap().to_string();
    let group = app
        .post("/v1/groups", json!({ "owner": cat, "name": "Cat Club" }))
        .await;
    let group = group.ok()["id"].as_str().unwrap().to_string();
    let ours = app
        .post("/v1/parties", json!({ "leader": ann, "open": true }))
        .await;
    let ours = ours.ok()["id"].as_str().unwrap().to_string();
    app.post(
        &format!("/v1/parties/{ours}/join"),
        json!({ "player": ben }),
    )
    .await
    .ok();

    let mut ws = connect(&app.url, "", Some(&ann_token)).await.unwrap();
    ws.expect("ready").await;
    for (topic, code) in [
        (format!("player:{ben}"), "FORBIDDEN"),
        (format!("party:{cats}"), "NOT_IN_PARTY"),
        (format!("group:{group}"), "NOT_GROUP_MEMBER"),
        ("room:lobby-1".to_string(), "FORBIDDEN"),
        (format!("chat:party:{cats}"), "NOT_CHANNEL_MEMBER"),
        ("nonsense".to_string(), "INVALID_ARGUMENT"),
    ] {
        let f = ws.subscribe(&[&topic], None).await;
        assert_eq!(f["type"], "error", "{topic}: {f}");
        assert_eq!(f["code"], code, "{topic}: {f}");
    }
    // All or nothing: a refused topic leaves the good one of the same message out too.
    let f = ws
        .subscribe(&[&format!("party:{ours}"), &format!("party:{cats}")], None)
        .await;
    assert_eq!(f["code"], "NOT_IN_PARTY");
    let f = ws.subscribe(&["global"], None).await;
    assert_eq!(
        f["topics"],
        json!(["global"]),
        "nothing else was subscribed"
    );
    // Nothing of Cat's party reaches Ann.
    app.post(
        "/v1/chat/messages",
        json!({ "player": cat, "channel": format!("party:{cats}"), "body": "secret" }),
    )
    .await
    .ok();
    assert!(ws.drain_events().await.is_empty());

    // Members: Ann subscribes to her party; Ben posts over his own socket.
    let f = ws.subscribe(&[&format!("party:{ours}")], None).await;
    assert_eq!(f["type"], "subscribed", "{f}");
    let mut bens = connect(&app.url, "", Some(&ben_token)).await.unwrap();
    bens.expect("ready").await;
    bens.send(json!({ "type": "post", "channel": format!("party:{ours}"), "body": "hi ann", "ref": "p1" }))
        .await;
    let posted = bens.expect("posted").await;
    assert_eq!(posted["ref"], "p1");
    assert_eq!(posted["message"]["sender"], ben.as_str());
    let e = ws.expect("event").await;
    assert_eq!(e["kind"], "chat_message");
    assert_eq!(e["event"]["payload"]["body"], "hi ann");
    assert_eq!(e["event"]["payload"]["id"], posted["message"]["id"]);
    // A post refused by the chat rules answers their code and sends nothing.
    bens.send(
        json!({ "type": "post", "channel": format!("party:{cats}"), "body": "x", "ref": "p2" }),
    )
    .await;
    let refused = bens.expect("error").await;
    assert_eq!(
        (refused["code"].as_str(), refused["ref"].as_str()),
        (Some("NOT_CHANNEL_MEMBER"), Some("p2"))
    );
    // Ben leaves: events of the party no longer list him... and reach Ann still.
    app.post(
        &format!("/v1/parties/{ours}/leave"),
        json!({ "player": ben }),
    )
    .await
    .ok();
    let left = ws.expect("event").await;
    assert_eq!(left["event"]["payload"]["party_id"], ours.as_str());

    // A room: only while the player is in it. Claiming it at login does not count;
    // entering it (here by creating it) does.
    let hall = app
        .post("/v1/rooms", json!({ "room_type": "hall", "capacity": 4 }))
        .await
        .ok()["room"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let topic = format!("room:{hall}");
    app.post(
        &format!("/v1/players/{ann}/session"),
        json!({ "room": hall }),
    )
    .await
    .ok();
    let f = ws.subscribe(&[&topic], None).await;
    assert_eq!(f["code"], "FORBIDDEN");
    app.post(&format!("/v1/rooms/{hall}/enter"), json!({ "player": ann }))
        .await
        .ok();
    let f = ws.subscribe(&[&topic], None).await;
    assert_eq!(f["type"], "subscribed", "{f}");
}

#[tokio::test]
async fn browsers_authenticate_by_query_token_or_first_message_and_bad_tokens_are_refused() {
    let app = spawn_app().await;
    let (token, me) = register(&app, "wsbrowser").await;
    let (other_token, _) = register(&app, "wsother").await;
    // WebSocket: ?access_token=.
    let mut ws = connect(&app.url, &format!("?access_token={token}"), None)
        .await
        .expect("query token accepted");
    assert_eq!(ws.expect("ready").await["player"], me.as_str());
    assert_eq!(
        connect(&app.url, "?access_token=not-a-token", None)
            .await
            .err(),
        Some(401)
    );
    // An API key never in a URL; another player's events refused.
    let key = app
        .server
        .guildhall()
        .create_api_key("ws-events", &["events".to_string()])
        .await
        .unwrap()
        .key;
    assert_eq!(
        connect(&app.url, &format!("?access_token={key}&player={me}"), None)
            .await
            .err(),
        Some(401)
    );
    assert_eq!(
        connect(&app.url, &format!("?player={me}"), Some(&other_token))
            .await
            .err(),
        Some(403)
    );
    // A key in the header acts for the player it names.
    let mut by_key = connect(&app.url, &format!("?player={me}"), Some(&key))
        .await
        .unwrap();
    assert_eq!(by_key.expect("ready").await["player"], me.as_str());
    // First-message auth.
    let mut first = connect(&app.url, "", None).await.unwrap();
    first.send(json!({ "type": "auth", "token": token })).await;
    assert_eq!(first.expect("ready").await["player"], me.as_str());
    first.subscribe(&[&format!("player:{me}")], None).await;
    let mut bad = connect(&app.url, "", None).await.unwrap();
    bad.send(json!({ "type": "auth", "token": "forged" })).await;
    assert_eq!(bad.expect("error").await["code"], "UNAUTHENTICATED");
    assert!(bad.next(EVENT_WAIT).await.is_none(), "the socket closes");
    let mut early = connect(&app.url, "", None).await.unwrap();
    early
        .send(json!({ "type": "subscribe", "topics": ["global"] }))
        .await;
    assert_eq!(early.expect("error").await["code"], "UNAUTHENTICATED");

    // SSE: ?access_token= on the stream route.
    let mut sse = EventStream::open(app.anon.get(format!(
        "{}/v1/players/{me}/events?access_token={token}",
        app.url
    )))
    .await;
    app.grant(&me, 3).await;
    EventStream::expect_kind(sse.event(EVENT_WAIT).await, "currency_granted");
    ws.subscribe(&[&format!("player:{me}")], Some(0)).await;
    // Replayed from the start: the account's own events (`account_registered`, ...)
    // come first, then the grant.
    loop {
        let e = ws.expect("event").await;
        if e["kind"] == "currency_granted" {
            break;
        }
        assert!(
            e["kind"].as_str().unwrap().starts_with("account_") || e["kind"] == "logged_in",
            "{e}"
        );
    }
    assert_eq!(first.expect("event").await["kind"], "currency_granted");
    let refused = |q: String| {
        let anon = app.anon.clone();
        let url = format!("{}/v1/players/{me}/events{q}", app.url);
        async move { anon.get(url).send().await.unwrap().status() }
    };
    assert_eq!(
        refused("?access_token=forged".into()).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        refused(format!("?access_token={key}")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        refused(format!("?access_token={other_token}")).await,
        StatusCode::FORBIDDEN
    );
    // Only the stream routes take a query token.
    let wallet = app
        .anon
        .get(format!(
            "{}/v1/players/{me}/wallet?access_token={token}",
            app.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(wallet.status(), StatusCode::UNAUTHORIZED);
}

/// Two hosts over one PostgreSQL database and one Redis: a socket on host A receives an
/// event committed through host B.
#[tokio::test]
async fn a_socket_on_one_host_receives_events_committed_through_another() {
    let admin = std::env::var("GUILDHALL_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let redis = std::env::var("GUILDHALL_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let db = guildhall_adapters::postgres::TestDatabase::create(&admin)
        .await
        .unwrap_or_else(|e| panic!("this test needs PostgreSQL at {admin}: {e}"));
    let host = |name: &'static str| {
        let mut settings = Settings::with_database(db.url(), "127.0.0.1:0".parse().unwrap());
        settings.redis = Some(redis.clone());
        settings.schedule.sse_heartbeat = Duration::from_secs(1);
        async move {
            spawn(settings)
                .await
                .unwrap_or_else(|e| panic!("host {name} over PostgreSQL and Redis ({e})"))
        }
    };
    let a = host("a").await;
    let b = host("b").await;
    let key = a
        .guildhall()
        .create_api_key("ws-hosts", &["admin".to_string()])
        .await
        .unwrap()
        .key;
    let player = format!("wshost-{}", uuid::Uuid::new_v4().simple());
    let mut ws = connect(&a.url(), &format!("?player={player}"), Some(&key))
        .await
        .unwrap();
    ws.expect("ready").await;
    let f = ws
        .subscribe(&[&format!("player:{player}"), "global"], None)
        .await;
    assert_eq!(f["type"], "subscribed", "{f}");
    let via_b = client_with(&key);
    let r = via_b
        .post(format!("{}/v1/players/{player}/grant", b.url()))
        .json(&json!({ "currency": "gold", "amount": 42 }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let e = ws.expect("event").await;
    assert_eq!(e["kind"], "currency_granted");
    assert_eq!(e["event"]["payload"]["amount"], 42);
    // A global chat message posted on B reaches the socket on A.
    let r = via_b
        .post(format!("{}/v1/chat/messages", b.url()))
        .json(&json!({ "player": player, "channel": "global", "body": "hello hosts" }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let e = ws.expect("event").await;
    assert_eq!(e["event"]["payload"]["body"], "hello hosts");
    drop(ws);
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
    db.drop_now().await.ok();
}

/// Dead-connection cleanup: a client that stops answering (no pong, no message) is
/// closed by the host after `ws::DEAD_AFTER` heartbeats, so it does not hold its slot;
/// a client that keeps answering stays connected over the same time.
#[tokio::test]
async fn a_silent_connection_is_closed_after_its_missed_heartbeats() {
    let app = spawn_app().await;
    let (token, _me) = register(&app, "wssilent").await;
    let mut silent = connect(&app.url, "", Some(&token)).await.expect("upgrade");
    let mut alive = connect(&app.url, "", Some(&token)).await.expect("upgrade");
    silent.expect("ready").await;
    alive.expect("ready").await;
    // The live one reads (tungstenite answers each ping with a pong as it reads); the
    // silent one reads nothing for DEAD_AFTER + 2 heartbeats of a second.
    let quiet = Duration::from_secs(u64::from(guildhall_host::ws::DEAD_AFTER) + 2);
    let until = tokio::time::Instant::now() + quiet;
    while tokio::time::Instant::now() < until {
        let _ = alive.next(Duration::from_millis(200)).await;
    }
    assert!(
        alive.pings >= 2,
        "pings to the live connection: {}",
        alive.pings
    );
    // Now the silent one reads what was buffered: pings, then the end of the connection.
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match silent.socket.next().await {
                Some(Ok(Message::Ping(_))) => silent.pings += 1,
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the host kept a silent connection open");
    assert!(
        silent.pings >= 1,
        "the host closed it without a heartbeat first"
    );
    // The answering one is still served.
    alive.send(json!({ "type": "ping", "ref": 1 })).await;
    assert_eq!(alive.expect("pong").await["ref"], 1);
}

/// Reads frames until the host closes the socket; the close code (`None` when the
/// connection ended without a close frame) and the last error frame's code.
async fn until_closed(ws: &mut Ws) -> (Option<u16>, Option<String>) {
    let mut error = None;
    let end = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match ws.socket.next().await {
                Some(Ok(Message::Text(t))) => {
                    let f: Value = serde_json::from_str(t.as_str()).expect("JSON frame");
                    if f["type"] == "error" {
                        error = f["code"].as_str().map(str::to_string);
                    }
                }
                Some(Ok(Message::Close(c))) => return c.map(|c| u16::from(c.code)),
                Some(Err(_)) | None => return None,
                Some(Ok(_)) => {}
            }
        }
    })
    .await
    .expect("the host kept the socket open");
    (end, error)
}

/// Credentials are checked again at each heartbeat: a player banned, or a login signed
/// out, while its socket is open is told why and closed with 1008; another player's
/// socket stays.
#[tokio::test]
async fn a_socket_is_closed_when_its_player_is_banned_or_signed_out() {
    let app = spawn_app().await;
    let (banned_token, banned) = register(&app, "wsbanned").await;
    let (out_token, _) = register(&app, "wssignedout").await;
    let (kept_token, _) = register(&app, "wskept").await;
    let mut b = connect(&app.url, "", Some(&banned_token))
        .await
        .expect("upgrade");
    let mut o = connect(&app.url, "", Some(&out_token))
        .await
        .expect("upgrade");
    let mut k = connect(&app.url, "", Some(&kept_token))
        .await
        .expect("upgrade");
    for ws in [&mut b, &mut o, &mut k] {
        ws.expect("ready").await;
    }
    app.post(
        &format!("/v1/admin/accounts/{banned}/ban"),
        json!({ "reason": "botting" }),
    )
    .await
    .ok();
    let out = app
        .send(
            app.anon
                .post(format!("{}/v1/auth/sign-out", app.url))
                .bearer_auth(&out_token),
        )
        .await;
    assert_eq!(out.status.as_u16(), 204, "{}", out.body);
    assert_eq!(
        until_closed(&mut b).await,
        (Some(1008), Some("BANNED".into()))
    );
    assert_eq!(
        until_closed(&mut o).await,
        (Some(1008), Some("UNAUTHENTICATED".into()))
    );
    k.send(json!({ "type": "ping", "ref": 7 })).await;
    assert_eq!(k.expect("pong").await["ref"], 7);
}

/// The SSE stream is held to the same rule: a banned player's stream gets the ban's
/// event, then an `error` event (`BANNED`) at the next heartbeat, and ends; another
/// player's stream goes on.
#[tokio::test]
async fn an_event_stream_ends_when_its_player_is_banned() {
    let app = spawn_app().await;
    let (banned_token, banned) = register(&app, "ssebanned").await;
    let (kept_token, kept) = register(&app, "ssekept").await;
    let open = |token: &str, player: &str| {
        client_with(token).get(format!("{}/v1/players/{player}/events", app.url))
    };
    let mut b = EventStream::open(open(&banned_token, &banned)).await;
    let mut k = EventStream::open(open(&kept_token, &kept)).await;
    app.post(
        &format!("/v1/admin/accounts/{banned}/ban"),
        json!({ "reason": "botting" }),
    )
    .await
    .ok();
    // The ban's own event reaches the player first, then the refusal.
    EventStream::expect_kind(b.event(EVENT_WAIT).await, "player_banned");
    let refusal = EventStream::expect_kind(b.event(EVENT_WAIT).await, "error");
    assert_eq!(refusal.json()["code"], "BANNED", "{refusal:?}");
    assert!(
        refusal.id.is_none(),
        "the refusal is not an event of the outbox"
    );
    assert!(
        b.frame(Duration::from_secs(3)).await.is_none(),
        "the stream went on after the refusal"
    );
    // The other stream still receives its player's events.
    app.post(
        &format!("/v1/players/{kept}/grant"),
        json!({ "amount": 5, "source": "rewards" }),
    )
    .await
    .ok();
    let granted = EventStream::expect_kind(k.event(EVENT_WAIT).await, "currency_granted");
    assert_eq!(granted.json()["players"][0], kept.as_str());
}
