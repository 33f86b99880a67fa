//! Groups: guilds and clans with roles and a bank (SPEC.md Groups). Decisions live in [`rules`].

pub mod rules;

use crate::error::Result;
use serde::{Deserialize, Serialize};

/// Group limits and kinds (SPEC.md Groups), configured under `[groups]`; missing keys keep their defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct GroupsConfig {}

impl GroupsConfig {
    /// Checks the values. Errors: `INVALID_ARGUMENT` naming the key (`groups.<key>`).
    pub fn check(&self) -> Result<()> {
        Ok(())
    }
}
