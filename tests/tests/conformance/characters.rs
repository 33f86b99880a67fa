//! Characters and the account bank: one name for two concurrent creators, the slot
//! limit (also under concurrent creations), rename freeing the name, delete and restore
//! inside and outside the window, bank moves of currency and items keeping the ledger
//! and balances exact (a refused or repeated move changes nothing), equipment replacing
//! a slot's item, refusing what is not owned, and losing an item to the bank.

use super::*;
use guildhall_core::access::IdentityLoginRequest;
use guildhall_core::characters::{
    BankMoveRequest, CharacterActionRequest, CreateCharacterRequest, EquipRequest,
    RenameCharacterRequest, UnequipRequest,
};
use guildhall_core::economy::GrantRequest;
use guildhall_core::inventory::GrantItemRequest;
use guildhall_core::types::Account;

conformance!(
    characters_two_concurrent_creations_of_one_name_give_one_character,
    characters_slot_limit_holds_under_concurrent_creations,
    characters_rename_frees_the_old_name,
    characters_delete_and_restore_inside_and_outside_the_window,
    characters_bank_currency_moves_keep_ledger_and_balances_exact,
    characters_bank_item_moves_and_an_equipped_item_leaves_its_slot,
    characters_equip_replaces_and_refuses_what_is_not_owned,
);

/// Creates the account `id` (a player id with an account record).
async fn account(fx: &Fixture, id: &str) -> PlayerId {
    fx.gh
        .login_identity(IdentityLoginRequest {
            provider: "device".into(),
            subject: format!("device-{id}"),
            player: Some(pid(id)),
        })
        .await
        .expect("account");
    pid(id)
}

fn create(account: &PlayerId, name: &str) -> CreateCharacterRequest {
    CreateCharacterRequest {
        account: account.clone(),
        name: name.into(),
        idempotency_key: None,
    }
}

fn action(account: &PlayerId, character: &PlayerId) -> CharacterActionRequest {
    CharacterActionRequest {
        account: account.clone(),
        character: character.clone(),
        idempotency_key: None,
    }
}

fn gold(character: &PlayerId, amount: i64, key: Option<&str>) -> BankMoveRequest {
    BankMoveRequest {
        character: character.clone(),
        currency: Some("gold".into()),
        amount: Some(amount),
        item_id: None,
        quantity: None,
        reason: None,
        idempotency_key: key.map(Into::into),
    }
}

fn items(character: &PlayerId, item: &str, quantity: Option<i64>) -> BankMoveRequest {
    BankMoveRequest {
        character: character.clone(),
        currency: None,
        amount: None,
        item_id: Some(item.into()),
        quantity,
        reason: None,
        idempotency_key: None,
    }
}

async fn grant_gold(fx: &Fixture, p: &PlayerId, amount: i64) {
    fx.gh
        .grant(GrantRequest {
            player: p.clone(),
            currency: "gold".into(),
            amount,
            source: None,
            reason: None,
            metadata: Value::Null,
            idempotency_key: None,
        })
        .await
        .expect("grant");
}

async fn grant_item(fx: &Fixture, p: &PlayerId, item: &str, quantity: i64) {
    fx.gh
        .grant_item(GrantItemRequest {
            player: p.clone(),
            item_id: item.into(),
            quantity,
            reason: None,
            idempotency_key: None,
        })
        .await
        .expect("grant item");
}

/// Durables with a slot: `helm` and `hat` (head), `boots` (feet).
async fn slotted_items(fx: &Fixture) {
    for (id, slot) in [("helm", "head"), ("hat", "head"), ("boots", "feet")] {
        fx.gh
            .upsert_catalog_item(CatalogItem {
                id: id.into(),
                name: id.to_uppercase(),
                kind: ItemKind::Durable,
                price: None,
                max_stack: None,
                active: true,
                metadata: json!({ "slot": slot }),
            })
            .await
            .expect("catalog item");
    }
}

async fn characters_two_concurrent_creations_of_one_name_give_one_character(fx: Fixture) {
    let a = account(&fx, "acc-a").await;
    let b = account(&fx, "acc-b").await;
    let other = fx.second_service().await;
    for round in 0..3 {
        let name = format!("Twin{round}");
        let (ra, rb) = tokio::join!(
            fx.gh.create_character(create(&a, &name)),
            other.create_character(create(&b, &name.to_uppercase()))
        );
        let ok = [&ra, &rb].iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 1, "round {round}: {ra:?} / {rb:?}");
        let lost = if ra.is_err() { ra } else { rb };
        assert_eq!(lost.unwrap_err().code, ErrorCode::NameTaken);
    }
    let claims = fx.all_docs("character_name").await;
    assert_eq!(claims.len(), 3);
    assert_eq!(fx.events_of("character_created").await.len(), 3);
    let total = fx.gh.characters(&a).await.unwrap().characters.len()
        + fx.gh.characters(&b).await.unwrap().characters.len();
    assert_eq!(total, 3);
}

async fn characters_slot_limit_holds_under_concurrent_creations(fx: Fixture) {
    let a = account(&fx, "acc-a").await;
    let other = fx.second_service().await;
    let mut calls = Vec::new();
    for i in 0..6 {
        let gh = if i % 2 == 0 {
            fx.gh.clone()
        } else {
            other.clone()
        };
        let a = a.clone();
        calls.push(tokio::spawn(async move {
            gh.create_character(create(&a, &format!("Hero{i}"))).await
        }));
    }
    let mut ok = 0;
    for c in calls {
        match c.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e.code, ErrorCode::LimitReached, "{e}"),
        }
    }
    assert_eq!(ok, 3, "default slots: 3");
    let list = fx.gh.characters(&a).await.unwrap();
    assert_eq!((list.live, list.slots, list.characters.len()), (3, 3, 3));
    let before = fx.snapshot(&[&a]).await;
    refused!(
        fx,
        before,
        &[&a],
        ErrorCode::LimitReached,
        "a fourth character",
        fx.gh.create_character(create(&a, "Fourth"))
    );
    // A character owns no characters; a player id with no account record may (an
    // embedding game's own ids).
    let c0 = list.characters[0].id.clone();
    let e = fx
        .gh
        .create_character(create(&c0, "Nested"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    fx.gh
        .create_character(create(&pid("game-player-7"), "Embedded"))
        .await
        .expect("ids of embedding games need no account record");
    // Each character is a player id of its own: its own wallet.
    grant_gold(&fx, &c0, 5).await;
    assert_eq!(fx.gh.balance(&c0, "gold").await.unwrap(), 5);
    assert_eq!(fx.gh.balance(&a, "gold").await.unwrap(), 0);
}

async fn characters_rename_frees_the_old_name(fx: Fixture) {
    let a = account(&fx, "acc-a").await;
    let b = account(&fx, "acc-b").await;
    let c = fx
        .gh
        .create_character(create(&a, "Aragorn"))
        .await
        .unwrap()
        .character;
    let e = fx
        .gh
        .create_character(create(&b, "aragorn"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NameTaken);
    let r = fx
        .gh
        .rename_character(RenameCharacterRequest {
            account: a.clone(),
            character: c.id.clone(),
            name: "Strider".into(),
            idempotency_key: Some("rename-1".into()),
        })
        .await
        .unwrap();
    assert_eq!(r.character.name, "Strider");
    assert_eq!(r.character.id, c.id, "a rename keeps the player id");
    // The same key again: the stored result, nothing twice.
    let again = fx
        .gh
        .rename_character(RenameCharacterRequest {
            account: a.clone(),
            character: c.id.clone(),
            name: "Strider".into(),
            idempotency_key: Some("rename-1".into()),
        })
        .await
        .unwrap();
    assert!(again.replayed);
    assert_eq!(fx.events_of("character_renamed").await.len(), 1);
    // The old name is free, the new one taken.
    fx.gh
        .create_character(create(&b, "ARAGORN"))
        .await
        .expect("the old name is free");
    let e = fx
        .gh
        .create_character(create(&b, "strider"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NameTaken);
    // Another account cannot rename it.
    let e = fx
        .gh
        .rename_character(RenameCharacterRequest {
            account: b.clone(),
            character: c.id.clone(),
            name: "Thief".into(),
            idempotency_key: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
}

async fn characters_delete_and_restore_inside_and_outside_the_window(fx: Fixture) {
    let a = account(&fx, "acc-a").await;
    let b = account(&fx, "acc-b").await;
    let c = fx
        .gh
        .create_character(create(&a, "Boromir"))
        .await
        .unwrap()
        .character;
    fx.gh.select_character(action(&a, &c.id)).await.unwrap();
    let d = fx
        .gh
        .delete_character(action(&a, &c.id))
        .await
        .unwrap()
        .character;
    assert_eq!(d.purge_at, Some(fx.now() + chrono::Duration::days(7)));
    let list = fx.gh.characters(&a).await.unwrap();
    assert_eq!(list.live, 0);
    assert_eq!(list.selected, None, "deleting unselects");
    assert_eq!(list.characters[0].purge_at, d.purge_at);
    assert_eq!(fx.events_of("character_deleted").await.len(), 1);
    // Its name stays reserved while it can be restored.
    let e = fx
        .gh
        .create_character(create(&b, "boromir"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NameTaken);
    // Deleted: no select, no bank moves.
    let e = fx.gh.select_character(action(&a, &c.id)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    let e = fx.gh.bank_deposit(gold(&c.id, 1, None)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    // Restore inside the window.
    fx.clock.advance_secs(6 * 24 * 3600);
    let r = fx.gh.restore_character(action(&a, &c.id)).await.unwrap();
    assert!(r.character.live());
    assert_eq!(fx.events_of("character_restored").await.len(), 1);
    // Delete again and let the window pass: no restore, the name is free, it is gone.
    fx.gh.delete_character(action(&a, &c.id)).await.unwrap();
    fx.clock.advance_secs(7 * 24 * 3600);
    let before = fx.snapshot(&[&a]).await;
    refused!(
        fx,
        before,
        &[&a],
        ErrorCode::NotFound,
        "a restore after the window",
        fx.gh.restore_character(action(&a, &c.id))
    );
    assert!(fx.gh.characters(&a).await.unwrap().characters.is_empty());
    let taken = fx
        .gh
        .create_character(create(&b, "Boromir"))
        .await
        .expect("a purged character's name is free");
    assert_ne!(taken.character.id, c.id, "ids are never reused");
    // A restore needs a free slot.
    let x = fx
        .gh
        .create_character(create(&a, "Faramir"))
        .await
        .unwrap()
        .character;
    fx.gh.delete_character(action(&a, &x.id)).await.unwrap();
    fx.gh
        .create_character(create(&a, "Denethor"))
        .await
        .unwrap();
    fx.gh.create_character(create(&a, "Eowyn")).await.unwrap();
    fx.gh.create_character(create(&a, "Eomer")).await.unwrap();
    let e = fx
        .gh
        .restore_character(action(&a, &x.id))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::LimitReached);
}

async fn characters_bank_currency_moves_keep_ledger_and_balances_exact(fx: Fixture) {
    let a = account(&fx, "acc-a").await;
    let c1 = fx
        .gh
        .create_character(create(&a, "One"))
        .await
        .unwrap()
        .character
        .id;
    let c2 = fx
        .gh
        .create_character(create(&a, "Two"))
        .await
        .unwrap()
        .character
        .id;
    grant_gold(&fx, &c1, 100).await;
    let r = fx
        .gh
        .bank_deposit(gold(&c1, 30, Some("dep-1")))
        .await
        .unwrap();
    assert_eq!((r.character_balance, r.bank_balance), (Some(70), Some(30)));
    assert_eq!(r.account, a);
    let bank = Account::Bank(a.clone());
    assert_eq!(fx.account_balance(&bank, "gold").await, 30);
    // Repeated with the same key: the stored result, nothing twice.
    let before = fx.snapshot(&[&c1, &c2, &a]).await;
    let again = fx
        .gh
        .bank_deposit(gold(&c1, 30, Some("dep-1")))
        .await
        .unwrap();
    assert!(again.replayed);
    fx.assert_unchanged(&before, &[&c1, &c2, &a], "a replayed deposit")
        .await;
    // Refusals change nothing.
    refused!(
        fx,
        before,
        &[&c1, &c2, &a],
        ErrorCode::InsufficientFunds,
        "a deposit past the wallet",
        fx.gh.bank_deposit(gold(&c1, 71, None))
    );
    refused!(
        fx,
        before,
        &[&c1, &c2, &a],
        ErrorCode::InsufficientFunds,
        "a withdrawal past the bank",
        fx.gh.bank_withdraw(gold(&c2, 31, None))
    );
    refused!(
        fx,
        before,
        &[&c1, &c2, &a],
        ErrorCode::IdempotencyConflict,
        "the key for another request",
        fx.gh.bank_deposit(gold(&c1, 5, Some("dep-1")))
    );
    refused!(
        fx,
        before,
        &[&c1, &c2, &a],
        ErrorCode::InvalidArgument,
        "both currency and an item",
        fx.gh.bank_deposit(BankMoveRequest {
            item_id: Some("potion".into()),
            ..gold(&c1, 5, None)
        })
    );
    refused!(
        fx,
        before,
        &[&c1, &c2, &a],
        ErrorCode::NotFound,
        "the account itself is no character",
        fx.gh.bank_withdraw(gold(&a, 5, None))
    );
    // The other character withdraws; the ledger holds both moves.
    let w = fx.gh.bank_withdraw(gold(&c2, 20, None)).await.unwrap();
    assert_eq!((w.character_balance, w.bank_balance), (Some(20), Some(10)));
    assert_eq!(fx.gh.balance(&c1, "gold").await.unwrap(), 70);
    assert_eq!(fx.gh.balance(&c2, "gold").await.unwrap(), 20);
    assert_eq!(fx.account_balance(&bank, "gold").await, 10);
    let h1 = fx.full_history(&c1).await;
    assert_eq!(h1[0].credit, bank);
    assert_eq!(h1[0].amount, 30);
    let h2 = fx.full_history(&c2).await;
    assert_eq!(h2[0].debit, bank);
    let seen = fx.gh.account_bank(&c2).await.unwrap();
    assert_eq!(seen.account, a);
    assert_eq!(
        seen.balances
            .iter()
            .find(|b| b.currency == "gold")
            .unwrap()
            .amount,
        10
    );
    assert_eq!(fx.events_of("account_bank_deposit").await.len(), 1);
    assert_eq!(fx.events_of("account_bank_withdrawal").await.len(), 1);
    // Concurrent withdrawals never take the bank below zero.
    let other = fx.second_service().await;
    let mut calls = Vec::new();
    for i in 0..6 {
        let gh = if i % 2 == 0 {
            fx.gh.clone()
        } else {
            other.clone()
        };
        let c = if i % 3 == 0 { c1.clone() } else { c2.clone() };
        calls.push(tokio::spawn(async move {
            gh.bank_withdraw(gold(&c, 3, None)).await
        }));
    }
    let mut ok = 0;
    for c in calls {
        match c.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e.code, ErrorCode::InsufficientFunds, "{e}"),
        }
    }
    assert_eq!(ok, 3);
    assert_eq!(fx.account_balance(&bank, "gold").await, 1);
    assert_eq!(
        fx.gh.balance(&c1, "gold").await.unwrap() + fx.gh.balance(&c2, "gold").await.unwrap(),
        99
    );
    fx.assert_ledger_ok().await;
}

async fn characters_bank_item_moves_and_an_equipped_item_leaves_its_slot(fx: Fixture) {
    slotted_items(&fx).await;
    let a = account(&fx, "acc-a").await;
    let c1 = fx
        .gh
        .create_character(create(&a, "One"))
        .await
        .unwrap()
        .character
        .id;
    let c2 = fx
        .gh
        .create_character(create(&a, "Two"))
        .await
        .unwrap()
        .character
        .id;
    grant_item(&fx, &c1, "potion", 10).await;
    grant_item(&fx, &c1, "helm", 1).await;
    grant_item(&fx, &c2, "helm", 1).await;
    let r = fx
        .gh
        .bank_deposit(items(&c1, "potion", Some(4)))
        .await
        .unwrap();
    assert_eq!((r.character_quantity, r.bank_quantity), (Some(6), Some(4)));
    let before = fx.snapshot(&[&c1, &c2]).await;
    refused!(
        fx,
        before,
        &[&c1, &c2],
        ErrorCode::InsufficientQuantity,
        "a deposit past the stack",
        fx.gh.bank_deposit(items(&c1, "potion", Some(7)))
    );
    refused!(
        fx,
        before,
        &[&c1, &c2],
        ErrorCode::InsufficientQuantity,
        "a withdrawal past the bank",
        fx.gh.bank_withdraw(items(&c2, "potion", Some(5)))
    );
    // A durable moves whole; the equipped one leaves its slot in the same commit.
    fx.gh
        .equip_item(EquipRequest {
            player: c1.clone(),
            item_id: "helm".into(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    let r = fx.gh.bank_deposit(items(&c1, "helm", None)).await.unwrap();
    assert_eq!(r.unequipped.as_deref(), Some("head"));
    assert!(fx.gh.equipment(&c1).await.unwrap().items.is_empty());
    let eq_docs = fx.all_docs("equipment").await;
    let body = &eq_docs.iter().find(|d| d.id == c1.as_str()).unwrap().body;
    assert_eq!(
        body["slots"],
        json!({}),
        "unequipped in the stored document"
    );
    // Neither side holds a durable twice.
    let before = fx.snapshot(&[&c1, &c2]).await;
    refused!(
        fx,
        before,
        &[&c1, &c2],
        ErrorCode::AlreadyOwned,
        "a second helm into the bank",
        fx.gh.bank_deposit(items(&c2, "helm", None))
    );
    refused!(
        fx,
        before,
        &[&c1, &c2],
        ErrorCode::AlreadyOwned,
        "a helm to a character who has one",
        fx.gh.bank_withdraw(items(&c2, "helm", None))
    );
    let r = fx.gh.bank_withdraw(items(&c1, "helm", None)).await.unwrap();
    assert_eq!((r.character_quantity, r.bank_quantity), (Some(1), Some(0)));
    // Withdrawn again, the helm reads unequipped until equipped again.
    assert!(fx.gh.equipment(&c1).await.unwrap().items.is_empty());
    let r = fx
        .gh
        .bank_withdraw(items(&c2, "potion", Some(4)))
        .await
        .unwrap();
    assert_eq!(r.bank_quantity, Some(0));
    let bank = fx.gh.account_bank(&a).await.unwrap();
    assert!(bank.items.is_empty());
    assert_eq!(fx.gh.inventory(&c2).await.unwrap().len(), 2);
    fx.assert_ledger_ok().await;
}

async fn characters_equip_replaces_and_refuses_what_is_not_owned(fx: Fixture) {
    slotted_items(&fx).await;
    let p = pid("hero");
    grant_item(&fx, &p, "helm", 1).await;
    grant_item(&fx, &p, "hat", 1).await;
    grant_item(&fx, &p, "boots", 1).await;
    grant_item(&fx, &p, "relic", 1).await;
    let equip = |item: &str, key: Option<&str>| EquipRequest {
        player: p.clone(),
        item_id: item.into(),
        idempotency_key: key.map(Into::into),
    };
    let r = fx.gh.equip_item(equip("helm", Some("eq-1"))).await.unwrap();
    assert_eq!((r.slot.as_str(), r.previous.as_deref()), ("head", None));
    fx.gh.equip_item(equip("boots", None)).await.unwrap();
    let r = fx.gh.equip_item(equip("hat", None)).await.unwrap();
    assert_eq!(
        r.previous.as_deref(),
        Some("helm"),
        "the helm leaves the head"
    );
    let e = fx.gh.equipment(&p).await.unwrap();
    let slots: Vec<(&str, &str)> = e
        .items
        .iter()
        .map(|i| (i.slot.as_str(), i.item_id.as_str()))
        .collect();
    assert_eq!(slots, vec![("feet", "boots"), ("head", "hat")]);
    // A replay of the first equip changes nothing.
    let before = fx.snapshot(&[&p]).await;
    assert!(
        fx.gh
            .equip_item(equip("helm", Some("eq-1")))
            .await
            .unwrap()
            .replayed
    );
    fx.assert_unchanged(&before, &[&p], "a replayed equip")
        .await;
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::NotOwned,
        "an item not owned",
        fx.gh.equip_item(EquipRequest {
            player: pid("someone-else"),
            ..equip("helm", None)
        })
    );
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::InvalidArgument,
        "an item with no slot",
        fx.gh.equip_item(equip("relic", None))
    );
    refused!(
        fx,
        before,
        &[&p],
        ErrorCode::NotFound,
        "an unknown item",
        fx.gh.equip_item(equip("nothing", None))
    );
    let r = fx
        .gh
        .unequip_item(UnequipRequest {
            player: p.clone(),
            slot: "feet".into(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    assert_eq!(r.previous.as_deref(), Some("boots"));
    assert_eq!(fx.gh.equipment(&p).await.unwrap().items.len(), 1);
    let e = fx
        .gh
        .unequip_item(UnequipRequest {
            player: p.clone(),
            slot: "feet".into(),
            idempotency_key: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert_eq!(fx.events_of("item_equipped").await.len(), 3);
    assert_eq!(fx.events_of("item_unequipped").await.len(), 1);
}
