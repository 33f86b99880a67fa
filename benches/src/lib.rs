//! Shared set-up of guildhall's benchmarks: a backend with a priced consumable and
//! funded players, on the store a URL names.

pub mod link;

use guildhall_core::economy::GrantRequest;
use guildhall_core::types::{CatalogItem, Currency, ItemKind, PlayerId, Price};
use guildhall_core::{Config, Guildhall};

/// Catalog item id of the benchmark's consumable (price 1 gold, unlimited stack).
pub const ITEM: &str = "bench-potion";

/// A migrated backend on `url` with currency `gold`, the consumable [`ITEM`], and
/// `players` players (`p0`, `p1`, ...) each granted `funds` gold.
pub async fn backend(url: &str, players: usize, funds: i64) -> Guildhall {
    let gh = open(url).await;
    seed(&gh, players, funds).await;
    gh
}

/// A migrated backend on `url` with currency `gold` and nothing else.
pub async fn open(url: &str) -> Guildhall {
    let config = Config::new(vec![Currency {
        code: "gold".into(),
        max_balance: None,
    }])
    .expect("config");
    guildhall_adapters::open(url, config)
        .await
        .expect("open backend")
}

/// The 2-thread tokio runtime the store benchmarks run on.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Adds the consumable [`ITEM`] and grants `funds` gold to each of `players` players.
pub async fn seed(gh: &Guildhall, players: usize, funds: i64) {
    gh.upsert_catalog_item(CatalogItem {
        id: ITEM.into(),
        name: "Bench Potion".into(),
        kind: ItemKind::Consumable,
        price: Some(Price {
            currency: "gold".into(),
            amount: 1,
        }),
        max_stack: None,
        active: true,
        metadata: serde_json::Value::Null,
    })
    .await
    .expect("catalog");
    for i in 0..players {
        gh.grant(GrantRequest {
            player: player(i),
            currency: "gold".into(),
            amount: funds,
            source: None,
            reason: None,
            metadata: serde_json::Value::Null,
            idempotency_key: None,
        })
        .await
        .expect("fund player");
    }
}

/// The benchmark player number `i`.
pub fn player(i: usize) -> PlayerId {
    PlayerId::new(format!("p{i}")).expect("valid id")
}

/// True when the bench binary was started by `cargo bench` (`--bench`), false under
/// `cargo test` (`--test` or no argument), where benchmarks run small as smoke tests.
pub fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// A throwaway database for one benchmark run: a SQLite file in a temporary directory,
/// or a fresh PostgreSQL database (dropped with this value) on the server
/// `GUILDHALL_TEST_POSTGRES_URL` names, else `postgres://postgres@127.0.0.1:5432/postgres`.
pub struct Db {
    url: String,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<guildhall_adapters::postgres::TestDatabase>,
}

impl Db {
    /// A SQLite file `bench.db` in a fresh temporary directory.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        Self {
            url: format!("sqlite://{}/bench.db", dir.path().display()),
            _dir: Some(dir),
            _pg: None,
        }
    }

    /// A fresh PostgreSQL database; panics naming the server when it cannot be made.
    pub async fn postgres() -> Self {
        let admin = std::env::var("GUILDHALL_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
        let db = guildhall_adapters::postgres::TestDatabase::create(&admin)
            .await
            .unwrap_or_else(|e| panic!("this benchmark needs PostgreSQL at {admin}: {e}"));
        Self {
            url: db.url().to_string(),
            _dir: None,
            _pg: Some(db),
        }
    }

    /// The store URL to open.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Latency percentiles of a sample, in milliseconds: p50, p90, p99, max (sorts `v`).
pub fn percentiles_ms(v: &mut [std::time::Duration]) -> [f64; 4] {
    v.sort();
    let n = v.len();
    let at = |p: f64| {
        v.get(((n as f64 * p) as usize).min(n.saturating_sub(1)))
            .copied()
            .unwrap_or_default()
            .as_secs_f64()
            * 1e3
    };
    [at(0.50), at(0.90), at(0.99), at(1.0)]
}
