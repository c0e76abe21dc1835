import { parentPort, workerData } from 'node:worker_threads'
import { LabFailure, labError } from '../../shared/errors'
import { isEngineRole, type EngineProcess } from '../runtime'
import { wrapNodePort } from './node-port'

/**
 * The engine process as a worker_threads worker: identity from `workerData`
 * ({role, name, testHooks}, written by src/main/process/node-host.ts), link to the supervisor
 * through `parentPort`. `process.exit` inside a worker ends only that thread.
 */
export function nodeEngineProcess(): EngineProcess {
  if (!parentPort) {
    throw new LabFailure(labError('Internal', 'engine-worker.js must run as a worker_threads Worker'))
  }
  const data = workerData as { role?: unknown; name?: unknown; testHooks?: unknown } | null
  if (!data || !isEngineRole(data.role) || typeof data.name !== 'string') {
    throw new LabFailure(
      labError('Internal', `engine worker started without a valid {role, name}: ${JSON.stringify(data)}`)
    )
  }
  const testHooks =
    typeof data.testHooks === 'object' && data.testHooks !== null
      ? (data.testHooks as Record<string, string | number | boolean>)
      : {}
  return {
    role: data.role,
    name: data.name,
    testHooks,
    parent: wrapNodePort(parentPort),
    exit: (code) => process.exit(code)
  }
}
