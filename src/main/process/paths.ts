import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { LabFailure, labError } from '../../shared/errors'
import { appRoot } from '../paths'

/** A built engine entry point, e.g. `engineEntry('engine-worker')` → …/out/main/engine-worker.js. */
export function engineEntry(name: 'engine-worker' | 'engine-utility'): string {
  const path = join(appRoot(), 'out', 'main', `${name}.js`)
  if (!existsSync(path)) {
    throw new LabFailure(
      labError('Internal', `engine entry point ${path} is missing; run \`npm run build\` first`)
    )
  }
  return path
}
