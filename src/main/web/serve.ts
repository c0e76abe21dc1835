// Entry point of the web host (out/main/serve.js, run by `npm run serve` and by `npm start` when
// no Electron runtime is available): the lab in a browser, on 127.0.0.1 only.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { version } from '../../../package.json'
import { ENGINE_VERSION } from '../../shared/engine/version'
import { openLabResources } from '../lab/resources'
import { LabService } from '../lab/service'
import { defaultHistoryDbPath, hostPresetsPath, rendererDir } from '../paths'
import { NodeProcessHost } from '../process/node-host'
import { SERVE_USAGE, parseServeArgs } from './args'
import { startWebHost } from './server'

/** How long a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 5000

async function main(argv: readonly string[]): Promise<number> {
  const args = parseServeArgs(argv, process.env)
  if (!args.ok) {
    process.stderr.write(`migration-lab serve: ${args.error.message}\n`)
    return 2
  }
  if (args.value.help) {
    process.stdout.write(SERVE_USAGE + '\n')
    return 0
  }
  const dir = rendererDir()
  if (!existsSync(join(dir, 'index.html'))) {
    process.stderr.write(
      `migration-lab serve: the page is not built (${join(dir, 'index.html')} is missing); run \`npm run build\`.\n`
    )
    return 1
  }

  // Engine runs start worker_threads; every run is recorded in the shared history database.
  const resources = openLabResources({
    processHost: new NodeProcessHost(),
    historyFile: defaultHistoryDbPath(),
    log: (line) => process.stderr.write(line + '\n')
  })
  const service = new LabService({
    appVersion: version,
    engineVersion: ENGINE_VERSION,
    platform: process.platform,
    processHost: resources.processHost,
    hostPresetsFile: hostPresetsPath(),
    ...(resources.history ? { history: resources.history } : {})
  })
  let host
  try {
    host = await startWebHost({
      service,
      rendererDir: dir,
      port: args.value.port,
      log: (line) => process.stderr.write(line + '\n')
    })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why =
      code === 'EADDRINUSE'
        ? `port ${args.value.port} is already in use; choose another with --port (0 = any free port).`
        : code === 'EACCES'
          ? `not allowed to listen on port ${args.value.port}; choose a port above 1023.`
          : e instanceof Error
            ? e.message
            : String(e)
    process.stderr.write(`migration-lab serve: cannot start: ${why}\n`)
    await resources.close()
    return 1
  }
  process.stdout.write(`Migration Lab is serving on ${host.url}\n`)

  const stopped = new Promise<number>((resolveStopped) => {
    let stopping = false
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return
      stopping = true
      process.stderr.write(`migration-lab serve: ${signal}, shutting down…\n`)
      const force = setTimeout(() => {
        process.stderr.write('migration-lab serve: shutdown took too long; exiting.\n')
        resolveStopped(1)
      }, SHUTDOWN_GRACE_MS)
      force.unref()
      // Tell the pages and stop every run (each records how it ended), then kill what is left of
      // the engine, close the history database and the connections.
      void service
        .shutdown()
        .then(async (errors) => {
          for (const error of errors)
            process.stderr.write(`migration-lab serve: while stopping: ${error.message}\n`)
          await resources.close()
          return host.close()
        })
        .then(() => {
          clearTimeout(force)
          resolveStopped(0)
        })
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  return stopped
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(
      `migration-lab serve: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`
    )
    process.exit(1)
  }
)
