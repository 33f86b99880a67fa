//! Operations commands: `guildhall backup` and `guildhall restore` (SQLite).
//!
//! `backup` copies a live SQLite database to a new file with `VACUUM INTO`
//! ([`guildhall_adapters::sqlite::SqliteStore::backup_into`]) while hosts keep serving
//! it. `restore` checks a backup (it opens, migrates to this version's schema and passes
//! the ledger audit) on a staging copy beside the target, then renames it into place.
//! PostgreSQL deployments use `pg_dump` / `pg_restore` instead (`deploy/README.md`).
//!
//! Exit codes as every command: 0 done; 1 the backup's ledger does not balance (nothing
//! restored); 2 the command could not run.

use crate::cli::fail;
use crate::config::{redact_url, Overrides, Settings};
use crate::progress::{copy_with_progress, Progress};
use clap::Args;
use guildhall_adapters::sqlite::{database_file, SqliteStore};
use guildhall_core::memory::MemoryCoordinator;
use guildhall_core::ports::Store;
use guildhall_core::Guildhall;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where the PostgreSQL procedure is documented.
pub const POSTGRES_PROCEDURE: &str = "deploy/README.md, section \"Backup and restore\"";

/// Flags of `backup`.
#[derive(Debug, Clone, Default, Args)]
pub struct BackupArgs {
    /// Config file (TOML), for its `database` [env: GUILDHALL_CONFIG]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The database to copy, sqlite://FILE [env: GUILDHALL_DATABASE_URL]
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// The backup file to write; must not exist
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Flags of `restore`.
#[derive(Debug, Clone, Default, Args)]
pub struct RestoreArgs {
    /// Config file (TOML), for its `database` [env: GUILDHALL_CONFIG]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A file written by `guildhall backup`
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The database to restore into, sqlite://FILE [env: GUILDHALL_DATABASE_URL]
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// Replace an existing non-empty database file (stop every host using it first)
    #[arg(long)]
    pub force: bool,
}

fn settings(config: Option<PathBuf>, database: Option<String>) -> Result<Settings, ExitCode> {
    Settings::load(Overrides {
        config,
        listen: None,
        database,
        redis: None,
        redis_prefix: None,
        jwt_secret: None,
        // Backups sign no tokens.
        dev: true,
    })
    .map_err(fail)
}

/// The SQLite file of `url`, or the exit code after a message saying why not.
fn sqlite_file(url: &str, command: &str) -> Result<PathBuf, ExitCode> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(fail(format!(
            "guildhall {command} works on SQLite files; for PostgreSQL ({}) use pg_dump and pg_restore as described in {POSTGRES_PROCEDURE}",
            redact_url(url)
        )));
    }
    if !url.starts_with("sqlite:") {
        return Err(fail(format!(
            "guildhall {command} needs a sqlite://FILE database, not '{}'",
            redact_url(url)
        )));
    }
    match database_file(url) {
        Ok(Some(path)) => Ok(path),
        Ok(None) => Err(fail(format!(
            "guildhall {command}: an in-memory database has no file"
        ))),
        Err(e) => Err(fail(e)),
    }
}

fn url_of(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

fn size_of(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// `guildhall backup`: copies the database to `--out` while it stays in use, and prints
/// what it did. Refuses PostgreSQL URLs with a pointer to the documented procedure.
pub async fn backup(args: BackupArgs) -> ExitCode {
    let settings = match settings(args.config, args.database) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let source = match sqlite_file(&settings.database, "backup") {
        Ok(p) => p,
        Err(code) => return code,
    };
    if size_of(&source) == 0 {
        return fail(format!("no database at {}", source.display()));
    }
    if args.out.exists() {
        return fail(format!(
            "{} exists already; choose a new file",
            args.out.display()
        ));
    }
    println!("backing up {} to {}", source.display(), args.out.display());
    let started = Instant::now();
    let store = match SqliteStore::connect(&settings.database).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    // The copy's size against the source's (the copy is compacted, so it may end short).
    let progress = Progress::bytes(Progress::stderr(), "backing up", size_of(&source));
    let copied = progress
        .watch_file(&args.out, store.backup_into(&args.out))
        .await;
    progress.finish();
    store.close().await;
    if let Err(e) = copied {
        return fail(e);
    }
    println!(
        "backup written: {} ({} bytes) in {} ms",
        args.out.display(),
        size_of(&args.out),
        started.elapsed().as_millis()
    );
    ExitCode::SUCCESS
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// Removes a database's WAL, shared-memory and rollback journal files (and, with
/// `file`, the database file itself).
fn remove_journals(path: &Path, file: bool) {
    if file {
        let _ = std::fs::remove_file(path);
    }
    for suffix in ["-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(with_suffix(path, suffix));
    }
}

/// Opens `staging` (migrating it), audits its ledger, and closes every connection
/// (checkpointing its WAL into the file). Returns the audit.
async fn check_backup(
    staging: &Path,
    settings: &Settings,
) -> guildhall_core::Result<guildhall_core::economy::LedgerReport> {
    let store = Arc::new(SqliteStore::connect(&url_of(staging)).await?);
    store.migrate().await?;
    let shared: Arc<dyn Store> = store.clone();
    let gh = Guildhall::new(
        shared,
        Arc::new(MemoryCoordinator::new()),
        settings.core.clone(),
    );
    let report = gh.verify_ledger().await;
    drop(gh);
    // The core's committer task lets go of its handle once the core is dropped.
    let mut store = store;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match Arc::try_unwrap(store) {
            Ok(s) => {
                s.close().await;
                break;
            }
            Err(again) if Instant::now() < deadline => {
                store = again;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(_) => {
                return Err(guildhall_core::Error::unavailable(
                    "the checked backup is still in use; nothing restored",
                ))
            }
        }
    }
    report
}

/// `guildhall restore`: checks the backup on a staging copy beside the target (it must
/// open, migrate and pass the ledger audit), then moves it into place. Refuses to
/// replace a non-empty database without `--force`.
pub async fn restore(args: RestoreArgs) -> ExitCode {
    let settings = match settings(args.config, args.database) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let target = match sqlite_file(&settings.database, "restore") {
        Ok(p) => p,
        Err(code) => return code,
    };
    if size_of(&args.from) == 0 {
        return fail(format!("no backup at {}", args.from.display()));
    }
    if size_of(&target) > 0 && !args.force {
        return fail(format!(
            "{} exists and is not empty; pass --force to replace it (stop every host using it first)",
            target.display()
        ));
    }
    let mut staging = target.as_os_str().to_owned();
    staging.push(".restoring");
    let staging = PathBuf::from(staging);
    remove_journals(&staging, true);
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Err(e) = std::fs::create_dir_all(dir) {
            return fail(format!("cannot create {}: {e}", dir.display()));
        }
    }
    let progress = Progress::bytes(Progress::stderr(), "copying", size_of(&args.from));
    let copied = copy_with_progress(&args.from, &staging, &progress);
    progress.finish();
    if let Err(e) = copied {
        return fail(format!(
            "cannot copy {} to {}: {e}",
            args.from.display(),
            staging.display()
        ));
    }
    println!("checking the backup {}", args.from.display());
    let progress = Progress::spinner(
        Progress::stderr(),
        "migrating the copy and auditing its ledger",
    );
    let checked = check_backup(&staging, &settings).await;
    progress.finish();
    let report = match checked {
        Ok(r) => r,
        Err(e) => {
            remove_journals(&staging, true);
            return fail(format!(
                "the backup {} cannot be used: {e}",
                args.from.display()
            ));
        }
    };
    print!("{}", crate::ledger_summary(&report));
    if !report.ok {
        remove_journals(&staging, true);
        eprintln!("guildhall: the backup's ledger does not balance; nothing restored");
        return ExitCode::from(1);
    }
    if size_of(&with_suffix(&staging, "-wal")) > 0 {
        remove_journals(&staging, true);
        return fail("the checked backup kept a write-ahead log after closing; nothing restored");
    }
    // The old database's journals must not be applied to the new file. The rename then
    // replaces the file in one step.
    remove_journals(&target, false);
    if let Err(e) = std::fs::rename(&staging, &target) {
        return fail(format!(
            "cannot move {} to {}: {e}",
            staging.display(),
            target.display()
        ));
    }
    remove_journals(&staging, false);
    println!(
        "restored {} into {} ({} bytes)",
        args.from.display(),
        target.display(),
        size_of(&target)
    );
    ExitCode::SUCCESS
}
