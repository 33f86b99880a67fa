//! Rooms and the lobby: a room of capacity 10 filled by 50 players at once (from two
//! services) holds exactly 10, the others get `ROOM_FULL`; entering another room leaves
//! the first in the same commit; an empty room is destroyed after its idle time (by the
//! sweep, and lazily by an enter); presence shows the room from the membership, never
//! from what a login claims; the room's log in pages; destroy; the lobby view and its
//! push; bad input changes nothing; idempotency keys.

use super::*;
use guildhall_core::rooms::{
    CreateRoomRequest, DestroyRoomRequest, EnterRoomRequest, LeaveRoomRequest, PushLobbyRequest,
    RoomResult,
};

conformance!(
    rooms_a_concurrent_fill_holds_exactly_the_capacity,
    rooms_entering_another_room_leaves_the_first,
    rooms_idle_rooms_are_destroyed_after_the_idle_time,
    rooms_presence_shows_the_room_of_the_membership,
    rooms_log_pages_and_destroy,
    rooms_lobby_view_and_push,
    rooms_bad_input_changes_nothing_and_keys_replay,
);

fn system_room(capacity: u32) -> CreateRoomRequest {
    CreateRoomRequest {
        player: None,
        room_type: "deathmatch".into(),
        capacity,
        metadata: Default::default(),
        server: None,
        idempotency_key: None,
    }
}

fn enter(p: &str, room: &str) -> EnterRoomRequest {
    EnterRoomRequest {
        player: pid(p),
        room_id: room.into(),
        idempotency_key: None,
    }
}

fn leave(p: &str) -> LeaveRoomRequest {
    LeaveRoomRequest {
        player: pid(p),
        room_id: None,
        idempotency_key: None,
    }
}

async fn new_room(fx: &Fixture, capacity: u32) -> String {
    fx.gh
        .create_room(system_room(capacity))
        .await
        .unwrap()
        .room
        .id
}

async fn room_of(fx: &Fixture, p: &str) -> Option<String> {
    fx.gh.player_room(&pid(p)).await.unwrap().map(|r| r.id)
}

async fn rooms_a_concurrent_fill_holds_exactly_the_capacity(fx: Fixture) {
    let other = fx.second_service().await;
    let id = new_room(&fx, 10).await;
    let mut calls = Vec::new();
    for i in 0..50 {
        let gh = if i % 2 == 0 { &fx.gh } else { &other };
        let id = id.clone();
        calls.push(spawn_call(gh, move |gh| async move {
            gh.enter_room(enter(&format!("p{i}"), &id)).await
        }));
    }
    let (mut entered, mut full) = (Vec::new(), 0);
    for (i, c) in calls.into_iter().enumerate() {
        match c.await.unwrap() {
            Ok(r) => {
                assert!(r.room.players.len() <= 10);
                entered.push(format!("p{i}"));
            }
            Err(e) => {
                assert_eq!(e.code, ErrorCode::RoomFull, "p{i}: {e}");
                assert_eq!(e.details["capacity"], 10);
                full += 1;
            }
        }
    }
    assert_eq!((entered.len(), full), (10, 40));
    let room = fx.gh.room(&id).await.unwrap();
    let mut inside: Vec<String> = room.players.iter().map(|m| m.player.to_string()).collect();
    inside.sort();
    entered.sort();
    assert_eq!(
        inside, entered,
        "the room holds exactly those who were told so"
    );
    for i in 0..50 {
        let p = format!("p{i}");
        let want = entered.contains(&p).then(|| id.clone());
        assert_eq!(room_of(&fx, &p).await, want, "{p}'s membership");
    }
    assert_eq!(fx.events_of("room_entered").await.len(), 10);
    // 1 created + 10 entered, numbered without a gap.
    let log = fx.gh.room_log(&id, None, Some(200)).await.unwrap();
    let seqs: Vec<u64> = log.entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=11).collect::<Vec<u64>>());
    assert_eq!(room.log_seq, 11);
}

async fn rooms_entering_another_room_leaves_the_first(fx: Fixture) {
    let a = fx
        .gh
        .create_room(CreateRoomRequest {
            player: Some(pid("ann")),
            ..system_room(4)
        })
        .await
        .unwrap();
    assert_eq!(a.room.owner, Some(pid("ann")));
    assert_eq!(
        a.room.player_ids(),
        vec![pid("ann")],
        "the creator is in it"
    );
    let a = a.room.id;
    fx.gh.enter_room(enter("bob", &a)).await.unwrap();
    let b = new_room(&fx, 4).await;
    let seen = fx.events_of("room_entered").await.len();
    let moved = fx.gh.enter_room(enter("ann", &b)).await.unwrap();
    assert_eq!(moved.left_room.as_deref(), Some(a.as_str()));
    assert_eq!(moved.room.player_ids(), vec![pid("ann")]);
    assert_eq!(fx.gh.room(&a).await.unwrap().player_ids(), vec![pid("bob")]);
    assert_eq!(room_of(&fx, "ann").await, Some(b.clone()));
    // The leave and the enter are one commit: adjacent events of one transaction.
    let left = fx.events_of("room_left").await;
    let last = left.last().unwrap();
    assert_eq!(last.payload["reason"], "entered_other");
    assert_eq!(last.players, vec![pid("bob"), pid("ann")]);
    let entered = fx.events_of("room_entered").await;
    assert_eq!(entered.len(), seen + 1);
    assert_eq!(entered.last().unwrap().seq, last.seq + 1);
    // Entering the room one is in changes nothing.
    let again = fx.gh.enter_room(enter("ann", &b)).await.unwrap();
    assert_eq!(again.left_room, None);
    assert_eq!(fx.events_of("room_entered").await.len(), seen + 1);
    // Creating a room while in one leaves it too; the emptied room starts its idle clock.
    let c = fx
        .gh
        .create_room(CreateRoomRequest {
            player: Some(pid("ann")),
            ..system_room(2)
        })
        .await
        .unwrap();
    assert_eq!(c.left_room.as_deref(), Some(b.as_str()));
    assert_eq!(fx.gh.room(&b).await.unwrap().empty_since, Some(fx.now()));
    // Leaving: the room named must be the player's.
    expect_code(
        fx.gh
            .leave_room(LeaveRoomRequest {
                room_id: Some(a.clone()),
                ..leave("ann")
            })
            .await,
        ErrorCode::NotFound,
    );
    let out = fx.gh.leave_room(leave("ann")).await.unwrap();
    assert_eq!(out.left_room.as_deref(), Some(c.room.id.as_str()));
    assert_eq!(room_of(&fx, "ann").await, None);
    expect_code(fx.gh.leave_room(leave("ann")).await, ErrorCode::NotFound);
}

async fn rooms_idle_rooms_are_destroyed_after_the_idle_time(fx: Fixture) {
    let idle = fx.gh.config().rooms.idle_destroy_secs;
    let swept = new_room(&fx, 2).await;
    let lazy = new_room(&fx, 2).await;
    let busy = new_room(&fx, 2).await;
    fx.gh.enter_room(enter("cat", &busy)).await.unwrap();
    fx.clock.advance_secs(idle - 1);
    assert_eq!(fx.gh.destroy_idle_rooms().await.unwrap(), 0);
    fx.gh.room(&swept).await.unwrap();
    // A player who enters and leaves restarts the clock.
    fx.gh.enter_room(enter("dan", &lazy)).await.unwrap();
    fx.gh.leave_room(leave("dan")).await.unwrap();
    fx.clock.advance_secs(1);
    assert_eq!(fx.gh.destroy_idle_rooms().await.unwrap(), 1);
    expect_code(fx.gh.room(&swept).await, ErrorCode::NotFound);
    fx.gh.room(&lazy).await.unwrap();
    fx.gh.room(&busy).await.unwrap();
    // Past its time, a read treats a room as gone and an enter destroys it itself.
    fx.clock.advance_secs(idle);
    expect_code(fx.gh.room(&lazy).await, ErrorCode::NotFound);
    expect_code(
        fx.gh.enter_room(enter("dan", &lazy)).await,
        ErrorCode::NotFound,
    );
    assert_eq!(room_of(&fx, "dan").await, None);
    let destroyed = fx.events_of("room_destroyed").await;
    assert_eq!(destroyed.len(), 2);
    assert!(destroyed.iter().all(|e| e.payload["reason"] == "idle"));
    assert_eq!(fx.gh.destroy_idle_rooms().await.unwrap(), 0);
    // A room with a player is never idle.
    fx.gh.room(&busy).await.unwrap();
    let log = fx.gh.room_log(&swept, None, None).await.unwrap();
    let actions: Vec<&str> = log.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["created", "destroyed"]);
}

async fn rooms_presence_shows_the_room_of_the_membership(fx: Fixture) {
    let id = new_room(&fx, 3).await;
    // A login claiming a room does not put the player in it.
    let claimed = Location {
        lobby: Some("main".into()),
        room: Some(id.clone()),
        ..Default::default()
    };
    let s = fx.gh.login(&pid("eve"), claimed.clone()).await.unwrap();
    assert_eq!(s.location.room, None);
    assert_eq!(s.location.lobby.as_deref(), Some("main"));
    fx.gh.enter_room(enter("eve", &id)).await.unwrap();
    let s = fx.gh.session(&pid("eve")).await.unwrap().unwrap();
    assert_eq!(s.location.room.as_deref(), Some(id.as_str()));
    // A heartbeat claiming another room keeps the membership's.
    let hb = fx
        .gh
        .heartbeat(
            &pid("eve"),
            Some(Location {
                room: Some("elsewhere".into()),
                ..claimed.clone()
            }),
        )
        .await
        .unwrap();
    assert_eq!(hb.location.room.as_deref(), Some(id.as_str()));
    let online = fx.gh.online().await.unwrap();
    assert_eq!(online[0].location.room.as_deref(), Some(id.as_str()));
    // Chat in the room: its members only.
    let post = |p: &str| guildhall_core::chat::PostMessageRequest {
        player: pid(p),
        channel: format!("room:{id}"),
        body: "hi".into(),
        metadata: None,
        idempotency_key: None,
    };
    fx.gh.post_message(post("eve")).await.unwrap();
    expect_code(
        fx.gh.post_message(post("fay")).await,
        ErrorCode::NotChannelMember,
    );
    // Leaving and logging in again: no room.
    fx.gh.leave_room(leave("eve")).await.unwrap();
    let s = fx.gh.session(&pid("eve")).await.unwrap().unwrap();
    assert_eq!(s.location.room, None);
    let s = fx.gh.login(&pid("eve"), claimed).await.unwrap();
    assert_eq!(s.location.room, None);
    // Entering while offline: the next login shows the room.
    fx.gh.logout(&pid("eve")).await.unwrap();
    fx.gh.enter_room(enter("eve", &id)).await.unwrap();
    let s = fx.gh.login(&pid("eve"), Location::default()).await.unwrap();
    assert_eq!(s.location.room.as_deref(), Some(id.as_str()));
}

async fn rooms_log_pages_and_destroy(fx: Fixture) {
    let id = new_room(&fx, 5).await;
    for p in ["a", "b", "c"] {
        fx.gh.enter_room(enter(p, &id)).await.unwrap();
    }
    fx.gh.leave_room(leave("b")).await.unwrap();
    let destroyed = fx
        .gh
        .destroy_room(DestroyRoomRequest {
            room_id: id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    assert_eq!(destroyed.room.player_ids(), vec![pid("a"), pid("c")]);
    expect_code(fx.gh.room(&id).await, ErrorCode::NotFound);
    assert_eq!(room_of(&fx, "a").await, None);
    assert_eq!(room_of(&fx, "c").await, None);
    let ev = fx.events_of("room_destroyed").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].players, vec![pid("a"), pid("c")]);
    assert_eq!(ev[0].payload["reason"], "operator");
    // The log, in pages of 2, survives the room.
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = fx
            .gh
            .room_log(&id, after.as_deref(), Some(2))
            .await
            .unwrap();
        assert!(page.entries.len() <= 2);
        all.extend(page.entries);
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    let steps: Vec<(String, Option<String>)> = all
        .iter()
        .map(|e| (e.action.clone(), e.player.as_ref().map(|p| p.to_string())))
        .collect();
    let want = [
        ("created", None),
        ("entered", Some("a")),
        ("entered", Some("b")),
        ("entered", Some("c")),
        ("left", Some("b")),
        ("destroyed", None),
    ];
    let want: Vec<(String, Option<String>)> = want
        .iter()
        .map(|(a, p)| (a.to_string(), p.map(str::to_string)))
        .collect();
    assert_eq!(steps, want);
    assert!(all.iter().all(|e| e.at == fx.now()));
    expect_code(
        fx.gh.room_log("no-such-room", None, None).await,
        ErrorCode::NotFound,
    );
    expect_code(
        fx.gh
            .destroy_room(DestroyRoomRequest {
                room_id: id,
                idempotency_key: None,
            })
            .await,
        ErrorCode::NotFound,
    );
}

async fn rooms_lobby_view_and_push(fx: Fixture) {
    let id = fx
        .gh
        .create_room(CreateRoomRequest {
            server: Some("10.0.0.5:22005".into()),
            ..system_room(8)
        })
        .await
        .unwrap()
        .room
        .id;
    let lobby = Location {
        lobby: Some("main".into()),
        ..Default::default()
    };
    for p in ["gus", "hal", "ida"] {
        fx.gh.login(&pid(p), lobby.clone()).await.unwrap();
    }
    fx.gh.enter_room(enter("ida", &id)).await.unwrap();
    let view = fx.gh.lobby().await.unwrap();
    assert_eq!(view.rooms.len(), 1);
    let r = &view.rooms[0];
    assert_eq!(
        (r.id.as_str(), r.room_type.as_str(), r.players, r.capacity),
        (id.as_str(), "deathmatch", 1, 8)
    );
    assert_eq!(r.server.as_deref(), Some("10.0.0.5:22005"));
    assert_eq!(view.online_count, 3);
    let ida = view
        .players
        .iter()
        .find(|p| p.player == pid("ida"))
        .unwrap();
    assert_eq!(ida.room.as_deref(), Some(id.as_str()));
    // The push reaches the lobby players (not the one in a room), once per change.
    let pushed = fx.gh.push_lobby(PushLobbyRequest::default()).await.unwrap();
    assert_eq!(pushed.recipients, 2);
    let ev = fx.events_of("lobby_view").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].players, vec![pid("gus"), pid("hal")]);
    assert_eq!(ev[0].payload["rooms"][0]["players"], 1);
    let same = fx
        .gh
        .push_lobby(PushLobbyRequest {
            player: None,
            unless_fingerprint: Some(pushed.fingerprint.clone()),
        })
        .await
        .unwrap();
    assert_eq!(same.recipients, 0);
    assert_eq!(same.fingerprint, pushed.fingerprint);
    fx.gh.leave_room(leave("ida")).await.unwrap();
    let changed = fx
        .gh
        .push_lobby(PushLobbyRequest {
            player: None,
            unless_fingerprint: Some(pushed.fingerprint),
        })
        .await
        .unwrap();
    assert_eq!(changed.recipients, 3);
    // On request: to one player.
    let one = fx
        .gh
        .push_lobby(PushLobbyRequest {
            player: Some(pid("ida")),
            unless_fingerprint: None,
        })
        .await
        .unwrap();
    assert_eq!(one.recipients, 1);
    let ev = fx.events_of("lobby_view").await;
    assert_eq!(ev.len(), 3);
    assert_eq!(ev[2].players, vec![pid("ida")]);
    // With the configured address when a room names none.
    let mut cfg = fx.gh.config().clone();
    cfg.rooms.server = Some("play.example.com".into());
    new_room(&fx, 2).await;
    let gh2 = guildhall_core::Guildhall::new(
        fx.gh.store().clone(),
        Arc::new(guildhall_core::memory::MemoryCoordinator::new()),
        cfg,
    )
    .with_clock(fx.clock.clone() as Arc<dyn guildhall_core::ports::Clock>);
    let view = gh2.lobby().await.unwrap();
    assert_eq!(view.rooms.len(), 2);
    assert!(view
        .rooms
        .iter()
        .any(|r| r.server.as_deref() == Some("play.example.com")));
    assert!(view
        .rooms
        .iter()
        .any(|r| r.server.as_deref() == Some("10.0.0.5:22005")));
}

async fn rooms_bad_input_changes_nothing_and_keys_replay(fx: Fixture) {
    let max = fx.gh.config().rooms.max_capacity;
    let events = fx.all_events().await.len();
    for (req, field) in [
        (system_room(0), "capacity"),
        (system_room(max + 1), "capacity"),
        (
            CreateRoomRequest {
                room_type: String::new(),
                ..system_room(2)
            },
            "room_type",
        ),
        (
            CreateRoomRequest {
                metadata: serde_json::from_value(json!({
                    "blob": "x".repeat(fx.gh.config().rooms.max_metadata_bytes)
                }))
                .unwrap(),
                ..system_room(2)
            },
            "metadata",
        ),
    ] {
        let e = expect_code(fx.gh.create_room(req).await, ErrorCode::InvalidArgument);
        assert_eq!(e.details["field"], field);
    }
    expect_code(
        fx.gh.enter_room(enter("a", "")).await,
        ErrorCode::InvalidArgument,
    );
    expect_code(
        fx.gh.enter_room(enter("a", "nope")).await,
        ErrorCode::NotFound,
    );
    assert_eq!(fx.all_events().await.len(), events, "nothing written");
    assert!(fx.gh.rooms(None).await.unwrap().is_empty());
    // Keys: a repeated create makes one room; a repeated enter enters once.
    let keyed = CreateRoomRequest {
        idempotency_key: Some("k1".into()),
        ..system_room(1)
    };
    let first: RoomResult = fx.gh.create_room(keyed.clone()).await.unwrap();
    let again = fx.gh.create_room(keyed).await.unwrap();
    assert!(again.replayed && !first.replayed);
    assert_eq!(again.room.id, first.room.id);
    assert_eq!(fx.gh.rooms(None).await.unwrap().len(), 1);
    let id = first.room.id;
    let k = EnterRoomRequest {
        idempotency_key: Some("k2".into()),
        ..enter("a", &id)
    };
    fx.gh.enter_room(k.clone()).await.unwrap();
    assert!(fx.gh.enter_room(k).await.unwrap().replayed);
    expect_code(
        fx.gh
            .enter_room(EnterRoomRequest {
                idempotency_key: Some("k2".into()),
                ..enter("b", &id)
            })
            .await,
        ErrorCode::IdempotencyConflict,
    );
    // Full: refused, nothing written.
    let before = fx.all_events().await.len();
    expect_code(fx.gh.enter_room(enter("b", &id)).await, ErrorCode::RoomFull);
    assert_eq!(fx.all_events().await.len(), before);
    assert_eq!(room_of(&fx, "b").await, None);
    assert_eq!(fx.events_of("room_created").await.len(), 1);
}
