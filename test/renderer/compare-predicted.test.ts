// @vitest-environment happy-dom
import { mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import PredictedVsMeasuredTable from '../../src/renderer/src/components/compare/PredictedVsMeasuredTable.vue'
import { createLabI18n } from '../../src/renderer/src/i18n'
import type { RunDetail } from '../../src/shared/history'
import type { MigrationResult } from '../../src/shared/result'
import { result } from './run-fixtures'
import { ServiceLabClient } from './service-lab-client'

// Compare puts a measured run beside the simulation of the same config with the error of each
// figure, as the comparison report does (issue 10). The runs are recorded in a real history
// database and read back as the host gives them to Compare (service-lab-client.ts).

let host: ServiceLabClient
beforeEach(() => {
  host = new ServiceLabClient()
})
afterEach(() => host.dispose())

function detail(id: number, label: string, source: 'simulated' | 'measured', r: MigrationResult): RunDetail {
  const recorded = host.addRun({ label, source, result: r })
  expect(recorded.id).toBe(id)
  return host.detail(recorded.id)
}

const simulated = result({ 'total-time': 15_800, 'setup-time': 2, downtime: 11.7 })
const measured = result({
  'total-time': 14_700,
  'setup-time': 1,
  downtime: 16,
  lab: { ...result().lab, source: 'measured' }
})

function mountTable(details: RunDetail[], locale: 'en' | 'zh-CN' = 'en') {
  return mount(PredictedVsMeasuredTable, {
    props: { details },
    global: { plugins: [createLabI18n(locale)] }
  })
}

describe('Compare: predicted vs measured', () => {
  it('shows each figure of a measured run beside its simulation, with the error', () => {
    const w = mountTable([
      detail(1, 'idle 512 MiB', 'measured', measured),
      detail(2, 'idle 512 MiB', 'simulated', simulated)
    ])
    const table = w.get('[data-testid="compare-predicted-1"]')
    expect(table.text()).toContain('run 1 · idle 512 MiB (measured) against run 2 · idle 512 MiB (simulated)')
    const rows = table.findAll('tbody tr').map((r) => r.findAll('th, td').map((c) => c.text()))
    const total = rows.find((r) => r[0] === 'Total time')!
    // 15.8 s / 14.7 s − 1 = +7.5 %
    expect(total[3]).toBe('+7.5 %')
    const downtime = rows.find((r) => r[0] === 'Downtime')!
    // 11.7 / 16 − 1 = −26.9 %
    expect(downtime[3]).toBe('−26.9 %')
    expect(rows.map((r) => r[0])).toEqual([
      'Total time',
      'Transferred',
      'Dirty syncs',
      'Setup time',
      'Downtime',
      'Guest pause'
    ])
  })

  it('speaks Chinese on the Chinese UI', () => {
    const w = mountTable(
      [detail(1, 'a', 'measured', measured), detail(2, 'a', 'simulated', simulated)],
      'zh-CN'
    )
    expect(w.text()).toContain('预测与实测')
    expect(w.text()).toContain('总时间')
    expect(w.text()).not.toContain('Total time')
  })

  it('is not shown when no measured run has a simulation of the same config', () => {
    const w = mountTable([detail(1, 'a', 'measured', measured), detail(2, 'b', 'simulated', simulated)])
    expect(w.find('[data-testid="compare-predicted"]').exists()).toBe(false)
  })
})
