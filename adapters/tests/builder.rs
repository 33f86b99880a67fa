//! The one way to open a backend (`Backend::builder`): defaults, precedence of the
//! call over the config, and the refusals every surface shares.

use guildhall_adapters::settings;
use guildhall_adapters::Backend;
use guildhall_core::ErrorCode;
use serde_json::json;

#[test]
fn database_defaults_then_config_then_call() {
    assert_eq!(Backend::builder().database_url(), "sqlite://guildhall.db");
    let r = settings::from_json(json!({ "database": "memory://" }), None).unwrap();
    let b = Backend::builder().settings(&r);
    assert_eq!(b.database_url(), "memory://");
    let b = b.database("sqlite://call.db");
    assert_eq!(b.database_url(), "sqlite://call.db");
    // A config without a database keeps what the call named.
    let empty = settings::from_json(json!({}), None).unwrap();
    let b = Backend::builder()
        .database("sqlite://call.db")
        .settings(&empty);
    assert_eq!(b.database_url(), "sqlite://call.db");
}

#[tokio::test]
async fn opens_with_the_config_and_its_catalog() {
    let r = settings::from_json(
        json!({
            "currencies": [{ "code": "gold" }, { "code": "gems" }],
            "catalog": [{ "id": "potion", "name": "Potion", "kind": "consumable" }],
        }),
        None,
    )
    .unwrap();
    let gh = Backend::builder()
        .settings(&r)
        .database("memory://")
        .cache(true)
        .open()
        .await
        .unwrap();
    assert_eq!(gh.config().currencies.len(), 2);
    assert_eq!(gh.catalog().await.unwrap().len(), 1);
}

#[tokio::test]
async fn cache_with_redis_is_refused() {
    let e = Backend::builder()
        .database("memory://")
        .redis(Some("redis://127.0.0.1:6379"))
        .cache(true)
        .open()
        .await
        .err()
        .expect("cache with Redis is refused");
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert_eq!(e.details["field"], "cache");
    let e = Backend::builder()
        .database("mysql://nowhere")
        .open()
        .await
        .err()
        .expect("an unknown scheme is refused");
    assert_eq!(e.code, ErrorCode::InvalidArgument);
}
