import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runConfigText } from './helpers'

const home = mkdtempSync(join(tmpdir(), 'lab-xbzrle-'))
afterAll(() => rmSync(home, { recursive: true, force: true }))

const MIB = 1024 * 1024

describe('migration-lab run with xbzrle', () => {
  it('runs across the vCPU and migration processes and reports xbzrle-cache', () => {
    const r = runConfigText(
      home,
      'xbzrle.json',
      JSON.stringify({
        guest: {
          'memory-mib': 256,
          vcpus: 1,
          workloads: [
            { pattern: 'uniform', 'dirty-rate-mibps': 64, 'working-set-mib': 32, 'bytes-per-write': 8 }
          ]
        },
        migration: {
          capabilities: { xbzrle: true },
          parameters: { 'max-bandwidth': 32 * MIB, 'xbzrle-cache-size': 32 * MIB }
        }
      })
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const result = JSON.parse(r.stdout)
    expect(result.status).toBe('completed')
    expect(result.lab.verified).toBe(true)
    expect(result['xbzrle-cache']['cache-size']).toBe(32 * MIB)
    // 32 MiB of working set = 8192 pages at pages 0–8191, one slot each in the 8192-slot cache:
    // each is missed once, on first sight
    expect(result['xbzrle-cache']['cache-miss']).toBe(8192)
    expect(result['xbzrle-cache'].pages).toBeGreaterThan(0)
  })

  it('refuses xbzrle with multifd (migrate_caps_check), exit 2 naming the fields', () => {
    const r = runConfigText(
      home,
      'xbzrle-multifd.json',
      JSON.stringify({ migration: { capabilities: { xbzrle: true, multifd: true } } })
    )
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/migration\.capabilities\.xbzrle: Multifd is not compatible with xbzrle/)
    expect(r.stderr).toMatch(/migration\.capabilities\.multifd/)
    expect(r.stdout).toBe('')
  })

  it('refuses a bytes-per-write outside 1–4096 and a cache below a page, exit 2 naming them', () => {
    const r = runConfigText(
      home,
      'xbzrle-bad.json',
      JSON.stringify({
        guest: { workloads: [{ 'bytes-per-write': 0 }, { 'bytes-per-write': 5000 }] },
        migration: { capabilities: { xbzrle: true }, parameters: { 'xbzrle-cache-size': 2048 } }
      })
    )
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/guest\.workloads\[0\]\.bytes-per-write/)
    expect(r.stderr).toMatch(/guest\.workloads\[1\]\.bytes-per-write/)
    expect(r.stderr).toMatch(/migration\.parameters\.xbzrle-cache-size/)
  })
})
