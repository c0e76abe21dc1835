import { LabFailure, labError, type LabErrorKind } from '../shared/errors'
import type { EngineModule } from './host'
import { withTransfer } from '../shared/protocol/rpc'

/**
 * A test-fixture engine module (role `probe`) for the process layer's tests: it echoes, fails,
 * crashes, exits or hangs on demand, and answers on a handed-over port. A run never starts it.
 *
 * Test hooks (SpawnOptions.testHooks): `hangBeforeReady`, `failBeforeReady` (throw while
 * installing), `exitBeforeReady` (exit code), `hangOnShutdown`; `protocolVersion` is read by
 * the runtime.
 */
export type ProbeContract = {
  requests: {
    echo: { params: unknown; result: unknown }
    /** Emits `echoed` with the params as payload, then replies. */
    emit: { params: unknown; result: null }
    /** Replies with an error of the given kind. */
    fail: { params: { kind: LabErrorKind; message: string }; result: null }
    /** Throws outside any handler (uncaught exception), or rejects a promise nobody awaits. */
    crash: { params: { message: string; via: 'exception' | 'rejection' }; result: null }
    /** Ends the process at once, without a reply. */
    exit: { params: { code: number }; result: null }
    /** Never replies. */
    hang: { params: null; result: null }
    /** Blocks its event loop for `ms` (a busy loop), then replies. */
    spin: { params: { ms: number }; result: null }
    /** Replies with a new Float64Array, transferred. */
    fill: { params: { length: number; value: number }; result: Float64Array }
    /** Sums a (transferred) Float64Array. */
    sum: { params: Float64Array; result: number }
    /** Answers `echo` on the port handed over with this request. */
    serve: { params: null; result: null }
    /** Writes lines to stdout / stderr. */
    log: { params: { stdout?: string; stderr?: string }; result: null }
  }
  events: { echoed: unknown }
}

/** What the probe's handed-over port answers. */
export type ProbePeerContract = {
  requests: { echo: { params: unknown; result: unknown } }
  events: Record<never, never>
}

export const probeMain: EngineModule = async (host) => {
  const hooks = host.testHooks
  if (hooks.failBeforeReady) throw new Error(`probe ${host.name} failed while starting, as asked`)
  if (typeof hooks.exitBeforeReady === 'number') {
    host.exit(hooks.exitBeforeReady)
    return new Promise<void>(() => {})
  }
  if (hooks.hangBeforeReady) return new Promise<void>(() => {})
  if (hooks.hangOnShutdown) host.onShutdown(() => new Promise<void>(() => {}))

  const rpc = host.rpc<ProbeContract>()
  rpc.handle('echo', (params) => params)
  rpc.handle('emit', (params) => {
    rpc.emit('echoed', params)
    return null
  })
  rpc.handle('fail', ({ kind, message }) => {
    throw new LabFailure(labError(kind, message))
  })
  rpc.handle('crash', ({ message, via }) => {
    if (via === 'rejection') void Promise.reject(new Error(message))
    else
      setTimeout(() => {
        throw new Error(message)
      }, 0)
    return null
  })
  rpc.handle('exit', ({ code }) => {
    host.exit(code)
    return null
  })
  rpc.handle('hang', () => new Promise<null>(() => {}))
  rpc.handle('spin', ({ ms }) => {
    const until = Date.now() + ms
    while (Date.now() < until) {
      // busy: nothing else on this thread runs, not even the heartbeat's answer
    }
    return null
  })
  rpc.handle('fill', ({ length, value }) => {
    const out = new Float64Array(length).fill(value)
    return withTransfer(out, [out.buffer])
  })
  rpc.handle('sum', (values) => values.reduce((a, b) => a + b, 0))
  rpc.handle('serve', (_params, ports) => {
    const port = ports[0]
    if (!port)
      throw new LabFailure(labError('Validation', "'serve' needs a port handed over with the request"))
    host.openEndpoint<ProbePeerContract>(port, 'the probe peer').handle('echo', (params) => params)
    return null
  })
  rpc.handle('log', ({ stdout, stderr }) => {
    if (stdout !== undefined) process.stdout.write(`${stdout}\n`)
    if (stderr !== undefined) process.stderr.write(`${stderr}\n`)
    return null
  })
}
