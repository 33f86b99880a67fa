//! # guildhall-tests
//!
//! The harness of the store conformance suite (`tests/conformance/`, a file per area):
//! one set of cases run against every [`Store`](guildhall_core::ports::Store)
//! implementation, the store chosen by the environment. [`conformance!`] stamps out a
//! test per (case, store kind); [`refused!`] checks that a refused call changed nothing.
//!
//! * `GUILDHALL_TEST_STORES`: comma-separated store kinds to run, default
//!   `memory,sqlite`. Known kinds: `memory`, `sqlite`, `postgres`. Cases of a store
//!   that is not selected pass without running; a selected store that cannot be opened
//!   makes every one of its cases fail with a message saying why.
//! * `GUILDHALL_TEST_POSTGRES_URL`: the database a `postgres` fixture opens.
//!
//! Every case gets a [`Fixture`]: a fresh [`Guildhall`] over an empty store (SQLite: a
//! new database file in its own temporary directory), a [`ManualClock`], the standard
//! currencies ([`standard_config`]) and the standard catalog ([`standard_catalog`]).
//! [`Snapshot`] captures everything observable so a case can assert that a refused
//! call changed nothing.
//!
//! The coordinator suite (`tests/coordinator.rs`) and the many-hosts tests
//! (`tests/many_hosts.rs`) share the last helpers here: [`redis_url`], [`RedisKeys`]
//! (a fresh key prefix and its cleanup) and [`fresh_postgres`] (a throwaway database).

pub mod binding_types;

use chrono::{DateTime, TimeZone, Utc};
use guildhall_core::announce::{
    AudienceKind, FireRequest, FrequencyCap, Location, MessageKind, Template, Trigger,
};
use guildhall_core::economy::{GrantRequest, LedgerReport, SpendRequest, TransferRequest};
use guildhall_core::friends::{BlockRequest, FriendActionRequest, SendFriendRequest};
use guildhall_core::inventory::{GrantItemRequest, PurchaseRequest, UseItemRequest};
use guildhall_core::mail::{
    Attachments, BroadcastRequest, CurrencyAttachment, ItemAttachment, Mail, SendMailRequest,
    Sender,
};
use guildhall_core::matchmaking::{QueueConfig, QueueRequest, RatingWindow};
use guildhall_core::memory::MemoryCoordinator;
use guildhall_core::ports::{Clock, ManualClock};
use guildhall_core::ports::{Doc, MailboxRow};
use guildhall_core::types::{
    Account, CatalogItem, Currency, Event, InventoryEntry, ItemKind, LedgerEntry, PlayerId, Price,
    Wallet,
};
use guildhall_core::{Config, Error, ErrorCode, Guildhall, HistoryFilter};
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

/// A kind of Store the suite can run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreKind {
    /// `memory://`: the in-process reference store.
    Memory,
    /// `sqlite://FILE`: one fresh database file per fixture.
    Sqlite,
    /// `postgres://...` from `GUILDHALL_TEST_POSTGRES_URL`.
    Postgres,
}

impl StoreKind {
    /// The name used in `GUILDHALL_TEST_STORES`.
    pub fn name(self) -> &'static str {
        match self {
            StoreKind::Memory => "memory",
            StoreKind::Sqlite => "sqlite",
            StoreKind::Postgres => "postgres",
        }
    }

    /// Parses a name of `GUILDHALL_TEST_STORES`.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "memory" => Some(StoreKind::Memory),
            "sqlite" => Some(StoreKind::Sqlite),
            "postgres" | "postgresql" => Some(StoreKind::Postgres),
            _ => None,
        }
    }
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The stores selected by `GUILDHALL_TEST_STORES` (default `memory,sqlite`).
/// Panics on an unknown name, so a typo never turns into a silently skipped store.
pub fn selected_stores() -> Vec<StoreKind> {
    let raw =
        std::env::var("GUILDHALL_TEST_STORES").unwrap_or_else(|_| "memory,sqlite".to_string());
    raw.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            StoreKind::parse(s).unwrap_or_else(|| {
                panic!("GUILDHALL_TEST_STORES names unknown store '{}'; known: memory, sqlite, postgres", s.trim())
            })
        })
        .collect()
}

/// Whether `kind` is selected by `GUILDHALL_TEST_STORES`.
pub fn is_selected(kind: StoreKind) -> bool {
    selected_stores().contains(&kind)
}

/// The instant every fixture's clock starts at: 2026-03-10 12:00:00.123456 UTC (the
/// microseconds check that stores keep the clock's full precision).
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap() + chrono::Duration::microseconds(123_456)
}

/// Maximum balance of `gems` in the standard config.
pub const GEMS_MAX: i64 = 1_000_000;

/// The standard config: `gold` (no maximum, the default currency) and `gems`
/// (maximum [`GEMS_MAX`]), reset time zone UTC, default retention.
pub fn standard_config() -> Config {
    Config::new(vec![
        Currency {
            code: "gold".into(),
            max_balance: None,
        },
        Currency {
            code: "gems".into(),
            max_balance: Some(GEMS_MAX),
        },
    ])
    .expect("standard config is valid")
}

/// Price of one `potion`, gold.
pub const POTION_PRICE: i64 = 10;
/// Largest stack of `potion`.
pub const POTION_MAX_STACK: i64 = 20;
/// Price of the `sword`, gold.
pub const SWORD_PRICE: i64 = 100;
/// Price of one `elixir`, gems.
pub const ELIXIR_PRICE: i64 = 3;

fn item(
    id: &str,
    name: &str,
    kind: ItemKind,
    price: Option<(&str, i64)>,
    max_stack: Option<i64>,
    active: bool,
) -> CatalogItem {
    CatalogItem {
        id: id.into(),
        name: name.into(),
        kind,
        price: price.map(|(c, a)| Price {
            currency: c.into(),
            amount: a,
        }),
        max_stack,
        active,
        metadata: serde_json::json!({ "seeded": true }),
    }
}

/// The standard catalog, seeded into every fixture:
///
/// | id | kind | price | max stack | active |
/// |---|---|---|---|---|
/// | `potion` | consumable | 10 gold | 20 | yes |
/// | `elixir` | consumable | 3 gems | none | yes |
/// | `sword` | durable | 100 gold | - | yes |
/// | `relic` | durable | none (not for sale) | - | yes |
/// | `scroll` | consumable | none (not for sale) | 5 | yes |
/// | `retired` | consumable | 5 gold | 10 | no |
pub fn standard_catalog() -> Vec<CatalogItem> {
    vec![
        item(
            "potion",
            "Health Potion",
            ItemKind::Consumable,
            Some(("gold", POTION_PRICE)),
            Some(POTION_MAX_STACK),
            true,
        ),
        item(
            "elixir",
            "Elixir",
            ItemKind::Consumable,
            Some(("gems", ELIXIR_PRICE)),
            None,
            true,
        ),
        item(
            "sword",
            "Sword",
            ItemKind::Durable,
            Some(("gold", SWORD_PRICE)),
            None,
            true,
        ),
        item(
            "relic",
            "Ancient Relic",
            ItemKind::Durable,
            None,
            None,
            true,
        ),
        item(
            "scroll",
            "Scroll",
            ItemKind::Consumable,
            None,
            Some(5),
            true,
        ),
        item(
            "retired",
            "Retired Potion",
            ItemKind::Consumable,
            Some(("gold", 5)),
            Some(10),
            false,
        ),
    ]
}

/// A player id, panicking on an invalid one (for literals in tests).
pub fn pid(id: &str) -> PlayerId {
    PlayerId::new(id).unwrap_or_else(|e| panic!("'{id}' is not a valid player id: {e}"))
}

/// A ledger account of a player.
pub fn player_account(id: &str) -> Account {
    Account::Player(pid(id))
}

/// A system account by name (`"shop"` is `system:shop`).
pub fn system_account(name: &str) -> Account {
    Account::system(name).expect("valid system account name")
}

/// A fresh, isolated guildhall for one case.
pub struct Fixture {
    /// The service under test, with [`Fixture::clock`] injected.
    pub gh: Guildhall,
    /// The clock the service reads; starts at [`start_time`].
    pub clock: Arc<ManualClock>,
    /// The store kind behind `gh`.
    pub kind: StoreKind,
    /// The database URL the store was opened from.
    pub url: String,
    /// Holds a SQLite fixture's temporary directory until the fixture drops.
    _dir: Option<tempfile::TempDir>,
    /// A Postgres fixture's own database, dropped with the fixture (after `gh`).
    _pg: Option<guildhall_adapters::postgres::TestDatabase>,
}

impl Fixture {
    /// A fixture of `kind` with [`standard_config`] and [`standard_catalog`].
    /// Panics with a clear message when the store cannot be opened.
    pub async fn new(kind: StoreKind) -> Self {
        Self::with_config(kind, standard_config()).await
    }

    /// A fixture of `kind` with `config` and [`standard_catalog`] (whose prices are in
    /// `gold` and `gems`, so `config` must have both).
    pub async fn with_config(kind: StoreKind, config: Config) -> Self {
        let mut pg = None;
        let (url, dir) = match kind {
            StoreKind::Memory => ("memory://".to_string(), None),
            StoreKind::Sqlite => {
                let dir = tempfile::Builder::new()
                    .prefix("guildhall-conformance-")
                    .tempdir()
                    .unwrap_or_else(|e| {
                        panic!("cannot create a temporary directory for the sqlite fixture: {e}")
                    });
                let url = format!("sqlite://{}", dir.path().join("guildhall.db").display());
                (url, Some(dir))
            }
            StoreKind::Postgres => {
                // Every case assumes an empty store: each fixture gets a fresh database.
                let db = fresh_postgres().await;
                let url = db.url().to_string();
                pg = Some(db);
                (url, None)
            }
        };
        let store = open_or_fail(kind, &url).await;
        let clock = Arc::new(ManualClock::new(start_time()));
        let gh = Guildhall::new(store, Arc::new(MemoryCoordinator::new()), config)
            .with_clock(clock.clone() as Arc<dyn Clock>);
        for item in standard_catalog() {
            gh.upsert_catalog_item(item.clone())
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "seeding catalog item '{}' on store '{kind}' failed: {e}",
                        item.id
                    )
                });
        }
        Self {
            gh,
            clock,
            kind,
            url,
            _dir: dir,
            _pg: pg,
        }
    }

    /// A second, independent service over the same database, sharing this fixture's
    /// clock and config, as a second host process would be: the same store object for
    /// `memory`, a newly opened store (its own connections) for the others.
    pub async fn second_service(&self) -> Guildhall {
        let store = match self.kind {
            StoreKind::Memory => self.gh.store().clone(),
            _ => open_or_fail(self.kind, &self.url).await,
        };
        Guildhall::new(
            store,
            Arc::new(MemoryCoordinator::new()),
            self.gh.config().clone(),
        )
        .with_clock(self.clock.clone() as Arc<dyn Clock>)
    }

    /// Now, by the fixture's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Every ledger entry of `player`, newest first, read a page of 200 at a time.
    pub async fn full_history(&self, player: &PlayerId) -> Vec<LedgerEntry> {
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = self
                .gh
                .history(
                    player,
                    HistoryFilter {
                        cursor: cursor.clone(),
                        limit: Some(200),
                        ..Default::default()
                    },
                )
                .await
                .unwrap_or_else(|e| panic!("history of {player} failed: {e}"));
            out.extend(page.entries);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return out,
            }
        }
    }

    /// Every outbox event, oldest first, read a page of 1000 at a time.
    pub async fn all_events(&self) -> Vec<Event> {
        let mut out: Vec<Event> = Vec::new();
        loop {
            let after = out.last().map_or(0, |e| e.seq);
            let page = self
                .gh
                .events_after(after, Some(1000))
                .await
                .unwrap_or_else(|e| panic!("events_after({after}) failed: {e}"));
            if page.is_empty() {
                return out;
            }
            out.extend(page);
        }
    }

    /// Every balance row of every account (players and system), sorted.
    pub async fn all_balances(&self) -> Vec<(String, String, i64)> {
        let mut rows: Vec<(String, String, i64)> = self
            .gh
            .store()
            .all_balances()
            .await
            .expect("all_balances")
            .into_iter()
            .map(|(a, c, n)| (a.to_string(), c, n))
            .collect();
        rows.sort();
        rows
    }

    /// The stored balance of any account (0 when it has no row).
    pub async fn account_balance(&self, account: &Account, currency: &str) -> i64 {
        self.gh
            .store()
            .balance(account, currency)
            .await
            .expect("store balance")
            .amount
    }

    /// Per currency, the sum of every account's balance (players and system).
    pub async fn currency_totals(&self) -> BTreeMap<String, i128> {
        let mut totals = BTreeMap::new();
        for (_, c, n) in self.all_balances().await {
            *totals.entry(c).or_insert(0i128) += i128::from(n);
        }
        totals
    }

    /// Runs the ledger audit and panics unless it is clean.
    pub async fn assert_ledger_ok(&self) -> LedgerReport {
        let report = self.gh.verify_ledger().await.expect("verify_ledger");
        assert!(
            report.ok,
            "ledger audit on '{}' found differences: {report:?}",
            self.kind
        );
        assert!(
            report.mismatches.is_empty() && report.unbalanced_currencies.is_empty(),
            "{report:?}"
        );
        report
    }

    /// Captures everything observable about `players` and the whole store.
    pub async fn snapshot(&self, players: &[&PlayerId]) -> Snapshot {
        let mut wallets = Vec::new();
        let mut histories = Vec::new();
        let mut inventories = Vec::new();
        let mut mailboxes = Vec::new();
        for p in players {
            wallets.push(self.gh.wallet(p).await.expect("wallet"));
            histories.push(self.full_history(p).await);
            inventories.push(self.gh.inventory(p).await.expect("inventory"));
            mailboxes.push(self.gh.store().mailbox(p).await.expect("store mailbox"));
        }
        let mut docs = Vec::new();
        for kind in DOC_KINDS {
            docs.extend(self.all_docs(kind).await);
        }
        Snapshot {
            wallets,
            histories,
            inventories,
            balances: self.all_balances().await,
            events: self.all_events().await,
            catalog: self.gh.catalog().await.expect("catalog"),
            ledger: self.gh.verify_ledger().await.expect("verify_ledger"),
            mailboxes,
            templates: self.gh.templates().await.expect("templates"),
            triggers: self.gh.triggers().await.expect("triggers"),
            docs,
        }
    }

    /// Every stored document of `kind`, by id.
    pub async fn all_docs(&self, kind: &str) -> Vec<Doc> {
        self.gh
            .store()
            .docs(kind, "", 100_000)
            .await
            .unwrap_or_else(|e| panic!("docs({kind}) failed: {e}"))
    }

    /// Every outbox event of `kind`, oldest first.
    pub async fn events_of(&self, kind: &str) -> Vec<Event> {
        self.all_events()
            .await
            .into_iter()
            .filter(|e| e.kind == kind)
            .collect()
    }

    /// Every outbox event naming `player`, oldest first, read through
    /// `player_events_after` a page of `page` at a time.
    pub async fn player_events(&self, player: &PlayerId, page: u32) -> Vec<Event> {
        let mut out: Vec<Event> = Vec::new();
        loop {
            let after = out.last().map_or(0, |e| e.seq);
            let got = self
                .gh
                .player_events_after(player, after, Some(page))
                .await
                .unwrap_or_else(|e| panic!("player_events_after({player}, {after}) failed: {e}"));
            if got.is_empty() {
                return out;
            }
            out.extend(got);
        }
    }

    /// The stored mails of `player`'s box, oldest first, read from the store without
    /// copying broadcasts in.
    pub async fn stored_mails(&self, player: &PlayerId) -> Vec<Mail> {
        self.gh
            .store()
            .mailbox(player)
            .await
            .unwrap_or_else(|e| panic!("store mailbox of {player} failed: {e}"))
            .1
    }

    /// Asserts that `before` (taken with the same `players`) still describes the state:
    /// the call in between changed nothing. `what` names the call in the failure.
    pub async fn assert_unchanged(&self, before: &Snapshot, players: &[&PlayerId], what: &str) {
        let after = self.snapshot(players).await;
        before.assert_same(&after, &format!("{what} (store '{}')", self.kind));
    }
}

/// Opens the store at `url`, panicking with a clear message when it cannot be opened.
async fn open_or_fail(kind: StoreKind, url: &str) -> Arc<dyn guildhall_core::ports::Store> {
    guildhall_adapters::open_store(url).await.unwrap_or_else(|e| {
        panic!(
            "store '{kind}' is selected by GUILDHALL_TEST_STORES but cannot be opened at {url}: {e} \
             (run with GUILDHALL_TEST_STORES naming only the stores that are available)"
        )
    })
}

/// Document kinds the snapshot captures whole: parties, memberships, tickets, matches,
/// match indexes, ratings, friend documents, block lists, groups, group memberships and
/// group name claims.
pub const DOC_KINDS: &[&str] = &[
    "party",
    "party_of",
    "ticket",
    "ticket_of",
    "match",
    "match_of",
    "rating",
    "friends",
    "blocks",
    "group",
    "groups_of",
    "group_name",
    "leaderboard",
    "lb_score",
    "lb_period",
    "lb_open",
    "lb_entrants",
    "lb_entry",
    "achievement",
    "achievement_catalog",
    "achievement_progress",
    "trade",
    "trades_of",
    "trade_open",
    "trade_recent",
    // Characters and the account bank.
    "character",
    "characters_of",
    "character_name",
    "account_bank_items",
    "equipment",
    "loot_table",
    "loot_catalog",
    "loot_result",
    "loot_roll",
    "loot_roll_due",
    "room",
    "room_of",
    "room_idle",
    "room_log",
    "payment",
    "payment_log",
];

/// Everything observable: wallets, full histories, inventories and stored mailboxes of
/// some players, every balance row, every outbox event, the catalog, templates,
/// triggers, every document of [`DOC_KINDS`] and the ledger audit.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Wallets of the players asked for, in order.
    pub wallets: Vec<Wallet>,
    /// Full ledger histories (newest first) of the players asked for.
    pub histories: Vec<Vec<LedgerEntry>>,
    /// Inventories of the players asked for.
    pub inventories: Vec<Vec<InventoryEntry>>,
    /// Every balance row of every account, as (account, currency, amount), sorted.
    pub balances: Vec<(String, String, i64)>,
    /// Every outbox event, oldest first.
    pub events: Vec<Event>,
    /// The whole catalog.
    pub catalog: Vec<CatalogItem>,
    /// The ledger audit.
    pub ledger: LedgerReport,
    /// Stored mailboxes (header and mails, oldest first) of the players asked for, read
    /// from the store without copying broadcasts in.
    pub mailboxes: Vec<(MailboxRow, Vec<Mail>)>,
    /// Every template.
    pub templates: Vec<Template>,
    /// Every trigger.
    pub triggers: Vec<Trigger>,
    /// Every document of [`DOC_KINDS`], by kind then id.
    pub docs: Vec<Doc>,
}

impl Snapshot {
    /// Panics, naming the first part that differs, unless `other` equals `self`.
    pub fn assert_same(&self, other: &Snapshot, what: &str) {
        assert_eq!(self.wallets, other.wallets, "{what}: wallets changed");
        assert_eq!(
            self.histories, other.histories,
            "{what}: ledger history changed"
        );
        assert_eq!(
            self.inventories, other.inventories,
            "{what}: inventory changed"
        );
        assert_eq!(
            self.balances, other.balances,
            "{what}: balance rows changed"
        );
        assert_eq!(
            self.events.len(),
            other.events.len(),
            "{what}: events were added or removed"
        );
        assert_eq!(self.events, other.events, "{what}: events changed");
        assert_eq!(self.catalog, other.catalog, "{what}: catalog changed");
        assert_eq!(self.ledger, other.ledger, "{what}: ledger audit changed");
        assert_eq!(self.mailboxes, other.mailboxes, "{what}: a mailbox changed");
        assert_eq!(self.templates, other.templates, "{what}: templates changed");
        assert_eq!(self.triggers, other.triggers, "{what}: triggers changed");
        assert_eq!(self.docs, other.docs, "{what}: documents changed");
    }
}

/// Panics unless `result` is an error with `code`; returns the error.
#[track_caller]
pub fn expect_code<T: fmt::Debug>(result: Result<T, Error>, code: ErrorCode) -> Error {
    match result {
        Ok(v) => panic!("expected {code}, got success: {v:?}"),
        Err(e) => {
            assert_eq!(
                e.code, code,
                "expected {code}, got {e} (details {})",
                e.details
            );
            e
        }
    }
}

/// Runs one conformance case against `kind`: returns at once when `kind` is not
/// selected, otherwise builds a fresh [`Fixture`] (panicking when the store is
/// unreachable) and awaits `case` with it.
pub async fn run_case<F, Fut>(kind: StoreKind, name: &str, case: F)
where
    F: FnOnce(Fixture) -> Fut,
    Fut: Future<Output = ()>,
{
    run_case_with(kind, name, standard_config, case).await;
}

/// Runs one conformance case against `kind` with a fixture built from `config()`
/// instead of [`standard_config`]; otherwise as [`run_case`].
pub async fn run_case_with<C, F, Fut>(kind: StoreKind, name: &str, config: C, case: F)
where
    C: FnOnce() -> Config,
    F: FnOnce(Fixture) -> Fut,
    Fut: Future<Output = ()>,
{
    if !is_selected(kind) {
        eprintln!(
            "conformance case '{name}' on store '{kind}': not selected by GUILDHALL_TEST_STORES"
        );
        return;
    }
    let fixture = Fixture::with_config(kind, config()).await;
    case(fixture).await;
}

/// Stamps out, in a module `$module`, one `#[tokio::test]` per case (an `async fn` of
/// the invoking module), each calling `$run($kind, "<case>", super::<case>)`. The
/// building block of [`conformance!`]; the coordinator suite uses it with its own kinds
/// and runner.
#[macro_export]
macro_rules! cases_per_kind {
    ($module:ident, $kind:expr, $run:path, [$($case:ident),* $(,)?]) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    $run($kind, stringify!($case), super::$case).await;
                }
            )*
        }
    };
}

/// Generates one test per (case, store kind) of the Store conformance suite: modules
/// `memory`, `sqlite` and `postgres` in the invoking module, each with a test per case
/// run by [`run_case_with`] (so `GUILDHALL_TEST_STORES` selects the kinds that run).
/// A case is an `async fn(Fixture)` of the invoking module; `case => config` names the
/// config function of this crate its fixture is built from (default
/// [`standard_config`]):
///
/// ```text
/// guildhall_tests::conformance!(
///     grant_credits_player,
///     mail_box_caps => modules_config,
/// );
/// ```
#[macro_export]
macro_rules! conformance {
    ($($case:ident $(=> $config:ident)?),* $(,)?) => {
        $crate::conformance!(@store memory, $crate::StoreKind::Memory, [$($case $(=> $config)?),*]);
        $crate::conformance!(@store sqlite, $crate::StoreKind::Sqlite, [$($case $(=> $config)?),*]);
        $crate::conformance!(@store postgres, $crate::StoreKind::Postgres, [$($case $(=> $config)?),*]);
    };
    (@store $module:ident, $kind:expr, [$($case:ident $(=> $config:ident)?),*]) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    $crate::run_case_with(
                        $kind,
                        stringify!($case),
                        $crate::conformance!(@config $($config)?),
                        super::$case,
                    )
                    .await;
                }
            )*
        }
    };
    (@config) => { $crate::standard_config };
    (@config $config:ident) => { $crate::$config };
}

/// Asserts `$call` fails with `$code` and that the state of `$players` and the store is
/// what `$before` (a [`Snapshot`]) captured. Evaluates to the error.
#[macro_export]
macro_rules! refused {
    ($fx:expr, $before:expr, $players:expr, $code:expr, $what:expr, $call:expr) => {{
        let err = $crate::expect_code($call.await, $code);
        $fx.assert_unchanged(&$before, $players, $what).await;
        err
    }};
}

/// `n` seconds.
pub fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

/// Adds an idempotency key to a request.
pub trait WithKey: Sized {
    /// The request with `idempotency_key` set to `key`.
    fn key(self, key: &str) -> Self;
}

macro_rules! with_key {
    ($($t:ty),*) => {$(
        impl WithKey for $t {
            fn key(mut self, key: &str) -> Self {
                self.idempotency_key = Some(key.to_string());
                self
            }
        }
    )*};
}
with_key!(
    GrantRequest,
    SpendRequest,
    TransferRequest,
    PurchaseRequest,
    UseItemRequest,
    GrantItemRequest,
    SendMailRequest,
    SendFriendRequest,
    FriendActionRequest,
    BlockRequest,
    guildhall_core::chat::PostMessageRequest
);

/// [`standard_config`] with the reset time zone Europe/Berlin (the achievement cases:
/// weekly quests across the daylight-saving changes).
pub fn achievements_config() -> Config {
    let mut c = standard_config();
    c.reset_timezone = "Europe/Berlin".parse().expect("known zone");
    c
}

/// [`modules_config`] with at most 2 friends, 2 pending requests each way and 2 blocks.
pub fn small_friends_config() -> Config {
    let mut c = modules_config();
    c.friends = guildhall_core::friends::FriendsConfig {
        max_friends: 2,
        max_pending: 2,
        max_blocked: 2,
    };
    c
}

/// A friend request from `from` to `to`, without a key.
pub fn friend_request(from: &str, to: &str) -> SendFriendRequest {
    SendFriendRequest {
        from: pid(from),
        to: pid(to),
        idempotency_key: None,
    }
}

/// An action of `player` on its relation with `other` (accept, decline, remove).
pub fn friend_action(player: &str, other: &str) -> FriendActionRequest {
    FriendActionRequest {
        player: pid(player),
        other: pid(other),
        idempotency_key: None,
    }
}

/// A block (or unblock) of `blocked` by `blocker`.
pub fn block(blocker: &str, blocked: &str) -> BlockRequest {
    BlockRequest {
        blocker: pid(blocker),
        blocked: pid(blocked),
        idempotency_key: None,
    }
}

/// A grant of `amount` `currency` to `player` with the default source and reason.
pub fn grant(player: &str, currency: &str, amount: i64) -> GrantRequest {
    GrantRequest {
        player: pid(player),
        currency: currency.into(),
        amount,
        source: None,
        reason: None,
        metadata: serde_json::Value::Null,
        idempotency_key: None,
    }
}

/// A spend of `amount` `currency` by `player` with the default sink and reason.
pub fn spend(player: &str, currency: &str, amount: i64) -> SpendRequest {
    SpendRequest {
        player: pid(player),
        currency: currency.into(),
        amount,
        sink: None,
        reason: None,
        metadata: serde_json::Value::Null,
        idempotency_key: None,
    }
}

/// A transfer of `amount` `currency` from `from` to `to` with the default reason.
pub fn transfer(from: &str, to: &str, currency: &str, amount: i64) -> TransferRequest {
    TransferRequest {
        from: pid(from),
        to: pid(to),
        currency: currency.into(),
        amount,
        reason: None,
        metadata: serde_json::Value::Null,
        idempotency_key: None,
    }
}

/// A purchase of `quantity` units of `item` by `player`.
pub fn purchase(player: &str, item: &str, quantity: i64) -> PurchaseRequest {
    PurchaseRequest {
        player: pid(player),
        item_id: item.into(),
        quantity,
        metadata: serde_json::Value::Null,
        idempotency_key: None,
    }
}

/// A use of `quantity` units of `item` by `player`.
pub fn use_item(player: &str, item: &str, quantity: i64) -> UseItemRequest {
    UseItemRequest {
        player: pid(player),
        item_id: item.into(),
        quantity,
        idempotency_key: None,
    }
}

/// A grant of `quantity` units of `item` to `player` with the default reason.
pub fn grant_item(player: &str, item: &str, quantity: i64) -> GrantItemRequest {
    GrantItemRequest {
        player: pid(player),
        item_id: item.into(),
        quantity,
        reason: None,
        idempotency_key: None,
    }
}

/// Runs `call` with a clone of `gh` on a blocking thread of the current (multi-thread)
/// runtime, in parallel with the caller and with other spawned calls; await the handle
/// for its output.
///
/// `tokio::spawn` cannot take these calls: the futures of `Guildhall`'s mutating calls
/// are not `Send` (rustc cannot prove `Send` through the async closures that
/// `Guildhall::execute` takes), so each call is driven by `Handle::block_on` on its own
/// thread instead.
pub fn spawn_call<T, F, Fut>(gh: &Guildhall, call: F) -> tokio::task::JoinHandle<T>
where
    F: FnOnce(Guildhall) -> Fut + Send + 'static,
    Fut: Future<Output = T>,
    T: Send + 'static,
{
    let gh = gh.clone();
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(call(gh)))
}

// ----- Mail, announcements, parties and matchmaking -----

/// The reset time zone of [`modules_config`].
pub const MODULES_TIMEZONE: &str = "Europe/Moscow";

/// [`modules_config`] with chat limits for the chat cases: 1,000 messages per 10 s (so
/// only the rate-limit case meets the limit, which runs on [`modules_config`]'s default
/// 5 per 10 s) and the masked word `darn`.
pub fn chat_config() -> Config {
    let mut config = modules_config();
    config.chat.rate_limit = 1000;
    config.chat.masked_words = vec!["darn".into()];
    config
}

/// A chat post of `body` by `player` to `channel`, without metadata or key.
pub fn chat_post(
    player: &str,
    channel: &str,
    body: &str,
) -> guildhall_core::chat::PostMessageRequest {
    guildhall_core::chat::PostMessageRequest {
        player: pid(player),
        channel: channel.into(),
        body: body.into(),
        metadata: None,
        idempotency_key: None,
    }
}

/// [`standard_config`] with reset time zone [`MODULES_TIMEZONE`], default mail and party
/// limits, and two queues:
///
/// | queue | teams x size | properties | window (initial, per s, max) | max wait |
/// |---|---|---|---|---|
/// | `duel` | 2 x 1 (Glicko-2) | `region` | 100, 10, 400 | 60 s |
/// | `squad` | 2 x 3 (Weng-Lin) | none | 50, 1, 50 | 300 s |
pub fn modules_config() -> Config {
    let mut config = standard_config();
    config.reset_timezone = MODULES_TIMEZONE.parse().expect("known zone");
    config.queues = vec![
        QueueConfig {
            name: "duel".into(),
            teams: 2,
            team_size: 1,
            party_sizes: vec![],
            properties: vec!["region".into()],
            window: RatingWindow {
                initial: 100.0,
                widen_per_sec: 10.0,
                max: 400.0,
            },
            max_wait_secs: 60,
            rating: None,
        },
        QueueConfig {
            name: "squad".into(),
            teams: 2,
            team_size: 3,
            party_sizes: vec![],
            properties: vec![],
            window: RatingWindow {
                initial: 50.0,
                widen_per_sec: 1.0,
                max: 50.0,
            },
            max_wait_secs: 300,
            rating: None,
        },
    ];
    config.validate().expect("modules config is valid");
    config
}

/// [`modules_config`] counting periods in Europe/Berlin (daylight saving on the last
/// Sunday of March).
pub fn berlin_config() -> Config {
    let mut config = modules_config();
    config.reset_timezone = "Europe/Berlin".parse().expect("known zone");
    config
}

/// A system mail without attachments.
pub fn system_mail(to: &str, subject: &str) -> SendMailRequest {
    SendMailRequest {
        from: Sender::system(),
        to: pid(to),
        subject: subject.into(),
        body: String::new(),
        attachments: Attachments::default(),
        expires_in_secs: None,
        idempotency_key: None,
    }
}

/// A system mail carrying `gold` gold (none when 0) and `items` (item id, quantity).
pub fn gift_mail(to: &str, subject: &str, gold: i64, items: &[(&str, i64)]) -> SendMailRequest {
    let mut req = system_mail(to, subject);
    req.attachments = attachments(gold, items);
    req
}

/// Attachments of `gold` gold (none when 0) and `items`.
pub fn attachments(gold: i64, items: &[(&str, i64)]) -> Attachments {
    Attachments {
        currencies: if gold > 0 {
            vec![CurrencyAttachment {
                currency: "gold".into(),
                amount: gold,
            }]
        } else {
            vec![]
        },
        items: items
            .iter()
            .map(|(id, q)| ItemAttachment {
                item_id: (*id).into(),
                quantity: *q,
            })
            .collect(),
    }
}

/// A mail from player `from` to player `to`.
pub fn player_mail(from: &str, to: &str, subject: &str) -> SendMailRequest {
    SendMailRequest {
        from: Sender::player(&pid(from)),
        to: pid(to),
        subject: subject.into(),
        body: "hello".into(),
        attachments: Attachments::default(),
        expires_in_secs: None,
        idempotency_key: None,
    }
}

/// A broadcast from the system to `recipients` (none: everyone).
pub fn broadcast(subject: &str, gold: i64, recipients: Option<&[&str]>) -> BroadcastRequest {
    BroadcastRequest {
        from: Sender::system(),
        subject: subject.into(),
        body: String::new(),
        attachments: attachments(gold, &[]),
        expires_in_secs: None,
        recipients: recipients.map(|r| r.iter().map(|p| pid(p)).collect()),
        idempotency_key: None,
    }
}

/// A template.
pub fn template(id: &str, body: &str) -> Template {
    Template {
        id: id.into(),
        body: body.into(),
    }
}

/// A trigger on event `login` for every player (audience `player`, no target), kind
/// `announcement`, no window, with `variables` given as (name, text) pairs.
pub fn trigger(
    id: &str,
    template_id: &str,
    cap: FrequencyCap,
    priority: i32,
    variables: &[(&str, &str)],
) -> Trigger {
    Trigger {
        id: id.into(),
        event: "login".into(),
        template_id: template_id.into(),
        variables: variables
            .iter()
            .map(|(k, v)| ((*k).to_string(), serde_json::Value::String((*v).into())))
            .collect(),
        audience: AudienceKind::Player,
        target: None,
        kind: MessageKind::Announcement,
        starts_at: None,
        ends_at: None,
        cap,
        priority,
        cancelled: false,
        send_at: None,
        sent_at: None,
        created_at: DateTime::<Utc>::UNIX_EPOCH,
    }
}

/// Fires `event` for `player` at an empty location (so only audience `player` matches).
pub fn fire(player: &str, event: &str) -> FireRequest {
    FireRequest {
        player: pid(player),
        event: event.into(),
        location: Some(Location::default()),
        variables: Default::default(),
    }
}

/// A solo `duel` ticket in region `eu`.
pub fn duel(player: &str) -> QueueRequest {
    QueueRequest {
        player: pid(player),
        queue: "duel".into(),
        with_party: false,
        properties: [("region".to_string(), "eu".to_string())].into(),
    }
}

/// A `squad` ticket, for `player` alone or (`with_party`) the party they lead.
pub fn squad(player: &str, with_party: bool) -> QueueRequest {
    QueueRequest {
        player: pid(player),
        queue: "squad".into(),
        with_party,
        properties: Default::default(),
    }
}

// ----- Shared services: the coordinator suite and the many-hosts tests -----

/// The Redis the coordinator suite and the many-hosts tests use:
/// `GUILDHALL_TEST_REDIS_URL`, else `REDIS_URL`, else `redis://127.0.0.1:6379`.
pub fn redis_url() -> String {
    std::env::var("GUILDHALL_TEST_REDIS_URL")
        .or_else(|_| std::env::var("REDIS_URL"))
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_string())
}

/// Deletes, when dropped (also when a test panics), every Redis key matching its
/// patterns, so runs sharing one Redis leave nothing behind.
pub struct RedisKeys {
    url: String,
    patterns: Vec<String>,
}

impl RedisKeys {
    /// A guard for the keys matching `patterns` (Redis glob patterns).
    pub fn new(patterns: Vec<String>) -> Self {
        Self {
            url: redis_url(),
            patterns,
        }
    }

    /// A fresh random key prefix (`guildhall-test:<uuid>:`) and the guard of its keys.
    pub fn fresh_prefix() -> (String, Self) {
        use guildhall_core::ports::{Ids, UuidIds};
        let prefix = format!("guildhall-test:{}:", UuidIds.next_id());
        let guard = Self::new(vec![format!("{prefix}*")]);
        (prefix, guard)
    }
}

impl Drop for RedisKeys {
    fn drop(&mut self) {
        let Ok(client) = redis::Client::open(self.url.as_str()) else {
            return;
        };
        let Ok(mut c) = client.get_connection_with_timeout(std::time::Duration::from_secs(2))
        else {
            return;
        };
        for pattern in &self.patterns {
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(pattern)
                .query(&mut c)
                .unwrap_or_default();
            if !keys.is_empty() {
                let _: redis::RedisResult<()> = redis::cmd("DEL").arg(keys).query(&mut c);
            }
        }
    }
}

/// The Postgres server fresh databases are made on: `GUILDHALL_TEST_POSTGRES_URL`, else
/// `DATABASE_URL`, else `postgres://postgres@127.0.0.1:5432/postgres` (its user must be
/// allowed to `CREATE DATABASE`).
pub fn postgres_admin_url() -> String {
    std::env::var("GUILDHALL_TEST_POSTGRES_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A fresh, empty Postgres database, dropped with the returned guard. Panics with a
/// message naming the server when it cannot be reached.
pub async fn fresh_postgres() -> guildhall_adapters::postgres::TestDatabase {
    let admin = postgres_admin_url();
    guildhall_adapters::postgres::TestDatabase::create(&admin)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "these tests need a Postgres server at {admin} (set GUILDHALL_TEST_POSTGRES_URL \
                 or DATABASE_URL to one whose user may CREATE DATABASE): {e}"
            )
        })
}

/// Stripe secret of [`payments_config`].
pub const STRIPE_TEST_SECRET: &str = "whsec_conformance";

/// [`standard_config`] with Stripe (secret [`STRIPE_TEST_SECRET`]) and two products:
/// `gems_100` (100 gems) and `potions` (25 gold and 2 potions).
pub fn payments_config() -> Config {
    use guildhall_core::payments::{PaymentProduct, ProductItem, Secret, StripeConfig};
    let mut c = standard_config();
    c.payments.stripe = Some(StripeConfig {
        secrets: vec![Secret(STRIPE_TEST_SECRET.into())],
    });
    c.payments.products = vec![
        PaymentProduct {
            id: "gems_100".into(),
            currency: Some("gems".into()),
            amount: Some(100),
            items: vec![],
        },
        PaymentProduct {
            id: "potions".into(),
            currency: Some("gold".into()),
            amount: Some(25),
            items: vec![ProductItem {
                item_id: "potion".into(),
                quantity: 2,
            }],
        },
    ];
    c.downloads.max_file_bytes = 1024;
    c
}

/// A score submission of `player` to `board` (no partition, no idempotency key).
pub fn lb_submit(
    board: &str,
    player: &str,
    score: i64,
) -> guildhall_core::leaderboards::SubmitScoreRequest {
    guildhall_core::leaderboards::SubmitScoreRequest {
        board: board.into(),
        partition: None,
        player: pid(player),
        score,
        idempotency_key: None,
    }
}

/// The first page of `board`'s current standings, `limit` records.
pub fn lb_top(board: &str, limit: u32) -> guildhall_core::leaderboards::StandingsQuery {
    guildhall_core::leaderboards::StandingsQuery {
        board: board.into(),
        limit: Some(limit),
        ..Default::default()
    }
}

/// `player`'s standing on `board` in the current period with `n` neighbours each side.
pub fn lb_standing(
    board: &str,
    player: &str,
    n: u32,
) -> guildhall_core::leaderboards::PlayerStandingQuery {
    guildhall_core::leaderboards::PlayerStandingQuery {
        board: board.into(),
        partition: None,
        period: None,
        player: pid(player),
        neighbours: Some(n),
    }
}
