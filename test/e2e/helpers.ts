/**
 * Helpers for end-to-end journeys: the real web host (out/main/serve.js) with a throwaway user
 * data directory, Debian's Chromium driven by playwright-core with a fresh profile, and a
 * collector of console errors. Every journey starts from nothing and leaves nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const SERVE_ENTRY = join(ROOT, 'out', 'main', 'serve.js')
export const RESULTS_DIR = join(ROOT, 'test-results')
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

const SERVING_LINE = /Migration Lab is serving on (http:\/\/127\.0\.0\.1:(\d+)\/)/

export interface RunningWebHost {
  readonly url: string
  readonly port: number
  /** The MIGRATION_LAB_HOME the host runs with (a fresh temporary directory by default). */
  readonly home: string
  readonly child: ChildProcess
  /** Everything the host printed so far (stdout and stderr). */
  output(): string
  /** SIGTERM, then wait for exit (SIGKILL after `graceMs`); resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>
}

export interface StartWebHostOptions {
  /** Reuse a user data directory (e.g. to restart a host); default a new temporary one. */
  readonly home?: string
  /** Port to bind; default 0 (ephemeral). */
  readonly port?: number
  readonly env?: Readonly<Record<string, string>>
  readonly startTimeoutMs?: number
}

const homesToRemove = new Set<string>()

/** Starts `node out/main/serve.js` and waits for its "serving on" line. */
export async function startWebHost(opts: StartWebHostOptions = {}): Promise<RunningWebHost> {
  if (!existsSync(SERVE_ENTRY)) throw new Error(`${SERVE_ENTRY} is missing; run \`npm run build\` first.`)
  let home = opts.home
  if (!home) {
    home = await mkdtemp(join(tmpdir(), 'migration-lab-e2e-'))
    homesToRemove.add(home)
  }
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, MIGRATION_LAB_HOME: home }
  delete env.PORT
  const child = spawn(process.execPath, [SERVE_ENTRY, '--port', String(opts.port ?? 0)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))

  const match = await new Promise<RegExpMatchArray>((resolveMatch, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`The web host did not start within ${opts.startTimeoutMs ?? 20_000} ms:\n${output}`))
    }, opts.startTimeoutMs ?? 20_000)
    const check = (): void => {
      const m = SERVING_LINE.exec(output)
      if (m) {
        clearTimeout(timer)
        child.stdout.off('data', check)
        resolveMatch(m)
      }
    }
    child.stdout.on('data', check)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`The web host exited (code ${code}) before serving:\n${output}`))
    })
  })

  const finalHome = home
  return {
    url: match[1],
    port: Number(match[2]),
    home: finalHome,
    child,
    output: () => output,
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
        const code = await exited
        clearTimeout(timer)
        return code
      }
      return child.exitCode
    }
  }
}

export interface LabBrowser {
  readonly context: BrowserContext
  readonly profileDir: string
  close(): Promise<void>
}

export interface LaunchBrowserOptions {
  readonly locale?: string
  readonly colorScheme?: 'light' | 'dark'
}

/** Debian's Chromium (toolchain.md §5) with a fresh profile directory. */
export async function launchBrowser(opts: LaunchBrowserOptions = {}): Promise<LabBrowser> {
  const profileDir = await mkdtemp(join(tmpdir(), 'migration-lab-chromium-'))
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    locale: opts.locale ?? 'en-US',
    colorScheme: opts.colorScheme ?? 'light',
    viewport: { width: 1280, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--disable-dev-shm-usage'
    ]
  })
  return {
    context,
    profileDir,
    async close() {
      await context.close()
      await rm(profileDir, { recursive: true, force: true })
    }
  }
}

/** Records console errors and uncaught page errors, the signs of a broken page. */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()}`)
  })
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`))
  return errors
}

/** Where a journey saves its screenshot (test-results/ is git-ignored). */
export async function screenshotPath(name: string): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true })
  return join(RESULTS_DIR, `${name}.png`)
}

/** Removes the temporary user data directories created by startWebHost. */
export async function cleanupHomes(): Promise<void> {
  await Promise.all([...homesToRemove].map((home) => rm(home, { recursive: true, force: true })))
  homesToRemove.clear()
}

/** What a journey drives: a web host, a browser, one page, and the page's console errors. */
export interface LabSession {
  /** The running web host. A journey may replace it (restart on the same port and home); the
   * teardown stops whichever host is here then. */
  host: RunningWebHost
  readonly browser: LabBrowser
  readonly page: Page
  /** Console errors and uncaught page errors so far (see collectConsoleErrors). */
  readonly consoleErrors: string[]
}

export interface LabSessionOptions extends LaunchBrowserOptions {
  readonly host?: StartWebHostOptions
}

/**
 * The setup every journey shares, registered as the calling `describe`'s beforeAll/afterAll: a
 * fresh web host (its own MIGRATION_LAB_HOME), Chromium with a fresh profile, one page whose
 * console errors are collected; afterwards everything is closed and removed. The returned object
 * is filled in by beforeAll, so read its fields inside tests and hooks, not at collection time.
 */
export function useLabPage(opts: LabSessionOptions = {}): LabSession {
  const session: { -readonly [K in keyof LabSession]?: LabSession[K] } = {}
  beforeAll(async () => {
    session.host = await startWebHost(opts.host)
    session.browser = await launchBrowser({
      locale: opts.locale ?? 'en-US',
      colorScheme: opts.colorScheme ?? 'light'
    })
    session.page = await session.browser.context.newPage()
    session.consoleErrors = collectConsoleErrors(session.page)
  })
  afterAll(async () => {
    await session.browser?.close()
    await session.host?.stop()
    await cleanupHomes()
  })
  return session as LabSession
}
