import { z } from 'zod'
import { KVM_DIRTY_RING_MAX_ENTRIES, KVM_DIRTY_RING_MIN_ENTRIES } from '../engine/dirty-limit'

/**
 * The config contract (DESIGN.md §3). Names under `migration.capabilities` and
 * `migration.parameters` are QEMU's own `migrate-set-capabilities` / `migrate-set-parameters`
 * names with QEMU's units (bytes/s, ms) and QEMU's defaults (docs/qemu-rules.md §12).
 * Every field is optional; objects are strict, so a misspelt key is an error, never ignored.
 */

/** Documented limits of the lab (docs/engine.md "Limits"). */
export const LIMITS = {
  /** 4 TiB of guest RAM. */
  maxMemoryMib: 4_194_304,
  maxVcpus: 512,
  /** Beyond one memory bus, and the vCPU generator cost grows with it. */
  maxDirtyRateMibps: 16_384,
  maxIoExitsPerSecond: 1_000_000,
  /** 10 Tbit/s. */
  maxBandwidthMbps: 10_000_000,
  maxRttMs: 10_000,
  /** QEMU's MAX_MIGRATE_DOWNTIME (§2.5). */
  maxDowntimeLimitMs: 2_000_000,
  /** One hour of virtual time: the oracle keeps µs in 32 bits (docs/engine.md "Oracle"). */
  maxTimeMs: 3_600_000,
  maxIterations: 100_000,
  maxDeviceStateKib: 16 * 1024 * 1024,
  /** Each vCPU takes the first entry naming it, so entries beyond one per vCPU never drive one. */
  maxWorkloads: 512,
  /** A config as JSON text, characters (a config the lab can run is a few kB; issue 13). */
  maxConfigChars: 1024 * 1024
} as const

const nonNegative = (max: number): z.ZodNumber => z.number().min(0).max(max)

const isPowerOfTwo = (n: number): boolean => Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0

/**
 * The problems the schema words itself, in English (the CLI's words); parseConfig finds them by
 * name, so the UI can say them in its language (ConfigMessages.schema).
 */
export const SCHEMA_PROBLEMS = {
  vcpuList: 'expected "all" or a non-empty list of vCPU indexes',
  tooManyVcpuIndexes: `at most ${LIMITS.maxVcpus} vCPU indexes (a guest has at most ${LIMITS.maxVcpus} vCPUs)`,
  pageSize: 'only 4096 (TARGET_PAGE_SIZE on x86) is simulated',
  dirtyRingSize: `must be 0 (dirty bitmap) or a power of two from ${KVM_DIRTY_RING_MIN_ENTRIES} to ${KVM_DIRTY_RING_MAX_ENTRIES}`,
  tooManyWorkloads: `at most ${LIMITS.maxWorkloads} entries (one per vCPU at most; a guest has at most ${LIMITS.maxVcpus} vCPUs)`,
  xbzrleCacheSize: 'must be a power of two (§7.1)'
} as const

export type SchemaProblem = keyof typeof SCHEMA_PROBLEMS

export const workloadSchema = z
  .strictObject({
    vcpus: z
      .union(
        [
          z.literal('all'),
          z
            .array(
              z
                .int()
                .min(0)
                .max(LIMITS.maxVcpus - 1)
            )
            .min(1)
        ],
        { error: SCHEMA_PROBLEMS.vcpuList }
      )
      // Outside the union, whose own message would hide this one.
      .refine((v) => v === 'all' || v.length <= LIMITS.maxVcpus, {
        error: SCHEMA_PROBLEMS.tooManyVcpuIndexes
      })
      .default('all')
      .describe('"all" or the vCPU indexes this entry drives; each vCPU takes the first entry naming it'),
    pattern: z
      .enum(['idle', 'uniform', 'hotspot', 'sequential'])
      .default('uniform')
      .describe(
        'idle: no writes; uniform: random pages over the working set; hotspot: the hot set with ' +
          'probability hot-fraction, else the rest of the working set; sequential: sweeps the ' +
          'working set page after page (guestperf stress.c)'
      ),
    'dirty-rate-mibps': nonNegative(LIMITS.maxDirtyRateMibps)
      .default(16)
      .describe('MiB written per second of guest run time, per vCPU, before throttling'),
    'working-set-mib': z
      .number()
      .positive()
      .max(LIMITS.maxMemoryMib)
      .optional()
      .describe(
        "Working set in MiB. Default: the non-zero memory divided among the entry's vCPUs " +
          "(all of it when shared), like guestperf's stress program"
      ),
    'hot-set-mib': z
      .number()
      .positive()
      .max(LIMITS.maxMemoryMib)
      .optional()
      .describe(
        'hotspot: size of the hot set at the start of the working set. Default: min(64, working set)'
      ),
    'hot-fraction': z
      .number()
      .min(0)
      .max(1)
      .default(0.9)
      .describe('hotspot: share of writes that hit the hot set'),
    shared: z
      .boolean()
      .default(false)
      .describe(
        'false: each vCPU has its own region, laid one after another and wrapping around the non-zero ' +
          'memory; true: all named vCPUs share one working set'
      ),
    'io-exits-per-second': nonNegative(LIMITS.maxIoExitsPerSecond)
      .default(200)
      .describe('I/O exits per second of run time that need the BQL (§1.7)'),
    'bytes-per-write': z
      .int()
      .min(1)
      .max(4096)
      .default(4096)
      .describe(
        'Bytes of a page one write changes, which sizes the XBZRLE delta (migration/xbzrle.c). ' +
          "Default 4096, the whole page: guestperf's stress program XORs every word of each page " +
          'it touches, and a whole-page rewrite is what a dirty rate in MiB/s of pages assumes, so ' +
          'XBZRLE gains nothing unless a workload says its writes are smaller. Only used with xbzrle'
      )
  })
  .describe('One guest workload')

export const guestSchema = z.strictObject({
  'memory-mib': z.int().min(1).max(LIMITS.maxMemoryMib).default(4096),
  vcpus: z.int().min(1).max(LIMITS.maxVcpus).default(2),
  'page-size': z
    .literal(4096, { error: SCHEMA_PROBLEMS.pageSize })
    .default(4096)
    .describe('TARGET_PAGE_SIZE in bytes (§4.5)'),
  'zero-fraction': z
    .number()
    .min(0)
    .max(1)
    .default(0)
    .describe('Share of RAM still zero when migration starts; zero pages lie at the top of memory'),
  'device-state-kib': nonNegative(LIMITS.maxDeviceStateKib)
    .default(256)
    .describe('Non-iterable device state sent at switchover, outside pending (§10.3)'),
  'dirty-ring-size': z
    .int()
    .refine(
      (n) =>
        n === 0 || (isPowerOfTwo(n) && n >= KVM_DIRTY_RING_MIN_ENTRIES && n <= KVM_DIRTY_RING_MAX_ENTRIES),
      { error: SCHEMA_PROBLEMS.dirtyRingSize }
    )
    .default(0)
    .describe(
      'KVM accelerator property dirty-ring-size, entries per vCPU (accel/kvm/kvm-all.c); 0 = the dirty ' +
        'bitmap (KVM_GET_DIRTY_LOG). dirty-limit needs a ring'
    ),
  workloads: z
    .array(workloadSchema)
    .max(LIMITS.maxWorkloads, { error: SCHEMA_PROBLEMS.tooManyWorkloads })
    .prefault([{}])
    .describe('Each vCPU takes the first entry that names it; a vCPU named by none is idle')
})

export const networkSchema = z.strictObject({
  'bandwidth-mbps': z
    .number()
    .positive()
    .max(LIMITS.maxBandwidthMbps)
    .default(10_000)
    .describe('Link speed, decimal Mbit/s; the stop-and-copy runs at this speed (§10.5)'),
  'rtt-ms': nonNegative(LIMITS.maxRttMs).default(0.2).describe('Round-trip time of the link, ms')
})

export const capabilitiesSchema = z.strictObject({
  'auto-converge': z.boolean().default(false),
  'return-path': z.boolean().default(false),
  'switchover-ack': z.boolean().default(false),
  xbzrle: z.boolean().default(false),
  multifd: z.boolean().default(false),
  'postcopy-ram': z.boolean().default(false),
  'postcopy-preempt': z.boolean().default(false),
  'dirty-limit': z.boolean().default(false)
})

export const parametersSchema = z.strictObject({
  'max-bandwidth': z
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .default(134_217_728)
    .describe('bytes/s; 0 disables the rate limit (RATE_LIMIT_DISABLED, §3.1)'),
  'downtime-limit': z.int().min(0).max(LIMITS.maxDowntimeLimitMs).default(300).describe('ms (§2.5)'),
  'avail-switchover-bandwidth': z
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .default(0)
    .describe('bytes/s; 0 = use the measured bandwidth for the threshold (§2.1)'),
  'throttle-trigger-threshold': z.int().min(1).max(100).default(50).describe('% (§5.1)'),
  'cpu-throttle-initial': z.int().min(1).max(99).default(20).describe('% (§5.1)'),
  'cpu-throttle-increment': z.int().min(1).max(99).default(10).describe('% (§5.1)'),
  'cpu-throttle-tailslow': z.boolean().default(false).describe('§5.3'),
  'max-cpu-throttle': z.int().min(1).max(99).default(99).describe('% (§5.1)'),
  'xbzrle-cache-size': z
    .int()
    .refine(isPowerOfTwo, { error: SCHEMA_PROBLEMS.xbzrleCacheSize })
    .default(64 * 1024 * 1024)
    .describe('bytes, a power of two'),
  'multifd-channels': z.int().min(1).max(255).default(2),
  'multifd-compression': z
    .enum(['none', 'zlib', 'zstd'])
    .default('none')
    .describe('Compression in the multifd channels (multifd-zlib.c, multifd-zstd.c); needs multifd'),
  'zero-page-detection': z
    .enum(['none', 'legacy', 'multifd'])
    .default('multifd')
    .describe(
      'none: zero pages are sent as normal pages; legacy/multifd: buffer_is_zero on the sender (§4.5)'
    ),
  'max-postcopy-bandwidth': z
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .default(0)
    .describe('bytes/s after the switch to postcopy; 0 = no rate limit (postcopy_start, §9.1)'),
  'x-vcpu-dirty-limit-period': z.int().min(1).max(1000).default(1000).describe('ms (§6.1)'),
  'vcpu-dirty-limit': z.int().min(1).max(Number.MAX_SAFE_INTEGER).default(1).describe('MB/s (§6.1)')
})

export const policySchema = z.strictObject({
  'max-time-ms': z
    .int()
    .min(1)
    .max(LIMITS.maxTimeMs)
    .default(300_000)
    .describe('Cancel after this much virtual time (guestperf max_time, §13.3)'),
  'max-iterations': z
    .int()
    .min(1)
    .max(LIMITS.maxIterations)
    .default(30)
    .describe('Cancel when dirty-sync-count exceeds this (guestperf max_iters, §13.3)'),
  'postcopy-after-syncs': z
    .int()
    .min(0)
    .max(LIMITS.maxIterations)
    .optional()
    .describe(
      'Send migrate-start-postcopy once dirty-sync-count reaches this (guestperf post_copy_iters, ' +
        '§13.3); absent = never. Needs postcopy-ram'
    )
})

export const migrationSchema = z.strictObject({
  capabilities: capabilitiesSchema.prefault({}),
  parameters: parametersSchema.prefault({}),
  policy: policySchema.prefault({})
})

/**
 * The host cost model: what QEMU's own work costs in time. Each cost can be set to 0 to leave it
 * out; the defaults and their reasons are in docs/engine.md "Cost model".
 */
export const hostSchema = z.strictObject({
  'dirty-log-start-ms-per-gib': nonNegative(10_000)
    .default(1)
    .describe('Setup: memory_global_dirty_log_start write-protects every memslot, ms per GiB (§1.3)'),
  'sync-ms-per-gib': nonNegative(10_000)
    .default(1)
    .describe('BQL hold of one dirty bitmap sync, ms per GiB of guest RAM (§4.1)'),
  'stop-ms': nonNegative(60_000)
    .default(5)
    .describe('vm_stop_force_state: pause vCPUs, drain and flush block I/O (§1.5)'),
  'resume-ms': nonNegative(60_000)
    .default(30)
    .describe('Destination: block activation, announce, vm_start (§10.1)'),
  'zero-scan-gib-per-s': nonNegative(10_000)
    .default(10)
    .describe('buffer_is_zero scan rate on the sender; 0 = free (§4.5)'),
  'sender-gib-per-s': nonNegative(10_000)
    .default(2)
    .describe(
      'CPU of the single-threaded sender (the migration thread without multifd) for one normal page, ' +
        'GiB of page per second; 0 = free. Default 2 (≈ 17 Gbit/s): one thread tops out there, so ' +
        'the link is the bottleneck below it (docs/engine.md "multifd")'
    ),
  'multifd-channel-gib-per-s': nonNegative(10_000)
    .default(2)
    .describe(
      'CPU of one multifd channel thread for one uncompressed page (multifd_send_thread, nocomp), ' +
        'GiB of page per second; 0 = free'
    ),
  'multifd-zlib-gib-per-s': nonNegative(10_000)
    .default(0.1)
    .describe('zlib (level 1) compression speed of one channel, GiB of page per second; 0 = free'),
  'multifd-zlib-ratio': z
    .number()
    .min(1)
    .max(1000)
    .default(2.7)
    .describe('zlib (level 1) compression ratio of a non-zero page (page bytes / compressed bytes)'),
  'multifd-zstd-gib-per-s': nonNegative(10_000)
    .default(0.47)
    .describe('zstd (level 1) compression speed of one channel, GiB of page per second; 0 = free'),
  'multifd-zstd-ratio': z
    .number()
    .min(1)
    .max(1000)
    .default(2.9)
    .describe('zstd (level 1) compression ratio of a non-zero page (page bytes / compressed bytes)'),
  'xbzrle-encode-gib-per-s': nonNegative(10_000)
    .default(2)
    .describe(
      'Sender CPU for one XBZRLE cache hit (save_xbzrle_page: copy the page, xbzrle_encode_buffer ' +
        'over old and new, copy into the cache), GiB of page per second; 0 = free. Default 2: ' +
        'about 2 µs per 4 KiB page, two page copies plus a word-at-a-time compare on one core'
    ),
  'dst-load-gib-per-s': nonNegative(10_000)
    .default(4)
    .describe(
      'Destination load rate (ram_load_precopy); slower than the link leaves a load tail; 0 = keeps up'
    )
})

export const labConfigSchema = z.strictObject({
  name: z.string().max(200).default('unnamed'),
  seed: z.int().min(0).max(0xffff_ffff).default(1).describe('Seed of every random workload'),
  guest: guestSchema.prefault({}),
  network: networkSchema.prefault({}),
  migration: migrationSchema.prefault({}),
  host: hostSchema.prefault({})
})

/** A workload after defaults were resolved: sizes always present. */
export type WorkloadConfig = Omit<z.output<typeof workloadSchema>, 'working-set-mib' | 'hot-set-mib'> & {
  'working-set-mib': number
  'hot-set-mib': number
}

type ParsedConfig = z.output<typeof labConfigSchema>

/** A fully defaulted, validated config: what the engine runs. */
export type LabConfig = Omit<ParsedConfig, 'guest'> & {
  guest: Omit<ParsedConfig['guest'], 'workloads'> & { workloads: WorkloadConfig[] }
}

/** What a user may write: every field optional. */
export type LabConfigInput = z.input<typeof labConfigSchema>
