import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { openLabResources, type LabResources } from '../../src/main/lab/resources'
import { LabService } from '../../src/main/lab/service'
import { NodeProcessHost } from '../../src/main/process/node-host'
import { startWebHost, type WebHost } from '../../src/main/web/server'
import { isLabError, type LabErrorKind } from '../../src/shared/errors'
import { LAB_METHODS, type LabOutcome } from '../../src/shared/protocol/lab-api'
import { junk, mutate, prng } from './generate'

// Issue 13 "Done when": malformed IPC and WebSocket messages against the real LabApi handlers
// (LabService, what Electron's ipcMain.handle calls) and the real web host: every call is
// answered with a value or a LabError of a bad-input kind, in bounded time, and the host stays up.

const CALL_TIMEOUT_MS = 30_000
/** What bad input may be answered with (a host failure, Internal, would be a defect). */
const BAD_INPUT: ReadonlySet<LabErrorKind> = new Set<LabErrorKind>([
  'Validation',
  'UnknownMessage',
  'NotFound',
  'ResourceLimit',
  'Cancelled'
])

let dir: string
let resources: LabResources
let service: LabService
let web: WebHost

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lab-api-fuzz-'))
  resources = openLabResources({
    processHost: new NodeProcessHost({ log: () => {} }),
    historyFile: join(dir, 'history.db'),
    log: () => {}
  })
  service = new LabService({
    appVersion: '0.0.0-fuzz',
    platform: process.platform,
    processHost: resources.processHost,
    history: resources.history
  })
  web = await startWebHost({ service, rendererDir: dir, port: 0 })
})
afterAll(async () => {
  await web.close()
  await service.shutdown()
  await resources.close()
  await rm(dir, { recursive: true, force: true })
})

function within<T>(what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what}: no answer in ${CALL_TIMEOUT_MS} ms`)),
        CALL_TIMEOUT_MS
      )
    })
  ]).finally(() => clearTimeout(timer))
}

function checkOutcome(what: string, outcome: LabOutcome<unknown>): void {
  if (outcome.ok) return
  expect(isLabError(outcome.error), what).toBe(true)
  if (!BAD_INPUT.has(outcome.error.kind))
    throw new Error(`${what}: answered ${outcome.error.kind}: ${outcome.error.message}`)
  expect((outcome.error.details ?? []).length, what).toBeLessThanOrEqual(21)
}

/** A call with a real method (mostly) and params that are junk or a mutated plausible shape. */
function fuzzCall(random: () => number): { method: unknown; params: unknown } {
  const method = random() < 0.9 ? LAB_METHODS[Math.floor(random() * LAB_METHODS.length)] : junk(random)
  const plausible = { runId: 1, experimentId: 1, runIds: [1], config: { guest: { vcpus: 1 } }, limit: 5 }
  const params = random() < 0.5 ? junk(random) : mutate(plausible, random)
  return { method, params }
}

describe('LabApi fuzzing', () => {
  it('answers 500 malformed calls on the handlers (the IPC path) with values or bad-input errors', async () => {
    const random = prng(99)
    for (let i = 0; i < 500; i++) {
      const { method, params } = fuzzCall(random)
      // runs.start of a valid config would start a real run; the fuzzing is about malformed calls.
      if (method === 'runs.start' || method === 'sweeps.start') continue
      const what = `call ${i} ${JSON.stringify(method)?.slice(0, 40)}`
      checkOutcome(
        what,
        await within(what, service.handle(method, params, { host: 'electron', clientId: 'fuzz' }))
      )
    }
    // Malformed configs on runs.start are refused before anything runs.
    for (let i = 0; i < 100; i++) {
      const mutated = mutate({ guest: { vcpus: 'two', workloads: [{ pattern: 'x' }] } }, random)
      // A key no config has keeps every case invalid, whatever the mutation did to the rest.
      const config =
        mutated !== null && typeof mutated === 'object' && !Array.isArray(mutated)
          ? { ...mutated, 'no-such-key': true }
          : mutated
      const outcome = await service.handle('runs.start', { config }, { host: 'electron', clientId: 'fuzz' })
      expect(outcome.ok).toBe(false)
      checkOutcome(`runs.start ${i}`, outcome)
    }
  }, 300_000)

  it('answers 300 malformed WebSocket messages, one reply each, and the page stays connected', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${web.port}/lab`, { origin: `http://127.0.0.1:${web.port}` })
    const replies: Record<string, unknown>[] = []
    let wake: (() => void) | undefined
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as Record<string, unknown>
      if (m.kind === 'rep') replies.push(m)
      wake?.()
    })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    const random = prng(5)
    const nextReply = (n: number): Promise<void> =>
      within(
        `reply ${n}`,
        new Promise<void>((resolve) => {
          const check = (): void => {
            if (replies.length >= n) resolve()
          }
          wake = check
          check()
        })
      )
    for (let i = 0; i < 300; i++) {
      const { method, params } = fuzzCall(random)
      const safeMethod = method === 'runs.start' || method === 'sweeps.start' ? 'app.ping' : method
      const text = JSON.stringify({ kind: 'req', seq: i, method: safeMethod, params }) ?? 'null'
      const variants = [
        text,
        text.slice(0, Math.floor(random() * text.length)),
        JSON.stringify(junk(random)) ?? '',
        '{"seq":' + i + ',"method":"app.ping","params":' + '['.repeat(5000) + ']'.repeat(5000) + '}'
      ]
      ws.send(variants[Math.floor(random() * variants.length)])
      await nextReply(i + 1)
      const reply = replies[i]
      if (reply.ok === false) {
        const error = reply.error as { kind: LabErrorKind; message: string }
        if (!BAD_INPUT.has(error.kind)) throw new Error(`message ${i}: ${error.kind}: ${error.message}`)
      }
    }
    expect(ws.readyState).toBe(WebSocket.OPEN)
    ws.send(JSON.stringify({ seq: 1000, method: 'app.ping', params: { echo: 'still here' } }))
    await nextReply(301)
    expect(replies[300]).toEqual({
      kind: 'rep',
      seq: 1000,
      ok: true,
      value: { pong: true, echo: 'still here' }
    })
    ws.close()
  }, 300_000)
})
