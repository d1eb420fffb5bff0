/** Runs the built CLI (bin/reimage) as a subprocess, the way Helm and shell pipes run it. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The reimage executable under test: bin/reimage, or any other given as REIMAGE_BIN (e.g.
 * `REIMAGE_BIN=dist/reimage-linux-x64 npm test` runs every CLI, end-to-end and Helm test against
 * the single executable; the Helm plugin's wrapper, which reads the same variable, then runs it
 * too). That one is reached through a symlink named `reimage` in a directory of its own, so that
 * tests may also put `dirname(BIN)` on PATH and run `reimage` by name.
 */
export const BIN = process.env.REIMAGE_BIN ? linkedAsReimage(resolve(process.env.REIMAGE_BIN)) : fileURLToPath(new URL('../../bin/reimage', import.meta.url));
if (process.env.REIMAGE_BIN) process.env.REIMAGE_BIN = BIN;

function linkedAsReimage(executable: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'reimage-bin-'));
  symlinkSync(executable, join(dir, 'reimage'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'reimage');
}

/** The Helm 4 post-renderer plugin's wrapper, as Helm runs it. */
export const HELM_WRAPPER = fileURLToPath(new URL('../../helm-plugin/reimage-postrenderer.sh', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runReimage(
  args: readonly string[],
  stdin: string | Buffer = '',
  env: NodeJS.ProcessEnv = {},
  command = BIN,
): Promise<RunResult> {
  return run(command, args, env, stdin);
}

/** Runs any command with `env` added to this process's environment. */
export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, stdin: string | Buffer = ''): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
    child.stdin.on('error', () => {}); // the CLI may exit before reading (usage errors)
    child.stdin.end(stdin);
  });
}
