#!/usr/bin/env node
// `npm start`: build, then open the desktop app — or, where no Electron runtime can be had (no
// binary and no way to download it, or no display), serve the lab to a browser instead.
//
//   npm start                    build, then Electron if possible, else the web host
//   npm start -- --web           skip Electron, serve to a browser
//   npm start -- --port 8080     port for the web host (default: $PORT, else any free port)
//
// Environment: LAB_SKIP_BUILD=1 skips the build; ELECTRON_OVERRIDE_DIST_PATH points at an
// Electron directory (as for the `electron` package); ELECTRON_SKIP_BINARY_DOWNLOAD=1 never
// tries to download one.
//
// better-sqlite3 is a native module: node_modules holds Node's build (tests, command line, web
// host), and this script builds a second copy for Electron's ABI under .cache/electron-native/,
// which the Electron main process loads through better-sqlite3's `nativeBinding` option
// (src/main/paths.ts, sqliteNativeBinding()).
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** How long the download attempt may take before we give up on Electron for this start. */
const DOWNLOAD_TIMEOUT_MS = 60_000

/** The executable inside an Electron distribution (as node_modules/electron/install.js names it). */
export function electronExecutableName(platform = process.platform) {
  if (platform === 'darwin' || platform === 'mas') return 'Electron.app/Contents/MacOS/Electron'
  if (platform === 'win32') return 'electron.exe'
  return 'electron'
}

/** Must equal electronNativeBindingPath() in src/main/paths.ts (test/shell/start.test.ts checks). */
export function electronNativeBindingPath(
  root,
  electronVersion,
  platform = process.platform,
  arch = process.arch
) {
  return join(
    root,
    '.cache',
    'electron-native',
    `electron-${electronVersion}-${platform}-${arch}`,
    'better_sqlite3.node'
  )
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'))
}

function lastLine(text) {
  const lines = String(text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  return (
    lines.find((l) => /error|fail|ENOTFOUND|ECONN|EAI_AGAIN|ETIMEDOUT/i.test(l)) ??
    lines.at(-1) ??
    'no output'
  )
}

/**
 * Finds the Electron executable, trying one quick download when the npm package has none.
 * Resolves to `{ ok: true, path }` or `{ ok: false, why }`.
 */
export function findElectron(root = ROOT, env = process.env) {
  const pkgDir = join(root, 'node_modules', 'electron')
  if (!existsSync(join(pkgDir, 'package.json')))
    return { ok: false, why: 'the electron package is not installed' }
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const path = join(env.ELECTRON_OVERRIDE_DIST_PATH, electronExecutableName())
    return existsSync(path)
      ? { ok: true, path }
      : { ok: false, why: `ELECTRON_OVERRIDE_DIST_PATH has no ${electronExecutableName()}` }
  }
  const installed = () => {
    const pathFile = join(pkgDir, 'path.txt')
    if (!existsSync(pathFile)) return undefined
    const path = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim())
    return existsSync(path) ? path : undefined
  }
  const present = installed()
  if (present) return { ok: true, path: present }
  if (env.ELECTRON_SKIP_BINARY_DOWNLOAD === '1') {
    return {
      ok: false,
      why: 'no Electron binary in node_modules/electron and ELECTRON_SKIP_BINARY_DOWNLOAD=1'
    }
  }
  // The package downloads its binary lazily (electron ≥ 42); try once, quietly and quickly.
  const attempt = spawnSync(process.execPath, [join(pkgDir, 'install.js')], {
    cwd: pkgDir,
    env,
    encoding: 'utf8',
    timeout: DOWNLOAD_TIMEOUT_MS
  })
  const downloaded = installed()
  if (downloaded) return { ok: true, path: downloaded }
  const why = attempt.error
    ? attempt.error.message
    : lastLine(`${attempt.stderr ?? ''}\n${attempt.stdout ?? ''}`)
  return { ok: false, why: `no Electron binary in node_modules/electron and its download failed: ${why}` }
}

/** Electron on Linux needs a display server; without one it would only crash. */
export function displayProblem(env = process.env, platform = process.platform) {
  if (platform !== 'linux') return undefined
  return env.DISPLAY || env.WAYLAND_DISPLAY ? undefined : 'no display (DISPLAY and WAYLAND_DISPLAY are unset)'
}

function nodeGypScript(env = process.env) {
  const candidates = [
    env.npm_config_node_gyp,
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js'
    ),
    join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')
  ]
  return candidates.find((c) => c && existsSync(c))
}

/**
 * Builds better-sqlite3 for Electron's ABI into .cache/electron-native/ (once per Electron and
 * better-sqlite3 version), leaving node_modules untouched. Tries the prebuilt binary first, then
 * compiles with node-gyp against Electron's headers. Returns `{ ok, path }` or `{ ok: false, why }`.
 */
export function ensureElectronSqlite(root = ROOT, log = (line) => process.stdout.write(line + '\n')) {
  const electronVersion = readJson(join(root, 'node_modules', 'electron', 'package.json')).version
  const source = join(root, 'node_modules', 'better-sqlite3')
  const sqliteVersion = readJson(join(source, 'package.json')).version
  const target = electronNativeBindingPath(root, electronVersion)
  const stamp = join(dirname(target), 'better-sqlite3.version')
  if (existsSync(target) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === sqliteVersion) {
    return { ok: true, path: target }
  }

  log(`Building better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (once)…`)
  const work = join(root, '.cache', 'electron-native', 'build-better-sqlite3')
  rmSync(work, { recursive: true, force: true })
  cpSync(source, work, {
    recursive: true,
    filter: (path) => {
      const rel = relative(source, path)
      return rel !== 'build' && !rel.startsWith('build' + sep)
    }
  })
  const built = join(work, 'build', 'Release', 'better_sqlite3.node')
  const arch = process.arch
  const prebuild = join(root, 'node_modules', 'prebuild-install', 'bin.js')
  const attempts = []
  if (existsSync(prebuild)) {
    const r = spawnSync(
      process.execPath,
      [prebuild, '--runtime', 'electron', '--target', electronVersion, '--arch', arch],
      {
        cwd: work,
        encoding: 'utf8',
        timeout: 120_000
      }
    )
    if (!existsSync(built)) attempts.push(`prebuilt binary: ${r.error?.message ?? lastLine(r.stderr)}`)
  }
  if (!existsSync(built)) {
    const gyp = nodeGypScript()
    if (!gyp) {
      attempts.push('node-gyp: not found (it ships with npm)')
    } else {
      const r = spawnSync(
        process.execPath,
        [
          gyp,
          'rebuild',
          '--release',
          '--runtime=electron',
          `--target=${electronVersion}`,
          `--arch=${arch}`,
          '--dist-url=https://electronjs.org/headers'
        ],
        { cwd: work, encoding: 'utf8', timeout: 15 * 60_000 }
      )
      if (!existsSync(built)) attempts.push(`node-gyp: ${r.error?.message ?? lastLine(r.stderr)}`)
    }
  }
  if (!existsSync(built)) {
    rmSync(work, { recursive: true, force: true })
    return {
      ok: false,
      why: `cannot build better-sqlite3 for Electron ${electronVersion} (${attempts.join('; ')})`
    }
  }
  mkdirSync(dirname(target), { recursive: true })
  copyFileSync(built, target)
  writeFileSync(stamp, sqliteVersion + '\n')
  rmSync(work, { recursive: true, force: true })
  return { ok: true, path: target }
}

function build(root) {
  process.stdout.write('Building Migration Lab…\n')
  const r = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit']
    }
  )
  return r.status === 0
}

/** Splits our own flags from the web host's (`--port`). */
function parseArgs(argv) {
  const web = argv.includes('--web')
  const rest = argv.filter((a) => a !== '--web')
  return { web, serveArgs: rest }
}

function launchElectron(binary, root) {
  const env = { ...process.env }
  delete env.ELECTRON_RUN_AS_NODE
  const child = spawn(binary, [root], { stdio: 'inherit', env, windowsHide: false })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
  child.on('error', (e) => {
    process.stderr.write(`Could not start Electron: ${e.message}\n`)
    process.exit(1)
  })
}

async function serve(root, serveArgs) {
  // out/main/serve.js reads its arguments from process.argv and prints its URL.
  process.argv = [process.argv[0], join(root, 'out', 'main', 'serve.js'), ...serveArgs]
  await import(pathToFileURL(join(root, 'out', 'main', 'serve.js')).href)
}

export async function main(argv = process.argv.slice(2), root = ROOT) {
  const { web, serveArgs } = parseArgs(argv)
  if (process.env.LAB_SKIP_BUILD !== '1' && !build(root)) {
    process.stderr.write('The build failed (see above); run `npm run build` to retry.\n')
    process.exit(1)
  }
  if (web) return serve(root, serveArgs)

  const electron = findElectron(root)
  const why = !electron.ok ? electron.why : displayProblem()
  if (why) {
    process.stdout.write(
      `Electron runtime not available (${why}); serving the lab in your browser instead.\n`
    )
    return serve(root, serveArgs)
  }
  const sqlite = ensureElectronSqlite(root)
  if (!sqlite.ok) {
    process.stdout.write(
      `The desktop app cannot open its history (${sqlite.why}); serving the lab in your browser instead.\n`
    )
    return serve(root, serveArgs)
  }
  launchElectron(electron.path, root)
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main()
}
