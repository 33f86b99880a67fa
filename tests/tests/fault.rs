//! The fault test: two real `guildhall serve` processes over ONE fresh PostgreSQL
//! database and ONE Redis, under a bank workload whose clients retry each transfer with
//! its own idempotency key (through the other host too) until it gets a definite answer.
//! Meanwhile one host is killed with SIGKILL and started again, and the PostgreSQL
//! server is restarted once (`pg_ctlcluster --skip-systemctl-redirect <version> main
//! restart`). Afterwards: the currency total is conserved, no balance is negative, every
//! balance is what the definite answers add up to, the ledger audit is clean, and every
//! idempotency key was applied at most once (each key's transfer is one ledger entry at
//! most; exactly one for an accepted transfer, none for a refused one).
//!
//! The one test of this file restarts the PostgreSQL server every other test uses, so it
//! has this test binary to itself (cargo runs test binaries one after another). It needs
//! the `guildhall` binary built beside this test (`target/<profile>/guildhall`; `cargo
//! build --workspace --all-targets`, as `scripts/test` does first), to run as a user
//! that may run `pg_ctlcluster` (root on the test machine), and a PostgreSQL cluster of
//! `/etc/postgresql` serving `GUILDHALL_TEST_POSTGRES_URL` on this machine. Whatever
//! happens, PostgreSQL is left running (a guard starts it when it does not answer), and
//! the host processes are killed when the test ends.
//!
//! Every wait is bounded; the whole test takes about 20 s.

use guildhall_core::ports::{HistoryQuery, Ids, UuidIds};
use guildhall_core::types::{Account, LedgerEntry, PlayerId};
use guildhall_tests::{fresh_postgres, postgres_admin_url, redis_url, RedisKeys};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Players of the bank and the gold each starts with.
const PLAYERS: usize = 6;
const START: i64 = 1_000;
/// Concurrent clients, and the most transfers one client sends.
const CLIENTS: usize = 4;
const MAX_PER_CLIENT: usize = 3_000;
/// Longest a transfer is retried before the test fails: a key must get a definite answer.
const KEY_DEADLINE: Duration = Duration::from_secs(45);
/// Longest wait for a host or PostgreSQL to answer.
const READY: Duration = Duration::from_secs(30);
/// The whole test must end within this.
const WHOLE: Duration = Duration::from_secs(110);
/// The signal number of SIGKILL, which the killed host must report as its end.
const SIGKILL: i32 = 9;

// ----- the guildhall binary and its processes -----

/// `target/<profile>/guildhall`, beside this test's own executable
/// (`target/<profile>/deps/fault-<hash>`).
fn guildhall_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test runs from target/<profile>/deps");
    let bin = profile_dir.join(format!("guildhall{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "the fault test runs the `guildhall` binary, expected at {}: build it first with \
         `cargo build -p guildhall-host` (scripts/test runs `cargo build --workspace \
         --all-targets` before the tests)",
        bin.display()
    );
    bin
}

/// A `guildhall` command without any GUILDHALL_* setting of the test's environment.
fn guildhall(bin: &Path) -> Command {
    let mut c = Command::new(bin);
    for (k, _) in std::env::vars() {
        if k.starts_with("GUILDHALL_") {
            c.env_remove(k);
        }
    }
    c.env("RUST_LOG", "warn");
    c
}

/// A free port on 127.0.0.1 (bound and released at once).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().unwrap().port()
}

/// Everything the two hosts share: the binary, config file, database, Redis, secret.
struct Setup {
    bin: PathBuf,
    dir: tempfile::TempDir,
    config: PathBuf,
    database: String,
    secret: String,
}

impl Setup {
    /// Creates an admin API key in the database (the CLI migrates it first) and returns it.
    async fn admin_key(&self) -> String {
        let mut cmd = guildhall(&self.bin);
        cmd.args(["keys", "create", "--config"])
            .arg(&self.config)
            .args(["--database", &self.database, "--name", "fault"])
            .args(["--scope", "admin"])
            .stdin(Stdio::null());
        let out = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .expect("keys create task")
            .expect("run `guildhall keys create`");
        assert!(
            out.status.success(),
            "guildhall keys create failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// Starts `guildhall serve` on a fresh port, logging to `<dir>/<name>-<n>.log`.
    fn serve(&self, name: &str, n: usize) -> HostProcess {
        let port = free_port();
        let log_path = self.dir.path().join(format!("{name}-{n}.log"));
        let log = std::fs::File::create(&log_path).expect("host log file");
        let child = guildhall(&self.bin)
            .arg("serve")
            .arg("--config")
            .arg(&self.config)
            .args(["--database", &self.database])
            .args(["--redis", &redis_url()])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("GUILDHALL_JWT_SECRET", &self.secret)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", self.bin.display()));
        HostProcess {
            name: format!("{name}#{n}"),
            url: format!("http://127.0.0.1:{port}"),
            child,
            log: log_path,
        }
    }
}

/// One `guildhall serve` process (killed with SIGKILL when dropped, so a failing test
/// leaves no host behind).
struct HostProcess {
    name: String,
    url: String,
    child: Child,
    log: PathBuf,
}

impl HostProcess {
    /// Waits until `/readyz` answers 200 (the host serves and its database answers).
    async fn ready(&mut self, http: &reqwest::Client) {
        let deadline = Instant::now() + READY;
        loop {
            if let Ok(r) = http.get(format!("{}/readyz", self.url)).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "host {} exited ({status}) before it was ready:\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            assert!(
                Instant::now() < deadline,
                "host {} not ready within {READY:?}:\n{}",
                self.name,
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kills the process with SIGKILL (no shutdown of any kind: `Child::kill` sends
    /// SIGKILL on Unix) and checks it died of it.
    async fn kill_with_sigkill(mut self) {
        self.child.kill().expect("send SIGKILL");
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for the killed host") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the killed host ends within 10 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!(
            status.signal(),
            Some(SIGKILL),
            "host {} ended by SIGKILL: {status}",
            self.name
        );
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

// ----- PostgreSQL -----

/// The local cluster serving `url` (`/etc/postgresql/<version>/main` whose port is the
/// URL's), or a failure saying why the test cannot restart it.
fn local_cluster(url: &str) -> (String, String, u16) {
    let parsed = reqwest::Url::parse(url).unwrap_or_else(|e| panic!("bad Postgres URL {url}: {e}"));
    let host = parsed.host_str().unwrap_or("127.0.0.1").to_string();
    let port = parsed.port().unwrap_or(5432);
    assert!(
        ["127.0.0.1", "localhost", "::1", "[::1]"].contains(&host.as_str()),
        "the fault test restarts the PostgreSQL server of {url}, which must be a local \
         cluster (pg_ctlcluster); it is on {host}"
    );
    let mut versions: Vec<String> = std::fs::read_dir("/etc/postgresql")
        .unwrap_or_else(|e| {
            panic!("the fault test restarts PostgreSQL with pg_ctlcluster: /etc/postgresql: {e}")
        })
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    versions.sort();
    for v in &versions {
        let conf = format!("/etc/postgresql/{v}/main/postgresql.conf");
        let text = std::fs::read_to_string(&conf).unwrap_or_default();
        let configured = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .filter_map(|l| l.strip_prefix("port"))
            .filter_map(|rest| rest.trim().strip_prefix('=').map(|p| p.trim().to_string()))
            .next_back()
            .and_then(|p| p.parse::<u16>().ok())
            .unwrap_or(5432);
        if configured == port {
            return (v.clone(), host, port);
        }
    }
    panic!("no cluster of /etc/postgresql ({versions:?}) listens on port {port} of {url}");
}

/// Runs `pg_ctlcluster --skip-systemctl-redirect <version> main <action>`.
fn pg_ctlcluster(version: &str, action: &str) -> std::process::Output {
    std::process::Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", version, "main", action])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run pg_ctlcluster {version} main {action}: {e}"))
}

fn port_open(host: &str, port: u16) -> bool {
    use std::net::ToSocketAddrs;
    let Ok(mut addrs) = (host.trim_matches(|c| c == '[' || c == ']'), port).to_socket_addrs()
    else {
        return false;
    };
    addrs.next().is_some_and(|a| {
        std::net::TcpStream::connect_timeout(&a, Duration::from_millis(500)).is_ok()
    })
}

/// Leaves PostgreSQL running, whatever happened: when dropped (also when the test
/// panics) it starts the cluster if it does not answer, and waits for it.
struct PostgresRunning {
    version: String,
    host: String,
    port: u16,
}

/// Waits until the server on `host:port` accepts connections, at most [`READY`].
fn wait_for_port(host: &str, port: u16) -> bool {
    let deadline = Instant::now() + READY;
    while Instant::now() < deadline {
        if port_open(host, port) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

impl Drop for PostgresRunning {
    fn drop(&mut self) {
        if port_open(&self.host, self.port) {
            return;
        }
        eprintln!("PostgreSQL does not answer; starting it again");
        let out = pg_ctlcluster(&self.version, "start");
        if !out.status.success() {
            eprintln!(
                "pg_ctlcluster {} main start: {}",
                self.version,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        if !wait_for_port(&self.host, self.port) {
            eprintln!("PostgreSQL still does not answer on port {}", self.port);
        }
    }
}

// ----- the clients -----

/// What a client learnt of one transfer, once it had a definite answer.
#[derive(Debug, Clone)]
struct Outcome {
    from: usize,
    to: usize,
    amount: i64,
    /// `Some(transaction id)` when accepted, `None` when refused (insufficient funds).
    transaction: Option<String>,
    /// Whether the accepted answer was a replay of an earlier commit.
    replayed: bool,
}

/// The hosts' current URLs (a restarted host gets a new port).
type Urls = Arc<RwLock<Vec<String>>>;

#[derive(Default)]
struct Counts {
    /// Attempts that failed without a definite answer (connection error, 5xx, timeout).
    failed_attempts: AtomicUsize,
    /// Transfers retried at least once.
    retried: AtomicUsize,
    /// Accepted transfers sent again with their key after the answer (a replay each).
    resent: AtomicUsize,
}

/// Sends one transfer until it gets a definite answer, starting with host `first` and
/// moving to the other after each failed attempt.
async fn transfer_until_definite(
    http: &reqwest::Client,
    urls: &Urls,
    first: usize,
    body: &Value,
    counts: &Counts,
) -> Result<Value, String> {
    let deadline = Instant::now() + KEY_DEADLINE;
    let mut attempt = 0usize;
    loop {
        let url = urls.read().unwrap()[(first + attempt) % 2].clone();
        let why = match http
            .post(format!("{url}/v1/transfers"))
            .json(body)
            .send()
            .await
        {
            Ok(res) => {
                let status = res.status().as_u16();
                match res.bytes().await {
                    Ok(bytes) => {
                        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                        match status {
                            200 => return Ok(v),
                            422 if v["code"] == "INSUFFICIENT_FUNDS" => return Ok(v),
                            // The service gave up on version conflicts: nothing committed.
                            409 if v["code"] == "CONFLICT" => format!("409 {v}"),
                            s if s >= 500 => format!("{s} {v}"),
                            s => return Err(format!("{s} {v} for {body}")),
                        }
                    }
                    Err(e) => format!("body: {e}"),
                }
            }
            Err(e) => format!("send: {e}"),
        };
        counts.failed_attempts.fetch_add(1, Ordering::Relaxed);
        if attempt == 0 {
            counts.retried.fetch_add(1, Ordering::Relaxed);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "no definite answer within {KEY_DEADLINE:?} for {body}: {why}"
            ));
        }
        attempt += 1;
        tokio::time::sleep(Duration::from_millis(50 * attempt.min(6) as u64)).await;
    }
}

/// One client: transfers between random players until `stop`, each with its own key.
async fn client(
    n: usize,
    http: reqwest::Client,
    urls: Urls,
    players: Arc<Vec<String>>,
    run: String,
    stop: Arc<AtomicBool>,
    counts: Arc<Counts>,
) -> Result<BTreeMap<String, Outcome>, String> {
    let mut rng = StdRng::seed_from_u64(0xfa_17 + n as u64);
    let mut out = BTreeMap::new();
    for i in 0..MAX_PER_CLIENT {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let from = rng.gen_range(0..PLAYERS);
        let to = (from + rng.gen_range(1..PLAYERS)) % PLAYERS;
        let amount = rng.gen_range(1..=250);
        let key = format!("fault-{run}-{n}-{i}");
        let body = json!({
            "from": players[from], "to": players[to], "amount": amount,
            "metadata": { "key": key }, "idempotency_key": key,
        });
        let v = transfer_until_definite(&http, &urls, n + i, &body, &counts).await?;
        let transaction = v["transaction_id"].as_str().map(str::to_string);
        if transaction.is_some() && v["from_balance"].as_i64().is_none_or(|b| b < 0) {
            return Err(format!("{key}: bad answer {v}"));
        }
        if transaction.is_some() && i % 5 == 0 {
            // A client that lost the answer sends the same call again, through the other
            // host: the stored result comes back, nothing moves twice.
            let again = transfer_until_definite(&http, &urls, n + i + 1, &body, &counts).await?;
            if again["replayed"] != true || again["transaction_id"] != v["transaction_id"] {
                return Err(format!("{key}: sent again, got {again} after {v}"));
            }
            counts.resent.fetch_add(1, Ordering::Relaxed);
        }
        out.insert(
            key,
            Outcome {
                from,
                to,
                amount,
                replayed: v["replayed"] == true,
                transaction,
            },
        );
    }
    Ok(out)
}

// ----- the test -----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosts_killed_and_postgres_restarted_under_retried_transfers_lose_and_double_nothing() {
    tokio::time::timeout(WHOLE, run())
        .await
        .unwrap_or_else(|_| panic!("the fault test did not finish within {WHOLE:?}"));
}

async fn run() {
    let began = Instant::now();
    let bin = guildhall_binary();
    let admin_url = postgres_admin_url();
    let (version, pg_host, pg_port) = local_cluster(&admin_url);
    let postgres = PostgresRunning {
        version: version.clone(),
        host: pg_host,
        port: pg_port,
    };
    let db = fresh_postgres().await;
    let run = UuidIds.next_id();
    let _keys = RedisKeys::new(vec![format!("guildhall:*{run}*")]);
    let dir = tempfile::Builder::new()
        .prefix("guildhall-fault-")
        .tempdir()
        .expect("temporary directory");
    let config = dir.path().join("guildhall.toml");
    std::fs::write(
        &config,
        "[[currencies]]\ncode = \"gold\"\n\n[auth.rate_limits]\nplayer_per_minute = 600\n\
         key_per_minute = 1000000\nlogin_per_address_per_minute = 30\n\
         login_per_account_per_15_minutes = 10\n",
    )
    .unwrap();
    let setup = Setup {
        bin,
        config,
        database: db.url().to_string(),
        secret: format!("{}{}", UuidIds.next_id(), UuidIds.next_id()),
        dir,
    };
    let key = setup.admin_key().await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {key}").parse().unwrap(),
    );
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .no_proxy()
        .connect_timeout(Duration::from_secs(1))
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    let mut a = setup.serve("A", 1);
    let mut b = setup.serve("B", 1);
    a.ready(&http).await;
    b.ready(&http).await;
    let urls: Urls = Arc::new(RwLock::new(vec![a.url.clone(), b.url.clone()]));

    // The bank: every player starts with START gold.
    let players: Arc<Vec<String>> =
        Arc::new((0..PLAYERS).map(|i| format!("banker{i}-{run}")).collect());
    for p in players.iter() {
        let r = http
            .post(format!("{}/v1/players/{p}/grant", a.url))
            .json(&json!({ "amount": START, "idempotency_key": format!("seed-{p}") }))
            .send()
            .await
            .expect("grant");
        assert_eq!(
            r.status().as_u16(),
            200,
            "grant: {}",
            r.text().await.unwrap()
        );
    }

    let stop = Arc::new(AtomicBool::new(false));
    let counts = Arc::new(Counts::default());
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            tokio::spawn(client(
                n,
                http.clone(),
                urls.clone(),
                players.clone(),
                run.clone(),
                stop.clone(),
                counts.clone(),
            ))
        })
        .collect();

    // Faults, while the clients run: host A dies by SIGKILL and comes back on another
    // port; then PostgreSQL restarts under both hosts.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before_kill = counts.failed_attempts.load(Ordering::Relaxed);
    a.kill_with_sigkill().await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let mut a = setup.serve("A", 2);
    a.ready(&http).await;
    urls.write().unwrap()[0] = a.url.clone();
    tokio::time::sleep(Duration::from_secs(2)).await;

    let before_restart = counts.failed_attempts.load(Ordering::Relaxed);
    let restart = {
        let version = version.clone();
        tokio::task::spawn_blocking(move || pg_ctlcluster(&version, "restart"))
    };
    let out = restart.await.expect("pg_ctlcluster task");
    assert!(
        out.status.success(),
        "pg_ctlcluster --skip-systemctl-redirect {version} main restart failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let (host, port) = (postgres.host.clone(), postgres.port);
    let answers = tokio::task::spawn_blocking(move || wait_for_port(&host, port));
    assert!(
        answers.await.unwrap(),
        "PostgreSQL answers within {READY:?} of its restart"
    );
    // Both hosts serve again: their pools reconnect.
    a.ready(&http).await;
    b.ready(&http).await;
    let after_restart = counts.failed_attempts.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(3)).await;

    stop.store(true, Ordering::Relaxed);
    let mut outcomes: BTreeMap<String, Outcome> = BTreeMap::new();
    for c in clients {
        let got = c.await.expect("client task");
        outcomes.extend(got.unwrap_or_else(|e| panic!("a client failed: {e}")));
    }
    let failed = counts.failed_attempts.load(Ordering::Relaxed);
    let retried = counts.retried.load(Ordering::Relaxed);
    let accepted = outcomes
        .values()
        .filter(|o| o.transaction.is_some())
        .count();
    let replays = outcomes.values().filter(|o| o.replayed).count();
    let resent = counts.resent.load(Ordering::Relaxed);
    eprintln!(
        "fault test: {} transfers ({accepted} accepted, {replays} first answered by a replay \
         after a lost answer, {resent} sent again and replayed), {retried} retried; failed attempts: {before_kill} before the kill, {} from the \
         kill to the PostgreSQL restart, {} during the restart, {} after; {:?} so far",
        outcomes.len(),
        before_restart - before_kill,
        after_restart - before_restart,
        failed - after_restart,
        began.elapsed()
    );
    assert!(
        before_restart > before_kill,
        "the clients felt the killed host ({} failed attempts)",
        before_restart - before_kill
    );
    assert!(accepted >= 100, "transfers went through: {accepted}");
    assert!(resent >= 10, "keys were reused: {resent}");

    // The audit, through both hosts (the restarted one and the survivor).
    let current = urls.read().unwrap().clone();
    for url in current {
        let r = http
            .get(format!("{url}/v1/ledger/verify"))
            .send()
            .await
            .expect("verify");
        assert_eq!(r.status().as_u16(), 200);
        let report: Value = r.json().await.unwrap();
        assert_eq!(report["ok"], true, "{url}: {report}");
        assert_eq!(report["mismatches"], json!([]), "{url}: {report}");
        assert_eq!(
            report["unbalanced_currencies"],
            json!([]),
            "{url}: {report}"
        );
    }

    // Balances and the ledger, read straight from the database.
    let store = guildhall_adapters::open_store(db.url())
        .await
        .expect("open the database");
    let mut expected = [START; PLAYERS];
    for o in outcomes.values().filter(|o| o.transaction.is_some()) {
        expected[o.from] -= o.amount;
        expected[o.to] += o.amount;
    }
    let mut total = 0;
    for (i, p) in players.iter().enumerate() {
        let account = Account::Player(PlayerId::new(p.as_str()).unwrap());
        let balance = store
            .balance(&account, "gold")
            .await
            .expect("balance")
            .amount;
        assert!(balance >= 0, "{p}: negative balance {balance}");
        assert_eq!(
            balance, expected[i],
            "{p}: the balance is what the definite answers add up to"
        );
        total += balance;
    }
    assert_eq!(total, START * PLAYERS as i64, "the gold total is conserved");

    let mut entries: HashMap<String, LedgerEntry> = HashMap::new();
    for p in players.iter() {
        let account = Account::Player(PlayerId::new(p.as_str()).unwrap());
        let mut before_seq = None;
        loop {
            let page = store
                .history(&HistoryQuery {
                    account: account.clone(),
                    currency: None,
                    kind: None,
                    before_seq,
                    limit: 500,
                })
                .await
                .expect("history");
            let Some(last) = page.last() else { break };
            before_seq = Some(last.seq);
            for e in page {
                entries.insert(e.id.clone(), e);
            }
        }
    }
    let mut per_key: HashMap<&str, Vec<&LedgerEntry>> = HashMap::new();
    for e in entries.values() {
        if let Some(k) = e.metadata["key"].as_str() {
            per_key.entry(k).or_default().push(e);
        }
    }
    for (k, es) in &per_key {
        assert_eq!(es.len(), 1, "key {k} applied {} times: {es:?}", es.len());
        assert!(
            outcomes.contains_key(*k),
            "key {k} in the ledger was sent by a client"
        );
    }
    for (k, o) in &outcomes {
        let applied = per_key.get(k.as_str()).map_or(&[][..], |v| &v[..]);
        match &o.transaction {
            Some(tx) => {
                assert_eq!(applied.len(), 1, "accepted key {k} is in the ledger once");
                let e = applied[0];
                assert_eq!(&e.transaction_id, tx, "{k}");
                assert_eq!(e.amount, o.amount, "{k}");
                assert_eq!(e.debit.to_string(), format!("player:{}", players[o.from]));
                assert_eq!(e.credit.to_string(), format!("player:{}", players[o.to]));
            }
            None => assert!(applied.is_empty(), "refused key {k} is not in the ledger"),
        }
    }

    drop(store);
    drop((a, b));
    drop(db);
    drop(postgres);
    eprintln!("fault test finished in {:?}", began.elapsed());
}
