//! Payment webhooks on every store: a signed paid event credits once when delivered
//! from two services at once; a tampered, wrongly signed or stale delivery changes
//! nothing at all (balances, ledger, events, documents); a refund takes back what is
//! left, never below zero, records the shortfall, and a repeated refund changes nothing.

use super::*;
use guildhall_core::payments::rules::sign_stripe;
use guildhall_core::payments::{PaymentOutcome, WebhookDelivery};
use guildhall_core::ports::Clock as _;

conformance!(
    payments_a_paid_event_credits_once_from_two_services_at_once => payments_config,
    payments_bad_or_stale_signatures_change_nothing => payments_config,
    payments_a_refund_takes_back_what_is_left_and_records_the_shortfall => payments_config,
);

fn checkout(payment: &str, player: &str, product: &str) -> Vec<u8> {
    json!({
        "id": format!("evt_{payment}"), "type": "checkout.session.completed",
        "data": { "object": { "object": "checkout.session", "id": format!("cs_{payment}"),
            "payment_intent": payment, "payment_status": "paid",
            "metadata": { "player_id": player, "product": product } } }
    })
    .to_string()
    .into_bytes()
}

fn refund(payment: &str) -> Vec<u8> {
    json!({ "type": "charge.refunded", "data": { "object": { "object": "charge",
        "payment_intent": payment, "refunded": true } } })
    .to_string()
    .into_bytes()
}

fn signed(fx: &Fixture, body: Vec<u8>) -> WebhookDelivery {
    let signature = Some(sign_stripe(
        STRIPE_TEST_SECRET,
        fx.clock.now().timestamp(),
        &body,
    ));
    WebhookDelivery {
        provider: "stripe".into(),
        signature,
        body,
    }
}

async fn payments_a_paid_event_credits_once_from_two_services_at_once(fx: Fixture) {
    let other = fx.second_service().await;
    for round in 0..4 {
        let payment = format!("pi_{round}");
        let mut calls = Vec::new();
        for i in 0..6 {
            let d = signed(&fx, checkout(&payment, "buyer", "gems_100"));
            let gh = if i % 2 == 0 { &fx.gh } else { &other };
            calls.push(spawn_call(gh, move |gh| async move {
                gh.receive_payment_webhook(d).await
            }));
        }
        let mut credited = 0;
        for c in calls {
            let entry = c.await.unwrap().expect("delivery");
            match entry.outcome {
                PaymentOutcome::Credited => credited += 1,
                PaymentOutcome::Replay => {}
                other => panic!("unexpected outcome {other:?}"),
            }
        }
        assert_eq!(credited, 1, "round {round}");
    }
    assert_eq!(fx.gh.balance(&pid("buyer"), "gems").await.unwrap(), 400);
    let history = fx
        .gh
        .history(&pid("buyer"), HistoryFilter::default())
        .await
        .unwrap();
    assert_eq!(history.entries.len(), 4);
    assert!(fx.gh.verify_ledger().await.unwrap().ok);
    let log = fx.gh.payment_log(Default::default()).await.unwrap();
    assert_eq!(log.entries.len(), 24, "every delivery is logged");
}

async fn payments_bad_or_stale_signatures_change_nothing(fx: Fixture) {
    fx.gh
        .receive_payment_webhook(signed(&fx, checkout("pi_ok", "victim", "gems_100")))
        .await
        .unwrap();
    let before = fx.snapshot(&[&pid("victim")]).await;
    let body = checkout("pi_bad", "victim", "gems_100");
    let now = fx.clock.now().timestamp();
    let cases = [
        (
            "tampered",
            checkout("pi_bad", "victim", "potions"),
            Some(sign_stripe(STRIPE_TEST_SECRET, now, &body)),
        ),
        (
            "wrong secret",
            body.clone(),
            Some(sign_stripe("whsec_wrong", now, &body)),
        ),
        (
            "stale",
            body.clone(),
            Some(sign_stripe(STRIPE_TEST_SECRET, now - 301, &body)),
        ),
        ("unsigned", body.clone(), None),
    ];
    for (what, body, signature) in cases {
        refused!(
            fx,
            before,
            &[&pid("victim")],
            ErrorCode::Unauthenticated,
            what,
            fx.gh.receive_payment_webhook(WebhookDelivery {
                provider: "stripe".into(),
                signature,
                body
            })
        );
    }
    // The clock moves past the window: the once-valid delivery is refused too.
    let late = signed(&fx, body.clone());
    fx.clock.advance_secs(301);
    refused!(
        fx,
        before,
        &[&pid("victim")],
        ErrorCode::Unauthenticated,
        "replayed late",
        fx.gh.receive_payment_webhook(late)
    );
}

async fn payments_a_refund_takes_back_what_is_left_and_records_the_shortfall(fx: Fixture) {
    let gh = &fx.gh;
    gh.receive_payment_webhook(signed(&fx, checkout("pi_p", "spender", "potions")))
        .await
        .unwrap();
    // The player spends 20 of the 25 gold and uses one of the two potions.
    gh.spend(spend("spender", "gold", 20)).await.unwrap();
    gh.use_item(guildhall_core::inventory::UseItemRequest {
        player: pid("spender"),
        item_id: "potion".into(),
        quantity: 1,
        idempotency_key: None,
    })
    .await
    .unwrap();
    let e = gh
        .receive_payment_webhook(signed(&fx, refund("pi_p")))
        .await
        .unwrap();
    assert_eq!(e.outcome, PaymentOutcome::RefundedShortfall);
    let short: Vec<(Option<String>, Option<String>, i64)> = e
        .shortfall
        .iter()
        .map(|p| (p.currency.clone(), p.item_id.clone(), p.amount))
        .collect();
    assert_eq!(
        short,
        [
            (Some("gold".into()), None, 20),
            (None, Some("potion".into()), 1)
        ]
    );
    assert_eq!(gh.balance(&pid("spender"), "gold").await.unwrap(), 0);
    assert!(gh
        .inventory(&pid("spender"))
        .await
        .unwrap()
        .iter()
        .all(|i| i.item_id != "potion"));
    let rec = gh.payment("stripe", "pi_p").await.unwrap();
    assert_eq!(
        rec.revoked.iter().map(|p| p.amount).collect::<Vec<_>>(),
        [5, 1]
    );
    assert!(gh.verify_ledger().await.unwrap().ok);
    let events = gh.events_after(0, Some(1000)).await.unwrap();
    assert_eq!(
        kinds(&events)
            .iter()
            .filter(|k| *k == "payment_refunded")
            .count(),
        1
    );

    let before = fx.snapshot(&[&pid("spender")]).await;
    let again = gh
        .receive_payment_webhook(signed(&fx, refund("pi_p")))
        .await
        .unwrap();
    assert_eq!(again.outcome, PaymentOutcome::RefundReplay);
    let mut after = fx.snapshot(&[&pid("spender")]).await;
    // Only the new log entry differs.
    after
        .docs
        .retain(|d| d.kind != "payment_log" || before.docs.iter().any(|b| b.id == d.id));
    before.assert_same(&after, "a repeated refund");
}
