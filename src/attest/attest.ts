/**
 * Creates a Binary Authorization attestation for each distinct final image: fetch the attestor,
 * skip images that already carry a verifying attestation for its note, sign the payload of the
 * others and record it as a Grafeas ATTESTATION occurrence. Runs last in a reimage run.
 */
import { AggregateReimageError, ReimageError, errorMessage } from '../errors.js';
import { GrafeasClient } from '../gcp/grafeas.js';
import { mapBounded } from '../map-bounded.js';
import { parseReference, repositoryName } from '../reference/reference.js';
import { verifyPayload } from './algorithms.js';
import { type Attestor, fetchAttestor } from './attestor.js';
import type { AttestConfig } from './config.js';
import { type DigestImage, attestationOccurrence, existingAttestations } from './occurrences.js';
import { signaturePayload } from './payload.js';
import { type SigningKey, resolveSigningKey } from './signing-key.js';

export interface AttestSummary {
  /** Images attested now (registry/repo@sha256:…). */
  readonly created: string[];
  /** Images that already had an attestation verifying under the attestor's keys. */
  readonly skipped: string[];
  /** Dry run: images that would have been attested. */
  readonly wouldCreate: string[];
}

/**
 * Attests every distinct digest reference among `images` (registry/repo@sha256:…, a tag alongside
 * the digest is ignored). Throws one error listing every image that failed.
 */
export async function attestImages(images: readonly string[], config: AttestConfig): Promise<AttestSummary> {
  const summary: AttestSummary = { created: [], skipped: [], wouldCreate: [] };
  const errors: ReimageError[] = [];
  const targets = new Map<string, DigestImage>();
  for (const image of images) {
    try {
      const target = digestImage(image);
      targets.set(target.ref, target);
    } catch (err) {
      errors.push(new ReimageError(`${image}: ${errorMessage(err)}`));
    }
  }
  if (errors.length > 0) throw failure(config, errors, images.length);
  if (targets.size === 0) return summary;

  const attestor = await fetchAttestor(config.tokens, config.binauthzEndpoint, config.attestor, config.retry);
  const signing = resolveSigningKey(attestor, config.signing, {
    tokens: config.tokens,
    endpoint: config.kmsEndpoint,
    ...(config.retry && { retry: config.retry }),
  });
  const run: Run = {
    config,
    attestor,
    signing,
    grafeas: new GrafeasClient(config.tokens, config.grafeasEndpoint, config.retry),
    parent: config.grafeasParent ?? attestor.name.split('/attestors/')[0] ?? '',
    summary,
  };
  config.logger.debug(`attesting ${targets.size} image(s) for ${attestor.name} with ${signing.signer.description} (public key ${signing.key.id})`);
  await mapBounded([...targets.values()], config.concurrency, async (image) => {
    try {
      await attestImage(run, image);
    } catch (err) {
      errors.push(new ReimageError(`${image.ref}: ${errorMessage(err)}`, { cause: err }));
    }
  });
  if (errors.length > 0) throw failure(config, errors, targets.size);
  return summary;
}

interface Run {
  readonly config: AttestConfig;
  readonly attestor: Attestor;
  readonly signing: SigningKey;
  readonly grafeas: GrafeasClient;
  readonly parent: string;
  readonly summary: AttestSummary;
}

async function attestImage(run: Run, image: DigestImage): Promise<void> {
  const { config, attestor, signing } = run;
  const existing = await existingAttestations(run.grafeas, run.parent, attestor, image);
  if (existing.verified) {
    config.logger.info(`${image.ref} is already attested for ${attestor.name} (${existing.verified.name ?? 'occurrence'}): skipped`);
    run.summary.skipped.push(image.ref);
    return;
  }
  for (const occurrence of existing.invalid) {
    config.logger.warn(
      `${image.ref}: existing attestation ${occurrence.name ?? ''} for ${attestor.name} does not verify under the attestor's keys; creating a new one`,
    );
  }
  const payload = signaturePayload(image);
  if (config.dryRun) {
    config.logger.info(
      `dry run: would attest ${image.ref} for ${attestor.name} in ${run.parent}, signing with ${signing.signer.description} ` +
        `(public key ${signing.key.id}, ${signing.key.algorithm.name}) this payload:\n${payload.toString('utf8').trimEnd()}`,
    );
    run.summary.wouldCreate.push(image.ref);
    return;
  }
  const signature = await signing.signer.sign(payload, signing.key.algorithm);
  // A wrong key would make an attestation Binary Authorization rejects at deploy time: fail now.
  if (!verifyPayload(signing.key.publicKey, signing.key.algorithm, payload, signature)) {
    throw new ReimageError(
      `the signature made with ${signing.signer.description} does not verify under public key ${signing.key.id} of attestor ${attestor.name}`,
    );
  }
  const created = await run.grafeas.createOccurrence(run.parent, attestationOccurrence(attestor, image, payload, signing.key.id, signature));
  config.logger.info(`attested ${image.ref} for ${attestor.name} (${created.name ?? 'occurrence created'})`);
  run.summary.created.push(image.ref);
}

function digestImage(image: string): DigestImage {
  const ref = parseReference(image);
  if (ref.digest === undefined) throw new ReimageError('not a digest reference (want registry/repo@sha256:…)');
  return { ref: `${repositoryName(ref)}@${ref.digest}`, domain: ref.domain, path: ref.path, digest: ref.digest };
}

function failure(config: AttestConfig, errors: readonly Error[], total: number): AggregateReimageError {
  return new AggregateReimageError(
    `Binary Authorization attestation for ${config.attestor} failed for ${errors.length} of ${total} image(s)`,
    errors,
  );
}
