import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { defaultConfig, parseConfig } from '../../../shared/config'
import type { LabError } from '../../../shared/errors'
import { splitConfigPath, valueAtPath } from '../../../shared/history'
import type { SweepFinished, SweepProgress } from '../../../shared/protocol/lab-api-history'
import type { LabParams } from '../../../shared/protocol/lab-api'
import { expandSweep, type SweepValue, type VariedParameter } from '../../../shared/sweep'
import {
  ENGLISH_SWEEP_DRAFT_MESSAGES,
  sweepDraftMessages,
  type SweepDraftMessages
} from '../i18n/sweep-messages'
import { labClient } from '../services/lab-api'
import { usePreferencesStore } from './preferences'

/**
 * The Sweep panel's state: the draft (base config, 1–2 varied parameters, repetitions,
 * parallelism, name), a local check of it (so the panel says "3 points × 2 repetitions = 6 runs"
 * and points at a bad value before anything is sent), and the progress of the sweeps running on
 * the host (`sweep.progress` / `sweep.finished` events; `sweeps.active` after a reconnect).
 */

export type VariedMode = 'values' | 'range'

export interface VariedDraft {
  path: string
  mode: VariedMode
  /** Comma-separated values, e.g. `100, 300, 500`. */
  valuesText: string
  /** `start..end:step`, e.g. `100..500:100`. */
  rangeText: string
}

/** Where the base config comes from. */
export type BaseSource =
  { kind: 'default' } | { kind: 'run'; runId: number; label: string } | { kind: 'provided'; label: string }

export interface SweepDraft {
  name: string
  /** True once the user typed a name (until then it follows the varied parameter). */
  nameEdited: boolean
  varied: VariedDraft[]
  repeat: number
  /** 0 = the host decides (its number of cores). */
  parallel: number
}

export const MAX_VARIED = 2

export function defaultVariedDraft(path = 'migration.parameters.downtime-limit'): VariedDraft {
  return { path, mode: 'values', valuesText: '100, 300, 500', rangeText: '100..500:200' }
}

export function defaultSweepDraft(): SweepDraft {
  return {
    name: 'downtime-limit sweep',
    nameEdited: false,
    varied: [defaultVariedDraft()],
    repeat: 1,
    parallel: 0
  }
}

/** A parameter a sweep can vary: a leaf of the config holding a number, a boolean or text. */
export interface ParameterOption {
  path: string
  /** The section it belongs to (`migration.parameters`, `guest.workloads.0`, …). */
  group: string
  /** QEMU's (or the config's) own name: the last segment. */
  name: string
  type: 'number' | 'boolean' | 'string'
}

/** Every parameter of a config that can be varied (all leaves but `name`), in document order. */
export function parameterOptions(config: Record<string, unknown>): ParameterOption[] {
  const out: ParameterOption[] = []
  const walk = (node: unknown, path: string[]): void => {
    if (Array.isArray(node)) node.forEach((item, i) => walk(item, [...path, String(i)]))
    else if (node !== null && typeof node === 'object')
      for (const [key, value] of Object.entries(node as Record<string, unknown>)) walk(value, [...path, key])
    else if (typeof node === 'number' || typeof node === 'boolean' || typeof node === 'string') {
      const full = path.join('.')
      if (full === 'name') return
      out.push({
        path: full,
        group: path.slice(0, -1).join('.') || 'config',
        name: path[path.length - 1],
        type: typeof node as ParameterOption['type']
      })
    }
  }
  walk(config, [])
  return out
}

export type ValuesParse = { ok: true; values: SweepValue[] } | { ok: false; error: string }

/** Reads a comma-separated list of values of the type the parameter has in the base config. */
export function parseValuesText(
  text: string,
  type: ParameterOption['type'],
  m: SweepDraftMessages = ENGLISH_SWEEP_DRAFT_MESSAGES
): ValuesParse {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
  if (items.length === 0) return { ok: false, error: m.noValuesGiven() }
  const values: SweepValue[] = []
  for (const item of items) {
    if (type === 'number') {
      const n = Number(item)
      if (!Number.isFinite(n)) return { ok: false, error: m.notANumber(item) }
      values.push(n)
    } else if (type === 'boolean') {
      if (item !== 'true' && item !== 'false') return { ok: false, error: m.notTrueOrFalse(item) }
      values.push(item === 'true')
    } else values.push(item.replace(/^(["'])(.*)\1$/, '$2'))
  }
  return { ok: true, values }
}

export type SweepCheck =
  | { ok: true; request: LabParams<'sweeps.start'>; points: number; runs: number }
  | { ok: false; problems: string[] }

/**
 * Checks a draft against its base config and builds the `sweeps.start` params. The host checks
 * again (and also every run's full config); this check is what lets the panel explain a mistake
 * next to the field that has it.
 */
export function checkSweepDraft(
  draft: SweepDraft,
  baseConfig: Record<string, unknown>,
  m: SweepDraftMessages = ENGLISH_SWEEP_DRAFT_MESSAGES
): SweepCheck {
  const problems: string[] = []
  const parsed = parseConfig(baseConfig, { messages: m.config })
  if (!parsed.ok) return { ok: false, problems: [parsed.error.message, ...(parsed.error.details ?? [])] }
  const base = parsed.config
  if (draft.name.trim() === '') problems.push(m.noName())
  if (!Number.isInteger(draft.repeat) || draft.repeat < 1 || draft.repeat > 1000)
    problems.push(m.repetitions())
  if (!Number.isInteger(draft.parallel) || draft.parallel < 0 || draft.parallel > 64)
    problems.push(m.parallel())
  const varied: VariedParameter[] = []
  draft.varied.slice(0, MAX_VARIED).forEach((v, i) => {
    const segments = splitConfigPath(v.path)
    const current = segments ? valueAtPath(base, segments) : undefined
    if (!segments || current === undefined || (current !== null && typeof current === 'object')) {
      problems.push(m.at(m.parameter(i + 1)) + m.chooseParameter())
      return
    }
    if (v.mode === 'range') {
      if (typeof current !== 'number') {
        problems.push(m.at(m.parameter(i + 1)) + m.rangeOfNonNumber(v.path))
        return
      }
      varied.push({ path: v.path, range: v.rangeText.trim() })
      return
    }
    const values = parseValuesText(v.valuesText, typeof current as ParameterOption['type'], m)
    if (!values.ok) problems.push(m.at(m.parameter(i + 1, v.path)) + values.error)
    else varied.push({ path: v.path, values: values.values })
  })
  if (problems.length > 0) return { ok: false, problems }
  const expansion = expandSweep({ base, varied, repetitions: draft.repeat }, m.sweep)
  if (!expansion.ok)
    return {
      ok: false,
      problems: (expansion.error.details ?? [expansion.error.message]).map((d) =>
        d.replace(/^varied\[(\d)\](\S*): /, (_m, i: string, rest: string) =>
          m.at(`${m.parameter(Number(i) + 1)}${rest}`)
        )
      )
    }
  const runs = expansion.runs.length
  return {
    ok: true,
    request: {
      name: draft.name.trim(),
      baseConfig,
      vary: varied.map((v) =>
        'range' in v
          ? { path: v.path, range: v.range }
          : { path: v.path, values: [...(v as { values: readonly SweepValue[] }).values] }
      ),
      repeat: draft.repeat,
      ...(draft.parallel > 0 ? { parallel: draft.parallel } : {})
    },
    points: runs / draft.repeat,
    runs
  }
}

/** The automatic name of a sweep: the varied parameters' names. */
export function autoSweepName(varied: readonly VariedDraft[]): string {
  const names = varied.map((v) => v.path.split('.').pop() ?? v.path).filter((n) => n !== '')
  return names.length > 0 ? `${names.join(' × ')} sweep` : 'repetitions'
}

export const useSweepStore = defineStore('sweep', () => {
  const client = labClient()

  const draft = ref<SweepDraft>(defaultSweepDraft())
  const baseConfig = shallowRef<Record<string, unknown>>({})
  const baseSource = shallowRef<BaseSource>({ kind: 'default' })
  const starting = ref(false)
  const startError = shallowRef<LabError | null>(null)
  /** Sweeps running on the host, by experiment id. */
  const active = shallowRef<ReadonlyMap<number, SweepProgress>>(new Map())
  /** Sweeps this page started, most recent last. */
  const startedHere = ref<number[]>([])
  /** The last sweep this page started that ended. */
  const lastFinished = shallowRef<SweepFinished | null>(null)

  const options = computed(() => parameterOptions(defaultConfig()))
  const preferences = usePreferencesStore()
  // Problems read in the UI's language (recomputed when it changes).
  const check = computed(() =>
    checkSweepDraft(draft.value, baseConfig.value, sweepDraftMessages(preferences.locale))
  )
  /** The sweep this page started most recently, while it runs. */
  const current = computed(() => {
    for (let i = startedHere.value.length - 1; i >= 0; i--) {
      const progress = active.value.get(startedHere.value[i])
      if (progress) return progress
    }
    return null
  })

  function setActive(progress: SweepProgress): void {
    const next = new Map(active.value)
    next.set(progress.experimentId, progress)
    active.value = next
  }

  function dropActive(experimentId: number): void {
    const next = new Map(active.value)
    next.delete(experimentId)
    active.value = next
  }

  let followed = false
  /** Subscribes to sweep events and asks which sweeps run now (again after every reconnect). */
  function follow(): void {
    if (followed) return
    followed = true
    client.onEvent((message) => {
      if (message.event === 'sweep.progress') setActive(message.payload)
      else if (message.event === 'sweep.finished') {
        dropActive(message.payload.experimentId)
        if (startedHere.value.includes(message.payload.experimentId)) lastFinished.value = message.payload
      }
    })
    client.onConnection((info) => {
      if (info.state === 'connected') void syncActive()
    })
  }

  async function syncActive(): Promise<void> {
    const outcome = await client.call('sweeps.active', {})
    if (outcome.ok) active.value = new Map(outcome.value.map((p) => [p.experimentId, p]))
  }

  function setVariedPath(index: number, path: string): void {
    const v = draft.value.varied[index]
    if (!v) return
    const option = options.value.find((o) => o.path === path)
    const current = option ? valueAtPath(baseDefaults(), splitConfigPath(path) ?? []) : undefined
    v.path = path
    // A fresh example list of the right type, so the field never shows numbers for a switch.
    if (option?.type === 'boolean') {
      v.mode = 'values'
      v.valuesText = 'false, true'
    } else if (option?.type === 'string') {
      v.mode = 'values'
      v.valuesText = String(current ?? '')
    } else if (typeof current === 'number' && current === 0) {
      v.valuesText = '0, 1'
      v.rangeText = '0..1:1'
    } else if (typeof current === 'number') {
      // Half, as is, double: integers stay integers (most of QEMU's parameters are).
      const half = Number.isInteger(current)
        ? Math.max(1, Math.round(current / 2))
        : Number((current / 2).toPrecision(6))
      v.valuesText = [half, current, current * 2].map((n) => String(Number(n.toPrecision(12)))).join(', ')
      v.rangeText = `${half}..${current * 2}:${half}`
    }
    if (!draft.value.nameEdited) draft.value.name = autoSweepName(draft.value.varied)
  }

  function baseDefaults(): Record<string, unknown> {
    const parsed = parseConfig(baseConfig.value)
    return parsed.ok ? parsed.config : defaultConfig()
  }

  function addVaried(): void {
    if (draft.value.varied.length >= MAX_VARIED) return
    const used = new Set(draft.value.varied.map((v) => v.path))
    const path = [
      'network.bandwidth-mbps',
      'migration.parameters.max-bandwidth',
      'guest.workloads.0.dirty-rate-mibps'
    ].find((p) => !used.has(p))
    draft.value.varied.push(defaultVariedDraft(path))
    setVariedPath(draft.value.varied.length - 1, path ?? 'network.bandwidth-mbps')
  }

  function removeVaried(index: number): void {
    draft.value.varied.splice(index, 1)
    if (!draft.value.nameEdited) draft.value.name = autoSweepName(draft.value.varied)
  }

  function setName(name: string): void {
    draft.value.name = name
    draft.value.nameEdited = true
  }

  /** Uses a config as the base (the Configure screen's, or any given one). */
  function useBaseConfig(config: Record<string, unknown>, label: string): void {
    // A plain copy: the config may be reactive state (the Configure draft), which structuredClone refuses.
    baseConfig.value = JSON.parse(JSON.stringify(config)) as Record<string, unknown>
    baseSource.value = { kind: 'provided', label }
  }

  function useDefaultBase(): void {
    baseConfig.value = {}
    baseSource.value = { kind: 'default' }
  }

  /** Uses the config a recorded run ran with as the base. */
  async function useRunAsBase(runId: number): Promise<boolean> {
    const outcome = await client.call('history.getRun', { runId, maxPoints: 16 })
    if (!outcome.ok) {
      startError.value = outcome.error
      return false
    }
    baseConfig.value = outcome.value.config
    baseSource.value = { kind: 'run', runId, label: outcome.value.run.label }
    return true
  }

  /** Sends the sweep; resolves with its experiment id, or null (the error is in startError). */
  async function start(): Promise<number | null> {
    const checked = check.value
    if (!checked.ok || starting.value) return null
    starting.value = true
    startError.value = null
    const outcome = await client.call('sweeps.start', checked.request)
    starting.value = false
    if (!outcome.ok) {
      startError.value = outcome.error
      return null
    }
    const { experimentId, total } = outcome.value
    startedHere.value = [...startedHere.value, experimentId]
    lastFinished.value = null
    if (!active.value.has(experimentId))
      setActive({ experimentId, name: checked.request.name, done: 0, total, failed: 0, running: 0 })
    return experimentId
  }

  async function cancel(experimentId: number): Promise<boolean> {
    const outcome = await client.call('sweeps.cancel', { experimentId })
    if (!outcome.ok) {
      startError.value = outcome.error
      return false
    }
    return outcome.value.cancelled
  }

  function dismissFinished(): void {
    lastFinished.value = null
  }

  return {
    draft,
    baseConfig,
    baseSource,
    starting,
    startError,
    active,
    startedHere,
    lastFinished,
    current,
    options,
    check,
    follow,
    syncActive,
    setVariedPath,
    addVaried,
    removeVaried,
    setName,
    useBaseConfig,
    useDefaultBase,
    useRunAsBase,
    start,
    cancel,
    dismissFinished
  }
})
