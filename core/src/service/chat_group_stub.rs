//! Group membership as chat needs it, until the groups module provides it.

use super::Guildhall;
use crate::error::Result;
use crate::types::PlayerId;

impl Guildhall {
    /// The members of group `group_id`, `None` when there is no such group.
    pub(crate) async fn group_member_ids(&self, group_id: &str) -> Result<Option<Vec<PlayerId>>> {
        let _ = group_id;
        Ok(None)
    }
}
