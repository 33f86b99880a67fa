//! Purchases and transfers per second through the service layer (`Guildhall`), with
//! 32 concurrent callers, on the in-memory store and on a SQLite file.
//! Run: `cargo bench -p guildhall-benches --bench service`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use guildhall_benches::{backend, player, ITEM};
use guildhall_core::economy::TransferRequest;
use guildhall_core::inventory::PurchaseRequest;
use guildhall_core::Guildhall;
use std::time::{Duration, Instant};

const CALLERS: usize = 32;
const PLAYERS: usize = 64;

/// Runs `n` operations split over [`CALLERS`] tasks and returns the wall time.
async fn run(gh: &Guildhall, n: u64, transfer: bool) -> Duration {
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(CALLERS);
    for c in 0..CALLERS {
        let gh = gh.clone();
        let share = n / CALLERS as u64 + u64::from((c as u64) < n % CALLERS as u64);
        tasks.push(tokio::spawn(async move {
            for i in 0..share as usize {
                let a = (c * 7 + i) % PLAYERS;
                if transfer {
                    let b = (a + 1 + i % (PLAYERS - 1)) % PLAYERS;
                    gh.transfer(TransferRequest {
                        from: player(a),
                        to: player(b),
                        currency: "gold".into(),
                        amount: 1,
                        reason: None,
                        metadata: serde_json::Value::Null,
                        idempotency_key: None,
                    })
                    .await
                    .expect("transfer");
                } else {
                    gh.purchase(PurchaseRequest {
                        player: player(a),
                        item_id: ITEM.into(),
                        quantity: 1,
                        metadata: serde_json::Value::Null,
                        idempotency_key: None,
                    })
                    .await
                    .expect("purchase");
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = std::env::temp_dir().join(format!("guildhall-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (name, url) in [
        ("memory", "memory://".to_string()),
        ("sqlite", format!("sqlite://{}/bench.db", dir.display())),
    ] {
        let gh = rt.block_on(backend(&url, PLAYERS, 1_000_000_000));
        let mut g = c.benchmark_group(format!("service/{name}"));
        g.throughput(Throughput::Elements(1));
        g.sample_size(10);
        g.measurement_time(Duration::from_secs(8));
        g.bench_function("purchase", |b| {
            b.iter_custom(|iters| rt.block_on(run(&gh, iters, false)))
        });
        g.bench_function("transfer", |b| {
            b.iter_custom(|iters| rt.block_on(run(&gh, iters, true)))
        });
        g.finish();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
