/** Runs test/registry/child.ts in a fresh Node process and returns its JSON report. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const LOOPBACK_DNS = fileURLToPath(new URL('./loopback-dns.ts', import.meta.url));

export interface ChildArgs {
  readonly op: 'copy' | 'resolve';
  readonly src: string;
  readonly dst?: string;
  /** The client's insecureRegistries (-insecure-registry). */
  readonly insecure?: readonly string[];
}

export interface ChildReport {
  readonly result?: Record<string, unknown>;
  readonly error?: string;
  readonly rssBeforeKiB?: number;
  readonly rssPeakKiB?: number;
  /** What the child logged. */
  readonly stderr: string;
}

/** `testNames`: names under .test resolve to 127.0.0.1 in the child (test/registry/loopback-dns.ts). */
export async function runClientInChild(args: ChildArgs, env: NodeJS.ProcessEnv = {}, opts: { testNames?: boolean } = {}): Promise<ChildReport> {
  const preload = opts.testNames ? ['--import', LOOPBACK_DNS] : [];
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', ...preload, CHILD, JSON.stringify(args)], {
    env: { ...process.env, ...env },
  });
  return { ...(JSON.parse(stdout) as Omit<ChildReport, 'stderr'>), stderr };
}
