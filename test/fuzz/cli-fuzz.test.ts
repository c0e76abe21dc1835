import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { main } from '../../src/main/cli/index'
import { tempDir } from '../storage/helpers'
import { junk, mutate, prng } from './generate'

// Issue 13 "Done when": fuzzing through the command line finds no exit other than 0 or 2 and no
// hang. 500 processes would take minutes, so the cases go through the CLI's in-process entry
// `main(argv)` (what bin/migration-lab.mjs calls after loading out/main/cli.js): the same
// argument parsing, file reading, validation, engine run and exit status, without a process
// start per case. A case that does not end in CASE_TIMEOUT_MS fails the test.

const CASE_TIMEOUT_MS = 60_000

let tmp: ReturnType<typeof tempDir>
let output: string[]

beforeAll(() => {
  tmp = tempDir('lab-cli-fuzz-')
  process.env.MIGRATION_LAB_HOME = tmp.dir
  // The commands print; keep what they print for a failure message instead of the test log.
  output = []
  const keep = (chunk: string | Uint8Array): boolean => {
    output.push(String(chunk))
    if (output.length > 200) output.splice(0, 100)
    return true
  }
  vi.spyOn(process.stdout, 'write').mockImplementation(keep)
  vi.spyOn(process.stderr, 'write').mockImplementation(keep)
})
afterAll(() => {
  vi.restoreAllMocks()
  delete process.env.MIGRATION_LAB_HOME
  tmp.cleanup()
})

async function exitOf(argv: string[]): Promise<number> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`migration-lab ${argv.join(' ')} did not end`)),
      CASE_TIMEOUT_MS
    )
  })
  try {
    return await Promise.race([main(argv), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** A guest that migrates in milliseconds, so the configs that stay valid run quickly. */
const SMALL = {
  name: 'fuzz',
  guest: { 'memory-mib': 64, vcpus: 1, workloads: [{ pattern: 'uniform', 'dirty-rate-mibps': 8 }] },
  migration: { policy: { 'max-time-ms': 2000 } }
}

describe('command line fuzzing (in-process entry)', () => {
  it('runs 500 generated configs with `run --no-db --json`: every one exits 0 or 2', async () => {
    const random = prng(2026)
    const codes = new Map<number, number>()
    for (let i = 0; i < 500; i++) {
      const input = i % 50 === 0 ? junk(random) : mutate(SMALL, random)
      const file = join(tmp.dir, `config-${i}.json`)
      writeFileSync(file, JSON.stringify(input) ?? 'undefined')
      const code = await exitOf(['run', file, '--no-db', '--json'])
      if (code !== 0 && code !== 2)
        throw new Error(
          `case ${i} exited ${code}: ${JSON.stringify(input).slice(0, 300)}\n${output.slice(-5).join('')}`
        )
      codes.set(code, (codes.get(code) ?? 0) + 1)
    }
    // Both outcomes are exercised.
    expect(codes.get(0) ?? 0).toBeGreaterThan(0)
    expect(codes.get(2) ?? 0).toBeGreaterThan(0)
  }, 600_000)

  it('ends malformed flags and malformed import files in 0 or 2', async () => {
    const random = prng(7)
    const words = [
      'run',
      'sweep',
      'history',
      'show',
      'delete',
      'restore',
      'export',
      'import',
      'report',
      'schema',
      'defaults',
      'measure',
      '--seed',
      '-1',
      '1e99',
      'NaN',
      '--json',
      '--db',
      '--filter',
      '--sort',
      'downtime:sideways',
      'guest.vcpus >>= 2',
      '--format',
      'docx',
      '--out',
      '',
      '--',
      '-',
      'x'.repeat(5000),
      '--no-such-flag',
      '--limit',
      '0',
      '99999999999999999999',
      'e0',
      'e',
      '12 15'
    ]
    const db = join(tmp.dir, 'flags.db')
    for (let i = 0; i < 200; i++) {
      const argv = Array.from(
        { length: 1 + Math.floor(random() * 5) },
        () => words[Math.floor(random() * words.length)]
      )
      // Reading commands on a database of the test's own, never the user's.
      const code = await exitOf([...argv, '--db', db].filter((w) => w !== '-'))
      if (code !== 0 && code !== 2) throw new Error(`migration-lab ${argv.join(' ')} exited ${code}`)
    }

    // Import files: truncated, wrong types, huge, deep.
    const good = JSON.stringify({ format: 'migration-lab-export', version: 1, runs: [], experiments: [] })
    const files: string[] = [
      good.slice(0, 10),
      '',
      '\uFEFF' + good,
      JSON.stringify({ format: 'migration-lab-export', version: 'one', runs: {}, experiments: 3 }),
      JSON.stringify({
        format: 'migration-lab-export',
        version: 1,
        runs: [{ id: 'x', config: null }],
        experiments: []
      }),
      JSON.stringify({
        format: 'migration-lab-export',
        version: 1,
        runs: Array.from({ length: 5000 }, () => ({})),
        experiments: []
      }),
      '['.repeat(100_000) + ']'.repeat(100_000),
      '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000),
      JSON.stringify({ rows: 'x'.repeat(3_000_000) }),
      'null',
      '[]',
      '42'
    ]
    for (let i = 0; i < 40; i++) files.push(JSON.stringify(mutate(JSON.parse(good), random)))
    for (const [i, text] of files.entries()) {
      const file = join(tmp.dir, `import-${i}.json`)
      writeFileSync(file, text)
      const code = await exitOf(['import', file, '--db', db])
      if (code !== 0 && code !== 2)
        throw new Error(`import of case ${i} exited ${code}: ${output.slice(-3).join('')}`)
    }
  }, 300_000)
})
