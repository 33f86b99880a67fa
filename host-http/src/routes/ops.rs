//! Operations routes (admin scope): the log filter at run time (`GET/PUT
//! /v1/admin/log-level`) and the graceful drain (`POST /v1/admin/drain`). The mechanisms
//! and their rules are in [`crate::ops`].

use super::ApiResult;
use crate::auth::Principal;
use crate::extract::{ApiJson, OptionalJson};
use crate::ops::{log_control, Draining, MAX_DRAIN_GRACE_SECS};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use guildhall_core::{Error, ErrorCode};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::ToSchema;

/// The operations routes, merged by [`crate::app`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/log-level", get(log_level).put(set_log_level))
        .route("/v1/admin/drain", post(drain))
}

/// The process's log filter.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LogLevel {
    /// The `EnvFilter` directives in force (`guildhall_core=debug,info`); `null` when
    /// this process's log subscriber was not installed by guildhall.
    pub filter: Option<String>,
    /// Whether the filter can be changed here (`false`: a host spawned inside a program
    /// with its own log subscriber, or none).
    pub reloadable: bool,
    /// The filter the change replaced (answers of `PUT` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
}

/// Body of `PUT /v1/admin/log-level`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetLogLevel {
    /// `EnvFilter` directives, e.g. `info`, `guildhall_core=debug,info`, `warn,tower_http=debug`.
    pub filter: String,
}

/// Body of `POST /v1/admin/drain` (optional).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DrainRequest {
    /// Seconds requests in flight and background jobs get before they are cut (0 to
    /// 3600); default: the host's (`serve --drain-grace-secs`, 30).
    pub grace_secs: Option<u64>,
}

/// Answer of `POST /v1/admin/drain`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DrainStatus {
    /// Always `true`: the host drains.
    pub draining: bool,
    /// Whether this request began the drain (`false`: one was already under way; its
    /// grace stands).
    pub began: bool,
    /// When the drain began (RFC 3339).
    pub since: chrono::DateTime<chrono::Utc>,
    /// The drain's grace, seconds.
    pub grace_secs: u64,
    /// Who began it: `key:<name>`, `console:<key name>` or `shutdown` (a signal).
    pub by: String,
    /// Other requests in flight when this answer was made (the drain waits for them).
    pub in_flight: usize,
}

fn current() -> LogLevel {
    LogLevel {
        filter: log_control().map(|c| c.filter()),
        reloadable: log_control().is_some(),
        previous: None,
    }
}

/// The process's log filter.
#[utoipa::path(get, path = "/v1/admin/log-level", tag = "operations",
    responses((status = 200, body = LogLevel), (status = 401, body = Error), (status = 403, body = Error)))]
pub async fn log_level() -> Json<LogLevel> {
    Json(current())
}

/// Replaces the process's log filter (every host of this process); logged at `warn`
/// with who changed it. Errors: `INVALID_ARGUMENT` (`filter` does not parse; nothing
/// changes), `CONFLICT` (the log subscriber is not guildhall's: not reloadable here).
#[utoipa::path(put, path = "/v1/admin/log-level", tag = "operations", request_body = SetLogLevel,
    responses((status = 200, body = LogLevel), (status = 400, body = Error),
        (status = 401, body = Error), (status = 403, body = Error), (status = 409, body = Error)))]
pub async fn set_log_level(
    Extension(who): Extension<Principal>,
    ApiJson(body): ApiJson<SetLogLevel>,
) -> ApiResult<Json<LogLevel>> {
    Ok(Json(change_log_level(&who.label(), &body.filter)?))
}

/// Changes the log filter for `by` (the routes' and the console's one path). Errors: as
/// [`set_log_level`].
pub fn change_log_level(by: &str, filter: &str) -> Result<LogLevel, Error> {
    crate::ops::parse_filter(filter)?;
    let control = log_control().ok_or_else(|| {
        Error::new(
            ErrorCode::Conflict,
            "this process's log subscriber was not installed by guildhall (a host spawned inside another program): its filter cannot be changed here",
        )
    })?;
    let previous = control.set(filter)?;
    let now = control.filter();
    tracing::warn!(by, from = %previous, to = %now, "log filter changed");
    Ok(LogLevel {
        filter: Some(now),
        reloadable: true,
        previous: Some(previous),
    })
}

/// Drains the host and stops it ([`crate::ops`]): new requests answered `503
/// UNAVAILABLE` (`details.reason = "draining"`, `Retry-After`), `/readyz` 503, open
/// event streams told (`server_draining`) and closed, requests in flight finished within
/// the grace, jobs stopped and leases released; `guildhall serve` then exits 0. A second
/// call answers the drain under way. Errors: `INVALID_ARGUMENT` (`grace_secs` over 3600).
#[utoipa::path(post, path = "/v1/admin/drain", tag = "operations", request_body(content = Option<DrainRequest>),
    responses((status = 202, body = DrainStatus), (status = 400, body = Error),
        (status = 401, body = Error), (status = 403, body = Error)))]
pub async fn drain(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    OptionalJson(body): OptionalJson<DrainRequest>,
) -> ApiResult<(StatusCode, Json<DrainStatus>)> {
    let status = begin_drain(&s, &who.label(), body.grace_secs)?;
    Ok((StatusCode::ACCEPTED, Json(status)))
}

/// Begins the drain for `by` with `grace_secs` or else the host's default grace (the
/// routes' and the console's one path). Errors: `INVALID_ARGUMENT` (`grace_secs` over
/// 3600).
pub fn begin_drain(s: &AppState, by: &str, grace_secs: Option<u64>) -> Result<DrainStatus, Error> {
    let grace = match grace_secs {
        Some(g) if g > MAX_DRAIN_GRACE_SECS => {
            return Err(Error::invalid(
                "grace_secs",
                format!("grace_secs is 0 to {MAX_DRAIN_GRACE_SECS}"),
            ))
        }
        Some(g) => Duration::from_secs(g),
        None => s.drain.default_grace(),
    };
    let (d, began): (Draining, bool) = s.drain.begin(grace, by);
    Ok(DrainStatus {
        draining: true,
        began,
        since: d.since,
        grace_secs: d.grace_secs,
        by: d.by,
        // Less the request asking (counted like any other).
        in_flight: s.drain.in_flight().saturating_sub(1),
    })
}
