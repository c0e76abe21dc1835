import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import { parseConfig, type LabConfig } from '../../../shared/config'
import type { LabError } from '../../../shared/errors'
import type { LabEventMessage } from '../../../shared/protocol/lab-api'
import type { RunSnapshot } from '../../../shared/protocol/lab-api-runs'
import type { MeasureStarted } from '../../../shared/protocol/lab-api-measure'
import type { TelemetryBatch } from '../../../shared/protocol/migration'
import type { MigrationResult } from '../../../shared/result'
import { RunData } from '../charts/run-data'
import { labClient } from '../services/lab-api'

/**
 * The live run: what was started, the telemetry received so far, and the playback clock.
 *
 * The engine computes a migration in virtual time far faster than real time (a 40 s migration in
 * a fraction of a second). The screen replays what it received against virtual time at 1× or 10×
 * real time, or shows it as it arrives (max). The playhead advances at most 10 times a second;
 * telemetry lives in a non-reactive RunData (style.md rule 15) and a version counter tells the
 * charts it grew.
 */

export type PlaybackSpeed = 1 | 10 | 'max'
export const PLAYBACK_SPEEDS: readonly PlaybackSpeed[] = [1, 10, 'max']
/** The playhead moves at most this often (issue 5: ≤ 10 updates a second). */
export const PLAYBACK_TICK_MS = 100
export const SPEED_STORAGE_KEY = 'migration-lab.live.speed'

/**
 * `starting`: runs.start sent; `running`: the engine computes; the others are how it ended.
 * `failed` has an error and no result.
 */
export type RunPhase = 'idle' | 'starting' | 'running' | 'completed' | 'cancelled' | 'failed'

/**
 * The playback clock as a pure function: virtual ms shown at wall time `nowMs`, given where it was
 * anchored and how far the data goes. It never passes what was received, and `max` shows all of it.
 */
export function playheadAt(
  anchor: { wallMs: number; virtualMs: number },
  nowMs: number,
  speed: PlaybackSpeed,
  reachedMs: number
): number {
  if (speed === 'max') return reachedMs
  const virtual = anchor.virtualMs + Math.max(0, nowMs - anchor.wallMs) * speed
  return Math.min(virtual, reachedMs)
}

function storedSpeed(): PlaybackSpeed {
  try {
    const text = window.localStorage.getItem(SPEED_STORAGE_KEY)
    if (text === 'max') return 'max'
    if (text === '1') return 1
  } catch {
    // Storage unavailable: use the default.
  }
  return 10
}

export const useRunStore = defineStore('run', () => {
  const client = labClient()

  const runId = ref<number | null>(null)
  const phase = ref<RunPhase>('idle')
  /** The config that runs (fully defaulted). */
  const config = shallowRef<LabConfig | null>(null)
  const result = shallowRef<MigrationResult | null>(null)
  const error = shallowRef<LabError | null>(null)
  /** A runs.start or runs.get that the host refused (shown where the user asked). */
  const startError = shallowRef<LabError | null>(null)
  const data = shallowRef<RunData>(markRaw(new RunData()))
  /** Bumped whenever `data` grows. */
  const dataVersion = ref(0)
  const speed = ref<PlaybackSpeed>(storedSpeed())
  const playheadMs = ref(0)
  const cancelling = ref(false)
  /** Reopened from the history (no playback). */
  const reopened = ref(false)
  /**
   * A measured run on a real QEMU (measure.start), while it goes and after: its measurement id,
   * the QEMU and the accelerator. Its history run id (`runId`) is known once it is recorded.
   */
  const measured = shallowRef<MeasureStarted | null>(null)
  /** The measurement's latest progress line (guest build, boot, migration state). */
  const measureLine = ref<string | null>(null)

  const engineRunning = computed(() => phase.value === 'starting' || phase.value === 'running')
  const engineDone = computed(
    () => phase.value === 'completed' || phase.value === 'cancelled' || phase.value === 'failed'
  )
  /** The virtual ms the run ends at, once the engine is done. */
  const endMs = computed(() => {
    void dataVersion.value
    const total = result.value?.['total-time'] ?? 0
    return Math.max(data.value.endMs, total)
  })
  /**
   * Esc stops what the user is watching: a run the engine still computes, or one it finished
   * that the screen is still replaying (the host cuts it back to the moment on screen).
   */
  const canCancel = computed(() =>
    measured.value !== null
      ? engineRunning.value && !cancelling.value
      : runId.value !== null &&
        !cancelling.value &&
        !reopened.value &&
        (engineRunning.value || (engineDone.value && phase.value !== 'failed' && !playbackDone.value))
  )
  /** Playback reached the end of a finished run: time for the summary. */
  const playbackDone = computed(() => engineDone.value && playheadMs.value >= endMs.value)
  const vcpuCount = computed(() => config.value?.guest.vcpus ?? 0)

  let anchor = { wallMs: Date.now(), virtualMs: 0 }
  /** While a cancel goes, the playhead stays at the moment the user cancelled. */
  let frozenAtMs: number | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  /** Events that arrived before runs.start answered (their run id was not known yet). */
  let early: LabEventMessage[] = []

  function reachedMs(): number {
    return engineDone.value ? endMs.value : data.value.reachedMs
  }

  /** Moves the playhead to wall time `nowMs` (the loop calls it; tests call it with their clock). */
  function advance(nowMs: number = Date.now()): void {
    const reached = Math.min(reachedMs(), frozenAtMs ?? Infinity)
    const next = playheadAt(anchor, nowMs, speed.value, reached)
    // When the data stalls the playhead waits, then resumes from there (no jump).
    if (speed.value !== 'max' && next >= reached) anchor = { wallMs: nowMs, virtualMs: reached }
    if (next !== playheadMs.value) playheadMs.value = next
  }

  function loop(): void {
    timer = undefined
    advance()
    if (!playbackDone.value && phase.value !== 'idle') timer = setTimeout(loop, PLAYBACK_TICK_MS)
  }

  function ensureLoop(): void {
    if (timer === undefined && !playbackDone.value && phase.value !== 'idle')
      timer = setTimeout(loop, PLAYBACK_TICK_MS)
  }

  function stopLoop(): void {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
  }

  /** Plays at `next` from now on; `remember`: also for the next runs and visits (the user's choice). */
  function setSpeed(next: PlaybackSpeed, remember = true): void {
    const now = Date.now()
    advance(now)
    anchor = { wallMs: now, virtualMs: playheadMs.value }
    speed.value = next
    if (remember)
      try {
        window.localStorage.setItem(SPEED_STORAGE_KEY, String(next))
      } catch {
        // Not remembered.
      }
    advance(now)
    ensureLoop()
  }

  /** Shows everything received at once (and the summary, if the run is over). */
  function skipToEnd(): void {
    // This run only: skipping is not choosing a speed (it silently became max for every run).
    setSpeed('max', false)
  }

  function reset(next: LabConfig | null): void {
    stopLoop()
    // A new run plays at the speed the user chose (not one a skip set for the last run).
    speed.value = storedSpeed()
    data.value = markRaw(new RunData(next?.guest['page-size'] ?? 4096))
    dataVersion.value++
    result.value = null
    error.value = null
    startError.value = null
    cancelling.value = false
    frozenAtMs = undefined
    reopened.value = false
    measured.value = null
    measureLine.value = null
    config.value = next
    playheadMs.value = 0
    anchor = { wallMs: Date.now(), virtualMs: 0 }
  }

  function handle(message: LabEventMessage): void {
    if (message.event.startsWith('measure.') && !(phase.value === 'starting' && measured.value === null)) {
      handleMeasure(message)
      return
    }
    if (
      message.event !== 'run.telemetry' &&
      message.event !== 'run.finished' &&
      message.event !== 'run.failed'
    )
      return
    if (phase.value === 'starting' && runId.value === null) {
      early.push(message)
      return
    }
    if (message.payload.runId !== runId.value || (!engineRunning.value && !cancelling.value)) return
    if (message.event === 'run.telemetry') appendBatch(message.payload.batch)
    else if (message.event === 'run.finished' && frozenAtMs !== undefined) {
      // A cancel is on its way: this is the record of the run cut back to the moment on screen,
      // or the run's own end that crossed the cancel (showCut tells which).
      void showCut(message.payload.runId, message.payload.result)
      return
    } else if (message.event === 'run.finished') endWith(message.payload.result)
    else failWith(message.payload.error)
    advance()
    ensureLoop()
  }

  function appendBatch(batch: TelemetryBatch): void {
    data.value.append(batch)
    dataVersion.value++
  }
  function endWith(ended: MigrationResult): void {
    result.value = ended
    phase.value = ended.status
    cancelling.value = false
    dataVersion.value++
  }
  function failWith(failure: LabError): void {
    error.value = failure
    phase.value = 'failed'
    cancelling.value = false
  }

  /** A measured run's events: the same telemetry as a simulated run's, drawn as it comes. */
  function handleMeasure(message: LabEventMessage): void {
    const current = measured.value
    if (
      !current ||
      (message.event !== 'measure.progress' &&
        message.event !== 'measure.telemetry' &&
        message.event !== 'measure.finished' &&
        message.event !== 'measure.failed') ||
      message.payload.measurementId !== current.measurementId ||
      !engineRunning.value
    )
      return
    if (message.event === 'measure.progress') measureLine.value = message.payload.line
    else if (message.event === 'measure.telemetry') appendBatch(message.payload.batch)
    else if (message.event === 'measure.finished') {
      const recorded = message.payload.runId
      runId.value = recorded
      endWith(message.payload.result)
      // The recorded run holds the whole mapping (the guest's write rate, every sync record).
      if (recorded !== null) void reloadRecorded(recorded, current)
    } else if (message.payload.error.kind === 'Cancelled') {
      // Cancelled before `migrate` (the guest build, the boot): nothing was measured or recorded.
      error.value = message.payload.error
      phase.value = 'cancelled'
      cancelling.value = false
    } else failWith(message.payload.error)
    advance()
    ensureLoop()
  }

  async function reloadRecorded(id: number, which: MeasureStarted): Promise<void> {
    const outcome = await client.call('runs.get', { runId: id })
    if (!outcome.ok || measured.value !== which) return
    data.value = markRaw(RunData.fromSnapshot(outcome.value, config.value?.guest['page-size'] ?? 4096))
    dataVersion.value++
    advance()
  }

  let listening = false
  function listen(): void {
    if (listening) return
    listening = true
    client.onEvent(handle)
  }

  /**
   * Starts a run of `input` (any config; the host validates it). Resolves with the error when the
   * host refused it, else null — the run then goes on and its events fill the store.
   */
  async function start(input: Record<string, unknown>, seed?: number): Promise<LabError | null> {
    beginStart(input)
    const outcome = await client.call(
      'runs.start',
      seed === undefined ? { config: input } : { config: input, seed }
    )
    if (!outcome.ok) return refused(outcome.error)
    runId.value = outcome.value.runId
    started()
    return null
  }

  /** The store as a new run of `input` is asked for (its events are kept until the reply). */
  function beginStart(input: Record<string, unknown>): void {
    listen()
    const parsed = parseConfig(input)
    reset(parsed.ok ? parsed.config : null)
    runId.value = null
    phase.value = 'starting'
    early = []
  }
  function refused(failure: LabError): LabError {
    phase.value = 'idle'
    startError.value = failure
    return failure
  }
  /** The host took the run: it runs, and the events that came before the reply are its. */
  function started(): void {
    phase.value = 'running'
    const pending = early
    early = []
    for (const message of pending) handle(message)
    ensureLoop()
  }

  /**
   * Measures `input` on a real QEMU of the lab host (measure.start). Resolves with the error when
   * the host refused it (no QEMU, a config the lab's guest cannot be, …), else null. The data
   * arrives in real time, so it is shown as it comes (speed max, not remembered).
   */
  async function startMeasured(
    input: Record<string, unknown>,
    opts: { verify?: boolean; accel?: 'kvm' | 'tcg' } = {}
  ): Promise<LabError | null> {
    beginStart(input)
    const outcome = await client.call('measure.start', {
      config: input,
      verify: opts.verify === true,
      ...(opts.accel !== undefined ? { accel: opts.accel } : {})
    })
    if (!outcome.ok) return refused(outcome.error)
    measured.value = outcome.value
    speed.value = 'max'
    started()
    return null
  }

  /**
   * Picks up the measurement running on the lab host (measure.active), e.g. after a reload: what
   * it streamed so far, then its events as they come. Resolves true when there was one.
   */
  async function attachMeasured(): Promise<boolean> {
    listen()
    const outcome = await client.call('measure.active', {})
    if (!outcome.ok || !outcome.value.measurement || phase.value !== 'idle') return false
    const { config: ran, line, telemetry, ...started } = outcome.value.measurement
    const parsed = parseConfig(ran)
    reset(parsed.ok ? parsed.config : null)
    runId.value = null
    measured.value = started
    measureLine.value = line
    speed.value = 'max'
    appendBatch(telemetry)
    phase.value = 'running'
    ensureLoop()
    advance()
    return true
  }

  /**
   * Stops the run at the moment on screen (migrate_cancel): the engine has usually gone far
   * beyond it, so the host ends the run at that virtual time and records it as it was then; the
   * playhead waits there until the record arrives.
   */
  async function cancel(): Promise<void> {
    if (!canCancel.value) return
    if (measured.value) {
      // A real migration: migrate_cancel now; measure.finished brings it as cancelled.
      cancelling.value = true
      const outcome = await client.call('measure.cancel', { measurementId: measured.value.measurementId })
      if (!outcome.ok || !outcome.value.cancelled) {
        cancelling.value = false
        if (!outcome.ok) error.value = outcome.error
      }
      return
    }
    if (runId.value === null) return
    advance()
    cancelling.value = true
    frozenAtMs = playheadMs.value
    const outcome = await client.call('runs.cancel', { runId: runId.value, atVirtualMs: frozenAtMs })
    if (!outcome.ok || !outcome.value.cancelled) {
      // Refused, or the run had ended before that moment: nothing changes, playback goes on.
      cancelling.value = false
      frozenAtMs = undefined
      if (!outcome.ok) error.value = outcome.error
      anchor = { wallMs: Date.now(), virtualMs: playheadMs.value }
      ensureLoop()
    }
  }

  /**
   * A run.finished that came while a cancel was on its way (`finished`, its result). Usually the
   * host cut the run back to the moment on screen and this is that record. But the run may have
   * ended on its own just as the user pressed Esc, its run.finished crossing the cancel: then the
   * host either cuts the ended run back now (runs.get finds it running again, and the cut's own
   * run.finished follows) or refused the cancel because the run had ended before that moment
   * (this is its end, shown as any end).
   */
  async function showCut(id: number, finished: MigrationResult): Promise<void> {
    const outcome = await client.call('runs.get', { runId: id })
    if (runId.value !== id) return
    if (!cancelling.value) {
      // Refused: the end is news only to a page that still had the engine running.
      if (engineRunning.value) {
        endWith(finished)
        advance()
        ensureLoop()
      }
      return
    }
    if (outcome.ok && outcome.value.status === 'running') return
    cancelling.value = false
    frozenAtMs = undefined
    if (!outcome.ok) {
      error.value = outcome.error
      phase.value = 'failed'
      return
    }
    const snapshot = outcome.value
    data.value = markRaw(RunData.fromSnapshot(snapshot, config.value?.guest['page-size'] ?? 4096))
    dataVersion.value++
    result.value = snapshot.result
    phase.value = snapshot.result?.status ?? 'cancelled'
    playheadMs.value = reachedMs()
    anchor = { wallMs: Date.now(), virtualMs: playheadMs.value }
  }

  /** Reopens a recorded run (from the history): everything at once, no playback. */
  async function open(id: number): Promise<LabError | null> {
    listen()
    const outcome = await client.call('runs.get', { runId: id })
    if (!outcome.ok) {
      startError.value = outcome.error
      return outcome.error
    }
    loadSnapshot(outcome.value)
    return null
  }

  function loadSnapshot(snapshot: RunSnapshot): void {
    const parsed = parseConfig(snapshot.config)
    reset(parsed.ok ? parsed.config : null)
    runId.value = snapshot.runId
    data.value = markRaw(RunData.fromSnapshot(snapshot, parsed.ok ? parsed.config.guest['page-size'] : 4096))
    dataVersion.value++
    result.value = snapshot.result
    reopened.value = true
    if (snapshot.status === 'running') phase.value = 'running'
    else if (snapshot.result) phase.value = snapshot.result.status
    else {
      phase.value = snapshot.status === 'cancelled' ? 'cancelled' : 'failed'
      error.value = snapshot.error ?? { kind: 'Internal', message: snapshot.reason ?? snapshot.status }
    }
    playheadMs.value = reachedMs()
    anchor = { wallMs: Date.now(), virtualMs: playheadMs.value }
    ensureLoop()
  }

  return {
    runId,
    phase,
    config,
    result,
    error,
    startError,
    data,
    dataVersion,
    speed,
    playheadMs,
    cancelling,
    reopened,
    measured,
    measureLine,
    engineRunning,
    engineDone,
    canCancel,
    endMs,
    playbackDone,
    vcpuCount,
    listen,
    start,
    startMeasured,
    attachMeasured,
    cancel,
    open,
    setSpeed,
    skipToEnd,
    advance,
    stopLoop
  }
})
