import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseReference } from '../src/reference/reference.js';
import { ClobberRefusedError, OCI_MANIFEST, RegistryClient } from '../src/registry/index.js';
import { buildTestLayout, inspectRaw, pushTestImage, type TestImageKind, type TestLayout } from './harness/images.js';
import { startProxy } from './harness/proxy.js';
import { startRegistries, type RegistryKind, type TestRegistry } from './harness/registries.js';
import { runClientInChild } from './registry/run-child.js';

type Registries = Record<RegistryKind, TestRegistry> & { stop(): Promise<void> };

/** The manifest bytes at `ref` and, for an index, at each child: what a byte-identical copy must match. */
async function manifestTree(repo: string, reference: string, reg: TestRegistry): Promise<string[]> {
  const sep = reference.startsWith('sha256:') ? '@' : ':';
  const raw = await inspectRaw(`${repo}${sep}${reference}`, reg);
  const children = (JSON.parse(raw) as { manifests?: { digest: string }[] }).manifests ?? [];
  return [raw, ...(await Promise.all(children.map((c) => inspectRaw(`${repo}@${c.digest}`, reg))))];
}

describe('RegistryClient.copy against real registries', () => {
  let regs: Registries;
  let layout: TestLayout;
  let configDir: string;
  const sources = new Map<string, string>(); // "<kind>@<registry kind>" -> digest
  const savedEnv = { ...process.env };

  before(async () => {
    [regs, layout, configDir] = await Promise.all([
      startRegistries('anonymous', 'basic', 'token', 'tls'), buildTestLayout(), mkdtemp(path.join(tmpdir(), 'reimage-docker-config-')),
    ]);
    const auth = Buffer.from(`${regs.basic.username}:${regs.basic.password}`).toString('base64');
    await writeFile(path.join(configDir, 'config.json'), JSON.stringify({
      auths: { [regs.basic.host]: { auth }, [`https://${regs.token.host}`]: { username: regs.token.username, password: regs.token.password } },
    }));
    process.env.DOCKER_CONFIG = configDir;
    delete process.env.REGISTRY_AUTH_FILE;
    delete process.env.XDG_RUNTIME_DIR;
    const seeds: [TestImageKind, RegistryKind][] = [['oci-index', 'anonymous'], ['docker-list', 'basic'], ['docker', 'token'], ['oci', 'anonymous'], ['oci-index', 'tls']];
    for (const [kind, at] of seeds) sources.set(`${kind}@${at}`, await pushTestImage(layout, kind, `${regs[at].host}/src/${kind}:v1`, regs[at]));
  });
  after(async () => {
    process.env = savedEnv;
    await regs?.stop();
    await layout?.remove();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  const crossings: [TestImageKind, RegistryKind, RegistryKind][] = [
    ['oci-index', 'anonymous', 'basic'],
    ['docker-list', 'basic', 'token'],
    ['docker', 'token', 'anonymous'],
  ];
  for (const [kind, from, to] of crossings) {
    it(`copies a ${kind} image from the ${from} registry to the ${to} one, byte-identical`, async () => {
      const digest = sources.get(`${kind}@${from}`)!;
      const client = new RegistryClient();
      const result = await client.copy(parseReference(`${regs[from].host}/src/${kind}@${digest}`), parseReference(`${regs[to].host}/dst/${kind}:copied`));
      assert.equal(result.outcome, 'copied');
      assert.equal(result.digest, digest);
      assert.equal(result.blobsMounted, 0);
      assert.ok(result.blobsCopied > 0 && result.bytesMoved > 0);
      assert.equal(client.stats.bytesMoved, result.bytesMoved);
      assert.deepEqual(await manifestTree(`${regs[to].host}/dst/${kind}`, 'copied', regs[to]), await manifestTree(`${regs[from].host}/src/${kind}`, digest, regs[from]));
    });
  }

  it('copies into and out of a TLS registry whose CA comes from NODE_EXTRA_CA_CERTS', async () => {
    const env = { NODE_EXTRA_CA_CERTS: regs.tls.caFile! };
    const index = sources.get('oci-index@tls')!;
    const out = await runClientInChild({ op: 'copy', src: `${regs.tls.host}/src/oci-index@${index}`, dst: `${regs.anonymous.host}/from-tls/multi:v1` }, env);
    assert.equal(out.error, undefined);
    assert.equal(out.result?.digest, index);
    const single = sources.get('oci@anonymous')!;
    const into = await runClientInChild({ op: 'copy', src: `${regs.anonymous.host}/src/oci@${single}`, dst: `${regs.tls.host}/into-tls/oci:v1` }, env);
    assert.equal(into.result?.outcome, 'copied');
    assert.equal(await inspectRaw(`${regs.tls.host}/into-tls/oci:v1`, regs.tls), await inspectRaw(`${regs.anonymous.host}/src/oci@${single}`));
  });

  it('refuses an untrusted certificate and says how to trust it', async () => {
    const client = new RegistryClient({ retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    await assert.rejects(client.resolve(parseReference(`${regs.tls.host}/src/oci-index:v1`)), /NODE_EXTRA_CA_CERTS/);
  });

  it('mounts blobs within one registry instead of copying them, asking for push and pull in one token', async () => {
    const digest = sources.get('docker@token')!;
    const tokens = regs.token.tokenServer!;
    const before = tokens.requests.length;
    const result = await new RegistryClient().copy(parseReference(`${regs.token.host}/src/docker@${digest}`), parseReference(`${regs.token.host}/mounted/docker:v1`));
    assert.deepEqual({ ...result, bytesMoved: 0 }, { outcome: 'copied', digest, bytesMoved: 0, blobsCopied: 0, blobsMounted: 2, blobsSkipped: 0 });
    assert.deepEqual(tokens.requests.slice(before).map((r) => [...r.scopes].sort()),
      [['repository:mounted/docker:pull,push', 'repository:src/docker:pull']]);
    assert.equal(await inspectRaw(`${regs.token.host}/mounted/docker:v1`, regs.token), await inspectRaw(`${regs.token.host}/src/docker@${digest}`, regs.token));
  });

  it('copies a blob whose mount the registry refuses', async () => {
    // The proxy drops the mount parameters, so the registry answers with a plain upload session.
    const proxy = await startProxy(regs.anonymous.host, { rewrite: (p) => p.replace(/\?mount=.*$/, '') });
    try {
      const digest = sources.get('oci@anonymous')!;
      const result = await new RegistryClient().copy(parseReference(`${proxy.host}/src/oci@${digest}`), parseReference(`${proxy.host}/refused/oci:v1`));
      assert.equal(result.blobsMounted, 0);
      assert.equal(result.blobsCopied, 2);
      assert.equal(await inspectRaw(`${regs.anonymous.host}/refused/oci:v1`), await inspectRaw(`${regs.anonymous.host}/src/oci@${digest}`));
    } finally {
      await proxy.stop();
    }
  });

  it('re-copies an image that is already there with one HEAD and no blob traffic', async () => {
    const digest = sources.get('oci-index@anonymous')!;
    const [src, dst] = [parseReference(`${regs.anonymous.host}/src/oci-index@${digest}`), parseReference(`${regs.anonymous.host}/again/multi:v1`)];
    assert.equal((await new RegistryClient().copy(src, dst)).outcome, 'copied');
    const proxy = await startProxy(regs.anonymous.host);
    try {
      const client = new RegistryClient();
      const result = await client.copy({ ...src, domain: proxy.host }, { ...dst, domain: proxy.host });
      assert.deepEqual(result, { outcome: 'present', digest, bytesMoved: 0, blobsCopied: 0, blobsMounted: 0, blobsSkipped: 0 });
      assert.deepEqual(proxy.log.map((e) => `${e.method} ${e.path}`), ['HEAD /v2/again/multi/manifests/v1']);
      assert.deepEqual(client.stats.requests, { HEAD: 1 });
    } finally {
      await proxy.stop();
    }
  });

  it('skips blobs the target already has', async () => {
    // The single-arch image is the amd64 child of the index copied to dst/oci-index above.
    const digest = sources.get('oci@anonymous')!;
    const client = new RegistryClient();
    const result = await client.copy(parseReference(`${regs.anonymous.host}/src/oci@${digest}`), parseReference(`${regs.basic.host}/dst/oci-index:amd64`));
    assert.deepEqual(result, { outcome: 'copied', digest, bytesMoved: 0, blobsCopied: 0, blobsMounted: 0, blobsSkipped: 2 });
    assert.equal(client.stats.requests.PATCH ?? 0, 0);
    assert.equal(client.stats.requests.POST ?? 0, 0);
  });

  it('skips index children the target already has: a new tag costs a HEAD per child and one PUT', async () => {
    const digest = sources.get('oci-index@anonymous')!;
    const src = parseReference(`${regs.anonymous.host}/src/oci-index@${digest}`);
    const children = (JSON.parse(await inspectRaw(`${regs.anonymous.host}/src/oci-index@${digest}`)) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest);
    const proxy = await startProxy(regs.anonymous.host);
    try {
      assert.equal((await new RegistryClient().copy(src, parseReference(`${proxy.host}/retag/multi:a`))).blobsCopied, 4);
      proxy.reset();
      const result = await new RegistryClient().copy(src, parseReference(`${proxy.host}/retag/multi:b`));
      assert.deepEqual(result, { outcome: 'copied', digest, bytesMoved: 0, blobsCopied: 0, blobsMounted: 0, blobsSkipped: 0 });
      assert.deepEqual(proxy.log.map((e) => `${e.method} ${e.path} ${e.status}`).sort(), [
        'HEAD /v2/retag/multi/manifests/b 404', ...children.map((c) => `HEAD /v2/retag/multi/manifests/${c} 200`), 'PUT /v2/retag/multi/manifests/b 201',
      ].sort());
      assert.equal(await inspectRaw(`${regs.anonymous.host}/retag/multi:b`), await inspectRaw(`${regs.anonymous.host}/src/oci-index@${digest}`));
    } finally {
      await proxy.stop();
    }
  });

  it('leaves foreign and non-distributable layers out of a copy', async () => {
    const host = regs.anonymous.host;
    const client = new RegistryClient();
    const base = parseReference(`${host}/foreign/app:base`);
    const config = { mediaType: 'application/vnd.oci.image.config.v1+json', data: new TextEncoder().encode('{"os":"windows"}') };
    const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', data: new TextEncoder().encode('a layer') };
    const baseManifest = JSON.parse(await inspectRaw(`${host}/foreign/app@${await client.pushImage(base, { manifestMediaType: OCI_MANIFEST, config, layers: [layer] })}`)) as { layers: object[] };
    // A layer the registry has never seen, fetched by clients from its URL.
    const external = { size: 1234, digest: `sha256:${'ab'.repeat(32)}`, urls: ['https://example.com/windows-base.tar.gz'] };
    const manifest = JSON.stringify({ ...baseManifest, layers: [{ mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', ...external }, ...baseManifest.layers] });
    const put = await fetch(`${regs.anonymous.url}/v2/foreign/app/manifests/v1`, { method: 'PUT', headers: { 'content-type': OCI_MANIFEST }, body: manifest });
    assert.equal(put.status, 201);
    const digest = put.headers.get('docker-content-digest')!;
    const result = await client.copy(parseReference(`${host}/foreign/app@${digest}`), parseReference(`${regs.basic.host}/foreign/app:v1`));
    assert.deepEqual([result.blobsCopied, result.digest], [2, digest]);
    assert.equal(await inspectRaw(`${regs.basic.host}/foreign/app:v1`, regs.basic), manifest);
  });

  it('refuses to overwrite a tag holding another image unless asked to clobber', async () => {
    const [index, single] = [sources.get('oci-index@anonymous')!, sources.get('oci@anonymous')!];
    const host = regs.anonymous.host;
    await new RegistryClient().copy(parseReference(`${host}/src/oci@${single}`), parseReference(`${host}/clobber/app:v1`));
    const client = new RegistryClient();
    const err = await client.copy(parseReference(`${host}/src/oci-index@${index}`), parseReference(`${host}/clobber/app:v1`)).catch((e: unknown) => e);
    assert.ok(err instanceof ClobberRefusedError);
    assert.equal(err.message, `refusing to overwrite ${host}/clobber/app:v1: it holds ${single}, not ${index} (clobbering was not requested)`);
    assert.equal(client.stats.requests.PUT ?? 0, 0);
    assert.equal(JSON.parse(await inspectRaw(`${host}/clobber/app:v1`)).mediaType ?? 'oci manifest', 'oci manifest');
    const result = await client.copy(parseReference(`${host}/src/oci-index@${index}`), parseReference(`${host}/clobber/app:v1`), { clobber: true });
    assert.equal(result.outcome, 'copied');
    assert.equal(await inspectRaw(`${host}/clobber/app:v1`), await inspectRaw(`${host}/src/oci-index@${index}`));
  });
});
