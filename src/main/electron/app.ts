import { BrowserWindow, app, session } from 'electron'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { version } from '../../../package.json'
import { ENGINE_VERSION } from '../../shared/engine/version'
import { LabService } from '../lab/service'
import { PRODUCT_NAME, rendererDir, userDataDir } from '../paths'
import type { AppPageLocation } from '../security-policy'
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

  const service = new LabService({
    appVersion: version,
    engineVersion: ENGINE_VERSION,
    platform: process.platform
  })
  // The run code plugs the Electron ProcessHost (utility processes) in here, and registers
  // `service.onShutdown(() => stopAllRuns())` so no engine process outlives the app.

  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return service
  }

  const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined
  const page: AppPageLocation = {
    rendererIndexUrl: pathToFileURL(join(rendererDir(), 'index.html')).href,
    ...(devServerUrl ? { devServerUrl } : {}),
    caseInsensitivePaths: process.platform === 'win32' || process.platform === 'darwin'
  }
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
    void Promise.race([service.shutdown(), grace]).finally(() => {
      stopped = true
      app.quit()
    })
  })

  return service
}
