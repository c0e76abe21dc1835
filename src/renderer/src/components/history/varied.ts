import type { VariedParameter } from '../../../../shared/sweep'

/** `downtime-limit ∈ {100, 300, 500} × max-bandwidth 1e8..4e8:1e8` — what an experiment varies. */
export function variedSummary(varied: readonly VariedParameter[]): string {
  return varied
    .map((v) => {
      const name = v.path.split('.').pop() ?? v.path
      return 'values' in v ? `${name} ∈ {${v.values.map(String).join(', ')}}` : `${name} ${v.range}`
    })
    .join(' × ')
}
