/**
 * A Docker-style token server for the bearer-auth test registry (distribution's `auth.token`).
 * It issues RS256 JWTs signed by a key whose self-signed certificate is the registry's
 * `rootcertbundle`; the JWT header carries both `x5c` and the libtrust `kid`, either of which
 * distribution 2.8 accepts.
 *
 *   GET  /token?service=&scope=…   Basic user:password, or anonymous (pull-only access);
 *                                  405 when `acceptsGet` is false (an OAuth2-only service)
 *   POST /token                    OAuth2 form: grant_type=refresh_token (identity tokens) or password
 *
 * Every request is recorded in `requests`, so tests can count token fetches. It listens on
 * 127.0.0.1; `realmHost` only changes the name the realm URL gives (see test/registry/loopback-dns.ts).
 */
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

export interface TokenRequest {
  readonly method: string;
  readonly scopes: readonly string[];
  /** The user the request authenticated as; undefined = anonymous. */
  readonly user: string | undefined;
  readonly grantType?: string;
  /** Whether the request carried an Authorization header at all. */
  readonly authorization: boolean;
}

export interface TokenServerOptions {
  /** Directory for the signing key and certificate. */
  readonly dir: string;
  /** user → password. */
  readonly users: Readonly<Record<string, string>>;
  /** refresh token (a docker "identitytoken") → user. */
  readonly refreshTokens?: Readonly<Record<string, string>>;
  readonly service?: string;
  readonly issuer?: string;
  /** Host name in the realm URL; default 127.0.0.1. */
  readonly realmHost?: string;
}

export interface TokenServer {
  /** The realm URL to put in the registry's config. */
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** PEM certificate of the signing key: the registry's rootcertbundle. */
  readonly certFile: string;
  readonly requests: TokenRequest[];
  /** refresh token (a docker "identitytoken") → user; tests may add entries. */
  readonly refreshTokens: Record<string, string>;
  /** Which fields the GET response carries (real servers differ). Default 'both'. */
  responseFields: 'token' | 'access_token' | 'both';
  /** false: answer GETs with 405, as a service that speaks only OAuth2 does. Default true. */
  acceptsGet: boolean;
  stop(): Promise<void>;
}

export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const keyFile = path.join(opts.dir, 'token.key');
  const certFile = path.join(opts.dir, 'token.crt');
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '2', '-subj', '/CN=reimage-test-token-issuer']);
  const keyPem = await readFile(keyFile);
  const certPem = await readFile(certFile, 'utf8');
  const cert = new crypto.X509Certificate(certPem);
  const service = opts.service ?? 'reimage-test-registry';
  const issuer = opts.issuer ?? 'reimage-test-token-issuer';
  const header = { alg: 'RS256', typ: 'JWT', kid: libtrustKeyId(cert.publicKey), x5c: [cert.raw.toString('base64')] };
  const requests: TokenRequest[] = [];

  const sign = (user: string | undefined, scopes: readonly string[]) => {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.map((scope) => {
      const [type = '', ...rest] = scope.split(':');
      const actions = (rest.pop() ?? '').split(',');
      return { type, name: rest.join(':'), actions: user ? actions : actions.filter((a) => a === 'pull') };
    });
    const claims = { iss: issuer, sub: user ?? '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: crypto.randomUUID(), access };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${b64url(crypto.sign('RSA-SHA256', Buffer.from(input), keyPem))}`;
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://token');
      if (url.pathname !== '/token') return void res.writeHead(404).end();
      const authorization = req.headers.authorization !== undefined;
      const reply = (status: number, body: object) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (req.method === 'POST') {
        let text = '';
        for await (const chunk of req) text += String(chunk);
        const form = new URLSearchParams(text);
        const grantType = form.get('grant_type') ?? '';
        const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        const user = grantType === 'refresh_token'
          ? handle.refreshTokens[form.get('refresh_token') ?? '']
          : grantType === 'password' && opts.users[form.get('username') ?? ''] === form.get('password') ? form.get('username')! : undefined;
        requests.push({ method: 'POST', scopes, user, grantType, authorization });
        if (!user) return reply(401, { error: 'invalid_grant' });
        return reply(200, { access_token: sign(user, scopes), expires_in: 300, scope: scopes.join(' ') });
      }
      const scopes = url.searchParams.getAll('scope');
      if (!handle.acceptsGet) {
        requests.push({ method: 'GET', scopes, user: undefined, authorization });
        return reply(405, { error: 'use the OAuth2 POST' });
      }
      let user: string | undefined;
      const authz = req.headers.authorization ?? '';
      if (authz.startsWith('Basic ')) {
        const decoded = Buffer.from(authz.slice(6), 'base64').toString();
        const colon = decoded.indexOf(':');
        const [name, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
        if (opts.users[name] !== password) {
          requests.push({ method: 'GET', scopes, user: undefined, authorization });
          return reply(401, { details: 'incorrect username or password' });
        }
        user = name;
      }
      requests.push({ method: 'GET', scopes, user, authorization });
      const token = sign(user, scopes);
      const fields = handle.responseFields;
      return reply(200, {
        ...(fields !== 'access_token' && { token }),
        ...(fields !== 'token' && { access_token: token }),
        expires_in: 300,
        issued_at: new Date().toISOString(),
      });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const handle: TokenServer = {
    realm: `http://${opts.realmHost ?? '127.0.0.1'}:${port}/token`,
    service,
    issuer,
    certFile,
    requests,
    refreshTokens: { ...opts.refreshTokens },
    responseFields: 'both',
    acceptsGet: true,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  return handle;
}

/** libtrust key ID: base32 of the first 240 bits of sha256(SPKI DER), in groups of 4 joined by ':'. */
function libtrustKeyId(publicKey: crypto.KeyObject): string {
  const hash = crypto.createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of hash) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{1,4}/g)!.join(':');
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}
