//! Presence routes (SPEC.md Presence and sessions): a session starts at login, is kept
//! alive by heartbeats and ends after `session_timeout_secs` without one, or at logout.
//! Its location (lobby, server, room, party) decides which announcements reach the player.
//! The location's `room` is always the room the player is in (`/v1/rooms`), whatever a
//! login or heartbeat body says.

use super::ApiResult;
use crate::extract::{player, ApiPath, OptionalJson};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use guildhall_core::announce::Location;
use guildhall_core::ports::Session;
use guildhall_core::Error;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Body of `POST /v1/players/{player}/session/heartbeat` (may be empty).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatBody {
    /// Where the player is now; omit: unchanged.
    #[serde(default)]
    pub location: Option<Location>,
}

/// Whether a logout ended a live session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LogoutView {
    /// The player.
    pub player: String,
    /// True when a session was live.
    pub ended: bool,
}

/// Everyone online now.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OnlineView {
    /// Number of live sessions.
    pub count: usize,
    /// Live sessions, by player.
    pub sessions: Vec<Session>,
}

/// Starts (or restarts) the player's session at a location.
#[utoipa::path(post, path = "/v1/players/{player}/session", tag = "presence",
    params(("player" = String, Path, description = "Player id")),
    request_body(content = Location, description = "May be empty: nowhere in particular"),
    responses((status = 200, body = Session), (status = 400, body = Error)))]
pub async fn login(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
    OptionalJson(location): OptionalJson<Location>,
) -> ApiResult<Json<Session>> {
    Ok(Json(s.gh.login(&player(p)?, location).await?))
}

/// Keeps the session alive, optionally moving it.
#[utoipa::path(post, path = "/v1/players/{player}/session/heartbeat", tag = "presence",
    params(("player" = String, Path, description = "Player id")),
    request_body(content = HeartbeatBody, description = "May be empty"),
    responses((status = 200, body = Session), (status = 400, body = Error),
        (status = 404, body = Error, description = "No live session: log in again")))]
pub async fn heartbeat(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
    OptionalJson(b): OptionalJson<HeartbeatBody>,
) -> ApiResult<Json<Session>> {
    Ok(Json(s.gh.heartbeat(&player(p)?, b.location).await?))
}

/// Ends the player's session.
#[utoipa::path(delete, path = "/v1/players/{player}/session", tag = "presence",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = LogoutView), (status = 400, body = Error)))]
pub async fn logout(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<LogoutView>> {
    let pid = player(p)?;
    let ended = s.gh.logout(&pid).await?;
    Ok(Json(LogoutView {
        player: pid.to_string(),
        ended,
    }))
}

/// The player's live session.
#[utoipa::path(get, path = "/v1/players/{player}/session", tag = "presence",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = Session), (status = 400, body = Error),
        (status = 404, body = Error, description = "Not online")))]
pub async fn session(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<Session>> {
    let pid = player(p)?;
    match s.gh.session(&pid).await? {
        Some(session) => Ok(Json(session)),
        None => Err(Error::not_found("session", pid.as_str()).into()),
    }
}

/// Every live session.
#[utoipa::path(get, path = "/v1/online", tag = "presence",
    responses((status = 200, body = OnlineView), (status = 503, body = Error)))]
pub async fn online(State(s): State<AppState>) -> ApiResult<Json<OnlineView>> {
    let sessions = s.gh.online().await?;
    Ok(Json(OnlineView {
        count: sessions.len(),
        sessions,
    }))
}
