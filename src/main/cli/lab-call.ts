import { LabFailure } from '../../shared/errors'
import type { LabMethod, LabParams, LabResult } from '../../shared/protocol/lab-api'
import { LabService } from '../lab/service'
import type { HistoryDb } from '../storage'

/** Calls one LabApi method the way a page does. */
export type CliLab = <M extends LabMethod>(method: M, params: LabParams<M>) => Promise<LabResult<M>>

/**
 * The command line as a caller of the LabApi: its history commands go through the same handlers
 * (and the same param schemas and limits) as the app's and the web host's pages, so a query means
 * the same thing in all three. A refusal is thrown as the LabFailure it carries (exit 2 for bad
 * input, 1 for a failure).
 */
export function cliLab(history: HistoryDb): CliLab {
  const service = new LabService({ appVersion: '', platform: process.platform, history })
  return async (method, params) => {
    const outcome = await service.handle(method, params, { host: 'cli', clientId: 'cli' })
    if (!outcome.ok) throw new LabFailure(outcome.error)
    return outcome.value as LabResult<typeof method>
  }
}
