//! The outbound webhook delivery worker (SPEC.md "Payments in, notifications out"):
//! reads the outbox after each endpoint's cursor, POSTs every event the endpoint wants
//! in order, signed as Standard Webhooks says (`webhook-id` = the event id,
//! `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`), and saves the
//! endpoint's progress (`webhook_state`) under its version after each run: the cursor
//! moves past an event only after a 2xx answer, so a host killed mid-run delivers again
//! from the last saved cursor (at least once, in order). A failure stops the endpoint's
//! run and schedules its retry with capped exponential backoff and jitter; past the
//! retry budget the endpoint is parked until an operator replays it
//! ([`guildhall_core::webhooks::rules`]).
//!
//! One host delivers at a time: a pass runs only while this process holds the
//! coordinator's `webhooks` lease (`[webhooks] lease_secs`), renewed at every pass; a
//! run stops after a third of the lease's time so the lease is renewed in time. Should
//! two hosts ever both deliver (a lease lost mid-run), each still delivers in order and
//! the state's version lets one of their saves through, so a cursor never skips an
//! event. Time (backoff, parking, `webhook-timestamp`) comes from the core's clock, so
//! a test drives it with a manual clock.

use guildhall_core::docs::Versioned;
use guildhall_core::types::Event;
use guildhall_core::webhooks::{rules, DeliveryAttempt, WebhookState, WebhookSubscription};
use guildhall_core::Guildhall;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Name of the coordinator lease the delivering host holds.
pub const LEASE: &str = "webhooks";

/// The delivery worker of one host.
#[derive(Clone)]
pub struct Deliverer {
    gh: Guildhall,
    client: reqwest::Client,
    holder: String,
}

impl Deliverer {
    /// A worker delivering for `gh` as lease holder `holder` (an instance id). Errors:
    /// `UNAVAILABLE` when the HTTP client cannot be built.
    pub fn new(gh: Guildhall, holder: impl Into<String>) -> guildhall_core::Result<Self> {
        let cfg = &gh.config().webhooks;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(cfg.timeout_secs))
            .connect_timeout(Duration::from_secs(cfg.timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("guildhall-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| guildhall_core::Error::unavailable(format!("webhook client: {e}")))?;
        Ok(Self {
            gh,
            client,
            holder: holder.into(),
        })
    }

    /// One pass over every endpoint, if this host holds (or takes) the delivery lease.
    /// Returns how many events were handled: delivered, failed or skipped (0: nothing to
    /// do, or not the holder).
    pub async fn pass(&self) -> usize {
        let lease_secs = self.gh.config().webhooks.lease_secs;
        match self.gh.take_lease(LEASE, &self.holder, lease_secs).await {
            Ok(true) => {}
            Ok(false) => return 0,
            Err(e) => {
                tracing::warn!(error = %e, "cannot take the webhook delivery lease");
                return 0;
            }
        }
        let subs = match self.gh.webhook_subscriptions().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot list webhook subscriptions");
                return 0;
            }
        };
        let runs = subs.iter().map(|s| self.endpoint(s));
        futures::future::join_all(runs).await.into_iter().sum()
    }

    /// Delivers the next events of one endpoint, in order, until one fails, the batch
    /// is done, or a third of the lease's time has passed; then saves its progress.
    async fn endpoint(&self, sub: &WebhookSubscription) -> usize {
        let cfg = &self.gh.config().webhooks;
        let mut state: Versioned<WebhookState> = match self.gh.webhook_state(&sub.id).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(webhook = %sub.id, error = %e, "cannot read webhook progress");
                return 0;
            }
        };
        if !rules::due(&state.value, self.gh.clock().now()) {
            return 0;
        }
        let events = match self
            .gh
            .events_after(state.value.cursor, Some(cfg.batch))
            .await
        {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(webhook = %sub.id, error = %e, "cannot read the outbox");
                return 0;
            }
        };
        let budget = Duration::from_millis((cfg.lease_secs as u64).saturating_mul(1000) / 3);
        let started = Instant::now();
        let (mut attempted, mut changed) = (0usize, false);
        for ev in &events {
            changed = true;
            attempted += 1;
            if ev.at < sub.created_at || !sub.wants(&ev.kind) {
                state.value.cursor = ev.seq;
                continue;
            }
            let attempt = self.post(sub, ev).await;
            if attempt.ok {
                rules::delivered(&mut state.value, attempt);
            } else {
                let error = attempt.error.clone().unwrap_or_default();
                let now = self.gh.clock().now();
                if rules::failed(cfg, &mut state.value, attempt, now, rand::random::<f64>()) {
                    tracing::warn!(webhook = %sub.id, url = %sub.url, event = %ev.id,
                        attempts = state.value.attempts, error = %error,
                        "webhook endpoint parked after its retry budget; replay it from the console");
                } else {
                    tracing::info!(webhook = %sub.id, event = %ev.id, attempts = state.value.attempts,
                        retry_at = ?state.value.next_attempt_at, error = %error, "webhook delivery failed; retrying later");
                }
                break;
            }
            if started.elapsed() >= budget {
                break;
            }
        }
        if changed {
            if let Err(e) = self.gh.save_webhook_state(&state).await {
                // CONFLICT: a replay or another host wrote it first; read again next pass.
                tracing::debug!(webhook = %sub.id, error = %e, "webhook progress not saved");
            }
        }
        attempted
    }

    /// One signed POST of `ev` to the endpoint.
    async fn post(&self, sub: &WebhookSubscription, ev: &Event) -> DeliveryAttempt {
        let at = self.gh.clock().now();
        let started = Instant::now();
        let body = serde_json::to_vec(&rules::body(sub, ev)).unwrap_or_default();
        let ts = at.timestamp();
        let mut attempt = DeliveryAttempt {
            event_id: ev.id.clone(),
            event_seq: ev.seq,
            kind: ev.kind.clone(),
            at,
            status: None,
            ok: false,
            error: None,
            duration_ms: 0,
        };
        let signature = match rules::sign(&sub.secret, &ev.id, ts, &body) {
            Ok(s) => s,
            Err(e) => {
                attempt.error = Some(e.message);
                return attempt;
            }
        };
        let sent = self
            .client
            .post(&sub.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &ev.id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(resp) => {
                let status = resp.status();
                attempt.status = Some(status.as_u16());
                if status.is_success() {
                    attempt.ok = true;
                } else {
                    let text = resp.text().await.unwrap_or_default();
                    let text: String = text.chars().take(200).collect();
                    attempt.error = Some(format!("HTTP {status}: {text}"));
                }
            }
            Err(e) => {
                attempt.error = Some(format!("{e}"));
            }
        }
        attempt.duration_ms = started.elapsed().as_millis() as u64;
        attempt
    }
}

/// Runs the worker until `stop` turns `true`: a pass, then (when it attempted nothing)
/// a sleep of `[webhooks] poll_interval_ms`.
pub fn spawn(gh: Guildhall, holder: String, mut stop: watch::Receiver<bool>) -> JoinHandle<()> {
    let poll = Duration::from_millis(gh.config().webhooks.poll_interval_ms);
    tokio::spawn(async move {
        let worker = match Deliverer::new(gh, holder) {
            Ok(w) => w,
            Err(e) => {
                tracing::error!(error = %e, "outbound webhooks are off");
                return;
            }
        };
        loop {
            if *stop.borrow_and_update() {
                break;
            }
            let n = worker.pass().await;
            if n == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(poll) => {}
                    changed = stop.changed() => {
                        if changed.is_err() {
                            break;
                        }
                    }
                }
            }
        }
        tracing::debug!(job = "webhook delivery", "background job stopped");
    })
}
