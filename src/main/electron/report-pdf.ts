import { BrowserWindow } from 'electron'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * PDF of a report in the desktop app: Electron's own Chromium prints the self-contained HTML
 * (src/main/report/html.ts), so the desktop app needs no browser installed. The page is loaded in
 * a hidden, sandboxed window with JavaScript off, in its own in-memory session (nothing of the
 * app's session, cookies or cache is shared), and the window is destroyed afterwards.
 *
 * Type-checked only: Electron cannot run on the development machines (toolchain.md §6); the same
 * HTML is printed by headless Chromium in the tests.
 */
export async function printReportPdfInElectron(html: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'migration-lab-pdf-'))
  const htmlFile = join(dir, 'report.html')
  await writeFile(htmlFile, html, 'utf8')
  const win = new BrowserWindow({
    show: false,
    width: 1024,
    height: 1400,
    webPreferences: {
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      javascript: false,
      webSecurity: true,
      spellcheck: false,
      // Not "persist:": an in-memory session of its own.
      partition: 'migration-lab-report-pdf'
    }
  })
  try {
    await win.loadFile(htmlFile)
    return await win.webContents.printToPDF({
      printBackground: true,
      preferCSSPageSize: true,
      displayHeaderFooter: false,
      generateDocumentOutline: true
    })
  } finally {
    win.destroy()
    await rm(dir, { recursive: true, force: true })
  }
}
