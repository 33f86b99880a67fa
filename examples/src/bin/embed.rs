//! Embeds the guildhall core directly in a Rust program: no server, a SQLite file (or
//! memory). Run: `cargo run -p guildhall-examples --bin embed [sqlite://game.db]`.

use guildhall_core::economy::{GrantRequest, TransferRequest};
use guildhall_core::inventory::{PurchaseRequest, UseItemRequest};
use guildhall_core::types::{CatalogItem, Currency, ItemKind, PlayerId, Price};
use guildhall_core::{Config, ErrorCode, HistoryFilter};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "memory://".into());
    let config = Config::new(vec![Currency {
        code: "gold".into(),
        max_balance: None,
    }])?;
    let gh = guildhall_adapters::open(&url, config).await?;
    gh.upsert_catalog_item(CatalogItem {
        id: "potion".into(),
        name: "Health Potion".into(),
        kind: ItemKind::Consumable,
        price: Some(Price {
            currency: "gold".into(),
            amount: 10,
        }),
        max_stack: Some(100),
        active: true,
        metadata: serde_json::Value::Null,
    })
    .await?;

    let alice: PlayerId = "alice".parse()?;
    let bob: PlayerId = "bob".parse()?;
    let null = serde_json::Value::Null;

    // A donation webhook: the payment id is the idempotency key, so a redelivery credits once.
    for _ in 0..2 {
        let r = gh
            .grant(GrantRequest {
                player: alice.clone(),
                currency: "gold".into(),
                amount: 100,
                source: Some("donations".into()),
                reason: Some("donation".into()),
                metadata: serde_json::json!({ "provider": "example-pay" }),
                idempotency_key: Some("payment-0001".into()),
            })
            .await?;
        println!("grant: balance {} (replayed: {})", r.balance, r.replayed);
    }

    let bought = gh
        .purchase(PurchaseRequest {
            player: alice.clone(),
            item_id: "potion".into(),
            quantity: 3,
            metadata: null.clone(),
            idempotency_key: None,
        })
        .await?;
    println!(
        "bought {} potions for {} gold; balance {}",
        bought.quantity, bought.amount, bought.balance
    );
    let used = gh
        .use_item(UseItemRequest {
            player: alice.clone(),
            item_id: "potion".into(),
            quantity: 1,
            idempotency_key: None,
        })
        .await?;
    println!("used one; {} left", used.remaining);

    let t = gh
        .transfer(TransferRequest {
            from: alice.clone(),
            to: bob.clone(),
            currency: "gold".into(),
            amount: 50,
            reason: None,
            metadata: null.clone(),
            idempotency_key: None,
        })
        .await?;
    println!("transfer: alice {} / bob {}", t.from_balance, t.to_balance);

    match gh
        .transfer(TransferRequest {
            from: bob.clone(),
            to: alice.clone(),
            currency: "gold".into(),
            amount: 1_000,
            reason: None,
            metadata: null,
            idempotency_key: None,
        })
        .await
    {
        Err(e) if e.code == ErrorCode::InsufficientFunds => println!("refused as expected: {e}"),
        other => return Err(format!("expected INSUFFICIENT_FUNDS, got {other:?}").into()),
    }

    for e in gh.history(&alice, HistoryFilter::default()).await?.entries {
        println!(
            "ledger #{:>3} {:<9} {:>5} {} {} -> {}",
            e.seq,
            e.kind.as_str(),
            e.amount,
            e.currency,
            e.debit,
            e.credit
        );
    }
    let report = gh.verify_ledger().await?;
    println!(
        "ledger verified: {} ({} accounts)",
        report.ok, report.accounts_checked
    );
    if !report.ok {
        return Err("ledger does not verify".into());
    }
    Ok(())
}
