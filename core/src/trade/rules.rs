//! Trade rules (SPEC.md Trade): pure decisions over a trade document and the rows the
//! service read. No I/O, no clock (the time is the [`Ctx`]'s).
//!
//! - [`check_offer`]: an offer's shape and limits (never escrowed);
//! - [`open`]: not with oneself, not blocked, the open-trade limit of both players;
//! - [`set_offer`]: any change of an offer moves the revision and clears both
//!   confirmations, and restarts the expiry;
//! - [`confirm`]: names the revision seen (`TRADE_CHANGED` otherwise); the second
//!   confirmation is the exchange;
//! - [`exchange`]: every amount and item moves in one change set, debits first, each
//!   player row guarded by the version read, each currency movement a ledger entry with
//!   the trade id in its metadata; or an error and nothing;
//! - [`cancel`] and [`expire`]: a closed trade answers `TRADE_CLOSED` to every call.

use super::{
    OpenTradeRequest, Trade, TradeConfig, TradeOffer, TradeOfferRequest, TradeSide, TradeState,
    TradeStep, TradesOf,
};
use crate::config::Config;
use crate::ctx::Ctx;
use crate::economy::rules::{apply_delta, entry, set_balance};
use crate::error::{Error, ErrorCode, Result};
use crate::ports::{BalanceRow, ChangeSet, ItemRow, ItemWrite};
use crate::types::{check_text, Account, Amount, CatalogItem, EntryKind, ItemKind, PlayerId};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Ledger reason of an exchange's entries.
pub const REASON: &str = "trade";
/// Steps a trade's log keeps (the latest).
pub const MAX_STEPS: usize = 64;

/// Checks a trade id: 1-128 bytes, no control characters. Errors: `INVALID_ARGUMENT`.
pub fn check_trade_id(id: &str) -> Result<()> {
    check_text("trade_id", id, 1, 128)
}

/// The id of a trade's `trade_recent` marker: the opening time inverted (so the newest
/// sorts first) and the trade id.
pub fn recent_id(at: DateTime<Utc>, trade_id: &str) -> String {
    let inverted = i64::MAX - at.timestamp_micros().max(0);
    format!("{inverted:019}:{trade_id}")
}

/// Checks an offer's shape and limits: at most `max_offer_entries` entries, each
/// currency configured and listed once with an amount > 0, each item in `catalog`
/// (the service reads the items offered) and listed once with a quantity > 0, exactly 1
/// for a durable. Errors: `INVALID_ARGUMENT`, `NOT_FOUND` (an item not in the catalog).
pub fn check_offer(
    cfg: &Config,
    tc: &TradeConfig,
    offer: &TradeOffer,
    catalog: &HashMap<String, CatalogItem>,
) -> Result<()> {
    let n = offer.currencies.len() + offer.items.len();
    if n > tc.max_offer_entries as usize {
        return Err(Error::invalid(
            "offer",
            format!("an offer lists at most {} entries", tc.max_offer_entries),
        ));
    }
    let mut seen = HashSet::new();
    for c in &offer.currencies {
        cfg.currency(&c.currency)?;
        if c.amount <= 0 {
            return Err(Error::invalid(
                "offer.currencies.amount",
                "an amount offered is a positive integer in the currency's smallest unit",
            ));
        }
        if !seen.insert(("c", c.currency.as_str())) {
            return Err(Error::invalid(
                "offer.currencies",
                format!("currency '{}' is listed twice", c.currency),
            ));
        }
    }
    for i in &offer.items {
        crate::inventory::rules::check_item_id(&i.item_id)?;
        if i.quantity <= 0 {
            return Err(Error::invalid(
                "offer.items.quantity",
                "a quantity offered is at least 1",
            ));
        }
        if !seen.insert(("i", i.item_id.as_str())) {
            return Err(Error::invalid(
                "offer.items",
                format!("item '{}' is listed twice", i.item_id),
            ));
        }
        let item = catalog
            .get(&i.item_id)
            .ok_or_else(|| Error::not_found("catalog item", &i.item_id))?;
        if item.kind == ItemKind::Durable && i.quantity != 1 {
            return Err(Error::invalid(
                "offer.items.quantity",
                format!("'{}' is durable: its quantity is 1", i.item_id),
            ));
        }
    }
    Ok(())
}

/// Checks what an open request can be checked for before any read: two different
/// players. Errors: `INVALID_ARGUMENT`.
pub fn check_open(req: &OpenTradeRequest) -> Result<()> {
    if req.player == req.with {
        return Err(Error::invalid(
            "with",
            "a player cannot trade with themself",
        ));
    }
    Ok(())
}

fn closed(trade: &Trade, now: DateTime<Utc>) -> Result<()> {
    if trade.is_live(now) {
        return Ok(());
    }
    let seen = trade.clone().seen_at(now);
    Err(Error::new(
        ErrorCode::TradeClosed,
        format!("trade {} is closed", trade.id),
    )
    .with_details(
        json!({ "trade_id": trade.id, "state": seen.state, "cancel_reason": seen.cancel_reason }),
    ))
}

fn side(trade: &Trade, player: &PlayerId) -> Result<usize> {
    trade.side_of(player).ok_or_else(|| {
        Error::new(
            ErrorCode::Forbidden,
            format!("{player} is not a side of trade {}", trade.id),
        )
        .with_details(json!({ "trade_id": trade.id, "player": player }))
    })
}

fn step(
    trade: &mut Trade,
    ctx: &Ctx,
    player: Option<&PlayerId>,
    action: &str,
    offer: Option<&TradeOffer>,
) {
    trade.steps.push(TradeStep {
        revision: trade.revision,
        at: ctx.now,
        player: player.cloned(),
        action: action.into(),
        offer: offer.cloned(),
    });
    if trade.steps.len() > MAX_STEPS {
        let cut = trade.steps.len() - MAX_STEPS;
        trade.steps.drain(..cut);
    }
}

fn payload(trade: &Trade) -> serde_json::Value {
    json!({
        "trade_id": trade.id,
        "state": trade.state,
        "revision": trade.revision,
        "sides": trade.sides,
        "expires_at": trade.expires_at,
    })
}

/// Opens a trade of `req.player` with `req.with`, carrying the opener's first offer
/// (checked by the service with [`check_offer`]), and records it in both players'
/// [`TradesOf`]. `blocked`: either blocked the other. `live`: open trades of the opener
/// and of the other that have not expired. Event `trade_opened` to both.
/// Errors: `INVALID_ARGUMENT` (with themself), `BLOCKED`, `LIMIT_REACHED` (either
/// player's open trades).
#[allow(clippy::too_many_arguments)]
pub fn open(
    tc: &TradeConfig,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    req: &OpenTradeRequest,
    blocked: bool,
    live: [usize; 2],
    opener_of: &mut TradesOf,
    other_of: &mut TradesOf,
) -> Result<Trade> {
    check_open(req)?;
    if blocked {
        return Err(Error::new(
            ErrorCode::Blocked,
            format!(
                "{} and {} cannot trade: one blocked the other",
                req.player, req.with
            ),
        )
        .with_details(json!({ "player": req.player, "with": req.with })));
    }
    for (who, n) in [(&req.player, live[0]), (&req.with, live[1])] {
        if n >= tc.max_open_per_player as usize {
            return Err(Error::new(
                ErrorCode::LimitReached,
                format!(
                    "{who} has {n} open trades (at most {})",
                    tc.max_open_per_player
                ),
            )
            .with_details(
                json!({ "player": who, "open": n, "max_open_per_player": tc.max_open_per_player }),
            ));
        }
    }
    let mut trade = Trade {
        id: ctx.id(),
        state: TradeState::Open,
        revision: 1,
        sides: vec![
            TradeSide {
                player: req.player.clone(),
                offer: req.offer.clone(),
                confirmed: false,
            },
            TradeSide {
                player: req.with.clone(),
                offer: TradeOffer::default(),
                confirmed: false,
            },
        ],
        opened_at: ctx.now,
        updated_at: ctx.now,
        expires_at: ctx.now + chrono::Duration::seconds(tc.expiry_secs),
        closed_at: None,
        cancel_reason: None,
        cancelled_by: None,
        transaction_id: None,
        steps: Vec::new(),
    };
    step(
        &mut trade,
        ctx,
        Some(&req.player),
        "opened",
        Some(&req.offer),
    );
    opener_of.open.push(trade.id.clone());
    other_of.open.push(trade.id.clone());
    cs.events
        .push(ctx.event("trade_opened", trade.players(), payload(&trade)));
    Ok(trade)
}

/// What a change to a trade leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Nothing changed (the same offer again, a confirmation already given).
    Unchanged,
    /// The trade changed and stays open.
    Changed,
    /// Both sides have confirmed: the service runs [`exchange`] in this same change set.
    Exchange,
}

/// Replaces `req.player`'s offer (checked by the service with [`check_offer`]). A
/// different offer moves the revision, clears both confirmations and restarts the
/// expiry; the same offer again changes nothing. `req.confirm` then confirms the
/// revision the change made (or, unchanged, the current one). Event `trade_updated`.
/// Errors: `TRADE_CLOSED`, `FORBIDDEN` (not a side), `TRADE_CHANGED` (`req.revision`
/// is not current), `INVALID_ARGUMENT` (`confirm` without `revision`).
pub fn set_offer(
    tc: &TradeConfig,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    trade: &mut Trade,
    req: &TradeOfferRequest,
) -> Result<Next> {
    if req.confirm && req.revision.is_none() {
        return Err(Error::invalid(
            "revision",
            "a confirmation names the revision it saw",
        ));
    }
    closed(trade, ctx.now)?;
    let i = side(trade, &req.player)?;
    if let Some(r) = req.revision {
        check_revision(trade, r)?;
    }
    if trade.sides[i].offer == req.offer {
        return match req.confirm {
            true => {
                let current = trade.revision;
                confirm(ctx, cs, trade, &req.player, current)
            }
            false => Ok(Next::Unchanged),
        };
    }
    trade.revision += 1;
    trade.sides[i].offer = req.offer.clone();
    for s in &mut trade.sides {
        s.confirmed = false;
    }
    trade.updated_at = ctx.now;
    trade.expires_at = ctx.now + chrono::Duration::seconds(tc.expiry_secs);
    step(trade, ctx, Some(&req.player), "offer", Some(&req.offer));
    if req.confirm {
        trade.sides[i].confirmed = true;
        step(trade, ctx, Some(&req.player), "confirmed", None);
    }
    cs.events.push(ctx.event(
        "trade_updated",
        trade.players(),
        json!({ "by": req.player, "trade": payload(trade) }),
    ));
    Ok(Next::Changed)
}

fn check_revision(trade: &Trade, seen: i64) -> Result<()> {
    if seen != trade.revision {
        return Err(Error::new(
            ErrorCode::TradeChanged,
            format!(
                "trade {} is at revision {}, not {seen}: look at the offers again",
                trade.id, trade.revision
            ),
        )
        .with_details(json!({ "trade_id": trade.id, "revision": trade.revision, "seen": seen })));
    }
    Ok(())
}

/// `player` confirms the revision they saw. The first confirmation is an event
/// `trade_updated`; the second answers [`Next::Exchange`] (the service then calls
/// [`exchange`]). A confirmation already given changes nothing. Errors: `TRADE_CLOSED`,
/// `FORBIDDEN`, `TRADE_CHANGED`.
pub fn confirm(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    trade: &mut Trade,
    player: &PlayerId,
    revision: i64,
) -> Result<Next> {
    closed(trade, ctx.now)?;
    let i = side(trade, player)?;
    check_revision(trade, revision)?;
    if trade.sides[i].confirmed {
        return Ok(Next::Unchanged);
    }
    trade.sides[i].confirmed = true;
    trade.updated_at = ctx.now;
    step(trade, ctx, Some(player), "confirmed", None);
    if trade.sides.iter().all(|s| s.confirmed) {
        return Ok(Next::Exchange);
    }
    cs.events.push(ctx.event(
        "trade_updated",
        trade.players(),
        json!({ "by": player, "trade": payload(trade) }),
    ));
    Ok(Next::Changed)
}

/// Moves a closed trade from both players' open lists to the front of their past
/// lists (kept to `history_limit`).
pub fn file_closed(tc: &TradeConfig, trade_id: &str, of: &mut TradesOf) {
    of.open.retain(|t| t != trade_id);
    of.past.retain(|t| t != trade_id);
    of.past.insert(0, trade_id.to_string());
    of.past.truncate(tc.history_limit as usize);
}

/// A side cancels an open trade. Event `trade_cancelled` (reason `cancelled`).
/// Errors: `TRADE_CLOSED`, `FORBIDDEN`.
pub fn cancel(ctx: &Ctx, cs: &mut ChangeSet, trade: &mut Trade, player: &PlayerId) -> Result<()> {
    closed(trade, ctx.now)?;
    side(trade, player)?;
    close_cancelled(ctx, cs, trade, Some(player), "cancelled");
    Ok(())
}

/// Closes an open trade past its expiry as cancelled with reason `expired`: `false`
/// (and nothing) when it is closed already or not yet expired. Event `trade_cancelled`.
pub fn expire(ctx: &Ctx, cs: &mut ChangeSet, trade: &mut Trade) -> bool {
    if trade.state != TradeState::Open || ctx.now < trade.expires_at {
        return false;
    }
    close_cancelled(ctx, cs, trade, None, "expired");
    true
}

fn close_cancelled(
    ctx: &Ctx,
    cs: &mut ChangeSet,
    trade: &mut Trade,
    by: Option<&PlayerId>,
    reason: &str,
) {
    trade.state = TradeState::Cancelled;
    trade.closed_at = Some(ctx.now);
    trade.updated_at = ctx.now;
    trade.cancel_reason = Some(reason.into());
    trade.cancelled_by = by.cloned();
    step(trade, ctx, by, reason, None);
    cs.events.push(ctx.event(
        "trade_cancelled",
        trade.players(),
        json!({ "trade_id": trade.id, "reason": reason, "by": by, "revision": trade.revision }),
    ));
}

/// The rows of one side as read for the exchange: the balance rows of the currencies
/// the trade moves and the inventory rows of the items it moves (absent: `None`).
#[derive(Debug, Clone, Default)]
pub struct SideRows {
    /// Balance rows by currency (absent: amount 0, version 0).
    pub balances: HashMap<String, BalanceRow>,
    /// Inventory rows by item id.
    pub items: HashMap<String, Option<ItemRow>>,
}

/// The exchange of a trade both sides confirmed, in `cs` (one commit): every offered
/// amount leaves its giver and reaches the other, every offered item likewise, all
/// debits before the credits. Each changed wallet or inventory row is one guarded write
/// at the version read; each currency movement is one ledger entry (kind `transfer`,
/// reason `trade`, metadata `{"trade_id"}`); event `trade_completed` to both. `rows`
/// are the sides' rows in side order; `catalog` holds every item offered.
/// Errors (and nothing in `cs` is to be committed): `INSUFFICIENT_FUNDS`,
/// `INSUFFICIENT_QUANTITY`, `ALREADY_OWNED` (a durable its receiver already owns),
/// `BALANCE_LIMIT`, `STACK_LIMIT`, `NOT_FOUND` (an item no longer in the catalog).
pub fn exchange(
    cfg: &Config,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    trade: &mut Trade,
    rows: &[SideRows; 2],
    catalog: &HashMap<String, CatalogItem>,
) -> Result<()> {
    let players = [trade.sides[0].player.clone(), trade.sides[1].player.clone()];
    // Running amounts and quantities per side.
    let mut money: [BTreeMap<String, Amount>; 2] = Default::default();
    let mut stock: [BTreeMap<String, i64>; 2] = Default::default();
    for s in 0..2 {
        for (c, r) in &rows[s].balances {
            money[s].insert(c.clone(), r.amount);
        }
        for (i, r) in &rows[s].items {
            stock[s].insert(i.clone(), r.as_ref().map_or(0, |r| r.quantity));
        }
    }
    // Debits.
    for g in 0..2 {
        for c in &trade.sides[g].offer.currencies {
            let held = money[g].get(&c.currency).copied().unwrap_or(0);
            let after = apply_delta(cfg, &players[g], &c.currency, held, -c.amount)?;
            money[g].insert(c.currency.clone(), after);
        }
        for it in &trade.sides[g].offer.items {
            let held = stock[g].get(&it.item_id).copied().unwrap_or(0);
            if held < it.quantity {
                return Err(Error::new(
                    ErrorCode::InsufficientQuantity,
                    format!("{} holds {held} of '{}', offers {}", players[g], it.item_id, it.quantity),
                )
                .with_details(json!({ "player": players[g], "item_id": it.item_id, "held": held, "required": it.quantity, "trade_id": trade.id })));
            }
            stock[g].insert(it.item_id.clone(), held - it.quantity);
        }
    }
    // Credits.
    for g in 0..2 {
        let r = 1 - g;
        for c in &trade.sides[g].offer.currencies {
            let held = money[r].get(&c.currency).copied().unwrap_or(0);
            let after = apply_delta(cfg, &players[r], &c.currency, held, c.amount)?;
            money[r].insert(c.currency.clone(), after);
        }
        for it in &trade.sides[g].offer.items {
            let item = catalog
                .get(&it.item_id)
                .ok_or_else(|| Error::not_found("catalog item", &it.item_id))?;
            let held = stock[r].get(&it.item_id).copied().unwrap_or(0);
            let after = match item.kind {
                ItemKind::Durable if held > 0 => return Err(Error::new(
                    ErrorCode::AlreadyOwned,
                    format!("{} already owns '{}'", players[r], it.item_id),
                )
                .with_details(
                    json!({ "player": players[r], "item_id": it.item_id, "trade_id": trade.id }),
                )),
                ItemKind::Durable => 1,
                ItemKind::Consumable => {
                    let max = item.max_stack.unwrap_or(i64::MAX);
                    match held.checked_add(it.quantity) {
                        Some(n) if n <= max => n,
                        _ => {
                            return Err(Error::new(
                                ErrorCode::StackLimit,
                                format!("a stack of '{}' holds at most {max}", item.name),
                            )
                            .with_details(json!({ "player": players[r], "item_id": it.item_id, "held": held, "requested": it.quantity, "max_stack": max })))
                        }
                    }
                }
            };
            stock[r].insert(it.item_id.clone(), after);
        }
    }
    // Writes of the rows that changed, guarded by the versions read.
    for s in 0..2 {
        for (c, amount) in &money[s] {
            let row = rows[s].balances.get(c).copied().unwrap_or_default();
            if *amount != row.amount {
                cs.balances.push(set_balance(&players[s], c, row, *amount));
            }
        }
        for (item_id, q) in &stock[s] {
            let row = rows[s].items.get(item_id).cloned().flatten();
            if Some(*q) != row.as_ref().map(|r| r.quantity) {
                cs.items.push(ItemWrite {
                    player: players[s].clone(),
                    item_id: item_id.clone(),
                    expected_version: row.as_ref().map_or(0, |r| r.version),
                    quantity: *q,
                    acquired_at: row
                        .filter(|r| r.quantity > 0)
                        .map_or(ctx.now, |r| r.acquired_at),
                });
            }
        }
    }
    let meta = json!({ "trade_id": trade.id });
    for g in 0..2 {
        for c in &trade.sides[g].offer.currencies {
            cs.ledger.push(entry(
                ctx,
                EntryKind::Transfer,
                &c.currency,
                Account::Player(players[g].clone()),
                Account::Player(players[1 - g].clone()),
                c.amount,
                REASON.into(),
                meta.clone(),
            ));
        }
    }
    trade.state = TradeState::Completed;
    trade.closed_at = Some(ctx.now);
    trade.updated_at = ctx.now;
    trade.transaction_id = Some(ctx.transaction_id.clone());
    step(trade, ctx, None, "completed", None);
    cs.events.push(ctx.event(
        "trade_completed",
        trade.players(),
        json!({ "trade_id": trade.id, "transaction_id": ctx.transaction_id, "revision": trade.revision, "sides": trade.sides }),
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{Ids, SequentialIds};
    use crate::trade::TradeItem;
    use crate::types::{Balance, Currency};
    use chrono::TimeZone;
    use std::sync::Arc;

    fn cfg() -> Config {
        Config::new(vec![
            Currency {
                code: "gold".into(),
                max_balance: Some(1000),
            },
            Currency {
                code: "gems".into(),
                max_balance: None,
            },
        ])
        .unwrap()
    }
    fn p(s: &str) -> PlayerId {
        PlayerId::new(s).unwrap()
    }
    fn ctx_at(secs: i64) -> Ctx {
        let ids: Arc<dyn Ids> = Arc::new(SequentialIds::new("t"));
        Ctx::new(
            &cfg(),
            Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap(),
            ids,
        )
    }
    fn item(id: &str, kind: ItemKind, max_stack: Option<i64>) -> CatalogItem {
        CatalogItem {
            id: id.into(),
            name: id.into(),
            kind,
            price: None,
            max_stack,
            active: true,
            metadata: serde_json::Value::Null,
        }
    }
    fn catalog() -> HashMap<String, CatalogItem> {
        [
            item("potion", ItemKind::Consumable, Some(10)),
            item("sword", ItemKind::Durable, None),
        ]
        .into_iter()
        .map(|i| (i.id.clone(), i))
        .collect()
    }
    fn gold(n: i64) -> TradeOffer {
        TradeOffer {
            currencies: vec![Balance {
                currency: "gold".into(),
                amount: n,
            }],
            items: vec![],
        }
    }
    fn items(id: &str, q: i64) -> TradeOffer {
        TradeOffer {
            currencies: vec![],
            items: vec![TradeItem {
                item_id: id.into(),
                quantity: q,
            }],
        }
    }
    fn opened(offer: TradeOffer) -> (Trade, TradeConfig) {
        let tc = TradeConfig::default();
        let req = OpenTradeRequest {
            player: p("a"),
            with: p("b"),
            offer,
            idempotency_key: None,
        };
        let mut cs = ChangeSet::default();
        let t = open(
            &tc,
            &ctx_at(0),
            &mut cs,
            &req,
            false,
            [0, 0],
            &mut TradesOf::default(),
            &mut TradesOf::default(),
        )
        .unwrap();
        assert_eq!(cs.events[0].kind, "trade_opened");
        (t, tc)
    }
    fn offer_req(
        player: &str,
        trade: &Trade,
        offer: TradeOffer,
        revision: Option<i64>,
        confirm: bool,
    ) -> TradeOfferRequest {
        TradeOfferRequest {
            player: p(player),
            trade_id: trade.id.clone(),
            offer,
            revision,
            confirm,
            idempotency_key: None,
        }
    }

    #[test]
    fn offers_are_checked_for_shape_and_limits() {
        let c = cfg();
        let tc = TradeConfig::default();
        let cat = catalog();
        assert!(check_offer(&c, &tc, &gold(5), &cat).is_ok());
        assert_eq!(
            check_offer(&c, &tc, &gold(0), &cat).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        let mut twice = gold(5);
        twice.currencies.push(Balance {
            currency: "gold".into(),
            amount: 1,
        });
        assert_eq!(
            check_offer(&c, &tc, &twice, &cat).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        let mut bad = gold(5);
        bad.currencies[0].currency = "silver".into();
        assert!(check_offer(&c, &tc, &bad, &cat).is_err());
        assert_eq!(
            check_offer(&c, &tc, &items("nope", 1), &cat)
                .unwrap_err()
                .code,
            ErrorCode::NotFound
        );
        assert_eq!(
            check_offer(&c, &tc, &items("sword", 2), &cat)
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            check_offer(&c, &tc, &items("potion", 0), &cat)
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument
        );
        let small = TradeConfig {
            max_offer_entries: 1,
            ..TradeConfig::default()
        };
        let mut two = gold(5);
        two.items.push(TradeItem {
            item_id: "potion".into(),
            quantity: 1,
        });
        assert_eq!(
            check_offer(&c, &small, &two, &cat).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn open_refuses_self_blocked_and_limits() {
        let tc = TradeConfig {
            max_open_per_player: 2,
            ..TradeConfig::default()
        };
        let ctx = ctx_at(0);
        let mut req = OpenTradeRequest {
            player: p("a"),
            with: p("a"),
            offer: TradeOffer::default(),
            idempotency_key: None,
        };
        let (mut x, mut y) = (TradesOf::default(), TradesOf::default());
        let mut cs = ChangeSet::default();
        assert_eq!(
            open(&tc, &ctx, &mut cs, &req, false, [0, 0], &mut x, &mut y)
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument
        );
        req.with = p("b");
        assert_eq!(
            open(&tc, &ctx, &mut cs, &req, true, [0, 0], &mut x, &mut y)
                .unwrap_err()
                .code,
            ErrorCode::Blocked
        );
        assert_eq!(
            open(&tc, &ctx, &mut cs, &req, false, [2, 0], &mut x, &mut y)
                .unwrap_err()
                .code,
            ErrorCode::LimitReached
        );
        assert_eq!(
            open(&tc, &ctx, &mut cs, &req, false, [0, 2], &mut x, &mut y)
                .unwrap_err()
                .code,
            ErrorCode::LimitReached
        );
        assert!(cs.is_empty());
        let t = open(&tc, &ctx, &mut cs, &req, false, [1, 1], &mut x, &mut y).unwrap();
        assert_eq!(x.open, vec![t.id.clone()]);
        assert_eq!(y.open, vec![t.id.clone()]);
        assert_eq!(t.expires_at, ctx.now + chrono::Duration::seconds(300));
    }

    #[test]
    fn any_change_clears_both_confirmations_and_moves_the_revision() {
        let (mut t, tc) = opened(gold(5));
        let mut cs = ChangeSet::default();
        let ctx = ctx_at(10);
        assert_eq!(
            confirm(&ctx, &mut cs, &mut t, &p("a"), 1).unwrap(),
            Next::Changed
        );
        assert!(t.sides[0].confirmed);
        let r = offer_req("b", &t, items("potion", 1), None, false);
        assert_eq!(
            set_offer(&tc, &ctx, &mut cs, &mut t, &r).unwrap(),
            Next::Changed
        );
        assert_eq!(t.revision, 2);
        assert!(!t.sides[0].confirmed && !t.sides[1].confirmed);
        assert_eq!(t.expires_at, ctx.now + chrono::Duration::seconds(300));
        // The same offer again changes nothing.
        assert_eq!(
            set_offer(&tc, &ctx, &mut cs, &mut t, &r).unwrap(),
            Next::Unchanged
        );
        assert_eq!(t.revision, 2);
    }

    #[test]
    fn confirming_an_old_revision_is_trade_changed() {
        let (mut t, tc) = opened(gold(5));
        let mut cs = ChangeSet::default();
        let ctx = ctx_at(1);
        let r = offer_req("a", &t, gold(6), Some(1), false);
        set_offer(&tc, &ctx, &mut cs, &mut t, &r).unwrap();
        let e = confirm(&ctx, &mut cs, &mut t, &p("b"), 1).unwrap_err();
        assert_eq!(e.code, ErrorCode::TradeChanged);
        assert_eq!(e.details["revision"], 2);
        let r = offer_req("b", &t, gold(1), Some(1), true);
        let e = set_offer(&tc, &ctx, &mut cs, &mut t, &r).unwrap_err();
        assert_eq!(e.code, ErrorCode::TradeChanged);
        let r = offer_req("b", &t, gold(1), None, true);
        let e = set_offer(&tc, &ctx, &mut cs, &mut t, &r).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument);
    }

    #[test]
    fn offer_with_confirm_then_the_other_confirm_is_the_exchange() {
        let (mut t, tc) = opened(gold(5));
        let mut cs = ChangeSet::default();
        let ctx = ctx_at(1);
        let r = offer_req("b", &t, items("potion", 2), Some(1), true);
        assert_eq!(
            set_offer(&tc, &ctx, &mut cs, &mut t, &r).unwrap(),
            Next::Changed
        );
        assert!(t.sides[1].confirmed);
        assert_eq!(
            confirm(&ctx, &mut cs, &mut t, &p("a"), 2).unwrap(),
            Next::Exchange
        );
        assert_eq!(
            confirm(&ctx, &mut cs, &mut t, &p("c"), 2).unwrap_err().code,
            ErrorCode::Forbidden
        );
    }

    #[test]
    fn closed_and_expired_trades_refuse_every_call() {
        let (mut t, tc) = opened(gold(5));
        let mut cs = ChangeSet::default();
        let late = ctx_at(300);
        assert_eq!(
            confirm(&late, &mut cs, &mut t, &p("a"), 1)
                .unwrap_err()
                .code,
            ErrorCode::TradeClosed
        );
        assert_eq!(
            cancel(&late, &mut cs, &mut t, &p("a")).unwrap_err().code,
            ErrorCode::TradeClosed
        );
        assert_eq!(
            t.clone().seen_at(late.now).cancel_reason.as_deref(),
            Some("expired")
        );
        assert!(!expire(&ctx_at(299), &mut cs, &mut t));
        assert!(expire(&late, &mut cs, &mut t));
        assert_eq!(t.state, TradeState::Cancelled);
        assert_eq!(cs.events.last().unwrap().kind, "trade_cancelled");
        assert_eq!(cs.events.last().unwrap().payload["reason"], "expired");
        let (mut t, _) = opened(gold(5));
        cancel(&ctx_at(1), &mut cs, &mut t, &p("b")).unwrap();
        let r = offer_req("a", &t, gold(1), None, false);
        assert_eq!(
            set_offer(&tc, &ctx_at(2), &mut cs, &mut t, &r)
                .unwrap_err()
                .code,
            ErrorCode::TradeClosed
        );
    }

    fn rows(gold: i64, items: &[(&str, i64)]) -> SideRows {
        SideRows {
            balances: [(
                "gold".to_string(),
                BalanceRow {
                    amount: gold,
                    version: 3,
                },
            )]
            .into(),
            items: items
                .iter()
                .map(|(i, q)| {
                    (
                        i.to_string(),
                        Some(ItemRow {
                            item_id: i.to_string(),
                            quantity: *q,
                            acquired_at: Utc.timestamp_opt(0, 0).unwrap(),
                            version: 2,
                        }),
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn exchange_moves_everything_with_guarded_writes_and_ledger_entries() {
        let (mut t, _) = opened(gold(50));
        t.sides[1].offer = items("sword", 1);
        let mut cs = ChangeSet::default();
        let ctx = ctx_at(5);
        let mut r = [rows(60, &[]), rows(0, &[("sword", 1)])];
        r[0].items.insert("sword".into(), None);
        exchange(&cfg(), &ctx, &mut cs, &mut t, &r, &catalog()).unwrap();
        assert_eq!(t.state, TradeState::Completed);
        assert_eq!(cs.balances.len(), 2);
        assert_eq!(cs.items.len(), 2);
        assert_eq!(cs.ledger.len(), 1);
        assert_eq!(cs.ledger[0].metadata["trade_id"], t.id.as_str());
        assert_eq!(cs.ledger[0].reason, "trade");
        assert!(cs
            .items
            .iter()
            .any(|w| w.player == p("a") && w.quantity == 1 && w.expected_version == 0));
        assert!(cs
            .items
            .iter()
            .any(|w| w.player == p("b") && w.quantity == 0 && w.expected_version == 2));
        assert_eq!(cs.events.last().unwrap().kind, "trade_completed");
    }

    #[test]
    fn exchange_refuses_whole_on_any_shortfall() {
        let c = cfg();
        let ctx = ctx_at(5);
        for (a_offer, b_offer, a_rows, b_rows, code) in [
            (
                gold(50),
                items("potion", 1),
                rows(49, &[]),
                rows(0, &[("potion", 1)]),
                ErrorCode::InsufficientFunds,
            ),
            (
                gold(5),
                items("potion", 3),
                rows(49, &[]),
                rows(0, &[("potion", 2)]),
                ErrorCode::InsufficientQuantity,
            ),
            (
                gold(5),
                items("sword", 1),
                rows(49, &[("sword", 1)]),
                rows(0, &[("sword", 1)]),
                ErrorCode::AlreadyOwned,
            ),
            (
                gold(5),
                items("potion", 5),
                rows(49, &[("potion", 8)]),
                rows(0, &[("potion", 5)]),
                ErrorCode::StackLimit,
            ),
            (
                gold(5),
                gold(996),
                rows(1000, &[]),
                rows(996, &[]),
                ErrorCode::BalanceLimit,
            ),
        ] {
            let (mut t, _) = opened(a_offer);
            t.sides[1].offer = b_offer;
            let before = t.clone();
            let mut cs = ChangeSet::default();
            let e = exchange(&c, &ctx, &mut cs, &mut t, &[a_rows, b_rows], &catalog()).unwrap_err();
            assert_eq!(e.code, code);
            assert_eq!(t, before);
            assert!(cs.ledger.is_empty() && cs.balances.is_empty() && cs.items.is_empty());
        }
    }

    #[test]
    fn a_swap_of_one_durable_both_ways_is_debits_before_credits() {
        let (mut t, _) = opened(items("sword", 1));
        t.sides[1].offer = items("sword", 1);
        let mut cs = ChangeSet::default();
        exchange(
            &cfg(),
            &ctx_at(1),
            &mut cs,
            &mut t,
            &[rows(0, &[("sword", 1)]), rows(0, &[("sword", 1)])],
            &catalog(),
        )
        .unwrap();
        assert!(cs.items.is_empty());
    }

    #[test]
    fn closed_trades_move_to_the_history_kept_to_its_limit() {
        let tc = TradeConfig {
            history_limit: 2,
            ..TradeConfig::default()
        };
        let mut of = TradesOf {
            open: vec!["x".into(), "y".into()],
            past: vec!["p1".into(), "p2".into()],
        };
        file_closed(&tc, "x", &mut of);
        assert_eq!(of.open, vec!["y".to_string()]);
        assert_eq!(of.past, vec!["x".to_string(), "p1".to_string()]);
        assert!(recent_id(ctx_at(10).now, "a") < recent_id(ctx_at(9).now, "a"));
        assert!(TradeConfig {
            expiry_secs: 0,
            ..TradeConfig::default()
        }
        .check()
        .is_err());
        assert!(TradeConfig::default().check().is_ok());
    }
}
