//! What a rule may know besides the state it is given: the time, the day in the
//! reset time zone, and ids to stamp on what it creates. Rules take a `Ctx` instead of
//! reading a clock or a random source, so a test fixes all three.

use crate::config::Config;
use crate::ports::Ids;
use crate::types::{Event, PlayerId};
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;

/// The time and id source for one attempt of one call.
pub struct Ctx {
    /// Now, UTC.
    pub now: DateTime<Utc>,
    /// Today in the reset time zone.
    pub day: NaiveDate,
    /// Id of the call's transaction (shared by its ledger entries).
    pub transaction_id: String,
    ids: Arc<dyn Ids>,
}

impl Ctx {
    /// A context at `now`, with a fresh transaction id from `ids`.
    pub fn new(config: &Config, now: DateTime<Utc>, ids: Arc<dyn Ids>) -> Self {
        Self {
            now,
            day: config.day_of(now),
            transaction_id: ids.next_id(),
            ids,
        }
    }

    /// A fresh id.
    pub fn id(&self) -> String {
        self.ids.next_id()
    }

    /// A new (uncommitted) event of `kind` concerning `players`.
    pub fn event(&self, kind: &str, players: Vec<PlayerId>, payload: serde_json::Value) -> Event {
        Event {
            seq: 0,
            id: self.id(),
            kind: kind.to_string(),
            at: self.now,
            players,
            payload,
        }
    }
}
