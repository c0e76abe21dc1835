import { freemem } from 'node:os'
import { parseConfig } from '../../shared/config/parse'
import { checkRunResources } from '../../shared/config/resources'
import type { LabConfig } from '../../shared/config/schema'
import { LabFailure, labError, type LabError } from '../../shared/errors'
import { appendTelemetry, emptyTelemetry } from '../../shared/engine/telemetry'
import type { MigrationControlContract, TelemetryBatch } from '../../shared/protocol/migration'
import type { VcpuControlContract } from '../../shared/protocol/vcpu'
import type { MigrationResult, RunTelemetry } from '../../shared/result'
import type { ProcessHost } from '../process/host'
import type { EnginePool } from '../process/engine-pool'
import {
  onGroupFailure,
  startChild,
  stopAll,
  type StartOptions,
  type SupervisedChild
} from '../process/supervisor'

/** Fault injection for tests (internal): passed to the engine children as testHooks. */
export interface RunTestHooks {
  /** vCPU n loses its dirty log once, at a sync after the first pass (oracle test). */
  readonly dropDirtyLogOfVcpu?: number
  /** The final bitmap sync merges nothing (oracle test). */
  readonly skipFinalSync?: boolean
  /** vCPU n crashes (uncaught exception) when asked for its `crashAtHarvest`-th harvest (default 2). */
  readonly crashVcpu?: number
  readonly crashAtHarvest?: number
  /** vCPU n blocks its thread (answers nothing, not even heartbeats) at its `hangAtHarvest`-th harvest (default 2). */
  readonly hangVcpu?: number
  readonly hangAtHarvest?: number
}

export interface RunMigrationOptions {
  readonly host: ProcessHost
  /** Overrides the config's seed. */
  readonly seed?: number
  /** Aborting cancels the run like migrate_cancel: it resolves with status `cancelled`. */
  readonly signal?: AbortSignal
  /**
   * The run is cancelled by the user when its virtual clock reaches this time, ms (the engine is
   * deterministic: a re-run with the same config and seed stopped at T is the run as it was at T).
   */
  readonly stopAtVirtualMs?: number
  /** Each telemetry batch as it arrives (about one per dirty sync or per virtual second). */
  readonly onTelemetry?: (batch: TelemetryBatch) => void
  readonly testHooks?: RunTestHooks
  /** Memory the run may use; default: what the OS reports available. */
  readonly availableMemoryBytes?: number
  /** How long each engine process has to start. */
  readonly readyTimeoutMs?: number
  /** The engine processes' heartbeat (supervisor.ts defaults): a child that misses it is hung. */
  readonly heartbeatIntervalMs?: number
  readonly heartbeatTimeoutMs?: number
  /**
   * Where the engine processes come from and go back to after a clean end (a sweep's pool);
   * default: fresh processes, stopped after the run.
   */
  readonly pool?: EnginePool
}

export interface RunOutput {
  readonly result: MigrationResult
  readonly telemetry: RunTelemetry
}

/** What the result's reason and outcome say when the user cancelled. */
export const USER_CANCEL_REASON = 'the run was cancelled by the user'

/** How long to wait, after the migration process failed a run, for a sibling's crash report. */
const CRASH_REPORT_GRACE_MS = 1000

/**
 * Runs one migration (DESIGN.md §1): validates the config before any process starts, spawns one
 * vCPU process per guest vCPU and one migration process, links each vCPU to the migration process
 * with its own channel, runs, streams telemetry, returns the result and stops every child.
 *
 * Rejects with a LabFailure:
 * - `Validation` / `ResourceLimit` for a bad or too large config (no process started);
 * - `Cancelled` when `signal` was aborted before the run started;
 * - `ProcessCrashed` (or `StartupTimeout`, `ProtocolMismatch`) when an engine process fails: the
 *   run has no result then, because the lab cannot vouch for half a simulation; its siblings are
 *   stopped and no process is left behind.
 * A run cancelled by policy or by `signal` while it goes resolves with status `cancelled`.
 */
export async function runMigration(input: unknown, opts: RunMigrationOptions): Promise<RunOutput> {
  const parsed = parseConfig(input)
  if (!parsed.ok) throw new LabFailure(parsed.error)
  return runParsedMigration(parsed.config, opts)
}

/**
 * runMigration on a config already parsed at the boundary (the CLI's `run`, the LabApi's
 * `runs.start`, a sweep's plan): it is not parsed again on the way to the engine. The memory
 * check is made here, against what is available when the run starts.
 */
export async function runParsedMigration(config: LabConfig, opts: RunMigrationOptions): Promise<RunOutput> {
  const wallStartMs = performance.now()
  const tooLarge = checkRunResources(config, opts.availableMemoryBytes ?? availableMemoryBytes())
  if (tooLarge) throw new LabFailure(tooLarge)
  const seed = opts.seed ?? config.seed
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff)
    throw new LabFailure(
      labError('Validation', 'The seed must be an integer from 0 to 4294967295.', [`seed: ${seed}`])
    )
  if (opts.signal?.aborted)
    throw new LabFailure(labError('Cancelled', 'The run was cancelled before it started.'))

  const hooks = opts.testHooks ?? {}
  const vcpuHooks = definedOnly({
    dropDirtyLogOfVcpu: hooks.dropDirtyLogOfVcpu,
    crashVcpu: hooks.crashVcpu,
    crashAtHarvest: hooks.crashAtHarvest,
    hangVcpu: hooks.hangVcpu,
    hangAtHarvest: hooks.hangAtHarvest
  })
  const migrationHooks = definedOnly({ skipFinalSync: hooks.skipFinalSync })

  // Start every child; if one fails to start, stop the others.
  type Child = SupervisedChild<VcpuControlContract> | SupervisedChild<MigrationControlContract>
  const watch: Pick<StartOptions, 'readyTimeoutMs' | 'heartbeatIntervalMs' | 'heartbeatTimeoutMs'> = {
    readyTimeoutMs: opts.readyTimeoutMs,
    heartbeatIntervalMs: opts.heartbeatIntervalMs,
    heartbeatTimeoutMs: opts.heartbeatTimeoutMs
  }
  const spawns: StartOptions[] = [
    ...Array.from({ length: config.guest.vcpus }, (_, i) => ({
      role: 'vcpu' as const,
      name: `vcpu-${i}`,
      testHooks: vcpuHooks,
      ...watch
    })),
    { role: 'migration', name: 'migration', testHooks: migrationHooks, ...watch }
  ]
  const start = <C extends VcpuControlContract | MigrationControlContract>(
    o: StartOptions
  ): Promise<SupervisedChild<C>> => (opts.pool ? opts.pool.acquire<C>(o) : startChild<C>(opts.host, o))
  const vcpuStarts = spawns.slice(0, -1).map((o) => start<VcpuControlContract>(o))
  const migrationStart = start<MigrationControlContract>(spawns[config.guest.vcpus] as StartOptions)
  const started = await Promise.allSettled([...vcpuStarts, migrationStart])
  const children: Child[] = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const startFailure = started.find((s) => s.status === 'rejected')
  if (startFailure) {
    await stopAll(children)
    throw startFailure.reason instanceof LabFailure
      ? startFailure.reason
      : new LabFailure(labError('ProcessCrashed', String(startFailure.reason)))
  }
  const vcpus = children.slice(0, config.guest.vcpus) as SupervisedChild<VcpuControlContract>[]
  const migration = children[config.guest.vcpus] as SupervisedChild<MigrationControlContract>

  let groupFailure: LabError | undefined
  let onGroupFailed: (e: LabError) => void = () => {}
  const failed = new Promise<LabError>((resolve) => {
    onGroupFailed = resolve
  })
  const offFailure = onGroupFailure(children, (e) => {
    groupFailure ??= e
    onGroupFailed(e)
  })
  const telemetry = emptyTelemetry()
  const offTelemetry = migration.rpc.onEvent('telemetry', (batch) => {
    appendTelemetry(telemetry, batch)
    opts.onTelemetry?.(batch)
  })
  const cancel = (atVirtualMs?: number): Promise<unknown> =>
    migration.rpc
      .request('cancel', {
        reason: USER_CANCEL_REASON,
        ...(atVirtualMs === undefined ? {} : { atVirtualMs })
      })
      .catch(() => undefined)
  const onAbort = (): void => void cancel()
  opts.signal?.addEventListener('abort', onAbort, { once: true })

  // Only the children of a run that ended with a result go back to the pool.
  let clean = false
  try {
    const work = (async (): Promise<MigrationResult> => {
      // One channel per vCPU↔migration link; main hands the ports over and steps out of the
      // data path (DESIGN.md §1).
      const toMigration = []
      const inits: Promise<null>[] = []
      for (let i = 0; i < vcpus.length; i++) {
        const [vcpuSide, migrationSide] = opts.host.createChannel()
        toMigration.push(migrationSide)
        inits.push(vcpus[i].rpc.request('init', { config, seed, vcpu: i }, { ports: [vcpuSide] }))
      }
      await Promise.all(inits)
      await migration.rpc.request('init', { config, seed }, { ports: toMigration })
      if (opts.stopAtVirtualMs !== undefined) await cancel(opts.stopAtVirtualMs)
      if (opts.signal?.aborted) onAbort()
      return migration.rpc.request('run', null)
    })()
    const childFailed = failed.then((e) => Promise.reject(new LabFailure(e)))
    childFailed.catch(() => undefined) // a failure after the result is in is not this run's
    let result: MigrationResult
    try {
      result = await Promise.race([work, childFailed])
    } catch (e) {
      const error = e instanceof LabFailure ? e : new LabFailure(labError('Internal', String(e)))
      // The migration process usually sees a dead vCPU's link close before the supervisor
      // reports the crash; prefer the crash report, which names the child and the cause.
      if (!groupFailure && error.error.kind === 'ProcessCrashed')
        await Promise.race([failed, delay(CRASH_REPORT_GRACE_MS)])
      if (groupFailure) throw new LabFailure(groupFailure)
      throw error
    }
    result.lab['wall-time-ms'] = performance.now() - wallStartMs
    clean = groupFailure === undefined
    return { result, telemetry }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort)
    offTelemetry()
    offFailure()
    if (clean && opts.pool) await opts.pool.release(children, spawns)
    else await stopAll(children)
  }
}

/** What this machine can give a run, bytes. */
function availableMemoryBytes(): number {
  const measured = (process as { availableMemory?: () => number }).availableMemory?.()
  return typeof measured === 'number' && measured > 0 ? measured : freemem()
}

function definedOnly(o: Record<string, number | boolean | undefined>): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v
  return out
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
