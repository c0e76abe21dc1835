import { LabFailure, labError } from '../../shared/errors'
import { layoutGuest } from '../../shared/engine/workload'
import { withTransfer, type RpcEndpoint } from '../../shared/protocol/rpc'
import type { VcpuControlContract, VcpuPeerContract } from '../../shared/protocol/vcpu'
import type { EngineModule } from '../host'
import { VcpuSimulator } from './simulator'

/**
 * The vCPU engine process (DESIGN.md §1): answers `init` on its control link, then serves the
 * migration process on the port handed over with it. Its core is VcpuSimulator; this file only
 * wires it to ports.
 *
 * Test hooks (internal, tests only): `dropDirtyLogOfVcpu: n` — vCPU n loses its dirty log once
 * after the first pass; `crashVcpu: n` with `crashAtHarvest: k` (default 2) — vCPU n throws an
 * uncaught exception when asked for its k-th harvest, as a crashing process would; `hangVcpu: n`
 * with `hangAtHarvest: k` (default 2) — vCPU n blocks its thread at its k-th harvest (a
 * livelocked guest thread: no reply, no heartbeat) until it is stopped, at most a minute.
 */
export const vcpuMain: EngineModule = (host) => {
  const rpc = host.rpc<VcpuControlContract>()
  // The link of the current run; `reset` closes it so the process can serve another run.
  let peer: RpcEndpoint<VcpuPeerContract> | undefined
  host.onShutdown(() => peer?.close())
  rpc.handle('reset', () => {
    peer?.close()
    peer = undefined
    return null
  })
  rpc.handle('init', (params, ports) => {
    if (peer) throw new LabFailure(labError('Internal', `${host.name} was initialised twice`))
    const port = ports[0]
    if (!port)
      throw new LabFailure(
        labError('Internal', `'init' of ${host.name} needs the port to the migration process`)
      )
    // The supervisor validated the config (parseConfig) before it started any process; the
    // engine processes do not load the schema again, so they start fast (no zod in a worker).
    const layout = layoutGuest(params.config.guest)
    const plan = layout.vcpus[params.vcpu]
    if (!plan)
      throw new LabFailure(
        labError('Internal', `vCPU ${params.vcpu} does not exist in a guest of ${layout.vcpus.length}`)
      )
    const hooks = host.testHooks
    const sim = new VcpuSimulator({
      plan,
      totalPages: layout.totalPages,
      nonZeroPages: layout.nonZeroPages,
      seed: params.seed,
      dropDirtyLogOnce: hooks.dropDirtyLogOfVcpu === params.vcpu,
      dirtyRingSize: params.config.guest['dirty-ring-size'],
      countWrites: params.config.migration.capabilities.xbzrle,
      reuseLogBuffers: port.movesArrayBuffers === true
    })
    const crashAt = hooks.crashVcpu === params.vcpu ? Number(hooks.crashAtHarvest ?? 2) : -1
    const hangAt = hooks.hangVcpu === params.vcpu ? Number(hooks.hangAtHarvest ?? 2) : -1
    let harvests = 0
    peer = host.openEndpoint<VcpuPeerContract>(port, 'the migration process')
    peer.handle('harvest', (req) => {
      if (++harvests === crashAt) {
        setTimeout(() => {
          throw new Error(`vCPU ${params.vcpu} crashed on purpose at harvest ${harvests} (test hook)`)
        }, 0)
        return new Promise<never>(() => {})
      }
      if (harvests === hangAt) {
        // Blocks the event loop without burning a core; stopping the process interrupts it.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, HANG_LIMIT_MS)
        throw new Error(`vCPU ${params.vcpu} hung on purpose at harvest ${harvests} and was not stopped`)
      }
      const reply = sim.harvest(req)
      return withTransfer(reply, VcpuSimulator.transferList(reply))
    })
    peer.handle('finish', (req) => {
      const reply = sim.finish(req)
      return withTransfer(reply, VcpuSimulator.transferList(reply))
    })
    peer.handle('postcopyStart', (req) => {
      const reply = sim.postcopyStart(req)
      return withTransfer(
        reply,
        reply.sourceOracle.lastWritePlus1.map((a) => a.buffer as ArrayBuffer)
      )
    })
    peer.handle('postcopyRun', (req) => sim.postcopyRun(req))
    peer.handle('postcopyTouches', () => {
      const reply = sim.postcopyTouches()
      return withTransfer(
        reply,
        reply.firstTouch.lastWritePlus1.map((a) => a.buffer as ArrayBuffer)
      )
    })
    return null
  })
}

/** The hang test hook gives up after this long, so a broken supervisor cannot leave it forever. */
const HANG_LIMIT_MS = 60_000
