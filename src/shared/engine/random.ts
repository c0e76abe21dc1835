/**
 * Seeded pseudo-random streams for the guest workloads. Each vCPU draws from its own stream,
 * seeded from (run seed, vCPU index), so its writes do not depend on how many other vCPUs exist
 * or in which order processes get scheduled (DESIGN.md §2 "Virtual time, deterministic").
 *
 * Generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state, passes
 * PractRand); seeding: splitmix32 of the two seed words, as its authors recommend, then 12 warm-up
 * rounds. All arithmetic is 32-bit integer, so every JavaScript engine gives the same numbers.
 */

/** One splitmix32 step: a well-mixed 32-bit value from a 32-bit counter. */
export function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad)
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97)
  return (z ^ (z >>> 15)) >>> 0
}

/** The four state words of an sfc32 stream. */
export interface Sfc32State {
  a: number
  b: number
  c: number
  d: number
}

/** The stream of vCPU `vcpuIndex` in a run seeded with `seed` (both unsigned 32-bit). */
export function seedStream(seed: number, vcpuIndex: number): Sfc32State {
  const s0 = splitmix32(seed >>> 0)
  const s1 = splitmix32((s0 ^ splitmix32((vcpuIndex + 0x632be5ab) >>> 0)) >>> 0)
  const state: Sfc32State = {
    a: s0,
    b: s1,
    c: splitmix32((s1 + 0x85ebca6b) >>> 0),
    d: 1 // sfc32's counter word
  }
  for (let i = 0; i < 12; i++) nextUint32(state)
  return state
}

/** Advances the stream; returns an unsigned 32-bit value. */
export function nextUint32(s: Sfc32State): number {
  const t = (((s.a + s.b) | 0) + s.d) | 0
  s.d = (s.d + 1) | 0
  s.a = s.b ^ (s.b >>> 9)
  s.b = (s.c + (s.c << 3)) | 0
  s.c = (s.c << 21) | (s.c >>> 11)
  s.c = (s.c + t) | 0
  return t >>> 0
}

const TWO_POW_32 = 4294967296

/** A uniform value in [0, 1). */
export function nextUnit(s: Sfc32State): number {
  return nextUint32(s) / TWO_POW_32
}

/** A uniform integer in [0, n), n ≤ 2^32 (multiply-shift: no modulo bias worth noting at n ≤ 2^30). */
export function nextBelow(s: Sfc32State, n: number): number {
  const r = Math.floor((nextUint32(s) * n) / TWO_POW_32)
  return r < n ? r : n - 1
}
