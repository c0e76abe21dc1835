import type { LabEventMessage, LabOutcome } from './lab-api'

/**
 * The Electron transport of LabApi (see lab-api.ts): the names the preload and the main process
 * agree on, and the shape of `window.labBridge`. Kept apart from lab-api.ts because the sandboxed
 * preload may `require` nothing but `electron`, so it must not pull in zod; this file has only
 * constants and types.
 */

export const LAB_BRIDGE_GLOBAL = 'labBridge'
/** `ipcRenderer.invoke(LAB_IPC_INVOKE, method, params)` → `LabOutcome`. */
export const LAB_IPC_INVOKE = 'lab:invoke'
/** `webContents.send(LAB_IPC_EVENT, LabEventMessage)`. */
export const LAB_IPC_EVENT = 'lab:event'

/** `window.labBridge` in the Electron app. Untyped on purpose: the page-side client types it. */
export interface LabBridge {
  invoke(method: string, params?: unknown): Promise<LabOutcome<unknown>>
  /** Subscribes to pushed events; returns an unsubscribe function. */
  onEvent(listener: (message: LabEventMessage) => void): () => void
}
