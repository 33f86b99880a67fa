//! `GET /v1/ws`: the WebSocket live transport (SPEC.md "Live transport").
//!
//! One connection acts for one player: authenticate, subscribe to topics, receive the
//! same events as the SSE stream ([`crate::sse`]) with the same ids (the outbox `seq`)
//! and the same JSON, resume after a disconnect from the last id, post chat messages.
//! Fan-out across hosts is the core's live feed (with the Redis coordinator every host
//! sees every host's commits), prepared once per host by the [`crate::live::Hub`].
//!
//! **Authentication**, one of:
//! * `Authorization: Bearer <token>` on the upgrade request: a player's access token,
//!   or an API key (with the `events` scope) acting for `?player=<id>`;
//! * `?access_token=<player's access token>` (browsers cannot set headers on a
//!   WebSocket; API keys are refused in URLs);
//! * neither: the first message, within [`AUTH_TIMEOUT`], is
//!   `{"type":"auth","token":"...","player":"<id, for an API key>"}`.
//!
//! A token acts for its own player or, naming it in `player`, for a live character of
//! its account (the rule of every route, [`crate::auth::acting`]). Bad credentials on
//! the upgrade request: `401` (or `403`) before the upgrade; in the first message: an
//! error frame, then the socket closes (code 1008).
//!
//! **Messages** are JSON text frames. The client sends (`ref`: any JSON, echoed in the
//! answer):
//! * `{"type":"subscribe","topics":["party:p1","room:r1"],"after":123,"ref":1}`: topics
//!   of [`guildhall_core::live::Topic`] (`player:<id>`, `party:<id>`, `group:<id>`,
//!   `room:<id>`, `chat:<channel>`, `global`), each checked against the player's
//!   membership ([`guildhall_core::Guildhall::check_topic`]); all or nothing: one refused
//!   topic gives an error frame and changes nothing. Answer `{"type":"subscribed",
//!   "ref":1,"topics":[every topic now held]}`.
//! * `{"type":"unsubscribe","topics":[...],"ref":2}`: answer `{"type":"unsubscribed",...}`.
//! * `{"type":"post","channel":"party:p1","body":"hi","metadata":{},"idempotency_key":"k",
//!   "ref":3}`: a chat message from the player through the chat service (its rules,
//!   limits and codes); answer `{"type":"posted","ref":3,"message":{...}}`.
//! * `{"type":"ping","ref":4}`: answer `{"type":"pong","ref":4}`.
//!
//! The server sends `{"type":"ready","player":"<id>","heartbeat_secs":30}` once
//! authenticated; events as `{"type":"event","id":<seq>,"kind":"<kind>","event":{...}}`
//! (`event` is the SSE stream's `data:`); refusals as `{"type":"error","ref":...,
//! "code":"NOT_IN_PARTY","message":"...","details":{...}}` (the stable codes of SPEC.md;
//! the connection stays open).
//!
//! **Resume**: connect with `?after=<last id>` (or put `after` in the first subscribe):
//! every subscribe replays, from that cursor, the player's events of the topics it adds
//! (from the outbox, as the SSE stream does), then live; nothing is missed and nothing
//! is sent twice (shared with SSE: [`crate::live::Feed`]). Global chat messages are live
//! only, as on SSE. Without a cursor, topics are live from their subscription.
//!
//! **Heartbeat**: the server sends a WebSocket ping every `sse_heartbeat_secs`; a
//! connection from which nothing (not even a pong) arrived for [`DEAD_AFTER`]
//! heartbeats is closed, and so is one whose writes fail. When the host drains
//! ([`crate::ops`]) every connection gets `{"type":"server_draining","reason":"draining",
//! "reconnect_after_ms":1000}` and is closed with code 1012 (service restart): reconnect,
//! to another host, with `?after=<last id>`. At each heartbeat a player's credentials
//! are checked again ([`crate::live::still_allowed`]): a token that expired, was
//! signed out, or whose player was banned gets an error frame and close code 1008.
//!
//! **Per-connection cost** is kept small: a 4 KiB read buffer, no write buffering
//! beyond the frame in flight, messages from the client up to [`MAX_MESSAGE_BYTES`],
//! event frames shared between connections, and handlers of client messages boxed
//! (their state exists only while one runs).

use crate::auth::{self, Principal};
use crate::error::AppError;
use crate::extract::ApiQuery;
use crate::live::{Feed, Interest, LiveEvent};
use crate::AppState;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use guildhall_core::chat::PostMessageRequest;
use guildhall_core::live::{parse_topics, Topic, MAX_TOPICS};
use guildhall_core::types::PlayerId;
use guildhall_core::{Error, ErrorCode};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::time::Instant;
use utoipa::IntoParams;

/// How long a connection without credentials on its upgrade request has to send its
/// `auth` message.
pub const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// Heartbeats without anything heard from the client after which it counts as dead.
pub const DEAD_AFTER: u32 = 3;
/// Largest message a client may send, bytes.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Read buffer of a connection, bytes (grows for a larger message, up to the limit).
pub const READ_BUFFER_BYTES: usize = 4 * 1024;

/// Query of `GET /v1/ws`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WsQuery {
    /// The player the connection acts for: required with an API key; with a player's
    /// token, that player (default) or a live character of its account.
    #[serde(default)]
    pub player: Option<String>,
    /// A player's access token, for browsers (the `Authorization` header wins).
    #[serde(default)]
    pub access_token: Option<String>,
    /// Resume: the last event id (`seq`) received; subscriptions replay after it.
    #[serde(default)]
    pub after: Option<i64>,
}

/// The WebSocket upgrade (see the module docs for the protocol).
#[utoipa::path(get, path = "/v1/ws", tag = "events",
    params(WsQuery),
    responses((status = 101, description = "Switching to the WebSocket protocol: JSON text frames (subscribe, unsubscribe, post, ping; ready, subscribed, event, posted, error, pong)"),
        (status = 400, body = guildhall_core::Error),
        (status = 401, body = guildhall_core::Error),
        (status = 403, body = guildhall_core::Error)))]
pub async fn websocket(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<WsQuery>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, AppError> {
    if matches!(q.after, Some(a) if a < 0) {
        return Err(AppError::invalid("after", "after is a seq, 0 or more"));
    }
    let token = match auth::bearer(&headers)? {
        Some(t) => Some(t),
        None => match q.access_token.as_deref() {
            None => None,
            Some(t) if t.starts_with(guildhall_core::access::rules::API_KEY_PREFIX) => {
                return Err(Error::new(
                    ErrorCode::Unauthenticated,
                    "an API key goes in the `Authorization` header, never in a URL; `access_token` takes a player's access token",
                )
                .into())
            }
            Some(t) if t.trim().is_empty() => {
                return Err(Error::new(ErrorCode::Unauthenticated, "access_token is empty").into())
            }
            Some(t) => Some(t.trim().to_string()),
        },
    };
    let who = match token {
        Some(t) => Some(Box::pin(authorize(&s, t, q.player.clone())).await?),
        None => None,
    };
    let after = q.after;
    Ok(upgrade
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| connection(s, socket, who, q.player, after)))
}

/// Resolves a token and the player it acts for. Errors: `UNAUTHENTICATED`,
/// `RATE_LIMITED`, `INVALID_ARGUMENT` (a key without `player`), `FORBIDDEN`, `BANNED`.
async fn authorize(
    s: &AppState,
    token: String,
    player: Option<String>,
) -> Result<(Principal, PlayerId), AppError> {
    let principal = auth::stream_principal(s, token).await?;
    let player = match (player, &principal) {
        (Some(p), _) => crate::extract::player(p)?,
        (None, Principal::Player { id, .. }) => id.clone(),
        (None, Principal::Server(_)) => {
            return Err(AppError::invalid(
                "player",
                "an API key acts for a player: name it with ?player=<id>",
            ))
        }
    };
    auth::acting(&s.gh, &principal, &player, "events").await?;
    Ok((principal, player))
}

/// A connection's topics, as a [`crate::live::Interest`].
struct Topics {
    player: PlayerId,
    topics: Vec<Topic>,
}

impl Interest for Topics {
    fn wants(&self, e: &LiveEvent) -> bool {
        guildhall_core::live::delivers(&self.topics, &e.event, || e.lists(self.player.as_str()))
    }
}

/// A message from the client.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientMessage {
    Auth {
        token: String,
        #[serde(default)]
        player: Option<String>,
        #[serde(default, rename = "ref")]
        reference: Value,
    },
    Subscribe {
        topics: Vec<String>,
        #[serde(default)]
        after: Option<i64>,
        #[serde(default, rename = "ref")]
        reference: Value,
    },
    Unsubscribe {
        topics: Vec<String>,
        #[serde(default, rename = "ref")]
        reference: Value,
    },
    Post {
        channel: String,
        body: String,
        #[serde(default)]
        metadata: Option<Value>,
        #[serde(default)]
        idempotency_key: Option<String>,
        #[serde(default, rename = "ref")]
        reference: Value,
    },
    Ping {
        #[serde(default, rename = "ref")]
        reference: Value,
    },
}

fn error_frame(reference: &Value, e: &Error) -> Message {
    let mut v =
        json!({ "type": "error", "code": e.code, "message": e.message, "details": e.details });
    if !reference.is_null() {
        v["ref"] = reference.clone();
    }
    Message::Text(v.to_string().into())
}

fn reply(reference: &Value, mut v: Value) -> Message {
    if !reference.is_null() {
        v["ref"] = reference.clone();
    }
    Message::Text(v.to_string().into())
}

fn parse_message(text: &str) -> Result<ClientMessage, Error> {
    serde_json::from_str(text).map_err(|e| {
        Error::invalid(
            "message",
            format!("expected a JSON message with a known \"type\" (auth, subscribe, unsubscribe, post, ping): {e}"),
        )
    })
}

/// Waits for the `auth` message. `None`: the connection is closed.
async fn first_message_auth(
    s: &AppState,
    socket: &mut WebSocket,
    query_player: Option<String>,
) -> Option<(Principal, PlayerId)> {
    let deadline = Instant::now() + AUTH_TIMEOUT;
    loop {
        let msg = match tokio::time::timeout_at(deadline, socket.recv()).await {
            Err(_) => {
                let e = Error::new(
                    ErrorCode::Unauthenticated,
                    "no credentials: send {\"type\":\"auth\",\"token\":\"...\"} first",
                );
                close_with(socket, &Value::Null, &e).await;
                return None;
            }
            Ok(None | Some(Err(_))) => return None,
            Ok(Some(Ok(m))) => m,
        };
        let text = match msg {
            Message::Text(t) => t,
            Message::Close(_) => return None,
            Message::Ping(_) | Message::Pong(_) => continue,
            Message::Binary(_) => {
                let e = Error::invalid("message", "messages are JSON text frames");
                close_with(socket, &Value::Null, &e).await;
                return None;
            }
        };
        let (token, player, reference) = match parse_message(text.as_str()) {
            Ok(ClientMessage::Auth {
                token,
                player,
                reference,
            }) => (token, player.or_else(|| query_player.clone()), reference),
            Ok(_) => {
                let e = Error::new(
                    ErrorCode::Unauthenticated,
                    "authenticate first: {\"type\":\"auth\",\"token\":\"...\"}",
                );
                close_with(socket, &Value::Null, &e).await;
                return None;
            }
            Err(e) => {
                close_with(socket, &Value::Null, &e).await;
                return None;
            }
        };
        return match Box::pin(authorize(s, token, player)).await {
            Ok(who) => Some(who),
            Err(e) => {
                close_with(socket, &reference, &e.error).await;
                None
            }
        };
    }
}

/// Sends an error frame and closes with 1008 (policy violation).
async fn close_with(socket: &mut WebSocket, reference: &Value, e: &Error) {
    let _ = socket.send(error_frame(reference, e)).await;
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: 1008,
            reason: e.code.as_str().into(),
        })))
        .await;
}

/// One connection, from authentication to close.
async fn connection(
    s: AppState,
    mut socket: WebSocket,
    who: Option<(Principal, PlayerId)>,
    query_player: Option<String>,
    after: Option<i64>,
) {
    let (principal, player) = match who {
        Some(who) => who,
        None => match Box::pin(first_message_auth(&s, &mut socket, query_player)).await {
            Some(who) => who,
            None => return,
        },
    };
    // Subscribed to the live events before any replay reads the outbox.
    let interest = Topics {
        player: player.clone(),
        topics: Vec::new(),
    };
    let mut feed = Feed::open(&s, player.clone(), interest, after);
    let heartbeat = s.sse_heartbeat.max(Duration::from_millis(10));
    let ready =
        json!({ "type": "ready", "player": player, "heartbeat_secs": heartbeat.as_secs_f64() });
    if socket
        .send(Message::Text(ready.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let mut tick = tokio::time::interval_at(Instant::now() + heartbeat, heartbeat);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut heard = Instant::now();
    loop {
        let listening = !feed.interest.topics.is_empty();
        tokio::select! {
            msg = socket.recv() => {
                let msg = match msg {
                    None | Some(Err(_)) => break,
                    Some(Ok(m)) => m,
                };
                heard = Instant::now();
                let answer = match msg {
                    Message::Text(t) => {
                        Box::pin(handle(&s, &principal, &player, &mut feed, t.as_str())).await
                    }
                    Message::Binary(_) => Some(error_frame(
                        &Value::Null,
                        &Error::invalid("message", "messages are JSON text frames"),
                    )),
                    Message::Ping(_) | Message::Pong(_) => None,
                    Message::Close(_) => break,
                };
                if let Some(a) = answer {
                    if socket.send(a).await.is_err() {
                        break;
                    }
                }
            }
            event = feed.next(), if listening => match event {
                Some(e) => {
                    if socket.send(Message::Text(e.frame())).await.is_err() {
                        break;
                    }
                }
                None => {
                    close_for_shutdown(&s, &mut socket).await;
                    break;
                }
            },
            _ = tick.tick() => {
                if heard.elapsed() > heartbeat * DEAD_AFTER {
                    tracing::debug!(player = %player, "websocket silent for too long; closing it");
                    break;
                }
                if let Err(e) = crate::live::still_allowed(&s, &principal, &player).await {
                    tracing::info!(player = %player, code = e.code.as_str(), "websocket's credentials no longer hold; closing it");
                    close_with(&mut socket, &Value::Null, &e).await;
                    break;
                }
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
            _ = shutdown(&s), if !listening => {
                close_for_shutdown(&s, &mut socket).await;
                break;
            }
        }
    }
}

/// Closes a connection as the server stops: when the host drains, the notice
/// `{"type":"server_draining","reason":"draining","reconnect_after_ms":1000}` then close
/// code 1012 (service restart); otherwise code 1001 (going away).
async fn close_for_shutdown(s: &AppState, socket: &mut WebSocket) {
    let frame = if s.drain.is_draining() {
        let notice = crate::ops::draining_notice().to_string();
        let _ = socket.send(Message::Text(notice.into())).await;
        CloseFrame {
            code: crate::ops::DRAIN_CLOSE_CODE,
            reason: "service restart".into(),
        }
    } else {
        CloseFrame {
            code: 1001,
            reason: "server shutting down".into(),
        }
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

/// Resolves when the server shuts down (never without a shutdown signal).
async fn shutdown(s: &AppState) {
    let mut stop = s.shutdown.clone();
    if stop.wait_for(|stop| *stop).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Handles one text message; the answer to send, if any.
async fn handle(
    s: &AppState,
    principal: &Principal,
    player: &PlayerId,
    feed: &mut Feed<Topics>,
    text: &str,
) -> Option<Message> {
    let msg = match parse_message(text) {
        Ok(m) => m,
        Err(e) => return Some(error_frame(&Value::Null, &e)),
    };
    Some(match msg {
        ClientMessage::Auth { reference, .. } => error_frame(
            &reference,
            &Error::invalid("type", "this connection is authenticated already"),
        ),
        ClientMessage::Ping { reference } => reply(&reference, json!({ "type": "pong" })),
        ClientMessage::Subscribe {
            topics,
            after,
            reference,
        } => match subscribe(s, player, feed, &topics, after).await {
            Ok(()) => reply(
                &reference,
                json!({ "type": "subscribed", "topics": names(&feed.interest.topics) }),
            ),
            Err(e) => error_frame(&reference, &e),
        },
        ClientMessage::Unsubscribe { topics, reference } => match parse_topics(&topics) {
            Ok(gone) => {
                feed.interest.topics.retain(|t| !gone.contains(t));
                reply(
                    &reference,
                    json!({ "type": "unsubscribed", "topics": names(&feed.interest.topics) }),
                )
            }
            Err(e) => error_frame(&reference, &e),
        },
        ClientMessage::Post {
            channel,
            body,
            metadata,
            idempotency_key,
            reference,
        } => {
            let req = PostMessageRequest {
                player: player.clone(),
                channel,
                body,
                metadata,
                idempotency_key,
            };
            let posted = async {
                auth::acting(&s.gh, principal, player, "chat").await?;
                Ok::<_, AppError>(s.gh.acting_as(principal.caller()).post_message(req).await?)
            };
            match posted.await {
                Ok(m) => reply(&reference, json!({ "type": "posted", "message": m })),
                Err(e) => error_frame(&reference, &e.error),
            }
        }
    })
}

fn names(topics: &[Topic]) -> Vec<String> {
    topics.iter().map(Topic::name).collect()
}

/// Adds topics after checking each (all or nothing), then replays them from the cursor.
async fn subscribe(
    s: &AppState,
    player: &PlayerId,
    feed: &mut Feed<Topics>,
    names: &[String],
    after: Option<i64>,
) -> Result<(), Error> {
    if matches!(after, Some(a) if a < 0) {
        return Err(Error::invalid("after", "after is a seq, 0 or more"));
    }
    let wanted = parse_topics(names)?;
    let new: Vec<Topic> = wanted
        .into_iter()
        .filter(|t| !feed.interest.topics.contains(t))
        .collect();
    if feed.interest.topics.len() + new.len() > MAX_TOPICS {
        return Err(Error::new(
            ErrorCode::LimitReached,
            format!("a connection holds at most {MAX_TOPICS} topics"),
        )
        .with_details(json!({ "limit": MAX_TOPICS })));
    }
    for t in &new {
        s.gh.check_topic(player, t).await?;
    }
    if !new.is_empty() {
        feed.interest.topics.extend(new);
        feed.resume(after);
    }
    Ok(())
}
