import type { LabConfigInput } from './config/schema'
import { canonicalConfigJson, parseConfig } from './config/parse'

/**
 * Starting points for an experiment: QEMU's defaults, the scenarios of QEMU's own benchmark
 * (guestperf, docs/qemu-rules.md §13) that the engine simulates, and a few realistic
 * guests. Each preset is a sparse config: what it leaves out keeps QEMU's default, so the JSON of
 * a preset says exactly what it changes. Shared by the desktop UI and the command line; the UI
 * shows each preset's name and description from its own translations (keyed by `id`).
 */

export type PresetId =
  | 'qemu-defaults'
  | 'guestperf-defaults'
  | 'guestperf-auto-converge'
  | 'guestperf-dirty-limit'
  | 'guestperf-multifd'
  | 'guestperf-multifd-zstd'
  | 'guestperf-xbzrle'
  | 'xbzrle-small-writes'
  | 'guestperf-postcopy'
  | 'guestperf-postcopy-preempt'
  | 'postcopy-out-dirtying'
  | 'idle-desktop'
  | 'database-hot-set'
  | 'memory-stress'

export interface ConfigPreset {
  readonly id: PresetId
  /** English name, also the config's `name`. */
  readonly name: string
  /** English one-line description (the UI translates by id). */
  readonly description: string
  readonly config: LabConfigInput
}

/**
 * guestperf's "effectively unlimited" bandwidth: 125000 MiB/s, set as
 * `max-bandwidth = bandwidth × 1024 × 1024` bytes/s (§13.3).
 */
export const GUESTPERF_UNLIMITED_BANDWIDTH = 125_000 * 1024 * 1024

/**
 * guestperf's hardware and scenario defaults (§13.2, §13.3): 1 vCPU, 1 GiB, downtime 500 ms,
 * unlimited bandwidth, give up after 30 syncs or 300 s. Its guest runs stress.c (§13.6): one
 * thread per vCPU sweeping its share of memory sequentially, pages never zero. Real stress.c
 * writes at memory speed; 1 GiB/s per vCPU is a conservative stand-in that already outruns a
 * 10 Gbit/s link, as on guestperf's hosts.
 */
const guestperfBase: LabConfigInput = {
  guest: {
    'memory-mib': 1024,
    vcpus: 1,
    'zero-fraction': 0,
    workloads: [{ vcpus: 'all', pattern: 'sequential', 'dirty-rate-mibps': 1024, 'io-exits-per-second': 0 }]
  },
  network: { 'bandwidth-mbps': 10_000 },
  migration: {
    parameters: { 'downtime-limit': 500, 'max-bandwidth': GUESTPERF_UNLIMITED_BANDWIDTH },
    policy: { 'max-time-ms': 300_000, 'max-iterations': 30 }
  }
}

type MigrationInput = NonNullable<LabConfigInput['migration']>

/**
 * One of guestperf's scenarios: its base with the scenario's capabilities, and the parameters,
 * policy and guest it changes on top of guestperf's own (as guestperf's Scenario overrides its
 * defaults, §13.3). The config is named `name`.
 */
function onGuestperf(
  name: string,
  change: {
    readonly guest?: Partial<NonNullable<LabConfigInput['guest']>>
    readonly capabilities: MigrationInput['capabilities']
    readonly parameters?: MigrationInput['parameters']
    readonly policy?: MigrationInput['policy']
  }
): LabConfigInput {
  const base = guestperfBase.migration
  return {
    ...guestperfBase,
    name,
    ...(change.guest && { guest: { ...guestperfBase.guest, ...change.guest } }),
    migration: {
      ...base,
      capabilities: change.capabilities,
      ...(change.parameters && { parameters: { ...base?.parameters, ...change.parameters } }),
      ...(change.policy && { policy: { ...base?.policy, ...change.policy } })
    }
  }
}

export const CONFIG_PRESETS: readonly ConfigPreset[] = [
  {
    id: 'qemu-defaults',
    name: 'QEMU defaults',
    description:
      'Every value at QEMU’s default: downtime-limit 300 ms, max-bandwidth 128 MiB/s, a 4 GiB guest with 2 vCPUs writing 16 MiB/s each.',
    config: { name: 'QEMU defaults' }
  },
  {
    id: 'guestperf-defaults',
    name: 'guestperf defaults',
    description:
      'QEMU’s benchmark: 1 vCPU, 1 GiB running stress (sequential writes over all memory), downtime-limit 500 ms, unlimited bandwidth.',
    config: { ...guestperfBase, name: 'guestperf defaults' }
  },
  {
    id: 'guestperf-auto-converge',
    name: 'guestperf auto-converge',
    description:
      'guestperf’s auto-converge scenario: the stress guest throttled from 20 % in steps of 10 % until it converges.',
    config: onGuestperf('guestperf auto-converge', {
      capabilities: { 'auto-converge': true },
      parameters: { 'cpu-throttle-initial': 20, 'cpu-throttle-increment': 10 }
    })
  },
  {
    // guestperf's compr-xbzrle comparison (compression_xbzrle, cache 10 % of RAM, rounded down
    // to a power of two as migrate_params_check needs): stress.c sweeps all of memory, far more
    // than the cache holds, so every lookup misses (and a hit would overflow: it rewrites whole
    // pages; docs/engine.md "XBZRLE"). Compare it with xbzrle-small-writes.
    id: 'guestperf-xbzrle',
    name: 'guestperf xbzrle',
    description:
      'The stress guest with XBZRLE and a 64 MiB cache: stress sweeps 1 GiB, 16 pages for each cache slot, so every lookup misses and XBZRLE gains nothing.',
    config: onGuestperf('guestperf xbzrle', {
      capabilities: { xbzrle: true },
      parameters: { 'xbzrle-cache-size': 64 * 1024 * 1024 }
    })
  },
  {
    // The guest that out-dirties its link (test/engine/xbzrle-run.test.ts): plain
    // pre-copy never converges; with 8-byte writes XBZRLE sends small deltas and completes.
    id: 'xbzrle-small-writes',
    name: 'XBZRLE, small writes',
    description:
      'A 512 MiB guest rewriting 64 MiB at 64 MiB/s in 8-byte writes over 32 MiB/s: plain pre-copy never converges, XBZRLE completes on a third of the bytes.',
    config: {
      name: 'XBZRLE, small writes',
      guest: {
        'memory-mib': 512,
        vcpus: 1,
        workloads: [
          { pattern: 'uniform', 'dirty-rate-mibps': 64, 'working-set-mib': 64, 'bytes-per-write': 8 }
        ]
      },
      migration: { capabilities: { xbzrle: true }, parameters: { 'max-bandwidth': 32 * 1024 * 1024 } }
    }
  },
  {
    // Compare it with guestperf auto-converge: the same guest, limited per vCPU through KVM's
    // dirty ring instead of throttled as a whole (docs/engine.md §11, "Dirty-limit in a run").
    id: 'guestperf-dirty-limit',
    name: 'guestperf dirty-limit',
    description:
      'The stress guest with a 4096-entry dirty ring, limited to 1 MB/s per vCPU by dirty-limit instead of auto-converge: compare it with guestperf auto-converge.',
    config: onGuestperf('guestperf dirty-limit', {
      guest: { 'dirty-ring-size': 4096 },
      capabilities: { 'dirty-limit': true },
      parameters: { 'vcpu-dirty-limit': 1, 'x-vcpu-dirty-limit-period': 500 }
    })
  },
  {
    // guestperf's multifd comparison (tests/migration-stress/guestperf/comparison.py,
    // "compr-multifd"): the same guest over 4 channels; on guestperf's 10 Gbit/s link one channel
    // already fills the link, so the channels change little (docs/engine.md "multifd").
    id: 'guestperf-multifd',
    name: 'guestperf multifd',
    description:
      'The stress guest sent over 4 multifd channels: compare it with guestperf defaults (one sender thread).',
    config: onGuestperf('guestperf multifd', {
      capabilities: { multifd: true },
      parameters: { 'multifd-channels': 4 }
    })
  },
  {
    // The compression side of the same comparison: zstd in every channel sends ~1/2.9 of a page's
    // bytes; at 0.47 GiB/s per channel the 4 channels (1.9 GiB/s of pages), not the link, set the
    // pace. The ratio is the host's cost-model figure: stress.c's pages would compress worse.
    id: 'guestperf-multifd-zstd',
    name: 'guestperf multifd zstd',
    description:
      'guestperf multifd with zstd compression in each of the 4 channels: fewer bytes on the wire, more CPU per page.',
    config: onGuestperf('guestperf multifd zstd', {
      capabilities: { multifd: true },
      parameters: { 'multifd-channels': 4, 'multifd-compression': 'zstd' }
    })
  },
  {
    // guestperf's post-copy scenarios (Scenario post_copy=True, post_copy_iters 5, its default):
    // the stress guest switches to postcopy after 5 syncs (docs/engine.md "Postcopy in a run").
    id: 'guestperf-postcopy',
    name: 'guestperf postcopy',
    description:
      'The stress guest switched to postcopy after 5 dirty-bitmap syncs (guestperf post_copy_iters): a short downtime, paid for by page faults on the destination.',
    config: onGuestperf('guestperf postcopy', {
      capabilities: { 'postcopy-ram': true },
      policy: { 'postcopy-after-syncs': 5 }
    })
  },
  {
    // The same with postcopy-preempt: urgent pages on their own channel; compare the blocktime.
    id: 'guestperf-postcopy-preempt',
    name: 'guestperf postcopy-preempt',
    description:
      'guestperf postcopy with postcopy-preempt: faulted pages skip the background push on their own channel, so the guest waits less (compare postcopy-blocktime).',
    config: onGuestperf('guestperf postcopy-preempt', {
      capabilities: { 'postcopy-ram': true, 'postcopy-preempt': true },
      policy: { 'postcopy-after-syncs': 5 }
    })
  },
  {
    // The guest that out-dirties its link (test/engine/postcopy-run.test.ts), on two
    // vCPUs: plain pre-copy never converges; after 3 syncs postcopy completes, and on the
    // destination the vCPUs fault on pages not yet received (the stress guest of guestperf
    // postcopy rewrites pages the background push has already placed, so it hardly faults).
    id: 'postcopy-out-dirtying',
    name: 'Postcopy, guest out-dirtying its link',
    description:
      'A 512 MiB guest on 2 vCPUs rewriting 64 MiB at 64 MiB/s over 32 MiB/s, switched to postcopy after 3 syncs: pre-copy alone never converges; on the destination the vCPUs fault on pages not yet there.',
    config: {
      name: 'Postcopy, guest out-dirtying its link',
      guest: {
        'memory-mib': 512,
        vcpus: 2,
        workloads: [{ pattern: 'uniform', 'dirty-rate-mibps': 32, 'working-set-mib': 64 }]
      },
      migration: {
        capabilities: { 'postcopy-ram': true },
        parameters: { 'max-bandwidth': 32 * 1024 * 1024 },
        policy: { 'postcopy-after-syncs': 3 }
      }
    }
  },
  {
    id: 'idle-desktop',
    name: 'Idle desktop',
    description:
      'A 4 GiB desktop that is mostly idle: 60 % of memory still zero, light writes over a small working set.',
    config: {
      name: 'Idle desktop',
      guest: {
        'memory-mib': 4096,
        vcpus: 2,
        'zero-fraction': 0.6,
        workloads: [
          {
            vcpus: 'all',
            pattern: 'uniform',
            'dirty-rate-mibps': 2,
            'working-set-mib': 256,
            'io-exits-per-second': 50
          }
        ]
      }
    }
  },
  {
    id: 'database-hot-set',
    name: 'Database with a hot set',
    description:
      'An 8 GiB database on 4 vCPUs: 90 % of writes hit a 512 MiB hot set (buffer pool, logs) inside a shared 6 GiB working set.',
    config: {
      name: 'Database with a hot set',
      guest: {
        'memory-mib': 8192,
        vcpus: 4,
        'zero-fraction': 0.1,
        workloads: [
          {
            vcpus: 'all',
            pattern: 'hotspot',
            'dirty-rate-mibps': 24,
            'working-set-mib': 6144,
            'hot-set-mib': 512,
            'hot-fraction': 0.9,
            shared: true,
            'io-exits-per-second': 2000
          }
        ]
      },
      migration: { parameters: { 'max-bandwidth': 1024 * 1024 * 1024 } }
    }
  },
  {
    id: 'memory-stress',
    name: 'Memory stress',
    description:
      'Like guestperf’s stress.c: every vCPU sweeps its share of all memory sequentially at 512 MiB/s. At QEMU’s defaults it never converges.',
    config: {
      name: 'Memory stress',
      guest: {
        'memory-mib': 2048,
        vcpus: 2,
        'zero-fraction': 0,
        workloads: [
          { vcpus: 'all', pattern: 'sequential', 'dirty-rate-mibps': 512, 'io-exits-per-second': 0 }
        ]
      }
    }
  }
]

export function findPreset(id: string): ConfigPreset | undefined {
  return CONFIG_PRESETS.find((preset) => preset.id === id)
}

/** The name of a config edited from `preset` (a preset's name names the preset's config only). */
export function editedPresetName(preset: Pick<ConfigPreset, 'name'>): string {
  return `edited from ${preset.name}`
}

/**
 * The name a draft started from `preset` should carry after an edit: while its name is still
 * the preset's own (or the edited form of it), the preset's name when the draft is again exactly
 * the preset's config, else "edited from <preset>" — so that Live, History, Compare, sweeps and
 * reports do not label an 8 GiB auto-converge run "QEMU defaults". A name the user typed stays.
 */
export function nameAfterEdit(preset: ConfigPreset, draft: Readonly<Record<string, unknown>>): unknown {
  const name = draft.name
  const edited = editedPresetName(preset)
  if (name !== preset.name && name !== edited) return name
  // Compared as parsed configs: a field set back to its value, or to the default the preset
  // leaves in place, is the preset's config again.
  const mine = parseConfig({ ...draft, name: preset.name })
  const its = parseConfig(preset.config)
  const same = mine.ok && its.ok && canonicalConfigJson(mine.config) === canonicalConfigJson(its.config)
  return same ? preset.name : edited
}
