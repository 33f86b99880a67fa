// An alt:V server resource on guildhall: a bank (balance and transfers), a shop, mail
// attachments claimed at login, and party invites. It talks to guildhall in process
// through the native module, so every call is a Promise that never blocks the server
// thread, and every refusal carries a stable code (e.g. 'INSUFFICIENT_FUNDS').
import * as alt from 'alt-server'
import { fileURLToPath } from 'node:url'
import guildhall from 'guildhall'

const { Guildhall } = guildhall
const CURRENCY = 'dollars'
const SERVER_ID = process.env.GUILDHALL_SERVER_ID ?? 'altv-1'

const gh = await Guildhall.open({
  database: process.env.GUILDHALL_DATABASE ?? 'sqlite://guildhall.db',
  config: fileURLToPath(new URL('../guildhall.toml', import.meta.url)),
})

/** The guildhall player id of an alt:V player: stable across sessions. */
const playerId = (player) => `altv:${player.socialID}`

/** Online alt:V players by guildhall id, to route events to them. */
const online = new Map()

const say = (player, text) => alt.emitClient(player, 'guildhall:notify', text)

/** Readable refusals: the code is stable, so it can be matched and translated. */
function refusal(e) {
  switch (e.code) {
    case 'INSUFFICIENT_FUNDS': return 'Not enough money.'
    case 'ALREADY_OWNED': return 'You already own that.'
    case 'NOT_FOR_SALE': return 'That is not for sale.'
    case 'STACK_LIMIT': return 'You cannot carry more of that.'
    case 'PARTY_FULL': return 'That party is full.'
    case 'ALREADY_IN_PARTY': return 'Already in a party.'
    case 'NOT_PARTY_LEADER': return 'Only the party leader can do that.'
    case 'INVALID_ARGUMENT': return `Invalid input: ${e.message}`
    default:
      alt.logError(`[guildhall] ${e.code}: ${e.message}`)
      return 'Something went wrong, try again.'
  }
}

/** Runs a handler; a guildhall refusal goes back to the player as a message. */
const guarded = (fn) => async (player, ...args) => {
  try {
    await fn(player, ...args)
  } catch (e) {
    say(player, refusal(e))
  }
}

// Live events (a purchase on the website, a reward from the Discord bot, a party
// change) reach the players they concern while they are online.
gh.onEvent((event) => {
  for (const id of event.players) {
    const player = online.get(id)
    if (player) alt.emitClient(player, 'guildhall:event', event.kind, event.payload)
  }
})

alt.on('playerConnect', guarded(async (player) => {
  const id = playerId(player)
  online.set(id, player)
  await gh.login(id, { server: SERVER_ID })
  // Announcements for this login (welcome banners, event notices), highest priority first.
  for (const m of await gh.fire({ player: id, event: 'login', variables: { name: player.name } })) {
    if (m.kind !== 'mail') say(player, m.text)
  }
  // Mail with attachments (donations, compensation, rewards) is claimed at login.
  for (const mail of await gh.mailbox(id)) {
    const hasAttachments = (mail.attachments.currencies?.length ?? 0) + (mail.attachments.items?.length ?? 0) > 0
    if (!hasAttachments || mail.claimedAt) continue
    await gh.openMail(id, mail.id)
    const claim = await gh.claimMail(id, mail.id, { idempotencyKey: `login-claim-${mail.id}` })
    say(player, `Mail "${mail.subject}" claimed: balance ${claim.balances.map((b) => `${b.amount} ${b.currency}`).join(', ') || 'unchanged'}`)
  }
  const balance = await gh.balance(id, CURRENCY)
  say(player, `Welcome, ${player.name}. Bank balance: $${balance}.`)
}))

alt.on('playerDisconnect', (player) => {
  const id = playerId(player)
  online.delete(id)
  gh.logout(id).catch((e) => alt.logError(`[guildhall] logout: ${e.code}`))
})

// The bank: `/bank`, `/bank pay <name> <amount>`; sent by the client's chat UI.
alt.onClient('guildhall:bank', guarded(async (player, action, targetName, amountText) => {
  const id = playerId(player)
  if (action === 'pay') {
    const target = alt.Player.all.find((p) => p.name === targetName)
    if (!target) return say(player, `No player named ${targetName} is online.`)
    const amount = Number(amountText)
    const r = await gh.transfer({ from: id, to: playerId(target), currency: CURRENCY, amount, reason: 'bank_transfer' })
    say(player, `Sent $${amount} to ${target.name}. Balance: $${r.fromBalance}.`)
    say(target, `${player.name} sent you $${amount}. Balance: $${r.toBalance}.`)
    return
  }
  const w = await gh.wallet(id)
  say(player, `Balance: $${w.balances.find((b) => b.currency === CURRENCY).amount}.`)
}))

// The shop: the client sends the item, a quantity and a request id (so a double click
// or a resent packet buys once).
alt.onClient('guildhall:shop:buy', guarded(async (player, itemId, quantity, requestId) => {
  const r = await gh.purchase({ player: playerId(player), itemId, quantity, idempotencyKey: requestId })
  if (!r.replayed) say(player, `Bought ${r.quantity} x ${itemId} for $${r.amount}. Balance: $${r.balance}.`)
}))

alt.onClient('guildhall:shop:use', guarded(async (player, itemId) => {
  const r = await gh.useItem({ player: playerId(player), itemId, quantity: 1 })
  say(player, `Used ${itemId}; ${r.remaining} left.`)
}))

// Parties: invite by name (a party is created on the first invite), accept.
alt.onClient('guildhall:party:invite', guarded(async (player, targetName) => {
  const id = playerId(player)
  const target = alt.Player.all.find((p) => p.name === targetName)
  if (!target) return say(player, `No player named ${targetName} is online.`)
  const party = (await gh.partyOf(id)) ?? (await gh.createParty(id))
  await gh.inviteToParty(id, playerId(target))
  alt.emitClient(target, 'guildhall:party:invited', party.id, player.name)
  say(player, `Invited ${target.name}.`)
}))

alt.onClient('guildhall:party:accept', guarded(async (player, partyId) => {
  const party = await gh.acceptInvite(playerId(player), partyId)
  say(player, `Joined the party (${party.members.length} members).`)
}))

alt.on('resourceStop', () => gh.close())

alt.log('[guildhall] resource started')

/** For the stand-in driver (play.mjs): the handle this resource opened. */
export { gh }
