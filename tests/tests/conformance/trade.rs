//! Trade: a full exchange moves items and currency in one commit with ledger entries
//! naming the trade; any change clears both confirmations; a confirmation of an old
//! revision is `TRADE_CHANGED`; both sides confirming at once (from two services)
//! complete a trade exactly once; a trade racing a purchase that spends the offered gold
//! fails whole; shortfalls and `ALREADY_OWNED` leave everything intact; expiry, cancel
//! and `TRADE_CLOSED`; blocked players; limits; idempotency keys.

use super::*;
use guildhall_core::trade::{
    CancelTradeRequest, ConfirmTradeRequest, OpenTradeRequest, TradeItem, TradeOffer,
    TradeOfferRequest, TradeResult, TradeState,
};

conformance!(
    trade_full_exchange_moves_items_and_currency_with_the_trade_in_the_ledger,
    trade_any_change_clears_both_confirmations,
    trade_confirming_an_old_revision_is_trade_changed,
    trade_both_sides_confirming_at_once_complete_it_exactly_once,
    trade_racing_a_purchase_of_the_offered_gold_fails_whole,
    trade_shortfalls_and_already_owned_leave_everything_intact,
    trade_expires_and_closed_trades_refuse_every_call,
    trade_blocked_players_cannot_trade,
    trade_repeated_keys_move_nothing_twice,
    trade_limits_self_and_strangers_are_refused,
);

fn offer(gold: i64, items: &[(&str, i64)]) -> TradeOffer {
    TradeOffer {
        currencies: if gold > 0 {
            vec![Balance {
                currency: "gold".into(),
                amount: gold,
            }]
        } else {
            vec![]
        },
        items: items
            .iter()
            .map(|(i, q)| TradeItem {
                item_id: i.to_string(),
                quantity: *q,
            })
            .collect(),
    }
}

fn open_req(a: &str, b: &str, o: TradeOffer) -> OpenTradeRequest {
    OpenTradeRequest {
        player: pid(a),
        with: pid(b),
        offer: o,
        idempotency_key: None,
    }
}

fn set_req(
    p: &str,
    id: &str,
    o: TradeOffer,
    revision: Option<i64>,
    confirm: bool,
) -> TradeOfferRequest {
    TradeOfferRequest {
        player: pid(p),
        trade_id: id.into(),
        offer: o,
        revision,
        confirm,
        idempotency_key: None,
    }
}

fn confirm_req(p: &str, id: &str, revision: i64) -> ConfirmTradeRequest {
    ConfirmTradeRequest {
        player: pid(p),
        trade_id: id.into(),
        revision,
        idempotency_key: None,
    }
}

fn cancel_req(p: &str, id: &str) -> CancelTradeRequest {
    CancelTradeRequest {
        player: pid(p),
        trade_id: id.into(),
        idempotency_key: None,
    }
}

async fn gold_of(fx: &Fixture, p: &str) -> i64 {
    fx.gh.balance(&pid(p), "gold").await.unwrap()
}

async fn qty(fx: &Fixture, p: &str, item: &str) -> i64 {
    fx.gh
        .inventory(&pid(p))
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.item_id == item)
        .map_or(0, |e| e.quantity)
}

/// `a` with `gold` gold and `potions` potions; `b` with a sword and 10 gems.
async fn stock(fx: &Fixture, a: &str, gold: i64, potions: i64, b: &str) {
    if gold > 0 {
        fx.gh.grant(grant(a, "gold", gold)).await.unwrap();
    }
    if potions > 0 {
        fx.gh
            .grant_item(grant_item(a, "potion", potions))
            .await
            .unwrap();
    }
    fx.gh.grant_item(grant_item(b, "sword", 1)).await.unwrap();
    fx.gh.grant(grant(b, "gems", 10)).await.unwrap();
}

/// Opens a trade where `a` offers 40 gold and 3 potions and `b` answers with the sword
/// and confirms; returns the trade at revision 2 with `b` confirmed.
async fn ready(fx: &Fixture) -> TradeResult {
    let t = fx
        .gh
        .open_trade(open_req("a", "b", offer(40, &[("potion", 3)])))
        .await
        .unwrap();
    assert_eq!(t.trade.revision, 1);
    let t = fx
        .gh
        .set_trade_offer(set_req(
            "b",
            &t.trade.id,
            offer(0, &[("sword", 1)]),
            Some(1),
            true,
        ))
        .await
        .unwrap();
    assert_eq!(t.trade.revision, 2);
    assert!(t.trade.sides[1].confirmed && !t.trade.sides[0].confirmed);
    t
}

async fn trade_full_exchange_moves_items_and_currency_with_the_trade_in_the_ledger(fx: Fixture) {
    stock(&fx, "a", 100, 5, "b").await;
    let t = ready(&fx).await;
    let done = fx
        .gh
        .confirm_trade(confirm_req("a", &t.trade.id, 2))
        .await
        .unwrap();
    assert_eq!(done.trade.state, TradeState::Completed);
    assert!(!done.replayed);
    assert_eq!(gold_of(&fx, "a").await, 60);
    assert_eq!(gold_of(&fx, "b").await, 40);
    assert_eq!(qty(&fx, "a", "potion").await, 2);
    assert_eq!(qty(&fx, "b", "potion").await, 3);
    assert_eq!(qty(&fx, "a", "sword").await, 1);
    assert_eq!(qty(&fx, "b", "sword").await, 0);
    // Ledger: one transfer from a to b, reason `trade`, the trade id in metadata.
    let entries: Vec<_> = fx
        .full_history(&pid("b"))
        .await
        .into_iter()
        .filter(|e| e.reason == "trade")
        .collect();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].metadata["trade_id"], json!(t.trade.id));
    assert_eq!(entries[0].debit, player_account("a"));
    assert_eq!(entries[0].credit, player_account("b"));
    assert_eq!(entries[0].amount, 40);
    assert_eq!(entries[0].kind, EntryKind::Transfer);
    assert_eq!(
        fx.gh.trade_ledger(&t.trade.id).await.unwrap(),
        entries,
        "the trade's ledger entries by its id"
    );
    fx.assert_ledger_ok().await;
    // Events to both players.
    for kind in ["trade_opened", "trade_updated", "trade_completed"] {
        let ev = fx.events_of(kind).await;
        assert_eq!(ev.len(), 1, "{kind}");
        assert_eq!(players_of(&ev[0]), set(&["a", "b"]), "{kind}");
        let id = ev[0]
            .payload
            .get("trade_id")
            .or_else(|| ev[0].payload["trade"].get("trade_id"));
        assert_eq!(id, Some(&json!(t.trade.id)), "{kind}");
    }
    // Reads: by id, and both players' histories.
    let read = fx.gh.trade(&t.trade.id).await.unwrap();
    assert_eq!(read.state, TradeState::Completed);
    assert_eq!(read.transaction_id, done.trade.transaction_id);
    let kinds: Vec<_> = read.steps.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(
        kinds,
        ["opened", "offer", "confirmed", "confirmed", "completed"]
    );
    for p in ["a", "b"] {
        let mine = fx.gh.player_trades(&pid(p)).await.unwrap();
        assert!(mine.open.is_empty());
        assert_eq!(mine.past.len(), 1);
        assert_eq!(mine.past[0].id, t.trade.id);
    }
    assert!(fx.all_docs("trade_open").await.is_empty());
    assert_eq!(fx.gh.recent_trades(10).await.unwrap()[0].id, t.trade.id);
    // A call on the completed trade.
    expect_code(
        fx.gh.confirm_trade(confirm_req("b", &t.trade.id, 2)).await,
        ErrorCode::TradeClosed,
    );
}

async fn trade_any_change_clears_both_confirmations(fx: Fixture) {
    stock(&fx, "a", 100, 5, "b").await;
    let t = ready(&fx).await;
    let id = t.trade.id.clone();
    // a changes its offer: b's confirmation is cleared, the revision moves.
    let t = fx
        .gh
        .set_trade_offer(set_req("a", &id, offer(30, &[]), None, false))
        .await
        .unwrap();
    assert_eq!(t.trade.revision, 3);
    assert!(t.trade.sides.iter().all(|s| !s.confirmed));
    // a confirms 3; then b changes: a's confirmation goes too.
    let t = fx.gh.confirm_trade(confirm_req("a", &id, 3)).await.unwrap();
    assert!(t.trade.sides[0].confirmed);
    let t = fx
        .gh
        .set_trade_offer(set_req("b", &id, offer(0, &[]), Some(3), false))
        .await
        .unwrap();
    assert_eq!(t.trade.revision, 4);
    assert!(t.trade.sides.iter().all(|s| !s.confirmed));
    assert_eq!(fx.gh.trade(&id).await.unwrap().state, TradeState::Open);
    // Nothing moved.
    assert_eq!(gold_of(&fx, "a").await, 100);
    assert_eq!(qty(&fx, "b", "sword").await, 1);
    assert!(fx
        .full_history(&pid("b"))
        .await
        .iter()
        .all(|e| e.reason != "trade"));
}

async fn trade_confirming_an_old_revision_is_trade_changed(fx: Fixture) {
    stock(&fx, "a", 100, 5, "b").await;
    let t = ready(&fx).await;
    let id = t.trade.id.clone();
    let before = fx.snapshot(&[&pid("a"), &pid("b")]).await;
    let e = refused!(
        fx,
        before,
        &[&pid("a"), &pid("b")],
        ErrorCode::TradeChanged,
        "confirm of revision 1",
        fx.gh.confirm_trade(confirm_req("a", &id, 1))
    );
    assert_eq!(e.details["revision"], 2);
    refused!(
        fx,
        before,
        &[&pid("a"), &pid("b")],
        ErrorCode::TradeChanged,
        "offer and confirm of revision 1",
        fx.gh
            .set_trade_offer(set_req("a", &id, offer(1, &[]), Some(1), true))
    );
    // The current revision completes it.
    let done = fx.gh.confirm_trade(confirm_req("a", &id, 2)).await.unwrap();
    assert_eq!(done.trade.state, TradeState::Completed);
}

async fn trade_both_sides_confirming_at_once_complete_it_exactly_once(fx: Fixture) {
    let other = fx.second_service().await;
    let rounds = 8;
    fx.gh.grant(grant("a", "gold", 10 * rounds)).await.unwrap();
    fx.gh
        .grant_item(grant_item("b", "potion", rounds))
        .await
        .unwrap();
    for round in 0..rounds {
        let t = fx
            .gh
            .open_trade(open_req("a", "b", offer(10, &[])))
            .await
            .unwrap();
        let t = fx
            .gh
            .set_trade_offer(set_req(
                "b",
                &t.trade.id,
                offer(0, &[("potion", 1)]),
                Some(1),
                false,
            ))
            .await
            .unwrap();
        let id = t.trade.id.clone();
        let mut calls = Vec::new();
        for (gh, p) in [(&fx.gh, "a"), (&other, "b"), (&other, "a"), (&fx.gh, "b")] {
            let id = id.clone();
            calls.push(spawn_call(gh, move |gh| async move {
                gh.confirm_trade(confirm_req(p, &id, 2)).await
            }));
        }
        let mut completed = 0;
        for c in calls {
            match c.await.unwrap() {
                Ok(r) if r.trade.state == TradeState::Completed => completed += 1,
                Ok(_) => {}
                Err(e) => assert_eq!(e.code, ErrorCode::TradeClosed, "round {round}: {e}"),
            }
        }
        assert!(completed >= 1, "round {round}: someone saw it complete");
        assert_eq!(fx.gh.trade(&id).await.unwrap().state, TradeState::Completed);
    }
    assert_eq!(gold_of(&fx, "a").await, 0);
    assert_eq!(gold_of(&fx, "b").await, 10 * rounds);
    assert_eq!(qty(&fx, "a", "potion").await, rounds);
    assert_eq!(qty(&fx, "b", "potion").await, 0);
    assert_eq!(fx.events_of("trade_completed").await.len(), rounds as usize);
    let trades = fx
        .full_history(&pid("a"))
        .await
        .into_iter()
        .filter(|e| e.reason == "trade")
        .count();
    assert_eq!(trades, rounds as usize);
    fx.assert_ledger_ok().await;
}

async fn trade_racing_a_purchase_of_the_offered_gold_fails_whole(fx: Fixture) {
    // Deterministic: the purchase first, then the confirmation fails whole.
    fx.gh.grant(grant("a", "gold", SWORD_PRICE)).await.unwrap();
    fx.gh
        .grant_item(grant_item("b", "potion", 2))
        .await
        .unwrap();
    let t = fx
        .gh
        .open_trade(open_req("a", "b", offer(SWORD_PRICE, &[])))
        .await
        .unwrap();
    fx.gh
        .set_trade_offer(set_req(
            "b",
            &t.trade.id,
            offer(0, &[("potion", 2)]),
            Some(1),
            true,
        ))
        .await
        .unwrap();
    fx.gh.purchase(purchase("a", "sword", 1)).await.unwrap();
    let before = fx.snapshot(&[&pid("a"), &pid("b")]).await;
    refused!(
        fx,
        before,
        &[&pid("a"), &pid("b")],
        ErrorCode::InsufficientFunds,
        "confirm after the gold was spent",
        fx.gh.confirm_trade(confirm_req("a", &t.trade.id, 2))
    );
    assert_eq!(
        fx.gh.trade(&t.trade.id).await.unwrap().state,
        TradeState::Open
    );
    // Concurrent, from two services: exactly one of the two spends the gold; the other
    // is refused whole.
    let other = fx.second_service().await;
    for round in 0..6 {
        let (a, b) = (format!("ra{round}"), format!("rb{round}"));
        fx.gh.grant(grant(&a, "gold", SWORD_PRICE)).await.unwrap();
        fx.gh.grant_item(grant_item(&b, "potion", 2)).await.unwrap();
        let t = fx
            .gh
            .open_trade(open_req(&a, &b, offer(SWORD_PRICE, &[])))
            .await
            .unwrap();
        fx.gh
            .set_trade_offer(set_req(
                &b,
                &t.trade.id,
                offer(0, &[("potion", 2)]),
                Some(1),
                true,
            ))
            .await
            .unwrap();
        let (id, a2) = (t.trade.id.clone(), a.clone());
        let confirm = spawn_call(&fx.gh, move |gh| async move {
            gh.confirm_trade(confirm_req(&a2, &id, 2)).await
        });
        let a3 = a.clone();
        let buy = spawn_call(&other, move |gh| async move {
            gh.purchase(purchase(&a3, "sword", 1)).await
        });
        let (confirm, buy) = (confirm.await.unwrap(), buy.await.unwrap());
        assert!(
            confirm.is_ok() != buy.is_ok(),
            "round {round}: exactly one wins: {confirm:?} / {buy:?}"
        );
        assert_eq!(gold_of(&fx, &a).await, 0);
        match confirm {
            Ok(_) => {
                expect_code(buy, ErrorCode::InsufficientFunds);
                assert_eq!(gold_of(&fx, &b).await, SWORD_PRICE);
                assert_eq!(qty(&fx, &a, "potion").await, 2);
                assert_eq!(qty(&fx, &a, "sword").await, 0);
            }
            Err(e) => {
                assert_eq!(e.code, ErrorCode::InsufficientFunds);
                assert_eq!(gold_of(&fx, &b).await, 0);
                assert_eq!(
                    qty(&fx, &b, "potion").await,
                    2,
                    "nothing of the trade moved"
                );
                assert_eq!(qty(&fx, &a, "potion").await, 0);
                assert_eq!(qty(&fx, &a, "sword").await, 1);
            }
        }
    }
    fx.assert_ledger_ok().await;
}

async fn trade_shortfalls_and_already_owned_leave_everything_intact(fx: Fixture) {
    let players = [&pid("a"), &pid("b")];
    fx.gh.grant(grant("a", "gold", 50)).await.unwrap();
    fx.gh
        .grant_item(grant_item("a", "potion", 2))
        .await
        .unwrap();
    fx.gh.grant_item(grant_item("a", "relic", 1)).await.unwrap();
    fx.gh.grant_item(grant_item("b", "relic", 1)).await.unwrap();
    for (o, code, what) in [
        (
            offer(51, &[]),
            ErrorCode::InsufficientFunds,
            "51 gold of 50",
        ),
        (
            offer(10, &[("potion", 3)]),
            ErrorCode::InsufficientQuantity,
            "3 potions of 2",
        ),
        (
            offer(0, &[("elixir", 1)]),
            ErrorCode::InsufficientQuantity,
            "an item not held",
        ),
        (
            offer(10, &[("relic", 1)]),
            ErrorCode::AlreadyOwned,
            "a relic b owns",
        ),
    ] {
        let t = fx.gh.open_trade(open_req("a", "b", o)).await.unwrap();
        let t = fx
            .gh
            .set_trade_offer(set_req("b", &t.trade.id, offer(0, &[]), Some(1), true))
            .await
            .unwrap();
        let before = fx.snapshot(&players).await;
        refused!(
            fx,
            before,
            &players,
            code,
            what,
            fx.gh
                .confirm_trade(confirm_req("a", &t.trade.id, t.trade.revision))
        );
        fx.gh
            .cancel_trade(cancel_req("a", &t.trade.id))
            .await
            .unwrap();
    }
    assert_eq!(gold_of(&fx, "a").await, 50);
    assert_eq!(qty(&fx, "a", "potion").await, 2);
    fx.assert_ledger_ok().await;
    // Bad offers are refused before anything is stored.
    let before = fx.snapshot(&players).await;
    for (o, code) in [
        (offer(0, &[("nope", 1)]), ErrorCode::NotFound),
        (offer(0, &[("sword", 2)]), ErrorCode::InvalidArgument),
        (offer(0, &[("potion", 0)]), ErrorCode::InvalidArgument),
    ] {
        refused!(
            fx,
            before,
            &players,
            code,
            "bad offer",
            fx.gh.open_trade(open_req("a", "b", o))
        );
    }
}

async fn trade_expires_and_closed_trades_refuse_every_call(fx: Fixture) {
    stock(&fx, "a", 100, 5, "b").await;
    // A change restarts the expiry.
    let t = fx
        .gh
        .open_trade(open_req("a", "b", offer(10, &[])))
        .await
        .unwrap();
    let id = t.trade.id.clone();
    fx.clock.advance_secs(200);
    fx.gh
        .set_trade_offer(set_req("b", &id, offer(0, &[("sword", 1)]), None, false))
        .await
        .unwrap();
    fx.clock.advance_secs(200);
    assert_eq!(fx.gh.trade(&id).await.unwrap().state, TradeState::Open);
    fx.clock.advance_secs(100);
    // Past it: every call is TRADE_CLOSED and changes nothing; reads say expired.
    let before = fx.snapshot(&[&pid("a"), &pid("b")]).await;
    let read = fx.gh.trade(&id).await.unwrap();
    assert_eq!(read.state, TradeState::Cancelled);
    assert_eq!(read.cancel_reason.as_deref(), Some("expired"));
    let players = [&pid("a"), &pid("b")];
    refused!(
        fx,
        before,
        &players,
        ErrorCode::TradeClosed,
        "confirm",
        fx.gh.confirm_trade(confirm_req("a", &id, 2))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::TradeClosed,
        "offer",
        fx.gh
            .set_trade_offer(set_req("a", &id, offer(1, &[]), None, false))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::TradeClosed,
        "cancel",
        fx.gh.cancel_trade(cancel_req("b", &id))
    );
    // The sweep writes it: cancelled with reason expired, to both.
    assert_eq!(fx.gh.expire_trades().await.unwrap(), 1);
    assert_eq!(fx.gh.expire_trades().await.unwrap(), 0);
    let ev = fx.events_of("trade_cancelled").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].payload["reason"], "expired");
    assert_eq!(players_of(&ev[0]), set(&["a", "b"]));
    let mine = fx.gh.player_trades(&pid("a")).await.unwrap();
    assert!(mine.open.is_empty());
    assert_eq!(mine.past[0].cancel_reason.as_deref(), Some("expired"));
    assert!(fx.all_docs("trade_open").await.is_empty());
    // Cancel by either side.
    let t = fx
        .gh
        .open_trade(open_req("a", "b", offer(10, &[])))
        .await
        .unwrap();
    let c = fx
        .gh
        .cancel_trade(cancel_req("b", &t.trade.id))
        .await
        .unwrap();
    assert_eq!(c.trade.state, TradeState::Cancelled);
    assert_eq!(c.trade.cancel_reason.as_deref(), Some("cancelled"));
    assert_eq!(c.trade.cancelled_by, Some(pid("b")));
    expect_code(
        fx.gh.cancel_trade(cancel_req("a", &t.trade.id)).await,
        ErrorCode::TradeClosed,
    );
    assert_eq!(fx.events_of("trade_cancelled").await.len(), 2);
    // An expired trade found at open is closed in that commit and frees its place.
    let t = fx
        .gh
        .open_trade(open_req("a", "c", offer(1, &[])))
        .await
        .unwrap();
    fx.clock.advance_secs(301);
    fx.gh
        .open_trade(open_req("a", "d", offer(1, &[])))
        .await
        .unwrap();
    let read = fx
        .gh
        .store()
        .doc("trade", &t.trade.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.body["state"], "cancelled");
    assert_eq!(
        fx.gh.player_trades(&pid("c")).await.unwrap().past[0].id,
        t.trade.id
    );
    assert_eq!(gold_of(&fx, "a").await, 100);
}

async fn trade_blocked_players_cannot_trade(fx: Fixture) {
    stock(&fx, "a", 100, 5, "b").await;
    fx.gh.block_player(block("b", "a")).await.unwrap();
    let players = [&pid("a"), &pid("b")];
    let before = fx.snapshot(&players).await;
    refused!(
        fx,
        before,
        &players,
        ErrorCode::Blocked,
        "open with a blocker",
        fx.gh.open_trade(open_req("a", "b", offer(10, &[])))
    );
    refused!(
        fx,
        before,
        &players,
        ErrorCode::Blocked,
        "open of a blocker",
        fx.gh.open_trade(open_req("b", "a", offer(0, &[])))
    );
    // A block after opening stops the exchange.
    fx.gh.unblock_player(block("b", "a")).await.unwrap();
    let t = ready(&fx).await;
    fx.gh.block_player(block("a", "b")).await.unwrap();
    let before = fx.snapshot(&players).await;
    refused!(
        fx,
        before,
        &players,
        ErrorCode::Blocked,
        "exchange after a block",
        fx.gh.confirm_trade(confirm_req("a", &t.trade.id, 2))
    );
}

async fn trade_repeated_keys_move_nothing_twice(fx: Fixture) {
    stock(&fx, "a", 100, 5, "b").await;
    let mut o = open_req("a", "b", offer(40, &[("potion", 3)]));
    o.idempotency_key = Some("open-1".into());
    let first = fx.gh.open_trade(o.clone()).await.unwrap();
    let again = fx.gh.open_trade(o.clone()).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.trade.id, first.trade.id);
    assert_eq!(fx.all_docs("trade").await.len(), 1);
    o.offer = offer(41, &[]);
    expect_code(fx.gh.open_trade(o).await, ErrorCode::IdempotencyConflict);
    let id = first.trade.id.clone();
    let mut s = set_req("b", &id, offer(0, &[("sword", 1)]), Some(1), true);
    s.idempotency_key = Some("offer-1".into());
    fx.gh.set_trade_offer(s.clone()).await.unwrap();
    assert!(fx.gh.set_trade_offer(s).await.unwrap().replayed);
    let mut c = confirm_req("a", &id, 2);
    c.idempotency_key = Some("confirm-1".into());
    let done = fx.gh.confirm_trade(c.clone()).await.unwrap();
    let players = [&pid("a"), &pid("b")];
    let before = fx.snapshot(&players).await;
    let replay = fx.gh.confirm_trade(c).await.unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.trade, done.trade);
    fx.assert_unchanged(&before, &players, "a repeated confirmation")
        .await;
    assert_eq!(gold_of(&fx, "a").await, 60);
    assert_eq!(gold_of(&fx, "b").await, 40);
    fx.assert_ledger_ok().await;
}

async fn trade_limits_self_and_strangers_are_refused(fx: Fixture) {
    let players = [&pid("a"), &pid("b")];
    let before = fx.snapshot(&players).await;
    refused!(
        fx,
        before,
        &players,
        ErrorCode::InvalidArgument,
        "trade with oneself",
        fx.gh.open_trade(open_req("a", "a", offer(0, &[])))
    );
    let max = fx.gh.config().trade.max_open_per_player;
    for i in 0..max {
        fx.gh
            .open_trade(open_req("a", &format!("p{i}"), offer(0, &[])))
            .await
            .unwrap();
    }
    let e = expect_code(
        fx.gh.open_trade(open_req("a", "b", offer(0, &[]))).await,
        ErrorCode::LimitReached,
    );
    assert_eq!(e.details["player"], "a");
    let e = expect_code(
        fx.gh.open_trade(open_req("b", "a", offer(0, &[]))).await,
        ErrorCode::LimitReached,
    );
    assert_eq!(e.details["player"], "a");
    let mine = fx.gh.player_trades(&pid("a")).await.unwrap();
    assert_eq!(mine.open.len(), max as usize);
    // A cancelled trade frees its place.
    fx.gh
        .cancel_trade(cancel_req("a", &mine.open[0].id))
        .await
        .unwrap();
    let t = fx
        .gh
        .open_trade(open_req("a", "b", offer(0, &[])))
        .await
        .unwrap();
    // Not a side.
    expect_code(
        fx.gh.confirm_trade(confirm_req("z", &t.trade.id, 1)).await,
        ErrorCode::Forbidden,
    );
    expect_code(
        fx.gh.cancel_trade(cancel_req("z", &t.trade.id)).await,
        ErrorCode::Forbidden,
    );
    expect_code(fx.gh.trade("no-such-trade").await, ErrorCode::NotFound);
}
