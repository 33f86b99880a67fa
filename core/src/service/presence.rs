//! Presence services (SPEC.md Presence and sessions): sessions live in the Coordinator
//! with an expiry; a session's location decides which announcements reach the player.

use super::Guildhall;
use crate::announce::Location;
use crate::error::{Error, Result};
use crate::ports::Session;
use crate::types::PlayerId;
use chrono::Duration;

impl Guildhall {
    /// Starts (or restarts) a player's session at `location`; it lasts
    /// `session_timeout_secs` without a heartbeat.
    pub async fn login(&self, player: &PlayerId, location: Location) -> Result<Session> {
        let now = self.clock.now();
        let s = Session {
            player: player.clone(),
            location,
            started_at: now,
            last_seen: now,
            expires_at: now + Duration::seconds(self.config.session_timeout_secs),
        };
        self.coordinator.put_session(s.clone()).await?;
        Ok(s)
    }

    /// Keeps a session alive and optionally moves it. Errors: `NOT_FOUND` (no live session:
    /// log in again).
    pub async fn heartbeat(
        &self,
        player: &PlayerId,
        location: Option<Location>,
    ) -> Result<Session> {
        let now = self.clock.now();
        let mut s = self
            .coordinator
            .session(player, now)
            .await?
            .ok_or_else(|| Error::not_found("session", player.as_str()))?;
        if let Some(l) = location {
            s.location = l;
        }
        s.last_seen = now;
        s.expires_at = now + Duration::seconds(self.config.session_timeout_secs);
        self.coordinator.put_session(s.clone()).await?;
        Ok(s)
    }

    /// Ends a session. Returns whether one was live.
    pub async fn logout(&self, player: &PlayerId) -> Result<bool> {
        self.coordinator.end_session(player).await
    }

    /// A player's live session.
    pub async fn session(&self, player: &PlayerId) -> Result<Option<Session>> {
        self.coordinator.session(player, self.clock.now()).await
    }

    /// Every live session, by player.
    pub async fn online(&self) -> Result<Vec<Session>> {
        self.coordinator.sessions(self.clock.now()).await
    }
}
