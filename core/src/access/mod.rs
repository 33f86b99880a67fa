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
    /// Set when the account was closed (seed 003: 注销): it cannot log in, its
    /// identities are free for others, its wallet and ledger stay. UTC.
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
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
    /// When the account was closed, UTC (`None`: open). A closed account can be
    /// reopened within `[recovery] reopen_grace_secs`.
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
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
            closed_at: self.closed_at,
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

/// One-time codes and closing (`[recovery]`; SPEC.md "Account recovery and closing");
/// missing keys keep their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RecoveryConfig {
    /// Digits of a one-time code (default 6; 4 to 10).
    pub code_digits: u32,
    /// Seconds a code stays valid (default 600; 60 to 86 400).
    pub code_ttl_secs: i64,
    /// Wrong entries of one code at most (default 5; 1 to 100); then it is spent.
    pub code_max_attempts: u32,
    /// Codes sent to one address per hour at most (default 5; 1 to 1 000).
    pub codes_per_hour: u32,
    /// How an `email` identity's code is sent: `webhook` (default: a `code_issued` event
    /// delivered to the outbound webhooks subscribed to that kind) or `smtp`. Codes of
    /// every other provider (`phone`, ...) go by webhook (an SMS gateway's endpoint).
    pub email_channel: CodeChannel,
    /// SMTP server host (default `127.0.0.1`), plain SMTP without TLS: a local relay.
    pub smtp_host: String,
    /// SMTP server port (default 25).
    pub smtp_port: u16,
    /// Sender address (default `guildhall@localhost`).
    pub smtp_from: String,
    /// Seconds a closed account can be reopened (default 2 592 000: 30 days).
    pub reopen_grace_secs: i64,
}

impl Default for RecoveryConfig {
    fn default() -> Self {
        Self {
            code_digits: 6,
            code_ttl_secs: 600,
            code_max_attempts: 5,
            codes_per_hour: 5,
            email_channel: CodeChannel::Webhook,
            smtp_host: "127.0.0.1".into(),
            smtp_port: 25,
            smtp_from: "guildhall@localhost".into(),
            reopen_grace_secs: 30 * 86_400,
        }
    }
}

impl RecoveryConfig {
    /// Checks the ranges above and that `smtp_from` is an address. Errors:
    /// `INVALID_ARGUMENT` naming the key (`recovery.<key>`).
    pub fn check(&self) -> crate::Result<()> {
        for (key, ok, range) in [
            (
                "code_digits",
                (4..=10).contains(&self.code_digits),
                "4 to 10",
            ),
            (
                "code_ttl_secs",
                (60..=86_400).contains(&self.code_ttl_secs),
                "60 to 86400",
            ),
            (
                "code_max_attempts",
                (1..=100).contains(&self.code_max_attempts),
                "1 to 100",
            ),
            (
                "codes_per_hour",
                (1..=1000).contains(&self.codes_per_hour),
                "1 to 1000",
            ),
            (
                "reopen_grace_secs",
                (0..=366 * 86_400).contains(&self.reopen_grace_secs),
                "0 to 31622400",
            ),
            (
                "smtp_from",
                self.smtp_from.contains('@'),
                "an e-mail address",
            ),
            ("smtp_host", !self.smtp_host.is_empty(), "a host name"),
        ] {
            if !ok {
                let field = format!("recovery.{key}");
                return Err(crate::Error::invalid(&field, format!("{field} is {range}")));
            }
        }
        Ok(())
    }
}

/// How a one-time code reaches its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CodeChannel {
    /// A `code_issued` event, delivered by the outbound webhooks subscribed to it.
    Webhook,
    /// An e-mail through the configured SMTP server.
    Smtp,
}

/// What a one-time code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CodePurpose {
    /// Proves the player owns an e-mail address or phone number, which is then linked.
    Verify,
    /// Sets a new password for a forgotten one.
    Reset,
}

/// A one-time code as stored (kind `one_time_code`, id `<purpose>:<provider>:<subject>`):
/// never the code, only SHA-256 of a per-code salt and the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneTimeCode {
    /// Its purpose.
    pub purpose: CodePurpose,
    /// The account it is for.
    pub player: PlayerId,
    /// Identity provider it was sent to (`email`, `phone`, ...).
    pub provider: String,
    /// Address it was sent to.
    pub subject: String,
    /// Random salt, hex.
    pub salt: String,
    /// SHA-256 hex of `<salt>:<code>`.
    pub hash: String,
    /// Issued, UTC.
    pub created_at: DateTime<Utc>,
    /// Refused from this instant (`CODE_EXPIRED`), UTC.
    pub expires_at: DateTime<Utc>,
    /// Wrong entries so far.
    pub attempts: u32,
}

impl Document for OneTimeCode {
    const KIND: &'static str = "one_time_code";
}

/// Where a code was sent (the code itself is never in a result).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CodeSent {
    /// `webhook` or `smtp`.
    pub channel: CodeChannel,
    /// The code is refused after this instant, UTC.
    pub expires_at: DateTime<Utc>,
}

/// An address to send a code to: an identity (`email`, `phone`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// Provider: `email`, `phone`, or another deliverable one.
    pub provider: String,
    /// The address (lower-cased for `email`; `phone` keeps `+` and digits only).
    pub subject: String,
}

/// `verify_identity` request: the code sent to the address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyIdentityRequest {
    /// Provider the code was sent to.
    pub provider: String,
    /// The address.
    pub subject: String,
    /// The code received.
    pub code: String,
}

/// `reset_password` request: the code sent to an identity of the account and the new
/// password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    /// Provider the code was sent to.
    pub provider: String,
    /// The address.
    pub subject: String,
    /// The code received.
    pub code: String,
    /// The new password (`min_password_len` to 128 characters).
    pub new_password: String,
}
