//! Parties: the lifecycle with events to every member, invite expiry and the size cap,
//! concurrent accepts and joins, succession.

use super::*;

conformance!(
    party_lifecycle_with_events_to_every_member => modules_config,
    party_invites_expire_and_full_parties_refuse => modules_config,
    party_concurrent_accepts_fill_the_last_slot_once => modules_config,
    party_concurrent_joins_of_two_parties_land_in_one => modules_config,
    party_succession_goes_to_the_longest_standing_member => modules_config,
);

/// The events after `seq`, oldest first.
async fn events_since(fx: &Fixture, seq: i64) -> Vec<Event> {
    fx.all_events()
        .await
        .into_iter()
        .filter(|e| e.seq > seq)
        .collect()
}

fn last_seq(events: &[Event]) -> i64 {
    events.last().map_or(0, |e| e.seq)
}

async fn party_lifecycle_with_events_to_every_member(fx: Fixture) {
    let (ann, bob, cat, dan, eve) = (pid("ann"), pid("bob"), pid("cat"), pid("dan"), pid("eve"));
    let party = fx.gh.create_party(&ann, false).await.unwrap();
    assert_eq!(
        (&party.leader, party.players(), party.open),
        (&ann, vec![ann.clone()], false)
    );
    assert_eq!(party.created_at, fx.now());
    assert_eq!(fx.gh.party_of(&ann).await.unwrap(), Some(party.clone()));
    assert_eq!(fx.gh.party(&party.id).await.unwrap(), party);
    let ev = fx.all_events().await;
    assert_eq!(kinds(&ev), ["party_joined"]);
    assert_eq!(players_of(&ev[0]), set(&["ann"]));

    let all = [&ann, &bob, &cat, &dan, &eve];
    let before = fx.snapshot(&all).await;
    refused!(
        fx,
        before,
        &all,
        ErrorCode::AlreadyInParty,
        "second party",
        fx.gh.create_party(&ann, true)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotInParty,
        "invite by an outsider",
        fx.gh.invite_to_party(&bob, &cat)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::InvalidArgument,
        "invite of a member",
        fx.gh.invite_to_party(&ann, &ann)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::Forbidden,
        "join of a closed party",
        fx.gh.join_party(&eve, &party.id)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotFound,
        "accept without invite",
        fx.gh.accept_invite(&eve, &party.id)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotFound,
        "unknown party",
        fx.gh.join_party(&eve, "no-such-party")
    );

    let mark = last_seq(&fx.all_events().await);
    let inv = fx.gh.invite_to_party(&ann, &bob).await.unwrap();
    assert_eq!((&inv.player, &inv.invited_by), (&bob, &ann));
    assert_eq!(inv.expires_at, fx.now() + secs(60));
    let p = fx.gh.accept_invite(&bob, &party.id).await.unwrap();
    assert_eq!(p.players(), [ann.clone(), bob.clone()]);
    assert!(p.invites.is_empty());
    let ev = events_since(&fx, mark).await;
    assert_eq!(kinds(&ev), ["party_invited", "party_joined"]);
    assert_eq!(players_of(&ev[0]), set(&["ann", "bob"]));
    assert_eq!(players_of(&ev[1]), set(&["ann", "bob"]));
    assert_eq!(ev[1].payload["player"], json!("bob"));

    let before = fx.snapshot(&all).await;
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotPartyLeader,
        "invite by a member",
        fx.gh.invite_to_party(&bob, &cat)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotPartyLeader,
        "kick by a member",
        fx.gh.kick_from_party(&bob, &ann)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotPartyLeader,
        "promote by a member",
        fx.gh.promote_in_party(&bob, &bob)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotPartyLeader,
        "disband by a member",
        fx.gh.disband_party(&bob)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotInParty,
        "kick of an outsider",
        fx.gh.kick_from_party(&ann, &eve)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotInParty,
        "promote of an outsider",
        fx.gh.promote_in_party(&ann, &eve)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::InvalidArgument,
        "kick of oneself",
        fx.gh.kick_from_party(&ann, &ann)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotInParty,
        "leave by an outsider",
        fx.gh.leave_party(&eve)
    );

    let mark = last_seq(&fx.all_events().await);
    fx.gh.invite_to_party(&ann, &cat).await.unwrap();
    fx.gh.decline_invite(&cat, &party.id).await.unwrap();
    assert!(fx.gh.party(&party.id).await.unwrap().invites.is_empty());
    expect_code(
        fx.gh.accept_invite(&cat, &party.id).await,
        ErrorCode::NotFound,
    );
    expect_code(
        fx.gh.decline_invite(&cat, &party.id).await,
        ErrorCode::NotFound,
    );
    let ev = events_since(&fx, mark).await;
    assert_eq!(kinds(&ev), ["party_invited", "party_invite_declined"]);
    assert!(ev
        .iter()
        .all(|e| players_of(e) == set(&["ann", "bob", "cat"])));

    for who in [&cat, &dan] {
        fx.gh.invite_to_party(&ann, who).await.unwrap();
        fx.gh.accept_invite(who, &party.id).await.unwrap();
    }
    let mark = last_seq(&fx.all_events().await);
    let p = fx.gh.kick_from_party(&ann, &dan).await.unwrap();
    assert_eq!(p.players(), [ann.clone(), bob.clone(), cat.clone()]);
    assert_eq!(fx.gh.party_of(&dan).await.unwrap(), None);
    let p = fx.gh.promote_in_party(&ann, &cat).await.unwrap();
    assert_eq!(p.leader, cat);
    let left = fx
        .gh
        .leave_party(&bob)
        .await
        .unwrap()
        .expect("party remains");
    assert_eq!(
        (left.players(), &left.leader),
        (vec![ann.clone(), cat.clone()], &cat)
    );
    let ev = events_since(&fx, mark).await;
    assert_eq!(
        kinds(&ev),
        ["party_left", "party_leader_changed", "party_left"]
    );
    assert_eq!(players_of(&ev[0]), set(&["ann", "bob", "cat", "dan"]));
    assert_eq!(ev[0].payload["kicked_by"], json!("ann"));
    assert_eq!(players_of(&ev[1]), set(&["ann", "bob", "cat"]));
    assert_eq!(ev[1].payload["leader"], json!("cat"));
    assert_eq!(players_of(&ev[2]), set(&["ann", "bob", "cat"]));

    let mark = last_seq(&fx.all_events().await);
    fx.gh.disband_party(&cat).await.unwrap();
    let ev = events_since(&fx, mark).await;
    assert_eq!(kinds(&ev), ["party_disbanded"]);
    assert_eq!(players_of(&ev[0]), set(&["ann", "cat"]));
    for who in all {
        assert_eq!(fx.gh.party_of(who).await.unwrap(), None);
    }
    expect_code(fx.gh.party(&party.id).await, ErrorCode::NotFound);
    assert!(fx.all_docs("party").await.is_empty());
    assert!(fx.all_docs("party_of").await.is_empty());
    // Free again.
    fx.gh.create_party(&ann, true).await.unwrap();
}

async fn party_invites_expire_and_full_parties_refuse(fx: Fixture) {
    let names = ["ann", "bob", "cat", "dan", "eve", "fay", "gil", "jay"];
    let ps: Vec<PlayerId> = names.iter().map(|n| pid(n)).collect();
    let all: Vec<&PlayerId> = ps.iter().collect();
    let [ann, bob, cat, dan, eve, fay, gil, jay] = [0, 1, 2, 3, 4, 5, 6, 7].map(|i| &ps[i]);
    let party = fx.gh.create_party(ann, false).await.unwrap();
    fx.gh.invite_to_party(ann, bob).await.unwrap();
    fx.gh.invite_to_party(ann, cat).await.unwrap();
    fx.clock.advance_secs(59);
    fx.gh.accept_invite(bob, &party.id).await.unwrap();
    fx.clock.advance_secs(1);
    let before = fx.snapshot(&all).await;
    refused!(
        fx,
        before,
        &all,
        ErrorCode::InviteExpired,
        "accept at 60 s",
        fx.gh.accept_invite(cat, &party.id)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::Forbidden,
        "join with an expired invite",
        fx.gh.join_party(cat, &party.id)
    );
    // A fresh invite replaces the expired one.
    fx.gh.invite_to_party(ann, cat).await.unwrap();
    assert_eq!(fx.gh.party(&party.id).await.unwrap().invites.len(), 1);
    fx.gh.accept_invite(cat, &party.id).await.unwrap();

    for who in [dan, eve, fay] {
        fx.gh.invite_to_party(ann, who).await.unwrap();
    }
    fx.gh.accept_invite(dan, &party.id).await.unwrap();
    fx.gh.accept_invite(eve, &party.id).await.unwrap();
    assert_eq!(fx.gh.party(&party.id).await.unwrap().members.len(), 5);
    let before = fx.snapshot(&all).await;
    refused!(
        fx,
        before,
        &all,
        ErrorCode::PartyFull,
        "accept into a full party",
        fx.gh.accept_invite(fay, &party.id)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::PartyFull,
        "invite into a full party",
        fx.gh.invite_to_party(ann, gil)
    );

    // An open party is joined without invite, up to its size.
    let open = fx.gh.create_party(gil, true).await.unwrap();
    fx.gh.join_party(fay, &open.id).await.unwrap();
    let before = fx.snapshot(&all).await;
    refused!(
        fx,
        before,
        &all,
        ErrorCode::AlreadyInParty,
        "join while in a party",
        fx.gh.join_party(bob, &open.id)
    );
    let closed = fx.gh.create_party(jay, false).await.unwrap();
    fx.gh.invite_to_party(jay, bob).await.unwrap();
    let before = fx.snapshot(&all).await;
    refused!(
        fx,
        before,
        &all,
        ErrorCode::AlreadyInParty,
        "accept while in a party",
        fx.gh.accept_invite(bob, &closed.id)
    );
    for i in 0..3 {
        fx.gh
            .join_party(&pid(&format!("o{i}")), &open.id)
            .await
            .unwrap();
    }
    let before = fx.snapshot(&all).await;
    refused!(
        fx,
        before,
        &all,
        ErrorCode::PartyFull,
        "join of a full open party",
        fx.gh.join_party(&pid("o3"), &open.id)
    );
}

async fn party_concurrent_accepts_fill_the_last_slot_once(fx: Fixture) {
    let ann = pid("ann");
    let party = fx.gh.create_party(&ann, false).await.unwrap();
    for who in ["m1", "m2", "m3"] {
        fx.gh.invite_to_party(&ann, &pid(who)).await.unwrap();
        fx.gh.accept_invite(&pid(who), &party.id).await.unwrap();
    }
    for i in 0..8 {
        fx.gh
            .invite_to_party(&ann, &pid(&format!("x{i}")))
            .await
            .unwrap();
    }
    let other = fx.second_service().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let gh = if i % 2 == 0 { &fx.gh } else { &other };
        let id = party.id.clone();
        tasks.push(spawn_call(gh, move |gh| async move {
            (i, gh.accept_invite(&pid(&format!("x{i}")), &id).await)
        }));
    }
    let mut joined = Vec::new();
    for t in tasks {
        let (i, r) = t.await.expect("task");
        match r {
            Ok(_) => joined.push(format!("x{i}")),
            Err(e) => assert_eq!(e.code, ErrorCode::PartyFull, "{e}"),
        }
    }
    assert_eq!(joined.len(), 1, "one free slot, one joins: {joined:?}");
    let p = fx.gh.party(&party.id).await.unwrap();
    assert_eq!(p.members.len(), 5);
    assert!(p.has(&pid(&joined[0])));
    assert_eq!(fx.all_docs("party_of").await.len(), 5);
    for i in 0..8 {
        let x = format!("x{i}");
        assert_eq!(
            fx.gh.party_of(&pid(&x)).await.unwrap().is_some(),
            x == joined[0]
        );
    }
    assert_eq!(fx.events_of("party_joined").await.len(), 5);
}

async fn party_concurrent_joins_of_two_parties_land_in_one(fx: Fixture) {
    let a = fx.gh.create_party(&pid("ann"), true).await.unwrap();
    let b = fx.gh.create_party(&pid("bob"), true).await.unwrap();
    let other = fx.second_service().await;
    for who in ["cat", "dan", "eve"] {
        let mut tasks = Vec::new();
        for i in 0..8 {
            let gh = if i % 2 == 0 { &fx.gh } else { &other };
            let id = if i % 4 < 2 {
                a.id.clone()
            } else {
                b.id.clone()
            };
            tasks.push(spawn_call(gh, move |gh| async move {
                (id.clone(), gh.join_party(&pid(who), &id).await)
            }));
        }
        let mut joined = Vec::new();
        for t in tasks {
            let (id, r) = t.await.expect("task");
            match r {
                Ok(_) => joined.push(id),
                Err(e) => assert_eq!(e.code, ErrorCode::AlreadyInParty, "{e}"),
            }
        }
        assert_eq!(joined.len(), 1, "{who} joined {joined:?}");
        let of = fx
            .gh
            .party_of(&pid(who))
            .await
            .unwrap()
            .expect("in a party");
        assert_eq!(of.id, joined[0]);
        let in_a = fx.gh.party(&a.id).await.unwrap().has(&pid(who));
        let in_b = fx.gh.party(&b.id).await.unwrap().has(&pid(who));
        assert!(in_a != in_b, "{who} is listed by exactly one party");
    }
    let members = fx.gh.party(&a.id).await.unwrap().members.len()
        + fx.gh.party(&b.id).await.unwrap().members.len();
    assert_eq!(members, 5);
    assert_eq!(fx.all_docs("party_of").await.len(), 5);
}

async fn party_succession_goes_to_the_longest_standing_member(fx: Fixture) {
    let (ann, bob, cat, dan) = (pid("ann"), pid("bob"), pid("cat"), pid("dan"));
    let party = fx.gh.create_party(&ann, true).await.unwrap();
    for who in [&bob, &cat, &dan] {
        fx.clock.advance_secs(1);
        fx.gh.join_party(who, &party.id).await.unwrap();
    }
    fx.gh.promote_in_party(&ann, &dan).await.unwrap();
    let p = fx.gh.leave_party(&dan).await.unwrap().unwrap();
    assert_eq!(p.leader, ann, "ann has been in the party longest");
    // bob leaves and comes back: his standing starts again.
    fx.clock.advance_secs(1);
    fx.gh.leave_party(&bob).await.unwrap();
    fx.clock.advance_secs(1);
    fx.gh.join_party(&bob, &party.id).await.unwrap();
    let mark = last_seq(&fx.all_events().await);
    let p = fx.gh.leave_party(&ann).await.unwrap().unwrap();
    assert_eq!(p.leader, cat, "cat joined before bob rejoined");
    let ev = events_since(&fx, mark).await;
    assert_eq!(kinds(&ev), ["party_left", "party_leader_changed"]);
    assert_eq!(ev[1].payload["previous"], json!("ann"));
    assert_eq!(players_of(&ev[1]), set(&["bob", "cat"]));
    fx.gh.kick_from_party(&cat, &bob).await.unwrap();
    let mark = last_seq(&fx.all_events().await);
    assert_eq!(
        fx.gh.leave_party(&cat).await.unwrap(),
        None,
        "the last one out ends it"
    );
    let ev = events_since(&fx, mark).await;
    assert_eq!(kinds(&ev), ["party_left", "party_disbanded"]);
    assert_eq!(players_of(&ev[1]), set(&["cat"]));
    assert_eq!(ev[1].payload["reason"], json!("empty"));
    expect_code(fx.gh.party(&party.id).await, ErrorCode::NotFound);
    assert!(fx.all_docs("party").await.is_empty());
    assert!(fx.all_docs("party_of").await.is_empty());
}
