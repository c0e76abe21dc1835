import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The measured-run guest (scripts/build-guest.mjs + guest/workload.c), built from Debian packages
// and booted in the real QEMU that .ci/run installs. TCG, so it runs without /dev/kvm.
const script = join(__dirname, '..', '..', 'scripts', 'build-guest.mjs')
let home: string
let guestDir: string

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'ml-guest-test-'))
  guestDir = join(home, 'guest')
  // MIGRATION_LAB_HOME decides where the guest is cached.
  execFileSync(process.execPath, [script], {
    env: { ...process.env, MIGRATION_LAB_HOME: home },
    stdio: 'pipe'
  })
}, 120_000)

afterAll(() => rmSync(home, { recursive: true, force: true }))

interface Report {
  t: number
  pages: number
  mibps: number
  gap: number
}

/** Boots the guest with the given workload argument until `count` reports arrived, then stops QEMU by PID. */
async function boot(mlw: string, count: number): Promise<{ ready: string; reports: Report[]; pid: number }> {
  const qemu = spawn(
    'qemu-system-x86_64',
    [
      '-accel',
      'tcg',
      '-m',
      '256',
      '-smp',
      '1',
      '-nographic',
      '-no-reboot',
      '-monitor',
      'none',
      '-kernel',
      join(guestDir, 'vmlinuz'),
      '-initrd',
      join(guestDir, 'initrd.cpio'),
      '-append',
      `console=ttyS0 quiet panic=-1 mlw=${mlw}`
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  )
  const pid = qemu.pid ?? -1
  let out = ''
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${count} reports in 60 s:\n${out.slice(-2000)}`)),
        60_000
      )
      qemu.stdout.on('data', (d: Buffer) => {
        out += d.toString('latin1')
        if ((out.match(/^ML t=/gm) ?? []).length >= count) {
          clearTimeout(timer)
          resolve()
        }
      })
      qemu.on('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`QEMU exited with ${code}:\n${out.slice(-2000)}`))
      })
    })
  } finally {
    qemu.kill('SIGKILL')
    await new Promise((r) =>
      qemu.exitCode === null && qemu.signalCode === null ? qemu.once('exit', r) : r(null)
    )
  }
  const reports = [...out.matchAll(/^ML t=(\d+) pages=(\d+) mibps=([\d.]+) gap=(\d+)/gm)].map((m) => ({
    t: Number(m[1]),
    pages: Number(m[2]),
    mibps: Number(m[3]),
    gap: Number(m[4])
  }))
  return { ready: /ML ready[^\r\n]*/.exec(out)?.[0] ?? '', reports, pid }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('measured-run guest', () => {
  it('is cached in the user data directory with the kernel linux-image-amd64 depends on', () => {
    const manifest = JSON.parse(readFileSync(join(guestDir, 'guest.json'), 'utf8'))
    const dep = execFileSync('apt-cache', ['depends', 'linux-image-amd64'], { encoding: 'utf8' })
    expect(dep).toContain(manifest.kernelPackage)
    // A second build reuses the cache: it prints no progress line.
    const again = spawnSync(process.execPath, [script], {
      env: { ...process.env, MIGRATION_LAB_HOME: home },
      encoding: 'utf8'
    })
    expect(again.status).toBe(0)
    expect(again.stderr).toBe('')
  })

  it('writes at the configured rate and reports it every 100 ms on the serial console', async () => {
    const { ready, reports, pid } = await boot('uniform:8:0:64:0:0', 20)
    expect(ready).toContain('writing=1')
    const steady = reports.slice(5)
    const mean = steady.reduce((s, r) => s + r.mibps, 0) / steady.length
    expect(mean).toBeGreaterThan(8 * 0.9)
    expect(mean).toBeLessThan(8 * 1.1)
    for (const r of steady) expect(r.gap).toBeLessThan(150)
    expect(alive(pid)).toBe(false)
  }, 90_000)

  it('an idle guest writes nothing', async () => {
    const { ready, reports } = await boot('idle:16:0:64:0:0', 8)
    expect(ready).toContain('writing=0')
    expect(reports.every((r) => r.pages === 0)).toBe(true)
  }, 90_000)

  it('names what to install when the compiler is missing', () => {
    const r = spawnSync(process.execPath, [script, '--out', join(home, 'nope')], {
      env: { ...process.env, PATH: '/nonexistent' },
      encoding: 'utf8'
    })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('apt-get install gcc libc6-dev')
  })
})
