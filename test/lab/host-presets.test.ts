import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { HostPresetStore } from '../../src/main/lab/host-presets'
import { defaultConfig } from '../../src/shared/config'
import { LabFailure } from '../../src/shared/errors'

// Host presets (Configure's list, "Save as host preset" after a calibration) in their file.

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-host-presets-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function failure(fn: () => unknown): LabFailure {
  try {
    fn()
  } catch (e) {
    if (e instanceof LabFailure) return e
    throw e
  }
  throw new Error('expected a LabFailure')
}

describe('HostPresetStore', () => {
  it('keeps presets across stores (the desktop app and the web host share the file), newest first', () => {
    const file = join(dir, 'host-presets.json')
    const host = { ...defaultConfig().host, 'stop-ms': 12.5 }
    new HostPresetStore(file).save('lab box', host, 1000)
    new HostPresetStore(file).save('laptop', { 'stop-ms': 3 }, 2000)
    const list = new HostPresetStore(file).list()
    expect(list.map((p) => p.name)).toEqual(['laptop', 'lab box'])
    expect(list[1]!.host).toEqual(host)
    // A sparse host section is kept fully defaulted, as a config's.
    expect(list[0]!.host).toEqual({ ...defaultConfig().host, 'stop-ms': 3 })
    // The same name replaces the preset.
    new HostPresetStore(file).save('lab box', { 'stop-ms': 7 }, 3000)
    expect(new HostPresetStore(file).list().map((p) => [p.name, p.host['stop-ms']])).toEqual([
      ['lab box', 7],
      ['laptop', 3]
    ])
  })

  it('refuses a host section the config schema refuses, naming the field', () => {
    const e = failure(() => new HostPresetStore(join(dir, 'p.json')).save('bad', { 'stop-ms': -1 }))
    expect(e.error.kind).toBe('Validation')
    expect(e.error.details?.[0]).toMatch(/^host\.stop-ms: /)
  })

  it('a file that is not a preset list is an error naming it, and it is left as it was', () => {
    const file = join(dir, 'host-presets.json')
    writeFileSync(file, '{"presets": [oops')
    const e = failure(() => new HostPresetStore(file).list())
    expect(e.error.message).toContain(`${file}: the host presets file cannot be read`)
    failure(() => new HostPresetStore(file).save('x', {}))
    expect(readFileSync(file, 'utf8')).toBe('{"presets": [oops')
  })
})
