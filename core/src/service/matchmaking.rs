//! Matchmaking services (SPEC.md Matchmaking): tickets, the tick under a lease,
//! results and ratings.

use super::Guildhall;
use crate::ctx::Ctx;
use crate::docs::{Document as _, Versioned};
use crate::error::{Error, ErrorCode, Result};
use crate::matchmaking::rules;
use crate::matchmaking::{
    MatchRecord, MatchResult, QueueConfig, QueueRequest, Rating, RatingChange, Ticket, TicketOf,
};
use crate::ports::{ChangeSet, Clock, Coordinator, DocWrite};
use crate::types::PlayerId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A player's ticket and how it stands now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TicketStatus {
    /// The ticket.
    pub ticket: Ticket,
    /// Seconds waited so far.
    pub waited_secs: i64,
    /// Current rating window width.
    pub window: f64,
}

/// The outcome of reporting a match result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportResult {
    /// The match with its result and rating changes.
    pub record: MatchRecord,
    /// True when this result was reported before (nothing updated twice).
    pub replayed: bool,
}

/// Document id of a rating. U+0001 separates the parts: player ids and queue names
/// cannot contain control characters, so no two pairs share an id.
fn rating_id(queue: &str, player: &PlayerId) -> String {
    format!("{queue}\u{1}{player}")
}

/// Document kind indexing a player's matches: id `<player>␁<micros>␁<match id>` (U+0001
/// separators, which no player id contains).
const MATCH_OF: &str = "match_of";

/// Name of the Coordinator lease held by the one host that ticks (a host that stops
/// releases it: `guildhall_host::scheduler::LEASES`).
pub const MATCHMAKING_LEASE: &str = "matchmaking";

/// Renews the matchmaking lease while a tick runs: a task of its own calls
/// [`Coordinator::lease`] every third of the lease's time to live and notes when the lease
/// has passed to another holder. Dropping it (the tick ended, or its future was dropped)
/// stops the renewals; the holder keeps the lease until it expires or its next tick.
struct LeaseRenewal {
    task: tokio::task::JoinHandle<()>,
    lost: Arc<AtomicBool>,
}

impl LeaseRenewal {
    fn start(
        coordinator: Arc<dyn Coordinator>,
        clock: Arc<dyn Clock>,
        holder: String,
        ttl_secs: i64,
    ) -> Self {
        let lost = Arc::new(AtomicBool::new(false));
        let flag = lost.clone();
        let every = Duration::from_millis(u64::try_from(ttl_secs.max(1)).unwrap_or(1) * 1000 / 3);
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                match coordinator
                    .lease(MATCHMAKING_LEASE, &holder, clock.now(), ttl_secs)
                    .await
                {
                    Ok(true) => tracing::trace!(holder = %holder, "matchmaking lease renewed"),
                    Ok(false) => {
                        flag.store(true, Ordering::SeqCst);
                        tracing::warn!(holder = %holder, "matchmaking lease held by another host; the tick stops");
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(holder = %holder, error = %e, "cannot renew the matchmaking lease; retrying");
                    }
                }
            }
        });
        Self { task, lost }
    }

    /// True once a renewal found the lease held by another host.
    fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }
}

impl Drop for LeaseRenewal {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Most change sets of a tick in one batch.
const MAX_TICK_BATCH: usize = 512;

/// How many of a tick's change sets go in its next batch. The lease is checked before
/// each batch, and a batch under way when the lease passes to another host still
/// commits (as a single commit under way did before batches), so a batch is kept to a
/// tenth of the lease's time to live: the first batch is one change set, and each next
/// one as many as fit in that budget at the time per change set the last batch took,
/// from 1 to [`MAX_TICK_BATCH`].
struct TickBatches {
    size: usize,
    budget: Duration,
}

impl TickBatches {
    fn new(lease_ttl_secs: i64) -> Self {
        Self {
            size: 1,
            budget: Duration::from_millis(u64::try_from(lease_ttl_secs.max(1)).unwrap_or(1) * 100),
        }
    }

    /// Sizes the next batch after one of `n` change sets took `elapsed`.
    fn took(&mut self, n: usize, elapsed: Duration) {
        let each = (elapsed.as_nanos() / n.max(1) as u128).max(1);
        let fit = usize::try_from(self.budget.as_nanos() / each).unwrap_or(MAX_TICK_BATCH);
        self.size = fit.clamp(1, MAX_TICK_BATCH);
    }
}

/// One thing a tick commits: a ticket past its maximum wait, or a match (tickets per
/// team), by reference into the pool.
#[derive(Clone, Copy)]
enum Work<'p, 'o> {
    Expire(&'p Ticket),
    Match(&'o [Vec<&'p Ticket>]),
}

/// A change set of a tick and what the tick reports once it commits.
struct TickCommit {
    /// Operation name for the logs.
    op: &'static str,
    cs: ChangeSet,
    formed: Option<Formed>,
}

/// A match a change set forms, with each ticket's wait and rating for the metrics.
struct Formed {
    record: MatchRecord,
    waits: Vec<Duration>,
    ratings: Vec<f64>,
}

/// What every change set of a tick is written from: the tick's time, the version of
/// each ticket in the pool, and the players' ticket pointers.
#[derive(Clone, Copy)]
struct TickState<'a> {
    now: DateTime<Utc>,
    versions: &'a HashMap<String, i64>,
    pointers: &'a Pointers,
}

/// Players' ticket pointers as a tick read them, by player id.
#[derive(Default)]
struct Pointers(HashMap<String, Versioned<TicketOf>>);

impl Guildhall {
    /// A player's rating in a queue (the system's initial rating when unrated).
    /// Errors: `NOT_FOUND` (queue).
    pub async fn rating(&self, player: &PlayerId, queue: &str) -> Result<Rating> {
        let q = self.config.queue(queue)?;
        Ok(self
            .load::<Rating>(&rating_id(queue, player))
            .await?
            .map_or(self.config.ratings.initial(q.system()), |r| r.value))
    }

    /// Queues a player, or with `with_party` the leader's whole party (SPEC.md: one active
    /// ticket per player). See [`QueueRequest`] for errors.
    pub async fn queue(&self, req: QueueRequest) -> Result<Ticket> {
        let q = self.config.queue(&req.queue)?.clone();
        let req = &req;
        let q = &q;
        self.retrying("queue", |ctx: Ctx| {
            Box::pin(async move {
                // The party document is re-written under its version with the ticket, so a
                // join, kick or leave racing this call conflicts instead of leaving a
                // ticket with the old members.
                let mut party_guard = None;
                let (players, party_id) = if req.with_party {
                    let (party, _) = self.own_party(&req.player).await?;
                    if party.value.leader != req.player {
                        return Err(Error::new(
                            ErrorCode::NotPartyLeader,
                            "only the party leader queues the party",
                        ));
                    }
                    let mut players = party.value.players();
                    players.sort_by_key(|p| p != &party.value.leader);
                    let id = party.value.id.clone();
                    party_guard = Some(party.put());
                    (players, Some(id))
                } else {
                    (vec![req.player.clone()], None)
                };
                rules::check_request(q, req, players.len())?;
                let mut total = 0.0;
                let ticket_id = ctx.id();
                let mut cs = ChangeSet::default();
                cs.docs.extend(party_guard);
                for p in &players {
                    if let Some(of) = self.load::<TicketOf>(p.as_str()).await? {
                        return Err(Error::new(
                            ErrorCode::TicketExists,
                            format!("{p} already has an active ticket"),
                        )
                        .with_details(json!({ "player": p, "ticket_id": of.value.ticket_id })));
                    }
                    total += self.rating(p, &q.name).await?.rating;
                    cs.docs.push(
                        Versioned::new(
                            p.as_str(),
                            TicketOf {
                                ticket_id: ticket_id.clone(),
                            },
                        )
                        .put(),
                    );
                }
                let ticket = Ticket {
                    id: ticket_id,
                    queue: q.name.clone(),
                    rating: total / players.len() as f64,
                    players,
                    party_id,
                    properties: req.properties.clone(),
                    created_at: ctx.now,
                };
                cs.docs
                    .push(Versioned::new(ticket.id.clone(), ticket.clone()).put());
                cs.events.push(ctx.event(
                    "ticket_queued",
                    ticket.players.clone(),
                    json!({ "ticket": ticket }),
                ));
                Ok((cs, ticket))
            })
        })
        .await
    }

    /// Cancels the player's active ticket (any member may cancel a party's).
    /// Errors: `NOT_FOUND` (no ticket).
    pub async fn cancel_ticket(&self, player: &PlayerId) -> Result<Ticket> {
        self.retrying("cancel_ticket", |ctx: Ctx| {
            Box::pin(async move {
                let of = self
                    .load::<TicketOf>(player.as_str())
                    .await?
                    .ok_or_else(|| Error::not_found("ticket of player", player.as_str()))?;
                let ticket = self
                    .load::<Ticket>(&of.value.ticket_id)
                    .await?
                    .ok_or_else(|| Error::conflict("ticket pointer without ticket"))?;
                let mut cs = ChangeSet::default();
                self.cancel_ticket_into(&ctx, &mut cs, &ticket, "cancelled")
                    .await?;
                Ok((cs, ticket.value))
            })
        })
        .await
    }

    /// The player's active ticket with its wait and current window, if any.
    pub async fn ticket_status(&self, player: &PlayerId) -> Result<Option<TicketStatus>> {
        let Some(of) = self.load::<TicketOf>(player.as_str()).await? else {
            return Ok(None);
        };
        let Some(t) = self.load::<Ticket>(&of.value.ticket_id).await? else {
            return Ok(None);
        };
        let now = self.clock.now();
        let q = self.config.queue(&t.value.queue)?;
        Ok(Some(TicketStatus {
            waited_secs: (now - t.value.created_at).num_seconds(),
            window: rules::window(q, &t.value, now),
            ticket: t.value,
        }))
    }

    /// How many tickets wait in each configured queue (every configured queue is named,
    /// with 0 when empty), read in one pass over the pool. For gauges: a `GET /metrics`
    /// scrape samples it.
    pub async fn tickets_waiting(&self) -> Result<std::collections::BTreeMap<String, usize>> {
        let mut counts: std::collections::BTreeMap<String, usize> = self
            .config
            .queues
            .iter()
            .map(|q| (q.name.clone(), 0))
            .collect();
        for doc in self.store.docs("ticket", "", 100_000).await? {
            if let Ok(t) = Versioned::<Ticket>::decode(doc) {
                if let Some(n) = counts.get_mut(&t.value.queue) {
                    *n += 1;
                }
            }
        }
        Ok(counts)
    }

    /// Tickets waiting in a queue, oldest first.
    pub async fn pool(&self, queue: &str) -> Result<Vec<Ticket>> {
        self.config.queue(queue)?;
        let mut v: Vec<Ticket> = self
            .store
            .docs("ticket", "", 100_000)
            .await?
            .into_iter()
            .map(Versioned::<Ticket>::decode)
            .filter_map(|r| r.ok().map(|t| t.value))
            .filter(|t| t.queue == queue)
            .collect();
        v.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(v)
    }

    /// One matchmaking tick over every queue, if `holder` holds the `matchmaking` lease
    /// (so one host ticks at a time): expires tickets past their maximum wait
    /// (`ticket_expired`) and forms matches (`match_found` to every matched player).
    /// Returns the matches formed. A match whose tickets changed meanwhile is left for
    /// the next tick.
    ///
    /// Each expiry and each match is a change set of its own, guarded by the versions of
    /// its tickets and their players' pointers, so it commits whole or not at all. They
    /// are committed in batches (see [`TickBatches`]): every change set of a batch goes
    /// to the group committer at once, which commits them in as few store transactions
    /// as it can, each with its own outcome. A change set refused with `CONFLICT` (a
    /// ticket cancelled or taken meanwhile) leaves its tickets queued and takes nothing
    /// else of its batch with it.
    ///
    /// The lease is held for the whole tick (SPEC.md Matchmaking): taken (or renewed) at
    /// the start for [`crate::Config::matchmaking_lease_secs`], renewed by a task of its
    /// own every third of that while the tick runs, and checked with the Coordinator
    /// before each batch is committed. When it has passed to another host (or cannot be
    /// confirmed), the tick stops with a warning, commits nothing further and returns the
    /// matches committed so far.
    ///
    /// Errors: `UNAVAILABLE` when the store or the coordinator fails (matches of earlier
    /// batches stay committed).
    pub async fn tick(&self, holder: &str) -> Result<Vec<MatchRecord>> {
        let now = self.clock.now();
        let ttl = self.config.matchmaking_lease_secs;
        if !self
            .coordinator
            .lease(MATCHMAKING_LEASE, holder, now, ttl)
            .await?
        {
            return Ok(Vec::new());
        }
        let renewal = LeaseRenewal::start(
            self.coordinator.clone(),
            self.clock.clone(),
            holder.to_string(),
            ttl,
        );
        let docs = self.store.docs("ticket", "", 100_000).await?;
        let mut versions: HashMap<String, i64> = HashMap::with_capacity(docs.len());
        let mut pool: Vec<Ticket> = Vec::with_capacity(docs.len());
        for d in docs {
            if let Ok(t) = Versioned::<Ticket>::decode(d) {
                versions.insert(t.id, t.version);
                pool.push(t.value);
            }
        }
        let plans: Vec<_> = self
            .config
            .queues
            .iter()
            .map(|q| (q, rules::plan(q, &pool, now)))
            .collect();
        let pointers = if plans
            .iter()
            .any(|(_, out)| !out.expired.is_empty() || !out.matches.is_empty())
        {
            self.pointers(&pool).await?
        } else {
            Pointers::default()
        };
        let tick = TickState {
            now,
            versions: &versions,
            pointers: &pointers,
        };
        let mut batches = TickBatches::new(ttl);
        let mut formed = Vec::new();
        let mut tick_waits: Vec<i64> = Vec::new();
        'queues: for (q, out) in &plans {
            let work: Vec<Work> = out
                .expired
                .iter()
                .map(|t| Work::Expire(t))
                .chain(out.matches.iter().map(|m| Work::Match(m)))
                .collect();
            let mut taken = batches.size.min(work.len());
            let mut batch = self.tick_batch(q, &work[..taken], &tick).await?;
            // Each batch is committed while the next one is written (no commit of it
            // before the lease is checked again).
            while !batch.is_empty() {
                if !self.lease_still_held(&renewal, holder, formed.len()).await {
                    break 'queues;
                }
                let n = batch.len();
                let upto = work.len().min(taken + batches.size);
                let started = std::time::Instant::now();
                let (outcomes, upcoming) = tokio::join!(
                    self.commit_tick_batch(batch),
                    self.tick_batch(q, &work[taken..upto], &tick)
                );
                taken = upto;
                batches.took(n, started.elapsed());
                let mut failed = None;
                for (done, outcome) in outcomes {
                    match outcome {
                        Ok(true) => {
                            if let Some(m) = done {
                                crate::telemetry::record_match(&q.name, &m.waits, &m.ratings);
                                tick_waits.extend(m.waits.iter().map(|w| w.as_secs() as i64));
                                formed.push(m.record);
                            }
                        }
                        Ok(false) => {}
                        Err(e) => failed = failed.or(Some(e)),
                    }
                }
                if let Some(e) = failed {
                    return Err(e);
                }
                batch = upcoming?;
            }
        }
        drop(renewal);
        if !formed.is_empty() {
            // The console's match trend; a failure here never fails the tick.
            if let Err(e) = self
                .record_matches(now, formed.len() as u64, &tick_waits)
                .await
            {
                tracing::warn!(error = %e, "recording the tick's matches for the trends failed");
            }
        }
        Ok(formed)
    }

    /// The change sets of `work`, in order.
    async fn tick_batch(
        &self,
        q: &QueueConfig,
        work: &[Work<'_, '_>],
        tick: &TickState<'_>,
    ) -> Result<Vec<TickCommit>> {
        let mut batch = Vec::with_capacity(work.len());
        for w in work {
            batch.push(self.tick_commit(q, *w, tick).await?);
        }
        Ok(batch)
    }

    /// The change set of one expiry or one match of a tick, with what the tick reports
    /// once it is committed.
    async fn tick_commit(
        &self,
        q: &QueueConfig,
        work: Work<'_, '_>,
        tick: &TickState<'_>,
    ) -> Result<TickCommit> {
        let TickState {
            now,
            versions,
            pointers,
        } = *tick;
        let ctx = self.ctx();
        let mut cs = ChangeSet::default();
        let teams = match work {
            Work::Expire(t) => {
                self.remove_tickets(&mut cs, &[t], versions, pointers)
                    .await?;
                cs.events.push(ctx.event("ticket_expired", t.players.clone(), json!({ "ticket_id": t.id, "queue": t.queue, "waited_secs": (now - t.created_at).num_seconds() })));
                return Ok(TickCommit {
                    op: "ticket_expired",
                    cs,
                    formed: None,
                });
            }
            Work::Match(teams) => teams,
        };
        let tickets: Vec<&Ticket> = teams.iter().flatten().copied().collect();
        self.remove_tickets(&mut cs, &tickets, versions, pointers)
            .await?;
        let record = MatchRecord {
            id: ctx.id(),
            queue: q.name.clone(),
            teams: teams
                .iter()
                .map(|team| team.iter().flat_map(|t| t.players.clone()).collect())
                .collect(),
            ticket_ids: tickets.iter().map(|t| t.id.clone()).collect(),
            created_at: now,
            result: None,
            rating_changes: vec![],
        };
        let players: Vec<PlayerId> = record.teams.iter().flatten().cloned().collect();
        for p in &players {
            let id = format!("{p}\u{1}{:020}\u{1}{}", now.timestamp_micros(), record.id);
            cs.docs.push(DocWrite {
                kind: MATCH_OF.into(),
                id,
                expected_version: 0,
                body: Some(json!({ "match_id": record.id })),
            });
        }
        cs.docs
            .push(Versioned::new(record.id.clone(), record.clone()).put());
        let waits: Vec<i64> = tickets
            .iter()
            .map(|t| (now - t.created_at).num_seconds())
            .collect();
        cs.events.push(ctx.event(
            "match_found",
            players,
            json!({ "match": record, "waited_secs": waits }),
        ));
        let (waits, ratings) = tickets
            .iter()
            .map(|t| ((now - t.created_at).to_std().unwrap_or_default(), t.rating))
            .unzip();
        Ok(TickCommit {
            op: "match_found",
            cs,
            formed: Some(Formed {
                record,
                waits,
                ratings,
            }),
        })
    }

    /// Commits a batch of a tick's change sets at once through the group committer (each
    /// in a task of its own, so they reach it together), each quietly (see
    /// [`Guildhall::commit_quietly`]). Returns each one's report with its outcome, in
    /// the batch's order.
    async fn commit_tick_batch(
        &self,
        batch: Vec<TickCommit>,
    ) -> Vec<(Option<Formed>, Result<bool>)> {
        let mut reports = Vec::with_capacity(batch.len());
        let mut commits = tokio::task::JoinSet::new();
        for (i, c) in batch.into_iter().enumerate() {
            let gh = self.clone();
            commits.spawn(async move { (i, gh.commit_quietly(c.op, c.cs).await) });
            reports.push((
                c.formed,
                Err(Error::unavailable("a tick's commit ended unanswered")),
            ));
        }
        while let Some(joined) = commits.join_next().await {
            match joined {
                Ok((i, outcome)) => reports[i].1 = outcome,
                Err(e) => {
                    tracing::error!(error = %e, "a commit of the matchmaking tick did not finish")
                }
            }
        }
        reports
    }

    /// Every player's ticket pointer, read in one pass (for a tick that commits
    /// something): a tick over many tickets then needs no read per player.
    async fn pointers(&self, pool: &[Ticket]) -> Result<Pointers> {
        let players: usize = pool.iter().map(|t| t.players.len()).sum();
        // Room for pointers whose ticket is gone; one missing from the page is read alone.
        let limit = u32::try_from(players.saturating_add(1024)).unwrap_or(u32::MAX);
        Ok(Pointers(
            self.store
                .docs(TicketOf::KIND, "", limit)
                .await?
                .into_iter()
                .filter_map(|d| Versioned::<TicketOf>::decode(d).ok())
                .map(|v| (v.id.clone(), v))
                .collect(),
        ))
    }

    /// Whether this tick may commit: `holder` still holds the matchmaking lease, by its
    /// renewal task and by the Coordinator now. Logs why not (the tick then stops).
    async fn lease_still_held(&self, renewal: &LeaseRenewal, holder: &str, formed: usize) -> bool {
        if renewal.lost() {
            tracing::warn!(holder, matches_committed = formed, "matchmaking lease passed to another host during the tick; stopping the tick, committing nothing more");
            return false;
        }
        match self
            .coordinator
            .lease_held(MATCHMAKING_LEASE, holder, self.clock.now())
            .await
        {
            Ok(true) => true,
            Ok(false) => {
                tracing::warn!(holder, matches_committed = formed, "matchmaking lease lost during the tick; stopping the tick, committing nothing more");
                false
            }
            Err(e) => {
                tracing::warn!(holder, matches_committed = formed, error = %e, "cannot confirm the matchmaking lease; stopping the tick, committing nothing more");
                false
            }
        }
    }

    /// Deletes `tickets` (at the versions the tick read) and the pointers of their
    /// players that still name them.
    async fn remove_tickets(
        &self,
        cs: &mut ChangeSet,
        tickets: &[&Ticket],
        versions: &HashMap<String, i64>,
        pointers: &Pointers,
    ) -> Result<()> {
        for t in tickets {
            cs.docs.push(DocWrite {
                kind: "ticket".into(),
                id: t.id.clone(),
                expected_version: versions.get(t.id.as_str()).copied().unwrap_or(0),
                body: None,
            });
            for p in &t.players {
                let of = match pointers.0.get(p.as_str()) {
                    Some(of) => Some(of.clone()),
                    None => self.load::<TicketOf>(p.as_str()).await?,
                };
                if let Some(of) = of {
                    if of.value.ticket_id == t.id {
                        cs.docs.push(of.delete());
                    }
                }
            }
        }
        Ok(())
    }

    /// Commits without retrying: `Ok(false)` on `CONFLICT` (something moved, or another
    /// host did the same work; the caller leaves it).
    pub(crate) async fn commit_quietly(&self, op: &str, cs: ChangeSet) -> Result<bool> {
        match self.commit_changes(cs).await {
            Ok(_) => Ok(true),
            Err(e) if e.code == ErrorCode::Conflict => {
                tracing::debug!(op, "skipped: tickets changed during the tick");
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// Reports a match result: `ranks` per team (0 = first, equal = draw). Every player's
    /// rating is updated once with the configured `[ratings]` parameters: Glicko-2 (1v1 or
    /// free for all) rates each player's results against every other player of the match
    /// as one rating period, as Glickman's paper does; Weng-Lin (teams) as openskill does,
    /// tau included (SPEC.md Matchmaking; Clarifications (second round): ratings; see
    /// [`rules::rate`]). Reporting the same result again is a replay. Errors: `NOT_FOUND`, `INVALID_ARGUMENT` (ranks),
    /// `IDEMPOTENCY_CONFLICT` (a different result was reported).
    pub async fn report_match(&self, match_id: &str, ranks: Vec<usize>) -> Result<ReportResult> {
        crate::types::check_text("match_id", match_id, 1, 128)?;
        let ranks = &ranks;
        self.retrying("report_match", |ctx: Ctx| Box::pin(async move {
            let mut m = self.load::<MatchRecord>(match_id).await?.ok_or_else(|| Error::not_found("match", match_id))?;
            if let Some(r) = &m.value.result {
                if &r.ranks == ranks {
                    return Ok((ChangeSet::default(), ReportResult { record: m.value, replayed: true }));
                }
                return Err(Error::new(ErrorCode::IdempotencyConflict, "a different result was already reported for this match").with_details(json!({ "ranks": r.ranks })));
            }
            let q = self.config.queue(&m.value.queue)?;
            let mut before: Vec<Vec<Versioned<Rating>>> = Vec::new();
            for team in &m.value.teams {
                let mut rs = Vec::new();
                for p in team {
                    let id = rating_id(&q.name, p);
                    rs.push(self.load::<Rating>(&id).await?.unwrap_or_else(|| Versioned::new(id, self.config.ratings.initial(q.system()))));
                }
                before.push(rs);
            }
            let values: Vec<Vec<Rating>> = before.iter().map(|t| t.iter().map(|r| r.value).collect()).collect();
            let after = rules::rate(q.system(), &values, ranks, &self.config.ratings)?;
            let mut cs = ChangeSet::default();
            // A team won when it ranks first and another team ranks below it (not an all-way draw).
            let best = ranks.iter().min().copied().unwrap_or(0);
            let decided = ranks.iter().any(|r| *r != best);
            for (((team, olds), news), rank) in m.value.teams.clone().iter().zip(before).zip(after).zip(ranks.iter()) {
                for ((p, mut old), new) in team.iter().zip(olds).zip(news) {
                    let change = RatingChange { player: p.clone(), before: old.value, after: new };
                    old.value = new;
                    cs.docs.push(old.put());
                    cs.events.push(ctx.event("rating_updated", vec![p.clone()], json!({ "player": p, "queue": q.name, "match_id": m.id, "rank": rank, "won": decided && *rank == best, "before": change.before, "after": change.after })));
                    m.value.rating_changes.push(change);
                }
            }
            m.value.result = Some(MatchResult { ranks: ranks.clone(), reported_at: ctx.now });
            cs.docs.push(m.put());
            Ok((cs, ReportResult { record: m.value, replayed: false }))
        }))
        .await
    }

    /// One match. Errors: `NOT_FOUND`.
    pub async fn match_record(&self, match_id: &str) -> Result<MatchRecord> {
        Ok(self
            .load::<MatchRecord>(match_id)
            .await?
            .ok_or_else(|| Error::not_found("match", match_id))?
            .value)
    }

    /// A player's matches, newest first, at most `limit` (1-100, default
    /// [`super::page::MATCH_HISTORY`]). Errors: `INVALID_ARGUMENT`.
    pub async fn match_history(
        &self,
        player: &PlayerId,
        limit: Option<u32>,
    ) -> Result<Vec<MatchRecord>> {
        let limit = limit.unwrap_or(super::page::MATCH_HISTORY);
        if !(1..=100).contains(&limit) {
            return Err(Error::invalid("limit", "limit is 1 to 100"));
        }
        let index = self
            .store
            .docs(MATCH_OF, &format!("{player}\u{1}"), 10_000)
            .await?;
        let mut out = Vec::new();
        for d in index.iter().rev().take(limit as usize) {
            if let Some(id) = d.body.get("match_id").and_then(|v| v.as_str()) {
                out.push(self.match_record(id).await?);
            }
        }
        Ok(out)
    }
}
