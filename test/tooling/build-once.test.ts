import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildIsFresh } from '../global-setup'

// `npm test` builds once: the vitest global setups (unit and e2e) build only when out/ is older
// than the sources, so after `npm run build` neither builds again (issue 13: it built 3 times).
let root: string
const OUTPUTS = [
  'out/main/engine-worker.js',
  'out/main/cli.js',
  'out/main/serve.js',
  'out/renderer/index.html'
]

function write(path: string, atSeconds: number): void {
  const file = join(root, path)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, '')
  utimesSync(file, atSeconds, atSeconds)
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lab-build-once-'))
  write('src/main/index.ts', 1000)
  write('package.json', 1000)
  for (const output of OUTPUTS) write(output, 2000)
  // Directories' own times follow their files here; keep them old like a checkout's.
  for (const dir of ['src/main', 'src']) utimesSync(join(root, dir), 1000, 1000)
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

describe('the tests build only a stale out/', () => {
  it('skips the build when every output is newer than every source', () => {
    expect(buildIsFresh(root)).toBe(true)
  })

  it('builds after a source changed', () => {
    write('src/main/index.ts', 3000)
    expect(buildIsFresh(root)).toBe(false)
  })

  it('builds after a new source file appeared', () => {
    write('src/shared/new.ts', 3000)
    expect(buildIsFresh(root)).toBe(false)
  })

  it('builds when an output is missing', () => {
    rmSync(join(root, 'out/main/serve.js'))
    expect(buildIsFresh(root)).toBe(false)
  })

  it('builds after package.json changed', () => {
    write('package.json', 3000)
    expect(buildIsFresh(root)).toBe(false)
  })
})
