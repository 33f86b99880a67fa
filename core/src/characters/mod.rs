//! Characters, the account bank and equipment (SPEC.md "Characters and the account
//! bank"; seed 004). Decisions live in [`rules`]; the services are in
//! `core/src/service/characters.rs`.
//!
//! An account (a player id with an [`crate::access::AccountRecord`]) owns up to
//! `[characters] slots` live characters. Each character is a player id of its own (a
//! fresh id drawn when it is created, never reused), so its wallet, inventory, mail,
//! party and ratings are those of any player. State is versioned documents, each
//! guarded by its version:
//! - [`Character`] (`character`, id = the character's player id): its account, name,
//!   creation, deletion and purge times. The access check reads it (one lookup).
//! - [`CharactersOf`] (`characters_of`, id = the account): the account's characters in
//!   creation order and the selected one; every create, delete, restore and select
//!   writes it, so concurrent creations never pass the slot limit.
//! - [`CharacterName`] (`character_name`, id = the lowercased name): written in the
//!   commit that takes the name (at version 0, or over the claim of a purged character),
//!   so two characters never share a name in any case. A deleted character keeps its
//!   claim until its purge time, so a restore never finds its name taken.
//! - [`BankItems`] (`account_bank_items`, id = the account): the items of the account's
//!   bank. Its currency is the ledger account `account:<id>`
//!   ([`crate::types::Account::Bank`]), a balance row per currency like a wallet's.
//! - [`EquipmentDoc`] (`equipment`, id = the player): one item per slot, each with the
//!   acquisition time of the inventory row it was equipped from.

pub mod rules;

use crate::docs::Document;
use crate::error::{Error, Result};
use crate::types::{Amount, Balance, InventoryEntry, PlayerId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Character limits (SPEC.md Characters), configured under `[characters]`; missing keys
/// keep their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CharactersConfig {
    /// Live characters an account may own (default 3; 1 to 100).
    pub slots: u32,
    /// Days a deleted character can be restored, its name kept for it (default 7; 0 to
    /// 365; 0: deletion is final at once).
    pub restore_days: u32,
}

impl Default for CharactersConfig {
    fn default() -> Self {
        Self {
            slots: 3,
            restore_days: 7,
        }
    }
}

impl CharactersConfig {
    /// Checks the values. Errors: `INVALID_ARGUMENT` naming the key (`characters.<key>`).
    pub fn check(&self) -> Result<()> {
        if !(1..=100).contains(&self.slots) {
            return Err(Error::invalid(
                "characters.slots",
                "characters.slots is 1 to 100",
            ));
        }
        if self.restore_days > 365 {
            return Err(Error::invalid(
                "characters.restore_days",
                "characters.restore_days is 0 to 365",
            ));
        }
        Ok(())
    }
}

/// A character (document kind `character`, id = its player id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Character {
    /// The character's player id (its wallet, inventory, mail, party, ratings).
    #[schema(value_type = String)]
    pub id: PlayerId,
    /// The account (player id) that owns it.
    #[schema(value_type = String)]
    pub account: PlayerId,
    /// Its name as given (unique without regard to case).
    pub name: String,
    /// Creation time, UTC.
    pub created_at: DateTime<Utc>,
    /// When it was deleted, UTC; `None`: live.
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
    /// For a deleted character: the end of its restore window, UTC; from then on it is
    /// purged (gone from lists, its name free).
    #[serde(default)]
    pub purge_at: Option<DateTime<Utc>>,
}

impl Character {
    /// Not deleted.
    pub fn live(&self) -> bool {
        self.deleted_at.is_none()
    }

    /// Deleted and past its restore window at `now`.
    pub fn purged(&self, now: DateTime<Utc>) -> bool {
        self.deleted_at.is_some() && self.purge_at.is_none_or(|t| now >= t)
    }
}

impl Document for Character {
    const KIND: &'static str = "character";
}

/// An account's characters (kind `characters_of`, id = the account).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharactersOf {
    /// Character ids in creation order (purged ones are dropped at the next write).
    pub characters: Vec<PlayerId>,
    /// The account's current character.
    #[serde(default)]
    pub selected: Option<PlayerId>,
}

impl Document for CharactersOf {
    const KIND: &'static str = "characters_of";
}

/// A name's claim (kind `character_name`, id = the lowercased name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharacterName {
    /// The character holding the name.
    pub character: PlayerId,
    /// Its account.
    pub account: PlayerId,
}

impl Document for CharacterName {
    const KIND: &'static str = "character_name";
}

/// One stack of the account bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankItem {
    /// Units held (> 0; an emptied stack is removed).
    pub quantity: i64,
    /// When the bank first received it, UTC.
    pub acquired_at: DateTime<Utc>,
}

/// The items of an account's bank (kind `account_bank_items`, id = the account).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankItems {
    /// Stacks by catalog item id.
    pub items: BTreeMap<String, BankItem>,
}

impl Document for BankItems {
    const KIND: &'static str = "account_bank_items";
}

/// One equipped item as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Equipped {
    /// Catalog item id.
    pub item_id: String,
    /// The `acquired_at` of the inventory row when equipped: a row lost (quantity 0) and
    /// acquired again has another, so an item lost through any module reads unequipped.
    pub acquired_at: DateTime<Utc>,
    /// When equipped, UTC.
    pub equipped_at: DateTime<Utc>,
}

/// A player's equipment (kind `equipment`, id = the player).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EquipmentDoc {
    /// Slot name to item.
    pub slots: BTreeMap<String, Equipped>,
}

impl Document for EquipmentDoc {
    const KIND: &'static str = "equipment";
}

/// Creates a character. Errors: `NOT_FOUND` (no such account), `NAME_TAKEN`,
/// `LIMIT_REACHED`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCharacterRequest {
    /// The account (a player id with an account).
    #[schema(value_type = String)]
    pub account: PlayerId,
    /// 1 to 32 characters: letters, digits, spaces, `_`, `-`, `'`, `.`; no leading,
    /// trailing or double space. Unique without regard to case.
    pub name: String,
    /// Idempotency key, scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Renames a live character; the old name is freed in the same commit. Errors:
/// `NOT_FOUND`, `NAME_TAKEN`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameCharacterRequest {
    /// The account owning the character.
    #[schema(value_type = String)]
    pub account: PlayerId,
    /// The character.
    #[schema(value_type = String)]
    pub character: PlayerId,
    /// The new name (rules as at creation).
    pub name: String,
    /// Idempotency key, scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Deletes, restores or selects one of an account's characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CharacterActionRequest {
    /// The account owning the character.
    #[schema(value_type = String)]
    pub account: PlayerId,
    /// The character.
    #[schema(value_type = String)]
    pub character: PlayerId,
    /// Idempotency key, scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// The outcome of a create, rename, delete or restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CharacterResult {
    /// Id of the call.
    pub transaction_id: String,
    /// The character after the call.
    pub character: Character,
    /// True for a replay.
    pub replayed: bool,
}

/// The outcome of a select. The HTTP host adds an access token for the character.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CharacterSelection {
    /// Id of the call.
    pub transaction_id: String,
    /// The account.
    #[schema(value_type = String)]
    pub account: PlayerId,
    /// The selected character.
    pub character: Character,
    /// An access token for the character (HTTP host only; `None` elsewhere).
    #[serde(default)]
    pub access_token: Option<String>,
    /// Seconds the token lives (HTTP host only).
    #[serde(default)]
    pub expires_in: Option<i64>,
    /// True for a replay.
    pub replayed: bool,
}

/// An account's characters: the live ones and the deleted ones still in their restore
/// window (with `purge_at`), in creation order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CharacterList {
    /// The account.
    #[schema(value_type = String)]
    pub account: PlayerId,
    /// Live characters the account may own.
    pub slots: u32,
    /// Live characters it owns.
    pub live: u32,
    /// The selected character, when live.
    #[schema(value_type = Option<String>)]
    pub selected: Option<PlayerId>,
    /// The characters.
    pub characters: Vec<Character>,
}

/// A deposit into or a withdrawal from the account bank by one of its characters:
/// currency (`currency` and `amount`) or an item (`item_id`, `quantity`; a durable
/// moves whole, quantity 1), exactly one of the two. Errors: `NOT_FOUND` (not a live
/// character, unknown item), `INSUFFICIENT_FUNDS`, `INSUFFICIENT_QUANTITY`,
/// `ALREADY_OWNED` (a durable the receiving side holds), `BALANCE_LIMIT`,
/// `STACK_LIMIT`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankMoveRequest {
    /// The character depositing or withdrawing.
    #[schema(value_type = String)]
    pub character: PlayerId,
    /// Currency code (with `amount`).
    #[serde(default)]
    pub currency: Option<String>,
    /// Smallest currency units, > 0.
    #[serde(default)]
    pub amount: Option<Amount>,
    /// Catalog item id (with an optional `quantity`).
    #[serde(default)]
    pub item_id: Option<String>,
    /// Units of the item, > 0 (default 1; a durable: 1).
    #[serde(default)]
    pub quantity: Option<i64>,
    /// Ledger reason of a currency move, 1-64 bytes (default `account_bank_deposit` /
    /// `account_bank_withdraw`).
    #[serde(default)]
    pub reason: Option<String>,
    /// Idempotency key, scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// The outcome of a bank move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BankMoveResult {
    /// Id of the call (the ledger entry's transaction id for currency).
    pub transaction_id: String,
    /// The account whose bank it is.
    #[schema(value_type = String)]
    pub account: PlayerId,
    /// The character.
    #[schema(value_type = String)]
    pub character: PlayerId,
    /// Currency moved.
    pub currency: Option<String>,
    /// Amount moved.
    pub amount: Option<Amount>,
    /// The character's balance after.
    pub character_balance: Option<Amount>,
    /// The bank's balance after.
    pub bank_balance: Option<Amount>,
    /// Item moved.
    pub item_id: Option<String>,
    /// Units moved.
    pub quantity: Option<i64>,
    /// Units the character holds after.
    pub character_quantity: Option<i64>,
    /// Units the bank holds after.
    pub bank_quantity: Option<i64>,
    /// The slot the deposited item was equipped in (unequipped in the same commit).
    pub unequipped: Option<String>,
    /// True for a replay.
    pub replayed: bool,
}

/// An account's bank: every configured currency (zero when never touched) and its
/// item stacks by item id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccountBank {
    /// The account.
    #[schema(value_type = String)]
    pub account: PlayerId,
    /// Balances in configured currency order.
    pub balances: Vec<Balance>,
    /// Item stacks.
    pub items: Vec<InventoryEntry>,
}

/// Equips an item the player owns into the slot its catalog metadata names
/// (`{"slot": "head"}`); an item in that slot is unequipped. Errors: `NOT_OWNED`,
/// `NOT_FOUND` (unknown item, deleted character), `INVALID_ARGUMENT` (no slot),
/// `IDEMPOTENCY_CONFLICT`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EquipRequest {
    /// The character (any player id but a deleted character's).
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Catalog item id of a durable with a slot.
    pub item_id: String,
    /// Idempotency key, scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// Empties a slot. Errors: `NOT_FOUND` (nothing equipped there, deleted character),
/// `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnequipRequest {
    /// The character.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The slot, 1-32 bytes.
    pub slot: String,
    /// Idempotency key, scoped to the caller.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// One equipped item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EquippedItem {
    /// The slot.
    pub slot: String,
    /// Catalog item id.
    pub item_id: String,
    /// Catalog name (empty when the item left the catalog).
    pub name: String,
    /// When equipped, UTC.
    pub equipped_at: DateTime<Utc>,
}

/// A player's equipment, by slot name. An item the player no longer owns is not in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Equipment {
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Equipped items by slot name.
    pub items: Vec<EquippedItem>,
}

/// The outcome of an equip or unequip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EquipResult {
    /// Id of the call.
    pub transaction_id: String,
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// The slot.
    pub slot: String,
    /// The item now in the slot (`None` after an unequip).
    pub item_id: Option<String>,
    /// The item that left the slot, if any.
    pub previous: Option<String>,
    /// The equipment after the call.
    pub equipment: Vec<EquippedItem>,
    /// True for a replay.
    pub replayed: bool,
}
