//! Trade services (SPEC.md Trade): each call reads the trade document (and, for the
//! exchange, the two players' wallet and inventory rows it moves), lets a rule of
//! [`crate::trade::rules`] decide, and commits one change set guarded by the versions
//! read. Calls on one trade hold both players' stripes in this process; other processes
//! meet the trade document's version and retry, so two confirmations at once complete a
//! trade exactly once (the loser's retry sees it closed). The exchange is the second
//! confirmation's own commit: every amount and item moves, or nothing does.

use super::Guildhall;
use crate::ctx::Ctx;
use crate::docs::{Document, Versioned};
use crate::error::{Error, Result};
use crate::ports::ChangeSet;
use crate::trade::rules::{self, Next, SideRows};
use crate::trade::{
    CancelTradeRequest, ConfirmTradeRequest, OpenTrade, OpenTradeRequest, PlayerTrades,
    RecentTrade, Trade, TradeOffer, TradeOfferRequest, TradeResult, TradesOf,
};
use crate::types::{Account, CatalogItem, EntryKind, LedgerEntry, PlayerId};
use std::collections::HashMap;

/// Largest page of [`Guildhall::recent_trades`].
pub const RECENT_TRADES_MAX: u32 = 200;
/// Open-trade markers one run of [`Guildhall::expire_trades`] looks at.
pub const EXPIRE_SCAN: u32 = 1000;

/// Both players' `trades_of` documents (and those of third players whose expired trades
/// a call closes), each written once per change set.
#[derive(Default)]
struct Index(HashMap<PlayerId, Versioned<TradesOf>>);

impl Index {
    async fn get<'a>(&'a mut self, gh: &Guildhall, p: &PlayerId) -> Result<&'a mut TradesOf> {
        if !self.0.contains_key(p) {
            let doc = gh
                .load::<TradesOf>(p.as_str())
                .await?
                .unwrap_or_else(|| Versioned::new(p.as_str(), TradesOf::default()));
            self.0.insert(p.clone(), doc);
        }
        Ok(&mut self.0.get_mut(p).expect("inserted").value)
    }

    fn write(self, cs: &mut ChangeSet) {
        let mut docs: Vec<_> = self.0.into_values().collect();
        docs.sort_by(|a, b| a.id.cmp(&b.id));
        for d in docs {
            cs.docs.push(d.put());
        }
    }
}

impl Guildhall {
    async fn trade_doc(&self, trade_id: &str) -> Result<Versioned<Trade>> {
        rules::check_trade_id(trade_id)?;
        self.load::<Trade>(trade_id)
            .await?
            .ok_or_else(|| Error::not_found("trade", trade_id))
    }

    /// The catalog items an offer names (absent ones are left out; the rule refuses them).
    async fn offer_catalog(&self, offers: &[&TradeOffer]) -> Result<HashMap<String, CatalogItem>> {
        let mut out = HashMap::new();
        for o in offers {
            for i in &o.items {
                if out.contains_key(&i.item_id) || i.item_id.is_empty() || i.item_id.len() > 128 {
                    continue;
                }
                if let Some(item) = self.store.catalog_item(&i.item_id).await? {
                    out.insert(i.item_id.clone(), item);
                }
            }
        }
        Ok(out)
    }

    async fn check_offer(&self, offer: &TradeOffer) -> Result<()> {
        let catalog = self.offer_catalog(&[offer]).await?;
        rules::check_offer(&self.config, &self.config.trade, offer, &catalog)
    }

    /// Writes a trade's closing into `cs`: the trade moves from both players' open lists
    /// to their histories and its open marker goes.
    async fn file_close(&self, index: &mut Index, cs: &mut ChangeSet, trade: &Trade) -> Result<()> {
        for p in trade.players() {
            rules::file_closed(&self.config.trade, &trade.id, index.get(self, &p).await?);
        }
        let marker = Versioned {
            id: trade.id.clone(),
            value: OpenTrade {},
            version: 1,
        };
        cs.docs.push(marker.delete());
        Ok(())
    }

    /// Counts `player`'s live open trades, closing (in `cs`) the expired ones it finds.
    async fn live_open(
        &self,
        ctx: &Ctx,
        index: &mut Index,
        cs: &mut ChangeSet,
        player: &PlayerId,
    ) -> Result<usize> {
        let ids = index.get(self, player).await?.open.clone();
        let mut live = 0;
        for id in ids {
            let Some(mut t) = self.load::<Trade>(&id).await? else {
                index.get(self, player).await?.open.retain(|x| x != &id);
                continue;
            };
            if t.value.is_live(ctx.now) {
                live += 1;
            } else if rules::expire(ctx, cs, &mut t.value) {
                self.file_close(index, cs, &t.value).await?;
                cs.docs.push(t.put());
            } else {
                index.get(self, player).await?.open.retain(|x| x != &id);
            }
        }
        Ok(live)
    }

    /// Opens a trade of `req.player` with `req.with`, carrying the opener's first offer.
    /// Event `trade_opened` to both. Errors: `INVALID_ARGUMENT` (with themself, a bad
    /// offer), `NOT_FOUND` (an offered item not in the catalog), `BLOCKED` (either
    /// blocked the other), `LIMIT_REACHED` (either has `max_open_per_player` open
    /// trades), `IDEMPOTENCY_CONFLICT`.
    pub async fn open_trade(&self, req: OpenTradeRequest) -> Result<TradeResult> {
        rules::check_open(&req)?;
        self.check_offer(&req.offer).await?;
        let req = &req;
        self.execute(
            "open_trade",
            &[&req.player, &req.with],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let mut cs = ChangeSet::default();
                    let mut index = Index::default();
                    let blocked = self.blocked_between(&req.player, &req.with).await?;
                    let live = [
                        self.live_open(&ctx, &mut index, &mut cs, &req.player)
                            .await?,
                        self.live_open(&ctx, &mut index, &mut cs, &req.with).await?,
                    ];
                    let mut opener_of = index.get(self, &req.player).await?.clone();
                    let mut other_of = index.get(self, &req.with).await?.clone();
                    let trade = rules::open(
                        &self.config.trade,
                        &ctx,
                        &mut cs,
                        req,
                        blocked,
                        live,
                        &mut opener_of,
                        &mut other_of,
                    )?;
                    *index.get(self, &req.player).await? = opener_of;
                    *index.get(self, &req.with).await? = other_of;
                    index.write(&mut cs);
                    cs.docs
                        .push(Versioned::new(trade.id.as_str(), trade.clone()).put());
                    cs.docs
                        .push(Versioned::new(trade.id.as_str(), OpenTrade {}).put());
                    cs.docs.push(
                        Versioned::new(
                            rules::recent_id(ctx.now, &trade.id),
                            RecentTrade {
                                trade_id: trade.id.clone(),
                            },
                        )
                        .put(),
                    );
                    Ok((
                        cs,
                        TradeResult {
                            trade,
                            replayed: false,
                        },
                    ))
                })
            },
        )
        .await
    }

    /// The exchange of a trade both sides confirmed, into `cs`: reads the rows it moves,
    /// refuses it between players who blocked each other, and files the trade closed.
    async fn complete(&self, ctx: &Ctx, cs: &mut ChangeSet, trade: &mut Trade) -> Result<()> {
        let players = trade.players();
        if self.blocked_between(&players[0], &players[1]).await? {
            return Err(Error::new(
                crate::ErrorCode::Blocked,
                format!(
                    "{} and {} cannot trade: one blocked the other",
                    players[0], players[1]
                ),
            )
            .with_details(serde_json::json!({ "trade_id": trade.id })));
        }
        let offers: Vec<&TradeOffer> = trade.sides.iter().map(|s| &s.offer).collect();
        let catalog = self.offer_catalog(&offers).await?;
        let mut rows: [SideRows; 2] = Default::default();
        for (s, p) in players.iter().enumerate() {
            let account = Account::Player(p.clone());
            for o in &offers {
                for c in &o.currencies {
                    if !rows[s].balances.contains_key(&c.currency) {
                        let row = self.store.balance(&account, &c.currency).await?;
                        rows[s].balances.insert(c.currency.clone(), row);
                    }
                }
                for i in &o.items {
                    if !rows[s].items.contains_key(&i.item_id) {
                        let row = self.store.item(p, &i.item_id).await?;
                        rows[s].items.insert(i.item_id.clone(), row);
                    }
                }
            }
        }
        rules::exchange(&self.config, ctx, cs, trade, &rows, &catalog)?;
        let mut index = Index::default();
        self.file_close(&mut index, cs, trade).await?;
        index.write(cs);
        Ok(())
    }

    /// Runs a change of an existing trade: reads it, holds both players' stripes, and
    /// commits what `change` decides (the trade written under its version, with the
    /// exchange when it says so).
    async fn on_trade<Req, F>(
        &self,
        op: &str,
        trade_id: &str,
        key: Option<&str>,
        req: &Req,
        change: F,
    ) -> Result<TradeResult>
    where
        Req: serde::Serialize + Sync,
        F: Fn(&Ctx, &mut ChangeSet, &mut Trade) -> Result<Next> + Send + Sync,
    {
        let first = self.trade_doc(trade_id).await?;
        let players = first.value.players();
        let change = &change;
        self.execute(op, &[&players[0], &players[1]], key, req, |ctx: Ctx| {
            Box::pin(async move {
                // The rows an exchange moves are read after the trade: a refusal seen on
                // rows that another call's exchange (or any write) moved since the trade
                // was read is decided again on a fresh read, so the loser of two
                // confirmations at once hears `TRADE_CLOSED`, not the shortfall the
                // winner's exchange left behind (bounded by `max_retries`).
                let mut rereads = 0;
                let (cs, doc) = loop {
                    let mut doc = self.trade_doc(trade_id).await?;
                    let mut cs = ChangeSet::default();
                    match change(&ctx, &mut cs, &mut doc.value)? {
                        Next::Unchanged => {}
                        Next::Changed => cs.docs.push(doc.put()),
                        Next::Exchange => {
                            if let Err(e) = self.complete(&ctx, &mut cs, &mut doc.value).await {
                                let now = self.trade_doc(trade_id).await?;
                                if now.version != doc.version && rereads < self.config.max_retries {
                                    rereads += 1;
                                    continue;
                                }
                                return Err(e);
                            }
                            cs.docs.push(doc.put());
                        }
                    }
                    break (cs, doc);
                };
                let trade = doc.value.seen_at(ctx.now);
                Ok((
                    cs,
                    TradeResult {
                        trade,
                        replayed: false,
                    },
                ))
            })
        })
        .await
    }

    /// Replaces a side's offer: a different offer moves the revision, clears both
    /// confirmations and restarts the expiry; `confirm` also confirms the revision it
    /// makes. Event `trade_updated` to both. Errors: `NOT_FOUND`, `INVALID_ARGUMENT`,
    /// `TRADE_CLOSED`, `TRADE_CHANGED` (`revision` given and not current), `FORBIDDEN`
    /// (not a side), `IDEMPOTENCY_CONFLICT`; when an unchanged offer's confirmation
    /// completes the trade, the exchange's errors (see [`Guildhall::confirm_trade`]).
    pub async fn set_trade_offer(&self, req: TradeOfferRequest) -> Result<TradeResult> {
        rules::check_trade_id(&req.trade_id)?;
        self.check_offer(&req.offer).await?;
        let tc = self.config.trade.clone();
        let r = &req;
        self.on_trade(
            "set_trade_offer",
            &req.trade_id,
            req.idempotency_key.as_deref(),
            r,
            move |ctx, cs, trade| rules::set_offer(&tc, ctx, cs, trade, r),
        )
        .await
    }

    /// A side confirms the revision it saw. The second confirmation is the exchange, in
    /// one commit: every amount and item moves (wallet and inventory rows guarded by
    /// their versions, a ledger entry per currency movement with reason `trade` and the
    /// trade id in its metadata) and the trade completes (`trade_completed`), or nothing
    /// happens. Errors: `NOT_FOUND`, `TRADE_CLOSED`, `TRADE_CHANGED`, `FORBIDDEN`,
    /// `BLOCKED`, `INSUFFICIENT_FUNDS`, `INSUFFICIENT_QUANTITY`, `ALREADY_OWNED`,
    /// `BALANCE_LIMIT`, `STACK_LIMIT`, `IDEMPOTENCY_CONFLICT`.
    pub async fn confirm_trade(&self, req: ConfirmTradeRequest) -> Result<TradeResult> {
        rules::check_trade_id(&req.trade_id)?;
        let r = &req;
        self.on_trade(
            "confirm_trade",
            &req.trade_id,
            req.idempotency_key.as_deref(),
            r,
            move |ctx, cs, trade| rules::confirm(ctx, cs, trade, &r.player, r.revision),
        )
        .await
    }

    /// A side cancels an open trade. Event `trade_cancelled` (reason `cancelled`).
    /// Errors: `NOT_FOUND`, `TRADE_CLOSED`, `FORBIDDEN`, `IDEMPOTENCY_CONFLICT`.
    pub async fn cancel_trade(&self, req: CancelTradeRequest) -> Result<TradeResult> {
        rules::check_trade_id(&req.trade_id)?;
        let first = self.trade_doc(&req.trade_id).await?;
        let players = first.value.players();
        let r = &req;
        self.execute(
            "cancel_trade",
            &[&players[0], &players[1]],
            req.idempotency_key.as_deref(),
            r,
            |ctx: Ctx| {
                Box::pin(async move {
                    let mut doc = self.trade_doc(&r.trade_id).await?;
                    let mut cs = ChangeSet::default();
                    rules::cancel(&ctx, &mut cs, &mut doc.value, &r.player)?;
                    let mut index = Index::default();
                    self.file_close(&mut index, &mut cs, &doc.value).await?;
                    index.write(&mut cs);
                    cs.docs.push(doc.put());
                    Ok((
                        cs,
                        TradeResult {
                            trade: doc.value,
                            replayed: false,
                        },
                    ))
                })
            },
        )
        .await
    }

    /// Closes the open trades past their expiry (at most [`EXPIRE_SCAN`] looked at per
    /// run), each in a commit of its own: cancelled with reason `expired`, event
    /// `trade_cancelled` to both. The host's scheduler runs it; a read already shows an
    /// expired trade as cancelled. Returns how many it closed.
    pub async fn expire_trades(&self) -> Result<u32> {
        let now = self.clock.now();
        let mut closed = 0;
        for marker in self.store.docs(OpenTrade::KIND, "", EXPIRE_SCAN).await? {
            let Some(t) = self.load::<Trade>(&marker.id).await? else {
                continue;
            };
            if t.value.is_live(now) || t.value.state != crate::trade::TradeState::Open {
                continue;
            }
            let players = t.value.players();
            let _locked = self
                .stripes
                .lock_keys(&[players[0].as_str(), players[1].as_str()])
                .await;
            let id = marker.id.clone();
            let id = &id;
            let done = self
                .retrying("expire_trade", |ctx: Ctx| {
                    Box::pin(async move {
                        let mut cs = ChangeSet::default();
                        let Some(mut doc) = self.load::<Trade>(id).await? else {
                            return Ok((cs, false));
                        };
                        if !rules::expire(&ctx, &mut cs, &mut doc.value) {
                            return Ok((cs, false));
                        }
                        let mut index = Index::default();
                        self.file_close(&mut index, &mut cs, &doc.value).await?;
                        index.write(&mut cs);
                        cs.docs.push(doc.put());
                        Ok((cs, true))
                    })
                })
                .await?;
            if done {
                closed += 1;
            }
        }
        Ok(closed)
    }

    /// One trade (an open trade past its expiry reads as cancelled, reason `expired`).
    /// Errors: `NOT_FOUND`, `INVALID_ARGUMENT`.
    pub async fn trade(&self, trade_id: &str) -> Result<Trade> {
        Ok(self
            .trade_doc(trade_id)
            .await?
            .value
            .seen_at(self.clock.now()))
    }

    /// A player's trades: the open ones, oldest first, and the history (completed,
    /// cancelled, expired), newest first, at most `history_limit`.
    pub async fn player_trades(&self, player: &PlayerId) -> Result<PlayerTrades> {
        let now = self.clock.now();
        let of = self
            .load::<TradesOf>(player.as_str())
            .await?
            .map(|d| d.value)
            .unwrap_or_default();
        let (mut open, mut expired) = (Vec::new(), Vec::new());
        for id in &of.open {
            if let Some(t) = self.load::<Trade>(id).await? {
                let t = t.value.seen_at(now);
                match t.state {
                    crate::trade::TradeState::Open => open.push(t),
                    _ => expired.push(t),
                }
            }
        }
        expired.reverse();
        let mut past = expired;
        for id in &of.past {
            if let Some(t) = self.load::<Trade>(id).await? {
                past.push(t.value);
            }
        }
        past.truncate(self.config.trade.history_limit as usize);
        Ok(PlayerTrades {
            player: player.clone(),
            open,
            past,
        })
    }

    /// The most recently opened trades, newest first, at most `limit` (1 to
    /// [`RECENT_TRADES_MAX`]; the console's list). Errors: `INVALID_ARGUMENT`.
    pub async fn recent_trades(&self, limit: u32) -> Result<Vec<Trade>> {
        if !(1..=RECENT_TRADES_MAX).contains(&limit) {
            return Err(Error::invalid("limit", "limit is 1 to 200"));
        }
        let now = self.clock.now();
        let mut out = Vec::new();
        for m in self.store.docs(RecentTrade::KIND, "", limit).await? {
            let m = Versioned::<RecentTrade>::decode(m)?;
            if let Some(t) = self.load::<Trade>(&m.value.trade_id).await? {
                out.push(t.value.seen_at(now));
            }
        }
        Ok(out)
    }

    /// The ledger entries of a completed trade's exchange (its transaction, the trade
    /// id in their metadata), oldest first; empty for a trade that moved no currency or
    /// did not complete. Looks through the opener's latest 5 000 transfers. Errors:
    /// `NOT_FOUND`, `INVALID_ARGUMENT`.
    pub async fn trade_ledger(&self, trade_id: &str) -> Result<Vec<LedgerEntry>> {
        let t = self.trade_doc(trade_id).await?.value;
        let Some(tx) = t.transaction_id.clone() else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut before = None;
        for _ in 0..25 {
            let page = self
                .store
                .history(&crate::ports::HistoryQuery {
                    account: Account::Player(t.sides[0].player.clone()),
                    currency: None,
                    kind: Some(EntryKind::Transfer),
                    before_seq: before,
                    limit: 200,
                })
                .await?;
            let Some(last) = page.last() else { break };
            before = Some(last.seq);
            let older = last.at < t.opened_at;
            out.extend(page.into_iter().filter(|e| e.transaction_id == tx));
            if older {
                break;
            }
        }
        out.reverse();
        Ok(out)
    }
}
