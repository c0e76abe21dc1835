import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LabFailure, labError } from '../../shared/errors'

const PACKAGE_NAME = 'migration-lab'
let cachedRoot: string | undefined

/**
 * The directory of Migration Lab's package.json, found by walking up from this module. The
 * same code runs from src/ (under vitest) and bundled into out/main/ (command line, web host,
 * Electron main), so a fixed relative path would be right in only one of them.
 */
export function packageRoot(from: string = import.meta.url): string {
  if (cachedRoot && from === import.meta.url) return cachedRoot
  let dir = dirname(from.startsWith('file:') ? fileURLToPath(from) : from)
  for (;;) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) {
          if (from === import.meta.url) cachedRoot = dir
          return dir
        }
      } catch {
        // Not ours or not readable: keep walking up.
      }
    }
    const parent = dirname(dir)
    if (parent === dir) {
      throw new LabFailure(
        labError(
          'Internal',
          `cannot find the ${PACKAGE_NAME} package.json above ${from}; is the install complete?`
        )
      )
    }
    dir = parent
  }
}

/** A built engine entry point, e.g. `engineEntry('engine-worker')` → …/out/main/engine-worker.js. */
export function engineEntry(name: 'engine-worker' | 'engine-utility'): string {
  const path = join(packageRoot(), 'out', 'main', `${name}.js`)
  if (!existsSync(path)) {
    throw new LabFailure(
      labError('Internal', `engine entry point ${path} is missing; run \`npm run build\` first`)
    )
  }
  return path
}
