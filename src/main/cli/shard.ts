import { LabFailure, labError } from '../../shared/errors'
import { MAX_SHARDS, type SweepShard } from '../../shared/sweep'
import { wholeNumber } from './whole-number'

/** The variables `--shard auto` reads (docs/scaling.md). */
export type ShardEnvironment = Readonly<Record<string, string | undefined>>

function bad(message: string): LabFailure {
  return new LabFailure(labError('Validation', message))
}

/**
 * `--shard K/N` (1-based: shard 1/4 is the first quarter) or `--shard auto`, which reads the
 * shard from the batch system that started this process:
 * - a Kubernetes Indexed Job sets JOB_COMPLETION_INDEX (0-based); the count is not in the
 *   environment, so it comes from `--shard-count N` or MIGRATION_LAB_SHARD_COUNT (the Job's
 *   `completions`);
 * - a Slurm job array sets SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_STEP and
 *   SLURM_ARRAY_TASK_COUNT: `--array=1-8` and `--array=0-7` both give 8 shards, the task whose id
 *   is MIN being the first (`--shard-count` overrides the count, e.g. for a throttled `%` array).
 * Returns the shard 0-based.
 */
export function parseShard(text: string, env: ShardEnvironment, shardCount?: number): SweepShard {
  if (text.trim() !== 'auto') {
    if (shardCount !== undefined) throw bad('--shard-count goes with --shard auto')
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text)
    if (!m) throw bad(`--shard: "${text}" is neither K/N (e.g. 1/4) nor auto`)
    const count = wholeNumber(m[2], '--shard N', 1, MAX_SHARDS)
    const k = wholeNumber(m[1], '--shard K', 1, count)
    return { index: k - 1, count }
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const countText = shardCount !== undefined ? String(shardCount) : env.MIGRATION_LAB_SHARD_COUNT
    if (countText === undefined)
      throw bad(
        '--shard auto: JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) gives the index but not the count; ' +
          'give --shard-count N or set MIGRATION_LAB_SHARD_COUNT to the Job’s completions'
      )
    const count = wholeNumber(countText, 'the shard count', 1, MAX_SHARDS)
    const index = wholeNumber(env.JOB_COMPLETION_INDEX, 'JOB_COMPLETION_INDEX', 0, count - 1)
    return { index, count }
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const id = wholeNumber(env.SLURM_ARRAY_TASK_ID, 'SLURM_ARRAY_TASK_ID', 0, Number.MAX_SAFE_INTEGER)
    const min = wholeNumber(env.SLURM_ARRAY_TASK_MIN ?? '0', 'SLURM_ARRAY_TASK_MIN', 0, id)
    const step = wholeNumber(env.SLURM_ARRAY_TASK_STEP ?? '1', 'SLURM_ARRAY_TASK_STEP', 1, MAX_SHARDS)
    if ((id - min) % step !== 0)
      throw bad(`--shard auto: SLURM_ARRAY_TASK_ID ${id} is not MIN ${min} plus a multiple of STEP ${step}`)
    const count =
      shardCount ?? wholeNumber(env.SLURM_ARRAY_TASK_COUNT, 'SLURM_ARRAY_TASK_COUNT', 1, MAX_SHARDS)
    const index = (id - min) / step
    if (index >= count)
      throw bad(`--shard auto: SLURM_ARRAY_TASK_ID ${id} is task ${index + 1} of an array of ${count}`)
    return { index, count }
  }
  throw bad(
    '--shard auto: neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID (Slurm array) is set'
  )
}
