//! # guildhall-host
//!
//! guildhall's HTTP host: a REST API under `/v1` for every core operation, the seed 002
//! compatibility routes under `/api/v1`, `GET /openapi.json`, `/healthz` and `/readyz`,
//! and the `guildhall` command line (`serve`, `migrate`, `verify-ledger`).
//!
//! * [`config`]: the TOML file, environment and flags, merged into [`Settings`].
//! * [`router`]: the axum [`axum::Router`] over a [`guildhall_core::Guildhall`].
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
//! Until authentication exists the host only listens on loopback addresses.

pub mod api;
pub mod cli;
pub mod compat;
pub mod config;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod server;
pub mod worker;

pub use config::Settings;
pub use error::AppError;
pub use server::{open_backend, router, serve, shutdown_signal, spawn, ServerHandle, StartError};

use guildhall_core::economy::LedgerReport;
use guildhall_core::Guildhall;
use std::fmt::Write as _;

/// What every handler shares: the core (cheap to clone) and the workers that run its
/// mutating calls (see [`worker`]).
#[derive(Clone)]
pub struct AppState {
    /// The core.
    pub gh: Guildhall,
    /// Runs core calls whose futures are not `Send`.
    pub workers: std::sync::Arc<worker::Workers>,
}

impl AppState {
    /// State over `gh` with one worker per available CPU (at least 2).
    pub fn new(gh: Guildhall) -> Self {
        let n = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .max(2);
        AppState {
            gh,
            workers: std::sync::Arc::new(worker::Workers::new(n)),
        }
    }

    /// Runs `call(core)` on a worker and returns its result. Errors: `UNAVAILABLE` when
    /// the workers have stopped.
    pub async fn run<F, Fut, R>(&self, call: F) -> Result<R, AppError>
    where
        F: FnOnce(Guildhall) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = guildhall_core::Result<R>> + 'static,
        R: Send + 'static,
    {
        let gh = self.gh.clone();
        Ok(self.workers.run(move || call(gh)).await??)
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
