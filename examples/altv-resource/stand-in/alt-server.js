// A stand-in for alt:V's server module ('alt-server'), just large enough to run this
// resource under plain Node: local events (alt.on / alt.emit), client events
// (alt.onClient / alt.emitClient), alt.Player.all and logging. The real module is
// provided by the alt:V server; nothing here is used there.
//
// Driver helpers (not part of alt:V) live under `standIn`: connect and disconnect
// players, send client events as a player would, and read what the server sent back.

const local = new Map()
const client = new Map()

function add(map, name, fn) {
  if (!map.has(name)) map.set(name, [])
  map.get(name).push(fn)
}

/** Runs every handler; resolves once the async ones are done (alt:V does not wait). */
async function run(map, name, args) {
  await Promise.all((map.get(name) ?? []).map((fn) => fn(...args)))
}

export class Player {
  static all = []
  constructor(name, socialID) {
    this.name = name
    this.socialID = socialID
    this.id = Player.all.length + 1
    this.valid = true
    /** What the server sent this player: [eventName, ...args]. */
    this.received = []
  }
}

export function on(name, fn) { add(local, name, fn) }
export function emit(name, ...args) { return run(local, name, args) }
export function onClient(name, fn) { add(client, name, fn) }
export function emitClient(player, name, ...args) { player.received.push([name, ...args]) }
export function log(...args) { console.log(...args) }
export function logError(...args) { console.error(...args) }

export const standIn = {
  async connect(name, socialID) {
    const p = new Player(name, socialID)
    Player.all.push(p)
    await run(local, 'playerConnect', [p])
    return p
  },
  async disconnect(player) {
    Player.all = Player.all.filter((p) => p !== player)
    player.valid = false
    await run(local, 'playerDisconnect', [player, 'quit'])
  },
  /** The player's client sends an event to the server. */
  send(player, name, ...args) { return run(client, name, [player, ...args]) },
  /** Messages ('guildhall:notify') the player received, and clears them. */
  notes(player) {
    const out = player.received.filter(([n]) => n === 'guildhall:notify').map(([, text]) => text)
    player.received = player.received.filter(([n]) => n !== 'guildhall:notify')
    return out
  },
  stop() { return run(local, 'resourceStop', []) },
}
