import { ESLint } from 'eslint'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

// The layers by runtime are part of the build (DESIGN.md §6): a wrong import must fail `npm run
// lint`, which `npm test` runs. Each case lints a small file as if it stood at that path.
const root = resolve(__dirname, '../..')
const eslint = new ESLint({ cwd: root })

async function problems(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, path) })
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`)
}

describe('layering rules', () => {
  it('refuse a renderer file that imports main-process code', async () => {
    const found = await problems(
      'src/renderer/src/bad.ts',
      "import { NodeProcessHost } from '../../main/process/node-host'\nexport const h = NodeProcessHost\n"
    )
    expect(found.join('\n')).toMatch(/import-x\/no-restricted-paths: .*renderer imports only src\/shared/)
  })

  it('refuse electron, Node built-ins and timers in src/shared', async () => {
    const found = (
      await problems(
        'src/shared/bad.ts',
        "import { app } from 'electron'\nimport { readFileSync } from 'node:fs'\n" +
          'export const x = [app, readFileSync]\nsetTimeout(() => {}, 1)\n'
      )
    ).join('\n')
    expect(found).toMatch(/no-restricted-imports: 'electron' import is restricted/)
    expect(found).toMatch(/no-restricted-imports: 'node:fs' import is restricted/)
    expect(found).toMatch(/no-restricted-globals: Unexpected use of 'setTimeout'/)
  })

  it('refuse electron in engine processes, the web host and the command line', async () => {
    for (const path of ['src/engine/bad.ts', 'src/main/web/bad.ts', 'src/main/cli/bad.ts'])
      expect(
        (await problems(path, "import { app } from 'electron'\nexport const a = app\n")).join('\n')
      ).toMatch(/'electron' import is restricted/)
  })

  it('refuse src/shared importing from another layer', async () => {
    const found = await problems(
      'src/shared/bad.ts',
      "import { appRoot } from '../main/paths'\nexport const r = appRoot\n"
    )
    expect(found.join('\n')).toMatch(/import-x\/no-restricted-paths: .*src\/shared is pure/)
  })

  it('allow the Electron shell and the preload to import electron', async () => {
    expect(
      await problems('src/main/electron/bad.ts', "import { app } from 'electron'\nexport const a = app\n")
    ).toEqual([])
    expect(
      await problems(
        'src/preload/bad.ts',
        "import { contextBridge } from 'electron'\nexport const c = contextBridge\n"
      )
    ).toEqual([])
  })

  it('refuse main-process code other than the shell reaching src/main/electron, even by import()', async () => {
    const dynamic =
      "export async function pdf(html: string) {\n  const { printReportPdfInElectron } = await import('../../electron/report-pdf')\n  return printReportPdfInElectron(html)\n}\n"
    expect((await problems('src/main/lab/handlers/bad.ts', dynamic)).join('\n')).toMatch(
      /import-x\/no-restricted-paths: .*Only src\/main\/index.ts and src\/main\/electron\//
    )
    const plain =
      "import { UtilityProcessHost } from '../electron/utility-host'\nexport const h = UtilityProcessHost\n"
    expect((await problems('src/main/web/bad.ts', plain)).join('\n')).toMatch(/no-restricted-paths/)
    // The shell itself may.
    expect(
      await problems(
        'src/main/index.ts',
        "import { startApp } from './electron/app'\nexport const s = startApp\n"
      )
    ).toEqual([])
  })

  it('refuse a renderer store importing a component or a view', async () => {
    for (const from of ['../components/config/ConfigField.vue', '../views/ConfigureView.vue'])
      expect(
        (
          await problems('src/renderer/src/stores/bad.ts', `import X from '${from}'\nexport const x = X\n`)
        ).join('\n')
      ).toMatch(/import-x\/no-restricted-paths: .*components import stores/)
  })
})
