//! Loot decisions, pure: checking a table against the stored ones (limits, references,
//! no cycles, nesting depth), rolling a table with a seed, deciding a party roll. No
//! I/O, no clock, no randomness of their own: the service draws the seeds.
//!
//! Rolling uses ChaCha8 (`rand_chacha`), whose output for a seed is fixed by its
//! algorithm, and only its raw `next_u64` words: ranges are drawn here by rejection
//! sampling, not by `rand`'s distributions (which may change between versions), so a
//! stored seed gives the same drops on every later version.

use super::{
    DropKind, DropStatus, LootConfig, LootDrop, LootEntry, LootTable, MemberChoice, RollChoice,
};
use crate::config::Config;
use crate::error::{Error, ErrorCode, Result};
use crate::types::{check_text, PlayerId};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Largest weight of one entry.
pub const MAX_WEIGHT: u32 = 1_000_000_000;

/// A uniform draw in `0..n` (`n >= 1`) from `rng`'s raw words, by rejection: values at
/// or above the largest multiple of `n` below 2^64 are drawn again, so there is no bias.
pub fn uniform(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    debug_assert!(n >= 1);
    // 2^64 mod n.
    let rem = (u64::MAX % n + 1) % n;
    loop {
        let v = rng.next_u64();
        if v <= u64::MAX - rem {
            return v % n;
        }
    }
}

/// A uniform draw in `min..=max` (`min <= max`).
fn between(rng: &mut ChaCha8Rng, min: i64, max: i64) -> i64 {
    let span = (max as i128 - min as i128) as u64;
    if span == u64::MAX {
        return rng.next_u64() as i64;
    }
    (min as i128 + uniform(rng, span + 1) as i128) as i64
}

/// The tables a table names directly.
fn children(t: &LootTable) -> impl Iterator<Item = &str> {
    t.entries.iter().filter_map(|e| e.table.as_deref())
}

/// Checks a table before it is stored, against the `stored` ones (by id; an older
/// version of `table` among them is replaced). Errors: `INVALID_ARGUMENT` (id,
/// description, rolls, entry count, an entry naming more than one thing, quantities,
/// weights, no weighted entry while `rolls > 0`, an unknown currency, a cycle
/// (`details.cycle`, the ids around it), nesting deeper than `loot.max_depth`);
/// `NOT_FOUND` (a nested table that does not exist). Whether items exist is the
/// service's check (the catalog).
pub fn check_table(
    cfg: &Config,
    limits: &LootConfig,
    table: &LootTable,
    stored: &BTreeMap<String, LootTable>,
) -> Result<()> {
    check_text("id", &table.id, 1, 128)?;
    if table.description.len() > 2000 {
        return Err(Error::invalid(
            "description",
            "description is at most 2000 bytes",
        ));
    }
    if table.rolls > limits.max_rolls {
        return Err(Error::invalid(
            "rolls",
            format!("rolls is 0 to {} (loot.max_rolls)", limits.max_rolls),
        ));
    }
    if table.entries.is_empty() || table.entries.len() > limits.max_entries {
        return Err(Error::invalid(
            "entries",
            format!(
                "a table has 1 to {} entries (loot.max_entries)",
                limits.max_entries
            ),
        ));
    }
    let mut weighted = false;
    for (i, e) in table.entries.iter().enumerate() {
        check_entry(cfg, i, e)?;
        weighted |= !e.guaranteed && e.weight > 0;
    }
    if table.rolls > 0 && !weighted {
        return Err(Error::invalid(
            "entries",
            "a table with rolls needs an entry with a weight above 0 that is not guaranteed",
        ));
    }
    let mut graph: BTreeMap<&str, &LootTable> =
        stored.iter().map(|(k, v)| (k.as_str(), v)).collect();
    graph.insert(table.id.as_str(), table);
    for c in children(table) {
        if !graph.contains_key(c) {
            return Err(Error::not_found("loot table", c)
                .with_details(json!({ "field": "entries.table", "table_id": c })));
        }
    }
    if let Some(cycle) = find_cycle(&graph, &table.id) {
        return Err(Error::invalid(
            "entries.table",
            format!(
                "loot table '{}' would nest itself: {}",
                table.id,
                cycle.join(" -> ")
            ),
        )
        .with_details(json!({ "field": "entries.table", "table_id": table.id, "cycle": cycle })));
    }
    // Every chain through this table: its ancestors' depths cover it.
    let mut memo = BTreeMap::new();
    for id in ancestors(&graph, &table.id) {
        let d = depth(&graph, id, &mut memo);
        if d > limits.max_depth {
            return Err(Error::invalid(
                "entries.table",
                format!(
                    "loot table '{id}' would nest {d} tables deep; at most {} (loot.max_depth)",
                    limits.max_depth
                ),
            )
            .with_details(json!({ "field": "entries.table", "table_id": id, "depth": d })));
        }
    }
    Ok(())
}

fn check_entry(cfg: &Config, i: usize, e: &LootEntry) -> Result<()> {
    let field = |f: &str| format!("entries[{i}].{f}");
    let named = [e.item.is_some(), e.currency.is_some(), e.table.is_some()]
        .iter()
        .filter(|b| **b)
        .count();
    if named > 1 {
        return Err(Error::invalid(
            &field("item"),
            format!("entry {i} names more than one of item, currency and table"),
        ));
    }
    if let Some(item) = &e.item {
        check_text(&field("item"), item, 1, 128)?;
    }
    if let Some(c) = &e.currency {
        cfg.currency(c)?;
    }
    if let Some(t) = &e.table {
        check_text(&field("table"), t, 1, 128)?;
    }
    if e.item.is_some() || e.currency.is_some() {
        if e.min < 1 {
            return Err(Error::invalid(
                &field("min"),
                format!("entry {i}: min is at least 1"),
            ));
        }
        if e.max < e.min {
            return Err(Error::invalid(
                &field("max"),
                format!("entry {i}: max is at least min"),
            ));
        }
    }
    if e.weight > MAX_WEIGHT {
        return Err(Error::invalid(
            &field("weight"),
            format!("entry {i}: weight is 0 to {MAX_WEIGHT}"),
        ));
    }
    Ok(())
}

/// A cycle through `start` (the ids around it, `start` first and last), if any.
fn find_cycle(graph: &BTreeMap<&str, &LootTable>, start: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<&str, &LootTable>,
        at: &str,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        let Some(t) = graph.get(at) else {
            return false;
        };
        for c in children(t) {
            if c == start {
                path.push(c.to_string());
                return true;
            }
            if seen.insert(c.to_string()) {
                path.push(c.to_string());
                if walk(graph, c, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    let mut seen = BTreeSet::new();
    walk(graph, start, start, &mut path, &mut seen).then_some(path)
}

/// `id` and every table that nests it, directly or not.
fn ancestors<'a>(graph: &BTreeMap<&'a str, &'a LootTable>, id: &'a str) -> BTreeSet<&'a str> {
    let mut out = BTreeSet::from([id]);
    loop {
        let before = out.len();
        for (k, t) in graph {
            if children(t).any(|c| out.contains(c)) {
                out.insert(*k);
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// Tables in the longest nesting chain from `id` down, `id` included (the graph has no
/// cycle through the tables reached).
fn depth<'a>(
    graph: &BTreeMap<&'a str, &'a LootTable>,
    id: &'a str,
    memo: &mut BTreeMap<&'a str, usize>,
) -> usize {
    if let Some(d) = memo.get(id) {
        return *d;
    }
    let Some(&t) = graph.get(id) else {
        return 1;
    };
    let mut d = 1;
    for c in children(t) {
        if c != id {
            d = d.max(1 + depth(graph, c, memo));
        }
    }
    memo.insert(id, d);
    d
}

/// The tables the roll of `id` reads: `id` and every table it nests. Errors:
/// `NOT_FOUND` (one of them is missing).
pub fn reachable(
    tables: &BTreeMap<String, LootTable>,
    id: &str,
) -> Result<BTreeMap<String, LootTable>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![id.to_string()];
    while let Some(t) = todo.pop() {
        if out.contains_key(&t) {
            continue;
        }
        let table = tables
            .get(&t)
            .ok_or_else(|| Error::not_found("loot table", &t))?;
        todo.extend(children(table).map(str::to_string));
        out.insert(t, table.clone());
    }
    Ok(out)
}

/// Rolls table `id` with `seed` on `tables` (SPEC.md Loot tables: a pure function of the
/// table and the seed): for each table rolled, its guaranteed entries in order, then
/// `rolls` weighted picks (an entry with probability weight / total weight); an item or
/// currency entry drops a uniform quantity in `min..=max`; a table entry rolls that
/// table the same way, in place. The drops come in that order, status `preview`.
/// Errors: `NOT_FOUND` (a table missing from `tables`), `INVALID_ARGUMENT` (nesting
/// deeper than `max_depth`, or a seed outside 0 to 2^53 - 1).
pub fn roll(
    tables: &BTreeMap<String, LootTable>,
    id: &str,
    seed: i64,
    max_depth: usize,
) -> Result<Vec<LootDrop>> {
    check_seed(seed)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed as u64);
    let mut out = Vec::new();
    roll_into(tables, id, &mut rng, 1, max_depth, &mut out)?;
    Ok(out)
}

/// Checks a seed: 0 to 2^53 - 1. Errors: `INVALID_ARGUMENT`.
pub fn check_seed(seed: i64) -> Result<()> {
    if !(0..=super::MAX_SEED).contains(&seed) {
        return Err(Error::invalid("seed", "seed is 0 to 2^53 - 1"));
    }
    Ok(())
}

fn roll_into(
    tables: &BTreeMap<String, LootTable>,
    id: &str,
    rng: &mut ChaCha8Rng,
    level: usize,
    max_depth: usize,
    out: &mut Vec<LootDrop>,
) -> Result<()> {
    if level > max_depth {
        return Err(Error::invalid(
            "table_id",
            format!("loot table '{id}' nests deeper than {max_depth} tables"),
        ));
    }
    let table = tables
        .get(id)
        .ok_or_else(|| Error::not_found("loot table", id))?;
    for e in table.entries.iter().filter(|e| e.guaranteed) {
        drop_entry(tables, table, e, rng, level, max_depth, out)?;
    }
    let total: u64 = table
        .entries
        .iter()
        .filter(|e| !e.guaranteed)
        .map(|e| u64::from(e.weight))
        .sum();
    if total == 0 {
        return Ok(());
    }
    for _ in 0..table.rolls {
        let mut r = uniform(rng, total);
        for e in table.entries.iter().filter(|e| !e.guaranteed) {
            let w = u64::from(e.weight);
            if r < w {
                drop_entry(tables, table, e, rng, level, max_depth, out)?;
                break;
            }
            r -= w;
        }
    }
    Ok(())
}

fn drop_entry(
    tables: &BTreeMap<String, LootTable>,
    table: &LootTable,
    e: &LootEntry,
    rng: &mut ChaCha8Rng,
    level: usize,
    max_depth: usize,
    out: &mut Vec<LootDrop>,
) -> Result<()> {
    let (kind, id) = match (&e.item, &e.currency, &e.table) {
        (Some(i), _, _) => (DropKind::Item, i),
        (_, Some(c), _) => (DropKind::Currency, c),
        (_, _, Some(t)) => return roll_into(tables, t, rng, level + 1, max_depth, out),
        _ => return Ok(()),
    };
    let quantity = if e.min >= e.max {
        e.min
    } else {
        between(rng, e.min, e.max)
    };
    out.push(LootDrop {
        kind,
        id: id.clone(),
        quantity,
        table_id: table.id.clone(),
        status: DropStatus::Preview,
        granted: 0,
        roll_id: None,
    });
    Ok(())
}

/// True when two drop lists are the same drops (kind, id, quantity, table, in order),
/// whatever became of them.
pub fn same_drops(a: &[LootDrop], b: &[LootDrop]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.kind == y.kind && x.id == y.id && x.quantity == y.quantity && x.table_id == y.table_id
        })
}

/// The index `draw` picks among `n >= 1` contenders (`draw mod n`; a draw is uniform in
/// 0 to 2^53 - 1, so the bias is below n / 2^53).
pub fn pick(draw: i64, n: usize) -> usize {
    (draw.unsigned_abs() % n.max(1) as u64) as usize
}

/// How a party roll ends (SPEC.md Loot tables: the highest need wins, then greed; ties
/// by a random draw).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The winner, none when every member passed (or did not choose).
    pub winner: Option<PlayerId>,
    /// The winning choice (need or greed).
    pub choice: Option<RollChoice>,
    /// The members on the winning choice, in member order.
    pub contenders: Vec<PlayerId>,
}

/// Decides a party roll: the members who chose need, else those who chose greed, are
/// the contenders; `draw` picks one of them ([`pick`]). A member who has not chosen
/// passes.
pub fn decide(members: &[MemberChoice], draw: i64) -> Decision {
    for tier in [RollChoice::Need, RollChoice::Greed] {
        let contenders: Vec<PlayerId> = members
            .iter()
            .filter(|m| m.choice == Some(tier))
            .map(|m| m.player.clone())
            .collect();
        if !contenders.is_empty() {
            return Decision {
                winner: Some(contenders[pick(draw, contenders.len())].clone()),
                choice: Some(tier),
                contenders,
            };
        }
    }
    Decision {
        winner: None,
        choice: None,
        contenders: Vec::new(),
    }
}

/// Records `player`'s choice on an open roll's members. Errors: `NOT_IN_PARTY` (not a
/// member of the roll), `INVALID_ARGUMENT` (already chose; `details.choice`).
pub fn choose(members: &mut [MemberChoice], player: &PlayerId, choice: RollChoice) -> Result<()> {
    let m = members
        .iter_mut()
        .find(|m| &m.player == player)
        .ok_or_else(|| {
            Error::new(
                ErrorCode::NotInParty,
                format!("{player} is not a member of this roll"),
            )
        })?;
    if let Some(c) = m.choice {
        return Err(Error::invalid("choice", format!("{player} already chose"))
            .with_details(json!({ "field": "choice", "choice": c })));
    }
    m.choice = Some(choice);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loot::LootTable;

    fn entry(item: &str, weight: u32) -> LootEntry {
        LootEntry {
            item: Some(item.into()),
            currency: None,
            table: None,
            min: 1,
            max: 1,
            weight,
            guaranteed: false,
        }
    }

    fn nest(table: &str) -> LootEntry {
        LootEntry {
            item: None,
            table: Some(table.into()),
            ..entry("x", 1)
        }
    }

    fn table(id: &str, entries: Vec<LootEntry>) -> LootTable {
        LootTable {
            id: id.into(),
            description: String::new(),
            rolls: 1,
            entries,
        }
    }

    fn set(ts: Vec<LootTable>) -> BTreeMap<String, LootTable> {
        ts.into_iter().map(|t| (t.id.clone(), t)).collect()
    }

    fn cfg() -> Config {
        Config::new(vec![crate::types::Currency {
            code: "gold".into(),
            max_balance: None,
        }])
        .expect("config")
    }

    #[test]
    fn uniform_covers_the_range_and_stays_in_it() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            seen[uniform(&mut rng, 7) as usize] += 1;
        }
        assert!(seen.iter().all(|c| *c > 800), "{seen:?}");
        for _ in 0..100 {
            assert_eq!(uniform(&mut rng, 1), 0);
            let v = between(&mut rng, 5, 9);
            assert!((5..=9).contains(&v));
        }
        // The full range of i64 draws without overflow.
        let _ = between(&mut rng, i64::MIN, i64::MAX);
    }

    #[test]
    fn a_seed_gives_the_same_drops_every_time_and_on_every_version() {
        let ts = set(vec![
            table(
                "boss",
                vec![
                    LootEntry {
                        currency: Some("gold".into()),
                        item: None,
                        min: 10,
                        max: 20,
                        guaranteed: true,
                        ..entry("x", 0)
                    },
                    entry("sword", 1),
                    entry("shield", 3),
                    nest("gems"),
                ],
            ),
            table(
                "gems",
                vec![LootEntry {
                    min: 1,
                    max: 5,
                    ..entry("ruby", 1)
                }],
            ),
        ]);
        let a = roll(&ts, "boss", 42, 8).unwrap();
        let b = roll(&ts, "boss", 42, 8).unwrap();
        assert_eq!(a, b);
        assert_eq!(a[0].kind, DropKind::Currency);
        assert!((10..=20).contains(&a[0].quantity));
        assert_eq!(a.len(), 2);
        // Pinned: ChaCha8 words for seed 42 and the rejection sampling above. A change
        // here would change every stored drop's replay.
        let pinned: Vec<(String, i64)> = a.iter().map(|d| (d.id.clone(), d.quantity)).collect();
        let again: Vec<(String, i64)> = roll(&ts, "boss", 42, 8)
            .unwrap()
            .iter()
            .map(|d| (d.id.clone(), d.quantity))
            .collect();
        assert_eq!(pinned, again);
        assert_eq!(
            pinned,
            vec![("gold".to_string(), 13), ("shield".to_string(), 1)]
        );
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        assert_eq!(rng.next_u64(), PINNED_FIRST_WORD);
        // Different seeds differ somewhere.
        let distinct: BTreeSet<String> = (0..50)
            .map(|s| format!("{:?}", roll(&ts, "boss", s, 8).unwrap()))
            .collect();
        assert!(distinct.len() > 5);
    }

    /// The first ChaCha8 word for seed 42 (`rand_chacha` 0.3 `seed_from_u64`).
    const PINNED_FIRST_WORD: u64 = 0xae90_bfb5_395d_5ba1;

    #[test]
    fn weighted_rolls_match_their_weights_chi_square() {
        let weights = [1u32, 2, 3, 4, 10];
        let names = ["a", "b", "c", "d", "e"];
        let ts = set(vec![table(
            "t",
            names
                .iter()
                .zip(weights)
                .map(|(n, w)| entry(n, w))
                .collect(),
        )]);
        let n = 100_000i64;
        let mut counts = [0f64; 5];
        for seed in 0..n {
            let d = roll(&ts, "t", seed, 8).unwrap();
            assert_eq!(d.len(), 1);
            let i = names.iter().position(|x| *x == d[0].id).unwrap();
            counts[i] += 1.0;
        }
        let total: u32 = weights.iter().sum();
        let chi2: f64 = counts
            .iter()
            .zip(weights)
            .map(|(o, w)| {
                let e = n as f64 * f64::from(w) / f64::from(total);
                (o - e).powi(2) / e
            })
            .sum();
        // Critical value of chi-square with 4 degrees of freedom at p = 0.001.
        assert!(chi2 < 18.467, "chi-square {chi2} with counts {counts:?}");
    }

    #[test]
    fn guaranteed_entries_drop_every_time_and_rolls_repeat() {
        let mut t = table(
            "t",
            vec![
                LootEntry {
                    guaranteed: true,
                    ..entry("key", 0)
                },
                entry("coin", 1),
            ],
        );
        t.rolls = 3;
        let ts = set(vec![t]);
        for s in 0..20 {
            let d = roll(&ts, "t", s, 8).unwrap();
            assert_eq!(d.len(), 4);
            assert_eq!(d[0].id, "key");
        }
    }

    #[test]
    fn a_cycle_is_refused_naming_it() {
        let stored = set(vec![
            table("a", vec![nest("b")]),
            table("b", vec![entry("x", 1)]),
        ]);
        let e = check_table(
            &cfg(),
            &LootConfig::default(),
            &table("b", vec![nest("a")]),
            &stored,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument);
        assert!(e.message.contains("'b'"), "{}", e.message);
        assert_eq!(e.details["cycle"], json!(["b", "a", "b"]));
        let e = check_table(
            &cfg(),
            &LootConfig::default(),
            &table("c", vec![nest("c")]),
            &stored,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument);
        let e = check_table(
            &cfg(),
            &LootConfig::default(),
            &table("c", vec![nest("zz")]),
            &stored,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound);
        check_table(
            &cfg(),
            &LootConfig::default(),
            &table("c", vec![nest("a")]),
            &stored,
        )
        .unwrap();
    }

    #[test]
    fn nesting_depth_and_limits_are_checked() {
        let limits = LootConfig {
            max_depth: 2,
            ..LootConfig::default()
        };
        let stored = set(vec![
            table("a", vec![nest("b")]),
            table("b", vec![entry("x", 1)]),
        ]);
        // b nesting c makes a -> b -> c, three deep.
        let c = table("c", vec![entry("y", 1)]);
        let mut all = stored.clone();
        all.insert("c".into(), c);
        let e = check_table(&cfg(), &limits, &table("b", vec![nest("c")]), &all).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArgument);
        assert_eq!(e.details["table_id"], json!("a"));
        let bad = [
            table("", vec![entry("x", 1)]),
            table("t", vec![]),
            table("t", vec![entry("x", 0)]),
            table(
                "t",
                vec![LootEntry {
                    min: 0,
                    ..entry("x", 1)
                }],
            ),
            table(
                "t",
                vec![LootEntry {
                    min: 3,
                    max: 2,
                    ..entry("x", 1)
                }],
            ),
            table(
                "t",
                vec![LootEntry {
                    weight: MAX_WEIGHT + 1,
                    ..entry("x", 1)
                }],
            ),
            table(
                "t",
                vec![LootEntry {
                    currency: Some("gold".into()),
                    ..entry("x", 1)
                }],
            ),
            table(
                "t",
                vec![LootEntry {
                    item: None,
                    currency: Some("zz".into()),
                    ..entry("x", 1)
                }],
            ),
            LootTable {
                rolls: 101,
                ..table("t", vec![entry("x", 1)])
            },
        ];
        for t in bad {
            let e = check_table(&cfg(), &LootConfig::default(), &t, &stored).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidArgument, "{t:?}");
        }
        // Zero rolls with only guaranteed entries is fine.
        let t = LootTable {
            rolls: 0,
            ..table(
                "t",
                vec![LootEntry {
                    guaranteed: true,
                    ..entry("x", 0)
                }],
            )
        };
        check_table(&cfg(), &LootConfig::default(), &t, &stored).unwrap();
        assert!(roll(&set(vec![t]), "t", -1, 8).is_err());
    }

    #[test]
    fn party_rolls_need_beats_greed_and_ties_take_the_draw() {
        let m = |p: &str, c: Option<RollChoice>| MemberChoice {
            player: PlayerId::new(p).unwrap(),
            choice: c,
        };
        let ms = vec![
            m("a", Some(RollChoice::Greed)),
            m("b", Some(RollChoice::Need)),
            m("c", None),
        ];
        let d = decide(&ms, 12345);
        assert_eq!(d.winner.as_ref().map(|p| p.as_str()), Some("b"));
        assert_eq!(d.choice, Some(RollChoice::Need));
        let ms = vec![
            m("a", Some(RollChoice::Need)),
            m("b", Some(RollChoice::Need)),
            m("c", Some(RollChoice::Greed)),
        ];
        assert_eq!(decide(&ms, 4).winner.unwrap().as_str(), "a");
        assert_eq!(decide(&ms, 5).winner.unwrap().as_str(), "b");
        assert_eq!(decide(&ms, 5).contenders.len(), 2);
        let ms = vec![m("a", Some(RollChoice::Pass)), m("b", None)];
        assert_eq!(decide(&ms, 5).winner, None);
        let mut ms = vec![m("a", None)];
        choose(&mut ms, &PlayerId::new("a").unwrap(), RollChoice::Greed).unwrap();
        assert_eq!(
            choose(&mut ms, &PlayerId::new("a").unwrap(), RollChoice::Need)
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            choose(&mut ms, &PlayerId::new("z").unwrap(), RollChoice::Need)
                .unwrap_err()
                .code,
            ErrorCode::NotInParty
        );
    }
}
