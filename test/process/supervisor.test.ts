import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import type { ProbeContract, ProbePeerContract } from '../../src/engine/probe'
import { openEndpoint } from '../../src/main/process/endpoint'
import { NodeProcessHost } from '../../src/main/process/node-host'
import {
  onGroupFailure,
  startChild,
  stopAll,
  type StartOptions,
  type SupervisedChild
} from '../../src/main/process/supervisor'
import { LabFailure, type LabError } from '../../src/shared/errors'
import type { NoContract } from '../../src/shared/protocol/rpc'

// Integration with real worker_threads children running the built out/main/engine-worker.js
// (the vitest global setup builds it) and the `probe` fixture module (src/engine/probe.ts).

const logged: Array<{ child: string; stream: string; line: string }> = []
const host = new NodeProcessHost({ log: (child, stream, line) => logged.push({ child, stream, line }) })
let counter = 0

function probe(opts: Partial<StartOptions> = {}): Promise<SupervisedChild<ProbeContract>> {
  return startChild<ProbeContract>(host, { role: 'probe', name: `probe-${++counter}`, ...opts })
}

/** The LabError a promise rejects with (startChild or a request). */
async function rejectionOf(p: Promise<unknown>): Promise<LabError> {
  const e = await p.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: unknown) => e
  )
  expect(e).toBeInstanceOf(LabFailure)
  return (e as LabFailure).error
}

function firstFailure(child: SupervisedChild<ProbeContract>): Promise<LabError> {
  return new Promise((resolve) => child.onFailure(resolve))
}

afterEach(async () => {
  // Every test leaves nothing running; a leftover here is an orphan the test failed to catch.
  const leftovers = host.liveChildren.size
  await host.killAll()
  expect(leftovers).toBe(0)
})

afterAll(async () => {
  expect(host.liveChildren.size).toBe(0)
  // Nothing of ours keeps the event loop alive: no worker, no open port (the process can exit).
  await vi.waitFor(() => expect(process.getActiveResourcesInfo()).not.toContain('MessagePort'))
})

describe('startChild', () => {
  it('completes the ready handshake and talks to the child', async () => {
    const child = await probe({ name: 'probe-hello' })
    expect(child.name).toBe('probe-hello')
    expect(child.role).toBe('probe')
    expect(child.id).toBeGreaterThan(0)
    expect(host.liveChildren.size).toBe(1)
    expect(await child.rpc.request('echo', { hello: [1, 2, 3] })).toEqual({ hello: [1, 2, 3] })
    await child.stop()
    expect(await child.exited).toEqual({ code: 0, reason: 'exited with code 0' })
    expect(host.liveChildren.size).toBe(0)
  })

  it('fails with StartupTimeout when the child never says ready, and stops it', async () => {
    const error = await rejectionOf(
      probe({ name: 'probe-mute', testHooks: { hangBeforeReady: true }, readyTimeoutMs: 300 })
    )
    expect(error.kind).toBe('StartupTimeout')
    expect(error.message).toBe('probe-mute did not become ready within 300 ms; it was stopped')
    expect(host.liveChildren.size).toBe(0)
  })

  it('fails with ProtocolMismatch when the child speaks another protocol version, and stops it', async () => {
    const error = await rejectionOf(probe({ name: 'probe-old', testHooks: { protocolVersion: 999 } }))
    expect(error.kind).toBe('ProtocolMismatch')
    expect(error.message).toContain('probe-old speaks protocol version 999')
    expect(host.liveChildren.size).toBe(0)
  })

  it('fails with ProcessCrashed and the exit reason when the child exits before ready', async () => {
    const error = await rejectionOf(probe({ name: 'probe-quitter', testHooks: { exitBeforeReady: 3 } }))
    expect(error.kind).toBe('ProcessCrashed')
    expect(error.message).toBe('probe-quitter exited before it was ready: exited with code 3')
  })

  it('fails with ProcessCrashed and the thrown message when the module throws while starting', async () => {
    const error = await rejectionOf(probe({ name: 'probe-broken', testHooks: { failBeforeReady: true } }))
    expect(error.kind).toBe('ProcessCrashed')
    expect(error.message).toBe(
      'probe-broken crashed while starting: probe probe-broken failed while starting, as asked'
    )
  })

  it('fails with ProcessCrashed when the entry point cannot even load', async () => {
    const broken = new NodeProcessHost({ entryPath: '/nonexistent/engine-worker.js', log: () => {} })
    const error = await rejectionOf(startChild(broken, { role: 'probe', name: 'probe-nowhere' }))
    expect(error.kind).toBe('ProcessCrashed')
    expect(error.message).toMatch(/^probe-nowhere exited before it was ready: crashed: .*Cannot find module/)
    expect(broken.liveChildren.size).toBe(0)
  })
})

describe('a supervised child', () => {
  it('answers a method it does not know with UnknownMessage', async () => {
    const child = await probe()
    const untyped = child as unknown as SupervisedChild<{
      requests: { warp: { params: null; result: null } }
      events: Record<never, never>
    }>
    const error = await rejectionOf(untyped.rpc.request('warp', null))
    expect(error.kind).toBe('UnknownMessage')
    expect(error.message).toContain("unknown request 'warp'")
    await child.stop()
  })

  it('sends errors as data with their kind', async () => {
    const child = await probe()
    const error = await rejectionOf(
      child.rpc.request('fail', { kind: 'ResourceLimit', message: 'guest memory does not fit' })
    )
    expect(error).toEqual({ kind: 'ResourceLimit', message: 'guest memory does not fit' })
    await child.stop()
  })

  it('rejects the pending request and reports a failure when the child is killed mid-conversation', async () => {
    const child = await probe({ name: 'probe-victim' })
    const failure = firstFailure(child)
    const pending = child.rpc.request('hang', null)
    await child.rpc.request('echo', 'still here') // the hang request has reached the child
    // Killed from outside the supervisor, as by the OOM killer.
    const raw = [...host.liveChildren].find((c) => c.id === child.id)
    await raw?.kill()
    const error = await rejectionOf(pending)
    expect(error.kind).toBe('ProcessCrashed')
    expect(error.message).toContain('link to probe-victim closed')
    expect(await failure).toEqual({
      kind: 'ProcessCrashed',
      message: 'probe-victim stopped unexpectedly: killed'
    })
  })

  it('fails a child that stops answering (a blocked event loop) as hung, and stops it', async () => {
    const child = await probe({ name: 'probe-stuck', heartbeatIntervalMs: 50, heartbeatTimeoutMs: 300 })
    const failure = firstFailure(child)
    // Blocks the child's thread for far longer than the heartbeat allows.
    void child.rpc.request('spin', { ms: 5_000 }).catch(() => undefined)
    expect(await failure).toEqual({
      kind: 'ProcessCrashed',
      message: 'probe-stuck stopped answering (no reply to a heartbeat within 300 ms); it was stopped'
    })
    await child.exited
  })

  it('keeps a child that is busy but answers its heartbeat in time', async () => {
    const child = await probe({ name: 'probe-busy', heartbeatIntervalMs: 20, heartbeatTimeoutMs: 1_000 })
    // A short block (like a vCPU computing a harvest) delays the ping but stays within the timeout.
    await child.rpc.request('spin', { ms: 200 })
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(child.failed).toBeUndefined()
    expect(await child.rpc.request('echo', 'alive')).toBe('alive')
    await child.stop()
  })

  it('reports an exit nobody asked for, with its exit code', async () => {
    const child = await probe({ name: 'probe-leaver' })
    const failure = firstFailure(child)
    const pending = child.rpc.request('exit', { code: 7 })
    expect((await rejectionOf(pending)).kind).toBe('ProcessCrashed')
    expect(await failure).toEqual({
      kind: 'ProcessCrashed',
      message: 'probe-leaver stopped unexpectedly: exited with code 7'
    })
    expect((await child.exited).code).toBe(7)
  })

  it('reports an uncaught exception in the child as a failure carrying its message', async () => {
    const child = await probe({ name: 'probe-thrower' })
    const failure = firstFailure(child)
    await child.rpc.request('crash', { message: 'dirty log overflow', via: 'exception' })
    const error = await failure
    expect(error.kind).toBe('ProcessCrashed')
    expect(error.message).toBe('probe-thrower crashed: dirty log overflow')
    await child.exited
    expect(host.liveChildren.size).toBe(0)
    // The stack went to the prefixed log.
    await vi.waitFor(() =>
      expect(
        logged.some((l) => l.child === 'probe-thrower' && l.line.includes('fatal: Error: dirty log overflow'))
      ).toBe(true)
    )
  })

  it('reports an unhandled rejection in the child the same way', async () => {
    const child = await probe({ name: 'probe-rejecter' })
    const failure = firstFailure(child)
    await child.rpc.request('crash', { message: 'nobody awaited me', via: 'rejection' })
    expect((await failure).message).toBe('probe-rejecter crashed: nobody awaited me')
    await child.exited
  })

  it('treats an event nobody listens to as a failure, never ignoring it', async () => {
    const child = await probe({ name: 'probe-chatty' })
    const failure = firstFailure(child)
    // The failure stops the child, so the reply to this request may never come.
    const pending = child.rpc.request('emit', { n: 1 }).catch(() => null)
    const error = await failure
    expect(error.kind).toBe('UnknownMessage')
    expect(error.message).toContain("event 'echoed' from probe-chatty has no listener")
    await child.exited
    await pending
  })

  it('delivers events to a listener', async () => {
    const child = await probe()
    const got = new Promise((resolve) => child.rpc.onEvent('echoed', resolve))
    await child.rpc.request('emit', { batch: 3 })
    expect(await got).toEqual({ batch: 3 })
    await child.stop()
  })

  it('stops gracefully, and kills a child that does not stop within the grace period', async () => {
    const polite = await probe()
    const stubborn = await probe({ testHooks: { hangOnShutdown: true } })
    const failures: LabError[] = []
    polite.onFailure((e) => failures.push(e))
    stubborn.onFailure((e) => failures.push(e))
    await Promise.all([polite.stop(), stubborn.stop(300)])
    expect(await polite.exited).toEqual({ code: 0, reason: 'exited with code 0' })
    expect(await stubborn.exited).toEqual({ code: null, reason: 'killed' })
    expect(failures).toEqual([]) // an exit we asked for is not a failure
    expect(host.liveChildren.size).toBe(0)
  })

  it('moves typed arrays to and from the child', async () => {
    const child = await probe()
    const values = new Float64Array(4096).fill(0.5)
    expect(await child.rpc.request('sum', values, { transfer: [values.buffer] })).toBe(2048)
    expect(values.byteLength).toBe(0)
    const filled = await child.rpc.request('fill', { length: 3, value: 7 })
    expect(filled).toBeInstanceOf(Float64Array)
    expect([...filled]).toEqual([7, 7, 7])
    await child.stop()
  })

  it('pipes the child output to the log, one prefixed line at a time', async () => {
    const child = await probe({ name: 'probe-talker' })
    await child.rpc.request('log', { stdout: 'first\nsecond', stderr: 'warning' })
    await child.stop()
    // Worker output reaches the main thread asynchronously, so wait for it rather than race it.
    await vi.waitFor(() =>
      expect(logged.filter((l) => l.child === 'probe-talker')).toEqual(
        expect.arrayContaining([
          { child: 'probe-talker', stream: 'stdout', line: 'first' },
          { child: 'probe-talker', stream: 'stdout', line: 'second' },
          { child: 'probe-talker', stream: 'stderr', line: 'warning' }
        ])
      )
    )
  })
})

describe('ports between children', () => {
  it('hands a port to a child and talks to it directly; the port closes when the child dies', async () => {
    const child = await probe()
    const [mine, theirs] = host.createChannel()
    await child.rpc.request('serve', null, { ports: [theirs] })
    const peer = openEndpoint<NoContract, ProbePeerContract>(mine, 'the probe peer')
    expect(await peer.request('echo', 'over the handed-over port')).toBe('over the handed-over port')
    const pending = peer.request('echo', new Promise(() => {}) as unknown) // cannot be cloned: replies an error
    expect((await rejectionOf(pending)).kind).toBe('Internal')
    await child.kill()
    const error = await rejectionOf(peer.request('echo', 'anyone?'))
    expect(error.kind).toBe('ProcessCrashed')
  })

  it('connects two children by a channel: one requests, the other answers', async () => {
    const [a, b] = await Promise.all([probe(), probe()])
    const [portA, portB] = host.createChannel()
    await b.rpc.request('serve', null, { ports: [portB] })
    // The main process hands the other end to `a` and steps out of the data path.
    const peer = openEndpoint<NoContract, ProbePeerContract>(portA, 'probe b')
    expect(await peer.request('echo', 42)).toBe(42)
    await stopAll([a, b])
    peer.close()
  })
})

describe('a group of children', () => {
  it('stops every sibling when one fails, and reports which one', async () => {
    const children = await Promise.all([probe(), probe({ name: 'probe-weak' }), probe()])
    const reported = new Promise<{ error: LabError; name: string }>((resolve) =>
      onGroupFailure(children, (error, failed) => resolve({ error, name: failed.name }))
    )
    await children[1].rpc.request('crash', { message: 'out of guest memory', via: 'exception' })
    const { error, name } = await reported
    expect(name).toBe('probe-weak')
    expect(error.message).toBe('probe-weak crashed: out of guest memory')
    const exits = await Promise.all(children.map((c) => c.exited))
    expect(exits.map((e) => e.reason)).toEqual(['exited with code 0', 'killed', 'exited with code 0'])
    expect(host.liveChildren.size).toBe(0)
  })
})
