/**
 * PDF from the report's HTML with headless Chromium, for the command line and the web host (the
 * desktop app prints with Electron's own Chromium: src/main/electron/report-pdf.ts).
 *
 * Chromium's own `--print-to-pdf` is used rather than driving it with playwright-core: it needs
 * no npm package at run time (playwright-core is a development dependency), no debugging port,
 * and the HTML has no script to wait for. It runs in a fresh profile in a temporary directory,
 * with networking features off, and is killed (its whole process group) if it hangs.
 */
import { spawn } from 'node:child_process'
import { constants, existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { LabFailure, labError, type LabError } from '../../shared/errors'
import { hasAccess } from '../paths'

/** The message when no browser is found; the CLI maps it to exit 1 (an environment problem). */
export const CHROMIUM_MISSING =
  'PDF needs Chromium or Google Chrome; install it (e.g. `apt-get install chromium`) or set CHROME_PATH to its executable'

const EXECUTABLE_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome']
const WELL_KNOWN_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe'
]

/** How long one print may take before Chromium is killed. */
export const PDF_TIMEOUT_MS = 60_000

function isExecutable(path: string): boolean {
  return hasAccess(path, constants.X_OK)
}

/**
 * The Chromium or Chrome to print with: $CHROME_PATH when set (an error if it is not an
 * executable — it was asked for by name), else the well-known paths, else the names on $PATH.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const wanted = env.CHROME_PATH?.trim()
  if (wanted) {
    if (isExecutable(wanted)) return wanted
    throw new LabFailure(
      labError('NotFound', `${CHROMIUM_MISSING}: CHROME_PATH is ${wanted}, which is not an executable file`)
    )
  }
  for (const path of WELL_KNOWN_PATHS) if (existsSync(path) && isExecutable(path)) return path
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean))
    for (const name of EXECUTABLE_NAMES) {
      const path = join(dir, name)
      if (existsSync(path) && isExecutable(path)) return path
    }
  throw new LabFailure(labError('NotFound', `${CHROMIUM_MISSING}.`))
}

export function isChromiumMissing(error: LabError): boolean {
  return error.kind === 'NotFound' && error.message.startsWith(CHROMIUM_MISSING)
}

/** Lines of Chromium's stderr worth showing: not its D-Bus and wrapper noise. */
function usefulStderr(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/dbus|unexpected operator|bytes written to file/i.test(l))
    .slice(-5)
}

export interface ChromiumPdfOptions {
  /** Default: findChromium(). */
  chromePath?: string
  timeoutMs?: number
}

/** Prints a self-contained HTML document to PDF; returns the PDF's bytes. */
export async function printHtmlToPdfWithChromium(
  html: string,
  options: ChromiumPdfOptions = {}
): Promise<Buffer> {
  const chrome = options.chromePath ?? findChromium()
  const timeoutMs = options.timeoutMs ?? PDF_TIMEOUT_MS
  const dir = await mkdtemp(join(tmpdir(), 'migration-lab-pdf-'))
  try {
    const htmlFile = join(dir, 'report.html')
    const pdfFile = join(dir, 'report.pdf')
    await writeFile(htmlFile, html, 'utf8')
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-extensions',
      '--disable-dev-shm-usage',
      `--user-data-dir=${join(dir, 'profile')}`,
      '--no-pdf-header-footer',
      `--print-to-pdf=${pdfFile}`,
      pathToFileURL(htmlFile).href
    ]
    const { code, signal, stderr, timedOut } = await new Promise<{
      code: number | null
      signal: NodeJS.Signals | null
      stderr: string
      timedOut: boolean
    }>((resolve, reject) => {
      // Its own process group, so a hang is ended with every helper process Chromium started.
      const child = spawn(chrome, args, {
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: process.platform !== 'win32'
      })
      let err = ''
      let timedOut = false
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        if (err.length < 64 * 1024) err += chunk
      })
      const timer = setTimeout(() => {
        timedOut = true
        try {
          if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL')
          else child.kill('SIGKILL')
        } catch {
          // Already gone.
        }
      }, timeoutMs)
      child.once('error', (e) => {
        clearTimeout(timer)
        reject(
          new LabFailure(
            labError('NotFound', `${CHROMIUM_MISSING}: ${chrome} could not be started (${e.message})`)
          )
        )
      })
      child.once('exit', (exitCode, exitSignal) => {
        clearTimeout(timer)
        resolve({ code: exitCode, signal: exitSignal, stderr: err, timedOut })
      })
    })
    if (timedOut)
      throw new LabFailure(
        labError(
          'ProcessCrashed',
          `Chromium (${chrome}) did not finish printing the PDF within ${timeoutMs / 1000} s and was stopped.`
        )
      )
    let pdf: Buffer | null = null
    try {
      pdf = await readFile(pdfFile)
    } catch {
      pdf = null
    }
    if (code !== 0 || !pdf || pdf.length < 5 || pdf.subarray(0, 5).toString('latin1') !== '%PDF-') {
      const why = signal ? `was killed by ${signal}` : `exited with code ${code}`
      throw new LabFailure(
        labError('ProcessCrashed', `Chromium (${chrome}) ${why} without writing a PDF.`, usefulStderr(stderr))
      )
    }
    return pdf
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
