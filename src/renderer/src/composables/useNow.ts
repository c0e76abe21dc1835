import { onScopeDispose, shallowRef, watch, type Ref } from 'vue'

/**
 * The current time (epoch ms) for countdowns such as "reconnecting in 3 s". It ticks every
 * `intervalMs` while `key()` is defined, and is refreshed at once whenever `key()` changes (a new
 * deadline); no timer runs while `key()` is undefined.
 */
export function useNow(key: () => unknown, intervalMs = 1000): Ref<number> {
  const now = shallowRef(Date.now())
  let timer: ReturnType<typeof setInterval> | undefined
  const stop = (): void => {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
  }
  watch(
    key,
    (value) => {
      stop()
      now.value = Date.now()
      if (value !== undefined) timer = setInterval(() => (now.value = Date.now()), intervalMs)
    },
    { immediate: true }
  )
  onScopeDispose(stop)
  return now
}
