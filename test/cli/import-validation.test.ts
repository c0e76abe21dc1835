import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../storage/helpers'
import { runLab } from './helpers'

// An export edited by hand (or written by another tool) is checked like a config given to `run`:
// a run whose config the lab would refuse is not imported, and nothing of the document is.
let tmp: ReturnType<typeof tempDir>

beforeAll(() => {
  tmp = tempDir('lab-import-validation-')
})
afterAll(() => tmp.cleanup())

const lab = (args: string[]) => runLab(tmp.dir, args)

describe('import', () => {
  it('refuses a run whose config is invalid, as path: message, and imports nothing', () => {
    const config = join(tmp.dir, 'small.json')
    writeFileSync(config, JSON.stringify({ guest: { 'memory-mib': 64, vcpus: 1 } }))
    const source = join(tmp.dir, 'source.db')
    expect(lab(['run', config, '--db', source]).code).toBe(0)
    expect(lab(['run', config, '--db', source]).code).toBe(0)
    const exported = join(tmp.dir, 'two-runs.json')
    expect(lab(['export', '1', '--out', exported, '--db', source]).code).toBe(0)
    const doc = JSON.parse(readFileSync(exported, 'utf8')) as { runs: { config: { guest: object } }[] }
    const second = JSON.parse(JSON.stringify(doc.runs[0])) as (typeof doc.runs)[0]
    second.config.guest = { ...second.config.guest, vcpus: 'two' }
    doc.runs.push({ ...second, id: 99 } as (typeof doc.runs)[0])
    writeFileSync(exported, JSON.stringify(doc))

    const target = join(tmp.dir, 'target.db')
    const r = lab(['import', exported, '--db', target])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/\$\.runs\[1\]\.config\.guest\.vcpus: .*number/)
    const listed = lab(['history', '--json', '--db', target])
    expect((JSON.parse(listed.stdout) as { total: number }).total).toBe(0)
  })
})
