//! Chat services (SPEC.md Chat): who may post where (party members from the party
//! module, group members from the groups module, the players in the room by the rooms
//! module's membership, the two players of a direct channel unless one blocked the other, anyone on
//! `global`), the admin mute, the per-player rate limit through the Coordinator, and the
//! history. A posted message and its `chat_message` event commit together; a refused
//! message is stored nowhere and sends nothing.

use super::Guildhall;
use crate::chat::rules::{self, Audience};
use crate::chat::{Channel, ChatMessage, ChatMute, ChatPage, MuteRequest, PostMessageRequest};
use crate::ctx::Ctx;
use crate::docs::Versioned;
use crate::error::{Error, ErrorCode, Result};
use crate::party::Party;
use crate::ports::ChangeSet;
use crate::types::PlayerId;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};

impl Guildhall {
    /// Who a channel reaches and who may use it: every player for `global`; the members
    /// of the party or group (none when it does not exist); the players in the room
    /// (none when it does not exist); the two players of a direct channel.
    pub(crate) async fn chat_audience(&self, channel: &Channel) -> Result<Audience> {
        Ok(match channel {
            Channel::Global => Audience::Everyone,
            Channel::Party(id) => Audience::Members(
                self.load::<Party>(id)
                    .await?
                    .map(|p| p.value.players())
                    .unwrap_or_default(),
            ),
            Channel::Group(id) => {
                Audience::Members(self.group_member_ids(id).await?.unwrap_or_default())
            }
            Channel::Room(id) => Audience::Members(match self.room(id).await {
                Ok(room) => room.player_ids(),
                Err(e) if e.code == ErrorCode::NotFound || e.code == ErrorCode::InvalidArgument => {
                    Vec::new()
                }
                Err(e) => return Err(e),
            }),
            Channel::Direct(a, b) => Audience::Members(vec![a.clone(), b.clone()]),
        })
    }

    /// Posts a message to a channel (SPEC.md Chat). The body is masked (`chat.masked_words`),
    /// the message stored in the channel's history and a `chat_message` event (the
    /// message as payload) written in the same commit to the channel's members (for
    /// `global` the event lists no players and reaches every stream; see
    /// [`crate::chat::reaches`]). Counts against the sender's rate limit
    /// (`chat.rate_limit` per `chat.rate_window_secs`, shared by every host through the
    /// Coordinator) only when every other rule passed.
    /// Errors: `INVALID_ARGUMENT`, `NOT_CHANNEL_MEMBER`, `BLOCKED` (direct channel),
    /// `MUTED` (`details.until`), `RATE_LIMITED` (`details.retry_after_seconds`),
    /// `IDEMPOTENCY_CONFLICT`.
    pub async fn post_message(&self, req: PostMessageRequest) -> Result<ChatMessage> {
        let channel = rules::check_post(&req)?;
        let (req, channel) = (&req, &channel);
        let counted = AtomicBool::new(false);
        let counted = &counted;
        // A post writes none of the sender's state (only a new message row and its
        // event), so posts of one sender need not wait for each other: without an
        // idempotency key they run side by side and share a group commit. With a key,
        // the sender's stripe keeps a retried call from racing its own first attempt
        // (the stored key would refuse the second commit anyway).
        let player = &req.player;
        let sender: &[&PlayerId] = match req.idempotency_key {
            Some(_) => std::slice::from_ref(&player),
            None => &[],
        };
        self.execute(
            "post_message",
            sender,
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let audience = self.chat_audience(channel).await?;
                    let blocked = match channel {
                        Channel::Direct(a, b) => self.blocked_between(a, b).await?,
                        _ => false,
                    };
                    let mute = self.load::<ChatMute>(req.player.as_str()).await?;
                    let done = rules::post(
                        &self.config.chat,
                        &ctx,
                        req,
                        &audience,
                        blocked,
                        mute.as_ref().map(|m| &m.value),
                    )?;
                    // One hit per call, not per retry after a CONFLICT.
                    if !counted.swap(true, Ordering::SeqCst) {
                        self.chat_rate_hit(&req.player).await?;
                    }
                    Ok(done)
                })
            },
        )
        .await
    }

    /// Counts one message of `player` against the chat rate limit. Errors:
    /// `RATE_LIMITED` with `details.retry_after_seconds`, `UNAVAILABLE`.
    async fn chat_rate_hit(&self, player: &PlayerId) -> Result<()> {
        let c = &self.config.chat;
        let d = self
            .coordinator
            .rate_hit(&format!("chat:{player}"), c.rate_limit, c.rate_window_secs)
            .await?;
        if d.allowed {
            return Ok(());
        }
        let secs = d.retry_after_secs.max(1);
        Err(Error::new(
            ErrorCode::RateLimited,
            format!(
                "{player} posted {} messages in {} s; retry in {secs} s",
                c.rate_limit, c.rate_window_secs
            ),
        )
        .with_details(json!({ "player": player, "retry_after_seconds": secs })))
    }

    /// A page of a channel's history, newest first. `player`: the reader, who must be
    /// allowed to post there (membership as [`Guildhall::post_message`] checks it; a
    /// block does not hide a direct channel's history); `None`: an operator, who reads
    /// any channel. `before`: a previous page's `next_cursor`; `limit` 1 to 200 (default 50).
    /// Messages older than `chat.retention_secs` are pruned by [`Guildhall::prune`].
    /// Errors: `INVALID_ARGUMENT`, `NOT_CHANNEL_MEMBER`.
    pub async fn channel_history(
        &self,
        player: Option<&PlayerId>,
        channel: &str,
        before: Option<&str>,
        limit: Option<u32>,
    ) -> Result<ChatPage> {
        let channel = rules::parse_channel(channel)?;
        let before = before.map(rules::parse_cursor).transpose()?;
        let limit = rules::page_limit(limit)?;
        if let Some(p) = player {
            let audience = self.chat_audience(&channel).await?;
            rules::check_member(&channel, p, &audience, false)?;
        }
        let name = channel.name();
        let mut messages = self
            .store
            .chat_history(&name, before.map(|c| (c.sent_at_micros, c.id)), limit + 1)
            .await?;
        let next_cursor = if messages.len() > limit as usize {
            messages.truncate(limit as usize);
            messages.last().map(rules::cursor_of)
        } else {
            None
        };
        Ok(ChatPage {
            channel: name,
            messages,
            next_cursor,
        })
    }

    /// An operator mutes a player on every channel until `until` (stored as the
    /// `chat_mute` document; replaces an earlier mute). Posting meanwhile gives `MUTED`.
    /// Errors: `INVALID_ARGUMENT` (`until` not after now, reason over 500 bytes).
    pub async fn mute_player(&self, req: MuteRequest) -> Result<ChatMute> {
        let req = &req;
        self.retrying("mute_player", |ctx: Ctx| {
            Box::pin(async move {
                let m = rules::mute(&req.player, req.until, &req.reason, ctx.now)?;
                let mut doc = self
                    .load::<ChatMute>(req.player.as_str())
                    .await?
                    .unwrap_or_else(|| Versioned::new(req.player.as_str(), m.clone()));
                doc.value = m.clone();
                let mut cs = ChangeSet::default();
                cs.docs.push(doc.put());
                Ok((cs, m))
            })
        })
        .await
    }

    /// An operator lifts a player's mute. Returns whether one was stored (an expired one
    /// counts).
    pub async fn unmute_player(&self, player: &PlayerId) -> Result<bool> {
        self.retrying("unmute_player", |_ctx: Ctx| {
            Box::pin(async move {
                let mut cs = ChangeSet::default();
                let found = match self.load::<ChatMute>(player.as_str()).await? {
                    Some(doc) => {
                        cs.docs.push(doc.delete());
                        true
                    }
                    None => false,
                };
                Ok((cs, found))
            })
        })
        .await
    }
}
