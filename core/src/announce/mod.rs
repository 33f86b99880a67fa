//! Announcements: templates with `{name}` placeholders, trigger rules with audience,
//! kind, active window, frequency cap and priority, and firing an event for a player
//! (SPEC.md Announcements; seed 003 "消息模块"). Decisions live in [`rules`].

pub mod rules;

use crate::types::PlayerId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A message template: `body` with `{name}` placeholders; `{{` and `}}` are literal braces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Id, 1-128 bytes.
    pub id: String,
    /// Text with placeholders, up to 4000 bytes.
    pub body: String,
}

/// Where a message is shown (SPEC.md audience).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AudienceKind {
    /// Players in a lobby (the target lobby, or any).
    Lobby,
    /// Players on a server.
    Server,
    /// Players in a room.
    Room,
    /// Members of a party.
    Party,
    /// One player (the target), or every player when no target.
    Player,
}

/// How a message is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A scrolling banner.
    Marquee,
    /// An announcement panel.
    Announcement,
    /// Delivered into the player's mailbox.
    Mail,
    /// A chat line.
    Chat,
    /// An in-game notice.
    InGame,
}

/// How often one trigger may reach one player.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "every", content = "times")]
pub enum FrequencyCap {
    /// Once ever.
    Once,
    /// `n` times per calendar day of the reset time zone.
    PerDay(u32),
    /// `n` times per calendar week (from Monday) of the reset time zone.
    PerWeek(u32),
    /// `n` times per calendar month of the reset time zone.
    PerMonth(u32),
    /// No cap.
    Unlimited,
}

/// A trigger rule: when `event` fires for a player inside `audience`, show `template`
/// rendered with `variables`, within the window and the cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// Id, 1-128 bytes.
    pub id: String,
    /// Event name: `login`, `register`, `password_changed`, `name_changed`, `online`, or custom.
    pub event: String,
    /// Template id.
    pub template_id: String,
    /// Values for the template's placeholders (JSON object; must cover every placeholder).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub variables: serde_json::Map<String, serde_json::Value>,
    /// Audience kind.
    pub audience: AudienceKind,
    /// Audience target id (lobby, server, room, party or player id); none: any.
    #[serde(default)]
    pub target: Option<String>,
    /// Delivery kind.
    pub kind: MessageKind,
    /// Not shown before this instant.
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    /// Not shown from this instant.
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    /// Frequency cap per player.
    pub cap: FrequencyCap,
    /// Higher first.
    #[serde(default)]
    pub priority: i32,
    /// A cancelled trigger never fires.
    #[serde(default)]
    pub cancelled: bool,
    /// For a scheduled announcement: the instant it goes out once to its audience.
    #[serde(default)]
    pub send_at: Option<DateTime<Utc>>,
    /// When it was sent (scheduled ones), set by the service.
    #[serde(default)]
    pub sent_at: Option<DateTime<Utc>>,
    /// Creation time (set by the service); ties of priority go to the older trigger.
    #[serde(default = "epoch")]
    pub created_at: DateTime<Utc>,
}

fn epoch() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH
}

/// Where a player is when an event fires (from presence, or given by the caller).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Location {
    /// Lobby id.
    pub lobby: Option<String>,
    /// Server id.
    pub server: Option<String>,
    /// Room id: the room the player is in (SPEC.md Rooms and the lobby), filled from the
    /// room membership by presence; a login's or heartbeat's own value is not taken.
    pub room: Option<String>,
    /// Party id.
    pub party: Option<String>,
}

/// Fire an event for a player. Errors: `INVALID_ARGUMENT` (event name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FireRequest {
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Event name.
    pub event: String,
    /// Where the player is; none: taken from presence.
    #[serde(default)]
    pub location: Option<Location>,
    /// Values overriding the triggers' variables (e.g. the player's display name).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub variables: serde_json::Map<String, serde_json::Value>,
}

/// One rendered message to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Message {
    /// The trigger.
    pub trigger_id: String,
    /// Delivery kind.
    pub kind: MessageKind,
    /// Audience kind.
    pub audience: AudienceKind,
    /// Audience target.
    pub target: Option<String>,
    /// Priority.
    pub priority: i32,
    /// Rendered text.
    pub text: String,
    /// For kind `mail`: the mail delivered.
    pub mail_id: Option<String>,
}
