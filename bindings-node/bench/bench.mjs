// Throughput and latency of a wallet read and a purchase on SQLite, in process (the
// native module) and over a guildhall HTTP host on loopback (the same JavaScript API
// through fetch). Each case runs for a bounded time (BENCH_SECONDS, default 3) or a
// bounded number of calls, whichever ends first, after a short warm-up.
//
//   node bench/bench.mjs                 (GUILDHALL_BIN: the host binary; default the
//                                         workspace's release build, else debug)
// Prints one line per case: calls/s and mean latency, sequential (one awaited call at
// a time) and concurrent (CONCURRENCY calls in flight, default 64), and the largest gap
// between ticks of a 5 ms interval timer running meanwhile (how long the event loop
// was kept from turning).
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, cpus } from 'node:os'
import { join } from 'node:path'
import { startHost, hostBinary } from '../test/helpers.mjs'

const require = createRequire(import.meta.url)
const { Guildhall } = require('../index.js')

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64)
const MAX_CALLS = Number(process.env.BENCH_MAX_CALLS ?? 2_000_000)

const CONFIG = `
[[currencies]]
code = "gold"

[[catalog]]
id = "potion"
name = "Potion"
kind = "consumable"
price = { currency = "gold", amount = 1 }
`

async function measure(label, fn, { concurrency }) {
  const warm = Date.now() + 300
  while (Date.now() < warm) await fn(0)
  let calls = 0
  let latency = 0n
  const end = performance.now() + SECONDS * 1000
  let last = performance.now()
  let gap = 0
  const timer = setInterval(() => {
    const now = performance.now()
    gap = Math.max(gap, now - last)
    last = now
  }, 5)
  const t0 = process.hrtime.bigint()
  const worker = async (w) => {
    while (performance.now() < end && calls < MAX_CALLS) {
      const s = process.hrtime.bigint()
      await fn(w)
      latency += process.hrtime.bigint() - s
      calls++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)))
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  clearInterval(timer)
  gap = Math.max(gap, performance.now() - last)
  const row = { case: label, concurrency, calls, seconds: +secs.toFixed(2), callsPerSec: Math.round(calls / secs), meanLatencyUs: +(Number(latency / BigInt(calls)) / 1000).toFixed(1), maxTimerGapMs: +gap.toFixed(1) }
  console.log(`${label.padEnd(34)} in flight ${String(concurrency).padStart(3)}  ${String(row.callsPerSec).padStart(8)} calls/s  mean ${String(row.meanLatencyUs).padStart(8)} µs  timer gap ${String(row.maxTimerGapMs).padStart(5)} ms  (${calls} calls)`)
  return row
}

async function suite(name, gh) {
  const rows = []
  const players = Array.from({ length: CONCURRENCY }, (_, i) => `bench-${name}-${i}`)
  for (const p of players) await gh.grant({ player: p, currency: 'gold', amount: 1_000_000_000 })
  rows.push(await measure(`${name}: wallet read`, () => gh.wallet(players[0]), { concurrency: 1 }))
  rows.push(await measure(`${name}: wallet read`, (w) => gh.wallet(players[w]), { concurrency: CONCURRENCY }))
  rows.push(await measure(`${name}: purchase`, () => gh.purchase({ player: players[0], itemId: 'potion' }), { concurrency: 1 }))
  rows.push(await measure(`${name}: purchase`, (w) => gh.purchase({ player: players[w], itemId: 'potion' }), { concurrency: CONCURRENCY }))
  const audit = await gh.verifyLedger()
  if (!audit.ok) throw new Error('ledger audit failed after the benchmark')
  return rows
}

const dir = mkdtempSync(join(tmpdir(), 'guildhall-bench-'))
const cfg = join(dir, 'bench.toml')
writeFileSync(cfg, CONFIG)
console.log(`node ${process.version}, ${cpus().length} cpus, ${SECONDS} s per case`)
const rows = []
try {
  const gh = await Guildhall.open({ database: `sqlite://${join(dir, 'inproc.db')}`, config: cfg })
  rows.push(...await suite('in-process', gh))
  await gh.close()

  const bin = hostBinary()
  if (bin) {
    const hooks = []
    const host = await startHost({ after: (f) => hooks.push(f) }, { bin, toml: CONFIG })
    console.log(`host: ${bin}`)
    const http = await Guildhall.connect(host.url, { apiKey: host.key })
    try {
      rows.push(...await suite('http', http))
    } finally {
      await http.close()
      for (const f of hooks.reverse()) await f()
    }
  } else {
    console.log('no guildhall host binary: HTTP cases skipped')
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(rows, null, 2))
