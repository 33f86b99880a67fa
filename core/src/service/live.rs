//! Live topic membership (SPEC.md "Live transport"): whether a player may subscribe to
//! a topic ([`crate::live::Topic`]) of the host's WebSocket or a binding's subscription.

use super::Guildhall;
use crate::chat::rules::check_member;
use crate::error::{Error, ErrorCode, Result};
use crate::live::Topic;
use crate::party::Party;
use crate::types::PlayerId;
use serde_json::json;

impl Guildhall {
    /// Checks that `player` may subscribe to `topic`: `player:<id>` only its own id;
    /// `party:<id>` a member of the party (its stored document); `group:<id>` a member of
    /// the group; `room:<id>` a player whose live session's `Location.room` is the room;
    /// `chat:<channel>` who may read the channel (the chat module's rule; a block does
    /// not hide a direct channel); `global` everyone. Reads only; changes nothing.
    /// Errors: `FORBIDDEN` (another player's topic, a room the player is not in),
    /// `NOT_IN_PARTY`, `NOT_GROUP_MEMBER`, `NOT_CHANNEL_MEMBER`.
    pub async fn check_topic(&self, player: &PlayerId, topic: &Topic) -> Result<()> {
        let refuse = |code: ErrorCode, message: String| {
            Err(Error::new(code, message)
                .with_details(json!({ "player": player, "topic": topic.name() })))
        };
        match topic {
            Topic::Global => Ok(()),
            Topic::Player(p) if p == player => Ok(()),
            Topic::Player(p) => refuse(
                ErrorCode::Forbidden,
                format!("{player} may not subscribe to {p}'s events"),
            ),
            Topic::Party(id) => {
                let member = self
                    .load::<Party>(id)
                    .await?
                    .is_some_and(|p| p.value.players().contains(player));
                if member {
                    Ok(())
                } else {
                    refuse(
                        ErrorCode::NotInParty,
                        format!("{player} is not in party {id}"),
                    )
                }
            }
            Topic::Group(id) => {
                let member = self
                    .group_member_ids(id)
                    .await?
                    .is_some_and(|m| m.contains(player));
                if member {
                    Ok(())
                } else {
                    refuse(
                        ErrorCode::NotGroupMember,
                        format!("{player} is not a member of group {id}"),
                    )
                }
            }
            Topic::Room(id) => {
                let here = self
                    .coordinator
                    .session(player, self.clock.now())
                    .await?
                    .is_some_and(|s| s.location.room.as_deref() == Some(id.as_str()));
                if here {
                    Ok(())
                } else {
                    refuse(
                        ErrorCode::Forbidden,
                        format!("{player} is not in room {id}"),
                    )
                }
            }
            Topic::Chat(channel) => {
                let audience = self.chat_audience(channel).await?;
                check_member(channel, player, &audience, false)
            }
        }
    }
}
