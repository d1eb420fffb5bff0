/**
 * Picks what signs and which attestor key the signature must verify under: the attestor key whose
 * id goes into the occurrence, and whose algorithm decides digest and padding.
 */
import { type KeyObject, createPublicKey } from 'node:crypto';
import { ReimageError } from '../errors.js';
import type { AccessTokenSource } from '../gcp/access-token.js';
import type { RetryPolicy } from '../retry.js';
import type { Attestor, AttestorKey } from './attestor.js';
import { KMS_KEY_ID_PREFIX, kmsKeyVersionName } from './kms-key-name.js';
import { kmsSigner } from './kms-signer.js';
import { localKeySigner } from './local-signer.js';
import type { Signer } from './signer.js';

/** How the user asked to sign (from the flags). */
export type SigningSpec =
  | {
      readonly kind: 'kms';
      /** projects/…/cryptoKeyVersions/N; default: the attestor's first key, when it is a KMS key. */
      readonly keyVersion?: string;
      /** Public key id on the attestor; default: //cloudkms.googleapis.com/v1/<keyVersion>. */
      readonly keyId?: string;
    }
  | {
      readonly kind: 'local';
      readonly privateKey: KeyObject;
      readonly path: string;
      /** Public key id on the attestor; default: the attestor key that matches the private key. */
      readonly keyId?: string;
    };

export interface SigningKey {
  readonly signer: Signer;
  readonly key: AttestorKey;
}

class SigningKeyError extends ReimageError {}

export function resolveSigningKey(
  attestor: Attestor,
  spec: SigningSpec,
  kms: { tokens: AccessTokenSource; endpoint: string; retry?: RetryPolicy },
): SigningKey {
  if (spec.kind === 'local') {
    const signer = localKeySigner(spec.privateKey, spec.path);
    if (spec.keyId === undefined) {
      const key = attestor.pkixKeys.find((k) => samePublicKey(k.publicKey, spec.privateKey));
      if (key) return { signer, key };
      throw new SigningKeyError(
        `-attestation-key ${spec.path} matches none of the public keys of attestor ${attestor.name} (${keyList(attestor)})`,
      );
    }
    const key = attestorKey(attestor, spec.keyId);
    if (!samePublicKey(key.publicKey, spec.privateKey)) {
      throw new SigningKeyError(`-attestation-key ${spec.path} is not the private key of attestor ${attestor.name}'s public key ${key.id}`);
    }
    return { signer, key };
  }
  const first = attestor.keyIds[0] ?? '';
  const keyVersion = spec.keyVersion ?? kmsKeyVersionName(first);
  if (keyVersion === undefined) {
    throw new SigningKeyError(
      `cannot tell which key to sign with: the first public key of attestor ${attestor.name}, ${JSON.stringify(first)}, ` +
        'is not a Cloud KMS key version; pass -gcp-kms-key or -attestation-key',
    );
  }
  const keyId = spec.keyId ?? `${KMS_KEY_ID_PREFIX}${keyVersion}`;
  return { signer: kmsSigner(kms.tokens, kms.endpoint, keyVersion, kms.retry), key: attestorKey(attestor, keyId) };
}

function attestorKey(attestor: Attestor, id: string): AttestorKey {
  const key = attestor.pkixKeys.find((k) => k.id === id);
  if (key) return key;
  const unusable = attestor.unusableKeys.find((k) => k.id === id);
  if (unusable) throw new SigningKeyError(`public key ${id} of attestor ${attestor.name} cannot be used: ${unusable.reason}`);
  throw new SigningKeyError(
    `attestor ${attestor.name} has no public key ${JSON.stringify(id)} (it has ${keyList(attestor)}); ` +
      'register the key on the attestor, or pass -attestation-key-id with the id it has there',
  );
}

function keyList(attestor: Attestor): string {
  return attestor.keyIds.map((id) => JSON.stringify(id)).join(', ');
}

function samePublicKey(publicKey: KeyObject, privateKey: KeyObject): boolean {
  const der = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
  return der(publicKey).equals(der(createPublicKey(privateKey)));
}
