import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderReport } from '../../src/main/report'
import { CONVERGING, HOT_SET, recordRun, tempHistory, type TempHistory } from './helpers'

// The report says a run's end as the Live view and History do (issue 12, defect 10), and in
// Chinese when the UI is (defect 5): the renderer takes a locale, the CLI `--lang zh-CN`.

const bin = resolve(__dirname, '../../bin/migration-lab.mjs')
let t: TempHistory
let runId: number
let stalledId: number

beforeAll(async () => {
  t = tempHistory('lab-report-locale-')
  runId = await recordRun(t.history, CONVERGING, { label: 'small guest' })
  stalledId = await recordRun(t.history, HOT_SET)
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
