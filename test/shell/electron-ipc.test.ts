import { pathToFileURL } from 'node:url'
import { beforeEach, describe, expect, it, vi } from 'vitest'

// The Electron IPC wiring (src/main/electron/ipc.ts) with Electron's modules replaced by small
// stand-ins: Electron cannot run here (toolchain.md §6). The LabService and the policy are real.

const electron = vi.hoisted(() => ({
  handlers: new Map<string, (...args: unknown[]) => unknown>(),
  windows: [] as Array<{ webContents: { sent: unknown[][] } }>
}))

vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: (...args: unknown[]) => unknown) =>
      electron.handlers.set(channel, handler),
    removeHandler: (channel: string) => electron.handlers.delete(channel)
  },
  BrowserWindow: { getAllWindows: () => electron.windows }
}))

const { registerLabIpc } = await import('../../src/main/electron/ipc')
const { LabService } = await import('../../src/main/lab/service')

const INDEX = '/app/out/renderer/index.html'
const page = { rendererIndexUrl: pathToFileURL(INDEX).href }

function fakeWindow(url: string) {
  const sent: unknown[][] = []
  return {
    webContents: {
      sent,
      isDestroyed: () => false,
      mainFrame: { url, parent: null },
      send: (...args: unknown[]) => sent.push(args)
    }
  }
}

function ipcEvent(url: string, isMainFrame = true) {
  return { senderFrame: { url, parent: isMainFrame ? null : {} }, sender: { id: 3 } }
}

describe('LabApi over Electron IPC', () => {
  beforeEach(() => {
    electron.handlers.clear()
    electron.windows.length = 0
  })

  it('answers our page through the LabService, as the desktop host', async () => {
    const service = new LabService({ appVersion: '0.1.0', platform: 'linux' })
    registerLabIpc(service, page)
    const handler = electron.handlers.get('lab:invoke')!
    const hello = (await handler(ipcEvent(page.rendererIndexUrl), 'app.hello', {})) as {
      ok: boolean
      value: { host: string }
    }
    expect(hello.ok).toBe(true)
    expect(hello.value.host).toBe('electron')
    expect(await handler(ipcEvent(page.rendererIndexUrl), 'app.ping', { echo: 5 })).toMatchObject({
      ok: false,
      error: { kind: 'Validation' }
    })
  })

  it('refuses calls from a subframe, a foreign page or a vanished frame', async () => {
    const service = new LabService({ appVersion: '0.1.0', platform: 'linux' })
    registerLabIpc(service, page)
    const handler = electron.handlers.get('lab:invoke')!
    for (const event of [
      ipcEvent(page.rendererIndexUrl, false),
      ipcEvent('https://evil.example/'),
      { senderFrame: null, sender: { id: 3 } }
    ]) {
      const outcome = (await handler(event, 'app.hello', {})) as { ok: boolean; error?: { message: string } }
      expect(outcome.ok).toBe(false)
      expect(outcome.error?.message).toContain('may not call the lab')
    }
  })

  it('pushes events to windows showing our page only, and unregisters cleanly', () => {
    const service = new LabService({ appVersion: '0.1.0', platform: 'linux' })
    const ours = fakeWindow(page.rendererIndexUrl)
    const foreign = fakeWindow('https://evil.example/')
    electron.windows.push(ours, foreign)
    const unregister = registerLabIpc(service, page)
    service.emit('host.status', { state: 'ready' })
    expect(ours.webContents.sent).toEqual([
      ['lab:event', { event: 'host.status', payload: { state: 'ready' } }]
    ])
    expect(foreign.webContents.sent).toEqual([])

    unregister()
    expect(electron.handlers.has('lab:invoke')).toBe(false)
    service.emit('host.status', { state: 'ready' })
    expect(ours.webContents.sent).toHaveLength(1)
  })
})
