// What JavaScript callers pass and get back, on both transports: every safe integer
// as a number and any 64-bit integer as a bigint, results always numbers (one beyond
// 2^53 - 1 refused, never rounded); bad input (NaN, Infinity, a function, a missing
// argument) rejects the returned Promise with INVALID_ARGUMENT naming the field; the
// wallet as a map; onEvent's unsubscribe; close() that waits; index.d.ts declaring only
// what index.js exports.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { Guildhall, GuildhallError, openNative, startHost, hostBinary, tempDir, sleep, pkg, transports } from './helpers.mjs'

let n = 0
const uid = (p) => `${p}-${process.pid}-${++n}`

/** `call()` returns a Promise (it does not throw) that rejects with INVALID_ARGUMENT naming `field`. */
async function refusesField(call, field) {
  let p
  assert.doesNotThrow(() => { p = call() }, 'bad input throws synchronously instead of rejecting')
  assert.ok(p instanceof Promise)
  const e = await p.then(() => assert.fail(`resolved; expected INVALID_ARGUMENT for ${field}`), (e) => e)
  assert.ok(e instanceof GuildhallError, `not a GuildhallError: ${e?.name} ${e?.code} ${e?.message}`)
  assert.equal(e.code, 'INVALID_ARGUMENT', e.message)
  assert.equal(e.details?.field, field, `details ${JSON.stringify(e.details)}: ${e.message}`)
  assert.doesNotMatch(e.message, /INVALID_ARGUMENT/, 'the message does not repeat the code')
  assert.doesNotThrow(() => JSON.stringify(e.details))
  return e
}


for (const [name, make] of Object.entries(transports)) {
  describe(`${name} transport: amounts and bad input`, { skip: name === 'http' && !hostBinary() && 'no host binary' }, () => {
    let gh
    const hooks = []
    before(async () => { gh = await make({ after: (f) => hooks.push(f) }) })
    after(async () => { for (const f of hooks.reverse()) await f() })

    it('accepts every safe integer as a number and 64-bit integers as bigints; results are numbers', async () => {
      const p = uid('rich')
      const g = await gh.grant({ player: p, currency: 'gems', amount: 4_294_967_296 })
      assert.equal(g.balance, 4_294_967_296)
      assert.equal(typeof g.balance, 'number')
      const big = await gh.grant({ player: p, currency: 'gems', amount: 10n ** 12n })
      assert.equal(big.balance, 4_294_967_296 + 1e12)
      assert.equal(typeof big.amount, 'number')
      const q = uid('max')
      assert.equal((await gh.grant({ player: q, currency: 'gems', amount: Number.MAX_SAFE_INTEGER })).balance, Number.MAX_SAFE_INTEGER)
      assert.equal(await gh.balance(q, 'gems'), Number.MAX_SAFE_INTEGER)
      const s = await gh.spend({ player: q, currency: 'gems', amount: 2n ** 52n })
      assert.equal(s.balance, Number.MAX_SAFE_INTEGER - 2 ** 52)
      const tr = await gh.transfer({ from: p, to: uid('to'), currency: 'gems', amount: 3_000_000_000n })
      assert.equal(tr.toBalance, 3e9)
      assert.equal((await gh.history(p, { limit: 1n })).entries.length, 1)
    })

    it('refuses a result beyond 2^53 - 1 instead of rounding it, with details JSON can write', async () => {
      const p = uid('beyond')
      await gh.grant({ player: p, currency: 'gems', amount: Number.MAX_SAFE_INTEGER })
      const e = await gh.grant({ player: p, currency: 'gems', amount: 2n }).then(() => assert.fail('resolved'), (e) => e)
      assert.equal(e.code, 'BALANCE_LIMIT')
      assert.equal(e.details.completed, true, 'the grant itself was made')
      assert.equal(e.details.value, '9007199254740993')
      assert.doesNotThrow(() => JSON.stringify(e.details))
      const w = await gh.wallet(p).then(() => assert.fail('resolved'), (e) => e)
      assert.equal(w.code, 'BALANCE_LIMIT')
      assert.equal(w.details.value, '9007199254740993')
      assert.equal((await gh.spend({ player: p, currency: 'gems', amount: 2 })).balance, Number.MAX_SAFE_INTEGER)
    })

    it('refuses numbers that are not exact, bigints beyond 64 bits, NaN, Infinity and functions by field', async () => {
      const p = uid('bad')
      await refusesField(() => gh.grant({ player: p, currency: 'gold', amount: 2 ** 53 }), 'amount')
      await refusesField(() => gh.grant({ player: p, currency: 'gold', amount: 2n ** 64n }), 'amount')
      await refusesField(() => gh.grant({ player: p, currency: 'gold', amount: NaN }), 'amount')
      await refusesField(() => gh.grant({ player: p, currency: 'gold', amount: Infinity }), 'amount')
      await refusesField(() => gh.spend({ player: p, currency: 'gold', amount: -Infinity }), 'amount')
      await refusesField(() => gh.grant({ player: p, currency: 'gold', amount: 1, metadata: { f: () => 1 } }), 'metadata.f')
      await refusesField(() => gh.sendMail({ from: { kind: 'system' }, to: p, subject: 's', attachments: { currencies: [{ currency: 'gold', amount: NaN }] } }),
        'attachments.currencies[0].amount')
      await refusesField(() => gh.history(p, { limit: NaN }), 'limit')
      await refusesField(() => gh.wallet(() => p), 'player')
      await refusesField(() => gh.balance(p, Symbol('gold')), 'currency')
      assert.equal(await gh.balance(p, 'gold'), 0, 'nothing was granted')
    })

    it('reads a wallet as a map by currency as well', async () => {
      const p = uid('map')
      await gh.grant({ player: p, currency: 'gold', amount: 350 })
      const w = await gh.wallet(p)
      assert.deepEqual(w.byCurrency, { gold: 350, gems: 0 })
      assert.deepEqual(w, { player: p, balances: [{ currency: 'gold', amount: 350 }, { currency: 'gems', amount: 0 }] }, 'the shape is kept')
      assert.deepEqual(Object.keys(w).sort(), ['balances', 'player'])
    })

    it('refuses onEvent without a function', () => {
      assert.throws(() => gh.onEvent(42), (e) => e instanceof GuildhallError && e.code === 'INVALID_ARGUMENT' && e.details.field === 'callback')
    })
  })
}

describe('native transport: missing arguments and nested fields', () => {
  it('rejects missing arguments and bad fields of a request by their own name', async (t) => {
    const { gh } = await openNative(t)
    await refusesField(() => gh.wallet(), 'player')
    await refusesField(() => gh.grant(), 'request')
    await refusesField(() => gh.grant({ player: '', currency: 'gold', amount: 1 }), 'player')
    await refusesField(() => gh.grant({ player: 'a'.repeat(200), currency: 'gold', amount: 1 }), 'player')
    await refusesField(() => gh.purchase({ player: 'x', itemId: 'potion', quantity: 1.5 }), 'quantity')
    await refusesField(() => gh.transfer({ from: 'a', to: 'b', currency: 'gold' }), 'request')
    await refusesField(() => gh.claimMail('p', 'm', { idempotencyKey: 5 }), 'idempotencyKey')
    await refusesField(() => gh.eventsAfter(NaN), 'after')
    await refusesField(() => gh.eventsAfter(2n ** 63n), 'after')
    assert.equal((await gh.eventsAfter(0n, 1n)).length, 0)
  })

  it('opens with SPEC\'s own maximum balance and a bigint one, and refuses NaN in the config by its path', async (t) => {
    const dir = tempDir(t)
    const gh = await Guildhall.open({ database: `sqlite://${join(dir, 'a.db')}`, config: { currencies: [{ code: 'gold', maxBalance: 1e12 }] } })
    assert.equal((await gh.grant({ player: 'p', currency: 'gold', amount: 1e12 })).balance, 1e12)
    const e = await gh.grant({ player: 'p', currency: 'gold', amount: 1 }).then(() => assert.fail('resolved'), (e) => e)
    assert.equal(e.code, 'BALANCE_LIMIT')
    await gh.close()
    const big = await Guildhall.open({ database: 'memory://', config: { currencies: [{ code: 'gold', maxBalance: 2n ** 62n }] } })
    await big.close()
    await refusesField(() => Guildhall.open({ database: 'memory://', config: { currencies: [{ code: 'gold', maxBalance: NaN }] } }), 'config.currencies[0].maxBalance')
    await refusesField(() => Guildhall.open(), 'options')
  })
})

describe('onEvent and close', () => {
  it('onEvent returns a function that stops that callback only', async (t) => {
    const { gh } = await openNative(t)
    const a = [], b = []
    const stopA = gh.onEvent((e) => a.push(e.kind))
    assert.equal(typeof stopA, 'function')
    gh.onEvent((e) => b.push(e.kind))
    await gh.grant({ player: 'u', currency: 'gold', amount: 1 })
    for (let i = 0; i < 100 && (a.length < 1 || b.length < 1); i++) await sleep(10)
    stopA()
    stopA()
    await gh.grant({ player: 'u', currency: 'gold', amount: 1 })
    for (let i = 0; i < 100 && b.length < 2; i++) await sleep(10)
    await sleep(20)
    assert.deepEqual(a, ['currency_granted'])
    assert.deepEqual(b, ['currency_granted', 'currency_granted'])
  })

  it('close() resolves once the calls made before it are done, and no callback runs after', async (t) => {
    const { gh } = await openNative(t)
    const seen = []
    gh.onEvent((e) => seen.push(e))
    const calls = Array.from({ length: 200 }, (_, i) => gh.grant({ player: `c${i % 10}`, currency: 'gold', amount: 1 }))
    const read = gh.wallet('c1')
    const closing = gh.close()
    assert.ok(closing instanceof Promise)
    let settled = 0
    for (const c of calls) c.then(() => settled++, () => settled++)
    await closing
    assert.equal(settled, 200, 'every call made before close() settled first')
    const results = await Promise.allSettled(calls)
    assert.deepEqual(results.filter((r) => r.status === 'rejected').map((r) => r.reason.code), [], 'calls made before close() complete')
    assert.ok((await read).balances)
    const count = seen.length
    await assert.rejects(gh.wallet('c1'), (e) => e.code === 'UNAVAILABLE')
    await sleep(30)
    assert.equal(seen.length, count, 'no event after close() resolved')
  })

  it('the HTTP transport: unsubscribe with a ready Promise, close() that waits', { skip: !hostBinary() && 'no host binary' }, async (t) => {
    const host = await startHost(t)
    const gh = await Guildhall.connect(host.url, { apiKey: host.key, pollMs: 20 })
    const seen = []
    const stop = gh.onEvent((e) => seen.push(e.kind))
    assert.equal(typeof stop, 'function')
    await stop.ready
    await gh.grant({ player: 'h', currency: 'gold', amount: 1 })
    for (let i = 0; i < 200 && seen.length < 1; i++) await sleep(10)
    assert.deepEqual(seen, ['currency_granted'])
    stop()
    await gh.grant({ player: 'h', currency: 'gold', amount: 1 })
    await sleep(100)
    assert.deepEqual(seen, ['currency_granted'])
    const pending = gh.wallet('h')
    await gh.close()
    assert.equal((await pending).byCurrency.gold, 2)
    await assert.rejects(gh.wallet('h'), (e) => e.code === 'UNAVAILABLE')
  })
})

it('index.d.ts declares only values index.js exports', () => {
  const dts = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')
  const declared = [...dts.matchAll(/^export declare (?:const|class|function|let|var) (\w+)/gm)].map((m) => m[1])
  assert.ok(declared.includes('Guildhall'))
  for (const name of declared) assert.ok(name in pkg, `index.d.ts declares ${name}, which index.js does not export`)
})
