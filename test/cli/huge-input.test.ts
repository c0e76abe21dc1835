import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../storage/helpers'
import { runConfigText } from './helpers'

// Input no person writes but a generator or a fuzzer does: it ends in a clear refusal (exit 2)
// or a result (exit 0), never in "Maximum call stack size exceeded" (exit 1).
let tmp: ReturnType<typeof tempDir>

beforeAll(() => {
  tmp = tempDir('lab-huge-input-')
})
afterAll(() => tmp.cleanup())

const run = (name: string, text: string) => runConfigText(tmp.dir, name, text)

describe('huge input', () => {
  it('refuses a config nested 10^4 deep with exit 2, naming the problem', () => {
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)
    const r = run('deep.json', `{"guest":${deep}}`)
    expect({ code: r.code, overflow: /call stack/.test(r.stderr) }).toEqual({ code: 2, overflow: false })
    expect(r.stderr).toMatch(/\(config\): .*nested too deeply/)
  })
})

describe('long problem lists', () => {
  it('lists the first 20 problems and counts the rest', () => {
    const workloads = Array.from({ length: 500 }, () => ({ 'dirty-rate-mibps': 'x' }))
    const r = run('many.json', JSON.stringify({ guest: { workloads } }))
    const lines = r.stderr.trimEnd().split('\n')
    expect({ code: r.code, lines: lines.length }).toEqual({ code: 2, lines: 22 })
    expect(lines[0]).toMatch(/500 problems/)
    expect(lines[1]).toMatch(/^ {2}guest\.workloads\[0\]\.dirty-rate-mibps: /)
    expect(lines[21]).toBe('  … and 480 more')
  })
})
