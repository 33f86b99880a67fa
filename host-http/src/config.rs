//! Settings of the HTTP host: the TOML file of SPEC.md "Configuration", the
//! environment and the command line, merged with flags > environment > file > defaults.
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! database = "sqlite://guildhall.db"
//! reset_timezone = "Europe/Moscow"
//! idempotency_retention_secs = 86400   # at least 24 h
//! event_retention_secs = 604800
//! catalog_file = "catalog.toml"        # more [[catalog]] entries, relative to this file
//!
//! [[currencies]]
//! code = "gold"                 # the first currency is the default one
//! max_balance = 1000000000000   # optional
//!
//! [[catalog]]
//! id = "1"
//! name = "Health Potion"
//! kind = "consumable"           # or "durable"
//! price = { currency = "gold", amount = 10 }   # omit: not for sale
//! max_stack = 1000000
//!
//! session_timeout_secs = 90           # presence: seconds without a heartbeat
//!
//! [mail]                               # every key optional; these are the defaults
//! store_cap = 50                       # mails a box keeps
//! list_cap = 30                        # mails a listing shows
//! evict_to = 29                        # mails left when a full box takes a new one
//! player_daily_limit = 10              # mails a player may send per day
//! max_subject = 200
//! max_body = 4000
//!
//! [party]
//! max_size = 5
//! invite_ttl_secs = 60
//!
//! [[queues]]
//! name = "duel"
//! teams = 2
//! team_size = 1
//! properties = ["region"]              # must be equal within a match
//! window = { initial = 100.0, widen_per_sec = 10.0, max = 500.0 }
//! max_wait_secs = 120
//!
//! [schedule]                           # the host's background jobs
//! lobby_interval_secs = 600            # lobby announcements to connected players
//! room_interval_secs = 30              # room messages to connected players
//! matchmaking_tick_ms = 1000           # matchmaking tick
//! sse_heartbeat_secs = 15              # heartbeat comment on idle event streams
//!
//! [auth]
//! jwt_secret = "..."                   # or GUILDHALL_JWT_SECRET; 32+ random bytes
//! dev = false                          # or --dev / GUILDHALL_DEV=1: random secret per start
//! issuer = "guildhall"                 # iss and aud of access tokens
//! audience = "guildhall"
//! access_ttl_secs = 900                # access token lifetime
//! refresh_ttl_secs = 2592000           # refresh token lifetime (each use rotates it)
//! whitelist = false                    # seed 003 whitelist mode
//! min_password_len = 8
//! cors_origins = ["https://shop.example.com"]
//!
//! [auth.rate_limits]
//! player_per_minute = 600
//! key_per_minute = 60000
//! login_per_address_per_minute = 30
//! login_per_account_per_15_minutes = 10
//!
//! [compat]                             # seed 002 drop-in; off by default
//! anonymous_from = ["127.0.0.1/32"]    # networks served the /api/v1 routes without credentials
//! ```
//!
//! An unknown key or a bad value is a [`ConfigError`] whose message names the key.

use guildhall_core::inventory::rules::check_catalog_item;
use guildhall_core::mail::MailConfig;
use guildhall_core::matchmaking::QueueConfig;
use guildhall_core::party::PartyConfig;
use guildhall_core::types::{CatalogItem, Currency};
use guildhall_core::Config;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Listen address when none is configured.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Database URL when none is configured.
pub const DEFAULT_DATABASE: &str = "sqlite://guildhall.db";
/// Currency configured when the file names none.
pub const DEFAULT_CURRENCY: &str = "gold";
/// Largest request body accepted, bytes (64 KiB).
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;
/// Longest a request may take before the host answers `503 UNAVAILABLE`.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How often the host looks for scheduled announcements whose `send_at` has come.
pub const DUE_TRIGGERS_INTERVAL: Duration = Duration::from_secs(1);

/// Environment variable naming the config file.
pub const ENV_CONFIG: &str = "GUILDHALL_CONFIG";
/// Environment variable with the listen address.
pub const ENV_LISTEN: &str = "GUILDHALL_LISTEN";
/// Environment variable with the database URL.
pub const ENV_DATABASE_URL: &str = "GUILDHALL_DATABASE_URL";
/// Environment variable with the Redis URL (many hosts sharing one coordinator).
pub const ENV_REDIS_URL: &str = "GUILDHALL_REDIS_URL";
/// Environment variable with the Redis key prefix of this deployment.
pub const ENV_REDIS_PREFIX: &str = "GUILDHALL_REDIS_PREFIX";
/// Environment variable with the access-token signing secret (32+ random bytes).
pub const ENV_JWT_SECRET: &str = "GUILDHALL_JWT_SECRET";
/// Environment variable turning on dev mode (`1`/`true`): a random JWT secret per start.
pub const ENV_DEV: &str = "GUILDHALL_DEV";

/// Why the settings could not be built. The message names the file and the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config (or catalog) file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML, has an unknown key or a value of the wrong type.
    /// `message` comes from the TOML parser and names the key and its line.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A value parsed but is not allowed (unknown time zone, bad currency code, ...).
    #[error("invalid `{key}`: {message}")]
    Invalid {
        /// The offending key, e.g. `reset_timezone` or `catalog["1"].price.amount`.
        key: String,
        /// What is wrong.
        message: String,
    },
}

impl ConfigError {
    fn invalid(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError::Invalid {
            key: key.into(),
            message: message.into(),
        }
    }

    fn from_core(prefix: &str, e: &guildhall_core::Error) -> Self {
        let field = e
            .details
            .get("field")
            .and_then(|f| f.as_str())
            .unwrap_or("");
        let key = match (prefix.is_empty(), field.is_empty()) {
            (true, _) => field.to_string(),
            (false, true) => prefix.to_string(),
            (false, false) => format!("{prefix}.{field}"),
        };
        ConfigError::invalid(key, e.message.clone())
    }
}

/// The TOML config file as written: every key optional, unknown keys rejected.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Listen address, `IP:PORT`.
    #[serde(default)]
    pub listen: Option<String>,
    /// Database URL (`sqlite://FILE`, `postgres://...`, `memory://`).
    #[serde(default)]
    pub database: Option<String>,
    /// Redis URL (`redis://HOST:PORT`): cache, presence, live fan-out and the matchmaking
    /// lease shared by every host; none: in-process.
    #[serde(default)]
    pub redis: Option<String>,
    /// Prefix of every Redis key of this deployment (default `guildhall:`); every host of
    /// one deployment uses the same, deployments sharing a Redis use different ones.
    #[serde(default)]
    pub redis_prefix: Option<String>,
    /// IANA time zone of daily/weekly/monthly periods (default `UTC`).
    #[serde(default)]
    pub reset_timezone: Option<String>,
    /// Currencies; the first is the default. None: one currency, `gold`.
    #[serde(default)]
    pub currencies: Vec<Currency>,
    /// Catalog items, upserted at start.
    #[serde(default)]
    pub catalog: Vec<CatalogItem>,
    /// A TOML file of further `[[catalog]]` entries, relative to this file.
    #[serde(default)]
    pub catalog_file: Option<PathBuf>,
    /// How long idempotency records are kept, seconds (default 86400, at least 86400).
    #[serde(default)]
    pub idempotency_retention_secs: Option<i64>,
    /// How long outbox events are kept, seconds (default 604800).
    #[serde(default)]
    pub event_retention_secs: Option<i64>,
    /// Mail caps and limits (`[mail]`); missing keys keep their defaults.
    #[serde(default)]
    pub mail: Option<MailConfig>,
    /// Seconds without a heartbeat after which a session ends (default 90).
    #[serde(default)]
    pub session_timeout_secs: Option<i64>,
    /// Party limits (`[party]`); missing keys keep their defaults.
    #[serde(default)]
    pub party: Option<PartyConfig>,
    /// Matchmaking queues (`[[queues]]`).
    #[serde(default)]
    pub queues: Vec<QueueConfig>,
    /// Intervals of the host's background jobs (`[schedule]`).
    #[serde(default)]
    pub schedule: Option<ScheduleConfig>,
    /// Authentication, accounts and limits (`[auth]`).
    #[serde(default)]
    pub auth: Option<AuthFile>,
    /// Seed 002 drop-in (`[compat]`).
    #[serde(default)]
    pub compat: Option<CompatFile>,
}

/// The `[compat]` section: seed 002 drop-in.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompatFile {
    /// Networks (CIDR, e.g. `127.0.0.1/32`, `10.0.0.0/8`, `::1/128`) whose callers may
    /// use the seed 002 routes without credentials, as an unmodified seed 002 client
    /// does. Default: none (off). Every other route still needs credentials.
    #[serde(default)]
    pub anonymous_from: Vec<String>,
}

/// The `[auth]` section as written; every key optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthFile {
    /// HMAC secret of access tokens, 32+ random bytes (prefer `GUILDHALL_JWT_SECRET`).
    #[serde(default)]
    pub jwt_secret: Option<String>,
    /// Dev mode: without a secret, a random one per start (tokens die with the process).
    #[serde(default)]
    pub dev: Option<bool>,
    /// `iss` of access tokens (default `guildhall`).
    #[serde(default)]
    pub issuer: Option<String>,
    /// `aud` of access tokens (default `guildhall`).
    #[serde(default)]
    pub audience: Option<String>,
    /// Access token lifetime, seconds (default 900, at most 86400).
    #[serde(default)]
    pub access_ttl_secs: Option<i64>,
    /// Refresh token lifetime, seconds (default 30 days).
    #[serde(default)]
    pub refresh_ttl_secs: Option<i64>,
    /// Whitelist mode (seed 003).
    #[serde(default)]
    pub whitelist: Option<bool>,
    /// Shortest password accepted (default 8, at least 8).
    #[serde(default)]
    pub min_password_len: Option<usize>,
    /// Origins allowed to call the API from a browser (CORS); exact `scheme://host[:port]`.
    #[serde(default)]
    pub cors_origins: Vec<String>,
    /// Request limits.
    #[serde(default)]
    pub rate_limits: Option<crate::auth::RateLimits>,
}

/// The `[schedule]` section as written: intervals of the host's background jobs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleConfig {
    /// Seconds between pushes of lobby announcements to connected players (default 600).
    pub lobby_interval_secs: u64,
    /// Seconds between pushes of room messages to connected players (default 30).
    pub room_interval_secs: u64,
    /// Milliseconds between matchmaking ticks (default 1000, at least 10).
    pub matchmaking_tick_ms: u64,
    /// Seconds between heartbeat comments on an idle event stream (default 15).
    pub sse_heartbeat_secs: u64,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        ScheduleConfig {
            lobby_interval_secs: 600,
            room_interval_secs: 30,
            matchmaking_tick_ms: 1000,
            sse_heartbeat_secs: 15,
        }
    }
}

/// Resolved intervals of the host's background jobs (see [`crate::scheduler`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Between pushes of lobby announcements (`push_scheduled_audience(Lobby)`).
    pub lobby_interval: Duration,
    /// Between pushes of room messages (`push_scheduled_audience(Room)`).
    pub room_interval: Duration,
    /// Between checks for scheduled (`send_at`) announcements that are due.
    pub due_triggers_interval: Duration,
    /// Between matchmaking ticks.
    pub matchmaking_tick: Duration,
    /// Between heartbeat comments on an idle event stream.
    pub sse_heartbeat: Duration,
}

impl Default for Schedule {
    fn default() -> Self {
        ScheduleConfig::default()
            .resolve()
            .expect("default schedule is valid")
    }
}

impl ScheduleConfig {
    /// Checks the values and turns them into durations. Errors name the key.
    pub fn resolve(&self) -> Result<Schedule, ConfigError> {
        let secs = |key: &str, v: u64| {
            if v == 0 || v > 7 * 24 * 3600 {
                Err(ConfigError::invalid(
                    format!("schedule.{key}"),
                    "an interval is 1 second to 7 days",
                ))
            } else {
                Ok(Duration::from_secs(v))
            }
        };
        if !(10..=3_600_000).contains(&self.matchmaking_tick_ms) {
            return Err(ConfigError::invalid(
                "schedule.matchmaking_tick_ms",
                "the matchmaking tick is 10 ms to 1 hour",
            ));
        }
        Ok(Schedule {
            lobby_interval: secs("lobby_interval_secs", self.lobby_interval_secs)?,
            room_interval: secs("room_interval_secs", self.room_interval_secs)?,
            due_triggers_interval: DUE_TRIGGERS_INTERVAL,
            matchmaking_tick: Duration::from_millis(self.matchmaking_tick_ms),
            sse_heartbeat: secs("sse_heartbeat_secs", self.sse_heartbeat_secs)?,
        })
    }
}

/// A catalog file: only `[[catalog]]` entries.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(default)]
    catalog: Vec<CatalogItem>,
}

impl FileConfig {
    /// Parses the TOML text. Errors: [`ConfigError::Parse`] naming `path` and the key.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }
}

/// Values that override the file: from command-line flags or from the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Config file path (`--config`, `GUILDHALL_CONFIG`).
    pub config: Option<PathBuf>,
    /// Listen address (`--listen`, `GUILDHALL_LISTEN`).
    pub listen: Option<String>,
    /// Database URL (`--database`, `GUILDHALL_DATABASE_URL`).
    pub database: Option<String>,
    /// Redis URL (`--redis`, `GUILDHALL_REDIS_URL`).
    pub redis: Option<String>,
    /// Redis key prefix (`GUILDHALL_REDIS_PREFIX`).
    pub redis_prefix: Option<String>,
    /// Access-token secret ([`ENV_JWT_SECRET`]).
    pub jwt_secret: Option<String>,
    /// Dev mode (`--dev`, [`ENV_DEV`]).
    pub dev: bool,
}

impl Overrides {
    /// Reads `GUILDHALL_CONFIG`, `GUILDHALL_LISTEN` and `GUILDHALL_DATABASE_URL` from the
    /// process environment (empty values count as unset).
    pub fn from_env() -> Self {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Like [`Overrides::from_env`] with any variable lookup (for tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |k: &str| lookup(k).filter(|v| !v.is_empty());
        Self {
            config: get(ENV_CONFIG).map(PathBuf::from),
            listen: get(ENV_LISTEN),
            database: get(ENV_DATABASE_URL),
            redis: get(ENV_REDIS_URL),
            redis_prefix: get(ENV_REDIS_PREFIX),
            jwt_secret: get(ENV_JWT_SECRET),
            dev: get(ENV_DEV).is_some_and(|v| matches!(v.as_str(), "1" | "true" | "yes")),
        }
    }

    /// Each value of `self`, or else of `lower`.
    pub fn or(self, lower: Overrides) -> Overrides {
        Overrides {
            config: self.config.or(lower.config),
            listen: self.listen.or(lower.listen),
            database: self.database.or(lower.database),
            redis: self.redis.or(lower.redis),
            redis_prefix: self.redis_prefix.or(lower.redis_prefix),
            jwt_secret: self.jwt_secret.or(lower.jwt_secret),
            dev: self.dev || lower.dev,
        }
    }
}

/// Everything the host needs to start: resolved and validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Database URL passed to [`guildhall_adapters::open_with`].
    pub database: String,
    /// Redis URL; none: the in-process coordinator.
    pub redis: Option<String>,
    /// Redis key prefix; none: `guildhall:`.
    pub redis_prefix: Option<String>,
    /// The core configuration (currencies, reset time zone, retention).
    pub core: Config,
    /// Catalog items upserted at start (file entries, then `catalog_file` entries).
    pub catalog: Vec<CatalogItem>,
    /// Largest request body, bytes; larger ones get `413` with `INVALID_ARGUMENT`.
    pub body_limit: usize,
    /// Request timeout; slower requests get `503 UNAVAILABLE`.
    pub request_timeout: Duration,
    /// The config file these settings came from, if any.
    pub config_file: Option<PathBuf>,
    /// Intervals of the background jobs and of SSE heartbeats.
    pub schedule: Schedule,
    /// Authentication: token secret, issuer, audience, lifetimes, CORS, rate limits.
    pub auth: crate::auth::AuthSettings,
    /// Whether the secret is a random one of this start (dev mode or programmatic use).
    pub ephemeral_secret: bool,
    /// Dev mode (`[auth] dev`, `--dev`): a missing secret is replaced by a random one.
    pub dev: bool,
}

impl Default for Settings {
    /// Defaults: `127.0.0.1:8080`, `sqlite://guildhall.db`, UTC, one currency `gold`,
    /// empty catalog.
    fn default() -> Self {
        let core = Config::new(vec![Currency {
            code: DEFAULT_CURRENCY.into(),
            max_balance: None,
        }])
        .expect("default config is valid");
        Settings {
            listen: DEFAULT_LISTEN.parse().expect("default listen address"),
            database: DEFAULT_DATABASE.into(),
            redis: None,
            redis_prefix: None,
            core,
            catalog: Vec::new(),
            body_limit: DEFAULT_BODY_LIMIT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            config_file: None,
            schedule: Schedule::default(),
            auth: crate::auth::AuthSettings::ephemeral(),
            ephemeral_secret: true,
            dev: false,
        }
    }
}

impl Settings {
    /// Defaults with another database and listen address; handy for embedding and tests
    /// (`Settings::with_database("memory://", "127.0.0.1:0".parse()?)`).
    pub fn with_database(database: impl Into<String>, listen: SocketAddr) -> Self {
        Settings {
            database: database.into(),
            listen,
            ..Settings::default()
        }
    }

    /// Builds settings from the process: `flags` beat the environment, which beats the
    /// file (named by `--config` or `GUILDHALL_CONFIG`), which beats the defaults.
    pub fn load(flags: Overrides) -> Result<Self, ConfigError> {
        Self::resolve(flags, Overrides::from_env())
    }

    /// [`Settings::load`] with the environment given explicitly.
    pub fn resolve(flags: Overrides, env: Overrides) -> Result<Self, ConfigError> {
        let merged = flags.or(env);
        let (file, base) = match &merged.config {
            Some(path) => (
                FileConfig::load(path)?,
                path.parent().map(Path::to_path_buf),
            ),
            None => (FileConfig::default(), None),
        };
        let mut settings = Self::from_file(file, base.as_deref())?;
        settings.config_file = merged.config;
        if let Some(listen) = merged.listen {
            settings.listen = parse_listen(&listen)?;
        }
        if let Some(db) = merged.database {
            settings.database = check_database(db)?;
        }
        if let Some(r) = merged.redis {
            settings.redis = Some(r);
        }
        if let Some(p) = merged.redis_prefix {
            settings.redis_prefix = Some(p);
        }
        settings.dev |= merged.dev;
        if let Some(secret) = merged.jwt_secret {
            settings.set_secret(&secret, "GUILDHALL_JWT_SECRET")?;
        }
        if settings.ephemeral_secret && !(merged.dev || settings.dev) {
            return Err(ConfigError::invalid(
                "auth.jwt_secret",
                "no access-token secret is configured: set GUILDHALL_JWT_SECRET (or [auth] jwt_secret) to 32+ random bytes, e.g. `openssl rand -hex 32`; or pass --dev for a throwaway secret on a development machine",
            ));
        }
        Ok(settings)
    }

    /// Parses config TOML text (a `catalog_file` in it is read relative to `base_dir`, or
    /// the current directory). Errors name the key.
    pub fn from_toml_str(text: &str, base_dir: Option<&Path>) -> Result<Self, ConfigError> {
        Self::from_file(FileConfig::parse(text, Path::new("<config>"))?, base_dir)
    }

    /// Validates a parsed file and fills in the defaults.
    pub fn from_file(file: FileConfig, base_dir: Option<&Path>) -> Result<Self, ConfigError> {
        let mut s = Settings::default();
        if let Some(listen) = &file.listen {
            s.listen = parse_listen(listen)?;
        }
        if let Some(db) = file.database {
            s.database = check_database(db)?;
        }
        s.redis = file.redis;
        s.redis_prefix = file.redis_prefix;
        let currencies = if file.currencies.is_empty() {
            vec![Currency {
                code: DEFAULT_CURRENCY.into(),
                max_balance: None,
            }]
        } else {
            file.currencies
        };
        let mut core = Config::new(currencies).map_err(|e| ConfigError::from_core("", &e))?;
        if let Some(tz) = &file.reset_timezone {
            core.reset_timezone = tz.parse().map_err(|_| {
                ConfigError::invalid(
                    "reset_timezone",
                    format!(
                        "'{tz}' is not an IANA time zone name such as 'Europe/Moscow' or 'UTC'"
                    ),
                )
            })?;
        }
        if let Some(secs) = file.idempotency_retention_secs {
            core.idempotency_retention_secs = secs;
        }
        if let Some(secs) = file.event_retention_secs {
            if secs <= 0 {
                return Err(ConfigError::invalid(
                    "event_retention_secs",
                    "event retention is a positive number of seconds",
                ));
            }
            core.event_retention_secs = secs;
        }
        if let Some(mail) = file.mail {
            check_mail(&mail)?;
            core.mail = mail;
        }
        if let Some(secs) = file.session_timeout_secs {
            core.session_timeout_secs = secs;
        }
        if let Some(party) = file.party {
            if party.max_size < 2 {
                return Err(ConfigError::invalid(
                    "party.max_size",
                    "a party has room for at least 2 members",
                ));
            }
            if party.invite_ttl_secs < 1 {
                return Err(ConfigError::invalid(
                    "party.invite_ttl_secs",
                    "an invite lasts at least 1 second",
                ));
            }
            core.party = party;
        }
        for q in &file.queues {
            guildhall_core::matchmaking::rules::check_queue(q).map_err(|e| {
                let field = e
                    .details
                    .get("field")
                    .and_then(|f| f.as_str())
                    .unwrap_or("");
                let field = field.strip_prefix("queues.").unwrap_or(field);
                ConfigError::invalid(format!("queues[\"{}\"].{field}", q.name), e.message)
            })?;
        }
        core.queues = file.queues;
        core.validate()
            .map_err(|e| ConfigError::from_core("", &e))?;
        s.schedule = file.schedule.unwrap_or_default().resolve()?;
        if let Some(auth) = file.auth {
            s.apply_auth(auth, &mut core)?;
        }
        if let Some(compat) = file.compat {
            s.auth.anonymous_compat_from = compat
                .anonymous_from
                .iter()
                .map(|n| {
                    n.parse::<ipnet::IpNet>().map_err(|_| {
                        ConfigError::invalid(
                            "compat.anonymous_from",
                            format!("'{n}' is not a network like 127.0.0.1/32 or 10.0.0.0/8"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?;
        }

        let mut catalog = file.catalog;
        if let Some(rel) = &file.catalog_file {
            let path = match base_dir {
                Some(dir) if rel.is_relative() => dir.join(rel),
                _ => rel.clone(),
            };
            let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            let extra: CatalogFile = toml::from_str(&text).map_err(|e| ConfigError::Parse {
                path: path.clone(),
                message: e.to_string(),
            })?;
            catalog.extend(extra.catalog);
        }
        for (i, item) in catalog.iter().enumerate() {
            let key = format!("catalog[\"{}\"]", item.id);
            check_catalog_item(&core, item).map_err(|e| ConfigError::from_core(&key, &e))?;
            if catalog[..i].iter().any(|o| o.id == item.id) {
                return Err(ConfigError::invalid(
                    key,
                    "this catalog item id appears twice",
                ));
            }
        }
        s.core = core;
        s.catalog = catalog;
        Ok(s)
    }

    /// Takes a configured access-token secret. Errors: an unsafe secret (too short, a
    /// placeholder, not random-looking), naming where it came from.
    pub fn set_secret(&mut self, secret: &str, origin: &str) -> Result<(), ConfigError> {
        if let Some(why) = crate::auth::unsafe_secret(secret) {
            return Err(ConfigError::invalid(
                origin,
                format!("refusing this access-token secret: {why}"),
            ));
        }
        self.auth.secret = secret.as_bytes().to_vec();
        self.ephemeral_secret = false;
        Ok(())
    }

    fn apply_auth(&mut self, a: AuthFile, core: &mut Config) -> Result<(), ConfigError> {
        self.dev = a.dev.unwrap_or(false);
        if let Some(secret) = &a.jwt_secret {
            self.set_secret(secret, "auth.jwt_secret")?;
        }
        let name = |key: &str, v: Option<String>, into: &mut String| {
            if let Some(v) = v {
                if v.is_empty() || v.len() > 200 {
                    return Err(ConfigError::invalid(
                        format!("auth.{key}"),
                        "1 to 200 characters",
                    ));
                }
                *into = v;
            }
            Ok(())
        };
        name("issuer", a.issuer, &mut self.auth.issuer)?;
        name("audience", a.audience, &mut self.auth.audience)?;
        if let Some(t) = a.access_ttl_secs {
            if !(30..=86_400).contains(&t) {
                return Err(ConfigError::invalid(
                    "auth.access_ttl_secs",
                    "an access token lives 30 seconds to 1 day (short is safer)",
                ));
            }
            self.auth.access_ttl_secs = t;
        }
        if let Some(t) = a.refresh_ttl_secs {
            if !(60..=365 * 86_400).contains(&t) {
                return Err(ConfigError::invalid(
                    "auth.refresh_ttl_secs",
                    "a refresh token lives 1 minute to 365 days",
                ));
            }
            core.accounts.refresh_ttl_secs = t;
        }
        if let Some(w) = a.whitelist {
            core.accounts.whitelist = w;
        }
        if let Some(n) = a.min_password_len {
            if !(8..=64).contains(&n) {
                return Err(ConfigError::invalid(
                    "auth.min_password_len",
                    "between 8 and 64 characters",
                ));
            }
            core.accounts.min_password_len = n;
        }
        for o in &a.cors_origins {
            let ok = (o.starts_with("https://") || o.starts_with("http://"))
                && !o.ends_with('/')
                && o.parse::<axum::http::HeaderValue>().is_ok();
            if !ok {
                return Err(ConfigError::invalid(
                    "auth.cors_origins",
                    format!("'{o}' is not an origin like https://shop.example.com"),
                ));
            }
        }
        self.auth.cors_origins = a.cors_origins;
        if let Some(l) = a.rate_limits {
            if l.player_per_minute == 0
                || l.key_per_minute == 0
                || l.login_per_address_per_minute == 0
                || l.login_per_account_per_15_minutes == 0
            {
                return Err(ConfigError::invalid(
                    "auth.rate_limits",
                    "every limit is at least 1",
                ));
            }
            self.auth.limits = l;
        }
        Ok(())
    }

    /// The configured currency codes, default first.
    pub fn currency_codes(&self) -> Vec<&str> {
        self.core
            .currencies
            .iter()
            .map(|c| c.code.as_str())
            .collect()
    }
}

/// Names the offending `[mail]` key (the core checks the same rules as a whole).
fn check_mail(m: &MailConfig) -> Result<(), ConfigError> {
    let bad =
        |key: &str, message: String| Err(ConfigError::invalid(format!("mail.{key}"), message));
    if m.store_cap == 0 {
        return bad("store_cap", "a mailbox stores at least 1 mail".into());
    }
    if m.list_cap == 0 {
        return bad("list_cap", "a listing shows at least 1 mail".into());
    }
    if m.evict_to >= m.store_cap {
        return bad(
            "evict_to",
            format!(
                "evict_to ({}) must be below store_cap ({})",
                m.evict_to, m.store_cap
            ),
        );
    }
    if m.player_daily_limit < 0 {
        return bad("player_daily_limit", "the daily limit is 0 or more".into());
    }
    Ok(())
}

fn parse_listen(value: &str) -> Result<SocketAddr, ConfigError> {
    value.trim().parse().map_err(|_| {
        ConfigError::invalid(
            "listen",
            format!("'{value}' is not an address like 127.0.0.1:8080"),
        )
    })
}

fn check_database(value: String) -> Result<String, ConfigError> {
    if value.trim().is_empty() {
        return Err(ConfigError::invalid(
            "database",
            "the database URL is empty",
        ));
    }
    Ok(value)
}

/// The database URL with any password replaced by `***`, for logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}
