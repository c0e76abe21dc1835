#!/usr/bin/env node
// `npx migration-lab …`: runs the built command line (out/main/cli.js). `npm install` builds it
// (the `prepare` script); if it is missing, build it once here so the command always works.
import { existsSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const cli = resolve(root, 'out/main/cli.js')
if (!existsSync(cli)) {
  process.stderr.write('migration-lab: building the lab once (out/ is missing)…\n')
  try {
    execFileSync(
      process.execPath,
      [resolve(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
      {
        cwd: root,
        stdio: ['ignore', 'ignore', 'inherit']
      }
    )
  } catch {
    process.stderr.write('migration-lab: the build failed; run `npm run build` in ' + root + ' to see why.\n')
    process.exit(1)
  }
}
const { main } = await import(pathToFileURL(cli).href)
process.exitCode = await main(process.argv.slice(2))
