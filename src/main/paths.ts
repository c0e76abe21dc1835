import { accessSync, existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, posix, win32 } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LabFailure, labError } from '../shared/errors'

/**
 * Where the lab keeps things on disk. The desktop app, the web host and the command line all
 * use these functions, so they share one user data directory and one history database
 * (DESIGN.md §5). The Electron shell also hands `userDataDir()` to `app.setPath('userData')`,
 * so Electron's own files (cache, local storage) land in the same place.
 */

export const PRODUCT_NAME = 'Migration Lab'
/** The directory name on Linux, where lower-case names are the convention under ~/.config. */
export const LINUX_DIR_NAME = 'migration-lab'
/** Environment override of the user data directory (tests, portable installs). */
export const HOME_ENV = 'MIGRATION_LAB_HOME'
export const HISTORY_DB_FILE = 'history.db'
export const HOST_PRESETS_FILE = 'host-presets.json'

/**
 * Whether this process may use `path` the way `mode` says (`constants.X_OK`, `W_OK`,
 * `R_OK | W_OK`): accessSync as a yes or no, false also when the path does not exist.
 */
export function hasAccess(path: string, mode: number): boolean {
  try {
    accessSync(path, mode)
    return true
  } catch {
    return false
  }
}

export interface PlatformEnv {
  readonly platform?: NodeJS.Platform
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly homedir?: string
}

/**
 * The per-user data directory:
 * - `$MIGRATION_LAB_HOME` when set;
 * - Linux and other Unix: `$XDG_CONFIG_HOME/migration-lab`, else `~/.config/migration-lab`;
 * - macOS: `~/Library/Application Support/Migration Lab`;
 * - Windows: `%APPDATA%\Migration Lab`.
 * These are Electron's `appData` locations (app.getPath('appData')) with the product's name.
 */
export function userDataDir(opts: PlatformEnv = {}): string {
  const platform = opts.platform ?? process.platform
  const env = opts.env ?? process.env
  const home = opts.homedir ?? homedir()
  const path = platform === 'win32' ? win32 : posix
  const override = env[HOME_ENV]
  if (override) return path.resolve(override)
  if (platform === 'win32')
    return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), PRODUCT_NAME)
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', PRODUCT_NAME)
  // XDG: a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME
  const configHome = xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.config')
  return path.join(configHome, LINUX_DIR_NAME)
}

/** A file in the user data directory, joined the platform's way. */
function userDataFile(name: string, opts: PlatformEnv): string {
  const dir = userDataDir(opts)
  return (opts.platform ?? process.platform) === 'win32' ? win32.join(dir, name) : posix.join(dir, name)
}

/** The shared history database (command line `--db` overrides it). */
export function defaultHistoryDbPath(opts: PlatformEnv = {}): string {
  return userDataFile(HISTORY_DB_FILE, opts)
}

/** Host presets saved from calibrations (src/main/lab/host-presets.ts). */
export function hostPresetsPath(opts: PlatformEnv = {}): string {
  return userDataFile(HOST_PRESETS_FILE, opts)
}

let cachedRoot: string | undefined

/**
 * The project root (the directory holding Migration Lab's package.json), found by walking up
 * from this module; it works from src/ under vitest and from out/main/ (and its chunks) when built.
 */
export function appRoot(): string {
  if (cachedRoot) return cachedRoot
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'migration-lab') {
          cachedRoot = dir
          return dir
        }
      } catch {
        // Not ours (or unreadable): keep walking up.
      }
    }
    const parent = dirname(dir)
    if (parent === dir)
      throw new LabFailure(
        labError(
          'Internal',
          'Cannot find the Migration Lab project root (package.json "migration-lab"); is the install complete?'
        )
      )
    dir = parent
  }
}

/** The built renderer that the Electron window loads and the web host serves. */
export function rendererDir(root: string = appRoot()): string {
  return join(root, 'out', 'renderer')
}

export interface NativeBindingTarget {
  readonly root?: string
  /** Electron version the binding is built for (process.versions.electron inside Electron). */
  readonly electronVersion: string
  readonly platform?: string
  readonly arch?: string
}

/**
 * Where `npm start` keeps better-sqlite3's native binding built for Electron's ABI. Node's own
 * build stays in node_modules for tests and the command line; the Electron main process opens
 * the database with `new Database(file, { nativeBinding: sqliteNativeBinding() })`.
 * scripts/start.mjs builds the file at exactly this path (a test checks the two agree).
 */
export function electronNativeBindingPath(target: NativeBindingTarget): string {
  const root = target.root ?? appRoot()
  const platform = target.platform ?? process.platform
  const arch = target.arch ?? process.arch
  return join(
    root,
    '.cache',
    'electron-native',
    `electron-${target.electronVersion}-${platform}-${arch}`,
    'better_sqlite3.node'
  )
}

/**
 * Where a packaged app (electron-builder.yml `extraResources`) keeps what it needs outside its
 * app.asar: the Electron build of better-sqlite3 (a native module cannot be loaded from inside
 * an archive) and the window icon. `resourcesPath` is Electron's process.resourcesPath; under
 * Node it is undefined, and under an unpackaged Electron (`npm start`) it holds none of these.
 */
export const PACKAGED_SQLITE_BINDING = join('native', 'better_sqlite3.node')
export const PACKAGED_ICON = 'icon.png'

function packagedResource(name: string, resourcesPath: string | undefined): string | undefined {
  if (!resourcesPath) return undefined
  const path = join(resourcesPath, name)
  return existsSync(path) ? path : undefined
}

function electronResourcesPath(): string | undefined {
  return (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath
}

/**
 * The `nativeBinding` option for better-sqlite3 in the current runtime: inside Electron the
 * packaged app's copy, else the one `npm start` built; `undefined` (better-sqlite3's default,
 * node_modules) under Node.
 */
export function sqliteNativeBinding(
  versions: NodeJS.ProcessVersions = process.versions,
  resourcesPath: string | undefined = electronResourcesPath()
): string | undefined {
  const electron = (versions as NodeJS.ProcessVersions & { electron?: string }).electron
  if (!electron) return undefined
  return (
    packagedResource(PACKAGED_SQLITE_BINDING, resourcesPath) ??
    electronNativeBindingPath({ electronVersion: electron })
  )
}

/** The window icon: the packaged app's copy, else resources/icon.png of the project. */
export function appIconPath(resourcesPath: string | undefined = electronResourcesPath()): string {
  return packagedResource(PACKAGED_ICON, resourcesPath) ?? join(appRoot(), 'resources', PACKAGED_ICON)
}
