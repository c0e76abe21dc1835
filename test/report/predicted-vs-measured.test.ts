import { describe, expect, it } from 'vitest'
import { predictedVsMeasured } from '../../src/shared/report'
import type { MigrationResult } from '../../src/shared/result'
import fixture from '../engine/fixtures/engine-1.1.0-results.json'

// A simulated result from the engine (the equality fixture), and a "measured" one with the
// figures a real QEMU reported for the same experiment.
const simulated = fixture.idle as unknown as MigrationResult
const measured: MigrationResult = {
  ...simulated,
  'total-time': simulated['total-time'] / 1.1, // the simulation is 10 % slower
  downtime: 20,
  ram: { ...simulated.ram, transferred: simulated.ram.transferred / 1.05 },
  lab: { ...simulated.lab, source: 'measured', 'guest-pause-ms': 0 }
}
const run = (id: number, label: string, result: MigrationResult) => ({
  record: { id, label, source: result.lab.source },
  result
})

describe('predicted vs measured', () => {
  it('pairs a measured run with the simulated run of the same name and gives each figure its error', () => {
    const pairs = predictedVsMeasured([
      run(1, 'idle guest', measured),
      run(2, 'another guest', simulated),
      run(3, 'idle guest', simulated)
    ])
    expect(pairs).toHaveLength(1)
    const [pair] = pairs
    expect(pair).toMatchObject({ measuredRunId: 1, simulatedRunId: 3, label: 'idle guest' })
    const error = Object.fromEntries(pair.figures.map((f) => [f.name, f.error]))
    // simulated / measured − 1: total time ×1.1 → +10 %, transferred ×1.05 → +5 %, the same syncs.
    expect(error['total time']).toBeCloseTo(0.1, 10)
    expect(error.transferred).toBeCloseTo(0.05, 10)
    expect(error['dirty syncs']).toBe(0)
    expect(error.downtime).toBeCloseTo((simulated.downtime ?? 0) / 20 - 1, 10)
    // A measured value of 0 has no relative error.
    expect(error['guest pause']).toBeNull()
  })

  it('leaves out runs it cannot pair: unnamed, or no simulation of the same name', () => {
    expect(predictedVsMeasured([run(1, '', measured), run(2, '', simulated)])).toEqual([])
    expect(predictedVsMeasured([run(1, 'a', measured), run(2, 'b', simulated)])).toEqual([])
  })
})
