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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::CurrencyAttachment;
    use crate::ports::SequentialIds;
    use crate::types::Currency;
    use chrono::TimeZone;
    use std::sync::Arc;

    fn config() -> Config {
        Config::new(vec![Currency {
            code: "gold".into(),
            max_balance: None,
        }])
        .unwrap()
    }

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap()
    }

    /// A context `secs` seconds after the start.
    fn at(secs: i64) -> Ctx {
        Ctx::new(
            &config(),
            start() + Duration::seconds(secs),
            Arc::new(SequentialIds::new("t")),
        )
    }

    fn pid(id: &str) -> PlayerId {
        PlayerId::new(id).unwrap()
    }

    /// System mail `m<n>` to `p`, sent `n` seconds after the start, with `gold` attached
    /// when positive.
    fn mail(n: i64, gold: i64) -> Mail {
        let currencies = if gold > 0 {
            vec![CurrencyAttachment {
                currency: "gold".into(),
                amount: gold,
            }]
        } else {
            vec![]
        };
        Mail {
            id: format!("m{n:03}"),
            player: pid("p"),
            sender: Sender::system(),
            subject: format!("subject {n}"),
            body: String::new(),
            attachments: Attachments {
                currencies,
                items: vec![],
            },
            sent_at: start() + Duration::seconds(n),
            expires_at: None,
            read_at: None,
            claimed_at: None,
            broadcast_id: None,
        }
    }

    /// `p`'s box, read at version 4.
    fn boxed(mails: Vec<Mail>) -> MailboxState {
        let row = MailboxRow {
            version: 4,
            broadcast_seq: 0,
        };
        MailboxState::new(pid("p"), row, mails)
    }

    fn empty_holdings() -> Holdings {
        Holdings::new(pid("p"), vec![], vec![], vec![])
    }

    fn ids(mails: &[Mail]) -> Vec<String> {
        mails.iter().map(|m| m.id.clone()).collect()
    }

    fn kinds(cs: &ChangeSet) -> Vec<&str> {
        cs.events.iter().map(|e| e.kind.as_str()).collect()
    }

    /// [`claim`] of mail `id`, `secs` after the start.
    fn claim_at(
        secs: i64,
        state: &mut MailboxState,
        holdings: &mut Holdings,
        cs: &mut ChangeSet,
        id: &str,
    ) -> Result<ClaimResult> {
        claim(&config(), &at(secs), state, holdings, cs, id)
    }

    fn code<T: std::fmt::Debug>(r: Result<T>) -> ErrorCode {
        r.expect_err("refused").code
    }

    #[test]
    fn a_full_box_evicts_its_oldest_to_29_and_delivers_their_attachments() {
        let (cfg, caps) = (config(), MailConfig::default());
        assert_eq!((caps.store_cap, caps.list_cap, caps.evict_to), (50, 30, 29));
        // 50 mails; the two oldest hold unclaimed gold, the third's was claimed.
        let mut mails: Vec<Mail> = (0..50)
            .map(|n| mail(n, if n < 3 { 10 + n } else { 0 }))
            .collect();
        mails[2].read_at = Some(start());
        mails[2].claimed_at = Some(start());
        let mut state = boxed(mails);
        let mut holdings = empty_holdings();
        let mut cs = ChangeSet::default();
        let evicted = deliver(
            &cfg,
            &caps,
            &at(1000),
            &mut state,
            &mut holdings,
            &mut cs,
            mail(1000, 0),
        )
        .unwrap();
        let oldest: Vec<String> = (0..21).map(|n| format!("m{n:03}")).collect();
        assert_eq!(evicted, oldest, "the 21 oldest go, leaving 29");
        assert_eq!(state.mails.len(), 30);
        assert_eq!(state.mails[0].id, "m021");
        assert_eq!(state.mails[29].id, "m1000", "the new mail goes in last");
        assert_eq!(
            holdings.balance("gold"),
            21,
            "unclaimed attachments of evicted mail are delivered, claimed ones not again"
        );
        let entries: Vec<(&str, i64)> = cs
            .ledger
            .iter()
            .map(|e| (e.reason.as_str(), e.amount))
            .collect();
        assert_eq!(entries, [("mail_evicted", 10), ("mail_evicted", 11)]);
        assert_eq!(
            kinds(&cs).iter().filter(|k| **k == "mail_evicted").count(),
            21
        );
        assert_eq!(kinds(&cs).last(), Some(&"mail_received"));

        state.finish(&mut cs);
        assert_eq!(
            cs.mailboxes[0].expected_version, 4,
            "the box is written under the version read"
        );
        let deleted = cs
            .mails
            .iter()
            .filter(|w| matches!(w, MailWrite::Delete { .. }))
            .count();
        assert_eq!(deleted, 21);
    }

    #[test]
    fn a_box_below_the_cap_keeps_every_mail() {
        let (cfg, caps) = (config(), MailConfig::default());
        let mut state = boxed((0..49).map(|n| mail(n, 0)).collect());
        let (mut holdings, mut cs) = (empty_holdings(), ChangeSet::default());
        let evicted = deliver(
            &cfg,
            &caps,
            &at(100),
            &mut state,
            &mut holdings,
            &mut cs,
            mail(100, 0),
        );
        assert!(evicted.unwrap().is_empty());
        assert_eq!(state.mails.len(), 50, "the 50th mail fits");
        let evicted = deliver(
            &cfg,
            &caps,
            &at(101),
            &mut state,
            &mut holdings,
            &mut cs,
            mail(101, 0),
        );
        assert_eq!(
            evicted.unwrap().len(),
            21,
            "the 51st makes room down to 29 first"
        );
        assert_eq!(state.mails.len(), 30);
    }

    #[test]
    fn the_listing_shows_the_30_newest_without_expired_ones() {
        let caps = MailConfig::default();
        let mut mails: Vec<Mail> = (0..50).map(|n| mail(n, 0)).collect();
        mails[49].expires_at = Some(at(500).now);
        let state = boxed(mails);
        let shown = listing(&caps, &state, at(499).now);
        assert_eq!(shown.len(), 30);
        assert_eq!(
            (shown[0].id.as_str(), shown[29].id.as_str()),
            ("m049", "m020")
        );
        let shown = listing(&caps, &state, at(500).now);
        assert_eq!(shown.len(), 30);
        assert_eq!(
            (shown[0].id.as_str(), shown[29].id.as_str()),
            ("m048", "m019"),
            "a mail is expired from its expiry instant on"
        );
    }

    #[test]
    fn expired_mail_is_hidden_unclaimable_and_dropped_at_the_next_delivery() {
        let (cfg, caps) = (config(), MailConfig::default());
        let mut expiring = mail(0, 5);
        expiring.expires_at = Some(at(60).now);
        let mut state = boxed(vec![expiring, mail(1, 0)]);
        let (mut holdings, mut cs) = (empty_holdings(), ChangeSet::default());
        assert_eq!(
            open(&at(59), &mut state, "m000").unwrap().read_at,
            Some(at(59).now)
        );
        assert_eq!(
            code(delete(&at(59), &mut state.clone(), "m000")),
            ErrorCode::UnclaimedAttachments
        );
        assert_eq!(code(open(&at(60), &mut state, "m000")), ErrorCode::NotFound);
        assert_eq!(
            code(claim_at(60, &mut state, &mut holdings, &mut cs, "m000")),
            ErrorCode::NotFound
        );
        assert!(cs.ledger.is_empty());
        assert_eq!(ids(&listing(&caps, &state, at(60).now)), ["m001"]);

        let mut later = state.clone();
        delete(&at(60), &mut state, "m000").unwrap();
        assert_eq!(
            ids(&state.mails),
            ["m001"],
            "an expired mail may always be deleted"
        );

        deliver(
            &cfg,
            &caps,
            &at(61),
            &mut later,
            &mut holdings,
            &mut cs,
            mail(2, 0),
        )
        .unwrap();
        assert_eq!(ids(&later.mails), ["m001", "m002"]);
        assert_eq!(
            holdings.balance("gold"),
            0,
            "an expired mail's attachments are dropped with it"
        );
        assert_eq!(kinds(&cs), ["mail_received"]);
    }

    #[test]
    fn attachments_are_claimed_once_after_reading() {
        let mut state = boxed(vec![mail(0, 25), mail(1, 0)]);
        let (mut holdings, mut cs) = (empty_holdings(), ChangeSet::default());
        assert_eq!(
            code(claim_at(1, &mut state, &mut holdings, &mut cs, "m000")),
            ErrorCode::MailNotRead
        );
        assert_eq!(
            code(claim_at(1, &mut state, &mut holdings, &mut cs, "m001")),
            ErrorCode::InvalidArgument,
            "nothing attached"
        );
        assert_eq!(
            code(claim_at(1, &mut state, &mut holdings, &mut cs, "m999")),
            ErrorCode::NotFound
        );
        assert_eq!(
            code(delete(&at(1), &mut state, "m000")),
            ErrorCode::MailNotRead
        );

        open(&at(2), &mut state, "m000").unwrap();
        let again = open(&at(3), &mut state, "m000").unwrap();
        assert_eq!(
            again.read_at,
            Some(at(2).now),
            "the first read time is kept"
        );
        let claimed = claim_at(4, &mut state, &mut holdings, &mut cs, "m000").unwrap();
        let balances: Vec<(&str, i64)> = claimed
            .balances
            .iter()
            .map(|b| (b.currency.as_str(), b.amount))
            .collect();
        assert_eq!(balances, [("gold", 25)]);
        assert_eq!(claimed.mail.claimed_at, Some(at(4).now));
        assert_eq!(cs.ledger.len(), 1);
        assert_eq!(
            (cs.ledger[0].reason.as_str(), cs.ledger[0].amount),
            ("mail_claim", 25)
        );
        assert_eq!(
            code(claim_at(5, &mut state, &mut holdings, &mut cs, "m000")),
            ErrorCode::AlreadyClaimed
        );
        assert_eq!(cs.ledger.len(), 1, "a second claim credits nothing");
        delete(&at(6), &mut state, "m000").unwrap();
        assert_eq!(ids(&state.mails), ["m001"]);
    }

    #[test]
    fn a_player_sends_at_most_the_daily_limit() {
        let caps = MailConfig::default();
        let ctx = at(0);
        let mut cs = ChangeSet::default();
        let nine = CounterRow {
            count: 9,
            version: 9,
        };
        count_send(&caps, &ctx, &mut cs, &pid("p"), nine).unwrap();
        let w = &cs.counters[0];
        assert_eq!(w.key, format!("mail_sent:p:{}", ctx.day));
        assert_eq!(
            (w.expected_version, w.count),
            (9, 10),
            "a guarded counter of the reset-zone day"
        );
        let mut cs = ChangeSet::default();
        let ten = CounterRow {
            count: 10,
            version: 10,
        };
        assert_eq!(
            code(count_send(&caps, &ctx, &mut cs, &pid("p"), ten)),
            ErrorCode::MailSendLimit
        );
        assert!(cs.counters.is_empty());
    }
}
