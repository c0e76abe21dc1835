import { describe, expect, it } from 'vitest'
import zhCN from '../../src/renderer/src/i18n/zh-CN'
import { describeOutcome, describeRunEnd } from '../../src/shared/report/run-end'
import type { RunOutcome } from '../../src/shared/result'

// Half-width punctuation beside Chinese characters reads as a mix ("比较,也可以", "实验(参数扫描)"):
// the Chinese UI uses full-width （），；next to Chinese text (issue 12, defect 5).
type Tree = { [key: string]: string | Tree }
const leaves = (tree: Tree, prefix = ''): [string, string][] =>
  Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string'
      ? [[prefix + key, value] as [string, string]]
      : leaves(value, `${prefix}${key}.`)
  )

describe('Chinese punctuation', () => {
  it('is full-width next to Chinese text in every catalogue', () => {
    const mixed = /[\u4e00-\u9fff][(),;]|[(),;][\u4e00-\u9fff]/
    const bad = leaves(zhCN as unknown as Tree)
      .filter(([, text]) => mixed.test(text))
      .map(([key, text]) => `${key}: ${text}`)
    expect(bad).toEqual([])
  })

  it('is full-width after Chinese text for : ? ! too, and in the shared run-end sentences', () => {
    const mixed = /[\u4e00-\u9fff][(),;:?!]|[(),;:?!][\u4e00-\u9fff]/
    // The sweep's range syntax is typed as shown: 起点..终点:步长 keeps its ASCII colon.
    const catalogue = leaves(zhCN as unknown as Tree).filter(([key]) => key !== 'history.sweep.range')
    const limit = { 'expected-downtime-ms': 812, 'downtime-limit-ms': 300 }
    const outcomes: RunOutcome[] = [
      {
        kind: 'converged',
        'pending-bytes': 1 << 24,
        'threshold-bytes': 1 << 25,
        'dirty-sync-count': 4,
        'downtime-ms': 31.7,
        'downtime-limit-ms': 300
      },
      { kind: 'max-time', 'virtual-time-ms': 300_000, 'max-time-ms': 300_000, ...limit },
      { kind: 'max-iterations', 'dirty-sync-count': 31, 'max-iterations': 30, ...limit },
      { kind: 'user-cancel', detail: 'Esc', ...limit }
    ]
    const sentences: [string, string][] = [
      ...outcomes.map((o) => [o.kind, describeOutcome(o, 'zh-CN')] as [string, string]),
      ...['completed', 'cancelled', 'failed', 'interrupted'].map(
        (status) => [status, describeRunEnd({ status, reason: 'engine text' }, 'zh-CN')] as [string, string]
      )
    ]
    const bad = [...catalogue, ...sentences].filter(([, text]) => mixed.test(text))
    expect(bad).toEqual([])
    // Never the engine's English where Chinese is asked for.
    expect(sentences.filter(([, text]) => /engine text|[a-z]{3,} [a-z]{3,}/.test(text))).toEqual([])
  })
})
