/**
 * Authenticated requests to registries. Before the first request to a host it pings `/v2/` to
 * learn the auth challenge, so every later request (streamed uploads included) carries the right
 * Authorization from the start; a 401 on a replayable request re-learns the challenge and tries
 * once more with a fresh token (a streamed upload is started over by its caller).
 */
import type { Logger } from '../log.js';
import { parseChallenge, type Challenge } from './challenge.js';
import { findCredentials, type Credential } from './credentials.js';
import { endpointFor, type Endpoint, type EndpointOptions } from './endpoints.js';
import { AuthorizationRenewedError, RegistryAuthError, RegistryError, type RegistryErrorDetail } from './errors.js';
import { basicAuthorization, TokenCache } from './tokens.js';
import type { RequestBody, RequestContext, Transport } from './transport.js';

export interface ApiRequest {
  readonly method: string;
  /** A path under the registry ("/v2/…") or an absolute URL it gave us (an upload Location). */
  readonly target: string;
  readonly headers?: Record<string, string>;
  readonly body?: RequestBody;
}

export class RegistrySession {
  private readonly challenges = new Map<string, Promise<Challenge | undefined>>();
  private readonly credentials = new Map<string, Promise<Credential | undefined>>();
  private readonly tokens: TokenCache;
  /** Loopback or insecure hosts found to speak only HTTPS. */
  private readonly httpsOnly = new Set<string>();

  constructor(
    readonly transport: Transport,
    private readonly endpointOptions: EndpointOptions,
    private readonly logger: Logger,
  ) {
    this.tokens = new TokenCache(transport, logger);
  }

  endpoint(registry: string): Endpoint {
    const endpoint = endpointFor(registry, this.endpointOptions);
    return this.httpsOnly.has(endpoint.host) ? { ...endpoint, baseUrl: `https://${endpoint.host}` } : endpoint;
  }

  /**
   * Sends an API request with the access `scopes` need ("repository:<path>:pull,push").
   * Returns every response except auth failures, which become typed errors.
   */
  async request(registry: string, scopes: readonly string[], req: ApiRequest, ctx: RequestContext): Promise<Response> {
    let challenge = await this.challenge(this.endpoint(registry), ctx);
    const endpoint = this.endpoint(registry);
    const url = new URL(req.target, endpoint.baseUrl);
    const sameOrigin = url.origin === endpoint.baseUrl;
    const send = async (authorization: string | undefined) =>
      this.transport.send({
        method: req.method,
        url: url.href,
        host: url.host,
        headers: { ...req.headers, ...(authorization && sameOrigin && { authorization }) },
        ...(req.body !== undefined && { body: req.body }),
      }, ctx);

    const first = await this.authorization(endpoint, challenge, scopes, false);
    const res = await send(first);
    if (res.status !== 401) return res;

    // The token expired or the challenge changed: learn it again and get a fresh token.
    challenge = parseChallenge(res.headers.get('www-authenticate')) ?? challenge;
    this.challenges.set(endpoint.host, Promise.resolve(challenge));
    const second = await this.authorization(endpoint, challenge, scopes, true);
    if (req.body instanceof ReadableStream) {
      // A streamed body is gone: the caller starts the upload over, with the fresh token now cached.
      if (second?.startsWith('Bearer ')) throw new AuthorizationRenewedError({ ...ctx, status: 401, errors: (await registryError(res, ctx)).errors });
      return this.checkAuthorized(res, endpoint, first, ctx);
    }
    await res.body?.cancel();
    return this.checkAuthorized(await send(second), endpoint, second, ctx);
  }

  private async checkAuthorized(res: Response, endpoint: Endpoint, sent: string | undefined, ctx: RequestContext): Promise<Response> {
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

  private challenge(endpoint: Endpoint, ctx: RequestContext): Promise<Challenge | undefined> {
    let known = this.challenges.get(endpoint.host);
    if (!known) {
      known = this.ping(endpoint, ctx);
      this.challenges.set(endpoint.host, known);
      known.catch(() => this.challenges.delete(endpoint.host));
    }
    return known;
  }

  /**
   * GET /v2/ tells whether and how the registry wants us to authenticate. A loopback or insecure
   * registry is tried over plain HTTP first; a 400 there means it speaks HTTPS only (Go's server
   * answers plain HTTP on a TLS port so), and then HTTPS it is, with full verification.
   */
  private async ping(endpoint: Endpoint, ctx: RequestContext): Promise<Challenge | undefined> {
    let res = await this.transport.send({ method: 'GET', url: `${endpoint.baseUrl}/v2/`, host: endpoint.host }, ctx);
    await res.body?.cancel();
    if (res.status === 400 && endpoint.baseUrl.startsWith('http:')) {
      this.httpsOnly.add(endpoint.host);
      res = await this.transport.send({ method: 'GET', url: `https://${endpoint.host}/v2/`, host: endpoint.host }, ctx);
      await res.body?.cancel();
    }
    return res.status === 401 ? parseChallenge(res.headers.get('www-authenticate')) : undefined;
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

/** Builds the error for a failed response, with the registry's `errors[]` when it sent them. */
export async function registryError(res: Response, ctx: RequestContext): Promise<RegistryError> {
  let errors: RegistryErrorDetail[] = [];
  let reason: string | undefined;
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    errors = (body.errors ?? []).map((e) => ({ code: String(e.code ?? 'UNKNOWN'), message: String(e.message ?? '') }));
  } catch {
    if (text.trim()) reason = text.trim().slice(0, 200);
  }
  return new RegistryError({ ...ctx, status: res.status, errors, ...(reason !== undefined && { reason }) });
}
