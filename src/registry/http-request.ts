/**
 * One HTTP exchange over node:http(s), the only HTTP client reimage uses. Not fetch: its first
 * call loads undici (with http2, tls and zlib), which took longer than all the rest of a warm run
 * (~70 ms CPU on Node.js 24, against ~5 ms for node:http), and so does touching the global
 * Response or Headers. Besides, undici's fetch does not apply backpressure to a streamed request
 * body (a 150 MB layer grew the process by ~180 MB when we measured; stream.pipeline keeps it to a
 * few chunks), and it closed the connection after every HEAD (10 HEADs, 8 new connections;
 * node:http with the global keep-alive agent, 1).
 *
 * What fetch did and callers rely on is kept: redirects are followed (a blob GET is often sent on
 * to storage) with Authorization dropped on leaving the origin, and a compressed body is decoded.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { RequestTimeoutError, UPLOAD_COMMIT_FACTOR, type RequestTimeouts } from './timeouts.js';

/** A request body sent whole (and so sent again on a redirect or a retry), or streamed once. */
export type RequestBody = string | Uint8Array | URLSearchParams | ReadableStream<Uint8Array>;

/** Statuses that have no body. */
const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);
/** As many redirects as fetch follows. */
const MAX_REDIRECTS = 20;
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
/** Headers that describe the body, dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];

/** Response header lookup, case-insensitive; repeated headers are joined with ", " as fetch does. */
export class ResponseHeaders {
  constructor(private readonly raw: http.IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }
}

export class HttpResponse {
  readonly ok: boolean;

  constructor(
    readonly status: number,
    readonly headers: ResponseHeaders,
    /** The body as it arrives; null for a HEAD, a bodiless status, or a body already read whole. */
    readonly body: ReadableStream<Uint8Array> | null,
    /** The body read whole, within a cap, by whoever made this response (Transport's `read`). */
    private readonly whole?: Uint8Array,
  ) {
    this.ok = status >= 200 && status <= 299;
  }

  /** This response with its body read whole. */
  withBody(bytes: Uint8Array): HttpResponse {
    return new HttpResponse(this.status, this.headers, null, bytes);
  }

  /** The body already read whole; nothing here reads a body without a cap. */
  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.wholeBody();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(this.wholeBody());
  }

  private wholeBody(): Uint8Array {
    if (this.whole) return this.whole;
    if (!this.body) return new Uint8Array(0);
    throw new Error('HttpResponse: the body was not read whole (ask for it with a size cap)');
  }
}

export interface HttpRequestOptions {
  readonly method: string;
  readonly headers?: Record<string, string>;
  readonly body?: RequestBody;
  readonly timeouts: RequestTimeouts;
  /** Ends the exchange (any time before the body is read) with the signal's reason. */
  readonly signal?: AbortSignal;
}

/**
 * Sends a request, following redirects for a body that can be sent again (a streamed one cannot:
 * its redirect is returned); Authorization and Cookie are dropped on leaving the origin, and a
 * 301/302 POST or a 303 becomes a GET without its body, as fetch does.
 */
export async function httpRequest(url: string, opts: HttpRequestOptions): Promise<HttpResponse> {
  let target = new URL(url);
  let { method, headers = {}, body } = opts;
  for (let hop = 0; ; hop++) {
    const res = await exchange(target, method, headers, body, opts.timeouts, opts.signal);
    const location = res.headers.get('location');
    if (!REDIRECT_STATUS.has(res.status) || !location || hop >= MAX_REDIRECTS || isStream(body)) return res;
    await res.body?.cancel().catch(() => {});
    const next = new URL(location, target);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return res;
    if (next.origin !== target.origin) headers = without(headers, ['authorization', 'cookie']);
    if ((res.status === 303 && method !== 'HEAD') || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      headers = without(headers, BODY_HEADERS);
    }
    target = next;
  }
}

const isStream = (body: RequestBody | undefined): body is ReadableStream<Uint8Array> =>
  body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array) && !(body instanceof URLSearchParams);

function without(headers: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name.toLowerCase())));
}

/** A whole body as bytes, with the Content-Type fetch would give it when the caller gave none. */
function wholeBody(body: string | Uint8Array | URLSearchParams, headers: Record<string, string>): { bytes: Uint8Array; headers: Record<string, string> } {
  const has = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
  const type = body instanceof URLSearchParams ? 'application/x-www-form-urlencoded;charset=UTF-8' : typeof body === 'string' ? 'text/plain;charset=UTF-8' : undefined;
  const bytes = body instanceof Uint8Array ? body : Buffer.from(body.toString());
  return {
    bytes,
    headers: { ...headers, ...(!has('content-length') && { 'content-length': String(bytes.byteLength) }), ...(type && !has('content-type') && { 'content-type': type }) },
  };
}

/**
 * One request and its response headers. Time limits: the connection, with its TLS handshake,
 * must be up within connectMs; an upload the target stops accepting (its socket buffers full and
 * nothing moving) for idleMs fails; once the last byte is sent the answer must come within
 * responseMs (UPLOAD_COMMIT_FACTOR times that after a streamed upload, which the registry then
 * commits). The response body's own idle limit is the caller's (idleGuard), as is a stalled
 * streamed source's.
 */
function exchange(target: URL, method: string, headers: Record<string, string>, body: RequestBody | undefined, timeouts: RequestTimeouts, signal: AbortSignal | undefined): Promise<HttpResponse> {
  const send = target.protocol === 'https:' ? https.request : http.request;
  const whole = body === undefined || isStream(body) ? undefined : wholeBody(body, headers);
  return new Promise<HttpResponse>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    let answerTimer: NodeJS.Timeout | undefined;
    const req = send(target, { method, headers: whole?.headers ?? headers }, (incoming) => {
      clearTimeout(answerTimer);
      req.setTimeout(0);
      const status = incoming.statusCode ?? 502;
      const responseHeaders = new ResponseHeaders(incoming.headers);
      if (NULL_BODY_STATUS.has(status) || method === 'HEAD') {
        incoming.resume();
        signal?.removeEventListener('abort', abort);
        return resolve(new HttpResponse(status, responseHeaders, null));
      }
      incoming.once('close', () => signal?.removeEventListener('abort', abort));
      resolve(new HttpResponse(status, responseHeaders, Readable.toWeb(decoded(incoming)) as ReadableStream<Uint8Array>));
    });
    const fail = (err: Error) => {
      clearTimeout(answerTimer);
      signal?.removeEventListener('abort', abort);
      req.destroy(err);
      reject(err);
    };
    const abort = () => fail(signal!.reason as Error);
    signal?.addEventListener('abort', abort, { once: true });
    req.on('error', fail);
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      const connectTimer = setTimeout(() => fail(new RequestTimeoutError('connect', timeouts.connectMs)), timeouts.connectMs);
      // Over TLS the connection is up once the handshake is done: a server that accepts and never
      // answers the ClientHello is caught here, as no other clock runs before the request is sent.
      socket.once('encrypted' in socket ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
      socket.once('close', () => clearTimeout(connectTimer));
    });
    // The socket is idle both when the target stops reading and when the source stalls; only the first is the target's fault.
    req.setTimeout(timeouts.idleMs, () => {
      if (req.writableNeedDrain) fail(new RequestTimeoutError('idle', timeouts.idleMs));
    });
    req.once('finish', () => {
      const ms = isStream(body) ? timeouts.responseMs * UPLOAD_COMMIT_FACTOR : timeouts.responseMs;
      answerTimer = setTimeout(() => fail(new RequestTimeoutError('response', ms)), ms);
    });
    if (!isStream(body)) return void req.end(whole?.bytes);
    pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>), req).catch((err: unknown) => fail(err as Error));
  });
}

/** The body with its Content-Encoding undone, as fetch gives it (none is asked for, but a server may send one). */
function decoded(incoming: http.IncomingMessage): Readable {
  const coding = (incoming.headers['content-encoding'] ?? '').trim().toLowerCase();
  // Lenient about a missing end, as fetch is.
  const flush = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  const decoder = coding === 'gzip' || coding === 'x-gzip' ? zlib.createGunzip(flush) : coding === 'deflate' ? zlib.createInflate(flush) : coding === 'br' ? zlib.createBrotliDecompress() : undefined;
  if (!decoder) return incoming;
  // Errors of either reach the body's reader; a reader that cancels destroys the source too.
  incoming.once('error', (err) => decoder.destroy(err));
  decoder.once('close', () => incoming.destroy());
  return incoming.pipe(decoder);
}
