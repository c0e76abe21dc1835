import { Command, CommanderError, Option } from 'commander'
import { EXIT_BAD_INPUT, EXIT_OK, exitCodeFor } from './exit-codes'
import { toLabError, withListedProblems, type LabError } from '../../shared/errors'
import { wholeNumber } from './whole-number'
import type { RunCliOptions } from './run'
import type { SweepCliOptions } from './sweep'
import type { ReportCliOptions } from './report'
import type { MeasureCliOptions } from './measure'
import type { CalibrateCliOptions } from './calibrate'

// Each command's module is imported when that command runs, not up front: `--help` and
// `defaults` must not pay for SQLite, the engine host, the report renderer (ECharts) or zod
// (issue 11). The build turns each dynamic import into its own chunk.

/** Parses a whole-number option, or fails with the option's name. */
export function intOption(name: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => wholeNumber(value, name, min, max)
}

/** The message and the listed problems (the rest counted, as the page shows them). */
function printError(error: LabError): void {
  process.stderr.write(`migration-lab: ${error.message}\n`)
  for (const d of withListedProblems(error).details ?? []) process.stderr.write(`  ${d}\n`)
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('migration-lab')
    .description('Migration Lab: simulate QEMU/KVM live migrations in virtual time and keep their history')
    .showHelpAfterError('(run `migration-lab --help` for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })

  const db = (): Option =>
    new Option('--db <file>', 'history database (default: the lab’s database in your user data directory)')
  const collect = (value: string, previous: string[]): string[] => [...previous, value]

  /** The output and history options of the commands that run one migration (run, measure). */
  const oneRunOutput = (command: Command): Command =>
    command
      .option('--json', 'print the query-migrate-shaped result as JSON')
      .option('--full', 'with --json: also print progress samples, throughput series and timeline events')
      .addOption(db())
      .option('--no-db', 'do not record the run in the history')
  /** A command that prints one JSON document and succeeds. */
  const printJson = (value: unknown): void => {
    process.stdout.write(JSON.stringify(value, null, 2) + '\n')
    setExit(EXIT_OK)
  }

  oneRunOutput(
    program
      .command('run')
      .description('run one migration and print its result')
      .argument('<config>', 'config file (JSON; - for standard input)')
      .addOption(
        new Option('--seed <n>', 'random seed (overrides the config)').argParser(
          intOption('--seed', 0, 2 ** 32 - 1)
        )
      )
  ).action(async (config: string, opts: RunCliOptions) =>
    setExit(await (await import('./run')).runCommand(config, opts))
  )

  oneRunOutput(
    program
      .command('measure')
      .description('run the same migration on a real QEMU on this host and record it as a measured run')
      .argument('<config>', 'config file (JSON; - for standard input)')
      .option('--qemu <path>', 'QEMU binary (default: qemu-system-x86_64 on PATH; QEMU 9 or newer)')
      .option('--accel <kvm|tcg>', 'accelerator (default: kvm when /dev/kvm is usable, else tcg)')
      .option('--verify', "compare both guests' RAM page by page after the migration (pmemsave)")
      .addOption(
        new Option(
          '--port <n>',
          "the destination's -incoming port on 127.0.0.1 (default: a free one)"
        ).argParser(intOption('--port', 1, 65535))
      )
  )
    .option('--source-qmp <addr>', "attach mode: an existing source VM's QMP (unix:PATH or HOST:PORT)")
    .option('--dest-qmp <addr>', "attach mode: the destination's QMP (it must wait with -incoming)")
    .option('--dest-uri <uri>', 'attach mode: where the source migrates to (the destination’s -incoming)')
    .option('--yes', 'attach mode: confirm migrating that VM (never done without it)')
    .action(async (config: string, opts: MeasureCliOptions) =>
      setExit(await (await import('./measure')).measureCommand(config, opts))
    )

  program
    .command('calibrate')
    .description('fit the host cost model to measured runs and print it, or save it as a host preset')
    .argument('<run-id...>', 'measured runs (migration-lab measure) of one host')
    .option('--out <file>', 'save the host preset (a config holding only "host") to this file')
    .option('--force', 'replace --out if it exists')
    .addOption(
      new Option('--max-evaluations <n>', 'simulations of the runs the fit may try (default: 120)').argParser(
        intOption('--max-evaluations', 1, 10_000)
      )
    )
    .option('--json', 'print the fitted host model and the figures before and after as JSON')
    .addOption(db())
    .action(async (ids: string[], opts: CalibrateCliOptions) =>
      setExit(await (await import('./calibrate')).calibrateCommand(ids, opts))
    )

  program
    .command('sweep')
    .description('run an experiment: a base config with one or two varied parameters, repeated')
    .argument('<config>', 'base config file (JSON; - for standard input)')
    .requiredOption(
      '--vary <path=values>',
      'a varied parameter: PATH=V1,V2,... or PATH=start..end:step (once or twice)',
      collect,
      []
    )
    .addOption(
      new Option('--repeat <n>', 'runs per point, each with its own seed')
        .default(1)
        .argParser(intOption('--repeat', 1, 1000))
    )
    .addOption(
      new Option('--parallel <n>', 'runs at the same time (default: the number of cores)').argParser(
        intOption('--parallel', 1, 64)
      )
    )
    .option('--name <name>', 'name of the experiment')
    .option(
      '--shard <K/N|auto>',
      'run only shard K of N (1-based, a contiguous block of the runs); auto: from a Kubernetes Indexed Job or a Slurm array (docs/scaling.md)'
    )
    .addOption(
      new Option(
        '--shard-count <n>',
        'with --shard auto: the number of shards (a Kubernetes Job’s completions; default MIGRATION_LAB_SHARD_COUNT)'
      ).argParser(intOption('--shard-count', 1, 100_000))
    )
    .option('--json', 'print the experiment and its runs as JSON')
    .addOption(db())
    .action(async (config: string, opts: SweepCliOptions) =>
      setExit(await (await import('./sweep')).sweepCommand(config, opts))
    )

  program
    .command('history')
    .description('list recorded runs, newest first')
    .option('--json', 'print the page of runs as JSON')
    .addOption(
      new Option('--limit <n>', 'runs per page').default(20).argParser(intOption('--limit', 1, 1000))
    )
    .addOption(new Option('--offset <n>', 'skip this many runs').default(0).argParser(intOption('--offset')))
    .option(
      '--filter <term>',
      'status=…, tag=…, text=…, source=simulated|measured, experiment=ID, starred, or CONFIG.PATH<op>VALUE (repeatable)',
      collect,
      []
    )
    .option(
      '--sort <key[:dir]>',
      'started, downtime, guest-pause, total-time, transferred or syncs; :asc or :desc'
    )
    .addOption(db())
    .action(async (opts) => setExit(await (await import('./history')).historyCommand(opts)))

  program
    .command('show')
    .description('show one recorded run: its result and one line per dirty sync')
    .argument('<run-id>')
    .option('--json', 'print the run, its config, result and telemetry (downsampled) as JSON')
    .addOption(db())
    .action(async (id: string, opts) => setExit(await (await import('./history')).showCommand(id, opts)))

  program
    .command('delete')
    .description('delete runs (asks first; `restore` brings them back)')
    .argument('<run-id...>')
    .option('--yes', 'do not ask')
    .addOption(db())
    .action(async (ids: string[], opts) =>
      setExit(await (await import('./history')).deleteCommand(ids, opts))
    )

  program
    .command('restore')
    .description('bring deleted runs back')
    .argument('<run-id...>')
    .addOption(db())
    .action(async (ids: string[], opts) =>
      setExit(await (await import('./history')).restoreCommand(ids, opts))
    )

  program
    .command('export')
    .description('export a run (12) or an experiment (e12) as JSON that `import` reads back')
    .argument('<id>')
    .requiredOption('--out <file>', 'where to write it (never overwritten without --force)')
    .option('--force', 'replace --out if it exists')
    .addOption(db())
    .action(async (id: string, opts) => setExit(await (await import('./history')).exportCommand(id, opts)))

  program
    .command('import')
    .description('import a Migration Lab export or a QEMU guestperf report (as a measured run)')
    .argument('<file>', 'JSON file (- for standard input)')
    .addOption(db())
    .action(async (file: string, opts) =>
      setExit(await (await import('./history')).importCommand(file, opts))
    )

  program
    .command('report')
    .description(
      'write a report of a run (12), a comparison (12 15 17) or an experiment (e3): html, pdf, csv, json, qmp or hmp'
    )
    .argument('<id...>', 'run ids and/or experiment ids (e3)')
    .addOption(
      new Option(
        '--format <format>',
        'html, pdf, csv (three tables), json (re-importable), qmp or hmp (QEMU commands of one run)'
      ).default('html')
    )
    .requiredOption(
      '--out <path>',
      'file to write (csv: a folder or a file prefix); never overwritten without --force'
    )
    .option('--force', 'replace existing files')
    .addOption(new Option('--lang <lang>', 'language of an html or pdf report: en or zh-CN').default('en'))
    .addOption(db())
    .action(async (ids: string[], opts: ReportCliOptions) =>
      setExit(await (await import('./report')).reportCommand(ids, opts))
    )

  program
    .command('schema')
    .description('print the JSON Schema of the config')
    .action(async () => printJson((await import('../../shared/config')).configJsonSchema()))

  program
    .command('defaults')
    .description('print the default config (QEMU’s defaults), a starting point for your own')
    .action(async () => printJson((await import('../../shared/config')).defaultConfig()))

  return program
}

/** Entry point of `npx migration-lab`: returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = EXIT_OK
  const program = buildProgram((code) => (exitCode = code))
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return exitCode
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end with exitCode 0; usage errors are bad input.
      return e.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT
    }
    const error = toLabError(e)
    printError(error)
    return exitCodeFor(error)
  }
}
