import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MigrationResult } from '../../src/shared/result'
import { runConfigText, runLab } from './helpers'

// postcopy as a user meets it on the command line: QEMU's interlocks refused with exit 2 naming
// the field, and a postcopy run through the real processes (one per vCPU + the migration one).
let home: string
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'lab-postcopy-'))
})
afterAll(() => rmSync(home, { recursive: true, force: true }))

const MIB = 1024 * 1024

describe('migration-lab run with postcopy', () => {
  it('refuses postcopy-preempt without postcopy-ram, postcopy with multifd, and the policy without postcopy-ram (exit 2)', () => {
    const preempt = runConfigText(
      home,
      'preempt.json',
      JSON.stringify({ migration: { capabilities: { 'postcopy-preempt': true } } })
    )
    expect(preempt.code).toBe(2)
    expect(preempt.stderr).toMatch(/migration\.capabilities\.postcopy-preempt: needs postcopy-ram/)
    expect(preempt.stdout).toBe('')
    const multifd = runConfigText(
      home,
      'multifd.json',
      JSON.stringify({ migration: { capabilities: { 'postcopy-ram': true, multifd: true } } })
    )
    expect(multifd.code).toBe(2)
    expect(multifd.stderr).toMatch(
      /migration\.capabilities\.postcopy-ram: cannot be used together with multifd/
    )
    const policy = runConfigText(
      home,
      'policy.json',
      JSON.stringify({ migration: { policy: { 'postcopy-after-syncs': 2 } } })
    )
    expect(policy.code).toBe(2)
    expect(policy.stderr).toMatch(
      /migration\.policy\.postcopy-after-syncs: needs migration\.capabilities\.postcopy-ram/
    )
  })

  it('runs a postcopy migration over the vCPU processes to completion, verified', () => {
    const file = join(home, 'postcopy.json')
    writeFileSync(
      file,
      JSON.stringify({
        guest: {
          'memory-mib': 256,
          vcpus: 2,
          workloads: [{ pattern: 'uniform', 'dirty-rate-mibps': 64, 'working-set-mib': 64 }]
        },
        migration: {
          capabilities: { 'postcopy-ram': true, 'postcopy-preempt': true },
          parameters: { 'max-bandwidth': 32 * MIB },
          policy: { 'postcopy-after-syncs': 2 }
        }
      })
    )
    const r = runLab(home, ['run', file, '--no-db', '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const result = JSON.parse(r.stdout) as MigrationResult
    expect(result.status).toBe('completed')
    expect(result.lab.verified).toBe(true)
    expect(result.lab.outcome?.kind).toBe('postcopy')
    expect(result.ram['postcopy-bytes']).toBeGreaterThan(0)
    expect(result.ram['postcopy-requests']).toBeGreaterThan(0)
    expect(result['postcopy-vcpu-blocktime']).toHaveLength(2)
  })
})
