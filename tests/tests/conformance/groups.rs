//! Groups: the lifecycle with roles and events to every member, refusals that change
//! nothing, the races (50 concurrent joins of 10 free places, concurrent withdrawals
//! from one bank, two creators of one name), succession, disband freeing the name, and
//! the bank in the ledger audit.

use super::*;
use guildhall_core::friends::BlockList;
use guildhall_core::groups::{CreateGroupRequest, GroupBankRequest, GroupQuery, GroupRole};
use guildhall_core::ports::{ChangeSet, DocWrite};
use guildhall_core::types::Account;

conformance!(
    groups_lifecycle_roles_and_events_to_every_member => modules_config,
    groups_refusals_change_nothing => modules_config,
    groups_fifty_concurrent_joins_fill_ten_places_exactly => modules_config,
    groups_concurrent_withdrawals_never_take_the_bank_below_zero => modules_config,
    groups_two_creators_of_one_name_get_one_group => modules_config,
    groups_succession_and_the_last_member_removing_the_group => modules_config,
    groups_disband_frees_the_name_and_pays_out_the_bank => modules_config,
    groups_find_by_prefix_in_pages_and_limits_per_kind => modules_config,
);

fn create(owner: &str, name: &str, open: bool, max: Option<u32>) -> CreateGroupRequest {
    CreateGroupRequest {
        owner: pid(owner),
        name: name.into(),
        description: format!("{name} description"),
        open,
        max_members: max,
        kind: None,
        metadata: json!({ "tag": name }),
    }
}

fn bank(player: &str, group_id: &str, currency: &str, amount: i64) -> GroupBankRequest {
    GroupBankRequest {
        player: pid(player),
        group_id: group_id.into(),
        currency: currency.into(),
        amount,
        reason: None,
        idempotency_key: None,
    }
}

/// Stores that `blocker` blocked `blocked` (as the friends module does).
async fn block(fx: &Fixture, blocker: &str, blocked: &str) {
    fx.gh
        .store()
        .commit(ChangeSet {
            docs: vec![DocWrite {
                kind: "blocks".into(),
                id: blocker.into(),
                expected_version: 0,
                body: Some(
                    serde_json::to_value(BlockList {
                        blocked: vec![pid(blocked)],
                    })
                    .unwrap(),
                ),
            }],
            ..Default::default()
        })
        .await
        .expect("store a block");
}

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

async fn groups_lifecycle_roles_and_events_to_every_member(fx: Fixture) {
    let (ann, bob, cat, dan) = (pid("ann"), pid("bob"), pid("cat"), pid("dan"));
    let g = fx
        .gh
        .create_group(create("ann", "Night Wolves", false, None))
        .await
        .unwrap();
    assert_eq!(
        (
            &g.owner,
            g.players(),
            g.open,
            g.max_members,
            g.kind.as_str()
        ),
        (&ann, vec![ann.clone()], false, 100, "guild")
    );
    assert_eq!(g.created_at, fx.now());
    assert_eq!(g.metadata, json!({ "tag": "Night Wolves" }));
    assert_eq!(fx.gh.group(&g.id).await.unwrap(), g);
    assert_eq!(fx.gh.group_by_name("night WOLVES").await.unwrap(), g);
    assert_eq!(fx.gh.groups_of(&ann).await.unwrap(), vec![g.clone()]);
    let ev = fx.all_events().await;
    assert_eq!(kinds(&ev), ["group_joined"]);

    // A closed group: bob asks, ann accepts; cat is invited and accepts.
    fx.clock.advance_secs(1);
    let seq = last_seq(&fx.all_events().await);
    let r = fx.gh.request_to_join_group(&bob, &g.id).await.unwrap();
    assert_eq!(r.requests.len(), 1);
    let ev = events_since(&fx, seq).await;
    assert_eq!(kinds(&ev), ["group_request"]);
    assert_eq!(players_of(&ev[0]), set(&["ann", "bob"]));
    fx.gh.accept_join_request(&ann, &g.id, &bob).await.unwrap();
    fx.clock.advance_secs(1);
    let inv = fx.gh.invite_to_group(&ann, &g.id, &cat).await.unwrap();
    assert_eq!(inv.invited_by, ann);
    let seq = last_seq(&fx.all_events().await);
    let g2 = fx.gh.accept_group_invite(&cat, &g.id).await.unwrap();
    assert_eq!(g2.players(), [ann.clone(), bob.clone(), cat.clone()]);
    assert!(g2.invites.is_empty() && g2.requests.is_empty());
    let ev = events_since(&fx, seq).await;
    assert_eq!(kinds(&ev), ["group_joined"]);
    assert_eq!(players_of(&ev[0]), set(&["ann", "bob", "cat"]));
    assert_payload(
        &ev[0],
        &[("player", json!("cat")), ("group_id", json!(g.id))],
    );

    // Roles: only the owner promotes; an officer invites and kicks members.
    let seq = last_seq(&fx.all_events().await);
    let g3 = fx.gh.promote_in_group(&ann, &g.id, &bob).await.unwrap();
    assert_eq!(g3.role_of(&bob), Some(GroupRole::Officer));
    let ev = events_since(&fx, seq).await;
    assert_eq!(kinds(&ev), ["group_role_changed"]);
    assert_eq!(players_of(&ev[0]), set(&["ann", "bob", "cat"]));
    assert_payload(
        &ev[0],
        &[("player", json!("bob")), ("role", json!("officer"))],
    );
    fx.gh.invite_to_group(&bob, &g.id, &dan).await.unwrap();
    fx.gh.decline_group_invite(&dan, &g.id).await.unwrap();
    let seq = last_seq(&fx.all_events().await);
    let g4 = fx.gh.kick_from_group(&bob, &g.id, &cat).await.unwrap();
    assert_eq!(g4.players(), [ann.clone(), bob.clone()]);
    let ev = events_since(&fx, seq).await;
    assert_eq!(kinds(&ev), ["group_left"]);
    assert_eq!(players_of(&ev[0]), set(&["ann", "bob", "cat"]));
    assert!(fx.gh.groups_of(&cat).await.unwrap().is_empty());
    assert!(fx.all_docs("groups_of").await.iter().all(|d| d.id != "cat"));

    // Demote, transfer: the old owner becomes an officer.
    fx.gh.demote_in_group(&ann, &g.id, &bob).await.unwrap();
    let g5 = fx
        .gh
        .transfer_group_ownership(&ann, &g.id, &bob)
        .await
        .unwrap();
    assert_eq!(g5.owner, bob);
    assert_eq!(g5.role_of(&ann), Some(GroupRole::Officer));
    assert_eq!(g5.role_of(&bob), Some(GroupRole::Owner));

    // Bank: members deposit, officers and the owner withdraw; all in the ledger.
    fx.gh.grant(grant("ann", "gold", 100)).await.unwrap();
    let d = fx
        .gh
        .group_deposit(bank("ann", &g.id, "gold", 60))
        .await
        .unwrap();
    assert_eq!((d.group_balance, d.player_balance), (60, 40));
    let w = fx
        .gh
        .group_withdraw(bank("bob", &g.id, "gold", 25))
        .await
        .unwrap();
    assert_eq!((w.group_balance, w.player_balance), (35, 25));
    let b = fx.gh.group_bank(&g.id).await.unwrap();
    assert_eq!(b.balances, wallet_of(35, 0));
    assert_eq!(
        fx.account_balance(&Account::Group(g.id.clone()), "gold")
            .await,
        35
    );
    let hist = fx.full_history(&bob).await;
    assert_eq!(hist[0].debit, Account::Group(g.id.clone()));
    assert_eq!(hist[0].credit, Account::Player(bob.clone()));
    let ev = fx.events_of("group_withdrawal").await;
    assert_eq!(players_of(&ev[0]), set(&["ann", "bob"]));
    // Idempotent: the same key answers the stored result and moves nothing again.
    let keyed = GroupBankRequest {
        idempotency_key: Some("dep-1".into()),
        ..bank("ann", &g.id, "gold", 5)
    };
    let first = fx.gh.group_deposit(keyed.clone()).await.unwrap();
    let again = fx.gh.group_deposit(keyed.clone()).await.unwrap();
    assert!(!first.replayed && again.replayed);
    assert_eq!(again.group_balance, 40);
    assert_eq!(
        fx.gh.group_bank(&g.id).await.unwrap().balances,
        wallet_of(40, 0)
    );
    expect_code(
        fx.gh
            .group_deposit(GroupBankRequest { amount: 6, ..keyed })
            .await,
        ErrorCode::IdempotencyConflict,
    );
    let report = fx.assert_ledger_ok().await;
    assert!(report.accounts_checked >= 4, "{report:?}");
}

async fn groups_refusals_change_nothing(fx: Fixture) {
    let (ann, bob, cat, dan, eve) = (pid("ann"), pid("bob"), pid("cat"), pid("dan"), pid("eve"));
    let g = fx
        .gh
        .create_group(create("ann", "Ravens", false, Some(3)))
        .await
        .unwrap();
    fx.gh.invite_to_group(&ann, &g.id, &bob).await.unwrap();
    fx.gh.accept_group_invite(&bob, &g.id).await.unwrap();
    let open = fx
        .gh
        .create_group(create("eve", "Open Door", true, Some(2)))
        .await
        .unwrap();
    fx.gh.grant(grant("bob", "gold", 50)).await.unwrap();
    block(&fx, "dan", "ann").await;
    let all = [&ann, &bob, &cat, &dan, &eve];
    let before = fx.snapshot(&all).await;
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NameTaken,
        "same name, other case",
        fx.gh.create_group(create("cat", "RAVENS", true, None))
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::LimitReached,
        "a second guild",
        fx.gh.create_group(create("ann", "Crows", true, None))
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::InvalidArgument,
        "bad name",
        fx.gh.create_group(create("cat", " padded", true, None))
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::InvalidArgument,
        "max_members 1",
        fx.gh.create_group(create("cat", "Tiny", true, Some(1)))
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotFound,
        "unknown group",
        fx.gh.join_group(&cat, "no-such-group")
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::GroupPermission,
        "join a closed group",
        fx.gh.join_group(&cat, &g.id)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::GroupPermission,
        "a member invites",
        fx.gh.invite_to_group(&bob, &g.id, &cat)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotGroupMember,
        "an outsider invites",
        fx.gh.invite_to_group(&cat, &g.id, &dan)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::Blocked,
        "invitee blocked the inviter",
        fx.gh.invite_to_group(&ann, &g.id, &dan)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotFound,
        "accept without an invite",
        fx.gh.accept_group_invite(&cat, &g.id)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::GroupPermission,
        "a member kicks the owner",
        fx.gh.kick_from_group(&bob, &g.id, &ann)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::GroupPermission,
        "a member promotes",
        fx.gh.promote_in_group(&bob, &g.id, &bob)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::GroupPermission,
        "a member disbands",
        fx.gh.disband_group(&bob, &g.id)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::GroupPermission,
        "a member transfers",
        fx.gh.transfer_group_ownership(&bob, &g.id, &bob)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotGroupMember,
        "an outsider leaves",
        fx.gh.leave_group(&cat, &g.id)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::GroupPermission,
        "a member withdraws",
        fx.gh.group_withdraw(bank("bob", &g.id, "gold", 1))
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::NotGroupMember,
        "an outsider deposits",
        fx.gh.group_deposit(bank("cat", &g.id, "gold", 1))
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::InsufficientFunds,
        "deposit more than held",
        fx.gh.group_deposit(bank("bob", &g.id, "gold", 51))
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::InsufficientFunds,
        "withdraw from an empty bank",
        fx.gh.group_withdraw(bank("ann", &g.id, "gold", 1))
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::InvalidArgument,
        "unknown currency",
        fx.gh.group_deposit(bank("bob", &g.id, "copper", 1))
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::InvalidArgument,
        "request to an open group",
        fx.gh.request_to_join_group(&cat, &open.id)
    );
    fx.gh.join_group(&cat, &open.id).await.unwrap();
    let before = fx.snapshot(&all).await;
    refused!(
        fx,
        before,
        &all,
        ErrorCode::GroupFull,
        "join a full group",
        fx.gh.join_group(&dan, &open.id)
    );
    refused!(
        fx,
        before,
        &all,
        ErrorCode::InvalidArgument,
        "join twice",
        fx.gh.join_group(&cat, &open.id)
    );
}

async fn groups_fifty_concurrent_joins_fill_ten_places_exactly(fx: Fixture) {
    let g = fx
        .gh
        .create_group(create("owner", "Crowd", true, Some(11)))
        .await
        .unwrap();
    let other = fx.second_service().await;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let gh = if i % 2 == 0 { &fx.gh } else { &other };
        let id = g.id.clone();
        tasks.push(spawn_call(gh, move |gh| async move {
            (i, gh.join_group(&pid(&format!("p{i}")), &id).await)
        }));
    }
    let mut joined = BTreeSet::new();
    for t in tasks {
        let (i, r) = t.await.expect("task");
        match r {
            Ok(_) => {
                joined.insert(format!("p{i}"));
            }
            Err(e) => assert_eq!(e.code, ErrorCode::GroupFull, "p{i}: {e}"),
        }
    }
    assert_eq!(joined.len(), 10, "10 free places: {joined:?}");
    let now = fx.gh.group(&g.id).await.unwrap();
    assert_eq!(now.members.len(), 11);
    let listed: BTreeSet<String> = now
        .players()
        .iter()
        .filter(|p| p.as_str() != "owner")
        .map(|p| p.to_string())
        .collect();
    assert_eq!(listed, joined);
    assert_eq!(fx.all_docs("groups_of").await.len(), 11);
    for i in 0..50 {
        let p = format!("p{i}");
        assert_eq!(
            fx.gh.groups_of(&pid(&p)).await.unwrap().len(),
            usize::from(joined.contains(&p)),
            "{p}"
        );
    }
    assert_eq!(fx.events_of("group_joined").await.len(), 11);
}

async fn groups_concurrent_withdrawals_never_take_the_bank_below_zero(fx: Fixture) {
    let g = fx
        .gh
        .create_group(create("ann", "Vault", true, None))
        .await
        .unwrap();
    let officers = ["o0", "o1", "o2", "o3"];
    for o in officers {
        fx.gh.join_group(&pid(o), &g.id).await.unwrap();
        fx.gh
            .promote_in_group(&pid("ann"), &g.id, &pid(o))
            .await
            .unwrap();
    }
    fx.gh.grant(grant("ann", "gold", 100)).await.unwrap();
    fx.gh
        .group_deposit(bank("ann", &g.id, "gold", 100))
        .await
        .unwrap();
    let other = fx.second_service().await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let gh = if i % 2 == 0 { &fx.gh } else { &other };
        let id = g.id.clone();
        let who = officers[i % officers.len()];
        tasks.push(spawn_call(gh, move |gh| async move {
            (who, gh.group_withdraw(bank(who, &id, "gold", 7)).await)
        }));
    }
    let mut taken = BTreeMap::<&str, i64>::new();
    let mut ok = 0;
    for t in tasks {
        let (who, r) = t.await.expect("task");
        match r {
            Ok(r) => {
                assert!(r.group_balance >= 0);
                *taken.entry(who).or_default() += 7;
                ok += 1;
            }
            Err(e) => assert_eq!(e.code, ErrorCode::InsufficientFunds, "{e}"),
        }
    }
    assert_eq!(ok, 14, "100 / 7 = 14 withdrawals fit");
    assert_eq!(
        fx.gh.group_bank(&g.id).await.unwrap().balances,
        wallet_of(2, 0)
    );
    for o in officers {
        assert_eq!(
            fx.gh.balance(&pid(o), "gold").await.unwrap(),
            taken.get(o).copied().unwrap_or(0)
        );
    }
    let report = fx.assert_ledger_ok().await;
    assert!(report.accounts_checked >= 3);
    assert_eq!(
        fx.currency_totals().await.get("gold").copied().unwrap_or(0),
        0
    );
}

async fn groups_two_creators_of_one_name_get_one_group(fx: Fixture) {
    let other = fx.second_service().await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let gh = if i % 2 == 0 { &fx.gh } else { &other };
        let name = if i % 3 == 0 { "Same Name" } else { "SAME name" };
        tasks.push(spawn_call(gh, move |gh| async move {
            gh.create_group(create(&format!("c{i}"), name, true, None))
                .await
        }));
    }
    let mut made = Vec::new();
    for t in tasks {
        match t.await.expect("task") {
            Ok(g) => made.push(g),
            Err(e) => assert_eq!(e.code, ErrorCode::NameTaken, "{e}"),
        }
    }
    assert_eq!(made.len(), 1, "{made:?}");
    assert_eq!(fx.all_docs("group").await.len(), 1);
    assert_eq!(fx.all_docs("group_name").await.len(), 1);
    assert_eq!(fx.all_docs("groups_of").await.len(), 1);
}

async fn groups_succession_and_the_last_member_removing_the_group(fx: Fixture) {
    let g = fx
        .gh
        .create_group(create("ann", "Line", true, None))
        .await
        .unwrap();
    for who in ["bob", "cat", "dan"] {
        fx.clock.advance_secs(1);
        fx.gh.join_group(&pid(who), &g.id).await.unwrap();
    }
    // dan is an officer: he succeeds ann although bob and cat joined before him.
    fx.gh
        .promote_in_group(&pid("ann"), &g.id, &pid("dan"))
        .await
        .unwrap();
    let seq = last_seq(&fx.all_events().await);
    let left = fx.gh.leave_group(&pid("ann"), &g.id).await.unwrap();
    let now = left.group.expect("still there");
    assert_eq!(now.owner, pid("dan"));
    assert_eq!(now.role_of(&pid("dan")), Some(GroupRole::Owner));
    let ev = events_since(&fx, seq).await;
    assert_eq!(kinds(&ev), ["group_left", "group_role_changed"]);
    assert_eq!(players_of(&ev[1]), set(&["bob", "cat", "dan"]));
    // No officer: the longest-standing member, bob.
    let left = fx.gh.leave_group(&pid("dan"), &g.id).await.unwrap();
    assert_eq!(left.group.unwrap().owner, pid("bob"));
    // An operator removes bob: cat is the last member and owner.
    let r = fx
        .gh
        .admin_remove_group_member(&g.id, &pid("bob"))
        .await
        .unwrap();
    assert_eq!(r.group.unwrap().owner, pid("cat"));
    fx.gh.grant(grant("cat", "gold", 30)).await.unwrap();
    fx.gh
        .group_deposit(bank("cat", &g.id, "gold", 30))
        .await
        .unwrap();
    fx.gh.grant(grant("cat", "gold", 1)).await.unwrap();
    assert_eq!(fx.gh.balance(&pid("cat"), "gold").await.unwrap(), 1);
    // The last member leaving removes the group, frees the name, takes the bank.
    let last = fx.gh.leave_group(&pid("cat"), &g.id).await.unwrap();
    assert!(last.group.is_none());
    expect_code(fx.gh.group(&g.id).await, ErrorCode::NotFound);
    assert!(fx.all_docs("group_name").await.is_empty());
    assert!(fx.all_docs("groups_of").await.is_empty());
    assert_eq!(fx.gh.balance(&pid("cat"), "gold").await.unwrap(), 31);
    assert_eq!(
        fx.account_balance(&Account::Group(g.id.clone()), "gold")
            .await,
        0
    );
    assert_eq!(fx.events_of("group_disbanded").await.len(), 1);
    fx.assert_ledger_ok().await;
    fx.gh
        .create_group(create("eve", "LINE", true, None))
        .await
        .expect("the name is free again");
}

async fn groups_disband_frees_the_name_and_pays_out_the_bank(fx: Fixture) {
    let g = fx
        .gh
        .create_group(create("ann", "Short Lived", true, None))
        .await
        .unwrap();
    fx.gh.join_group(&pid("bob"), &g.id).await.unwrap();
    fx.gh.grant(grant("bob", "gems", 9)).await.unwrap();
    fx.gh
        .group_deposit(bank("bob", &g.id, "gems", 9))
        .await
        .unwrap();
    let seq = last_seq(&fx.all_events().await);
    fx.gh.disband_group(&pid("ann"), &g.id).await.unwrap();
    let ev = events_since(&fx, seq).await;
    assert_eq!(kinds(&ev), ["group_disbanded"]);
    assert_eq!(players_of(&ev[0]), set(&["ann", "bob"]));
    assert!(fx.all_docs("group").await.is_empty());
    assert!(fx.all_docs("group_name").await.is_empty());
    assert!(fx.all_docs("groups_of").await.is_empty());
    assert_eq!(fx.gh.balance(&pid("ann"), "gems").await.unwrap(), 9);
    fx.assert_ledger_ok().await;
    let again = fx
        .gh
        .create_group(create("bob", "short lived", true, None))
        .await
        .unwrap();
    // An operator disbands too.
    fx.gh.admin_disband_group(&again.id).await.unwrap();
    expect_code(
        fx.gh.group_by_name("Short Lived").await,
        ErrorCode::NotFound,
    );
    expect_code(
        fx.gh.admin_disband_group(&again.id).await,
        ErrorCode::NotFound,
    );
}

async fn groups_find_by_prefix_in_pages_and_limits_per_kind(fx: Fixture) {
    for (i, name) in ["Alpha", "alpine", "ALTO", "Beta", "Alchemy"]
        .iter()
        .enumerate()
    {
        fx.gh
            .create_group(create(&format!("o{i}"), name, true, None))
            .await
            .unwrap();
    }
    let mut names = Vec::new();
    let mut q = GroupQuery {
        prefix: Some("AL".into()),
        cursor: None,
        limit: Some(2),
    };
    let mut pages = 0;
    loop {
        let page = fx.gh.find_groups(q.clone()).await.unwrap();
        pages += 1;
        names.extend(page.groups.iter().map(|g| g.name.clone()));
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(names, ["Alchemy", "Alpha", "alpine", "ALTO"]);
    assert_eq!(pages, 2);
    let all = fx.gh.find_groups(GroupQuery::default()).await.unwrap();
    assert_eq!(all.groups.len(), 5);
    assert_eq!(all.groups[0].member_count, 1);
    expect_code(
        fx.gh
            .find_groups(GroupQuery {
                limit: Some(0),
                ..Default::default()
            })
            .await,
        ErrorCode::InvalidArgument,
    );
    expect_code(
        fx.gh
            .find_groups(GroupQuery {
                cursor: Some("x".into()),
                ..Default::default()
            })
            .await,
        ErrorCode::InvalidArgument,
    );
    // Kinds: one guild per player, up to five groups of other kinds in all.
    let p = "multi";
    fx.gh
        .create_group(create(p, "G1", true, None))
        .await
        .unwrap();
    for i in 0..4 {
        let mut r = create(p, &format!("Clan {i}"), true, None);
        r.kind = Some("clan".into());
        fx.gh.create_group(r).await.unwrap();
    }
    let mut r = create(p, "Clan 5", true, None);
    r.kind = Some("clan".into());
    expect_code(fx.gh.create_group(r).await, ErrorCode::LimitReached);
    expect_code(
        fx.gh.join_group(&pid(p), &all.groups[0].id).await,
        ErrorCode::LimitReached,
    );
    assert_eq!(fx.gh.groups_of(&pid(p)).await.unwrap().len(), 5);
}
