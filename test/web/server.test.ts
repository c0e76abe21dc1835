import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { LabService } from '../../src/main/lab/service'
import { startWebHost, type WebHost } from '../../src/main/web/server'

// The web host as a browser sees it: a real server on 127.0.0.1, port 0, serving a throwaway
// renderer folder that sits next to a secret it must never hand out.

interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A request with the path sent exactly as written (fetch would normalise `..`). */
function rawGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET'
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      }
    )
    req.on('error', reject)
    req.end()
  })
}

type Message = Record<string, unknown>

/** A WebSocket client that queues what it receives, so a test can await messages in order. */
async function connect(port: number, origin = `http://127.0.0.1:${port}`) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/lab`, { origin })
  const inbox: Message[] = []
  const waiters: Array<(m: Message) => void> = []
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as Message
    const waiter = waiters.shift()
    if (waiter) waiter(m)
    else inbox.push(m)
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return {
    ws,
    next: (): Promise<Message> => {
      const queued = inbox.shift()
      return queued ? Promise.resolve(queued) : new Promise((resolve) => waiters.push(resolve))
    },
    send: (value: unknown) => ws.send(typeof value === 'string' ? value : JSON.stringify(value)),
    close: () => ws.close()
  }
}

/** Tries an upgrade that should be refused; resolves with the HTTP status the server answered. */
function refusedUpgrade(port: number, path: string, origin?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, origin ? { origin } : {})
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      ws.terminate()
    })
    ws.once('open', () => reject(new Error('the upgrade was accepted')))
    ws.once('error', () => {})
  })
}

describe('web host', () => {
  let base: string
  let rendererDir: string
  let service: LabService
  let host: WebHost

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'lab-web-'))
    rendererDir = join(base, 'renderer')
    await mkdir(join(rendererDir, 'assets'), { recursive: true })
    await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Migration Lab</title>')
    await writeFile(join(rendererDir, 'assets', 'index-abc123.js'), 'console.log("lab")')
    await writeFile(join(rendererDir, 'assets', 'index-abc123.css'), 'body{}')
    await writeFile(join(rendererDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
    await writeFile(join(base, 'secret.txt'), 'TOP SECRET')
    await symlink(join(base, 'secret.txt'), join(rendererDir, 'link-out.txt'))
    service = new LabService({ appVersion: '0.1.0', platform: 'linux' })
    host = await startWebHost({ service, rendererDir, port: 0 })
  })

  afterAll(async () => {
    await host.close()
    await rm(base, { recursive: true, force: true })
  })

  describe('static files', () => {
    it('serves the page at / with the CSP and a no-cache policy', async () => {
      const res = await rawGet(host.port, '/')
      expect(res.status).toBe(200)
      expect(res.body).toContain('<title>Migration Lab</title>')
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(res.headers['content-security-policy']).toContain("default-src 'self'")
      expect(res.headers['content-security-policy']).toContain(
        `connect-src 'self' ws://127.0.0.1:${host.port}`
      )
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'")
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['cache-control']).toBe('no-cache')
    })

    it.each([
      ['/assets/index-abc123.js', 'text/javascript; charset=utf-8'],
      ['/assets/index-abc123.css', 'text/css; charset=utf-8'],
      ['/favicon.svg', 'image/svg+xml']
    ])('serves %s as %s', async (path, type) => {
      const res = await rawGet(host.port, path)
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe(type)
    })

    it('answers HEAD without a body', async () => {
      const res = await rawGet(host.port, '/favicon.svg', {}, 'HEAD')
      expect(res.status).toBe(200)
      expect(res.body).toBe('')
      expect(Number(res.headers['content-length'])).toBeGreaterThan(0)
    })

    it('answers 404 for what is not there', async () => {
      expect((await rawGet(host.port, '/nope.js')).status).toBe(404)
      expect((await rawGet(host.port, '/assets')).status).toBe(404)
    })

    it.each([
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2F..%2Fsecret.txt',
      '/link-out.txt',
      '/%00index.html',
      '/%E0%A4%A'
    ])('refuses %s', async (path) => {
      const res = await rawGet(host.port, path)
      expect([400, 403, 404]).toContain(res.status)
      expect(res.body).not.toContain('TOP SECRET')
    })

    it('refuses requests for another host name (DNS rebinding) and other methods', async () => {
      const rebinding = await rawGet(host.port, '/', { host: `rebind.evil.example:${host.port}` })
      expect(rebinding.status).toBe(421)
      expect(rebinding.body).not.toContain('Migration Lab</title>')
      const post = await rawGet(host.port, '/', {}, 'POST')
      expect(post.status).toBe(405)
      expect(post.headers.allow).toBe('GET, HEAD')
    })
  })

  describe('LabApi over WebSocket', () => {
    const clients: Array<{ close(): void }> = []
    afterEach(() => {
      for (const c of clients.splice(0)) c.close()
    })

    it('greets a new page with the host status, then answers calls by seq', async () => {
      const client = await connect(host.port)
      clients.push(client)
      expect(await client.next()).toEqual({ kind: 'evt', event: 'host.status', payload: { state: 'ready' } })

      client.send({ seq: 1, method: 'app.hello', params: {} })
      client.send({ kind: 'req', seq: 2, method: 'app.ping', params: { echo: 'x' } })
      const replies = [await client.next(), await client.next()].sort((a, b) => Number(a.seq) - Number(b.seq))
      expect(replies[0]).toMatchObject({
        kind: 'rep',
        seq: 1,
        ok: true,
        value: { appName: 'Migration Lab', host: 'web' }
      })
      expect(replies[1]).toEqual({ kind: 'rep', seq: 2, ok: true, value: { pong: true, echo: 'x' } })
    })

    it('answers malformed messages with an error reply and stays up', async () => {
      const client = await connect(host.port)
      clients.push(client)
      await client.next() // host.status

      client.send('this is not json')
      expect(await client.next()).toMatchObject({
        kind: 'rep',
        seq: -1,
        ok: false,
        error: { kind: 'Validation' }
      })

      client.send({ seq: 7, params: {} })
      const noMethod = await client.next()
      expect(noMethod).toMatchObject({ kind: 'rep', seq: 7, ok: false, error: { kind: 'Validation' } })

      client.send({ seq: 8, method: 'app.ping', params: { echo: 1 } })
      const badParams = await client.next()
      expect(badParams).toMatchObject({ seq: 8, ok: false, error: { kind: 'Validation' } })
      expect(JSON.stringify(badParams)).toContain('echo')

      client.send({ seq: 9, method: 'runs.delete-everything', params: {} })
      expect(await client.next()).toMatchObject({ seq: 9, ok: false, error: { kind: 'UnknownMessage' } })

      client.ws.send(Buffer.from([1, 2, 3]), { binary: true })
      expect(await client.next()).toMatchObject({ seq: -1, ok: false, error: { kind: 'Validation' } })

      client.send({ seq: 10, method: 'app.ping' })
      expect(await client.next()).toEqual({ kind: 'rep', seq: 10, ok: true, value: { pong: true } })
    })

    it('refuses a message over the size bound before reading it, with a reply, and keeps serving', async () => {
      const big = await connect(host.port)
      const other = await connect(host.port)
      clients.push(big, other)
      await big.next()
      await other.next()
      // A 5 MiB message (issue 13: a 3.3 MB config over the WebSocket blocked the other pages).
      const filler = 'x'.repeat(5 * 1024 * 1024)
      big.send(`{"kind":"req","seq":41,"method":"runs.start","params":{"config":{"name":"${filler}"}}}`)
      other.send({ seq: 1, method: 'app.ping', params: { echo: 'other' } })
      expect(await other.next()).toEqual({
        kind: 'rep',
        seq: 1,
        ok: true,
        value: { pong: true, echo: 'other' }
      })
      const refused = await big.next()
      expect(refused).toMatchObject({ kind: 'rep', seq: 41, ok: false, error: { kind: 'Validation' } })
      expect(JSON.stringify(refused)).toMatch(/5\.0 MiB, more than the 4 MiB a LabApi message may be/)
      // The same page is still connected and answered.
      big.send({ seq: 42, method: 'app.ping' })
      expect(await big.next()).toEqual({ kind: 'rep', seq: 42, ok: true, value: { pong: true } })
    })

    it('pushes events to every connected page', async () => {
      const a = await connect(host.port)
      const b = await connect(host.port, `http://localhost:${host.port}`)
      clients.push(a, b)
      await a.next()
      await b.next()
      expect(host.clientCount()).toBeGreaterThanOrEqual(2)
      service.emit('host.status', { state: 'ready' })
      expect(await a.next()).toEqual({ kind: 'evt', event: 'host.status', payload: { state: 'ready' } })
      expect(await b.next()).toEqual({ kind: 'evt', event: 'host.status', payload: { state: 'ready' } })
    })

    it('refuses pages from another origin, and other paths', async () => {
      expect(await refusedUpgrade(host.port, '/lab', 'https://evil.example')).toBe(403)
      expect(await refusedUpgrade(host.port, '/lab', `http://127.0.0.1:${host.port + 1}`)).toBe(403)
      expect(await refusedUpgrade(host.port, '/lab')).toBe(403)
      expect(await refusedUpgrade(host.port, '/other', `http://127.0.0.1:${host.port}`)).toBe(404)
    })
  })
})

describe('web host shutdown', () => {
  it('tells pages it is stopping, closes them with "going away" and frees the port', async () => {
    const base = await mkdtemp(join(tmpdir(), 'lab-web-'))
    await writeFile(join(base, 'index.html'), '<!doctype html>')
    const service = new LabService({ appVersion: '0.1.0', platform: 'linux' })
    const host = await startWebHost({ service, rendererDir: base, port: 0 })
    const client = await connect(host.port)
    await client.next()
    const closed = new Promise<number>((resolve) => client.ws.once('close', (code) => resolve(code)))

    await service.shutdown()
    expect(await client.next()).toEqual({ kind: 'evt', event: 'host.status', payload: { state: 'stopping' } })
    await host.close()
    expect(await closed).toBe(1001)
    await expect(rawGet(host.port, '/')).rejects.toThrow(/ECONNREFUSED/)
    await rm(base, { recursive: true, force: true })
  })
})
