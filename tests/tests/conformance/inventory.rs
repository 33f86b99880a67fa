//! Catalog and inventory: purchases, use of consumables, item grants, the catalog
//! itself, and the analytics of purchases (popular items, revenue per day).

use super::*;

conformance!(
    purchase_consumable_debits_and_stacks,
    durable_is_bought_once,
    stack_limit_is_enforced,
    unpriced_inactive_and_unknown_items_are_not_sold,
    use_item_rules_and_used_up_stacks_disappear,
    grant_item_rules,
    unknown_player_has_empty_state,
    popular_items_over_time_window,
    revenue_per_day_in_reset_timezone,
    analytics_defaults_come_from_the_core_clock,
    catalog_upsert_validation_and_replace,
    set_catalog_item_active_toggles_sale,
    concurrent_durable_purchases_charge_once,
    purchase_rows_and_item_rows_match_the_single_reads,
);

/// A popular-items query with every field given.
fn pq(from: DateTime<Utc>, to: DateTime<Utc>, limit: u32) -> PopularItemsQuery {
    PopularItemsQuery {
        from: Some(from),
        to: Some(to),
        limit: Some(limit),
    }
}

/// A revenue query with both days given.
fn rq(from: NaiveDate, to: NaiveDate) -> RevenueQuery {
    RevenueQuery {
        from: Some(from),
        to: Some(to),
    }
}

async fn purchase_consumable_debits_and_stacks(fx: Fixture) {
    let alice = pid("alice");
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    let t0 = fx.now();
    let mut req = purchase("alice", "potion", 3);
    req.metadata = json!({ "via": "shop-ui" });
    let r = fx.gh.purchase(req).await.expect("purchase");
    assert_eq!(
        (
            &r.player,
            r.item_id.as_str(),
            r.quantity,
            r.currency.as_str(),
            r.amount,
            r.balance,
            r.item_quantity,
            r.replayed
        ),
        (
            &alice,
            "potion",
            3,
            "gold",
            3 * POTION_PRICE,
            1000 - 30,
            3,
            false
        )
    );
    assert_eq!(
        fx.gh.inventory(&alice).await.unwrap(),
        vec![InventoryEntry {
            item_id: "potion".into(),
            name: "Health Potion".into(),
            kind: ItemKind::Consumable,
            quantity: 3,
            acquired_at: t0
        }]
    );
    let e = &fx.full_history(&alice).await[0];
    assert_eq!(e.kind, EntryKind::Purchase);
    assert_eq!(e.transaction_id, r.transaction_id);
    assert_eq!(
        (e.debit.clone(), e.credit.clone()),
        (player_account("alice"), system_account("shop"))
    );
    assert_eq!(
        (e.amount, e.currency.as_str(), e.reason.as_str()),
        (30, "gold", "purchase")
    );
    assert_eq!(
        (e.item_id.as_deref(), e.quantity),
        (Some("potion"), Some(3))
    );
    assert_eq!(e.metadata, json!({ "via": "shop-ui" }));
    assert_eq!(e.at, t0);
    let ev = fx.all_events().await.pop().unwrap();
    assert_eq!(ev.kind, "item_purchased");
    assert_eq!(ev.players, vec![alice.clone()]);
    assert_payload(
        &ev,
        &[
            ("player", json!("alice")),
            ("item_id", json!("potion")),
            ("quantity", json!(3)),
            ("currency", json!("gold")),
            ("amount", json!(30)),
            ("balance", json!(970)),
            ("item_quantity", json!(3)),
            ("transaction_id", json!(r.transaction_id)),
        ],
    );
    assert_eq!(
        fx.account_balance(&system_account("shop"), "gold").await,
        30
    );

    // A later purchase stacks and keeps the first acquisition time.
    fx.clock.advance_secs(60);
    let r = fx
        .gh
        .purchase(purchase("alice", "potion", 2))
        .await
        .unwrap();
    assert_eq!((r.item_quantity, r.balance, r.amount), (5, 950, 20));
    let inv = fx.gh.inventory(&alice).await.unwrap();
    assert_eq!((inv[0].quantity, inv[0].acquired_at), (5, t0));

    // A gems item; inventory is ordered by item id.
    fx.gh.grant(grant("alice", "gems", 100)).await.unwrap();
    let r = fx
        .gh
        .purchase(purchase("alice", "elixir", 7))
        .await
        .unwrap();
    assert_eq!(
        (r.currency.as_str(), r.amount, r.balance, r.item_quantity),
        ("gems", 21, 79, 7)
    );
    assert_eq!(
        fx.gh.wallet(&alice).await.unwrap().balances,
        wallet_of(950, 79)
    );
    let inv = fx.gh.inventory(&alice).await.unwrap();
    assert_eq!(
        inv.iter()
            .map(|i| (i.item_id.as_str(), i.quantity))
            .collect::<Vec<_>>(),
        vec![("elixir", 7), ("potion", 5)]
    );
    assert_eq!(inv[0].acquired_at, t0 + secs(60));
    assert_eq!(
        fx.account_balance(&system_account("shop"), "gems").await,
        21
    );
    assert_eq!(
        fx.account_balance(&system_account("shop"), "gold").await,
        50
    );
    fx.assert_ledger_ok().await;
}

async fn durable_is_bought_once(fx: Fixture) {
    let (alice, bob) = (pid("alice"), pid("bob"));
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    fx.gh.grant(grant("bob", "gold", 1000)).await.unwrap();
    let r = fx
        .gh
        .purchase(purchase("alice", "sword", 1))
        .await
        .expect("first sword");
    assert_eq!(
        (r.amount, r.balance, r.item_quantity),
        (SWORD_PRICE, 900, 1)
    );
    let players = [&alice, &bob];
    let before = fx.snapshot(&players).await;
    let e = refused!(
        fx,
        before,
        &players,
        ErrorCode::AlreadyOwned,
        "second sword",
        fx.gh.purchase(purchase("alice", "sword", 1))
    );
    assert_eq!(e.details["item_id"], json!("sword"));
    refused!(
        fx,
        before,
        &players,
        ErrorCode::AlreadyOwned,
        "granting an owned durable",
        fx.gh.grant_item(grant_item("alice", "sword", 1))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::InvalidArgument,
        "two swords at once",
        fx.gh.purchase(purchase("bob", "sword", 2))
    );
    let inv = fx.gh.inventory(&alice).await.unwrap();
    assert_eq!(inv.len(), 1);
    assert_eq!(
        (
            inv[0].item_id.as_str(),
            inv[0].kind,
            inv[0].quantity,
            inv[0].name.as_str()
        ),
        ("sword", ItemKind::Durable, 1, "Sword")
    );
    // Another player may still buy one.
    assert_eq!(
        fx.gh
            .purchase(purchase("bob", "sword", 1))
            .await
            .unwrap()
            .item_quantity,
        1
    );
    fx.assert_ledger_ok().await;
}

async fn stack_limit_is_enforced(fx: Fixture) {
    let alice = pid("alice");
    fx.gh.grant(grant("alice", "gold", 10_000)).await.unwrap();
    let players = [&alice];
    let before = fx.snapshot(&players).await;
    let e = refused!(
        fx,
        before,
        &players,
        ErrorCode::StackLimit,
        "21 potions at once",
        fx.gh
            .purchase(purchase("alice", "potion", POTION_MAX_STACK + 1))
    );
    assert_eq!(e.details["max_stack"], json!(POTION_MAX_STACK));
    assert_eq!(
        fx.gh
            .purchase(purchase("alice", "potion", POTION_MAX_STACK))
            .await
            .unwrap()
            .item_quantity,
        POTION_MAX_STACK
    );
    let before = fx.snapshot(&players).await;
    refused!(
        fx,
        before,
        &players,
        ErrorCode::StackLimit,
        "one past a full stack",
        fx.gh.purchase(purchase("alice", "potion", 1))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::StackLimit,
        "granting past a full stack",
        fx.gh.grant_item(grant_item("alice", "potion", 1))
    );
    assert_eq!(
        fx.gh
            .use_item(use_item("alice", "potion", 5))
            .await
            .unwrap()
            .remaining,
        15
    );
    assert_eq!(
        fx.gh
            .purchase(purchase("alice", "potion", 5))
            .await
            .unwrap()
            .item_quantity,
        20,
        "a stack may be refilled to its max"
    );
    // Items without max_stack stack freely.
    fx.gh.grant(grant("alice", "gems", 1000)).await.unwrap();
    assert_eq!(
        fx.gh
            .purchase(purchase("alice", "elixir", 300))
            .await
            .unwrap()
            .item_quantity,
        300
    );
    fx.assert_ledger_ok().await;
}

async fn unpriced_inactive_and_unknown_items_are_not_sold(fx: Fixture) {
    let alice = pid("alice");
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    let players = [&alice];
    let before = fx.snapshot(&players).await;
    let e = refused!(
        fx,
        before,
        &players,
        ErrorCode::NotForSale,
        "unpriced durable",
        fx.gh.purchase(purchase("alice", "relic", 1))
    );
    assert_eq!(e.details["item_id"], json!("relic"));
    refused!(
        fx,
        before,
        &players,
        ErrorCode::NotForSale,
        "unpriced consumable",
        fx.gh.purchase(purchase("alice", "scroll", 1))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::NotForSale,
        "inactive item",
        fx.gh.purchase(purchase("alice", "retired", 1))
    );
    let e = refused!(
        fx,
        before,
        &players,
        ErrorCode::NotFound,
        "unknown item",
        fx.gh.purchase(purchase("alice", "nope", 1))
    );
    assert_eq!(e.details["id"], json!("nope"));
    refused!(
        fx,
        before,
        &players,
        ErrorCode::NotFound,
        "use of unknown item",
        fx.gh.use_item(use_item("alice", "nope", 1))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::NotFound,
        "grant of unknown item",
        fx.gh.grant_item(grant_item("alice", "nope", 1))
    );
    expect_code(fx.gh.catalog_item("nope").await, ErrorCode::NotFound);
}

async fn use_item_rules_and_used_up_stacks_disappear(fx: Fixture) {
    let (alice, bob) = (pid("alice"), pid("bob"));
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    fx.gh.purchase(purchase("alice", "sword", 1)).await.unwrap();
    fx.gh
        .purchase(purchase("alice", "potion", 3))
        .await
        .unwrap();
    let players = [&alice, &bob];
    let before = fx.snapshot(&players).await;
    let e = refused!(
        fx,
        before,
        &players,
        ErrorCode::NotConsumable,
        "using a durable",
        fx.gh.use_item(use_item("alice", "sword", 1))
    );
    assert_eq!(e.details["item_id"], json!("sword"));
    refused!(
        fx,
        before,
        &players,
        ErrorCode::NotOwned,
        "using what one never had",
        fx.gh.use_item(use_item("bob", "potion", 1))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::NotOwned,
        "using an unowned item",
        fx.gh.use_item(use_item("alice", "elixir", 1))
    );
    let e = refused!(
        fx,
        before,
        &players,
        ErrorCode::InsufficientQuantity,
        "using too many",
        fx.gh.use_item(use_item("alice", "potion", 4))
    );
    assert_eq!(
        (e.details["held"].clone(), e.details["requested"].clone()),
        (json!(3), json!(4))
    );

    fx.clock.advance_secs(10);
    let r = fx
        .gh
        .use_item(use_item("alice", "potion", 2))
        .await
        .expect("use");
    assert_eq!(
        (
            &r.player,
            r.item_id.as_str(),
            r.quantity,
            r.remaining,
            r.replayed
        ),
        (&alice, "potion", 2, 1, false)
    );
    let after = fx.snapshot(&players).await;
    assert_eq!(
        after.histories, before.histories,
        "using an item writes no ledger entry"
    );
    assert_eq!(after.wallets, before.wallets);
    assert_eq!(after.events.len(), before.events.len() + 1);
    let ev = after.events.last().unwrap();
    assert_eq!(ev.kind, "item_used");
    assert_eq!(ev.players, vec![alice.clone()]);
    assert_eq!(ev.at, fx.now());
    assert_payload(
        ev,
        &[
            ("player", json!("alice")),
            ("item_id", json!("potion")),
            ("quantity", json!(2)),
            ("remaining", json!(1)),
        ],
    );

    assert_eq!(
        fx.gh
            .use_item(use_item("alice", "potion", 1))
            .await
            .unwrap()
            .remaining,
        0
    );
    let inv = fx.gh.inventory(&alice).await.unwrap();
    assert_eq!(
        inv.iter().map(|i| i.item_id.as_str()).collect::<Vec<_>>(),
        vec!["sword"],
        "a used-up stack is not listed"
    );
    let before = fx.snapshot(&players).await;
    refused!(
        fx,
        before,
        &players,
        ErrorCode::NotOwned,
        "using a used-up stack",
        fx.gh.use_item(use_item("alice", "potion", 1))
    );

    // Acquiring it again starts a new acquisition time.
    fx.clock.advance_secs(3600);
    fx.gh
        .purchase(purchase("alice", "potion", 1))
        .await
        .unwrap();
    let inv = fx.gh.inventory(&alice).await.unwrap();
    let potion = inv
        .iter()
        .find(|i| i.item_id == "potion")
        .expect("potion listed again");
    assert_eq!((potion.quantity, potion.acquired_at), (1, fx.now()));
}

async fn grant_item_rules(fx: Fixture) {
    let (alice, bob) = (pid("alice"), pid("bob"));
    let t0 = fx.now();
    let r = fx
        .gh
        .grant_item(grant_item("alice", "relic", 1))
        .await
        .expect("unpriced durable may be granted");
    assert_eq!(
        (
            &r.player,
            r.item_id.as_str(),
            r.quantity,
            r.remaining,
            r.replayed
        ),
        (&alice, "relic", 1, 1, false)
    );
    assert_eq!(
        fx.gh
            .grant_item(grant_item("alice", "scroll", 2))
            .await
            .unwrap()
            .remaining,
        2
    );
    assert_eq!(
        fx.gh
            .grant_item(grant_item("alice", "retired", 3))
            .await
            .expect("inactive item may be granted")
            .remaining,
        3
    );
    let mut req = grant_item("alice", "scroll", 3);
    req.reason = Some("quest_reward".into());
    assert_eq!(fx.gh.grant_item(req).await.unwrap().remaining, 5);

    let events = fx.all_events().await;
    assert_eq!(events.len(), 4);
    assert!(events
        .iter()
        .all(|e| e.kind == "item_granted" && e.players == vec![alice.clone()]));
    assert_payload(
        &events[0],
        &[
            ("player", json!("alice")),
            ("item_id", json!("relic")),
            ("quantity", json!(1)),
            ("item_quantity", json!(1)),
            ("reason", json!("grant")),
        ],
    );
    assert_payload(
        &events[3],
        &[
            ("item_id", json!("scroll")),
            ("quantity", json!(3)),
            ("item_quantity", json!(5)),
            ("reason", json!("quest_reward")),
        ],
    );
    assert!(
        fx.full_history(&alice).await.is_empty(),
        "an item grant moves no currency"
    );
    assert!(fx.all_balances().await.is_empty());

    let players = [&alice, &bob];
    let before = fx.snapshot(&players).await;
    refused!(
        fx,
        before,
        &players,
        ErrorCode::AlreadyOwned,
        "second relic",
        fx.gh.grant_item(grant_item("alice", "relic", 1))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::StackLimit,
        "scroll past max stack",
        fx.gh.grant_item(grant_item("alice", "scroll", 1))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::StackLimit,
        "scroll past max stack at once",
        fx.gh.grant_item(grant_item("bob", "scroll", 6))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::InvalidArgument,
        "two relics",
        fx.gh.grant_item(grant_item("bob", "relic", 2))
    );
    let mut req = grant_item("bob", "scroll", 1);
    req.reason = Some("r".repeat(65));
    refused!(
        fx,
        before,
        &players,
        ErrorCode::InvalidArgument,
        "65-byte reason",
        fx.gh.grant_item(req)
    );

    let inv = fx.gh.inventory(&alice).await.unwrap();
    assert_eq!(
        inv.iter()
            .map(|i| (i.item_id.as_str(), i.kind, i.quantity, i.acquired_at))
            .collect::<Vec<_>>(),
        vec![
            ("relic", ItemKind::Durable, 1, t0),
            ("retired", ItemKind::Consumable, 3, t0),
            ("scroll", ItemKind::Consumable, 5, t0)
        ]
    );
    assert_eq!(
        fx.gh
            .use_item(use_item("alice", "scroll", 5))
            .await
            .unwrap()
            .remaining,
        0
    );
    assert_eq!(fx.gh.inventory(&alice).await.unwrap().len(), 2);
}

async fn unknown_player_has_empty_state(fx: Fixture) {
    let ghost = pid("never-seen");
    assert_eq!(
        fx.gh.wallet(&ghost).await.unwrap().balances,
        wallet_of(0, 0)
    );
    assert_eq!(fx.gh.wallet(&ghost).await.unwrap().player, ghost);
    assert_eq!(fx.gh.balance(&ghost, "gems").await.unwrap(), 0);
    assert!(fx.gh.inventory(&ghost).await.unwrap().is_empty());
    let page = fx
        .gh
        .history(&ghost, HistoryFilter::default())
        .await
        .unwrap();
    assert!(page.entries.is_empty() && page.next_cursor.is_none());
    // Reads create nothing.
    assert!(fx.all_balances().await.is_empty());
    assert!(fx.all_events().await.is_empty());
    let report = fx.assert_ledger_ok().await;
    assert_eq!(report.accounts_checked, 0);
}

async fn popular_items_over_time_window(fx: Fixture) {
    for p in ["alice", "bob"] {
        fx.gh.grant(grant(p, "gold", 10_000)).await.unwrap();
        fx.gh.grant(grant(p, "gems", 1000)).await.unwrap();
    }
    let t0 = fx.now();
    fx.gh
        .purchase(purchase("alice", "potion", 3))
        .await
        .unwrap();
    fx.gh.purchase(purchase("bob", "potion", 2)).await.unwrap();
    fx.gh.purchase(purchase("alice", "sword", 1)).await.unwrap();
    fx.clock.advance_secs(2 * 3600);
    let t1 = fx.now();
    fx.gh.purchase(purchase("bob", "elixir", 10)).await.unwrap();
    fx.gh
        .purchase(purchase("alice", "potion", 4))
        .await
        .unwrap();
    fx.gh.purchase(purchase("bob", "sword", 1)).await.unwrap();
    fx.clock.advance_secs(24 * 3600);
    let t2 = fx.now();
    fx.gh
        .purchase(purchase("alice", "elixir", 1))
        .await
        .unwrap();
    // Refused purchases and item grants do not count.
    expect_code(
        fx.gh.purchase(purchase("alice", "sword", 1)).await,
        ErrorCode::AlreadyOwned,
    );
    fx.gh
        .grant_item(grant_item("alice", "potion", 5))
        .await
        .unwrap();

    let top = |from: DateTime<Utc>, to: DateTime<Utc>, limit: u32| {
        let gh = fx.gh.clone();
        async move {
            gh.popular_items(&pq(from, to, limit))
                .await
                .expect("popular_items")
                .into_iter()
                .map(|p| (p.item_id, p.total_quantity, p.purchases))
                .collect::<Vec<_>>()
        }
    };
    let s = |id: &str, q: i64, n: i64| (id.to_string(), q, n);
    assert_eq!(
        top(t0, t0 + secs(3600), 10).await,
        vec![s("potion", 5, 2), s("sword", 1, 1)]
    );
    assert_eq!(
        top(t1, t2, 10).await,
        vec![s("elixir", 10, 1), s("potion", 4, 1), s("sword", 1, 1)],
        "from is inclusive, to exclusive"
    );
    assert_eq!(
        top(t0, t2 + secs(1), 10).await,
        vec![s("elixir", 11, 2), s("potion", 9, 3), s("sword", 2, 2)]
    );
    assert_eq!(
        top(t0, t2 + secs(1), 2).await,
        vec![s("elixir", 11, 2), s("potion", 9, 3)]
    );
    assert_eq!(top(t0, t2 + secs(1), 1).await, vec![s("elixir", 11, 2)]);
    assert_eq!(
        top(t2, t2 + chrono::Duration::microseconds(1), 10).await,
        vec![s("elixir", 1, 1)]
    );
    assert_eq!(top(t0 - secs(3600), t0, 10).await, vec![]);
    assert_eq!(top(t2 + secs(1), t2 + secs(7200), 10).await, vec![]);
    for limit in [0, 101] {
        expect_code(
            fx.gh.popular_items(&pq(t0, t2, limit)).await,
            ErrorCode::InvalidArgument,
        );
    }
    expect_code(
        fx.gh.popular_items(&pq(t1, t1, 10)).await,
        ErrorCode::InvalidArgument,
    );
    expect_code(
        fx.gh.popular_items(&pq(t2, t1, 10)).await,
        ErrorCode::InvalidArgument,
    );
    assert_eq!(
        fx.gh
            .popular_items(&pq(t0, t2 + secs(1), 100))
            .await
            .unwrap()
            .len(),
        3
    );
}

/// The analytics defaults live in the core and read the core's clock (here the
/// fixture's manual clock), so every surface agrees: popular items over the last 24 h,
/// revenue over the 30 days ending today.
async fn analytics_defaults_come_from_the_core_clock(fx: Fixture) {
    fx.gh.grant(grant("alice", "gold", 1_000)).await.unwrap();
    fx.gh.grant(grant("alice", "gems", 100)).await.unwrap();
    fx.gh
        .purchase(purchase("alice", "potion", 1))
        .await
        .unwrap();
    fx.clock.advance_secs(23 * 3600);
    fx.gh
        .purchase(purchase("alice", "elixir", 1))
        .await
        .unwrap();
    fx.clock.advance_secs(2 * 3600);
    let top = fx
        .gh
        .popular_items(&PopularItemsQuery::default())
        .await
        .unwrap();
    let ids: Vec<_> = top.iter().map(|p| p.item_id.as_str()).collect();
    assert_eq!(
        ids,
        ["elixir"],
        "the potion was bought 25 h ago, outside 24 h"
    );
    let rev = fx
        .gh
        .revenue_per_day(&RevenueQuery::default())
        .await
        .unwrap();
    assert!(!rev.is_empty());
    fx.clock.advance_secs(31 * 86_400);
    assert_eq!(
        fx.gh
            .revenue_per_day(&RevenueQuery::default())
            .await
            .unwrap(),
        vec![],
        "30 days later the purchases are outside the default window"
    );
    assert!(fx
        .gh
        .popular_items(&PopularItemsQuery::default())
        .await
        .unwrap()
        .is_empty());
}

async fn revenue_per_day_in_reset_timezone(fx: Fixture) {
    let mut config = standard_config();
    config.reset_timezone = chrono_tz::Europe::Moscow;
    let fx = Fixture::with_config(fx.kind, config).await;
    let alice = pid("alice");
    let at = |d: u32, h: u32, m: u32, s: u32| Utc.with_ymd_and_hms(2026, 3, d, h, m, s).unwrap();
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    fx.gh.grant(grant("alice", "gold", 10_000)).await.unwrap();
    fx.gh.grant(grant("alice", "gems", 1000)).await.unwrap();

    fx.clock.set(at(10, 20, 0, 0)); // 23:00 in Moscow, March 10
    fx.gh
        .purchase(purchase("alice", "potion", 2))
        .await
        .unwrap();
    fx.clock.set(at(10, 22, 30, 0)); // 01:30 in Moscow, March 11
    assert_eq!(fx.gh.today(), day(11));
    fx.gh.purchase(purchase("alice", "sword", 1)).await.unwrap();
    fx.gh
        .purchase(purchase("alice", "elixir", 5))
        .await
        .unwrap();
    assert_eq!(
        fx.full_history(&alice).await[0].day,
        day(11),
        "a ledger entry's day is the Moscow day"
    );
    fx.clock.set(at(11, 20, 59, 59)); // 23:59:59 in Moscow, March 11
    fx.gh
        .purchase(purchase("alice", "potion", 1))
        .await
        .unwrap();
    fx.clock.set(at(11, 21, 0, 0)); // midnight in Moscow, March 12
    fx.gh
        .purchase(purchase("alice", "potion", 1))
        .await
        .unwrap();
    fx.gh.spend(spend("alice", "gold", 7)).await.unwrap();
    fx.gh.grant(grant("alice", "gold", 9)).await.unwrap();

    let rev = |from: NaiveDate, to: NaiveDate| {
        let gh = fx.gh.clone();
        async move {
            gh.revenue_per_day(&rq(from, to))
                .await
                .expect("revenue_per_day")
                .into_iter()
                .map(|r| (r.day, r.currency, r.amount, r.purchases))
                .collect::<Vec<_>>()
        }
    };
    let row = |d: u32, c: &str, amount: i64, n: i64| (day(d), c.to_string(), amount, n);
    assert_eq!(
        rev(day(1), day(31)).await,
        vec![
            row(10, "gold", 20, 1),
            row(11, "gems", 15, 1),
            row(11, "gold", 110, 2),
            row(12, "gold", 10, 1)
        ]
    );
    assert_eq!(
        rev(day(11), day(11)).await,
        vec![row(11, "gems", 15, 1), row(11, "gold", 110, 2)]
    );
    assert_eq!(rev(day(12), day(20)).await, vec![row(12, "gold", 10, 1)]);
    assert_eq!(rev(day(1), day(9)).await, vec![]);

    let y = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    expect_code(
        fx.gh.revenue_per_day(&rq(day(12), day(11))).await,
        ErrorCode::InvalidArgument,
    );
    expect_code(
        fx.gh
            .revenue_per_day(&rq(y(2026, 1, 1), y(2027, 1, 3)))
            .await,
        ErrorCode::InvalidArgument,
    );
    assert_eq!(
        fx.gh
            .revenue_per_day(&rq(y(2026, 1, 1), y(2027, 1, 2)))
            .await
            .unwrap()
            .len(),
        4
    );
}

async fn catalog_upsert_validation_and_replace(fx: Fixture) {
    let before = fx.snapshot(&[]).await;
    let base = || CatalogItem {
        id: "shield".into(),
        name: "Shield".into(),
        kind: ItemKind::Durable,
        price: Some(Price {
            currency: "gold".into(),
            amount: 250,
        }),
        max_stack: None,
        active: true,
        metadata: json!({ "slot": "offhand" }),
    };
    let bad: Vec<(&str, CatalogItem)> = vec![
        (
            "empty id",
            CatalogItem {
                id: String::new(),
                ..base()
            },
        ),
        (
            "129-byte id",
            CatalogItem {
                id: "s".repeat(129),
                ..base()
            },
        ),
        (
            "control character in id",
            CatalogItem {
                id: "sh\nield".into(),
                ..base()
            },
        ),
        (
            "empty name",
            CatalogItem {
                name: String::new(),
                ..base()
            },
        ),
        (
            "201-byte name",
            CatalogItem {
                name: "n".repeat(201),
                ..base()
            },
        ),
        (
            "unknown price currency",
            CatalogItem {
                price: Some(Price {
                    currency: "silver".into(),
                    amount: 5,
                }),
                ..base()
            },
        ),
        (
            "zero price",
            CatalogItem {
                price: Some(Price {
                    currency: "gold".into(),
                    amount: 0,
                }),
                ..base()
            },
        ),
        (
            "negative price",
            CatalogItem {
                price: Some(Price {
                    currency: "gold".into(),
                    amount: -5,
                }),
                ..base()
            },
        ),
        (
            "max_stack 0",
            CatalogItem {
                kind: ItemKind::Consumable,
                max_stack: Some(0),
                ..base()
            },
        ),
        (
            "negative max_stack",
            CatalogItem {
                kind: ItemKind::Consumable,
                max_stack: Some(-3),
                ..base()
            },
        ),
        (
            "array metadata",
            CatalogItem {
                metadata: json!([1]),
                ..base()
            },
        ),
    ];
    for (what, item) in bad {
        expect_code(
            fx.gh.upsert_catalog_item(item).await,
            ErrorCode::InvalidArgument,
        );
        fx.assert_unchanged(&before, &[], what).await;
    }

    let stored = fx.gh.upsert_catalog_item(base()).await.expect("valid item");
    assert_eq!(stored, base());
    assert_eq!(fx.gh.catalog_item("shield").await.unwrap(), base());
    let plain = CatalogItem {
        id: "plain".into(),
        name: "Plain".into(),
        kind: ItemKind::Consumable,
        price: None,
        max_stack: None,
        active: false,
        metadata: Value::Null,
    };
    fx.gh
        .upsert_catalog_item(plain.clone())
        .await
        .expect("item with every optional field empty");
    assert_eq!(fx.gh.catalog_item("plain").await.unwrap(), plain);
    let ids: Vec<String> = fx
        .gh
        .catalog()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(
        ids,
        ["elixir", "plain", "potion", "relic", "retired", "scroll", "shield", "sword"],
        "catalog ordered by id"
    );
    assert_eq!(
        fx.gh.catalog_item("potion").await.unwrap(),
        standard_catalog()[0]
    );
    expect_code(fx.gh.catalog_item("nope").await, ErrorCode::NotFound);
    expect_code(fx.gh.catalog_item("").await, ErrorCode::InvalidArgument);

    // Replacing an item changes its price for the next purchase.
    let mut potion = fx.gh.catalog_item("potion").await.unwrap();
    potion.price = Some(Price {
        currency: "gems".into(),
        amount: 15,
    });
    potion.name = "Big Potion".into();
    potion.metadata = json!({ "v": 2 });
    fx.gh.upsert_catalog_item(potion.clone()).await.unwrap();
    assert_eq!(fx.gh.catalog_item("potion").await.unwrap(), potion);
    assert_eq!(fx.gh.catalog().await.unwrap().len(), 8);
    fx.gh.grant(grant("alice", "gems", 100)).await.unwrap();
    let r = fx
        .gh
        .purchase(purchase("alice", "potion", 2))
        .await
        .unwrap();
    assert_eq!((r.currency.as_str(), r.amount, r.balance), ("gems", 30, 70));
    assert_eq!(
        fx.gh.inventory(&pid("alice")).await.unwrap()[0].name,
        "Big Potion",
        "inventory names come from the catalog"
    );
}

async fn set_catalog_item_active_toggles_sale(fx: Fixture) {
    let alice = pid("alice");
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    let off = fx
        .gh
        .set_catalog_item_active("potion", false)
        .await
        .expect("deactivate");
    assert!(!off.active);
    let stored = fx.gh.catalog_item("potion").await.unwrap();
    assert_eq!(
        stored,
        CatalogItem {
            active: false,
            ..standard_catalog()[0].clone()
        },
        "only the flag changes"
    );
    let players = [&alice];
    let before = fx.snapshot(&players).await;
    refused!(
        fx,
        before,
        &players,
        ErrorCode::NotForSale,
        "buying a deactivated item",
        fx.gh.purchase(purchase("alice", "potion", 1))
    );
    assert_eq!(
        fx.gh
            .grant_item(grant_item("alice", "potion", 2))
            .await
            .expect("granting an inactive item")
            .remaining,
        2
    );
    assert_eq!(
        fx.gh
            .use_item(use_item("alice", "potion", 1))
            .await
            .expect("using an inactive item")
            .remaining,
        1
    );

    assert!(
        fx.gh
            .set_catalog_item_active("potion", true)
            .await
            .unwrap()
            .active
    );
    assert_eq!(
        fx.gh
            .purchase(purchase("alice", "potion", 1))
            .await
            .unwrap()
            .item_quantity,
        2
    );
    assert!(
        fx.gh
            .set_catalog_item_active("retired", true)
            .await
            .unwrap()
            .active
    );
    assert_eq!(
        fx.gh
            .purchase(purchase("alice", "retired", 2))
            .await
            .unwrap()
            .amount,
        10
    );
    expect_code(
        fx.gh.set_catalog_item_active("nope", true).await,
        ErrorCode::NotFound,
    );
    assert_eq!(
        fx.gh.catalog().await.unwrap().len(),
        standard_catalog().len()
    );
}

async fn concurrent_durable_purchases_charge_once(fx: Fixture) {
    let alice = pid("alice");
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        tasks.push(spawn_call(&fx.gh, |gh| async move {
            gh.purchase(purchase("alice", "sword", 1)).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(r) => {
                ok += 1;
                assert_eq!((r.balance, r.item_quantity), (900, 1));
            }
            Err(e) => assert_eq!(e.code, ErrorCode::AlreadyOwned, "{e}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(fx.gh.balance(&alice, "gold").await.unwrap(), 900);
    let inv = fx.gh.inventory(&alice).await.unwrap();
    assert_eq!(
        inv.iter()
            .map(|i| (i.item_id.as_str(), i.quantity))
            .collect::<Vec<_>>(),
        vec![("sword", 1)]
    );
    assert_eq!(fx.all_events().await.len(), 2);
    fx.assert_ledger_ok().await;
}

/// `Store::purchase_rows` and `Store::item_rows` (one statement each on PostgreSQL)
/// answer what the single reads answer: a priced item with and without a balance row
/// and a held stack, the balance in the price's own currency, an unpriced item (no
/// balance read), an unknown item.
async fn purchase_rows_and_item_rows_match_the_single_reads(fx: Fixture) {
    let none = rows_checked(&fx, "potion").await;
    assert_eq!((none.balance.version, none.held.is_none()), (0, true));
    fx.gh.grant(grant("alice", "gold", 1000)).await.unwrap();
    fx.gh.grant(grant("alice", "gems", 7)).await.unwrap();
    fx.gh
        .purchase(purchase("alice", "potion", 2))
        .await
        .unwrap();
    let potion = rows_checked(&fx, "potion").await;
    assert_eq!(potion.balance.amount, 1000 - 2 * POTION_PRICE);
    assert_eq!(potion.held.as_ref().map(|h| h.quantity), Some(2));
    let elixir = rows_checked(&fx, "elixir").await;
    assert_eq!((elixir.balance.amount, elixir.held), (7, None));
    let relic = rows_checked(&fx, "relic").await;
    assert_eq!(
        (relic.item.is_some(), relic.balance),
        (true, Default::default())
    );
    let nope = rows_checked(&fx, "nope").await;
    assert_eq!(
        (nope.item, nope.balance, nope.held),
        (None, Default::default(), None)
    );
}

/// `Store::purchase_rows` of alice and `item`, asserted equal to the single reads, as
/// `Store::item_rows` is.
async fn rows_checked(fx: &Fixture, item: &str) -> guildhall_core::ports::PurchaseRows {
    let (store, alice) = (fx.gh.store(), pid("alice"));
    let rows = store.purchase_rows(&alice, item).await.unwrap();
    let catalog = store.catalog_item(item).await.unwrap();
    let balance = match catalog.as_ref().and_then(|i| i.price.as_ref()) {
        Some(p) => store
            .balance(&Account::Player(alice.clone()), &p.currency)
            .await
            .unwrap(),
        None => Default::default(),
    };
    let held = store.item(&alice, item).await.unwrap();
    assert_eq!(
        (&rows.item, rows.balance, &rows.held),
        (&catalog, balance, &held),
        "{item}"
    );
    assert_eq!(
        store.item_rows(&alice, item).await.unwrap(),
        (catalog, held),
        "item_rows {item}"
    );
    rows
}
