// One suite, run against both transports: the native module in process
// (Guildhall.open) and the same API over a guildhall HTTP host (Guildhall.connect).
// Covers economy, catalog and inventory, mail, and chat, with their error codes.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { GuildhallError, rejectsWith, hostBinary, transports, sleep } from './helpers.mjs'

let n = 0
const uid = (p) => `${p}-${process.pid}-${++n}`


for (const [name, make] of Object.entries(transports)) {
  describe(`${name} transport`, { skip: name === 'http' && !hostBinary() && 'no host binary' }, () => {
    let gh
    const hooks = []
    before(async () => { gh = await make({ after: (f) => hooks.push(f) }) })
    after(async () => { for (const f of hooks.reverse()) await f() })

    it('grants, spends, transfers and reads wallets, balances and history', async () => {
      const a = uid('alice'), b = uid('bob')
      const g = await gh.grant({ player: a, currency: 'gold', amount: 500, source: 'donations', reason: 'donation', metadata: { orderId: 'A-1', nested_key: 1 } })
      assert.equal(g.balance, 500)
      assert.equal(g.player, a)
      assert.equal(g.replayed, false)
      assert.equal(typeof g.transactionId, 'string')
      const s = await gh.spend({ player: a, currency: 'gold', amount: 50, sink: 'fees', reason: 'fee' })
      assert.equal(s.balance, 450)
      const tr = await gh.transfer({ from: a, to: b, currency: 'gold', amount: 100, reason: 'gift' })
      assert.equal(tr.fromBalance, 350)
      assert.equal(tr.toBalance, 100)
      const w = await gh.wallet(a)
      assert.deepEqual(w, { player: a, balances: [{ currency: 'gold', amount: 350 }, { currency: 'gems', amount: 0 }] })
      assert.equal(await gh.balance(b, 'gold'), 100)
      assert.equal(await gh.balance(uid('nobody'), 'gems'), 0)
      const h = await gh.history(a, { limit: 2 })
      assert.equal(h.entries.length, 2)
      assert.equal(h.entries[0].kind, 'transfer')
      assert.ok(h.nextCursor)
      const rest = await gh.history(a, { cursor: h.nextCursor })
      assert.equal(rest.entries.length, 1)
      assert.equal(rest.entries[0].kind, 'grant')
      assert.deepEqual(rest.entries[0].metadata, { orderId: 'A-1', nested_key: 1 }, 'metadata keys are kept as given')
      assert.equal(rest.entries[0].debit, 'system:donations')
      const grants = await gh.history(a, { kind: 'grant', currency: 'gold' })
      assert.equal(grants.entries.length, 1)
      const report = await gh.verifyLedger()
      assert.equal(report.ok, true)
      assert.deepEqual(report.mismatches, [])
    })

    it('replays an idempotent grant and refuses a different request under the same key', async () => {
      const p = uid('donor')
      const first = await gh.grant({ player: p, currency: 'gold', amount: 70, idempotencyKey: 'pay-1' })
      const again = await gh.grant({ player: p, currency: 'gold', amount: 70, idempotencyKey: 'pay-1' })
      assert.equal(again.replayed, true)
      assert.equal(again.transactionId, first.transactionId)
      assert.equal(await gh.balance(p, 'gold'), 70)
      const e = await rejectsWith(assert, gh.grant({ player: p, currency: 'gold', amount: 71, idempotencyKey: 'pay-1' }), 'IDEMPOTENCY_CONFLICT')
      assert.equal(e.details.idempotencyKey, 'pay-1')
    })

    it('refuses with the economy error codes and changes nothing', async () => {
      const p = uid('poor')
      await gh.grant({ player: p, currency: 'gold', amount: 5 })
      const e = await rejectsWith(assert, gh.spend({ player: p, currency: 'gold', amount: 6 }), 'INSUFFICIENT_FUNDS')
      assert.equal(typeof e.message, 'string')
      assert.ok(e.details && typeof e.details === 'object')
      await rejectsWith(assert, gh.transfer({ from: p, to: uid('x'), currency: 'gold', amount: 6 }), 'INSUFFICIENT_FUNDS')
      await rejectsWith(assert, gh.grant({ player: p, currency: 'gold', amount: 1000000 }), 'BALANCE_LIMIT')
      await rejectsWith(assert, gh.grant({ player: p, currency: 'silver', amount: 1 }), 'INVALID_ARGUMENT')
      await rejectsWith(assert, gh.grant({ player: p, currency: 'gold', amount: -1 }), 'INVALID_ARGUMENT')
      await rejectsWith(assert, gh.grant({ player: p, currency: 'gold', amount: 1.5 }), 'INVALID_ARGUMENT')
      await rejectsWith(assert, gh.grant({ player: '', currency: 'gold', amount: 1 }), 'INVALID_ARGUMENT')
      await rejectsWith(assert, gh.grant({ player: p, currency: 'gold', amount: 1, bogusField: 1 }), 'INVALID_ARGUMENT')
      await rejectsWith(assert, gh.transfer({ from: p, to: p, currency: 'gold', amount: 1 }), 'INVALID_ARGUMENT')
      await rejectsWith(assert, gh.wallet(42), 'INVALID_ARGUMENT')
      await rejectsWith(assert, gh.history(p, { limit: 0 }), 'INVALID_ARGUMENT')
      assert.equal(await gh.balance(p, 'gold'), 5)
    })

    it('buys, uses and grants items and lists inventory and catalog', async () => {
      const p = uid('buyer')
      await gh.grant({ player: p, currency: 'gold', amount: 1000 })
      const r = await gh.purchase({ player: p, itemId: 'potion', quantity: 3, metadata: { shopId: 7 } })
      assert.equal(r.amount, 30)
      assert.equal(r.balance, 970)
      assert.equal(r.itemQuantity, 3)
      assert.equal(r.currency, 'gold')
      const u = await gh.useItem({ player: p, itemId: 'potion', quantity: 2 })
      assert.equal(u.remaining, 1)
      const gi = await gh.grantItem({ player: p, itemId: 'badge', reason: 'event' })
      assert.equal(gi.remaining, 1)
      await gh.purchase({ player: p, itemId: 'sword' })
      const inv = await gh.inventory(p)
      assert.deepEqual(inv.map((e) => [e.itemId, e.quantity, e.kind]), [['badge', 1, 'durable'], ['potion', 1, 'consumable'], ['sword', 1, 'durable']])
      assert.ok(!Number.isNaN(Date.parse(inv[0].acquiredAt)))
      const cat = await gh.catalog()
      assert.ok(cat.some((i) => i.id === 'potion' && i.maxStack === 20 && i.price.amount === 10))
      const sword = await gh.catalogItem('sword')
      assert.equal(sword.kind, 'durable')
      const pop = await gh.popularItems({ limit: 5 })
      assert.ok(pop.some((i) => i.itemId === 'potion' && i.totalQuantity >= 3))
    })

    it('refuses with the catalog and inventory error codes', async () => {
      const p = uid('shopper')
      await gh.grant({ player: p, currency: 'gold', amount: 300 })
      await gh.purchase({ player: p, itemId: 'sword' })
      await rejectsWith(assert, gh.purchase({ player: p, itemId: 'sword' }), 'ALREADY_OWNED')
      await rejectsWith(assert, gh.purchase({ player: p, itemId: 'nope' }), 'NOT_FOUND')
      await rejectsWith(assert, gh.purchase({ player: p, itemId: 'badge' }), 'NOT_FOR_SALE')
      await rejectsWith(assert, gh.purchase({ player: p, itemId: 'old' }), 'NOT_FOR_SALE')
      await rejectsWith(assert, gh.purchase({ player: p, itemId: 'potion', quantity: 21 }), 'STACK_LIMIT')
      await rejectsWith(assert, gh.purchase({ player: p, itemId: 'potion', quantity: 0 }), 'INVALID_ARGUMENT')
      await rejectsWith(assert, gh.purchase({ player: uid('broke'), itemId: 'potion' }), 'INSUFFICIENT_FUNDS')
      await rejectsWith(assert, gh.useItem({ player: p, itemId: 'sword' }), 'NOT_CONSUMABLE')
      await rejectsWith(assert, gh.useItem({ player: p, itemId: 'potion' }), 'NOT_OWNED')
      await gh.purchase({ player: p, itemId: 'potion', quantity: 2 })
      await rejectsWith(assert, gh.useItem({ player: p, itemId: 'potion', quantity: 3 }), 'INSUFFICIENT_QUANTITY')
      await rejectsWith(assert, gh.grantItem({ player: p, itemId: 'sword' }), 'ALREADY_OWNED')
      await rejectsWith(assert, gh.catalogItem('missing'), 'NOT_FOUND')
      assert.equal(await gh.balance(p, 'gold'), 180)
    })

    it('edits the catalog', async () => {
      const id = uid('cape')
      const item = await gh.upsertCatalogItem({ id, name: 'Cape', kind: 'durable', price: { currency: 'gems', amount: 3 }, metadata: { colorHex: '#f00' } })
      assert.equal(item.id, id)
      const off = await gh.setCatalogItemActive(id, false)
      assert.equal(off.active, false)
      assert.deepEqual((await gh.catalogItem(id)).metadata, { colorHex: '#f00' })
      await rejectsWith(assert, gh.setCatalogItemActive(uid('none'), true), 'NOT_FOUND')
    })

    it('sends, lists, opens, claims and deletes mail with its error codes', async () => {
      const p = uid('reader'), friend = uid('friend')
      const sent = await gh.sendMail({
        from: { kind: 'system' }, to: p, subject: 'Welcome', body: 'Here is a gift',
        attachments: { currencies: [{ currency: 'gold', amount: 25 }], items: [{ itemId: 'potion', quantity: 2 }] },
      })
      assert.equal(sent.mail.player, p)
      assert.deepEqual(sent.evicted, [])
      const id = sent.mail.id
      const box = await gh.mailbox(p)
      assert.equal(box.length, 1)
      assert.equal(box[0].subject, 'Welcome')
      assert.equal(box[0].readAt, undefined)
      await rejectsWith(assert, gh.claimMail(p, id), 'MAIL_NOT_READ')
      await gh.openMail(p, id)
      await rejectsWith(assert, gh.deleteMail(p, id), 'UNCLAIMED_ATTACHMENTS')
      const c = await gh.claimMail(p, id, { idempotencyKey: 'claim-1' })
      assert.deepEqual(c.balances, [{ currency: 'gold', amount: 25 }])
      assert.ok(c.mail.claimedAt)
      assert.equal((await gh.claimMail(p, id, { idempotencyKey: 'claim-1' })).replayed, true)
      await rejectsWith(assert, gh.claimMail(p, id), 'ALREADY_CLAIMED')
      assert.deepEqual((await gh.inventory(p)).map((e) => [e.itemId, e.quantity]), [['potion', 2]])
      await gh.deleteMail(p, id)
      assert.equal((await gh.mailbox(p)).length, 0)
      await rejectsWith(assert, gh.openMail(p, id), 'NOT_FOUND')
      // a player's mail: two a day (config), no attachments
      await gh.sendMail({ from: { kind: 'player', id: friend }, to: p, subject: 'hi 1' })
      await gh.sendMail({ from: { kind: 'player', id: friend }, to: p, subject: 'hi 2' })
      await rejectsWith(assert, gh.sendMail({ from: { kind: 'player', id: friend }, to: p, subject: 'hi 3' }), 'MAIL_SEND_LIMIT')
      await rejectsWith(assert, gh.sendMail({ from: { kind: 'system' }, to: p, subject: '' }), 'INVALID_ARGUMENT')
      await rejectsWith(assert, gh.sendMail({ from: { kind: 'system' }, to: p, subject: 'x', attachments: { items: [{ itemId: 'nope', quantity: 1 }] } }), 'NOT_FOUND')
      const b = await gh.broadcastMail({ from: { kind: 'admin', id: 'ops' }, subject: 'Patch notes', recipients: [p] })
      assert.equal(typeof b.id, 'string')
      assert.ok((await gh.mailbox(p)).some((m) => m.broadcastId === b.id))
      assert.equal((await gh.verifyLedger()).ok, true)
    })

    it('posts chat, pages a channel, mutes and delivers chat_message events', async () => {
      const a = uid('chat-a'), b = uid('chat-b'), outsider = uid('chat-x')
      const seen = []
      const stop = gh.onEvent((e) => { if (e.kind === 'chat_message' && [a, b].includes(e.payload.sender)) seen.push(e) })
      await stop.ready
      const ch = `direct:${b}:${a}`
      const canonical = a < b ? `direct:${a}:${b}` : `direct:${b}:${a}`
      const m = await gh.postMessage({ player: a, channel: ch, body: 'hello there' })
      assert.equal(m.channel, canonical)
      assert.equal(m.sender, a)
      assert.equal(m.replayed, false)
      await rejectsWith(assert, gh.postMessage({ player: outsider, channel: ch, body: 'hi' }), 'NOT_CHANNEL_MEMBER')
      await rejectsWith(assert, gh.postMessage({ player: a, channel: 'global', body: '' }), 'INVALID_ARGUMENT')
      await rejectsWith(assert, gh.postMessage({ player: a, channel: 'lobby:1', body: 'x' }), 'INVALID_ARGUMENT')
      await gh.postMessage({ player: b, channel: canonical, body: 'second' })
      const page = await gh.channelHistory(ch, { player: a, limit: 1 })
      assert.equal(page.channel, canonical)
      assert.deepEqual(page.messages.map((x) => x.body), ['second'])
      assert.ok(page.nextCursor)
      const rest = await gh.channelHistory(ch, { before: page.nextCursor })
      assert.deepEqual(rest.messages.map((x) => x.body), ['hello there'])
      await rejectsWith(assert, gh.channelHistory(ch, { player: outsider }), 'NOT_CHANNEL_MEMBER')
      await rejectsWith(assert, gh.channelHistory(ch, { limit: 0 }), 'INVALID_ARGUMENT')
      const until = new Date(Date.now() + 3600e3).toISOString()
      const mute = await gh.mutePlayer({ player: a, until, reason: 'spam' })
      assert.equal(mute.player, a)
      const e = await rejectsWith(assert, gh.postMessage({ player: a, channel: ch, body: 'x' }), 'MUTED')
      assert.ok(e.details.until)
      assert.equal(await gh.unmutePlayer(a), true)
      assert.equal(await gh.unmutePlayer(a), false)
      for (let i = 0; i < 200 && seen.length < 2; i++) await sleep(25)
      stop()
      assert.deepEqual(seen.map((x) => x.payload.body), ['hello there', 'second'])
      assert.deepEqual([...seen[0].players].sort(), [a, b].sort())
    })

    it('hands errors the same shape on both transports', async () => {
      const e = await rejectsWith(assert, gh.spend({ player: uid('z'), currency: 'gold', amount: 1 }), 'INSUFFICIENT_FUNDS')
      assert.equal(e.name, 'GuildhallError')
      assert.ok(e instanceof GuildhallError)
      assert.ok(e.message.length > 0)
    })
  })
}
