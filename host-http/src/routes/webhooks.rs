//! Outbound webhook routes (SPEC.md "Payments in, notifications out"): operators
//! (admin scope) subscribe endpoints to event kinds, read each one's delivery progress
//! (cursor, failures, parking, the last deliveries), and replay a parked one. Delivery
//! itself is the host's background worker (`crate::webhooks`).

use super::ApiResult;
use crate::extract::{ApiJson, ApiPath};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use guildhall_core::webhooks::{PutWebhookRequest, WebhookView};
use guildhall_core::Error;

/// The routes of this module, merged into the host's router by `server::app`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/webhooks", get(list).post(create))
        .route(
            "/v1/admin/webhooks/{webhook_id}",
            get(read).put(replace).delete(remove),
        )
        .route("/v1/admin/webhooks/{webhook_id}/replay", post(replay))
}

/// Operator: every subscription with its delivery progress.
#[utoipa::path(get, path = "/v1/admin/webhooks", tag = "webhooks",
    responses((status = 200, body = [WebhookView])), security(("bearer" = [])))]
pub async fn list(State(s): State<AppState>) -> ApiResult<Json<Vec<WebhookView>>> {
    Ok(Json(s.gh.webhooks().await?))
}

/// Operator: subscribes an endpoint. Events committed from now on are delivered to it,
/// signed with its secret (generated when the body has none: read it in the answer).
#[utoipa::path(post, path = "/v1/admin/webhooks", tag = "webhooks", request_body = PutWebhookRequest,
    responses((status = 201, body = WebhookView), (status = 400, body = Error),
        (status = 422, body = Error, description = "LIMIT_REACHED")), security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiJson(req): ApiJson<PutWebhookRequest>,
) -> ApiResult<(StatusCode, Json<WebhookView>)> {
    let view = s.gh.put_webhook(None, req).await?;
    tracing::info!(webhook = %view.subscription.id, url = %view.subscription.url, "webhook subscribed");
    Ok((StatusCode::CREATED, Json(view)))
}

/// Operator: one subscription with its delivery progress.
#[utoipa::path(get, path = "/v1/admin/webhooks/{webhook_id}", tag = "webhooks",
    params(("webhook_id" = String, Path, description = "Subscription id")),
    responses((status = 200, body = WebhookView), (status = 404, body = Error)), security(("bearer" = [])))]
pub async fn read(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<WebhookView>> {
    Ok(Json(s.gh.webhook(&id).await?))
}

/// Operator: replaces a subscription (its progress stays; its secret too unless the
/// body names one).
#[utoipa::path(put, path = "/v1/admin/webhooks/{webhook_id}", tag = "webhooks",
    params(("webhook_id" = String, Path, description = "Subscription id")), request_body = PutWebhookRequest,
    responses((status = 200, body = WebhookView), (status = 400, body = Error), (status = 404, body = Error)),
    security(("bearer" = [])))]
pub async fn replace(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<PutWebhookRequest>,
) -> ApiResult<Json<WebhookView>> {
    Ok(Json(s.gh.put_webhook(Some(&id), req).await?))
}

/// Operator: deletes a subscription and its progress.
#[utoipa::path(delete, path = "/v1/admin/webhooks/{webhook_id}", tag = "webhooks",
    params(("webhook_id" = String, Path, description = "Subscription id")),
    responses((status = 200, body = WebhookView, description = "What was deleted"), (status = 404, body = Error)),
    security(("bearer" = [])))]
pub async fn remove(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<WebhookView>> {
    Ok(Json(s.gh.delete_webhook(&id).await?))
}

/// Operator: replays a parked endpoint: its failing event is tried again at once and
/// delivery continues in order from there.
#[utoipa::path(post, path = "/v1/admin/webhooks/{webhook_id}/replay", tag = "webhooks",
    params(("webhook_id" = String, Path, description = "Subscription id")),
    responses((status = 200, body = WebhookView), (status = 404, body = Error)), security(("bearer" = [])))]
pub async fn replay(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<WebhookView>> {
    let view = s.gh.replay_webhook(&id).await?;
    tracing::info!(webhook = %id, "webhook replayed");
    Ok(Json(view))
}
