//! Health routes: `GET /healthz` (the process is alive, also while it drains) and `GET
//! /readyz` (the store answers and the host is not draining, [`crate::ops`]).

use super::ApiResult;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use guildhall_core::Error;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Status answer of the health routes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Status {
    /// `ok` or `ready`.
    pub status: String,
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Status)))]
pub async fn healthz() -> Json<Status> {
    Json(Status {
        status: "ok".into(),
    })
}

/// The store answers and the host takes requests; 503 `UNAVAILABLE` when the store does
/// not answer, or when the host drains (`details.reason = "draining"`), so a load
/// balancer takes it out.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, body = Status), (status = 503, body = Error)))]
pub async fn readyz(State(s): State<AppState>) -> ApiResult<Json<Status>> {
    if s.drain.is_draining() {
        return Err(Error::new(
            guildhall_core::ErrorCode::Unavailable,
            "this host is draining",
        )
        .with_details(serde_json::json!({ "reason": "draining" }))
        .into());
    }
    s.gh.store().ping().await?;
    Ok(Json(Status {
        status: "ready".into(),
    }))
}
