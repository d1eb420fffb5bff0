// `npm run build:sea` (after `npm run build`): dist/reimage-linux-x64, a Node.js single executable
// application. The CLI bundled into one CommonJS script (dist/reimage.cjs, by scripts/build.mjs)
// is turned into a blob with its V8 code cache by the pinned official Node.js 24 binary (the cache
// is only valid for the V8 that made it), and the blob is injected with postject into a copy of
// that same binary.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { pinnedNode } from './pinned-node.mjs';

const root = new URL('..', import.meta.url).pathname;
const seaDir = `${root}dist/sea/`;
const output = `${root}dist/reimage-linux-x64`;
const run = (command, args) => execFileSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });

const node = pinnedNode(24);
mkdirSync(seaDir, { recursive: true });
writeFileSync(`${seaDir}sea-config.json`, JSON.stringify({
  main: `${root}dist/reimage.cjs`,
  output: `${seaDir}reimage.blob`,
  disableExperimentalSEAWarning: true,
  useCodeCache: true,
}));
run(node, ['--experimental-sea-config', `${seaDir}sea-config.json`]);

// Made beside its final name and renamed over it: tests may be running the previous one.
const partial = `${seaDir}reimage-linux-x64.partial`;
rmSync(partial, { force: true });
copyFileSync(node, partial);
chmodSync(partial, 0o755);
run(process.execPath, [
  `${root}node_modules/postject/dist/cli.js`, partial, 'NODE_SEA_BLOB', `${seaDir}reimage.blob`,
  '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
]);
renameSync(partial, output);
console.log(`${output}: ${(statSync(output).size / 1e6).toFixed(1)} MB`);
