// The Node side of the surface parity test (bindings-python/tests/test_parity.py); not a
// node:test suite (it is started by that test, one process for the whole table).
//
//   node test/parity-driver.mjs --database sqlite://FILE --config examples/tour.toml \
//        [--http http://127.0.0.1:PORT --api-key ghk_...]
//
// Opens the native module (`require('../index.js')`, `Guildhall.open({database,
// config})`) and, with --http, the package's HTTP transport to that host
// (`Guildhall.connect(url, {apiKey})`), then reads one JSON call per line on stdin:
//   {"method": "grant", "args": [{"player": "a", "currency": "gold", "amount": 5}]}
//   {"list": true}     -> the method names of Guildhall.prototype
// ("transport": "http" in a line: the same on the HTTP transport's handle and class)
// and prints one JSON line per call: {"ok": result} with the result's keys turned back
// to snake_case (except inside the caller's own objects: metadata, variables,
// properties, which Node passes through untouched), or {"error": {"code", "message"}}
// from the rejected Error's `.code`. The arguments are sent exactly as a JavaScript
// caller writes them (camelCase keys); the parity table builds them.

import { createRequire } from 'node:module'
import { createInterface } from 'node:readline'

const require = createRequire(import.meta.url)

const argv = process.argv.slice(2)
const opt = (name) => {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : undefined
}

const OPAQUE = new Set(['metadata', 'variables', 'properties'])
const toSnake = (k) => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())
function snake(v) {
  if (Array.isArray(v)) return v.map(snake)
  if (v !== null && typeof v === 'object') {
    const out = {}
    for (const [k, x] of Object.entries(v)) out[toSnake(k)] = OPAQUE.has(k) ? x : snake(x)
    return out
  }
  return v
}

function write(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

let mod
try {
  mod = require('../index.js')
} catch (e) {
  write({ fatal: `cannot load bindings-node/index.js: ${e.message}` })
  process.exit(1)
}
if (!mod.nativeLoaded) {
  write({ fatal: 'the guildhall native addon is not built (no bindings-node/*.node): run bindings-node/test.sh' })
  process.exit(1)
}
const { Guildhall } = mod

let gh
try {
  gh = await Guildhall.open({ database: opt('--database'), config: opt('--config') })
} catch (e) {
  write({ fatal: `Guildhall.open failed: ${e.code} ${e.message}` })
  process.exit(1)
}
let ghHttp = null
if (opt('--http')) {
  try {
    ghHttp = await Guildhall.connect(opt('--http'), { apiKey: opt('--api-key') })
  } catch (e) {
    write({ fatal: `Guildhall.connect failed: ${e.code} ${e.message}` })
    process.exit(1)
  }
}
write({ ready: true })

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of rl) {
  if (!line.trim()) continue
  let req
  try {
    req = JSON.parse(line)
  } catch (e) {
    write({ error: { code: 'DRIVER', message: `bad line: ${e.message}` } })
    continue
  }
  const handle = req.transport === 'http' ? ghHttp : gh
  if (!handle) {
    write({ error: { code: 'DRIVER', message: 'no HTTP transport: start the driver with --http' } })
    continue
  }
  if (req.list) {
    const proto = Object.getPrototypeOf(handle)
    const names = Object.getOwnPropertyNames(proto).filter(
      (n) => n !== 'constructor' && typeof proto[n] === 'function')
    write({ ok: names })
    continue
  }
  const fn = handle[req.method]
  if (typeof fn !== 'function') {
    write({ error: { code: 'NO_SUCH_METHOD', message: `Guildhall.prototype.${req.method} is not a function` } })
    continue
  }
  try {
    const result = await fn.apply(handle, req.args || [])
    write({ ok: result === undefined ? null : snake(result) })
  } catch (e) {
    write({ error: { code: e && e.code ? e.code : 'NO_CODE', message: String(e && e.message) } })
  }
}
gh.close()
if (ghHttp) ghHttp.close()
