//! The dashboard (`/console`): players online and tickets waiting per queue, refreshed
//! every 5 s by the compiled-in script from `/console/status.json`, and the player
//! search form.

use super::{inline_error, layout, respond, status_of, time, Operator};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use guildhall_core::Error;
use maud::{html, Markup};
use serde::Serialize;
use std::collections::BTreeMap;

/// The figures of the dashboard, as `/console/status.json` serves them.
#[derive(Serialize)]
struct Status {
    online: usize,
    tickets_waiting: BTreeMap<String, usize>,
    at: DateTime<Utc>,
}

async fn read_status(s: &AppState) -> Result<Status, Error> {
    Ok(Status {
        online: s.gh.online().await?.len(),
        tickets_waiting: s.gh.tickets_waiting().await?,
        at: s.gh.clock().now(),
    })
}

/// `GET /console/status.json`: the dashboard's figures for its refresh.
pub(super) async fn status(State(s): State<AppState>, _op: Operator) -> Response {
    match read_status(&s).await {
        Ok(st) => Json(st).into_response(),
        Err(e) => (status_of(&e), Json(e)).into_response(),
    }
}

/// `GET /console`.
pub(super) async fn dashboard(State(s): State<AppState>, op: Operator) -> Response {
    let queues = &s.gh.config().queues;
    let status = read_status(&s).await;
    let body = html! {
        div.grid data-refresh="5" {
            @match &status {
                Ok(st) => {
                    section.card {
                        h2 { "Players online" }
                        div.stat id="online-count" { (st.online) }
                        p.muted { "refreshed " span id="refreshed-at" { (time(&st.at)) } ", every 5 s" }
                    }
                    section.card {
                        h2 { "Queues" }
                        table {
                            tr { th { "queue" } th { "format" } th.num { "tickets waiting" } }
                            @for q in queues {
                                tr {
                                    td { (q.name) }
                                    td { (q.teams) " teams of " (q.team_size) }
                                    td.num data-queue=(q.name) {
                                        (st.tickets_waiting.get(&q.name).copied().unwrap_or(0))
                                    }
                                }
                            }
                            @if queues.is_empty() {
                                tr { td colspan="3" class="muted" { "no queues configured" } }
                            }
                        }
                    }
                }
                Err(e) => { (inline_error(e)) }
            }
            (find_form())
        }
    };
    respond(
        StatusCode::OK,
        layout("Dashboard", Some(&op), "/console", None, body),
    )
}

/// The "find a player" card (dashboard and players page).
pub(super) fn find_form() -> Markup {
    html! {
        section.card {
            h2 { "Find a player" }
            form.stack method="get" action="/console/players" {
                label for="q" {
                    "Player id, or a linked identity as provider:subject (discord:1234, username:alice)"
                }
                input id="q" name="q" required;
                button type="submit" { "Find" }
            }
        }
    }
}
