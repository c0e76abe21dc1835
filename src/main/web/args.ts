import { labError, type LabError } from '../../shared/errors'

/** Options of the web host entry (`npm run serve -- --port 8080`). */
export interface ServeArgs {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  readonly port: number
  readonly help: boolean
}

export const SERVE_USAGE = `Usage: npm run serve -- [--port N]

Serves Migration Lab on http://127.0.0.1:N/ (loopback only) for a web browser.
  --port N    TCP port (0 = any free port). Default: $PORT, else 0.
  --help      Show this help.`

function parsePort(text: string, from: string): number | LabError {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    return labError('Validation', `${from}: expected a port number from 0 to 65535, got "${text}".`)
  }
  return Number(text)
}

/** Reads `--port N`, `--port=N` or `$PORT`. Unknown flags are errors, so a typo is not ignored. */
export function parseServeArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>
): { ok: true; value: ServeArgs } | { ok: false; error: LabError } {
  let port: number | undefined
  let help = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--help' || arg === '-h') {
      help = true
    } else if (arg === '--port' || arg.startsWith('--port=')) {
      const value = arg === '--port' ? argv[++i] : arg.slice('--port='.length)
      if (value === undefined)
        return { ok: false, error: labError('Validation', '--port: expected a port number.') }
      const parsed = parsePort(value, '--port')
      if (typeof parsed !== 'number') return { ok: false, error: parsed }
      port = parsed
    } else {
      return { ok: false, error: labError('Validation', `Unknown argument "${arg}".\n${SERVE_USAGE}`) }
    }
  }
  if (port === undefined && env.PORT !== undefined && env.PORT !== '') {
    const parsed = parsePort(env.PORT, 'PORT')
    if (typeof parsed !== 'number') return { ok: false, error: parsed }
    port = parsed
  }
  return { ok: true, value: { port: port ?? 0, help } }
}
