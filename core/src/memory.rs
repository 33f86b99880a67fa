//! In-memory Store and Coordinator: the reference implementation of the ports, for
//! the core's own tests and for embedding without a database. State is lost on drop.

use crate::error::{Error, Result};
use crate::ports::{
    BalanceRow, BalanceWrite, ChangeSet, Coordinator, DailyRevenue, HistoryQuery,
    IdempotencyRecord, ItemRow, PopularItem, Store,
};
use crate::types::{Account, Amount, CatalogItem, EntryKind, Event, LedgerEntry, PlayerId};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use tokio::sync::broadcast;

#[derive(Default)]
struct State {
    balances: HashMap<(Account, String), BalanceRow>,
    items: BTreeMap<(PlayerId, String), ItemRow>,
    ledger: Vec<LedgerEntry>,
    events: Vec<Event>,
    idempotency: HashMap<(String, String), IdempotencyRecord>,
    catalog: BTreeMap<String, CatalogItem>,
    next_seq: i64,
}

/// A [`Store`] in a mutex. Commits check every guard before applying anything.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait::async_trait]
impl Store for MemoryStore {
    async fn migrate(&self) -> Result<()> {
        Ok(())
    }
    async fn ping(&self) -> Result<()> {
        Ok(())
    }
    async fn balance(&self, account: &Account, currency: &str) -> Result<BalanceRow> {
        Ok(self
            .lock()
            .balances
            .get(&(account.clone(), currency.to_string()))
            .copied()
            .unwrap_or_default())
    }
    async fn balances(&self, account: &Account) -> Result<Vec<(String, BalanceRow)>> {
        let s = self.lock();
        let mut v: Vec<_> = s
            .balances
            .iter()
            .filter(|((a, _), _)| a == account)
            .map(|((_, c), r)| (c.clone(), *r))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(v)
    }
    async fn all_balances(&self) -> Result<Vec<(Account, String, Amount)>> {
        Ok(self
            .lock()
            .balances
            .iter()
            .map(|((a, c), r)| (a.clone(), c.clone(), r.amount))
            .collect())
    }
    async fn item(&self, player: &PlayerId, item_id: &str) -> Result<Option<ItemRow>> {
        Ok(self
            .lock()
            .items
            .get(&(player.clone(), item_id.to_string()))
            .cloned())
    }
    async fn items(&self, player: &PlayerId) -> Result<Vec<ItemRow>> {
        Ok(self
            .lock()
            .items
            .iter()
            .filter(|((p, _), _)| p == player)
            .map(|(_, r)| r.clone())
            .collect())
    }
    async fn idempotency(&self, scope: &str, key: &str) -> Result<Option<IdempotencyRecord>> {
        Ok(self
            .lock()
            .idempotency
            .get(&(scope.to_string(), key.to_string()))
            .cloned())
    }
    async fn catalog_item(&self, id: &str) -> Result<Option<CatalogItem>> {
        Ok(self.lock().catalog.get(id).cloned())
    }
    async fn catalog(&self) -> Result<Vec<CatalogItem>> {
        Ok(self.lock().catalog.values().cloned().collect())
    }
    async fn history(&self, q: &HistoryQuery) -> Result<Vec<LedgerEntry>> {
        let s = self.lock();
        Ok(s.ledger
            .iter()
            .rev()
            .filter(|e| e.debit == q.account || e.credit == q.account)
            .filter(|e| q.currency.as_ref().is_none_or(|c| &e.currency == c))
            .filter(|e| q.kind.is_none_or(|k| e.kind == k))
            .filter(|e| q.before_seq.is_none_or(|b| e.seq < b))
            .take(q.limit as usize)
            .cloned()
            .collect())
    }
    async fn ledger_net(&self) -> Result<Vec<(Account, String, Amount)>> {
        let mut net: HashMap<(Account, String), i64> = HashMap::new();
        for e in &self.lock().ledger {
            *net.entry((e.credit.clone(), e.currency.clone()))
                .or_default() += e.amount;
            *net.entry((e.debit.clone(), e.currency.clone()))
                .or_default() -= e.amount;
        }
        Ok(net.into_iter().map(|((a, c), n)| (a, c, n)).collect())
    }
    async fn popular_items(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<PopularItem>> {
        let mut agg: HashMap<String, (i64, i64)> = HashMap::new();
        for e in self
            .lock()
            .ledger
            .iter()
            .filter(|e| e.kind == EntryKind::Purchase && e.at >= from && e.at < to)
        {
            if let Some(id) = &e.item_id {
                let a = agg.entry(id.clone()).or_default();
                a.0 += e.quantity.unwrap_or(0);
                a.1 += 1;
            }
        }
        let mut v: Vec<_> = agg
            .into_iter()
            .map(|(item_id, (q, n))| PopularItem {
                item_id,
                total_quantity: q,
                purchases: n,
            })
            .collect();
        v.sort_by(|a, b| {
            b.total_quantity
                .cmp(&a.total_quantity)
                .then_with(|| a.item_id.cmp(&b.item_id))
        });
        v.truncate(limit as usize);
        Ok(v)
    }
    async fn revenue_per_day(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyRevenue>> {
        let mut agg: BTreeMap<(NaiveDate, String), (i64, i64)> = BTreeMap::new();
        for e in self
            .lock()
            .ledger
            .iter()
            .filter(|e| e.kind == EntryKind::Purchase && e.day >= from && e.day <= to)
        {
            let a = agg.entry((e.day, e.currency.clone())).or_default();
            a.0 += e.amount;
            a.1 += 1;
        }
        Ok(agg
            .into_iter()
            .map(|((day, currency), (amount, purchases))| DailyRevenue {
                day,
                currency,
                amount,
                purchases,
            })
            .collect())
    }
    async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<Event>> {
        Ok(self
            .lock()
            .events
            .iter()
            .filter(|e| e.seq > after)
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn commit(&self, mut cs: ChangeSet) -> Result<ChangeSet> {
        let mut s = self.lock();
        // Check every guard first: nothing is applied unless all hold.
        for w in &cs.balances {
            if let BalanceWrite::Set {
                account,
                currency,
                expected_version,
                ..
            } = w
            {
                let v = s
                    .balances
                    .get(&(account.clone(), currency.clone()))
                    .map_or(0, |r| r.version);
                if v != *expected_version {
                    return Err(Error::conflict(format!(
                        "balance {account}/{currency} moved"
                    )));
                }
            }
        }
        for w in &cs.items {
            let v = s
                .items
                .get(&(w.player.clone(), w.item_id.clone()))
                .map_or(0, |r| r.version);
            if v != w.expected_version {
                return Err(Error::conflict(format!(
                    "item {}/{} moved",
                    w.player, w.item_id
                )));
            }
        }
        if let Some(rec) = &cs.idempotency {
            if s.idempotency
                .contains_key(&(rec.scope.clone(), rec.key.clone()))
            {
                return Err(Error::conflict("idempotency key stored concurrently"));
            }
        }
        for w in &cs.balances {
            match w {
                BalanceWrite::Set {
                    account,
                    currency,
                    expected_version,
                    amount,
                } => {
                    s.balances.insert(
                        (account.clone(), currency.clone()),
                        BalanceRow {
                            amount: *amount,
                            version: expected_version + 1,
                        },
                    );
                }
                BalanceWrite::Add {
                    account,
                    currency,
                    delta,
                } => {
                    s.balances
                        .entry((account.clone(), currency.clone()))
                        .or_default()
                        .amount += delta;
                }
            }
        }
        for w in &cs.items {
            s.items.insert(
                (w.player.clone(), w.item_id.clone()),
                ItemRow {
                    item_id: w.item_id.clone(),
                    quantity: w.quantity,
                    acquired_at: w.acquired_at,
                    version: w.expected_version + 1,
                },
            );
        }
        for e in &mut cs.ledger {
            s.next_seq += 1;
            e.seq = s.next_seq;
            s.ledger.push(e.clone());
        }
        for e in &mut cs.events {
            s.next_seq += 1;
            e.seq = s.next_seq;
            s.events.push(e.clone());
        }
        if let Some(rec) = &cs.idempotency {
            s.idempotency
                .insert((rec.scope.clone(), rec.key.clone()), rec.clone());
        }
        for item in &cs.catalog {
            s.catalog.insert(item.id.clone(), item.clone());
        }
        Ok(cs)
    }

    async fn prune(
        &self,
        events_before: DateTime<Utc>,
        idempotency_before: DateTime<Utc>,
    ) -> Result<(u64, u64)> {
        let mut s = self.lock();
        let (e0, i0) = (s.events.len(), s.idempotency.len());
        s.events.retain(|e| e.at >= events_before);
        s.idempotency
            .retain(|_, r| r.created_at >= idempotency_before);
        Ok((
            (e0 - s.events.len()) as u64,
            (i0 - s.idempotency.len()) as u64,
        ))
    }
}

/// The in-process [`Coordinator`]: a broadcast channel for live events.
pub struct MemoryCoordinator {
    tx: broadcast::Sender<Event>,
}

impl Default for MemoryCoordinator {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(4096).0,
        }
    }
}

impl MemoryCoordinator {
    /// A coordinator for one process.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl Coordinator for MemoryCoordinator {
    async fn publish(&self, events: &[Event]) -> Result<()> {
        for e in events {
            // No receiver is not an error: nobody is listening live.
            let _ = self.tx.send(e.clone());
        }
        Ok(())
    }
    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
}
