import { afterAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/shared/config'
import { configMessages } from '../../src/renderer/src/i18n/config-messages'

// Every problem the lab words itself (ranges, the schema's own, the combination checks, a config
// too big to check), as Configure shows it on the Chinese UI: no English sentence left in it.
function badConfigs(): Record<string, unknown> {
  let deep: unknown = {}
  for (let i = 0; i < 100_000; i++) deep = { guest: deep }
  const writes = { pattern: 'hotspot', 'dirty-rate-mibps': 16 }
  return {
    schema: {
      guest: {
        'page-size': 8192,
        'dirty-ring-size': 3,
        'memory-mib': -4,
        bogus: 1,
        workloads: [{ vcpus: Array(513).fill(0) }]
      },
      network: { 'bandwidth-mbps': 'fast', 'rtt-ms': -1 },
      migration: { parameters: { 'xbzrle-cache-size': 3, 'downtime-limit': 5e6, 'max-bandwidth': -1 } }
    },
    workloads: { guest: { workloads: Array(513).fill({}) } },
    vcpus: { guest: { workloads: [{ vcpus: [9] }] } },
    allZero: { guest: { 'zero-fraction': 1, workloads: [writes] } },
    sets: {
      guest: { 'memory-mib': 64, workloads: [{ ...writes, 'working-set-mib': 1000, 'hot-set-mib': 2000 }] }
    },
    pages: { guest: { workloads: [{ ...writes, 'working-set-mib': 0.001, 'hot-set-mib': 0.001 }] } },
    capabilities: {
      migration: {
        capabilities: {
          multifd: true,
          xbzrle: true,
          'postcopy-ram': true,
          'dirty-limit': true,
          'auto-converge': true
        }
      }
    },
    parameters: {
      migration: {
        capabilities: { 'switchover-ack': true, 'postcopy-preempt': true },
        parameters: {
          'multifd-compression': 'zstd',
          'max-cpu-throttle': 5,
          'cpu-throttle-initial': 50,
          'xbzrle-cache-size': 1024
        },
        policy: { 'postcopy-after-syncs': 40 }
      }
    },
    tooLarge: { name: 'x'.repeat(2_000_000) },
    tooDeep: deep
  }
}

/** The problems of `config`, each `path: message`. */
function problems(config: unknown, locale: 'en' | 'zh-CN'): string[] {
  const result = parseConfig(config, { messages: configMessages(locale) })
  return result.ok ? [] : [result.error.message, ...(result.error.details ?? [])]
}

describe('config problems on the Chinese UI', () => {
  afterAll(() => configMessages('en'))

  it('are worded in Chinese, with the units the UI names (毫秒, 字节/秒, 字节)', () => {
    const englishLeft: string[] = []
    let count = 0
    for (const [name, config] of Object.entries(badConfigs())) {
      const zh = problems(config, 'zh-CN')
      const en = problems(config, 'en')
      // The same problems at the same paths, just worded in the other language.
      expect(
        zh.slice(1).map((p) => p.split(': ')[0]),
        name
      ).toEqual(en.slice(1).map((p) => p.split(': ')[0]))
      count += zh.length - 1
      for (const line of zh) {
        const message = line.slice(line.indexOf(': ') + 1)
        if (!/[\u4e00-\u9fff]/.test(message) || /[a-z]{3,} [a-z]{3,}|\b(ms|bytes)\b/.test(message))
          englishLeft.push(`${name}: ${line}`)
      }
    }
    expect(englishLeft).toEqual([])
    expect(count).toBeGreaterThanOrEqual(25)
    expect(problems(badConfigs().schema, 'zh-CN')).toContain(
      'migration.parameters.downtime-limit: 不能大于 2000000 毫秒'
    )
    expect(problems(badConfigs().pages, 'zh-CN')).toContain(
      'guest.workloads[0].working-set-mib: 0.001 MiB 不足一页（4096 字节）'
    )
  })
})
