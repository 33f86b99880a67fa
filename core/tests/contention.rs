//! Many concurrent calls on few players in one process queue on per-player locks
//! instead of failing with CONFLICT.

use guildhall_core::economy::{GrantRequest, TransferRequest};
use guildhall_core::memory::{MemoryCoordinator, MemoryStore};
use guildhall_core::types::{Currency, PlayerId};
use guildhall_core::{Config, Guildhall};
use std::sync::Arc;

fn p(i: usize) -> PlayerId {
    PlayerId::new(format!("p{i}")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_transfers_on_twenty_players_all_commit() {
    let config = Config::new(vec![Currency {
        code: "gold".into(),
        max_balance: None,
    }])
    .unwrap();
    let gh = Guildhall::new(
        Arc::new(MemoryStore::new()),
        Arc::new(MemoryCoordinator::new()),
        config,
    );
    for i in 0..20 {
        gh.grant(GrantRequest {
            player: p(i),
            currency: "gold".into(),
            amount: 1_000_000,
            source: None,
            reason: None,
            metadata: serde_json::Value::Null,
            idempotency_key: None,
        })
        .await
        .unwrap();
    }
    let mut tasks = Vec::new();
    for k in 0..1000usize {
        let gh = gh.clone();
        tasks.push(tokio::spawn(async move {
            gh.transfer(TransferRequest {
                from: p(k % 20),
                to: p((k * 7 + 3) % 20),
                currency: "gold".into(),
                amount: 1,
                reason: None,
                metadata: serde_json::Value::Null,
                idempotency_key: None,
            })
            .await
        }));
    }
    let mut failed = Vec::new();
    for t in tasks {
        if let Err(e) = t.await.unwrap() {
            failed.push(e.code);
        }
    }
    // Self-transfers (k*7+3 == k mod 20) are refused as INVALID_ARGUMENT; nothing else fails.
    assert!(
        failed
            .iter()
            .all(|c| *c == guildhall_core::ErrorCode::InvalidArgument),
        "{failed:?}"
    );
    let total: i64 = {
        let mut t = 0;
        for i in 0..20 {
            t += gh.balance(&p(i), "gold").await.unwrap();
        }
        t
    };
    assert_eq!(total, 20_000_000);
    assert!(gh.verify_ledger().await.unwrap().ok);
}
