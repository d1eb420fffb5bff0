/**
 * Shared layers are moved once per run: a later copy (or a concurrent one) of a blob into another
 * repository of the same target registry mounts it from the repository that got it first.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parseReference } from '../src/reference/reference.js';
import { RegistryClient } from '../src/registry/index.js';
import { inspectRaw } from './harness/images.js';
import { startProxy, type CountingProxy } from './harness/proxy.js';
import { startRegistry, type TestRegistry } from './harness/registries.js';

const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

describe('shared layers', () => {
  let src: TestRegistry;
  let dst: TestRegistry;
  let srcProxy: CountingProxy;
  let dstProxy: CountingProxy;
  const base = gzipSync(randomBytes(64 << 10));
  const digests = new Map<string, string>();

  before(async () => {
    [src, dst] = await Promise.all([startRegistry('anonymous'), startRegistry('anonymous')]);
    [srcProxy, dstProxy] = await Promise.all([startProxy(src.host), startProxy(dst.host)]);
    const client = new RegistryClient();
    // Six apps on one base layer, each with a layer of its own.
    for (let i = 0; i < 6; i++) {
      const name = `app${i}`;
      digests.set(name, await client.pushImage(parseReference(`${src.host}/apps/${name}:v1`), {
        manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', data: Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, app: name })) },
        layers: [{ mediaType: LAYER, data: base }, { mediaType: LAYER, data: gzipSync(randomBytes(1024)) }],
      }));
    }
  });
  after(async () => {
    await Promise.all([srcProxy?.stop(), dstProxy?.stop()]);
    await Promise.all([src?.stop(), dst?.stop()]);
  });

  const copy = (client: RegistryClient, name: string, to: string) =>
    client.copy(parseReference(`${srcProxy.host}/apps/${name}@${digests.get(name)}`), parseReference(`${dstProxy.host}/${to}/${name}:v1`));
  const baseGets = () => srcProxy.log.filter((e) => e.method === 'GET' && e.path.endsWith(`/blobs/sha256:${sha256(base)}`)).length;

  it('a later copy into another repository mounts the shared layer instead of streaming it', async () => {
    srcProxy.reset();
    const client = new RegistryClient();
    const first = await copy(client, 'app0', 'later');
    const second = await copy(client, 'app1', 'later');
    assert.equal(first.blobsCopied, 3);
    assert.deepEqual([second.blobsCopied, second.blobsMounted], [2, 1]);
    assert.ok(first.bytesMoved > base.length && second.bytesMoved < base.length, 'the second copy moved only its own small blobs');
    assert.equal(baseGets(), 1, 'the base layer is read from the source once');
    const mounts = dstProxy.log.filter((e) => e.method === 'POST' && e.path.includes('mount='));
    assert.deepEqual(mounts.map((e) => [e.path.includes('from=later%2Fapp0'), e.status]), [[true, 201]]);
    assert.equal(await inspectRaw(`${dst.host}/later/app1:v1`), await inspectRaw(`${src.host}/apps/app1@${digests.get('app1')}`));
  });

  it('concurrent copies wait for the one upload of a shared layer, then mount it', async () => {
    srcProxy.reset();
    const client = new RegistryClient({ concurrency: 8 });
    const names = ['app2', 'app3', 'app4', 'app5'];
    const results = await Promise.all(names.map((name) => copy(client, name, 'together')));
    assert.equal(baseGets(), 1, 'the base layer is read from the source once');
    assert.equal(results.reduce((n, r) => n + r.blobsMounted, 0), 3);
    const moved = results.reduce((n, r) => n + r.bytesMoved, 0);
    assert.equal(client.stats.bytesMoved, moved);
    assert.ok(moved > base.length && moved < 2 * base.length, `the base layer is uploaded once (moved ${moved} bytes)`);
    for (const name of names) assert.equal(await inspectRaw(`${dst.host}/together/${name}:v1`), await inspectRaw(`${src.host}/apps/${name}@${digests.get(name)}`));
  });

  it('a copy waiting on a failed upload of the shared layer brings the layer itself', async () => {
    // The first PUT of the base layer fails for good (413), the other copy must not mount from nowhere.
    let refused = 0;
    const flaky = await startProxy(dst.host, { fault: (r) => (r.method === 'PUT' && r.url?.includes(sha256(base)) && !refused++ ? { status: 413 } : undefined) });
    try {
      const client = new RegistryClient({ retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
      const settled = await Promise.allSettled(['app0', 'app1'].map((name) => client.copy(parseReference(`${srcProxy.host}/apps/${name}@${digests.get(name)}`), parseReference(`${flaky.host}/failing/${name}:v1`))));
      assert.deepEqual(settled.map((s) => s.status).sort(), ['fulfilled', 'rejected']);
      const ok = settled.find((s) => s.status === 'fulfilled')!;
      assert.deepEqual([ok.value.blobsCopied, ok.value.blobsMounted], [3, 0]);
    } finally {
      await flaky.stop();
    }
  });
});

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
