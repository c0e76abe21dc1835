import { afterEach, describe, expect, it } from 'vitest'
import { LabService, type LabServiceDeps } from '../../src/main/lab/service'
import { NodeProcessHost } from '../../src/main/process/node-host'
import { parseConfig } from '../../src/shared/config'
import { estimateRunMemory } from '../../src/shared/config/resources'
import type { LabEventMessage, LabOutcome } from '../../src/shared/protocol/lab-api'

// Defect 9 of issue 13: a lab host (web host, desktop app) started any number of runs at once,
// each checked against the free memory alone. It now refuses a run beyond its bound of runs at
// once, and counts the memory the runs already running may take.

const ctx = { host: 'web' as const, clientId: 'test' }

/** A guest that never converges and keeps the engine busy until cancelled. */
const NEVER_CONVERGES = {
  name: 'stress',
  guest: { 'memory-mib': 1024, vcpus: 1, workloads: [{ pattern: 'sequential', 'dirty-rate-mibps': 512 }] },
  migration: { policy: { 'max-time-ms': 3_600_000, 'max-iterations': 100_000 } }
}

let service: LabService | undefined
let host: NodeProcessHost | undefined

afterEach(async () => {
  await service?.shutdown()
  await host?.killAll()
  service = undefined
  host = undefined
})

function makeService(extra: Partial<LabServiceDeps>): LabService {
  host = new NodeProcessHost({ log: () => {} })
  service = new LabService({
    appVersion: '0.0.0-test',
    platform: process.platform,
    processHost: host,
    ...extra
  })
  return service
}

async function start(s: LabService, config: unknown): Promise<LabOutcome<unknown>> {
  return s.handle('runs.start', { config }, ctx)
}

function ended(s: LabService, runId: number): Promise<LabEventMessage> {
  return new Promise((resolve) => {
    const off = s.subscribe((message) => {
      if (
        (message.event === 'run.finished' || message.event === 'run.failed') &&
        message.payload.runId === runId
      ) {
        off()
        resolve(message)
      }
    })
  })
}

describe('how many runs a lab host runs at once', () => {
  it('refuses a run beyond the bound with a message saying why, and takes one again once a run ended', async () => {
    const s = makeService({ runs: { maxConcurrentRuns: 2 } })
    const first = await start(s, NEVER_CONVERGES)
    const second = await start(s, NEVER_CONVERGES)
    expect(first.ok && second.ok).toBe(true)

    const third = await start(s, NEVER_CONVERGES)
    expect(third.ok).toBe(false)
    if (third.ok) return
    expect(third.error.kind).toBe('ResourceLimit')
    expect(third.error.message).toMatch(/2 runs are already running/)
    expect(third.error.message).toMatch(/at most 2 at once/)
    expect(third.error.message).toMatch(/cancel one/i)

    const firstId = (first as { value: { runId: number } }).value.runId
    const end = ended(s, firstId)
    expect((await s.handle('runs.cancel', { runId: firstId }, ctx)).ok).toBe(true)
    await end
    const again = await start(s, NEVER_CONVERGES)
    expect(again.ok).toBe(true)
  }, 60_000)

  it('checks a run against the memory left by the runs already running, not the free memory alone', async () => {
    const parsed = parseConfig(NEVER_CONVERGES)
    if (!parsed.ok) throw new Error(parsed.error.message)
    const oneRunBytes = estimateRunMemory(parsed.config).totalBytes
    // Room for one such run and a half: the second must be refused although, measured alone, it fits.
    const s = makeService({ runs: { availableMemoryBytes: () => Math.round(oneRunBytes * 1.5) } })
    const first = await start(s, NEVER_CONVERGES)
    expect(first.ok).toBe(true)
    const second = await start(s, NEVER_CONVERGES)
    expect(second.ok).toBe(false)
    if (second.ok) return
    expect(second.error.kind).toBe('ResourceLimit')
    expect(second.error.details?.join('\n')).toMatch(/1 run already running on this lab host may use about/)
  }, 60_000)
})
