import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../storage/helpers'
import { runConfigText } from './helpers'

// multifd's interlocks as a user meets them on the command line: exit 2, naming the fields.
let tmp: ReturnType<typeof tempDir>

beforeAll(() => {
  tmp = tempDir('lab-multifd-config-')
})
afterAll(() => tmp.cleanup())

const guest = { 'memory-mib': 64, vcpus: 1 }
const run = (name: string, migration: object) =>
  runConfigText(tmp.dir, name, JSON.stringify({ guest, migration }))

describe('multifd config', () => {
  it('refuses multifd with xbzrle (migrate_caps_check), naming both', () => {
    const r = run('xbzrle.json', { capabilities: { multifd: true, xbzrle: true } })
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' })
    expect(r.stderr).toContain('migration.capabilities.xbzrle')
    expect(r.stderr).toContain('migration.capabilities.multifd')
  })

  it('refuses multifd-compression without multifd, naming the fields', () => {
    const r = run('compression.json', { parameters: { 'multifd-compression': 'zstd' } })
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' })
    expect(r.stderr).toContain(
      'migration.parameters.multifd-compression: zstd needs migration.capabilities.multifd'
    )
  })

  it('refuses multifd-channels outside 1–255 (migrate_params_check)', () => {
    const r = run('channels.json', { capabilities: { multifd: true }, parameters: { 'multifd-channels': 0 } })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('migration.parameters.multifd-channels')
  })

  it('runs multifd with zstd and reports ram.multifd-bytes and the channels', () => {
    const r = run('ok.json', {
      capabilities: { multifd: true },
      parameters: { 'multifd-channels': 3, 'multifd-compression': 'zstd' }
    })
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })
    const result = JSON.parse(r.stdout) as {
      ram: { 'multifd-bytes': number; transferred: number }
      lab: { verified: boolean; 'multifd-channels': { channel: number }[] }
    }
    expect(result.ram['multifd-bytes']).toBeGreaterThan(0)
    expect(result.ram['multifd-bytes']).toBeLessThan(result.ram.transferred)
    expect(result.lab.verified).toBe(true)
    expect(result.lab['multifd-channels'].map((c) => c.channel)).toEqual([0, 1, 2])
  })
})
