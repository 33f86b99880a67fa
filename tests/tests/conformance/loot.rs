//! Loot tables: a roll grants what the pure roll gives for its stored seed (currency
//! through the ledger with the result id, items into the inventory, a durable already
//! owned recorded), 100 concurrent rolls under one idempotency key grant once, a nested
//! cycle is refused on save with nothing stored, bad input changes nothing, and party
//! rolls: need beats greed, a tie goes by the recorded draw, two resolvers at once grant
//! once, the window's end resolves with passes. A host rolls with the tables as last
//! saved, by itself or another host on the same store.

use super::*;
use guildhall_core::loot::rules;
use guildhall_core::loot::{
    DropKind, DropStatus, LootChoiceRequest, LootEntry, LootTable, ReplayLootRequest, RollChoice,
    RollLootRequest, RollStatus,
};

conformance!(
    loot_roll_grants_what_its_stored_seed_gives,
    loot_100_concurrent_rolls_with_one_key_grant_once,
    loot_a_nested_cycle_is_refused_and_nothing_is_stored,
    loot_bad_input_changes_nothing,
    loot_durables_already_owned_are_recorded,
    loot_party_need_beats_greed,
    loot_party_tie_goes_by_the_recorded_draw,
    loot_party_roll_resolved_by_two_resolvers_grants_once,
    loot_party_window_end_resolves_with_passes,
    loot_a_roll_uses_the_tables_as_last_saved_by_any_host,
);

fn item(id: &str, min: i64, max: i64, weight: u32) -> LootEntry {
    LootEntry {
        item: Some(id.into()),
        currency: None,
        table: None,
        min,
        max,
        weight,
        guaranteed: false,
    }
}

fn gold(min: i64, max: i64) -> LootEntry {
    LootEntry {
        item: None,
        currency: Some("gold".into()),
        guaranteed: true,
        weight: 0,
        ..item("x", min, max, 0)
    }
}

fn nest(table: &str, weight: u32) -> LootEntry {
    LootEntry {
        item: None,
        table: Some(table.into()),
        ..item("x", 1, 1, weight)
    }
}

fn table(id: &str, rolls: u32, entries: Vec<LootEntry>) -> LootTable {
    LootTable {
        id: id.into(),
        description: String::new(),
        rolls,
        entries,
    }
}

fn roll(player: &str, table: &str) -> RollLootRequest {
    RollLootRequest {
        player: pid(player),
        table_id: table.into(),
        party: false,
        idempotency_key: None,
    }
}

fn choose(roll_id: &str, player: &str, choice: RollChoice) -> LootChoiceRequest {
    LootChoiceRequest {
        roll_id: roll_id.into(),
        player: pid(player),
        choice,
        idempotency_key: None,
    }
}

/// `boss`: 10-20 gold guaranteed, 2 rolls of potion (1-3), elixir (1-4) or the `gems`
/// table (which drops 1-5 gems and a scroll).
async fn boss_tables(fx: &Fixture) {
    fx.gh
        .put_loot_table(table(
            "gems",
            1,
            vec![
                LootEntry {
                    item: None,
                    currency: Some("gems".into()),
                    ..item("x", 1, 5, 1)
                },
                LootEntry {
                    guaranteed: true,
                    ..item("scroll", 1, 1, 0)
                },
            ],
        ))
        .await
        .unwrap();
    fx.gh
        .put_loot_table(table(
            "boss",
            2,
            vec![
                gold(10, 20),
                item("potion", 1, 3, 5),
                item("elixir", 1, 4, 3),
                nest("gems", 2),
            ],
        ))
        .await
        .unwrap();
}

/// A party of `members` (the first leads), open.
async fn party(fx: &Fixture, members: &[&str]) -> String {
    let p = fx.gh.create_party(&pid(members[0]), true).await.unwrap();
    for m in &members[1..] {
        fx.gh.join_party(&pid(m), &p.id).await.unwrap();
    }
    p.id
}

/// Rolls `sword_table` (one guaranteed sword) for `a`'s party; the roll's id.
async fn party_drop(fx: &Fixture, members: &[&str]) -> String {
    party(fx, members).await;
    fx.gh
        .put_loot_table(table(
            "sword_table",
            0,
            vec![LootEntry {
                guaranteed: true,
                ..item("sword", 1, 1, 0)
            }],
        ))
        .await
        .unwrap();
    let r = fx
        .gh
        .roll_loot(RollLootRequest {
            party: true,
            ..roll(members[0], "sword_table")
        })
        .await
        .unwrap();
    assert_eq!(r.drops.len(), 1);
    assert_eq!(r.drops[0].status, DropStatus::PartyRoll);
    assert_eq!(fx.events_of("loot_roll_started").await.len(), 1);
    r.drops[0].roll_id.clone().unwrap()
}

async fn held(fx: &Fixture, player: &str, item: &str) -> i64 {
    fx.gh
        .inventory(&pid(player))
        .await
        .unwrap()
        .iter()
        .find(|e| e.item_id == item)
        .map_or(0, |e| e.quantity)
}

async fn loot_roll_grants_what_its_stored_seed_gives(fx: Fixture) {
    boss_tables(&fx).await;
    let p = pid("looter");
    for n in 0..5 {
        let before_gold = fx.gh.balance(&p, "gold").await.unwrap_or(0);
        let before_gems = fx.gh.balance(&p, "gems").await.unwrap_or(0);
        let r = fx.gh.roll_loot(roll("looter", "boss")).await.unwrap();
        assert!(!r.replayed);
        // The pure roll on the stored tables and seed gives exactly these drops.
        let again = rules::roll(&r.table_set(), "boss", r.seed, 8).unwrap();
        assert!(
            rules::same_drops(&again, &r.drops),
            "roll {n}: {again:?} vs {:?}",
            r.drops
        );
        let stored = fx.gh.loot_result(&r.id).await.unwrap();
        assert_eq!(stored, r);
        let sum = |c: &str| -> i64 {
            r.drops
                .iter()
                .filter(|d| d.kind == DropKind::Currency && d.id == c)
                .map(|d| d.quantity)
                .sum()
        };
        assert!(sum("gold") >= 10);
        assert_eq!(
            fx.gh.balance(&p, "gold").await.unwrap(),
            before_gold + sum("gold")
        );
        assert_eq!(
            fx.gh.balance(&p, "gems").await.unwrap_or(0),
            before_gems + sum("gems")
        );
        for d in &r.drops {
            match d.status {
                DropStatus::Granted => assert_eq!(d.granted, d.quantity, "{d:?}"),
                // Five rolls can drop more scrolls (or, rarely, potions) than a stack
                // holds: what fits is granted and the holding is then at the limit.
                DropStatus::Capped if d.kind == DropKind::Item => {
                    assert!(d.granted < d.quantity, "{d:?}");
                    let limit = match d.id.as_str() {
                        "scroll" => 5,
                        "potion" => 20,
                        other => panic!("{other} has no stack limit: {d:?}"),
                    };
                    assert_eq!(held(&fx, "looter", &d.id).await, limit, "{d:?}");
                }
                _ => panic!("roll {n}: unexpected drop {d:?}"),
            }
        }
        // The ledger: each currency drop from system:loot, reason loot, with the result id.
        let entries: Vec<LedgerEntry> = fx
            .full_history(&p)
            .await
            .into_iter()
            .filter(|e| e.metadata["result_id"] == json!(r.id))
            .collect();
        assert_eq!(
            entries.len(),
            r.drops
                .iter()
                .filter(|d| d.kind == DropKind::Currency)
                .count()
        );
        for e in &entries {
            assert_eq!(e.reason, "loot");
            assert_eq!(e.debit, system_account("loot"));
            assert_eq!(e.transaction_id, r.transaction_id);
        }
        // A replay of the result is the same drops and changes nothing.
        let before = fx.snapshot(&[&p]).await;
        let replay = fx
            .gh
            .replay_loot(ReplayLootRequest {
                result_id: Some(r.id.clone()),
                table_id: None,
                seed: None,
            })
            .await
            .unwrap();
        assert_eq!(replay.matches, Some(true));
        assert_eq!(replay.seed, r.seed);
        let by_seed = fx
            .gh
            .replay_loot(ReplayLootRequest {
                result_id: None,
                table_id: Some("boss".into()),
                seed: Some(r.seed),
            })
            .await
            .unwrap();
        assert!(rules::same_drops(&by_seed.drops, &r.drops));
        assert!(by_seed
            .drops
            .iter()
            .all(|d| d.status == DropStatus::Preview));
        fx.assert_unchanged(&before, &[&p], "replay_loot").await;
    }
    // Held items are the sum of the item drops.
    let results = fx.all_docs("loot_result").await;
    assert_eq!(results.len(), 5);
    let mut potions = 0;
    for d in &results {
        for drop in d.body["drops"].as_array().unwrap() {
            if drop["id"] == json!("potion") {
                potions += drop["granted"].as_i64().unwrap();
            }
        }
    }
    assert_eq!(held(&fx, "looter", "potion").await, potions);
    assert_eq!(fx.events_of("loot_granted").await.len(), 5);
    // An operator edit does not change a stored result's replay.
    fx.gh
        .put_loot_table(table("boss", 1, vec![item("potion", 1, 1, 1)]))
        .await
        .unwrap();
    let id = results[0].id.clone();
    let replay = fx
        .gh
        .replay_loot(ReplayLootRequest {
            result_id: Some(id),
            table_id: None,
            seed: None,
        })
        .await
        .unwrap();
    assert_eq!(replay.matches, Some(true));
    fx.assert_ledger_ok().await;
}

async fn loot_100_concurrent_rolls_with_one_key_grant_once(fx: Fixture) {
    boss_tables(&fx).await;
    let mut calls = Vec::new();
    for _ in 0..100 {
        calls.push(spawn_call(&fx.gh, |gh| async move {
            gh.roll_loot(RollLootRequest {
                idempotency_key: Some("kill-1".into()),
                ..roll("looter", "boss")
            })
            .await
        }));
    }
    let mut ids = BTreeSet::new();
    let mut originals = 0;
    for c in calls {
        let r = c.await.unwrap().unwrap();
        ids.insert(r.id.clone());
        originals += usize::from(!r.replayed);
    }
    assert_eq!(ids.len(), 1, "one result for one key");
    assert_eq!(originals, 1);
    let results = fx.all_docs("loot_result").await;
    assert_eq!(results.len(), 1);
    let r = fx.gh.loot_result(ids.first().unwrap()).await.unwrap();
    let p = pid("looter");
    let gold: i64 = r
        .drops
        .iter()
        .filter(|d| d.id == "gold")
        .map(|d| d.quantity)
        .sum();
    assert_eq!(fx.gh.balance(&p, "gold").await.unwrap(), gold);
    let loot_entries = fx
        .full_history(&p)
        .await
        .into_iter()
        .filter(|e| e.reason == "loot")
        .count();
    assert_eq!(
        loot_entries,
        r.drops
            .iter()
            .filter(|d| d.kind == DropKind::Currency)
            .count()
    );
    let potions: i64 = r
        .drops
        .iter()
        .filter(|d| d.id == "potion")
        .map(|d| d.quantity)
        .sum();
    assert_eq!(held(&fx, "looter", "potion").await, potions);
    assert_eq!(fx.events_of("loot_granted").await.len(), 1);
    // The same key for another request: IDEMPOTENCY_CONFLICT, nothing changed.
    let before = fx.snapshot(&[&p]).await;
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::IdempotencyConflict,
        "roll_loot under a used key",
        fx.gh.roll_loot(RollLootRequest {
            idempotency_key: Some("kill-1".into()),
            ..roll("looter", "gems")
        })
    );
    fx.assert_ledger_ok().await;
}

async fn loot_a_nested_cycle_is_refused_and_nothing_is_stored(fx: Fixture) {
    fx.gh
        .put_loot_table(table("c", 1, vec![item("potion", 1, 1, 1)]))
        .await
        .unwrap();
    fx.gh
        .put_loot_table(table("b", 1, vec![nest("c", 1)]))
        .await
        .unwrap();
    fx.gh
        .put_loot_table(table("a", 1, vec![nest("b", 1)]))
        .await
        .unwrap();
    let p = pid("nobody");
    let before = fx.snapshot(&[&p]).await;
    let e = refused!(
        fx,
        before,
        &[&p],
        ErrorCode::InvalidArgument,
        "a table closing a cycle",
        fx.gh
            .put_loot_table(table("c", 1, vec![nest("a", 1), item("potion", 1, 1, 1)]))
    );
    assert!(e.message.contains("'c'"), "{}", e.message);
    assert_eq!(e.details["cycle"], json!(["c", "a", "b", "c"]));
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::InvalidArgument,
        "a table nesting itself",
        fx.gh.put_loot_table(table("d", 1, vec![nest("d", 1)]))
    );
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::NotFound,
        "a table nesting a missing one",
        fx.gh.put_loot_table(table("d", 1, vec![nest("zz", 1)]))
    );
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::NotFound,
        "a table with an unknown item",
        fx.gh
            .put_loot_table(table("d", 1, vec![item("nope", 1, 1, 1)]))
    );
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::InvalidArgument,
        "deleting a nested table",
        fx.gh.delete_loot_table("b")
    );
    assert_eq!(fx.gh.loot_tables().await.unwrap().len(), 3);
    assert_eq!(fx.gh.loot_table("c").await.unwrap().entries.len(), 1);
    fx.gh.delete_loot_table("a").await.unwrap();
    assert_eq!(fx.gh.loot_tables().await.unwrap().len(), 2);
}

async fn loot_bad_input_changes_nothing(fx: Fixture) {
    boss_tables(&fx).await;
    let p = pid("looter");
    let before = fx.snapshot(&[&p]).await;
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::NotFound,
        "roll of an unknown table",
        fx.gh.roll_loot(roll("looter", "nope"))
    );
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::InvalidArgument,
        "roll with an empty table id",
        fx.gh.roll_loot(roll("looter", ""))
    );
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::InvalidArgument,
        "roll with an empty key",
        fx.gh.roll_loot(RollLootRequest {
            idempotency_key: Some(String::new()),
            ..roll("looter", "boss")
        })
    );
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::NotInParty,
        "party roll outside a party",
        fx.gh.roll_loot(RollLootRequest {
            party: true,
            ..roll("looter", "boss")
        })
    );
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::InvalidArgument,
        "a bad table",
        fx.gh
            .put_loot_table(table("boss", 1, vec![item("potion", 0, 1, 1)]))
    );
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::InvalidArgument,
        "replay with a bad seed",
        fx.gh.replay_loot(ReplayLootRequest {
            result_id: None,
            table_id: Some("boss".into()),
            seed: Some(-1),
        })
    );
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::InvalidArgument,
        "replay with nothing",
        fx.gh.replay_loot(ReplayLootRequest {
            result_id: None,
            table_id: None,
            seed: None,
        })
    );
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::NotFound,
        "choice on an unknown roll",
        fx.gh
            .choose_loot_roll(choose("nope", "looter", RollChoice::Need))
    );
}

async fn loot_durables_already_owned_are_recorded(fx: Fixture) {
    fx.gh
        .put_loot_table(table(
            "relics",
            0,
            vec![
                LootEntry {
                    guaranteed: true,
                    ..item("relic", 1, 1, 0)
                },
                LootEntry {
                    guaranteed: true,
                    ..item("scroll", 4, 4, 0)
                },
            ],
        ))
        .await
        .unwrap();
    let first = fx.gh.roll_loot(roll("p", "relics")).await.unwrap();
    assert_eq!(first.drops[0].status, DropStatus::Granted);
    assert_eq!(first.drops[1].status, DropStatus::Granted);
    let second = fx.gh.roll_loot(roll("p", "relics")).await.unwrap();
    assert_eq!(second.drops[0].status, DropStatus::AlreadyOwned);
    assert_eq!(second.drops[0].granted, 0);
    // scroll stacks to 5: 1 more fits.
    assert_eq!(second.drops[1].status, DropStatus::Capped);
    assert_eq!(second.drops[1].granted, 1);
    assert_eq!(held(&fx, "p", "relic").await, 1);
    assert_eq!(held(&fx, "p", "scroll").await, 5);
}

async fn loot_party_need_beats_greed(fx: Fixture) {
    let roll_id = party_drop(&fx, &["a", "b", "c"]).await;
    let r = fx
        .gh
        .choose_loot_roll(choose(&roll_id, "a", RollChoice::Greed))
        .await
        .unwrap();
    assert_eq!(r.roll.status, RollStatus::Open);
    let p = pid("a");
    let before = fx.snapshot(&[&p]).await;
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::InvalidArgument,
        "a second choice",
        fx.gh
            .choose_loot_roll(choose(&roll_id, "a", RollChoice::Need))
    );
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::NotInParty,
        "a choice by an outsider",
        fx.gh
            .choose_loot_roll(choose(&roll_id, "z", RollChoice::Need))
    );
    fx.gh
        .choose_loot_roll(choose(&roll_id, "b", RollChoice::Need))
        .await
        .unwrap();
    let r = fx
        .gh
        .choose_loot_roll(choose(&roll_id, "c", RollChoice::Pass))
        .await
        .unwrap();
    assert_eq!(r.roll.status, RollStatus::Resolved);
    assert_eq!(r.roll.winner, Some(pid("b")));
    assert_eq!(r.roll.winning_choice, Some(RollChoice::Need));
    assert_eq!(r.roll.grant, Some(DropStatus::Granted));
    assert_eq!(held(&fx, "b", "sword").await, 1);
    assert_eq!(held(&fx, "a", "sword").await, 0);
    let won = fx.events_of("loot_roll_won").await;
    assert_eq!(won.len(), 1);
    assert_eq!(won[0].payload["winner"], json!("b"));
    assert_eq!(won[0].players.len(), 3);
    assert!(fx.all_docs("loot_roll_due").await.is_empty());
    // Resolved: no more choices.
    expect_code(
        fx.gh
            .choose_loot_roll(choose(&roll_id, "c", RollChoice::Need))
            .await,
        ErrorCode::InvalidArgument,
    );
}

async fn loot_party_tie_goes_by_the_recorded_draw(fx: Fixture) {
    let roll_id = party_drop(&fx, &["a", "b", "c"]).await;
    fx.gh
        .choose_loot_roll(choose(&roll_id, "a", RollChoice::Need))
        .await
        .unwrap();
    fx.gh
        .choose_loot_roll(choose(&roll_id, "b", RollChoice::Greed))
        .await
        .unwrap();
    let r = fx
        .gh
        .choose_loot_roll(choose(&roll_id, "c", RollChoice::Need))
        .await
        .unwrap()
        .roll;
    assert_eq!(r.contenders, vec![pid("a"), pid("c")]);
    let draw = r.draw.expect("a recorded draw");
    let winner = r.contenders[rules::pick(draw, 2)].clone();
    assert_eq!(r.winner, Some(winner.clone()));
    assert_eq!(fx.gh.loot_roll(&roll_id).await.unwrap(), r);
    assert_eq!(held(&fx, winner.as_str(), "sword").await, 1);
    assert_eq!(held(&fx, "b", "sword").await, 0);
}

async fn loot_party_roll_resolved_by_two_resolvers_grants_once(fx: Fixture) {
    let roll_id = party_drop(&fx, &["a", "b"]).await;
    fx.gh
        .choose_loot_roll(choose(&roll_id, "a", RollChoice::Greed))
        .await
        .unwrap();
    // Not due yet: nothing resolved.
    assert!(fx.gh.resolve_loot_rolls().await.unwrap().is_empty());
    fx.clock.advance_secs(61);
    let other = fx.second_service().await;
    let one = spawn_call(&fx.gh, |gh| async move { gh.resolve_loot_rolls().await });
    let two = spawn_call(&other, |gh| async move { gh.resolve_loot_rolls().await });
    let resolved = one.await.unwrap().unwrap().len() + two.await.unwrap().unwrap().len();
    assert_eq!(resolved, 1);
    assert_eq!(held(&fx, "a", "sword").await, 1);
    assert_eq!(fx.events_of("loot_roll_won").await.len(), 1);
    let r = fx.gh.loot_roll(&roll_id).await.unwrap();
    assert_eq!(r.winner, Some(pid("a")));
    assert_eq!(r.winning_choice, Some(RollChoice::Greed));
    assert!(fx.gh.resolve_loot_rolls().await.unwrap().is_empty());
}

async fn loot_party_window_end_resolves_with_passes(fx: Fixture) {
    let roll_id = party_drop(&fx, &["a", "b"]).await;
    fx.clock.advance_secs(60);
    let p = pid("a");
    let before = fx.snapshot(&[&p]).await;
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::InvalidArgument,
        "a choice after the window",
        fx.gh
            .choose_loot_roll(choose(&roll_id, "a", RollChoice::Need))
    );
    let done = fx.gh.resolve_loot_rolls().await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].status, RollStatus::Resolved);
    assert_eq!(done[0].winner, None);
    assert_eq!(done[0].draw, None);
    assert_eq!(held(&fx, "a", "sword").await, 0);
    assert_eq!(held(&fx, "b", "sword").await, 0);
    assert!(fx.all_docs("loot_roll_due").await.is_empty());
    assert_eq!(fx.events_of("loot_roll_won").await.len(), 1);
}

/// A second core on the fixture's store (another host process): it keeps its own copy of
/// the tables, which a save by the first must make stale.
async fn loot_a_roll_uses_the_tables_as_last_saved_by_any_host(fx: Fixture) {
    let other = guildhall_core::Guildhall::new(
        fx.gh.store().clone(),
        Arc::new(guildhall_core::memory::MemoryCoordinator::new()),
        fx.gh.config().clone(),
    )
    .with_clock(fx.clock.clone() as Arc<dyn guildhall_core::ports::Clock>);
    let guaranteed = |id: &str| LootEntry {
        guaranteed: true,
        ..item(id, 1, 1, 0)
    };
    let p = pid("saver");
    fx.gh
        .put_loot_table(table("chest", 0, vec![guaranteed("potion")]))
        .await
        .unwrap();
    for _ in 0..2 {
        let r = other.roll_loot(roll("saver", "chest")).await.unwrap();
        assert_eq!(r.drops.len(), 1);
        assert_eq!(r.drops[0].id, "potion");
        assert_eq!(r.drops[0].status, DropStatus::Granted);
    }
    assert_eq!(held(&fx, "saver", "potion").await, 2);
    // Saved again by the first host: the other rolls the new table at once.
    fx.gh
        .put_loot_table(table("inner", 0, vec![guaranteed("elixir")]))
        .await
        .unwrap();
    fx.gh
        .put_loot_table(table(
            "chest",
            0,
            vec![
                guaranteed("elixir"),
                LootEntry {
                    guaranteed: true,
                    ..nest("inner", 0)
                },
            ],
        ))
        .await
        .unwrap();
    let r = other.roll_loot(roll("saver", "chest")).await.unwrap();
    let ids: Vec<&str> = r.drops.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, vec!["elixir", "elixir"], "{:?}", r.drops);
    assert_eq!(r.tables.len(), 2);
    assert_eq!(held(&fx, "saver", "elixir").await, 2);
    assert_eq!(held(&fx, "saver", "potion").await, 2);
    let inv = fx.gh.inventory(&p).await.unwrap();
    assert_eq!(inv.len(), 2, "{inv:?}");
    // Deleted by the first host: the other finds it gone.
    fx.gh
        .put_loot_table(table("chest", 0, vec![guaranteed("potion")]))
        .await
        .unwrap();
    fx.gh.delete_loot_table("chest").await.unwrap();
    let e = other.roll_loot(roll("saver", "chest")).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert_eq!(held(&fx, "saver", "potion").await, 2);
}
