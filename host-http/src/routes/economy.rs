//! Economy routes (SPEC.md Economy): wallets, balances, history, grants, spends,
//! transfers, the currencies and the ledger audit.

use super::{null, ApiResult, Replay};
use crate::auth::{acting, Acting, Principal};
use crate::extract::{player, ApiJson, ApiPath, ApiQuery, IdempotencyKey};
use crate::AppState;
use axum::extract::State;
use axum::{Extension, Json};
use guildhall_core::economy::{
    BalanceChangeResult, GrantRequest, LedgerReport, SpendRequest, TransferRequest, TransferResult,
};
use guildhall_core::types::{Currency, Wallet};
use guildhall_core::{Error, HistoryFilter, HistoryPage};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Body of `POST /v1/players/{player}/grant`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    /// Currency code; default: the first configured currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Smallest units, > 0.
    pub amount: i64,
    /// System account debited, e.g. `donations`; default `rewards`.
    #[serde(default)]
    pub source: Option<String>,
    /// Why, 1-64 bytes; default `grant`.
    #[serde(default)]
    pub reason: Option<String>,
    /// JSON kept with the ledger entry.
    #[serde(default = "null")]
    #[schema(value_type = Option<Object>)]
    pub metadata: serde_json::Value,
    /// Idempotency key, 1-255 bytes, scoped to the player.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Body of `POST /v1/players/{player}/spend`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpendBody {
    /// Currency code; default: the first configured currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Smallest units, > 0.
    pub amount: i64,
    /// System account credited; default `sink`.
    #[serde(default)]
    pub sink: Option<String>,
    /// Why, 1-64 bytes; default `spend`.
    #[serde(default)]
    pub reason: Option<String>,
    /// JSON kept with the ledger entry.
    #[serde(default = "null")]
    #[schema(value_type = Option<Object>)]
    pub metadata: serde_json::Value,
    /// Idempotency key, scoped to the player.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Body of `POST /v1/transfers`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// Sender (debited).
    pub from: String,
    /// Receiver (credited).
    pub to: String,
    /// Currency code; default: the first configured currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Smallest units, > 0.
    pub amount: i64,
    /// Why, 1-64 bytes; default `transfer`.
    #[serde(default)]
    pub reason: Option<String>,
    /// JSON kept with the ledger entry.
    #[serde(default = "null")]
    #[schema(value_type = Option<Object>)]
    pub metadata: serde_json::Value,
    /// Idempotency key, scoped to the sender.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// One balance of a player.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BalanceView {
    /// The player.
    pub player: String,
    /// Currency code.
    pub currency: String,
    /// Smallest units.
    pub amount: i64,
}

fn currency_or_default(state: &AppState, c: Option<String>) -> String {
    c.unwrap_or_else(|| state.gh.config().default_currency().code.clone())
}

/// A player's wallet: every configured currency, zero when never touched.
#[utoipa::path(get, path = "/v1/players/{player}/wallet", tag = "economy",
    params(("player" = String, Path, description = "Player id, 1-128 bytes")),
    responses((status = 200, body = Wallet), (status = 400, body = Error)))]
pub async fn wallet(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<Wallet>> {
    Ok(Json(s.gh.wallet(&player(p)?).await?))
}

/// One balance of a player.
#[utoipa::path(get, path = "/v1/players/{player}/balances/{currency}", tag = "economy",
    params(("player" = String, Path, description = "Player id"), ("currency" = String, Path, description = "Currency code")),
    responses((status = 200, body = BalanceView), (status = 400, body = Error, description = "Bad player id or unknown currency")))]
pub async fn balance(
    State(s): State<AppState>,
    ApiPath((p, currency)): ApiPath<(String, String)>,
) -> ApiResult<Json<BalanceView>> {
    let pid = player(p)?;
    let amount = s.gh.balance(&pid, &currency).await?;
    Ok(Json(BalanceView {
        player: pid.to_string(),
        currency,
        amount,
    }))
}

/// A player's ledger entries, newest first, cursor-paginated.
#[utoipa::path(get, path = "/v1/players/{player}/history", tag = "economy",
    params(("player" = String, Path, description = "Player id"), HistoryFilter),
    responses((status = 200, body = HistoryPage), (status = 400, body = Error)))]
pub async fn history(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
    ApiQuery(filter): ApiQuery<HistoryFilter>,
) -> ApiResult<Json<HistoryPage>> {
    Ok(Json(s.gh.history(&player(p)?, filter).await?))
}

/// Credits a player from a system source (reward, donation, admin, refund).
#[utoipa::path(post, path = "/v1/players/{player}/grant", tag = "economy",
    params(("player" = String, Path, description = "Player id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = GrantBody,
    responses((status = 200, body = BalanceChangeResult, description = "Granted (or replayed)"),
        (status = 400, body = Error), (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "BALANCE_LIMIT")))]
pub async fn grant(
    State(s): State<AppState>,
    Acting(gh): Acting,
    ApiPath(p): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<GrantBody>,
) -> ApiResult<Replay<BalanceChangeResult>> {
    let req = GrantRequest {
        player: player(p)?,
        currency: currency_or_default(&s, b.currency),
        amount: b.amount,
        source: b.source,
        reason: b.reason,
        metadata: b.metadata,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    let r = gh.grant(req).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}

/// Debits a player to a system sink.
#[utoipa::path(post, path = "/v1/players/{player}/spend", tag = "economy",
    params(("player" = String, Path, description = "Player id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = SpendBody,
    responses((status = 200, body = BalanceChangeResult), (status = 400, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "INSUFFICIENT_FUNDS")))]
pub async fn spend(
    State(s): State<AppState>,
    Acting(gh): Acting,
    ApiPath(p): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<SpendBody>,
) -> ApiResult<Replay<BalanceChangeResult>> {
    let req = SpendRequest {
        player: player(p)?,
        currency: currency_or_default(&s, b.currency),
        amount: b.amount,
        sink: b.sink,
        reason: b.reason,
        metadata: b.metadata,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    let r = gh.spend(req).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}

/// Moves currency from one player to another in one commit.
#[utoipa::path(post, path = "/v1/transfers", tag = "economy",
    params(("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key (scoped to the sender)")),
    request_body = TransferBody,
    responses((status = 200, body = TransferResult), (status = 400, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "INSUFFICIENT_FUNDS, BALANCE_LIMIT")))]
pub async fn transfer(
    State(s): State<AppState>,
    Acting(gh): Acting,
    Extension(who): Extension<Principal>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<TransferBody>,
) -> ApiResult<Replay<TransferResult>> {
    let from = player(b.from)?;
    acting(&s.gh, &who, &from, "economy:write").await?;
    let req = TransferRequest {
        from,
        to: player(b.to)?,
        currency: currency_or_default(&s, b.currency),
        amount: b.amount,
        reason: b.reason,
        metadata: b.metadata,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    let r = gh.transfer(req).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}

/// The configured currencies, default first.
#[utoipa::path(get, path = "/v1/currencies", tag = "economy", responses((status = 200, body = Vec<Currency>)))]
pub async fn currencies(State(s): State<AppState>) -> Json<Vec<Currency>> {
    Json(s.gh.config().currencies.clone())
}

/// Recomputes every balance from the ledger and reports differences (`ok: false` then).
#[utoipa::path(get, path = "/v1/ledger/verify", tag = "economy",
    responses((status = 200, body = LedgerReport), (status = 503, body = Error)))]
pub async fn verify_ledger(State(s): State<AppState>) -> ApiResult<Json<LedgerReport>> {
    Ok(Json(s.gh.verify_ledger().await?))
}
