import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { dirname, resolve } from 'node:path'

// Integration and e2e tests run the built engine entry points and renderer, so build once first.
// Set LAB_SKIP_BUILD=1 when out/ is known to be fresh (npm test builds before it runs vitest).
export default function setup(): void {
  if (process.env.LAB_SKIP_BUILD === '1') return
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
  execFileSync(
    process.execPath,
    [resolve(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit']
    }
  )
}
