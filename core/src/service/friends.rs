//! Friend and block services (SPEC.md Friends).

use super::Guildhall;
use crate::error::Result;
use crate::friends::BlockList;
use crate::types::PlayerId;

impl Guildhall {
    /// True when `a` has blocked `b` or `b` has blocked `a` (SPEC.md Friends: a block
    /// stops requests, invites, direct chat and player mail between the two).
    #[allow(dead_code)] // until the first path that refuses a blocked player uses it
    pub(crate) async fn blocked_between(&self, a: &PlayerId, b: &PlayerId) -> Result<bool> {
        for (blocker, other) in [(a, b), (b, a)] {
            if let Some(list) = self.load::<BlockList>(blocker.as_str()).await? {
                if list.value.blocked.contains(other) {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }
}
