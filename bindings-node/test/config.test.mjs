// The one config schema through the Node module: the same files the host and the
// Python module open (examples/tour.toml, tests/fixtures/config/every-key.toml), and
// the same message for a misspelled key (tests/fixtures/config/misspelled.message,
// asserted verbatim by the host's and Python's tests too). Also the backend builder's
// rule: database from the call, else the environment, else the config, else
// sqlite://guildhall.db; `cache` with Redis refused.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { Guildhall, rejectsWith, tempDir, repo } from './helpers.mjs'

const fixture = (name) => join(repo, 'tests', 'fixtures', 'config', name)

describe('the config file shared with the host and Python', () => {
  it('opens the tour config', async (t) => {
    const dir = tempDir(t)
    const gh = await Guildhall.open({ database: `sqlite://${join(dir, 'tour.db')}`, config: join(repo, 'examples', 'tour.toml') })
    assert.deepEqual((await gh.wallet('p')).balances.map((b) => b.currency), ['gold', 'gems'])
    assert.ok((await gh.catalog()).some((i) => i.id === 'sword'))
    gh.close()
  })

  it('opens the file that sets every key (host-only sections checked and ignored)', async (t) => {
    const dir = tempDir(t)
    const gh = await Guildhall.open({ database: `sqlite://${join(dir, 'every.db')}`, config: fixture('every-key.toml') })
    assert.deepEqual((await gh.wallet('p')).balances.map((b) => b.currency), ['gold', 'gems'])
    assert.deepEqual((await gh.catalog()).map((i) => i.id).sort(), ['cape', 'potion'])
    gh.close()
  })

  it('refuses a misspelled key with the message every surface gives', async () => {
    const expected = readFileSync(fixture('misspelled.message'), 'utf8').trimEnd()
    const e = await rejectsWith(assert, Guildhall.open({ database: 'memory://', config: fixture('misspelled.toml') }), 'INVALID_ARGUMENT')
    assert.equal(e.message, expected)
    assert.equal(e.details.field, 'currencys')
    const o = await rejectsWith(assert, Guildhall.open({ database: 'memory://', config: { currencys: [{ code: 'gold' }] } }), 'INVALID_ARGUMENT')
    assert.equal(o.message, expected)
  })

  it('refuses cache with Redis, as the host and Python do', async () => {
    const e = await rejectsWith(assert, Guildhall.open({ database: 'memory://', redis: 'redis://127.0.0.1:6379', cache: true }), 'INVALID_ARGUMENT')
    assert.equal(e.details.field, 'cache')
  })
})
