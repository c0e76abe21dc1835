import { describe, expect, it } from 'vitest'
import { defaultConfig, parseConfig } from '../../src/shared/config/parse'

// Issue 13 "Done when": generated configs (the default config with random leaves replaced by
// wrong types, out-of-range numbers, huge strings, nesting and long lists) always end in a
// config or a Validation refusal with problems — never a throw, never another kind.
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function junk(random: () => number, depth = 0): unknown {
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

function mutate(value: unknown, random: () => number): unknown {
  if (value === null || typeof value !== 'object') return random() < 0.3 ? junk(random) : value
  if (random() < 0.05) return junk(random)
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value }
  for (const key of Object.keys(copy)) {
    ;(copy as Record<string, unknown>)[key] = mutate((copy as Record<string, unknown>)[key], random)
  }
  if (random() < 0.1) (copy as Record<string, unknown>)['no-such-key'] = junk(random)
  return copy
}

describe('config fuzzing', () => {
  it('accepts or refuses 600 generated configs as Validation with problems, never throwing', () => {
    const random = prng(13)
    const base = defaultConfig()
    let accepted = 0
    for (let i = 0; i < 600; i++) {
      const input = i % 50 === 0 ? junk(random) : mutate(base, random)
      const outcome = parseConfig(input)
      if (outcome.ok) {
        accepted++
        continue
      }
      expect(outcome.error.kind).toBe('Validation')
      expect(outcome.error.details?.length ?? 0).toBeGreaterThan(0)
      for (const detail of outcome.error.details ?? []) expect(detail).toMatch(/\S/)
    }
    // Both paths are exercised: some mutations keep a valid config, most do not.
    expect(accepted).toBeGreaterThan(0)
    expect(accepted).toBeLessThan(600)
  }, 60_000)
})
