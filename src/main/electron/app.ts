import { BrowserWindow, app, session } from 'electron'
import { version } from '../../../package.json'
import { ENGINE_VERSION } from '../../shared/engine/version'
import { HISTORY_OPTIONS, openLabResources } from '../lab/resources'
import { LabService } from '../lab/service'
import { PRODUCT_NAME, defaultHistoryDbPath, hostPresetsPath, rendererDir, userDataDir } from '../paths'
import { openHistory, type HistoryDb } from '../storage'
import { APP_INDEX_URL, type AppPageLocation } from '../security-policy'
import { handleAppProtocol, registerAppScheme } from './app-protocol'
import { printReportPdfInElectron } from './report-pdf'
import { UtilityProcessHost } from './utility-host'
import { applySessionPolicy, hardenAllWebContents } from './hardening'
import { registerLabIpc, sendEventToPage } from './ipc'
import { createMainWindow } from './window'

/** How long quitting waits for engine children to stop before it quits anyway. */
const SHUTDOWN_GRACE_MS = 5000

/**
 * The desktop shell. It stays thin: the LabService does the work, security-policy.ts makes the
 * security decisions, and the run code stops its engine children through `service.onShutdown`,
 * which runs before the app quits.
 */
export function startDesktopApp(): LabService {
  app.setName(PRODUCT_NAME)
  // One user data directory for the desktop app, the web host and the command line.
  app.setPath('userData', userDataDir())

  const baseDeps = {
    appVersion: version,
    engineVersion: ENGINE_VERSION,
    platform: process.platform,
    // PDF reports are printed by Electron's own Chromium (no browser to install).
    printPdf: printReportPdfInElectron
  }
  if (!app.requestSingleInstanceLock()) {
    // Another instance owns the window, the engine processes and the history database.
    app.quit()
    return new LabService(baseDeps)
  }

  // Engine runs start utility processes; every run is recorded in the shared history database.
  // The run handlers cancel their runs in service.shutdown(); resources.close() then kills any
  // engine process left and closes the database, so no engine process outlives the app.
  const resources = openLabResources({
    processHost: new UtilityProcessHost(),
    historyFile: defaultHistoryDbPath(),
    openHistory: openHistoryInElectron,
    log: (line) => process.stderr.write(line + '\n')
  })
  const service = new LabService({
    ...baseDeps,
    processHost: resources.processHost,
    hostPresetsFile: hostPresetsPath(),
    ...(resources.history ? { history: resources.history } : {})
  })

  // The dev server only in a development build (`electron-vite dev`, which sets
  // ELECTRON_RENDERER_URL): `electron-vite build` makes import.meta.env.DEV false, so `npm start`
  // and a packaged app never load a page from a URL in the environment.
  const devServerUrl = import.meta.env.DEV && !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined
  const page: AppPageLocation = {
    rendererIndexUrl: APP_INDEX_URL,
    ...(devServerUrl ? { devServerUrl } : {})
  }
  registerAppScheme()
  hardenAllWebContents(page)

  const sendStatus = (win: BrowserWindow): void =>
    sendEventToPage(win, { event: 'host.status', payload: service.status() }, page)
  const openWindow = (): BrowserWindow => createMainWindow(page, sendStatus)

  app.on('second-instance', () => {
    const [win] = BrowserWindow.getAllWindows()
    if (!win) return
    if (win.isMinimized()) win.restore()
    win.focus()
  })

  void app.whenReady().then(() => {
    applySessionPolicy(session.defaultSession)
    handleAppProtocol(session.defaultSession, rendererDir())
    registerLabIpc(service, page)
    openWindow()
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) openWindow()
    })
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })

  let stopped = false
  app.on('before-quit', (event) => {
    if (stopped) return
    event.preventDefault()
    const grace = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref())
    void Promise.race([service.shutdown(), grace])
      .then(() => Promise.race([resources.close(), grace]))
      .finally(() => {
        stopped = true
        app.quit()
      })
  })

  return service
}

/**
 * The history database inside Electron. better-sqlite3's binding in node_modules is built for
 * Node's ABI; `npm start` builds one for Electron's ABI at sqliteNativeBinding().
 * The storage layer loads that binding itself when it runs inside Electron (storage/open.ts); if
 * it is missing, the app logs why the database could not be opened and keeps runs in memory.
 */
function openHistoryInElectron(file: string): HistoryDb {
  return openHistory(file, HISTORY_OPTIONS)
}
