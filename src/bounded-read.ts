/**
 * Reading an HTTP response body, or a file the user names, whole, but never more than a cap: a
 * hostile or broken server can send an endless body, and reading it to its end would hold all of
 * it; a named file may be a pipe or a device, whose size nobody knows in advance.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { ReimageError } from './errors.js';

/** An error answer's body is read for its message, at most this much (the rest is dropped). */
export const ERROR_BODY_LIMIT = 64 << 10;

/** A body was larger than the cap for its kind. */
export class BodyTooLargeError extends ReimageError {
  constructor(
    readonly what: string,
    readonly limit: number,
  ) {
    super(`${what} is larger than the ${formatBytes(limit)} limit`);
  }
}

/** "4 MiB", "512 KiB", "100 bytes": caps are powers of two, so binary units read well. */
export function formatBytes(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1 << 10 && n % (1 << 10) === 0) return `${n / (1 << 10)} KiB`;
  return `${n} bytes`;
}

/** What is read here: a response with its headers and its body stream. */
export interface ReadableResponse {
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
}

/**
 * Reads a response body up to `limit` bytes. Over the limit: throws BodyTooLargeError, or with
 * `truncate` returns the first `limit` bytes (enough for an error message). A declared
 * Content-Length over the limit fails before anything is read.
 */
export async function readCapped(res: ReadableResponse, limit: number, what: string, opts: { truncate?: boolean } = {}): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (!opts.truncate && declared > limit) {
    await res.body?.cancel().catch(() => {});
    throw new BodyTooLargeError(what, limit);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.length > limit) {
      await reader.cancel().catch(() => {});
      if (!opts.truncate) throw new BodyTooLargeError(what, limit);
      chunks.push(value.subarray(0, limit - size));
      size = limit;
      break;
    }
    chunks.push(value);
    size += value.length;
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/** readCapped as text; the truncated form never throws for size. */
export async function readCappedText(res: ReadableResponse, limit: number, what: string, opts: { truncate?: boolean } = {}): Promise<string> {
  return new TextDecoder().decode(await readCapped(res, limit, what, opts));
}

/**
 * Reads a file as UTF-8 text, up to `limit` bytes (BodyTooLargeError beyond). It reads until the
 * end rather than trusting the file's size, so a pipe (`<(cat t.tmpl)`) or /dev/stdin is read whole.
 * File-system errors are thrown as they are.
 */
export function readFileCappedSync(path: string, limit: number, what: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(limit + 1, 64 << 10));
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      size += n;
      if (size > limit) throw new BodyTooLargeError(what, limit);
      chunks.push(Buffer.from(buffer.subarray(0, n)));
    }
    return Buffer.concat(chunks, size).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
