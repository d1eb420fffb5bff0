import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { parseReference } from '../src/reference/reference.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST, RegistryClient } from '../src/registry/index.js';
import { buildTestLayout, inspectRaw, pushTestImage, type TestImageKind, type TestLayout } from './harness/images.js';
import { startProxy } from './harness/proxy.js';
import { startRegistry, type TestRegistry } from './harness/registries.js';

/** A loopback port that nothing listens on (just released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('RegistryClient.resolve against a real registry', () => {
  let reg: TestRegistry;
  let layout: TestLayout;
  const digests = {} as Record<TestImageKind, string>;
  const kinds: [TestImageKind, string][] = [['oci', OCI_MANIFEST], ['docker', DOCKER_MANIFEST], ['oci-index', OCI_INDEX], ['docker-list', DOCKER_MANIFEST_LIST]];

  before(async () => {
    [reg, layout] = await Promise.all([startRegistry('anonymous'), buildTestLayout()]);
    for (const [kind] of kinds) digests[kind] = await pushTestImage(layout, kind, `${reg.host}/test/${kind}:v1`);
  });
  after(async () => {
    await reg?.stop();
    await layout?.remove();
  });

  for (const [kind, mediaType] of kinds) {
    it(`resolves a tag of a ${kind} image to its digest, media type and size`, async () => {
      const resolved = await new RegistryClient().resolve(parseReference(`${reg.host}/test/${kind}:v1`));
      const raw = await inspectRaw(`${reg.host}/test/${kind}:v1`);
      assert.deepEqual(resolved, { digest: digests[kind], mediaType, size: Buffer.byteLength(raw) });
    });
  }

  it('checks a digest reference with the registry', async () => {
    const client = new RegistryClient();
    const ref = parseReference(`${reg.host}/test/oci-index@${digests['oci-index']}`);
    assert.equal((await client.resolve(ref))?.digest, digests['oci-index']);
    assert.equal(client.stats.requests.HEAD, 1);
    const absent = parseReference(`${reg.host}/test/oci-index@sha256:${'0'.repeat(64)}`);
    assert.equal(await client.resolve(absent), undefined);
  });

  it('falls back to GET when HEAD gives no Docker-Content-Digest', async () => {
    const proxy = await startProxy(reg.host, { dropResponseHeaders: ['docker-content-digest'] });
    try {
      const resolved = await new RegistryClient().resolve(parseReference(`${proxy.host}/test/docker-list:v1`));
      assert.deepEqual(resolved, { digest: digests['docker-list'], mediaType: DOCKER_MANIFEST_LIST, size: Buffer.byteLength(await inspectRaw(`${reg.host}/test/docker-list:v1`)) });
      assert.deepEqual(proxy.log.map((e) => `${e.method} ${e.path}`), ['HEAD /v2/test/docker-list/manifests/v1', 'GET /v2/test/docker-list/manifests/v1']);
    } finally {
      await proxy.stop();
    }
  });

  it('sends the manifest Accept header listing every manifest type', async () => {
    const accepts: string[] = [];
    const proxy = await startProxy(reg.host, { fault: (req) => void accepts.push(String(req.headers.accept ?? '')) });
    try {
      await new RegistryClient().resolve(parseReference(`${proxy.host}/test/oci:v1`));
      assert.deepEqual(accepts[0]!.split(', ').sort(), [DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST].sort());
    } finally {
      await proxy.stop();
    }
  });

  it('keeps to the per-registry concurrency limit, 4 by default', async () => {
    const proxy = await startProxy(reg.host, { holdMs: 150 });
    try {
      for (const concurrency of [1, 2, undefined]) {
        proxy.reset();
        const client = new RegistryClient(concurrency === undefined ? {} : { concurrency });
        await Promise.all(Array.from({ length: 8 }, (_, i) => client.resolve(parseReference(`${proxy.host}/test/oci:missing-${i}`))));
        assert.equal(proxy.maxInFlight, concurrency ?? 4);
        assert.equal(proxy.requests.HEAD, 8);
      }
    } finally {
      await proxy.stop();
    }
  });

  it('sends requests for a mirrored registry to its mirror', async () => {
    await pushTestImage(layout, 'oci', `${reg.host}/library/mirrored:v1`);
    const client = new RegistryClient({ mirrors: { 'docker.io': reg.host } });
    assert.equal((await client.resolve(parseReference('mirrored:v1')))?.digest, digests.oci);
  });

  it('says "not found" for a missing tag and a missing repository', async () => {
    const client = new RegistryClient();
    assert.equal(await client.resolve(parseReference(`${reg.host}/test/oci:nope`)), undefined);
    assert.equal(await client.resolve(parseReference(`${reg.host}/no/such-repo:v1`)), undefined);
  });

  it('names the registry when it cannot be reached', async () => {
    const client = new RegistryClient({ retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 10 } });
    const port = await closedPort();
    await assert.rejects(client.resolve(parseReference(`127.0.0.1:${port}/test/x:v1`)),
      new RegExp(`resolve v1 in 127\\.0\\.0\\.1:${port}/test/x: cannot reach http://127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
  });

  it('names each image in its own error when concurrent requests find the registry unreachable', async () => {
    const client = new RegistryClient({ retry: { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 } });
    const port = await closedPort();
    const names = ['a', 'b', 'c'];
    const outcomes = await Promise.allSettled(names.map((n) => client.resolve(parseReference(`127.0.0.1:${port}/test/${n}:v${n}`))));
    outcomes.forEach((outcome, i) => {
      assert.equal(outcome.status, 'rejected');
      const n = names[i]!;
      assert.match(String((outcome as PromiseRejectedResult).reason), new RegExp(`resolve v${n} in 127\\.0\\.0\\.1:${port}/test/${n}: cannot reach`));
    });
  });
});
