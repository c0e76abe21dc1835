// The preload of the lab's window. It runs sandboxed (a single CommonJS file, only `electron`
// may be required) and exposes exactly one object to the page: `window.labBridge`, with
// `invoke(method, params)` and `onEvent(listener) → unsubscribe`. ipcRenderer itself never
// reaches the page, and neither does any IPC event object (its `sender` is ipcRenderer).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { LabEventMessage, LabOutcome } from '../shared/protocol/lab-api'
import {
  LAB_BRIDGE_GLOBAL,
  LAB_IPC_EVENT,
  LAB_IPC_INVOKE,
  type LabBridge
} from '../shared/protocol/lab-bridge'

const bridge: LabBridge = {
  invoke(method: string, params?: unknown): Promise<LabOutcome<unknown>> {
    return ipcRenderer.invoke(LAB_IPC_INVOKE, method, params) as Promise<LabOutcome<unknown>>
  },
  onEvent(listener: (message: LabEventMessage) => void): () => void {
    const forward = (_event: IpcRendererEvent, message: LabEventMessage): void => listener(message)
    ipcRenderer.on(LAB_IPC_EVENT, forward)
    return () => {
      ipcRenderer.removeListener(LAB_IPC_EVENT, forward)
    }
  }
}

contextBridge.exposeInMainWorld(LAB_BRIDGE_GLOBAL, bridge)
