/**
 * Writing a rendered report to disk for the command line. Nothing is ever overwritten silently:
 * every target file is checked before the first is written, an existing one is refused (naming
 * it) unless `force`, and files are created with O_EXCL otherwise so a race cannot clobber one.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve, sep } from 'node:path'
import { LabFailure, labError } from '../../shared/errors'
import type { RenderedFile } from './render'

/**
 * Where each file goes. One file: `out` is the file, or a directory (existing, or written with a
 * trailing slash) that receives the suggested name. CSV's three tables: in a directory they are
 * `report-runs.csv`, `report-syncs.csv`, `report-progress.csv`; otherwise `out` is a prefix
 * (`results/exp12` or `results/exp12.csv` → `results/exp12-runs.csv`, …).
 */
export function outputPaths(files: readonly RenderedFile[], out: string): string[] {
  const target = resolve(out)
  const isDirectory =
    out.endsWith('/') || out.endsWith(sep) || (existsSync(target) && statSync(target).isDirectory())
  if (files.length === 1 && !files[0]?.table) return [isDirectory ? join(target, files[0].fileName) : target]
  return files.map((f) => {
    const suffix = f.table ? `-${f.table}.csv` : `-${f.fileName}`
    if (isDirectory) return join(target, `report${suffix}`)
    const prefix = basename(target).replace(/\.csv$/i, '')
    return join(dirname(target), `${prefix}${suffix}`)
  })
}

export interface WriteReportOptions {
  force?: boolean
}

/** Writes the files; returns their paths. Refuses (Validation, exit 2) when one exists without force. */
export function writeReportFiles(
  files: readonly RenderedFile[],
  out: string,
  options: WriteReportOptions = {}
): string[] {
  const paths = outputPaths(files, out)
  const existing = paths.filter((p) => existsSync(p))
  if (existing.length > 0 && !options.force)
    throw new LabFailure(
      labError(
        'Validation',
        `--out: ${existing.join(', ')} ${existing.length === 1 ? 'exists' : 'exist'}; choose another name or add --force to replace ${existing.length === 1 ? 'it' : 'them'}`
      )
    )
  const folders = new Set(paths.map((p) => dirname(p)))
  for (const folder of folders) {
    if (existsSync(folder)) {
      if (!statSync(folder).isDirectory())
        throw new LabFailure(labError('Validation', `--out: ${folder} is a file, not a folder`))
    } else if (out.endsWith('/') || out.endsWith(sep)) {
      mkdirSync(folder, { recursive: true })
    } else {
      throw new LabFailure(
        labError('Validation', `--out: the folder ${folder} does not exist; create it first`)
      )
    }
  }
  files.forEach((file, i) => {
    writeFileSync(paths[i] as string, file.content, { flag: options.force ? 'w' : 'wx' })
  })
  return paths
}
