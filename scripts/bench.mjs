#!/usr/bin/env node
// `npm run bench`: runs each benchmark scenario in its own Node process (so each peak-memory
// figure belongs to one scenario) and prints the figures. Targets are in docs/benchmarks.md.
import { execFileSync } from 'node:child_process'
import { cpus, totalmem } from 'node:os'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const entry = resolve(root, 'out/main/bench.js')
const only = process.argv.slice(2)
const scenarios = only.length
  ? only
  : [
      'default',
      'large-uniform',
      'large-uniform-warm',
      'large-xbzrle',
      'large-multifd',
      'large-postcopy',
      'huge-idle',
      'sweep-200',
      'cli',
      'history'
    ]

console.log(
  `Migration Lab benchmarks — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`
)
let failed = 0
for (const name of scenarios) {
  try {
    const out = execFileSync(process.execPath, ['--max-old-space-size=4096', entry, name], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 15 * 60_000
    })
    const figures = JSON.parse(out.trim().split('\n').pop())
    console.log(`\n${figures.title ?? figures.scenario}`)
    for (const [k, v] of Object.entries(figures))
      if (k !== 'title' && k !== 'scenario') console.log(`  ${k.padEnd(26)} ${v}`)
  } catch (e) {
    failed++
    console.log(`\n${name}: FAILED (${e.message.split('\n')[0]})`)
  }
}
process.exitCode = failed ? 1 : 0
