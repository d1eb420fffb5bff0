/**
 * JSON over HTTPS to Google Cloud REST APIs, with the API's error body in the message.
 */
import { ReimageError, errorMessage } from '../errors.js';
import type { AccessTokenSource } from './access-token.js';

export class GcpApiError extends ReimageError {
  constructor(
    readonly operation: string,
    readonly url: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(`${operation}: ${status === 0 ? '' : `HTTP ${status} `}from ${url}${detail ? `: ${detail}` : ''}`);
  }
}

export interface GcpRequest {
  operation: string;
  method?: 'GET' | 'POST';
  body?: unknown;
  signal?: AbortSignal;
}

export async function gcpJson<T>(tokens: AccessTokenSource, url: string, req: GcpRequest): Promise<T> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${await tokens.token()}`,
    accept: 'application/json',
  };
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, {
      method: req.method ?? 'GET',
      headers,
      ...(req.body !== undefined && { body: JSON.stringify(req.body) }),
      ...(req.signal && { signal: req.signal }),
    });
  } catch (err) {
    if (req.signal?.aborted) throw req.signal.reason ?? err;
    throw new GcpApiError(req.operation, url, 0, errorMessage(err));
  }
  const text = await res.text();
  if (!res.ok) {
    let detail = text.trim().slice(0, 500);
    try {
      // Google's error shape: {"error":{"code":403,"message":"...","status":"PERMISSION_DENIED"}}
      const body = JSON.parse(text) as { error?: { message?: string; status?: string } };
      if (body.error?.message) detail = `${body.error.status ?? ''} ${body.error.message}`.trim();
    } catch {
      // not JSON: keep the text
    }
    throw new GcpApiError(req.operation, url, res.status, detail);
  }
  try {
    return (text === '' ? {} : JSON.parse(text)) as T;
  } catch {
    throw new GcpApiError(req.operation, url, res.status, 'response is not JSON');
  }
}

/** Joins a base URL (which the user may override) and an API path. */
export function apiUrl(base: string, path: string, query?: Record<string, string>): string {
  const url = new URL(base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, ''));
  for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
  return url.toString();
}
