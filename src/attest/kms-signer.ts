/**
 * Signing with a Cloud KMS asymmetric key version over REST (cryptoKeyVersions.asymmetricSign).
 * KMS signs a digest; the request and the response are checked with CRC32C both ways, as the KMS
 * data-integrity guidelines prescribe.
 */
import { createHash } from 'node:crypto';
import { ReimageError } from '../errors.js';
import type { AccessTokenSource } from '../gcp/access-token.js';
import { apiUrl, gcpJson } from '../gcp/rest.js';
import { crc32c } from './crc32c.js';
import type { Signer } from './signer.js';

export const DEFAULT_KMS_ENDPOINT = 'https://cloudkms.googleapis.com';

/** Attestor public key ids name KMS keys as this prefix plus the key version's resource name. */
export const KMS_KEY_ID_PREFIX = '//cloudkms.googleapis.com/v1/';

const KEY_VERSION_RE = /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+\/cryptoKeyVersions\/[^/]+$/;

/** "projects/…/cryptoKeyVersions/N" from either that or its "//cloudkms.googleapis.com/v1/…" id. */
export function kmsKeyVersionName(text: string): string | undefined {
  const name = text.startsWith(KMS_KEY_ID_PREFIX) ? text.slice(KMS_KEY_ID_PREFIX.length) : text;
  return KEY_VERSION_RE.test(name) ? name : undefined;
}

interface AsymmetricSignResponse {
  name?: string;
  signature?: string;
  /** int64, which proto3 JSON writes as a string. */
  signatureCrc32c?: string | number;
  verifiedDigestCrc32c?: boolean;
}

export class KmsIntegrityError extends ReimageError {}

export function kmsSigner(tokens: AccessTokenSource, endpoint: string, keyVersion: string): Signer {
  const description = `Cloud KMS key version ${keyVersion}`;
  return {
    description,
    async sign(payload, algorithm) {
      const digest = createHash(algorithm.hash).update(payload).digest();
      const response = await gcpJson<AsymmetricSignResponse>(tokens, apiUrl(endpoint, `v1/${keyVersion}:asymmetricSign`), {
        operation: `sign with ${description}`,
        method: 'POST',
        body: { digest: { [algorithm.hash]: digest.toString('base64') }, digestCrc32c: String(crc32c(digest)) },
      });
      const corrupt = (what: string) => new KmsIntegrityError(`sign with ${description}: ${what}; the request or response was corrupted in transit, try again`);
      if (response.verifiedDigestCrc32c !== true) throw corrupt('KMS did not verify the digest checksum (verifiedDigestCrc32c is not true)');
      if (response.name !== keyVersion) throw corrupt(`KMS answered for ${JSON.stringify(response.name ?? '')}`);
      const signature = Buffer.from(response.signature ?? '', 'base64');
      if (signature.length === 0) throw corrupt('the response has no signature');
      if (String(response.signatureCrc32c ?? '') !== String(crc32c(signature))) throw corrupt('the signature checksum (signatureCrc32c) does not match');
      return signature;
    },
  };
}
