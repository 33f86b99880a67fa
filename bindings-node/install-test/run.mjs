// Runs the compiled-free half of the install test: the installed package loads its
// addon from the platform package (not from a build tree) and answers a session.
import { Guildhall, nativeLoaded } from 'guildhall'
import { createRequire } from 'node:module'
import assert from 'node:assert/strict'

assert.equal(nativeLoaded, true, 'the addon of guildhall-linux-x64-gnu loaded')
const require = createRequire(import.meta.url)
const addonPath = require.resolve('guildhall-linux-x64-gnu')
assert.match(addonPath, /node_modules\/guildhall-linux-x64-gnu\/guildhall\.linux-x64-gnu\.node$/)
const gh = await Guildhall.open({ database: 'sqlite::memory:', config: { currencies: [{ code: 'dollars' }] } })
const r = await gh.grant({ player: 'altv:1', currency: 'dollars', amount: 250, idempotencyKey: 'k1' })
assert.equal(r.balance, 250)
const again = await gh.grant({ player: 'altv:1', currency: 'dollars', amount: 250, idempotencyKey: 'k1' })
assert.equal(again.replayed, true)
await assert.rejects(gh.spend({ player: 'altv:1', currency: 'dollars', amount: 1000 }), { code: 'INSUFFICIENT_FUNDS' })
assert.equal(await gh.balance('altv:1', 'dollars'), 250)
await gh.close()
console.log(`installed guildhall answered from ${addonPath}`)
