// Electron main process entry (out/main/index.js). Everything lives in ./electron/ and in the
// Node-only modules it uses; this file stays one line so nothing imports `electron` by accident.
import { startDesktopApp } from './electron/app'

startDesktopApp()
