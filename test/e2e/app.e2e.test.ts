import { describe, expect, it } from 'vitest'
import { screenshotPath, startWebHost, useLabPage } from './helpers'

// The first screen through the real web host in Debian's Chromium: it loads, connects, speaks
// English and Chinese, switches theme, remembers both, and says so when the host goes away.
describe('first screen in a browser', () => {
  const lab = useLabPage()

  const status = () => lab.page.getByTestId('connection-status')
  const theme = () => lab.page.evaluate(() => document.documentElement.dataset.theme)

  it('loads, connects to the host and shows who the host is', async () => {
    const response = await lab.page.goto(lab.host.url)
    expect(response?.status()).toBe(200)
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'")

    await expect.poll(() => status().textContent()).toContain('Connected to the lab host')
    expect(await lab.page.getByTestId('connection-host').textContent()).toContain('web browser')
    expect(await lab.page.getByTestId('product-name').textContent()).toBe('Migration Lab')
    expect(await lab.page.title()).toBe('Migration Lab')
    // app.hello went through the WebSocket and back.
    await expect.poll(() => lab.page.getByTestId('host-kind').textContent()).toContain('Web browser')
    expect(await lab.page.getByTestId('app-version').textContent()).toMatch(/^\d+\.\d+\.\d+/)
    await lab.page.screenshot({ path: await screenshotPath('first-screen-light') })
  })

  it('switches to Simplified Chinese and remembers it', async () => {
    await lab.page.getByLabel('Language').selectOption('zh-CN')
    await expect.poll(() => lab.page.getByTestId('product-name').textContent()).toBe('迁移实验室')
    expect(await lab.page.title()).toBe('迁移实验室')
    expect(await status().textContent()).toContain('已连接到实验室主机')
    expect(await lab.page.evaluate(() => document.documentElement.lang)).toBe('zh-CN')

    await lab.page.reload()
    await expect.poll(() => status().textContent()).toContain('已连接到实验室主机')
    expect(await lab.page.getByTestId('product-name').textContent()).toBe('迁移实验室')

    await lab.page.getByLabel('语言').selectOption('en')
    await expect.poll(() => lab.page.getByTestId('product-name').textContent()).toBe('Migration Lab')
  })

  it('follows the OS theme until a theme is chosen, then keeps the choice', async () => {
    expect(await theme()).toBe('light')
    const lightBackground = await lab.page.evaluate(() => getComputedStyle(document.body).backgroundColor)

    await lab.page.emulateMedia({ colorScheme: 'dark' })
    await expect.poll(theme).toBe('dark')
    const darkBackground = await lab.page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    expect(darkBackground).not.toBe(lightBackground)

    await lab.page.getByLabel('Theme').selectOption('light')
    await expect.poll(theme).toBe('light')
    await lab.page.reload()
    await expect.poll(() => status().textContent()).toContain('Connected')
    expect(await theme()).toBe('light')
    expect(await lab.page.getByLabel('Theme').inputValue()).toBe('light')

    await lab.page.getByLabel('Theme').selectOption('dark')
    await expect.poll(theme).toBe('dark')
  })

  it('can be used with the keyboard alone', async () => {
    await lab.page.reload()
    await expect.poll(() => status().textContent()).toContain('Connected')
    await lab.page.keyboard.press('Tab')
    expect(await lab.page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Skip to content')
    // The screen navigation comes next, one button per screen.
    for (const id of ['overview', 'configure', 'live', 'compare', 'history']) {
      await lab.page.keyboard.press('Tab')
      expect(await lab.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
        `screen-${id}`
      )
    }
    await lab.page.keyboard.press('Tab')
    expect(await lab.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'locale-select'
    )
    await lab.page.keyboard.press('ArrowDown')
    await expect.poll(() => lab.page.getByTestId('product-name').textContent()).toBe('迁移实验室')
    await lab.page.keyboard.press('ArrowUp')
    await expect.poll(() => lab.page.getByTestId('product-name').textContent()).toBe('Migration Lab')
  })

  it('shows no console errors and saves a screenshot', async () => {
    expect(lab.consoleErrors).toEqual([])
    await lab.page.screenshot({ path: await screenshotPath('first-screen-dark') })
  })

  it('says so when the host shuts down, and reconnects when it is back', async () => {
    const port = lab.host.port
    const home = lab.host.home
    expect(await lab.host.stop()).toBe(0)
    await expect
      .poll(() => status().textContent(), { timeout: 15_000 })
      .toContain('Disconnected: the lab host was shut down.')
    expect(await lab.page.getByTestId('reconnect').isVisible()).toBe(true)

    // The page retries after 0.5, 1, 2, 4, then every 8 s. Wait for a countdown only the 8 s
    // wait shows (7 s or more), so that after the host is back "Reconnect now" is the only way
    // to be connected within a few seconds: an automatic retry is still seconds away. Waiting
    // on the countdown (not on a clock) keeps this true on a loaded machine.
    await expect
      .poll(
        async () => Number(/Reconnecting in (\d+) s/.exec((await status().textContent()) ?? '')?.[1] ?? 0),
        { timeout: 30_000, interval: 200 }
      )
      .toBeGreaterThanOrEqual(7)
    // Four retries have failed by now; the page still says why it is disconnected.
    expect(await status().textContent()).toContain('Disconnected: the lab host was shut down.')
    // The countdown read 7 s or more, so the page's next retry is more than 6 s away.
    const nextRetryNotBefore = Date.now() + 6_000
    lab.host = await startWebHost({ port, home })
    const reconnect = lab.page.getByTestId('reconnect')
    const clickCanWin = nextRetryNotBefore - Date.now() > 3_000
    if (clickCanWin) await reconnect.click({ timeout: 2_000 })
    await expect
      .poll(() => status().textContent(), { timeout: 20_000 })
      .toContain('Connected to the lab host')
    // Connected before the page's own retry would have run: it was the click. (If the host took
    // so long to start that the retry was near anyway, the page's retry must connect it.)
    if (clickCanWin) expect(Date.now()).toBeLessThan(nextRetryNotBefore)
  })
})
