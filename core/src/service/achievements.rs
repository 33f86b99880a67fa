//! Achievement and quest services (SPEC.md Achievements and quests; rules in
//! `core/src/achievements/rules.rs`).
//!
//! Counting happens in the commit path: [`Guildhall::commit_changes`] calls
//! [`Guildhall::count_achievements`] with every change set before it is committed,
//! which finds the definitions counting the set's events (from this process's copy of
//! the definitions, [`DefCache`]), reads the players' progress documents, advances them
//! and adds their guarded writes and events to the same change set. A purchase that no
//! definition counts costs a map lookup per event.

use super::{Guildhall, Replayable};
use crate::achievements::rules;
use crate::achievements::{
    progress_id, Achievement, AchievementClaimResult, AchievementStatus, ClaimAchievementRequest,
    ProgressDoc, ProgressRequest, ProgressResult, CATALOG_ID, CATALOG_KIND,
};
use crate::ctx::Ctx;
use crate::docs::{Document as _, Versioned};
use crate::error::{Error, ErrorCode, Result};
use crate::holdings::Holdings;
use crate::ports::{ChangeSet, DocWrite};
use crate::types::{check_text, Account, PlayerId};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Instant;

impl Replayable for ProgressResult {
    fn mark_replayed(&mut self) {
        self.replayed = true;
    }
}

impl Replayable for AchievementClaimResult {
    fn mark_replayed(&mut self) {
        self.replayed = true;
    }
}

/// The definitions as one process counts with them.
pub(crate) struct Defs {
    /// Version of the generation document they were read at.
    generation: i64,
    /// By the event kind they count.
    by_event: HashMap<String, Vec<Arc<Achievement>>>,
}

struct Cached {
    defs: Arc<Defs>,
    checked: Instant,
}

/// This process's copy of the definitions: used for `achievements.reload_secs`, then
/// kept while the store's generation document has not moved (one point read), else
/// read again. A change made through this process drops it at once.
#[derive(Default)]
pub(crate) struct DefCache {
    cached: Mutex<Option<Cached>>,
    /// The lowest generation a reload may keep (a reload that began before a change
    /// of this process must not put the older definitions back).
    min_generation: std::sync::atomic::AtomicI64,
}

impl DefCache {
    fn invalidate(&self, generation: i64) {
        self.min_generation
            .fetch_max(generation, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut c) = self.cached.lock() {
            *c = None;
        }
    }
}

impl Guildhall {
    /// The definitions to count with (see [`DefCache`]).
    async fn counting_definitions(&self) -> Result<Arc<Defs>> {
        let reload = std::time::Duration::from_secs(self.config.achievements.reload_secs);
        let held = match self.achievement_defs.cached.lock() {
            Ok(c) => match &*c {
                Some(c) if c.checked.elapsed() < reload => return Ok(c.defs.clone()),
                Some(c) => Some(c.defs.clone()),
                None => None,
            },
            Err(_) => None,
        };
        let generation = self.generation().await?;
        let defs = match held {
            Some(d) if d.generation == generation => d,
            _ => {
                let mut by_event: HashMap<String, Vec<Arc<Achievement>>> = HashMap::new();
                for d in self.store.docs(Achievement::KIND, "", 1_000_000).await? {
                    // A definition that does not decode counts nothing; it must not stop
                    // every other commit.
                    let def = match Versioned::<Achievement>::decode(d) {
                        Ok(v) => v.value,
                        Err(e) => {
                            tracing::warn!(error = %e, "achievement definition skipped");
                            continue;
                        }
                    };
                    if let Some(c) = &def.counts {
                        by_event
                            .entry(c.event.clone())
                            .or_default()
                            .push(Arc::new(def.clone()));
                    }
                }
                Arc::new(Defs {
                    generation,
                    by_event,
                })
            }
        };
        let min = self
            .achievement_defs
            .min_generation
            .load(std::sync::atomic::Ordering::SeqCst);
        if generation >= min {
            if let Ok(mut c) = self.achievement_defs.cached.lock() {
                *c = Some(Cached {
                    defs: defs.clone(),
                    checked: Instant::now(),
                });
            }
        }
        Ok(defs)
    }

    /// The version of the generation document (0: no definition was ever put).
    async fn generation(&self) -> Result<i64> {
        Ok(self
            .store
            .doc(CATALOG_KIND, CATALOG_ID)
            .await?
            .map_or(0, |d| d.version))
    }

    /// Every stored definition, by id, with its version.
    async fn stored_definitions(&self) -> Result<BTreeMap<String, Versioned<Achievement>>> {
        let mut out = BTreeMap::new();
        for d in self.store.docs(Achievement::KIND, "", 1_000_000).await? {
            let v = Versioned::<Achievement>::decode(d)?;
            out.insert(v.id.clone(), v);
        }
        Ok(out)
    }

    /// Adds to `cs` the progress its events count (SPEC.md Achievements and quests:
    /// "progress moves in the same commit as the event that counts"): for each event and
    /// each definition counting it, the player's progress document, read at its version
    /// and rolled to the current period, advanced unless the definition's prerequisites
    /// are not completed (judged as read before this change set) or it is complete; then
    /// one guarded write per changed document and the `achievement_progress` /
    /// `achievement_completed` events. Progress events never count. A moved version
    /// makes the whole commit `CONFLICT`, and the call runs again.
    pub(crate) async fn count_achievements(&self, cs: &mut ChangeSet) -> Result<()> {
        if cs.events.is_empty() {
            return Ok(());
        }
        let defs = self.counting_definitions().await?;
        if defs.by_event.is_empty() {
            return Ok(());
        }
        let hits = rules::hits(&defs.by_event, &cs.events);
        if hits.is_empty() {
            return Ok(());
        }
        let at = cs.events[0].at;
        let ctx = Ctx::new(&self.config, at, self.ids.clone());
        let tz = self.config.reset_timezone;
        let mut read: HashMap<String, Option<ProgressDoc>> = HashMap::new();
        let mut versions: HashMap<String, i64> = HashMap::new();
        let mut working: BTreeMap<String, (ProgressDoc, bool)> = BTreeMap::new();
        let mut events = Vec::new();
        for hit in hits {
            let mut pre = HashMap::new();
            for p in &hit.def.prerequisites {
                let doc = self
                    .read_progress(&mut read, &mut versions, &hit.player, p)
                    .await?;
                pre.insert(p.clone(), doc);
            }
            if !rules::unlocked(&hit.def, &pre) {
                continue;
            }
            let id = progress_id(&hit.player, &hit.def.id);
            if !working.contains_key(&id) {
                let period = rules::current_period(&hit.def, at, tz)?;
                let doc = self
                    .read_progress(&mut read, &mut versions, &hit.player, &hit.def.id)
                    .await?;
                let doc = rules::rolled(
                    doc,
                    &hit.player,
                    &hit.def.id,
                    period.as_ref().map(|p| p.key.as_str()),
                );
                working.insert(id.clone(), (doc, false));
            }
            let (doc, changed) = working.get_mut(&id).expect("inserted above");
            let before = doc.clone();
            rules::advance(
                &ctx,
                &mut events,
                &hit.def,
                doc,
                hit.amount,
                &hit.cause,
                true,
            );
            if *doc != before {
                *changed = true;
            }
        }
        for (id, (doc, changed)) in working {
            if changed {
                cs.docs.push(DocWrite {
                    kind: ProgressDoc::KIND.into(),
                    expected_version: versions.get(&id).copied().unwrap_or(0),
                    id,
                    body: Some(
                        serde_json::to_value(&doc)
                            .map_err(|e| Error::unavailable(e.to_string()))?,
                    ),
                });
            }
        }
        cs.events.extend(events);
        Ok(())
    }

    /// A player's progress document as read (memoized in `read` for one counting pass,
    /// its version in `versions`).
    async fn read_progress(
        &self,
        read: &mut HashMap<String, Option<ProgressDoc>>,
        versions: &mut HashMap<String, i64>,
        player: &PlayerId,
        achievement_id: &str,
    ) -> Result<Option<ProgressDoc>> {
        let id = progress_id(player, achievement_id);
        if let Some(d) = read.get(&id) {
            return Ok(d.clone());
        }
        let got = self.load::<ProgressDoc>(&id).await?;
        versions.insert(id.clone(), got.as_ref().map_or(0, |v| v.version));
        let doc = got.map(|v| v.value);
        read.insert(id, doc.clone());
        Ok(doc)
    }

    /// Puts (inserts or replaces) a definition (operator call; SPEC.md Achievements and
    /// quests). It counts from the next commit of this process on, and in other
    /// processes within `achievements.reload_secs`. Progress already stored for its id
    /// stays. Errors: `INVALID_ARGUMENT` (see [`rules::check_definition`]), `NOT_FOUND`
    /// (a prerequisite or a reward item that does not exist), `LIMIT_REACHED`.
    pub async fn put_achievement(&self, def: Achievement) -> Result<Achievement> {
        let def = &def;
        let generation = self
            .retrying("put_achievement", |_ctx: Ctx| {
                Box::pin(async move {
                    let generation = self.generation().await?;
                    let stored = self.stored_definitions().await?;
                    let plain: BTreeMap<String, Achievement> = stored
                        .iter()
                        .map(|(k, v)| (k.clone(), v.value.clone()))
                        .collect();
                    rules::check_definition(&self.config, &self.config.achievements, def, &plain)?;
                    for i in &def.reward.items {
                        if self.store.catalog_item(&i.item_id).await?.is_none() {
                            return Err(Error::not_found("catalog item", &i.item_id).with_details(
                                json!({ "field": "reward.items.item_id", "item_id": i.item_id }),
                            ));
                        }
                    }
                    let mut v = stored
                        .get(&def.id)
                        .cloned()
                        .unwrap_or_else(|| Versioned::new(def.id.clone(), def.clone()));
                    v.value = def.clone();
                    let cs = ChangeSet {
                        docs: vec![v.put(), self.bump_generation(generation)],
                        ..Default::default()
                    };
                    Ok((cs, generation + 1))
                })
            })
            .await?;
        self.achievement_defs.invalidate(generation);
        Ok(def.clone())
    }

    fn bump_generation(&self, generation: i64) -> DocWrite {
        DocWrite {
            kind: CATALOG_KIND.into(),
            id: CATALOG_ID.into(),
            expected_version: generation,
            body: Some(json!({})),
        }
    }

    /// Deletes a definition (operator call). Players' progress documents for it stay
    /// (read again if the id is defined again). Errors: `NOT_FOUND`, `INVALID_ARGUMENT`
    /// (another definition names it as a prerequisite; `details.dependents`).
    pub async fn delete_achievement(&self, id: &str) -> Result<Achievement> {
        check_text("achievement_id", id, 1, 128)?;
        let (def, generation) = self
            .retrying("delete_achievement", |_ctx: Ctx| {
                Box::pin(async move {
                    let generation = self.generation().await?;
                    let stored = self.stored_definitions().await?;
                    let def = stored
                        .get(id)
                        .cloned()
                        .ok_or_else(|| Error::not_found("achievement", id))?;
                    let plain: BTreeMap<String, Achievement> = stored
                        .iter()
                        .map(|(k, v)| (k.clone(), v.value.clone()))
                        .collect();
                    let deps = rules::dependents(id, &plain);
                    if !deps.is_empty() {
                        return Err(Error::invalid(
                            "achievement_id",
                            format!("'{id}' is a prerequisite of {}", deps.join(", ")),
                        )
                        .with_details(json!({ "field": "achievement_id", "dependents": deps })));
                    }
                    let cs = ChangeSet {
                        docs: vec![def.delete(), self.bump_generation(generation)],
                        ..Default::default()
                    };
                    Ok((cs, (def.value, generation + 1)))
                })
            })
            .await?;
        self.achievement_defs.invalidate(generation);
        Ok(def)
    }

    /// One definition. Errors: `NOT_FOUND`, `INVALID_ARGUMENT` (id).
    pub async fn achievement(&self, id: &str) -> Result<Achievement> {
        check_text("achievement_id", id, 1, 128)?;
        Ok(self
            .load::<Achievement>(id)
            .await?
            .ok_or_else(|| Error::not_found("achievement", id))?
            .value)
    }

    /// Every definition, by id.
    pub async fn achievements(&self) -> Result<Vec<Achievement>> {
        Ok(self
            .stored_definitions()
            .await?
            .into_values()
            .map(|v| v.value)
            .collect())
    }

    /// `player`'s standing on every definition, by id: progress in the current period
    /// (zero for a document of an earlier period), completion and claim times, the
    /// period of a resetting one, and whether its prerequisites are completed.
    pub async fn player_achievements(&self, player: &PlayerId) -> Result<Vec<AchievementStatus>> {
        let defs = self.achievements().await?;
        let mut docs: HashMap<String, Option<ProgressDoc>> = HashMap::new();
        let prefix = format!("{player}\u{1}");
        for d in self
            .store
            .docs(ProgressDoc::KIND, &prefix, 1_000_000)
            .await?
        {
            let v = Versioned::<ProgressDoc>::decode(d)?;
            docs.insert(v.value.achievement_id.clone(), Some(v.value));
        }
        let now = self.clock.now();
        defs.into_iter()
            .map(|def| self.status(player, def, &docs, now))
            .collect()
    }

    /// `player`'s standing on one definition (as in
    /// [`Guildhall::player_achievements`]). Errors: `NOT_FOUND`, `INVALID_ARGUMENT`.
    pub async fn achievement_status(
        &self,
        player: &PlayerId,
        achievement_id: &str,
    ) -> Result<AchievementStatus> {
        let def = self.achievement(achievement_id).await?;
        let mut docs: HashMap<String, Option<ProgressDoc>> = HashMap::new();
        for id in def.prerequisites.iter().chain(std::iter::once(&def.id)) {
            let doc = self
                .load::<ProgressDoc>(&progress_id(player, id))
                .await?
                .map(|v| v.value);
            docs.insert(id.clone(), doc);
        }
        self.status(player, def, &docs, self.clock.now())
    }

    fn status(
        &self,
        player: &PlayerId,
        def: Achievement,
        docs: &HashMap<String, Option<ProgressDoc>>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<AchievementStatus> {
        let period = rules::current_period(&def, now, self.config.reset_timezone)?;
        let doc = rules::rolled(
            docs.get(&def.id).cloned().flatten(),
            player,
            &def.id,
            period.as_ref().map(|p| p.key.as_str()),
        );
        Ok(AchievementStatus {
            player: player.clone(),
            unlocked: rules::unlocked(&def, docs),
            achievement: def,
            progress: doc.progress,
            completed_at: doc.completed_at,
            claimed_at: doc.claimed_at,
            period,
        })
    }

    /// Explicit progress (a game server's or operator's call; any definition accepts
    /// it): adds `amount` in the current period, stopping at the goal; completing sets
    /// the time. Events: `achievement_progress`, `achievement_completed`. Errors:
    /// `NOT_FOUND`, `INVALID_ARGUMENT` (amount < 1, ids), `NOT_COMPLETED` (a
    /// prerequisite is not completed; `details.missing`), `IDEMPOTENCY_CONFLICT`.
    pub async fn progress_achievement(&self, req: ProgressRequest) -> Result<ProgressResult> {
        check_text("achievement_id", &req.achievement_id, 1, 128)?;
        if req.amount < 1 {
            return Err(Error::invalid("amount", "amount is at least 1"));
        }
        let req = &req;
        self.execute(
            "progress_achievement",
            &[&req.player],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let def = self.achievement(&req.achievement_id).await?;
                    let mut pre = HashMap::new();
                    for p in &def.prerequisites {
                        let doc = self
                            .load::<ProgressDoc>(&progress_id(&req.player, p))
                            .await?
                            .map(|v| v.value);
                        pre.insert(p.clone(), doc);
                    }
                    if !rules::unlocked(&def, &pre) {
                        let missing: Vec<&String> = def
                            .prerequisites
                            .iter()
                            .filter(|p| {
                                pre.get(*p)
                                    .and_then(|d| d.as_ref())
                                    .is_none_or(|d| d.first_completed_at.is_none())
                            })
                            .collect();
                        return Err(Error::new(
                            ErrorCode::NotCompleted,
                            format!("'{}' needs its prerequisites completed first", def.id),
                        )
                        .with_details(json!({ "achievement_id": def.id, "missing": missing })));
                    }
                    let mut doc = self.current_progress(&req.player, &def, ctx.now).await?;
                    let mut cs = ChangeSet::default();
                    let before = doc.value.clone();
                    let added = rules::advance(
                        &ctx,
                        &mut cs.events,
                        &def,
                        &mut doc.value,
                        req.amount,
                        "progress",
                        true,
                    );
                    if doc.value != before {
                        cs.docs.push(doc.put());
                    }
                    Ok((
                        cs,
                        ProgressResult {
                            player: req.player.clone(),
                            achievement_id: def.id.clone(),
                            added,
                            progress: doc.value.progress,
                            goal: def.goal,
                            completed_at: doc.value.completed_at,
                            period: doc.value.period.clone(),
                            replayed: false,
                        },
                    ))
                })
            },
        )
        .await
    }

    /// Claims the reward of a completed achievement, once (per period for a resetting
    /// one): currencies from `system:achievements` through the ledger (reason
    /// `achievement_reward`), items into the inventory (a durable already owned is
    /// skipped). Event: `achievement_claimed`. Errors: `NOT_FOUND`, `NOT_COMPLETED`,
    /// `ALREADY_CLAIMED`, `BALANCE_LIMIT`, `STACK_LIMIT` (nothing granted),
    /// `IDEMPOTENCY_CONFLICT`.
    pub async fn claim_achievement(
        &self,
        req: ClaimAchievementRequest,
    ) -> Result<AchievementClaimResult> {
        check_text("achievement_id", &req.achievement_id, 1, 128)?;
        let req = &req;
        self.execute(
            "claim_achievement",
            &[&req.player],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let def = self.achievement(&req.achievement_id).await?;
                    let mut doc = self.current_progress(&req.player, &def, ctx.now).await?;
                    let mut catalog = Vec::new();
                    for i in &def.reward.items {
                        if let Some(item) = self.store.catalog_item(&i.item_id).await? {
                            catalog.push(item);
                        }
                    }
                    let balances = self
                        .store
                        .balances(&Account::Player(req.player.clone()))
                        .await?;
                    let items = self.store.items(&req.player).await?;
                    let mut holdings = Holdings::new(req.player.clone(), balances, items, catalog);
                    let mut cs = ChangeSet::default();
                    let result = rules::claim(
                        &self.config,
                        &ctx,
                        &mut cs,
                        &def,
                        &mut doc.value,
                        &mut holdings,
                    )?;
                    holdings.finish(&ctx, &mut cs);
                    cs.docs.push(doc.put());
                    Ok((cs, result))
                })
            },
        )
        .await
    }
}

impl Guildhall {
    /// A player's progress document for `def`, rolled to the period of `now` in the reset
    /// zone (a document of another period reads as zero, keeping its first completion),
    /// with the version it was read at (0: none stored yet).
    async fn current_progress(
        &self,
        player: &PlayerId,
        def: &Achievement,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Versioned<ProgressDoc>> {
        let period = rules::current_period(def, now, self.config.reset_timezone)?;
        let id = progress_id(player, &def.id);
        let got = self.load::<ProgressDoc>(&id).await?;
        let version = got.as_ref().map_or(0, |v| v.version);
        Ok(Versioned {
            id,
            value: rules::rolled(
                got.map(|v| v.value),
                player,
                &def.id,
                period.as_ref().map(|p| p.key.as_str()),
            ),
            version,
        })
    }
}
