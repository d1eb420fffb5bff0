/**
 * Data from other projects (published scanner reports, real manifests, public charts) lives outside
 * the repository, in `../shared/fixtures/` beside it, with its provenance; it is never copied in.
 * CI clones the repository beside it; in a git worktree it is beside the main checkout;
 * REIMAGE_SHARED_FIXTURES may name it anywhere else. When it is absent, the tests that need it are
 * skipped with a reason that says so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function locate(): string {
  if (process.env.REIMAGE_SHARED_FIXTURES) return resolve(process.env.REIMAGE_SHARED_FIXTURES);
  const beside = resolve(REPO_ROOT, '../shared/fixtures');
  if (existsSync(beside)) return beside;
  try {
    const commonDir = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    return resolve(dirname(commonDir), '../shared/fixtures');
  } catch {
    return beside;
  }
}

export const SHARED_FIXTURES = locate();

export const sharedFixture = (rel: string) => join(SHARED_FIXTURES, rel);

/** For `it(name, { skip: needsShared('scanners') }, …)`: false when present, else the reason. */
export function needsShared(rel: string): false | string {
  return existsSync(sharedFixture(rel)) ? false : `needs ${sharedFixture(rel)} (published data kept beside the repository; set REIMAGE_SHARED_FIXTURES)`;
}
