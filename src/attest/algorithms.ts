/**
 * The PKIX signature algorithms a Binary Authorization attestor key can declare
 * (PkixPublicKey.SignatureAlgorithm), and signing/verifying with node:crypto under each.
 * ECDSA signatures are ASN.1 DER, as Cloud KMS returns them; RSA-PSS uses a salt as long as the
 * digest, as Cloud KMS does.
 */
import { type KeyObject, constants, sign, verify } from 'node:crypto';

type DigestName = 'sha256' | 'sha384' | 'sha512';

export interface SignatureAlgorithm {
  readonly name: string;
  readonly hash: DigestName;
  readonly key: { type: 'ec'; curve: string } | { type: 'rsa'; bits: number; padding: 'pkcs1' | 'pss' };
}

const ec = (curve: string, hash: DigestName) => ({ hash, key: { type: 'ec' as const, curve } });
const rsa = (bits: number, padding: 'pkcs1' | 'pss', hash: DigestName) => ({ hash, key: { type: 'rsa' as const, bits, padding } });

// The API has two names for most algorithms (ECDSA_… and EC_SIGN_…, RSA_PSS_… and RSA_SIGN_PSS_…).
const ALGORITHMS: Readonly<Record<string, Omit<SignatureAlgorithm, 'name'>>> = {
  RSA_PSS_2048_SHA256: rsa(2048, 'pss', 'sha256'),
  RSA_SIGN_PSS_2048_SHA256: rsa(2048, 'pss', 'sha256'),
  RSA_PSS_3072_SHA256: rsa(3072, 'pss', 'sha256'),
  RSA_SIGN_PSS_3072_SHA256: rsa(3072, 'pss', 'sha256'),
  RSA_PSS_4096_SHA256: rsa(4096, 'pss', 'sha256'),
  RSA_SIGN_PSS_4096_SHA256: rsa(4096, 'pss', 'sha256'),
  RSA_PSS_4096_SHA512: rsa(4096, 'pss', 'sha512'),
  RSA_SIGN_PSS_4096_SHA512: rsa(4096, 'pss', 'sha512'),
  RSA_SIGN_PKCS1_2048_SHA256: rsa(2048, 'pkcs1', 'sha256'),
  RSA_SIGN_PKCS1_3072_SHA256: rsa(3072, 'pkcs1', 'sha256'),
  RSA_SIGN_PKCS1_4096_SHA256: rsa(4096, 'pkcs1', 'sha256'),
  RSA_SIGN_PKCS1_4096_SHA512: rsa(4096, 'pkcs1', 'sha512'),
  ECDSA_P256_SHA256: ec('prime256v1', 'sha256'),
  EC_SIGN_P256_SHA256: ec('prime256v1', 'sha256'),
  ECDSA_P384_SHA384: ec('secp384r1', 'sha384'),
  EC_SIGN_P384_SHA384: ec('secp384r1', 'sha384'),
  ECDSA_P521_SHA512: ec('secp521r1', 'sha512'),
  EC_SIGN_P521_SHA512: ec('secp521r1', 'sha512'),
};

export const SIGNATURE_ALGORITHM_NAMES: readonly string[] = Object.keys(ALGORITHMS);

export function signatureAlgorithm(name: string): SignatureAlgorithm | undefined {
  const algorithm = ALGORITHMS[name];
  return algorithm && { name, ...algorithm };
}

/** Why `key` cannot be used with `algorithm`, or undefined when it can. */
export function keyMismatch(key: KeyObject, algorithm: SignatureAlgorithm): string | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  const want = algorithm.key;
  if (want.type === 'ec') {
    if (key.asymmetricKeyType !== 'ec' || details.namedCurve !== want.curve) {
      return `${algorithm.name} needs an EC ${want.curve} key, not ${describeKey(key)}`;
    }
  } else if (!(key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') || details.modulusLength !== want.bits) {
    return `${algorithm.name} needs an RSA ${want.bits}-bit key, not ${describeKey(key)}`;
  }
  return undefined;
}

export function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') return `an EC ${details.namedCurve ?? '?'} key`;
  if (key.asymmetricKeyType?.startsWith('rsa')) return `an RSA ${details.modulusLength ?? '?'}-bit key`;
  return `a key of type ${key.asymmetricKeyType ?? key.type}`;
}

function keyOptions(key: KeyObject, algorithm: SignatureAlgorithm, saltLength: number) {
  return algorithm.key.type === 'rsa' && algorithm.key.padding === 'pss'
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }
    : { key, dsaEncoding: 'der' as const };
}

const DIGEST_LENGTH: Readonly<Record<DigestName, number>> = { sha256: 32, sha384: 48, sha512: 64 };

export function signPayload(privateKey: KeyObject, algorithm: SignatureAlgorithm, payload: Buffer): Buffer {
  return sign(algorithm.hash, payload, keyOptions(privateKey, algorithm, DIGEST_LENGTH[algorithm.hash]));
}

/** Does signature verify over payload? A PSS salt length is read from the signature itself. */
export function verifyPayload(publicKey: KeyObject, algorithm: SignatureAlgorithm, payload: Buffer, signature: Buffer): boolean {
  try {
    return verify(algorithm.hash, payload, keyOptions(publicKey, algorithm, constants.RSA_PSS_SALTLEN_AUTO), signature);
  } catch {
    return false; // malformed signature or key
  }
}
