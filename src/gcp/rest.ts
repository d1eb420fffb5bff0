/**
 * JSON over HTTPS to Google Cloud REST APIs, with the API's error body in the message, and bounded
 * retries with backoff where Google's own clients retry: rate limiting (429) for every call, and
 * server trouble (5xx) and network errors only for calls that are safe to repeat.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ERROR_BODY_LIMIT, readCappedText } from '../bounded-read.js';
import { ReimageError, errorMessage } from '../errors.js';
import { redact } from '../redact.js';
import { type RetryPolicy, isRetryableStatus, retryDelayMs } from '../retry.js';
import { httpRequest, type HttpResponse } from '../registry/http-request.js';
import type { RequestTimeouts } from '../registry/timeouts.js';
import type { AccessTokenSource } from './access-token.js';

/** Four tries over about 3.5 s; a Retry-After from the server wins, up to 10 s. */
const DEFAULT_GCP_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 10_000 };
/** One try, headers and body, must finish within this (a hung API fails, and is retried when safe). */
const GCP_REQUEST_TIMEOUT_MS = 60_000;
/** Responses are small JSON documents (an attestor, a page of occurrences). */
const GCP_RESPONSE_LIMIT = 16 << 20;
/** Within the whole try's limit the connection must be up in 10 s, as with the registries. */
const GCP_TIMEOUTS: RequestTimeouts = { connectMs: 10_000, responseMs: GCP_REQUEST_TIMEOUT_MS, idleMs: GCP_REQUEST_TIMEOUT_MS };

export class GcpApiError extends ReimageError {
  constructor(
    readonly operation: string,
    readonly url: string,
    readonly status: number,
    readonly detail: string,
    /** How many requests were sent before giving up. */
    readonly attempts = 1,
  ) {
    super(
      `${operation}: ${status === 0 ? '' : `HTTP ${status} `}from ${url}${detail ? `: ${detail}` : ''}` +
        (attempts > 1 ? ` (gave up after ${attempts} tries)` : ''),
    );
  }
}

export interface GcpRequest {
  operation: string;
  method?: 'GET' | 'POST';
  body?: unknown;
  signal?: AbortSignal;
  /**
   * Whether sending the request twice does no harm (default: GET only). Only such requests are
   * retried after a 5xx or a network error, where the first may have taken effect.
   */
  idempotent?: boolean;
  /** Default: DEFAULT_GCP_RETRY. */
  retry?: RetryPolicy;
}

export async function gcpJson<T>(tokens: AccessTokenSource, url: string, req: GcpRequest): Promise<T> {
  const method = req.method ?? 'GET';
  const idempotent = req.idempotent ?? method === 'GET';
  const policy = req.retry ?? DEFAULT_GCP_RETRY;
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= policy.attempts;
    const headers: Record<string, string> = {
      authorization: `Bearer ${await tokens.token()}`,
      accept: 'application/json',
    };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    let res: HttpResponse;
    let text: string;
    const timeout = AbortSignal.timeout(GCP_REQUEST_TIMEOUT_MS);
    try {
      res = await httpRequest(url, {
        method,
        headers,
        timeouts: GCP_TIMEOUTS,
        ...(req.body !== undefined && { body: JSON.stringify(req.body) }),
        signal: req.signal ? AbortSignal.any([req.signal, timeout]) : timeout,
      });
      text = res.ok
        ? await readCappedText(res, GCP_RESPONSE_LIMIT, 'the response')
        : await readCappedText(res, ERROR_BODY_LIMIT, 'the error body', { truncate: true });
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason ?? err;
      const why = timeout.aborted ? `no complete answer within ${GCP_REQUEST_TIMEOUT_MS / 1000}s` : errorMessage(err);
      if (last || !idempotent || err instanceof ReimageError) throw new GcpApiError(req.operation, url, 0, why, attempt);
      await pause(attempt, undefined, policy, req.signal);
      continue;
    }
    if (res.ok) {
      try {
        return (text === '' ? {} : JSON.parse(text)) as T;
      } catch {
        throw new GcpApiError(req.operation, url, res.status, 'response is not JSON', attempt);
      }
    }
    // 429 means the request was refused before it did anything, so even a create may repeat it.
    const retryable = res.status === 429 || (idempotent && isRetryableStatus(res.status));
    if (last || !retryable) throw new GcpApiError(req.operation, url, res.status, errorDetail(text), attempt);
    await pause(attempt, res.headers.get('retry-after'), policy, req.signal);
  }
}

/** Google's error shape: {"error":{"code":403,"message":"...","status":"PERMISSION_DENIED"}}. */
function errorDetail(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: string; status?: string } };
    if (body.error?.message) return redact(`${body.error.status ?? ''} ${body.error.message}`.trim().slice(0, 500));
  } catch {
    // not JSON: keep the text
  }
  return redact(text.trim().slice(0, 500));
}

async function pause(attempt: number, retryAfter: string | null | undefined, policy: RetryPolicy, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(retryDelayMs(attempt, retryAfter, policy), undefined, signal ? { signal } : {});
  } catch (err) {
    throw signal?.reason ?? err;
  }
}

/** Joins a base URL (which the user may override) and an API path. */
export function apiUrl(base: string, path: string, query?: Record<string, string>): string {
  const url = new URL(base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, ''));
  for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
  return url.toString();
}
