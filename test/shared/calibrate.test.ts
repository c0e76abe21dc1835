import { describe, expect, it } from 'vitest'
import {
  CALIBRATED_FIELDS,
  figureLoss,
  fitHostModel,
  roundHostValue,
  type CalibrationEvaluation,
  type HostModel
} from '../../src/shared/calibrate'
import { defaultConfig } from '../../src/shared/config'
import type { PredictedFigure } from '../../src/shared/report/measured'

const figure = (name: string, measured: number, simulated: number): PredictedFigure => ({
  name,
  unit: 'ms',
  measured,
  simulated,
  error: simulated / measured - 1
})

describe('the calibration loss', () => {
  it('weighs relative errors of the times, the same at 12 ms as at 15 s', () => {
    // ln(1.1)² = 0.009085 for each figure 10 % high.
    const a = figureLoss([figure('total time', 15_000, 16_500)])
    const b = figureLoss([figure('downtime', 12, 13.2)])
    expect(a).toBeCloseTo(Math.log(1.1) ** 2, 12)
    expect(b).toBeCloseTo(a, 12)
  })

  it('leaves out bytes, sync counts, guest pause and figures QEMU did not report', () => {
    expect(
      figureLoss([
        figure('transferred', 100, 200),
        figure('dirty syncs', 3, 6),
        figure('guest pause', 80, 40),
        figure('setup time', 0, 5)
      ])
    ).toBe(0)
  })
})

describe('fitting the host model', () => {
  const start: HostModel = defaultConfig().host

  /**
   * A stand-in for the engine with a known answer: "downtime" is stop-ms + 2 ms and "setup time"
   * is dirty-log-start-ms-per-gib × 0.5 GiB, measured as 9 ms and 1.5 ms, so the best host model
   * has stop-ms 7 and dirty-log-start-ms-per-gib 3; no other field changes either figure.
   */
  const evaluate = async (host: HostModel): Promise<CalibrationEvaluation> => {
    const figures = [
      figure('downtime', 9, host['stop-ms'] + 2),
      figure('setup time', 1.5, host['dirty-log-start-ms-per-gib'] * 0.5)
    ]
    return { loss: figureLoss(figures), figures: [figures] }
  }

  it('finds the host costs that explain the measured figures', async () => {
    const fit = await fitHostModel(start, evaluate, { maxEvaluations: 200, minStep: 1.01 })
    expect(fit.host['stop-ms']).toBeCloseTo(7, 0)
    expect(fit.host['dirty-log-start-ms-per-gib']).toBeCloseTo(3, 0)
    // Fields that change nothing stay as they were.
    expect(fit.host['resume-ms']).toBe(start['resume-ms'])
    expect(fit.host['sync-ms-per-gib']).toBe(start['sync-ms-per-gib'])
    expect(fit.after.loss).toBeLessThan(fit.before.loss / 100)
    expect(fit.evaluations).toBeLessThanOrEqual(200)
  })

  it('keeps to its evaluation budget, and never makes the fit worse', async () => {
    const fit = await fitHostModel(start, evaluate, { maxEvaluations: 5 })
    expect(fit.evaluations).toBe(5)
    expect(fit.after.loss).toBeLessThanOrEqual(fit.before.loss)
  })

  it('leaves a cost the config set to 0 ("leave it out") at 0', async () => {
    const fit = await fitHostModel({ ...start, 'stop-ms': 0 }, evaluate, { maxEvaluations: 60 })
    expect(fit.host['stop-ms']).toBe(0)
  })

  it('stays inside each field’s range and rounds to 3 significant digits', async () => {
    const far = async (host: HostModel): Promise<CalibrationEvaluation> => {
      const figures = [figure('downtime', 1e9, host['stop-ms'])]
      return { loss: figureLoss(figures), figures: [figures] }
    }
    const fit = await fitHostModel(start, far, { maxEvaluations: 100 })
    const stop = CALIBRATED_FIELDS.find((f) => f.field === 'stop-ms')!
    expect(fit.host['stop-ms']).toBe(stop.max)
    expect(roundHostValue(7.123456)).toBe(7.12)
  })
})
