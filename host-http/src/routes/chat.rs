//! Chat routes (SPEC.md Chat). A player posts with `POST /v1/chat/messages` (the body
//! names the sender; a player's token posts only as that player) and reads a channel's
//! history with `GET /v1/players/{player}/chat?channel=...` (membership as for posting).
//! Operators (a key with the `admin` scope) read any channel with
//! `GET /v1/admin/chat/history?channel=...` and mute or unmute a player with
//! `PUT` / `DELETE /v1/admin/chat/mutes/{player}`. Messages reach the channel's members
//! live as `chat_message` events on their event streams (`GET /v1/players/{player}/events`;
//! a `global` message reaches every stream).

use super::{ApiResult, Replay};
use crate::auth::{acting, Acting, Principal};
use crate::extract::{player, ApiJson, ApiPath, ApiQuery, IdempotencyKey};
use crate::AppState;
use axum::extract::State;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use guildhall_core::chat::{ChatMessage, ChatMute, ChatPage, MuteRequest, PostMessageRequest};
use guildhall_core::Error;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Query of the history routes.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// The channel (`global`, `room:<id>`, `party:<id>`, `group:<id>`, `direct:<a>:<b>`).
    pub channel: String,
    /// A previous page's `next_cursor`: the page after it (older messages).
    #[serde(default)]
    pub before: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Body of `PUT /v1/admin/chat/mutes/{player}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MuteBody {
    /// End of the mute, RFC 3339 UTC; must be in the future.
    pub until: DateTime<Utc>,
    /// Why (shown to operators), up to 500 bytes.
    #[serde(default)]
    pub reason: String,
}

/// Answer of `DELETE /v1/admin/chat/mutes/{player}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnmuteView {
    /// The player.
    pub player: String,
    /// Whether a mute was stored (and is now lifted).
    pub unmuted: bool,
}

/// Posts a message to a channel (SPEC.md Chat): stored in the channel's history and
/// sent to its members as a `chat_message` event.
#[utoipa::path(post, path = "/v1/chat/messages", tag = "chat",
    params(("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = PostMessageRequest,
    responses((status = 200, body = ChatMessage), (status = 400, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "NOT_CHANNEL_MEMBER, BLOCKED, MUTED (details.until)"),
        (status = 429, body = Error, description = "RATE_LIMITED (details.retry_after_seconds, Retry-After)")))]
pub async fn post_message(
    Acting(gh): Acting,
    Extension(who): Extension<Principal>,
    key: IdempotencyKey,
    ApiJson(mut req): ApiJson<PostMessageRequest>,
) -> ApiResult<Replay<ChatMessage>> {
    acting(&gh, &who, &req.player, "chat").await?;
    req.idempotency_key = key.merge(req.idempotency_key.take())?;
    let m = gh.post_message(req).await?;
    Ok(Replay {
        replayed: m.replayed,
        body: m,
    })
}

/// A page of a channel's history, newest first, as the player may read it (members of
/// the channel only).
#[utoipa::path(get, path = "/v1/players/{player}/chat", tag = "chat",
    params(("player" = String, Path, description = "The reading player"), HistoryQuery),
    responses((status = 200, body = ChatPage), (status = 400, body = Error),
        (status = 422, body = Error, description = "NOT_CHANNEL_MEMBER")))]
pub async fn player_history(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<ChatPage>> {
    let pid = player(p)?;
    Ok(Json(
        s.gh.channel_history(Some(&pid), &q.channel, q.before.as_deref(), q.limit)
            .await?,
    ))
}

/// Any channel's history, newest first (operators).
#[utoipa::path(get, path = "/v1/admin/chat/history", tag = "chat",
    params(HistoryQuery),
    responses((status = 200, body = ChatPage), (status = 400, body = Error)))]
pub async fn admin_history(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<ChatPage>> {
    Ok(Json(
        s.gh.channel_history(None, &q.channel, q.before.as_deref(), q.limit)
            .await?,
    ))
}

/// Mutes a player on every channel until `until` (replaces an earlier mute).
#[utoipa::path(put, path = "/v1/admin/chat/mutes/{player}", tag = "chat",
    params(("player" = String, Path, description = "Player id")),
    request_body = MuteBody,
    responses((status = 200, body = ChatMute), (status = 400, body = Error)))]
pub async fn mute(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
    ApiJson(b): ApiJson<MuteBody>,
) -> ApiResult<Json<ChatMute>> {
    let pid = player(p)?;
    Ok(Json(
        s.gh.mute_player(MuteRequest {
            player: pid,
            until: b.until,
            reason: b.reason,
        })
        .await?,
    ))
}

/// Lifts a player's mute.
#[utoipa::path(delete, path = "/v1/admin/chat/mutes/{player}", tag = "chat",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = UnmuteView), (status = 400, body = Error)))]
pub async fn unmute(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<UnmuteView>> {
    let pid = player(p)?;
    let unmuted = s.gh.unmute_player(&pid).await?;
    Ok(Json(UnmuteView {
        player: pid.to_string(),
        unmuted,
    }))
}
