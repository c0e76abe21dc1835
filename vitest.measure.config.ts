import { defineConfig } from 'vitest/config'

// Measured runs on a real QEMU (docs/measured-runs.md). One file at a time and after the unit
// tests: a TCG guest's write rate and a migration's timing follow the CPU it gets, so these do
// not share the machine with the parallel unit tests.
export default defineConfig({
  test: {
    include: ['test/measure/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    fileParallelism: false
  }
})
