//! The characters page: a player's characters (live ones, and deleted ones with their
//! purge time), the account bank (balances and item stacks) and each character's
//! equipment. Given a character, the page shows its account. Read only: the changes go
//! through the JSON API (`/v1/players/{player}/characters`, `/bank`, `/equipment`).

use super::{inline_error, layout, opt_time, respond, section, status_of, time, Operator};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use guildhall_core::types::PlayerId;
use maud::{html, Markup};
use serde::Deserialize;

/// The search: `?player=<account or character id>`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CharactersQuery {
    player: String,
}

fn find_form(player: &str) -> Markup {
    html! {
        section.card {
            h2 { "Find an account" }
            form.stack method="get" action="/console/characters" {
                label for="player" { "Account or character (player id)" }
                input id="player" name="player" value=(player) required;
                button type="submit" { "Show" }
            }
        }
    }
}

async fn account_view(s: &AppState, player: &PlayerId) -> Result<Markup, guildhall_core::Error> {
    let account = match s.gh.character(player).await {
        Ok(c) => c.account,
        Err(_) => player.clone(),
    };
    let list = s.gh.characters(&account).await?;
    let bank = s.gh.account_bank(&account).await?;
    let mut equipment = Vec::new();
    for c in &list.characters {
        equipment.push(s.gh.equipment(&c.id).await?);
    }
    Ok(html! {
        (section(&format!("Characters of {account}"), html! {
            p.muted { (list.live) " live of " (list.slots) " slots" }
            @if list.characters.is_empty() {
                p.muted { "No characters." }
            } @else {
                table {
                    thead { tr { th { "Name" } th { "Player id" } th { "Created" } th { "State" } th { "Equipment" } } }
                    tbody {
                        @for (c, eq) in list.characters.iter().zip(&equipment) {
                            tr {
                                td { (c.name) @if list.selected.as_ref() == Some(&c.id) { " (selected)" } }
                                td { code { (c.id) } }
                                td { (time(&c.created_at)) }
                                td {
                                    @if c.live() { "live" } @else { "deleted; purged " (opt_time(&c.purge_at)) }
                                }
                                td {
                                    @if eq.items.is_empty() { span.muted { "-" } }
                                    @for i in &eq.items { (i.slot) ": " (i.name) " (" code { (i.item_id) } ") " }
                                }
                            }
                        }
                    }
                }
            }
        }))
        (section("Account bank", html! {
            p.muted { "Ledger account " code { "account:" (account) } }
            table {
                thead { tr { th { "Currency" } th { "Balance" } } }
                tbody { @for b in &bank.balances { tr { td { (b.currency) } td { (b.amount) } } } }
            }
            @if bank.items.is_empty() {
                p.muted { "No items." }
            } @else {
                table {
                    thead { tr { th { "Item" } th { "Name" } th { "Quantity" } } }
                    tbody { @for i in &bank.items { tr { td { code { (i.item_id) } } td { (i.name) } td { (i.quantity) } } } }
                }
            }
        }))
    })
}

/// `GET /console/characters?player=...`.
pub(super) async fn characters_page(
    State(s): State<AppState>,
    op: Operator,
    Query(q): Query<CharactersQuery>,
) -> Response {
    let player = q.player.trim().to_string();
    let (status, found) = if player.is_empty() {
        (StatusCode::OK, html! {})
    } else {
        match PlayerId::new(player.clone()) {
            Err(e) => (status_of(&e), inline_error(&e)),
            Ok(p) => match account_view(&s, &p).await {
                Ok(m) => (StatusCode::OK, m),
                Err(e) => (status_of(&e), inline_error(&e)),
            },
        }
    };
    let body = html! { (find_form(&player)) (found) };
    respond(
        status,
        layout("Characters", Some(&op), "/console/characters", None, body),
    )
}
