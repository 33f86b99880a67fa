//! Trades at scale (SPEC.md Trade; issue floor on this machine: 2,000 completed trades/s
//! on SQLite).
//!
//! Set-up (not timed): P players (1,000; 100 under `cargo test`), each with 1,000,000
//! gold and 1,000,000 units of a consumable.
//!
//! Measured for at most 10 s (1 s under `cargo test`): completed trades, W trades in
//! flight at once (32 workers; each trades between two random players of its own slice
//! of the players, so two trades in flight never share a player, as in a game where a
//! player sits in one trade window at a time). A trade is what a real client sends, three
//! commits:
//! 1. `open_trade` carrying the opener's offer (5 gold);
//! 2. `set_trade_offer` by the other side (1 potion) with `confirm` of the revision it
//!    makes;
//! 3. `confirm_trade` by the opener of that revision: the exchange, in the same commit.
//!
//! Reported: trades/s, commits/s, and the latency of a whole trade (p50, p90, p99, max).
//!
//! A bounded bench binary: `cargo bench -p guildhall-benches --bench trade`.

use guildhall_benches::{bench_mode, percentiles_ms, player, runtime, seed, Db, ITEM};
use guildhall_core::inventory::GrantItemRequest;
use guildhall_core::trade::{
    ConfirmTradeRequest, OpenTradeRequest, TradeItem, TradeOffer, TradeOfferRequest, TradeState,
};
use guildhall_core::types::Balance;
use guildhall_core::Guildhall;
use std::time::{Duration, Instant};

const WORKERS: usize = 32;
const FUNDS: i64 = 1_000_000;

/// A cheap per-task random number below `n`.
fn pick(state: &mut u64, n: usize) -> usize {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    (*state % n as u64) as usize
}

/// One whole trade of `a` with `b`: open with 5 gold, the answer of 1 potion confirmed,
/// the opener's confirmation (the exchange).
async fn trade(gh: &Guildhall, a: usize, b: usize) {
    let t = gh
        .open_trade(OpenTradeRequest {
            player: player(a),
            with: player(b),
            offer: TradeOffer {
                currencies: vec![Balance {
                    currency: "gold".into(),
                    amount: 5,
                }],
                items: vec![],
            },
            idempotency_key: None,
        })
        .await
        .expect("open");
    let t = gh
        .set_trade_offer(TradeOfferRequest {
            player: player(b),
            trade_id: t.trade.id,
            offer: TradeOffer {
                currencies: vec![],
                items: vec![TradeItem {
                    item_id: ITEM.into(),
                    quantity: 1,
                }],
            },
            revision: Some(t.trade.revision),
            confirm: true,
            idempotency_key: None,
        })
        .await
        .expect("offer and confirm");
    let done = gh
        .confirm_trade(ConfirmTradeRequest {
            player: player(a),
            trade_id: t.trade.id,
            revision: t.trade.revision,
            idempotency_key: None,
        })
        .await
        .expect("confirm");
    assert_eq!(done.trade.state, TradeState::Completed);
}

fn main() {
    let bench = bench_mode();
    let players: usize = if bench { 1_000 } else { 100 };
    let window = Duration::from_secs(if bench { 10 } else { 1 });
    runtime().block_on(async {
        let db = Db::sqlite();
        let gh = guildhall_benches::open(db.url()).await;
        seed(&gh, players, FUNDS).await;
        for i in 0..players {
            gh.grant_item(GrantItemRequest {
                player: player(i),
                item_id: ITEM.into(),
                quantity: FUNDS,
                reason: None,
                idempotency_key: None,
            })
            .await
            .expect("stock player");
        }
        let slice = players / WORKERS;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..WORKERS {
            let gh = gh.clone();
            tasks.push(tokio::spawn(async move {
                let mut rng = 0x2545_F491_4F6C_DD1D_u64 ^ (w as u64 + 1);
                let mut lat = Vec::new();
                while started.elapsed() < window {
                    let a = pick(&mut rng, slice);
                    let b = (a + 1 + pick(&mut rng, slice - 1)) % slice;
                    let t = Instant::now();
                    trade(&gh, w * slice + a, w * slice + b).await;
                    lat.push(t.elapsed());
                }
                lat
            }));
        }
        let mut lat = Vec::new();
        for task in tasks {
            lat.extend(task.await.expect("trade task"));
        }
        let secs = started.elapsed().as_secs_f64();
        let n = lat.len();
        let [p50, p90, p99, max] = percentiles_ms(&mut lat);
        println!(
            "trade/sqlite: {n} completed trades between {players} players in {secs:.1} s: \
             {rate:.0} trades/s, {commits:.0} commits/s (3 per trade), {WORKERS} in flight; \
             a whole trade p50 {p50:.3} ms, p90 {p90:.3} ms, p99 {p99:.3} ms, max {max:.2} ms \
             (floor 2,000/s)",
            rate = n as f64 / secs,
            commits = 3.0 * n as f64 / secs,
        );
        let report = gh.verify_ledger().await.expect("ledger audit");
        assert!(
            report.mismatches.is_empty() && report.unbalanced_currencies.is_empty(),
            "{report:?}"
        );
    });
}
