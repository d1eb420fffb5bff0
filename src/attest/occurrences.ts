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
 * The image's attestations for the attestor's note. Occurrences written with an "https://"
 * resourceUri (as the Go reimage does) count too.
 */
export async function existingAttestations(
  grafeas: GrafeasClient,
  parent: string,
  attestor: Attestor,
  image: DigestImage,
): Promise<ExistingAttestations> {
  // has_suffix is what gcloud uses to match either form; the exact checks follow below.
  const filter = `kind = "ATTESTATION" AND has_suffix(resourceUrl, "${image.ref}")`;
  const occurrences = (await grafeas.listOccurrences(parent, filter)).filter(
    (o) =>
      o.kind === 'ATTESTATION' &&
      o.noteName === attestor.noteReference &&
      (o.resourceUri === image.ref || o.resourceUri === `https://${image.ref}`),
  );
  const verified: Occurrence[] = [];
  const invalid: Occurrence[] = [];
  for (const o of occurrences) (verifies(o, attestor, image.digest) ? verified : invalid).push(o);
  return { verified: verified[0], invalid };
}

function verifies(occurrence: Occurrence, attestor: Attestor, digest: string): boolean {
  const payload = Buffer.from(occurrence.attestation?.serializedPayload ?? '', 'base64');
  if (payloadDigest(payload) !== digest) return false;
  return (occurrence.attestation?.signatures ?? []).some((s) => {
    const key = attestor.pkixKeys.find((k) => k.id === s.publicKeyId);
    return key !== undefined && verifyPayload(key.publicKey, key.algorithm, payload, Buffer.from(s.signature ?? '', 'base64'));
  });
}
