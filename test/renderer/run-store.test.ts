// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RunData, laneSegments, runMarkers } from '../../src/renderer/src/charts/run-data'
import { installLabClient } from '../../src/renderer/src/services/lab-api'
import { playheadAt, useRunStore } from '../../src/renderer/src/stores/run'
import type { LabMethod } from '../../src/shared/protocol/lab-api'
import type { TimelineEvent } from '../../src/shared/result'
import { RunFakeClient, batch, result } from './run-fixtures'
import { FOUR_SECOND_CONFIG, SMALL_CONFIG, ServiceLabClient } from './service-lab-client'

beforeEach(() => {
  window.localStorage.clear()
  setActivePinia(createPinia())
})
afterEach(() => {
  useRunStore().stopLoop()
  vi.useRealTimers()
})

describe('the playback clock', () => {
  it.each([
    // speed, wall ms since anchor, reached, expected virtual ms
    [1, 500, 10_000, 500],
    [10, 500, 10_000, 5000],
    [10, 5000, 10_000, 10_000],
    ['max', 0, 10_000, 10_000],
    [1, 0, 10_000, 0]
  ] as const)('at %s× after %s ms with %s ms received shows %s ms', (speed, wall, reached, expected) => {
    expect(playheadAt({ wallMs: 1000, virtualMs: 0 }, 1000 + wall, speed, reached)).toBe(expected)
  })
})

// The page's playback clock: telemetry of chosen virtual times, replayed against fake wall time.
// Here the host's run is a stand-in (RunFakeClient answers runs.start and the test pushes the
// telemetry): a real engine run streams on real time, which a fake clock cannot pace. What the
// store does with a real run is in the next block.
describe('the run store’s playback', () => {
  let fake: RunFakeClient
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 })
    fake = new RunFakeClient({ initial: { state: 'connected' } })
    installLabClient(fake)
  })

  it('starts a run, merges its telemetry and replays it at 10× virtual time', async () => {
    const run = useRunStore()
    expect(await run.start({ guest: { vcpus: 2 } })).toBeNull()
    expect(fake.calls.find((c) => c.method === 'runs.start')?.params).toEqual({
      config: { guest: { vcpus: 2 } }
    })
    expect(run.phase).toBe('running')
    expect(run.runId).toBe(7)
    expect(run.vcpuCount).toBe(2)
    expect(run.speed).toBe(10)

    fake.push({ event: 'run.telemetry', payload: { runId: 7, batch: batch(0, 900) } })
    fake.push({ event: 'run.telemetry', payload: { runId: 7, batch: batch(1000, 1900) } })
    // Another run's telemetry (a sweep, another page) is not ours.
    fake.push({ event: 'run.telemetry', payload: { runId: 8, batch: batch(0, 5000) } })
    expect(run.data.timeMs).toHaveLength(20)
    expect(run.data.throughput.get(0)?.mibPerS).toHaveLength(20)
    expect(run.data.reachedMs).toBe(1900)

    // 100 ms of wall time = 1 s of virtual time at 10×, and never past what arrived.
    run.advance(Date.now() + 100)
    expect(run.playheadMs).toBe(1000)
    run.advance(Date.now() + 1000)
    expect(run.playheadMs).toBe(1900)
    expect(run.playbackDone).toBe(false)

    fake.push({ event: 'run.finished', payload: { runId: 7, result: result() } })
    expect(run.phase).toBe('completed')
    expect(run.endMs).toBe(2000)
    run.advance(Date.now() + 2000)
    expect(run.playheadMs).toBe(2000)
    expect(run.playbackDone).toBe(true)
  })

  it('a cancel the host refuses (the run had ended before then) after the run’s end crossed it: shows that end', async () => {
    const run = useRunStore()
    await run.start({ guest: { vcpus: 2 } })
    fake.push({ event: 'run.telemetry', payload: { runId: 7, batch: batch(0, 1900) } })
    run.advance(Date.now() + 1000)
    let answer = (): void => {}
    fake.cancelGate = new Promise<void>((resolve) => (answer = resolve))
    fake.cancelled = false
    fake.snapshot = null
    const cancelling = run.cancel()
    expect(run.cancelling).toBe(true)
    // The run's end reaches the page before the host's answer to the cancel.
    fake.push({ event: 'run.finished', payload: { runId: 7, result: result() } })
    answer()
    await cancelling
    await vi.waitFor(() => expect(run.phase).toBe('completed'))
    expect(run.cancelling).toBe(false)
    expect(run.result?.['total-time']).toBe(2000)
    run.advance(Date.now() + 2000)
    expect(run.playbackDone).toBe(true)
  })

  it('moves the playhead at most 10 times a second on its own', async () => {
    const run = useRunStore()
    await run.start({})
    fake.push({ event: 'run.telemetry', payload: { runId: 7, batch: batch(0, 9900) } })
    const seen = new Set<number>()
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(50)
      seen.add(run.playheadMs)
    }
    // 500 ms of wall time: 5 ticks, 1 s of virtual time each.
    expect([...seen].filter((v) => v > 0).length).toBeLessThanOrEqual(5)
    expect(run.playheadMs).toBe(5000)
  })

  it('shows everything at once at max speed, and remembers the speed', async () => {
    const run = useRunStore()
    await run.start({})
    fake.push({ event: 'run.telemetry', payload: { runId: 7, batch: batch(0, 1900) } })
    run.setSpeed('max')
    expect(run.playheadMs).toBe(1900)
    expect(window.localStorage.getItem('migration-lab.live.speed')).toBe('max')
    setActivePinia(createPinia())
    expect(useRunStore().speed).toBe('max')
  })

  it('skips to the end of this run without changing the speed it saved', async () => {
    const run = useRunStore()
    run.setSpeed(1)
    await run.start({})
    fake.push({ event: 'run.telemetry', payload: { runId: 7, batch: batch(0, 1900) } })
    run.skipToEnd()
    expect(run.playheadMs).toBe(1900)
    // The chosen speed is still 1× for the next run and the next visit.
    expect(window.localStorage.getItem('migration-lab.live.speed')).toBe('1')
    await run.start({})
    expect(run.speed).toBe(1)
  })

  it('keeps events that arrive before runs.start answers', async () => {
    const run = useRunStore()
    let release: () => void = () => {}
    const original = fake.call.bind(fake)
    fake.call = (async (method: LabMethod, params?: unknown) => {
      if (method === 'runs.start') await new Promise<void>((resolve) => (release = resolve))
      return original(method, params)
    }) as typeof fake.call
    const started = run.start({})
    fake.push({ event: 'run.telemetry', payload: { runId: 7, batch: batch(0, 900) } })
    fake.push({ event: 'run.finished', payload: { runId: 7, result: result({ 'total-time': 900 }) } })
    release()
    await started
    expect(run.data.timeMs).toHaveLength(10)
    expect(run.phase).toBe('completed')
  })
})

describe('the run store on the real lab host', () => {
  // A LabService with real engine processes (service-lab-client.ts); real time.
  let host: ServiceLabClient
  beforeEach(() => {
    host = new ServiceLabClient({ engine: true })
    installLabClient(host)
  })
  afterEach(async () => {
    useRunStore().stopLoop()
    await host.dispose()
  })

  const twoVcpus = { ...SMALL_CONFIG, guest: { ...SMALL_CONFIG.guest, vcpus: 2 } }

  it('starts a run and takes its telemetry, not another run’s, as the host records it', async () => {
    const run = useRunStore()
    const finished = host.nextEvent('run.finished', (p) => p.runId === 1)
    expect(await run.start(twoVcpus)).toBeNull()
    expect(host.callsOf('runs.start')).toEqual([{ config: twoVcpus }])
    expect(run.phase).toBe('running')
    expect(run.runId).toBe(1)
    expect(run.vcpuCount).toBe(2)
    expect(run.speed).toBe(10)
    // Another page's run at the same time (a sweep, another tab) streams on the same host.
    const otherFinished = host.nextEvent('run.finished', (p) => p.runId === 2)
    await host.callFromAnotherPage('runs.start', { config: SMALL_CONFIG })

    const { result: ended } = await finished
    await otherFinished
    expect(run.phase).toBe('completed')
    // The replay ends at the last thing the run shows (the guest resuming on the destination
    // comes after QEMU's total-time).
    expect(run.endMs).toBeGreaterThanOrEqual(ended['total-time'])
    // What the page merged from the host's telemetry events is the run the host recorded.
    const recorded = host.detail(1)
    expect(recorded.downsampled).toBe(false)
    expect(run.data.timeMs).toEqual(recorded.progress.map((p) => p['time-ms']))
    expect([...run.data.throughput.keys()].sort()).toEqual([0, 1])
    // At max speed it shows everything.
    run.setSpeed('max')
    expect(run.playheadMs).toBe(run.endMs)
    expect(run.playbackDone).toBe(true)
  })

  it('reports the host’s refusal and stays idle', async () => {
    const run = useRunStore()
    const error = await run.start({ guest: { vcpus: 0 } })
    expect(error?.kind).toBe('Validation')
    expect(run.phase).toBe('idle')
    expect(run.startError?.details?.some((d) => d.startsWith('guest.vcpus'))).toBe(true)
    expect(host.history.listRuns().total).toBe(0)
  })

  it('cancels the run on screen once, at the moment on screen, and the host records it cancelled', async () => {
    const run = useRunStore()
    // At 1× the screen is far behind the engine: whether the engine still runs or has finished,
    // the host records the run as it was at the moment the user pressed Esc.
    run.setSpeed(1)
    const firstTelemetry = host.nextEvent('run.telemetry')
    await run.start(FOUR_SECOND_CONFIG)
    await firstTelemetry
    expect(run.playbackDone).toBe(false)
    const ended = host.nextEvent('run.finished', (p) => p.result.status === 'cancelled')
    await run.cancel()
    await run.cancel()
    const atVirtualMs = run.playheadMs
    expect(host.callsOf('runs.cancel')).toEqual([{ runId: 1, atVirtualMs }])
    expect(run.cancelling).toBe(true)
    const { result: cancelled } = await ended
    await vi.waitFor(() => expect(run.phase).toBe('cancelled'))
    expect(run.cancelling).toBe(false)
    expect(cancelled['total-time']).toBeLessThanOrEqual(atVirtualMs)
    expect(host.history.getRunRecord(1).status).toBe('cancelled')
  })

  it('a run that ended just as Esc was pressed: its end crosses the cancel, the page waits for the cut', async () => {
    const run = useRunStore()
    run.setSpeed(1)
    // The host's run.finished is still on its way to the page when the user presses Esc.
    host.holdEvent = 'run.finished'
    const endedAtHost = host.hostEvent('run.finished')
    await run.start(FOUR_SECOND_CONFIG)
    const uncutMs = (await endedAtHost).result['total-time']
    expect(run.phase).toBe('running')
    await run.cancel()
    expect(host.callsOf('runs.cancel')).toEqual([{ runId: 1, atVirtualMs: run.playheadMs }])
    // The host cuts the ended run back to that moment; the page now gets the run's own end.
    host.releaseHeld()
    expect(run.cancelling).toBe(true)
    await vi.waitFor(() => expect(run.result).not.toBeNull())
    expect(run.phase).toBe('cancelled')
    expect(run.cancelling).toBe(false)
    // The page shows the run as the host recorded it: cut back, not the run's own end.
    expect(run.result?.['total-time']).toBeLessThan(uncutMs)
    expect(run.result?.['total-time']).toBe(host.detail(1).result?.['total-time'])
    expect(host.history.getRunRecord(1).status).toBe('cancelled')
    // The summary shows once the screen reaches the end of what was cut.
    run.setSpeed('max')
    expect(run.playbackDone).toBe(true)
  })

  it('reopens a recorded run with everything shown', async () => {
    const ended = host.nextEvent('run.finished')
    await host.callFromAnotherPage('runs.start', { config: twoVcpus })
    const { result: recorded } = await ended
    const run = useRunStore()
    expect(await run.open(1)).toBeNull()
    expect(host.callsOf('runs.get')).toEqual([{ runId: 1 }])
    expect(run.phase).toBe('completed')
    expect(run.reopened).toBe(true)
    expect(run.vcpuCount).toBe(2)
    expect(run.endMs).toBeGreaterThanOrEqual(recorded['total-time'])
    expect(run.playheadMs).toBe(run.endMs)
    expect(run.playbackDone).toBe(true)
    expect(run.data.throughput.get(0)?.timeMs).toEqual(host.detail(1).throughput[0]['time-ms'])

    const error = await run.open(99)
    expect(error?.kind).toBe('NotFound')
    expect(run.startError?.message).toBe('There is no run 99 in the history')
  })
})

describe('timeline lanes and markers', () => {
  const events: TimelineEvent[] = [
    { 'time-ms': 0, lane: 'migration', state: 'setup' },
    { 'time-ms': 0, lane: 'vcpu-0', state: 'running' },
    { 'time-ms': 8, lane: 'migration', state: 'iterating' },
    { 'time-ms': 500, lane: 'migration', state: 'syncing', detail: 'dirty-sync-count 2' },
    { 'time-ms': 500, lane: 'vcpu-0', state: 'bql-wait' },
    { 'time-ms': 504, lane: 'migration', state: 'iterating' },
    { 'time-ms': 504, lane: 'vcpu-0', state: 'running' },
    { 'time-ms': 900, lane: 'migration', state: 'stop-and-copy' },
    { 'time-ms': 900, lane: 'vcpu-0', state: 'stopped' },
    { 'time-ms': 940, lane: 'migration', state: 'done' },
    { 'time-ms': 970, lane: 'destination', state: 'resumed' }
  ]
  const lanes = ['migration', 'destination', 'vcpu-0'] as const

  it('cuts each lane into segments up to the playhead', () => {
    const at600 = laneSegments(events, lanes, 600)
    expect(at600.filter((s) => s.lane === 2)).toEqual([
      { lane: 2, startMs: 0, endMs: 500, state: 'running', detail: undefined },
      { lane: 2, startMs: 500, endMs: 504, state: 'bql-wait', detail: undefined },
      { lane: 2, startMs: 504, endMs: 600, state: 'running', detail: undefined }
    ])
    expect(at600.some((s) => s.state === 'stop-and-copy')).toBe(false)
  })

  it('marks every dirty sync and phase change once', () => {
    const markers = runMarkers(events, 1000)
    expect(markers).toEqual([
      { timeMs: 500, kind: 'sync', label: 'dirty-sync-count 2' },
      { timeMs: 900, kind: 'phase', label: 'stop-and-copy' },
      { timeMs: 940, kind: 'phase', label: 'done' },
      { timeMs: 970, kind: 'phase', label: 'resumed' }
    ])
    expect(runMarkers(events, 600)).toHaveLength(1)
  })

  it('keeps timeline events in time order whatever order batches bring them in', () => {
    const data = new RunData()
    data.append({ 'time-ms': 600, progress: [], throughput: [], timeline: events.slice(3, 6) })
    data.append({ 'time-ms': 100, progress: [], throughput: [], timeline: events.slice(0, 3) })
    expect(data.timeline.map((e) => e['time-ms'])).toEqual([0, 0, 8, 500, 500, 504])
  })
})
