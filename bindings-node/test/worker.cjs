// A worker thread of concurrency.test.mjs: opens the shared SQLite file through the
// native module, grants and transfers concurrently with the other worker, and reports.
const { parentPort, workerData } = require('node:worker_threads')
const { Guildhall } = require('../index.js')

// CONFLICT means "nothing changed, try again": another process held the SQLite write
// lock longer than the retries of one call (opening migrates; both workers start at once).
async function retrying(call, tries = 0) {
  try {
    return await call()
  } catch (e) {
    if (e.code === 'CONFLICT' && tries < 10) return retrying(call, tries + 1)
    throw e
  }
}

async function main() {
  const { name, database, config } = workerData
  const gh = await retrying(() => Guildhall.open({ database, config }))
  let events = 0
  gh.onEvent(() => { events++ })
  const mine = [0, 1, 2, 3].map((i) => `${name}${i}`)
  const other = name === 'wa' ? 'wb' : 'wa'
  const grants = []
  for (let i = 0; i < 200; i++) grants.push(retrying(() => gh.grant({ player: mine[i % 4], currency: 'gold', amount: 10, idempotencyKey: `${name}-g-${i}` })))
  await Promise.all(grants)
  const moves = []
  for (let i = 0; i < 200; i++) {
    const to = i % 2 ? mine[(i + 1) % 4] : `${other}${i % 4}`
    // Another process writes the same rows: a CONFLICT changed nothing and is retried.
    const move = async (tries) => {
      try {
        await gh.transfer({ from: mine[i % 4], to, currency: 'gold', amount: 3 })
      } catch (e) {
        if (e.code === 'CONFLICT' && tries < 10) return move(tries + 1)
        if (e.code !== 'INSUFFICIENT_FUNDS' && e.code !== 'CONFLICT') throw e
      }
    }
    moves.push(move(0))
  }
  await Promise.all(moves)
  const report = await retrying(() => gh.verifyLedger())
  for (let i = 0; i < 100 && events < 200; i++) await new Promise((r) => setTimeout(r, 10))
  gh.close()
  return { ok: report.ok, events }
}

main().then((r) => parentPort.postMessage(r), (e) => parentPort.postMessage({ ok: false, error: `${e.code}: ${e.message}` }))
