/**
 * Blob requests: existence checks, cross-repository mounts, streamed copies and small uploads.
 * A streamed copy pipes the source GET straight into the target PUT, hashing as it goes, so a
 * layer is never held whole in memory and a corrupt one is never committed.
 */
import { isRetryableStatus } from '../retry.js';
import { AuthorizationRenewedError, DigestMismatchError, RegistryError } from './errors.js';
import { digestAlgorithm, digestOf, hasher } from './digest.js';
import { describe, type Repository } from './repository.js';
import { registryError, type RegistrySession } from './session.js';

type Body = Uint8Array | ReadableStream<Uint8Array>;

export async function blobExists(session: RegistrySession, repo: Repository, digest: string, scopes: readonly string[]): Promise<boolean> {
  const ctx = { registry: repo.registry, repository: repo.path, operation: `check blob ${digest} in` };
  const res = await session.request(repo.registry, scopes, { method: 'HEAD', target: `/v2/${repo.path}/blobs/${digest}` }, ctx);
  if (res.status === 404) return false;
  if (!res.ok) throw await registryError(res, ctx);
  return true;
}

/**
 * Starts an upload session. With `mountFrom` it asks the registry to mount the blob from another
 * repository instead; undefined means the mount happened, else the upload URL (the registry
 * answers a refused mount with an ordinary upload session).
 */
export async function startUpload(session: RegistrySession, repo: Repository, scopes: readonly string[], mountFrom?: { digest: string; from: Repository }): Promise<string | undefined> {
  const query = mountFrom ? `?mount=${encodeURIComponent(mountFrom.digest)}&from=${encodeURIComponent(mountFrom.from.path)}` : '';
  const ctx = { registry: repo.registry, repository: repo.path, operation: mountFrom ? `mount blob ${mountFrom.digest} from ${mountFrom.from.path} into` : 'start a blob upload to' };
  const res = await session.request(repo.registry, scopes, { method: 'POST', target: `/v2/${repo.path}/blobs/uploads/${query}`, headers: { 'content-length': '0' } }, ctx);
  if (mountFrom && res.status === 201) {
    await res.body?.cancel();
    return undefined;
  }
  if (res.status !== 202) throw await registryError(res, ctx);
  await res.body?.cancel();
  const location = res.headers.get('location');
  if (!location) throw new RegistryError({ ...ctx, status: res.status, reason: 'the registry sent no upload Location' });
  return location;
}

/** Sends the whole blob in one PUT to the upload URL, which commits it under `digest`. */
export async function finishUpload(session: RegistrySession, repo: Repository, location: string, digest: string, size: number, body: Body, scopes: readonly string[]): Promise<void> {
  const ctx = { registry: repo.registry, repository: repo.path, operation: `upload blob ${digest} to` };
  const endpoint = session.endpoint(repo.registry);
  const url = new URL(location, endpoint.baseUrl);
  url.searchParams.set('digest', digest);
  const res = await session.request(repo.registry, scopes, {
    method: 'PUT', target: url.href, body,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
  }, ctx);
  if (res.status !== 201) throw await registryError(res, ctx);
  await res.body?.cancel();
  session.transport.stats.bytesMoved += size;
}

/** Opens a blob for reading; the caller consumes or cancels the stream. */
async function openBlob(session: RegistrySession, repo: Repository, digest: string, scopes: readonly string[]): Promise<ReadableStream<Uint8Array>> {
  const ctx = { registry: repo.registry, repository: repo.path, operation: `get blob ${digest} from` };
  const res = await session.request(repo.registry, scopes, { method: 'GET', target: `/v2/${repo.path}/blobs/${digest}` }, ctx);
  if (!res.ok || !res.body) throw await registryError(res, ctx);
  return res.body;
}

/** Reads a small blob whole and checks its digest. */
export async function readBlob(session: RegistrySession, repo: Repository, digest: string, scopes: readonly string[]): Promise<Uint8Array> {
  const bytes = new Uint8Array(await new Response(await openBlob(session, repo, digest, scopes)).arrayBuffer());
  const actual = digestOf(bytes, digestAlgorithm(digest));
  if (actual !== digest) throw new DigestMismatchError(`blob ${describe(repo)}@${digest}`, digest, actual);
  return bytes;
}

/** Tries at a streamed upload: its body cannot be replayed, so each try starts a new upload. */
const STREAM_ATTEMPTS = 3;

/**
 * Streams a blob from `src` into an upload at `location` in `dst`. The digest is computed while
 * the bytes pass; on a mismatch the upload stream fails, so the registry never commits it. An
 * upload that fails transiently (network, 429, 5xx), or once because its token was refused,
 * starts over with a new upload session.
 */
export async function streamBlob(session: RegistrySession, src: Repository, dst: Repository, blob: { digest: string; size: number }, location: string, scopes: { src: readonly string[]; dst: readonly string[] }): Promise<void> {
  let renewed = false;
  for (let attempt = 1; ; attempt++) {
    const target = attempt === 1 ? location : await startUpload(session, dst, scopes.dst);
    const source = await openBlob(session, src, blob.digest, scopes.src);
    const verifier = digestVerifier(blob.digest, `blob ${describe(src)}@${blob.digest}`);
    try {
      await finishUpload(session, dst, target!, blob.digest, blob.size, source.pipeThrough(verifier.stream), scopes.dst);
      return;
    } catch (err) {
      const failure = verifier.failure() ?? err;
      await source.cancel().catch(() => {});
      if (attempt >= STREAM_ATTEMPTS) throw failure;
      if (failure instanceof AuthorizationRenewedError && !renewed) {
        renewed = true;
        continue;
      }
      if (!isTransient(failure)) throw failure;
      await session.transport.pause(attempt, undefined, `upload of ${blob.digest}: ${(failure as Error).message}`);
    }
  }
}

function isTransient(err: unknown): boolean {
  return err instanceof RegistryError && (err.status === undefined || isRetryableStatus(err.status));
}

function digestVerifier(expected: string, what: string) {
  const hash = hasher(digestAlgorithm(expected));
  let failure: DigestMismatchError | undefined;
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      hash.update(chunk);
      controller.enqueue(chunk);
    },
    flush(controller) {
      const actual = `${digestAlgorithm(expected)}:${hash.digest('hex')}`;
      if (actual !== expected) controller.error((failure = new DigestMismatchError(what, expected, actual)));
    },
  });
  return { stream, failure: () => failure };
}
