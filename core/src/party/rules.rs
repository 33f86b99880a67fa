//! Party rules: pure functions over a loaded party and memberships, appending guarded
//! document writes and events (to every member) to a change set.

use super::{Invite, Membership, Party, PartyConfig, PartyMember};
use crate::ctx::Ctx;
use crate::docs::Versioned;
use crate::error::{Error, ErrorCode, Result};
use crate::ports::ChangeSet;
use crate::types::PlayerId;
use chrono::Duration;
use serde_json::{json, Value};

fn emit(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    kind: &str,
    party: &Party,
    also: &[&PlayerId],
    payload: Value,
) {
    let mut players = party.players();
    for p in also {
        if !players.contains(p) {
            players.push((*p).clone());
        }
    }
    let mut body =
        json!({ "party_id": party.id, "leader": party.leader, "members": party.players() });
    if let (Some(b), Value::Object(extra)) = (body.as_object_mut(), payload) {
        b.extend(extra);
    }
    cs.events.push(ctx.event(kind, players, body));
}

fn not_in_party(p: &PlayerId) -> Error {
    Error::new(ErrorCode::NotInParty, format!("{p} is not in this party"))
        .with_details(json!({ "player": p }))
}

fn must_lead(party: &Party, actor: &PlayerId) -> Result<()> {
    if !party.has(actor) {
        return Err(not_in_party(actor));
    }
    if &party.leader != actor {
        return Err(Error::new(
            ErrorCode::NotPartyLeader,
            "only the party leader may do this",
        )
        .with_details(json!({ "leader": party.leader })));
    }
    Ok(())
}

fn check_free(player: &PlayerId, membership: Option<&Versioned<Membership>>) -> Result<()> {
    if let Some(m) = membership {
        return Err(Error::new(
            ErrorCode::AlreadyInParty,
            format!("{player} is already in a party"),
        )
        .with_details(json!({ "party_id": m.value.party_id })));
    }
    Ok(())
}

fn check_room(cfg: &PartyConfig, party: &Party) -> Result<()> {
    if party.members.len() >= cfg.max_size {
        return Err(Error::new(
            ErrorCode::PartyFull,
            format!(
                "the party has {} of {} members",
                party.members.len(),
                cfg.max_size
            ),
        )
        .with_details(json!({ "party_id": party.id, "max_size": cfg.max_size })));
    }
    Ok(())
}

fn add_member(ctx: &Ctx, cs: &mut ChangeSet, party: &mut Versioned<Party>, player: &PlayerId) {
    party.value.invites.retain(|i| &i.player != player);
    party.value.members.push(PartyMember {
        player: player.clone(),
        joined_at: ctx.now,
    });
    cs.docs.push(
        Versioned::new(
            player.as_str(),
            Membership {
                party_id: party.id.clone(),
            },
        )
        .put(),
    );
    cs.docs.push(party.put());
    emit(
        ctx,
        cs,
        "party_joined",
        &party.value,
        &[],
        json!({ "player": player }),
    );
}

/// Creates a party led by `player`. Errors: `ALREADY_IN_PARTY`.
pub fn create(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    player: &PlayerId,
    open: bool,
    membership: Option<&Versioned<Membership>>,
) -> Result<Party> {
    check_free(player, membership)?;
    let party = Party {
        id: ctx.id(),
        leader: player.clone(),
        members: vec![],
        open,
        invites: vec![],
        created_at: ctx.now,
    };
    let mut v = Versioned::new(party.id.clone(), party);
    add_member(ctx, cs, &mut v, player);
    Ok(v.value)
}

/// The leader invites `invitee` (a fresh invite replaces an older one).
/// Errors: `NOT_IN_PARTY`, `NOT_PARTY_LEADER`, `INVALID_ARGUMENT` (already a member), `PARTY_FULL`.
pub fn invite(
    cfg: &PartyConfig,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    party: &mut Versioned<Party>,
    actor: &PlayerId,
    invitee: &PlayerId,
) -> Result<Invite> {
    must_lead(&party.value, actor)?;
    if party.value.has(invitee) {
        return Err(Error::invalid(
            "player",
            format!("{invitee} is already a member"),
        ));
    }
    check_room(cfg, &party.value)?;
    let inv = Invite {
        player: invitee.clone(),
        invited_by: actor.clone(),
        expires_at: ctx.now + Duration::seconds(cfg.invite_ttl_secs),
    };
    party
        .value
        .invites
        .retain(|i| &i.player != invitee && i.expires_at > ctx.now);
    party.value.invites.push(inv.clone());
    cs.docs.push(party.put());
    emit(
        ctx,
        cs,
        "party_invited",
        &party.value,
        &[invitee],
        json!({ "player": invitee, "invited_by": actor, "expires_at": inv.expires_at }),
    );
    Ok(inv)
}

/// The invitee accepts. Errors: `NOT_FOUND` (no invite), `INVITE_EXPIRED`,
/// `ALREADY_IN_PARTY`, `PARTY_FULL`.
pub fn accept(
    cfg: &PartyConfig,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    party: &mut Versioned<Party>,
    player: &PlayerId,
    membership: Option<&Versioned<Membership>>,
) -> Result<Party> {
    let inv = party
        .value
        .invites
        .iter()
        .find(|i| &i.player == player)
        .ok_or_else(|| Error::not_found("invite", player.as_str()))?;
    if inv.expires_at <= ctx.now {
        return Err(Error::new(
            ErrorCode::InviteExpired,
            "the invite has expired; ask for a new one",
        )
        .with_details(json!({ "expired_at": inv.expires_at })));
    }
    check_free(player, membership)?;
    check_room(cfg, &party.value)?;
    add_member(ctx, cs, party, player);
    Ok(party.value.clone())
}

/// The invitee declines. Errors: `NOT_FOUND` (no invite).
pub fn decline(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    party: &mut Versioned<Party>,
    player: &PlayerId,
) -> Result<()> {
    let before = party.value.invites.len();
    party.value.invites.retain(|i| &i.player != player);
    if party.value.invites.len() == before {
        return Err(Error::not_found("invite", player.as_str()));
    }
    cs.docs.push(party.put());
    emit(
        ctx,
        cs,
        "party_invite_declined",
        &party.value,
        &[player],
        json!({ "player": player }),
    );
    Ok(())
}

/// Joins an open party without an invite (an invite also lets one in).
/// Errors: `FORBIDDEN` (closed, no invite), `ALREADY_IN_PARTY`, `PARTY_FULL`.
pub fn join(
    cfg: &PartyConfig,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    party: &mut Versioned<Party>,
    player: &PlayerId,
    membership: Option<&Versioned<Membership>>,
) -> Result<Party> {
    let invited = party
        .value
        .invites
        .iter()
        .any(|i| &i.player == player && i.expires_at > ctx.now);
    if !party.value.open && !invited {
        return Err(Error::new(
            ErrorCode::Forbidden,
            "this party is closed; it needs an invite",
        )
        .with_details(json!({ "party_id": party.id })));
    }
    check_free(player, membership)?;
    check_room(cfg, &party.value)?;
    add_member(ctx, cs, party, player);
    Ok(party.value.clone())
}

/// Removes `player` (leave or kick): succession to the longest-standing member when the
/// leader goes; the party is gone with its last member. Returns the party left, if any.
fn remove(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    party: &mut Versioned<Party>,
    player: &PlayerId,
    membership: &Versioned<Membership>,
    kicked_by: Option<&PlayerId>,
) -> Option<Party> {
    party.value.members.retain(|m| &m.player != player);
    cs.docs.push(membership.delete());
    emit(
        ctx,
        cs,
        "party_left",
        &party.value,
        &[player],
        json!({ "player": player, "kicked_by": kicked_by }),
    );
    if party.value.members.is_empty() {
        cs.docs.push(party.delete());
        emit(
            ctx,
            cs,
            "party_disbanded",
            &party.value,
            &[player],
            json!({ "reason": "empty" }),
        );
        return None;
    }
    if &party.value.leader == player {
        let next = party
            .value
            .members
            .iter()
            .min_by_key(|m| m.joined_at)
            .map(|m| m.player.clone())
            .expect("members left");
        party.value.leader = next.clone();
        emit(
            ctx,
            cs,
            "party_leader_changed",
            &party.value,
            &[],
            json!({ "leader": next, "previous": player }),
        );
    }
    cs.docs.push(party.put());
    Some(party.value.clone())
}

/// `player` leaves. Errors: `NOT_IN_PARTY`.
pub fn leave(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    party: &mut Versioned<Party>,
    player: &PlayerId,
    membership: &Versioned<Membership>,
) -> Result<Option<Party>> {
    if !party.value.has(player) {
        return Err(not_in_party(player));
    }
    Ok(remove(ctx, cs, party, player, membership, None))
}

/// The leader removes `target`. Errors: `NOT_PARTY_LEADER`, `NOT_IN_PARTY`,
/// `INVALID_ARGUMENT` (kicking oneself: leave instead).
pub fn kick(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    party: &mut Versioned<Party>,
    actor: &PlayerId,
    target: &PlayerId,
    membership: &Versioned<Membership>,
) -> Result<Party> {
    must_lead(&party.value, actor)?;
    if actor == target {
        return Err(Error::invalid(
            "player",
            "a leader leaves rather than kicks themselves",
        ));
    }
    if !party.value.has(target) {
        return Err(not_in_party(target));
    }
    Ok(remove(ctx, cs, party, target, membership, Some(actor)).expect("the leader stays"))
}

/// The leader hands leadership to `target`. Errors: `NOT_PARTY_LEADER`, `NOT_IN_PARTY`.
pub fn promote(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    party: &mut Versioned<Party>,
    actor: &PlayerId,
    target: &PlayerId,
) -> Result<Party> {
    must_lead(&party.value, actor)?;
    if !party.value.has(target) {
        return Err(not_in_party(target));
    }
    party.value.leader = target.clone();
    cs.docs.push(party.put());
    emit(
        ctx,
        cs,
        "party_leader_changed",
        &party.value,
        &[],
        json!({ "leader": target, "previous": actor }),
    );
    Ok(party.value.clone())
}

/// The leader disbands the party: every membership ends. Errors: `NOT_PARTY_LEADER`,
/// `NOT_IN_PARTY`.
pub fn disband(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    party: &Versioned<Party>,
    actor: &PlayerId,
    memberships: &[Versioned<Membership>],
) -> Result<()> {
    must_lead(&party.value, actor)?;
    for m in memberships {
        cs.docs.push(m.delete());
    }
    cs.docs.push(party.delete());
    emit(
        ctx,
        cs,
        "party_disbanded",
        &party.value,
        &[],
        json!({ "reason": "disbanded", "by": actor }),
    );
    Ok(())
}
