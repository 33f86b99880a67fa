//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` annotations and
//! served at `GET /openapi.json`.

use crate::{api, compat};
use axum::Json;
use utoipa::OpenApi;

/// The OpenAPI 3.1 description of every route.
#[derive(OpenApi)]
#[openapi(
    info(title = "guildhall", description = "guildhall game backend: wallets and ledger, catalog and inventory, events. \
Amounts are integers in the currency's smallest unit. Errors are `{code, message, details}` with a stable `code`."),
    paths(
        api::wallet, api::balance, api::history, api::grant, api::spend, api::transfer, api::currencies, api::verify_ledger,
        api::inventory, api::purchase, api::use_item, api::grant_item,
        api::catalog, api::catalog_item, api::put_catalog_item, api::set_active,
        api::popular_items, api::revenue, api::events, api::prune, api::healthz, api::readyz,
        compat::health, compat::purchase, compat::use_product, compat::inventory, compat::add_funds, compat::popular_products,
    ),
    components(schemas(guildhall_core::Error, guildhall_core::ErrorCode)),
    tags(
        (name = "economy", description = "Wallets, grants, spends, transfers, the ledger"),
        (name = "inventory", description = "Purchases, use of consumables, item grants"),
        (name = "catalog", description = "Catalog items"),
        (name = "analytics", description = "Popular items, revenue"),
        (name = "events", description = "The outbox of domain events"),
        (name = "health", description = "Liveness and readiness"),
        (name = "seed-002", description = "Compatibility routes of the seed 002 virtual economy service"),
    )
)]
pub struct ApiDoc;

/// `GET /openapi.json`.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
