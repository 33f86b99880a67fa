//! Config file parsing and the precedence flags > environment > file > defaults.

use crate::common::TempDir;
use guildhall_host::config::{ConfigError, Overrides, Settings};

const EXAMPLE: &str = r#"
listen = "127.0.0.1:9001"
database = "sqlite://from-file.db"
reset_timezone = "Europe/Moscow"
idempotency_retention_secs = 172800
event_retention_secs = 3600

[[currencies]]
code = "gold"
max_balance = 1000000000000

[[currencies]]
code = "gems"

[[catalog]]
id = "1"
name = "Health Potion"
kind = "consumable"
price = { currency = "gold", amount = 10 }
max_stack = 1000000

[[catalog]]
id = "cape"
name = "Cape"
kind = "durable"
active = false
metadata = { rarity = "epic" }
"#;

fn err(text: &str) -> String {
    Settings::from_toml_str(text, None)
        .expect_err("should be rejected")
        .to_string()
}

#[test]
fn parses_the_spec_example() {
    let s = Settings::from_toml_str(EXAMPLE, None).unwrap();
    assert_eq!(s.listen.to_string(), "127.0.0.1:9001");
    assert_eq!(s.database, "sqlite://from-file.db");
    assert_eq!(s.core.reset_timezone, chrono_tz::Europe::Moscow);
    assert_eq!(s.currency_codes(), ["gold", "gems"]);
    assert_eq!(s.core.currencies[0].max_balance, Some(1_000_000_000_000));
    assert_eq!(s.core.idempotency_retention_secs, 172_800);
    assert_eq!(s.core.event_retention_secs, 3600);
    assert_eq!(s.catalog.len(), 2);
    assert!(!s.catalog[1].active);
    assert_eq!(s.catalog[1].metadata["rarity"], "epic");
}

#[test]
fn defaults() {
    let s = Settings::from_toml_str("", None).unwrap();
    assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(s.database, "sqlite://guildhall.db");
    assert_eq!(s.core.reset_timezone, chrono_tz::UTC);
    assert_eq!(s.currency_codes(), ["gold"]);
    assert!(s.catalog.is_empty());
}

#[test]
fn unknown_keys_and_bad_values_name_the_key() {
    assert!(err("listne = \"127.0.0.1:1\"").contains("listne"));
    assert!(err("[[currencies]]\ncode = \"gold\"\nmax = 5").contains("max"));
    assert!(
        err("[[catalog]]\nid = \"1\"\nname = \"P\"\nkind = \"consumable\"\nprise = 3")
            .contains("prise")
    );
    assert!(err("[[catalog]]\nid = \"1\"\nname = \"P\"\nkind = \"weapon\"").contains("weapon"));
    let tz = err("reset_timezone = \"Mars/Olympus\"");
    assert!(
        tz.contains("reset_timezone") && tz.contains("Mars/Olympus"),
        "{tz}"
    );
    assert!(err("listen = \"localhost\"").contains("listen"));
    assert!(err("[[currencies]]\ncode = \"Gold!\"").contains("currencies.code"));
    assert!(err("idempotency_retention_secs = 60").contains("idempotency_retention_secs"));
    assert!(err("event_retention_secs = 0").contains("event_retention_secs"));
    let price = err("[[catalog]]\nid = \"1\"\nname = \"P\"\nkind = \"consumable\"\nprice = { currency = \"gold\", amount = -1 }");
    assert!(price.contains("catalog[\"1\"].price.amount"), "{price}");
    let cur = err("[[catalog]]\nid = \"1\"\nname = \"P\"\nkind = \"consumable\"\nprice = { currency = \"silver\", amount = 1 }");
    assert!(cur.contains("silver"), "{cur}");
    let dup = err("[[catalog]]\nid = \"1\"\nname = \"P\"\nkind = \"consumable\"\n[[catalog]]\nid = \"1\"\nname = \"Q\"\nkind = \"durable\"");
    assert!(dup.contains("twice"), "{dup}");
}

#[test]
fn catalog_file_is_relative_to_the_config_file() {
    let dir = TempDir::new();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::write(
        dir.path().join("data/catalog.toml"),
        "[[catalog]]\nid = \"gem-pack\"\nname = \"Gem Pack\"\nkind = \"consumable\"\n",
    )
    .unwrap();
    let config = dir.path().join("guildhall.toml");
    std::fs::write(
        &config,
        format!("catalog_file = \"data/catalog.toml\"\n{EXAMPLE}"),
    )
    .unwrap();
    let s = Settings::resolve(
        Overrides {
            config: Some(config.clone()),
            ..Default::default()
        },
        Overrides::default(),
    )
    .unwrap();
    let ids: Vec<_> = s.catalog.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["1", "cape", "gem-pack"]);
    assert_eq!(s.config_file.as_deref(), Some(config.as_path()));

    std::fs::write(
        dir.path().join("data/catalog.toml"),
        "[[catalog]]\nid = \"x\"\nname = \"X\"\nkind = \"consumable\"\ncolour = \"red\"\n",
    )
    .unwrap();
    let e = Settings::resolve(
        Overrides {
            config: Some(config),
            ..Default::default()
        },
        Overrides::default(),
    )
    .unwrap_err();
    assert!(
        matches!(e, ConfigError::Parse { .. }) && e.to_string().contains("colour"),
        "{e}"
    );
}

#[test]
fn precedence_flags_then_env_then_file_then_defaults() {
    let dir = TempDir::new();
    let config = dir.path().join("g.toml");
    std::fs::write(
        &config,
        "listen = \"127.0.0.1:9001\"\ndatabase = \"sqlite://file.db\"\n",
    )
    .unwrap();
    let env_of = |listen: Option<&str>, db: Option<&str>| {
        let (config, listen, db) = (
            config.to_string_lossy().to_string(),
            listen.map(String::from),
            db.map(String::from),
        );
        Overrides::from_lookup(move |k| match k {
            "GUILDHALL_CONFIG" => Some(config.clone()),
            "GUILDHALL_LISTEN" => listen.clone(),
            "GUILDHALL_DATABASE_URL" => db.clone(),
            _ => None,
        })
    };

    // File only (named by the environment).
    let s = Settings::resolve(Overrides::default(), env_of(None, None)).unwrap();
    assert_eq!(
        (s.listen.to_string(), s.database.as_str()),
        ("127.0.0.1:9001".to_string(), "sqlite://file.db")
    );
    // Environment beats file.
    let s = Settings::resolve(
        Overrides::default(),
        env_of(Some("127.0.0.1:9002"), Some("memory://")),
    )
    .unwrap();
    assert_eq!(
        (s.listen.to_string(), s.database.as_str()),
        ("127.0.0.1:9002".to_string(), "memory://")
    );
    // Flags beat environment.
    let flags = Overrides {
        config: None,
        listen: Some("127.0.0.1:9003".into()),
        database: Some("sqlite://flag.db".into()),
    };
    let s = Settings::resolve(flags, env_of(Some("127.0.0.1:9002"), Some("memory://"))).unwrap();
    assert_eq!(
        (s.listen.to_string(), s.database.as_str()),
        ("127.0.0.1:9003".to_string(), "sqlite://flag.db")
    );
    // A flag's config file beats the environment's.
    let other = dir.path().join("other.toml");
    std::fs::write(&other, "database = \"sqlite://other.db\"\n").unwrap();
    let s = Settings::resolve(
        Overrides {
            config: Some(other),
            ..Default::default()
        },
        env_of(None, None),
    )
    .unwrap();
    assert_eq!(
        (s.listen.to_string(), s.database.as_str()),
        ("127.0.0.1:8080".to_string(), "sqlite://other.db")
    );
    // Empty environment values count as unset; a missing file is an error naming it.
    let empty = Overrides::from_lookup(|_| Some(String::new()));
    assert_eq!(empty, Overrides::default());
    let missing = Settings::resolve(
        Overrides {
            config: Some(dir.path().join("nope.toml")),
            ..Default::default()
        },
        Overrides::default(),
    )
    .unwrap_err();
    assert!(missing.to_string().contains("nope.toml"));
    // A bad flag value names its key.
    let bad = Settings::resolve(
        Overrides {
            listen: Some("nowhere".into()),
            ..Default::default()
        },
        Overrides::default(),
    )
    .unwrap_err();
    assert!(bad.to_string().contains("listen"));
}

#[test]
fn redacts_passwords_in_urls() {
    use guildhall_host::config::redact_url;
    assert_eq!(
        redact_url("postgres://app:secret@db:5432/game"),
        "postgres://app:***@db:5432/game"
    );
    assert_eq!(redact_url("sqlite://guildhall.db"), "sqlite://guildhall.db");
}
