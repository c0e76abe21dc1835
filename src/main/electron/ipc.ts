import { BrowserWindow, ipcMain, type WebFrameMain } from 'electron'
import { labError } from '../../shared/errors'
import { LAB_IPC_EVENT, LAB_IPC_INVOKE, fail, type LabEventMessage } from '../../shared/protocol/lab-api'
import type { LabService } from '../lab/service'
import { isAllowedSender, type AppPageLocation, type SenderFrame } from '../security-policy'

/**
 * LabApi over Electron IPC: one `ipcMain.handle` for every method (LabService dispatches and
 * validates params), and events pushed with `webContents.send`. Every call is checked against
 * the sender's frame first: only the top-level frame showing our own page may call.
 */

function senderFrame(frame: WebFrameMain | null): SenderFrame | null {
  if (!frame) return null
  try {
    return { url: frame.url, isMainFrame: frame.parent === null }
  } catch {
    // The frame was disposed while the message was in flight.
    return null
  }
}

/** Registers the handler and the event fan-out; returns a function that removes both. */
export function registerLabIpc(service: LabService, page: AppPageLocation): () => void {
  ipcMain.handle(LAB_IPC_INVOKE, async (event, method: unknown, params: unknown) => {
    if (!isAllowedSender(senderFrame(event.senderFrame), page)) {
      return fail(labError('Validation', 'This page is not the Migration Lab page; it may not call the lab.'))
    }
    return service.handle(method, params, { host: 'electron', clientId: `electron-${event.sender.id}` })
  })

  const unsubscribe = service.subscribe((message) => {
    for (const win of BrowserWindow.getAllWindows()) sendEventToPage(win, message, page)
  })

  return () => {
    unsubscribe()
    ipcMain.removeHandler(LAB_IPC_INVOKE)
  }
}

/** Pushes one event to a window, if the window still shows our page. */
export function sendEventToPage(win: BrowserWindow, message: LabEventMessage, page: AppPageLocation): void {
  const contents = win.webContents
  if (contents.isDestroyed()) return
  if (!isAllowedSender(senderFrame(contents.mainFrame), page)) return
  contents.send(LAB_IPC_EVENT, message)
}
