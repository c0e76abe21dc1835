import { parameterLabel } from '../../shared/config/catalog'
import { formatBytes, formatMs } from '../../shared/report/format'
import { configRows } from '../../shared/report/model'
import type { MigrationResult } from '../../shared/result'

// Numbers in the terminal read as in a report: the report's formatters (one place for them).

const num = new Intl.NumberFormat('en-US')

/** The readable summary `migration-lab run` prints without --json. */
export function formatResultSummary(result: MigrationResult, title: string): string {
  const lab = result.lab
  const ram = result.ram
  const lines: string[] = []
  const row = (label: string, value: string): void => {
    lines.push(`${label.padEnd(13)}${value}`)
  }
  lines.push(title)
  // The engine's reason may begin with the status itself ("completed: …"); say it once.
  const reason = lab.reason.startsWith(`${result.status}: `)
    ? lab.reason.slice(result.status.length + 2)
    : lab.reason
  row('Status', `${result.status} — ${reason}`)
  // A measured run has what query-migrate reports; the engine's own figures (downtime
  // breakdown, BQL, seed) it does not have, so they are not shown as zeros.
  const measured = lab.source === 'measured'
  if (result.status === 'completed' && measured) {
    row(
      'Downtime',
      `${formatMs(result.downtime ?? 0)} as QEMU reports it; the guest was paused ${formatMs(lab['guest-pause-ms'])} (estimated from the guest's reports)`
    )
  } else if (result.status === 'completed') {
    const bd = lab['downtime-breakdown']
    row(
      'Downtime',
      `${formatMs(result.downtime ?? 0)} as QEMU reports it; the guest was paused ${formatMs(lab['guest-pause-ms'])}`
    )
    row(
      '',
      `stop ${formatMs(bd['stop-ms'])} · final sync ${formatMs(bd['final-sync-ms'])} · RAM ${formatMs(bd['ram-ms'])} · ` +
        `device state ${formatMs(bd['device-state-ms'])} · resume ${formatMs(bd['resume-ms'])}`
    )
  } else {
    row('Expected', `downtime ${formatMs(result['expected-downtime'])} when it stopped`)
  }
  row('Total time', `${formatMs(result['total-time'])} (setup ${formatMs(result['setup-time'])})`)
  row(
    'Transferred',
    `${formatBytes(ram.transferred)} of ${formatBytes(ram.total)} RAM — ${num.format(ram.normal)} normal pages, ` +
      `${num.format(ram.duplicate)} zero pages, ${formatBytes(ram['downtime-bytes'])} while stopped`
  )
  row('Dirty syncs', `${ram['dirty-sync-count']} (dirty-sync-count)`)
  if (result['cpu-throttle-percentage'] !== undefined)
    row('Throttle', `${result['cpu-throttle-percentage']} % at the end`)
  const bql = lab.bql
  if (!measured)
    row(
      'BQL',
      `held ${formatMs(bql['held-ms'])} in ${bql.holds} holds (longest ${formatMs(bql['longest-hold-ms'])}); ` +
        `vCPUs waited ${formatMs(bql['vcpu-wait-ms'])} (longest stall ${formatMs(bql['longest-vcpu-stall-ms'])})`
    )
  row(
    'Verified',
    measured && lab['mismatched-pages'] === undefined
      ? "not checked (measure --verify compares both guests' memory)"
      : result.status === 'completed'
        ? lab.verified
          ? 'yes — destination memory equals source memory at switchover'
          : `NO — ${num.format(lab['mismatched-pages'] ?? 0)} pages differ at switchover`
        : lab.verified
          ? 'yes — no switchover; the destination lags only by pages known to be dirty'
          : `NO — ${num.format(lab['mismatched-pages'] ?? 0)} pages are stale without being marked dirty`
  )
  if (measured)
    row(
      'Measured',
      `on QEMU ${lab['qemu-version'] ?? '?'} (${lab.accel ?? '?'}) · ${formatMs(lab['virtual-time-ms'])} of migration in ${formatMs(lab['wall-time-ms'])}`
    )
  else
    row(
      'Seed',
      `${lab.seed} · engine ${lab['engine-version']} · ${formatMs(lab['virtual-time-ms'])} simulated in ${formatMs(lab['wall-time-ms'])}`
    )
  return lines.join('\n')
}

/**
 * The settings of a run that differ from the defaults, one a line, as the report's config table
 * has them: `migration.parameters.max-bandwidth = 33554432 (32 MiB/s) — Maximum bandwidth`.
 */
export function formatChangedSettings(config: Record<string, unknown>): string {
  const changed = configRows(config).filter((r) => r.changed)
  if (changed.length === 0) return 'Settings     all at their defaults'
  return changed
    .map((r, i) => {
      const reads = r.readsAs ? ` (${r.readsAs})` : ''
      const label = parameterLabel(r.path, 'en')
      const line = `${r.path} = ${String(r.value)}${reads}${label !== r.path ? ` — ${label}` : ''}`
      return `${i === 0 ? 'Settings'.padEnd(13) : ' '.repeat(13)}${line}`
    })
    .join('\n')
}
