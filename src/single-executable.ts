/** True inside the single executable (dist/reimage-linux-x64), which has no node_modules beside it. */
export const isSingleExecutable = process.getBuiltinModule?.('node:sea')?.isSea() ?? false;
