import { defaultConfig } from './config'
import {
  RUN_STATUSES,
  splitConfigPath,
  valueAtPath,
  type ConfigFilter,
  type ConfigFilterOp,
  type RunFilter,
  type RunSortKey,
  type RunStatus,
  type SortDirection
} from './history'
import { RUN_SORT_KEYS } from './protocol/lab-api-history'

/**
 * The one reading of what a person types to find runs, for the command line (`history --filter
 * TERM --sort KEY[:DIR]`) and the History screen (its conditions box, tags field and sort):
 * conditions on config parameters, filter terms, sort keys, tag lists and run/experiment ids.
 * Pure; errors are English sentences that name what was typed, for the caller to show.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string }

const OPS: readonly ConfigFilterOp[] = ['<=', '>=', '!=', '=', '<', '>']

/** A fully defaulted config: the parameters a condition may name. */
let defaultsCache: unknown
function defaults(): unknown {
  defaultsCache ??= defaultConfig()
  return defaultsCache
}

/**
 * One condition on a config parameter: `path op value`, with op one of = == != < > <= >=. The
 * value is a number, true/false, null, or text (quotes optional). The path must be a parameter of
 * the config (`guest.workloads.0.pattern` for a workload), so a typo is reported, not silently
 * matched against nothing.
 */
export function parseConfigCondition(text: string): ParsedCondition {
  const fail = (problem: ConditionProblem): ParsedCondition => ({
    ok: false,
    error: conditionProblemText(problem),
    problem
  })
  const trimmed = text.trim()
  const match = /^([A-Za-z0-9_.-]+)\s*(==|<=|>=|!=|=|<|>)\s*(.*)$/.exec(trimmed)
  if (!match) return fail({ kind: 'not-a-condition', text: trimmed })
  const [, path, rawOp, rawValue] = match
  const segments = splitConfigPath(path)
  if (!segments) return fail({ kind: 'not-a-path', path })
  const current = valueAtPath(defaults(), segments)
  if (current === undefined) return fail({ kind: 'unknown-parameter', path })
  if (current !== null && typeof current === 'object') return fail({ kind: 'group', path })
  const op = (rawOp === '==' ? '=' : rawOp) as ConfigFilterOp
  if (!OPS.includes(op)) return fail({ kind: 'bad-operator', path, op: rawOp })
  const valueText = rawValue.trim()
  if (valueText === '') return fail({ kind: 'no-value', path, op })
  let value: ConfigFilter['value']
  if (/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(valueText)) value = Number(valueText)
  else if (valueText === 'true' || valueText === 'false') value = valueText === 'true'
  else if (valueText === 'null') value = null
  else value = valueText.replace(/^(["'])(.*)\1$/, '$2')
  if (value === null && op !== '=' && op !== '!=') return fail({ kind: 'null-order', path, op })
  if (typeof current === 'number' && typeof value !== 'number' && value !== null)
    return fail({ kind: 'not-a-number', path })
  return { ok: true, value: { path, op, value } }
}

/**
 * Why a config condition could not be read, as data: the command line prints
 * conditionProblemText (English), the History screen says it in the page's language.
 */
export type ConditionProblem =
  | { kind: 'not-a-condition'; text: string }
  | { kind: 'not-a-path'; path: string }
  | { kind: 'unknown-parameter'; path: string }
  | { kind: 'group'; path: string }
  | { kind: 'bad-operator'; path: string; op: string }
  | { kind: 'no-value'; path: string; op: string }
  | { kind: 'null-order'; path: string; op: string }
  | { kind: 'not-a-number'; path: string }

export type ParsedCondition =
  { ok: true; value: ConfigFilter } | { ok: false; error: string; problem: ConditionProblem }

/** A condition problem in English. */
export function conditionProblemText(problem: ConditionProblem): string {
  switch (problem.kind) {
    case 'not-a-condition':
      return `"${problem.text}" is not a condition; write parameter, operator, value, e.g. migration.parameters.downtime-limit >= 300`
    case 'not-a-path':
      return `"${problem.path}" is not a dotted config path`
    case 'unknown-parameter':
      return `${problem.path} is not a config parameter`
    case 'group':
      return `${problem.path} is a group of parameters; compare one of its fields`
    case 'bad-operator':
      return `"${problem.op}" is not one of = != < > <= >=`
    case 'no-value':
      return `${problem.path} ${problem.op}: give a value to compare with`
    case 'null-order':
      return `${problem.path} ${problem.op} null: null can only be compared with = or !=`
    case 'not-a-number':
      return `${problem.path} is a number; compare it with a number`
  }
}

/** A run id (`12`) or an experiment id (`e12`), as `history` prints them. */
export type HistoryRef = { kind: 'run'; id: number } | { kind: 'experiment'; id: number }

export function parseHistoryRef(text: string): Parsed<HistoryRef> {
  const m = /^(e|exp-?)?(\d{1,15})$/i.exec(text.trim())
  if (!m || Number(m[2]) < 1)
    return { ok: false, error: `"${text}" is not a run id (12) or an experiment id (e12)` }
  return { ok: true, value: { kind: m[1] ? 'experiment' : 'run', id: Number(m[2]) } }
}

/** Tags as typed in a tag field: comma-separated, trimmed, without duplicates. */
export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((tag) => tag.trim())
        .filter((tag) => tag.length > 0)
    )
  ]
}

/** Config conditions one per line (or separated by `;`); every bad line is reported. */
export function parseConfigConditions(text: string): {
  conditions: ConfigFilter[]
  problems: string[]
  /** The same problems as data (problems[i] is conditionProblemText(details[i])). */
  details: ConditionProblem[]
} {
  const conditions: ConfigFilter[] = []
  const details: ConditionProblem[] = []
  for (const line of text.split(/\n|;/)) {
    if (line.trim() === '') continue
    const parsed = parseConfigCondition(line)
    if (parsed.ok) conditions.push(parsed.value)
    else details.push(parsed.problem)
  }
  return { conditions, problems: details.map(conditionProblemText), details }
}

export const FILTER_TERM_HELP =
  'status=STATUS, tag=TAG, text=WORDS, source=simulated|measured, experiment=ID, starred, or a condition on a config parameter (migration.parameters.downtime-limit>=300)'

/**
 * Filter terms as the command line's `--filter` takes them: `status=completed`, `tag=paper`
 * (repeatable: all required), `text=hot set`, `source=measured`, `experiment=e12`, `starred`, or a
 * config condition (parseConfigCondition). Problems name the term.
 */
export function parseRunFilterTerms(terms: readonly string[]): { filter: RunFilter; problems: string[] } {
  const filter: RunFilter = {}
  const statuses: RunStatus[] = []
  const tags: string[] = []
  const config: ConfigFilter[] = []
  const problems: string[] = []
  for (const term of terms) {
    const trimmed = term.trim()
    if (trimmed === 'starred') {
      filter.starred = true
      continue
    }
    const simple = /^(status|tag|text|source|experiment)\s*=\s*(.*)$/.exec(trimmed)
    if (!simple) {
      const parsed = parseConfigCondition(trimmed)
      if (parsed.ok) config.push(parsed.value)
      else
        problems.push(
          trimmed.includes('.') || !/[<>=]/.test(trimmed)
            ? `"${term}": ${parsed.error}`
            : `"${term}": unknown filter; use ${FILTER_TERM_HELP}`
        )
      continue
    }
    const [, key, raw] = simple
    if (key === 'status') {
      if ((RUN_STATUSES as readonly string[]).includes(raw)) statuses.push(raw as RunStatus)
      else problems.push(`"${term}": status "${raw}" is not one of ${RUN_STATUSES.join(', ')}`)
    } else if (key === 'tag') tags.push(...parseTags(raw))
    else if (key === 'text') filter.text = raw
    else if (key === 'source') {
      if (raw === 'simulated' || raw === 'measured') filter.source = raw
      else problems.push(`"${term}": source "${raw}" is not simulated or measured`)
    } else {
      const ref = parseHistoryRef(raw)
      if (ref.ok) filter.experimentId = ref.value.id
      else problems.push(`"${term}": ${ref.error}`)
    }
  }
  if (statuses.length === 1) filter.status = statuses[0]
  else if (statuses.length > 1) filter.status = statuses
  if (tags.length) filter.tags = [...new Set(tags)]
  if (config.length) filter.config = config
  return { filter, problems }
}

/** The direction a sort key goes when none is given: newest first, else smallest first. */
export function defaultSortDirection(key: RunSortKey): SortDirection {
  return key === 'started' ? 'desc' : 'asc'
}

/** `KEY[:asc|desc]`, KEY one of RUN_SORT_KEYS. */
export function parseRunSort(text: string): Parsed<{ key: RunSortKey; dir: SortDirection }> {
  const [key = '', dir, ...rest] = text.trim().split(':')
  if (!(RUN_SORT_KEYS as readonly string[]).includes(key) || rest.length > 0)
    return { ok: false, error: `"${text}": write KEY[:asc|desc] with KEY one of ${RUN_SORT_KEYS.join(', ')}` }
  const sortKey = key as RunSortKey
  if (dir === undefined) return { ok: true, value: { key: sortKey, dir: defaultSortDirection(sortKey) } }
  if (dir !== 'asc' && dir !== 'desc') return { ok: false, error: `"${text}": the direction is asc or desc` }
  return { ok: true, value: { key: sortKey, dir } }
}
