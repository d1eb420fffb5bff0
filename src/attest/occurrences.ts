/**
 * Attestation occurrences in Grafeas: the one reimage creates (the body gcloud sends for
 * `binauthz attestations create`), and finding an existing one that already vouches for an image.
 */
import type { GrafeasClient, Occurrence } from '../gcp/grafeas.js';
import { verifyPayload } from './algorithms.js';
import type { Attestor } from './attestor.js';
import { payloadDigest } from './payload.js';

export interface DigestImage {
  /** registry/repo@sha256:…, the resourceUri of the occurrence */
  readonly ref: string;
  readonly domain: string;
  readonly path: string;
  /** sha256:… */
  readonly digest: string;
}

export function attestationOccurrence(
  attestor: Attestor,
  image: DigestImage,
  payload: Buffer,
  keyId: string,
  signature: Buffer,
): Occurrence {
  return {
    attestation: {
      serializedPayload: bytesField(payload),
      signatures: [{ publicKeyId: keyId, signature: bytesField(signature) }],
    },
    kind: 'ATTESTATION',
    noteName: attestor.noteReference,
    resourceUri: image.ref,
  };
}

/**
 * A proto bytes field in JSON the way gcloud (apitools) writes it: URL-safe base64 with padding.
 * The API accepts standard and URL-safe base64 alike; reading accepts both too.
 */
function bytesField(bytes: Buffer): string {
  return bytes.toString('base64').replaceAll('+', '-').replaceAll('/', '_');
}

export interface ExistingAttestations {
  /** An occurrence for this note and image with a signature that verifies under an attestor key. */
  readonly verified?: Occurrence;
  /** Occurrences for this note and image that do not (wrong key, bad signature, other digest). */
  readonly invalid: readonly Occurrence[];
}

/**
 * The image's attestations for the attestor's note. reimage and gcloud write the resourceUri
 * without a scheme, the Go reimage with "https://": both count. Each form is looked up with the
 * filter Container Analysis documents (kind and resourceUrl equality); the "https://" one only when
 * the first holds no attestation that verifies.
 */
export async function existingAttestations(
  grafeas: GrafeasClient,
  parent: string,
  attestor: Attestor,
  image: DigestImage,
): Promise<ExistingAttestations> {
  const invalid: Occurrence[] = [];
  for (const resourceUrl of [image.ref, `https://${image.ref}`]) {
    const listed = await grafeas.listOccurrences(parent, `kind="ATTESTATION" AND resourceUrl="${resourceUrl}"`);
    // The server filters; checking again costs nothing and keeps other notes out.
    for (const o of listed) {
      if (o.kind !== 'ATTESTATION' || o.noteName !== attestor.noteReference || o.resourceUri !== resourceUrl) continue;
      if (verifies(o, attestor, image.digest)) return { verified: o, invalid };
      invalid.push(o);
    }
  }
  return { invalid };
}

function verifies(occurrence: Occurrence, attestor: Attestor, digest: string): boolean {
  const payload = Buffer.from(occurrence.attestation?.serializedPayload ?? '', 'base64');
  if (payloadDigest(payload) !== digest) return false;
  return (occurrence.attestation?.signatures ?? []).some((s) => {
    const key = attestor.pkixKeys.find((k) => k.id === s.publicKeyId);
    return key !== undefined && verifyPayload(key.publicKey, key.algorithm, payload, Buffer.from(s.signature ?? '', 'base64'));
  });
}
