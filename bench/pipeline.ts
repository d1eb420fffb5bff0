/**
 * The main job at scale: a 1,000-document stream naming 200 distinct images on 2 registries
 * (each image written 5 times), renamed into a third registry. Runs the built CLI twice (first
 * run copies everything, second run finds everything present) and the same 200 copies with
 * `skopeo copy --all`, twice, in the same run. Counting proxies in front of the registries give
 * the requests. Each round copies into a fresh target registry; medians over the rounds. The
 * floor is the second run's HEADs sent by a minimal keep-alive client at the same concurrency.
 * Prints wall time, requests, the CPU time of the tool's processes (user + system; not for the
 * floor, which runs in this process beside the proxies), and the ratios.
 *
 *   npm run build && node --import tsx bench/pipeline.ts [distinct-images] [rounds]
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parseReference } from '../src/reference/reference.js';
import { RegistryClient } from '../src/registry/index.js';
import { MANIFEST_ACCEPT } from '../src/registry/media-types.js';
import { headFloor } from './floor.js';
import { childrenCpuSeconds } from './proc-cpu.js';
import { startProxy, type CountingProxy } from '../test/harness/proxy.js';
import { startRegistry, type TestRegistry } from '../test/harness/registries.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const DISTINCT = Number(process.argv[2] ?? 200);
const DOCUMENTS = 1000;
const SKOPEO_PARALLEL = 4;
/** reimage's default -registry-concurrency: the floor uses the same. */
const REIMAGE_CONCURRENCY = 4;
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

async function measure(proxies: readonly CountingProxy[], task: () => Promise<void>) {
  proxies.forEach((p) => p.reset());
  const cpu = await childrenCpuSeconds();
  const started = performance.now();
  await task();
  return { ms: performance.now() - started, requests: count(proxies), cpuMs: ((await childrenCpuSeconds()) - cpu) * 1000 };
}

const ROUNDS = Number(process.argv[3] ?? 3);
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sources = await Promise.all([startRegistry('anonymous'), startRegistry('anonymous')]);
const sourceProxies = await Promise.all(sources.map((r) => startProxy(r.host)));
try {
  const [a, b] = sourceProxies as [CountingProxy, CountingProxy];
  const half = DISTINCT / 2;
  const images = [...(await seed(sources[0]!, half, 'a')), ...(await seed(sources[1]!, DISTINCT - half, 'b'))]
    .map((ref) => ref.replace(sources[0]!.host, a.host).replace(sources[1]!.host, b.host));
  const input = stream(images);
  const client = new RegistryClient();
  const digests = await Promise.all(images.map(async (ref) => (await client.resolve(parseReference(ref)))!.digest));
  console.log(`${DOCUMENTS} documents, ${DISTINCT} distinct images on 2 registries, copied into a third; ${ROUNDS} rounds, medians; the machine may be shared\n`);

  const results: Record<string, { ms: number[]; requests: number[]; cpuMs: number[] }> = {};
  const record = (label: string, m: { ms: number; requests: number; cpuMs: number }) => {
    const r = (results[label] ??= { ms: [], requests: [], cpuMs: [] });
    r.ms.push(m.ms);
    r.requests.push(m.requests);
    r.cpuMs.push(m.cpuMs);
  };
  for (let round = 0; round < ROUNDS; round++) {
    // A fresh, empty target registry per round, so every first run is a cold one.
    const target = await startRegistry('anonymous');
    const dst = await startProxy(target.host);
    const proxies = [a, b, dst];
    try {
      const args = ['-rename-remote-path', `${dst.host}/imported`];
      record('reimage, first run (copies)', await measure(proxies, () => reimage(args, input)));
      record('reimage, second run (all present)', await measure(proxies, () => reimage(args, input)));
      // The floor: exactly the HEADs the second run sent, from a minimal keep-alive client.
      const heads = proxies.flatMap((p) => p.log.filter((e) => e.method === 'HEAD').map((e) => `http://${p.host}${e.path}`));
      record('floor: the same HEADs, keep-alive client', await measure(proxies, async () => void (await headFloor(heads, REIMAGE_CONCURRENCY, MANIFEST_ACCEPT))));
      record('reimage, no images (start-up cost)', await measure(proxies, () => reimage(args, 'kind: ConfigMap\n')));
      // skopeo copies the same images, by digest, to tags of its own.
      const pairs = images.map((ref, i): [string, string] => [`${ref.replace(/:[^:/]+$/, '')}@${digests[i]}`, `${dst.host}/skopeo/app-${i}:copy`]);
      record(`skopeo copy --all x${DISTINCT} (copies)`, await measure(proxies, () => skopeoCopies(pairs)));
      record(`skopeo copy --all x${DISTINCT} (present)`, await measure(proxies, () => skopeoCopies(pairs)));
    } finally {
      await dst.stop();
      await target.stop();
    }
  }
  const summary = Object.fromEntries(Object.entries(results).map(([label, r]) => [label, { ms: median(r.ms), requests: median(r.requests), cpuMs: median(r.cpuMs) }]));
  for (const [label, m] of Object.entries(summary)) {
    const cpu = label.startsWith('floor') ? '' : `  ${(m.cpuMs / 1000).toFixed(2)} s CPU`;
    console.log(`${label.padEnd(42)} ${(m.ms / 1000).toFixed(2).padStart(7)} s ${String(m.requests).padStart(7)} requests  ${(m.requests / DISTINCT).toFixed(2)} per image${cpu}`);
  }
  const get = (prefix: string) => Object.entries(summary).find(([label]) => label.startsWith(prefix))![1];
  const [first, second, floor, skopeoFirst, skopeoSecond] = ['reimage, first', 'reimage, second', 'floor', 'skopeo copy --all x' + DISTINCT + ' (copies)', 'skopeo copy --all x' + DISTINCT + ' (present)'].map(get) as [typeof summary[string], typeof summary[string], typeof summary[string], typeof summary[string], typeof summary[string]];
  console.log('\nratios:');
  console.log(`  first run:  skopeo/reimage time ${(skopeoFirst.ms / first.ms).toFixed(1)}x, requests ${(skopeoFirst.requests / first.requests).toFixed(1)}x`);
  console.log(`  second run: skopeo/reimage time ${(skopeoSecond.ms / second.ms).toFixed(1)}x, requests ${(skopeoSecond.requests / second.requests).toFixed(1)}x`);
  console.log(`  second run / floor: ${(second.ms / floor.ms).toFixed(2)}x (target <= 1.5x); ${(second.requests / DISTINCT).toFixed(2)} requests per distinct image (target <= 2)`);
} finally {
  await Promise.all(sourceProxies.map((p) => p.stop()));
  await Promise.all(sources.map((r) => r.stop()));
}
