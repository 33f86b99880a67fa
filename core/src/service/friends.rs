//! Friend and block services (SPEC.md Friends). Every change reads both players'
//! `friends` documents and commits the guarded writes of both (rules in
//! `core/src/friends/rules.rs`), so crossing calls on one pair serialize through
//! `CONFLICT` retries: two players asking each other at once end as one friendship.

use super::Guildhall;
use crate::ctx::Ctx;
use crate::docs::Versioned;
use crate::error::Result;
use crate::friends::rules;
use crate::friends::{
    BlockList, BlockRequest, BlockResult, Friend, FriendActionRequest, FriendRequests, FriendsDoc,
    FriendshipResult, SendFriendRequest,
};
use crate::ports::ChangeSet;
use crate::types::PlayerId;

/// A pair rule as the services call it: the acting player's document, then the other's.
type PairRule = fn(
    &Guildhall,
    &Ctx,
    &mut ChangeSet,
    &FriendActionRequest,
    &mut Versioned<FriendsDoc>,
    &mut Versioned<FriendsDoc>,
) -> Result<FriendshipResult>;

impl Guildhall {
    /// True when `a` has blocked `b` or `b` has blocked `a` (SPEC.md Friends: a block
    /// stops requests, invites, direct chat and player mail between the two).
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

    /// A player's `friends` document as read (version 0, empty, when it has none).
    async fn friends_doc(&self, player: &PlayerId) -> Result<Versioned<FriendsDoc>> {
        Ok(self
            .load::<FriendsDoc>(player.as_str())
            .await?
            .unwrap_or_else(|| Versioned::new(player.as_str(), FriendsDoc::default())))
    }

    /// `from` sends `to` a friend request; when `to` already asked `from`, this accepts
    /// that request instead (`friends: true` in the result). Events: `friend_requested`
    /// or `friend_added`, to both. See [`SendFriendRequest`] for errors.
    pub async fn send_friend_request(&self, req: SendFriendRequest) -> Result<FriendshipResult> {
        rules::check_pair(&req.from, &req.to, "to")?;
        let req = &req;
        self.execute(
            "send_friend_request",
            &[&req.from, &req.to],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let is_blocked = self.blocked_between(&req.from, &req.to).await?;
                    let mut mine = self.friends_doc(&req.from).await?;
                    let mut theirs = self.friends_doc(&req.to).await?;
                    let mut cs = ChangeSet::default();
                    let r = rules::request(
                        &self.config.friends,
                        &ctx,
                        &mut cs,
                        &req.from,
                        &mut mine,
                        &req.to,
                        &mut theirs,
                        is_blocked,
                    )?;
                    Ok((cs, r))
                })
            },
        )
        .await
    }

    /// Runs one pair action of `req.player` on `req.other` through the commit engine.
    async fn pair_action(
        &self,
        op: &str,
        req: &FriendActionRequest,
        action: PairRule,
    ) -> Result<FriendshipResult> {
        rules::check_pair(&req.player, &req.other, "other")?;
        self.execute(
            op,
            &[&req.player, &req.other],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let mut mine = self.friends_doc(&req.player).await?;
                    let mut theirs = self.friends_doc(&req.other).await?;
                    let mut cs = ChangeSet::default();
                    let r = action(self, &ctx, &mut cs, req, &mut mine, &mut theirs)?;
                    Ok((cs, r))
                })
            },
        )
        .await
    }

    /// `player` accepts `other`'s pending friend request: friends from now on
    /// (`friend_added` to both). See [`FriendActionRequest`] for errors (also
    /// `ALREADY_FRIENDS`).
    pub async fn accept_friend_request(
        &self,
        req: FriendActionRequest,
    ) -> Result<FriendshipResult> {
        self.pair_action("accept_friend_request", &req, |gh, ctx, cs, r, a, b| {
            rules::accept(&gh.config.friends, ctx, cs, &r.player, a, &r.other, b)
        })
        .await
    }

    /// `player` declines `other`'s pending request (`friend_request_declined`), or
    /// cancels its own pending request to `other` (`friend_request_cancelled`); events
    /// to both. See [`FriendActionRequest`] for errors.
    pub async fn decline_friend_request(
        &self,
        req: FriendActionRequest,
    ) -> Result<FriendshipResult> {
        self.pair_action("decline_friend_request", &req, |_, ctx, cs, r, a, b| {
            rules::decline(ctx, cs, &r.player, a, &r.other, b)
        })
        .await
    }

    /// `player` ends its friendship with `other` (`friend_removed` to both). See
    /// [`FriendActionRequest`] for errors.
    pub async fn remove_friend(&self, req: FriendActionRequest) -> Result<FriendshipResult> {
        self.pair_action("remove_friend", &req, |_, ctx, cs, r, a, b| {
            rules::remove(ctx, cs, &r.player, a, &r.other, b)
        })
        .await
    }

    /// `blocker` blocks `blocked`: any friendship (`friend_removed` to both) and pending
    /// request between them end in the same commit; `player_blocked` to the blocker
    /// only. From then on the blocked player's friend requests, party invites and
    /// player mail to the blocker (and the blocker's to it) are refused with `BLOCKED`.
    /// See [`BlockRequest`] for errors.
    pub async fn block_player(&self, req: BlockRequest) -> Result<BlockResult> {
        rules::check_pair(&req.blocker, &req.blocked, "blocked")?;
        let req = &req;
        self.execute(
            "block_player",
            &[&req.blocker, &req.blocked],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let mut list = self
                        .load::<BlockList>(req.blocker.as_str())
                        .await?
                        .unwrap_or_else(|| {
                            Versioned::new(req.blocker.as_str(), BlockList::default())
                        });
                    let mut mine = self.friends_doc(&req.blocker).await?;
                    let mut theirs = self.friends_doc(&req.blocked).await?;
                    let mut cs = ChangeSet::default();
                    let r = rules::block(
                        &self.config.friends,
                        &ctx,
                        &mut cs,
                        &req.blocker,
                        &mut list,
                        &mut mine,
                        &req.blocked,
                        &mut theirs,
                    )?;
                    Ok((cs, r))
                })
            },
        )
        .await
    }

    /// `blocker` lifts its block of `blocked` (`player_unblocked` to the blocker; a
    /// block the other way stays). Friendship is not restored. See [`BlockRequest`].
    pub async fn unblock_player(&self, req: BlockRequest) -> Result<BlockResult> {
        rules::check_pair(&req.blocker, &req.blocked, "blocked")?;
        let req = &req;
        self.execute(
            "unblock_player",
            &[&req.blocker],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let mut list = self.load::<BlockList>(req.blocker.as_str()).await?;
                    let mut cs = ChangeSet::default();
                    let r =
                        rules::unblock(&ctx, &mut cs, &req.blocker, list.as_mut(), &req.blocked)?;
                    Ok((cs, r))
                })
            },
        )
        .await
    }

    /// A player's friends in the order they were added, each with its presence: online
    /// and where, from the friend's live session (SPEC.md Friends, Presence). One
    /// document read and one batched session lookup.
    pub async fn friends(&self, player: &PlayerId) -> Result<Vec<Friend>> {
        let Some(doc) = self.load::<FriendsDoc>(player.as_str()).await? else {
            return Ok(Vec::new());
        };
        let players: Vec<PlayerId> = doc.value.friends.iter().map(|f| f.player.clone()).collect();
        let sessions = self
            .coordinator
            .sessions_of(&players, self.clock.now())
            .await?;
        Ok(doc
            .value
            .friends
            .into_iter()
            .zip(sessions)
            .map(|(f, s)| Friend {
                player: f.player,
                since: f.since,
                online: s.is_some(),
                location: s.map(|s| s.location),
            })
            .collect())
    }

    /// A player's pending friend requests, incoming and outgoing, oldest first.
    pub async fn friend_requests(&self, player: &PlayerId) -> Result<FriendRequests> {
        Ok(match self.load::<FriendsDoc>(player.as_str()).await? {
            Some(d) => FriendRequests {
                incoming: d.value.incoming,
                outgoing: d.value.outgoing,
            },
            None => FriendRequests::default(),
        })
    }

    /// The players `player` has blocked, in the order it blocked them.
    pub async fn blocked(&self, player: &PlayerId) -> Result<Vec<PlayerId>> {
        Ok(self
            .load::<BlockList>(player.as_str())
            .await?
            .map(|l| l.value.blocked)
            .unwrap_or_default())
    }
}
