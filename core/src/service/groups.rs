//! Group services (SPEC.md Groups): each call reads the group document (and the
//! memberships and bank rows it touches), lets a rule of [`crate::groups::rules`]
//! decide, and commits one change set guarded by the versions it read. Calls on one
//! group in this process queue on the group's stripe (`group:<id>`); other processes
//! are kept correct by the group document's version, with `CONFLICT` retries, so 50
//! concurrent joins of a group with 10 free places admit exactly 10.

use super::Guildhall;
use crate::ctx::Ctx;
use crate::docs::Versioned;
use crate::error::{Error, Result};
use crate::groups::rules::{self, Payout};
use crate::groups::{
    CreateGroupRequest, Group, GroupBank, GroupBankRequest, GroupBankResult, GroupInvite,
    GroupLeaveResult, GroupName, GroupPage, GroupQuery, GroupRole, GroupSummary, GroupsOf,
};
use crate::ports::ChangeSet;
use crate::types::{Account, Balance, PlayerId};
use std::collections::HashMap;

/// Default page size of [`Guildhall::find_groups`].
pub const GROUP_PAGE: u32 = 20;
/// How far [`Guildhall::find_groups`] pages reach (groups skipped plus shown).
pub const GROUP_SCAN_LIMIT: u32 = 10_000;

/// The stripe key of a group's document.
fn stripe(group_id: &str) -> String {
    format!("group:{group_id}")
}

impl Guildhall {
    async fn group_doc(&self, group_id: &str) -> Result<Versioned<Group>> {
        rules::check_group_id(group_id)?;
        self.load::<Group>(group_id)
            .await?
            .ok_or_else(|| Error::not_found("group", group_id))
    }

    async fn groups_of_doc(&self, player: &PlayerId) -> Result<Option<Versioned<GroupsOf>>> {
        self.load::<GroupsOf>(player.as_str()).await
    }

    /// A member's membership document (absent: one naming only this group, so a
    /// removal still writes the group; the rule refuses a non-member first).
    async fn membership_in(&self, player: &PlayerId, group: &Group) -> Result<Versioned<GroupsOf>> {
        Ok(self.groups_of_doc(player).await?.unwrap_or_else(|| {
            Versioned::new(
                player.as_str(),
                GroupsOf {
                    groups: vec![crate::groups::GroupRef {
                        group_id: group.id.clone(),
                        kind: group.kind.clone(),
                    }],
                },
            )
        }))
    }

    async fn name_doc(&self, group: &Group) -> Result<Versioned<GroupName>> {
        let key = group.name.to_lowercase();
        self.load::<GroupName>(&key)
            .await?
            .ok_or_else(|| Error::conflict("a group's name claim is missing"))
    }

    /// The bank rows of `group_id` with `to`'s rows of the same currencies (what ending
    /// the group pays out to `to`).
    async fn payout(&self, group_id: &str, to: &PlayerId) -> Result<Payout> {
        let mut rows = Vec::new();
        for (currency, bank) in self
            .store
            .balances(&Account::Group(group_id.to_string()))
            .await?
        {
            if bank.amount > 0 {
                let row = self
                    .store
                    .balance(&Account::Player(to.clone()), &currency)
                    .await?;
                rows.push((currency, bank, row));
            }
        }
        Ok(Payout { rows })
    }

    /// Runs `attempt` with retries while holding this process's stripes of the group
    /// and of `players`.
    async fn on_group<'a, R: Send>(
        &'a self,
        op: &str,
        group_id: &str,
        players: &[&PlayerId],
        attempt: impl FnMut(Ctx) -> super::commit::Attempt<'a, R> + Send,
    ) -> Result<R> {
        rules::check_group_id(group_id)?;
        let key = stripe(group_id);
        let mut keys: Vec<&str> = players.iter().map(|p| p.as_str()).collect();
        keys.push(&key);
        let _locked = self.stripes.lock_keys(&keys).await;
        self.retrying(op, attempt).await
    }

    /// Creates a group owned by `req.owner` (SPEC.md Groups). Errors:
    /// `INVALID_ARGUMENT`, `NAME_TAKEN` (the name, without regard to case),
    /// `LIMIT_REACHED` (the owner's groups of that kind, or of every kind).
    pub async fn create_group(&self, req: CreateGroupRequest) -> Result<Group> {
        let key = rules::check_create(&self.config.groups, &req)?;
        let req = &req;
        let name_stripe = format!("group_name:{key}");
        let _locked = self
            .stripes
            .lock_keys(&[req.owner.as_str(), name_stripe.as_str()])
            .await;
        self.retrying("create_group", |ctx: Ctx| {
            let key = key.clone();
            Box::pin(async move {
                let taken = self.load::<GroupName>(&key).await?;
                let of = self.groups_of_doc(&req.owner).await?;
                let mut cs = ChangeSet::default();
                let g = rules::create(
                    &self.config.groups,
                    &ctx,
                    &mut cs,
                    req,
                    taken.as_ref(),
                    of.as_ref(),
                )?;
                Ok((cs, g))
            })
        })
        .await
    }

    /// One group. Errors: `NOT_FOUND`, `INVALID_ARGUMENT`.
    pub async fn group(&self, group_id: &str) -> Result<Group> {
        Ok(self.group_doc(group_id).await?.value)
    }

    /// The group with this name, without regard to case. Errors: `NOT_FOUND`,
    /// `INVALID_ARGUMENT`.
    pub async fn group_by_name(&self, name: &str) -> Result<Group> {
        crate::types::check_text("name", name, 1, 64)?;
        let key = name.to_lowercase();
        let claim = self
            .load::<GroupName>(&key)
            .await?
            .ok_or_else(|| Error::not_found("group", name))?;
        self.group(&claim.value.group_id).await
    }

    /// The groups `player` is in, in the order they joined.
    pub async fn groups_of(&self, player: &PlayerId) -> Result<Vec<Group>> {
        let mut out = Vec::new();
        if let Some(of) = self.groups_of_doc(player).await? {
            for r in of.value.groups {
                if let Some(g) = self.load::<Group>(&r.group_id).await? {
                    out.push(g.value);
                }
            }
        }
        Ok(out)
    }

    /// The ids of a group's members in join order; `None` when the group does not
    /// exist (the chat module's check of who may post to `group:<id>`).
    #[allow(dead_code)]
    pub(crate) async fn group_member_ids(&self, group_id: &str) -> Result<Option<Vec<PlayerId>>> {
        if rules::check_group_id(group_id).is_err() {
            return Ok(None);
        }
        Ok(self
            .load::<Group>(group_id)
            .await?
            .map(|g| g.value.players()))
    }

    /// Groups whose name starts with `query.prefix` (without regard to case), ordered
    /// by lowercased name, a page at a time. Pages reach the first
    /// [`GROUP_SCAN_LIMIT`] matches. Errors: `INVALID_ARGUMENT` (bad cursor, limit out
    /// of 1-100, prefix over 64 bytes).
    pub async fn find_groups(&self, query: GroupQuery) -> Result<GroupPage> {
        let prefix = match &query.prefix {
            Some(p) => {
                crate::types::check_text("prefix", p, 0, 64)?;
                p.to_lowercase()
            }
            None => String::new(),
        };
        let limit = query.limit.unwrap_or(GROUP_PAGE);
        if !(1..=100).contains(&limit) {
            return Err(Error::invalid("limit", "limit is 1 to 100"));
        }
        let skip = match &query.cursor {
            None => 0,
            Some(c) => c
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0 && *n < GROUP_SCAN_LIMIT)
                .ok_or_else(|| {
                    Error::invalid("cursor", "cursor is a next_cursor from a previous page")
                })?,
        };
        let want = (skip + limit + 1).min(GROUP_SCAN_LIMIT + 1);
        let claims = self
            .store
            .docs(<GroupName as crate::docs::Document>::KIND, &prefix, want)
            .await?;
        let mut groups = Vec::new();
        for d in claims.iter().skip(skip as usize).take(limit as usize) {
            let claim: Versioned<GroupName> = Versioned::decode(d.clone())?;
            if let Some(g) = self.load::<Group>(&claim.value.group_id).await? {
                let g = g.value;
                groups.push(GroupSummary {
                    member_count: g.members.len() as u32,
                    id: g.id,
                    name: g.name,
                    kind: g.kind,
                    open: g.open,
                    max_members: g.max_members,
                    owner: g.owner,
                });
            }
        }
        let shown = skip + limit;
        let next_cursor =
            (claims.len() as u32 > shown && shown < GROUP_SCAN_LIMIT).then(|| shown.to_string());
        Ok(GroupPage {
            groups,
            next_cursor,
        })
    }

    /// `player` joins an open group (or a closed one that invited them). Errors:
    /// `NOT_FOUND`, `GROUP_PERMISSION` (closed), `GROUP_FULL`, `LIMIT_REACHED`,
    /// `INVALID_ARGUMENT` (already a member).
    pub async fn join_group(&self, player: &PlayerId, group_id: &str) -> Result<Group> {
        self.on_group("join_group", group_id, &[player], |ctx: Ctx| {
            Box::pin(async move {
                let mut g = self.group_doc(group_id).await?;
                let of = self.groups_of_doc(player).await?;
                let mut cs = ChangeSet::default();
                let g = rules::join(
                    &self.config.groups,
                    &ctx,
                    &mut cs,
                    &mut g,
                    player,
                    of.as_ref(),
                )?;
                Ok((cs, g))
            })
        })
        .await
    }

    /// `player` asks to join a closed group; its owner and officers hear of it
    /// (`group_request`). Errors: `NOT_FOUND`, `INVALID_ARGUMENT` (open group, already
    /// a member), `GROUP_FULL`, `LIMIT_REACHED`.
    pub async fn request_to_join_group(&self, player: &PlayerId, group_id: &str) -> Result<Group> {
        self.on_group("request_to_join_group", group_id, &[player], |ctx: Ctx| {
            Box::pin(async move {
                let mut g = self.group_doc(group_id).await?;
                let of = self.groups_of_doc(player).await?;
                let mut cs = ChangeSet::default();
                let g = rules::request(
                    &self.config.groups,
                    &ctx,
                    &mut cs,
                    &mut g,
                    player,
                    of.as_ref(),
                )?;
                Ok((cs, g))
            })
        })
        .await
    }

    /// An owner or officer invites `invitee`. Errors: `NOT_FOUND`, `NOT_GROUP_MEMBER`,
    /// `GROUP_PERMISSION`, `BLOCKED` (either blocked the other), `GROUP_FULL`,
    /// `INVALID_ARGUMENT` (already a member).
    pub async fn invite_to_group(
        &self,
        actor: &PlayerId,
        group_id: &str,
        invitee: &PlayerId,
    ) -> Result<GroupInvite> {
        self.on_group("invite_to_group", group_id, &[], |ctx: Ctx| {
            Box::pin(async move {
                let mut g = self.group_doc(group_id).await?;
                let blocked = self.blocked_between(actor, invitee).await?;
                let mut cs = ChangeSet::default();
                let inv = rules::invite(&ctx, &mut cs, &mut g, actor, invitee, blocked)?;
                Ok((cs, inv))
            })
        })
        .await
    }

    /// The invitee accepts. Errors: `NOT_FOUND` (group or invite), `GROUP_FULL`,
    /// `LIMIT_REACHED`.
    pub async fn accept_group_invite(&self, player: &PlayerId, group_id: &str) -> Result<Group> {
        self.on_group("accept_group_invite", group_id, &[player], |ctx: Ctx| {
            Box::pin(async move {
                let mut g = self.group_doc(group_id).await?;
                let of = self.groups_of_doc(player).await?;
                let mut cs = ChangeSet::default();
                let g = rules::accept_invite(
                    &self.config.groups,
                    &ctx,
                    &mut cs,
                    &mut g,
                    player,
                    of.as_ref(),
                )?;
                Ok((cs, g))
            })
        })
        .await
    }

    /// The invitee declines. Errors: `NOT_FOUND` (group or invite).
    pub async fn decline_group_invite(&self, player: &PlayerId, group_id: &str) -> Result<Group> {
        self.on_group("decline_group_invite", group_id, &[], |ctx: Ctx| {
            Box::pin(async move {
                let mut g = self.group_doc(group_id).await?;
                let mut cs = ChangeSet::default();
                let g = rules::decline_invite(&ctx, &mut cs, &mut g, player)?;
                Ok((cs, g))
            })
        })
        .await
    }

    /// An owner or officer accepts `player`'s request to join. Errors: `NOT_FOUND`
    /// (group or request), `NOT_GROUP_MEMBER`, `GROUP_PERMISSION`, `GROUP_FULL`,
    /// `LIMIT_REACHED`.
    pub async fn accept_join_request(
        &self,
        actor: &PlayerId,
        group_id: &str,
        player: &PlayerId,
    ) -> Result<Group> {
        self.on_group("accept_join_request", group_id, &[player], |ctx: Ctx| {
            Box::pin(async move {
                let mut g = self.group_doc(group_id).await?;
                let of = self.groups_of_doc(player).await?;
                let mut cs = ChangeSet::default();
                let g = rules::accept_request(
                    &self.config.groups,
                    &ctx,
                    &mut cs,
                    &mut g,
                    actor,
                    player,
                    of.as_ref(),
                )?;
                Ok((cs, g))
            })
        })
        .await
    }

    /// An owner or officer declines `player`'s request. Errors: `NOT_FOUND` (group or
    /// request), `NOT_GROUP_MEMBER`, `GROUP_PERMISSION`.
    pub async fn decline_join_request(
        &self,
        actor: &PlayerId,
        group_id: &str,
        player: &PlayerId,
    ) -> Result<Group> {
        self.on_group("decline_join_request", group_id, &[], |ctx: Ctx| {
            Box::pin(async move {
                let mut g = self.group_doc(group_id).await?;
                let mut cs = ChangeSet::default();
                let g = rules::decline_request(&ctx, &mut cs, &mut g, actor, player)?;
                Ok((cs, g))
            })
        })
        .await
    }

    /// An owner or officer removes a member whose role is below theirs. Errors:
    /// `NOT_FOUND`, `NOT_GROUP_MEMBER`, `GROUP_PERMISSION`, `INVALID_ARGUMENT`.
    pub async fn kick_from_group(
        &self,
        actor: &PlayerId,
        group_id: &str,
        target: &PlayerId,
    ) -> Result<Group> {
        self.on_group("kick_from_group", group_id, &[target], |ctx: Ctx| {
            Box::pin(async move {
                let mut g = self.group_doc(group_id).await?;
                let of = self.membership_in(target, &g.value).await?;
                let name = self.name_doc(&g.value).await?;
                let mut cs = ChangeSet::default();
                let g = rules::kick(
                    &self.config,
                    &ctx,
                    &mut cs,
                    &mut g,
                    actor,
                    target,
                    &of,
                    &name,
                )?;
                Ok((cs, g))
            })
        })
        .await
    }

    async fn change_role(
        &self,
        op: &str,
        actor: &PlayerId,
        group_id: &str,
        target: &PlayerId,
        role: GroupRole,
    ) -> Result<Group> {
        self.on_group(op, group_id, &[], |ctx: Ctx| {
            Box::pin(async move {
                let mut g = self.group_doc(group_id).await?;
                let mut cs = ChangeSet::default();
                let g = rules::set_role(&ctx, &mut cs, &mut g, actor, target, role)?;
                Ok((cs, g))
            })
        })
        .await
    }

    /// The owner makes a member an officer. Errors: `NOT_FOUND`, `NOT_GROUP_MEMBER`,
    /// `GROUP_PERMISSION`, `INVALID_ARGUMENT` (already an officer, or the owner).
    pub async fn promote_in_group(
        &self,
        actor: &PlayerId,
        group_id: &str,
        target: &PlayerId,
    ) -> Result<Group> {
        self.change_role(
            "promote_in_group",
            actor,
            group_id,
            target,
            GroupRole::Officer,
        )
        .await
    }

    /// The owner makes an officer a plain member. Errors: `NOT_FOUND`,
    /// `NOT_GROUP_MEMBER`, `GROUP_PERMISSION`, `INVALID_ARGUMENT` (already a member,
    /// or the owner).
    pub async fn demote_in_group(
        &self,
        actor: &PlayerId,
        group_id: &str,
        target: &PlayerId,
    ) -> Result<Group> {
        self.change_role(
            "demote_in_group",
            actor,
            group_id,
            target,
            GroupRole::Member,
        )
        .await
    }

    /// The owner hands ownership to a member and becomes an officer. Errors:
    /// `NOT_FOUND`, `NOT_GROUP_MEMBER`, `GROUP_PERMISSION`, `INVALID_ARGUMENT`.
    pub async fn transfer_group_ownership(
        &self,
        actor: &PlayerId,
        group_id: &str,
        target: &PlayerId,
    ) -> Result<Group> {
        self.on_group("transfer_group_ownership", group_id, &[], |ctx: Ctx| {
            Box::pin(async move {
                let mut g = self.group_doc(group_id).await?;
                let mut cs = ChangeSet::default();
                let g = rules::transfer_ownership(&ctx, &mut cs, &mut g, actor, target)?;
                Ok((cs, g))
            })
        })
        .await
    }

    async fn remove_member(
        &self,
        op: &str,
        group_id: &str,
        player: &PlayerId,
        by: Option<&str>,
    ) -> Result<GroupLeaveResult> {
        self.on_group(op, group_id, &[player], |ctx: Ctx| {
            Box::pin(async move {
                let mut g = self.group_doc(group_id).await?;
                let of = self.membership_in(player, &g.value).await?;
                let name = self.name_doc(&g.value).await?;
                let payout = if g.value.members.len() == 1 {
                    self.payout(group_id, player).await?
                } else {
                    Payout::default()
                };
                let mut cs = ChangeSet::default();
                let left = rules::remove(
                    &self.config,
                    &ctx,
                    &mut cs,
                    &mut g,
                    player,
                    &of,
                    &name,
                    &payout,
                    by,
                )?;
                Ok((
                    cs,
                    GroupLeaveResult {
                        group_id: group_id.to_string(),
                        player: player.clone(),
                        group: left,
                    },
                ))
            })
        })
        .await
    }

    /// `player` leaves. The owner leaving hands ownership to the longest-standing
    /// officer, else the longest-standing member; the last member leaving removes the
    /// group, frees its name and takes what its bank holds. Errors: `NOT_FOUND`,
    /// `NOT_GROUP_MEMBER`, `BALANCE_LIMIT` (the last member cannot hold the bank).
    pub async fn leave_group(&self, player: &PlayerId, group_id: &str) -> Result<GroupLeaveResult> {
        self.remove_member("leave_group", group_id, player, None)
            .await
    }

    /// An operator removes a member (whatever their role; succession and the end of
    /// the group as for [`Guildhall::leave_group`]). Errors: `NOT_FOUND`,
    /// `NOT_GROUP_MEMBER`, `BALANCE_LIMIT`.
    pub async fn admin_remove_group_member(
        &self,
        group_id: &str,
        player: &PlayerId,
    ) -> Result<GroupLeaveResult> {
        self.remove_member(
            "admin_remove_group_member",
            group_id,
            player,
            Some("operator"),
        )
        .await
    }

    async fn end_group(&self, op: &str, actor: Option<&PlayerId>, group_id: &str) -> Result<()> {
        self.on_group(op, group_id, &[], |ctx: Ctx| {
            Box::pin(async move {
                let g = self.group_doc(group_id).await?;
                let mut memberships = Vec::new();
                for p in g.value.players() {
                    memberships.push(self.membership_in(&p, &g.value).await?);
                }
                let name = self.name_doc(&g.value).await?;
                let payout = self.payout(group_id, &g.value.owner).await?;
                let mut cs = ChangeSet::default();
                rules::disband(
                    &self.config,
                    &ctx,
                    &mut cs,
                    &g,
                    actor,
                    &memberships,
                    &name,
                    &payout,
                )?;
                Ok((cs, ()))
            })
        })
        .await
    }

    /// The owner disbands the group: every membership ends, the name is freed, the
    /// bank is paid out to the owner. Errors: `NOT_FOUND`, `NOT_GROUP_MEMBER`,
    /// `GROUP_PERMISSION`, `BALANCE_LIMIT`.
    pub async fn disband_group(&self, actor: &PlayerId, group_id: &str) -> Result<()> {
        self.end_group("disband_group", Some(actor), group_id).await
    }

    /// An operator disbands a group (as [`Guildhall::disband_group`], the bank paid out
    /// to its owner). Errors: `NOT_FOUND`, `BALANCE_LIMIT`.
    pub async fn admin_disband_group(&self, group_id: &str) -> Result<()> {
        self.end_group("admin_disband_group", None, group_id).await
    }

    async fn bank_move(
        &self,
        op: &str,
        req: GroupBankRequest,
        deposit: bool,
    ) -> Result<GroupBankResult> {
        rules::check_bank(&self.config, &req)?;
        let req = &req;
        let key = stripe(&req.group_id);
        self.execute_locking(
            op,
            &[&req.player],
            &[&key],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let g = self.group_doc(&req.group_id).await?;
                    let player = self
                        .store
                        .balance(&Account::Player(req.player.clone()), &req.currency)
                        .await?;
                    let bank = self
                        .store
                        .balance(&Account::Group(req.group_id.clone()), &req.currency)
                        .await?;
                    rules::bank_move(&self.config, &ctx, &g.value, req, deposit, player, bank)
                })
            },
        )
        .await
    }

    /// A member moves currency from their wallet into the group's bank (ledger: player
    /// to `group:<id>`). Errors: `NOT_FOUND`, `NOT_GROUP_MEMBER`, `INSUFFICIENT_FUNDS`,
    /// `BALANCE_LIMIT`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
    pub async fn group_deposit(&self, req: GroupBankRequest) -> Result<GroupBankResult> {
        self.bank_move("group_deposit", req, true).await
    }

    /// An officer or the owner moves currency from the group's bank to their wallet;
    /// the bank never goes below zero. Errors: `NOT_FOUND`, `NOT_GROUP_MEMBER`,
    /// `GROUP_PERMISSION`, `INSUFFICIENT_FUNDS`, `BALANCE_LIMIT`, `INVALID_ARGUMENT`,
    /// `IDEMPOTENCY_CONFLICT`.
    pub async fn group_withdraw(&self, req: GroupBankRequest) -> Result<GroupBankResult> {
        self.bank_move("group_withdraw", req, false).await
    }

    /// A group's bank: every configured currency, zero when never touched. Errors:
    /// `NOT_FOUND`.
    pub async fn group_bank(&self, group_id: &str) -> Result<GroupBank> {
        let g = self.group_doc(group_id).await?;
        let rows: HashMap<String, i64> = self
            .store
            .balances(&Account::Group(g.id.clone()))
            .await?
            .into_iter()
            .map(|(c, r)| (c, r.amount))
            .collect();
        Ok(GroupBank {
            group_id: g.id,
            balances: self
                .config
                .currencies
                .iter()
                .map(|c| Balance {
                    currency: c.code.clone(),
                    amount: rows.get(&c.code).copied().unwrap_or(0),
                })
                .collect(),
        })
    }
}
