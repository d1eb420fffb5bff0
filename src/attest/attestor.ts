/**
 * Reads a Binary Authorization attestor: the Grafeas note its attestations attach to, and the
 * public keys they must verify under (REST v1 projects.attestors.get).
 */
import { type KeyObject, createPublicKey } from 'node:crypto';
import { ReimageError } from '../errors.js';
import type { AccessTokenSource } from '../gcp/access-token.js';
import { apiUrl, gcpJson } from '../gcp/rest.js';
import type { RetryPolicy } from '../retry.js';
import { type SignatureAlgorithm, keyMismatch, signatureAlgorithm } from './algorithms.js';

/** The v1 Attestor fields reimage reads. */
interface AttestorResource {
  name?: string;
  userOwnedGrafeasNote?: {
    noteReference?: string;
    publicKeys?: Array<{
      id?: string;
      asciiArmoredPgpPublicKey?: string;
      pkixPublicKey?: { publicKeyPem?: string; signatureAlgorithm?: string };
    }>;
  };
}

/** A PKIX public key of the attestor that reimage can verify with. */
export interface AttestorKey {
  readonly id: string;
  readonly publicKey: KeyObject;
  readonly algorithm: SignatureAlgorithm;
}

export interface Attestor {
  /** projects/P/attestors/A */
  readonly name: string;
  /** projects/P/notes/N */
  readonly noteReference: string;
  /** Every public key id, in the attestor's order (PGP ones included). */
  readonly keyIds: readonly string[];
  /** The PKIX keys reimage can use, in the attestor's order. */
  readonly pkixKeys: readonly AttestorKey[];
  /** The other keys, and why reimage cannot use them. */
  readonly unusableKeys: ReadonlyArray<{ id: string; reason: string }>;
}

class AttestorError extends ReimageError {}

export async function fetchAttestor(tokens: AccessTokenSource, endpoint: string, name: string, retry?: RetryPolicy): Promise<Attestor> {
  const resource = await gcpJson<AttestorResource>(tokens, apiUrl(endpoint, `v1/${name}`), {
    operation: `get Binary Authorization attestor ${name}`,
    ...(retry && { retry }),
  });
  const note = resource.userOwnedGrafeasNote;
  if (!note?.noteReference) {
    throw new AttestorError(`Binary Authorization attestor ${name} has no Grafeas note (userOwnedGrafeasNote.noteReference is empty)`);
  }
  const keys = note.publicKeys ?? [];
  if (keys.length === 0) throw new AttestorError(`Binary Authorization attestor ${name} has no public keys`);
  const pkixKeys: AttestorKey[] = [];
  const unusableKeys: Array<{ id: string; reason: string }> = [];
  for (const key of keys) {
    const id = key.id ?? '';
    const pkix = key.pkixPublicKey;
    if (!pkix?.publicKeyPem) {
      unusableKeys.push({ id, reason: key.asciiArmoredPgpPublicKey ? 'a PGP key' : 'no PKIX public key' });
      continue;
    }
    const algorithm = signatureAlgorithm(pkix.signatureAlgorithm ?? '');
    if (!algorithm) {
      unusableKeys.push({ id, reason: `unsupported signature algorithm ${JSON.stringify(pkix.signatureAlgorithm ?? '')}` });
      continue;
    }
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey(pkix.publicKeyPem);
    } catch {
      unusableKeys.push({ id, reason: 'unreadable publicKeyPem' });
      continue;
    }
    const mismatch = keyMismatch(publicKey, algorithm);
    if (mismatch) unusableKeys.push({ id, reason: mismatch });
    else pkixKeys.push({ id, publicKey, algorithm });
  }
  return { name, noteReference: note.noteReference, keyIds: keys.map((k) => k.id ?? ''), pkixKeys, unusableKeys };
}
