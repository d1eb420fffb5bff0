/**
 * Time limits for one registry request, so a registry that accepts a connection and then says
 * nothing (or drips a byte a minute) fails the request instead of hanging the run. A request that
 * times out is retried like any network error.
 */

export interface RequestTimeouts {
  /** Setting up the TCP (and TLS) connection. */
  readonly connectMs: number;
  /** From sending the request to its response headers (for an upload: from its last byte). */
  readonly responseMs: number;
  /** No response body data for this long while we wait to read it; also a stalled upload. */
  readonly idleMs: number;
}

/**
 * Connect: 10 s (as undici's fetch had it); 20 s for the rest keeps five tries at a registry that never
 * answers under two minutes, and is far beyond what a healthy registry takes to start answering.
 */
export const DEFAULT_TIMEOUTS: RequestTimeouts = { connectMs: 10_000, responseMs: 20_000, idleMs: 20_000 };

/** After an upload's last byte the registry commits the blob (an S3 backend copies it): allow longer. */
export const UPLOAD_COMMIT_FACTOR = 3;

export type TimeoutKind = 'connect' | 'response' | 'idle';

/** A request's time limit ran out; thrown into the socket, then reported by the transport. */
export class RequestTimeoutError extends Error {
  readonly code = 'REIMAGE_TIMEOUT';
  constructor(
    readonly kind: TimeoutKind,
    readonly ms: number,
  ) {
    super(timeoutText(kind, ms));
  }
}

function timeoutText(kind: TimeoutKind, ms: number): string {
  const d = formatMs(ms);
  switch (kind) {
    case 'connect':
      return `connect timeout: no connection within ${d}`;
    case 'response':
      return `response timeout: no answer within ${d}`;
    case 'idle':
      return `idle timeout: no data for ${d}`;
  }
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(3))}s`;
}

/**
 * Wraps a response body so that a read which waits longer than `idleMs` for data fails with an
 * idle timeout. The clock runs only while the consumer is waiting, so a slow consumer (an upload
 * that the target throttles) never trips it. Read errors are passed through `wrapError`.
 */
export function idleGuard(body: ReadableStream<Uint8Array>, idleMs: number, wrapError: (err: unknown) => unknown): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RequestTimeoutError('idle', idleMs)), idleMs);
      });
      try {
        const { done, value } = await Promise.race([reader.read(), idle]);
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        reader.cancel(err).catch(() => {});
        controller.error(wrapError(err));
      } finally {
        clearTimeout(timer);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
