import { createReadStream } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { relative, resolve, sep } from 'node:path'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { LabFailure, labError, type LabError } from '../../shared/errors'
import { JsonPort } from '../../shared/protocol/json-port'
import { RpcEndpoint, type NoContract } from '../../shared/protocol/rpc'
import {
  LAB_METHODS,
  LAB_WS_MAX_MESSAGE_BYTES,
  LAB_WS_PATH,
  UNREADABLE_SEQ,
  fail,
  parseWireRequest,
  wireReply,
  type LabEventMessage,
  type LabHostContract
} from '../../shared/protocol/lab-api'
import type { LabService } from '../lab/service'
import { lookupStatic, mimeTypeOf } from '../static-files'
import {
  contentSecurityPolicy,
  isAllowedHostHeader,
  isAllowedWebOrigin,
  webSocketSources
} from '../security-policy'

/**
 * The web host (DESIGN.md §1): serves the built renderer over HTTP and the LabApi over a
 * WebSocket at /lab, on 127.0.0.1 only. Loopback is not a security boundary against the user's
 * own browser, so every request must name our host (no DNS rebinding) and every WebSocket must
 * come from a page we served (Origin check).
 */

export const LOOPBACK_ADDRESS = '127.0.0.1'

export interface WebHostOptions {
  readonly service: LabService
  /** Directory of the built renderer (out/renderer). */
  readonly rendererDir: string
  /** TCP port; 0 picks a free one. */
  readonly port?: number
  /** How often idle WebSockets are pinged; a client that misses a pong is dropped. */
  readonly heartbeatMs?: number
  /** Where to log problems (one line each); silent by default. */
  readonly log?: (line: string) => void
}

export interface WebHost {
  readonly port: number
  /** `http://127.0.0.1:PORT/` */
  readonly url: string
  /** Number of connected pages. */
  clientCount(): number
  /** Closes every WebSocket (1001, "going away") and the HTTP server. Idempotent. */
  close(): Promise<void>
}

function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy({
      delivery: 'header',
      connectSrc: webSocketSources(port)
    }),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin'
  }
}

function sendText(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string>
): void {
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store'
  })
  res.end(message + '\n')
}

/** Refuses an upgrade before any WebSocket exists: a plain HTTP error on the raw socket. */
function refuseUpgrade(socket: Duplex, status: 400 | 403 | 404, message: string): void {
  const reason = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' }[status]
  const body = message + '\n'
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  )
  socket.destroy()
}

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const { service } = opts
  const log = opts.log ?? (() => {})
  const rendererDir = resolve(opts.rendererDir)
  const wss = new WebSocketServer({
    noServer: true,
    // Beyond twice the bound the connection is dropped (the socket must not buffer without end);
    // between the two a message is refused with a reply, below (the page learns why).
    maxPayload: 2 * LAB_WS_MAX_MESSAGE_BYTES,
    perMessageDeflate: false
  })
  const alive = new WeakMap<WebSocket, boolean>()
  let nextClient = 0
  let port = 0

  const server = createServer((req, res) => {
    void serveHttp(req, res).catch((e: unknown) => {
      log(`web host: ${req.method} ${req.url} failed: ${e instanceof Error ? e.message : String(e)}`)
      if (!res.headersSent) sendText(res, 500, 'Internal error.', securityHeaders(port))
      else res.destroy()
    })
  })

  async function serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = securityHeaders(port)
    if (!isAllowedHostHeader(req.headers.host, port)) {
      sendText(res, 421, `Misdirected request: open the lab at http://${LOOPBACK_ADDRESS}:${port}/`, headers)
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'Method not allowed: the lab serves files with GET only.', {
        ...headers,
        Allow: 'GET, HEAD'
      })
      return
    }
    const found = await lookupStatic(rendererDir, req.url ?? '/')
    if (found.kind === 'error') {
      sendText(res, found.status, found.message, headers)
      return
    }
    // Vite's hashed bundles never change under the same name; everything else is revalidated.
    const immutable = relative(rendererDir, found.path).startsWith('assets' + sep)
    res.writeHead(200, {
      ...headers,
      'Content-Type': mimeTypeOf(found.path),
      'Content-Length': String(found.size),
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache'
    })
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    const stream = createReadStream(found.path)
    stream.on('error', () => res.destroy())
    stream.pipe(res)
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    let pathname: string
    try {
      pathname = new URL(req.url ?? '/', 'http://host.invalid').pathname
    } catch {
      refuseUpgrade(socket, 400, 'Bad request.')
      return
    }
    if (pathname !== LAB_WS_PATH) {
      refuseUpgrade(socket, 404, `Not found: the LabApi WebSocket is at ${LAB_WS_PATH}.`)
      return
    }
    if (!isAllowedHostHeader(req.headers.host, port)) {
      refuseUpgrade(socket, 403, 'Forbidden: the Host header does not name the lab.')
      return
    }
    if (!isAllowedWebOrigin(req.headers.origin, port)) {
      refuseUpgrade(socket, 403, 'Forbidden: only pages served by this lab host may connect.')
      log(`web host: refused a WebSocket from origin ${JSON.stringify(req.headers.origin ?? null)}`)
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })

  wss.on('connection', (ws: WebSocket) => {
    const ctx = { host: 'web' as const, clientId: `web-${++nextClient}` }
    alive.set(ws, true)
    // Requests, replies and events go through the RpcEndpoint every link uses (the page's side
    // runs the same over its JsonPort, src/renderer/src/services/lab-api.ts). What cannot be a
    // request at all is answered here, before the endpoint sees it: the page must get a reply
    // (the endpoint would only report it as a protocol error).
    const port = new JsonPort({
      send: (text) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(text)
      },
      close: () => ws.close()
    })
    const endpoint = new RpcEndpoint<LabHostContract, NoContract>(port, { name: ctx.clientId })
    for (const method of LAB_METHODS)
      endpoint.handle(method, async (params: unknown) => {
        const outcome = await service.handle(method, params, ctx)
        if (!outcome.ok) throw new LabFailure(outcome.error)
        return outcome.value as never
      })
    endpoint.onProtocolError((e) => log(`web host: ${ctx.clientId}: ${e.message}`))
    const replyError = (seq: number, error: LabError): void => {
      if (ws.readyState === WebSocket.OPEN) port.post(wireReply(seq, fail(error)))
    }
    const emit = (message: LabEventMessage): void => {
      if (!endpoint.closed && ws.readyState === WebSocket.OPEN)
        endpoint.emit(message.event, message.payload as never)
    }
    const unsubscribe = service.subscribe(emit)
    emit({ event: 'host.status', payload: service.status() })

    ws.on('pong', () => alive.set(ws, true))
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        replyError(
          UNREADABLE_SEQ,
          labError('Validation', 'Binary messages are not part of LabApi; send JSON text.')
        )
        return
      }
      const bytes = rawDataBytes(data)
      if (bytes > LAB_WS_MAX_MESSAGE_BYTES) {
        // Refused before it is parsed, so a huge message costs this page's reply and nothing
        // else: the other pages are not kept waiting while it is read (issue 13, defect 3).
        replyError(
          seqOfHead(data),
          labError(
            'Validation',
            `The message is ${(bytes / 2 ** 20).toFixed(1)} MiB, more than the ${LAB_WS_MAX_MESSAGE_BYTES / 2 ** 20} MiB ` +
              'a LabApi message may be; it was not read.'
          )
        )
        return
      }
      const parsed = parseWireRequest(rawDataToString(data))
      if (!parsed.ok) {
        replyError(parsed.seq, parsed.error)
        return
      }
      // `kind` may be left out by a page (labWireRequestSchema); the endpoint's shape has it.
      port.deliver({ ...parsed.request, kind: 'req' })
    })
    ws.on('error', (e) => log(`web host: ${ctx.clientId}: ${e.message}`))
    ws.on('close', () => {
      unsubscribe()
      port.closed()
    })
  })

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate()
        continue
      }
      alive.set(ws, false)
      ws.ping()
    }
  }, opts.heartbeatMs ?? 30_000)
  heartbeat.unref()

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen)
    server.listen(opts.port ?? 0, LOOPBACK_ADDRESS, () => {
      server.off('error', rejectListen)
      resolveListen()
    })
  }).catch((e: unknown) => {
    clearInterval(heartbeat)
    throw e
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('The web host did not get a TCP port.')
  port = address.port

  let closing: Promise<void> | undefined
  return {
    port,
    url: `http://${LOOPBACK_ADDRESS}:${port}/`,
    clientCount: () => wss.clients.size,
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat)
        const clients = [...wss.clients]
        await Promise.all(
          clients.map(
            (ws) =>
              new Promise<void>((done) => {
                if (ws.readyState === WebSocket.CLOSED) return done()
                const timer = setTimeout(() => {
                  ws.terminate()
                  done()
                }, 1000)
                ws.once('close', () => {
                  clearTimeout(timer)
                  done()
                })
                ws.close(1001, 'The lab host is shutting down.')
              })
          )
        )
        await new Promise<void>((done) => wss.close(() => done()))
        await new Promise<void>((done) => {
          server.close(() => done())
          server.closeAllConnections()
        })
      })()
      return closing
    }
  }
}

function rawDataBytes(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, chunk) => n + chunk.length, 0)
  return data.byteLength
}

/**
 * The `seq` of a message too big to parse, read from its first bytes (the page's client writes
 * `seq` before `params`), so the page can match the refusal to its call; else UNREADABLE_SEQ.
 */
function seqOfHead(data: RawData): number {
  const first = Array.isArray(data) ? data[0] : Buffer.isBuffer(data) ? data : Buffer.from(data)
  const head = first.subarray(0, 256)
  const m = /"seq"\s*:\s*(\d{1,15})\s*[,}]/.exec(head.toString('utf8'))
  return m ? Number(m[1]) : UNREADABLE_SEQ
}

function rawDataToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}
