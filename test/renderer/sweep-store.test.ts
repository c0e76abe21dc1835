// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defaultConfig } from '../../src/shared/config'
import { installLabClient } from '../../src/renderer/src/services/lab-api'
import {
  autoSweepName,
  checkSweepDraft,
  defaultSweepDraft,
  parameterOptions,
  parseValuesText,
  useSweepStore,
  type SweepDraft
} from '../../src/renderer/src/stores/sweep'
import { SMALL_CONFIG, ServiceLabClient } from './service-lab-client'

let host: ServiceLabClient
beforeEach(() => {
  host = new ServiceLabClient({ engine: true })
  installLabClient(host)
  setActivePinia(createPinia())
})
afterEach(() => host.dispose())

function draft(patch: Partial<SweepDraft> = {}): SweepDraft {
  return { ...defaultSweepDraft(), ...patch }
}

describe('the parameters a sweep can vary', () => {
  it('lists every leaf of the config but its name, with its type and section', () => {
    const options = parameterOptions(defaultConfig())
    const byPath = new Map(options.map((o) => [o.path, o]))
    expect(byPath.get('migration.parameters.downtime-limit')).toEqual({
      path: 'migration.parameters.downtime-limit',
      group: 'migration.parameters',
      name: 'downtime-limit',
      type: 'number'
    })
    expect(byPath.get('migration.capabilities.auto-converge')?.type).toBe('boolean')
    expect(byPath.get('guest.workloads.0.pattern')?.type).toBe('string')
    expect(byPath.has('name')).toBe(false)
  })

  it.each([
    ['100, 300 ,500', 'number', [100, 300, 500]],
    ['true,false', 'boolean', [true, false]],
    ['uniform, "hotspot"', 'string', ['uniform', 'hotspot']]
  ] as const)('reads "%s" as %s values', (text, type, values) => {
    expect(parseValuesText(text, type)).toEqual({ ok: true, values })
  })

  it('says which value is wrong', () => {
    expect(parseValuesText('100, fast', 'number')).toEqual({ ok: false, error: '"fast" is not a number' })
    expect(parseValuesText('yes', 'boolean')).toEqual({ ok: false, error: '"yes" is not true or false' })
    expect(parseValuesText(' , ', 'number').ok).toBe(false)
  })
})

describe('checking a sweep draft', () => {
  it('counts points × repetitions and builds the sweeps.start request', () => {
    const checked = checkSweepDraft(draft({ repeat: 2, parallel: 3 }), { guest: { vcpus: 1 } })
    expect(checked).toEqual({
      ok: true,
      points: 3,
      runs: 6,
      request: {
        name: 'downtime-limit sweep',
        baseConfig: { guest: { vcpus: 1 } },
        vary: [{ path: 'migration.parameters.downtime-limit', values: [100, 300, 500] }],
        repeat: 2,
        parallel: 3
      }
    })
  })

  it('crosses two parameters, one of them a range', () => {
    const checked = checkSweepDraft(
      draft({
        varied: [
          {
            path: 'migration.parameters.downtime-limit',
            mode: 'values',
            valuesText: '100, 300',
            rangeText: ''
          },
          { path: 'network.bandwidth-mbps', mode: 'range', valuesText: '', rangeText: '1000..10000:3000' }
        ]
      }),
      {}
    )
    expect(checked.ok && [checked.points, checked.runs]).toEqual([8, 8])
    if (checked.ok) expect(checked.request.parallel).toBeUndefined()
  })

  it('names the problems next to their parameter', () => {
    const checked = checkSweepDraft(
      draft({
        name: ' ',
        repeat: 0,
        varied: [
          {
            path: 'migration.parameters.downtime-limit',
            mode: 'values',
            valuesText: '100, x',
            rangeText: ''
          },
          { path: 'guest.workloads.0.pattern', mode: 'range', valuesText: '', rangeText: '1..2:1' }
        ]
      }),
      {}
    )
    expect(checked).toEqual({
      ok: false,
      problems: [
        'name: give the sweep a name',
        'repetitions: a whole number from 1 to 1000',
        'parameter 1 (migration.parameters.downtime-limit): "x" is not a number',
        'parameter 2: guest.workloads.0.pattern is not a number; list its values instead of a range'
      ]
    })
    const badRange = checkSweepDraft(
      draft({ varied: [{ path: 'guest.vcpus', mode: 'range', valuesText: '', rangeText: '4..1:1' }] }),
      {}
    )
    expect(badRange.ok === false && badRange.problems).toEqual([
      'parameter 1.range: the end (1) is below the start (4)'
    ])
    const badBase = checkSweepDraft(draft(), { guest: { vcpus: 0 } })
    expect(badBase.ok === false && badBase.problems.join('\n')).toContain('guest.vcpus')
  })

  it('names a sweep after what it varies until the user names it', () => {
    expect(
      autoSweepName([{ path: 'a.b.downtime-limit', mode: 'values', valuesText: '', rangeText: '' }])
    ).toBe('downtime-limit sweep')
    const sweep = useSweepStore()
    sweep.setVariedPath(0, 'network.bandwidth-mbps')
    expect(sweep.draft.name).toBe('bandwidth-mbps sweep')
    expect(sweep.draft.varied[0].valuesText).toBe('5000, 10000, 20000')
    sweep.setName('mine')
    sweep.addVaried()
    expect(sweep.draft.varied).toHaveLength(2)
    expect(sweep.draft.name).toBe('mine')
    sweep.setVariedPath(1, 'migration.capabilities.auto-converge')
    expect(sweep.draft.varied[1]).toMatchObject({ mode: 'values', valuesText: 'false, true' })
    expect(sweep.check.ok && sweep.check.runs).toBe(6)
  })
})

// The store against the real lab host (service-lab-client.ts): sweeps.start records the
// experiment and runs it on real engine processes, and its events come from the host.
describe('sweep store', () => {
  it('starts a sweep, follows its progress and keeps its end for "open its comparison"', async () => {
    const sweep = useSweepStore()
    sweep.follow()
    sweep.useBaseConfig(SMALL_CONFIG, 'a small guest')
    sweep.draft.repeat = 1
    sweep.draft.varied[0].valuesText = '100, 300, 500'
    const seen: number[] = []
    host.onEvent((m) => {
      if (m.event === 'sweep.progress') seen.push(...[...sweep.active.values()].map((p) => p.done))
    })
    const finished = host.nextEvent('sweep.finished')
    const experimentId = await sweep.start()
    expect(experimentId).toBe(1)
    expect(host.callsOf('sweeps.start')).toEqual([
      {
        name: 'downtime-limit sweep',
        baseConfig: SMALL_CONFIG,
        vary: [{ path: 'migration.parameters.downtime-limit', values: [100, 300, 500] }],
        repeat: 1
      }
    ])
    expect(sweep.current).toMatchObject({ experimentId: 1, done: 0, total: 3 })
    await finished
    // The page followed the sweep from its start and each run as it ended, then its end.
    expect(seen).toEqual([0, 1, 2, 3])
    expect(sweep.current).toBeNull()
    expect(sweep.lastFinished).toMatchObject({ experimentId: 1, done: 3, total: 3, status: 'completed' })
    expect(host.experiment(1)).toMatchObject({ status: 'completed', runCount: 3, finishedRunCount: 3 })

    // Another page's sweep is listed while it runs, but is not this page's to open.
    const other = host.nextEvent('sweep.finished')
    const { experimentId: otherId } = await host.callFromAnotherPage('sweeps.start', {
      name: 'theirs',
      baseConfig: SMALL_CONFIG,
      vary: [{ path: 'migration.parameters.downtime-limit', values: [200] }],
      repeat: 1
    })
    expect(sweep.active.get(otherId)).toMatchObject({ name: 'theirs', total: 1 })
    expect(await other).toMatchObject({ experimentId: otherId, status: 'completed' })
    expect(sweep.active.size).toBe(0)
    expect(sweep.lastFinished?.experimentId).toBe(1)
  })

  it('does not send a draft that does not check, and shows a refusal from the host', async () => {
    const sweep = useSweepStore()
    sweep.draft.varied[0].valuesText = 'oops'
    expect(await sweep.start()).toBeNull()
    expect(host.callsOf('sweeps.start')).toHaveLength(0)

    // The page checks the draft, the host every run's full config: a guest without a vCPU is
    // refused by the host, and nothing is recorded.
    sweep.setVariedPath(0, 'guest.vcpus')
    sweep.draft.varied[0].valuesText = '0, 1'
    expect(await sweep.start()).toBeNull()
    expect(host.callsOf('sweeps.start')).toHaveLength(1)
    expect(sweep.startError?.kind).toBe('Validation')
    expect(sweep.startError?.message).toContain('invalid config')
    expect(host.history.listExperiments({}).total).toBe(0)
  })

  it('uses a recorded run as the base config', async () => {
    const recorded = host.addRun({ label: 'baseline', config: { guest: { 'memory-mib': 1024 } } })
    const sweep = useSweepStore()
    expect(await sweep.useRunAsBase(recorded.id)).toBe(true)
    expect(sweep.baseSource).toEqual({ kind: 'run', runId: recorded.id, label: 'baseline' })
    // The config as the host keeps it: complete, with every default filled in.
    expect(sweep.baseConfig).toEqual(host.detail(recorded.id).config)
    expect(sweep.baseConfig).toMatchObject({ guest: { 'memory-mib': 1024 } })
    sweep.useDefaultBase()
    expect(sweep.baseConfig).toEqual({})
  })

  it('picks up sweeps already running when it connects', async () => {
    const sweep = useSweepStore()
    host.setConnection({ state: 'connecting' })
    sweep.follow()
    await sweep.syncActive()
    expect(sweep.active.size).toBe(0)
    // Another page starts a sweep while this one is away; this page hears of it on connecting.
    const finished = host.nextEvent('sweep.finished')
    const { experimentId } = await host.callFromAnotherPage('sweeps.start', {
      name: 'theirs',
      baseConfig: SMALL_CONFIG,
      vary: [{ path: 'migration.parameters.downtime-limit', values: [100, 200] }],
      repeat: 1,
      parallel: 1
    })
    host.setConnection({ state: 'connected' })
    await vi.waitFor(() => expect(sweep.active.get(experimentId)).toMatchObject({ name: 'theirs', total: 2 }))
    await finished
  })
})
