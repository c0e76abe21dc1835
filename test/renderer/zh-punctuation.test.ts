import { describe, expect, it } from 'vitest'
import zhCN from '../../src/renderer/src/i18n/zh-CN'

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
})
