//! Room and lobby routes (SPEC.md Rooms and the lobby). A room is created with
//! `POST /v1/rooms` (by a player's token for itself, or a key with the `rooms` scope for
//! a player or for the system), entered and left with `POST /v1/rooms/{room_id}/enter`
//! and `.../leave`, each body naming the acting `player` (a token acts only as itself).
//! Rooms and the lobby view are read by anyone signed in; `POST /v1/lobby/push` pushes
//! the view as a `lobby_view` event (a token to itself, a key to anyone or every lobby
//! player). Operators destroy rooms, read a room's log and run the idle sweep under
//! `/v1/admin/rooms`.

use super::{ApiResult, Replay};
use crate::auth::{acting, Acting, Principal};
use crate::extract::{player, ApiJson, ApiPath, ApiQuery, IdempotencyKey, OptionalJson};
use crate::AppState;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use guildhall_core::rooms::{
    CreateRoomRequest, DestroyRoomRequest, EnterRoomRequest, LeaveRoomRequest, LobbyPushResult,
    LobbyView, PushLobbyRequest, Room, RoomLogPage, RoomResult,
};
use guildhall_core::Error;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The routes of this module, merged into the host's router by `server::app`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/rooms", post(create).get(list))
        .route("/v1/rooms/{room_id}", get(get_room))
        .route("/v1/rooms/{room_id}/enter", post(enter))
        .route("/v1/rooms/{room_id}/leave", post(leave))
        .route("/v1/players/{player}/room", get(player_room))
        .route("/v1/lobby", get(lobby))
        .route("/v1/lobby/push", post(push_lobby))
        .route("/v1/admin/rooms/{room_id}/destroy", post(destroy))
        .route("/v1/admin/rooms/{room_id}/log", get(log))
        .route("/v1/admin/rooms/sweep", post(sweep))
}

/// Body of `POST /v1/rooms`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    /// The creating player, who owns the room and enters it. A player's token may leave
    /// it out (itself); a key leaves it out to create a system room.
    #[serde(default)]
    pub player: Option<String>,
    /// The room's type, 1 to 64 bytes.
    pub room_type: String,
    /// Players it holds at most, 1 to `rooms.max_capacity`.
    pub capacity: u32,
    /// A JSON object, at most `rooms.max_metadata_bytes` as compact JSON.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// The game-server address players of this room connect to.
    #[serde(default)]
    pub server: Option<String>,
    /// Idempotency key, scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Body of `POST /v1/rooms/{room_id}/enter` and `.../leave`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    /// The player entering or leaving.
    pub player: String,
    /// Idempotency key, scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Body of `POST /v1/lobby/push` (may be empty).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushBody {
    /// Push to this player only (a player's token: itself, the default); a key leaving
    /// it out pushes to every lobby player.
    #[serde(default)]
    pub player: Option<String>,
    /// Push nothing when the view and its recipients are still those of this fingerprint
    /// (a previous push's).
    #[serde(default)]
    pub unless_fingerprint: Option<String>,
}

/// Body of `POST /v1/admin/rooms/{room_id}/destroy` (may be empty).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DestroyBody {
    /// Idempotency key, scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Query of `GET /v1/rooms`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Rooms at most, 1 to 1000 (default 100).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Query of `GET /v1/admin/rooms/{room_id}/log`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    /// A previous page's `next_cursor`.
    #[serde(default)]
    pub after: Option<String>,
    /// Entries at most, 1 to 200 (default 50).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// What `POST /v1/admin/rooms/sweep` did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SweepResult {
    /// Idle rooms it destroyed.
    pub destroyed: u32,
}

fn replay(r: RoomResult) -> Replay<RoomResult> {
    Replay {
        replayed: r.replayed,
        body: r,
    }
}

/// Creates a room. A player creating it owns it and enters it in the same commit
/// (leaving any room they were in); a system room starts empty. Events `room_created`
/// and, for a player, `room_entered`.
#[utoipa::path(post, path = "/v1/rooms", tag = "rooms",
    params(("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = CreateBody,
    responses((status = 200, body = RoomResult), (status = 400, body = Error), (status = 403, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT")))]
pub async fn create(
    State(s): State<AppState>,
    Acting(gh): Acting,
    Extension(who): Extension<Principal>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<CreateBody>,
) -> ApiResult<Replay<RoomResult>> {
    let p = match (b.player, &who) {
        (Some(p), _) => Some(player(p)?),
        (None, Principal::Player { id, .. }) => Some(id.clone()),
        (None, Principal::Server(_)) => None,
    };
    if let Some(p) = &p {
        acting(&s.gh, &who, p, "rooms").await?;
    }
    let req = CreateRoomRequest {
        player: p,
        room_type: b.room_type,
        capacity: b.capacity,
        metadata: b.metadata,
        server: b.server,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    Ok(replay(gh.create_room(req).await?))
}

/// The live rooms, by id, with their players.
#[utoipa::path(get, path = "/v1/rooms", tag = "rooms",
    params(ListQuery),
    responses((status = 200, body = [Room]), (status = 400, body = Error)))]
pub async fn list(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<Room>>> {
    Ok(Json(s.gh.rooms(q.limit).await?))
}

/// One live room, with its players and version.
#[utoipa::path(get, path = "/v1/rooms/{room_id}", tag = "rooms",
    params(("room_id" = String, Path, description = "Room id")),
    responses((status = 200, body = Room), (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn get_room(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Room>> {
    Ok(Json(s.gh.room(&id).await?))
}

/// A player enters a room; a player in another room leaves it in the same commit.
/// Event `room_entered` to the room's players.
#[utoipa::path(post, path = "/v1/rooms/{room_id}/enter", tag = "rooms",
    params(("room_id" = String, Path, description = "Room id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = MoveBody,
    responses((status = 200, body = RoomResult), (status = 400, body = Error), (status = 403, body = Error),
        (status = 404, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "ROOM_FULL")))]
pub async fn enter(
    State(s): State<AppState>,
    Acting(gh): Acting,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<MoveBody>,
) -> ApiResult<Replay<RoomResult>> {
    let p = player(b.player)?;
    acting(&s.gh, &who, &p, "rooms").await?;
    let req = EnterRoomRequest {
        player: p,
        room_id: id,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    Ok(replay(gh.enter_room(req).await?))
}

/// A player leaves the room (event `room_left`); the last leaver starts its idle clock.
#[utoipa::path(post, path = "/v1/rooms/{room_id}/leave", tag = "rooms",
    params(("room_id" = String, Path, description = "Room id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = MoveBody,
    responses((status = 200, body = RoomResult), (status = 400, body = Error), (status = 403, body = Error),
        (status = 404, body = Error, description = "Not in this room"),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT")))]
pub async fn leave(
    State(s): State<AppState>,
    Acting(gh): Acting,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<MoveBody>,
) -> ApiResult<Replay<RoomResult>> {
    let p = player(b.player)?;
    acting(&s.gh, &who, &p, "rooms").await?;
    let req = LeaveRoomRequest {
        player: p,
        room_id: Some(id),
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    Ok(replay(gh.leave_room(req).await?))
}

/// The room the player is in. `404` when in none.
#[utoipa::path(get, path = "/v1/players/{player}/room", tag = "rooms",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = Room), (status = 400, body = Error),
        (status = 404, body = Error, description = "In no room")))]
pub async fn player_room(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<Room>> {
    let pid = player(p)?;
    match s.gh.player_room(&pid).await? {
        Some(r) => Ok(Json(r)),
        None => Err(Error::not_found("room of player", pid.as_str()).into()),
    }
}

/// The lobby view: live rooms (type, player count, capacity, game-server address) and
/// the online players with their room.
#[utoipa::path(get, path = "/v1/lobby", tag = "rooms",
    responses((status = 200, body = LobbyView), (status = 503, body = Error)))]
pub async fn lobby(State(s): State<AppState>) -> ApiResult<Json<LobbyView>> {
    Ok(Json(s.gh.lobby().await?))
}

/// Pushes the lobby view now as a `lobby_view` event (on its SSE stream): a player's
/// token to itself; a key to the named player or else to every lobby player.
#[utoipa::path(post, path = "/v1/lobby/push", tag = "rooms",
    request_body(content = PushBody, description = "May be empty"),
    responses((status = 200, body = LobbyPushResult), (status = 400, body = Error), (status = 403, body = Error)))]
pub async fn push_lobby(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    OptionalJson(b): OptionalJson<PushBody>,
) -> ApiResult<Json<LobbyPushResult>> {
    let to = match (&who, b.player) {
        (_, Some(p)) => Some(player(p)?),
        (Principal::Player { id, .. }, None) => Some(id.clone()),
        (Principal::Server(_), None) => None,
    };
    if let Some(p) = &to {
        acting(&s.gh, &who, p, "rooms").await?;
    }
    Ok(Json(
        s.gh.push_lobby(PushLobbyRequest {
            player: to,
            unless_fingerprint: b.unless_fingerprint,
        })
        .await?,
    ))
}

/// Operator: destroys a room now; its players leave it (`room_destroyed`, reason
/// `operator`).
#[utoipa::path(post, path = "/v1/admin/rooms/{room_id}/destroy", tag = "rooms",
    params(("room_id" = String, Path, description = "Room id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body(content = DestroyBody, description = "May be empty"),
    responses((status = 200, body = RoomResult), (status = 400, body = Error), (status = 404, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT")))]
pub async fn destroy(
    Acting(gh): Acting,
    ApiPath(id): ApiPath<String>,
    key: IdempotencyKey,
    OptionalJson(b): OptionalJson<DestroyBody>,
) -> ApiResult<Replay<RoomResult>> {
    let req = DestroyRoomRequest {
        room_id: id,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    Ok(replay(gh.destroy_room(req).await?))
}

/// Operator: a page of a room's log (created, entered, left, destroyed; player and
/// time), oldest first; readable after the room is destroyed.
#[utoipa::path(get, path = "/v1/admin/rooms/{room_id}/log", tag = "rooms",
    params(("room_id" = String, Path, description = "Room id"), LogQuery),
    responses((status = 200, body = RoomLogPage), (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn log(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> ApiResult<Json<RoomLogPage>> {
    Ok(Json(s.gh.room_log(&id, q.after.as_deref(), q.limit).await?))
}

/// Operator: destroys the empty rooms past their idle time now (the scheduler does it
/// every few seconds).
#[utoipa::path(post, path = "/v1/admin/rooms/sweep", tag = "rooms",
    responses((status = 200, body = SweepResult)))]
pub async fn sweep(State(s): State<AppState>) -> ApiResult<Json<SweepResult>> {
    Ok(Json(SweepResult {
        destroyed: s.gh.destroy_idle_rooms().await?,
    }))
}
