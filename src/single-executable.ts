/**
 * True inside the single executable (dist/reimage-linux-x64), which has no node_modules beside it.
 * A function, asked only when needed: loading node:sea is a part of every run's start-up otherwise.
 */
export function isSingleExecutable(): boolean {
  return process.getBuiltinModule?.('node:sea')?.isSea() ?? false;
}
