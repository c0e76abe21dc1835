import { ENGLISH_CONFIG_MESSAGES, type ConfigMessages } from '../../../shared/config'
import { ENGLISH_SWEEP_MESSAGES, type SweepMessages } from '../../../shared/sweep'
import type { Locale } from '.'
import { configMessages } from './config-messages'
import historyZhCN from './history.zh-CN'

/**
 * How the sweep panel words a draft's problems: its own checks (a name, the repetitions, each
 * varied parameter's values), the sweep expansion's (src/shared/sweep.ts) and the base config's
 * (config-messages.ts), in the UI's language. The English is what the panel always said.
 */
export interface SweepDraftMessages {
  readonly config: ConfigMessages
  readonly sweep: SweepMessages
  /** A problem's place and its separator: "parameter 1: ", "参数 1：". */
  readonly at: (where: string) => string
  /** The varied parameter the panel shows `n`th, with its path when given. */
  readonly parameter: (n: number, path?: string) => string
  readonly noName: () => string
  readonly repetitions: () => string
  readonly parallel: () => string
  readonly chooseParameter: () => string
  readonly rangeOfNonNumber: (path: string) => string
  readonly noValuesGiven: () => string
  readonly notANumber: (item: string) => string
  readonly notTrueOrFalse: (item: string) => string
}

/** `typeof` of a base config value (the English message says it as it is), in Chinese. */
const JS_TYPE_NAMES: Readonly<Record<string, string>> = {
  number: '数字',
  string: '字符串',
  boolean: '布尔值',
  object: '对象'
}

export const ENGLISH_SWEEP_DRAFT_MESSAGES: SweepDraftMessages = {
  config: ENGLISH_CONFIG_MESSAGES,
  sweep: ENGLISH_SWEEP_MESSAGES,
  at: (where) => `${where}: `,
  parameter: (n, path) => (path === undefined ? `parameter ${n}` : `parameter ${n} (${path})`),
  noName: () => 'name: give the sweep a name',
  repetitions: () => 'repetitions: a whole number from 1 to 1000',
  parallel: () => 'parallel runs: a whole number from 1 to 64 (0 = as many as the host has cores)',
  chooseParameter: () => 'choose a config parameter',
  rangeOfNonNumber: (path) => `${path} is not a number; list its values instead of a range`,
  noValuesGiven: () => 'give at least one value, separated by commas',
  notANumber: (item) => `"${item}" is not a number`,
  notTrueOrFalse: (item) => `"${item}" is not true or false`
}

// The panel's own labels (名称, 每个取值的重复次数, 参数 1) name the fields the problems are at.
const zh = historyZhCN.sweep

const CHINESE_SWEEP_DRAFT_MESSAGES: Omit<SweepDraftMessages, 'config'> = {
  sweep: {
    invalid: () => '扫描无效',
    tooManyVaried: (count) => `最多只能变化 2 个参数，现在是 ${count} 个`,
    repetitions: (got) => `必须是 1 到 1000 之间的整数，现在是 ${got}`,
    notAPath: (path) => `“${path}”不是以点分隔的配置路径（例如 migration.parameters.downtime-limit）`,
    variedTwice: (path) => `${path} 变化了两次`,
    notInBase: (path) => `${path} 不在基础配置中`,
    notALeaf: (path, list) => `${path} 是${list ? '列表' : '一组参数'}：请变化其中的某一项`,
    valuesOrRange: () => '请给出取值（列表）或范围（起点..终点:步长），不要两者都给',
    noValues: () => '请至少给出一个取值',
    tooManyValues: (count, max) => `最多 ${max} 个取值，现在是 ${count} 个`,
    wrongType: (path, expected, value) =>
      `${path} 在基础配置中是${JS_TYPE_NAMES[expected] ?? expected}，这里是 ${value}`,
    notFinite: () => '不是有限的数',
    tooManyRuns: (total, max) => `扫描将有 ${total} 次运行，最多允许 ${max} 次`,
    notARange: (text) => `“${text}”不是范围：请写成 起点..终点:步长，例如 100..500:100`,
    rangeNotFinite: (text) => `“${text}”中有不是有限的数`,
    stepNotPositive: () => '步长必须大于 0',
    endBelowStart: (end, start) => `终点（${end}）小于起点（${start}）`,
    rangeTooManyValues: (text, count, max) => `“${text}”有 ${count} 个取值，最多允许 ${max} 个`
  },
  at: (where) => `${where}：`,
  parameter: (n, path) => {
    const name = zh.parameter.replace('{index}', String(n))
    return path === undefined ? name : `${name}（${path}）`
  },
  noName: () => `${zh.name}：请给扫描起个名字`,
  repetitions: () => `${zh.repeat}：1 到 1000 之间的整数`,
  parallel: () => `${zh.parallel}：1 到 64 之间的整数（${zh.parallelHint}）`,
  chooseParameter: () => '请选择一个配置参数',
  rangeOfNonNumber: (path) => `${path} 不是数值：请列出它的取值，而不是范围`,
  noValuesGiven: () => '请至少给出一个取值，用逗号分隔',
  notANumber: (item) => `“${item}”不是数字`,
  notTrueOrFalse: (item) => `“${item}”不是 true 或 false`
}

/** The sweep panel's problem wording in `locale` (switches zod's messages too, as configMessages does). */
export function sweepDraftMessages(locale: Locale): SweepDraftMessages {
  const own = locale === 'zh-CN' ? CHINESE_SWEEP_DRAFT_MESSAGES : ENGLISH_SWEEP_DRAFT_MESSAGES
  return { ...own, config: configMessages(locale) }
}
