//! Outbound webhooks (SPEC.md "Payments in, notifications out", outbound part; seed
//! 001's notification-service): an operator subscribes an endpoint to event kinds; the
//! outbox ([`crate::ports::Store::events_after`]) is delivered to it at least once, in
//! order, signed as the Standard Webhooks specification says, retried with capped
//! exponential backoff (with jitter) for up to `retry_budget_secs` (24 h by default),
//! then parked and shown to the operator, who can replay it.
//!
//! State is two versioned documents per endpoint: `webhook` (the subscription, written
//! by operators) and `webhook_state` (the cursor: the `seq` of the last event delivered
//! or skipped, advanced only after a 2xx answer, with the failure and parking record and
//! the last deliveries), written by the delivery worker (the HTTP host's
//! `host-http/src/webhooks.rs`) and by a replay. Decisions (signatures, payload formats,
//! backoff, parking) live in [`rules`].

pub mod rules;

use crate::docs::Document;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Delivery settings (`[webhooks]`); missing keys keep their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksConfig {
    /// Seconds an event keeps being retried after its first failed attempt before the
    /// endpoint is parked (default 86 400: 24 h).
    pub retry_budget_secs: i64,
    /// Failed attempts of one event at most before the endpoint is parked (default 50).
    pub max_attempts: u32,
    /// Wait before the first retry, milliseconds (default 5 000); doubled at each
    /// further failure, with jitter (between half and all of it).
    pub backoff_initial_ms: u64,
    /// Longest wait between two attempts, seconds (default 3 600).
    pub backoff_max_secs: u64,
    /// Seconds one delivery may take (connect, send, answer) before it counts as failed
    /// (default 10).
    pub timeout_secs: u64,
    /// Milliseconds the worker sleeps when there was nothing to deliver (default 500).
    pub poll_interval_ms: u64,
    /// Time to live of the delivery lease, seconds (default 10): one host delivers at a
    /// time; another takes over this long after the holder stopped renewing.
    pub lease_secs: i64,
    /// Events read from the outbox per endpoint and pass (default 500).
    pub batch: u32,
    /// Accept `http://` endpoints that are not on the loopback (default false: HTTPS,
    /// or plain HTTP to `localhost`/`127.0.0.1`/`[::1]` only).
    pub allow_http: bool,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        Self {
            retry_budget_secs: 24 * 3600,
            max_attempts: 50,
            backoff_initial_ms: 5_000,
            backoff_max_secs: 3_600,
            timeout_secs: 10,
            poll_interval_ms: 500,
            lease_secs: 10,
            batch: 500,
            allow_http: false,
        }
    }
}

impl WebhooksConfig {
    /// Checks the values: `retry_budget_secs` 1 to 30 days, `max_attempts` 1 to 10 000,
    /// `backoff_initial_ms` 1 to 3 600 000, `backoff_max_secs` 1 to 86 400,
    /// `timeout_secs` 1 to 300, `poll_interval_ms` 1 to 60 000, `lease_secs` 1 to 3 600,
    /// `batch` 1 to 1 000. Errors: `INVALID_ARGUMENT` naming the key (`webhooks.<key>`).
    pub fn check(&self) -> Result<()> {
        for (key, ok, range) in [
            (
                "retry_budget_secs",
                (1..=30 * 86_400).contains(&self.retry_budget_secs),
                "1 to 2592000",
            ),
            (
                "max_attempts",
                (1..=10_000).contains(&self.max_attempts),
                "1 to 10000",
            ),
            (
                "backoff_initial_ms",
                (1..=3_600_000).contains(&self.backoff_initial_ms),
                "1 to 3600000",
            ),
            (
                "backoff_max_secs",
                (1..=86_400).contains(&self.backoff_max_secs),
                "1 to 86400",
            ),
            (
                "timeout_secs",
                (1..=300).contains(&self.timeout_secs),
                "1 to 300",
            ),
            (
                "poll_interval_ms",
                (1..=60_000).contains(&self.poll_interval_ms),
                "1 to 60000",
            ),
            (
                "lease_secs",
                (1..=3600).contains(&self.lease_secs),
                "1 to 3600",
            ),
            ("batch", (1..=1000).contains(&self.batch), "1 to 1000"),
        ] {
            if !ok {
                let field = format!("webhooks.{key}");
                return Err(Error::invalid(&field, format!("{field} is {range}")));
            }
        }
        Ok(())
    }
}

/// What a delivery's body looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// Standard Webhooks: `{"type": kind, "timestamp": at, "data": event}`.
    #[default]
    Standard,
    /// A Discord channel webhook: `{"content": "<text describing the event>"}`.
    Discord,
    /// A Telegram bot's `sendMessage`: `{"chat_id": ..., "text": ...}`; the endpoint is
    /// `https://api.telegram.org/bot<token>/sendMessage`.
    Telegram,
}

/// An endpoint subscribed to event kinds (document kind `webhook`, id = its id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WebhookSubscription {
    /// Id (`wh_...`).
    pub id: String,
    /// Where deliveries are POSTed (HTTPS; plain HTTP to the loopback).
    pub url: String,
    /// Event kinds delivered; `*` is every kind except `code_issued` (one-time codes
    /// reach only an endpoint that names that kind).
    pub kinds: Vec<String>,
    /// Signing secret, `whsec_<base64 of 24 to 64 random bytes>` (Standard Webhooks).
    pub secret: String,
    /// Body format.
    pub format: WebhookFormat,
    /// Telegram chat id (format `telegram` only).
    pub chat_id: Option<String>,
    /// Operator's note.
    pub description: Option<String>,
    /// Created, UTC. Events committed before it are not delivered.
    pub created_at: DateTime<Utc>,
    /// Last change, UTC.
    pub updated_at: DateTime<Utc>,
}

impl Document for WebhookSubscription {
    const KIND: &'static str = "webhook";
}

impl WebhookSubscription {
    /// Whether an event of `kind` goes to this endpoint.
    pub fn wants(&self, kind: &str) -> bool {
        self.kinds
            .iter()
            .any(|k| k == kind || (k == "*" && kind != CODE_ISSUED))
    }
}

/// The event kind carrying a one-time code to the `webhook` code channel.
pub const CODE_ISSUED: &str = "code_issued";

/// One delivery attempt, as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryAttempt {
    /// The event (also the `webhook-id` header).
    pub event_id: String,
    /// Its outbox position.
    pub event_seq: i64,
    /// Its kind.
    pub kind: String,
    /// When the attempt was made, UTC.
    pub at: DateTime<Utc>,
    /// HTTP status answered, if any.
    pub status: Option<u16>,
    /// True for a 2xx answer.
    pub ok: bool,
    /// What went wrong (status and the start of the body, or the transport error).
    pub error: Option<String>,
    /// Milliseconds the attempt took.
    pub duration_ms: u64,
}

/// Deliveries kept per endpoint in [`WebhookState::recent`].
pub const RECENT_ATTEMPTS: usize = 20;

/// Delivery progress of one endpoint (document kind `webhook_state`, id = the
/// subscription id).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WebhookState {
    /// `seq` of the last event delivered with a 2xx answer (or skipped: not wanted, or
    /// older than the subscription). Delivery resumes after it.
    pub cursor: i64,
    /// Events delivered so far.
    pub delivered: u64,
    /// Failed attempts of the event at the head (0 when the last attempt succeeded).
    pub attempts: u32,
    /// First failed attempt of the head event, UTC.
    pub first_failure_at: Option<DateTime<Utc>>,
    /// The head event is not retried before this instant, UTC.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The head event's id while it fails.
    pub failing_event: Option<String>,
    /// The last failure.
    pub last_error: Option<String>,
    /// Set when the retry budget or `max_attempts` ran out: nothing more is delivered to
    /// this endpoint until an operator replays it. UTC.
    pub parked_at: Option<DateTime<Utc>>,
    /// Last successful delivery, UTC.
    pub last_delivered_at: Option<DateTime<Utc>>,
    /// The last [`RECENT_ATTEMPTS`] attempts, newest first.
    pub recent: Vec<DeliveryAttempt>,
}

impl Document for WebhookState {
    const KIND: &'static str = "webhook_state";
}

/// A subscription with its delivery progress (`GET /v1/admin/webhooks/...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WebhookView {
    /// The subscription.
    pub subscription: WebhookSubscription,
    /// Its delivery progress.
    pub state: WebhookState,
}

/// `put_webhook` request: a new subscription (`id` absent) or a replacement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutWebhookRequest {
    /// Endpoint URL, at most 2 048 bytes: `https://...` (or plain HTTP to the loopback,
    /// or anywhere with `[webhooks] allow_http`).
    pub url: String,
    /// Event kinds (1 to 100; `*`: every kind but `code_issued`).
    pub kinds: Vec<String>,
    /// `standard` (default), `discord` or `telegram`.
    #[serde(default)]
    pub format: WebhookFormat,
    /// Telegram chat id, required with format `telegram`.
    #[serde(default)]
    pub chat_id: Option<String>,
    /// Signing secret `whsec_<base64>`; absent: a new one for a new subscription, the
    /// current one for a replacement.
    #[serde(default)]
    pub secret: Option<String>,
    /// Operator's note, at most 500 bytes.
    #[serde(default)]
    pub description: Option<String>,
}
