import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { runAndRecord } from '../../src/main/lab/recorded-run'
import { openLabResources, type LabResources } from '../../src/main/lab/resources'
import { LabService } from '../../src/main/lab/service'
import { NodeProcessHost } from '../../src/main/process/node-host'
import { parseConfig } from '../../src/shared/config/parse'
import type { LabEventMessage, LabOutcome } from '../../src/shared/protocol/lab-api'

// Issue 13: a config was parsed two or three times on its way to the engine (the CLI's `run`, the
// LabApi's `runs.start` and the sweep runner each parsed it, then runMigration again). It is
// parsed once at the boundary and passed on typed; the real parseConfig is counted here.

vi.mock('../../src/shared/config/parse', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/shared/config/parse')>()
  return { ...actual, parseConfig: vi.fn(actual.parseConfig) }
})
const parses = vi.mocked(parseConfig)

const SMALL = { name: 'small', guest: { 'memory-mib': 128, vcpus: 1 } }
const ctx = { host: 'web' as const, clientId: 'test' }

let dir: string
let resources: LabResources
let service: LabService

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'migration-lab-parse-once-'))
  resources = openLabResources({
    processHost: new NodeProcessHost({ log: () => {} }),
    historyFile: join(dir, 'history.db'),
    log: () => {}
  })
  service = new LabService({
    appVersion: '0.0.0-test',
    platform: process.platform,
    processHost: resources.processHost,
    history: resources.history
  })
})

afterEach(async () => {
  await service.shutdown()
  await resources.close()
  await rm(dir, { recursive: true, force: true })
})

function nextEvent(event: string): Promise<LabEventMessage> {
  return new Promise((resolve) => {
    const off = service.subscribe((message) => {
      if (message.event === event || (event === 'run.finished' && message.event === 'run.failed')) {
        off()
        resolve(message)
      }
    })
  })
}

function ok(outcome: LabOutcome<unknown>): void {
  if (!outcome.ok) throw new Error(`${outcome.error.kind}: ${outcome.error.message}`)
}

describe('a config on its way to the engine', () => {
  it("is parsed once by the CLI's run", async () => {
    parses.mockClear()
    const out = await runAndRecord(SMALL, { host: resources.processHost!, history: resources.history! })
    expect(out.result.status).toBe('completed')
    expect(parses).toHaveBeenCalledTimes(1)
  })

  it("is parsed once by the LabApi's runs.start", async () => {
    parses.mockClear()
    const ended = nextEvent('run.finished')
    ok(await service.handle('runs.start', { config: SMALL }, ctx))
    expect((await ended).event).toBe('run.finished')
    expect(parses).toHaveBeenCalledTimes(1)
  })

  it('is parsed once per point by a sweep, plus its base', async () => {
    parses.mockClear()
    const ended = nextEvent('sweep.finished')
    ok(
      await service.handle(
        'sweeps.start',
        {
          name: 'two points',
          baseConfig: SMALL,
          vary: [{ path: 'migration.parameters.downtime-limit', values: [100, 300] }],
          repeat: 1
        },
        ctx
      )
    )
    await ended
    expect(parses).toHaveBeenCalledTimes(3)
  })
})
