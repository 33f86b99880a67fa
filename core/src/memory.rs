//! In-memory Store and Coordinator: the reference implementation of the ports, for
//! the core's own tests and for embedding without a database. State is lost on drop.

use crate::announce::{Template, Trigger};
use crate::error::{Error, Result};
use crate::mail::{Broadcast, Mail};
use crate::ports::{
    BalanceRow, BalanceWrite, ChangeSet, Coordinator, CounterRow, DailyRevenue, Doc, HistoryQuery,
    IdempotencyRecord, ItemRow, LedgerSnapshot, MailWrite, MailboxRow, PopularItem, RateDecision,
    Session, Store,
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
    counters: HashMap<String, (CounterRow, DateTime<Utc>)>,
    mailboxes: HashMap<PlayerId, MailboxRow>,
    mails: HashMap<PlayerId, BTreeMap<String, Mail>>,
    broadcasts: Vec<Broadcast>,
    templates: BTreeMap<String, Template>,
    triggers: BTreeMap<String, Trigger>,
    docs: BTreeMap<(String, String), (i64, serde_json::Value)>,
    /// Chat history per channel, keyed by (sent_at in microseconds, id).
    chat: HashMap<String, BTreeMap<(i64, String), crate::chat::ChatMessage>>,
    /// Leaderboard ranking index per standings: rows by (ord, submitted_at, player),
    /// and each player's position.
    scores: HashMap<String, ScoreIndex>,
    /// Game data files by global version.
    files: BTreeMap<i64, crate::downloads::StoredFile>,
}

/// One standings' ranking index in memory.
#[derive(Default)]
struct ScoreIndex {
    ordered: BTreeMap<(i64, i64, String), crate::leaderboards::ScoreEntry>,
    by_player: HashMap<String, (i64, i64, String)>,
}

fn pos_key(p: &crate::leaderboards::ScorePos) -> (i64, i64, String) {
    (p.ord, p.submitted_at, p.player.clone())
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
    async fn ledger_snapshot(&self) -> Result<LedgerSnapshot> {
        // One lock: a commit (which holds it throughout) lands wholly before or after.
        let s = self.lock();
        let mut net: HashMap<(Account, String), i128> = HashMap::new();
        for e in &s.ledger {
            *net.entry((e.credit.clone(), e.currency.clone()))
                .or_default() += i128::from(e.amount);
            *net.entry((e.debit.clone(), e.currency.clone()))
                .or_default() -= i128::from(e.amount);
        }
        Ok(LedgerSnapshot {
            balances: s
                .balances
                .iter()
                .map(|((a, c), r)| (a.clone(), c.clone(), r.amount))
                .collect(),
            net: net.into_iter().map(|((a, c), n)| (a, c, n)).collect(),
        })
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
    async fn counter(&self, key: &str) -> Result<CounterRow> {
        Ok(self
            .lock()
            .counters
            .get(key)
            .map(|(r, _)| *r)
            .unwrap_or_default())
    }
    async fn mailbox(&self, player: &PlayerId) -> Result<(MailboxRow, Vec<Mail>)> {
        let s = self.lock();
        let row = s.mailboxes.get(player).copied().unwrap_or_default();
        let mut mails: Vec<Mail> = s
            .mails
            .get(player)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default();
        mails.sort_by(|a, b| a.sent_at.cmp(&b.sent_at).then_with(|| a.id.cmp(&b.id)));
        Ok((row, mails))
    }
    async fn broadcasts_after(&self, after: i64, limit: u32) -> Result<Vec<Broadcast>> {
        Ok(self
            .lock()
            .broadcasts
            .iter()
            .filter(|b| b.seq > after)
            .take(limit as usize)
            .cloned()
            .collect())
    }
    async fn broadcast(&self, id: &str) -> Result<Option<Broadcast>> {
        Ok(self.lock().broadcasts.iter().find(|b| b.id == id).cloned())
    }
    async fn template(&self, id: &str) -> Result<Option<Template>> {
        Ok(self.lock().templates.get(id).cloned())
    }
    async fn templates(&self) -> Result<Vec<Template>> {
        Ok(self.lock().templates.values().cloned().collect())
    }
    async fn trigger(&self, id: &str) -> Result<Option<Trigger>> {
        Ok(self.lock().triggers.get(id).cloned())
    }
    async fn triggers(&self, event: Option<&str>) -> Result<Vec<Trigger>> {
        Ok(self
            .lock()
            .triggers
            .values()
            .filter(|t| event.is_none_or(|e| t.event == e))
            .cloned()
            .collect())
    }
    async fn doc(&self, kind: &str, id: &str) -> Result<Option<Doc>> {
        Ok(self
            .lock()
            .docs
            .get(&(kind.to_string(), id.to_string()))
            .map(|(v, b)| Doc {
                kind: kind.into(),
                id: id.into(),
                version: *v,
                body: b.clone(),
            }))
    }
    async fn docs_after(&self, kind: &str, after: &str, limit: u32) -> Result<Vec<Doc>> {
        use std::ops::Bound;
        Ok(self
            .lock()
            .docs
            .range((
                Bound::Excluded((kind.to_string(), after.to_string())),
                Bound::Unbounded,
            ))
            .take_while(|((k, _), _)| k == kind)
            .take(limit as usize)
            .map(|((k, id), (v, b))| Doc {
                kind: k.clone(),
                id: id.clone(),
                version: *v,
                body: b.clone(),
            })
            .collect())
    }
    async fn put_file(
        &self,
        file: crate::downloads::NewFile,
    ) -> Result<crate::downloads::FileMeta> {
        let mut st = self.lock();
        let version = st.files.keys().next_back().copied().unwrap_or(0) + 1;
        let meta = crate::downloads::FileMeta {
            name: file.name,
            version,
            content_type: file.content_type,
            size: file.bytes.len() as i64,
            sha256: file.sha256,
            created_at: file.created_at,
        };
        st.files.insert(
            version,
            crate::downloads::StoredFile {
                meta: meta.clone(),
                bytes: file.bytes,
            },
        );
        Ok(meta)
    }
    async fn file(
        &self,
        name: &str,
        version: Option<i64>,
    ) -> Result<Option<crate::downloads::StoredFile>> {
        let st = self.lock();
        Ok(st
            .files
            .values()
            .rev()
            .find(|f| f.meta.name == name && (version.is_none() || version == Some(f.meta.version)))
            .cloned())
    }
    async fn files_changed(
        &self,
        since: i64,
        limit: u32,
    ) -> Result<Vec<crate::downloads::FileMeta>> {
        let st = self.lock();
        let mut current: HashMap<&str, i64> = HashMap::new();
        for (v, f) in &st.files {
            current.insert(&f.meta.name, *v);
        }
        Ok(st
            .files
            .range(since.saturating_add(1)..)
            .filter(|(v, f)| current.get(f.meta.name.as_str()) == Some(*v))
            .take(limit as usize)
            .map(|(_, f)| f.meta.clone())
            .collect())
    }
    async fn file_versions(
        &self,
        name: &str,
        limit: u32,
    ) -> Result<Vec<crate::downloads::FileMeta>> {
        let st = self.lock();
        Ok(st
            .files
            .values()
            .rev()
            .filter(|f| f.meta.name == name)
            .take(limit as usize)
            .map(|f| f.meta.clone())
            .collect())
    }
    async fn docs(&self, kind: &str, prefix: &str, limit: u32) -> Result<Vec<Doc>> {
        Ok(self
            .lock()
            .docs
            .range((kind.to_string(), prefix.to_string())..)
            .take_while(|((k, id), _)| k == kind && id.starts_with(prefix))
            .take(limit as usize)
            .map(|((k, id), (v, b))| Doc {
                kind: k.clone(),
                id: id.clone(),
                version: *v,
                body: b.clone(),
            })
            .collect())
    }
    async fn chat_history(
        &self,
        channel: &str,
        before: Option<(i64, String)>,
        limit: u32,
    ) -> Result<Vec<crate::chat::ChatMessage>> {
        let s = self.lock();
        let Some(ch) = s.chat.get(channel) else {
            return Ok(Vec::new());
        };
        let page = match before {
            Some(b) => ch
                .range(..b)
                .rev()
                .take(limit as usize)
                .map(|(_, m)| m.clone())
                .collect(),
            None => ch.values().rev().take(limit as usize).cloned().collect(),
        };
        Ok(page)
    }
    async fn prune_chat(&self, before: DateTime<Utc>) -> Result<u64> {
        let cut = before.timestamp_micros();
        let mut s = self.lock();
        let mut n = 0u64;
        for ch in s.chat.values_mut() {
            let keep = ch.split_off(&(cut, String::new()));
            n += ch.len() as u64;
            *ch = keep;
        }
        s.chat.retain(|_, ch| !ch.is_empty());
        Ok(n)
    }
    async fn score_entry(
        &self,
        standings: &str,
        player: &PlayerId,
    ) -> Result<Option<crate::leaderboards::ScoreEntry>> {
        let s = self.lock();
        Ok(s.scores.get(standings).and_then(|ix| {
            ix.by_player
                .get(player.as_str())
                .and_then(|k| ix.ordered.get(k))
                .cloned()
        }))
    }
    async fn scores_after(
        &self,
        standings: &str,
        after: Option<&crate::leaderboards::ScorePos>,
        limit: u32,
    ) -> Result<Vec<crate::leaderboards::ScoreEntry>> {
        use std::ops::Bound;
        let s = self.lock();
        let Some(ix) = s.scores.get(standings) else {
            return Ok(Vec::new());
        };
        let lower = match after {
            Some(p) => Bound::Excluded(pos_key(p)),
            None => Bound::Unbounded,
        };
        Ok(ix
            .ordered
            .range((lower, Bound::Unbounded))
            .take(limit as usize)
            .map(|(_, e)| e.clone())
            .collect())
    }
    async fn scores_before(
        &self,
        standings: &str,
        before: &crate::leaderboards::ScorePos,
        limit: u32,
    ) -> Result<Vec<crate::leaderboards::ScoreEntry>> {
        let s = self.lock();
        let Some(ix) = s.scores.get(standings) else {
            return Ok(Vec::new());
        };
        Ok(ix
            .ordered
            .range(..pos_key(before))
            .rev()
            .take(limit as usize)
            .map(|(_, e)| e.clone())
            .collect())
    }
    async fn scores_count_before(
        &self,
        standings: &str,
        before: &crate::leaderboards::ScorePos,
    ) -> Result<u64> {
        let s = self.lock();
        Ok(s.scores
            .get(standings)
            .map_or(0, |ix| ix.ordered.range(..pos_key(before)).count() as u64))
    }
    async fn player_events_after(
        &self,
        player: &PlayerId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Event>> {
        Ok(self
            .lock()
            .events
            .iter()
            .filter(|e| e.seq > after && e.players.contains(player))
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
        for w in &cs.counters {
            if s.counters.get(&w.key).map_or(0, |(r, _)| r.version) != w.expected_version {
                return Err(Error::conflict(format!("counter {} moved", w.key)));
            }
        }
        for w in &cs.docs {
            if s.docs
                .get(&(w.kind.clone(), w.id.clone()))
                .map_or(0, |(v, _)| *v)
                != w.expected_version
            {
                return Err(Error::conflict(format!("{} {} moved", w.kind, w.id)));
            }
        }
        for w in &cs.mailboxes {
            if s.mailboxes.get(&w.player).map_or(0, |r| r.version) != w.expected_version {
                return Err(Error::conflict(format!("mailbox of {} moved", w.player)));
            }
        }
        let mut sums: HashMap<(Account, String), i64> = HashMap::new();
        for w in &cs.balances {
            if let BalanceWrite::Add {
                account,
                currency,
                delta,
            } = w
            {
                let key = (account.clone(), currency.clone());
                let base = *sums
                    .entry(key.clone())
                    .or_insert_with(|| s.balances.get(&key).map_or(0, |r| r.amount));
                let next = base
                    .checked_add(*delta)
                    .ok_or_else(|| crate::ports::system_overflow(account, currency))?;
                sums.insert(key, next);
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
        for w in &cs.counters {
            s.counters.insert(
                w.key.clone(),
                (
                    CounterRow {
                        count: w.count,
                        version: w.expected_version + 1,
                    },
                    w.expires_at,
                ),
            );
        }
        for w in &cs.mailboxes {
            s.mailboxes.insert(
                w.player.clone(),
                MailboxRow {
                    version: w.expected_version + 1,
                    broadcast_seq: w.broadcast_seq,
                },
            );
        }
        for w in &cs.mails {
            match w {
                MailWrite::Put(m) => {
                    s.mails
                        .entry(m.player.clone())
                        .or_default()
                        .insert(m.id.clone(), m.clone());
                }
                MailWrite::Delete { player, mail_id } => {
                    if let Some(b) = s.mails.get_mut(player) {
                        b.remove(mail_id);
                    }
                }
            }
        }
        for b in &mut cs.broadcasts {
            s.next_seq += 1;
            b.seq = s.next_seq;
            s.broadcasts.push(b.clone());
        }
        for t in &cs.templates {
            s.templates.insert(t.id.clone(), t.clone());
        }
        for m in &cs.chat {
            s.chat
                .entry(m.channel.clone())
                .or_default()
                .insert((m.sent_at.timestamp_micros(), m.id.clone()), m.clone());
        }
        for t in &cs.triggers {
            s.triggers.insert(t.id.clone(), t.clone());
        }
        for w in &cs.scores {
            match w {
                crate::ports::ScoreWrite::Put(e) => {
                    let ix = s.scores.entry(e.standings.clone()).or_default();
                    let key = pos_key(&e.pos());
                    if let Some(old) = ix
                        .by_player
                        .insert(e.player.as_str().to_string(), key.clone())
                    {
                        ix.ordered.remove(&old);
                    }
                    ix.ordered.insert(key, e.clone());
                }
                crate::ports::ScoreWrite::Delete { standings, player } => {
                    if let Some(ix) = s.scores.get_mut(standings) {
                        if let Some(old) = ix.by_player.remove(player.as_str()) {
                            ix.ordered.remove(&old);
                        }
                    }
                }
            }
        }
        for w in &cs.docs {
            let key = (w.kind.clone(), w.id.clone());
            match &w.body {
                Some(b) => {
                    s.docs.insert(key, (w.expected_version + 1, b.clone()));
                }
                None => {
                    s.docs.remove(&key);
                }
            }
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
        s.counters.retain(|_, (_, exp)| *exp >= events_before);
        Ok((
            (e0 - s.events.len()) as u64,
            (i0 - s.idempotency.len()) as u64,
        ))
    }
}

/// The in-process [`Coordinator`]: a broadcast channel for live events and a map of
/// sessions.
pub struct MemoryCoordinator {
    tx: broadcast::Sender<std::sync::Arc<Event>>,
    sessions: Mutex<BTreeMap<PlayerId, Session>>,
    leases: Mutex<HashMap<String, (String, DateTime<Utc>)>>,
    cache: Option<Mutex<CacheMap>>,
    rates: Mutex<HashMap<String, (u32, std::time::Instant)>>,
}

impl Default for MemoryCoordinator {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(4096).0,
            sessions: Mutex::new(BTreeMap::new()),
            leases: Mutex::new(HashMap::new()),
            cache: None,
            rates: Mutex::new(HashMap::new()),
        }
    }
}

impl MemoryCoordinator {
    /// A coordinator for one process, without a read cache (safe when other processes
    /// write the same database).
    pub fn new() -> Self {
        Self::default()
    }

    /// A coordinator with an in-process read cache: only when this process is the
    /// database's only writer.
    pub fn with_cache() -> Self {
        Self {
            cache: Some(Mutex::new(HashMap::new())),
            ..Self::default()
        }
    }
}

/// Cached values by key with their deadline; `None` is a tombstone.
type CacheMap = HashMap<String, (Option<serde_json::Value>, std::time::Instant)>;

/// How long an invalidated key refuses to be cached again.
const TOMBSTONE: std::time::Duration = std::time::Duration::from_secs(5);

#[async_trait::async_trait]
impl Coordinator for MemoryCoordinator {
    async fn publish(&self, events: &[Event]) -> Result<()> {
        for e in events {
            // No receiver is not an error: nobody is listening live.
            let _ = self.tx.send(std::sync::Arc::new(e.clone()));
        }
        Ok(())
    }
    fn subscribe(&self) -> broadcast::Receiver<std::sync::Arc<Event>> {
        self.tx.subscribe()
    }
    async fn put_session(&self, session: Session) -> Result<()> {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(session.player.clone(), session);
        Ok(())
    }
    async fn session(&self, player: &PlayerId, now: DateTime<Utc>) -> Result<Option<Session>> {
        Ok(self
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(player)
            .filter(|s| s.expires_at > now)
            .cloned())
    }
    async fn sessions_of(
        &self,
        players: &[PlayerId],
        now: DateTime<Utc>,
    ) -> Result<Vec<Option<Session>>> {
        let all = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        Ok(players
            .iter()
            .map(|p| all.get(p).filter(|s| s.expires_at > now).cloned())
            .collect())
    }
    async fn end_session(&self, player: &PlayerId) -> Result<bool> {
        Ok(self
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(player)
            .is_some())
    }
    async fn sessions(&self, now: DateTime<Utc>) -> Result<Vec<Session>> {
        let mut all = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        all.retain(|_, s| s.expires_at > now);
        Ok(all.values().cloned().collect())
    }
    async fn cache_get(&self, key: &str) -> Result<Option<serde_json::Value>> {
        let Some(cache) = &self.cache else {
            return Ok(None);
        };
        let c = cache.lock().unwrap_or_else(|e| e.into_inner());
        Ok(c.get(key)
            .filter(|(_, until)| *until > std::time::Instant::now())
            .and_then(|(v, _)| v.clone()))
    }
    async fn cache_put(&self, key: &str, value: serde_json::Value, ttl_secs: u64) -> Result<()> {
        let Some(cache) = &self.cache else {
            return Ok(());
        };
        let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        if c.get(key).is_none_or(|(_, until)| *until <= now) {
            c.insert(
                key.to_string(),
                (Some(value), now + std::time::Duration::from_secs(ttl_secs)),
            );
        }
        Ok(())
    }
    async fn cache_invalidate(&self, keys: &[String]) -> Result<()> {
        let Some(cache) = &self.cache else {
            return Ok(());
        };
        let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
        let until = std::time::Instant::now() + TOMBSTONE;
        for k in keys {
            c.insert(k.clone(), (None, until));
        }
        Ok(())
    }
    async fn rate_hit(&self, key: &str, limit: u32, window_secs: u64) -> Result<RateDecision> {
        let mut r = self.rates.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        let window = std::time::Duration::from_secs(window_secs);
        let slot = r.entry(key.to_string()).or_insert((0, now + window));
        if slot.1 <= now {
            *slot = (0, now + window);
        }
        slot.0 += 1;
        Ok(RateDecision {
            allowed: slot.0 <= limit,
            count: slot.0,
            retry_after_secs: slot.1.saturating_duration_since(now).as_secs().max(1),
        })
    }
    async fn lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        ttl_secs: i64,
    ) -> Result<bool> {
        let mut leases = self.leases.lock().unwrap_or_else(|e| e.into_inner());
        let free = leases
            .get(name)
            .is_none_or(|(h, until)| h == holder || *until <= now);
        if free {
            leases.insert(
                name.to_string(),
                (
                    holder.to_string(),
                    now + chrono::Duration::seconds(ttl_secs),
                ),
            );
        }
        Ok(free)
    }
    async fn lease_held(&self, name: &str, holder: &str, now: DateTime<Utc>) -> Result<bool> {
        let leases = self.leases.lock().unwrap_or_else(|e| e.into_inner());
        Ok(leases
            .get(name)
            .is_some_and(|(h, until)| h == holder && *until > now))
    }
}
