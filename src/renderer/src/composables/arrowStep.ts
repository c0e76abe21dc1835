/**
 * The arrow keys of a group that is one Tab stop (WAI-ARIA "roving tabindex"): the key moves the
 * choice to the next or the previous item, wrapping around. Tabs move with Left/Right only; a
 * radio group also with Up/Down. Returns the index the key moves to and prevents its default
 * (scrolling), or null for any other key, which is left alone.
 */
export function arrowStep(
  event: KeyboardEvent,
  index: number,
  count: number,
  keys: 'horizontal' | 'both'
): number | null {
  const steps: Readonly<Record<string, number>> =
    keys === 'horizontal'
      ? { ArrowRight: 1, ArrowLeft: -1 }
      : { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }
  const step = steps[event.key]
  if (step === undefined) return null
  event.preventDefault()
  return (index + step + count) % count
}
