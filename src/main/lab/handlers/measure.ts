import { parseConfig, type LabConfig } from '../../../shared/config'
import { LabFailure, labError, toLabError, type LabError } from '../../../shared/errors'
import type { MeasuredRun } from '../../../shared/guestperf'
import type {
  ActiveMeasurement,
  CalibrationOutcome,
  MeasureCancelled,
  MeasureStarted
} from '../../../shared/protocol/lab-api-measure'
import type { ProgressSample, TimelineEvent } from '../../../shared/result'
import { calibrateHost, loadMeasuredRuns } from '../../measure/calibrate'
import { measureMigration, measureProblems, type MeasureOptions } from '../../measure/measure'
import { kvmUsable, qemuBinaryVersion, resolveQemuBinary } from '../../measure/qemu'
import { measureSupport } from '../../measure/support'
import type { HistoryDb } from '../../storage'
import { cancelAndWait } from '../cancel-all'
import { HostPresetStore } from '../host-presets'
import { runParsedMigration } from '../run'
import type { LabHandlers, LabService } from '../service'
import { openHistoryOf } from './history'
import { TelemetryForwarder } from './runs'

/**
 * The measured-run path of the LabApi (src/shared/protocol/lab-api-measure.ts): the same
 * measurement as `migration-lab measure` (src/main/measure/measure.ts), started from a page, its
 * progress pushed as events, recorded in the history as the command line records it
 * (HistoryDb.recordMeasuredRun); and `calibrate` (src/main/measure/calibrate.ts) on measured runs,
 * with the fit saved as a host preset.
 *
 * One measurement at a time on a lab host: under TCG each QEMU takes a whole CPU, and a second
 * pair on the same cores would make both measurements measure each other.
 */

/** The measurement itself, replaceable in tests that need a QEMU that never answers. */
export type MeasureEngine = (config: LabConfig, opts: MeasureOptions) => Promise<MeasuredRun>

export interface MeasureHandlerOptions {
  /** Default: measureMigration. */
  readonly measure?: MeasureEngine
  /** Where the guest is cached (default: <user data dir>/guest). */
  readonly guestDir?: string
  /** Environment for the QEMU lookup ($MIGRATION_LAB_QEMU, PATH); default process.env. */
  readonly env?: NodeJS.ProcessEnv
}

type MeasureHandlers = Pick<
  LabHandlers,
  | 'measure.support'
  | 'measure.start'
  | 'measure.active'
  | 'measure.cancel'
  | 'measure.calibrate'
  | 'hostPresets.list'
  | 'hostPresets.save'
>

interface RunningMeasurement {
  readonly started: MeasureStarted
  readonly config: LabConfig
  readonly abort: AbortController
  /** What the pages were sent so far, for a page that comes later (measure.active). */
  readonly progress: ProgressSample[]
  readonly timeline: TimelineEvent[]
  timeMs: number
  line: string | null
  done: Promise<void>
}

export function measureHandlers(service: LabService, options: MeasureHandlerOptions = {}): MeasureHandlers {
  const measurements = new MeasurementManager(service, options)
  const presets = new HostPresetStore(service.deps.hostPresetsFile)
  let calibrating = false
  service.onShutdown(() => measurements.stopAll())
  return {
    'measure.support': async () => {
      const support = await measureSupport({
        ...(options.guestDir !== undefined ? { guestDir: options.guestDir } : {}),
        ...(options.env !== undefined ? { env: options.env } : {})
      })
      return measurements.kvmDidNotBoot
        ? {
            ...support,
            accel: 'tcg' as const,
            warnings: [
              ...support.warnings,
              'KVM did not boot the guest on this host in an earlier measurement: measurements without an accelerator use TCG until the lab host restarts'
            ]
          }
        : support
    },
    'measure.start': (params) => measurements.start(params.config, params.verify === true, params.accel),
    'measure.active': () => ({ measurement: measurements.current() }),
    'measure.cancel': (params) => measurements.cancel(params.measurementId),
    'measure.calibrate': async (params) => {
      if (calibrating)
        throw new LabFailure(
          labError('ResourceLimit', 'A calibration is already running on this lab host; wait for it to end.')
        )
      calibrating = true
      try {
        return await calibrate(service, params.runIds, params.maxEvaluations)
      } finally {
        calibrating = false
      }
    },
    'hostPresets.list': () => ({ presets: presets.list() }),
    'hostPresets.save': (params) => presets.save(params.name, params.host)
  }
}

class MeasurementManager {
  private readonly active = new Map<number, RunningMeasurement>()
  private nextId = 1
  private readonly measure: MeasureEngine
  /**
   * A measurement that chose KVM by default fell back to TCG: the guest does not boot under this
   * host's KVM (a nested KVM can open /dev/kvm and still stall the guest, docs/measured-runs.md).
   * Later ones go straight to TCG instead of waiting 20 s for the same outcome again.
   */
  kvmDidNotBoot = false

  constructor(
    private readonly service: LabService,
    private readonly options: MeasureHandlerOptions
  ) {
    this.measure = options.measure ?? measureMigration
  }

  /**
   * Checks what can be checked at once — the config, the lab's guest, the QEMU binary, KVM — so
   * the page gets those problems as the reply, then measures in the background.
   */
  start(input: unknown, verify: boolean, accel: 'kvm' | 'tcg' | undefined): MeasureStarted {
    if (this.active.size > 0)
      throw new LabFailure(
        labError(
          'ResourceLimit',
          'A measured run is already running on this lab host, one at a time (each QEMU takes a whole CPU under TCG). Wait for it to end or cancel it.'
        )
      )
    const parsed = parseConfig(input)
    if (!parsed.ok) throw new LabFailure(parsed.error)
    const config = parsed.config
    const problems = measureProblems(config)
    if (problems.length > 0)
      throw new LabFailure(
        labError('Validation', `This config cannot be measured on the lab's guest.`, problems)
      )
    const qemu = resolveQemuBinary(undefined, this.options.env ?? process.env)
    const qemuVersion = qemuBinaryVersion(qemu)
    if (accel === 'kvm' && !kvmUsable())
      throw new LabFailure(
        labError('Validation', 'accel kvm: /dev/kvm is missing or not usable by this user')
      )
    const measurementId = this.nextId++
    const chosen = accel ?? (this.kvmDidNotBoot ? 'tcg' : undefined)
    const started: MeasureStarted = {
      measurementId,
      qemuVersion,
      accel: chosen ?? (kvmUsable() ? 'kvm' : 'tcg'),
      verify
    }
    const run: RunningMeasurement = {
      started,
      config,
      abort: new AbortController(),
      progress: [],
      timeline: [],
      timeMs: 0,
      line: null,
      done: Promise.resolve()
    }
    this.active.set(measurementId, run)
    run.done = this.execute(run, config, { qemu, verify, ...(chosen !== undefined ? { accel: chosen } : {}) })
    return started
  }

  /** The running measurement with what it streamed so far, or null. */
  current(): ActiveMeasurement | null {
    const run = [...this.active.values()][0]
    if (!run) return null
    return {
      ...run.started,
      config: run.config as unknown as Record<string, unknown>,
      line: run.line,
      telemetry: {
        'time-ms': run.timeMs,
        progress: [...run.progress],
        throughput: [],
        timeline: [...run.timeline]
      }
    }
  }

  private async execute(
    run: RunningMeasurement,
    config: LabConfig,
    opts: Pick<MeasureOptions, 'qemu' | 'verify' | 'accel'>
  ): Promise<void> {
    const { measurementId } = run.started
    const forwarder = new TelemetryForwarder((batch) =>
      this.service.emit('measure.telemetry', { measurementId, batch })
    )
    let outcome: { result: MeasuredRun['result']; runId: number | null } | { error: LabError }
    try {
      // Let the reply to measure.start go out before the first event.
      await new Promise<void>((resolve) => setImmediate(resolve))
      const measured = await this.measure(config, {
        ...opts,
        ...(this.options.guestDir !== undefined ? { guestDir: this.options.guestDir } : {}),
        signal: run.abort.signal,
        onProgress: (line, kind) => {
          if (kind !== 'phase') return
          run.line = line
          this.service.emit('measure.progress', { measurementId, line })
        },
        onTelemetry: (batch) => {
          run.timeMs = Math.max(run.timeMs, batch['time-ms'])
          run.progress.push(...batch.progress)
          run.timeline.push(...batch.timeline)
          forwarder.push(batch)
        }
      })
      forwarder.close()
      if (opts.accel === undefined && kvmUsable() && measured.result.lab.accel === 'tcg')
        this.kvmDidNotBoot = true
      const history: HistoryDb | undefined = this.service.deps.history
      const runId = history ? history.recordMeasuredRun(measured) : null
      outcome = { result: measured.result, runId }
    } catch (e) {
      outcome = { error: toLabError(e, 'QemuFailed') }
    }
    forwarder.close()
    this.active.delete(measurementId)
    if ('result' in outcome)
      this.service.emit('measure.finished', { measurementId, runId: outcome.runId, result: outcome.result })
    else this.service.emit('measure.failed', { measurementId, error: outcome.error })
  }

  cancel(measurementId: number): MeasureCancelled {
    const run = this.active.get(measurementId)
    if (run) {
      run.abort.abort()
      return { measurementId, cancelled: true }
    }
    if (measurementId >= 1 && measurementId < this.nextId) return { measurementId, cancelled: false }
    throw new LabFailure(labError('NotFound', `There is no measurement ${measurementId}.`))
  }

  /** Cancels every measurement and waits until its QEMUs are stopped and it is recorded. */
  async stopAll(): Promise<void> {
    await cancelAndWait(this.active.values(), (run) => run.done)
  }
}

/**
 * `calibrate` on a lab host: the same loading and fit as the command line, the candidate
 * simulations run by the host's engine processes (never in the thread that serves the pages).
 */
async function calibrate(
  service: LabService,
  runIds: readonly number[],
  maxEvaluations: number | undefined
): Promise<CalibrationOutcome> {
  const history = openHistoryOf(service, 'measured runs cannot be read')
  const host = service.deps.processHost
  if (!host)
    throw new LabFailure(
      labError(
        'Internal',
        'This lab host cannot start engine processes (it was started without a process host).'
      )
    )
  const runs = loadMeasuredRuns(history, runIds)
  const fit = await calibrateHost(
    runs,
    maxEvaluations !== undefined ? { maxEvaluations } : {},
    async (config) => (await runParsedMigration(config, { host })).result
  )
  return {
    start: runs[0]!.config.host,
    host: fit.host,
    evaluations: fit.evaluations,
    loss: { before: fit.before.loss, after: fit.after.loss },
    runs: runs.map((r, i) => ({
      runId: r.runId,
      label: r.label,
      before: fit.before.figures[i]!,
      after: fit.after.figures[i]!
    }))
  }
}
