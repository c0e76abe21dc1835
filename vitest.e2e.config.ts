import { defineConfig } from 'vitest/config'

// End-to-end journeys in Debian's Chromium (playwright-core) through the web host.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 90_000,
    hookTimeout: 90_000,
    fileParallelism: false
  }
})
