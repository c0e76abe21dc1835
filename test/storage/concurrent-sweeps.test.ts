import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openHistory } from '../../src/main/storage'
import { tempDir } from './helpers'

// Four `migration-lab sweep` processes of 100 runs each write one history at once, as four
// terminals (or four shards on one disk) would. Every run of every sweep must be recorded:
// writers wait for each other (busy timeout) instead of failing with "database is locked".
const bin = resolve(__dirname, '../../bin/migration-lab.mjs')
let tmp: ReturnType<typeof tempDir>

beforeAll(() => {
  tmp = tempDir('lab-concurrent-')
})
afterAll(() => tmp.cleanup())

function sweep(config: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [bin, 'sweep', config, '--vary', 'migration.parameters.downtime-limit=100,300', '--repeat', '50'],
      { env: { ...process.env, MIGRATION_LAB_HOME: tmp.dir }, stdio: ['ignore', 'ignore', 'pipe'] }
    )
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => done({ code, stderr }))
  })
}

describe('concurrent writers', () => {
  it('records all 400 runs of 4 sweeps of 100 runs writing one database at once', async () => {
    // A 64 MiB single-vCPU guest migrates in a few milliseconds of real time.
    const config = join(tmp.dir, 'tiny.json')
    writeFileSync(config, JSON.stringify({ guest: { 'memory-mib': 64, vcpus: 1 } }))
    const db = join(tmp.dir, 'history.db')
    const results = await Promise.all([1, 2, 3, 4].map(() => sweep(config)))
    const history = openHistory(db)
    try {
      const runs = history.listRuns({ page: { limit: 1000, offset: 0 } }).rows
      expect({
        completed: runs.filter((r) => r.status === 'completed').length,
        experiments: new Set(runs.map((r) => r.experimentId)).size,
        exitCodes: results.map((r) => r.code),
        errors: results.map((r) => r.stderr).filter((s) => s !== '')
      }).toEqual({ completed: 400, experiments: 4, exitCodes: [0, 0, 0, 0], errors: [] })
    } finally {
      history.close()
    }
  }, 90_000)
})
