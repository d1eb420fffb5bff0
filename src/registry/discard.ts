/**
 * Ending a response we do not read. Cancelling its body closes the connection (node:http
 * destroys the socket), so the next request pays a new TCP handshake; a body the
 * registry declares small (uploads answer 201/202 with an empty one) is read to its end instead,
 * which hands the connection back to the pool. Anything else is still cancelled.
 */
import type { HttpResponse } from './http-request.js';

const DRAIN_LIMIT = 64 << 10;

export async function discardBody(res: HttpResponse): Promise<void> {
  if (!res.body) return;
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (!(declared <= DRAIN_LIMIT)) return res.body.cancel().catch(() => {});
  let read = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
      if (read > DRAIN_LIMIT) return void (await reader.cancel());
    }
  } catch {
    // A broken body costs only its connection.
  }
}
