// The native module alone: opening (config object, TOML path, bad input), the rest
// of the core API (announcements, presence, parties, matchmaking, trade, events), every error
// code the core raises in process, onEvent and close.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { Guildhall, GuildhallError, CONFIG, openNative, rejectsWith, tempDir, sleep, pkg } from './helpers.mjs'

let n = 0
const uid = (p) => `${p}-${++n}`

describe('opening', () => {
  it('loads the native addon', () => {
    assert.equal(pkg.nativeLoaded, true)
    assert.equal(typeof Guildhall.open, 'function')
    assert.equal(typeof Guildhall.connect, 'function')
  })

  it('takes the config as an object, loads its catalog, and reopens the same file', async (t) => {
    const dir = tempDir(t)
    const database = `sqlite://${join(dir, 'obj.db')}`
    const gh = await Guildhall.open({ database, config: CONFIG })
    assert.deepEqual((await gh.catalog()).map((i) => i.id), ['badge', 'old', 'potion', 'sword'])
    await gh.grant({ player: 'p', currency: 'gems', amount: 3 })
    gh.close()
    const again = await Guildhall.open({ database, config: { currencies: [{ code: 'gold' }, { code: 'gems' }] } })
    assert.equal(await again.balance('p', 'gems'), 3)
    assert.equal((await again.catalog()).length, 4)
    again.close()
  })

  it('defaults to one currency, gold, in memory', async () => {
    const gh = await Guildhall.open({ database: 'memory://' })
    assert.deepEqual((await gh.wallet('x')).balances, [{ currency: 'gold', amount: 0 }])
    gh.close()
  })

  it('takes the database from a TOML config file and loads its catalog_file', async (t) => {
    const dir = tempDir(t)
    writeFileSync(join(dir, 'more.toml'), '[[catalog]]\nid = "gem"\nname = "Gem"\nkind = "consumable"\n')
    writeFileSync(join(dir, 'g.toml'), `database = "sqlite://${join(dir, 'f.db')}"\ncatalog_file = "more.toml"\n[[currencies]]\ncode = "gold"\n[schedule]\nlobby_interval_secs = 60\n`)
    const gh = await Guildhall.open({ config: join(dir, 'g.toml') })
    assert.deepEqual((await gh.catalog()).map((i) => i.id), ['gem'])
    gh.close()
  })

  it('refuses bad options with INVALID_ARGUMENT or UNAVAILABLE', async (t) => {
    await rejectsWith(assert, Guildhall.open({ database: 'mysql://x' }), 'INVALID_ARGUMENT')
    await rejectsWith(assert, Guildhall.open({ config: 3 }), 'INVALID_ARGUMENT')
    await rejectsWith(assert, Guildhall.open({ database: 'memory://', config: { currencys: [] } }), 'INVALID_ARGUMENT')
    const e = await rejectsWith(assert, Guildhall.open({ database: 'memory://', config: { resetTimezone: 'Mars/Olympus' } }), 'INVALID_ARGUMENT')
    assert.match(e.message, /Mars\/Olympus/)
    await rejectsWith(assert, Guildhall.open({ database: 'memory://', config: { catalog: [{ id: 'x', name: 'X', kind: 'durable', price: { currency: 'zzz', amount: 1 } }] } }), 'INVALID_ARGUMENT')
    await rejectsWith(assert, Guildhall.open({ database: 'memory://', config: '/no/such/file.toml' }), 'INVALID_ARGUMENT')
    await rejectsWith(assert, Guildhall.open({ database: 'memory://', redis: 'not a url' }), 'INVALID_ARGUMENT')
    const dir = tempDir(t)
    writeFileSync(join(dir, 'not-a-db'), 'this is not a SQLite file '.repeat(200))
    await rejectsWith(assert, Guildhall.open({ database: `sqlite://${join(dir, 'not-a-db')}` }), 'UNAVAILABLE')
  })

  it('refuses calls after close with UNAVAILABLE', async (t) => {
    const { gh } = await openNative(t)
    gh.close()
    await rejectsWith(assert, gh.wallet('a'), 'UNAVAILABLE')
    assert.throws(() => gh.onEvent(() => {}), (e) => e instanceof GuildhallError && e.code === 'UNAVAILABLE')
  })

  it('never blocks the JavaScript thread while a call runs', async (t) => {
    const { gh } = await openNative(t)
    let ticks = 0
    const timer = setInterval(() => ticks++, 1)
    const calls = []
    for (let i = 0; i < 2000; i++) calls.push(gh.grant({ player: `nb-${i}`, currency: 'gold', amount: 1 }))
    const p = Promise.all(calls)
    await sleep(5)
    clearInterval(timer)
    assert.ok(ticks >= 1, 'timers ran while calls were in flight')
    await p
  })
})

describe('announcements and presence', () => {
  it('stores templates and triggers, previews, fires with caps, and logs players in and out', async (t) => {
    const { gh } = await openNative(t)
    const tpl = await gh.putTemplate({ id: 'welcome', body: 'Welcome {name} to {server}! {{braces}}' })
    assert.equal(tpl.id, 'welcome')
    assert.deepEqual((await gh.templates()).map((x) => x.id), ['welcome'])
    assert.equal((await gh.template('welcome')).body, tpl.body)
    assert.equal(await gh.preview('welcome', { name: 'Ann', server: 'LS' }), 'Welcome Ann to LS! {braces}')
    await rejectsWith(assert, gh.template('nope'), 'NOT_FOUND')
    await rejectsWith(assert, gh.putTrigger({ id: 'bad', event: 'login', templateId: 'welcome', variables: { name: 'x' }, audience: 'player', kind: 'chat', cap: { every: 'once' } }), 'INVALID_ARGUMENT')
    const trig = await gh.putTrigger({
      id: 'greet', event: 'login', templateId: 'welcome', variables: { name: 'friend', server: 'Los Santos' },
      audience: 'player', kind: 'in_game', cap: { every: 'per_day', times: 1 }, priority: 5,
    })
    assert.equal(trig.priority, 5)
    assert.deepEqual(trig.cap, { every: 'per_day', times: 1 })
    assert.deepEqual(trig.variables, { name: 'friend', server: 'Los Santos' })
    await gh.putTrigger({ id: 'mailer', event: 'login', templateId: 'welcome', variables: { name: 'x', server: 'y' }, audience: 'server', target: 'eu-1', kind: 'mail', cap: { every: 'once' } })
    assert.equal((await gh.triggers()).length, 2)

    const s = await gh.login('ann', { server: 'eu-1', lobby: 'main' })
    assert.equal(s.player, 'ann')
    assert.deepEqual(s.location, { server: 'eu-1', lobby: 'main' })
    assert.equal((await gh.session('ann')).player, 'ann')
    assert.equal(await gh.session('nobody'), null)
    // The room is the room membership (enterRoom), never the caller's claim.
    const hb = await gh.heartbeat('ann', { server: 'eu-1', room: 'r1' })
    assert.equal(hb.location.server, 'eu-1')
    assert.equal(hb.location.room, undefined)
    assert.deepEqual((await gh.online()).map((x) => x.player), ['ann'])
    await rejectsWith(assert, gh.heartbeat('ghost'), 'NOT_FOUND')

    const msgs = await gh.fire({ player: 'ann', event: 'login', variables: { name: 'Ann' } })
    assert.deepEqual(msgs.map((m) => [m.triggerId, m.kind]), [['greet', 'in_game'], ['mailer', 'mail']])
    assert.equal(msgs[0].text, 'Welcome Ann to Los Santos! {braces}')
    assert.ok(msgs[1].mailId)
    assert.equal((await gh.mailbox('ann')).length, 1)
    assert.deepEqual(await gh.fire({ player: 'ann', event: 'login' }), [], 'caps used up')
    await rejectsWith(assert, gh.fire({ player: 'ann', event: '' }), 'INVALID_ARGUMENT')
    const cancelled = await gh.cancelTrigger('greet')
    assert.equal(cancelled.cancelled, true)
    assert.equal((await gh.trigger('greet')).cancelled, true)
    await rejectsWith(assert, gh.cancelTrigger('nope'), 'NOT_FOUND')
    assert.deepEqual(await gh.sendDueTriggers(), [])

    assert.equal(await gh.logout('ann'), true)
    assert.equal(await gh.logout('ann'), false)
    assert.deepEqual(await gh.online(), [])
  })
})

describe('parties', () => {
  it('creates, invites, accepts, declines, joins, kicks, promotes, leaves and disbands', async (t) => {
    const { gh } = await openNative(t)
    const party = await gh.createParty('lead')
    assert.equal(party.leader, 'lead')
    assert.equal(party.open, false)
    await rejectsWith(assert, gh.createParty('lead'), 'ALREADY_IN_PARTY')
    const inv = await gh.inviteToParty('lead', 'b')
    assert.equal(inv.player, 'b')
    assert.equal(inv.invitedBy, 'lead')
    const p2 = await gh.acceptInvite('b', party.id)
    assert.deepEqual(p2.members.map((m) => m.player), ['lead', 'b'])
    await rejectsWith(assert, gh.inviteToParty('b', 'c'), 'NOT_PARTY_LEADER')
    await gh.inviteToParty('lead', 'c')
    await gh.declineInvite('c', party.id)
    await rejectsWith(assert, gh.acceptInvite('c', party.id), 'NOT_FOUND')
    await rejectsWith(assert, gh.joinParty('c', party.id), 'FORBIDDEN')
    await gh.inviteToParty('lead', 'c')
    await gh.acceptInvite('c', party.id)
    await rejectsWith(assert, gh.inviteToParty('lead', 'd'), 'PARTY_FULL')
    const promoted = await gh.promoteInParty('lead', 'b')
    assert.equal(promoted.leader, 'b')
    const kicked = await gh.kickFromParty('b', 'c')
    assert.deepEqual(kicked.members.map((m) => m.player), ['lead', 'b'])
    assert.equal(await gh.partyOf('c'), null)
    await rejectsWith(assert, gh.leaveParty('c'), 'NOT_IN_PARTY')
    assert.equal((await gh.partyOf('lead')).id, party.id)
    assert.equal((await gh.party(party.id)).leader, 'b')
    await rejectsWith(assert, gh.party('nope'), 'NOT_FOUND')
    const after = await gh.leaveParty('b')
    assert.equal(after.leader, 'lead', 'the longest-standing member leads')
    await gh.disbandParty('lead')
    assert.equal(await gh.partyOf('lead'), null)
    await rejectsWith(assert, gh.disbandParty('lead'), 'NOT_IN_PARTY')

    const open = await gh.createParty('host', { open: true })
    assert.equal(open.open, true)
    assert.equal((await gh.joinParty('guest', open.id)).members.length, 2)
    await gh.joinParty('guest2', open.id)
    await rejectsWith(assert, gh.joinParty('guest3', open.id), 'PARTY_FULL')
    await rejectsWith(assert, gh.joinParty('guest', open.id), 'ALREADY_IN_PARTY')
    assert.deepEqual((await gh.leaveParty('guest')).members.map((m) => m.player), ['host', 'guest2'])
  })

  it('expires invites (INVITE_EXPIRED)', async (t) => {
    const { gh } = await openNative(t)
    const party = await gh.createParty('l')
    await gh.inviteToParty('l', 'late')
    await sleep(1100)
    await rejectsWith(assert, gh.acceptInvite('late', party.id), 'INVITE_EXPIRED')
  })
})

describe('matchmaking', () => {
  it('queues, reports status, ticks into a match, rates and keeps history', async (t) => {
    const { gh } = await openNative(t)
    const t1 = await gh.queue({ player: 'p1', queue: 'duel', properties: { region: 'eu' } })
    assert.equal(t1.queue, 'duel')
    assert.deepEqual(t1.properties, { region: 'eu' })
    await rejectsWith(assert, gh.queue({ player: 'p1', queue: 'duel', properties: { region: 'eu' } }), 'TICKET_EXISTS')
    await rejectsWith(assert, gh.queue({ player: 'p9', queue: 'nope' }), 'NOT_FOUND')
    await rejectsWith(assert, gh.queue({ player: 'p9', queue: 'duel' }), 'INVALID_ARGUMENT')
    const st = await gh.ticketStatus('p1')
    assert.equal(st.ticket.id, t1.id)
    assert.equal(typeof st.window, 'number')
    assert.equal(await gh.ticketStatus('p2'), null)
    await gh.queue({ player: 'p3', queue: 'duel', properties: { region: 'eu' } })
    assert.equal((await gh.cancelTicket('p3')).players[0], 'p3')
    await rejectsWith(assert, gh.cancelTicket('p3'), 'NOT_FOUND')
    await gh.queue({ player: 'p2', queue: 'duel', properties: { region: 'eu' } })
    assert.equal((await gh.pool('duel')).length, 2)
    const matches = await gh.tick()
    assert.equal(matches.length, 1)
    const m = matches[0]
    assert.deepEqual(m.teams.flat().sort(), ['p1', 'p2'])
    assert.equal(await gh.ticketStatus('p1'), null)
    const rep = await gh.reportMatch(m.id, [0, 1])
    assert.equal(rep.replayed, false)
    assert.equal(rep.record.ratingChanges.length, 2)
    assert.equal((await gh.reportMatch(m.id, [0, 1])).replayed, true)
    await rejectsWith(assert, gh.reportMatch(m.id, [1, 0]), 'IDEMPOTENCY_CONFLICT')
    await rejectsWith(assert, gh.reportMatch('nope', [0, 1]), 'NOT_FOUND')
    const winner = m.teams[0][0]
    const r = await gh.rating(winner, 'duel')
    assert.ok(r.rating > 1500)
    assert.equal(r.games, 1)
    assert.equal((await gh.matchRecord(m.id)).result.ranks.length, 2)
    assert.equal((await gh.matchHistory('p1')).length, 1)
    await rejectsWith(assert, gh.matchHistory('p1', 0), 'INVALID_ARGUMENT')
    await rejectsWith(assert, gh.rating('p1', 'nope'), 'NOT_FOUND')
  })
})

describe('trade', () => {
  it('opens with an offer, confirms revisions and exchanges once', async (t) => {
    const { gh } = await openNative(t)
    const seen = []
    gh.onEvent((e) => { if (e.kind.startsWith('trade_')) seen.push(e.kind) })
    await gh.grant({ player: 'ta', currency: 'gold', amount: 50 })
    await gh.grantItem({ player: 'tb', itemId: 'sword', quantity: 1 })
    await rejectsWith(assert, gh.openTrade({ player: 'ta', with: 'ta' }), 'INVALID_ARGUMENT')
    const opened = await gh.openTrade({ player: 'ta', with: 'tb', offer: { currencies: [{ currency: 'gold', amount: 20 }] }, idempotencyKey: 'n-1' })
    assert.equal(opened.trade.revision, 1)
    assert.equal((await gh.openTrade({ player: 'ta', with: 'tb', offer: { currencies: [{ currency: 'gold', amount: 20 }] }, idempotencyKey: 'n-1' })).replayed, true)
    const id = opened.trade.id
    const offered = await gh.setTradeOffer({ player: 'tb', tradeId: id, offer: { items: [{ itemId: 'sword', quantity: 1 }] }, revision: 1, confirm: true })
    assert.equal(offered.trade.revision, 2)
    await rejectsWith(assert, gh.confirmTrade({ player: 'ta', tradeId: id, revision: 1 }), 'TRADE_CHANGED')
    const done = await gh.confirmTrade({ player: 'ta', tradeId: id, revision: 2 })
    assert.equal(done.trade.state, 'completed')
    await rejectsWith(assert, gh.cancelTrade({ player: 'tb', tradeId: id }), 'TRADE_CLOSED')
    assert.equal(await gh.balance('tb', 'gold'), 20)
    assert.equal((await gh.trade(id)).transactionId, done.trade.transactionId)
    const entries = await gh.tradeLedger(id)
    assert.deepEqual(entries.map((e) => [e.reason, e.metadata.trade_id, e.amount]), [['trade', id, 20]])
    assert.deepEqual((await gh.playerTrades('ta')).past.map((x) => x.id), [id])
    assert.equal((await gh.recentTrades(1))[0].id, id)
    assert.equal(await gh.expireTrades(), 0)
    for (let i = 0; i < 100 && seen.length < 3; i++) await sleep(10)
    assert.deepEqual(seen, ['trade_opened', 'trade_updated', 'trade_completed'])
  })
})

describe('events', () => {
  it('delivers committed events to onEvent callbacks and serves the outbox', async (t) => {
    const { gh } = await openNative(t)
    const seen = []
    gh.onEvent((e) => seen.push(e))
    await gh.grant({ player: 'ev', currency: 'gold', amount: 100 })
    await gh.purchase({ player: 'ev', itemId: 'potion', quantity: 1 })
    await gh.sendMail({ from: { kind: 'system' }, to: 'ev', subject: 'hi' })
    await gh.createParty('ev')
    for (let i = 0; i < 100 && seen.length < 4; i++) await sleep(10)
    assert.deepEqual(seen.map((e) => e.kind), ['currency_granted', 'item_purchased', 'mail_received', 'party_joined'].slice(0, seen.length))
    assert.ok(seen.length >= 4)
    const e = seen[0]
    assert.equal(typeof e.seq, 'number')
    assert.deepEqual(e.players, ['ev'])
    assert.ok(!Number.isNaN(Date.parse(e.at)))
    assert.equal(typeof e.payload, 'object')
    const out = await gh.eventsAfter(0, 1000)
    assert.ok(out.length >= 4)
    assert.equal(out[0].kind, 'currency_granted')
    const later = await gh.eventsAfter(out[0].seq, 1)
    assert.equal(later.length, 1)
    assert.equal(later[0].seq > out[0].seq, true)
    assert.ok((await gh.playerEventsAfter('ev', 0, 10)).every((x) => x.players.includes('ev')))
    await rejectsWith(assert, gh.eventsAfter(0, 0), 'INVALID_ARGUMENT')
    const pr = await gh.prune()
    assert.equal(typeof pr.events, 'number')
    assert.equal(typeof pr.idempotencyRecords, 'number')
    gh.close()
    const before = seen.length
    const again = await Guildhall.open({ database: 'memory://' })
    await again.grant({ player: 'x', currency: 'gold', amount: 1 })
    await sleep(20)
    assert.equal(seen.length, before, 'a closed handle calls back no more')
    again.close()
  })

  it('calls every registered callback', async (t) => {
    const { gh } = await openNative(t)
    const a = [], b = []
    gh.onEvent((e) => a.push(e.kind))
    gh.onEvent((e) => b.push(e.kind))
    await gh.grant({ player: 'two', currency: 'gold', amount: 1 })
    for (let i = 0; i < 100 && (a.length < 1 || b.length < 1); i++) await sleep(10)
    assert.deepEqual(a, ['currency_granted'])
    assert.deepEqual(b, ['currency_granted'])
  })
})

describe('every error code the core raises in process', () => {
  it('CONFLICT when retries are off and writers collide', async (t) => {
    // Calls on one player through one handle queue on its per-player lock; two handles
    // on one file (two processes, in effect) collide on the row versions instead.
    const dir = tempDir(t)
    const opts = { database: `sqlite://${join(dir, 'c.db')}`, config: { currencies: [{ code: 'gold' }], maxRetries: 0 } }
    const gh = await Guildhall.open(opts)
    const other = await Guildhall.open(opts)
    await gh.grant({ player: 'hot', currency: 'gold', amount: 100000 })
    const rs = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => (i % 2 ? gh : other).spend({ player: 'hot', currency: 'gold', amount: 1 })))
    const codes = new Set(rs.filter((r) => r.status === 'rejected').map((r) => r.reason.code))
    assert.deepEqual([...codes], ['CONFLICT'])
    const ok = rs.filter((r) => r.status === 'fulfilled').length
    assert.equal(await gh.balance('hot', 'gold'), 100000 - ok)
    assert.equal((await gh.verifyLedger()).ok, true)
    other.close()
    gh.close()
  })
})
