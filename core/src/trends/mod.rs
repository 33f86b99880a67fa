//! Trends the operator console charts (`/console/trends`): daily active players,
//! players online sampled over time, and matches formed per hour with their ticket
//! waits. The service reads and writes are in `service/trends.rs`; the pure rules (keys,
//! sample retention, the wait histogram) in [`rules`].
//!
//! * **Daily active players**: a player is active on a day (in the reset time zone) when
//!   it logs in (password or identity) or rotates a refresh token that day. The first
//!   such change set of a player's day writes the marker counter
//!   `active:<day>:<player>` and adds one to `active_players:<day>:<shard>` (one of
//!   [`rules::ACTIVE_SHARDS`] counters, by a hash of the player, so concurrent logins
//!   rarely write the same row); a day's count is the sum of its shards.
//! * **Players online**: the host's scheduler appends the online count every
//!   `[schedule] online_sample_secs` to the one [`OnlineSamples`] document, keeping
//!   [`rules::ONLINE_RETENTION_HOURS`] hours.
//! * **Matches**: each matchmaking tick that forms matches adds them, with each
//!   matched ticket's wait in a histogram ([`rules::WAIT_BUCKETS_SECS`]), to the
//!   [`MatchHour`] document of its hour (UTC).

pub mod rules;

use crate::docs::Document;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One sample of the number of players online.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineSample {
    /// When it was taken, UTC.
    pub at: DateTime<Utc>,
    /// Players with a live session then.
    pub online: u64,
}

/// The recent online samples, oldest first (document kind `online_samples`, id
/// [`rules::ONLINE_SAMPLES_ID`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineSamples {
    /// Samples of the last [`rules::ONLINE_RETENTION_HOURS`] hours, oldest first.
    pub samples: Vec<OnlineSample>,
}

impl Document for OnlineSamples {
    const KIND: &'static str = "online_samples";
}

/// The matches formed in one hour (document kind `match_hour`, id
/// [`rules::hour_key`] of the hour, so ids sort by time).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchHour {
    /// Matches formed.
    pub formed: u64,
    /// Matched tickets per wait bucket ([`rules::WAIT_BUCKETS_SECS`]; one more entry
    /// for waits beyond the last bound).
    pub wait_buckets: Vec<u64>,
}

impl Document for MatchHour {
    const KIND: &'static str = "match_hour";
}

/// Active players of one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyActive {
    /// The day, in the reset time zone.
    pub day: NaiveDate,
    /// Distinct players that logged in or refreshed their token that day.
    pub players: u64,
}

/// Matches formed in one hour and the waits of their tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchTrend {
    /// Start of the hour, UTC.
    pub hour: DateTime<Utc>,
    /// Matches formed.
    pub formed: u64,
    /// Tickets matched.
    pub tickets: u64,
    /// Median wait of the matched tickets, seconds: the upper bound of the histogram
    /// bucket holding it (`None` without tickets).
    pub wait_p50_secs: Option<u64>,
    /// 90th percentile wait, seconds, the same way.
    pub wait_p90_secs: Option<u64>,
}
