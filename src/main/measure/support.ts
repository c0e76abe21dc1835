import { toLabError } from '../../shared/errors'
import type { MeasureSupport } from '../../shared/protocol/lab-api-measure'
import { guestStatus } from './measure'
import { kvmUsable, qemuBinaryVersion, resolveQemuBinary } from './qemu'

/** QEMU before this loses dirty pages under TCG (docs/measured-runs.md "What it needs"). */
const FIRST_SOUND_TCG_MAJOR = 9

/**
 * Whether this host can measure (the LabApi's `measure.support`): the same checks, in the same
 * words, as `migration-lab measure` makes before it starts — the QEMU binary (resolveQemuBinary:
 * $MIGRATION_LAB_QEMU, else PATH), its version, /dev/kvm, and the guest image (cached, or what its
 * build lacks). Nothing is started or built.
 */
export async function measureSupport(
  opts: { readonly guestDir?: string; readonly env?: NodeJS.ProcessEnv } = {}
): Promise<MeasureSupport> {
  const problems: string[] = []
  const warnings: string[] = []
  let qemu: MeasureSupport['qemu'] = null
  try {
    const path = resolveQemuBinary(undefined, opts.env ?? process.env)
    qemu = { path, version: qemuBinaryVersion(path) }
  } catch (e) {
    problems.push(toLabError(e).message)
  }
  const kvm = kvmUsable()
  if (qemu && Number(qemu.version.split('.')[0]) < FIRST_SOUND_TCG_MAJOR && !kvm)
    warnings.push(
      `QEMU ${qemu.version} under TCG loses dirty pages (fixed in QEMU 9.0 by "physmem: Fix migration dirty bitmap coherency with TCG memory access"): measure with verify to see it, or install QEMU 9 or newer`
    )
  const guest = await guestStatus(opts.guestDir)
  if (!guest.current && guest.missing.length > 0)
    problems.push(`the measured-run guest cannot be built: missing ${guest.missing.join('; ')}`)
  return {
    available: problems.length === 0,
    problems,
    warnings,
    qemu,
    kvm,
    accel: kvm ? 'kvm' : 'tcg',
    guest: { dir: guest.dir, cached: guest.current, missing: guest.missing }
  }
}
