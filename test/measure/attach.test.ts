import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QmpClient } from '../../src/main/measure/qmp'
import { freeLoopbackPort, resolveQemuBinary, startQemu, type QemuProcess } from '../../src/main/measure/qemu'
import type { MigrationResult } from '../../src/shared/result'

// Attach mode (`measure --source-qmp … --dest-qmp … --dest-uri … --yes`) on a pair this test
// starts the way a user starts their own VMs: a source running (here a 128 MiB machine with no
// disk, SeaBIOS waiting for a boot device) and a destination waiting with -incoming. The lab must
// not touch the pair without --yes, must refuse a config that does not describe the VM, and must
// leave both QEMUs running when it is done: they are not the lab's.
const bin = resolve(__dirname, '../../bin/migration-lab.mjs')
let home: string
let source: QemuProcess
let dest: QemuProcess
let port: number

function lab(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, MIGRATION_LAB_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  return new Promise((done) => child.once('exit', (code) => done({ code, stdout, stderr })))
}

const vm = (qmp: string, extra: string[] = []): string[] => [
  '-accel',
  'tcg',
  '-machine',
  'pc',
  '-m',
  '128',
  '-smp',
  '1',
  '-nodefaults',
  '-display',
  'none',
  '-monitor',
  'none',
  '-qmp',
  `unix:${qmp},server=on,wait=off`,
  ...extra
]

async function status(qmp: string): Promise<{ vm: string; migration: string | undefined }> {
  const c = await QmpClient.connect({ path: qmp }, 'test', 5000)
  try {
    const vmState = (await c.execute<{ status: string }>('query-status')).status
    const migration = (await c.execute<{ status?: string }>('query-migrate')).status
    return { vm: vmState, migration }
  } finally {
    c.close()
  }
}

const config = (memoryMib: number) => {
  const file = join(home, `vm-${memoryMib}.json`)
  writeFileSync(
    file,
    JSON.stringify({ name: `attached ${memoryMib} MiB`, guest: { 'memory-mib': memoryMib, vcpus: 1 } })
  )
  return file
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'lab-attach-'))
  const binary = resolveQemuBinary(undefined)
  port = await freeLoopbackPort()
  dest = startQemu({
    name: 'test destination',
    binary,
    args: vm(join(home, 'dst.qmp'), ['-incoming', `tcp:127.0.0.1:${port}`])
  })
  source = startQemu({ name: 'test source', binary, args: vm(join(home, 'src.qmp')) })
  for (const qmp of ['src.qmp', 'dst.qmp'])
    await QmpClient.connect({ path: join(home, qmp) }, qmp, 20_000).then((c) => c.close())
})

afterAll(async () => {
  await Promise.all([source?.stop(), dest?.stop()])
  rmSync(home, { recursive: true, force: true })
})

const attachArgs = () => [
  '--source-qmp',
  `unix:${join(home, 'src.qmp')}`,
  '--dest-qmp',
  `unix:${join(home, 'dst.qmp')}`,
  '--dest-uri',
  `tcp:127.0.0.1:${port}`
]

describe('measure in attach mode', () => {
  it('does nothing without --yes, and says what it would do', async () => {
    const r = await lab(['measure', config(128), ...attachArgs()])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--yes: attach mode migrates the VM at unix:.*src\.qmp to tcp:127\.0\.0\.1:\d+/)
    expect(r.stderr).toMatch(/nothing was sent/)
    expect(await status(join(home, 'src.qmp'))).toEqual({ vm: 'running', migration: undefined })
  })

  it('refuses a config that does not describe the VM, naming the field, before changing anything', async () => {
    const r = await lab(['measure', config(512), ...attachArgs(), '--yes'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/guest\.memory-mib: 512, but the source VM has 128 MiB/)
    expect(await status(join(home, 'src.qmp'))).toEqual({ vm: 'running', migration: undefined })
  })

  it('refuses an address nobody listens at, naming the flag', async () => {
    const args = attachArgs()
    args[1] = `unix:${join(home, 'nobody.qmp')}`
    const r = await lab(['measure', config(128), ...args, '--yes'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--source-qmp: cannot reach a QMP server at .*nobody\.qmp/)
  })

  it('refuses flags that belong to the lab’s own QEMUs', async () => {
    const r = await lab(['measure', config(128), ...attachArgs(), '--yes', '--verify'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--verify: not with attach mode/)
  })

  it('with --yes migrates the pair, records a measured run, and leaves both QEMUs running', async () => {
    const db = join(home, 'history.db')
    const r = await lab(['measure', config(128), ...attachArgs(), '--yes', '--json', '--db', db])
    expect(r.stderr).not.toMatch(/migration-lab: /)
    expect(r.code).toBe(0)
    const result = JSON.parse(r.stdout) as MigrationResult
    expect(result.status).toBe('completed')
    expect(result.lab.source).toBe('measured')
    expect(result.lab.accel).toBe('tcg')
    // QEMU's own figure for the guest's RAM: 128 MiB plus the machine's ROMs and option RAM.
    expect(result.ram.total).toBeGreaterThanOrEqual(128 * 2 ** 20)
    expect(result.ram['dirty-sync-count']).toBeGreaterThanOrEqual(2)
    expect(existsSync(db)).toBe(true)
    const shown = await lab(['show', '1', '--db', db])
    expect(shown.stdout).toMatch(/attached pair/)
    // Not the lab's to stop: the source is left after its migration, the destination runs it.
    expect((await status(join(home, 'src.qmp'))).vm).toBe('postmigrate')
    expect((await status(join(home, 'dst.qmp'))).vm).toBe('running')
    expect(source.child.exitCode).toBeNull()
    expect(dest.child.exitCode).toBeNull()
  })
})
