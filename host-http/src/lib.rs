//! # guildhall-host
//!
//! guildhall's HTTP host: a REST API under `/v1` for every core operation (economy,
//! catalog, mail, announcements, presence, parties, matchmaking), a per-player
//! server-sent-events stream, the seed 002 compatibility routes under `/api/v1`,
//! `GET /openapi.json`, `/healthz`, `/readyz` and `GET /metrics` (Prometheus,
//! [`telemetry`]), background jobs (scheduled
//! announcements, the matchmaking tick, pruning), and the `guildhall` command line
//! (`serve`, `migrate`, `verify-ledger`, `backup`, `restore`, `admin`).
//!
//! * [`config`]: the TOML file, environment and flags, merged into [`Settings`].
//! * [`router`] / [`app`]: the axum [`axum::Router`] over a [`guildhall_core::Guildhall`],
//!   in route groups (player, admin, public) for a later authentication layer.
//! * [`console`]: the operator's console, HTML pages under `/console` (admin keys).
//! * [`sse`]: `GET /v1/players/{player}/events`, live delivery with resume.
//! * [`ws`]: `GET /v1/ws`, the WebSocket: topics, resume, heartbeats, chat posts.
//! * [`live`]: the live hub and the delivery rule both transports share.
//! * [`scheduler`]: the background jobs started by [`serve`] and [`spawn`].
//! * [`telemetry`]: the Prometheus recorder, request metrics and `GET /metrics`.
//! * [`routes`]: the REST handlers under `/v1`, a file per core module they serve.
//! * [`backup`]: `guildhall backup` and `guildhall restore`.
//! * [`ops`]: the log filter at run time and the graceful drain (`/v1/admin/log-level`,
//!   `/v1/admin/drain`, `guildhall admin`, SIGTERM).
//! * [`spawn`]: start a server inside this process (tests, examples, load benchmarks):
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let settings = guildhall_host::Settings::with_database("memory://", "127.0.0.1:0".parse()?);
//! let server = guildhall_host::spawn(settings).await?;
//! let url = format!("{}/v1/players/alice/wallet", server.url());
//! # let _ = url;
//! server.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! Errors answer `{code, message, details}` with the status of
//! [`guildhall_core::ErrorCode::http_status`] ([`error::AppError`]); malformed JSON, wrong
//! content types, bad path ids and bad query strings answer `400 INVALID_ARGUMENT`.
//! Every route has an access rule ([`auth::access_rule`]): player access tokens reach
//! their own player's routes, trusted servers' API keys what their scopes grant.

pub mod auth;
pub mod backup;
pub mod cli;
pub mod compat;
pub mod config;
pub mod console;
pub mod error;
pub mod extract;
pub mod live;
pub mod openapi;
pub mod ops;
pub mod progress;
pub mod routes;
pub mod scheduler;
pub mod server;
pub mod sse;
pub mod telemetry;
pub mod webhooks;
pub mod ws;

pub use config::Settings;
pub use error::AppError;
pub use server::{
    app, open_backend, router, serve, shutdown_signal, spawn, ServerHandle, StartError,
};

use guildhall_core::economy::LedgerReport;
use guildhall_core::Guildhall;
use std::fmt::Write as _;

/// What every handler shares: the core (cheap to clone), the SSE heartbeat interval and
/// the shutdown signal that ends open event streams.
#[derive(Clone)]
pub struct AppState {
    /// The core.
    pub gh: Guildhall,
    /// How often an idle event stream sends a heartbeat comment.
    pub sse_heartbeat: std::time::Duration,
    /// Turns `true` when the server shuts down; open event streams end then, so graceful
    /// shutdown does not wait for their clients.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// Authentication settings and the access-token issuer.
    pub auth: std::sync::Arc<auth::AuthState>,
    /// The live hub of this host's event streams, started by the first one ([`AppState::hub`]).
    pub live: std::sync::Arc<std::sync::OnceLock<live::Hub>>,
    /// Whether the host drains, and its requests in flight ([`ops::Drain`]).
    pub drain: std::sync::Arc<ops::Drain>,
}

impl AppState {
    /// State over `gh` with the settings' SSE heartbeat and no shutdown signal (event
    /// streams end only when their clients disconnect); see [`AppState::with_shutdown`].
    pub fn new(gh: Guildhall, settings: &Settings) -> Self {
        let (_never, shutdown) = tokio::sync::watch::channel(false);
        AppState {
            gh,
            sse_heartbeat: settings.schedule.sse_heartbeat,
            shutdown,
            auth: auth::AuthState::new(settings.auth.clone()),
            live: Default::default(),
            drain: std::sync::Arc::new(ops::Drain::new(settings.drain_grace)),
        }
    }

    /// The host's live hub ([`live::Hub`]), started on first use (inside the runtime).
    pub fn hub(&self) -> &live::Hub {
        self.live
            .get_or_init(|| live::Hub::start(&self.gh, self.shutdown.clone()))
    }

    /// The same state, with event streams ending when `shutdown` turns `true`.
    pub fn with_shutdown(mut self, shutdown: tokio::sync::watch::Receiver<bool>) -> Self {
        self.shutdown = shutdown;
        self
    }
}

/// A readable multi-line summary of a ledger audit, as `guildhall verify-ledger` prints it.
pub fn ledger_summary(report: &LedgerReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "ledger: {}",
        if report.ok { "OK" } else { "DIFFERENCES FOUND" }
    );
    let _ = writeln!(out, "balances checked: {}", report.accounts_checked);
    let _ = writeln!(out, "mismatched balances: {}", report.mismatches.len());
    for m in &report.mismatches {
        let _ = writeln!(
            out,
            "  {} {}: balance {} but ledger says {} (off by {})",
            m.account,
            m.currency,
            m.balance,
            m.ledger,
            i128::from(m.balance) - i128::from(m.ledger)
        );
    }
    let _ = writeln!(
        out,
        "currencies not summing to zero: {}",
        report.unbalanced_currencies.len()
    );
    for (currency, sum) in &report.unbalanced_currencies {
        let _ = writeln!(out, "  {currency}: sum over all accounts is {sum}");
    }
    out
}

/// How log lines are written (`GUILDHALL_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One human-readable line per event (the default; `text`).
    #[default]
    Text,
    /// One JSON object per line (`json`): the event's fields at the top level, the
    /// current span under `span` and every enclosing span under `spans`, so a line
    /// written while serving a request carries its `request_id`, `method` and `path`.
    Json,
    /// Multi-line human-readable records (`pretty`).
    Pretty,
}

impl LogFormat {
    /// Parses `json`, `pretty` or `text` (case-insensitive); anything else is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Some(LogFormat::Json),
            "pretty" => Some(LogFormat::Pretty),
            "text" => Some(LogFormat::Text),
            _ => None,
        }
    }

    /// The format `GUILDHALL_LOG_FORMAT` names; `Text` when unset or unknown.
    pub fn from_env() -> Self {
        std::env::var("GUILDHALL_LOG_FORMAT")
            .ok()
            .and_then(|s| Self::parse(&s))
            .unwrap_or_default()
    }
}

/// A log subscriber writing `format` lines through `writer`, filtered by `filter` (an
/// `EnvFilter` directive such as `info` or `guildhall_core=debug`; a bad one means
/// `info`). [`init_tracing`] installs it over stderr; tests can capture it.
pub fn log_subscriber<W>(
    format: LogFormat,
    filter: &str,
    writer: W,
    ansi: bool,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    reloadable_log_subscriber(format, filter, writer, ansi).0
}

/// [`log_subscriber`] with its filter behind a reload handle: the [`ops::LogControl`]
/// that changes it while the subscriber runs (`PUT /v1/admin/log-level`).
pub fn reloadable_log_subscriber<W>(
    format: LogFormat,
    filter: &str,
    writer: W,
    ansi: bool,
) -> (Box<dyn tracing::Subscriber + Send + Sync>, ops::LogControl)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::{Layered, SubscriberExt};
    use tracing_subscriber::{fmt, reload, EnvFilter, Layer, Registry};
    type Base = Layered<reload::Layer<EnvFilter, Registry>, Registry>;
    let (filter, text) = match ops::parse_filter(filter) {
        Ok(f) => (f, filter.trim()),
        Err(_) => (EnvFilter::new("info"), "info"),
    };
    let (filter_layer, handle) = reload::Layer::new(filter);
    let lines: Box<dyn Layer<Base> + Send + Sync> = match format {
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(true)
            .with_writer(writer)
            .with_ansi(ansi)
            .boxed(),
        LogFormat::Pretty => fmt::layer()
            .pretty()
            .with_writer(writer)
            .with_ansi(ansi)
            .boxed(),
        LogFormat::Text => fmt::layer().with_writer(writer).with_ansi(ansi).boxed(),
    };
    let subscriber = Registry::default().with(filter_layer).with(lines);
    (Box::new(subscriber), ops::LogControl::new(handle, text))
}

/// Installs the log subscriber: lines on stderr, filtered by `GUILDHALL_LOG`, else
/// `RUST_LOG`, else `info`, in the [`LogFormat`] `GUILDHALL_LOG_FORMAT` names (`json`,
/// `pretty`, default `text`). Lines written while serving a request carry its
/// `request_id`. The filter can be changed later ([`ops::log_control`]). Does nothing
/// when a subscriber is already set.
pub fn init_tracing() {
    use std::io::IsTerminal;
    let filter = std::env::var("GUILDHALL_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .unwrap_or_else(|| "info".into());
    let format = LogFormat::from_env();
    let ansi = format != LogFormat::Json && std::io::stderr().is_terminal();
    let (subscriber, control) = reloadable_log_subscriber(format, &filter, std::io::stderr, ansi);
    if tracing::subscriber::set_global_default(subscriber).is_ok() {
        ops::set_log_control(control);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn json_lines_carry_the_request_span() {
        let buf = Buf::default();
        let out = buf.clone();
        let sub = log_subscriber(LogFormat::Json, "info", move || out.clone(), false);
        tracing::subscriber::with_default(sub, || {
            let span = tracing::info_span!(
                "request",
                method = "POST",
                path = "/v1/x",
                request_id = "rid-42"
            );
            let _in = span.enter();
            tracing::info!(code = "INSUFFICIENT_FUNDS", "request refused");
        });
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(line["code"], "INSUFFICIENT_FUNDS");
        assert_eq!(line["message"], "request refused");
        assert_eq!(line["span"]["request_id"], "rid-42");
        assert_eq!(line["spans"][0]["path"], "/v1/x");
    }

    #[test]
    fn the_filter_changes_while_the_subscriber_runs() {
        let buf = Buf::default();
        let out = buf.clone();
        let (sub, control) =
            reloadable_log_subscriber(LogFormat::Text, "info", move || out.clone(), false);
        tracing::subscriber::with_default(sub, || {
            tracing::debug!("hidden before");
            assert_eq!(control.set("debug").unwrap(), "info");
            tracing::debug!("shown after");
            let e = control.set("debug,x=loud").expect_err("bad directive");
            assert_eq!(e.code, guildhall_core::ErrorCode::InvalidArgument);
            assert_eq!(control.filter(), "debug");
            tracing::debug!("still shown");
        });
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(!text.contains("hidden before"), "{text}");
        assert!(text.contains("shown after"), "{text}");
        assert!(text.contains("still shown"), "{text}");
    }

    #[test]
    fn formats_parse() {
        assert_eq!(LogFormat::parse("JSON"), Some(LogFormat::Json));
        assert_eq!(LogFormat::parse("text"), Some(LogFormat::Text));
        assert_eq!(LogFormat::parse("xml"), None);
    }
}
