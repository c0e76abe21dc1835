#!/usr/bin/env node
// `npm run dist`: package the desktop app for this platform with electron-builder
// (electron-builder.yml: AppImage and deb on Linux, dmg on macOS, nsis on Windows).
//
//   npm run dist                       this platform's targets
//   npm run dist -- --linux deb        any electron-builder arguments, passed through
//
// Steps: build (electron-vite), build better-sqlite3 for Electron's ABI exactly as `npm start`
// does (scripts/start.mjs ensureElectronSqlite), copy it to .cache/electron-native/current/ where
// electron-builder.yml's extraResources takes it, then run electron-builder. The native module is
// built for this machine's platform and architecture, so each platform is packaged on its own.
// electron-builder downloads Electron's binary for the target; where that cannot be had (as on
// the lab's CI machines), it fails saying so and nothing is packaged.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ROOT, ensureElectronSqlite } from './start.mjs'

export const PACKAGED_BINDING_SOURCE = join(
  ROOT,
  '.cache',
  'electron-native',
  'current',
  'better_sqlite3.node'
)

function run(args, what) {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' })
  if (r.status !== 0) {
    process.stderr.write(
      `npm run dist: ${what} failed (exit ${r.status ?? r.signal}); nothing was packaged.\n`
    )
    process.exit(1)
  }
}

export function main(argv = process.argv.slice(2)) {
  run([join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], 'the build')
  const sqlite = ensureElectronSqlite(ROOT)
  if (!sqlite.ok) {
    process.stderr.write(`npm run dist: ${sqlite.why}; nothing was packaged.\n`)
    process.exit(1)
  }
  mkdirSync(dirname(PACKAGED_BINDING_SOURCE), { recursive: true })
  copyFileSync(sqlite.path, PACKAGED_BINDING_SOURCE)
  run(
    [join(ROOT, 'node_modules', 'electron-builder', 'cli.js'), '--config', 'electron-builder.yml', ...argv],
    'electron-builder'
  )
}

main()
