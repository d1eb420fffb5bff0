/**
 * Public keys for -verify-signature-key: PEM SubjectPublicKeyInfo ("PUBLIC KEY", as `cosign
 * generate-key-pair` writes cosign.pub; "RSA PUBLIC KEY" works too) of ECDSA P-256 or P-384, RSA
 * (2048 bits or more) or Ed25519. Verification follows cosign: ECDSA and RSA (PKCS #1 v1.5) over
 * SHA-256 (SHA-384 is accepted too for P-384, as newer cosign defaults to it), Ed25519 pure.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { BodyTooLargeError, formatBytes, readFileCappedSync } from '../bounded-read.js';
import { invalidFlagValue } from '../errors.js';

export interface VerificationKey {
  /** The file it came from, as given on the command line: recorded in the mappings. */
  readonly file: string;
  /** "ecdsa-p256", "ecdsa-p384", "rsa-3072", "ed25519". */
  readonly kind: string;
  readonly key: KeyObject;
}

const CURVES: Readonly<Record<string, string>> = { prime256v1: 'ecdsa-p256', secp384r1: 'ecdsa-p384' };
const MAX_KEY_FILE = 64 * 1024;

export async function loadVerificationKeys(files: readonly string[]): Promise<VerificationKey[]> {
  return files.map((file) => {
    const bad = (why: string) => invalidFlagValue('verify-signature-key', file, why);
    let text: string;
    try {
      text = readFileCappedSync(file, MAX_KEY_FILE, 'the key file');
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw bad(`not a PEM public key (larger than ${formatBytes(MAX_KEY_FILE)})`);
      throw bad(`cannot read it: ${(err as Error).message}`);
    }
    if (/PRIVATE KEY-----/.test(text)) throw bad('it holds a private key; give the public key (cosign.pub)');
    let key: KeyObject;
    try {
      key = createPublicKey(text);
    } catch (err) {
      throw bad(`not a PEM public key: ${(err as Error).message}`);
    }
    return { file, kind: keyKind(key, bad), key };
  });
}

function keyKind(key: KeyObject, bad: (why: string) => Error): string {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const kind = CURVES[details.namedCurve ?? ''];
      if (!kind) throw bad(`ECDSA curve ${details.namedCurve ?? 'unknown'} is not supported (want P-256 or P-384)`);
      return kind;
    }
    case 'rsa':
      if ((details.modulusLength ?? 0) < 2048) throw bad(`RSA key of ${details.modulusLength} bits is too short (want at least 2048)`);
      return `rsa-${details.modulusLength}`;
    case 'ed25519':
      return 'ed25519';
    default:
      throw bad(`key type ${key.asymmetricKeyType ?? 'unknown'} is not supported (want ECDSA P-256/P-384, RSA or Ed25519)`);
  }
}

/** Whether `signature` over `payload` verifies under `key`, the way cosign signs. */
export function verifiesUnder(key: VerificationKey, payload: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (key.kind === 'ed25519') return verify(null, payload, key.key, signature);
    if (key.kind.startsWith('rsa')) return verify('sha256', payload, key.key, signature);
    const hashes = key.kind === 'ecdsa-p384' ? ['sha256', 'sha384'] : ['sha256'];
    return hashes.some((hash) => verify(hash, payload, { key: key.key, dsaEncoding: 'der' }, signature));
  } catch {
    return false; // a malformed signature (bad DER) does not verify
  }
}
