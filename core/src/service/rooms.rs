//! Room and lobby services (SPEC.md Rooms and the lobby). Each change reads the room
//! documents and the players' `room_of` documents it moves, lets a rule of
//! [`crate::rooms::rules`] decide, and commits one change set guarded by the versions
//! read, with the log entries and events. Calls on one room queue on its stripe
//! `room:<id>` in this process; other processes meet the room document's version and
//! retry, so 50 players entering a room of capacity 10 at once leave exactly 10 in it.
//!
//! Presence: a session's `Location.room` is the player's `room_of` document. Every read
//! of presence through the core fills it from there ([`Guildhall::placed`]), and after
//! each room commit the coordinator's copy of the moved players' sessions is rewritten,
//! so readers of the coordinator see it too.

use super::Guildhall;
use crate::ctx::Ctx;
use crate::docs::{Document, Versioned};
use crate::error::{Error, Result};
use crate::ports::{ChangeSet, Session};
use crate::rooms::rules;
use crate::rooms::{
    log_id, CreateRoomRequest, DestroyRoomRequest, EnterRoomRequest, IdleRoom, LeaveRoomRequest,
    LobbyPlayer, LobbyPushResult, LobbyRoom, LobbyView, PushLobbyRequest, Room, RoomLogEntry,
    RoomLogPage, RoomOf, RoomResult,
};
use crate::types::PlayerId;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Largest page of [`Guildhall::rooms`].
pub const ROOMS_MAX: u32 = 1000;
/// Empty-room markers one run of [`Guildhall::destroy_idle_rooms`] looks at.
pub const IDLE_SCAN: u32 = 1000;
/// Above this many sessions, presence reads every `room_of` document in one range read
/// instead of one point read per session.
const PLACE_POINT_READS: usize = 64;
/// `room_of` documents one range read of [`Guildhall::placed`] takes at most.
const PLACE_SCAN: u32 = 1_000_000;

fn stripe(room_id: &str) -> String {
    format!("room:{room_id}")
}

impl Guildhall {
    /// A live room's document. Errors: `NOT_FOUND` (absent, or past its idle time).
    async fn room_doc(&self, ctx: &Ctx, room_id: &str) -> Result<Versioned<Room>> {
        rules::check_room_id(room_id)?;
        match self.load::<Room>(room_id).await? {
            Some(r) if !r.value.idle_expired(&self.config.rooms, ctx.now) => Ok(r),
            _ => Err(Error::not_found("room", room_id)),
        }
    }

    /// Moves `player` into `target` in `cs`: leaves the room they were in (reason
    /// `entered_other`; its document written here), enters `target` (`ROOM_FULL`), and
    /// writes their `room_of`. The caller writes `target`. Returns the room left, or
    /// `None`; nothing changes when they are in `target` already.
    async fn move_into(
        &self,
        ctx: &Ctx,
        cs: &mut ChangeSet,
        target: &mut Versioned<Room>,
        player: &PlayerId,
    ) -> Result<Option<String>> {
        let of = self.load::<RoomOf>(player.as_str()).await?;
        let mut left = None;
        if let Some(of) = &of {
            if of.value.room_id == target.id && target.value.has(player) {
                return Ok(None);
            }
            if of.value.room_id != target.id {
                if let Some(mut old) = self.load::<Room>(&of.value.room_id).await? {
                    if rules::leave(ctx, cs, &mut old.value, player, "entered_other") {
                        if old.value.players.is_empty() {
                            cs.docs
                                .push(Versioned::new(old.id.as_str(), IdleRoom {}).put());
                        }
                        cs.docs.push(old.put());
                        left = Some(old.id.clone());
                    }
                }
            }
        }
        let was_empty = target.value.players.is_empty();
        rules::enter(ctx, cs, &mut target.value, player)?;
        if was_empty && target.version > 0 {
            cs.docs.push(idle_marker(&target.id).delete());
        }
        let mut of = of.unwrap_or_else(|| {
            Versioned::new(
                player.as_str(),
                RoomOf {
                    room_id: String::new(),
                    entered_at: ctx.now,
                },
            )
        });
        of.value = RoomOf {
            room_id: target.id.clone(),
            entered_at: ctx.now,
        };
        cs.docs.push(of.put());
        Ok(left)
    }

    /// The room `player` is in now, by their `room_of` document (before a call; used to
    /// hold that room's stripe too).
    pub(crate) async fn room_hint(&self, player: &PlayerId) -> Result<Option<String>> {
        Ok(self
            .load::<RoomOf>(player.as_str())
            .await?
            .map(|d| d.value.room_id))
    }

    /// Creates a room (SPEC.md Rooms and the lobby). With `player`, the player owns it
    /// and enters it in the same commit (leaving any room they were in, `room_left`);
    /// without, the system owns it and it starts empty (destroyed after
    /// `rooms.idle_destroy_secs` unless someone enters). Events `room_created` (to its
    /// players) and, for a player, `room_entered`. Errors: `INVALID_ARGUMENT` (type,
    /// capacity over `rooms.max_capacity`, metadata over `rooms.max_metadata_bytes`,
    /// server), `IDEMPOTENCY_CONFLICT`.
    pub async fn create_room(&self, req: CreateRoomRequest) -> Result<RoomResult> {
        rules::check_create(&self.config.rooms, &req)?;
        let old = match &req.player {
            Some(p) => self.room_hint(p).await?.map(|r| stripe(&r)),
            None => None,
        };
        let also: Vec<&str> = old.iter().map(String::as_str).collect();
        let players: Vec<&PlayerId> = req.player.iter().collect();
        let req = &req;
        let done = self
            .execute_locking(
                "create_room",
                &players,
                &also,
                req.idempotency_key.as_deref(),
                req,
                |ctx: Ctx| {
                    Box::pin(async move {
                        let mut cs = ChangeSet::default();
                        let room = rules::new_room(&ctx, ctx.id(), req);
                        let mut doc = Versioned::new(room.id.clone(), room);
                        rules::created(&ctx, &mut cs, &mut doc.value);
                        rules::created_event(&ctx, &mut cs, &doc.value, req.player.clone());
                        let left = match &req.player {
                            Some(p) => self.move_into(&ctx, &mut cs, &mut doc, p).await?,
                            None => {
                                cs.docs
                                    .push(Versioned::new(doc.id.as_str(), IdleRoom {}).put());
                                None
                            }
                        };
                        cs.docs.push(doc.put());
                        Ok((cs, result(doc, left)))
                    })
                },
            )
            .await?;
        self.after_room_change(&done, req.player.iter().cloned().collect())
            .await;
        Ok(done)
    }

    /// `player` enters a room; a player in another room leaves it in the same commit
    /// (`room_left` with reason `entered_other`). Entering the room one is in changes
    /// nothing. Events `room_entered` to every player in the room. An empty room past its
    /// idle time is destroyed first and answers `NOT_FOUND`. Errors: `NOT_FOUND`,
    /// `ROOM_FULL` (details: room_id, capacity), `INVALID_ARGUMENT`,
    /// `IDEMPOTENCY_CONFLICT`.
    pub async fn enter_room(&self, req: EnterRoomRequest) -> Result<RoomResult> {
        rules::check_room_id(&req.room_id)?;
        self.reap_if_idle(&req.room_id).await?;
        let mut also = vec![stripe(&req.room_id)];
        if let Some(r) = self.room_hint(&req.player).await? {
            also.push(stripe(&r));
        }
        let also: Vec<&str> = also.iter().map(String::as_str).collect();
        let req = &req;
        let done = self
            .execute_locking(
                "enter_room",
                &[&req.player],
                &also,
                req.idempotency_key.as_deref(),
                req,
                |ctx: Ctx| {
                    Box::pin(async move {
                        let mut cs = ChangeSet::default();
                        let mut doc = self.room_doc(&ctx, &req.room_id).await?;
                        let left = self.move_into(&ctx, &mut cs, &mut doc, &req.player).await?;
                        if cs.docs.is_empty() {
                            // In it already: nothing changes.
                            return Ok((cs, unchanged(doc)));
                        }
                        cs.docs.push(doc.put());
                        Ok((cs, result(doc, left)))
                    })
                },
            )
            .await?;
        self.after_room_change(&done, vec![req.player.clone()])
            .await;
        Ok(done)
    }

    /// `player` leaves the room they are in (`room_id`, when given, must be it). Event
    /// `room_left` (reason `left`) to the players still in it and the leaver; the last
    /// leaver starts the room's idle clock. Errors: `NOT_FOUND` (in no room, or not in
    /// `room_id`), `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
    pub async fn leave_room(&self, req: LeaveRoomRequest) -> Result<RoomResult> {
        if let Some(r) = &req.room_id {
            rules::check_room_id(r)?;
        }
        let hint = self.room_hint(&req.player).await?;
        let also: Vec<String> = hint.iter().map(|r| stripe(r)).collect();
        let also: Vec<&str> = also.iter().map(String::as_str).collect();
        let req = &req;
        let done = self
            .execute_locking(
                "leave_room",
                &[&req.player],
                &also,
                req.idempotency_key.as_deref(),
                req,
                |ctx: Ctx| {
                    Box::pin(async move {
                        let not_in = || {
                            let mut e = Error::not_found(
                                "room membership",
                                req.room_id.as_deref().unwrap_or(req.player.as_str()),
                            );
                            e.message = match &req.room_id {
                                Some(r) => format!("{} is not in room {r}", req.player),
                                None => format!("{} is in no room", req.player),
                            };
                            e
                        };
                        let of = self
                            .load::<RoomOf>(req.player.as_str())
                            .await?
                            .ok_or_else(not_in)?;
                        if req.room_id.as_ref().is_some_and(|r| r != &of.value.room_id) {
                            return Err(not_in());
                        }
                        let mut cs = ChangeSet::default();
                        cs.docs.push(of.delete());
                        let Some(mut doc) = self.load::<Room>(&of.value.room_id).await? else {
                            // The room went without taking the membership: drop it.
                            return Ok((cs, gone_result(&of.value.room_id, ctx.now)));
                        };
                        if rules::leave(&ctx, &mut cs, &mut doc.value, &req.player, "left")
                            && doc.value.players.is_empty()
                        {
                            cs.docs
                                .push(Versioned::new(doc.id.as_str(), IdleRoom {}).put());
                        }
                        cs.docs.push(doc.put());
                        let left = Some(doc.id.clone());
                        Ok((cs, result(doc, left)))
                    })
                },
            )
            .await?;
        self.after_room_change(&done, vec![req.player.clone()])
            .await;
        Ok(done)
    }

    /// An operator destroys a room now: its players leave it (their `room_of` documents
    /// go) and `room_destroyed` (reason `operator`) reaches them and its owner, in one
    /// commit. Errors: `NOT_FOUND`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
    pub async fn destroy_room(&self, req: DestroyRoomRequest) -> Result<RoomResult> {
        rules::check_room_id(&req.room_id)?;
        let first = self
            .load::<Room>(&req.room_id)
            .await?
            .ok_or_else(|| Error::not_found("room", &req.room_id))?;
        let players = first.value.player_ids();
        let held: Vec<&PlayerId> = players.iter().collect();
        let room_stripe = stripe(&req.room_id);
        let req = &req;
        let done = self
            .execute_locking(
                "destroy_room",
                &held,
                &[room_stripe.as_str()],
                req.idempotency_key.as_deref(),
                req,
                |ctx: Ctx| {
                    Box::pin(async move {
                        let doc = self
                            .load::<Room>(&req.room_id)
                            .await?
                            .ok_or_else(|| Error::not_found("room", &req.room_id))?;
                        let mut cs = ChangeSet::default();
                        let reason = if doc.value.idle_expired(&self.config.rooms, ctx.now) {
                            "idle"
                        } else {
                            "operator"
                        };
                        let room = self.destroy_into(&ctx, &mut cs, doc, reason).await?;
                        Ok((cs, result(room, None)))
                    })
                },
            )
            .await?;
        self.after_room_change(&done, players).await;
        Ok(done)
    }

    /// Writes a room's destruction into `cs`: its log entry and event, its members'
    /// `room_of` documents and its idle marker deleted, its document deleted. Returns the
    /// room as it was (with the version of its last write).
    async fn destroy_into(
        &self,
        ctx: &Ctx,
        cs: &mut ChangeSet,
        mut doc: Versioned<Room>,
        reason: &str,
    ) -> Result<Versioned<Room>> {
        for p in doc.value.player_ids() {
            if let Some(of) = self.load::<RoomOf>(p.as_str()).await? {
                if of.value.room_id == doc.id {
                    cs.docs.push(of.delete());
                }
            }
        }
        if doc.value.players.is_empty() {
            cs.docs.push(idle_marker(&doc.id).delete());
        }
        rules::destroy(ctx, cs, &mut doc.value, reason);
        cs.docs.push(doc.delete());
        Ok(doc)
    }

    /// Destroys `room_id` in its own commit when it is empty and past its idle time
    /// (the lazy half of the idle sweep). Returns whether it did.
    async fn reap_if_idle(&self, room_id: &str) -> Result<bool> {
        let now = self.clock.now();
        match self.load::<Room>(room_id).await? {
            Some(r) if r.value.idle_expired(&self.config.rooms, now) => {}
            _ => return Ok(false),
        }
        let _held = self.stripes.lock_keys(&[stripe(room_id).as_str()]).await;
        self.retrying("destroy_idle_room", |ctx: Ctx| {
            Box::pin(async move {
                let mut cs = ChangeSet::default();
                let Some(doc) = self.load::<Room>(room_id).await? else {
                    return Ok((cs, false));
                };
                if !doc.value.idle_expired(&self.config.rooms, ctx.now) {
                    return Ok((cs, false));
                }
                self.destroy_into(&ctx, &mut cs, doc, "idle").await?;
                Ok((cs, true))
            })
        })
        .await
    }

    /// Destroys the empty rooms past `rooms.idle_destroy_secs` (at most [`IDLE_SCAN`]
    /// looked at per run), each in a commit of its own with `room_destroyed` (reason
    /// `idle`). The host's scheduler runs it; reads already treat such a room as gone.
    /// Returns how many it destroyed.
    pub async fn destroy_idle_rooms(&self) -> Result<u32> {
        let mut n = 0;
        for marker in self.store.docs(IdleRoom::KIND, "", IDLE_SCAN).await? {
            if self.reap_if_idle(&marker.id).await? {
                n += 1;
            }
        }
        Ok(n)
    }

    /// Rewrites the coordinator's copy of the moved players' sessions (their room, from
    /// their `room_of` documents). Best effort: reads through the core fill the room
    /// from the store anyway.
    async fn after_room_change(&self, done: &RoomResult, players: Vec<PlayerId>) {
        if done.replayed {
            return;
        }
        let now = self.clock.now();
        for p in players {
            let placed = async {
                if let Some(mut s) = self.coordinator.session(&p, now).await? {
                    let room = self.room_hint(&p).await?;
                    if s.location.room != room {
                        s.location.room = room;
                        self.coordinator.put_session(s).await?;
                    }
                }
                Ok::<_, Error>(())
            };
            if let Err(e) = placed.await {
                tracing::debug!(player = %p, error = %e, "session room not rewritten; presence reads fill it from the store");
            }
        }
    }

    /// Fills each session's `Location.room` from the players' `room_of` documents (the
    /// room membership, SPEC.md Presence: presence records the room a player is in).
    pub(crate) async fn placed(&self, mut sessions: Vec<Session>) -> Result<Vec<Session>> {
        if sessions.len() <= PLACE_POINT_READS {
            for s in &mut sessions {
                s.location.room = self.room_hint(&s.player).await?;
            }
            return Ok(sessions);
        }
        let mut rooms: HashMap<String, String> = HashMap::new();
        for d in self.store.docs(RoomOf::KIND, "", PLACE_SCAN).await? {
            let of = Versioned::<RoomOf>::decode(d)?;
            rooms.insert(of.id, of.value.room_id);
        }
        for s in &mut sessions {
            s.location.room = rooms.get(s.player.as_str()).cloned();
        }
        Ok(sessions)
    }

    /// One live room, with its players and version. Errors: `NOT_FOUND` (absent,
    /// destroyed, or past its idle time), `INVALID_ARGUMENT`.
    pub async fn room(&self, room_id: &str) -> Result<Room> {
        let ctx_now = self.clock.now();
        rules::check_room_id(room_id)?;
        match self.load::<Room>(room_id).await? {
            Some(r) if !r.value.idle_expired(&self.config.rooms, ctx_now) => Ok(with_version(r)),
            _ => Err(Error::not_found("room", room_id)),
        }
    }

    /// The room `player` is in, or `None`.
    pub async fn player_room(&self, player: &PlayerId) -> Result<Option<Room>> {
        let Some(id) = self.room_hint(player).await? else {
            return Ok(None);
        };
        match self.room(&id).await {
            Ok(r) => Ok(Some(r)),
            Err(e) if e.code == crate::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Live rooms, by id, at most `limit` (1 to [`ROOMS_MAX`], default 100). Errors:
    /// `INVALID_ARGUMENT`.
    pub async fn rooms(&self, limit: Option<u32>) -> Result<Vec<Room>> {
        let limit = limit.unwrap_or(100);
        if !(1..=ROOMS_MAX).contains(&limit) {
            return Err(Error::invalid("limit", "limit is 1 to 1000"));
        }
        self.live_rooms(limit).await
    }

    async fn live_rooms(&self, limit: u32) -> Result<Vec<Room>> {
        let now = self.clock.now();
        let mut out = Vec::new();
        for d in self.store.docs(Room::KIND, "", limit).await? {
            let r = Versioned::<Room>::decode(d)?;
            if !r.value.idle_expired(&self.config.rooms, now) {
                out.push(with_version(r));
            }
        }
        Ok(out)
    }

    /// A page of a room's log (created, entered, left, destroyed, with player and time),
    /// oldest first; readable after the room is destroyed. `after`: a previous page's
    /// `next_cursor`; `limit` 1 to 200 (default 50). Errors: `NOT_FOUND` (no such room
    /// ever), `INVALID_ARGUMENT`.
    pub async fn room_log(
        &self,
        room_id: &str,
        after: Option<&str>,
        limit: Option<u32>,
    ) -> Result<RoomLogPage> {
        rules::check_room_id(room_id)?;
        let after = rules::parse_cursor(after)?;
        let limit = rules::page_limit(limit)?;
        let mut entries = Vec::new();
        let mut more = false;
        for seq in after + 1..=after + u64::from(limit) + 1 {
            match self.load::<RoomLogEntry>(&log_id(room_id, seq)).await? {
                Some(e) if entries.len() < limit as usize => entries.push(e.value),
                Some(_) => more = true,
                None => break,
            }
        }
        if after == 0 && entries.is_empty() {
            return Err(Error::not_found("room", room_id));
        }
        let next_cursor = match entries.last() {
            Some(e) if more => Some(e.seq.to_string()),
            _ => None,
        };
        Ok(RoomLogPage {
            room_id: room_id.to_string(),
            entries,
            next_cursor,
        })
    }

    /// The lobby view (SPEC.md Rooms and the lobby): the live rooms (type, player count,
    /// capacity, game-server address: the room's, else `rooms.server`) and the online
    /// players with the room each is in, each list by id and at most `rooms.lobby_limit`.
    pub async fn lobby(&self) -> Result<LobbyView> {
        let (view, _) = self.lobby_and_sessions().await?;
        Ok(view)
    }

    async fn lobby_and_sessions(&self) -> Result<(LobbyView, Vec<Session>)> {
        let cfg = &self.config.rooms;
        let rooms = self
            .live_rooms(cfg.lobby_limit)
            .await?
            .into_iter()
            .map(|r| LobbyRoom {
                players: r.players.len() as u32,
                server: r.server.or_else(|| cfg.server.clone()),
                id: r.id,
                room_type: r.room_type,
                capacity: r.capacity,
                owner: r.owner,
            })
            .collect();
        let mut sessions = self.online().await?;
        sessions.sort_by(|a, b| a.player.cmp(&b.player));
        let players = sessions
            .iter()
            .take(cfg.lobby_limit as usize)
            .map(|s| LobbyPlayer {
                player: s.player.clone(),
                room: s.location.room.clone(),
            })
            .collect();
        let view = LobbyView {
            at: self.clock.now(),
            rooms,
            players,
            online_count: sessions.len() as u32,
        };
        Ok((view, sessions))
    }

    /// Pushes the lobby view as a `lobby_view` event (payload: the [`LobbyView`]) to
    /// `req.player`, or else to every lobby player: online, with a `lobby` in their
    /// location, in no room. The host's scheduler pushes every `rooms.lobby_push_secs`
    /// with the previous push's fingerprint, so an unchanged view to the same players
    /// writes nothing. Nobody to push to: nothing written.
    pub async fn push_lobby(&self, req: PushLobbyRequest) -> Result<LobbyPushResult> {
        let (view, sessions) = self.lobby_and_sessions().await?;
        let to: Vec<PlayerId> = match &req.player {
            Some(p) => vec![p.clone()],
            None => sessions
                .into_iter()
                .filter(|s| s.location.lobby.is_some() && s.location.room.is_none())
                .map(|s| s.player)
                .collect(),
        };
        let mut h = Sha256::new();
        let mut unstamped = serde_json::to_value(&view).unwrap_or_default();
        if let Some(o) = unstamped.as_object_mut() {
            o.remove("at");
        }
        h.update(unstamped.to_string().as_bytes());
        for p in &to {
            h.update(b"\n");
            h.update(p.as_str().as_bytes());
        }
        let fingerprint = hex::encode(h.finalize());
        if to.is_empty() || req.unless_fingerprint.as_deref() == Some(fingerprint.as_str()) {
            return Ok(LobbyPushResult {
                recipients: 0,
                fingerprint,
            });
        }
        let recipients = to.len() as u32;
        let (to, view) = (&to, &view);
        self.retrying("push_lobby", |ctx: Ctx| {
            Box::pin(async move {
                let mut cs = ChangeSet::default();
                cs.events.push(ctx.event(
                    "lobby_view",
                    to.clone(),
                    serde_json::to_value(view).unwrap_or_default(),
                ));
                Ok((cs, ()))
            })
        })
        .await?;
        Ok(LobbyPushResult {
            recipients,
            fingerprint,
        })
    }
}

fn idle_marker(room_id: &str) -> Versioned<IdleRoom> {
    Versioned {
        id: room_id.to_string(),
        value: IdleRoom {},
        version: 1,
    }
}

/// The result of a call that changed nothing.
fn unchanged(doc: Versioned<Room>) -> RoomResult {
    RoomResult {
        room: with_version(doc),
        left_room: None,
        replayed: false,
    }
}

fn with_version(r: Versioned<Room>) -> Room {
    let mut room = r.value;
    room.version = r.version;
    room
}

/// The result of a call that wrote `doc` (its version after the write).
fn result(doc: Versioned<Room>, left_room: Option<String>) -> RoomResult {
    let mut room = doc.value;
    room.version = doc.version + 1;
    RoomResult {
        room,
        left_room,
        replayed: false,
    }
}

/// The result of a leave from a room that is gone.
fn gone_result(room_id: &str, now: chrono::DateTime<chrono::Utc>) -> RoomResult {
    RoomResult {
        room: Room {
            id: room_id.to_string(),
            room_type: String::new(),
            capacity: 0,
            owner: None,
            metadata: Default::default(),
            server: None,
            players: Vec::new(),
            created_at: now,
            empty_since: Some(now),
            log_seq: 0,
            version: 0,
        },
        left_room: Some(room_id.to_string()),
        replayed: false,
    }
}
