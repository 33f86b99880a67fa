//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` annotations and
//! served at `GET /openapi.json`.

use crate::routes::{
    access, announce, chat, economy, events, friends, groups, health, inventory, leaderboards,
    mail, matchmaking, party, presence,
};
use crate::{auth, compat, sse};
use axum::Json;
use utoipa::OpenApi;

/// The OpenAPI 3.1 description of every route.
#[derive(OpenApi)]
#[openapi(
    info(title = "guildhall", description = "guildhall game backend: wallets and ledger, catalog and inventory, mail, announcements, presence, friends and blocks, parties, groups with a bank, chat, matchmaking and ratings, events (outbox and per-player server-sent events). \
Amounts are integers in the currency's smallest unit. Errors are `{code, message, details}` with a stable `code`."),
    paths(
        economy::wallet, economy::balance, economy::history, economy::grant, economy::spend, economy::transfer, economy::currencies, economy::verify_ledger,
        inventory::inventory, inventory::purchase, inventory::use_item, inventory::grant_item,
        inventory::catalog, inventory::catalog_item, inventory::put_catalog_item, inventory::set_active,
        inventory::popular_items, inventory::revenue, events::events, events::prune, health::healthz, health::readyz,
        compat::health, compat::purchase, compat::use_product, compat::inventory, compat::add_funds, compat::popular_products,
        mail::mailbox, mail::send_player_mail, mail::open_mail, mail::claim_mail, mail::delete_mail,
        mail::send_mail, mail::broadcast,
        announce::templates, announce::template, announce::put_template, announce::preview,
        announce::triggers, announce::trigger, announce::put_trigger, announce::cancel_trigger, announce::fire,
        presence::login, presence::heartbeat, presence::logout, presence::session, presence::online,
        party::create, party::get_party, party::party_of, party::invite, party::accept, party::decline, party::join,
        party::leave, party::kick, party::promote, party::disband,
        friends::friends, friends::remove, friends::requests, friends::send_request, friends::accept,
        friends::decline, friends::blocked, friends::block, friends::unblock,
        groups::create, groups::find, groups::get_group, groups::groups_of, groups::join, groups::request,
        groups::invite, groups::accept_invite, groups::decline_invite, groups::accept_request, groups::decline_request,
        groups::kick, groups::promote, groups::demote, groups::transfer, groups::leave, groups::disband,
        groups::deposit, groups::withdraw, groups::bank,
        groups::admin_by_name, groups::admin_remove_member, groups::admin_disband,
        chat::post_message, chat::player_history, chat::admin_history, chat::mute, chat::unmute,
        leaderboards::put_board, leaderboards::list, leaderboards::get_board, leaderboards::standings,
        leaderboards::standing, leaderboards::periods, leaderboards::submit, leaderboards::join,
        leaderboards::run_resets,
        crate::routes::achievements::list, crate::routes::achievements::get_one,
        crate::routes::achievements::put_definition, crate::routes::achievements::delete_definition,
        crate::routes::achievements::player_list, crate::routes::achievements::player_one,
        crate::routes::achievements::progress, crate::routes::achievements::claim,
        crate::routes::trade::open, crate::routes::trade::get_trade, crate::routes::trade::ledger,
        crate::routes::trade::offer, crate::routes::trade::confirm, crate::routes::trade::cancel,
        crate::routes::trade::player_trades, crate::routes::trade::recent, crate::routes::trade::expire,
        crate::routes::loot::list_tables, crate::routes::loot::get_table,
        crate::routes::loot::put_table, crate::routes::loot::delete_table,
        crate::routes::loot::replay, crate::routes::loot::resolve, crate::routes::loot::get_result,
        crate::routes::loot::roll, crate::routes::loot::get_roll, crate::routes::loot::choose,
        crate::routes::rooms::create, crate::routes::rooms::list, crate::routes::rooms::get_room,
        crate::routes::rooms::enter, crate::routes::rooms::leave, crate::routes::rooms::player_room,
        crate::routes::rooms::lobby, crate::routes::rooms::push_lobby, crate::routes::rooms::destroy,
        crate::routes::rooms::log, crate::routes::rooms::sweep,
        matchmaking::queues, matchmaking::queue, matchmaking::ticket, matchmaking::cancel_ticket, matchmaking::pool,
        matchmaking::report, matchmaking::match_record, matchmaking::match_history, matchmaking::rating,
        sse::player_events,
        access::register, access::login, access::device, access::vouch, access::refresh, access::logout,
        access::change_password, access::sign_out, access::me,
        access::account, access::find_identity, access::ban, access::unban, access::admin_sign_out,
        access::whitelist, access::unwhitelist, access::keys,
        crate::routes::characters::list, crate::routes::characters::create,
        crate::routes::characters::get_one, crate::routes::characters::remove,
        crate::routes::characters::rename, crate::routes::characters::restore,
        crate::routes::characters::select, crate::routes::characters::bank,
        crate::routes::characters::deposit, crate::routes::characters::withdraw,
        crate::routes::characters::equipment, crate::routes::characters::equip,
        crate::routes::characters::unequip,
        crate::ws::websocket,
        crate::routes::payments::stripe, crate::routes::payments::hmac,
        crate::routes::payments::log, crate::routes::payments::payment,
        crate::routes::downloads::upload, crate::routes::downloads::list,
        crate::routes::downloads::versions, crate::routes::downloads::download,
        crate::routes::webhooks::list, crate::routes::webhooks::create, crate::routes::webhooks::read,
        crate::routes::webhooks::replace, crate::routes::webhooks::remove, crate::routes::webhooks::replay,
        crate::routes::recovery::start_reset, crate::routes::recovery::reset, crate::routes::recovery::reopen,
        crate::routes::recovery::start_verify, crate::routes::recovery::verify, crate::routes::recovery::close,
        crate::routes::recovery::activity, crate::routes::recovery::admin_reopen,
        crate::routes::ops::log_level, crate::routes::ops::set_log_level, crate::routes::ops::drain,
    ),
    modifiers(&Security, &UniqueIds),
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
        (name = "friends", description = "Friends, friend requests and blocks"),
        (name = "groups", description = "Groups (guilds, clans): roles, requests, invites, succession, the group bank"),
        (name = "chat", description = "Chat channels: posting, history, mutes"),
        (name = "leaderboards", description = "Leaderboards and tournaments: definitions, scores, standings, periods and rewards, joins"),
        (name = "achievements", description = "Achievements and quests: definitions, progress, rewards"),
        (name = "trade", description = "Trades between two players: offers, confirmations of a revision, the one-commit exchange, expiry"),
        (name = "loot", description = "Loot tables: tables, seeded rolls granted in one commit, replays, party need/greed rolls"),
        (name = "rooms", description = "Rooms and the lobby: create, enter, leave, idle destroy, the room log, the lobby view and its push"),
        (name = "matchmaking", description = "Queues, tickets, matches, results and ratings"),
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "Accounts, logins, tokens, bans, whitelist, API keys"),
        (name = "seed-002", description = "Compatibility routes of the seed 002 virtual economy service"),
        (name = "characters", description = "Characters of an account, the account bank, equipment"),
        (name = "payments", description = "Payment webhooks in (Stripe, generic HMAC): verified, credited once by the product map, refunds revoked; the payment log"),
        (name = "downloads", description = "Game data files: versioned uploads, downloads with ETag and byte ranges, changes since a version"),
        (name = "webhooks", description = "Outbound webhooks: subscriptions, delivery progress, parked endpoints and replays"),
        (name = "operations", description = "Running a host: the log filter at run time, the graceful drain"),
    )
)]
pub struct ApiDoc;

/// Declares the bearer scheme (access token or API key) and marks every route that
/// needs it, from the same [`auth::access_rule`] table the middleware enforces.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        };
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A player's access token (JWT from /v1/auth/*) or a trusted server's API key (ghk_...)",
                    ))
                    .build(),
            ),
        );
        for (path, item) in doc.paths.paths.iter_mut() {
            let ops = [
                (axum::http::Method::GET, &mut item.get),
                (axum::http::Method::POST, &mut item.post),
                (axum::http::Method::PUT, &mut item.put),
                (axum::http::Method::DELETE, &mut item.delete),
            ];
            for (method, op) in ops {
                if let Some(op) = op {
                    let public = auth::access_rule(&method, path) == Some(auth::Access::Public);
                    // A public route says so (`security: []`), so a reader (and a linter)
                    // tells it apart from one whose rule is missing.
                    op.security = if public {
                        Some(Vec::new())
                    } else {
                        Some(vec![SecurityRequirement::new(
                            "bearer",
                            Vec::<String>::new(),
                        )])
                    };
                }
            }
        }
    }
}

/// Gives every operation an id unique in the document: a handler's name (`list`,
/// `create`, `join`) is its id unless another module has a handler of the same name, in
/// which case both take their tag as a prefix (`parties_join`, `leaderboards_join`), so
/// generated clients get one method per operation. Also documents as query parameters
/// those a path does not name, and names the server as the document's own origin (`/`).
struct UniqueIds;

impl utoipa::Modify for UniqueIds {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use std::collections::HashMap;
        use utoipa::openapi::path::ParameterIn;
        let mut seen: HashMap<String, usize> = HashMap::new();
        for item in doc.paths.paths.values() {
            for op in [&item.get, &item.post, &item.put, &item.delete]
                .into_iter()
                .flatten()
            {
                if let Some(id) = &op.operation_id {
                    *seen.entry(id.clone()).or_default() += 1;
                }
            }
        }
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let Some(id) = op.operation_id.clone() else {
                    continue;
                };
                if seen.get(&id).copied().unwrap_or(0) > 1 {
                    let tag = op
                        .tags
                        .as_ref()
                        .and_then(|t| t.first())
                        .cloned()
                        .unwrap_or_default();
                    op.operation_id = Some(format!("{}_{id}", tag.replace('-', "_")));
                }
            }
        }
        // A query struct deriving `IntoParams` without `parameter_in = Query` would be
        // documented as path parameters: a parameter the path does not name is a query one.
        for (path, item) in doc.paths.paths.iter_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                for p in op.parameters.iter_mut().flatten() {
                    if matches!(p.parameter_in, ParameterIn::Path)
                        && !path.contains(&format!("{{{}}}", p.name))
                    {
                        p.parameter_in = ParameterIn::Query;
                    }
                }
            }
        }
        doc.servers = Some(vec![utoipa::openapi::server::Server::new("/")]);
    }
}

/// `GET /openapi.json`.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
