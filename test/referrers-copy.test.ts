/**
 * -copy-referrers, end to end with the built CLI: cosign's .sig/.att/.sbom tags and OCI 1.1
 * referrers travel with the image, for the index and each platform manifest. Debian's
 * docker-registry 2.8 has no referrers API (the referrers tag schema is used there); the
 * in-memory OCI 1.1 registry has it. The same copy must give the same target state from either.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startFakeGcp } from './attest/fake-gcp.js';
import { attestorPublicKey, testKey } from './attest/keys.js';
import { cosignSignImage, makeCosignKey, simpleSigningPayload, pushBlob, pushManifest, pushReferrer, type CosignKey } from './harness/cosign.js';
import { buildTestLayout, inspectRaw, pushTestImage, type TestLayout } from './harness/images.js';
import { startOciRegistry, type OciRegistry } from './harness/oci-registry.js';
import { startProxy, type CountingProxy } from './harness/proxy.js';
import { startRegistry, type TestRegistry } from './harness/registries.js';
import { podYaml } from './harness/manifests.js';
import { runReimage } from './harness/run-reimage.js';

const run = promisify(execFile);
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const SBOM_TYPE = 'application/spdx+json';
const VEX_TYPE = 'application/vnd.openvex+json';
const tagOf = (digest: string, suffix?: string) => `${digest.replace(':', '-')}${suffix ? `.${suffix}` : ''}`;

/** A cosign-style attachment manifest (what `cosign attest` / `cosign attach sbom` store under .att / .sbom). */
async function pushAttachment(repo: string, tag: string, layerType: string, content: string): Promise<void> {
  const [host, ...rest] = repo.split('/');
  const base = `http://${host}/v2/${rest.join('/')}`;
  const layer = Buffer.from(content);
  const config = Buffer.from('{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}');
  const manifest = {
    schemaVersion: 2, mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: await pushBlob(base, config), size: config.length },
    layers: [{ mediaType: layerType, digest: await pushBlob(base, layer), size: layer.length, annotations: { 'dev.sigstore.cosign/predicateType': 'https://spdx.dev/Document' } }],
  };
  await pushManifest(base, tag, Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);
}

/** Every tag of a repository with its manifest bytes, and every referrer manifest by digest: the state to compare. */
async function repoState(host: string, repo: string, digests: readonly string[]): Promise<Record<string, string>> {
  const res = await fetch(`http://${host}/v2/${repo}/tags/list`);
  const tags = ((await res.json()) as { tags: string[] }).tags.sort();
  const state: Record<string, string> = {};
  for (const t of [...tags, ...digests]) state[t] = await inspectRaw(`${host}/${repo}${t.includes(':') ? '@' : ':'}${t}`);
  return state;
}

describe('-copy-referrers against docker-registry 2.8 (tag schema) and an OCI 1.1 registry (referrers API)', () => {
  let dist: TestRegistry;
  let target: TestRegistry;
  let oci: OciRegistry;
  let layout: TestLayout;
  let dir: string;
  /** Ed25519: deterministic signatures, so both sources hold the same bytes. */
  let key: CosignKey;
  let digest: string;
  let children: { mediaType: string; digest: string; size: number }[];
  const referrerDigests: string[] = [];

  /** Seeds `host/app`: the index, signatures for all, .att and .sbom, OCI referrers on the index and a child. */
  async function seed(host: string, tagSchema: boolean): Promise<string[]> {
    const repo = `${host}/app`;
    // Signed for the docker-registry copy's name in both, so both sources hold the same bytes.
    for (const d of [digest, ...children.map((c) => c.digest)]) await cosignSignImage(repo, d, key, { payload: simpleSigningPayload(`${dist.host}/app`, d) });
    await pushAttachment(repo, tagOf(digest, 'att'), 'application/vnd.dsse.envelope.v1+json', '{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}');
    await pushAttachment(repo, tagOf(digest, 'sbom'), 'text/spdx+json', '{"spdxVersion":"SPDX-2.3"}');
    const indexBytes = await inspectRaw(`${repo}@${digest}`);
    const subject = { mediaType: 'application/vnd.oci.image.index.v1+json', digest, size: Buffer.byteLength(indexBytes) };
    return [
      await pushReferrer(repo, subject, SBOM_TYPE, '{"spdxVersion":"SPDX-2.3","name":"index"}', tagSchema),
      await pushReferrer(repo, subject, VEX_TYPE, '{"statements":[]}', tagSchema),
      await pushReferrer(repo, children[0]!, SBOM_TYPE, '{"spdxVersion":"SPDX-2.3","name":"amd64"}', tagSchema),
    ];
  }

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'reimage-referrers-'));
    [dist, target, oci, layout, key] = await Promise.all([startRegistry('anonymous'), startRegistry('anonymous'), startOciRegistry(), buildTestLayout(), makeCosignKey(tmpdir(), 'ed25519')]);
    digest = await pushTestImage(layout, 'oci-index', `${dist.host}/app:v1`, dist);
    children = (JSON.parse(await inspectRaw(`${dist.host}/app@${digest}`)) as { manifests: { mediaType: string; digest: string; size: number }[] }).manifests
      .map(({ mediaType, digest: d, size }) => ({ mediaType, digest: d, size }));
    await run('skopeo', ['copy', '-q', '--all', '--preserve-digests', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${dist.host}/app:v1`, `docker://${oci.host}/app:v1`]);
    referrerDigests.push(...await seed(dist.host, true));
    const viaApi = await seed(oci.host, false);
    assert.deepEqual(viaApi, referrerDigests, 'the same referrers in both sources');
  });
  after(async () => {
    await Promise.all([dist?.stop(), target?.stop(), oci?.stop(), layout?.remove()]);
    if (dir) await rm(dir, { recursive: true, force: true });
    await rm(path.dirname(key.publicKeyFile), { recursive: true, force: true });
  });

  const copy = (from: string, to: string, extra: string[] = []) => runReimage([
    '-rename-remote-path', to, '-rename-template', '{{ .RemotePath }}/{{ .Repository }}:v1', '-copy-referrers', ...extra,
  ], podYaml(`${from}/app:v1`));

  it('copies .sig/.att/.sbom and OCI referrers from a registry without the referrers API, updating the target referrers index', async () => {
    const r = await copy(dist.host, `${target.host}/from-dist`, ['-verify-signature-key', key.publicKeyFile, '-write-json-mappings-file', path.join(dir, 'm.json')]);
    assert.equal(r.code, 0, r.stderr);
    for (const t of [tagOf(digest, 'sig'), tagOf(digest, 'att'), tagOf(digest, 'sbom'), ...children.map((c) => tagOf(c.digest, 'sig'))]) {
      assert.equal(await inspectRaw(`${target.host}/from-dist/app:${t}`), await inspectRaw(`${dist.host}/app:${t}`), t);
    }
    for (const d of referrerDigests) assert.equal(await inspectRaw(`${target.host}/from-dist/app@${d}`), await inspectRaw(`${dist.host}/app@${d}`), d);
    const index = JSON.parse(await inspectRaw(`${target.host}/from-dist/app:${tagOf(digest)}`)) as { manifests: { digest: string; artifactType: string }[] };
    assert.deepEqual(index.manifests.map((m) => m.digest).sort(), referrerDigests.slice(0, 2).sort());
    const childIndex = JSON.parse(await inspectRaw(`${target.host}/from-dist/app:${tagOf(children[0]!.digest)}`)) as { manifests: { digest: string; artifactType: string }[] };
    assert.deepEqual(childIndex.manifests.map((m) => [m.digest, m.artifactType]), [[referrerDigests[2], SBOM_TYPE]]);
    const entry = JSON.parse(await readFile(path.join(dir, 'm.json'), 'utf8'))[`${dist.host}/app:v1`];
    assert.equal(entry.signatures.length, 3);
    assert.equal(entry.signatureKey, key.publicKeyFile);
    assert.equal(entry.referrers.length, 5, JSON.stringify(entry)); // .att, .sbom, 2 index referrers, 1 child referrer
  });

  it('gives the same target state when the source has the referrers API', async () => {
    const r = await copy(oci.host, `${target.host}/from-api`);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await repoState(target.host, 'from-api/app', referrerDigests), await repoState(target.host, 'from-dist/app', referrerDigests));
  });

  it('pushes referrers with their subject to a registry with the referrers API, writing no referrers tag', async () => {
    const r = await copy(dist.host, `${oci.host}/mirror`);
    assert.equal(r.code, 0, r.stderr);
    const listed = await fetch(`http://${oci.host}/v2/mirror/app/referrers/${digest}`);
    assert.equal(listed.headers.get('content-type'), 'application/vnd.oci.image.index.v1+json');
    const { manifests } = (await listed.json()) as { manifests: { digest: string }[] };
    assert.deepEqual(manifests.map((m) => m.digest).sort(), referrerDigests.slice(0, 2).sort());
    assert.ok(!oci.tags('mirror/app').has(tagOf(digest)), 'no referrers tag where the API exists');
    assert.ok(oci.tags('mirror/app').has(tagOf(digest, 'sbom')));
  });

  it('copies only the artifact types asked for, filtering on the server where it can', async () => {
    for (const [from, to] of [[oci.host, 'api-filtered'], [dist.host, 'dist-filtered']] as const) {
      const r = await copy(from, `${target.host}/${to}`, ['-copy-referrers-artifact-type', SBOM_TYPE]);
      assert.equal(r.code, 0, r.stderr);
      const index = JSON.parse(await inspectRaw(`${target.host}/${to}/app:${tagOf(digest)}`)) as { manifests: { artifactType: string }[] };
      assert.deepEqual(index.manifests.map((m) => m.artifactType), [SBOM_TYPE], to);
    }
  });

  it('a second run writes nothing and costs few requests', async () => {
    const proxy: CountingProxy = await startProxy(target.host);
    try {
      const r = await copy(dist.host, `${proxy.host}/from-dist`);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((proxy.requests.PUT ?? 0) + (proxy.requests.POST ?? 0) + (proxy.requests.PATCH ?? 0), 0, JSON.stringify(proxy.log));
    } finally {
      await proxy.stop();
    }
  });

  it('looks referrer tags up one by one when the source refuses to list its tags', async () => {
    const proxy = await startProxy(dist.host, {
      fault: (req) => (req.url?.includes('/tags/list') ? { status: 403, headers: { 'content-type': 'application/json' }, body: '{"errors":[{"code":"DENIED","message":"no listing"}]}' } : undefined),
    });
    try {
      const r = await copy(proxy.host, `${target.host}/unlisted`);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(proxy.log.some((e) => e.path.includes('/tags/list') && e.status === 403), 'the tag list was asked for and refused');
      for (const t of [tagOf(digest, 'sig'), tagOf(digest, 'att'), tagOf(digest, 'sbom'), ...children.map((c) => tagOf(c.digest, 'sig'))]) {
        assert.equal(await inspectRaw(`${target.host}/unlisted/app:${t}`), await inspectRaw(`${dist.host}/app:${t}`), t);
      }
      const index = JSON.parse(await inspectRaw(`${target.host}/unlisted/app:${tagOf(digest)}`)) as { manifests: { digest: string }[] };
      assert.deepEqual(index.manifests.map((m) => m.digest).sort(), referrerDigests.slice(0, 2).sort());
    } finally {
      await proxy.stop();
    }
  });

  it('refuses to replace a different target .sbom without -clobber', async () => {
    await pushAttachment(`${target.host}/clobber/app`, tagOf(digest, 'sbom'), 'text/spdx+json', '{"spdxVersion":"SPDX-2.2"}');
    const r = await copy(dist.host, `${target.host}/clobber`);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`clobber/app:${tagOf(digest, 'sbom')} holds sha256:[0-9a-f]{64}, not the source's sha256:[0-9a-f]{64} \\(use -clobber to replace it\\)`));
    const forced = await copy(dist.host, `${target.host}/clobber`, ['-clobber']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(await inspectRaw(`${target.host}/clobber/app:${tagOf(digest, 'sbom')}`), await inspectRaw(`${dist.host}/app:${tagOf(digest, 'sbom')}`));
  });

  it('-list-images -show-referrers shows each image\'s digest, signatures and referrers, from either kind of registry', async () => {
    for (const host of [dist.host, oci.host]) {
      const r = await runReimage(['-list-images', '-output', 'json', '-show-referrers'], podYaml(`${host}/app:v1`));
      assert.equal(r.code, 0, r.stderr);
      const row = JSON.parse(r.stdout) as Record<string, unknown>;
      const headDigest = async (tag: string) => (await fetch(`http://${host}/v2/app/manifests/${tag}`, { method: 'HEAD', headers: { accept: OCI_MANIFEST } })).headers.get('docker-content-digest');
      assert.equal(row.digest, digest);
      assert.equal(row.signatures, await headDigest(tagOf(digest, 'sig')));
      assert.equal(row.attestations, await headDigest(tagOf(digest, 'att')));
      assert.equal(row.sboms, await headDigest(tagOf(digest, 'sbom')));
      assert.deepEqual((row.referrers as { digest: string; artifactType: string }[]).map((x) => [x.digest, x.artifactType]).sort(),
        [[referrerDigests[0], SBOM_TYPE], [referrerDigests[1], VEX_TYPE]].sort(), host);
    }
  });

  it('verifies, copies with signatures, SBOMs and attestations, and attests in one run', async () => {
    const gcp = await startFakeGcp();
    try {
      const attestKey = await testKey('ECDSA_P256_SHA256');
      const keyFile = path.join(dir, 'attest.pem');
      const tokenFile = path.join(dir, 'token');
      await writeFile(keyFile, attestKey.privateKeyPem);
      await writeFile(tokenFile, 'test-token\n');
      gcp.attestors.set('projects/p/attestors/a', { name: 'projects/p/attestors/a', userOwnedGrafeasNote: { noteReference: 'projects/p/notes/n', publicKeys: [attestorPublicKey('kid-1', attestKey)] } });
      const r = await copy(dist.host, `${target.host}/one-run`, [
        '-verify-signature-key', key.publicKeyFile,
        '-binauthz-attestor', 'projects/p/attestors/a', '-binauthz-endpoint', gcp.url, '-grafeas-endpoint', gcp.url,
        '-attestation-key', keyFile, '-attestation-key-id', 'kid-1', '-gcp-access-token-file', tokenFile,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`image: ${target.host}/one-run/app:v1`));
      assert.match(r.stderr, /1 created, 0 already present/);
      assert.deepEqual(gcp.occurrences.filter((o) => o.kind === 'ATTESTATION').map((o) => o.resourceUri), [`${target.host}/one-run/app@${digest}`]);
      for (const t of [tagOf(digest, 'sig'), tagOf(digest, 'att'), tagOf(digest, 'sbom'), tagOf(digest)]) {
        assert.ok(await inspectRaw(`${target.host}/one-run/app:${t}`), t);
      }
    } finally {
      await gcp.close();
    }
  });
});
