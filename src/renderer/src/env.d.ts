/// <reference types="vite/client" />
import type { LabBridge } from '../../shared/protocol/lab-bridge'

declare global {
  interface Window {
    /** Present in the Electron app (exposed by the preload), absent in a browser. */
    readonly labBridge?: LabBridge
  }
}

export {}
