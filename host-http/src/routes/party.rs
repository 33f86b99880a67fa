//! Party routes (SPEC.md Parties). Every action is `POST /v1/parties/{party_id}/<action>`
//! with a body naming who acts: `player` for the invitee or member acting for themself,
//! `leader` (and the target `player`) for leader actions. Leader and member actions
//! check that the actor is in `{party_id}` (`NOT_IN_PARTY` otherwise) and the core checks
//! the rest (`NOT_PARTY_LEADER`, `PARTY_FULL`, `ALREADY_IN_PARTY`, `INVITE_EXPIRED`).
//! Every change is an event to all members, on their event streams.

use super::ApiResult;
use crate::auth::{acting, members_only, Principal};
use crate::error::AppError;
use crate::extract::{player, ApiJson, ApiPath};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use guildhall_core::party::{Invite, Party};
use guildhall_core::types::PlayerId;
use guildhall_core::{Error, ErrorCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Body of `POST /v1/parties`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePartyBody {
    /// The creator, who becomes leader.
    pub leader: String,
    /// Open parties can be joined without an invite (default false).
    #[serde(default)]
    pub open: bool,
}

/// Body of the actions a player takes for themself: accept, decline, join, leave.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlayerBody {
    /// The acting player.
    pub player: String,
}

/// Body of the leader's actions on a player: invite, kick, promote.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaderActionBody {
    /// The leader acting.
    pub leader: String,
    /// The player invited, kicked or promoted.
    pub player: String,
}

/// Body of `POST /v1/parties/{party_id}/disband`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaderBody {
    /// The leader acting.
    pub leader: String,
}

/// The party after a member left: `null` when the last member left and it is gone.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LeaveView {
    /// The player who left.
    pub player: String,
    /// The party as it is now, if it still exists.
    pub party: Option<Party>,
}

/// Checks that `actor` is in party `party_id`. Errors: `NOT_FOUND` (no such party),
/// `NOT_IN_PARTY`.
async fn member_of(s: &AppState, actor: &PlayerId, party_id: &str) -> Result<(), AppError> {
    if let Some(p) = s.gh.party_of(actor).await? {
        if p.id == party_id {
            return Ok(());
        }
    }
    s.gh.party(party_id).await?;
    Err(Error::new(
        ErrorCode::NotInParty,
        format!("{actor} is not in party '{party_id}'"),
    )
    .with_details(serde_json::json!({ "player": actor, "party_id": party_id }))
    .into())
}

/// Creates a party led by `leader`.
#[utoipa::path(post, path = "/v1/parties", tag = "parties",
    request_body = CreatePartyBody,
    responses((status = 200, body = Party), (status = 400, body = Error),
        (status = 409, body = Error, description = "ALREADY_IN_PARTY")))]
pub async fn create(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(b): ApiJson<CreatePartyBody>,
) -> ApiResult<Json<Party>> {
    let leader = player(b.leader)?;
    acting(&s.gh, &who, &leader, "party").await?;
    Ok(Json(s.gh.create_party(&leader, b.open).await?))
}

/// One party: leader, members in join order, pending invites.
#[utoipa::path(get, path = "/v1/parties/{party_id}", tag = "parties",
    params(("party_id" = String, Path, description = "Party id")),
    responses((status = 200, body = Party), (status = 400, body = Error), (status = 404, body = Error),
        (status = 403, body = Error, description = "FORBIDDEN: not a member")))]
pub async fn get_party(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Party>> {
    let party = s.gh.party(&id).await?;
    members_only(&s.gh, &who, &party.players(), "party").await?;
    Ok(Json(party))
}

/// The party the player is in.
#[utoipa::path(get, path = "/v1/players/{player}/party", tag = "parties",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = Party), (status = 400, body = Error),
        (status = 404, body = Error, description = "The player is in no party")))]
pub async fn party_of(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<Party>> {
    let pid = player(p)?;
    match s.gh.party_of(&pid).await? {
        Some(party) => Ok(Json(party)),
        None => Err(
            Error::new(ErrorCode::NotFound, format!("{pid} is in no party"))
                .with_details(serde_json::json!({ "kind": "party of player", "id": pid }))
                .into(),
        ),
    }
}

/// The leader invites a player; the invite expires after `party.invite_ttl_secs`.
#[utoipa::path(post, path = "/v1/parties/{party_id}/invites", tag = "parties",
    params(("party_id" = String, Path, description = "Party id")),
    request_body = LeaderActionBody,
    responses((status = 200, body = Invite), (status = 400, body = Error), (status = 404, body = Error),
        (status = 422, body = Error, description = "NOT_IN_PARTY, NOT_PARTY_LEADER, PARTY_FULL")))]
pub async fn invite(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<LeaderActionBody>,
) -> ApiResult<Json<Invite>> {
    let leader = player(b.leader)?;
    let invitee = player(b.player)?;
    acting(&s.gh, &who, &leader, "party").await?;
    member_of(&s, &leader, &id).await?;
    Ok(Json(s.gh.invite_to_party(&leader, &invitee).await?))
}

/// The invitee accepts and joins.
#[utoipa::path(post, path = "/v1/parties/{party_id}/accept", tag = "parties",
    params(("party_id" = String, Path, description = "Party id")),
    request_body = PlayerBody,
    responses((status = 200, body = Party), (status = 400, body = Error), (status = 404, body = Error, description = "No such party or invite"),
        (status = 409, body = Error, description = "ALREADY_IN_PARTY"),
        (status = 422, body = Error, description = "PARTY_FULL, INVITE_EXPIRED")))]
pub async fn accept(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<PlayerBody>,
) -> ApiResult<Json<Party>> {
    let pid = player(b.player)?;
    acting(&s.gh, &who, &pid, "party").await?;
    Ok(Json(s.gh.accept_invite(&pid, &id).await?))
}

/// The invitee declines.
#[utoipa::path(post, path = "/v1/parties/{party_id}/decline", tag = "parties",
    params(("party_id" = String, Path, description = "Party id")),
    request_body = PlayerBody,
    responses((status = 204, description = "Declined"), (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn decline(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<PlayerBody>,
) -> ApiResult<StatusCode> {
    let pid = player(b.player)?;
    acting(&s.gh, &who, &pid, "party").await?;
    s.gh.decline_invite(&pid, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A player joins an open party without an invite.
#[utoipa::path(post, path = "/v1/parties/{party_id}/join", tag = "parties",
    params(("party_id" = String, Path, description = "Party id")),
    request_body = PlayerBody,
    responses((status = 200, body = Party), (status = 400, body = Error), (status = 404, body = Error),
        (status = 403, body = Error, description = "FORBIDDEN: the party is closed and the player has no invite"),
        (status = 409, body = Error, description = "ALREADY_IN_PARTY"),
        (status = 422, body = Error, description = "PARTY_FULL")))]
pub async fn join(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<PlayerBody>,
) -> ApiResult<Json<Party>> {
    let pid = player(b.player)?;
    acting(&s.gh, &who, &pid, "party").await?;
    Ok(Json(s.gh.join_party(&pid, &id).await?))
}

/// A member leaves; a leaving leader is succeeded by the longest-standing member, and
/// the last member leaving ends the party.
#[utoipa::path(post, path = "/v1/parties/{party_id}/leave", tag = "parties",
    params(("party_id" = String, Path, description = "Party id")),
    request_body = PlayerBody,
    responses((status = 200, body = LeaveView), (status = 400, body = Error), (status = 404, body = Error),
        (status = 422, body = Error, description = "NOT_IN_PARTY")))]
pub async fn leave(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<PlayerBody>,
) -> ApiResult<Json<LeaveView>> {
    let pid = player(b.player)?;
    acting(&s.gh, &who, &pid, "party").await?;
    member_of(&s, &pid, &id).await?;
    let party = s.gh.leave_party(&pid).await?;
    Ok(Json(LeaveView {
        player: pid.to_string(),
        party,
    }))
}

/// The leader removes a member.
#[utoipa::path(post, path = "/v1/parties/{party_id}/kick", tag = "parties",
    params(("party_id" = String, Path, description = "Party id")),
    request_body = LeaderActionBody,
    responses((status = 200, body = Party), (status = 400, body = Error), (status = 404, body = Error),
        (status = 422, body = Error, description = "NOT_IN_PARTY, NOT_PARTY_LEADER")))]
pub async fn kick(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<LeaderActionBody>,
) -> ApiResult<Json<Party>> {
    let leader = player(b.leader)?;
    let target = player(b.player)?;
    acting(&s.gh, &who, &leader, "party").await?;
    member_of(&s, &leader, &id).await?;
    Ok(Json(s.gh.kick_from_party(&leader, &target).await?))
}

/// The leader hands leadership to a member.
#[utoipa::path(post, path = "/v1/parties/{party_id}/promote", tag = "parties",
    params(("party_id" = String, Path, description = "Party id")),
    request_body = LeaderActionBody,
    responses((status = 200, body = Party), (status = 400, body = Error), (status = 404, body = Error),
        (status = 422, body = Error, description = "NOT_IN_PARTY, NOT_PARTY_LEADER")))]
pub async fn promote(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<LeaderActionBody>,
) -> ApiResult<Json<Party>> {
    let leader = player(b.leader)?;
    let target = player(b.player)?;
    acting(&s.gh, &who, &leader, "party").await?;
    member_of(&s, &leader, &id).await?;
    Ok(Json(s.gh.promote_in_party(&leader, &target).await?))
}

/// The leader disbands the party.
#[utoipa::path(post, path = "/v1/parties/{party_id}/disband", tag = "parties",
    params(("party_id" = String, Path, description = "Party id")),
    request_body = LeaderBody,
    responses((status = 204, description = "Disbanded"), (status = 400, body = Error), (status = 404, body = Error),
        (status = 422, body = Error, description = "NOT_IN_PARTY, NOT_PARTY_LEADER")))]
pub async fn disband(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<LeaderBody>,
) -> ApiResult<StatusCode> {
    let leader = player(b.leader)?;
    acting(&s.gh, &who, &leader, "party").await?;
    member_of(&s, &leader, &id).await?;
    s.gh.disband_party(&leader).await?;
    Ok(StatusCode::NO_CONTENT)
}
