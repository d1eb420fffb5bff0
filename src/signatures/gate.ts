/**
 * The pipeline's hooks for signatures and referrers:
 *  - checkSource (planning, before anything is written): with -verify-signature-key, the source
 *    image must carry a cosign signature that verifies under one of the keys, for its digest and
 *    for the source's or a final repository. So an unsigned image is never mirrored.
 *  - afterEnsure: its signatures (and with -copy-referrers its attestations, SBOMs and OCI
 *    referrers) are copied next to the renamed image; then the copied signatures must verify at
 *    the target too. With -dryrun or -no-copy nothing is written: what would be copied is logged.
 * What was copied and which key verified are kept per final image, for the mappings.
 */
import type { Logger } from '../log.js';
import type { ImageHooks } from '../pipeline/pipeline.js';
import { formatReference, matchesImage, parseReference, repositoryName, withDigest, type ImageReference } from '../reference/reference.js';
import { DOCKER_MANIFEST_LIST, OCI_INDEX, type ArtifactStore, type Repository } from '../registry/index.js';
import { COSIGN_SUFFIXES, cosignTag, verifyCosignSignature, type VerifiedSignature } from './cosign.js';
import type { VerificationKey } from './keys.js';
import { ReferrerTravel } from './travel.js';
import type { GoRegexp } from '../regexp.js';

export interface SignatureSettings {
  /** -verify-signature-key: empty turns the signature gate off. */
  readonly keys: readonly VerificationKey[];
  /** -verify-signature-ignore-images: final images (digest references) not checked. */
  readonly ignore?: GoRegexp;
  /** -copy-referrers */
  readonly copyReferrers: boolean;
  /** -copy-referrers-artifact-type: only OCI referrers of these types (empty: all). */
  readonly artifactTypes: readonly string[];
}

/** What the mappings record for a final image. */
export interface ReferrerRecord {
  /** Digests of the `.sig` manifests at the target (image first, then platform manifests). */
  readonly signatures?: readonly string[];
  /** Digests of the other referrers at the target. */
  readonly referrers?: readonly string[];
  /** The -verify-signature-key file whose key verified the image's signature. */
  readonly signatureKey?: string;
}

const INDEX_TYPES = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);
const repoOf = (ref: ImageReference): Repository => ({ registry: ref.domain, path: ref.path });

export class SignatureHooks implements ImageHooks {
  private readonly travel: ReferrerTravel;
  private readonly verified = new Map<string, VerifiedSignature>();
  private readonly records = new Map<string, ReferrerRecord>();
  /** -dryrun or -no-copy: nothing is copied, so nothing copied is verified at the target. */
  private readonly planOnly: boolean;

  constructor(
    private readonly store: ArtifactStore,
    private readonly logger: Logger,
    private readonly settings: SignatureSettings,
    run: { readonly clobber: boolean; readonly dryRun: boolean; readonly noCopy: boolean },
  ) {
    this.travel = new ReferrerTravel(store, logger, {
      cosignSuffixes: settings.copyReferrers ? COSIGN_SUFFIXES : ['sig'],
      ociReferrers: settings.copyReferrers,
      platformManifests: settings.copyReferrers,
      artifactTypes: settings.artifactTypes,
      clobber: run.clobber,
      ...(run.dryRun ? { planOnly: 'dry run' } : run.noCopy ? { planOnly: '-no-copy' } : {}),
    });
    this.planOnly = run.dryRun || run.noCopy;
  }

  /** Whether any hook has work: a key to verify with, or referrers to copy. */
  static enabled(settings: SignatureSettings): boolean {
    return settings.keys.length > 0 || settings.copyReferrers;
  }

  /** The record for a final image (tag form, as in the mappings), if there is one. */
  record(finalTag: string): ReferrerRecord | undefined {
    return this.records.get(formatReference(parseReference(finalTag)));
  }

  private checked(finals: readonly string[], digest: string): boolean {
    const { keys, ignore } = this.settings;
    if (keys.length === 0) return false;
    return !ignore || finals.some((f) => {
      const ref = withDigest(parseReference(f), digest);
      return !matchesImage(ignore, formatReference(ref), ref);
    });
  }

  checkSource = async (source: ImageReference, finals: readonly string[]): Promise<void> => {
    const digest = source.digest!;
    if (!this.checked(finals, digest)) return;
    const identities = [...new Set([repositoryName(source), ...finals.map((f) => repositoryName(parseReference(f)))])];
    const repo = repoOf(source);
    const sig = await this.travel.sourceManifest(repo, cosignTag(digest, 'sig'));
    const verified = await verifyCosignSignature(this.store, repo, digest, this.settings.keys, identities, sig);
    this.logger.debug(`${formatReference(source)}: signature ${verified.layer} verifies under ${verified.keyFile}`);
    this.verified.set(formatReference(source), verified);
  };

  afterEnsure = async (source: ImageReference, target: ImageReference, mediaType: string | undefined): Promise<void> => {
    const digest = source.digest!;
    const verified = this.verified.get(formatReference(source));
    const key = formatReference(target);
    const sameRepository = repositoryName(source) === repositoryName(target);
    if (sameRepository) {
      // Not renamed: nothing to copy; the signature checked is the target's own.
      if (verified) this.records.set(key, { signatures: [verified.manifest], signatureKey: verified.keyFile });
      return;
    }
    const isIndex = mediaType ? INDEX_TYPES.has(mediaType) : undefined;
    const copied = await this.travel.copy(repoOf(source), repoOf(target), digest, { isIndex, sigKnown: verified !== undefined });
    if (copied.written > 0) this.logger.debug(`${key}: ${copied.written} referrer manifest(s) written`);
    let signatureKey: string | undefined;
    if (verified) {
      // An unchanged copy holds the very bytes verified at the source; anything else is checked again.
      const same = copied.signatures[0] === verified.manifest || this.planOnly;
      const identities = [repositoryName(source), repositoryName(target)];
      signatureKey = same ? verified.keyFile : (await verifyCosignSignature(this.store, repoOf(target), digest, this.settings.keys, identities)).keyFile;
    }
    this.records.set(key, {
      ...(copied.signatures.length > 0 && { signatures: copied.signatures }),
      ...(copied.referrers.length > 0 && { referrers: copied.referrers }),
      ...(signatureKey !== undefined && { signatureKey }),
    });
  };
}
