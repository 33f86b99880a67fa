// Writes index.d.ts: the header dts-header.d.ts, the core's types as generated from
// guildhall-core (core-types.d.ts), then the module's classes and functions as
// napi-derive recorded them while cargo compiled this crate
// (target/napi-type-def/guildhall-node, see .cargo/config.toml). The class part is the
// same rendering `napi build` does, without a second cargo build of the addon.
//   node gen-dts.mjs TYPE_DEF_DIR OUT_FILE
import { generateTypeDef } from '@napi-rs/cli'
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const [typeDefDir, out] = process.argv.slice(2)
if (!typeDefDir || !out) {
  console.error('usage: node gen-dts.mjs TYPE_DEF_DIR OUT_FILE')
  process.exit(2)
}
const here = dirname(fileURLToPath(import.meta.url))
const header = readFileSync(`${here}/dts-header.d.ts`, 'utf8')
const coreTypes = readFileSync(`${here}/core-types.d.ts`, 'utf8')
const { dts } = await generateTypeDef({
  typeDefDir,
  dtsHeader: `${header}\n${coreTypes}`,
  cwd: here,
  declareBindingTarget: false,
})
writeFileSync(out, dts)
