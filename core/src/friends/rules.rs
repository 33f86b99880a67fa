//! Decisions of the friends module (SPEC.md Friends), pure functions with their unit
//! tests. Each takes both players' [`FriendsDoc`]s as read (version 0: none yet) and
//! appends to the change set the guarded writes of both, with the call's events: so a
//! pair changes only when neither document moved since it was read.
//!
//! Events: `friend_requested`, `friend_added`, `friend_removed`,
//! `friend_request_declined`, `friend_request_cancelled` to both players;
//! `player_blocked` and `player_unblocked` to the blocker only (the blocked player is
//! never told of a block; a friendship a block ends is a `friend_removed` to both, as
//! a removal by the blocker).

use super::{
    BlockList, BlockResult, FriendEntry, FriendsConfig, FriendsDoc, FriendshipResult,
    PendingRequest,
};
use crate::ctx::Ctx;
use crate::docs::Versioned;
use crate::error::{Error, ErrorCode, Result};
use crate::ports::ChangeSet;
use crate::types::PlayerId;
use chrono::{DateTime, Utc};
use serde_json::json;

/// Refuses a call of a player on itself. Errors: `INVALID_ARGUMENT` naming `field`.
pub fn check_pair(player: &PlayerId, other: &PlayerId, field: &str) -> Result<()> {
    if player == other {
        return Err(Error::invalid(
            field,
            format!("{player} cannot be its own friend or block itself"),
        ));
    }
    Ok(())
}

fn limit(what: &str, player: &PlayerId, max: usize) -> Error {
    Error::new(
        ErrorCode::LimitReached,
        format!("{player} has reached the limit of {max} {what}"),
    )
    .with_details(json!({ "player": player, "limit": what, "max": max }))
}

fn room_for_friend(cfg: &FriendsConfig, player: &PlayerId, doc: &FriendsDoc) -> Result<()> {
    if doc.friends.len() >= cfg.max_friends {
        return Err(limit("friends", player, cfg.max_friends));
    }
    Ok(())
}

fn blocked(a: &PlayerId, b: &PlayerId) -> Error {
    Error::new(ErrorCode::Blocked, format!("{a} and {b} cannot be friends"))
        .with_details(json!({ "player": a, "other": b }))
}

fn not_found(what: &str, player: &PlayerId, other: &PlayerId) -> Error {
    Error::new(
        ErrorCode::NotFound,
        format!("no {what} between {player} and {other}"),
    )
    .with_details(json!({ "kind": what, "player": player, "other": other }))
}

/// Removes `p` from a list of pending requests; true when it was there.
fn drop_pending(list: &mut Vec<PendingRequest>, p: &PlayerId) -> bool {
    let before = list.len();
    list.retain(|r| &r.player != p);
    list.len() != before
}

/// Removes `p` from a friend list; true when it was there.
fn drop_friend(list: &mut Vec<FriendEntry>, p: &PlayerId) -> bool {
    let before = list.len();
    list.retain(|f| &f.player != p);
    list.len() != before
}

fn put_both(cs: &mut ChangeSet, a: &Versioned<FriendsDoc>, b: &Versioned<FriendsDoc>) {
    cs.docs.push(a.put());
    cs.docs.push(b.put());
}

fn result(
    player: &PlayerId,
    other: &PlayerId,
    mine: &FriendsDoc,
    changed: bool,
) -> FriendshipResult {
    let since = mine
        .friends
        .iter()
        .find(|f| &f.player == other)
        .map(|f| f.since);
    FriendshipResult {
        player: player.clone(),
        other: other.clone(),
        friends: since.is_some(),
        since,
        requested: mine.has_outgoing(other),
        changed,
        replayed: false,
    }
}

/// Makes the two friends since `now`: the pending request between them (either way) is
/// gone, each lists the other once. `accepter` accepts `requester`'s request.
fn befriend(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    accepter: &PlayerId,
    mine: &mut Versioned<FriendsDoc>,
    requester: &PlayerId,
    theirs: &mut Versioned<FriendsDoc>,
    now: DateTime<Utc>,
) {
    drop_pending(&mut mine.value.incoming, requester);
    drop_pending(&mut mine.value.outgoing, requester);
    drop_pending(&mut theirs.value.incoming, accepter);
    drop_pending(&mut theirs.value.outgoing, accepter);
    mine.value.friends.push(FriendEntry {
        player: requester.clone(),
        since: now,
    });
    theirs.value.friends.push(FriendEntry {
        player: accepter.clone(),
        since: now,
    });
    put_both(cs, mine, theirs);
    cs.events.push(ctx.event(
        "friend_added",
        vec![requester.clone(), accepter.clone()],
        json!({ "requester": requester, "accepter": accepter, "since": now }),
    ));
}

/// `from` asks `to` (SPEC.md Friends). `blocked`: either has blocked the other. A
/// request to a player whose own request to `from` is pending accepts it (both at
/// `max_friends` checked); a repeated request changes nothing. Errors: `INVALID_ARGUMENT`
/// (oneself), `BLOCKED`, `ALREADY_FRIENDS`, `LIMIT_REACHED` (see
/// [`super::SendFriendRequest`]).
#[allow(clippy::too_many_arguments)]
pub fn request(
    cfg: &FriendsConfig,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    from: &PlayerId,
    mine: &mut Versioned<FriendsDoc>,
    to: &PlayerId,
    theirs: &mut Versioned<FriendsDoc>,
    is_blocked: bool,
) -> Result<FriendshipResult> {
    check_pair(from, to, "to")?;
    if is_blocked {
        return Err(blocked(from, to));
    }
    if mine.value.is_friend(to) {
        return Err(Error::new(
            ErrorCode::AlreadyFriends,
            format!("{from} and {to} are already friends"),
        )
        .with_details(json!({ "player": from, "other": to })));
    }
    if mine.value.has_outgoing(to) {
        return Ok(result(from, to, &mine.value, false));
    }
    if mine.value.has_incoming(to) {
        room_for_friend(cfg, from, &mine.value)?;
        room_for_friend(cfg, to, &theirs.value)?;
        befriend(ctx, cs, from, mine, to, theirs, ctx.now);
        return Ok(result(from, to, &mine.value, true));
    }
    room_for_friend(cfg, from, &mine.value)?;
    if mine.value.outgoing.len() >= cfg.max_pending {
        return Err(limit("outgoing requests", from, cfg.max_pending));
    }
    if theirs.value.incoming.len() >= cfg.max_pending {
        return Err(limit("incoming requests", to, cfg.max_pending));
    }
    mine.value.outgoing.push(PendingRequest {
        player: to.clone(),
        sent_at: ctx.now,
    });
    theirs.value.incoming.push(PendingRequest {
        player: from.clone(),
        sent_at: ctx.now,
    });
    put_both(cs, mine, theirs);
    cs.events.push(ctx.event(
        "friend_requested",
        vec![from.clone(), to.clone()],
        json!({ "from": from, "to": to }),
    ));
    Ok(result(from, to, &mine.value, true))
}

/// `player` accepts `other`'s pending request. Errors: `INVALID_ARGUMENT` (oneself),
/// `ALREADY_FRIENDS`, `NOT_FOUND` (no request from `other`), `LIMIT_REACHED` (either
/// has `max_friends`).
pub fn accept(
    cfg: &FriendsConfig,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    player: &PlayerId,
    mine: &mut Versioned<FriendsDoc>,
    other: &PlayerId,
    theirs: &mut Versioned<FriendsDoc>,
) -> Result<FriendshipResult> {
    check_pair(player, other, "other")?;
    if mine.value.is_friend(other) {
        return Err(Error::new(
            ErrorCode::AlreadyFriends,
            format!("{player} and {other} are already friends"),
        )
        .with_details(json!({ "player": player, "other": other })));
    }
    if !mine.value.has_incoming(other) {
        return Err(not_found("friend request", other, player));
    }
    room_for_friend(cfg, player, &mine.value)?;
    room_for_friend(cfg, other, &theirs.value)?;
    befriend(ctx, cs, player, mine, other, theirs, ctx.now);
    Ok(result(player, other, &mine.value, true))
}

/// `player` declines `other`'s pending request, or cancels its own request to `other`.
/// Errors: `INVALID_ARGUMENT` (oneself), `NOT_FOUND` (no request either way).
pub fn decline(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    player: &PlayerId,
    mine: &mut Versioned<FriendsDoc>,
    other: &PlayerId,
    theirs: &mut Versioned<FriendsDoc>,
) -> Result<FriendshipResult> {
    check_pair(player, other, "other")?;
    let (kind, from, to) = if drop_pending(&mut mine.value.incoming, other) {
        drop_pending(&mut theirs.value.outgoing, player);
        ("friend_request_declined", other, player)
    } else if drop_pending(&mut mine.value.outgoing, other) {
        drop_pending(&mut theirs.value.incoming, player);
        ("friend_request_cancelled", player, other)
    } else {
        return Err(not_found("friend request", player, other));
    };
    put_both(cs, mine, theirs);
    cs.events.push(ctx.event(
        kind,
        vec![player.clone(), other.clone()],
        json!({ "from": from, "to": to, "by": player }),
    ));
    Ok(result(player, other, &mine.value, true))
}

fn unfriend(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    player: &PlayerId,
    mine: &mut Versioned<FriendsDoc>,
    other: &PlayerId,
    theirs: &mut Versioned<FriendsDoc>,
) -> bool {
    if !drop_friend(&mut mine.value.friends, other) {
        return false;
    }
    drop_friend(&mut theirs.value.friends, player);
    cs.events.push(ctx.event(
        "friend_removed",
        vec![player.clone(), other.clone()],
        json!({ "by": player, "other": other }),
    ));
    true
}

/// `player` ends its friendship with `other`. Errors: `INVALID_ARGUMENT` (oneself),
/// `NOT_FOUND` (not friends).
pub fn remove(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    player: &PlayerId,
    mine: &mut Versioned<FriendsDoc>,
    other: &PlayerId,
    theirs: &mut Versioned<FriendsDoc>,
) -> Result<FriendshipResult> {
    check_pair(player, other, "other")?;
    if !unfriend(ctx, cs, player, mine, other, theirs) {
        return Err(not_found("friendship", player, other));
    }
    put_both(cs, mine, theirs);
    Ok(result(player, other, &mine.value, true))
}

/// `blocker` blocks `target`: added to the block list, and any friendship and request
/// between the two removed in the same change set. Both friends documents are written
/// even when nothing changes in them, so a request or accept racing the block is
/// serialized with it. Already blocked: nothing changes. Errors: `INVALID_ARGUMENT`
/// (oneself), `LIMIT_REACHED` (`max_blocked`).
#[allow(clippy::too_many_arguments)]
pub fn block(
    cfg: &FriendsConfig,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    blocker: &PlayerId,
    list: &mut Versioned<BlockList>,
    mine: &mut Versioned<FriendsDoc>,
    target: &PlayerId,
    theirs: &mut Versioned<FriendsDoc>,
) -> Result<BlockResult> {
    check_pair(blocker, target, "blocked")?;
    let mut out = BlockResult {
        blocker: blocker.clone(),
        blocked: target.clone(),
        changed: false,
        unfriended: false,
        replayed: false,
    };
    if list.value.blocked.contains(target) {
        return Ok(out);
    }
    if list.value.blocked.len() >= cfg.max_blocked {
        return Err(limit("blocked players", blocker, cfg.max_blocked));
    }
    list.value.blocked.push(target.clone());
    cs.docs.push(list.put());
    out.unfriended = unfriend(ctx, cs, blocker, mine, target, theirs);
    for (doc, p) in [(&mut *mine, target), (&mut *theirs, blocker)] {
        drop_pending(&mut doc.value.incoming, p);
        drop_pending(&mut doc.value.outgoing, p);
    }
    put_both(cs, mine, theirs);
    cs.events.push(ctx.event(
        "player_blocked",
        vec![blocker.clone()],
        json!({ "blocker": blocker, "blocked": target }),
    ));
    out.changed = true;
    Ok(out)
}

/// `blocker` lifts its block of `target` (a block by `target` stays). Not blocked:
/// nothing changes. The list is deleted when it becomes empty. Errors:
/// `INVALID_ARGUMENT` (oneself).
pub fn unblock(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    blocker: &PlayerId,
    list: Option<&mut Versioned<BlockList>>,
    target: &PlayerId,
) -> Result<BlockResult> {
    check_pair(blocker, target, "blocked")?;
    let mut out = BlockResult {
        blocker: blocker.clone(),
        blocked: target.clone(),
        changed: false,
        unfriended: false,
        replayed: false,
    };
    let Some(list) = list else {
        return Ok(out);
    };
    if !list.value.blocked.contains(target) {
        return Ok(out);
    }
    list.value.blocked.retain(|p| p != target);
    cs.docs.push(if list.value.blocked.is_empty() {
        list.delete()
    } else {
        list.put()
    });
    cs.events.push(ctx.event(
        "player_unblocked",
        vec![blocker.clone()],
        json!({ "blocker": blocker, "blocked": target }),
    ));
    out.changed = true;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::ports::SequentialIds;
    use crate::types::Currency;
    use chrono::{Duration, TimeZone};
    use std::sync::Arc;

    fn cfg() -> FriendsConfig {
        FriendsConfig {
            max_friends: 3,
            max_pending: 2,
            max_blocked: 2,
        }
    }

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

    fn doc(id: &str) -> Versioned<FriendsDoc> {
        Versioned::new(id, FriendsDoc::default())
    }

    /// A document as stored at version 4 with these friends.
    fn with_friends(id: &str, friends: &[&str]) -> Versioned<FriendsDoc> {
        let mut d = doc(id);
        d.version = 4;
        for f in friends {
            d.value.friends.push(FriendEntry {
                player: pid(f),
                since: at(0).now,
            });
        }
        d
    }

    fn kinds(cs: &ChangeSet) -> Vec<&str> {
        cs.events.iter().map(|e| e.kind.as_str()).collect()
    }

    #[test]
    fn a_request_is_pending_both_ways_and_written_guarded() {
        let (a, b) = (pid("a"), pid("b"));
        let (mut da, mut db) = (doc("a"), with_friends("b", &[]));
        let mut cs = ChangeSet::default();
        let r = request(&cfg(), &at(5), &mut cs, &a, &mut da, &b, &mut db, false).unwrap();
        assert!(!r.friends && r.requested && r.changed);
        assert!(da.value.has_outgoing(&b) && db.value.has_incoming(&a));
        assert_eq!(da.value.outgoing[0].sent_at, at(5).now);
        assert_eq!(cs.docs.len(), 2);
        assert_eq!(cs.docs[0].expected_version, 0);
        assert_eq!(cs.docs[1].expected_version, 4);
        assert_eq!(kinds(&cs), ["friend_requested"]);
        assert_eq!(cs.events[0].players, vec![a.clone(), b.clone()]);

        // Again: nothing changes.
        let mut cs = ChangeSet::default();
        let r = request(&cfg(), &at(6), &mut cs, &a, &mut da, &b, &mut db, false).unwrap();
        assert!(!r.changed && r.requested);
        assert!(cs.is_empty());
    }

    #[test]
    fn a_request_to_someone_who_asked_accepts_theirs() {
        let (a, b) = (pid("a"), pid("b"));
        let (mut da, mut db) = (doc("a"), doc("b"));
        let mut cs = ChangeSet::default();
        request(&cfg(), &at(1), &mut cs, &a, &mut da, &b, &mut db, false).unwrap();
        let mut cs = ChangeSet::default();
        let r = request(&cfg(), &at(2), &mut cs, &b, &mut db, &a, &mut da, false).unwrap();
        assert!(r.friends && !r.requested && r.changed);
        assert_eq!(r.since, Some(at(2).now));
        assert!(da.value.is_friend(&b) && db.value.is_friend(&a));
        assert!(da.value.outgoing.is_empty() && db.value.incoming.is_empty());
        assert_eq!(kinds(&cs), ["friend_added"]);
        // Then: already friends.
        let e = request(&cfg(), &at(3), &mut cs, &a, &mut da, &b, &mut db, false).unwrap_err();
        assert_eq!(e.code, ErrorCode::AlreadyFriends);
    }

    #[test]
    fn refusals_change_nothing() {
        let (a, b) = (pid("a"), pid("b"));
        let (mut da, mut db) = (doc("a"), doc("b"));
        let mut cs = ChangeSet::default();
        let e = request(&cfg(), &at(0), &mut cs, &a, &mut da, &a, &mut db, false).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument);
        let e = request(&cfg(), &at(0), &mut cs, &a, &mut da, &b, &mut db, true).unwrap_err();
        assert_eq!(e.code, ErrorCode::Blocked);
        let e = accept(&cfg(), &at(0), &mut cs, &a, &mut da, &b, &mut db).unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound);
        let e = decline(&at(0), &mut cs, &a, &mut da, &b, &mut db).unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound);
        let e = remove(&at(0), &mut cs, &a, &mut da, &b, &mut db).unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound);
        assert!(cs.is_empty());
        assert_eq!(da.value, FriendsDoc::default());
        assert_eq!(db.value, FriendsDoc::default());
    }

    #[test]
    fn friend_and_pending_limits() {
        let (a, b) = (pid("a"), pid("b"));
        // `a` has 3 friends (the cap): no request, no accept.
        let mut da = with_friends("a", &["x", "y", "z"]);
        let mut db = doc("b");
        let mut cs = ChangeSet::default();
        let e = request(&cfg(), &at(0), &mut cs, &a, &mut da, &b, &mut db, false).unwrap_err();
        assert_eq!(e.code, ErrorCode::LimitReached);
        assert_eq!(e.details["limit"], "friends");
        // `b` full, `a` asked by `b`: the accept is refused for `b`'s count.
        let mut da = doc("a");
        let mut db = with_friends("b", &["x", "y", "z"]);
        da.value.incoming.push(PendingRequest {
            player: b.clone(),
            sent_at: at(0).now,
        });
        db.value.outgoing.push(PendingRequest {
            player: a.clone(),
            sent_at: at(0).now,
        });
        let e = accept(&cfg(), &at(1), &mut cs, &a, &mut da, &b, &mut db).unwrap_err();
        assert_eq!(e.code, ErrorCode::LimitReached);
        assert_eq!(e.details["player"], "b");
        let e = request(&cfg(), &at(1), &mut cs, &a, &mut da, &b, &mut db, false).unwrap_err();
        assert_eq!(e.code, ErrorCode::LimitReached);
        assert!(cs.is_empty());

        // Two outgoing at most.
        let mut da = doc("a");
        for t in ["p", "q"] {
            let mut dt = doc(t);
            request(
                &cfg(),
                &at(0),
                &mut cs,
                &a,
                &mut da,
                &pid(t),
                &mut dt,
                false,
            )
            .unwrap();
        }
        let e = request(
            &cfg(),
            &at(0),
            &mut cs,
            &a,
            &mut da,
            &b,
            &mut doc("b"),
            false,
        )
        .unwrap_err();
        assert_eq!(e.details["limit"], "outgoing requests");
        // Two incoming at most, whatever the sender's own count.
        let mut db = doc("b");
        for s in ["p", "q"] {
            let mut ds = doc(s);
            request(
                &cfg(),
                &at(0),
                &mut cs,
                &pid(s),
                &mut ds,
                &b,
                &mut db,
                false,
            )
            .unwrap();
        }
        let e = request(
            &cfg(),
            &at(0),
            &mut cs,
            &pid("r"),
            &mut doc("r"),
            &b,
            &mut db,
            false,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::LimitReached);
        assert_eq!(e.details["limit"], "incoming requests");
    }

    #[test]
    fn decline_by_the_addressee_and_cancel_by_the_sender() {
        let (a, b) = (pid("a"), pid("b"));
        let (mut da, mut db) = (doc("a"), doc("b"));
        let mut cs = ChangeSet::default();
        request(&cfg(), &at(0), &mut cs, &a, &mut da, &b, &mut db, false).unwrap();
        let mut cs = ChangeSet::default();
        let r = decline(&at(1), &mut cs, &b, &mut db, &a, &mut da).unwrap();
        assert!(!r.friends && !r.requested);
        assert_eq!(kinds(&cs), ["friend_request_declined"]);
        assert_eq!(da.value, FriendsDoc::default());
        assert_eq!(db.value, FriendsDoc::default());

        request(&cfg(), &at(2), &mut cs, &a, &mut da, &b, &mut db, false).unwrap();
        let mut cs = ChangeSet::default();
        decline(&at(3), &mut cs, &a, &mut da, &b, &mut db).unwrap();
        assert_eq!(kinds(&cs), ["friend_request_cancelled"]);
        assert_eq!(cs.events[0].payload["from"], "a");
        assert_eq!(da.value, FriendsDoc::default());
        assert_eq!(db.value, FriendsDoc::default());
    }

    #[test]
    fn remove_ends_it_for_both() {
        let (a, b) = (pid("a"), pid("b"));
        let (mut da, mut db) = (with_friends("a", &["b", "x"]), with_friends("b", &["a"]));
        let mut cs = ChangeSet::default();
        let r = remove(&at(1), &mut cs, &b, &mut db, &a, &mut da).unwrap();
        assert!(!r.friends);
        assert!(!da.value.is_friend(&b) && da.value.is_friend(&pid("x")));
        assert!(db.value.friends.is_empty());
        assert_eq!(kinds(&cs), ["friend_removed"]);
        assert_eq!(cs.docs.len(), 2);
    }

    #[test]
    fn a_block_cuts_friendship_and_requests_and_tells_only_the_blocker() {
        let (a, b) = (pid("a"), pid("b"));
        let (mut da, mut db) = (with_friends("a", &["b"]), with_friends("b", &["a"]));
        let mut list = Versioned::new("a", BlockList::default());
        let mut cs = ChangeSet::default();
        let r = block(&cfg(), &at(1), &mut cs, &a, &mut list, &mut da, &b, &mut db).unwrap();
        assert!(r.changed && r.unfriended);
        assert!(da.value.friends.is_empty() && db.value.friends.is_empty());
        assert_eq!(list.value.blocked, vec![b.clone()]);
        assert_eq!(kinds(&cs), ["friend_removed", "player_blocked"]);
        assert_eq!(cs.events[1].players, vec![a.clone()]);
        assert_eq!(cs.docs.len(), 3);

        // A pending request either way goes too; both documents are written even
        // when nothing between them changes.
        let (mut da, mut db) = (doc("a"), doc("b"));
        let mut cs = ChangeSet::default();
        request(&cfg(), &at(0), &mut cs, &b, &mut db, &a, &mut da, false).unwrap();
        let mut list = Versioned::new("a", BlockList::default());
        let mut cs = ChangeSet::default();
        let r = block(&cfg(), &at(1), &mut cs, &a, &mut list, &mut da, &b, &mut db).unwrap();
        assert!(r.changed && !r.unfriended);
        assert_eq!(da.value, FriendsDoc::default());
        assert_eq!(db.value, FriendsDoc::default());
        assert_eq!(kinds(&cs), ["player_blocked"]);
        assert_eq!(cs.docs.len(), 3);

        // Again: nothing.
        let mut cs = ChangeSet::default();
        let r = block(&cfg(), &at(2), &mut cs, &a, &mut list, &mut da, &b, &mut db).unwrap();
        assert!(!r.changed);
        assert!(cs.is_empty());
        // The cap.
        list.value.blocked.push(pid("c"));
        let e = block(
            &cfg(),
            &at(2),
            &mut cs,
            &a,
            &mut list,
            &mut da,
            &pid("d"),
            &mut doc("d"),
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::LimitReached);
        let e = block(
            &cfg(),
            &at(2),
            &mut cs,
            &a,
            &mut list,
            &mut da,
            &a,
            &mut doc("a"),
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument);
        assert!(cs.is_empty());
    }

    #[test]
    fn unblock_lifts_only_ones_own_block() {
        let (a, b) = (pid("a"), pid("b"));
        let mut list = Versioned::new(
            "a",
            BlockList {
                blocked: vec![b.clone()],
            },
        );
        list.version = 2;
        let mut cs = ChangeSet::default();
        let r = unblock(&at(0), &mut cs, &a, Some(&mut list), &b).unwrap();
        assert!(r.changed);
        assert_eq!(cs.docs.len(), 1);
        assert!(cs.docs[0].body.is_none(), "an empty list is deleted");
        assert_eq!(kinds(&cs), ["player_unblocked"]);
        assert_eq!(cs.events[0].players, vec![a.clone()]);
        let mut cs = ChangeSet::default();
        assert!(!unblock(&at(0), &mut cs, &b, None, &a).unwrap().changed);
        assert!(cs.is_empty());
    }
}
