//! Loot rolls with grants (SPEC.md Loot tables; issue floor on this machine: 5,000
//! rolls/s on SQLite).
//!
//! Set-up: a catalog item `gem` (consumable, no stack limit) and a table `boss` nesting
//! a table `bonus`: 2 rolls of weighted entries (1-3 gems, 5-50 gold, the nested table,
//! nothing), 1-10 gold guaranteed; `bonus` drops 1 gem or 1-5 gold. Each roll draws a
//! seed, rolls, and in one commit stores the result (seed, tables, drops), credits the
//! gold through the ledger from `system:loot` and the gems into the inventory.
//!
//! Measured, each for at most 10 s (2 s under `cargo test`): rolls for random players of
//! P (`GUILDHALL_BENCH_LOOT_PLAYERS`, default 10,000; 200 under `cargo test`), with 1,
//! 16 and 64 rolls in flight at once; then the ledger audit. Store: SQLite file, or
//! PostgreSQL with `GUILDHALL_BENCH_LOOT_STORE=postgres`.
//!
//! A bounded bench binary: `cargo bench -p guildhall-benches --bench loot`.

use guildhall_benches::{bench_mode, percentiles_ms, player, runtime, Db};
use guildhall_core::loot::{LootEntry, LootTable, RollLootRequest};
use guildhall_core::types::{CatalogItem, Currency, ItemKind};
use guildhall_core::{Config, Guildhall};
use std::time::{Duration, Instant};

/// A cheap per-task random player number.
fn pick(state: &mut u64, players: usize) -> usize {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    (*state % players as u64) as usize
}

fn entry(
    item: Option<&str>,
    currency: Option<&str>,
    table: Option<&str>,
    range: (i64, i64),
    weight: u32,
) -> LootEntry {
    LootEntry {
        item: item.map(str::to_string),
        currency: currency.map(str::to_string),
        table: table.map(str::to_string),
        min: range.0,
        max: range.1,
        weight,
        guaranteed: false,
    }
}

async fn tables(gh: &Guildhall) {
    gh.upsert_catalog_item(CatalogItem {
        id: "gem".into(),
        name: "Gem".into(),
        kind: ItemKind::Consumable,
        price: None,
        max_stack: None,
        active: true,
        metadata: serde_json::Value::Null,
    })
    .await
    .expect("catalog item");
    gh.put_loot_table(LootTable {
        id: "bonus".into(),
        description: String::new(),
        rolls: 1,
        entries: vec![
            entry(Some("gem"), None, None, (1, 1), 1),
            entry(None, Some("gold"), None, (1, 5), 1),
        ],
    })
    .await
    .expect("bonus table");
    gh.put_loot_table(LootTable {
        id: "boss".into(),
        description: String::new(),
        rolls: 2,
        entries: vec![
            LootEntry {
                guaranteed: true,
                ..entry(None, Some("gold"), None, (1, 10), 0)
            },
            entry(Some("gem"), None, None, (1, 3), 5),
            entry(None, Some("gold"), None, (5, 50), 3),
            entry(None, None, Some("bonus"), (1, 1), 2),
            entry(None, None, None, (1, 1), 1),
        ],
    })
    .await
    .expect("boss table");
}

fn main() {
    let bench = bench_mode();
    let players: usize = if bench {
        std::env::var("GUILDHALL_BENCH_LOOT_PLAYERS")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(10_000)
    } else {
        200
    };
    let window = Duration::from_secs(if bench { 10 } else { 2 });
    let store = std::env::var("GUILDHALL_BENCH_LOOT_STORE").unwrap_or_else(|_| "sqlite".into());
    runtime().block_on(async {
        let db = match store.as_str() {
            "postgres" => Db::postgres().await,
            _ => Db::sqlite(),
        };
        let config = Config::new(vec![Currency {
            code: "gold".into(),
            max_balance: None,
        }])
        .expect("config");
        let gh = guildhall_adapters::open(db.url(), config)
            .await
            .expect("open backend");
        tables(&gh).await;
        let mut total = 0usize;
        for in_flight in [1usize, 16, 64] {
            let started = Instant::now();
            let mut tasks = Vec::new();
            for w in 0..in_flight {
                let gh = gh.clone();
                tasks.push(tokio::spawn(async move {
                    let mut rng = 0x2545_F491_4F6C_DD1D_u64 ^ ((w as u64 + 1) << 20);
                    let mut lat = Vec::new();
                    while started.elapsed() < window {
                        let t = Instant::now();
                        let r = gh
                            .roll_loot(RollLootRequest {
                                player: player(pick(&mut rng, players)),
                                table_id: "boss".into(),
                                party: false,
                                idempotency_key: None,
                            })
                            .await
                            .expect("roll");
                        assert!(!r.drops.is_empty());
                        lat.push(t.elapsed());
                    }
                    lat
                }));
            }
            let mut lat = Vec::new();
            for task in tasks {
                lat.extend(task.await.expect("roll task"));
            }
            let secs = started.elapsed().as_secs_f64();
            let n = lat.len();
            total += n;
            let [p50, p90, p99, max] = percentiles_ms(&mut lat);
            println!(
                "loot/{store}: {n} rolls with grants in {secs:.1} s: {rate:.0} rolls/s \
                 ({in_flight} in flight), p50 {p50:.3} ms, p90 {p90:.3} ms, p99 {p99:.3} ms, \
                 max {max:.2} ms (floor 5,000/s at 64 in flight)",
                rate = n as f64 / secs
            );
        }
        let t = Instant::now();
        let report = gh.verify_ledger().await.expect("verify ledger");
        assert!(
            report.mismatches.is_empty() && report.unbalanced_currencies.is_empty(),
            "{report:?}"
        );
        println!(
            "loot/{store}: ledger audit after {total} rolls: ok in {:.2} s",
            t.elapsed().as_secs_f64()
        );
    });
}
