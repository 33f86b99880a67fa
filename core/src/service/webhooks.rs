//! Outbound webhook services (SPEC.md "Payments in, notifications out"): subscriptions
//! put, read, deleted and replayed by operators, and the two calls the delivery worker
//! (the HTTP host's `webhooks.rs`) makes around its HTTP requests: read an endpoint's
//! progress, and save it under the version read. Decisions in
//! [`crate::webhooks::rules`].

use super::Guildhall;
use crate::docs::{Document, Versioned};
use crate::error::{Error, Result};
use crate::ports::ChangeSet;
use crate::types::check_text;
use crate::webhooks::{rules, PutWebhookRequest, WebhookState, WebhookSubscription, WebhookView};
use rand::RngCore;

/// Subscriptions at most.
pub const MAX_WEBHOOKS: usize = 1000;

fn check_id(id: &str) -> Result<()> {
    check_text("webhook_id", id, 1, 64)
}

impl Guildhall {
    /// Creates (`id` absent: a new id `wh_<uuid>`) or replaces a subscription. A new
    /// subscription delivers the events committed from its creation on; its secret is
    /// generated when the request has none (32 random bytes). A replacement keeps its
    /// progress, and its secret unless the request names one. Errors: `INVALID_ARGUMENT`
    /// (see [`rules::check_request`]), `NOT_FOUND` (a replacement of no subscription),
    /// `LIMIT_REACHED` (more than [`MAX_WEBHOOKS`]).
    pub async fn put_webhook(
        &self,
        id: Option<&str>,
        req: PutWebhookRequest,
    ) -> Result<WebhookView> {
        rules::check_request(&self.config.webhooks, &req)?;
        if let Some(id) = id {
            check_id(id)?;
        } else if self
            .store
            .docs(WebhookSubscription::KIND, "", 10_000)
            .await?
            .len()
            >= MAX_WEBHOOKS
        {
            return Err(Error::new(
                crate::ErrorCode::LimitReached,
                format!("at most {MAX_WEBHOOKS} webhook subscriptions"),
            ));
        }
        let req = &req;
        self.retrying("put_webhook", |ctx| {
            Box::pin(async move {
                let (mut doc, state) = match id {
                    Some(id) => {
                        let doc = self
                            .load::<WebhookSubscription>(id)
                            .await?
                            .ok_or_else(|| Error::not_found("webhook", id))?;
                        let state = self.webhook_state(id).await?.value;
                        (doc, state)
                    }
                    None => {
                        let id = format!("wh_{}", uuid::Uuid::new_v4().simple());
                        let mut key = [0u8; 32];
                        rand::rngs::OsRng.fill_bytes(&mut key);
                        let sub = WebhookSubscription {
                            id: id.clone(),
                            url: String::new(),
                            kinds: Vec::new(),
                            secret: rules::secret_of(&key),
                            format: Default::default(),
                            chat_id: None,
                            description: None,
                            created_at: ctx.now,
                            updated_at: ctx.now,
                        };
                        (Versioned::new(id, sub), WebhookState::default())
                    }
                };
                let sub = &mut doc.value;
                sub.url = req.url.clone();
                sub.kinds = req.kinds.clone();
                sub.format = req.format;
                sub.chat_id = req.chat_id.clone();
                sub.description = req.description.clone();
                if let Some(s) = &req.secret {
                    sub.secret = s.clone();
                }
                sub.updated_at = ctx.now;
                let mut cs = ChangeSet::default();
                cs.docs.push(doc.put());
                Ok((
                    cs,
                    WebhookView {
                        subscription: doc.value.clone(),
                        state,
                    },
                ))
            })
        })
        .await
    }

    /// One subscription with its delivery progress. Errors: `NOT_FOUND`,
    /// `INVALID_ARGUMENT` (id 1-64 bytes).
    pub async fn webhook(&self, id: &str) -> Result<WebhookView> {
        check_id(id)?;
        let sub = self
            .load::<WebhookSubscription>(id)
            .await?
            .ok_or_else(|| Error::not_found("webhook", id))?;
        Ok(WebhookView {
            subscription: sub.value,
            state: self.webhook_state(id).await?.value,
        })
    }

    /// Every subscription with its delivery progress, by id.
    pub async fn webhooks(&self) -> Result<Vec<WebhookView>> {
        let mut out = Vec::new();
        for sub in self.webhook_subscriptions().await? {
            let state = self.webhook_state(&sub.id).await?.value;
            out.push(WebhookView {
                subscription: sub,
                state,
            });
        }
        Ok(out)
    }

    /// Every subscription, by id (the delivery worker's list).
    pub async fn webhook_subscriptions(&self) -> Result<Vec<WebhookSubscription>> {
        self.store
            .docs(WebhookSubscription::KIND, "", 10_000)
            .await?
            .into_iter()
            .map(|d| Versioned::<WebhookSubscription>::decode(d).map(|v| v.value))
            .collect()
    }

    /// Deletes a subscription and its progress; returns what it was. Errors:
    /// `NOT_FOUND`.
    pub async fn delete_webhook(&self, id: &str) -> Result<WebhookView> {
        check_id(id)?;
        self.retrying("delete_webhook", |_ctx| {
            Box::pin(async move {
                let sub = self
                    .load::<WebhookSubscription>(id)
                    .await?
                    .ok_or_else(|| Error::not_found("webhook", id))?;
                let state = self.webhook_state(id).await?;
                let mut cs = ChangeSet::default();
                cs.docs.push(sub.delete());
                if state.version > 0 {
                    cs.docs.push(state.delete());
                }
                Ok((
                    cs,
                    WebhookView {
                        subscription: sub.value,
                        state: state.value,
                    },
                ))
            })
        })
        .await
    }

    /// An operator's replay of a parked endpoint: it is un-parked and its failing event
    /// tried again at once; delivery continues in order from there. A running endpoint
    /// is only given an immediate retry. Errors: `NOT_FOUND`.
    pub async fn replay_webhook(&self, id: &str) -> Result<WebhookView> {
        check_id(id)?;
        self.retrying("replay_webhook", |_ctx| {
            Box::pin(async move {
                let sub = self
                    .load::<WebhookSubscription>(id)
                    .await?
                    .ok_or_else(|| Error::not_found("webhook", id))?;
                let mut state = self.webhook_state(id).await?;
                rules::replay(&mut state.value);
                let mut cs = ChangeSet::default();
                cs.docs.push(state.put());
                Ok((
                    cs,
                    WebhookView {
                        subscription: sub.value,
                        state: state.value,
                    },
                ))
            })
        })
        .await
    }

    /// An endpoint's progress as stored (version 0 and the default state when it has
    /// none yet): the delivery worker reads this before a pass.
    pub async fn webhook_state(&self, id: &str) -> Result<Versioned<WebhookState>> {
        Ok(self
            .load::<WebhookState>(id)
            .await?
            .unwrap_or_else(|| Versioned::new(id, WebhookState::default())))
    }

    /// Saves an endpoint's progress under the version read (one commit, no retry): the
    /// delivery worker calls this after a run of deliveries. Errors: `CONFLICT` when
    /// another writer (a replay, another worker) changed it since: the caller drops its
    /// copy and reads again, so a cursor never moves back past a delivered event nor
    /// past one not delivered.
    pub async fn save_webhook_state(&self, state: &Versioned<WebhookState>) -> Result<()> {
        let mut cs = ChangeSet::default();
        cs.docs.push(state.put());
        self.commit_changes(cs).await.map(|_| ())
    }
}
