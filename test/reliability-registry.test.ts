/**
 * Hostile registries (node:http fakes from harness/hostile-registry.ts): ones that never answer,
 * drip, send too much, lie about digests, or rate-limit uploads. Each case asserts what the user
 * sees: the error names the registry, the operation and the limit, and the run ends. Time limits
 * are set small through options and flags, and asserted only by generous ceilings.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parseReference } from '../src/reference/reference.js';
import { RegistryClient } from '../src/registry/index.js';
import { mappingJsonFromLayer } from '../src/mappings/image.js';
import { gcpJson } from '../src/gcp/rest.js';
import { sha256, startHostileRegistry, type Fault, type HostileRegistry } from './harness/hostile-registry.js';
import { podYaml } from './harness/manifests.js';
import { run, runReimage } from './harness/run-reimage.js';

const fastRetry = { attempts: 5, baseDelayMs: 10, maxDelayMs: 2_000 };
const quick = { connectMs: 2_000, responseMs: 300, idleMs: 300 };
const client = () => new RegistryClient({ retry: fastRetry, timeouts: quick });

const registries: HostileRegistry[] = [];
async function hostile(fault: Fault): Promise<HostileRegistry> {
  const reg = await startHostileRegistry(fault);
  registries.push(reg);
  return reg;
}
after(async () => {
  await Promise.all(registries.map((r) => r.stop()));
});

/** Answers nothing, ever (the connection stays open). */
const never: Fault = () => true;

/** Rejects a promise-returning call and gives its message. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail('expected a failure');
}

describe('hangs', () => {
  it('a registry that never answers fails the request after its tries, naming registry, operation and timeout', async () => {
    const reg = await hostile(never);
    const c = client();
    const message = await failure(c.resolve(parseReference(`${reg.host}/app:v1`)));
    assert.match(message, new RegExp(`resolve v1 in ${reg.host}/app: http://${reg.host} did not answer: response timeout: no answer within 300ms`));
    assert.match(message, /gave up after 5 tries/);
    // Counted by the client: on a loaded machine the server may not have seen the last try yet.
    assert.equal(c.stats.requests.HEAD, 5, 'tried five times');
  });

  it('a TLS port that accepts connections and never answers the handshake fails with the connect timeout', { timeout: 30_000 }, async () => {
    // Plain HTTP gets a 400 that is not a registry's (so the client goes over to HTTPS, as for a
    // TLS-only port); a TLS ClientHello gets nothing, ever.
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.once('data', (first) => {
        if (first[0] === 0x16) return; // a TLS handshake record: never answered
        socket.end('HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: 0\r\n\r\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    after(() => {
      server.close();
      for (const socket of sockets) socket.destroy();
    });
    const host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const c = new RegistryClient({ retry: { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 }, timeouts: quick });
    const message = await failure(c.resolve(parseReference(`${host}/app:v1`)));
    assert.match(message, new RegExp(`resolve v1 in ${host}/app: https://${host} did not answer: connect timeout: no connection within 2s`));
  });

  it('a manifest body that drips fails with an idle timeout, and is retried', async () => {
    const reg = await hostile((req, res) => {
      if (req.method !== 'GET' || !req.url?.includes('/manifests/')) return false;
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      res.write('{');
      return true; // and never another byte
    });
    const message = await failure(client().resolve(parseReference(`${reg.host}/app:v1`), { confirm: true }));
    assert.match(message, new RegExp(`get manifest v1 from ${reg.host}/app: http://${reg.host} stalled while reading the response: idle timeout: no data for 300ms`));
    assert.equal(reg.log.filter((e) => e.method === 'GET').length, 5);
  });

  it('an upload PUT that is never answered fails the copy, and the error names the target', async () => {
    const src = await hostile(() => false);
    const image = src.putImage('app', 'v1');
    const dst = await hostile((req) => req.method === 'PUT' && req.url!.includes('/blobs/uploads/')); // reads nothing, answers nothing
    const c = client();
    const message = await failure(c.copy(parseReference(`${src.host}/app@${image.digest}`), parseReference(`${dst.host}/copy/app:v1`)));
    assert.match(message, new RegExp(`upload blob sha256:[0-9a-f]{64} to ${dst.host}/copy/app: http://${dst.host} did not answer: response timeout`));
    assert.ok((c.stats.requests.PUT ?? 0) >= 2, 'the upload was started over');
  });

  it('once a host has used up its tries on timeouts, the other images fail at once instead of waiting in turn', async () => {
    // The first image is answered (so the host needs no auth), every other request hangs.
    const reg = await hostile((req) => !req.url?.startsWith('/v2/app0/'));
    const images = Array.from({ length: 12 }, (_, i) => `${reg.host}/app${i}:v1`);
    const c = new RegistryClient({ retry: fastRetry, timeouts: quick, concurrency: 2 });
    assert.equal(await c.resolve(parseReference(images[0]!)), undefined);
    const messages = await Promise.all(images.slice(1).map((i) => failure(c.resolve(parseReference(i)))));
    assert.ok(messages.some((m) => m.includes('gave up after 5 tries')));
    assert.ok(messages.some((m) => m.includes(`not tried: http://${reg.host} did not answer earlier requests in this run`)), messages.join('\n'));
    assert.ok(reg.log.length < 12 * 5, `${reg.log.length} requests`);
  });

  it('the CLI fails a run against a never-answering registry with -registry-timeout 1s, printing nothing', async () => {
    const reg = await hostile(never);
    const started = Date.now();
    const r = await runReimage(['-registry-timeout', '1s'], podYaml(`${reg.host}/app:v1`));
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`${reg.host}/app: http://${reg.host} did not answer: response timeout: no answer within 1s \\(-registry-timeout\\) \\(gave up after 5 tries\\)`));
    assert.ok(Date.now() - started < 60_000, `took ${Date.now() - started} ms`);
  });

  it('-timeout ends the whole run, however patient the requests are', async () => {
    const reg = await hostile(never);
    const started = Date.now();
    const r = await runReimage(['-registry-timeout', '10m', '-timeout', '2s'], podYaml(`${reg.host}/app:v1`));
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /the run took longer than -timeout 2s; stopped, and nothing was printed/);
    assert.ok(Date.now() - started < 60_000, `took ${Date.now() - started} ms`);
  });

  it('rejects a -registry-timeout of 0', async () => {
    const r = await runReimage(['-registry-timeout', '0s'], podYaml('nginx:1'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /flag -registry-timeout: must be more than 0/);
  });
});

describe('unbounded reads', () => {
  /** Sends `chunk` forever (until the client goes away). */
  const endless = (res: import('node:http').ServerResponse, status: number, headers: Record<string, string>, chunk: Buffer) => {
    res.writeHead(status, headers);
    const pump = () => {
      while (res.write(chunk));
      res.once('drain', pump);
    };
    res.on('close', () => res.removeAllListeners('drain'));
    pump();
  };

  it('an endless manifest is cut off at the 4 MiB limit', async () => {
    const reg = await hostile((req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      if (req.method === 'HEAD') return void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(), true;
      endless(res, 200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, Buffer.alloc(64 << 10, 0x20));
      return true;
    });
    const message = await failure(client().resolve(parseReference(`${reg.host}/app:v1`)));
    assert.equal(message, `manifest ${reg.host}/app:v1 is larger than the 4 MiB limit`);
  });

  it('a CLI run against an endless manifest fails with the limit, in bounded memory (a child process measures its peak)', async () => {
    const reg = await hostile((req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      endless(res, 200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, Buffer.alloc(1 << 20, 0x20));
      return true;
    });
    // The CLI in a child process; GNU time reports its peak RSS on stderr when it ends.
    const cli = new URL('../bin/reimage', import.meta.url).pathname;
    const r = await run('/usr/bin/time', ['-f', 'peak-rss-kib=%M', process.execPath, cli, '-rename-force-digest'], {}, podYaml(`${reg.host}/app:v1`));
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`manifest ${reg.host}/app:v1 is larger than the 4 MiB limit`));
    const peakKiB = Number(/peak-rss-kib=(\d+)/.exec(r.stderr)?.[1]);
    assert.ok(peakKiB > 0 && peakKiB < 300 * 1024, `peak RSS ${peakKiB} KiB`);
  });

  it('a manifest whose Content-Length is over the limit is refused before it is read', async () => {
    const reg = await hostile((req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': String(5 << 20) });
      res.write('{');
      return true;
    });
    const message = await failure(client().resolve(parseReference(`${reg.host}/app:v1`), { confirm: true }));
    assert.match(message, /is larger than the 4 MiB limit/);
  });

  it('an endless token response is cut off at 1 MiB, and an endless error body is read only in part', async () => {
    let port = 0;
    const reg = await hostile((req, res) => {
      if (req.url?.startsWith('/token')) {
        endless(res, 200, { 'content-type': 'application/json' }, Buffer.from('{"token":"'.padEnd(65536, 'x')));
        return true;
      }
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="s"` }).end();
      return true;
    });
    port = Number(reg.host.split(':')[1]);
    const message = await failure(client().resolve(parseReference(`${reg.host}/app:v1`)));
    assert.match(message, new RegExp(`token response from http://${reg.host} is larger than the 1 MiB limit`));
    const other = await hostile((req, res) => (endless(res, 400, { 'content-type': 'application/json' }, Buffer.alloc(65536, 0x61)), true));
    const errorMessage = await failure(client().resolve(parseReference(`${other.host}/app:v1`), { confirm: true }));
    assert.match(errorMessage, /get manifest v1 from .*: HTTP 400: a{200}$/);
  });

  it('a gzip bomb in a mapping image layer is refused at the 64 MiB limit', () => {
    const bomb = gzipSync(Buffer.alloc(200 << 20), { level: 9 });
    assert.ok(bomb.length < 1 << 20);
    assert.throws(() => mappingJsonFromLayer(bomb, 'reg/maps:v1'), /mapping image reg\/maps:v1: layer decompresses to more than the 64 MiB limit/);
  });

  it('an endless Google Cloud REST response is cut off at 16 MiB', async () => {
    const api = await hostile((req, res) => (endless(res, 200, { 'content-type': 'application/json' }, Buffer.alloc(1 << 20, 0x20)), true));
    const message = await failure(gcpJson({ token: async () => 't' }, `http://${api.host}/v1/projects/p/attestors/a`, { operation: 'get attestor' }));
    assert.match(message, /get attestor: from http:.*: the response is larger than the 16 MiB limit/);
  });
});

describe('digests from the registry', () => {
  const lyingHead = (digest: string): Fault => (req, res, reg) => {
    if (req.method !== 'HEAD' && !(req.method === 'GET' && req.url?.includes('/manifests/v1'))) return false;
    if (!req.url?.includes('/manifests/')) return false;
    const m = reg.manifests.get('app:v1')!;
    res.writeHead(200, { 'content-type': m.mediaType, 'content-length': String(m.bytes.length), 'docker-content-digest': digest });
    res.end(req.method === 'HEAD' ? undefined : m.bytes);
    return true;
  };

  for (const bad of ['sha256:../../../evil', `md5:${'0'.repeat(32)}`, `sha256:${'a'.repeat(64)} #comment`, `sha256:${'A'.repeat(64)}`]) {
    it(`refuses a Docker-Content-Digest of ${JSON.stringify(bad)}`, async () => {
      const reg = await hostile(lyingHead(bad));
      reg.putImage('app', 'v1');
      const message = await failure(client().resolve(parseReference(`${reg.host}/app:v1`)));
      assert.match(message, /the registry reported digest .*, which is not a sha256 or sha512 digest/);
    });
  }

  it('a pin-only run does not take a HEAD digest the registry cannot back with bytes', async () => {
    const liar = `sha256:${'b'.repeat(64)}`;
    const reg = await hostile(lyingHead(liar));
    reg.putImage('app', 'v1');
    const r = await runReimage(['-rename-force-digest'], podYaml(`${reg.host}/app:v1`));
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`digest mismatch for manifest ${reg.host}/app@v1: expected ${liar}`));
  });

  it('a -no-copy run does not take it either: nothing is copied by digest to check it', async () => {
    const liar = `sha256:${'c'.repeat(64)}`;
    const reg = await hostile(lyingHead(liar));
    reg.putImage('app', 'v1');
    const dst = await hostile(() => false);
    const r = await runReimage(['-rename-remote-path', `${dst.host}/mirror`, '-no-copy'], podYaml(`${reg.host}/app:v1`));
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`digest mismatch for manifest ${reg.host}/app@v1: expected ${liar}`));
  });

  it('a pin-only run pins the digest of the bytes, in one request per image', async () => {
    const reg = await hostile(() => false);
    const { digest } = reg.putImage('app', 'v1');
    const r = await runReimage(['-rename-force-digest'], podYaml(`${reg.host}/app:v1`, `${reg.host}/app:v1`));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`image: ${reg.host}/app@${digest}`));
    assert.deepEqual(reg.log.map((e) => `${e.method} ${e.path}`), ['GET /v2/app/manifests/v1']);
  });

  it('refuses a manifest whose descriptors carry digests that are not digests', async () => {
    const reg = await hostile(() => false);
    const { digest } = reg.putImage('app', 'v1');
    const m = reg.manifests.get('app:v1')!;
    const evil = Buffer.from(m.bytes.toString().replace(/"digest":"sha256:[0-9a-f]+"/, '"digest":"sha256:../../x"'));
    reg.manifests.set(`app@${sha256(evil)}`, { bytes: evil, mediaType: m.mediaType });
    const dst = await hostile(() => false);
    const message = await failure(client().copy(parseReference(`${reg.host}/app@${sha256(evil)}`), parseReference(`${dst.host}/app:v1`)));
    assert.match(message, /has a descriptor with digest "sha256:..\/..\/x", which is not a sha256 or sha512 digest/);
    assert.ok(digest);
  });
});

describe('Retry-After on streamed uploads', () => {
  it('waits as long as Retry-After says before starting an upload over, and keeps the retry policy\'s tries', async () => {
    const src = await hostile(() => false);
    const image = src.putImage('app', 'v1');
    let limited = 0;
    const dst = await hostile((req, res) => {
      // A 429 storm: the first four streamed uploads are refused.
      if (req.method !== 'PUT' || !req.url!.includes(encodeURIComponent(image.layer)) || limited >= 4) return false;
      limited++;
      req.resume();
      res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' }).end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
      return true;
    });
    const c = new RegistryClient({ retry: fastRetry, timeouts: quick, concurrency: 1 });
    const result = await c.copy(parseReference(`${src.host}/app@${image.digest}`), parseReference(`${dst.host}/copy/app:v1`));
    assert.equal(result.digest, image.digest);
    const puts = dst.log.filter((e) => e.method === 'PUT' && e.path.includes(`digest=${encodeURIComponent(image.layer)}`));
    assert.ok(puts.length >= 5, `${puts.length} upload PUTs`);
    assert.ok(puts[1]!.at - puts[0]!.at >= 950, `retried after ${puts[1]!.at - puts[0]!.at} ms, before Retry-After`);
  });
});

describe('messages', () => {
  it('a null manifest says so', async () => {
    const reg = await hostile((req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': sha256(Buffer.from('null')) }).end(req.method === 'HEAD' ? undefined : 'null');
      return true;
    });
    const dst = await hostile(() => false);
    const message = await failure(client().copy(parseReference(`${reg.host}/app@${sha256(Buffer.from('null'))}`), parseReference(`${dst.host}/app:v1`)));
    assert.match(message, /manifest of .*app@sha256:[0-9a-f]{64} is not a JSON object/);
  });

  it('a schema 1 manifest is called one', async () => {
    const body = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'app', tag: 'v1', fsLayers: [{ blobSum: `sha256:${'c'.repeat(64)}` }] }));
    const reg = await hostile((req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'docker-content-digest': sha256(body) }).end(req.method === 'HEAD' ? undefined : body);
      return true;
    });
    const dst = await hostile(() => false);
    const message = await failure(client().copy(parseReference(`${reg.host}/app@${sha256(body)}`), parseReference(`${dst.host}/app:v1`)));
    assert.match(message, /is a Docker schema 1 manifest, which is deprecated/);
  });

  it('a digest algorithm we cannot hash is named, not "Digest method not supported"', async () => {
    const reg = await hostile((req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      // No digest on the HEAD, so the GET's is the one to check the bytes against.
      const digest = req.method === 'HEAD' ? {} : { 'docker-content-digest': `sha3:${'0'.repeat(64)}` };
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', ...digest }).end(req.method === 'HEAD' ? undefined : '{}');
      return true;
    });
    const message = await failure(client().resolve(parseReference(`${reg.host}/app:v1`)));
    assert.match(message, /get manifest v1 from .*: the registry reported digest "sha3:0+", which is not a sha256 or sha512 digest/);
  });

  it('a source blob longer than its descriptor says is refused as the source\'s fault, and not retried', async () => {
    const src = await hostile((req, res, reg) => {
      if (req.method !== 'GET' || !req.url?.includes('/blobs/sha256:')) return false;
      const blob = reg.blobs.get(req.url.split('/blobs/')[1]!)!;
      if (blob.length < 4096) return false;
      res.writeHead(200, { 'content-length': String(blob.length * 2) }).end(Buffer.concat([blob, blob]));
      return true;
    });
    const image = src.putImage('app', 'v1');
    const dst = await hostile(() => false);
    const message = await failure(client().copy(parseReference(`${src.host}/app@${image.digest}`), parseReference(`${dst.host}/copy/app:v1`)));
    assert.equal(message, `blob ${src.host}/app@${image.layer} is longer than the 4096 bytes its manifest declares`);
    assert.equal(dst.log.filter((e) => e.method === 'POST').length, 2, 'one upload each for the config and the layer: no retry');
  });

  it('a source blob that breaks off mid-copy is blamed on the source, not the target', async () => {
    const src = await hostile((req, res, reg) => {
      if (req.method !== 'GET' || !req.url?.includes('/blobs/sha256:')) return false;
      const blob = reg.blobs.get(req.url.split('/blobs/')[1]!)!;
      if (blob.length < 4096) return false; // the config
      res.writeHead(200, { 'content-length': String(blob.length) });
      res.write(blob.subarray(0, 1000), () => res.socket?.destroy());
      return true;
    });
    const image = src.putImage('app', 'v1');
    const dst = await hostile(() => false);
    const message = await failure(client().copy(parseReference(`${src.host}/app@${image.digest}`), parseReference(`${dst.host}/copy/app:v1`)));
    assert.match(message, new RegExp(`get blob ${image.layer} from ${src.host}/app: connection to http://${src.host} broke while reading the response`));
    assert.doesNotMatch(message, new RegExp(`cannot reach http://${dst.host}`));
  });
});
