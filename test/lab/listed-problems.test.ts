import { afterEach, describe, expect, it } from 'vitest'
import { LabService } from '../../src/main/lab/service'
import { NodeProcessHost } from '../../src/main/process/node-host'

// Defect 3 of issue 13: the page (over IPC or the WebSocket, both through LabService.handle) gets
// a problem list capped like the command line's: the first 20 and "… and N more".

const host = new NodeProcessHost({ log: () => {} })
const service = new LabService({ appVersion: '0.0.0-test', platform: process.platform, processHost: host })
afterEach(async () => {
  await host.killAll()
})

describe('problem lists a page gets', () => {
  it('lists the first 20 problems of a refused run and counts the rest', async () => {
    const workloads = Array.from({ length: 500 }, () => ({ 'dirty-rate-mibps': 'x' }))
    const outcome = await service.handle(
      'runs.start',
      { config: { guest: { workloads } } },
      { host: 'electron', clientId: 't' }
    )
    expect(outcome.ok).toBe(false)
    if (outcome.ok) return
    expect(outcome.error.kind).toBe('Validation')
    expect(outcome.error.message).toMatch(/500 problems/)
    const details = outcome.error.details ?? []
    expect(details).toHaveLength(21)
    expect(details[0]).toMatch(/^guest\.workloads\[0\]\.dirty-rate-mibps: /)
    expect(details[20]).toBe('… and 480 more')
  })

  it('keeps a short list whole', async () => {
    const outcome = await service.handle(
      'runs.start',
      { config: { guest: { vcpus: 0 } } },
      { host: 'web', clientId: 't' }
    )
    expect(outcome.ok).toBe(false)
    if (outcome.ok) return
    expect(outcome.error.details).toEqual(['guest.vcpus: must be at least 1'])
  })
})
