import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const LAB_BIN = resolve(__dirname, '../../bin/migration-lab.mjs')

export interface CliOutcome {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `migration-lab ARGS` to completion with MIGRATION_LAB_HOME=home. */
export function runLab(home: string, args: readonly string[]): CliOutcome {
  const r = spawnSync(process.execPath, [LAB_BIN, ...args], {
    env: { ...process.env, MIGRATION_LAB_HOME: home },
    encoding: 'utf8',
    timeout: 60_000
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Writes `text` as home/NAME and runs it with `run --no-db --json`. */
export function runConfigText(home: string, name: string, text: string): CliOutcome {
  const file = join(home, name)
  writeFileSync(file, text)
  return runLab(home, ['run', file, '--no-db', '--json'])
}
