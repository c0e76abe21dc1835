import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { parseConfig } from '../../shared/config'
import { LabFailure, labError } from '../../shared/errors'
import type { HostPreset } from '../../shared/protocol/lab-api-measure'

/**
 * Host presets: host cost models saved by name, most often the fit of `calibrate` on measured
 * runs ("Save as host preset" in a measured run's detail). Configure lists them beside the host
 * section. Kept in one small JSON file in the user data directory (host-presets.json), shared by
 * the desktop app and the web host; without a file (tests) in memory.
 */

const FORMAT = 'migration-lab-host-presets'

/** Presets kept at most; saving one more drops the oldest. */
export const MAX_HOST_PRESETS = 100

export class HostPresetStore {
  private memory: HostPreset[] = []

  constructor(private readonly file?: string) {}

  /** The presets, newest first. A file that is not a preset list is an error naming it (left as it is). */
  list(): HostPreset[] {
    if (this.file === undefined) return [...this.memory]
    if (!existsSync(this.file)) return []
    let data: unknown
    try {
      data = JSON.parse(readFileSync(this.file, 'utf8'))
    } catch (e) {
      throw this.corrupt(e instanceof Error ? e.message : String(e))
    }
    const doc = data as { format?: unknown; presets?: unknown }
    if (doc === null || typeof doc !== 'object' || doc.format !== FORMAT || !Array.isArray(doc.presets))
      throw this.corrupt(`not a ${FORMAT} document`)
    return doc.presets.map((entry: unknown, i: number) => {
      const p = entry as { name?: unknown; host?: unknown; savedAtMs?: unknown }
      const parsed = parseConfig({ host: p?.host })
      if (typeof p?.name !== 'string' || typeof p.savedAtMs !== 'number' || !parsed.ok)
        throw this.corrupt(
          `presets[${i}]: ${parsed.ok ? 'needs a name and savedAtMs' : (parsed.error.details?.[0] ?? parsed.error.message)}`
        )
      return { name: p.name, host: parsed.config.host, savedAtMs: p.savedAtMs }
    })
  }

  /** Saves `host` (a config's host section, validated like a config's) as `name`, replacing one of that name. */
  save(name: string, host: unknown, nowMs = Date.now()): HostPreset {
    const parsed = parseConfig({ host })
    if (!parsed.ok) throw new LabFailure(parsed.error)
    const preset: HostPreset = { name, host: parsed.config.host, savedAtMs: nowMs }
    const presets = [preset, ...this.list().filter((p) => p.name !== name)].slice(0, MAX_HOST_PRESETS)
    if (this.file === undefined) this.memory = presets
    else {
      mkdirSync(dirname(this.file), { recursive: true })
      const tmp = `${this.file}.tmp`
      writeFileSync(tmp, JSON.stringify({ format: FORMAT, presets }, null, 2) + '\n')
      renameSync(tmp, this.file)
    }
    return preset
  }

  private corrupt(why: string): LabFailure {
    return new LabFailure(
      labError(
        'Validation',
        `${this.file}: the host presets file cannot be read (${why}); it was left as it is`
      )
    )
  }
}
