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

/** Statuses whose Response must have a null body. */
const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

export function streamRequest(url: string, method: string, headers: Record<string, string>, body: ReadableStream<Uint8Array>): Promise<Response> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? https.request : http.request;
  return new Promise<Response>((resolve, reject) => {
    const req = send(target, { method, headers }, (incoming) => {
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) {
        for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, v);
      }
      const status = incoming.statusCode ?? 502;
      const responseBody = NULL_BODY_STATUS.has(status) ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>);
      if (!responseBody) incoming.resume();
      resolve(new Response(responseBody, { status, headers: responseHeaders }));
    });
    req.on('error', reject);
    pipeline(Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>), req).catch((err: unknown) => {
      req.destroy(err as Error);
      reject(err);
    });
  });
}
