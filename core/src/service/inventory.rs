//! Catalog and inventory services (SPEC.md Catalog and inventory): purchases, use of
//! consumables, item grants, inventories, the catalog, and the analytics of purchases
//! (popular items, revenue per day).

use super::commit::inventory_key;
use super::{page, Guildhall};
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::inventory::{
    rules as inv, GrantItemRequest, ItemChangeResult, PurchaseRequest, PurchaseResult,
    UseItemRequest,
};
use crate::ports::{ChangeSet, DailyRevenue, PopularItem};
use crate::types::{CatalogItem, InventoryEntry, PlayerId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How far back [`Guildhall::popular_items`] looks when the query names no `from`: 24 h.
pub const POPULAR_ITEMS_WINDOW_SECS: i64 = 86_400;
/// Days [`Guildhall::revenue_per_day`] covers when the query names no `from`: 30 (today
/// and the 29 days before it).
pub const REVENUE_DAYS: i64 = 30;

/// Query of [`Guildhall::popular_items`] (SPEC.md Catalog and inventory, analytics):
/// every field optional, defaults resolved by the core on its own clock, the same on
/// every surface (HTTP query string, Node object, Python keywords).
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema, utoipa::IntoParams,
)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PopularItemsQuery {
    /// Window start, UTC, RFC 3339 (default: `to` minus 24 h, [`POPULAR_ITEMS_WINDOW_SECS`]).
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    /// Window end, exclusive, UTC, RFC 3339 (default: now on the core's clock).
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
    /// How many items, 1-100 (default 10).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Query of [`Guildhall::revenue_per_day`]: days of the reset time zone, inclusive.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema, utoipa::IntoParams,
)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RevenueQuery {
    /// First day, `YYYY-MM-DD` in the reset time zone (default: `to` minus 29 days).
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date)]
    #[schema(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// Last day, inclusive (default: today in the reset time zone, on the core's clock).
    #[serde(default)]
    #[param(value_type = Option<String>, format = Date)]
    #[schema(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
}

impl Guildhall {
    /// Buys catalog items. See [`PurchaseRequest`] for errors.
    pub async fn purchase(&self, req: PurchaseRequest) -> Result<PurchaseResult> {
        inv::check_item_id(&req.item_id)?;
        let req = &req;
        self.execute(
            "purchase",
            &[&req.player],
            req.idempotency_key.as_deref(),
            &req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let rows = self.store.purchase_rows(&req.player, &req.item_id).await?;
                    // A price in a currency the config does not know is refused by the
                    // rule; the balance read beside it counts for nothing.
                    let known = rows
                        .item
                        .as_ref()
                        .and_then(|i| i.price.as_ref())
                        .is_some_and(|p| self.config.currency(&p.currency).is_ok());
                    let bal = if known {
                        rows.balance
                    } else {
                        Default::default()
                    };
                    inv::purchase(
                        &self.config,
                        &ctx,
                        req,
                        rows.item.as_ref(),
                        bal,
                        rows.held.as_ref(),
                    )
                })
            },
        )
        .await
    }

    /// Uses up consumables. See [`UseItemRequest`] for errors.
    pub async fn use_item(&self, req: UseItemRequest) -> Result<ItemChangeResult> {
        inv::check_item_id(&req.item_id)?;
        let req = &req;
        self.execute(
            "use",
            &[&req.player],
            req.idempotency_key.as_deref(),
            &req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let (item, held) = self.store.item_rows(&req.player, &req.item_id).await?;
                    inv::use_item(&ctx, req, item.as_ref(), held.as_ref())
                })
            },
        )
        .await
    }

    /// Grants items without payment. See [`GrantItemRequest`] for errors.
    pub async fn grant_item(&self, req: GrantItemRequest) -> Result<ItemChangeResult> {
        inv::check_item_id(&req.item_id)?;
        let req = &req;
        self.execute(
            "grant_item",
            &[&req.player],
            req.idempotency_key.as_deref(),
            &req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let (item, held) = self.store.item_rows(&req.player, &req.item_id).await?;
                    inv::grant_item(&ctx, req, item.as_ref(), held.as_ref())
                })
            },
        )
        .await
    }

    /// A player's inventory: stacks with quantity > 0, with catalog name and kind and
    /// first acquisition time, ordered by item id. An unknown player has an empty one.
    pub async fn inventory(&self, player: &PlayerId) -> Result<Vec<InventoryEntry>> {
        self.cached(inventory_key(player), self.inventory_uncached(player))
            .await
    }

    async fn inventory_uncached(&self, player: &PlayerId) -> Result<Vec<InventoryEntry>> {
        let rows = self.store.items(player).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows.into_iter().filter(|r| r.quantity > 0) {
            let item = self.store.catalog_item(&row.item_id).await?;
            out.push(InventoryEntry {
                name: item.as_ref().map(|i| i.name.clone()).unwrap_or_default(),
                kind: item
                    .as_ref()
                    .map_or(crate::types::ItemKind::Consumable, |i| i.kind),
                item_id: row.item_id,
                quantity: row.quantity,
                acquired_at: row.acquired_at,
            });
        }
        Ok(out)
    }

    /// Inserts or replaces a catalog item. Errors: `INVALID_ARGUMENT` (see
    /// [`inv::check_catalog_item`]).
    pub async fn upsert_catalog_item(&self, item: CatalogItem) -> Result<CatalogItem> {
        inv::check_catalog_item(&self.config, &item)?;
        self.commit_changes(ChangeSet {
            catalog: vec![item.clone()],
            ..Default::default()
        })
        .await?;
        Ok(item)
    }

    /// Activates or deactivates a catalog item (inactive: not for sale). Errors: `NOT_FOUND`.
    pub async fn set_catalog_item_active(&self, id: &str, active: bool) -> Result<CatalogItem> {
        let mut item = self.catalog_item(id).await?;
        item.active = active;
        self.upsert_catalog_item(item).await
    }

    /// One catalog item. Errors: `NOT_FOUND`, `INVALID_ARGUMENT`.
    pub async fn catalog_item(&self, id: &str) -> Result<CatalogItem> {
        inv::check_item_id(id)?;
        self.store
            .catalog_item(id)
            .await?
            .ok_or_else(|| Error::not_found("catalog item", id))
    }

    /// The whole catalog, ordered by id.
    pub async fn catalog(&self) -> Result<Vec<CatalogItem>> {
        self.store.catalog().await
    }

    /// Top items by units bought in `[from, to)` (SPEC.md Catalog and inventory,
    /// analytics), defaults as [`PopularItemsQuery`] says. Errors: `INVALID_ARGUMENT`
    /// (limit outside 1-100, `from` not before `to`).
    pub async fn popular_items(&self, query: &PopularItemsQuery) -> Result<Vec<PopularItem>> {
        let to = query.to.unwrap_or_else(|| self.clock.now());
        let from = query.from.unwrap_or_else(|| {
            to.checked_sub_signed(chrono::Duration::seconds(POPULAR_ITEMS_WINDOW_SECS))
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        });
        let limit = query.limit.unwrap_or(page::POPULAR_ITEMS);
        if !(1..=100).contains(&limit) {
            return Err(Error::invalid("limit", "limit is 1 to 100"));
        }
        if from >= to {
            return Err(Error::invalid("from", "from must be before to"));
        }
        self.store.popular_items(from, to, limit).await
    }

    /// Purchase revenue per currency per day of the reset time zone, days `from..=to`
    /// (at most 367 days), defaults as [`RevenueQuery`] says. Errors: `INVALID_ARGUMENT`.
    pub async fn revenue_per_day(&self, query: &RevenueQuery) -> Result<Vec<DailyRevenue>> {
        let to = query.to.unwrap_or_else(|| self.today());
        let from = query.from.unwrap_or_else(|| {
            to.checked_sub_signed(chrono::Duration::days(REVENUE_DAYS - 1))
                .unwrap_or(NaiveDate::MIN)
        });
        if from > to || (to - from).num_days() > 366 {
            return Err(Error::invalid("from", "from..to spans 1 to 367 days"));
        }
        self.store.revenue_per_day(from, to).await
    }
}
