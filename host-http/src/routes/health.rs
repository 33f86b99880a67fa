//! Health routes: `GET /healthz` (the process is alive) and `GET /readyz` (the store
//! answers).

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

/// The store answers; 503 `UNAVAILABLE` when it does not.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, body = Status), (status = 503, body = Error)))]
pub async fn readyz(State(s): State<AppState>) -> ApiResult<Json<Status>> {
    s.gh.store().ping().await?;
    Ok(Json(Status {
        status: "ready".into(),
    }))
}
