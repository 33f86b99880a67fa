'use strict'
// The guildhall JavaScript API over a running guildhall HTTP host (routes under /v1),
// for runtimes where the native addon cannot load. Same method names, same request and
// result shapes (camelCase keys) and the same errors (`.code`, `.details`) as the
// native module; needs only the global `fetch` (Node 18+).

/** Keys whose object value belongs to the caller: its keys are never converted. */
const OPAQUE = new Set(['metadata', 'variables', 'properties'])

const snake = (k) => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())
const camel = (k) => k.replace(/(?!^)_([a-z0-9])/g, (_, c) => c.toUpperCase())

function rekey(v, f) {
  if (Array.isArray(v)) return v.map((x) => rekey(x, f))
  if (v === null || typeof v !== 'object') return v
  const out = {}
  for (const [k, x] of Object.entries(v)) {
    if (x === null || x === undefined) continue
    out[f(k)] = OPAQUE.has(k) ? x : rekey(x, f)
  }
  return out
}

/** A request object as the host's JSON: snake_case keys, null and undefined dropped. */
const toSnake = (v) => rekey(v, snake)
/** A host answer as JavaScript sees it: camelCase keys, nulls dropped. */
const toCamel = (v) => rekey(v, camel)

/** The largest integer a JavaScript number holds exactly (2^53 - 1). */
const MAX_SAFE = Number.MAX_SAFE_INTEGER
const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n

/**
 * The JSON text of a request (snake_case keys except inside the caller's own objects,
 * null and undefined left out), by the native module's rules: whole numbers within the
 * safe integers, other finite numbers, and bigints within a signed 64-bit integer
 * (written as exact JSON integers); NaN, the infinities, whole numbers beyond the safe
 * integers, functions and symbols refused with INVALID_ARGUMENT naming the field
 * (`name` for the argument itself, else the path inside it).
 */
function jsonText(name, v) {
  const walk = (x, path, opaque) => {
    const here = () => path || name
    switch (typeof x) {
      case 'number':
        if (!Number.isFinite(x)) throw fail('INVALID_ARGUMENT', `${here()}: must be a finite number, got ${x}`, { field: here() })
        if (Number.isInteger(x) && Math.abs(x) > MAX_SAFE) {
          throw fail('INVALID_ARGUMENT', `${here()}: ${x} is beyond Number.MAX_SAFE_INTEGER (2^53 - 1), where numbers are not exact: pass it as a bigint`, { field: here() })
        }
        return JSON.stringify(x)
      case 'bigint':
        if (x < I64_MIN || x > I64_MAX) throw fail('INVALID_ARGUMENT', `${here()}: is out of range: a bigint must fit in a signed 64-bit integer`, { field: here() })
        return x.toString()
      case 'string':
      case 'boolean':
        return JSON.stringify(x)
      case 'undefined':
        return 'null'
      case 'function':
        throw fail('INVALID_ARGUMENT', `${here()}: must be data, not a function`, { field: here() })
      case 'symbol':
        throw fail('INVALID_ARGUMENT', `${here()}: must be data, not a symbol`, { field: here() })
      default:
        if (x === null) return 'null'
        if (Array.isArray(x)) return '[' + x.map((e, i) => walk(e, `${path}[${i}]`, opaque)).join(',') + ']'
        return '{' + Object.entries(x)
          .filter(([, e]) => e !== undefined && (opaque || e !== null))
          .map(([k, e]) => JSON.stringify(opaque ? k : snake(k)) + ':' +
            walk(e, path ? `${path}.${k}` : k, opaque || OPAQUE.has(k))).join(',') + '}'
    }
  }
  return walk(v, '', false)
}

/**
 * The first integer in a JSON text that a JavaScript number cannot hold exactly, with
 * the text around it; `null` when there is none. Strings are skipped.
 */
function unsafeInteger(text) {
  const re = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g
  for (let m; (m = re.exec(text));) {
    const t = m[0]
    if (t[0] === '"' || /[.eE]/.test(t)) continue
    if (t.replace('-', '').length >= 16 && (BigInt(t) > BigInt(MAX_SAFE) || BigInt(t) < -BigInt(MAX_SAFE))) return t
  }
  return null
}

/** `{currency: amount}` of a wallet, as a non-enumerable `byCurrency` (the shape stays). */
function withByCurrency(wallet) {
  const map = {}
  for (const b of wallet.balances) map[b.currency] = b.amount
  Object.defineProperty(wallet, 'byCurrency', { value: map, enumerable: false, configurable: true })
  return wallet
}

// Promises settled on the event loop's next turn, all at once (one setImmediate).
let later = []
function flushLater() {
  const due = later
  later = []
  for (const [ok, value, resolve, reject] of due) (ok ? resolve : reject)(value)
}
/** A Promise that resolves with (or, `ok` false, rejects with) `value` on the next turn. */
function settleLater(value, ok) {
  return new Promise((resolve, reject) => {
    if (later.length === 0) setImmediate(flushLater)
    later.push([ok, value, resolve, reject])
  })
}

/** Every stable error code (SPEC.md "Error codes"). */
const ERROR_CODES = Object.freeze([
  'INVALID_ARGUMENT', 'NOT_FOUND', 'INSUFFICIENT_FUNDS', 'BALANCE_LIMIT', 'ALREADY_OWNED',
  'NOT_OWNED', 'NOT_CONSUMABLE', 'INSUFFICIENT_QUANTITY', 'STACK_LIMIT', 'NOT_FOR_SALE',
  'IDEMPOTENCY_CONFLICT', 'MAIL_SEND_LIMIT', 'MAIL_NOT_READ', 'ALREADY_CLAIMED',
  'UNCLAIMED_ATTACHMENTS', 'PARTY_FULL', 'ALREADY_IN_PARTY', 'NOT_IN_PARTY', 'NOT_PARTY_LEADER',
  'INVITE_EXPIRED', 'TICKET_EXISTS', 'UNAUTHENTICATED', 'FORBIDDEN', 'BANNED', 'RATE_LIMITED',
  'CONFLICT', 'UNAVAILABLE', 'ALREADY_FRIENDS', 'BLOCKED', 'LIMIT_REACHED', 'NAME_TAKEN',
  'GROUP_FULL', 'NOT_GROUP_MEMBER', 'GROUP_PERMISSION', 'MUTED', 'NOT_CHANNEL_MEMBER',
  'TOURNAMENT_CLOSED', 'TOURNAMENT_FULL', 'NOT_COMPLETED', 'TRADE_CLOSED', 'TRADE_CHANGED',
  'ROOM_FULL', 'CODE_INVALID', 'CODE_EXPIRED',
])

/**
 * The error every method rejects with, on either transport: `.code` is the stable
 * code, `.details` the structured context (camelCase keys, `null` when none).
 * `err instanceof GuildhallError` holds for the native module's errors too.
 */
class GuildhallError extends Error {
  constructor(code, message, details = null) {
    super(message)
    this.name = 'GuildhallError'
    this.code = code
    this.details = details
  }

  static [Symbol.hasInstance](e) {
    return e instanceof Error && e.name === 'GuildhallError' && typeof e.code === 'string'
  }

  /** The error of a host answer `{code, message, details}` (the host's JSON error body). */
  static fromBody(body, status) {
    if (body && typeof body.code === 'string') {
      return new GuildhallError(body.code, String(body.message ?? body.code),
        body.details == null ? null : toCamel(body.details))
    }
    return new GuildhallError('UNAVAILABLE', `the host answered ${status} without a guildhall error body`,
      { status })
  }
}

const enc = encodeURIComponent

// Live topics, as the core defines them (guildhall_core::live::Topic, the host's
// WebSocket and the native onEvent): this transport follows the outbox itself, so it
// applies the same rule here (keys camelCased as this client returns events).
const TOPIC_KINDS = ['player', 'party', 'group', 'room', 'chat']
function parseTopic(name) {
  const bad = (why) => fail('INVALID_ARGUMENT', `topic '${name}': ${why}`, { field: 'topic' })
  if (name === 'global') return { kind: 'global', id: '' }
  if (typeof name !== 'string') throw bad('a topic is a string')
  const i = name.indexOf(':')
  if (i < 1) throw bad('expected player:<id>, party:<id>, group:<id>, room:<id>, chat:<channel> or global')
  const kind = name.slice(0, i)
  let id = name.slice(i + 1)
  if (!TOPIC_KINDS.includes(kind)) throw bad('unknown topic kind')
  if (!id || id.length > 128 || /[\u0000-\u001f\u007f]/.test(id)) throw bad('ids are 1 to 128 characters without control characters')
  if (kind === 'chat') {
    const d = id.match(/^direct:([^:]+):([^:]+)$/)
    if (d) id = `direct:${[d[1], d[2]].sort().join(':')}`
    else if (id !== 'global' && !/^(room|party|group):./.test(id)) throw bad('unknown chat channel')
  }
  return { kind, id }
}
function topicMatches(t, e) {
  const p = e.payload ?? {}
  const chat = e.kind === 'chat_message' && typeof p.channel === 'string' ? p.channel : null
  switch (t.kind) {
    case 'player': return e.players.includes(t.id) || (chat === 'global' && e.players.length === 0)
    case 'party': return p.partyId === t.id || chat === `party:${t.id}`
    case 'group': return p.groupId === t.id || chat === `group:${t.id}`
    case 'room': return p.roomId === t.id || p.room === t.id || chat === `room:${t.id}`
    case 'chat': return chat === t.id
    default: return e.kind === 'announcement' || chat === 'global'
  }
}
function eventFilter(options) {
  const o = options ?? {}
  if (typeof o !== 'object') throw fail('INVALID_ARGUMENT', 'options must be an object', { field: 'options' })
  for (const k of Object.keys(o)) {
    if (!['topics', 'player', 'kinds', 'after'].includes(k)) {
      throw fail('INVALID_ARGUMENT', `options: unknown option \`${k}\``, { field: 'options', option: k })
    }
  }
  const topics = o.topics == null ? null : [...new Map(o.topics.map(parseTopic).map((t) => [t.kind + ':' + t.id, t])).values()]
  if (topics && (topics.length === 0 || topics.length > 64)) throw fail('INVALID_ARGUMENT', 'name 1 to 64 topics', { field: 'topics' })
  const player = o.player ?? null
  const kinds = o.kinds ?? null
  return (e) => {
    const topical = topics
      ? topics.some((t) => topicMatches(t, e)) && (!player || e.players.length === 0 || e.players.includes(player))
      : !player || e.players.includes(player) || (e.kind === 'chat_message' && e.players.length === 0 && e.payload?.channel === 'global')
    return topical && (!kinds || kinds.includes(e.kind))
  }
}

function fail(code, message, details = null) {
  return new GuildhallError(code, message, details)
}

function requireText(name, v) {
  if (typeof v !== 'string') throw fail('INVALID_ARGUMENT', `${name} must be a string`, { field: name })
  return v
}

function requireObject(name, v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw fail('INVALID_ARGUMENT', `${name} must be an object`, { field: name })
  }
  return v
}

function query(params) {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue
    jsonText(k, v) // refuses NaN, functions, ... as the native module does
    q.set(snake(k), String(v))
  }
  const s = q.toString()
  return s ? '?' + s : ''
}

/** `fn` with a NOT_FOUND answer turned into `null` (reads of something that may not exist). */
async function orNull(p) {
  try {
    return await p
  } catch (e) {
    if (e instanceof GuildhallError && e.code === 'NOT_FOUND') return null
    throw e
  }
}

class HttpGuildhall {
  /** @param {string} url base URL of the host, e.g. http://127.0.0.1:8080 */
  constructor(url, options = {}) {
    this.url = String(url).replace(/\/+$/, '')
    this.apiKey = options.apiKey
    this.timeoutMs = options.timeoutMs ?? 30000
    this.pollMs = options.pollMs ?? 250
    this.closed = false
    this.pollers = new Set()
    this.pending = new Set()
  }

  /** Connects to a host and checks that it answers (`/healthz`). */
  static async connect(url, options = {}) {
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
      throw fail('INVALID_ARGUMENT', 'url is the http:// or https:// address of a guildhall host', { field: 'url' })
    }
    const gh = new HttpGuildhall(url, options)
    await gh.request('GET', '/healthz')
    return gh
  }

  /** One call to the host; tracked until it settles, so `close()` can wait for it. */
  request(method, path, body) {
    if (this.closed) return Promise.reject(fail('UNAVAILABLE', 'this Guildhall handle is closed'))
    const p = this.#send(method, path, body)
    this.pending.add(p)
    const done = () => this.pending.delete(p)
    p.then(done, done)
    return p
  }

  async #send(method, path, body) {
    const headers = { accept: 'application/json' }
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`
    const init = { method, headers, signal: AbortSignal.timeout(this.timeoutMs) }
    // Game data files travel as raw bytes: an upload's body, a download's answer.
    const raw = body instanceof Object && body.raw instanceof Uint8Array ? body : null
    const download = body instanceof Object && body.download === true ? body : null
    if (raw) {
      headers['content-type'] = raw.contentType
      init.body = raw.raw
    } else if (download) {
      headers.accept = '*/*'
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json'
      init.body = jsonText('request', body)
    }
    let res
    try {
      res = await fetch(this.url + path, init)
    } catch (e) {
      throw fail('UNAVAILABLE', `the host did not answer: ${e.cause?.message ?? e.message}`, { url: this.url })
    }
    if (download && res.ok) {
      const bytes = Buffer.from(await res.arrayBuffer())
      const h = (k) => res.headers.get(k)
      return {
        file: {
          name: download.name,
          version: Number(h('x-file-version')),
          contentType: h('content-type'),
          size: bytes.length,
          sha256: (h('etag') ?? '').replace(/"/g, ''),
          createdAt: h('x-file-created-at'),
        },
        contentBase64: bytes.toString('base64'),
      }
    }
    const text = await res.text()
    let json = null
    if (text) {
      try {
        json = JSON.parse(text)
      } catch {
        json = null
      }
    }
    if (!res.ok) throw GuildhallError.fromBody(json, res.status)
    const big = text && unsafeInteger(text)
    if (big) {
      throw fail('BALANCE_LIMIT', `the call completed, but its result holds ${big}, beyond the largest integer a JavaScript number holds exactly (2^53 - 1); keep maxBalance at or below Number.MAX_SAFE_INTEGER for currencies used from JavaScript`,
        { value: big, limit: MAX_SAFE, completed: true })
    }
    return json === null ? undefined : toCamel(json)
  }

  #player(v) {
    return enc(requireText('player', v))
  }

  // ----- Economy -----
  async grant(request) {
    const { player, ...body } = requireObject('request', request)
    return this.request('POST', `/v1/players/${this.#player(player)}/grant`, body)
  }
  async spend(request) {
    const { player, ...body } = requireObject('request', request)
    return this.request('POST', `/v1/players/${this.#player(player)}/spend`, body)
  }
  async transfer(request) {
    return this.request('POST', '/v1/transfers', requireObject('request', request))
  }
  async wallet(player) {
    return withByCurrency(await this.request('GET', `/v1/players/${this.#player(player)}/wallet`))
  }
  async balance(player, currency) {
    const r = await this.request('GET', `/v1/players/${this.#player(player)}/balances/${enc(requireText('currency', currency))}`)
    return r.amount
  }
  async history(player, filter = {}) {
    return this.request('GET', `/v1/players/${this.#player(player)}/history${query(filter ?? {})}`)
  }
  async verifyLedger() {
    return this.request('GET', '/v1/ledger/verify')
  }

  // ----- Catalog and inventory -----
  async purchase(request) {
    const { player, ...body } = requireObject('request', request)
    return this.request('POST', `/v1/players/${this.#player(player)}/purchases`, body)
  }
  async useItem(request) {
    const { player, itemId, ...body } = requireObject('request', request)
    return this.request('POST', `/v1/players/${this.#player(player)}/items/${enc(requireText('itemId', itemId))}/use`, body)
  }
  async grantItem(request) {
    const { player, itemId, ...body } = requireObject('request', request)
    return this.request('POST', `/v1/players/${this.#player(player)}/items/${enc(requireText('itemId', itemId))}/grant`, body)
  }
  async inventory(player) {
    return (await this.request('GET', `/v1/players/${this.#player(player)}/inventory`)).items ?? []
  }
  async catalog() {
    return this.request('GET', '/v1/catalog')
  }
  async catalogItem(itemId) {
    return this.request('GET', `/v1/catalog/${enc(requireText('itemId', itemId))}`)
  }
  async upsertCatalogItem(item) {
    const it = requireObject('item', item)
    return this.request('PUT', `/v1/catalog/${enc(requireText('item.id', it.id))}`, it)
  }
  async setCatalogItemActive(itemId, active) {
    return this.request('PUT', `/v1/catalog/${enc(requireText('itemId', itemId))}/active`, { active })
  }
  async popularItems(q = {}) {
    const rows = await this.request('GET', `/v1/analytics/popular-items${query(q ?? {})}`)
    return rows.map(({ name, ...row }) => row)
  }
  async revenuePerDay(q = {}) {
    return this.request('GET', `/v1/analytics/revenue${query(q ?? {})}`)
  }

  // ----- Mail -----
  async sendMail(request) {
    return this.request('POST', '/v1/mail', requireObject('request', request))
  }
  async broadcastMail(request) {
    return this.request('POST', '/v1/mail/broadcasts', requireObject('request', request))
  }
  async mailbox(player) {
    return (await this.request('GET', `/v1/players/${this.#player(player)}/mail`)).mails ?? []
  }
  async openMail(player, mailId) {
    return this.request('POST', `/v1/players/${this.#player(player)}/mail/${enc(requireText('mailId', mailId))}/open`)
  }
  async claimMail(player, mailId, options = {}) {
    return this.request('POST', `/v1/players/${this.#player(player)}/mail/${enc(requireText('mailId', mailId))}/claim`, options ?? {})
  }
  async deleteMail(player, mailId) {
    await this.request('DELETE', `/v1/players/${this.#player(player)}/mail/${enc(requireText('mailId', mailId))}`)
  }

  // ----- Announcements -----
  async putTemplate(template) {
    const { id, ...body } = requireObject('template', template)
    return this.request('PUT', `/v1/templates/${enc(requireText('id', id))}`, body)
  }
  async template(id) {
    return this.request('GET', `/v1/templates/${enc(requireText('id', id))}`)
  }
  async templates() {
    return this.request('GET', '/v1/templates')
  }
  async putTrigger(trigger) {
    const { id, createdAt, sentAt, ...body } = requireObject('trigger', trigger)
    return this.request('PUT', `/v1/triggers/${enc(requireText('id', id))}`, body)
  }
  async cancelTrigger(id) {
    return this.request('POST', `/v1/triggers/${enc(requireText('id', id))}/cancel`)
  }
  async trigger(id) {
    return this.request('GET', `/v1/triggers/${enc(requireText('id', id))}`)
  }
  async triggers() {
    return this.request('GET', '/v1/triggers')
  }
  async preview(templateId, variables = {}) {
    const r = await this.request('POST', `/v1/templates/${enc(requireText('templateId', templateId))}/preview`, { variables: variables ?? {} })
    return r.text
  }
  async fire(request) {
    const { player, ...body } = requireObject('request', request)
    return (await this.request('POST', `/v1/players/${this.#player(player)}/events/fire`, body)).messages ?? []
  }
  /** The host sends scheduled triggers on its own schedule; nothing to do from here. */
  async sendDueTriggers() {
    return []
  }
  /** The host pushes scheduled audiences itself ([schedule] intervals): nothing to do. */
  async pushScheduledAudience(kind) {
    if (!['lobby', 'server', 'room', 'party', 'player'].includes(kind)) {
      throw fail('INVALID_ARGUMENT', 'kind is one of lobby, server, room, party, player', { field: 'kind' })
    }
    return 0
  }

  // ----- Presence -----
  async login(player, location) {
    return this.request('POST', `/v1/players/${this.#player(player)}/session`, location ?? {})
  }
  async heartbeat(player, location) {
    return this.request('POST', `/v1/players/${this.#player(player)}/session/heartbeat`, location ? { location } : {})
  }
  async logout(player) {
    return (await this.request('DELETE', `/v1/players/${this.#player(player)}/session`)).ended
  }
  async session(player) {
    return orNull(this.request('GET', `/v1/players/${this.#player(player)}/session`))
  }
  async online() {
    return (await this.request('GET', '/v1/online')).sessions ?? []
  }

  // ----- Parties -----
  async createParty(player, options = {}) {
    return this.request('POST', '/v1/parties', { leader: requireText('player', player), open: options?.open ?? false })
  }
  async #partyIdOf(player) {
    const p = await this.partyOf(player)
    if (!p) throw fail('NOT_IN_PARTY', `${player} is in no party`, { player })
    return enc(p.id)
  }
  async inviteToParty(leader, invitee) {
    const id = await this.#partyIdOf(leader)
    return this.request('POST', `/v1/parties/${id}/invites`, { leader, player: requireText('invitee', invitee) })
  }
  async acceptInvite(player, partyId) {
    return this.request('POST', `/v1/parties/${enc(requireText('partyId', partyId))}/accept`, { player: requireText('player', player) })
  }
  async declineInvite(player, partyId) {
    await this.request('POST', `/v1/parties/${enc(requireText('partyId', partyId))}/decline`, { player: requireText('player', player) })
  }
  async joinParty(player, partyId) {
    return this.request('POST', `/v1/parties/${enc(requireText('partyId', partyId))}/join`, { player: requireText('player', player) })
  }
  async leaveParty(player) {
    const id = await this.#partyIdOf(player)
    return (await this.request('POST', `/v1/parties/${id}/leave`, { player })).party ?? null
  }
  async kickFromParty(leader, target) {
    const id = await this.#partyIdOf(leader)
    return this.request('POST', `/v1/parties/${id}/kick`, { leader, player: requireText('target', target) })
  }
  async promoteInParty(leader, target) {
    const id = await this.#partyIdOf(leader)
    return this.request('POST', `/v1/parties/${id}/promote`, { leader, player: requireText('target', target) })
  }
  async disbandParty(leader) {
    const id = await this.#partyIdOf(leader)
    await this.request('POST', `/v1/parties/${id}/disband`, { leader })
  }
  async partyOf(player) {
    return orNull(this.request('GET', `/v1/players/${this.#player(player)}/party`))
  }
  async party(partyId) {
    return this.request('GET', `/v1/parties/${enc(requireText('partyId', partyId))}`)
  }

  // ----- Friends -----
  async sendFriendRequest(request) {
    const { from, ...body } = requireObject('request', request)
    return this.request('POST', `/v1/players/${enc(requireText('from', from))}/friend-requests`, body)
  }
  #friendAction(request, path) {
    const { player, other, ...body } = requireObject('request', request)
    return [`/v1/players/${this.#player(player)}/${path}/${enc(requireText('other', other))}`, body]
  }
  async acceptFriendRequest(request) {
    const [path, body] = this.#friendAction(request, 'friend-requests')
    return this.request('POST', `${path}/accept`, body)
  }
  async declineFriendRequest(request) {
    const [path, body] = this.#friendAction(request, 'friend-requests')
    return this.request('POST', `${path}/decline`, body)
  }
  async removeFriend(request) {
    const [path, body] = this.#friendAction(request, 'friends')
    return this.request('DELETE', path, body)
  }
  #block(request) {
    const { blocker, blocked, ...body } = requireObject('request', request)
    return [`/v1/players/${enc(requireText('blocker', blocker))}/blocks/${enc(requireText('blocked', blocked))}`, body]
  }
  async blockPlayer(request) {
    const [path, body] = this.#block(request)
    return this.request('PUT', path, body)
  }
  async unblockPlayer(request) {
    const [path, body] = this.#block(request)
    return this.request('DELETE', path, body)
  }
  async friends(player) {
    return this.request('GET', `/v1/players/${this.#player(player)}/friends`)
  }
  async friendRequests(player) {
    return this.request('GET', `/v1/players/${this.#player(player)}/friend-requests`)
  }
  async blocked(player) {
    return this.request('GET', `/v1/players/${this.#player(player)}/blocks`)
  }

  // ----- Achievements and quests -----
  async putAchievement(definition) {
    const d = requireObject('definition', definition)
    return this.request('PUT', `/v1/admin/achievements/${enc(requireText('id', d.id))}`, d)
  }
  async deleteAchievement(id) {
    return this.request('DELETE', `/v1/admin/achievements/${enc(requireText('id', id))}`)
  }
  async achievement(id) {
    return this.request('GET', `/v1/achievements/${enc(requireText('id', id))}`)
  }
  async achievements() {
    return this.request('GET', '/v1/achievements')
  }
  async playerAchievements(player) {
    return this.request('GET', `/v1/players/${this.#player(player)}/achievements`)
  }
  async achievementStatus(player, achievementId) {
    return this.request('GET', `/v1/players/${this.#player(player)}/achievements/${enc(requireText('achievementId', achievementId))}`)
  }
  #achievementAction(request, action) {
    const { player, achievementId, ...body } = requireObject('request', request)
    return [`/v1/players/${this.#player(player)}/achievements/${enc(requireText('achievementId', achievementId))}/${action}`, body]
  }
  async progressAchievement(request) {
    const [path, body] = this.#achievementAction(request, 'progress')
    return this.request('POST', path, body)
  }
  async claimAchievement(request) {
    const [path, body] = this.#achievementAction(request, 'claim')
    return this.request('POST', path, body)
  }

  // ----- Groups -----
  async createGroup(request) {
    return this.request('POST', '/v1/groups', requireObject('request', request))
  }
  async findGroups(query_ = {}) {
    return this.request('GET', `/v1/groups${query(query_ ?? {})}`)
  }
  async #bank(action, request) {
    const { groupId, ...body } = requireObject('request', request)
    return this.request('POST', `/v1/groups/${enc(requireText('groupId', groupId))}/bank/${action}`, body)
  }
  async groupDeposit(request) {
    return this.#bank('deposit', request)
  }
  async groupWithdraw(request) {
    return this.#bank('withdraw', request)
  }
  async group(groupId) {
    return this.request('GET', `/v1/groups/${enc(requireText('groupId', groupId))}`)
  }
  async groupByName(name) {
    return this.request('GET', `/v1/admin/groups/by-name/${enc(requireText('name', name))}`)
  }
  async groupsOf(player) {
    return this.request('GET', `/v1/players/${this.#player(player)}/groups`)
  }
  async groupBank(groupId) {
    return this.request('GET', `/v1/groups/${enc(requireText('groupId', groupId))}/bank`)
  }
  #groupPath(groupId, action) {
    return `/v1/groups/${enc(requireText('groupId', groupId))}/${action}`
  }
  async joinGroup(player, groupId) {
    return this.request('POST', this.#groupPath(groupId, 'join'), { player: requireText('player', player) })
  }
  async requestToJoinGroup(player, groupId) {
    return this.request('POST', this.#groupPath(groupId, 'requests'), { player: requireText('player', player) })
  }
  async inviteToGroup(actor, groupId, invitee) {
    return this.request('POST', this.#groupPath(groupId, 'invites'), { actor: requireText('actor', actor), player: requireText('invitee', invitee) })
  }
  async acceptGroupInvite(player, groupId) {
    return this.request('POST', this.#groupPath(groupId, 'accept'), { player: requireText('player', player) })
  }
  async declineGroupInvite(player, groupId) {
    return this.request('POST', this.#groupPath(groupId, 'decline'), { player: requireText('player', player) })
  }
  async acceptJoinRequest(actor, groupId, player) {
    return this.request('POST', this.#groupPath(groupId, 'requests/accept'), { actor: requireText('actor', actor), player: requireText('player', player) })
  }
  async declineJoinRequest(actor, groupId, player) {
    return this.request('POST', this.#groupPath(groupId, 'requests/decline'), { actor: requireText('actor', actor), player: requireText('player', player) })
  }
  async kickFromGroup(actor, groupId, target) {
    return this.request('POST', this.#groupPath(groupId, 'kick'), { actor: requireText('actor', actor), player: requireText('target', target) })
  }
  async promoteInGroup(actor, groupId, target) {
    return this.request('POST', this.#groupPath(groupId, 'promote'), { actor: requireText('actor', actor), player: requireText('target', target) })
  }
  async demoteInGroup(actor, groupId, target) {
    return this.request('POST', this.#groupPath(groupId, 'demote'), { actor: requireText('actor', actor), player: requireText('target', target) })
  }
  async transferGroupOwnership(actor, groupId, target) {
    return this.request('POST', this.#groupPath(groupId, 'transfer'), { actor: requireText('actor', actor), player: requireText('target', target) })
  }
  async leaveGroup(player, groupId) {
    return this.request('POST', this.#groupPath(groupId, 'leave'), { player: requireText('player', player) })
  }
  async disbandGroup(actor, groupId) {
    await this.request('POST', this.#groupPath(groupId, 'disband'), { actor: requireText('actor', actor) })
  }
  async adminRemoveGroupMember(groupId, player) {
    return this.request('POST', `/v1/admin/groups/${enc(requireText('groupId', groupId))}/remove-member`, { player: requireText('player', player) })
  }
  async adminDisbandGroup(groupId) {
    await this.request('POST', `/v1/admin/groups/${enc(requireText('groupId', groupId))}/disband`)
  }

  // ----- Chat -----
  async postMessage(request) {
    return this.request('POST', '/v1/chat/messages', requireObject('request', request))
  }
  async channelHistory(channel, options = {}) {
    const { player, before, limit, ...rest } = options ?? {}
    const unknown = Object.keys(rest)
    if (unknown.length) {
      throw fail('INVALID_ARGUMENT', `options: unknown option \`${unknown[0]}\`, expected one of ["player", "before", "limit"]`, { field: 'options', option: unknown[0] })
    }
    const q = query({ channel: requireText('channel', channel), before, limit })
    return player == null
      ? this.request('GET', `/v1/admin/chat/history${q}`)
      : this.request('GET', `/v1/players/${this.#player(player)}/chat${q}`)
  }
  async mutePlayer(request) {
    const { player, ...body } = requireObject('request', request)
    return this.request('PUT', `/v1/admin/chat/mutes/${this.#player(player)}`, body)
  }
  async unmutePlayer(player) {
    return (await this.request('DELETE', `/v1/admin/chat/mutes/${this.#player(player)}`)).unmuted
  }

  // ----- Leaderboards and tournaments -----
  #board(board) {
    return `/v1/leaderboards/${enc(requireText('board', board))}`
  }
  async putLeaderboard(request) {
    const r = requireObject('request', request)
    return this.request('PUT', `/v1/admin/leaderboards/${enc(requireText('id', r.id))}`, r)
  }
  async leaderboard(board) {
    return this.request('GET', this.#board(board))
  }
  async leaderboards() {
    return this.request('GET', '/v1/leaderboards')
  }
  async submitScore(request) {
    const { board, ...body } = requireObject('request', request)
    return this.request('POST', `${this.#board(board)}/scores`, body)
  }
  async leaderboardStandings(query_) {
    const { board, ...rest } = requireObject('query', query_)
    return this.request('GET', `${this.#board(board)}/standings${query(rest)}`)
  }
  async leaderboardStanding(query_) {
    const { board, player, ...rest } = requireObject('query', query_)
    return this.request('GET', `${this.#board(board)}/players/${this.#player(player)}${query(rest)}`)
  }
  async leaderboardPeriods(board, partition) {
    return this.request('GET', `${this.#board(board)}/periods${query({ partition })}`)
  }
  async joinTournament(request) {
    const { board, ...body } = requireObject('request', request)
    return this.request('POST', `${this.#board(board)}/join`, body)
  }
  async runLeaderboardResets() {
    return (await this.request('POST', '/v1/admin/leaderboards/resets', {})).reset
  }

  // ----- Matchmaking -----
  async queue(request) {
    const { queue, ...body } = requireObject('request', request)
    return this.request('POST', `/v1/queues/${enc(requireText('queue', queue))}/tickets`, body)
  }
  async cancelTicket(player) {
    return this.request('DELETE', `/v1/players/${this.#player(player)}/ticket`)
  }
  async ticketStatus(player) {
    return orNull(this.request('GET', `/v1/players/${this.#player(player)}/ticket`))
  }
  async pool(queue) {
    return (await this.request('GET', `/v1/queues/${enc(requireText('queue', queue))}/pool`)).tickets ?? []
  }
  /** The host runs the matchmaking tick on its own schedule; nothing to do from here. */
  async tick() {
    return []
  }
  async reportMatch(matchId, ranks) {
    return this.request('POST', `/v1/matches/${enc(requireText('matchId', matchId))}/result`, { ranks })
  }
  async matchRecord(matchId) {
    return this.request('GET', `/v1/matches/${enc(requireText('matchId', matchId))}`)
  }
  async rating(player, queue) {
    return (await this.request('GET', `/v1/players/${this.#player(player)}/ratings/${enc(requireText('queue', queue))}`)).rating
  }
  async matchHistory(player, limit) {
    return (await this.request('GET', `/v1/players/${this.#player(player)}/matches${query({ limit })}`)).matches ?? []
  }

  // ----- Events -----
  async eventsAfter(after = 0, limit = 100) {
    return (await this.request('GET', `/v1/events${query({ after, limit })}`)).events ?? []
  }
  /** Events concerning one player: read from the outbox and filtered here. */
  async playerEventsAfter(player, after = 0, limit = 100) {
    requireText('player', player)
    // The same bounds as the native module (the core's 1 to 1000), checked here because
    // this transport filters GET /v1/events itself.
    if (typeof limit === 'bigint') limit = Number(limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw fail('INVALID_ARGUMENT', 'limit is 1 to 1000', { field: 'limit' })
    }
    const out = []
    let cursor = after
    for (;;) {
      const page = await this.request('GET', `/v1/events${query({ after: cursor, limit: 1000 })}`)
      for (const e of page.events ?? []) {
        if (e.players.includes(player)) out.push(e)
        if (out.length >= limit) return out
      }
      if (!page.events?.length) return out
      cursor = page.nextAfter
    }
  }
  async prune() {
    return this.request('POST', '/v1/maintenance/prune')
  }

  /**
   * Calls `callback` with every event committed from now on, read by polling the
   * host's outbox (`/v1/events`) every `pollMs` (default 250 ms). Returns a function
   * that stops this callback; its `ready` Promise settles once the poller knows where
   * "now" is in the outbox (await it before acting if the first events matter). The
   * poller does not keep the process alive; `close()` stops every one.
   * `options` as the native `onEvent`: `topics` (`party:<id>`, `room:<id>`,
   * `chat:<channel>`, `global`, ...), `player`, `kinds`, and `after` (a seq: follow the
   * outbox from there, so nothing after it is missed or seen twice).
   */
  onEvent(callback, options) {
    if (this.closed) throw fail('UNAVAILABLE', 'this Guildhall handle is closed')
    if (typeof callback !== 'function') throw fail('INVALID_ARGUMENT', 'callback must be a function', { field: 'callback' })
    const accepts = eventFilter(options)
    let after = options?.after ?? null
    if (after !== null) {
      after = Number(after)
      if (!Number.isInteger(after) || after < 0) throw fail('INVALID_ARGUMENT', 'after is a seq, 0 or more', { field: 'after' })
    }
    const state = { timer: null, after, stopped: false }
    const page = (after) => this.request('GET', `/v1/events${query({ after, limit: 1000 })}`)
    const findEnd = async () => {
      let after = 0
      for (let p; (p = await page(after)).events?.length;) after = p.nextAfter
      state.after = after
    }
    const next = (f) => {
      if (state.stopped) return
      state.timer = setTimeout(f, this.pollMs)
      state.timer.unref?.()
    }
    const poll = async () => {
      try {
        if (state.after === null) await findEnd()
        for (;;) {
          const p = await page(state.after)
          for (const e of p.events ?? []) {
            if (state.stopped) return
            state.after = e.seq
            if (accepts(e)) callback(e)
          }
          if ((p.events?.length ?? 0) < 1000) break
        }
      } catch {
        // The host is unreachable for now: the next poll resumes after the last event seen.
      }
      next(poll)
    }
    this.pollers.add(state)
    const unsubscribe = () => {
      state.stopped = true
      if (state.timer) clearTimeout(state.timer)
      this.pollers.delete(state)
    }
    unsubscribe.ready = (state.after === null ? findEnd() : Promise.resolve())
      .catch(() => {}) // unreachable for now: the first poll finds the end itself
      .then(() => next(poll))
    return unsubscribe
  }

  // ----- Trade -----
  async openTrade(request) {
    return this.request('POST', '/v1/trades', requireObject('request', request))
  }
  #tradePath(tradeId, action) {
    return `/v1/trades/${enc(requireText('tradeId', tradeId))}${action ? '/' + action : ''}`
  }
  async #tradeAction(action, request) {
    const { tradeId, ...body } = requireObject('request', request)
    return this.request('POST', this.#tradePath(tradeId, action), body)
  }
  async setTradeOffer(request) {
    return this.#tradeAction('offer', request)
  }
  async confirmTrade(request) {
    return this.#tradeAction('confirm', request)
  }
  async cancelTrade(request) {
    return this.#tradeAction('cancel', request)
  }
  async trade(tradeId) {
    return this.request('GET', this.#tradePath(tradeId))
  }
  async playerTrades(player) {
    return this.request('GET', `/v1/players/${this.#player(player)}/trades`)
  }
  async recentTrades(limit) {
    return this.request('GET', `/v1/admin/trades${query({ limit })}`)
  }
  async tradeLedger(tradeId) {
    return this.request('GET', this.#tradePath(tradeId, 'ledger'))
  }
  async expireTrades() {
    return (await this.request('POST', '/v1/admin/trades/expire', {})).expired
  }
  // ----- Characters and the account bank -----
  #characterPath(account, character, action) {
    const base = `/v1/players/${this.#player(account)}/characters/${enc(requireText('character', character))}`
    return action ? `${base}/${action}` : base
  }
  async createCharacter(request) {
    const { account, ...body } = requireObject('request', request)
    return this.request('POST', `/v1/players/${this.#player(account)}/characters`, body)
  }
  async renameCharacter(request) {
    const { account, character, ...body } = requireObject('request', request)
    return this.request('POST', this.#characterPath(account, character, 'rename'), body)
  }
  async deleteCharacter(request) {
    const { account, character, ...body } = requireObject('request', request)
    return this.request('DELETE', this.#characterPath(account, character), body)
  }
  async restoreCharacter(request) {
    const { account, character, ...body } = requireObject('request', request)
    return this.request('POST', this.#characterPath(account, character, 'restore'), body)
  }
  async selectCharacter(request) {
    const { account, character, ...body } = requireObject('request', request)
    return this.request('POST', this.#characterPath(account, character, 'select'), body)
  }
  async characters(account) {
    return this.request('GET', `/v1/players/${this.#player(account)}/characters`)
  }
  async character(character) {
    return this.request('GET', `/v1/characters/${this.#player(character)}`)
  }
  async bankDeposit(request) {
    const { character, ...body } = requireObject('request', request)
    return this.request('POST', `/v1/players/${this.#player(character)}/bank/deposit`, body)
  }
  async bankWithdraw(request) {
    const { character, ...body } = requireObject('request', request)
    return this.request('POST', `/v1/players/${this.#player(character)}/bank/withdraw`, body)
  }
  async accountBank(player) {
    return this.request('GET', `/v1/players/${this.#player(player)}/bank`)
  }
  async equipItem(request) {
    const { player, ...body } = requireObject('request', request)
    return this.request('POST', `/v1/players/${this.#player(player)}/equipment`, body)
  }
  async unequipItem(request) {
    const { player, slot, ...body } = requireObject('request', request)
    return this.request('DELETE', `/v1/players/${this.#player(player)}/equipment/${enc(requireText('slot', slot))}`, body)
  }
  async equipment(player) {
    return this.request('GET', `/v1/players/${this.#player(player)}/equipment`)
  }

  /**
   * Stops every `onEvent` poller, refuses further calls (`UNAVAILABLE`) and resolves
   * once every call made before it has finished.
   */
  async close() {
    this.closed = true
    for (const s of this.pollers) {
      s.stopped = true
      if (s.timer) clearTimeout(s.timer)
    }
    this.pollers.clear()
    await Promise.allSettled([...this.pending])
  }

  // ----- Loot tables -----
  async putLootTable(table) {
    const t = requireObject('table', table)
    return this.request('PUT', `/v1/admin/loot/tables/${enc(requireText('id', t.id))}`, t)
  }
  async deleteLootTable(id) {
    return this.request('DELETE', `/v1/admin/loot/tables/${enc(requireText('id', id))}`)
  }
  async lootTable(id) {
    return this.request('GET', `/v1/admin/loot/tables/${enc(requireText('id', id))}`)
  }
  async lootTables() {
    return this.request('GET', '/v1/admin/loot/tables')
  }
  async rollLoot(request) {
    const { player, ...body } = requireObject('request', request)
    return this.request('POST', `/v1/players/${this.#player(player)}/loot`, body)
  }
  async lootResult(id) {
    return this.request('GET', `/v1/admin/loot/results/${enc(requireText('id', id))}`)
  }
  async replayLoot(request) {
    return this.request('POST', '/v1/admin/loot/replay', requireObject('request', request))
  }
  async lootRoll(id) {
    return this.request('GET', `/v1/loot/rolls/${enc(requireText('id', id))}`)
  }
  async chooseLootRoll(request) {
    const { player, rollId, ...body } = requireObject('request', request)
    return this.request('POST', `/v1/players/${this.#player(player)}/loot/rolls/${enc(requireText('rollId', rollId))}`, body)
  }
  async resolveLootRolls() {
    return this.request('POST', '/v1/admin/loot/resolve')
  }

  // ----- Rooms and the lobby -----
  async createRoom(request) {
    return this.request('POST', '/v1/rooms', requireObject('request', request))
  }
  #roomPath(roomId, action) {
    return `/v1/rooms/${enc(requireText('roomId', roomId))}${action ? '/' + action : ''}`
  }
  async enterRoom(request) {
    const { roomId, ...body } = requireObject('request', request)
    return this.request('POST', this.#roomPath(roomId, 'enter'), body)
  }
  async leaveRoom(request) {
    const { roomId, ...body } = requireObject('request', request)
    // Without a room id: the room the player is in (none: NOT_FOUND, as the core says).
    const id = roomId ?? (await this.request('GET', `/v1/players/${this.#player(body.player)}/room`)).id
    return this.request('POST', this.#roomPath(id, 'leave'), body)
  }
  async destroyRoom(request) {
    const { roomId, ...body } = requireObject('request', request)
    return this.request('POST', `/v1/admin/rooms/${enc(requireText('roomId', roomId))}/destroy`, body)
  }
  async room(roomId) {
    return this.request('GET', this.#roomPath(roomId))
  }
  async playerRoom(player) {
    return orNull(this.request('GET', `/v1/players/${this.#player(player)}/room`))
  }
  async rooms(limit) {
    return this.request('GET', `/v1/rooms${query({ limit })}`)
  }
  async roomLog(roomId, options = {}) {
    const { after, limit, ...rest } = options ?? {}
    const unknown = Object.keys(rest)
    if (unknown.length) {
      throw fail('INVALID_ARGUMENT', `options: unknown option \`${unknown[0]}\`, expected one of ["after", "limit"]`, { field: 'options', option: unknown[0] })
    }
    return this.request('GET', `/v1/admin/rooms/${enc(requireText('roomId', roomId))}/log${query({ after, limit })}`)
  }
  async destroyIdleRooms() {
    return (await this.request('POST', '/v1/admin/rooms/sweep', {})).destroyed
  }
  async lobby() {
    return this.request('GET', '/v1/lobby')
  }
  async pushLobby(request) {
    return this.request('POST', '/v1/lobby/push', request ?? {})
  }

  // ----- Payments and game data files -----
  async paymentLog(q) {
    return this.request('GET', `/v1/admin/payments${query(q ?? {})}`)
  }
  async payment(provider, paymentId) {
    return this.request('GET', `/v1/admin/payments/${enc(requireText('provider', provider))}/${enc(requireText('paymentId', paymentId))}`)
  }
  async uploadFile(request) {
    const r = requireObject('request', request)
    const name = requireText('name', r.name)
    const b64 = requireText('contentBase64', r.contentBase64)
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64.trim()) || b64.trim().length % 4 !== 0) {
      throw fail('INVALID_ARGUMENT', 'content_base64 is standard base64', { field: 'content_base64' })
    }
    const bytes = Buffer.from(b64.trim(), 'base64')
    return this.request('PUT', `/v1/admin/files/${enc(name)}`, { raw: bytes, contentType: r.contentType ?? 'application/octet-stream' })
  }
  async fileContent(name) {
    const path = `/v1/files/${enc(requireText('name', name))}`
    return this.request('GET', path, { download: true, name })
  }
  async files(q) {
    return this.request('GET', `/v1/files${query(q ?? {})}`)
  }
  async fileVersions(name) {
    return this.request('GET', `/v1/admin/files/${enc(requireText('name', name))}/versions`)
  }
}

module.exports = { HttpGuildhall, GuildhallError, ERROR_CODES, toSnake, toCamel, withByCurrency, settleLater }
