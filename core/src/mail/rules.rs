//! Mail rules: pure functions over a loaded [`MailboxState`] and [`Holdings`].

use super::{
    Attachments, Broadcast, BroadcastRequest, ClaimResult, Mail, MailConfig, SendMailRequest,
    Sender, SenderKind,
};
use crate::config::Config;
use crate::ctx::Ctx;
use crate::error::{Error, ErrorCode, Result};
use crate::holdings::{Holdings, ItemCredit};
use crate::ports::{ChangeSet, CounterRow, CounterWrite, MailWrite, MailboxRow, MailboxWrite};
use crate::types::{check_text, Balance, PlayerId};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;
use std::collections::BTreeSet;

/// The system account attachments are paid from.
pub const MAIL_SOURCE: &str = "mail";

/// One player's box as read, changed in memory by the rules, then written whole.
#[derive(Debug, Clone)]
pub struct MailboxState {
    /// Owner.
    pub player: PlayerId,
    /// Header as read.
    pub row: MailboxRow,
    /// Stored mails, oldest first.
    pub mails: Vec<Mail>,
    broadcast_seq: i64,
    changed: BTreeSet<String>,
    removed: Vec<String>,
}

impl MailboxState {
    /// A box from what the store returned (mails oldest first).
    pub fn new(player: PlayerId, row: MailboxRow, mails: Vec<Mail>) -> Self {
        Self {
            player,
            broadcast_seq: row.broadcast_seq,
            row,
            mails,
            changed: BTreeSet::new(),
            removed: Vec::new(),
        }
    }

    fn remove_at(&mut self, i: usize) -> Mail {
        let m = self.mails.remove(i);
        self.changed.remove(&m.id);
        self.removed.push(m.id.clone());
        m
    }

    fn find(&self, id: &str, now: DateTime<Utc>) -> Result<usize> {
        self.mails
            .iter()
            .position(|m| m.id == id && !m.expired(now))
            .ok_or_else(|| Error::not_found("mail", id))
    }

    /// True when anything changed and the box must be written.
    pub fn is_dirty(&self) -> bool {
        !self.changed.is_empty()
            || !self.removed.is_empty()
            || self.broadcast_seq != self.row.broadcast_seq
    }

    /// Appends the guarded header write and the mail writes.
    pub fn finish(self, cs: &mut ChangeSet) {
        if !self.is_dirty() {
            return;
        }
        cs.mailboxes.push(MailboxWrite {
            player: self.player.clone(),
            expected_version: self.row.version,
            broadcast_seq: self.broadcast_seq,
        });
        for id in self.removed {
            cs.mails.push(MailWrite::Delete {
                player: self.player.clone(),
                mail_id: id,
            });
        }
        for m in self
            .mails
            .into_iter()
            .filter(|m| self.changed.contains(&m.id))
        {
            cs.mails.push(MailWrite::Put(m));
        }
    }
}

/// Catalog item ids and currencies a box's attachments mention, for loading holdings.
pub fn attachment_items<'a>(mails: impl IntoIterator<Item = &'a Attachments>) -> Vec<String> {
    let mut ids: BTreeSet<String> = BTreeSet::new();
    for a in mails {
        ids.extend(a.items.iter().map(|i| i.item_id.clone()));
    }
    ids.into_iter().collect()
}

/// Validates subject, body, attachments and expiry of a mail to be sent.
/// Errors: `INVALID_ARGUMENT` naming the field.
pub fn check_content(
    cfg: &Config,
    mail: &MailConfig,
    sender: &Sender,
    subject: &str,
    body: &str,
    attachments: &Attachments,
    expires_in: Option<i64>,
) -> Result<()> {
    check_text("subject", subject, 1, mail.max_subject)?;
    if body.len() > mail.max_body {
        return Err(Error::invalid(
            "body",
            format!("body is at most {} bytes", mail.max_body),
        ));
    }
    match (sender.kind, &sender.id) {
        (SenderKind::Admin, Some(name)) => check_text("from.id", name, 1, 64)?,
        (SenderKind::Admin, None) => {
            return Err(Error::invalid("from.id", "an admin sender gives a name"))
        }
        (SenderKind::System, Some(_)) => {
            return Err(Error::invalid("from.id", "the system sender has no id"))
        }
        (SenderKind::Player, _) => {
            sender.player_id()?;
        }
        (SenderKind::System, None) => {}
    }
    if sender.kind == SenderKind::Player && !attachments.is_empty() {
        return Err(Error::invalid(
            "attachments",
            "players send mail without attachments",
        ));
    }
    if attachments.currencies.len() + attachments.items.len() > 16 {
        return Err(Error::invalid("attachments", "at most 16 attachments"));
    }
    for c in &attachments.currencies {
        cfg.currency(&c.currency)?;
        if c.amount <= 0 {
            return Err(Error::invalid(
                "attachments.currencies.amount",
                "an attached amount is positive",
            ));
        }
    }
    for i in &attachments.items {
        check_text("attachments.items.item_id", &i.item_id, 1, 128)?;
        if i.quantity < 1 {
            return Err(Error::invalid(
                "attachments.items.quantity",
                "an attached quantity is at least 1",
            ));
        }
    }
    if matches!(expires_in, Some(s) if s <= 0 || s > 10 * 365 * 86_400) {
        return Err(Error::invalid(
            "expires_in_secs",
            "expires_in_secs is 1 second to 10 years",
        ));
    }
    Ok(())
}

/// Validates a send request (content plus the sender's rights).
pub fn check_send(cfg: &Config, mail: &MailConfig, req: &SendMailRequest) -> Result<()> {
    if req.from.player_id()?.as_ref() == Some(&req.to) {
        return Err(Error::invalid("to", "a player cannot mail themselves"));
    }
    check_content(
        cfg,
        mail,
        &req.from,
        &req.subject,
        &req.body,
        &req.attachments,
        req.expires_in_secs,
    )
}

/// Validates a broadcast request. Errors: `INVALID_ARGUMENT` (a player sender, content).
pub fn check_broadcast(cfg: &Config, mail: &MailConfig, req: &BroadcastRequest) -> Result<()> {
    if req.from.kind == SenderKind::Player {
        return Err(Error::invalid(
            "from",
            "only the system or an admin broadcasts",
        ));
    }
    if matches!(&req.recipients, Some(r) if r.is_empty() || r.len() > 10_000) {
        return Err(Error::invalid(
            "recipients",
            "recipients lists 1 to 10000 players; omit it for everyone",
        ));
    }
    check_content(
        cfg,
        mail,
        &req.from,
        &req.subject,
        &req.body,
        &req.attachments,
        req.expires_in_secs,
    )
}

/// The counter that holds how many mails `player` sent on `day`.
pub fn send_counter_key(player: &PlayerId, day: NaiveDate) -> String {
    format!("mail_sent:{player}:{day}")
}

/// SPEC.md: a player sends at most `player_daily_limit` mails per day of the reset
/// time zone. Appends the counter write. Errors: `MAIL_SEND_LIMIT`.
pub fn count_send(
    mail: &MailConfig,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    player: &PlayerId,
    sent_today: CounterRow,
) -> Result<()> {
    if sent_today.count >= mail.player_daily_limit {
        return Err(Error::new(
            ErrorCode::MailSendLimit,
            format!(
                "{player} sent {} mails today; the limit is {}",
                sent_today.count, mail.player_daily_limit
            ),
        )
        .with_details(
            json!({ "sent_today": sent_today.count, "limit": mail.player_daily_limit }),
        ));
    }
    cs.counters.push(CounterWrite {
        key: send_counter_key(player, ctx.day),
        expected_version: sent_today.version,
        count: sent_today.count + 1,
        expires_at: ctx.now + Duration::days(2),
    });
    Ok(())
}

/// Builds the mail a send request delivers.
pub fn new_mail(ctx: &Ctx, req: &SendMailRequest) -> Mail {
    Mail {
        id: ctx.id(),
        player: req.to.clone(),
        sender: req.from.clone(),
        subject: req.subject.clone(),
        body: req.body.clone(),
        attachments: req.attachments.clone(),
        sent_at: ctx.now,
        expires_at: req.expires_in_secs.map(|s| ctx.now + Duration::seconds(s)),
        read_at: None,
        claimed_at: None,
        broadcast_id: None,
    }
}

/// Builds the broadcast a request stores.
pub fn new_broadcast(ctx: &Ctx, req: &BroadcastRequest) -> Broadcast {
    Broadcast {
        seq: 0,
        id: ctx.id(),
        sender: req.from.clone(),
        subject: req.subject.clone(),
        body: req.body.clone(),
        attachments: req.attachments.clone(),
        sent_at: ctx.now,
        expires_at: req.expires_in_secs.map(|s| ctx.now + Duration::seconds(s)),
        recipients: req.recipients.clone(),
        replayed: false,
    }
}

/// SPEC.md Mail delivery: expired mails are dropped; a box holding `store_cap` mails
/// loses its oldest until `evict_to` remain, and their unclaimed attachments are
/// delivered to the wallet and inventory with ledger reason `mail_evicted`; then the
/// new mail goes in. Appends ledger entries and `mail_evicted`/`mail_received` events.
/// Returns the ids evicted.
pub fn deliver(
    cfg: &Config,
    mail: &MailConfig,
    ctx: &Ctx,
    state: &mut MailboxState,
    holdings: &mut Holdings,
    cs: &mut ChangeSet,
    new: Mail,
) -> Result<Vec<String>> {
    let mut i = 0;
    while i < state.mails.len() {
        if state.mails[i].expired(ctx.now) {
            state.remove_at(i);
        } else {
            i += 1;
        }
    }
    let mut evicted = Vec::new();
    if state.mails.len() >= mail.store_cap {
        // Oldest first. A mail whose unclaimed attachments cannot be delivered in full
        // (a balance or stack limit) stays, and the next oldest goes instead: evicted
        // attachments are delivered as if claimed, never cut.
        let mut i = 0;
        let mut blocked: Option<Error> = None;
        while state.mails.len() > mail.evict_to && i < state.mails.len() {
            let old = state.mails[i].clone();
            let delivered = if old.unclaimed() {
                let (saved_holdings, saved_len) = (holdings.clone(), cs.clone());
                match credit_attachments(
                    cfg,
                    ctx,
                    holdings,
                    cs,
                    &old.attachments,
                    "mail_evicted",
                    true,
                ) {
                    Ok(d) => Some(d),
                    Err(e) if matches!(e.code, ErrorCode::BalanceLimit | ErrorCode::StackLimit) => {
                        *holdings = saved_holdings;
                        *cs = saved_len;
                        blocked = Some(e);
                        i += 1;
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            } else {
                None
            };
            state.remove_at(i);
            cs.events.push(ctx.event(
                "mail_evicted",
                vec![state.player.clone()],
                json!({ "player": state.player, "mail_id": old.id, "attachments_delivered": delivered.is_some(),
                        "skipped_items": delivered.map(|d| d.1).unwrap_or_default() }),
            ));
            evicted.push(old.id);
        }
        if state.mails.len() >= mail.store_cap {
            // Nothing could make room: the box is full of mail whose attachments do not fit.
            return Err(
                blocked.unwrap_or_else(|| Error::new(ErrorCode::Conflict, "the mailbox is full"))
            );
        }
    }
    cs.events.push(ctx.event(
        "mail_received",
        vec![state.player.clone()],
        json!({ "player": state.player, "mail_id": new.id, "sender": new.sender, "subject": new.subject,
                "has_attachments": !new.attachments.is_empty(), "broadcast_id": new.broadcast_id }),
    ));
    state.changed.insert(new.id.clone());
    state.mails.push(new);
    Ok(evicted)
}

/// Credits attachments. Returns (currencies credited, durable items skipped as owned).
fn credit_attachments(
    cfg: &Config,
    ctx: &Ctx,
    holdings: &mut Holdings,
    cs: &mut ChangeSet,
    a: &Attachments,
    reason: &str,
    strict: bool,
) -> Result<(Vec<String>, Vec<String>)> {
    let mut currencies = Vec::new();
    for c in &a.currencies {
        holdings.credit(
            cfg,
            ctx,
            cs,
            MAIL_SOURCE,
            &c.currency,
            c.amount,
            reason,
            strict,
        )?;
        currencies.push(c.currency.clone());
    }
    let mut skipped = Vec::new();
    for i in &a.items {
        match holdings.add_item(&i.item_id, i.quantity, strict) {
            Ok(ItemCredit::AlreadyOwned) => skipped.push(i.item_id.clone()),
            Ok(ItemCredit::Added(_)) => {}
            // An item that left the catalog cannot be delivered; the rest still is.
            Err(e) if e.code == ErrorCode::NotFound => skipped.push(i.item_id.clone()),
            Err(e) => return Err(e),
        }
    }
    Ok((currencies, skipped))
}

/// True when broadcast `b` is addressed to `player`, who began to exist at `since`
/// (SPEC.md Clarifications): a named recipient always; otherwise, for a broadcast to
/// everyone, a player who existed when it was sent (`since <= sent_at`).
pub fn addressed_to(b: &Broadcast, player: &PlayerId, since: DateTime<Utc>) -> bool {
    match &b.recipients {
        Some(r) => r.contains(player),
        None => since <= b.sent_at,
    }
}

/// Copies broadcasts the box has not seen (SPEC.md: stored once, appearing in each box
/// the next time it is read, under the same caps). Broadcasts expired, or not addressed
/// to this player (see [`addressed_to`]; `since`: when the player began to exist), are
/// passed over.
#[allow(clippy::too_many_arguments)]
pub fn materialize(
    cfg: &Config,
    mail: &MailConfig,
    ctx: &Ctx,
    state: &mut MailboxState,
    holdings: &mut Holdings,
    cs: &mut ChangeSet,
    broadcasts: &[Broadcast],
    since: DateTime<Utc>,
) -> Result<()> {
    for b in broadcasts {
        if b.seq <= state.broadcast_seq {
            continue;
        }
        state.broadcast_seq = b.seq;
        if b.expires_at.is_some_and(|e| e <= ctx.now) || !addressed_to(b, &state.player, since) {
            continue;
        }
        let copy = Mail {
            id: format!("{}:{}", b.id, state.player),
            player: state.player.clone(),
            sender: b.sender.clone(),
            subject: b.subject.clone(),
            body: b.body.clone(),
            attachments: b.attachments.clone(),
            // Delivered now: the copy takes its place in the box as the newest mail.
            sent_at: ctx.now,
            expires_at: b.expires_at,
            read_at: None,
            claimed_at: None,
            broadcast_id: Some(b.id.clone()),
        };
        deliver(cfg, mail, ctx, state, holdings, cs, copy)?;
    }
    Ok(())
}

/// The listing: newest first, expired left out, at most `list_cap`.
pub fn listing(mail: &MailConfig, state: &MailboxState, now: DateTime<Utc>) -> Vec<Mail> {
    state
        .mails
        .iter()
        .rev()
        .filter(|m| !m.expired(now))
        .take(mail.list_cap)
        .cloned()
        .collect()
}

/// Opens a mail: marks it read (the first read time is kept). Errors: `NOT_FOUND`
/// (absent or expired).
pub fn open(ctx: &Ctx, state: &mut MailboxState, id: &str) -> Result<Mail> {
    let i = state.find(id, ctx.now)?;
    if state.mails[i].read_at.is_none() {
        state.mails[i].read_at = Some(ctx.now);
        state.changed.insert(id.to_string());
    }
    Ok(state.mails[i].clone())
}

/// Claims a mail's attachments, exactly once, after it was read. Errors: `NOT_FOUND`
/// (absent or expired), `MAIL_NOT_READ`, `ALREADY_CLAIMED`, `INVALID_ARGUMENT` (nothing
/// attached), `BALANCE_LIMIT`, `STACK_LIMIT`.
pub fn claim(
    cfg: &Config,
    ctx: &Ctx,
    state: &mut MailboxState,
    holdings: &mut Holdings,
    cs: &mut ChangeSet,
    id: &str,
) -> Result<ClaimResult> {
    let i = state.find(id, ctx.now)?;
    let m = &state.mails[i];
    if m.attachments.is_empty() {
        return Err(Error::invalid("mail_id", "this mail has nothing attached"));
    }
    if m.read_at.is_none() {
        return Err(Error::new(
            ErrorCode::MailNotRead,
            "open the mail before claiming its attachments",
        )
        .with_details(json!({ "mail_id": id })));
    }
    if m.claimed_at.is_some() {
        return Err(Error::new(
            ErrorCode::AlreadyClaimed,
            "these attachments were claimed already",
        )
        .with_details(json!({ "mail_id": id, "claimed_at": m.claimed_at })));
    }
    let attachments = m.attachments.clone();
    let (currencies, skipped) =
        credit_attachments(cfg, ctx, holdings, cs, &attachments, "mail_claim", true)?;
    state.mails[i].claimed_at = Some(ctx.now);
    state.changed.insert(id.to_string());
    let mail = state.mails[i].clone();
    cs.events.push(ctx.event(
        "mail_claimed",
        vec![state.player.clone()],
        json!({ "player": state.player, "mail_id": id, "attachments": attachments, "skipped_items": skipped }),
    ));
    let balances = currencies
        .into_iter()
        .map(|c| Balance {
            amount: holdings.balance(&c),
            currency: c,
        })
        .collect();
    Ok(ClaimResult {
        mail,
        balances,
        skipped_items: skipped,
        replayed: false,
    })
}

/// Deletes a read mail without unclaimed attachments. Errors: `NOT_FOUND`,
/// `MAIL_NOT_READ`, `UNCLAIMED_ATTACHMENTS`. An expired mail may always be deleted.
pub fn delete(ctx: &Ctx, state: &mut MailboxState, id: &str) -> Result<()> {
    let i = state
        .mails
        .iter()
        .position(|m| m.id == id)
        .ok_or_else(|| Error::not_found("mail", id))?;
    let m = &state.mails[i];
    if !m.expired(ctx.now) {
        if m.read_at.is_none() {
            return Err(
                Error::new(ErrorCode::MailNotRead, "open the mail before deleting it")
                    .with_details(json!({ "mail_id": id })),
            );
        }
        if m.unclaimed() {
            return Err(Error::new(
                ErrorCode::UnclaimedAttachments,
                "claim the attachments before deleting the mail",
            )
            .with_details(json!({ "mail_id": id })));
        }
    }
    state.remove_at(i);
    Ok(())
}
