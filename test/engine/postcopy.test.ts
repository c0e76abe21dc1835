import { describe, expect, it } from 'vitest'
import {
  POSTCOPY_PACKAGE_OVERHEAD_BYTES,
  PostcopyBlocktime,
  dirtyRanges,
  discardMessagesBytes,
  postcopyDowntimeUs,
  postcopyFaultLatencyUs,
  postcopySwitchDecision,
  shouldSendStartPostcopy,
  type PostcopySwitchInput
} from '../../src/shared/engine/postcopy'

// Every expected number is derived by hand from QEMU's migration/migration.c, savevm.c and
// postcopy-ram.c (docs/engine.md "Postcopy"); the derivation is next to it.

describe('migrate-start-postcopy policy (guestperf post_copy_iters)', () => {
  it.each([
    [2, 3, false, false], // not there yet
    [3, 3, false, true], // dirty-sync-count ≥ N
    [4, 3, true, false], // sent once only
    [100, undefined, false, false], // absent = never
    [1, 0, false, true] // 0: right after setup's first sync
  ])('sync %i, after %s, sent %s → %s', (sync, after, sent, expected) => {
    expect(shouldSendStartPostcopy(sync, after, sent)).toBe(expected)
  })
})

describe('postcopySwitchDecision (migration_iteration_run)', () => {
  const at = (over: Partial<PostcopySwitchInput>): PostcopySwitchInput => ({
    startPostcopy: true,
    inPostcopy: false,
    mustPrecopyBytes: 0,
    pendingBytes: 100,
    thresholdBytes: 20,
    canSwitchover: true,
    ...over
  })
  it.each<[string, Partial<PostcopySwitchInput>, string]>([
    ['a pre-copy that fits completes as pre-copy', { pendingBytes: 10 }, 'complete'],
    ['RAM is all postcopiable: switch', {}, 'postcopy-start'],
    ['no migrate-start-postcopy yet', { startPostcopy: false }, 'iterate'],
    ['switchover-ack not received', { canSwitchover: false }, 'iterate'],
    ['non-postcopiable state above the threshold', { mustPrecopyBytes: 21 }, 'iterate'],
    ['already in postcopy', { inPostcopy: true }, 'iterate']
  ])('%s', (_name, over, expected) => {
    expect(postcopySwitchDecision(at(over))).toBe(expected)
  })
})

describe('the switch', () => {
  it.each([
    [0, 0],
    [1, 30], // one message: 5 header + 1 version + 1 length + "pc.ram" 6 + NUL 1 = 14; + 16
    [12, 206], // 14 + 12 × 16
    [13, 236] // two messages: 2 × 14 + 13 × 16
  ])('%i discard ranges take %i bytes', (ranges, bytes) => {
    expect(discardMessagesBytes(ranges)).toBe(bytes)
  })

  it('counts the runs of dirty pages', () => {
    const bits = [1, 1, 0, 1, 0, 0, 1]
    expect(dirtyRanges((p) => bits[p] === 1, bits.length)).toBe(3)
    expect(dirtyRanges(() => false, 10)).toBe(0)
  })

  it('downtime ends once the package is sent, before the destination loads it', () => {
    expect(POSTCOPY_PACKAGE_OVERHEAD_BYTES).toBe(28) // 9 packaged + 5 listen + 9 ping + 5 run
    // 30 + 262,144 + 28 = 262,202 bytes at 1.25e9 B/s = 209.76 µs → 210; 5000 + 500 + 210
    expect(
      postcopyDowntimeUs({
        stopUs: 5000,
        syncUs: 500,
        discardBytes: 30,
        deviceStateBytes: 262_144,
        linkBytesPerS: 1.25e9
      })
    ).toBe(5710)
  })
})

describe('postcopyFaultLatencyUs', () => {
  const fault = { rttUs: 200, linkBytesPerS: 1.25e9, pageRecordBytes: 4104, queuedAheadBytes: 1_048_576 }
  it('waits behind the background push without preempt', () => {
    // 200 + (1,048,576 + 4104) / 1.25e9 × 1e6 = 200 + 842.144 → 1043
    expect(postcopyFaultLatencyUs({ ...fault, preempt: false })).toBe(1043)
  })
  it('goes on its own channel with postcopy-preempt', () => {
    // 200 + 4104 / 1.25e9 × 1e6 = 203.28 → 204
    expect(postcopyFaultLatencyUs({ ...fault, preempt: true })).toBe(204)
  })
})

describe('PostcopyBlocktime (mark_postcopy_blocktime_begin / _end)', () => {
  it('adds each vCPU its waits and the total only while all are down', () => {
    const b = new PostcopyBlocktime(2)
    b.faultBegin(0, 10, 1500, false) // 1 ms
    b.faultBegin(1, 20, 3200, false) // 3 ms; both down, last begin 3
    b.pageReceived(10, 5900) // 5 ms: vCPU 0 += 5 − 1 = 4; all were down: total += 5 − 3 = 2
    b.pageReceived(20, 7000) // 7 ms: vCPU 1 += 7 − 3 = 4; only one was down
    b.faultBegin(0, 30, 8000, true) // already received: undone at once
    b.pageReceived(30, 9000)
    expect(b.report()).toEqual({ 'postcopy-blocktime': 2, 'postcopy-vcpu-blocktime': [4, 4] })
  })

  it('one page wakes every vCPU waiting on it', () => {
    const b = new PostcopyBlocktime(2)
    b.faultBegin(0, 5, 2000, false) // 2 ms
    b.faultBegin(1, 5, 2500, false) // 2 ms
    b.pageReceived(5, 4000) // 4 ms: each += 2; total += 4 − 2
    expect(b.report()).toEqual({ 'postcopy-blocktime': 2, 'postcopy-vcpu-blocktime': [2, 2] })
  })

  it('counts in whole ms, as QEMU does: a wait inside one ms counts 0', () => {
    const b = new PostcopyBlocktime(1)
    b.faultBegin(0, 1, 300, false) // 0 ms → 1 (0 means "no fault")
    b.pageReceived(1, 900) // 0 ms → 1
    expect(b.report()).toEqual({ 'postcopy-blocktime': 0, 'postcopy-vcpu-blocktime': [0] })
  })
})
