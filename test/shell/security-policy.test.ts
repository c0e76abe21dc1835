import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  APP_INDEX_URL,
  contentSecurityPolicy,
  isAllowedHostHeader,
  isAllowedNavigation,
  isAllowedSender,
  isAllowedWebOrigin,
  isAppUrl,
  isPermissionAllowed,
  webSocketSources,
  type AppPageLocation
} from '../../src/main/security-policy'

const INDEX = '/opt/Migration Lab/resources/app/out/renderer/index.html'
const prod: AppPageLocation = { rendererIndexUrl: pathToFileURL(INDEX).href }
const dev: AppPageLocation = { ...prod, devServerUrl: 'http://localhost:5173/' }

describe('which page is ours (Electron)', () => {
  it.each([
    ['the index file itself', pathToFileURL(INDEX).href, true],
    ['the index file with a fragment and query', pathToFileURL(INDEX).href + '?x=1#main', true],
    [
      'the index file spelled with a raw space',
      'file:///opt/Migration Lab/resources/app/out/renderer/index.html',
      true
    ],
    [
      'another file in the renderer folder',
      pathToFileURL('/opt/Migration Lab/resources/app/out/renderer/other.html').href,
      false
    ],
    ['a file elsewhere on disk', 'file:///etc/passwd', false],
    [
      'the index path on a network share',
      'file://evil-server/opt/Migration%20Lab/resources/app/out/renderer/index.html',
      false
    ],
    [
      'a path that climbs back to the index',
      'file:///opt/Migration%20Lab/resources/app/out/x/../renderer/index.html',
      true
    ],
    ['a web site', 'https://example.com/', false],
    ['javascript:', 'javascript:alert(1)', false],
    ['garbage', 'not a url', false],
    ['the dev server without a dev server configured', 'http://localhost:5173/', false]
  ])('%s', (_name, url, expected) => {
    expect(isAppUrl(url, prod)).toBe(expected)
  })

  describe('the app:// page the desktop window loads', () => {
    const app: AppPageLocation = { rendererIndexUrl: APP_INDEX_URL }
    it.each([
      ['the index page', 'app://lab/index.html', true],
      ['with a query and fragment', 'app://lab/index.html?x=1#main', true],
      ['the host in capitals (Chromium lower-cases a standard scheme host)', 'app://LAB/index.html', true],
      ['a path that climbs back to the index', 'app://lab/assets/../index.html', true],
      ['another file of the renderer', 'app://lab/assets/index.js', false],
      ['another host of the scheme', 'app://evil/index.html', false],
      ['a port', 'app://lab:80/index.html', false],
      ['the same path on file://', 'file:///index.html', false],
      ['the same path on http://', 'http://lab/index.html', false]
    ])('%s', (_name, url, expected) => {
      expect(isAppUrl(url, app)).toBe(expected)
    })
    it('lets only its top frame call the lab', () => {
      expect(isAllowedSender({ url: APP_INDEX_URL, isMainFrame: true }, app)).toBe(true)
      expect(isAllowedSender({ url: APP_INDEX_URL, isMainFrame: false }, app)).toBe(false)
    })
  })

  it('accepts the dev server origin only when it is configured', () => {
    expect(isAppUrl('http://localhost:5173/', dev)).toBe(true)
    expect(isAppUrl('http://localhost:5173/src/main.ts', dev)).toBe(true)
    expect(isAppUrl('http://localhost:5174/', dev)).toBe(false)
    expect(isAppUrl('https://localhost:5173/', dev)).toBe(false)
    expect(isAppUrl('http://127.0.0.1:5173/', dev)).toBe(false)
    expect(isAppUrl(pathToFileURL(INDEX).href, dev)).toBe(true)
  })

  it('compares file paths without case only where the file system does', () => {
    const upper = pathToFileURL(INDEX.toUpperCase()).href
    expect(isAppUrl(upper, prod)).toBe(false)
    expect(isAppUrl(upper, { ...prod, caseInsensitivePaths: true })).toBe(true)
  })

  it('lets only the top frame of our page call the lab', () => {
    const url = pathToFileURL(INDEX).href
    expect(isAllowedSender({ url, isMainFrame: true }, prod)).toBe(true)
    expect(isAllowedSender({ url, isMainFrame: false }, prod)).toBe(false)
    expect(isAllowedSender({ url: 'https://evil.example/', isMainFrame: true }, prod)).toBe(false)
    expect(isAllowedSender(null, prod)).toBe(false)
    expect(isAllowedSender(undefined, prod)).toBe(false)
  })

  it('blocks navigation away from our page', () => {
    expect(isAllowedNavigation(pathToFileURL(INDEX).href, prod)).toBe(true)
    expect(isAllowedNavigation('https://example.com/', prod)).toBe(false)
    expect(isAllowedNavigation('file:///home/user/Downloads/evil.html', prod)).toBe(false)
  })

  it('refuses every permission request', () => {
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
      'unknown'
    ]) {
      expect(isPermissionAllowed(permission)).toBe(false)
    }
  })
})

describe('which browser page may drive the web host', () => {
  it.each([
    ['our page on 127.0.0.1', 'http://127.0.0.1:4123', true],
    ['our page on localhost', 'http://localhost:4123', true],
    ['another port on loopback', 'http://127.0.0.1:8080', false],
    ['a foreign site', 'https://evil.example', false],
    ['a foreign site on plain http', 'http://evil.example:4123', false],
    ['a look-alike host', 'http://127.0.0.1.evil.example:4123', false],
    ['a null origin (sandboxed iframe, file:)', 'null', false],
    ['https on our port', 'https://127.0.0.1:4123', false],
    ['an origin with a path', 'http://127.0.0.1:4123/lab', false],
    ['no Origin header', undefined, false]
  ])('%s', (_name, origin, expected) => {
    expect(isAllowedWebOrigin(origin, 4123)).toBe(expected)
  })

  it('accepts only our own Host header (no DNS rebinding)', () => {
    expect(isAllowedHostHeader('127.0.0.1:4123', 4123)).toBe(true)
    expect(isAllowedHostHeader('localhost:4123', 4123)).toBe(true)
    expect(isAllowedHostHeader('LOCALHOST:4123', 4123)).toBe(true)
    expect(isAllowedHostHeader('rebind.evil.example:4123', 4123)).toBe(false)
    expect(isAllowedHostHeader('127.0.0.1:4124', 4123)).toBe(false)
    expect(isAllowedHostHeader('127.0.0.1', 4123)).toBe(false)
    expect(isAllowedHostHeader(undefined, 4123)).toBe(false)
    // Browsers omit the default port.
    expect(isAllowedHostHeader('127.0.0.1', 80)).toBe(true)
    expect(isAllowedWebOrigin('http://localhost', 80)).toBe(true)
  })
})

describe('Content-Security-Policy', () => {
  const directives = (csp: string) =>
    new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]))

  it('allows only our own scripts, styles, images and connections', () => {
    const csp = directives(contentSecurityPolicy())
    expect(csp.get('default-src')).toEqual(["'self'"])
    expect(csp.get('script-src')).toEqual(["'self'"])
    expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"])
    expect(csp.get('img-src')).toEqual(["'self'", 'data:'])
    expect(csp.get('connect-src')).toEqual(["'self'"])
    expect(csp.get('object-src')).toEqual(["'none'"])
    expect(csp.get('frame-ancestors')).toEqual(["'none'"])
    expect(contentSecurityPolicy()).not.toMatch(/unsafe-eval|\*/)
  })

  it('lets the web build reach its own WebSocket', () => {
    const csp = directives(contentSecurityPolicy({ connectSrc: webSocketSources(4123) }))
    expect(csp.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:4123', 'ws://localhost:4123'])
  })

  it('leaves out frame-ancestors in the <meta> form, where browsers ignore it', () => {
    expect(directives(contentSecurityPolicy({ delivery: 'meta' })).has('frame-ancestors')).toBe(false)
  })

  it('is the policy written in the page itself', () => {
    const html = readFileSync(join(import.meta.dirname, '../../src/renderer/index.html'), 'utf8')
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)
    expect(meta?.[1]).toBe(contentSecurityPolicy({ delivery: 'meta' }))
  })
})
