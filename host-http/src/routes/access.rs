//! Account routes (SPEC.md "Accounts and access"): registration and logins that answer
//! an access token and a refresh token, rotation, logout, password change, and the
//! operator's account routes (bans, whitelist, sign-out everywhere, API key list).
//! Login-type routes are limited per address, password logins also per username.

use super::ApiResult;
use crate::auth::{limit, ClientAddr, Principal};
use crate::error::AppError;
use crate::extract::{player, ApiJson, ApiPath};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use guildhall_core::access::{
    ApiKeyInfo, BanRequest, IdentityLoginRequest, LoginGrant, PlayerAccount, RegisterRequest,
};
use guildhall_core::Error;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Tokens answered by every login: a short-lived access token for `Authorization:
/// Bearer` and a refresh token to get the next one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// JWT access token (`typ: at+jwt`, HS256).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Opaque refresh token (`ghr_...`); each use returns a new one and spends this one.
    pub refresh_token: String,
    /// When the refresh token expires, UTC.
    pub refresh_expires_at: chrono::DateTime<chrono::Utc>,
    /// The account logged in.
    pub account: PlayerAccount,
    /// True when this login created the account.
    pub created: bool,
}

/// Body of `POST /v1/auth/login`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// Username (case-insensitive).
    pub username: String,
    /// Password.
    pub password: String,
}

/// Body of `POST /v1/auth/device`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceBody {
    /// A stable id of the device (install id), 16-255 bytes: it is the credential.
    pub device_id: String,
}

/// Body of `POST /v1/auth/refresh` and `POST /v1/auth/logout`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshBody {
    /// The refresh token.
    pub refresh_token: String,
}

/// Body of `POST /v1/auth/password`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    /// The current password.
    pub current_password: String,
    /// The new one.
    pub new_password: String,
}

/// Who the caller is (`GET /v1/auth/me`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// `player` or `server`.
    pub kind: String,
    /// The player's account (players).
    pub account: Option<PlayerAccount>,
    /// The API key (servers).
    pub key: Option<ApiKeyInfo>,
}

fn tokens(s: &AppState, grant: LoginGrant) -> ApiResult<Json<TokenResponse>> {
    let (access_token, expires_in) = s
        .auth
        .tokens
        .issue(&grant.account.player, s.gh.clock().now())?;
    Ok(Json(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in,
        refresh_token: grant.refresh_token,
        refresh_expires_at: grant.refresh_expires_at,
        account: grant.account,
        created: grant.created,
    }))
}

/// The logins' rate limit per client address (`[auth.limits] login_per_address_per_minute`),
/// shared by every public auth route a client could hammer.
pub(crate) async fn per_address(s: &AppState, addr: &str) -> Result<(), AppError> {
    limit(
        &s.gh,
        &format!("rl:login-addr:{addr}"),
        s.auth.settings.limits.login_per_address_per_minute,
        60,
    )
    .await
}

/// Creates a password account and logs it in.
#[utoipa::path(post, path = "/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = TokenResponse),
        (status = 400, body = Error, description = "Bad username or password; username taken (`details.reason = taken`)"),
        (status = 403, body = Error, description = "Whitelist mode"),
        (status = 429, body = Error, description = "Too many attempts from this address")))]
pub async fn register(
    State(s): State<AppState>,
    Extension(ClientAddr(addr)): Extension<ClientAddr>,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<TokenResponse>)> {
    per_address(&s, &addr).await?;
    let grant = s.gh.register_account(body).await?;
    Ok((StatusCode::CREATED, tokens(&s, grant)?))
}

/// Logs in with a username and password.
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = TokenResponse),
        (status = 401, body = Error, description = "Wrong username or password"),
        (status = 403, body = Error, description = "BANNED, or not whitelisted"),
        (status = 429, body = Error, description = "Too many attempts on this username or from this address")))]
pub async fn login(
    State(s): State<AppState>,
    Extension(ClientAddr(addr)): Extension<ClientAddr>,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Json<TokenResponse>> {
    per_address(&s, &addr).await?;
    let name = body.username.trim().to_ascii_lowercase();
    limit(
        &s.gh,
        &format!("rl:login-account:{name}"),
        s.auth.settings.limits.login_per_account_per_15_minutes,
        900,
    )
    .await?;
    let grant = s.gh.login_password(&body.username, &body.password).await;
    if let Err(e) = &grant {
        tracing::info!(code = %e.code, address = %addr, "password login refused");
    }
    tokens(&s, grant?)
}

/// Logs in with a device id, creating a guest account on first use.
#[utoipa::path(post, path = "/v1/auth/device", tag = "auth", request_body = DeviceBody,
    responses((status = 200, body = TokenResponse), (status = 400, body = Error),
        (status = 403, body = Error), (status = 429, body = Error)))]
pub async fn device(
    State(s): State<AppState>,
    Extension(ClientAddr(addr)): Extension<ClientAddr>,
    ApiJson(body): ApiJson<DeviceBody>,
) -> ApiResult<Json<TokenResponse>> {
    per_address(&s, &addr).await?;
    if body.device_id.len() < 16 {
        return Err(AppError::invalid(
            "device_id",
            "a device id is 16 to 255 bytes (it is the device's only credential)",
        ));
    }
    let grant =
        s.gh.login_identity(IdentityLoginRequest {
            provider: "device".into(),
            subject: body.device_id,
            player: None,
        })
        .await?;
    tokens(&s, grant)
}

/// A trusted server (key with the `accounts` scope) logs a player in by an identity it
/// has verified (Discord OAuth, Steam ticket, Alt:V social id), creating or linking the
/// account, and receives the player's tokens to hand over.
#[utoipa::path(post, path = "/v1/auth/vouch", tag = "auth", request_body = IdentityLoginRequest,
    responses((status = 200, body = TokenResponse), (status = 400, body = Error),
        (status = 401, body = Error), (status = 403, body = Error)))]
pub async fn vouch(
    State(s): State<AppState>,
    Extension(by): Extension<Principal>,
    ApiJson(body): ApiJson<IdentityLoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let grant = s.gh.login_identity(body).await?;
    tracing::info!(by = %by.label(), player = %grant.account.player, "identity vouched for");
    tokens(&s, grant)
}

/// Exchanges a refresh token for new tokens. A refresh token works once: presenting a
/// spent one signs out every session of that login.
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "auth", request_body = RefreshBody,
    responses((status = 200, body = TokenResponse),
        (status = 401, body = Error, description = "Unknown, expired, signed out or reused"),
        (status = 403, body = Error), (status = 429, body = Error)))]
pub async fn refresh(
    State(s): State<AppState>,
    Extension(ClientAddr(addr)): Extension<ClientAddr>,
    ApiJson(body): ApiJson<RefreshBody>,
) -> ApiResult<Json<TokenResponse>> {
    per_address(&s, &addr).await?;
    let grant = s.gh.rotate_refresh_token(&body.refresh_token).await?;
    tokens(&s, grant)
}

/// Logs out: the refresh token's login (every token rotated from it) is signed out.
/// Access tokens already issued expire on their own (at most `access_ttl_secs`).
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", request_body = RefreshBody,
    responses((status = 204), (status = 401, body = Error)))]
pub async fn logout(
    State(s): State<AppState>,
    ApiJson(body): ApiJson<RefreshBody>,
) -> ApiResult<StatusCode> {
    s.gh.revoke_refresh_token(&body.refresh_token, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn own_player(p: &Principal) -> Result<&guildhall_core::types::PlayerId, AppError> {
    match p {
        Principal::Player { id, .. } => Ok(id),
        Principal::Server(_) => Err(Error::new(
            guildhall_core::ErrorCode::Forbidden,
            "this route is for a player's own token",
        )
        .into()),
    }
}

/// Changes the caller's password; every token issued before is signed out.
#[utoipa::path(post, path = "/v1/auth/password", tag = "auth", request_body = PasswordBody,
    responses((status = 204), (status = 400, body = Error), (status = 401, body = Error)),
    security(("bearer" = [])))]
pub async fn change_password(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(body): ApiJson<PasswordBody>,
) -> ApiResult<StatusCode> {
    let id = own_player(&who)?;
    s.gh.change_password(id, &body.current_password, &body.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs the caller out everywhere (every access and refresh token issued before now).
#[utoipa::path(post, path = "/v1/auth/sign-out", tag = "auth",
    responses((status = 204), (status = 401, body = Error)), security(("bearer" = [])))]
pub async fn sign_out(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
) -> ApiResult<StatusCode> {
    s.gh.sign_out_everywhere(own_player(&who)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who the caller is.
#[utoipa::path(get, path = "/v1/auth/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = Error)), security(("bearer" = [])))]
pub async fn me(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
) -> ApiResult<Json<Me>> {
    Ok(Json(match who {
        Principal::Player { id, .. } => Me {
            kind: "player".into(),
            account: s.gh.account(&id).await.ok(),
            key: None,
        },
        Principal::Server(k) => Me {
            kind: "server".into(),
            account: None,
            key: Some(k),
        },
    }))
}

/// A player's account (operators).
#[utoipa::path(get, path = "/v1/admin/accounts/{player}", tag = "auth",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = PlayerAccount), (status = 404, body = Error)), security(("bearer" = [])))]
pub async fn account(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<PlayerAccount>> {
    Ok(Json(s.gh.account(&player(p)?).await?))
}

/// The account an identity is linked to (operators): `/v1/admin/identities/discord/8035...`.
#[utoipa::path(get, path = "/v1/admin/identities/{provider}/{subject}", tag = "auth",
    params(("provider" = String, Path, description = "discord, steam, altv, email, device, username, ..."),
        ("subject" = String, Path, description = "Id at the provider")),
    responses((status = 200, body = PlayerAccount), (status = 404, body = Error)), security(("bearer" = [])))]
pub async fn find_identity(
    State(s): State<AppState>,
    ApiPath((provider, subject)): ApiPath<(String, String)>,
) -> ApiResult<Json<PlayerAccount>> {
    Ok(Json(s.gh.find_account(&provider, &subject).await?))
}

/// Bans a player (seed 003): their tokens stop working, logins answer `BANNED`.
#[utoipa::path(post, path = "/v1/admin/accounts/{player}/ban", tag = "auth", request_body = BanRequest,
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = PlayerAccount), (status = 400, body = Error)), security(("bearer" = [])))]
pub async fn ban(
    State(s): State<AppState>,
    Extension(by): Extension<Principal>,
    ApiPath(p): ApiPath<String>,
    ApiJson(body): ApiJson<BanRequest>,
) -> ApiResult<Json<PlayerAccount>> {
    let pid = player(p)?;
    let account = s.gh.ban_player(&pid, body, &by.label()).await?;
    tracing::info!(player = %pid, by = %by.label(), "player banned");
    Ok(Json(account))
}

/// Lifts a ban.
#[utoipa::path(post, path = "/v1/admin/accounts/{player}/unban", tag = "auth",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = PlayerAccount), (status = 404, body = Error)), security(("bearer" = [])))]
pub async fn unban(
    State(s): State<AppState>,
    Extension(by): Extension<Principal>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<PlayerAccount>> {
    Ok(Json(s.gh.unban_player(&player(p)?, &by.label()).await?))
}

/// Signs a player out everywhere.
#[utoipa::path(post, path = "/v1/admin/accounts/{player}/sign-out", tag = "auth",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = PlayerAccount), (status = 404, body = Error)), security(("bearer" = [])))]
pub async fn admin_sign_out(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<PlayerAccount>> {
    Ok(Json(s.gh.sign_out_everywhere(&player(p)?).await?))
}

/// Lists a player for whitelist mode.
#[utoipa::path(put, path = "/v1/admin/accounts/{player}/whitelist", tag = "auth",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = PlayerAccount)), security(("bearer" = [])))]
pub async fn whitelist(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<PlayerAccount>> {
    Ok(Json(s.gh.set_whitelisted(&player(p)?, true).await?))
}

/// Removes a player from the whitelist.
#[utoipa::path(delete, path = "/v1/admin/accounts/{player}/whitelist", tag = "auth",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = PlayerAccount), (status = 404, body = Error)), security(("bearer" = [])))]
pub async fn unwhitelist(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<PlayerAccount>> {
    Ok(Json(s.gh.set_whitelisted(&player(p)?, false).await?))
}

/// Every API key (without secrets). Keys are created and revoked with `guildhall keys`.
#[utoipa::path(get, path = "/v1/admin/keys", tag = "auth",
    responses((status = 200, body = Vec<ApiKeyInfo>)), security(("bearer" = [])))]
pub async fn keys(State(s): State<AppState>) -> ApiResult<Json<Vec<ApiKeyInfo>>> {
    Ok(Json(s.gh.api_keys().await?))
}
