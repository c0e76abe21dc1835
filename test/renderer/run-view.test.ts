// @vitest-environment happy-dom
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { INIT_OPTIONS_KEY } from '../../src/renderer/src/charts/echarts'
import { DARK_PALETTE, LIGHT_PALETTE } from '../../src/renderer/src/charts/palette'
import { createLabI18n } from '../../src/renderer/src/i18n'
import { installLabClient } from '../../src/renderer/src/services/lab-api'
import { useRunStore } from '../../src/renderer/src/stores/run'
import { useScreenStore } from '../../src/renderer/src/stores/screen'
import LiveRunView from '../../src/renderer/src/views/LiveRunView.vue'
import type { TimelineEvent } from '../../src/shared/result'
import { RunFakeClient, batch, result } from './run-fixtures'
import { FOUR_SECOND_CONFIG, ServiceLabClient } from './service-lab-client'

// The live screen with the real stores; ECharts renders to SVG (happy-dom has no canvas,
// toolchain.md §7), so the test can see that lanes and lines are drawn. Starting, cancelling and
// reopening a run talk to the real lab host (the last block, service-lab-client.ts). The cases
// that draw a run of a given result (multifd channels, a downtime breakdown, each reason a run
// did not converge, a crash, a replay paced on the wall clock) push that run's telemetry and end
// from RunFakeClient: the engine does not crash or stall on demand through the LabApi.

let fake: RunFakeClient
let pinia: Pinia
let wrapper: VueWrapper | undefined

function mountView(locale: 'en' | 'zh-CN' = 'en'): VueWrapper {
  wrapper = mount(LiveRunView, {
    global: {
      plugins: [pinia, createLabI18n(locale)],
      provide: { [INIT_OPTIONS_KEY as symbol]: { renderer: 'svg', width: 1000, height: 1400 } }
    },
    attachTo: document.body
  })
  return wrapper
}

const timeline: TimelineEvent[] = [
  { 'time-ms': 0, lane: 'migration', state: 'setup' },
  { 'time-ms': 0, lane: 'destination', state: 'loading' },
  { 'time-ms': 0, lane: 'vcpu-0', state: 'running' },
  { 'time-ms': 0, lane: 'vcpu-1', state: 'running' },
  { 'time-ms': 8, lane: 'migration', state: 'iterating' },
  { 'time-ms': 1500, lane: 'migration', state: 'stop-and-copy' },
  { 'time-ms': 1540, lane: 'migration', state: 'done' },
  { 'time-ms': 1570, lane: 'destination', state: 'resumed' }
]

beforeEach(() => {
  window.localStorage.clear()
  window.history.replaceState(null, '', '#/live')
  fake = new RunFakeClient({ initial: { state: 'connected' } })
  installLabClient(fake)
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  useRunStore().stopLoop()
})

async function finishedRun(extra: Parameters<typeof result>[0] = {}) {
  const run = useRunStore()
  await run.start({ name: 'two vCPUs', guest: { vcpus: 2 } })
  fake.push({ event: 'run.telemetry', payload: { runId: 7, batch: batch(0, 1500, timeline) } })
  fake.push({
    event: 'run.finished',
    payload: { runId: 7, result: result({ 'total-time': 1540, ...extra }) }
  })
  run.skipToEnd()
  await flushPromises()
  return run
}

describe('the Live run screen', () => {
  it('says what to do when there is no run yet', async () => {
    const w = mountView()
    expect(w.get('[data-testid="live-empty"]').text()).toContain(
      'No run yet. Configure a migration and press Run'
    )
    await w.get('[data-testid="live-empty"] button').trigger('click')
    expect(useScreenStore().current).toBe('configure')
  })

  it('shows each multifd channel’s bytes and throughput', async () => {
    const w = mountView()
    const base = result()
    // 191.5 MB in (1540 − 8) ms = 1.532 s: 191.5e6 × 8 / 1e6 / 1.532 = 1000 Mbit/s per channel.
    const channels = [0, 1].map((channel) => ({ channel, bytes: 191_500_000, packets: 365, pages: 46_720 }))
    await finishedRun({
      ram: { ...base.ram, 'multifd-bytes': 383_000_000 },
      lab: { ...base.lab, 'multifd-channels': channels }
    })
    const text = w.get('[data-testid="summary-multifd"]').text()
    expect(text).toContain('ram.multifd-bytes')
    expect(text).toContain('channel 0:')
    expect(text).toContain('channel 1:')
    expect(text).toContain('1,000 Mbit/s')
  })

  it('has no multifd block for a run without multifd', async () => {
    const w = mountView()
    await finishedRun()
    expect(w.find('[data-testid="summary-multifd"]').exists()).toBe(false)
  })

  it('ends with the downtime QEMU reports, the guest’s pause and its breakdown', async () => {
    const w = mountView()
    await finishedRun()
    expect(w.get('[data-testid="run-status"]').text()).toBe('Completed')
    expect(w.get('[data-testid="run-name"]').text()).toBe('two vCPUs')
    expect(w.get('[data-testid="summary-downtime"]').text()).toContain('39.4 ms')
    expect(w.get('[data-testid="summary-downtime"]').text()).toContain('limit 300 ms')
    expect(w.get('[data-testid="summary-pause"]').text()).toContain('69.5 ms')
    expect(w.get('[data-testid="summary-verified"]').text()).toContain('memory identical')
    const breakdown = w.get('[data-testid="pause-breakdown"]')
    for (const part of [
      'stop 5 ms',
      'final sync 4 ms',
      'remaining RAM 30.2 ms',
      'device state 0.2 ms',
      'destination resume 30.1 ms'
    ])
      expect(breakdown.text().replace(/\s+/g, ' ')).toContain(part)
    expect(breakdown.text()).toContain('no return path')
    // Replayed up to the destination's resume, after QEMU's total-time.
    expect(w.get('[data-testid="virtual-clock"]').text()).toContain('1.57 s')
    expect(w.get('[data-testid="summary-outcome"]').text()).toContain('fell below the threshold')
  })

  it('draws the lanes and lines of the run', async () => {
    const w = mountView()
    await finishedRun()
    await vi.waitFor(
      () => {
        const svg = w.find('[data-testid="live-charts"] svg')
        expect(svg.exists()).toBe(true)
        expect(svg.findAll('path').length).toBeGreaterThan(30)
        expect(svg.text()).toContain('Migration thread')
        expect(svg.text()).toContain('vCPU 1')
      },
      { timeout: 3000 }
    )
  })

  it('names every swimlane state in the legend, each in its own colour, in both themes', async () => {
    const w = mountView()
    await finishedRun()
    const legend = w.findAll('.state-legend li').map((li) => li.text())
    // Every state the chart can draw (setup, done and idle were missing).
    const states = Object.keys(LIGHT_PALETTE.states)
    expect(legend).toHaveLength(states.length)
    for (const name of ['setup', 'done', 'idle', 'waiting for the BQL', 'syncing (BQL)', 'running (resumed)'])
      expect(legend).toContain(name)
    for (const palette of [LIGHT_PALETTE, DARK_PALETTE]) {
      const colours = Object.values(palette.states).map((c) => c.toLowerCase())
      // waiting for the BQL / syncing, stopped / stop-and-copy, running / resumed shared one.
      expect(new Set(colours).size).toBe(colours.length)
    }
  })

  it('explains a migration that did not converge: expected downtime vs the limit', async () => {
    const w = mountView()
    await finishedRun({
      status: 'cancelled',
      downtime: undefined,
      'expected-downtime': 15_997,
      lab: {
        ...result().lab,
        converged: false,
        verified: true,
        'mismatched-pages': 0,
        reason: 'cancelled by lab policy: dirty-sync-count 31 exceeded max-iterations 30'
      }
    })
    expect(w.get('[data-testid="run-status"]').text()).toBe('Cancelled')
    expect(w.find('[data-testid="summary-downtime"]').exists()).toBe(false)
    expect(w.get('[data-testid="summary-expected"]').text()).toContain('16 s')
    expect(w.get('[data-testid="summary-expected"]').text()).toContain('vs downtime-limit 300 ms')
    expect(w.get('[data-testid="summary-converged"]').text()).toContain('no')
    // No switchover, but the oracle still checked that only known-dirty pages lag behind.
    expect(w.get('[data-testid="summary-verified"]').text()).toContain('consistent')
    expect(w.get('[data-testid="summary-verified"]').text()).toContain('lags only by pages known to be dirty')
    expect(w.get('[data-testid="summary-outcome"]').text()).toContain('exceeded max-iterations 30')
  })

  it('says why a run the lab stopped did not converge, as the report does, in both languages', async () => {
    // Five syncs after the first pass, each leaving 100 MiB (25 600 pages) dirty at 128 MiB/s
    // (134 217.728 bytes/ms), and 30 000 new dirty pages over 4 s (≈ 29.3 MiB/s): the remainder
    // needs ~781 ms against downtime-limit 300 ms (threshold 38.4 MiB).
    const sync = (n: number, timeMs: number, trigger: 'setup' | 'lazy') => ({
      'dirty-sync-count': n,
      'time-ms': timeMs,
      trigger,
      'pages-sent': 30_000,
      'dirty-pages': 7_500,
      'remaining-pages': 25_600,
      'bandwidth-bytes-per-ms': 134_217.728,
      'threshold-bytes': 40_265_318.4,
      'expected-downtime-ms': 781.25,
      'cpu-throttle-percentage': 0,
      'bql-hold-ms': 1
    })
    const stopped = {
      status: 'cancelled' as const,
      downtime: undefined,
      'expected-downtime': 781.25,
      lab: {
        ...result().lab,
        converged: false,
        reason: 'cancelled by lab policy: dirty-sync-count 31 exceeded max-iterations 30',
        iterations: [
          sync(1, 0, 'setup'),
          ...[1, 2, 3, 4, 5].map((k) => sync(k + 1, 30_000 + k * 1000, 'lazy'))
        ]
      }
    }
    const w = mountView()
    await finishedRun(stopped)
    const why = w.get('[data-testid="summary-why-not"]').text()
    expect(why).toContain('Why it did not converge')
    expect(why).toContain('held at about 100 MiB')
    expect(why).toContain('needs about 781.3 ms')
    expect(why).toContain('128 MiB/s')
    expect(why).toContain('downtime-limit is 300 ms')
    expect(why).toContain('38.4 MiB')
    expect(why).toContain('about 29.3 MiB/s, 23 % of the bandwidth')
    w.unmount()
    wrapper = undefined

    const zh = mountView('zh-CN')
    await flushPromises()
    const zhWhy = zh.get('[data-testid="summary-why-not"]').text()
    expect(zhWhy).toContain('为什么没有收敛')
    expect(zhWhy).toContain('剩余脏内存稳定在约 100 MiB')
    expect(zhWhy).not.toMatch(/held|needs|bandwidth/)
  })

  it('replays at the chosen speed and can skip to the end', async () => {
    const w = mountView()
    const run = useRunStore()
    await run.start({})
    run.setSpeed(1)
    // A minute of virtual time, so at 1× the replay is still running when the test looks, however
    // slowly a loaded machine gets there (1.5 s was not always enough).
    const minute = timeline.map((e) => ({ ...e, 'time-ms': e['time-ms'] * 40 }))
    fake.push({ event: 'run.telemetry', payload: { runId: 7, batch: batch(0, 60_000, minute) } })
    fake.push({ event: 'run.finished', payload: { runId: 7, result: result({ 'total-time': 61_600 }) } })
    await flushPromises()
    expect(w.get('[data-testid="speed-1"]').attributes('aria-checked')).toBe('true')
    // The speeds are one Tab stop (the chosen one); the arrow keys choose another.
    const tabStops = w.findAll('[role="radio"]').filter((b) => b.attributes('tabindex') !== '-1')
    expect(tabStops.map((b) => b.attributes('data-testid'))).toEqual(['speed-1'])
    await w.get('[data-testid="speed-1"]').trigger('keydown', { key: 'ArrowRight' })
    expect(run.speed).toBe(10)
    expect(w.get('[data-testid="speed-10"]').attributes('tabindex')).toBe('0')
    run.setSpeed(1)
    await flushPromises()
    // At 1× the summary waits for the replay to reach the end, and so does the outcome.
    expect(w.find('[data-testid="run-summary"]').exists()).toBe(false)
    expect(w.get('[data-testid="run-status"]').text()).toBe('Replaying')
    await w.get('[data-testid="skip-to-end"]').trigger('click')
    expect(w.get('[data-testid="speed-max"]').attributes('aria-checked')).toBe('true')
    expect(w.find('[data-testid="run-summary"]').exists()).toBe(true)
  })

  it('says why a run failed and what to do', async () => {
    const w = mountView()
    const run = useRunStore()
    await run.start({})
    fake.push({
      event: 'run.failed',
      payload: { runId: 7, error: { kind: 'ProcessCrashed', message: 'vcpu-1 exited with code 1' } }
    })
    await flushPromises()
    const failure = w.get('[data-testid="run-failed"]')
    expect(failure.text()).toContain('The run failed (ProcessCrashed).')
    expect(failure.text()).toContain('vcpu-1 exited with code 1')
    expect(failure.text()).toContain('Run it again')
  })

  it('says why the run ended in Chinese from lab.outcome: converged', async () => {
    const w = mountView('zh-CN')
    await finishedRun({
      lab: {
        ...result().lab,
        outcome: {
          kind: 'converged',
          'pending-bytes': 37_600_000,
          'threshold-bytes': 40_300_000,
          'dirty-sync-count': 3,
          'downtime-ms': 39.4,
          'downtime-limit-ms': 300
        }
      }
    })
    const reason = w.get('[data-testid="summary-reason"]')
    expect(reason.text()).toBe(
      '待发送的 35.9 MiB 已低于阈值 38.4 MiB（第 3 次脏页同步）；停机时间 39.4 毫秒（上限 300 毫秒）'
    )
    // The engine's own words stay at hand.
    expect(reason.attributes('title')).toBe(result().lab.reason)
  })

  it('says why the run ended in Chinese from lab.outcome: max-iterations', async () => {
    const w = mountView('zh-CN')
    await finishedRun({
      status: 'cancelled',
      downtime: undefined,
      'expected-downtime': 15_997,
      lab: {
        ...result().lab,
        converged: false,
        reason:
          'cancelled by lab policy: dirty-sync-count 31 exceeded max-iterations 30; expected-downtime 15997.0 ms vs downtime-limit 300 ms',
        outcome: {
          kind: 'max-iterations',
          'dirty-sync-count': 31,
          'max-iterations': 30,
          'expected-downtime-ms': 15_997,
          'downtime-limit-ms': 300
        }
      }
    })
    const text = w.get('[data-testid="summary-reason"]').text()
    expect(text).toBe(
      '实验策略终止了迁移：第 31 次脏页同步超过了 max-iterations（30）；预计停机时间 16 秒，对比 downtime-limit 300 毫秒'
    )
    expect(text).not.toContain('cancelled by lab policy')
  })

  it('falls back to the engine’s reason when the result has no outcome (imported runs)', async () => {
    const w = mountView()
    await finishedRun({ lab: { ...result().lab, outcome: undefined, source: 'measured' } })
    expect(w.get('[data-testid="summary-reason"]').text()).toBe(result().lab.reason)
  })

  it('speaks Chinese', async () => {
    const w = mountView('zh-CN')
    await finishedRun()
    expect(w.text()).toContain('实时运行')
    expect(w.get('[data-testid="run-status"]').text()).toBe('已完成')
    expect(w.get('[data-testid="summary-downtime"]').text()).toContain('停机时间（QEMU 报告值）')
  })
})

describe('the Live run screen on the real lab host', () => {
  // A LabService with real engine processes (service-lab-client.ts).
  let host: ServiceLabClient
  beforeEach(() => {
    host = new ServiceLabClient({ engine: true })
    installLabClient(host)
  })
  afterEach(async () => {
    wrapper?.unmount()
    wrapper = undefined
    useRunStore().stopLoop()
    await host.dispose()
  })

  it('cancels with Esc while the run is on screen, and not after', async () => {
    mountView()
    const run = useRunStore()
    // At 1× the run is on screen long after the engine has sent it.
    run.setSpeed(1)
    const firstTelemetry = host.nextEvent('run.telemetry')
    await run.start(FOUR_SECOND_CONFIG)
    await firstTelemetry
    const cancelled = host.nextEvent('run.finished', (p) => p.result.status === 'cancelled')
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))
    await flushPromises()
    expect(host.callsOf('runs.cancel')).toHaveLength(1)
    expect(wrapper!.get('[data-testid="run-status"]').text()).toBe('Cancelling…')
    await cancelled
    await vi.waitFor(() => expect(run.phase).toBe('cancelled'))
    await flushPromises()
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))
    expect(host.callsOf('runs.cancel')).toHaveLength(1)
    expect(wrapper!.find('[data-testid="cancel-run"]').exists()).toBe(false)
    expect(host.history.getRunRecord(1).status).toBe('cancelled')
  })

  it('reopens the run named in the address', async () => {
    const recorded = host.addRun({ config: { name: 'from history' }, downtimeMs: 39.4 })
    window.history.replaceState(null, '', `#/live/${recorded.id}`)
    pinia = createPinia()
    setActivePinia(pinia)
    const w = mountView()
    await flushPromises()
    expect(host.callsOf('runs.get')).toEqual([{ runId: recorded.id }])
    expect(w.get('[data-testid="run-name"]').text()).toBe('from history')
    // The downtime as the host recorded it, beside the config's limit (QEMU's default 300 ms).
    expect(w.get('[data-testid="summary-downtime"]').text()).toMatch(/39\.4 ms\s*limit 300 ms/)
  })
})
