//! Presence services (SPEC.md Presence and sessions): sessions live in the Coordinator
//! with an expiry; a session's location decides which announcements reach the player.
//! Its `room` is the player's room membership (SPEC.md Rooms and the lobby: presence
//! records the room a player is in), filled from the `room_of` document at login, at
//! each heartbeat and at every read; a caller's own `room` is not taken.

use super::Guildhall;
use crate::announce::Location;
use crate::error::{Error, Result};
use crate::ports::Session;
use crate::types::PlayerId;
use chrono::Duration;

impl Guildhall {
    /// Starts (or restarts) a player's session at `location`; it lasts
    /// `session_timeout_secs` without a heartbeat. The player counts as active today in
    /// the console's trends (`crate::trends`). `location.room` is replaced by the room
    /// the player is in ([`Guildhall::enter_room`]), `None` when in none.
    pub async fn login(&self, player: &PlayerId, mut location: Location) -> Result<Session> {
        location.room = self.room_hint(player).await?;
        let now = self.clock.now();
        let s = Session {
            player: player.clone(),
            location,
            started_at: now,
            last_seen: now,
            expires_at: now + Duration::seconds(self.config.session_timeout_secs),
        };
        self.coordinator.put_session(s.clone()).await?;
        // The console's daily active players; a failure here never fails the login.
        if let Err(e) = self.mark_active_now(player).await {
            tracing::warn!(player = %player, error = %e, "marking the player active failed");
        }
        Ok(s)
    }

    /// Keeps a session alive and optionally moves it (lobby, server, party; its `room`
    /// stays the room the player is in, whatever `location.room` says). Errors:
    /// `NOT_FOUND` (no live session: log in again).
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
        s.location.room = self.room_hint(player).await?;
        s.last_seen = now;
        s.expires_at = now + Duration::seconds(self.config.session_timeout_secs);
        self.coordinator.put_session(s.clone()).await?;
        Ok(s)
    }

    /// Ends a session. Returns whether one was live.
    pub async fn logout(&self, player: &PlayerId) -> Result<bool> {
        self.coordinator.end_session(player).await
    }

    /// A player's live session, its `room` the room the player is in.
    pub async fn session(&self, player: &PlayerId) -> Result<Option<Session>> {
        match self.coordinator.session(player, self.clock.now()).await? {
            Some(s) => Ok(self.placed(vec![s]).await?.pop()),
            None => Ok(None),
        }
    }

    /// Every live session, by player, each `room` the room the player is in.
    pub async fn online(&self) -> Result<Vec<Session>> {
        let sessions = self.coordinator.sessions(self.clock.now()).await?;
        self.placed(sessions).await
    }
}
