import { describe, expect, it } from 'vitest'
import { runInThread, type EngineTestHooks } from '../../src/engine/migration/in-thread'
import { parseConfig, type LabConfig, type LabConfigInput } from '../../src/shared/config'
import type { MigrationResult } from '../../src/shared/result'
import { CONFIG_PRESETS } from '../../src/shared/presets'

// XBZRLE end to end (docs/engine.md "XBZRLE"): the guest that out-dirties its link, a
// 512 MiB guest rewriting 64 MiB at 64 MiB/s over a 32 MiB/s max-bandwidth.

function parseOk(input: LabConfigInput): LabConfig {
  const parsed = parseConfig(input)
  if (!parsed.ok) throw new Error(`${parsed.error.message} ${parsed.error.details?.join('; ')}`)
  return parsed.config
}

async function run(input: LabConfigInput, hooks: EngineTestHooks = {}): Promise<MigrationResult> {
  return (await runInThread(parseOk(input), { hooks })).result
}

const MIB = 1024 * 1024
const guest = (xbzrle: boolean, bytesPerWrite?: number): LabConfigInput => ({
  guest: {
    'memory-mib': 512,
    vcpus: 1,
    workloads: [
      {
        pattern: 'uniform',
        'dirty-rate-mibps': 64,
        'working-set-mib': 64,
        ...(bytesPerWrite !== undefined ? { 'bytes-per-write': bytesPerWrite } : {})
      }
    ]
  },
  migration: { capabilities: { xbzrle }, parameters: { 'max-bandwidth': 32 * MIB } }
})

function figures(label: string, r: MigrationResult): string {
  const x = r['xbzrle-cache']
  return (
    `${label}: ${r.status} after ${r['total-time']} ms, transferred ${r.ram.transferred} bytes, ` +
    `dirty-sync-count ${r.ram['dirty-sync-count']}, downtime ${r.downtime ?? '-'} ms, verified ${r.lab.verified}` +
    (x ? `; xbzrle-cache ${JSON.stringify(x)}` : '')
  )
}

describe('XBZRLE on a guest that out-dirties the link', () => {
  it('plain pre-copy never converges; XBZRLE with 8-byte writes completes, verified, on a third of the bytes', async () => {
    const plain = await run(guest(false))
    const xbzrle = await run(guest(true, 8))
    console.log(figures('plain pre-copy', plain))
    console.log(figures('xbzrle, 8-byte writes', xbzrle))
    expect(plain.status).toBe('cancelled')
    expect(plain.lab.outcome).toMatchObject({ kind: 'max-iterations' })
    expect(plain['xbzrle-cache']).toBeUndefined()

    expect(xbzrle.status).toBe('completed')
    expect(xbzrle.lab.verified).toBe(true)
    expect(xbzrle.lab['mismatched-pages']).toBe(0)
    expect(xbzrle.downtime).toBeLessThan(300)
    expect(xbzrle.ram.transferred).toBeLessThan(plain.ram.transferred / 2)
    // The Live view's migration lane marks where XBZRLE starts: after the first round.
    const { telemetry } = await runInThread(parseOk(guest(true, 8)), {})
    const started = telemetry.timeline.find((e) => e.lane === 'migration' && e.detail === 'xbzrle started')
    expect(started?.['time-ms']).toBeGreaterThan(15_000) // 512 MiB at 32 MiB/s: 16 s
    const x = xbzrle['xbzrle-cache']!
    expect(x['cache-size']).toBe(64 * MIB)
    // The 64 MiB working set is 16384 pages: first sight of each (the second round, once
    // xbzrle_started) is a miss; after that each send is a hit encoded in a few dozen bytes.
    expect(x['cache-miss']).toBe(16384)
    expect(x.pages).toBeGreaterThan(10_000)
    expect(x.overflow).toBe(0)
    expect(x.bytes / x.pages).toBeLessThan(64)
  })

  it('the default bytes-per-write (the whole page) overflows every hit: no gain, still verified', async () => {
    const r = await run(guest(true))
    console.log(figures('xbzrle, whole-page writes', r))
    expect(r.status).toBe('cancelled')
    expect(r.lab.verified).toBe(true)
    const x = r['xbzrle-cache']!
    // Every hit with a write since its last send overflows (4096 bytes each); the others had
    // their writes in before that send and go as the smallest delta, 3 + 4 bytes.
    expect(x.overflow).toBeGreaterThan(x.pages / 2)
    expect(x.bytes).toBe(x.overflow * 4096 + (x.pages - x.overflow) * 7)
  })

  it('the oracle catches an encoder that drops deltas (fault injection)', async () => {
    const r = await run(guest(true, 8), { xbzrleSkipDelta: true })
    expect(r.lab.verified).toBe(false)
    expect(r.lab['mismatched-pages']).toBeGreaterThan(0)
    expect(r.lab.reason).toMatch(/ORACLE: \d+ page\(s\) differ at switchover/)
  })
})

describe('the XBZRLE presets', () => {
  it('guestperf xbzrle gains nothing (its sweep outruns the cache: every lookup misses); xbzrle-small-writes completes', async () => {
    const preset = (id: string) => CONFIG_PRESETS.find((p) => p.id === id)!.config
    const stress = await run(preset('guestperf-xbzrle'))
    const small = await run(preset('xbzrle-small-writes'))
    console.log(figures('preset guestperf xbzrle', stress))
    console.log(figures('preset xbzrle-small-writes', small))
    expect(stress.lab.verified).toBe(true)
    expect(stress['xbzrle-cache']!.pages).toBe(0)
    expect(stress['xbzrle-cache']!['cache-miss']).toBeGreaterThan(262_144) // more than the 1 GiB of pages
    expect(small.status).toBe('completed')
    expect(small.lab.verified).toBe(true)
  })
})
