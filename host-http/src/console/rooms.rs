//! Rooms: the page `/console/rooms` lists the live rooms with their players (type,
//! capacity, owner, game-server address, when empty since), each linking to its log
//! `/console/rooms/{id}`: the room if it is still live, and its operations (created,
//! entered, left, destroyed, with player and time), oldest first, in pages of 100
//! (`?after=`). The log of a destroyed room stays readable. Every value is escaped.

use super::{enc, inline_error, layout, opt_time, respond, section, time, Notice, Operator};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use guildhall_core::rooms::Room;
use maud::{html, Markup};
use serde::Deserialize;

/// Query of `/console/rooms/{room_id}`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct LogQuery {
    after: Option<String>,
}

fn room_url(id: &str) -> String {
    format!("/console/rooms/{}", enc(id))
}

fn players(r: &Room) -> Markup {
    html! {
        @if r.players.is_empty() { span.muted { "nobody" } }
        @for m in &r.players {
            a href=(format!("/console/players/{}", enc(m.player.as_str()))) { (m.player.as_str()) } " "
        }
    }
}

fn list(rooms: &[Room]) -> Markup {
    html! {
        @if rooms.is_empty() { p.muted { "No rooms." } }
        @else {
            table {
                thead { tr { th { "Room" } th { "Type" } th.num { "Players" } th { "Who" } th { "Owner" } th { "Server" } th { "Created" } th { "Empty since" } } }
                tbody {
                    @for r in rooms {
                        tr {
                            td { a href=(room_url(&r.id)) { (r.id) } }
                            td { (r.room_type) }
                            td.num { (r.players.len()) " / " (r.capacity) }
                            td { (players(r)) }
                            td { (r.owner.as_ref().map_or("system", |p| p.as_str())) }
                            td { (r.server.as_deref().unwrap_or("-")) }
                            td { (time(&r.created_at)) }
                            td { (opt_time(&r.empty_since)) }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /console/rooms`: the live rooms with their players.
pub(super) async fn rooms_page(State(s): State<AppState>, op: Operator) -> Response {
    let rooms =
        s.gh.rooms(Some(guildhall_core::rooms::rules::LOG_PAGE_MAX))
            .await;
    let body = html! {
        section.card {
            h2 { "Open a room's log" }
            form.inline method="get" action="/console/rooms/go" {
                label for="room" { "Room id" }
                input id="room" name="room";
                button type="submit" { "Show" }
            }
        }
        @match &rooms {
            Err(e) => (section("Rooms", inline_error(e))),
            Ok(rs) => (section("Rooms", list(rs))),
        }
    };
    respond(
        StatusCode::OK,
        layout("Rooms", Some(&op), "/console/rooms", None, body),
    )
}

/// Query of `/console/rooms/go`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct GoQuery {
    room: String,
}

/// `GET /console/rooms/go?room=`: the form's target, redirecting to the room's log.
pub(super) async fn go(_op: Operator, Query(q): Query<GoQuery>) -> axum::response::Redirect {
    axum::response::Redirect::to(&room_url(q.room.trim()))
}

/// `GET /console/rooms/{room_id}`: the room (if live) and a page of its log.
pub(super) async fn room_page(
    State(s): State<AppState>,
    op: Operator,
    Path(id): Path<String>,
    Query(q): Query<LogQuery>,
) -> Response {
    let room = s.gh.room(&id).await;
    let (status, body) = match s.gh.room_log(&id, q.after.as_deref(), Some(100)).await {
        Err(e) => (super::status_of(&e), html! { (Notice::Refused(e)) }),
        Ok(page) => (
            StatusCode::OK,
            html! {
                @match &room {
                    Ok(r) => (section("Room", html! {
                        p {
                            (r.room_type) " · " (r.players.len()) " / " (r.capacity) " players"
                            " · owner " (r.owner.as_ref().map_or("system", |p| p.as_str()))
                            " · server " (r.server.as_deref().unwrap_or("-"))
                            " · created " (time(&r.created_at))
                            " · version " (r.version)
                        }
                        p { "Players: " (players(r)) }
                        p { "Metadata: " code { (serde_json::Value::Object(r.metadata.clone()).to_string()) } }
                    })),
                    Err(_) => (section("Room", html! { p.muted { "Destroyed (its log stays)." } })),
                }
                (section("Log", html! {
                    table {
                        thead { tr { th.num { "Seq" } th { "When" } th { "What" } th { "Player" } th { "Reason" } } }
                        tbody {
                            @for e in &page.entries {
                                tr {
                                    td.num { (e.seq) }
                                    td { (time(&e.at)) }
                                    td { (e.action) }
                                    td { (e.player.as_ref().map_or("-", |p| p.as_str())) }
                                    td { (e.reason.as_deref().unwrap_or("")) }
                                }
                            }
                        }
                    }
                    @if let Some(next) = &page.next_cursor {
                        p { a href=(format!("{}?after={}", room_url(&id), enc(next))) { "Next page" } }
                    }
                }))
            },
        ),
    };
    respond(
        status,
        layout(
            &format!("Room {id}"),
            Some(&op),
            "/console/rooms",
            None,
            body,
        ),
    )
}
