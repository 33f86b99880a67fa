//! Event routes (SPEC.md Events): the outbox read by position and pruning. The
//! per-player live stream is [`crate::sse`].

use super::ApiResult;
use crate::extract::ApiQuery;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use guildhall_core::types::Event;
use guildhall_core::Error;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A page of outbox events.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventsPage {
    /// Events, oldest first.
    pub events: Vec<Event>,
    /// Pass as `after` for the next page: the last event's `seq` (or the given `after`).
    pub next_after: i64,
}

/// What a prune removed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PruneResult {
    /// Outbox events removed.
    pub events: u64,
    /// Idempotency records removed.
    pub idempotency_records: u64,
}

/// Query of `GET /v1/events`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// A previous event's `seq` (default 0: from the oldest kept).
    #[serde(default)]
    pub after: Option<i64>,
    /// Page size, 1-1000 (default 100).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Outbox events after a position, oldest first.
#[utoipa::path(get, path = "/v1/events", tag = "events", params(EventsQuery),
    responses((status = 200, body = EventsPage), (status = 400, body = Error)))]
pub async fn events(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> ApiResult<Json<EventsPage>> {
    let after = q.after.unwrap_or(0);
    let events = s.gh.events_after(after, q.limit).await?;
    let next_after = events.last().map_or(after, |e| e.seq);
    Ok(Json(EventsPage { events, next_after }))
}

/// Removes events and idempotency records past their retention (the host also does
/// this every 10 minutes).
#[utoipa::path(post, path = "/v1/maintenance/prune", tag = "events",
    responses((status = 200, body = PruneResult), (status = 503, body = Error)))]
pub async fn prune(State(s): State<AppState>) -> ApiResult<Json<PruneResult>> {
    let (events, idempotency_records) = s.gh.prune().await?;
    Ok(Json(PruneResult {
        events,
        idempotency_records,
    }))
}
