import type { SendTimeRecord } from '../../shared/engine/oracle'

/** Pages per chunk of the record: 2^16 (256 MiB of guest RAM at 4 KiB). */
export const SEND_TIMES_CHUNK_SHIFT = 16
const CHUNK_SHIFT = SEND_TIMES_CHUNK_SHIFT
const CHUNK_PAGES = 1 << CHUNK_SHIFT
const CHUNK_MASK = CHUNK_PAGES - 1
/** A chunk holds this many runs as formulas before it turns into one value per page. */
const MAX_RUNS = 4
/** `runs` value of a chunk kept page by page. */
const DENSE = 255

/**
 * The destination's half of the oracle (docs/engine.md "Oracle"): the virtual time each page was
 * last sent, + 1 (0 = never received). Page j of a run sent from `startUs` at `costUs` per page
 * goes at ⌊startUs + j × costUs⌋ µs.
 *
 * Most pages are sent once, in long runs (the first pass), so a chunk of 2^16 pages keeps up to
 * four runs as their formula (first page, last page, the run's start page, start and cost) and
 * only a chunk whose pages are sent again, or by more than four runs, keeps one 32-bit value per
 * page (the same ⌊startUs + j × costUs⌋ + 1 the formula gives, so both read alike). A 1 TiB
 * guest's first pass then costs a few kilobytes instead of 4 bytes × 2^28 pages = 1 GiB, and a
 * long run is recorded per chunk instead of per page.
 */
export class SendTimes implements SendTimeRecord {
  /** Pages received at least once (so the oracle need not scan for unsent pages). */
  received = 0
  /** Per chunk: how many runs it keeps as formulas, or DENSE. */
  private readonly runs: Uint8Array
  /** Per chunk and run slot: the run's first and end page in the chunk, its start page. */
  private readonly runFrom: Float64Array
  private readonly runTo: Float64Array
  private readonly runStartPage: Float64Array
  private readonly runStartUs: Float64Array
  private readonly runCostUs: Float64Array
  /** Per chunk: its pages' send time + 1, once it is kept page by page. */
  private readonly dense: (Uint32Array | undefined)[]

  constructor(readonly totalPages: number) {
    const chunks = Math.ceil(totalPages / CHUNK_PAGES)
    this.runs = new Uint8Array(chunks)
    this.runFrom = new Float64Array(chunks * MAX_RUNS)
    this.runTo = new Float64Array(chunks * MAX_RUNS)
    this.runStartPage = new Float64Array(chunks * MAX_RUNS)
    this.runStartUs = new Float64Array(chunks * MAX_RUNS)
    this.runCostUs = new Float64Array(chunks * MAX_RUNS)
    this.dense = new Array<Uint32Array | undefined>(chunks).fill(undefined)
  }

  /**
   * Chunk c's send times + 1, page by page, if it is kept that way (else undefined): a caller
   * that records runs inside it writes ⌊startUs + j × costUs⌋ + 1 there itself, as `record`
   * would, and adds the pages it found at 0 to `received`.
   */
  denseChunk(c: number): Uint32Array | undefined {
    return this.dense[c]
  }

  /** The page's last send time + 1, µs; 0 = never received. */
  sendPlus1(page: number): number {
    const c = page >>> CHUNK_SHIFT
    const d = this.dense[c]
    if (d !== undefined) return d[page & CHUNK_MASK]
    const k = this.runs[c]
    for (let i = c * MAX_RUNS; i < c * MAX_RUNS + k; i++)
      if (page >= this.runFrom[i] && page < this.runTo[i])
        return Math.floor(this.runStartUs[i] + (page - this.runStartPage[i]) * this.runCostUs[i]) + 1
    return 0
  }

  /**
   * sendPlus1 of pages from … from + n − 1, into out[0 … n − 1]: a chunk at a time, a run by its
   * formula, a dense chunk by one copy (the oracle reads every page a vCPU wrote, and a call per
   * page was most of its time: 0.4 s of the 64 GiB run's 33 M written pages).
   */
  readRange(from: number, n: number, out: Float64Array): void {
    const end = from + n
    let page = from
    while (page < end) {
      const c = page >>> CHUNK_SHIFT
      const to = Math.min(end, (c + 1) << CHUNK_SHIFT)
      const d = this.dense[c]
      if (d !== undefined) {
        const off = page & CHUNK_MASK
        out.set(d.subarray(off, off + (to - page)), page - from)
      } else {
        out.fill(0, page - from, to - from)
        // A chunk's runs never overlap (an overlapping send turns it dense), as in sendPlus1.
        for (let i = c * MAX_RUNS; i < c * MAX_RUNS + this.runs[c]; i++) {
          const p = this.runStartPage[i]
          const startUs = this.runStartUs[i]
          const costUs = this.runCostUs[i]
          const hi = Math.min(to, this.runTo[i])
          for (let q = Math.max(page, this.runFrom[i]); q < hi; q++)
            out[q - from] = Math.floor(startUs + (q - p) * costUs) + 1
        }
      }
      page = to
    }
  }

  /**
   * Pages p … p + n − 1 were sent, page p + j at ⌊startUs + j × costUs⌋ µs. Returns how many of
   * them were received for the first time.
   */
  record(p: number, n: number, startUs: number, costUs: number): number {
    const c = p >>> CHUNK_SHIFT
    const d = this.dense[c]
    if (d !== undefined && (p + n - 1) >>> CHUNK_SHIFT === c) {
      // The common case after the first pass: a short run in a chunk kept page by page.
      const off = p - (c << CHUNK_SHIFT)
      let first = 0
      for (let j = 0; j < n; j++) {
        first += d[off + j] === 0 ? 1 : 0
        d[off + j] = Math.floor(startUs + j * costUs) + 1
      }
      this.received += first
      return first
    }
    const end = p + n
    let firstTime = 0
    let from = p
    while (from < end) {
      const c = from >>> CHUNK_SHIFT
      const to = Math.min(end, (c + 1) << CHUNK_SHIFT)
      firstTime += this.recordInChunk(c, from, to, p, startUs, costUs)
      from = to
    }
    this.received += firstTime
    return firstTime
  }

  /** Pages never received, as a bitmap (bit set = never received; 32 pages per word). */
  neverReceived(): Int32Array {
    const out = new Int32Array(Math.ceil(this.totalPages / 32))
    for (let p = 0; p < this.totalPages; p++) if (this.sendPlus1(p) === 0) out[p >>> 5] |= 1 << (p & 31)
    return out
  }

  private recordInChunk(
    c: number,
    from: number,
    to: number,
    p: number,
    startUs: number,
    costUs: number
  ): number {
    let d = this.dense[c]
    if (d === undefined) {
      const k = this.runs[c]
      const base = c * MAX_RUNS
      let overlaps = false
      for (let i = base; i < base + k; i++) if (from < this.runTo[i] && to > this.runFrom[i]) overlaps = true
      if (!overlaps && k < MAX_RUNS) {
        const i = base + k
        this.runFrom[i] = from
        this.runTo[i] = to
        this.runStartPage[i] = p
        this.runStartUs[i] = startUs
        this.runCostUs[i] = costUs
        this.runs[c] = k + 1
        return to - from
      }
      d = this.densify(c)
    }
    const off = c << CHUNK_SHIFT
    let firstTime = 0
    for (let page = from; page < to; page++) {
      const o = page - off
      firstTime += d[o] === 0 ? 1 : 0
      d[o] = Math.floor(startUs + (page - p) * costUs) + 1
    }
    return firstTime
  }

  /** The chunk's runs written out page by page; from now on it is kept that way. */
  private densify(c: number): Uint32Array {
    const d = new Uint32Array(CHUNK_PAGES)
    const off = c << CHUNK_SHIFT
    for (let i = c * MAX_RUNS; i < c * MAX_RUNS + this.runs[c]; i++) {
      const p = this.runStartPage[i]
      const startUs = this.runStartUs[i]
      const costUs = this.runCostUs[i]
      for (let page = this.runFrom[i]; page < this.runTo[i]; page++)
        d[page - off] = Math.floor(startUs + (page - p) * costUs) + 1
    }
    this.dense[c] = d
    this.runs[c] = DENSE
    return d
  }
}
