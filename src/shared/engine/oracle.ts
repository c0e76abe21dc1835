/**
 * The oracle (DESIGN.md §2): does the destination's memory equal the source's at switchover?
 *
 * It never looks at the dirty log. The destination keeps, per page, the virtual time of the last
 * send (+1, 0 = never received); each vCPU keeps, per page it wrote, the virtual time of its last
 * write (+1). A send at s carries the writes with t < s. So a page is right on the destination iff
 * it was received and no source write happened at or after its last send. Pages nobody wrote
 * during the migration hold what they held before it began, and any send carries that.
 * §17 is why: a lost dirty page is silent in every statistic QEMU reports.
 *
 * A cancelled migration has no switchover, but the same question has an answer then too: the
 * destination may lag only where the migration thread knows it does — pages still set in its
 * dirty bitmap, and pages written since the last dirty-log harvest (still in the vCPUs' logs).
 * Any other difference is a dirty page the tracking lost.
 */

/**
 * The destination's record of when each page was last sent (src/engine/migration/send-times.ts):
 * a send at s carries the writes with t < s.
 */
export interface SendTimeRecord {
  readonly totalPages: number
  /** Pages received at least once. */
  readonly received: number
  /** The page's last send time + 1, µs; 0 = never received. */
  sendPlus1(page: number): number
  /** sendPlus1 of pages from … from + n − 1, into out[0 … n − 1]. */
  readRange(from: number, n: number, out: Float64Array): void
}

/** What the migration thread knows is not yet on the destination (for a run stopped early). */
export interface KnownPending {
  /** The migration bitmap: bit set = the page is known dirty and will be sent again. */
  readonly bmap: Int32Array
  /** Virtual µs of the last dirty-log harvest; writes at or after it are not harvested yet. */
  readonly lastHarvestUs: number
}

/** A vCPU's last-write record, as sent back at the end of a run. */
export interface LastWriteRecord {
  readonly chunkShift: number
  readonly chunks: readonly number[]
  readonly lastWritePlus1: readonly Uint32Array[]
}

export interface OracleVerdict {
  readonly verified: boolean
  /** Distinct pages that differ. */
  readonly mismatchedPages: number
  /** Pages never received at all (also counted in mismatchedPages). */
  readonly unsentPages: number
  /** Up to 8 of the differing page numbers, ascending per cause, for the reason text. */
  readonly examples: readonly number[]
}

/**
 * Compares the destination's send times with every vCPU's last writes. The record's `received`
 * count means no scan is needed when every page was received.
 */
export function verifyDestination(
  sendTimes: SendTimeRecord,
  records: readonly LastWriteRecord[],
  knownPending?: KnownPending
): OracleVerdict {
  const totalPages = sendTimes.totalPages
  const pagesReceived = sendTimes.received
  const examples: number[] = []
  const bmap = knownPending?.bmap
  const known = (page: number): boolean => bmap !== undefined && (bmap[page >>> 5] & (1 << (page & 31))) !== 0
  // Writes with lastWrite ≥ lastHarvestUs, i.e. lastWritePlus1 > lastHarvestUs, are still in the
  // vCPUs' dirty logs.
  const loggedAbovePlus1 = knownPending ? knownPending.lastHarvestUs : Infinity
  let unsentPages = totalPages - pagesReceived
  if (unsentPages > 0) {
    // Unsent pages are fine while the bitmap still holds them (the first pass is not done).
    if (bmap !== undefined) unsentPages = 0
    const sends = new Float64Array(SCAN_PAGES)
    for (let from = 0; from < totalPages && (bmap !== undefined || examples.length < 4); from += SCAN_PAGES) {
      const n = Math.min(SCAN_PAGES, totalPages - from)
      sendTimes.readRange(from, n, sends)
      for (let o = 0; o < n; o++) {
        if (sends[o] !== 0) continue
        if (bmap === undefined) {
          if (examples.length < 4) examples.push(from + o)
        } else if (!known(from + o)) {
          unsentPages++
          if (examples.length < 4) examples.push(from + o)
        }
      }
    }
  }
  // Written-after-send pages (lastWrite ≥ lastSend ⇔ w ≥ s), deduplicated across vCPUs that share
  // pages (unsent ones are counted above already).
  const stale = flagPages(
    records,
    totalPages,
    examples,
    (from, n, out) => sendTimes.readRange(from, n, out),
    true,
    (page, w) => !(w > loggedAbovePlus1 || known(page))
  )
  const stalePages = stale.flagged
  const mismatchedPages = unsentPages + stalePages
  return { verified: mismatchedPages === 0, mismatchedPages, unsentPages, examples }
}

/**
 * The oracle's postcopy half: after postcopy_start every page the destination guest touches must
 * already hold the source's last version. A page sent after the switch (`arrivalPlus1` non-zero:
 * it was dirty at the switch or never sent) is right only from its arrival on, so a first touch
 * before it read a stale or missing page. Pages not sent after the switch were placed by the
 * pre-copy and are checked by verifyDestination (their last send is after the last source write).
 * Returns the distinct pages read too early and up to 8 of them.
 */
export function verifyPostcopyReads(
  arrivalPlus1: Uint32Array,
  firstTouches: readonly LastWriteRecord[]
): { readonly earlyReads: number; readonly examples: readonly number[] } {
  const examples: number[] = []
  // touched at t − 1, arrived at a − 1: early iff a > t (a = 0: placed before the switch).
  const earlyReads = flagPages(
    firstTouches,
    arrivalPlus1.length,
    examples,
    (from, n, out) => out.set(arrivalPlus1.subarray(from, from + n)),
    false,
    undefined
  ).flagged
  return { earlyReads, examples }
}

/**
 * Walks every recorded (page, value + 1) of the records against the reference value + 1 of the
 * same page (`reference` fills them for a range) and counts the distinct pages flagged (vCPUs
 * may share pages), adding up to 8 of them to `examples`. A page is flagged when both values are
 * set and value ≥ reference is `atOrAfter`, and `confirm` (if given) agrees. A range at a time,
 * in typed arrays: a call per page was most of the oracle's time.
 */
function flagPages(
  records: readonly LastWriteRecord[],
  totalPages: number,
  examples: number[],
  reference: (from: number, n: number, out: Float64Array) => void,
  atOrAfter: boolean,
  confirm: ((page: number, valuePlus1: number) => boolean) | undefined
): { flagged: number } {
  let seen: Int32Array | undefined
  let refs: Float64Array | undefined
  let flagged = 0
  for (const record of records) {
    const chunkPages = 1 << record.chunkShift
    if (refs === undefined || refs.length < chunkPages) refs = new Float64Array(chunkPages)
    for (let i = 0; i < record.chunks.length; i++) {
      const values = record.lastWritePlus1[i]
      const base = record.chunks[i] * chunkPages
      const n = Math.min(chunkPages, totalPages - base)
      reference(base, n, refs)
      for (let o = 0; o < n; o++) {
        const v = values[o]
        if (v === 0) continue
        const r = refs[o]
        if (r === 0 || v >= r !== atOrAfter) continue
        const page = base + o
        if (confirm !== undefined && !confirm(page, v)) continue
        seen ??= new Int32Array(Math.ceil(totalPages / 32))
        const bit = 1 << (page & 31)
        if ((seen[page >>> 5] & bit) === 0) {
          seen[page >>> 5] |= bit
          flagged++
          if (examples.length < 8) examples.push(page)
        }
      }
    }
  }
  return { flagged }
}

/** Pages the unsent-page scan reads at a time. */
const SCAN_PAGES = 1 << 16
