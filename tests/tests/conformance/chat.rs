//! Chat: posting rules per channel kind, refusals that store nothing and send nothing
//! (muted, blocked, not a member, bad input, rate limited), history pages and pruning
//! with the manual clock, live delivery to a subscriber, concurrent posts.

use super::*;
use guildhall_core::chat::{ChatMessage, MuteRequest};
use guildhall_core::docs::Versioned;
use guildhall_core::friends::BlockList;
use guildhall_core::ports::ChangeSet;

conformance!(
    chat_posting_rules_per_channel_kind => chat_config,
    chat_bad_input_is_refused_and_stores_nothing => chat_config,
    chat_muted_sender_is_refused_and_stores_nothing => chat_config,
    chat_blocked_sender_is_refused_and_stores_nothing => chat_config,
    chat_rate_limit_counts_accepted_messages_only => modules_config,
    chat_concurrent_posts_of_one_player_stop_at_the_limit => modules_config,
    chat_concurrent_posts_of_many_players_are_all_stored => chat_config,
    chat_history_pages_newest_first_and_prunes_past_retention => chat_config,
    chat_history_needs_membership_except_for_operators => chat_config,
    chat_message_reaches_a_subscriber => chat_config,
    chat_idempotent_post_is_stored_once => chat_config,
);

async fn chat_events(fx: &Fixture) -> Vec<Event> {
    fx.events_of("chat_message").await
}

async fn history(fx: &Fixture, channel: &str) -> Vec<ChatMessage> {
    fx.gh
        .channel_history(None, channel, None, Some(200))
        .await
        .unwrap_or_else(|e| panic!("history of {channel}: {e}"))
        .messages
}

/// Asserts that `channel` holds exactly the messages with `bodies`, newest first.
#[track_caller]
fn assert_bodies(msgs: &[ChatMessage], bodies: &[&str]) {
    let got: Vec<&str> = msgs.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(got, bodies);
}

async fn block(fx: &Fixture, blocker: &str, blocked: &str) {
    let doc = Versioned::new(
        blocker,
        BlockList {
            blocked: vec![pid(blocked)],
        },
    );
    fx.gh
        .store()
        .commit(ChangeSet {
            docs: vec![doc.put()],
            ..ChangeSet::default()
        })
        .await
        .expect("store the block list");
}

async fn chat_posting_rules_per_channel_kind(fx: Fixture) {
    // Global: anyone; the event lists no players and reaches every stream.
    let m = fx
        .gh
        .post_message(chat_post("ann", "global", "hello darn world"))
        .await
        .unwrap();
    assert_eq!(m.channel, "global");
    assert_eq!(m.sender, pid("ann"));
    assert_eq!(m.body, "hello **** world", "masked word");
    assert_eq!(m.sent_at, fx.now());
    assert!(!m.replayed);
    let ev = chat_events(&fx).await;
    assert_eq!(ev.len(), 1);
    assert!(ev[0].players.is_empty());
    assert_eq!(ev[0].payload["id"], json!(m.id));
    assert_eq!(ev[0].payload["body"], json!("hello **** world"));
    assert!(guildhall_core::chat::reaches(&ev[0], "zed"));
    assert_eq!(history(&fx, "global").await, vec![m.clone()]);

    // Party: members only; the event goes to every member.
    let party = fx.gh.create_party(&pid("ann"), true).await.unwrap();
    let ch = format!("party:{}", party.id);
    let e = expect_code(
        fx.gh.post_message(chat_post("bob", &ch, "let me in")).await,
        ErrorCode::NotChannelMember,
    );
    assert_eq!(e.details["channel"], json!(ch));
    fx.gh.join_party(&pid("bob"), &party.id).await.unwrap();
    fx.gh
        .post_message(chat_post("bob", &ch, "in the party"))
        .await
        .unwrap();
    let ev = chat_events(&fx).await;
    assert_eq!(players_of(ev.last().unwrap()), set(&["ann", "bob"]));
    assert_bodies(&history(&fx, &ch).await, &["in the party"]);
    expect_code(
        fx.gh
            .post_message(chat_post("cat", "party:nope", "hi"))
            .await,
        ErrorCode::NotChannelMember,
    );

    // Room: the players in the room (the rooms module's membership; a login claiming a
    // room puts nobody in it).
    let room_req = |cap| guildhall_core::rooms::CreateRoomRequest {
        player: None,
        room_type: "lobby".into(),
        capacity: cap,
        metadata: Default::default(),
        server: None,
        idempotency_key: None,
    };
    let r1 = fx.gh.create_room(room_req(4)).await.unwrap().room.id;
    let r2 = fx.gh.create_room(room_req(4)).await.unwrap().room.id;
    let enter = |p: &str, r: &str| guildhall_core::rooms::EnterRoomRequest {
        player: pid(p),
        room_id: r.to_string(),
        idempotency_key: None,
    };
    fx.gh.enter_room(enter("ann", &r1)).await.unwrap();
    fx.gh.enter_room(enter("dan", &r1)).await.unwrap();
    fx.gh.enter_room(enter("bob", &r2)).await.unwrap();
    let in_r1 = format!("room:{r1}");
    fx.gh
        .login(
            &pid("cat"),
            Location {
                room: Some(r1.clone()),
                ..Location::default()
            },
        )
        .await
        .unwrap();
    expect_code(
        fx.gh
            .post_message(chat_post("bob", &in_r1, "wrong room"))
            .await,
        ErrorCode::NotChannelMember,
    );
    expect_code(
        fx.gh
            .post_message(chat_post("cat", &in_r1, "claimed"))
            .await,
        ErrorCode::NotChannelMember,
    );
    fx.gh
        .post_message(chat_post("dan", &in_r1, "in the room"))
        .await
        .unwrap();
    assert_eq!(
        players_of(chat_events(&fx).await.last().unwrap()),
        set(&["ann", "dan"])
    );
    // Leaving the room takes the player out of its channel.
    fx.gh
        .leave_room(guildhall_core::rooms::LeaveRoomRequest {
            player: pid("dan"),
            room_id: None,
            idempotency_key: None,
        })
        .await
        .unwrap();
    expect_code(
        fx.gh.post_message(chat_post("dan", &in_r1, "gone")).await,
        ErrorCode::NotChannelMember,
    );

    // Group: members of the group only (no such group: nobody).
    expect_code(
        fx.gh
            .post_message(chat_post("ann", "group:none", "hi"))
            .await,
        ErrorCode::NotChannelMember,
    );
    let group = fx
        .gh
        .create_group(guildhall_core::groups::CreateGroupRequest {
            owner: pid("eve"),
            name: "Chatters".into(),
            description: String::new(),
            open: true,
            max_members: None,
            kind: None,
            metadata: Value::Null,
        })
        .await
        .unwrap();
    fx.gh.join_group(&pid("fay"), &group.id).await.unwrap();
    let gch = format!("group:{}", group.id);
    expect_code(
        fx.gh.post_message(chat_post("ann", &gch, "outsider")).await,
        ErrorCode::NotChannelMember,
    );
    fx.gh
        .post_message(chat_post("fay", &gch, "in the group"))
        .await
        .unwrap();
    assert_eq!(
        players_of(chat_events(&fx).await.last().unwrap()),
        set(&["eve", "fay"])
    );

    // Direct: the two players, either order naming one channel.
    let d = fx
        .gh
        .post_message(chat_post("bob", "direct:bob:ann", "psst"))
        .await
        .unwrap();
    assert_eq!(d.channel, "direct:ann:bob");
    fx.gh
        .post_message(chat_post("ann", "direct:ann:bob", "yes?"))
        .await
        .unwrap();
    expect_code(
        fx.gh
            .post_message(chat_post("cat", "direct:ann:bob", "me too"))
            .await,
        ErrorCode::NotChannelMember,
    );
    assert_eq!(
        players_of(chat_events(&fx).await.last().unwrap()),
        set(&["ann", "bob"])
    );
    assert_bodies(&history(&fx, "direct:bob:ann").await, &["yes?", "psst"]);
    // Six accepted messages, six events; no refusal stored or sent anything.
    assert_eq!(chat_events(&fx).await.len(), 6);
    for ch in [in_r1.as_str(), "party:nope", "group:none"] {
        let want: &[&str] = if ch == in_r1 { &["in the room"] } else { &[] };
        assert_bodies(&history(&fx, ch).await, want);
    }
}

async fn chat_bad_input_is_refused_and_stores_nothing(fx: Fixture) {
    let players = [&pid("ann")];
    let before = fx.snapshot(&players).await;
    let long = "x".repeat(501);
    for (channel, body) in [
        ("global", ""),
        ("global", long.as_str()),
        ("global", "tab\there"),
        ("global", "bell\u{7}"),
        ("lobby:1", "hi"),
        ("direct:ann:ann", "hi"),
        ("room:", "hi"),
    ] {
        refused!(
            fx,
            before,
            &players,
            ErrorCode::InvalidArgument,
            "bad chat input",
            fx.gh.post_message(chat_post("ann", channel, body))
        );
    }
    let mut big = chat_post("ann", "global", "hi");
    big.metadata = Some(json!({ "blob": "y".repeat(5000) }));
    refused!(
        fx,
        before,
        &players,
        ErrorCode::InvalidArgument,
        "metadata too big",
        fx.gh.post_message(big)
    );
    // 500 characters (not bytes) and newlines are fine.
    let ok = fx
        .gh
        .post_message(chat_post("ann", "global", &"é\n".repeat(250)))
        .await
        .unwrap();
    assert_eq!(ok.body.chars().count(), 500);
    let mut with_meta = chat_post("ann", "global", "meta");
    with_meta.metadata = Some(json!({ "color": "red" }));
    let m = fx.gh.post_message(with_meta).await.unwrap();
    assert_eq!(m.metadata, json!({ "color": "red" }));
    assert_eq!(history(&fx, "global").await[0], m);
}

async fn chat_muted_sender_is_refused_and_stores_nothing(fx: Fixture) {
    let until = fx.now() + secs(60);
    let mute = fx
        .gh
        .mute_player(MuteRequest {
            player: pid("ann"),
            until,
            reason: "spam".into(),
        })
        .await
        .unwrap();
    assert_eq!((mute.until, mute.muted_at), (until, fx.now()));
    expect_code(
        fx.gh
            .mute_player(MuteRequest {
                player: pid("ann"),
                until: fx.now(),
                reason: String::new(),
            })
            .await,
        ErrorCode::InvalidArgument,
    );
    for ch in ["global", "direct:ann:bob"] {
        let e = expect_code(
            fx.gh.post_message(chat_post("ann", ch, "hello")).await,
            ErrorCode::Muted,
        );
        assert_eq!(
            e.details["until"]
                .as_str()
                .map(|s| s.parse::<DateTime<Utc>>().unwrap()),
            Some(until)
        );
        assert!(history(&fx, ch).await.is_empty(), "{ch}: nothing stored");
    }
    assert!(
        chat_events(&fx).await.is_empty(),
        "no event for a refused message"
    );
    // Others still post.
    fx.gh
        .post_message(chat_post("bob", "global", "hi"))
        .await
        .unwrap();
    // The mute ends at `until`.
    fx.clock.advance_secs(60);
    fx.gh
        .post_message(chat_post("ann", "global", "back"))
        .await
        .unwrap();
    // Unmute lifts it early.
    fx.gh
        .mute_player(MuteRequest {
            player: pid("ann"),
            until: fx.now() + secs(3600),
            reason: String::new(),
        })
        .await
        .unwrap();
    expect_code(
        fx.gh.post_message(chat_post("ann", "global", "x")).await,
        ErrorCode::Muted,
    );
    assert!(fx.gh.unmute_player(&pid("ann")).await.unwrap());
    assert!(!fx.gh.unmute_player(&pid("ann")).await.unwrap());
    fx.gh
        .post_message(chat_post("ann", "global", "free"))
        .await
        .unwrap();
    assert_bodies(&history(&fx, "global").await, &["free", "back", "hi"]);
    assert_eq!(chat_events(&fx).await.len(), 3);
}

async fn chat_blocked_sender_is_refused_and_stores_nothing(fx: Fixture) {
    block(&fx, "ann", "bob").await;
    for (from, ch) in [("bob", "direct:ann:bob"), ("ann", "direct:bob:ann")] {
        let e = expect_code(
            fx.gh.post_message(chat_post(from, ch, "hey")).await,
            ErrorCode::Blocked,
        );
        assert_eq!(e.details["player"], json!(from));
    }
    assert!(history(&fx, "direct:ann:bob").await.is_empty());
    assert!(chat_events(&fx).await.is_empty());
    // The block concerns direct chat only; and others can talk to ann.
    fx.gh
        .post_message(chat_post("bob", "global", "hi all"))
        .await
        .unwrap();
    fx.gh
        .post_message(chat_post("cat", "direct:ann:cat", "hi ann"))
        .await
        .unwrap();
    assert_eq!(chat_events(&fx).await.len(), 2);
}

async fn chat_rate_limit_counts_accepted_messages_only(fx: Fixture) {
    // A refused message does not count.
    expect_code(
        fx.gh.post_message(chat_post("ann", "global", "")).await,
        ErrorCode::InvalidArgument,
    );
    expect_code(
        fx.gh
            .post_message(chat_post("ann", "party:none", "x"))
            .await,
        ErrorCode::NotChannelMember,
    );
    for i in 0..5 {
        fx.gh
            .post_message(chat_post("ann", "global", &format!("m{i}")))
            .await
            .unwrap();
    }
    let e = expect_code(
        fx.gh.post_message(chat_post("ann", "global", "m5")).await,
        ErrorCode::RateLimited,
    );
    let retry = e.details["retry_after_seconds"].as_u64().unwrap();
    assert!((1..=10).contains(&retry), "retry after {retry}");
    assert_eq!(history(&fx, "global").await.len(), 5);
    assert_eq!(chat_events(&fx).await.len(), 5);
    // Another player has a limit of their own.
    fx.gh
        .post_message(chat_post("bob", "global", "mine"))
        .await
        .unwrap();
}

async fn chat_concurrent_posts_of_one_player_stop_at_the_limit(fx: Fixture) {
    let mut tasks = Vec::new();
    for i in 0..12 {
        let gh = fx.gh.clone();
        tasks.push(tokio::spawn(async move {
            gh.post_message(chat_post("ann", "global", &format!("m{i}")))
                .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e.code, ErrorCode::RateLimited),
        }
    }
    assert_eq!(ok, 5, "exactly the limit gets through");
    assert_eq!(history(&fx, "global").await.len(), 5);
    assert_eq!(chat_events(&fx).await.len(), 5);
}

async fn chat_concurrent_posts_of_many_players_are_all_stored(fx: Fixture) {
    let second = fx.second_service().await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let gh = if i % 2 == 0 {
            fx.gh.clone()
        } else {
            second.clone()
        };
        tasks.push(tokio::spawn(async move {
            gh.post_message(chat_post(
                &format!("p{}", i % 10),
                "global",
                &format!("m{i}"),
            ))
            .await
            .unwrap()
        }));
    }
    let mut ids = BTreeSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap().id);
    }
    assert_eq!(ids.len(), 40);
    let stored: BTreeSet<String> = history(&fx, "global")
        .await
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(stored, ids);
    assert_eq!(chat_events(&fx).await.len(), 40);
}

async fn chat_history_pages_newest_first_and_prunes_past_retention(fx: Fixture) {
    let t0 = fx.now();
    // Seven messages a second apart, then three at one instant (ties break by id).
    for i in 0..7 {
        fx.gh
            .post_message(chat_post("ann", "global", &format!("m{i}")))
            .await
            .unwrap();
        fx.clock.advance_secs(1);
    }
    for i in 7..10 {
        fx.gh
            .post_message(chat_post("bob", "global", &format!("m{i}")))
            .await
            .unwrap();
    }
    fx.gh
        .post_message(chat_post("ann", "direct:ann:bob", "elsewhere"))
        .await
        .unwrap();
    let all = history(&fx, "global").await;
    assert_eq!(all.len(), 10);
    for w in all.windows(2) {
        assert!(
            (w[0].sent_at, &w[0].id) > (w[1].sent_at, &w[1].id),
            "newest first"
        );
    }
    // Pages of 3 read everything once, in order.
    let mut paged = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let page = fx
            .gh
            .channel_history(Some(&pid("cat")), "global", before.as_deref(), Some(3))
            .await
            .unwrap();
        assert!(page.messages.len() <= 3);
        paged.extend(page.messages);
        match page.next_cursor {
            Some(c) => before = Some(c),
            None => break,
        }
        assert!(paged.len() <= 10, "paging does not end");
    }
    assert_eq!(paged, all);
    // The last full page has no cursor when nothing is older.
    let ten = fx
        .gh
        .channel_history(None, "global", None, Some(10))
        .await
        .unwrap();
    assert_eq!(ten.next_cursor, None);
    expect_code(
        fx.gh
            .channel_history(None, "global", Some("nonsense"), None)
            .await,
        ErrorCode::InvalidArgument,
    );
    expect_code(
        fx.gh.channel_history(None, "global", None, Some(0)).await,
        ErrorCode::InvalidArgument,
    );

    // Retention (30 days by default): at t0 + 30 days + 3 s, m0..m2 are past it.
    let retention = fx.gh.config().chat.retention_secs;
    assert_eq!(retention, 30 * 24 * 3600);
    fx.clock.set(t0 + secs(retention + 3));
    fx.gh.prune().await.unwrap();
    let kept = history(&fx, "global").await;
    assert_bodies(
        &kept,
        &all.iter()
            .map(|m| m.body.as_str())
            .filter(|b| !["m0", "m1", "m2"].contains(b))
            .collect::<Vec<_>>(),
    );
    assert_eq!(history(&fx, "direct:ann:bob").await.len(), 1);
    fx.clock.advance_secs(3600);
    fx.gh.prune().await.unwrap();
    assert!(history(&fx, "global").await.is_empty());
    assert!(history(&fx, "direct:ann:bob").await.is_empty());
}

async fn chat_history_needs_membership_except_for_operators(fx: Fixture) {
    let party = fx.gh.create_party(&pid("ann"), false).await.unwrap();
    let ch = format!("party:{}", party.id);
    fx.gh
        .post_message(chat_post("ann", &ch, "secret"))
        .await
        .unwrap();
    fx.gh
        .post_message(chat_post("ann", "direct:ann:bob", "psst"))
        .await
        .unwrap();
    let mine = fx
        .gh
        .channel_history(Some(&pid("ann")), &ch, None, None)
        .await
        .unwrap();
    assert_bodies(&mine.messages, &["secret"]);
    assert_eq!(mine.channel, ch);
    for (who, ch) in [("cat", ch.as_str()), ("cat", "direct:ann:bob")] {
        expect_code(
            fx.gh.channel_history(Some(&pid(who)), ch, None, None).await,
            ErrorCode::NotChannelMember,
        );
    }
    // bob reads his direct channel, named in either order; operators read anything.
    let d = fx
        .gh
        .channel_history(Some(&pid("bob")), "direct:bob:ann", None, None)
        .await
        .unwrap();
    assert_bodies(&d.messages, &["psst"]);
    assert_eq!(d.channel, "direct:ann:bob");
    assert_bodies(&history(&fx, &ch).await, &["secret"]);
}

async fn chat_message_reaches_a_subscriber(fx: Fixture) {
    let mut live = fx.gh.subscribe();
    let party = fx.gh.create_party(&pid("ann"), true).await.unwrap();
    fx.gh.join_party(&pid("bob"), &party.id).await.unwrap();
    let m = fx
        .gh
        .post_message(chat_post("bob", &format!("party:{}", party.id), "gg"))
        .await
        .unwrap();
    let g = fx
        .gh
        .post_message(chat_post("cat", "global", "hello all"))
        .await
        .unwrap();
    let mut got = Vec::new();
    while got.len() < 2 {
        let e = tokio::time::timeout(std::time::Duration::from_secs(10), live.recv())
            .await
            .expect("a chat event within 10 s")
            .unwrap();
        if e.kind == "chat_message" {
            got.push(e);
        }
    }
    assert_eq!(got[0].payload["id"], json!(m.id));
    assert!(guildhall_core::chat::reaches(&got[0], "ann"));
    assert!(!guildhall_core::chat::reaches(&got[0], "cat"));
    assert!(got[0].seq > 0);
    assert_eq!(got[1].payload["id"], json!(g.id));
    assert!(guildhall_core::chat::reaches(&got[1], "ann"));
}

async fn chat_idempotent_post_is_stored_once(fx: Fixture) {
    let req = chat_post("ann", "global", "once").key("k1");
    let first = fx.gh.post_message(req.clone()).await.unwrap();
    let again = fx.gh.post_message(req.clone()).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.id, first.id);
    let mut other = req;
    other.body = "twice".into();
    expect_code(
        fx.gh.post_message(other).await,
        ErrorCode::IdempotencyConflict,
    );
    assert_eq!(history(&fx, "global").await.len(), 1);
    assert_eq!(chat_events(&fx).await.len(), 1);
}
