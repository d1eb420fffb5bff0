/**
 * `-timeout`: a limit on the whole run. When it passes, reimage stops with exit 1 and prints
 * nothing on stdout; once the output has started it is let finish, so a reader never gets half.
 */
import { formatMs } from '../registry/timeouts.js';

export interface RunDeadline {
  /** Called when the output starts: from then on the run is let finish. */
  disarm(): void;
}

export function armRunDeadline(ms: number, exit: (message: string) => void): RunDeadline {
  if (ms <= 0) return { disarm() {} };
  const timer = setTimeout(() => exit(`the run took longer than -timeout ${formatMs(ms)}; stopped, and nothing was printed`), ms);
  timer.unref();
  return { disarm: () => clearTimeout(timer) };
}
