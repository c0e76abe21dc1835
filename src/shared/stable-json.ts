/**
 * Stable JSON: the same value always gives the same text, whatever order its keys were set in.
 *
 * Used to store and hash configs when the caller gives no canonical JSON of its own (the config
 * module's canonical form is preferred when available), and anywhere two JSON documents must be
 * compared as text. Object keys are sorted by UTF-16 code unit order (`Array.prototype.sort`),
 * arrays keep their order, and values follow `JSON.stringify` otherwise: `undefined` members and
 * functions are left out, `toJSON` is honoured, non-finite numbers become `null`.
 */
export function stableStringify(value: unknown, indent?: number): string {
  const text = JSON.stringify(sortKeysDeep(value), null, indent)
  // JSON.stringify(undefined) is undefined; the contract of this function is a string.
  return text === undefined ? 'null' : text
}

/** A deep copy of `value` whose objects list their keys in sorted order. */
export function sortKeysDeep(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  const withJson = value as { toJSON?: () => unknown }
  if (typeof withJson.toJSON === 'function') return sortKeysDeep(withJson.toJSON())
  if (Array.isArray(value)) return value.map((item) => sortKeysDeep(item))
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>)
  const source = value as Record<string, unknown>
  const sorted: Record<string, unknown> = {}
  for (const key of Object.keys(source).sort()) sorted[key] = sortKeysDeep(source[key])
  return sorted
}
