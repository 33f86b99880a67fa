//! Accounts and access (SPEC.md "Accounts and access"; seeds 001, 003, 004): player
//! accounts with linked external identities, argon2id passwords, rotating refresh
//! tokens with reuse detection, bans and whitelist mode (seed 003), and trusted-server
//! API keys with scopes. Decisions live in [`rules`]; the services are
//! `Guildhall::register_account`, `login_password`, `login_identity`, `rotate_refresh_token`,
//! `ban_player`, `create_api_key`, ... in `core/src/service/access.rs`.
//!
//! Everything is stored as versioned documents (kinds `account`, `identity`,
//! `refresh_token`, `refresh_family`, `api_key`), so no adapter needed a new table.
//! Secrets are never stored: passwords as argon2id PHC strings, refresh tokens and API
//! key secrets as SHA-256 digests (they are 256-bit random, so a fast hash suffices).

pub mod rules;

use crate::docs::Document;
use crate::types::PlayerId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Account settings (configurable under `[auth]` of the host's file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AccountsConfig {
    /// Whitelist mode (seed 003): only players marked whitelisted may log in.
    pub whitelist: bool,
    /// Seconds a refresh token stays valid (default 30 days). Each use replaces it.
    pub refresh_ttl_secs: i64,
    /// Shortest password accepted, in characters (default 8; at most 128 are accepted).
    pub min_password_len: usize,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        Self {
            whitelist: false,
            refresh_ttl_secs: 30 * 24 * 3600,
            min_password_len: 8,
        }
    }
}

/// The scopes an API key can hold. `admin` implies every other; `economy:write`
/// implies `economy:read`; `mail:admin` implies `mail`.
pub const SCOPES: &[(&str, &str)] = &[
    (
        "admin",
        "everything, including catalog, ledger audit, bans, whitelist and analytics",
    ),
    (
        "economy:read",
        "wallets, balances, ledger history and inventories of any player",
    ),
    (
        "economy:write",
        "grants, spends, transfers, purchases and item use for any player",
    ),
    (
        "mail",
        "any player's mailbox: read, send, open, claim, delete",
    ),
    (
        "mail:admin",
        "system mail, broadcasts, templates, triggers and firing game events",
    ),
    (
        "presence",
        "sessions (login, heartbeat, logout) and online counts",
    ),
    ("party", "party actions for any player"),
    (
        "friends",
        "friends, friend requests and blocks of any player",
    ),
    (
        "chat",
        "post chat messages and read channel history as any player",
    ),
    (
        "groups",
        "group actions and group bank movements for any player",
    ),
    ("matchmaking", "tickets, pools, match results and ratings"),
    (
        "leaderboards",
        "score submissions and tournament joins for any player",
    ),
    (
        "achievements",
        "achievement standing, claims and explicit progress for any player",
    ),
    (
        "loot",
        "loot rolls for any player and party roll choices for any member",
    ),
    ("events", "the event outbox and any player's event stream"),
    (
        "accounts",
        "log players in by a vouched external identity (discord, steam, altv, ...)",
    ),
    (
        "trade",
        "trades of any player: open, offer, confirm, cancel, read",
    ),
    (
        "characters",
        "characters, the account bank and equipment of any account or character",
    ),
    (
        "rooms",
        "create rooms, enter and leave them for any player, push the lobby view",
    ),
];

/// True when `held` (a key's scopes) grants `needed`.
pub fn scope_grants(held: &[String], needed: &str) -> bool {
    held.iter().any(|h| {
        h == needed
            || h == "admin"
            || (h == "economy:write" && needed == "economy:read")
            || (h == "mail:admin" && needed == "mail")
    })
}

/// A linked external identity: `provider` (`discord`, `steam`, `altv`, `email`,
/// `device`, `username`, ...) and the subject id there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Identity {
    /// Provider name, lower case, 1-32 bytes of `[a-z0-9_.-]`.
    pub provider: String,
    /// Id at the provider, 1-255 bytes (usernames and emails are stored lower case).
    pub subject: String,
    /// When it was linked, UTC.
    pub linked_at: DateTime<Utc>,
}

/// A ban (seed 003 blacklist): the player cannot log in or act until `until` (forever
/// when `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Ban {
    /// Why, shown to the player.
    pub reason: String,
    /// Who banned (an operator or key name).
    pub by: String,
    /// When, UTC.
    pub at: DateTime<Utc>,
    /// End of the ban, UTC; `None`: permanent.
    pub until: Option<DateTime<Utc>>,
}

impl Ban {
    /// True while the ban holds at `now`.
    pub fn active(&self, now: DateTime<Utc>) -> bool {
        self.until.is_none_or(|u| now < u)
    }
}

/// A player account as stored (document kind `account`, id = player id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRecord {
    /// The player.
    pub player: PlayerId,
    /// Creation time, UTC.
    pub created_at: DateTime<Utc>,
    /// argon2id PHC string, when the account has a password.
    pub password_hash: Option<String>,
    /// Linked identities.
    pub identities: Vec<Identity>,
    /// The ban, if any (kept after it ends, until an unban, for the record).
    pub ban: Option<Ban>,
    /// Listed for whitelist mode.
    pub whitelisted: bool,
    /// Tokens issued before this instant are refused (password change, sign-out
    /// everywhere, ban). UTC.
    pub tokens_valid_after: Option<DateTime<Utc>>,
}

impl Document for AccountRecord {
    const KIND: &'static str = "account";
}

/// What callers see of an account: no password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlayerAccount {
    /// The player id every other module uses.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Creation time, UTC.
    pub created_at: DateTime<Utc>,
    /// Whether a password is set.
    pub has_password: bool,
    /// Linked identities.
    pub identities: Vec<Identity>,
    /// Current or past ban.
    pub ban: Option<Ban>,
    /// True when the ban holds now.
    pub banned: bool,
    /// Listed for whitelist mode.
    pub whitelisted: bool,
}

impl AccountRecord {
    /// The caller's view at `now`.
    pub fn view(&self, now: DateTime<Utc>) -> PlayerAccount {
        PlayerAccount {
            player: self.player.clone(),
            created_at: self.created_at,
            has_password: self.password_hash.is_some(),
            identities: self.identities.clone(),
            ban: self.ban.clone(),
            banned: self.ban.as_ref().is_some_and(|b| b.active(now)),
            whitelisted: self.whitelisted,
        }
    }
}

/// The unique link from an identity to its player (kind `identity`, id
/// `provider:subject`); created with version 0, so two accounts cannot claim one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityLink {
    /// The player the identity belongs to.
    pub player: PlayerId,
}

impl Document for IdentityLink {
    const KIND: &'static str = "identity";
}

/// A refresh token as stored (kind `refresh_token`, id = SHA-256 hex of the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshRecord {
    /// Whose.
    pub player: PlayerId,
    /// The login it descends from; reuse revokes the family.
    pub family: String,
    /// Issued, UTC.
    pub issued_at: DateTime<Utc>,
    /// Refused after this instant, UTC.
    pub expires_at: DateTime<Utc>,
    /// Set when it was exchanged for its successor.
    pub spent_at: Option<DateTime<Utc>>,
}

impl Document for RefreshRecord {
    const KIND: &'static str = "refresh_token";
}

/// A chain of refresh tokens from one login (kind `refresh_family`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshFamily {
    /// Whose.
    pub player: PlayerId,
    /// Started, UTC.
    pub created_at: DateTime<Utc>,
    /// Set at logout or when a spent token was presented again.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Why it was revoked: `logout`, `reuse`.
    pub revoked_reason: Option<String>,
}

impl Document for RefreshFamily {
    const KIND: &'static str = "refresh_family";
}

/// A trusted server's API key as stored (kind `api_key`, id = the key id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    /// Public id (the middle part of the key).
    pub id: String,
    /// Operator's name for it (`altv-server`, `discord-bot`, ...).
    pub name: String,
    /// Scopes held (see [`SCOPES`]).
    pub scopes: Vec<String>,
    /// SHA-256 hex of the secret part.
    pub secret_sha256: String,
    /// Created, UTC.
    pub created_at: DateTime<Utc>,
    /// Refused from this instant, UTC.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Document for ApiKeyRecord {
    const KIND: &'static str = "api_key";
}

/// What callers see of an API key: never the secret or its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApiKeyInfo {
    /// Public id.
    pub id: String,
    /// Operator's name for it.
    pub name: String,
    /// Scopes held.
    pub scopes: Vec<String>,
    /// Created, UTC.
    pub created_at: DateTime<Utc>,
    /// Revocation time, UTC, if revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&ApiKeyRecord> for ApiKeyInfo {
    fn from(r: &ApiKeyRecord) -> Self {
        Self {
            id: r.id.clone(),
            name: r.name.clone(),
            scopes: r.scopes.clone(),
            created_at: r.created_at,
            revoked_at: r.revoked_at,
        }
    }
}

/// A new API key: its info and the full key, shown once (`ghk_<id>_<secret>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewApiKey {
    /// What is stored.
    pub info: ApiKeyInfo,
    /// The key to hand to the trusted server; not recoverable later.
    pub key: String,
}

/// A login's outcome: the account and a fresh refresh token (of a new family, or the
/// successor in the same family after a rotation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LoginGrant {
    /// The account logged in.
    pub account: PlayerAccount,
    /// Opaque refresh token (`ghr_...`), valid `refresh_ttl_secs`, usable once.
    pub refresh_token: String,
    /// Its expiry, UTC.
    pub refresh_expires_at: DateTime<Utc>,
    /// Whether the account was created by this login.
    pub created: bool,
}

/// `register_account` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Login name, 3-64 characters of letters, digits, `_ . -`, case-insensitive.
    pub username: String,
    /// Password, `min_password_len`-128 characters.
    pub password: String,
}

/// `login_identity` request: a device id, or an identity a trusted server vouches for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityLoginRequest {
    /// Provider (`device`, `discord`, `steam`, `altv`, `email`, ...).
    pub provider: String,
    /// Id at the provider.
    pub subject: String,
    /// For an identity not yet linked: the player id to create or link it to (a
    /// Discord snowflake, an Alt:V id...); absent: a new UUID player.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub player: Option<PlayerId>,
}

/// `ban_player` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BanRequest {
    /// Why, 1-500 bytes; shown to the player.
    pub reason: String,
    /// End of the ban, UTC; absent: permanent.
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
}
