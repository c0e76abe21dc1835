import { z } from 'zod'
import { configUnit, ENGLISH_CONFIG_MESSAGES, type ConfigMessages } from '../../../shared/config'
import type { Locale } from '.'

/**
 * How the config's problems read on the Configure form, in the UI's language: the lab's own
 * wording (ranges with the config's unit, named as the catalog names it in Chinese: 毫秒, 字节/秒;
 * src/shared/config/parse.ts) and, for the rest of the
 * schema's messages, zod's own translations (zod's locales: "Too small: expected number to be
 * >=1" read in English on the Chinese UI).
 */
const CHINESE_CONFIG_MESSAGES: ConfigMessages = {
  unit: (path) => configUnit(path, 'zh-CN'),
  atLeast: (bound) => `不能小于 ${bound}`,
  moreThan: (bound) => `必须大于 ${bound}`,
  atMost: (bound) => `不能大于 ${bound}`,
  lessThan: (bound) => `必须小于 ${bound}`,
  notANumber: () => '必须是数字',
  unknownKey: () => '未知的键',
  summary: (count) => `配置有 ${count} 个问题。`
}

const ZOD_LOCALES: Record<Locale, () => { localeError: z.core.$ZodErrorMap }> = {
  en: z.locales.en,
  'zh-CN': z.locales.zhCN
}

let zodLocale: Locale | undefined

/** The config messages of `locale`; also switches zod's own messages to it (zod keeps one global setting). */
export function configMessages(locale: Locale): ConfigMessages {
  if (zodLocale !== locale) {
    z.config(ZOD_LOCALES[locale]())
    zodLocale = locale
  }
  return locale === 'zh-CN' ? CHINESE_CONFIG_MESSAGES : ENGLISH_CONFIG_MESSAGES
}
