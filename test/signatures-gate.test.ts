/**
 * -verify-signature-key and the copy of signatures, end to end: the built CLI between two real
 * registries (docker-registry 2.8), with images signed as `cosign sign --key` signs them. The
 * target sits behind a counting proxy.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cosignSignImage, makeCosignKey, pushBlob, pushManifest, simpleSigningPayload, skopeoPolicyCheck, type CosignKey, type CosignKeyType } from './harness/cosign.js';
import { buildTestLayout, inspectRaw, pushTestImage, type TestLayout } from './harness/images.js';
import { startProxy, type CountingProxy } from './harness/proxy.js';
import { startRegistries, type TestRegistry } from './harness/registries.js';
import { podYaml } from './harness/manifests.js';
import { runReimage } from './harness/run-reimage.js';

const sigTag = (digest: string) => `${digest.replace(':', '-')}.sig`;

describe('signature gate (-verify-signature-key) against real registries', () => {
  let regs: { anonymous: TestRegistry; stop(): Promise<void> };
  let dstReg: { anonymous: TestRegistry; stop(): Promise<void> };
  let dst: CountingProxy;
  let layout: TestLayout;
  let dir: string;
  let src: string;
  const keys = {} as Record<CosignKeyType, CosignKey>;
  let other: CosignKey;
  /** image name → its index digest, pushed to src/<name>:v1 */
  const images = new Map<string, string>();
  const children = new Map<string, string[]>();

  const push = async (name: string) => {
    const digest = await pushTestImage(layout, 'oci-index', `${src}/${name}:v1`, regs.anonymous);
    images.set(name, digest);
    children.set(name, (JSON.parse(await inspectRaw(`${src}/${name}@${digest}`, regs.anonymous)) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest));
    return digest;
  };
  /** Signs the index and each platform manifest, as `cosign sign --recursive` does. */
  const signAll = async (name: string, key: CosignKey) => {
    for (const d of [images.get(name)!, ...children.get(name)!]) await cosignSignImage(`${src}/${name}`, d, key);
  };
  const reimage = (args: string[], stdin: string) =>
    runReimage(['-rename-remote-path', `${dst.host}/mirror`, '-rename-template', '{{ .RemotePath }}/{{ .Repository }}:{{ .DigestHex }}', ...args], stdin);
  const finalOf = (name: string) => `${dst.host}/mirror/${name}:${images.get(name)!.slice(7)}`;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'reimage-signatures-'));
    [regs, dstReg, layout] = await Promise.all([startRegistries('anonymous'), startRegistries('anonymous'), buildTestLayout()]);
    dst = await startProxy(dstReg.anonymous.host);
    src = regs.anonymous.host;
    for (const type of ['ecdsa-p256', 'ecdsa-p384', 'rsa', 'ed25519'] as const) keys[type] = await makeCosignKey(dir, type);
    other = await makeCosignKey(dir, 'ecdsa-p256');
  });
  after(async () => {
    await dst?.stop();
    await regs?.stop();
    await dstReg?.stop();
    await layout?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const type of ['ecdsa-p256', 'ecdsa-p384', 'rsa', 'ed25519'] as const) {
    it(`passes an image signed with ${type}, copies its signatures byte for byte and records them`, async () => {
      const name = `signed-${type}`;
      await push(name);
      await signAll(name, keys[type]);
      const mappings = path.join(dir, `${name}.json`);
      const r = await reimage(['-verify-signature-key', other.publicKeyFile, '-verify-signature-key', keys[type].publicKeyFile, '-write-json-mappings-file', mappings], podYaml(`${src}/${name}:v1`));
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`image: ${finalOf(name)}`));
      const index = images.get(name)!;
      assert.equal(await inspectRaw(`${dstReg.anonymous.host}/mirror/${name}:${sigTag(index)}`), await inspectRaw(`${src}/${name}:${sigTag(index)}`));
      // The platform manifests' signatures travel with -copy-referrers only.
      await assert.rejects(inspectRaw(`${dstReg.anonymous.host}/mirror/${name}:${sigTag(children.get(name)![0]!)}`));
      const entry = JSON.parse(await readFile(mappings, 'utf8'))[`${src}/${name}:v1`];
      assert.equal(entry.signatureKey, keys[type].publicKeyFile);
      assert.equal(entry.signatures.length, 1);
      assert.equal(entry.signatures[0], await digestOfTag(`${dstReg.anonymous.host}/mirror/${name}`, sigTag(images.get(name)!)));
    });
  }

  it('with -copy-referrers, copies signatures that skopeo finds at the target for the index and every platform manifest', async () => {
    const name = 'signed-ecdsa-p256';
    const r = await reimage(['-verify-signature-key', keys['ecdsa-p256'].publicKeyFile, '-copy-referrers'], podYaml(`${src}/${name}:v1`));
    assert.equal(r.code, 0, r.stderr);
    for (const d of [images.get(name)!, ...children.get(name)!]) {
      assert.equal(await inspectRaw(`${dstReg.anonymous.host}/mirror/${name}:${sigTag(d)}`), await inspectRaw(`${src}/${name}:${sigTag(d)}`), `${sigTag(d)} differs`);
    }
    const final = `${dstReg.anonymous.host}/mirror/${name}@${images.get(name)!}`;
    const atTarget = await skopeoPolicyCheck(final, keys['ecdsa-p256'], dstReg.anonymous);
    // Debian's skopeo cannot verify sigstore signatures, but it looks them up first: "no signature
    // exists" would mean the copy left them behind. An unsigned image at the target shows the difference.
    assert.ok(atTarget.code === 0 || /sigstore disabled/.test(atTarget.stderr), atTarget.stderr);
    const unsigned = await push('skopeo-unsigned');
    const check = await skopeoPolicyCheck(`${src}/skopeo-unsigned@${unsigned}`, keys['ecdsa-p256'], regs.anonymous);
    assert.notEqual(check.code, 0);
    assert.match(check.stderr, /no signature exists/);
  });

  it('fails every bad image together, naming each with its reason, and copies nothing', async () => {
    await push('good');
    await signAll('good', keys['ecdsa-p256']);
    const wrongKey = await push('wrong-key');
    await cosignSignImage(`${src}/wrong-key`, wrongKey, other);
    await push('unsigned');
    const mismatch = await push('mismatch');
    const elsewhere = children.get('mismatch')![0]!;
    await cosignSignImage(`${src}/mismatch`, mismatch, keys['ecdsa-p256'], { payload: simpleSigningPayload(`${src}/mismatch`, elsewhere) });
    const badSig = await push('bad-signature');
    await cosignSignImage(`${src}/bad-signature`, badSig, keys['ecdsa-p256'], { signature: Buffer.alloc(70, 1) });
    const wrongRepo = await push('wrong-repo');
    await cosignSignImage(`${src}/wrong-repo`, wrongRepo, keys['ecdsa-p256'], { payload: simpleSigningPayload(`${src}/elsewhere`, wrongRepo) });
    const malformed = await push('malformed');
    await pushRaw(`${src}/malformed`, sigTag(malformed), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: await emptyBlob(`${src}/malformed`), layers: [] }));
    dst.reset();
    const names = ['good', 'wrong-key', 'unsigned', 'mismatch', 'bad-signature', 'wrong-repo', 'malformed'];
    const r = await reimage(['-verify-signature-key', keys['ecdsa-p256'].publicKeyFile], podYaml(...names.map((n) => `${src}/${n}:v1`)));
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /6 of 7 images failed/);
    const reason = (name: string, re: RegExp) => {
      const block = r.stderr.split('\n  - ').find((b) => b.startsWith(`${src}/${name}:v1:`));
      assert.ok(block, `no failure for ${name} in:\n${r.stderr}`);
      assert.match(block, re);
    };
    reason('wrong-key', /bad signature: does not verify under the key/);
    reason('unsigned', /unsigned: no cosign signature \(.*sha256-[0-9a-f]{64}\.sig does not exist\)/);
    reason('mismatch', new RegExp(`payload digest mismatch: it signs docker-manifest-digest "${elsewhere}", not the image's ${mismatch}`));
    reason('bad-signature', /bad signature/);
    reason('wrong-repo', /docker-reference ".*\/elsewhere" is neither/);
    reason('malformed', /malformed signature manifest .*: no application\/vnd\.dev\.cosign\.simplesigning\.v1\+json layer/);
    assert.equal(dst.requests.PUT ?? 0, 0, 'nothing may be written when an image fails the gate');
    assert.equal(dst.requests.POST ?? 0, 0);
  });

  it('checks signatures in a dry run too, so it predicts the real run', async () => {
    await push('dry-unsigned');
    const r = await reimage(['-dryrun', '-verify-signature-key', keys['ecdsa-p256'].publicKeyFile], podYaml(`${src}/dry-unsigned:v1`));
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /dry-unsigned:v1: unsigned: no cosign signature/);
  });

  it('skips images matching -verify-signature-ignore-images', async () => {
    await push('ignored-unsigned');
    const r = await reimage(['-verify-signature-key', keys['ecdsa-p256'].publicKeyFile, '-verify-signature-ignore-images', '/mirror/ignored-'], podYaml(`${src}/ignored-unsigned:v1`));
    assert.equal(r.code, 0, r.stderr);
  });

  it('-verify-signature-ignore-images matches the Go spelling of a Docker Hub final name too', async () => {
    await push('hub-ignored-unsigned');
    // Final names on Docker Hub, whose API is the local target registry through -registry-mirror.
    const r = await reimage([
      '-registry-mirror', `docker.io=${dst.host}`, '-rename-remote-path', 'docker.io/mirror', '-dryrun',
      '-verify-signature-key', keys['ecdsa-p256'].publicKeyFile, '-verify-signature-ignore-images', '^index\\.docker\\.io/mirror/hub-ignored-',
    ], podYaml(`${src}/hub-ignored-unsigned:v1`));
    assert.equal(r.code, 0, r.stderr);
    const refused = await reimage([
      '-registry-mirror', `docker.io=${dst.host}`, '-rename-remote-path', 'docker.io/mirror', '-dryrun',
      '-verify-signature-key', keys['ecdsa-p256'].publicKeyFile, '-verify-signature-ignore-images', '^index\\.docker\\.io/mirror/other-',
    ], podYaml(`${src}/hub-ignored-unsigned:v1`));
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /hub-ignored-unsigned:v1: unsigned/);
  });

  it('merges into a target .sig holding another signature, and a second run writes nothing', async () => {
    const name = 'merge';
    const digest = await push(name);
    await cosignSignImage(`${src}/${name}`, digest, keys['ecdsa-p256']);
    // The target already has the image, signed there by someone else (another key).
    const final = `${dstReg.anonymous.host}/mirror/${name}`;
    await pushTestImage(layout, 'oci-index', `${final}:${digest.slice(7)}`, dstReg.anonymous);
    await cosignSignImage(final, digest, other, { payload: simpleSigningPayload(final, digest) });
    const theirs = JSON.parse(await inspectRaw(`${final}:${sigTag(digest)}`)) as { layers: unknown[] };
    const args = ['-verify-signature-key', keys['ecdsa-p256'].publicKeyFile];
    const r = await reimage(args, podYaml(`${src}/${name}:v1`));
    assert.equal(r.code, 0, r.stderr);
    const merged = JSON.parse(await inspectRaw(`${final}:${sigTag(digest)}`)) as { layers: unknown[]; config: { digest: string } };
    const ours = JSON.parse(await inspectRaw(`${src}/${name}:${sigTag(digest)}`)) as { layers: unknown[] };
    assert.deepEqual(merged.layers, [...theirs.layers, ...ours.layers], 'their signature is kept and ours appended, byte for byte');
    // The run re-verified ours in the merged manifest at the target; theirs still verifies there too.
    const theirsStillVerifies = await runReimage(['-verify-signature-key', other.publicKeyFile], podYaml(`${final}:${digest.slice(7)}`));
    assert.equal(theirsStillVerifies.code, 0, theirsStillVerifies.stderr);
    dst.reset();
    const second = await reimage(args, podYaml(`${src}/${name}:v1`));
    assert.equal(second.code, 0, second.stderr);
    assert.equal((dst.requests.PUT ?? 0) + (dst.requests.POST ?? 0) + (dst.requests.PATCH ?? 0), 0, `second run wrote: ${JSON.stringify(dst.requests)}`);
  });

  it('refuses a key file that is not a usable public key (exit 2)', async () => {
    const r = await runReimage(['-verify-signature-key', path.join(dir, 'missing.pub')], '');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /-verify-signature-key: cannot read it/);
  });

  async function digestOfTag(repo: string, tag: string): Promise<string> {
    const [host, ...rest] = repo.split('/');
    const res = await fetch(`http://${host}/v2/${rest.join('/')}/manifests/${tag}`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    return res.headers.get('docker-content-digest')!;
  }
});

async function emptyBlob(repo: string): Promise<{ mediaType: string; digest: string; size: number }> {
  const [host, ...rest] = repo.split('/');
  const digest = await pushBlob(`http://${host}/v2/${rest.join('/')}`, Buffer.from('{}'));
  return { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: 2 };
}

async function pushRaw(repo: string, tag: string, json: string): Promise<void> {
  const [host, ...rest] = repo.split('/');
  await pushManifest(`http://${host}/v2/${rest.join('/')}`, tag, Buffer.from(json), 'application/vnd.oci.image.manifest.v1+json');
}
