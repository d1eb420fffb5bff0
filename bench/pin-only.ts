/**
 * The cost of pinning without renaming (`-rename-force-digest`, no copy): every digest is taken
 * from the manifest's bytes (a GET of the tag), not from a HEAD's header, since no copy by digest
 * will check it later. Counts the requests of two runs over N distinct images (each written 3
 * times) through a counting proxy, beside `skopeo inspect --raw` of each image (what a pull's
 * first step costs), in the same run.
 *
 *   npm run build && node --import tsx bench/pin-only.ts [distinct-images]
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseReference } from '../src/reference/reference.js';
import { RegistryClient } from '../src/registry/index.js';
import { startProxy } from '../test/harness/proxy.js';
import { startRegistry } from '../test/harness/registries.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const DISTINCT = Number(process.argv[2] ?? 100);
const run = promisify(execFile);

const registry = await startRegistry('anonymous');
const proxy = await startProxy(registry.host);
try {
  const client = new RegistryClient({ concurrency: 8 });
  const images = await Promise.all(Array.from({ length: DISTINCT }, async (_, i) => {
    const ref = `${registry.host}/pin/app-${i}:1.${i}`;
    await client.pushImage(parseReference(ref), {
      manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', data: Buffer.from(JSON.stringify({ os: 'linux', seed: randomBytes(8).toString('hex') })) },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', data: randomBytes(1024) }],
    });
    return ref.replace(registry.host, proxy.host);
  }));
  const input = images.flatMap((image, i) => [0, 1, 2].map((n) => `---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}-${n}\nspec:\n  containers:\n    - name: c\n      image: ${image}\n`)).join('');

  const reimage = () => new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [`${root}bin/reimage`, '-rename-force-digest'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`reimage exited ${code}: ${stderr}`))));
    child.stdin.end(input);
  });
  const skopeo = async () => {
    for (const image of images) await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${image}`]);
  };
  const measure = async (label: string, task: () => Promise<void>) => {
    proxy.reset();
    const started = performance.now();
    await task();
    const s = (performance.now() - started) / 1000;
    const total = Object.values(proxy.requests).reduce((a, b) => a + b, 0);
    const byMethod = Object.entries(proxy.requests).map(([m, n]) => `${m} ${n}`).join(', ');
    console.log(`${label.padEnd(36)} ${s.toFixed(2).padStart(6)} s ${String(total).padStart(5)} requests (${byMethod})  ${(total / DISTINCT).toFixed(2)} per image`);
    return total;
  };
  console.log(`${DISTINCT * 3} pods naming ${DISTINCT} distinct images, pinned by digest, not renamed\n`);
  const first = await measure('reimage -rename-force-digest, run 1', reimage);
  const second = await measure('reimage -rename-force-digest, run 2', reimage);
  const inspect = await measure(`skopeo inspect --raw x${DISTINCT}`, skopeo);
  console.log(`\nrequests per distinct image: reimage ${(first / DISTINCT).toFixed(2)} / ${(second / DISTINCT).toFixed(2)}, skopeo ${(inspect / DISTINCT).toFixed(2)}; budget <= 2`);
} finally {
  await proxy.stop();
  await registry.stop();
}
