import type { LabConfig } from '../../shared/config/schema'
import { LabFailure, labError } from '../../shared/errors'
import type { MigrationControlContract } from '../../shared/protocol/migration'
import type { NoContract } from '../../shared/protocol/rpc'
import type { VcpuPeerContract } from '../../shared/protocol/vcpu'
import type { EngineModule } from '../host'
import { simulateMigration, type VcpuLink } from './simulator'

/**
 * The migration engine process (DESIGN.md §1): QEMU's migration thread, the wire and the
 * destination. `init` brings the config and one port per vCPU; `run` runs the migration and
 * streams `telemetry` events meanwhile; `cancel` stops it like migrate_cancel. Its core is
 * MigrationSimulator; this file only wires it to ports.
 *
 * Test hooks (internal, tests only): `skipFinalSync: true` — the final bitmap sync merges nothing;
 * `skipPostcopyDiscard: true` — postcopy_start sends no discard bitmap.
 */
export const migrationMain: EngineModule = (host) => {
  const rpc = host.rpc<MigrationControlContract>()
  let setup:
    { config: LabConfig; seed: number; links: VcpuLink[]; close: () => void; ran: boolean } | undefined
  let cancel: { reason: string; atVirtualMs: number } | undefined
  let running = false
  host.onShutdown(() => setup?.close())

  // A pooled process serves run after run: `reset` forgets the finished one (its links closed).
  rpc.handle('reset', () => {
    if (running) throw new LabFailure(labError('Internal', `${host.name} cannot reset while it runs`))
    setup?.close()
    setup = undefined
    cancel = undefined
    return null
  })

  rpc.handle('init', (params, ports) => {
    if (setup) throw new LabFailure(labError('Internal', `${host.name} was initialised twice`))
    // Validated by the supervisor before any process started (parseConfig); the engine
    // processes do not load the schema again, so they start fast (no zod in a worker).
    const config = params.config
    if (ports.length !== config.guest.vcpus)
      throw new LabFailure(
        labError(
          'Internal',
          `'init' brought ${ports.length} vCPU port(s) for a guest of ${config.guest.vcpus} vCPUs`
        )
      )
    const peers = ports.map((port, i) => host.openEndpoint<NoContract, VcpuPeerContract>(port, `vcpu-${i}`))
    const links: VcpuLink[] = peers.map((peer, i) => ({
      movesBuffers: ports[i].movesArrayBuffers === true,
      harvest: (req) => peer.request('harvest', req, req.spare ? { transfer: req.spare } : {}),
      finish: (req) => peer.request('finish', req),
      postcopyStart: (req) => peer.request('postcopyStart', req),
      postcopyRun: (req) => peer.request('postcopyRun', req),
      postcopyTouches: () => peer.request('postcopyTouches', null)
    }))
    const close = (): void => {
      for (const peer of peers) peer.close()
    }
    setup = { config, seed: params.seed, links, close, ran: false }
    return null
  })

  rpc.handle('run', async () => {
    if (!setup) throw new LabFailure(labError('Internal', `'run' before 'init' on ${host.name}`))
    if (running || setup.ran)
      throw new LabFailure(labError('Internal', `${host.name} runs one migration per 'init'`))
    running = true
    setup.ran = true
    try {
      return await simulateMigration({
        config: setup.config,
        seed: setup.seed,
        links: setup.links,
        hooks: {
          skipFinalSync: host.testHooks.skipFinalSync === true,
          skipPostcopyDiscard: host.testHooks.skipPostcopyDiscard === true
        },
        emit: (batch) => rpc.emit('telemetry', batch),
        cancelRequested: (nowMs) => (cancel && nowMs >= cancel.atVirtualMs ? cancel.reason : undefined),
        yieldToHost: () => new Promise<void>((resolve) => setImmediate(resolve)),
        wallClockMs: () => performance.now()
      })
    } finally {
      running = false
    }
  })

  rpc.handle('cancel', ({ reason, atVirtualMs }) => {
    // The earliest cancel wins: a plain one (now) beats one set for a later virtual time.
    const at = atVirtualMs ?? 0
    if (!cancel || at < cancel.atVirtualMs) cancel = { reason, atVirtualMs: at }
    return null
  })
}
