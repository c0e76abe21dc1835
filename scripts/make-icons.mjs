#!/usr/bin/env node
// Renders resources/icon.svg into every icon the platforms need, and writes them beside it:
//
//   resources/icon.png            1024×1024, the window icon and electron-builder's fallback
//   resources/icons/NxN.png       16…1024, Linux (AppImage, deb: hicolor theme sizes)
//   resources/icon.ico            16, 24, 32, 48, 64, 128, 256 (Windows, nsis)
//   resources/icon.icns           16…1024 (macOS, dmg)
//
// The outputs are committed; run this (`npm run icons`) only after changing icon.svg. It renders
// with Chromium through playwright-core (the browser the e2e tests use; CHROMIUM_PATH overrides
// /usr/bin/chromium), so no image library is needed. ICO and ICNS are containers of PNGs: ICO
// since Windows Vista accepts PNG entries, ICNS has one typed chunk per size (Apple's
// 'ic07'…'ic10', 'icp4'…'icp6').
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const RESOURCES = join(ROOT, 'resources')

export const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024]
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256]
/** ICNS chunk type per size (PNG payloads; Apple's icon family types). */
export const ICNS_TYPES = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024]
]

/** ICONDIR + one ICONDIRENTRY per image + the PNGs (a width or height of 256 is written as 0). */
export function icoFile(images) {
  const header = Buffer.alloc(6 + 16 * images.length)
  header.writeUInt16LE(0, 0)
  header.writeUInt16LE(1, 2) // 1 = icon
  header.writeUInt16LE(images.length, 4)
  let offset = header.length
  images.forEach(({ size, png }, i) => {
    const e = 6 + 16 * i
    header.writeUInt8(size >= 256 ? 0 : size, e)
    header.writeUInt8(size >= 256 ? 0 : size, e + 1)
    header.writeUInt8(0, e + 2) // no palette
    header.writeUInt8(0, e + 3)
    header.writeUInt16LE(1, e + 4) // colour planes
    header.writeUInt16LE(32, e + 6) // bits per pixel
    header.writeUInt32LE(png.length, e + 8)
    header.writeUInt32LE(offset, e + 12)
    offset += png.length
  })
  return Buffer.concat([header, ...images.map((i) => i.png)])
}

/** 'icns' + total length, then per image its 4-byte type, 8 + payload length, the PNG. */
export function icnsFile(chunks) {
  const parts = chunks.map(({ type, png }) => {
    const head = Buffer.alloc(8)
    head.write(type, 0, 'ascii')
    head.writeUInt32BE(8 + png.length, 4)
    return Buffer.concat([head, png])
  })
  const head = Buffer.alloc(8)
  head.write('icns', 0, 'ascii')
  head.writeUInt32BE(8 + parts.reduce((n, p) => n + p.length, 0), 4)
  return Buffer.concat([head, ...parts])
}

async function render(svg, sizes) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox']
  })
  try {
    const page = await browser.newPage()
    const out = new Map()
    for (const size of sizes) {
      await page.setViewportSize({ width: size, height: size })
      const html =
        '<!doctype html><html><body style="margin:0;background:transparent">' +
        svg.replace('<svg ', `<svg style="display:block;width:${size}px;height:${size}px" `) +
        '</body></html>'
      await page.setContent(html)
      out.set(size, await page.screenshot({ omitBackground: true, type: 'png' }))
    }
    return out
  } finally {
    await browser.close()
  }
}

async function main() {
  const svg = readFileSync(join(RESOURCES, 'icon.svg'), 'utf8')
  const png = await render(svg, LINUX_SIZES)
  mkdirSync(join(RESOURCES, 'icons'), { recursive: true })
  for (const size of LINUX_SIZES)
    writeFileSync(join(RESOURCES, 'icons', `${size}x${size}.png`), png.get(size))
  writeFileSync(join(RESOURCES, 'icon.png'), png.get(1024))
  writeFileSync(join(RESOURCES, 'icon.ico'), icoFile(ICO_SIZES.map((size) => ({ size, png: png.get(size) }))))
  writeFileSync(
    join(RESOURCES, 'icon.icns'),
    icnsFile(ICNS_TYPES.map(([type, size]) => ({ type, png: png.get(size) })))
  )
  process.stdout.write(`Wrote ${LINUX_SIZES.length} PNGs, icon.ico and icon.icns to ${RESOURCES}\n`)
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main()
