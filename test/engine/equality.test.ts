import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runInThread } from '../../src/engine/migration/in-thread'
import { parseConfig, type LabConfigInput } from '../../src/shared/config'
import type { MigrationResult } from '../../src/shared/result'

// Equality proof for the decomposition of the migration thread (issue 9): the results of a
// representative set of configs, captured from engine 1.1.0 BEFORE the refactor into
// fixtures/engine-1.1.0-results.json (LAB_CAPTURE_EQUALITY=1 rewrites it, then `npx prettier --write` it — only ever from the
// pre-refactor engine). After the refactor every result must be deeply equal except the engine
// version and the wall-clock field.

const FIXTURE = join(__dirname, 'fixtures', 'engine-1.1.0-results.json')

const CONFIGS: Record<string, LabConfigInput> = {
  default: {},
  idle: { guest: { 'memory-mib': 1024, vcpus: 1, workloads: [{ pattern: 'idle' }] } },
  dirtying: {
    guest: { 'memory-mib': 1024, vcpus: 1, workloads: [{ 'dirty-rate-mibps': 64, 'working-set-mib': 256 }] }
  },
  'auto-converge': {
    guest: { 'memory-mib': 1024, vcpus: 1, workloads: [{ 'dirty-rate-mibps': 200, 'working-set-mib': 256 }] },
    migration: { capabilities: { 'auto-converge': true }, policy: { 'max-iterations': 60 } }
  },
  'non-converging': {
    guest: {
      'memory-mib': 1024,
      vcpus: 1,
      workloads: [
        {
          pattern: 'hotspot',
          'dirty-rate-mibps': 2048,
          'working-set-mib': 512,
          'hot-set-mib': 128,
          'hot-fraction': 1
        }
      ]
    }
  },
  'return-path': {
    guest: { 'memory-mib': 1024, vcpus: 1, workloads: [{ 'dirty-rate-mibps': 64, 'working-set-mib': 256 }] },
    migration: { capabilities: { 'return-path': true, 'switchover-ack': true } }
  },
  'several-vcpus': {
    guest: {
      'memory-mib': 1024,
      vcpus: 3,
      workloads: [
        { vcpus: [0], pattern: 'hotspot', 'dirty-rate-mibps': 48, 'working-set-mib': 256 },
        { vcpus: [1, 2], pattern: 'uniform', 'dirty-rate-mibps': 16, shared: true }
      ]
    }
  }
}

/** The result without the fields a refactor may change: engine version and wall-clock time. */
function comparable(result: MigrationResult): unknown {
  return { ...result, lab: { ...result.lab, 'wall-time-ms': 0, 'engine-version': '' } }
}

async function runAll(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  for (const [name, input] of Object.entries(CONFIGS)) {
    const parsed = parseConfig(input)
    if (!parsed.ok) throw new Error(`${name}: ${parsed.error.message} ${parsed.error.details?.join('; ')}`)
    out[name] = comparable((await runInThread(parsed.config, { seed: 1 })).result)
  }
  return out
}

describe('engine results across the migration-thread refactor', () => {
  it('equal the pre-refactor capture for every representative config', async () => {
    const now = await runAll()
    if (process.env.LAB_CAPTURE_EQUALITY === '1') {
      writeFileSync(FIXTURE, JSON.stringify(now, null, 1) + '\n')
    }
    const before = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>
    expect(Object.keys(before).sort()).toEqual(Object.keys(CONFIGS).sort())
    for (const name of Object.keys(CONFIGS)) expect(now[name], name).toEqual(before[name])
  }, 300_000)
})
