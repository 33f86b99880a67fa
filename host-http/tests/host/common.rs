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
    pub client: reqwest::Client,
    pub server: ServerHandle,
    pub _dir: TempDir,
}

/// A server with currencies `gold` (default) and `gems`, and [`test_catalog`].
pub async fn spawn_app() -> TestApp {
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
    settings.catalog = test_catalog();
    let server = spawn(settings).await.expect("server starts");
    TestApp {
        url: server.url(),
        client: reqwest::Client::new(),
        server,
        _dir: dir,
    }
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
