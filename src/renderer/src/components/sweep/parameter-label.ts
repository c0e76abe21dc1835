import { useI18n } from 'vue-i18n'

/** The i18n key of a config parameter's plain label (workload entries share one set of labels). */
export function parameterKey(path: string): string {
  return `history.params.${path.replace(/(^|\.)workloads\.\d+(\.|$)/, '$1workloads.n$2')}`
}

/**
 * "Downtime limit (ms) · downtime-limit": a plain label next to QEMU's own name, or the dotted
 * path itself for a parameter without a plain label.
 */
export function useParameterLabel(): (path: string) => string {
  const { t, te } = useI18n()
  return (path: string) => {
    const key = parameterKey(path)
    const name = path.split('.').pop() ?? path
    return te(key) ? `${t(key)} · ${name}` : path
  }
}
