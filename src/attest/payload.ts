/**
 * The Binary Authorization "simple signing" payload for a container image, byte for byte what
 * `gcloud container binauthz create-signature-payload` prints: keys sorted, two-space indent,
 * ASCII only, and a trailing newline.
 */
import { type ImageReference, repositoryName } from '../reference/reference.js';

const PAYLOAD_TYPE = 'Google cloud binauthz container signature';

interface SignaturePayload {
  critical: {
    identity: { 'docker-reference': string };
    image: { 'docker-manifest-digest': string };
    type: string;
  };
}

/** The payload bytes for registry/repo@digest. The identity is the repository, without digest. */
export function signaturePayload(image: Pick<ImageReference, 'domain' | 'path'> & { readonly digest: string }): Buffer {
  const payload: SignaturePayload = {
    critical: {
      identity: { 'docker-reference': repositoryName(image) },
      image: { 'docker-manifest-digest': image.digest },
      type: PAYLOAD_TYPE,
    },
  };
  // Same bytes as Python's json.dumps(indent=2, sort_keys=True, ensure_ascii=True): the keys above
  // are in sorted order, and references are ASCII by grammar, so there is nothing to escape.
  return Buffer.from(`${JSON.stringify(payload, null, 2)}\n`, 'utf8');
}

/**
 * The image digest a serialized payload vouches for, or undefined when it is not a payload of
 * this type. Only the digest is read: the Go reimage wrote a misspelt identity ("identitiy")
 * holding the digest reference, and its attestations still vouch for the right image.
 */
export function payloadDigest(bytes: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as Partial<SignaturePayload>;
    if (parsed.critical?.type !== PAYLOAD_TYPE) return undefined;
    const digest = parsed.critical.image?.['docker-manifest-digest'];
    return typeof digest === 'string' ? digest : undefined;
  } catch {
    return undefined;
  }
}
