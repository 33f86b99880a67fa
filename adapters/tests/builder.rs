//! The one way to open a backend (`Backend::builder`): defaults, precedence of the
//! call over the config, the refusals every surface shares, and how a SQLite URL names
//! its file (`sqlite::resolve_url`).

use guildhall_adapters::settings;
use guildhall_adapters::{Backend, BackendBuilder};
use guildhall_core::{Error, ErrorCode};
use serde_json::json;

/// The error opening `b` gives (it must be refused: `what` says why it should be).
async fn refusal(b: BackendBuilder, what: &str) -> Error {
    b.open().await.err().expect(what)
}

#[test]
fn database_from_config_then_call() {
    assert_eq!(Backend::builder().database_url(), None);
    let r = settings::from_json(json!({ "database": "memory://" }), None).unwrap();
    let b = Backend::builder().settings(&r);
    assert_eq!(b.database_url(), Some("memory://"));
    let b = b.database("sqlite:call.db");
    assert_eq!(b.database_url(), Some("sqlite:call.db"));
    // A config without a database keeps what the call named.
    let empty = settings::from_json(json!({}), None).unwrap();
    let b = Backend::builder()
        .database("sqlite:call.db")
        .settings(&empty);
    assert_eq!(b.database_url(), Some("sqlite:call.db"));
}

/// No database named anywhere: refused, and no file appears in the working directory.
#[tokio::test]
async fn no_database_is_refused_and_creates_nothing() {
    let before: Vec<_> = std::fs::read_dir(".")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let e = refusal(Backend::builder(), "no database named").await;
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert_eq!(e.details["field"], "database");
    assert!(e.message.contains("sqlite:game.db"), "{}", e.message);
    let e = guildhall_adapters::OpenOptions::default()
        .open()
        .await
        .err()
        .expect("the modules' open without a database");
    assert_eq!(e.details["field"], "database");
    let after: Vec<_> = std::fs::read_dir(".")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(before, after);
}

#[test]
fn sqlite_urls_relative_absolute_and_the_ambiguous_spelling() {
    use guildhall_adapters::sqlite::{database_file, resolve_url};
    use std::path::PathBuf;
    let file = |u: &str| database_file(u).unwrap().unwrap();
    // Relative to the working directory.
    assert_eq!(file("sqlite:site.db"), PathBuf::from("site.db"));
    assert_eq!(file("sqlite:data/site.db"), PathBuf::from("data/site.db"));
    assert_eq!(file("sqlite://site.db"), PathBuf::from("site.db"));
    assert_eq!(file("sqlite:site.db?mode=rwc"), PathBuf::from("site.db"));
    // Absolute: SQLAlchemy's four slashes, or one.
    assert_eq!(
        file("sqlite:////srv/game.db"),
        PathBuf::from("/srv/game.db")
    );
    assert_eq!(file("sqlite:/srv/game.db"), PathBuf::from("/srv/game.db"));
    assert_eq!(database_file("sqlite::memory:").unwrap(), None);
    // `sqlite:///site.db` is ./site.db to SQLAlchemy and /site.db to sqlx: refused,
    // saying what to write instead (the working directory and / both exist).
    let e = resolve_url("sqlite:///site.db").unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert_eq!(e.details["field"], "database");
    assert!(e.message.contains("sqlite:site.db"), "{}", e.message);
    assert!(e.message.contains("sqlite:////site.db"), "{}", e.message);
    // Neither directory exists: refused too (never a directory created for it).
    assert!(resolve_url("sqlite:///no-such-dir-guildhall/x.db").is_err());
    // An absolute path to an existing directory that does not exist relative to the
    // working directory (code that writes `sqlite://` before an absolute path): read
    // as the absolute path.
    let dir = tempfile::tempdir().unwrap();
    let abs = dir.path().join("g.db");
    assert!(abs.is_absolute());
    assert_eq!(file(&format!("sqlite://{}", abs.display())), abs);
    assert!(e.message.contains("ambiguous"));
    // Not SQLite, or no file.
    assert!(resolve_url("postgres://x").is_err());
    assert!(resolve_url("sqlite:").is_err());
    assert!(resolve_url("sqlite://").is_err());
}

/// The ambiguous spelling opens nothing: the refusal comes before any file is created.
#[tokio::test]
async fn the_ambiguous_spelling_creates_no_file() {
    let e = refusal(
        Backend::builder().database("sqlite:///guildhall-ambiguous-test.db"),
        "the ambiguous spelling is refused",
    )
    .await;
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert!(!std::path::Path::new("/guildhall-ambiguous-test.db").exists());
    assert!(!std::path::Path::new("guildhall-ambiguous-test.db").exists());
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
    let e = refusal(
        Backend::builder()
            .database("memory://")
            .redis(Some("redis://127.0.0.1:6379"))
            .cache(true),
        "cache with Redis is refused",
    )
    .await;
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert_eq!(e.details["field"], "cache");
    let e = refusal(
        Backend::builder().database("mysql://nowhere"),
        "an unknown scheme is refused",
    )
    .await;
    assert_eq!(e.code, ErrorCode::InvalidArgument);
}
