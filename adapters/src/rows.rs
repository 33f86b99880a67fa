//! Decoding of stored rows shared by the SQLite and Postgres stores: times in
//! microseconds since the Unix epoch (UTC), accounts as `player:<id>` / `system:<name>`,
//! JSON as text. A value that does not decode is `UNAVAILABLE` naming what was unreadable.

use chrono::{DateTime, NaiveDate, Utc};
use guildhall_core::types::{Account, CatalogItem, EntryKind, ItemKind, LedgerEntry, Price};
use guildhall_core::{Error, Result};
use std::str::FromStr;

/// A stored value that does not decode (written by something else, or corrupted).
pub(crate) fn bad_data(what: &str, e: impl std::fmt::Display) -> Error {
    Error::unavailable(format!("unreadable stored {what}: {e}"))
}

pub(crate) fn micros_to_time(micros: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros).ok_or_else(|| bad_data("timestamp", micros))
}

pub(crate) fn parse_account(s: &str) -> Result<Account> {
    Account::parse(s).map_err(|e| bad_data("account", e))
}

pub(crate) fn parse_json(s: &str) -> Result<serde_json::Value> {
    serde_json::from_str(s).map_err(|e| bad_data("JSON", e))
}

/// Documents of one kind from `(id, version, body)` rows, in the rows' order.
pub(crate) fn docs_from_rows(
    kind: &str,
    rows: Vec<(String, i64, String)>,
) -> Result<Vec<guildhall_core::ports::Doc>> {
    rows.into_iter()
        .map(|(id, version, b)| {
            Ok(guildhall_core::ports::Doc {
                kind: kind.into(),
                id,
                version,
                body: parse_json(&b)?,
            })
        })
        .collect()
}

pub(crate) fn to_json<T: serde::Serialize + ?Sized>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::unavailable(format!("cannot encode JSON: {e}")))
}

pub(crate) fn parse_day(s: &str) -> Result<NaiveDate> {
    NaiveDate::from_str(s).map_err(|e| bad_data("day", e))
}

/// A `ledger` row: seq, id, transaction_id, at, day, kind, currency, debit, credit,
/// amount, reason, metadata, item_id, quantity.
pub(crate) type LedgerTuple = (
    i64,
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    Option<String>,
    Option<i64>,
);
/// A `catalog` row: id, name, kind, price_currency, price_amount, max_stack, active,
/// metadata.
pub(crate) type CatalogTuple = (
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    bool,
    String,
);
pub(crate) fn ledger_from(t: LedgerTuple) -> Result<LedgerEntry> {
    let (
        seq,
        id,
        transaction_id,
        at,
        day,
        kind,
        currency,
        debit,
        credit,
        amount,
        reason,
        metadata,
        item_id,
        quantity,
    ) = t;
    Ok(LedgerEntry {
        seq,
        id,
        transaction_id,
        at: micros_to_time(at)?,
        day: parse_day(&day)?,
        kind: EntryKind::parse(&kind).map_err(|e| bad_data("ledger kind", e))?,
        currency,
        debit: parse_account(&debit)?,
        credit: parse_account(&credit)?,
        amount,
        reason,
        metadata: parse_json(&metadata)?,
        item_id,
        quantity,
    })
}

pub(crate) fn catalog_from(t: CatalogTuple) -> Result<CatalogItem> {
    let (id, name, kind, price_currency, price_amount, max_stack, active, metadata) = t;
    let price = match (price_currency, price_amount) {
        (Some(currency), Some(amount)) => Some(Price { currency, amount }),
        _ => None,
    };
    Ok(CatalogItem {
        id,
        name,
        kind: ItemKind::parse(&kind).map_err(|e| bad_data("item kind", e))?,
        price,
        max_stack,
        active,
        metadata: parse_json(&metadata)?,
    })
}

/// A `game_files` row without its bytes: (version, name, content_type, size, sha256,
/// created_at).
pub(crate) type FileRow = (i64, String, String, i64, String, i64);

/// Decodes a `game_files` row.
pub(crate) fn file_meta(r: FileRow) -> Result<guildhall_core::downloads::FileMeta> {
    let (version, name, content_type, size, sha256, created_at) = r;
    Ok(guildhall_core::downloads::FileMeta {
        name,
        version,
        content_type,
        size,
        sha256,
        created_at: micros_to_time(created_at)?,
    })
}

/// The columns of [`FileRow`], in order.
pub(crate) const FILE_COLUMNS: &str = "version, name, content_type, size, sha256, created_at";
