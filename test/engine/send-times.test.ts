import { describe, expect, it } from 'vitest'
import { SendTimes } from '../../src/engine/migration/send-times'

// The destination's send record (docs/engine.md "Oracle"): page j of a run sent from startUs at
// costUs per page goes at ⌊startUs + j × costUs⌋ µs and is kept + 1 (0 = never received).
// Every expected number is derived by hand next to it. Chunks hold 2^16 = 65 536 pages.

describe('SendTimes', () => {
  it('keeps a run as its formula: ⌊startUs + j × costUs⌋ + 1', () => {
    const t = new SendTimes(200_000)
    // pages 10…14 from 1000 µs at 2.5 µs: ⌊1000⌋, ⌊1002.5⌋, ⌊1005⌋, ⌊1007.5⌋, ⌊1010⌋, each + 1
    expect(t.record(10, 5, 1000, 2.5)).toBe(5)
    expect([9, 10, 11, 12, 13, 14, 15].map((p) => t.sendPlus1(p))).toEqual([
      0, 1001, 1003, 1006, 1008, 1011, 0
    ])
    expect(t.received).toBe(5)
  })

  it('splits a run at a chunk boundary and reads it alike on both sides', () => {
    const t = new SendTimes(200_000)
    // pages 65 530…65 539 from 0 µs at 1 µs: page 65 535 is j = 5 → 6, page 65 536 is j = 6 → 7
    expect(t.record(65_530, 10, 0, 1)).toBe(10)
    expect([t.sendPlus1(65_535), t.sendPlus1(65_536), t.sendPlus1(65_539), t.sendPlus1(65_540)]).toEqual([
      6, 7, 10, 0
    ])
  })

  it('a page sent again takes its new time; the rest of its chunk keeps its old ones', () => {
    const t = new SendTimes(200_000)
    t.record(10, 5, 1000, 2.5)
    // page 12 again at 5000 µs: 5001; not received for the first time
    expect(t.record(12, 1, 5000, 0)).toBe(0)
    expect([10, 11, 12, 13, 14].map((p) => t.sendPlus1(p))).toEqual([1001, 1003, 5001, 1008, 1011])
    expect(t.received).toBe(5)
    // a run that overlaps pages 14…16: 14 was received, 15 and 16 are new → 2
    expect(t.record(14, 3, 9000, 1)).toBe(2)
    expect([14, 15, 16].map((p) => t.sendPlus1(p))).toEqual([9001, 9002, 9003])
    expect(t.received).toBe(7)
  })

  it('more than four runs in one chunk still read back exactly', () => {
    const t = new SendTimes(200_000)
    // chunk 2 starts at 131 072; five one-page runs at 100 k µs: send time + 1 = 100 k + 1
    for (let k = 0; k < 5; k++) expect(t.record(131_072 + 100 * k, 1, 100 * k, 1)).toBe(1)
    expect([0, 1, 2, 3, 4].map((k) => t.sendPlus1(131_072 + 100 * k))).toEqual([1, 101, 201, 301, 401])
    expect(t.sendPlus1(131_073)).toBe(0)
    expect(t.received).toBe(5)
  })

  it('lists the pages never received as a bitmap', () => {
    const t = new SendTimes(40)
    t.record(0, 33, 0, 1)
    // pages 33…39 unsent: word 0 empty, word 1 bits 1…7 = 0b1111_1110 = 254
    expect(Array.from(t.neverReceived())).toEqual([0, 254])
  })
})

describe('SendTimes.readRange', () => {
  it('reads a range as sendPlus1 reads each page: formulas, dense chunks, unsent pages, across chunks', () => {
    const t = new SendTimes(200_000)
    t.record(10, 5, 1000, 2.5) // chunk 0: a formula
    t.record(65_530, 10, 0, 1) // across the chunk 0 / chunk 1 boundary
    for (let k = 0; k < 5; k++) t.record(131_072 + 100 * k, 1, 100 * k, 1) // chunk 2: dense
    t.record(131_072 + 50, 3, 7000, 0.5)
    const from = 5
    const n = 131_072 + 600 - from
    const out = new Float64Array(n)
    t.readRange(from, n, out)
    const expected = Array.from({ length: n }, (_, j) => t.sendPlus1(from + j))
    expect(Array.from(out)).toEqual(expected)
    // a few by hand: page 12 = ⌊1000 + 2 × 2.5⌋ + 1; page 65 536 = j 6 → 7; page 131 173 = 101
    expect([out[12 - from], out[65_536 - from], out[131_172 - from], out[131_173 - from]]).toEqual([
      1006, 7, 101, 0
    ])
  })
})
