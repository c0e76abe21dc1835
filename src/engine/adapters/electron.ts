import { parseArgs } from 'node:util'
import { LabFailure, labError } from '../../shared/errors'
import { isEngineRole, type EngineProcess } from '../runtime'
import { wrapParentPort, type ParentPortLike } from './electron-port'

/**
 * The engine process as an Electron utility process: identity from the command line
 * (`--role R --name N --hooks JSON`, written by src/main/electron/utility-host.ts), link to the
 * supervisor through `process.parentPort`. Typed structurally: this file never imports
 * `electron` (toolchain.md §7 row 1).
 */
export function electronEngineProcess(argv: readonly string[] = process.argv.slice(2)): EngineProcess {
  const parentPort = (process as unknown as { parentPort?: ParentPortLike | null }).parentPort
  if (!parentPort) {
    throw new LabFailure(labError('Internal', 'engine-utility.js must run as an Electron utility process'))
  }
  return { ...parseEngineArgs(argv), parent: wrapParentPort(parentPort), exit: (code) => process.exit(code) }
}

/** Reads `--role`, `--name` and `--hooks` (a JSON object of test hooks). */
export function parseEngineArgs(argv: readonly string[]): Pick<EngineProcess, 'role' | 'name' | 'testHooks'> {
  const { values } = parseArgs({
    args: [...argv],
    options: { role: { type: 'string' }, name: { type: 'string' }, hooks: { type: 'string' } },
    strict: false
  })
  if (!isEngineRole(values.role) || typeof values.name !== 'string') {
    throw new LabFailure(
      labError(
        'Internal',
        `engine-utility.js needs --role <vcpu|migration|probe> and --name; got ${argv.join(' ')}`
      )
    )
  }
  let testHooks: Record<string, string | number | boolean> = {}
  if (typeof values.hooks === 'string') {
    let parsed: unknown
    try {
      parsed = JSON.parse(values.hooks)
    } catch {
      parsed = undefined
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new LabFailure(labError('Internal', `--hooks must be a JSON object, got ${values.hooks}`))
    }
    testHooks = parsed as Record<string, string | number | boolean>
  }
  return { role: values.role, name: values.name, testHooks }
}
