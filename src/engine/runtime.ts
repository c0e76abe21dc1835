import { LabFailure, labError, toLabError, type LabError } from '../shared/errors'
import type { Port } from '../shared/port'
import { PROTOCOL_VERSION, type EngineRole } from '../shared/protocol/common'
import type { ChildLifecycleContract } from '../shared/protocol/lifecycle'
import { RpcEndpoint, type LinkContract, type NoContract, type SetTimer } from '../shared/protocol/rpc'
import type { EngineHost, EngineModule } from './host'
import { migrationMain } from './migration/main'
import { probeMain } from './probe'
import { vcpuMain } from './vcpu/main'

/** What an adapter (worker_threads or Electron utility process) provides to the runtime. */
export interface EngineProcess {
  readonly role: EngineRole
  readonly name: string
  readonly testHooks: Readonly<Record<string, string | number | boolean>>
  /** The link to the supervisor. */
  readonly parent: Port
  /** Ends this engine process (a worker thread or a utility process). */
  exit(code: number): void
}

export const ENGINE_MODULES: Readonly<Record<EngineRole, EngineModule>> = {
  vcpu: vcpuMain,
  migration: migrationMain,
  probe: probeMain
}

export const ENGINE_ROLES: readonly EngineRole[] = Object.keys(ENGINE_MODULES) as EngineRole[]

export function isEngineRole(v: unknown): v is EngineRole {
  return typeof v === 'string' && (ENGINE_ROLES as readonly string[]).includes(v)
}

/** The engine processes' timer for RPC timeouts (src/shared has none, DESIGN.md §6). */
export const engineSetTimer: SetTimer = (ms, fn) => {
  const timer = setTimeout(fn, ms)
  return () => clearTimeout(timer)
}

/**
 * Builds the EngineHost a module sees, with the one control endpoint on the parent port.
 * `runEngine` uses it; engine tests can use it to run a module over an in-memory port.
 */
export function createEngineHost(proc: EngineProcess): {
  host: EngineHost
  control: RpcEndpoint<ChildLifecycleContract>
  shutdownHooks: Array<() => void | Promise<void>>
} {
  const control = new RpcEndpoint<ChildLifecycleContract>(proc.parent, {
    name: 'the main process',
    setTimer: engineSetTimer
  })
  const shutdownHooks: Array<() => void | Promise<void>> = []
  const host: EngineHost = {
    role: proc.role,
    name: proc.name,
    parent: proc.parent,
    testHooks: proc.testHooks,
    exit: (code = 0) => proc.exit(code),
    rpc: <Local extends LinkContract, Remote extends LinkContract = NoContract>() =>
      control as unknown as RpcEndpoint<Local, Remote>,
    openEndpoint: <Local extends LinkContract, Remote extends LinkContract = NoContract>(
      port: Port,
      name: string
    ) => new RpcEndpoint<Local, Remote>(port, { name, setTimer: engineSetTimer }),
    onShutdown: (cleanup) => {
      shutdownHooks.push(cleanup)
    }
  }
  return { host, control, shutdownHooks }
}

/**
 * Runs one engine process: installs the module for its role, then says `ready` with the
 * protocol version; answers `shutdown` (cleanup hooks, then exit 0); turns an uncaught
 * exception or unhandled rejection into a `fatal` event and exits 1 (the supervisor's side of
 * these rules is src/main/process/supervisor.ts).
 */
export async function runEngine(
  proc: EngineProcess,
  modules: Readonly<Record<EngineRole, EngineModule>> = ENGINE_MODULES
): Promise<void> {
  const { host, control, shutdownHooks } = createEngineHost(proc)
  let ending = false

  // Let the reply or event just posted leave before the thread or process goes away.
  const exitSoon = (code: number): void => {
    setTimeout(() => proc.exit(code), 10)
  }

  const fatal = (e: unknown): void => {
    if (ending) return
    ending = true
    const error: LabError = toLabError(e)
    console.error(`fatal: ${e instanceof Error && e.stack ? e.stack : error.message}`)
    try {
      control.emit('fatal', { error })
    } catch {
      // The link is gone already; the exit code still tells the supervisor.
    }
    exitSoon(1)
  }
  process.on('uncaughtException', fatal)
  process.on('unhandledRejection', fatal)

  control.onProtocolError((e) => console.error(`protocol error: ${e.message}`))
  control.handle('ping', () => null)
  control.handle('shutdown', async () => {
    ending = true
    let failure: unknown
    for (const cleanup of [...shutdownHooks].reverse()) {
      try {
        await cleanup()
      } catch (e) {
        failure ??= e
      }
    }
    exitSoon(failure === undefined ? 0 : 1)
    if (failure !== undefined) throw failure
    return null
  })

  try {
    const install = modules[proc.role]
    if (!install) throw new LabFailure(labError('Internal', `no engine module for role '${proc.role}'`))
    await install(host)
  } catch (e) {
    fatal(e)
    return
  }
  if (ending) return
  // Test hook: pretend to be built from other sources, to exercise ProtocolMismatch.
  const hookedVersion = proc.testHooks.protocolVersion
  control.emit('ready', {
    protocolVersion: typeof hookedVersion === 'number' ? hookedVersion : PROTOCOL_VERSION,
    role: proc.role,
    name: proc.name
  })
}
