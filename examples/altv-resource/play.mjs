// Plays a short session against the resource under plain Node, with the stand-in
// 'alt-server' module: two players connect, one gets a donation by mail (claimed at
// login), uses the bank, buys in the shop, and invites the other to a party.
//
//   node examples/altv-resource/play.mjs            (a fresh temporary database)
//   GUILDHALL_DATABASE=sqlite://game.db node ...    (a database of your choice)
import { register } from 'node:module'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import assert from 'node:assert/strict'

register('./stand-in/hooks.mjs', import.meta.url)

let tmp = null
if (!process.env.GUILDHALL_DATABASE) {
  tmp = mkdtempSync(join(tmpdir(), 'guildhall-altv-'))
  process.env.GUILDHALL_DATABASE = `sqlite://${join(tmp, 'game.db')}`
}

const alt = await import('alt-server')
const { gh } = await import('./server/index.js')
const { standIn } = alt

// Before the players arrive: a donation webhook (on the website) mailed dollars and an
// item to Ann; the idempotency key is the payment id, so a redelivery mails once.
const donation = { from: { kind: 'system' }, to: 'altv:1001', subject: 'Thank you for your donation',
  attachments: { currencies: [{ currency: 'dollars', amount: 5000 }], items: [{ itemId: 'welcome_car_key', quantity: 1 }] },
  idempotencyKey: 'payment-7731' }
await gh.sendMail(donation)
await gh.sendMail(donation)

const ann = await standIn.connect('Ann', 1001)
const bob = await standIn.connect('Bob', 1002)
const show = (who) => { for (const n of standIn.notes(who)) console.log(`  [${who.name}] ${n}`) }
console.log('Ann and Bob connect:')
show(ann); show(bob)
assert.equal(await gh.balance('altv:1001', 'dollars'), 5000, 'the donation was claimed once at login')

console.log('Ann: /bank, /bank pay Bob 300')
await standIn.send(ann, 'guildhall:bank', 'balance')
await standIn.send(ann, 'guildhall:bank', 'pay', 'Bob', '300')
show(ann); show(bob)

console.log('Bob buys 2 burgers (the packet arrives twice), eats one, tries a pistol license:')
await standIn.send(bob, 'guildhall:shop:buy', 'burger', 2, 'req-1')
await standIn.send(bob, 'guildhall:shop:buy', 'burger', 2, 'req-1')
await standIn.send(bob, 'guildhall:shop:use', 'burger')
await standIn.send(bob, 'guildhall:shop:buy', 'pistol_license', 1, 'req-2')
show(bob)
assert.equal(await gh.balance('altv:1002', 'dollars'), 270)

console.log('Ann invites Bob to a party; Bob accepts:')
await standIn.send(ann, 'guildhall:party:invite', 'Bob')
const [, partyId, from] = bob.received.find(([n]) => n === 'guildhall:party:invited')
console.log(`  [Bob] invited by ${from}`)
await standIn.send(bob, 'guildhall:party:accept', partyId)
show(ann); show(bob)
assert.equal((await gh.partyOf('altv:1002')).members.length, 2)

await new Promise((r) => setTimeout(r, 50))
const live = bob.received.filter(([n]) => n === 'guildhall:event').map(([, kind]) => kind)
console.log(`Live events Bob's client received: ${[...new Set(live)].join(', ')}`)
assert.ok(live.includes('item_purchased'))

await standIn.disconnect(ann)
await standIn.disconnect(bob)
assert.equal((await gh.verifyLedger()).ok, true)
await standIn.stop()
if (tmp) rmSync(tmp, { recursive: true, force: true })
console.log('session played; ledger verified')
