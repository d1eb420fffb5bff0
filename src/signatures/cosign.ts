/**
 * cosign's signatures, as `cosign sign --key` stores them: the manifest tagged
 * `sha256-<hex>.sig` in the image's repository has one layer per signature. Each layer is a
 * simple-signing payload (application/vnd.dev.cosign.simplesigning.v1+json)
 *
 *   {"critical":{"identity":{"docker-reference":"registry/repo"},
 *                "image":{"docker-manifest-digest":"sha256:…"},"type":"cosign container image signature"},
 *    "optional":{…}}
 *
 * with the base64 signature over the payload bytes in its `dev.cosignproject.cosign/signature`
 * annotation. A signature counts when it verifies under one of the keys, its payload names the
 * image's digest, and its docker-reference is one of the accepted repositories (the source's or
 * the final one). Keyless signatures (Fulcio certificate, Rekor bundle) are not checked: without
 * a key that verifies them they do not count.
 */
import { createHash } from 'node:crypto';
import { ReimageError } from '../errors.js';
import { parseReference, repositoryName } from '../reference/reference.js';
import { parseManifest, type ArtifactStore, type FetchedManifest, type Repository } from '../registry/index.js';
import { verifiesUnder, type VerificationKey } from './keys.js';

export const COSIGN_SUFFIXES = ['sig', 'att', 'sbom'] as const;
export type CosignSuffix = (typeof COSIGN_SUFFIXES)[number];

const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
const SIGNATURE_TYPE = 'cosign container image signature';
/** Payloads are a few hundred bytes; anything this big is not one. */
const MAX_PAYLOAD = 64 * 1024;
/** Signatures looked at per image, at most. */
const MAX_SIGNATURES = 100;

/** `sha256:<hex>` → `sha256-<hex>.sig` */
export function cosignTag(digest: string, suffix: CosignSuffix): string {
  return `${digest.replace(':', '-')}.${suffix}`;
}

/** The image has no signature that passes; the message says why each one failed. */
class SignatureVerificationError extends ReimageError {}

export interface VerifiedSignature {
  /** Digest of the `.sig` manifest that holds the signature. */
  readonly manifest: string;
  /** Digest of the verified signature layer (its payload). */
  readonly layer: string;
  /** The key file it verified under. */
  readonly keyFile: string;
}

/**
 * Checks that `digest` in `repo` carries a cosign signature that verifies under one of `keys`
 * for one of the `identities` (repositories, "registry/path"). `sig` is the `.sig` manifest when
 * the caller fetched it already.
 */
export async function verifyCosignSignature(
  store: ArtifactStore, repo: Repository, digest: string, keys: readonly VerificationKey[], identities: readonly string[], sig?: FetchedManifest,
): Promise<VerifiedSignature> {
  const tag = cosignTag(digest, 'sig');
  const where = `${repo.registry}/${repo.path}:${tag}`;
  const manifest = sig ?? await store.get(repo, tag);
  if (!manifest) throw new SignatureVerificationError(`unsigned: no cosign signature (${where} does not exist)`);
  const layers = signatureLayers(manifest, where);
  const failures: string[] = [];
  for (const [i, layer] of layers.entries()) {
    const what = `signature ${i + 1} of ${layers.length} (${layer.digest})`;
    if (layer.signature === undefined) {
      failures.push(`${what}: no ${SIGNATURE_ANNOTATION} annotation`);
      continue;
    }
    const payload = cosignDefaultPayload(layer, digest, identities) ?? await store.readBlob(repo, layer, MAX_PAYLOAD);
    const signature = Buffer.from(layer.signature, 'base64');
    const key = keys.find((k) => verifiesUnder(k, payload, signature));
    if (!key) {
      failures.push(`${what}: bad signature: does not verify under ${keys.length === 1 ? 'the key' : `any of the ${keys.length} keys`} (${keys.map((k) => k.file).join(', ')})`);
      continue;
    }
    const claimProblem = checkClaims(payload, digest, identities);
    if (claimProblem) {
      failures.push(`${what}: ${claimProblem}`);
      continue;
    }
    return { manifest: manifest.digest, layer: layer.digest, keyFile: key.file };
  }
  throw new SignatureVerificationError(`no valid cosign signature in ${where}:\n${failures.map((f) => `  ${f}`).join('\n')}`);
}

/**
 * The payload bytes without reading the blob, when the layer holds the payload `cosign sign`
 * writes without annotations for one of the accepted repositories: Go's json.Marshal of
 * {critical:{identity:{docker-reference},image:{docker-manifest-digest},type},optional:null},
 * the reference spelled as go-containerregistry names the repository (Docker Hub as
 * index.docker.io). Sound because the layer is content-addressed: bytes whose SHA-256 is the
 * layer's digest are the payload, and they are then verified like fetched ones. Any other
 * payload (annotations, another signer's layout) is fetched.
 */
function cosignDefaultPayload(layer: SignatureLayer, digest: string, identities: readonly string[]): Uint8Array | undefined {
  if (!layer.digest.startsWith('sha256:')) return undefined;
  const spellings = identities.flatMap((id) => (id.startsWith('docker.io/') ? [id, `index.${id}`] : [id]));
  for (const reference of spellings) {
    const bytes = new TextEncoder().encode(JSON.stringify({
      critical: { identity: { 'docker-reference': reference }, image: { 'docker-manifest-digest': digest }, type: SIGNATURE_TYPE },
      optional: null,
    }));
    if (bytes.length === layer.size && `sha256:${createHash('sha256').update(bytes).digest('hex')}` === layer.digest) return bytes;
  }
  return undefined;
}

interface SignatureLayer {
  readonly digest: string;
  readonly size: number;
  readonly signature?: string;
}

/** The simple-signing layers of a `.sig` manifest; a manifest of any other shape is malformed. */
function signatureLayers(manifest: FetchedManifest, where: string): SignatureLayer[] {
  const malformed = (why: string) => new SignatureVerificationError(`malformed signature manifest ${where}: ${why}`);
  let parsed;
  try {
    parsed = parseManifest(manifest.bytes, manifest.mediaType, where);
  } catch (err) {
    throw malformed((err as Error).message);
  }
  if (parsed.kind !== 'image') throw malformed('it is an index, not an image manifest');
  const raw = (JSON.parse(new TextDecoder().decode(manifest.bytes)) as { layers?: { annotations?: unknown }[] }).layers ?? [];
  const layers = parsed.layers.flatMap((layer, i) => {
    if (layer.mediaType !== SIMPLE_SIGNING) return [];
    const annotations = raw[i]?.annotations as Record<string, unknown> | undefined;
    const signature = annotations?.[SIGNATURE_ANNOTATION];
    return [{ digest: layer.digest, size: layer.size, ...(typeof signature === 'string' && { signature }) }];
  });
  if (layers.length === 0) throw malformed(`no ${SIMPLE_SIGNING} layer`);
  if (layers.length > MAX_SIGNATURES) throw malformed(`more than ${MAX_SIGNATURES} signatures`);
  return layers;
}

/** Why a verified payload does not vouch for this image, or undefined when it does. */
function checkClaims(payload: Uint8Array, digest: string, identities: readonly string[]): string | undefined {
  let doc: { critical?: { identity?: { 'docker-reference'?: unknown }; image?: { 'docker-manifest-digest'?: unknown }; type?: unknown } };
  try {
    doc = JSON.parse(new TextDecoder().decode(payload)) as typeof doc;
  } catch {
    return 'the signed payload is not JSON';
  }
  const critical = doc?.critical;
  if (critical?.type !== SIGNATURE_TYPE) return `the signed payload's type is ${JSON.stringify(critical?.type)}, not ${JSON.stringify(SIGNATURE_TYPE)}`;
  const signedDigest = critical.image?.['docker-manifest-digest'];
  if (signedDigest !== digest) return `payload digest mismatch: it signs docker-manifest-digest ${JSON.stringify(signedDigest)}, not the image's ${digest}`;
  const reference = critical.identity?.['docker-reference'];
  const repository = typeof reference === 'string' ? normalizedRepository(reference) : undefined;
  if (!repository || !identities.includes(repository)) {
    return `the signed docker-reference ${JSON.stringify(reference)} is neither ${identities.join(' nor ')}`;
  }
  return undefined;
}

/** "index.docker.io/library/nginx:1" → "docker.io/library/nginx"; undefined when not a reference. */
function normalizedRepository(reference: string): string | undefined {
  try {
    return repositoryName(parseReference(reference));
  } catch {
    return undefined;
  }
}
