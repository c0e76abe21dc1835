/**
 * Cancels every background job of the lab host (runs, measurements, sweeps) and waits until each
 * has recorded its end, as the host's shutdown needs. All are told first, so that they stop
 * together rather than one after the other.
 */
export async function cancelAndWait<Job extends { readonly abort: AbortController }>(
  jobs: Iterable<Job>,
  ended: (job: Job) => Promise<unknown>,
  reason?: unknown
): Promise<void> {
  const all = [...jobs]
  // abort(undefined) is abort(): the signal's reason is then the standard AbortError.
  for (const job of all) job.abort.abort(reason)
  await Promise.all(all.map(ended))
}
