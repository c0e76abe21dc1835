import { useI18n } from 'vue-i18n'
import {
  formatParameterValue,
  labelWithUnit,
  optionLabel,
  parameterAt,
  parameterLabel,
  storedUnitLabel,
  unitLabel,
  type CatalogLocale,
  type UnitOption
} from '../../../shared/config/catalog'
import type { ConfigPath } from '../../../shared/config/paths'

/**
 * The parameter catalog (src/shared/config/catalog.ts) in the screen's language: labels, help,
 * units and enum labels of config paths. Every screen that names a parameter reads it here.
 */
export function useCatalog() {
  const { locale } = useI18n()
  const lang = (): CatalogLocale => (locale.value === 'zh-CN' ? 'zh-CN' : 'en')
  return {
    label: (path: string | ConfigPath): string => parameterLabel(path, lang()),
    help: (path: string | ConfigPath): string => parameterAt(path)?.help?.[lang()] ?? '',
    unit: (unit: UnitOption | undefined): string => unitLabel(unit, lang()),
    storedUnit: (path: string | ConfigPath): string => storedUnitLabel(path, lang()),
    /** A name with its unit in the screen language's brackets: "停机时间上限（毫秒）". */
    withUnit: (label: string, unit: string): string => labelWithUnit(label, unit, lang()),
    option: (path: string | ConfigPath, value: string): string => optionLabel(path, value, lang()),
    /** `134217728` at max-bandwidth → `128 MiB/s`, as Configure shows it. */
    value: (path: string | ConfigPath, value: unknown): string => formatParameterValue(path, value, lang())
  }
}
