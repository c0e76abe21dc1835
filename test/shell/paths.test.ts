import { chmodSync, constants, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  appRoot,
  defaultHistoryDbPath,
  electronNativeBindingPath,
  hasAccess,
  rendererDir,
  sqliteNativeBinding,
  userDataDir
} from '../../src/main/paths'

describe('user data directory (shared by the desktop app, web host and command line)', () => {
  it.each([
    ['Linux', { platform: 'linux', env: {}, homedir: '/home/ada' }, '/home/ada/.config/migration-lab'],
    [
      'Linux with XDG_CONFIG_HOME',
      { platform: 'linux', env: { XDG_CONFIG_HOME: '/xdg' }, homedir: '/home/ada' },
      '/xdg/migration-lab'
    ],
    [
      'Linux ignores a relative XDG_CONFIG_HOME',
      { platform: 'linux', env: { XDG_CONFIG_HOME: 'rel' }, homedir: '/home/ada' },
      '/home/ada/.config/migration-lab'
    ],
    [
      'macOS',
      { platform: 'darwin', env: {}, homedir: '/Users/ada' },
      '/Users/ada/Library/Application Support/Migration Lab'
    ],
    [
      'Windows',
      { platform: 'win32', env: { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, homedir: 'C:\\Users\\ada' },
      'C:\\Users\\ada\\AppData\\Roaming\\Migration Lab'
    ],
    [
      'Windows without APPDATA',
      { platform: 'win32', env: {}, homedir: 'C:\\Users\\ada' },
      'C:\\Users\\ada\\AppData\\Roaming\\Migration Lab'
    ],
    [
      'MIGRATION_LAB_HOME wins everywhere',
      { platform: 'darwin', env: { MIGRATION_LAB_HOME: '/tmp/lab-home' }, homedir: '/Users/ada' },
      '/tmp/lab-home'
    ]
  ] as const)('%s', (_name, opts, expected) => {
    expect(userDataDir(opts)).toBe(expected)
  })

  it('keeps the history database in that directory', () => {
    expect(defaultHistoryDbPath({ platform: 'linux', env: {}, homedir: '/home/ada' })).toBe(
      '/home/ada/.config/migration-lab/history.db'
    )
    expect(defaultHistoryDbPath({ platform: 'win32', env: { APPDATA: 'C:\\R' }, homedir: 'C:\\U' })).toBe(
      'C:\\R\\Migration Lab\\history.db'
    )
    expect(defaultHistoryDbPath({ platform: 'linux', env: { MIGRATION_LAB_HOME: '/tmp/h' } })).toBe(
      '/tmp/h/history.db'
    )
  })
})

describe('project locations', () => {
  it('finds the project root and the built renderer', () => {
    expect(existsSync(join(appRoot(), 'package.json'))).toBe(true)
    expect(rendererDir()).toBe(join(appRoot(), 'out', 'renderer'))
  })

  it('keeps the Electron build of better-sqlite3 apart from Node’s', () => {
    const path = electronNativeBindingPath({
      root: '/r',
      electronVersion: '45.5.0',
      platform: 'linux',
      arch: 'x64'
    })
    expect(path).toBe('/r/.cache/electron-native/electron-45.5.0-linux-x64/better_sqlite3.node')
    // Under Node, better-sqlite3 loads its own build from node_modules.
    expect(sqliteNativeBinding({ ...process.versions })).toBeUndefined()
    expect(sqliteNativeBinding({ ...process.versions, electron: '45.5.0' } as NodeJS.ProcessVersions)).toBe(
      electronNativeBindingPath({ electronVersion: '45.5.0' })
    )
  })
})

describe('hasAccess (QEMU and Chromium found by it, a history folder checked for writing)', () => {
  it('says whether a file may be run or written, and no for a path that is not there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-access-'))
    try {
      const script = join(dir, 'qemu-system-x86_64')
      writeFileSync(script, '#!/bin/sh\n')
      chmodSync(script, 0o644)
      expect(hasAccess(script, constants.X_OK)).toBe(false)
      expect(hasAccess(script, constants.R_OK | constants.W_OK)).toBe(true)
      chmodSync(script, 0o755)
      expect(hasAccess(script, constants.X_OK)).toBe(true)
      expect(hasAccess(join(dir, 'missing'), constants.R_OK)).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
