import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openHistory, type HistoryDb } from '../../src/main/storage'
import { progressSamples, sampleConfig, sampleResult, tempDir } from './helpers'

// Progress samples of every migration status, and the capabilities' optional fields, round trip
// through the history exactly (History → replay draws what Live drew).

let dir = ''
let cleanup = (): void => {}
const open: HistoryDb[] = []
function history(): HistoryDb {
  const h = openHistory(join(dir, 'history.db'))
  open.push(h)
  return h
}
beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
})
afterEach(() => {
  for (const h of open.splice(0)) h.close()
  cleanup()
})

describe('stored progress samples', () => {
  it('keeps a postcopy run: samples in postcopy-active are stored and read back', () => {
    // Before postcopy-active had a code, append refused such a sample and the run was lost
    // ("a progress sample has a status the history cannot store").
    const h = history()
    const id = h.beginRun({ config: sampleConfig(), seed: 1, engineVersion: '2.0.0' })
    const samples = progressSamples(6).map((s, i) => ({
      ...s,
      status: i < 3 ? ('active' as const) : ('postcopy-active' as const)
    }))
    h.append(id, { progress: samples })
    h.finish(id, sampleResult())
    expect(h.getRun(id).progress).toEqual(samples)
  })
})
