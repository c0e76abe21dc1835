import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { labError, type LabError } from '../../../shared/errors'
import {
  type ExperimentRecord,
  type Page,
  type RunDetail,
  type RunListQuery,
  type RunRecord,
  type RunSortKey,
  type RunSource,
  type RunStatus,
  type SortDirection
} from '../../../shared/history'
import { parseConfigConditions, parseTags, type ConditionProblem } from '../../../shared/history-query'
import type { LabOutcome } from '../../../shared/protocol/lab-api'
import type { ImportOutcome } from '../../../shared/protocol/lab-api-history'

// The History screen reads conditions and tags the way the command line does (one parser).
export { parseTags }
import { labClient } from '../services/lab-api'

/**
 * The History screen's state: the filter a user typed, the sort, the page, the runs (or
 * experiments) on it, the selection, and the undo of the last delete. Every change goes through
 * LabApi `history.*`; the list is reloaded from the host rather than patched, except for the
 * note, tags and star of a row, which are shown at once (and put back if the host refuses).
 */

export type HistoryMode = 'runs' | 'experiments'

/** What the filter form holds (strings as typed; turned into a RunFilter by buildRunListQuery). */
export interface HistoryFilterForm {
  /** Empty = any status. */
  statuses: RunStatus[]
  /** Comma-separated tags, all required. */
  tagsText: string
  text: string
  source: RunSource | ''
  starredOnly: boolean
  /** One condition per line, e.g. `migration.parameters.downtime-limit >= 300`. */
  conditionsText: string
  /** Only the runs of this experiment (set when an experiment is opened). */
  experimentId: number | null
}

export function emptyFilterForm(): HistoryFilterForm {
  return {
    statuses: [],
    tagsText: '',
    text: '',
    source: '',
    starredOnly: false,
    conditionsText: '',
    experimentId: null
  }
}

/** A copy of a filter form (forms live in reactive state, which structuredClone cannot copy). */
export function cloneFilterForm(form: HistoryFilterForm): HistoryFilterForm {
  return { ...form, statuses: [...form.statuses] }
}

export const PAGE_SIZES = [10, 25, 50, 100] as const
export const DEFAULT_PAGE_SIZE = 25
/** How long the undo of a delete is offered, ms. */
export const UNDO_WINDOW_MS = 10_000
/** How long a notice (imported, restored) stays, ms. */
export const NOTICE_MS = 8_000

export interface BuiltQuery {
  query: RunListQuery
  /** Conditions that could not be read, one per bad line (as data: the screen words them). */
  problems: ConditionProblem[]
}

/** The LabApi query for a filter form, a sort and a page. */
export function buildRunListQuery(
  form: HistoryFilterForm,
  sort: { key: RunSortKey; dir: SortDirection },
  page: { limit: number; offset: number }
): BuiltQuery {
  const { conditions: config, details: problems } = parseConfigConditions(form.conditionsText)
  const tags = parseTags(form.tagsText)
  const filter: NonNullable<RunListQuery['filter']> = {
    ...(form.statuses.length === 1 ? { status: form.statuses[0] } : {}),
    ...(form.statuses.length > 1 ? { status: [...form.statuses] } : {}),
    ...(tags.length > 0 ? { tags } : {}),
    ...(form.text.trim() !== '' ? { text: form.text.trim() } : {}),
    ...(form.source !== '' ? { source: form.source } : {}),
    ...(form.starredOnly ? { starred: true } : {}),
    ...(form.experimentId !== null ? { experimentId: form.experimentId } : {}),
    ...(config.length > 0 ? { config } : {})
  }
  return {
    query: { filter, sort: { ...sort }, page: { limit: page.limit, offset: page.offset } },
    problems
  }
}

export interface PendingUndo {
  readonly runIds: number[]
  readonly experimentIds: number[]
  /** Runs that went to the bin (with those of the experiments). */
  readonly runs: number
  readonly experiments: number
  readonly expiresAtMs: number
}

export type HistoryNotice =
  | { kind: 'imported'; outcome: ImportOutcome; fileName: string }
  | { kind: 'restored'; runs: number; experiments: number }

export const useHistoryStore = defineStore('history', () => {
  const client = labClient()

  const mode = ref<HistoryMode>('runs')
  const form = ref<HistoryFilterForm>(emptyFilterForm())
  /** The filter in force (the form is applied on submit, so typing does not refetch). */
  const applied = ref<HistoryFilterForm>(emptyFilterForm())
  const sort = ref<{ key: RunSortKey; dir: SortDirection }>({ key: 'started', dir: 'desc' })
  const pageSize = ref<number>(DEFAULT_PAGE_SIZE)
  const offset = ref(0)

  const runs = shallowRef<RunRecord[]>([])
  const total = ref(0)
  const experiments = shallowRef<ExperimentRecord[]>([])
  const experimentTotal = ref(0)
  const experimentOffset = ref(0)
  const loading = ref(false)
  const loaded = ref(false)
  const error = shallowRef<LabError | null>(null)
  /** Problems in the typed conditions; the list is not reloaded until they are fixed. */
  const filterProblems = ref<ConditionProblem[]>([])

  const selected = ref<number[]>([])
  const undo = shallowRef<PendingUndo | null>(null)
  const notice = shallowRef<HistoryNotice | null>(null)
  /** The run opened in the detail panel. */
  const detail = shallowRef<RunDetail | null>(null)
  const detailError = shallowRef<LabError | null>(null)

  const pageCount = computed(() => Math.max(1, Math.ceil(total.value / pageSize.value)))
  const pageIndex = computed(() => Math.floor(offset.value / pageSize.value))
  const experimentPageCount = computed(() => Math.max(1, Math.ceil(experimentTotal.value / pageSize.value)))
  const experimentPageIndex = computed(() => Math.floor(experimentOffset.value / pageSize.value))
  const filtersActive = computed(() => JSON.stringify(applied.value) !== JSON.stringify(emptyFilterForm()))
  const selectedRuns = computed(() => runs.value.filter((run) => selected.value.includes(run.id)))

  let requestSeq = 0

  /**
   * One list request, the latest one wins: undefined when a newer request was made meanwhile or
   * when the host refused (then `error` says why); else the page, with `loading`, `error` and
   * `loaded` updated.
   */
  async function latestPage<T>(request: () => Promise<LabOutcome<Page<T>>>): Promise<Page<T> | undefined> {
    const seq = ++requestSeq
    loading.value = true
    const outcome = await request()
    if (seq !== requestSeq) return undefined // a newer request is on its way
    loading.value = false
    if (!outcome.ok) {
      error.value = outcome.error
      return undefined
    }
    error.value = null
    loaded.value = true
    return outcome.value
  }

  async function loadRuns(): Promise<void> {
    const built = buildRunListQuery(applied.value, sort.value, {
      limit: pageSize.value,
      offset: offset.value
    })
    filterProblems.value = built.problems
    if (built.problems.length > 0) return
    const page = await latestPage(() => client.call('history.listRuns', built.query))
    if (!page) return
    // A page past the end (the last rows were deleted): show the last page instead.
    if (page.rows.length === 0 && page.total > 0 && offset.value > 0) {
      offset.value = Math.max(0, (Math.ceil(page.total / pageSize.value) - 1) * pageSize.value)
      return loadRuns()
    }
    runs.value = page.rows
    total.value = page.total
    const visible = new Set(page.rows.map((run) => run.id))
    selected.value = selected.value.filter((id) => visible.has(id))
  }

  async function loadExperiments(): Promise<void> {
    const text = applied.value.text.trim()
    const page = await latestPage(() =>
      client.call('history.listExperiments', {
        filter: {
          ...(text !== '' ? { text } : {}),
          ...(applied.value.starredOnly ? { starred: true } : {})
        },
        sort: { key: 'created', dir: 'desc' },
        page: { limit: pageSize.value, offset: experimentOffset.value }
      })
    )
    if (!page) return
    experiments.value = page.rows
    experimentTotal.value = page.total
  }

  function refresh(): Promise<void> {
    return mode.value === 'runs' ? loadRuns() : loadExperiments()
  }

  function setMode(next: HistoryMode): Promise<void> {
    mode.value = next
    return refresh()
  }

  /** Applies the filter form (from its first page). */
  function applyFilters(): Promise<void> {
    applied.value = cloneFilterForm(form.value)
    offset.value = 0
    experimentOffset.value = 0
    return refresh()
  }

  function clearFilters(): Promise<void> {
    form.value = emptyFilterForm()
    return applyFilters()
  }

  /** Shows the runs of one experiment. */
  function showExperimentRuns(experimentId: number): Promise<void> {
    form.value = { ...emptyFilterForm(), experimentId }
    mode.value = 'runs'
    return applyFilters()
  }

  /** Sorts by a column; the same column again flips the direction. */
  function sortBy(key: RunSortKey): Promise<void> {
    sort.value =
      sort.value.key === key
        ? { key, dir: sort.value.dir === 'asc' ? 'desc' : 'asc' }
        : { key, dir: key === 'started' ? 'desc' : 'asc' }
    offset.value = 0
    return loadRuns()
  }

  function goToPage(index: number): Promise<void> {
    if (mode.value === 'runs') {
      offset.value = Math.min(Math.max(0, index), pageCount.value - 1) * pageSize.value
      return loadRuns()
    }
    experimentOffset.value = Math.min(Math.max(0, index), experimentPageCount.value - 1) * pageSize.value
    return loadExperiments()
  }

  function setPageSize(size: number): Promise<void> {
    pageSize.value = size
    offset.value = 0
    experimentOffset.value = 0
    return refresh()
  }

  function toggleSelected(runId: number): void {
    selected.value = selected.value.includes(runId)
      ? selected.value.filter((id) => id !== runId)
      : [...selected.value, runId]
  }

  function setAllSelected(all: boolean): void {
    selected.value = all ? runs.value.map((run) => run.id) : []
  }

  function patchRun(runId: number, patch: Partial<RunRecord>): RunRecord | undefined {
    const before = runs.value.find((run) => run.id === runId)
    runs.value = runs.value.map((run) => (run.id === runId ? { ...run, ...patch } : run))
    if (detail.value?.run.id === runId)
      detail.value = { ...detail.value, run: { ...detail.value.run, ...patch } }
    return before
  }

  /** Applies a change at once, calls the host, and puts the row back if the host refuses. */
  async function annotate(
    runId: number,
    patch: Partial<RunRecord>,
    call: () => Promise<{ ok: true } | { ok: false; error: LabError }>
  ): Promise<boolean> {
    const before = patchRun(runId, patch)
    const outcome = await call()
    if (!outcome.ok) {
      if (before) patchRun(runId, before)
      error.value = outcome.error
      return false
    }
    return true
  }

  function setNote(runId: number, notes: string): Promise<boolean> {
    return annotate(runId, { notes }, () => client.call('history.setNote', { runId, notes }))
  }

  function setTags(runId: number, tags: string[]): Promise<boolean> {
    const clean = [...new Set(tags.map((tag) => tag.trim()).filter((tag) => tag !== ''))].sort()
    return annotate(runId, { tags: clean }, () => client.call('history.setTags', { runId, tags: clean }))
  }

  function setStarred(runId: number, starred: boolean): Promise<boolean> {
    return annotate(runId, { starred }, () => client.call('history.setStarred', { runId, starred }))
  }

  async function setExperimentStarred(experimentId: number, starred: boolean): Promise<void> {
    const outcome = await client.call('history.setStarred', { experimentId, starred })
    if (!outcome.ok) error.value = outcome.error
    else experiments.value = experiments.value.map((e) => (e.id === experimentId ? { ...e, starred } : e))
  }

  let undoTimer: ReturnType<typeof setTimeout> | undefined
  let noticeTimer: ReturnType<typeof setTimeout> | undefined

  function showNotice(next: HistoryNotice): void {
    if (noticeTimer !== undefined) clearTimeout(noticeTimer)
    notice.value = next
    noticeTimer = setTimeout(() => {
      notice.value = null
      noticeTimer = undefined
    }, NOTICE_MS)
  }

  /** Moves runs and experiments to the bin and offers to undo it for UNDO_WINDOW_MS. */
  async function remove(target: { runIds?: number[]; experimentIds?: number[] }): Promise<boolean> {
    const runIds = target.runIds ?? []
    const experimentIds = target.experimentIds ?? []
    if (runIds.length === 0 && experimentIds.length === 0) return false
    const outcome = await client.call('history.delete', { runIds, experimentIds })
    if (!outcome.ok) {
      error.value = outcome.error
      return false
    }
    if (undoTimer !== undefined) clearTimeout(undoTimer)
    undo.value = { runIds, experimentIds, ...outcome.value, expiresAtMs: Date.now() + UNDO_WINDOW_MS }
    undoTimer = setTimeout(() => {
      undo.value = null
      undoTimer = undefined
    }, UNDO_WINDOW_MS)
    selected.value = selected.value.filter((id) => !runIds.includes(id))
    if (detail.value && runIds.includes(detail.value.run.id)) closeDetail()
    await refresh()
    return true
  }

  /** Takes the last deleted runs and experiments out of the bin. */
  async function undoDelete(): Promise<boolean> {
    const pending = undo.value
    if (!pending) return false
    if (undoTimer !== undefined) clearTimeout(undoTimer)
    undoTimer = undefined
    undo.value = null
    const outcome = await client.call('history.restore', {
      runIds: pending.runIds,
      experimentIds: pending.experimentIds
    })
    if (!outcome.ok) {
      error.value = outcome.error
      return false
    }
    showNotice({ kind: 'restored', ...outcome.value })
    await refresh()
    return true
  }

  function dismissUndo(): void {
    if (undoTimer !== undefined) clearTimeout(undoTimer)
    undoTimer = undefined
    undo.value = null
  }

  /** Imports the text of a chosen file: a Migration Lab export or a guestperf report. */
  async function importText(fileName: string, text: string): Promise<boolean> {
    let document: unknown
    try {
      document = JSON.parse(text)
    } catch (e) {
      error.value = labError(
        'Validation',
        `${fileName} is not JSON (${e instanceof Error ? e.message : String(e)}). Choose a file exported from History or a guestperf report.`
      )
      return false
    }
    if (document === null || typeof document !== 'object' || Array.isArray(document)) {
      error.value = labError(
        'Validation',
        `${fileName} does not hold a JSON object. Choose a file exported from History or a guestperf report.`
      )
      return false
    }
    const outcome = await client.call('history.import', { document, fileName })
    if (!outcome.ok) {
      error.value = outcome.error
      return false
    }
    showNotice({ kind: 'imported', outcome: outcome.value, fileName })
    await refresh()
    return true
  }

  /** Opens a run in the detail panel. */
  async function openDetail(runId: number): Promise<void> {
    detailError.value = null
    const outcome = await client.call('history.getRun', { runId, maxPoints: 2000 })
    if (!outcome.ok) {
      detailError.value = outcome.error
      detail.value = null
      return
    }
    detail.value = outcome.value
  }

  function closeDetail(): void {
    detail.value = null
    detailError.value = null
  }

  function dismissError(): void {
    error.value = null
  }

  function dismissNotice(): void {
    if (noticeTimer !== undefined) clearTimeout(noticeTimer)
    noticeTimer = undefined
    notice.value = null
  }

  let eventsStarted = false
  let refreshTimer: ReturnType<typeof setTimeout> | undefined
  /** Reloads the list when runs end elsewhere (sweeps, the Live run screen), at most once a second. */
  function followHostEvents(): void {
    if (eventsStarted) return
    eventsStarted = true
    client.onEvent((message) => {
      const relevant =
        message.event === 'sweep.progress' ||
        message.event === 'sweep.finished' ||
        message.event === 'run.finished' ||
        message.event === 'run.failed'
      if (!relevant || !loaded.value || refreshTimer !== undefined) return
      refreshTimer = setTimeout(() => {
        refreshTimer = undefined
        void refresh()
      }, 1000)
    })
  }

  return {
    mode,
    form,
    applied,
    sort,
    pageSize,
    offset,
    runs,
    total,
    experiments,
    experimentTotal,
    loading,
    loaded,
    error,
    filterProblems,
    selected,
    selectedRuns,
    undo,
    notice,
    detail,
    detailError,
    pageCount,
    pageIndex,
    experimentPageCount,
    experimentPageIndex,
    filtersActive,
    refresh,
    setMode,
    applyFilters,
    clearFilters,
    showExperimentRuns,
    sortBy,
    goToPage,
    setPageSize,
    toggleSelected,
    setAllSelected,
    setNote,
    setTags,
    setStarred,
    setExperimentStarred,
    remove,
    undoDelete,
    dismissUndo,
    importText,
    openDetail,
    closeDetail,
    dismissError,
    dismissNotice,
    followHostEvents
  }
})
