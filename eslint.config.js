// Flat ESLint config. The layering rules below are part of the build: `npm test` fails when a
// file imports across a runtime boundary (DESIGN.md §6, style.md "Layout and layers").
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import importX from 'eslint-plugin-import-x'
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript'
import globals from 'globals'

// Files that may import `electron`: the Electron main process shell and the preload.
const electronFiles = ['src/main/index.ts', 'src/main/electron/**', 'src/preload/**']

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test-results/**', 'docs/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } }
  },
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          project: ['tsconfig.node.json', 'tsconfig.web.json'],
          noWarnOnMultipleProjects: true
        })
      ]
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      // --- Layers by runtime (resolved paths, so relative imports cannot slip through) ---
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/shared',
              from: ['./src/main', './src/preload', './src/renderer', './src/engine'],
              message: 'src/shared is pure: it imports nothing from the other src/ folders.'
            },
            {
              target: './src/renderer',
              from: ['./src/main', './src/preload', './src/engine'],
              message: 'The renderer imports only src/shared (and talks to the host through LabApi).'
            },
            {
              target: './src/engine',
              from: ['./src/main', './src/preload', './src/renderer'],
              message: 'Engine processes are Node-only and import only src/shared and src/engine.'
            },
            {
              target: './src/preload',
              from: ['./src/main', './src/renderer', './src/engine'],
              message: 'The preload imports only src/shared.'
            },
            {
              target: './src/renderer/src/stores',
              from: ['./src/renderer/src/components', './src/renderer/src/views'],
              message:
                'Stores hold the state components show: components import stores, never the other way round (shared data goes to src/shared).'
            }
          ]
        }
      ]
    }
  },
  // Only the Electron shell reaches src/main/electron: a handler or a host that imported it (even
  // with a dynamic import()) would load Electron code under Node. What Electron provides is
  // given to the LabService instead (LabServiceDeps, e.g. printPdf). This block's zones replace
  // the ones above for these files, which name no zone with a src/main target.
  {
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/index.ts', 'src/main/electron/**'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/main',
              from: './src/main/electron',
              message:
                'Only src/main/index.ts and src/main/electron/ use the Electron shell; give what it provides to the LabService (LabServiceDeps).'
            }
          ]
        }
      ]
    }
  },
  // Only the Electron shell may import `electron`; everything else must also run under plain Node.
  {
    files: ['src/**/*.{ts,vue}'],
    ignores: electronFiles,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'Only src/main/index.ts, src/main/electron/ and src/preload/ may import electron.'
            }
          ]
        }
      ]
    }
  },
  // src/shared is pure: no Node built-ins, no I/O, no native modules.
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'src/shared is pure: no electron.' },
            { name: 'better-sqlite3', message: 'src/shared is pure: no I/O.' },
            { name: 'ws', message: 'src/shared is pure: no I/O.' }
          ],
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'worker_threads', 'child_process'],
              message: 'src/shared is pure: no Node built-ins.'
            }
          ]
        }
      ],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'process', 'require']
    }
  },
  // The renderer runs in a sandboxed page: no Node built-ins either.
  {
    files: ['src/renderer/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The renderer never imports electron; it uses LabApi.' },
            { name: 'better-sqlite3', message: 'The renderer has no database access; it uses LabApi.' }
          ],
          patterns: [{ group: ['node:*'], message: 'The renderer is a sandboxed page: no Node built-ins.' }]
        }
      ]
    }
  },
  {
    files: ['**/*.mjs', 'scripts/**', 'bin/**'],
    languageOptions: { globals: { ...globals.node } }
  }
)
