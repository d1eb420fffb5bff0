/**
 * What refers to an image: tag listing (for cosign's `sha256-<hex>.sig/.att/.sbom` tags), OCI 1.1
 * referrers (the referrers API, else the referrers tag schema `sha256-<hex>`), small blob reads,
 * and the writes that copying them needs (a manifest by digest, a manifest under a tag, a small
 * blob). Everything here works on manifests whole and byte for byte, so digests and signatures
 * survive a copy.
 */
import { readCapped } from '../bounded-read.js';
import type { Logger } from '../log.js';
import { readBlob, uploadBlobBytes } from './blobs.js';
import { copyManifestTo } from './copy.js';
import { digestOf } from './digest.js';
import { RegistryError, UnsupportedImageError } from './errors.js';
import { getManifest, putManifest, resolveManifest, type FetchedManifest, type ResolvedManifest } from './manifests.js';
import { OCI_INDEX } from './media-types.js';
import { describe, pullScope, pushScope, type Repository } from './repository.js';
import { registryError, type RegistrySession } from './session.js';

/** A referrer as the referrers API (or a referrers tag index) lists it. */
export interface ReferrerDescriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ReferrerList {
  /** 'api': the registry's referrers API answered; 'tag-schema': the `sha256-<hex>` index (or its absence). */
  readonly via: 'api' | 'tag-schema';
  readonly referrers: readonly ReferrerDescriptor[];
}

/** tags/list pages: n per page, at most this many pages. */
const TAGS_PAGE = 1000;
const MAX_TAG_PAGES = 100;
/** A referrer list bigger than this is hostile or broken. */
const MAX_REFERRERS = 10_000;
/** A referrers answer or a tag list page bigger than this is hostile or broken. */
const MAX_BODY = 4 << 20;

/** The referrers tag schema's tag for a subject: `sha256:<hex>` → `sha256-<hex>`. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}

/** Every tag of a repository (following `Link` pages, bounded); empty when the repository does not exist. */
async function listTags(session: RegistrySession, repo: Repository, scopes: readonly string[] = [pullScope(repo)]): Promise<string[]> {
  const ctx = { registry: repo.registry, repository: repo.path, operation: 'list tags of' };
  const tags: string[] = [];
  let target: string | undefined = `/v2/${repo.path}/tags/list?n=${TAGS_PAGE}`;
  for (let page = 0; target !== undefined; page++) {
    if (page >= MAX_TAG_PAGES) throw new RegistryError({ ...ctx, reason: `more than ${MAX_TAG_PAGES * TAGS_PAGE} tags` });
    const res = await session.request(repo.registry, scopes, { method: 'GET', target }, ctx);
    if (res.status === 404) {
      await res.body?.cancel();
      return tags;
    }
    if (!res.ok) throw await registryError(res, ctx);
    const text = new TextDecoder().decode(await readCapped(res, MAX_BODY, `tag list of ${describe(repo)}`));
    let body: { tags?: unknown } | undefined;
    try {
      body = JSON.parse(text) as { tags?: unknown };
    } catch {
      body = undefined;
    }
    if (!body || (body.tags !== null && body.tags !== undefined && !Array.isArray(body.tags))) {
      throw new RegistryError({ ...ctx, status: res.status, reason: 'the tag list is not {"tags":[…]}' });
    }
    tags.push(...((body.tags ?? []) as unknown[]).filter((t): t is string => typeof t === 'string'));
    target = nextPage(res.headers.get('link'));
  }
  return tags;
}

/** `Link: </v2/…/tags/list?n=1000&last=x>; rel="next"` → the path to ask next. */
function nextPage(link: string | null): string | undefined {
  const m = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
  return m?.[1];
}

/**
 * Per registry host: does it have the referrers API? Learned from the first answer, which
 * requests started meanwhile wait for, so a run probes each registry once.
 */
export type ReferrersApiSupport = Map<string, Promise<boolean>>;

/**
 * The referrers of `digest` in `repo`. Uses `GET /v2/<name>/referrers/<digest>` where the
 * registry has it (filtered by `artifactTypes` on the server when it says it applied the filter,
 * else here), else the referrers tag schema's `sha256-<hex>` index (skipped when `tagMayExist`
 * is false: a tag list said it is not there).
 */
async function listReferrers(
  session: RegistrySession, repo: Repository, digest: string, known: ReferrersApiSupport,
  opts: { artifactTypes?: readonly string[]; scopes?: readonly string[]; tagMayExist?: boolean } = {},
): Promise<ReferrerList> {
  const scopes = opts.scopes ?? [pullScope(repo)];
  const host = session.endpoint(repo.registry).host;
  const types = opts.artifactTypes ?? [];
  const learned = known.get(host);
  if (learned === undefined || await learned) {
    let learn: ((api: boolean) => void) | undefined;
    if (learned === undefined) {
      known.set(host, new Promise<boolean>((resolve) => (learn = resolve)));
    }
    try {
      const fromApi = await referrersFromApi(session, repo, digest, types, scopes);
      learn?.(fromApi !== undefined);
      if (fromApi) return fromApi;
    } catch (err) {
      // Not learned: the next request asks again.
      if (learn) known.delete(host);
      learn?.(false);
      throw err;
    }
  }
  if (opts.tagMayExist === false) return { via: 'tag-schema', referrers: [] };
  const tagIndex = await getManifest(session, repo, referrersTag(digest), scopes);
  if (!tagIndex) return { via: 'tag-schema', referrers: [] };
  const referrers = parseReferrerIndex(tagIndex.bytes, `referrers tag ${describe(repo)}:${referrersTag(digest)}`);
  return { via: 'tag-schema', referrers: filterTypes(referrers, types) };
}

/** The referrers API's answer; undefined when the registry has no such API. */
async function referrersFromApi(session: RegistrySession, repo: Repository, digest: string, types: readonly string[], scopes: readonly string[]): Promise<ReferrerList | undefined> {
  const ctx = { registry: repo.registry, repository: repo.path, operation: `list referrers of ${digest} in` };
  const query = types.length === 1 ? `?artifactType=${encodeURIComponent(types[0]!)}` : '';
  const res = await session.request(repo.registry, scopes, { method: 'GET', target: `/v2/${repo.path}/referrers/${digest}${query}` }, ctx);
  if (res.ok && (res.headers.get('content-type') ?? '').includes('json')) {
    const bytes = await readCapped(res, MAX_BODY, `referrers of ${describe(repo)}@${digest}`);
    const filtered = (res.headers.get('oci-filters-applied') ?? '').split(',').map((s) => s.trim()).includes('artifactType');
    const referrers = parseReferrerIndex(bytes, `referrers of ${describe(repo)}@${digest}`);
    return { via: 'api', referrers: filtered ? referrers : filterTypes(referrers, types) };
  }
  if (res.ok) {
    await res.body?.cancel();
    return undefined;
  }
  const error = await registryError(res, ctx);
  // No API: 404 (distribution 2.x answers "404 page not found"), or a 400/405 from a proxy.
  if ([400, 404, 405].includes(res.status)) return undefined;
  throw error;
}

function filterTypes(referrers: readonly ReferrerDescriptor[], types: readonly string[]): readonly ReferrerDescriptor[] {
  return types.length === 0 ? referrers : referrers.filter((r) => r.artifactType !== undefined && types.includes(r.artifactType));
}

/** The descriptors of a referrers response or referrers tag index (an OCI image index). */
function parseReferrerIndex(bytes: Uint8Array, what: string): ReferrerDescriptor[] {
  let doc: { manifests?: unknown };
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes)) as { manifests?: unknown };
  } catch (err) {
    throw new UnsupportedImageError(`${what} is not valid JSON`, { cause: err });
  }
  const list = doc?.manifests ?? [];
  if (!Array.isArray(list)) throw new UnsupportedImageError(`${what} is not an image index (no manifests list)`);
  if (list.length > MAX_REFERRERS) throw new UnsupportedImageError(`${what} lists more than ${MAX_REFERRERS} referrers`);
  return list.map((d: Record<string, unknown> | null) => {
    if (typeof d?.digest !== 'string' || typeof d.size !== 'number' || typeof d.mediaType !== 'string') {
      throw new UnsupportedImageError(`${what} has a descriptor without mediaType, digest or size`);
    }
    return {
      mediaType: d.mediaType, digest: d.digest, size: d.size,
      ...(typeof d.artifactType === 'string' && { artifactType: d.artifactType }),
      ...(isStringRecord(d.annotations) && { annotations: d.annotations }),
    };
  });
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

/** The bytes of a referrers tag index holding `referrers` (sorted by digest, so equal sets give equal bytes). */
export function referrerIndexBytes(referrers: readonly ReferrerDescriptor[]): Uint8Array {
  const manifests = [...referrers].sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  return new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
}

/** Reads a blob of at most `maxBytes` (as its descriptor declares) whole, checking its digest. */
async function readSmallBlob(session: RegistrySession, repo: Repository, blob: { digest: string; size: number }, maxBytes: number, scopes: readonly string[] = [pullScope(repo)]): Promise<Uint8Array> {
  if (blob.size > maxBytes) throw new UnsupportedImageError(`blob ${describe(repo)}@${blob.digest} is ${blob.size} bytes; at most ${maxBytes} expected`);
  return readBlob(session, repo, blob.digest, scopes, maxBytes);
}

/**
 * The artifact operations over one registry session (RegistryClient.artifacts), for the modules
 * that copy and verify what refers to an image. Repositories are {registry, path}.
 */
export class ArtifactStore {
  /** Per registry host, whether it has the referrers API (learned once per run). */
  private readonly referrersApi: ReferrersApiSupport = new Map();

  constructor(
    private readonly session: RegistrySession,
    private readonly logger: Logger,
  ) {}

  /** The manifest's digest, media type and size; undefined when missing. */
  head(repo: Repository, reference: string): Promise<ResolvedManifest | undefined> {
    return resolveManifest(this.session, repo, reference, [pullScope(repo)]);
  }

  /** The manifest bytes; undefined when missing. */
  get(repo: Repository, reference: string): Promise<FetchedManifest | undefined> {
    return getManifest(this.session, repo, reference, [pullScope(repo)]);
  }

  tags(repo: Repository): Promise<string[]> {
    return listTags(this.session, repo);
  }

  referrers(repo: Repository, digest: string, opts: { artifactTypes?: readonly string[]; tagMayExist?: boolean } = {}): Promise<ReferrerList> {
    return listReferrers(this.session, repo, digest, this.referrersApi, opts);
  }

  /** Whether the registry has the referrers API (undefined: not asked yet). */
  hasReferrersApi(repo: Repository): Promise<boolean> | undefined {
    return this.referrersApi.get(this.session.endpoint(repo.registry).host);
  }

  readBlob(repo: Repository, blob: { digest: string; size: number }, maxBytes: number): Promise<Uint8Array> {
    return readSmallBlob(this.session, repo, blob, maxBytes);
  }

  /** Uploads `bytes` as a blob unless the repository has it; returns its digest. */
  async pushBlob(repo: Repository, bytes: Uint8Array): Promise<string> {
    const digest = digestOf(bytes);
    await uploadBlobBytes(this.session, repo, digest, bytes, [pushScope(repo)]);
    return digest;
  }

  /** Stores manifest bytes under a tag or digest; returns the digest. */
  put(repo: Repository, reference: string, manifest: { bytes: Uint8Array; mediaType: string }): Promise<string> {
    return putManifest(this.session, repo, reference, manifest, [pushScope(repo)]);
  }

  /** Copies the manifest `digest` (read already: `fetched`) and everything it references from `src` to `dst`, under `reference`. */
  copy(src: Repository, digest: string, dst: Repository, reference: string, fetched?: FetchedManifest): Promise<string> {
    return copyManifestTo(this.session, this.logger, src, digest, dst, reference, fetched);
  }
}
