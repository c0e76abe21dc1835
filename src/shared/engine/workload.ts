import { MIB } from './constants'

/**
 * Guest memory layout and the per-vCPU workload plans (DESIGN.md §3 "workloads").
 *
 * Memory is one RAMBlock of `memory-mib` (§4.5: QEMU sweeps RAMBlocks in order; a plain guest's
 * RAM is one `pc.ram` block). Pages [0, nonZeroPages) hold data; the zero pages, `zero-fraction`
 * of RAM, lie at the top. Working sets lie in the non-zero part, so a zero page stays zero for the
 * whole migration and the sender can tell it by its number.
 */

export type WorkloadPattern = 'idle' | 'uniform' | 'hotspot' | 'sequential'

/** The parts of a workload entry the layout needs (a resolved config workload fits). */
export interface WorkloadSpec {
  readonly vcpus: 'all' | readonly number[]
  readonly pattern: WorkloadPattern
  readonly 'dirty-rate-mibps': number
  readonly 'working-set-mib': number
  readonly 'hot-set-mib': number
  readonly 'hot-fraction': number
  readonly shared: boolean
  readonly 'io-exits-per-second': number
  /** Bytes of a page one write changes (XBZRLE's delta); absent = the whole page. */
  readonly 'bytes-per-write'?: number
}

export interface GuestSpec {
  readonly 'memory-mib': number
  readonly vcpus: number
  readonly 'page-size': number
  readonly 'zero-fraction': number
  readonly workloads: readonly WorkloadSpec[]
}

/** What one vCPU does to memory. */
export interface VcpuPlan {
  readonly vcpu: number
  /** Index of the workload entry driving this vCPU, or -1 when none names it (idle). */
  readonly workload: number
  readonly pattern: WorkloadPattern
  /** Page writes per second of guest run time (dirty-rate-mibps in pages). 0 for idle. */
  readonly writesPerSecond: number
  /** First page of the working set; pages wrap at `wrapPages` (the non-zero memory). */
  readonly regionStartPage: number
  readonly regionPages: number
  /** hotspot: the first `hotPages` of the working set are the hot set. */
  readonly hotPages: number
  readonly hotFraction: number
  /** sequential: where in the working set this vCPU's sweep starts. */
  readonly sequentialStartOffset: number
  readonly ioExitsPerSecond: number
  /** Bytes of a page one write changes (workload bytes-per-write). */
  readonly bytesPerWrite: number
}

export interface GuestLayout {
  readonly pageSize: number
  readonly totalPages: number
  /** Pages [0, nonZeroPages) hold data; pages above are zero. Working sets wrap at this bound. */
  readonly nonZeroPages: number
  readonly vcpus: readonly VcpuPlan[]
}

/** Pages in `mib` MiB, rounded down. */
export function mibToPages(mib: number, pageSize: number): number {
  return Math.floor((mib * MIB) / pageSize)
}

export function guestTotalPages(guest: Pick<GuestSpec, 'memory-mib' | 'page-size'>): number {
  return mibToPages(guest['memory-mib'], guest['page-size'])
}

/** zero-fraction of the pages are zero, at the top of memory. */
export function guestNonZeroPages(
  guest: Pick<GuestSpec, 'memory-mib' | 'page-size' | 'zero-fraction'>
): number {
  const total = guestTotalPages(guest)
  return total - Math.floor(total * guest['zero-fraction'])
}

/** For each vCPU, the index of the first workload entry that names it, or -1 (idle). */
export function assignWorkloads(
  vcpuCount: number,
  workloads: readonly Pick<WorkloadSpec, 'vcpus'>[]
): number[] {
  const owner = new Array<number>(vcpuCount).fill(-1)
  workloads.forEach((w, index) => {
    const named = w.vcpus === 'all' ? Array.from({ length: vcpuCount }, (_, i) => i) : w.vcpus
    for (const v of named) if (v >= 0 && v < vcpuCount && owner[v] === -1) owner[v] = index
  })
  return owner
}

/** The vCPUs an entry actually drives (ascending), after the first-entry-wins rule. */
export function vcpusDrivenBy(owner: readonly number[], workloadIndex: number): number[] {
  const out: number[] = []
  owner.forEach((w, v) => {
    if (w === workloadIndex) out.push(v)
  })
  return out
}

function idlePlan(vcpu: number, workload: number, io: number): VcpuPlan {
  return {
    vcpu,
    workload,
    pattern: 'idle',
    writesPerSecond: 0,
    regionStartPage: 0,
    regionPages: 0,
    hotPages: 0,
    hotFraction: 0,
    sequentialStartOffset: 0,
    ioExitsPerSecond: io,
    bytesPerWrite: 0
  }
}

/**
 * Lays the working sets out. One cursor walks the non-zero memory: a shared entry takes one
 * working set there for all its vCPUs; an unshared entry gives each of its vCPUs (ascending) its
 * own region, one after another, wrapping around the non-zero memory when they do not fit (as
 * guestperf's stress threads each own `ramsize / ncpus`, §13.6). A vCPU named by no entry is
 * idle and never exits for I/O (a halted vCPU).
 */
export function layoutGuest(guest: GuestSpec): GuestLayout {
  const pageSize = guest['page-size']
  const totalPages = guestTotalPages(guest)
  const nonZeroPages = guestNonZeroPages(guest)
  const owner = assignWorkloads(guest.vcpus, guest.workloads)
  const plans: VcpuPlan[] = Array.from({ length: guest.vcpus }, (_, v) => idlePlan(v, -1, 0))
  let cursor = 0
  guest.workloads.forEach((w, index) => {
    const driven = vcpusDrivenBy(owner, index)
    if (driven.length === 0) return
    const writesPerSecond = (w['dirty-rate-mibps'] * MIB) / pageSize
    if (w.pattern === 'idle' || writesPerSecond === 0 || nonZeroPages === 0) {
      for (const v of driven) plans[v] = idlePlan(v, index, w['io-exits-per-second'])
      return
    }
    const regionPages = Math.min(nonZeroPages, Math.max(1, mibToPages(w['working-set-mib'], pageSize)))
    const hotPages = Math.min(regionPages, Math.max(1, mibToPages(w['hot-set-mib'], pageSize)))
    const place = (v: number, start: number, sequentialStartOffset: number): void => {
      plans[v] = {
        vcpu: v,
        workload: index,
        pattern: w.pattern,
        writesPerSecond,
        regionStartPage: start,
        regionPages,
        hotPages,
        hotFraction: w['hot-fraction'],
        sequentialStartOffset,
        ioExitsPerSecond: w['io-exits-per-second'],
        bytesPerWrite: w['bytes-per-write'] ?? pageSize
      }
    }
    if (w.shared) {
      // Sequential sweeps over a shared set start spread out, so they do not write in lockstep.
      driven.forEach((v, j) => place(v, cursor, Math.floor((j * regionPages) / driven.length)))
      cursor = (cursor + regionPages) % nonZeroPages
    } else {
      for (const v of driven) {
        place(v, cursor, 0)
        cursor = (cursor + regionPages) % nonZeroPages
      }
    }
  })
  return { pageSize, totalPages, nonZeroPages, vcpus: plans }
}

/**
 * The pages a vCPU's writes can land on, as at most two half-open ranges [start, end): its
 * working set from `regionStartPage`, wrapping at the non-zero memory's end (`nonZeroPages`), as
 * VcpuSimulator.writeRun places them. An idle vCPU touches nothing: no ranges. The destination
 * of a postcopy run tells a vCPU only of arrivals it can meet (src/engine/migration/postcopy.ts).
 */
export function touchedPageRanges(plan: VcpuPlan, nonZeroPages: number): [number, number][] {
  if (plan.writesPerSecond <= 0 || plan.regionPages <= 0 || nonZeroPages <= 0) return []
  const start = plan.regionStartPage
  const end = start + Math.min(plan.regionPages, nonZeroPages)
  if (end <= nonZeroPages) return [[start, end]]
  return [
    [start, nonZeroPages],
    [0, end - nonZeroPages]
  ]
}
