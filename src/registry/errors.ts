/**
 * Typed registry errors. Each names the registry, the repository and what we were doing, so a
 * user with many images can tell which one failed and why.
 */
import { ReimageError } from '../errors.js';

/** One entry of a registry's JSON error body (`{"errors":[{"code","message","detail"}]}`). */
export interface RegistryErrorDetail {
  readonly code: string;
  readonly message: string;
}

export interface RegistryErrorInit {
  readonly registry: string;
  readonly repository?: string;
  readonly operation: string;
  readonly status?: number;
  readonly errors?: readonly RegistryErrorDetail[];
  readonly cause?: unknown;
  /** Extra text after the status, for failures with no HTTP status (network errors). */
  readonly reason?: string;
  /** The response's Retry-After, so a caller that retries a whole operation can honour it. */
  readonly retryAfter?: string;
}

/** A registry request failed: HTTP status, registry error codes, or a network error. */
export class RegistryError extends ReimageError {
  readonly registry: string;
  readonly repository: string | undefined;
  readonly operation: string;
  readonly status: number | undefined;
  readonly errors: readonly RegistryErrorDetail[];
  readonly reason: string | undefined;
  readonly retryAfter: string | undefined;

  constructor(init: RegistryErrorInit) {
    super(registryErrorMessage(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.registry = init.registry;
    this.repository = init.repository;
    this.operation = init.operation;
    this.status = init.status;
    this.errors = init.errors ?? [];
    this.reason = init.reason;
    this.retryAfter = init.retryAfter;
  }
}

function registryErrorMessage(init: RegistryErrorInit): string {
  const where = init.repository === undefined ? init.registry : `${init.registry}/${init.repository}`;
  const parts = [`${init.operation} ${where}`];
  if (init.status !== undefined) parts.push(`HTTP ${init.status}`);
  for (const e of init.errors ?? []) parts.push(e.message ? `${e.code}: ${e.message}` : e.code);
  if (init.reason !== undefined) parts.push(init.reason);
  return parts.join(': ');
}

/**
 * A streamed upload got a 401 (its token expired or was revoked) and a fresh token is now cached;
 * the body cannot be sent again, so the caller has to start the upload over.
 */
export class AuthorizationRenewedError extends RegistryError {
  constructor(init: Omit<RegistryErrorInit, 'reason'>) {
    super({ ...init, reason: 'the registry refused the token during a streamed upload' });
  }
}

/** The registry refused our credentials (or the token server did). */
export class RegistryAuthError extends ReimageError {
  constructor(
    readonly registry: string,
    detail: string,
  ) {
    super(`wrong credentials for ${registry}: ${detail}`);
  }
}

/** The target tag already holds another image and the caller did not ask to overwrite it. */
export class ClobberRefusedError extends ReimageError {
  constructor(
    readonly target: string,
    readonly existingDigest: string,
    readonly wantedDigest: string,
  ) {
    super(`refusing to overwrite ${target}: it holds ${existingDigest}, not ${wantedDigest} (clobbering was not requested)`);
  }
}

/** Content did not hash to the digest it was fetched or stored under. */
export class DigestMismatchError extends ReimageError {
  constructor(
    readonly what: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`digest mismatch for ${what}: expected ${expected}, got ${actual}`);
  }
}

/** An image whose manifest does not have the shape the caller needs (or that we can copy). */
export class UnsupportedImageError extends ReimageError {}
