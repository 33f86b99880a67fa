//! Parties (SPEC.md Parties; seed 004 "group of 5"): a leader, members, invites with
//! expiry, open parties, succession. Decisions live in [`rules`].

pub mod rules;

use crate::docs::Document;
use crate::types::PlayerId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Party limits (configurable under `[party]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PartyConfig {
    /// Members at most (default 5).
    pub max_size: usize,
    /// Seconds an invite stays valid (default 60).
    pub invite_ttl_secs: i64,
}

impl Default for PartyConfig {
    fn default() -> Self {
        Self {
            max_size: 5,
            invite_ttl_secs: 60,
        }
    }
}

/// One member and when they joined (succession goes to the longest-standing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PartyMember {
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Join time, UTC.
    pub joined_at: DateTime<Utc>,
}

/// A pending invite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Invite {
    /// Invitee.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The leader who invited.
    #[schema(value_type = String)]
    pub invited_by: PlayerId,
    /// After this instant accepting gives `INVITE_EXPIRED`.
    pub expires_at: DateTime<Utc>,
}

/// A party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Party {
    /// Id.
    pub id: String,
    /// The leader (always a member).
    #[schema(value_type = String)]
    pub leader: PlayerId,
    /// Members in join order.
    pub members: Vec<PartyMember>,
    /// Open parties can be joined without an invite.
    pub open: bool,
    /// Pending invites.
    pub invites: Vec<Invite>,
    /// Creation time, UTC.
    pub created_at: DateTime<Utc>,
}

impl Party {
    /// True when `p` is a member.
    pub fn has(&self, p: &PlayerId) -> bool {
        self.members.iter().any(|m| &m.player == p)
    }
    /// Member ids in join order.
    pub fn players(&self) -> Vec<PlayerId> {
        self.members.iter().map(|m| m.player.clone()).collect()
    }
}

impl Document for Party {
    const KIND: &'static str = "party";
}

/// Which party a player is in (one per player; document id = player id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The party id.
    pub party_id: String,
}

impl Document for Membership {
    const KIND: &'static str = "party_of";
}
