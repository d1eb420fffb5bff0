/**
 * Manifest requests: resolve (HEAD, falling back to GET), fetch and store. Manifests are small,
 * so they are read whole (up to MANIFEST_LIMIT); they are stored byte-for-byte so their digests
 * survive a copy. Digests a registry reports are accepted only in canonical sha256/sha512 form.
 */
import { DigestMismatchError, RegistryError } from './errors.js';
import { digestAlgorithm, digestOf, isValidDigest, quoteDigest } from './digest.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { describe, type Repository } from './repository.js';
import { discardBody } from './discard.js';
import { registryError, type RegistrySession } from './session.js';
import type { HttpResponse } from './http-request.js';

export interface ResolvedManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
}

export interface FetchedManifest extends ResolvedManifest {
  readonly bytes: Uint8Array;
}

const NOT_FOUND_CODES = new Set(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN']);

/** The distribution registry refuses manifests over 4 MiB; so do we, when reading one. */
const MANIFEST_LIMIT = 4 << 20;

export interface ResolveOptions {
  /**
   * The digest will be trusted with nothing else to check it (no copy by digest follows): GET
   * the manifest and hash its bytes, as a pull would, instead of taking a HEAD's word for it.
   */
  readonly confirm?: boolean;
}

/**
 * HEADs a tag or digest; undefined when the registry does not have it. A digest reference is
 * checked against what the registry reports rather than trusted.
 */
export async function resolveManifest(session: RegistrySession, repo: Repository, reference: string, scopes: readonly string[], opts: ResolveOptions = {}): Promise<ResolvedManifest | undefined> {
  if (opts.confirm && !reference.includes(':')) {
    const fetched = await getManifest(session, repo, reference, scopes);
    return fetched && { digest: fetched.digest, mediaType: fetched.mediaType, size: fetched.size };
  }
  const ctx = { registry: repo.registry, repository: repo.path, operation: `resolve ${reference} in` };
  const res = await session.request(repo.registry, scopes, {
    method: 'HEAD', target: manifestPath(repo, reference), headers: { accept: MANIFEST_ACCEPT },
  }, ctx);
  if (res.status === 404) return undefined;
  if (!res.ok) throw await registryError(res, ctx);
  const digest = res.headers.get('docker-content-digest');
  if (!digest) {
    const fetched = await getManifest(session, repo, reference, scopes);
    return fetched && { digest: fetched.digest, mediaType: fetched.mediaType, size: fetched.size };
  }
  checkReportedDigest(digest, ctx);
  if (reference.includes(':') && digest !== reference) throw new DigestMismatchError(`manifest ${describe(repo)}@${reference}`, reference, digest);
  return { digest, mediaType: contentType(res), size: Number(res.headers.get('content-length') ?? 0) };
}

/** GETs a manifest and checks its bytes against the digest asked for (or the registry's header). */
export async function getManifest(session: RegistrySession, repo: Repository, reference: string, scopes: readonly string[]): Promise<FetchedManifest | undefined> {
  const ctx = { registry: repo.registry, repository: repo.path, operation: `get manifest ${reference} from` };
  const res = await session.request(repo.registry, scopes, {
    method: 'GET', target: manifestPath(repo, reference), headers: { accept: MANIFEST_ACCEPT },
    read: { bytes: MANIFEST_LIMIT, what: `manifest ${describe(repo)}${reference.includes(':') ? '@' : ':'}${reference}` },
  }, ctx);
  if (!res.ok) {
    const error = await registryError(res, ctx);
    if (res.status === 404 || error.errors.some((e) => NOT_FOUND_CODES.has(e.code))) return undefined;
    throw error;
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  const reported = res.headers.get('docker-content-digest') ?? undefined;
  if (reported !== undefined) checkReportedDigest(reported, ctx);
  const expected = reference.includes(':') ? reference : reported;
  const digest = digestOf(bytes, expected ? digestAlgorithm(expected) : 'sha256');
  if (expected && digest !== expected) throw new DigestMismatchError(`manifest ${describe(repo)}@${reference}`, expected, digest);
  return { digest, mediaType: contentType(res), size: bytes.length, bytes };
}

/** PUTs manifest bytes under a tag or digest; returns the digest, checked against the registry's. */
export async function putManifest(session: RegistrySession, repo: Repository, reference: string, manifest: { bytes: Uint8Array; mediaType: string }, scopes: readonly string[]): Promise<string> {
  const ctx = { registry: repo.registry, repository: repo.path, operation: `put manifest ${reference} to` };
  const res = await session.request(repo.registry, scopes, {
    method: 'PUT', target: manifestPath(repo, reference), headers: { 'content-type': manifest.mediaType }, body: manifest.bytes,
  }, ctx);
  if (!res.ok) throw await registryError(res, ctx);
  await discardBody(res);
  const digest = digestOf(manifest.bytes);
  const stored = res.headers.get('docker-content-digest');
  if (stored && stored !== digest) throw new DigestMismatchError(`manifest stored at ${describe(repo)}:${reference}`, digest, stored);
  return digest;
}

/** A digest from a registry must be one we can hash and put in a URL and in the output. */
function checkReportedDigest(digest: string, ctx: { registry: string; repository: string; operation: string }): void {
  if (!isValidDigest(digest)) {
    throw new RegistryError({ ...ctx, reason: `the registry reported digest ${quoteDigest(digest)}, which is not a sha256 or sha512 digest` });
  }
}

function manifestPath(repo: Repository, reference: string): string {
  return `/v2/${repo.path}/manifests/${reference}`;
}

function contentType(res: HttpResponse): string {
  return res.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
}
