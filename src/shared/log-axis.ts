/**
 * A value on a logarithmic chart axis: zero and below have no place there (ECharts would draw
 * them at minus infinity), so they become a gap (null). Used by the Compare screen's and the HTML
 * compare report's remaining-memory curves, which end at 0 when a run switches over.
 */
export function onLogAxis(value: number): number | null {
  return value > 0 && Number.isFinite(value) ? value : null
}
