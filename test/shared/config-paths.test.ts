import { describe, expect, it } from 'vitest'
import {
  dottedPath,
  formatPath,
  setValueAtPath,
  splitConfigPath,
  valueAtPath
} from '../../src/shared/config/paths'

// The one config-path module (issue 13: paths were read and written by ~8 helpers that
// disagreed, e.g. one found `constructor` on every object, another could not create an array).

describe('spelling a path', () => {
  it.each([
    ['migration.parameters.downtime-limit', ['migration', 'parameters', 'downtime-limit']],
    ['guest.workloads.0.pattern', ['guest', 'workloads', '0', 'pattern']],
    ['seed', ['seed']]
  ])('splits %s', (text, segments) => {
    expect(splitConfigPath(text)).toEqual(segments)
  })

  it.each(['', 'a..b', 'guest.workloads[0]', 'a.b c', '.a'])('refuses %j', (text) => {
    expect(splitConfigPath(text)).toBeNull()
  })

  it.each([
    [['guest', 'workloads', 0, 'pattern'], 'guest.workloads[0].pattern', 'guest.workloads.0.pattern'],
    [['network', 'rtt-ms'], 'network.rtt-ms', 'network.rtt-ms'],
    [[], '(config)', '']
  ] as const)('writes %j both ways', (path, problemStyle, dotted) => {
    expect(formatPath(path)).toBe(problemStyle)
    expect(dottedPath(path)).toBe(dotted)
  })
})

describe('reading a value', () => {
  const config = { guest: { vcpus: 2, workloads: [{ pattern: 'hotspot' }] }, name: null }
  it.each([
    [['guest', 'vcpus'], 2],
    [['guest', 'workloads', 0, 'pattern'], 'hotspot'],
    [['guest', 'workloads', '0', 'pattern'], 'hotspot'],
    [['name'], null],
    [['guest', 'workloads', 1, 'pattern'], undefined],
    [['guest', 'vcpus', 'x'], undefined],
    [['constructor'], undefined],
    [['guest', 'workloads', 'length'], undefined]
  ] as const)('at %j', (path, value) => {
    expect(valueAtPath(config, path)).toBe(value)
  })
})

describe('writing a value', () => {
  it('sets a value, creating objects and arrays (by the next key) on the way', () => {
    const root: Record<string, unknown> = {}
    setValueAtPath(root, ['migration', 'parameters', 'downtime-limit'], 300)
    setValueAtPath(root, ['guest', 'workloads', '0', 'pattern'], 'idle')
    setValueAtPath(root, ['guest', 'workloads', 1, 'dirty-rate-mibps'], 8)
    expect(root).toEqual({
      migration: { parameters: { 'downtime-limit': 300 } },
      guest: { workloads: [{ pattern: 'idle' }, { 'dirty-rate-mibps': 8 }] }
    })
  })

  it('removes a value with undefined, leaving an empty object, and creates nothing to remove', () => {
    const root: Record<string, unknown> = { network: { 'rtt-ms': 1 } }
    setValueAtPath(root, ['network', 'rtt-ms'], undefined)
    setValueAtPath(root, ['guest', 'vcpus'], undefined)
    expect(root).toEqual({ network: {} })
  })
})
