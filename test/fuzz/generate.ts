// Generators of malformed input for the fuzzing tests (issue 13 "Done when"): deterministic
// (seeded), so a failing case can be replayed.

export function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function junk(random: () => number, depth = 0): unknown {
  const choices: (() => unknown)[] = [
    () => null,
    () => -1,
    () => 0,
    () => 1e308,
    () => -1e308,
    () => 0.5,
    () => Math.floor(random() * 1e6),
    () => 'two',
    () => '',
    () => 'x'.repeat(10_000),
    () => true,
    () => [],
    () => ({}),
    () => Array.from({ length: 1000 }, () => 1),
    () => (depth < 3 ? { nested: junk(random, depth + 1) } : 1),
    () => (depth < 3 ? [junk(random, depth + 1)] : 1)
  ]
  return choices[Math.floor(random() * choices.length)]()
}

export function mutate(value: unknown, random: () => number): unknown {
  if (value === null || typeof value !== 'object') return random() < 0.3 ? junk(random) : value
  if (random() < 0.05) return junk(random)
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value }
  for (const key of Object.keys(copy)) {
    ;(copy as Record<string, unknown>)[key] = mutate((copy as Record<string, unknown>)[key], random)
  }
  if (random() < 0.1) (copy as Record<string, unknown>)['no-such-key'] = junk(random)
  return copy
}
