//! Mail services (SPEC.md Mail): every call on a box first copies in the broadcasts it
//! has not seen, then applies its rule; the box header's version serializes changes.

use super::Guildhall;
use crate::ctx::Ctx;
use crate::error::{Error, ErrorCode, Result};
use crate::holdings::Holdings;
use crate::mail::rules::{self as rules, MailboxState};
use crate::mail::{
    Broadcast, BroadcastRequest, ClaimResult, Mail, SendMailRequest, SendMailResult,
};
use crate::ports::ChangeSet;
use crate::types::{Account, PlayerId};
use chrono::{DateTime, Utc};

/// A box as loaded for one attempt: header and mails, unseen broadcasts, holdings.
pub(crate) struct LoadedBox {
    pub(crate) state: MailboxState,
    pub(crate) holdings: Holdings,
    broadcasts: Vec<Broadcast>,
    /// When the player began to exist; `None`: with this call (no state before it).
    since: Option<DateTime<Utc>>,
}

impl Guildhall {
    /// Loads a box, the broadcasts it has not seen, and the player's balances, items and
    /// the catalog items any of them attach (plus `extra_items`).
    pub(crate) async fn load_box(
        &self,
        player: &PlayerId,
        extra_items: &[String],
    ) -> Result<LoadedBox> {
        let (row, mails) = self.store.mailbox(player).await?;
        let broadcasts = self.store.broadcasts_after(row.broadcast_seq, 1000).await?;
        let mut ids = rules::attachment_items(
            mails
                .iter()
                .map(|m| &m.attachments)
                .chain(broadcasts.iter().map(|b| &b.attachments)),
        );
        ids.extend(extra_items.iter().cloned());
        let mut catalog = Vec::with_capacity(ids.len());
        for id in &ids {
            if let Some(item) = self.store.catalog_item(id).await? {
                catalog.push(item);
            }
        }
        let balances = self
            .store
            .balances(&Account::Player(player.clone()))
            .await?;
        let items = self.store.items(player).await?;
        let since = if broadcasts.is_empty() {
            None // nothing to decide
        } else {
            self.existence_since(player, &row, !balances.is_empty(), !items.is_empty())
                .await?
        };
        Ok(LoadedBox {
            state: MailboxState::new(player.clone(), row, mails),
            holdings: Holdings::new(player.clone(), balances, items, catalog),
            broadcasts,
            since,
        })
    }

    /// Copies unseen broadcasts into the loaded box: those to everyone sent since the
    /// player began to exist (a player with no state before this call begins now), and
    /// those naming it.
    fn catch_up(&self, ctx: &Ctx, b: &mut LoadedBox, cs: &mut ChangeSet) -> Result<()> {
        let LoadedBox {
            state,
            holdings,
            broadcasts,
            since,
        } = b;
        rules::materialize(
            &self.config,
            &self.config.mail,
            ctx,
            state,
            holdings,
            cs,
            broadcasts,
            since.unwrap_or(ctx.now),
        )
    }

    /// Sends one mail (player, system or admin). A player's sends count against the daily
    /// limit; attachments are system/admin only and must name catalog items that exist.
    /// Delivery applies the box caps (SPEC.md Mail). See [`SendMailRequest`] for errors.
    pub async fn send_mail(&self, req: SendMailRequest) -> Result<SendMailResult> {
        rules::check_send(&self.config, &self.config.mail, &req)?;
        for a in &req.attachments.items {
            self.catalog_item(&a.item_id).await?;
        }
        let sender = &req.from.player_id()?;
        let scope = sender.clone().unwrap_or_else(|| req.to.clone());
        let extra: &Vec<String> = &req
            .attachments
            .items
            .iter()
            .map(|i| i.item_id.clone())
            .collect();
        let req = &req;
        self.execute(
            "send_mail",
            &[&scope, &req.to],
            req.idempotency_key.as_deref(),
            &req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let mut cs = ChangeSet::default();
                    if let Some(from) = sender {
                        // SPEC.md Friends: a block either way stops player mail.
                        if from != &req.to && self.blocked_between(from, &req.to).await? {
                            return Err(Error::new(
                                ErrorCode::Blocked,
                                format!("{from} cannot send mail to {}", req.to),
                            )
                            .with_details(serde_json::json!({ "player": from, "other": req.to })));
                        }
                        let sent = self
                            .store
                            .counter(&rules::send_counter_key(from, ctx.day))
                            .await?;
                        rules::count_send(&self.config.mail, &ctx, &mut cs, from, sent)?;
                    }
                    let mut b = self.load_box(&req.to, extra).await?;
                    self.catch_up(&ctx, &mut b, &mut cs)?;
                    let mail = rules::new_mail(&ctx, req);
                    let evicted = rules::deliver(
                        &self.config,
                        &self.config.mail,
                        &ctx,
                        &mut b.state,
                        &mut b.holdings,
                        &mut cs,
                        mail.clone(),
                    )?;
                    b.holdings.finish(&ctx, &mut cs);
                    b.state.finish(&mut cs);
                    Ok((
                        cs,
                        SendMailResult {
                            mail,
                            evicted,
                            replayed: false,
                        },
                    ))
                })
            },
        )
        .await
    }

    /// Stores a broadcast once; it appears in each addressed box the next time that box is
    /// read (SPEC.md: a broadcast to a million players costs one write): in the box of
    /// every player who existed when it was sent, or of each named recipient (SPEC.md
    /// Clarifications). With an idempotency key (scope `system`), the same request again
    /// returns the stored broadcast with `replayed: true` and stores nothing, so its
    /// attachments cannot be claimed twice. See [`BroadcastRequest`] for errors.
    pub async fn broadcast_mail(&self, req: BroadcastRequest) -> Result<Broadcast> {
        rules::check_broadcast(&self.config, &self.config.mail, &req)?;
        for a in &req.attachments.items {
            self.catalog_item(&a.item_id).await?;
        }
        let req = &req;
        let mut b = self
            .execute(
                "broadcast_mail",
                &[],
                req.idempotency_key.as_deref(),
                &req,
                |ctx: Ctx| {
                    Box::pin(async move {
                        let b = rules::new_broadcast(&ctx, req);
                        let cs = ChangeSet {
                            broadcasts: vec![b.clone()],
                            ..Default::default()
                        };
                        Ok((cs, b))
                    })
                },
            )
            .await?;
        // The store assigns `seq` at commit, after the result (and the idempotency record
        // holding it) was built: read it back by id, one indexed lookup.
        if b.seq == 0 {
            b.seq = self
                .store
                .broadcast(&b.id)
                .await?
                .ok_or_else(|| Error::unavailable("the stored broadcast cannot be read back"))?
                .seq;
        }
        if b.replayed {
            tracing::info!(broadcast = %b.id, seq = b.seq, "broadcast mail replayed");
        } else {
            tracing::info!(broadcast = %b.id, seq = b.seq, "broadcast mail stored");
        }
        Ok(b)
    }

    /// A player's mailbox listing: newest first, expired mails left out, at most
    /// `mail.list_cap` (SPEC.md: 30). Copies in unseen broadcasts addressed to the player
    /// first (a write when any; see [`rules::addressed_to`]).
    pub async fn mailbox(&self, player: &PlayerId) -> Result<Vec<Mail>> {
        self.retrying("mailbox", |ctx: Ctx| {
            Box::pin(async move {
                let mut cs = ChangeSet::default();
                let mut b = self.load_box(player, &[]).await?;
                self.catch_up(&ctx, &mut b, &mut cs)?;
                let list = rules::listing(&self.config.mail, &b.state, ctx.now);
                b.holdings.finish(&ctx, &mut cs);
                b.state.finish(&mut cs);
                Ok((cs, list))
            })
        })
        .await
    }

    /// Opens a mail and marks it read (first read time kept). Errors: `NOT_FOUND`.
    pub async fn open_mail(&self, player: &PlayerId, mail_id: &str) -> Result<Mail> {
        self.retrying("open_mail", |ctx: Ctx| {
            Box::pin(async move {
                let mut cs = ChangeSet::default();
                let mut b = self.load_box(player, &[]).await?;
                self.catch_up(&ctx, &mut b, &mut cs)?;
                let mail = rules::open(&ctx, &mut b.state, mail_id)?;
                b.holdings.finish(&ctx, &mut cs);
                b.state.finish(&mut cs);
                Ok((cs, mail))
            })
        })
        .await
    }

    /// Claims a read mail's attachments exactly once into the wallet and inventory (ledger
    /// reason `mail_claim`, from `system:mail`). Errors: `NOT_FOUND`, `MAIL_NOT_READ`,
    /// `ALREADY_CLAIMED`, `BALANCE_LIMIT`, `STACK_LIMIT`, `IDEMPOTENCY_CONFLICT`.
    pub async fn claim_mail(
        &self,
        player: &PlayerId,
        mail_id: &str,
        idempotency_key: Option<String>,
    ) -> Result<ClaimResult> {
        let req = serde_json::json!({ "player": player, "mail_id": mail_id });
        let req = &req;
        self.execute(
            "claim_mail",
            &[player],
            idempotency_key.as_deref(),
            &req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let mut cs = ChangeSet::default();
                    let mut b = self.load_box(player, &[]).await?;
                    self.catch_up(&ctx, &mut b, &mut cs)?;
                    let result = rules::claim(
                        &self.config,
                        &ctx,
                        &mut b.state,
                        &mut b.holdings,
                        &mut cs,
                        mail_id,
                    )?;
                    b.holdings.finish(&ctx, &mut cs);
                    b.state.finish(&mut cs);
                    Ok((cs, result))
                })
            },
        )
        .await
    }

    /// Deletes a read mail whose attachments are claimed. Errors: `NOT_FOUND`,
    /// `MAIL_NOT_READ`, `UNCLAIMED_ATTACHMENTS`.
    pub async fn delete_mail(&self, player: &PlayerId, mail_id: &str) -> Result<()> {
        self.retrying("delete_mail", |ctx: Ctx| {
            Box::pin(async move {
                let mut cs = ChangeSet::default();
                let mut b = self.load_box(player, &[]).await?;
                self.catch_up(&ctx, &mut b, &mut cs)?;
                rules::delete(&ctx, &mut b.state, mail_id)?;
                b.holdings.finish(&ctx, &mut cs);
                b.state.finish(&mut cs);
                Ok((cs, ()))
            })
        })
        .await
    }
}
