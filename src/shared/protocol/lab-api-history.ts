import { z } from 'zod'
import type { LabError } from '../errors'
import {
  splitConfigPath,
  type ExperimentRecord,
  type ExperimentStatus,
  type ExportDocument,
  type Page,
  type RunDetail,
  type RunRecord,
  type Summary
} from '../history'
import type { VariedParameter } from '../sweep'

/**
 * The history and sweep part of the LabApi (see lab-api.ts for the contract's rules): listing,
 * reading, annotating, deleting (with undo), exporting and importing runs and experiments, and
 * running sweeps in the background. Spread into `labMethodSchemas`, `LabMethodResults` and
 * `LabEvents` by lab-api.ts; the handlers are in src/main/lab/handlers/history.ts.
 *
 * Every schema names the offending path in its errors (`filter.config.0.path: …`), because the
 * host answers a bad call with exactly these messages.
 */

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

/** Ids are SQLite rowids: positive safe integers. */
export const recordIdSchema = z.int().min(1).max(Number.MAX_SAFE_INTEGER)

/** A dotted config path: `migration.parameters.downtime-limit`, `guest.workloads.0.pattern`. */
export const configPathSchema = z
  .string()
  .max(300)
  .refine((path) => splitConfigPath(path) !== null, {
    error:
      'not a dotted config path (letters, digits, - and _ between dots, e.g. migration.parameters.downtime-limit)'
  })

export const RUN_STATUS_VALUES = ['running', 'completed', 'cancelled', 'failed', 'interrupted'] as const
export const RUN_SOURCE_VALUES = ['simulated', 'measured'] as const
export const RUN_SORT_KEYS = [
  'started',
  'downtime',
  'guest-pause',
  'total-time',
  'transferred',
  'syncs'
] as const
export const CONFIG_FILTER_OPS = ['=', '!=', '<', '>', '<=', '>='] as const
export const EXPERIMENT_STATUS_VALUES = [
  'draft',
  'running',
  'completed',
  'cancelled',
  'failed',
  'interrupted'
] as const

/** Largest page a list call returns (the storage's own limit). */
export const MAX_PAGE_ROWS = 1000
/** At most this many runs per delete, restore, export or comparison call. */
export const MAX_IDS_PER_CALL = 10_000
/** Tags are trimmed; at most this long. */
export const MAX_TAG_LENGTH = 100
export const MAX_NOTES_LENGTH = 20_000

const tagSchema = z.string().trim().min(1, { error: 'a tag must not be empty' }).max(MAX_TAG_LENGTH)
const tagsSchema = z.array(tagSchema).max(50)
const idListSchema = z.array(recordIdSchema).max(MAX_IDS_PER_CALL)

const pageSchema = z.strictObject({
  limit: z.int().min(1).max(MAX_PAGE_ROWS).default(50),
  offset: z.int().min(0).max(Number.MAX_SAFE_INTEGER).default(0)
})

export const configFilterSchema = z.strictObject({
  path: configPathSchema,
  op: z.enum(CONFIG_FILTER_OPS),
  value: z.union([z.number(), z.string().max(500), z.boolean(), z.null()], {
    error: 'expected a number, a string, true/false or null'
  })
})

const runStatusSchema = z.enum(RUN_STATUS_VALUES)

export const runFilterSchema = z.strictObject({
  status: z.union([runStatusSchema, z.array(runStatusSchema).max(RUN_STATUS_VALUES.length)]).optional(),
  tags: tagsSchema.optional(),
  text: z.string().max(500).optional(),
  /** `null`: stand-alone runs only. */
  experimentId: recordIdSchema.nullable().optional(),
  source: z.enum(RUN_SOURCE_VALUES).optional(),
  starred: z.boolean().optional(),
  from: z.number().optional(),
  to: z.number().optional(),
  config: z.array(configFilterSchema).max(20).optional()
})

export const runListQuerySchema = z.strictObject({
  filter: runFilterSchema.optional(),
  sort: z.strictObject({ key: z.enum(RUN_SORT_KEYS), dir: z.enum(['asc', 'desc']) }).optional(),
  page: pageSchema.optional()
})

const experimentStatusSchema = z.enum(EXPERIMENT_STATUS_VALUES)

export const experimentListQuerySchema = z.strictObject({
  filter: z
    .strictObject({
      status: z
        .union([experimentStatusSchema, z.array(experimentStatusSchema).max(EXPERIMENT_STATUS_VALUES.length)])
        .optional(),
      tags: tagsSchema.optional(),
      text: z.string().max(500).optional(),
      starred: z.boolean().optional()
    })
    .optional(),
  sort: z
    .strictObject({ key: z.enum(['created', 'updated', 'name']), dir: z.enum(['asc', 'desc']) })
    .optional(),
  page: pageSchema.optional()
})

/** `{runId}` or `{experimentId}`: what a note, a tag list or a star is put on. */
const annotationTarget = {
  runId: recordIdSchema.optional(),
  experimentId: recordIdSchema.optional()
}

/**
 * Adds an issue (at the first key) unless exactly one of two alternative params is given, e.g.
 * `runIds` or `experimentId`: what a report, an export or an annotation is about.
 */
export function requireExactlyOne<K extends string>(
  value: Partial<Record<K, unknown>>,
  ctx: z.RefinementCtx,
  first: K,
  second: K
): void {
  const given = (value[first] !== undefined ? 1 : 0) + (value[second] !== undefined ? 1 : 0)
  if (given !== 1)
    ctx.addIssue({
      code: 'custom',
      path: [first],
      message: given === 0 ? `give ${first} or ${second}` : `give ${first} or ${second}, not both`
    })
}

function exactlyOneTarget(value: { runId?: number; experimentId?: number }, ctx: z.RefinementCtx): void {
  requireExactlyOne(value, ctx, 'runId', 'experimentId')
}

function someIds(value: { runIds: number[]; experimentIds: number[] }, ctx: z.RefinementCtx): void {
  if (value.runIds.length === 0 && value.experimentIds.length === 0)
    ctx.addIssue({ code: 'custom', path: ['runIds'], message: 'give at least one run or experiment id' })
}

const sweepValueSchema = z.union([z.number(), z.string().max(200), z.boolean()], {
  error: 'expected a number, a string or true/false'
})

/** One varied parameter: a path with a list of values, or with a range `start..end:step`. */
export const variedParameterSchema = z
  .strictObject({
    path: configPathSchema,
    values: z.array(sweepValueSchema).min(1, { error: 'give at least one value' }).max(1000).optional(),
    range: z.string().max(100).optional()
  })
  .superRefine((value, ctx) => {
    if ((value.values === undefined) === (value.range === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: 'give either values (a list) or range (start..end:step), not both'
      })
  })
  .transform((value): VariedParameter =>
    value.values !== undefined
      ? { path: value.path, values: value.values }
      : { path: value.path, range: value.range ?? '' }
  )

export const sweepStartSchema = z.strictObject({
  /** The experiment's name, shown in History and Compare. */
  name: z.string().trim().min(1, { error: 'give the sweep a name' }).max(200),
  description: z.string().max(MAX_NOTES_LENGTH).optional(),
  /** The config every run starts from (any valid config; defaults fill the rest). */
  baseConfig: z.record(z.string(), z.unknown()),
  /** 0–2 varied parameters (none: only repetitions, to study the spread of one config). */
  vary: z.array(variedParameterSchema).max(2, { error: 'at most 2 parameters can be varied' }),
  /** Runs per point. */
  repeat: z.int().min(1).max(1000).default(1),
  /** Runs at the same time; default: the host's number of cores. */
  parallel: z.int().min(1).max(64).optional(),
  /** See src/shared/sweep.ts SeedPolicy; default `paired`. */
  seeding: z.enum(['paired', 'independent']).optional(),
  tags: tagsSchema.optional()
})

// ---------------------------------------------------------------------------------------------
// Methods
// ---------------------------------------------------------------------------------------------

export const historyMethodSchemas = {
  /** A page of runs (not in the bin), filtered and sorted. */
  'history.listRuns': runListQuerySchema,
  /** A page of experiments (sweeps). */
  'history.listExperiments': experimentListQuerySchema,
  /** One experiment. */
  'history.getExperiment': z.strictObject({ experimentId: recordIdSchema }),
  /** One run with result and telemetry; series min/max-downsampled to `maxPoints`. */
  'history.getRun': z.strictObject({
    runId: recordIdSchema,
    maxPoints: z.int().min(16).max(100_000).optional()
  }),
  /** Per-group statistics of runs or of an experiment's runs, grouped by a config path. */
  'history.summarize': z.strictObject({
    target: z.union(
      [
        z.strictObject({ runIds: idListSchema.min(1, { error: 'give at least one run id' }) }),
        z.strictObject({ experimentId: recordIdSchema })
      ],
      { error: 'expected {runIds: [...]} or {experimentId}' }
    ),
    groupBy: configPathSchema.nullable().optional()
  }),
  'history.setNote': z
    .strictObject({ ...annotationTarget, notes: z.string().max(MAX_NOTES_LENGTH) })
    .superRefine(exactlyOneTarget),
  /** Replaces the tags (trimmed, duplicates dropped). */
  'history.setTags': z.strictObject({ ...annotationTarget, tags: tagsSchema }).superRefine(exactlyOneTarget),
  'history.setStarred': z
    .strictObject({ ...annotationTarget, starred: z.boolean() })
    .superRefine(exactlyOneTarget),
  /** Moves runs (and experiments, with their runs) to the bin; undo with history.restore. */
  'history.delete': z
    .strictObject({ runIds: idListSchema.default([]), experimentIds: idListSchema.default([]) })
    .superRefine(someIds),
  /** Takes runs and experiments out of the bin. */
  'history.restore': z
    .strictObject({ runIds: idListSchema.default([]), experimentIds: idListSchema.default([]) })
    .superRefine(someIds),
  /** A `migration-lab-export` document of some runs or of one experiment. */
  'history.export': z
    .strictObject({
      runIds: idListSchema.min(1, { error: 'give at least one run id' }).optional(),
      experimentId: recordIdSchema.optional()
    })
    .superRefine((value, ctx) => requireExactlyOne(value, ctx, 'runIds', 'experimentId')),
  /** Imports a `migration-lab-export` document or a guestperf JSON report (already parsed). */
  'history.import': z.strictObject({
    document: z.unknown().refine((d) => d !== null && typeof d === 'object' && !Array.isArray(d), {
      error: 'expected the parsed JSON object of an export or a guestperf report'
    }),
    /** The file's name, quoted in messages and in an imported report's notes. */
    fileName: z.string().max(500).optional()
  }),
  /** Starts a sweep in the background; progress arrives as `sweep.progress` events. */
  'sweeps.start': sweepStartSchema,
  /** Stops a running sweep; runs already finished are kept. */
  'sweeps.cancel': z.strictObject({ experimentId: recordIdSchema }),
  /** Sweeps running now (a page that connects late picks up their progress). */
  'sweeps.active': z.strictObject({})
} as const satisfies Record<string, z.ZodType>

export interface DeleteOutcome {
  /** Runs moved to (or out of) the bin, counting the runs of the experiments given. */
  readonly runs: number
  readonly experiments: number
}

export interface ImportOutcome {
  /** What the document was. */
  readonly format: 'migration-lab-export' | 'guestperf'
  /** New ids of the imported runs and experiments. */
  readonly runIds: number[]
  readonly experimentIds: number[]
}

export interface SweepStarted {
  readonly experimentId: number
  /** Runs the sweep will perform (points × repetitions). */
  readonly total: number
  readonly parallel: number
}

export interface SweepProgress {
  readonly experimentId: number
  readonly name: string
  /** Runs that ended (with a result or not). */
  readonly done: number
  readonly total: number
  /** Runs that ended without a result (engine failure). */
  readonly failed: number
  /** Runs going right now. */
  readonly running: number
  /** The run that just ended, when this event is about one. */
  readonly lastRunId?: number
}

export interface SweepFinished extends SweepProgress {
  readonly status: Extract<ExperimentStatus, 'completed' | 'cancelled' | 'failed'>
  /** Why it stopped early, when it did. */
  readonly error?: LabError
}

export interface HistoryMethodResults {
  'history.listRuns': Page<RunRecord>
  'history.listExperiments': Page<ExperimentRecord>
  'history.getExperiment': ExperimentRecord
  'history.getRun': RunDetail
  'history.summarize': Summary
  'history.setNote': null
  'history.setTags': null
  'history.setStarred': null
  'history.delete': DeleteOutcome
  'history.restore': DeleteOutcome
  'history.export': ExportDocument
  'history.import': ImportOutcome
  'sweeps.start': SweepStarted
  'sweeps.cancel': { readonly cancelled: boolean }
  'sweeps.active': SweepProgress[]
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

export interface HistoryEvents {
  /** After every run of a sweep ends (and once when it starts). */
  'sweep.progress': SweepProgress
  /** The sweep ended: all runs done, cancelled, or stopped by an error. */
  'sweep.finished': SweepFinished
}

export type HistoryMethod = keyof typeof historyMethodSchemas
