/**
 * HTTP transport for registry requests (over node:http(s), see http-request.ts) with a per-host
 * concurrency limit, time limits (see timeouts.ts), retries with exponential backoff and jitter
 * (network errors and timeouts, 429, 5xx; Retry-After honoured), and request counters. Only
 * requests whose body can be sent again are retried here; streamed uploads are retried a level
 * up, by starting the blob copy over. A host that has run out of tries on timeouts is not asked
 * again in the same run, so a registry that never answers fails every image within one request's
 * time.
 */
import { BodyTooLargeError, readCapped } from '../bounded-read.js';
import type { Logger } from '../log.js';
import { type RetryPolicy, isRetryableStatus, retryDelayMs } from '../retry.js';
import { RegistryError } from './errors.js';
import { HttpResponse, httpRequest, type RequestBody } from './http-request.js';
import { Limiter } from './limiter.js';
import { RequestTimeoutError, idleGuard, type RequestTimeouts } from './timeouts.js';

export type { HttpResponse, RequestBody };

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

/** Read a successful response's body whole, at most `bytes` of it, inside the retry loop. */
export interface ReadLimit {
  readonly bytes: number;
  /** What the body is, for the over-limit error ("manifest of …"). */
  readonly what: string;
}

export interface TransportRequest {
  readonly method: string;
  readonly url: string;
  /** host[:port] the request goes to: the concurrency limit is per host. */
  readonly host: string;
  readonly headers?: Record<string, string>;
  readonly body?: RequestBody;
  readonly read?: ReadLimit;
}

/** TLS verification failures will not go away by retrying (node:https reports a TLS protocol error as EPROTO). */
const TLS_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|EPROTO/;

export class Transport {
  readonly stats: TransportStats = { requests: {}, bytesMoved: 0 };
  private readonly limiters = new Map<string, Limiter>();
  /** Hosts that ran out of tries on timeouts, with the reason. */
  private readonly unresponsive = new Map<string, string>();

  constructor(
    /** Requests in flight per host at most. */
    readonly concurrency: number,
    readonly retry: RetryPolicy,
    private readonly timeouts: RequestTimeouts,
    private readonly logger: Logger,
  ) {}

  /** Sends a request, retrying when it may; returns any response the caller has to judge. */
  async send(req: TransportRequest, ctx: RequestContext): Promise<HttpResponse> {
    if (!/^https?:\/\//i.test(req.url)) {
      throw new RegistryError({ ...ctx, reason: `will not request ${JSON.stringify(req.url.slice(0, 200))}: not an http or https URL` });
    }
    const replayable = !(req.body instanceof ReadableStream);
    for (let attempt = 1; ; attempt++) {
      const last = !replayable || attempt >= this.retry.attempts;
      let res: HttpResponse;
      try {
        res = await this.limiter(req.host).run(async () => {
          this.checkResponsive(req, ctx);
          const answer = this.guardBody(await this.sendOnce(req), req, ctx);
          return req.read && answer.ok ? answer.withBody(await readCapped(answer, req.read.bytes, req.read.what)) : answer;
        });
      } catch (err) {
        if (err instanceof BodyTooLargeError) throw err;
        const failure = err instanceof RegistryError ? err : networkError(ctx, req, networkReason(err), err);
        if (last || !isTransient(failure)) throw this.finalFailure(failure, req, ctx, attempt);
        await this.pause(attempt, undefined, failure.message);
        continue;
      }
      if (last || !isRetryableStatus(res.status)) return res;
      await res.body?.cancel();
      await this.pause(attempt, res.headers.get('retry-after'), `${ctx.operation}: HTTP ${res.status}`);
    }
  }

  private sendOnce(req: TransportRequest): Promise<HttpResponse> {
    this.stats.requests[req.method] = (this.stats.requests[req.method] ?? 0) + 1;
    return httpRequest(req.url, { method: req.method, headers: req.headers ?? {}, timeouts: this.timeouts, ...(req.body !== undefined && { body: req.body }) });
  }

  /** The body, with an idle timeout and errors that say which request's response broke. */
  private guardBody(res: HttpResponse, req: TransportRequest, ctx: RequestContext): HttpResponse {
    if (!res.body) return res;
    const wrap = (err: unknown) => err instanceof RegistryError ? err : networkError(ctx, req, networkReason(err), err, 'while reading the response');
    return new HttpResponse(res.status, res.headers, idleGuard(res.body, this.timeouts.idleMs, wrap));
  }

  /** After the last try: a host that keeps timing out is marked, so later requests fail at once. */
  private finalFailure(failure: RegistryError, req: TransportRequest, ctx: RequestContext, attempt: number): RegistryError {
    if (!(failure.cause instanceof RequestTimeoutError) || attempt < this.retry.attempts) return failure;
    this.unresponsive.set(req.host, failure.cause.message);
    return new RegistryError({ ...ctx, reason: `${failure.reason} (gave up after ${attempt} tries)`, cause: failure.cause });
  }

  private checkResponsive(req: TransportRequest, ctx: RequestContext): void {
    const why = this.unresponsive.get(req.host);
    if (why !== undefined) {
      throw new RegistryError({ ...ctx, reason: `not tried: ${new URL(req.url).origin} did not answer earlier requests in this run (${why})`, cause: new HostGivenUp() });
    }
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

/** Marks the error for a host given up on earlier: not worth another try. */
class HostGivenUp extends Error {}

/** Network errors and timeouts may pass; TLS verification failures and given-up hosts do not. */
export function isTransient(err: RegistryError): boolean {
  if (err.status !== undefined) return isRetryableStatus(err.status);
  return !(err.cause instanceof HostGivenUp) && !TLS_ERROR.test(err.reason ?? '');
}

/** node:http reports the socket's error code (ECONNREFUSED, EPROTO, a certificate's); our timeouts say what ran out. */
function networkReason(err: unknown): string {
  const timeout = timeoutIn(err);
  if (timeout) return timeout.message;
  return (err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err));
}

function timeoutIn(err: unknown): RequestTimeoutError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    if (e instanceof RequestTimeoutError) return e;
  }
  return undefined;
}

function networkError(ctx: RequestContext, req: TransportRequest, reason: string, cause: unknown, when?: string): RegistryError {
  const origin = new URL(req.url).origin;
  const hint = TLS_ERROR.test(reason)
    ? ' (for a private CA set NODE_EXTRA_CA_CERTS to its PEM file; for plain HTTP use -insecure-registry)'
    : '';
  const timeout = timeoutIn(cause);
  const text = timeout
    ? `${origin} ${when ? `stalled ${when}` : 'did not answer'}: ${reason}${timeout.kind === 'connect' ? '' : ' (-registry-timeout)'}`
    : `${when ? `connection to ${origin} broke ${when}` : `cannot reach ${origin}`}: ${reason}${hint}`;
  return new RegistryError({ ...ctx, reason: text, cause: timeout ?? cause });
}
