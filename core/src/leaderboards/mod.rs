//! Leaderboards and tournaments (SPEC.md "Leaderboards and tournaments"). Decisions live
//! in [`rules`]; orchestration in `core/src/service/leaderboards.rs`.
//!
//! A board is a definition document ([`Leaderboard`], kind `leaderboard`): sort order,
//! score operator (`best`, `set`, `increment`), optional reset schedule in the reset
//! time zone (or a tournament window), optional partitions (a board per class, region,
//! ...) and rewards by rank range. A player's record in one (board, partition, period)
//! is a versioned document (kind `lb_score`, the guarded truth: concurrent submissions
//! serialize on its version) plus a row of the Store's ranking index ([`ScoreEntry`],
//! written in the same commit), so top N, cursor pages, a player's rank and neighbours
//! are index range reads, never a full scan.
//!
//! A period is a key: `all` for a board that never resets, the [`crate::schedule::Period`]
//! key of the reset schedule (`2026-W14`, ...), `tournament` for a tournament. A reset
//! starts a new key; old keys stay readable as the archive. The reset of a finished
//! period grants its rewards once, through a versioned period document (kind
//! `lb_period`) written in the same commit as each chunk of grants.

pub mod rules;

use crate::docs::Document;
use crate::mail::Attachments;
use crate::schedule::{Period, ResetSchedule};
use crate::types::{Amount, PlayerId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Reset timing (`[leaderboards]`); missing keys keep their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LeaderboardsConfig {
    /// Seconds after a period's end before its reset runs (default 2), so a submission
    /// that read the clock just before the end commits first.
    pub reset_grace_secs: i64,
    /// Records a reset walks through per commit (default 100, 1 to 1000): each chunk's
    /// rewards commit with the period document that records how far granting got.
    pub reset_chunk: u32,
}

impl Default for LeaderboardsConfig {
    fn default() -> Self {
        Self {
            reset_grace_secs: rules::RESET_GRACE_SECS,
            reset_chunk: rules::RESET_CHUNK,
        }
    }
}

impl LeaderboardsConfig {
    /// Checks the values. Errors: `INVALID_ARGUMENT` naming the key.
    pub fn check(&self) -> crate::error::Result<()> {
        if !(0..=3600).contains(&self.reset_grace_secs) {
            return Err(crate::error::Error::invalid(
                "leaderboards.reset_grace_secs",
                "leaderboards.reset_grace_secs is 0 to 3600",
            ));
        }
        if !(1..=1000).contains(&self.reset_chunk) {
            return Err(crate::error::Error::invalid(
                "leaderboards.reset_chunk",
                "leaderboards.reset_chunk is 1 to 1000",
            ));
        }
        Ok(())
    }
}

/// Ranking direction: `desc` (higher scores rank first, the default) or `asc` (lower
/// scores rank first, e.g. race times).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// Higher is better.
    #[default]
    Desc,
    /// Lower is better.
    Asc,
}

/// How a submitted score combines with the player's stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScoreOperator {
    /// Keep the better of the two (by the board's sort order; the default).
    #[default]
    Best,
    /// Replace the stored score.
    Set,
    /// Add the submitted score to the stored one (overflow is refused).
    Increment,
}

/// An entry fee of a tournament, spent through the ledger at join.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryFee {
    /// Currency code (configured).
    pub currency: String,
    /// Smallest units, > 0.
    pub amount: Amount,
}

/// What makes a board a tournament: a window, a join step, an optional fee and cap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TournamentSpec {
    /// Scores are accepted from this instant (UTC).
    pub start: DateTime<Utc>,
    /// Scores and joins are refused from this instant (UTC) with `TOURNAMENT_CLOSED`;
    /// the rewards are granted after it.
    pub end: DateTime<Utc>,
    /// Spent at join (`system:tournaments` is credited).
    #[serde(default)]
    pub entry_fee: Option<EntryFee>,
    /// At most this many players may join (`TOURNAMENT_FULL`); none: no cap.
    #[serde(default)]
    pub max_entrants: Option<u32>,
}

/// Rewards of the ranks `from_rank..=to_rank` (1-based; rank 1 is the best).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RewardTier {
    /// First rank of the range (>= 1).
    pub from_rank: u32,
    /// Last rank of the range (>= `from_rank`, <= 1000).
    pub to_rank: u32,
    /// Currency (credited through the ledger from `system:rewards`, reason
    /// `leaderboard_reward`) and items (added to the inventory).
    pub rewards: Attachments,
}

/// Defines or redefines a board (admin). Sort, operator, partitioning and being a
/// tournament are fixed once the board exists (changing them would reorder stored
/// scores): a change is `INVALID_ARGUMENT`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutLeaderboardRequest {
    /// Board id: 1-64 of `[A-Za-z0-9_.-]`.
    pub id: String,
    /// Ranking direction (default `desc`).
    #[serde(default)]
    pub sort: SortOrder,
    /// Score operator (default `best`).
    #[serde(default)]
    pub operator: ScoreOperator,
    /// Reset schedule in the reset time zone; none: the board never resets. Not with
    /// `tournament`.
    #[serde(default)]
    pub reset: Option<ResetSchedule>,
    /// True: every call names a partition (e.g. `class:mage`), each ranked on its own.
    #[serde(default)]
    pub partitioned: bool,
    /// Rewards by rank range, granted once at each reset (or at a tournament's end).
    #[serde(default)]
    pub rewards: Vec<RewardTier>,
    /// Makes the board a tournament.
    #[serde(default)]
    pub tournament: Option<TournamentSpec>,
    /// Free JSON object (title, description, ...).
    #[serde(default)]
    pub metadata: serde_json::Value,
}

/// A board definition as stored (document kind `leaderboard`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Leaderboard {
    /// Board id.
    pub id: String,
    /// Ranking direction.
    pub sort: SortOrder,
    /// Score operator.
    pub operator: ScoreOperator,
    /// Reset schedule, if any.
    pub reset: Option<ResetSchedule>,
    /// Whether calls name a partition.
    pub partitioned: bool,
    /// Rewards by rank range.
    pub rewards: Vec<RewardTier>,
    /// Tournament window, fee and cap, if a tournament.
    pub tournament: Option<TournamentSpec>,
    /// Free JSON object.
    pub metadata: serde_json::Value,
    /// First definition, UTC.
    pub created_at: DateTime<Utc>,
    /// Last definition, UTC.
    pub updated_at: DateTime<Utc>,
}

impl Document for Leaderboard {
    const KIND: &'static str = "leaderboard";
}

/// Submits a score (SPEC.md: the operator applies atomically).
/// Errors: `NOT_FOUND` (board), `INVALID_ARGUMENT` (partition missing or given wrongly,
/// an increment past the range of `i64`), `TOURNAMENT_CLOSED` (outside the window, or
/// the player has not joined), `IDEMPOTENCY_CONFLICT`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitScoreRequest {
    /// Board id.
    pub board: String,
    /// Partition (required on a partitioned board, refused on another): 1-64 of
    /// `[A-Za-z0-9_.:-]`.
    #[serde(default)]
    pub partition: Option<String>,
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The score (any `i64`; for `increment` the amount added).
    pub score: i64,
    /// Optional idempotency key (1-255 bytes).
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// What a submission did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SubmitScoreResult {
    /// Board id.
    pub board: String,
    /// Partition, if the board is partitioned.
    pub partition: Option<String>,
    /// The period key the score counts in.
    pub period: String,
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The player's stored score after the call.
    pub score: i64,
    /// The stored score before the call (none: first score of the period).
    pub previous: Option<i64>,
    /// True when the stored score changed (its submission time then moved to now).
    pub changed: bool,
    /// True when this is the stored result of an earlier call with the same key.
    pub replayed: bool,
}

/// One ranked record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RankedScore {
    /// 1-based rank (ties rank by earlier submission, then player id).
    pub rank: u64,
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The score.
    pub score: i64,
    /// When this score was submitted (UTC).
    pub submitted_at: DateTime<Utc>,
}

/// A page of a board's standings, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct StandingsQuery {
    /// Board id.
    pub board: String,
    /// Partition (required on a partitioned board).
    #[serde(default)]
    pub partition: Option<String>,
    /// Period key (default: the current period; archived periods by their key).
    #[serde(default)]
    pub period: Option<String>,
    /// Page size 1..=1000 (default 100).
    #[serde(default)]
    pub limit: Option<u32>,
    /// The previous page's `next_cursor`.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// A page of standings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StandingsPage {
    /// Board id.
    pub board: String,
    /// Partition, if any.
    pub partition: Option<String>,
    /// Period key read.
    pub period: String,
    /// Ranked records, best first.
    pub entries: Vec<RankedScore>,
    /// Cursor of the next page; none: this was the last.
    pub next_cursor: Option<String>,
}

/// A player's rank and the players around them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlayerStandingQuery {
    /// Board id.
    pub board: String,
    /// Partition (required on a partitioned board).
    #[serde(default)]
    pub partition: Option<String>,
    /// Period key (default: the current period).
    #[serde(default)]
    pub period: Option<String>,
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// How many records above and below to return, 0..=50 (default 5).
    #[serde(default)]
    pub neighbours: Option<u32>,
}

/// A player's standing. Errors of the read: `NOT_FOUND` when the player has no score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlayerStanding {
    /// Board id.
    pub board: String,
    /// Partition, if any.
    pub partition: Option<String>,
    /// Period key read.
    pub period: String,
    /// The player's record with its rank.
    pub entry: RankedScore,
    /// Records ranked just above, best first.
    pub above: Vec<RankedScore>,
    /// Records ranked just below, best first.
    pub below: Vec<RankedScore>,
}

/// Joins a tournament. Errors: `NOT_FOUND` (no such tournament), `TOURNAMENT_CLOSED`
/// (after its end), `TOURNAMENT_FULL`, `INSUFFICIENT_FUNDS` (the fee),
/// `IDEMPOTENCY_CONFLICT`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinTournamentRequest {
    /// Tournament (board) id.
    pub board: String,
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Optional idempotency key (1-255 bytes).
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// What a join did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JoinTournamentResult {
    /// Tournament id.
    pub board: String,
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Entrants after the call.
    pub entrants: u32,
    /// The fee spent by this call (none: no fee, or already joined).
    pub fee_paid: Option<EntryFee>,
    /// True when the player had joined already (nothing changed, nothing spent).
    pub already_joined: bool,
    /// True when this is the stored result of an earlier call with the same key.
    pub replayed: bool,
}

/// Where a period's reset stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PeriodStatus {
    /// Scores are being submitted, or the reset has not run yet.
    Open,
    /// The reset is granting rewards (resumes where it stopped).
    Granting,
    /// Finished: the standings are final and rewards were granted.
    Archived,
}

/// A reward granted at a reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GrantedReward {
    /// Final rank.
    pub rank: u64,
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Final score.
    pub score: i64,
    /// What was granted.
    pub rewards: Attachments,
}

/// Where the reset's walk through the standings stopped (the last record processed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScorePos {
    /// Ordering key of the record ([`rules::ord_of`]).
    pub ord: i64,
    /// Submission time, microseconds since the epoch.
    pub submitted_at: i64,
    /// The player id.
    pub player: String,
}

/// One period of one (board, partition): its window, its reset and what it granted
/// (document kind `lb_period`, id `<board>/<partition>/<period key>`). Written at the
/// period's first score and by each chunk of its reset, under its version, so two hosts
/// running one reset never grant a chunk twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LeaderboardPeriod {
    /// Board id.
    pub board: String,
    /// Partition, if any.
    pub partition: Option<String>,
    /// The period (key, start, end in UTC).
    pub period: Period,
    /// Reset state.
    pub status: PeriodStatus,
    /// Records the reset has walked through so far.
    pub processed: u64,
    /// The last record walked through (the reset resumes after it).
    pub cursor: Option<ScorePos>,
    /// Rewards granted so far, by rank.
    pub granted: Vec<GrantedReward>,
    /// When the reset finished (UTC).
    pub reset_at: Option<DateTime<Utc>>,
}

impl Document for LeaderboardPeriod {
    const KIND: &'static str = "lb_period";
}

/// Marks a period whose reset has not finished (kind `lb_open`, same id as its
/// `lb_period`): the due-reset scan reads these only, not the archive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenPeriod {
    /// When the period ends (UTC); its reset is due a moment after.
    pub end: DateTime<Utc>,
}

impl Document for OpenPeriod {
    const KIND: &'static str = "lb_open";
}

/// A player's record in one (board, partition, period) (kind `lb_score`, id
/// `<board>/<partition>/<period>/<player>`): the guarded truth the index row mirrors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreDoc {
    /// Stored score.
    pub score: i64,
    /// When it last changed (UTC).
    pub submitted_at: DateTime<Utc>,
}

impl Document for ScoreDoc {
    const KIND: &'static str = "lb_score";
}

/// A tournament's entrant count (kind `lb_entrants`, id = board), guarded, so
/// concurrent joins never pass `max_entrants`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Entrants {
    /// Players joined.
    pub count: u32,
}

impl Document for Entrants {
    const KIND: &'static str = "lb_entrants";
}

/// One player's entry into a tournament (kind `lb_entry`, id `<board>/<player>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// When the player joined (UTC).
    pub joined_at: DateTime<Utc>,
    /// The fee spent.
    pub fee: Option<EntryFee>,
}

impl Document for Entry {
    const KIND: &'static str = "lb_entry";
}

/// One row of the Store's ranking index (table `leaderboard_scores`): the standings it
/// belongs to (`<board>/<partition>/<period>`), the player, and the ordering key, so
/// every store reads ranks as index ranges ordered by (`ord`, `submitted_at`, `player`)
/// ascending. Written in the same change set as its `lb_score` document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreEntry {
    /// `<board>/<partition>/<period>`.
    pub standings: String,
    /// The player.
    pub player: PlayerId,
    /// Ordering key: the score for `asc` boards, `!score` (bitwise not, an order-reversing
    /// bijection of `i64`) for `desc` boards, so the best record has the smallest key.
    pub ord: i64,
    /// The score.
    pub score: i64,
    /// Submission time, microseconds since the epoch (UTC).
    pub submitted_at: i64,
}

impl ScoreEntry {
    /// The entry's position in the index order.
    pub fn pos(&self) -> ScorePos {
        ScorePos {
            ord: self.ord,
            submitted_at: self.submitted_at,
            player: self.player.as_str().to_string(),
        }
    }
}
