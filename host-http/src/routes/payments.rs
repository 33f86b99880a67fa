//! Payment webhook routes (SPEC.md "Payments in, notifications out"): the providers'
//! deliveries come in without credentials and are authenticated by their signature
//! (`POST /v1/webhooks/stripe` with `Stripe-Signature`; `POST /v1/webhooks/hmac/{provider}`
//! with the provider's configured header). A bad or stale signature answers `401
//! UNAUTHENTICATED` and records nothing; a verified delivery answers 200 with the log
//! entry of its outcome (credited, replay, refunded, ignored, ...), so the provider stops
//! redelivering it; a storage failure answers 503 and the provider retries (applied
//! once). Operators read the log and a payment's record (`/v1/admin/payments...`, admin
//! scope).

use super::ApiResult;
use crate::extract::{ApiPath, ApiQuery};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use guildhall_core::payments::{
    PaymentLogEntry, PaymentLogPage, PaymentLogQuery, PaymentRecord, WebhookDelivery,
};
use guildhall_core::Error;

/// The routes of this module, merged into the host's router by `server::app`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/webhooks/stripe", post(stripe))
        .route("/v1/webhooks/hmac/{provider}", post(hmac))
        .route("/v1/admin/payments", get(log))
        .route("/v1/admin/payments/{provider}/{payment_id}", get(payment))
}

async fn deliver(
    s: &AppState,
    provider: String,
    headers: &HeaderMap,
    body: Bytes,
) -> ApiResult<Json<PaymentLogEntry>> {
    let header = s.gh.payment_signature_header(&provider)?;
    let signature = headers
        .get(header.as_str())
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let entry =
        s.gh.receive_payment_webhook(WebhookDelivery {
            provider,
            signature,
            body: body.to_vec(),
        })
        .await?;
    Ok(Json(entry))
}

/// Stripe webhook endpoint: point a Stripe webhook endpoint here and put its signing
/// secret in `[payments.stripe] secrets`. Verifies `Stripe-Signature` (HMAC-SHA256 of
/// `"{t}.{body}"`, any configured secret, any `v1`, `t` within
/// `payments.tolerance_secs`). Acts on `checkout.session.completed` (paid),
/// `checkout.session.async_payment_succeeded`, `payment_intent.succeeded`,
/// `charge.succeeded` and `charge.refunded` (full refunds); the payment is the
/// PaymentIntent, the player `metadata.player_id`, the product `metadata.product` (or
/// `metadata.price_id`).
#[utoipa::path(post, path = "/v1/webhooks/stripe", tag = "payments",
    request_body(content = String, description = "The Stripe event, raw JSON", content_type = "application/json"),
    params(("Stripe-Signature" = String, Header, description = "t=<unix>,v1=<hex>[,v1=...]")),
    responses((status = 200, body = PaymentLogEntry, description = "Verified and recorded with its outcome"),
        (status = 401, body = Error, description = "Missing, bad or stale signature: nothing recorded"),
        (status = 404, body = Error, description = "Stripe is not configured"),
        (status = 503, body = Error)))]
pub async fn stripe(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<PaymentLogEntry>> {
    deliver(&s, "stripe".into(), &headers, body).await
}

/// A generic HMAC-SHA256 provider (`[[payments.hmac]]`): the configured header holds
/// the HMAC of the raw body (hex or base64, optional prefix) under one of its secrets;
/// the event's type, payment id, player, product and amount are read at its JSON
/// pointers.
#[utoipa::path(post, path = "/v1/webhooks/hmac/{provider}", tag = "payments",
    params(("provider" = String, Path, description = "A [[payments.hmac]] name")),
    request_body(content = String, description = "The provider's event, raw JSON", content_type = "application/json"),
    responses((status = 200, body = PaymentLogEntry), (status = 401, body = Error),
        (status = 404, body = Error, description = "No such provider"), (status = 503, body = Error)))]
pub async fn hmac(
    State(s): State<AppState>,
    ApiPath(provider): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<PaymentLogEntry>> {
    if provider == "stripe" {
        return Err(Error::not_found("payment provider", "hmac/stripe").into());
    }
    deliver(&s, provider, &headers, body).await
}

/// Operator: the payment log, newest first (every verified delivery and its outcome).
#[utoipa::path(get, path = "/v1/admin/payments", tag = "payments", params(PaymentLogQuery),
    responses((status = 200, body = PaymentLogPage), (status = 400, body = Error)))]
pub async fn log(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<PaymentLogQuery>,
) -> ApiResult<Json<PaymentLogPage>> {
    Ok(Json(s.gh.payment_log(q).await?))
}

/// Operator: one provider payment as recorded (what it credited; after a refund what
/// was taken back and the shortfall).
#[utoipa::path(get, path = "/v1/admin/payments/{provider}/{payment_id}", tag = "payments",
    params(("provider" = String, Path), ("payment_id" = String, Path)),
    responses((status = 200, body = PaymentRecord), (status = 404, body = Error)))]
pub async fn payment(
    State(s): State<AppState>,
    ApiPath((provider, payment_id)): ApiPath<(String, String)>,
) -> ApiResult<Json<PaymentRecord>> {
    Ok(Json(s.gh.payment(&provider, &payment_id).await?))
}
