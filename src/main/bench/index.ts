/**
 * Benchmark scenarios (issue 3 and 4 targets), run one per process by scripts/bench.mjs so each
 * peak-memory figure (VmHWM) belongs to one scenario. Prints one JSON line of figures.
 */
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { NodeProcessHost } from '../process/node-host'
import { EnginePool } from '../process/engine-pool'
import { RUN_POOL_IDLE_MS, RUN_POOL_MAX_IDLE } from '../lab/handlers/runs'
import { runMigration } from '../lab/run'
import { benchHistory } from '../storage/bench'
import { openHistory } from '../storage'
import { SweepRunner } from '../lab/sweep-runner'
import { historyConfigJson } from '../lab/resources'
import type { RunTelemetry } from '../../shared/result'

const GIB = 1024

/** The 64 GiB / 16 vCPU case every `large-*` scenario shares; they differ in their migration. */
const LARGE_WORKLOAD = {
  vcpus: 'all',
  pattern: 'uniform',
  'dirty-rate-mibps': 64,
  'working-set-mib': 8 * GIB
}
const LARGE_GUEST = {
  guest: { 'memory-mib': 64 * GIB, vcpus: 16, workloads: [LARGE_WORKLOAD] },
  network: { 'bandwidth-mbps': 10_000 }
}

export const SCENARIOS: Record<string, { title: string; config: Record<string, unknown> }> = {
  default: { title: 'Default config (4 GiB, 2 vCPUs)', config: {} },
  'large-uniform': {
    title: '64 GiB, 16 vCPUs, uniform 64 MiB/s per vCPU over 8 GiB, 10 Gbit/s, max-bandwidth 1 GiB/s',
    config: {
      ...LARGE_GUEST,
      migration: { parameters: { 'max-bandwidth': 1024 ** 3 } }
    }
  },
  'large-xbzrle': {
    title:
      '64 GiB, 16 vCPUs, uniform 64 MiB/s per vCPU over 8 GiB in 8-byte writes, 10 Gbit/s, max-bandwidth 1 GiB/s, xbzrle with a 1 GiB cache',
    config: {
      guest: { ...LARGE_GUEST.guest, workloads: [{ ...LARGE_WORKLOAD, 'bytes-per-write': 8 }] },
      network: LARGE_GUEST.network,
      migration: {
        capabilities: { xbzrle: true },
        parameters: { 'max-bandwidth': 1024 ** 3, 'xbzrle-cache-size': 1024 ** 3 }
      }
    }
  },
  'large-multifd': {
    title:
      '64 GiB, 16 vCPUs, uniform 64 MiB/s per vCPU over 8 GiB, 10 Gbit/s, max-bandwidth 1 GiB/s, multifd with 4 channels',
    config: {
      ...LARGE_GUEST,
      migration: {
        capabilities: { multifd: true },
        parameters: { 'max-bandwidth': 1024 ** 3, 'multifd-channels': 4 }
      }
    }
  },
  'large-postcopy': {
    title:
      '64 GiB, 16 vCPUs, uniform 64 MiB/s per vCPU over 8 GiB, 10 Gbit/s, max-bandwidth 1 GiB/s, postcopy-ram + postcopy-preempt after 3 syncs',
    config: {
      ...LARGE_GUEST,
      migration: {
        capabilities: { 'postcopy-ram': true, 'postcopy-preempt': true },
        parameters: { 'max-bandwidth': 1024 ** 3 },
        policy: { 'postcopy-after-syncs': 3 }
      }
    }
  },
  'huge-idle': {
    title: '1 TiB, 64 vCPUs, mostly idle (90 % zero pages, 64 MiB hot spots), 100 Gbit/s, no rate limit',
    config: {
      guest: {
        'memory-mib': 1024 * GIB,
        vcpus: 64,
        'zero-fraction': 0.9,
        workloads: [{ pattern: 'hotspot', 'dirty-rate-mibps': 1, 'working-set-mib': 64 }]
      },
      network: { 'bandwidth-mbps': 100_000 },
      migration: { parameters: { 'max-bandwidth': 0 }, policy: { 'max-time-ms': 3_600_000 } }
    }
  }
}

function peakRssBytes(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss
}

/** Pages the guest wrote, from the per-vCPU throughput series (MiB/s per bucket). */
function pagesWritten(telemetry: RunTelemetry, pageSize: number): number {
  let mib = 0
  for (const s of telemetry.throughput) for (const v of s['mib-per-s']) mib += (v * s['bucket-ms']) / 1000
  return Math.round((mib * 1024 * 1024) / pageSize)
}

/**
 * One run of a scenario, timed from the call to its result: processes started for it (the command
 * line's `run`). `NAME-warm`: the run again in an open lab, on the engine processes the first
 * (untimed) run left, as the lab host keeps them (src/main/lab/handlers/runs.ts).
 */
export async function benchScenario(name: string): Promise<Record<string, unknown>> {
  const warm = name.endsWith('-warm')
  const scenario = SCENARIOS[warm ? name.slice(0, -'-warm'.length) : name]
  if (!scenario)
    throw new Error(
      `unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}, each also as NAME-warm`
    )
  const host = new NodeProcessHost()
  const pool = warm
    ? new EnginePool(host, { maxIdle: RUN_POOL_MAX_IDLE, idleTimeoutMs: RUN_POOL_IDLE_MS })
    : undefined
  if (pool) await runMigration(scenario.config, { host, pool })
  const t0 = performance.now()
  const { result, telemetry } = await runMigration(scenario.config, { host, ...(pool ? { pool } : {}) })
  const wallMs = performance.now() - t0
  await pool?.drain()
  const virtualMs = result.lab['virtual-time-ms']
  const written = pagesWritten(telemetry, result.ram['page-size'])
  return {
    scenario: name,
    title: warm ? `${scenario.title}; again in an open lab, on the first run's processes` : scenario.title,
    status: result.status,
    verified: result.lab.verified,
    'dirty-sync-count': result.ram['dirty-sync-count'],
    'downtime-ms': result.downtime ?? null,
    'virtual-ms': virtualMs,
    'wall-ms': Math.round(wallMs),
    'speed-up': Math.round((virtualMs / wallMs) * 10) / 10,
    'peak-rss-mib': Math.round(peakRssBytes() / 1024 / 1024),
    'pages-written': written,
    'pages-written-per-wall-s': Math.round(written / (wallMs / 1000)),
    'pages-sent': result.ram.normal + result.ram.duplicate
  }
}

/** A sweep of `runs` default-config runs (repetitions with distinct seeds), recorded in a fresh history. */
async function benchSweep(runs: number): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'lab-bench-'))
  const history = openHistory(join(dir, 'history.db'), { canonicalConfigJson: historyConfigJson })
  const host = new NodeProcessHost()
  try {
    let status = 'unknown'
    const runner = new SweepRunner({ history, host, onFinished: (f) => (status = f.status) })
    const t0 = performance.now()
    // One varied value, repeated: `runs` runs of the default config, each with its own seed.
    const started = runner.start({
      name: 'bench',
      baseConfig: {},
      vary: [{ path: 'migration.parameters.downtime-limit', values: [300] }],
      repeat: runs,
      seeding: 'independent'
    })
    await runner.whenFinished(started.experimentId)
    const wallMs = performance.now() - t0
    return {
      scenario: `sweep-${runs}`,
      title: `A ${runs}-run sweep of the default config, ${started.parallel} at a time`,
      status,
      'wall-ms': Math.round(wallMs),
      'runs-per-s': Math.round((runs / (wallMs / 1000)) * 10) / 10,
      'peak-rss-mib': Math.round(peakRssBytes() / 1024 / 1024)
    }
  } finally {
    await host.killAll()
    history.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Median wall time (ms) of `node ARGS`, each a fresh process (as a user starts the command line). */
function medianNodeWallMs(args: readonly string[], times: number): number {
  const walls: number[] = []
  for (let i = 0; i < times; i++) {
    const t0 = performance.now()
    const r = spawnSync(process.execPath, [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    walls.push(performance.now() - t0)
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  }
  walls.sort((x, y) => x - y)
  return Math.round(walls[Math.floor(walls.length / 2)] ?? 0)
}

/** Start-up of the command line: `--help`, `defaults` and a default run end to end (recorded and not). */
function benchCli(): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'lab-bench-'))
  try {
    const config = join(dir, 'default.json')
    writeFileSync(config, '{}\n')
    const db = join(dir, 'history.db')
    const times = 7
    const bin = resolve(process.cwd(), 'bin/migration-lab.mjs')
    const cli = (...args: string[]): number => medianNodeWallMs([bin, ...args], times)
    return {
      scenario: 'cli',
      title: `Command line start-up (median of ${times} fresh processes; node alone for scale)`,
      'node-e-0-ms': medianNodeWallMs(['-e', '0'], times),
      'help-ms': cli('--help'),
      'defaults-ms': cli('defaults'),
      'run-default-no-db-ms': cli('run', config, '--no-db'),
      'run-default-recorded-ms': cli('run', config, '--db', db)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  const name = process.argv[2] ?? 'default'
  const sweep = /^sweep-(\d+)$/.exec(name)
  if (sweep) {
    process.stdout.write(JSON.stringify(await benchSweep(Number(sweep[1]))) + '\n')
    return
  }
  if (name === 'cli') {
    process.stdout.write(JSON.stringify(benchCli()) + '\n')
    return
  }
  if (name === 'history') {
    const dir = mkdtempSync(join(tmpdir(), 'lab-bench-'))
    try {
      process.stdout.write(JSON.stringify({ scenario: 'history', ...(await benchHistory(dir)) }) + '\n')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    return
  }
  process.stdout.write(JSON.stringify(await benchScenario(name)) + '\n')
}

main().catch((e) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`)
  process.exitCode = 1
})
