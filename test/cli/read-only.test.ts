import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../storage/helpers'

// A history the user may read but not write (a colleague's file, a backup on a read-only share):
// the reading commands list it; a writing command says the file is read-only. Root may write any
// file, so as root the commands run as `nobody`, for whom the permissions hold.
const bin = resolve(__dirname, '../../bin/migration-lab.mjs')
const asRoot = process.getuid?.() === 0
let tmp: ReturnType<typeof tempDir>

function lab(args: string[], home: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: { ...process.env, MIGRATION_LAB_HOME: home },
    encoding: 'utf8',
    timeout: 60_000,
    ...(asRoot ? { uid: 65534, gid: 65534 } : {})
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

beforeAll(() => {
  tmp = tempDir('lab-readonly-')
  chmodSync(tmp.dir, 0o777)
})
afterAll(() => tmp.cleanup())

describe('a read-only history', () => {
  it('is listed and shown; run says it is read-only', () => {
    const home = join(tmp.dir, 'home')
    mkdirSync(home, { mode: 0o777 })
    chmodSync(home, 0o777)
    const config = join(tmp.dir, 'small.json')
    writeFileSync(config, JSON.stringify({ guest: { 'memory-mib': 64, vcpus: 1 } }))
    chmodSync(config, 0o644)
    expect(lab(['run', config], home).code).toBe(0)
    const db = join(home, 'history.db')
    chmodSync(db, 0o444)

    const history = lab(['history'], home)
    expect({ code: history.code, stderr: history.stderr }).toEqual({
      code: 0,
      stderr: expect.stringMatching(/read-only.*opened for reading only/) as unknown as string
    })
    expect(history.stdout).toMatch(/^ +1 .* completed /m)
    expect(lab(['show', '1'], home).code).toBe(0)

    const run = lab(['run', config], home)
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/history\.db is read-only for this user/)
    expect(run.stderr).not.toMatch(/Restore a backup/)
  })

  it('in a folder it may not write says why it cannot be read', () => {
    const home = join(tmp.dir, 'locked')
    mkdirSync(home, { mode: 0o777 })
    chmodSync(home, 0o777)
    const config = join(tmp.dir, 'small.json')
    expect(lab(['run', config], home).code).toBe(0)
    chmodSync(join(home, 'history.db'), 0o444)
    chmodSync(home, 0o555)
    const r = lab(['history'], home)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/folder .* is read-only/)
    expect(r.stderr).not.toMatch(/Restore a backup/)
  })
})
