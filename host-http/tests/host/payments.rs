//! Payment webhooks against a real listening host (SPEC.md "Payments in, notifications
//! out"): Stripe-format events signed with a test secret credit once however often and
//! however concurrently they are delivered; a tampered body, a wrong secret, an old
//! timestamp or no signature answer 401 and change nothing (balances, ledger, log); a
//! second secret works during rotation; a refund revokes and records the shortfall of
//! what the player spent; the generic HMAC route; and the operator's log.

use crate::common::{spawn_app_with, TestApp};
use guildhall_core::payments::rules::{sign_hmac, sign_stripe};
use guildhall_core::payments::{
    HmacProviderConfig, PaymentProduct, PaymentsConfig, ProductItem, Secret, SignatureEncoding,
    StripeConfig,
};
use serde_json::{json, Value};

const OLD_SECRET: &str = "whsec_old_rotating_secret";
const SECRET: &str = "whsec_test_secret_for_guildhall";
const SHOP_SECRET: &str = "shop-hmac-secret";

fn payments() -> PaymentsConfig {
    PaymentsConfig {
        stripe: Some(StripeConfig {
            secrets: vec![Secret(OLD_SECRET.into()), Secret(SECRET.into())],
        }),
        hmac: vec![HmacProviderConfig {
            name: "shop".into(),
            header: "X-Shop-Signature".into(),
            secrets: vec![Secret(SHOP_SECRET.into())],
            encoding: SignatureEncoding::Base64,
            prefix: Some("sha256=".into()),
            event_type: "/event".into(),
            paid: vec!["order.paid".into()],
            refunded: vec!["order.refunded".into()],
            payment_id: "/order/id".into(),
            player: "/order/player".into(),
            product: "/order/sku".into(),
            amount: Some("/order/cents".into()),
        }],
        products: vec![
            PaymentProduct {
                id: "gems_100".into(),
                currency: Some("gems".into()),
                amount: Some(100),
                items: vec![],
            },
            PaymentProduct {
                id: "starter".into(),
                currency: Some("gold".into()),
                amount: Some(50),
                items: vec![ProductItem {
                    item_id: "1".into(),
                    quantity: 2,
                }],
            },
            // gems are capped at 1000: this credit is always refused.
            PaymentProduct {
                id: "too_many".into(),
                currency: Some("gems".into()),
                amount: Some(5000),
                items: vec![],
            },
        ],
        ..Default::default()
    }
}

async fn app() -> TestApp {
    spawn_app_with(|s| s.core.payments = payments()).await
}

fn checkout(payment: &str, player: &str, product: &str) -> Vec<u8> {
    json!({
        "id": format!("evt_{payment}"), "object": "event", "type": "checkout.session.completed",
        "data": { "object": {
            "object": "checkout.session", "id": format!("cs_{payment}"), "payment_intent": payment,
            "payment_status": "paid", "amount_total": 499, "currency": "usd",
            "metadata": { "player_id": player, "product": product }
        } }
    })
    .to_string()
    .into_bytes()
}

fn refund(payment: &str) -> Vec<u8> {
    json!({
        "id": format!("evt_refund_{payment}"), "object": "event", "type": "charge.refunded",
        "data": { "object": { "object": "charge", "id": format!("ch_{payment}"), "payment_intent": payment,
            "refunded": true, "amount_refunded": 499, "currency": "usd" } }
    })
    .to_string()
    .into_bytes()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn stripe(app: &TestApp, body: &[u8], signature: Option<String>) -> crate::common::Res {
    let mut req = app
        .anon
        .post(format!("{}/v1/webhooks/stripe", app.url))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(s) = signature {
        req = req.header("Stripe-Signature", s);
    }
    app.send(req).await
}

async fn deliver(app: &TestApp, body: &[u8]) -> Value {
    let r = stripe(app, body, Some(sign_stripe(SECRET, now(), body))).await;
    r.ok().clone()
}

async fn balance(app: &TestApp, player: &str, currency: &str) -> i64 {
    app.get(&format!("/v1/players/{player}/balances/{currency}"))
        .await
        .ok()["amount"]
        .as_i64()
        .unwrap()
}

/// Balances, ledger history, log and verify of `player`: what must not move.
async fn snapshot(app: &TestApp, player: &str) -> Value {
    json!({
        "gems": balance(app, player, "gems").await,
        "gold": balance(app, player, "gold").await,
        "history": app.get(&format!("/v1/players/{player}/history")).await.ok()["entries"],
        "inventory": app.get(&format!("/v1/players/{player}/inventory")).await.ok().clone(),
        "log": app.get("/v1/admin/payments?limit=200").await.ok()["entries"],
        "ledger_ok": app.get("/v1/ledger/verify").await.ok()["ok"],
    })
}

#[tokio::test]
async fn a_paid_event_credits_once_when_delivered_five_times_and_concurrently() {
    let app = app().await;
    let body = checkout("pi_once", "buyer", "gems_100");
    let mut outcomes = Vec::new();
    for _ in 0..5 {
        outcomes.push(
            deliver(&app, &body).await["outcome"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(
        outcomes,
        ["credited", "replay", "replay", "replay", "replay"]
    );
    assert_eq!(balance(&app, "buyer", "gems").await, 100);

    // Five at once, each freshly signed: one credit, four replays.
    let body = checkout("pi_race", "buyer", "gems_100");
    let sends = (0..5).map(|_| deliver(&app, &body));
    let answers = futures::future::join_all(sends).await;
    let credited = answers
        .iter()
        .filter(|a| a["outcome"] == "credited")
        .count();
    let replays = answers.iter().filter(|a| a["outcome"] == "replay").count();
    assert_eq!((credited, replays), (1, 4), "{answers:?}");
    assert_eq!(balance(&app, "buyer", "gems").await, 200);

    // Two event kinds naming the same PaymentIntent credit once too.
    let intent = json!({"id":"evt_pi","type":"payment_intent.succeeded","data":{"object":{
        "object":"payment_intent","id":"pi_race","metadata":{"player_id":"buyer","product":"gems_100"}}}})
    .to_string();
    assert_eq!(deliver(&app, intent.as_bytes()).await["outcome"], "replay");
    assert_eq!(balance(&app, "buyer", "gems").await, 200);

    let history = app.get("/v1/players/buyer/history").await;
    let entries = history.ok()["entries"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 2, "one ledger entry per payment");
    assert_eq!(entries[0]["metadata"]["provider"], "stripe");
    assert_eq!(entries[0]["debit"], "system:payments");
    assert_eq!(app.get("/v1/ledger/verify").await.ok()["ok"], true);

    let record = app.get("/v1/admin/payments/stripe/pi_race").await;
    assert_eq!(record.ok()["status"], "credited");
    assert_eq!(record.ok()["player"], "buyer");
    let log = app.get("/v1/admin/payments?limit=200").await;
    assert_eq!(
        log.ok()["entries"].as_array().unwrap().len(),
        11,
        "every delivery is logged"
    );

    // The payment is an event in the outbox, committed with the credit.
    let events = app.get("/v1/events?limit=1000").await;
    let received: Vec<&Value> = events.ok()["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "payment_received")
        .collect();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0]["players"][0], "buyer");
}

#[tokio::test]
async fn bad_or_stale_signatures_are_refused_and_change_nothing() {
    let app = app().await;
    // A prior credit, so there is state that must not move.
    deliver(&app, &checkout("pi_first", "victim", "gems_100")).await;
    let before = snapshot(&app, "victim").await;

    let body = checkout("pi_forged", "victim", "gems_100");
    let tampered = checkout("pi_forged", "victim", "too_many");
    let t = now();
    let cases = [
        (
            "tampered body",
            tampered.clone(),
            Some(sign_stripe(SECRET, t, &body)),
        ),
        (
            "wrong secret",
            body.clone(),
            Some(sign_stripe("whsec_attacker", t, &body)),
        ),
        (
            "old timestamp",
            body.clone(),
            Some(sign_stripe(SECRET, t - 301, &body)),
        ),
        (
            "future timestamp",
            body.clone(),
            Some(sign_stripe(SECRET, t + 400, &body)),
        ),
        ("no signature", body.clone(), None),
        ("garbage header", body.clone(), Some("v1=zz".into())),
    ];
    for (what, b, sig) in cases {
        let r = stripe(&app, &b, sig).await;
        assert_eq!(r.status.as_u16(), 401, "{what}: {}", r.body);
        r.assert_error(401, "UNAUTHENTICATED");
    }
    assert_eq!(snapshot(&app, "victim").await, before, "nothing recorded");
    app.get("/v1/admin/payments/stripe/pi_forged")
        .await
        .assert_error(404, "NOT_FOUND");

    // A verified credit the rules refuse (past the currency's maximum) credits nothing,
    // is logged as failed, and a redelivery changes nothing either.
    for _ in 0..2 {
        let e = deliver(&app, &checkout("pi_big", "victim", "too_many")).await;
        assert_eq!(e["outcome"], "failed", "{e}");
        assert!(
            e["message"].as_str().unwrap().contains("BALANCE_LIMIT"),
            "{e}"
        );
    }
    let after = snapshot(&app, "victim").await;
    assert_eq!(after["gems"], before["gems"]);
    assert_eq!(after["history"], before["history"]);
    assert_eq!(after["ledger_ok"], true);
    app.get("/v1/admin/payments/stripe/pi_big")
        .await
        .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn either_secret_verifies_during_rotation() {
    let app = app().await;
    let a = checkout("pi_old", "rot", "gems_100");
    let r = stripe(&app, &a, Some(sign_stripe(OLD_SECRET, now(), &a))).await;
    assert_eq!(r.ok()["outcome"], "credited");
    let b = checkout("pi_new", "rot", "gems_100");
    let r = stripe(&app, &b, Some(sign_stripe(SECRET, now(), &b))).await;
    assert_eq!(r.ok()["outcome"], "credited");
    // A header with several v1 signatures (Stripe sends one per active secret).
    let c = checkout("pi_both", "rot", "gems_100");
    let t = now();
    let wrong = sign_stripe("whsec_gone", t, &c);
    let right = sign_stripe(SECRET, t, &c);
    let header = format!("{wrong},v1={}", right.split("v1=").nth(1).unwrap());
    assert_eq!(
        stripe(&app, &c, Some(header)).await.ok()["outcome"],
        "credited"
    );
    assert_eq!(balance(&app, "rot", "gems").await, 300);
}

#[tokio::test]
async fn a_refund_revokes_and_records_the_shortfall_of_what_was_spent() {
    let app = app().await;
    // Full refund of an unspent starter pack: gold and potions taken back.
    deliver(&app, &checkout("pi_full", "keeper", "starter")).await;
    assert_eq!(balance(&app, "keeper", "gold").await, 50);
    let e = deliver(&app, &refund("pi_full")).await;
    assert_eq!(e["outcome"], "refunded", "{e}");
    assert_eq!(balance(&app, "keeper", "gold").await, 0);
    let inv = app.get("/v1/players/keeper/inventory").await;
    let potions = inv.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item_id"] == "1")
        .map_or(0, |i| i["quantity"].as_i64().unwrap());
    assert_eq!(potions, 0);

    // The spender spent 70 of 100 gems: the refund takes 30, records 70 short, never
    // below zero.
    deliver(&app, &checkout("pi_spent", "spender", "gems_100")).await;
    app.post(
        "/v1/players/spender/spend",
        json!({ "currency": "gems", "amount": 70 }),
    )
    .await
    .ok();
    let e = deliver(&app, &refund("pi_spent")).await;
    assert_eq!(e["outcome"], "refunded_shortfall", "{e}");
    assert_eq!(e["shortfall"][0]["amount"], 70);
    assert_eq!(balance(&app, "spender", "gems").await, 0);
    let rec = app.get("/v1/admin/payments/stripe/pi_spent").await;
    assert_eq!(rec.ok()["status"], "refunded");
    assert_eq!(rec.ok()["revoked"][0]["amount"], 30);
    assert_eq!(rec.ok()["shortfall"][0]["amount"], 70);
    // A redelivered refund takes nothing more.
    let before = snapshot(&app, "spender").await;
    assert_eq!(
        deliver(&app, &refund("pi_spent")).await["outcome"],
        "refund_replay"
    );
    let after = snapshot(&app, "spender").await;
    assert_eq!(
        (after["gems"].clone(), after["history"].clone()),
        (before["gems"].clone(), before["history"].clone())
    );
    assert_eq!(after["ledger_ok"], true);

    // A refund that arrives before its payment: recorded, and the late payment credits
    // nothing.
    assert_eq!(
        deliver(&app, &refund("pi_early")).await["outcome"],
        "refunded_before_credit"
    );
    assert_eq!(
        deliver(&app, &checkout("pi_early", "early", "gems_100")).await["outcome"],
        "already_refunded"
    );
    assert_eq!(balance(&app, "early", "gems").await, 0);

    let events = app.get("/v1/events?limit=1000").await;
    let refunded = events.ok()["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "payment_refunded")
        .count();
    assert_eq!(refunded, 2);
}

#[tokio::test]
async fn events_not_acted_on_are_logged_with_their_reason() {
    let app = app().await;
    let cases = [
        (
            json!({"type":"customer.created","data":{"object":{"object":"customer","id":"cus_1"}}}),
            "ignored",
        ),
        (
            json!({"type":"checkout.session.completed","data":{"object":{"object":"checkout.session","id":"cs_u","payment_status":"unpaid","metadata":{"player_id":"p","product":"gems_100"}}}}),
            "ignored",
        ),
        (
            json!({"type":"charge.refunded","data":{"object":{"object":"charge","payment_intent":"pi_x","refunded":false}}}),
            "ignored",
        ),
        (
            serde_json::from_slice(&checkout("pi_unknown", "p", "no_such_product")).unwrap(),
            "unknown_product",
        ),
        (
            json!({"type":"payment_intent.succeeded","data":{"object":{"object":"payment_intent","id":"pi_np","metadata":{"product":"gems_100"}}}}),
            "missing_player",
        ),
    ];
    for (body, outcome) in &cases {
        let b = body.to_string().into_bytes();
        assert_eq!(deliver(&app, &b).await["outcome"], *outcome, "{body}");
    }
    assert_eq!(balance(&app, "p", "gems").await, 0);
    // The log reads newest first, a page at a time.
    let first = app.get("/v1/admin/payments?limit=3").await;
    let first = first.ok().clone();
    assert_eq!(first["entries"].as_array().unwrap().len(), 3);
    assert_eq!(first["entries"][0]["outcome"], "missing_player");
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("/v1/admin/payments?limit=3&cursor={cursor}"))
        .await;
    let rest = second.ok()["entries"].as_array().unwrap().clone();
    assert_eq!(rest.len(), 2);
    assert_eq!(rest[1]["event_type"], "customer.created");
    assert!(second.ok()["next_cursor"].is_null());
    // Only operators read it.
    let r = app
        .send(app.anon.get(format!("{}/v1/admin/payments", app.url)))
        .await;
    r.assert_error(401, "UNAUTHENTICATED");
}

#[tokio::test]
async fn the_generic_hmac_route_credits_and_refunds_by_its_pointers() {
    let app = app().await;
    let send = |body: Value, secret: &'static str| {
        let bytes = body.to_string().into_bytes();
        let sig = format!(
            "sha256={}",
            sign_hmac(secret, SignatureEncoding::Base64, &bytes)
        );
        let req = app
            .anon
            .post(format!("{}/v1/webhooks/hmac/shop", app.url))
            .header("X-Shop-Signature", sig)
            .body(bytes);
        app.send(req)
    };
    let paid = json!({"event":"order.paid","order":{"id":9001,"player":"gen","sku":"gems_100","cents":299}});
    let r = send(paid.clone(), SHOP_SECRET).await;
    assert_eq!(r.ok()["outcome"], "credited");
    assert_eq!(r.ok()["payment_id"], "9001");
    assert_eq!(r.ok()["paid_amount"], 299);
    assert_eq!(
        send(paid.clone(), SHOP_SECRET).await.ok()["outcome"],
        "replay"
    );
    let before = snapshot(&app, "gen").await;
    send(paid.clone(), "not-the-secret")
        .await
        .assert_error(401, "UNAUTHENTICATED");
    let bare = app
        .send(
            app.anon
                .post(format!("{}/v1/webhooks/hmac/shop", app.url))
                .body(paid.to_string()),
        )
        .await;
    bare.assert_error(401, "UNAUTHENTICATED");
    assert_eq!(snapshot(&app, "gen").await, before);
    assert_eq!(balance(&app, "gen", "gems").await, 100);
    let r = send(
        json!({"event":"order.refunded","order":{"id":9001}}),
        SHOP_SECRET,
    )
    .await;
    assert_eq!(r.ok()["outcome"], "refunded");
    assert_eq!(balance(&app, "gen", "gems").await, 0);
    let r = app
        .send(
            app.anon
                .post(format!("{}/v1/webhooks/hmac/nobody", app.url))
                .body("{}"),
        )
        .await;
    r.assert_error(404, "NOT_FOUND");
    assert_eq!(app.get("/v1/ledger/verify").await.ok()["ok"], true);
}
