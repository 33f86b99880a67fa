//! The JavaScript shapes of requests and results. The `#[napi(object)]` structs here
//! exist to describe them: `napi build` turns each into a TypeScript interface in
//! `index.d.ts` (fields in camelCase). At run time values travel as JSON through
//! [`crate::convert`], into and out of the core's own types, so these mirror
//! `guildhall_core`'s request and result structs field for field.
//!
//! Amounts are integers in the currency's smallest unit (JavaScript numbers; keep them
//! within `Number.MAX_SAFE_INTEGER`). A fractional amount is `INVALID_ARGUMENT`. Times
//! are ISO-8601 strings in UTC.
#![allow(dead_code)]

use napi_derive::napi;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

// ----- argument shapes read by the methods (not exported) -----

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeyArg {
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct PartyArg {
    #[serde(default)]
    pub open: Option<bool>,
}

// ----- opening -----

/// Options of `Guildhall.open`.
#[napi(object)]
pub struct OpenOptions {
    /// `sqlite://FILE`, `sqlite::memory:`, `postgres://...` or `memory://` (default:
    /// `GUILDHALL_DATABASE_URL`, else the config's `database`, else `sqlite://guildhall.db`).
    pub database: Option<String>,
    /// `redis://HOST:PORT`: share events, sessions, cache, leases across instances
    /// (default: `GUILDHALL_REDIS_URL`, else the config's `redis`, else none).
    pub redis: Option<String>,
    /// The host's config (TOML shape) as an object, or the path of its TOML file.
    #[napi(ts_type = "GuildhallConfig | string")]
    pub config: Option<Value>,
    /// Keep an in-process read cache of wallets and inventories (invalidated on every
    /// commit here). Only when this process is the database's only writer; refused
    /// (`INVALID_ARGUMENT`) with Redis, whose cache is shared. Default false.
    pub cache: Option<bool>,
}

/// Options of `Guildhall.connect`.
#[napi(object)]
pub struct ConnectOptions {
    /// Sent as `Authorization: Bearer <apiKey>`.
    pub api_key: Option<String>,
    /// Per-request timeout, milliseconds (default 30000).
    pub timeout_ms: Option<u32>,
}

/// The config of SPEC.md "Configuration" (keys snake_case as in the TOML file, or camelCase).
#[napi(object)]
pub struct GuildhallConfig {
    /// Checked and ignored (a host setting).
    pub listen: Option<String>,
    /// Database URL used when `open` names none.
    pub database: Option<String>,
    /// Redis URL used when `open` names none.
    pub redis: Option<String>,
    /// Prefix of every Redis key of this deployment (default `guildhall:`).
    pub redis_prefix: Option<String>,
    /// IANA zone of daily/weekly/monthly periods (default UTC).
    pub reset_timezone: Option<String>,
    /// Currencies; the first is the default. None: one currency, `gold`.
    pub currencies: Option<Vec<CurrencyConfig>>,
    /// Catalog items, inserted or updated at open.
    pub catalog: Option<Vec<CatalogItem>>,
    /// A TOML file of more `[[catalog]]` entries.
    pub catalog_file: Option<String>,
    pub idempotency_retention_secs: Option<i64>,
    pub event_retention_secs: Option<i64>,
    pub session_timeout_secs: Option<i64>,
    pub mail: Option<MailConfig>,
    pub party: Option<PartyConfig>,
    pub queues: Option<Vec<QueueConfig>>,
    /// Rating parameters: `{ glicko2: { rating, deviation, volatility, tau }, wengLin: { mu,
    /// sigma, beta, kappa, tau } }`, every key optional (openskill's defaults for Weng-Lin).
    pub ratings: Option<Value>,
    /// Checked and ignored (the host's background jobs).
    pub schedule: Option<Value>,
    /// `[auth]`: `whitelist`, `refreshTtlSecs` and `minPasswordLen` apply to the core;
    /// the other keys are checked and ignored (the host's tokens, CORS, rate limits).
    pub auth: Option<Value>,
    /// Checked and ignored (the host's seed 002 drop-in, `anonymous_from`).
    pub compat: Option<Value>,
    /// Retries after a commit conflict (default 32).
    pub max_retries: Option<u32>,
    /// Change sets per group commit (default 128).
    pub max_batch: Option<u32>,
    /// Seconds another process waits before taking the matchmaking tick over (default 5).
    pub matchmaking_lease_secs: Option<i64>,
}

#[napi(object)]
pub struct CurrencyConfig {
    pub code: String,
    pub max_balance: Option<i64>,
}

#[napi(object)]
pub struct MailConfig {
    pub store_cap: Option<u32>,
    pub list_cap: Option<u32>,
    pub evict_to: Option<u32>,
    pub player_daily_limit: Option<i64>,
    pub max_subject: Option<u32>,
    pub max_body: Option<u32>,
}

#[napi(object)]
pub struct PartyConfig {
    pub max_size: Option<u32>,
    pub invite_ttl_secs: Option<i64>,
}

#[napi(object)]
pub struct RatingWindow {
    pub initial: f64,
    pub widen_per_sec: f64,
    pub max: f64,
}

#[napi(object)]
pub struct QueueConfig {
    pub name: String,
    pub teams: u32,
    pub team_size: u32,
    pub party_sizes: Option<Vec<u32>>,
    pub properties: Option<Vec<String>>,
    pub window: RatingWindow,
    pub max_wait_secs: i64,
    #[napi(ts_type = "'glicko2' | 'weng_lin'")]
    pub rating: Option<String>,
}

// ----- economy -----

#[napi(object)]
pub struct GrantRequest {
    pub player: String,
    pub currency: String,
    pub amount: i64,
    /// System account debited (default `rewards`).
    pub source: Option<String>,
    pub reason: Option<String>,
    pub metadata: Option<Value>,
    pub idempotency_key: Option<String>,
}

#[napi(object)]
pub struct SpendRequest {
    pub player: String,
    pub currency: String,
    pub amount: i64,
    /// System account credited (default `sink`).
    pub sink: Option<String>,
    pub reason: Option<String>,
    pub metadata: Option<Value>,
    pub idempotency_key: Option<String>,
}

#[napi(object)]
pub struct TransferRequest {
    pub from: String,
    pub to: String,
    pub currency: String,
    pub amount: i64,
    pub reason: Option<String>,
    pub metadata: Option<Value>,
    pub idempotency_key: Option<String>,
}

#[napi(object)]
pub struct BalanceChange {
    pub transaction_id: String,
    pub player: String,
    pub currency: String,
    pub amount: i64,
    pub balance: i64,
    pub replayed: bool,
}

#[napi(object)]
pub struct TransferResult {
    pub transaction_id: String,
    pub from: String,
    pub to: String,
    pub currency: String,
    pub amount: i64,
    pub from_balance: i64,
    pub to_balance: i64,
    pub replayed: bool,
}

#[napi(object)]
pub struct Balance {
    pub currency: String,
    pub amount: i64,
}

#[napi(object)]
pub struct Wallet {
    pub player: String,
    pub balances: Vec<Balance>,
}

#[napi(object)]
pub struct HistoryFilter {
    pub currency: Option<String>,
    #[napi(ts_type = "'grant' | 'spend' | 'transfer' | 'purchase'")]
    pub kind: Option<String>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
    /// 1-200, default 50.
    pub limit: Option<u32>,
}

#[napi(object)]
pub struct LedgerEntry {
    pub seq: i64,
    pub id: String,
    pub transaction_id: String,
    pub at: String,
    pub day: String,
    #[napi(ts_type = "'grant' | 'spend' | 'transfer' | 'purchase'")]
    pub kind: String,
    pub currency: String,
    /// `player:<id>` or `system:<name>`.
    pub debit: String,
    pub credit: String,
    pub amount: i64,
    pub reason: String,
    pub metadata: Option<Value>,
    pub item_id: Option<String>,
    pub quantity: Option<i64>,
}

#[napi(object)]
pub struct HistoryPage {
    pub entries: Vec<LedgerEntry>,
    pub next_cursor: Option<String>,
}

#[napi(object)]
pub struct LedgerMismatch {
    pub account: String,
    pub currency: String,
    pub balance: i64,
    pub ledger: i64,
}

#[napi(object)]
pub struct LedgerReport {
    pub ok: bool,
    pub accounts_checked: u32,
    pub mismatches: Vec<LedgerMismatch>,
    /// `[currency, sum]` pairs.
    #[napi(ts_type = "Array<[string, number]>")]
    pub unbalanced_currencies: Value,
}

// ----- catalog and inventory -----

#[napi(object)]
pub struct Price {
    pub currency: String,
    pub amount: i64,
}

#[napi(object)]
pub struct CatalogItem {
    pub id: String,
    pub name: String,
    #[napi(ts_type = "'consumable' | 'durable'")]
    pub kind: String,
    /// None: not for sale.
    pub price: Option<Price>,
    pub max_stack: Option<i64>,
    /// Default true.
    pub active: Option<bool>,
    pub metadata: Option<Value>,
}

#[napi(object)]
pub struct PurchaseRequest {
    pub player: String,
    pub item_id: String,
    /// Default 1.
    pub quantity: Option<i64>,
    pub metadata: Option<Value>,
    pub idempotency_key: Option<String>,
}

#[napi(object)]
pub struct PurchaseResult {
    pub transaction_id: String,
    pub player: String,
    pub item_id: String,
    pub quantity: i64,
    pub currency: String,
    pub amount: i64,
    pub balance: i64,
    pub item_quantity: i64,
    pub replayed: bool,
}

#[napi(object)]
pub struct UseItemRequest {
    pub player: String,
    pub item_id: String,
    pub quantity: Option<i64>,
    pub idempotency_key: Option<String>,
}

#[napi(object)]
pub struct GrantItemRequest {
    pub player: String,
    pub item_id: String,
    pub quantity: Option<i64>,
    pub reason: Option<String>,
    pub idempotency_key: Option<String>,
}

#[napi(object)]
pub struct ItemChange {
    pub transaction_id: String,
    pub player: String,
    pub item_id: String,
    pub quantity: i64,
    pub remaining: i64,
    pub replayed: bool,
}

#[napi(object)]
pub struct InventoryEntry {
    pub item_id: String,
    pub name: String,
    #[napi(ts_type = "'consumable' | 'durable'")]
    pub kind: String,
    pub quantity: i64,
    pub acquired_at: String,
}

#[napi(object)]
pub struct PopularItemsQuery {
    /// ISO time, default 24 hours before `to`.
    pub from: Option<String>,
    /// ISO time, default now (the core's clock).
    pub to: Option<String>,
    /// 1-100, default 10.
    pub limit: Option<u32>,
}

#[napi(object)]
pub struct PopularItem {
    pub item_id: String,
    pub total_quantity: i64,
    pub purchases: i64,
}

#[napi(object)]
pub struct RevenueQuery {
    /// `YYYY-MM-DD`, default 29 days before `to`.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, default today in the reset time zone.
    pub to: Option<String>,
}

#[napi(object)]
pub struct DailyRevenue {
    pub day: String,
    pub currency: String,
    pub amount: i64,
    pub purchases: i64,
}

// ----- mail -----

#[napi(object)]
pub struct Sender {
    #[napi(ts_type = "'player' | 'system' | 'admin'")]
    pub kind: String,
    /// The player id (player) or operator name (admin).
    pub id: Option<String>,
}

#[napi(object)]
pub struct CurrencyAttachment {
    pub currency: String,
    pub amount: i64,
}

#[napi(object)]
pub struct ItemAttachment {
    pub item_id: String,
    pub quantity: i64,
}

#[napi(object)]
pub struct Attachments {
    pub currencies: Option<Vec<CurrencyAttachment>>,
    pub items: Option<Vec<ItemAttachment>>,
}

#[napi(object)]
pub struct SendMailRequest {
    pub from: Sender,
    pub to: String,
    pub subject: String,
    pub body: Option<String>,
    pub attachments: Option<Attachments>,
    pub expires_in_secs: Option<i64>,
    pub idempotency_key: Option<String>,
}

#[napi(object)]
pub struct BroadcastRequest {
    pub from: Sender,
    pub subject: String,
    pub body: Option<String>,
    pub attachments: Option<Attachments>,
    pub expires_in_secs: Option<i64>,
    /// Only these players; none: every player who exists when it is sent.
    pub recipients: Option<Vec<String>>,
    /// Same key and request again: the stored broadcast, `replayed`; nothing stored twice.
    pub idempotency_key: Option<String>,
}

#[napi(object)]
pub struct Mail {
    pub id: String,
    pub player: String,
    pub sender: Sender,
    pub subject: String,
    pub body: String,
    pub attachments: Attachments,
    pub sent_at: String,
    pub expires_at: Option<String>,
    pub read_at: Option<String>,
    pub claimed_at: Option<String>,
    pub broadcast_id: Option<String>,
}

#[napi(object)]
pub struct SendMailResult {
    pub mail: Mail,
    /// Ids of older mails removed to make room.
    pub evicted: Vec<String>,
    pub replayed: bool,
}

#[napi(object)]
pub struct Broadcast {
    pub seq: i64,
    pub id: String,
    pub sender: Sender,
    pub subject: String,
    pub body: String,
    pub attachments: Attachments,
    pub sent_at: String,
    pub expires_at: Option<String>,
    pub recipients: Option<Vec<String>>,
    /// True when an idempotency key repeated an earlier broadcast.
    pub replayed: bool,
}

#[napi(object)]
pub struct ClaimResult {
    pub mail: Mail,
    pub balances: Vec<Balance>,
    /// Durable items skipped because the player owned them already.
    pub skipped_items: Vec<String>,
    pub replayed: bool,
}

// ----- announcements and presence -----

#[napi(object)]
pub struct Template {
    pub id: String,
    /// Text with `{name}` placeholders; `{{` and `}}` are literal braces.
    pub body: String,
}

#[napi(object)]
pub struct FrequencyCap {
    #[napi(ts_type = "'once' | 'per_day' | 'per_week' | 'per_month' | 'unlimited'")]
    pub every: String,
    /// For `per_day`, `per_week`, `per_month`.
    pub times: Option<u32>,
}

type AudienceKinds = String;

#[napi(object)]
pub struct TriggerInput {
    pub id: String,
    /// `login`, `register`, `password_changed`, `name_changed`, `online` or a custom name.
    pub event: String,
    pub template_id: String,
    pub variables: Option<HashMap<String, Value>>,
    #[napi(ts_type = "'lobby' | 'server' | 'room' | 'party' | 'player'")]
    pub audience: AudienceKinds,
    pub target: Option<String>,
    #[napi(ts_type = "'marquee' | 'announcement' | 'mail' | 'chat' | 'in_game'")]
    pub kind: String,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub cap: FrequencyCap,
    pub priority: Option<i32>,
    pub cancelled: Option<bool>,
    /// A scheduled announcement goes out once at this time.
    pub send_at: Option<String>,
}

#[napi(object)]
pub struct Trigger {
    pub id: String,
    pub event: String,
    pub template_id: String,
    pub variables: HashMap<String, Value>,
    #[napi(ts_type = "'lobby' | 'server' | 'room' | 'party' | 'player'")]
    pub audience: String,
    pub target: Option<String>,
    #[napi(ts_type = "'marquee' | 'announcement' | 'mail' | 'chat' | 'in_game'")]
    pub kind: String,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub cap: FrequencyCap,
    pub priority: i32,
    pub cancelled: bool,
    pub send_at: Option<String>,
    pub sent_at: Option<String>,
    pub created_at: String,
}

#[napi(object)]
pub struct Location {
    pub lobby: Option<String>,
    pub server: Option<String>,
    pub room: Option<String>,
    pub party: Option<String>,
}

#[napi(object)]
pub struct FireRequest {
    pub player: String,
    pub event: String,
    /// Where the player is; none: from the player's session.
    pub location: Option<Location>,
    /// Values overriding the triggers' variables.
    pub variables: Option<HashMap<String, Value>>,
}

#[napi(object)]
pub struct Message {
    pub trigger_id: String,
    #[napi(ts_type = "'marquee' | 'announcement' | 'mail' | 'chat' | 'in_game'")]
    pub kind: String,
    #[napi(ts_type = "'lobby' | 'server' | 'room' | 'party' | 'player'")]
    pub audience: String,
    pub target: Option<String>,
    pub priority: i32,
    pub text: String,
    pub mail_id: Option<String>,
}

#[napi(object)]
pub struct Session {
    pub player: String,
    pub location: Location,
    pub started_at: String,
    pub last_seen: String,
    pub expires_at: String,
}

// ----- parties -----

#[napi(object)]
pub struct PartyMember {
    pub player: String,
    pub joined_at: String,
}

#[napi(object)]
pub struct Invite {
    pub player: String,
    pub invited_by: String,
    pub expires_at: String,
}

#[napi(object)]
pub struct Party {
    pub id: String,
    pub leader: String,
    pub members: Vec<PartyMember>,
    pub open: bool,
    pub invites: Vec<Invite>,
    pub created_at: String,
}

// ----- matchmaking -----

#[napi(object)]
pub struct QueueRequest {
    pub player: String,
    pub queue: String,
    /// Queue the player's whole party (leader only).
    pub with_party: Option<bool>,
    pub properties: Option<HashMap<String, String>>,
}

#[napi(object)]
pub struct Ticket {
    pub id: String,
    pub queue: String,
    pub players: Vec<String>,
    pub party_id: Option<String>,
    pub properties: HashMap<String, String>,
    pub rating: f64,
    pub created_at: String,
}

#[napi(object)]
pub struct TicketStatus {
    pub ticket: Ticket,
    pub waited_secs: i64,
    pub window: f64,
}

#[napi(object)]
pub struct Rating {
    pub rating: f64,
    pub deviation: f64,
    pub volatility: f64,
    pub games: u32,
}

#[napi(object)]
pub struct MatchResult {
    pub ranks: Vec<u32>,
    pub reported_at: String,
}

#[napi(object)]
pub struct RatingChange {
    pub player: String,
    pub before: Rating,
    pub after: Rating,
}

#[napi(object)]
pub struct MatchRecord {
    pub id: String,
    pub queue: String,
    pub teams: Vec<Vec<String>>,
    pub ticket_ids: Vec<String>,
    pub created_at: String,
    pub result: Option<MatchResult>,
    pub rating_changes: Vec<RatingChange>,
}

#[napi(object)]
pub struct ReportResult {
    pub record: MatchRecord,
    pub replayed: bool,
}

// ----- events -----

/// A domain event (SPEC.md Events).
#[napi(object)]
pub struct GuildhallEvent {
    /// Position in the outbox; resume after the last one seen.
    pub seq: i64,
    pub id: String,
    /// `currency_granted`, `item_purchased`, `mail_received`, `party_joined`, ...
    pub kind: String,
    pub at: String,
    pub players: Vec<String>,
    pub payload: Value,
}

/// The error every method rejects with (an `Error` named `GuildhallError`).
#[napi(object)]
pub struct GuildhallErrorShape {
    #[napi(
        ts_type = "'INVALID_ARGUMENT' | 'NOT_FOUND' | 'INSUFFICIENT_FUNDS' | 'BALANCE_LIMIT' | 'ALREADY_OWNED' | 'NOT_OWNED' | 'NOT_CONSUMABLE' | 'INSUFFICIENT_QUANTITY' | 'STACK_LIMIT' | 'NOT_FOR_SALE' | 'IDEMPOTENCY_CONFLICT' | 'MAIL_SEND_LIMIT' | 'MAIL_NOT_READ' | 'ALREADY_CLAIMED' | 'UNCLAIMED_ATTACHMENTS' | 'PARTY_FULL' | 'ALREADY_IN_PARTY' | 'NOT_IN_PARTY' | 'NOT_PARTY_LEADER' | 'INVITE_EXPIRED' | 'TICKET_EXISTS' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BANNED' | 'RATE_LIMITED' | 'CONFLICT' | 'UNAVAILABLE'"
    )]
    pub code: String,
    pub message: String,
    pub details: Option<Value>,
}
