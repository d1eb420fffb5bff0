/** Content digests ("sha256:<hex>"), computed with the algorithm the expected digest names. */
import { createHash, type Hash } from 'node:crypto';
import { ReimageError } from '../errors.js';

/**
 * The digests we accept from registries and manifests: sha256 and sha512 in canonical lower-case
 * hex, as the OCI image spec registers them. Anything else (another algorithm, a path, trailing
 * text) would end up in URLs and in the output, so it is refused.
 */
const VALID_DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export function isValidDigest(digest: string): boolean {
  return VALID_DIGEST.test(digest);
}

/** The digest quoted for a message, shortened when it is too long to be one. */
export function quoteDigest(digest: string): string {
  return JSON.stringify(digest.length > 140 ? `${digest.slice(0, 140)}…` : digest);
}

export function digestAlgorithm(digest: string): string {
  return digest.slice(0, digest.indexOf(':')) || 'sha256';
}

export function hasher(algorithm = 'sha256'): Hash {
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new ReimageError(`cannot verify content by digest algorithm ${JSON.stringify(algorithm.slice(0, 40))}: only sha256 and sha512 are supported`);
  }
  return createHash(algorithm);
}

export function digestOf(bytes: Uint8Array, algorithm = 'sha256'): string {
  return `${algorithm}:${hasher(algorithm).update(bytes).digest('hex')}`;
}
