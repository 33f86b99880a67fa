//! Economy: wallets, grants, spends, transfers and the double-entry ledger
//! (SPEC.md Economy; seeds 001 bank and donate, 002 add-funds, 004).
//!
//! Requests and results live here; the decisions live in [`rules`].

pub mod rules;

use crate::types::{Account, Amount, PlayerId};
use serde::{Deserialize, Serialize};

fn default_meta() -> serde_json::Value {
    serde_json::Value::Null
}

/// Credit a player from a system source (reward, donation, admin, refund).
/// Errors: `INVALID_ARGUMENT` (amount <= 0, unknown currency, bad source/reason/key),
/// `BALANCE_LIMIT`, `IDEMPOTENCY_CONFLICT`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    /// Player credited.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Currency code.
    pub currency: String,
    /// Smallest units, > 0.
    pub amount: Amount,
    /// System account debited, e.g. `donations` (`system:donations`); default `rewards`.
    #[serde(default)]
    pub source: Option<String>,
    /// Why, 1-64 bytes; default `grant`.
    #[serde(default)]
    pub reason: Option<String>,
    /// JSON kept with the ledger entry.
    #[serde(default = "default_meta")]
    #[schema(value_type = Option<Object>)]
    pub metadata: serde_json::Value,
    /// Idempotency key (1-255 bytes), scoped to the caller (the API key, or the player
    /// of a token). A donation webhook passes the provider's payment id here so a
    /// redelivery credits once.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Debit a player to a system sink. Errors: as [`GrantRequest`], plus `INSUFFICIENT_FUNDS`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpendRequest {
    /// Player debited.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Currency code.
    pub currency: String,
    /// Smallest units, > 0.
    pub amount: Amount,
    /// System account credited; default `sink`.
    #[serde(default)]
    pub sink: Option<String>,
    /// Why, 1-64 bytes; default `spend`.
    #[serde(default)]
    pub reason: Option<String>,
    /// JSON kept with the ledger entry.
    #[serde(default = "default_meta")]
    #[schema(value_type = Option<Object>)]
    pub metadata: serde_json::Value,
    /// Idempotency key (1-255 bytes), scoped to the caller (the API key, or the player
    /// of a token).
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Move currency from one player to another in one commit (seed 001's bank transfer).
/// Errors: `INVALID_ARGUMENT` (same player, amount <= 0, ...), `INSUFFICIENT_FUNDS`,
/// `BALANCE_LIMIT` (receiver), `IDEMPOTENCY_CONFLICT`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// Sender (debited).
    #[schema(value_type = String)]
    pub from: PlayerId,
    /// Receiver (credited).
    #[schema(value_type = String)]
    pub to: PlayerId,
    /// Currency code.
    pub currency: String,
    /// Smallest units, > 0.
    pub amount: Amount,
    /// Why, 1-64 bytes; default `transfer`.
    #[serde(default)]
    pub reason: Option<String>,
    /// JSON kept with the ledger entry.
    #[serde(default = "default_meta")]
    #[schema(value_type = Option<Object>)]
    pub metadata: serde_json::Value,
    /// Idempotency key (1-255 bytes), scoped to the caller (the API key, or the player
    /// of a token).
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// The outcome of a grant or spend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BalanceChangeResult {
    /// Id shared by the call's ledger entries.
    pub transaction_id: String,
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Currency code.
    pub currency: String,
    /// Smallest units moved.
    pub amount: Amount,
    /// The player's balance after the call.
    pub balance: Amount,
    /// True when this is the stored result of an earlier call with the same idempotency key.
    pub replayed: bool,
}

/// The outcome of a transfer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TransferResult {
    /// Id of the ledger entry's transaction.
    pub transaction_id: String,
    /// Sender.
    #[schema(value_type = String)]
    pub from: PlayerId,
    /// Receiver.
    #[schema(value_type = String)]
    pub to: PlayerId,
    /// Currency code.
    pub currency: String,
    /// Smallest units moved.
    pub amount: Amount,
    /// Sender's balance after.
    pub from_balance: Amount,
    /// Receiver's balance after.
    pub to_balance: Amount,
    /// True for a replay.
    pub replayed: bool,
}

/// One account whose stored balance differs from what its ledger entries add up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LedgerMismatch {
    /// The account.
    #[schema(value_type = String)]
    pub account: Account,
    /// Currency code.
    pub currency: String,
    /// Stored balance.
    pub balance: Amount,
    /// Credits minus debits in the ledger.
    pub ledger: Amount,
}

/// The ledger audit (SPEC.md: `verify_ledger` recomputes balances from the ledger).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LedgerReport {
    /// True when every balance matches its ledger and every currency sums to zero.
    pub ok: bool,
    /// (account, currency) pairs checked.
    pub accounts_checked: usize,
    /// Balances that differ from the ledger.
    pub mismatches: Vec<LedgerMismatch>,
    /// Currencies whose balances do not sum to zero over all accounts, with the sum.
    pub unbalanced_currencies: Vec<(String, Amount)>,
}
