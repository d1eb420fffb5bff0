/**
 * A local fake of the three Google Cloud REST APIs attestation uses, speaking their wire format:
 * Binary Authorization attestors.get, Cloud KMS asymmetricSign (a real key signs the digest, via
 * `openssl pkeyutl`, so the signature is independent of reimage's own crypto code), and Grafeas
 * occurrences list/create. Every request is recorded; faults can be injected per route.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c } from '../../src/attest/crc32c.js';
import type { Occurrence } from '../../src/gcp/grafeas.js';
import type { TestKey } from './keys.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string;
  /** The body as sent, byte for byte. */
  raw: string;
  body: unknown;
}

export interface Fault {
  method: string;
  /** Matches the request path (no query). */
  path: RegExp;
  /** Matches the decoded query string too, when given. */
  query?: RegExp;
  status: number;
  /** How many times to fail; default: always. */
  times?: number;
  /** A Retry-After header to send with the failure. */
  retryAfter?: string;
}

export interface FakeGcp {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Stored occurrences, in creation order; tests may add some directly. */
  readonly occurrences: Occurrence[];
  readonly faults: Fault[];
  /** Attestor resources by name (projects/P/attestors/A). */
  readonly attestors: Map<string, unknown>;
  /** The most requests the fake has handled at once (tests reset it). */
  maxInFlight: number;
  /** Largest list page the fake returns, whatever pageSize asks for. */
  pageLimit: number;
  /** Rewrites KMS answers, to simulate corruption in transit. */
  tamperKms?: (response: Record<string, unknown>) => Record<string, unknown>;
  /** Lets KMS sign with this key at this key version name (projects/…/cryptoKeyVersions/N). */
  addKmsKey(keyVersion: string, key: TestKey): Promise<void>;
  /** The recorded requests with this method whose path matches. */
  requestsTo(method: string, path: RegExp): RecordedRequest[];
  close(): Promise<void>;
}

const googleError = (res: ServerResponse, code: number, status: string, message: string, headers: Record<string, string> = {}) => {
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { code, message, status } }));
};

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE',
};

export async function startFakeGcp(): Promise<FakeGcp> {
  const dir = await mkdtemp(join(tmpdir(), 'reimage-fake-kms-'));
  const kmsKeys = new Map<string, { file: string; key: TestKey }>();
  const requests: RecordedRequest[] = [];
  const occurrences: Occurrence[] = [];
  const faults: Fault[] = [];
  const attestors = new Map<string, unknown>();

  const fake: FakeGcp = {
    url: '',
    requests,
    occurrences,
    faults,
    attestors,
    maxInFlight: 0,
    pageLimit: 1000,
    async addKmsKey(keyVersion, key) {
      const file = join(dir, `${kmsKeys.size}.pem`);
      await writeFile(file, key.privateKeyPem);
      kmsKeys.set(keyVersion, { file, key });
    },
    requestsTo: (method, path) => requests.filter((r) => r.method === method && path.test(r.path)),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = decodeURIComponent(url.pathname);
    const method = req.method ?? 'GET';
    requests.push({ method, path, query: url.searchParams, authorization: req.headers.authorization ?? '', raw, body: raw ? JSON.parse(raw) : undefined });

    const query = decodeURIComponent(url.search);
    const fault = faults.find((f) => f.method === method && f.path.test(path) && (f.query?.test(query) ?? true) && (f.times ?? 1) > 0);
    if (fault) {
      if (fault.times !== undefined) fault.times--;
      googleError(res, fault.status, STATUS_NAMES[fault.status] ?? 'UNKNOWN', `injected failure for ${path}`,
        fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter });
      return;
    }
    if (!/^Bearer \S+$/.test(req.headers.authorization ?? '')) {
      googleError(res, 401, 'UNAUTHENTICATED', 'Request is missing required authentication credential.');
      return;
    }
    const json = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };

    let m: RegExpExecArray | null;
    if (method === 'GET' && (m = /^\/v1\/(projects\/[^/]+\/attestors\/[^/]+)$/.exec(path))) {
      const attestor = attestors.get(m[1] ?? '');
      if (attestor) json(attestor);
      else googleError(res, 404, 'NOT_FOUND', `Attestor ${m[1]} not found.`);
    } else if (method === 'POST' && (m = /^\/v1\/(projects\/.+\/cryptoKeyVersions\/[^/:]+):asymmetricSign$/.exec(path))) {
      json(await kmsSign(m[1] ?? '', JSON.parse(raw) as KmsRequest));
    } else if (method === 'GET' && (m = /^\/v1\/(projects\/[^/]+)\/occurrences$/.exec(path))) {
      const matches = occurrenceFilter(url.searchParams.get('filter') ?? '');
      if (!matches) {
        googleError(res, 400, 'INVALID_ARGUMENT', 'Invalid filter');
        return;
      }
      const all = occurrences.filter((o) => o.name?.startsWith(`${m?.[1]}/`) && matches(o));
      const start = Number(url.searchParams.get('pageToken') || 0);
      const size = Math.min(Number(url.searchParams.get('pageSize') || 100), fake.pageLimit);
      const page = all.slice(start, start + size);
      json({ occurrences: page, ...(start + size < all.length && { nextPageToken: String(start + size) }) });
    } else if (method === 'POST' && (m = /^\/v1\/(projects\/[^/]+)\/occurrences$/.exec(path))) {
      const created = { ...(JSON.parse(raw) as Occurrence), name: `${m[1]}/occurrences/${randomUUID()}`, createTime: new Date().toISOString() };
      occurrences.push(created);
      json(created);
    } else {
      googleError(res, 404, 'NOT_FOUND', `no route for ${method} ${path}`);
    }
  };

  interface KmsRequest { digest?: Record<string, string>; digestCrc32c?: string }
  const kmsSign = async (keyVersion: string, body: KmsRequest) => {
    const entry = kmsKeys.get(keyVersion);
    if (!entry) throw new HttpError(404, `CryptoKeyVersion ${keyVersion} not found.`);
    const [hash, b64] = Object.entries(body.digest ?? {})[0] ?? [];
    if (hash !== entry.key.algorithm.hash) throw new HttpError(400, `The requested digest type ${hash} does not match the key algorithm.`);
    const digest = Buffer.from(b64 ?? '', 'base64');
    if (body.digestCrc32c !== undefined && String(crc32c(digest)) !== String(body.digestCrc32c)) {
      throw new HttpError(400, 'The checksum in field digest_crc32c did not match the data in field digest.');
    }
    const signature = await opensslSign(entry.file, entry.key, digest);
    const response: Record<string, unknown> = {
      signature: signature.toString('base64'),
      signatureCrc32c: String(crc32c(signature)),
      verifiedDigestCrc32c: body.digestCrc32c !== undefined,
      name: keyVersion,
      protectionLevel: 'SOFTWARE',
    };
    return fake.tamperKms ? fake.tamperKms(response) : response;
  };

  let inFlight = 0;
  const server = createServer((req, res) => {
    inFlight++;
    fake.maxInFlight = Math.max(fake.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) googleError(res, err.status, STATUS_NAMES[err.status] ?? 'UNKNOWN', err.message);
      else googleError(res, 500, 'INTERNAL', String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (fake as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Signs a precomputed digest, as KMS does. */
function opensslSign(keyFile: string, key: TestKey, digest: Buffer): Promise<Buffer> {
  const args = ['pkeyutl', '-sign', '-inkey', keyFile, '-pkeyopt', `digest:${key.algorithm.hash}`];
  if (key.algorithm.key.type === 'rsa' && key.algorithm.key.padding === 'pss') {
    args.push('-pkeyopt', 'rsa_padding_mode:pss', '-pkeyopt', 'rsa_pss_saltlen:digest');
  }
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', args, { encoding: 'buffer' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`openssl ${args.join(' ')}: ${stderr.toString()}`));
      else resolve(stdout);
    });
    child.stdin?.end(digest);
  });
}

/**
 * The filters Container Analysis documents for listing an image's occurrences: terms joined by
 * AND, each `kind="K"` or `resourceUrl="U"` (optionally parenthesised). Anything else, such as the
 * undocumented has_suffix(), is rejected, so sending it shows up as a failing test.
 */
function occurrenceFilter(filter: string): ((o: Occurrence) => boolean) | undefined {
  const tests: Array<(o: Occurrence) => boolean> = [];
  for (const term of filter.split(/\s+AND\s+/)) {
    const m = /^\(?\s*(kind|resourceUrl)\s*=\s*"([^"]+)"\s*\)?$/.exec(term);
    if (!m) return undefined;
    const [, field, value] = m;
    tests.push(field === 'kind' ? (o) => o.kind === value : (o) => o.resourceUri === value);
  }
  return (o) => tests.every((t) => t(o));
}
