/**
 * Data from other projects (published scanner reports, real manifests) lives outside the repository,
 * in `../shared/fixtures/` relative to the repository root, with its provenance; it is never copied
 * in. CI clones the repository beside it. Elsewhere (a worktree) REIMAGE_SHARED_FIXTURES may name
 * the directory. When it is absent, the tests that need it are skipped with a reason that says so.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const SHARED_FIXTURES = process.env.REIMAGE_SHARED_FIXTURES
  ? resolve(process.env.REIMAGE_SHARED_FIXTURES)
  : resolve(REPO_ROOT, '../shared/fixtures');

export const sharedFixture = (rel: string) => join(SHARED_FIXTURES, rel);

/** For `it(name, { skip: needsShared('scanners') }, …)`: false when present, else the reason. */
export function needsShared(rel: string): false | string {
  return existsSync(sharedFixture(rel)) ? false : `needs ${sharedFixture(rel)} (published data kept beside the repository; set REIMAGE_SHARED_FIXTURES)`;
}
