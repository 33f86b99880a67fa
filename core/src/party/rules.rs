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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::docs::Document;
    use crate::ports::SequentialIds;
    use crate::types::Currency;
    use chrono::{TimeZone, Utc};
    use std::sync::Arc;

    /// Parties of at most three, invites valid for a minute.
    fn cfg() -> PartyConfig {
        PartyConfig {
            max_size: 3,
            invite_ttl_secs: 60,
        }
    }

    /// A context `secs` seconds after the fixed start.
    fn at(secs: i64) -> Ctx {
        let config = Config::new(vec![Currency {
            code: "gold".into(),
            max_balance: None,
        }])
        .unwrap();
        let start = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
        Ctx::new(
            &config,
            start + Duration::seconds(secs),
            Arc::new(SequentialIds::new("t")),
        )
    }

    fn pid(id: &str) -> PlayerId {
        PlayerId::new(id).unwrap()
    }

    /// A stored party led by the first of `members`, who joined in that order, a second
    /// apart from the start.
    fn party(members: &[&str], open: bool) -> Versioned<Party> {
        let start = at(0).now;
        let value = Party {
            id: "party-1".into(),
            leader: pid(members[0]),
            members: members
                .iter()
                .zip(0..)
                .map(|(p, i)| PartyMember {
                    player: pid(p),
                    joined_at: start + Duration::seconds(i),
                })
                .collect(),
            open,
            invites: vec![],
            created_at: start,
        };
        Versioned {
            id: value.id.clone(),
            value,
            version: 3,
        }
    }

    fn membership(player: &str) -> Versioned<Membership> {
        Versioned {
            id: player.into(),
            value: Membership {
                party_id: "party-1".into(),
            },
            version: 1,
        }
    }

    fn code<T: std::fmt::Debug>(r: Result<T>) -> ErrorCode {
        r.expect_err("refused").code
    }

    fn kinds(cs: &ChangeSet) -> Vec<&str> {
        cs.events.iter().map(|e| e.kind.as_str()).collect()
    }

    #[test]
    fn only_the_leader_invites_kicks_promotes_and_disbands() {
        let ctx = at(10);
        let mut p = party(&["lead", "bob"], false);
        let before = p.clone();
        let mut cs = ChangeSet::default();
        let (lead, bob, carol) = (pid("lead"), pid("bob"), pid("carol"));
        let all = [membership("lead"), membership("bob")];
        assert_eq!(
            code(invite(&cfg(), &ctx, &mut cs, &mut p, &bob, &carol)),
            ErrorCode::NotPartyLeader
        );
        assert_eq!(
            code(kick(&ctx, &mut cs, &mut p, &bob, &lead, &all[0])),
            ErrorCode::NotPartyLeader
        );
        assert_eq!(
            code(promote(&ctx, &mut cs, &mut p, &bob, &bob)),
            ErrorCode::NotPartyLeader
        );
        assert_eq!(
            code(disband(&ctx, &mut cs, &p, &bob, &all)),
            ErrorCode::NotPartyLeader
        );
        assert_eq!(
            code(invite(&cfg(), &ctx, &mut cs, &mut p, &carol, &pid("dave"))),
            ErrorCode::NotInParty,
            "an outsider is refused before leadership is asked"
        );
        assert_eq!(
            code(kick(&ctx, &mut cs, &mut p, &lead, &lead, &all[0])),
            ErrorCode::InvalidArgument,
            "a leader leaves rather than kicks themselves"
        );
        assert_eq!(
            code(promote(&ctx, &mut cs, &mut p, &lead, &carol)),
            ErrorCode::NotInParty
        );
        assert_eq!(p, before, "refusals change nothing");
        assert!(cs.docs.is_empty() && cs.events.is_empty());

        let promoted = promote(&ctx, &mut cs, &mut p, &lead, &bob).unwrap();
        assert_eq!(promoted.leader, bob);
        assert_eq!(kinds(&cs), ["party_leader_changed"]);
        assert_eq!(cs.events[0].players, [lead.clone(), bob.clone()]);
        assert_eq!(
            (cs.docs[0].id.as_str(), cs.docs[0].expected_version),
            ("party-1", 3),
            "the party write is guarded by the version read"
        );
        assert_eq!(
            code(kick(&ctx, &mut cs, &mut p, &lead, &bob, &all[1])),
            ErrorCode::NotPartyLeader,
            "the former leader lost the right"
        );
        let kicked = kick(&ctx, &mut cs, &mut p, &bob, &lead, &all[0]).unwrap();
        assert_eq!(kicked.players(), std::slice::from_ref(&bob));
        assert!(cs
            .docs
            .iter()
            .any(|d| d.kind == Membership::KIND && d.id == "lead" && d.body.is_none()));
        assert!(
            cs.events.last().unwrap().players.contains(&lead),
            "the kicked player hears of it too"
        );
    }

    #[test]
    fn an_invite_expires_after_its_ttl() {
        let (lead, bob) = (pid("lead"), pid("bob"));
        let mut p = party(&["lead"], false);
        let mut cs = ChangeSet::default();
        let inv = invite(&cfg(), &at(0), &mut cs, &mut p, &lead, &bob).unwrap();
        assert_eq!(inv.expires_at, at(60).now);
        assert_eq!(kinds(&cs), ["party_invited"]);
        assert!(
            cs.events[0].players.contains(&bob),
            "the invitee hears of it"
        );

        let mut scratch = ChangeSet::default();
        let mut in_time = p.clone();
        let joined = accept(&cfg(), &at(59), &mut scratch, &mut in_time, &bob, None).unwrap();
        assert!(joined.has(&bob));
        assert!(joined.invites.is_empty(), "accepting uses the invite up");

        let mut late = p.clone();
        assert_eq!(
            code(accept(&cfg(), &at(60), &mut scratch, &mut late, &bob, None)),
            ErrorCode::InviteExpired
        );
        assert_eq!(
            code(join(&cfg(), &at(60), &mut scratch, &mut late, &bob, None)),
            ErrorCode::Forbidden,
            "an expired invite does not open a closed party"
        );
        assert_eq!(
            code(accept(
                &cfg(),
                &at(1),
                &mut scratch,
                &mut late,
                &pid("carol"),
                None
            )),
            ErrorCode::NotFound
        );

        // A fresh invite replaces the invitee's older one; expired invites are dropped.
        let pending = |p: &Versioned<Party>| -> Vec<String> {
            p.value
                .invites
                .iter()
                .map(|i| i.player.to_string())
                .collect()
        };
        let mut again = p.clone();
        let mut cs = ChangeSet::default();
        invite(&cfg(), &at(30), &mut cs, &mut again, &lead, &pid("carol")).unwrap();
        invite(&cfg(), &at(40), &mut cs, &mut again, &lead, &bob).unwrap();
        invite(&cfg(), &at(50), &mut cs, &mut again, &lead, &pid("carol")).unwrap();
        assert_eq!(pending(&again), ["bob", "carol"]);
        assert_eq!(again.value.invites[1].expires_at, at(110).now);
        invite(&cfg(), &at(105), &mut cs, &mut again, &lead, &pid("dave")).unwrap();
        assert_eq!(
            pending(&again),
            ["carol", "dave"],
            "bob's invite expired at 100 s"
        );
    }

    #[test]
    fn a_full_party_refuses_invites_accepts_and_joins() {
        let lead = pid("lead");
        let mut p = party(&["lead", "bob"], true);
        let mut cs = ChangeSet::default();
        invite(&cfg(), &at(0), &mut cs, &mut p, &lead, &pid("carol")).unwrap();
        join(&cfg(), &at(1), &mut cs, &mut p, &pid("erin"), None).unwrap();
        assert_eq!(
            p.value.members.len(),
            3,
            "an open party takes players without an invite"
        );
        let before = p.clone();
        let mut cs = ChangeSet::default();
        assert_eq!(
            code(accept(&cfg(), &at(2), &mut cs, &mut p, &pid("carol"), None)),
            ErrorCode::PartyFull
        );
        assert_eq!(
            code(join(&cfg(), &at(2), &mut cs, &mut p, &pid("frank"), None)),
            ErrorCode::PartyFull
        );
        assert_eq!(
            code(invite(
                &cfg(),
                &at(2),
                &mut cs,
                &mut p,
                &lead,
                &pid("frank")
            )),
            ErrorCode::PartyFull
        );
        assert_eq!(p, before);
        assert!(cs.docs.is_empty() && cs.events.is_empty());
    }

    #[test]
    fn a_player_is_in_one_party_at_a_time() {
        let elsewhere = Versioned {
            id: "bob".into(),
            value: Membership {
                party_id: "party-2".into(),
            },
            version: 1,
        };
        let mut cs = ChangeSet::default();
        assert_eq!(
            code(create(&at(0), &mut cs, &pid("bob"), true, Some(&elsewhere))),
            ErrorCode::AlreadyInParty
        );
        let mut p = party(&["lead"], true);
        assert_eq!(
            code(join(
                &cfg(),
                &at(0),
                &mut cs,
                &mut p,
                &pid("bob"),
                Some(&elsewhere)
            )),
            ErrorCode::AlreadyInParty
        );
        assert!(cs.docs.is_empty());

        let made = create(&at(0), &mut cs, &pid("bob"), false, None).unwrap();
        assert_eq!((made.leader.as_str(), made.players().len()), ("bob", 1));
        let membership_write = cs
            .docs
            .iter()
            .find(|d| d.kind == Membership::KIND)
            .expect("a membership document");
        assert_eq!(
            (
                membership_write.id.as_str(),
                membership_write.expected_version
            ),
            ("bob", 0),
            "the membership is created guarded at version 0, so a second party cannot win"
        );
    }

    #[test]
    fn the_longest_standing_member_succeeds_a_leader_who_leaves() {
        let mut p = party(&["lead", "bob", "carol"], false);
        // Carol has stood longer than Bob, though listed after him.
        p.value.members[2].joined_at = p.value.members[1].joined_at - Duration::milliseconds(1);
        let mut cs = ChangeSet::default();
        let left = leave(&at(10), &mut cs, &mut p, &pid("lead"), &membership("lead"))
            .unwrap()
            .expect("the party stays");
        assert_eq!(left.leader, pid("carol"));
        assert_eq!(kinds(&cs), ["party_left", "party_leader_changed"]);

        let mut cs = ChangeSet::default();
        assert_eq!(
            code(leave(
                &at(11),
                &mut cs,
                &mut p,
                &pid("lead"),
                &membership("lead")
            )),
            ErrorCode::NotInParty
        );
        leave(&at(11), &mut cs, &mut p, &pid("bob"), &membership("bob")).unwrap();
        assert_eq!(
            kinds(&cs),
            ["party_left"],
            "a member leaving keeps the leader"
        );
        let mut cs = ChangeSet::default();
        let gone = leave(
            &at(12),
            &mut cs,
            &mut p,
            &pid("carol"),
            &membership("carol"),
        )
        .unwrap();
        assert!(gone.is_none(), "the party ends with its last member");
        assert_eq!(kinds(&cs), ["party_left", "party_disbanded"]);
        assert!(cs
            .docs
            .iter()
            .any(|d| d.kind == Party::KIND && d.id == "party-1" && d.body.is_none()));
    }

    #[test]
    fn disbanding_ends_every_membership() {
        let p = party(&["lead", "bob"], false);
        let all = [membership("lead"), membership("bob")];
        let mut cs = ChangeSet::default();
        disband(&at(5), &mut cs, &p, &pid("lead"), &all).unwrap();
        let deleted: Vec<_> = cs
            .docs
            .iter()
            .filter(|d| d.body.is_none())
            .map(|d| (d.kind.as_str(), d.id.as_str()))
            .collect();
        assert_eq!(
            deleted,
            [
                (Membership::KIND, "lead"),
                (Membership::KIND, "bob"),
                (Party::KIND, "party-1")
            ]
        );
        assert_eq!(kinds(&cs), ["party_disbanded"]);
        assert_eq!(cs.events[0].players, [pid("lead"), pid("bob")]);
    }
}
