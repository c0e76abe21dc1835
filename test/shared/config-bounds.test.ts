import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/shared/config'

// Defect 3 of issue 13: sizes are bounded in the schema (10^5 workloads were accepted and took
// 17 s to check), with messages naming the path and the bound.

function problems(input: unknown): readonly string[] {
  const r = parseConfig(input)
  if (r.ok) throw new Error('expected the config to be refused')
  expect(r.error.kind).toBe('Validation')
  return r.error.details ?? []
}

describe('config size bounds', () => {
  it('refuses more than 512 workload entries, naming the path and the bound', () => {
    const workloads = Array.from({ length: 600 }, () => ({}))
    expect(problems({ guest: { workloads } })).toContain(
      'guest.workloads: at most 512 entries (one per vCPU at most; a guest has at most 512 vCPUs)'
    )
  })

  it('accepts 512 workload entries', () => {
    const workloads = Array.from({ length: 512 }, (_, i) => ({ vcpus: [i % 2], pattern: 'idle' }))
    expect(parseConfig({ guest: { vcpus: 2, workloads } }).ok).toBe(true)
  })

  it('refuses a vCPU list of more than 512 entries, naming its path', () => {
    const vcpus = Array.from({ length: 600 }, () => 0)
    const found = problems({ guest: { workloads: [{ vcpus }] } })
    expect(found).toContain(
      'guest.workloads[0].vcpus: at most 512 vCPU indexes (a guest has at most 512 vCPUs)'
    )
  })

  it('refuses a config over 1 MiB as JSON with the size and the bound, before the schema walks it', () => {
    const found = problems({
      name: 'n',
      guest: { workloads: [{ pattern: 'idle', note: 'x'.repeat(3_300_000) }] }
    })
    expect(found).toEqual([
      '(config): 3.1 MiB as JSON, more than a config may be (at most 1 MiB; a config the lab can run is a few kB)'
    ])
  })

  it('refuses 10^5 workloads and a 10^6-entry vCPU list by their size, at once', () => {
    const workloads = Array.from({ length: 100_000 }, () => ({ pattern: 'uniform' }))
    expect(problems({ guest: { workloads } })[0]).toMatch(
      /^\(config\): .* MiB as JSON, more than a config may be/
    )
    const vcpus = Array.from({ length: 1_000_000 }, () => 0)
    expect(problems({ guest: { workloads: [{ vcpus }] } })[0]).toMatch(/^\(config\): 1\.9 MiB as JSON/)
  })

  it('refuses a name over 200 characters, naming the bound', () => {
    expect(problems({ name: 'x'.repeat(201) }).join('\n')).toMatch(/^name: .*200/m)
  })
})
