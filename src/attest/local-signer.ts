/**
 * Signing with a PEM private key held by reimage (-attestation-key), for teams without Cloud KMS.
 */
import type { KeyObject } from 'node:crypto';
import { signPayload } from './algorithms.js';
import type { Signer } from './signer.js';

export function localKeySigner(privateKey: KeyObject, path: string): Signer {
  return {
    description: `key file ${path}`,
    sign: async (payload, algorithm) => signPayload(privateKey, algorithm, payload),
  };
}
