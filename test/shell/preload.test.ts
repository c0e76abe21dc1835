import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../e2e/helpers'

// The built preload (out/preload/index.cjs) run in a bare context with a stand-in for the
// `electron` module, the only module a sandboxed preload may require.

function loadPreload() {
  const code = readFileSync(join(ROOT, 'out', 'preload', 'index.cjs'), 'utf8')
  const exposed: Record<string, unknown> = {}
  const invoked: unknown[][] = []
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>()
  const required: string[] = []
  const electron = {
    contextBridge: {
      exposeInMainWorld: (name: string, api: unknown) => {
        exposed[name] = api
      }
    },
    ipcRenderer: {
      invoke: async (...args: unknown[]) => {
        invoked.push(args)
        return { ok: true, value: { pong: true } }
      },
      on: (channel: string, l: (...args: unknown[]) => void) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set())
        listeners.get(channel)!.add(l)
      },
      removeListener: (channel: string, l: (...args: unknown[]) => void) => listeners.get(channel)?.delete(l)
    }
  }
  const require = (name: string) => {
    required.push(name)
    if (name === 'electron') return electron
    throw new Error(`a sandboxed preload cannot require "${name}"`)
  }
  const module = { exports: {} }
  runInNewContext(code, { require, module, exports: module.exports })
  return { exposed, invoked, listeners, required }
}

describe('preload', () => {
  it('requires nothing but electron (sandbox) and exposes only labBridge', () => {
    const { exposed, required } = loadPreload()
    expect(required).toEqual(['electron'])
    expect(Object.keys(exposed)).toEqual(['labBridge'])
    expect(Object.keys(exposed.labBridge as object).sort()).toEqual(['invoke', 'onEvent'])
  })

  it('forwards calls to the lab:invoke channel', async () => {
    const { exposed, invoked } = loadPreload()
    const bridge = exposed.labBridge as { invoke(m: string, p?: unknown): Promise<unknown> }
    expect(await bridge.invoke('app.ping', { echo: 'x' })).toEqual({ ok: true, value: { pong: true } })
    expect(invoked).toEqual([['lab:invoke', 'app.ping', { echo: 'x' }]])
  })

  it('hands the page the event message only (never the IPC event and its sender), until unsubscribed', () => {
    const { exposed, listeners } = loadPreload()
    const bridge = exposed.labBridge as { onEvent(l: (...args: unknown[]) => void): () => void }
    const received: unknown[][] = []
    const off = bridge.onEvent((...args) => received.push(args))
    const ipcEvent = { sender: { send: () => {} } }
    for (const l of listeners.get('lab:event') ?? [])
      l(ipcEvent, { event: 'host.status', payload: { state: 'ready' } })
    expect(received).toEqual([[{ event: 'host.status', payload: { state: 'ready' } }]])
    off()
    expect(listeners.get('lab:event')?.size).toBe(0)
  })
})
