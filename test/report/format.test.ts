import { describe, expect, it } from 'vitest'
import { formatBytes, formatBytesPerSecond, formatMs, roundUpNice } from '../../src/shared/report'

describe('report number formats', () => {
  it.each([
    [1640, 1700],
    [2230.7, 2300],
    [300, 300],
    [12_400, 13_000],
    [87, 87],
    [8.2, 9]
  ])('rounds a suggested setting %d up to %d', (value, nice) => {
    expect(roundUpNice(value)).toBe(nice)
  })

  it.each([
    [134_217_728, '128 MiB/s'],
    [33_554_432, '32 MiB/s'],
    [1_250_000_000, '1,192 MiB/s']
  ])('reads max-bandwidth %d bytes/s as %s', (bytesPerSecond, text) => {
    expect(formatBytesPerSecond(bytesPerSecond)).toBe(text)
  })

  it('reads bytes and ms the way QEMU’s HMP and the CLI do', () => {
    expect(formatBytes(40_265_318)).toBe('38.4 MiB')
    expect(formatBytes(4 * 1024 ** 3)).toBe('4.00 GiB')
    expect(formatMs(36.25)).toBe('36.3 ms')
    expect(formatMs(2230.7)).toBe('2.23 s')
    expect(formatMs(0.21)).toBe('0.21 ms')
  })
})
