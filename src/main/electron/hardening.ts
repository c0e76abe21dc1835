import { app, type Session } from 'electron'
import {
  contentSecurityPolicy,
  isAllowedNavigation,
  isPermissionAllowed,
  type AppPageLocation
} from '../security-policy'

/**
 * Applies the page policy of security-policy.ts to Electron (style.md rule 9). The decisions are
 * made there, in pure and unit-tested functions; this file only wires them to Electron's hooks.
 */

/** Every web contents, now and later: no new windows, no foreign navigation, no <webview>. */
export function hardenAllWebContents(page: AppPageLocation): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }))
    contents.on('will-navigate', (event) => {
      if (!isAllowedNavigation(event.url, page)) event.preventDefault()
    })
    contents.on('will-frame-navigate', (event) => {
      if (!isAllowedNavigation(event.url, page)) event.preventDefault()
    })
    contents.on('will-redirect', (event) => {
      if (!isAllowedNavigation(event.url, page)) event.preventDefault()
    })
    contents.on('will-attach-webview', (event) => event.preventDefault())
  })
}

/**
 * The session: every permission request is refused, and every response carries the CSP (the
 * dev server's pages included; the file:// page has the same policy in its <meta> tag).
 */
export function applySessionPolicy(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(isPermissionAllowed(permission))
  )
  session.setPermissionCheckHandler((_contents, permission) => isPermissionAllowed(permission))
  const csp = contentSecurityPolicy({ delivery: 'header' })
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders }
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === 'content-security-policy') delete headers[name]
    }
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [csp] } })
  })
}
