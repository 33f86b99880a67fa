// The alt:V example resource plays its session under plain Node with the stand-in.
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { repo } from './helpers.mjs'

it('plays the alt:V resource session with the stand-in alt module', () => {
  const out = execFileSync(process.execPath, [join(repo, 'examples', 'altv-resource', 'play.mjs')], {
    encoding: 'utf8', env: { ...process.env, GUILDHALL_DATABASE: '' }, timeout: 60000,
  })
  assert.match(out, /Mail "Thank you for your donation" claimed/)
  assert.match(out, /Sent \$300 to Bob/)
  assert.match(out, /Not enough money/)
  assert.match(out, /Joined the party \(2 members\)/)
  assert.match(out, /session played; ledger verified/)
})
