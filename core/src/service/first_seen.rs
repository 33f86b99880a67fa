//! When a player began to exist (SPEC.md Clarifications: "a broadcast reaches the
//! players who existed when it was sent (an account, or any stored state)").
//!
//! Every commit goes through [`Guildhall::commit_changes`], which adds the player's
//! [`FirstSeen`] record (guarded, version 0) to the first change set that stores state
//! of a player: a balance row, an inventory row, a mailbox, an account or a party
//! membership. A mailbox read then needs one point read (or none, from this process's
//! memory of records, which never change) to know which broadcasts are the player's.
//! A player with such state but no record has data from before the records existed
//! (legacy): it counts as existing since before any broadcast.

use super::Guildhall;
use crate::docs::{Document as _, Versioned};
use crate::error::Result;
use crate::mail::FirstSeen;
use crate::ports::{BalanceWrite, ChangeSet, DocWrite, MailboxRow};
use crate::types::{Account, PlayerId};
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

/// Records this process has read or written, by player. A record never changes once
/// written, so a remembered one is never stale. Cleared when it holds
/// [`SeenCache::MAX`] players (then filled again from the store).
#[derive(Default)]
pub(crate) struct SeenCache(Mutex<HashMap<PlayerId, DateTime<Utc>>>);

impl SeenCache {
    /// Most players remembered at once.
    const MAX: usize = 100_000;

    fn get(&self, p: &PlayerId) -> Option<DateTime<Utc>> {
        self.0.lock().ok()?.get(p).copied()
    }

    fn put(&self, p: PlayerId, since: DateTime<Utc>) {
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= Self::MAX {
                m.clear();
            }
            m.insert(p, since);
        }
    }
}

/// The players a change set stores state of: the ones a first-seen record is kept for.
/// The same kinds of state as [`Guildhall::has_tracked_state`] looks for.
fn players_written(cs: &ChangeSet) -> BTreeSet<PlayerId> {
    let mut out = BTreeSet::new();
    for w in &cs.balances {
        if let BalanceWrite::Set {
            account: Account::Player(p),
            ..
        } = w
        {
            out.insert(p.clone());
        }
    }
    out.extend(cs.items.iter().map(|w| w.player.clone()));
    out.extend(cs.mailboxes.iter().map(|w| w.player.clone()));
    for d in &cs.docs {
        if d.body.is_some() && TRACKED_DOCS.contains(&d.kind.as_str()) {
            if let Ok(p) = PlayerId::new(d.id.clone()) {
                out.insert(p);
            }
        }
    }
    out
}

/// Document kinds whose id is a player and whose existence makes the player exist.
const TRACKED_DOCS: &[&str] = &[
    crate::access::AccountRecord::KIND,
    crate::party::Membership::KIND,
];

impl Guildhall {
    /// The stored first-seen instant of `player` (this process's memory, else one read).
    async fn first_seen_record(&self, player: &PlayerId) -> Result<Option<DateTime<Utc>>> {
        if let Some(since) = self.first_seen.get(player) {
            return Ok(Some(since));
        }
        let Some(doc) = self.store.doc(FirstSeen::KIND, player.as_str()).await? else {
            return Ok(None);
        };
        let since = Versioned::<FirstSeen>::decode(doc)?.value.since;
        self.first_seen.put(player.clone(), since);
        Ok(Some(since))
    }

    /// True when `player` has stored state of a tracked kind: a balance or inventory row,
    /// a mailbox, an account, a party membership. Point reads; used only while the
    /// player has no first-seen record (once per player).
    async fn has_tracked_state(&self, player: &PlayerId) -> Result<bool> {
        let account = Account::Player(player.clone());
        Ok(!self.store.balances(&account).await?.is_empty()
            || !self.store.items(player).await?.is_empty()
            || self.store.mailbox(player).await?.0.version > 0
            || self.tracked_docs_exist(player).await?)
    }

    async fn tracked_docs_exist(&self, player: &PlayerId) -> Result<bool> {
        for kind in TRACKED_DOCS {
            if self.store.doc(kind, player.as_str()).await?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Adds to `cs` the first-seen record of each player it stores state of that has
    /// none: `since` = now, or the epoch with `legacy` when the player already had state
    /// (written before records existed). Guarded at version 0, so concurrent first
    /// writes of one player commit one record (the other gets `CONFLICT` and retries).
    /// Returns the records to remember once the commit succeeds.
    pub(crate) async fn record_first_seen(
        &self,
        cs: &mut ChangeSet,
    ) -> Result<Vec<(PlayerId, DateTime<Utc>)>> {
        let players = players_written(cs);
        if players.is_empty() {
            return Ok(Vec::new());
        }
        let mut added = Vec::new();
        for p in players {
            if cs
                .docs
                .iter()
                .any(|d| d.kind == FirstSeen::KIND && d.id == p.as_str())
                || self.first_seen_record(&p).await?.is_some()
            {
                continue;
            }
            let legacy = self.has_tracked_state(&p).await?;
            let record = FirstSeen {
                since: if legacy {
                    DateTime::<Utc>::UNIX_EPOCH
                } else {
                    self.clock.now()
                },
                legacy,
            };
            cs.docs.push(DocWrite {
                kind: FirstSeen::KIND.into(),
                id: p.to_string(),
                expected_version: 0,
                body: Some(serde_json::to_value(record).unwrap_or_default()),
            });
            added.push((p, record.since));
        }
        Ok(added)
    }

    /// Remembers records a commit wrote.
    pub(crate) fn remember_first_seen(&self, added: Vec<(PlayerId, DateTime<Utc>)>) {
        for (p, since) in added {
            self.first_seen.put(p, since);
        }
    }

    /// When `player` began to exist, for a read of its box: its record; without one, the
    /// epoch when it has stored state (legacy data), else `None` (a player new now).
    /// `row`, `balances` and `items` are what the box load read already.
    pub(crate) async fn existence_since(
        &self,
        player: &PlayerId,
        row: &MailboxRow,
        has_balances: bool,
        has_items: bool,
    ) -> Result<Option<DateTime<Utc>>> {
        if let Some(since) = self.first_seen_record(player).await? {
            return Ok(Some(since));
        }
        if row.version > 0 || has_balances || has_items || self.tracked_docs_exist(player).await? {
            return Ok(Some(DateTime::<Utc>::UNIX_EPOCH));
        }
        Ok(None)
    }
}
