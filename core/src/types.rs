//! Domain types shared by every module: ids, accounts, catalog items, ledger
//! entries, events. Every public type is `serde` (de)serializable.

use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of currency in its smallest unit (SPEC.md: no floats for money).
pub type Amount = i64;

/// An opaque player id: 1 to 128 bytes of UTF-8 with no control characters
/// (Discord snowflakes, Alt:V ids, Steam ids and UUIDs all fit; SPEC.md Conventions).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlayerId(String);

impl PlayerId {
    /// Validates a player id. Errors: `INVALID_ARGUMENT` when empty, longer than 128
    /// bytes, or containing a control character.
    pub fn new(id: impl Into<String>) -> Result<Self> {
        let id = id.into();
        if id.is_empty() || id.len() > 128 {
            return Err(Error::invalid("player", "a player id is 1 to 128 bytes"));
        }
        if id.chars().any(char::is_control) {
            return Err(Error::invalid(
                "player",
                "a player id may not contain control characters",
            ));
        }
        Ok(Self(id))
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PlayerId {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        Self::new(value)
    }
}
impl From<PlayerId> for String {
    fn from(p: PlayerId) -> String {
        p.0
    }
}
impl fmt::Display for PlayerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A ledger account: a player's wallet, a group's bank, an account's bank, or a named
/// system account such as `system:shop` or `system:donations`. Written as `player:<id>`
/// / `group:<id>` / `account:<id>` / `system:<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Account {
    /// A player's wallet: balance never below zero.
    Player(PlayerId),
    /// A system source or sink: no balance floor (it goes negative as it grants).
    System(String),
    /// A group's bank (SPEC.md Groups): balance never below zero, written under its
    /// row's version like a player's wallet. The group id is 1-128 bytes without
    /// control characters.
    Group(String),
    /// An account's bank, shared by the account's characters (SPEC.md "Characters and
    /// the account bank"): the id is the account's player id; balance never below zero,
    /// written under its row's version like a player's wallet.
    Bank(PlayerId),
}

impl Account {
    /// A system account by name (`"shop"` gives `system:shop`). Names are 1-64 bytes
    /// of `[a-z0-9_.-]`. Errors: `INVALID_ARGUMENT`.
    pub fn system(name: &str) -> Result<Self> {
        let name = name.strip_prefix("system:").unwrap_or(name);
        if name.is_empty()
            || name.len() > 64
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b))
        {
            return Err(Error::invalid(
                "account",
                "a system account name is 1-64 of [a-z0-9_.-]",
            ));
        }
        Ok(Account::System(name.to_string()))
    }

    /// The player, when this is a player account.
    pub fn player(&self) -> Option<&PlayerId> {
        match self {
            Account::Player(p) => Some(p),
            Account::System(_) | Account::Group(_) | Account::Bank(_) => None,
        }
    }

    /// A group's bank account. Errors: `INVALID_ARGUMENT` (id not 1-128 bytes, or with
    /// control characters).
    pub fn group(id: &str) -> Result<Self> {
        check_text("group_id", id, 1, 128)?;
        Ok(Account::Group(id.to_string()))
    }

    /// Parses `player:<id>`, `group:<id>`, `account:<id>` or `system:<name>`. Errors:
    /// `INVALID_ARGUMENT`.
    pub fn parse(s: &str) -> Result<Self> {
        if let Some(p) = s.strip_prefix("player:") {
            Ok(Account::Player(PlayerId::new(p)?))
        } else if let Some(g) = s.strip_prefix("group:") {
            Account::group(g)
        } else if let Some(a) = s.strip_prefix("account:") {
            Ok(Account::Bank(PlayerId::new(a)?))
        } else if s.starts_with("system:") {
            Account::system(s)
        } else {
            Err(Error::invalid(
                "account",
                "an account is player:<id>, group:<id>, account:<id> or system:<name>",
            ))
        }
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Account::Player(p) => write!(f, "player:{p}"),
            Account::System(s) => write!(f, "system:{s}"),
            Account::Group(g) => write!(f, "group:{g}"),
            Account::Bank(a) => write!(f, "account:{a}"),
        }
    }
}
impl Serialize for Account {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de> Deserialize<'de> for Account {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Account::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A configured currency (SPEC.md Economy): code such as `gold`, optional maximum balance
/// (smallest units) a player wallet may hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Currency {
    /// Code, 1-32 of `[a-z0-9_]`.
    pub code: String,
    /// Largest balance a player may hold; `None`: up to `i64::MAX`.
    #[serde(default)]
    pub max_balance: Option<Amount>,
}

/// Kind of a catalog item (SPEC.md Catalog): a consumable stacks and is used up; a
/// durable (seed 002's "permanent") is owned once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// Stacks up to `max_stack`; `use` consumes it.
    Consumable,
    /// Owned at most once; bought with quantity 1.
    Durable,
}

impl ItemKind {
    /// `"consumable"` or `"durable"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Consumable => "consumable",
            ItemKind::Durable => "durable",
        }
    }
    /// Parses `consumable`, `durable` (or seed 002's `permanent`).
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "consumable" => Ok(ItemKind::Consumable),
            "durable" | "permanent" => Ok(ItemKind::Durable),
            _ => Err(Error::invalid("kind", "kind is 'consumable' or 'durable'")),
        }
    }
}

/// A price: amount in the smallest unit of `currency`, per unit of the item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Currency code.
    pub currency: String,
    /// Price per unit, smallest currency unit, > 0.
    pub amount: Amount,
}

/// A catalog item (SPEC.md Catalog and inventory, seed 002).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogItem {
    /// Id, 1-128 bytes without control characters (seed 002's product id).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Consumable or durable.
    pub kind: ItemKind,
    /// Price per unit; `None`: not for sale (can still be granted).
    #[serde(default)]
    pub price: Option<Price>,
    /// Largest stack a player may hold of a consumable; `None`: unlimited. Ignored for durables (always 1).
    #[serde(default)]
    pub max_stack: Option<i64>,
    /// Inactive items cannot be bought.
    #[serde(default = "yes")]
    pub active: bool,
    /// Free-form JSON.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: serde_json::Value,
}

fn yes() -> bool {
    true
}

/// One stack in a player's inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InventoryEntry {
    /// Catalog item id.
    pub item_id: String,
    /// Item name from the catalog (empty when the item was removed from it).
    pub name: String,
    /// Kind from the catalog.
    pub kind: ItemKind,
    /// Units held, > 0.
    pub quantity: i64,
    /// When the player first acquired the item (UTC).
    pub acquired_at: DateTime<Utc>,
}

/// One currency balance of a wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Balance {
    /// Currency code.
    pub currency: String,
    /// Smallest units.
    pub amount: Amount,
}

/// A player's wallet: one balance per configured currency (zero when never touched).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Wallet {
    /// The player.
    #[schema(value_type = String)]
    pub player: PlayerId,
    /// Balances in configured currency order.
    pub balances: Vec<Balance>,
}

/// What a ledger entry records (SPEC.md Economy operations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// From a system source to a player.
    Grant,
    /// From a player to a system sink.
    Spend,
    /// Player to player.
    Transfer,
    /// Player to `system:shop` for a catalog item.
    Purchase,
}

impl EntryKind {
    /// Lower-case name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Grant => "grant",
            EntryKind::Spend => "spend",
            EntryKind::Transfer => "transfer",
            EntryKind::Purchase => "purchase",
        }
    }
    /// Parses the stored name. Errors: `INVALID_ARGUMENT`.
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "grant" => EntryKind::Grant,
            "spend" => EntryKind::Spend,
            "transfer" => EntryKind::Transfer,
            "purchase" => EntryKind::Purchase,
            _ => {
                return Err(Error::invalid(
                    "kind",
                    "kind is grant, spend, transfer or purchase",
                ))
            }
        })
    }
}

/// A double-entry ledger entry: `amount` moves from `debit` (balance decreases) to
/// `credit` (balance increases). For every currency the sum over all accounts is zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LedgerEntry {
    /// Store-assigned position, increasing with commit order; the history cursor. 0 before commit.
    pub seq: i64,
    /// Unique id of the entry.
    pub id: String,
    /// The operation's transaction id (shared by the entries of one call).
    pub transaction_id: String,
    /// Commit time, UTC.
    pub at: DateTime<Utc>,
    /// Calendar day of `at` in the reset time zone (for revenue per day).
    #[schema(value_type = String, format = Date)]
    pub day: NaiveDate,
    /// Operation kind.
    pub kind: EntryKind,
    /// Currency code.
    pub currency: String,
    /// Account debited (decreases).
    #[schema(value_type = String)]
    pub debit: Account,
    /// Account credited (increases).
    #[schema(value_type = String)]
    pub credit: Account,
    /// Smallest units, > 0.
    pub amount: Amount,
    /// Caller-given reason (`reward`, `donation`, `mail_evicted`, ...).
    pub reason: String,
    /// Caller-given JSON.
    #[schema(value_type = Option<Object>)]
    pub metadata: serde_json::Value,
    /// For purchases: the catalog item.
    pub item_id: Option<String>,
    /// For purchases: units bought.
    pub quantity: Option<i64>,
}

/// A domain event, written in the same commit as its change (outbox; SPEC.md Events).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Event {
    /// Store-assigned position in the outbox, increasing with commit order (0 before commit);
    /// consumers resume after the last one they saw.
    pub seq: i64,
    /// Unique id.
    pub id: String,
    /// Kind such as `currency_granted`, `item_purchased`.
    pub kind: String,
    /// Commit time, UTC.
    pub at: DateTime<Utc>,
    /// The players it concerns.
    #[schema(value_type = Vec<String>)]
    pub players: Vec<PlayerId>,
    /// Kind-specific JSON.
    #[schema(value_type = Option<Object>)]
    pub payload: serde_json::Value,
}

/// Validates a generic identifier (catalog item id, idempotency key, reason):
/// `min..=max` bytes, no control characters. Errors: `INVALID_ARGUMENT` naming `field`.
pub fn check_text(field: &str, value: &str, min: usize, max: usize) -> Result<()> {
    if value.len() < min || value.len() > max {
        return Err(Error::invalid(
            field,
            format!("{field} is {min} to {max} bytes"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            format!("{field} may not contain control characters"),
        ));
    }
    Ok(())
}
