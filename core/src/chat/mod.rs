//! Chat: channels, history, limits and masking (SPEC.md Chat). Decisions live in [`rules`].
//!
//! Channels are named `global`, `room:<id>`, `party:<id>`, `group:<id>` and
//! `direct:<a>:<b>` (the two player ids in ascending order, so both players name one
//! channel). A message is stored in the chat history (the Store's chat table, pruned
//! after `chat.retention_secs`) and announced by a `chat_message` event in the same
//! commit, whose `players` are the channel's members (for `global`: no players listed;
//! every player's stream takes a global message, see [`reaches`]).

pub mod rules;

use crate::docs::Document;
use crate::error::{Error, Result};
use crate::types::{Event, PlayerId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Chat limits, retention and the masked-word list (SPEC.md Chat), configured under `[chat]`; missing keys keep their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ChatConfig {
    /// Messages one player may post per rate window (default 5).
    pub rate_limit: u32,
    /// Length of the rate window in seconds (default 10).
    pub rate_window_secs: u64,
    /// Seconds a message stays in the history before pruning (default 30 days = 2,592,000).
    pub retention_secs: i64,
    /// Words replaced by asterisks wherever they stand as whole words, compared
    /// case-insensitively (default none).
    pub masked_words: Vec<String>,
}

impl Default for ChatConfig {
    fn default() -> Self {
        Self {
            rate_limit: 5,
            rate_window_secs: 10,
            retention_secs: 30 * 24 * 3600,
            masked_words: Vec::new(),
        }
    }
}

impl ChatConfig {
    /// Checks the values. Errors: `INVALID_ARGUMENT` naming the key (`chat.<key>`).
    pub fn check(&self) -> Result<()> {
        if self.rate_limit == 0 {
            return Err(Error::invalid(
                "chat.rate_limit",
                "chat.rate_limit is at least 1",
            ));
        }
        if self.rate_window_secs == 0 {
            return Err(Error::invalid(
                "chat.rate_window_secs",
                "chat.rate_window_secs is at least 1",
            ));
        }
        if self.retention_secs < 1 {
            return Err(Error::invalid(
                "chat.retention_secs",
                "chat.retention_secs is at least 1",
            ));
        }
        for w in &self.masked_words {
            if w.trim().is_empty() || w.chars().any(char::is_control) {
                return Err(Error::invalid(
                    "chat.masked_words",
                    "chat.masked_words holds non-empty words without control characters",
                ));
            }
        }
        Ok(())
    }
}

/// One chat message as stored and delivered (SPEC.md Chat).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChatMessage {
    /// Message id (time-ordered).
    pub id: String,
    /// The channel, canonical form (`global`, `room:<id>`, `party:<id>`, `group:<id>`,
    /// `direct:<a>:<b>` with `a < b`).
    pub channel: String,
    /// The player who posted it.
    #[schema(value_type = String)]
    pub sender: PlayerId,
    /// The text, 1 to 500 characters, masked words replaced by asterisks.
    pub body: String,
    /// When it was posted, UTC.
    pub sent_at: DateTime<Utc>,
    /// Optional JSON the game attaches (null when none).
    #[serde(default)]
    pub metadata: serde_json::Value,
    /// True when this is the stored original of an earlier call with the same
    /// idempotency key (nothing was posted again).
    #[serde(default)]
    pub replayed: bool,
}

/// Post a message. Errors: `INVALID_ARGUMENT` (channel, body: 1 to 500 characters, no
/// control characters except newline), `NOT_CHANNEL_MEMBER`, `BLOCKED` (direct),
/// `MUTED` (`details.until`), `RATE_LIMITED` (`details.retry_after_seconds`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostMessageRequest {
    /// The sender.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The channel (`global`, `room:<id>`, `party:<id>`, `group:<id>`, `direct:<a>:<b>`;
    /// a direct channel's ids may come in either order).
    pub channel: String,
    /// The text.
    pub body: String,
    /// Optional JSON attached to the message.
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
    /// Idempotency key, 1-255 bytes, scoped to the caller: the same key and request
    /// again returns the stored message marked `replayed`.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// A page of a channel's history, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChatPage {
    /// The canonical channel name.
    pub channel: String,
    /// Messages, newest first.
    pub messages: Vec<ChatMessage>,
    /// Pass as `before` to read the next (older) page; null when this page is the last.
    pub next_cursor: Option<String>,
}

/// An admin's mute of a player (SPEC.md Chat: `MUTED` until `until`). Document id = the
/// player id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChatMute {
    /// The muted player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The mute ends at this instant, UTC.
    pub until: DateTime<Utc>,
    /// Why (shown to operators), up to 500 bytes.
    pub reason: String,
    /// When the mute was set, UTC.
    pub muted_at: DateTime<Utc>,
}

impl Document for ChatMute {
    const KIND: &'static str = "chat_mute";
}

/// Mute a player until an instant. Errors: `INVALID_ARGUMENT` (`until` not in the
/// future, reason over 500 bytes or with control characters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MuteRequest {
    /// The player to mute.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// End of the mute, UTC; must be after now.
    pub until: DateTime<Utc>,
    /// Why (default empty).
    #[serde(default)]
    pub reason: String,
}

/// A channel, parsed (see [`rules::parse_channel`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    /// Every player.
    Global,
    /// Players whose live session is in the room.
    Room(String),
    /// The party's members.
    Party(String),
    /// The group's members.
    Group(String),
    /// Two players, `.0 < .1`.
    Direct(PlayerId, PlayerId),
}

impl Channel {
    /// The canonical name.
    pub fn name(&self) -> String {
        match self {
            Channel::Global => "global".into(),
            Channel::Room(id) => format!("room:{id}"),
            Channel::Party(id) => format!("party:{id}"),
            Channel::Group(id) => format!("group:{id}"),
            Channel::Direct(a, b) => format!("direct:{a}:{b}"),
        }
    }
}

/// Kind of the event a posted message sends.
pub const CHAT_EVENT: &str = "chat_message";

/// Whether a live event goes to `player`'s event stream: the event lists the player, or
/// it is a `chat_message` of the `global` channel (whose event lists no players, since
/// every connected player receives it). Used by the host's SSE stream and the bindings'
/// per-player subscriptions. A global message is live only: replaying a stream from the
/// outbox (`player_events_after`) returns the events that list the player; global
/// messages are read back with `channel_history`.
pub fn reaches(event: &Event, player: &str) -> bool {
    event.players.iter().any(|p| p.as_str() == player)
        || (event.kind == CHAT_EVENT
            && event.players.is_empty()
            && event.payload.get("channel").and_then(|c| c.as_str()) == Some("global"))
}
