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
