//! Core configuration: currencies, the reset time zone, retention and retry limits.
//! The host and both bindings read the same TOML sections into this.

use crate::error::{Error, Result};
use crate::types::Currency;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Settings every service reads. Build with [`Config::new`] and adjust fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Configured currencies; the first is the default (seed 002 routes use it).
    pub currencies: Vec<Currency>,
    /// IANA zone in which "per day/week/month" periods and revenue days are counted
    /// (SPEC.md Conventions; default UTC).
    pub reset_timezone: Tz,
    /// How long idempotency records are kept, seconds (default 24 h; SPEC.md: at least 24 h).
    pub idempotency_retention_secs: i64,
    /// How long outbox events are kept, seconds (default 7 days).
    pub event_retention_secs: i64,
    /// How many times a call is retried after a `CONFLICT` before it gives up with `CONFLICT`.
    pub max_retries: u32,
    /// Largest number of change sets a store commits in one transaction (group commit).
    pub max_batch: usize,
    /// Mail caps and limits (SPEC.md Mail).
    pub mail: crate::mail::MailConfig,
    /// Seconds without a heartbeat after which a session ends (SPEC.md Presence; default 90).
    pub session_timeout_secs: i64,
    /// Party limits (SPEC.md Parties).
    pub party: crate::party::PartyConfig,
    /// Matchmaking queues (SPEC.md Matchmaking).
    pub queues: Vec<crate::matchmaking::QueueConfig>,
    /// Time to live of the matchmaking lease, seconds (default 5): the ticking host
    /// renews it every third of this while a tick runs, and another host takes it over
    /// this long after its holder stopped renewing (SPEC.md Matchmaking).
    #[serde(default = "default_matchmaking_lease_secs")]
    pub matchmaking_lease_secs: i64,
    /// Rating-system parameters (`[ratings]`; defaults: Glickman's Glicko-2 with tau 0.5,
    /// openskill's Weng-Lin).
    #[serde(default)]
    pub ratings: crate::matchmaking::RatingsConfig,
    /// Accounts: whitelist mode, refresh-token lifetime, password length (SPEC.md
    /// Accounts and access).
    pub accounts: crate::access::AccountsConfig,
    /// Friend limits (SPEC.md Friends; `[friends]`).
    #[serde(default)]
    pub friends: crate::friends::FriendsConfig,
    /// Group limits and kinds (SPEC.md Groups; `[groups]`).
    #[serde(default)]
    pub groups: crate::groups::GroupsConfig,
    /// Chat limits, retention and masked words (SPEC.md Chat; `[chat]`).
    #[serde(default)]
    pub chat: crate::chat::ChatConfig,
    /// Leaderboard reset timing (SPEC.md Leaderboards; `[leaderboards]`).
    #[serde(default)]
    pub leaderboards: crate::leaderboards::LeaderboardsConfig,
    /// Achievement limits and how often a process looks for definitions changed by
    /// another (SPEC.md Achievements and quests; `[achievements]`).
    #[serde(default)]
    pub achievements: crate::achievements::AchievementsConfig,
    /// Trade expiry and limits (SPEC.md Trade; `[trade]`).
    #[serde(default)]
    pub trade: crate::trade::TradeConfig,
    /// Character slots and the restore window (SPEC.md Characters and the account bank;
    /// `[characters]`).
    #[serde(default)]
    pub characters: crate::characters::CharactersConfig,
    /// Loot table limits and the party roll window (SPEC.md Loot tables; `[loot]`).
    #[serde(default)]
    pub loot: crate::loot::LootConfig,
    /// Room limits, the idle time and the lobby push (SPEC.md Rooms and the lobby;
    /// `[rooms]`).
    #[serde(default)]
    pub rooms: crate::rooms::RoomsConfig,
    /// Payment providers, secrets and the product map (SPEC.md Payments; `[payments]`).
    #[serde(default)]
    pub payments: crate::payments::PaymentsConfig,
    /// Game data file limits (SPEC.md Game data downloads; `[downloads]`).
    #[serde(default)]
    pub downloads: crate::downloads::DownloadsConfig,
    /// Outbound webhook delivery: retry budget, backoff, timeout (SPEC.md Payments in,
    /// notifications out; `[webhooks]`).
    #[serde(default)]
    pub webhooks: crate::webhooks::WebhooksConfig,
    /// One-time codes, their channel and the reopen grace of closed accounts (SPEC.md
    /// Account recovery and closing; `[recovery]`).
    #[serde(default)]
    pub recovery: crate::access::RecoveryConfig,
}

fn default_matchmaking_lease_secs() -> i64 {
    5
}

impl Config {
    /// A config with these currencies and the defaults above. Errors: `INVALID_ARGUMENT`
    /// for no currency, a bad code, a duplicate, or a negative maximum.
    pub fn new(currencies: Vec<Currency>) -> Result<Self> {
        let cfg = Self {
            currencies,
            reset_timezone: Tz::UTC,
            idempotency_retention_secs: 24 * 3600,
            event_retention_secs: 7 * 24 * 3600,
            max_retries: 32,
            max_batch: 128,
            mail: crate::mail::MailConfig::default(),
            session_timeout_secs: 90,
            party: crate::party::PartyConfig::default(),
            queues: Vec::new(),
            matchmaking_lease_secs: default_matchmaking_lease_secs(),
            ratings: crate::matchmaking::RatingsConfig::default(),
            accounts: crate::access::AccountsConfig::default(),
            friends: crate::friends::FriendsConfig::default(),
            groups: crate::groups::GroupsConfig::default(),
            chat: crate::chat::ChatConfig::default(),
            leaderboards: crate::leaderboards::LeaderboardsConfig::default(),
            achievements: crate::achievements::AchievementsConfig::default(),
            trade: crate::trade::TradeConfig::default(),
            characters: crate::characters::CharactersConfig::default(),
            loot: crate::loot::LootConfig::default(),
            rooms: crate::rooms::RoomsConfig::default(),
            payments: crate::payments::PaymentsConfig::default(),
            downloads: crate::downloads::DownloadsConfig::default(),
            webhooks: crate::webhooks::WebhooksConfig::default(),
            recovery: crate::access::RecoveryConfig::default(),
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks the invariants [`Config::new`] promises, after fields were edited.
    pub fn validate(&self) -> Result<()> {
        if self.currencies.is_empty() {
            return Err(Error::invalid(
                "currencies",
                "configure at least one currency",
            ));
        }
        for (i, c) in self.currencies.iter().enumerate() {
            if c.code.is_empty()
                || c.code.len() > 32
                || !c
                    .code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(Error::invalid(
                    "currencies.code",
                    format!("currency code '{}' must be 1-32 of [a-z0-9_]", c.code),
                ));
            }
            if self.currencies[..i].iter().any(|o| o.code == c.code) {
                return Err(Error::invalid(
                    "currencies.code",
                    format!("currency '{}' is configured twice", c.code),
                ));
            }
            if matches!(c.max_balance, Some(m) if m < 0) {
                return Err(Error::invalid(
                    "currencies.max_balance",
                    format!("max_balance of '{}' is negative", c.code),
                ));
            }
        }
        if self.idempotency_retention_secs < 24 * 3600 {
            return Err(Error::invalid(
                "idempotency_retention_secs",
                "idempotency keys are kept at least 24 h",
            ));
        }
        let m = &self.mail;
        for (key, bad, why) in [
            ("mail.store_cap", m.store_cap == 0, "is at least 1"),
            ("mail.list_cap", m.list_cap == 0, "is at least 1"),
            (
                "mail.evict_to",
                m.evict_to >= m.store_cap,
                "is below mail.store_cap",
            ),
            (
                "mail.player_daily_limit",
                m.player_daily_limit < 0,
                "is 0 or more",
            ),
            ("mail.max_subject", m.max_subject == 0, "is at least 1"),
            ("mail.max_body", m.max_body == 0, "is at least 1"),
        ] {
            if bad {
                return Err(Error::invalid(key, format!("{key} {why}")));
            }
        }
        if self.session_timeout_secs < 1 {
            return Err(Error::invalid(
                "session_timeout_secs",
                "session_timeout_secs is at least 1",
            ));
        }
        if self.party.max_size < 2 || self.party.invite_ttl_secs < 1 {
            return Err(Error::invalid(
                "party",
                "party.max_size is at least 2 and invite_ttl_secs at least 1",
            ));
        }
        self.friends.check()?;
        self.groups.check()?;
        self.chat.check()?;
        self.achievements.check()?;
        self.characters.check()?;
        self.loot.check()?;
        self.rooms.check()?;
        self.payments.check()?;
        self.downloads.check()?;
        self.webhooks.check()?;
        self.recovery.check()?;
        for (i, q) in self.queues.iter().enumerate() {
            crate::matchmaking::rules::check_queue(q)?;
            if self.queues[..i].iter().any(|o| o.name == q.name) {
                return Err(Error::invalid(
                    "queues.name",
                    format!("queue '{}' is configured twice", q.name),
                ));
            }
        }
        if !(1..=3600).contains(&self.matchmaking_lease_secs) {
            return Err(Error::invalid(
                "matchmaking_lease_secs",
                "matchmaking_lease_secs is 1 to 3600",
            ));
        }
        self.ratings.validate()?;
        if self.max_batch == 0 {
            return Err(Error::invalid("max_batch", "max_batch is at least 1"));
        }
        Ok(())
    }

    /// The configured currency with this code. Errors: `INVALID_ARGUMENT` naming it.
    pub fn currency(&self, code: &str) -> Result<&Currency> {
        self.currencies
            .iter()
            .find(|c| c.code == code)
            .ok_or_else(|| {
                Error::invalid("currency", format!("unknown currency '{code}'"))
                    .with_details(serde_json::json!({ "field": "currency", "currency": code }))
            })
    }

    /// The configured queue with this name. Errors: `NOT_FOUND`.
    pub fn queue(&self, name: &str) -> Result<&crate::matchmaking::QueueConfig> {
        self.queues
            .iter()
            .find(|q| q.name == name)
            .ok_or_else(|| Error::not_found("queue", name))
    }

    /// The default (first) currency.
    pub fn default_currency(&self) -> &Currency {
        &self.currencies[0]
    }

    /// The calendar day of `at` in the reset time zone.
    pub fn day_of(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.reset_timezone).date_naive()
    }
}
