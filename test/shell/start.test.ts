import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { electronNativeBindingPath } from '../../src/main/paths'
import { ROOT } from '../e2e/helpers'

interface StartScript {
  electronNativeBindingPath(root: string, electronVersion: string, platform?: string, arch?: string): string
  displayProblem(env: Record<string, string | undefined>, platform: string): string | undefined
  findElectron(
    root: string,
    env: Record<string, string | undefined>
  ): { ok: true; path: string } | { ok: false; why: string }
}
const start = (await import(join(ROOT, 'scripts', 'start.mjs'))) as StartScript

describe('npm start', () => {
  it('builds better-sqlite3 for Electron exactly where the main process looks for it', () => {
    expect(start.electronNativeBindingPath(ROOT, '45.5.0', 'linux', 'x64')).toBe(
      electronNativeBindingPath({ root: ROOT, electronVersion: '45.5.0', platform: 'linux', arch: 'x64' })
    )
  })

  it('does not try Electron on Linux without a display', () => {
    expect(start.displayProblem({}, 'linux')).toMatch(/no display/)
    expect(start.displayProblem({ DISPLAY: ':0' }, 'linux')).toBeUndefined()
    expect(start.displayProblem({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBeUndefined()
    expect(start.displayProblem({}, 'darwin')).toBeUndefined()
  })

  it('says why there is no Electron runtime when the given one is missing', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'no-electron-'))
    const found = start.findElectron(ROOT, { ELECTRON_OVERRIDE_DIST_PATH: empty })
    expect(found).toEqual({ ok: false, why: 'ELECTRON_OVERRIDE_DIST_PATH has no electron' })
    await rm(empty, { recursive: true })
  })

  it('falls back to the web host with one clear line, then serves and stops cleanly', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'no-electron-'))
    const home = await mkdtemp(join(tmpdir(), 'lab-home-'))
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'start.mjs'), '--port', '0'], {
      cwd: ROOT,
      env: {
        ...process.env,
        LAB_SKIP_BUILD: '1',
        ELECTRON_OVERRIDE_DIST_PATH: empty,
        MIGRATION_LAB_HOME: home
      },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    child.stdout.setEncoding('utf8')
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk
        const m = /serving on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)
        if (m) resolve(m[1])
      })
      child.once('exit', (code) => reject(new Error(`start.mjs exited with ${code}: ${stdout}`)))
    })
    const lines = stdout.trim().split('\n')
    expect(lines).toEqual([
      'Electron runtime not available (ELECTRON_OVERRIDE_DIST_PATH has no electron); serving the lab in your browser instead.',
      `Migration Lab is serving on ${url}`
    ])
    expect((await fetch(url)).status).toBe(200)

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    await rm(empty, { recursive: true })
    await rm(home, { recursive: true })
  })
})
