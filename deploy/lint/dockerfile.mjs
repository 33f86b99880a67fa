// Lints a Dockerfile where no Docker engine runs (`docker build --check` needs one):
// dockerfile-utils' validator with every optional rule raised to an error (unknown
// instructions or flags, bad arguments, instruction casing, relative WORKDIR, several
// CMDs or ENTRYPOINTs, JSON in single quotes, duplicate stage names, ...), then the
// rule that validator leaves alone: every `COPY --from=` names an earlier stage. Prints each finding as `file:line:col: message` and exits 1 on any.
//
//   node deploy/lint/dockerfile.mjs deploy/Dockerfile
import { readFileSync } from "node:fs";
import { validate, ValidationSeverity } from "dockerfile-utils";

const file = process.argv[2];
if (!file) {
  console.error("usage: node dockerfile.mjs <Dockerfile>");
  process.exit(2);
}
const text = readFileSync(file, "utf8");
const E = ValidationSeverity.ERROR;
const findings = validate(text, {
  deprecatedMaintainer: E,
  directiveCasing: E,
  emptyContinuationLine: E,
  instructionCasing: E,
  instructionCmdMultiple: E,
  instructionEntrypointMultiple: E,
  instructionHealthcheckMultiple: E,
  instructionJSONInSingleQuotes: E,
  instructionWorkdirRelative: E,
}).map((d) => ({ line: d.range.start.line + 1, col: d.range.start.character + 1, message: d.message }));

// Multi-stage checks over logical lines (continuations joined, comments dropped).
const stages = [];
let logical = "";
let startLine = 0;
text.split("\n").forEach((raw, i) => {
  if (!logical && /^\s*#/.test(raw)) return;
  if (!logical) startLine = i + 1;
  logical += raw.replace(/\\\s*$/, " ");
  if (/\\\s*$/.test(raw)) return;
  const line = logical.trim();
  logical = "";
  const from = line.match(/^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?\s*$/i);
  if (from) {
    stages.push(from[2]?.toLowerCase() ?? String(stages.length));
    return;
  }
  const copy = line.match(/^COPY\s+.*--from=(\S+)/i);
  if (copy) {
    const src = copy[1].toLowerCase();
    const earlier = stages.slice(0, -1);
    const isImage = src.includes("/") || src.includes(":");
    if (!isImage && !earlier.includes(src)) {
      findings.push({ line: startLine, col: 1, message: `COPY --from=${copy[1]} names no earlier stage (${earlier.join(", ") || "none"})` });
    }
  }
});
if (stages.length === 0) findings.push({ line: 1, col: 1, message: "no FROM instruction" });

for (const f of findings) console.error(`${file}:${f.line}:${f.col}: ${f.message}`);
if (findings.length) process.exit(1);
console.log(`${file}: ${stages.length} stages, no findings (dockerfile-utils validator and stage references)`);
