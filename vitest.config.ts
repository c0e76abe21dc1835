import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// Unit and integration tests. Integration tests spawn the built engine entry points
// (out/main/engine-worker.js), so the global setup builds once before any test runs.
export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'test/measure/**', 'node_modules/**'],
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
