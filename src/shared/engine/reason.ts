/**
 * The engine's `lab.reason`: the English sentence of how a simulated run ended, written from
 * `lab.outcome` (the same numbers as data) and the oracle's verdict. The migration thread writes
 * it once at the end of a run; the CLI prints it as it is, and the UI and the reports say the
 * same outcome in the reader's language through describeOutcome (src/shared/report/run-end.ts).
 * Pure: the wording and rounding are fixed (stored results and their tests carry them).
 */
import type { RunOutcome } from '../result'
import type { OracleVerdict } from './oracle'

/** Bytes as decimal MB with one decimal, as the reason states them. */
function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1)
}

/** ms with one decimal, as the reason states them. */
function ms(value: number): string {
  return value.toFixed(1)
}

/** What a failing oracle found, in the words of the kind of end. */
function oracleText(outcome: RunOutcome, verdict: OracleVerdict | undefined): string {
  if (verdict === undefined || verdict.verified) return ''
  const what =
    outcome.kind === 'converged'
      ? 'differ at switchover'
      : outcome.kind === 'postcopy'
        ? 'differ or were read on the destination before their last version arrived'
        : 'are stale on the destination without being marked dirty'
  const parts: string[] = [`${verdict.mismatchedPages} page(s) ${what}`]
  if (verdict.unsentPages > 0) parts.push(`${verdict.unsentPages} never sent`)
  if (verdict.examples.length > 0) parts.push(`e.g. page ${verdict.examples.join(', ')}`)
  return `; ORACLE: ${parts.join(', ')}`
}

/** `lab.reason` from `lab.outcome` and the oracle's verdict. */
export function labReason(outcome: RunOutcome, verdict?: OracleVerdict): string {
  const oracle = oracleText(outcome, verdict)
  switch (outcome.kind) {
    case 'converged': {
      const why =
        outcome['pending-bytes'] === 0
          ? 'nothing known dirty was left to send (pending 0)'
          : `pending ${mb(outcome['pending-bytes'])} MB fell below the threshold ${mb(outcome['threshold-bytes'])} MB`
      return (
        `completed: ${why} at dirty-sync-count ${outcome['dirty-sync-count']}; ` +
        `downtime ${ms(outcome['downtime-ms'])} ms (limit ${outcome['downtime-limit-ms']} ms)${oracle}`
      )
    }
    case 'postcopy':
      return (
        `completed in postcopy: migrate-start-postcopy at dirty-sync-count ${outcome['dirty-sync-count']} ` +
        `(postcopy-after-syncs); downtime ${ms(outcome['downtime-ms'])} ms (limit ${outcome['downtime-limit-ms']} ms); ` +
        `${outcome['postcopy-requests']} page requests, every vCPU blocked at once ` +
        `${outcome['postcopy-blocktime-ms']} ms (postcopy-blocktime)${oracle}`
      )
    case 'max-time':
      return (
        `cancelled by lab policy: virtual time ${ms(outcome['virtual-time-ms'])} ms exceeded max-time-ms ` +
        `${outcome['max-time-ms']}; ${expected(outcome)}${oracle}`
      )
    case 'max-iterations':
      return (
        `cancelled by lab policy: dirty-sync-count ${outcome['dirty-sync-count']} exceeded max-iterations ` +
        `${outcome['max-iterations']}; ${expected(outcome)}${oracle}`
      )
    case 'user-cancel':
      return `cancelled: ${outcome.detail}; ${expected(outcome)}${oracle}`
  }
}

function expected(o: { 'expected-downtime-ms': number; 'downtime-limit-ms': number }): string {
  return `expected-downtime ${ms(o['expected-downtime-ms'])} ms vs downtime-limit ${o['downtime-limit-ms']} ms`
}
