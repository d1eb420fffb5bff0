/** Runs the built CLI (./bin/reimage) as a subprocess, the way Helm and shell pipes run it. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REIMAGE = fileURLToPath(new URL('../../bin/reimage', import.meta.url));
/** The Helm 4 post-renderer plugin's wrapper, as Helm runs it. */
export const HELM_WRAPPER = fileURLToPath(new URL('../../helm-plugin/reimage-postrenderer.sh', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runReimage(args: readonly string[], input: string, env: NodeJS.ProcessEnv = {}, command = REIMAGE): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => {}); // the CLI may exit before reading (start-up errors)
    child.stdin.end(input);
  });
}
