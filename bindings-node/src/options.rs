//! The `config` of `Guildhall.open`: the host's TOML shape (SPEC.md "Configuration")
//! as a JavaScript object, or the path of such a TOML file. Keys may be written
//! snake_case as in the file (`reset_timezone`) or camelCase (`resetTimezone`).
//! Host-only keys (`listen`, `database`, `schedule`) are accepted and ignored, so one
//! file serves the host and the module.

use crate::convert::snake_keys;
use guildhall_core::mail::MailConfig;
use guildhall_core::matchmaking::{QueueConfig, RatingsConfig};
use guildhall_core::party::PartyConfig;
use guildhall_core::types::{CatalogItem, Currency};
use guildhall_core::{Config, Error as CoreError};
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The config as written; every key optional, unknown keys refused with their name.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    listen: Option<String>,
    #[serde(default)]
    database: Option<String>,
    #[serde(default)]
    reset_timezone: Option<String>,
    #[serde(default)]
    currencies: Vec<Currency>,
    #[serde(default)]
    catalog: Vec<CatalogItem>,
    #[serde(default)]
    catalog_file: Option<PathBuf>,
    #[serde(default)]
    idempotency_retention_secs: Option<i64>,
    #[serde(default)]
    event_retention_secs: Option<i64>,
    #[serde(default)]
    session_timeout_secs: Option<i64>,
    #[serde(default)]
    mail: Option<MailConfig>,
    #[serde(default)]
    party: Option<PartyConfig>,
    #[serde(default)]
    queues: Vec<QueueConfig>,
    #[serde(default)]
    ratings: Option<RatingsConfig>,
    #[serde(default)]
    schedule: Option<Value>,
    #[serde(default)]
    max_retries: Option<u32>,
    #[serde(default)]
    max_batch: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(default)]
    catalog: Vec<CatalogItem>,
}

fn invalid(key: &str, message: impl Into<String>) -> CoreError {
    CoreError::invalid(key, message)
}

/// The resolved config: the core's settings, the catalog to load, and the database
/// named by a config file (used when `open` is given none).
#[derive(Debug)]
pub struct Resolved {
    pub core: Config,
    pub catalog: Vec<CatalogItem>,
    pub database: Option<String>,
}

fn read_toml(path: &Path) -> Result<String, CoreError> {
    std::fs::read_to_string(path)
        .map_err(|e| invalid("config", format!("cannot read {}: {e}", path.display())))
}

/// Reads `config`: absent (one currency, `gold`), an object, or a TOML file path.
/// Errors: `INVALID_ARGUMENT` naming the key.
pub fn resolve(config: Option<Value>) -> Result<Resolved, CoreError> {
    let (file, base): (FileConfig, Option<PathBuf>) = match config {
        None | Some(Value::Null) => (FileConfig::default(), None),
        Some(Value::String(path)) => {
            let path = PathBuf::from(path);
            let text = read_toml(&path)?;
            let file = toml::from_str(&text)
                .map_err(|e| invalid("config", format!("{}: {e}", path.display())))?;
            (file, path.parent().map(Path::to_path_buf))
        }
        Some(v @ Value::Object(_)) => (
            serde_json::from_value(snake_keys(v))
                .map_err(|e| invalid("config", format!("config: {e}")))?,
            None,
        ),
        Some(_) => {
            return Err(invalid(
                "config",
                "config is an object or the path of a TOML file",
            ))
        }
    };
    let _ = (&file.listen, &file.schedule);
    let currencies = if file.currencies.is_empty() {
        vec![Currency {
            code: "gold".into(),
            max_balance: None,
        }]
    } else {
        file.currencies
    };
    let mut core = Config::new(currencies)?;
    if let Some(tz) = &file.reset_timezone {
        core.reset_timezone = tz.parse().map_err(|_| {
            invalid(
                "reset_timezone",
                format!("'{tz}' is not an IANA time zone name such as 'Europe/Moscow' or 'UTC'"),
            )
        })?;
    }
    if let Some(v) = file.idempotency_retention_secs {
        core.idempotency_retention_secs = v;
    }
    if let Some(v) = file.event_retention_secs {
        core.event_retention_secs = v;
    }
    if let Some(v) = file.session_timeout_secs {
        core.session_timeout_secs = v;
    }
    if let Some(v) = file.mail {
        core.mail = v;
    }
    if let Some(v) = file.party {
        core.party = v;
    }
    if let Some(v) = file.max_retries {
        core.max_retries = v;
    }
    if let Some(v) = file.max_batch {
        core.max_batch = v;
    }
    core.queues = file.queues;
    if let Some(v) = file.ratings {
        core.ratings = v;
    }
    core.validate()?;
    let mut catalog = file.catalog;
    if let Some(extra) = file.catalog_file {
        let path = match &base {
            Some(b) if extra.is_relative() => b.join(extra),
            _ => extra,
        };
        let more: CatalogFile = toml::from_str(&read_toml(&path)?)
            .map_err(|e| invalid("catalog_file", format!("{}: {e}", path.display())))?;
        catalog.extend(more.catalog);
    }
    for item in &catalog {
        guildhall_core::inventory::rules::check_catalog_item(&core, item).map_err(|e| {
            invalid(
                &format!("catalog[\"{}\"]", item.id),
                format!("catalog item '{}': {}", item.id, e.message),
            )
        })?;
    }
    Ok(Resolved {
        core,
        catalog,
        database: file.database,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn object_config_in_either_case() {
        let r = resolve(Some(json!({
            "resetTimezone": "Europe/Moscow",
            "currencies": [{ "code": "gold", "max_balance": 1000 }, { "code": "gems" }],
            "catalog": [{ "id": "1", "name": "Potion", "kind": "consumable",
                          "price": { "currency": "gold", "amount": 10 }, "maxStack": 5,
                          "metadata": { "iconUrl": "x" } }],
            "mail": { "store_cap": 10, "list_cap": 5, "evict_to": 4 },
            "party": { "maxSize": 3 },
            "queues": [{ "name": "duel", "teams": 2, "team_size": 1,
                         "window": { "initial": 100.0, "widen_per_sec": 10.0, "max": 500.0 },
                         "max_wait_secs": 60 }],
            "schedule": { "lobby_interval_secs": 60 }
        })))
        .unwrap();
        assert_eq!(r.core.currencies.len(), 2);
        assert_eq!(r.core.mail.store_cap, 10);
        assert_eq!(r.core.party.max_size, 3);
        assert_eq!(r.catalog[0].max_stack, Some(5));
        assert_eq!(r.catalog[0].metadata["iconUrl"], "x");
    }

    #[test]
    fn unknown_key_and_bad_zone_are_refused() {
        let e = resolve(Some(json!({ "currencys": [] }))).unwrap_err();
        assert!(e.message.contains("currencys"), "{}", e.message);
        let e = resolve(Some(json!({ "reset_timezone": "Mars/Base" }))).unwrap_err();
        assert!(e.message.contains("Mars/Base"));
    }
}
