//! Test helpers: a fresh server per test, a temp directory, JSON request shortcuts.

use guildhall_core::types::{CatalogItem, Currency, ItemKind, Price};
use guildhall_host::{spawn, ServerHandle, Settings};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::path::Path;

/// A fresh temp directory, removed on drop.
pub struct TempDir(tempfile::TempDir);

impl TempDir {
    pub fn new() -> Self {
        TempDir(
            tempfile::Builder::new()
                .prefix("guildhall-host-")
                .tempdir()
                .expect("create temp dir"),
        )
    }
    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

/// The database URL of a fresh database inside `dir`.
pub fn database_url(dir: &TempDir) -> String {
    format!("sqlite://{}", dir.path().join("guildhall.db").display())
}

pub fn item(
    id: &str,
    name: &str,
    kind: ItemKind,
    price: Option<i64>,
    max_stack: Option<i64>,
) -> CatalogItem {
    CatalogItem {
        id: id.into(),
        name: name.into(),
        kind,
        price: price.map(|amount| Price {
            currency: "gold".into(),
            amount,
        }),
        max_stack,
        active: true,
        metadata: Value::Null,
    }
}

/// The catalog every test server starts with.
pub fn test_catalog() -> Vec<CatalogItem> {
    let mut retired = item("retired", "Retired Hat", ItemKind::Durable, Some(5), None);
    retired.active = false;
    vec![
        item(
            "1",
            "Health Potion",
            ItemKind::Consumable,
            Some(10),
            Some(5),
        ),
        item("sword", "Sword", ItemKind::Durable, Some(100), None),
        item("relic", "Relic", ItemKind::Durable, None, None),
        retired,
    ]
}

pub struct TestApp {
    pub url: String,
    /// Sends an API key with the `admin` scope (created at start) with every request.
    pub client: reqwest::Client,
    /// Sends no credentials.
    pub anon: reqwest::Client,
    pub server: ServerHandle,
    pub _dir: TempDir,
}

/// A server with currencies `gold` (default) and `gems`, and [`test_catalog`].
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The test queue `duel`: 1v1, a window wide enough to match anyone at once.
pub fn duel_queue() -> guildhall_core::matchmaking::QueueConfig {
    guildhall_core::matchmaking::QueueConfig {
        name: "duel".into(),
        teams: 2,
        team_size: 1,
        party_sizes: vec![],
        properties: vec![],
        window: guildhall_core::matchmaking::RatingWindow {
            initial: 10_000.0,
            widen_per_sec: 0.0,
            max: 10_000.0,
        },
        max_wait_secs: 600,
        rating: None,
    }
}

/// Like [`spawn_app`], with the settings adjusted by `adjust` first. Background jobs run
/// fast (matchmaking tick 100 ms, SSE heartbeat 1 s) and the queue `duel` is configured.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = TempDir::new();
    let mut settings = Settings::with_database(database_url(&dir), "127.0.0.1:0".parse().unwrap());
    settings.core = guildhall_core::Config::new(vec![
        Currency {
            code: "gold".into(),
            max_balance: None,
        },
        Currency {
            code: "gems".into(),
            max_balance: Some(1000),
        },
    ])
    .unwrap();
    settings.core.queues = vec![duel_queue()];
    settings.catalog = test_catalog();
    settings.schedule.matchmaking_tick = std::time::Duration::from_millis(100);
    settings.schedule.sse_heartbeat = std::time::Duration::from_secs(1);
    adjust(&mut settings);
    let server = spawn(settings).await.expect("server starts");
    let admin_key = server
        .guildhall()
        .create_api_key("tests", &["admin".to_string()])
        .await
        .expect("admin key")
        .key;
    TestApp {
        url: server.url(),
        client: client_with(&admin_key),
        anon: reqwest::Client::new(),
        server,
        _dir: dir,
    }
}

/// A client sending `Authorization: Bearer <token>` with every request.
pub fn client_with(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// A response: status, headers, JSON body (`Null` when empty or not JSON).
pub struct Res {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Res {
    /// Asserts an error answer: status, `code`, and the `{code, message, details}` shape.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        assert!(
            self.body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "body: {}",
            self.body
        );
        assert!(
            self.body.as_object().unwrap().contains_key("details"),
            "body: {}",
            self.body
        );
        assert_eq!(
            self.headers["content-type"], "application/json",
            "JSON error"
        );
    }
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "body: {}", self.body);
        &self.body
    }
}

impl TestApp {
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Res {
        let res = req.send().await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Res {
            status,
            headers,
            body,
        }
    }
    pub fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{}", self.url, path))
    }
    pub async fn get(&self, path: &str) -> Res {
        self.send(self.req(Method::GET, path)).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Res {
        self.send(self.req(Method::POST, path).json(&body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Res {
        self.send(self.req(Method::PUT, path).json(&body)).await
    }
    pub async fn delete(&self, path: &str) -> Res {
        self.send(self.req(Method::DELETE, path)).await
    }
    /// Opens `GET /v1/players/{player}/events`, optionally with `Last-Event-ID`.
    pub async fn events(&self, player: &str, last_event_id: Option<i64>) -> EventStream {
        let mut req = self.req(Method::GET, &format!("/v1/players/{player}/events"));
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        EventStream::open(req).await
    }
    pub async fn grant(&self, player: &str, amount: i64) -> Value {
        self.post(
            &format!("/v1/players/{player}/grant"),
            json!({ "amount": amount }),
        )
        .await
        .ok()
        .clone()
    }
    pub async fn gold(&self, player: &str) -> i64 {
        self.get(&format!("/v1/players/{player}/balances/gold"))
            .await
            .ok()["amount"]
            .as_i64()
            .unwrap()
    }
}

/// One server-sent event (or comment) as read off the wire.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
    pub comment: Option<String>,
    /// The `retry:` field (reconnection time, ms).
    pub retry: Option<String>,
}

impl Frame {
    /// The `id:` as a number (the event seq).
    pub fn seq(&self) -> i64 {
        self.id
            .as_deref()
            .expect("event id")
            .parse()
            .expect("numeric id")
    }
    /// The `data:` as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data).expect("JSON data")
    }
}

/// A client of a server-sent-events stream, reading with `bytes_stream`.
pub struct EventStream {
    body: std::pin::Pin<Box<dyn futures::Stream<Item = reqwest::Result<axum::body::Bytes>> + Send>>,
    buf: String,
}

/// How long a test waits for an expected event.
pub const EVENT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl EventStream {
    pub async fn open(req: reqwest::RequestBuilder) -> EventStream {
        let res = req.send().await.expect("open stream");
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"));
        EventStream {
            body: Box::pin(res.bytes_stream()),
            buf: String::new(),
        }
    }

    /// The next frame (event or comment), or `None` when the stream ended or nothing came
    /// within `wait`.
    pub async fn frame(&mut self, wait: std::time::Duration) -> Option<Frame> {
        use futures::StreamExt;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut f = Frame::default();
                let mut data: Vec<&str> = Vec::new();
                for line in block.lines().filter(|l| !l.is_empty()) {
                    let (field, value) = line.split_once(':').unwrap_or((line, ""));
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    match field {
                        "" => f.comment = Some(value.to_string()),
                        "id" => f.id = Some(value.to_string()),
                        "event" => f.event = Some(value.to_string()),
                        "data" => data.push(value),
                        "retry" => f.retry = Some(value.to_string()),
                        _ => {}
                    }
                }
                f.data = data.join("\n");
                return Some(f);
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next()).await;
            match chunk {
                Ok(Some(Ok(bytes))) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }

    /// The next event, skipping heartbeat comments; `None` if none came within `wait`.
    pub async fn event(&mut self, wait: std::time::Duration) -> Option<Frame> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let f = self.frame(left).await?;
            if f.event.is_some() || f.id.is_some() {
                return Some(f);
            }
        }
    }

    /// The next event, which must be of `kind`.
    #[track_caller]
    pub fn expect_kind(frame: Option<Frame>, kind: &str) -> Frame {
        let f = frame.unwrap_or_else(|| panic!("no `{kind}` event arrived"));
        assert_eq!(f.event.as_deref(), Some(kind), "frame: {f:?}");
        f
    }

    /// Reads events until one of `kind` arrives (others are skipped).
    pub async fn until(&mut self, kind: &str) -> Frame {
        let deadline = tokio::time::Instant::now() + EVENT_WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.event(left).await {
                Some(f) if f.event.as_deref() == Some(kind) => return f,
                Some(_) => continue,
                None => panic!("no `{kind}` event within {EVENT_WAIT:?}"),
            }
        }
    }
}
