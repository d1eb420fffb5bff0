/**
 * Signing with a Cloud KMS asymmetric key version over REST (cryptoKeyVersions.asymmetricSign).
 * KMS signs a digest; the request and the response are checked with CRC32C both ways, as the KMS
 * data-integrity guidelines prescribe, and a mismatch is retried a few times before giving up.
 */
import { createHash } from 'node:crypto';
import { ReimageError } from '../errors.js';
import type { AccessTokenSource } from '../gcp/access-token.js';
import { apiUrl, gcpJson } from '../gcp/rest.js';
import type { RetryPolicy } from '../retry.js';
import { crc32c } from './crc32c.js';
import type { Signer } from './signer.js';

interface AsymmetricSignResponse {
  name?: string;
  signature?: string;
  /** int64, which proto3 JSON writes as a string. */
  signatureCrc32c?: string | number;
  verifiedDigestCrc32c?: boolean;
}

class KmsIntegrityError extends ReimageError {}

/** Signing again after a checksum mismatch, as the KMS data-integrity guidelines advise, a few times. */
const INTEGRITY_ATTEMPTS = 3;

export function kmsSigner(tokens: AccessTokenSource, endpoint: string, keyVersion: string, retry?: RetryPolicy): Signer {
  const description = `Cloud KMS key version ${keyVersion}`;
  const signOnce = async (digest: Buffer, hash: string): Promise<Buffer> => {
    const response = await gcpJson<AsymmetricSignResponse>(tokens, apiUrl(endpoint, `v1/${keyVersion}:asymmetricSign`), {
      operation: `sign with ${description}`,
      method: 'POST',
      body: { digest: { [hash]: digest.toString('base64') }, digestCrc32c: String(crc32c(digest)) },
      idempotent: true, // signing has no side effect
      ...(retry && { retry }),
    });
    if (response.verifiedDigestCrc32c !== true) throw new KmsIntegrityError('KMS did not verify the digest checksum (verifiedDigestCrc32c is not true)');
    if (response.name !== keyVersion) throw new KmsIntegrityError(`KMS answered for ${JSON.stringify(response.name ?? '')}`);
    const signature = Buffer.from(response.signature ?? '', 'base64');
    if (signature.length === 0) throw new KmsIntegrityError('the response has no signature');
    if (String(response.signatureCrc32c ?? '') !== String(crc32c(signature))) {
      throw new KmsIntegrityError('the signature checksum (signatureCrc32c) does not match');
    }
    return signature;
  };
  return {
    description,
    async sign(payload, algorithm) {
      const digest = createHash(algorithm.hash).update(payload).digest();
      for (let attempt = 1; ; attempt++) {
        try {
          return await signOnce(digest, algorithm.hash);
        } catch (err) {
          if (!(err instanceof KmsIntegrityError)) throw err;
          if (attempt >= INTEGRITY_ATTEMPTS) {
            throw new KmsIntegrityError(
              `sign with ${description}: ${err.message}, ${attempt} times; the requests or responses were corrupted in transit`,
            );
          }
        }
      }
    },
  };
}
