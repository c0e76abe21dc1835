import { listPackage } from '@electron/asar'
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses'
import { build, Platform } from 'electron-builder'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appIconPath, sqliteNativeBinding } from '../../src/main/paths'
// @ts-expect-error -- a plain ES module script without types
import { ICNS_TYPES, ICO_SIZES, LINUX_SIZES } from '../../scripts/make-icons.mjs'

const ROOT = resolve(__dirname, '..', '..')
const RESOURCES = join(ROOT, 'resources')
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** Width and height from a PNG's IHDR chunk (bytes 16–23). */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true)
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) }
}

describe('the app icon (resources/)', () => {
  it('has a PNG of every size Linux desktops use, each really that size', () => {
    for (const size of LINUX_SIZES as number[]) {
      const png = readFileSync(join(RESOURCES, 'icons', `${size}x${size}.png`))
      expect(pngSize(png)).toEqual({ width: size, height: size })
    }
    expect(pngSize(readFileSync(join(RESOURCES, 'icon.png')))).toEqual({ width: 1024, height: 1024 })
  })

  it('has a Windows .ico holding 16–256 px images', () => {
    const ico = readFileSync(join(RESOURCES, 'icon.ico'))
    expect(ico.readUInt16LE(2)).toBe(1)
    const count = ico.readUInt16LE(4)
    expect(count).toBe((ICO_SIZES as number[]).length)
    const sizes: number[] = []
    for (let i = 0; i < count; i++) {
      const e = 6 + 16 * i
      const declared = ico.readUInt8(e) || 256
      const length = ico.readUInt32LE(e + 8)
      const offset = ico.readUInt32LE(e + 12)
      const png = ico.subarray(offset, offset + length)
      expect(pngSize(png)).toEqual({ width: declared, height: declared })
      sizes.push(declared)
    }
    expect(sizes).toEqual(ICO_SIZES)
  })

  it('has a macOS .icns whose chunks are the sizes their types say', () => {
    const icns = readFileSync(join(RESOURCES, 'icon.icns'))
    expect(icns.subarray(0, 4).toString('ascii')).toBe('icns')
    expect(icns.readUInt32BE(4)).toBe(icns.length)
    const found: [string, number][] = []
    for (let at = 8; at < icns.length;) {
      const type = icns.subarray(at, at + 4).toString('ascii')
      const length = icns.readUInt32BE(at + 4)
      found.push([type, pngSize(icns.subarray(at + 8, at + length)).width])
      at += length
    }
    expect(found).toEqual(ICNS_TYPES)
  })

  it('is what the window uses: the packaged copy when there is one, else the project’s', () => {
    expect(appIconPath(undefined)).toBe(join(RESOURCES, 'icon.png'))
    expect(existsSync(appIconPath(undefined))).toBe(true)
    const packaged = mkdtempSync(join(tmpdir(), 'lab-res-'))
    try {
      expect(appIconPath(packaged)).toBe(join(RESOURCES, 'icon.png'))
      writeFileSync(join(packaged, 'icon.png'), 'x')
      expect(appIconPath(packaged)).toBe(join(packaged, 'icon.png'))
    } finally {
      rmSync(packaged, { recursive: true, force: true })
    }
  })
})

/**
 * Packages the app with electron-builder.yml for real (target `dir`), on a stand-in for Electron's
 * binary: Electron cannot be downloaded here, and everything electron-builder does to the app —
 * the asar, the resources, the fuses it flips in the binary — does not depend on the binary being
 * a working Electron, only on it carrying Electron's fuse wire (the sentinel, version 1, length,
 * one byte per fuse; @electron/fuses reads and writes exactly that).
 */
describe('npm run dist (electron-builder.yml), packaged on a stand-in Electron', () => {
  const work = mkdtempSync(join(tmpdir(), 'lab-dist-'))
  const fakeElectron = join(work, 'electron-dist')
  const output = join(work, 'out')
  const unpacked = join(output, 'linux-unpacked')

  beforeAll(async () => {
    mkdirSync(join(fakeElectron, 'resources'), { recursive: true })
    const wire = Buffer.concat([
      Buffer.from('#!/bin/sh\n'),
      Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'),
      Buffer.from([1, 9]),
      Buffer.from('111111111')
    ])
    writeFileSync(join(fakeElectron, 'electron'), wire)
    chmodSync(join(fakeElectron, 'electron'), 0o755)
    writeFileSync(join(fakeElectron, 'LICENSE'), 'stand-in')
    writeFileSync(join(fakeElectron, 'version'), '45.5.0')
    await build({
      projectDir: ROOT,
      targets: Platform.LINUX.createTarget('dir'),
      publish: 'never',
      config: {
        extends: join(ROOT, 'electron-builder.yml'),
        electronDist: fakeElectron,
        electronVersion: '45.5.0',
        directories: { output, buildResources: 'resources' },
        // scripts/dist.mjs puts Electron's build of better-sqlite3 at the configured path; here
        // Node's build stands in for it (the file is copied, not loaded).
        extraResources: [
          {
            from: join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
            to: 'native/better_sqlite3.node'
          }
        ]
      }
    })
  }, 180_000)

  afterAll(() => rmSync(work, { recursive: true, force: true }))

  it('flips the fuses: no running as Node, no NODE_OPTIONS or --inspect, encrypted cookies, only an integrity-checked app.asar', async () => {
    const wire = await getCurrentFuseWire(join(unpacked, 'migration-lab'))
    const on = 0x31
    const off = 0x30
    expect(wire[FuseV1Options.RunAsNode]).toBe(off)
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(on)
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(off)
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(off)
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(on)
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(on)
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(off)
  })

  it('ships the build in app.asar, without sources, tests or the renderer’s libraries', () => {
    const files = listPackage(join(unpacked, 'resources', 'app.asar'), { isPack: false }).map((f) =>
      f.replaceAll('\\', '/')
    )
    for (const needed of [
      '/package.json',
      '/out/main/index.js',
      '/out/main/engine-utility.js',
      '/out/preload/index.cjs',
      '/out/renderer/index.html',
      '/node_modules/better-sqlite3/package.json',
      '/node_modules/zod/package.json'
    ])
      expect(files, needed).toContain(needed)
    expect(files.filter((f) => /^\/(src|test|scripts|guest)\//.test(f))).toEqual([])
    expect(files.filter((f) => /^\/node_modules\/(vue|@vue|pinia|vue-i18n)\//.test(f))).toEqual([])
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([])
  })

  it('puts the native database module and the icon beside app.asar, where the app looks for them', () => {
    const resources = join(unpacked, 'resources')
    expect(sqliteNativeBinding({ ...process.versions, electron: '45.5.0' }, resources)).toBe(
      join(resources, 'native', 'better_sqlite3.node')
    )
    expect(appIconPath(resources)).toBe(join(resources, 'icon.png'))
    expect(pngSize(readFileSync(join(resources, 'icon.png'))).width).toBe(1024)
  })
})

describe('npm start is not a development build', () => {
  it('the built main process never reads ELECTRON_RENDERER_URL (only `electron-vite dev` does)', () => {
    const main = readFileSync(join(ROOT, 'out', 'main', 'index.js'), 'utf8')
    expect(main).toContain('app://lab/')
    expect(main).not.toContain('ELECTRON_RENDERER_URL')
  })
})
