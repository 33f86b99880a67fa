//! Friends and blocks (SPEC.md Friends). Decisions live in [`rules`].
//!
//! State: one [`FriendsDoc`] per player (kind `friends`, id = the player) holding its
//! friends and its pending requests both ways, and one [`BlockList`] per blocker (kind
//! `blocks`). Every change to a pair writes both players' `friends` documents in one
//! change set, each guarded by the version read, so of two crossing calls on one pair
//! one commits and the other retries on what the first left (two players asking each
//! other at once end as one friendship). A block writes both `friends` documents too,
//! even when nothing between the two changes there, so a request or an accept racing a
//! block is serialized with it.

pub mod rules;

use crate::announce::Location;
use crate::docs::Document;
use crate::error::{Error, Result};
use crate::types::PlayerId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Friend limits (SPEC.md Friends), configured under `[friends]`; missing keys keep their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FriendsConfig {
    /// Friends per player at most (default 500); past it `LIMIT_REACHED`.
    pub max_friends: usize,
    /// Pending requests per player at most (default 100), counted per direction: a
    /// player may have this many outgoing requests and this many incoming ones, so a
    /// flood of requests to a player never stops it from asking others, and its own
    /// asking never stops others from reaching it. Past it `LIMIT_REACHED`.
    pub max_pending: usize,
    /// Players one player may block at most (default 1000); past it `LIMIT_REACHED`.
    pub max_blocked: usize,
}

impl Default for FriendsConfig {
    fn default() -> Self {
        Self {
            max_friends: 500,
            max_pending: 100,
            max_blocked: 1000,
        }
    }
}

impl FriendsConfig {
    /// Checks the values (each at least 1 and at most 100 000). Errors:
    /// `INVALID_ARGUMENT` naming the key (`friends.<key>`).
    pub fn check(&self) -> Result<()> {
        for (key, v) in [
            ("friends.max_friends", self.max_friends),
            ("friends.max_pending", self.max_pending),
            ("friends.max_blocked", self.max_blocked),
        ] {
            if !(1..=100_000).contains(&v) {
                return Err(Error::invalid(
                    key,
                    format!("{key} must be between 1 and 100000, not {v}"),
                ));
            }
        }
        Ok(())
    }
}

/// The players one player has blocked (SPEC.md Friends: a block stops the blocked
/// player's friend requests, party and group invites, direct chat and player mail to
/// the blocker). Document id = the blocker's player id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockList {
    /// Blocked players, in the order they were blocked.
    pub blocked: Vec<PlayerId>,
}

impl Document for BlockList {
    const KIND: &'static str = "blocks";
}

/// A friend as stored: who, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendEntry {
    /// The friend.
    pub player: PlayerId,
    /// When the friendship began (the accept), UTC.
    pub since: DateTime<Utc>,
}

/// A pending request as stored on one side: the other player, and when it was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PendingRequest {
    /// The other player: the sender of an incoming request, the addressee of an
    /// outgoing one.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// When the request was sent, UTC.
    pub sent_at: DateTime<Utc>,
}

/// One player's friends and pending requests (document kind `friends`, id = the
/// player). Kept symmetric: B is in A's `friends` exactly when A is in B's, and B is
/// in A's `outgoing` exactly when A is in B's `incoming`; a pair is at most one of
/// friends, or requested one way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendsDoc {
    /// Friends, in the order they were added.
    #[serde(default)]
    pub friends: Vec<FriendEntry>,
    /// Requests other players sent to this one, oldest first.
    #[serde(default)]
    pub incoming: Vec<PendingRequest>,
    /// Requests this player sent, oldest first.
    #[serde(default)]
    pub outgoing: Vec<PendingRequest>,
}

impl Document for FriendsDoc {
    const KIND: &'static str = "friends";
}

impl FriendsDoc {
    /// True when `p` is a friend.
    pub fn is_friend(&self, p: &PlayerId) -> bool {
        self.friends.iter().any(|f| &f.player == p)
    }
    /// True when `p` sent this player a request still pending.
    pub fn has_incoming(&self, p: &PlayerId) -> bool {
        self.incoming.iter().any(|r| &r.player == p)
    }
    /// True when this player sent `p` a request still pending.
    pub fn has_outgoing(&self, p: &PlayerId) -> bool {
        self.outgoing.iter().any(|r| &r.player == p)
    }
}

/// Send a friend request (SPEC.md Friends). A request to a player who already asked
/// `from` accepts theirs instead (the result says `friends: true`); asking again while
/// a request is pending changes nothing. Errors: `INVALID_ARGUMENT` (a request to
/// oneself, a bad id or key), `BLOCKED` (either blocked the other), `ALREADY_FRIENDS`,
/// `LIMIT_REACHED` (`from` has `max_friends` friends or `max_pending` outgoing
/// requests, `to` has `max_pending` incoming requests; on the accepting path either
/// has `max_friends`), `IDEMPOTENCY_CONFLICT`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendFriendRequest {
    /// The player asking.
    #[schema(value_type = String)]
    pub from: PlayerId,
    /// The player asked.
    #[schema(value_type = String)]
    pub to: PlayerId,
    /// Idempotency key (1-255 bytes), scoped to the caller (the API key, or the player
    /// of a token).
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// An action of `player` on its relation with `other`: accept `other`'s request,
/// decline it (or cancel `player`'s own request to `other`), or remove `other` as a
/// friend. Errors: `INVALID_ARGUMENT` (`other` is `player`, bad ids or key),
/// `NOT_FOUND` (no such request or friendship), `LIMIT_REACHED` (accept: either has
/// `max_friends` friends), `IDEMPOTENCY_CONFLICT`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FriendActionRequest {
    /// The player acting.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The other player of the request or friendship.
    #[schema(value_type = String)]
    pub other: PlayerId,
    /// Idempotency key (1-255 bytes), scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Block or unblock a player. A block removes any friendship and pending request
/// between the two in the same commit; blocking a player already blocked, or
/// unblocking one not blocked, changes nothing (`changed: false`). Errors:
/// `INVALID_ARGUMENT` (oneself, bad ids or key), `LIMIT_REACHED` (`max_blocked`),
/// `IDEMPOTENCY_CONFLICT`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockRequest {
    /// The player blocking (or unblocking).
    #[schema(value_type = String)]
    pub blocker: PlayerId,
    /// The player blocked (or unblocked).
    #[schema(value_type = String)]
    pub blocked: PlayerId,
    /// Idempotency key (1-255 bytes), scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Where a pair stands after a friend call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FriendshipResult {
    /// The player who acted (`from` of a request).
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The other player.
    #[schema(value_type = String)]
    pub other: PlayerId,
    /// True when the two are friends after the call (a request that accepted the
    /// other's, an accept).
    pub friends: bool,
    /// When the friendship began, UTC (when `friends`).
    pub since: Option<DateTime<Utc>>,
    /// True when `player` has a request to `other` pending after the call.
    pub requested: bool,
    /// False when the call found the pair already as asked and changed nothing (a
    /// repeated request).
    pub changed: bool,
    /// True when this is the stored result of an earlier call with the same
    /// idempotency key.
    pub replayed: bool,
}

/// The outcome of a block or unblock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BlockResult {
    /// The blocker.
    #[schema(value_type = String)]
    pub blocker: PlayerId,
    /// The player blocked or unblocked.
    #[schema(value_type = String)]
    pub blocked: PlayerId,
    /// False when the block (or its absence) was already so.
    pub changed: bool,
    /// True when a friendship between the two ended with this block.
    pub unfriended: bool,
    /// True when this is the stored result of an earlier call with the same
    /// idempotency key.
    pub replayed: bool,
}

/// A friend as listed, with presence from the friend's live session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Friend {
    /// The friend.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// When the friendship began, UTC.
    pub since: DateTime<Utc>,
    /// True when the friend has a live session.
    pub online: bool,
    /// Where the friend is (lobby, server, room, party) when online.
    pub location: Option<Location>,
}

/// A player's pending requests both ways, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FriendRequests {
    /// Requests other players sent to this one.
    pub incoming: Vec<PendingRequest>,
    /// Requests this player sent.
    pub outgoing: Vec<PendingRequest>,
}
