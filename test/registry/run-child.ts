/** Runs test/registry/child.ts in a fresh Node process and returns its JSON report. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

export interface ChildReport {
  readonly result?: Record<string, unknown>;
  readonly error?: string;
  readonly rssBeforeKiB?: number;
  readonly rssPeakKiB?: number;
}

export async function runClientInChild(args: { op: 'copy' | 'resolve'; src: string; dst?: string }, env: NodeJS.ProcessEnv = {}): Promise<ChildReport> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(args)], {
    env: { ...process.env, ...env },
  });
  return JSON.parse(stdout) as ChildReport;
}
