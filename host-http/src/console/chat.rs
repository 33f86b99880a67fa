//! Chat: the chat page (`/console/chat`) reads any channel's history, newest first, a
//! page at a time, and mutes or unmutes a player (SPEC.md Chat). Message bodies are
//! player text and are escaped like every other value.

use super::players::parse_player;
use super::{
    done_redirect, enc, inline_error, layout, optional, parse_time, required, respond, section,
    status_of, time, CsrfForm, DoneQuery, Notice, Operator,
};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use guildhall_core::chat::MuteRequest;
use guildhall_core::Error;
use maud::{html, Markup};
use serde::Deserialize;

/// Messages per page of the console's history.
const PAGE: u32 = 50;

/// The query of `GET /console/chat`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ChatQuery {
    channel: String,
    before: String,
    done: Option<String>,
}

/// The mute form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct MuteForm {
    player: String,
    until: String,
    reason: String,
}

/// The unmute form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct UnmuteForm {
    player: String,
}

async fn history(s: &AppState, channel: &str, before: &str) -> Markup {
    let Some(channel) = optional(channel) else {
        return html! { p.muted { "Name a channel: global, room:<id>, party:<id>, group:<id> or direct:<a>:<b>." } };
    };
    let before = optional(before);
    match s
        .gh
        .channel_history(None, &channel, before.as_deref(), Some(PAGE))
        .await
    {
        Err(e) => inline_error(&e),
        Ok(page) => html! {
            @if page.messages.is_empty() {
                p.muted { "No messages." }
            } @else {
                table {
                    thead { tr { th { "Sent (UTC)" } th { "Sender" } th { "Message" } } }
                    tbody {
                        @for m in &page.messages {
                            tr {
                                td { (time(&m.sent_at)) }
                                td { a href=(format!("/console/players/{}", enc(m.sender.as_str()))) { (m.sender) } }
                                td { pre.chat { (m.body) } }
                            }
                        }
                    }
                }
            }
            @if let Some(c) = &page.next_cursor {
                p { a href=(format!("/console/chat?channel={}&before={}", enc(&page.channel), enc(c))) { "Older messages" } }
            }
        },
    }
}

fn chat_page(
    op: &Operator,
    channel: &str,
    listing: Markup,
    notice: Option<Notice>,
    status: StatusCode,
) -> Response {
    let body = html! {
        section.card {
            form.stack method="get" action="/console/chat" {
                label for="chat-channel" { "Channel" }
                input id="chat-channel" name="channel" value=(channel) placeholder="global";
                button type="submit" { "Read" }
            }
        }
        (section("History, newest first", listing))
        section.card {
            form.stack method="post" action="/console/chat/mute" {
                (op.csrf_field())
                h2 { "Mute a player" }
                label for="mute-player" { "Player" }
                input id="mute-player" name="player" required;
                label for="mute-until" { "Until (UTC)" }
                input id="mute-until" name="until" type="datetime-local" required;
                label for="mute-reason" { "Reason" }
                input id="mute-reason" name="reason";
                button type="submit" { "Mute" }
            }
            form.stack method="post" action="/console/chat/unmute" {
                (op.csrf_field())
                h2 { "Lift a mute" }
                label for="unmute-player" { "Player" }
                input id="unmute-player" name="player" required;
                button.secondary type="submit" { "Unmute" }
            }
        }
    };
    respond(
        status,
        layout("Chat", Some(op), "/console/chat", notice.as_ref(), body),
    )
}

/// `GET /console/chat`: a channel's history and the mute forms.
pub(super) async fn chat(
    State(s): State<AppState>,
    op: Operator,
    Query(q): Query<ChatQuery>,
) -> Response {
    let listing = history(&s, &q.channel, &q.before).await;
    let notice = DoneQuery { done: q.done }.notice();
    chat_page(&op, &q.channel, listing, notice, StatusCode::OK)
}

async fn refused(s: &AppState, op: &Operator, e: Error) -> Response {
    let st = status_of(&e);
    let listing = history(s, "", "").await;
    chat_page(op, "", listing, Some(Notice::Refused(e)), st)
}

/// `POST /console/chat/mute`.
pub(super) async fn mute(
    State(s): State<AppState>,
    CsrfForm { op, form }: CsrfForm<MuteForm>,
) -> Response {
    let outcome = async {
        let player = parse_player(&required(&form.player, "player")?)?;
        let until = parse_time(&form.until, "until")?
            .ok_or_else(|| Error::invalid("until", "until is required"))?;
        let m = op
            .core(&s)
            .mute_player(MuteRequest {
                player,
                until,
                reason: form.reason.trim().to_string(),
            })
            .await?;
        Ok::<_, Error>(format!("{} is muted until {}.", m.player, time(&m.until)))
    }
    .await;
    match outcome {
        Ok(done) => done_redirect("/console/chat", &done),
        Err(e) => refused(&s, &op, e).await,
    }
}

/// `POST /console/chat/unmute`.
pub(super) async fn unmute(
    State(s): State<AppState>,
    CsrfForm { op, form }: CsrfForm<UnmuteForm>,
) -> Response {
    let outcome = async {
        let player = parse_player(&required(&form.player, "player")?)?;
        let was = op.core(&s).unmute_player(&player).await?;
        Ok::<_, Error>(if was {
            format!("{player} is no longer muted.")
        } else {
            format!("{player} was not muted.")
        })
    }
    .await;
    match outcome {
        Ok(done) => done_redirect("/console/chat", &done),
        Err(e) => refused(&s, &op, e).await,
    }
}
