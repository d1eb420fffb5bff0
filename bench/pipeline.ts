/**
 * The main job at scale: a 1,000-document stream naming 200 distinct images on 2 registries
 * (each image written 5 times), renamed into a third registry. Runs the built CLI twice (first
 * run copies everything, second run finds everything present) and the same 200 copies with
 * `skopeo copy --all`, twice, in the same run. Counting proxies in front of the registries give
 * the requests. Prints wall time, requests, and the ratios.
 *
 *   npm run build && node --import tsx bench/pipeline.ts [distinct-images]
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parseReference } from '../src/reference/reference.js';
import { RegistryClient } from '../src/registry/index.js';
import { startProxy, type CountingProxy } from '../test/harness/proxy.js';
import { startRegistry, type TestRegistry } from '../test/harness/registries.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const DISTINCT = Number(process.argv[2] ?? 200);
const DOCUMENTS = 1000;
const SKOPEO_PARALLEL = 4;
const run = promisify(execFile);

/** Seeds one small random image (config + one 2 kB layer) per name; returns the references. */
async function seed(registry: TestRegistry, count: number, prefix: string): Promise<string[]> {
  const client = new RegistryClient({ concurrency: 8 });
  return Promise.all(Array.from({ length: count }, async (_, i) => {
    const ref = `${registry.host}/${prefix}/app-${i}:1.${i}`;
    const layer = gzipSync(randomBytes(2048));
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, seed: randomBytes(8).toString('hex') }));
    await client.pushImage(parseReference(ref), {
      manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', data: config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', data: layer }],
    });
    return ref;
  }));
}

function stream(images: readonly string[]): string {
  return Array.from({ length: DOCUMENTS }, (_, i) => `---
# Source: big/templates/deploy-${i}.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${i}
  namespace: bench
spec:
  template:
    spec:
      containers:
        - name: main
          image: ${images[i % images.length]}
`).join('');
}

function reimage(args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${root}bin/reimage`, ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`reimage exited ${code}: ${stderr}`))));
    child.stdin.end(input);
  });
}

async function skopeoCopies(pairs: readonly [string, string][]): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: SKOPEO_PARALLEL }, async () => {
    while (next < pairs.length) {
      const [src, dst] = pairs[next++]!;
      await run('skopeo', ['copy', '-q', '--all', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${src}`, `docker://${dst}`]);
    }
  }));
}

const count = (proxies: readonly CountingProxy[]) => proxies.reduce((n, p) => n + Object.values(p.requests).reduce((a, b) => a + b, 0), 0);

async function measure(label: string, proxies: readonly CountingProxy[], task: () => Promise<void>) {
  proxies.forEach((p) => p.reset());
  const started = performance.now();
  await task();
  const ms = performance.now() - started;
  const requests = count(proxies);
  console.log(`${label.padEnd(34)} ${(ms / 1000).toFixed(2).padStart(7)} s ${String(requests).padStart(7)} requests  ${(requests / DISTINCT).toFixed(2)} per image`);
  return { ms, requests };
}

const registries = await Promise.all([startRegistry('anonymous'), startRegistry('anonymous'), startRegistry('anonymous')]);
const proxies = await Promise.all(registries.map((r) => startProxy(r.host)));
try {
  const [a, b, dst] = proxies as [CountingProxy, CountingProxy, CountingProxy];
  const half = DISTINCT / 2;
  const images = [...(await seed(registries[0]!, half, 'a')), ...(await seed(registries[1]!, DISTINCT - half, 'b'))]
    .map((ref) => ref.replace(registries[0]!.host, a.host).replace(registries[1]!.host, b.host));
  const input = stream(images);
  console.log(`${DOCUMENTS} documents, ${DISTINCT} distinct images on 2 registries, copied into a third\n`);
  const args = ['-rename-remote-path', `${dst.host}/imported`];
  const first = await measure('reimage, first run (copies)', proxies, () => reimage(args, input));
  const second = await measure('reimage, second run (all present)', proxies, () => reimage(args, input));

  // skopeo copies the same images, by digest, to tags of its own.
  const client = new RegistryClient();
  const digests = await Promise.all(images.map(async (ref) => (await client.resolve(parseReference(ref)))!.digest));
  const pairs = images.map((ref, i): [string, string] => [`${ref.replace(/:[^:/]+$/, '')}@${digests[i]}`, `${dst.host}/skopeo/app-${i}:copy`]);
  const skopeoFirst = await measure(`skopeo copy --all x${DISTINCT} (copies)`, proxies, () => skopeoCopies(pairs));
  const skopeoSecond = await measure(`skopeo copy --all x${DISTINCT} (present)`, proxies, () => skopeoCopies(pairs));

  console.log('\nratios (skopeo / reimage):');
  console.log(`  first run:  time ${(skopeoFirst.ms / first.ms).toFixed(1)}x, requests ${(skopeoFirst.requests / first.requests).toFixed(1)}x`);
  console.log(`  second run: time ${(skopeoSecond.ms / second.ms).toFixed(1)}x, requests ${(skopeoSecond.requests / second.requests).toFixed(1)}x`);
  console.log(`  second-run target: <= 2 requests per distinct image; measured ${(second.requests / DISTINCT).toFixed(2)} (every request counted)`);
} finally {
  await Promise.all(proxies.map((p) => p.stop()));
  await Promise.all(registries.map((r) => r.stop()));
}
