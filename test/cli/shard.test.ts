import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseShard } from '../../src/main/cli/shard'
import { shardRange } from '../../src/shared/sweep'

// `sweep --shard`: each machine runs its share, `export` + `import` put the shares back into one
// experiment, and that experiment is the sweep run whole. Runs the built command line.
const bin = resolve(__dirname, '../../bin/migration-lab.mjs')
let home: string

function lab(
  args: string[],
  env: Record<string, string> = {}
): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: { ...process.env, MIGRATION_LAB_HOME: home, ...env },
    encoding: 'utf8',
    timeout: 120_000
  })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'lab-shard-'))
})
afterAll(() => rmSync(home, { recursive: true, force: true }))

/** An export without what only says where and when it was made (ids, clocks). */
function comparable(file: string): unknown {
  const doc = JSON.parse(readFileSync(file, 'utf8'))
  return {
    experiments: doc.experiments.map(
      ({ id: _id, createdAtMs: _c, updatedAtMs: _u, ...e }: Record<string, unknown>) => e
    ),
    runs: doc.runs.map(
      ({ id: _id, experimentId: _e, startedAtMs: _s, endedAtMs: _d, ...r }: Record<string, unknown>) => {
        const result = structuredClone(r.result) as { lab: Record<string, unknown> }
        delete result.lab['wall-time-ms']
        return { ...r, result }
      }
    )
  }
}

describe('sweep --shard', () => {
  it('two shards, exported and imported into one history, equal the sweep run whole', () => {
    const config = join(home, 'small.json')
    writeFileSync(config, JSON.stringify({ guest: { 'memory-mib': 1024 } }))
    const sweep = [
      'sweep',
      config,
      '--vary',
      'migration.parameters.downtime-limit=100,300,500',
      '--repeat',
      '1'
    ]
    const db = (name: string): string[] => ['--db', join(home, `${name}.db`)]

    expect(lab([...sweep, ...db('whole')]).code).toBe(0)
    const first = lab([...sweep, '--shard', '1/2', ...db('first')])
    expect(first.code).toBe(0)
    expect(first.stdout).toContain('(shard 1/2)')
    expect(first.stdout).toContain('1 runs')
    // The second machine is task 1 of a Kubernetes Indexed Job with 2 completions.
    const second = lab([...sweep, '--shard', 'auto', '--shard-count', '2', ...db('second')], {
      JOB_COMPLETION_INDEX: '1'
    })
    expect(second.code).toBe(0)
    expect(second.stdout).toContain('(shard 2/2)')
    expect(second.stdout).toContain('2 runs')

    const out = (name: string): string => join(home, `${name}.json`)
    expect(lab(['export', 'e1', '--out', out('first'), ...db('first')]).code).toBe(0)
    expect(lab(['export', 'e1', '--out', out('second'), ...db('second')]).code).toBe(0)
    expect(lab(['import', out('first'), ...db('merged')]).code).toBe(0)
    expect(lab(['import', out('second'), ...db('merged')]).code).toBe(0)
    // Importing a shard a second time would duplicate its runs: refused, nothing added.
    const again = lab(['import', out('second'), ...db('merged')])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('shard 2/2 of this sweep is already in experiment e1')

    expect(lab(['export', 'e1', '--out', out('whole'), ...db('whole')]).code).toBe(0)
    expect(lab(['export', 'e1', '--out', out('merged'), ...db('merged')]).code).toBe(0)
    const whole = comparable(out('whole')) as { runs: unknown[] }
    expect(whole.runs).toHaveLength(3)
    expect(comparable(out('merged'))).toEqual(whole)
  })

  it('refuses a bad --shard with exit 2, naming the flag', () => {
    const config = join(home, 'small.json')
    writeFileSync(config, '{}')
    const r = lab(['sweep', config, '--vary', 'seed=1,2', '--shard', '3/2', '--db', join(home, 'bad.db')])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--shard K: 3 is out of range (1 to 2)')
  })
})

describe('shards', () => {
  it('split the runs into contiguous blocks that never overlap and cover the sweep', () => {
    for (const total of [0, 1, 7, 100, 10_000])
      for (const count of [1, 2, 3, 8, 13]) {
        const covered: number[] = []
        for (let index = 0; index < count; index++) {
          const { start, end } = shardRange(total, { index, count })
          for (let i = start; i < end; i++) covered.push(i)
        }
        expect(covered).toEqual(Array.from({ length: total }, (_, i) => i))
      }
  })

  it('read K/N, a Kubernetes Indexed Job and a Slurm array (whatever its first task id)', () => {
    expect(parseShard('2/4', {})).toEqual({ index: 1, count: 4 })
    expect(parseShard('auto', { JOB_COMPLETION_INDEX: '0', MIGRATION_LAB_SHARD_COUNT: '5' })).toEqual({
      index: 0,
      count: 5
    })
    expect(parseShard('auto', { JOB_COMPLETION_INDEX: '4' }, 5)).toEqual({ index: 4, count: 5 })
    // sbatch --array=1-8: task ids 1..8, the first is shard 0.
    const slurm = { SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '8' }
    expect(parseShard('auto', { ...slurm, SLURM_ARRAY_TASK_ID: '1' })).toEqual({ index: 0, count: 8 })
    expect(parseShard('auto', { ...slurm, SLURM_ARRAY_TASK_ID: '8' })).toEqual({ index: 7, count: 8 })
    // sbatch --array=0-14:2: ids 0, 2, …, 14.
    expect(
      parseShard('auto', {
        SLURM_ARRAY_TASK_ID: '6',
        SLURM_ARRAY_TASK_MIN: '0',
        SLURM_ARRAY_TASK_STEP: '2',
        SLURM_ARRAY_TASK_COUNT: '8'
      })
    ).toEqual({ index: 3, count: 8 })
  })

  it('refuse what cannot be a shard, saying which variable or flag is wrong', () => {
    expect(() => parseShard('auto', {})).toThrow(/neither JOB_COMPLETION_INDEX .* nor SLURM_ARRAY_TASK_ID/)
    expect(() => parseShard('auto', { JOB_COMPLETION_INDEX: '1' })).toThrow(/--shard-count N/)
    expect(() => parseShard('auto', { JOB_COMPLETION_INDEX: '5' }, 5)).toThrow(
      'JOB_COMPLETION_INDEX: 5 is out of range (0 to 4)'
    )
    expect(() => parseShard('0/4', {})).toThrow('--shard K: 0 is out of range (1 to 4)')
    expect(() => parseShard('half', {})).toThrow('--shard: "half" is neither K/N (e.g. 1/4) nor auto')
    expect(() => parseShard('1/2', {}, 2)).toThrow('--shard-count goes with --shard auto')
  })
})
