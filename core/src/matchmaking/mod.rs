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
    /// Glicko-2 (players alone: 1v1, or free for all where each player's results
    /// against every other are one rating period): ratings around 1500, deviation 350
    /// at start.
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
    /// The starting rating of a system with the default parameters
    /// ([`RatingsConfig::default`]); a configured core uses [`RatingsConfig::initial`].
    pub fn initial(system: RatingSystem) -> Self {
        RatingsConfig::default().initial(system)
    }
}

/// Parameters of the rating systems (`[ratings]` in the config file; every key optional,
/// unknown keys refused). SPEC.md Clarifications (second round): Glicko-2 rates a rating
/// period as Glickman's paper does; Weng-Lin takes the openskill defaults, including tau,
/// configurable.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RatingsConfig {
    /// Glicko-2 (`[ratings.glicko2]`).
    pub glicko2: Glicko2Params,
    /// Weng-Lin (`[ratings.weng_lin]`).
    pub weng_lin: WengLinParams,
}

impl RatingsConfig {
    /// The starting rating of `system`: Glicko-2 `rating`/`deviation`/`volatility`,
    /// Weng-Lin `mu`/`sigma` (volatility 0), no games.
    pub fn initial(&self, system: RatingSystem) -> Rating {
        match system {
            RatingSystem::Glicko2 => Rating {
                rating: self.glicko2.rating,
                deviation: self.glicko2.deviation,
                volatility: self.glicko2.volatility,
                games: 0,
            },
            RatingSystem::WengLin => Rating {
                rating: self.weng_lin.mu,
                deviation: self.weng_lin.sigma,
                volatility: 0.0,
                games: 0,
            },
        }
    }

    /// Checks every parameter is finite and in range. Errors: `INVALID_ARGUMENT` naming
    /// the key (`ratings.glicko2.tau`, ...).
    pub fn validate(&self) -> crate::error::Result<()> {
        let g = &self.glicko2;
        let w = &self.weng_lin;
        for (key, value, ok) in [
            ("ratings.glicko2.rating", g.rating, true),
            ("ratings.glicko2.deviation", g.deviation, g.deviation > 0.0),
            (
                "ratings.glicko2.volatility",
                g.volatility,
                g.volatility > 0.0,
            ),
            ("ratings.glicko2.tau", g.tau, g.tau > 0.0),
            ("ratings.weng_lin.mu", w.mu, true),
            ("ratings.weng_lin.sigma", w.sigma, w.sigma > 0.0),
            ("ratings.weng_lin.beta", w.beta, w.beta > 0.0),
            ("ratings.weng_lin.kappa", w.kappa, w.kappa > 0.0),
            ("ratings.weng_lin.tau", w.tau, w.tau >= 0.0),
        ] {
            if !value.is_finite() || !ok {
                return Err(crate::error::Error::invalid(
                    key,
                    format!("{key} is a finite number above 0 (tau of weng_lin: 0 or more; rating and mu: any), not {value}"),
                ));
            }
        }
        Ok(())
    }
}

/// Glicko-2 parameters (Glickman, "Example of the Glicko-2 system"). Ratings are on the
/// Glicko scale (1500 at start).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Glicko2Params {
    /// Starting rating, rating points (default 1500).
    pub rating: f64,
    /// Starting rating deviation, rating points (default 350).
    pub deviation: f64,
    /// Starting volatility (default 0.06).
    pub volatility: f64,
    /// tau, which constrains the change of volatility (default 0.5; Glickman: 0.3 to 1.2).
    pub tau: f64,
}

impl Default for Glicko2Params {
    fn default() -> Self {
        Self {
            rating: 1500.0,
            deviation: 350.0,
            volatility: 0.06,
            tau: 0.5,
        }
    }
}

/// Weng-Lin parameters, with openskill's defaults (the Bradley-Terry full-pairing model).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WengLinParams {
    /// Starting mean skill mu (default 25).
    pub mu: f64,
    /// Starting uncertainty sigma (default 25/3).
    pub sigma: f64,
    /// beta, the skill difference of a ~67 % win chance (default 25/6).
    pub beta: f64,
    /// kappa, the floor of the factor by which a game shrinks sigma² (default 0.0001).
    pub kappa: f64,
    /// tau, the dynamics factor: before each game sigma becomes sqrt(sigma² + tau²), so
    /// uncertainty never settles to nothing (default 25/300; 0 turns it off).
    pub tau: f64,
}

impl Default for WengLinParams {
    fn default() -> Self {
        Self {
            mu: 25.0,
            sigma: 25.0 / 3.0,
            beta: 25.0 / 6.0,
            kappa: 0.0001,
            tau: 25.0 / 300.0,
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

/// What one tick decided for one queue: the tickets themselves (`rules::tick`), or
/// references into the pool (`TickOutcome<&Ticket>`, from `rules::plan`, which copies
/// nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct TickOutcome<T = Ticket> {
    /// Matches: tickets per team, in team order.
    pub matches: Vec<Vec<Vec<T>>>,
    /// Tickets past the maximum wait.
    pub expired: Vec<T>,
}

impl<T> Default for TickOutcome<T> {
    fn default() -> Self {
        Self {
            matches: Vec::new(),
            expired: Vec::new(),
        }
    }
}
