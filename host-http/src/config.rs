//! Settings of the HTTP host: the TOML file of SPEC.md "Configuration", the
//! environment and the command line, merged with flags > environment > file > defaults.
//!
//! The file's schema, its validation and the environment overrides are
//! [`guildhall_adapters::settings`], the same code the Node and Python modules use; this
//! module adds the host's defaults (listen address, database), its CLI flags and the
//! host-only resolution (the token secret and dev mode, schedule durations, CORS, rate
//! limits, `[compat]` networks).
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
//! [friends]
//! max_friends = 500             # friends per player; past it LIMIT_REACHED
//! max_pending = 100             # pending requests per player, each way (outgoing, incoming)
//! max_blocked = 1000            # players one player may block
//! [groups]                             # every key optional; these are the defaults
//! default_max_members = 100            # a group's members when its creator names none
//! max_members_cap = 1000               # the largest max_members a creator may ask for
//! max_groups_per_player = 5            # groups a player is in, every kind together
//! kinds = { guild = 1 }                # per kind; a kind not listed: max_groups_per_player
//! [chat]
//! rate_limit = 5                       # messages per player per window
//! rate_window_secs = 10
//! retention_secs = 2592000             # history kept 30 days, then pruned
//! masked_words = ["darn"]              # whole words, any case, become asterisks
//!
//! [[queues]]
//! name = "duel"
//! teams = 2
//! team_size = 1
//! properties = ["region"]              # must be equal within a match
//! window = { initial = 100.0, widen_per_sec = 10.0, max = 500.0 }
//! max_wait_secs = 120
//! # rating = "glicko2" | "weng_lin"     # default: Glicko-2 for 1v1, Weng-Lin otherwise
//!
//! [ratings.glicko2]                    # every key optional; these are the defaults
//! rating = 1500.0                      # a new player's rating, deviation and volatility
//! deviation = 350.0
//! volatility = 0.06
//! tau = 0.5                            # constrains volatility changes (0.3 to 1.2)
//!
//! [ratings.weng_lin]                   # openskill's defaults
//! mu = 25.0
//! sigma = 8.333333333333334            # 25 / 3
//! beta = 4.166666666666667             # 25 / 6
//! kappa = 0.0001
//! tau = 0.08333333333333333            # 25 / 300; 0 turns it off
//!
//! [schedule]                           # the host's background jobs
//! lobby_interval_secs = 600            # lobby announcements to connected players
//! room_interval_secs = 30              # room messages to connected players
//! matchmaking_tick_ms = 1000           # matchmaking tick
//! sse_heartbeat_secs = 15              # heartbeat comment on idle event streams
//! online_sample_secs = 300             # players online sampled for the console's trend
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
//! An unknown key or a bad value is a [`ConfigError`] whose message names the key
//! (and, from a file, the file and line).

use guildhall_adapters::settings::{self, ResolvedConfig};
use guildhall_core::types::CatalogItem;
use guildhall_core::Config;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use guildhall_adapters::settings::{
    AuthSection, CompatSection, FileConfig, Overrides, ScheduleSection, DEFAULT_CURRENCY,
    DEFAULT_DATABASE, ENV_CONFIG, ENV_DATABASE_URL, ENV_DEV, ENV_JWT_SECRET, ENV_LISTEN,
    ENV_REDIS_PREFIX, ENV_REDIS_URL,
};

/// Listen address when none is configured.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Largest request body accepted, bytes (64 KiB).
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;
/// Longest a request may take before the host answers `503 UNAVAILABLE`.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How often the host looks for scheduled announcements whose `send_at` has come.
pub const DUE_TRIGGERS_INTERVAL: Duration = Duration::from_secs(1);

/// Why the settings could not be built: the shared schema's `INVALID_ARGUMENT`, whose
/// message names the key. Shown as `FILE:LINE: message` when it comes from a file.
#[derive(Debug, Clone)]
pub struct ConfigError(pub guildhall_core::Error);

impl ConfigError {
    /// The error as every surface reports it (code `INVALID_ARGUMENT`, the message
    /// naming the key, `details.field`, and for a file `details.file` and `line`).
    pub fn error(&self) -> &guildhall_core::Error {
        &self.0
    }

    fn invalid(key: &str, why: impl std::fmt::Display) -> Self {
        ConfigError(settings::invalid(key, why))
    }
}

impl From<guildhall_core::Error> for ConfigError {
    fn from(e: guildhall_core::Error) -> Self {
        ConfigError(e)
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = &self.0.details;
        match (d.get("file").and_then(|v| v.as_str()), d.get("line")) {
            (Some(file), Some(line)) => write!(f, "{file}:{line}: {}", self.0.message),
            (Some(file), None) => write!(f, "{file}: {}", self.0.message),
            _ => write!(f, "{}", self.0.message),
        }
    }
}

impl std::error::Error for ConfigError {}

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
    /// Between two samples of the players online (the console's trend).
    pub online_sample: Duration,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule::from_section(&ScheduleSection::default())
    }
}

impl Schedule {
    /// The durations of a `[schedule]` section (already checked by the schema).
    pub fn from_section(s: &ScheduleSection) -> Self {
        Schedule {
            lobby_interval: Duration::from_secs(s.lobby_interval_secs),
            room_interval: Duration::from_secs(s.room_interval_secs),
            due_triggers_interval: DUE_TRIGGERS_INTERVAL,
            matchmaking_tick: Duration::from_millis(s.matchmaking_tick_ms),
            sse_heartbeat: Duration::from_secs(s.sse_heartbeat_secs),
            online_sample: Duration::from_secs(s.online_sample_secs),
        }
    }
}

/// Everything the host needs to start: resolved and validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Database URL the backend opens (default `sqlite://guildhall.db`).
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
    /// Grace of a drain that names none (SIGTERM, Ctrl-C, a drain request without
    /// `grace_secs`): requests in flight and the background jobs get this long before
    /// they are cut (`serve --drain-grace-secs`; default
    /// [`crate::ops::DEFAULT_DRAIN_GRACE`], 30 s).
    pub drain_grace: Duration,
}

impl Default for Settings {
    /// Defaults: `127.0.0.1:8080`, `sqlite://guildhall.db`, UTC, one currency `gold`,
    /// empty catalog.
    fn default() -> Self {
        let core = ResolvedConfig::default().core;
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
            drain_grace: crate::ops::DEFAULT_DRAIN_GRACE,
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
        let mut resolved = match &merged.config {
            Some(path) => settings::load_file(path)?,
            None => ResolvedConfig::default(),
        };
        resolved.apply(&merged)?;
        let settings = Self::from_resolved(resolved);
        if settings.ephemeral_secret && !settings.dev {
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
        Ok(Self::from_resolved(settings::parse_toml(text, base_dir)?))
    }

    /// Validates a parsed file and fills in the defaults.
    pub fn from_file(file: FileConfig, base_dir: Option<&Path>) -> Result<Self, ConfigError> {
        Ok(Self::from_resolved(file.resolve(base_dir)?))
    }

    /// The host's settings from a config the shared schema resolved (and checked): the
    /// host's defaults filled in, the host-only sections turned into their runtime form.
    pub fn from_resolved(r: ResolvedConfig) -> Self {
        let mut s = Settings {
            listen: r
                .listen
                .unwrap_or_else(|| DEFAULT_LISTEN.parse().expect("default listen address")),
            database: r.database.unwrap_or_else(|| DEFAULT_DATABASE.to_string()),
            redis: r.redis,
            redis_prefix: r.redis_prefix,
            core: r.core,
            catalog: r.catalog,
            config_file: r.file,
            schedule: Schedule::from_section(&r.schedule),
            dev: r.dev,
            ..Settings::default()
        };
        let a = r.auth;
        if let Some(secret) = &a.jwt_secret {
            s.auth.secret = secret.as_bytes().to_vec();
            s.ephemeral_secret = false;
        }
        if let Some(v) = a.issuer {
            s.auth.issuer = v;
        }
        if let Some(v) = a.audience {
            s.auth.audience = v;
        }
        if let Some(t) = a.access_ttl_secs {
            s.auth.access_ttl_secs = t;
        }
        s.auth.cors_origins = a.cors_origins;
        s.auth.anonymous_compat_from = r.anonymous_from;
        if let Some(l) = a.rate_limits {
            s.auth.limits = l;
        }
        s
    }

    /// Takes a configured access-token secret. Errors: an unsafe secret (too short, a
    /// placeholder, not random-looking), naming where it came from.
    pub fn set_secret(&mut self, secret: &str, origin: &str) -> Result<(), ConfigError> {
        settings::check_secret(secret, origin)?;
        self.auth.secret = secret.as_bytes().to_vec();
        self.ephemeral_secret = false;
        Ok(())
    }

    /// The builder of this host's backend: its database, Redis and prefix, core config
    /// and catalog (no in-process cache: the host shares its database).
    pub fn backend(&self) -> guildhall_adapters::BackendBuilder {
        guildhall_adapters::Backend::builder()
            .database(self.database.clone())
            .redis(self.redis.clone())
            .redis_prefix(self.redis_prefix.clone())
            .config(self.core.clone())
            .catalog(self.catalog.clone())
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
