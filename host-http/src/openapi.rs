//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` annotations and
//! served at `GET /openapi.json`.

use crate::{api, compat, matchmaking, messaging, party, presence, sse};
use axum::Json;
use utoipa::OpenApi;

/// The OpenAPI 3.1 description of every route.
#[derive(OpenApi)]
#[openapi(
    info(title = "guildhall", description = "guildhall game backend: wallets and ledger, catalog and inventory, mail, announcements, presence, parties, matchmaking and ratings, events (outbox and per-player server-sent events). \
Amounts are integers in the currency's smallest unit. Errors are `{code, message, details}` with a stable `code`."),
    paths(
        api::wallet, api::balance, api::history, api::grant, api::spend, api::transfer, api::currencies, api::verify_ledger,
        api::inventory, api::purchase, api::use_item, api::grant_item,
        api::catalog, api::catalog_item, api::put_catalog_item, api::set_active,
        api::popular_items, api::revenue, api::events, api::prune, api::healthz, api::readyz,
        compat::health, compat::purchase, compat::use_product, compat::inventory, compat::add_funds, compat::popular_products,
        messaging::mailbox, messaging::send_player_mail, messaging::open_mail, messaging::claim_mail, messaging::delete_mail,
        messaging::send_mail, messaging::broadcast,
        messaging::templates, messaging::template, messaging::put_template, messaging::preview,
        messaging::triggers, messaging::trigger, messaging::put_trigger, messaging::cancel_trigger, messaging::fire,
        presence::login, presence::heartbeat, presence::logout, presence::session, presence::online,
        party::create, party::get_party, party::party_of, party::invite, party::accept, party::decline, party::join,
        party::leave, party::kick, party::promote, party::disband,
        matchmaking::queues, matchmaking::queue, matchmaking::ticket, matchmaking::cancel_ticket, matchmaking::pool,
        matchmaking::report, matchmaking::match_record, matchmaking::match_history, matchmaking::rating,
        sse::player_events,
    ),
    components(schemas(guildhall_core::Error, guildhall_core::ErrorCode)),
    tags(
        (name = "economy", description = "Wallets, grants, spends, transfers, the ledger"),
        (name = "inventory", description = "Purchases, use of consumables, item grants"),
        (name = "catalog", description = "Catalog items"),
        (name = "analytics", description = "Popular items, revenue"),
        (name = "events", description = "The outbox of domain events and the per-player event stream"),
        (name = "mail", description = "Mailboxes, player, system and admin mail, broadcasts"),
        (name = "announcements", description = "Templates, trigger rules, firing events for a player"),
        (name = "presence", description = "Sessions: login, heartbeat, logout, who is online"),
        (name = "parties", description = "Parties: invites, joining, leaving, leadership"),
        (name = "matchmaking", description = "Queues, tickets, matches, results and ratings"),
        (name = "health", description = "Liveness and readiness"),
        (name = "seed-002", description = "Compatibility routes of the seed 002 virtual economy service"),
    )
)]
pub struct ApiDoc;

/// `GET /openapi.json`.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
