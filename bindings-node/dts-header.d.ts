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


/** Options of `Guildhall.open`. */
export interface OpenOptions {
  /**
   * `sqlite://FILE`, `sqlite::memory:`, `postgres://...` or `memory://` (default:
   * `GUILDHALL_DATABASE_URL`, else the config's `database`, else `sqlite://guildhall.db`).
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
  config?: GuildhallConfig | string
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
}
