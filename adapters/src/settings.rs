//! The one configuration schema of guildhall (SPEC.md "Configuration"): the TOML file
//! the host reads, and the same shape as an object for the Node and Python modules.
//! Every section lives here, the host-only ones too (`listen`, `[schedule]`, `[auth]`,
//! `[compat]`), so one file serves the host and both modules: each surface parses it
//! with [`load_file`] (a TOML file; a relative `catalog_file` is read beside it) or
//! [`from_json`] (an object, as Node and Python pass it), validates it here once, and
//! applies the environment ([`Overrides::from_env`]) here once.
//!
//! ```toml
//! listen = "127.0.0.1:8080"             # host only
//! database = "sqlite://guildhall.db"
//! redis = "redis://127.0.0.1:6379"      # optional: shared coordinator
//! redis_prefix = "guildhall:"           # optional: key prefix of this deployment
//! reset_timezone = "Europe/Moscow"
//! idempotency_retention_secs = 86400    # at least 24 h
//! event_retention_secs = 604800
//! session_timeout_secs = 90             # presence: seconds without a heartbeat
//! max_retries = 32                      # retries after a CONFLICT
//! max_batch = 128                       # change sets per group commit
//! matchmaking_lease_secs = 5            # another process takes the tick over after this
//! catalog_file = "catalog.toml"         # more [[catalog]] entries, relative to this file
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
//! [mail]                        # every key optional; these are the defaults
//! store_cap = 50
//! list_cap = 30
//! evict_to = 29
//! player_daily_limit = 10
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
//! properties = ["region"]
//! window = { initial = 100.0, widen_per_sec = 10.0, max = 500.0 }
//! max_wait_secs = 120
//!
//! [ratings.glicko2]             # every key optional; these are the defaults
//! rating = 1500.0
//! deviation = 350.0
//! volatility = 0.06
//! tau = 0.5
//!
//! [ratings.weng_lin]            # openskill's defaults
//! mu = 25.0
//! sigma = 8.333333333333334
//! beta = 4.166666666666667
//! kappa = 0.0001
//! tau = 0.08333333333333333
//!
//! [schedule]                    # host only: background jobs
//! lobby_interval_secs = 600
//! room_interval_secs = 30
//! matchmaking_tick_ms = 1000
//! sse_heartbeat_secs = 15
//! online_sample_secs = 300
//!
//! [auth]                        # whitelist, refresh_ttl_secs, min_password_len reach the core
//! jwt_secret = "..."            # host only; prefer GUILDHALL_JWT_SECRET
//! dev = false
//! issuer = "guildhall"
//! audience = "guildhall"
//! access_ttl_secs = 900
//! refresh_ttl_secs = 2592000
//! whitelist = false
//! min_password_len = 8
//! cors_origins = ["https://shop.example.com"]
//!
//! [auth.rate_limits]
//! player_per_minute = 600
//! key_per_minute = 60000
//! login_per_address_per_minute = 30
//! login_per_account_per_15_minutes = 10
//!
//! [compat]                      # host only: seed 002 drop-in; off by default
//! anonymous_from = ["127.0.0.1/32"]
//!
//! [payments]                    # payment webhooks in (every key optional)
//! tolerance_secs = 300          # Stripe signature age accepted
//! source = "payments"           # system account grants come from
//! stripe = { secrets = ["whsec_..."] }   # two while rotating
//!
//! [[payments.hmac]]             # a provider signing the body with HMAC-SHA256
//! name = "xsolla"
//! header = "X-Signature"
//! secrets = ["..."]
//! encoding = "hex"              # or "base64"
//!
//! [[payments.products]]         # product id (metadata `product`) or Stripe price id
//! id = "gems_500"
//! currency = "gems"
//! amount = 500
//! items = [{ item_id = "1", quantity = 2 }]
//!
//! [downloads]
//! max_file_bytes = 33554432     # largest game data file accepted
//! ```
//!
//! Every error is `INVALID_ARGUMENT` whose message names the key, the same text on
//! every surface: an unknown key is ``unknown field `currencys`, expected one of ...``
//! (nested: ``mail: unknown field `store_capp`, ...``), a bad value
//! ``invalid `reset_timezone`: ...``. `details` carry `field` and, for a file, `file`
//! and `line`.

use guildhall_core::inventory::rules::check_catalog_item;
use guildhall_core::mail::MailConfig;
use guildhall_core::matchmaking::QueueConfig;
use guildhall_core::party::PartyConfig;
use guildhall_core::types::{CatalogItem, Currency};
use guildhall_core::{Config, Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The HTTP host's database when neither a flag, the environment nor the file names
/// one (`guildhall serve` creates it in its working directory, as documented). The
/// builder and the modules have no default: they refuse to open without a database.
pub const DEFAULT_DATABASE: &str = "sqlite://guildhall.db";
/// Currency configured when the file names none.
pub const DEFAULT_CURRENCY: &str = "gold";
/// Shortest access-token secret accepted, bytes.
pub const MIN_SECRET_LEN: usize = 32;

/// Environment variable naming the config file (read by the host only).
pub const ENV_CONFIG: &str = "GUILDHALL_CONFIG";
/// Environment variable with the listen address.
pub const ENV_LISTEN: &str = "GUILDHALL_LISTEN";
/// Environment variable with the database URL.
pub const ENV_DATABASE_URL: &str = "GUILDHALL_DATABASE_URL";
/// Environment variable with the Redis URL (many processes sharing one coordinator).
pub const ENV_REDIS_URL: &str = "GUILDHALL_REDIS_URL";
/// Environment variable with the Redis key prefix of this deployment.
pub const ENV_REDIS_PREFIX: &str = "GUILDHALL_REDIS_PREFIX";
/// Environment variable with the access-token signing secret (32+ random bytes).
pub const ENV_JWT_SECRET: &str = "GUILDHALL_JWT_SECRET";
/// Environment variable turning on dev mode (`1`/`true`/`yes`).
pub const ENV_DEV: &str = "GUILDHALL_DEV";

/// The config as written: every key optional, unknown keys refused (by name).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Host only: listen address, `IP:PORT` (default `127.0.0.1:8080`).
    #[serde(default)]
    pub listen: Option<String>,
    /// Database URL (`sqlite://FILE`, `postgres://...`, `memory://`).
    #[serde(default)]
    pub database: Option<String>,
    /// Redis URL (`redis://HOST:PORT`): cache, presence, live fan-out and leases shared
    /// by every process; none: in-process.
    #[serde(default)]
    pub redis: Option<String>,
    /// Prefix of every Redis key of this deployment (default `guildhall:`).
    #[serde(default)]
    pub redis_prefix: Option<String>,
    /// IANA time zone of daily/weekly/monthly periods (default `UTC`).
    #[serde(default)]
    pub reset_timezone: Option<String>,
    /// Currencies; the first is the default. None: one currency, `gold`.
    #[serde(default)]
    pub currencies: Vec<Currency>,
    /// Catalog items, inserted or updated when a backend opens.
    #[serde(default)]
    pub catalog: Vec<CatalogItem>,
    /// A TOML file of further `[[catalog]]` entries, relative to the config file (or
    /// the current directory for an object).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub catalog_file: Option<PathBuf>,
    /// How long idempotency records are kept, seconds (default 86400, at least 86400).
    #[serde(default)]
    pub idempotency_retention_secs: Option<i64>,
    /// How long outbox events are kept, seconds (default 604800, positive).
    #[serde(default)]
    pub event_retention_secs: Option<i64>,
    /// Seconds without a heartbeat after which a session ends (default 90).
    #[serde(default)]
    pub session_timeout_secs: Option<i64>,
    /// Retries after a `CONFLICT` before a call gives up (default 32).
    #[serde(default)]
    pub max_retries: Option<u32>,
    /// Change sets committed in one transaction at most (default 128, at least 1).
    #[serde(default)]
    pub max_batch: Option<usize>,
    /// Time to live of the matchmaking lease, seconds (default 5; 1 to 3600): another
    /// process takes the tick over this long after its holder stopped renewing.
    #[serde(default)]
    pub matchmaking_lease_secs: Option<i64>,
    /// Mail caps and limits (`[mail]`); missing keys keep their defaults.
    #[serde(default)]
    pub mail: Option<MailConfig>,
    /// Party limits (`[party]`); missing keys keep their defaults.
    #[serde(default)]
    pub party: Option<PartyConfig>,
    /// Friend limits (`[friends]`); missing keys keep their defaults.
    #[serde(default)]
    pub friends: Option<guildhall_core::friends::FriendsConfig>,
    /// Group limits and kinds (`[groups]`); missing keys keep their defaults.
    #[serde(default)]
    pub groups: Option<guildhall_core::groups::GroupsConfig>,
    /// Chat limits, retention and masked words (`[chat]`); missing keys keep their defaults.
    #[serde(default)]
    pub chat: Option<guildhall_core::chat::ChatConfig>,
    /// Leaderboard reset timing (`[leaderboards]`); missing keys keep their defaults.
    #[serde(default)]
    pub leaderboards: Option<guildhall_core::leaderboards::LeaderboardsConfig>,
    /// Achievement limits (`[achievements]`); missing keys keep their defaults.
    #[serde(default)]
    pub achievements: Option<guildhall_core::achievements::AchievementsConfig>,
    /// Trade expiry and limits (`[trade]`); missing keys keep their defaults.
    #[serde(default)]
    pub trade: Option<guildhall_core::trade::TradeConfig>,
    /// Character slots and restore window (`[characters]`); missing keys keep their
    /// defaults.
    #[serde(default)]
    pub characters: Option<guildhall_core::characters::CharactersConfig>,
    /// Loot table limits and the party roll window (`[loot]`); missing keys keep their
    /// defaults.
    #[serde(default)]
    pub loot: Option<guildhall_core::loot::LootConfig>,
    /// Room limits, the idle time and the lobby push (`[rooms]`); missing keys keep
    /// their defaults.
    #[serde(default)]
    pub rooms: Option<guildhall_core::rooms::RoomsConfig>,
    /// Payment providers, secrets and the product map (`[payments]`); missing keys keep
    /// their defaults.
    #[serde(default)]
    pub payments: Option<guildhall_core::payments::PaymentsConfig>,
    /// Game data file limits (`[downloads]`); missing keys keep their defaults.
    #[serde(default)]
    pub downloads: Option<guildhall_core::downloads::DownloadsConfig>,
    /// Matchmaking queues (`[[queues]]`).
    #[serde(default)]
    pub queues: Vec<QueueConfig>,
    /// Rating-system parameters (`[ratings.glicko2]`, `[ratings.weng_lin]`); missing keys
    /// keep their defaults (Glickman's tau 0.5; openskill's Weng-Lin).
    #[serde(default)]
    pub ratings: Option<guildhall_core::matchmaking::RatingsConfig>,
    /// Host only: intervals of the background jobs (`[schedule]`).
    #[serde(default)]
    pub schedule: Option<ScheduleSection>,
    /// Authentication and accounts (`[auth]`); the account keys reach the core.
    #[serde(default)]
    pub auth: Option<AuthSection>,
    /// Host only: seed 002 drop-in (`[compat]`).
    #[serde(default)]
    pub compat: Option<CompatSection>,
    /// Outbound webhook delivery (`[webhooks]`); missing keys keep their defaults.
    #[serde(default)]
    pub webhooks: Option<guildhall_core::webhooks::WebhooksConfig>,
    /// One-time codes, their channel, SMTP, reopen grace (`[recovery]`); missing keys
    /// keep their defaults.
    #[serde(default)]
    pub recovery: Option<guildhall_core::access::RecoveryConfig>,
}

/// `[schedule]`: intervals of the host's background jobs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleSection {
    /// Seconds between pushes of lobby announcements (default 600; 1 s to 7 days).
    pub lobby_interval_secs: u64,
    /// Seconds between pushes of room messages (default 30; 1 s to 7 days).
    pub room_interval_secs: u64,
    /// Milliseconds between matchmaking ticks (default 1000; 10 ms to 1 hour).
    pub matchmaking_tick_ms: u64,
    /// Seconds between heartbeat comments on an idle event stream (default 15).
    pub sse_heartbeat_secs: u64,
    /// Seconds between two samples of the players online for the console's trend
    /// (default 300; 10 s to 1 day).
    pub online_sample_secs: u64,
}

impl Default for ScheduleSection {
    fn default() -> Self {
        ScheduleSection {
            lobby_interval_secs: 600,
            room_interval_secs: 30,
            matchmaking_tick_ms: 1000,
            sse_heartbeat_secs: 15,
            online_sample_secs: 300,
        }
    }
}

/// `[auth.rate_limits]`: hits per fixed window.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimits {
    /// Requests per minute of one player's access tokens (default 600).
    pub player_per_minute: u32,
    /// Requests per minute of one API key (default 60000).
    pub key_per_minute: u32,
    /// Login, registration and refresh attempts per minute from one address (default 30).
    pub login_per_address_per_minute: u32,
    /// Password login attempts per 15 minutes on one username (default 10).
    pub login_per_account_per_15_minutes: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            player_per_minute: 600,
            key_per_minute: 60_000,
            login_per_address_per_minute: 30,
            login_per_account_per_15_minutes: 10,
        }
    }
}

/// `[auth]` as written; every key optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthSection {
    /// Host only: HMAC secret of access tokens, 32+ random bytes (prefer
    /// `GUILDHALL_JWT_SECRET`).
    #[serde(default)]
    pub jwt_secret: Option<String>,
    /// Host only: dev mode, a random secret per start when none is configured.
    #[serde(default)]
    pub dev: Option<bool>,
    /// Host only: `iss` of access tokens (default `guildhall`; 1 to 200 characters).
    #[serde(default)]
    pub issuer: Option<String>,
    /// Host only: `aud` of access tokens (default `guildhall`; 1 to 200 characters).
    #[serde(default)]
    pub audience: Option<String>,
    /// Host only: access token lifetime, seconds (default 900; 30 to 86400).
    #[serde(default)]
    pub access_ttl_secs: Option<i64>,
    /// Refresh token lifetime, seconds (default 30 days; 60 to 365 days).
    #[serde(default)]
    pub refresh_ttl_secs: Option<i64>,
    /// Whitelist mode (seed 003).
    #[serde(default)]
    pub whitelist: Option<bool>,
    /// Shortest password accepted (default 8; 8 to 64).
    #[serde(default)]
    pub min_password_len: Option<usize>,
    /// Host only: origins allowed to call from a browser (CORS), `scheme://host[:port]`.
    #[serde(default)]
    pub cors_origins: Vec<String>,
    /// Host only: request limits (each at least 1).
    #[serde(default)]
    pub rate_limits: Option<RateLimits>,
}

/// `[compat]`: the seed 002 drop-in (host only).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompatSection {
    /// Networks (CIDR, e.g. `127.0.0.1/32`, `10.0.0.0/8`, `::1/128`) whose callers may
    /// use the seed 002 routes without credentials. Default: none (off).
    #[serde(default)]
    pub anonymous_from: Vec<String>,
}

/// A catalog file: only `[[catalog]]` entries.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(default)]
    catalog: Vec<CatalogItem>,
}

/// A config checked as a whole, with the defaults filled in: what every surface opens a
/// backend from. Host-only values are validated and kept for the host.
#[derive(Debug, Clone)]
pub struct ResolvedConfig {
    /// The core configuration (currencies, reset zone, retention, mail, party, queues,
    /// accounts, retries, batch size).
    pub core: Config,
    /// Catalog items to upsert when a backend opens: the file's, then `catalog_file`'s.
    pub catalog: Vec<CatalogItem>,
    /// Database URL named by the file or the environment; none: the caller's default.
    pub database: Option<String>,
    /// Redis URL; none: the in-process coordinator.
    pub redis: Option<String>,
    /// Redis key prefix; none: `guildhall:`.
    pub redis_prefix: Option<String>,
    /// Host only: listen address.
    pub listen: Option<SocketAddr>,
    /// Host only: background job intervals (defaults filled in, ranges checked).
    pub schedule: ScheduleSection,
    /// Host only: the `[auth]` section (checked; a secret given is a safe one).
    pub auth: AuthSection,
    /// Where the secret in `auth.jwt_secret` came from (`auth.jwt_secret` or
    /// [`ENV_JWT_SECRET`]).
    pub jwt_secret_origin: Option<String>,
    /// Host only: dev mode (`[auth] dev` or `GUILDHALL_DEV`).
    pub dev: bool,
    /// Host only: networks served the seed 002 routes without credentials.
    pub anonymous_from: Vec<ipnet::IpNet>,
    /// The file this came from, if any.
    pub file: Option<PathBuf>,
}

impl Default for ResolvedConfig {
    /// The resolution of an empty config: one currency `gold`, UTC, no catalog.
    fn default() -> Self {
        FileConfig::default()
            .resolve(None)
            .expect("the empty config is valid")
    }
}

/// `INVALID_ARGUMENT` for a value: ``invalid `key`: why``, `details.field` = key.
pub fn invalid(key: &str, why: impl std::fmt::Display) -> Error {
    Error::invalid(key, format!("invalid `{key}`: {why}"))
}

fn from_core(prefix: &str, e: &Error) -> Error {
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
    invalid(&key, &e.message)
}

/// A schema error (unknown key, wrong type) with its key path: the same message whether
/// the config came from TOML or from an object.
fn schema_error(path: &serde_path_to_error::Path, message: &str) -> Error {
    let path = path.to_string();
    let path = path.trim_start_matches('.');
    let path = if path == "?" { "" } else { path };
    let message = message.trim_end();
    // An unknown key's path ends with the key itself: name the table it is in.
    let unknown = message
        .strip_prefix("unknown field `")
        .and_then(|m| m.split('`').next());
    let table = match unknown {
        Some(key) if path == key => "",
        Some(key) => path
            .strip_suffix(key)
            .map(|p| p.trim_end_matches('.'))
            .unwrap_or(path),
        None => path,
    };
    let field = if path.is_empty() { "config" } else { path };
    if table.is_empty() {
        Error::invalid(field, message)
    } else {
        Error::invalid(field, format!("{table}: {message}"))
    }
}

fn with_file(e: Error, file: &Path, line: Option<usize>) -> Error {
    let mut details = match e.details {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    details.insert("file".into(), json!(file.display().to_string()));
    if let Some(line) = line {
        details.insert("line".into(), json!(line));
    }
    Error {
        details: serde_json::Value::Object(details),
        ..e
    }
}

/// Parses TOML text of shape `T`; errors name the key and carry `file` and `line`.
fn toml_of<T: DeserializeOwned>(text: &str, file: &Path) -> Result<T> {
    serde_path_to_error::deserialize(toml::Deserializer::new(text)).map_err(|e| {
        let line = e
            .inner()
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let err = schema_error(e.path(), e.inner().message());
        with_file(err, file, line)
    })
}

fn read(path: &Path, key: &str) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| {
        with_file(
            invalid(key, format!("cannot read {}: {e}", path.display())),
            path,
            None,
        )
    })
}

/// Reads, parses and resolves a TOML config file; a relative `catalog_file` is read
/// beside it. Errors: `INVALID_ARGUMENT` naming the key (or the unreadable file).
pub fn load_file(path: &Path) -> Result<ResolvedConfig> {
    let text = read(path, "config")?;
    let file: FileConfig = toml_of(&text, path)?;
    let mut r = file.resolve(path.parent()).map_err(|e| {
        // An error of the catalog file already names that file.
        if e.details.get("file").is_some() {
            e
        } else {
            with_file(e, path, None)
        }
    })?;
    r.file = Some(path.to_path_buf());
    Ok(r)
}

/// Parses and resolves config TOML text (a relative `catalog_file` is read from
/// `base_dir`, or the current directory). Errors as [`load_file`].
pub fn parse_toml(text: &str, base_dir: Option<&Path>) -> Result<ResolvedConfig> {
    let file: FileConfig = toml_of(text, Path::new("<config>"))?;
    file.resolve(base_dir)
}

/// Resolves a config given as an object (snake_case keys, as in the file), as the Node
/// and Python modules pass it; `null` is the empty config. A relative `catalog_file` is
/// read from `base_dir`, or the current directory. Errors: as [`load_file`], with the
/// same messages.
pub fn from_json(value: serde_json::Value, base_dir: Option<&Path>) -> Result<ResolvedConfig> {
    let value = match value {
        serde_json::Value::Null => serde_json::Value::Object(Default::default()),
        v @ serde_json::Value::Object(_) => v,
        _ => {
            return Err(Error::invalid(
                "config",
                "config is an object (the TOML file's shape) or the path of a TOML file",
            ))
        }
    };
    let file: FileConfig = serde_path_to_error::deserialize(value)
        .map_err(|e| schema_error(e.path(), &e.inner().to_string()))?;
    file.resolve(base_dir)
}

/// The `config` of the Node and Python modules' `open`: nothing (`null`: the empty
/// config), the path of a TOML file (a string; [`load_file`]) or an object ([`from_json`],
/// relative `catalog_file` from the current directory); then the environment
/// ([`Overrides::from_env`] but `GUILDHALL_CONFIG`, which only the host reads). The
/// host-only sections are checked like the host checks them, and left to the host.
/// Errors: as [`load_file`].
pub fn for_module(config: serde_json::Value) -> Result<ResolvedConfig> {
    let mut r = match config {
        serde_json::Value::String(path) => load_file(Path::new(&path))?,
        other => from_json(other, None)?,
    };
    r.apply(&Overrides {
        config: None,
        ..Overrides::from_env()
    })?;
    Ok(r)
}

impl FileConfig {
    /// Validates every section and fills in the defaults; reads `catalog_file` relative
    /// to `base_dir`. Errors: `INVALID_ARGUMENT` naming the key.
    pub fn resolve(self, base_dir: Option<&Path>) -> Result<ResolvedConfig> {
        let listen = self.listen.as_deref().map(parse_listen).transpose()?;
        let database = self.database.map(check_database).transpose()?;
        let currencies = if self.currencies.is_empty() {
            vec![Currency {
                code: DEFAULT_CURRENCY.into(),
                max_balance: None,
            }]
        } else {
            self.currencies
        };
        let mut core = Config::new(currencies).map_err(|e| from_core("", &e))?;
        if let Some(tz) = &self.reset_timezone {
            core.reset_timezone = tz.parse().map_err(|_| {
                invalid(
                    "reset_timezone",
                    format!(
                        "'{tz}' is not an IANA time zone name such as 'Europe/Moscow' or 'UTC'"
                    ),
                )
            })?;
        }
        if let Some(secs) = self.idempotency_retention_secs {
            core.idempotency_retention_secs = secs;
        }
        if let Some(secs) = self.event_retention_secs {
            if secs <= 0 {
                return Err(invalid(
                    "event_retention_secs",
                    "event retention is a positive number of seconds",
                ));
            }
            core.event_retention_secs = secs;
        }
        if let Some(secs) = self.session_timeout_secs {
            core.session_timeout_secs = secs;
        }
        if let Some(n) = self.max_retries {
            core.max_retries = n;
        }
        if let Some(n) = self.max_batch {
            core.max_batch = n;
        }
        if let Some(secs) = self.matchmaking_lease_secs {
            core.matchmaking_lease_secs = secs;
        }
        if let Some(mail) = self.mail {
            check_mail(&mail)?;
            core.mail = mail;
        }
        if let Some(party) = self.party {
            if party.max_size < 2 {
                return Err(invalid(
                    "party.max_size",
                    "a party has room for at least 2 members",
                ));
            }
            if party.invite_ttl_secs < 1 {
                return Err(invalid(
                    "party.invite_ttl_secs",
                    "an invite lasts at least 1 second",
                ));
            }
            core.party = party;
        }
        if let Some(friends) = self.friends {
            friends.check()?;
            core.friends = friends;
        }
        if let Some(groups) = self.groups {
            groups.check()?;
            core.groups = groups;
        }
        if let Some(chat) = self.chat {
            chat.check()?;
            core.chat = chat;
        }
        if let Some(leaderboards) = self.leaderboards {
            leaderboards.check()?;
            core.leaderboards = leaderboards;
        }
        if let Some(achievements) = self.achievements {
            achievements.check()?;
            core.achievements = achievements;
        }
        if let Some(trade) = self.trade {
            trade.check()?;
            core.trade = trade;
        }
        if let Some(characters) = self.characters {
            characters.check()?;
            core.characters = characters;
        }
        if let Some(loot) = self.loot {
            loot.check()?;
            core.loot = loot;
        }
        if let Some(rooms) = self.rooms {
            rooms.check()?;
            core.rooms = rooms;
        }
        if let Some(payments) = self.payments {
            payments.check()?;
            core.payments = payments;
        }
        if let Some(downloads) = self.downloads {
            downloads.check()?;
            core.downloads = downloads;
        }
        if let Some(webhooks) = self.webhooks {
            webhooks.check()?;
            core.webhooks = webhooks;
        }
        if let Some(recovery) = self.recovery {
            recovery.check()?;
            core.recovery = recovery;
        }
        for q in &self.queues {
            guildhall_core::matchmaking::rules::check_queue(q).map_err(|e| {
                let field = e
                    .details
                    .get("field")
                    .and_then(|f| f.as_str())
                    .unwrap_or("");
                let field = field.strip_prefix("queues.").unwrap_or(field);
                invalid(&format!("queues[\"{}\"].{field}", q.name), &e.message)
            })?;
        }
        core.queues = self.queues;
        if let Some(ratings) = self.ratings {
            core.ratings = ratings;
        }
        let schedule = self.schedule.unwrap_or_default();
        schedule.check()?;
        let auth = self.auth.unwrap_or_default();
        auth.check()?;
        if let Some(t) = auth.refresh_ttl_secs {
            core.accounts.refresh_ttl_secs = t;
        }
        if let Some(w) = auth.whitelist {
            core.accounts.whitelist = w;
        }
        if let Some(n) = auth.min_password_len {
            core.accounts.min_password_len = n;
        }
        core.validate().map_err(|e| from_core("", &e))?;
        let anonymous_from = self
            .compat
            .unwrap_or_default()
            .anonymous_from
            .iter()
            .map(|n| {
                n.parse::<ipnet::IpNet>().map_err(|_| {
                    invalid(
                        "compat.anonymous_from",
                        format!("'{n}' is not a network like 127.0.0.1/32 or 10.0.0.0/8"),
                    )
                })
            })
            .collect::<Result<Vec<_>>>()?;

        let mut catalog = self.catalog;
        if let Some(rel) = &self.catalog_file {
            let path = match base_dir {
                Some(dir) if rel.is_relative() => dir.join(rel),
                _ => rel.clone(),
            };
            let text = read(&path, "catalog_file")?;
            let extra: CatalogFile = toml_of(&text, &path)?;
            catalog.extend(extra.catalog);
        }
        for (i, item) in catalog.iter().enumerate() {
            let key = format!("catalog[\"{}\"]", item.id);
            check_catalog_item(&core, item).map_err(|e| from_core(&key, &e))?;
            if catalog[..i].iter().any(|o| o.id == item.id) {
                return Err(invalid(&key, "this catalog item id appears twice"));
            }
        }
        Ok(ResolvedConfig {
            core,
            catalog,
            database,
            redis: self.redis,
            redis_prefix: self.redis_prefix,
            listen,
            dev: auth.dev.unwrap_or(false),
            jwt_secret_origin: auth.jwt_secret.as_ref().map(|_| "auth.jwt_secret".into()),
            schedule,
            auth,
            anonymous_from,
            file: None,
        })
    }
}

impl ScheduleSection {
    /// Checks the ranges. Errors: `INVALID_ARGUMENT` naming `schedule.<key>`.
    pub fn check(&self) -> Result<()> {
        for (key, v) in [
            ("lobby_interval_secs", self.lobby_interval_secs),
            ("room_interval_secs", self.room_interval_secs),
            ("sse_heartbeat_secs", self.sse_heartbeat_secs),
        ] {
            if v == 0 || v > 7 * 24 * 3600 {
                return Err(invalid(
                    &format!("schedule.{key}"),
                    "an interval is 1 second to 7 days",
                ));
            }
        }
        if !(10..=86_400).contains(&self.online_sample_secs) {
            return Err(invalid(
                "schedule.online_sample_secs",
                "the online sample interval is 10 seconds to 1 day",
            ));
        }
        if !(10..=3_600_000).contains(&self.matchmaking_tick_ms) {
            return Err(invalid(
                "schedule.matchmaking_tick_ms",
                "the matchmaking tick is 10 ms to 1 hour",
            ));
        }
        Ok(())
    }
}

impl AuthSection {
    /// Checks every value. Errors: `INVALID_ARGUMENT` naming `auth.<key>`.
    pub fn check(&self) -> Result<()> {
        if let Some(secret) = &self.jwt_secret {
            check_secret(secret, "auth.jwt_secret")?;
        }
        for (key, v) in [("issuer", &self.issuer), ("audience", &self.audience)] {
            if let Some(v) = v {
                if v.is_empty() || v.len() > 200 {
                    return Err(invalid(&format!("auth.{key}"), "1 to 200 characters"));
                }
            }
        }
        if let Some(t) = self.access_ttl_secs {
            if !(30..=86_400).contains(&t) {
                return Err(invalid(
                    "auth.access_ttl_secs",
                    "an access token lives 30 seconds to 1 day (short is safer)",
                ));
            }
        }
        if let Some(t) = self.refresh_ttl_secs {
            if !(60..=365 * 86_400).contains(&t) {
                return Err(invalid(
                    "auth.refresh_ttl_secs",
                    "a refresh token lives 1 minute to 365 days",
                ));
            }
        }
        if let Some(n) = self.min_password_len {
            if !(8..=64).contains(&n) {
                return Err(invalid(
                    "auth.min_password_len",
                    "between 8 and 64 characters",
                ));
            }
        }
        for o in &self.cors_origins {
            // An HTTP header value: visible ASCII (or any non-ASCII), tabs, spaces.
            let header_safe = o.bytes().all(|b| (b >= 32 && b != 127) || b == b'\t');
            let ok = (o.starts_with("https://") || o.starts_with("http://"))
                && !o.ends_with('/')
                && header_safe;
            if !ok {
                return Err(invalid(
                    "auth.cors_origins",
                    format!("'{o}' is not an origin like https://shop.example.com"),
                ));
            }
        }
        if let Some(l) = &self.rate_limits {
            if l.player_per_minute == 0
                || l.key_per_minute == 0
                || l.login_per_address_per_minute == 0
                || l.login_per_account_per_15_minutes == 0
            {
                return Err(invalid("auth.rate_limits", "every limit is at least 1"));
            }
        }
        Ok(())
    }
}

/// Why an access-token secret is unsafe (too short, a placeholder, not random-looking),
/// or `None` when it is acceptable.
pub fn unsafe_secret(secret: &str) -> Option<String> {
    if secret.len() < MIN_SECRET_LEN {
        return Some(format!(
            "it is {} bytes; use at least {MIN_SECRET_LEN} random bytes (e.g. `openssl rand -hex 32`)",
            secret.len()
        ));
    }
    let lower = secret.to_ascii_lowercase();
    if [
        "changeme",
        "change-me",
        "secret",
        "password",
        "example",
        "your-",
    ]
    .iter()
    .any(|p| lower.contains(p))
    {
        return Some(
            "it looks like a placeholder; generate one (e.g. `openssl rand -hex 32`)".into(),
        );
    }
    let mut distinct: Vec<char> = secret.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 10 {
        return Some("it has too few distinct characters to be random".into());
    }
    None
}

/// Refuses an unsafe secret, naming where it came from (`origin`: a key or a variable).
pub fn check_secret(secret: &str, origin: &str) -> Result<()> {
    match unsafe_secret(secret) {
        Some(why) => Err(invalid(
            origin,
            format!("refusing this access-token secret: {why}"),
        )),
        None => Ok(()),
    }
}

/// Names the offending `[mail]` key (the core checks the same rules as a whole).
fn check_mail(m: &MailConfig) -> Result<()> {
    let bad = |key: &str, why: String| Err(invalid(&format!("mail.{key}"), why));
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

/// Parses a listen address `IP:PORT`. Errors: `INVALID_ARGUMENT` naming `listen`.
pub fn parse_listen(value: &str) -> Result<SocketAddr> {
    value.trim().parse().map_err(|_| {
        invalid(
            "listen",
            format!("'{value}' is not an address like 127.0.0.1:8080"),
        )
    })
}

fn check_database(value: String) -> Result<String> {
    if value.trim().is_empty() {
        return Err(invalid("database", "the database URL is empty"));
    }
    Ok(value)
}

/// Values that beat the file: the host's command-line flags, or the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Config file path (`--config`, [`ENV_CONFIG`]); read by the host only.
    pub config: Option<PathBuf>,
    /// Listen address (`--listen`, [`ENV_LISTEN`]).
    pub listen: Option<String>,
    /// Database URL (`--database`, [`ENV_DATABASE_URL`]).
    pub database: Option<String>,
    /// Redis URL (`--redis`, [`ENV_REDIS_URL`]).
    pub redis: Option<String>,
    /// Redis key prefix ([`ENV_REDIS_PREFIX`]).
    pub redis_prefix: Option<String>,
    /// Access-token secret ([`ENV_JWT_SECRET`]).
    pub jwt_secret: Option<String>,
    /// Dev mode (`--dev`, [`ENV_DEV`]).
    pub dev: bool,
}

impl Overrides {
    /// Reads the `GUILDHALL_*` variables above from the process environment (empty
    /// values count as unset).
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

impl ResolvedConfig {
    /// Applies overrides over the file's values (everything but `config`, which names
    /// the file). Errors: `INVALID_ARGUMENT` naming the key (`listen`, `database`) or
    /// the variable (`GUILDHALL_JWT_SECRET`).
    pub fn apply(&mut self, o: &Overrides) -> Result<()> {
        if let Some(listen) = &o.listen {
            self.listen = Some(parse_listen(listen)?);
        }
        if let Some(db) = &o.database {
            self.database = Some(check_database(db.clone())?);
        }
        if let Some(r) = &o.redis {
            self.redis = Some(r.clone());
        }
        if let Some(p) = &o.redis_prefix {
            self.redis_prefix = Some(p.clone());
        }
        if let Some(secret) = &o.jwt_secret {
            check_secret(secret, ENV_JWT_SECRET)?;
            self.auth.jwt_secret = Some(secret.clone());
            self.jwt_secret_origin = Some(ENV_JWT_SECRET.into());
        }
        self.dev |= o.dev;
        Ok(())
    }

    /// [`ResolvedConfig::apply`] of the process environment ([`Overrides::from_env`]).
    pub fn apply_env(&mut self) -> Result<()> {
        self.apply(&Overrides::from_env())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_and_json_refuse_a_misspelled_key_with_one_message() {
        let a = parse_toml("currencys = []\n", None).unwrap_err();
        let b = from_json(json!({ "currencys": [] }), None).unwrap_err();
        assert_eq!(a.message, b.message);
        assert!(
            a.message
                .starts_with("unknown field `currencys`, expected one of"),
            "{}",
            a.message
        );
        assert_eq!(a.details["field"], "currencys");
        assert_eq!(b.details["field"], "currencys");
        assert_eq!(a.details["line"], 1);
        let a = parse_toml("[mail]\nstore_capp = 3\n", None).unwrap_err();
        let b = from_json(json!({ "mail": { "store_capp": 3 } }), None).unwrap_err();
        assert_eq!(a.message, b.message);
        assert!(
            a.message.starts_with("mail: unknown field `store_capp`"),
            "{}",
            a.message
        );
        assert_eq!(a.details["field"], "mail.store_capp");
        assert_eq!(a.details["line"], 2);
        let e = parse_toml(
            "[[catalog]]\nid = \"1\"\nname = \"P\"\nkind = \"consumable\"\nprise = 3\n",
            None,
        )
        .unwrap_err();
        assert!(
            e.message.starts_with("catalog[0]: unknown field `prise`"),
            "{}",
            e.message
        );
        let e = from_json(json!({ "max_batch": "many" }), None).unwrap_err();
        assert!(
            e.message.starts_with("max_batch: invalid type"),
            "{}",
            e.message
        );
    }

    #[test]
    fn values_name_their_key() {
        let e = from_json(json!({ "reset_timezone": "Mars/Base" }), None).unwrap_err();
        assert!(e.message.contains("`reset_timezone`") && e.message.contains("Mars/Base"));
        let e = from_json(json!({ "max_batch": 0 }), None).unwrap_err();
        assert!(e.message.contains("max_batch"), "{}", e.message);
        let e =
            from_json(json!({ "compat": { "anonymous_from": ["nowhere"] } }), None).unwrap_err();
        assert!(e.message.contains("compat.anonymous_from"), "{}", e.message);
        let e = from_json(json!([1]), None).unwrap_err();
        assert_eq!(e.details["field"], "config");
    }

    #[test]
    fn the_leaderboards_section_sets_reset_timing_and_checks_it() {
        let r = parse_toml(
            "currencies = [{ code = \"gold\" }]\n[leaderboards]\nreset_chunk = 10\n",
            None,
        )
        .unwrap();
        assert_eq!(r.core.leaderboards.reset_chunk, 10);
        assert_eq!(
            r.core.leaderboards.reset_grace_secs, 2,
            "a missing key keeps its default"
        );
        let e = from_json(
            json!({ "currencies": [{ "code": "gold" }], "leaderboards": { "reset_chunk": 0 } }),
            None,
        )
        .unwrap_err();
        assert!(
            e.message.contains("leaderboards.reset_chunk"),
            "{}",
            e.message
        );
        let e = parse_toml("[leaderboards]\nreset_chunks = 1\n", None).unwrap_err();
        assert!(e.message.contains("reset_chunks"), "{}", e.message);
    }

    #[test]
    fn overrides_beat_the_file() {
        let mut r = parse_toml(
            "database = \"sqlite://f.db\"\nredis = \"redis://f\"\n",
            None,
        )
        .unwrap();
        let env = Overrides::from_lookup(|k| match k {
            ENV_DATABASE_URL => Some("memory://".into()),
            ENV_REDIS_PREFIX => Some("p:".into()),
            ENV_LISTEN => Some(String::new()),
            _ => None,
        });
        r.apply(&env).unwrap();
        assert_eq!(r.database.as_deref(), Some("memory://"));
        assert_eq!(r.redis.as_deref(), Some("redis://f"));
        assert_eq!(r.redis_prefix.as_deref(), Some("p:"));
        assert_eq!(r.listen, None);
        let bad = Overrides {
            jwt_secret: Some("short".into()),
            ..Default::default()
        };
        let e = r.apply(&bad).unwrap_err();
        assert!(e.message.contains(ENV_JWT_SECRET), "{}", e.message);
    }
}
