/**
 * Version: the package version and the git commit it was built from, both written in by
 * scripts/build.mjs (a dirty checkout's commit ends in `-dirty`), and the Node.js running it.
 */
declare const REIMAGE_VERSION: string | undefined;
declare const REIMAGE_COMMIT: string | undefined;

/** True inside the single executable (dist/reimage-linux-x64), which has no node_modules beside it. */
export const isSingleExecutable = process.getBuiltinModule?.('node:sea')?.isSea() ?? false;

export function versionString(): string {
  const version = typeof REIMAGE_VERSION !== 'undefined' ? REIMAGE_VERSION : '0.0.0-unbuilt';
  const commit = typeof REIMAGE_COMMIT !== 'undefined' ? REIMAGE_COMMIT : '';
  const runtime = `node ${process.version}${isSingleExecutable ? ', single executable' : ''}`;
  return `reimage ${version}${commit ? ` (commit ${commit})` : ''} ${runtime}`;
}
