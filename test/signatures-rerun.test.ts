/**
 * What a warm run costs with -verify-signature-key and -copy-referrers, in requests the user
 * sees (counting proxies in front of the source and the target docker-registry 2.8), and what it
 * must still catch: a signature appended at the source, a new referrer, a target missing its
 * copy, a replaced (bad) signature. And what -dryrun and -no-copy say they would copy.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { parseReference } from '../src/reference/reference.js';
import { RegistryClient } from '../src/registry/index.js';
import { cosignSign, cosignSignImage, makeCosignKey, pushManifest, pushReferrer, simpleSigningPayload, type CosignKey } from './harness/cosign.js';
import { buildTestLayout, inspectRaw, pushTestImage, type TestLayout } from './harness/images.js';
import { startProxy, type CountingProxy } from './harness/proxy.js';
import { startRegistry, type TestRegistry } from './harness/registries.js';
import { runReimage } from './harness/run-reimage.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const tagOf = (digest: string, suffix?: string) => `${digest.replace(':', '-')}${suffix ? `.${suffix}` : ''}`;
const pod = (image: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: ${image}\n`;
const writes = (p: CountingProxy) => (p.requests.PUT ?? 0) + (p.requests.POST ?? 0) + (p.requests.PATCH ?? 0) + (p.requests.DELETE ?? 0);

describe('warm runs with -verify-signature-key and -copy-referrers (docker-registry 2.8, tag schema)', () => {
  let srcReg: TestRegistry;
  let dstReg: TestRegistry;
  let src: CountingProxy;
  let dst: CountingProxy;
  let layout: TestLayout;
  let dir: string;
  let key: CosignKey;
  let other: CosignKey;
  const client = new RegistryClient({ concurrency: 4 });

  /** A single-arch image at src/<name>:v1 (through the proxy), signed with cosign's default payload; its digest. */
  async function singleArch(name: string, sign = true): Promise<{ digest: string; size: number }> {
    const digest = await client.pushImage(parseReference(`${srcReg.host}/${name}:v1`), {
      manifestMediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', data: Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, seed: randomBytes(8).toString('hex') })) },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', data: gzipSync(randomBytes(256)) }],
    });
    if (sign) await cosignSignImage(`${srcReg.host}/${name}`, digest, key, { payload: simpleSigningPayload(`${src.host}/${name}`, digest) });
    return { digest, size: Buffer.byteLength(await inspectRaw(`${srcReg.host}/${name}@${digest}`)) };
  }

  const args = (flags: string[]) => ['-rename-remote-path', `${dst.host}/mirror`, '-rename-template', '{{ .RemotePath }}/{{ .Repository }}:v1', ...flags];
  const verify = () => ['-verify-signature-key', key.publicKeyFile];
  const line = (side: string, e: { method: string; path: string }) => `${side} ${e.method} ${e.path.replace(/\?.*$/, '')}`;
  /** Runs reimage; returns the requests it made, "src|dst METHOD path" (no query). */
  async function logged(flags: string[], image: string): Promise<{ requests: string[]; code: number | null; stdout: string; stderr: string }> {
    src.reset();
    dst.reset();
    const r = await runReimage(args(flags), pod(image));
    return { ...r, requests: [...src.log.map((e) => line('src', e)), ...dst.log.map((e) => line('dst', e))].sort() };
  }
  /** The requests a re-run with `flags` makes beyond a re-run without them (after a first run with them). */
  async function extraOnRerun(flags: string[], image: string, index?: string): Promise<string[]> {
    const first = await logged(flags, image);
    assert.equal(first.code, 0, first.stderr);
    // Each referrer manifest is read once (an index is read by the image's copy and again for its platform manifests).
    const manifestGets = first.requests.filter((r) => /^src GET .*\/manifests\//.test(r) && (!index || !r.endsWith(`/${index}`)));
    assert.equal(new Set(manifestGets).size, manifestGets.length, `a manifest read twice:\n${manifestGets.join('\n')}`);
    const plain = await logged([], image);
    assert.equal(plain.code, 0, plain.stderr);
    const warm = await logged(flags, image);
    assert.equal(warm.code, 0, warm.stderr);
    assert.equal(writes(src) + writes(dst), 0, `a warm run wrote: ${warm.requests.join('\n')}`);
    const extra = [...warm.requests];
    for (const r of plain.requests) extra.splice(extra.indexOf(r), 1);
    return extra;
  }

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'reimage-signatures-rerun-'));
    [srcReg, dstReg, layout] = await Promise.all([startRegistry('anonymous'), startRegistry('anonymous'), buildTestLayout()]);
    [src, dst] = await Promise.all([startProxy(srcReg.host), startProxy(dstReg.host)]);
    [key, other] = await Promise.all([makeCosignKey(dir, 'ecdsa-p256'), makeCosignKey(dir, 'ecdsa-p256')]);
  });
  after(async () => {
    await Promise.all([src?.stop(), dst?.stop()]);
    await Promise.all([srcReg?.stop(), dstReg?.stop(), layout?.remove()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('-verify-signature-key: a re-run reads the source .sig and the target .sig digest, and fetches no payload', async () => {
    const { digest } = await singleArch('verify');
    const extra = await extraOnRerun(verify(), `${src.host}/verify:v1`);
    assert.deepEqual(extra, [`dst HEAD /v2/mirror/verify/manifests/${tagOf(digest, 'sig')}`, `src GET /v2/verify/manifests/${tagOf(digest, 'sig')}`]);
  });

  it('a payload other than cosign\'s default is fetched and verified (one request more)', async () => {
    const { digest } = await singleArch('annotated', false);
    const payload = Buffer.from(JSON.stringify({
      critical: { identity: { 'docker-reference': `${src.host}/annotated` }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
      optional: { creator: 'a signer with annotations' },
    }));
    await cosignSignImage(`${srcReg.host}/annotated`, digest, key, { payload });
    const extra = await extraOnRerun(verify(), `${src.host}/annotated:v1`);
    assert.equal(extra.length, 3, extra.join('\n'));
    assert.ok(extra.some((r) => /^src GET \/v2\/annotated\/blobs\/sha256:/.test(r)), extra.join('\n'));
  });

  it('a replaced source .sig whose signature does not verify fails the warm run, with nothing on stdout', async () => {
    const { digest } = await singleArch('replaced');
    const first = await logged(verify(), `${src.host}/replaced:v1`);
    assert.equal(first.code, 0, first.stderr);
    // The same (default, reconstructible) payload, signed by another key, replaces the .sig.
    const payload = simpleSigningPayload(`${src.host}/replaced`, digest);
    const base = `http://${srcReg.host}/v2/replaced`;
    const sig = JSON.parse(await inspectRaw(`${srcReg.host}/replaced:${tagOf(digest, 'sig')}`)) as { layers: { annotations: Record<string, string> }[] };
    sig.layers = [{ ...sig.layers[0]!, annotations: { 'dev.cosignproject.cosign/signature': cosignSign(other.privateKey, payload).toString('base64') } }];
    await pushManifest(base, tagOf(digest, 'sig'), Buffer.from(JSON.stringify(sig)), OCI_MANIFEST);
    const warm = await logged(verify(), `${src.host}/replaced:v1`);
    assert.equal(warm.code, 1, warm.stderr);
    assert.equal(warm.stdout, '');
    assert.match(warm.stderr, /replaced:v1: no valid cosign signature .*\n.*bad signature: does not verify under the key/);
  });

  it('-copy-referrers: a single-arch image with a .sig and an OCI referrer costs its tag list and one read per referrer object at each end', async () => {
    const { digest, size } = await singleArch('copy');
    await cosignSignImage(`${srcReg.host}/copy`, digest, key, { payload: simpleSigningPayload(`${src.host}/copy`, digest) });
    await pushReferrer(`${srcReg.host}/copy`, { mediaType: OCI_MANIFEST, digest, size }, 'application/spdx+json', '{"n":1}', true);
    for (const flags of [['-copy-referrers'], ['-copy-referrers', ...verify()]]) {
      const extra = await extraOnRerun(flags, `${src.host}/copy:v1`);
      assert.deepEqual(extra, [
        `dst GET /v2/mirror/copy/manifests/${tagOf(digest)}`,
        `dst GET /v2/mirror/copy/referrers/${digest}`, // the referrers API probe, once per registry per run
        `dst HEAD /v2/mirror/copy/manifests/${tagOf(digest, 'sig')}`,
        `src GET /v2/copy/manifests/${tagOf(digest)}`,
        `src GET /v2/copy/manifests/${tagOf(digest, 'sig')}`,
        `src GET /v2/copy/referrers/${digest}`, // likewise
        'src GET /v2/copy/tags/list',
      ], flags.join(' '));
    }
  });

  it('-copy-referrers: an index costs its manifest and the .sig pair of each platform manifest more', async () => {
    const digest = await pushTestImage(layout, 'oci-index', `${srcReg.host}/index:v1`);
    const raw = await inspectRaw(`${srcReg.host}/index@${digest}`);
    const children = (JSON.parse(raw) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest);
    for (const d of [digest, ...children]) await cosignSignImage(`${srcReg.host}/index`, d, key, { payload: simpleSigningPayload(`${src.host}/index`, d) });
    await pushReferrer(`${srcReg.host}/index`, { mediaType: OCI_INDEX, digest, size: Buffer.byteLength(raw) }, 'application/spdx+json', '{"n":2}', true);
    const extra = await extraOnRerun(['-copy-referrers', ...verify()], `${src.host}/index:v1`, digest);
    const probes = extra.filter((r) => r.includes('/referrers/'));
    assert.equal(probes.length, 2, extra.join('\n'));
    assert.equal(extra.length - probes.length, 10, extra.join('\n'));
    assert.ok(extra.includes(`src GET /v2/index/manifests/${digest}`), 'the index, for its platform manifests');
    for (const d of children) {
      assert.ok(extra.includes(`src GET /v2/index/manifests/${tagOf(d, 'sig')}`) && extra.includes(`dst HEAD /v2/mirror/index/manifests/${tagOf(d, 'sig')}`), d);
    }
  });

  it('a warm run still copies a signature appended at the source, a new referrer, and repairs a target missing its .sig', async () => {
    const { digest, size } = await singleArch('changes');
    const image = `${src.host}/changes:v1`;
    const flags = ['-copy-referrers', ...verify()];
    const first = await logged(flags, image);
    assert.equal(first.code, 0, first.stderr);
    const layersOf = async (ref: string) => (JSON.parse(await inspectRaw(ref)) as { layers: unknown[] }).layers;
    const sigAt = (host: string, repo: string) => `${host}/${repo}:${tagOf(digest, 'sig')}`;

    // cosign sign again at the source (another key): the .sig gets a second layer.
    await cosignSignImage(`${srcReg.host}/changes`, digest, other, { payload: simpleSigningPayload(`${src.host}/changes`, digest) });
    const referrer = await pushReferrer(`${srcReg.host}/changes`, { mediaType: OCI_MANIFEST, digest, size }, 'application/spdx+json', '{"n":3}', true);
    const appended = await logged(flags, image);
    assert.equal(appended.code, 0, appended.stderr);
    assert.deepEqual(await layersOf(sigAt(dstReg.host, 'mirror/changes')), await layersOf(sigAt(srcReg.host, 'changes')));
    const index = JSON.parse(await inspectRaw(`${dstReg.host}/mirror/changes:${tagOf(digest)}`)) as { manifests: { digest: string }[] };
    assert.deepEqual(index.manifests.map((m) => m.digest), [referrer]);

    // Someone deletes the target's .sig: the next run puts it back.
    const sigDigest = (await client.artifacts.head({ registry: dstReg.host, path: 'mirror/changes' }, tagOf(digest, 'sig')))!.digest;
    const deleted = await fetch(`http://${dstReg.host}/v2/mirror/changes/manifests/${sigDigest}`, { method: 'DELETE' });
    assert.equal(deleted.status, 202);
    await assert.rejects(inspectRaw(sigAt(dstReg.host, 'mirror/changes')));
    const repaired = await logged(flags, image);
    assert.equal(repaired.code, 0, repaired.stderr);
    assert.equal(await inspectRaw(sigAt(dstReg.host, 'mirror/changes')), await inspectRaw(sigAt(srcReg.host, 'changes')));
  });

  it('-dryrun and -no-copy say which signatures and referrers they would copy, and write nothing', async () => {
    const { digest, size } = await singleArch('plan');
    await pushReferrer(`${srcReg.host}/plan`, { mediaType: OCI_MANIFEST, digest, size }, 'application/spdx+json', '{"n":4}', true);
    const flags = ['-copy-referrers', ...verify()];
    const dry = await logged(['-dryrun', ...flags], `${src.host}/plan:v1`);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(writes(dst), 0, dry.requests.join('\n'));
    assert.match(dry.stderr, new RegExp(`dry run: would copy ${src.host}/plan:${tagOf(digest, 'sig')} to ${dst.host}/mirror/plan`));
    assert.match(dry.stderr, new RegExp(`dry run: would copy referrer ${src.host}/plan@sha256:[0-9a-f]{64} \\(application/spdx\\+json\\) of ${digest}`));
    // The image is at the target already, its referrers are not: -no-copy copies none of them either.
    const images = await logged([], `${src.host}/plan:v1`);
    assert.equal(images.code, 0, images.stderr);
    const noCopy = await logged(['-no-copy', ...flags], `${src.host}/plan:v1`);
    assert.equal(noCopy.code, 0, noCopy.stderr);
    assert.equal(writes(dst), 0, noCopy.requests.join('\n'));
    assert.match(noCopy.stderr, new RegExp(`-no-copy: would copy ${src.host}/plan:${tagOf(digest, 'sig')}`));
    await assert.rejects(inspectRaw(`${dstReg.host}/mirror/plan:${tagOf(digest, 'sig')}`));
  });
});
