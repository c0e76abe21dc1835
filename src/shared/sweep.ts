/**
 * Sweep expansion: a base config, up to two varied parameters and a number of repetitions become
 * the list of runs an experiment performs (like guestperf's comparisons, which vary one knob,
 * reference §13.7 — here one or two, and repeated, since guestperf never repeats, §13.10).
 *
 * Pure: it knows nothing of the config schema beyond the JSON it is given. A varied path must
 * exist in the base config and keep its JSON type (a number stays a number), so a typo is
 * reported with its path instead of silently running the same config N times.
 */
import { labError, type LabError } from './errors'
import { setValueAtPath, splitConfigPath, valueAtPath } from './config/paths'

export type SweepValue = number | string | boolean

/**
 * One varied parameter: a dotted config path with either an explicit list of `values` or a
 * numeric `range` `a..b:step` (inclusive of `b` when the steps land on it, e.g. `100..500:100`
 * is 100, 200, 300, 400, 500).
 */
export type VariedParameter =
  { path: string; values: readonly SweepValue[] } | { path: string; range: string }

/**
 * `paired` (default): repetition r uses the same seed at every point, so two points differ only
 * in the varied parameters, not in the guest's randomness — the comparison is paired (common
 * random numbers). `independent`: every run gets its own seed.
 */
export type SeedPolicy = 'paired' | 'independent'

export interface SweepSpec {
  base: Record<string, unknown>
  varied: readonly VariedParameter[]
  /** Runs per point, 1…1000. */
  repetitions: number
  /** First seed; default: the base config's `seed`, else 1. */
  baseSeed?: number
  seeding?: SeedPolicy
}

export interface SweepRun {
  /** 0-based position in the sweep (points in order, repetitions inside a point). */
  index: number
  /** 0-based point (combination of varied values). */
  point: number
  /** 0-based repetition of that point. */
  repetition: number
  /** The base config with the varied values set (and `seed`, when the base has one). */
  config: Record<string, unknown>
  seed: number
  /** e.g. `downtime-limit=300, max-bandwidth=33554432 #2`. */
  label: string
  /** Varied path → value at this point. */
  varied: Record<string, SweepValue>
}

export type SweepOutcome = { ok: true; runs: SweepRun[] } | { ok: false; error: LabError }

/** Upper bound on runs in one sweep: far beyond a useful experiment, well below a typo's 1e9. */
export const MAX_SWEEP_RUNS = 10_000
const MAX_VALUES_PER_PARAMETER = 1_000

/**
 * How a sweep's problems are worded after their `where: ` (default English, as the CLI prints
 * them; the sweep panel passes its language's).
 */
export interface SweepMessages {
  readonly invalid: () => string
  readonly tooManyVaried: (count: number) => string
  readonly repetitions: (got: string) => string
  readonly notAPath: (path: string) => string
  readonly variedTwice: (path: string) => string
  readonly notInBase: (path: string) => string
  readonly notALeaf: (path: string, list: boolean) => string
  readonly valuesOrRange: () => string
  readonly noValues: () => string
  readonly tooManyValues: (count: number, max: number) => string
  readonly wrongType: (path: string, expected: string, valueJson: string) => string
  readonly notFinite: () => string
  readonly tooManyRuns: (total: number, max: number) => string
  readonly notARange: (text: string) => string
  readonly rangeNotFinite: (text: string) => string
  readonly stepNotPositive: () => string
  readonly endBelowStart: (end: number, start: number) => string
  readonly rangeTooManyValues: (text: string, count: number, max: number) => string
}

export const ENGLISH_SWEEP_MESSAGES: SweepMessages = {
  invalid: () => 'The sweep is not valid',
  tooManyVaried: (count) => `at most 2 parameters can be varied, got ${count}`,
  repetitions: (got) => `must be an integer from 1 to 1000, got ${got}`,
  notAPath: (path) => `"${path}" is not a dotted config path (e.g. migration.parameters.downtime-limit)`,
  variedTwice: (path) => `${path} is varied twice`,
  notInBase: (path) => `${path} does not exist in the base config`,
  notALeaf: (path, list) => `${path} is ${list ? 'a list' : 'an object'}; vary one of its fields`,
  valuesOrRange: () => 'give either values (a list) or range (start..end:step), not both',
  noValues: () => 'give at least one value',
  tooManyValues: (count, max) => `at most ${max} values, got ${count}`,
  wrongType: (path, expected, value) => `${path} is a ${expected} in the base config, got ${value}`,
  notFinite: () => 'not a finite number',
  tooManyRuns: (total, max) => `the sweep would have ${total} runs; at most ${max} are allowed`,
  notARange: (text) => `"${text}" is not a range; write start..end:step, e.g. 100..500:100`,
  rangeNotFinite: (text) => `"${text}" has a number that is not finite`,
  stepNotPositive: () => 'the step must be greater than 0',
  endBelowStart: (end, start) => `the end (${end}) is below the start (${start})`,
  rangeTooManyValues: (text, count, max) => `"${text}" has ${count} values; at most ${max} are allowed`
}

export function expandSweep(spec: SweepSpec, m: SweepMessages = ENGLISH_SWEEP_MESSAGES): SweepOutcome {
  const problems: string[] = []
  const varied = spec.varied ?? []
  if (varied.length > 2) problems.push(`varied: ${m.tooManyVaried(varied.length)}`)
  if (!Number.isInteger(spec.repetitions) || spec.repetitions < 1 || spec.repetitions > 1000)
    problems.push(`repetitions: ${m.repetitions(String(spec.repetitions))}`)

  const axes: { path: string; segments: string[]; values: SweepValue[] }[] = []
  const seenPaths = new Set<string>()
  varied.slice(0, 2).forEach((parameter, i) => {
    const where = `varied[${i}]`
    const segments = splitConfigPath(parameter.path)
    if (!segments) {
      problems.push(`${where}.path: ${m.notAPath(String(parameter.path))}`)
      return
    }
    if (seenPaths.has(parameter.path)) {
      problems.push(`${where}.path: ${m.variedTwice(parameter.path)}`)
      return
    }
    seenPaths.add(parameter.path)
    const current = valueAtPath(spec.base, segments)
    if (current === undefined) {
      problems.push(`${where}.path: ${m.notInBase(parameter.path)}`)
      return
    }
    if (current !== null && typeof current === 'object') {
      problems.push(`${where}.path: ${m.notALeaf(parameter.path, Array.isArray(current))}`)
      return
    }
    // Checked at run time too: a spec parsed from JSON may have both or neither.
    const given = parameter as { values?: readonly SweepValue[]; range?: string }
    if ((given.values === undefined) === (given.range === undefined)) {
      problems.push(`${where}: ${m.valuesOrRange()}`)
      return
    }
    const values =
      given.range !== undefined ? parseRange(given.range, `${where}.range`, problems, m) : given.values
    if (!values) return
    if (!Array.isArray(values) || values.length === 0) {
      problems.push(`${where}.values: ${m.noValues()}`)
      return
    }
    if (values.length > MAX_VALUES_PER_PARAMETER) {
      problems.push(`${where}.values: ${m.tooManyValues(values.length, MAX_VALUES_PER_PARAMETER)}`)
      return
    }
    const expected = current === null ? null : typeof current
    values.forEach((value, j) => {
      if (expected !== null && typeof value !== expected)
        problems.push(
          `${where}.values[${j}]: ${m.wrongType(parameter.path, expected, JSON.stringify(value))}`
        )
      else if (typeof value === 'number' && !Number.isFinite(value))
        problems.push(`${where}.values[${j}]: ${m.notFinite()}`)
    })
    axes.push({ path: parameter.path, segments, values: [...values] })
  })

  const total = axes.reduce((n, axis) => n * axis.values.length, 1) * (problems.length ? 1 : spec.repetitions)
  if (problems.length === 0 && total > MAX_SWEEP_RUNS)
    problems.push(`varied: ${m.tooManyRuns(total, MAX_SWEEP_RUNS)}`)
  if (problems.length > 0) return { ok: false, error: labError('Validation', m.invalid(), problems) }

  const baseSeedValue = spec.baseSeed ?? (typeof spec.base.seed === 'number' ? spec.base.seed : 1)
  const seeding: SeedPolicy = spec.seeding ?? 'paired'
  const points = cartesian(axes.map((axis) => axis.values))
  const runs: SweepRun[] = []
  points.forEach((combination, point) => {
    for (let repetition = 0; repetition < spec.repetitions; repetition++) {
      const index = runs.length
      const seed = seeding === 'paired' ? baseSeedValue + repetition : baseSeedValue + index
      const config = structuredClone(spec.base)
      const variedValues: Record<string, SweepValue> = {}
      axes.forEach((axis, a) => {
        setValueAtPath(config, axis.segments, combination[a])
        variedValues[axis.path] = combination[a]
      })
      if (Object.hasOwn(config, 'seed')) config.seed = seed
      const values = axes.map(
        (axis, a) => `${axis.segments[axis.segments.length - 1]}=${String(combination[a])}`
      )
      const label =
        [values.join(', '), spec.repetitions > 1 ? `#${repetition + 1}` : '']
          .filter((part) => part !== '')
          .join(' ') || `seed ${seed}`
      runs.push({ index, point, repetition, config, seed, label, varied: variedValues })
    }
  })
  return { ok: true, runs }
}

/**
 * Parses `a..b:step` into its values. Values are computed as a + i·step and rounded to 12
 * significant digits, so `0.1..0.3:0.1` gives 0.1, 0.2, 0.3 and not 0.30000000000000004.
 */
export function parseRange(
  text: string,
  where: string,
  problems: string[],
  m: SweepMessages = ENGLISH_SWEEP_MESSAGES
): number[] | null {
  const match =
    /^\s*(-?[\d.]+(?:e[+-]?\d+)?)\s*\.\.\s*(-?[\d.]+(?:e[+-]?\d+)?)\s*:\s*([\d.]+(?:e[+-]?\d+)?)\s*$/i.exec(
      typeof text === 'string' ? text : ''
    )
  if (!match) {
    problems.push(`${where}: ${m.notARange(String(text))}`)
    return null
  }
  const [start, end, step] = [Number(match[1]), Number(match[2]), Number(match[3])]
  if (![start, end, step].every(Number.isFinite)) {
    problems.push(`${where}: ${m.rangeNotFinite(text)}`)
    return null
  }
  if (step <= 0) {
    problems.push(`${where}: ${m.stepNotPositive()}`)
    return null
  }
  if (end < start) {
    problems.push(`${where}: ${m.endBelowStart(end, start)}`)
    return null
  }
  // The tolerance lets 0..1:0.1 include 1 despite binary fractions.
  const count = Math.floor((end - start) / step + 1e-9) + 1
  if (count > MAX_VALUES_PER_PARAMETER) {
    problems.push(`${where}: ${m.rangeTooManyValues(text, count, MAX_VALUES_PER_PARAMETER)}`)
    return null
  }
  return Array.from({ length: count }, (_, i) => Number((start + i * step).toPrecision(12)))
}

function cartesian(axes: readonly SweepValue[][]): SweepValue[][] {
  let combinations: SweepValue[][] = [[]]
  for (const values of axes)
    combinations = combinations.flatMap((prefix) => values.map((v) => [...prefix, v]))
  return combinations
}

/** Most shards a sweep is split into (`sweep --shard K/N`). */
export const MAX_SHARDS = 100_000

/** One share of a sweep's runs (`sweep --shard K/N`): shard `index` (0-based) of `count`. */
export interface SweepShard {
  readonly index: number
  readonly count: number
}

/**
 * The run indices of a shard: a contiguous block [start, end) of the sweep's runs, so shards
 * never overlap, their union is the whole sweep, and importing them in shard order keeps the
 * runs in the sweep's order. Stable: it depends only on the run count and the shard.
 */
export function shardRange(totalRuns: number, shard: SweepShard): { start: number; end: number } {
  return {
    start: Math.floor((shard.index * totalRuns) / shard.count),
    end: Math.floor(((shard.index + 1) * totalRuns) / shard.count)
  }
}
