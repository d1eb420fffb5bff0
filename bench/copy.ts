/**
 * Copy benchmark: 20 multi-arch images (2 platforms × 4 layers, ~3 MB each) between two local
 * registries, by reimage's client and by `skopeo copy --all`, cold and again when all is present.
 * HTTP requests are counted by counting proxies in front of the registries, so both tools are
 * measured the same way.
 *
 *   node --import tsx bench/copy.ts
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseReference } from '../src/reference/reference.js';
import { RegistryClient } from '../src/registry/index.js';
import { addImage, addIndex, buildTestLayout, pushTestImage } from '../test/harness/images.js';
import { startProxy, type CountingProxy } from '../test/harness/proxy.js';
import { startRegistry, type TestRegistry } from '../test/harness/registries.js';

const IMAGES = 20;
const LAYERS = 4;
const LAYER_BYTES = 384 << 10;
const PARALLEL = 4;
const run = promisify(execFile);

interface Measurement { seconds: number; requests: Record<string, number> }

async function inParallel<T>(items: readonly T[], limit: number, task: (item: T) => Promise<unknown>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await task(item);
  }));
}

async function measure(proxies: CountingProxy[], work: () => Promise<unknown>): Promise<Measurement> {
  for (const p of proxies) p.reset();
  const start = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const requests: Record<string, number> = {};
  for (const p of proxies) for (const [m, n] of Object.entries(p.requests)) requests[m] = (requests[m] ?? 0) + n;
  return { seconds, requests };
}

const total = (m: Measurement) => Object.values(m.requests).reduce((a, b) => a + b, 0);
const fmt = (m: Measurement) => `${m.seconds.toFixed(2).padStart(6)} s  ${String(total(m)).padStart(5)} requests  ${JSON.stringify(Object.fromEntries(Object.entries(m.requests).sort()))}`;

// The source, reimage's target and skopeo's target.
const registries = await Promise.all([1, 2, 3].map(() => startRegistry('anonymous')));
const [src, ours, theirs] = registries as [TestRegistry, TestRegistry, TestRegistry];
const layout = await buildTestLayout();
const proxies: CountingProxy[] = [];
try {
  process.stderr.write(`building ${IMAGES} images (${LAYERS} layers × 2 platforms, ${LAYER_BYTES >> 10} KiB per layer)…\n`);
  const names = Array.from({ length: IMAGES }, (_, i) => `app${i}`);
  for (const name of names) {
    await addImage(layout, `${name}-amd64`, { arch: 'amd64', layers: Array(LAYERS).fill(LAYER_BYTES) });
    await addImage(layout, `${name}-arm64`, { arch: 'arm64', layers: Array(LAYERS).fill(LAYER_BYTES) });
    await addIndex(layout, name, [`${name}-amd64`, `${name}-arm64`]);
  }
  const digests = new Map<string, string>();
  await inParallel(names, PARALLEL, async (name) => digests.set(name, await pushTestImage(layout, 'oci-index', `${src.host}/bench/${name}:v1`, undefined, name)));

  for (const reg of [src, ours, theirs]) proxies.push(await startProxy(reg.host));
  const [srcP, oursP, theirsP] = proxies as [CountingProxy, CountingProxy, CountingProxy];

  const reimageCopy = () => {
    const client = new RegistryClient({ concurrency: PARALLEL });
    return Promise.all(names.map((name) => client.copy(parseReference(`${srcP.host}/bench/${name}@${digests.get(name)}`), parseReference(`${oursP.host}/bench/${name}:v1`))));
  };
  const skopeoCopy = () => inParallel(names, PARALLEL, (name) => run('skopeo', ['copy', '-q', '--all', '--src-tls-verify=false', '--dest-tls-verify=false',
    `docker://${srcP.host}/bench/${name}@${digests.get(name)}`, `docker://${theirsP.host}/bench/${name}:v1`]));

  const results = {
    reimageCold: await measure([srcP, oursP], reimageCopy),
    reimageAgain: await measure([srcP, oursP], reimageCopy),
    skopeoCold: await measure([srcP, theirsP], skopeoCopy),
    skopeoAgain: await measure([srcP, theirsP], skopeoCopy),
  };
  // Both targets must now hold exactly the source digests.
  const check = new RegistryClient();
  for (const name of names) {
    for (const host of [ours.host, theirs.host]) {
      const got = await check.resolve(parseReference(`${host}/bench/${name}:v1`));
      if (got?.digest !== digests.get(name)) throw new Error(`${host}/bench/${name}:v1 is ${got?.digest}, want ${digests.get(name)}`);
    }
  }
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  console.log(`copy of ${IMAGES} multi-arch images (${LAYERS} layers × 2 platforms, ${LAYER_BYTES >> 10} KiB layers), ${PARALLEL} at a time`);
  console.log(`reimage cold     ${fmt(results.reimageCold)}`);
  console.log(`skopeo  cold     ${fmt(results.skopeoCold)}`);
  console.log(`reimage re-copy  ${fmt(results.reimageAgain)}  (${(total(results.reimageAgain) / IMAGES).toFixed(2)} requests per image)`);
  console.log(`skopeo  re-copy  ${fmt(results.skopeoAgain)}  (${(total(results.skopeoAgain) / IMAGES).toFixed(2)} requests per image)`);
  console.log(`cold:    skopeo/reimage time ${ratio(results.skopeoCold.seconds, results.reimageCold.seconds)}×, requests ${ratio(total(results.skopeoCold), total(results.reimageCold))}×`);
  console.log(`re-copy: skopeo/reimage time ${ratio(results.skopeoAgain.seconds, results.reimageAgain.seconds)}×, requests ${ratio(total(results.skopeoAgain), total(results.reimageAgain))}×`);
} finally {
  for (const p of proxies) await p.stop();
  for (const r of registries) await r.stop();
  await layout.remove();
}
