//! Achievement and quest rules: pure functions from definitions, progress documents,
//! events and the time in a [`Ctx`] to new progress, events and ledger changes. No I/O:
//! the service loads the documents and commits.

use super::{
    Achievement, AchievementClaimResult, AchievementsConfig, Counts, ProgressDoc, REWARD_REASON,
    REWARD_SOURCE,
};
use crate::config::Config;
use crate::ctx::Ctx;
use crate::economy::rules::check_amount;
use crate::error::{Error, ErrorCode, Result};
use crate::holdings::{Holdings, ItemCredit};
use crate::ports::ChangeSet;
use crate::schedule::Period;
use crate::types::{check_text, Balance, Event, PlayerId};
use chrono_tz::Tz;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Event kinds progress itself emits; a definition may not count them (no loops).
pub const OWN_EVENT_PREFIX: &str = "achievement_";

/// Most fields a filter may name.
pub const MAX_FILTER_FIELDS: usize = 16;

/// Checks a definition before it is stored, against every stored definition
/// (`stored`, by id; the one it replaces included). Errors: `INVALID_ARGUMENT` (a field
/// out of range, an unknown currency, a prerequisite that is itself, repeated or would
/// close a cycle), `NOT_FOUND` (a prerequisite that is not defined), `LIMIT_REACHED`
/// (a new definition past `max_definitions`).
pub fn check_definition(
    cfg: &Config,
    limits: &AchievementsConfig,
    def: &Achievement,
    stored: &BTreeMap<String, Achievement>,
) -> Result<()> {
    check_text("id", &def.id, 1, 128)?;
    check_text("title", &def.title, 1, 200)?;
    if def.description.len() > 2000 || def.description.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(Error::invalid(
            "description",
            "description is at most 2000 bytes, without control characters but newline",
        ));
    }
    if def.goal < 1 {
        return Err(Error::invalid("goal", "goal is at least 1"));
    }
    if let Some(c) = &def.counts {
        check_counts(c)?;
    }
    check_prerequisites(limits, def, stored)?;
    for c in &def.reward.currencies {
        cfg.currency(&c.currency)?;
        check_amount(c.amount).map_err(|_| {
            Error::invalid("reward.currencies.amount", "a reward amount is at least 1")
        })?;
    }
    for i in &def.reward.items {
        check_text("reward.items.item_id", &i.item_id, 1, 128)?;
        if i.quantity < 1 {
            return Err(Error::invalid(
                "reward.items.quantity",
                "a reward item's quantity is at least 1",
            ));
        }
    }
    if !stored.contains_key(&def.id) && stored.len() >= limits.max_definitions {
        return Err(Error::new(
            ErrorCode::LimitReached,
            format!(
                "at most {} achievement definitions (achievements.max_definitions)",
                limits.max_definitions
            ),
        )
        .with_details(json!({ "max_definitions": limits.max_definitions })));
    }
    Ok(())
}

fn check_counts(c: &Counts) -> Result<()> {
    check_text("counts.event", &c.event, 1, 64)?;
    if c.event.starts_with(OWN_EVENT_PREFIX) {
        return Err(Error::invalid(
            "counts.event",
            "an achievement cannot count achievement events",
        ));
    }
    if let Some(f) = &c.amount_field {
        check_text("counts.amount_field", f, 1, 64)?;
    }
    if c.filter.len() > MAX_FILTER_FIELDS {
        return Err(Error::invalid(
            "counts.filter",
            format!("a filter names at most {MAX_FILTER_FIELDS} fields"),
        ));
    }
    Ok(())
}

fn check_prerequisites(
    limits: &AchievementsConfig,
    def: &Achievement,
    stored: &BTreeMap<String, Achievement>,
) -> Result<()> {
    if def.prerequisites.len() > limits.max_prerequisites {
        return Err(Error::invalid(
            "prerequisites",
            format!(
                "at most {} prerequisites (achievements.max_prerequisites)",
                limits.max_prerequisites
            ),
        ));
    }
    let mut seen = BTreeSet::new();
    for p in &def.prerequisites {
        if p == &def.id {
            return Err(Error::invalid(
                "prerequisites",
                "a definition cannot be its own prerequisite",
            ));
        }
        if !seen.insert(p) {
            return Err(Error::invalid(
                "prerequisites",
                format!("prerequisite '{p}' is listed twice"),
            ));
        }
        if !stored.contains_key(p) {
            return Err(Error::not_found("achievement", p));
        }
    }
    // A cycle through the new definition: from its prerequisites, following the stored
    // ones, reaching its own id.
    let mut stack: Vec<&String> = def.prerequisites.iter().collect();
    let mut visited = BTreeSet::new();
    while let Some(id) = stack.pop() {
        if id == &def.id {
            return Err(Error::invalid(
                "prerequisites",
                "the prerequisites would form a cycle",
            ));
        }
        if visited.insert(id) {
            if let Some(d) = stored.get(id) {
                stack.extend(d.prerequisites.iter());
            }
        }
    }
    Ok(())
}

/// The definitions that name `id` as a prerequisite (a definition they depend on cannot
/// be deleted).
pub fn dependents<'a>(id: &str, stored: &'a BTreeMap<String, Achievement>) -> Vec<&'a str> {
    stored
        .values()
        .filter(|d| d.prerequisites.iter().any(|p| p == id))
        .map(|d| d.id.as_str())
        .collect()
}

/// The current period of a resetting definition at `now` in the reset zone `tz`
/// (`None` without reset). Errors: `INVALID_ARGUMENT` for a cron schedule that no
/// longer fires.
pub fn current_period(
    def: &Achievement,
    now: chrono::DateTime<chrono::Utc>,
    tz: Tz,
) -> Result<Option<Period>> {
    def.reset.as_ref().map(|r| r.period_at(now, tz)).transpose()
}

/// `doc` as it stands in `period` (its key; `None` without reset): the same document
/// when it is of that period, otherwise progress zero, not completed, not claimed (the
/// first completion is kept). A missing document starts at zero.
pub fn rolled(
    doc: Option<ProgressDoc>,
    player: &PlayerId,
    achievement_id: &str,
    period: Option<&str>,
) -> ProgressDoc {
    match doc {
        Some(d) if d.period.as_deref() == period => d,
        other => ProgressDoc {
            player: player.clone(),
            achievement_id: achievement_id.to_string(),
            period: period.map(str::to_string),
            progress: 0,
            completed_at: None,
            claimed_at: None,
            first_completed_at: other.and_then(|d| d.first_completed_at),
        },
    }
}

/// True when every prerequisite of `def` has been completed at least once, judged by
/// the player's progress documents as read (`docs` by achievement id).
pub fn unlocked(def: &Achievement, docs: &HashMap<String, Option<ProgressDoc>>) -> bool {
    def.prerequisites.iter().all(|p| {
        docs.get(p)
            .and_then(|d| d.as_ref())
            .is_some_and(|d| d.first_completed_at.is_some())
    })
}

/// Adds `amount` to `doc` (already [`rolled`] to the current period) when `unlocked`
/// and not yet complete, stopping at the goal; pushes `achievement_progress` and, when
/// the goal is reached, `achievement_completed` (to the player) into `events`. A
/// document already at or past the goal (an operator lowered it) completes at the next
/// counted event without adding. `cause` names what counted (an event kind, or
/// `progress` for an explicit call). Returns the amount added; the document changed
/// when it was added to or completed.
pub fn advance(
    ctx: &Ctx,
    events: &mut Vec<Event>,
    def: &Achievement,
    doc: &mut ProgressDoc,
    amount: i64,
    cause: &str,
    unlocked: bool,
) -> i64 {
    if !unlocked || doc.completed_at.is_some() || amount < 1 {
        return 0;
    }
    let added = amount.min(def.goal - doc.progress).max(0);
    if added > 0 {
        doc.progress += added;
        events.push(ctx.event(
            "achievement_progress",
            vec![doc.player.clone()],
            json!({ "player": doc.player, "achievement_id": def.id, "kind": def.kind, "added": added,
                    "progress": doc.progress, "goal": def.goal, "period": doc.period, "cause": cause }),
        ));
    }
    if doc.progress >= def.goal {
        doc.completed_at = Some(ctx.now);
        doc.first_completed_at.get_or_insert(ctx.now);
        events.push(ctx.event(
            "achievement_completed",
            vec![doc.player.clone()],
            json!({ "player": doc.player, "achievement_id": def.id, "kind": def.kind, "goal": def.goal,
                    "period": doc.period, "completed_at": ctx.now, "reward": def.reward }),
        ));
    }
    added
}

/// How much `event` counts toward `counts` (`None`: it does not count): its kind must
/// be `counts.event` and its payload must carry every filter field with the same value;
/// it counts 1, or the positive integer in `amount_field`.
pub fn counted(counts: &Counts, event: &Event) -> Option<i64> {
    if event.kind != counts.event {
        return None;
    }
    if !counts
        .filter
        .iter()
        .all(|(k, v)| event.payload.get(k) == Some(v))
    {
        return None;
    }
    match &counts.amount_field {
        None => Some(1),
        Some(f) => event
            .payload
            .get(f)
            .and_then(serde_json::Value::as_i64)
            .filter(|n| *n > 0),
    }
}

/// The players an event counts for: the payload's `player` when it names one (a
/// transfer concerns two players but is the sender's), else every player it concerns.
pub fn counted_players(event: &Event) -> Vec<PlayerId> {
    match event
        .payload
        .get("player")
        .and_then(serde_json::Value::as_str)
        .and_then(|p| PlayerId::new(p).ok())
    {
        Some(p) => vec![p],
        None => event.players.clone(),
    }
}

/// One counted event for one player and definition.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The player.
    pub player: PlayerId,
    /// The definition.
    pub def: Arc<Achievement>,
    /// Amount to add.
    pub amount: i64,
    /// The event kind that counted.
    pub cause: String,
}

/// Every (player, definition, amount) the events of a change set count for, in event
/// order. `by_event`: the definitions by the event kind they count. Events of
/// achievements themselves never count.
pub fn hits(by_event: &HashMap<String, Vec<Arc<Achievement>>>, events: &[Event]) -> Vec<Hit> {
    let mut out = Vec::new();
    for e in events {
        if e.kind.starts_with(OWN_EVENT_PREFIX) {
            continue;
        }
        let Some(defs) = by_event.get(&e.kind) else {
            continue;
        };
        for def in defs {
            let Some(amount) = def.counts.as_ref().and_then(|c| counted(c, e)) else {
                continue;
            };
            for player in counted_players(e) {
                out.push(Hit {
                    player,
                    def: def.clone(),
                    amount,
                    cause: e.kind.clone(),
                });
            }
        }
    }
    out
}

/// Claims the reward of a completed, unclaimed `doc` (already [`rolled`] to the
/// current period): credits the currencies from `system:achievements` with reason
/// `achievement_reward` and the items (a durable already owned, or an item no longer
/// in the catalog, is skipped and listed), marks the document claimed and pushes
/// `achievement_claimed`. Errors: `NOT_COMPLETED`, `ALREADY_CLAIMED`, `BALANCE_LIMIT`,
/// `STACK_LIMIT` (nothing is granted then).
pub fn claim(
    cfg: &Config,
    ctx: &Ctx,
    cs: &mut ChangeSet,
    def: &Achievement,
    doc: &mut ProgressDoc,
    holdings: &mut Holdings,
) -> Result<AchievementClaimResult> {
    if doc.completed_at.is_none() {
        return Err(Error::new(
            ErrorCode::NotCompleted,
            format!("'{}' is not completed ({} of {})", def.id, doc.progress, def.goal),
        )
        .with_details(json!({ "achievement_id": def.id, "progress": doc.progress, "goal": def.goal, "period": doc.period })));
    }
    if let Some(at) = doc.claimed_at {
        return Err(Error::new(
            ErrorCode::AlreadyClaimed,
            format!("the reward of '{}' was already claimed", def.id),
        )
        .with_details(
            json!({ "achievement_id": def.id, "claimed_at": at, "period": doc.period }),
        ));
    }
    let mut balances = Vec::new();
    for c in &def.reward.currencies {
        holdings.credit(
            cfg,
            ctx,
            cs,
            REWARD_SOURCE,
            &c.currency,
            c.amount,
            REWARD_REASON,
            true,
        )?;
    }
    for c in &def.reward.currencies {
        if !balances.iter().any(|b: &Balance| b.currency == c.currency) {
            balances.push(Balance {
                currency: c.currency.clone(),
                amount: holdings.balance(&c.currency),
            });
        }
    }
    let mut skipped_items = Vec::new();
    for i in &def.reward.items {
        match holdings.add_item(&i.item_id, i.quantity, true) {
            Ok(ItemCredit::Added(_)) => {}
            Ok(ItemCredit::AlreadyOwned) => skipped_items.push(i.item_id.clone()),
            Err(e) if e.code == ErrorCode::NotFound => skipped_items.push(i.item_id.clone()),
            Err(e) => return Err(e),
        }
    }
    doc.claimed_at = Some(ctx.now);
    cs.events.push(ctx.event(
        "achievement_claimed",
        vec![doc.player.clone()],
        json!({ "player": doc.player, "achievement_id": def.id, "period": doc.period, "reward": def.reward,
                "skipped_items": skipped_items, "transaction_id": ctx.transaction_id }),
    ));
    Ok(AchievementClaimResult {
        transaction_id: ctx.transaction_id.clone(),
        player: doc.player.clone(),
        achievement_id: def.id.clone(),
        period: doc.period.clone(),
        reward: def.reward.clone(),
        skipped_items,
        balances,
        claimed_at: ctx.now,
        replayed: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::achievements::AchievementKind;
    use crate::mail::{Attachments, CurrencyAttachment, ItemAttachment};
    use crate::ports::SequentialIds;
    use crate::schedule::ResetSchedule;
    use crate::types::{CatalogItem, Currency, ItemKind};
    use chrono::{DateTime, TimeZone, Utc};

    fn cfg() -> Config {
        Config::new(vec![Currency {
            code: "gold".into(),
            max_balance: Some(1000),
        }])
        .unwrap()
    }

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn ctx(now: DateTime<Utc>) -> Ctx {
        Ctx::new(&cfg(), now, Arc::new(SequentialIds::new("t")))
    }

    fn def(id: &str, goal: i64) -> Achievement {
        Achievement {
            id: id.into(),
            kind: AchievementKind::Achievement,
            title: id.into(),
            description: String::new(),
            goal,
            counts: None,
            reset: None,
            prerequisites: vec![],
            reward: Attachments::default(),
        }
    }

    fn pid(p: &str) -> PlayerId {
        PlayerId::new(p).unwrap()
    }

    fn event(kind: &str, payload: serde_json::Value) -> Event {
        Event {
            seq: 0,
            id: "e".into(),
            kind: kind.into(),
            at: at(2026, 1, 1, 0, 0),
            players: vec![pid("p")],
            payload,
        }
    }

    fn stored(defs: &[Achievement]) -> BTreeMap<String, Achievement> {
        defs.iter().map(|d| (d.id.clone(), d.clone())).collect()
    }

    fn code<T: std::fmt::Debug>(r: Result<T>) -> ErrorCode {
        r.unwrap_err().code
    }

    #[test]
    fn definitions_are_checked() {
        let limits = AchievementsConfig::default();
        let ok = def("a", 3);
        assert!(check_definition(&cfg(), &limits, &ok, &BTreeMap::new()).is_ok());
        let mut bad = def("a", 0);
        assert_eq!(
            code(check_definition(&cfg(), &limits, &bad, &BTreeMap::new())),
            ErrorCode::InvalidArgument
        );
        bad = def("", 1);
        assert_eq!(
            code(check_definition(&cfg(), &limits, &bad, &BTreeMap::new())),
            ErrorCode::InvalidArgument
        );
        bad = def("a", 1);
        bad.counts = Some(Counts {
            event: "achievement_completed".into(),
            filter: Default::default(),
            amount_field: None,
        });
        assert_eq!(
            code(check_definition(&cfg(), &limits, &bad, &BTreeMap::new())),
            ErrorCode::InvalidArgument
        );
        bad = def("a", 1);
        bad.reward.currencies.push(CurrencyAttachment {
            currency: "silver".into(),
            amount: 5,
        });
        assert_eq!(
            code(check_definition(&cfg(), &limits, &bad, &BTreeMap::new())),
            ErrorCode::InvalidArgument
        );
        bad = def("a", 1);
        bad.reward.currencies.push(CurrencyAttachment {
            currency: "gold".into(),
            amount: 0,
        });
        assert_eq!(
            code(check_definition(&cfg(), &limits, &bad, &BTreeMap::new())),
            ErrorCode::InvalidArgument
        );
        bad = def("a", 1);
        bad.reward.items.push(ItemAttachment {
            item_id: "x".into(),
            quantity: 0,
        });
        assert_eq!(
            code(check_definition(&cfg(), &limits, &bad, &BTreeMap::new())),
            ErrorCode::InvalidArgument
        );
        let small = AchievementsConfig {
            max_definitions: 1,
            ..Default::default()
        };
        assert_eq!(
            code(check_definition(
                &cfg(),
                &small,
                &def("b", 1),
                &stored(&[def("a", 1)])
            )),
            ErrorCode::LimitReached
        );
        // Replacing a stored one does not count against the limit.
        assert!(check_definition(&cfg(), &small, &def("a", 2), &stored(&[def("a", 1)])).is_ok());
    }

    #[test]
    fn prerequisites_exist_and_form_no_cycle() {
        let limits = AchievementsConfig::default();
        let mut b = def("b", 1);
        b.prerequisites = vec!["a".into()];
        assert_eq!(
            code(check_definition(&cfg(), &limits, &b, &BTreeMap::new())),
            ErrorCode::NotFound
        );
        assert!(check_definition(&cfg(), &limits, &b, &stored(&[def("a", 1)])).is_ok());
        // a requiring b while b requires a: a cycle.
        let mut a = def("a", 1);
        a.prerequisites = vec!["b".into()];
        assert_eq!(
            code(check_definition(
                &cfg(),
                &limits,
                &a,
                &stored(&[def("a", 1), b.clone()])
            )),
            ErrorCode::InvalidArgument
        );
        a.prerequisites = vec!["a".into()];
        assert_eq!(
            code(check_definition(
                &cfg(),
                &limits,
                &a,
                &stored(&[def("a", 1)])
            )),
            ErrorCode::InvalidArgument
        );
        let mut c = def("c", 1);
        c.prerequisites = vec!["a".into(), "a".into()];
        assert_eq!(
            code(check_definition(
                &cfg(),
                &limits,
                &c,
                &stored(&[def("a", 1)])
            )),
            ErrorCode::InvalidArgument
        );
        assert_eq!(dependents("a", &stored(&[def("a", 1), b])), vec!["b"]);
    }

    #[test]
    fn events_count_by_kind_filter_and_amount_field() {
        let c = Counts {
            event: "item_purchased".into(),
            filter: json!({ "item_id": "sword" }).as_object().unwrap().clone(),
            amount_field: None,
        };
        assert_eq!(
            counted(
                &c,
                &event(
                    "item_purchased",
                    json!({ "item_id": "sword", "quantity": 3 })
                )
            ),
            Some(1)
        );
        assert_eq!(
            counted(&c, &event("item_purchased", json!({ "item_id": "potion" }))),
            None
        );
        assert_eq!(
            counted(&c, &event("item_granted", json!({ "item_id": "sword" }))),
            None
        );
        let c = Counts {
            amount_field: Some("amount".into()),
            ..Counts {
                event: "currency_spent".into(),
                filter: Default::default(),
                amount_field: None,
            }
        };
        assert_eq!(
            counted(&c, &event("currency_spent", json!({ "amount": 250 }))),
            Some(250)
        );
        assert_eq!(
            counted(&c, &event("currency_spent", json!({ "amount": "250" }))),
            None
        );
        assert_eq!(
            counted(&c, &event("currency_spent", json!({ "amount": 0 }))),
            None
        );
        // The payload's player is who counts; else every player concerned.
        let mut e = event("currency_transferred", json!({ "player": "q" }));
        e.players = vec![pid("q"), pid("r")];
        assert_eq!(counted_players(&e), vec![pid("q")]);
        e.payload = json!({});
        assert_eq!(counted_players(&e), vec![pid("q"), pid("r")]);
    }

    #[test]
    fn achievement_events_never_count() {
        let mut d = def("a", 5);
        d.counts = Some(Counts {
            event: "achievement_progress".into(),
            filter: Default::default(),
            amount_field: None,
        });
        let by_event = HashMap::from([("achievement_progress".to_string(), vec![Arc::new(d)])]);
        assert!(hits(&by_event, &[event("achievement_progress", json!({}))]).is_empty());
    }

    #[test]
    fn progress_stops_at_the_goal_and_completes_once() {
        let c = ctx(at(2026, 1, 1, 0, 0));
        let d = def("a", 3);
        let mut doc = rolled(None, &pid("p"), "a", None);
        let mut events = Vec::new();
        assert_eq!(
            advance(&c, &mut events, &d, &mut doc, 2, "progress", true),
            2
        );
        assert_eq!(
            advance(&c, &mut events, &d, &mut doc, 5, "progress", true),
            1
        );
        assert_eq!(doc.progress, 3);
        assert_eq!(doc.completed_at, Some(c.now));
        assert_eq!(
            advance(&c, &mut events, &d, &mut doc, 1, "progress", true),
            0
        );
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "achievement_progress",
                "achievement_progress",
                "achievement_completed"
            ]
        );
        assert_eq!(events[1].payload["added"], 1);
    }

    #[test]
    fn a_lowered_goal_completes_at_the_next_event() {
        let c = ctx(at(2026, 1, 1, 0, 0));
        let mut doc = rolled(None, &pid("p"), "a", None);
        let mut events = Vec::new();
        advance(
            &c,
            &mut events,
            &def("a", 10),
            &mut doc,
            5,
            "progress",
            true,
        );
        assert_eq!(
            advance(&c, &mut events, &def("a", 3), &mut doc, 1, "progress", true),
            0
        );
        assert_eq!(doc.completed_at, Some(c.now));
        assert_eq!(events.last().unwrap().kind, "achievement_completed");
    }

    #[test]
    fn locked_progress_does_not_count() {
        let c = ctx(at(2026, 1, 1, 0, 0));
        let mut d = def("b", 2);
        d.prerequisites = vec!["a".into()];
        let mut docs = HashMap::new();
        assert!(!unlocked(&d, &docs));
        let mut a = rolled(None, &pid("p"), "a", None);
        docs.insert("a".to_string(), Some(a.clone()));
        assert!(!unlocked(&d, &docs));
        let mut doc = rolled(None, &pid("p"), "b", None);
        let mut events = Vec::new();
        assert_eq!(
            advance(
                &c,
                &mut events,
                &d,
                &mut doc,
                1,
                "progress",
                unlocked(&d, &docs)
            ),
            0
        );
        assert!(events.is_empty());
        a.first_completed_at = Some(c.now);
        docs.insert("a".to_string(), Some(a));
        assert!(unlocked(&d, &docs));
    }

    #[test]
    fn another_period_reads_as_zero_keeping_the_first_completion() {
        let first = at(2026, 3, 2, 10, 0);
        let doc = ProgressDoc {
            player: pid("p"),
            achievement_id: "q".into(),
            period: Some("2026-W10".into()),
            progress: 5,
            completed_at: Some(first),
            claimed_at: Some(first),
            first_completed_at: Some(first),
        };
        let same = rolled(Some(doc.clone()), &pid("p"), "q", Some("2026-W10"));
        assert_eq!(same, doc);
        let next = rolled(Some(doc), &pid("p"), "q", Some("2026-W11"));
        assert_eq!(
            (next.progress, next.completed_at, next.claimed_at),
            (0, None, None)
        );
        assert_eq!(next.first_completed_at, Some(first));
        assert_eq!(next.period.as_deref(), Some("2026-W11"));
    }

    #[test]
    fn weekly_periods_follow_berlin_across_the_dst_change() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let mut d = def("q", 1);
        d.reset = Some(ResetSchedule::Weekly);
        // Summer time starts Sunday 2027-03-28; the next Monday 00:00 CEST is 22:00 UTC.
        let before = current_period(&d, at(2027, 3, 28, 21, 59), tz)
            .unwrap()
            .unwrap();
        let after = current_period(&d, at(2027, 3, 28, 22, 0), tz)
            .unwrap()
            .unwrap();
        assert_ne!(before.key, after.key);
        assert_eq!(before.end, at(2027, 3, 28, 22, 0));
        // Back to winter time 2026-10-25: Monday 00:00 CET is 23:00 UTC, not 22:00.
        let w1 = current_period(&d, at(2026, 10, 25, 22, 30), tz)
            .unwrap()
            .unwrap();
        let w2 = current_period(&d, at(2026, 10, 25, 23, 0), tz)
            .unwrap()
            .unwrap();
        assert_eq!(w1.end, at(2026, 10, 25, 23, 0));
        assert_ne!(w1.key, w2.key);
        assert_eq!(
            current_period(&def("x", 1), at(2027, 1, 1, 0, 0), tz).unwrap(),
            None
        );
    }

    fn catalog() -> Vec<CatalogItem> {
        vec![
            CatalogItem {
                id: "sword".into(),
                name: "Sword".into(),
                kind: ItemKind::Durable,
                price: None,
                max_stack: None,
                active: true,
                metadata: json!(null),
            },
            CatalogItem {
                id: "potion".into(),
                name: "Potion".into(),
                kind: ItemKind::Consumable,
                price: None,
                max_stack: Some(5),
                active: true,
                metadata: json!(null),
            },
        ]
    }

    #[test]
    fn a_reward_is_claimed_once_and_only_when_completed() {
        let c = ctx(at(2026, 1, 1, 0, 0));
        let mut d = def("a", 1);
        d.reward = Attachments {
            currencies: vec![CurrencyAttachment {
                currency: "gold".into(),
                amount: 100,
            }],
            items: vec![
                ItemAttachment {
                    item_id: "sword".into(),
                    quantity: 1,
                },
                ItemAttachment {
                    item_id: "gone".into(),
                    quantity: 1,
                },
            ],
        };
        let mut doc = rolled(None, &pid("p"), "a", None);
        let mut holdings = Holdings::new(pid("p"), vec![], vec![], catalog());
        let mut cs = ChangeSet::default();
        assert_eq!(
            code(claim(&cfg(), &c, &mut cs, &d, &mut doc, &mut holdings)),
            ErrorCode::NotCompleted
        );
        advance(&c, &mut Vec::new(), &d, &mut doc, 1, "progress", true);
        let r = claim(&cfg(), &c, &mut cs, &d, &mut doc, &mut holdings).unwrap();
        assert_eq!(
            r.balances,
            vec![Balance {
                currency: "gold".into(),
                amount: 100
            }]
        );
        assert_eq!(r.skipped_items, vec!["gone".to_string()]);
        assert_eq!(cs.ledger.len(), 1);
        assert_eq!(cs.ledger[0].reason, REWARD_REASON);
        assert_eq!(
            code(claim(
                &cfg(),
                &c,
                &mut ChangeSet::default(),
                &d,
                &mut doc,
                &mut holdings
            )),
            ErrorCode::AlreadyClaimed
        );
    }

    #[test]
    fn a_reward_past_the_balance_limit_grants_nothing() {
        let c = ctx(at(2026, 1, 1, 0, 0));
        let mut d = def("a", 1);
        d.reward.currencies.push(CurrencyAttachment {
            currency: "gold".into(),
            amount: 2000,
        });
        let mut doc = rolled(None, &pid("p"), "a", None);
        advance(&c, &mut Vec::new(), &d, &mut doc, 1, "progress", true);
        let mut holdings = Holdings::new(pid("p"), vec![], vec![], catalog());
        assert_eq!(
            code(claim(
                &cfg(),
                &c,
                &mut ChangeSet::default(),
                &d,
                &mut doc,
                &mut holdings
            )),
            ErrorCode::BalanceLimit
        );
        assert_eq!(doc.claimed_at, None);
    }
}
