import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLabResources, type LabResources } from '../../src/main/lab/resources'
import { LabService } from '../../src/main/lab/service'
import { NodeProcessHost } from '../../src/main/process/node-host'
import type { LabEventMessage, LabOutcome } from '../../src/shared/protocol/lab-api'
import type {
  ActiveMeasurement,
  CalibrationOutcome,
  HostPreset,
  MeasureFinishedEvent,
  MeasureStarted,
  MeasureSupport
} from '../../src/shared/protocol/lab-api-measure'
import type { RunSnapshot } from '../../src/shared/protocol/lab-api-runs'

// The measured-run path of the LabApi (src/main/lab/handlers/measure.ts) on the real QEMU that
// .ci/run installs, under TCG, with a real history database and the real engine for calibrate.
// Small idle guests at a high bandwidth keep each measurement to about 10 s (mostly the boot).

const ctx = { host: 'web' as const, clientId: 'test' }

/** 128 MiB idle at 64 MiB/s: about a second of migration. */
const SMALL_IDLE = {
  name: 'measure from the LabApi: idle 128 MiB',
  guest: { 'memory-mib': 128, vcpus: 1, workloads: [{ pattern: 'idle' }] },
  migration: { parameters: { 'max-bandwidth': 64 * 2 ** 20 } }
}
/** 256 MiB at 4 MiB/s: a minute of migration, to be cancelled. */
const SLOW = {
  name: 'measure from the LabApi: slow, cancelled',
  guest: { 'memory-mib': 256, vcpus: 1, workloads: [{ pattern: 'idle' }] },
  migration: { parameters: { 'max-bandwidth': 4 * 2 ** 20 } }
}

let dir: string
let resources: LabResources
let events: LabEventMessage[]

function service(env: NodeJS.ProcessEnv = process.env): LabService {
  const s = new LabService({
    appVersion: '0.0.0-test',
    platform: process.platform,
    processHost: resources.processHost,
    history: resources.history,
    hostPresetsFile: join(dir, 'host-presets.json'),
    measure: { env }
  })
  s.subscribe((message) => events.push(message))
  return s
}

function value<T>(outcome: LabOutcome<unknown>): T {
  if (!outcome.ok) throw new Error(`expected a value, got ${outcome.error.kind}: ${outcome.error.message}`)
  return outcome.value as T
}

/** The measurement's last event, finished or failed. */
async function ended(measurementId: number, timeoutMs = 180_000): Promise<LabEventMessage> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const last = events.find(
      (m) =>
        (m.event === 'measure.finished' || m.event === 'measure.failed') &&
        m.payload.measurementId === measurementId
    )
    if (last) return last
    if (Date.now() > deadline) throw new Error(`measurement ${measurementId} did not end`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Resolves once a live sample says the migration is active (past setup). */
async function untilActive(): Promise<void> {
  const deadline = Date.now() + 120_000
  while (
    !events.some(
      (m) => m.event === 'measure.telemetry' && m.payload.batch.progress.some((p) => p.status === 'active')
    )
  ) {
    if (Date.now() > deadline) throw new Error('the migration never became active')
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * QEMU processes this file's measurements started (none may outlive a measurement): their QMP
 * sockets lie in this file's temporary directory (TMPDIR is set to it in beforeAll).
 */
function qemuPids(): number[] {
  try {
    return execFileSync('pgrep', ['-f', `qemu-system-x86_64.*${dir}`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number)
  } catch {
    return []
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lab-measure-api-'))
  process.env.TMPDIR = dir
  resources = openLabResources({
    processHost: new NodeProcessHost({ log: () => {} }),
    historyFile: join(dir, 'history.db'),
    log: () => {}
  })
})

afterAll(async () => {
  await resources.close()
  await rm(dir, { recursive: true, force: true })
})

describe('measured runs from the LabApi', () => {
  let measuredRunId: number

  it('says this host can measure: the QEMU, its version, TCG or KVM, the guest', async () => {
    events = []
    const s = service()
    const support = value<MeasureSupport>(await s.handle('measure.support', {}, ctx))
    await s.shutdown()
    expect(support.available).toBe(true)
    expect(support.problems).toEqual([])
    expect(support.qemu?.version).toMatch(/^(9|[1-9]\d)\.\d+\.\d+$/)
    expect(support.qemu?.path).toMatch(/qemu-system-x86_64$/)
    expect(['kvm', 'tcg']).toContain(support.accel)
  })

  it('measures a config: progress lines, live query-migrate samples, then the run recorded as measured', async () => {
    events = []
    const s = service()
    const started = value<MeasureStarted>(
      await s.handle('measure.start', { config: SMALL_IDLE, accel: 'tcg', verify: true }, ctx)
    )
    expect(started.accel).toBe('tcg')
    expect(started.qemuVersion).toMatch(/^\d+\.\d+\.\d+$/)
    const last = await ended(started.measurementId)
    await s.shutdown()
    if (last.event === 'measure.failed')
      throw new Error(`${last.payload.error.kind}: ${last.payload.error.message}`)
    const finished = last.payload as MeasureFinishedEvent
    expect(finished.result.status).toBe('completed')
    expect(finished.result.lab.source).toBe('measured')
    expect(finished.result.lab.accel).toBe('tcg')
    expect(finished.result.lab.verified).toBe(true)

    const lines = events.flatMap((m) => (m.event === 'measure.progress' ? [m.payload.line] : []))
    expect(lines).toContain('measure: migrating')
    expect(lines.some((l) => /starting the destination QEMU \d+\.\d+\.\d+ \(tcg\)/.test(l))).toBe(true)
    expect(lines).toContain('measure: migration completed')
    // The live samples: query-migrate every 100 ms, in order, ending at completion.
    const samples = events.flatMap((m) => (m.event === 'measure.telemetry' ? m.payload.batch.progress : []))
    expect(samples.length).toBeGreaterThan(3)
    expect(samples.at(-1)!.status).toBe('completed')
    for (let i = 1; i < samples.length; i++)
      expect(samples[i]!['time-ms']).toBeGreaterThanOrEqual(samples[i - 1]!['time-ms'])
    const timeline = events.flatMap((m) => (m.event === 'measure.telemetry' ? m.payload.batch.timeline : []))
    expect(timeline.map((e) => e.state)).toContain('done')

    // Recorded like `migration-lab measure` records it: History shows it as measured.
    expect(finished.runId).not.toBeNull()
    measuredRunId = finished.runId!
    const record = resources.history!.getRunRecord(measuredRunId)
    expect(record.source).toBe('measured')
    expect(record.label).toBe(SMALL_IDLE.name)
    const s2 = service()
    const snapshot = value<RunSnapshot>(await s2.handle('runs.get', { runId: measuredRunId }, ctx))
    await s2.shutdown()
    expect(snapshot.result?.lab['qemu-version']).toBe(started.qemuVersion)
    expect(snapshot.progress.length).toBeGreaterThan(3)
    expect(qemuPids()).toEqual([])
  }, 240_000)

  it('cancel: migrate_cancel, both QEMUs stopped, the run recorded as cancelled', async () => {
    events = []
    const s = service()
    const started = value<MeasureStarted>(
      await s.handle('measure.start', { config: SLOW, accel: 'tcg' }, ctx)
    )
    // A second measurement while one runs is refused, not queued.
    const second = await s.handle('measure.start', { config: SMALL_IDLE, accel: 'tcg' }, ctx)
    expect(second.ok).toBe(false)
    if (!second.ok) expect(second.error.kind).toBe('ResourceLimit')
    await untilActive()
    // A page that comes now (a reload) gets the measurement and what it streamed so far.
    const active = value<{ measurement: ActiveMeasurement | null }>(await s.handle('measure.active', {}, ctx))
    expect(active.measurement?.measurementId).toBe(started.measurementId)
    expect(active.measurement?.config).toMatchObject({ name: SLOW.name })
    expect(active.measurement?.telemetry.progress.some((p) => p.status === 'active')).toBe(true)
    expect(active.measurement?.line).toBe('measure: migration active')
    const cancelled = value<{ cancelled: boolean }>(
      await s.handle('measure.cancel', { measurementId: started.measurementId }, ctx)
    )
    expect(cancelled.cancelled).toBe(true)
    const last = await ended(started.measurementId)
    expect(value<{ measurement: unknown }>(await s.handle('measure.active', {}, ctx)).measurement).toBeNull()
    await s.shutdown()
    expect(last.event).toBe('measure.finished')
    const finished = last.payload as MeasureFinishedEvent
    expect(finished.result.status).toBe('cancelled')
    expect(finished.result.lab.reason).toMatch(/cancelled by the user/)
    expect(resources.history!.getRunRecord(finished.runId!).status).toBe('cancelled')
    expect(qemuPids()).toEqual([])
  }, 240_000)

  it('a QEMU that dies mid-run: measure.failed names it, the other QEMU is stopped, nothing is recorded', async () => {
    events = []
    const s = service()
    const runsBefore = resources.history!.listRuns({}).total
    const started = value<MeasureStarted>(
      await s.handle('measure.start', { config: SLOW, accel: 'tcg' }, ctx)
    )
    await untilActive()
    // The source QEMU is the one whose QMP socket is src.qmp.
    const source = execFileSync('pgrep', ['-f', `qemu-system-x86_64.*${dir}.*src\\.qmp`], {
      encoding: 'utf8'
    })
      .split('\n')
      .filter(Boolean)
      .map(Number)
    expect(source).toHaveLength(1)
    process.kill(source[0]!, 'SIGKILL')
    const last = await ended(started.measurementId)
    await s.shutdown()
    expect(last.event).toBe('measure.failed')
    if (last.event === 'measure.failed') {
      expect(last.payload.error.kind).toBe('QemuFailed')
      expect(last.payload.error.message).toMatch(
        new RegExp(`^source QEMU \\(pid ${source[0]}\\) exited \\(SIGKILL\\) during the measurement`)
      )
    }
    expect(qemuPids()).toEqual([])
    expect(resources.history!.listRuns({}).total).toBe(runsBefore)
  }, 240_000)

  it('the lab host shutting down mid-measurement cancels it, stops both QEMUs and records it first', async () => {
    events = []
    const s = service()
    const started = value<MeasureStarted>(
      await s.handle('measure.start', { config: SLOW, accel: 'tcg' }, ctx)
    )
    await untilActive()
    await s.shutdown()
    // shutdown() resolved: the measurement had ended, both QEMUs were gone, and it was recorded.
    expect(qemuPids()).toEqual([])
    const last = events.find(
      (m) => m.event === 'measure.finished' && m.payload.measurementId === started.measurementId
    )
    expect(last?.event).toBe('measure.finished')
    const finished = last!.payload as MeasureFinishedEvent
    expect(finished.result.status).toBe('cancelled')
    expect(resources.history!.getRunRecord(finished.runId!).status).toBe('cancelled')
  }, 240_000)

  it('calibrate: the fitted host model, each figure before and after, saved as a host preset', async () => {
    events = []
    const s = service()
    const fit = value<CalibrationOutcome>(
      await s.handle('measure.calibrate', { runIds: [measuredRunId], maxEvaluations: 12 }, ctx)
    )
    expect(fit.evaluations).toBeGreaterThan(1)
    expect(fit.evaluations).toBeLessThanOrEqual(12)
    expect(fit.loss.after).toBeLessThanOrEqual(fit.loss.before)
    expect(fit.runs).toHaveLength(1)
    const names = fit.runs[0]!.before.map((f) => f.name)
    expect(names).toEqual(expect.arrayContaining(['total time', 'downtime']))
    // QEMU reports setup-time in whole ms: a loopback setup can read 0, and then the fit has no
    // setup figure to compare (shared/report/measured.ts); one it reported is fitted.
    const measuredSetupMs = resources.history!.getRun(measuredRunId).result!['setup-time']
    expect(names.includes('setup time')).toBe(measuredSetupMs > 0)
    expect(fit.runs[0]!.after.map((f) => f.name)).toEqual(names)
    // A run the history does not have is refused, naming it.
    const unknown = await s.handle('measure.calibrate', { runIds: [999_999] }, ctx)
    expect(unknown.ok).toBe(false)
    if (!unknown.ok) expect(unknown.error.message).toMatch(/999999/)

    const saved = value<HostPreset>(
      await s.handle('hostPresets.save', { name: 'this host (calibrated)', host: fit.host }, ctx)
    )
    expect(saved.host).toEqual(fit.host)
    const list = value<{ presets: HostPreset[] }>(await s.handle('hostPresets.list', {}, ctx))
    await s.shutdown()
    expect(list.presets.map((p) => p.name)).toEqual(['this host (calibrated)'])
    expect(list.presets[0]!.host).toEqual(fit.host)
  }, 240_000)

  it('without QEMU: measure.support says what to install, measure.start is refused with it', async () => {
    events = []
    const s = service({ ...process.env, MIGRATION_LAB_QEMU: join(dir, 'no-such-qemu') })
    const support = value<MeasureSupport>(await s.handle('measure.support', {}, ctx))
    expect(support.available).toBe(false)
    expect(support.qemu).toBeNull()
    expect(support.problems).toEqual([
      `MIGRATION_LAB_QEMU: ${join(dir, 'no-such-qemu')} does not exist or is not executable`
    ])
    const onPath = service({ ...process.env, PATH: dir, MIGRATION_LAB_QEMU: '' })
    const noPath = value<MeasureSupport>(await onPath.handle('measure.support', {}, ctx))
    expect(noPath.problems[0]).toMatch(/qemu-system-x86_64 is not installed: apt-get install qemu-system-x86/)
    await onPath.shutdown()
    const refused = await s.handle('measure.start', { config: SMALL_IDLE }, ctx)
    await s.shutdown()
    expect(refused.ok).toBe(false)
    if (!refused.ok) {
      expect(refused.error.kind).toBe('NotFound')
      expect(refused.error.message).toMatch(/no-such-qemu does not exist/)
    }
    expect(events.filter((m) => m.event.startsWith('measure.'))).toEqual([])
  })

  it('a config the lab guest cannot be is refused, naming the field', async () => {
    const s = service()
    const refused = await s.handle('measure.start', { config: { guest: { 'memory-mib': 64 } } }, ctx)
    await s.shutdown()
    expect(refused.ok).toBe(false)
    if (!refused.ok) {
      expect(refused.error.kind).toBe('Validation')
      expect(refused.error.details).toEqual([
        'guest.memory-mib: the measured guest needs at least 128 MiB (its kernel and the workload)'
      ])
    }
  })
})
