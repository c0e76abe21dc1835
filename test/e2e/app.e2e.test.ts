import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import {
  cleanupHomes,
  collectConsoleErrors,
  launchBrowser,
  screenshotPath,
  startWebHost,
  type LabBrowser,
  type RunningWebHost
} from './helpers'

// The first screen through the real web host in Debian's Chromium: it loads, connects, speaks
// English and Chinese, switches theme, remembers both, and says so when the host goes away.
describe('first screen in a browser', () => {
  let host: RunningWebHost
  let browser: LabBrowser
  let page: Page
  let consoleErrors: string[]

  beforeAll(async () => {
    host = await startWebHost()
    browser = await launchBrowser({ locale: 'en-US', colorScheme: 'light' })
    page = await browser.context.newPage()
    consoleErrors = collectConsoleErrors(page)
  })

  afterAll(async () => {
    await browser?.close()
    await host?.stop()
    await cleanupHomes()
  })

  const status = () => page.getByTestId('connection-status')
  const theme = () => page.evaluate(() => document.documentElement.dataset.theme)

  it('loads, connects to the host and shows who the host is', async () => {
    const response = await page.goto(host.url)
    expect(response?.status()).toBe(200)
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'")

    await expect.poll(() => status().textContent()).toContain('Connected to the lab host')
    expect(await page.getByTestId('connection-host').textContent()).toContain('web browser')
    expect(await page.getByTestId('product-name').textContent()).toBe('Migration Lab')
    expect(await page.title()).toBe('Migration Lab')
    // app.hello went through the WebSocket and back.
    await expect.poll(() => page.getByTestId('host-kind').textContent()).toContain('Web browser')
    expect(await page.getByTestId('app-version').textContent()).toMatch(/^\d+\.\d+\.\d+/)
    await page.screenshot({ path: await screenshotPath('first-screen-light') })
  })

  it('switches to Simplified Chinese and remembers it', async () => {
    await page.getByLabel('Language').selectOption('zh-CN')
    await expect.poll(() => page.getByTestId('product-name').textContent()).toBe('迁移实验室')
    expect(await page.title()).toBe('迁移实验室')
    expect(await status().textContent()).toContain('已连接到实验室主机')
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN')

    await page.reload()
    await expect.poll(() => status().textContent()).toContain('已连接到实验室主机')
    expect(await page.getByTestId('product-name').textContent()).toBe('迁移实验室')

    await page.getByLabel('语言').selectOption('en')
    await expect.poll(() => page.getByTestId('product-name').textContent()).toBe('Migration Lab')
  })

  it('follows the OS theme until a theme is chosen, then keeps the choice', async () => {
    expect(await theme()).toBe('light')
    const lightBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)

    await page.emulateMedia({ colorScheme: 'dark' })
    await expect.poll(theme).toBe('dark')
    const darkBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    expect(darkBackground).not.toBe(lightBackground)

    await page.getByLabel('Theme').selectOption('light')
    await expect.poll(theme).toBe('light')
    await page.reload()
    await expect.poll(() => status().textContent()).toContain('Connected')
    expect(await theme()).toBe('light')
    expect(await page.getByLabel('Theme').inputValue()).toBe('light')

    await page.getByLabel('Theme').selectOption('dark')
    await expect.poll(theme).toBe('dark')
  })

  it('can be used with the keyboard alone', async () => {
    await page.reload()
    await expect.poll(() => status().textContent()).toContain('Connected')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Skip to content')
    // The screen navigation comes next, one button per screen.
    for (const id of ['overview', 'configure', 'live', 'compare', 'history']) {
      await page.keyboard.press('Tab')
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
        `screen-${id}`
      )
    }
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'locale-select'
    )
    await page.keyboard.press('ArrowDown')
    await expect.poll(() => page.getByTestId('product-name').textContent()).toBe('迁移实验室')
    await page.keyboard.press('ArrowUp')
    await expect.poll(() => page.getByTestId('product-name').textContent()).toBe('Migration Lab')
  })

  it('shows no console errors and saves a screenshot', async () => {
    expect(consoleErrors).toEqual([])
    await page.screenshot({ path: await screenshotPath('first-screen-dark') })
  })

  it('says so when the host shuts down, and reconnects when it is back', async () => {
    const port = host.port
    const home = host.home
    expect(await host.stop()).toBe(0)
    await expect.poll(() => status().textContent()).toContain('Disconnected: the lab host was shut down.')
    expect(await page.getByTestId('reconnect').isVisible()).toBe(true)

    host = await startWebHost({ port, home })
    await page.getByTestId('reconnect').click()
    await expect
      .poll(() => status().textContent(), { timeout: 15_000 })
      .toContain('Connected to the lab host')
  })
})
