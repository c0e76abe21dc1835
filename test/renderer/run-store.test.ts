// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RunData, laneSegments, runMarkers } from '../../src/renderer/src/charts/run-data'
import { installLabClient } from '../../src/renderer/src/services/lab-api'
import { playheadAt, useRunStore } from '../../src/renderer/src/stores/run'
import type { LabMethod } from '../../src/shared/protocol/lab-api'
import type { TimelineEvent } from '../../src/shared/result'
import { RunFakeClient, batch, result, sample } from './run-fixtures'

let fake: RunFakeClient

beforeEach(() => {
  window.localStorage.clear()
  vi.useFakeTimers({ now: 1_000_000 })
  fake = new RunFakeClient({ initial: { state: 'connected' } })
  installLabClient(fake)
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

describe('the run store', () => {
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

  it('reports a refused start and stays idle', async () => {
    const run = useRunStore()
    fake.startError = {
      kind: 'Validation',
      message: 'The config has 1 problem(s).',
      details: ['guest.vcpus: too small']
    }
    const error = await run.start({ guest: { vcpus: 0 } })
    expect(error?.kind).toBe('Validation')
    expect(run.phase).toBe('idle')
    expect(run.startError?.details).toEqual(['guest.vcpus: too small'])
  })

  it('cancels the running run once, and records a failure', async () => {
    const run = useRunStore()
    await run.start({})
    await run.cancel()
    await run.cancel()
    // The cancel names the moment on screen (the engine is usually far ahead of it).
    expect(fake.calls.filter((c) => c.method === 'runs.cancel')).toEqual([
      { method: 'runs.cancel', params: { runId: 7, atVirtualMs: run.playheadMs } }
    ])
    expect(run.cancelling).toBe(true)
    fake.push({
      event: 'run.failed',
      payload: { runId: 7, error: { kind: 'ProcessCrashed', message: 'vcpu-1 crashed' } }
    })
    expect(run.phase).toBe('failed')
    expect(run.error?.message).toBe('vcpu-1 crashed')
    expect(run.cancelling).toBe(false)
  })

  it('reopens a recorded run with everything shown', async () => {
    const run = useRunStore()
    fake.snapshot = {
      runId: 3,
      status: 'completed',
      reason: 'completed',
      seed: 1,
      config: { guest: { vcpus: 1 } },
      result: result({ 'total-time': 1500 }),
      error: null,
      progress: [sample(0), sample(100), sample(1500, { status: 'completed' })],
      throughput: [{ vcpu: 0, 'bucket-ms': 100, 'time-ms': [0, 100], 'mib-per-s': [16, 0] }],
      timeline: [{ 'time-ms': 0, lane: 'migration', state: 'setup' }],
      downsampled: false
    }
    expect(await run.open(3)).toBeNull()
    expect(run.phase).toBe('completed')
    expect(run.reopened).toBe(true)
    expect(run.playheadMs).toBe(1500)
    expect(run.playbackDone).toBe(true)
    expect(run.data.throughput.get(0)?.timeMs).toEqual([0, 100])

    fake.snapshot = null
    const error = await run.open(99)
    expect(error?.kind).toBe('NotFound')
    expect(run.startError?.message).toBe('There is no run 99.')
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
