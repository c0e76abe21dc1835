import { createInterface } from 'node:readline'

/** Where children's output goes, one line at a time. */
export type LogSink = (childName: string, stream: 'stdout' | 'stderr', line: string) => void

/** The default sink: `[vcpu-3] …` on the main process's stderr (stdout is kept for results). */
export const stderrLogSink: LogSink = (childName, _stream, line) => {
  process.stderr.write(`[${childName}] ${line}\n`)
}

/** Forwards a child's output stream to the sink line by line (style.md rule 5: prefixed log). */
export function pipeLines(
  input: NodeJS.ReadableStream | null | undefined,
  childName: string,
  stream: 'stdout' | 'stderr',
  sink: LogSink
): void {
  if (!input) return
  const lines = createInterface({ input, crlfDelay: Infinity })
  lines.on('line', (line) => sink(childName, stream, line))
}
