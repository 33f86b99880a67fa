//! The `guildhall` command line: `serve`, `migrate`, `verify-ledger`, `keys`, `backup`,
//! `restore` (the last two in [`crate::backup`]), and `admin` (operations on a running
//! host over its HTTP API: `log-level`, `drain`).
//!
//! Exit codes: 0 success; 1 `verify-ledger` found differences; 2 the command could not
//! run (bad configuration, database unreachable, address refused, a host that refused
//! the operation: its code is printed).

use crate::config::{redact_url, Overrides, Settings};
use crate::progress::Progress;
use crate::server::{serve, shutdown_signal, StartError};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// guildhall: an embeddable game backend, served over HTTP.
#[derive(Debug, Parser)]
#[command(name = "guildhall", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API. Needs GUILDHALL_JWT_SECRET (or `[auth] jwt_secret`) unless --dev.
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate(DbArgs),
    /// Recompute every balance from the ledger and report differences (exit 1 if any).
    VerifyLedger(DbArgs),
    /// Copy a SQLite database to a new file while hosts keep serving it (online backup).
    Backup(crate::backup::BackupArgs),
    /// Put a SQLite backup in place after checking it opens and its ledger is sound.
    Restore(crate::backup::RestoreArgs),
    /// Manage trusted servers' API keys (create, list, revoke).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Operate a running host over its HTTP API (an API key with the admin scope).
    #[command(subcommand)]
    Admin(AdminCommand),
}

/// `guildhall admin ...`.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Print the host's log filter, or replace it, e.g. `guildhall admin log-level
    /// 'guildhall_core=debug,info'` (EnvFilter directives; a bad one changes nothing).
    LogLevel {
        /// The host and key.
        #[command(flatten)]
        host: HostArgs,
        /// The new filter; none: print the current one.
        filter: Option<String>,
    },
    /// Drain the host: it refuses new requests, tells and closes open event streams,
    /// lets requests in flight finish (at most the grace), stops its jobs, then stops
    /// (`guildhall serve` exits 0).
    Drain {
        /// The host and key.
        #[command(flatten)]
        host: HostArgs,
        /// Seconds requests in flight get before they are cut (default: the host's).
        #[arg(long, value_name = "SECS")]
        grace_secs: Option<u64>,
    },
}

/// Which host `guildhall admin` talks to, and with which key.
#[derive(Debug, Clone, Args)]
pub struct HostArgs {
    /// The host's base URL, e.g. http://127.0.0.1:8080
    #[arg(
        long,
        value_name = "URL",
        env = "GUILDHALL_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub url: String,
    /// An API key with the admin scope
    #[arg(
        long,
        value_name = "KEY",
        env = "GUILDHALL_API_KEY",
        hide_env_values = true
    )]
    pub api_key: String,
}

/// `guildhall keys ...`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key and print it once (only its SHA-256 is stored).
    Create {
        /// Database to use.
        #[command(flatten)]
        db: DbArgs,
        /// A name for the server holding it, e.g. altv-server, discord-bot.
        #[arg(long)]
        name: String,
        /// A scope (repeat): admin, economy:read, economy:write, mail, mail:admin,
        /// presence, party, matchmaking, events, accounts, metrics.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
    },
    /// List keys (never their secrets).
    List {
        /// Database to use.
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke a key at once.
    Revoke {
        /// Database to use.
        #[command(flatten)]
        db: DbArgs,
        /// The key id (the part after `ghk_`, before the next `_`).
        id: String,
    },
}

/// Flags of `serve`.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// Config file (TOML) [env: GUILDHALL_CONFIG]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Listen address, e.g. 127.0.0.1:8080 [env: GUILDHALL_LISTEN]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Database URL, e.g. sqlite://guildhall.db or postgres://... [env: GUILDHALL_DATABASE_URL]
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// Redis URL shared by every host, e.g. redis://127.0.0.1:6379 [env: GUILDHALL_REDIS_URL]
    #[arg(long, value_name = "URL")]
    pub redis: Option<String>,
    /// Development mode: without a configured secret, sign access tokens with a random
    /// one of this start [env: GUILDHALL_DEV=1]
    #[arg(long)]
    pub dev: bool,
    /// Seconds a drain (SIGTERM, Ctrl-C, `guildhall admin drain` without --grace-secs)
    /// gives requests in flight and background jobs before cutting them (default 30)
    #[arg(long, value_name = "SECS", env = "GUILDHALL_DRAIN_GRACE_SECS")]
    pub drain_grace_secs: Option<u64>,
}

/// Flags of `migrate` and `verify-ledger`.
#[derive(Debug, Clone, Default, Args)]
pub struct DbArgs {
    /// Config file (TOML) [env: GUILDHALL_CONFIG]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL [env: GUILDHALL_DATABASE_URL]
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

impl From<ServeArgs> for Overrides {
    fn from(a: ServeArgs) -> Self {
        Overrides {
            config: a.config,
            listen: a.listen,
            database: a.database,
            redis: a.redis,
            redis_prefix: None,
            jwt_secret: None,
            dev: a.dev,
        }
    }
}
impl From<DbArgs> for Overrides {
    fn from(a: DbArgs) -> Self {
        Overrides {
            config: a.config,
            listen: None,
            database: a.database,
            redis: None,
            redis_prefix: None,
            jwt_secret: None,
            // Commands other than `serve` sign no tokens.
            dev: true,
        }
    }
}

pub(crate) fn fail(e: impl std::fmt::Display) -> ExitCode {
    tracing::error!("{e}");
    eprintln!("guildhall: error: {e}");
    ExitCode::from(2)
}

/// Runs a parsed command line to completion and returns the process exit code.
pub async fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Serve(args) => {
            let grace = args.drain_grace_secs;
            let mut settings = match Settings::load(args.into()) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            if let Some(g) = grace {
                settings.drain_grace = std::time::Duration::from_secs(g);
            }
            match serve(settings, shutdown_signal()).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(e),
            }
        }
        Command::Migrate(args) => {
            let settings = match Settings::load(args.into()) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            let progress = Progress::spinner(
                Progress::stderr(),
                format!("migrating {}", redact_url(&settings.database)),
            );
            let opened = guildhall_adapters::open_store(&settings.database).await;
            progress.finish();
            match opened {
                Ok(_) => {
                    println!("database {} is migrated", redact_url(&settings.database));
                    ExitCode::SUCCESS
                }
                Err(e) => fail(StartError::Core(e)),
            }
        }
        Command::Keys(cmd) => keys(cmd).await,
        Command::Admin(cmd) => admin(cmd).await,
        Command::Backup(args) => crate::backup::backup(args).await,
        Command::Restore(args) => crate::backup::restore(args).await,
        Command::VerifyLedger(args) => {
            let settings = match Settings::load(args.into()) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            let gh = match settings
                .backend()
                .no_redis()
                .catalog(Vec::new())
                .open()
                .await
            {
                Ok(gh) => gh,
                Err(e) => return fail(StartError::Core(e)),
            };
            let progress = Progress::spinner(
                Progress::stderr(),
                "reading every balance and ledger sum from one snapshot",
            );
            let report = gh.verify_ledger().await;
            progress.finish();
            match report {
                Ok(report) => {
                    print!("{}", crate::ledger_summary(&report));
                    if report.ok {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    }
                }
                Err(e) => fail(StartError::Core(e)),
            }
        }
    }
}

async fn keys(cmd: KeysCommand) -> ExitCode {
    let db = match &cmd {
        KeysCommand::Create { db, .. }
        | KeysCommand::List { db }
        | KeysCommand::Revoke { db, .. } => db.clone(),
    };
    let settings = match Settings::load(db.into()) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let gh = match settings
        .backend()
        .no_redis()
        .catalog(Vec::new())
        .open()
        .await
    {
        Ok(gh) => gh,
        Err(e) => return fail(StartError::Core(e)),
    };
    match cmd {
        KeysCommand::Create { name, scopes, .. } => match gh.create_api_key(&name, &scopes).await {
            Ok(k) => {
                eprintln!(
                    "created API key {} ('{}') with scopes {}; store it now, it is not shown again:",
                    k.info.id,
                    k.info.name,
                    k.info.scopes.join(", ")
                );
                println!("{}", k.key);
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        KeysCommand::List { .. } => match gh.api_keys().await {
            Ok(keys) => {
                println!("{:<14} {:<24} {:<10} scopes", "id", "name", "state");
                for k in &keys {
                    let state = if k.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    };
                    println!(
                        "{:<14} {:<24} {:<10} {}",
                        k.id,
                        k.name,
                        state,
                        k.scopes.join(",")
                    );
                }
                println!("{} key(s)", keys.len());
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        KeysCommand::Revoke { id, .. } => match gh.revoke_api_key(&id).await {
            Ok(k) => {
                println!("revoked API key {} ('{}')", k.id, k.name);
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
    }
}

/// Sends one admin request and reads its JSON answer; an error answer becomes
/// `STATUS CODE: message` (the host's stable code).
async fn call(
    host: &HostArgs,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<serde_json::Value, String> {
    let base = host.url.trim_end_matches('/');
    let url = format!("{base}{path}");
    let mut req = reqwest::Client::new()
        .request(method, &url)
        .bearer_auth(host.api_key.trim())
        .timeout(std::time::Duration::from_secs(30));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = res.status();
    let text = res.text().await.map_err(|e| format!("{url}: {e}"))?;
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    if status.is_success() {
        return Ok(json);
    }
    match (json["code"].as_str(), json["message"].as_str()) {
        (Some(code), Some(message)) => Err(format!("{url}: {} {code}: {message}", status.as_u16())),
        _ => Err(format!("{url}: {status}: {text}")),
    }
}

async fn admin(cmd: AdminCommand) -> ExitCode {
    match cmd {
        AdminCommand::LogLevel { host, filter } => {
            let answer = match &filter {
                None => call(&host, reqwest::Method::GET, "/v1/admin/log-level", None).await,
                Some(f) => {
                    let body = serde_json::json!({ "filter": f });
                    call(
                        &host,
                        reqwest::Method::PUT,
                        "/v1/admin/log-level",
                        Some(body),
                    )
                    .await
                }
            };
            match answer {
                Ok(v) => {
                    let now = v["filter"].as_str().unwrap_or("(not reloadable here)");
                    match v["previous"].as_str() {
                        Some(was) => println!("log filter of {}: {now} (was {was})", host.url),
                        None => println!("log filter of {}: {now}", host.url),
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        AdminCommand::Drain { host, grace_secs } => {
            let body = serde_json::json!({ "grace_secs": grace_secs });
            match call(&host, reqwest::Method::POST, "/v1/admin/drain", Some(body)).await {
                Ok(v) => {
                    let what = if v["began"].as_bool() == Some(true) {
                        "draining"
                    } else {
                        "already draining"
                    };
                    println!(
                        "{}: {what} (grace {} s, {} request(s) in flight, by {}); it stops when they finish",
                        host.url, v["grace_secs"], v["in_flight"], v["by"].as_str().unwrap_or("?")
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
    }
}
