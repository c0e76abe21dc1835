import type { RenderedReport } from '../../../shared/protocol/lab-api-reports'

/**
 * Offering a file to the user: the page cannot write files itself, so it hands the browser (or
 * Electron, which shows its save dialog) an object URL behind an `<a download>` link.
 */

/** How long an object URL outlives its click: long enough for the browser to start reading it. */
export const OBJECT_URL_LIFETIME_MS = 10_000

/** The bytes of a rendered report: UTF-8 text as it is, a base64 body (a PDF) decoded. */
export function renderedReportBlob(report: RenderedReport): Blob {
  if (report.encoding === 'utf8') return new Blob([report.content], { type: report.mimeType })
  const binary = atob(report.content)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return new Blob([bytes], { type: report.mimeType })
}

/** Starts the download of `blob` as `fileName`; the object URL is revoked shortly after. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  link.hidden = true
  document.body.appendChild(link)
  try {
    link.click()
  } finally {
    link.remove()
    // Revoking at once can cancel a download the browser has not started reading yet.
    setTimeout(() => URL.revokeObjectURL(url), OBJECT_URL_LIFETIME_MS)
  }
}
