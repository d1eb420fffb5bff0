/**
 * HTTP transport for registry requests: Node's fetch with a per-host concurrency limit, retries
 * with exponential backoff and jitter (network errors, 429, 5xx; Retry-After honoured), and
 * request counters. Only requests whose body can be sent again are retried here; streamed
 * uploads are retried a level up, by starting the blob copy over.
 */
import type { Logger } from '../log.js';
import { type RetryPolicy, isRetryableStatus, retryDelayMs } from '../retry.js';
import { RegistryError } from './errors.js';
import { Limiter } from './limiter.js';
import { streamRequest } from './stream-request.js';

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 30_000 };

export interface TransportStats {
  /** Requests sent, by HTTP method (retries count again). */
  readonly requests: Record<string, number>;
  /** Blob bytes uploaded to registries. */
  bytesMoved: number;
}

/** What a request is for, so its errors can say so. */
export interface RequestContext {
  readonly registry: string;
  readonly repository?: string;
  readonly operation: string;
}

export type RequestBody = string | Uint8Array | URLSearchParams | ReadableStream<Uint8Array>;

export interface TransportRequest {
  readonly method: string;
  readonly url: string;
  /** host[:port] the request goes to: the concurrency limit is per host. */
  readonly host: string;
  readonly headers?: Record<string, string>;
  readonly body?: RequestBody;
}

/** TLS verification failures will not go away by retrying. */
const TLS_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/;

export class Transport {
  readonly stats: TransportStats = { requests: {}, bytesMoved: 0 };
  private readonly limiters = new Map<string, Limiter>();

  constructor(
    private readonly concurrency: number,
    private readonly retry: RetryPolicy,
    private readonly logger: Logger,
  ) {}

  /** Sends a request, retrying when it may; returns any response the caller has to judge. */
  async send(req: TransportRequest, ctx: RequestContext): Promise<Response> {
    // fetch answers other schemes with "not implemented... yet..." (and their origin is "null").
    if (!/^https?:\/\//i.test(req.url)) {
      throw new RegistryError({ ...ctx, reason: `will not request ${JSON.stringify(req.url.slice(0, 200))}: not an http or https URL` });
    }
    const replayable = !(req.body instanceof ReadableStream);
    for (let attempt = 1; ; attempt++) {
      const last = !replayable || attempt >= this.retry.attempts;
      let res: Response;
      try {
        res = await this.limiter(req.host).run(() => this.fetchOnce(req));
      } catch (err) {
        const reason = networkReason(err);
        if (last || TLS_ERROR.test(reason)) throw networkError(ctx, req, reason, err);
        await this.pause(attempt, undefined, `${ctx.operation}: ${reason}`);
        continue;
      }
      if (last || !isRetryableStatus(res.status)) return res;
      await res.body?.cancel();
      await this.pause(attempt, res.headers.get('retry-after'), `${ctx.operation}: HTTP ${res.status}`);
    }
  }

  private fetchOnce(req: TransportRequest): Promise<Response> {
    this.stats.requests[req.method] = (this.stats.requests[req.method] ?? 0) + 1;
    if (req.body instanceof ReadableStream) return streamRequest(req.url, req.method, req.headers ?? {}, req.body);
    return fetch(req.url, {
      method: req.method,
      headers: req.headers ?? {},
      redirect: 'follow',
      ...(req.body !== undefined && { body: req.body }),
    });
  }

  private limiter(host: string): Limiter {
    let limiter = this.limiters.get(host);
    if (!limiter) this.limiters.set(host, (limiter = new Limiter(this.concurrency)));
    return limiter;
  }

  /** Waits before another try: Retry-After when given, else backoff with jitter. */
  async pause(attempt: number, retryAfter: string | null | undefined, why: string): Promise<void> {
    const delay = retryDelayMs(attempt, retryAfter, this.retry);
    this.logger.debug(`${why}; retrying in ${delay} ms (attempt ${attempt + 1} of ${this.retry.attempts})`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** fetch wraps the socket error in `cause`; node:http reports it directly. */
function networkReason(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.code ?? (err instanceof Error ? err.message : String(err));
}

function networkError(ctx: RequestContext, req: TransportRequest, reason: string, cause: unknown): RegistryError {
  const hint = TLS_ERROR.test(reason)
    ? ' (for a private CA set NODE_EXTRA_CA_CERTS to its PEM file; for plain HTTP use -insecure-registry)'
    : '';
  return new RegistryError({ ...ctx, reason: `cannot reach ${new URL(req.url).origin}: ${reason}${hint}`, cause });
}
