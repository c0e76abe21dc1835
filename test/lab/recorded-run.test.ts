import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LabFailure } from '../../src/shared/errors'
import { runAndRecord } from '../../src/main/lab/recorded-run'
import { historyConfigJson } from '../../src/main/lab/resources'
import { NodeProcessHost } from '../../src/main/process/node-host'
import { openHistory, type HistoryDb } from '../../src/main/storage'

// runAndRecord is how the command line keeps a run: the run row exists before the engine starts,
// telemetry is appended while it runs, and the end is recorded before the promise settles.
const host = new NodeProcessHost()
const small = { name: 'small', guest: { 'memory-mib': 512 } }
let dir: string
let history: HistoryDb

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-recorded-'))
  history = openHistory(join(dir, 'history.db'), { canonicalConfigJson: historyConfigJson })
})
afterEach(() => {
  if (history.isOpen) history.close()
  rmSync(dir, { recursive: true, force: true })
})
afterAll(() => host.killAll())

describe('runAndRecord', () => {
  it('keeps the label it is given, else the config name, none for the default name', async () => {
    const named = await runAndRecord(small, { host, history, label: 'mine' })
    const byName = await runAndRecord(small, { host, history })
    const unnamed = await runAndRecord({ guest: small.guest }, { host, history })
    expect(history.getRunRecord(named.runId!).label).toBe('mine')
    expect(history.getRunRecord(byName.runId!).label).toBe('small')
    expect(history.getRunRecord(unnamed.runId!).label).toBe('')
  })

  it('records the run as running before the engine starts, then its result', async () => {
    let statusWhileRunning: string | undefined
    const output = await runAndRecord(small, {
      host,
      history,
      seed: 5,
      onRunId: (id) => (statusWhileRunning = history.getRunRecord(id).status)
    })
    expect(statusWhileRunning).toBe('running')
    expect(output.runId).toBeDefined()
    const detail = history.getRun(output.runId!)
    expect(detail.run.status).toBe('completed')
    expect(detail.run.seed).toBe(5)
    expect(detail.result).toEqual(output.result)
    expect(detail.progress.length).toBe(output.telemetry.progress.length)
    expect(detail.run.summary?.downtimeMs).toBe(output.result.downtime)
  })

  it('records nothing for a config that does not validate', async () => {
    await expect(runAndRecord({ guest: { 'memory-mib': 'lots' } }, { host, history })).rejects.toBeInstanceOf(
      LabFailure
    )
    expect(history.listRuns().total).toBe(0)
  })

  it('keeps a cancelled run as cancelled', async () => {
    const abort = new AbortController()
    const stress = {
      guest: { 'memory-mib': 512, workloads: [{ pattern: 'uniform', 'dirty-rate-mibps': 400 }] },
      migration: { policy: { 'max-time-ms': 600_000 } }
    }
    const output = await runAndRecord(stress, {
      host,
      history,
      signal: abort.signal,
      onTelemetry: () => abort.abort()
    })
    expect(output.result.status).toBe('cancelled')
    expect(history.getRunRecord(output.runId!).status).toBe('cancelled')
  })

  it('stops the run and reports the storage problem when the history cannot record it', async () => {
    const run = runAndRecord(small, { host, history, onRunId: () => history.close() })
    await expect(run).rejects.toThrow()
    expect(host.liveChildren.size).toBe(0)
  })
})
