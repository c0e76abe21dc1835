import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LAB_BIN } from './helpers'

// The command line loads only what a command needs (issue 11): `--help`, `defaults` and
// `schema` start without opening SQLite, ECharts, the WebSocket library or the engine; the
// start-up time itself is measured by `npm run bench` (cli-help). This records every module the
// real CLI process resolves, through a Node loader hook.
const home = mkdtempSync(join(tmpdir(), 'lab-lazy-'))
afterAll(() => rmSync(home, { recursive: true, force: true }))

function importsOf(args: string[]): { code: number | null; modules: string[] } {
  const record = join(home, `${args.join('_').replace(/\W/g, '')}.txt`)
  const r = spawnSync(
    process.execPath,
    ['--import', resolve(__dirname, 'fixtures/record-imports.mjs'), LAB_BIN, ...args],
    { env: { ...process.env, MIGRATION_LAB_HOME: home, LAB_RECORD_IMPORTS: record }, encoding: 'utf8' }
  )
  let modules: string[] = []
  try {
    modules = readFileSync(record, 'utf8').split('\n').filter(Boolean)
  } catch {
    // nothing recorded
  }
  return { code: r.status, modules }
}

const heavy = (modules: string[], name: string) => modules.filter((m) => m.includes(`/node_modules/${name}/`))
const engine = (modules: string[]) => modules.filter((m) => /engine-worker|simulator|\/report-/.test(m))

describe('the command line loads what a command needs', () => {
  it('--help loads neither SQLite, ECharts, zod, ws nor the engine', () => {
    const { code, modules } = importsOf(['--help'])
    expect(code).toBe(0)
    expect(modules.some((m) => m.endsWith('/out/main/cli.js'))).toBe(true)
    for (const name of ['better-sqlite3', 'echarts', 'zrender', 'zod', 'ws'])
      expect(heavy(modules, name), name).toEqual([])
    expect(engine(modules)).toEqual([])
  })

  it('defaults and schema need the config schema (zod) but no database and no charts', () => {
    for (const command of ['defaults', 'schema']) {
      const { code, modules } = importsOf([command])
      expect(code, command).toBe(0)
      expect(heavy(modules, 'zod').length, command).toBeGreaterThan(0)
      for (const name of ['better-sqlite3', 'echarts', 'ws'])
        expect(heavy(modules, name), `${command}: ${name}`).toEqual([])
    }
  })

  it('history opens SQLite and still no charts', () => {
    const { code, modules } = importsOf(['history', '--db', join(home, 'h.db')])
    expect(code).toBe(0)
    expect(heavy(modules, 'better-sqlite3').length).toBeGreaterThan(0)
    expect(heavy(modules, 'echarts')).toEqual([])
  })
})
