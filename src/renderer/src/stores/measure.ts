import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { LabError } from '../../../shared/errors'
import type { CalibrationOutcome, HostPreset, MeasureSupport } from '../../../shared/protocol/lab-api-measure'
import { labClient } from '../services/lab-api'

/**
 * Measured runs as the UI offers them (docs/measured-runs.md): whether the lab host can measure
 * (asked once per connection, again on demand), calibration of the host model from a measured
 * run, and the host presets it saves. The measurement itself is the run store's (startMeasured),
 * so the Live view draws it like any run.
 */
export const useMeasureStore = defineStore('measure', () => {
  const client = labClient()

  /** What measure.support said; null until it answered. */
  const support = shallowRef<MeasureSupport | null>(null)
  /** measure.support could not be asked (host gone, old host). */
  const supportError = shallowRef<LabError | null>(null)
  let asking: Promise<void> | null = null

  /** Asks the host (once; `again` asks anew, e.g. after installing QEMU). */
  function loadSupport(again = false): Promise<void> {
    if (asking && !again) return asking
    asking = (async () => {
      const outcome = await client.call('measure.support', {})
      if (outcome.ok) {
        support.value = outcome.value
        supportError.value = null
      } else {
        supportError.value = outcome.error
        // Asked again next time: a host that was unreachable may answer later.
        asking = null
      }
    })()
    return asking
  }

  const calibration = shallowRef<CalibrationOutcome | null>(null)
  /** The run the calibration is of (a new run's detail does not show another run's fit). */
  const calibratedRunId = ref<number | null>(null)
  const calibrating = ref(false)
  const calibrationError = shallowRef<LabError | null>(null)

  async function calibrate(runId: number): Promise<void> {
    if (calibrating.value) return
    calibrating.value = true
    calibration.value = null
    calibrationError.value = null
    calibratedRunId.value = runId
    const outcome = await client.call('measure.calibrate', { runIds: [runId] })
    calibrating.value = false
    if (calibratedRunId.value !== runId) return
    if (outcome.ok) calibration.value = outcome.value
    else calibrationError.value = outcome.error
  }

  const presets = shallowRef<readonly HostPreset[]>([])
  const presetsError = shallowRef<LabError | null>(null)

  async function loadPresets(): Promise<void> {
    const outcome = await client.call('hostPresets.list', {})
    if (outcome.ok) {
      presets.value = outcome.value.presets
      presetsError.value = null
    } else presetsError.value = outcome.error
  }

  /** Saves the fitted host model under `name`; resolves with the error, or null. */
  async function savePreset(name: string, host: HostPreset['host']): Promise<LabError | null> {
    const outcome = await client.call('hostPresets.save', { name, host })
    if (!outcome.ok) return outcome.error
    await loadPresets()
    return null
  }

  return {
    support,
    supportError,
    loadSupport,
    calibration,
    calibratedRunId,
    calibrating,
    calibrationError,
    calibrate,
    presets,
    presetsError,
    loadPresets,
    savePreset
  }
})
