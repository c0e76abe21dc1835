import { spawn } from 'node:child_process'
import { mkdtempSync, openSync, readSync, closeSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultConfig as parseDefaultConfig, type LabConfig } from '../../shared/config'
import { layoutGuest } from '../../shared/engine/workload'
import { LabFailure, labError, toLabError } from '../../shared/errors'
import {
  guestperfProgressSample,
  guestperfToMeasuredRun,
  type GuestperfProgress,
  type GuestperfReport,
  type MeasuredRun
} from '../../shared/guestperf'
import type { TelemetryBatch } from '../../shared/protocol/migration'
import type { MigrationResult, RamStats, VcpuThroughputSeries } from '../../shared/result'
import { appRoot } from '../paths'
import { QmpClient, describeQmpAddress, qemuVersionText, type QmpAddress, type QmpEvent } from './qmp'
import {
  freeLoopbackPort,
  kvmUsable,
  qemuBinaryVersion,
  resolveQemuBinary,
  startQemu,
  type QemuProcess
} from './qemu'

/**
 * A measured run (docs/measured-runs.md): the config's guest and migration on a real QEMU on
 * this host, source and destination on loopback, driven over QMP the way guestperf drives them
 * (tests/migration-stress/guestperf/engine.py `_migrate`): capabilities and parameters set on
 * both sides, `migrate`, `query-migrate` every 100 ms, the lab's policy applied by the driver.
 */
export interface MeasureOptions {
  /** QEMU binary; default `qemu-system-x86_64` on PATH. */
  readonly qemu?: string
  /** Default: kvm when /dev/kvm is usable, else tcg. */
  readonly accel?: 'kvm' | 'tcg'
  /** Compare both sides' guest RAM page by page after completion (destination started with -S). */
  readonly verify?: boolean
  /** The destination's `-incoming tcp:127.0.0.1:PORT` port; default: one that is free. */
  readonly port?: number
  readonly signal?: AbortSignal
  /**
   * Progress for a person: `phase` lines (guest build, boot, each new migration state) and, for
   * a live status line, a `status` line after every query-migrate.
   */
  readonly onProgress?: (line: string, kind: 'phase' | 'status') => void
  /**
   * Live telemetry for a page (the LabApi's `measure.telemetry`): after every query-migrate, its
   * snapshot as a progress sample at ms since `migrate`, and the migration's state changes on the
   * timeline. The recorded run's telemetry is the whole mapping of toMeasuredRun, not these.
   */
  readonly onTelemetry?: (batch: TelemetryBatch) => void
  /** Where the guest is built and cached (default: <user data dir>/guest). */
  readonly guestDir?: string
}

/** The snapshot interval: guestperf polls query-migrate every 100 ms too (engine.py). */
export const POLL_INTERVAL_MS = 100
/** The workload reports its write rate this often (guest/workload.c). */
const REPORT_INTERVAL_MS = 100
const GUEST_PAGE_SIZE = 4096
const MAX_GUEST_THREADS = 64
/** Non-zero MiB an idle guest holds by itself (kernel, initrd, page cache): 22,351 pages measured
 * on the 6.1 kernel under QEMU 10.0.2 (docs/measured-runs.md). */
const GUEST_BASE_MIB = 88
/** MiB the fill leaves to the guest kernel. */
const GUEST_HEADROOM_MIB = 96

interface GuestFiles {
  dir: string
  kernel: string
  initrd: string
  kernelVersion: string
}

/** Runs scripts/build-guest.mjs with `args`; stderr lines go to `onLine` as they come. */
async function guestScript(
  args: readonly string[],
  guestDir: string | undefined,
  onLine?: (line: string) => void
): Promise<{ code: number | null; out: string; err: string }> {
  const script = join(appRoot(), 'scripts', 'build-guest.mjs')
  const child = spawn(process.execPath, [script, ...args, ...(guestDir ? ['--out', guestDir] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // In the desktop app process.execPath is Electron's binary: run it as plain Node.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }
  })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d
    for (const line of d.split('\n')) if (line.trim()) onLine?.(line.trim())
  })
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', resolve)
    child.once('error', (e) => {
      err += e.message
      resolve(null)
    })
  })
  return { code, out, err }
}

/** The cached guest: where it is, whether it is current, and what building it would lack. */
export interface GuestStatus {
  readonly dir: string
  readonly current: boolean
  readonly missing: readonly string[]
}

/** Checks the guest cache without building anything (`build-guest.mjs --check`). */
export async function guestStatus(guestDir?: string): Promise<GuestStatus> {
  const { code, out, err } = await guestScript(['--check'], guestDir)
  if (code !== 0)
    throw new LabFailure(
      labError('Internal', `the measured-run guest could not be checked: ${err.trim() || `exit ${code}`}`)
    )
  return JSON.parse(out) as GuestStatus
}

/** Builds (or finds cached) the tiny guest with scripts/build-guest.mjs; progress lines pass through. */
export async function ensureGuest(
  opts: Pick<MeasureOptions, 'guestDir' | 'onProgress'>
): Promise<GuestFiles> {
  const { code, out, err } = await guestScript([], opts.guestDir, (line) => opts.onProgress?.(line, 'phase'))
  if (code !== 0) {
    const message = err.trim().split('\n').pop() ?? 'failed'
    throw new LabFailure(
      labError(code === 2 ? 'NotFound' : 'Internal', `the measured-run guest could not be built: ${message}`)
    )
  }
  const manifest = JSON.parse(out) as { dir: string; kernel: string; initrd: string; kernelVersion: string }
  return {
    dir: manifest.dir,
    kernel: join(manifest.dir, manifest.kernel),
    initrd: join(manifest.dir, manifest.initrd),
    kernelVersion: manifest.kernelVersion
  }
}

/**
 * The workload generator's kernel arguments, one `mlw=` per vCPU that writes, from the same
 * layout the engine uses (src/shared/engine/workload.ts layoutGuest): pattern, MiB/s, where its
 * working set starts in the generator's buffer, its size, the hot set and the hot fraction.
 */
export function workloadKernelArgs(config: LabConfig): string[] {
  const layout = layoutGuest(config.guest)
  const mib = (pages: number): number => Math.round(((pages * layout.pageSize) / 2 ** 20) * 1000) / 1000
  // Untouched guest RAM is zero pages; the config's non-zero memory is made non-zero first. The
  // idle guest's kernel and page cache already hold about GUEST_BASE_MIB of it, and the fill
  // leaves GUEST_HEADROOM_MIB free so the guest kernel does not run out of memory.
  const fillMib = Math.max(
    0,
    Math.min(mib(layout.nonZeroPages) - GUEST_BASE_MIB, config.guest['memory-mib'] - GUEST_HEADROOM_MIB)
  )
  return [
    `mlfill=${Math.floor(fillMib)}`,
    ...layout.vcpus.map((plan) => {
      if (plan.pattern === 'idle' || plan.writesPerSecond === 0) return 'mlw=idle:0:0:1:0:0'
      const rateMibps = (plan.writesPerSecond * layout.pageSize) / 2 ** 20
      return `mlw=${plan.pattern}:${rateMibps}:${mib(plan.regionStartPage)}:${mib(plan.regionPages)}:${mib(plan.hotPages)}:${plan.hotFraction}`
    })
  ]
}

/** Why a config cannot be measured on this guest, as `path: message` problems. */
export function measureProblems(config: LabConfig): string[] {
  const problems: string[] = []
  if (config.guest['page-size'] !== GUEST_PAGE_SIZE)
    problems.push(
      `guest.page-size: the measured guest is x86_64, whose target page is ${GUEST_PAGE_SIZE} bytes`
    )
  if (config.guest.vcpus > MAX_GUEST_THREADS)
    problems.push(`guest.vcpus: the measured guest runs at most ${MAX_GUEST_THREADS} workload threads`)
  if (config.guest['memory-mib'] < 128)
    problems.push('guest.memory-mib: the measured guest needs at least 128 MiB (its kernel and the workload)')
  return problems
}

/** migrate-set-capabilities: the config's capabilities by QEMU's names, plus `events`. */
function capabilityList(config: LabConfig): { capability: string; state: boolean }[] {
  const caps = config.migration.capabilities as Record<string, boolean>
  return [
    // MIGRATION and MIGRATION_PASS events are sent only with `events` (migrate_events()).
    { capability: 'events', state: true },
    ...Object.entries(caps).map(([capability, state]) => ({ capability, state })),
    // The destination's blocked time is kept only with postcopy-blocktime (postcopy-ram.c
    // blocktime_context_new); the lab's results always carry it after a switch.
    ...(caps['postcopy-ram'] ? [{ capability: 'postcopy-blocktime', state: true }] : [])
  ]
}

/**
 * migrate-set-parameters: every config parameter QEMU has, by QEMU's name. The lab's host cost
 * model lives in `host`, not here, so everything in `migration.parameters` is a QEMU parameter.
 */
function parameterMap(config: LabConfig): Record<string, unknown> {
  const p = { ...(config.migration.parameters as Record<string, unknown>) }
  const caps = config.migration.capabilities
  // Parameters that only mean something with their capability are left at QEMU's defaults
  // otherwise, so a QEMU build without the feature still accepts the rest.
  if (!caps.xbzrle) delete p['xbzrle-cache-size']
  if (!caps.multifd) {
    delete p['multifd-channels']
    delete p['multifd-compression']
  }
  if (!caps['dirty-limit']) {
    delete p['x-vcpu-dirty-limit-period']
    delete p['vcpu-dirty-limit']
  }
  if (!caps['postcopy-ram']) delete p['max-postcopy-bandwidth']
  return p
}

interface Snapshot {
  readonly atMs: number
  readonly info: QueryMigrate
}

interface QueryMigrate {
  status: string
  'total-time'?: number
  'setup-time'?: number
  downtime?: number
  'expected-downtime'?: number
  'cpu-throttle-percentage'?: number
  'dirty-limit-throttle-time-per-round'?: number
  'dirty-limit-ring-full-time'?: number
  'error-desc'?: string
  ram?: Partial<RamStats> & { 'postcopy-requests'?: number }
  'xbzrle-cache'?: MigrationResult['xbzrle-cache']
}

interface WorkloadReport {
  readonly atMs: number
  readonly pages: number
  readonly mibps: number
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Runs the measured migration; QEMU processes never outlive this call. */
export async function measureMigration(config: LabConfig, opts: MeasureOptions = {}): Promise<MeasuredRun> {
  if (opts.accel !== undefined || !kvmUsable())
    return measureOnce(config, opts, opts.accel ?? 'tcg', BOOT_TIMEOUT_MS)
  // No accelerator asked for and /dev/kvm opens: KVM, unless the guest does not boot under it.
  // A nested KVM can open fine and still not run the guest kernel (seen on the development
  // machine: the boot stalls after "Probing EDD", or QEMU aborts in kvm_buf_set_msrs with
  // `-cpu host`); a KVM boot takes a second or two, so a guest silent for KVM_BOOT_TIMEOUT_MS
  // means TCG, said on the progress line and recorded as the run's accel.
  try {
    return await measureOnce(config, opts, 'kvm', KVM_BOOT_TIMEOUT_MS)
  } catch (e) {
    if (!(e instanceof GuestBootFailure) || opts.signal?.aborted) throw e
    opts.onProgress?.(
      `measure: the guest did not boot under KVM (${e.message}); measuring under TCG instead (--accel tcg to skip the attempt)`,
      'phase'
    )
    return measureOnce(config, opts, 'tcg', BOOT_TIMEOUT_MS)
  }
}

/** How long a guest may take to start its workload (TCG on a busy 2-core host: ~5 s). */
const BOOT_TIMEOUT_MS = 90_000
/** The same when KVM was chosen by default: a KVM boot takes 1–2 s. */
const KVM_BOOT_TIMEOUT_MS = 20_000

/** The guest never reached its workload: QEMU died or stayed silent before migration began. */
class GuestBootFailure extends LabFailure {}

async function measureOnce(
  config: LabConfig,
  opts: MeasureOptions,
  accel: 'kvm' | 'tcg',
  bootTimeoutMs: number
): Promise<MeasuredRun> {
  const problems = measureProblems(config)
  if (problems.length > 0)
    throw new LabFailure(
      labError('Validation', `This config cannot be measured on the lab's guest.`, problems)
    )
  const progress = (line: string, kind: 'phase' | 'status' = 'phase'): void => opts.onProgress?.(line, kind)
  const binary = resolveQemuBinary(opts.qemu)
  const binaryVersion = qemuBinaryVersion(binary)
  if (accel === 'kvm' && !kvmUsable())
    throw new LabFailure(
      labError('Validation', '--accel kvm: /dev/kvm is missing or not usable by this user')
    )
  const guest = await ensureGuest(opts)
  // Cancelled while the guest was built: no QEMU is started.
  if (opts.signal?.aborted)
    throw new LabFailure(labError('Cancelled', 'cancelled before the migration started'))
  const work = mkdtempSync(join(tmpdir(), 'migration-lab-measure-'))
  const processes: QemuProcess[] = []
  const clients: QmpClient[] = []
  const sourceReports: WorkloadReport[] = []
  const destReports: WorkloadReport[] = []
  const events: { side: string; event: QmpEvent }[] = []
  /** Which QEMU died during the measurement, and how (set by the exit watchers below). */
  let died: string | undefined
  try {
    const port = opts.port ?? (await freeLoopbackPort())
    const ringSize = config.guest['dirty-ring-size']
    const accelArg = accel === 'kvm' && ringSize > 0 ? `kvm,dirty-ring-size=${ringSize}` : accel
    const append = ['console=ttyS0', 'quiet', 'panic=-1', ...workloadKernelArgs(config)].join(' ')
    const common = (qmp: string): string[] => [
      '-accel',
      accelArg,
      '-machine',
      'pc',
      '-m',
      String(config.guest['memory-mib']),
      '-smp',
      String(config.guest.vcpus),
      '-nodefaults',
      '-display',
      'none',
      '-vga',
      'none',
      '-no-reboot',
      '-serial',
      'stdio',
      '-monitor',
      'none',
      '-qmp',
      `unix:${qmp},server=on,wait=off`,
      '-kernel',
      guest.kernel,
      '-initrd',
      guest.initrd,
      '-append',
      append
    ]
    const reportLine = /^ML t=\d+ pages=(\d+) mibps=([\d.]+)/
    const collect = (into: WorkloadReport[]) => (line: string, atMs: number) => {
      const m = reportLine.exec(line)
      if (m) into.push({ atMs, pages: Number(m[1]), mibps: Number(m[2]) })
    }

    progress(
      `measure: starting the destination QEMU ${binaryVersion} (${accel}) listening on 127.0.0.1:${port}`
    )
    // QEMU refuses the multifd and postcopy-preempt capabilities once incoming started ("Multifd
    // must be set before incoming starts", "Postcopy preempt must be set before incoming starts",
    // migration/options.c migrate_caps_check): with either, the destination waits (-incoming
    // defer) and listens after its capabilities are set (migrate-incoming).
    const deferIncoming =
      config.migration.capabilities.multifd || config.migration.capabilities['postcopy-preempt']
    const dest = startQemu({
      name: 'destination QEMU',
      binary,
      args: [
        ...common(join(work, 'dst.qmp')),
        '-incoming',
        deferIncoming ? 'defer' : `tcp:127.0.0.1:${port}`,
        ...(opts.verify ? ['-S'] : [])
      ],
      onSerialLine: collect(destReports)
    })
    processes.push(dest)
    const dst = await connectOrExplain(dest, join(work, 'dst.qmp'))
    clients.push(dst)
    progress('measure: booting the source guest')
    const src = startQemu({
      name: 'source QEMU',
      binary,
      args: common(join(work, 'src.qmp')),
      onSerialLine: collect(sourceReports)
    })
    processes.push(src)
    const srcQmp = await connectOrExplain(src, join(work, 'src.qmp'))
    clients.push(srcQmp)
    srcQmp.onEvent((event) => events.push({ side: 'source', event }))
    dst.onEvent((event) => events.push({ side: 'destination', event }))
    // A QEMU that exits before we are done is a failure, whatever step we are in.
    for (const p of processes)
      void p.exited.then(async (code) => {
        // A source that dies takes the destination with it ("load of migration failed" as the
        // stream breaks off), and the two exits can reach us in either order: give the source a
        // moment, so the message names the QEMU that died first, not its casualty.
        if (p === dest) await Promise.race([src.exited, sleep(500)])
        died ??= `${p.name} (pid ${p.pid}) exited (${code}) during the measurement${p.stderrTail() ? `: ${p.stderrTail()}` : ''}`
      })
    const checkAlive = (): void => {
      if (died) throw new LabFailure(labError('QemuFailed', died))
    }

    const { snapshots, cancelReason, readBack, startedAtMs, destinationInfo } = await migrateAndPoll({
      config,
      src: srcQmp,
      dst,
      uri: `tcp:127.0.0.1:${port}`,
      ...(deferIncoming ? { listenUri: `tcp:127.0.0.1:${port}` } : {}),
      qemuVersion: binaryVersion,
      opts,
      progress,
      checkAlive,
      waitUntilReady: async () => {
        // Wait until the workload has written for a while: 5 reports after "ready" (half a second).
        const bootDeadline = Date.now() + bootTimeoutMs
        while (sourceReports.length < 5) {
          if (died) throw new GuestBootFailure(labError('QemuFailed', died))
          if (opts.signal?.aborted)
            throw new LabFailure(labError('Cancelled', 'cancelled before the migration started'))
          if (Date.now() > bootDeadline)
            throw new GuestBootFailure(
              labError(
                'QemuFailed',
                `the source guest did not start its workload within ${bootTimeoutMs / 1000} s under ${accel.toUpperCase()}`
              )
            )
          await sleep(50)
        }
      }
    })
    const final = snapshots[snapshots.length - 1].info
    const completedSeenAtMs = snapshots[snapshots.length - 1].atMs

    let verification:
      | { verified: boolean; mismatchedPages: number; comparedPages: number; firstMismatch?: string }
      | undefined
    let verifyMs = 0
    if (opts.verify && final.status === 'completed') {
      progress('measure: comparing guest memory page by page')
      const t0 = Date.now()
      // The destination was started with -S: after the incoming migration it stays paused.
      for (let i = 0; ; i++) {
        const status = await dst.execute<{ status: string }>('query-status')
        if (status.status === 'paused' || status.status === 'prelaunch') break
        if (i > 100)
          throw new LabFailure(
            labError('QemuFailed', `the destination did not stop after migrating (state ${status.status})`)
          )
        await sleep(50)
      }
      verification = await compareGuestRam(srcQmp, dst, config.guest['memory-mib'], work)
      await dst.execute('cont')
      verifyMs = Date.now() - t0
    }
    // The guest-visible pause, from the host arrival of the workload's reports: the last one
    // on the source serial and the first on the destination's (±one report interval).
    let guestPauseMs: number | undefined
    if (final.status === 'completed') {
      const waitUntil = Date.now() + 5000
      while (destReports.length < 2 && Date.now() < waitUntil) await sleep(20)
      const lastSource = sourceReports[sourceReports.length - 1]
      const firstDest = destReports[0]
      if (lastSource && firstDest)
        guestPauseMs = Math.max(0, firstDest.atMs - lastSource.atMs - REPORT_INTERVAL_MS - verifyMs)
    }
    const endedAtMs = Date.now()
    return toMeasuredRun({
      config,
      snapshots,
      sourceReports,
      destReports,
      events,
      startedAtMs,
      endedAtMs,
      completedSeenAtMs,
      qemuVersion: qemuVersionText(srcQmp.greeting) || binaryVersion,
      binary,
      accel,
      kernelVersion: guest.kernelVersion,
      cancelReason,
      verification,
      guestPauseMs,
      readBack,
      destinationInfo
    })
  } catch (e) {
    // A QMP command fails at once when its QEMU dies ("read ECONNRESET"); the exit itself reaches
    // us a moment later. Wait for it, so the error names the QEMU that died and how.
    if (processes.length > 0 && !died && !(e instanceof LabFailure && e.error.kind !== 'QemuFailed')) {
      await Promise.race([Promise.any(processes.map((p) => p.exited)), sleep(1500)])
      // The destination's watcher gives the source half a second to be named first.
      for (
        let i = 0;
        i < 12 && !died && processes.some((p) => p.child.exitCode !== null || p.child.signalCode !== null);
        i++
      )
        await sleep(50)
    }
    if (died && !(e instanceof LabFailure && e.error.kind === 'Cancelled'))
      throw new LabFailure(labError('QemuFailed', died))
    throw e instanceof LabFailure ? e : new LabFailure(toLabError(e, 'QemuFailed'))
  } finally {
    for (const c of clients) {
      await c.execute('quit', undefined, 1000).catch(() => undefined)
      c.close()
    }
    await Promise.all(processes.map((p) => p.stop()))
    rmSync(work, { recursive: true, force: true })
  }
}

/** Attach mode: an existing source and destination (the user's own VMs), reached over QMP. */
export interface AttachOptions {
  readonly sourceQmp: QmpAddress
  readonly destQmp: QmpAddress
  /** The `migrate` URI the source sends to (the destination's `-incoming`). */
  readonly destUri: string
  readonly signal?: AbortSignal
  readonly onProgress?: MeasureOptions['onProgress']
}

/** Migration states in which a new `migrate` would be refused (an earlier one is still running). */
const MIGRATION_IN_PROGRESS = new Set([
  'setup',
  'active',
  'pre-switchover',
  'device',
  'postcopy-active',
  'postcopy-paused',
  'postcopy-recover',
  'cancelling',
  'wait-unplug'
])

/**
 * Measures a migration between an existing pair of QEMUs (`measure --source-qmp … --dest-qmp …
 * --dest-uri … --yes`; the command line insists on --yes). Before anything is changed it checks
 * the pair — the source runs and migrates nothing, the destination waits for an incoming
 * migration, the source VM has the config's memory and vCPUs — and reads their migration
 * parameters and capabilities back, which the run's notes keep. Then the same driver as for the
 * lab's own QEMUs sets the config's capabilities and parameters, migrates and applies the policy.
 * The VMs are never stopped or quit: they are the user's. There is no workload report from a
 * guest the lab did not build, so the guest's write rate and pause are not measured.
 */
export async function measureAttached(config: LabConfig, opts: AttachOptions): Promise<MeasuredRun> {
  const progress = (line: string, kind: 'phase' | 'status' = 'phase'): void => opts.onProgress?.(line, kind)
  const clients: QmpClient[] = []
  const events: { side: string; event: QmpEvent }[] = []
  const connectTo = async (address: QmpAddress, flag: string, side: string): Promise<QmpClient> => {
    try {
      const client = await QmpClient.connect(address, `${side} QMP`, 5000)
      clients.push(client)
      client.onEvent((event) => events.push({ side, event }))
      return client
    } catch (e) {
      throw new LabFailure(
        labError('Validation', `${flag}: cannot reach a QMP server at ${describeQmpAddress(address)}`, [
          toLabError(e).message
        ])
      )
    }
  }
  try {
    const src = await connectTo(opts.sourceQmp, '--source-qmp', 'source')
    const dst = await connectTo(opts.destQmp, '--dest-qmp', 'destination')
    const qemuVersion = qemuVersionText(src.greeting) || 'unknown'
    const problems: string[] = []
    const srcState = (await src.execute<{ status: string }>('query-status')).status
    if (srcState !== 'running') problems.push(`--source-qmp: the source VM is ${srcState}, not running`)
    const srcMigration = (await src.execute<{ status?: string }>('query-migrate')).status
    if (srcMigration && MIGRATION_IN_PROGRESS.has(srcMigration))
      problems.push(`--source-qmp: a migration is already ${srcMigration} on the source`)
    const dstState = (await dst.execute<{ status: string }>('query-status')).status
    if (dstState !== 'inmigrate')
      problems.push(
        `--dest-qmp: the destination is ${dstState}, not waiting for an incoming migration (start it with -incoming)`
      )
    const memory = await src.execute<{ 'base-memory': number }>('query-memory-size-summary')
    const vmMib = memory['base-memory'] / 2 ** 20
    if (vmMib !== config.guest['memory-mib'])
      problems.push(
        `guest.memory-mib: ${config.guest['memory-mib']}, but the source VM has ${vmMib} MiB; the config must describe the VM`
      )
    const vcpus = (await src.execute<unknown[]>('query-cpus-fast')).length
    if (vcpus !== config.guest.vcpus)
      problems.push(`guest.vcpus: ${config.guest.vcpus}, but the source VM has ${vcpus} vCPUs`)
    if (problems.length > 0)
      throw new LabFailure(labError('Validation', 'The attached pair cannot be measured as it is.', problems))
    const before = await src.execute<Record<string, unknown>>('query-migrate-parameters')
    const capsBefore = await src.execute<{ capability: string; state: boolean }[]>(
      'query-migrate-capabilities'
    )
    const kvm = await src.execute<{ enabled: boolean }>('query-kvm')
    const accel = kvm.enabled ? 'kvm' : 'tcg'
    progress(
      `measure: attached to QEMU ${qemuVersion} (${accel}) at ${describeQmpAddress(opts.sourceQmp)}, destination ${describeQmpAddress(opts.destQmp)}; migrating to ${opts.destUri}`
    )
    const { snapshots, cancelReason, readBack, startedAtMs, destinationInfo } = await migrateAndPoll({
      config,
      src,
      dst,
      uri: opts.destUri,
      qemuVersion,
      opts,
      progress,
      checkAlive: () => undefined,
      waitUntilReady: async () => undefined
    })
    const last = snapshots[snapshots.length - 1]
    return toMeasuredRun({
      config,
      snapshots,
      sourceReports: [],
      destReports: [],
      events,
      startedAtMs,
      endedAtMs: Date.now(),
      completedSeenAtMs: last.atMs,
      qemuVersion,
      binary: 'attached',
      accel,
      kernelVersion: '',
      cancelReason,
      verification: undefined,
      guestPauseMs: undefined,
      readBack,
      destinationInfo,
      attached: {
        source: describeQmpAddress(opts.sourceQmp),
        destination: describeQmpAddress(opts.destQmp),
        uri: opts.destUri,
        parametersBefore: before,
        capabilitiesBefore: capsBefore.filter((c) => c.state).map((c) => c.capability)
      }
    })
  } catch (e) {
    throw e instanceof LabFailure ? e : new LabFailure(toLabError(e, 'QemuFailed'))
  } finally {
    for (const c of clients) c.close()
  }
}

interface MigrateContext {
  readonly config: LabConfig
  readonly src: QmpClient
  readonly dst: QmpClient
  /** Where the source sends the stream (`migrate` uri). */
  readonly uri: string
  /** A destination started with `-incoming defer`: migrate-incoming on this URI once set up. */
  readonly listenUri?: string
  readonly qemuVersion: string
  readonly opts: Pick<MeasureOptions, 'signal' | 'onTelemetry'>
  readonly progress: (line: string, kind?: 'phase' | 'status') => void
  /** Throws when a QEMU died (the lab's own QEMUs; attached ones are the user's). */
  readonly checkAlive: () => void
  /** Resolves when the guest is ready to be migrated (the lab's guest: its workload runs). */
  readonly waitUntilReady: () => Promise<void>
}

/**
 * The part of a measurement that is the same for the lab's own QEMUs and for an attached pair:
 * set the config's capabilities and parameters on both sides and read them back, `migrate`, then
 * poll `query-migrate` every POLL_INTERVAL_MS and apply the lab's policy until the migration ends.
 */
async function migrateAndPoll(ctx: MigrateContext): Promise<{
  snapshots: Snapshot[]
  cancelReason: string | undefined
  readBack: Record<string, unknown>
  startedAtMs: number
  /** The destination's query-migrate after a switch to postcopy (its blocktime figures). */
  destinationInfo: DestinationPostcopyInfo | undefined
}> {
  const { config, src: srcQmp, dst, opts, progress, checkAlive } = ctx
  const binaryVersion = ctx.qemuVersion
  // Capabilities this QEMU does not have (switchover-ack and dirty-limit are 8.1's) are left
  // out when off, and refused when on.
  const knownCaps = new Set(
    (await srcQmp.execute<{ capability: string }[]>('query-migrate-capabilities')).map((c) => c.capability)
  )
  const wanted = capabilityList(config)
  const missingCaps = wanted.filter((c) => c.state && !knownCaps.has(c.capability))
  if (missingCaps.length > 0)
    throw new LabFailure(
      labError(
        'Validation',
        `QEMU ${binaryVersion} has no such migration capability`,
        missingCaps.map(
          (c) => `migration.capabilities.${c.capability}: not a capability of QEMU ${binaryVersion}`
        )
      )
    )
  const caps = wanted.filter((c) => knownCaps.has(c.capability))
  for (const side of [srcQmp, dst]) await side.execute('migrate-set-capabilities', { capabilities: caps })
  // An older QEMU lacks some parameters (zero-page-detection is 9.0's): one it does not report
  // is left out when the config keeps the lab's default for it, and refused otherwise.
  const known = await srcQmp.execute<Record<string, unknown>>('query-migrate-parameters')
  const params = parameterMap(config)
  const unknownToQemu = Object.keys(params).filter((k) => !(k in known))
  const defaults = parameterMap(parseDefaultConfig()) as Record<string, unknown>
  const changedButUnknown = unknownToQemu.filter(
    (k) => JSON.stringify(params[k]) !== JSON.stringify(defaults[k])
  )
  if (changedButUnknown.length > 0)
    throw new LabFailure(
      labError(
        'Validation',
        `QEMU ${binaryVersion} has no such migration parameter`,
        changedButUnknown.map((k) => `migration.parameters.${k}: not a parameter of QEMU ${binaryVersion}`)
      )
    )
  for (const k of unknownToQemu) delete params[k]
  await srcQmp.execute('migrate-set-parameters', params)
  if (config.migration.capabilities.multifd)
    // multifd_recv_setup uses the destination's own channels and compression: both sides agree.
    await dst.execute('migrate-set-parameters', {
      'multifd-channels': params['multifd-channels'],
      'multifd-compression': params['multifd-compression']
    })
  if (ctx.listenUri !== undefined) await dst.execute('migrate-incoming', { uri: ctx.listenUri })
  const readBack = await srcQmp.execute<Record<string, unknown>>('query-migrate-parameters')
  const differing = Object.entries(params)
    .filter(([k, v]) => readBack[k] !== undefined && JSON.stringify(readBack[k]) !== JSON.stringify(v))
    .map(([k, v]) => `${k}: set ${JSON.stringify(v)}, QEMU reads back ${JSON.stringify(readBack[k])}`)
  if (differing.length > 0)
    throw new LabFailure(
      labError('QemuFailed', 'QEMU did not keep the migration parameters it was given', differing)
    )

  await ctx.waitUntilReady()
  progress('measure: migrating')
  await srcQmp.execute('migrate', { uri: ctx.uri })
  const startedAtMs = Date.now()
  const policy = config.migration.policy
  const snapshots: Snapshot[] = []
  let cancelReason: string | undefined
  let postcopyStarted = false
  let lastStatus = ''
  for (;;) {
    checkAlive()
    const info = await srcQmp.execute<QueryMigrate>('query-migrate')
    const snapshot = { atMs: Date.now(), info }
    snapshots.push(snapshot)
    if (info.status !== lastStatus) progress(`measure: migration ${info.status}`)
    opts.onTelemetry?.(liveBatch(snapshot, startedAtMs, lastStatus, config))
    lastStatus = info.status
    if (['completed', 'failed', 'cancelled'].includes(info.status)) break
    const syncs = info.ram?.['dirty-sync-count'] ?? 0
    // The lab's policy, as guestperf's driver applies it (engine.py _migrate): cancel past
    // max-time or max-iterations; migrate-start-postcopy once dirty-sync-count reaches N.
    if (cancelReason === undefined) {
      if (opts.signal?.aborted) cancelReason = 'cancelled by the user'
      else if (Date.now() - startedAtMs >= policy['max-time-ms'])
        cancelReason = `the lab's policy cancelled it at max-time-ms (${policy['max-time-ms']} ms)`
      else if (syncs > policy['max-iterations'])
        cancelReason = `the lab's policy cancelled it after ${policy['max-iterations']} dirty syncs (max-iterations)`
      if (cancelReason !== undefined) await srcQmp.execute('migrate_cancel')
    }
    const after = policy['postcopy-after-syncs']
    if (!postcopyStarted && after !== undefined && syncs >= after && info.status === 'active') {
      await srcQmp.execute('migrate-start-postcopy')
      postcopyStarted = true
    }
    progress(
      `measure: ${info.status}, sync ${syncs}, remaining ${((info.ram?.remaining ?? 0) / 2 ** 20).toFixed(0)} MiB`,
      'status'
    )
    await sleep(POLL_INTERVAL_MS)
  }
  // The blocked time is the destination's to report (fill_destination_postcopy_migration_info in
  // migration/postcopy-ram.c, with the postcopy-blocktime capability set there).
  const destinationInfo = postcopyStarted
    ? await dst.execute<DestinationPostcopyInfo>('query-migrate').catch(() => undefined)
    : undefined
  return { snapshots, cancelReason, readBack, startedAtMs, destinationInfo }
}

/**
 * One snapshot as a page draws it while the run goes: its progress sample (the same mapping as
 * the recorded run's, src/shared/guestperf.ts guestperfProgressSample) and, when the state
 * changed, the timeline's new state.
 */
function liveBatch(
  snapshot: Snapshot,
  startedAtMs: number,
  previousStatus: string,
  config: LabConfig
): TelemetryBatch {
  const timeMs = Math.max(0, snapshot.atMs - startedAtMs)
  const sample = guestperfProgressSample(
    snapshotProgress(snapshot),
    timeMs,
    config.migration.parameters['downtime-limit']
  )
  const state =
    snapshot.info.status === previousStatus
      ? null
      : sample.status === 'setup'
        ? 'setup'
        : sample.status === 'active'
          ? 'iterating'
          : sample.status === 'device'
            ? 'stop-and-copy'
            : 'done'
  return {
    'time-ms': timeMs,
    progress: [sample],
    throughput: [],
    timeline:
      state === null
        ? []
        : [{ 'time-ms': timeMs, lane: 'migration', state, detail: `query-migrate: ${snapshot.info.status}` }]
  }
}

/** A query-migrate snapshot in guestperf's terms (its progress_history entries are the same). */
function snapshotProgress({ atMs, info }: Snapshot): GuestperfProgress {
  return {
    status: info.status,
    ram: {
      transferred_bytes: info.ram?.transferred ?? 0,
      remaining_bytes: info.ram?.remaining ?? 0,
      total_bytes: info.ram?.total ?? 0,
      duplicate_pages: info.ram?.duplicate ?? 0,
      normal_pages: info.ram?.normal ?? 0,
      normal_bytes: info.ram?.['normal-bytes'] ?? 0,
      dirty_rate_pps: info.ram?.['dirty-pages-rate'] ?? 0,
      transfer_rate_mbs: info.ram?.mbps ?? 0,
      iterations: info.ram?.['dirty-sync-count'] ?? 0
    },
    now: atMs / 1000,
    duration: info['total-time'] ?? 0,
    downtime: info.downtime ?? 0,
    downtime_expected: info['expected-downtime'] ?? 0,
    setup_time: info['setup-time'] ?? 0,
    throttle_pcent: info['cpu-throttle-percentage'] ?? 0
  }
}

interface DestinationPostcopyInfo {
  'postcopy-blocktime'?: number
  'postcopy-vcpu-blocktime'?: number[]
}

async function connectOrExplain(qemu: QemuProcess, socket: string): Promise<QmpClient> {
  const connecting = QmpClient.connect({ path: socket }, qemu.name, 20_000)
  const exited = qemu.exited.then((code) => {
    const said = qemu.stderrTail() || 'no message'
    // A taken -incoming port is the user's to fix (another program, or --port): QEMU says
    // "Failed to bind socket: Address already in use" (util/qemu-sockets.c inet_listen_saddr).
    if (/Address already in use/i.test(said))
      throw new LabFailure(
        labError('Validation', `the destination's port is in use on 127.0.0.1 (${qemu.name}: ${said})`)
      )
    throw new LabFailure(labError('QemuFailed', `${qemu.name} exited (${code}) while starting: ${said}`))
  })
  connecting.catch(() => undefined)
  exited.catch(() => undefined)
  return Promise.race([connecting, exited])
}

/**
 * pmemsave of both guests' RAM, compared 4 KiB page by page. The legacy PC hole
 * (0xA0000–0xFFFFF: VGA window, option ROMs, BIOS shadow) is skipped: it is not plain RAM.
 */
async function compareGuestRam(
  src: QmpClient,
  dst: QmpClient,
  memoryMib: number,
  work: string
): Promise<{ verified: boolean; mismatchedPages: number; comparedPages: number; firstMismatch?: string }> {
  // On the pc machine RAM below 4 GiB is one block from address 0 up to min(size, lowmem).
  const size = Math.min(memoryMib, 2816) * 2 ** 20
  const files = [join(work, 'src.ram'), join(work, 'dst.ram')]
  await src.execute('pmemsave', { val: 0, size, filename: files[0] }, 120_000)
  await dst.execute('pmemsave', { val: 0, size, filename: files[1] }, 120_000)
  const fds = files.map((f) => openSync(f, 'r'))
  const chunk = 256 * GUEST_PAGE_SIZE
  const a = Buffer.alloc(chunk)
  const b = Buffer.alloc(chunk)
  let mismatched = 0
  let compared = 0
  let firstMismatch: string | undefined
  try {
    for (let offset = 0; offset < size; offset += chunk) {
      const na = readSync(fds[0], a, 0, chunk, offset)
      const nb = readSync(fds[1], b, 0, chunk, offset)
      const n = Math.min(na, nb)
      for (let p = 0; p + GUEST_PAGE_SIZE <= n; p += GUEST_PAGE_SIZE) {
        const address = offset + p
        if (address >= 0xa0000 && address < 0x100000) continue
        compared++
        if (a.compare(b, p, p + GUEST_PAGE_SIZE, p, p + GUEST_PAGE_SIZE) !== 0) {
          mismatched++
          firstMismatch ??= `0x${address.toString(16)}`
        }
      }
    }
  } finally {
    for (const fd of fds) closeSync(fd)
  }
  return {
    verified: mismatched === 0,
    mismatchedPages: mismatched,
    comparedPages: compared,
    ...(firstMismatch ? { firstMismatch } : {})
  }
}

interface MeasuredInputs {
  config: LabConfig
  snapshots: Snapshot[]
  sourceReports: WorkloadReport[]
  destReports: WorkloadReport[]
  events: { side: string; event: QmpEvent }[]
  startedAtMs: number
  endedAtMs: number
  completedSeenAtMs: number
  qemuVersion: string
  binary: string
  accel: 'kvm' | 'tcg'
  kernelVersion: string
  cancelReason: string | undefined
  verification:
    { verified: boolean; mismatchedPages: number; comparedPages: number; firstMismatch?: string } | undefined
  guestPauseMs: number | undefined
  readBack: Record<string, unknown>
  destinationInfo?: DestinationPostcopyInfo | undefined
  /** Attach mode: the pair that was driven, and what it was set to before the lab changed it. */
  attached?: {
    source: string
    destination: string
    uri: string
    parametersBefore: Record<string, unknown>
    capabilitiesBefore: string[]
  }
}

/**
 * Maps the snapshots onto the lab's result and telemetry. query-migrate snapshots are what
 * guestperf records too, so the mapping of guestperf reports (src/shared/guestperf.ts) does the
 * progress, sync records and timeline; the fields guestperf does not keep but query-migrate has
 * (precopy/downtime bytes, pages per second, throttle and dirty-limit times) come from the last
 * snapshot, and the guest's write rate from the workload's own reports.
 */
function toMeasuredRun(m: MeasuredInputs): MeasuredRun {
  const { config } = m
  const params = config.migration.parameters
  const caps = config.migration.capabilities
  const report: GuestperfReport = {
    hardware: { cpus: config.guest.vcpus, mem: config.guest['memory-mib'] / 1024 },
    scenario: {
      name: config.name ?? 'measured',
      downtime: params['downtime-limit'],
      bandwidth: params['max-bandwidth'] > 0 ? params['max-bandwidth'] / 2 ** 20 : 125_000,
      max_iters: config.migration.policy['max-iterations'],
      max_time: config.migration.policy['max-time-ms'] / 1000,
      post_copy: caps['postcopy-ram'],
      auto_converge: caps['auto-converge'],
      auto_converge_step: params['cpu-throttle-increment']
    },
    progress_history: m.snapshots.map(snapshotProgress),
    guest_timings: []
  }
  const mapped = guestperfToMeasuredRun(report, 'a measured run')
  const final = m.snapshots[m.snapshots.length - 1].info
  const result = mapped.result
  const ram = final.ram ?? {}
  const pick = (key: keyof RamStats): number =>
    typeof ram[key] === 'number' ? (ram[key] as number) : (result.ram[key] ?? 0)
  result.ram = {
    ...result.ram,
    'page-size': pick('page-size'),
    'pages-per-second': pick('pages-per-second'),
    'precopy-bytes': pick('precopy-bytes'),
    'downtime-bytes': pick('downtime-bytes'),
    'postcopy-bytes': pick('postcopy-bytes'),
    'multifd-bytes': pick('multifd-bytes')
  }
  if (final['xbzrle-cache'] && caps.xbzrle) result['xbzrle-cache'] = final['xbzrle-cache']
  // Postcopy: the source counts the destination's page requests (ram_save_queue_pages); the
  // destination reports how long its vCPUs were blocked on them.
  if (caps['postcopy-ram'] && typeof ram['postcopy-requests'] === 'number')
    result.ram['postcopy-requests'] = ram['postcopy-requests']
  const dstInfo = m.destinationInfo
  if (dstInfo && typeof dstInfo['postcopy-blocktime'] === 'number') {
    result['postcopy-blocktime'] = dstInfo['postcopy-blocktime']
    if (Array.isArray(dstInfo['postcopy-vcpu-blocktime']))
      result['postcopy-vcpu-blocktime'] = dstInfo['postcopy-vcpu-blocktime']
  }
  if (final.status === 'failed') result['error-desc'] = final['error-desc'] ?? 'QEMU reported failed'
  if (m.cancelReason !== undefined && final.status === 'cancelled') result.status = 'cancelled'
  const verified = m.verification?.verified ?? false
  const syncs = result.ram['dirty-sync-count']
  const reason =
    final.status === 'completed'
      ? `measured on QEMU ${m.qemuVersion} (${m.accel}): completed after ${syncs} dirty syncs; ` +
        (m.verification
          ? m.verification.verified
            ? `destination memory verified (${m.verification.comparedPages} pages compared)`
            : `destination memory differs from the source in ${m.verification.mismatchedPages} pages (first at ${m.verification.firstMismatch})`
          : 'destination memory not verified (use --verify)')
      : final.status === 'cancelled'
        ? `measured on QEMU ${m.qemuVersion} (${m.accel}): ${m.cancelReason ?? 'cancelled'} after ${syncs} dirty syncs`
        : `measured on QEMU ${m.qemuVersion} (${m.accel}): the migration failed: ${final['error-desc'] ?? final.status}`
  result.lab = {
    ...result.lab,
    verified,
    ...(m.verification ? { 'mismatched-pages': m.verification.mismatchedPages } : {}),
    'engine-version': `qemu ${m.qemuVersion}`,
    reason,
    'guest-pause-ms': m.guestPauseMs ?? result.lab['guest-pause-ms'],
    'wall-time-ms': m.endedAtMs - m.startedAtMs,
    'qemu-version': m.qemuVersion,
    accel: m.accel
  }
  const throughput: VcpuThroughputSeries[] = [
    {
      vcpu: 0,
      'bucket-ms': REPORT_INTERVAL_MS,
      'start-ms': 0,
      'mib-per-s': [] as number[]
    }
  ]
  // The workload's reports, all threads together, on the migration's clock.
  const firstReportMs = m.sourceReports[0]?.atMs ?? m.startedAtMs
  const startOffset = Math.floor((firstReportMs - m.startedAtMs) / REPORT_INTERVAL_MS) * REPORT_INTERVAL_MS
  throughput[0]['start-ms'] = startOffset
  for (const r of [...m.sourceReports, ...m.destReports]) {
    const bucket = Math.round((r.atMs - m.startedAtMs - startOffset) / REPORT_INTERVAL_MS)
    if (bucket < 0) continue
    const series = throughput[0]['mib-per-s']
    while (series.length <= bucket) series.push(0)
    series[bucket] = r.mibps
  }
  const eventCounts = new Map<string, number>()
  for (const { side, event } of m.events) {
    const key = `${side} ${event.event}`
    eventCounts.set(key, (eventCounts.get(key) ?? 0) + 1)
  }
  const statusEvents = m.events
    .filter((e) => e.side === 'source' && e.event.event === 'MIGRATION')
    .map((e) => `${String(e.event.data?.status)}@${Math.round(e.event.timestampMs - m.startedAtMs)} ms`)
  const where = m.attached
    ? `Measured on an attached pair, QEMU ${m.qemuVersion} (${m.accel}): source QMP ${m.attached.source}, destination QMP ${m.attached.destination}, ` +
      `stream to ${m.attached.uri}. The guest and its workload are the user's: no write-rate reports, so the guest's pause is not measured. ` +
      `Before the lab set the config's: capabilities on ${m.attached.capabilitiesBefore.join(', ') || 'none'}; parameters ${Object.entries(
        m.attached.parametersBefore
      )
        .filter(([k]) => k in parameterMap(config))
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(', ')}.`
    : `Measured on QEMU ${m.qemuVersion} (${m.binary}, ${m.accel}), source and destination on this host over tcp:127.0.0.1, ` +
      `guest kernel ${m.kernelVersion} with the lab's workload generator (guest/workload.c).`
  const notes = [
    where,
    `Parameters read back from QEMU: ${Object.entries(m.readBack)
      .filter(([k]) => k in parameterMap(config))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(', ')}.`,
    `query-migrate polled every ${POLL_INTERVAL_MS} ms: ${m.snapshots.length} snapshots. QMP events: ${[...eventCounts].map(([k, n]) => `${k} ×${n}`).join(', ') || 'none'}${statusEvents.length ? ` (source states: ${statusEvents.join(', ')})` : ''}.`,
    ...(m.attached
      ? []
      : [
          `The guest's write rate (all vCPUs together) is vCPU 0's series; the guest pause is estimated from when the workload's 100 ms reports reached the host (±${REPORT_INTERVAL_MS} ms)${m.verification ? ', less the time the destination was held for the memory comparison' : ''}.`
        ]),
    'Not reported by QEMU (stored as 0): downtime breakdown, BQL times, dirty pages per sync.'
  ].join('\n')
  return {
    ...mapped,
    label: config.name ?? '',
    config,
    result,
    telemetry: { ...mapped.telemetry, throughput },
    engineVersion: `qemu ${m.qemuVersion}`,
    host: m.attached
      ? `QEMU ${m.qemuVersion} (${m.accel}), attached at ${m.attached.source}`
      : `QEMU ${m.qemuVersion} (${m.accel}) on this host`,
    startedAtMs: m.startedAtMs,
    endedAtMs: m.endedAtMs,
    notes
  }
}
