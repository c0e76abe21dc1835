import { describe, expect, it } from 'vitest'
import { labReason } from '../../src/shared/engine/reason'
import type { RunOutcome } from '../../src/shared/result'

// `lab.reason` written from `lab.outcome`: each expected sentence is spelled out by hand from
// the outcome's numbers (MB = 10^6 bytes, one decimal; ms with one decimal).

const limits = { 'expected-downtime-ms': 15997, 'downtime-limit-ms': 300 }

describe('labReason', () => {
  it.each<[string, RunOutcome, string]>([
    [
      'converged', // 37 600 000 B = 37.6 MB; 40 265 318 B = 40.27 MB → 40.3
      {
        kind: 'converged',
        'pending-bytes': 37_600_000,
        'threshold-bytes': 40_265_318,
        'dirty-sync-count': 3,
        'downtime-ms': 12.3,
        'downtime-limit-ms': 300
      },
      'completed: pending 37.6 MB fell below the threshold 40.3 MB at dirty-sync-count 3; downtime 12.3 ms (limit 300 ms)'
    ],
    [
      'converged with nothing left',
      {
        kind: 'converged',
        'pending-bytes': 0,
        'threshold-bytes': 1,
        'dirty-sync-count': 2,
        'downtime-ms': 5,
        'downtime-limit-ms': 300
      },
      'completed: nothing known dirty was left to send (pending 0) at dirty-sync-count 2; downtime 5.0 ms (limit 300 ms)'
    ],
    [
      'postcopy',
      {
        kind: 'postcopy',
        'dirty-sync-count': 3,
        'downtime-ms': 41.2,
        'downtime-limit-ms': 300,
        'postcopy-requests': 12,
        'postcopy-blocktime-ms': 8.5
      },
      'completed in postcopy: migrate-start-postcopy at dirty-sync-count 3 (postcopy-after-syncs); downtime 41.2 ms ' +
        '(limit 300 ms); 12 page requests, every vCPU blocked at once 8.5 ms (postcopy-blocktime)'
    ],
    [
      'max-time',
      { kind: 'max-time', 'virtual-time-ms': 3100, 'max-time-ms': 3000, ...limits },
      'cancelled by lab policy: virtual time 3100.0 ms exceeded max-time-ms 3000; expected-downtime 15997.0 ms vs downtime-limit 300 ms'
    ],
    [
      'max-iterations',
      { kind: 'max-iterations', 'dirty-sync-count': 31, 'max-iterations': 30, ...limits },
      'cancelled by lab policy: dirty-sync-count 31 exceeded max-iterations 30; expected-downtime 15997.0 ms vs downtime-limit 300 ms'
    ],
    [
      'user-cancel',
      { kind: 'user-cancel', detail: 'stopped from the UI', ...limits },
      'cancelled: stopped from the UI; expected-downtime 15997.0 ms vs downtime-limit 300 ms'
    ]
  ])('%s', (_name, outcome, reason) => {
    expect(labReason(outcome, { verified: true, mismatchedPages: 0, unsentPages: 0, examples: [] })).toBe(
      reason
    )
  })

  it('adds what a failing oracle found, in the words of the kind of end', () => {
    const verdict = { verified: false, mismatchedPages: 3, unsentPages: 1, examples: [7, 9] }
    const converged: RunOutcome = {
      kind: 'converged',
      'pending-bytes': 0,
      'threshold-bytes': 1,
      'dirty-sync-count': 2,
      'downtime-ms': 5,
      'downtime-limit-ms': 300
    }
    expect(labReason(converged, verdict)).toMatch(
      /; ORACLE: 3 page\(s\) differ at switchover, 1 never sent, e\.g\. page 7, 9$/
    )
    expect(
      labReason({ kind: 'user-cancel', detail: 'x', ...limits }, { ...verdict, unsentPages: 0 })
    ).toMatch(
      /; ORACLE: 3 page\(s\) are stale on the destination without being marked dirty, e\.g\. page 7, 9$/
    )
  })
})
