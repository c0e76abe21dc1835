import { onBeforeUnmount, onMounted, type Ref } from 'vue'

/** Room kept between the sticky bar and a field the browser scrolls to, px. */
const GAP_PX = 12

/**
 * Keeps a sticky bar from covering what the keyboard focuses: while the bar is on screen, the
 * page's scroll-padding-top is the bar's height (kept current as the bar wraps or unwraps), so a
 * field reached with Shift+Tab (or any scroll-into-view) stops below the bar instead of under it;
 * when the bar grows over the focused field, the field is scrolled back out.
 */
export function useStickyScrollPadding(bar: Ref<HTMLElement | null>): void {
  let observer: ResizeObserver | null = null
  const root = (): HTMLElement => document.documentElement
  const apply = (): void => {
    const rect = bar.value?.getBoundingClientRect()
    const height = rect?.height ?? 0
    root().style.scrollPaddingTop = height > 0 ? `${Math.ceil(height) + GAP_PX}px` : ''
    // The bar grew (a wrapped line, a button that appeared) over the field being edited: bring
    // the field back out from under it.
    const active = document.activeElement
    if (rect && active instanceof HTMLElement && !bar.value?.contains(active)) {
      const top = active.getBoundingClientRect().top
      if (top < rect.bottom && top > rect.top - 1) active.scrollIntoView({ block: 'nearest' })
    }
  }
  onMounted(() => {
    apply()
    if (typeof ResizeObserver === 'function' && bar.value) {
      observer = new ResizeObserver(apply)
      observer.observe(bar.value)
    }
  })
  onBeforeUnmount(() => {
    observer?.disconnect()
    observer = null
    root().style.scrollPaddingTop = ''
  })
}
