/**
 * What signs attestation payloads: Cloud KMS or a local private key. Both sign the payload bytes
 * under the algorithm of the attestor key the signature will be checked against.
 */
import type { SignatureAlgorithm } from './algorithms.js';

export interface Signer {
  /** For messages: "Cloud KMS key version projects/…/cryptoKeyVersions/1", "key file k.pem". */
  readonly description: string;
  sign(payload: Buffer, algorithm: SignatureAlgorithm): Promise<Buffer>;
}
