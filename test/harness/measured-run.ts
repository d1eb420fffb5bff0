/**
 * Runs the built CLI under GNU time, for tests that assert generous ceilings on a hostile input's
 * cost (issue 11): wall time and peak resident memory of the reimage process itself.
 */
import { BIN, run, type RunResult } from './run-reimage.js';

export interface MeasuredResult extends RunResult {
  seconds: number;
  /** User + system CPU time: unlike wall time, it does not grow when the machine is busy. */
  cpuSeconds: number;
  peakMiB: number;
}

const MARK = 'reimage-measure:';

export async function runMeasured(args: readonly string[], stdin: string | Buffer = '', env: NodeJS.ProcessEnv = {}): Promise<MeasuredResult> {
  const result = await run('/usr/bin/time', ['-f', `${MARK}%e %U %S %M`, BIN, ...args], env, stdin);
  const at = result.stderr.lastIndexOf(MARK);
  if (at < 0) throw new Error(`no measurement from /usr/bin/time: ${result.stderr}`);
  const [seconds, user, system, kib] = result.stderr.slice(at + MARK.length).trim().split(' ').map(Number);
  // GNU time reports the child's exit status as its own, with a line of its own before the mark.
  const stderr = result.stderr.slice(0, at).replace(/^Command (exited with non-zero status \d+|terminated by signal \d+)\n$/m, '');
  return { ...result, stderr, seconds: seconds!, cpuSeconds: user! + system!, peakMiB: kib! / 1024 };
}
