// Packs the npm packages of guildhall the way napi-rs packages are published: the main
// package `guildhall` (JavaScript, types, no addon) with one optional dependency per
// platform package, and the platform package of this machine (`guildhall-linux-x64-gnu`
// here) holding the addon. The optional dependencies are the ones `napi pre-publish`
// writes at release time (.github/workflows/node-release.yml), so the tarballs are
// what `npm install guildhall` fetches from the registry.
//
//   node bindings-node/pack.mjs <addon.node file> <output dir>
//
// Prints the two tarballs' paths, one per line.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const [addon, outArg] = process.argv.slice(2)
if (!addon || !outArg) {
  console.error('usage: node pack.mjs <addon.node> <output dir>')
  process.exit(2)
}
const out = resolve(outArg)
mkdirSync(out, { recursive: true })

const main = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'))
// The platform directory names napi-rs gives each target triple (npm/<name>/).
const platformOf = {
  'x86_64-unknown-linux-gnu': 'linux-x64-gnu',
  'x86_64-unknown-linux-musl': 'linux-x64-musl',
  'aarch64-unknown-linux-gnu': 'linux-arm64-gnu',
  'x86_64-apple-darwin': 'darwin-x64',
  'aarch64-apple-darwin': 'darwin-arm64',
  'x86_64-pc-windows-msvc': 'win32-x64-msvc',
}
const platforms = main.napi.targets.map((t) => {
  if (!platformOf[t]) throw new Error(`no npm directory name known for target ${t}`)
  return platformOf[t]
})
const hostPlatform = {
  'linux-x64': 'linux-x64-gnu', 'linux-arm64': 'linux-arm64-gnu',
  'darwin-x64': 'darwin-x64', 'darwin-arm64': 'darwin-arm64', 'win32-x64': 'win32-x64-msvc',
}[`${process.platform}-${process.arch}`]
if (!hostPlatform || !platforms.includes(hostPlatform)) {
  throw new Error(`this machine (${process.platform}-${process.arch}) is not among the package's targets`)
}

const pack = (dir) =>
  join(out, execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop())

const stage = mkdtempSync(join(tmpdir(), 'guildhall-pack-'))
try {
  // The platform package: its package.json from npm/<platform>/ and the addon.
  const platDir = join(stage, hostPlatform)
  cpSync(join(here, 'npm', hostPlatform), platDir, { recursive: true })
  const plat = JSON.parse(readFileSync(join(platDir, 'package.json'), 'utf8'))
  if (plat.version !== main.version) throw new Error(`npm/${hostPlatform} is at ${plat.version}, the main package at ${main.version}`)
  cpSync(addon, join(platDir, plat.main))

  // The main package: its files, and an optional dependency on every platform package.
  const mainDir = join(stage, 'main')
  mkdirSync(mainDir)
  for (const f of main.files) cpSync(join(here, f), join(mainDir, f))
  for (const f of ['README.md', 'LICENSE']) {
    try { cpSync(join(here, f), join(mainDir, f)) } catch { /* optional */ }
  }
  const staged = { ...main, optionalDependencies: Object.fromEntries(platforms.map((p) => [`${main.name}-${p}`, main.version])) }
  delete staged.devDependencies
  delete staged.scripts
  writeFileSync(join(mainDir, 'package.json'), JSON.stringify(staged, null, 2) + '\n')

  console.log(pack(mainDir))
  console.log(pack(platDir))
} finally {
  rmSync(stage, { recursive: true, force: true })
}
