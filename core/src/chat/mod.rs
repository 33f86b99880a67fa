//! Chat: channels, history, limits and masking (SPEC.md Chat). Decisions live in [`rules`].

pub mod rules;

use crate::error::Result;
use serde::{Deserialize, Serialize};

/// Chat limits, retention and the masked-word list (SPEC.md Chat), configured under `[chat]`; missing keys keep their defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ChatConfig {}

impl ChatConfig {
    /// Checks the values. Errors: `INVALID_ARGUMENT` naming the key (`chat.<key>`).
    pub fn check(&self) -> Result<()> {
        Ok(())
    }
}
