//! Mail: per-player mailboxes with a storage cap and a listing cap, a daily send limit
//! for players, read marks, attachments claimed exactly once, expiry, deletion rules,
//! and broadcasts stored once (SPEC.md Mail; seed 003 "邮箱系统").
//!
//! Requests, results and the stored shapes live here; decisions in [`rules`].

pub mod rules;

use crate::types::{Amount, PlayerId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Mail limits (SPEC.md Mail; all configurable under `[mail]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// Mails a box stores at most (default 50).
    pub store_cap: usize,
    /// Mails a listing shows, newest first (default 30).
    pub list_cap: usize,
    /// Mails left in a full box before a new one goes in (default 29: the new one makes 30).
    pub evict_to: usize,
    /// Mails a player may send per day of the reset time zone (default 10). System and
    /// admin mail have no limit.
    pub player_daily_limit: i64,
    /// Largest subject, bytes (default 200).
    pub max_subject: usize,
    /// Largest body, bytes (default 4000).
    pub max_body: usize,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            store_cap: 50,
            list_cap: 30,
            evict_to: 29,
            player_daily_limit: 10,
            max_subject: 200,
            max_body: 4000,
        }
    }
}

/// The kind of a mail's sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SenderKind {
    /// A player (daily limit applies; no attachments).
    Player,
    /// The game itself.
    System,
    /// An operator.
    Admin,
}

/// Who sent a mail: `{"kind": "player", "id": "<player id>"}`, `{"kind": "system"}` or
/// `{"kind": "admin", "id": "<operator name>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sender {
    /// Kind.
    pub kind: SenderKind,
    /// The player id (kind player) or operator name (kind admin); none for the system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl Sender {
    /// A player sender.
    pub fn player(p: &PlayerId) -> Self {
        Self {
            kind: SenderKind::Player,
            id: Some(p.to_string()),
        }
    }
    /// The system.
    pub fn system() -> Self {
        Self {
            kind: SenderKind::System,
            id: None,
        }
    }
    /// An operator by name.
    pub fn admin(name: &str) -> Self {
        Self {
            kind: SenderKind::Admin,
            id: Some(name.to_string()),
        }
    }
    /// The sending player, for kind player. Errors: `INVALID_ARGUMENT` (missing or bad id).
    pub fn player_id(&self) -> crate::Result<Option<PlayerId>> {
        match self.kind {
            SenderKind::Player => match &self.id {
                Some(id) => PlayerId::new(id.clone()).map(Some),
                None => Err(crate::Error::invalid(
                    "from.id",
                    "a player sender names the player",
                )),
            },
            _ => Ok(None),
        }
    }
}

/// Currency attached to a mail: `amount` smallest units, > 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CurrencyAttachment {
    /// Currency code.
    pub currency: String,
    /// Smallest units, > 0.
    pub amount: Amount,
}

/// Items attached to a mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemAttachment {
    /// Catalog item id.
    pub item_id: String,
    /// Units, >= 1.
    pub quantity: i64,
}

/// What a mail carries; claimed together, once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Attachments {
    /// Currency amounts.
    pub currencies: Vec<CurrencyAttachment>,
    /// Items.
    pub items: Vec<ItemAttachment>,
}

impl Attachments {
    /// True when nothing is attached.
    pub fn is_empty(&self) -> bool {
        self.currencies.is_empty() && self.items.is_empty()
    }
}

/// One stored mail of one player's box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Mail {
    /// Id (for a broadcast copy: `<broadcast id>:<player>`).
    pub id: String,
    /// Recipient.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Sender.
    pub sender: Sender,
    /// Subject line.
    pub subject: String,
    /// Body text.
    pub body: String,
    /// Attachments (empty: none).
    pub attachments: Attachments,
    /// Delivery time, UTC; the box is ordered by it.
    pub sent_at: DateTime<Utc>,
    /// After this instant the mail is not listed and cannot be claimed.
    pub expires_at: Option<DateTime<Utc>>,
    /// When first opened.
    pub read_at: Option<DateTime<Utc>>,
    /// When the attachments were claimed (or delivered on eviction).
    pub claimed_at: Option<DateTime<Utc>>,
    /// The broadcast this copy came from.
    pub broadcast_id: Option<String>,
}

impl Mail {
    /// True when expired at `now`.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
    }
    /// True when it has attachments not yet claimed.
    pub fn unclaimed(&self) -> bool {
        !self.attachments.is_empty() && self.claimed_at.is_none()
    }
}

/// A mail to every player who existed when it was sent, or to listed players, stored
/// once and copied into each box the next time that box is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Broadcast {
    /// Store-assigned position (0 before commit); boxes remember the last one copied.
    pub seq: i64,
    /// Id.
    pub id: String,
    /// Sender (system or admin).
    pub sender: Sender,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// Attachments each recipient may claim.
    pub attachments: Attachments,
    /// Send time, UTC.
    pub sent_at: DateTime<Utc>,
    /// Expiry of every copy.
    pub expires_at: Option<DateTime<Utc>>,
    /// Only these players (each receives it whenever it existed); `None`: every player
    /// who existed when it was sent (SPEC.md Clarifications).
    #[schema(value_type = Option<Vec<String>>)]
    pub recipients: Option<Vec<PlayerId>>,
    /// True when this is the stored original of an earlier call with the same
    /// idempotency key (nothing was stored again).
    #[serde(default)]
    pub replayed: bool,
}

/// When a player began to exist, as broadcasts need it (SPEC.md Clarifications: a
/// broadcast reaches the players who existed when it was sent). Stored as the document
/// kind `first_seen`, id = the player, written once (guarded, version 0 = absent) in the
/// same commit as the player's first stored state, and never changed after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstSeen {
    /// The instant of the first commit that stored state of the player, UTC. For a
    /// player whose state predates these records: the Unix epoch.
    pub since: DateTime<Utc>,
    /// True when the player had stored state before its record was written (data from an
    /// older version): it counts as existing since before any broadcast.
    #[serde(default)]
    pub legacy: bool,
}

impl crate::docs::Document for FirstSeen {
    const KIND: &'static str = "first_seen";
}

/// Send one mail. Errors: `INVALID_ARGUMENT` (subject/body length, attachments from a
/// player, bad attachment, expiry in the past), `NOT_FOUND` (attached catalog item),
/// `MAIL_SEND_LIMIT`, `BLOCKED` (player mail where the sender or the recipient has
/// blocked the other; SPEC.md Friends), `IDEMPOTENCY_CONFLICT`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMailRequest {
    /// Sender.
    pub from: Sender,
    /// Recipient.
    #[schema(value_type = String)]
    pub to: PlayerId,
    /// Subject, 1..=max_subject bytes.
    pub subject: String,
    /// Body, up to max_body bytes.
    #[serde(default)]
    pub body: String,
    /// Attachments (system and admin mail only).
    #[serde(default)]
    pub attachments: Attachments,
    /// Seconds until the mail expires; none: never.
    #[serde(default)]
    pub expires_in_secs: Option<i64>,
    /// Idempotency key (1-255 bytes), scoped to the caller (the API key, or the player
    /// of a token).
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Broadcast one mail: to every player who exists when it is sent, or to `recipients`
/// (SPEC.md Clarifications). Errors: as [`SendMailRequest`] (`INVALID_ARGUMENT` also for
/// a player sender or a recipients list of 0 or over 10000; `IDEMPOTENCY_CONFLICT` when
/// the key was used for another request).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BroadcastRequest {
    /// Sender: system or admin.
    pub from: Sender,
    /// Subject.
    pub subject: String,
    /// Body.
    #[serde(default)]
    pub body: String,
    /// Attachments each recipient may claim.
    #[serde(default)]
    pub attachments: Attachments,
    /// Seconds until every copy expires.
    #[serde(default)]
    pub expires_in_secs: Option<i64>,
    /// Only these players; none: every player.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub recipients: Option<Vec<PlayerId>>,
    /// Idempotency key, 1-255 bytes, scoped to the caller: the same key and request again
    /// returns the stored broadcast marked `replayed` and stores nothing; the same key with
    /// another request is `IDEMPOTENCY_CONFLICT`.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// The outcome of a send: the delivered mail and what delivering it evicted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SendMailResult {
    /// The mail as stored.
    pub mail: Mail,
    /// Ids of older mails removed to make room.
    pub evicted: Vec<String>,
    /// True for a replay.
    pub replayed: bool,
}

/// The outcome of a claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClaimResult {
    /// The mail after the claim.
    pub mail: Mail,
    /// Balances after, for the currencies credited.
    pub balances: Vec<crate::types::Balance>,
    /// Durable items skipped because the player already owned them.
    pub skipped_items: Vec<String>,
    /// True for a replay.
    pub replayed: bool,
}
