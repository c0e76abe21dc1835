/**
 * A separate process that records a run into a history database, for tests that kill it or
 * read while it writes. Bundled by helpers.bundleForNode and started with plain `node`:
 *
 *   node entry.mjs DB_FILE BATCHES   (BATCHES = 0: stream until killed)
 *
 * It prints `RUN <id>` once the run row exists, `FLUSHED <points>` after every committed batch,
 * and `DONE` after finishing the run.
 */
import { openHistory } from '../../../src/main/storage'
import { progressSamples, sampleConfig, sampleResult, throughputPiece } from '../helpers'

const [file, batchesArg] = process.argv.slice(2)
const batches = Number(batchesArg ?? '0')
const history = openHistory(file)
const runId = history.beginRun({ config: sampleConfig(), seed: 7, engineVersion: 'test', label: 'child run' })
process.stdout.write(`RUN ${runId}\n`)

const perBatch = 500
let written = 0
function step(): void {
  history.append(runId, {
    progress: progressSamples(perBatch, written * 100),
    throughput: [throughputPiece(0, written * 100, perBatch)]
  })
  history.flush()
  written += perBatch
  process.stdout.write(`FLUSHED ${written}\n`)
  if (batches > 0 && written >= batches * perBatch) {
    history.finish(runId, sampleResult())
    history.close()
    process.stdout.write('DONE\n')
    return
  }
  setTimeout(step, 5)
}
step()
