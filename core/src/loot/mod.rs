//! Loot tables (SPEC.md Loot tables). Decisions live in [`rules`] (rolling is a pure
//! function of the tables and a seed); orchestration in `core/src/service/loot.rs`.
//!
//! State, all versioned documents (no table of its own):
//! - one [`LootTable`] per id (kind `loot_table`), put by an operator, and a generation
//!   document (kind `loot_catalog`, id `generation`) whose version moves with every
//!   table change, so two saves never form a cycle between them;
//! - one [`LootResult`] per roll (kind `loot_result`, id the result id): the seed, the
//!   tables it was rolled on (a snapshot, so a replay gives the same drops even after
//!   an operator edits them), the drops and what each granted; written in the commit
//!   that grants them;
//! - one [`LootRoll`] per item dropped for a party (kind `loot_roll`), guarded by its
//!   version, and while it is open an index document (kind `loot_roll_due`, id
//!   [`due_id`]) the resolver lists by closing time.

pub mod rules;

use crate::docs::Document;
use crate::error::{Error, Result};
use crate::types::PlayerId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Loot limits (`[loot]`); missing keys keep their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LootConfig {
    /// Tables at most (default 1000); past it `LIMIT_REACHED`.
    pub max_tables: usize,
    /// Entries of one table at most (default 100); past it `INVALID_ARGUMENT`.
    pub max_entries: usize,
    /// Tables in one nesting chain at most, the outer one included (default 8); past it
    /// `INVALID_ARGUMENT`.
    pub max_depth: usize,
    /// `rolls` of one table at most (default 100).
    pub max_rolls: u32,
    /// Seconds a party roll stays open for its members' choices (default 60).
    pub roll_window_secs: i64,
}

impl Default for LootConfig {
    fn default() -> Self {
        Self {
            max_tables: 1000,
            max_entries: 100,
            max_depth: 8,
            max_rolls: 100,
            roll_window_secs: 60,
        }
    }
}

impl LootConfig {
    /// Checks the values: `max_tables` 1 to 100 000, `max_entries` 1 to 10 000,
    /// `max_depth` 1 to 32, `max_rolls` 1 to 10 000, `roll_window_secs` 1 to 86 400.
    /// Errors: `INVALID_ARGUMENT` naming the key (`loot.<key>`).
    pub fn check(&self) -> Result<()> {
        let bad = |key: &str, range: &str| {
            Err(Error::invalid(
                &format!("loot.{key}"),
                format!("loot.{key} must be between {range}"),
            ))
        };
        if !(1..=100_000).contains(&self.max_tables) {
            return bad("max_tables", "1 and 100000");
        }
        if !(1..=10_000).contains(&self.max_entries) {
            return bad("max_entries", "1 and 10000");
        }
        if !(1..=32).contains(&self.max_depth) {
            return bad("max_depth", "1 and 32");
        }
        if !(1..=10_000).contains(&self.max_rolls) {
            return bad("max_rolls", "1 and 10000");
        }
        if !(1..=86_400).contains(&self.roll_window_secs) {
            return bad("roll_window_secs", "1 and 86400");
        }
        Ok(())
    }
}

/// One entry of a loot table: exactly one of `item`, `currency`, `table` (or none: an
/// empty slot, "nothing dropped", useful with a weight).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LootEntry {
    /// A catalog item id: the entry drops `min..=max` units of it.
    #[serde(default)]
    pub item: Option<String>,
    /// A configured currency code: the entry drops `min..=max` smallest units.
    #[serde(default)]
    pub currency: Option<String>,
    /// Another table id: the entry rolls that table (its rolls and guaranteed entries).
    #[serde(default)]
    pub table: Option<String>,
    /// Least quantity or amount, >= 1 (default 1; ignored for a table or empty entry).
    #[serde(default = "one")]
    pub min: i64,
    /// Greatest quantity or amount, >= `min` (default 1).
    #[serde(default = "one")]
    pub max: i64,
    /// Relative weight among the table's weighted entries, 0 to 1 000 000 000 (default
    /// 1). Each roll picks one weighted entry with probability weight / total.
    #[serde(default = "one_u32")]
    pub weight: u32,
    /// Dropped once every time the table is rolled, besides its weighted rolls (its
    /// weight is then ignored).
    #[serde(default)]
    pub guaranteed: bool,
}

fn one() -> i64 {
    1
}

fn one_u32() -> u32 {
    1
}

/// A loot table (SPEC.md Loot tables), put by an operator with
/// [`crate::Guildhall::put_loot_table`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LootTable {
    /// Id, 1-128 bytes, no control characters.
    pub id: String,
    /// Description, at most 2000 bytes.
    #[serde(default)]
    pub description: String,
    /// Weighted picks per roll of this table, 0 to `loot.max_rolls` (default 1).
    #[serde(default = "one_u32")]
    pub rolls: u32,
    /// The entries, 1 to `loot.max_entries`.
    pub entries: Vec<LootEntry>,
}

impl Document for LootTable {
    const KIND: &'static str = "loot_table";
}

/// Kind of the document whose version names the current set of tables.
pub const CATALOG_KIND: &str = "loot_catalog";
/// Id of that document.
pub const CATALOG_ID: &str = "generation";
/// System account currency drops are paid from (`system:loot`).
pub const SOURCE: &str = "loot";
/// Ledger reason of a currency drop.
pub const REASON: &str = "loot";
/// Largest seed (2^53 - 1, exact in JSON numbers, JavaScript and Python alike).
pub const MAX_SEED: i64 = (1 << 53) - 1;

/// What a drop is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DropKind {
    /// A catalog item; `id` is the item id, `quantity` units.
    Item,
    /// A currency; `id` is the code, `quantity` smallest units.
    Currency,
}

/// What became of a drop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DropStatus {
    /// Not granted: a dry run (replay).
    Preview,
    /// Granted whole.
    Granted,
    /// Granted in part: a stack or balance limit took the rest (`granted` says how much).
    Capped,
    /// A durable item the player already owned: nothing granted.
    AlreadyOwned,
    /// The item is no longer in the catalog: nothing granted.
    NotInCatalog,
    /// An item dropped for a party: a need/greed roll decides who gets it (`roll_id`).
    PartyRoll,
}

/// One drop of a roll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LootDrop {
    /// Item or currency.
    pub kind: DropKind,
    /// The item id or currency code.
    pub id: String,
    /// Units (items) or smallest units (currency) dropped.
    pub quantity: i64,
    /// The table whose entry dropped it.
    pub table_id: String,
    /// What became of it.
    pub status: DropStatus,
    /// How much was granted (0 for a preview, a party roll, an item already owned).
    pub granted: i64,
    /// The party roll deciding who gets it (status `party_roll`).
    #[serde(default)]
    pub roll_id: Option<String>,
}

/// A stored roll (kind `loot_result`): enough to replay and audit it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LootResult {
    /// Result id (also the ledger metadata `result_id` of its currency grants).
    pub id: String,
    /// The player the drops were granted to.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The table rolled.
    pub table_id: String,
    /// The seed, 0 to 2^53 - 1.
    pub seed: i64,
    /// The party whose members roll for its items, if any.
    #[serde(default)]
    pub party_id: Option<String>,
    /// The drops, in roll order.
    pub drops: Vec<LootDrop>,
    /// The commit's transaction id (its ledger entries').
    pub transaction_id: String,
    /// When rolled, UTC.
    pub at: DateTime<Utc>,
    /// The tables as they were rolled (the table and every table it nests), by id.
    pub tables: Vec<LootTable>,
    /// True when this is the stored result of an earlier call with the same key.
    #[serde(default)]
    pub replayed: bool,
}

impl Document for LootResult {
    const KIND: &'static str = "loot_result";
}

impl LootResult {
    /// The stored tables by id, as [`rules::roll`] takes them.
    pub fn table_set(&self) -> BTreeMap<String, LootTable> {
        self.tables
            .iter()
            .map(|t| (t.id.clone(), t.clone()))
            .collect()
    }
}

/// Request of [`crate::Guildhall::roll_loot`] (a trusted server's call).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollLootRequest {
    /// The player who gets the drops (currency always; items unless `party`).
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The table.
    pub table_id: String,
    /// True: the drop is for the player's party: each item dropped opens a need/greed
    /// roll for its members (`NOT_IN_PARTY` when the player is in none).
    #[serde(default)]
    pub party: bool,
    /// Idempotency key, 1-255 bytes: the same key and request again returns the stored
    /// result marked `replayed` and grants nothing; a different request under it is
    /// `IDEMPOTENCY_CONFLICT`.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Request of [`crate::Guildhall::replay_loot`] (an operator's dry run): a stored
/// result (`result_id`), or a table and a seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayLootRequest {
    /// A stored result: rolled again on its stored tables and seed.
    #[serde(default)]
    pub result_id: Option<String>,
    /// A table (with `seed`), rolled on the current tables.
    #[serde(default)]
    pub table_id: Option<String>,
    /// The seed, 0 to 2^53 - 1.
    #[serde(default)]
    pub seed: Option<i64>,
}

/// What a dry run gives; nothing is granted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LootPreview {
    /// The table.
    pub table_id: String,
    /// The seed.
    pub seed: i64,
    /// The drops (status `preview`).
    pub drops: Vec<LootDrop>,
    /// For a stored result: true when the drops are the stored ones (kind, id, quantity
    /// and table, in order).
    #[serde(default)]
    pub matches: Option<bool>,
}

/// A member's choice on a party roll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RollChoice {
    /// Needs it: beats every greed.
    Need,
    /// Would take it.
    Greed,
    /// Does not want it (also the choice of a member who did not choose in time).
    Pass,
}

/// One member's choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MemberChoice {
    /// The member.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Their choice; `None` while they have not chosen.
    pub choice: Option<RollChoice>,
}

/// Open or resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RollStatus {
    /// Members may still choose.
    Open,
    /// Decided (and the item granted to the winner, if any).
    Resolved,
}

/// A party roll for one dropped item (kind `loot_roll`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LootRoll {
    /// Roll id (`<result id>.<drop index>`).
    pub id: String,
    /// The loot result that dropped the item.
    pub result_id: String,
    /// The party.
    pub party_id: String,
    /// The item.
    pub item_id: String,
    /// Units.
    pub quantity: i64,
    /// The party's members when the item dropped, with their choices.
    pub members: Vec<MemberChoice>,
    /// Opened, UTC.
    pub opened_at: DateTime<Utc>,
    /// When the window ends, UTC: members who have not chosen then pass.
    pub closes_at: DateTime<Utc>,
    /// Open or resolved.
    pub status: RollStatus,
    /// The winner (none when everyone passed).
    #[schema(value_type = Option<String>)]
    pub winner: Option<PlayerId>,
    /// The choice that won (need or greed).
    pub winning_choice: Option<RollChoice>,
    /// The members tied on the winning choice, in member order.
    #[schema(value_type = Vec<String>)]
    pub contenders: Vec<PlayerId>,
    /// The random draw that decided among the contenders (0 to 2^53 - 1; the winner is
    /// `contenders[rules::pick(draw, contenders.len())]`).
    pub draw: Option<i64>,
    /// What the winner was granted: `granted`, `capped`, `already_owned` or
    /// `not_in_catalog`.
    pub grant: Option<DropStatus>,
    /// Units granted to the winner.
    pub granted: i64,
    /// Resolved, UTC.
    pub resolved_at: Option<DateTime<Utc>>,
}

impl Document for LootRoll {
    const KIND: &'static str = "loot_roll";
}

/// Kind of a roll's due-index document (present while the roll is open).
pub const DUE_KIND: &str = "loot_roll_due";

/// The id of an open roll's due-index document: its closing time (milliseconds since
/// the epoch, 16 digits, so ids sort by time) and the roll id.
pub fn due_id(closes_at: DateTime<Utc>, roll_id: &str) -> String {
    format!("{:016}\u{1}{roll_id}", closes_at.timestamp_millis().max(0))
}

/// Request of [`crate::Guildhall::choose_loot_roll`] (the member's own call).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LootChoiceRequest {
    /// The roll.
    pub roll_id: String,
    /// The member choosing.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Need, greed or pass.
    pub choice: RollChoice,
    /// Idempotency key, 1-255 bytes.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// A party roll after a call (the choice, or a resolution).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LootRollResult {
    /// The roll as stored after the call.
    pub roll: LootRoll,
    /// True when this is the stored result of an earlier call with the same key.
    #[serde(default)]
    pub replayed: bool,
}
