//! Run-time operations of a host: the log filter changed while it serves, and the
//! graceful drain that takes it out of service.
//!
//! **Log level.** [`crate::init_tracing`] installs the process's log subscriber with its
//! `EnvFilter` behind a reload handle, kept in a process-wide [`LogControl`]
//! ([`log_control`]). `GET/PUT /v1/admin/log-level` ([`crate::routes::ops`]), `guildhall
//! admin log-level` and the console's Operations page read and replace the filter (an
//! `EnvFilter` directive such as `guildhall_core=debug,info`); a directive that does not
//! parse is refused with `INVALID_ARGUMENT` and changes nothing. The filter belongs to the
//! process, not to one host: a host started with [`crate::spawn`] inside a program that
//! installed its own subscriber (or none) has no handle, so reading answers
//! `reloadable: false` and changing answers `409 CONFLICT`.
//!
//! **Drain.** [`Drain`] is the one path by which a host stops, whether asked by `POST
//! /v1/admin/drain`, `guildhall admin drain`, the console, SIGTERM/Ctrl-C or
//! [`crate::ServerHandle::shutdown`]:
//!
//! 1. the host turns *draining*: every new request but `/healthz`, `/readyz`, `/metrics`
//!    and the operations routes is answered `503 UNAVAILABLE` with `details.reason =
//!    "draining"` and `Retry-After: 1` ([`refuse_while_draining`]); `/readyz` answers
//!    `503` so a load balancer takes the host out; `/healthz` still answers `200`;
//! 2. open event streams are told and closed: an SSE stream gets a final
//!    `server_draining` event (with `retry:` [`RECONNECT_AFTER_MS`]) and ends; a WebSocket
//!    gets `{"type":"server_draining","reconnect_after_ms":1000}` and a close frame
//!    `1012` (service restart); clients reconnect (to another host) with their last id and
//!    miss nothing;
//! 3. requests already in flight finish ([`Drain::idle`] counts them);
//! 4. the listener closes, the background jobs stop (a run in progress finishes) and the
//!    coordinator leases this host held are released, so another host takes the jobs over
//!    at once;
//! 5. `guildhall serve` exits with status 0.
//!
//! Steps 2 to 5 are [`crate::serve`]'s and [`crate::spawn`]'s. A router served by the
//! embedder ([`crate::router`], [`crate::app`]) gets step 1 only: stopping is the
//! embedder's, who can await [`Drain::started`] on [`crate::AppState::drain`].
//!
//! The grace (`grace_secs` of the request, else `serve --drain-grace-secs`, default
//! [`DEFAULT_DRAIN_GRACE`]) bounds steps 3 and 4: a request still running when it ends
//! is cut (answered `503 UNAVAILABLE`, its handler dropped), connections still open a
//! moment later are dropped, and the host stops anyway.

use crate::error::AppError;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use guildhall_core::{Error, ErrorCode};
use serde::Serialize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tracing_subscriber::{reload, EnvFilter, Registry};
use utoipa::ToSchema;

/// Grace of a drain when neither the request nor `serve --drain-grace-secs` names one.
pub const DEFAULT_DRAIN_GRACE: Duration = Duration::from_secs(30);
/// Longest grace a drain request may ask for, seconds (one hour).
pub const MAX_DRAIN_GRACE_SECS: u64 = 3600;
/// The reconnect hint given to open streams and refused requests, milliseconds: the
/// SSE `retry:` field, the WebSocket notice's `reconnect_after_ms`, `Retry-After` (1 s).
pub const RECONNECT_AFTER_MS: u64 = 1000;
/// The event kind (SSE `event:`) and WebSocket message type telling a stream the host drains.
pub const DRAINING_EVENT: &str = "server_draining";
/// The WebSocket close code sent when the host drains (RFC 6455 registry: 1012, service
/// restart: reconnect, possibly elsewhere).
pub const DRAIN_CLOSE_CODE: u16 = 1012;

// ----- Log level -----

/// The reload handle of the process's log filter (see the module docs).
pub struct LogControl {
    handle: reload::Handle<EnvFilter, Registry>,
    current: Mutex<String>,
}

impl std::fmt::Debug for LogControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogControl")
            .field("filter", &self.filter())
            .finish()
    }
}

static LOG_CONTROL: OnceLock<LogControl> = OnceLock::new();

/// The process's log control, when [`crate::init_tracing`] installed the subscriber.
pub fn log_control() -> Option<&'static LogControl> {
    LOG_CONTROL.get()
}

/// Makes `control` the process's log control (once; later calls change nothing and
/// answer `false`).
pub fn set_log_control(control: LogControl) -> bool {
    LOG_CONTROL.set(control).is_ok()
}

/// Parses an `EnvFilter` directive list (`info`, `guildhall_core=debug,info`, ...).
/// Errors: `INVALID_ARGUMENT` (`details.field = "filter"`) for an empty or malformed one.
pub fn parse_filter(filter: &str) -> Result<EnvFilter, Error> {
    let filter = filter.trim();
    if filter.is_empty() {
        return Err(Error::invalid(
            "filter",
            "the filter is empty; e.g. `info` or `guildhall_core=debug,info`",
        ));
    }
    EnvFilter::builder()
        .with_regex(false)
        .parse(filter)
        .map_err(|e| Error::invalid("filter", format!("not a log filter directive: {e}")))
}

impl LogControl {
    /// A control over `handle`, whose filter was built from `filter`.
    pub fn new(handle: reload::Handle<EnvFilter, Registry>, filter: &str) -> Self {
        LogControl {
            handle,
            current: Mutex::new(filter.trim().to_string()),
        }
    }

    /// The filter in force, as last set.
    pub fn filter(&self) -> String {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the filter and answers the one it replaced. Errors: `INVALID_ARGUMENT`
    /// (nothing changes), `UNAVAILABLE` (the subscriber is gone).
    pub fn set(&self, filter: &str) -> Result<String, Error> {
        let parsed = parse_filter(filter)?;
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        self.handle.reload(parsed).map_err(|e| {
            Error::new(
                ErrorCode::Unavailable,
                format!("the log filter cannot be changed: {e}"),
            )
        })?;
        Ok(std::mem::replace(&mut *current, filter.trim().to_string()))
    }
}

// ----- Drain -----

/// A drain in progress.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Draining {
    /// When it began.
    pub since: DateTime<Utc>,
    /// Its grace, seconds: work still running after `since + grace_secs` is cut.
    pub grace_secs: u64,
    /// Who asked: `key:<name>`, `console:<key name>`, or `shutdown` (a signal, or
    /// [`crate::ServerHandle::shutdown`]).
    pub by: String,
}

/// The drain state of one host (see the module docs): whether it drains, and how many
/// requests are in flight.
#[derive(Debug)]
pub struct Drain {
    state: watch::Sender<Option<Draining>>,
    in_flight: AtomicUsize,
    idle: Notify,
    default_grace: Duration,
    /// Turns `true` when the grace is over: requests still running are cut.
    cut: watch::Sender<bool>,
}

impl Default for Drain {
    fn default() -> Self {
        Drain::new(DEFAULT_DRAIN_GRACE)
    }
}

/// Counts one request in flight while it lives.
#[derive(Debug)]
pub struct InFlight<'a>(&'a Drain);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl Drain {
    /// Not draining; a drain that names no grace gets `default_grace`.
    pub fn new(default_grace: Duration) -> Self {
        Drain {
            state: watch::channel(None).0,
            in_flight: AtomicUsize::new(0),
            idle: Notify::new(),
            default_grace,
            cut: watch::channel(false).0,
        }
    }

    /// Cuts the requests still in flight: each is answered `503 UNAVAILABLE` at once
    /// (its handler dropped). Called when a drain's grace is over.
    pub fn cut(&self) {
        self.cut.send_replace(true);
    }

    /// Resolves when [`Drain::cut`] is called.
    async fn cut_signal(&self) {
        let mut rx = self.cut.subscribe();
        let _ = rx.wait_for(|c| *c).await;
    }

    /// The grace of a drain that names none.
    pub fn default_grace(&self) -> Duration {
        self.default_grace
    }

    /// Begins draining with `grace`, asked by `by`; answers the drain in force and whether
    /// this call began it (a second call keeps the first drain and its grace).
    pub fn begin(&self, grace: Duration, by: &str) -> (Draining, bool) {
        let mut began = false;
        self.state.send_if_modified(|s| {
            if s.is_none() {
                *s = Some(Draining {
                    since: Utc::now(),
                    grace_secs: grace.as_secs(),
                    by: by.to_string(),
                });
                began = true;
            }
            began
        });
        let d = self.draining().expect("draining after begin");
        if began {
            tracing::warn!(by = %d.by, grace_secs = d.grace_secs, in_flight = self.in_flight(), "draining: new requests are refused, open streams are closed, requests in flight finish, then the host stops");
        }
        (d, began)
    }

    /// The drain in progress, if any.
    pub fn draining(&self) -> Option<Draining> {
        self.state.borrow().clone()
    }

    /// Whether the host drains.
    pub fn is_draining(&self) -> bool {
        self.state.borrow().is_some()
    }

    /// Resolves when a drain begins.
    pub async fn started(&self) -> Draining {
        let mut rx = self.state.subscribe();
        let d = rx
            .wait_for(Option::is_some)
            .await
            .expect("the sender lives in self");
        d.clone().expect("some")
    }

    /// Requests in flight now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// Counts a request until the guard drops.
    pub fn enter(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(self)
    }

    /// Resolves when no request is in flight.
    pub async fn idle(&self) {
        loop {
            let notified = self.idle.notified();
            if self.in_flight() == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// Paths that keep answering while the host drains: health (`/readyz` then answers 503
/// itself), metrics, the operations routes and the console's Operations page (with its
/// stylesheet and script), so an operator can watch the drain.
pub fn serves_while_draining(path: &str) -> bool {
    matches!(
        path,
        "/healthz" | "/readyz" | "/metrics" | "/v1/admin/drain" | "/v1/admin/log-level"
    ) || path == "/console/ops"
        || path.starts_with("/console/ops/")
        || path.starts_with("/console/static/")
}

/// The refusal of a request to a draining host: `503 UNAVAILABLE`, `details.reason =
/// "draining"`, `Retry-After: 1`.
pub fn draining_refusal() -> Response {
    let retry_after_seconds = RECONNECT_AFTER_MS.div_ceil(1000);
    let mut res = AppError::from(
        Error::new(
            ErrorCode::Unavailable,
            "this host is draining and takes no new requests; retry on another host",
        )
        .with_details(serde_json::json!({
            "reason": "draining",
            "retry_after_seconds": retry_after_seconds,
        })),
    )
    .into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
    res
}

/// Middleware over every route: refuses new requests while the host drains
/// ([`draining_refusal`], but [`serves_while_draining`] paths), counts the requests in
/// flight so a drain can wait for them, and cuts those still running when the grace is
/// over (answered with the same refusal; their handlers are dropped).
pub async fn refuse_while_draining(
    State(s): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let drain = s.drain.clone();
    if drain.is_draining() && !serves_while_draining(req.uri().path()) {
        return draining_refusal();
    }
    let _counted = drain.enter();
    tokio::select! {
        res = next.run(req) => res,
        _ = drain.cut_signal() => {
            tracing::warn!("request cut: the drain's grace is over");
            let mut res = draining_refusal();
            res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            res
        }
    }
}

/// The SSE `event:`/WebSocket notice body sent to open streams when the host drains.
pub fn draining_notice() -> serde_json::Value {
    serde_json::json!({
        "type": DRAINING_EVENT,
        "reason": "draining",
        "reconnect_after_ms": RECONNECT_AFTER_MS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_or_are_refused_with_the_field() {
        assert!(parse_filter("info").is_ok());
        assert!(parse_filter("guildhall_core=debug,tower_http=warn,info").is_ok());
        for bad in ["", "  ", "guildhall_core=loud", "info,=,"] {
            let e = parse_filter(bad).expect_err(bad);
            assert_eq!(e.code, ErrorCode::InvalidArgument, "{bad}");
            assert_eq!(e.details["field"], "filter", "{bad}");
        }
    }

    #[test]
    fn a_second_drain_keeps_the_first() {
        let d = Drain::default();
        assert!(d.draining().is_none());
        let (first, began) = d.begin(Duration::from_secs(5), "key:ops");
        assert!(began);
        let (second, began) = d.begin(Duration::from_secs(99), "signal");
        assert!(!began);
        assert_eq!(second.grace_secs, 5);
        assert_eq!(second.by, first.by);
    }

    #[tokio::test]
    async fn idle_waits_for_requests_in_flight() {
        let d = std::sync::Arc::new(Drain::default());
        d.idle().await;
        let held = d.clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _g = held.enter();
            let _ = rx.await;
        });
        while d.in_flight() == 0 {
            tokio::task::yield_now().await;
        }
        let waiting = tokio::spawn({
            let d = d.clone();
            async move { d.idle().await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "a request is still in flight");
        tx.send(()).unwrap();
        task.await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("idle after the last request")
            .unwrap();
    }

    #[test]
    fn operations_and_health_serve_while_draining() {
        assert!(serves_while_draining("/healthz"));
        assert!(serves_while_draining("/v1/admin/drain"));
        assert!(!serves_while_draining("/v1/players/p1/wallet"));
        assert!(serves_while_draining("/console/ops"));
        assert!(!serves_while_draining("/console/players"));
    }
}
