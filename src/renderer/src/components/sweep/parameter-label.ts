import { useCatalog } from '../../composables/useCatalog'

/**
 * "Downtime limit (ms) · downtime-limit": the catalog's label with the unit its values are
 * written in (the config's own: a sweep's values and a filter's bounds are config values) next to
 * QEMU's own name, or the dotted path itself for a path the catalog does not know. In Chinese the
 * brackets are full-width: "停机时间上限（毫秒） · downtime-limit" (the Compare chart's title too).
 */
export function useParameterLabel(): (path: string) => string {
  const catalog = useCatalog()
  return (path: string) => {
    const label = catalog.label(path)
    if (label === path) return path
    const unit = catalog.storedUnit(path)
    const name = path.split('.').pop() ?? path
    return `${catalog.withUnit(label, unit)} · ${name}`
  }
}
