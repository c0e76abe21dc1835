import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../storage/helpers'
import { runConfigText } from './helpers'

// Config files as editors write them: Windows Notepad begins UTF-8 with a byte order mark; a
// file holding `null` is a mistake, not a request for the defaults.
let tmp: ReturnType<typeof tempDir>

beforeAll(() => {
  tmp = tempDir('lab-config-input-')
})
afterAll(() => tmp.cleanup())

const run = (name: string, text: string) => runConfigText(tmp.dir, name, text)

describe('config files', () => {
  it('reads a config that begins with a UTF-8 byte order mark', () => {
    const r = run('bom.json', '\uFEFF' + JSON.stringify({ guest: { 'memory-mib': 64, vcpus: 1 } }))
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })
    expect((JSON.parse(r.stdout) as { ram: { total: number } }).ram.total).toBe(64 * 2 ** 20)
  })

  it('refuses a config of null, naming the problem, with exit 2', () => {
    const r = run('null.json', 'null')
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' })
    expect(r.stderr).toMatch(/\(config\): .*expected object, received null/)
  })
})
