//! Config file parsing and the precedence flags > environment > file > defaults.

use crate::common::TempDir;
use guildhall_core::ErrorCode;
use guildhall_host::config::{ConfigError, Overrides, Settings};
use std::path::PathBuf;

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
        dev(),
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
        dev(),
    )
    .unwrap_err();
    assert!(e.error().message.contains("colour"), "{e}");
    let file = e.error().details["file"].as_str().unwrap();
    assert!(file.ends_with("catalog.toml"), "{file}");
    assert!(e.to_string().contains("catalog.toml:5:"), "{e}");
}

#[test]
fn precedence_flags_then_env_then_file_then_defaults() {
    let dir = TempDir::new();
    let config = dir.path().join("g.toml");
    std::fs::write(
        &config,
        "listen = \"127.0.0.1:9001\"\ndatabase = \"sqlite://file.db\"\nredis = \"redis://file:6379\"\n",
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
            "GUILDHALL_REDIS_URL" => Some("redis://env:6379".into()),
            "GUILDHALL_DEV" => Some("1".into()),
            _ => None,
        })
    };

    // The Redis URL: file, beaten by the environment, beaten by a flag.
    let file_only = Settings::resolve(
        Overrides {
            config: Some(config.clone()),
            ..Default::default()
        },
        dev(),
    )
    .unwrap();
    assert_eq!(file_only.redis.as_deref(), Some("redis://file:6379"));
    assert_eq!(file_only.redis_prefix, None);
    let prefixed = Settings::from_toml_str(
        "redis = \"redis://x:6379\"\nredis_prefix = \"game1:\"\n",
        None,
    )
    .unwrap();
    assert_eq!(prefixed.redis_prefix.as_deref(), Some("game1:"));
    let s = Settings::resolve(dev(), env_of(None, None)).unwrap();
    assert_eq!(s.redis.as_deref(), Some("redis://env:6379"));
    let s = Settings::resolve(
        Overrides {
            redis: Some("redis://flag:6379".into()),
            ..Default::default()
        },
        env_of(None, None),
    )
    .unwrap();
    assert_eq!(s.redis.as_deref(), Some("redis://flag:6379"));

    // File only (named by the environment).
    let s = Settings::resolve(dev(), env_of(None, None)).unwrap();
    assert_eq!(
        (s.listen.to_string(), s.database.as_str()),
        ("127.0.0.1:9001".to_string(), "sqlite://file.db")
    );
    // Environment beats file.
    let s = Settings::resolve(dev(), env_of(Some("127.0.0.1:9002"), Some("memory://"))).unwrap();
    assert_eq!(
        (s.listen.to_string(), s.database.as_str()),
        ("127.0.0.1:9002".to_string(), "memory://")
    );
    // Flags beat environment.
    let flags = Overrides {
        config: None,
        listen: Some("127.0.0.1:9003".into()),
        database: Some("sqlite://flag.db".into()),
        redis: None,
        redis_prefix: None,
        jwt_secret: None,
        dev: false,
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
        dev(),
    )
    .unwrap_err();
    assert!(missing.to_string().contains("nope.toml"));
    // A bad flag value names its key.
    let bad = Settings::resolve(
        Overrides {
            listen: Some("nowhere".into()),
            ..Default::default()
        },
        dev(),
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

const MODULES: &str = r#"
session_timeout_secs = 120

[mail]
store_cap = 20
list_cap = 10
evict_to = 9
player_daily_limit = 3

[party]
max_size = 4

[[queues]]
name = "duel"
teams = 2
team_size = 1
properties = ["region"]
window = { initial = 100.0, widen_per_sec = 10.0, max = 500.0 }
max_wait_secs = 120

[[queues]]
name = "5v5"
teams = 2
team_size = 5
party_sizes = [1, 2, 5]
window = { initial = 3.0, widen_per_sec = 0.5, max = 10.0 }
max_wait_secs = 300
rating = "weng_lin"

[schedule]
lobby_interval_secs = 60
matchmaking_tick_ms = 250
"#;

#[test]
fn parses_mail_party_queue_and_schedule_sections() {
    let s = Settings::from_toml_str(MODULES, None).unwrap();
    assert_eq!(s.core.session_timeout_secs, 120);
    assert_eq!(s.core.mail.store_cap, 20);
    assert_eq!(s.core.mail.list_cap, 10);
    assert_eq!(s.core.mail.evict_to, 9);
    assert_eq!(s.core.mail.player_daily_limit, 3);
    assert_eq!(
        s.core.mail.max_subject, 200,
        "unset keys keep their defaults"
    );
    assert_eq!(s.core.party.max_size, 4);
    assert_eq!(s.core.party.invite_ttl_secs, 60);
    assert_eq!(s.core.queues.len(), 2);
    assert_eq!(s.core.queues[0].properties, ["region"]);
    assert_eq!(s.core.queues[1].party_sizes, [1, 2, 5]);
    assert_eq!(
        s.schedule.lobby_interval,
        std::time::Duration::from_secs(60)
    );
    assert_eq!(s.schedule.room_interval, std::time::Duration::from_secs(30));
    assert_eq!(
        s.schedule.matchmaking_tick,
        std::time::Duration::from_millis(250)
    );
    assert_eq!(s.schedule.sse_heartbeat, std::time::Duration::from_secs(15));
    assert_eq!(
        s.schedule.online_sample,
        std::time::Duration::from_secs(300)
    );

    let d = Settings::from_toml_str("", None).unwrap();
    assert_eq!(d.core.mail.store_cap, 50);
    assert_eq!(d.core.mail.list_cap, 30);
    assert_eq!(d.core.mail.player_daily_limit, 10);
    assert_eq!(d.core.session_timeout_secs, 90);
    assert_eq!(d.core.party.max_size, 5);
    assert!(d.core.queues.is_empty());
    assert_eq!(
        d.schedule.lobby_interval,
        std::time::Duration::from_secs(600)
    );
    assert_eq!(
        d.schedule.matchmaking_tick,
        std::time::Duration::from_millis(1000)
    );
}

#[test]
fn module_sections_name_their_bad_keys() {
    assert!(err("[mail]\nstore_capp = 3").contains("store_capp"));
    let evict = err("[mail]\nstore_cap = 10\nevict_to = 10");
    assert!(evict.contains("mail.evict_to"), "{evict}");
    assert!(err("[mail]\nlist_cap = 0").contains("mail.list_cap"));
    assert!(err("[mail]\nplayer_daily_limit = -1").contains("mail.player_daily_limit"));
    assert!(err("[party]\nmax_size = 1").contains("party.max_size"));
    assert!(err("[party]\ninvite_ttl_secs = 0").contains("party.invite_ttl_secs"));
    assert!(err("[party]\nsize = 3").contains("size"));
    assert!(err("session_timeout_secs = 0").contains("session_timeout_secs"));
    let q = "[[queues]]\nname = \"duel\"\nteams = 1\nteam_size = 1\nwindow = { initial = 1.0, widen_per_sec = 0.0, max = 1.0 }\nmax_wait_secs = 10";
    let teams = err(q);
    assert!(teams.contains("queues[\"duel\"].teams"), "{teams}");
    let wait = err(&q
        .replace("teams = 1", "teams = 2")
        .replace("max_wait_secs = 10", "max_wait_secs = 0"));
    assert!(wait.contains("queues[\"duel\"].max_wait_secs"), "{wait}");
    assert!(err(&format!("{q}\nregion = \"eu\"")).contains("region"));
    let good = q.replace("teams = 1", "teams = 2");
    let dup = err(&format!("{good}\n{good}"));
    assert!(dup.contains("twice"), "{dup}");
    assert!(err("[schedule]\nroom_interval_secs = 0").contains("schedule.room_interval_secs"));
    assert!(err("[schedule]\nmatchmaking_tick_ms = 1").contains("schedule.matchmaking_tick_ms"));
    assert!(err("[schedule]\nsse_heartbeat = 5").contains("sse_heartbeat"));
    assert!(err("[schedule]\nonline_sample_secs = 5").contains("schedule.online_sample_secs"));
}

/// SPEC.md Clarifications (second round): the rating parameters are configurable in the
/// same file the host and the bindings read, unknown keys refused.
#[test]
fn ratings_section_sets_parameters_and_names_bad_keys() {
    let d = Settings::from_toml_str("", None).unwrap();
    assert_eq!(d.core.ratings.weng_lin.tau, 25.0 / 300.0);
    assert_eq!(d.core.ratings.weng_lin.kappa, 0.0001);
    assert_eq!(d.core.ratings.glicko2.tau, 0.5);
    let s = Settings::from_toml_str(
        "[ratings.glicko2]\ntau = 0.3\n[ratings.weng_lin]\ntau = 0.0\nbeta = 5.0",
        None,
    )
    .unwrap();
    assert_eq!(s.core.ratings.glicko2.tau, 0.3);
    assert_eq!(
        s.core.ratings.glicko2.deviation, 350.0,
        "unset keys keep defaults"
    );
    assert_eq!(
        (s.core.ratings.weng_lin.tau, s.core.ratings.weng_lin.beta),
        (0.0, 5.0)
    );
    assert_eq!(s.core.ratings.weng_lin.mu, 25.0);
    assert!(err("[ratings.weng_lin]\ntaus = 1.0").contains("taus"));
    assert!(err("[ratings]\nelo = 1").contains("elo"));
    let tau = err("[ratings.glicko2]\ntau = 0.0");
    assert!(tau.contains("ratings.glicko2.tau"), "{tau}");
}

/// Overrides in dev mode (no secret needed).
fn dev() -> Overrides {
    Overrides {
        dev: true,
        ..Default::default()
    }
}

#[test]
fn auth_settings_come_from_the_file_and_the_environment() {
    let text = r#"
[auth]
jwt_secret = "7c1e9a4f2b8d6e03a5c7f9b1d3e5a7c9b2d4f6a8c0e2b4d6"
issuer = "my-game"
access_ttl_secs = 300
whitelist = true
cors_origins = ["https://shop.example.com"]
[auth.rate_limits]
player_per_minute = 5
"#;
    let s = Settings::from_toml_str(text, None).unwrap();
    assert!(!s.ephemeral_secret);
    assert_eq!(s.auth.issuer, "my-game");
    assert_eq!(s.auth.access_ttl_secs, 300);
    assert!(s.core.accounts.whitelist);
    assert_eq!(s.auth.limits.player_per_minute, 5);
    assert_eq!(
        s.auth.limits.key_per_minute, 60_000,
        "unset limits keep defaults"
    );
    assert_eq!(s.auth.cors_origins, ["https://shop.example.com"]);
    assert!(
        !format!("{:?}", s.auth).contains("7c1e9a4f"),
        "Debug redacts the secret"
    );

    for (bad, key) in [
        ("[auth]\njwt_secret = \"too-short\"\n", "auth.jwt_secret"),
        ("[auth]\naccess_ttl_secs = 5\n", "auth.access_ttl_secs"),
        ("[auth]\ncors_origins = [\"*\"]\n", "auth.cors_origins"),
        ("[auth]\nmin_password_len = 4\n", "auth.min_password_len"),
        ("[auth]\nsecret = \"x\"\n", "secret"),
    ] {
        let e = Settings::from_toml_str(bad, None).unwrap_err().to_string();
        assert!(e.contains(key), "{bad}: {e}");
    }

    // Without a secret and outside dev mode, resolving refuses; the environment's
    // secret or dev mode lets it through.
    let e = Settings::resolve(Overrides::default(), Overrides::default()).unwrap_err();
    assert!(e.to_string().contains("GUILDHALL_JWT_SECRET"), "{e}");
    let env = Overrides::from_lookup(|k| {
        (k == "GUILDHALL_JWT_SECRET")
            .then(|| "0a1b2c3d4e5f60718293a4b5c6d7e8f9fedcba9876543210".to_string())
    });
    let s = Settings::resolve(Overrides::default(), env).unwrap();
    assert!(!s.ephemeral_secret);
    assert!(
        Settings::resolve(dev(), Overrides::default())
            .unwrap()
            .ephemeral_secret
    );
}

/// The shared config fixtures (`tests/fixtures/config`), also opened by the Node and
/// Python config tests.
fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/config")
        .join(name)
}

fn load(path: PathBuf) -> Result<Settings, ConfigError> {
    Settings::resolve(
        Overrides {
            config: Some(path),
            ..Default::default()
        },
        Overrides::default(),
    )
}

#[test]
fn opens_the_tour_config() {
    let tour = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/tour.toml");
    let s = load(tour).map(Some).or_else(|e| {
        // The tour sets no secret: the host refuses it outside dev mode, by name.
        assert!(e.to_string().contains("GUILDHALL_JWT_SECRET"), "{e}");
        Ok::<_, ConfigError>(None)
    });
    assert!(s.unwrap().is_none());
    let s = Settings::resolve(
        Overrides {
            config: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/tour.toml")),
            ..dev()
        },
        Overrides::default(),
    )
    .unwrap();
    assert_eq!(s.currency_codes(), ["gold", "gems"]);
    assert_eq!(s.core.reset_timezone, chrono_tz::Europe::Moscow);
    assert!(s.catalog.iter().any(|i| i.id == "sword"));
}

#[test]
fn opens_the_file_that_sets_every_key() {
    let s = load(fixture("every-key.toml")).unwrap();
    assert_eq!(s.listen.to_string(), "127.0.0.1:9077");
    assert_eq!(s.database, "sqlite://every-key.db");
    assert_eq!(s.redis.as_deref(), Some("redis://127.0.0.1:6379"));
    assert_eq!(s.redis_prefix.as_deref(), Some("guildhall-every-key:"));
    assert_eq!(s.core.reset_timezone, chrono_tz::Europe::Moscow);
    assert_eq!(s.core.idempotency_retention_secs, 172_800);
    assert_eq!(s.core.event_retention_secs, 86_400);
    assert_eq!(s.core.session_timeout_secs, 120);
    assert_eq!(s.core.max_retries, 7);
    assert_eq!(s.core.max_batch, 64);
    assert_eq!(s.core.matchmaking_lease_secs, 10);
    assert_eq!(s.currency_codes(), ["gold", "gems"]);
    assert_eq!(s.core.currencies[0].max_balance, Some(1_000_000_000_000));
    let ids: Vec<_> = s.catalog.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        ["potion", "cape"],
        "the file's items, then catalog_file's"
    );
    assert_eq!(s.catalog[0].metadata["icon"], "potion.png");
    let m = &s.core.mail;
    assert_eq!(
        (
            m.store_cap,
            m.list_cap,
            m.evict_to,
            m.player_daily_limit,
            m.max_subject,
            m.max_body
        ),
        (40, 20, 19, 5, 100, 2000)
    );
    assert_eq!(
        (s.core.party.max_size, s.core.party.invite_ttl_secs),
        (4, 30)
    );
    let f = &s.core.friends;
    assert_eq!(
        (f.max_friends, f.max_pending, f.max_blocked),
        (300, 50, 200)
    );
    let q = &s.core.queues[0];
    assert_eq!(
        (q.name.as_str(), q.team_size, q.max_wait_secs),
        ("squads", 2, 90)
    );
    assert_eq!(q.party_sizes, [1, 2]);
    assert_eq!(
        s.schedule.lobby_interval,
        std::time::Duration::from_secs(300)
    );
    assert_eq!(s.schedule.room_interval, std::time::Duration::from_secs(20));
    assert_eq!(
        s.schedule.matchmaking_tick,
        std::time::Duration::from_millis(500)
    );
    assert_eq!(s.schedule.sse_heartbeat, std::time::Duration::from_secs(10));
    assert_eq!(
        s.schedule.online_sample,
        std::time::Duration::from_secs(120)
    );
    assert!(!s.ephemeral_secret && !s.dev);
    assert_eq!(s.auth.secret, b"4f9c2a7e1b8d3f6a0c5e9b2d7a4f1c8e3b6d0a9f");
    assert_eq!(
        (s.auth.issuer.as_str(), s.auth.audience.as_str()),
        ("every-key", "every-key-players")
    );
    assert_eq!(s.auth.access_ttl_secs, 600);
    assert_eq!(s.core.accounts.refresh_ttl_secs, 86_400);
    assert!(s.core.accounts.whitelist);
    assert_eq!(s.core.accounts.min_password_len, 10);
    assert_eq!(s.auth.cors_origins, ["https://shop.example.com"]);
    let l = &s.auth.limits;
    assert_eq!(
        (
            l.player_per_minute,
            l.key_per_minute,
            l.login_per_address_per_minute,
            l.login_per_account_per_15_minutes
        ),
        (100, 1000, 20, 5)
    );
    let resolved = guildhall_adapters::settings::load_file(&fixture("every-key.toml")).unwrap();
    assert_eq!(resolved.anonymous_from.len(), 2);
    let r = &s.core.rooms;
    assert_eq!(
        (
            r.max_capacity,
            r.idle_destroy_secs,
            r.max_metadata_bytes,
            r.lobby_push_secs,
            r.lobby_limit,
            r.server.as_deref()
        ),
        (64, 120, 2048, 5, 50, Some("play.example.com:22005"))
    );
    let t = &s.core.trade;
    assert_eq!(
        (
            t.expiry_secs,
            t.max_open_per_player,
            t.max_offer_entries,
            t.history_limit
        ),
        (600, 5, 10, 50)
    );
    let l = &s.core.loot;
    assert_eq!(
        (
            l.max_tables,
            l.max_entries,
            l.max_depth,
            l.max_rolls,
            l.roll_window_secs
        ),
        (500, 50, 4, 20, 30)
    );
    assert_eq!(
        (s.core.characters.slots, s.core.characters.restore_days),
        (5, 14)
    );
    let p = &s.core.payments;
    assert_eq!((p.tolerance_secs, p.source.as_str()), (120, "donations"));
    assert_eq!(p.stripe.as_ref().unwrap().secrets.len(), 2);
    let h = &p.hmac[0];
    assert_eq!(
        (
            h.name.as_str(),
            h.header.as_str(),
            h.prefix.as_deref(),
            h.amount.as_deref()
        ),
        (
            "shop",
            "X-Shop-Signature",
            Some("sha256="),
            Some("/order/cents")
        )
    );
    assert_eq!(
        h.encoding,
        guildhall_core::payments::SignatureEncoding::Base64
    );
    assert_eq!(
        (h.paid[0].as_str(), h.refunded[0].as_str()),
        ("order.paid", "order.refunded")
    );
    assert_eq!(
        (
            h.event_type.as_str(),
            h.payment_id.as_str(),
            h.player.as_str(),
            h.product.as_str()
        ),
        ("/event", "/order/id", "/order/player", "/order/sku")
    );
    assert_eq!(p.products[0].amount, Some(500));
    assert_eq!(p.products[0].items[0].quantity, 2);
    assert_eq!(s.core.downloads.max_file_bytes, 1_048_576);
    let w = &s.core.webhooks;
    assert_eq!(
        (
            w.retry_budget_secs,
            w.max_attempts,
            w.backoff_initial_ms,
            w.backoff_max_secs
        ),
        (43_200, 40, 2000, 1800)
    );
    assert_eq!(
        (
            w.timeout_secs,
            w.poll_interval_ms,
            w.lease_secs,
            w.batch,
            w.allow_http
        ),
        (5, 250, 15, 200, true)
    );
    let r = &s.core.recovery;
    assert_eq!(
        (
            r.code_digits,
            r.code_ttl_secs,
            r.code_max_attempts,
            r.codes_per_hour
        ),
        (8, 900, 3, 4)
    );
    assert_eq!(r.email_channel, guildhall_core::access::CodeChannel::Smtp);
    assert_eq!(
        (r.smtp_host.as_str(), r.smtp_port, r.smtp_from.as_str()),
        ("mail.example.com", 2525, "noreply@example.com")
    );
    assert_eq!(r.reopen_grace_secs, 604_800);
}

#[test]
fn refuses_a_misspelled_key_with_the_message_every_surface_gives() {
    let expected = std::fs::read_to_string(fixture("misspelled.message")).unwrap();
    let e = load(fixture("misspelled.toml")).unwrap_err();
    assert_eq!(e.error().code, ErrorCode::InvalidArgument);
    assert_eq!(e.error().message, expected.trim_end());
    assert_eq!(e.error().details["field"], "currencys");
    assert_eq!(e.error().details["line"], 2);
    assert!(
        e.to_string()
            .contains("misspelled.toml:2: unknown field `currencys`"),
        "{e}"
    );
    // The same message for the same mistake in an object (the bindings' shape).
    let o = guildhall_adapters::settings::from_json(
        serde_json::json!({ "currencys": [{ "code": "gold" }] }),
        None,
    )
    .unwrap_err();
    assert_eq!(o.message, expected.trim_end());
}
