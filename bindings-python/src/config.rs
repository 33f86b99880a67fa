//! The `config` dict of `Client.open`: the host's TOML shape (SPEC.md Configuration)
//! as a Python dict, so `tomllib.load(open("guildhall.toml", "rb"))` can be passed as is.
//!
//! ```python
//! config = {
//!     "reset_timezone": "Europe/Moscow",
//!     "currencies": [{"code": "gold", "max_balance": 1_000_000_000_000}],
//!     "catalog": [{"id": "1", "name": "Health Potion", "kind": "consumable",
//!                  "price": {"currency": "gold", "amount": 10}, "max_stack": 1_000_000}],
//!     "mail": {"store_cap": 50, "list_cap": 30, "player_daily_limit": 10},
//!     "party": {"max_size": 5, "invite_ttl_secs": 60},
//!     "queues": [{"name": "duel", "teams": 2, "team_size": 1,
//!                 "window": {"initial": 100.0, "widen_per_sec": 10.0, "max": 500.0},
//!                 "max_wait_secs": 120}],
//!     "ratings": {"glicko2": {"tau": 0.5}, "weng_lin": {"tau": 25 / 300}},
//! }
//! ```
//! An unknown key or a bad value raises `guildhall.InvalidArgument` naming it. The
//! host-only keys `listen` and `schedule` are accepted and ignored; `database` is used
//! when `Client.open` is given no database URL.

use guildhall_core::inventory::rules::check_catalog_item;
use guildhall_core::mail::MailConfig;
use guildhall_core::matchmaking::{QueueConfig, RatingsConfig};
use guildhall_core::party::PartyConfig;
use guildhall_core::types::{CatalogItem, Currency};
use guildhall_core::{Config, Error, Result};
use serde::Deserialize;

/// Database URL when neither the call nor the config names one.
pub const DEFAULT_DATABASE: &str = "sqlite://guildhall.db";

/// The config dict as given: every key optional, unknown keys rejected.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindingConfig {
    /// Database URL, used when `open` names none.
    #[serde(default)]
    pub database: Option<String>,
    /// Redis URL, used when `open` names none.
    #[serde(default)]
    pub redis: Option<String>,
    /// Host-only; ignored.
    #[serde(default)]
    pub listen: Option<serde_json::Value>,
    /// Host-only; ignored.
    #[serde(default)]
    pub schedule: Option<serde_json::Value>,
    /// IANA zone of daily/weekly/monthly periods (default `UTC`).
    #[serde(default)]
    pub reset_timezone: Option<String>,
    /// Currencies, the first is the default; none: one currency, `gold`.
    #[serde(default)]
    pub currencies: Vec<Currency>,
    /// Catalog items, inserted or updated when the client opens.
    #[serde(default)]
    pub catalog: Vec<CatalogItem>,
    /// Seconds idempotency keys are kept (at least 86400).
    #[serde(default)]
    pub idempotency_retention_secs: Option<i64>,
    /// Seconds events are kept.
    #[serde(default)]
    pub event_retention_secs: Option<i64>,
    /// Mail caps (`[mail]`).
    #[serde(default)]
    pub mail: Option<MailConfig>,
    /// Seconds without a heartbeat after which a session ends.
    #[serde(default)]
    pub session_timeout_secs: Option<i64>,
    /// Party limits (`[party]`).
    #[serde(default)]
    pub party: Option<PartyConfig>,
    /// Matchmaking queues (`[[queues]]`).
    #[serde(default)]
    pub queues: Vec<QueueConfig>,
    /// Rating-system parameters (`[ratings]`: `glicko2`, `weng_lin`).
    #[serde(default)]
    pub ratings: Option<RatingsConfig>,
    /// Retries after a `CONFLICT` before giving up.
    #[serde(default)]
    pub max_retries: Option<u32>,
    /// Largest group commit.
    #[serde(default)]
    pub max_batch: Option<usize>,
}

impl BindingConfig {
    /// The core config and the catalog to load. Errors: `INVALID_ARGUMENT` naming the key.
    pub fn resolve(self) -> Result<(Config, Vec<CatalogItem>)> {
        let currencies = if self.currencies.is_empty() {
            vec![Currency {
                code: "gold".into(),
                max_balance: None,
            }]
        } else {
            self.currencies
        };
        let mut core = Config::new(currencies)?;
        if let Some(tz) = &self.reset_timezone {
            core.reset_timezone = tz.parse().map_err(|_| {
                Error::invalid(
                    "reset_timezone",
                    format!("reset_timezone: '{tz}' is not an IANA time zone name such as 'Europe/Moscow'"),
                )
            })?;
        }
        if let Some(v) = self.idempotency_retention_secs {
            core.idempotency_retention_secs = v;
        }
        if let Some(v) = self.event_retention_secs {
            if v <= 0 {
                return Err(Error::invalid(
                    "event_retention_secs",
                    "event_retention_secs is a positive number of seconds",
                ));
            }
            core.event_retention_secs = v;
        }
        if let Some(m) = self.mail {
            core.mail = m;
        }
        if let Some(v) = self.session_timeout_secs {
            core.session_timeout_secs = v;
        }
        if let Some(p) = self.party {
            core.party = p;
        }
        core.queues = self.queues;
        if let Some(r) = self.ratings {
            core.ratings = r;
        }
        if let Some(v) = self.max_retries {
            core.max_retries = v;
        }
        if let Some(v) = self.max_batch {
            core.max_batch = v;
        }
        core.validate()?;
        for (i, item) in self.catalog.iter().enumerate() {
            check_catalog_item(&core, item).map_err(|e| {
                Error::invalid("catalog", format!("catalog[{:?}]: {}", item.id, e.message))
                    .with_details(e.details.clone())
            })?;
            if self.catalog[..i].iter().any(|o| o.id == item.id) {
                return Err(Error::invalid(
                    "catalog",
                    format!("catalog[{:?}] appears twice", item.id),
                ));
            }
        }
        Ok((core, self.catalog))
    }
}
