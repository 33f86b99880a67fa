//! Room rules (SPEC.md Rooms and the lobby): the shape of a new room (type, capacity
//! bounded by `rooms.max_capacity`, metadata bounded by `rooms.max_metadata_bytes`),
//! entering (`ROOM_FULL` past the capacity), leaving (an emptied room starts its idle
//! clock), destroying, and the log entry and event each operation writes into the
//! change set. No I/O: the service reads the documents and commits what these decide.

use super::{log_id, CreateRoomRequest, Room, RoomLogEntry, RoomMember, RoomsConfig};
use crate::ctx::Ctx;
use crate::docs::Versioned;
use crate::error::{Error, ErrorCode, Result};
use crate::ports::ChangeSet;
use crate::types::{check_text, PlayerId};
use serde_json::json;

/// Largest page of a room's log.
pub const LOG_PAGE_MAX: u32 = 200;
/// Page of a room's log when no limit is given.
pub const LOG_PAGE_DEFAULT: u32 = 50;

/// Checks a room id: 1 to 128 bytes, no control characters. Errors: `INVALID_ARGUMENT`.
pub fn check_room_id(id: &str) -> Result<()> {
    check_text("room_id", id, 1, 128)
}

/// Checks a creation: type 1 to 64 bytes, capacity 1 to `max_capacity`, metadata at most
/// `max_metadata_bytes` as compact JSON, server 1 to 255 bytes (all without control
/// characters). Errors: `INVALID_ARGUMENT` naming the field.
pub fn check_create(cfg: &RoomsConfig, req: &CreateRoomRequest) -> Result<()> {
    check_text("room_type", &req.room_type, 1, 64)?;
    if req.capacity == 0 || req.capacity > cfg.max_capacity {
        return Err(Error::invalid(
            "capacity",
            format!("capacity is 1 to {}", cfg.max_capacity),
        ));
    }
    let size = serde_json::to_string(&req.metadata).map_or(usize::MAX, |s| s.len());
    if size > cfg.max_metadata_bytes {
        return Err(Error::invalid(
            "metadata",
            format!(
                "metadata is {size} bytes as JSON; at most {} allowed",
                cfg.max_metadata_bytes
            ),
        ));
    }
    if let Some(s) = &req.server {
        check_text("server", s, 1, 255)?;
    }
    Ok(())
}

/// A new room with id `id`, empty (its idle clock running from now) and its log at 0.
pub fn new_room(ctx: &Ctx, id: String, req: &CreateRoomRequest) -> Room {
    Room {
        id,
        room_type: req.room_type.clone(),
        capacity: req.capacity,
        owner: req.player.clone(),
        metadata: req.metadata.clone(),
        server: req.server.clone(),
        players: Vec::new(),
        created_at: ctx.now,
        empty_since: Some(ctx.now),
        log_seq: 0,
        version: 0,
    }
}

/// Appends a log entry of `room` to `cs` (a new document at the room's next sequence
/// number, which the room's own guarded write makes unique).
pub fn log(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    room: &mut Room,
    action: &str,
    player: Option<&PlayerId>,
    reason: Option<&str>,
) {
    room.log_seq += 1;
    let entry = RoomLogEntry {
        room_id: room.id.clone(),
        seq: room.log_seq,
        at: ctx.now,
        action: action.into(),
        player: player.cloned(),
        reason: reason.map(str::to_string),
    };
    cs.docs
        .push(Versioned::new(log_id(&room.id, room.log_seq), entry).put());
}

/// The creation of `room`: its log entry and `room_created` (to its players, none yet
/// unless the creator entered after this).
pub fn created(ctx: &Ctx, cs: &mut ChangeSet, room: &mut Room) {
    let owner = room.owner.clone();
    log(ctx, cs, room, "created", owner.as_ref(), None);
}

/// The `room_created` event: to its creator (who enters it in the same commit), none
/// for a system room.
pub fn created_event(ctx: &Ctx, cs: &mut ChangeSet, room: &Room, creator: Option<PlayerId>) {
    cs.events.push(ctx.event(
        "room_created",
        creator.into_iter().collect(),
        json!({
            "room_id": room.id,
            "room_type": room.room_type,
            "capacity": room.capacity,
            "owner": room.owner,
            "server": room.server,
            "metadata": room.metadata,
        }),
    ));
}

/// `player` enters `room` (not in it yet): refused past the capacity; otherwise the
/// room's idle clock stops, a log entry and `room_entered` (to every player in it now)
/// are written. Errors: `ROOM_FULL` (details: room, capacity).
pub fn enter(ctx: &Ctx, cs: &mut ChangeSet, room: &mut Room, player: &PlayerId) -> Result<()> {
    if room.players.len() >= room.capacity as usize {
        return Err(Error::new(
            ErrorCode::RoomFull,
            format!("room {} is full ({} players)", room.id, room.capacity),
        )
        .with_details(json!({ "room_id": room.id, "capacity": room.capacity })));
    }
    room.players.push(RoomMember {
        player: player.clone(),
        entered_at: ctx.now,
    });
    room.empty_since = None;
    log(ctx, cs, room, "entered", Some(player), None);
    cs.events.push(ctx.event(
        "room_entered",
        room.player_ids(),
        json!({
            "room_id": room.id,
            "player": player,
            "players": room.players.len(),
            "capacity": room.capacity,
        }),
    ));
    Ok(())
}

/// `player` leaves `room` (`reason`: `left` or `entered_other`): a log entry and
/// `room_left` to the players still in it and the leaver; an emptied room starts its
/// idle clock. Returns false (and writes nothing) when the player is not in it.
pub fn leave(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    room: &mut Room,
    player: &PlayerId,
    reason: &str,
) -> bool {
    let Some(i) = room.players.iter().position(|m| &m.player == player) else {
        return false;
    };
    room.players.remove(i);
    if room.players.is_empty() {
        room.empty_since = Some(ctx.now);
    }
    log(ctx, cs, room, "left", Some(player), Some(reason));
    let mut to = room.player_ids();
    to.push(player.clone());
    cs.events.push(ctx.event(
        "room_left",
        to,
        json!({
            "room_id": room.id,
            "player": player,
            "reason": reason,
            "players": room.players.len(),
            "capacity": room.capacity,
        }),
    ));
    true
}

/// The destruction of `room` (`reason`: `idle` or `operator`): a log entry and
/// `room_destroyed` to the players it had (and its owner).
pub fn destroy(ctx: &Ctx, cs: &mut ChangeSet, room: &mut Room, reason: &str) {
    log(ctx, cs, room, "destroyed", None, Some(reason));
    let mut to = room.player_ids();
    if let Some(o) = &room.owner {
        if !to.contains(o) {
            to.push(o.clone());
        }
    }
    cs.events.push(ctx.event(
        "room_destroyed",
        to,
        json!({
            "room_id": room.id,
            "reason": reason,
            "players": room.player_ids(),
        }),
    ));
}

/// A log page's size: 1 to [`LOG_PAGE_MAX`], default [`LOG_PAGE_DEFAULT`]. Errors:
/// `INVALID_ARGUMENT`.
pub fn page_limit(limit: Option<u32>) -> Result<u32> {
    match limit {
        None => Ok(LOG_PAGE_DEFAULT),
        Some(l) if (1..=LOG_PAGE_MAX).contains(&l) => Ok(l),
        Some(_) => Err(Error::invalid("limit", "limit is 1 to 200")),
    }
}

/// A log cursor (the last entry's `seq` of the previous page). Errors: `INVALID_ARGUMENT`.
pub fn parse_cursor(cursor: Option<&str>) -> Result<u64> {
    match cursor {
        None => Ok(0),
        Some(c) => c
            .parse::<u64>()
            .map_err(|_| Error::invalid("after", "after is a next_cursor from a previous page")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::ports::SequentialIds;
    use crate::types::Currency;
    use chrono::TimeZone;
    use std::sync::Arc;

    fn ctx() -> Ctx {
        let cfg = Config::new(vec![Currency {
            code: "gold".into(),
            max_balance: None,
        }])
        .unwrap();
        Ctx::new(
            &cfg,
            chrono::Utc.with_ymd_and_hms(2025, 1, 1, 12, 0, 0).unwrap(),
            Arc::new(SequentialIds::new("t")),
        )
    }

    fn pid(s: &str) -> PlayerId {
        PlayerId::new(s).unwrap()
    }

    fn req(capacity: u32) -> CreateRoomRequest {
        CreateRoomRequest {
            player: None,
            room_type: "deathmatch".into(),
            capacity,
            metadata: Default::default(),
            server: None,
            idempotency_key: None,
        }
    }

    #[test]
    fn creation_is_bounded() {
        let cfg = RoomsConfig::default();
        assert!(check_create(&cfg, &req(1)).is_ok());
        assert!(check_create(&cfg, &req(cfg.max_capacity)).is_ok());
        for bad in [0, cfg.max_capacity + 1] {
            let e = check_create(&cfg, &req(bad)).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidArgument);
            assert_eq!(e.details["field"], "capacity");
        }
        let mut r = req(4);
        r.room_type = String::new();
        assert_eq!(
            check_create(&cfg, &r).unwrap_err().details["field"],
            "room_type"
        );
        let mut r = req(4);
        r.metadata
            .insert("name".into(), json!("x".repeat(cfg.max_metadata_bytes)));
        assert_eq!(
            check_create(&cfg, &r).unwrap_err().details["field"],
            "metadata"
        );
        let mut r = req(4);
        r.server = Some("a\nb".into());
        assert_eq!(
            check_create(&cfg, &r).unwrap_err().details["field"],
            "server"
        );
    }

    #[test]
    fn enter_stops_at_capacity_and_logs_in_order() {
        let ctx = ctx();
        let mut cs = ChangeSet::default();
        let mut room = new_room(&ctx, "r1".into(), &req(2));
        created(&ctx, &mut cs, &mut room);
        enter(&ctx, &mut cs, &mut room, &pid("a")).unwrap();
        assert_eq!(room.empty_since, None);
        enter(&ctx, &mut cs, &mut room, &pid("b")).unwrap();
        let e = enter(&ctx, &mut cs, &mut room, &pid("c")).unwrap_err();
        assert_eq!(e.code, ErrorCode::RoomFull);
        assert_eq!(room.player_ids(), vec![pid("a"), pid("b")]);
        assert_eq!(room.log_seq, 3);
        let ids: Vec<_> = cs.docs.iter().map(|d| d.id.clone()).collect();
        assert_eq!(ids, vec![log_id("r1", 1), log_id("r1", 2), log_id("r1", 3)]);
        // The second entry's event reaches both players in the room.
        let last = cs.events.last().unwrap();
        assert_eq!(last.kind, "room_entered");
        assert_eq!(last.players, vec![pid("a"), pid("b")]);
    }

    #[test]
    fn the_last_leaver_starts_the_idle_clock() {
        let ctx = ctx();
        let cfg = RoomsConfig {
            idle_destroy_secs: 60,
            ..Default::default()
        };
        let mut cs = ChangeSet::default();
        let mut room = new_room(&ctx, "r1".into(), &req(5));
        enter(&ctx, &mut cs, &mut room, &pid("a")).unwrap();
        enter(&ctx, &mut cs, &mut room, &pid("b")).unwrap();
        assert!(!leave(&ctx, &mut cs, &mut room, &pid("zed"), "left"));
        assert!(leave(&ctx, &mut cs, &mut room, &pid("a"), "left"));
        assert_eq!(room.empty_since, None);
        let ev = cs.events.last().unwrap();
        assert_eq!(ev.kind, "room_left");
        assert_eq!(ev.players, vec![pid("b"), pid("a")]);
        assert!(leave(&ctx, &mut cs, &mut room, &pid("b"), "entered_other"));
        assert_eq!(room.empty_since, Some(ctx.now));
        assert!(!room.idle_expired(&cfg, ctx.now + chrono::Duration::seconds(59)));
        assert!(room.idle_expired(&cfg, ctx.now + chrono::Duration::seconds(60)));
    }

    #[test]
    fn destroy_reaches_its_players_and_owner() {
        let ctx = ctx();
        let mut cs = ChangeSet::default();
        let mut r = req(5);
        r.player = Some(pid("own"));
        let mut room = new_room(&ctx, "r1".into(), &r);
        enter(&ctx, &mut cs, &mut room, &pid("a")).unwrap();
        destroy(&ctx, &mut cs, &mut room, "operator");
        let ev = cs.events.last().unwrap();
        assert_eq!(ev.kind, "room_destroyed");
        assert_eq!(ev.players, vec![pid("a"), pid("own")]);
        assert_eq!(ev.payload["reason"], "operator");
    }

    #[test]
    fn log_pages_and_cursors() {
        assert_eq!(page_limit(None).unwrap(), LOG_PAGE_DEFAULT);
        assert!(page_limit(Some(0)).is_err());
        assert!(page_limit(Some(LOG_PAGE_MAX + 1)).is_err());
        assert_eq!(parse_cursor(Some("12")).unwrap(), 12);
        assert!(parse_cursor(Some("x")).is_err());
        assert!(log_id("r", 2) < log_id("r", 10));
    }

    #[test]
    fn config_bounds() {
        assert!(RoomsConfig::default().check().is_ok());
        let bad = RoomsConfig {
            max_capacity: 0,
            ..Default::default()
        };
        assert_eq!(
            bad.check().unwrap_err().details["field"],
            "rooms.max_capacity"
        );
        let bad = RoomsConfig {
            server: Some(String::new()),
            ..Default::default()
        };
        assert_eq!(bad.check().unwrap_err().details["field"], "rooms.server");
    }
}
