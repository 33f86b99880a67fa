//! Prometheus metrics of the host: the process-wide recorder, the request metrics
//! middleware and `GET /metrics`.
//!
//! The core records its domain figures through the `metrics` facade
//! ([`guildhall_core::telemetry`]); this module installs the Prometheus recorder once per
//! process ([`install`], called by [`crate::app`]; later calls, and every server spawned
//! in one process, share it) and renders it in the Prometheus text format.
//!
//! Figures added here, besides the core's:
//! * [`HTTP_REQUESTS`] (counter) and [`HTTP_DURATION`] (histogram, seconds), labelled by
//!   the matched route template (`/v1/players/{player}/wallet`; `unmatched` for unknown
//!   paths, so a scan cannot make new series), `method` and `status`; the counter also
//!   carries `code` (`INSUFFICIENT_FUNDS`, ...) on error answers.
//! * Gauges sampled at each scrape from the core: [`PLAYERS_ONLINE`] and
//!   [`TICKETS_WAITING`] per queue. With many hosts every host reports the same
//!   deployment-wide value: aggregate them with `max`, not `sum`.
//! * [`BUILD_INFO`], always 1, labelled with the version.

use crate::error::ErrorCodeTag;
use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Counter, labels `route`, `method`, `status` and (on errors) `code`: requests answered.
pub const HTTP_REQUESTS: &str = "guildhall_http_requests_total";
/// Histogram, labels `route`, `method`, `status`: seconds from the request reaching the
/// router to its response headers (an event stream's lifetime is not included).
pub const HTTP_DURATION: &str = "guildhall_http_request_duration_seconds";
/// Gauge: players with a live session (sampled at scrape time).
pub const PLAYERS_ONLINE: &str = "guildhall_players_online";
/// Gauge, label `queue`: matchmaking tickets waiting (sampled at scrape time).
pub const TICKETS_WAITING: &str = "guildhall_matchmaking_tickets_waiting";
/// Gauge, label `version`: always 1.
pub const BUILD_INFO: &str = "guildhall_build_info";

/// How long a scrape waits for the gauges' reads before answering without fresh values.
pub const SAMPLE_BUDGET: Duration = Duration::from_secs(2);

/// Buckets of every `_seconds` histogram: 1 ms to 10 s.
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Buckets of the match wait: 1 s to 10 min.
const WAIT_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0];
/// Buckets of the rating spread of a match, in rating points.
const SPREAD_BUCKETS: &[f64] = &[10.0, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs guildhall's Prometheus recorder as this process's `metrics` recorder (once;
/// later calls return the same handle) and turns the core's recording on. `None` when
/// another recorder was installed first (an embedding application's own): then
/// `GET /metrics` answers 503 and the figures go to that recorder.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let built = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(guildhall_core::telemetry::MATCH_WAIT.into()),
                    WAIT_BUCKETS,
                )
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full(guildhall_core::telemetry::MATCH_RATING_SPREAD.into()),
                        SPREAD_BUCKETS,
                    )
                })
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
                })
                .and_then(|b| b.install_recorder());
            match built {
                Ok(handle) => {
                    guildhall_core::telemetry::enable();
                    guildhall_core::telemetry::describe();
                    describe();
                    Some(handle)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "Prometheus recorder not installed; GET /metrics is unavailable");
                    // Another recorder receives the figures.
                    guildhall_core::telemetry::enable();
                    None
                }
            }
        })
        .as_ref()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by route template, method, status and error code"
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "HTTP request latency to the response headers"
    );
    describe_gauge!(PLAYERS_ONLINE, "Players with a live session");
    describe_gauge!(TICKETS_WAITING, "Matchmaking tickets waiting, by queue");
    describe_gauge!(
        BUILD_INFO,
        "Always 1; the label names the guildhall version"
    );
    metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
}

/// Middleware counting and timing every request (see [`HTTP_REQUESTS`]).
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().as_str().to_string();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    let elapsed = started.elapsed().as_secs_f64();
    metrics::histogram!(HTTP_DURATION, "route" => route.clone(), "method" => method.clone(), "status" => status.clone())
        .record(elapsed);
    match res.extensions().get::<ErrorCodeTag>() {
        Some(ErrorCodeTag(code)) => metrics::counter!(HTTP_REQUESTS, "route" => route, "method" => method, "status" => status, "code" => code.as_str()).increment(1),
        None => metrics::counter!(HTTP_REQUESTS, "route" => route, "method" => method, "status" => status).increment(1),
    }
    res
}

/// Sets the gauges from the core (within [`SAMPLE_BUDGET`]; a failed or slow read keeps
/// the previous value and logs a warning).
pub async fn sample_gauges(gh: &guildhall_core::Guildhall) {
    match tokio::time::timeout(SAMPLE_BUDGET, gh.online()).await {
        Ok(Ok(sessions)) => metrics::gauge!(PLAYERS_ONLINE).set(sessions.len() as f64),
        Ok(Err(e)) => tracing::warn!(error = %e, "cannot sample the players online"),
        Err(_) => tracing::warn!("sampling the players online took too long"),
    }
    match tokio::time::timeout(SAMPLE_BUDGET, gh.tickets_waiting()).await {
        Ok(Ok(counts)) => {
            for (queue, n) in counts {
                metrics::gauge!(TICKETS_WAITING, "queue" => queue).set(n as f64);
            }
        }
        Ok(Err(e)) => tracing::warn!(error = %e, "cannot sample the matchmaking pool"),
        Err(_) => tracing::warn!("sampling the matchmaking pool took too long"),
    }
}

/// `GET /metrics`: every figure in the Prometheus text exposition format (version
/// 0.0.4), the gauges sampled first. 503 `UNAVAILABLE` when another recorder owns the
/// process.
pub async fn metrics_text(State(state): State<AppState>) -> Response {
    let Some(handle) = install() else {
        return crate::AppError::from(guildhall_core::Error::unavailable(
            "metrics are recorded by another recorder in this process",
        ))
        .into_response();
    };
    sample_gauges(&state.gh).await;
    handle.run_upkeep();
    let mut res = (StatusCode::OK, handle.render()).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}
