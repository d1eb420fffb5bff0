/** Content digests ("sha256:<hex>"), computed with the algorithm the expected digest names. */
import { createHash, type Hash } from 'node:crypto';

export function digestAlgorithm(digest: string): string {
  return digest.slice(0, digest.indexOf(':')) || 'sha256';
}

export function hasher(algorithm = 'sha256'): Hash {
  return createHash(algorithm);
}

export function digestOf(bytes: Uint8Array, algorithm = 'sha256'): string {
  return `${algorithm}:${hasher(algorithm).update(bytes).digest('hex')}`;
}
