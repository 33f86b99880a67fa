//! Group routes (SPEC.md Groups). Actions are `POST /v1/groups/{group_id}/<action>`
//! with a body naming who acts: `player` for a player acting for themself (join,
//! request, accept or decline an invite, leave), `actor` and the target `player` for an
//! owner's or officer's action. The core checks roles (`NOT_GROUP_MEMBER`,
//! `GROUP_PERMISSION`) and the rest (`GROUP_FULL`, `LIMIT_REACHED`, `BLOCKED`,
//! `NAME_TAKEN`). Every change is an event to all members, on their event streams.
//! Operators find a group by name, remove a member and disband under `/v1/admin/groups`.

use super::{ApiResult, Replay};
use crate::auth::{acting, members_only, Acting, Principal};
use crate::extract::{player, ApiJson, ApiPath, ApiQuery, IdempotencyKey};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use guildhall_core::groups::{
    CreateGroupRequest, Group, GroupBank, GroupBankRequest, GroupBankResult, GroupInvite,
    GroupLeaveResult, GroupPage, GroupQuery,
};
use guildhall_core::types::PlayerId;
use guildhall_core::Error;
use serde::Deserialize;
use utoipa::ToSchema;

/// Body of the actions a player takes for themself: join, request, accept, decline, leave.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupPlayerBody {
    /// The acting player.
    pub player: String,
}

/// Body of an owner's or officer's action on a player: invite, accept or decline a
/// request, kick, promote, demote, transfer ownership.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupActorBody {
    /// The owner or officer acting.
    pub actor: String,
    /// The player the action is about.
    pub player: String,
}

/// Body of `POST /v1/groups/{group_id}/disband`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupOwnerBody {
    /// The owner acting.
    pub actor: String,
}

/// Body of the bank's deposit and withdrawal.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupBankBody {
    /// The member depositing, or the officer or owner withdrawing.
    pub player: String,
    /// Currency code.
    pub currency: String,
    /// Smallest currency units, > 0.
    pub amount: i64,
    /// Ledger reason, 1-64 bytes.
    #[serde(default)]
    pub reason: Option<String>,
    /// Idempotency key, scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Body of `POST /v1/admin/groups/{group_id}/remove-member`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveMemberBody {
    /// The member to remove.
    pub player: String,
}

async fn act(s: &AppState, who: &Principal, p: String) -> Result<PlayerId, crate::error::AppError> {
    let pid = player(p)?;
    acting(&s.gh, who, &pid, "groups").await?;
    Ok(pid)
}

/// Creates a group owned by `owner` (the name is unique without regard to case).
#[utoipa::path(post, path = "/v1/groups", tag = "groups",
    request_body = CreateGroupRequest,
    responses((status = 200, body = Group), (status = 400, body = Error),
        (status = 409, body = Error, description = "NAME_TAKEN"),
        (status = 422, body = Error, description = "LIMIT_REACHED")))]
pub async fn create(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(req): ApiJson<CreateGroupRequest>,
) -> ApiResult<Json<Group>> {
    acting(&s.gh, &who, &req.owner, "groups").await?;
    Ok(Json(s.gh.create_group(req).await?))
}

/// Groups whose name starts with `prefix` (without regard to case), by name, a page at a time.
#[utoipa::path(get, path = "/v1/groups", tag = "groups",
    params(GroupQuery),
    responses((status = 200, body = GroupPage), (status = 400, body = Error)))]
pub async fn find(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<GroupQuery>,
) -> ApiResult<Json<GroupPage>> {
    Ok(Json(s.gh.find_groups(q).await?))
}

/// One group: members with roles, pending requests and invites.
#[utoipa::path(get, path = "/v1/groups/{group_id}", tag = "groups",
    params(("group_id" = String, Path, description = "Group id")),
    responses((status = 200, body = Group), (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn get_group(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Group>> {
    Ok(Json(s.gh.group(&id).await?))
}

/// The groups a player is in, in the order they joined.
#[utoipa::path(get, path = "/v1/players/{player}/groups", tag = "groups",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = Vec<Group>), (status = 400, body = Error)))]
pub async fn groups_of(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<Vec<Group>>> {
    Ok(Json(s.gh.groups_of(&player(p)?).await?))
}

/// A player joins an open group (or a closed one that invited them).
#[utoipa::path(post, path = "/v1/groups/{group_id}/join", tag = "groups",
    params(("group_id" = String, Path, description = "Group id")),
    request_body = GroupPlayerBody,
    responses((status = 200, body = Group), (status = 400, body = Error), (status = 404, body = Error),
        (status = 422, body = Error, description = "GROUP_PERMISSION (closed), GROUP_FULL, LIMIT_REACHED")))]
pub async fn join(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<GroupPlayerBody>,
) -> ApiResult<Json<Group>> {
    let pid = act(&s, &who, b.player).await?;
    Ok(Json(s.gh.join_group(&pid, &id).await?))
}

/// A player asks to join a closed group.
#[utoipa::path(post, path = "/v1/groups/{group_id}/requests", tag = "groups",
    params(("group_id" = String, Path, description = "Group id")),
    request_body = GroupPlayerBody,
    responses((status = 200, body = Group), (status = 400, body = Error), (status = 404, body = Error),
        (status = 422, body = Error, description = "GROUP_FULL, LIMIT_REACHED")))]
pub async fn request(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<GroupPlayerBody>,
) -> ApiResult<Json<Group>> {
    let pid = act(&s, &who, b.player).await?;
    Ok(Json(s.gh.request_to_join_group(&pid, &id).await?))
}

/// An owner or officer invites a player.
#[utoipa::path(post, path = "/v1/groups/{group_id}/invites", tag = "groups",
    params(("group_id" = String, Path, description = "Group id")),
    request_body = GroupActorBody,
    responses((status = 200, body = GroupInvite), (status = 400, body = Error), (status = 404, body = Error),
        (status = 422, body = Error, description = "NOT_GROUP_MEMBER, GROUP_PERMISSION, BLOCKED, GROUP_FULL")))]
pub async fn invite(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<GroupActorBody>,
) -> ApiResult<Json<GroupInvite>> {
    let actor = act(&s, &who, b.actor).await?;
    Ok(Json(
        s.gh.invite_to_group(&actor, &id, &player(b.player)?)
            .await?,
    ))
}

/// The invitee accepts and joins.
#[utoipa::path(post, path = "/v1/groups/{group_id}/accept", tag = "groups",
    params(("group_id" = String, Path, description = "Group id")),
    request_body = GroupPlayerBody,
    responses((status = 200, body = Group), (status = 400, body = Error), (status = 404, body = Error, description = "No such group or invite"),
        (status = 422, body = Error, description = "GROUP_FULL, LIMIT_REACHED")))]
pub async fn accept_invite(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<GroupPlayerBody>,
) -> ApiResult<Json<Group>> {
    let pid = act(&s, &who, b.player).await?;
    Ok(Json(s.gh.accept_group_invite(&pid, &id).await?))
}

/// The invitee declines.
#[utoipa::path(post, path = "/v1/groups/{group_id}/decline", tag = "groups",
    params(("group_id" = String, Path, description = "Group id")),
    request_body = GroupPlayerBody,
    responses((status = 200, body = Group), (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn decline_invite(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<GroupPlayerBody>,
) -> ApiResult<Json<Group>> {
    let pid = act(&s, &who, b.player).await?;
    Ok(Json(s.gh.decline_group_invite(&pid, &id).await?))
}

macro_rules! actor_route {
    ($(#[$meta:meta])* $name:ident, $method:ident, $ret:ty) => {
        $(#[$meta])*
        pub async fn $name(
            State(s): State<AppState>,
            Extension(who): Extension<Principal>,
            ApiPath(id): ApiPath<String>,
            ApiJson(b): ApiJson<GroupActorBody>,
        ) -> ApiResult<Json<$ret>> {
            let actor = act(&s, &who, b.actor).await?;
            Ok(Json(s.gh.$method(&actor, &id, &player(b.player)?).await?))
        }
    };
}

actor_route!(
    /// An owner or officer accepts a player's request to join.
    #[utoipa::path(post, path = "/v1/groups/{group_id}/requests/accept", tag = "groups",
        params(("group_id" = String, Path, description = "Group id")),
        request_body = GroupActorBody,
        responses((status = 200, body = Group), (status = 400, body = Error), (status = 404, body = Error, description = "No such group or request"),
            (status = 422, body = Error, description = "NOT_GROUP_MEMBER, GROUP_PERMISSION, GROUP_FULL, LIMIT_REACHED")))]
    accept_request, accept_join_request, Group
);
actor_route!(
    /// An owner or officer declines a player's request to join.
    #[utoipa::path(post, path = "/v1/groups/{group_id}/requests/decline", tag = "groups",
        params(("group_id" = String, Path, description = "Group id")),
        request_body = GroupActorBody,
        responses((status = 200, body = Group), (status = 400, body = Error), (status = 404, body = Error),
            (status = 422, body = Error, description = "NOT_GROUP_MEMBER, GROUP_PERMISSION")))]
    decline_request, decline_join_request, Group
);
actor_route!(
    /// An owner or officer removes a member whose role is below theirs.
    #[utoipa::path(post, path = "/v1/groups/{group_id}/kick", tag = "groups",
        params(("group_id" = String, Path, description = "Group id")),
        request_body = GroupActorBody,
        responses((status = 200, body = Group), (status = 400, body = Error), (status = 404, body = Error),
            (status = 422, body = Error, description = "NOT_GROUP_MEMBER, GROUP_PERMISSION")))]
    kick, kick_from_group, Group
);
actor_route!(
    /// The owner makes a member an officer.
    #[utoipa::path(post, path = "/v1/groups/{group_id}/promote", tag = "groups",
        params(("group_id" = String, Path, description = "Group id")),
        request_body = GroupActorBody,
        responses((status = 200, body = Group), (status = 400, body = Error), (status = 404, body = Error),
            (status = 422, body = Error, description = "NOT_GROUP_MEMBER, GROUP_PERMISSION")))]
    promote, promote_in_group, Group
);
actor_route!(
    /// The owner makes an officer a plain member.
    #[utoipa::path(post, path = "/v1/groups/{group_id}/demote", tag = "groups",
        params(("group_id" = String, Path, description = "Group id")),
        request_body = GroupActorBody,
        responses((status = 200, body = Group), (status = 400, body = Error), (status = 404, body = Error),
            (status = 422, body = Error, description = "NOT_GROUP_MEMBER, GROUP_PERMISSION")))]
    demote, demote_in_group, Group
);
actor_route!(
    /// The owner hands ownership to a member and becomes an officer.
    #[utoipa::path(post, path = "/v1/groups/{group_id}/transfer", tag = "groups",
        params(("group_id" = String, Path, description = "Group id")),
        request_body = GroupActorBody,
        responses((status = 200, body = Group), (status = 400, body = Error), (status = 404, body = Error),
            (status = 422, body = Error, description = "NOT_GROUP_MEMBER, GROUP_PERMISSION")))]
    transfer, transfer_group_ownership, Group
);

/// A member leaves; a leaving owner is succeeded by the longest-standing officer, else
/// member; the last member leaving removes the group and frees its name.
#[utoipa::path(post, path = "/v1/groups/{group_id}/leave", tag = "groups",
    params(("group_id" = String, Path, description = "Group id")),
    request_body = GroupPlayerBody,
    responses((status = 200, body = GroupLeaveResult), (status = 400, body = Error), (status = 404, body = Error),
        (status = 422, body = Error, description = "NOT_GROUP_MEMBER")))]
pub async fn leave(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<GroupPlayerBody>,
) -> ApiResult<Json<GroupLeaveResult>> {
    let pid = act(&s, &who, b.player).await?;
    Ok(Json(s.gh.leave_group(&pid, &id).await?))
}

/// The owner disbands the group; its bank is paid out to the owner.
#[utoipa::path(post, path = "/v1/groups/{group_id}/disband", tag = "groups",
    params(("group_id" = String, Path, description = "Group id")),
    request_body = GroupOwnerBody,
    responses((status = 204, description = "Disbanded"), (status = 400, body = Error), (status = 404, body = Error),
        (status = 422, body = Error, description = "NOT_GROUP_MEMBER, GROUP_PERMISSION")))]
pub async fn disband(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<GroupOwnerBody>,
) -> ApiResult<StatusCode> {
    let actor = act(&s, &who, b.actor).await?;
    s.gh.disband_group(&actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn bank_move(
    s: AppState,
    gh: guildhall_core::Guildhall,
    who: Principal,
    id: String,
    key: IdempotencyKey,
    b: GroupBankBody,
    deposit: bool,
) -> ApiResult<Replay<GroupBankResult>> {
    let pid = act(&s, &who, b.player).await?;
    let req = GroupBankRequest {
        player: pid,
        group_id: id,
        currency: b.currency,
        amount: b.amount,
        reason: b.reason,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    let r = if deposit {
        gh.group_deposit(req).await?
    } else {
        gh.group_withdraw(req).await?
    };
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}

/// A member moves currency from their wallet into the group's bank.
#[utoipa::path(post, path = "/v1/groups/{group_id}/bank/deposit", tag = "groups",
    params(("group_id" = String, Path, description = "Group id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = GroupBankBody,
    responses((status = 200, body = GroupBankResult), (status = 400, body = Error), (status = 404, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "NOT_GROUP_MEMBER, INSUFFICIENT_FUNDS, BALANCE_LIMIT")))]
pub async fn deposit(
    State(s): State<AppState>,
    Acting(gh): Acting,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<GroupBankBody>,
) -> ApiResult<Replay<GroupBankResult>> {
    bank_move(s, gh, who, id, key, b, true).await
}

/// An officer or the owner moves currency from the group's bank to their wallet.
#[utoipa::path(post, path = "/v1/groups/{group_id}/bank/withdraw", tag = "groups",
    params(("group_id" = String, Path, description = "Group id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body = GroupBankBody,
    responses((status = 200, body = GroupBankResult), (status = 400, body = Error), (status = 404, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "NOT_GROUP_MEMBER, GROUP_PERMISSION, INSUFFICIENT_FUNDS, BALANCE_LIMIT")))]
pub async fn withdraw(
    State(s): State<AppState>,
    Acting(gh): Acting,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
    key: IdempotencyKey,
    ApiJson(b): ApiJson<GroupBankBody>,
) -> ApiResult<Replay<GroupBankResult>> {
    bank_move(s, gh, who, id, key, b, false).await
}

/// A group's bank: a balance per configured currency. Its members, and keys with the
/// `groups` scope, may read it.
#[utoipa::path(get, path = "/v1/groups/{group_id}/bank", tag = "groups",
    params(("group_id" = String, Path, description = "Group id")),
    responses((status = 200, body = GroupBank), (status = 400, body = Error), (status = 404, body = Error),
        (status = 403, body = Error, description = "FORBIDDEN: not a member")))]
pub async fn bank(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<GroupBank>> {
    let g = s.gh.group(&id).await?;
    members_only(&s.gh, &who, &g.players(), "group's bank").await?;
    Ok(Json(s.gh.group_bank(&id).await?))
}

/// Operator: the group with this name, without regard to case.
#[utoipa::path(get, path = "/v1/admin/groups/by-name/{name}", tag = "groups",
    params(("name" = String, Path, description = "Group name")),
    responses((status = 200, body = Group), (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn admin_by_name(
    State(s): State<AppState>,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<Group>> {
    Ok(Json(s.gh.group_by_name(&name).await?))
}

/// Operator: removes a member whatever their role (succession as when they leave).
#[utoipa::path(post, path = "/v1/admin/groups/{group_id}/remove-member", tag = "groups",
    params(("group_id" = String, Path, description = "Group id")),
    request_body = RemoveMemberBody,
    responses((status = 200, body = GroupLeaveResult), (status = 400, body = Error), (status = 404, body = Error),
        (status = 422, body = Error, description = "NOT_GROUP_MEMBER")))]
pub async fn admin_remove_member(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<RemoveMemberBody>,
) -> ApiResult<Json<GroupLeaveResult>> {
    Ok(Json(
        s.gh.admin_remove_group_member(&id, &player(b.player)?)
            .await?,
    ))
}

/// Operator: disbands a group (its bank paid out to its owner).
#[utoipa::path(post, path = "/v1/admin/groups/{group_id}/disband", tag = "groups",
    params(("group_id" = String, Path, description = "Group id")),
    responses((status = 204, description = "Disbanded"), (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn admin_disband(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    s.gh.admin_disband_group(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}
