/**
 * Config paths: the one module that reads, writes and spells a place in a config (or in any JSON
 * value shaped like one). A path is a list of keys, numbers for array items:
 * `['guest', 'workloads', 0, 'pattern']`. It is spelt two ways, each where a user meets it:
 *
 * - dotted, `guest.workloads.0.pattern`: what a person types (sweep parameters, history filters,
 *   `--vary`); `splitConfigPath` reads it, `dottedPath` writes it;
 * - `formatPath`, `guest.workloads[0].pattern`: how validation problems name a place
 *   (`path: message`, DESIGN.md §3).
 */

export type ConfigPath = readonly (string | number)[]

const SEGMENT = /^[A-Za-z0-9_-]+$/
const INDEX = /^\d+$/

/**
 * Splits a dotted config path (`migration.parameters.downtime-limit`, `guest.workloads.0.vcpus`)
 * into its keys; numeric segments address array items. Returns null for a malformed path (empty
 * segment, or characters other than letters, digits, `-` and `_`).
 */
export function splitConfigPath(path: string): string[] | null {
  if (typeof path !== 'string' || path.length === 0) return null
  const segments = path.split('.')
  for (const segment of segments) if (!SEGMENT.test(segment)) return null
  return segments
}

/** `guest.workloads.0.pattern`: the dotted spelling of a path. */
export function dottedPath(path: ConfigPath): string {
  return path.map(String).join('.')
}

/** `guest.workloads[0].pattern`: the spelling of validation problems; `(config)` for the root. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out === '' ? '(config)' : out
}

function isIndex(key: string | number): boolean {
  return typeof key === 'number' ? Number.isInteger(key) && key >= 0 : INDEX.test(key)
}

/**
 * The value at `path` of a JSON value, or `undefined` when the path does not exist. Array items
 * by index (a number or a digit string); object keys only when the object has them itself.
 */
export function valueAtPath(root: unknown, path: ConfigPath): unknown {
  let node: unknown = root
  for (const key of path) {
    if (Array.isArray(node) && isIndex(key)) node = node[Number(key)]
    else if (node !== null && typeof node === 'object' && !Array.isArray(node) && Object.hasOwn(node, key))
      node = (node as Record<string, unknown>)[key]
    else return undefined
  }
  return node
}

/**
 * Sets (or, with `undefined`, removes) the value at `path` in a plain JSON object, creating what
 * is missing on the way: an array where the next key is an index, else an object. Removing the
 * last key of an object leaves `{}` (defaults apply to it); removing under a missing parent does
 * nothing.
 */
export function setValueAtPath(root: Record<string, unknown>, path: ConfigPath, value: unknown): void {
  if (path.length === 0) return
  let node: Record<string | number, unknown> = root
  const keyIn = (container: unknown, key: string | number): string | number =>
    Array.isArray(container) && isIndex(key) ? Number(key) : key
  for (let i = 0; i < path.length - 1; i++) {
    const key = keyIn(node, path[i])
    let next = node[key]
    if (next === null || typeof next !== 'object') {
      if (value === undefined) return
      next = isIndex(path[i + 1]) ? [] : {}
      node[key] = next
    }
    node = next as Record<string | number, unknown>
  }
  const last = keyIn(node, path[path.length - 1])
  if (value === undefined) delete node[last]
  else node[last] = value
}
