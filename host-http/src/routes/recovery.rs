//! Account recovery, verification and closing routes (SPEC.md "Account recovery and
//! closing"): a forgotten password reset with a one-time code sent to a linked e-mail
//! or phone (public, limited per address), an e-mail or phone verified and linked by
//! its owner, an account closed by its owner (its password asked when it has one) or
//! by a trusted server, reopened within the grace period, and the account's activity.

use super::access::per_address;
use super::ApiResult;
use crate::auth::{ClientAddr, Principal};
use crate::error::AppError;
use crate::extract::{player, ApiJson, ApiPath};
use crate::AppState;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use guildhall_core::access::{
    CodeRequest, CodeSent, PlayerAccount, ResetPasswordRequest, VerifyIdentityRequest,
};
use guildhall_core::types::Event;
use guildhall_core::Error;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// The routes of this module, merged into the host's router by `server::app`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/auth/recovery/start", post(start_reset))
        .route("/v1/auth/recovery/reset", post(reset))
        .route("/v1/auth/reopen", post(reopen))
        .route(
            "/v1/players/{player}/identities/verify/start",
            post(start_verify),
        )
        .route("/v1/players/{player}/identities/verify", post(verify))
        .route("/v1/players/{player}/close", post(close))
        .route("/v1/players/{player}/activity", get(activity))
        .route("/v1/admin/accounts/{player}/reopen", post(admin_reopen))
}

/// Body of `POST /v1/players/{player}/close`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    /// The account's password: required with the player's own token when the account
    /// has one; a trusted server closes without it.
    #[serde(default)]
    pub password: Option<String>,
}

/// Body of `POST /v1/auth/reopen`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenBody {
    /// The closed account's player id (in the answer of the close).
    pub player: String,
    /// Its password.
    pub password: String,
}

/// Query of `GET /v1/players/{player}/activity`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
pub struct ActivityQuery {
    /// Most recent events at most (1-1000, default 100).
    pub limit: Option<u32>,
}

/// Sends a password-reset code to an e-mail address or phone linked to an account
/// (answers the same for an address with no account, and sends nothing then).
#[utoipa::path(post, path = "/v1/auth/recovery/start", tag = "auth", request_body = CodeRequest,
    responses((status = 200, body = CodeSent), (status = 400, body = Error),
        (status = 429, body = Error), (status = 503, body = Error, description = "The e-mail server refused")))]
pub async fn start_reset(
    State(s): State<AppState>,
    Extension(ClientAddr(addr)): Extension<ClientAddr>,
    ApiJson(req): ApiJson<CodeRequest>,
) -> ApiResult<Json<CodeSent>> {
    per_address(&s, &addr).await?;
    Ok(Json(s.gh.start_password_reset(req).await?))
}

/// Sets a new password with the code received; every token of the account is signed
/// out. A code works once, for 10 minutes, and 5 wrong entries spend it.
#[utoipa::path(post, path = "/v1/auth/recovery/reset", tag = "auth", request_body = ResetPasswordRequest,
    responses((status = 200, body = PlayerAccount), (status = 400, body = Error),
        (status = 422, body = Error, description = "CODE_INVALID (details.attempts_left), CODE_EXPIRED"),
        (status = 429, body = Error)))]
pub async fn reset(
    State(s): State<AppState>,
    Extension(ClientAddr(addr)): Extension<ClientAddr>,
    ApiJson(req): ApiJson<ResetPasswordRequest>,
) -> ApiResult<Json<PlayerAccount>> {
    per_address(&s, &addr).await?;
    Ok(Json(s.gh.reset_password(req).await?))
}

/// Reopens a closed account within the grace period, with its password; log in again
/// afterwards.
#[utoipa::path(post, path = "/v1/auth/reopen", tag = "auth", request_body = ReopenBody,
    responses((status = 200, body = PlayerAccount), (status = 400, body = Error),
        (status = 401, body = Error), (status = 403, body = Error, description = "Grace period over"),
        (status = 429, body = Error)))]
pub async fn reopen(
    State(s): State<AppState>,
    Extension(ClientAddr(addr)): Extension<ClientAddr>,
    ApiJson(body): ApiJson<ReopenBody>,
) -> ApiResult<Json<PlayerAccount>> {
    per_address(&s, &addr).await?;
    let pid = player(body.player).map_err(|_| {
        Error::new(
            guildhall_core::ErrorCode::Unauthenticated,
            "wrong player or password",
        )
    })?;
    let r = s.gh.reopen_account(&pid, Some(&body.password)).await;
    Ok(Json(r.map_err(|e| match e.code {
        guildhall_core::ErrorCode::NotFound => Error::new(
            guildhall_core::ErrorCode::Unauthenticated,
            "wrong player or password",
        ),
        _ => e,
    })?))
}

/// Sends a code to an e-mail address or phone the player wants to link.
#[utoipa::path(post, path = "/v1/players/{player}/identities/verify/start", tag = "auth",
    params(("player" = String, Path, description = "Player id")), request_body = CodeRequest,
    responses((status = 200, body = CodeSent), (status = 400, body = Error), (status = 429, body = Error)),
    security(("bearer" = [])))]
pub async fn start_verify(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
    ApiJson(req): ApiJson<CodeRequest>,
) -> ApiResult<Json<CodeSent>> {
    Ok(Json(s.gh.start_verification(&player(p)?, req).await?))
}

/// Links the e-mail address or phone with the code received (`identity_linked`).
#[utoipa::path(post, path = "/v1/players/{player}/identities/verify", tag = "auth",
    params(("player" = String, Path, description = "Player id")), request_body = VerifyIdentityRequest,
    responses((status = 200, body = PlayerAccount), (status = 400, body = Error),
        (status = 422, body = Error, description = "CODE_INVALID, CODE_EXPIRED")),
    security(("bearer" = [])))]
pub async fn verify(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
    ApiJson(req): ApiJson<VerifyIdentityRequest>,
) -> ApiResult<Json<PlayerAccount>> {
    Ok(Json(s.gh.verify_identity(&player(p)?, req).await?))
}

/// Closes the account (seed 003: 注销): tokens signed out, its name, e-mail and phone
/// free for a new account, wallet and ledger kept; reopenable within the grace period.
#[utoipa::path(post, path = "/v1/players/{player}/close", tag = "auth",
    params(("player" = String, Path, description = "Player id")), request_body = CloseBody,
    responses((status = 200, body = PlayerAccount), (status = 400, body = Error),
        (status = 401, body = Error, description = "Wrong password"), (status = 404, body = Error)),
    security(("bearer" = [])))]
pub async fn close(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiPath(p): ApiPath<String>,
    ApiJson(body): ApiJson<CloseBody>,
) -> ApiResult<Json<PlayerAccount>> {
    let pid = player(p)?;
    if matches!(who, Principal::Player { .. })
        && body.password.is_none()
        && s.gh.account(&pid).await?.has_password
    {
        return Err(AppError::invalid(
            "password",
            "closing an account with a password asks for it",
        ));
    }
    let account = s.gh.close_account(&pid, body.password.as_deref()).await?;
    tracing::info!(player = %pid, by = %who.label(), "account closed");
    Ok(Json(account))
}

/// The account's activity (seed 003's behaviour log): registrations, logins, password
/// changes, sign-outs, linked identities, closing and reopening, bans, oldest first.
#[utoipa::path(get, path = "/v1/players/{player}/activity", tag = "auth",
    params(("player" = String, Path, description = "Player id"), ActivityQuery),
    responses((status = 200, body = [Event]), (status = 400, body = Error)), security(("bearer" = [])))]
pub async fn activity(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
    Query(q): Query<ActivityQuery>,
) -> ApiResult<Json<Vec<Event>>> {
    Ok(Json(
        s.gh.account_activity(&player(p)?, q.limit.unwrap_or(100))
            .await?,
    ))
}

/// Operator: reopens a closed account within the grace period.
#[utoipa::path(post, path = "/v1/admin/accounts/{player}/reopen", tag = "auth",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = PlayerAccount), (status = 400, body = Error),
        (status = 403, body = Error), (status = 404, body = Error)), security(("bearer" = [])))]
pub async fn admin_reopen(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<PlayerAccount>> {
    Ok(Json(s.gh.reopen_account(&player(p)?, None).await?))
}
