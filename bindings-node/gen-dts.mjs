// Writes index.d.ts: the header dts-header.d.ts, the core's types as generated from
// guildhall-core (core-types.d.ts), then the module's classes and functions as
// napi-derive recorded them while cargo compiled this crate
// (target/napi-type-def/guildhall-node, see .cargo/config.toml). The class part is the
// same rendering `napi build` does, without a second cargo build of the addon.
//   node gen-dts.mjs TYPE_DEF_DIR OUT_FILE
import { generateTypeDef } from '@napi-rs/cli'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const [typeDefDir, out] = process.argv.slice(2)
if (!typeDefDir || !out) {
  console.error('usage: node gen-dts.mjs TYPE_DEF_DIR OUT_FILE')
  process.exit(2)
}
// napi-derive appends one JSON line per item; two compilations of the crate that overlap
// (a build and a lint run) can both append. Identical lines are one declaration.
const unique = mkdtempSync(join(tmpdir(), 'guildhall-typedefs-'))
for (const name of readdirSync(typeDefDir)) {
  const lines = readFileSync(join(typeDefDir, name), 'utf8').split('\n').filter((l) => l.trim())
  writeFileSync(join(unique, name), [...new Set(lines)].join('\n') + '\n')
}
const here = dirname(fileURLToPath(import.meta.url))
const header = readFileSync(`${here}/dts-header.d.ts`, 'utf8')
const coreTypes = readFileSync(`${here}/core-types.d.ts`, 'utf8')
const { dts } = await generateTypeDef({
  typeDefDir: unique,
  dtsHeader: `${header}\n${coreTypes}`,
  cwd: here,
  declareBindingTarget: false,
})
rmSync(unique, { recursive: true, force: true })
writeFileSync(out, dts)
