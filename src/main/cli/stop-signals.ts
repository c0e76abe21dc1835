/**
 * Ctrl-C (SIGINT) and `kill PID` (SIGTERM: what systemd, Kubernetes, Slurm and `timeout` send)
 * both stop the command the way migrate_cancel would: the run is recorded as cancelled and the
 * command ends normally. Without a SIGTERM handler Node dies at once with status 143 and leaves
 * the run `running` until the next opener calls it interrupted. Returns the function that removes
 * the handlers.
 */
export function onStopSignals(stop: () => void): () => void {
  const signals = ['SIGINT', 'SIGTERM'] as const
  for (const s of signals) process.once(s, stop)
  return () => {
    for (const s of signals) process.off(s, stop)
  }
}
