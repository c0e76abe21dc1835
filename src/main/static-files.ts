import { realpath as realpathCallback, stat as statCallback } from 'node:fs'
import { extname, isAbsolute, relative, resolve, sep } from 'node:path'
import { promisify } from 'node:util'

/**
 * The built renderer's files, as the web host serves them over HTTP and the desktop app over its
 * `app://` protocol (electron/app-protocol.ts): one lookup, so both refuse the same paths.
 *
 * The callback forms of fs are used on purpose: Electron's asar support patches them, so a
 * packaged app finds out/renderer inside its app.asar (readFile in app-protocol.ts likewise).
 */
const realpath = promisify(realpathCallback)
const stat = promisify(statCallback)

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm'
}

export function mimeTypeOf(path: string): string {
  return MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream'
}

export type StaticLookup =
  | { readonly kind: 'file'; readonly path: string; readonly size: number }
  | { readonly kind: 'error'; readonly status: 400 | 403 | 404; readonly message: string }

/**
 * Maps a request path to a file inside `root`, refusing anything that would leave it: `..`
 * segments (plain or percent-encoded), NUL bytes, and symbolic links that point outside.
 */
export async function lookupStatic(root: string, requestUrl: string): Promise<StaticLookup> {
  let pathname: string
  try {
    pathname = decodeURIComponent(new URL(requestUrl, 'http://host.invalid').pathname)
  } catch {
    return { kind: 'error', status: 400, message: 'Bad request: the path is not a valid URL path.' }
  }
  if (pathname.includes('\0')) return { kind: 'error', status: 400, message: 'Bad request: NUL in path.' }
  if (pathname.endsWith('/')) pathname += 'index.html'
  const rootAbs = resolve(root)
  const candidate = resolve(rootAbs, '.' + pathname)
  if (!isInside(rootAbs, candidate))
    return { kind: 'error', status: 403, message: 'Forbidden: outside the lab.' }
  try {
    const [realRoot, realFile] = await Promise.all([realpath(rootAbs), realpath(candidate)])
    if (!isInside(realRoot, realFile))
      return { kind: 'error', status: 403, message: 'Forbidden: outside the lab.' }
    const info = await stat(realFile)
    if (!info.isFile()) return { kind: 'error', status: 404, message: 'Not found.' }
    return { kind: 'file', path: realFile, size: info.size }
  } catch {
    return { kind: 'error', status: 404, message: 'Not found.' }
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path)
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel))
}
