import { describe, expect, it } from 'vitest'
import { stableStringify } from '../../src/shared/stable-json'
import { sampleConfig } from './helpers'

describe('stable JSON', () => {
  it('gives the same text whatever order keys were written in', () => {
    const a = {
      migration: { parameters: { 'downtime-limit': 300, 'max-bandwidth': 1 } },
      guest: { vcpus: 2 },
      name: 'x'
    }
    const b = {
      name: 'x',
      guest: { vcpus: 2 },
      migration: { parameters: { 'max-bandwidth': 1, 'downtime-limit': 300 } }
    }
    expect(stableStringify(a)).toBe(stableStringify(b))
    expect(stableStringify(a)).toBe(
      '{"guest":{"vcpus":2},"migration":{"parameters":{"downtime-limit":300,"max-bandwidth":1}},"name":"x"}'
    )
  })

  it('keeps array order and round-trips through JSON.parse to an equal value', () => {
    const config = sampleConfig()
    const text = stableStringify(config)
    expect(JSON.parse(text)).toEqual(config)
    expect(stableStringify(JSON.parse(text))).toBe(text)
    expect(stableStringify({ list: [3, 1, 2] })).toBe('{"list":[3,1,2]}')
  })

  it('drops undefined members like JSON does, and turns typed arrays into arrays', () => {
    expect(stableStringify({ b: undefined, a: 1 })).toBe('{"a":1}')
    expect(stableStringify({ v: new Float64Array([1.5, 2]) })).toBe('{"v":[1.5,2]}')
    expect(stableStringify(undefined)).toBe('null')
  })
})
