import { execFileSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join, resolve } from 'node:path'

// Integration and e2e tests run the built engine entry points and renderer, so they need a build
// of the current sources. `npm test` builds once and then runs two vitest processes (unit, e2e):
// each would build again, so the setup builds only when out/ is older than what it is built
// from. LAB_SKIP_BUILD=1 skips the check and the build (out/ is known to be fresh).

/** What the build reads: a change to any of these makes out/ stale. */
const BUILD_INPUTS = [
  'src',
  'package.json',
  'electron.vite.config.ts',
  'tsconfig.json',
  'tsconfig.node.json',
  'tsconfig.web.json'
]
/** What the tests run of the build; a missing one makes out/ stale. */
const BUILD_OUTPUTS = [
  'out/main/engine-worker.js',
  'out/main/cli.js',
  'out/main/serve.js',
  'out/renderer/index.html'
]

function newestMtimeMs(path: string): number {
  const info = statSync(path, { throwIfNoEntry: false })
  if (!info) return 0
  if (!info.isDirectory()) return info.mtimeMs
  let newest = info.mtimeMs
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, entry)))
  return newest
}

/** True when every output the tests run exists and is newer than every build input. */
export function buildIsFresh(root: string): boolean {
  let oldestOutput = Infinity
  for (const output of BUILD_OUTPUTS) {
    const info = statSync(join(root, output), { throwIfNoEntry: false })
    if (!info) return false
    oldestOutput = Math.min(oldestOutput, info.mtimeMs)
  }
  const newestInput = Math.max(...BUILD_INPUTS.map((input) => newestMtimeMs(join(root, input))))
  return newestInput < oldestOutput
}

export default function setup(): void {
  if (process.env.LAB_SKIP_BUILD === '1') return
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
  if (buildIsFresh(root)) return
  execFileSync(
    process.execPath,
    [resolve(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit']
    }
  )
}
