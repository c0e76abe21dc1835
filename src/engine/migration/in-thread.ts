import type { LabConfig } from '../../shared/config/schema'
import { appendTelemetry, emptyTelemetry } from '../../shared/engine/telemetry'
import { layoutGuest } from '../../shared/engine/workload'
import type { TelemetryBatch } from '../../shared/protocol/migration'
import type { MigrationResult, RunTelemetry } from '../../shared/result'
import { simulateMigration, type VcpuLink } from './simulator'
import { VcpuSimulator } from '../vcpu/simulator'

/** Fault-injection switches (tests only), the same ones the process hosts pass as testHooks. */
export interface EngineTestHooks {
  /** vCPU n loses its dirty log once, at a sync after the first pass. */
  readonly dropDirtyLogOfVcpu?: number
  /** The final sync merges nothing. */
  readonly skipFinalSync?: boolean
  /** Every XBZRLE cache hit is taken for an unchanged page and skipped (nothing sent). */
  readonly xbzrleSkipDelta?: boolean
  /** Pages queued to the multifd channels after the VM stopped never arrive. */
  readonly multifdSkipFinalSync?: boolean
  /** postcopy_start sends no discard bitmap (the destination reads stale pages). */
  readonly skipPostcopyDiscard?: boolean
}

export interface LocalRunOptions {
  readonly seed?: number
  readonly hooks?: EngineTestHooks
  readonly onTelemetry?: (batch: TelemetryBatch) => void
}

/**
 * The whole engine in the calling thread: one VcpuSimulator per vCPU, linked directly to the
 * migration thread. Same rules and same results as the process-per-vCPU run (src/main/lab/run.ts)
 * — the links only carry the same requests without ports. For tests and benchmarks.
 */
export async function runInThread(
  config: LabConfig,
  opts: LocalRunOptions = {}
): Promise<{ result: MigrationResult; telemetry: RunTelemetry }> {
  const seed = opts.seed ?? config.seed
  const layout = layoutGuest(config.guest)
  const links: VcpuLink[] = layout.vcpus.map((plan) => {
    const sim = new VcpuSimulator({
      plan,
      totalPages: layout.totalPages,
      nonZeroPages: layout.nonZeroPages,
      seed,
      dropDirtyLogOnce: opts.hooks?.dropDirtyLogOfVcpu === plan.vcpu,
      dirtyRingSize: config.guest['dirty-ring-size'],
      countWrites: config.migration.capabilities.xbzrle,
      // Replies are passed as they are: the log buffers the migration thread hands back are reused.
      reuseLogBuffers: true
    })
    return {
      movesBuffers: true,
      harvest: async (req) => sim.harvest(req),
      finish: async (req) => sim.finish(req),
      postcopyStart: async (req) => sim.postcopyStart(req),
      postcopyRun: async (req) => sim.postcopyRun(req),
      postcopyTouches: async () => sim.postcopyTouches()
    }
  })
  const telemetry = emptyTelemetry()
  const result = await simulateMigration({
    config,
    seed,
    links,
    hooks: {
      skipFinalSync: opts.hooks?.skipFinalSync,
      xbzrleSkipDelta: opts.hooks?.xbzrleSkipDelta,
      multifdSkipFinalSync: opts.hooks?.multifdSkipFinalSync,
      skipPostcopyDiscard: opts.hooks?.skipPostcopyDiscard
    },
    emit: (batch) => {
      appendTelemetry(telemetry, batch)
      opts.onTelemetry?.(batch)
    },
    wallClockMs: () => performance.now()
  })
  return { result, telemetry }
}
