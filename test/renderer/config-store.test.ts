// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  UNITS,
  formatInUnit,
  formatVcpuList,
  naturalUnit,
  parseInUnit,
  parseVcpuList
} from '../../src/shared/config/fields'
import {
  CONFIG_DRAFT_STORAGE_KEY,
  capabilitiesNotSimulated,
  formFieldPaths,
  mapProblems,
  splitProblem,
  useConfigStore
} from '../../src/renderer/src/stores/config'
import { parseConfig } from '../../src/shared/config'
import { CONFIG_PRESETS } from '../../src/shared/presets'

beforeEach(() => {
  window.localStorage.clear()
  setActivePinia(createPinia())
})

describe('numbers in units', () => {
  it.each([
    // text, unit, integer, stored
    ['1.5', UNITS.gibAsMib, true, 1536],
    ['4', UNITS.gibAsMib, true, 4096],
    ['128', UNITS.bytesPerSAsMibps, true, 134_217_728],
    ['1', UNITS.bytesPerSAsGbitps, true, 125_000_000],
    ['10', UNITS.gbitpsAsMbitps, false, 10_000],
    ['0.5', UNITS.sAsMs, true, 500],
    ['60', UNITS.percentOfOne, false, 0.6],
    ['0,25', UNITS.sAsMs, true, 250],
    ['0.1', UNITS.sAsMs, false, 100]
  ] as const)('%s in %s → %s', (text, unit, integer, stored) => {
    expect(parseInUnit(text, unit, integer)).toEqual({ ok: true, stored })
  })

  it('rounds integer fields and says why text is not a number', () => {
    expect(parseInUnit('1.3', UNITS.gibAsMib, true)).toEqual({ ok: true, stored: 1331 })
    expect(parseInUnit('', UNITS.ms)).toEqual({ ok: false, reason: 'empty' })
    expect(parseInUnit('12abc', UNITS.ms)).toEqual({ ok: false, reason: 'not-a-number' })
    expect(parseInUnit('--1', UNITS.ms)).toEqual({ ok: false, reason: 'not-a-number' })
  })

  it('shows stored values in the unit that reads naturally', () => {
    expect(formatInUnit(134_217_728, UNITS.bytesPerSAsMibps)).toBe('128')
    expect(formatInUnit(134_217_728, UNITS.bytesPerSAsGbitps)).toBe('1.07374')
    expect(formatInUnit(0.6, UNITS.percentOfOne)).toBe('60')
    const bandwidth = [UNITS.bytesPerSAsMibps, UNITS.bytesPerSAsGbitps, UNITS.bytes]
    expect(naturalUnit(134_217_728, bandwidth)).toBe(UNITS.bytesPerSAsMibps)
    expect(naturalUnit(125_000_000, bandwidth)?.id).toBe('gbitps')
    expect(naturalUnit(4096, [UNITS.gibAsMib, UNITS.mib])?.id).toBe('gib')
    expect(naturalUnit(1536, [UNITS.gibAsMib, UNITS.mib])?.id).toBe('mib')
    expect(naturalUnit(300_000, [UNITS.sAsMs, UNITS.minAsMs, UNITS.ms])?.id).toBe('s')
  })

  it('reads and writes vCPU lists', () => {
    expect(parseVcpuList('all')).toBe('all')
    expect(parseVcpuList('0, 2-4,7')).toEqual([0, 2, 3, 4, 7])
    expect(parseVcpuList('3-1')).toBeNull()
    expect(parseVcpuList('one')).toBeNull()
    expect(formatVcpuList([0, 2, 3, 4, 7])).toBe('0, 2-4, 7')
    expect(formatVcpuList([0, 1])).toBe('0, 1')
    expect(formatVcpuList('all')).toBe('all')
  })
})

describe('validation problems on the form', () => {
  it('gives each path: message to its field, the rest to the top', () => {
    const mapped = mapProblems(
      [
        'guest.workloads[0].vcpus[1]: vCPU 9 does not exist (guest.vcpus is 2, indexes 0–1)',
        'migration.parameters.downtime-limit: Too small: expected number to be >=0',
        'colour: unknown key',
        'The config is empty'
      ],
      formFieldPaths(1)
    )
    expect(mapped.byField.get('guest.workloads[0].vcpus')).toEqual([
      '[1]: vCPU 9 does not exist (guest.vcpus is 2, indexes 0–1)'
    ])
    expect(mapped.byField.get('migration.parameters.downtime-limit')).toEqual([
      'Too small: expected number to be >=0'
    ])
    expect(mapped.general).toEqual(['colour: unknown key', 'The config is empty'])
  })

  it('splits a problem at its path', () => {
    expect(splitProblem('guest.vcpus: too small')).toEqual({ path: 'guest.vcpus', message: 'too small' })
    expect(splitProblem('no path here: really')).toEqual({ path: '', message: 'no path here: really' })
  })

  it('knows which capabilities the engine refuses, by asking the parser', () => {
    const refused = capabilitiesNotSimulated()
    // Every capability is simulated now (issue 9): the parser refuses none as "not simulated".
    expect(refused.has('postcopy-ram')).toBe(false)
    expect(refused.has('multifd')).toBe(false)
    expect(refused.has('auto-converge')).toBe(false)
    expect(refused.has('return-path')).toBe(false)
  })
})

describe('the config store', () => {
  it('starts at QEMU’s defaults and shows defaults for every field', () => {
    const config = useConfigStore()
    expect(config.presetId).toBe('qemu-defaults')
    expect(config.isValid).toBe(true)
    expect(config.defaultAt(['migration', 'parameters', 'downtime-limit'])).toBe(300)
    expect(config.defaultAt(['guest', 'workloads', 0, 'dirty-rate-mibps'])).toBe(16)
    expect(config.effectiveAt(['guest', 'workloads', 0, 'working-set-mib'])).toBe(2048)
    expect(config.vcpusByWorkload).toEqual([[0, 1]])
  })

  it('sets and clears fields; a bad value is marked at its field', () => {
    const config = useConfigStore()
    config.set(['migration', 'parameters', 'downtime-limit'], 500)
    expect(config.get(['migration', 'parameters', 'downtime-limit'])).toBe(500)
    expect(config.edited).toBe(true)

    config.set(['migration', 'parameters', 'downtime-limit'], 'abc')
    expect(config.isValid).toBe(false)
    expect(config.errorsAt(['migration', 'parameters', 'downtime-limit'])).toEqual(['must be a number'])
    expect(config.problems.general).toEqual([])

    config.set(['migration', 'parameters', 'downtime-limit'], undefined)
    expect(config.isValid).toBe(true)
    expect((config.draft.migration as { parameters: object }).parameters).not.toHaveProperty('downtime-limit')
  })

  it('replaces the draft on every edit, so it can be cloned and sent as it is', () => {
    const config = useConfigStore()
    const before = config.draft
    config.set(['guest', 'vcpus'], 4)
    expect(config.draft).not.toBe(before)
    expect(structuredClone(config.draft)).toEqual(config.draft)
    expect(before).not.toHaveProperty('guest.vcpus')
  })

  it('marks an interlock at the capability it concerns', () => {
    const config = useConfigStore()
    config.set(['migration', 'capabilities', 'switchover-ack'], true)
    expect(config.errorsAt(['migration', 'capabilities', 'switchover-ack'])).toEqual([
      'needs return-path (§2.3)'
    ])
    config.set(['migration', 'capabilities', 'return-path'], true)
    expect(config.isValid).toBe(true)
  })

  it('adds and removes workloads, and says which vCPUs each one drives', () => {
    const config = useConfigStore()
    config.set(['guest', 'vcpus'], 4)
    config.addWorkload()
    expect(config.workloads).toHaveLength(2)
    // The first entry says "all", so it claims every vCPU, including the new entry's.
    expect(config.vcpusByWorkload).toEqual([[0, 1, 2, 3], []])
    config.set(['guest', 'workloads', 0, 'vcpus'], [0, 1])
    expect(config.vcpusByWorkload).toEqual([[0, 1], [3]])
    config.removeWorkload(0)
    expect(config.workloads).toHaveLength(1)
    config.removeWorkload(0)
    expect(config.workloads).toHaveLength(0)
    expect(config.isValid).toBe(true)
  })

  it('applies presets and pasted JSON, and refuses what is not a config object', () => {
    const config = useConfigStore()
    config.applyPreset('memory-stress')
    expect(config.get(['guest', 'workloads', 0, 'pattern'])).toBe('sequential')
    expect(config.presetId).toBe('memory-stress')
    expect(config.edited).toBe(false)

    expect(config.applyJson('{"guest": {"vcpus": 8}}')).toEqual({ ok: true })
    expect(config.get(['guest', 'vcpus'])).toBe(8)
    expect(config.presetId).toBeNull()
    expect(config.applyJson('[1, 2]')).toEqual({ ok: false, reason: 'not-object' })
    const syntax = config.applyJson('{"guest": ')
    expect(syntax.ok).toBe(false)
    expect(config.get(['guest', 'vcpus'])).toBe(8)
  })

  it('remembers the draft across a reload', () => {
    const config = useConfigStore()
    config.set(['network', 'bandwidth-mbps'], 25_000)
    return Promise.resolve().then(() => {
      expect(
        JSON.parse(window.localStorage.getItem(CONFIG_DRAFT_STORAGE_KEY) ?? '{}').network['bandwidth-mbps']
      ).toBe(25_000)
      setActivePinia(createPinia())
      const reloaded = useConfigStore()
      expect(reloaded.get(['network', 'bandwidth-mbps'])).toBe(25_000)
      expect(reloaded.presetId).toBeNull()
    })
  })
})

describe('presets', () => {
  it('are all valid configs the engine accepts', () => {
    for (const preset of CONFIG_PRESETS) {
      const parsed = parseConfig(preset.config)
      expect(parsed.ok, `${preset.id}: ${parsed.ok ? '' : parsed.error.details?.join('; ')}`).toBe(true)
    }
  })

  it('follow guestperf’s defaults where they say so (reference §13.3)', () => {
    const guestperf = CONFIG_PRESETS.find((p) => p.id === 'guestperf-defaults')!
    const parsed = parseConfig(guestperf.config)
    if (!parsed.ok) throw new Error('invalid')
    expect(parsed.config.migration.parameters['downtime-limit']).toBe(500)
    expect(parsed.config.migration.parameters['max-bandwidth']).toBe(125_000 * 1024 * 1024)
    expect(parsed.config.guest.vcpus).toBe(1)
    expect(parsed.config.guest['memory-mib']).toBe(1024)
    const autoConverge = parseConfig(CONFIG_PRESETS.find((p) => p.id === 'guestperf-auto-converge')!.config)
    expect(autoConverge.ok && autoConverge.config.migration.capabilities['auto-converge']).toBe(true)
  })
})
