//! Typed, read-only result objects (`guildhall.Wallet`, `guildhall.Purchase`, ...), each
//! with a `__repr__`, `__eq__` and `to_dict()`, and their conversion from the core types.
//! Free-form JSON (metadata, payloads, details) stays dicts; instants are aware
//! `datetime`s in UTC; days are `date`s.

use crate::convert::{json_to_py, ToPy};
use chrono::{DateTime, NaiveDate, Utc};
use guildhall_core as core;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

/// A record's field value made plain: records become dicts, lists and tuples are walked.
fn plain<'py>(v: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = v.py();
    if let Ok(list) = v.cast::<PyList>() {
        let out = PyList::empty(py);
        for x in list.iter() {
            out.append(plain(x)?)?;
        }
        return Ok(out.into_any());
    }
    if let Ok(t) = v.cast::<PyTuple>() {
        let items: Vec<_> = t.iter().map(plain).collect::<PyResult<_>>()?;
        return Ok(PyTuple::new(py, items)?.into_any());
    }
    if v.hasattr("__guildhall_fields__")? {
        return v.call_method0("to_dict");
    }
    Ok(v)
}

macro_rules! record {
    (
        $(#[doc = $doc:literal])*
        $name:ident {
            $( $(#[doc = $fdoc:literal])* $field:ident : $ty:ty ),* $(,)?
        }
        $( extra { $($extra:tt)* } )?
    ) => {
        $(#[doc = $doc])*
        #[pyclass(module = "guildhall", frozen, get_all)]
        pub struct $name {
            $( $(#[doc = $fdoc])* $field: $ty, )*
        }

        #[pymethods]
        impl $name {
            /// The field names, in order.
            #[classattr]
            fn __guildhall_fields__() -> Vec<&'static str> {
                vec![$(stringify!($field)),*]
            }

            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                let mut s = String::from(concat!(stringify!($name), "("));
                let mut first = true;
                $(
                    if !first { s.push_str(", "); }
                    first = false;
                    s.push_str(concat!(stringify!($field), "="));
                    s.push_str(&slf.getattr(stringify!($field))?.repr()?.to_cow()?);
                )*
                let _ = first;
                s.push(')');
                Ok(s)
            }

            /// The fields as a plain dict (nested records become dicts too).
            fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
                let d = PyDict::new(slf.py());
                $( d.set_item(stringify!($field), plain(slf.getattr(stringify!($field))?)?)?; )*
                Ok(d)
            }

            fn __eq__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
                if !other.is_instance_of::<$name>() {
                    return Ok(false);
                }
                Self::to_dict(slf)?.eq(other.call_method0("to_dict")?)
            }

            $($($extra)*)?
        }
    };
}

fn enum_str<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn js<T: serde::Serialize>(py: Python<'_>, v: &T) -> PyResult<Py<PyAny>> {
    json_to_py(py, &serde_json::to_value(v).unwrap_or_default())
}

fn strs<T: ToString>(v: &[T]) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}

fn typed<T: Record>(py: Python<'_>, v: T) -> PyResult<Py<T::Class>> {
    Py::new(py, v.record(py)?)
}

fn typed_all<T: Record>(py: Python<'_>, v: Vec<T>) -> PyResult<Vec<Py<T::Class>>> {
    v.into_iter().map(|x| typed(py, x)).collect()
}

/// A core type with a typed Python class.
pub trait Record: Send + 'static {
    /// The Python class.
    type Class: pyo3::PyClass<BaseType = pyo3::PyAny> + Into<pyo3::PyClassInitializer<Self::Class>>;
    /// Builds the Python object's contents.
    fn record(self, py: Python<'_>) -> PyResult<Self::Class>;
}

impl<T: Record> ToPy for T {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(typed(py, self)?.into_any())
    }
}

macro_rules! record_of {
    ($core:ty => $class:ident, |$v:ident, $py:ident| $body:expr) => {
        impl Record for $core {
            type Class = $class;
            #[allow(unused_variables)]
            fn record(self, $py: Python<'_>) -> PyResult<$class> {
                let $v = self;
                Ok($body)
            }
        }
    };
}

// ----- Economy -----

record! {
    /// One currency balance of a wallet.
    Balance { currency: String, amount: i64 }
}
record_of!(core::types::Balance => Balance, |v, py| Balance { currency: v.currency, amount: v.amount });

record! {
    /// A player's wallet: one balance per configured currency, in configured order.
    /// `wallet["gold"]` is the amount of one currency.
    Wallet { player: String, balances: Vec<Py<Balance>> }
    extra {
        fn __getitem__(&self, py: Python<'_>, currency: &str) -> PyResult<i64> {
            self.balances
                .iter()
                .find(|b| b.get().currency == currency)
                .map(|b| b.get().amount)
                .ok_or_else(|| {
                    let _ = py;
                    pyo3::exceptions::PyKeyError::new_err(currency.to_string())
                })
        }
        /// The amount of one currency, `default` when it is not configured.
        #[pyo3(signature = (currency, default = 0))]
        fn get(&self, currency: &str, default: i64) -> i64 {
            self.balances
                .iter()
                .find(|b| b.get().currency == currency)
                .map_or(default, |b| b.get().amount)
        }
    }
}
record_of!(core::types::Wallet => Wallet, |v, py| Wallet {
    player: v.player.to_string(),
    balances: typed_all(py, v.balances)?,
});

record! {
    /// The outcome of a grant or spend.
    BalanceChange { transaction_id: String, player: String, currency: String, amount: i64, balance: i64, replayed: bool }
}
record_of!(core::economy::BalanceChangeResult => BalanceChange, |v, py| BalanceChange {
    transaction_id: v.transaction_id, player: v.player.to_string(), currency: v.currency,
    amount: v.amount, balance: v.balance, replayed: v.replayed,
});

record! {
    /// The outcome of a transfer.
    Transfer { transaction_id: String, from_player: String, to_player: String, currency: String, amount: i64, from_balance: i64, to_balance: i64, replayed: bool }
}
record_of!(core::economy::TransferResult => Transfer, |v, py| Transfer {
    transaction_id: v.transaction_id, from_player: v.from.to_string(), to_player: v.to.to_string(),
    currency: v.currency, amount: v.amount, from_balance: v.from_balance, to_balance: v.to_balance,
    replayed: v.replayed,
});

record! {
    /// A double-entry ledger entry: `amount` leaves `debit` and reaches `credit`.
    LedgerEntry {
        seq: i64, id: String, transaction_id: String, at: DateTime<Utc>, day: NaiveDate,
        kind: String, currency: String, debit: String, credit: String, amount: i64,
        reason: String, metadata: Py<PyAny>, item_id: Option<String>, quantity: Option<i64>,
    }
}
record_of!(core::types::LedgerEntry => LedgerEntry, |v, py| LedgerEntry {
    seq: v.seq, id: v.id, transaction_id: v.transaction_id, at: v.at, day: v.day,
    kind: v.kind.as_str().to_string(), currency: v.currency, debit: v.debit.to_string(),
    credit: v.credit.to_string(), amount: v.amount, reason: v.reason,
    metadata: json_to_py(py, &v.metadata)?, item_id: v.item_id, quantity: v.quantity,
});

record! {
    /// A page of history, newest first; pass `next_cursor` as `cursor` for the next page.
    HistoryPage { entries: Vec<Py<LedgerEntry>>, next_cursor: Option<String> }
}
record_of!(core::HistoryPage => HistoryPage, |v, py| HistoryPage {
    entries: typed_all(py, v.entries)?, next_cursor: v.next_cursor,
});

record! {
    /// An account whose stored balance differs from its ledger.
    LedgerMismatch { account: String, currency: String, balance: i64, ledger: i64 }
}
record_of!(core::economy::LedgerMismatch => LedgerMismatch, |v, py| LedgerMismatch {
    account: v.account.to_string(), currency: v.currency, balance: v.balance, ledger: v.ledger,
});

record! {
    /// The ledger audit; true in a boolean context when everything matches.
    LedgerReport {
        ok: bool, accounts_checked: usize, mismatches: Vec<Py<LedgerMismatch>>,
        unbalanced_currencies: Vec<(String, i64)>,
    }
    extra {
        fn __bool__(&self) -> bool { self.ok }
    }
}
record_of!(core::economy::LedgerReport => LedgerReport, |v, py| LedgerReport {
    ok: v.ok, accounts_checked: v.accounts_checked, mismatches: typed_all(py, v.mismatches)?,
    unbalanced_currencies: v.unbalanced_currencies,
});

// ----- Catalog and inventory -----

record! {
    /// A price per unit.
    Price { currency: String, amount: i64 }
}
record_of!(core::types::Price => Price, |v, py| Price { currency: v.currency, amount: v.amount });

record! {
    /// A catalog item. `kind` is `"consumable"` or `"durable"`; no `price`: not for sale.
    CatalogItem {
        id: String, name: String, kind: String, price: Option<Py<Price>>,
        max_stack: Option<i64>, active: bool, metadata: Py<PyAny>,
    }
}
record_of!(core::types::CatalogItem => CatalogItem, |v, py| CatalogItem {
    id: v.id, name: v.name, kind: v.kind.as_str().to_string(),
    price: v.price.map(|p| typed(py, p)).transpose()?, max_stack: v.max_stack, active: v.active,
    metadata: json_to_py(py, &v.metadata)?,
});

record! {
    /// One stack in a player's inventory.
    InventoryEntry { item_id: String, name: String, kind: String, quantity: i64, acquired_at: DateTime<Utc> }
}
record_of!(core::types::InventoryEntry => InventoryEntry, |v, py| InventoryEntry {
    item_id: v.item_id, name: v.name, kind: v.kind.as_str().to_string(), quantity: v.quantity,
    acquired_at: v.acquired_at,
});

record! {
    /// The outcome of a purchase.
    Purchase {
        transaction_id: String, player: String, item_id: String, quantity: i64, currency: String,
        amount: i64, balance: i64, item_quantity: i64, replayed: bool,
    }
}
record_of!(core::inventory::PurchaseResult => Purchase, |v, py| Purchase {
    transaction_id: v.transaction_id, player: v.player.to_string(), item_id: v.item_id,
    quantity: v.quantity, currency: v.currency, amount: v.amount, balance: v.balance,
    item_quantity: v.item_quantity, replayed: v.replayed,
});

record! {
    /// The outcome of a use or an item grant.
    ItemChange { transaction_id: String, player: String, item_id: String, quantity: i64, remaining: i64, replayed: bool }
}
record_of!(core::inventory::ItemChangeResult => ItemChange, |v, py| ItemChange {
    transaction_id: v.transaction_id, player: v.player.to_string(), item_id: v.item_id,
    quantity: v.quantity, remaining: v.remaining, replayed: v.replayed,
});

record! {
    /// Units bought of one item in a window.
    PopularItem { item_id: String, total_quantity: i64, purchases: i64 }
}
record_of!(core::ports::PopularItem => PopularItem, |v, py| PopularItem {
    item_id: v.item_id, total_quantity: v.total_quantity, purchases: v.purchases,
});

record! {
    /// Purchase revenue of one currency on one day of the reset time zone.
    DailyRevenue { day: NaiveDate, currency: String, amount: i64, purchases: i64 }
}
record_of!(core::ports::DailyRevenue => DailyRevenue, |v, py| DailyRevenue {
    day: v.day, currency: v.currency, amount: v.amount, purchases: v.purchases,
});

// ----- Mail -----

record! {
    /// One mail of a player's box. `sender` is `{"kind": ..., "id": ...}`; `attachments`
    /// is `{"currencies": [{"currency", "amount"}], "items": [{"item_id", "quantity"}]}`.
    Mail {
        id: String, player: String, sender: Py<PyAny>, subject: String, body: String,
        attachments: Py<PyAny>, sent_at: DateTime<Utc>, expires_at: Option<DateTime<Utc>>,
        read_at: Option<DateTime<Utc>>, claimed_at: Option<DateTime<Utc>>,
        broadcast_id: Option<String>, unclaimed: bool,
    }
}
record_of!(core::mail::Mail => Mail, |v, py| Mail {
    unclaimed: v.unclaimed(), sender: js(py, &v.sender)?, attachments: js(py, &v.attachments)?,
    id: v.id, player: v.player.to_string(), subject: v.subject, body: v.body, sent_at: v.sent_at,
    expires_at: v.expires_at, read_at: v.read_at, claimed_at: v.claimed_at,
    broadcast_id: v.broadcast_id,
});

record! {
    /// The outcome of a send: the stored mail and the ids of mails evicted for room.
    SendMailResult { mail: Py<Mail>, evicted: Vec<String>, replayed: bool }
}
record_of!(core::mail::SendMailResult => SendMailResult, |v, py| SendMailResult {
    mail: typed(py, v.mail)?, evicted: v.evicted, replayed: v.replayed,
});

record! {
    /// The outcome of a claim: the mail, balances after for the currencies credited, and
    /// durable items skipped because they were owned already.
    ClaimResult { mail: Py<Mail>, balances: Vec<Py<Balance>>, skipped_items: Vec<String>, replayed: bool }
}
record_of!(core::mail::ClaimResult => ClaimResult, |v, py| ClaimResult {
    mail: typed(py, v.mail)?, balances: typed_all(py, v.balances)?, skipped_items: v.skipped_items,
    replayed: v.replayed,
});

record! {
    /// A broadcast mail, stored once and copied into each box when it is next read.
    Broadcast {
        seq: i64, id: String, sender: Py<PyAny>, subject: String, body: String,
        attachments: Py<PyAny>, sent_at: DateTime<Utc>, expires_at: Option<DateTime<Utc>>,
        recipients: Option<Vec<String>>, replayed: bool,
    }
}
record_of!(core::mail::Broadcast => Broadcast, |v, py| Broadcast {
    sender: js(py, &v.sender)?, attachments: js(py, &v.attachments)?, seq: v.seq, id: v.id,
    subject: v.subject, body: v.body, sent_at: v.sent_at, expires_at: v.expires_at,
    recipients: v.recipients.map(|r| strs(&r)), replayed: v.replayed,
});

// ----- Announcements and presence -----

record! {
    /// A message template with `{name}` placeholders.
    Template { id: String, body: String }
}
record_of!(core::announce::Template => Template, |v, py| Template { id: v.id, body: v.body });

record! {
    /// A trigger rule. `cap` is `{"every": "once"|"per_day"|"per_week"|"per_month"|"unlimited", "times": n}`.
    Trigger {
        id: String, event: String, template_id: String, variables: Py<PyAny>, audience: String,
        target: Option<String>, kind: String, starts_at: Option<DateTime<Utc>>,
        ends_at: Option<DateTime<Utc>>, cap: Py<PyAny>, priority: i32, cancelled: bool,
        send_at: Option<DateTime<Utc>>, sent_at: Option<DateTime<Utc>>, created_at: DateTime<Utc>,
    }
}
record_of!(core::announce::Trigger => Trigger, |v, py| Trigger {
    variables: js(py, &v.variables)?, audience: enum_str(&v.audience), kind: enum_str(&v.kind),
    cap: js(py, &v.cap)?, id: v.id, event: v.event, template_id: v.template_id, target: v.target,
    starts_at: v.starts_at, ends_at: v.ends_at, priority: v.priority, cancelled: v.cancelled,
    send_at: v.send_at, sent_at: v.sent_at, created_at: v.created_at,
});

record! {
    /// A rendered message to show, from firing an event.
    Message {
        trigger_id: String, kind: String, audience: String, target: Option<String>,
        priority: i32, text: String, mail_id: Option<String>,
    }
}
record_of!(core::announce::Message => Message, |v, py| Message {
    kind: enum_str(&v.kind), audience: enum_str(&v.audience), trigger_id: v.trigger_id,
    target: v.target, priority: v.priority, text: v.text, mail_id: v.mail_id,
});

record! {
    /// A live session. `location` is `{"lobby", "server", "room", "party"}` (each optional).
    Session {
        player: String, location: Py<PyAny>, started_at: DateTime<Utc>, last_seen: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    }
}
record_of!(core::ports::Session => Session, |v, py| Session {
    location: js(py, &v.location)?, player: v.player.to_string(), started_at: v.started_at,
    last_seen: v.last_seen, expires_at: v.expires_at,
});

// ----- Parties -----

record! {
    /// A party member and when they joined.
    PartyMember { player: String, joined_at: DateTime<Utc> }
}
record_of!(core::party::PartyMember => PartyMember, |v, py| PartyMember {
    player: v.player.to_string(), joined_at: v.joined_at,
});

record! {
    /// A pending party invite.
    Invite { player: String, invited_by: String, expires_at: DateTime<Utc> }
}
record_of!(core::party::Invite => Invite, |v, py| Invite {
    player: v.player.to_string(), invited_by: v.invited_by.to_string(), expires_at: v.expires_at,
});

record! {
    /// A party: leader, members in join order, pending invites.
    Party {
        id: String, leader: String, members: Vec<Py<PartyMember>>, open: bool,
        invites: Vec<Py<Invite>>, created_at: DateTime<Utc>,
    }
    extra {
        /// Member ids in join order.
        #[getter]
        fn players(&self) -> Vec<String> {
            self.members.iter().map(|m| m.get().player.clone()).collect()
        }
    }
}
record_of!(core::party::Party => Party, |v, py| Party {
    id: v.id, leader: v.leader.to_string(), members: typed_all(py, v.members)?, open: v.open,
    invites: typed_all(py, v.invites)?, created_at: v.created_at,
});

// ----- Matchmaking -----

record! {
    /// A matchmaking ticket (a player, or a whole party).
    Ticket {
        id: String, queue: String, players: Vec<String>, party_id: Option<String>,
        properties: Py<PyAny>, rating: f64, created_at: DateTime<Utc>,
    }
}
record_of!(core::matchmaking::Ticket => Ticket, |v, py| Ticket {
    properties: js(py, &v.properties)?, players: strs(&v.players), id: v.id, queue: v.queue,
    party_id: v.party_id, rating: v.rating, created_at: v.created_at,
});

record! {
    /// A ticket and how it stands now.
    TicketStatus { ticket: Py<Ticket>, waited_secs: i64, window: f64 }
}
/// `TicketStatus` and `ReportResult` of the core are not exported by name, so their
/// values cross over through their serde shape into these mirrors.
#[derive(serde::Deserialize)]
pub struct TicketStatusOf {
    ticket: core::matchmaking::Ticket,
    waited_secs: i64,
    window: f64,
}

/// See [`TicketStatusOf`].
#[derive(serde::Deserialize)]
pub struct ReportResultOf {
    record: core::matchmaking::MatchRecord,
    replayed: bool,
}

/// A value through its serde shape into another type (for the mirrors above).
pub fn remap<A: serde::Serialize, B: serde::de::DeserializeOwned>(a: A) -> core::Result<B> {
    serde_json::to_value(a)
        .and_then(serde_json::from_value)
        .map_err(|e| core::Error::unavailable(format!("unexpected result shape: {e}")))
}

record_of!(TicketStatusOf => TicketStatus, |v, py| TicketStatus {
    ticket: typed(py, v.ticket)?, waited_secs: v.waited_secs, window: v.window,
});

record! {
    /// A player's rating in one queue.
    Rating { rating: f64, deviation: f64, volatility: f64, games: u32 }
}
record_of!(core::matchmaking::Rating => Rating, |v, py| Rating {
    rating: v.rating, deviation: v.deviation, volatility: v.volatility, games: v.games,
});

record! {
    /// A rating change of one player.
    RatingChange { player: String, before: Py<Rating>, after: Py<Rating> }
}
record_of!(core::matchmaking::RatingChange => RatingChange, |v, py| RatingChange {
    player: v.player.to_string(), before: typed(py, v.before)?, after: typed(py, v.after)?,
});

record! {
    /// A formed match; `result` is `{"ranks": [...], "reported_at": ...}` once reported.
    MatchRecord {
        id: String, queue: String, teams: Vec<Vec<String>>, ticket_ids: Vec<String>,
        created_at: DateTime<Utc>, result: Py<PyAny>, rating_changes: Vec<Py<RatingChange>>,
    }
}
record_of!(core::matchmaking::MatchRecord => MatchRecord, |v, py| MatchRecord {
    teams: v.teams.iter().map(|t| strs(t)).collect(), result: js(py, &v.result)?, id: v.id,
    queue: v.queue, ticket_ids: v.ticket_ids, created_at: v.created_at,
    rating_changes: typed_all(py, v.rating_changes)?,
});

record! {
    /// The outcome of reporting a match result.
    ReportResult { record: Py<MatchRecord>, replayed: bool }
}
record_of!(ReportResultOf => ReportResult, |v, py| ReportResult {
    record: typed(py, v.record)?, replayed: v.replayed,
});

// ----- Events -----

record! {
    /// A domain event: `seq` orders the outbox; `payload` is kind-specific.
    Event { seq: i64, id: String, kind: String, at: DateTime<Utc>, players: Vec<String>, payload: Py<PyAny> }
}
record_of!(core::types::Event => Event, |v, py| Event {
    payload: json_to_py(py, &v.payload)?, players: strs(&v.players), seq: v.seq, id: v.id,
    kind: v.kind, at: v.at,
});

/// Adds every record class to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Balance>()?;
    m.add_class::<Wallet>()?;
    m.add_class::<BalanceChange>()?;
    m.add_class::<Transfer>()?;
    m.add_class::<LedgerEntry>()?;
    m.add_class::<HistoryPage>()?;
    m.add_class::<LedgerMismatch>()?;
    m.add_class::<LedgerReport>()?;
    m.add_class::<Price>()?;
    m.add_class::<CatalogItem>()?;
    m.add_class::<InventoryEntry>()?;
    m.add_class::<Purchase>()?;
    m.add_class::<ItemChange>()?;
    m.add_class::<PopularItem>()?;
    m.add_class::<DailyRevenue>()?;
    m.add_class::<Mail>()?;
    m.add_class::<SendMailResult>()?;
    m.add_class::<ClaimResult>()?;
    m.add_class::<Broadcast>()?;
    m.add_class::<Template>()?;
    m.add_class::<Trigger>()?;
    m.add_class::<Message>()?;
    m.add_class::<Session>()?;
    m.add_class::<PartyMember>()?;
    m.add_class::<Invite>()?;
    m.add_class::<Party>()?;
    m.add_class::<Ticket>()?;
    m.add_class::<TicketStatus>()?;
    m.add_class::<Rating>()?;
    m.add_class::<RatingChange>()?;
    m.add_class::<MatchRecord>()?;
    m.add_class::<ReportResult>()?;
    m.add_class::<Event>()?;
    Ok(())
}
