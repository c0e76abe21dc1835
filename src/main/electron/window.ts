import { BrowserWindow, nativeImage, nativeTheme } from 'electron'
import { join } from 'node:path'
import { PRODUCT_NAME, appIconPath, appRoot } from '../paths'
import type { AppPageLocation } from '../security-policy'

/** The preload built by electron-vite: a single CommonJS file, as a sandboxed preload must be. */
export function preloadPath(): string {
  return join(appRoot(), 'out', 'preload', 'index.cjs')
}

/** The lab's window: isolated, sandboxed, no Node in the page, web security on (style.md rule 9). */
export function createMainWindow(
  page: AppPageLocation,
  onLoaded: (win: BrowserWindow) => void
): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: PRODUCT_NAME,
    // Linux and Windows show it in the title bar and task switcher; macOS takes the bundle's
    // icon.icns (electron-builder.yml) and ignores this.
    icon: nativeImage.createFromPath(appIconPath()),
    // The page paints its own theme; this only avoids a white flash in dark mode.
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#16181d' : '#f5f6f8',
    webPreferences: {
      preload: preloadPath(),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false
    }
  })
  win.once('ready-to-show', () => win.show())
  win.webContents.on('did-finish-load', () => onLoaded(win))
  void win.loadURL(page.devServerUrl ?? page.rendererIndexUrl)
  return win
}
