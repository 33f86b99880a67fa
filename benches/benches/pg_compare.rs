//! HTTP purchases and transfers on PostgreSQL beside pgbench on the same server, and
//! scale-out from one host process to two. A bounded bench binary (harness = false);
//! `scripts/bench-compare` runs the whole comparison in one go and prints the table.
//!
//! # Bench mode (`cargo bench -p guildhall-benches --bench pg_compare -- OPTIONS`)
//!
//! Every load run is bounded by time: `--warmup` seconds not counted, then `--secs`
//! seconds measured. Options (all `--name value`):
//!
//! * `--pg URL`: an admin URL of the PostgreSQL server (a user that may create
//!   databases). Each HTTP case gets a fresh database, dropped afterwards.
//! * `--guildhall PATH`: the release `guildhall` binary; hosts run as separate
//!   processes (`guildhall serve`) so their CPU time can be read from `/proc`.
//! * `--redis URL`: the Redis every host shares (a fresh key prefix per case).
//! * `--pg-pid PID`: the postmaster's process id, to count the server's CPU time;
//!   `--link-pid PID`: the delaying proxy's (`proxy` below), to count its own.
//! * `--pgbench-url URL`: a database `pgbench -i` initialised (else one is made at
//!   `--scale`, default 1).
//! * `--phases pgbench,http,scaleout,split`, `--clients 32,128`, `--per-host 32`,
//!   `--scaleout-clients 64`,
//!   `--players 4096`, `--pool N` (the hosts' `max_connections`; default: the store's),
//!   `--db-params K=V&...` (more parameters of the hosts' database URL, such as
//!   `concurrent_batches=2`),
//!   `--label NAME` (the network the row was measured over), `--out FILE` (rows are
//!   appended as tab-separated values).
//!
//! `pg_compare summary FILE` prints the table of a rows file with the ratios and the
//! floors of issue 16. `pg_compare proxy --listen ADDR --to ADDR --delay-us N` forwards
//! TCP connections, holding the bytes N microseconds in each direction: the link of
//! the delayed case (this machine's kernel has no netem), PostgreSQL behind it.
//!
//! Phases: `pgbench` runs the builtin TPC-B-like script (`-c C -j 2 -T secs`, simple
//! query protocol, per-transaction log for the percentiles). `http` runs, per operation
//! (purchase, transfer) and per client count, one host against a fresh database with
//! `--players` funded players; each request picks a random player (a transfer: two
//! different ones). `scaleout` runs purchases against one host with `--per-host`
//! clients (default 32), then against two hosts sharing one fresh database with that
//! many clients each: hosts added for more players, the floor of issue 16. `split` runs
//! one load of `--scaleout-clients` (default 64) against one host, then split between
//! two (reported: a closed load whose latency is round trips gains little from a
//! second host, however free the database is).
//!
//! Per case it reports requests per second, p50/p99/max latency at the client, the
//! failures, the CPU time of the hosts, of the PostgreSQL server (postmaster, its live
//! children and the children it reaped) and of the load generator per request, the
//! machine's busy share, and what the case's PostgreSQL backends were doing (sampled
//! from `pg_stat_activity` every 50 ms: `CPU` is active and not waiting; `idle in
//! transaction` waiting on `ClientRead` is a round trip to the host inside a
//! transaction).
//!
//! # Test mode (`cargo test`)
//!
//! With `GUILDHALL_TEST_POSTGRES_URL` set: pgbench (when installed) at scale 1, 2
//! clients, 1 s; then 1 s of HTTP purchases and 1 s of transfers at 2 clients against
//! an in-process host (with Redis when `GUILDHALL_TEST_REDIS_URL` is set); asserts that
//! requests succeed and the ledger verifies. Without it, prints that it skipped.

use guildhall_adapters::postgres::TestDatabase;
use guildhall_benches::link::delay_proxy;
use guildhall_benches::{bench_mode, open, player, ITEM};
use guildhall_core::economy::GrantRequest;
use guildhall_core::Guildhall;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Gold each benchmark player starts with (a purchase costs 1, a transfer moves 1).
const FUNDS: i64 = 1_000_000_000;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("proxy") {
        let arg = |name: &str| {
            let i = args.iter().position(|a| a == name);
            i.and_then(|i| args.get(i + 1))
                .unwrap_or_else(|| {
                    panic!("pg_compare proxy --listen ADDR --to ADDR --delay-us N: {name} missing")
                })
                .clone()
        };
        let delay = Duration::from_micros(arg("--delay-us").parse().expect("--delay-us"));
        delay_proxy(&arg("--listen"), &arg("--to"), delay);
        return;
    }
    if args.first().map(String::as_str) == Some("summary") {
        let file = args.get(1).expect("pg_compare summary FILE");
        let text = std::fs::read_to_string(file).expect("read rows file");
        print!("{}", summary(&parse_rows(&text)));
        return;
    }
    if bench_mode() {
        run(Opts::parse(&args));
    } else {
        smoke();
    }
}

// ----- options -----

/// What one bench-mode invocation measures (see the module documentation).
struct Opts {
    pg: String,
    guildhall: Option<PathBuf>,
    redis: Option<String>,
    pg_pid: Option<u32>,
    link_pid: Option<u32>,
    pgbench_url: Option<String>,
    scale: u32,
    phases: Vec<String>,
    clients: Vec<usize>,
    scaleout_clients: usize,
    per_host: usize,
    players: usize,
    pool: Option<u32>,
    db_params: Option<String>,
    secs: f64,
    warmup: f64,
    label: String,
    out: Option<PathBuf>,
}

impl Opts {
    fn parse(args: &[String]) -> Self {
        let mut o = Opts {
            pg: std::env::var("GUILDHALL_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
            guildhall: None,
            redis: std::env::var("GUILDHALL_TEST_REDIS_URL").ok(),
            pg_pid: None,
            link_pid: None,
            pgbench_url: None,
            scale: 1,
            phases: vec![
                "pgbench".into(),
                "http".into(),
                "scaleout".into(),
                "split".into(),
            ],
            clients: vec![32, 128],
            scaleout_clients: 64,
            per_host: 32,
            players: 4096,
            pool: None,
            db_params: None,
            secs: 10.0,
            warmup: 2.0,
            label: "loopback".into(),
            out: None,
        };
        let mut it = args.iter();
        while let Some(name) = it.next() {
            let value = it
                .next()
                .unwrap_or_else(|| panic!("{name} needs a value"))
                .clone();
            let num = |v: &str| -> f64 { v.parse().unwrap_or_else(|_| panic!("{name}: {v}")) };
            let list = |v: &str| -> Vec<String> { v.split(',').map(str::to_string).collect() };
            match name.as_str() {
                "--pg" => o.pg = value,
                "--guildhall" => o.guildhall = Some(value.into()),
                "--redis" => o.redis = Some(value).filter(|v| !v.is_empty()),
                "--pg-pid" => o.pg_pid = Some(num(&value) as u32),
                "--link-pid" => o.link_pid = Some(num(&value) as u32),
                "--pgbench-url" => o.pgbench_url = Some(value),
                "--scale" => o.scale = num(&value) as u32,
                "--phases" => o.phases = list(&value),
                "--clients" => o.clients = list(&value).iter().map(|c| num(c) as usize).collect(),
                "--scaleout-clients" => o.scaleout_clients = num(&value) as usize,
                "--per-host" => o.per_host = num(&value) as usize,
                "--players" => o.players = num(&value) as usize,
                "--pool" => o.pool = Some(num(&value) as u32),
                "--db-params" => o.db_params = Some(value).filter(|v| !v.is_empty()),
                "--secs" => o.secs = num(&value),
                "--warmup" => o.warmup = num(&value),
                "--label" => o.label = value,
                "--out" => o.out = Some(value.into()),
                other => panic!("unknown option {other}"),
            }
        }
        o
    }
}

// ----- a link with a round-trip delay -----

/// For a Postgres URL: its `host:port`, and a free loopback address for a proxy with
/// the URL that reaches the same server through it.
fn through_proxy(url: &str) -> Option<(&str, (String, String))> {
    let start = url.find("://")? + 3;
    let rest = &url[start..];
    let host_start = rest.find('@').map_or(0, |i| i + 1);
    let end = rest[host_start..]
        .find('/')
        .map_or(rest.len(), |i| host_start + i);
    let authority = &rest[host_start..end];
    let listen = format!("127.0.0.1:{}", free_port());
    let proxied = format!("{}{listen}{}", &url[..start + host_start], &rest[end..]);
    Some((authority, (listen, proxied)))
}

// ----- CPU time from /proc -----

/// Clock ticks per second of `/proc` times (`getconf CLK_TCK`, else 100).
fn clk_tck() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// Fields of `/proc/PID/stat` after the command name: [state, ppid, ..., utime at 11,
/// stime 12, cutime 13, cstime 14].
fn stat_fields(pid: &str) -> Option<Vec<u64>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 2..];
    Some(
        rest.split_whitespace()
            .skip(1)
            .map(|f| f.parse().unwrap_or(0))
            .collect(),
    )
}

/// (own ticks, reaped children's ticks, parent pid) of a process: the fields above,
/// shifted by the skipped state.
fn proc_ticks(pid: &str) -> Option<(u64, u64, u64)> {
    let f = stat_fields(pid)?;
    Some((f[10] + f[11], f[12] + f[13], f[0]))
}

/// CPU ticks of a process and every process it started that is still running or it
/// has reaped (a postmaster and its backends).
fn tree_ticks(root: u32) -> u64 {
    let root_s = root.to_string();
    let Some((own, reaped, _)) = proc_ticks(&root_s) else {
        return 0;
    };
    let mut total = own + reaped;
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if !name.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            if let Some((own, _, ppid)) = proc_ticks(&name) {
                if ppid == root as u64 {
                    total += own;
                }
            }
        }
    }
    total
}

/// (busy, all) ticks of the whole machine from `/proc/stat`.
fn machine_ticks() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let v: Vec<u64> = text
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let all: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (all - idle, all)
}

/// A point in time of the CPU counters a case reports.
#[derive(Clone)]
struct CpuSnap {
    hosts: u64,
    pg: u64,
    link: u64,
    own: u64,
    children: u64,
    machine: (u64, u64),
}

/// Which processes a case's CPU time is counted for.
struct CpuWatch {
    hosts: Vec<u32>,
    pg: Option<u32>,
    link: Option<u32>,
}

impl CpuWatch {
    fn snap(&self) -> CpuSnap {
        let me = proc_ticks("self").unwrap_or_default();
        CpuSnap {
            hosts: self
                .hosts
                .iter()
                .map(|p| proc_ticks(&p.to_string()).map_or(0, |t| t.0))
                .sum(),
            pg: self.pg.map_or(0, tree_ticks),
            link: self
                .link
                .and_then(|p| proc_ticks(&p.to_string()))
                .map_or(0, |t| t.0),
            own: me.0,
            children: me.1,
            machine: machine_ticks(),
        }
    }
}

/// CPU spent between two snapshots, in seconds: hosts, PostgreSQL, this process, its
/// reaped children (pgbench), the delaying proxy, the machine's busy share (0..1 of all
/// cores), and the cores every other process used.
struct CpuUse {
    hosts: f64,
    pg: f64,
    link: f64,
    own: f64,
    children: f64,
    busy: f64,
    other: f64,
}

fn cpu_between(a: &CpuSnap, b: &CpuSnap, tck: f64) -> CpuUse {
    let s = |x: u64, y: u64| y.saturating_sub(x) as f64 / tck;
    let all = b.machine.1.saturating_sub(a.machine.1).max(1) as f64;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let wall = all / tck / cores;
    let (hosts, pg, link, own, children) = (
        s(a.hosts, b.hosts),
        s(a.pg, b.pg),
        s(a.link, b.link),
        s(a.own, b.own),
        s(a.children, b.children),
    );
    let busy = b.machine.0.saturating_sub(a.machine.0) as f64 / all;
    CpuUse {
        hosts,
        pg,
        link,
        own,
        children,
        busy,
        other: (busy * cores - (hosts + pg + link + own + children) / wall.max(1e-9)).max(0.0),
    }
}

// ----- what PostgreSQL's backends were doing -----

/// Samples the state and wait event of `db_url`'s client backends every 50 ms for
/// `secs` seconds (in one `psql` run) and returns a started child; [`waits_of`] reads it.
fn sample_waits(db_url: &str, secs: f64) -> Option<Child> {
    let n = (secs / 0.05).round().max(1.0) as u64;
    let sql = format!(
        "create temp table w(t text, e text, s text);
do $$ begin for i in 1..{n} loop
  perform pg_stat_clear_snapshot();
  insert into w select coalesce(wait_event_type, 'CPU'), coalesce(wait_event, '-'), coalesce(state, '-')
    from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend';
  perform pg_sleep(0.05);
end loop; end $$;
select t, e, s, count(*) from w group by 1, 2, 3 order by 4 desc;
"
    );
    let mut child = psql_command(db_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(sql.as_bytes()).ok()?;
    Some(child)
}

/// The sampled backend states, largest share first, as `state/wait NN%` items.
fn waits_of(child: Option<Child>) -> String {
    let Some(out) = child.and_then(|c| c.wait_with_output().ok()) else {
        return "-".into();
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<(String, u64)> = text
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let n = f.get(3)?.parse().ok()?;
            let what = match (f[0], f[1], f[2]) {
                ("CPU", _, s) => format!("{s}:CPU"),
                (_, e, "active") => format!("active:{e}"),
                (_, e, s) => format!("{s}:{e}"),
            };
            Some((what.replace(' ', "-"), n))
        })
        .collect();
    let total: u64 = rows.iter().map(|r| r.1).sum();
    if total == 0 {
        return "-".into();
    }
    rows.iter()
        .take(5)
        .map(|(w, n)| format!("{w} {:.0}%", *n as f64 * 100.0 / total as f64))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `psql` on `url`: no psqlrc, quiet, unaligned tuples separated by tabs, stopping at
/// the first error.
fn psql_command(url: &str) -> Command {
    let mut cmd = Command::new("psql");
    cmd.args(["-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", url]);
    cmd
}

/// Runs `sql` with `psql` on `url`; its unaligned output, or `None` when it failed.
fn psql(url: &str, sql: &str) -> Option<String> {
    let out = psql_command(url)
        .args(["-c", sql])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).to_string())
}

/// The database name of a Postgres URL (its path, without the query).
fn db_name(url: &str) -> &str {
    let path = url.split('?').next().unwrap_or(url);
    path.rsplit('/').next().unwrap_or(path)
}

/// Forgets `pg_stat_statements`' counts of `db` (a no-op without the extension in the
/// database `admin` names).
fn statements_reset(admin: &str, db: &str) {
    let _ = psql(
        admin,
        &format!("select pg_stat_statements_reset(0, (select oid from pg_database where datname = '{db}'), 0)"),
    );
}

/// `pg_stat_statements`' calls in `db` since [`statements_reset`], per request (`n`
/// requests): the total, and a printed breakdown of the most frequent statements.
fn statements_per_request(admin: &str, db: &str, n: u64, what: &str) -> f64 {
    let Some(text) = psql(
        admin,
        &format!(
            "select calls, round(total_exec_time::numeric, 1), left(regexp_replace(query, '\\s+', ' ', 'g'), 90)
             from pg_stat_statements where dbid = (select oid from pg_database where datname = '{db}')
             order by calls desc"
        ),
    ) else {
        return 0.0;
    };
    let n = n.max(1) as f64;
    let mut total = 0.0;
    let mut lines = Vec::new();
    for l in text.lines() {
        let f: Vec<&str> = l.splitn(3, '\t').collect();
        let (Some(calls), Some(ms), Some(q)) = (f.first(), f.get(1), f.get(2)) else {
            continue;
        };
        let calls: f64 = calls.parse().unwrap_or(0.0);
        total += calls;
        if lines.len() < 8 {
            let ms: f64 = ms.parse().unwrap_or(0.0);
            lines.push(format!(
                "  {:>6.2}/req  {:>7.3} ms/call  {q}",
                calls / n,
                ms / calls.max(1.0)
            ));
        }
    }
    println!(
        "# statements of {what}: {:.2} per request\n{}",
        total / n,
        lines.join("\n")
    );
    total / n
}

// ----- rows -----

/// One measured case: a line of the rows file.
#[derive(Debug, Clone, Default)]
struct Row {
    /// Network between hosts and PostgreSQL (`loopback`, `rtt1ms`).
    net: String,
    /// `pgbench`, `http` or `scaleout`.
    case: String,
    /// `tpcb`, `purchase` or `transfer`.
    op: String,
    hosts: usize,
    clients: usize,
    ok: u64,
    failed: u64,
    rate: f64,
    p50: f64,
    p99: f64,
    max: f64,
    /// CPU milliseconds per request: hosts, PostgreSQL, load generator (or pgbench).
    host_ms: f64,
    pg_ms: f64,
    gen_ms: f64,
    /// Machine busy share over the window, percent of all cores.
    busy: f64,
    /// CPU milliseconds per request of the delaying proxy (0 on loopback).
    link_ms: f64,
    /// Cores used by every other process (other work on the machine).
    other: f64,
    /// PostgreSQL statements per request (`pg_stat_statements`; 0: not measured).
    stmts: f64,
    waits: String,
    when: String,
}

const HEADER: &str = "net\tcase\top\thosts\tclients\tok\tfailed\trate\tp50\tp99\tmax\thost_ms\tpg_ms\tgen_ms\tlink_ms\tbusy\tother\tstmts\twaits\twhen";

impl Row {
    /// A row with only the CPU figures of `cpu` over `n` requests; `gen`: the seconds of
    /// the load's generator (this process, or pgbench).
    fn cpu(cpu: &CpuUse, n: f64, gen: f64) -> Self {
        Row {
            host_ms: cpu.hosts * 1e3 / n,
            pg_ms: cpu.pg * 1e3 / n,
            gen_ms: gen * 1e3 / n,
            link_ms: cpu.link * 1e3 / n,
            busy: cpu.busy * 100.0,
            other: cpu.other,
            ..Row::default()
        }
    }

    fn tsv(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{:.1}\t{:.2}\t{:.2}\t{:.2}\t{:.3}\t{:.3}\t{:.3}\t{:.3}\t{:.0}\t{:.2}\t{:.2}\t{}\t{}",
            self.net,
            self.case,
            self.op,
            self.hosts,
            self.clients,
            self.ok,
            self.failed,
            self.rate,
            self.p50,
            self.p99,
            self.max,
            self.host_ms,
            self.pg_ms,
            self.gen_ms,
            self.link_ms,
            self.busy,
            self.other,
            self.stmts,
            self.waits,
            self.when
        )
    }
}

fn parse_rows(text: &str) -> Vec<Row> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with("net\t"))
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            if f.len() < 20 {
                return None;
            }
            let n = |i: usize| f[i].parse::<f64>().unwrap_or(0.0);
            Some(Row {
                net: f[0].into(),
                case: f[1].into(),
                op: f[2].into(),
                hosts: n(3) as usize,
                clients: n(4) as usize,
                ok: n(5) as u64,
                failed: n(6) as u64,
                rate: n(7),
                p50: n(8),
                p99: n(9),
                max: n(10),
                host_ms: n(11),
                pg_ms: n(12),
                gen_ms: n(13),
                link_ms: n(14),
                busy: n(15),
                other: n(16),
                stmts: n(17),
                waits: f[18].into(),
                when: f[19].into(),
            })
        })
        .collect()
}

fn record(opts: &Opts, row: &Row) {
    println!("{}", row.tsv());
    if let Some(out) = &opts.out {
        let fresh = !out.exists();
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(out)
            .expect("open rows file");
        if fresh {
            writeln!(f, "{HEADER}").expect("write rows file");
        }
        writeln!(f, "{}", row.tsv()).expect("write rows file");
    }
}

fn now_utc() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The table of `rows`, then each floor of issue 16 with the measured figure.
fn summary(rows: &[Row]) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "{:<9} {:<9} {:<9} {:>5} {:>7} {:>8} {:>6} {:>9} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>5} {:>6} {:>6}  {}\n",
        "net", "case", "op", "hosts", "clients", "ok", "failed", "per s", "p50 ms", "p99 ms",
        "max ms", "host ms", "pg ms", "gen ms", "link ms", "busy", "other", "stmts", "PostgreSQL backends (sampled)"
    ));
    for r in rows {
        s.push_str(&format!(
            "{:<9} {:<9} {:<9} {:>5} {:>7} {:>8} {:>6} {:>9.0} {:>7.2} {:>7.2} {:>8.1} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>4.0}% {:>6.2} {:>6.2}  {}\n",
            r.net, r.case, r.op, r.hosts, r.clients, r.ok, r.failed, r.rate, r.p50, r.p99,
            r.max, r.host_ms, r.pg_ms, r.gen_ms, r.link_ms, r.busy, r.other, r.stmts, r.waits
        ));
    }
    s.push_str("(host/pg/gen ms: CPU milliseconds per request of the hosts, the PostgreSQL server, the load generator or pgbench, the delaying proxy; busy: machine CPU over the window, all cores; other: cores used by every other process; stmts: PostgreSQL statements per request)\n\n");
    let find = |net: &str, case: &str, op: &str, hosts: usize, clients: Option<usize>| {
        rows.iter().rev().find(|r| {
            r.net == net
                && r.case == case
                && r.op == op
                && (hosts == 0 || r.hosts == hosts)
                && clients.is_none_or(|c| r.clients == c)
        })
    };
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    for net in ["loopback", "rtt1ms"] {
        if let (Some(one), Some(two)) = (
            find(net, "scaleout", "purchase", 1, None),
            find(net, "scaleout", "purchase", 2, None),
        ) {
            let ratio = two.rate / one.rate.max(1e-9);
            let floor = if net == "rtt1ms" {
                format!("floor >= 1.6x: {}", verdict(ratio >= 1.6))
            } else {
                "reported".into()
            };
            s.push_str(&format!(
                "scale-out {net}: two hosts {:.0}/s ({} clients) vs one host {:.0}/s ({} clients), {} clients per host = {ratio:.2}x ({floor})\n",
                two.rate, two.clients, one.rate, one.clients, one.clients
            ));
        }
        if let (Some(one), Some(two)) = (
            find(net, "split", "purchase", 1, None),
            find(net, "split", "purchase", 2, None),
        ) {
            s.push_str(&format!(
                "one load split {net}: two hosts {:.0}/s vs one host {:.0}/s, {} clients in all = {:.2}x (reported)\n",
                two.rate,
                one.rate,
                two.clients,
                two.rate / one.rate.max(1e-9)
            ));
        }
    }
    for c in [32, 128] {
        let Some(pgb) = find("loopback", "pgbench", "tpcb", 0, Some(c)) else {
            continue;
        };
        for op in ["purchase", "transfer"] {
            let Some(h) = find("loopback", "http", op, 1, Some(c)) else {
                continue;
            };
            let ratio = h.rate / pgb.rate.max(1e-9);
            let floor = match (op, c) {
                ("purchase", 32) => format!(
                    "floor >= 1.0x with p99 <= 25 ms: {}",
                    verdict(ratio >= 1.0 && h.p99 <= 25.0 && h.failed == 0)
                ),
                (_, 128) => format!("floor no failure: {}", verdict(h.failed == 0)),
                _ => "reported".into(),
            };
            s.push_str(&format!(
                "HTTP {op}s at {c} clients: {:.0}/s, p99 {:.2} ms, {} failed vs pgbench {:.0} tps = {ratio:.2}x ({floor})\n",
                h.rate, h.p99, h.failed, pgb.rate
            ));
        }
    }
    s
}

// ----- pgbench -----

/// Runs pgbench's builtin TPC-B-like script against `url` for `secs` at `clients`
/// (2 threads), logging each transaction to `dir`; returns a row (`net`, `when` unset).
fn pgbench(url: &str, admin: &str, clients: usize, secs: f64, dir: &Path, watch: &CpuWatch) -> Row {
    let prefix = dir.join(format!("pgbench-{clients}"));
    let threads = clients.min(2);
    let mut cmd = Command::new("pgbench");
    cmd.args([
        "-c",
        &clients.to_string(),
        "-j",
        &threads.to_string(),
        "-T",
        &format!("{}", secs.ceil() as u64),
        "-l",
        "--log-prefix",
        prefix.to_str().expect("utf-8 path"),
        url,
    ]);
    let tck = clk_tck();
    let sampler = sample_waits(url, secs);
    statements_reset(admin, db_name(url));
    let before = watch.snap();
    let out = cmd.output().expect("run pgbench");
    let after = watch.snap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "pgbench failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |key: &str| -> Option<f64> {
        text.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l[key.len()..].split_whitespace().next())
            .and_then(|v| v.parse().ok())
    };
    let tps = field("tps = ").expect("pgbench prints tps");
    let done = field("number of transactions actually processed: ").unwrap_or(0.0) as u64;
    let failed = field("number of failed transactions: ").unwrap_or(0.0) as u64;
    // Each log line: client, transaction, latency (us), script, epoch s, us.
    let mut lat: Vec<Duration> = Vec::new();
    for e in std::fs::read_dir(dir).expect("log dir").flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with(&format!("pgbench-{clients}.")) {
            let log = std::fs::read_to_string(e.path()).unwrap_or_default();
            lat.extend(log.lines().filter_map(|l| {
                let us: u64 = l.split_whitespace().nth(2)?.parse().ok()?;
                Some(Duration::from_micros(us))
            }));
            let _ = std::fs::remove_file(e.path());
        }
    }
    let [p50, _, p99, max] = guildhall_benches::percentiles_ms(&mut lat);
    let cpu = cpu_between(&before, &after, tck);
    let n = done.max(1) as f64;
    let what = format!("pgbench at {clients} clients");
    let stmts = statements_per_request(admin, db_name(url), done, &what);
    Row {
        case: "pgbench".into(),
        op: "tpcb".into(),
        hosts: 0,
        clients,
        ok: done,
        failed,
        rate: tps,
        p50,
        p99,
        max,
        stmts,
        waits: waits_of(sampler),
        ..Row::cpu(&cpu, n, cpu.children)
    }
}

/// `pgbench -i` at `scale` (server-side data generation) on `url`.
fn pgbench_init(url: &str, scale: u32) {
    let out = Command::new("pgbench")
        .args(["-i", "-q", "-I", "dtGvp", "-s", &scale.to_string(), url])
        .output()
        .expect("run pgbench -i");
    assert!(
        out.status.success(),
        "pgbench -i failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn have_pgbench() -> bool {
    Command::new("pgbench")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

// ----- the HTTP load generator -----

/// Which request the clients send.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    /// `POST /v1/players/{p}/purchases` of [`ITEM`] (1 gold).
    Purchase,
    /// `POST /v1/transfers` of 1 gold between two different players.
    Transfer,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Purchase => "purchase",
            Op::Transfer => "transfer",
        }
    }
}

/// What the clients measured over the window.
struct Load {
    ok: u64,
    failed: u64,
    secs: f64,
    /// p50, p90, p99, max in ms of the requests that succeeded in the window.
    lat: [f64; 4],
    first_error: Option<String>,
}

/// `clients` keep-alive clients (client `c` on `urls[c % len]`) send `op` with `key`
/// for `warmup + window`; only requests started after the warm-up and finished before
/// the end count.
async fn drive(
    urls: &[String],
    key: &str,
    op: Op,
    clients: usize,
    players: usize,
    warmup: Duration,
    window: Duration,
) -> Load {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {key}").parse().expect("header"),
    );
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let start = Instant::now();
    let (from, to) = (start + warmup, start + warmup + window);
    let seed = Arc::new(AtomicU64::new(0x9e37_79b9_7f4a_7c15));
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, base, seed) = (http.clone(), urls[c % urls.len()].clone(), seed.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = seed.fetch_add(0x6a09_e667_f3bc_c909, Ordering::Relaxed) | 1;
            let mut next = move || {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                rng as usize % players
            };
            let (mut lat, mut failed, mut first_error) = (Vec::new(), 0u64, None);
            loop {
                let t = Instant::now();
                if t >= to {
                    break;
                }
                let req = match op {
                    Op::Purchase => http
                        .post(format!("{base}/v1/players/p{}/purchases", next()))
                        .json(&serde_json::json!({ "item_id": ITEM, "quantity": 1 })),
                    Op::Transfer => {
                        let a = next();
                        let b = (a + 1 + next() % (players - 1)) % players;
                        http.post(format!("{base}/v1/transfers")).json(
                            &serde_json::json!({ "from": format!("p{a}"), "to": format!("p{b}"), "amount": 1 }),
                        )
                    }
                };
                let r = req.send().await;
                let done = Instant::now();
                let counted = t >= from && done <= to;
                match r {
                    Ok(resp) if resp.status().is_success() => {
                        let _ = resp.bytes().await;
                        if counted {
                            lat.push(done - t);
                        }
                    }
                    other => {
                        if counted || done > to {
                            failed += 1;
                        }
                        if first_error.is_none() {
                            first_error = Some(match other {
                                Ok(resp) => format!(
                                    "{} {}",
                                    resp.status(),
                                    resp.text().await.unwrap_or_default()
                                ),
                                Err(e) => e.to_string(),
                            });
                        }
                    }
                }
            }
            (lat, failed, first_error)
        }));
    }
    let (mut all, mut failed, mut first_error) = (Vec::new(), 0, None);
    for t in tasks {
        let (lat, f, e) = t.await.expect("client task");
        all.extend(lat);
        failed += f;
        first_error = first_error.or(e);
    }
    let ok = all.len() as u64;
    Load {
        ok,
        failed,
        secs: window.as_secs_f64(),
        lat: guildhall_benches::percentiles_ms(&mut all),
        first_error,
    }
}

// ----- database set-up -----

/// Adds [`ITEM`] and grants [`FUNDS`] gold to players `p0..p{players}`, 64 at a time.
async fn seed_players(gh: &Guildhall, players: usize) {
    guildhall_benches::seed(gh, 0, 0).await;
    let mut tasks = Vec::new();
    for t in 0..64 {
        let gh = gh.clone();
        tasks.push(tokio::spawn(async move {
            for i in (t..players).step_by(64) {
                gh.grant(GrantRequest {
                    player: player(i),
                    currency: "gold".into(),
                    amount: FUNDS,
                    source: None,
                    reason: None,
                    metadata: serde_json::Value::Null,
                    idempotency_key: None,
                })
                .await
                .expect("fund player");
            }
        }));
    }
    for t in tasks {
        t.await.expect("seed task");
    }
}

/// A fresh, empty database on the server of `admin`, dropped with the value.
async fn test_database(admin: &str) -> TestDatabase {
    TestDatabase::create(admin)
        .await
        .unwrap_or_else(|e| panic!("this benchmark needs PostgreSQL at {admin}: {e}"))
}

/// A fresh database on `admin` with the players funded and an `economy:write` key.
async fn fresh_database(admin: &str, players: usize) -> (TestDatabase, String) {
    let db = test_database(admin).await;
    let gh = open(db.url()).await;
    seed_players(&gh, players).await;
    let key = gh
        .create_api_key("bench", &["economy:write".to_string()])
        .await
        .expect("API key")
        .key;
    (db, key)
}

// ----- hosts as processes -----

/// A `guildhall serve` process of one case; killed when dropped.
struct HostProcess {
    child: Child,
    url: String,
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    let mut f = std::fs::File::open("/dev/urandom").expect("urandom");
    std::io::Read::read_exact(&mut f, &mut buf).expect("urandom");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// Starts `n` hosts on `db_url` (and `redis` with `prefix`), waits until each answers
/// `/readyz`.
fn start_hosts(
    opts: &Opts,
    binary: &Path,
    dir: &Path,
    db_url: &str,
    prefix: &str,
    n: usize,
) -> Vec<HostProcess> {
    // The key limit is raised so the load is not refused; it is still counted (in Redis).
    let config = dir.join("bench-host.toml");
    std::fs::write(
        &config,
        "[[currencies]]\ncode = \"gold\"\n\n[auth.rate_limits]\nkey_per_minute = 1000000000\n",
    )
    .expect("write host config");
    let mut db_url = db_url.to_string();
    let params = opts
        .pool
        .map(|p| format!("max_connections={p}"))
        .into_iter()
        .chain(opts.db_params.clone());
    for param in params {
        let sep = if db_url.contains('?') { '&' } else { '?' };
        db_url = format!("{db_url}{sep}{param}");
    }
    let secret = random_hex(32);
    let hosts: Vec<HostProcess> = (0..n)
        .map(|i| {
            let port = free_port();
            let log = std::fs::File::create(dir.join(format!("host-{i}.log"))).expect("log");
            let mut cmd = Command::new(binary);
            cmd.args(["serve", "--config"])
                .arg(&config)
                .args([
                    "--listen",
                    &format!("127.0.0.1:{port}"),
                    "--database",
                    &db_url,
                ])
                .env("GUILDHALL_JWT_SECRET", &secret)
                .env("GUILDHALL_LOG", "warn")
                .env("GUILDHALL_REDIS_PREFIX", prefix)
                .env_remove("GUILDHALL_CONFIG")
                .stdout(Stdio::null())
                .stderr(log);
            if let Some(r) = &opts.redis {
                cmd.args(["--redis", r]);
            }
            HostProcess {
                child: cmd.spawn().expect("start guildhall serve"),
                url: format!("http://127.0.0.1:{port}"),
            }
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    for (i, h) in hosts.iter().enumerate() {
        loop {
            let ready = std::net::TcpStream::connect(h.url.trim_start_matches("http://"))
                .ok()
                .and_then(|mut s| {
                    s.write_all(b"GET /readyz HTTP/1.0\r\n\r\n").ok()?;
                    let mut buf = [0u8; 12];
                    std::io::Read::read_exact(&mut s, &mut buf).ok()?;
                    Some(buf.ends_with(b"200"))
                })
                .unwrap_or(false);
            if ready {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "host {i} did not become ready: {}",
                std::fs::read_to_string(dir.join(format!("host-{i}.log"))).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    hosts
}

/// One HTTP case against `hosts` new host processes on a fresh database.
fn http_case(
    opts: &Opts,
    rt: &tokio::runtime::Runtime,
    case: &str,
    op: Op,
    hosts: usize,
    clients: usize,
) -> Row {
    static CASE: AtomicU64 = AtomicU64::new(0);
    let binary = opts.guildhall.as_deref().expect("--guildhall PATH");
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, key) = rt.block_on(fresh_database(&opts.pg, opts.players));
    let prefix = format!(
        "ghbench:{}:{}:",
        std::process::id(),
        CASE.fetch_add(1, Ordering::Relaxed)
    );
    let procs = start_hosts(opts, binary, dir.path(), db.url(), &prefix, hosts);
    let urls: Vec<String> = procs.iter().map(|h| h.url.clone()).collect();
    let watch = CpuWatch {
        hosts: procs.iter().map(|h| h.child.id()).collect(),
        pg: opts.pg_pid,
        link: opts.link_pid,
    };
    let (warmup, window) = (
        Duration::from_secs_f64(opts.warmup),
        Duration::from_secs_f64(opts.secs),
    );
    let tck = clk_tck();
    let (load, cpu, waits) = rt.block_on(async {
        let gen = tokio::spawn({
            let (urls, key) = (urls.clone(), key.clone());
            let players = opts.players;
            async move { drive(&urls, &key, op, clients, players, warmup, window).await }
        });
        tokio::time::sleep(warmup).await;
        let sampler = sample_waits(db.url(), opts.secs);
        statements_reset(&opts.pg, db.name());
        let before = watch.snap();
        tokio::time::sleep(window).await;
        let after = watch.snap();
        let load = gen.await.expect("load generator");
        (load, cpu_between(&before, &after, tck), waits_of(sampler))
    });
    drop(procs);
    let what = format!("{case} {} at {clients} clients, {hosts} host(s)", op.name());
    let stmts = statements_per_request(&opts.pg, db.name(), load.ok, &what);
    let report = rt.block_on(async { open(db.url()).await.verify_ledger().await });
    assert!(report.expect("verify").ok, "ledger verifies after the load");
    if let Some(e) = &load.first_error {
        eprintln!(
            "{case} {} {hosts} hosts {clients} clients: first failure: {e}",
            op.name()
        );
    }
    drop(db);
    let n = load.ok.max(1) as f64;
    Row {
        net: opts.label.clone(),
        case: case.into(),
        op: op.name().into(),
        hosts,
        clients,
        ok: load.ok,
        failed: load.failed,
        rate: load.ok as f64 / load.secs,
        p50: load.lat[0],
        p99: load.lat[2],
        max: load.lat[3],
        stmts,
        waits,
        when: now_utc(),
        ..Row::cpu(&cpu, n, cpu.own)
    }
}

fn run(opts: Opts) {
    let rt = guildhall_benches::runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    if let Some(out) = &opts.out {
        if !out.exists() {
            // The header alone, so `summary` reads an empty run too.
            std::fs::write(out, format!("{HEADER}\n")).expect("write rows file");
        }
    }
    println!("{HEADER}");
    let has = |p: &str| opts.phases.iter().any(|x| x == p);
    if has("pgbench") {
        let own_db;
        let url = match &opts.pgbench_url {
            Some(u) => u.clone(),
            None => {
                own_db = rt.block_on(test_database(&opts.pg));
                pgbench_init(own_db.url(), opts.scale);
                own_db.url().to_string()
            }
        };
        let watch = CpuWatch {
            hosts: Vec::new(),
            pg: opts.pg_pid,
            link: opts.link_pid,
        };
        for &c in &opts.clients {
            let mut row = pgbench(&url, &opts.pg, c, opts.secs, dir.path(), &watch);
            row.net = opts.label.clone();
            row.when = now_utc();
            record(&opts, &row);
        }
    }
    if has("http") {
        for op in [Op::Purchase, Op::Transfer] {
            for &c in &opts.clients {
                let row = http_case(&opts, &rt, "http", op, 1, c);
                record(&opts, &row);
            }
        }
    }
    // Scale-out: each host with its own clients (`--per-host`), as hosts are added
    // for more players; then one load (`--scaleout-clients`) split over the hosts.
    if has("scaleout") {
        for hosts in [1, 2] {
            let clients = opts.per_host * hosts;
            let row = http_case(&opts, &rt, "scaleout", Op::Purchase, hosts, clients);
            record(&opts, &row);
        }
    }
    if has("split") {
        for hosts in [1, 2] {
            let row = http_case(
                &opts,
                &rt,
                "split",
                Op::Purchase,
                hosts,
                opts.scaleout_clients,
            );
            record(&opts, &row);
        }
    }
}

// ----- test mode -----

/// The smoke run under `cargo test`: pgbench and both operations through an in-process
/// host, a second each at 2 clients, on the test PostgreSQL.
fn smoke() {
    let Ok(admin) = std::env::var("GUILDHALL_TEST_POSTGRES_URL") else {
        println!("pg_compare: GUILDHALL_TEST_POSTGRES_URL is not set; skipped");
        return;
    };
    let rt = guildhall_benches::runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    if have_pgbench() {
        let db = rt.block_on(test_database(&admin));
        pgbench_init(db.url(), 1);
        let watch = CpuWatch {
            hosts: Vec::new(),
            pg: None,
            link: None,
        };
        let row = pgbench(db.url(), &admin, 2, 1.0, dir.path(), &watch);
        println!("pgbench smoke: {}", row.tsv());
        assert!(row.rate > 0.0 && row.ok > 0, "pgbench ran transactions");
        assert!(row.p99 > 0.0, "pgbench logs were read");
    } else {
        println!("pg_compare: pgbench is not installed; its part skipped");
    }
    // The delaying link: a query through it answers, and its connection's round trips
    // (start-up, authentication, the query) each take at least 1 ms.
    if let Some((authority, proxied)) = through_proxy(&admin) {
        let to = authority.to_string();
        std::thread::spawn(move || {
            delay_proxy(&proxied.0, &to, Duration::from_micros(500));
        });
        let t = Instant::now();
        let mut answer = None;
        while answer.is_none() && t.elapsed() < Duration::from_secs(5) {
            answer = psql(&proxied.1, "select 1");
        }
        let took = t.elapsed();
        println!("select 1 through the 1 ms link: {answer:?} in {took:?}");
        assert_eq!(
            answer.as_deref().map(str::trim),
            Some("1"),
            "query through the link"
        );
        assert!(
            took >= Duration::from_millis(2),
            "the link delays: {took:?}"
        );
    }
    let players = 16;
    let (db, key) = rt.block_on(fresh_database(&admin, players));
    let server = rt.block_on(async {
        let mut settings =
            guildhall_host::Settings::with_database(db.url(), "127.0.0.1:0".parse().expect("addr"));
        settings.redis = std::env::var("GUILDHALL_TEST_REDIS_URL").ok();
        settings.redis_prefix = Some(format!("ghbench-smoke:{}:", std::process::id()));
        guildhall_host::spawn(settings).await.expect("start host")
    });
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("client runtime");
    for op in [Op::Purchase, Op::Transfer] {
        let load = client_rt.block_on(drive(
            &[server.url()],
            &key,
            op,
            2,
            players,
            Duration::from_millis(200),
            Duration::from_secs(1),
        ));
        println!(
            "http/postgres {} smoke: {} ok, {} failed, p99 {:.2} ms",
            op.name(),
            load.ok,
            load.failed,
            load.lat[2]
        );
        assert!(load.ok > 0, "{} requests succeeded", op.name());
        assert_eq!(
            load.failed,
            0,
            "no {} failed: {:?}",
            op.name(),
            load.first_error
        );
    }
    let report = rt
        .block_on(server.guildhall().verify_ledger())
        .expect("verify");
    assert!(report.ok, "ledger verifies after the load");
    rt.block_on(server.shutdown()).expect("shutdown");
    drop(db);
    let rows = parse_rows(&format!(
        "{HEADER}\nloopback\tpgbench\ttpcb\t0\t32\t100\t0\t1000.0\t1\t2\t3\t0\t0.1\t0.1\t0\t50\t0\t7\t-\tt\nloopback\thttp\tpurchase\t1\t32\t100\t0\t1200.0\t1\t20\t30\t0.5\t0.1\t0.1\t0\t90\t0\t3\t-\tt\n"
    ));
    let table = summary(&rows);
    assert!(
        table.contains("= 1.20x (floor >= 1.0x with p99 <= 25 ms: met)"),
        "summary computes the ratio against pgbench: {table}"
    );
}
