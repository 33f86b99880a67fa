//! Trade routes (SPEC.md Trade). A trade is opened with `POST /v1/trades` (the opener
//! may carry a first offer) and changed with `POST /v1/trades/{trade_id}/<action>`
//! (`offer`, `confirm`, `cancel`), each with a body naming the acting `player`: a
//! player's token acts only as itself, a key needs the `trade` scope. A trade is read by
//! its two players (or a key with the `trade` scope), a player's trades by that player.
//! Operators list recent trades and run the expiry sweep under `/v1/admin/trades`.

use super::{ApiResult, Replay};
use crate::auth::{acting, members_only, Acting, Principal};
use crate::extract::{player, ApiJson, ApiPath, ApiQuery, IdempotencyKey};
use crate::AppState;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use guildhall_core::trade::{
    CancelTradeRequest, ConfirmTradeRequest, OpenTradeRequest, PlayerTrades, Trade, TradeOffer,
    TradeOfferRequest, TradeResult,
};
use guildhall_core::types::LedgerEntry;
use guildhall_core::Error;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The routes of this module, merged into the host's router by `server::app`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/trades", post(open))
        .route("/v1/trades/{trade_id}", get(get_trade))
        .route("/v1/trades/{trade_id}/ledger", get(ledger))
        .route("/v1/trades/{trade_id}/offer", post(offer))
        .route("/v1/trades/{trade_id}/confirm", post(confirm))
        .route("/v1/trades/{trade_id}/cancel", post(cancel))
        .route("/v1/players/{player}/trades", get(player_trades))
        .route("/v1/admin/trades", get(recent))
        .route("/v1/admin/trades/expire", post(expire))
}

/// Body of `POST /v1/trades/{trade_id}/offer`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferBody {
    /// The side changing their offer.
    pub player: String,
    /// The new offer (replaces theirs).
    pub offer: TradeOffer,
    /// The revision the player saw (not current: `TRADE_CHANGED`); required with `confirm`.
    #[serde(default)]
    pub revision: Option<i64>,
    /// Also confirm the revision this change makes.
    #[serde(default)]
    pub confirm: bool,
    /// Idempotency key, scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Body of `POST /v1/trades/{trade_id}/confirm`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    /// The side confirming.
    pub player: String,
    /// The revision the player saw (not current: `TRADE_CHANGED`).
    pub revision: i64,
    /// Idempotency key, scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Body of `POST /v1/trades/{trade_id}/cancel`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    /// The side cancelling.
    pub player: String,
    /// Idempotency key, scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Query of `GET /v1/admin/trades`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecentQuery {
    /// Trades at most, 1 to 200 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// What `POST /v1/admin/trades/expire` did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExpireResult {
    /// Expired trades it closed.
    pub expired: u32,
}

fn replay(r: TradeResult) -> Replay<TradeResult> {
    Replay {
        replayed: r.replayed,
        body: r,
    }
}

/// Opens a trade with another player, carrying the opener's first offer (optional).
/// Event `trade_opened` to both.
#[utoipa::path(post, path = "/v1/trades", tag = "trade",
    params(("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = OpenTradeRequest,
    responses((status = 200, body = TradeResult), (status = 400, body = Error), (status = 403, body = Error),
        (status = 404, body = Error, description = "An offered item not in the catalog"),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "BLOCKED, LIMIT_REACHED")))]
pub async fn open(
    State(s): State<AppState>,
    Acting(gh): Acting,
    Extension(who): Extension<Principal>,
    key: IdempotencyKey,
    ApiJson(mut req): ApiJson<OpenTradeRequest>,
) -> ApiResult<Replay<TradeResult>> {
    acting(&s.gh, &who, &req.player, "trade").await?;
    req.idempotency_key = key.merge(req.idempotency_key)?;
    Ok(replay(gh.open_trade(req).await?))
}

/// One trade: both offers, confirmations, revision, state and its steps. Its two
/// players, and keys with the `trade` scope, may read it.
#[utoipa::path(get, path = "/v1/trades/{trade_id}", tag = "trade",
    params(("trade_id" = String, Path, description = "Trade id")),
    responses((status = 200, body = Trade), (status = 400, body = Error), (status = 404, body = Error),
        (status = 403, body = Error, description = "FORBIDDEN: not a side")))]
pub async fn get_trade(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Trade>> {
    let t = s.gh.trade(&id).await?;
    members_only(&s.gh, &who, &t.players(), "trade").await?;
    Ok(Json(t))
}

/// The ledger entries of a completed trade's exchange (the trade id in their metadata).
#[utoipa::path(get, path = "/v1/trades/{trade_id}/ledger", tag = "trade",
    params(("trade_id" = String, Path, description = "Trade id")),
    responses((status = 200, body = [LedgerEntry]), (status = 400, body = Error), (status = 404, body = Error),
        (status = 403, body = Error, description = "FORBIDDEN: not a side")))]
pub async fn ledger(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<LedgerEntry>>> {
    let t = s.gh.trade(&id).await?;
    members_only(&s.gh, &who, &t.players(), "trade").await?;
    Ok(Json(s.gh.trade_ledger(&id).await?))
}

/// A side replaces their offer: a different offer moves the revision and clears both
/// confirmations; `confirm` also confirms the revision it makes.
#[utoipa::path(post, path = "/v1/trades/{trade_id}/offer", tag = "trade",
    params(("trade_id" = String, Path, description = "Trade id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = OfferBody,
    responses((status = 200, body = TradeResult), (status = 400, body = Error), (status = 403, body = Error),
        (status = 404, body = Error),
        (status = 409, body = Error, description = "TRADE_CLOSED, TRADE_CHANGED, IDEMPOTENCY_CONFLICT")))]
pub async fn offer(
    State(s): State<AppState>,
    Acting(gh): Acting,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<OfferBody>,
) -> ApiResult<Replay<TradeResult>> {
    let p = player(b.player)?;
    acting(&s.gh, &who, &p, "trade").await?;
    let req = TradeOfferRequest {
        player: p,
        trade_id: id,
        offer: b.offer,
        revision: b.revision,
        confirm: b.confirm,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    Ok(replay(gh.set_trade_offer(req).await?))
}

/// A side confirms the revision it saw; the second confirmation is the exchange, in one
/// commit (every item and amount moves, or nothing does).
#[utoipa::path(post, path = "/v1/trades/{trade_id}/confirm", tag = "trade",
    params(("trade_id" = String, Path, description = "Trade id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = ConfirmBody,
    responses((status = 200, body = TradeResult), (status = 400, body = Error), (status = 403, body = Error),
        (status = 404, body = Error),
        (status = 409, body = Error, description = "TRADE_CLOSED, TRADE_CHANGED, ALREADY_OWNED, IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "BLOCKED, INSUFFICIENT_FUNDS, INSUFFICIENT_QUANTITY, BALANCE_LIMIT, STACK_LIMIT")))]
pub async fn confirm(
    State(s): State<AppState>,
    Acting(gh): Acting,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<ConfirmBody>,
) -> ApiResult<Replay<TradeResult>> {
    let p = player(b.player)?;
    acting(&s.gh, &who, &p, "trade").await?;
    let req = ConfirmTradeRequest {
        player: p,
        trade_id: id,
        revision: b.revision,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    Ok(replay(gh.confirm_trade(req).await?))
}

/// A side cancels an open trade (`trade_cancelled`, reason `cancelled`).
#[utoipa::path(post, path = "/v1/trades/{trade_id}/cancel", tag = "trade",
    params(("trade_id" = String, Path, description = "Trade id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = CancelBody,
    responses((status = 200, body = TradeResult), (status = 400, body = Error), (status = 403, body = Error),
        (status = 404, body = Error),
        (status = 409, body = Error, description = "TRADE_CLOSED, IDEMPOTENCY_CONFLICT")))]
pub async fn cancel(
    State(s): State<AppState>,
    Acting(gh): Acting,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<CancelBody>,
) -> ApiResult<Replay<TradeResult>> {
    let p = player(b.player)?;
    acting(&s.gh, &who, &p, "trade").await?;
    let req = CancelTradeRequest {
        player: p,
        trade_id: id,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    Ok(replay(gh.cancel_trade(req).await?))
}

/// A player's trades: open ones and the history, newest first.
#[utoipa::path(get, path = "/v1/players/{player}/trades", tag = "trade",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = PlayerTrades), (status = 400, body = Error)))]
pub async fn player_trades(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<PlayerTrades>> {
    Ok(Json(s.gh.player_trades(&player(p)?).await?))
}

/// Operator: the most recently opened trades, newest first.
#[utoipa::path(get, path = "/v1/admin/trades", tag = "trade",
    params(RecentQuery),
    responses((status = 200, body = [Trade]), (status = 400, body = Error)))]
pub async fn recent(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<RecentQuery>,
) -> ApiResult<Json<Vec<Trade>>> {
    Ok(Json(s.gh.recent_trades(q.limit.unwrap_or(50)).await?))
}

/// Operator: closes the open trades past their expiry now (the scheduler does it every
/// few seconds).
#[utoipa::path(post, path = "/v1/admin/trades/expire", tag = "trade",
    responses((status = 200, body = ExpireResult)))]
pub async fn expire(State(s): State<AppState>) -> ApiResult<Json<ExpireResult>> {
    Ok(Json(ExpireResult {
        expired: s.gh.expire_trades().await?,
    }))
}
