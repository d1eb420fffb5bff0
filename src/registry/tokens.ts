/**
 * Bearer tokens from a registry's token service (the Docker token protocol): a GET to the realm
 * with service and scopes and Basic credentials when we have them, or an OAuth2 POST: with the
 * refresh token when the credential is an identity token, with the password when the service
 * refuses the GET. Tokens are cached per registry and
 * scope set until shortly before they expire, and concurrent askers share one request.
 */
import type { Logger } from '../log.js';
import type { Challenge } from './challenge.js';
import type { Credential } from './credentials.js';
import { hostname, isLoopback, type Endpoint } from './endpoints.js';
import { RegistryAuthError, RegistryError } from './errors.js';
import type { HttpResponse, RequestContext, Transport } from './transport.js';
import { ERROR_BODY_LIMIT, readCappedText } from '../bounded-read.js';
import { redact, registerSecret } from '../redact.js';

/** A token response is a small JSON object; a JWT with many scopes is a few KiB. */
const TOKEN_RESPONSE_LIMIT = 1 << 20;

/** Token lifetime when the server does not say (the Docker token spec's default). */
const DEFAULT_EXPIRES_IN_S = 60;
const CLIENT_ID = 'reimage';

interface CachedToken {
  value: Promise<string>;
  expiresAt: number;
}

export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  constructor(
    private readonly transport: Transport,
    private readonly logger: Logger,
  ) {}

  async token(endpoint: Endpoint, challenge: Challenge, scopes: readonly string[], credential: Credential | undefined, fresh: boolean): Promise<string> {
    const key = `${endpoint.host} ${[...scopes].sort().join(' ')}`;
    const cached = this.tokens.get(key);
    if (cached && !fresh && cached.expiresAt > Date.now()) return cached.value;
    const entry: CachedToken = { value: Promise.resolve(''), expiresAt: Number.POSITIVE_INFINITY };
    entry.value = this.fetchToken(endpoint, challenge, scopes, credential).then(({ token, expiresIn }) => {
      // Renew a little early so a token never runs out in the middle of an upload.
      entry.expiresAt = Date.now() + Math.max(1, expiresIn - Math.min(30, expiresIn / 2)) * 1000;
      return token;
    });
    this.tokens.set(key, entry);
    entry.value.catch(() => this.tokens.delete(key));
    return entry.value;
  }

  private async fetchToken(endpoint: Endpoint, challenge: Challenge, scopes: readonly string[], credential: Credential | undefined) {
    const realm = challenge.params.realm;
    if (!realm) throw new RegistryError({ registry: endpoint.registry, operation: 'authenticate to', reason: 'its Bearer challenge has no realm' });
    // A realm comes from the registry: anything but an http(s) URL is refused, in our words.
    const url = URL.canParse(realm) ? new URL(realm) : undefined;
    if (url?.protocol !== 'https:' && url?.protocol !== 'http:') {
      throw new RegistryError({
        registry: endpoint.registry, operation: 'authenticate to',
        reason: `its Bearer challenge names the token service ${JSON.stringify(realm.slice(0, 200))}, which is not an http or https URL`,
      });
    }
    const usable = credential && credentialsAllowed(url, endpoint) ? credential : undefined;
    if (credential && !usable) {
      this.logger.warn(`not sending credentials for ${endpoint.registry} to token realm ${url.origin}: plain HTTP on an unrelated host; asking anonymously`);
    }
    const service = challenge.params.service;
    const ctx = { registry: endpoint.registry, operation: `get a token (${scopes.join(' ')}) from ${url.origin} for` };
    let res: HttpResponse;
    if (usable?.kind === 'identity-token') {
      res = await this.postGrant(url, { grant_type: 'refresh_token', refresh_token: usable.token }, service, scopes, ctx);
    } else {
      const get = new URL(url);
      if (service) get.searchParams.set('service', service);
      for (const s of scopes) get.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (usable) headers.authorization = basicAuthorization(usable.username, usable.password);
      res = await this.transport.send({ method: 'GET', url: get.href, host: get.host, headers, read: tokenRead(url) }, ctx);
      // A token service that speaks only OAuth2 refuses the GET: send the password grant instead.
      if (usable && (res.status === 404 || res.status === 405)) {
        await res.body?.cancel();
        res = await this.postGrant(url, { grant_type: 'password', username: usable.username, password: usable.password }, service, scopes, ctx);
      }
    }
    if (usable && (res.status === 401 || res.status === 403)) {
      await res.body?.cancel();
      throw new RegistryAuthError(endpoint.registry, `token server ${url.origin} refused the credentials from ${usable.source} (HTTP ${res.status} to a request for ${scopes.join(' ')})`);
    }
    if (!res.ok) {
      const text = redact((await readCappedText(res, ERROR_BODY_LIMIT, 'error body', { truncate: true }).catch(() => '')).trim().slice(0, 200));
      throw new RegistryError({ ...ctx, status: res.status, ...(text && { reason: text }) });
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown } = {};
    try {
      body = JSON.parse(await res.text()) as typeof body;
    } catch {
      throw new RegistryError({ ...ctx, reason: 'the token response is not JSON' });
    }
    const token = body?.token ?? body?.access_token;
    if (typeof token !== 'string' || !token) throw new RegistryError({ ...ctx, reason: 'the token response has neither "token" nor "access_token"' });
    registerSecret(token);
    return { token, expiresIn: typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_EXPIRES_IN_S };
  }

  /** An OAuth2 token request (RFC 6749 form POST) with the given grant. */
  private postGrant(realm: URL, grant: Record<string, string>, service: string | undefined, scopes: readonly string[], ctx: RequestContext): Promise<HttpResponse> {
    const form = new URLSearchParams({ ...grant, client_id: CLIENT_ID });
    if (service) form.set('service', service);
    if (scopes.length) form.set('scope', scopes.join(' '));
    return this.transport.send({
      method: 'POST', url: realm.href, host: realm.host, body: form, read: tokenRead(realm),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    }, ctx);
  }
}

function tokenRead(realm: URL) {
  return { bytes: TOKEN_RESPONSE_LIMIT, what: `token response from ${realm.origin}` };
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/**
 * Credentials go to an HTTPS realm, or over plain HTTP only to the registry's own host (a
 * loopback registry counts loopback realms as its own).
 */
export function credentialsAllowed(realm: URL, endpoint: Endpoint): boolean {
  if (realm.protocol === 'https:') return true;
  if (isLoopback(endpoint.host) && isLoopback(realm.host)) return true;
  return hostname(realm.host).toLowerCase() === hostname(endpoint.host).toLowerCase();
}
