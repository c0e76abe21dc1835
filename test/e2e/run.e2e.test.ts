import { describe, expect, it } from 'vitest'
import { screenshotPath, useLabPage } from './helpers'

// Configure and Live run through the real web host (real engine workers, real history database)
// in Debian's Chromium: configure, run, watch, cancel, in English and Chinese.
describe('configure and run a migration in a browser', () => {
  const lab = useLabPage()

  const field = (path: string) => lab.page.getByTestId(`field-${path}`)
  const status = () => lab.page.getByTestId('run-status').textContent()

  /** Non-transparent pixels of the live chart's canvas, and how many distinct colours. */
  const paintedPixels = () =>
    lab.page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="live-charts"] canvas')
      if (!canvas) return { painted: 0, colours: 0, width: 0, height: 0 }
      const ctx = canvas.getContext('2d')
      if (!ctx) return { painted: 0, colours: 0, width: 0, height: 0 }
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height)
      let painted = 0
      const colours = new Set<number>()
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue
        painted++
        if (colours.size < 500) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2])
      }
      return { painted, colours: colours.size, width: canvas.width, height: canvas.height }
    })

  it('shows every field with its QEMU name, unit and default', async () => {
    await lab.page.goto(`${lab.host.url}#/configure`)
    await expect
      .poll(() => lab.page.getByTestId('connection-status').textContent())
      .toContain('Connected to the lab host')
    await expect
      .poll(() => lab.page.getByRole('heading', { name: 'Configure a migration' }).isVisible())
      .toBe(true)
    const downtime = field('migration.parameters.downtime-limit')
    expect(await downtime.textContent()).toContain('Downtime limit')
    expect(await downtime.locator('code').textContent()).toBe('downtime-limit')
    expect(await downtime.getByRole('textbox').inputValue()).toBe('300')
    expect(await downtime.textContent()).toContain('Default: 300 ms')
    // max-bandwidth is bytes/s in the config, edited as MiB/s.
    const bandwidth = field('migration.parameters.max-bandwidth')
    expect(await bandwidth.getByRole('textbox').inputValue()).toBe('128')
    expect(await bandwidth.getByLabel('Unit of Maximum bandwidth').inputValue()).toBe('mibps')
    // Every capability is simulated now (issue 9): none says otherwise.
    expect(await lab.page.getByTestId('capability-postcopy-ram').textContent()).not.toContain(
      'not simulated yet'
    )
    expect(await lab.page.getByTestId('capability-auto-converge').textContent()).not.toContain(
      'not simulated yet'
    )
    await lab.page.screenshot({ path: await screenshotPath('configure-light'), fullPage: true })
  })

  it('marks a bad value at its field and does not run it', async () => {
    const vcpus = field('guest.vcpus').getByRole('textbox')
    await vcpus.fill('0')
    await expect.poll(() => field('guest.vcpus').textContent()).toContain('must be at least 1')
    await expect.poll(() => lab.page.getByTestId('config-problems').textContent()).toContain('1 problem')
    await vcpus.press('Enter')
    // Still on Configure: nothing ran.
    expect(await lab.page.evaluate(() => location.hash)).toBe('#/configure')
    await field('guest.vcpus')
      .getByRole('button', { name: /Set vCPUs back/ })
      .click()
    await expect.poll(() => vcpus.inputValue()).toBe('2')
    await expect.poll(() => lab.page.getByTestId('config-problems').count()).toBe(0)
  })

  it('names a bound with the unit the Chinese UI uses (毫秒), and in English as before', async () => {
    const downtime = field('migration.parameters.downtime-limit')
    const errors = () => downtime.locator('.error').allTextContents()
    await lab.page.getByLabel('Language').selectOption('zh-CN')
    await downtime.getByRole('textbox').fill('5000000')
    await expect.poll(errors).toEqual(['不能大于 2000000 毫秒'])
    await expect.poll(() => lab.page.getByTestId('config-problems').textContent()).toContain('1 个问题')
    await lab.page.getByLabel('语言').selectOption('en')
    await expect.poll(errors).toEqual(['must be at most 2000000 ms'])
    await downtime.getByRole('button', { name: /Set Downtime limit back/ }).click()
    await expect.poll(() => downtime.getByRole('textbox').inputValue()).toBe('300')
    await expect.poll(() => lab.page.getByTestId('config-problems').count()).toBe(0)
  })

  it('runs the default config with Enter, replays it and shows its downtime', async () => {
    await field('migration.parameters.downtime-limit').getByRole('textbox').press('Enter')
    await expect
      .poll(() => lab.page.evaluate(() => location.hash), { timeout: 15_000 })
      .toMatch(/^#\/live\/\d+$/)
    await expect.poll(status, { timeout: 15_000 }).toMatch(/Running|Replaying|Completed/)
    // At 10× a 41 s migration takes about 4 s to replay: the clock moves through virtual time.
    await expect
      .poll(() => lab.page.getByTestId('virtual-clock').textContent(), { timeout: 15_000 })
      .toMatch(/[1-9][\d.]* s/)
    await lab.page.screenshot({ path: await screenshotPath('live-replaying') })

    const summary = lab.page.getByTestId('run-summary')
    await expect.poll(() => summary.isVisible(), { timeout: 30_000 }).toBe(true)
    expect(await status()).toBe('Completed')
    expect(await lab.page.getByTestId('summary-downtime').textContent()).toMatch(
      /Downtime \(as QEMU reports it\)\s*downtime\s*[\d.]+ ms/
    )
    expect(await lab.page.getByTestId('summary-verified').textContent()).toContain('memory identical')
    expect(await lab.page.getByTestId('summary-converged').textContent()).toContain('yes')
    expect(await lab.page.getByTestId('pause-breakdown').textContent()).toContain('remaining RAM')

    // The chart is really painted: many pixels, many colours (lanes, lines, markers).
    const pixels = await paintedPixels()
    expect(pixels.width).toBeGreaterThan(600)
    expect(pixels.painted).toBeGreaterThan(20_000)
    expect(pixels.colours).toBeGreaterThan(20)
    await lab.page.screenshot({ path: await screenshotPath('live-completed-light'), fullPage: true })

    // The switchover lasts milliseconds of a 41 s run: one click shows it.
    await lab.page.getByTestId('zoom-switchover').click()
    await expect.poll(() => lab.page.getByTestId('zoom-all').isVisible()).toBe(true)
    await lab.page
      .getByTestId('live-charts')
      .screenshot({ path: await screenshotPath('live-switchover-zoom') })
    await lab.page.getByTestId('zoom-all').click()
  })

  it('shows the live screen in Chinese', async () => {
    await lab.page.getByLabel('Language').selectOption('zh-CN')
    await expect.poll(() => lab.page.getByRole('heading', { name: '实时运行' }).isVisible()).toBe(true)
    expect(await status()).toBe('已完成')
    expect(await lab.page.getByTestId('summary-downtime').textContent()).toContain('停机时间（QEMU 报告值）')
    expect(await lab.page.getByTestId('playback').textContent()).toContain('最快')
    expect(await lab.page.getByTestId('screen-configure').textContent()).toBe('配置')
    await lab.page.screenshot({ path: await screenshotPath('live-completed-zh'), fullPage: true })
    await lab.page.getByLabel('语言').selectOption('en')
    await expect.poll(status).toBe('Completed')
  })

  it('keeps the run across a reload of its address', async () => {
    await lab.page.reload()
    await expect.poll(() => lab.page.getByTestId('run-summary').isVisible(), { timeout: 15_000 }).toBe(true)
    expect(await status()).toBe('Completed')
    expect(await lab.page.getByTestId('summary-downtime').textContent()).toMatch(/[\d.]+ ms/)
  })

  it('cancels a migration that does not converge with Esc', async () => {
    await lab.page.getByTestId('back-to-configure').click()
    await lab.page.getByTestId('preset-select').selectOption('memory-stress')
    // An hour of virtual time: the engine is busy for a good while.
    const maxTime = field('migration.policy.max-time-ms')
    await maxTime.getByLabel('Unit of Give up after').selectOption('s')
    await maxTime.getByRole('textbox').fill('3600')
    await lab.page.getByTestId('run').click()
    await expect.poll(status, { timeout: 15_000 }).toBe('Running')
    await lab.page.getByTestId('speed-max').click()
    await expect
      .poll(() => lab.page.getByTestId('virtual-clock').textContent(), { timeout: 15_000 })
      .toMatch(/[1-9]/)
    await lab.page.keyboard.press('Escape')
    await expect.poll(status, { timeout: 20_000 }).toBe('Cancelled')
    await expect.poll(() => lab.page.getByTestId('run-summary').isVisible(), { timeout: 10_000 }).toBe(true)
    const outcome = await lab.page.getByTestId('summary-outcome').textContent()
    expect(outcome).toContain('cancelled')
    // Not converged: the expected downtime against the limit.
    expect(await lab.page.getByTestId('summary-expected').textContent()).toMatch(
      /vs downtime-limit 300(\.0)? ms/
    )
    expect(await lab.page.getByTestId('summary-converged').textContent()).toContain('no')
  })

  it('stays usable with 64 vCPUs: lanes scroll, throughput is summarised', async () => {
    await lab.page.getByTestId('back-to-configure').click()
    await lab.page.getByTestId('preset-select').selectOption('qemu-defaults')
    await field('guest.vcpus').getByRole('textbox').fill('64')
    const memory = field('guest.memory-mib')
    await memory.getByRole('textbox').fill('16')
    const maxTime = field('migration.policy.max-time-ms')
    await maxTime.getByRole('textbox').fill('60')
    await lab.page.getByTestId('run').click()
    await expect
      .poll(status, { timeout: 15_000 })
      .toMatch(/Starting|Running|Replaying|Cancelled|Completed|Failed/)
    await lab.page.getByTestId('speed-max').click()
    await expect
      .poll(() => lab.page.getByTestId('live-charts').textContent())
      .toContain('64 vCPUs: scroll the lanes')
    // 65 engine processes on a busy machine: allow time, and say why if the engine gave up.
    await expect.poll(status, { timeout: 90_000 }).toMatch(/Cancelled|Completed|Failed/)
    if ((await status()) === 'Failed')
      throw new Error(`the 64-vCPU run failed: ${await lab.page.getByTestId('run-failed').textContent()}`)
    await expect.poll(() => lab.page.getByTestId('run-summary').isVisible(), { timeout: 10_000 }).toBe(true)
    const pixels = await paintedPixels()
    expect(pixels.painted).toBeGreaterThan(20_000)
    await lab.page.emulateMedia({ colorScheme: 'dark' })
    await lab.page.screenshot({ path: await screenshotPath('live-64-vcpus-dark'), fullPage: true })
    await lab.page.emulateMedia({ colorScheme: 'light' })
  }, 150_000)

  it('shows no console errors', () => {
    expect(lab.consoleErrors).toEqual([])
  })
})
