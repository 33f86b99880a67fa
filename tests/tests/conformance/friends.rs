//! Friends and blocks: requests, accepts, declines and cancels, removal, the limits,
//! refusals that change nothing, crossing requests that end as one friendship, and a
//! block that cuts the friendship and refuses requests, party invites and player mail.

use super::*;
use guildhall_core::friends::FriendshipResult;

conformance!(
    friends_request_accept_decline_cancel_remove_with_events => modules_config,
    friends_limits_and_refusals_change_nothing => small_friends_config,
    friends_crossing_requests_become_friends_once => modules_config,
    friends_block_cuts_friendship_and_refuses_requests_invites_and_mail => modules_config,
    friends_list_shows_presence_from_sessions => modules_config,
    friends_keyed_calls_replay => modules_config,
);

fn names(fs: &[guildhall_core::friends::Friend]) -> Vec<String> {
    fs.iter().map(|f| f.player.to_string()).collect()
}

fn pending(rs: &[guildhall_core::friends::PendingRequest]) -> Vec<String> {
    rs.iter().map(|r| r.player.to_string()).collect()
}

async fn friend_names(fx: &Fixture, p: &str) -> Vec<String> {
    names(&fx.gh.friends(&pid(p)).await.unwrap())
}

async fn friends_request_accept_decline_cancel_remove_with_events(fx: Fixture) {
    let (ann, bob) = (pid("ann"), pid("bob"));
    let r = fx
        .gh
        .send_friend_request(friend_request("ann", "bob"))
        .await
        .unwrap();
    assert!(!r.friends && r.requested && r.changed && !r.replayed);
    let reqs = fx.gh.friend_requests(&ann).await.unwrap();
    assert_eq!(pending(&reqs.outgoing), ["bob"]);
    assert!(reqs.incoming.is_empty());
    assert_eq!(reqs.outgoing[0].sent_at, fx.now());
    let reqs = fx.gh.friend_requests(&bob).await.unwrap();
    assert_eq!(pending(&reqs.incoming), ["ann"]);
    let ev = fx.events_of("friend_requested").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(players_of(&ev[0]), set(&["ann", "bob"]));
    assert_payload(&ev[0], &[("from", json!("ann")), ("to", json!("bob"))]);

    // Asking again changes nothing.
    let events = fx.all_events().await.len();
    let again = fx
        .gh
        .send_friend_request(friend_request("ann", "bob"))
        .await
        .unwrap();
    assert!(!again.changed && again.requested);
    assert_eq!(fx.all_events().await.len(), events);

    fx.clock.advance_secs(30);
    let acc = fx
        .gh
        .accept_friend_request(friend_action("bob", "ann"))
        .await
        .unwrap();
    assert!(acc.friends && !acc.requested);
    assert_eq!(acc.since, Some(fx.now()));
    assert_eq!(friend_names(&fx, "ann").await, ["bob"]);
    assert_eq!(friend_names(&fx, "bob").await, ["ann"]);
    let list = fx.gh.friends(&ann).await.unwrap();
    assert_eq!(list[0].since, fx.now());
    assert_eq!(fx.gh.friend_requests(&ann).await.unwrap().outgoing.len(), 0);
    assert_eq!(fx.gh.friend_requests(&bob).await.unwrap().incoming.len(), 0);
    let ev = fx.events_of("friend_added").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(players_of(&ev[0]), set(&["ann", "bob"]));

    // Decline by the addressee, cancel by the sender.
    fx.gh
        .send_friend_request(friend_request("cat", "ann"))
        .await
        .unwrap();
    let d = fx
        .gh
        .decline_friend_request(friend_action("ann", "cat"))
        .await
        .unwrap();
    assert!(!d.friends && !d.requested);
    fx.gh
        .send_friend_request(friend_request("ann", "dan"))
        .await
        .unwrap();
    fx.gh
        .decline_friend_request(friend_action("ann", "dan"))
        .await
        .unwrap();
    for p in ["ann", "cat", "dan"] {
        let r = fx.gh.friend_requests(&pid(p)).await.unwrap();
        assert!(r.incoming.is_empty() && r.outgoing.is_empty(), "{p}: {r:?}");
    }
    let ev = fx.events_of("friend_request_declined").await;
    assert_eq!(players_of(&ev[0]), set(&["ann", "cat"]));
    let ev = fx.events_of("friend_request_cancelled").await;
    assert_eq!(players_of(&ev[0]), set(&["ann", "dan"]));
    assert_eq!(friend_names(&fx, "cat").await, Vec::<String>::new());

    // Removal by either ends it for both.
    let r = fx
        .gh
        .remove_friend(friend_action("bob", "ann"))
        .await
        .unwrap();
    assert!(!r.friends);
    assert!(friend_names(&fx, "ann").await.is_empty());
    assert!(friend_names(&fx, "bob").await.is_empty());
    let ev = fx.events_of("friend_removed").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(players_of(&ev[0]), set(&["ann", "bob"]));
    assert_payload(&ev[0], &[("by", json!("bob"))]);
}

async fn friends_limits_and_refusals_change_nothing(fx: Fixture) {
    let (ann, bob, cat, dan, eve) = (pid("ann"), pid("bob"), pid("cat"), pid("dan"), pid("eve"));
    let all = [&ann, &bob, &cat, &dan, &eve];
    // ann: friends with bob; a request pending to cat.
    fx.gh
        .send_friend_request(friend_request("ann", "bob"))
        .await
        .unwrap();
    fx.gh
        .accept_friend_request(friend_action("bob", "ann"))
        .await
        .unwrap();
    fx.gh
        .send_friend_request(friend_request("ann", "cat"))
        .await
        .unwrap();
    let before = fx.snapshot(&all).await;
    refused!(
        fx,
        before,
        &all,
        ErrorCode::InvalidArgument,
        "a request to oneself",
        fx.gh.send_friend_request(friend_request("ann", "ann"))
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::AlreadyFriends,
        "a request to a friend",
        fx.gh.send_friend_request(friend_request("bob", "ann"))
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotFound,
        "an accept without a request",
        fx.gh.accept_friend_request(friend_action("ann", "dan"))
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotFound,
        "the sender accepting its own request",
        fx.gh.accept_friend_request(friend_action("ann", "cat"))
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotFound,
        "a decline without a request",
        fx.gh.decline_friend_request(friend_action("dan", "eve"))
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotFound,
        "removing a stranger",
        fx.gh.remove_friend(friend_action("ann", "dan"))
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::InvalidArgument,
        "blocking oneself",
        fx.gh.block_player(block("ann", "ann"))
    );

    // Outgoing cap (2): ann -> cat pending, ann -> dan fills it, ann -> eve refused.
    fx.gh
        .send_friend_request(friend_request("ann", "dan"))
        .await
        .unwrap();
    let before = fx.snapshot(&all).await;
    let e = refused!(
        fx,
        before,
        &all,
        ErrorCode::LimitReached,
        "a third outgoing request",
        fx.gh.send_friend_request(friend_request("ann", "eve"))
    );
    assert_eq!(e.details["limit"], "outgoing requests");
    // Incoming cap (2): eve has two incoming, a third sender is refused.
    fx.gh
        .send_friend_request(friend_request("bob", "eve"))
        .await
        .unwrap();
    fx.gh
        .send_friend_request(friend_request("dan", "eve"))
        .await
        .unwrap();
    let before = fx.snapshot(&all).await;
    let e = refused!(
        fx,
        before,
        &all,
        ErrorCode::LimitReached,
        "a third incoming request",
        fx.gh.send_friend_request(friend_request("cat", "eve"))
    );
    assert_eq!(e.details["limit"], "incoming requests");

    // Friend cap (2): ann has bob; cat accepts, then dan's accept finds ann full.
    fx.gh
        .accept_friend_request(friend_action("cat", "ann"))
        .await
        .unwrap();
    let before = fx.snapshot(&all).await;
    let e = refused!(
        fx,
        before,
        &all,
        ErrorCode::LimitReached,
        "an accept past the friend cap",
        fx.gh.accept_friend_request(friend_action("dan", "ann"))
    );
    assert_eq!(e.details["player"], "ann");
    assert_eq!(fx.gh.friends(&ann).await.unwrap().len(), 2);

    // Block cap (2).
    fx.gh.block_player(block("eve", "x1")).await.unwrap();
    fx.gh.block_player(block("eve", "x2")).await.unwrap();
    let before = fx.snapshot(&all).await;
    refused!(
        fx,
        before,
        &all,
        ErrorCode::LimitReached,
        "a third block",
        fx.gh.block_player(block("eve", "x3"))
    );
    assert_eq!(
        fx.gh.blocked(&eve).await.unwrap(),
        vec![pid("x1"), pid("x2")]
    );
}

/// Two players send each other a request at once, through one service (tasks) and
/// through two services over one store: they end friends exactly once.
async fn friends_crossing_requests_become_friends_once(fx: Fixture) {
    let other = fx.second_service().await;
    for round in 0..6 {
        let (a, b) = (format!("a{round}"), format!("b{round}"));
        let (g1, g2) = if round % 2 == 0 {
            (&fx.gh, &fx.gh)
        } else {
            (&fx.gh, &other)
        };
        let (a1, b1) = (a.clone(), b.clone());
        let t1 = spawn_call(g1, move |gh| async move {
            gh.send_friend_request(friend_request(&a1, &b1)).await
        });
        let (a2, b2) = (a.clone(), b.clone());
        let t2 = spawn_call(g2, move |gh| async move {
            gh.send_friend_request(friend_request(&b2, &a2)).await
        });
        let r1: FriendshipResult = t1.await.expect("task").expect("request a->b");
        let r2: FriendshipResult = t2.await.expect("task").expect("request b->a");
        // One of them found the other's request and accepted it.
        assert_eq!(
            u8::from(r1.friends) + u8::from(r2.friends),
            1,
            "round {round}: exactly one call made the friendship: {r1:?} {r2:?}"
        );
        assert_eq!(friend_names(&fx, &a).await, [b.as_str()], "round {round}");
        assert_eq!(friend_names(&fx, &b).await, [a.as_str()], "round {round}");
        for p in [&a, &b] {
            let r = fx.gh.friend_requests(&pid(p)).await.unwrap();
            assert!(r.incoming.is_empty() && r.outgoing.is_empty(), "{p}: {r:?}");
        }
        let added: Vec<Event> = fx
            .events_of("friend_added")
            .await
            .into_iter()
            .filter(|e| players_of(e) == set(&[a.as_str(), b.as_str()]))
            .collect();
        assert_eq!(added.len(), 1, "round {round}: one friend_added");
        let requested: Vec<Event> = fx
            .events_of("friend_requested")
            .await
            .into_iter()
            .filter(|e| players_of(e) == set(&[a.as_str(), b.as_str()]))
            .collect();
        assert_eq!(requested.len(), 1, "round {round}: one friend_requested");
    }
}

async fn friends_block_cuts_friendship_and_refuses_requests_invites_and_mail(fx: Fixture) {
    let (ann, bob, cat) = (pid("ann"), pid("bob"), pid("cat"));
    fx.gh
        .send_friend_request(friend_request("ann", "bob"))
        .await
        .unwrap();
    fx.gh
        .accept_friend_request(friend_action("bob", "ann"))
        .await
        .unwrap();
    // cat has asked ann; ann blocks cat too.
    fx.gh
        .send_friend_request(friend_request("cat", "ann"))
        .await
        .unwrap();
    let seq = fx.all_events().await.last().map_or(0, |e| e.seq);

    let r = fx.gh.block_player(block("ann", "bob")).await.unwrap();
    assert!(r.changed && r.unfriended);
    assert!(friend_names(&fx, "ann").await.is_empty());
    assert!(friend_names(&fx, "bob").await.is_empty());
    let r = fx.gh.block_player(block("ann", "cat")).await.unwrap();
    assert!(r.changed && !r.unfriended);
    for p in ["ann", "cat"] {
        let r = fx.gh.friend_requests(&pid(p)).await.unwrap();
        assert!(r.incoming.is_empty() && r.outgoing.is_empty(), "{p}: {r:?}");
    }
    assert_eq!(
        fx.gh.blocked(&ann).await.unwrap(),
        vec![bob.clone(), cat.clone()]
    );
    assert!(fx.gh.blocked(&bob).await.unwrap().is_empty());
    let after: Vec<Event> = fx
        .all_events()
        .await
        .into_iter()
        .filter(|e| e.seq > seq)
        .collect();
    assert_eq!(
        kinds(&after),
        ["friend_removed", "player_blocked", "player_blocked"]
    );
    assert_eq!(players_of(&after[0]), set(&["ann", "bob"]));
    assert_eq!(
        players_of(&after[1]),
        set(&["ann"]),
        "only the blocker hears"
    );
    assert_eq!(players_of(&after[2]), set(&["ann"]));
    // Blocking again changes nothing.
    let events = fx.all_events().await.len();
    assert!(
        !fx.gh
            .block_player(block("ann", "bob"))
            .await
            .unwrap()
            .changed
    );
    assert_eq!(fx.all_events().await.len(), events);

    // Either way: requests, party invites and player mail are refused, changing nothing.
    let party_a = fx.gh.create_party(&ann, false).await.unwrap();
    fx.gh.create_party(&bob, false).await.unwrap();
    let all = [&ann, &bob, &cat];
    let before = fx.snapshot(&all).await;
    for (from, to) in [("bob", "ann"), ("ann", "bob")] {
        refused!(
            fx,
            before,
            &all,
            ErrorCode::Blocked,
            "a friend request across a block",
            fx.gh.send_friend_request(friend_request(from, to))
        );
        refused!(
            fx,
            before,
            &all,
            ErrorCode::Blocked,
            "a party invite across a block",
            fx.gh.invite_to_party(&pid(from), &pid(to))
        );
        refused!(
            fx,
            before,
            &all,
            ErrorCode::Blocked,
            "player mail across a block",
            fx.gh.send_mail(player_mail(from, to, "hi"))
        );
    }
    // System mail still reaches a player who blocked others.
    fx.gh.send_mail(system_mail("ann", "news")).await.unwrap();
    // Others are not affected.
    fx.gh.invite_to_party(&ann, &pid("dan")).await.unwrap();
    fx.gh
        .send_mail(player_mail("dan", "ann", "hello"))
        .await
        .unwrap();

    // Unblock: requests go through again; the friendship is not restored.
    let r = fx.gh.unblock_player(block("ann", "bob")).await.unwrap();
    assert!(r.changed);
    assert!(
        !fx.gh
            .unblock_player(block("ann", "bob"))
            .await
            .unwrap()
            .changed
    );
    assert_eq!(fx.gh.blocked(&ann).await.unwrap(), vec![cat.clone()]);
    assert!(friend_names(&fx, "ann").await.is_empty());
    fx.gh
        .send_friend_request(friend_request("bob", "ann"))
        .await
        .unwrap();
    fx.gh.invite_to_party(&ann, &bob).await.unwrap();
    assert_eq!(
        fx.events_of("player_unblocked").await[0].players,
        vec![ann.clone()]
    );
    let _ = party_a;
}

async fn friends_list_shows_presence_from_sessions(fx: Fixture) {
    let ann = pid("ann");
    for f in ["bob", "cat"] {
        fx.gh
            .send_friend_request(friend_request("ann", f))
            .await
            .unwrap();
        fx.gh
            .accept_friend_request(friend_action(f, "ann"))
            .await
            .unwrap();
    }
    assert!(fx.gh.friends(&pid("nobody")).await.unwrap().is_empty());
    let where_ = Location {
        lobby: Some("main".into()),
        server: Some("eu-1".into()),
        ..Default::default()
    };
    fx.gh.login(&pid("bob"), where_.clone()).await.unwrap();
    let list = fx.gh.friends(&ann).await.unwrap();
    assert_eq!(names(&list), ["bob", "cat"]);
    assert!(list[0].online);
    assert_eq!(list[0].location, Some(where_));
    assert!(!list[1].online);
    assert_eq!(list[1].location, None);
    // The session expires without a heartbeat: offline.
    fx.clock
        .advance_secs(fx.gh.config().session_timeout_secs + 1);
    let list = fx.gh.friends(&ann).await.unwrap();
    assert!(!list[0].online && list[0].location.is_none());
}

async fn friends_keyed_calls_replay(fx: Fixture) {
    let first = fx
        .gh
        .send_friend_request(friend_request("ann", "bob").key("fr-1"))
        .await
        .unwrap();
    assert!(!first.replayed);
    let again = fx
        .gh
        .send_friend_request(friend_request("ann", "bob").key("fr-1"))
        .await
        .unwrap();
    assert!(
        again.replayed && again.changed,
        "the stored original: {again:?}"
    );
    expect_code(
        fx.gh
            .send_friend_request(friend_request("ann", "cat").key("fr-1"))
            .await,
        ErrorCode::IdempotencyConflict,
    );
    let acc = fx
        .gh
        .accept_friend_request(friend_action("bob", "ann").key("acc-1"))
        .await
        .unwrap();
    let acc2 = fx
        .gh
        .accept_friend_request(friend_action("bob", "ann").key("acc-1"))
        .await
        .unwrap();
    assert!(acc2.replayed && acc2.friends && acc2.since == acc.since);
    assert_eq!(fx.events_of("friend_added").await.len(), 1);
    let b = fx
        .gh
        .block_player(block("ann", "bob").key("blk-1"))
        .await
        .unwrap();
    assert!(b.unfriended);
    let b2 = fx
        .gh
        .block_player(block("ann", "bob").key("blk-1"))
        .await
        .unwrap();
    assert!(b2.replayed && b2.unfriended);
    assert_eq!(fx.events_of("player_blocked").await.len(), 1);
}
