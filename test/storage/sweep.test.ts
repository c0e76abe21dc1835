import { describe, expect, it } from 'vitest'
import { expandSweep, type SweepSpec } from '../../src/shared/sweep'
import { sampleConfig } from './helpers'

function expand(spec: Omit<SweepSpec, 'base'> & { base?: Record<string, unknown> }) {
  const outcome = expandSweep({ base: sampleConfig(), ...spec })
  if (!outcome.ok) throw new Error(`${outcome.error.message}: ${outcome.error.details?.join('; ')}`)
  return outcome.runs
}

function problems(spec: Omit<SweepSpec, 'base'>): string[] {
  const outcome = expandSweep({ base: sampleConfig(), ...spec })
  if (outcome.ok) throw new Error('expected the sweep to be refused')
  expect(outcome.error.kind).toBe('Validation')
  return [...(outcome.error.details ?? [])]
}

describe('sweep expansion', () => {
  it('varies one parameter over a list of values, repeated, with paired seeds', () => {
    const runs = expand({
      varied: [{ path: 'migration.parameters.downtime-limit', values: [100, 300, 500] }],
      repetitions: 2
    })
    expect(runs).toHaveLength(6)
    expect(runs.map((r) => [r.point, r.repetition, r.seed])).toEqual([
      [0, 0, 1],
      [0, 1, 2],
      [1, 0, 1],
      [1, 1, 2],
      [2, 0, 1],
      [2, 1, 2]
    ])
    expect(
      runs.map(
        (r) => (r.config.migration as { parameters: Record<string, number> }).parameters['downtime-limit']
      )
    ).toEqual([100, 100, 300, 300, 500, 500])
    expect(runs.map((r) => r.config.seed)).toEqual(runs.map((r) => r.seed))
    expect(runs[3].label).toBe('downtime-limit=300 #2')
    expect(runs[3].varied).toEqual({ 'migration.parameters.downtime-limit': 300 })
    // The base config is not modified.
    expect(sampleConfig()).toEqual(sampleConfig())
  })

  it('gives every run its own seed with independent seeding, the same list every time', () => {
    const spec = {
      varied: [{ path: 'migration.parameters.downtime-limit', values: [100, 300] }],
      repetitions: 3,
      seeding: 'independent' as const,
      baseSeed: 40
    }
    const runs = expand(spec)
    expect(new Set(runs.map((r) => r.seed)).size).toBe(6)
    expect(expand(spec)).toEqual(runs)
  })

  it('crosses two parameters, first one outermost, with a numeric range', () => {
    const runs = expand({
      varied: [
        { path: 'migration.capabilities.auto-converge', values: [false, true] },
        { path: 'migration.parameters.max-bandwidth', range: '33554432..100663296:33554432' }
      ],
      repetitions: 1
    })
    expect(runs.map((r) => r.label)).toEqual([
      'auto-converge=false, max-bandwidth=33554432',
      'auto-converge=false, max-bandwidth=67108864',
      'auto-converge=false, max-bandwidth=100663296',
      'auto-converge=true, max-bandwidth=33554432',
      'auto-converge=true, max-bandwidth=67108864',
      'auto-converge=true, max-bandwidth=100663296'
    ])
    expect(runs.every((r) => r.seed === 1)).toBe(true)
  })

  it('computes decimal ranges without binary drift, end included', () => {
    const runs = expand({
      varied: [{ path: 'guest.workloads.0.hot-fraction', range: '0.1..0.5:0.1' }],
      repetitions: 1
    })
    expect(runs.map((r) => r.varied['guest.workloads.0.hot-fraction'])).toEqual([0.1, 0.2, 0.3, 0.4, 0.5])
  })

  it('repeats the base config when nothing is varied', () => {
    const runs = expand({ varied: [], repetitions: 3, baseSeed: 10 })
    expect(runs.map((r) => [r.seed, r.label])).toEqual([
      [10, '#1'],
      [11, '#2'],
      [12, '#3']
    ])
  })

  it('names the path of every problem', () => {
    expect(
      problems({
        varied: [
          { path: 'migration.parameters.downtime-limt', values: [1] },
          { path: 'migration.parameters.max-bandwidth', values: [1, '2 GB'] }
        ],
        repetitions: 0
      })
    ).toEqual([
      'repetitions: must be an integer from 1 to 1000, got 0',
      'varied[0].path: migration.parameters.downtime-limt does not exist in the base config',
      'varied[1].values[1]: migration.parameters.max-bandwidth is a number in the base config, got "2 GB"'
    ])
    expect(
      problems({ varied: [{ path: 'guest.vcpus', values: [1], range: '1..4:1' }], repetitions: 1 })
    ).toEqual(['varied[0]: give either values (a list) or range (start..end:step), not both'])
    expect(problems({ varied: [{ path: 'guest', values: [1] }], repetitions: 1 })).toEqual([
      'varied[0].path: guest is an object; vary one of its fields'
    ])
    expect(
      problems({
        varied: [{ path: 'migration.parameters.downtime-limit', range: '500..100:100' }],
        repetitions: 1
      })[0]
    ).toMatch(/^varied\[0\]\.range: the end \(100\) is below the start \(500\)/)
    expect(
      problems({
        varied: [{ path: 'migration.parameters.downtime-limit', range: '1..10' }],
        repetitions: 1
      })[0]
    ).toMatch(/^varied\[0\]\.range: "1\.\.10" is not a range/)
    expect(
      problems({
        varied: [
          { path: 'a.b', values: [1] },
          { path: 'c.d', values: [1] },
          { path: 'e.f', values: [1] }
        ],
        repetitions: 1
      })[0]
    ).toBe('varied: at most 2 parameters can be varied, got 3')
  })

  it('refuses a sweep too large to run', () => {
    expect(
      problems({
        varied: [
          { path: 'migration.parameters.downtime-limit', range: '1..1000:1' },
          { path: 'migration.parameters.max-bandwidth', range: '1..100:1' }
        ],
        repetitions: 1
      })[0]
    ).toMatch(/would have 100000 runs/)
  })
})
