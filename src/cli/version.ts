/**
 * Version: package.json's version, plus the git commit when the CLI runs from its own checkout.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding reimage's package.json: above dist/ when bundled, above src/cli/ under tsx. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const git = (root: string, args: string[]) =>
  new Promise<string>((resolve) => {
    execFile('git', ['-C', root, ...args], { timeout: 2000 }, (err, out) => resolve(err ? '' : out.trim()));
  });

export async function versionString(): Promise<string> {
  const root = packageRoot();
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  // Only our own checkout's commit: an installed copy may sit inside some other repository.
  const top = await git(root, ['rev-parse', '--show-toplevel']);
  const own = top !== '' && (await realpath(top)) === (await realpath(root));
  const commit = own ? await git(root, ['rev-parse', '--short=12', 'HEAD']) : '';
  return `reimage ${pkg.version}${commit ? ` (commit ${commit})` : ''} node ${process.version}`;
}
