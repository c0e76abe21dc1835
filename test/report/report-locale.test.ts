import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderReport } from '../../src/main/report'
import { CONFIG_PRESETS } from '../../src/shared/presets'
import {
  AUTO_CONVERGE,
  CONVERGING,
  HOT_SET,
  importMeasured,
  recordRun,
  tempHistory,
  type TempHistory
} from './helpers'

// The report says a run's end as the Live view and History do (issue 12, defect 10), and in
// Chinese when the UI is (defect 5): the renderer takes a locale, the CLI `--lang zh-CN`.

const bin = resolve(__dirname, '../../bin/migration-lab.mjs')
let t: TempHistory
let runId: number
let stalledId: number
let autoConvergeId: number
let xbzrleId: number
let measuredId: number

beforeAll(async () => {
  t = tempHistory('lab-report-locale-')
  runId = await recordRun(t.history, CONVERGING, { label: 'small guest' })
  stalledId = await recordRun(t.history, HOT_SET)
  autoConvergeId = await recordRun(t.history, AUTO_CONVERGE)
  xbzrleId = await recordRun(t.history, CONFIG_PRESETS.find((p) => p.id === 'xbzrle-small-writes')!.config)
  measuredId = importMeasured(t.history)
  t.history.flush()
}, 120_000)
afterAll(() => t.cleanup())

async function reportHtml(runIds: number[], locale?: 'en' | 'zh-CN'): Promise<string> {
  const [file] = await renderReport(t.history, { runIds }, 'html', {
    nowMs: 0,
    ...(locale ? { locale } : {})
  })
  if (!file || typeof file.content !== 'string') throw new Error('expected HTML text')
  return file.content
}

/** The text of the status card in the report's Summary. */
function statusCard(html: string): string {
  const card = /<div class="metric[^"]*"><dt>[^<]*<\/dt><dd>[^<]*<\/dd><dd class="note">([^<]*)<\/dd>/.exec(
    html
  )
  if (!card) throw new Error('no status card')
  return card[1]
}

const headings = (html: string) => [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1])
const headline = (html: string) => /<p class="headline[^"]*">([^<]*)<\/p>/.exec(html)?.[1] ?? ''

describe('the HTML report says why the run ended', () => {
  it('in MiB, the words of the Live summary (not the engine text in MB)', async () => {
    const note = statusCard(await reportHtml([runId]))
    expect(note).toMatch(
      /^pending [\d.]+ MiB fell below the threshold [\d.]+ MiB at dirty sync \d+; downtime/
    )
    expect(note).not.toMatch(/\bMB\b/)
  })
})

describe('the HTML report in Chinese', () => {
  it('is English by default', async () => {
    const html = await reportHtml([runId])
    expect(html).toContain('<html lang="en">')
    expect(headings(html).slice(0, 3)).toEqual(['What happened', 'Summary', 'Downtime breakdown'])
  })

  it('has Chinese headings, labels, status words and interpretation with locale zh-CN', async () => {
    const html = await reportHtml([runId], 'zh-CN')
    expect(html).toContain('<html lang="zh-CN">')
    expect(headings(html)).toEqual([
      '发生了什么',
      '摘要',
      '停机时间分解',
      '随虚拟时间的变化',
      '脏页同步',
      '配置',
      '应用到真实的 QEMU',
      '环境'
    ])
    expect(html).toContain('<span class="badge status-completed">已完成</span>')
    expect(html).toContain('<dt>停机时间（QEMU 报告值）</dt>')
    expect(headline(html)).toMatch(/^迁移已切换到目的端：待发送的 [\d.]+ MiB 已低于阈值/)
    expect(html).toMatch(/QEMU 报告的停机时间为 [\d.]+ 毫秒；客户机实际暂停 [\d.]+ 毫秒/)
    expect(statusCard(html)).toMatch(
      /^待发送的 [\d.]+ MiB 已低于阈值 [\d.]+ MiB（第 \d+ 次脏页同步）；停机时间/
    )
    // The notes under the figures and the breakdown's meanings too.
    expect(html).toContain('<dd class="note">从源端最后一条指令到目的端第一条指令</dd>')
    expect(html).toContain('最后一次脏页位图同步，持有 BQL（§1.5）')
    expect(html).not.toMatch(/last instruction on the source|the tick marks|no return-path/)
    // None of the English headings or labels is left.
    expect(html).not.toMatch(/What happened|<dt>Status<\/dt>|Downtime breakdown|>Environment</)
  })

  it('says in Chinese why a run did not converge, as the Live summary does', async () => {
    const html = await reportHtml([stalledId], 'zh-CN')
    expect(headline(html)).toMatch(/^迁移没有收敛，未发生切换：实验策略终止了迁移/)
    expect(html).toMatch(
      /剩余脏内存[^<]*只有剩余量低于带宽 × downtime-limit = [\d.]+ MiB 时，QEMU 才会切换。/
    )
  })

  it('writes a comparison in Chinese: headings, table headers, why each run ended', async () => {
    const html = await reportHtml([runId, stalledId], 'zh-CN')
    expect(headings(html).slice(0, 2)).toEqual(['这些运行说明了什么', '运行'])
    expect(headline(html)).toBe('2 次运行中有 1 次切换到目的端。')
    expect(html).toContain('<th>来源</th><th>状态</th>')
    expect(html).toContain(`运行 #${runId}（small guest），停机时间`)
  })
})

/**
 * English sentences of the report that a Chinese report must not contain: the title line, chart
 * titles and captions, the interpretation's paragraphs on auto-converge, XBZRLE and what to
 * change, and the words around the QEMU commands (the commands themselves are QEMU's).
 */
const ENGLISH = [
  'Run ',
  'Comparison of runs',
  'Remaining dirty memory',
  'Bandwidth estimate and threshold',
  'Expected downtime and downtime-limit',
  'dirty-pages-rate and bandwidth',
  'Auto-converge throttle',
  'Guest throughput',
  'Downtime per run',
  'QEMU switches over when',
  'The estimate is one unsmoothed',
  'counts only pages that had been sent',
  'every vCPU runs',
  'MiB the guest program wrote',
  'What was left to send',
  'guest paused',
  'The auto-converge capability',
  'XBZRLE (cache',
  'Small deltas are what make XBZRLE pay',
  'would change that',
  'In all,',
  'To try this configuration on a real QEMU',
  'is a placeholder',
  'are set on both sides',
  "the VM's shape is QEMU's command line",
  'the link itself',
  "the lab's own limits",
  "the lab's cost model",
  'random seed',
  'One row per dirty bitmap sync',
  'changed from the defaults',
  'other settings are equal',
  'made this report',
  'use the estimate',
  'no rate limit'
]

/** The report's text a reader sees (the charts' labels too), without the QEMU commands. */
function visibleText(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<pre[\s\S]*?<\/pre>/g, '')
    .replace(/<[^>]+>/g, '\n')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
}

describe('the Chinese report has no English sentence left (auto-converge and XBZRLE runs)', () => {
  const englishIn = (html: string) => ENGLISH.filter((s) => visibleText(html).includes(s))

  it('the English reports contain the sentences the check looks for', async () => {
    const found = new Set<string>()
    const run = visibleText(await reportHtml([autoConvergeId]))
    const xbzrle = visibleText(await reportHtml([xbzrleId]))
    const comparison = visibleText(await reportHtml([autoConvergeId, xbzrleId]))
    const stalled = visibleText(await reportHtml([stalledId]))
    for (const s of ENGLISH)
      if ([run, xbzrle, comparison, stalled].some((text) => text.includes(s))) found.add(s)
    // Every sentence checked for is in one of them: the absence below means something.
    expect(ENGLISH.filter((s) => !found.has(s))).toEqual([])
  })

  it('an auto-converge run report in zh-CN', async () => {
    const html = await reportHtml([autoConvergeId], 'zh-CN')
    expect(englishIn(html)).toEqual([])
    expect(html).toMatch(/<h1>运行 \d+ — hot set, auto-converge<\/h1>/)
    expect(html).toMatch(/auto-converge 能力从第 \d+ 次脏页同步（[^）]+）起以 \d+ % 限制 vCPU/)
    expect(html).toContain('<strong>自动收敛限速</strong>')
    expect(html).toContain('要在真实的 QEMU 上尝试这个配置')
    // The commands stay QEMU's.
    expect(html).toContain('migrate-set-capabilities')
  })

  it('an XBZRLE run report in zh-CN', async () => {
    const html = await reportHtml([xbzrleId], 'zh-CN')
    expect(englishIn(html)).toEqual([])
    expect(html).toMatch(/XBZRLE（缓存 [\d.]+ MiB）：[\d,]+ 次缓存命中/)
  })

  it('a comparison of the two in zh-CN', async () => {
    const html = await reportHtml([autoConvergeId, xbzrleId], 'zh-CN')
    expect(englishIn(html)).toEqual([])
    expect(html).toContain(`<h1>运行 ${autoConvergeId}, ${xbzrleId} 的比较</h1>`)
    expect(html).toContain('<strong>每次运行的停机时间</strong>')
  })

  it('a measured run in zh-CN says 未测量 where it says "not measured" in English', async () => {
    const en = visibleText(await reportHtml([measuredId]))
    expect(en).toContain('not measured')
    expect(en).toContain("guestperf records only QEMU's total downtime")
    const html = await reportHtml([measuredId], 'zh-CN')
    const text = visibleText(html)
    expect(text).not.toContain('not measured')
    expect(text).not.toContain('guestperf records only')
    expect(text).toMatch(/未测量：guestperf 只记录 QEMU 的总停机时间（[^）]+），不记录其各部分。/)
    // The cells read muted in Chinese as in English.
    expect(html).toContain('<td class="num muted">未测量</td>')
  })

  it('a stalled run in zh-CN says what would change it', async () => {
    const html = await reportHtml([stalledId], 'zh-CN')
    expect(html).toMatch(/开启 auto-converge，它限制 vCPU 直到它们写脏得更少（§5），都可以改变这一点。/)
    expect(visibleText(html)).not.toContain('would change that')
  })
})

describe('migration-lab report --lang', () => {
  const lab = (args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args, '--db', t.file], {
      env: { ...process.env, MIGRATION_LAB_HOME: t.dir },
      encoding: 'utf8',
      timeout: 120_000
    })
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
  }

  it('writes English without it and Chinese with --lang zh-CN', () => {
    const en = join(t.dir, 'en.html')
    const zh = join(t.dir, 'zh.html')
    expect(lab(['report', String(runId), '--out', en]).code).toBe(0)
    expect(lab(['report', String(runId), '--lang', 'zh-CN', '--out', zh]).code).toBe(0)
    expect(headings(readFileSync(en, 'utf8'))[0]).toBe('What happened')
    expect(headings(readFileSync(zh, 'utf8'))[0]).toBe('发生了什么')
  })

  it('refuses a language it does not speak, naming the flag (exit 2)', () => {
    const r = lab(['report', String(runId), '--lang', 'fr', '--out', join(t.dir, 'fr.html')])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--lang: "fr" is not one of en, zh-CN')
  })
})
