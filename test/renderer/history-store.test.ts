// @vitest-environment happy-dom
import { readFileSync } from 'node:fs'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { installLabClient } from '../../src/renderer/src/services/lab-api'
import {
  NOTICE_MS,
  UNDO_WINDOW_MS,
  buildRunListQuery,
  emptyFilterForm,
  useHistoryStore
} from '../../src/renderer/src/stores/history'
import { GUESTPERF_FIXTURE } from '../report/helpers'
import { ServiceLabClient } from './service-lab-client'

// The store against the real lab host: a LabService over a history database in this process
// (service-lab-client.ts); only the connection is a stand-in.
let fake: ServiceLabClient

beforeEach(() => {
  fake = new ServiceLabClient()
  installLabClient(fake)
  setActivePinia(createPinia())
})
afterEach(async () => {
  vi.useRealTimers()
  await fake.dispose()
})

describe('building the run list query', () => {
  it('turns the form into a filter, leaving out what is empty', () => {
    const built = buildRunListQuery(
      {
        ...emptyFilterForm(),
        statuses: ['completed', 'cancelled'],
        tagsText: 'baseline, , 10GbE',
        text: '  web ',
        source: 'measured',
        starredOnly: true,
        conditionsText: 'migration.parameters.downtime-limit >= 300\n\nguest.vcpus = 4'
      },
      { key: 'downtime', dir: 'asc' },
      { limit: 25, offset: 50 }
    )
    expect(built.problems).toEqual([])
    expect(built.query).toEqual({
      filter: {
        status: ['completed', 'cancelled'],
        tags: ['baseline', '10GbE'],
        text: 'web',
        source: 'measured',
        starred: true,
        config: [
          { path: 'migration.parameters.downtime-limit', op: '>=', value: 300 },
          { path: 'guest.vcpus', op: '=', value: 4 }
        ]
      },
      sort: { key: 'downtime', dir: 'asc' },
      page: { limit: 25, offset: 50 }
    })
    expect(
      buildRunListQuery(emptyFilterForm(), { key: 'started', dir: 'desc' }, { limit: 10, offset: 0 }).query
        .filter
    ).toEqual({})
  })

  it('reports each bad condition line instead of querying', () => {
    const built = buildRunListQuery(
      { ...emptyFilterForm(), conditionsText: 'guest.vcpus > 1; bogus >= 2' },
      { key: 'started', dir: 'desc' },
      { limit: 10, offset: 0 }
    )
    expect(built.problems).toEqual([{ kind: 'unknown-parameter', path: 'bogus' }])
  })
})

describe('history store', () => {
  function seed(count: number): void {
    for (let i = 0; i < count; i++) fake.addRun()
  }

  it('loads the newest runs first, a page at a time', async () => {
    seed(30)
    const history = useHistoryStore()
    await history.refresh()
    expect(history.total).toBe(30)
    expect(history.runs.map((r) => r.id).slice(0, 3)).toEqual([30, 29, 28])
    expect(history.runs).toHaveLength(25)
    expect(history.pageCount).toBe(2)

    await history.goToPage(1)
    expect(history.pageIndex).toBe(1)
    expect(history.runs.map((r) => r.id)).toEqual([5, 4, 3, 2, 1])
    expect(fake.callsOf('history.listRuns').at(-1)).toMatchObject({ page: { limit: 25, offset: 25 } })

    await history.setPageSize(10)
    expect(history.pageIndex).toBe(0)
    expect(history.pageCount).toBe(3)
  })

  it('sorts by a column and flips the direction on a second click', async () => {
    seed(5)
    const history = useHistoryStore()
    await history.sortBy('downtime')
    expect(history.sort).toEqual({ key: 'downtime', dir: 'asc' })
    expect(history.runs.map((r) => r.summary?.downtimeMs)).toEqual([101, 102, 103, 104, 105])
    await history.sortBy('downtime')
    expect(history.sort).toEqual({ key: 'downtime', dir: 'desc' })
    expect(history.runs[0].summary?.downtimeMs).toBe(105)
  })

  it('applies a filter from the first page, and does not query while a condition is wrong', async () => {
    for (const ms of [100, 300, 500])
      fake.addRun({ config: { migration: { parameters: { 'downtime-limit': ms } } } })
    const history = useHistoryStore()
    await history.refresh()
    history.form.conditionsText = 'migration.parameters.downtime-limit >= 300'
    await history.applyFilters()
    expect(history.runs.map((r) => r.id)).toEqual([3, 2])
    expect(history.filtersActive).toBe(true)

    const calls = fake.callsOf('history.listRuns').length
    history.form.conditionsText = 'migration.parameters.downtime >= 300'
    await history.applyFilters()
    expect(fake.callsOf('history.listRuns')).toHaveLength(calls)
    expect(history.filterProblems).toEqual([
      { kind: 'unknown-parameter', path: 'migration.parameters.downtime' }
    ])

    await history.clearFilters()
    expect(history.total).toBe(3)
    expect(history.filtersActive).toBe(false)
  })

  it('deletes the selected runs and undoes it within the undo window', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    seed(4)
    const history = useHistoryStore()
    await history.refresh()
    history.toggleSelected(2)
    history.toggleSelected(3)
    expect(await history.remove({ runIds: [...history.selected] })).toBe(true)
    expect(history.total).toBe(2)
    expect(history.selected).toEqual([])
    expect(history.undo).toMatchObject({ runIds: [2, 3], runs: 2 })

    expect(await history.undoDelete()).toBe(true)
    expect(fake.callsOf('history.restore')).toEqual([{ runIds: [2, 3], experimentIds: [] }])
    expect(history.total).toBe(4)
    expect(history.undo).toBeNull()
    expect(history.notice).toEqual({ kind: 'restored', runs: 2, experiments: 0 })
    vi.advanceTimersByTime(NOTICE_MS + 1)
    expect(history.notice).toBeNull()
  })

  it('stops offering the undo after the undo window', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    seed(2)
    const history = useHistoryStore()
    await history.refresh()
    await history.remove({ runIds: [1] })
    expect(history.undo).not.toBeNull()
    vi.advanceTimersByTime(UNDO_WINDOW_MS + 1)
    expect(history.undo).toBeNull()
    expect(await history.undoDelete()).toBe(false)
  })

  it('goes back a page when the last rows of the last page were deleted', async () => {
    seed(26)
    const history = useHistoryStore()
    await history.refresh()
    await history.goToPage(1)
    expect(history.runs.map((r) => r.id)).toEqual([1])
    await history.remove({ runIds: [1] })
    expect(history.pageIndex).toBe(0)
    expect(history.runs).toHaveLength(25)
  })

  it('shows a note, tags and a star at once, and puts them back if the host refuses', async () => {
    seed(2)
    const history = useHistoryStore()
    await history.refresh()
    expect(await history.setNote(1, 'first try')).toBe(true)
    expect(await history.setTags(1, ['b', ' a ', 'b'])).toBe(true)
    expect(await history.setStarred(1, true)).toBe(true)
    expect(history.runs.find((r) => r.id === 1)).toMatchObject({
      notes: 'first try',
      tags: ['a', 'b'],
      starred: true
    })
    expect(fake.callsOf('history.setTags')).toEqual([{ runId: 1, tags: ['a', 'b'] }])

    fake.failures['history.setNote'] = { kind: 'Database', message: 'disk full' }
    expect(await history.setNote(1, 'second try')).toBe(false)
    expect(history.runs.find((r) => r.id === 1)?.notes).toBe('first try')
    expect(history.error?.message).toBe('disk full')
  })

  it('imports a chosen file, and explains a file that is not JSON', async () => {
    const history = useHistoryStore()
    await history.refresh()
    expect(await history.importText('broken.json', '{ not json')).toBe(false)
    expect(history.error?.message).toMatch(/^broken\.json is not JSON/)
    expect(fake.callsOf('history.import')).toHaveLength(0)

    const report = readFileSync(GUESTPERF_FIXTURE, 'utf8')
    expect(await history.importText('report.json', report)).toBe(true)
    expect(history.notice).toMatchObject({
      kind: 'imported',
      fileName: 'report.json',
      outcome: { format: 'guestperf' }
    })
    expect(fake.callsOf('history.import')).toEqual([
      { document: JSON.parse(report), fileName: 'report.json' }
    ])
    expect(history.total).toBe(1)
  })

  it('opens a run and closes it when the run is deleted', async () => {
    seed(3)
    const history = useHistoryStore()
    await history.refresh()
    await history.openDetail(2)
    expect(history.detail?.run.id).toBe(2)
    await history.remove({ runIds: [2] })
    expect(history.detail).toBeNull()
    await history.openDetail(99)
    expect(history.detailError?.kind).toBe('NotFound')
  })

  it('says when the host cannot be reached and keeps what it had', async () => {
    seed(3)
    const history = useHistoryStore()
    await history.refresh()
    fake.setConnection({ state: 'disconnected', reason: 'lost' })
    await history.refresh()
    expect(history.error?.kind).toBe('Disconnected')
    expect(history.runs).toHaveLength(3)
  })
})
