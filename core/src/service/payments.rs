//! Payment webhook services (SPEC.md "Payments in, notifications out"; rules in
//! `core/src/payments/rules.rs`).
//!
//! A delivery is verified first (a bad or stale signature: `UNAUTHENTICATED`, nothing
//! read or written), then read, then applied in ONE commit with its log entry: a paid
//! event credits the mapped product and creates the payment's record; a refund takes
//! back what the record says was credited. The record (kind `payment`, id
//! `<provider>:<payment id>`) is the payment id's idempotency key: it is created with
//! version 0, so of two concurrent deliveries one commits and the other meets its
//! record on retry and is logged as a replay. Every other outcome (replay, ignored kind,
//! unknown product, a refused credit) is logged in a commit of its own that changes no
//! balance.

use super::Guildhall;
use crate::ctx::Ctx;
use crate::docs::{Document as _, Versioned};
use crate::error::{Error, ErrorCode, Result};
use crate::payments::rules::{self, Holdings};
use crate::payments::{
    log_id, record_id, EventAction, PaymentLogEntry, PaymentLogPage, PaymentLogQuery,
    PaymentOutcome, PaymentRecord, PaymentStatus, WebhookDelivery, WebhookEvent,
};
use crate::ports::ChangeSet;
use crate::types::{Account, PlayerId};

/// What one attempt decided: the change set and the log entry it carries.
type Decided = (ChangeSet, PaymentLogEntry);

impl Guildhall {
    /// The header a provider signs in: `Stripe-Signature` for `stripe`, the configured
    /// header of a `[[payments.hmac]]` provider. Errors: `NOT_FOUND` (not configured).
    pub fn payment_signature_header(&self, provider: &str) -> Result<String> {
        let cfg = &self.config.payments;
        if provider == "stripe" && cfg.stripe.is_some() {
            return Ok("Stripe-Signature".into());
        }
        cfg.hmac_provider(provider)
            .map(|p| p.header.clone())
            .ok_or_else(|| Error::not_found("payment provider", provider))
    }

    /// Verifies and applies one webhook delivery (SPEC.md Payments): see the module
    /// documentation. Returns the log entry written. Errors: `NOT_FOUND` (provider not
    /// configured), `UNAUTHENTICATED` (missing, bad or stale signature: nothing recorded),
    /// `UNAVAILABLE` (storage; the provider retries and the retry is applied once).
    pub async fn receive_payment_webhook(
        &self,
        delivery: WebhookDelivery,
    ) -> Result<PaymentLogEntry> {
        let cfg = &self.config.payments;
        let provider = delivery.provider.as_str();
        let parsed = if provider == "stripe" {
            let stripe = cfg
                .stripe
                .as_ref()
                .ok_or_else(|| Error::not_found("payment provider", provider))?;
            rules::verify_stripe(
                delivery.signature.as_deref(),
                &delivery.body,
                &stripe.secrets,
                self.clock.now().timestamp(),
                cfg.tolerance_secs,
            )?;
            rules::parse_stripe_event(&delivery.body)
        } else {
            let p = cfg
                .hmac_provider(provider)
                .ok_or_else(|| Error::not_found("payment provider", provider))?;
            rules::verify_hmac(p, delivery.signature.as_deref(), &delivery.body)?;
            rules::parse_hmac_event(p, &delivery.body)
        };
        let event = match parsed {
            Ok(e) => e,
            Err(e) => {
                let ev = WebhookEvent {
                    event_id: None,
                    event_type: String::new(),
                    action: EventAction::Ignored(e.message.clone()),
                    payment_id: None,
                    player: None,
                    product: None,
                    paid_amount: None,
                    paid_currency: None,
                };
                return self
                    .log_only(provider, &ev, PaymentOutcome::Failed, e.message)
                    .await;
            }
        };
        let Some(payment_id) = event.payment_id.clone() else {
            let outcome = match event.action {
                EventAction::Ignored(_) => PaymentOutcome::Ignored,
                _ => PaymentOutcome::MissingPaymentId,
            };
            let msg = match &event.action {
                EventAction::Ignored(why) => why.clone(),
                _ => "the event carries no payment id".into(),
            };
            return self.log_only(provider, &event, outcome, msg).await;
        };
        match event.action.clone() {
            EventAction::Ignored(why) => {
                self.log_only(provider, &event, PaymentOutcome::Ignored, why)
                    .await
            }
            EventAction::Paid => self.credit_payment(provider, &payment_id, &event).await,
            EventAction::Refunded => self.refund_payment(provider, &payment_id, &event).await,
        }
    }

    fn log_entry(
        &self,
        ctx: &Ctx,
        provider: &str,
        event: &WebhookEvent,
        outcome: PaymentOutcome,
        message: String,
    ) -> PaymentLogEntry {
        PaymentLogEntry {
            id: log_id(ctx.now, &ctx.id()),
            at: ctx.now,
            provider: provider.into(),
            event_id: event.event_id.clone(),
            event_type: event.event_type.clone(),
            payment_id: event.payment_id.clone(),
            player: event.player.clone(),
            product: event.product.clone(),
            outcome,
            message,
            transaction_id: None,
            paid_amount: event.paid_amount,
            paid_currency: event.paid_currency.clone(),
            shortfall: Vec::new(),
        }
    }

    /// Commits a log entry alone (an outcome that changes no balance).
    async fn log_only(
        &self,
        provider: &str,
        event: &WebhookEvent,
        outcome: PaymentOutcome,
        message: String,
    ) -> Result<PaymentLogEntry> {
        let message = &message;
        self.retrying("payment_log", |ctx: Ctx| {
            Box::pin(async move {
                let entry = self.log_entry(&ctx, provider, event, outcome, message.clone());
                let cs = ChangeSet {
                    docs: vec![Versioned::new(entry.id.clone(), entry.clone()).put()],
                    ..Default::default()
                };
                Ok((cs, entry))
            })
        })
        .await
    }

    /// The player's rows of a product's currencies and items, and the catalog entries.
    async fn payment_holdings(
        &self,
        player: &PlayerId,
        parts: &[crate::payments::GrantPart],
    ) -> Result<Holdings> {
        let mut held = Holdings::default();
        for part in parts {
            if let Some(c) = &part.currency {
                let row = self
                    .store
                    .balance(&Account::Player(player.clone()), c)
                    .await?;
                held.balances.push((c.clone(), row));
            }
            if let Some(id) = &part.item_id {
                if let Some(row) = self.store.item(player, id).await? {
                    held.items.push(row);
                }
                if let Some(item) = self.store.catalog_item(id).await? {
                    held.catalog.push(item);
                }
            }
        }
        Ok(held)
    }

    async fn credit_payment(
        &self,
        provider: &str,
        payment_id: &str,
        event: &WebhookEvent,
    ) -> Result<PaymentLogEntry> {
        let cfg = &self.config.payments;
        let player = match event.player.as_deref().map(str::parse::<PlayerId>) {
            Some(Ok(p)) => p,
            Some(Err(_)) | None => {
                let msg = "the event names no valid player (metadata player_id)".to_string();
                return self
                    .log_only(provider, event, PaymentOutcome::MissingPlayer, msg)
                    .await;
            }
        };
        let Some(product) = rules::map_product(cfg, event.product.as_deref()) else {
            let msg = format!(
                "product {:?} is not in [[payments.products]]",
                event.product.as_deref().unwrap_or("")
            );
            return self
                .log_only(provider, event, PaymentOutcome::UnknownProduct, msg)
                .await;
        };
        let doc_id = record_id(provider, payment_id);
        let _locked = self.stripes.lock_keys(&[player.as_str(), &doc_id]).await;
        let parts = rules::grant_parts(product);
        let (player, doc_id, parts) = (&player, &doc_id, &parts);
        let attempt = |ctx: Ctx| -> super::commit::Attempt<'_, PaymentLogEntry> {
            Box::pin(async move {
                let decided: Decided = match self.store.doc(PaymentRecord::KIND, doc_id).await? {
                    Some(doc) => {
                        let rec = Versioned::<PaymentRecord>::decode(doc)?.value;
                        let (outcome, msg) = match rec.status {
                            PaymentStatus::Credited => (PaymentOutcome::Replay, "this payment was credited before; nothing credited again".to_string()),
                            _ => (PaymentOutcome::AlreadyRefunded, "this payment was refunded before it was credited; nothing credited".to_string()),
                        };
                        let mut entry = self.log_entry(&ctx, provider, event, outcome, msg);
                        entry.transaction_id = rec.transaction_id;
                        (ChangeSet::default(), entry)
                    }
                    None => {
                        let held = self.payment_holdings(player, parts).await?;
                        match rules::credit(
                            &self.config,
                            &ctx,
                            &cfg.source,
                            provider,
                            payment_id,
                            player,
                            product,
                            &held,
                        ) {
                            Ok((mut cs, record)) => {
                                cs.docs.push(Versioned::new(doc_id.clone(), record).put());
                                let mut entry = self.log_entry(
                                    &ctx,
                                    provider,
                                    event,
                                    PaymentOutcome::Credited,
                                    format!("credited product {}", product.id),
                                );
                                entry.transaction_id = Some(ctx.transaction_id.clone());
                                (cs, entry)
                            }
                            Err(e) if e.code == ErrorCode::Unavailable => return Err(e),
                            Err(e) => {
                                let entry = self.log_entry(
                                    &ctx,
                                    provider,
                                    event,
                                    PaymentOutcome::Failed,
                                    format!("{}: {}", e.code.as_str(), e.message),
                                );
                                (ChangeSet::default(), entry)
                            }
                        }
                    }
                };
                let (mut cs, entry) = decided;
                cs.docs
                    .push(Versioned::new(entry.id.clone(), entry.clone()).put());
                Ok((cs, entry))
            })
        };
        self.retrying("payment_credit", attempt).await
    }

    async fn refund_payment(
        &self,
        provider: &str,
        payment_id: &str,
        event: &WebhookEvent,
    ) -> Result<PaymentLogEntry> {
        let cfg = &self.config.payments;
        let doc_id = record_id(provider, payment_id);
        // The player is known from the record; lock by it once read.
        let player_hint = self
            .store
            .doc(PaymentRecord::KIND, &doc_id)
            .await?
            .and_then(|d| Versioned::<PaymentRecord>::decode(d).ok())
            .and_then(|r| r.value.player);
        let mut keys: Vec<&str> = vec![&doc_id];
        if let Some(p) = &player_hint {
            keys.push(p);
        }
        let _locked = self.stripes.lock_keys(&keys).await;
        let doc_id = &doc_id;
        let attempt = |ctx: Ctx| -> super::commit::Attempt<'_, PaymentLogEntry> {
            Box::pin(async move {
                let (mut cs, entry): Decided = match self
                    .store
                    .doc(PaymentRecord::KIND, doc_id)
                    .await?
                {
                    None => {
                        let record = PaymentRecord {
                            provider: provider.into(),
                            payment_id: payment_id.into(),
                            player: event.player.clone(),
                            product: event.product.clone(),
                            status: PaymentStatus::RefundedBeforeCredit,
                            credited: Vec::new(),
                            revoked: Vec::new(),
                            shortfall: Vec::new(),
                            transaction_id: None,
                            credited_at: None,
                            refunded_at: Some(ctx.now),
                        };
                        let entry = self.log_entry(&ctx, provider, event, PaymentOutcome::RefundedBeforeCredit, "refund of a payment never credited: recorded, so a late paid event credits nothing".into());
                        let cs = ChangeSet {
                            docs: vec![Versioned::new(doc_id.clone(), record).put()],
                            ..Default::default()
                        };
                        (cs, entry)
                    }
                    Some(doc) => {
                        let rec = Versioned::<PaymentRecord>::decode(doc)?;
                        if rec.value.status != PaymentStatus::Credited {
                            let mut entry = self.log_entry(
                                &ctx,
                                provider,
                                event,
                                PaymentOutcome::RefundReplay,
                                "this refund was processed before; nothing taken again".into(),
                            );
                            entry.player = rec.value.player.clone();
                            entry.product = rec.value.product.clone();
                            entry.shortfall = rec.value.shortfall.clone();
                            (ChangeSet::default(), entry)
                        } else {
                            let player: PlayerId = rec
                                .value
                                .player
                                .as_deref()
                                .unwrap_or_default()
                                .parse()
                                .map_err(|_| {
                                    Error::unavailable("stored payment record names no player")
                                })?;
                            let held = self.payment_holdings(&player, &rec.value.credited).await?;
                            let (mut cs, after) =
                                rules::revoke(&ctx, &cfg.source, &rec.value, &player, &held)?;
                            let (outcome, msg) = if after.shortfall.is_empty() {
                                (
                                    PaymentOutcome::Refunded,
                                    "refunded: everything credited was taken back".to_string(),
                                )
                            } else {
                                (PaymentOutcome::RefundedShortfall, "refunded: the player no longer held all of it; the shortfall is recorded".to_string())
                            };
                            let mut entry = self.log_entry(&ctx, provider, event, outcome, msg);
                            entry.player = after.player.clone();
                            entry.product = after.product.clone();
                            entry.shortfall = after.shortfall.clone();
                            entry.transaction_id = Some(ctx.transaction_id.clone());
                            let mut v = rec;
                            v.value = after;
                            cs.docs.push(v.put());
                            (cs, entry)
                        }
                    }
                };
                cs.docs
                    .push(Versioned::new(entry.id.clone(), entry.clone()).put());
                Ok((cs, entry))
            })
        };
        self.retrying("payment_refund", attempt).await
    }

    /// The payment log, newest first, a page at a time (operator read). Errors:
    /// `INVALID_ARGUMENT` (limit out of 1-200).
    pub async fn payment_log(&self, query: PaymentLogQuery) -> Result<PaymentLogPage> {
        let limit = query.limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(Error::invalid("limit", "limit is 1 to 200"));
        }
        let docs = match &query.cursor {
            Some(c) => {
                self.store
                    .docs_after(PaymentLogEntry::KIND, c, limit + 1)
                    .await?
            }
            None => {
                self.store
                    .docs(PaymentLogEntry::KIND, "", limit + 1)
                    .await?
            }
        };
        let mut entries = docs
            .into_iter()
            .map(|d| Versioned::<PaymentLogEntry>::decode(d).map(|v| v.value))
            .collect::<Result<Vec<_>>>()?;
        let next_cursor = if entries.len() > limit as usize {
            entries.truncate(limit as usize);
            entries.last().map(|e| e.id.clone())
        } else {
            None
        };
        Ok(PaymentLogPage {
            entries,
            next_cursor,
        })
    }

    /// A provider's payment as recorded (what it credited, and after a refund what was
    /// taken back and the shortfall). Errors: `NOT_FOUND`.
    pub async fn payment(&self, provider: &str, payment_id: &str) -> Result<PaymentRecord> {
        let id = record_id(provider, payment_id);
        let doc = self
            .store
            .doc(PaymentRecord::KIND, &id)
            .await?
            .ok_or_else(|| Error::not_found("payment", &id))?;
        Ok(Versioned::<PaymentRecord>::decode(doc)?.value)
    }
}
