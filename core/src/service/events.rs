//! Event services (SPEC.md Events): the outbox read by `seq` (all of it, or one
//! player's events for a stream's resume), live events, and pruning of events and
//! idempotency records past their retention.

use super::{page, Guildhall};
use crate::error::{Error, Result};
use crate::types::{Event, PlayerId};

impl Guildhall {
    /// Outbox events after `after` (a previous event's `seq`; 0 from the start), oldest
    /// first, at most `limit` (1-1000, default [`page::EVENTS`]). Errors: `INVALID_ARGUMENT`.
    pub async fn events_after(&self, after: i64, limit: Option<u32>) -> Result<Vec<Event>> {
        let limit = limit.unwrap_or(page::EVENTS);
        if !(1..=1000).contains(&limit) {
            return Err(Error::invalid("limit", "limit is 1 to 1000"));
        }
        self.store.events_after(after, limit).await
    }

    /// Live events as they commit (in this process, or every host with the Redis
    /// coordinator), each shared by every receiver.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<std::sync::Arc<Event>> {
        self.coordinator.subscribe()
    }

    /// Removes events and idempotency records past their retention, and chat messages
    /// older than `chat.retention_secs` (SPEC.md Chat). Returns (events, records).
    pub async fn prune(&self) -> Result<(u64, u64)> {
        let now = self.clock.now();
        let events = now - chrono::Duration::seconds(self.config.event_retention_secs);
        let keys = now - chrono::Duration::seconds(self.config.idempotency_retention_secs);
        let chat = now - chrono::Duration::seconds(self.config.chat.retention_secs);
        let messages = self.store.prune_chat(chat).await?;
        if messages > 0 {
            tracing::debug!(messages, "pruned chat messages past their retention");
        }
        self.store.prune(events, keys).await
    }

    /// Outbox events concerning one player after `after`, oldest first (SSE resume), at
    /// most `limit` (1-1000, default [`page::EVENTS`]). Errors: `INVALID_ARGUMENT`.
    pub async fn player_events_after(
        &self,
        player: &PlayerId,
        after: i64,
        limit: Option<u32>,
    ) -> Result<Vec<crate::types::Event>> {
        let limit = limit.unwrap_or(page::EVENTS);
        if !(1..=1000).contains(&limit) {
            return Err(Error::invalid("limit", "limit is 1 to 1000"));
        }
        self.store.player_events_after(player, after, limit).await
    }
}
