import { describe, expect, it } from 'vitest'
import {
  CATALOG_PATHS,
  catalogPath,
  formatParameterValue,
  parameterAt,
  parameterLabel,
  parameters,
  schemaLeaves,
  storedUnitLabel
} from '../../src/shared/config/catalog'
import { configUnit, parseConfig } from '../../src/shared/config'
import { SECTIONS, WORKLOAD_FIELDS } from '../../src/shared/config/fields'

// The parameter catalog (issue 13: one parameter's label and units lived in four places —
// Configure's field table, the sweep picker's i18n table, parse.ts's unit table and the report's
// "reads as" — and disagreed: History showed max-bandwidth in bytes/s, Configure in MiB/s).

describe('the parameter catalog', () => {
  it('has an entry for every field of the config schema, and none for a field the schema lacks', () => {
    const schemaPaths = schemaLeaves().map((l) => l.path)
    expect(schemaPaths.length).toBeGreaterThan(50)
    expect(schemaPaths.filter((p) => !CATALOG_PATHS.includes(p))).toEqual([])
    expect(CATALOG_PATHS.filter((p) => !schemaPaths.includes(p))).toEqual([])
  })

  it('labels every field in English and Chinese, each translated', () => {
    for (const p of parameters().values()) {
      expect(p.label.en.trim(), p.path).not.toBe('')
      expect(p.label['zh-CN'].trim(), p.path).not.toBe('')
      if (p.help) expect(p.help['zh-CN'], p.path).not.toBe(p.help.en)
      for (const u of p.units) expect(u.label.en, `${p.path} ${u.id}`).not.toBe('')
      // Unit ids tell one field's units apart (the unit picker's value).
      expect(new Set(p.units.map((u) => u.id)).size, p.path).toBe(p.units.length)
    }
  })

  it("takes enum values from the schema and labels only the schema's values", () => {
    const pattern = parameterAt('guest.workloads.0.pattern')!
    expect(pattern.kind).toBe('enum')
    expect(pattern.values).toEqual(['idle', 'uniform', 'hotspot', 'sequential'])
    for (const p of parameters().values())
      for (const value of Object.keys(p.options ?? {})) expect(p.values, p.path).toContain(value)
  })

  it('marks automatic only fields the schema leaves optional, and names real capabilities', () => {
    const capabilities = [...parameters().keys()]
      .filter((p) => p.startsWith('migration.capabilities.'))
      .map((p) => p.split('.').pop())
    for (const p of parameters().values()) {
      if (p.automatic) expect(p.optional, p.path).toBe(true)
      if (p.needs) expect(capabilities, p.path).toContain(p.needs)
    }
    expect(parameterAt('migration.parameters.max-bandwidth')!.integer).toBe(true)
    expect(parameterAt('guest.zero-fraction')!.integer).toBe(false)
  })

  it('maps any workload index to the entry of workload fields', () => {
    expect(catalogPath('guest.workloads.3.dirty-rate-mibps')).toBe('guest.workloads.*.dirty-rate-mibps')
    expect(catalogPath(['guest', 'workloads', 0, 'pattern'])).toBe('guest.workloads.*.pattern')
    expect(parameterLabel('guest.workloads.7.pattern', 'zh-CN')).toBe('写入模式')
    expect(parameterLabel('no.such.path', 'en')).toBe('no.such.path')
  })

  it('shows a value in the unit Configure shows it in, in either language', () => {
    expect(formatParameterValue('migration.parameters.max-bandwidth', 134_217_728, 'en')).toBe('128 MiB/s')
    expect(formatParameterValue('migration.parameters.max-bandwidth', 134_217_728, 'zh-CN')).toBe(
      '128 MiB/秒'
    )
    expect(formatParameterValue('guest.memory-mib', 8192, 'en')).toBe('8 GiB')
    expect(formatParameterValue('guest.workloads.0.hot-fraction', 0.9, 'en')).toBe('90 %')
    expect(formatParameterValue('migration.policy.max-time-ms', 300_000, 'en')).toBe('300 s')
    expect(formatParameterValue('migration.capabilities.xbzrle', true, 'zh-CN')).toBe('开')
    expect(formatParameterValue('migration.parameters.multifd-channels', 4, 'en')).toBe('4')
    expect(formatParameterValue('guest.workloads.0.vcpus', [0, 1], 'en')).toBe('0, 1')
  })

  it("names the config's own unit, which validation messages quote", () => {
    expect(storedUnitLabel('migration.parameters.max-bandwidth')).toBe('bytes/s')
    expect(storedUnitLabel('guest.memory-mib')).toBe('MiB')
    expect(storedUnitLabel('migration.parameters.multifd-channels')).toBe('')
    expect(configUnit(['guest', 'workloads', 0, 'dirty-rate-mibps'])).toBe('MiB/s')
    const parsed = parseConfig({ guest: { 'memory-mib': 0 } })
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.error.details).toContain('guest.memory-mib: must be at least 1 MiB')
  })

  it('lays out on the Configure screen every field but the capabilities, once', () => {
    const shown = [
      ...SECTIONS.flatMap((s) => s.fields.map((f) => f.key)),
      ...WORKLOAD_FIELDS.map((f) => f.key)
    ]
    expect(new Set(shown).size).toBe(shown.length)
    const expected = [...parameters().keys()].filter((p) => !p.startsWith('migration.capabilities.'))
    expect([...shown].sort()).toEqual([...expected].sort())
  })
})
