import { describe, expect, it } from 'vitest'
import { defaultConfig, parseConfig } from '../../src/shared/config/parse'
import { mutate, junk, prng } from '../fuzz/generate'

// Issue 13 "Done when": generated configs (the default config with random leaves replaced by
// wrong types, out-of-range numbers, huge strings, nesting and long lists) always end in a
// config or a Validation refusal with problems — never a throw, never another kind.
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
