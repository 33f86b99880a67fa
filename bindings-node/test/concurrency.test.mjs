// Load: 1,000 calls in flight at once on one handle, balances conserved and the ledger
// audit clean; and the module loaded in two worker_threads writing one SQLite file.
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { Worker } from 'node:worker_threads'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { Guildhall, CONFIG_TOML, openNative, tempDir } from './helpers.mjs'

const PLAYERS = 20
const START = 10000

it('1,000 concurrent calls conserve balances and leave the ledger clean', async (t) => {
  const { gh } = await openNative(t)
  const ids = Array.from({ length: PLAYERS }, (_, i) => `c${i}`)
  await Promise.all(ids.map((p) => gh.grant({ player: p, currency: 'gold', amount: START, idempotencyKey: `seed-${p}` })))
  let seed = 42
  const rnd = (k) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % k }
  const calls = []
  for (let i = 0; i < 1000; i++) {
    const a = ids[rnd(PLAYERS)]
    let b = ids[rnd(PLAYERS)]
    if (b === a) b = ids[(ids.indexOf(a) + 1) % PLAYERS]
    switch (i % 4) {
      case 0:
      case 1: calls.push(gh.transfer({ from: a, to: b, currency: 'gold', amount: 1 + rnd(400) })); break
      case 2: calls.push(gh.purchase({ player: a, itemId: 'potion', quantity: 1 })); break
      default: calls.push(gh.wallet(a)); break
    }
  }
  assert.equal(calls.length, 1000)
  const results = await Promise.allSettled(calls)
  const failed = results.filter((r) => r.status === 'rejected')
  // CONFLICT: a hot row kept moving through every retry; the call changed nothing.
  for (const f of failed) assert.ok(['INSUFFICIENT_FUNDS', 'STACK_LIMIT', 'CONFLICT'].includes(f.reason.code), `${f.reason.code}: ${f.reason.message}`)
  t.diagnostic(`refused: ${JSON.stringify(failed.reduce((m, f) => ({ ...m, [f.reason.code]: (m[f.reason.code] ?? 0) + 1 }), {}))}`)
  const bought = results.filter((r, i) => i % 4 === 2 && r.status === 'fulfilled').length
  assert.ok(bought > 0)
  const wallets = await Promise.all(ids.map((p) => gh.balance(p, 'gold')))
  const total = wallets.reduce((s, x) => s + x, 0)
  assert.equal(total, PLAYERS * START - 10 * bought, 'gold is neither made nor lost')
  assert.ok(wallets.every((w) => w >= 0))
  const potions = (await Promise.all(ids.map((p) => gh.inventory(p)))).flat().reduce((s, e) => s + e.quantity, 0)
  assert.equal(potions, bought)
  const report = await gh.verifyLedger()
  assert.equal(report.ok, true, JSON.stringify(report))
})

it('two worker_threads load the module and write the same SQLite file', async (t) => {
  const dir = tempDir(t)
  const cfg = join(dir, 'g.toml')
  writeFileSync(cfg, CONFIG_TOML)
  const database = `sqlite://${join(dir, 'shared.db')}`
  const run = (name) => new Promise((resolve, reject) => {
    const w = new Worker(new URL('./worker.cjs', import.meta.url), { workerData: { name, database, config: cfg } })
    w.once('message', resolve)
    w.once('error', reject)
    w.once('exit', (code) => code !== 0 && reject(new Error(`worker ${name} exited ${code}`)))
  })
  const [a, b] = await Promise.all([run('wa'), run('wb')])
  assert.equal(a.ok, true, a.error)
  assert.equal(b.ok, true, b.error)
  const gh = await Guildhall.open({ database, config: cfg })
  t.after(() => gh.close())
  // each worker granted 200 x 10 to its four players, then moved gold around them and
  // to the other worker's players
  const players = ['wa0', 'wa1', 'wa2', 'wa3', 'wb0', 'wb1', 'wb2', 'wb3']
  const total = (await Promise.all(players.map((p) => gh.balance(p, 'gold')))).reduce((s, x) => s + x, 0)
  assert.equal(total, 2 * 200 * 10)
  const report = await gh.verifyLedger()
  assert.equal(report.ok, true, JSON.stringify(report))
  assert.ok(a.events > 0 && b.events > 0, 'each worker saw its own events through onEvent')
})
