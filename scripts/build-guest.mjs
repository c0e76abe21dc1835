#!/usr/bin/env node
// Builds the tiny guest that `migration-lab measure` boots in QEMU, from Debian packages:
// - the kernel that `linux-image-amd64` depends on (apt-get download + dpkg -x, nothing installed);
// - busybox from busybox-static (same way), for /init's shell and mounts;
// - guest/workload.c compiled static with the host's cc.
// It writes vmlinuz, initrd.cpio (newc, written here) and guest.json into the cache directory
// (<user data dir>/guest, MIGRATION_LAB_HOME honoured) and does nothing when they are current.
// Usage: node scripts/build-guest.mjs [--out DIR] [--force | --check]
// --check builds nothing: it prints whether the guest is cached and current, and what a build lacks.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const workloadSource = join(repo, 'guest', 'workload.c')

/** The user data directory, as src/main/paths.ts userDataDir() has it on Linux. */
export function defaultGuestDir(env = process.env) {
  const base =
    env.MIGRATION_LAB_HOME || join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'migration-lab')
  return join(base, 'guest')
}

/** A failure that says what to install. */
export class GuestBuildError extends Error {}

function have(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

function run(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts })
  } catch (e) {
    const err = (e.stderr || e.message || '').toString().trim().split('\n').slice(-3).join(' ')
    throw new GuestBuildError(`${cmd} ${args.join(' ')} failed: ${err}`)
  }
}

/** The kernel package linux-image-amd64 depends on (e.g. linux-image-6.1.0-41-amd64). */
function kernelPackage() {
  const out = run('apt-cache', ['depends', 'linux-image-amd64'])
  const m = /Depends:\s*(linux-image-[0-9][^\s]*)/.exec(out)
  if (!m) throw new GuestBuildError('apt-cache knows no linux-image-amd64: run `apt-get update` first')
  return m[1]
}

function download(pkg, dir) {
  run('apt-get', ['download', '-qq', pkg], { cwd: dir })
  const deb = readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'))
  if (!deb) throw new GuestBuildError(`apt-get download ${pkg} left no .deb`)
  const root = join(dir, pkg)
  run('dpkg', ['-x', join(dir, deb), root])
  return { root, deb }
}

/** One newc cpio entry (the format the kernel unpacks as initramfs: usr/gen_init_cpio.c). */
function cpioEntry(name, mode, data, ino, rdev = [0, 0]) {
  const hex = (n) => n.toString(16).padStart(8, '0')
  const nameBuf = Buffer.from(name + '\0')
  const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, rdev[0], rdev[1], nameBuf.length, 0]
  const header = Buffer.from('070701' + fields.map(hex).join(''))
  const pad = (len) => Buffer.alloc((4 - (len % 4)) % 4)
  const head = Buffer.concat([header, nameBuf])
  return Buffer.concat([head, pad(head.length), data, pad(data.length)])
}

export function writeCpio(entries) {
  const parts = entries.map((e, i) => cpioEntry(e.name, e.mode, e.data ?? Buffer.alloc(0), i + 1, e.rdev))
  parts.push(cpioEntry('TRAILER!!!', 0, Buffer.alloc(0), 0))
  return Buffer.concat(parts)
}

const INIT = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
exec /workload
`

/** What the build needs and this host lacks, each with what to install. */
export function missingBuildTools() {
  const missing = []
  if (!have('apt-get') || !have('dpkg')) missing.push('apt-get and dpkg (a Debian or Ubuntu host)')
  if (!have('cc')) missing.push('a C compiler: apt-get install gcc libc6-dev')
  return missing
}

/** The cached guest's manifest when it is current (built from today's workload source), else null. */
function currentManifest(out) {
  const source = readFileSync(workloadSource)
  const sourceHash = createHash('sha256').update(source).update(INIT).digest('hex').slice(0, 16)
  const manifestPath = join(out, 'guest.json')
  if (existsSync(manifestPath)) {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'))
    if (m.workloadHash === sourceHash && existsSync(join(out, m.kernel)) && existsSync(join(out, m.initrd)))
      return { sourceHash, manifest: m }
  }
  return { sourceHash, manifest: null }
}

/** Whether the guest is cached and current, and what a build would lack (`--check`; builds nothing). */
export function checkGuest({ out = defaultGuestDir() } = {}) {
  return { dir: out, current: currentManifest(out).manifest !== null, missing: missingBuildTools() }
}

/** Builds the guest into `out` unless it is current; returns its files. */
export function buildGuest({
  out = defaultGuestDir(),
  force = false,
  log = (line) => process.stderr.write(line + '\n')
} = {}) {
  const { sourceHash, manifest: cached } = currentManifest(out)
  if (!force && cached) return { dir: out, ...cached }
  const missing = missingBuildTools()
  if (missing.length) throw new GuestBuildError(`cannot build the guest: missing ${missing.join('; ')}`)
  const manifestPath = join(out, 'guest.json')
  mkdirSync(out, { recursive: true })
  const work = mkdtempSync(join(tmpdir(), 'ml-guest-'))
  try {
    const kpkg = kernelPackage()
    log(`guest: downloading ${kpkg} (1/4)`)
    const k = download(kpkg, work)
    const bootDir = join(k.root, 'boot')
    const vmlinuz = readdirSync(bootDir).find((f) => f.startsWith('vmlinuz-'))
    if (!vmlinuz) throw new GuestBuildError(`${k.deb} has no boot/vmlinuz-*`)
    log('guest: downloading busybox-static (2/4)')
    const bb = download('busybox-static', work)
    const busybox = join(bb.root, 'bin', 'busybox')
    if (!existsSync(busybox)) throw new GuestBuildError('busybox-static has no bin/busybox')
    log('guest: compiling guest/workload.c (3/4)')
    const workloadBin = join(work, 'workload')
    try {
      run('cc', ['-O2', '-static', '-pthread', '-o', workloadBin, workloadSource])
    } catch (e) {
      throw new GuestBuildError(
        `${e.message} (a static build needs libc6-dev: apt-get install gcc libc6-dev)`
      )
    }
    log('guest: writing initrd.cpio (4/4)')
    const cpio = writeCpio([
      { name: 'bin', mode: 0o40755 },
      { name: 'dev', mode: 0o40755 },
      { name: 'dev/console', mode: 0o20600, rdev: [5, 1] },
      { name: 'proc', mode: 0o40755 },
      { name: 'sys', mode: 0o40755 },
      { name: 'bin/busybox', mode: 0o100755, data: readFileSync(busybox) },
      { name: 'bin/sh', mode: 0o100755, data: readFileSync(busybox) },
      { name: 'workload', mode: 0o100755, data: readFileSync(workloadBin) },
      { name: 'init', mode: 0o100755, data: Buffer.from(INIT) }
    ])
    const manifest = {
      kernel: 'vmlinuz',
      initrd: 'initrd.cpio',
      kernelPackage: kpkg,
      kernelVersion: vmlinuz.slice('vmlinuz-'.length),
      busyboxDeb: bb.deb,
      workloadHash: sourceHash
    }
    writeFileSync(join(out, 'vmlinuz.tmp'), readFileSync(join(bootDir, vmlinuz)))
    renameSync(join(out, 'vmlinuz.tmp'), join(out, 'vmlinuz'))
    writeFileSync(join(out, 'initrd.cpio.tmp'), cpio)
    renameSync(join(out, 'initrd.cpio.tmp'), join(out, 'initrd.cpio'))
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n')
    log(
      `guest: ready in ${out} (kernel ${manifest.kernelVersion}, initrd ${Math.round(statSync(join(out, 'initrd.cpio')).size / 1024)} KiB)`
    )
    return { dir: out, ...manifest }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const outIdx = args.indexOf('--out')
  try {
    const out = outIdx >= 0 ? args[outIdx + 1] : undefined
    const g = args.includes('--check')
      ? checkGuest({ out })
      : buildGuest({ out, force: args.includes('--force') })
    process.stdout.write(JSON.stringify(g) + '\n')
  } catch (e) {
    process.stderr.write(`build-guest: ${e.message}\n`)
    process.exit(e instanceof GuestBuildError ? 2 : 1)
  }
}
