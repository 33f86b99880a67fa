//! Operations: `GET /metrics` moves with the operations it counts, and a backup taken
//! while the host serves restores into a database with the same balances and a sound
//! ledger.
//!
//! Every test of this binary shares one process-wide metrics recorder, so these tests
//! compare a scrape before and after, on labels only they use (a currency, an item and a
//! queue of their own), and never assert absolute values.

use crate::common::{duel_queue, item, spawn_app_with, TempDir, TestApp};
use guildhall_core::types::{Currency, ItemKind, Price};
use serde_json::json;
use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

/// One scrape: (metric name, labels) → value.
struct Scrape(Vec<(String, BTreeMap<String, String>, f64)>);

impl Scrape {
    async fn take(app: &TestApp) -> Scrape {
        let res = app
            .client
            .get(format!("{}/metrics", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"));
        let text = res.text().await.unwrap();
        let mut rows = Vec::new();
        for line in text.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let (series, value) = line.rsplit_once(' ').expect("series value");
            let (name, labels) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let mut map = BTreeMap::new();
            for pair in labels.split("\",").filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once("=\"").expect("label");
                map.insert(k.to_string(), v.trim_end_matches('"').to_string());
            }
            rows.push((name.to_string(), map, value.parse().expect("numeric value")));
        }
        Scrape(rows)
    }

    /// The sum over every series of `name` whose labels include `labels`.
    fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.0
            .iter()
            .filter(|(n, l, _)| {
                n == name
                    && labels
                        .iter()
                        .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|(_, _, v)| v)
            .sum()
    }

    fn has(&self, name: &str, labels: &[(&str, &str)]) -> bool {
        self.0.iter().any(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
        })
    }
}

/// A server with a currency, an item and a queue that no other test uses.
async fn app_with_own_labels() -> TestApp {
    spawn_app_with(|s| {
        s.core.currencies.push(Currency {
            code: "obsgold".into(),
            max_balance: None,
        });
        let mut potion = item(
            "obs-potion",
            "Observed Potion",
            ItemKind::Consumable,
            Some(10),
            Some(100),
        );
        potion.price = Some(Price {
            currency: "obsgold".into(),
            amount: 10,
        });
        s.catalog.push(potion);
        let mut q = duel_queue();
        q.name = "obs-duel".into();
        s.core.queues.push(q);
    })
    .await
}

#[tokio::test]
async fn metrics_move_with_grants_purchases_and_refusals() {
    let app = app_with_own_labels().await;
    let before = Scrape::take(&app).await;

    app.post(
        "/v1/players/olga/grant",
        json!({"currency": "obsgold", "amount": 250}),
    )
    .await
    .ok();
    app.post(
        "/v1/players/olga/purchases",
        json!({"item_id": "obs-potion", "quantity": 3}),
    )
    .await
    .ok();
    app.post(
        "/v1/players/olga/spend",
        json!({"currency": "obsgold", "amount": 1000}),
    )
    .await
    .assert_error(422, "INSUFFICIENT_FUNDS");

    let after = Scrape::take(&app).await;
    let delta =
        |name: &str, labels: &[(&str, &str)]| after.sum(name, labels) - before.sum(name, labels);

    assert_eq!(
        delta(
            "guildhall_currency_granted_total",
            &[("currency", "obsgold")]
        ),
        250.0
    );
    assert_eq!(
        delta("guildhall_purchases_total", &[("item", "obs-potion")]),
        1.0
    );
    assert_eq!(
        delta("guildhall_purchased_units_total", &[("item", "obs-potion")]),
        3.0
    );
    assert_eq!(
        delta(
            "guildhall_purchase_amount_total",
            &[("currency", "obsgold")]
        ),
        30.0
    );
    // A refusal spends nothing.
    assert_eq!(
        delta("guildhall_currency_spent_total", &[("currency", "obsgold")]),
        0.0
    );
    // Other tests of this process answer requests too: at least ours are counted.
    assert!(
        delta(
            "guildhall_http_requests_total",
            &[
                ("route", "/v1/players/{player}/spend"),
                ("method", "POST"),
                ("status", "422"),
                ("code", "INSUFFICIENT_FUNDS"),
            ],
        ) >= 1.0
    );
    assert!(
        delta(
            "guildhall_http_request_duration_seconds_count",
            &[
                ("route", "/v1/players/{player}/purchases"),
                ("status", "200")
            ],
        ) >= 1.0
    );
    assert!(
        delta(
            "guildhall_store_commit_duration_seconds_count",
            &[("outcome", "ok")]
        ) >= 2.0
    );
    // Unknown paths share one series, whatever the path.
    app.get("/no/such/route/obs")
        .await
        .assert_error(404, "NOT_FOUND");
    let unmatched = Scrape::take(&app).await;
    assert!(
        unmatched.sum(
            "guildhall_http_requests_total",
            &[("route", "unmatched"), ("code", "NOT_FOUND")]
        ) >= 1.0
    );
    assert!(!unmatched.has(
        "guildhall_http_requests_total",
        &[("route", "/no/such/route/obs")]
    ));
    assert!(unmatched.has("guildhall_players_online", &[]));
    assert!(unmatched.has("guildhall_build_info", &[]));
}

#[tokio::test]
async fn metrics_count_waiting_tickets_and_formed_matches() {
    let app = app_with_own_labels().await;
    let before = Scrape::take(&app).await;
    assert_eq!(
        before.sum(
            "guildhall_matchmaking_tickets_waiting",
            &[("queue", "obs-duel")]
        ),
        0.0
    );
    app.post("/v1/queues/obs-duel/tickets", json!({"player": "obs-1"}))
        .await
        .ok();
    let waiting = Scrape::take(&app).await;
    assert_eq!(
        waiting.sum(
            "guildhall_matchmaking_tickets_waiting",
            &[("queue", "obs-duel")]
        ),
        1.0,
        "one ticket waits alone"
    );
    app.post("/v1/queues/obs-duel/tickets", json!({"player": "obs-2"}))
        .await
        .ok();
    // The tick runs every 100 ms in test servers.
    let mut after = Scrape::take(&app).await;
    for _ in 0..100 {
        if after.sum("guildhall_matches_formed_total", &[("queue", "obs-duel")])
            > before.sum("guildhall_matches_formed_total", &[("queue", "obs-duel")])
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        after = Scrape::take(&app).await;
    }
    let delta =
        |name: &str, labels: &[(&str, &str)]| after.sum(name, labels) - before.sum(name, labels);
    assert_eq!(
        delta("guildhall_matches_formed_total", &[("queue", "obs-duel")]),
        1.0
    );
    assert_eq!(
        delta(
            "guildhall_match_wait_seconds_count",
            &[("queue", "obs-duel")]
        ),
        2.0,
        "one wait per matched ticket"
    );
    assert_eq!(
        delta(
            "guildhall_match_rating_spread_count",
            &[("queue", "obs-duel")]
        ),
        1.0
    );
    assert_eq!(
        after.sum(
            "guildhall_matchmaking_tickets_waiting",
            &[("queue", "obs-duel")]
        ),
        0.0
    );
}

fn guildhall(dir: &TempDir) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_guildhall"));
    c.current_dir(dir.path())
        .env_remove("GUILDHALL_CONFIG")
        .env_remove("GUILDHALL_DATABASE_URL")
        .env("GUILDHALL_LOG", "warn");
    c
}

/// Long commands draw nothing when their output is not a terminal (no carriage returns,
/// no escape sequences, no bar), only their summary lines.
fn assert_no_progress_drawn(out: &str) {
    assert!(
        !out.contains('\r') && !out.contains('\u{1b}') && !out.contains('['),
        "progress drawn into a pipe: {out:?}"
    );
}

fn run(c: &mut Command) -> (i32, String) {
    let out = c.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_serving_restores_with_the_same_balances() {
    let app = app_with_own_labels().await;
    let source_url = crate::common::database_url(&app._dir);
    for (p, n) in [("bk-alice", 120), ("bk-bob", 45)] {
        app.grant(p, n).await;
    }
    app.post(
        "/v1/players/bk-alice/purchases",
        json!({"item_id": "1", "quantity": 2}),
    )
    .await
    .ok();

    // Writes keep coming while the backup runs.
    let writer = {
        let (url, client) = (app.url.clone(), app.client.clone());
        tokio::spawn(async move {
            for _ in 0..40 {
                let r = client
                    .post(format!("{url}/v1/players/bk-busy/grant"))
                    .json(&json!({"amount": 1}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
            }
        })
    };
    let work = TempDir::new();
    let backup = work.path().join("backup.db");
    let (code, out) = tokio::task::spawn_blocking({
        let dir = TempDir::new();
        let (source_url, backup) = (source_url.clone(), backup.clone());
        move || {
            run(guildhall(&dir)
                .args(["backup", "--database", &source_url, "--out"])
                .arg(&backup))
        }
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("backup written"), "{out}");
    assert_no_progress_drawn(&out);
    writer.await.unwrap();

    // A backup never overwrites a file.
    let (code, out) = run(guildhall(&work)
        .args(["backup", "--database", &source_url, "--out"])
        .arg(&backup));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("exists"), "{out}");

    // Restore into a fresh file, then audit it with the CLI.
    let restored = work.path().join("restored").join("guildhall.db");
    let restored_url = format!("sqlite:{}", restored.display());
    let (code, out) = run(guildhall(&work)
        .args(["restore", "--from"])
        .arg(&backup)
        .args(["--database", &restored_url]));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("ledger: OK") && out.contains("restored"),
        "{out}"
    );
    assert_no_progress_drawn(&out);
    let (code, out) = run(guildhall(&work).args(["verify-ledger", "--database", &restored_url]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ledger: OK"), "{out}");
    assert_no_progress_drawn(&out);

    // On a terminal the same commands draw their progress on stderr (`script` gives the
    // command a pseudo-terminal).
    let again = work.path().join("again.db");
    let line = format!(
        "{} backup --database {} --out {}",
        env!("CARGO_BIN_EXE_guildhall"),
        source_url,
        again.display()
    );
    let (code, out) = run(Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(work.path())
        .env_remove("GUILDHALL_CONFIG")
        .env_remove("GUILDHALL_DATABASE_URL")
        .env("GUILDHALL_LOG", "warn"));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("backing up [") && out.contains("B/"),
        "a bar of bytes is drawn on a terminal: {out:?}"
    );
    assert!(out.contains("backup written"), "{out}");

    // The balances written before the backup are there, the same.
    let copy = guildhall_adapters::open(&restored_url, app.server.guildhall().config().clone())
        .await
        .unwrap();
    for p in ["bk-alice", "bk-bob"] {
        let player = p.parse().unwrap();
        assert_eq!(
            copy.wallet(&player).await.unwrap(),
            app.server.guildhall().wallet(&player).await.unwrap(),
            "{p}"
        );
    }
    let busy = copy
        .balance(&"bk-busy".parse().unwrap(), "gold")
        .await
        .unwrap();
    assert!(
        (0..=40).contains(&busy),
        "a snapshot of the busy player: {busy}"
    );
    drop(copy);

    // Restoring over a non-empty database needs --force.
    let (code, out) = run(guildhall(&work)
        .args(["restore", "--from"])
        .arg(&backup)
        .args(["--database", &restored_url]));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("--force"), "{out}");

    // PostgreSQL backups are pg_dump's job; the command says where it is described.
    let (code, out) = run(guildhall(&work).args([
        "backup",
        "--database",
        "postgres://guildhall:secret@127.0.0.1:1/guildhall",
        "--out",
        "pg.db",
    ]));
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("pg_dump") && out.contains("deploy/README.md"),
        "{out}"
    );
    assert!(
        !out.contains("secret"),
        "the password is not printed: {out}"
    );
}
