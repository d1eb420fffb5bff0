/**
 * Requests with a streamed body (blob uploads) go through node:http(s) rather than fetch: undici's
 * fetch does not apply backpressure to a ReadableStream request body and buffers it, so a 150 MB
 * layer grew the process by ~180 MB when we measured; stream.pipeline keeps it to a few chunks.
 * The reply is wrapped in a fetch Response, so callers see one interface.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RequestTimeoutError, UPLOAD_COMMIT_FACTOR, type RequestTimeouts } from './timeouts.js';

/** Statuses whose Response must have a null body. */
export const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

/**
 * Time limits: the connection must be up within connectMs; an upload the target stops accepting
 * (its socket buffers full and nothing moving) for idleMs fails; once the last byte is sent the
 * answer must come within UPLOAD_COMMIT_FACTOR × responseMs. A stalled *source* is not judged
 * here: its own response body has an idle guard.
 */
export function streamRequest(url: string, method: string, headers: Record<string, string>, body: ReadableStream<Uint8Array>, timeouts: RequestTimeouts): Promise<Response> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? https.request : http.request;
  return new Promise<Response>((resolve, reject) => {
    let answerTimer: NodeJS.Timeout | undefined;
    const req = send(target, { method, headers }, (incoming) => {
      clearTimeout(answerTimer);
      req.setTimeout(0);
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) {
        for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, v);
      }
      const status = incoming.statusCode ?? 502;
      const responseBody = NULL_BODY_STATUS.has(status) ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>);
      if (!responseBody) incoming.resume();
      resolve(new Response(responseBody, { status, headers: responseHeaders }));
    });
    const fail = (err: Error) => {
      clearTimeout(answerTimer);
      req.destroy(err);
      reject(err);
    };
    req.on('error', fail);
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      const connectTimer = setTimeout(() => fail(new RequestTimeoutError('connect', timeouts.connectMs)), timeouts.connectMs);
      socket.once('connect', () => clearTimeout(connectTimer));
      socket.once('close', () => clearTimeout(connectTimer));
    });
    // The socket is idle both when the target stops reading and when the source stalls; only the first is the target's fault.
    req.setTimeout(timeouts.idleMs, () => {
      if (req.writableNeedDrain) fail(new RequestTimeoutError('idle', timeouts.idleMs));
    });
    req.once('finish', () => {
      const ms = timeouts.responseMs * UPLOAD_COMMIT_FACTOR;
      answerTimer = setTimeout(() => fail(new RequestTimeoutError('response', ms)), ms);
    });
    pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>), req).catch((err: unknown) => fail(err as Error));
  });
}
