import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { LabError } from '../../../shared/errors'
import type { AppHello, HostKind, HostStatus } from '../../../shared/protocol/lab-api'
import { labClient, type ConnectionInfo } from '../services/lab-api'

/**
 * The page's link to the lab host: connection state (connected / connecting / disconnected and
 * why), who the host is (app.hello, asked again on every reconnect), and the host's own status.
 */
export const useConnectionStore = defineStore('connection', () => {
  const client = labClient()
  const transport: HostKind = client.transport
  const info = shallowRef<ConnectionInfo>(client.connection())
  const hello = shallowRef<AppHello | null>(null)
  const helloError = shallowRef<LabError | null>(null)
  const hostStatus = shallowRef<HostStatus | null>(null)
  const started = ref(false)

  const state = computed(() => info.value.state)
  const isConnected = computed(() => info.value.state === 'connected')
  const hostStopping = computed(() => isConnected.value && hostStatus.value?.state === 'stopping')

  async function greet(): Promise<void> {
    const outcome = await client.call('app.hello')
    // A reply that arrives after the connection dropped again is still the right answer.
    if (outcome.ok) {
      hello.value = outcome.value
      helloError.value = null
    } else if (outcome.error.kind !== 'Disconnected') {
      helloError.value = outcome.error
    }
  }

  /** Subscribes to the client; idempotent. */
  function start(): void {
    if (started.value) return
    started.value = true
    client.onEvent((message) => {
      if (message.event === 'host.status') hostStatus.value = message.payload
    })
    client.onConnection((next) => {
      const wasConnected = info.value.state === 'connected'
      info.value = next
      if (next.state === 'connected' && (!wasConnected || hello.value === null)) {
        hostStatus.value = null
        void greet()
      }
    })
  }

  function reconnectNow(): void {
    client.reconnectNow()
  }

  return {
    transport,
    info,
    state,
    isConnected,
    hello,
    helloError,
    hostStatus,
    hostStopping,
    start,
    reconnectNow
  }
})
