/**
 * Security policy of the page, as pure functions (style.md rule 9): which URLs are the lab's own
 * page, which IPC senders are allowed, which WebSocket origins and Host headers the web host
 * accepts, and the Content-Security-Policy. No `electron` and no I/O here, so every rule is unit
 * tested without Electron; the Electron shell and the web host only apply them.
 */

export type CspDelivery = 'header' | 'meta'

export interface CspOptions {
  /**
   * `header` adds the directives a `<meta>` CSP may not carry (`frame-ancestors`); `meta` is
   * what src/renderer/index.html holds, so the file:// page in Electron is covered as well.
   */
  readonly delivery?: CspDelivery
  /** Extra `connect-src` sources, e.g. the web host's own `ws://127.0.0.1:PORT`. */
  readonly connectSrc?: readonly string[]
}

/**
 * The page may load only its own scripts and styles (plus inline styles, which Vue's style
 * bindings and ECharts need), images from itself or data: URLs, and talk only to its own host.
 * No plugins, no <base>, no form posts anywhere, and (header only) no framing.
 */
export function contentSecurityPolicy(opts: CspOptions = {}): string {
  const directives = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    ['connect-src', "'self'", ...(opts.connectSrc ?? [])].join(' '),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'"
  ]
  if ((opts.delivery ?? 'header') === 'header') directives.push("frame-ancestors 'none'")
  return directives.join('; ')
}

// ---------------------------------------------------------------------------------------------
// Electron: which page is ours
// ---------------------------------------------------------------------------------------------

/**
 * The desktop app's own scheme: the window loads `app://lab/index.html`, served from out/renderer
 * by electron/app-protocol.ts, instead of a file:// URL. A file:// page shares its origin with
 * every file on the disk; app://lab is one origin holding only the built renderer.
 */
export const APP_SCHEME = 'app'
export const APP_HOST = 'lab'
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`

export interface AppPageLocation {
  /**
   * What the window loads in production: APP_INDEX_URL (a file:// URL of out/renderer/index.html
   * is still understood, for tests and older shells).
   */
  readonly rendererIndexUrl: string
  /** The electron-vite dev server (ELECTRON_RENDERER_URL), when the window loads from it. */
  readonly devServerUrl?: string
  /** Windows and macOS file systems compare paths without case. */
  readonly caseInsensitivePaths?: boolean
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url)
  } catch {
    return undefined
  }
}

function decodedPath(u: URL): string | undefined {
  try {
    return decodeURIComponent(u.pathname)
  } catch {
    return undefined
  }
}

/**
 * Is `url` the lab's own page? In production that is exactly app://lab/index.html (any query or
 * fragment; or, for a file:// location, exactly the index.html file); with a dev server, any URL of the dev server's origin. Anything else — another
 * file, a file on a network share, another site — is not ours.
 */
export function isAppUrl(url: string, page: AppPageLocation): boolean {
  const target = parseUrl(url)
  if (!target) return false
  if (page.devServerUrl !== undefined) {
    const dev = parseUrl(page.devServerUrl)
    if (dev && (dev.protocol === 'http:' || dev.protocol === 'https:') && target.origin === dev.origin)
      return true
  }
  const index = parseUrl(page.rendererIndexUrl)
  if (!index) return false
  if (index.protocol === `${APP_SCHEME}:`) {
    // Chromium treats app: as a standard scheme (host case-insensitive); Node's parser keeps an
    // opaque host's case, so compare it lower-cased. Dot segments are resolved by both parsers.
    return (
      target.protocol === index.protocol &&
      target.host.toLowerCase() === index.host.toLowerCase() &&
      target.pathname === index.pathname
    )
  }
  if (index.protocol !== 'file:' || target.protocol !== 'file:') return false
  if (target.host !== '' || index.host !== '') return false
  const a = decodedPath(target)
  const b = decodedPath(index)
  if (a === undefined || b === undefined) return false
  return page.caseInsensitivePaths ? a.toLowerCase() === b.toLowerCase() : a === b
}

/** The frame an IPC message came from, as Electron reports it (null once the frame is gone). */
export interface SenderFrame {
  readonly url: string
  /** True for the top-level frame of its window. */
  readonly isMainFrame: boolean
}

/**
 * May this frame call LabApi? Only the top-level frame showing our own page; never a subframe,
 * never a page that navigated elsewhere, never a frame that is already gone.
 */
export function isAllowedSender(frame: SenderFrame | null | undefined, page: AppPageLocation): boolean {
  if (!frame || !frame.isMainFrame) return false
  return isAppUrl(frame.url, page)
}

/** May the window navigate to `url`? Only to our own page (a reload, or the dev server's HMR). */
export function isAllowedNavigation(url: string, page: AppPageLocation): boolean {
  return isAppUrl(url, page)
}

/**
 * Page-initiated permission requests (camera, notifications, geolocation, clipboard, …): the lab
 * needs none, so every one is refused.
 */
export function isPermissionAllowed(_permission: string): boolean {
  return false
}

// ---------------------------------------------------------------------------------------------
// Web host: which browser page may drive the lab
// ---------------------------------------------------------------------------------------------

/** The host names under which the loopback web host may be reached. */
export const LOOPBACK_HOST_NAMES = ['127.0.0.1', 'localhost'] as const

/** `host[:port]` spellings of the loopback host at `port` (browsers omit the default port 80). */
function loopbackAuthorities(port: number): string[] {
  return LOOPBACK_HOST_NAMES.flatMap((name) => (port === 80 ? [`${name}:80`, name] : [`${name}:${port}`]))
}

/**
 * Is this HTTP `Host` header ours? Refusing other names defeats DNS rebinding: a foreign site
 * whose name is made to resolve to 127.0.0.1 still sends its own name in `Host`.
 */
export function isAllowedHostHeader(host: string | undefined, port: number): boolean {
  return typeof host === 'string' && loopbackAuthorities(port).includes(host.toLowerCase())
}

/**
 * May a WebSocket with this `Origin` drive the lab? Only a page the web host itself served. A
 * random page open in the user's browser can open a WebSocket to 127.0.0.1 too, but it carries
 * its own origin; a missing Origin (not a browser) is refused as well. Browsers serialise
 * Origin canonically (`http://127.0.0.1:8080`), so an exact match is both simple and strict.
 */
export function isAllowedWebOrigin(origin: string | undefined, port: number): boolean {
  return (
    typeof origin === 'string' &&
    loopbackAuthorities(port).some((authority) => origin === `http://${authority}`)
  )
}

/** `connect-src` sources that let the page open its WebSocket to the host it came from. */
export function webSocketSources(port: number): string[] {
  return LOOPBACK_HOST_NAMES.map((name) => `ws://${name}:${port}`)
}
