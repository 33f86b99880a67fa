//! Achievements and quests (SPEC.md Achievements and quests). Decisions live in
//! [`rules`]; orchestration in `core/src/service/achievements.rs`.
//!
//! State, all versioned documents (no table of its own):
//! - one [`Achievement`] definition per id (kind `achievement`), put by an operator, and
//!   a generation document (kind `achievement_catalog`, id `generation`) whose version
//!   moves with every definition change, so each process knows when its in-memory copy
//!   of the definitions is stale;
//! - one [`ProgressDoc`] per (player, achievement) (kind `achievement_progress`, id
//!   `<player>\u{1}<achievement id>`), guarded by its version.
//!
//! Progress moves in the same commit as the event that counts it: every change set goes
//! through `Guildhall::commit_changes`, which finds the definitions counting its events
//! and adds the guarded progress writes and the `achievement_progress` /
//! `achievement_completed` events to that change set. Two calls counting toward one
//! player's achievement at once write the same document at the same version: one
//! commits, the other gets `CONFLICT` and runs again on what the first left, so every
//! counted event counts once and an achievement completes once.

pub mod rules;

use crate::docs::Document;
use crate::error::{Error, Result};
use crate::mail::Attachments;
use crate::schedule::{Period, ResetSchedule};
use crate::types::PlayerId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Achievement limits (`[achievements]`); missing keys keep their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AchievementsConfig {
    /// Definitions at most (default 1000); past it `LIMIT_REACHED`.
    pub max_definitions: usize,
    /// Prerequisites of one definition at most (default 16); past it `INVALID_ARGUMENT`.
    pub max_prerequisites: usize,
    /// Seconds a process counts with its in-memory copy of the definitions before it
    /// checks the store for a change made by another process (default 1; 0: every
    /// commit checks). A change made through the same process applies at once.
    pub reload_secs: u64,
}

impl Default for AchievementsConfig {
    fn default() -> Self {
        Self {
            max_definitions: 1000,
            max_prerequisites: 16,
            reload_secs: 1,
        }
    }
}

impl AchievementsConfig {
    /// Checks the values: `max_definitions` 1 to 100 000, `max_prerequisites` 0 to 100,
    /// `reload_secs` at most 3600. Errors: `INVALID_ARGUMENT` naming the key
    /// (`achievements.<key>`).
    pub fn check(&self) -> Result<()> {
        if !(1..=100_000).contains(&self.max_definitions) {
            return Err(Error::invalid(
                "achievements.max_definitions",
                "achievements.max_definitions must be between 1 and 100000",
            ));
        }
        if self.max_prerequisites > 100 {
            return Err(Error::invalid(
                "achievements.max_prerequisites",
                "achievements.max_prerequisites must be between 0 and 100",
            ));
        }
        if self.reload_secs > 3600 {
            return Err(Error::invalid(
                "achievements.reload_secs",
                "achievements.reload_secs must be between 0 and 3600",
            ));
        }
        Ok(())
    }
}

/// Whether a definition is a lasting achievement or a quest (usually with a reset).
/// Both follow the same rules; the kind is for the game's display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AchievementKind {
    /// An achievement.
    Achievement,
    /// A quest.
    Quest,
}

/// Which domain events count toward a goal (SPEC.md: "a domain event kind with an
/// optional filter, e.g. `item_purchased` of item X").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    /// The event kind, e.g. `item_purchased`, `currency_spent`, `rating_updated` (a
    /// reported match; its payload has `won` and `rank`), `mail_claimed`. Not an
    /// `achievement_*` kind (progress never counts itself).
    pub event: String,
    /// Fields the event's payload must have with exactly these values, e.g.
    /// `{"item_id": "sword"}` or `{"currency": "gold"}` or `{"won": true}`. Empty: every
    /// event of the kind.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub filter: serde_json::Map<String, serde_json::Value>,
    /// The payload field whose value (a positive integer) is added instead of 1, e.g.
    /// `quantity` of `item_purchased` or `amount` of `currency_spent` (smallest units).
    /// An event without a positive integer there counts nothing.
    #[serde(default)]
    pub amount_field: Option<String>,
}

/// An achievement or quest definition (SPEC.md Achievements and quests), put by an
/// operator with [`crate::Guildhall::put_achievement`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Achievement {
    /// Id, 1-128 bytes, no control characters.
    pub id: String,
    /// Achievement or quest.
    pub kind: AchievementKind,
    /// Title shown to players, 1-200 bytes.
    pub title: String,
    /// Description, at most 2000 bytes.
    #[serde(default)]
    pub description: String,
    /// The counter goal, >= 1: complete when progress reaches it.
    pub goal: i64,
    /// The events that count; absent: only explicit progress calls
    /// ([`crate::Guildhall::progress_achievement`]) count, which any definition also
    /// accepts.
    #[serde(default)]
    pub counts: Option<Counts>,
    /// Progress starts again at zero each period of this schedule in the reset zone
    /// (`daily`, `weekly` from Monday 00:00, `monthly`, or cron); the reward may then be
    /// claimed once per period. Absent: never resets.
    #[serde(default)]
    pub reset: Option<ResetSchedule>,
    /// Ids of definitions that must have been completed (at least once) before any
    /// progress counts toward this one; progress before that is not kept.
    #[serde(default)]
    pub prerequisites: Vec<String>,
    /// What a claim grants (currency in smallest units through the ledger from
    /// `system:achievements`, reason `achievement_reward`; items into the inventory).
    #[serde(default)]
    pub reward: Attachments,
}

impl Document for Achievement {
    const KIND: &'static str = "achievement";
}

/// Kind of the document whose version names the current set of definitions.
pub const CATALOG_KIND: &str = "achievement_catalog";
/// Id of that document.
pub const CATALOG_ID: &str = "generation";
/// System account rewards are paid from.
pub const REWARD_SOURCE: &str = "achievements";
/// Ledger reason of a reward.
pub const REWARD_REASON: &str = "achievement_reward";

/// One player's progress toward one definition, as stored (kind
/// `achievement_progress`, id [`progress_id`]). A document of another period than the
/// current one reads as zero progress, not completed, not claimed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressDoc {
    /// The player.
    pub player: PlayerId,
    /// The definition.
    pub achievement_id: String,
    /// Key of the period counted ([`Period::key`]); `None` for a definition without reset.
    pub period: Option<String>,
    /// Progress in this period, 0 to the goal.
    pub progress: i64,
    /// When the goal was reached in this period, UTC.
    pub completed_at: Option<DateTime<Utc>>,
    /// When this period's reward was claimed, UTC.
    pub claimed_at: Option<DateTime<Utc>>,
    /// When the goal was first reached in any period (prerequisites look at this), UTC.
    pub first_completed_at: Option<DateTime<Utc>>,
}

impl Document for ProgressDoc {
    const KIND: &'static str = "achievement_progress";
}

/// The id of `player`'s progress document for `achievement_id`.
pub fn progress_id(player: &PlayerId, achievement_id: &str) -> String {
    format!("{player}\u{1}{achievement_id}")
}

/// A player's standing on one definition ([`crate::Guildhall::player_achievements`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AchievementStatus {
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The definition.
    pub achievement: Achievement,
    /// Progress in the current period, 0 to the goal.
    pub progress: i64,
    /// When the goal was reached in the current period, UTC.
    pub completed_at: Option<DateTime<Utc>>,
    /// When the current period's reward was claimed, UTC.
    pub claimed_at: Option<DateTime<Utc>>,
    /// The current period of a resetting definition (key, start, end in UTC).
    pub period: Option<Period>,
    /// True when every prerequisite has been completed (progress counts).
    pub unlocked: bool,
}

/// Request of [`crate::Guildhall::progress_achievement`]: explicit progress (a
/// server's or operator's call).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressRequest {
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The definition.
    pub achievement_id: String,
    /// How much to add, >= 1 (default 1). Progress stops at the goal.
    #[serde(default = "one")]
    pub amount: i64,
    /// Idempotency key, 1-255 bytes: the same key and request again returns the stored
    /// result marked `replayed`; a different request under it is `IDEMPOTENCY_CONFLICT`.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

fn one() -> i64 {
    1
}

/// What an explicit progress call did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProgressResult {
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The definition.
    pub achievement_id: String,
    /// Progress added by this call (0 when locked by prerequisites or already complete).
    pub added: i64,
    /// Progress after, 0 to the goal.
    pub progress: i64,
    /// The goal.
    pub goal: i64,
    /// When the goal was reached in this period, UTC.
    pub completed_at: Option<DateTime<Utc>>,
    /// Key of the current period of a resetting definition.
    pub period: Option<String>,
    /// True when this is the stored result of an earlier call with the same key.
    pub replayed: bool,
}

/// Request of [`crate::Guildhall::claim_achievement`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimAchievementRequest {
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The definition.
    pub achievement_id: String,
    /// Idempotency key, 1-255 bytes: the same key and request again returns the stored
    /// result marked `replayed`; a different request under it is `IDEMPOTENCY_CONFLICT`.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// What a claim granted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AchievementClaimResult {
    /// The claim's transaction id (its ledger entries').
    pub transaction_id: String,
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The definition.
    pub achievement_id: String,
    /// Key of the period claimed (resetting definitions).
    pub period: Option<String>,
    /// The reward granted.
    pub reward: Attachments,
    /// Durable items of the reward the player already owned (not granted again), or
    /// that left the catalog.
    pub skipped_items: Vec<String>,
    /// The player's balance after, per rewarded currency (smallest units).
    pub balances: Vec<crate::types::Balance>,
    /// When claimed, UTC.
    pub claimed_at: DateTime<Utc>,
    /// True when this is the stored result of an earlier call with the same key.
    pub replayed: bool,
}
