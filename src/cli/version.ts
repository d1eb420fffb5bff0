/**
 * Version: package.json's version, plus the git commit when the CLI runs from a checkout.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function versionString(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  const commit = await new Promise<string>((resolve) => {
    execFile('git', ['-C', packageRoot, 'rev-parse', '--short=12', 'HEAD'], { timeout: 2000 }, (err, out) =>
      resolve(err ? '' : out.trim()),
    );
  });
  return `reimage ${pkg.version}${commit ? ` (commit ${commit})` : ''} node ${process.version}`;
}
