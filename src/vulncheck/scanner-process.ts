/**
 * Runs one scanner command with a deadline and a cap on its report. The scanner is started in its
 * own process group (detached), so that a timeout, an abort or an endless report kills it together
 * with every child it started (trivy and grype fork helpers; killing only the leader would leave
 * them running).
 */
import { spawn } from 'node:child_process';
import { formatBytes } from '../bounded-read.js';
import { ReimageError, errorMessage } from '../errors.js';
import { killGroup, trackGroup } from './process-groups.js';
import type { ScanFailure } from './types.js';

/**
 * The most a scanner may print on stdout: a trivy JSON report of a big image runs to tens of MB.
 * A scanner printing more is killed, and its image cannot be checked.
 */
export const SCANNER_STDOUT_LIMIT = 256 << 20;
/** Kept from the scanner's stderr for error reports. */
const STDERR_TAIL_BYTES = 8 * 1024;
/** Time a scanner gets to exit after SIGTERM before its group is SIGKILLed. */
const KILL_GRACE_MS = 3000;

export interface ScannerOutput {
  stdout: string;
  stderr: string;
}

/** A scanner run that failed: the command, exit code or signal and stderr are in `failure`. */
export class ScannerError extends ReimageError {
  constructor(readonly failure: ScanFailure) {
    super(failure.message);
  }
}

export async function runScanner(
  argv: readonly string[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ScannerOutput> {
  signal?.throwIfAborted();
  const [file, ...args] = argv;
  if (file === undefined) throw new ReimageError('empty scanner command');
  const command = [...argv];
  const child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const untrack = child.pid === undefined ? () => {} : trackGroup(child.pid);
  const stdout: Buffer[] = [];
  let stdoutSize = 0;
  let stderr = Buffer.alloc(0);
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = Buffer.concat([stderr, chunk]);
    if (stderr.length > STDERR_TAIL_BYTES * 2) stderr = stderr.subarray(stderr.length - STDERR_TAIL_BYTES);
  });

  let stopped: 'timeout' | 'abort' | 'too much output' | undefined;
  let forceKill: NodeJS.Timeout | undefined;
  const kill = (sig: NodeJS.Signals) => {
    if (child.pid !== undefined) killGroup(child.pid, sig);
  };
  let exited: { code: number | null; sig: NodeJS.Signals | null } | undefined;
  let finish: (() => void) | undefined;
  const stop = (why: NonNullable<typeof stopped>) => {
    if (stopped) return;
    stopped = why;
    kill('SIGTERM');
    forceKill = setTimeout(() => kill('SIGKILL'), KILL_GRACE_MS);
    // A child that escaped the group may hold stdout open: once stopped, exit is enough.
    if (exited) finish?.();
  };
  child.stdout.on('data', (chunk: Buffer) => {
    if (stopped) return; // what a killed scanner still prints is dropped
    stdoutSize += chunk.length;
    if (stdoutSize <= SCANNER_STDOUT_LIMIT) {
      stdout.push(chunk);
      return;
    }
    stdout.length = 0;
    stop('too much output');
  });
  const timer = setTimeout(() => stop('timeout'), timeoutMs);
  const onAbort = () => stop('abort');
  signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const { code, sig } = await new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      // 'close' waits for stdout/stderr too, so the output is complete.
      child.once('close', (c, s) => resolve({ code: c, sig: s }));
      finish = () => resolve(exited!);
      child.once('exit', (c, s) => {
        exited = { code: c, sig: s };
        if (stopped) finish?.();
      });
    });
    const tail = stderr.subarray(Math.max(0, stderr.length - STDERR_TAIL_BYTES)).toString('utf8');
    if (stopped === 'abort') throw signal?.reason ?? new ReimageError('vulnerability check aborted');
    if (stopped === 'timeout') {
      throw new ScannerError({
        message: `scanner timed out after ${timeoutMs / 1000}s and was killed`,
        command, exitCode: code, signal: sig, stderr: tail,
      });
    }
    if (stopped === 'too much output') {
      throw new ScannerError({
        message: `scanner printed more than the ${formatBytes(SCANNER_STDOUT_LIMIT)} limit on stdout and was killed; ` +
          'a JSON report is far smaller: check that the command prints only its report',
        command, exitCode: code, signal: sig, stderr: tail,
      });
    }
    if (code !== 0) {
      throw new ScannerError({
        message: sig ? `scanner was killed by ${sig}` : `scanner exited with code ${code}`,
        command, exitCode: code, signal: sig, stderr: tail,
      });
    }
    return { stdout: Buffer.concat(stdout).toString('utf8'), stderr: tail };
  } catch (err) {
    if (err instanceof ReimageError || stopped === 'abort') throw err;
    throw new ScannerError({ message: `cannot run scanner: ${errorMessage(err)}`, command });
  } finally {
    clearTimeout(timer);
    clearTimeout(forceKill);
    signal?.removeEventListener('abort', onAbort);
    // Children the scanner left behind (still in its group) go with it.
    kill('SIGKILL');
    untrack();
    child.stdout.destroy();
    child.stderr.destroy();
  }
}
