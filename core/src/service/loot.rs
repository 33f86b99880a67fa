//! Loot services (SPEC.md Loot tables; rules in `core/src/loot/rules.rs`).
//!
//! A roll draws a seed, rolls the stored tables with it (the pure [`rules::roll`]) and,
//! in one commit, stores the result document (seed, the tables as rolled, the drops),
//! credits the currencies through the ledger from `system:loot` (reason `loot`,
//! metadata `result_id`) and the items into the inventory, or, for a party, opens a
//! need/greed roll per item. A party roll is resolved under its document's version, so
//! two resolvers (two hosts, or the last choice and the window's end) grant it once.

use super::{Guildhall, Replayable};
use crate::ctx::Ctx;
use crate::docs::{Document as _, Versioned};
use crate::error::{Error, ErrorCode, Result};
use crate::holdings::{Holdings, ItemCredit};
use crate::loot::rules;
use crate::loot::{
    due_id, DropKind, DropStatus, LootChoiceRequest, LootDrop, LootPreview, LootResult, LootRoll,
    LootRollResult, LootTable, MemberChoice, ReplayLootRequest, RollLootRequest, RollStatus,
    CATALOG_ID, CATALOG_KIND, DUE_KIND, MAX_SEED, REASON, SOURCE,
};
use crate::ports::{ChangeSet, DocWrite};
use crate::types::{check_text, Account, ItemKind, PlayerId};
use rand::RngCore;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

impl Replayable for LootResult {
    fn mark_replayed(&mut self) {
        self.replayed = true;
    }
}

impl Replayable for LootRollResult {
    fn mark_replayed(&mut self) {
        self.replayed = true;
    }
}

/// A fresh seed (or tie draw), 0 to 2^53 - 1, from the operating system's generator.
fn draw_seed() -> i64 {
    (rand::rngs::OsRng.next_u64() >> 11) as i64 & MAX_SEED
}

/// The loot tables this process rolls with: every stored table as read under the
/// generation (version of the `loot_catalog` document) it is filed under. A roll reads
/// only the generation and takes the tables from here while it stands.
#[derive(Default)]
pub(crate) struct TableCache(std::sync::Mutex<Option<(i64, Tables)>>);

/// Every stored loot table, by id.
type Tables = Arc<BTreeMap<String, LootTable>>;

impl TableCache {
    fn get(&self, generation: i64) -> Option<Tables> {
        match &*self.0.lock().ok()? {
            Some((g, all)) if *g == generation => Some(all.clone()),
            _ => None,
        }
    }

    fn put(&self, generation: i64, all: Tables) {
        if let Ok(mut held) = self.0.lock() {
            // A slower reader of an older generation does not replace a newer set.
            if !matches!(held.as_ref(), Some((g, _)) if *g > generation) {
                *held = Some((generation, all));
            }
        }
    }
}

impl Guildhall {
    /// The version of the tables' generation document (0: no table was ever put).
    async fn loot_generation(&self) -> Result<i64> {
        Ok(self
            .store
            .doc(CATALOG_KIND, CATALOG_ID)
            .await?
            .map_or(0, |d| d.version))
    }

    /// Every stored table, by id, with its version.
    async fn stored_loot_tables(&self) -> Result<BTreeMap<String, Versioned<LootTable>>> {
        let mut out = BTreeMap::new();
        for d in self.store.docs(LootTable::KIND, "", 1_000_000).await? {
            let v = Versioned::<LootTable>::decode(d)?;
            out.insert(v.id.clone(), v);
        }
        Ok(out)
    }

    /// Puts (inserts or replaces) a loot table (operator call; SPEC.md Loot tables).
    /// Saves are serialized by the generation document, so two saves never form a cycle
    /// between them. Errors: `INVALID_ARGUMENT` (see [`rules::check_table`]; a cycle names
    /// the tables around it in `details.cycle`), `NOT_FOUND` (a nested table or an item
    /// that does not exist), `LIMIT_REACHED` (`loot.max_tables`). Nothing is stored on
    /// an error.
    pub async fn put_loot_table(&self, table: LootTable) -> Result<LootTable> {
        let table = &table;
        self.retrying("put_loot_table", |_ctx: Ctx| {
            Box::pin(async move {
                let generation = self.loot_generation().await?;
                let stored = self.stored_loot_tables().await?;
                if !stored.contains_key(&table.id) && stored.len() >= self.config.loot.max_tables {
                    return Err(Error::new(
                        ErrorCode::LimitReached,
                        format!(
                            "at most {} loot tables (loot.max_tables)",
                            self.config.loot.max_tables
                        ),
                    )
                    .with_details(json!({ "limit": self.config.loot.max_tables })));
                }
                let plain: BTreeMap<String, LootTable> = stored
                    .iter()
                    .map(|(k, v)| (k.clone(), v.value.clone()))
                    .collect();
                rules::check_table(&self.config, &self.config.loot, table, &plain)?;
                for (i, e) in table.entries.iter().enumerate() {
                    if let Some(item) = &e.item {
                        if self.store.catalog_item(item).await?.is_none() {
                            return Err(Error::not_found("catalog item", item).with_details(
                                json!({ "field": format!("entries[{i}].item"), "item_id": item }),
                            ));
                        }
                    }
                }
                let mut v = stored
                    .get(&table.id)
                    .cloned()
                    .unwrap_or_else(|| Versioned::new(table.id.clone(), table.clone()));
                v.value = table.clone();
                let cs = ChangeSet {
                    docs: vec![v.put(), self.bump_loot_generation(generation)],
                    ..Default::default()
                };
                Ok((cs, table.clone()))
            })
        })
        .await
    }

    fn bump_loot_generation(&self, generation: i64) -> DocWrite {
        DocWrite {
            kind: CATALOG_KIND.into(),
            id: CATALOG_ID.into(),
            expected_version: generation,
            body: Some(json!({})),
        }
    }

    /// Deletes a loot table (operator call). Stored results keep their snapshot of it.
    /// Errors: `NOT_FOUND`, `INVALID_ARGUMENT` (another table nests it;
    /// `details.dependents`).
    pub async fn delete_loot_table(&self, id: &str) -> Result<LootTable> {
        check_text("table_id", id, 1, 128)?;
        self.retrying("delete_loot_table", |_ctx: Ctx| {
            Box::pin(async move {
                let generation = self.loot_generation().await?;
                let stored = self.stored_loot_tables().await?;
                let t = stored
                    .get(id)
                    .cloned()
                    .ok_or_else(|| Error::not_found("loot table", id))?;
                let deps: Vec<&String> = stored
                    .iter()
                    .filter(|(k, v)| {
                        k.as_str() != id
                            && v.value
                                .entries
                                .iter()
                                .any(|e| e.table.as_deref() == Some(id))
                    })
                    .map(|(k, _)| k)
                    .collect();
                if !deps.is_empty() {
                    return Err(Error::invalid(
                        "table_id",
                        format!("loot table '{id}' is nested in {deps:?}"),
                    )
                    .with_details(json!({ "field": "table_id", "dependents": deps })));
                }
                let cs = ChangeSet {
                    docs: vec![t.delete(), self.bump_loot_generation(generation)],
                    ..Default::default()
                };
                Ok((cs, t.value))
            })
        })
        .await
    }

    /// One loot table. Errors: `NOT_FOUND`, `INVALID_ARGUMENT` (id).
    pub async fn loot_table(&self, id: &str) -> Result<LootTable> {
        check_text("table_id", id, 1, 128)?;
        Ok(self
            .load::<LootTable>(id)
            .await?
            .ok_or_else(|| Error::not_found("loot table", id))?
            .value)
    }

    /// Every loot table, by id.
    pub async fn loot_tables(&self) -> Result<Vec<LootTable>> {
        Ok(self
            .stored_loot_tables()
            .await?
            .into_values()
            .map(|v| v.value)
            .collect())
    }

    /// The current table `id` and every table it nests. Errors: `NOT_FOUND`.
    async fn loot_tables_from(&self, id: &str) -> Result<BTreeMap<String, LootTable>> {
        let mut out = BTreeMap::new();
        let mut todo = vec![id.to_string()];
        while let Some(t) = todo.pop() {
            if out.contains_key(&t) {
                continue;
            }
            let table = self.loot_table(&t).await?;
            todo.extend(table.entries.iter().filter_map(|e| e.table.clone()));
            out.insert(t, table);
        }
        Ok(out)
    }

    /// [`Guildhall::loot_tables_from`] for a roll: one point read of the tables'
    /// generation document, the tables themselves from this process's [`TableCache`]
    /// while that generation stands (every put and delete moves it, in the same commit,
    /// so a cached set is never older than the generation it is filed under). Errors:
    /// `NOT_FOUND`.
    async fn rolling_tables(&self, id: &str) -> Result<BTreeMap<String, LootTable>> {
        let generation = self.loot_generation().await?;
        if generation == 0 {
            // No generation document: tables (if any) are read as they stand.
            return self.loot_tables_from(id).await;
        }
        let all = match self.loot_cache.get(generation) {
            Some(all) => all,
            None => {
                // Read after the generation: a put between the two reads leaves newer
                // tables under an older generation, which the next roll reads again.
                let all: BTreeMap<String, LootTable> = self
                    .stored_loot_tables()
                    .await?
                    .into_iter()
                    .map(|(k, v)| (k, v.value))
                    .collect();
                let all = std::sync::Arc::new(all);
                self.loot_cache.put(generation, all.clone());
                all
            }
        };
        rules::reachable(&all, id)
    }

    /// Rolls a loot table for a player and grants the drops (a trusted server's call;
    /// SPEC.md Loot tables). The seed is drawn here and stored with the result in the
    /// commit that grants it: currencies from `system:loot` through the ledger (reason
    /// `loot`, metadata `{result_id, table_id}`; a balance limit caps the credit,
    /// status `capped`), items into the inventory (a stack limit caps, a durable already
    /// owned is `already_owned`, an item gone from the catalog `not_in_catalog`: all
    /// recorded in the drops). With `party`, each item opens a need/greed roll for the
    /// party's members instead (`loot.roll_window_secs`). Events: `loot_granted` (to the
    /// player), `loot_roll_started` (to the members, per item). Errors: `NOT_FOUND`
    /// (table), `NOT_IN_PARTY`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
    pub async fn roll_loot(&self, req: RollLootRequest) -> Result<LootResult> {
        check_text("table_id", &req.table_id, 1, 128)?;
        let req = &req;
        self.execute(
            "roll_loot",
            &[&req.player],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| Box::pin(self.roll_attempt(ctx, req)),
        )
        .await
    }

    async fn roll_attempt(
        &self,
        ctx: Ctx,
        req: &RollLootRequest,
    ) -> Result<(ChangeSet, LootResult)> {
        let tables = self.rolling_tables(&req.table_id).await?;
        let party = match req.party {
            true => Some(self.own_party(&req.player).await?.0.value),
            false => None,
        };
        let seed = draw_seed();
        let mut drops = rules::roll(&tables, &req.table_id, seed, self.config.loot.max_depth)?;
        let result_id = ctx.id();
        let mut catalog = Vec::new();
        let mut durable = std::collections::BTreeSet::new();
        // Each item dropped, once: its catalog entry and (granted here) its row.
        let dropped: std::collections::BTreeSet<&str> = drops
            .iter()
            .filter(|d| d.kind == DropKind::Item)
            .map(|d| d.id.as_str())
            .collect();
        let mut items = Vec::new();
        for id in dropped {
            if let Some(item) = self.store.catalog_item(id).await? {
                if item.kind == ItemKind::Durable {
                    durable.insert(item.id.clone());
                }
                catalog.push(item);
            }
            if party.is_none() {
                items.extend(self.store.item(&req.player, id).await?);
            }
        }
        let balances = self
            .store
            .balances(&Account::Player(req.player.clone()))
            .await?;
        let mut holdings = Holdings::new(req.player.clone(), balances, items, catalog);
        let mut cs = ChangeSet::default();
        let mut events = Vec::new();
        for (i, d) in drops.iter_mut().enumerate() {
            match (d.kind, &party) {
                (DropKind::Currency, _) => {
                    let credited = holdings.credit(
                        &self.config,
                        &ctx,
                        &mut cs,
                        SOURCE,
                        &d.id,
                        d.quantity,
                        REASON,
                        false,
                    )?;
                    if credited > 0 {
                        if let Some(e) = cs.ledger.last_mut() {
                            e.metadata =
                                json!({ "result_id": result_id, "table_id": req.table_id });
                        }
                    }
                    d.granted = credited;
                    d.status = if credited == d.quantity {
                        DropStatus::Granted
                    } else {
                        DropStatus::Capped
                    };
                }
                (DropKind::Item, Some(p)) => {
                    let roll = LootRoll {
                        id: format!("{result_id}.{i}"),
                        result_id: result_id.clone(),
                        party_id: p.id.clone(),
                        item_id: d.id.clone(),
                        quantity: d.quantity,
                        members: p
                            .players()
                            .into_iter()
                            .map(|player| MemberChoice {
                                player,
                                choice: None,
                            })
                            .collect(),
                        opened_at: ctx.now,
                        closes_at: ctx.now
                            + chrono::Duration::seconds(self.config.loot.roll_window_secs),
                        status: RollStatus::Open,
                        winner: None,
                        winning_choice: None,
                        contenders: Vec::new(),
                        draw: None,
                        grant: None,
                        granted: 0,
                        resolved_at: None,
                    };
                    cs.docs
                        .push(Versioned::new(roll.id.clone(), roll.clone()).put());
                    cs.docs.push(DocWrite {
                        kind: DUE_KIND.into(),
                        id: due_id(roll.closes_at, &roll.id),
                        expected_version: 0,
                        body: Some(json!({ "roll_id": roll.id })),
                    });
                    events.push(ctx.event(
                        "loot_roll_started",
                        p.players(),
                        json!({ "roll_id": roll.id, "result_id": result_id, "party_id": p.id,
                                "item_id": roll.item_id, "quantity": roll.quantity, "closes_at": roll.closes_at }),
                    ));
                    d.status = DropStatus::PartyRoll;
                    d.roll_id = Some(roll.id);
                }
                (DropKind::Item, None) => {
                    let (status, granted) = item_credit(
                        holdings.add_item(&d.id, d.quantity, false),
                        d.quantity,
                        durable.contains(&d.id),
                    )?;
                    d.status = status;
                    d.granted = granted;
                }
            }
        }
        holdings.finish(&ctx, &mut cs);
        let result = LootResult {
            id: result_id.clone(),
            player: req.player.clone(),
            table_id: req.table_id.clone(),
            seed,
            party_id: party.as_ref().map(|p| p.id.clone()),
            drops,
            transaction_id: ctx.transaction_id.clone(),
            at: ctx.now,
            tables: tables.into_values().collect(),
            replayed: false,
        };
        cs.docs
            .push(Versioned::new(result_id.clone(), result.clone()).put());
        cs.events.push(ctx.event(
            "loot_granted",
            vec![req.player.clone()],
            json!({ "player": req.player, "result_id": result_id, "table_id": req.table_id, "seed": seed,
                    "party_id": result.party_id, "drops": result.drops, "transaction_id": ctx.transaction_id }),
        ));
        cs.events.extend(events);
        Ok((cs, result))
    }

    /// A stored loot result. Errors: `NOT_FOUND`, `INVALID_ARGUMENT`.
    pub async fn loot_result(&self, id: &str) -> Result<LootResult> {
        check_text("result_id", id, 1, 128)?;
        Ok(self
            .load::<LootResult>(id)
            .await?
            .ok_or_else(|| Error::not_found("loot result", id))?
            .value)
    }

    /// An operator's dry run, granting nothing: a stored result rolled again on its
    /// stored tables and seed (`matches` tells whether the drops are the stored ones), or
    /// a table rolled on the current tables with a given seed. Errors: `NOT_FOUND`,
    /// `INVALID_ARGUMENT` (neither a result nor a table and a seed; a seed outside 0 to
    /// 2^53 - 1).
    pub async fn replay_loot(&self, req: ReplayLootRequest) -> Result<LootPreview> {
        match (&req.result_id, &req.table_id, req.seed) {
            (Some(id), None, None) => {
                let r = self.loot_result(id).await?;
                let drops = rules::roll(
                    &r.table_set(),
                    &r.table_id,
                    r.seed,
                    self.config.loot.max_depth,
                )?;
                Ok(LootPreview {
                    matches: Some(rules::same_drops(&drops, &r.drops)),
                    table_id: r.table_id,
                    seed: r.seed,
                    drops,
                })
            }
            (None, Some(t), Some(seed)) => {
                check_text("table_id", t, 1, 128)?;
                rules::check_seed(seed)?;
                let tables = self.loot_tables_from(t).await?;
                let drops = rules::roll(&tables, t, seed, self.config.loot.max_depth)?;
                Ok(LootPreview {
                    table_id: t.clone(),
                    seed,
                    drops,
                    matches: None,
                })
            }
            _ => Err(Error::invalid(
                "result_id",
                "give a result_id, or a table_id and a seed",
            )),
        }
    }

    /// A party roll. Errors: `NOT_FOUND`, `INVALID_ARGUMENT`.
    pub async fn loot_roll(&self, id: &str) -> Result<LootRoll> {
        check_text("roll_id", id, 1, 200)?;
        Ok(self
            .load::<LootRoll>(id)
            .await?
            .ok_or_else(|| Error::not_found("loot roll", id))?
            .value)
    }

    /// A member's need, greed or pass on an open party roll (the member's own call).
    /// When every member has chosen, the roll is resolved in the same commit and the
    /// winner granted the item. Errors: `NOT_FOUND`, `NOT_IN_PARTY` (not a member of the
    /// roll), `INVALID_ARGUMENT` (already chose; the roll is resolved or its window has
    /// ended: `details.status`), `IDEMPOTENCY_CONFLICT`.
    pub async fn choose_loot_roll(&self, req: LootChoiceRequest) -> Result<LootRollResult> {
        check_text("roll_id", &req.roll_id, 1, 200)?;
        let req = &req;
        self.execute(
            "choose_loot_roll",
            &[&req.player],
            req.idempotency_key.as_deref(),
            req,
            |ctx: Ctx| {
                Box::pin(async move {
                    let mut roll = self
                        .load::<LootRoll>(&req.roll_id)
                        .await?
                        .ok_or_else(|| Error::not_found("loot roll", &req.roll_id))?;
                    if roll.value.status == RollStatus::Resolved || ctx.now >= roll.value.closes_at {
                        return Err(Error::invalid("roll_id", "this roll is closed").with_details(
                            json!({ "field": "roll_id", "status": roll.value.status, "closes_at": roll.value.closes_at }),
                        ));
                    }
                    rules::choose(&mut roll.value.members, &req.player, req.choice)?;
                    let mut cs = ChangeSet::default();
                    if roll.value.members.iter().all(|m| m.choice.is_some()) {
                        self.resolve_into(&ctx, &mut cs, &mut roll.value).await?;
                    }
                    cs.docs.push(roll.put());
                    Ok((
                        cs,
                        LootRollResult {
                            roll: roll.value,
                            replayed: false,
                        },
                    ))
                })
            },
        )
        .await
    }

    /// Resolves an open roll into `cs`: the decision with a fresh draw, the grant to the
    /// winner, the due-index document deleted, the events. The caller writes the roll
    /// under the version it read.
    async fn resolve_into(&self, ctx: &Ctx, cs: &mut ChangeSet, roll: &mut LootRoll) -> Result<()> {
        let draw = draw_seed();
        let decision = rules::decide(&roll.members, draw);
        roll.status = RollStatus::Resolved;
        roll.resolved_at = Some(ctx.now);
        roll.winning_choice = decision.choice;
        roll.contenders = decision.contenders;
        roll.draw = roll.winning_choice.map(|_| draw);
        roll.winner = decision.winner.clone();
        if let Some(w) = &decision.winner {
            let catalog: Vec<_> = self
                .store
                .catalog_item(&roll.item_id)
                .await?
                .into_iter()
                .collect();
            let durable = catalog.iter().any(|i| i.kind == ItemKind::Durable);
            let items = self.store.items(w).await?;
            let mut holdings = Holdings::new(w.clone(), Vec::new(), items, catalog);
            let (status, granted) = item_credit(
                holdings.add_item(&roll.item_id, roll.quantity, false),
                roll.quantity,
                durable,
            )?;
            holdings.finish(ctx, cs);
            roll.grant = Some(status);
            roll.granted = granted;
        }
        let due = due_id(roll.closes_at, &roll.id);
        if let Some(d) = self.store.doc(DUE_KIND, &due).await? {
            cs.docs.push(DocWrite {
                kind: DUE_KIND.into(),
                id: due,
                expected_version: d.version,
                body: None,
            });
        }
        let players: Vec<PlayerId> = roll.members.iter().map(|m| m.player.clone()).collect();
        cs.events.push(ctx.event(
            "loot_roll_won",
            players,
            json!({ "roll_id": roll.id, "result_id": roll.result_id, "party_id": roll.party_id,
                    "item_id": roll.item_id, "quantity": roll.quantity, "winner": roll.winner,
                    "choice": roll.winning_choice, "contenders": roll.contenders, "draw": roll.draw,
                    "members": roll.members, "grant": roll.grant, "granted": roll.granted }),
        ));
        if let (Some(w), true) = (&roll.winner, roll.granted > 0) {
            cs.events.push(ctx.event(
                "loot_granted",
                vec![w.clone()],
                json!({ "player": w, "result_id": roll.result_id, "roll_id": roll.id,
                        "drops": [LootDrop { kind: DropKind::Item, id: roll.item_id.clone(), quantity: roll.quantity,
                                  table_id: String::new(), status: roll.grant.unwrap_or(DropStatus::Granted),
                                  granted: roll.granted, roll_id: Some(roll.id.clone()) }],
                        "transaction_id": ctx.transaction_id }),
            ));
        }
        Ok(())
    }

    /// Resolves the party rolls whose window has ended (members who did not choose
    /// pass), the winner granted in the resolving commit. The host's scheduler calls
    /// this on an interval; every host may run it at once: each roll is resolved under
    /// its document's version, so it is granted once. Returns the rolls this call
    /// resolved. Errors: `UNAVAILABLE`, `CONFLICT` (after `max_retries`).
    pub async fn resolve_loot_rolls(&self) -> Result<Vec<LootRoll>> {
        let now = self.clock.now();
        let mut done = Vec::new();
        for d in self.store.docs(DUE_KIND, "", 1000).await? {
            let Some(roll_id) = d.body.get("roll_id").and_then(|v| v.as_str()) else {
                continue;
            };
            let millis: i64 =
                d.id.split('\u{1}')
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
            if millis > now.timestamp_millis() {
                // Ordered by closing time: the rest are not due either.
                break;
            }
            let resolved = self
                .retrying("resolve_loot_roll", |ctx: Ctx| {
                    Box::pin(async move {
                        let mut cs = ChangeSet::default();
                        let Some(mut roll) = self.load::<LootRoll>(roll_id).await? else {
                            return Ok((cs, None));
                        };
                        if roll.value.status == RollStatus::Resolved
                            || ctx.now < roll.value.closes_at
                        {
                            return Ok((cs, None));
                        }
                        self.resolve_into(&ctx, &mut cs, &mut roll.value).await?;
                        cs.docs.push(roll.put());
                        Ok((cs, Some(roll.value)))
                    })
                })
                .await?;
            done.extend(resolved);
        }
        Ok(done)
    }
}

/// The status and units granted of an item credit (a durable grants 1 whatever the
/// quantity: whole). A stack limit never errors (the credit is not strict); an item
/// gone from the catalog is recorded, not an error.
fn item_credit(
    credit: Result<ItemCredit>,
    quantity: i64,
    durable: bool,
) -> Result<(DropStatus, i64)> {
    match credit {
        Ok(ItemCredit::Added(n)) if durable || n == quantity => Ok((DropStatus::Granted, n)),
        Ok(ItemCredit::Added(n)) => Ok((DropStatus::Capped, n)),
        Ok(ItemCredit::AlreadyOwned) => Ok((DropStatus::AlreadyOwned, 0)),
        Err(e) if e.code == ErrorCode::NotFound => Ok((DropStatus::NotInCatalog, 0)),
        Err(e) => Err(e),
    }
}
