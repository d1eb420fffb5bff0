/**
 * The process groups of running scanners. Each scanner runs in its own group (so that a timeout
 * kills it with its children), which also means a Ctrl-C or a SIGTERM sent to reimage does not
 * reach it. While any scanner runs, those signals kill every scanner group first, then take their
 * usual effect on reimage; an exit does the same.
 */
const live = new Set<number>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const onSignal = new Map(SIGNALS.map((sig) => [sig, () => interrupted(sig)]));

/** Sends `sig` to the process group led by `pgid`; a group that is already gone is no error. */
export function killGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // the group is already gone
  }
}

/** Tracks a scanner's group until the returned function is called. */
export function trackGroup(pgid: number): () => void {
  if (live.size === 0) listen(true);
  live.add(pgid);
  return () => {
    live.delete(pgid);
    if (live.size === 0) listen(false);
  };
}

function listen(on: boolean): void {
  for (const [sig, handler] of onSignal) {
    if (on) process.on(sig, handler);
    else process.off(sig, handler);
  }
  if (on) process.on('exit', killAll);
  else process.off('exit', killAll);
}

function killAll(): void {
  for (const pgid of live) killGroup(pgid, 'SIGKILL');
}

function interrupted(sig: NodeJS.Signals): void {
  killAll();
  live.clear();
  listen(false);
  // With no other handler, the signal's default action (terminating reimage) applies again.
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}
