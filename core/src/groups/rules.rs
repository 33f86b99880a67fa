//! Decisions of the groups module (SPEC.md Groups), pure functions with their unit
//! tests: they check a loaded group and memberships and append guarded document
//! writes, balance writes, ledger entries and events (to every member) to a change set.

use super::{
    CreateGroupRequest, Group, GroupBankRequest, GroupBankResult, GroupInvite, GroupJoinRequest,
    GroupMember, GroupName, GroupRef, GroupRole, GroupsConfig, GroupsOf, DEFAULT_KIND,
};
use crate::config::Config;
use crate::ctx::Ctx;
use crate::docs::Versioned;
use crate::economy::rules as econ;
use crate::error::{Error, ErrorCode, Result};
use crate::ports::{BalanceRow, BalanceWrite, ChangeSet};
use crate::types::{check_text, Account, Amount, EntryKind, PlayerId};
use serde_json::{json, Value};

/// Checks a kind: 1-32 of `[a-z0-9_]`. Errors: `INVALID_ARGUMENT`.
pub fn check_kind(kind: &str) -> Result<()> {
    if kind.is_empty()
        || kind.len() > 32
        || !kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(Error::invalid("kind", "a group kind is 1-32 of [a-z0-9_]"));
    }
    Ok(())
}

/// Checks a name (1-64 bytes, no control characters, no leading or trailing
/// whitespace) and returns the key its claim is stored under: the name lowercased.
/// Errors: `INVALID_ARGUMENT`.
pub fn name_key(name: &str) -> Result<String> {
    check_text("name", name, 1, 64)?;
    if name.trim() != name {
        return Err(Error::invalid(
            "name",
            "a group name has no leading or trailing spaces",
        ));
    }
    Ok(name.to_lowercase())
}

/// Checks a group id (1-128 bytes, no control characters). Errors: `INVALID_ARGUMENT`.
pub fn check_group_id(id: &str) -> Result<()> {
    check_text("group_id", id, 1, 128)
}

fn emit(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    kind: &str,
    group: &Group,
    also: &[&PlayerId],
    payload: Value,
) {
    let mut players = group.players();
    for p in also {
        if !players.contains(p) {
            players.push((*p).clone());
        }
    }
    let mut body = json!({ "group_id": group.id, "name": group.name, "owner": group.owner });
    if let (Some(b), Value::Object(extra)) = (body.as_object_mut(), payload) {
        b.extend(extra);
    }
    cs.events.push(ctx.event(kind, players, body));
}

fn not_member(group: &Group, p: &PlayerId) -> Error {
    Error::new(
        ErrorCode::NotGroupMember,
        format!("{p} is not a member of group '{}'", group.name),
    )
    .with_details(json!({ "player": p, "group_id": group.id }))
}

fn permission(group: &Group, actor: &PlayerId, what: &str) -> Error {
    Error::new(
        ErrorCode::GroupPermission,
        format!("{actor} may not {what} in group '{}'", group.name),
    )
    .with_details(json!({ "player": actor, "group_id": group.id, "role": group.role_of(actor) }))
}

/// The role of `actor`, who must be a member with at least `least`.
/// Errors: `NOT_GROUP_MEMBER`, `GROUP_PERMISSION`.
fn must_be(group: &Group, actor: &PlayerId, least: GroupRole, what: &str) -> Result<GroupRole> {
    let role = group
        .role_of(actor)
        .ok_or_else(|| not_member(group, actor))?;
    if role < least {
        return Err(permission(group, actor, what));
    }
    Ok(role)
}

fn check_room(group: &Group) -> Result<()> {
    if group.members.len() >= group.max_members as usize {
        return Err(Error::new(
            ErrorCode::GroupFull,
            format!(
                "group '{}' has {} of {} members",
                group.name,
                group.members.len(),
                group.max_members
            ),
        )
        .with_details(json!({ "group_id": group.id, "max_members": group.max_members })));
    }
    Ok(())
}

fn check_not_member(group: &Group, player: &PlayerId) -> Result<()> {
    if group.has(player) {
        return Err(Error::invalid(
            "player",
            format!("{player} is already a member of group '{}'", group.name),
        ));
    }
    Ok(())
}

/// Checks the per-player limits for one more group of `kind` (SPEC.md Groups: at most
/// `max_groups_per_player`, and the kind's own limit). Errors: `LIMIT_REACHED`.
pub fn check_limit(cfg: &GroupsConfig, player: &PlayerId, kind: &str, of: &GroupsOf) -> Result<()> {
    let of_kind = of.groups.iter().filter(|g| g.kind == kind).count() as u32;
    let total = of.groups.len() as u32;
    let kind_limit = cfg.kind_limit(kind);
    if of_kind >= kind_limit || total >= cfg.max_groups_per_player {
        return Err(Error::new(
            ErrorCode::LimitReached,
            format!(
                "{player} is in {total} groups ({of_kind} of kind '{kind}'); the limits are {} and {kind_limit}",
                cfg.max_groups_per_player
            ),
        )
        .with_details(json!({ "player": player, "kind": kind, "limit": kind_limit,
                              "max_groups_per_player": cfg.max_groups_per_player })));
    }
    Ok(())
}

/// The membership document of `player`, read (`of`) or new.
fn groups_of(player: &PlayerId, of: Option<&Versioned<GroupsOf>>) -> Versioned<GroupsOf> {
    of.cloned()
        .unwrap_or_else(|| Versioned::new(player.as_str(), GroupsOf::default()))
}

/// The write removing `group_id` from a player's membership document (deleting it when
/// it was the last).
pub fn drop_membership(of: &Versioned<GroupsOf>, group_id: &str) -> crate::ports::DocWrite {
    let mut of = of.clone();
    of.value.groups.retain(|g| g.group_id != group_id);
    if of.value.groups.is_empty() {
        of.delete()
    } else {
        of.put()
    }
}

/// Adds `player` with `role`, checking room and limits; writes the group and the
/// player's membership; emits `group_joined`.
fn add_member(
    cfg: &GroupsConfig,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    group: &mut Versioned<Group>,
    player: &PlayerId,
    of: Option<&Versioned<GroupsOf>>,
    via: &str,
) -> Result<Group> {
    check_not_member(&group.value, player)?;
    check_room(&group.value)?;
    let mut of = groups_of(player, of);
    check_limit(cfg, player, &group.value.kind, &of.value)?;
    of.value.groups.push(GroupRef {
        group_id: group.id.clone(),
        kind: group.value.kind.clone(),
    });
    let g = &mut group.value;
    g.invites.retain(|i| &i.player != player);
    g.requests.retain(|r| &r.player != player);
    g.members.push(GroupMember {
        player: player.clone(),
        role: GroupRole::Member,
        joined_at: ctx.now,
    });
    cs.docs.push(of.put());
    cs.docs.push(group.put());
    emit(
        ctx,
        cs,
        "group_joined",
        &group.value,
        &[],
        json!({ "player": player, "via": via }),
    );
    Ok(group.value.clone())
}

/// Creates a group owned by `req.owner`, claiming its name in the same commit.
/// `name_taken`: the claim on the name read (any: `NAME_TAKEN`); `of`: the owner's
/// memberships. Errors: `INVALID_ARGUMENT`, `NAME_TAKEN`, `LIMIT_REACHED`.
pub fn create(
    cfg: &GroupsConfig,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    req: &CreateGroupRequest,
    name_taken: Option<&Versioned<GroupName>>,
    of: Option<&Versioned<GroupsOf>>,
) -> Result<Group> {
    let key = check_create(cfg, req)?;
    if let Some(n) = name_taken {
        return Err(Error::new(
            ErrorCode::NameTaken,
            format!("the group name '{}' is taken", req.name),
        )
        .with_details(json!({ "name": req.name, "taken_by": n.value.name })));
    }
    let kind = req.kind.clone().unwrap_or_else(|| DEFAULT_KIND.to_string());
    let mut of = groups_of(&req.owner, of);
    check_limit(cfg, &req.owner, &kind, &of.value)?;
    let group = Group {
        id: ctx.id(),
        name: req.name.clone(),
        kind: kind.clone(),
        description: req.description.clone(),
        open: req.open,
        max_members: req.max_members.unwrap_or(cfg.default_max_members),
        metadata: req.metadata.clone(),
        owner: req.owner.clone(),
        members: vec![GroupMember {
            player: req.owner.clone(),
            role: GroupRole::Owner,
            joined_at: ctx.now,
        }],
        requests: vec![],
        invites: vec![],
        created_at: ctx.now,
    };
    of.value.groups.push(GroupRef {
        group_id: group.id.clone(),
        kind,
    });
    cs.docs.push(
        Versioned::new(
            key,
            GroupName {
                group_id: group.id.clone(),
                name: group.name.clone(),
            },
        )
        .put(),
    );
    let v = Versioned::new(group.id.clone(), group);
    cs.docs.push(v.put());
    cs.docs.push(of.put());
    emit(
        ctx,
        cs,
        "group_joined",
        &v.value,
        &[],
        json!({ "player": req.owner, "via": "created", "role": GroupRole::Owner }),
    );
    Ok(v.value)
}

/// Checks a create request's fields before any state is read; returns the name's key.
/// Errors: `INVALID_ARGUMENT`.
pub fn check_create(cfg: &GroupsConfig, req: &CreateGroupRequest) -> Result<String> {
    let key = name_key(&req.name)?;
    if req.description.len() > 1000 || req.description.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(Error::invalid(
            "description",
            "a description is 0 to 1000 bytes without control characters other than newline",
        ));
    }
    if let Some(m) = req.max_members {
        if m < 2 || m > cfg.max_members_cap {
            return Err(Error::invalid(
                "max_members",
                format!("max_members is 2 to {}", cfg.max_members_cap),
            ));
        }
    }
    if let Some(k) = &req.kind {
        check_kind(k)?;
    }
    econ::check_metadata(&req.metadata)?;
    Ok(key)
}

/// `player` joins: an open group, or a closed one they hold an invite to.
/// Errors: `GROUP_PERMISSION` (closed, no invite), `INVALID_ARGUMENT` (already a
/// member), `GROUP_FULL`, `LIMIT_REACHED`.
pub fn join(
    cfg: &GroupsConfig,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    group: &mut Versioned<Group>,
    player: &PlayerId,
    of: Option<&Versioned<GroupsOf>>,
) -> Result<Group> {
    let invited = group.value.invites.iter().any(|i| &i.player == player);
    if !group.value.open && !invited && !group.value.has(player) {
        return Err(Error::new(
            ErrorCode::GroupPermission,
            format!(
                "group '{}' is closed: ask to join or be invited",
                group.value.name
            ),
        )
        .with_details(json!({ "group_id": group.id })));
    }
    add_member(
        cfg,
        ctx,
        cs,
        group,
        player,
        of,
        if invited { "invite" } else { "open" },
    )
}

/// `player` asks to join a closed group (a repeated request keeps the first).
/// Errors: `INVALID_ARGUMENT` (open group: join it; already a member), `GROUP_FULL`,
/// `LIMIT_REACHED`.
pub fn request(
    cfg: &GroupsConfig,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    group: &mut Versioned<Group>,
    player: &PlayerId,
    of: Option<&Versioned<GroupsOf>>,
) -> Result<Group> {
    if group.value.open {
        return Err(Error::invalid(
            "group_id",
            "the group is open: join it without a request",
        ));
    }
    check_not_member(&group.value, player)?;
    check_room(&group.value)?;
    check_limit(cfg, player, &group.value.kind, &groups_of(player, of).value)?;
    if !group.value.requests.iter().any(|r| &r.player == player) {
        group.value.requests.push(GroupJoinRequest {
            player: player.clone(),
            at: ctx.now,
        });
    }
    cs.docs.push(group.put());
    emit(
        ctx,
        cs,
        "group_request",
        &group.value,
        &[player],
        json!({ "player": player, "request": "join" }),
    );
    Ok(group.value.clone())
}

/// An owner or officer invites `invitee` (a repeated invite keeps the first).
/// `blocked`: either of the two blocked the other. Errors: `NOT_GROUP_MEMBER`,
/// `GROUP_PERMISSION`, `BLOCKED`, `INVALID_ARGUMENT` (already a member), `GROUP_FULL`.
pub fn invite(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    group: &mut Versioned<Group>,
    actor: &PlayerId,
    invitee: &PlayerId,
    blocked: bool,
) -> Result<GroupInvite> {
    must_be(&group.value, actor, GroupRole::Officer, "invite")?;
    check_not_member(&group.value, invitee)?;
    if blocked {
        return Err(Error::new(
            ErrorCode::Blocked,
            format!("{actor} and {invitee} have a block between them"),
        )
        .with_details(json!({ "player": invitee })));
    }
    check_room(&group.value)?;
    let existing = group
        .value
        .invites
        .iter()
        .find(|i| &i.player == invitee)
        .cloned();
    let inv = match existing {
        Some(i) => i,
        None => {
            let i = GroupInvite {
                player: invitee.clone(),
                invited_by: actor.clone(),
                at: ctx.now,
            };
            group.value.invites.push(i.clone());
            i
        }
    };
    cs.docs.push(group.put());
    emit(
        ctx,
        cs,
        "group_invited",
        &group.value,
        &[invitee],
        json!({ "player": invitee, "invited_by": inv.invited_by }),
    );
    Ok(inv)
}

/// The invitee accepts. Errors: `NOT_FOUND` (no invite), `GROUP_FULL`, `LIMIT_REACHED`.
pub fn accept_invite(
    cfg: &GroupsConfig,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    group: &mut Versioned<Group>,
    player: &PlayerId,
    of: Option<&Versioned<GroupsOf>>,
) -> Result<Group> {
    if !group.value.invites.iter().any(|i| &i.player == player) {
        return Err(Error::not_found("group invite", player.as_str()));
    }
    add_member(cfg, ctx, cs, group, player, of, "invite")
}

/// The invitee declines. Errors: `NOT_FOUND` (no invite).
pub fn decline_invite(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    group: &mut Versioned<Group>,
    player: &PlayerId,
) -> Result<Group> {
    let before = group.value.invites.len();
    group.value.invites.retain(|i| &i.player != player);
    if group.value.invites.len() == before {
        return Err(Error::not_found("group invite", player.as_str()));
    }
    cs.docs.push(group.put());
    emit(
        ctx,
        cs,
        "group_invite_declined",
        &group.value,
        &[player],
        json!({ "player": player }),
    );
    Ok(group.value.clone())
}

/// An owner or officer accepts `player`'s request. Errors: `NOT_GROUP_MEMBER`,
/// `GROUP_PERMISSION`, `NOT_FOUND` (no request), `GROUP_FULL`, `LIMIT_REACHED`.
pub fn accept_request(
    cfg: &GroupsConfig,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    group: &mut Versioned<Group>,
    actor: &PlayerId,
    player: &PlayerId,
    of: Option<&Versioned<GroupsOf>>,
) -> Result<Group> {
    must_be(&group.value, actor, GroupRole::Officer, "accept requests")?;
    if !group.value.requests.iter().any(|r| &r.player == player) {
        return Err(Error::not_found("join request", player.as_str()));
    }
    add_member(cfg, ctx, cs, group, player, of, "request")
}

/// An owner or officer declines `player`'s request. Errors: `NOT_GROUP_MEMBER`,
/// `GROUP_PERMISSION`, `NOT_FOUND` (no request).
pub fn decline_request(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    group: &mut Versioned<Group>,
    actor: &PlayerId,
    player: &PlayerId,
) -> Result<Group> {
    must_be(&group.value, actor, GroupRole::Officer, "decline requests")?;
    let before = group.value.requests.len();
    group.value.requests.retain(|r| &r.player != player);
    if group.value.requests.len() == before {
        return Err(Error::not_found("join request", player.as_str()));
    }
    cs.docs.push(group.put());
    emit(
        ctx,
        cs,
        "group_request_declined",
        &group.value,
        &[player],
        json!({ "player": player, "by": actor }),
    );
    Ok(group.value.clone())
}

/// What removing the last member pays out: the group's bank rows per currency and the
/// recipient's rows of the same currencies.
#[derive(Debug, Clone, Default)]
pub struct Payout {
    /// `(currency, group's row, recipient's row)` for every currency the bank holds.
    pub rows: Vec<(String, BalanceRow, BalanceRow)>,
}

/// Empties the bank into `to` (when a group ends). Errors: `BALANCE_LIMIT`.
fn pay_out(
    cfg: &Config,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    group_id: &str,
    to: &PlayerId,
    payout: &Payout,
) -> Result<()> {
    for (currency, bank, row) in &payout.rows {
        if bank.amount <= 0 {
            continue;
        }
        let after = econ::apply_delta(cfg, to, currency, row.amount, bank.amount)?;
        cs.balances
            .push(set_group_balance(group_id, currency, *bank, 0));
        cs.balances
            .push(econ::set_balance(to, currency, *row, after));
        cs.ledger.push(econ::entry(
            ctx,
            EntryKind::Transfer,
            currency,
            Account::Group(group_id.to_string()),
            Account::Player(to.clone()),
            bank.amount,
            "group_closed".into(),
            json!({ "group_id": group_id }),
        ));
    }
    Ok(())
}

/// Deletes the group, its name claim and every membership; pays the bank out to
/// `to`; emits `group_disbanded`.
#[allow(clippy::too_many_arguments)]
fn end(
    cfg: &Config,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    group: &Versioned<Group>,
    name: &Versioned<GroupName>,
    memberships: &[Versioned<GroupsOf>],
    to: &PlayerId,
    payout: &Payout,
    payload: Value,
    also: &[&PlayerId],
) -> Result<()> {
    for of in memberships {
        cs.docs.push(drop_membership(of, &group.id));
    }
    cs.docs.push(group.delete());
    cs.docs.push(name.delete());
    pay_out(cfg, ctx, cs, &group.id, to, payout)?;
    emit(ctx, cs, "group_disbanded", &group.value, also, payload);
    Ok(())
}

/// The successor when the owner goes: the longest-standing officer, else the
/// longest-standing member.
pub fn successor(group: &Group, leaving: &PlayerId) -> Option<PlayerId> {
    let others = group.members.iter().filter(|m| &m.player != leaving);
    let officer = others
        .clone()
        .filter(|m| m.role == GroupRole::Officer)
        .min_by_key(|m| m.joined_at);
    officer
        .or_else(|| others.min_by_key(|m| m.joined_at))
        .map(|m| m.player.clone())
}

/// Removes `player` (leave, kick or an operator's removal). The owner leaving hands
/// ownership to [`successor`]; the last member leaving ends the group (its name is
/// freed and its bank paid out to them). `last`: the member's membership document;
/// `name`: the group's name claim. Returns the group left, if any.
#[allow(clippy::too_many_arguments)]
pub fn remove(
    cfg: &Config,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    group: &mut Versioned<Group>,
    player: &PlayerId,
    of: &Versioned<GroupsOf>,
    name: &Versioned<GroupName>,
    payout: &Payout,
    by: Option<&str>,
) -> Result<Option<Group>> {
    if !group.value.has(player) {
        return Err(not_member(&group.value, player));
    }
    if group.value.members.len() == 1 {
        end(
            cfg,
            ctx,
            cs,
            group,
            name,
            std::slice::from_ref(of),
            player,
            payout,
            json!({ "reason": "empty", "player": player }),
            &[],
        )?;
        return Ok(None);
    }
    let was_owner = group.value.owner == *player;
    let next = if was_owner {
        successor(&group.value, player)
    } else {
        None
    };
    group.value.members.retain(|m| &m.player != player);
    cs.docs.push(drop_membership(of, &group.id));
    emit(
        ctx,
        cs,
        "group_left",
        &group.value,
        &[player],
        json!({ "player": player, "removed_by": by }),
    );
    if let Some(next) = next {
        group.value.owner = next.clone();
        for m in &mut group.value.members {
            if m.player == next {
                m.role = GroupRole::Owner;
            }
        }
        emit(
            ctx,
            cs,
            "group_role_changed",
            &group.value,
            &[],
            json!({ "player": next, "role": GroupRole::Owner, "previous_owner": player, "reason": "succession" }),
        );
    }
    cs.docs.push(group.put());
    Ok(Some(group.value.clone()))
}

/// `player` leaves. Errors: `NOT_GROUP_MEMBER`, `BALANCE_LIMIT` (the last member
/// cannot take the bank).
#[allow(clippy::too_many_arguments)]
pub fn leave(
    cfg: &Config,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    group: &mut Versioned<Group>,
    player: &PlayerId,
    of: &Versioned<GroupsOf>,
    name: &Versioned<GroupName>,
    payout: &Payout,
) -> Result<Option<Group>> {
    remove(cfg, ctx, cs, group, player, of, name, payout, None)
}

/// An owner or officer removes `target`, whose role must be below theirs.
/// Errors: `NOT_GROUP_MEMBER` (actor or target), `GROUP_PERMISSION`,
/// `INVALID_ARGUMENT` (kicking oneself: leave instead).
#[allow(clippy::too_many_arguments)]
pub fn kick(
    cfg: &Config,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    group: &mut Versioned<Group>,
    actor: &PlayerId,
    target: &PlayerId,
    of: &Versioned<GroupsOf>,
    name: &Versioned<GroupName>,
) -> Result<Group> {
    let role = must_be(&group.value, actor, GroupRole::Officer, "kick")?;
    if actor == target {
        return Err(Error::invalid(
            "player",
            "a member leaves rather than kicks themselves",
        ));
    }
    let target_role = group
        .value
        .role_of(target)
        .ok_or_else(|| not_member(&group.value, target))?;
    if target_role >= role {
        return Err(permission(
            &group.value,
            actor,
            "kick a member of equal or higher role",
        ));
    }
    let left = remove(
        cfg,
        ctx,
        cs,
        group,
        target,
        of,
        name,
        &Payout::default(),
        Some(actor.as_str()),
    )?;
    Ok(left.expect("the actor stays"))
}

/// The owner makes `target` an officer (`Officer`) or a plain member (`Member`).
/// Errors: `NOT_GROUP_MEMBER`, `GROUP_PERMISSION`, `INVALID_ARGUMENT` (the owner's own
/// role, a target already in that role, or `role` = owner: transfer ownership instead).
pub fn set_role(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    group: &mut Versioned<Group>,
    actor: &PlayerId,
    target: &PlayerId,
    role: GroupRole,
) -> Result<Group> {
    must_be(&group.value, actor, GroupRole::Owner, "change roles")?;
    if role == GroupRole::Owner {
        return Err(Error::invalid(
            "role",
            "transfer ownership to make an owner",
        ));
    }
    let current = group
        .value
        .role_of(target)
        .ok_or_else(|| not_member(&group.value, target))?;
    if current == GroupRole::Owner {
        return Err(Error::invalid(
            "player",
            "the owner's role changes only by a transfer",
        ));
    }
    if current == role {
        return Err(Error::invalid(
            "player",
            format!("{target} already has that role"),
        ));
    }
    for m in &mut group.value.members {
        if &m.player == target {
            m.role = role;
        }
    }
    cs.docs.push(group.put());
    emit(
        ctx,
        cs,
        "group_role_changed",
        &group.value,
        &[],
        json!({ "player": target, "role": role, "previous_role": current, "by": actor }),
    );
    Ok(group.value.clone())
}

/// The owner hands ownership to `target` and becomes an officer.
/// Errors: `NOT_GROUP_MEMBER`, `GROUP_PERMISSION`, `INVALID_ARGUMENT` (to themselves).
pub fn transfer_ownership(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    group: &mut Versioned<Group>,
    actor: &PlayerId,
    target: &PlayerId,
) -> Result<Group> {
    must_be(&group.value, actor, GroupRole::Owner, "transfer ownership")?;
    if actor == target {
        return Err(Error::invalid("player", "the owner already owns the group"));
    }
    if !group.value.has(target) {
        return Err(not_member(&group.value, target));
    }
    for m in &mut group.value.members {
        if &m.player == target {
            m.role = GroupRole::Owner;
        } else if &m.player == actor {
            m.role = GroupRole::Officer;
        }
    }
    group.value.owner = target.clone();
    cs.docs.push(group.put());
    emit(
        ctx,
        cs,
        "group_role_changed",
        &group.value,
        &[],
        json!({ "player": target, "role": GroupRole::Owner, "previous_owner": actor, "reason": "transfer" }),
    );
    Ok(group.value.clone())
}

/// The owner (`actor`), or an operator (`None`), disbands the group: every membership
/// ends, the name is freed, the bank is paid out to the owner.
/// Errors: `NOT_GROUP_MEMBER`, `GROUP_PERMISSION`, `BALANCE_LIMIT`.
#[allow(clippy::too_many_arguments)]
pub fn disband(
    cfg: &Config,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    group: &Versioned<Group>,
    actor: Option<&PlayerId>,
    memberships: &[Versioned<GroupsOf>],
    name: &Versioned<GroupName>,
    payout: &Payout,
) -> Result<()> {
    if let Some(actor) = actor {
        must_be(&group.value, actor, GroupRole::Owner, "disband")?;
    }
    let owner = group.value.owner.clone();
    end(
        cfg,
        ctx,
        cs,
        group,
        name,
        memberships,
        &owner,
        payout,
        json!({ "reason": "disbanded", "by": actor.map(|a| a.as_str()).unwrap_or("operator") }),
        &[],
    )
}

/// Guarded write of a group's bank balance read as `row`, now `amount`.
pub fn set_group_balance(
    group_id: &str,
    currency: &str,
    row: BalanceRow,
    amount: Amount,
) -> BalanceWrite {
    BalanceWrite::Set {
        account: Account::Group(group_id.to_string()),
        currency: currency.to_string(),
        expected_version: row.version,
        amount,
    }
}

/// Checks a bank request before any state is read. Errors: `INVALID_ARGUMENT`.
pub fn check_bank(cfg: &Config, req: &GroupBankRequest) -> Result<()> {
    check_group_id(&req.group_id)?;
    econ::check_amount(req.amount)?;
    econ::check_key(&req.idempotency_key)?;
    cfg.currency(&req.currency)?;
    if let Some(r) = &req.reason {
        check_text("reason", r, 1, 64)?;
    }
    Ok(())
}

/// The group's balance after adding `delta`: never below zero (`INSUFFICIENT_FUNDS`),
/// never past `i64` (`BALANCE_LIMIT`).
fn group_after(group: &Group, currency: &str, current: Amount, delta: Amount) -> Result<Amount> {
    match current.checked_add(delta) {
        Some(n) if n >= 0 => Ok(n),
        Some(_) => Err(Error::new(
            ErrorCode::InsufficientFunds,
            format!("group '{}' has {current} {currency}, needs {}", group.name, -delta),
        )
        .with_details(json!({ "group_id": group.id, "currency": currency, "balance": current, "required": -delta }))),
        None => Err(Error::new(
            ErrorCode::BalanceLimit,
            format!("group '{}''s {currency} balance would pass its maximum", group.name),
        )
        .with_details(json!({ "group_id": group.id, "currency": currency, "balance": current }))),
    }
}

/// A member moves `req.amount` from their wallet into the bank (`deposit`), or an
/// officer or the owner moves it from the bank to their wallet (`!deposit`). One
/// ledger entry (kind `transfer`, reason `group_deposit` / `group_withdraw` unless
/// given) and an event to every member. `player_row` and `bank_row` are the two
/// balance rows read. Errors: `NOT_GROUP_MEMBER`, `GROUP_PERMISSION` (a member
/// withdrawing), `INSUFFICIENT_FUNDS`, `BALANCE_LIMIT`, `INVALID_ARGUMENT`.
pub fn bank_move(
    cfg: &Config,
    ctx: &Ctx,
    group: &Group,
    req: &GroupBankRequest,
    deposit: bool,
    player_row: BalanceRow,
    bank_row: BalanceRow,
) -> Result<(ChangeSet, GroupBankResult)> {
    check_bank(cfg, req)?;
    if deposit {
        must_be(group, &req.player, GroupRole::Member, "deposit")?;
    } else {
        must_be(
            group,
            &req.player,
            GroupRole::Officer,
            "withdraw from the bank",
        )?;
    }
    let (delta, default_reason, kind) = if deposit {
        (req.amount, "group_deposit", "group_deposit")
    } else {
        (-req.amount, "group_withdraw", "group_withdrawal")
    };
    let why = econ::reason(&req.reason, default_reason)?;
    let bank_after = group_after(group, &req.currency, bank_row.amount, delta)?;
    let player_after =
        econ::apply_delta(cfg, &req.player, &req.currency, player_row.amount, -delta)?;
    let bank = Account::Group(group.id.clone());
    let player = Account::Player(req.player.clone());
    let (debit, credit) = if deposit {
        (player, bank)
    } else {
        (bank, player)
    };
    let mut cs = ChangeSet {
        balances: vec![
            econ::set_balance(&req.player, &req.currency, player_row, player_after),
            set_group_balance(&group.id, &req.currency, bank_row, bank_after),
        ],
        ledger: vec![econ::entry(
            ctx,
            EntryKind::Transfer,
            &req.currency,
            debit,
            credit,
            req.amount,
            why.clone(),
            json!({ "group_id": group.id }),
        )],
        ..Default::default()
    };
    emit(
        ctx,
        &mut cs,
        kind,
        group,
        &[],
        json!({ "player": req.player, "currency": req.currency, "amount": req.amount,
                "group_balance": bank_after, "reason": why, "transaction_id": ctx.transaction_id }),
    );
    Ok((
        cs,
        GroupBankResult {
            transaction_id: ctx.transaction_id.clone(),
            group_id: group.id.clone(),
            player: req.player.clone(),
            currency: req.currency.clone(),
            amount: req.amount,
            group_balance: bank_after,
            player_balance: player_after,
            replayed: false,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs::Document;
    use crate::ports::SequentialIds;
    use crate::types::Currency;
    use chrono::{Duration, TimeZone, Utc};
    use std::sync::Arc;

    fn config() -> Config {
        Config::new(vec![Currency {
            code: "gold".into(),
            max_balance: Some(1000),
        }])
        .unwrap()
    }

    fn gcfg() -> GroupsConfig {
        GroupsConfig::default()
    }

    fn at(secs: i64) -> Ctx {
        let start = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
        Ctx::new(
            &config(),
            start + Duration::seconds(secs),
            Arc::new(SequentialIds::new("t")),
        )
    }

    fn p(s: &str) -> PlayerId {
        PlayerId::new(s).unwrap()
    }

    fn req(owner: &str, name: &str) -> CreateGroupRequest {
        CreateGroupRequest {
            owner: p(owner),
            name: name.into(),
            description: String::new(),
            open: true,
            max_members: Some(3),
            kind: None,
            metadata: Value::Null,
        }
    }

    /// A stored group (version 1) created by `owner`.
    fn made(owner: &str) -> Versioned<Group> {
        let mut cs = ChangeSet::default();
        let g = create(&gcfg(), &at(0), &mut cs, &req(owner, "Wolves"), None, None).unwrap();
        Versioned {
            id: g.id.clone(),
            value: g,
            version: 1,
        }
    }

    fn name_doc(g: &Group) -> Versioned<GroupName> {
        Versioned {
            id: g.name.to_lowercase(),
            value: GroupName {
                group_id: g.id.clone(),
                name: g.name.clone(),
            },
            version: 1,
        }
    }

    fn of(player: &str, g: &Group) -> Versioned<GroupsOf> {
        Versioned {
            id: player.into(),
            value: GroupsOf {
                groups: vec![GroupRef {
                    group_id: g.id.clone(),
                    kind: g.kind.clone(),
                }],
            },
            version: 1,
        }
    }

    fn join_at(g: &mut Versioned<Group>, who: &str, secs: i64) {
        let mut cs = ChangeSet::default();
        join(&gcfg(), &at(secs), &mut cs, g, &p(who), None).unwrap();
    }

    fn code<T: std::fmt::Debug>(r: Result<T>) -> ErrorCode {
        r.unwrap_err().code
    }

    #[test]
    fn create_claims_the_lowercased_name_and_writes_three_documents() {
        let mut cs = ChangeSet::default();
        let g = create(&gcfg(), &at(0), &mut cs, &req("ann", "Wolves"), None, None).unwrap();
        assert_eq!(
            (g.owner.as_str(), g.kind.as_str(), g.max_members),
            ("ann", "guild", 3)
        );
        assert_eq!(g.members[0].role, GroupRole::Owner);
        let kinds: Vec<(&str, &str, i64)> = cs
            .docs
            .iter()
            .map(|d| (d.kind.as_str(), d.id.as_str(), d.expected_version))
            .collect();
        assert_eq!(
            kinds,
            [
                (GroupName::KIND, "wolves", 0),
                (Group::KIND, g.id.as_str(), 0),
                (GroupsOf::KIND, "ann", 0)
            ]
        );
        assert_eq!(cs.events[0].kind, "group_joined");
    }

    #[test]
    fn create_refuses_a_taken_name_bad_fields_and_a_second_guild() {
        let g = made("ann");
        let taken = name_doc(&g.value);
        let mut cs = ChangeSet::default();
        assert_eq!(
            code(create(
                &gcfg(),
                &at(1),
                &mut cs,
                &req("bob", "WOLVES"),
                Some(&taken),
                None
            )),
            ErrorCode::NameTaken
        );
        let long = "x".repeat(65);
        for bad in ["", " Wolves", "a\u{7}b", long.as_str()] {
            assert_eq!(
                code(create(
                    &gcfg(),
                    &at(1),
                    &mut cs,
                    &req("bob", bad),
                    None,
                    None
                )),
                ErrorCode::InvalidArgument,
                "{bad:?}"
            );
        }
        let mut r = req("bob", "Cats");
        r.max_members = Some(1);
        assert_eq!(
            code(create(&gcfg(), &at(1), &mut cs, &r, None, None)),
            ErrorCode::InvalidArgument
        );
        r.max_members = None;
        r.kind = Some("Bad-Kind".into());
        assert_eq!(
            code(create(&gcfg(), &at(1), &mut cs, &r, None, None)),
            ErrorCode::InvalidArgument
        );
        r.kind = None;
        r.metadata = json!(3);
        assert_eq!(
            code(create(&gcfg(), &at(1), &mut cs, &r, None, None)),
            ErrorCode::InvalidArgument
        );
        assert!(cs.docs.is_empty() && cs.events.is_empty());
        // ann already owns a guild: a second guild is over the limit, a clan is not.
        let ann_of = of("ann", &g.value);
        assert_eq!(
            code(create(
                &gcfg(),
                &at(1),
                &mut cs,
                &req("ann", "Cats"),
                None,
                Some(&ann_of)
            )),
            ErrorCode::LimitReached
        );
        let mut clan = req("ann", "Cats");
        clan.kind = Some("clan".into());
        create(&gcfg(), &at(1), &mut cs, &clan, None, Some(&ann_of)).unwrap();
    }

    #[test]
    fn per_player_limit_counts_every_kind_together() {
        let cfg = gcfg();
        let mut groups = GroupsOf::default();
        for i in 0..5 {
            check_limit(&cfg, &p("a"), "clan", &groups).unwrap();
            groups.groups.push(GroupRef {
                group_id: format!("g{i}"),
                kind: "clan".into(),
            });
        }
        assert_eq!(
            code(check_limit(&cfg, &p("a"), "clan", &groups)),
            ErrorCode::LimitReached
        );
        assert_eq!(
            code(check_limit(&cfg, &p("a"), "guild", &groups)),
            ErrorCode::LimitReached
        );
    }

    #[test]
    fn joins_fill_up_to_max_members_and_closed_groups_need_an_invite() {
        let mut g = made("ann");
        join_at(&mut g, "bob", 1);
        join_at(&mut g, "cat", 2);
        let mut cs = ChangeSet::default();
        assert_eq!(
            code(join(&gcfg(), &at(3), &mut cs, &mut g, &p("dan"), None)),
            ErrorCode::GroupFull
        );
        assert_eq!(
            code(join(&gcfg(), &at(3), &mut cs, &mut g, &p("bob"), None)),
            ErrorCode::InvalidArgument
        );
        let mut closed = made("eve");
        closed.value.open = false;
        assert_eq!(
            code(join(&gcfg(), &at(3), &mut cs, &mut closed, &p("dan"), None)),
            ErrorCode::GroupPermission
        );
        assert!(cs.docs.is_empty());
        invite(&at(4), &mut cs, &mut closed, &p("eve"), &p("dan"), false).unwrap();
        join(&gcfg(), &at(5), &mut cs, &mut closed, &p("dan"), None).unwrap();
        assert!(closed.value.has(&p("dan")) && closed.value.invites.is_empty());
    }

    #[test]
    fn requests_and_invites_need_an_officer_and_respect_blocks() {
        let mut g = made("ann");
        g.value.open = false;
        let mut cs = ChangeSet::default();
        request(&gcfg(), &at(1), &mut cs, &mut g, &p("bob"), None).unwrap();
        assert_eq!(cs.events.last().unwrap().kind, "group_request");
        // bob is not a member: he cannot accept his own request nor invite.
        assert_eq!(
            code(accept_request(
                &gcfg(),
                &at(2),
                &mut cs,
                &mut g,
                &p("bob"),
                &p("bob"),
                None
            )),
            ErrorCode::NotGroupMember
        );
        accept_request(&gcfg(), &at(2), &mut cs, &mut g, &p("ann"), &p("bob"), None).unwrap();
        assert_eq!(g.value.role_of(&p("bob")), Some(GroupRole::Member));
        assert_eq!(
            code(invite(&at(3), &mut cs, &mut g, &p("bob"), &p("cat"), false)),
            ErrorCode::GroupPermission
        );
        assert_eq!(
            code(invite(&at(3), &mut cs, &mut g, &p("ann"), &p("cat"), true)),
            ErrorCode::Blocked
        );
        set_role(
            &at(3),
            &mut cs,
            &mut g,
            &p("ann"),
            &p("bob"),
            GroupRole::Officer,
        )
        .unwrap();
        invite(&at(4), &mut cs, &mut g, &p("bob"), &p("cat"), false).unwrap();
        decline_invite(&at(5), &mut cs, &mut g, &p("cat")).unwrap();
        assert_eq!(
            code(accept_invite(
                &gcfg(),
                &at(6),
                &mut cs,
                &mut g,
                &p("cat"),
                None
            )),
            ErrorCode::NotFound
        );
        request(&gcfg(), &at(7), &mut cs, &mut g, &p("dan"), None).unwrap();
        decline_request(&at(8), &mut cs, &mut g, &p("bob"), &p("dan")).unwrap();
        assert!(g.value.requests.is_empty());
    }

    #[test]
    fn kicks_go_only_below_the_actors_role_and_roles_change_by_the_owner() {
        let mut g = made("ann");
        join_at(&mut g, "bob", 1);
        join_at(&mut g, "cat", 2);
        let mut cs = ChangeSet::default();
        set_role(
            &at(3),
            &mut cs,
            &mut g,
            &p("ann"),
            &p("bob"),
            GroupRole::Officer,
        )
        .unwrap();
        assert_eq!(
            code(set_role(
                &at(3),
                &mut cs,
                &mut g,
                &p("bob"),
                &p("cat"),
                GroupRole::Officer
            )),
            ErrorCode::GroupPermission
        );
        let name = name_doc(&g.value);
        let cfg = config();
        // An officer cannot kick the owner; a member cannot kick anyone.
        let ann_of = of("ann", &g.value);
        assert_eq!(
            code(kick(
                &cfg,
                &at(4),
                &mut cs,
                &mut g,
                &p("bob"),
                &p("ann"),
                &ann_of,
                &name
            )),
            ErrorCode::GroupPermission
        );
        let bob_of = of("bob", &g.value);
        assert_eq!(
            code(kick(
                &cfg,
                &at(4),
                &mut cs,
                &mut g,
                &p("cat"),
                &p("bob"),
                &bob_of,
                &name
            )),
            ErrorCode::GroupPermission
        );
        let cat_of = of("cat", &g.value);
        let left = kick(
            &cfg,
            &at(4),
            &mut cs,
            &mut g,
            &p("bob"),
            &p("cat"),
            &cat_of,
            &name,
        )
        .unwrap();
        assert_eq!(left.players(), [p("ann"), p("bob")]);
        assert_eq!(cs.events.last().unwrap().kind, "group_left");
        // Demote, then transfer ownership: the old owner becomes an officer.
        set_role(
            &at(5),
            &mut cs,
            &mut g,
            &p("ann"),
            &p("bob"),
            GroupRole::Member,
        )
        .unwrap();
        transfer_ownership(&at(6), &mut cs, &mut g, &p("ann"), &p("bob")).unwrap();
        assert_eq!(g.value.owner, p("bob"));
        assert_eq!(g.value.role_of(&p("ann")), Some(GroupRole::Officer));
        assert_eq!(
            code(transfer_ownership(
                &at(7),
                &mut cs,
                &mut g,
                &p("ann"),
                &p("bob")
            )),
            ErrorCode::GroupPermission
        );
    }

    #[test]
    fn the_owner_leaving_hands_over_to_the_longest_standing_officer_else_member() {
        let mut g = made("ann");
        g.value.max_members = 10;
        for (i, who) in ["bob", "cat", "dan"].iter().enumerate() {
            join_at(&mut g, who, 1 + i as i64);
        }
        let mut cs = ChangeSet::default();
        set_role(
            &at(5),
            &mut cs,
            &mut g,
            &p("ann"),
            &p("dan"),
            GroupRole::Officer,
        )
        .unwrap();
        set_role(
            &at(5),
            &mut cs,
            &mut g,
            &p("ann"),
            &p("cat"),
            GroupRole::Officer,
        )
        .unwrap();
        assert_eq!(successor(&g.value, &p("ann")), Some(p("cat")));
        let name = name_doc(&g.value);
        let cfg = config();
        let ann_of = of("ann", &g.value);
        leave(
            &cfg,
            &at(6),
            &mut cs,
            &mut g,
            &p("ann"),
            &ann_of,
            &name,
            &Payout::default(),
        )
        .unwrap();
        assert_eq!(g.value.owner, p("cat"));
        assert_eq!(g.value.role_of(&p("cat")), Some(GroupRole::Owner));
        // No officer left after cat and dan go: the longest-standing member, bob.
        let mut g2 = made("ann");
        join_at(&mut g2, "bob", 1);
        join_at(&mut g2, "cat", 2);
        assert_eq!(successor(&g2.value, &p("ann")), Some(p("bob")));
    }

    #[test]
    fn the_last_member_leaving_ends_the_group_frees_the_name_and_takes_the_bank() {
        let g = made("ann");
        let mut gv = g.clone();
        let name = name_doc(&g.value);
        let payout = Payout {
            rows: vec![(
                "gold".into(),
                BalanceRow {
                    amount: 40,
                    version: 3,
                },
                BalanceRow {
                    amount: 5,
                    version: 1,
                },
            )],
        };
        let mut cs = ChangeSet::default();
        let left = leave(
            &config(),
            &at(1),
            &mut cs,
            &mut gv,
            &p("ann"),
            &of("ann", &g.value),
            &name,
            &payout,
        )
        .unwrap();
        assert!(left.is_none());
        let deletes: Vec<&str> = cs
            .docs
            .iter()
            .filter(|d| d.body.is_none())
            .map(|d| d.kind.as_str())
            .collect();
        assert_eq!(deletes, [GroupsOf::KIND, Group::KIND, GroupName::KIND]);
        assert_eq!(cs.ledger.len(), 1);
        assert_eq!(cs.ledger[0].amount, 40);
        assert!(cs
            .balances
            .contains(&set_group_balance(&g.id, "gold", payout.rows[0].1, 0)));
        assert_eq!(cs.events.last().unwrap().kind, "group_disbanded");
    }

    #[test]
    fn disband_is_the_owners_alone() {
        let mut g = made("ann");
        join_at(&mut g, "bob", 1);
        let name = name_doc(&g.value);
        let mut cs = ChangeSet::default();
        let ofs = [of("ann", &g.value), of("bob", &g.value)];
        assert_eq!(
            code(disband(
                &config(),
                &at(2),
                &mut cs,
                &g,
                Some(&p("bob")),
                &ofs,
                &name,
                &Payout::default()
            )),
            ErrorCode::GroupPermission
        );
        assert_eq!(
            code(disband(
                &config(),
                &at(2),
                &mut cs,
                &g,
                Some(&p("zed")),
                &ofs,
                &name,
                &Payout::default()
            )),
            ErrorCode::NotGroupMember
        );
        assert!(cs.docs.is_empty());
        disband(
            &config(),
            &at(2),
            &mut cs,
            &g,
            Some(&p("ann")),
            &ofs,
            &name,
            &Payout::default(),
        )
        .unwrap();
        assert_eq!(cs.docs.len(), 4);
        assert_eq!(cs.events[0].players.len(), 2);
    }

    #[test]
    fn the_bank_never_goes_below_zero_and_only_officers_withdraw() {
        let mut g = made("ann");
        join_at(&mut g, "bob", 1);
        let breq = |who: &str, amount| GroupBankRequest {
            player: p(who),
            group_id: g.id.clone(),
            currency: "gold".into(),
            amount,
            reason: None,
            idempotency_key: None,
        };
        let row = |amount| BalanceRow { amount, version: 1 };
        let cfg = config();
        let (cs, r) = bank_move(
            &cfg,
            &at(2),
            &g.value,
            &breq("bob", 30),
            true,
            row(50),
            row(0),
        )
        .unwrap();
        assert_eq!((r.group_balance, r.player_balance), (30, 20));
        assert_eq!(cs.ledger[0].debit, Account::Player(p("bob")));
        assert_eq!(cs.ledger[0].credit, Account::Group(g.id.clone()));
        assert_eq!(
            code(bank_move(
                &cfg,
                &at(2),
                &g.value,
                &breq("bob", 60),
                true,
                row(50),
                row(0)
            )),
            ErrorCode::InsufficientFunds
        );
        assert_eq!(
            code(bank_move(
                &cfg,
                &at(2),
                &g.value,
                &breq("bob", 5),
                false,
                row(0),
                row(30)
            )),
            ErrorCode::GroupPermission
        );
        assert_eq!(
            code(bank_move(
                &cfg,
                &at(2),
                &g.value,
                &breq("zed", 5),
                true,
                row(10),
                row(30)
            )),
            ErrorCode::NotGroupMember
        );
        assert_eq!(
            code(bank_move(
                &cfg,
                &at(2),
                &g.value,
                &breq("ann", 31),
                false,
                row(0),
                row(30)
            )),
            ErrorCode::InsufficientFunds
        );
        assert_eq!(
            code(bank_move(
                &cfg,
                &at(2),
                &g.value,
                &breq("ann", 0),
                false,
                row(0),
                row(30)
            )),
            ErrorCode::InvalidArgument
        );
        // The player's maximum balance (1000) holds for a withdrawal too.
        assert_eq!(
            code(bank_move(
                &cfg,
                &at(2),
                &g.value,
                &breq("ann", 10),
                false,
                row(995),
                row(30)
            )),
            ErrorCode::BalanceLimit
        );
        let (cs, r) = bank_move(
            &cfg,
            &at(2),
            &g.value,
            &breq("ann", 30),
            false,
            row(0),
            row(30),
        )
        .unwrap();
        assert_eq!((r.group_balance, r.player_balance), (0, 30));
        assert_eq!(cs.ledger[0].debit, Account::Group(g.id.clone()));
        assert_eq!(cs.events[0].kind, "group_withdrawal");
    }

    #[test]
    fn config_defaults_and_checks() {
        let c = GroupsConfig::default();
        assert_eq!(
            (
                c.default_max_members,
                c.kind_limit("guild"),
                c.kind_limit("clan")
            ),
            (100, 1, 5)
        );
        c.check().unwrap();
        let mut bad = c.clone();
        bad.kinds.insert("Bad".into(), 1);
        assert_eq!(bad.check().unwrap_err().code, ErrorCode::InvalidArgument);
        let mut bad = c;
        bad.default_max_members = 5000;
        assert!(bad.check().is_err());
    }
}
