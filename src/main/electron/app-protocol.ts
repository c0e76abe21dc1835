import { protocol, type Session } from 'electron'
import { readFile as readFileCallback } from 'node:fs'
import { promisify } from 'node:util'
import { APP_HOST, APP_SCHEME, contentSecurityPolicy } from '../security-policy'
import { lookupStatic, mimeTypeOf } from '../static-files'

/**
 * The `app://lab/` protocol the window loads the renderer from (security-policy.ts APP_INDEX_URL).
 * Registered as a standard, secure scheme so the page has its own origin ('self' in the CSP means
 * app://lab and nothing else on the disk) and fetch works; the files come from out/renderer
 * through the same lookup the web host uses (static-files.ts), which refuses `..`, NUL and links
 * that leave the directory.
 */

// The callback form: Electron's asar support patches it (static-files.ts says why).
const readFile = promisify(readFileCallback)

/** Must run before the app is ready (Electron's rule for registerSchemesAsPrivileged). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true }
    }
  ])
}

/** Serves `rendererDir` at app://lab/ in `session`; any other host is not found. */
export function handleAppProtocol(session: Session, rendererDir: string): void {
  const csp = contentSecurityPolicy({ delivery: 'header' })
  session.protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url)
    if (url.host.toLowerCase() !== APP_HOST) return new Response('Not found.', { status: 404 })
    const found = await lookupStatic(rendererDir, url.pathname)
    if (found.kind === 'error') return new Response(found.message, { status: found.status })
    const body = await readFile(found.path)
    return new Response(body, {
      status: 200,
      headers: {
        'Content-Type': mimeTypeOf(found.path),
        'Content-Security-Policy': csp,
        'X-Content-Type-Options': 'nosniff'
      }
    })
  })
}
