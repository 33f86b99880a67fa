//! Trade: a player-to-player exchange of items and currency (SPEC.md Trade). Decisions
//! live in [`rules`]; orchestration in `core/src/service/trade.rs`.
//!
//! State, all versioned documents (no table of its own):
//! - one [`Trade`] per trade (kind `trade`, id = trade id): both sides' offers, their
//!   confirmations, the revision (moved by every offer change), state, expiry and a
//!   bounded log of its steps. Every call on a trade writes it under the version read.
//! - one [`TradesOf`] per player (kind `trades_of`): the player's open trades (counted
//!   against `max_open_per_player`) and the ids of their past trades, newest first
//!   (`history_limit` kept). Written when a trade opens or closes.
//! - a marker per open trade (kind `trade_open`, id = trade id), deleted when it closes:
//!   what the expiry sweep walks.
//! - a marker per trade (kind `trade_recent`, id = the inverted opening time and the trade
//!   id, so the newest sorts first): the console's list of recent trades.
//!
//! Invariants: an offer is checked for shape and limits when made, never escrowed; the
//! exchange happens in ONE commit when the second side confirms (every item and amount
//! moves, guarded by the wallet and inventory row versions read, or nothing does); a
//! confirmation names the revision it saw, so nobody confirms an offer that changed
//! under them (`TRADE_CHANGED`).

pub mod rules;

use crate::docs::Document;
use crate::error::{Error, Result};
use crate::types::{Balance, PlayerId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Trade limits (`[trade]`); missing keys keep their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TradeConfig {
    /// Seconds after it was opened or last changed that an unconfirmed trade expires
    /// (default 300).
    pub expiry_secs: i64,
    /// Open trades a player may be in at once (default 10); past it `LIMIT_REACHED`.
    pub max_open_per_player: u32,
    /// Entries (currencies plus items) one side may offer (default 20).
    pub max_offer_entries: u32,
    /// Past trades a player's history keeps (default 100; older ones stay readable by id).
    pub history_limit: u32,
}

impl Default for TradeConfig {
    fn default() -> Self {
        Self {
            expiry_secs: 300,
            max_open_per_player: 10,
            max_offer_entries: 20,
            history_limit: 100,
        }
    }
}

impl TradeConfig {
    /// Checks the values: `expiry_secs` 1 to 86 400, `max_open_per_player` 1 to 1000,
    /// `max_offer_entries` 1 to 100, `history_limit` 1 to 10 000. Errors:
    /// `INVALID_ARGUMENT` naming the key (`trade.<key>`).
    pub fn check(&self) -> Result<()> {
        for (key, ok, why) in [
            (
                "trade.expiry_secs",
                (1..=86_400).contains(&self.expiry_secs),
                "1 to 86400",
            ),
            (
                "trade.max_open_per_player",
                (1..=1000).contains(&self.max_open_per_player),
                "1 to 1000",
            ),
            (
                "trade.max_offer_entries",
                (1..=100).contains(&self.max_offer_entries),
                "1 to 100",
            ),
            (
                "trade.history_limit",
                (1..=10_000).contains(&self.history_limit),
                "1 to 10000",
            ),
        ] {
            if !ok {
                return Err(Error::invalid(key, format!("{key} must be {why}")));
            }
        }
        Ok(())
    }
}

/// Units of one catalog item in an offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TradeItem {
    /// Catalog item id.
    pub item_id: String,
    /// Units, >= 1 (exactly 1 for a durable item).
    pub quantity: i64,
}

/// What one side gives: currencies and items, each listed at most once. Checked for
/// shape and limits when made (currencies configured, amounts and quantities > 0, items
/// in the catalog, at most `max_offer_entries` entries); not escrowed, so whether the
/// giver holds it is decided at the exchange.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TradeOffer {
    /// Amounts in the currency's smallest unit, > 0.
    #[serde(default)]
    pub currencies: Vec<Balance>,
    /// Items with their quantities.
    #[serde(default)]
    pub items: Vec<TradeItem>,
}

impl TradeOffer {
    /// True when it offers nothing.
    pub fn is_empty(&self) -> bool {
        self.currencies.is_empty() && self.items.is_empty()
    }
}

/// Where a trade stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TradeState {
    /// Offers may change; waiting for both confirmations.
    Open,
    /// Exchanged, in one commit.
    Completed,
    /// Cancelled by a side, or expired (`cancel_reason` says which).
    Cancelled,
}

/// One side of a trade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TradeSide {
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// What they give.
    pub offer: TradeOffer,
    /// Whether they confirmed the current revision.
    pub confirmed: bool,
}

/// One step of a trade's history (the console shows them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TradeStep {
    /// The revision after the step.
    pub revision: i64,
    /// When, UTC.
    pub at: DateTime<Utc>,
    /// Who acted (`None`: the expiry).
    #[schema(value_type = Option<String>)]
    pub player: Option<PlayerId>,
    /// `opened`, `offer`, `confirmed`, `completed`, `cancelled` or `expired`.
    pub action: String,
    /// The offer made, for `opened` and `offer`.
    #[serde(default)]
    pub offer: Option<TradeOffer>,
}

/// A trade between two players (SPEC.md Trade).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Trade {
    /// Id (in the metadata of every ledger entry of its exchange, as `trade_id`).
    pub id: String,
    /// Where it stands. An open trade past `expires_at` reads as cancelled with reason
    /// `expired`.
    pub state: TradeState,
    /// Moves with every offer change (which clears both confirmations); a confirmation
    /// names the revision it saw.
    pub revision: i64,
    /// The opener's side, then the other player's.
    pub sides: Vec<TradeSide>,
    /// When opened, UTC.
    pub opened_at: DateTime<Utc>,
    /// Last change, UTC.
    pub updated_at: DateTime<Utc>,
    /// An open trade expires at this instant (opened or last offer change plus
    /// `expiry_secs`).
    pub expires_at: DateTime<Utc>,
    /// When it completed or was cancelled, UTC.
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// `cancelled` (a side cancelled) or `expired`, for a cancelled trade.
    #[serde(default)]
    pub cancel_reason: Option<String>,
    /// The side who cancelled.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub cancelled_by: Option<PlayerId>,
    /// The exchange's transaction id (its ledger entries'), for a completed trade.
    #[serde(default)]
    pub transaction_id: Option<String>,
    /// Its steps, oldest first (the latest 64).
    #[serde(default)]
    pub steps: Vec<TradeStep>,
}

impl Document for Trade {
    const KIND: &'static str = "trade";
}

impl Trade {
    /// The index of `player`'s side, if a side.
    pub fn side_of(&self, player: &PlayerId) -> Option<usize> {
        self.sides.iter().position(|s| &s.player == player)
    }

    /// Both players, opener first.
    pub fn players(&self) -> Vec<PlayerId> {
        self.sides.iter().map(|s| s.player.clone()).collect()
    }

    /// Whether it is open and not expired at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.state == TradeState::Open && now < self.expires_at
    }

    /// The trade as a reader sees it at `now`: an open trade past its expiry reads as
    /// cancelled with reason `expired` (the sweep writes it so later).
    pub fn seen_at(mut self, now: DateTime<Utc>) -> Self {
        if self.state == TradeState::Open && now >= self.expires_at {
            self.state = TradeState::Cancelled;
            self.cancel_reason = Some("expired".into());
            self.closed_at = Some(self.expires_at);
        }
        self
    }
}

/// A player's trades (kind `trades_of`, id = player id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradesOf {
    /// Open trades (some may have expired and not been swept yet), oldest first.
    pub open: Vec<String>,
    /// Past trades, newest first, at most `history_limit`.
    pub past: Vec<String>,
}

impl Document for TradesOf {
    const KIND: &'static str = "trades_of";
}

/// The marker of an open trade (kind `trade_open`, id = trade id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenTrade {}

impl Document for OpenTrade {
    const KIND: &'static str = "trade_open";
}

/// The marker of a trade in the list of recent trades (kind `trade_recent`, id
/// [`rules::recent_id`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentTrade {
    /// The trade.
    pub trade_id: String,
}

impl Document for RecentTrade {
    const KIND: &'static str = "trade_recent";
}

/// Request of [`crate::Guildhall::open_trade`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenTradeRequest {
    /// The player opening it.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The other player (not `player`; not blocked either way).
    #[schema(value_type = String)]
    pub with: PlayerId,
    /// The opener's first offer (default: nothing), so a client opens and offers in
    /// one call.
    #[serde(default)]
    pub offer: TradeOffer,
    /// Idempotency key, 1-255 bytes: the same key and request again returns the stored
    /// result marked `replayed`; a different request under it is `IDEMPOTENCY_CONFLICT`.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Request of [`crate::Guildhall::set_trade_offer`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TradeOfferRequest {
    /// The side changing their offer.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The trade.
    pub trade_id: String,
    /// The new offer (replaces theirs).
    pub offer: TradeOffer,
    /// The revision the player saw; when given and not current: `TRADE_CHANGED`.
    /// Required with `confirm`.
    #[serde(default)]
    pub revision: Option<i64>,
    /// Also confirm the revision this change makes (the other side still has to
    /// confirm it), so a client sets its offer and confirms in one call.
    #[serde(default)]
    pub confirm: bool,
    /// Idempotency key, 1-255 bytes.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Request of [`crate::Guildhall::confirm_trade`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmTradeRequest {
    /// The side confirming.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The trade.
    pub trade_id: String,
    /// The revision the player saw (not current: `TRADE_CHANGED`).
    pub revision: i64,
    /// Idempotency key, 1-255 bytes.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Request of [`crate::Guildhall::cancel_trade`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelTradeRequest {
    /// The side cancelling.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The trade.
    pub trade_id: String,
    /// Idempotency key, 1-255 bytes.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// What a trade call did: the trade after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TradeResult {
    /// The trade.
    pub trade: Trade,
    /// True when this is the stored result of an earlier call with the same key.
    pub replayed: bool,
}

/// A player's trades: open ones and the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlayerTrades {
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Open trades, oldest first.
    pub open: Vec<Trade>,
    /// Past trades (completed, cancelled, expired), newest first, at most
    /// `history_limit`.
    pub past: Vec<Trade>,
}
