/**
 * Min/max bucket downsampling for charts (style.md rule 16).
 *
 * A run can hold 100,000 progress samples; a chart needs a few thousand. Averaging or picking
 * every k-th point would hide exactly what a migration chart is for: the one 100 ms window where
 * the guest stopped, the sync whose expected downtime jumped. So the series is cut into buckets
 * of consecutive samples and, in every bucket, the sample with the smallest and the one with the
 * largest value are kept — for every value column at once, so a spike in any column survives.
 * The first and the last sample are always kept, so the time axis keeps its extent.
 *
 * Kept samples are real samples (indices into the input, ascending), never synthesised points.
 */

/**
 * Indices (ascending, without duplicates) of the samples to keep so that at most `maxPoints`
 * remain. `columns` are the value series that must keep their extremes; each has `length`
 * entries. NaN values are ignored when looking for extremes.
 *
 * The result has more than `maxPoints` entries only when `maxPoints < 2 + 2 × columns.length`
 * (one bucket already needs that many to keep every column's extremes).
 */
export function minMaxBucketIndices(
  length: number,
  columns: readonly ArrayLike<number>[],
  maxPoints: number
): number[] {
  const count = Math.max(0, Math.floor(length))
  const budget = Math.max(2, Math.floor(maxPoints))
  if (count <= budget) return Array.from({ length: count }, (_, i) => i)

  // Every bucket contributes at most 2 samples per column, usually fewer because columns share
  // extremes (monotonic counters all peak at the bucket's last sample). Start from the bucket
  // count that would fill the budget with one column and shrink until the union fits.
  let buckets = Math.max(1, Math.floor((budget - 2) / 2))
  for (;;) {
    const kept = keepExtremes(count, columns, buckets)
    if (kept.length <= budget || buckets === 1) return kept
    buckets = Math.max(1, Math.min(buckets - 1, Math.floor((buckets * budget) / kept.length)))
  }
}

function keepExtremes(count: number, columns: readonly ArrayLike<number>[], buckets: number): number[] {
  const keep = new Uint8Array(count)
  keep[0] = 1
  keep[count - 1] = 1
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * count) / buckets)
    const to = Math.floor(((b + 1) * count) / buckets)
    if (to <= from) continue
    for (const column of columns) {
      let minIndex = -1
      let maxIndex = -1
      let minValue = Infinity
      let maxValue = -Infinity
      for (let i = from; i < to; i++) {
        const v = column[i]
        if (v !== v) continue // NaN: no extreme to keep
        if (v < minValue) {
          minValue = v
          minIndex = i
        }
        if (v > maxValue) {
          maxValue = v
          maxIndex = i
        }
      }
      if (minIndex >= 0) keep[minIndex] = 1
      if (maxIndex >= 0) keep[maxIndex] = 1
    }
  }
  const kept: number[] = []
  for (let i = 0; i < count; i++) if (keep[i] === 1) kept.push(i)
  return kept
}

/** One series as two parallel arrays: time (or any x) and value. */
export interface XySeries {
  x: number[]
  y: number[]
}

/** Downsamples one (x, y) series with min/max buckets over y. */
export function downsampleXy(x: ArrayLike<number>, y: ArrayLike<number>, maxPoints: number): XySeries {
  const indices = minMaxBucketIndices(Math.min(x.length, y.length), [y], maxPoints)
  return { x: indices.map((i) => x[i]), y: indices.map((i) => y[i]) }
}

/**
 * Downsamples records (e.g. progress samples) keeping the extremes of every named numeric field.
 * Returns the kept records themselves, in their original order.
 */
export function downsampleRecords<T>(
  records: readonly T[],
  valueOf: readonly ((record: T) => number)[],
  maxPoints: number
): T[] {
  if (records.length <= Math.max(2, Math.floor(maxPoints))) return records.slice()
  const columns = valueOf.map((get) => {
    const column = new Float64Array(records.length)
    for (let i = 0; i < records.length; i++) column[i] = get(records[i])
    return column
  })
  return minMaxBucketIndices(records.length, columns, maxPoints).map((i) => records[i])
}
