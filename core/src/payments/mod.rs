//! Payment webhooks (SPEC.md "Payments in, notifications out", and Economy: "a payment
//! provider's webhook becomes a `grant` whose idempotency key is the provider's payment
//! id"). Decisions live in [`rules`] (signature checks, event parsing, the product map,
//! the credit and the revocation as change sets); orchestration in
//! `core/src/service/payments.rs`.
//!
//! State, all versioned documents (no table of its own):
//! - one [`PaymentRecord`] per provider payment (kind `payment`, id
//!   `<provider>:<payment id>`): what the payment credited and, after a refund, what was
//!   taken back and what could not be (the shortfall). Created with version 0 in the
//!   commit that credits, so two deliveries of one payment (redelivered, concurrent, or
//!   two event kinds naming the same payment) credit once: the second one's commit
//!   meets the first one's record (`CONFLICT`, retried, then read as a replay). The
//!   record is never pruned, unlike idempotency records (24 h), so a webhook redelivered
//!   days later still credits nothing.
//! - one [`PaymentLogEntry`] per verified delivery (kind `payment_log`), whatever its
//!   outcome, written in the commit of the credit or refund it records; ids sort newest
//!   first ([`log_id`]).
//!
//! A delivery whose signature does not verify is refused (`UNAUTHENTICATED`, HTTP 401)
//! before anything is read or written.

pub mod rules;

use crate::docs::Document;
use crate::error::{Error, Result};
use crate::types::Amount;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A configured secret: shown as `<redacted>` in debug output.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = String)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// `[payments]`: providers, their secrets, and the product map. Every key optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PaymentsConfig {
    /// Largest age of a Stripe signature's timestamp, seconds (default 300, as Stripe's
    /// own libraries; 1 to 86 400). Older or further in the future: refused (replay).
    pub tolerance_secs: i64,
    /// System account paid grants come from and refunds go back to (default
    /// `payments`: `system:payments`).
    pub source: String,
    /// Stripe (`POST /v1/webhooks/stripe`); absent: the route answers `NOT_FOUND`.
    pub stripe: Option<StripeConfig>,
    /// Providers signing with a plain HMAC-SHA256 of the body
    /// (`POST /v1/webhooks/hmac/{name}`).
    pub hmac: Vec<HmacProviderConfig>,
    /// What a paid product credits, by product id or price id.
    pub products: Vec<PaymentProduct>,
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        Self {
            tolerance_secs: 300,
            source: "payments".into(),
            stripe: None,
            hmac: Vec::new(),
            products: Vec::new(),
        }
    }
}

/// `[payments.stripe]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StripeConfig {
    /// Endpoint signing secrets (`whsec_...`); more than one while rotating: a signature
    /// by any of them is accepted.
    pub secrets: Vec<Secret>,
}

/// How a generic provider encodes its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SignatureEncoding {
    /// Lower- or upper-case hex (default).
    #[default]
    Hex,
    /// Standard base64 with padding.
    Base64,
}

/// `[[payments.hmac]]`: a provider signing the raw body with HMAC-SHA256 in one header.
/// Paths are JSON pointers (RFC 6901) into the event body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HmacProviderConfig {
    /// Provider name, 1-32 of `[a-z0-9_-]` (not `stripe`); the route's `{provider}`.
    pub name: String,
    /// Header carrying the signature, e.g. `X-Signature`.
    pub header: String,
    /// Secrets; more than one while rotating.
    pub secrets: Vec<Secret>,
    /// `hex` (default) or `base64`.
    #[serde(default)]
    pub encoding: SignatureEncoding,
    /// A prefix the header value starts with, removed before decoding (e.g. `sha256=`).
    #[serde(default)]
    pub prefix: Option<String>,
    /// Pointer to the event type (default `/type`).
    #[serde(default = "default_type_path")]
    pub event_type: String,
    /// Event types that mean "paid" (default `["payment.succeeded"]`).
    #[serde(default = "default_paid")]
    pub paid: Vec<String>,
    /// Event types that mean "refunded in full" (default `["payment.refunded"]`).
    #[serde(default = "default_refunded")]
    pub refunded: Vec<String>,
    /// Pointer to the payment id (default `/data/id`).
    #[serde(default = "default_payment_id_path")]
    pub payment_id: String,
    /// Pointer to the player id (default `/data/player_id`).
    #[serde(default = "default_player_path")]
    pub player: String,
    /// Pointer to the product id (default `/data/product`).
    #[serde(default = "default_product_path")]
    pub product: String,
    /// Pointer to the amount paid, in the provider's smallest unit (optional; logged).
    #[serde(default)]
    pub amount: Option<String>,
}

fn default_type_path() -> String {
    "/type".into()
}
fn default_paid() -> Vec<String> {
    vec!["payment.succeeded".into()]
}
fn default_refunded() -> Vec<String> {
    vec!["payment.refunded".into()]
}
fn default_payment_id_path() -> String {
    "/data/id".into()
}
fn default_player_path() -> String {
    "/data/player_id".into()
}
fn default_product_path() -> String {
    "/data/product".into()
}

/// Units of a catalog item a product grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductItem {
    /// Catalog item id.
    pub item_id: String,
    /// Units, >= 1 (default 1; a durable grants one).
    #[serde(default = "one")]
    pub quantity: i64,
}

fn one() -> i64 {
    1
}

/// `[[payments.products]]`: what one paid product credits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentProduct {
    /// The product id the event names (metadata `product`), or a Stripe price id
    /// (metadata `price_id`), 1-128 bytes.
    pub id: String,
    /// Currency credited (with `amount`).
    #[serde(default)]
    pub currency: Option<String>,
    /// Smallest units credited, > 0 (with `currency`).
    #[serde(default)]
    pub amount: Option<Amount>,
    /// Catalog items granted.
    #[serde(default)]
    pub items: Vec<ProductItem>,
}

impl PaymentsConfig {
    /// Checks the section (key names in messages as `payments.<key>`). Errors:
    /// `INVALID_ARGUMENT`. Currencies and items are checked against the catalog when a
    /// payment credits them (an unknown one is logged as `failed`).
    pub fn check(&self) -> Result<()> {
        if !(1..=86_400).contains(&self.tolerance_secs) {
            return Err(Error::invalid(
                "payments.tolerance_secs",
                "payments.tolerance_secs must be between 1 and 86400",
            ));
        }
        crate::types::Account::system(&self.source).map_err(|_| {
            Error::invalid("payments.source", "payments.source is 1-64 of [a-z0-9_.-]")
        })?;
        if let Some(s) = &self.stripe {
            if s.secrets.is_empty() || s.secrets.iter().any(|x| x.0.is_empty()) {
                return Err(Error::invalid(
                    "payments.stripe.secrets",
                    "payments.stripe.secrets lists at least one non-empty secret",
                ));
            }
        }
        for (i, p) in self.hmac.iter().enumerate() {
            let key = format!("payments.hmac[\"{}\"]", p.name);
            let name_ok = !p.name.is_empty()
                && p.name.len() <= 32
                && p.name != "stripe"
                && p.name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
                });
            if !name_ok {
                return Err(Error::invalid(
                    &format!("{key}.name"),
                    "a provider name is 1-32 of [a-z0-9_-], not `stripe`",
                ));
            }
            if self.hmac[..i].iter().any(|o| o.name == p.name) {
                return Err(Error::invalid(&key, "this provider is configured twice"));
            }
            if axum_header_ok(&p.header).is_err() {
                return Err(Error::invalid(
                    &format!("{key}.header"),
                    "header is an HTTP header name",
                ));
            }
            if p.secrets.is_empty() || p.secrets.iter().any(|x| x.0.is_empty()) {
                return Err(Error::invalid(
                    &format!("{key}.secrets"),
                    "list at least one non-empty secret",
                ));
            }
            for (field, path) in [
                ("event_type", Some(&p.event_type)),
                ("payment_id", Some(&p.payment_id)),
                ("player", Some(&p.player)),
                ("product", Some(&p.product)),
                ("amount", p.amount.as_ref()),
            ] {
                if let Some(path) = path {
                    if !(path.is_empty() || path.starts_with('/')) {
                        return Err(Error::invalid(
                            &format!("{key}.{field}"),
                            "a JSON pointer starts with `/`",
                        ));
                    }
                }
            }
        }
        for (i, p) in self.products.iter().enumerate() {
            let key = format!("payments.products[\"{}\"]", p.id);
            crate::types::check_text(&key, &p.id, 1, 128)?;
            if self.products[..i].iter().any(|o| o.id == p.id) {
                return Err(Error::invalid(&key, "this product id appears twice"));
            }
            match (&p.currency, p.amount) {
                (None, None) if p.items.is_empty() => {
                    return Err(Error::invalid(
                        &key,
                        "a product credits a currency amount or items",
                    ))
                }
                (Some(_), Some(a)) if a <= 0 => {
                    return Err(Error::invalid(&format!("{key}.amount"), "amount is > 0"))
                }
                (Some(_), None) | (None, Some(_)) => {
                    return Err(Error::invalid(&key, "currency and amount go together"))
                }
                _ => {}
            }
            if p.items
                .iter()
                .any(|i| i.quantity < 1 || i.item_id.is_empty())
            {
                return Err(Error::invalid(
                    &format!("{key}.items"),
                    "each item has an item_id and a quantity >= 1",
                ));
            }
        }
        Ok(())
    }

    /// The product with this id. `None`: not in the map.
    pub fn product(&self, id: &str) -> Option<&PaymentProduct> {
        self.products.iter().find(|p| p.id == id)
    }

    /// The generic provider with this name.
    pub fn hmac_provider(&self, name: &str) -> Option<&HmacProviderConfig> {
        self.hmac.iter().find(|p| p.name == name)
    }
}

fn axum_header_ok(name: &str) -> std::result::Result<(), ()> {
    if !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(())
    } else {
        Err(())
    }
}

/// What a verified event asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventAction {
    /// A completed payment: credit the product.
    Paid,
    /// A payment refunded in full: revoke what it credited.
    Refunded,
    /// Nothing to do; the reason is logged.
    Ignored(String),
}

/// A verified event as the rules read it (provider-neutral).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// The provider's event id, when it has one (Stripe `evt_...`).
    pub event_id: Option<String>,
    /// The provider's event type, e.g. `checkout.session.completed`.
    pub event_type: String,
    /// What to do.
    pub action: EventAction,
    /// The payment id (Stripe: the PaymentIntent `pi_...`, else the Checkout Session).
    pub payment_id: Option<String>,
    /// The player to credit (metadata `player_id`).
    pub player: Option<String>,
    /// The product (metadata `product`, else `price_id`).
    pub product: Option<String>,
    /// Money paid, in the provider's smallest unit (logged, not used to credit).
    pub paid_amount: Option<i64>,
    /// Currency of the money paid (ISO code, as the provider sends it).
    pub paid_currency: Option<String>,
}

/// Where a payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Credited.
    Credited,
    /// Credited, then refunded (what was taken back in `revoked`, the rest in `shortfall`).
    Refunded,
    /// A refund arrived before any paid event: nothing credited, and a later paid event
    /// credits nothing.
    RefundedBeforeCredit,
}

/// One part of a product's grant (a currency amount or units of an item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GrantPart {
    /// Currency code (a currency part).
    #[serde(default)]
    pub currency: Option<String>,
    /// Catalog item id (an item part).
    #[serde(default)]
    pub item_id: Option<String>,
    /// Smallest units of the currency, or units of the item.
    pub amount: i64,
}

/// A provider payment as guildhall saw it (kind `payment`, id `<provider>:<payment id>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PaymentRecord {
    /// Provider name (`stripe` or a `[[payments.hmac]]` name).
    pub provider: String,
    /// The provider's payment id.
    pub payment_id: String,
    /// The player credited (`None` for a refund seen before any payment).
    #[serde(default)]
    pub player: Option<String>,
    /// The product credited.
    #[serde(default)]
    pub product: Option<String>,
    /// Where it stands.
    pub status: PaymentStatus,
    /// What the payment credited.
    #[serde(default)]
    pub credited: Vec<GrantPart>,
    /// What the refund took back.
    #[serde(default)]
    pub revoked: Vec<GrantPart>,
    /// What the refund could not take back (the player had spent or traded it).
    #[serde(default)]
    pub shortfall: Vec<GrantPart>,
    /// Transaction of the credit.
    #[serde(default)]
    pub transaction_id: Option<String>,
    /// When credited, UTC.
    #[serde(default)]
    pub credited_at: Option<DateTime<Utc>>,
    /// When refunded, UTC.
    #[serde(default)]
    pub refunded_at: Option<DateTime<Utc>>,
}

impl Document for PaymentRecord {
    const KIND: &'static str = "payment";
}

/// The document id of a provider's payment.
pub fn record_id(provider: &str, payment_id: &str) -> String {
    format!("{provider}:{payment_id}")
}

/// What a verified delivery came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentOutcome {
    /// The product was credited.
    Credited,
    /// The payment was credited before: nothing credited again.
    Replay,
    /// Refunded: everything credited was taken back.
    Refunded,
    /// Refunded, but the player no longer held all of it: `shortfall` says what is
    /// missing (balances stop at zero).
    RefundedShortfall,
    /// The refund was processed before: nothing taken again.
    RefundReplay,
    /// A refund for a payment never credited: recorded, so a late paid event credits
    /// nothing.
    RefundedBeforeCredit,
    /// A paid event for a payment refunded before it was credited: nothing credited.
    AlreadyRefunded,
    /// An event kind or state guildhall does not act on (e.g. an unpaid session, a
    /// partial refund).
    Ignored,
    /// The product is not in `[[payments.products]]`: nothing credited.
    UnknownProduct,
    /// The event names no player (metadata `player_id`) or an invalid one.
    MissingPlayer,
    /// The event carries no payment id.
    MissingPaymentId,
    /// The credit was refused (e.g. `BALANCE_LIMIT`, `ALREADY_OWNED`, an unknown item):
    /// nothing credited; `message` says why.
    Failed,
}

/// One verified delivery and its outcome (kind `payment_log`), for the operator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PaymentLogEntry {
    /// Entry id (sorts newest first).
    pub id: String,
    /// When received, UTC.
    pub at: DateTime<Utc>,
    /// Provider name.
    pub provider: String,
    /// The provider's event id.
    #[serde(default)]
    pub event_id: Option<String>,
    /// The provider's event type.
    pub event_type: String,
    /// The payment id.
    #[serde(default)]
    pub payment_id: Option<String>,
    /// The player.
    #[serde(default)]
    pub player: Option<String>,
    /// The product.
    #[serde(default)]
    pub product: Option<String>,
    /// What came of it.
    pub outcome: PaymentOutcome,
    /// A human explanation.
    pub message: String,
    /// Transaction of the credit or refund committed with this entry.
    #[serde(default)]
    pub transaction_id: Option<String>,
    /// Money paid, the provider's smallest unit (as the event says).
    #[serde(default)]
    pub paid_amount: Option<i64>,
    /// Currency of the money paid.
    #[serde(default)]
    pub paid_currency: Option<String>,
    /// What a refund could not take back.
    #[serde(default)]
    pub shortfall: Vec<GrantPart>,
}

impl Document for PaymentLogEntry {
    const KIND: &'static str = "payment_log";
}

/// The id of a log entry written at `at`: the microseconds left until the end of time
/// (so ids sort newest first), then a unique suffix.
pub fn log_id(at: DateTime<Utc>, unique: &str) -> String {
    format!("{:019}-{unique}", i64::MAX - at.timestamp_micros())
}

/// A page of the payment log, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PaymentLogPage {
    /// Entries, newest first.
    pub entries: Vec<PaymentLogEntry>,
    /// Pass as `cursor` for the next (older) page; `None` at the end.
    pub next_cursor: Option<String>,
}

/// Filter and page of the payment log.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema, utoipa::IntoParams,
)]
#[serde(deny_unknown_fields)]
pub struct PaymentLogQuery {
    /// `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Page size, 1-200 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A delivery to verify and apply: the provider, its signature header's value and the
/// raw body, byte for byte as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// `stripe` or a `[[payments.hmac]]` name.
    pub provider: String,
    /// The signature header (`Stripe-Signature`, or the provider's configured header).
    pub signature: Option<String>,
    /// The raw body.
    pub body: Vec<u8>,
}
