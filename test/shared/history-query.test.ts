import { describe, expect, it } from 'vitest'
import {
  parseConfigCondition,
  parseConfigConditions,
  parseHistoryRef,
  parseRunFilterTerms,
  parseRunSort,
  parseTags
} from '../../src/shared/history-query'

// The one reading of what a person types to find runs: the command line's --filter and --sort
// and the History screen's conditions box and tag field go through these (issue 13: the command
// line had its own grammar, which let a misspelt config path match nothing instead of saying so).

describe('config conditions', () => {
  it.each([
    [
      'migration.parameters.downtime-limit >= 300',
      { path: 'migration.parameters.downtime-limit', op: '>=', value: 300 }
    ],
    [
      'migration.capabilities.auto-converge = true',
      { path: 'migration.capabilities.auto-converge', op: '=', value: true }
    ],
    [
      'guest.workloads.0.pattern == "hotspot"',
      { path: 'guest.workloads.0.pattern', op: '=', value: 'hotspot' }
    ],
    ['  network.bandwidth-mbps<1e4 ', { path: 'network.bandwidth-mbps', op: '<', value: 10000 }],
    ['guest.vcpus != 2', { path: 'guest.vcpus', op: '!=', value: 2 }],
    [
      'migration.parameters.downtime-limit>=300',
      { path: 'migration.parameters.downtime-limit', op: '>=', value: 300 }
    ]
  ])('reads %s', (text, value) => {
    expect(parseConfigCondition(text)).toEqual({ ok: true, value })
  })

  it.each([
    ['downtime-limit >= 300', 'downtime-limit is not a config parameter'],
    [
      'migration.parameters.downtime-limt >= 300',
      'migration.parameters.downtime-limt is not a config parameter'
    ],
    ['migration.parameters >= 300', 'is a group of parameters'],
    ['migration.parameters.downtime-limit >= fast', 'is a number; compare it with a number'],
    ['migration.parameters.downtime-limit >=', 'give a value'],
    ['just words', 'is not a condition'],
    ['guest.vcpus < null', 'null can only be compared with = or !=']
  ])('explains what is wrong with %s', (text, message) => {
    const parsed = parseConfigCondition(text)
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.error).toContain(message)
  })

  it('reads one condition a line or between semicolons and reports every bad one', () => {
    expect(parseConfigConditions('guest.vcpus > 1; bogus >= 2\n\nguest.vcpus<9')).toEqual({
      conditions: [
        { path: 'guest.vcpus', op: '>', value: 1 },
        { path: 'guest.vcpus', op: '<', value: 9 }
      ],
      problems: ['bogus is not a config parameter'],
      details: [{ kind: 'unknown-parameter', path: 'bogus' }]
    })
  })
})

describe('filter terms (history --filter)', () => {
  it.each([
    [['status=completed'], { status: 'completed' }],
    [['status=completed', 'status=failed'], { status: ['completed', 'failed'] }],
    [['tag=paper', 'tag=10GbE, paper'], { tags: ['paper', '10GbE'] }],
    [['text=hot set'], { text: 'hot set' }],
    [['source=measured'], { source: 'measured' }],
    [['experiment=e12'], { experimentId: 12 }],
    [['experiment=7'], { experimentId: 7 }],
    [['starred'], { starred: true }],
    [
      ['migration.parameters.downtime-limit>=300', 'guest.workloads.0.pattern=hotspot'],
      {
        config: [
          { path: 'migration.parameters.downtime-limit', op: '>=', value: 300 },
          { path: 'guest.workloads.0.pattern', op: '=', value: 'hotspot' }
        ]
      }
    ],
    [[], {}]
  ])('reads %j', (terms, filter) => {
    expect(parseRunFilterTerms(terms)).toEqual({ filter, problems: [] })
  })

  it.each([
    ['status=done', 'status "done" is not one of running, completed, cancelled, failed, interrupted'],
    ['source=qemu', 'source "qemu" is not simulated or measured'],
    ['experiment=twelve', '"twelve" is not a run id (12) or an experiment id (e12)'],
    ['colour=red', 'unknown filter; use status=STATUS'],
    [
      'migration.parameters.downtime-limt>=300',
      'migration.parameters.downtime-limt is not a config parameter'
    ],
    ['words', '"words" is not a condition']
  ])('names the problem in %s', (term, message) => {
    const { problems } = parseRunFilterTerms([term])
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain(`"${term}": `)
    expect(problems[0]).toContain(message)
  })
})

describe('sort keys and ids', () => {
  it.each([
    ['started', { key: 'started', dir: 'desc' }],
    ['downtime', { key: 'downtime', dir: 'asc' }],
    ['total-time:desc', { key: 'total-time', dir: 'desc' }],
    ['syncs:asc', { key: 'syncs', dir: 'asc' }]
  ])('reads --sort %s', (text, value) => {
    expect(parseRunSort(text)).toEqual({ ok: true, value })
  })

  it.each([
    ['speed', 'KEY one of started, downtime, guest-pause, total-time, transferred, syncs'],
    ['downtime:up', 'the direction is asc or desc'],
    ['downtime:asc:x', 'KEY one of']
  ])('refuses --sort %s', (text, message) => {
    const parsed = parseRunSort(text)
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.error).toContain(message)
  })

  it.each([
    ['12', { kind: 'run', id: 12 }],
    ['e12', { kind: 'experiment', id: 12 }],
    ['exp-3', { kind: 'experiment', id: 3 }]
  ])('reads the id %s', (text, value) => {
    expect(parseHistoryRef(text)).toEqual({ ok: true, value })
  })

  it.each(['0', 'x1', '', '1.5'])('refuses the id %j', (text) => {
    expect(parseHistoryRef(text).ok).toBe(false)
  })

  it('reads a tag field', () => {
    expect(parseTags(' a, b ,a,, c ')).toEqual(['a', 'b', 'c'])
  })
})
