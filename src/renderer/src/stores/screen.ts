import { defineStore } from 'pinia'
import { ref } from 'vue'

/**
 * Which screen the page shows, mirrored in the address (`#/configure`, `#/live/42`), so the back
 * button, a reload and a bookmark land on the same screen. Any part of the page may switch
 * screens (Run opens the live screen; History opens a run there or the sweep panel).
 *
 * `detail` is the rest of the address: the run a live screen shows (`#/live/42`), a tab of the
 * History screen (`#/history/sweep`). Screens read it; it is never required.
 */

export const SCREEN_IDS = ['overview', 'configure', 'live', 'compare', 'history'] as const
export type ScreenId = (typeof SCREEN_IDS)[number]

export function isScreenId(value: unknown): value is ScreenId {
  return typeof value === 'string' && (SCREEN_IDS as readonly string[]).includes(value)
}

/** `#/live/42` → { id: 'live', detail: '42' }; an unknown screen → null. */
export function parseScreenHash(hash: string): { id: ScreenId; detail: string | null } | null {
  const [id, ...rest] = hash.replace(/^#\/?/, '').split('/')
  if (!isScreenId(id)) return null
  const detail = rest.join('/')
  return { id, detail: detail === '' ? null : decodeURIComponent(detail) }
}

export function screenHash(id: ScreenId, detail: string | null = null): string {
  return detail === null ? `#/${id}` : `#/${id}/${encodeURIComponent(detail)}`
}

export const useScreenStore = defineStore('screen', () => {
  const initial = parseScreenHash(window.location.hash)
  const current = ref<ScreenId>(initial?.id ?? 'overview')
  const detail = ref<string | null>(initial?.detail ?? null)

  function go(id: ScreenId, next: string | null = null): void {
    const changed = current.value !== id
    current.value = id
    detail.value = next
    const hash = screenHash(id, next)
    if (window.location.hash !== hash) window.history.pushState(null, '', hash)
    // A new screen starts at its top, not where the previous one was scrolled to.
    if (changed && typeof window.scrollTo === 'function') window.scrollTo({ top: 0 })
  }

  /** Changes the detail of the current screen without a new history entry. */
  function setDetail(next: string | null): void {
    detail.value = next
    const hash = screenHash(current.value, next)
    if (window.location.hash !== hash) window.history.replaceState(null, '', hash)
  }

  function fromAddress(): void {
    const parsed = parseScreenHash(window.location.hash)
    if (!parsed) return
    current.value = parsed.id
    detail.value = parsed.detail
  }

  let following = false
  /** Follows the address (back and forward buttons, edited hash); idempotent. */
  function follow(): void {
    if (following) return
    following = true
    window.addEventListener('popstate', fromAddress)
    window.addEventListener('hashchange', fromAddress)
  }

  return { current, detail, go, setDetail, follow }
})
