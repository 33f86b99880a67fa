//! Friends and blocks (SPEC.md Friends). Decisions live in [`rules`].

pub mod rules;

use crate::docs::Document;
use crate::error::Result;
use crate::types::PlayerId;
use serde::{Deserialize, Serialize};

/// Friend limits (SPEC.md Friends), configured under `[friends]`; missing keys keep their defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FriendsConfig {}

impl FriendsConfig {
    /// Checks the values. Errors: `INVALID_ARGUMENT` naming the key (`friends.<key>`).
    pub fn check(&self) -> Result<()> {
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
