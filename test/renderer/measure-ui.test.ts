// @vitest-environment happy-dom
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { INIT_OPTIONS_KEY } from '../../src/renderer/src/charts/echarts'
import CalibratePanel from '../../src/renderer/src/components/measure/CalibratePanel.vue'
import { createLabI18n } from '../../src/renderer/src/i18n'
import { installLabClient } from '../../src/renderer/src/services/lab-api'
import { useConfigStore } from '../../src/renderer/src/stores/config'
import { useRunStore } from '../../src/renderer/src/stores/run'
import { useScreenStore } from '../../src/renderer/src/stores/screen'
import ConfigureView from '../../src/renderer/src/views/ConfigureView.vue'
import LiveRunView from '../../src/renderer/src/views/LiveRunView.vue'
import { defaultConfig } from '../../src/shared/config'
import type { LabMethod, LabOutcome, LabResult } from '../../src/shared/protocol/lab-api'
import type {
  ActiveMeasurement,
  CalibrationOutcome,
  HostPreset,
  MeasureSupport
} from '../../src/shared/protocol/lab-api-measure'
import { RunFakeClient, batch, result } from './run-fixtures'

// Measured runs in the UI with the real stores and components and a fake lab host: "Measure on
// QEMU" in Configure (enabled or disabled with the host's reason), the Live view of a measured
// run, Cancel, calibrate from a measured run's detail, and the host presets it saves.

const SUPPORTED: MeasureSupport = {
  available: true,
  problems: [],
  warnings: [],
  qemu: { path: '/usr/bin/qemu-system-x86_64', version: '10.0.2' },
  kvm: false,
  accel: 'tcg',
  guest: { dir: '/home/u/.config/migration-lab/guest', cached: true, missing: [] }
}
const NO_QEMU: MeasureSupport = {
  ...SUPPORTED,
  available: false,
  qemu: null,
  problems: [
    'qemu-system-x86_64 is not installed: apt-get install qemu-system-x86 (QEMU 9 or newer; on Debian 12 from bookworm-backports: apt-get install -t bookworm-backports qemu-system-x86), or give --qemu PATH'
  ]
}

const host = defaultConfig().host
const FIT: CalibrationOutcome = {
  start: host,
  host: { ...host, 'stop-ms': 12 },
  evaluations: 17,
  loss: { before: 0.25, after: 0.01 },
  runs: [
    {
      runId: 5,
      label: 'idle',
      before: [
        { name: 'total time', unit: 'ms', measured: 10_000, simulated: 12_000, error: 0.2 },
        { name: 'transferred', unit: 'bytes', measured: 2 ** 27, simulated: 2 ** 27, error: 0 }
      ],
      after: [
        { name: 'total time', unit: 'ms', measured: 10_000, simulated: 10_100, error: 0.01 },
        { name: 'transferred', unit: 'bytes', measured: 2 ** 27, simulated: 2 ** 27, error: 0 }
      ]
    }
  ]
}

class MeasureFakeClient extends RunFakeClient {
  support: MeasureSupport = SUPPORTED
  presets: HostPreset[] = []
  active: ActiveMeasurement | null = null

  override async call<M extends LabMethod>(method: M, params?: unknown): Promise<LabOutcome<LabResult<M>>> {
    const answer = (value: unknown): LabOutcome<LabResult<M>> => {
      this.calls.push({ method, params })
      return { ok: true, value: value as LabResult<M> }
    }
    if (method === 'measure.support') return answer(this.support)
    if (method === 'measure.start')
      return answer({ measurementId: 3, qemuVersion: '10.0.2', accel: 'tcg', verify: true })
    if (method === 'measure.cancel') return answer({ measurementId: 3, cancelled: true })
    if (method === 'measure.active') return answer({ measurement: this.active })
    if (method === 'measure.calibrate') return answer(FIT)
    if (method === 'hostPresets.list') return answer({ presets: this.presets })
    if (method === 'hostPresets.save') {
      const { name, host: saved } = params as { name: string; host: HostPreset['host'] }
      this.presets = [{ name, host: saved, savedAtMs: 1 }, ...this.presets]
      return answer(this.presets[0])
    }
    return super.call(method, params)
  }
}

let fake: MeasureFakeClient
let pinia: Pinia
let wrapper: VueWrapper | undefined

function mountIt(component: object, props: Record<string, unknown> = {}): VueWrapper {
  wrapper = mount(component, {
    props,
    global: {
      plugins: [pinia, createLabI18n('en')],
      provide: { [INIT_OPTIONS_KEY as symbol]: { renderer: 'svg', width: 1000, height: 1400 } }
    },
    attachTo: document.body
  })
  return wrapper
}

beforeEach(() => {
  window.localStorage.clear()
  window.history.replaceState(null, '', '#/configure')
  fake = new MeasureFakeClient({ initial: { state: 'connected' } })
  installLabClient(fake)
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  useRunStore().stopLoop()
})

describe('Measure on QEMU in Configure', () => {
  it('is disabled where the host cannot measure, saying what to install', async () => {
    fake.support = NO_QEMU
    const w = mountIt(ConfigureView)
    await flushPromises()
    const button = w.get('[data-testid="measure"]')
    expect(button.text()).toBe('Measure on QEMU')
    expect(button.attributes('disabled')).toBeDefined()
    const why = w.get('[data-testid="measure-description"]').text()
    expect(why).toContain('Measuring is not possible on this host')
    expect(why).toContain('apt-get install qemu-system-x86')
    expect(button.attributes('title')).toBe(why)
    expect(button.attributes('aria-describedby')).toBe('measure-description')
  })

  it('starts a measured run with verify, and Live says it is measured, with its progress', async () => {
    const w = mountIt(ConfigureView)
    await flushPromises()
    const button = w.get('[data-testid="measure"]')
    expect(button.attributes('disabled')).toBeUndefined()
    expect(w.get('[data-testid="measure-description"]').text()).toContain('QEMU 10.0.2 (TCG)')
    await w.get('[data-testid="measure-verify"]').setValue(true)
    await button.trigger('click')
    await flushPromises()
    const start = fake.calls.find((c) => c.method === 'measure.start')
    expect(start?.params).toMatchObject({ verify: true })
    expect(useScreenStore().current).toBe('live')
    wrapper!.unmount()

    const live = mountIt(LiveRunView)
    fake.push({ event: 'measure.progress', payload: { measurementId: 3, line: 'measure: migrating' } })
    fake.push({ event: 'measure.telemetry', payload: { measurementId: 3, batch: batch(0, 800) } })
    // Another measurement's events are not this one's.
    fake.push({ event: 'measure.progress', payload: { measurementId: 4, line: 'not this one' } })
    await flushPromises()
    expect(live.get('[data-testid="measured-badge"]').text()).toBe(
      'Measured on QEMU 10.0.2 (TCG), with memory verification'
    )
    expect(live.get('[data-testid="run-status"]').text()).toBe('Measuring')
    expect(live.text()).toContain('measure: migrating')
    const run = useRunStore()
    expect(run.data.reachedMs).toBe(800)

    // Cancel: migrate_cancel through measure.cancel; the run ends as QEMU cancelled it.
    await live.get('[data-testid="cancel-run"]').trigger('click')
    await flushPromises()
    expect(fake.calls.filter((c) => c.method === 'measure.cancel')).toEqual([
      { method: 'measure.cancel', params: { measurementId: 3 } }
    ])
    expect(live.get('[data-testid="run-status"]').text()).toBe('Cancelling…')
    fake.push({
      event: 'measure.finished',
      payload: {
        measurementId: 3,
        runId: 12,
        result: result({
          status: 'cancelled',
          downtime: undefined,
          lab: { ...result().lab, source: 'measured', 'qemu-version': '10.0.2', accel: 'tcg' }
        })
      }
    })
    await flushPromises()
    expect(run.phase).toBe('cancelled')
    expect(run.runId).toBe(12)
    expect(live.get('[data-testid="run-status"]').text()).toBe('Cancelled')
    expect(live.get('[data-testid="measured-badge"]').text()).toBe('Measured on QEMU 10.0.2 (TCG)')
    // The recorded run is loaded for its whole telemetry.
    expect(
      fake.calls.some((c) => c.method === 'runs.get' && (c.params as { runId: number }).runId === 12)
    ).toBe(true)
  })

  it('a measurement that fails shows its error', async () => {
    const w = mountIt(LiveRunView)
    const run = useRunStore()
    await run.startMeasured({})
    fake.push({
      event: 'measure.failed',
      payload: {
        measurementId: 3,
        error: { kind: 'QemuFailed', message: 'source QEMU (pid 42) exited (9) during the measurement' }
      }
    })
    await flushPromises()
    expect(w.get('[data-testid="run-failed"]').text()).toContain('exited (9) during the measurement')
  })
  it('a measurement cancelled before the migration began ends as cancelled, saying nothing was measured', async () => {
    const w = mountIt(LiveRunView)
    const run = useRunStore()
    await run.startMeasured({})
    await run.cancel()
    fake.push({
      event: 'measure.failed',
      payload: {
        measurementId: 3,
        error: { kind: 'Cancelled', message: 'cancelled before the migration started' }
      }
    })
    await flushPromises()
    expect(run.phase).toBe('cancelled')
    expect(w.get('[data-testid="run-status"]').text()).toBe('Cancelled')
    expect(w.find('[data-testid="run-failed"]').exists()).toBe(false)
    expect(w.text()).toContain('cancelled before the migration started')
  })
  it('a reloaded Live page picks up the measurement the host is running, and can cancel it', async () => {
    fake.active = {
      measurementId: 9,
      qemuVersion: '10.0.2',
      accel: 'tcg',
      verify: false,
      config: { ...defaultConfig(), name: 'measured before the reload' },
      line: 'measure: migration active',
      telemetry: batch(0, 600)
    }
    window.history.replaceState(null, '', '#/live')
    const w = mountIt(LiveRunView)
    await flushPromises()
    expect(w.get('[data-testid="measured-badge"]').text()).toBe('Measured on QEMU 10.0.2 (TCG)')
    expect(w.get('[data-testid="run-name"]').text()).toBe('measured before the reload')
    expect(w.get('[data-testid="run-status"]').text()).toBe('Measuring')
    expect(w.text()).toContain('measure: migration active')
    expect(useRunStore().data.reachedMs).toBe(600)
    await w.get('[data-testid="cancel-run"]').trigger('click')
    expect(fake.calls.filter((c) => c.method === 'measure.cancel')).toEqual([
      { method: 'measure.cancel', params: { measurementId: 9 } }
    ])
  })
})

describe('calibrate from a measured run', () => {
  it('shows each figure before and after, saves a host preset, and Configure offers it', async () => {
    const w = mountIt(CalibratePanel, { runId: 5 })
    await w.get('[data-testid="calibrate-run"]').trigger('click')
    await flushPromises()
    expect(fake.calls.find((c) => c.method === 'measure.calibrate')?.params).toEqual({ runIds: [5] })
    const rows = w.findAll('[data-testid="calibrate-figures"] tbody tr').map((r) => r.text())
    expect(rows[0]).toMatch(/Total time.*10(\.0)? s.*12(\.0)? s \(\+20 %\).*10\.1 s \(\+1 %\)/)
    expect(rows[1]).toContain('(not fitted)')
    expect(w.get('[data-testid="calibrate-host"]').text()).toMatch(/stop-ms\s*\S+\s*12/)
    await w.get('[data-testid="calibrate-preset-name"]').setValue('lab box')
    await w.get('[data-testid="calibrate-save"]').trigger('click')
    await flushPromises()
    expect(fake.calls.find((c) => c.method === 'hostPresets.save')?.params).toEqual({
      name: 'lab box',
      host: FIT.host
    })
    expect(w.get('[data-testid="calibrate-saved"]').text()).toContain('“lab box”')
    wrapper!.unmount()

    const configure = mountIt(ConfigureView)
    await flushPromises()
    const select = configure.get('[data-testid="host-preset-select"]')
    expect(select.findAll('option').map((o) => o.text())).toContain('lab box')
    await select.setValue('lab box')
    await flushPromises()
    expect(useConfigStore().draft.host).toEqual(FIT.host)
  })
})
