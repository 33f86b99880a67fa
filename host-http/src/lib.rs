//! # guildhall-host
//!
//! guildhall's HTTP host: a REST API under `/v1` for every core operation (economy,
//! catalog, mail, announcements, presence, parties, matchmaking), a per-player
//! server-sent-events stream, the seed 002 compatibility routes under `/api/v1`,
//! `GET /openapi.json`, `/healthz` and `/readyz`, background jobs (scheduled
//! announcements, the matchmaking tick, pruning), and the `guildhall` command line
//! (`serve`, `migrate`, `verify-ledger`).
//!
//! * [`config`]: the TOML file, environment and flags, merged into [`Settings`].
//! * [`router`] / [`app`]: the axum [`axum::Router`] over a [`guildhall_core::Guildhall`],
//!   in route groups (player, admin, public) for a later authentication layer.
//! * [`sse`]: `GET /v1/players/{player}/events`, live delivery with resume.
//! * [`scheduler`]: the background jobs started by [`serve`] and [`spawn`].
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

pub mod accounts;
pub mod api;
pub mod auth;
pub mod cli;
pub mod compat;
pub mod config;
pub mod error;
pub mod extract;
pub mod matchmaking;
pub mod messaging;
pub mod openapi;
pub mod party;
pub mod presence;
pub mod scheduler;
pub mod server;
pub mod sse;

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
        }
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

/// Installs the log subscriber: human-readable lines on stderr, filtered by
/// `GUILDHALL_LOG`, else `RUST_LOG`, else `info`. `GUILDHALL_LOG_FORMAT=json` writes JSON
/// lines, `pretty` multi-line records. Does nothing when a subscriber is already set.
pub fn init_tracing() {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = std::env::var("GUILDHALL_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match std::env::var("GUILDHALL_LOG_FORMAT").as_deref() {
        Ok("json") => builder.json().try_init(),
        Ok("pretty") => builder.pretty().try_init(),
        _ => builder.try_init(),
    };
}
