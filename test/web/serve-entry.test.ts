import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseServeArgs } from '../../src/main/web/args'
import { ROOT, SERVE_ENTRY, cleanupHomes, startWebHost } from '../e2e/helpers'

describe('web host arguments', () => {
  it.each([
    [[], {}, 0],
    [['--port', '8080'], {}, 8080],
    [['--port=9000'], {}, 9000],
    [[], { PORT: '7000' }, 7000],
    [['--port', '0'], { PORT: '7000' }, 0]
  ] as const)('%j with %j listens on %i', (argv, env, port) => {
    expect(parseServeArgs(argv, env)).toEqual({ ok: true, value: { port, help: false } })
  })

  it.each([
    [['--port', 'eighty'], {}, '--port: expected a port number from 0 to 65535, got "eighty".'],
    [['--port', '70000'], {}, '--port: expected a port number from 0 to 65535, got "70000".'],
    [['--port'], {}, '--port: expected a port number.'],
    [[], { PORT: '-1' }, 'PORT: expected a port number from 0 to 65535, got "-1".']
  ] as const)('%j with %j is refused', (argv, env, message) => {
    expect(parseServeArgs(argv, env)).toEqual({ ok: false, error: { kind: 'Validation', message } })
  })

  it('refuses an unknown flag instead of ignoring it', () => {
    const parsed = parseServeArgs(['--prot', '80'], {})
    expect(!parsed.ok && parsed.error.message).toMatch(/^Unknown argument "--prot"/)
  })
})

describe('out/main/serve.js', () => {
  afterAll(cleanupHomes)

  it('prints where it serves, serves the built page, and stops cleanly on SIGTERM', async () => {
    expect(existsSync(join(ROOT, 'out', 'renderer', 'index.html'))).toBe(true)
    const host = await startWebHost()
    expect(host.output()).toMatch(/^Migration Lab is serving on http:\/\/127\.0\.0\.1:\d+\/\n/)
    const page = await fetch(host.url)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<div id="app">')
    expect(await host.stop()).toBe(0)
  })

  it('exits with status 2 and a clear message for a bad port', async () => {
    const child = spawn(process.execPath, [SERVE_ENTRY, '--port', 'abc'], { cwd: ROOT })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)))
    expect(code).toBe(2)
    expect(stderr).toContain('--port: expected a port number from 0 to 65535, got "abc".')
  })

  it('says when the port is taken', async () => {
    const first = await startWebHost()
    const child = spawn(process.execPath, [SERVE_ENTRY, '--port', String(first.port)], { cwd: ROOT })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)))
    await first.stop()
    expect(code).toBe(1)
    expect(stderr).toContain(`port ${first.port} is already in use`)
  })
})
