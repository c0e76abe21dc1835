import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runLab } from './helpers'

// `migration-lab calibrate` on a measured run the suite can always have: a guestperf report of a
// real QEMU migration (imported as a measured run). The fit runs the real engine on its config.
// The measured runs of this machine's QEMU, and the before/after errors they give, are in
// docs/fidelity.md "Calibration".

let home: string
let db: string
const lab = (args: string[]) => runLab(home, [...args, '--db', db])

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'lab-calibrate-'))
  db = join(home, 'history.db')
  const imported = lab(['import', resolve(__dirname, '../fixtures/guestperf/auto-converge-10gbs.json')])
  expect(imported.code).toBe(0)
  writeFileSync(join(home, 'small.json'), JSON.stringify({ name: 'small', guest: { 'memory-mib': 256 } }))
  expect(lab(['run', join(home, 'small.json')]).code).toBe(0)
})
afterAll(() => rmSync(home, { recursive: true, force: true }))

describe('migration-lab calibrate', () => {
  it('fits the host model to a measured run and brings the simulation closer to it', () => {
    const r = lab(['calibrate', '1', '--json', '--max-evaluations', '12'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.evaluations).toBeLessThanOrEqual(12)
    expect(out.loss.after).toBeLessThan(out.loss.before)
    // A whole host section: every field of the default config's, fitted or kept.
    const defaults = JSON.parse(runLab(home, ['defaults']).stdout)
    expect(Object.keys(out.host).sort()).toEqual(Object.keys(defaults.host).sort())
    const setup = (figures: { name: string; error: number }[]) =>
      figures.find((f) => f.name === 'setup time')!
    // guestperf's QEMU took 41 ms to start dirty logging; the default model says 2 ms for 1 GiB.
    expect(Math.abs(setup(out.runs[0].after).error)).toBeLessThan(Math.abs(setup(out.runs[0].before).error))
  })

  it('prints the figures before and after, and the host section to use', () => {
    const r = lab(['calibrate', '1', '--max-evaluations', '4'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Run 1 \(auto-converge-bandwidth-10gbs\), measured completed/)
    expect(r.stdout).toMatch(/setup time\s+41\.0 ms/)
    expect(r.stdout).toMatch(/Host section: \{"host":\{/)
  })

  it('saves a host preset that runs as a config, and never overwrites one without --force', () => {
    const file = join(home, 'host.json')
    expect(lab(['calibrate', '1', '--max-evaluations', '4', '--out', file]).code).toBe(0)
    const preset = JSON.parse(readFileSync(file, 'utf8'))
    expect(preset.name).toBe('host calibrated on run 1')
    expect(lab(['run', file, '--no-db']).code).toBe(0)
    const again = lab(['calibrate', '1', '--max-evaluations', '4', '--out', file])
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/--out: .*host\.json exists; .*--force/)
    expect(lab(['calibrate', '1', '--max-evaluations', '4', '--out', file, '--force']).code).toBe(0)
  })

  it.each([
    [['2'], /run 2: is a simulation; calibrate fits the host model to measured runs/],
    [['99'], /99/],
    [['e1'], /RUN_ID: "e1" is an experiment/],
    [['1', '--max-evaluations', '0'], /--max-evaluations/]
  ])('refuses %j with exit 2 naming the problem', (args, message) => {
    const r = lab(['calibrate', ...args])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stdout).toBe('')
  })

  it('only reads the history', () => {
    const before = JSON.parse(lab(['history', '--json']).stdout).total
    lab(['calibrate', '1', '--max-evaluations', '2'])
    expect(JSON.parse(lab(['history', '--json']).stdout).total).toBe(before)
    expect(existsSync(db)).toBe(true)
  })
})
