// Awaited calls let the event loop turn: a 5 ms timer keeps firing (largest gap under
// 20 ms) while a loop awaits 10,000 wallet reads from a SQLite file, then 2,000
// purchases, one at a time. A read answered at once, without the event loop turning,
// would hold the timer back for the whole loop.
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { Guildhall, tempDir } from './helpers.mjs'

const CONFIG = {
  currencies: [{ code: 'gold' }],
  catalog: [{ id: 'potion', name: 'Potion', kind: 'consumable', price: { currency: 'gold', amount: 1 }, maxStack: 1000000 }],
}

/** Runs `body` under a 5 ms interval timer; returns the largest gap between its ticks. */
async function largestTimerGap(body) {
  let last = performance.now()
  let gap = 0
  let ticks = 0
  const timer = setInterval(() => {
    const now = performance.now()
    gap = Math.max(gap, now - last)
    last = now
    ticks++
  }, 5)
  try {
    await body()
  } finally {
    clearInterval(timer)
  }
  gap = Math.max(gap, performance.now() - last)
  return { gap, ticks }
}

// A gap is a worst case, so a busy machine (the JavaScript thread descheduled by the
// OS for a while) can make one measurement miss; each phase gets three attempts. The
// old behaviour missed every one: the whole loop ran as one block of 300 ms and more.
async function bestOfThree(t, what, body) {
  let best = Infinity
  for (let attempt = 1; attempt <= 3 && best >= 20; attempt++) {
    const { gap, ticks } = await largestTimerGap(body)
    t.diagnostic(`${what}, attempt ${attempt}: largest timer gap ${gap.toFixed(1)} ms, ${ticks} ticks`)
    best = Math.min(best, gap)
  }
  assert.ok(best < 20, `the 5 ms timer waited ${best.toFixed(1)} ms during ${what}`)
}

it('a 5 ms timer keeps running during 10,000 awaited wallet reads and 2,000 awaited purchases', async (t) => {
  const dir = tempDir(t)
  const gh = await Guildhall.open({ database: `sqlite://${join(dir, 'loop.db')}`, config: CONFIG })
  t.after(() => gh.close())
  await gh.grant({ player: 'loop', currency: 'gold', amount: 1_000_000 })
  for (let i = 0; i < 100; i++) await gh.wallet('loop') // warm up

  await bestOfThree(t, '10,000 awaited wallet reads', async () => {
    for (let i = 0; i < 10_000; i++) {
      const w = await gh.wallet('loop')
      if (w.balances[0].amount < 1_000_000 - 6_000) throw new Error('wrong balance')
    }
  })
  let bought = 0
  await bestOfThree(t, '2,000 awaited purchases', async () => {
    for (let i = 0; i < 2_000; i++, bought++) await gh.purchase({ player: 'loop', itemId: 'potion' })
  })
  assert.equal(await gh.balance('loop', 'gold'), 1_000_000 - bought)
})

it('every awaitable call settles on a later turn of the event loop, a wallet read too', async (t) => {
  const dir = tempDir(t)
  const gh = await Guildhall.open({ database: `sqlite://${join(dir, 'turn.db')}`, config: CONFIG })
  t.after(() => gh.close())
  for (const call of [() => gh.wallet('p'), () => gh.wallet(42), () => gh.balance('p', 'gold'), () => gh.grant({ player: 'p', currency: 'gold', amount: NaN })]) {
    let settled = false
    const p = call().catch(() => {}).finally(() => { settled = true })
    for (let i = 0; i < 100; i++) await null // microtasks only: the same turn of the loop
    assert.equal(settled, false, `${call} settled without the event loop turning`)
    await p
  }
  // The synchronous read exists under a name that says so.
  assert.deepEqual(gh.walletNow('p').balances, [{ currency: 'gold', amount: 0 }])
})
