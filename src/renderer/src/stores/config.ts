import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import { defaultConfig, parseConfig, type LabConfig } from '../../../shared/config'
import { assignWorkloads } from '../../../shared/engine/workload'
import { configMessages } from '../i18n/config-messages'
import { usePreferencesStore } from './preferences'
import { CONFIG_PRESETS, findPreset, nameAfterEdit, type PresetId } from '../../../shared/presets'
import {
  CAPABILITIES,
  SECTIONS,
  WORKLOAD_FIELDS,
  pathText,
  type CapabilityName,
  type ConfigPath
} from '../../../shared/config/fields'
import { setValueAtPath, valueAtPath } from '../../../shared/config/paths'

/**
 * The Configure screen's state: the config being edited (a sparse JSON object — what it leaves
 * out keeps QEMU's default, exactly like a config file), its validation by the same parseConfig
 * the host runs, and the mapping of every `path: message` problem onto the field it belongs to.
 * The draft survives a reload (localStorage).
 */

export const CONFIG_DRAFT_STORAGE_KEY = 'migration-lab.configure.draft'

export interface MappedProblems {
  /** Field path text → messages (without the path). */
  readonly byField: ReadonlyMap<string, readonly string[]>
  /** Problems that belong to no field on the form, as `path: message`. */
  readonly general: readonly string[]
}

/** Splits `path: message` into its parts (a line without a path has path ''). */
export function splitProblem(line: string): { path: string; message: string } {
  const at = line.indexOf(': ')
  if (at <= 0 || /\s/.test(line.slice(0, at))) return { path: '', message: line }
  return { path: line.slice(0, at), message: line.slice(at + 2) }
}

/**
 * Gives each problem to the field whose path is the longest prefix of the problem's path
 * (`guest.workloads[0].vcpus[2]` belongs to `guest.workloads[0].vcpus`); the rest are general.
 */
export function mapProblems(lines: readonly string[], fieldPaths: readonly string[]): MappedProblems {
  const byField = new Map<string, string[]>()
  const general: string[] = []
  for (const line of lines) {
    const { path, message } = splitProblem(line)
    let best: string | undefined
    if (path !== '')
      for (const candidate of fieldPaths) {
        const fits =
          path === candidate || path.startsWith(candidate + '.') || path.startsWith(candidate + '[')
        if (fits && (best === undefined || candidate.length > best.length)) best = candidate
      }
    if (best === undefined) general.push(line)
    else {
      const list = byField.get(best) ?? []
      list.push(path === best ? message : `${path.slice(best.length).replace(/^\./, '')}: ${message}`)
      byField.set(best, list)
    }
  }
  return { byField, general }
}

/** Every field path on the form for a config with `workloadCount` workload entries. */
export function formFieldPaths(workloadCount: number): string[] {
  const paths: string[] = []
  for (const section of SECTIONS)
    for (const field of section.fields) paths.push(pathText([...section.base, ...field.path]))
  for (const capability of CAPABILITIES) paths.push(pathText(['migration', 'capabilities', capability]))
  paths.push('guest.workloads')
  for (let i = 0; i < workloadCount; i++) {
    paths.push(pathText(['guest', 'workloads', i]))
    for (const field of WORKLOAD_FIELDS) paths.push(pathText(['guest', 'workloads', i, ...field.path]))
  }
  return paths
}

/** Capabilities the engine refuses, found by asking the parser (so the list never goes stale). */
export function capabilitiesNotSimulated(): ReadonlySet<CapabilityName> {
  const refused = new Set<CapabilityName>()
  for (const capability of CAPABILITIES) {
    const result = parseConfig({ migration: { capabilities: { [capability]: true } } })
    if (
      !result.ok &&
      (result.error.details ?? []).some(
        (d) => d === `migration.capabilities.${capability}: not simulated yet`
      )
    )
      refused.add(capability)
  }
  return refused
}

function readStoredDraft(): Record<string, unknown> | null {
  try {
    const text = window.localStorage.getItem(CONFIG_DRAFT_STORAGE_KEY)
    if (!text) return null
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null
  } catch {
    return null
  }
}

function presetDraft(id: PresetId): Record<string, unknown> {
  const preset = findPreset(id) ?? CONFIG_PRESETS[0]
  return structuredClone(preset.config) as Record<string, unknown>
}

export type JsonApplyOutcome =
  { ok: true } | { ok: false; reason: 'syntax'; detail: string } | { ok: false; reason: 'not-object' }

export const useConfigStore = defineStore('config', () => {
  const stored = readStoredDraft()
  /**
   * A plain object, replaced (never mutated) on every edit: anyone may clone it or send it as it
   * is (structuredClone refuses Vue's reactive proxies).
   */
  const draft = shallowRef<Record<string, unknown>>(stored ?? presetDraft('qemu-defaults'))
  /** The preset the draft started from (null: pasted or restored JSON). */
  const presetId = ref<PresetId | null>(stored ? null : 'qemu-defaults')
  /** The draft was changed since the preset was applied. */
  const edited = ref(false)

  const defaults = defaultConfig()
  const notSimulated = capabilitiesNotSimulated()

  const preferences = usePreferencesStore()
  // Problems read in the UI's language (recomputed when it changes).
  const check = computed(() => parseConfig(draft.value, { messages: configMessages(preferences.locale) }))
  const resolved = computed<LabConfig | null>(() => (check.value.ok ? check.value.config : null))
  const isValid = computed(() => check.value.ok)

  /** The workload entries the form shows: the draft's, or the single default entry. */
  const workloads = computed<readonly Record<string, unknown>[]>(() => {
    const list = valueAtPath(draft.value, ['guest', 'workloads'])
    if (!Array.isArray(list)) return [{}]
    return list.map((w) => (w !== null && typeof w === 'object' ? (w as Record<string, unknown>) : {}))
  })

  const problems = computed<MappedProblems>(() => {
    const result = check.value
    if (result.ok) return { byField: new Map(), general: [] }
    const lines = result.error.details?.length ? result.error.details : [result.error.message]
    return mapProblems(lines, formFieldPaths(workloads.value.length))
  })
  const problemCount = computed(() => {
    let count = problems.value.general.length
    for (const list of problems.value.byField.values()) count += list.length
    return count
  })

  function errorsAt(path: ConfigPath): readonly string[] {
    return problems.value.byField.get(pathText(path)) ?? []
  }

  /** Which vCPUs each workload entry drives (the first entry naming a vCPU wins). */
  const vcpusByWorkload = computed<number[][]>(() => {
    const vcpuCount =
      resolved.value?.guest.vcpus ??
      Number(valueAtPath(draft.value, ['guest', 'vcpus']) ?? defaults.guest.vcpus)
    const entries = workloads.value.map((w) => ({
      vcpus: Array.isArray(w.vcpus) ? (w.vcpus as number[]) : ('all' as const)
    }))
    const out: number[][] = entries.map(() => [])
    if (!Number.isInteger(vcpuCount) || vcpuCount < 1 || vcpuCount > 4096) return out
    assignWorkloads(vcpuCount, entries).forEach((entry, vcpu) => {
      if (entry >= 0) out[entry].push(vcpu)
    })
    return out
  })

  function get(path: ConfigPath): unknown {
    return valueAtPath(draft.value, path)
  }

  /** The value QEMU (or the lab) uses when the field is left out. */
  function defaultAt(path: ConfigPath): unknown {
    if (path[0] === 'guest' && path[1] === 'workloads')
      return valueAtPath(defaults.guest.workloads[0], path.slice(3))
    return valueAtPath(defaults, path)
  }

  /** The value the run will use: the draft's, or what parseConfig filled in. */
  function effectiveAt(path: ConfigPath): unknown {
    const own = get(path)
    if (own !== undefined) return own
    if (resolved.value) return valueAtPath(resolved.value, path)
    return defaultAt(path)
  }

  /** Edits a copy of the draft and puts it in place. */
  function edit(change: (next: Record<string, unknown>) => void): void {
    const next = structuredClone(draft.value)
    change(next)
    const preset = presetId.value ? findPreset(presetId.value) : undefined
    if (preset) {
      const name = nameAfterEdit(preset, next)
      if (name === undefined) delete next.name
      else next.name = name
    }
    draft.value = next
    edited.value = true
  }

  /** Sets a field; `undefined` removes it so its default applies. */
  function set(path: ConfigPath, value: unknown): void {
    edit((next) => {
      if (
        path[0] === 'guest' &&
        path[1] === 'workloads' &&
        !Array.isArray(valueAtPath(next, ['guest', 'workloads']))
      )
        setValueAtPath(next, ['guest', 'workloads'], [{}])
      setValueAtPath(next, path, value)
    })
  }

  function addWorkload(): void {
    const vcpuCount = resolved.value?.guest.vcpus ?? defaults.guest.vcpus
    edit((next) => {
      const list = valueAtPath(next, ['guest', 'workloads'])
      // A new entry for the last vCPU: entries are matched in order, so an `all` entry added
      // after another `all` would drive nothing.
      const entry = { vcpus: [Math.max(0, vcpuCount - 1)], pattern: 'uniform' }
      setValueAtPath(next, ['guest', 'workloads'], [...(Array.isArray(list) ? list : [{}]), entry])
    })
  }

  function removeWorkload(index: number): void {
    edit((next) => {
      const list = valueAtPath(next, ['guest', 'workloads'])
      const entries = Array.isArray(list) ? [...list] : [{}]
      entries.splice(index, 1)
      setValueAtPath(next, ['guest', 'workloads'], entries)
    })
  }

  function applyPreset(id: PresetId): void {
    draft.value = presetDraft(id)
    presetId.value = id
    edited.value = false
  }

  /** Replaces the draft with pasted JSON; the draft is left as it was when the text is not a config object. */
  function applyJson(text: string): JsonApplyOutcome {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (e) {
      return { ok: false, reason: 'syntax', detail: e instanceof Error ? e.message : String(e) }
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return { ok: false, reason: 'not-object' }
    draft.value = value as Record<string, unknown>
    presetId.value = null
    edited.value = true
    return { ok: true }
  }

  /** The draft as a config file: only what differs from QEMU's defaults. */
  const json = computed(() => JSON.stringify(draft.value, null, 2))

  watch(draft, (value) => {
    try {
      window.localStorage.setItem(CONFIG_DRAFT_STORAGE_KEY, JSON.stringify(value))
    } catch {
      // Not remembered across reloads; still used now.
    }
  })

  return {
    draft,
    presetId,
    edited,
    check,
    resolved,
    isValid,
    workloads,
    problems,
    problemCount,
    vcpusByWorkload,
    notSimulated,
    json,
    errorsAt,
    get,
    defaultAt,
    effectiveAt,
    set,
    addWorkload,
    removeWorkload,
    applyPreset,
    applyJson
  }
})
