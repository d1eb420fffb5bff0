/**
 * Version: the package version and the git commit it was built from, both written in by
 * scripts/build.mjs (a dirty checkout's commit ends in `-dirty`), and the Node.js running it.
 */
import { isSingleExecutable } from '../single-executable.js';

declare const REIMAGE_VERSION: string | undefined;
declare const REIMAGE_COMMIT: string | undefined;

export function versionString(): string {
  const version = typeof REIMAGE_VERSION !== 'undefined' ? REIMAGE_VERSION : '0.0.0-unbuilt';
  const commit = typeof REIMAGE_COMMIT !== 'undefined' ? REIMAGE_COMMIT : '';
  const runtime = `node ${process.version}${isSingleExecutable() ? ', single executable' : ''}`;
  return `reimage ${version}${commit ? ` (commit ${commit})` : ''} ${runtime}`;
}
