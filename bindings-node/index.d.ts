/* Types of the `guildhall` package. This header (bindings-node/dts-header.d.ts) declares
   the package's own option shapes; the core's types below it are generated from
   guildhall-core (core-types.d.ts) and the Guildhall class from the Rust sources
   (bindings-node/src) by gen-dts.mjs. Do not edit the rest by hand: `./test.sh` fails
   when it differs from a fresh build. */

/** Every stable error code (SPEC.md "Error codes"). */
export declare const ERROR_CODES: ReadonlyArray<GuildhallErrorShape['code']>

/** Whether the native addon loaded (else only `Guildhall.connect` works). */
export declare const nativeLoaded: boolean

/**
 * What every method rejects with, on either transport: an `Error` named
 * `GuildhallError` with the stable `code` and structured `details`.
 */
export declare class GuildhallError extends Error {
  constructor(code: GuildhallErrorShape['code'], message: string, details?: unknown)
  readonly name: 'GuildhallError'
  readonly code: GuildhallErrorShape['code']
  readonly details: any
}


/**
 * A request as JavaScript may write it: every number may also be a `bigint`. Numbers
 * must be finite, and whole numbers within `Number.MAX_SAFE_INTEGER` (2^53 - 1); a
 * bigint must fit in a signed 64-bit integer. Anything else (NaN, Infinity, a function,
 * a missing argument) rejects with `INVALID_ARGUMENT` whose `details.field` names it.
 * Results always hold numbers: one holding an integer beyond 2^53 - 1 rejects with
 * `BALANCE_LIMIT` (`details: { field, value: '<exact decimal>', completed: true }`)
 * instead of rounding it.
 */
export type Input<T> = T extends number
  ? number | bigint
  : T extends string | boolean | null | undefined
    ? T
    : T extends ReadonlyArray<infer E>
      ? ReadonlyArray<Input<E>>
      : T extends object
        ? { [K in keyof T]: Input<T[K]> }
        : T

/** A wallet as `wallet()` answers it: the balances, plus the same as a map by currency. */
export type WalletView = Wallet & {
  /** `{ gold: 350, gems: 0 }`: every configured currency's amount (not enumerable). */
  readonly byCurrency: Record<string, number>
}

/** Options of `Guildhall.open`. */
export interface OpenOptions {
  /**
   * `sqlite:FILE` (relative), `sqlite:////PATH` (absolute), `sqlite::memory:`,
   * `postgres://...` or `memory://` (default: `GUILDHALL_DATABASE_URL`, else the config's
   * `database`; none of them: `INVALID_ARGUMENT`, and no file is created).
   */
  database?: string
  /**
   * `redis://HOST:PORT`: share events, sessions, cache, leases across instances
   * (default: `GUILDHALL_REDIS_URL`, else the config's `redis`, else none).
   */
  redis?: string
  /**
   * The config file's contents (the host's TOML shape; keys snake_case as in the file,
   * or camelCase) as an object, or the path of a TOML file.
   */
  config?: Input<GuildhallConfig> | string
  /**
   * Keep an in-process read cache of wallets and inventories (invalidated on every
   * commit here). Only when this process is the database's only writer; refused
   * (`INVALID_ARGUMENT`) with Redis, whose cache is shared. Default false.
   */
  cache?: boolean
}

/** Options of `Guildhall.connect`. */
export interface ConnectOptions {
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string
  /** Per-request timeout, milliseconds (default 30000). */
  timeoutMs?: number
  /** How often `onEvent` polls the host's outbox, milliseconds (default 250). */
  pollMs?: number
}

// The core's request and result types as the Node module sees them (camelCase keys).
// Generated from guildhall-core's schemas by guildhall-tests (src/binding_types.rs);
// do not edit: `GUILDHALL_BLESS=1 cargo test -p guildhall-tests --test binding_types`
// rewrites it.

/**
 * An account's bank: every configured currency (zero when never touched) and its
 * item stacks by item id.
 */
export interface AccountBank {
  /** The account. */
  account: string
  /** Balances in configured currency order. */
  balances: Balance[]
  /** Item stacks. */
  items: InventoryEntry[]
}

/**
 * An achievement or quest definition (SPEC.md Achievements and quests), put by an
 * operator with [`crate::Guildhall::put_achievement`].
 */
export interface Achievement {
  counts?: Counts
  /** Description, at most 2000 bytes. */
  description?: string
  /** The counter goal, >= 1: complete when progress reaches it. */
  goal: number
  /** Id, 1-128 bytes, no control characters. */
  id: string
  /** Achievement or quest. */
  kind: AchievementKind
  /**
   * Ids of definitions that must have been completed (at least once) before any
   * progress counts toward this one; progress before that is not kept.
   */
  prerequisites?: string[]
  reset?: ResetSchedule
  /**
   * What a claim grants (currency in smallest units through the ledger from
   * `system:achievements`, reason `achievement_reward`; items into the inventory).
   */
  reward?: Attachments
  /** Title shown to players, 1-200 bytes. */
  title: string
}

/** What a claim granted. */
export interface AchievementClaimResult {
  /** The definition. */
  achievementId: string
  /** The player's balance after, per rewarded currency (smallest units). */
  balances: Balance[]
  /** When claimed, UTC. */
  claimedAt: string
  /** Key of the period claimed (resetting definitions). */
  period?: string
  /** The player. */
  player: string
  /** True when this is the stored result of an earlier call with the same key. */
  replayed: boolean
  /** The reward granted. */
  reward: Attachments
  /**
   * Durable items of the reward the player already owned (not granted again), or
   * that left the catalog.
   */
  skippedItems: string[]
  /** The claim's transaction id (its ledger entries'). */
  transactionId: string
}

/**
 * Whether a definition is a lasting achievement or a quest (usually with a reset).
 * Both follow the same rules; the kind is for the game's display.
 */
export type AchievementKind = 'achievement' | 'quest'

/** A player's standing on one definition ([`crate::Guildhall::player_achievements`]). */
export interface AchievementStatus {
  /** The definition. */
  achievement: Achievement
  /** When the current period's reward was claimed, UTC. */
  claimedAt?: string
  /** When the goal was reached in the current period, UTC. */
  completedAt?: string
  period?: Period
  /** The player. */
  player: string
  /** Progress in the current period, 0 to the goal. */
  progress: number
  /** True when every prerequisite has been completed (progress counts). */
  unlocked: boolean
}

/** Achievement limits (`[achievements]`); missing keys keep their defaults. */
export interface AchievementsConfig {
  /** Definitions at most (default 1000); past it `LIMIT_REACHED`. */
  maxDefinitions?: number
  /** Prerequisites of one definition at most (default 16); past it `INVALID_ARGUMENT`. */
  maxPrerequisites?: number
  /**
   * Seconds a process counts with its in-memory copy of the definitions before it
   * checks the store for a change made by another process (default 1; 0: every
   * commit checks). A change made through the same process applies at once.
   */
  reloadSecs?: number
}

/** What a mail carries; claimed together, once. */
export interface Attachments {
  /** Currency amounts. */
  currencies?: CurrencyAttachment[]
  /** Items. */
  items?: ItemAttachment[]
}

/** Where a message is shown (SPEC.md audience). */
export type AudienceKind = 'lobby' | 'server' | 'room' | 'party' | 'player'

/** `[auth]` as written; every key optional. */
export interface AuthSection {
  /** Host only: access token lifetime, seconds (default 900; 30 to 86400). */
  accessTtlSecs?: number
  /** Host only: `aud` of access tokens (default `guildhall`; 1 to 200 characters). */
  audience?: string
  /** Host only: origins allowed to call from a browser (CORS), `scheme://host[:port]`. */
  corsOrigins?: string[]
  /** Host only: dev mode, a random secret per start when none is configured. */
  dev?: boolean
  /** Host only: `iss` of access tokens (default `guildhall`; 1 to 200 characters). */
  issuer?: string
  /**
   * Host only: HMAC secret of access tokens, 32+ random bytes (prefer
   * `GUILDHALL_JWT_SECRET`).
   */
  jwtSecret?: string
  /** Shortest password accepted (default 8; 8 to 64). */
  minPasswordLen?: number
  rateLimits?: RateLimits
  /** Refresh token lifetime, seconds (default 30 days; 60 to 365 days). */
  refreshTtlSecs?: number
  /** Whitelist mode (seed 003). */
  whitelist?: boolean
}

/** One currency balance of a wallet. */
export interface Balance {
  /** Smallest units. */
  amount: number
  /** Currency code. */
  currency: string
}

/** The outcome of a grant or spend. */
export interface BalanceChangeResult {
  /** Smallest units moved. */
  amount: number
  /** The player's balance after the call. */
  balance: number
  /** Currency code. */
  currency: string
  /** The player. */
  player: string
  /** True when this is the stored result of an earlier call with the same idempotency key. */
  replayed: boolean
  /** Id shared by the call's ledger entries. */
  transactionId: string
}

/**
 * A deposit into or a withdrawal from the account bank by one of its characters:
 * currency (`currency` and `amount`) or an item (`item_id`, `quantity`; a durable
 * moves whole, quantity 1), exactly one of the two. Errors: `NOT_FOUND` (not a live
 * character, unknown item), `INSUFFICIENT_FUNDS`, `INSUFFICIENT_QUANTITY`,
 * `ALREADY_OWNED` (a durable the receiving side holds), `BALANCE_LIMIT`,
 * `STACK_LIMIT`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
 */
export interface BankMoveRequest {
  amount?: number
  /** The character depositing or withdrawing. */
  character: string
  /** Currency code (with `amount`). */
  currency?: string
  /** Idempotency key, scoped to the caller. */
  idempotencyKey?: string
  /** Catalog item id (with an optional `quantity`). */
  itemId?: string
  /** Units of the item, > 0 (default 1; a durable: 1). */
  quantity?: number
  /**
   * Ledger reason of a currency move, 1-64 bytes (default `account_bank_deposit` /
   * `account_bank_withdraw`).
   */
  reason?: string
}

/** The outcome of a bank move. */
export interface BankMoveResult {
  /** The account whose bank it is. */
  account: string
  amount?: number
  bankBalance?: number
  /** Units the bank holds after. */
  bankQuantity?: number
  /** The character. */
  character: string
  characterBalance?: number
  /** Units the character holds after. */
  characterQuantity?: number
  /** Currency moved. */
  currency?: string
  /** Item moved. */
  itemId?: string
  /** Units moved. */
  quantity?: number
  /** True for a replay. */
  replayed: boolean
  /** Id of the call (the ledger entry's transaction id for currency). */
  transactionId: string
  /** The slot the deposited item was equipped in (unequipped in the same commit). */
  unequipped?: string
}

/**
 * Block or unblock a player. A block removes any friendship and pending request
 * between the two in the same commit; blocking a player already blocked, or
 * unblocking one not blocked, changes nothing (`changed: false`). Errors:
 * `INVALID_ARGUMENT` (oneself, bad ids or key), `LIMIT_REACHED` (`max_blocked`),
 * `IDEMPOTENCY_CONFLICT`.
 */
export interface BlockRequest {
  /** The player blocked (or unblocked). */
  blocked: string
  /** The player blocking (or unblocking). */
  blocker: string
  /** Idempotency key (1-255 bytes), scoped to the caller. */
  idempotencyKey?: string
}

/** The outcome of a block or unblock. */
export interface BlockResult {
  /** The player blocked or unblocked. */
  blocked: string
  /** The blocker. */
  blocker: string
  /** False when the block (or its absence) was already so. */
  changed: boolean
  /**
   * True when this is the stored result of an earlier call with the same
   * idempotency key.
   */
  replayed: boolean
  /** True when a friendship between the two ended with this block. */
  unfriended: boolean
}

/**
 * A mail to every player who existed when it was sent, or to listed players, stored
 * once and copied into each box the next time that box is read.
 */
export interface Broadcast {
  /** Attachments each recipient may claim. */
  attachments: Attachments
  /** Body. */
  body: string
  /** Expiry of every copy. */
  expiresAt?: string
  /** Id. */
  id: string
  /**
   * Only these players (each receives it whenever it existed); `None`: every player
   * who existed when it was sent (SPEC.md Clarifications).
   */
  recipients?: string[]
  /**
   * True when this is the stored original of an earlier call with the same
   * idempotency key (nothing was stored again).
   */
  replayed?: boolean
  /** Sender (system or admin). */
  sender: Sender
  /** Send time, UTC. */
  sentAt: string
  /** Store-assigned position (0 before commit); boxes remember the last one copied. */
  seq: number
  /** Subject. */
  subject: string
}

/**
 * Broadcast one mail: to every player who exists when it is sent, or to `recipients`
 * (SPEC.md Clarifications). Errors: as [`SendMailRequest`] (`INVALID_ARGUMENT` also for
 * a player sender or a recipients list of 0 or over 10000; `IDEMPOTENCY_CONFLICT` when
 * the key was used for another request).
 */
export interface BroadcastRequest {
  /** Attachments each recipient may claim. */
  attachments?: Attachments
  /** Body. */
  body?: string
  /** Seconds until every copy expires. */
  expiresInSecs?: number
  /** Sender: system or admin. */
  from: Sender
  /**
   * Idempotency key, 1-255 bytes, scoped to the caller: the same key and request again
   * returns the stored broadcast marked `replayed` and stores nothing; the same key with
   * another request is `IDEMPOTENCY_CONFLICT`.
   */
  idempotencyKey?: string
  /** Only these players; none: every player. */
  recipients?: string[]
  /** Subject. */
  subject: string
}

/** Request of [`crate::Guildhall::cancel_trade`]. */
export interface CancelTradeRequest {
  /** Idempotency key, 1-255 bytes. */
  idempotencyKey?: string
  /** The side cancelling. */
  player: string
  /** The trade. */
  tradeId: string
}

/** A catalog item (SPEC.md Catalog and inventory, seed 002). */
export interface CatalogItem {
  /** Inactive items cannot be bought. */
  active?: boolean
  /** Id, 1-128 bytes without control characters (seed 002's product id). */
  id: string
  /** Consumable or durable. */
  kind: ItemKind
  /** Largest stack a player may hold of a consumable; `None`: unlimited. Ignored for durables (always 1). */
  maxStack?: number
  /** Free-form JSON. */
  metadata?: Record<string, any>
  /** Display name. */
  name: string
  price?: Price
}

/** A character (document kind `character`, id = its player id). */
export interface Character {
  /** The account (player id) that owns it. */
  account: string
  /** Creation time, UTC. */
  createdAt: string
  /** When it was deleted, UTC; `None`: live. */
  deletedAt?: string
  /** The character's player id (its wallet, inventory, mail, party, ratings). */
  id: string
  /** Its name as given (unique without regard to case). */
  name: string
  /**
   * For a deleted character: the end of its restore window, UTC; from then on it is
   * purged (gone from lists, its name free).
   */
  purgeAt?: string
}

/** Deletes, restores or selects one of an account's characters. */
export interface CharacterActionRequest {
  /** The account owning the character. */
  account: string
  /** The character. */
  character: string
  /** Idempotency key, scoped to the caller. */
  idempotencyKey?: string
}

/**
 * An account's characters: the live ones and the deleted ones still in their restore
 * window (with `purge_at`), in creation order.
 */
export interface CharacterList {
  /** The account. */
  account: string
  /** The characters. */
  characters: Character[]
  /** Live characters it owns. */
  live: number
  /** The selected character, when live. */
  selected?: string
  /** Live characters the account may own. */
  slots: number
}

/** The outcome of a create, rename, delete or restore. */
export interface CharacterResult {
  /** The character after the call. */
  character: Character
  /** True for a replay. */
  replayed: boolean
  /** Id of the call. */
  transactionId: string
}

/** The outcome of a select. The HTTP host adds an access token for the character. */
export interface CharacterSelection {
  /** An access token for the character (HTTP host only; `None` elsewhere). */
  accessToken?: string
  /** The account. */
  account: string
  /** The selected character. */
  character: Character
  /** Seconds the token lives (HTTP host only). */
  expiresIn?: number
  /** True for a replay. */
  replayed: boolean
  /** Id of the call. */
  transactionId: string
}

/**
 * Character limits (SPEC.md Characters), configured under `[characters]`; missing keys
 * keep their defaults.
 */
export interface CharactersConfig {
  /**
   * Days a deleted character can be restored, its name kept for it (default 7; 0 to
   * 365; 0: deletion is final at once).
   */
  restoreDays?: number
  /** Live characters an account may own (default 3; 1 to 100). */
  slots?: number
}

/** Chat limits, retention and the masked-word list (SPEC.md Chat), configured under `[chat]`; missing keys keep their defaults. */
export interface ChatConfig {
  /**
   * Words replaced by asterisks wherever they stand as whole words, compared
   * case-insensitively (default none).
   */
  maskedWords?: string[]
  /** Messages one player may post per rate window (default 5). */
  rateLimit?: number
  /** Length of the rate window in seconds (default 10). */
  rateWindowSecs?: number
  /** Seconds a message stays in the history before pruning (default 30 days = 2,592,000). */
  retentionSecs?: number
}

/** One chat message as stored and delivered (SPEC.md Chat). */
export interface ChatMessage {
  /** The text, 1 to 500 characters, masked words replaced by asterisks. */
  body: string
  /**
   * The channel, canonical form (`global`, `room:<id>`, `party:<id>`, `group:<id>`,
   * `direct:<a>:<b>` with `a < b`).
   */
  channel: string
  /** Message id (time-ordered). */
  id: string
  /** Optional JSON the game attaches (null when none). */
  metadata?: any
  /**
   * True when this is the stored original of an earlier call with the same
   * idempotency key (nothing was posted again).
   */
  replayed?: boolean
  /** The player who posted it. */
  sender: string
  /** When it was posted, UTC. */
  sentAt: string
}

/**
 * An admin's mute of a player (SPEC.md Chat: `MUTED` until `until`). Document id = the
 * player id.
 */
export interface ChatMute {
  /** When the mute was set, UTC. */
  mutedAt: string
  /** The muted player. */
  player: string
  /** Why (shown to operators), up to 500 bytes. */
  reason: string
  /** The mute ends at this instant, UTC. */
  until: string
}

/** A page of a channel's history, newest first. */
export interface ChatPage {
  /** The canonical channel name. */
  channel: string
  /** Messages, newest first. */
  messages: ChatMessage[]
  /** Pass as `before` to read the next (older) page; null when this page is the last. */
  nextCursor?: string
}

/** Request of [`crate::Guildhall::claim_achievement`]. */
export interface ClaimAchievementRequest {
  /** The definition. */
  achievementId: string
  /**
   * Idempotency key, 1-255 bytes: the same key and request again returns the stored
   * result marked `replayed`; a different request under it is `IDEMPOTENCY_CONFLICT`.
   */
  idempotencyKey?: string
  /** The player. */
  player: string
}

/** The outcome of a claim. */
export interface ClaimResult {
  /** Balances after, for the currencies credited. */
  balances: Balance[]
  /** The mail after the claim. */
  mail: Mail
  /** True for a replay. */
  replayed: boolean
  /** Durable items skipped because the player already owned them. */
  skippedItems: string[]
}

/** How a one-time code reaches its owner. */
export type CodeChannel = 'webhook' | 'smtp'

/** `[compat]`: the seed 002 drop-in (host only). */
export interface CompatSection {
  /**
   * Networks (CIDR, e.g. `127.0.0.1/32`, `10.0.0.0/8`, `::1/128`) whose callers may
   * use the seed 002 routes without credentials. Default: none (off).
   */
  anonymousFrom?: string[]
}

/** Request of [`crate::Guildhall::confirm_trade`]. */
export interface ConfirmTradeRequest {
  /** Idempotency key, 1-255 bytes. */
  idempotencyKey?: string
  /** The side confirming. */
  player: string
  /** The revision the player saw (not current: `TRADE_CHANGED`). */
  revision: number
  /** The trade. */
  tradeId: string
}

/**
 * Which domain events count toward a goal (SPEC.md: "a domain event kind with an
 * optional filter, e.g. `item_purchased` of item X").
 */
export interface Counts {
  /**
   * The payload field whose value (a positive integer) is added instead of 1, e.g.
   * `quantity` of `item_purchased` or `amount` of `currency_spent` (smallest units).
   * An event without a positive integer there counts nothing.
   */
  amountField?: string
  /**
   * The event kind, e.g. `item_purchased`, `currency_spent`, `rating_updated` (a
   * reported match; its payload has `won` and `rank`), `mail_claimed`. Not an
   * `achievement_*` kind (progress never counts itself).
   */
  event: string
  /**
   * Fields the event's payload must have with exactly these values, e.g.
   * `{"item_id": "sword"}` or `{"currency": "gold"}` or `{"won": true}`. Empty: every
   * event of the kind.
   */
  filter?: Record<string, any>
}

/**
 * Creates a character. Errors: `NOT_FOUND` (no such account), `NAME_TAKEN`,
 * `LIMIT_REACHED`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
 */
export interface CreateCharacterRequest {
  /** The account (a player id with an account). */
  account: string
  /** Idempotency key, scoped to the caller. */
  idempotencyKey?: string
  /**
   * 1 to 32 characters: letters, digits, spaces, `_`, `-`, `'`, `.`; no leading,
   * trailing or double space. Unique without regard to case.
   */
  name: string
}

/** Request of [`crate::Guildhall::create_group`]. */
export interface CreateGroupRequest {
  /** Description, 0-1000 bytes (default empty). */
  description?: string
  /** Kind, 1-32 of `[a-z0-9_]` (default `guild`). */
  kind?: string
  /** Members at most, 2 to `groups.max_members_cap` (default `groups.default_max_members`, 100). */
  maxMembers?: number
  /** Free-form JSON object (default null). */
  metadata?: Record<string, any>
  /**
   * Name: 1-64 bytes, no control characters, no leading or trailing spaces; unique
   * without regard to case (`NAME_TAKEN`).
   */
  name: string
  /** Open: anyone may join (default false: closed, by request or invite). */
  open?: boolean
  /** The creator, who becomes owner. */
  owner: string
}

/** Request of [`crate::Guildhall::create_room`]. */
export interface CreateRoomRequest {
  /** Players it holds at most, 1 to `rooms.max_capacity`. */
  capacity: number
  /**
   * Idempotency key, 1-255 bytes: the same key and request again returns the stored
   * result marked `replayed`; a different request under it is `IDEMPOTENCY_CONFLICT`.
   */
  idempotencyKey?: string
  /** A JSON object, at most `rooms.max_metadata_bytes` as compact JSON (default `{}`). */
  metadata?: Record<string, any>
  /**
   * The creating player, who owns the room and enters it in the same commit (leaving
   * any room they were in); `None`: the system creates an empty room.
   */
  player?: string
  /** The room's type, 1 to 64 bytes without control characters. */
  roomType: string
  /** The game-server address players of this room connect to, 1 to 255 bytes. */
  server?: string
}

/**
 * A configured currency (SPEC.md Economy): code such as `gold`, optional maximum balance
 * (smallest units) a player wallet may hold.
 */
export interface Currency {
  /** Code, 1-32 of `[a-z0-9_]`. */
  code: string
  maxBalance?: number
}

/** Currency attached to a mail: `amount` smallest units, > 0. */
export interface CurrencyAttachment {
  /** Smallest units, > 0. */
  amount: number
  /** Currency code. */
  currency: string
}

/** Purchase revenue of one currency on one day of the reset time zone. */
export interface DailyRevenue {
  /** Sum of purchase amounts, smallest units. */
  amount: number
  /** Currency code. */
  currency: string
  /** Calendar day in the reset time zone. */
  day: string
  /** Number of purchases. */
  purchases: number
}

/** Request of [`crate::Guildhall::destroy_room`]. */
export interface DestroyRoomRequest {
  /** Idempotency key, 1-255 bytes. */
  idempotencyKey?: string
  /** The room. */
  roomId: string
}

/** `[downloads]`; missing keys keep their defaults. */
export interface DownloadsConfig {
  /**
   * Largest file accepted, bytes (default 32 MiB; 1 to 1 GiB). Larger uploads are
   * refused with `LIMIT_REACHED` and store nothing.
   */
  maxFileBytes?: number
}

/** What a drop is. */
export type DropKind = 'item' | 'currency'

/** What became of a drop. */
export type DropStatus = 'preview' | 'granted' | 'capped' | 'already_owned' | 'not_in_catalog' | 'party_roll'

/** Request of [`crate::Guildhall::enter_room`]. */
export interface EnterRoomRequest {
  /** Idempotency key, 1-255 bytes. */
  idempotencyKey?: string
  /** The player entering. */
  player: string
  /** The room. */
  roomId: string
}

/** An entry fee of a tournament, spent through the ledger at join. */
export interface EntryFee {
  /** Smallest units, > 0. */
  amount: number
  /** Currency code (configured). */
  currency: string
}

/** What a ledger entry records (SPEC.md Economy operations). */
export type EntryKind = 'grant' | 'spend' | 'transfer' | 'purchase'

/**
 * Equips an item the player owns into the slot its catalog metadata names
 * (`{"slot": "head"}`); an item in that slot is unequipped. Errors: `NOT_OWNED`,
 * `NOT_FOUND` (unknown item, deleted character), `INVALID_ARGUMENT` (no slot),
 * `IDEMPOTENCY_CONFLICT`.
 */
export interface EquipRequest {
  /** Idempotency key, scoped to the caller. */
  idempotencyKey?: string
  /** Catalog item id of a durable with a slot. */
  itemId: string
  /** The character (any player id but a deleted character's). */
  player: string
}

/** The outcome of an equip or unequip. */
export interface EquipResult {
  /** The equipment after the call. */
  equipment: EquippedItem[]
  /** The item now in the slot (`None` after an unequip). */
  itemId?: string
  /** The player. */
  player: string
  /** The item that left the slot, if any. */
  previous?: string
  /** True for a replay. */
  replayed: boolean
  /** The slot. */
  slot: string
  /** Id of the call. */
  transactionId: string
}

/** A player's equipment, by slot name. An item the player no longer owns is not in it. */
export interface Equipment {
  /** Equipped items by slot name. */
  items: EquippedItem[]
  /** The player. */
  player: string
}

/** One equipped item. */
export interface EquippedItem {
  /** When equipped, UTC. */
  equippedAt: string
  /** Catalog item id. */
  itemId: string
  /** Catalog name (empty when the item left the catalog). */
  name: string
  /** The slot. */
  slot: string
}

/**
 * The stable error codes of SPEC.md. Serialized in `SCREAMING_SNAKE_CASE`
 * (`"INSUFFICIENT_FUNDS"`), the exact string every binding exposes as `code`.
 */
export type ErrorCode = 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'INSUFFICIENT_FUNDS' | 'BALANCE_LIMIT' | 'ALREADY_OWNED' | 'NOT_OWNED' | 'NOT_CONSUMABLE' | 'INSUFFICIENT_QUANTITY' | 'STACK_LIMIT' | 'NOT_FOR_SALE' | 'IDEMPOTENCY_CONFLICT' | 'MAIL_SEND_LIMIT' | 'MAIL_NOT_READ' | 'ALREADY_CLAIMED' | 'UNCLAIMED_ATTACHMENTS' | 'PARTY_FULL' | 'ALREADY_IN_PARTY' | 'NOT_IN_PARTY' | 'NOT_PARTY_LEADER' | 'INVITE_EXPIRED' | 'TICKET_EXISTS' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BANNED' | 'RATE_LIMITED' | 'CONFLICT' | 'UNAVAILABLE' | 'ALREADY_FRIENDS' | 'BLOCKED' | 'LIMIT_REACHED' | 'NAME_TAKEN' | 'GROUP_FULL' | 'NOT_GROUP_MEMBER' | 'GROUP_PERMISSION' | 'MUTED' | 'NOT_CHANNEL_MEMBER' | 'TOURNAMENT_CLOSED' | 'TOURNAMENT_FULL' | 'NOT_COMPLETED' | 'TRADE_CLOSED' | 'TRADE_CHANGED' | 'ROOM_FULL' | 'CODE_INVALID' | 'CODE_EXPIRED'

/** A version with its bytes in base64 (JSON surfaces). */
export interface FileContent {
  /** The bytes, standard base64. */
  contentBase64: string
  /** The version. */
  file: FileMeta
}

/** Files whose current version is newer than a version, oldest change first. */
export interface FileList {
  /** The current version of each changed file, by version ascending. */
  files: FileMeta[]
  /**
   * Pass as `since` to get what changes after this page (the last version listed,
   * or the `since` given when nothing changed).
   */
  latest: number
  /** True when more changed files follow (call again with `since = latest`). */
  more: boolean
}

/** Query of the listing. */
export interface FileListQuery {
  /** Page size, 1-1000 (default 200). */
  limit?: number
  /** Only files whose current version is above this (default 0: every file). */
  since?: number
}

/** One stored version of a file, without its bytes. */
export interface FileMeta {
  /** Media type given at upload (default `application/octet-stream`). */
  contentType: string
  /** When uploaded, UTC. */
  createdAt: string
  /** File name, 1-128 of `[A-Za-z0-9._-]` (not starting with `.`). */
  name: string
  /** SHA-256 of the bytes, lower-case hex: the ETag (quoted in HTTP). */
  sha256: string
  /** Size, bytes. */
  size: number
  /**
   * Global version number (monotonic over every file; the newest version of a name
   * is its current one).
   */
  version: number
}

/** Fire an event for a player. Errors: `INVALID_ARGUMENT` (event name). */
export interface FireRequest {
  /** Event name. */
  event: string
  location?: Location
  /** The player. */
  player: string
  /** Values overriding the triggers' variables (e.g. the player's display name). */
  variables?: Record<string, any>
}

/** How often one trigger may reach one player. */
export type FrequencyCap = {
  every: 'once'
} | {
  every: 'per_day'
  /** `n` times per calendar day of the reset time zone. */
  times: number
} | {
  every: 'per_week'
  /** `n` times per calendar week (from Monday) of the reset time zone. */
  times: number
} | {
  every: 'per_month'
  /** `n` times per calendar month of the reset time zone. */
  times: number
} | {
  every: 'unlimited'
}

/** A friend as listed, with presence from the friend's live session. */
export interface Friend {
  location?: Location
  /** True when the friend has a live session. */
  online: boolean
  /** The friend. */
  player: string
  /** When the friendship began, UTC. */
  since: string
}

/**
 * An action of `player` on its relation with `other`: accept `other`'s request,
 * decline it (or cancel `player`'s own request to `other`), or remove `other` as a
 * friend. Errors: `INVALID_ARGUMENT` (`other` is `player`, bad ids or key),
 * `NOT_FOUND` (no such request or friendship), `LIMIT_REACHED` (accept: either has
 * `max_friends` friends), `IDEMPOTENCY_CONFLICT`.
 */
export interface FriendActionRequest {
  /** Idempotency key (1-255 bytes), scoped to the caller. */
  idempotencyKey?: string
  /** The other player of the request or friendship. */
  other: string
  /** The player acting. */
  player: string
}

/** A player's pending requests both ways, oldest first. */
export interface FriendRequests {
  /** Requests other players sent to this one. */
  incoming: PendingRequest[]
  /** Requests this player sent. */
  outgoing: PendingRequest[]
}

/** Friend limits (SPEC.md Friends), configured under `[friends]`; missing keys keep their defaults. */
export interface FriendsConfig {
  /** Players one player may block at most (default 1000); past it `LIMIT_REACHED`. */
  maxBlocked?: number
  /** Friends per player at most (default 500); past it `LIMIT_REACHED`. */
  maxFriends?: number
  /**
   * Pending requests per player at most (default 100), counted per direction: a
   * player may have this many outgoing requests and this many incoming ones, so a
   * flood of requests to a player never stops it from asking others, and its own
   * asking never stops others from reaching it. Past it `LIMIT_REACHED`.
   */
  maxPending?: number
}

/** Where a pair stands after a friend call. */
export interface FriendshipResult {
  /**
   * False when the call found the pair already as asked and changed nothing (a
   * repeated request).
   */
  changed: boolean
  /**
   * True when the two are friends after the call (a request that accepted the
   * other's, an accept).
   */
  friends: boolean
  /** The other player. */
  other: string
  /** The player who acted (`from` of a request). */
  player: string
  /**
   * True when this is the stored result of an earlier call with the same
   * idempotency key.
   */
  replayed: boolean
  /** True when `player` has a request to `other` pending after the call. */
  requested: boolean
  /** When the friendship began, UTC (when `friends`). */
  since?: string
}

/**
 * Glicko-2 parameters (Glickman, "Example of the Glicko-2 system"). Ratings are on the
 * Glicko scale (1500 at start).
 */
export interface Glicko2Params {
  /** Starting rating deviation, rating points (default 350). */
  deviation?: number
  /** Starting rating, rating points (default 1500). */
  rating?: number
  /** tau, which constrains the change of volatility (default 0.5; Glickman: 0.3 to 1.2). */
  tau?: number
  /** Starting volatility (default 0.06). */
  volatility?: number
}

/**
 * Give items without payment (rewards, mail attachments, admins). Inactive and
 * not-for-sale items may be granted. Errors: `NOT_FOUND`, `ALREADY_OWNED`, `STACK_LIMIT`,
 * `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
 */
export interface GrantItemRequest {
  /**
   * Idempotency key (1-255 bytes), scoped to the caller (the API key, or the player
   * of a token).
   */
  idempotencyKey?: string
  /** Catalog item id. */
  itemId: string
  /** Receiver. */
  player: string
  /** Units, >= 1 (default 1; exactly 1 for a durable). */
  quantity?: number
  /** Why, 1-64 bytes; default `grant`. */
  reason?: string
}

/** One part of a product's grant (a currency amount or units of an item). */
export interface GrantPart {
  /** Smallest units of the currency, or units of the item. */
  amount: number
  /** Currency code (a currency part). */
  currency?: string
  /** Catalog item id (an item part). */
  itemId?: string
}

/**
 * Credit a player from a system source (reward, donation, admin, refund).
 * Errors: `INVALID_ARGUMENT` (amount <= 0, unknown currency, bad source/reason/key),
 * `BALANCE_LIMIT`, `IDEMPOTENCY_CONFLICT`.
 */
export interface GrantRequest {
  /** Smallest units, > 0. */
  amount: number
  /** Currency code. */
  currency: string
  /**
   * Idempotency key (1-255 bytes), scoped to the caller (the API key, or the player
   * of a token). A donation webhook passes the provider's payment id here so a
   * redelivery credits once.
   */
  idempotencyKey?: string
  /** JSON kept with the ledger entry. */
  metadata?: Record<string, any>
  /** Player credited. */
  player: string
  /** Why, 1-64 bytes; default `grant`. */
  reason?: string
  /** System account debited, e.g. `donations` (`system:donations`); default `rewards`. */
  source?: string
}

/** A reward granted at a reset. */
export interface GrantedReward {
  /** The player. */
  player: string
  /** Final rank. */
  rank: number
  /** What was granted. */
  rewards: Attachments
  /** Final score. */
  score: number
}

/** A group (SPEC.md Groups). */
export interface Group {
  /** Creation time, UTC. */
  createdAt: string
  /** Description, 0-1000 bytes. */
  description: string
  /** Id (its bank is the ledger account `group:<id>`). */
  id: string
  /** Pending invites, oldest first. */
  invites: GroupInvite[]
  /** Kind (`guild` by default; per-player limits count per kind). */
  kind: string
  /** Members at most. */
  maxMembers: number
  /** Members in join order. */
  members: GroupMember[]
  /** Free-form JSON object (or null). */
  metadata?: Record<string, any>
  /**
   * Name, unique without regard to case (1-64 bytes, no control characters, no
   * leading or trailing spaces).
   */
  name: string
  /** Open: anyone may join; closed: by request or invite. */
  open: boolean
  /** The owner (always a member with role `owner`). */
  owner: string
  /** Pending join requests, oldest first. */
  requests: GroupJoinRequest[]
}

/** A group's bank: one balance per configured currency (zero when never touched). */
export interface GroupBank {
  /** Balances in configured currency order, smallest units. */
  balances: Balance[]
  /** The group. */
  groupId: string
}

/** Request of [`crate::Guildhall::group_deposit`] and [`crate::Guildhall::group_withdraw`]. */
export interface GroupBankRequest {
  /** Smallest currency units, > 0. */
  amount: number
  /** Currency code. */
  currency: string
  /** The group. */
  groupId: string
  /**
   * Idempotency key, 1-255 bytes: the same key and request again returns the stored
   * result marked `replayed`; a different request under it is `IDEMPOTENCY_CONFLICT`.
   */
  idempotencyKey?: string
  /** The member depositing (any member) or withdrawing (an officer or the owner). */
  player: string
  /** Ledger reason, 1-64 bytes (default `group_deposit` / `group_withdraw`). */
  reason?: string
}

/** What a deposit or withdrawal did. */
export interface GroupBankResult {
  /** Smallest units moved. */
  amount: number
  /** Currency code. */
  currency: string
  /** The group's balance after, smallest units. */
  groupBalance: number
  /** The group. */
  groupId: string
  /** The member. */
  player: string
  /** The player's balance after, smallest units. */
  playerBalance: number
  /** True when this is the stored result of an earlier call with the same key. */
  replayed: boolean
  /** The call's transaction id (the ledger entry's). */
  transactionId: string
}

/** A pending invite into a group. */
export interface GroupInvite {
  /** When, UTC. */
  at: string
  /** The owner or officer who invited. */
  invitedBy: string
  /** The player invited. */
  player: string
}

/** A pending request to join a closed group. */
export interface GroupJoinRequest {
  /** When they asked, UTC. */
  at: string
  /** The player asking. */
  player: string
}

/** The group after a member left: `None` when the last member left and it is gone. */
export interface GroupLeaveResult {
  group?: Group
  /** The group id. */
  groupId: string
  /** The player who left (or was removed). */
  player: string
}

/** One member of a group. */
export interface GroupMember {
  /** When they joined, UTC (succession goes to the longest-standing). */
  joinedAt: string
  /** The player. */
  player: string
  /** Their role. */
  role: GroupRole
}

/** A page of groups ordered by lowercased name. */
export interface GroupPage {
  /** The groups. */
  groups: GroupSummary[]
  /** Pass as `cursor` for the next page; `None` at the end. */
  nextCursor?: string
}

/** Filter and page of [`crate::Guildhall::find_groups`]. */
export interface GroupQuery {
  /** `next_cursor` of the previous page. */
  cursor?: string
  /** Page size, 1-100 (default 20). */
  limit?: number
  /** Names starting with this, without regard to case (default: every group). */
  prefix?: string
}

/**
 * A member's role (SPEC.md Groups): one owner; officers and the owner accept requests,
 * invite and kick members below their role; only the owner promotes, demotes,
 * transfers ownership or disbands.
 */
export type GroupRole = 'member' | 'officer' | 'owner'

/** One group in a listing. */
export interface GroupSummary {
  /** Id. */
  id: string
  /** Kind. */
  kind: string
  /** Members at most. */
  maxMembers: number
  /** Members now. */
  memberCount: number
  /** Name. */
  name: string
  /** Open or closed. */
  open: boolean
  /** The owner. */
  owner: string
}

/** Group limits and kinds (SPEC.md Groups), configured under `[groups]`; missing keys keep their defaults. */
export interface GroupsConfig {
  /** Members a group may have when its creator names no maximum (default 100). */
  defaultMaxMembers?: number
  /**
   * Groups a player may be in at most, per kind (default `{ guild = 1 }`); a kind
   * not listed is limited by `max_groups_per_player` only.
   */
  kinds?: Record<string, number>
  /** Groups a player may be in at most, of every kind together (default 5). */
  maxGroupsPerPlayer?: number
  /** Largest `max_members` a creator may ask for (default 1000). */
  maxMembersCap?: number
}

/** The config as written: every key optional, unknown keys refused (by name). */
export interface GuildhallConfig {
  achievements?: AchievementsConfig
  auth?: AuthSection
  /** Catalog items, inserted or updated when a backend opens. */
  catalog?: CatalogItem[]
  /**
   * A TOML file of further `[[catalog]]` entries, relative to the config file (or
   * the current directory for an object).
   */
  catalogFile?: string
  characters?: CharactersConfig
  chat?: ChatConfig
  compat?: CompatSection
  /** Currencies; the first is the default. None: one currency, `gold`. */
  currencies?: Currency[]
  /** Database URL (`sqlite://FILE`, `postgres://...`, `memory://`). */
  database?: string
  downloads?: DownloadsConfig
  /** How long outbox events are kept, seconds (default 604800, positive). */
  eventRetentionSecs?: number
  friends?: FriendsConfig
  groups?: GroupsConfig
  /** How long idempotency records are kept, seconds (default 86400, at least 86400). */
  idempotencyRetentionSecs?: number
  leaderboards?: LeaderboardsConfig
  /** Host only: listen address, `IP:PORT` (default `127.0.0.1:8080`). */
  listen?: string
  loot?: LootConfig
  mail?: MailConfig
  /**
   * Time to live of the matchmaking lease, seconds (default 5; 1 to 3600): another
   * process takes the tick over this long after its holder stopped renewing.
   */
  matchmakingLeaseSecs?: number
  /** Change sets committed in one transaction at most (default 128, at least 1). */
  maxBatch?: number
  /** Retries after a `CONFLICT` before a call gives up (default 32). */
  maxRetries?: number
  party?: PartyConfig
  payments?: PaymentsConfig
  /** Matchmaking queues (`[[queues]]`). */
  queues?: QueueConfig[]
  ratings?: RatingsConfig
  recovery?: RecoveryConfig
  /**
   * Redis URL (`redis://HOST:PORT`): cache, presence, live fan-out and leases shared
   * by every process; none: in-process.
   */
  redis?: string
  /** Prefix of every Redis key of this deployment (default `guildhall:`). */
  redisPrefix?: string
  /** IANA time zone of daily/weekly/monthly periods (default `UTC`). */
  resetTimezone?: string
  rooms?: RoomsConfig
  schedule?: ScheduleSection
  /** Seconds without a heartbeat after which a session ends (default 90). */
  sessionTimeoutSecs?: number
  trade?: TradeConfig
  webhooks?: WebhooksConfig
}

/**
 * A refusal or failure: a stable code, a message a player or operator can read,
 * and JSON details (for example `{"currency": "gold", "balance": 5, "required": 10}`).
 */
export interface GuildhallErrorShape {
  /** The stable code. */
  code: ErrorCode
  /** Structured context; `null` when there is none. */
  details?: Record<string, any>
  /** A readable explanation; not stable, do not match on it. */
  message: string
}

/** A domain event, written in the same commit as its change (outbox; SPEC.md Events). */
export interface GuildhallEvent {
  /** Commit time, UTC. */
  at: string
  /** Unique id. */
  id: string
  /** Kind such as `currency_granted`, `item_purchased`. */
  kind: string
  /** Kind-specific JSON. */
  payload?: Record<string, any>
  /** The players it concerns. */
  players: string[]
  /**
   * Store-assigned position in the outbox, increasing with commit order (0 before commit);
   * consumers resume after the last one they saw.
   */
  seq: number
}

/** Filter and page of [`Guildhall::history`]. */
export interface HistoryFilter {
  /** Only this currency. */
  currency?: string
  /** `next_cursor` of the previous page. */
  cursor?: string
  kind?: EntryKind
  /** Page size, 1-200 (default 50). */
  limit?: number
}

/** A page of a player's ledger history, newest first. */
export interface HistoryPage {
  /** Entries, newest first. */
  entries: LedgerEntry[]
  /** Pass as `cursor` to get the next (older) page; `None` at the end. */
  nextCursor?: string
}

/**
 * `[[payments.hmac]]`: a provider signing the raw body with HMAC-SHA256 in one header.
 * Paths are JSON pointers (RFC 6901) into the event body.
 */
export interface HmacProviderConfig {
  /** Pointer to the amount paid, in the provider's smallest unit (optional; logged). */
  amount?: string
  /** `hex` (default) or `base64`. */
  encoding?: SignatureEncoding
  /** Pointer to the event type (default `/type`). */
  eventType?: string
  /** Header carrying the signature, e.g. `X-Signature`. */
  header: string
  /** Provider name, 1-32 of `[a-z0-9_-]` (not `stripe`); the route's `{provider}`. */
  name: string
  /** Event types that mean "paid" (default `["payment.succeeded"]`). */
  paid?: string[]
  /** Pointer to the payment id (default `/data/id`). */
  paymentId?: string
  /** Pointer to the player id (default `/data/player_id`). */
  player?: string
  /** A prefix the header value starts with, removed before decoding (e.g. `sha256=`). */
  prefix?: string
  /** Pointer to the product id (default `/data/product`). */
  product?: string
  /** Event types that mean "refunded in full" (default `["payment.refunded"]`). */
  refunded?: string[]
  /** Secrets; more than one while rotating. */
  secrets: Secret[]
}

/** One stack in a player's inventory. */
export interface InventoryEntry {
  /** When the player first acquired the item (UTC). */
  acquiredAt: string
  /** Catalog item id. */
  itemId: string
  /** Kind from the catalog. */
  kind: ItemKind
  /** Item name from the catalog (empty when the item was removed from it). */
  name: string
  /** Units held, > 0. */
  quantity: number
}

/** A pending invite. */
export interface Invite {
  /** After this instant accepting gives `INVITE_EXPIRED`. */
  expiresAt: string
  /** The leader who invited. */
  invitedBy: string
  /** Invitee. */
  player: string
}

/** Items attached to a mail. */
export interface ItemAttachment {
  /** Catalog item id. */
  itemId: string
  /** Units, >= 1. */
  quantity: number
}

/** The outcome of a use or an item grant. */
export interface ItemChangeResult {
  /** Catalog item id. */
  itemId: string
  /** The player. */
  player: string
  /** Units used or granted. */
  quantity: number
  /** Units held after. */
  remaining: number
  /** True for a replay. */
  replayed: boolean
  /** Id of the call. */
  transactionId: string
}

/**
 * Kind of a catalog item (SPEC.md Catalog): a consumable stacks and is used up; a
 * durable (seed 002's "permanent") is owned once.
 */
export type ItemKind = 'consumable' | 'durable'

/**
 * Joins a tournament. Errors: `NOT_FOUND` (no such tournament), `TOURNAMENT_CLOSED`
 * (after its end), `TOURNAMENT_FULL`, `INSUFFICIENT_FUNDS` (the fee),
 * `IDEMPOTENCY_CONFLICT`.
 */
export interface JoinTournamentRequest {
  /** Tournament (board) id. */
  board: string
  /** Optional idempotency key (1-255 bytes). */
  idempotencyKey?: string
  /** The player. */
  player: string
}

/** What a join did. */
export interface JoinTournamentResult {
  /** True when the player had joined already (nothing changed, nothing spent). */
  alreadyJoined: boolean
  /** Tournament id. */
  board: string
  /** Entrants after the call. */
  entrants: number
  feePaid?: EntryFee
  /** The player. */
  player: string
  /** True when this is the stored result of an earlier call with the same key. */
  replayed: boolean
}

/** A board definition as stored (document kind `leaderboard`). */
export interface Leaderboard {
  /** First definition, UTC. */
  createdAt: string
  /** Board id. */
  id: string
  /** Free JSON object. */
  metadata: any
  /** Score operator. */
  operator: ScoreOperator
  /** Whether calls name a partition. */
  partitioned: boolean
  reset?: ResetSchedule
  /** Rewards by rank range. */
  rewards: RewardTier[]
  /** Ranking direction. */
  sort: SortOrder
  tournament?: TournamentSpec
  /** Last definition, UTC. */
  updatedAt: string
}

/**
 * One period of one (board, partition): its window, its reset and what it granted
 * (document kind `lb_period`, id `<board>/<partition>/<period key>`). Written at the
 * period's first score and by each chunk of its reset, under its version, so two hosts
 * running one reset never grant a chunk twice.
 */
export interface LeaderboardPeriod {
  /** Board id. */
  board: string
  cursor?: ScorePos
  /** Rewards granted so far, by rank. */
  granted: GrantedReward[]
  /** Partition, if any. */
  partition?: string
  /** The period (key, start, end in UTC). */
  period: Period
  /** Records the reset has walked through so far. */
  processed: number
  /** When the reset finished (UTC). */
  resetAt?: string
  /** Reset state. */
  status: PeriodStatus
}

/** Reset timing (`[leaderboards]`); missing keys keep their defaults. */
export interface LeaderboardsConfig {
  /**
   * Records a reset walks through per commit (default 100, 1 to 1000): each chunk's
   * rewards commit with the period document that records how far granting got.
   */
  resetChunk?: number
  /**
   * Seconds after a period's end before its reset runs (default 2), so a submission
   * that read the clock just before the end commits first.
   */
  resetGraceSecs?: number
}

/** Request of [`crate::Guildhall::leave_room`]. */
export interface LeaveRoomRequest {
  /** Idempotency key, 1-255 bytes. */
  idempotencyKey?: string
  /** The player leaving. */
  player: string
  /**
   * The room the caller means; when given and the player is not in it: `NOT_FOUND`.
   * `None`: whatever room the player is in.
   */
  roomId?: string
}

/**
 * A double-entry ledger entry: `amount` moves from `debit` (balance decreases) to
 * `credit` (balance increases). For every currency the sum over all accounts is zero.
 */
export interface LedgerEntry {
  /** Smallest units, > 0. */
  amount: number
  /** Commit time, UTC. */
  at: string
  /** Account credited (increases). */
  credit: string
  /** Currency code. */
  currency: string
  /** Calendar day of `at` in the reset time zone (for revenue per day). */
  day: string
  /** Account debited (decreases). */
  debit: string
  /** Unique id of the entry. */
  id: string
  /** For purchases: the catalog item. */
  itemId?: string
  /** Operation kind. */
  kind: EntryKind
  /** Caller-given JSON. */
  metadata?: Record<string, any>
  /** For purchases: units bought. */
  quantity?: number
  /** Caller-given reason (`reward`, `donation`, `mail_evicted`, ...). */
  reason: string
  /** Store-assigned position, increasing with commit order; the history cursor. 0 before commit. */
  seq: number
  /** The operation's transaction id (shared by the entries of one call). */
  transactionId: string
}

/** One account whose stored balance differs from what its ledger entries add up to. */
export interface LedgerMismatch {
  /** The account. */
  account: string
  /** Stored balance. */
  balance: number
  /** Currency code. */
  currency: string
  /**
   * Credits minus debits in the ledger, smallest units (compared exactly; shown at the
   * nearest `i64` bound when the exact sum lies outside `i64`).
   */
  ledger: number
}

/** The ledger audit (SPEC.md: `verify_ledger` recomputes balances from the ledger). */
export interface LedgerReport {
  /** (account, currency) pairs checked. */
  accountsChecked: number
  /** Balances that differ from the ledger. */
  mismatches: LedgerMismatch[]
  /** True when every balance matches its ledger and every currency sums to zero. */
  ok: boolean
  /**
   * Currencies whose balances do not sum to zero over all accounts, with the sum
   * (smallest units; shown at the nearest `i64` bound when it lies outside `i64`).
   */
  unbalancedCurrencies: any[][]
}

/** An online player as the lobby lists them. */
export interface LobbyPlayer {
  /** The player. */
  player: string
  /** The room they are in (`None`: in the lobby). */
  room?: string
}

/** What a push of the lobby view did. */
export interface LobbyPushResult {
  /** SHA-256 (hex) of the view (without its time) and the recipients. */
  fingerprint: string
  /**
   * Players the `lobby_view` event went to (0: nobody to push to, or unchanged since
   * `unless_fingerprint`: nothing written).
   */
  recipients: number
}

/** A room as the lobby lists it. */
export interface LobbyRoom {
  /** Players it holds at most. */
  capacity: number
  /** Room id. */
  id: string
  /** Its owner (`None`: the system). */
  owner?: string
  /** Players in it now. */
  players: number
  /** The room's type. */
  roomType: string
  /** The game-server address (the room's, else `rooms.server`). */
  server?: string
}

/**
 * The lobby view (SPEC.md Rooms and the lobby; seed 003's server_ip and room_players):
 * the live rooms with their type, player count, capacity and game-server address, and
 * the online players.
 */
export interface LobbyView {
  /** When it was read, UTC. */
  at: string
  /** Online players in all. */
  onlineCount: number
  /** Online players, by id, at most `rooms.lobby_limit`. */
  players: LobbyPlayer[]
  /** Live rooms, by id, at most `rooms.lobby_limit`. */
  rooms: LobbyRoom[]
}

/** Where a player is when an event fires (from presence, or given by the caller). */
export interface Location {
  /** Lobby id. */
  lobby?: string
  /** Party id. */
  party?: string
  /**
   * Room id: the room the player is in (SPEC.md Rooms and the lobby), filled from the
   * room membership by presence; a login's or heartbeat's own value is not taken.
   */
  room?: string
  /** Server id. */
  server?: string
}

/** Request of [`crate::Guildhall::choose_loot_roll`] (the member's own call). */
export interface LootChoiceRequest {
  /** Need, greed or pass. */
  choice: RollChoice
  /** Idempotency key, 1-255 bytes. */
  idempotencyKey?: string
  /** The member choosing. */
  player: string
  /** The roll. */
  rollId: string
}

/** Loot limits (`[loot]`); missing keys keep their defaults. */
export interface LootConfig {
  /**
   * Tables in one nesting chain at most, the outer one included (default 8); past it
   * `INVALID_ARGUMENT`.
   */
  maxDepth?: number
  /** Entries of one table at most (default 100); past it `INVALID_ARGUMENT`. */
  maxEntries?: number
  /** `rolls` of one table at most (default 100). */
  maxRolls?: number
  /** Tables at most (default 1000); past it `LIMIT_REACHED`. */
  maxTables?: number
  /** Seconds a party roll stays open for its members' choices (default 60). */
  rollWindowSecs?: number
}

/** One drop of a roll. */
export interface LootDrop {
  /** How much was granted (0 for a preview, a party roll, an item already owned). */
  granted: number
  /** The item id or currency code. */
  id: string
  /** Item or currency. */
  kind: DropKind
  /** Units (items) or smallest units (currency) dropped. */
  quantity: number
  /** The party roll deciding who gets it (status `party_roll`). */
  rollId?: string
  /** What became of it. */
  status: DropStatus
  /** The table whose entry dropped it. */
  tableId: string
}

/**
 * One entry of a loot table: exactly one of `item`, `currency`, `table` (or none: an
 * empty slot, "nothing dropped", useful with a weight).
 */
export interface LootEntry {
  /** A configured currency code: the entry drops `min..=max` smallest units. */
  currency?: string
  /**
   * Dropped once every time the table is rolled, besides its weighted rolls (its
   * weight is then ignored).
   */
  guaranteed?: boolean
  /** A catalog item id: the entry drops `min..=max` units of it. */
  item?: string
  /** Greatest quantity or amount, >= `min` (default 1). */
  max?: number
  /** Least quantity or amount, >= 1 (default 1; ignored for a table or empty entry). */
  min?: number
  /** Another table id: the entry rolls that table (its rolls and guaranteed entries). */
  table?: string
  /**
   * Relative weight among the table's weighted entries, 0 to 1 000 000 000 (default
   * 1). Each roll picks one weighted entry with probability weight / total.
   */
  weight?: number
}

/** What a dry run gives; nothing is granted. */
export interface LootPreview {
  /** The drops (status `preview`). */
  drops: LootDrop[]
  /**
   * For a stored result: true when the drops are the stored ones (kind, id, quantity
   * and table, in order).
   */
  matches?: boolean
  /** The seed. */
  seed: number
  /** The table. */
  tableId: string
}

/** A stored roll (kind `loot_result`): enough to replay and audit it. */
export interface LootResult {
  /** When rolled, UTC. */
  at: string
  /** The drops, in roll order. */
  drops: LootDrop[]
  /** Result id (also the ledger metadata `result_id` of its currency grants). */
  id: string
  /** The party whose members roll for its items, if any. */
  partyId?: string
  /** The player the drops were granted to. */
  player: string
  /** True when this is the stored result of an earlier call with the same key. */
  replayed?: boolean
  /** The seed, 0 to 2^53 - 1. */
  seed: number
  /** The table rolled. */
  tableId: string
  /** The tables as they were rolled (the table and every table it nests), by id. */
  tables: LootTable[]
  /** The commit's transaction id (its ledger entries'). */
  transactionId: string
}

/** A party roll for one dropped item (kind `loot_roll`). */
export interface LootRoll {
  /** When the window ends, UTC: members who have not chosen then pass. */
  closesAt: string
  /** The members tied on the winning choice, in member order. */
  contenders: string[]
  /**
   * The random draw that decided among the contenders (0 to 2^53 - 1; the winner is
   * `contenders[rules::pick(draw, contenders.len())]`).
   */
  draw?: number
  grant?: DropStatus
  /** Units granted to the winner. */
  granted: number
  /** Roll id (`<result id>.<drop index>`). */
  id: string
  /** The item. */
  itemId: string
  /** The party's members when the item dropped, with their choices. */
  members: MemberChoice[]
  /** Opened, UTC. */
  openedAt: string
  /** The party. */
  partyId: string
  /** Units. */
  quantity: number
  /** Resolved, UTC. */
  resolvedAt?: string
  /** The loot result that dropped the item. */
  resultId: string
  /** Open or resolved. */
  status: RollStatus
  /** The winner (none when everyone passed). */
  winner?: string
  winningChoice?: RollChoice
}

/** A party roll after a call (the choice, or a resolution). */
export interface LootRollResult {
  /** True when this is the stored result of an earlier call with the same key. */
  replayed?: boolean
  /** The roll as stored after the call. */
  roll: LootRoll
}

/**
 * A loot table (SPEC.md Loot tables), put by an operator with
 * [`crate::Guildhall::put_loot_table`].
 */
export interface LootTable {
  /** Description, at most 2000 bytes. */
  description?: string
  /** The entries, 1 to `loot.max_entries`. */
  entries: LootEntry[]
  /** Id, 1-128 bytes, no control characters. */
  id: string
  /** Weighted picks per roll of this table, 0 to `loot.max_rolls` (default 1). */
  rolls?: number
}

/** One stored mail of one player's box. */
export interface Mail {
  /** Attachments (empty: none). */
  attachments: Attachments
  /** Body text. */
  body: string
  /** The broadcast this copy came from. */
  broadcastId?: string
  /** When the attachments were claimed (or delivered on eviction). */
  claimedAt?: string
  /** After this instant the mail is not listed and cannot be claimed. */
  expiresAt?: string
  /** Id (for a broadcast copy: `<broadcast id>:<player>`). */
  id: string
  /** Recipient. */
  player: string
  /** When first opened. */
  readAt?: string
  /** Sender. */
  sender: Sender
  /** Delivery time, UTC; the box is ordered by it. */
  sentAt: string
  /** Subject line. */
  subject: string
}

/** Mail limits (SPEC.md Mail; all configurable under `[mail]`). */
export interface MailConfig {
  /** Mails left in a full box before a new one goes in (default 29: the new one makes 30). */
  evictTo?: number
  /** Mails a listing shows, newest first (default 30). */
  listCap?: number
  /** Largest body, bytes (default 4000). */
  maxBody?: number
  /** Largest subject, bytes (default 200). */
  maxSubject?: number
  /**
   * Mails a player may send per day of the reset time zone (default 10). System and
   * admin mail have no limit.
   */
  playerDailyLimit?: number
  /** Mails a box stores at most (default 50). */
  storeCap?: number
}

/** A formed match and, once reported, its result (match history). */
export interface MatchRecord {
  /** Formation time, UTC. */
  createdAt: string
  /** Id. */
  id: string
  /** Queue name. */
  queue: string
  /** Rating changes applied by the report. */
  ratingChanges: RatingChange[]
  result?: MatchResult
  /** Players per team. */
  teams: string[][]
  /** Tickets matched. */
  ticketIds: string[]
}

/** The reported outcome: each team's rank (0 = first; equal ranks draw). */
export interface MatchResult {
  /** Rank per team, in team order. */
  ranks: number[]
  /** Report time, UTC. */
  reportedAt: string
}

/** One member's choice. */
export interface MemberChoice {
  choice?: RollChoice
  /** The member. */
  player: string
}

/** One rendered message to show. */
export interface Message {
  /** Audience kind. */
  audience: AudienceKind
  /** Delivery kind. */
  kind: MessageKind
  /** For kind `mail`: the mail delivered. */
  mailId?: string
  /** Priority. */
  priority: number
  /** Audience target. */
  target?: string
  /** Rendered text. */
  text: string
  /** The trigger. */
  triggerId: string
}

/** How a message is delivered. */
export type MessageKind = 'marquee' | 'announcement' | 'mail' | 'chat' | 'in_game'

/**
 * Mute a player until an instant. Errors: `INVALID_ARGUMENT` (`until` not in the
 * future, reason over 500 bytes or with control characters).
 */
export interface MuteRequest {
  /** The player to mute. */
  player: string
  /** Why (default empty). */
  reason?: string
  /** End of the mute, UTC; must be after now. */
  until: string
}

/** Request of [`crate::Guildhall::open_trade`]. */
export interface OpenTradeRequest {
  /**
   * Idempotency key, 1-255 bytes: the same key and request again returns the stored
   * result marked `replayed`; a different request under it is `IDEMPOTENCY_CONFLICT`.
   */
  idempotencyKey?: string
  /**
   * The opener's first offer (default: nothing), so a client opens and offers in
   * one call.
   */
  offer?: TradeOffer
  /** The player opening it. */
  player: string
  /** The other player (not `player`; not blocked either way). */
  with: string
}

/** A party. */
export interface Party {
  /** Creation time, UTC. */
  createdAt: string
  /** Id. */
  id: string
  /** Pending invites. */
  invites: Invite[]
  /** The leader (always a member). */
  leader: string
  /** Members in join order. */
  members: PartyMember[]
  /** Open parties can be joined without an invite. */
  open: boolean
}

/** Party limits (configurable under `[party]`). */
export interface PartyConfig {
  /** Seconds an invite stays valid (default 60). */
  inviteTtlSecs?: number
  /** Members at most (default 5). */
  maxSize?: number
}

/** One member and when they joined (succession goes to the longest-standing). */
export interface PartyMember {
  /** Join time, UTC. */
  joinedAt: string
  /** The player. */
  player: string
}

/** One verified delivery and its outcome (kind `payment_log`), for the operator. */
export interface PaymentLogEntry {
  /** When received, UTC. */
  at: string
  /** The provider's event id. */
  eventId?: string
  /** The provider's event type. */
  eventType: string
  /** Entry id (sorts newest first). */
  id: string
  /** A human explanation. */
  message: string
  /** What came of it. */
  outcome: PaymentOutcome
  /** Money paid, the provider's smallest unit (as the event says). */
  paidAmount?: number
  /** Currency of the money paid. */
  paidCurrency?: string
  /** The payment id. */
  paymentId?: string
  /** The player. */
  player?: string
  /** The product. */
  product?: string
  /** Provider name. */
  provider: string
  /** What a refund could not take back. */
  shortfall?: GrantPart[]
  /** Transaction of the credit or refund committed with this entry. */
  transactionId?: string
}

/** A page of the payment log, newest first. */
export interface PaymentLogPage {
  /** Entries, newest first. */
  entries: PaymentLogEntry[]
  /** Pass as `cursor` for the next (older) page; `None` at the end. */
  nextCursor?: string
}

/** Filter and page of the payment log. */
export interface PaymentLogQuery {
  /** `next_cursor` of the previous page. */
  cursor?: string
  /** Page size, 1-200 (default 50). */
  limit?: number
}

/** What a verified delivery came to. */
export type PaymentOutcome = 'credited' | 'replay' | 'refunded' | 'refunded_shortfall' | 'refund_replay' | 'refunded_before_credit' | 'already_refunded' | 'ignored' | 'unknown_product' | 'missing_player' | 'missing_payment_id' | 'failed'

/** `[[payments.products]]`: what one paid product credits. */
export interface PaymentProduct {
  amount?: number
  /** Currency credited (with `amount`). */
  currency?: string
  /**
   * The product id the event names (metadata `product`), or a Stripe price id
   * (metadata `price_id`), 1-128 bytes.
   */
  id: string
  /** Catalog items granted. */
  items?: ProductItem[]
}

/** A provider payment as guildhall saw it (kind `payment`, id `<provider>:<payment id>`). */
export interface PaymentRecord {
  /** What the payment credited. */
  credited?: GrantPart[]
  /** When credited, UTC. */
  creditedAt?: string
  /** The provider's payment id. */
  paymentId: string
  /** The player credited (`None` for a refund seen before any payment). */
  player?: string
  /** The product credited. */
  product?: string
  /** Provider name (`stripe` or a `[[payments.hmac]]` name). */
  provider: string
  /** When refunded, UTC. */
  refundedAt?: string
  /** What the refund took back. */
  revoked?: GrantPart[]
  /** What the refund could not take back (the player had spent or traded it). */
  shortfall?: GrantPart[]
  /** Where it stands. */
  status: PaymentStatus
  /** Transaction of the credit. */
  transactionId?: string
}

/** Where a payment stands. */
export type PaymentStatus = 'credited' | 'refunded' | 'refunded_before_credit'

/** `[payments]`: providers, their secrets, and the product map. Every key optional. */
export interface PaymentsConfig {
  /**
   * Providers signing with a plain HMAC-SHA256 of the body
   * (`POST /v1/webhooks/hmac/{name}`).
   */
  hmac?: HmacProviderConfig[]
  /** What a paid product credits, by product id or price id. */
  products?: PaymentProduct[]
  /**
   * System account paid grants come from and refunds go back to (default
   * `payments`: `system:payments`).
   */
  source?: string
  stripe?: StripeConfig
  /**
   * Largest age of a Stripe signature's timestamp, seconds (default 300, as Stripe's
   * own libraries; 1 to 86 400). Older or further in the future: refused (replay).
   */
  toleranceSecs?: number
}

/** A pending request as stored on one side: the other player, and when it was sent. */
export interface PendingRequest {
  /**
   * The other player: the sender of an incoming request, the addressee of an
   * outgoing one.
   */
  player: string
  /** When the request was sent, UTC. */
  sentAt: string
}

/**
 * One period of a [`ResetSchedule`]: `[start, end)` in UTC and a stable key that names
 * it (`2026-11-30`, `2026-W49`, `2026-11`, or for cron the start as
 * `2026-11-30T12:00:00Z`), used to archive it and to grant its rewards once.
 */
export interface Period {
  /** First instant of the next period (UTC). */
  end: string
  /** Stable name of the period. */
  key: string
  /** First instant of the period (UTC). */
  start: string
}

/** Where a period's reset stands. */
export type PeriodStatus = 'open' | 'granting' | 'archived'

/** A player's standing. Errors of the read: `NOT_FOUND` when the player has no score. */
export interface PlayerStanding {
  /** Records ranked just above, best first. */
  above: RankedScore[]
  /** Records ranked just below, best first. */
  below: RankedScore[]
  /** Board id. */
  board: string
  /** The player's record with its rank. */
  entry: RankedScore
  /** Partition, if any. */
  partition?: string
  /** Period key read. */
  period: string
}

/** A player's rank and the players around them. */
export interface PlayerStandingQuery {
  /** Board id. */
  board: string
  /** How many records above and below to return, 0..=50 (default 5). */
  neighbours?: number
  /** Partition (required on a partitioned board). */
  partition?: string
  /** Period key (default: the current period). */
  period?: string
  /** The player. */
  player: string
}

/** A player's trades: open ones and the history. */
export interface PlayerTrades {
  /** Open trades, oldest first. */
  open: Trade[]
  /**
   * Past trades (completed, cancelled, expired), newest first, at most
   * `history_limit`.
   */
  past: Trade[]
  /** The player. */
  player: string
}

/** Units sold of one catalog item in a window (SPEC.md Analytics). */
export interface PopularItem {
  /** Catalog item id. */
  itemId: string
  /** Number of purchases. */
  purchases: number
  /** Units bought. */
  totalQuantity: number
}

/**
 * Query of [`Guildhall::popular_items`] (SPEC.md Catalog and inventory, analytics):
 * every field optional, defaults resolved by the core on its own clock, the same on
 * every surface (HTTP query string, Node object, Python keywords).
 */
export interface PopularItemsQuery {
  /** Window start, UTC, RFC 3339 (default: `to` minus 24 h, [`POPULAR_ITEMS_WINDOW_SECS`]). */
  from?: string
  /** How many items, 1-100 (default 10). */
  limit?: number
  /** Window end, exclusive, UTC, RFC 3339 (default: now on the core's clock). */
  to?: string
}

/**
 * Post a message. Errors: `INVALID_ARGUMENT` (channel, body: 1 to 500 characters, no
 * control characters except newline), `NOT_CHANNEL_MEMBER`, `BLOCKED` (direct),
 * `MUTED` (`details.until`), `RATE_LIMITED` (`details.retry_after_seconds`).
 */
export interface PostMessageRequest {
  /** The text. */
  body: string
  /**
   * The channel (`global`, `room:<id>`, `party:<id>`, `group:<id>`, `direct:<a>:<b>`;
   * a direct channel's ids may come in either order).
   */
  channel: string
  /**
   * Idempotency key, 1-255 bytes, scoped to the caller: the same key and request
   * again returns the stored message marked `replayed`.
   */
  idempotencyKey?: string
  /** Optional JSON attached to the message. */
  metadata?: any
  /** The sender. */
  player: string
}

/** A price: amount in the smallest unit of `currency`, per unit of the item. */
export interface Price {
  /** Price per unit, smallest currency unit, > 0. */
  amount: number
  /** Currency code. */
  currency: string
}

/** Units of a catalog item a product grants. */
export interface ProductItem {
  /** Catalog item id. */
  itemId: string
  /** Units, >= 1 (default 1; a durable grants one). */
  quantity?: number
}

/**
 * Request of [`crate::Guildhall::progress_achievement`]: explicit progress (a
 * server's or operator's call).
 */
export interface ProgressRequest {
  /** The definition. */
  achievementId: string
  /** How much to add, >= 1 (default 1). Progress stops at the goal. */
  amount?: number
  /**
   * Idempotency key, 1-255 bytes: the same key and request again returns the stored
   * result marked `replayed`; a different request under it is `IDEMPOTENCY_CONFLICT`.
   */
  idempotencyKey?: string
  /** The player. */
  player: string
}

/** What an explicit progress call did. */
export interface ProgressResult {
  /** The definition. */
  achievementId: string
  /** Progress added by this call (0 when locked by prerequisites or already complete). */
  added: number
  /** When the goal was reached in this period, UTC. */
  completedAt?: string
  /** The goal. */
  goal: number
  /** Key of the current period of a resetting definition. */
  period?: string
  /** The player. */
  player: string
  /** Progress after, 0 to the goal. */
  progress: number
  /** True when this is the stored result of an earlier call with the same key. */
  replayed: boolean
}

/**
 * Buy `quantity` units of a catalog item: debit and item grant in one commit.
 * Errors: `NOT_FOUND`, `NOT_FOR_SALE`, `ALREADY_OWNED` (durable), `STACK_LIMIT`,
 * `INSUFFICIENT_FUNDS`, `INVALID_ARGUMENT` (quantity < 1, or != 1 for a durable),
 * `IDEMPOTENCY_CONFLICT`.
 */
export interface PurchaseRequest {
  /**
   * Idempotency key (1-255 bytes), scoped to the caller (the API key, or the player
   * of a token).
   */
  idempotencyKey?: string
  /** Catalog item id. */
  itemId: string
  /** JSON kept with the ledger entry. */
  metadata?: Record<string, any>
  /** Buyer. */
  player: string
  /** Units, >= 1 (default 1). */
  quantity?: number
}

/** The outcome of a purchase. */
export interface PurchaseResult {
  /** Total paid, smallest units. */
  amount: number
  /** Buyer's balance after. */
  balance: number
  /** Currency paid in. */
  currency: string
  /** Catalog item id. */
  itemId: string
  /** Units of the item the buyer holds after. */
  itemQuantity: number
  /** Buyer. */
  player: string
  /** Units bought. */
  quantity: number
  /** True for a replay. */
  replayed: boolean
  /** Id of the purchase's transaction (its ledger entry). */
  transactionId: string
}

/** Request of [`crate::Guildhall::push_lobby`]. */
export interface PushLobbyRequest {
  /**
   * Push to this player only (a player asking for the view); `None`: to every lobby
   * player (online, with a `lobby` in their location, in no room).
   */
  player?: string
  /**
   * Push nothing when the view and its recipients are those of this fingerprint (a
   * previous push's), so a periodic push writes an event only when something changed.
   */
  unlessFingerprint?: string
}

/**
 * An upload from a JSON surface (Node, Python): the bytes in base64. The HTTP host
 * takes the raw body instead (`PUT /v1/admin/files/{name}`).
 */
export interface PutFileRequest {
  /** The bytes, standard base64. */
  contentBase64: string
  /**
   * Media type, e.g. `text/csv`, `application/json`, `application/vnd.sqlite3`
   * (default `application/octet-stream`).
   */
  contentType?: string
  /** File name, 1-128 of `[A-Za-z0-9._-]`, not starting with `.`. */
  name: string
}

/**
 * Defines or redefines a board (admin). Sort, operator, partitioning and being a
 * tournament are fixed once the board exists (changing them would reorder stored
 * scores): a change is `INVALID_ARGUMENT`.
 */
export interface PutLeaderboardRequest {
  /** Board id: 1-64 of `[A-Za-z0-9_.-]`. */
  id: string
  /** Free JSON object (title, description, ...). */
  metadata?: any
  /** Score operator (default `best`). */
  operator?: ScoreOperator
  /** True: every call names a partition (e.g. `class:mage`), each ranked on its own. */
  partitioned?: boolean
  reset?: ResetSchedule
  /** Rewards by rank range, granted once at each reset (or at a tournament's end). */
  rewards?: RewardTier[]
  /** Ranking direction (default `desc`). */
  sort?: SortOrder
  tournament?: TournamentSpec
}

/** A configured queue (`[[queues]]`). */
export interface QueueConfig {
  /** Seconds a ticket waits at most; then it expires with `ticket_expired`. */
  maxWaitSecs: number
  /** Name, e.g. `duel`, `5v5`. */
  name: string
  /** Party sizes allowed to queue (default: 1 to team_size). */
  partySizes?: number[]
  /** Ticket properties that must be equal within a match (e.g. `region`, `mode`). */
  properties?: string[]
  rating?: RatingSystem
  /** Players per team. */
  teamSize: number
  /** Number of teams (2 for 1v1 and 5v5; N for free for all). */
  teams: number
  /** Rating window. */
  window: RatingWindow
}

/**
 * Queue a player, or (from its leader) a whole party. Errors: `NOT_FOUND` (queue),
 * `TICKET_EXISTS`, `NOT_PARTY_LEADER`, `INVALID_ARGUMENT` (party size not allowed,
 * missing or extra properties).
 */
export interface QueueRequest {
  /** The player (a party's leader queues the party). */
  player: string
  /** Values of the queue's properties. */
  properties?: Record<string, string>
  /** Queue name. */
  queue: string
  /** Queue the player's whole party. */
  withParty?: boolean
}

/** One ranked record. */
export interface RankedScore {
  /** The player. */
  player: string
  /** 1-based rank (ties rank by earlier submission, then player id). */
  rank: number
  /** The score. */
  score: number
  /** When this score was submitted (UTC). */
  submittedAt: string
}

/** `[auth.rate_limits]`: hits per fixed window. */
export interface RateLimits {
  /** Requests per minute of one API key (default 60000). */
  keyPerMinute?: number
  /** Password login attempts per 15 minutes on one username (default 10). */
  loginPerAccountPer15Minutes?: number
  /** Login, registration and refresh attempts per minute from one address (default 30). */
  loginPerAddressPerMinute?: number
  /** Requests per minute of one player's access tokens (default 600). */
  playerPerMinute?: number
}

/** A player's rating in one queue. */
export interface Rating {
  /** Deviation (Glicko-2) or uncertainty (Weng-Lin). */
  deviation: number
  /** Rated matches played. */
  games: number
  /** Rating. */
  rating: number
  /** Volatility (Glicko-2 only). */
  volatility: number
}

/** A rating change of one player. */
export interface RatingChange {
  /** After. */
  after: Rating
  /** Before. */
  before: Rating
  /** The player. */
  player: string
}

/** How a queue's ratings are updated. */
export type RatingSystem = 'glicko2' | 'weng_lin'

/** The rating window of a ticket: `initial + widen_per_sec * seconds waited`, at most `max`. */
export interface RatingWindow {
  /** Width at queue time, rating points. */
  initial: number
  /** Largest width. */
  max: number
  /** Added per second of waiting. */
  widenPerSec: number
}

/**
 * Parameters of the rating systems (`[ratings]` in the config file; every key optional,
 * unknown keys refused). SPEC.md Clarifications (second round): Glicko-2 rates a rating
 * period as Glickman's paper does; Weng-Lin takes the openskill defaults, including tau,
 * configurable.
 */
export interface RatingsConfig {
  glicko2?: Glicko2Params
  wengLin?: WengLinParams
}

/**
 * One-time codes and closing (`[recovery]`; SPEC.md "Account recovery and closing");
 * missing keys keep their defaults.
 */
export interface RecoveryConfig {
  /** Digits of a one-time code (default 6; 4 to 10). */
  codeDigits?: number
  /** Wrong entries of one code at most (default 5; 1 to 100); then it is spent. */
  codeMaxAttempts?: number
  /** Seconds a code stays valid (default 600; 60 to 86 400). */
  codeTtlSecs?: number
  /** Codes sent to one address per hour at most (default 5; 1 to 1 000). */
  codesPerHour?: number
  emailChannel?: CodeChannel
  /** Seconds a closed account can be reopened (default 2 592 000: 30 days). */
  reopenGraceSecs?: number
  /** Sender address (default `guildhall@localhost`). */
  smtpFrom?: string
  /** SMTP server host (default `127.0.0.1`), plain SMTP without TLS: a local relay. */
  smtpHost?: string
  /** SMTP server port (default 25). */
  smtpPort?: number
}

/**
 * Renames a live character; the old name is freed in the same commit. Errors:
 * `NOT_FOUND`, `NAME_TAKEN`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
 */
export interface RenameCharacterRequest {
  /** The account owning the character. */
  account: string
  /** The character. */
  character: string
  /** Idempotency key, scoped to the caller. */
  idempotencyKey?: string
  /** The new name (rules as at creation). */
  name: string
}

/**
 * Request of [`crate::Guildhall::replay_loot`] (an operator's dry run): a stored
 * result (`result_id`), or a table and a seed.
 */
export interface ReplayLootRequest {
  /** A stored result: rolled again on its stored tables and seed. */
  resultId?: string
  /** The seed, 0 to 2^53 - 1. */
  seed?: number
  /** A table (with `seed`), rolled on the current tables. */
  tableId?: string
}

/** The outcome of reporting a match result. */
export interface ReportResult {
  /** The match with its result and rating changes. */
  record: MatchRecord
  /** True when this result was reported before (nothing updated twice). */
  replayed: boolean
}

/** `daily`, `weekly` (from Monday 00:00), `monthly` (from the 1st) in the reset zone, or a cron expression of 5 fields (Unix day numbers, 1 = Monday) or 6 (seconds first), read in the reset zone */
export type ResetSchedule = string

/** Query of [`Guildhall::revenue_per_day`]: days of the reset time zone, inclusive. */
export interface RevenueQuery {
  /** First day, `YYYY-MM-DD` in the reset time zone (default: `to` minus 29 days). */
  from?: string
  /** Last day, inclusive (default: today in the reset time zone, on the core's clock). */
  to?: string
}

/** Rewards of the ranks `from_rank..=to_rank` (1-based; rank 1 is the best). */
export interface RewardTier {
  /** First rank of the range (>= 1). */
  fromRank: number
  /**
   * Currency (credited through the ledger from `system:rewards`, reason
   * `leaderboard_reward`) and items (added to the inventory).
   */
  rewards: Attachments
  /** Last rank of the range (>= `from_rank`, <= 1000). */
  toRank: number
}

/** A member's choice on a party roll. */
export type RollChoice = 'need' | 'greed' | 'pass'

/** Request of [`crate::Guildhall::roll_loot`] (a trusted server's call). */
export interface RollLootRequest {
  /**
   * Idempotency key, 1-255 bytes: the same key and request again returns the stored
   * result marked `replayed` and grants nothing; a different request under it is
   * `IDEMPOTENCY_CONFLICT`.
   */
  idempotencyKey?: string
  /**
   * True: the drop is for the player's party: each item dropped opens a need/greed
   * roll for its members (`NOT_IN_PARTY` when the player is in none).
   */
  party?: boolean
  /** The player who gets the drops (currency always; items unless `party`). */
  player: string
  /** The table. */
  tableId: string
}

/** Open or resolved. */
export type RollStatus = 'open' | 'resolved'

/** A live room (SPEC.md Rooms and the lobby). */
export interface Room {
  /**
   * Players it holds at most (1 to `rooms.max_capacity`); entering a full room is
   * `ROOM_FULL`.
   */
  capacity: number
  /** Created, UTC. */
  createdAt: string
  /**
   * Since when it has had no players (`None` while someone is in it); it is destroyed
   * `rooms.idle_destroy_secs` after this.
   */
  emptySince?: string
  /** Id (drawn by guildhall at creation). */
  id: string
  /** The number of its log entries (the last entry's `seq`). */
  logSeq: number
  /** Free-form JSON object (at most `rooms.max_metadata_bytes` as compact JSON). */
  metadata: Record<string, any>
  /**
   * The player who created it; `None`: created by the system (a server key or an
   * embedding program).
   */
  owner?: string
  /** Its players, in entry order. */
  players: RoomMember[]
  /** The room's type (game mode, map...), 1 to 64 bytes. */
  roomType: string
  /**
   * The game-server address players connect to (the lobby view shows
   * `rooms.server` when this is `None`).
   */
  server?: string
  /** The version of its document as read (moves with every change). */
  version?: number
}

/** One operation on a room (kind `room_log`, id [`log_id`]). */
export interface RoomLogEntry {
  /** `created`, `entered`, `left` or `destroyed`. */
  action: string
  /** When, UTC. */
  at: string
  /** The player who was created for, entered or left (`None` for the system). */
  player?: string
  /**
   * Why: for `left`, `left` (the player left) or `entered_other` (the player entered
   * another room); for `destroyed`, `idle` or `operator`.
   */
  reason?: string
  /** The room. */
  roomId: string
  /** 1, 2, ... in the order of the room's operations. */
  seq: number
}

/** A page of a room's log, oldest first. */
export interface RoomLogPage {
  /** Its entries after the cursor, oldest first. */
  entries: RoomLogEntry[]
  /** Pass as `after` for the next page; `None` at the end (so far). */
  nextCursor?: string
  /** The room. */
  roomId: string
}

/** A player in a room. */
export interface RoomMember {
  /** When they entered, UTC. */
  enteredAt: string
  /** The player. */
  player: string
}

/** What a room call did. */
export interface RoomResult {
  /**
   * The room the player left in the same commit (entering or creating while in
   * another room, or leaving), if any.
   */
  leftRoom?: string
  /** True when this is the stored result of an earlier call with the same key. */
  replayed: boolean
  /**
   * The room after the call (for a destroy or a leave that emptied nothing: the room
   * as it was last written; a destroyed room lists the players it had).
   */
  room: Room
}

/**
 * Room limits, the idle time and the lobby push (`[rooms]`); missing keys keep their
 * defaults.
 */
export interface RoomsConfig {
  /** Seconds a room stays without players before it is destroyed (default 300). */
  idleDestroySecs?: number
  /**
   * Rooms and online players the lobby view lists at most, each (default 500); the
   * view's counts are exact.
   */
  lobbyLimit?: number
  /**
   * Seconds between two pushes of the lobby view to the lobby players (default 10;
   * 0: no periodic push, only on request).
   */
  lobbyPushSecs?: number
  /** Largest capacity a room may have (default 100). */
  maxCapacity?: number
  /** Largest size of a room's metadata, as compact JSON bytes (default 4096). */
  maxMetadataBytes?: number
  /** Game-server address shown for a room that names none (default: none). */
  server?: string
}

/** `[schedule]`: intervals of the host's background jobs. */
export interface ScheduleSection {
  /** Seconds between pushes of lobby announcements (default 600; 1 s to 7 days). */
  lobbyIntervalSecs?: number
  /** Milliseconds between matchmaking ticks (default 1000; 10 ms to 1 hour). */
  matchmakingTickMs?: number
  /**
   * Seconds between two samples of the players online for the console's trend
   * (default 300; 10 s to 1 day).
   */
  onlineSampleSecs?: number
  /** Seconds between pushes of room messages (default 30; 1 s to 7 days). */
  roomIntervalSecs?: number
  /** Seconds between heartbeat comments on an idle event stream (default 15). */
  sseHeartbeatSecs?: number
}

/** How a submitted score combines with the player's stored one. */
export type ScoreOperator = 'best' | 'set' | 'increment'

/** Where the reset's walk through the standings stopped (the last record processed). */
export interface ScorePos {
  /** Ordering key of the record ([`rules::ord_of`]). */
  ord: number
  /** The player id. */
  player: string
  /** Submission time, microseconds since the epoch. */
  submittedAt: number
}

/** A configured secret: shown as `<redacted>` in debug output. */
export type Secret = string

/**
 * Send a friend request (SPEC.md Friends). A request to a player who already asked
 * `from` accepts theirs instead (the result says `friends: true`); asking again while
 * a request is pending changes nothing. Errors: `INVALID_ARGUMENT` (a request to
 * oneself, a bad id or key), `BLOCKED` (either blocked the other), `ALREADY_FRIENDS`,
 * `LIMIT_REACHED` (`from` has `max_friends` friends or `max_pending` outgoing
 * requests, `to` has `max_pending` incoming requests; on the accepting path either
 * has `max_friends`), `IDEMPOTENCY_CONFLICT`.
 */
export interface SendFriendRequest {
  /** The player asking. */
  from: string
  /**
   * Idempotency key (1-255 bytes), scoped to the caller (the API key, or the player
   * of a token).
   */
  idempotencyKey?: string
  /** The player asked. */
  to: string
}

/**
 * Send one mail. Errors: `INVALID_ARGUMENT` (subject/body length, attachments from a
 * player, bad attachment, expiry in the past), `NOT_FOUND` (attached catalog item),
 * `MAIL_SEND_LIMIT`, `BLOCKED` (player mail where the sender or the recipient has
 * blocked the other; SPEC.md Friends), `IDEMPOTENCY_CONFLICT`.
 */
export interface SendMailRequest {
  /** Attachments (system and admin mail only). */
  attachments?: Attachments
  /** Body, up to max_body bytes. */
  body?: string
  /** Seconds until the mail expires; none: never. */
  expiresInSecs?: number
  /** Sender. */
  from: Sender
  /**
   * Idempotency key (1-255 bytes), scoped to the caller (the API key, or the player
   * of a token).
   */
  idempotencyKey?: string
  /** Subject, 1..=max_subject bytes. */
  subject: string
  /** Recipient. */
  to: string
}

/** The outcome of a send: the delivered mail and what delivering it evicted. */
export interface SendMailResult {
  /** Ids of older mails removed to make room. */
  evicted: string[]
  /** The mail as stored. */
  mail: Mail
  /** True for a replay. */
  replayed: boolean
}

/**
 * Who sent a mail: `{"kind": "player", "id": "<player id>"}`, `{"kind": "system"}` or
 * `{"kind": "admin", "id": "<operator name>"}`.
 */
export interface Sender {
  /** The player id (kind player) or operator name (kind admin); none for the system. */
  id?: string
  /** Kind. */
  kind: SenderKind
}

/** The kind of a mail's sender. */
export type SenderKind = 'player' | 'system' | 'admin'

/**
 * A player's live session (SPEC.md Presence and sessions): started at login, kept
 * alive by heartbeats, ended by logout or `session_timeout_secs` without a heartbeat.
 */
export interface Session {
  /** The session ends at this instant unless a heartbeat comes first. */
  expiresAt: string
  /** Last heartbeat, UTC. */
  lastSeen: string
  /** Where the player is. */
  location: Location
  /** The player. */
  player: string
  /** Login time, UTC. */
  startedAt: string
}

/** How a generic provider encodes its signature. */
export type SignatureEncoding = 'hex' | 'base64'

/**
 * Ranking direction: `desc` (higher scores rank first, the default) or `asc` (lower
 * scores rank first, e.g. race times).
 */
export type SortOrder = 'desc' | 'asc'

/** Debit a player to a system sink. Errors: as [`GrantRequest`], plus `INSUFFICIENT_FUNDS`. */
export interface SpendRequest {
  /** Smallest units, > 0. */
  amount: number
  /** Currency code. */
  currency: string
  /**
   * Idempotency key (1-255 bytes), scoped to the caller (the API key, or the player
   * of a token).
   */
  idempotencyKey?: string
  /** JSON kept with the ledger entry. */
  metadata?: Record<string, any>
  /** Player debited. */
  player: string
  /** Why, 1-64 bytes; default `spend`. */
  reason?: string
  /** System account credited; default `sink`. */
  sink?: string
}

/** A page of standings. */
export interface StandingsPage {
  /** Board id. */
  board: string
  /** Ranked records, best first. */
  entries: RankedScore[]
  /** Cursor of the next page; none: this was the last. */
  nextCursor?: string
  /** Partition, if any. */
  partition?: string
  /** Period key read. */
  period: string
}

/** A page of a board's standings, best first. */
export interface StandingsQuery {
  /** Board id. */
  board: string
  /** The previous page's `next_cursor`. */
  cursor?: string
  /** Page size 1..=1000 (default 100). */
  limit?: number
  /** Partition (required on a partitioned board). */
  partition?: string
  /** Period key (default: the current period; archived periods by their key). */
  period?: string
}

/** `[payments.stripe]`. */
export interface StripeConfig {
  /**
   * Endpoint signing secrets (`whsec_...`); more than one while rotating: a signature
   * by any of them is accepted.
   */
  secrets: Secret[]
}

/**
 * Submits a score (SPEC.md: the operator applies atomically).
 * Errors: `NOT_FOUND` (board), `INVALID_ARGUMENT` (partition missing or given wrongly,
 * an increment past the range of `i64`), `TOURNAMENT_CLOSED` (outside the window, or
 * the player has not joined), `IDEMPOTENCY_CONFLICT`.
 */
export interface SubmitScoreRequest {
  /** Board id. */
  board: string
  /** Optional idempotency key (1-255 bytes). */
  idempotencyKey?: string
  /**
   * Partition (required on a partitioned board, refused on another): 1-64 of
   * `[A-Za-z0-9_.:-]`.
   */
  partition?: string
  /** The player. */
  player: string
  /** The score (any `i64`; for `increment` the amount added). */
  score: number
}

/** What a submission did. */
export interface SubmitScoreResult {
  /** Board id. */
  board: string
  /** True when the stored score changed (its submission time then moved to now). */
  changed: boolean
  /** Partition, if the board is partitioned. */
  partition?: string
  /** The period key the score counts in. */
  period: string
  /** The player. */
  player: string
  /** The stored score before the call (none: first score of the period). */
  previous?: number
  /** True when this is the stored result of an earlier call with the same key. */
  replayed: boolean
  /** The player's stored score after the call. */
  score: number
}

/** A message template: `body` with `{name}` placeholders; `{{` and `}}` are literal braces. */
export interface Template {
  /** Text with placeholders, up to 4000 bytes. */
  body: string
  /** Id, 1-128 bytes. */
  id: string
}

/** A ticket in a queue's pool: one player, or a whole party (queued by its leader). */
export interface Ticket {
  /** Queue time, UTC; older tickets go first. */
  createdAt: string
  /** Id. */
  id: string
  /** The party, for a party ticket. */
  partyId?: string
  /** Players (a party's members, leader first). */
  players: string[]
  /** Properties matched for equality (region, mode, ...). */
  properties: Record<string, string>
  /** Queue name. */
  queue: string
  /** Mean rating of the players at queue time. */
  rating: number
}

/** A player's ticket and how it stands now. */
export interface TicketStatus {
  /** The ticket. */
  ticket: Ticket
  /** Seconds waited so far. */
  waitedSecs: number
  /** Current rating window width. */
  window: number
}

/** What makes a board a tournament: a window, a join step, an optional fee and cap. */
export interface TournamentSpec {
  /**
   * Scores and joins are refused from this instant (UTC) with `TOURNAMENT_CLOSED`;
   * the rewards are granted after it.
   */
  end: string
  entryFee?: EntryFee
  /** At most this many players may join (`TOURNAMENT_FULL`); none: no cap. */
  maxEntrants?: number
  /** Scores are accepted from this instant (UTC). */
  start: string
}

/** A trade between two players (SPEC.md Trade). */
export interface Trade {
  /** `cancelled` (a side cancelled) or `expired`, for a cancelled trade. */
  cancelReason?: string
  /** The side who cancelled. */
  cancelledBy?: string
  /** When it completed or was cancelled, UTC. */
  closedAt?: string
  /**
   * An open trade expires at this instant (opened or last offer change plus
   * `expiry_secs`).
   */
  expiresAt: string
  /** Id (in the metadata of every ledger entry of its exchange, as `trade_id`). */
  id: string
  /** When opened, UTC. */
  openedAt: string
  /**
   * Moves with every offer change (which clears both confirmations); a confirmation
   * names the revision it saw.
   */
  revision: number
  /** The opener's side, then the other player's. */
  sides: TradeSide[]
  /**
   * Where it stands. An open trade past `expires_at` reads as cancelled with reason
   * `expired`.
   */
  state: TradeState
  /** Its steps, oldest first (the latest 64). */
  steps?: TradeStep[]
  /** The exchange's transaction id (its ledger entries'), for a completed trade. */
  transactionId?: string
  /** Last change, UTC. */
  updatedAt: string
}

/** Trade limits (`[trade]`); missing keys keep their defaults. */
export interface TradeConfig {
  /**
   * Seconds after it was opened or last changed that an unconfirmed trade expires
   * (default 300).
   */
  expirySecs?: number
  /** Past trades a player's history keeps (default 100; older ones stay readable by id). */
  historyLimit?: number
  /** Entries (currencies plus items) one side may offer (default 20). */
  maxOfferEntries?: number
  /** Open trades a player may be in at once (default 10); past it `LIMIT_REACHED`. */
  maxOpenPerPlayer?: number
}

/** Units of one catalog item in an offer. */
export interface TradeItem {
  /** Catalog item id. */
  itemId: string
  /** Units, >= 1 (exactly 1 for a durable item). */
  quantity: number
}

/**
 * What one side gives: currencies and items, each listed at most once. Checked for
 * shape and limits when made (currencies configured, amounts and quantities > 0, items
 * in the catalog, at most `max_offer_entries` entries); not escrowed, so whether the
 * giver holds it is decided at the exchange.
 */
export interface TradeOffer {
  /** Amounts in the currency's smallest unit, > 0. */
  currencies?: Balance[]
  /** Items with their quantities. */
  items?: TradeItem[]
}

/** Request of [`crate::Guildhall::set_trade_offer`]. */
export interface TradeOfferRequest {
  /**
   * Also confirm the revision this change makes (the other side still has to
   * confirm it), so a client sets its offer and confirms in one call.
   */
  confirm?: boolean
  /** Idempotency key, 1-255 bytes. */
  idempotencyKey?: string
  /** The new offer (replaces theirs). */
  offer: TradeOffer
  /** The side changing their offer. */
  player: string
  /**
   * The revision the player saw; when given and not current: `TRADE_CHANGED`.
   * Required with `confirm`.
   */
  revision?: number
  /** The trade. */
  tradeId: string
}

/** What a trade call did: the trade after it. */
export interface TradeResult {
  /** True when this is the stored result of an earlier call with the same key. */
  replayed: boolean
  /** The trade. */
  trade: Trade
}

/** One side of a trade. */
export interface TradeSide {
  /** Whether they confirmed the current revision. */
  confirmed: boolean
  /** What they give. */
  offer: TradeOffer
  /** The player. */
  player: string
}

/** Where a trade stands. */
export type TradeState = 'open' | 'completed' | 'cancelled'

/** One step of a trade's history (the console shows them). */
export interface TradeStep {
  /** `opened`, `offer`, `confirmed`, `completed`, `cancelled` or `expired`. */
  action: string
  /** When, UTC. */
  at: string
  offer?: TradeOffer
  /** Who acted (`None`: the expiry). */
  player?: string
  /** The revision after the step. */
  revision: number
}

/**
 * Move currency from one player to another in one commit (seed 001's bank transfer).
 * Errors: `INVALID_ARGUMENT` (same player, amount <= 0, ...), `INSUFFICIENT_FUNDS`,
 * `BALANCE_LIMIT` (receiver), `IDEMPOTENCY_CONFLICT`.
 */
export interface TransferRequest {
  /** Smallest units, > 0. */
  amount: number
  /** Currency code. */
  currency: string
  /** Sender (debited). */
  from: string
  /**
   * Idempotency key (1-255 bytes), scoped to the caller (the API key, or the player
   * of a token).
   */
  idempotencyKey?: string
  /** JSON kept with the ledger entry. */
  metadata?: Record<string, any>
  /** Why, 1-64 bytes; default `transfer`. */
  reason?: string
  /** Receiver (credited). */
  to: string
}

/** The outcome of a transfer. */
export interface TransferResult {
  /** Smallest units moved. */
  amount: number
  /** Currency code. */
  currency: string
  /** Sender. */
  from: string
  /** Sender's balance after. */
  fromBalance: number
  /** True for a replay. */
  replayed: boolean
  /** Receiver. */
  to: string
  /** Receiver's balance after. */
  toBalance: number
  /** Id of the ledger entry's transaction. */
  transactionId: string
}

/**
 * A trigger rule: when `event` fires for a player inside `audience`, show `template`
 * rendered with `variables`, within the window and the cap.
 */
export interface Trigger {
  /** Audience kind. */
  audience: AudienceKind
  /** A cancelled trigger never fires. */
  cancelled?: boolean
  /** Frequency cap per player. */
  cap: FrequencyCap
  /** Creation time (set by the service); ties of priority go to the older trigger. */
  createdAt?: string
  /** Not shown from this instant. */
  endsAt?: string
  /** Event name: `login`, `register`, `password_changed`, `name_changed`, `online`, or custom. */
  event: string
  /** Id, 1-128 bytes. */
  id: string
  /** Delivery kind. */
  kind: MessageKind
  /** Higher first. */
  priority?: number
  /** For a scheduled announcement: the instant it goes out once to its audience. */
  sendAt?: string
  /** When it was sent (scheduled ones), set by the service. */
  sentAt?: string
  /** Not shown before this instant. */
  startsAt?: string
  /** Audience target id (lobby, server, room, party or player id); none: any. */
  target?: string
  /** Template id. */
  templateId: string
  /** Values for the template's placeholders (JSON object; must cover every placeholder). */
  variables?: Record<string, any>
}

/**
 * Empties a slot. Errors: `NOT_FOUND` (nothing equipped there, deleted character),
 * `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
 */
export interface UnequipRequest {
  /** Idempotency key, scoped to the caller. */
  idempotencyKey?: string
  /** The character. */
  player: string
  /** The slot, 1-32 bytes. */
  slot: string
}

/**
 * Use up `quantity` units of a consumable. Errors: `NOT_FOUND` (no such catalog item),
 * `NOT_CONSUMABLE`, `NOT_OWNED`, `INSUFFICIENT_QUANTITY`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
 */
export interface UseItemRequest {
  /**
   * Idempotency key (1-255 bytes), scoped to the caller (the API key, or the player
   * of a token).
   */
  idempotencyKey?: string
  /** Catalog item id. */
  itemId: string
  /** Owner. */
  player: string
  /** Units, >= 1 (default 1). */
  quantity?: number
}

/** A player's wallet: one balance per configured currency (zero when never touched). */
export interface Wallet {
  /** Balances in configured currency order. */
  balances: Balance[]
  /** The player. */
  player: string
}

/** Delivery settings (`[webhooks]`); missing keys keep their defaults. */
export interface WebhooksConfig {
  /**
   * Accept `http://` endpoints that are not on the loopback (default false: HTTPS,
   * or plain HTTP to `localhost`/`127.0.0.1`/`[::1]` only).
   */
  allowHttp?: boolean
  /**
   * Wait before the first retry, milliseconds (default 5 000); doubled at each
   * further failure, with jitter (between half and all of it).
   */
  backoffInitialMs?: number
  /** Longest wait between two attempts, seconds (default 3 600). */
  backoffMaxSecs?: number
  /** Events read from the outbox per endpoint and pass (default 500). */
  batch?: number
  /**
   * Time to live of the delivery lease, seconds (default 10): one host delivers at a
   * time; another takes over this long after the holder stopped renewing.
   */
  leaseSecs?: number
  /** Failed attempts of one event at most before the endpoint is parked (default 50). */
  maxAttempts?: number
  /** Milliseconds the worker sleeps when there was nothing to deliver (default 500). */
  pollIntervalMs?: number
  /**
   * Seconds an event keeps being retried after its first failed attempt before the
   * endpoint is parked (default 86 400: 24 h).
   */
  retryBudgetSecs?: number
  /**
   * Seconds one delivery may take (connect, send, answer) before it counts as failed
   * (default 10).
   */
  timeoutSecs?: number
}

/** Weng-Lin parameters, with openskill's defaults (the Bradley-Terry full-pairing model). */
export interface WengLinParams {
  /** beta, the skill difference of a ~67 % win chance (default 25/6). */
  beta?: number
  /** kappa, the floor of the factor by which a game shrinks sigma² (default 0.0001). */
  kappa?: number
  /** Starting mean skill mu (default 25). */
  mu?: number
  /** Starting uncertainty sigma (default 25/3). */
  sigma?: number
  /**
   * tau, the dynamics factor: before each game sigma becomes sqrt(sigma² + tau²), so
   * uncertainty never settles to nothing (default 25/300; 0 turns it off).
   */
  tau?: number
}

/** A guildhall backend opened in this process. */
export declare class Guildhall {
  /**
   * Opens a backend: `database` is `sqlite://FILE`, `sqlite::memory:` or `memory://`
   * (the host's URLs; `postgres://` where the facade supports it), `redis` an optional
   * `redis://` URL for the shared coordinator, `config` the host's config as an object
   * or the path of its TOML file. The config's catalog is loaded (inserted or
   * updated). Rejects with `INVALID_ARGUMENT` for a bad config or URL and
   * `UNAVAILABLE` when the database cannot be opened.
   */
  static open(options: OpenOptions): Promise<Guildhall>
  /**
   * The same API over a running guildhall HTTP host (`http://127.0.0.1:8080`), for
   * runtimes where native addons cannot load. Provided by the package entry point
   * (`index.js`, in JavaScript); calling it on the bare native class rejects.
   */
  static connect(url: string, options?: ConnectOptions): Promise<Guildhall>
  /**
   * Credits a player from a system source. Errors: `INVALID_ARGUMENT`,
   * `BALANCE_LIMIT`, `IDEMPOTENCY_CONFLICT`.
   */
  grant(request: Input<GrantRequest>): Promise<BalanceChangeResult>
  /** Debits a player to a system sink. Errors: as `grant`, plus `INSUFFICIENT_FUNDS`. */
  spend(request: Input<SpendRequest>): Promise<BalanceChangeResult>
  /** Moves currency between two players in one commit. */
  transfer(request: Input<TransferRequest>): Promise<TransferResult>
  /** A player's wallet: every configured currency, zero when never touched. */
  wallet(player: string): Promise<WalletView>
  /**
   * The wallet, synchronously, when it can be read at once without waiting on I/O (a
   * SQLite file's point read of a few microseconds, or memory); `null` when the read
   * would wait (PostgreSQL, Redis). The package's `wallet()` (index.js) reads through
   * this and settles its Promise on the event loop's next turn, without a round trip
   * through the runtime; otherwise it awaits the native read. Throws what `wallet()`
   * rejects with (`INVALID_ARGUMENT`, `BALANCE_LIMIT`, `UNAVAILABLE`).
   */
  walletNow(player: string): WalletView | null
  /** One balance, smallest units. Errors: `INVALID_ARGUMENT` (unknown currency). */
  balance(player: string, currency: string): Promise<number>
  /** A player's ledger entries, newest first, a page at a time. */
  history(player: string, filter?: Input<HistoryFilter>): Promise<HistoryPage>
  /** Recomputes every balance from the ledger and reports differences. */
  verifyLedger(): Promise<LedgerReport>
  /** Buys catalog items: debit and item grant in one commit. */
  purchase(request: Input<PurchaseRequest>): Promise<PurchaseResult>
  /** Uses up consumables. */
  useItem(request: Input<UseItemRequest>): Promise<ItemChangeResult>
  /** Grants items without payment (rewards, admins). */
  grantItem(request: Input<GrantItemRequest>): Promise<ItemChangeResult>
  /** A player's inventory, by item id. */
  inventory(player: string): Promise<InventoryEntry[]>
  /** The whole catalog, by id. */
  catalog(): Promise<CatalogItem[]>
  /** One catalog item. Errors: `NOT_FOUND`. */
  catalogItem(itemId: string): Promise<CatalogItem>
  /** Inserts or replaces a catalog item. */
  upsertCatalogItem(item: Input<CatalogItem>): Promise<CatalogItem>
  /** Activates or deactivates a catalog item. Errors: `NOT_FOUND`. */
  setCatalogItemActive(itemId: string, active: boolean): Promise<CatalogItem>
  /**
   * Top items by units bought in `[from, to)` (ISO times; default the last 24 hours
   * on the core's clock), at most `limit` (1-100, default 10).
   */
  popularItems(query?: Input<PopularItemsQuery>): Promise<PopularItem[]>
  /**
   * Purchase revenue per currency per day of the reset time zone, days `from..=to`
   * (`YYYY-MM-DD`; default the last 30 days).
   */
  revenuePerDay(query?: Input<RevenueQuery>): Promise<DailyRevenue[]>
  /** Sends one mail (player, system or admin sender). */
  sendMail(request: Input<SendMailRequest>): Promise<SendMailResult>
  /** Stores one mail for every player (or the listed ones), delivered on their next read. */
  broadcastMail(request: Input<BroadcastRequest>): Promise<Broadcast>
  /** A player's mailbox listing, newest first. */
  mailbox(player: string): Promise<Mail[]>
  /** Opens a mail and marks it read. Errors: `NOT_FOUND`. */
  openMail(player: string, mailId: string): Promise<Mail>
  /**
   * Claims a read mail's attachments exactly once. Errors: `NOT_FOUND`,
   * `MAIL_NOT_READ`, `ALREADY_CLAIMED`.
   */
  claimMail(player: string, mailId: string, options?: { idempotencyKey?: string }): Promise<ClaimResult>
  /** Deletes a read mail. Errors: `NOT_FOUND`, `UNCLAIMED_ATTACHMENTS`. */
  deleteMail(player: string, mailId: string): Promise<void>
  /** Inserts or replaces a template. */
  putTemplate(template: Input<Template>): Promise<Template>
  /** One template. Errors: `NOT_FOUND`. */
  template(id: string): Promise<Template>
  /** Every template, by id. */
  templates(): Promise<Template[]>
  /**
   * Inserts or replaces a trigger; refused when its variables do not cover its
   * template's placeholders.
   */
  putTrigger(trigger: Input<Trigger>): Promise<Trigger>
  /** Cancels a trigger. Errors: `NOT_FOUND`. */
  cancelTrigger(id: string): Promise<Trigger>
  /** One trigger. Errors: `NOT_FOUND`. */
  trigger(id: string): Promise<Trigger>
  /** Every trigger, by id. */
  triggers(): Promise<Trigger[]>
  /** Renders a template with variables, storing nothing. */
  preview(templateId: string, variables?: Record<string, unknown>): Promise<string>
  /** Fires an event for a player: the messages to show, highest priority first. */
  fire(request: Input<FireRequest>): Promise<Message[]>
  /**
   * Pushes the live `online` triggers of one audience kind (`lobby`, `room`, ...) to
   * the players connected there (a host's scheduler does this every lobby / room
   * interval); resolves how many messages went out. Errors: `INVALID_ARGUMENT`.
   */
  pushScheduledAudience(kind: AudienceKind): Promise<number>
  /** Sends every scheduled trigger whose time has come; returns their ids. */
  sendDueTriggers(): Promise<string[]>
  /**
   * Starts (or restarts) a player's session at a location; its `room` is the room the
   * player is in (`enterRoom`), whatever `location.room` says.
   */
  login(player: string, location?: Location): Promise<Session>
  /**
   * Keeps a session alive, optionally moving it (its `room` stays the room the player is
   * in). Errors: `NOT_FOUND` (no live session).
   */
  heartbeat(player: string, location?: Location): Promise<Session>
  /** Ends a session; whether one was live. */
  logout(player: string): Promise<boolean>
  /** A player's live session, or `null`. */
  session(player: string): Promise<Session | null>
  /** Every live session. */
  online(): Promise<Session[]>
  /** Creates a party led by `player`. Errors: `ALREADY_IN_PARTY`. */
  createParty(player: string, options?: { open?: boolean }): Promise<Party>
  /**
   * The leader invites a player. Errors: `NOT_IN_PARTY`, `NOT_PARTY_LEADER`,
   * `ALREADY_IN_PARTY`, `PARTY_FULL`.
   */
  inviteToParty(leader: string, invitee: string): Promise<Invite>
  /**
   * Accepts an invite. Errors: `NOT_FOUND`, `INVITE_EXPIRED`, `PARTY_FULL`,
   * `ALREADY_IN_PARTY`.
   */
  acceptInvite(player: string, partyId: string): Promise<Party>
  /** Declines an invite. Errors: `NOT_FOUND`. */
  declineInvite(player: string, partyId: string): Promise<void>
  /**
   * Joins an open party. Errors: `NOT_FOUND`, `FORBIDDEN` (not open), `PARTY_FULL`,
   * `ALREADY_IN_PARTY`.
   */
  joinParty(player: string, partyId: string): Promise<Party>
  /** Leaves the party; the party after, or `null` when it is gone. Errors: `NOT_IN_PARTY`. */
  leaveParty(player: string): Promise<Party | null>
  /** The leader removes a member. Errors: `NOT_PARTY_LEADER`, `NOT_IN_PARTY`. */
  kickFromParty(leader: string, target: string): Promise<Party>
  /** The leader hands leadership to a member. Errors: `NOT_PARTY_LEADER`, `NOT_IN_PARTY`. */
  promoteInParty(leader: string, target: string): Promise<Party>
  /** The leader ends the party. Errors: `NOT_PARTY_LEADER`, `NOT_IN_PARTY`. */
  disbandParty(leader: string): Promise<void>
  /** The party a player is in, or `null`. */
  partyOf(player: string): Promise<Party | null>
  /** One party. Errors: `NOT_FOUND`. */
  party(partyId: string): Promise<Party>
  /**
   * Sends a friend request; to a player who already asked, accepts theirs (`friends: true`).
   * Errors: `INVALID_ARGUMENT`, `BLOCKED`, `ALREADY_FRIENDS`, `LIMIT_REACHED`.
   */
  sendFriendRequest(request: Input<SendFriendRequest>): Promise<FriendshipResult>
  /** Accepts `other`'s pending request. Errors: `NOT_FOUND`, `ALREADY_FRIENDS`, `LIMIT_REACHED`. */
  acceptFriendRequest(request: Input<FriendActionRequest>): Promise<FriendshipResult>
  /**
   * Declines `other`'s pending request, or cancels the player's own request to `other`.
   * Errors: `NOT_FOUND`.
   */
  declineFriendRequest(request: Input<FriendActionRequest>): Promise<FriendshipResult>
  /** Ends a friendship. Errors: `NOT_FOUND`. */
  removeFriend(request: Input<FriendActionRequest>): Promise<FriendshipResult>
  /**
   * Blocks a player: any friendship and pending request between the two end in the same
   * commit. Errors: `INVALID_ARGUMENT`, `LIMIT_REACHED`.
   */
  blockPlayer(request: Input<BlockRequest>): Promise<BlockResult>
  /** Lifts a block (a block the other way stays). */
  unblockPlayer(request: Input<BlockRequest>): Promise<BlockResult>
  /** A player's friends in the order added, each with presence (online, location). */
  friends(player: string): Promise<Friend[]>
  /** A player's pending friend requests, incoming and outgoing, oldest first. */
  friendRequests(player: string): Promise<FriendRequests>
  /** The players a player has blocked, in the order blocked. */
  blocked(player: string): Promise<string[]>
  /**
   * Operator: puts (inserts or replaces) an achievement or quest definition. Errors:
   * `INVALID_ARGUMENT`, `NOT_FOUND` (prerequisite, reward item), `LIMIT_REACHED`.
   */
  putAchievement(definition: Input<Achievement>): Promise<Achievement>
  /**
   * Operator: deletes a definition. Errors: `NOT_FOUND`, `INVALID_ARGUMENT` (another
   * definition needs it).
   */
  deleteAchievement(id: string): Promise<Achievement>
  /** One definition. Errors: `NOT_FOUND`. */
  achievement(id: string): Promise<Achievement>
  /** Every definition, by id. */
  achievements(): Promise<Achievement[]>
  /** A player's standing on every definition, by id. */
  playerAchievements(player: string): Promise<AchievementStatus[]>
  /** A player's standing on one definition. Errors: `NOT_FOUND`. */
  achievementStatus(player: string, achievementId: string): Promise<AchievementStatus>
  /**
   * Explicit progress for a player. Errors: `NOT_FOUND`, `INVALID_ARGUMENT`,
   * `NOT_COMPLETED` (a prerequisite), `IDEMPOTENCY_CONFLICT`.
   */
  progressAchievement(request: Input<ProgressRequest>): Promise<ProgressResult>
  /**
   * Claims a completed achievement's reward, once (per period for a resetting quest).
   * Errors: `NOT_FOUND`, `NOT_COMPLETED`, `ALREADY_CLAIMED`, `BALANCE_LIMIT`,
   * `STACK_LIMIT`, `IDEMPOTENCY_CONFLICT`.
   */
  claimAchievement(request: Input<ClaimAchievementRequest>): Promise<AchievementClaimResult>
  /**
   * Creates a group owned by `request.owner`. Errors: `INVALID_ARGUMENT`, `NAME_TAKEN`,
   * `LIMIT_REACHED`.
   */
  createGroup(request: Input<CreateGroupRequest>): Promise<Group>
  /** Groups whose name starts with `query.prefix`, a page at a time. Errors: `INVALID_ARGUMENT`. */
  findGroups(query?: Input<GroupQuery>): Promise<GroupPage>
  /**
   * A member deposits into the group's bank. Errors: `NOT_GROUP_MEMBER`,
   * `INSUFFICIENT_FUNDS`, `IDEMPOTENCY_CONFLICT`.
   */
  groupDeposit(request: Input<GroupBankRequest>): Promise<GroupBankResult>
  /**
   * An officer or the owner withdraws from the group's bank. Errors:
   * `GROUP_PERMISSION`, `INSUFFICIENT_FUNDS`, `IDEMPOTENCY_CONFLICT`.
   */
  groupWithdraw(request: Input<GroupBankRequest>): Promise<GroupBankResult>
  /** One group. Errors: `NOT_FOUND`. */
  group(groupId: string): Promise<Group>
  /** The group with this name, without regard to case. Errors: `NOT_FOUND`. */
  groupByName(name: string): Promise<Group>
  /** The groups a player is in, in the order they joined. */
  groupsOf(player: string): Promise<Group[]>
  /**
   * Joins an open group (or a closed one that invited the player). Errors: `NOT_FOUND`,
   * `GROUP_PERMISSION`, `GROUP_FULL`, `LIMIT_REACHED`.
   */
  joinGroup(player: string, groupId: string): Promise<Group>
  /** Asks to join a closed group. Errors: `NOT_FOUND`, `GROUP_FULL`, `LIMIT_REACHED`. */
  requestToJoinGroup(player: string, groupId: string): Promise<Group>
  /**
   * An owner or officer invites a player. Errors: `NOT_GROUP_MEMBER`,
   * `GROUP_PERMISSION`, `BLOCKED`, `GROUP_FULL`.
   */
  inviteToGroup(actor: string, groupId: string, invitee: string): Promise<GroupInvite>
  /** The invitee accepts. Errors: `NOT_FOUND`, `GROUP_FULL`, `LIMIT_REACHED`. */
  acceptGroupInvite(player: string, groupId: string): Promise<Group>
  /** The invitee declines. Errors: `NOT_FOUND`. */
  declineGroupInvite(player: string, groupId: string): Promise<Group>
  /**
   * An owner or officer accepts a request. Errors: `NOT_FOUND`, `NOT_GROUP_MEMBER`,
   * `GROUP_PERMISSION`, `GROUP_FULL`, `LIMIT_REACHED`.
   */
  acceptJoinRequest(actor: string, groupId: string, player: string): Promise<Group>
  /**
   * An owner or officer declines a request. Errors: `NOT_FOUND`, `NOT_GROUP_MEMBER`,
   * `GROUP_PERMISSION`.
   */
  declineJoinRequest(actor: string, groupId: string, player: string): Promise<Group>
  /**
   * An owner or officer removes a member below their role. Errors: `NOT_GROUP_MEMBER`,
   * `GROUP_PERMISSION`.
   */
  kickFromGroup(actor: string, groupId: string, target: string): Promise<Group>
  /** The owner makes a member an officer. Errors: `NOT_GROUP_MEMBER`, `GROUP_PERMISSION`. */
  promoteInGroup(actor: string, groupId: string, target: string): Promise<Group>
  /** The owner makes an officer a member. Errors: `NOT_GROUP_MEMBER`, `GROUP_PERMISSION`. */
  demoteInGroup(actor: string, groupId: string, target: string): Promise<Group>
  /** The owner hands ownership to a member. Errors: `NOT_GROUP_MEMBER`, `GROUP_PERMISSION`. */
  transferGroupOwnership(actor: string, groupId: string, target: string): Promise<Group>
  /** Leaves a group (succession; the last member out removes it). Errors: `NOT_GROUP_MEMBER`. */
  leaveGroup(player: string, groupId: string): Promise<GroupLeaveResult>
  /** The owner disbands the group. Errors: `NOT_GROUP_MEMBER`, `GROUP_PERMISSION`. */
  disbandGroup(actor: string, groupId: string): Promise<void>
  /** A group's bank: a balance per configured currency. Errors: `NOT_FOUND`. */
  groupBank(groupId: string): Promise<GroupBank>
  /** Operator: removes a member whatever their role. Errors: `NOT_FOUND`, `NOT_GROUP_MEMBER`. */
  adminRemoveGroupMember(groupId: string, player: string): Promise<GroupLeaveResult>
  /** Operator: disbands a group. Errors: `NOT_FOUND`. */
  adminDisbandGroup(groupId: string): Promise<void>
  /**
   * Posts a message to a channel (`global`, `room:<id>`, `party:<id>`, `group:<id>`,
   * `direct:<a>:<b>`); it is stored and sent to the channel's members as a
   * `chatMessage`-kind event (`chat_message`). Errors: `INVALID_ARGUMENT`,
   * `NOT_CHANNEL_MEMBER`, `BLOCKED`, `MUTED`, `RATE_LIMITED`, `IDEMPOTENCY_CONFLICT`.
   */
  postMessage(request: Input<PostMessageRequest>): Promise<ChatMessage>
  /**
   * A page of a channel's history, newest first. `player`: the reader, who must be a
   * member (absent: an operator reading any channel); `before`: a page's `nextCursor`;
   * `limit` 1-200 (default 50). Errors: `INVALID_ARGUMENT`, `NOT_CHANNEL_MEMBER`.
   */
  channelHistory(channel: string, options?: { player?: string, before?: string, limit?: number | bigint }): Promise<ChatPage>
  /** Mutes a player on every channel until `until` (RFC 3339). Errors: `INVALID_ARGUMENT`. */
  mutePlayer(request: Input<MuteRequest>): Promise<ChatMute>
  /** Lifts a player's mute; whether one was stored. */
  unmutePlayer(player: string): Promise<boolean>
  /**
   * Defines or redefines a board (sort, operator, partitioning and a tournament's start
   * are fixed once it exists). Errors: `INVALID_ARGUMENT`.
   */
  putLeaderboard(request: Input<PutLeaderboardRequest>): Promise<Leaderboard>
  /** One board's definition. Errors: `NOT_FOUND`, `INVALID_ARGUMENT`. */
  leaderboard(board: string): Promise<Leaderboard>
  /** Every board, by id. */
  leaderboards(): Promise<Leaderboard[]>
  /**
   * Submits a score (the board's operator applied atomically). Errors: `NOT_FOUND`,
   * `INVALID_ARGUMENT`, `TOURNAMENT_CLOSED`, `IDEMPOTENCY_CONFLICT`.
   */
  submitScore(request: Input<SubmitScoreRequest>): Promise<SubmitScoreResult>
  /**
   * A page of standings, best first (top N: the first page). Errors: `NOT_FOUND`,
   * `INVALID_ARGUMENT`.
   */
  leaderboardStandings(query: Input<StandingsQuery>): Promise<StandingsPage>
  /**
   * A player's rank and the records around it. Errors: `NOT_FOUND` (no score),
   * `INVALID_ARGUMENT`.
   */
  leaderboardStanding(query: Input<PlayerStandingQuery>): Promise<PlayerStanding>
  /**
   * A board's periods (open and archived, with the rewards granted); `partition`:
   * only that partition's. Errors: `NOT_FOUND`, `INVALID_ARGUMENT`.
   */
  leaderboardPeriods(board: string, partition?: string): Promise<LeaderboardPeriod[]>
  /**
   * Joins a tournament, spending its entry fee. Errors: `NOT_FOUND`,
   * `TOURNAMENT_CLOSED`, `TOURNAMENT_FULL`, `INSUFFICIENT_FUNDS`, `IDEMPOTENCY_CONFLICT`.
   */
  joinTournament(request: Input<JoinTournamentRequest>): Promise<JoinTournamentResult>
  /**
   * Runs the due leaderboard and tournament resets (rewards granted once); returns
   * the periods this call archived.
   */
  runLeaderboardResets(): Promise<LeaderboardPeriod[]>
  /** Queues a player, or (`withParty`) the leader's whole party. */
  queue(request: Input<QueueRequest>): Promise<Ticket>
  /** Cancels the player's ticket. Errors: `NOT_FOUND`. */
  cancelTicket(player: string): Promise<Ticket>
  /** The player's ticket and how it stands, or `null`. */
  ticketStatus(player: string): Promise<TicketStatus | null>
  /** Tickets waiting in a queue, oldest first. Errors: `NOT_FOUND` (queue). */
  pool(queue: string): Promise<Ticket[]>
  /**
   * One matchmaking tick over every queue (when this handle holds the tick lease):
   * expires old tickets and forms matches. Returns the matches formed.
   */
  tick(): Promise<MatchRecord[]>
  /** Reports a match result: each team's rank (0 = first; equal ranks draw). */
  reportMatch(matchId: string, ranks: number[]): Promise<ReportResult>
  /** One match. Errors: `NOT_FOUND`. */
  matchRecord(matchId: string): Promise<MatchRecord>
  /** A player's rating in a queue. Errors: `NOT_FOUND` (queue). */
  rating(player: string, queue: string): Promise<Rating>
  /** A player's matches, newest first, at most `limit` (1-100, default 20). */
  matchHistory(player: string, limit?: number | bigint): Promise<MatchRecord[]>
  /**
   * Outbox events after `after` (a previous event's `seq`; 0 from the start), oldest
   * first, at most `limit` (1-1000, default 100).
   */
  eventsAfter(after?: number | bigint, limit?: number | bigint): Promise<GuildhallEvent[]>
  /** Outbox events concerning one player after `after`, oldest first. */
  playerEventsAfter(player: string, after?: number | bigint, limit?: number | bigint): Promise<GuildhallEvent[]>
  /** Removes events and idempotency records past their retention. */
  prune(): Promise<{ events: number, idempotencyRecords: number }>
  /**
   * Calls `callback` with every event as it commits (in this process, or on every
   * instance with the Redis coordinator), on the JavaScript thread. Without `redis`,
   * commits made by another process on the same database (a Python bot, another
   * resource) never arrive here: give every process the same `redis`, or follow the
   * outbox with `eventsAfter(seq)`. Does not keep the
   * process alive by itself. Returns a function that stops this callback; `close()`
   * stops every callback.
   *
   * `options` (all optional): `topics` (`player:<id>`, `party:<id>`, `group:<id>`,
   * `room:<id>`, `chat:<channel>`, `global`: the host WebSocket's topics, one
   * definition), `player` (only events concerning that player; with `topics`, only
   * the topics' events listing the player or no one), `kinds`, and `after` (an event's
   * `seq`: the outbox after it is replayed first, then live events, none missed and
   * none twice; a callback that falls behind catches up from the outbox the same way).
   * Throws `INVALID_ARGUMENT` when `callback` is not a function or an option is bad,
   * and `UNAVAILABLE` after `close()`.
   */
  onEvent(callback: (event: GuildhallEvent) => void, options?: { topics?: string[], player?: string, kinds?: string[], after?: number | bigint }): () => void
  /**
   * Stops every `onEvent` callback, refuses further calls (`UNAVAILABLE`) and resolves
   * once every call made before it has finished. The database closes when the last
   * handle on it is collected.
   */
  close(): Promise<void>
  /** Creates a character of an account under a new player id. Errors: `NOT_FOUND` (no account), `NAME_TAKEN`, `LIMIT_REACHED`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`. */
  createCharacter(request: Input<CreateCharacterRequest>): Promise<CharacterResult>
  /** Renames a live character; the old name is freed. Errors: `NOT_FOUND`, `NAME_TAKEN`, `INVALID_ARGUMENT`. */
  renameCharacter(request: Input<RenameCharacterRequest>): Promise<CharacterResult>
  /** Soft-deletes a character (restorable for `restore_days`). Errors: `NOT_FOUND`. */
  deleteCharacter(request: Input<CharacterActionRequest>): Promise<CharacterResult>
  /** Restores a deleted character inside its window. Errors: `NOT_FOUND`, `LIMIT_REACHED`. */
  restoreCharacter(request: Input<CharacterActionRequest>): Promise<CharacterResult>
  /** Marks a live character as the account's current one. Errors: `NOT_FOUND`. */
  selectCharacter(request: Input<CharacterActionRequest>): Promise<CharacterSelection>
  /** An account's characters (live, and deleted ones still restorable). */
  characters(account: string): Promise<CharacterList>
  /** One character. Errors: `NOT_FOUND`. */
  character(character: string): Promise<Character>
  /** A character moves currency or an item into its account's bank. Errors: `NOT_FOUND`, `INSUFFICIENT_FUNDS`, `INSUFFICIENT_QUANTITY`, `ALREADY_OWNED`, `BALANCE_LIMIT`. */
  bankDeposit(request: Input<BankMoveRequest>): Promise<BankMoveResult>
  /** A character takes currency or an item from its account's bank. Errors: `NOT_FOUND`, `INSUFFICIENT_FUNDS`, `INSUFFICIENT_QUANTITY`, `ALREADY_OWNED`, `BALANCE_LIMIT`, `STACK_LIMIT`. */
  bankWithdraw(request: Input<BankMoveRequest>): Promise<BankMoveResult>
  /** The bank of an account (given the account or one of its characters). */
  accountBank(player: string): Promise<AccountBank>
  /** Equips an owned durable into the slot its metadata names. Errors: `NOT_OWNED`, `NOT_FOUND`, `INVALID_ARGUMENT`. */
  equipItem(request: Input<EquipRequest>): Promise<EquipResult>
  /** Empties a slot. Errors: `NOT_FOUND`, `INVALID_ARGUMENT`. */
  unequipItem(request: Input<UnequipRequest>): Promise<EquipResult>
  /** A player's equipment by slot. */
  equipment(player: string): Promise<Equipment>
  /**
   * Operator: puts (inserts or replaces) a loot table. Errors: `INVALID_ARGUMENT` (a
   * cycle names its tables in `details.cycle`), `NOT_FOUND` (nested table, item),
   * `LIMIT_REACHED`.
   */
  putLootTable(table: Input<LootTable>): Promise<LootTable>
  /**
   * Operator: deletes a loot table. Errors: `NOT_FOUND`, `INVALID_ARGUMENT` (another
   * table nests it).
   */
  deleteLootTable(id: string): Promise<LootTable>
  /** One loot table. Errors: `NOT_FOUND`. */
  lootTable(id: string): Promise<LootTable>
  /** Every loot table, by id. */
  lootTables(): Promise<LootTable[]>
  /**
   * Rolls a table for a player and grants the drops with the stored seed in one
   * commit (with `party`, items open need/greed rolls). Errors: `NOT_FOUND`,
   * `NOT_IN_PARTY`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
   */
  rollLoot(request: Input<RollLootRequest>): Promise<LootResult>
  /** A stored loot result. Errors: `NOT_FOUND`. */
  lootResult(id: string): Promise<LootResult>
  /**
   * Operator: a dry run (a stored result, or a table and a seed); grants nothing.
   * Errors: `NOT_FOUND`, `INVALID_ARGUMENT`.
   */
  replayLoot(request: Input<ReplayLootRequest>): Promise<LootPreview>
  /** A party loot roll. Errors: `NOT_FOUND`. */
  lootRoll(id: string): Promise<LootRoll>
  /**
   * A member's need, greed or pass; the last choice resolves the roll. Errors:
   * `NOT_FOUND`, `NOT_IN_PARTY`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
   */
  chooseLootRoll(request: Input<LootChoiceRequest>): Promise<LootRollResult>
  /** Resolves the party rolls whose window has ended; returns them. */
  resolveLootRolls(): Promise<LootRoll[]>
  /**
   * Creates a room: with `player`, owned by them and entered in the same commit
   * (leaving any room they were in); without, an empty system room. Errors:
   * `INVALID_ARGUMENT` (type, capacity, metadata size, server), `IDEMPOTENCY_CONFLICT`.
   */
  createRoom(request: Input<CreateRoomRequest>): Promise<RoomResult>
  /**
   * A player enters a room, leaving the room they were in in the same commit. Errors:
   * `NOT_FOUND`, `ROOM_FULL`, `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
   */
  enterRoom(request: Input<EnterRoomRequest>): Promise<RoomResult>
  /**
   * A player leaves their room (`roomId`, when given, must be it). Errors: `NOT_FOUND`,
   * `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
   */
  leaveRoom(request: Input<LeaveRoomRequest>): Promise<RoomResult>
  /**
   * Operator: destroys a room; its players leave it. Errors: `NOT_FOUND`,
   * `INVALID_ARGUMENT`, `IDEMPOTENCY_CONFLICT`.
   */
  destroyRoom(request: Input<DestroyRoomRequest>): Promise<RoomResult>
  /** One live room. Errors: `NOT_FOUND`. */
  room(roomId: string): Promise<Room>
  /** The room a player is in, or `null`. */
  playerRoom(player: string): Promise<Room | null>
  /** Live rooms, by id (1-1000, default 100). */
  rooms(limit?: number | bigint): Promise<Room[]>
  /**
   * Operator: a page of a room's log, oldest first (`after`: a page's `nextCursor`;
   * `limit` 1-200, default 50). Errors: `NOT_FOUND`, `INVALID_ARGUMENT`.
   */
  roomLog(roomId: string, options?: { after?: string, limit?: number | bigint }): Promise<RoomLogPage>
  /** Destroys the empty rooms past their idle time; returns how many. */
  destroyIdleRooms(): Promise<number>
  /**
   * The lobby view: live rooms (type, player count, capacity, server) and the online
   * players with their room.
   */
  lobby(): Promise<LobbyView>
  /**
   * Pushes the lobby view as a `lobby_view` event to `player`, or else to every lobby
   * player (online, with a lobby, in no room).
   */
  pushLobby(request?: Input<PushLobbyRequest>): Promise<LobbyPushResult>
  /**
   * Operator: the payment log, newest first (every verified webhook delivery and its
   * outcome); pass `nextCursor` as `cursor`. Errors: `INVALID_ARGUMENT` (limit out of
   * 1-200).
   */
  paymentLog(query?: Input<PaymentLogQuery>): Promise<PaymentLogPage>
  /**
   * Operator: a provider's payment as recorded (what it credited; after a refund what
   * was taken back and the shortfall). Errors: `NOT_FOUND`.
   */
  payment(provider: string, paymentId: string): Promise<PaymentRecord>
  /**
   * Operator: stores a new version of a game data file (its bytes in base64); returns
   * its metadata (version, sha256). Errors: `INVALID_ARGUMENT`, `LIMIT_REACHED`
   * (larger than `downloads.max_file_bytes`).
   */
  uploadFile(request: Input<PutFileRequest>): Promise<FileMeta>
  /** The current version of a file with its bytes in base64. Errors: `NOT_FOUND`. */
  fileContent(name: string): Promise<FileContent>
  /**
   * The current version of every file changed since `since` (oldest change first;
   * `latest` is the `since` of the next call). Errors: `INVALID_ARGUMENT`.
   */
  files(query?: Input<FileListQuery>): Promise<FileList>
  /** Every version of a file, newest first. Errors: `NOT_FOUND`. */
  fileVersions(name: string): Promise<FileMeta[]>
  /**
   * Opens a trade of `request.player` with `request.with`, carrying the opener's first
   * offer. Errors: `INVALID_ARGUMENT` (with themself, a bad offer), `NOT_FOUND`,
   * `BLOCKED`, `LIMIT_REACHED`, `IDEMPOTENCY_CONFLICT`.
   */
  openTrade(request: Input<OpenTradeRequest>): Promise<TradeResult>
  /**
   * A side replaces their offer (a change moves the revision and clears both
   * confirmations; `confirm` also confirms the revision it makes). Errors:
   * `TRADE_CLOSED`, `TRADE_CHANGED`, `FORBIDDEN`, `NOT_FOUND`, `INVALID_ARGUMENT`.
   */
  setTradeOffer(request: Input<TradeOfferRequest>): Promise<TradeResult>
  /**
   * A side confirms the revision it saw; the second confirmation is the exchange, in
   * one commit. Errors: `TRADE_CLOSED`, `TRADE_CHANGED`, `FORBIDDEN`, `BLOCKED`,
   * `INSUFFICIENT_FUNDS`, `INSUFFICIENT_QUANTITY`, `ALREADY_OWNED`, `BALANCE_LIMIT`,
   * `STACK_LIMIT`.
   */
  confirmTrade(request: Input<ConfirmTradeRequest>): Promise<TradeResult>
  /** A side cancels an open trade. Errors: `TRADE_CLOSED`, `FORBIDDEN`, `NOT_FOUND`. */
  cancelTrade(request: Input<CancelTradeRequest>): Promise<TradeResult>
  /** One trade. Errors: `NOT_FOUND`. */
  trade(tradeId: string): Promise<Trade>
  /** A player's open trades and history. */
  playerTrades(player: string): Promise<PlayerTrades>
  /** The most recently opened trades, newest first (1-200, default 50). */
  recentTrades(limit?: number | bigint): Promise<Trade[]>
  /** The ledger entries of a completed trade's exchange (the trade id in their metadata). */
  tradeLedger(tradeId: string): Promise<LedgerEntry[]>
  /** Closes the open trades past their expiry; returns how many. */
  expireTrades(): Promise<number>
}
