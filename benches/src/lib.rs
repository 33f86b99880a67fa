//! Shared set-up of guildhall's benchmarks: a backend with a priced consumable and
//! funded players, on the store a URL names.

use guildhall_core::economy::GrantRequest;
use guildhall_core::types::{CatalogItem, Currency, ItemKind, PlayerId, Price};
use guildhall_core::{Config, Guildhall};

/// Catalog item id of the benchmark's consumable (price 1 gold, unlimited stack).
pub const ITEM: &str = "bench-potion";

/// A migrated backend on `url` with currency `gold`, the consumable [`ITEM`], and
/// `players` players (`p0`, `p1`, ...) each granted `funds` gold.
pub async fn backend(url: &str, players: usize, funds: i64) -> Guildhall {
    let config = Config::new(vec![Currency {
        code: "gold".into(),
        max_balance: None,
    }])
    .expect("config");
    let gh = guildhall_adapters::open(url, config)
        .await
        .expect("open backend");
    seed(&gh, players, funds).await;
    gh
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
