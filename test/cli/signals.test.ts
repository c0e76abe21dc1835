import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openHistory } from '../../src/main/storage'
import { tempDir } from '../storage/helpers'

// `kill PID` (SIGTERM, what systemd, Kubernetes and `timeout` send) stops a run the way Ctrl-C
// does: the run is recorded as cancelled and the command exits 0, rather than dying with 143
// and leaving the run `running` for the next opener to call interrupted.
const bin = resolve(__dirname, '../../bin/migration-lab.mjs')
let tmp: ReturnType<typeof tempDir>

beforeAll(() => {
  tmp = tempDir('lab-signals-')
})
afterAll(() => tmp.cleanup())

// Does not converge for an hour of simulated time: 4000 MiB/s dirtied over a 1 MiB/s link.
const endless = {
  guest: { 'memory-mib': 65536, workloads: [{ 'dirty-rate-mibps': 4000 }] },
  migration: {
    parameters: { 'max-bandwidth': 1048576 },
    policy: { 'max-time-ms': 3600000, 'max-iterations': 1000 }
  }
}

function runningRuns(db: string): number {
  try {
    const history = openHistory(db, { readonly: true })
    try {
      return history.listRuns({ filter: { status: ['running'] }, page: { limit: 10, offset: 0 } }).total
    } finally {
      history.close()
    }
  } catch {
    return 0 // not created yet
  }
}

describe('signals', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    it(`${signal} cancels a run, records it as cancelled and exits 0`, async () => {
      const home = join(tmp.dir, signal)
      const config = join(tmp.dir, 'endless.json')
      writeFileSync(config, JSON.stringify(endless))
      const child = spawn(process.execPath, [bin, 'run', config], {
        env: { ...process.env, MIGRATION_LAB_HOME: home },
        stdio: 'ignore'
      })
      const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)))
      const db = join(home, 'history.db')
      while (runningRuns(db) === 0) await new Promise((r) => setTimeout(r, 50))
      child.kill(signal)
      const code = await exited
      const history = openHistory(db)
      try {
        const runs = history.listRuns({ page: { limit: 10, offset: 0 } }).rows
        expect({ code, statuses: runs.map((r) => r.status) }).toEqual({ code: 0, statuses: ['cancelled'] })
      } finally {
        history.close()
      }
    }, 60_000)
})
