//! The `guildhall` binary started as a process.

use crate::common::TempDir;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_guildhall");

pub(crate) fn command(dir: &TempDir) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir.path())
        .env_remove("GUILDHALL_CONFIG")
        .env_remove("GUILDHALL_LISTEN")
        .env_remove("GUILDHALL_DATABASE_URL")
        .env("GUILDHALL_LOG", "info")
        .env_remove("GUILDHALL_LOG_FORMAT")
        .env_remove("GUILDHALL_DEV")
        .env("GUILDHALL_JWT_SECRET", TEST_SECRET);
    c
}

/// A secret that passes the strength check (tests only).
pub const TEST_SECRET: &str = "9f2c4e1a7b3d8f60c5e2a9b14d7f3e8a0c6b2d9e4f1a7c3b";

/// Kills the child on drop if a test fails halfway.
pub(crate) struct Running(pub(crate) Child);
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn database(dir: &TempDir) -> String {
    crate::common::database_url(dir)
}

/// Starts `guildhall serve ARGS` in `dir` with stderr piped; answers the process, the
/// bound address (from the start-up line), the rest of stderr line by line, and the
/// lines up to the start-up one.
pub(crate) fn start_serve(
    dir: &TempDir,
    args: &[&std::ffi::OsStr],
) -> (Running, String, mpsc::Receiver<String>, Vec<String>) {
    let child = command(dir)
        .arg("serve")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = Running(child);
    let stderr = child.0.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut log = Vec::new();
    let addr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no start-up line; log so far: {log:#?}"));
        log.push(line.clone());
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    (child, addr, rx, log)
}

/// Waits up to `wait` for the process to exit.
pub(crate) fn wait_exit(child: &mut Running, wait: Duration) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + wait;
    while std::time::Instant::now() < deadline {
        if let Some(s) = child.0.try_wait().unwrap() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

#[tokio::test]
async fn serves_healthz_and_stops_gracefully_on_sigterm() {
    let dir = TempDir::new();
    let config = dir.path().join("guildhall.toml");
    std::fs::write(
        &config,
        format!("listen = \"127.0.0.1:0\"\ndatabase = \"{}\"\n[[currencies]]\ncode = \"gold\"\n[[currencies]]\ncode = \"gems\"\n", database(&dir)),
    )
    .unwrap();
    let (mut child, addr, rx, log) = start_serve(&dir, &["--config".as_ref(), config.as_ref()]);
    let startup = log.last().unwrap().clone();
    assert!(
        startup.contains("gold") && startup.contains("gems"),
        "start-up line names the currencies: {startup}"
    );
    assert!(
        startup.contains("database="),
        "start-up line names the database: {startup}"
    );

    let body: serde_json::Value = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body, serde_json::json!({"status": "ok"}));

    let pid = child.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status =
        wait_exit(&mut child, Duration::from_secs(10)).expect("exits within 10 s of SIGTERM");
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
    let rest: Vec<String> = rx.try_iter().collect();
    assert!(
        rest.iter().any(|l| l.contains("SIGTERM received")),
        "{rest:#?}"
    );
    assert!(
        rest.iter().any(|l| l.contains("guildhall stopped")),
        "{rest:#?}"
    );
}

#[test]
fn refuses_to_start_without_a_safe_secret_outside_dev_mode() {
    let dir = TempDir::new();
    let out = command(&dir)
        .env_remove("GUILDHALL_JWT_SECRET")
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            "memory://",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("GUILDHALL_JWT_SECRET") && err.contains("--dev"),
        "{err}"
    );

    for weak in [
        "short",
        "changeme-changeme-changeme-changeme-1234",
        &"ab".repeat(20),
    ] {
        let out = command(&dir)
            .env("GUILDHALL_JWT_SECRET", weak)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--database",
                "memory://",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{weak}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("refusing this access-token secret"), "{err}");
        assert!(!err.contains(weak), "the secret is not echoed: {err}");
    }
}

#[test]
fn env_listen_is_used_and_flags_beat_it() {
    let dir = TempDir::new();
    let out = command(&dir)
        .args(["serve", "--database", "memory://"])
        .env("GUILDHALL_LISTEN", "10.1.2.3:0")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("10.1.2.3"),
        "the environment's address is used"
    );
    let out = command(&dir)
        .args([
            "serve",
            "--database",
            "memory://",
            "--listen",
            "192.168.7.7:0",
        ])
        .env("GUILDHALL_LISTEN", "10.1.2.3:0")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("192.168.7.7") && !err.contains("10.1.2.3"),
        "the flag wins: {err}"
    );
}

#[test]
fn a_bad_config_stops_the_start_naming_the_key() {
    let dir = TempDir::new();
    let config = dir.path().join("bad.toml");
    std::fs::write(
        &config,
        "listen = \"127.0.0.1:0\"\ndatabse = \"memory://\"\n",
    )
    .unwrap();
    let out = command(&dir)
        .env("GUILDHALL_CONFIG", &config)
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("databse") && err.contains("bad.toml"), "{err}");
}

#[test]
fn migrate_and_verify_ledger() {
    let dir = TempDir::new();
    let db = database(&dir);
    let out = command(&dir)
        .args(["migrate", "--database", &db])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("migrated"));
    assert!(
        dir.path().join("guildhall.db").exists(),
        "the SQLite file was created"
    );
    let out = command(&dir)
        .args(["verify-ledger", "--database", &db])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("ledger: OK") && stdout.contains("balances checked"),
        "{stdout}"
    );
}

#[test]
fn ledger_summary_is_readable() {
    use guildhall_core::economy::{LedgerMismatch, LedgerReport};
    use guildhall_core::types::Account;
    let report = LedgerReport {
        ok: false,
        accounts_checked: 3,
        mismatches: vec![LedgerMismatch {
            account: Account::parse("player:ann").unwrap(),
            currency: "gold".into(),
            balance: 15,
            ledger: 10,
        }],
        unbalanced_currencies: vec![("gold".into(), 5)],
    };
    let text = guildhall_host::ledger_summary(&report);
    assert!(text.contains("DIFFERENCES FOUND"));
    assert!(
        text.contains("player:ann gold: balance 15 but ledger says 10 (off by 5)"),
        "{text}"
    );
    assert!(text.contains("gold: sum over all accounts is 5"));
}
