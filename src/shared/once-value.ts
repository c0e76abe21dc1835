/**
 * A value that arrives once (a child's exit, a port's close, a supervisor's first failure) and
 * the listeners waiting for it: each is called once; one added after the value arrived is called
 * at once (in a microtask, so it never runs inside the caller's own turn).
 */
export class OnceValue<T> {
  private arrived: { readonly value: T } | undefined
  private readonly listeners = new Set<(value: T) => void>()

  get value(): T | undefined {
    return this.arrived?.value
  }

  get settled(): boolean {
    return this.arrived !== undefined
  }

  /** Records the value and calls the listeners; later calls are ignored (false). */
  settle(value: T): boolean {
    if (this.arrived) return false
    this.arrived = { value }
    const listeners = [...this.listeners]
    this.listeners.clear()
    for (const listener of listeners) listener(value)
    return true
  }

  listen(listener: (value: T) => void): () => void {
    if (this.arrived) {
      const { value } = this.arrived
      queueMicrotask(() => listener(value))
      return () => {}
    }
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }
}
