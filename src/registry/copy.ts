/**
 * Image copy: a source image by digest to a target repository and tag. Index children are copied
 * first (by digest, unless the target has them already), then the blobs of each image manifest (skipped when present; mounted
 * from the source in the same registry, or from the target repository an earlier copy of this session put them in; else
 * streamed), then the manifests byte-for-byte so digests are unchanged.
 */
import { formatReference, type ImageReference } from '../reference/reference.js';
import { ReimageError } from '../errors.js';
import type { Logger } from '../log.js';
import { blobExists, startUpload, streamBlob } from './blobs.js';
import { ClobberRefusedError, DigestMismatchError, RegistryError } from './errors.js';
import { getManifest, putManifest, resolveManifest, type FetchedManifest } from './manifests.js';
import { isNonDistributable, parseManifest, type Descriptor } from './media-types.js';
import { describe, pullScope, pushScope, type Repository } from './repository.js';
import type { RegistrySession } from './session.js';

export interface CopyOptions {
  /** Overwrite a target tag that holds another digest. */
  readonly clobber?: boolean;
  /**
   * What the caller has just learned about the target tag (its digest, or 'missing'), so the
   * copy need not look it up again; looked up when absent.
   */
  readonly knownTarget?: { readonly digest: string } | 'missing';
}

export interface CopyResult {
  /** 'present': the target tag already held the digest, nothing was done. */
  readonly outcome: 'present' | 'copied';
  readonly digest: string;
  readonly bytesMoved: number;
  readonly blobsCopied: number;
  readonly blobsMounted: number;
  readonly blobsSkipped: number;
}

export async function copyImage(session: RegistrySession, logger: Logger, src: ImageReference, dst: ImageReference, opts: CopyOptions = {}): Promise<CopyResult> {
  if (!src.digest) throw new ReimageError(`copy source ${formatReference(src)} must be pinned to a digest`);
  if (!dst.tag) throw new ReimageError(`copy target ${formatReference(dst)} must have a tag`);
  const job = new CopyJob(session, logger, { registry: src.domain, path: src.path }, { registry: dst.domain, path: dst.path });

  const existing = opts.knownTarget === undefined
    ? await resolveManifest(session, job.dst, dst.tag, job.dstScopes)
    : opts.knownTarget === 'missing' ? undefined : opts.knownTarget;
  if (existing?.digest === src.digest) {
    logger.debug(`${formatReference(dst)} already holds ${src.digest}`);
    return { outcome: 'present', digest: src.digest, bytesMoved: 0, blobsCopied: 0, blobsMounted: 0, blobsSkipped: 0 };
  }
  if (existing && !opts.clobber) throw new ClobberRefusedError(formatReference(dst), existing.digest, src.digest);

  const digest = await job.copyManifest(src.digest, dst.tag);
  if (digest !== src.digest) throw new DigestMismatchError(`manifest copied to ${formatReference(dst)}`, src.digest, digest);
  return { outcome: 'copied', digest, ...job.counts };
}

/**
 * Copies one manifest (and all it references) by digest from `src` to `dst`, storing it under
 * `reference` (a tag, or the digest itself). For artifacts that refer to an image: signatures,
 * attestations, SBOMs. Returns the stored digest, checked against `digest`. `fetched`: the
 * source manifest, when the caller read it already.
 */
export async function copyManifestTo(session: RegistrySession, logger: Logger, src: Repository, digest: string, dst: Repository, reference: string, fetched?: FetchedManifest): Promise<string> {
  const stored = await new CopyJob(session, logger, src, dst).copyManifest(digest, reference, fetched);
  if (stored !== digest) throw new DigestMismatchError(`manifest copied to ${describe(dst)}:${reference}`, digest, stored);
  return stored;
}

class CopyJob {
  readonly counts = { bytesMoved: 0, blobsCopied: 0, blobsMounted: 0, blobsSkipped: 0 };
  readonly dstScopes: readonly string[];
  private readonly srcScopes: readonly string[];
  /** Within one registry, blobs can be mounted from the source repository. */
  private readonly mountable: boolean;
  /** Each blob and child manifest once, even when several manifests share it. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly session: RegistrySession,
    private readonly logger: Logger,
    readonly src: Repository,
    readonly dst: Repository,
  ) {
    const sameHost = session.endpoint(src.registry).host === session.endpoint(dst.registry).host;
    this.mountable = sameHost && src.path !== dst.path;
    // One token for push and for the mount's source pull: the registry checks both on a mount.
    this.dstScopes = this.mountable ? [pushScope(dst), pullScope(src)] : [pushScope(dst)];
    this.srcScopes = sameHost ? this.dstScopes : [pullScope(src)];
  }

  /** Copies the manifest `digest` (and everything it references); stores it under `reference`. */
  async copyManifest(digest: string, reference: string, fetched?: FetchedManifest): Promise<string> {
    const manifest = fetched?.digest === digest ? fetched : await getManifest(this.session, this.src, digest, this.srcScopes);
    if (!manifest) {
      throw new RegistryError({ registry: this.src.registry, repository: this.src.path, operation: `copy ${digest} from`, status: 404, errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
    }
    const parsed = parseManifest(manifest.bytes, manifest.mediaType, `${describe(this.src)}@${digest}`);
    if (parsed.kind === 'index') {
      await Promise.all(parsed.children.map((child) => this.once(child.digest, () => this.copyChild(child.digest))));
    } else {
      const blobs = [parsed.config, ...parsed.layers.filter((layer) => !isNonDistributable(layer))];
      await Promise.all(blobs.map((blob) => this.once(blob.digest, () => this.copyBlob(blob))));
    }
    return putManifest(this.session, this.dst, reference, { bytes: manifest.bytes, mediaType: parsed.mediaType }, this.dstScopes);
  }

  /** An index child already at the target (another tag of the image has it) needs no work. */
  private async copyChild(digest: string): Promise<void> {
    if (await resolveManifest(this.session, this.dst, digest, this.dstScopes)) return;
    await this.copyManifest(digest, digest);
  }

  /**
   * A blob another copy of this session has put (or is putting) into the target registry is
   * mounted from there, after waiting for that copy; else this copy brings it and becomes its home.
   */
  private async copyBlob(blob: Descriptor): Promise<void> {
    const claim = this.session.blobHomes.claim(this.session.endpoint(this.dst.registry).host, blob.digest, this.dst.path);
    if ('home' in claim) {
      // That copy failed: claim it again (this copy, or another waiting one, brings it).
      if (!(await claim.home.ready)) return this.copyBlob(blob);
      if (claim.home.path === this.dst.path) {
        this.counts.blobsSkipped++;
        return;
      }
      const from = { registry: this.dst.registry, path: claim.home.path };
      const location = await startUpload(this.session, this.dst, [pushScope(this.dst), pullScope(from)], { digest: blob.digest, from });
      if (location === undefined) {
        this.counts.blobsMounted++;
        return;
      }
      this.logger.debug(`mount of ${blob.digest} from ${describe(from)} into ${describe(this.dst)} refused; copying it`);
      return this.streamFromSource(blob, location);
    }
    try {
      await this.bringBlob(blob);
      claim.settle(true);
    } catch (err) {
      claim.settle(false);
      throw err;
    }
  }

  /**
   * Within one registry a mount from the source answers "is it there?" too, so no HEAD is sent;
   * across registries a HEAD finds blobs the target has already.
   */
  private async bringBlob(blob: Descriptor): Promise<void> {
    if (!this.mountable && await blobExists(this.session, this.dst, blob.digest, this.dstScopes)) {
      this.counts.blobsSkipped++;
      return;
    }
    const location = await startUpload(this.session, this.dst, this.dstScopes, this.mountable ? { digest: blob.digest, from: this.src } : undefined);
    if (location === undefined) {
      this.counts.blobsMounted++;
      return;
    }
    if (this.mountable) this.logger.debug(`mount of ${blob.digest} into ${describe(this.dst)} refused; copying it`);
    await this.streamFromSource(blob, location);
  }

  private async streamFromSource(blob: Descriptor, location: string): Promise<void> {
    await this.session.blobStreams.run(() => streamBlob(this.session, this.src, this.dst, blob, location, { src: this.srcScopes, dst: this.dstScopes }));
    this.counts.blobsCopied++;
    this.counts.bytesMoved += blob.size;
  }

  private once<T>(key: string, task: () => Promise<T>): Promise<T> {
    let running = this.inFlight.get(key) as Promise<T> | undefined;
    if (!running) this.inFlight.set(key, (running = task()));
    return running;
  }
}
