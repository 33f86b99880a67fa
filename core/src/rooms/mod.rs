//! Rooms and the lobby (SPEC.md Rooms and the lobby; seed 003's 房间 and Lobby).
//! Decisions live in [`rules`]; orchestration in `core/src/service/rooms.rs`.
//!
//! State, all versioned documents (no table of its own), written in one change set per
//! call:
//! - one [`Room`] per live room (kind `room`, id = room id): type, capacity, owner,
//!   metadata, game-server address, its members in entry order, the time it became
//!   empty and the sequence number of its log. Every enter, leave and destroy writes it
//!   under the version read, so a concurrent fill never passes the capacity.
//! - one [`RoomOf`] per player in a room (kind `room_of`, id = player id): the room the
//!   player is in. A player is in at most one room; entering another moves this
//!   document and leaves the first room in the same commit. Presence's
//!   `Location.room` is read from it (never from what a caller claims).
//! - a marker per empty room (kind `room_idle`, id = room id), deleted when a player
//!   enters: what the idle sweep walks.
//! - one [`RoomLogEntry`] per operation on a room (kind `room_log`, id [`log_id`]):
//!   created, entered, left, destroyed, with player and time; kept after the room is
//!   destroyed, read by operators in pages.

pub mod rules;

use crate::docs::Document;
use crate::error::{Error, Result};
use crate::types::PlayerId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Room limits, the idle time and the lobby push (`[rooms]`); missing keys keep their
/// defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RoomsConfig {
    /// Largest capacity a room may have (default 100).
    pub max_capacity: u32,
    /// Seconds a room stays without players before it is destroyed (default 300).
    pub idle_destroy_secs: i64,
    /// Largest size of a room's metadata, as compact JSON bytes (default 4096).
    pub max_metadata_bytes: usize,
    /// Seconds between two pushes of the lobby view to the lobby players (default 10;
    /// 0: no periodic push, only on request).
    pub lobby_push_secs: u64,
    /// Rooms and online players the lobby view lists at most, each (default 500); the
    /// view's counts are exact.
    pub lobby_limit: u32,
    /// Game-server address shown for a room that names none (default: none).
    pub server: Option<String>,
}

impl Default for RoomsConfig {
    fn default() -> Self {
        Self {
            max_capacity: 100,
            idle_destroy_secs: 300,
            max_metadata_bytes: 4096,
            lobby_push_secs: 10,
            lobby_limit: 500,
            server: None,
        }
    }
}

impl RoomsConfig {
    /// Checks the values: `max_capacity` 1 to 100 000, `idle_destroy_secs` 0 to 31 536 000,
    /// `max_metadata_bytes` 2 to 1 048 576, `lobby_push_secs` 0 to 86 400, `lobby_limit`
    /// 1 to 100 000, `server` 1 to 255 bytes. Errors: `INVALID_ARGUMENT` naming the key
    /// (`rooms.<key>`).
    pub fn check(&self) -> Result<()> {
        for (key, ok, why) in [
            (
                "rooms.max_capacity",
                (1..=100_000).contains(&self.max_capacity),
                "1 to 100000",
            ),
            (
                "rooms.idle_destroy_secs",
                (0..=31_536_000).contains(&self.idle_destroy_secs),
                "0 to 31536000",
            ),
            (
                "rooms.max_metadata_bytes",
                (2..=1_048_576).contains(&self.max_metadata_bytes),
                "2 to 1048576",
            ),
            (
                "rooms.lobby_push_secs",
                self.lobby_push_secs <= 86_400,
                "0 to 86400",
            ),
            (
                "rooms.lobby_limit",
                (1..=100_000).contains(&self.lobby_limit),
                "1 to 100000",
            ),
            (
                "rooms.server",
                self.server.as_deref().is_none_or(|s| {
                    !s.is_empty() && s.len() <= 255 && !s.contains(char::is_control)
                }),
                "1 to 255 bytes without control characters",
            ),
        ] {
            if !ok {
                return Err(Error::invalid(key, format!("{key} must be {why}")));
            }
        }
        Ok(())
    }
}

/// A player in a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoomMember {
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// When they entered, UTC.
    pub entered_at: DateTime<Utc>,
}

/// A live room (SPEC.md Rooms and the lobby).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Room {
    /// Id (drawn by guildhall at creation).
    pub id: String,
    /// The room's type (game mode, map...), 1 to 64 bytes.
    pub room_type: String,
    /// Players it holds at most (1 to `rooms.max_capacity`); entering a full room is
    /// `ROOM_FULL`.
    pub capacity: u32,
    /// The player who created it; `None`: created by the system (a server key or an
    /// embedding program).
    #[schema(value_type = Option<String>)]
    pub owner: Option<PlayerId>,
    /// Free-form JSON object (at most `rooms.max_metadata_bytes` as compact JSON).
    #[schema(value_type = Object)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// The game-server address players connect to (the lobby view shows
    /// `rooms.server` when this is `None`).
    #[serde(default)]
    pub server: Option<String>,
    /// Its players, in entry order.
    pub players: Vec<RoomMember>,
    /// Created, UTC.
    pub created_at: DateTime<Utc>,
    /// Since when it has had no players (`None` while someone is in it); it is destroyed
    /// `rooms.idle_destroy_secs` after this.
    #[serde(default)]
    pub empty_since: Option<DateTime<Utc>>,
    /// The number of its log entries (the last entry's `seq`).
    pub log_seq: u64,
    /// The version of its document as read (moves with every change).
    #[serde(default)]
    pub version: i64,
}

impl Document for Room {
    const KIND: &'static str = "room";
}

impl Room {
    /// Its players' ids, in entry order.
    pub fn player_ids(&self) -> Vec<PlayerId> {
        self.players.iter().map(|m| m.player.clone()).collect()
    }

    /// Whether `player` is in it.
    pub fn has(&self, player: &PlayerId) -> bool {
        self.players.iter().any(|m| &m.player == player)
    }

    /// When an empty room is to be destroyed (`None` while someone is in it).
    pub fn destroy_at(&self, cfg: &RoomsConfig) -> Option<DateTime<Utc>> {
        self.empty_since
            .map(|t| t + chrono::Duration::seconds(cfg.idle_destroy_secs))
    }

    /// Whether it is past its idle time at `now` (readers then treat it as gone; the
    /// sweep destroys it).
    pub fn idle_expired(&self, cfg: &RoomsConfig, now: DateTime<Utc>) -> bool {
        self.destroy_at(cfg).is_some_and(|at| at <= now)
    }
}

/// The room a player is in (kind `room_of`, id = player id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomOf {
    /// The room.
    pub room_id: String,
    /// When the player entered it, UTC.
    pub entered_at: DateTime<Utc>,
}

impl Document for RoomOf {
    const KIND: &'static str = "room_of";
}

/// The marker of an empty room (kind `room_idle`, id = room id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdleRoom {}

impl Document for IdleRoom {
    const KIND: &'static str = "room_idle";
}

/// One operation on a room (kind `room_log`, id [`log_id`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoomLogEntry {
    /// The room.
    pub room_id: String,
    /// 1, 2, ... in the order of the room's operations.
    pub seq: u64,
    /// When, UTC.
    pub at: DateTime<Utc>,
    /// `created`, `entered`, `left` or `destroyed`.
    pub action: String,
    /// The player who was created for, entered or left (`None` for the system).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub player: Option<PlayerId>,
    /// Why: for `left`, `left` (the player left) or `entered_other` (the player entered
    /// another room); for `destroyed`, `idle` or `operator`.
    #[serde(default)]
    pub reason: Option<String>,
}

impl Document for RoomLogEntry {
    const KIND: &'static str = "room_log";
}

/// The id of a room's log entry: the room id, U+0001, the sequence number on 20 digits.
pub fn log_id(room_id: &str, seq: u64) -> String {
    format!("{room_id}\u{1}{seq:020}")
}

/// Request of [`crate::Guildhall::create_room`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRoomRequest {
    /// The creating player, who owns the room and enters it in the same commit (leaving
    /// any room they were in); `None`: the system creates an empty room.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub player: Option<PlayerId>,
    /// The room's type, 1 to 64 bytes without control characters.
    pub room_type: String,
    /// Players it holds at most, 1 to `rooms.max_capacity`.
    pub capacity: u32,
    /// A JSON object, at most `rooms.max_metadata_bytes` as compact JSON (default `{}`).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// The game-server address players of this room connect to, 1 to 255 bytes.
    #[serde(default)]
    pub server: Option<String>,
    /// Idempotency key, 1-255 bytes: the same key and request again returns the stored
    /// result marked `replayed`; a different request under it is `IDEMPOTENCY_CONFLICT`.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Request of [`crate::Guildhall::enter_room`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnterRoomRequest {
    /// The player entering.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The room.
    pub room_id: String,
    /// Idempotency key, 1-255 bytes.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Request of [`crate::Guildhall::leave_room`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaveRoomRequest {
    /// The player leaving.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The room the caller means; when given and the player is not in it: `NOT_FOUND`.
    /// `None`: whatever room the player is in.
    #[serde(default)]
    pub room_id: Option<String>,
    /// Idempotency key, 1-255 bytes.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Request of [`crate::Guildhall::destroy_room`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DestroyRoomRequest {
    /// The room.
    pub room_id: String,
    /// Idempotency key, 1-255 bytes.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// What a room call did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoomResult {
    /// The room after the call (for a destroy or a leave that emptied nothing: the room
    /// as it was last written; a destroyed room lists the players it had).
    pub room: Room,
    /// The room the player left in the same commit (entering or creating while in
    /// another room, or leaving), if any.
    #[serde(default)]
    pub left_room: Option<String>,
    /// True when this is the stored result of an earlier call with the same key.
    pub replayed: bool,
}

/// A page of a room's log, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoomLogPage {
    /// The room.
    pub room_id: String,
    /// Its entries after the cursor, oldest first.
    pub entries: Vec<RoomLogEntry>,
    /// Pass as `after` for the next page; `None` at the end (so far).
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// A room as the lobby lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LobbyRoom {
    /// Room id.
    pub id: String,
    /// The room's type.
    pub room_type: String,
    /// Players in it now.
    pub players: u32,
    /// Players it holds at most.
    pub capacity: u32,
    /// The game-server address (the room's, else `rooms.server`).
    #[serde(default)]
    pub server: Option<String>,
    /// Its owner (`None`: the system).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub owner: Option<PlayerId>,
}

/// An online player as the lobby lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LobbyPlayer {
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The room they are in (`None`: in the lobby).
    #[serde(default)]
    pub room: Option<String>,
}

/// The lobby view (SPEC.md Rooms and the lobby; seed 003's server_ip and room_players):
/// the live rooms with their type, player count, capacity and game-server address, and
/// the online players.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LobbyView {
    /// When it was read, UTC.
    pub at: DateTime<Utc>,
    /// Live rooms, by id, at most `rooms.lobby_limit`.
    pub rooms: Vec<LobbyRoom>,
    /// Online players, by id, at most `rooms.lobby_limit`.
    pub players: Vec<LobbyPlayer>,
    /// Online players in all.
    pub online_count: u32,
}

/// Request of [`crate::Guildhall::push_lobby`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushLobbyRequest {
    /// Push to this player only (a player asking for the view); `None`: to every lobby
    /// player (online, with a `lobby` in their location, in no room).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub player: Option<PlayerId>,
    /// Push nothing when the view and its recipients are those of this fingerprint (a
    /// previous push's), so a periodic push writes an event only when something changed.
    #[serde(default)]
    pub unless_fingerprint: Option<String>,
}

/// What a push of the lobby view did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LobbyPushResult {
    /// Players the `lobby_view` event went to (0: nobody to push to, or unchanged since
    /// `unless_fingerprint`: nothing written).
    pub recipients: u32,
    /// SHA-256 (hex) of the view (without its time) and the recipients.
    pub fingerprint: String,
}
