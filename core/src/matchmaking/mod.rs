//! Matchmaking and ratings (SPEC.md Matchmaking; seed 004): configured queues, player
//! and party tickets, a deterministic tick, and rating updates from match results
//! with the `skillratings` crate. Decisions live in [`rules`].

pub mod rules;

use crate::docs::Document;
use crate::types::PlayerId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a queue's ratings are updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RatingSystem {
    /// Glicko-2 (1v1): ratings around 1500, deviation 350 at start.
    Glicko2,
    /// Weng-Lin (teams, free for all): ratings around 25, uncertainty 25/3 at start.
    WengLin,
}

/// The rating window of a ticket: `initial + widen_per_sec * seconds waited`, at most `max`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingWindow {
    /// Width at queue time, rating points.
    pub initial: f64,
    /// Added per second of waiting.
    pub widen_per_sec: f64,
    /// Largest width.
    pub max: f64,
}

/// A configured queue (`[[queues]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    /// Name, e.g. `duel`, `5v5`.
    pub name: String,
    /// Number of teams (2 for 1v1 and 5v5; N for free for all).
    pub teams: usize,
    /// Players per team.
    pub team_size: usize,
    /// Party sizes allowed to queue (default: 1 to team_size).
    #[serde(default)]
    pub party_sizes: Vec<usize>,
    /// Ticket properties that must be equal within a match (e.g. `region`, `mode`).
    #[serde(default)]
    pub properties: Vec<String>,
    /// Rating window.
    pub window: RatingWindow,
    /// Seconds a ticket waits at most; then it expires with `ticket_expired`.
    pub max_wait_secs: i64,
    /// Rating system; default Glicko-2 for 1v1, Weng-Lin otherwise.
    #[serde(default)]
    pub rating: Option<RatingSystem>,
}

impl QueueConfig {
    /// The rating system this queue uses.
    pub fn system(&self) -> RatingSystem {
        self.rating
            .unwrap_or(if self.teams == 2 && self.team_size == 1 {
                RatingSystem::Glicko2
            } else {
                RatingSystem::WengLin
            })
    }
    /// Party sizes allowed.
    pub fn allowed_sizes(&self) -> Vec<usize> {
        if self.party_sizes.is_empty() {
            (1..=self.team_size).collect()
        } else {
            self.party_sizes.clone()
        }
    }
}

/// A player's rating in one queue.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rating {
    /// Rating.
    pub rating: f64,
    /// Deviation (Glicko-2) or uncertainty (Weng-Lin).
    pub deviation: f64,
    /// Volatility (Glicko-2 only).
    pub volatility: f64,
    /// Rated matches played.
    pub games: u32,
}

impl Rating {
    /// The starting rating of a system.
    pub fn initial(system: RatingSystem) -> Self {
        match system {
            RatingSystem::Glicko2 => Self {
                rating: 1500.0,
                deviation: 350.0,
                volatility: 0.06,
                games: 0,
            },
            RatingSystem::WengLin => Self {
                rating: 25.0,
                deviation: 25.0 / 3.0,
                volatility: 0.0,
                games: 0,
            },
        }
    }
}

impl Document for Rating {
    const KIND: &'static str = "rating";
}

/// A ticket in a queue's pool: one player, or a whole party (queued by its leader).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Ticket {
    /// Id.
    pub id: String,
    /// Queue name.
    pub queue: String,
    /// Players (a party's members, leader first).
    #[schema(value_type = Vec<String>)]
    pub players: Vec<PlayerId>,
    /// The party, for a party ticket.
    pub party_id: Option<String>,
    /// Properties matched for equality (region, mode, ...).
    pub properties: BTreeMap<String, String>,
    /// Mean rating of the players at queue time.
    pub rating: f64,
    /// Queue time, UTC; older tickets go first.
    pub created_at: DateTime<Utc>,
}

impl Document for Ticket {
    const KIND: &'static str = "ticket";
}

/// A player's active ticket (document id = player id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketOf {
    /// The ticket id.
    pub ticket_id: String,
}

impl Document for TicketOf {
    const KIND: &'static str = "ticket_of";
}

/// The reported outcome: each team's rank (0 = first; equal ranks draw).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MatchResult {
    /// Rank per team, in team order.
    pub ranks: Vec<usize>,
    /// Report time, UTC.
    pub reported_at: DateTime<Utc>,
}

/// A rating change of one player.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RatingChange {
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Before.
    pub before: Rating,
    /// After.
    pub after: Rating,
}

/// A formed match and, once reported, its result (match history).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MatchRecord {
    /// Id.
    pub id: String,
    /// Queue name.
    pub queue: String,
    /// Players per team.
    #[schema(value_type = Vec<Vec<String>>)]
    pub teams: Vec<Vec<PlayerId>>,
    /// Tickets matched.
    pub ticket_ids: Vec<String>,
    /// Formation time, UTC.
    pub created_at: DateTime<Utc>,
    /// The result, once reported.
    pub result: Option<MatchResult>,
    /// Rating changes applied by the report.
    pub rating_changes: Vec<RatingChange>,
}

impl Document for MatchRecord {
    const KIND: &'static str = "match";
}

/// Queue a player, or (from its leader) a whole party. Errors: `NOT_FOUND` (queue),
/// `TICKET_EXISTS`, `NOT_PARTY_LEADER`, `INVALID_ARGUMENT` (party size not allowed,
/// missing or extra properties).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueRequest {
    /// The player (a party's leader queues the party).
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Queue name.
    pub queue: String,
    /// Queue the player's whole party.
    #[serde(default)]
    pub with_party: bool,
    /// Values of the queue's properties.
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

/// What one tick decided for one queue.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TickOutcome {
    /// Matches: tickets per team, in team order.
    pub matches: Vec<Vec<Vec<Ticket>>>,
    /// Tickets past the maximum wait.
    pub expired: Vec<Ticket>,
}
