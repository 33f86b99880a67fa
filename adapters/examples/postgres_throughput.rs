//! Measures purchases per second through the service layer over Postgres.
//!
//! `cargo run --release -p guildhall-adapters --example postgres_throughput [TOTAL] [TASKS] [PLAYERS] [CONNECTIONS]`
//! (defaults: 20000 purchases, 32 concurrent callers, one player per caller, 10 pool
//! connections). The server is `GUILDHALL_TEST_POSTGRES_URL`, else `DATABASE_URL`, else
//! `postgres://postgres@127.0.0.1:5432/postgres`; the run creates its own database
//! there and drops it at the end.
use guildhall_adapters::postgres::{PostgresStore, PostgresStoreOptions, TestDatabase};
use guildhall_core::economy::GrantRequest;
use guildhall_core::inventory::PurchaseRequest;
use guildhall_core::memory::MemoryCoordinator;
use guildhall_core::ports::Store;
use guildhall_core::types::{CatalogItem, Currency, ItemKind, PlayerId, Price};
use guildhall_core::{Config, Guildhall};
use std::sync::Arc;
use std::time::Instant;

#[tokio::main]
async fn main() -> guildhall_core::Result<()> {
    let arg = |i: usize, default: usize| {
        std::env::args()
            .nth(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let (total, tasks) = (arg(1, 20_000), arg(2, 32));
    let players = arg(3, tasks);
    let admin = std::env::var("GUILDHALL_TEST_POSTGRES_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    let db = TestDatabase::create(&admin).await?;
    let options = PostgresStoreOptions {
        max_connections: arg(4, PostgresStoreOptions::default().max_connections as usize) as u32,
        ..Default::default()
    };
    let store = PostgresStore::connect_with(db.url(), options).await?;
    store.migrate().await?;
    let config = Config::new(vec![Currency {
        code: "gold".into(),
        max_balance: None,
    }])?;
    let gh = Guildhall::new(Arc::new(store), Arc::new(MemoryCoordinator::new()), config);
    gh.upsert_catalog_item(CatalogItem {
        id: "potion".into(),
        name: "Health Potion".into(),
        kind: ItemKind::Consumable,
        price: Some(Price {
            currency: "gold".into(),
            amount: 1,
        }),
        max_stack: None,
        active: true,
        metadata: serde_json::Value::Null,
    })
    .await?;
    let ids: Vec<PlayerId> = (0..players)
        .map(|i| PlayerId::new(format!("player-{i}")))
        .collect::<Result<_, _>>()?;
    for p in &ids {
        gh.grant(GrantRequest {
            player: p.clone(),
            currency: "gold".into(),
            amount: 1_000_000_000,
            source: None,
            reason: None,
            metadata: serde_json::Value::Null,
            idempotency_key: None,
        })
        .await?;
    }
    let start = Instant::now();
    // The callers are polled concurrently by this task; the committer runs on its own.
    let callers = (0..tasks).map(|t| {
        let (gh, ids) = (&gh, &ids);
        let n = total / tasks + usize::from(t < total % tasks);
        async move {
            for i in 0..n {
                let player = ids[(t + i * tasks) % ids.len()].clone();
                let req = PurchaseRequest {
                    player,
                    item_id: "potion".into(),
                    quantity: 1,
                    metadata: serde_json::Value::Null,
                    idempotency_key: None,
                };
                gh.purchase(req).await?;
            }
            Ok::<_, guildhall_core::Error>(())
        }
    });
    for r in futures::future::join_all(callers).await {
        r?;
    }
    let secs = start.elapsed().as_secs_f64();
    let report = gh.verify_ledger().await?;
    println!(
        "{total} purchases, {tasks} tasks, {players} players: {secs:.2} s, {:.0} purchases/s, ledger ok: {}",
        total as f64 / secs,
        report.ok
    );
    drop(gh);
    db.drop_now().await
}
