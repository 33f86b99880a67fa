//! Catalog and inventory routes (SPEC.md Catalog and inventory): inventories,
//! purchases, use of consumables, item grants, the catalog, and the analytics of
//! purchases (popular items, revenue per day).

use super::{null, one, yes, ApiResult, Replay};
use crate::auth::Acting;
use crate::error::AppError;
use crate::extract::{player, ApiJson, ApiPath, ApiQuery, IdempotencyKey, OptionalJson};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use guildhall_core::inventory::{
    GrantItemRequest, ItemChangeResult, PurchaseRequest, PurchaseResult, UseItemRequest,
};
use guildhall_core::ports::DailyRevenue;
use guildhall_core::types::{CatalogItem, InventoryEntry, ItemKind, Price};
use guildhall_core::{Error, PopularItemsQuery, RevenueQuery};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

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
