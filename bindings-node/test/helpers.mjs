// Shared fixtures of the node:test suites: a config (as TOML text and as the same
// object), a temporary directory, a native handle on a fresh SQLite file, and a
// guildhall HTTP host started as a child process on a free loopback port.
import { spawn, execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
export const pkg = require('../index.js')
export const { Guildhall, GuildhallError, ERROR_CODES } = pkg

const here = dirname(fileURLToPath(import.meta.url))
export const repo = resolve(here, '..', '..')

export const CONFIG_TOML = `
reset_timezone = "UTC"

[[currencies]]
code = "gold"
max_balance = 1000000

[[currencies]]
code = "gems"

[[catalog]]
id = "potion"
name = "Health Potion"
kind = "consumable"
price = { currency = "gold", amount = 10 }
max_stack = 20

[[catalog]]
id = "sword"
name = "Sword"
kind = "durable"
price = { currency = "gold", amount = 100 }

[[catalog]]
id = "badge"
name = "Founder Badge"
kind = "durable"

[[catalog]]
id = "old"
name = "Retired Hat"
kind = "durable"
price = { currency = "gold", amount = 5 }
active = false

[mail]
player_daily_limit = 2

[party]
max_size = 3
invite_ttl_secs = 1

[[queues]]
name = "duel"
teams = 2
team_size = 1
properties = ["region"]
window = { initial = 100.0, widen_per_sec = 10.0, max = 500.0 }
max_wait_secs = 120
`

/** The same config as a JavaScript object (camelCase keys, as a resource would write it). */
export const CONFIG = {
  resetTimezone: 'UTC',
  currencies: [{ code: 'gold', maxBalance: 1000000 }, { code: 'gems' }],
  catalog: [
    { id: 'potion', name: 'Health Potion', kind: 'consumable', price: { currency: 'gold', amount: 10 }, maxStack: 20 },
    { id: 'sword', name: 'Sword', kind: 'durable', price: { currency: 'gold', amount: 100 } },
    { id: 'badge', name: 'Founder Badge', kind: 'durable' },
    { id: 'old', name: 'Retired Hat', kind: 'durable', price: { currency: 'gold', amount: 5 }, active: false },
  ],
  mail: { playerDailyLimit: 2 },
  party: { maxSize: 3, inviteTtlSecs: 1 },
  queues: [{
    name: 'duel', teams: 2, teamSize: 1, properties: ['region'],
    window: { initial: 100, widenPerSec: 10, max: 500 }, maxWaitSecs: 120,
  }],
}

export function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'guildhall-node-'))
  t?.after?.(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A native handle on a fresh SQLite file, with the config given as its TOML file. */
export async function openNative(t, config = undefined) {
  const dir = tempDir(t)
  const cfgPath = join(dir, 'guildhall.toml')
  writeFileSync(cfgPath, CONFIG_TOML)
  const gh = await Guildhall.open({ database: `sqlite://${join(dir, 'game.db')}`, config: config ?? cfgPath })
  t?.after?.(() => gh.close())
  return { gh, dir, database: `sqlite://${join(dir, 'game.db')}` }
}

/** The guildhall host binary: $GUILDHALL_BIN, else the workspace's release or debug build. */
export function hostBinary() {
  const candidates = [
    process.env.GUILDHALL_BIN,
    join(repo, 'target', 'release', 'guildhall'),
    join(repo, 'target', 'debug', 'guildhall'),
  ].filter(Boolean)
  return candidates.find((p) => existsSync(p)) ?? null
}

export async function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer()
    srv.once('error', rej)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => res(port))
    })
  })
}

/**
 * Starts `guildhall serve` (dev mode: a throwaway token secret) on a fresh SQLite file
 * and the test config, with an admin API key made by `guildhall keys create`; resolves
 * with its URL and key once `/healthz` answers. Stopped after the test (or suite) `t`.
 */
export async function startHost(t, { bin = hostBinary(), toml = CONFIG_TOML } = {}) {
  if (!bin) throw new Error('no guildhall host binary: build it with `cargo build -p guildhall-host` or set GUILDHALL_BIN')
  const dir = tempDir(t)
  const cfgPath = join(dir, 'host.toml')
  writeFileSync(cfgPath, toml)
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const database = `sqlite://${join(dir, 'host.db')}`
  const key = execFileSync(bin, ['keys', 'create', '--config', cfgPath, '--database', database,
    '--name', 'node-tests', '--scope', 'admin'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  const child = spawn(bin, ['serve', '--dev', '--config', cfgPath, '--listen', `127.0.0.1:${port}`,
    '--database', database], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, RUST_LOG: 'warn' },
  })
  let stderr = ''
  child.stderr.on('data', (d) => { stderr += d })
  const stop = () => new Promise((res) => {
    if (child.exitCode !== null) return res()
    child.once('exit', res)
    child.kill('SIGTERM')
    setTimeout(() => child.kill('SIGKILL'), 3000).unref()
  })
  t?.after?.(stop)
  const deadline = Date.now() + 30000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`guildhall serve exited ${child.exitCode}: ${stderr}`)
    try {
      const r = await fetch(`${url}/healthz`)
      if (r.ok) break
    } catch {}
    if (Date.now() > deadline) throw new Error(`guildhall serve did not answer: ${stderr}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  return { url, key, stop, child, dir }
}

/** The two transports of the package, each a maker of a handle torn down after `t`. */
export const transports = {
  native: async (t) => (await openNative(t)).gh,
  http: async (t) => {
    const host = await startHost(t)
    const gh = await Guildhall.connect(host.url, { apiKey: host.key })
    t.after(() => gh.close())
    return gh
  },
}

/** Asserts that `p` rejects with a guildhall error of `code`; returns the error. */
export async function rejectsWith(assert, p, code) {
  try {
    await p
  } catch (e) {
    assert.ok(e instanceof Error, `not an Error: ${e}`)
    assert.ok(e instanceof GuildhallError, `not a GuildhallError: ${e?.name} ${e?.message}`)
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`)
    assert.ok(ERROR_CODES.includes(e.code))
    assert.ok('details' in e)
    return e
  }
  assert.fail(`expected ${code}, but it resolved`)
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
