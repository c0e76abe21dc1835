import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { constants, existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { delimiter, join } from 'node:path'
import { LabFailure, labError } from '../../shared/errors'
import { hasAccess } from '../paths'

/** One QEMU process started by the lab, with its serial console captured line by line. */
export interface QemuProcess {
  readonly name: string
  readonly pid: number
  readonly child: ChildProcess
  /** Resolves with the exit code (or the signal) when QEMU exits. */
  readonly exited: Promise<string>
  /** The last lines QEMU wrote to stderr (its own error messages). */
  stderrTail(): string
  /** Stops QEMU by PID: SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>
}

export interface QemuStartOptions {
  readonly name: string
  readonly binary: string
  readonly args: readonly string[]
  /** Called for every line of the serial console (stdout) with the host time it arrived. */
  readonly onSerialLine?: (line: string, atMs: number) => void
}

/**
 * The QEMU binary a lab host (the web host, the desktop app) and `measure` use when no --qemu is
 * given: a QEMU outside PATH, or one of several versions, without a flag to pass.
 */
export const QEMU_ENV = 'MIGRATION_LAB_QEMU'

/**
 * Finds the QEMU binary: the given path, else $MIGRATION_LAB_QEMU, else `qemu-system-x86_64` on
 * PATH; names what to install.
 */
export function resolveQemuBinary(given: string | undefined, env = process.env): string {
  const chosen = given ?? (env[QEMU_ENV] ? env[QEMU_ENV] : undefined)
  if (chosen !== undefined) {
    if (hasAccess(chosen, constants.X_OK)) return chosen
    const from = given !== undefined ? '--qemu' : QEMU_ENV
    throw new LabFailure(labError('NotFound', `${from}: ${chosen} does not exist or is not executable`))
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'qemu-system-x86_64')
    if (dir && existsSync(candidate)) return candidate
  }
  throw new LabFailure(
    labError(
      'NotFound',
      'qemu-system-x86_64 is not installed: apt-get install qemu-system-x86 (QEMU 9 or newer; on Debian 12 from bookworm-backports: apt-get install -t bookworm-backports qemu-system-x86), or give --qemu PATH'
    )
  )
}

/** `qemu-system-x86_64 --version`'s "10.0.2". */
export function qemuBinaryVersion(binary: string): string {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 })
  const m = /version (\d+\.\d+\.\d+)/.exec(r.stdout ?? '')
  if (!m)
    throw new LabFailure(
      labError(
        'QemuFailed',
        `${binary} --version did not print a QEMU version: ${(r.stderr || r.stdout || '').trim()}`
      )
    )
  return m[1]
}

/** KVM when /dev/kvm can be opened read-write by this user, else TCG. */
export function kvmUsable(): boolean {
  return hasAccess('/dev/kvm', constants.R_OK | constants.W_OK)
}

/** A TCP port on 127.0.0.1 that was free a moment ago (QEMU binds it; a race says "in use"). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export function startQemu(opts: QemuStartOptions): QemuProcess {
  const child = spawn(opts.binary, [...opts.args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  let serial = ''
  child.stdout?.setEncoding('latin1').on('data', (chunk: string) => {
    const atMs = Date.now()
    serial += chunk
    let newline: number
    while ((newline = serial.indexOf('\n')) >= 0) {
      const line = serial.slice(0, newline).replace(/\r$/, '')
      serial = serial.slice(newline + 1)
      opts.onSerialLine?.(line, atMs)
    }
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000)
  })
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? String(code)))
    child.once('error', (e) => {
      stderr += `\n${e.message}`
      resolve('spawn-error')
    })
  })
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null
  return {
    name: opts.name,
    pid: child.pid ?? -1,
    child,
    exited,
    stderrTail: () => stderr.trim(),
    async stop(graceMs = 2000) {
      if (child.pid === undefined || gone()) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    }
  }
}
