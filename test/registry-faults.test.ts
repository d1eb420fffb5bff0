import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseReference } from '../src/reference/reference.js';
import { DigestMismatchError, RegistryClient, RegistryError } from '../src/registry/index.js';
import { retryDelayMs } from '../src/retry.js';
import { buildTestLayout, inspectRaw, pushTestImage, type TestLayout } from './harness/images.js';
import { startProxy, type CountingProxy, type InjectedFault } from './harness/proxy.js';
import { startRegistry, type TestRegistry } from './harness/registries.js';

const fastRetry = { attempts: 4, baseDelayMs: 20, maxDelayMs: 2_000 };

describe('retries against a fault proxy in front of a real registry', () => {
  let reg: TestRegistry;
  let layout: TestLayout;
  let digest: string;
  let proxy: CountingProxy | undefined;
  const src = () => parseReference(`${reg.host}/src/multi@${digest}`);

  before(async () => {
    [reg, layout] = await Promise.all([startRegistry('anonymous'), buildTestLayout()]);
    digest = await pushTestImage(layout, 'oci-index', `${reg.host}/src/multi:v1`);
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
    await layout?.remove();
  });
  const proxied = async (target: TestRegistry, fault: (method: string, path: string) => InjectedFault | undefined) => {
    await proxy?.stop();
    proxy = await startProxy(target.host, { fault: (req) => fault(req.method ?? '', req.url ?? '') });
    return proxy;
  };

  it('waits as long as Retry-After says after a 429, then succeeds', async () => {
    let limited = false;
    const p = await proxied(reg, (method) => {
      if (method !== 'HEAD' || limited) return undefined;
      limited = true;
      return { status: 429, headers: { 'retry-after': '1' }, body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}' };
    });
    const resolved = await new RegistryClient({ retry: fastRetry }).resolve(parseReference(`${p.host}/src/multi:v1`));
    assert.equal(resolved?.digest, digest);
    const heads = p.log.filter((e) => e.method === 'HEAD');
    assert.deepEqual(heads.map((e) => e.status), [429, 200]);
    assert.ok(heads[1]!.at - heads[0]!.at >= 950, `retried after ${heads[1]!.at - heads[0]!.at} ms, before Retry-After`);
  });

  it('honours a Retry-After given as an HTTP date', async () => {
    let limited = false;
    const p = await proxied(reg, (method) => {
      if (method !== 'HEAD' || limited) return undefined;
      limited = true;
      // HTTP dates have whole seconds: this one is 1.5 to 2.5 s away.
      return { status: 429, headers: { 'retry-after': new Date(Date.now() + 2500).toUTCString() } };
    });
    const resolved = await new RegistryClient({ retry: { ...fastRetry, maxDelayMs: 10_000 } }).resolve(parseReference(`${p.host}/src/multi:v1`));
    assert.equal(resolved?.digest, digest);
    const heads = p.log.filter((e) => e.method === 'HEAD');
    assert.deepEqual(heads.map((e) => e.status), [429, 200]);
    // The backoff alone would have waited at most 20 ms.
    assert.ok(heads[1]!.at - heads[0]!.at >= 1000, `retried after ${heads[1]!.at - heads[0]!.at} ms, before Retry-After`);
  });

  it('copies through a registry that fails every request once with 503, streamed uploads included', async () => {
    const seen = new Set<string>();
    // Target through the proxy, source direct: different hosts, so the blobs stream.
    const p = await proxied(reg, (method, path) => {
      const key = `${method} ${path.replace(/\/uploads\/[^?]+/, '/uploads/<id>').replace(/_state=[^&]+/, '')}`;
      if (seen.has(key)) return undefined;
      seen.add(key);
      return { status: 503, body: 'flaky' };
    });
    const result = await new RegistryClient({ retry: fastRetry }).copy(src(), parseReference(`${p.host}/flaky/multi:v1`));
    assert.equal(result.digest, digest);
    assert.equal(result.blobsCopied, 4);
    assert.ok(p.log.some((e) => e.injected && e.method === 'PUT' && e.path.includes('/blobs/uploads/')), 'a streamed blob upload got a 503');
    assert.ok(p.log.some((e) => e.injected && e.method === 'PUT' && e.path.includes('/manifests/')), 'a manifest PUT got a 503');
    assert.equal(await inspectRaw(`${reg.host}/flaky/multi:v1`), await inspectRaw(`${reg.host}/src/multi@${digest}`));
  });

  it('gives up after the configured tries with an error naming the operation, status and the registry\'s errors', async () => {
    const unavailable = { status: 503, body: '{"errors":[{"code":"UNAVAILABLE","message":"down for maintenance"}]}' };
    const p = await proxied(reg, (method, path) => (method === 'HEAD' || (method === 'GET' && path.includes('/manifests/')) ? unavailable : undefined));
    const err = await new RegistryClient({ retry: fastRetry }).resolve(parseReference(`${p.host}/src/multi:v1`)).catch((e: unknown) => e);
    assert.ok(err instanceof RegistryError);
    // A HEAD answer has no body, so only the status is known.
    assert.equal(err.message, `resolve v1 in ${p.host}/src/multi: HTTP 503`);
    assert.equal(p.requests.HEAD, fastRetry.attempts);

    const copy = await new RegistryClient({ retry: fastRetry }).copy(parseReference(`${p.host}/src/multi@${digest}`), parseReference(`${reg.host}/unavailable/multi:v1`)).catch((e: unknown) => e);
    assert.ok(copy instanceof RegistryError);
    assert.equal(copy.message, `get manifest ${digest} from ${p.host}/src/multi: HTTP 503: UNAVAILABLE: down for maintenance`);
  });

  it('verifies blob digests while streaming and never commits a corrupt blob', async () => {
    const p = await proxied(reg, (method, path) => (method === 'GET' && path.includes('/blobs/sha256:') ? { status: 200, body: 'not the blob you asked for' } : undefined));
    // Source through the proxy, target direct: different hosts, so the blobs stream rather than mount.
    const client = new RegistryClient({ retry: fastRetry });
    const err = await client.copy(parseReference(`${p.host}/src/multi@${digest}`), parseReference(`${reg.host}/corrupt/multi:v1`)).catch((e: unknown) => e);
    assert.ok(err instanceof DigestMismatchError, String(err));
    assert.match(err.message, new RegExp(`^digest mismatch for blob ${p.host}/src/multi@sha256:[0-9a-f]{64}: expected sha256:[0-9a-f]{64}, got sha256:`));
    assert.equal(client.stats.bytesMoved, 0);
    assert.equal(await new RegistryClient().resolve(parseReference(`${reg.host}/corrupt/multi:v1`)), undefined);
  });
});

describe('retry delays', () => {
  const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };

  it('back off exponentially with jitter: between half and all of base·2^(try-1), capped', () => {
    for (const [attempt, ceiling] of [[1, 100], [2, 200], [3, 400], [4, 800], [5, 1_000], [9, 1_000]] as const) {
      const delays = Array.from({ length: 200 }, () => retryDelayMs(attempt, null, policy));
      assert.ok(delays.every((d) => d >= ceiling / 2 && d <= ceiling), `attempt ${attempt}: ${Math.min(...delays)}..${Math.max(...delays)}`);
      assert.ok(new Set(delays).size > 1, `attempt ${attempt}: no jitter`);
    }
  });

  it('follow Retry-After in seconds or as an HTTP date, capped, and ignore a malformed one', () => {
    assert.equal(retryDelayMs(1, '0', policy), 0);
    assert.equal(retryDelayMs(1, ' 1 ', policy), 1_000);
    assert.equal(retryDelayMs(1, '120', policy), 1_000);
    assert.equal(retryDelayMs(1, new Date(Date.now() - 60_000).toUTCString(), policy), 0);
    const date = retryDelayMs(1, new Date(Date.now() + 60_000).toUTCString(), { ...policy, maxDelayMs: 120_000 });
    assert.ok(date > 58_000 && date <= 60_000, String(date));
    const malformed = retryDelayMs(1, 'soon', policy);
    assert.ok(malformed >= 50 && malformed <= 100, String(malformed));
  });
});
