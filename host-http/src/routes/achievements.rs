//! Achievement and quest routes (SPEC.md Achievements and quests): definitions readable
//! by any authenticated caller and put by operators (`/v1/admin/achievements/{id}`,
//! admin scope); a player's standing and claims under `/v1/players/{player}/...` (its
//! own token, or a key with the `achievements` scope); explicit progress for trusted
//! servers only (a key with the `achievements` scope), so a player cannot advance its
//! own counters. Progress from purchases, spends and match results needs no route: it
//! is counted in the commit of the event.

use super::{ApiResult, Replay};
use crate::auth::Acting;
use crate::extract::{player, ApiJson, ApiPath, IdempotencyKey, OptionalJson};
use crate::AppState;
use axum::extract::State;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use guildhall_core::achievements::{
    Achievement, AchievementClaimResult, AchievementStatus, ClaimAchievementRequest,
    ProgressRequest, ProgressResult,
};
use guildhall_core::Error;
use serde::Deserialize;
use utoipa::ToSchema;

/// The routes of this module, merged into the host's router by `server::app`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/achievements", get(list))
        .route("/v1/achievements/{achievement_id}", get(get_one))
        .route(
            "/v1/admin/achievements/{achievement_id}",
            put(put_definition).delete(delete_definition),
        )
        .route("/v1/players/{player}/achievements", get(player_list))
        .route(
            "/v1/players/{player}/achievements/{achievement_id}",
            get(player_one),
        )
        .route(
            "/v1/players/{player}/achievements/{achievement_id}/progress",
            post(progress),
        )
        .route(
            "/v1/players/{player}/achievements/{achievement_id}/claim",
            post(claim),
        )
}

/// Body of `POST /v1/players/{player}/achievements/{achievement_id}/progress`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressBody {
    /// How much to add, >= 1 (default 1).
    #[serde(default = "super::one")]
    pub amount: i64,
    /// Idempotency key (1-255 bytes), scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Optional body of a claim.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimBody {
    /// Idempotency key (1-255 bytes), scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Every achievement and quest definition, by id.
#[utoipa::path(get, path = "/v1/achievements", tag = "achievements",
    responses((status = 200, body = [Achievement])))]
pub async fn list(State(s): State<AppState>) -> ApiResult<Json<Vec<Achievement>>> {
    Ok(Json(s.gh.achievements().await?))
}

/// One definition.
#[utoipa::path(get, path = "/v1/achievements/{achievement_id}", tag = "achievements",
    params(("achievement_id" = String, Path, description = "Achievement id")),
    responses((status = 200, body = Achievement), (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn get_one(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Achievement>> {
    Ok(Json(s.gh.achievement(&id).await?))
}

/// Operator: puts (inserts or replaces) a definition. The body is the definition; its
/// `id` may be left out (the path's), and must equal the path's when given.
#[utoipa::path(put, path = "/v1/admin/achievements/{achievement_id}", tag = "achievements",
    params(("achievement_id" = String, Path, description = "Achievement id")),
    request_body = Achievement,
    responses((status = 200, body = Achievement), (status = 400, body = Error),
        (status = 404, body = Error, description = "A prerequisite or reward item that does not exist"),
        (status = 422, body = Error, description = "LIMIT_REACHED")))]
pub async fn put_definition(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Json<Achievement>> {
    let def: Achievement = super::body_with_path_id(body, id, "a definition")?;
    Ok(Json(s.gh.put_achievement(def).await?))
}

/// Operator: deletes a definition (refused while another names it as a prerequisite).
#[utoipa::path(delete, path = "/v1/admin/achievements/{achievement_id}", tag = "achievements",
    params(("achievement_id" = String, Path, description = "Achievement id")),
    responses((status = 200, body = Achievement, description = "The deleted definition"),
        (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn delete_definition(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Achievement>> {
    Ok(Json(s.gh.delete_achievement(&id).await?))
}

/// The player's standing on every definition: progress in the current period,
/// completion and claim times, the period of a quest that resets, whether it is
/// unlocked.
#[utoipa::path(get, path = "/v1/players/{player}/achievements", tag = "achievements",
    params(("player" = String, Path, description = "Player id")),
    responses((status = 200, body = [AchievementStatus]), (status = 400, body = Error)))]
pub async fn player_list(
    State(s): State<AppState>,
    ApiPath(p): ApiPath<String>,
) -> ApiResult<Json<Vec<AchievementStatus>>> {
    Ok(Json(s.gh.player_achievements(&player(p)?).await?))
}

/// The player's standing on one definition.
#[utoipa::path(get, path = "/v1/players/{player}/achievements/{achievement_id}", tag = "achievements",
    params(("player" = String, Path, description = "Player id"),
        ("achievement_id" = String, Path, description = "Achievement id")),
    responses((status = 200, body = AchievementStatus), (status = 400, body = Error), (status = 404, body = Error)))]
pub async fn player_one(
    State(s): State<AppState>,
    ApiPath((p, id)): ApiPath<(String, String)>,
) -> ApiResult<Json<AchievementStatus>> {
    Ok(Json(s.gh.achievement_status(&player(p)?, &id).await?))
}

/// Trusted server: adds explicit progress (stops at the goal; `achievement_progress`,
/// and `achievement_completed` when it completes).
#[utoipa::path(post, path = "/v1/players/{player}/achievements/{achievement_id}/progress", tag = "achievements",
    params(("player" = String, Path, description = "Player id"),
        ("achievement_id" = String, Path, description = "Achievement id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body(content = ProgressBody, description = "May be empty (amount 1)"),
    responses((status = 200, body = ProgressResult), (status = 400, body = Error), (status = 404, body = Error),
        (status = 409, body = Error, description = "IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "NOT_COMPLETED: a prerequisite is not completed")))]
pub async fn progress(
    Acting(gh): Acting,
    ApiPath((p, id)): ApiPath<(String, String)>,
    key: IdempotencyKey,
    OptionalJson(b): OptionalJson<ProgressBody>,
) -> ApiResult<Replay<ProgressResult>> {
    let req = ProgressRequest {
        player: player(p)?,
        achievement_id: id,
        amount: b.amount,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    let r = gh.progress_achievement(req).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}

/// Claims the reward of a completed achievement, once (per period for a quest that
/// resets): currency through the ledger (reason `achievement_reward`), items into the
/// inventory.
#[utoipa::path(post, path = "/v1/players/{player}/achievements/{achievement_id}/claim", tag = "achievements",
    params(("player" = String, Path, description = "Player id"),
        ("achievement_id" = String, Path, description = "Achievement id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to the body's idempotency_key")),
    request_body(content = ClaimBody, description = "May be empty"),
    responses((status = 200, body = AchievementClaimResult), (status = 400, body = Error), (status = 404, body = Error),
        (status = 409, body = Error, description = "ALREADY_CLAIMED, IDEMPOTENCY_CONFLICT"),
        (status = 422, body = Error, description = "NOT_COMPLETED, BALANCE_LIMIT, STACK_LIMIT")))]
pub async fn claim(
    Acting(gh): Acting,
    ApiPath((p, id)): ApiPath<(String, String)>,
    key: IdempotencyKey,
    OptionalJson(b): OptionalJson<ClaimBody>,
) -> ApiResult<Replay<AchievementClaimResult>> {
    let req = ClaimAchievementRequest {
        player: player(p)?,
        achievement_id: id,
        idempotency_key: key.merge(b.idempotency_key)?,
    };
    let r = gh.claim_achievement(req).await?;
    Ok(Replay {
        replayed: r.replayed,
        body: r,
    })
}
