//! Leaderboard and tournament services (SPEC.md "Leaderboards and tournaments").
//!
//! * A submission reads the board, the player's `lb_score` document and (for a board
//!   whose periods end) the period document, lets [`rules::apply`] decide, and commits
//!   the document under the version read with its ranking-index row and event: two
//!   concurrent submissions of one player serialize on that version (a `CONFLICT`
//!   retries with the other's score in view), so `best` keeps the best and `increment`
//!   loses nothing.
//! * Reads of the current period use the coordinator's rank index when it has one and
//!   it is complete (Redis: one script call per read, O(log n) ranks; ARCHITECTURE.md,
//!   "Ranking storage"); otherwise, and for other periods, index range reads of the
//!   Store ([`crate::ports::Store::scores_after`], `scores_before`,
//!   `scores_count_before`): no full scan per read. The rank index is written after
//!   each commit that carries score rows ([`index_scores`]) under the `lb_score`
//!   document's version, and rebuilt from the Store by one host (under a lease) when a
//!   read finds it incomplete.
//! * A reset walks the finished period's standings in chunks of
//!   `[leaderboards] reset_chunk` (default 100); each chunk's grants commit with the period document under
//!   its version, which records how far granting got. A crash resumes after the last
//!   committed chunk; two hosts running one reset conflict on that version, so each
//!   chunk is granted once.
//! * A join writes the tournament's entrant count under its version (so concurrent joins
//!   never pass `max_entrants`), the player's entry and the fee's ledger entry in one
//!   commit.

use super::{Guildhall, Replayable};
use crate::ctx::Ctx;
use crate::docs::{Document as _, Versioned};
use crate::economy::rules as econ;
use crate::error::{Error, ErrorCode, Result};
use crate::holdings::{Holdings, ItemCredit};
use crate::leaderboards::rules::{self, standings_key};
use crate::leaderboards::{
    Entrants, Entry, GrantedReward, JoinTournamentRequest, JoinTournamentResult, Leaderboard,
    LeaderboardPeriod, OpenPeriod, PeriodStatus, PlayerStanding, PlayerStandingQuery,
    PutLeaderboardRequest, RankedScore, ScoreDoc, ScoreEntry, StandingsPage, StandingsQuery,
    SubmitScoreRequest, SubmitScoreResult,
};
use crate::mail::{Attachments, ItemAttachment};
use crate::ports::{ChangeSet, Clock, Coordinator, RankWrite, ScoreWrite, Store};
use crate::types::{Account, EntryKind, PlayerId};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Periods this process read open, by standings key, with their ends (UTC). A
/// submission to one of them before its end skips the read of the period document: a
/// reset archives a period only
/// `[leaderboards] reset_grace_secs` after its end, so before the end the copy cannot
/// be out of date (beyond clock skew between hosts larger than that grace, which the
/// read would not close either: the submission does not commit under the period's
/// version). At most 10,000 are kept.
pub(crate) type OpenPeriods = PerStandings<DateTime<Utc>, 10_000>;

/// Copies this process keeps per standings key, at most `MAX`; past it they are all
/// dropped and read again.
pub(crate) struct PerStandings<V, const MAX: usize>(std::sync::Mutex<HashMap<String, V>>);

impl<V, const MAX: usize> Default for PerStandings<V, MAX> {
    fn default() -> Self {
        Self(std::sync::Mutex::default())
    }
}

impl<V: Clone, const MAX: usize> PerStandings<V, MAX> {
    fn get(&self, standings: &str) -> Option<V> {
        self.0.lock().ok()?.get(standings).cloned()
    }

    fn put(&self, standings: &str, value: V) {
        let Ok(mut held) = self.0.lock() else {
            return;
        };
        if held.len() >= MAX {
            held.clear();
        }
        held.insert(standings.to_string(), value);
    }
}

impl OpenPeriods {
    /// True when `standings` was seen open and `now` is before its end.
    fn open_at(&self, standings: &str, now: DateTime<Utc>) -> bool {
        self.get(standings).is_some_and(|end| now < end)
    }
}

/// The tops of rank indexes this process read, by standings key, each with the top's
/// version it was read under ([`Coordinator::rank_top_version`]). A first page of the
/// current period is served from here while the version stands: one small Redis call
/// instead of the members' transfer and decoding. A write that changes the best
/// [`RANK_TOP`](crate::ports::RANK_TOP) records moves the version, on every host (the
/// rank index's own write bumps it), so a page served from here is never older than the
/// index. At most 1,000 are kept.
pub(crate) type TopPages = PerStandings<Arc<TopPage>, 1_000>;

/// The best records of one standings as the rank index held them under `version`.
pub(crate) struct TopPage {
    version: String,
    /// How many records were asked for; fewer came when the index holds fewer.
    asked: u32,
    entries: Vec<ScoreEntry>,
}

impl TopPage {
    /// Whether this page answers a read of the best `want` records.
    fn covers(&self, want: u32) -> bool {
        self.entries.len() >= want as usize || self.entries.len() < self.asked as usize
    }
}

/// Records read from the Store per page of a rank index rebuild.
const REBUILD_PAGE: u32 = 1000;
/// Seconds a rank index rebuild's lease lasts; renewed at every page.
const REBUILD_LEASE_SECS: i64 = 30;
/// Attempts (a second apart) to mark a rank index incomplete after a failed write.
const INVALIDATE_TRIES: u32 = 60;

impl Replayable for SubmitScoreResult {
    fn mark_replayed(&mut self) {
        self.replayed = true;
    }
}

impl Replayable for JoinTournamentResult {
    fn mark_replayed(&mut self) {
        self.replayed = true;
    }
}

/// How far one step of a reset got.
enum ResetStep {
    /// Nothing to do: no such period, or another host archived it.
    Gone,
    /// A chunk committed; more follow.
    More,
    /// The period is archived now.
    Done(Box<LeaderboardPeriod>),
}

fn ranked(rank: u64, e: &ScoreEntry) -> RankedScore {
    RankedScore {
        rank,
        player: e.player.clone(),
        score: e.score,
        submitted_at: DateTime::from_timestamp_micros(e.submitted_at).unwrap_or_default(),
    }
}

fn partition_of(board: &Leaderboard, part: &str) -> Option<String> {
    board.partitioned.then(|| part.to_string())
}

/// Writes the score rows of committed change sets (one batch of the group committer)
/// to the coordinator's rank indexes in one call (run by the committer after the
/// commit, before the callers hear of it, so a player's next read sees their score).
/// Each row goes under the version of its `lb_score` document in the same set, so
/// out-of-order writes from two hosts cannot regress a record. When the write fails,
/// each standings it touched is marked incomplete (retried a second apart for a minute
/// while Redis does not answer), so reads use the Store until a rebuild.
pub(super) async fn index_scores(coordinator: &Arc<dyn Coordinator>, done: &[&ChangeSet]) {
    if done.iter().all(|cs| cs.scores.is_empty()) || !coordinator.rank_index() {
        return;
    }
    let mut writes = Vec::new();
    let mut unversioned = BTreeSet::new();
    for cs in done.iter().filter(|cs| !cs.scores.is_empty()) {
        let versions: HashMap<&str, i64> = cs
            .docs
            .iter()
            .filter(|d| d.kind == ScoreDoc::KIND)
            .map(|d| (d.id.as_str(), d.expected_version + 1))
            .collect();
        for w in &cs.scores {
            let (standings, player, member) = match w {
                ScoreWrite::Put(e) => (&e.standings, &e.player, Some(rules::rank_member(&e.pos()))),
                ScoreWrite::Delete { standings, player } => (standings, player, None),
            };
            match versions.get(format!("{standings}/{player}").as_str()) {
                Some(&version) => writes.push(RankWrite {
                    standings: standings.clone(),
                    player: player.as_str().to_string(),
                    version,
                    member,
                }),
                None => {
                    unversioned.insert(standings.clone());
                }
            }
        }
    }
    let failed: BTreeSet<String> = match coordinator.rank_apply(&writes).await {
        Ok(()) => unversioned,
        Err(e) => {
            tracing::warn!(error = %e, "rank index write failed; reads use the store until a rebuild");
            crate::telemetry::record_fallback("rank_apply");
            writes
                .into_iter()
                .map(|w| w.standings)
                .chain(unversioned)
                .collect()
        }
    };
    for standings in failed {
        if coordinator.rank_invalidate(&standings).await.is_err() {
            let coordinator = coordinator.clone();
            tokio::spawn(async move {
                for _ in 0..INVALIDATE_TRIES {
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    if coordinator.rank_invalidate(&standings).await.is_ok() {
                        return;
                    }
                }
                tracing::error!(%standings, "rank index not marked incomplete; it may serve a stale rank until rebuilt");
            });
        }
    }
}

/// Rebuilds the rank index of `standings` from the Store's ranking index, if this
/// caller takes the lease `rank-rebuild:<standings>` (one rebuild at a time across
/// hosts): empties it, adds every record in pages of [`REBUILD_PAGE`] (version 0, so a
/// write committed meanwhile wins), and marks it complete unless a write failed or
/// another rebuild started meanwhile.
async fn rebuild_rank_index(
    store: Arc<dyn Store>,
    coordinator: Arc<dyn Coordinator>,
    clock: Arc<dyn Clock>,
    token: String,
    standings: String,
) -> Result<bool> {
    let lease = format!("rank-rebuild:{standings}");
    if !coordinator
        .lease(&lease, &token, clock.now(), REBUILD_LEASE_SECS)
        .await?
    {
        return Ok(false);
    }
    coordinator.rank_rebuild_start(&standings, &token).await?;
    let mut after = None;
    loop {
        let rows = store
            .scores_after(&standings, after.as_ref(), REBUILD_PAGE)
            .await?;
        let writes: Vec<RankWrite> = rows
            .iter()
            .map(|e| RankWrite {
                standings: standings.clone(),
                player: e.player.as_str().to_string(),
                version: 0,
                member: Some(rules::rank_member(&e.pos())),
            })
            .collect();
        coordinator.rank_apply(&writes).await?;
        if rows.len() < REBUILD_PAGE as usize {
            break;
        }
        after = rows.last().map(|e| e.pos());
        if !coordinator
            .lease(&lease, &token, clock.now(), REBUILD_LEASE_SECS)
            .await?
        {
            return Ok(false);
        }
    }
    let done = coordinator.rank_rebuild_finish(&standings, &token).await?;
    // Released: a time to live of 0 lets the next rebuild start at once.
    let _ = coordinator.lease(&lease, &token, clock.now(), 0).await;
    Ok(done)
}

/// A record of the rank index as an entry of the Store's ranking index.
fn entry_of(board: &Leaderboard, standings: &str, member: &[u8]) -> Result<ScoreEntry> {
    let pos = rules::member_pos(member)
        .ok_or_else(|| Error::unavailable("a rank index member is not a record"))?;
    Ok(ScoreEntry {
        standings: standings.to_string(),
        player: PlayerId::new(pos.player)?,
        ord: pos.ord,
        score: rules::score_of(board.sort, pos.ord),
        submitted_at: pos.submitted_at,
    })
}

impl Guildhall {
    async fn board_doc(&self, id: &str) -> Result<Versioned<Leaderboard>> {
        rules::check_board_id(id)?;
        self.load::<Leaderboard>(id)
            .await?
            .ok_or_else(|| Error::not_found("leaderboard", id))
    }

    /// A board's definition from the in-process cache (`access_cache.rs`; read from the
    /// Store on a miss), for the hot paths: submissions and rank reads. A redefinition
    /// drops this process's copy before `put_leaderboard` returns and every other
    /// process's within about 1 s (at once with Redis). Errors: `NOT_FOUND`,
    /// `INVALID_ARGUMENT`.
    async fn cached_board(&self, id: &str) -> Result<Arc<Leaderboard>> {
        rules::check_board_id(id)?;
        self.access_record::<Leaderboard>(id)
            .await?
            .ok_or_else(|| Error::not_found("leaderboard", id))
    }

    /// Defines or redefines a board (admin; SPEC.md Leaderboards). Sort, operator,
    /// partitioning and a tournament's start cannot change once it exists. Emits
    /// `leaderboard_defined` (no players). Putting the same definition again changes
    /// only `updated_at`. Errors: `INVALID_ARGUMENT`.
    pub async fn put_leaderboard(&self, req: PutLeaderboardRequest) -> Result<Leaderboard> {
        rules::check_put(&self.config, &req)?;
        let req = &req;
        self.retrying("put_leaderboard", |ctx: Ctx| {
            Box::pin(async move {
                let old = self.load::<Leaderboard>(&req.id).await?;
                if let Some(o) = &old {
                    rules::check_redefine(&o.value, req)?;
                }
                let board = rules::define(ctx.now, old.as_ref().map(|o| &o.value), req);
                let mut doc = old.unwrap_or_else(|| Versioned::new(req.id.clone(), board.clone()));
                doc.value = board.clone();
                let cs = ChangeSet {
                    docs: vec![doc.put()],
                    events: vec![ctx.event(
                        "leaderboard_defined",
                        vec![],
                        json!({ "board": board.id, "sort": board.sort, "operator": board.operator,
                                "reset": board.reset, "tournament": board.tournament }),
                    )],
                    ..Default::default()
                };
                Ok((cs, board))
            })
        })
        .await
    }

    /// One board's definition. Errors: `NOT_FOUND`, `INVALID_ARGUMENT`.
    pub async fn leaderboard(&self, id: &str) -> Result<Leaderboard> {
        Ok(self.board_doc(id).await?.value)
    }

    /// Every board, ordered by id (at most 10,000).
    pub async fn leaderboards(&self) -> Result<Vec<Leaderboard>> {
        self.store
            .docs(Leaderboard::KIND, "", 10_000)
            .await?
            .into_iter()
            .map(|d| Ok(Versioned::<Leaderboard>::decode(d)?.value))
            .collect()
    }

    /// Submits a score: the board's operator applied atomically to the player's record
    /// of the current period (SPEC.md Leaderboards). A tournament takes scores between
    /// its start and end from players who joined. Emits `score_submitted` to the player
    /// when the stored score changed. Errors: `NOT_FOUND`, `INVALID_ARGUMENT`,
    /// `TOURNAMENT_CLOSED`, `IDEMPOTENCY_CONFLICT`.
    pub async fn submit_score(&self, req: SubmitScoreRequest) -> Result<SubmitScoreResult> {
        rules::check_board_id(&req.board)?;
        econ::check_key(&req.idempotency_key)?;
        let req = &req;
        self.execute(
            "submit_score",
            &[&req.player],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let board = self.cached_board(&req.board).await?;
                    let part = rules::check_partition(&board, &req.partition)?;
                    let period = rules::period_of(&self.config, &board, ctx.now)?;
                    if let Some(t) = &board.tournament {
                        let entry = format!("{}/{}", board.id, req.player);
                        if self.load::<Entry>(&entry).await?.is_none() {
                            return Err(Error::new(
                                ErrorCode::TournamentClosed,
                                format!("{} has not joined tournament '{}'", req.player, board.id),
                            )
                            .with_details(
                                json!({ "board": board.id, "player": req.player, "end": t.end }),
                            ));
                        }
                    }
                    let standings = standings_key(&board.id, &part, &period.key);
                    let mut cs = ChangeSet::default();
                    if rules::has_resets(&board) && !self.open_periods.open_at(&standings, ctx.now)
                    {
                        match self.load::<LeaderboardPeriod>(&standings).await? {
                            Some(p) if p.value.status != PeriodStatus::Open => {
                                return Err(Error::new(
                                    ErrorCode::TournamentClosed,
                                    format!(
                                        "period {} of '{}' has been reset",
                                        period.key, board.id
                                    ),
                                )
                                .with_details(json!({ "board": board.id, "period": period.key })));
                            }
                            Some(p) => self
                                .open_periods
                                .put(&standings, p.value.period.end.min(period.end)),
                            None => {
                                cs.docs.push(
                                    Versioned::new(
                                        standings.clone(),
                                        LeaderboardPeriod {
                                            board: board.id.clone(),
                                            partition: partition_of(&board, &part),
                                            period: period.clone(),
                                            status: PeriodStatus::Open,
                                            processed: 0,
                                            cursor: None,
                                            granted: vec![],
                                            reset_at: None,
                                        },
                                    )
                                    .put(),
                                );
                                cs.docs.push(
                                    Versioned::new(
                                        standings.clone(),
                                        OpenPeriod { end: period.end },
                                    )
                                    .put(),
                                );
                            }
                        }
                    }
                    let doc_id = format!("{standings}/{}", req.player);
                    let doc = self.load::<ScoreDoc>(&doc_id).await?;
                    let previous = doc.as_ref().map(|d| d.value.score);
                    let (score, changed) = rules::apply(&board, previous, req.score)?;
                    if changed {
                        let record = ScoreDoc {
                            score,
                            submitted_at: ctx.now,
                        };
                        let mut doc = doc.unwrap_or_else(|| Versioned::new(doc_id, record.clone()));
                        doc.value = record;
                        cs.docs.push(doc.put());
                        cs.scores.push(ScoreWrite::Put(ScoreEntry {
                            standings,
                            player: req.player.clone(),
                            ord: rules::ord_of(board.sort, score),
                            score,
                            submitted_at: ctx.now.timestamp_micros(),
                        }));
                        cs.events.push(ctx.event(
                            "score_submitted",
                            vec![req.player.clone()],
                            json!({ "board": board.id, "partition": partition_of(&board, &part),
                                    "period": period.key, "player": req.player, "score": score,
                                    "previous": previous }),
                        ));
                    } else {
                        // Nothing changes: the period document is not created either.
                        cs.docs.clear();
                    }
                    Ok((
                        cs,
                        SubmitScoreResult {
                            board: board.id.clone(),
                            partition: partition_of(&board, &part),
                            period: period.key,
                            player: req.player.clone(),
                            score,
                            previous,
                            changed,
                            replayed: false,
                        },
                    ))
                })
            },
        )
        .await
    }

    /// The period key a read names: the one given, else the current one (a tournament's
    /// only period whatever the time); and whether it is the current one (the one
    /// submissions go to, which the rank index serves).
    fn read_period(&self, board: &Leaderboard, given: &Option<String>) -> Result<(String, bool)> {
        let current = if board.tournament.is_some() {
            Ok(rules::TOURNAMENT.to_string())
        } else {
            rules::period_of(&self.config, board, self.clock.now()).map(|p| p.key)
        };
        match given {
            Some(k) => {
                rules::check_period_key(k)?;
                let is_current = current.is_ok_and(|c| &c == k);
                Ok((k.clone(), is_current))
            }
            None => Ok((current?, true)),
        }
    }

    /// Starts a rebuild of the rank index of `standings` in the background (a read
    /// found it incomplete); it does nothing when another caller holds the rebuild's
    /// lease.
    fn spawn_rank_rebuild(&self, standings: &str) {
        let (store, coordinator, clock) = (
            self.store.clone(),
            self.coordinator.clone(),
            self.clock.clone(),
        );
        let (token, standings) = (self.ids.next_id(), standings.to_string());
        tokio::spawn(async move {
            if let Err(e) =
                rebuild_rank_index(store, coordinator, clock, token, standings.clone()).await
            {
                tracing::warn!(error = %e, %standings, "rank index rebuild failed; reads use the store");
            }
        });
    }

    /// What a rank index read answered, or `None` to read the Store: no index in this
    /// coordinator, a period other than the current one, the index incomplete (a
    /// rebuild is started) or the coordinator failing.
    fn index_answer<T>(&self, standings: &str, answer: Result<Option<T>>) -> Option<T> {
        match answer {
            Ok(Some(v)) => Some(v),
            Ok(None) => {
                self.spawn_rank_rebuild(standings);
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "rank index read failed; reading the store");
                crate::telemetry::record_fallback("rank_index");
                None
            }
        }
    }

    /// Up to `limit` records of `standings` after `after` from the rank index, or
    /// `None` (read the Store) as [`Guildhall::index_answer`] says.
    async fn index_page(
        &self,
        board: &Leaderboard,
        standings: &str,
        after: Option<&crate::leaderboards::ScorePos>,
        limit: u32,
    ) -> Option<Vec<ScoreEntry>> {
        let after = after.map(rules::rank_member);
        let answer = self
            .coordinator
            .rank_after(standings, after.as_deref(), limit)
            .await
            .and_then(|members| {
                members
                    .map(|ms| ms.iter().map(|m| entry_of(board, standings, m)).collect())
                    .transpose()
            });
        self.index_answer(standings, answer)
    }

    /// The best `want` records of `standings` (at most [`RANK_TOP`](crate::ports::RANK_TOP), the largest page
    /// and one more) from the rank
    /// index: this process's copy while the top's version stands, else read (and kept)
    /// with the version. `None` (read the Store) as [`Guildhall::index_answer`] says.
    async fn index_top(
        &self,
        board: &Leaderboard,
        standings: &str,
        want: u32,
    ) -> Option<Arc<TopPage>> {
        if let Some(held) = self.top_pages.get(standings).filter(|p| p.covers(want)) {
            let version = self.coordinator.rank_top_version(standings).await;
            if self.index_answer(standings, version)? == held.version {
                return Some(held);
            }
        }
        let answer = self
            .coordinator
            .rank_top(standings, want)
            .await
            .and_then(|top| {
                top.map(|t| {
                    let entries = t
                        .members
                        .iter()
                        .map(|m| entry_of(board, standings, m))
                        .collect::<Result<Vec<_>>>()?;
                    Ok(Arc::new(TopPage {
                        version: t.version,
                        asked: want,
                        entries,
                    }))
                })
                .transpose()
            });
        let page = self.index_answer(standings, answer)?;
        self.top_pages.put(standings, page.clone());
        Some(page)
    }

    /// A page of standings, best first (top N is the first page): limit 1..=1000
    /// (default 100), the previous page's `next_cursor` for the next. Ranks of later
    /// pages count from the cursor's rank. An archived period by its key. Errors:
    /// `NOT_FOUND` (board), `INVALID_ARGUMENT`.
    pub async fn leaderboard_standings(&self, q: StandingsQuery) -> Result<StandingsPage> {
        let board = self.cached_board(&q.board).await?;
        let part = rules::check_partition(&board, &q.partition)?;
        let (period, current) = self.read_period(&board, &q.period)?;
        let limit = rules::page_size(q.limit)?;
        let (first, after) = match &q.cursor {
            Some(c) => {
                let (rank, pos) = rules::decode_cursor(c)?;
                (rank, Some(pos))
            }
            None => (0, None),
        };
        let standings = standings_key(&board.id, &part, &period);
        let want = limit + 1;
        let indexed = current && self.coordinator.rank_index();
        // The first page from the index's top (kept per process under its version),
        // a later page from the index, else from the Store.
        let top = match (indexed, &after) {
            (true, None) => self.index_top(&board, &standings, want).await,
            _ => None,
        };
        let owned = match (&top, indexed, &after) {
            (Some(_), _, _) => Vec::new(),
            (None, true, Some(_)) => match self
                .index_page(&board, &standings, after.as_ref(), want)
                .await
            {
                Some(rows) => rows,
                None => {
                    self.store
                        .scores_after(&standings, after.as_ref(), want)
                        .await?
                }
            },
            _ => {
                self.store
                    .scores_after(&standings, after.as_ref(), want)
                    .await?
            }
        };
        let rows: &[ScoreEntry] = match &top {
            Some(page) => &page.entries[..page.entries.len().min(want as usize)],
            None => &owned,
        };
        let more = rows.len() > limit as usize;
        let rows = &rows[..rows.len().min(limit as usize)];
        let next_cursor = match rows.last() {
            Some(last) if more => {
                Some(rules::encode_cursor(first + rows.len() as u64, &last.pos()))
            }
            _ => None,
        };
        let entries = rows
            .iter()
            .enumerate()
            .map(|(i, e)| ranked(first + i as u64 + 1, e))
            .collect();
        Ok(StandingsPage {
            board: board.id.clone(),
            partition: partition_of(&board, &part),
            period,
            entries,
            next_cursor,
        })
    }

    /// A player's rank (from the coordinator's rank index, else a count over the
    /// Store's index range) and up to `neighbours` records above and below (default 5,
    /// at most 50). Errors: `NOT_FOUND` (board, or no score of the player in the
    /// period), `INVALID_ARGUMENT`.
    pub async fn leaderboard_standing(&self, q: PlayerStandingQuery) -> Result<PlayerStanding> {
        let board = self.cached_board(&q.board).await?;
        let part = rules::check_partition(&board, &q.partition)?;
        let (period, current) = self.read_period(&board, &q.period)?;
        let n = rules::neighbours(q.neighbours)?;
        let standings = standings_key(&board.id, &part, &period);
        let indexed = match current && self.coordinator.rank_index() {
            true => {
                let answer = self
                    .coordinator
                    .rank_window(&standings, q.player.as_str(), n)
                    .await;
                self.index_answer(&standings, answer)
            }
            false => None,
        };
        let (rank, entry, above, below) = match indexed {
            Some(window) => {
                let w = window.ok_or_else(|| Error::not_found("score", q.player.as_str()))?;
                let mut rows = w
                    .members
                    .iter()
                    .map(|m| entry_of(&board, &standings, m))
                    .collect::<Result<Vec<_>>>()?;
                let at = usize::try_from(w.rank - w.first)
                    .ok()
                    .filter(|&i| i < rows.len())
                    .ok_or_else(|| Error::unavailable("rank index window misses the player"))?;
                let below = rows.split_off(at + 1);
                let entry = rows.pop().expect("the player's own record");
                (w.rank + 1, entry, rows, below)
            }
            None => {
                let entry = self
                    .store
                    .score_entry(&standings, &q.player)
                    .await?
                    .ok_or_else(|| Error::not_found("score", q.player.as_str()))?;
                let pos = entry.pos();
                let rank = self.store.scores_count_before(&standings, &pos).await? + 1;
                let mut above = self.store.scores_before(&standings, &pos, n).await?;
                above.reverse();
                let below = self.store.scores_after(&standings, Some(&pos), n).await?;
                (rank, entry, above, below)
            }
        };
        let first_above = rank - above.len() as u64;
        Ok(PlayerStanding {
            board: board.id.clone(),
            partition: partition_of(&board, &part),
            period,
            entry: ranked(rank, &entry),
            above: above
                .iter()
                .enumerate()
                .map(|(i, e)| ranked(first_above + i as u64, e))
                .collect(),
            below: below
                .iter()
                .enumerate()
                .map(|(i, e)| ranked(rank + 1 + i as u64, e))
                .collect(),
        })
    }

    /// The periods of a board that has resets (or is a tournament), oldest key first:
    /// open ones and the archive with their granted rewards. `partition`: only that
    /// partition's (none on a partitioned board: every partition's). Errors: `NOT_FOUND`,
    /// `INVALID_ARGUMENT`.
    pub async fn leaderboard_periods(
        &self,
        board: &str,
        partition: Option<String>,
    ) -> Result<Vec<LeaderboardPeriod>> {
        let b = self.board_doc(board).await?.value;
        let prefix = match (&partition, b.partitioned) {
            (None, true) => format!("{}/", b.id),
            _ => format!("{}/{}/", b.id, rules::check_partition(&b, &partition)?),
        };
        self.store
            .docs(LeaderboardPeriod::KIND, &prefix, 10_000)
            .await?
            .into_iter()
            .map(|d| Ok(Versioned::<LeaderboardPeriod>::decode(d)?.value))
            .collect()
    }

    /// Joins a tournament (SPEC.md: join step, optional entry fee spent through the
    /// ledger to `system:tournaments`, max entrants). Joining again changes nothing and
    /// spends nothing (`already_joined`). Emits `tournament_joined` (and
    /// `currency_spent` for a fee) to the player. Errors: `NOT_FOUND`,
    /// `TOURNAMENT_CLOSED`, `TOURNAMENT_FULL`, `INSUFFICIENT_FUNDS`, `INVALID_ARGUMENT`,
    /// `IDEMPOTENCY_CONFLICT`.
    pub async fn join_tournament(
        &self,
        req: JoinTournamentRequest,
    ) -> Result<JoinTournamentResult> {
        rules::check_board_id(&req.board)?;
        econ::check_key(&req.idempotency_key)?;
        let req = &req;
        let stripe = format!("tournament:{}", req.board);
        self.execute_locking(
            "join_tournament",
            &[&req.player],
            &[&stripe],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let board = self.board_doc(&req.board).await?.value;
                    let t = board
                        .tournament
                        .as_ref()
                        .ok_or_else(|| Error::not_found("tournament", &req.board))?;
                    let entrants = self
                        .load::<Entrants>(&board.id)
                        .await?
                        .unwrap_or_else(|| Versioned::new(board.id.clone(), Entrants::default()));
                    let entry_id = format!("{}/{}", board.id, req.player);
                    if self.load::<Entry>(&entry_id).await?.is_some() {
                        return Ok((
                            ChangeSet::default(),
                            JoinTournamentResult {
                                board: board.id.clone(),
                                player: req.player.clone(),
                                entrants: entrants.value.count,
                                fee_paid: None,
                                already_joined: true,
                                replayed: false,
                            },
                        ));
                    }
                    rules::check_join(&board, t, entrants.value.count, ctx.now)?;
                    let mut cs = ChangeSet::default();
                    if let Some(fee) = &t.entry_fee {
                        let player = Account::Player(req.player.clone());
                        let row = self.store.balance(&player, &fee.currency).await?;
                        let after = econ::apply_delta(
                            &self.config,
                            &req.player,
                            &fee.currency,
                            row.amount,
                            -fee.amount,
                        )?;
                        let sink = Account::system(rules::FEE_SINK)?;
                        cs.balances
                            .push(econ::set_balance(&req.player, &fee.currency, row, after));
                        cs.balances
                            .push(econ::add_system(sink.clone(), &fee.currency, fee.amount));
                        cs.ledger.push(econ::entry(
                            &ctx,
                            EntryKind::Spend,
                            &fee.currency,
                            player,
                            sink.clone(),
                            fee.amount,
                            "tournament_entry".into(),
                            json!({ "board": board.id }),
                        ));
                        cs.events.push(ctx.event(
                            "currency_spent",
                            vec![req.player.clone()],
                            json!({ "player": req.player, "currency": fee.currency, "amount": fee.amount,
                                    "balance": after, "sink": sink, "reason": "tournament_entry",
                                    "transaction_id": ctx.transaction_id }),
                        ));
                    }
                    let mut entrants = entrants;
                    entrants.value.count += 1;
                    cs.docs.push(entrants.put());
                    cs.docs.push(
                        Versioned::new(
                            entry_id,
                            Entry {
                                joined_at: ctx.now,
                                fee: t.entry_fee.clone(),
                            },
                        )
                        .put(),
                    );
                    cs.events.push(ctx.event(
                        "tournament_joined",
                        vec![req.player.clone()],
                        json!({ "board": board.id, "player": req.player, "entrants": entrants.value.count,
                                "fee": t.entry_fee }),
                    ));
                    Ok((
                        cs,
                        JoinTournamentResult {
                            board: board.id.clone(),
                            player: req.player.clone(),
                            entrants: entrants.value.count,
                            fee_paid: t.entry_fee.clone(),
                            already_joined: false,
                            replayed: false,
                        },
                    ))
                })
            },
        )
        .await
    }

    /// Runs every reset that is due: each period (of every board and partition) that
    /// ended at least `[leaderboards] reset_grace_secs` (default 2) ago and is not archived yet, its
    /// rewards granted once (SPEC.md: a reset's rewards are granted once, also when two
    /// hosts run it at once or one resumes after a crash). The host's scheduler calls
    /// this; an operator may call it at any time. Returns the periods this call
    /// archived. Errors: `UNAVAILABLE`, `CONFLICT` (after `max_retries`).
    pub async fn run_leaderboard_resets(&self) -> Result<Vec<LeaderboardPeriod>> {
        let now = self.clock.now();
        let mut done = Vec::new();
        let open = self.store.docs(OpenPeriod::KIND, "", 10_000).await?;
        for d in open {
            let open = Versioned::<OpenPeriod>::decode(d)?;
            if !rules::reset_due(
                self.config.leaderboards.reset_grace_secs,
                open.value.end,
                now,
            ) {
                continue;
            }
            if let Some(p) = self.reset_period(&open.id).await? {
                if self.coordinator.rank_index() {
                    // Reads of an archived period use the Store.
                    if let Err(e) = self.coordinator.rank_drop(&open.id).await {
                        tracing::warn!(error = %e, "archived period's rank index not dropped");
                    }
                }
                done.push(p);
            }
        }
        Ok(done)
    }

    /// Runs one period's reset to its end, a chunk per commit.
    async fn reset_period(&self, id: &str) -> Result<Option<LeaderboardPeriod>> {
        loop {
            match self
                .retrying("leaderboard_reset", |ctx: Ctx| {
                    Box::pin(self.reset_step(ctx, id))
                })
                .await?
            {
                ResetStep::Gone => return Ok(None),
                ResetStep::More => continue,
                ResetStep::Done(p) => return Ok(Some(*p)),
            }
        }
    }

    /// One chunk of a reset: the next records after the period's cursor, the rewards of
    /// those in a rewarded rank, and the period document under its version.
    async fn reset_step(&self, ctx: Ctx, id: &str) -> Result<(ChangeSet, ResetStep)> {
        let Some(mut period) = self.load::<LeaderboardPeriod>(id).await? else {
            return Ok((ChangeSet::default(), ResetStep::Gone));
        };
        if period.value.status == PeriodStatus::Archived {
            return Ok((ChangeSet::default(), ResetStep::Gone));
        }
        let board = self.board_doc(&period.value.board).await?.value;
        let last = rules::last_rewarded_rank(&board.rewards);
        let mut cs = ChangeSet::default();
        let p = &mut period.value;
        let chunk = self.config.leaderboards.reset_chunk;
        let rows = if p.processed < last {
            self.store
                .scores_after(id, p.cursor.as_ref(), chunk)
                .await?
        } else {
            Vec::new()
        };
        let exhausted = rows.len() < chunk as usize;
        for e in rows {
            let rank = p.processed + 1;
            if rank > last {
                break;
            }
            if let Some(tier) = rules::tier_for(&board.rewards, rank) {
                let granted = self
                    .grant_reward(&ctx, &mut cs, &e.player, &tier.rewards)
                    .await?;
                cs.events.push(ctx.event(
                    "reward_granted",
                    vec![e.player.clone()],
                    json!({ "board": board.id, "partition": p.partition, "period": p.period.key,
                            "rank": rank, "score": e.score, "rewards": granted,
                            "reason": rules::REWARD_REASON }),
                ));
                p.granted.push(GrantedReward {
                    rank,
                    player: e.player.clone(),
                    score: e.score,
                    rewards: granted,
                });
            }
            p.processed = rank;
            p.cursor = Some(e.pos());
        }
        let finished = exhausted || p.processed >= last;
        let step = if finished {
            p.status = PeriodStatus::Archived;
            p.reset_at = Some(ctx.now);
            if let Some(open) = self.load::<OpenPeriod>(id).await? {
                cs.docs.push(open.delete());
            }
            cs.events.push(ctx.event(
                "leaderboard_reset",
                vec![],
                json!({ "board": board.id, "partition": p.partition, "period": p.period.key,
                        "start": p.period.start, "end": p.period.end, "rewarded": p.granted.len() }),
            ));
            ResetStep::Done(Box::new(p.clone()))
        } else {
            p.status = PeriodStatus::Granting;
            ResetStep::More
        };
        cs.docs.push(period.put());
        Ok((cs, step))
    }

    /// Credits one reward to `player` (currency through the ledger from
    /// `system:rewards`, reason `leaderboard_reward`, cut to the balance maximum; items
    /// to the inventory, an item gone from the catalog or a durable already owned
    /// skipped). Returns what was granted.
    async fn grant_reward(
        &self,
        ctx: &Ctx,
        cs: &mut ChangeSet,
        player: &PlayerId,
        rewards: &Attachments,
    ) -> Result<Attachments> {
        let account = Account::Player(player.clone());
        let balances = self.store.balances(&account).await?;
        let mut items = Vec::new();
        let mut catalog = Vec::new();
        for i in &rewards.items {
            if let Some(row) = self.store.item(player, &i.item_id).await? {
                items.push(row);
            }
            if let Some(c) = self.store.catalog_item(&i.item_id).await? {
                catalog.push(c);
            }
        }
        let mut h = Holdings::new(player.clone(), balances, items, catalog);
        let mut granted = Attachments::default();
        for c in &rewards.currencies {
            let n = h.credit(
                &self.config,
                ctx,
                cs,
                rules::REWARD_SOURCE,
                &c.currency,
                c.amount,
                rules::REWARD_REASON,
                false,
            )?;
            if n > 0 {
                granted.currencies.push(crate::mail::CurrencyAttachment {
                    currency: c.currency.clone(),
                    amount: n,
                });
            }
        }
        for i in &rewards.items {
            match h.add_item(&i.item_id, i.quantity, false) {
                Ok(ItemCredit::Added(n)) if n > 0 => granted.items.push(ItemAttachment {
                    item_id: i.item_id.clone(),
                    quantity: n,
                }),
                Ok(_) => {}
                Err(e) if e.code == ErrorCode::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        h.finish(ctx, cs);
        Ok(granted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(asked: u32, held: usize) -> TopPage {
        let entry = |i: usize| ScoreEntry {
            standings: "b//all".into(),
            player: PlayerId::new(format!("p{i}")).expect("id"),
            ord: i as i64,
            score: i as i64,
            submitted_at: 0,
        };
        TopPage {
            version: "t:1".into(),
            asked,
            entries: (0..held).map(entry).collect(),
        }
    }

    #[test]
    fn a_kept_top_answers_only_reads_it_holds_whole() {
        // 101 asked, 101 held: a top 100 (101 with the look-ahead) or less.
        assert!(page(101, 101).covers(101));
        assert!(page(101, 101).covers(11));
        assert!(!page(101, 101).covers(102), "a longer page is read again");
        // 101 asked, 40 held: the standings has 40 records, so any page is whole.
        assert!(page(101, 40).covers(1001));
    }

    #[test]
    fn an_open_period_is_trusted_until_its_end_and_the_copies_are_bounded() {
        let t = |s: i64| DateTime::from_timestamp(s, 0).expect("time");
        let open = OpenPeriods::default();
        assert!(!open.open_at("b//w1", t(0)), "never seen");
        open.put("b//w1", t(100));
        assert!(open.open_at("b//w1", t(99)));
        assert!(!open.open_at("b//w1", t(100)), "read again from its end");
        let few = PerStandings::<i32, 2>::default();
        few.put("a", 1);
        few.put("b", 2);
        few.put("c", 3);
        assert_eq!(
            (few.get("a"), few.get("c")),
            (None, Some(3)),
            "dropped when full"
        );
    }
}
