/**
 * Authenticated requests to registries. The first request to a host goes without Authorization
 * and its answer teaches the auth challenge (a 401 carries it; anything else means none is
 * needed); requests to that host meanwhile wait for that answer, then the first is sent again
 * with the token. A streamed upload cannot be sent twice, so when it would be the first request
 * the session pings `/v2/` instead. A 401 later re-learns the challenge and tries once more with a
 * fresh token (a streamed upload is started over by its caller).
 */
import type { Logger } from '../log.js';
import { BlobHomes } from './blob-homes.js';
import { Limiter } from './limiter.js';
import { parseChallenge, type Challenge } from './challenge.js';
import { findCredentials, type Credential } from './credentials.js';
import { endpointFor, type Endpoint, type EndpointOptions } from './endpoints.js';
import { AuthorizationRenewedError, RegistryAuthError, RegistryError, type RegistryErrorDetail } from './errors.js';
import { basicAuthorization, TokenCache } from './tokens.js';
import { ERROR_BODY_LIMIT, readCappedText } from '../bounded-read.js';
import { redact } from '../redact.js';
import type { HttpResponse, ReadLimit, RequestBody, RequestContext, Transport } from './transport.js';

export interface ApiRequest {
  readonly method: string;
  /** A path under the registry ("/v2/…") or an absolute URL it gave us (an upload Location). */
  readonly target: string;
  readonly headers?: Record<string, string>;
  readonly body?: RequestBody;
  /** Read a successful response's body whole, capped (see Transport). */
  readonly read?: ReadLimit;
}

const PING: ApiRequest = { method: 'GET', target: '/v2/' };

export class RegistrySession {
  /** Per host, the challenge learned (or being learned) from its first answer. */
  private readonly challenges = new Map<string, Promise<Challenge | undefined>>();
  private readonly credentials = new Map<string, Promise<Credential | undefined>>();
  private readonly tokens: TokenCache;
  /** Loopback or insecure hosts found to speak only HTTPS. */
  private readonly httpsOnly = new Set<string>();
  /** Where each blob copied or found in this session lives, for mounts by later copies. */
  readonly blobHomes = new BlobHomes();
  /**
   * Blob streams (source GET piped into target PUT) at once. The host limits hold a GET only
   * until its headers, so without this every blob's GET would open and wait, body pending, for a
   * PUT slot: 139 open source connections for 4 PUTs when we measured.
   */
  readonly blobStreams: Limiter;

  constructor(
    readonly transport: Transport,
    private readonly endpointOptions: EndpointOptions,
    private readonly logger: Logger,
  ) {
    this.tokens = new TokenCache(transport, logger);
    this.blobStreams = new Limiter(transport.concurrency);
  }

  endpoint(registry: string): Endpoint {
    const endpoint = endpointFor(registry, this.endpointOptions);
    return this.httpsOnly.has(endpoint.host) ? { ...endpoint, baseUrl: `https://${endpoint.host}` } : endpoint;
  }

  /**
   * Sends an API request with the access `scopes` need ("repository:<path>:pull,push").
   * Returns every response except auth failures, which become typed errors.
   */
  async request(registry: string, scopes: readonly string[], req: ApiRequest, ctx: RequestContext): Promise<HttpResponse> {
    const { host } = this.endpoint(registry);
    const known = this.challenges.get(host);
    if (known) return this.authorizedRequest(registry, scopes, req, await inOwnContext(known, ctx), true, ctx);
    if (req.body instanceof ReadableStream) {
      const pinged = this.firstRequest(registry, PING, ctx).then(async (res) => {
        await res.body?.cancel();
        return challengeIn(res);
      });
      return this.authorizedRequest(registry, scopes, req, await this.learn(host, pinged), true, ctx);
    }
    const first = this.firstRequest(registry, req, ctx);
    const learned = this.learn(host, first.then(challengeIn));
    const res = await first;
    if (res.status !== 401) return res;
    await res.body?.cancel();
    // The token was just fetched for this challenge: a second 401 is final.
    return this.authorizedRequest(registry, scopes, req, await learned, false, ctx);
  }

  private async authorizedRequest(registry: string, scopes: readonly string[], req: ApiRequest, challenge: Challenge | undefined, mayRenew: boolean, ctx: RequestContext): Promise<HttpResponse> {
    const endpoint = this.endpoint(registry);
    const first = await this.authorization(endpoint, challenge, scopes, false);
    const res = await this.send(endpoint, req, first, ctx);
    if (res.status !== 401 || !mayRenew) return this.checkAuthorized(res, endpoint, first, ctx);

    // The token expired or the challenge changed: learn it again and get a fresh token.
    const renewed = challengeIn(res) ?? challenge;
    this.challenges.set(endpoint.host, Promise.resolve(renewed));
    const second = await this.authorization(endpoint, renewed, scopes, true);
    if (req.body instanceof ReadableStream) {
      // A streamed body is gone: the caller starts the upload over, with the fresh token now cached.
      if (second?.startsWith('Bearer ')) throw new AuthorizationRenewedError({ ...ctx, status: 401, errors: (await registryError(res, ctx)).errors });
      return this.checkAuthorized(res, endpoint, first, ctx);
    }
    await res.body?.cancel();
    return this.checkAuthorized(await this.send(endpoint, req, second, ctx), endpoint, second, ctx);
  }

  private send(endpoint: Endpoint, req: ApiRequest, authorization: string | undefined, ctx: RequestContext): Promise<HttpResponse> {
    const url = new URL(req.target, endpoint.baseUrl);
    // Authorization goes to the registry only, never to an upload URL on another origin.
    const sameOrigin = url.origin === endpoint.baseUrl;
    return this.transport.send({
      method: req.method,
      url: url.href,
      host: url.host,
      headers: { ...req.headers, ...(authorization && sameOrigin && { authorization }) },
      ...(req.body !== undefined && { body: req.body }),
      ...(req.read && { read: req.read }),
    }, ctx);
  }

  private async checkAuthorized(res: HttpResponse, endpoint: Endpoint, sent: string | undefined, ctx: RequestContext): Promise<HttpResponse> {
    if (res.status !== 401) return res;
    const credential = await this.credential(endpoint);
    if (sent?.startsWith('Basic ') && credential) {
      await res.body?.cancel();
      const where = ctx.repository === undefined ? ctx.registry : `${ctx.registry}/${ctx.repository}`;
      throw new RegistryAuthError(endpoint.registry, `the registry rejected the username and password from ${credential.source} (HTTP 401 to ${ctx.operation} ${where})`);
    }
    const error = await registryError(res, ctx);
    if (credential) throw error;
    throw new RegistryError({
      ...ctx, status: 401, errors: error.errors,
      reason: `no credentials found for ${endpoint.host} (looked in docker config.json, $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json)`,
    });
  }

  /** Remembers the host's challenge while it is being learned; a failure lets the next request try again. */
  private learn(host: string, challenge: Promise<Challenge | undefined>): Promise<Challenge | undefined> {
    this.challenges.set(host, challenge);
    challenge.catch(() => this.challenges.delete(host));
    return challenge;
  }

  /**
   * The first request to a host, unauthenticated. A loopback or insecure registry is tried over
   * plain HTTP first; a 400 that is not a registry's JSON error means the port speaks HTTPS only
   * (Go's and nginx's servers answer plain HTTP on a TLS port so), and then HTTPS it is, with full
   * verification.
   */
  private async firstRequest(registry: string, req: ApiRequest, ctx: RequestContext): Promise<HttpResponse> {
    const endpoint = this.endpoint(registry);
    const res = await this.send(endpoint, req, undefined, ctx);
    if (res.status !== 400 || !endpoint.baseUrl.startsWith('http:') || res.headers.get('content-type')?.includes('json')) return res;
    await res.body?.cancel();
    this.httpsOnly.add(endpoint.host);
    return this.send(this.endpoint(registry), req, undefined, ctx);
  }

  private async authorization(endpoint: Endpoint, challenge: Challenge | undefined, scopes: readonly string[], fresh: boolean): Promise<string | undefined> {
    if (!challenge) return undefined;
    const credential = await this.credential(endpoint);
    if (challenge.scheme === 'basic') {
      return credential?.kind === 'basic' ? basicAuthorization(credential.username, credential.password) : undefined;
    }
    return `Bearer ${await this.tokens.token(endpoint, challenge, scopes, credential, fresh)}`;
  }

  private credential(endpoint: Endpoint): Promise<Credential | undefined> {
    let found = this.credentials.get(endpoint.host);
    if (!found) {
      found = findCredentials(endpoint.host);
      this.credentials.set(endpoint.host, found);
      void found.then((c) => c && this.logger.debug(`using credentials for ${endpoint.host} from ${c.source}`), () => {});
    }
    return found;
  }
}

/**
 * Waits for the host's first answer that another request is getting. Its failure (an unreachable
 * registry, say) is reported in this request's own words, so that each image's error names that
 * image rather than the first one.
 */
async function inOwnContext(learning: Promise<Challenge | undefined>, ctx: RequestContext): Promise<Challenge | undefined> {
  try {
    return await learning;
  } catch (err) {
    // Only the plain network failure is rewrapped; typed subclasses keep their meaning.
    if (!(err instanceof RegistryError) || err.constructor !== RegistryError) throw err;
    const { status, errors, reason, retryAfter, cause } = err;
    throw new RegistryError({ ...ctx, status, errors, reason, retryAfter, cause });
  }
}

/** The challenge a 401 answer carries; undefined for any other answer. */
function challengeIn(res: HttpResponse): Challenge | undefined {
  return res.status === 401 ? parseChallenge(res.headers.get('www-authenticate')) : undefined;
}

/** Builds the error for a failed response, with the registry's `errors[]` when it sent them. */
export async function registryError(res: HttpResponse, ctx: RequestContext): Promise<RegistryError> {
  let errors: RegistryErrorDetail[] = [];
  let reason: string | undefined;
  const text = await readCappedText(res, ERROR_BODY_LIMIT, 'error body', { truncate: true }).catch(() => '');
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    errors = (Array.isArray(body.errors) ? body.errors : []).slice(0, 10).map((e) => ({
      code: String(e?.code ?? 'UNKNOWN').slice(0, 100), message: redact(String(e?.message ?? '').slice(0, 500)),
    }));
  } catch {
    if (text.trim()) reason = redact(text.trim().slice(0, 200));
  }
  const retryAfter = res.headers.get('retry-after');
  return new RegistryError({ ...ctx, status: res.status, errors, ...(reason !== undefined && { reason }), ...(retryAfter && { retryAfter }) });
}
