/**
 * Copies what refers to an image from its source repository to its target one, byte for byte:
 *  - cosign's tags `sha256-<hex>.sig`, `.att`, `.sbom`. A target `.sig` or `.att` that holds other
 *    signatures is merged (cosign appends layers: the source's missing layers are appended), never
 *    replaced; a different target `.sbom` is replaced only with -clobber.
 *  - OCI 1.1 referrers (manifests whose `subject` is the image), found with the referrers API or
 *    the referrers tag schema, pushed by digest with their subject. When the target has no
 *    referrers API, its `sha256-<hex>` referrers index gets the new descriptors.
 * Both for the image and, when it is an index, for each of its platform manifests.
 *
 * A run where the target is already up to date costs one tag list of the source repository (which
 * says which referrer tags exist at all), a GET of each existing referrer tag at the source and a
 * HEAD (a referrers index: a GET) at the target, a listing of OCI referrers at the source (the
 * referrers API, or the tag schema's index when the tag list shows one) and at the target where
 * the source has any, and for an index its manifest. Short of trusting an earlier run, no run can
 * see a change with less (README, "Signatures and referrers"). -dryrun and -no-copy (planOnly)
 * make the same reads and log the writes instead.
 */
import { ReimageError } from '../errors.js';
import { RegistryError } from '../registry/index.js';
import type { Logger } from '../log.js';
import {
  parseManifest, referrerIndexBytes, referrersTag, OCI_INDEX,
  type ArtifactStore, type FetchedManifest, type ReferrerDescriptor, type Repository,
} from '../registry/index.js';
import { cosignTag, COSIGN_SUFFIXES, type CosignSuffix } from './cosign.js';

export interface TravelOptions {
  /** Which cosign tags travel: the signatures alone (a signature gate without -copy-referrers), or all three. */
  readonly cosignSuffixes: readonly CosignSuffix[];
  /** Copy OCI 1.1 referrers too. */
  readonly ociReferrers: boolean;
  /** Also for the platform manifests of an index (else for the image's own digest only). */
  readonly platformManifests: boolean;
  /** Only OCI referrers of these artifact types (empty: all). */
  readonly artifactTypes: readonly string[];
  readonly clobber: boolean;
  /** -dryrun ('dry run') or -no-copy: read and log what would be written, write nothing. */
  readonly planOnly?: string;
}

/** What is at the target after a copy, by kind. */
export interface TravelResult {
  /** Digests of the target's `.sig` manifests (the image's first, then its platform manifests'). */
  readonly signatures: readonly string[];
  /** Digests of the other referrers at the target: `.att`, `.sbom`, OCI referrers. */
  readonly referrers: readonly string[];
  /** How many manifests were written (copied, merged or indexed); 0 when all was in place. */
  readonly written: number;
}

/** A different target `.sbom` (or other non-appendable tag) is not overwritten without -clobber. */
class ReferrerClobberError extends ReimageError {}

/** Cosign merges by appending layers to these. */
const APPENDABLE: ReadonlySet<CosignSuffix> = new Set(['sig', 'att']);
/** A merged-in layer (a signature payload, an attestation envelope) bigger than this is refused. */
const MAX_MERGED_LAYER = 16 << 20;
const DIGEST_TAG = /^(sha256)-([0-9a-f]{64})(?:\.(sig|att|sbom))?$/;

export class ReferrerTravel {
  /** Source reads shared with signature verification: each manifest and tag list once per run. */
  private readonly reads = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: ArtifactStore,
    private readonly logger: Logger,
    private readonly options: TravelOptions,
  ) {}

  /** The source's manifest at `reference`, fetched once per run. */
  sourceManifest(repo: Repository, reference: string): Promise<FetchedManifest | undefined> {
    return this.once(`manifest ${repo.registry}/${repo.path}:${reference}`, () => this.store.get(repo, reference));
  }

  /**
   * The source repository's tags; undefined when the registry will not list them (some refuse
   * tags/list without an extra permission): then each referrer tag is asked for directly.
   */
  private sourceTags(repo: Repository): Promise<ReadonlySet<string> | undefined> {
    return this.once(`tags ${repo.registry}/${repo.path}`, async () => {
      try {
        return new Set(await this.store.tags(repo));
      } catch (err) {
        if (!(err instanceof RegistryError) || ![401, 403, 405, 501].includes(err.status ?? 0)) throw err;
        this.logger.debug(`${err.message}; looking referrer tags up one by one`);
        return undefined;
      }
    });
  }

  private once<T>(key: string, task: () => Promise<T>): Promise<T> {
    let p = this.reads.get(key) as Promise<T> | undefined;
    if (!p) this.reads.set(key, (p = task()));
    return p;
  }

  /**
   * Copies the referrers of `digest` (and of its platform manifests) from `src` to `dst`.
   * `isIndex` says whether the image is an index, when known; `sigKnown` that its `.sig` was
   * read already (so with signatures alone, no tag list is needed to find it).
   */
  async copy(src: Repository, dst: Repository, digest: string, image: { isIndex?: boolean; sigKnown?: boolean } = {}): Promise<TravelResult> {
    const { platformManifests, ociReferrers, cosignSuffixes } = this.options;
    const signaturesOnly = !platformManifests && !ociReferrers && cosignSuffixes.length === 1 && image.sigKnown;
    const listed = signaturesOnly ? new Set([cosignTag(digest, 'sig')]) : await this.sourceTags(src);
    const tags = listed ?? { has: () => true };
    const subjects = [digest, ...(platformManifests && image.isIndex !== false ? await this.platformManifests(src, digest, listed) : [])];
    const result = { signatures: [] as string[], referrers: [] as string[], written: 0 };
    for (const subject of subjects) {
      for (const suffix of COSIGN_SUFFIXES) {
        const tag = cosignTag(subject, suffix);
        if (!this.options.cosignSuffixes.includes(suffix) || !tags.has(tag)) continue;
        const copied = await this.copyCosignTag(src, dst, tag, suffix, listed !== undefined);
        if (!copied) continue;
        const { digest: at, written } = copied;
        (suffix === 'sig' ? result.signatures : result.referrers).push(at);
        result.written += written;
      }
      if (this.options.ociReferrers) {
        const { digests, written } = await this.copyOciReferrers(src, dst, subject, listed === undefined || listed.has(referrersTag(subject)));
        result.referrers.push(...digests);
        result.written += written;
      }
    }
    return result;
  }

  /**
   * The platform manifests of an index, when their referrers may exist: the source has referrer
   * tags for other digests, or has the referrers API (whose answers the tag list does not show).
   */
  private async platformManifests(src: Repository, digest: string, tags: ReadonlySet<string> | undefined): Promise<string[]> {
    const own = new Set([referrersTag(digest), ...COSIGN_SUFFIXES.map((s) => cosignTag(digest, s))]);
    const others = !tags || [...tags].some((t) => DIGEST_TAG.test(t) && !own.has(t));
    if (!others && !(this.options.ociReferrers && await this.store.hasReferrersApi(src) !== false)) return [];
    const manifest = await this.sourceManifest(src, digest);
    if (!manifest) return [];
    const parsed = parseManifest(manifest.bytes, manifest.mediaType, `${src.registry}/${src.path}@${digest}`);
    return parsed.kind === 'index' ? parsed.children.map((c) => c.digest) : [];
  }

  /** Copies one cosign tag; undefined when the source has no such tag and `listed` is false (it was a guess). */
  private async copyCosignTag(src: Repository, dst: Repository, tag: string, suffix: CosignSuffix, listed: boolean): Promise<{ digest: string; written: number } | undefined> {
    const [source, listedTarget] = await Promise.all([this.sourceManifest(src, tag), listed ? this.store.head(dst, tag) : undefined]);
    if (!source) {
      if (!listed) return undefined;
      throw new ReimageError(`${src.registry}/${src.path}:${tag} disappeared during the run`);
    }
    const target = listed ? listedTarget : await this.store.head(dst, tag);
    if (target?.digest === source.digest) return { digest: source.digest, written: 0 };
    if (!target) return this.copyTag(src, source, dst, tag, 'copy');
    if (APPENDABLE.has(suffix)) return this.merge(src, dst, tag, source);
    if (!this.options.clobber) {
      throw new ReferrerClobberError(`${dst.registry}/${dst.path}:${tag} holds ${target.digest}, not the source's ${source.digest} (use -clobber to replace it)`);
    }
    return this.copyTag(src, source, dst, tag, 'replace');
  }

  /** Copies the source manifest to `dst` under `tag`; with planOnly, says it would. */
  private async copyTag(src: Repository, source: FetchedManifest, dst: Repository, tag: string, verb: 'copy' | 'replace'): Promise<{ digest: string; written: number }> {
    const what = `${src.registry}/${src.path}:${tag} ${verb === 'copy' ? 'to' : 'at'} ${dst.registry}/${dst.path}`;
    if (this.options.planOnly) {
      this.logger.info(`${this.options.planOnly}: would ${verb} ${what}`);
      return { digest: source.digest, written: 1 };
    }
    this.logger.debug(`${verb} ${what}`);
    return { digest: await this.store.copy(src, source.digest, dst, tag, source), written: 1 };
  }

  /**
   * Appends to the target's `.sig`/`.att` manifest the source layers it lacks (same blob and
   * same annotations count as the same signature), as cosign does when it signs again. The
   * layers are copied byte for byte, so each signature stays valid; the config's diff_ids follow.
   */
  private async merge(src: Repository, dst: Repository, tag: string, source: FetchedManifest): Promise<{ digest: string; written: number }> {
    const target = await this.store.get(dst, tag);
    if (!target) return this.copyTag(src, source, dst, tag, 'copy');
    const what = (repo: Repository) => `${repo.registry}/${repo.path}:${tag}`;
    const sourceDoc = manifestJson(source, what(src));
    const targetDoc = manifestJson(target, what(dst));
    const key = (layer: LayerJson) => JSON.stringify([layer.digest, layer.annotations ?? {}]);
    const present = new Set(targetDoc.layers.map(key));
    const missing = sourceDoc.layers.filter((layer) => !present.has(key(layer)));
    if (missing.length === 0) return { digest: target.digest, written: 0 };
    if (this.options.planOnly) {
      this.logger.info(`${this.options.planOnly}: would merge ${missing.length} signature layer(s) from ${what(src)} into ${what(dst)}`);
      return { digest: target.digest, written: 1 };
    }

    for (const layer of missing) {
      await this.store.pushBlob(dst, await this.store.readBlob(src, layer, MAX_MERGED_LAYER));
    }
    const layers = [...targetDoc.layers, ...missing];
    const config = mergedConfig(await this.store.readBlob(dst, targetDoc.config, MAX_MERGED_LAYER), layers);
    const configDigest = await this.store.pushBlob(dst, config);
    const merged = { ...targetDoc.raw, config: { ...targetDoc.config, digest: configDigest, size: config.length }, layers };
    const bytes = new TextEncoder().encode(JSON.stringify(merged));
    this.logger.info(`merged ${missing.length} signature layer(s) from ${what(src)} into ${what(dst)}, which holds ${targetDoc.layers.length} other(s)`);
    return { digest: await this.store.put(dst, tag, { bytes, mediaType: target.mediaType || sourceDoc.mediaType }), written: 1 };
  }

  /** Copies the OCI referrers of `subject` the target lacks; updates the target's referrers tag index when it has no API. */
  private async copyOciReferrers(src: Repository, dst: Repository, subject: string, tagMayExist: boolean): Promise<{ digests: string[]; written: number }> {
    const found = await this.store.referrers(src, subject, { artifactTypes: this.options.artifactTypes, tagMayExist });
    if (found.referrers.length === 0) return { digests: [], written: 0 };
    const atTarget = await this.store.referrers(dst, subject);
    const have = new Set(atTarget.referrers.map((r) => r.digest));
    const missing = found.referrers.filter((r) => !have.has(r.digest));
    if (this.options.planOnly && missing.length > 0) {
      for (const r of missing) this.logger.info(`${this.options.planOnly}: would copy referrer ${src.registry}/${src.path}@${r.digest}${r.artifactType ? ` (${r.artifactType})` : ''} of ${subject} to ${dst.registry}/${dst.path}`);
      return { digests: found.referrers.map((r) => r.digest), written: missing.length };
    }
    const added: ReferrerDescriptor[] = [];
    for (const referrer of missing) {
      const manifest = await this.sourceManifest(src, referrer.digest);
      if (!manifest) throw new ReimageError(`referrer ${src.registry}/${src.path}@${referrer.digest} of ${subject} is listed but missing`);
      await this.store.copy(src, referrer.digest, dst, referrer.digest, manifest);
      added.push(descriptorOf(manifest, `${src.registry}/${src.path}@${referrer.digest}`));
    }
    let written = missing.length;
    if (added.length > 0 && atTarget.via === 'tag-schema') {
      const bytes = referrerIndexBytes([...atTarget.referrers, ...added]);
      await this.store.put(dst, referrersTag(subject), { bytes, mediaType: OCI_INDEX });
      written++;
    }
    return { digests: found.referrers.map((r) => r.digest), written };
  }
}

interface LayerJson {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Record<string, string>;
}

interface ManifestDoc {
  readonly raw: Record<string, unknown>;
  readonly mediaType: string;
  readonly config: LayerJson;
  readonly layers: readonly LayerJson[];
}

function manifestJson(manifest: FetchedManifest, what: string): ManifestDoc {
  const parsed = parseManifest(manifest.bytes, manifest.mediaType, what);
  if (parsed.kind !== 'image') throw new ReimageError(`${what} is an index; only image manifests can be merged`);
  const raw = JSON.parse(new TextDecoder().decode(manifest.bytes)) as Record<string, unknown> & { config: LayerJson; layers?: LayerJson[] };
  return { raw, mediaType: parsed.mediaType, config: raw.config, layers: raw.layers ?? [] };
}

/** The target's config with rootfs.diff_ids and history for the merged layers (cosign keeps them in step). */
function mergedConfig(bytes: Uint8Array, layers: readonly LayerJson[]): Uint8Array {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    config = {};
  }
  const history = Array.isArray(config.history) ? config.history : [];
  const merged = {
    ...config,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    history: [...history, ...layers.slice(history.length).map(() => ({ created: '0001-01-01T00:00:00Z' }))].slice(0, layers.length),
  };
  return new TextEncoder().encode(JSON.stringify(merged));
}

/** A referrers-index descriptor for a manifest, as the OCI distribution spec derives it. */
function descriptorOf(manifest: FetchedManifest, what: string): ReferrerDescriptor {
  const doc = JSON.parse(new TextDecoder().decode(manifest.bytes)) as { mediaType?: string; artifactType?: unknown; config?: { mediaType?: unknown }; annotations?: unknown };
  const artifactType = typeof doc.artifactType === 'string' ? doc.artifactType : typeof doc.config?.mediaType === 'string' ? doc.config.mediaType : undefined;
  const mediaType = doc.mediaType ?? manifest.mediaType;
  if (!mediaType) throw new ReimageError(`${what} has no media type`);
  const annotations = typeof doc.annotations === 'object' && doc.annotations !== null ? doc.annotations as Record<string, string> : undefined;
  return { mediaType, digest: manifest.digest, size: manifest.size, ...(artifactType && { artifactType }), ...(annotations && { annotations }) };
}
