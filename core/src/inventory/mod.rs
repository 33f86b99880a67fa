//! Catalog and inventory: purchases, use of consumables, item grants
//! (SPEC.md Catalog and inventory; seed 002). Decisions live in [`rules`].

pub mod rules;

use crate::types::{Amount, PlayerId};
use serde::{Deserialize, Serialize};

fn one() -> i64 {
    1
}
fn null() -> serde_json::Value {
    serde_json::Value::Null
}

/// Buy `quantity` units of a catalog item: debit and item grant in one commit.
/// Errors: `NOT_FOUND`, `NOT_FOR_SALE`, `ALREADY_OWNED` (durable), `STACK_LIMIT`,
/// `INSUFFICIENT_FUNDS`, `INVALID_ARGUMENT` (quantity < 1, or != 1 for a durable),
/// `IDEMPOTENCY_CONFLICT`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseRequest {
    /// Buyer.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Catalog item id.
    pub item_id: String,
    /// Units, >= 1 (default 1).
    #[serde(default = "one")]
    pub quantity: i64,
    /// JSON kept with the ledger entry.
    #[serde(default = "null")]
    #[schema(value_type = Option<Object>)]
    pub metadata: serde_json::Value,
    /// Idempotency key (1-255 bytes), scoped to the caller (the API key, or the player
    /// of a token).
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Use up `quantity` units of a consumable. Errors: `NOT_FOUND` (no such catalog item),
/// `NOT_CONSUMABLE`, `NOT_OWNED`, `INSUFFICIENT_QUANTITY`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UseItemRequest {
    /// Owner.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Catalog item id.
    pub item_id: String,
    /// Units, >= 1 (default 1).
    #[serde(default = "one")]
    pub quantity: i64,
    /// Idempotency key (1-255 bytes), scoped to the caller (the API key, or the player
    /// of a token).
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Give items without payment (rewards, mail attachments, admins). Inactive and
/// not-for-sale items may be granted. Errors: `NOT_FOUND`, `ALREADY_OWNED`, `STACK_LIMIT`,
/// `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantItemRequest {
    /// Receiver.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Catalog item id.
    pub item_id: String,
    /// Units, >= 1 (default 1; exactly 1 for a durable).
    #[serde(default = "one")]
    pub quantity: i64,
    /// Why, 1-64 bytes; default `grant`.
    #[serde(default)]
    pub reason: Option<String>,
    /// Idempotency key (1-255 bytes), scoped to the caller (the API key, or the player
    /// of a token).
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// The outcome of a purchase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PurchaseResult {
    /// Id of the purchase's transaction (its ledger entry).
    pub transaction_id: String,
    /// Buyer.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Catalog item id.
    pub item_id: String,
    /// Units bought.
    pub quantity: i64,
    /// Currency paid in.
    pub currency: String,
    /// Total paid, smallest units.
    pub amount: Amount,
    /// Buyer's balance after.
    pub balance: Amount,
    /// Units of the item the buyer holds after.
    pub item_quantity: i64,
    /// True for a replay.
    pub replayed: bool,
}

/// The outcome of a use or an item grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemChangeResult {
    /// Id of the call.
    pub transaction_id: String,
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Catalog item id.
    pub item_id: String,
    /// Units used or granted.
    pub quantity: i64,
    /// Units held after.
    pub remaining: i64,
    /// True for a replay.
    pub replayed: bool,
}
