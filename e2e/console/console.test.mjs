// End-to-end test of guildhall's operator console in a real headless Chromium.
//
// Needs a running host (GH_URL) and an API key with the admin scope (GH_KEY); run.sh
// starts both. Screenshots go to GH_SCREENSHOTS (default docs/console/).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { chromium } from 'playwright-core'

const url = process.env.GH_URL
const key = process.env.GH_KEY
const here = path.dirname(fileURLToPath(import.meta.url))
const shots = process.env.GH_SCREENSHOTS || path.join(here, '..', '..', 'docs', 'console')
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium'

assert.ok(url, 'GH_URL (the host) is needed')
assert.ok(key, 'GH_KEY (an admin API key) is needed')

async function api (method, route, body) {
  const res = await fetch(url + route, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.text()
  const json = text ? JSON.parse(text) : null
  assert.ok(res.ok, `${method} ${route}: ${res.status} ${text}`)
  return json
}

let browser
let page

before(async () => {
  mkdirSync(shots, { recursive: true })
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
})

after(async () => {
  await browser?.close()
})

test('an operator signs in, finds a player and grants currency from the console', async () => {
  // A player who registered, holds some gold and is online in the lobby.
  const suffix = Date.now().toString(36)
  const username = `hero_${suffix}`
  const reg = await api('POST', '/v1/auth/register', { username, password: 'correct horse battery' })
  const player = reg.account.player
  await api('POST', `/v1/players/${player}/grant`, {
    amount: 100, currency: 'gold', source: 'rewards', reason: 'first quest', idempotency_key: `e2e-${suffix}`
  })
  await api('POST', `/v1/players/${player}/session`, { lobby: 'main' })

  // No session: the console sends the browser to the login page.
  await page.goto(url + '/console')
  assert.equal(new URL(page.url()).pathname, '/console/login')
  await page.screenshot({ path: path.join(shots, 'login.png') })

  // A wrong key is refused with its code and no cookie.
  await page.fill('#key', 'ghk_000000000000_wrong')
  await page.click('button[type=submit]')
  await page.waitForSelector('.notice.refused')
  assert.match(await page.textContent('.notice.refused'), /UNAUTHENTICATED/)

  // The admin key signs in; the browser keeps only an HttpOnly session cookie.
  await page.fill('#key', key)
  await page.click('button[type=submit]')
  await page.waitForURL(url + '/console')
  const cookies = await page.context().cookies()
  const session = cookies.find((c) => c.name === 'gh_console')
  assert.ok(session, 'session cookie set')
  assert.equal(session.httpOnly, true)
  assert.equal(session.sameSite, 'Strict')
  assert.equal(session.path, '/console')
  assert.ok(!session.value.includes(key), 'the key is not in the cookie')
  assert.equal((await page.textContent('#online-count')).trim(), '1')

  // The dashboard refreshes its figures every 5 s from /console/status.json.
  const before = await page.textContent('#refreshed-at')
  await page.waitForFunction((b) => document.getElementById('refreshed-at').textContent !== b, before, { timeout: 12000 })
  assert.doesNotMatch(await page.textContent('#refreshed-at'), /not refreshed/)
  await page.screenshot({ path: path.join(shots, 'dashboard.png') })

  // Find the player by a linked identity.
  await page.fill('#q', `username:${username}`)
  await page.click('form[action="/console/players"] button')
  await page.waitForURL(`${url}/console/players/${player}`)
  assert.match(await page.textContent('#ledger'), /first quest/)
  assert.match(await page.textContent('#wallet'), /100/)

  // Grant through the form, with a reason.
  await page.selectOption('#grant-form select[name=currency]', 'gold')
  await page.fill('#grant-amount', '250')
  await page.fill('#grant-reason', 'apology for the outage')
  await page.click('#grant-form button[type=submit]')
  await page.waitForSelector('.notice.ok')
  assert.match(await page.textContent('.notice.ok'), /Granted 250 gold; balance now 350/)
  const newest = await page.textContent('#ledger tr:nth-child(2)')
  assert.match(newest, /apology for the outage/)
  assert.match(newest, /\+250/)
  assert.match(newest, /system:admin/)
  await page.screenshot({ path: path.join(shots, 'player.png'), fullPage: true })

  // A refusal is shown with its code, and nothing changes.
  await page.fill('#revoke-amount', '100000')
  await page.fill('#revoke-reason', 'too much')
  await page.click('#revoke-form button[type=submit]')
  await page.waitForSelector('.notice.refused')
  assert.match(await page.textContent('.notice.refused'), /INSUFFICIENT_FUNDS/)

  // The JSON API sees the same ledger.
  const history = await api('GET', `/v1/players/${player}/history`)
  assert.equal(history.entries[0].amount, 250)
  assert.equal(history.entries[0].reason, 'apology for the outage')
  assert.equal(history.entries[0].debit, 'system:admin')
  const gold = await api('GET', `/v1/players/${player}/balances/gold`)
  assert.equal(gold.amount, 350)

  // Signing out clears the session.
  await page.click('header form button')
  await page.waitForURL(url + '/console/login')
  await page.goto(url + '/console')
  assert.equal(new URL(page.url()).pathname, '/console/login')
})

test('the trends page draws the seeded purchases, logins, players online and a match as SVG charts', async () => {
  // Two players register and log in (active today), buy potions (revenue in gold),
  // start a session (online) and queue for a duel (a match with its waits).
  const suffix = Date.now().toString(36)
  const players = []
  for (const n of [1, 2]) {
    const username = `trend_${n}_${suffix}`
    const password = 'correct horse battery'
    const reg = await api('POST', '/v1/auth/register', { username, password })
    await api('POST', '/v1/auth/login', { username, password })
    const player = reg.account.player
    players.push(player)
    await api('POST', `/v1/players/${player}/grant`, {
      amount: 100, currency: 'gold', source: 'rewards', reason: 'trend seed', idempotency_key: `trend-${n}-${suffix}`
    })
    await api('POST', `/v1/players/${player}/purchases`, { item_id: '1', quantity: n })
    await api('POST', `/v1/players/${player}/session`, { lobby: 'main' })
    await api('POST', '/v1/queues/duel/tickets', { player })
  }

  await page.goto(url + '/console/login')
  await page.fill('#key', key)
  await page.click('button[type=submit]')
  await page.waitForURL(url + '/console')
  await page.click('header nav a[href="/console/trends"]')
  await page.waitForURL(url + '/console/trends')
  assert.equal(await page.textContent('h1'), 'Trends')

  // The scheduler samples the players online every 10 s (run.sh's config) and its tick
  // forms the duel: reload until both are drawn.
  const deadline = Date.now() + 30000
  const figures = async (sel) => (await page.locator(sel).allTextContents()).map((t) => Number(t.split(': ').pop()))
  while (!(await figures('#chart-online circle.point title')).some((n) => n >= 2) ||
         await page.locator('#chart-matches rect.point').count() === 0) {
    assert.ok(Date.now() < deadline, 'no sample of both players online or no match drawn within 30 s')
    await page.waitForTimeout(1000)
    await page.reload()
  }

  // Every chart is an inline SVG with an accessible name and a point per value.
  const charts = page.locator('svg.chart[role=img]')
  assert.equal(await charts.count(), 5)
  assert.equal(await page.locator('#chart-revenue circle.point').count(), 30, 'a point per day')
  assert.equal(await page.locator('#chart-active rect.point').count(), 30, 'a bar per day')
  assert.equal(await page.locator('#chart-matches rect.point').count(), 24, 'a bar per hour')
  assert.ok(await page.locator('#chart-waits circle.point').count() >= 2, 'median and 90th percentile')
  assert.equal(await page.textContent('#chart-revenue svg > title'), 'Revenue per currency per day, last 30 days')
  // Today's figures in the points' titles: 3 potions of 10 gold at least, both players
  // (and the first test's) active, at least one match.
  const revenue = await figures('#chart-revenue circle.point title')
  assert.ok(revenue[revenue.length - 1] >= 30, `revenue today ${revenue}`)
  const active = await figures('#chart-active rect.point title')
  assert.ok(active[active.length - 1] >= 2, `active today ${active}`)
  const matches = await figures('#chart-matches rect.point title')
  assert.ok(matches[matches.length - 1] >= 1, `matches this hour ${matches}`)
  // No script draws them: the page works as served.
  assert.equal(await page.locator('script:not([src="/console/static/console.js"])').count(), 0)
  await page.screenshot({ path: path.join(shots, 'trends.png'), fullPage: true })
})
