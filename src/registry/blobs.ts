/**
 * Blob requests: existence checks, cross-repository mounts, streamed copies and small uploads.
 * A streamed copy pipes the source GET straight into the target PUT, hashing as it goes, so a
 * layer is never held whole in memory and a corrupt one is never committed.
 */
import { readCapped } from '../bounded-read.js';
import { AuthorizationRenewedError, DigestMismatchError, RegistryError, UnsupportedImageError } from './errors.js';
import { digestAlgorithm, digestOf, hasher } from './digest.js';
import { describe, type Repository } from './repository.js';
import { discardBody } from './discard.js';
import { registryError, type RegistrySession } from './session.js';
import { isTransient, type HttpResponse } from './transport.js';

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
    await discardBody(res);
    return undefined;
  }
  if (res.status !== 202) throw await registryError(res, ctx);
  await discardBody(res);
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
  await discardBody(res);
  session.transport.stats.bytesMoved += size;
}

/** Opens a blob for reading; the caller consumes or cancels the body stream. */
async function openBlob(session: RegistrySession, repo: Repository, digest: string, scopes: readonly string[]): Promise<HttpResponse & { body: ReadableStream<Uint8Array> }> {
  const ctx = { registry: repo.registry, repository: repo.path, operation: `get blob ${digest} from` };
  const res = await session.request(repo.registry, scopes, { method: 'GET', target: `/v2/${repo.path}/blobs/${digest}` }, ctx);
  if (!res.ok || !res.body) throw await registryError(res, ctx);
  return res as HttpResponse & { body: ReadableStream<Uint8Array> };
}

/** Uploads `bytes` as the blob `digest` unless the repository has it already. */
export async function uploadBlobBytes(session: RegistrySession, repo: Repository, digest: string, bytes: Uint8Array, scopes: readonly string[]): Promise<void> {
  if (await blobExists(session, repo, digest, scopes)) return;
  const location = (await startUpload(session, repo, scopes))!;
  await finishUpload(session, repo, location, digest, bytes.length, bytes, scopes);
}

/** Reads a small blob whole (at most `limit` bytes) and checks its digest. */
export async function readBlob(session: RegistrySession, repo: Repository, digest: string, scopes: readonly string[], limit: number): Promise<Uint8Array> {
  const bytes = await readCapped(await openBlob(session, repo, digest, scopes), limit, `blob ${describe(repo)}@${digest}`);
  const actual = digestOf(bytes, digestAlgorithm(digest));
  if (actual !== digest) throw new DigestMismatchError(`blob ${describe(repo)}@${digest}`, digest, actual);
  return bytes;
}

/**
 * Streams a blob from `src` into an upload at `location` in `dst`. The digest is computed while
 * the bytes pass; on a mismatch the upload stream fails, so the registry never commits it. An
 * upload that fails transiently (network, 429, 5xx), or once because its token was refused,
 * starts over with a new upload session.
 */
export async function streamBlob(session: RegistrySession, src: Repository, dst: Repository, blob: { digest: string; size: number }, location: string, scopes: { src: readonly string[]; dst: readonly string[] }): Promise<void> {
  let renewed = false;
  // Each try is a new upload of the whole blob, with the same policy (and Retry-After) as any request.
  const { attempts } = session.transport.retry;
  for (let attempt = 1; ; attempt++) {
    const target = attempt === 1 ? location : await startUpload(session, dst, scopes.dst);
    const source = verifiedSource((await openBlob(session, src, blob.digest, scopes.src)).body, blob, `blob ${describe(src)}@${blob.digest}`);
    try {
      await finishUpload(session, dst, target!, blob.digest, blob.size, source.stream, scopes.dst);
      return;
    } catch (err) {
      // A source that broke off or lied is the source's fault, whatever the upload then reported.
      const failure = source.failure() ?? err;
      await source.release();
      if (attempt >= attempts) throw failure;
      if (failure instanceof AuthorizationRenewedError && !renewed) {
        renewed = true;
        continue;
      }
      if (!(failure instanceof RegistryError) || !isTransient(failure)) throw failure;
      await session.transport.pause(attempt, failure.retryAfter, `upload of ${blob.digest}: ${failure.message}`);
    }
  }
}

/**
 * The source blob as it is read, hashed on the way; at its end a wrong digest fails the stream, so
 * the upload never commits. A source read error (it broke off, or stalled) is kept too: the
 * upload then fails as well, and would otherwise be blamed.
 */
function verifiedSource(source: ReadableStream<Uint8Array>, { digest: expected, size }: { digest: string; size: number }, what: string) {
  const hash = hasher(digestAlgorithm(expected));
  const reader = source.getReader();
  let failure: Error | undefined;
  let read = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        controller.error((failure = err instanceof Error ? err : new Error(String(err))));
        return;
      }
      if (!chunk.done && (read += chunk.value.length) > size) {
        reader.cancel().catch(() => {});
        controller.error((failure = new UnsupportedImageError(`${what} is longer than the ${size} bytes its manifest declares`)));
        return;
      }
      if (!chunk.done) {
        hash.update(chunk.value);
        controller.enqueue(chunk.value);
        return;
      }
      const actual = `${digestAlgorithm(expected)}:${hash.digest('hex')}`;
      if (actual === expected) controller.close();
      else controller.error((failure = new DigestMismatchError(what, expected, actual)));
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { stream, failure: () => failure, release: () => reader.cancel().catch(() => {}) };
}
