//! `GET /v1/players/{player}/events`: the per-player server-sent-events stream (SPEC.md
//! Announcements "Delivery").
//!
//! Every committed event whose `players` include the player, and every `chat_message` of
//! the `global` channel (whose event lists no players), goes out as one SSE event:
//! `id:` the event's outbox `seq`, `event:` its kind (`mail_received`, `announcement`,
//! `currency_granted`, `party_joined`, `match_found`, ...), `data:` the event as JSON.
//!
//! Resuming: a `Last-Event-ID` header (sent by `EventSource` on reconnect) or else
//! `?after=SEQ` replays the player's events after that seq from the outbox (global chat
//! messages are live only; `channel_history` reads them back), then the stream
//! continues live. Without either the stream is live only, from the moment the
//! response starts.
//!
//! No gaps, no duplicates: the handler subscribes to the live feed *before* reading the
//! outbox, so an event committed meanwhile is in the replay, in the live feed, or in
//! both; an event is sent only if its seq is above the cursor and has not been sent
//! already. A receiver that falls behind the live feed (lagged) resumes from the outbox
//! the same way. The rule and its code are shared with the WebSocket
//! ([`crate::live::Feed`]), which sends the same events with the same ids and JSON.
//!
//! Browsers: `EventSource` cannot send an `Authorization` header, so this route (and
//! `GET /v1/ws`, only these two) also takes a player's access token as
//! `?access_token=<token>` (API keys go in the header only). Tokens in URLs can reach
//! proxy logs: the host never logs query strings, and tokens are short-lived.
//!
//! Idle streams get a `:heartbeat` comment every `sse_heartbeat_secs`; writing it to a
//! dead connection fails, which drops the stream. At the same interval a player's token
//! is checked again (`crate::live::still_allowed`): expired, signed out or banned, the
//! stream sends `event: error` (data `{"code","message"}`, no `id`) and ends. The stream belongs to its connection:
//! when the client goes away the stream is dropped with it (nothing is spawned), and
//! when the host drains ([`crate::ops`]) it sends a last `server_draining` event (no
//! `id`; `retry:` 1000 ms; data `{"type":"server_draining","reason":"draining",
//! "reconnect_after_ms":1000}`) and ends, so the client reconnects, to another host,
//! with its `Last-Event-ID`, and graceful shutdown does not wait for it.

use crate::error::AppError;
use crate::extract::{player, ApiPath, ApiQuery};
use crate::live::{Feed, LiveEvent, PlayerStream};
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::stream::Stream;
use serde::Deserialize;
use std::convert::Infallible;
use utoipa::IntoParams;

pub use crate::live::{REPLAY_PAGE, SENT_MEMORY};

/// Query of `GET /v1/players/{player}/events`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Replay the player's events after this seq first (a `Last-Event-ID` header wins).
    #[serde(default)]
    pub after: Option<i64>,
    /// A player's access token, for browsers (`EventSource` cannot send headers); the
    /// `Authorization` header wins. Accepted on the event stream routes only.
    #[serde(default)]
    pub access_token: Option<String>,
}

/// The player's live event stream (`text/event-stream`).
#[utoipa::path(get, path = "/v1/players/{player}/events", tag = "events",
    params(("player" = String, Path, description = "Player id"), StreamQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event seq (EventSource sends it on reconnect)")),
    responses((status = 200, content_type = "text/event-stream",
        description = "Server-sent events: `id` = seq, `event` = kind, `data` = the event JSON; `:heartbeat` comments when idle"),
        (status = 400, body = guildhall_core::Error)))]
pub async fn player_events(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
    ApiQuery(q): ApiQuery<StreamQuery>,
    who: Option<axum::Extension<crate::auth::Principal>>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, AppError> {
    let pid = player(p)?;
    let last_event_id = match headers.get("last-event-id") {
        None => None,
        Some(v) => {
            let text = v.to_str().unwrap_or("").trim();
            if text.is_empty() {
                None
            } else {
                Some(text.parse::<i64>().map_err(|_| {
                    AppError::invalid(
                        "Last-Event-ID",
                        "Last-Event-ID is the seq of an event of this stream",
                    )
                })?)
            }
        }
    };
    let cursor = last_event_id.or(q.after);
    if matches!(cursor, Some(c) if c < 0) {
        return Err(AppError::invalid("after", "after is a seq, 0 or more"));
    }
    // Subscribe before anything is read, so nothing committed from now on is missed.
    let feed = Feed::open(&s, pid.clone(), PlayerStream(pid.clone()), cursor);
    // A player's credentials are checked again at every heartbeat (as on the
    // WebSocket): a token expired, signed out or of a banned player ends the stream
    // with an `error` event.
    let heartbeat = s.sse_heartbeat.max(std::time::Duration::from_millis(10));
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let who = who.map(|axum::Extension(p)| p);
    let me = pid.clone();
    // The drain handle goes once the stream has said its last event: the stream ends.
    let stream = futures::stream::unfold(
        (feed, Some(s.drain.clone()), tick, s.clone()),
        move |(mut feed, drain, mut tick, s)| {
            let (who, me) = (who.clone(), me.clone());
            async move {
                let drain = drain?;
                loop {
                    tokio::select! {
                        event = feed.next() => {
                            return match event {
                                Some(event) => {
                                    Some((Ok(sse_event(&event)), (feed, Some(drain), tick, s)))
                                }
                                None if drain.is_draining() => {
                                    Some((Ok(draining_event()), (feed, None, tick, s)))
                                }
                                None => None,
                            };
                        }
                        _ = tick.tick() => {
                            let Some(principal) = &who else { continue };
                            if let Err(e) =
                                crate::live::still_allowed(&s, principal, &me).await
                            {
                                tracing::info!(player = %me, code = e.code.as_str(), "event stream's credentials no longer hold; ending it");
                                return Some((Ok(refusal_event(&e)), (feed, None, tick, s)));
                            }
                        }
                    }
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(s.sse_heartbeat).text("heartbeat")))
}

/// The last event of a stream whose host drains: `event: server_draining`, no `id` (the
/// client's last id stays the last event's), `retry:` the reconnect hint.
fn draining_event() -> SseEvent {
    SseEvent::default()
        .event(crate::ops::DRAINING_EVENT)
        .retry(std::time::Duration::from_millis(
            crate::ops::RECONNECT_AFTER_MS,
        ))
        .data(crate::ops::draining_notice().to_string())
}

/// The last event of a stream whose credentials no longer hold: `event: error`, the
/// error as data (`code`, `message`), no `id`.
fn refusal_event(e: &guildhall_core::Error) -> SseEvent {
    SseEvent::default()
        .event("error")
        .data(serde_json::json!({ "code": e.code, "message": e.message }).to_string())
}

fn sse_event(e: &LiveEvent) -> SseEvent {
    SseEvent::default()
        .id(e.event.seq.to_string())
        .event(&e.event.kind)
        .data(e.json())
}
