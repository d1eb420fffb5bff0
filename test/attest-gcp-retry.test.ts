/**
 * Retries of Google API calls (src/gcp/rest.ts, shared by attestations and the Container Analysis
 * vulnerability check) against a small fault server: what is retried, what is not, Retry-After,
 * giving up, and aborting while waiting.
 */
import assert from 'node:assert/strict';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { GcpApiError, gcpJson } from '../src/gcp/rest.js';
import { FAST_RETRY, rejection } from './attest/setup.js';

/** What the server does with each request, in order; once they are used up it answers 200. */
type Step = { status: number; retryAfter?: string } | 'drop';

let steps: Step[] = [];
let seen: Array<{ method: string; authorization: string; body: string }> = [];
/** Responses fully sent. */
let answered = 0;
let url = '';
const tokens = { token: async () => `token-${seen.length}` };

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    seen.push({ method: req.method ?? '', authorization: req.headers.authorization ?? '', body });
    const step = steps.shift();
    if (step === 'drop') {
      req.socket.destroy();
      return;
    }
    const status = step?.status ?? 200;
    res.writeHead(status, { 'content-type': 'application/json', ...(step?.retryAfter !== undefined && { 'retry-after': step.retryAfter }) });
    res.on('finish', () => answered++);
    res.end(JSON.stringify(status === 200 ? { ok: seen.length } : { error: { code: status, message: `failure ${seen.length}`, status: 'X' } }));
  });
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/thing`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  steps = [];
  seen = [];
  answered = 0;
});

const get = () => gcpJson<{ ok: number }>(tokens, url, { operation: 'get thing', retry: FAST_RETRY });
const create = (idempotent?: boolean) =>
  gcpJson<{ ok: number }>(tokens, url, { operation: 'create thing', method: 'POST', body: { a: 1 }, retry: FAST_RETRY, ...(idempotent !== undefined && { idempotent }) });

async function failure(promise: Promise<unknown>): Promise<GcpApiError> {
  const err = await rejection(promise);
  assert.ok(err instanceof GcpApiError, `expected a GcpApiError, got ${String(err)}`);
  return err;
}

describe('reads (GET) are retried', () => {
  for (const status of [429, 500, 502, 503, 504]) {
    test(`after HTTP ${status}, with a fresh token each time`, async () => {
      steps = [{ status }, { status }];
      assert.deepEqual(await get(), { ok: 3 });
      assert.deepEqual(seen.map((s) => s.authorization), ['Bearer token-0', 'Bearer token-1', 'Bearer token-2']);
    });
  }

  test('after a dropped connection', async () => {
    steps = ['drop'];
    assert.deepEqual(await get(), { ok: 2 });
  });

  test('a Retry-After of 0 is honoured', async () => {
    steps = [{ status: 429, retryAfter: '0' }];
    assert.deepEqual(await get(), { ok: 2 });
  });

  test('up to the policy\'s number of tries, then the last error is reported with the count', async () => {
    steps = Array.from({ length: 10 }, () => ({ status: 503 }));
    const err = await failure(get());
    assert.equal(err.message, `get thing: HTTP 503 from ${url}: X failure 4 (gave up after 4 tries)`);
    assert.equal(err.status, 503);
    assert.equal(err.attempts, 4);
    assert.equal(seen.length, 4);
  });

  for (const status of [400, 401, 403, 404, 501]) {
    test(`not after HTTP ${status}`, async () => {
      steps = [{ status }];
      const err = await failure(get());
      assert.equal(err.message, `get thing: HTTP ${status} from ${url}: X failure 1`);
      assert.equal(seen.length, 1);
    });
  }
});

describe('creates (POST) are retried only when the request cannot have taken effect', () => {
  test('HTTP 429 is retried, with the same body', async () => {
    steps = [{ status: 429 }];
    assert.deepEqual(await create(), { ok: 2 });
    assert.deepEqual(seen.map((s) => `${s.method} ${s.body}`), ['POST {"a":1}', 'POST {"a":1}']);
  });

  test('HTTP 503 and a dropped connection are not: the create may have happened', async () => {
    steps = [{ status: 503 }];
    let err = await failure(create());
    assert.equal(err.message, `create thing: HTTP 503 from ${url}: X failure 1`);
    assert.equal(seen.length, 1);
    steps = ['drop'];
    err = await failure(create());
    assert.equal(err.status, 0);
    assert.match(err.message, /^create thing: from http:\/\/127\.0\.0\.1:\d+\/v1\/thing: /);
    assert.equal(seen.length, 2);
  });

  test('a POST marked idempotent (a KMS signature) is retried like a read', async () => {
    steps = [{ status: 503 }, 'drop'];
    assert.deepEqual(await create(true), { ok: 3 });
  });
});

test('aborting while waiting to retry stops at once with the abort reason', async () => {
  steps = [{ status: 503, retryAfter: '3600' }];
  const controller = new AbortController();
  const pending = gcpJson(tokens, url, { operation: 'get thing', signal: controller.signal, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 3_600_000 } });
  while (answered === 0) await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 50)); // let the client read the 503 and start waiting
  controller.abort(new Error('deadline reached'));
  await assert.rejects(pending, /deadline reached/);
  assert.equal(seen.length, 1);
});
