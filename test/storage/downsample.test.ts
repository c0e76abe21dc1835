import { describe, expect, it } from 'vitest'
import { downsampleRecords, downsampleXy, minMaxBucketIndices } from '../../src/shared/downsample'

describe('min/max bucket downsampling', () => {
  it('returns every point when there are no more than asked for', () => {
    expect(minMaxBucketIndices(5, [[1, 2, 3, 4, 5]], 10)).toEqual([0, 1, 2, 3, 4])
    expect(downsampleXy([0, 1, 2], [5, 6, 7], 3)).toEqual({ x: [0, 1, 2], y: [5, 6, 7] })
  })

  it('never drops a one-sample spike, up or down, wherever it falls', () => {
    for (const at of [1, 777, 50_000, 99_998]) {
      const y = Array.from({ length: 100_000 }, (_, i) => 100 + Math.sin(i / 50))
      y[at] = 5000
      y[(at + 31_337) % 100_000] = -40
      const x = y.map((_, i) => i * 100)
      const out = downsampleXy(x, y, 1000)
      expect(out.y.length).toBeLessThanOrEqual(1000)
      expect(out.x).toContain(at * 100)
      expect(Math.max(...out.y)).toBe(5000)
      expect(Math.min(...out.y)).toBe(-40)
    }
  })

  it('keeps the first and the last point and the time order', () => {
    const y = Array.from({ length: 10_000 }, (_, i) => (i * 7919) % 1000)
    const indices = minMaxBucketIndices(y.length, [y], 200)
    expect(indices[0]).toBe(0)
    expect(indices[indices.length - 1]).toBe(9999)
    expect(indices).toEqual([...indices].sort((a, b) => a - b))
    expect(new Set(indices).size).toBe(indices.length)
    expect(indices.length).toBeLessThanOrEqual(200)
  })

  it('keeps the extremes of every column of a record at once, within the budget', () => {
    const records = Array.from({ length: 50_000 }, (_, i) => ({ t: i, a: i % 100, b: 1000 - (i % 250) }))
    records[12_345] = { t: 12_345, a: 1e6, b: 500 }
    records[40_000] = { t: 40_000, a: 50, b: -1e6 }
    const kept = downsampleRecords(records, [(r) => r.a, (r) => r.b], 2000)
    expect(kept.length).toBeLessThanOrEqual(2000)
    expect(kept).toContain(records[12_345])
    expect(kept).toContain(records[40_000])
  })

  it('ignores NaN values when looking for extremes', () => {
    const y = Array.from({ length: 1000 }, (_, i) => (i % 2 ? NaN : i))
    const out = downsampleXy(
      y.map((_, i) => i),
      y,
      50
    )
    expect(out.y.filter((v) => !Number.isNaN(v))).toContain(998)
  })
})
