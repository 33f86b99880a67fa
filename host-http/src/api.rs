//! The REST API under `/v1`: one route per core operation. Amounts are `i64` in the
//! currency's smallest unit; times are RFC 3339 UTC; errors are `{code, message, details}`.
//!
//! Every mutating route takes an optional idempotency key, in the body's
//! `idempotency_key` or the `Idempotency-Key` header (not both with different values).
//! A repeated call with the same key and request answers the stored original result with
//! `replayed: true`, the same status and an `Idempotent-Replayed: true` header.

use crate::auth::{acting, Acting, Principal};
use crate::error::AppError;
use crate::extract::{
    player, ApiJson, ApiPath, ApiQuery, IdempotencyKey, OptionalJson, IDEMPOTENT_REPLAYED,
};
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use guildhall_core::economy::{
    BalanceChangeResult, GrantRequest, LedgerReport, SpendRequest, TransferRequest, TransferResult,
};
use guildhall_core::inventory::{
    GrantItemRequest, ItemChangeResult, PurchaseRequest, PurchaseResult, UseItemRequest,
};
use guildhall_core::ports::DailyRevenue;
use guildhall_core::types::{
    CatalogItem, Currency, Event, InventoryEntry, ItemKind, Price, Wallet,
};
use guildhall_core::{Error, HistoryFilter, HistoryPage, PopularItemsQuery, RevenueQuery};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// A JSON result that may be a replay: adds `Idempotent-Replayed: true` when it is.
#[derive(Debug)]
pub struct Replay<T> {
    /// The result.
    pub body: T,
    /// Whether it is the stored original of an earlier call.
    pub replayed: bool,
}

impl<T: Serialize> IntoResponse for Replay<T> {
    fn into_response(self) -> Response {
        let mut res = Json(self.body).into_response();
        if self.replayed {
            res.headers_mut()
                .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
        }
        res
    }
}

fn null() -> serde_json::Value {
    serde_json::Value::Null
}
fn one() -> i64 {
    1
}
fn yes() -> bool {
    true
}

/// Result type of the handlers.
pub type ApiResult<T> = Result<T, AppError>;

// ----- Bodies and answers -----

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

/// Body of `POST /v1/players/{player}/purchases`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseBody {
    /// Catalog item id.
    pub item_id: String,
    /// Units, >= 1 (default 1; exactly 1 for a durable).
    #[serde(default = "one")]
    pub quantity: i64,
    /// JSON kept with the ledger entry.
    #[serde(default = "null")]
    #[schema(value_type = Option<Object>)]
    pub metadata: serde_json::Value,
    /// Idempotency key, scoped to the buyer.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Body of `POST /v1/players/{player}/items/{item_id}/use` (may be empty).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UseBody {
    /// Units, >= 1 (default 1).
    #[serde(default = "one")]
    pub quantity: i64,
    /// Idempotency key, scoped to the player.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Body of `POST /v1/players/{player}/items/{item_id}/grant` (may be empty).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantItemBody {
    /// Units, >= 1 (default 1; exactly 1 for a durable).
    #[serde(default = "one")]
    pub quantity: i64,
    /// Why, 1-64 bytes; default `grant`.
    #[serde(default)]
    pub reason: Option<String>,
    /// Idempotency key, scoped to the player.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Body of `PUT /v1/catalog/{item_id}`: a catalog item; `id` may be left out and
/// must equal the path's when given.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogItemBody {
    /// Must equal `{item_id}` when given.
    #[serde(default)]
    pub id: Option<String>,
    /// Display name, 1-200 bytes.
    pub name: String,
    /// `consumable` or `durable`.
    pub kind: ItemKind,
    /// Price per unit; omit: not for sale.
    #[serde(default)]
    pub price: Option<Price>,
    /// Largest stack of a consumable; omit: unlimited.
    #[serde(default)]
    pub max_stack: Option<i64>,
    /// Inactive items cannot be bought (default true).
    #[serde(default = "yes")]
    pub active: bool,
    /// Free-form JSON.
    #[serde(default = "null")]
    #[schema(value_type = Option<Object>)]
    pub metadata: serde_json::Value,
}

/// Body of `PUT /v1/catalog/{item_id}/active`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveBody {
    /// True: for sale (when priced); false: not for sale.
    pub active: bool,
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

/// A player's inventory.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InventoryView {
    /// The player.
    pub player: String,
    /// Stacks with quantity > 0, by item id.
    pub items: Vec<InventoryEntry>,
}

/// One entry of the popular-items ranking.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PopularItemView {
    /// Catalog item id.
    pub item_id: String,
    /// Catalog name (empty when the item is no longer in the catalog).
    pub name: String,
    /// Units bought in the window.
    pub total_quantity: i64,
    /// Number of purchases in the window.
    pub purchases: i64,
}

/// A page of outbox events.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventsPage {
    /// Events, oldest first.
    pub events: Vec<Event>,
    /// Pass as `after` for the next page: the last event's `seq` (or the given `after`).
    pub next_after: i64,
}

/// What a prune removed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PruneResult {
    /// Outbox events removed.
    pub events: u64,
    /// Idempotency records removed.
    pub idempotency_records: u64,
}

/// Query of `GET /v1/events`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// A previous event's `seq` (default 0: from the oldest kept).
    #[serde(default)]
    pub after: Option<i64>,
    /// Page size, 1-1000 (default 100).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Status answer of the health routes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Status {
    /// `ok` or `ready`.
    pub status: String,
}

fn currency_or_default(state: &AppState, c: Option<String>) -> String {
    c.unwrap_or_else(|| state.gh.config().default_currency().code.clone())
}

// ----- Economy -----

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

// ----- Catalog and inventory -----

/// A player's inventory (an unknown player has an empty one).
#[utoipa::path(get, path = "/v1/players/{player}/inventory", tag = "inventory",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = InventoryView), (status = 400, body = Error)))]
pub async fn inventory(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<InventoryView>> {
    let pid = player(p)?;
    let items = s.gh.inventory(&pid).await?;
    Ok(Json(InventoryView {
        player: pid.to_string(),
        items,
    }))
}

/// Buys catalog items: debit and item grant in one commit.
#[utoipa::path(post, path = "/v1/players/{player}/purchases", tag = "inventory",
    params(("player" = String, Path, description = "Player id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = PurchaseBody,
    responses((status = 200, body = PurchaseResult), (status = 400, body = Error),
        (status = 404, body = Error, description = "No such catalog item"),
        (status = 409, body = Error, description = "ALREADY_OWNED, IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "INSUFFICIENT_FUNDS, STACK_LIMIT, NOT_FOR_SALE")))]
pub async fn purchase(
    Acting(gh): Acting,
    ApiPath(p): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<PurchaseBody>,
) -> ApiResult<Replay<PurchaseResult>> {
    let req = PurchaseRequest {
        player: player(p)?,
        item_id: b.item_id,
        quantity: b.quantity,
        metadata: b.metadata,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    let r = gh.purchase(req).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}

/// Uses up consumables.
#[utoipa::path(post, path = "/v1/players/{player}/items/{item_id}/use", tag = "inventory",
    params(("player" = String, Path, description = "Player id"), ("item_id" = String, Path, description = "Catalog item id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body(content = UseBody, description = "May be empty: quantity 1"),
    responses((status = 200, body = ItemChangeResult), (status = 400, body = Error), (status = 404, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "NOT_CONSUMABLE, NOT_OWNED, INSUFFICIENT_QUANTITY")))]
pub async fn use_item(
    Acting(gh): Acting,
    ApiPath((p, item_id)): ApiPath<(String, String)>,
    key: IdempotencyKey,
    OptionalJson(b): OptionalJson<UseBody>,
) -> ApiResult<Replay<ItemChangeResult>> {
    let req = UseItemRequest {
        player: player(p)?,
        item_id,
        quantity: b.quantity,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    let r = gh.use_item(req).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}

/// Grants items without payment (rewards, admins); inactive and unpriced items too.
#[utoipa::path(post, path = "/v1/players/{player}/items/{item_id}/grant", tag = "inventory",
    params(("player" = String, Path, description = "Player id"), ("item_id" = String, Path, description = "Catalog item id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body(content = GrantItemBody, description = "May be empty: quantity 1"),
    responses((status = 200, body = ItemChangeResult), (status = 400, body = Error), (status = 404, body = Error),
        (status = 409, body = Error, description = "ALREADY_OWNED, IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "STACK_LIMIT")))]
pub async fn grant_item(
    Acting(gh): Acting,
    ApiPath((p, item_id)): ApiPath<(String, String)>,
    key: IdempotencyKey,
    OptionalJson(b): OptionalJson<GrantItemBody>,
) -> ApiResult<Replay<ItemChangeResult>> {
    let req = GrantItemRequest {
        player: player(p)?,
        item_id,
        quantity: b.quantity,
        reason: b.reason,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    let r = gh.grant_item(req).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}

/// The whole catalog, ordered by id.
#[utoipa::path(get, path = "/v1/catalog", tag = "catalog", responses((status = 200, body = Vec<CatalogItem>)))]
pub async fn catalog(State(s): State<AppState>) -> ApiResult<Json<Vec<CatalogItem>>> {
    Ok(Json(s.gh.catalog().await?))
}

/// One catalog item.
#[utoipa::path(get, path = "/v1/catalog/{item_id}", tag = "catalog",
    params(("item_id" = String, Path, description = "Catalog item id")),
    responses((status = 200, body = CatalogItem), (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn catalog_item(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CatalogItem>> {
    Ok(Json(s.gh.catalog_item(&id).await?))
}

/// Inserts or replaces a catalog item.
#[utoipa::path(put, path = "/v1/catalog/{item_id}", tag = "catalog",
    params(("item_id" = String, Path, description = "Catalog item id")),
    request_body = CatalogItemBody,
    responses((status = 200, body = CatalogItem), (status = 400, body = Error)))]
pub async fn put_catalog_item(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<CatalogItemBody>,
) -> ApiResult<Json<CatalogItem>> {
    if matches!(&b.id, Some(body_id) if *body_id != id) {
        return Err(AppError::invalid(
            "id",
            "the body's id differs from the path's item id",
        ));
    }
    let item = CatalogItem {
        id,
        name: b.name,
        kind: b.kind,
        price: b.price,
        max_stack: b.max_stack,
        active: b.active,
        metadata: b.metadata,
    };
    Ok(Json(s.gh.upsert_catalog_item(item).await?))
}

/// Activates or deactivates a catalog item.
#[utoipa::path(put, path = "/v1/catalog/{item_id}/active", tag = "catalog",
    params(("item_id" = String, Path, description = "Catalog item id")),
    request_body = ActiveBody,
    responses((status = 200, body = CatalogItem), (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn set_active(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<ActiveBody>,
) -> ApiResult<Json<CatalogItem>> {
    Ok(Json(s.gh.set_catalog_item_active(&id, b.active).await?))
}

// ----- Analytics -----

pub(crate) async fn names(s: &AppState) -> Result<HashMap<String, String>, AppError> {
    Ok(s.gh
        .catalog()
        .await?
        .into_iter()
        .map(|i| (i.id, i.name))
        .collect())
}

/// Top items by units bought in `[from, to)`.
#[utoipa::path(get, path = "/v1/analytics/popular-items", tag = "analytics", params(PopularItemsQuery),
    responses((status = 200, body = Vec<PopularItemView>), (status = 400, body = Error)))]
pub async fn popular_items(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<PopularItemsQuery>,
) -> ApiResult<Json<Vec<PopularItemView>>> {
    let items = s.gh.popular_items(&q).await?;
    let names = names(&s).await?;
    Ok(Json(
        items
            .into_iter()
            .map(|i| PopularItemView {
                name: names.get(&i.item_id).cloned().unwrap_or_default(),
                item_id: i.item_id,
                total_quantity: i.total_quantity,
                purchases: i.purchases,
            })
            .collect(),
    ))
}

/// Purchase revenue per currency per day of the reset time zone, days `from..=to`.
#[utoipa::path(get, path = "/v1/analytics/revenue", tag = "analytics", params(RevenueQuery),
    responses((status = 200, body = Vec<DailyRevenue>), (status = 400, body = Error)))]
pub async fn revenue(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<RevenueQuery>,
) -> ApiResult<Json<Vec<DailyRevenue>>> {
    Ok(Json(s.gh.revenue_per_day(&q).await?))
}

// ----- Events and maintenance -----

/// Outbox events after a position, oldest first.
#[utoipa::path(get, path = "/v1/events", tag = "events", params(EventsQuery),
    responses((status = 200, body = EventsPage), (status = 400, body = Error)))]
pub async fn events(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> ApiResult<Json<EventsPage>> {
    let after = q.after.unwrap_or(0);
    let events = s.gh.events_after(after, q.limit).await?;
    let next_after = events.last().map_or(after, |e| e.seq);
    Ok(Json(EventsPage { events, next_after }))
}

/// Removes events and idempotency records past their retention (the host also does
/// this every 10 minutes).
#[utoipa::path(post, path = "/v1/maintenance/prune", tag = "events",
    responses((status = 200, body = PruneResult), (status = 503, body = Error)))]
pub async fn prune(State(s): State<AppState>) -> ApiResult<Json<PruneResult>> {
    let (events, idempotency_records) = s.gh.prune().await?;
    Ok(Json(PruneResult {
        events,
        idempotency_records,
    }))
}

// ----- Health -----

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Status)))]
pub async fn healthz() -> Json<Status> {
    Json(Status {
        status: "ok".into(),
    })
}

/// The store answers; 503 `UNAVAILABLE` when it does not.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, body = Status), (status = 503, body = Error)))]
pub async fn readyz(State(s): State<AppState>) -> ApiResult<Json<Status>> {
    s.gh.store().ping().await?;
    Ok(Json(Status {
        status: "ready".into(),
    }))
}
