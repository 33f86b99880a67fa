//! The `config` of `Guildhall.open`: the host's TOML shape (SPEC.md "Configuration")
//! as a JavaScript object, or the path of such a TOML file. Keys may be written
//! snake_case as in the file (`reset_timezone`) or camelCase (`resetTimezone`): they are
//! turned to snake_case here, then the one schema of
//! [`guildhall_adapters::settings`] reads and checks them, exactly as the host and the
//! Python module do (host-only sections are checked, then left to the host).

use crate::convert::snake_keys;
use guildhall_adapters::settings::{self, ResolvedConfig};
use guildhall_core::Error as CoreError;
use serde_json::Value;

/// Reads `config`: absent (one currency, `gold`), an object, or a TOML file path; then
/// the environment. Errors: `INVALID_ARGUMENT` naming the key.
pub fn resolve(config: Option<Value>) -> Result<ResolvedConfig, CoreError> {
    settings::for_module(match config {
        None => Value::Null,
        Some(v @ Value::Object(_)) => snake_keys(v),
        Some(v) => v,
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
            "schedule": { "lobby_interval_secs": 60 },
            "redisPrefix": "game1:"
        })))
        .unwrap();
        assert_eq!(r.core.currencies.len(), 2);
        assert_eq!(r.core.mail.store_cap, 10);
        assert_eq!(r.core.party.max_size, 3);
        assert_eq!(r.catalog[0].max_stack, Some(5));
        assert_eq!(r.catalog[0].metadata["iconUrl"], "x");
        assert_eq!(r.redis_prefix.as_deref(), Some("game1:"));
    }

    #[test]
    fn unknown_key_and_bad_zone_are_refused() {
        let e = resolve(Some(json!({ "currencys": [] }))).unwrap_err();
        assert!(e.message.contains("currencys"), "{}", e.message);
        let e = resolve(Some(json!({ "reset_timezone": "Mars/Base" }))).unwrap_err();
        assert!(e.message.contains("Mars/Base"));
        let e = resolve(Some(json!(3))).unwrap_err();
        assert_eq!(e.details["field"], "config");
    }
}
