//! Friend and block routes (SPEC.md Friends), all under `/v1/players/{player}/...`: the
//! path's player acts for itself (its own token, or a key with the `friends` scope acting
//! for any player). Mutations take an idempotency key (body or `Idempotency-Key`
//! header). A block stops the blocked player's requests, party invites and player mail
//! (`BLOCKED`).

use super::{ApiResult, Replay};
use crate::auth::Acting;
use crate::extract::{player, ApiJson, ApiPath, IdempotencyKey, OptionalJson};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use guildhall_core::friends::{
    BlockRequest, BlockResult, Friend, FriendActionRequest, FriendRequests, FriendshipResult,
    SendFriendRequest,
};
use guildhall_core::Error;
use serde::Deserialize;
use utoipa::ToSchema;

/// Body of `POST /v1/players/{player}/friend-requests`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FriendRequestBody {
    /// The player asked.
    pub to: String,
    /// Idempotency key (1-255 bytes), scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Optional body of the other friend and block actions.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyBody {
    /// Idempotency key (1-255 bytes), scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// The player's friends in the order they were added, each with presence (online, and
/// where from the friend's live session).
#[utoipa::path(get, path = "/v1/players/{player}/friends", tag = "friends",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = [Friend]), (status = 400, body = Error)))]
pub async fn friends(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<Vec<Friend>>> {
    Ok(Json(s.gh.friends(&player(p)?).await?))
}

/// Ends a friendship (`friend_removed` to both).
#[utoipa::path(delete, path = "/v1/players/{player}/friends/{other}", tag = "friends",
    params(("player" = String, Path, description = "Player id"),
        ("other" = String, Path, description = "The friend removed"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body(content = KeyBody, description = "May be empty"),
    responses((status = 200, body = FriendshipResult), (status = 400, body = Error),
        (status = 404, body = Error, description = "Not friends"),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT")))]
pub async fn remove(
    Acting(gh): Acting,
    ApiPath((p, other)): ApiPath<(String, String)>,
    key: IdempotencyKey,
    OptionalJson(b): OptionalJson<KeyBody>,
) -> ApiResult<Replay<FriendshipResult>> {
    let req = action(p, other, key, b)?;
    replay(gh.remove_friend(req).await?)
}

/// The player's pending requests, incoming and outgoing, oldest first.
#[utoipa::path(get, path = "/v1/players/{player}/friend-requests", tag = "friends",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = FriendRequests), (status = 400, body = Error)))]
pub async fn requests(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<FriendRequests>> {
    Ok(Json(s.gh.friend_requests(&player(p)?).await?))
}

/// Sends a friend request; to a player who already asked, accepts theirs instead
/// (`friends: true`). Asking again while pending changes nothing.
#[utoipa::path(post, path = "/v1/players/{player}/friend-requests", tag = "friends",
    params(("player" = String, Path, description = "The player asking"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = FriendRequestBody,
    responses((status = 200, body = FriendshipResult), (status = 400, body = Error),
        (status = 409, body = Error, description = "ALREADY_FRIENDS, IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "BLOCKED, LIMIT_REACHED")))]
pub async fn send_request(
    Acting(gh): Acting,
    ApiPath(p): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<FriendRequestBody>,
) -> ApiResult<Replay<FriendshipResult>> {
    let req = SendFriendRequest {
        from: player(p)?,
        to: player(b.to)?,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    replay(gh.send_friend_request(req).await?)
}

/// Accepts `{other}`'s pending request (`friend_added` to both).
#[utoipa::path(post, path = "/v1/players/{player}/friend-requests/{other}/accept", tag = "friends",
    params(("player" = String, Path, description = "The player accepting"),
        ("other" = String, Path, description = "The player who asked"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body(content = KeyBody, description = "May be empty"),
    responses((status = 200, body = FriendshipResult), (status = 400, body = Error),
        (status = 404, body = Error, description = "No such request"),
        (status = 409, body = Error, description = "ALREADY_FRIENDS, IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "LIMIT_REACHED")))]
pub async fn accept(
    Acting(gh): Acting,
    ApiPath((p, other)): ApiPath<(String, String)>,
    key: IdempotencyKey,
    OptionalJson(b): OptionalJson<KeyBody>,
) -> ApiResult<Replay<FriendshipResult>> {
    let req = action(p, other, key, b)?;
    replay(gh.accept_friend_request(req).await?)
}

/// Declines `{other}`'s pending request, or cancels the player's own request to
/// `{other}`.
#[utoipa::path(post, path = "/v1/players/{player}/friend-requests/{other}/decline", tag = "friends",
    params(("player" = String, Path, description = "The player declining (or cancelling)"),
        ("other" = String, Path, description = "The other player of the request"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body(content = KeyBody, description = "May be empty"),
    responses((status = 200, body = FriendshipResult), (status = 400, body = Error),
        (status = 404, body = Error, description = "No request either way"),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT")))]
pub async fn decline(
    Acting(gh): Acting,
    ApiPath((p, other)): ApiPath<(String, String)>,
    key: IdempotencyKey,
    OptionalJson(b): OptionalJson<KeyBody>,
) -> ApiResult<Replay<FriendshipResult>> {
    let req = action(p, other, key, b)?;
    replay(gh.decline_friend_request(req).await?)
}

/// The players this player has blocked, in the order it blocked them.
#[utoipa::path(get, path = "/v1/players/{player}/blocks", tag = "friends",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = [String]), (status = 400, body = Error)))]
pub async fn blocked(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<Vec<String>>> {
    let list = s.gh.blocked(&player(p)?).await?;
    Ok(Json(list.into_iter().map(|p| p.to_string()).collect()))
}

/// Blocks `{other}`: any friendship and pending request between the two end in the
/// same commit (`player_blocked` to the blocker only).
#[utoipa::path(put, path = "/v1/players/{player}/blocks/{other}", tag = "friends",
    params(("player" = String, Path, description = "The player blocking"),
        ("other" = String, Path, description = "The player blocked"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body(content = KeyBody, description = "May be empty"),
    responses((status = 200, body = BlockResult), (status = 400, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "LIMIT_REACHED")))]
pub async fn block(
    Acting(gh): Acting,
    ApiPath((p, other)): ApiPath<(String, String)>,
    key: IdempotencyKey,
    OptionalJson(b): OptionalJson<KeyBody>,
) -> ApiResult<Replay<BlockResult>> {
    let req = block_req(p, other, key, b)?;
    let r = gh.block_player(req).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}

/// Lifts the player's block of `{other}`.
#[utoipa::path(delete, path = "/v1/players/{player}/blocks/{other}", tag = "friends",
    params(("player" = String, Path, description = "The player unblocking"),
        ("other" = String, Path, description = "The player unblocked"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body(content = KeyBody, description = "May be empty"),
    responses((status = 200, body = BlockResult), (status = 400, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT")))]
pub async fn unblock(
    Acting(gh): Acting,
    ApiPath((p, other)): ApiPath<(String, String)>,
    key: IdempotencyKey,
    OptionalJson(b): OptionalJson<KeyBody>,
) -> ApiResult<Replay<BlockResult>> {
    let req = block_req(p, other, key, b)?;
    let r = gh.unblock_player(req).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}

fn action(
    p: String,
    other: String,
    key: IdempotencyKey,
    b: KeyBody,
) -> ApiResult<FriendActionRequest> {
    Ok(FriendActionRequest {
        player: player(p)?,
        other: player(other)?,
        idempotency_key: key.merge(b.idempotency_key)?,
    })
}

fn block_req(p: String, other: String, key: IdempotencyKey, b: KeyBody) -> ApiResult<BlockRequest> {
    Ok(BlockRequest {
        blocker: player(p)?,
        blocked: player(other)?,
        idempotency_key: key.merge(b.idempotency_key)?,
    })
}

fn replay(r: FriendshipResult) -> ApiResult<Replay<FriendshipResult>> {
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}
