/** When and how long to wait before trying an HTTP request again; shared by the registry and Google Cloud clients. */

export interface RetryPolicy {
  /** Total tries, including the first. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Statuses worth another try: rate limiting and server-side trouble. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/**
 * Retry-After (seconds or an HTTP date) when the server sent one, else exponential backoff
 * with jitter (between half and all of base·2^(attempt-1)); both capped.
 */
export function retryDelayMs(attempt: number, retryAfter: string | null | undefined, policy: RetryPolicy): number {
  if (retryAfter) {
    const seconds = /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : (Date.parse(retryAfter) - Date.now()) / 1000;
    if (Number.isFinite(seconds)) return Math.min(policy.maxDelayMs, Math.max(0, Math.round(seconds * 1000)));
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
