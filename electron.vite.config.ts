import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

// One main-process build holds every Node-side entry point:
// - index: the Electron main process (the only entry that may import `electron`);
// - cli / serve / bench: the command line, the web host and the benchmarks, under plain Node;
// - engine-worker: the vCPU and migration engine processes under worker_threads;
// - engine-utility: the same engine modules as Electron utility processes.
export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          cli: resolve('src/main/cli/index.ts'),
          serve: resolve('src/main/web/serve.ts'),
          bench: resolve('src/main/bench/index.ts'),
          'engine-worker': resolve('src/engine/entry-worker.ts'),
          'engine-utility': resolve('src/engine/entry-utility.ts')
        }
      }
    }
  },
  preload: {
    build: {
      rolldownOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // A sandboxed preload must be a single CommonJS file.
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    root: resolve('src/renderer'),
    plugins: [vue()],
    build: {
      minify: true,
      // ECharts makes the renderer about 1 MB; it is loaded from disk (Electron) or loopback (web
      // host), never over a network, so one chunk is fine and the default 500 kB warning is noise.
      chunkSizeWarningLimit: 1600,
      rolldownOptions: { input: { index: resolve('src/renderer/index.html') } }
    }
  }
})
