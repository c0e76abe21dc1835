import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openHistory, type HistoryDb } from '../../src/main/storage'
import { decodeProgress, encodeProgress, PROGRESS_COLUMNS } from '../../src/main/storage/codec'
import type { ProgressSample } from '../../src/shared/result'
import { progressSamples, sampleConfig, sampleResult, tempDir } from './helpers'

// Progress samples of every migration status, and the capabilities' optional fields, round trip
// through the history exactly (History → replay draws what Live drew).

let dir = ''
let cleanup = (): void => {}
const open: HistoryDb[] = []
function history(file = 'history.db'): HistoryDb {
  const h = openHistory(join(dir, file))
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

describe('the capabilities’ fields in stored samples', () => {
  const withFields = (i: number): ProgressSample => ({
    ...progressSamples(1, i * 100)[0],
    'xbzrle-pages': i * 10,
    'xbzrle-cache-miss': 500 + i,
    'xbzrle-overflow': 0,
    'xbzrle-bytes': i * 1234.5,
    'multifd-channel-bytes': [i * 1e6, i * 1e6 + 1, i * 1e6 + 2, i * 1e6 + 3],
    'postcopy-requests': i,
    'dirty-limit-throttle-us-per-full': [i * 7, 0]
  })

  it('round trip exactly, across chunks and through the downsampled run detail', () => {
    const h = history()
    const id = h.beginRun({ config: sampleConfig(), seed: 1, engineVersion: '2.0.0' })
    // More than one chunk (CHUNK_POINTS = 4096 points per chunk).
    const samples = Array.from({ length: 5000 }, (_, i) => withFields(i))
    h.append(id, { progress: samples })
    h.finish(id, sampleResult())
    expect(h.getRun(id).progress).toEqual(samples)
    const detail = h.getRun(id, { maxPoints: 200 }).progress
    expect(detail.length).toBeLessThan(samples.length)
    for (const p of detail) expect(p).toEqual(samples[p['time-ms'] / 100])
  })

  it('survive an export and an import into another history, postcopy-active included', () => {
    const source = history()
    const id = source.beginRun({ config: sampleConfig(), seed: 1, engineVersion: '2.0.0' })
    const samples = Array.from({ length: 20 }, (_, i) => ({
      ...withFields(i),
      status: i < 10 ? ('active' as const) : ('postcopy-active' as const)
    }))
    source.append(id, { progress: samples })
    source.finish(id, sampleResult())
    const target = history('target.db')
    const report = target.importDocument(JSON.parse(JSON.stringify(source.exportRuns([id]))))
    expect(target.getRun(report.runs[0].to).progress).toEqual(samples)
  })

  it('store a run without them byte for byte as before, and read it back without them', () => {
    const plain = progressSamples(50)
    expect(encodeProgress(plain).byteLength).toBe(plain.length * PROGRESS_COLUMNS * 8)
    const decoded = decodeProgress(encodeProgress(plain), plain.length)!
    expect(decoded).toEqual(plain)
    for (const p of decoded) expect(Object.keys(p)).not.toContain('xbzrle-pages')
  })

  it('keep only the fields a sample has: xbzrle alone, or multifd alone', () => {
    const xbzrleOnly = progressSamples(3).map((s, i) => ({ ...s, 'xbzrle-pages': i, 'xbzrle-cache-miss': 9 }))
    expect(decodeProgress(encodeProgress(xbzrleOnly), 3)).toEqual(xbzrleOnly)
    const multifdOnly = progressSamples(3).map((s, i) => ({ ...s, 'multifd-channel-bytes': [i, 2 * i] }))
    expect(decodeProgress(encodeProgress(multifdOnly), 3)).toEqual(multifdOnly)
  })

  it('refuse a damaged wide chunk (counts that do not match its width)', () => {
    const blob = encodeProgress([withFields(1), withFields(2)])
    // Claim 3 channels instead of 4: the width no longer adds up.
    const bad = Buffer.from(blob)
    bad.writeDoubleLE(3, PROGRESS_COLUMNS * 2 * 8)
    bad.writeDoubleLE(3, (PROGRESS_COLUMNS * 2 + 1) * 8)
    expect(decodeProgress(bad, 2)).toBeNull()
    expect(decodeProgress(blob.subarray(0, blob.byteLength - 8), 2)).toBeNull()
  })
})
