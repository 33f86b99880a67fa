//! Payment rules: pure functions. Signature checks (HMAC-SHA256 through the `hmac` and
//! `sha2` crates, compared in constant time by `Mac::verify_slice`), event parsing, the
//! product map, and the credit and revocation of a payment as change sets.

use super::{
    EventAction, GrantPart, HmacProviderConfig, PaymentProduct, PaymentRecord, PaymentStatus,
    PaymentsConfig, Secret, SignatureEncoding, WebhookEvent,
};
use crate::config::Config;
use crate::ctx::Ctx;
use crate::economy::rules::{add_system, apply_delta, entry, set_balance};
use crate::error::{Error, ErrorCode, Result};
use crate::ports::{BalanceRow, ChangeSet, ItemRow, ItemWrite};
use crate::types::{Account, CatalogItem, EntryKind, ItemKind, PlayerId};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Longest `Stripe-Signature` header read, bytes.
const MAX_HEADER: usize = 8 * 1024;

fn unauthenticated(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::Unauthenticated, message)
}

/// A parsed `Stripe-Signature` header: the timestamp (`t=`, Unix seconds) and every
/// `v1=` signature (hex-decoded). Other schemes (`v0=`) are skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeSignature {
    /// Unix seconds the sender signed at.
    pub timestamp: i64,
    /// The `v1` HMAC-SHA256 signatures.
    pub v1: Vec<Vec<u8>>,
}

/// Parses `t=<unix>,v1=<hex>[,v1=<hex>...]`. Errors: `UNAUTHENTICATED` (no timestamp,
/// no `v1`, a value that is not a number or hex).
pub fn parse_stripe_signature(header: &str) -> Result<StripeSignature> {
    if header.len() > MAX_HEADER {
        return Err(unauthenticated("the Stripe-Signature header is too long"));
    }
    let mut timestamp = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else {
            continue;
        };
        match k {
            "t" => {
                timestamp = Some(v.parse::<i64>().map_err(|_| {
                    unauthenticated("the Stripe-Signature timestamp is not a number")
                })?)
            }
            "v1" => v1.push(
                hex::decode(v)
                    .map_err(|_| unauthenticated("a Stripe-Signature v1 value is not hex"))?,
            ),
            _ => {}
        }
    }
    let timestamp =
        timestamp.ok_or_else(|| unauthenticated("the Stripe-Signature header has no timestamp"))?;
    if v1.is_empty() {
        return Err(unauthenticated(
            "the Stripe-Signature header has no v1 signature",
        ));
    }
    Ok(StripeSignature { timestamp, v1 })
}

fn mac(secret: &Secret) -> HmacSha256 {
    HmacSha256::new_from_slice(secret.0.as_bytes()).expect("HMAC takes a key of any length")
}

/// Verifies a Stripe delivery (Stripe's "verify signatures manually"): some `v1`
/// signature is the HMAC-SHA256, under one of `secrets`, of `"{t}.{body}"`, and `t` is
/// within `tolerance_secs` of `now_unix` either way. Errors: `UNAUTHENTICATED` (no or
/// bad header, no match, stale or future timestamp).
pub fn verify_stripe(
    header: Option<&str>,
    body: &[u8],
    secrets: &[Secret],
    now_unix: i64,
    tolerance_secs: i64,
) -> Result<()> {
    let header = header.ok_or_else(|| unauthenticated("no Stripe-Signature header"))?;
    let sig = parse_stripe_signature(header)?;
    if (now_unix - sig.timestamp).abs() > tolerance_secs {
        return Err(unauthenticated(format!(
            "the Stripe-Signature timestamp is more than {tolerance_secs} s from now"
        ))
        .with_details(json!({ "timestamp": sig.timestamp, "tolerance_secs": tolerance_secs })));
    }
    let prefix = format!("{}.", sig.timestamp);
    for secret in secrets {
        let mut m = mac(secret);
        m.update(prefix.as_bytes());
        m.update(body);
        for candidate in &sig.v1 {
            if m.clone().verify_slice(candidate).is_ok() {
                return Ok(());
            }
        }
    }
    Err(unauthenticated("no Stripe-Signature v1 signature matches"))
}

/// Signs like Stripe does: the header value for `body` at `timestamp` under `secret`
/// (for tests, benchmarks and tools that replay events).
pub fn sign_stripe(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut m = mac(&Secret(secret.into()));
    m.update(format!("{timestamp}.").as_bytes());
    m.update(body);
    format!(
        "t={timestamp},v1={}",
        hex::encode(m.finalize().into_bytes())
    )
}

/// Verifies a generic provider's delivery: the header (after the configured prefix) is
/// the HMAC-SHA256 of the raw body under one of its secrets, in its encoding. Errors:
/// `UNAUTHENTICATED`.
pub fn verify_hmac(provider: &HmacProviderConfig, header: Option<&str>, body: &[u8]) -> Result<()> {
    let header = header
        .ok_or_else(|| unauthenticated(format!("no {} header", provider.header)))?
        .trim();
    let value = match &provider.prefix {
        Some(p) => header.strip_prefix(p.as_str()).ok_or_else(|| {
            unauthenticated(format!(
                "the {} header does not start with {p}",
                provider.header
            ))
        })?,
        None => header,
    };
    let sig = match provider.encoding {
        SignatureEncoding::Hex => hex::decode(value).ok(),
        SignatureEncoding::Base64 => base64::engine::general_purpose::STANDARD.decode(value).ok(),
    }
    .ok_or_else(|| unauthenticated(format!("the {} header is not a signature", provider.header)))?;
    for secret in &provider.secrets {
        let mut m = mac(secret);
        m.update(body);
        if m.verify_slice(&sig).is_ok() {
            return Ok(());
        }
    }
    Err(unauthenticated(format!(
        "the {} signature does not match",
        provider.header
    )))
}

/// Signs like a generic provider: the header value for `body` (tests and tools).
pub fn sign_hmac(secret: &str, encoding: SignatureEncoding, body: &[u8]) -> String {
    let mut m = mac(&Secret(secret.into()));
    m.update(body);
    let raw = m.finalize().into_bytes();
    match encoding {
        SignatureEncoding::Hex => hex::encode(raw),
        SignatureEncoding::Base64 => base64::engine::general_purpose::STANDARD.encode(raw),
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads a verified Stripe event. Acted on:
/// - paid: `checkout.session.completed` and `checkout.session.async_payment_succeeded`
///   with `payment_status` `paid` (else ignored: an asynchronous method has not paid
///   yet), `payment_intent.succeeded`, `charge.succeeded`;
/// - refunded: `charge.refunded` with `refunded: true` (a partial refund is logged as
///   ignored: the operator decides what to take back).
///
/// The payment id is the PaymentIntent (`pi_...`) whichever of these events names it
/// (the session's `payment_intent`, the intent's `id`, the charge's `payment_intent`),
/// so a payment credits once even when several of them are subscribed, and its refund
/// finds it; a session without one uses the session id. Player: `metadata.player_id`;
/// product: `metadata.product`, else `metadata.price_id`. Errors: `INVALID_ARGUMENT`
/// when the body is not a JSON event.
pub fn parse_stripe_event(body: &[u8]) -> Result<WebhookEvent> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| Error::invalid("body", format!("the event is not JSON: {e}")))?;
    let event_type =
        text(v.get("type")).ok_or_else(|| Error::invalid("body", "the event has no `type`"))?;
    let obj = v.pointer("/data/object").cloned().unwrap_or(Value::Null);
    let meta = |k: &str| text(obj.pointer(&format!("/metadata/{k}")));
    let object_type = obj.get("object").and_then(Value::as_str).unwrap_or("");
    let payment_id = match object_type {
        "payment_intent" => text(obj.get("id")),
        "charge" => text(obj.get("payment_intent")).or_else(|| text(obj.get("id"))),
        _ => text(obj.get("payment_intent")).or_else(|| text(obj.get("id"))),
    };
    let action = match event_type.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            match obj.get("payment_status").and_then(Value::as_str) {
                Some("paid") | Some("no_payment_required") => EventAction::Paid,
                other => EventAction::Ignored(format!(
                    "checkout session payment_status is {}",
                    other.unwrap_or("missing")
                )),
            }
        }
        "payment_intent.succeeded" | "charge.succeeded" => EventAction::Paid,
        "charge.refunded" => {
            if obj.get("refunded").and_then(Value::as_bool) == Some(true) {
                EventAction::Refunded
            } else {
                EventAction::Ignored("a partial refund: revoke by hand if needed".into())
            }
        }
        other => EventAction::Ignored(format!("event type {other} is not acted on")),
    };
    let paid_amount = ["amount_total", "amount_received", "amount"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_i64));
    Ok(WebhookEvent {
        event_id: text(v.get("id")),
        event_type,
        action,
        payment_id,
        player: meta("player_id"),
        product: meta("product").or_else(|| meta("price_id")),
        paid_amount,
        paid_currency: text(obj.get("currency")),
    })
}

/// Reads a verified generic event through the provider's JSON pointers. Errors:
/// `INVALID_ARGUMENT` when the body is not JSON.
pub fn parse_hmac_event(provider: &HmacProviderConfig, body: &[u8]) -> Result<WebhookEvent> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| Error::invalid("body", format!("the event is not JSON: {e}")))?;
    let at = |p: &str| text(v.pointer(p));
    let event_type = at(&provider.event_type).unwrap_or_default();
    let action = if provider.paid.contains(&event_type) {
        EventAction::Paid
    } else if provider.refunded.contains(&event_type) {
        EventAction::Refunded
    } else {
        EventAction::Ignored(format!("event type '{event_type}' is not acted on"))
    };
    Ok(WebhookEvent {
        event_id: None,
        event_type,
        action,
        payment_id: at(&provider.payment_id),
        player: at(&provider.player),
        product: at(&provider.product),
        paid_amount: provider
            .amount
            .as_ref()
            .and_then(|p| v.pointer(p))
            .and_then(Value::as_i64),
        paid_currency: None,
    })
}

/// The grant parts of a product: its currency amount, then its items in order.
pub fn grant_parts(product: &PaymentProduct) -> Vec<GrantPart> {
    let mut out = Vec::new();
    if let (Some(c), Some(a)) = (&product.currency, product.amount) {
        out.push(GrantPart {
            currency: Some(c.clone()),
            item_id: None,
            amount: a,
        });
    }
    for i in &product.items {
        out.push(GrantPart {
            currency: None,
            item_id: Some(i.item_id.clone()),
            amount: i.quantity,
        });
    }
    out
}

/// The product an event's product id maps to. `None`: unknown (logged, nothing credited).
pub fn map_product<'a>(
    cfg: &'a PaymentsConfig,
    product: Option<&str>,
) -> Option<&'a PaymentProduct> {
    cfg.product(product?)
}

/// State a credit or revocation reads: the player's rows of the product's currencies
/// and items, and the catalog items.
#[derive(Debug, Clone, Default)]
pub struct Holdings {
    /// (currency, row) for each currency part.
    pub balances: Vec<(String, BalanceRow)>,
    /// Rows of the product's items held.
    pub items: Vec<ItemRow>,
    /// Catalog entries of the product's items (an absent one fails the credit).
    pub catalog: Vec<CatalogItem>,
}

impl Holdings {
    fn balance(&self, currency: &str) -> BalanceRow {
        self.balances
            .iter()
            .find(|(c, _)| c == currency)
            .map(|(_, r)| *r)
            .unwrap_or_default()
    }
    fn item(&self, id: &str) -> Option<&ItemRow> {
        self.items.iter().find(|r| r.item_id == id)
    }
}

fn item_write(
    player: &PlayerId,
    id: &str,
    held: Option<&ItemRow>,
    quantity: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> ItemWrite {
    ItemWrite {
        player: player.clone(),
        item_id: id.to_string(),
        expected_version: held.map_or(0, |r| r.version),
        quantity,
        acquired_at: held
            .filter(|r| r.quantity > 0)
            .map_or(now, |r| r.acquired_at),
    }
}

/// Credits a paid product to `player` from `system:<source>`: the balance and item
/// writes, ledger entries (kind `grant`, reason `payment`, metadata provider, payment
/// id, product) and the `payment_received` event, and the new [`PaymentRecord`].
/// Errors: `INVALID_ARGUMENT` (unknown currency), `BALANCE_LIMIT`, `NOT_FOUND` (an item
/// not in the catalog), `ALREADY_OWNED` (a durable the player has), `STACK_LIMIT`.
#[allow(clippy::too_many_arguments)]
pub fn credit(
    cfg: &Config,
    ctx: &Ctx,
    source: &str,
    provider: &str,
    payment_id: &str,
    player: &PlayerId,
    product: &PaymentProduct,
    held: &Holdings,
) -> Result<(ChangeSet, PaymentRecord)> {
    let source = Account::system(source)?;
    let meta = json!({ "provider": provider, "payment_id": payment_id, "product": product.id });
    let mut cs = ChangeSet::default();
    let parts = grant_parts(product);
    for part in &parts {
        if let Some(currency) = &part.currency {
            let row = held.balance(currency);
            let after = apply_delta(cfg, player, currency, row.amount, part.amount)?;
            cs.balances.push(set_balance(player, currency, row, after));
            cs.balances
                .push(add_system(source.clone(), currency, -part.amount));
            cs.ledger.push(entry(
                ctx,
                EntryKind::Grant,
                currency,
                source.clone(),
                Account::Player(player.clone()),
                part.amount,
                "payment".into(),
                meta.clone(),
            ));
        } else if let Some(id) = &part.item_id {
            let item = held
                .catalog
                .iter()
                .find(|i| &i.id == id)
                .ok_or_else(|| Error::not_found("catalog item", id))?;
            let row = held.item(id);
            let have = row.map_or(0, |r| r.quantity);
            let next = match item.kind {
                ItemKind::Durable if have > 0 => {
                    return Err(Error::new(
                        ErrorCode::AlreadyOwned,
                        format!("{player} already owns '{}'", item.name),
                    )
                    .with_details(json!({ "item_id": id })))
                }
                ItemKind::Durable => 1,
                ItemKind::Consumable => {
                    let max = item.max_stack.unwrap_or(i64::MAX);
                    match have.checked_add(part.amount) {
                        Some(n) if n <= max => n,
                        _ => {
                            return Err(Error::new(ErrorCode::StackLimit, format!("a stack of '{}' holds at most {max}", item.name))
                                .with_details(json!({ "item_id": id, "held": have, "requested": part.amount, "max_stack": max })))
                        }
                    }
                }
            };
            cs.items.push(item_write(player, id, row, next, ctx.now));
        }
    }
    cs.events.push(ctx.event(
        "payment_received",
        vec![player.clone()],
        json!({ "player": player, "provider": provider, "payment_id": payment_id, "product": product.id,
                "credited": parts, "transaction_id": ctx.transaction_id }),
    ));
    let record = PaymentRecord {
        provider: provider.into(),
        payment_id: payment_id.into(),
        player: Some(player.to_string()),
        product: Some(product.id.clone()),
        status: PaymentStatus::Credited,
        credited: parts,
        revoked: Vec::new(),
        shortfall: Vec::new(),
        transaction_id: Some(ctx.transaction_id.clone()),
        credited_at: Some(ctx.now),
        refunded_at: None,
    };
    Ok((cs, record))
}

/// Takes back what a refunded payment credited, back to `system:<source>` (ledger kind
/// `spend`, reason `refund`): each part as far as the player still holds it, never below
/// zero; what is missing is the shortfall (SPEC.md: "a balance may then go to zero, not
/// below: the shortfall is recorded"). Returns the change set (with the
/// `payment_refunded` event) and the record updated to `refunded`. A record that is not
/// `credited` is returned unchanged with an empty set.
pub fn revoke(
    ctx: &Ctx,
    source: &str,
    record: &PaymentRecord,
    player: &PlayerId,
    held: &Holdings,
) -> Result<(ChangeSet, PaymentRecord)> {
    let mut cs = ChangeSet::default();
    if record.status != PaymentStatus::Credited {
        return Ok((cs, record.clone()));
    }
    let source = Account::system(source)?;
    let meta = json!({ "provider": record.provider, "payment_id": record.payment_id, "product": record.product });
    let (mut revoked, mut shortfall) = (Vec::new(), Vec::new());
    for part in &record.credited {
        let take = if let Some(currency) = &part.currency {
            let row = held.balance(currency);
            let take = row.amount.clamp(0, part.amount);
            if take > 0 {
                cs.balances
                    .push(set_balance(player, currency, row, row.amount - take));
                cs.balances.push(add_system(source.clone(), currency, take));
                cs.ledger.push(entry(
                    ctx,
                    EntryKind::Spend,
                    currency,
                    Account::Player(player.clone()),
                    source.clone(),
                    take,
                    "refund".into(),
                    meta.clone(),
                ));
            }
            take
        } else if let Some(id) = &part.item_id {
            let row = held.item(id);
            let have = row.map_or(0, |r| r.quantity);
            let take = have.clamp(0, part.amount);
            if take > 0 {
                cs.items
                    .push(item_write(player, id, row, have - take, ctx.now));
            }
            take
        } else {
            continue;
        };
        if take > 0 {
            revoked.push(GrantPart {
                amount: take,
                ..part.clone()
            });
        }
        if take < part.amount {
            shortfall.push(GrantPart {
                amount: part.amount - take,
                ..part.clone()
            });
        }
    }
    cs.events.push(ctx.event(
        "payment_refunded",
        vec![player.clone()],
        json!({ "player": player, "provider": record.provider, "payment_id": record.payment_id,
                "product": record.product, "revoked": revoked, "shortfall": shortfall,
                "transaction_id": ctx.transaction_id }),
    ));
    let mut after = record.clone();
    after.status = PaymentStatus::Refunded;
    after.revoked = revoked;
    after.shortfall = shortfall;
    after.refunded_at = Some(ctx.now);
    Ok((cs, after))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::ProductItem;
    use crate::ports::SequentialIds;
    use crate::types::Currency;
    use std::sync::Arc;

    const SECRET: &str = "whsec_test_secret";

    fn cfg() -> Config {
        Config::new(vec![Currency {
            code: "gems".into(),
            max_balance: Some(1000),
        }])
        .unwrap()
    }
    fn ctx() -> Ctx {
        Ctx::new(
            &cfg(),
            chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            Arc::new(SequentialIds::new("t")),
        )
    }
    fn gems(n: i64) -> PaymentProduct {
        PaymentProduct {
            id: "gems_100".into(),
            currency: Some("gems".into()),
            amount: Some(n),
            items: vec![],
        }
    }
    fn player() -> PlayerId {
        "p1".parse().unwrap()
    }

    #[test]
    fn parses_a_header_with_several_signatures_and_skips_other_schemes() {
        let s = parse_stripe_signature("t=12,v1=00ff,v0=zz,v1=ab").unwrap();
        assert_eq!(s.timestamp, 12);
        assert_eq!(s.v1, vec![vec![0, 255], vec![0xab]]);
        for bad in ["v1=00", "t=12", "t=x,v1=00", "t=12,v1=zz", ""] {
            let e = parse_stripe_signature(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::Unauthenticated, "{bad}");
        }
    }

    #[test]
    fn verifies_stripe_signatures_within_the_window_only() {
        let body = br#"{"id":"evt_1"}"#;
        let now = 1_700_000_000;
        let h = sign_stripe(SECRET, now, body);
        let secrets = [Secret(SECRET.into())];
        verify_stripe(Some(&h), body, &secrets, now + 300, 300).unwrap();
        verify_stripe(Some(&h), body, &secrets, now - 300, 300).unwrap();
        for (hdr, b, at) in [
            (h.clone(), &br#"{"id":"evt_2"}"#[..], now),
            (h.clone(), &body[..], now + 301),
            (h.clone(), &body[..], now - 301),
            (sign_stripe("whsec_other", now, body), &body[..], now),
        ] {
            let e = verify_stripe(Some(&hdr), b, &secrets, at, 300).unwrap_err();
            assert_eq!(e.code, ErrorCode::Unauthenticated);
        }
        assert!(verify_stripe(None, body, &secrets, now, 300).is_err());
    }

    #[test]
    fn accepts_any_of_several_secrets_and_signatures_during_rotation() {
        let body = b"{}";
        let now = 100;
        let old = sign_stripe("whsec_old", now, body);
        let new = sign_stripe("whsec_new", now, body);
        let both = format!("{new},v1={}", old.split("v1=").nth(1).unwrap());
        let rotating = [Secret("whsec_old".into()), Secret("whsec_new".into())];
        verify_stripe(Some(&old), body, &rotating, now, 300).unwrap();
        verify_stripe(Some(&new), body, &rotating, now, 300).unwrap();
        verify_stripe(Some(&both), body, &[Secret("whsec_old".into())], now, 300).unwrap();
        assert!(verify_stripe(Some(&new), body, &[Secret("whsec_old".into())], now, 300).is_err());
    }

    fn provider(encoding: SignatureEncoding, prefix: Option<&str>) -> HmacProviderConfig {
        HmacProviderConfig {
            name: "shop".into(),
            header: "X-Signature".into(),
            secrets: vec![Secret("s1".into()), Secret("s2".into())],
            encoding,
            prefix: prefix.map(str::to_string),
            event_type: "/type".into(),
            paid: vec!["paid".into()],
            refunded: vec!["refund".into()],
            payment_id: "/data/id".into(),
            player: "/data/player".into(),
            product: "/data/sku".into(),
            amount: Some("/data/cents".into()),
        }
    }

    #[test]
    fn verifies_generic_hmac_in_hex_and_base64_with_a_prefix() {
        let body = br#"{"type":"paid"}"#;
        let hex_p = provider(SignatureEncoding::Hex, None);
        verify_hmac(
            &hex_p,
            Some(&sign_hmac("s2", SignatureEncoding::Hex, body)),
            body,
        )
        .unwrap();
        let b64 = provider(SignatureEncoding::Base64, Some("sha256="));
        let h = format!(
            "sha256={}",
            sign_hmac("s1", SignatureEncoding::Base64, body)
        );
        verify_hmac(&b64, Some(&h), body).unwrap();
        for (p, h) in [
            (&hex_p, sign_hmac("s3", SignatureEncoding::Hex, body)),
            (&hex_p, "not hex".to_string()),
            (&b64, sign_hmac("s1", SignatureEncoding::Base64, body)),
        ] {
            assert_eq!(
                verify_hmac(p, Some(&h), body).unwrap_err().code,
                ErrorCode::Unauthenticated
            );
        }
        assert!(verify_hmac(
            &hex_p,
            Some(&sign_hmac("s1", SignatureEncoding::Hex, body)),
            b"{}"
        )
        .is_err());
    }

    #[test]
    fn reads_stripe_events_by_payment_intent() {
        let session = json!({"id":"evt_1","type":"checkout.session.completed","data":{"object":{
            "object":"checkout.session","id":"cs_1","payment_intent":"pi_1","payment_status":"paid",
            "amount_total":499,"currency":"usd","metadata":{"player_id":"p1","product":"gems_100"}}}});
        let e = parse_stripe_event(session.to_string().as_bytes()).unwrap();
        assert_eq!(e.action, EventAction::Paid);
        assert_eq!(e.payment_id.as_deref(), Some("pi_1"));
        assert_eq!(e.player.as_deref(), Some("p1"));
        assert_eq!(e.product.as_deref(), Some("gems_100"));
        assert_eq!(e.paid_amount, Some(499));
        let intent = json!({"type":"payment_intent.succeeded","data":{"object":{"object":"payment_intent","id":"pi_1","metadata":{"price_id":"price_9"}}}});
        let e = parse_stripe_event(intent.to_string().as_bytes()).unwrap();
        assert_eq!(
            (e.payment_id.as_deref(), e.product.as_deref()),
            (Some("pi_1"), Some("price_9"))
        );
        let refund = json!({"type":"charge.refunded","data":{"object":{"object":"charge","id":"ch_1","payment_intent":"pi_1","refunded":true}}});
        let e = parse_stripe_event(refund.to_string().as_bytes()).unwrap();
        assert_eq!(
            (e.action, e.payment_id.as_deref()),
            (EventAction::Refunded, Some("pi_1"))
        );
        let partial = json!({"type":"charge.refunded","data":{"object":{"object":"charge","payment_intent":"pi_1","refunded":false}}});
        assert!(matches!(
            parse_stripe_event(partial.to_string().as_bytes())
                .unwrap()
                .action,
            EventAction::Ignored(_)
        ));
        let unpaid = json!({"type":"checkout.session.completed","data":{"object":{"object":"checkout.session","id":"cs_2","payment_status":"unpaid"}}});
        let e = parse_stripe_event(unpaid.to_string().as_bytes()).unwrap();
        assert!(matches!(e.action, EventAction::Ignored(_)));
        assert_eq!(e.payment_id.as_deref(), Some("cs_2"));
        assert!(matches!(
            parse_stripe_event(br#"{"type":"customer.created"}"#)
                .unwrap()
                .action,
            EventAction::Ignored(_)
        ));
        assert_eq!(
            parse_stripe_event(b"nope").unwrap_err().code,
            ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn reads_generic_events_through_pointers() {
        let p = provider(SignatureEncoding::Hex, None);
        let body =
            json!({"type":"paid","data":{"id":77,"player":"p1","sku":"gems_100","cents":250}});
        let e = parse_hmac_event(&p, body.to_string().as_bytes()).unwrap();
        assert_eq!(e.action, EventAction::Paid);
        assert_eq!(e.payment_id.as_deref(), Some("77"));
        assert_eq!(e.paid_amount, Some(250));
        let e = parse_hmac_event(&p, br#"{"type":"refund","data":{"id":"77"}}"#).unwrap();
        assert_eq!(e.action, EventAction::Refunded);
    }

    #[test]
    fn maps_products_by_id() {
        let c = PaymentsConfig {
            products: vec![gems(100)],
            ..Default::default()
        };
        assert_eq!(map_product(&c, Some("gems_100")).unwrap().amount, Some(100));
        assert!(map_product(&c, Some("nope")).is_none());
        assert!(map_product(&c, None).is_none());
        c.check().unwrap();
        let bad = PaymentsConfig {
            products: vec![PaymentProduct {
                id: "x".into(),
                currency: Some("gems".into()),
                amount: None,
                items: vec![],
            }],
            ..Default::default()
        };
        assert!(bad.check().is_err());
    }

    #[test]
    fn credits_then_revokes_with_a_shortfall_never_below_zero() {
        let (cs, rec) = credit(
            &cfg(),
            &ctx(),
            "payments",
            "stripe",
            "pi_1",
            &player(),
            &gems(100),
            &Holdings::default(),
        )
        .unwrap();
        assert_eq!(cs.ledger.len(), 1);
        assert_eq!(cs.events[0].kind, "payment_received");
        assert_eq!(rec.status, PaymentStatus::Credited);
        // The player spent 70 of the 100.
        let held = Holdings {
            balances: vec![(
                "gems".into(),
                BalanceRow {
                    amount: 30,
                    version: 2,
                },
            )],
            ..Default::default()
        };
        let (cs, after) = revoke(&ctx(), "payments", &rec, &player(), &held).unwrap();
        assert_eq!(after.status, PaymentStatus::Refunded);
        assert_eq!(after.revoked[0].amount, 30);
        assert_eq!(after.shortfall[0].amount, 70);
        assert!(matches!(
            cs.balances[0],
            crate::ports::BalanceWrite::Set {
                amount: 0,
                expected_version: 2,
                ..
            }
        ));
        // A second revocation of the refunded record changes nothing.
        let (cs, same) = revoke(&ctx(), "payments", &after, &player(), &held).unwrap();
        assert!(cs.is_empty());
        assert_eq!(same, after);
    }

    #[test]
    fn a_credit_past_the_maximum_or_of_an_unknown_item_fails_whole() {
        let e = credit(
            &cfg(),
            &ctx(),
            "payments",
            "stripe",
            "pi",
            &player(),
            &gems(1001),
            &Holdings::default(),
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::BalanceLimit);
        let mut p = gems(1);
        p.items.push(ProductItem {
            item_id: "ghost".into(),
            quantity: 1,
        });
        assert_eq!(
            credit(
                &cfg(),
                &ctx(),
                "payments",
                "stripe",
                "pi",
                &player(),
                &p,
                &Holdings::default()
            )
            .unwrap_err()
            .code,
            ErrorCode::NotFound
        );
    }
}
