/**
 * cosign signatures for tests, written from cosign's signature spec (what `cosign sign --key`
 * stores), and skopeo's sigstore policy check as an outside reader of them.
 *
 *   const key = await makeCosignKey(dir, 'ecdsa-p256');   // or 'ecdsa-p384' | 'rsa' | 'ed25519'
 *   key.publicKeyFile                                      // PEM SubjectPublicKeyInfo: -verify-signature-key
 *   await cosignSignImage(`${reg.host}/app`, digest, key); // appends a layer to sha256-<hex>.sig
 *   await skopeoPolicyCheck(`${reg.host}/app@${digest}`, key, reg)   // skopeo copy under a sigstoreSigned policy
 *
 * Debian's skopeo 1.9.3 is built with sigstore disabled: it can neither sign
 * (--sign-by-sigstore-private-key fails with "Debian-local change: sigstore disabled") nor verify
 * a sigstoreSigned policy. It does look the signatures up first (use-sigstore-attachments), so
 * its answer tells "no signature exists" from "found, but cannot verify here".
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { registryArgs } from './images.js';
import type { TestRegistry } from './registries.js';
import { run as runCommand, type RunResult } from './run-reimage.js';

export type CosignKeyType = 'ecdsa-p256' | 'ecdsa-p384' | 'rsa' | 'ed25519';

export interface CosignKey {
  readonly type: CosignKeyType;
  readonly publicKeyFile: string;
  readonly privateKey: KeyObject;
}

function keyPair(type: CosignKeyType) {
  switch (type) {
    case 'ecdsa-p256': return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    case 'ecdsa-p384': return generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    case 'rsa': return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'ed25519': return generateKeyPairSync('ed25519');
  }
}

/** A fresh key pair of `type`; the public key is written to `dir` as PEM (cosign.pub). */
export async function makeCosignKey(dir: string, type: CosignKeyType = 'ecdsa-p256'): Promise<CosignKey> {
  const keyDir = await mkdtemp(path.join(dir, `cosign-${type}-`));
  const { privateKey, publicKey } = keyPair(type);
  const publicKeyFile = path.join(keyDir, 'cosign.pub');
  await writeFile(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }).toString());
  return { type, publicKeyFile, privateKey };
}

/** A registries.d directory that makes skopeo read and write sigstore signatures as cosign attachments. */
async function registriesD(dir: string): Promise<string> {
  const d = path.join(dir, 'registries.d');
  await mkdir(d, { recursive: true });
  await writeFile(path.join(d, 'default.yaml'), 'default-docker:\n  use-sigstore-attachments: true\n');
  return d;
}

/**
 * Copies `ref` (with --all: the index and every platform manifest) to a throwaway OCI layout
 * under skopeo's sigstoreSigned policy for `key`, signed identity matching `ref`'s repository.
 */
export async function skopeoPolicyCheck(ref: string, key: CosignKey, registry?: TestRegistry): Promise<RunResult> {
  const dir = await mkdtemp(path.join(path.dirname(key.publicKeyFile), 'verify-'));
  const d = await registriesD(dir);
  const policy = path.join(dir, 'policy.json');
  await writeFile(policy, JSON.stringify({
    default: [{ type: 'reject' }],
    transports: {
      docker: { '': [{ type: 'sigstoreSigned', keyPath: key.publicKeyFile, signedIdentity: { type: 'matchRepository' } }] },
      oci: { '': [{ type: 'insecureAcceptAnything' }] },
    },
  }));
  // --remove-signatures: an OCI layout cannot store them; they are still looked up and checked.
  return runCommand('skopeo', ['--policy', policy, '--registries.d', d, 'copy', '-q', '--all', '--remove-signatures',
    ...registryArgs(registry, 'src'), `docker://${ref}`, `oci:${path.join(dir, 'copy')}:x`]);
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** The signature bytes cosign makes for `payload` with `key`: SHA-256 digest, ASN.1 ECDSA / PKCS#1 v1.5 RSA / pure Ed25519. */
export function cosignSign(key: KeyObject, payload: Uint8Array): Buffer {
  return sign(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', payload, key);
}

/** The simple-signing payload cosign signs. */
export function simpleSigningPayload(dockerReference: string, digest: string): Buffer {
  return Buffer.from(JSON.stringify({
    critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
    optional: null,
  }));
}

export interface SignOptions {
  /** Signs these payload bytes instead of the proper payload (a wrong digest, say). */
  readonly payload?: Buffer;
  /** Stores this signature instead of the real one. */
  readonly signature?: Buffer;
}

/**
 * What `cosign sign --key` does, written from cosign's signature spec: a simple-signing payload
 * layer with the base64 signature in the `dev.cosignproject.cosign/signature` annotation, appended
 * to the image's `sha256-<hex>.sig` manifest (created when missing). Plain HTTP, anonymous registry.
 * `repo` is "host/path", `digest` the signed image's digest; returns the .sig manifest digest.
 */
export async function cosignSignImage(repo: string, digest: string, key: CosignKey, opts: SignOptions = {}): Promise<string> {
  const payload = opts.payload ?? simpleSigningPayload(repo, digest);
  const signature = opts.signature ?? cosignSign(key.privateKey, payload);
  const [host, ...rest] = repo.split('/');
  const base = `http://${host}/v2/${rest.join('/')}`;
  const tag = `${digest.replace(':', '-')}.sig`;
  const existing = await fetch(`${base}/manifests/${tag}`, { headers: { accept: OCI_MANIFEST } });
  const layers = existing.ok ? ((await existing.json()) as { layers: unknown[] }).layers : (await existing.body?.cancel(), []);
  const layer = { mediaType: SIMPLE_SIGNING, size: payload.length, digest: sha256(payload), annotations: { 'dev.cosignproject.cosign/signature': signature.toString('base64') } };
  const allLayers = [...layers, layer];
  const config = Buffer.from(JSON.stringify({
    architecture: '', created: '0001-01-01T00:00:00Z', history: allLayers.map(() => ({ created: '0001-01-01T00:00:00Z' })), os: '',
    rootfs: { type: 'layers', diff_ids: allLayers.map((l) => (l as { digest: string }).digest) }, config: {},
  }));
  await pushBlob(base, payload);
  await pushBlob(base, config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: sha256(config) },
    layers: allLayers,
  }));
  await pushManifest(base, tag, manifest, OCI_MANIFEST);
  return sha256(manifest);
}

/** Pushes a blob with a monolithic POST+PUT upload (plain HTTP, anonymous). */
export async function pushBlob(base: string, bytes: Uint8Array): Promise<string> {
  const digest = sha256(bytes);
  const started = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
  await started.body?.cancel();
  if (started.status !== 202) throw new Error(`upload start: HTTP ${started.status}`);
  const location = new URL(started.headers.get('location')!, base);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
  await put.body?.cancel();
  if (put.status !== 201) throw new Error(`upload: HTTP ${put.status}`);
  return digest;
}

export async function pushManifest(base: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<string> {
  const res = await fetch(`${base}/manifests/${reference}`, { method: 'PUT', body: bytes, headers: { 'content-type': mediaType } });
  if (res.status !== 201) throw new Error(`put manifest ${reference}: HTTP ${res.status}: ${await res.text()}`);
  await res.body?.cancel();
  return sha256(bytes);
}

const EMPTY_CONFIG = 'application/vnd.oci.empty.v1+json';

/**
 * Pushes an OCI 1.1 artifact whose `subject` is `subject`, as oras or `cosign attach --type`
 * would: by digest, and with `tagSchema` (a registry without the referrers API) also adding it
 * to the subject's `sha256-<hex>` referrers index. Returns the artifact's digest.
 */
export async function pushReferrer(repo: string, subject: { mediaType: string; digest: string; size: number }, artifactType: string, content: string, tagSchema: boolean): Promise<string> {
  const [host, ...rest] = repo.split('/');
  const base = `http://${host}/v2/${rest.join('/')}`;
  const empty = Buffer.from('{}');
  const layer = Buffer.from(content);
  await pushBlob(base, empty);
  await pushBlob(base, layer);
  const annotations = { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' };
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType,
    config: { mediaType: EMPTY_CONFIG, digest: sha256(empty), size: empty.length },
    layers: [{ mediaType: 'application/json', digest: sha256(layer), size: layer.length }],
    subject, annotations,
  }));
  const digest = await pushManifest(base, sha256(manifest), manifest, OCI_MANIFEST);
  if (tagSchema) {
    const tag = subject.digest.replace(':', '-');
    const existing = await fetch(`${base}/manifests/${tag}`, { headers: { accept: OCI_INDEX } });
    const manifests = existing.ok ? ((await existing.json()) as { manifests: unknown[] }).manifests : (await existing.body?.cancel(), []);
    manifests.push({ mediaType: OCI_MANIFEST, digest, size: manifest.length, artifactType, annotations });
    await pushManifest(base, tag, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests })), OCI_INDEX);
  }
  return digest;
}
