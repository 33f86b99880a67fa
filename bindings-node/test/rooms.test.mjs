// Rooms and the lobby through both transports (the native module and the HTTP host):
// every room operation, ROOM_FULL, entering another room leaves the first, presence
// shows the room of the membership, the lobby view and its push, the operator's log.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { rejectsWith, hostBinary, transports } from './helpers.mjs'

let n = 0
const uid = (p) => `${p}-${process.pid}-${++n}`

for (const [name, make] of Object.entries(transports)) {
  describe(`${name} transport: rooms`, { skip: name === 'http' && !hostBinary() && 'no host binary' }, () => {
    let gh
    const hooks = []
    before(async () => { gh = await make({ after: (f) => hooks.push(f) }) })
    after(async () => { for (const f of hooks.reverse()) await f() })

    it('creates, fills, moves, shows in presence and the lobby, destroys and logs', async () => {
      const rita = uid('rita'), sam = uid('sam'), tom = uid('tom')
      const made = await gh.createRoom({ player: rita, roomType: 'duel', capacity: 2, metadata: { map: 'dust', snake_key: 1 }, server: '10.0.0.5:22005', idempotencyKey: uid('k') })
      assert.equal(made.room.owner, rita)
      assert.deepEqual(made.room.metadata, { map: 'dust', snake_key: 1 }, 'metadata keys are kept as given')
      assert.equal(made.replayed, false)
      const id = made.room.id
      await rejectsWith(assert, gh.createRoom({ roomType: 'duel', capacity: 0 }), 'INVALID_ARGUMENT')

      const entered = await gh.enterRoom({ player: sam, roomId: id })
      assert.deepEqual(entered.room.players.map((m) => m.player), [rita, sam])
      const full = await rejectsWith(assert, gh.enterRoom({ player: tom, roomId: id }), 'ROOM_FULL')
      assert.equal(full.details.capacity, 2)
      assert.equal((await gh.room(id)).capacity, 2)
      assert.equal((await gh.playerRoom(sam)).id, id)
      assert.equal(await gh.playerRoom(tom), null)
      await rejectsWith(assert, gh.room(uid('missing')), 'NOT_FOUND')

      // Presence: the room of the membership, whatever the login says.
      const s = await gh.login(sam, { lobby: 'main', room: 'elsewhere' })
      assert.equal(s.location.room, id)
      await gh.login(tom, { lobby: 'main' })
      const view = await gh.lobby()
      const listed = view.rooms.find((r) => r.id === id)
      assert.equal(listed.players, 2)
      assert.equal(listed.server, '10.0.0.5:22005')
      assert.ok(view.players.some((p) => p.player === sam && p.room === id))
      const pushed = await gh.pushLobby({ player: tom })
      assert.equal(pushed.recipients, 1)
      assert.equal(typeof pushed.fingerprint, 'string')
      assert.ok((await gh.pushLobby()).recipients >= 1, 'tom is a lobby player')

      // A system room; entering it leaves the first in the same call.
      const other = (await gh.createRoom({ roomType: 'ffa', capacity: 8 })).room.id
      const moved = await gh.enterRoom({ player: sam, roomId: other })
      assert.equal(moved.leftRoom, id)
      assert.ok((await gh.rooms(1000)).some((r) => r.id === other))
      const left = await gh.leaveRoom({ player: sam })
      assert.equal(left.leftRoom, other)
      await rejectsWith(assert, gh.leaveRoom({ player: sam, roomId: id }), 'NOT_FOUND')

      const gone = await gh.destroyRoom({ roomId: id })
      assert.deepEqual(gone.room.players.map((m) => m.player), [rita])
      await rejectsWith(assert, gh.room(id), 'NOT_FOUND')
      const page = await gh.roomLog(id, { limit: 2 })
      assert.deepEqual(page.entries.map((e) => e.action), ['created', 'entered'])
      const rest = await gh.roomLog(id, { after: page.nextCursor })
      assert.deepEqual(rest.entries.map((e) => [e.action, e.player ?? null]), [['entered', sam], ['left', sam], ['destroyed', null]])
      assert.equal(typeof (await gh.destroyIdleRooms()), 'number')
    })
  })
}
