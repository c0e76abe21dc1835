#!/usr/bin/env node
// `npm run serve [-- --port N]`: the lab in a browser, served on 127.0.0.1 by out/main/serve.js.
// Builds first when the build is missing (a fresh clone); `npm run build` rebuilds on demand.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const entry = join(root, 'out', 'main', 'serve.js')
const page = join(root, 'out', 'renderer', 'index.html')

if (!existsSync(entry) || !existsSync(page)) {
  process.stderr.write('Building Migration Lab (out/ is missing)…\n')
  const r = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit']
    }
  )
  if (r.status !== 0) {
    process.stderr.write('The build failed (see above); run `npm run build` to retry.\n')
    process.exit(1)
  }
}

// serve.js reads its arguments from process.argv: `node scripts/serve.mjs --port 8080` passes them on.
await import(pathToFileURL(entry).href)
