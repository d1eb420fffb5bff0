/**
 * -vulncheck-method grafeas against a node:http fake of the Container Analysis v1 REST API that
 * answers with the published occurrence shapes: polling until FINISHED_SUCCESS, unsupported,
 * failed, pagination, retries and timeout.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkImages, type ImageVerdict } from '../src/vulncheck/index.js';
import { needsShared, sharedFixture } from './harness/shared-fixtures.js';
import { tempDir } from './harness/temp-dir.js';
import { configFromArgs, readJson } from './vulncheck/harness.js';

const IMAGE = 'europe-docker.pkg.dev/fixture-project/apps/web@sha256:abababababababababababababababababababababababababababababababab';
const DISCOVERY_FILTER = `kind="DISCOVERY" AND resourceUrl="https://${IMAGE}"`;
const VULN_FILTER = `kind="VULNERABILITY" AND resourceUrl="https://${IMAGE}"`;

interface Seen { path: string; filter: string; pageToken: string | null; authorization: string | undefined }
type Reply = { status?: number; body: unknown };
type Handler = (filter: string, pageToken: string | null, count: number) => Reply;

let server: Server;
let endpoint: string;
let handler: Handler;
let seen: Seen[] = [];
const tokenFile = join(await tempDir(), 'token');

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const filter = url.searchParams.get('filter') ?? '';
    seen.push({ path: url.pathname, filter, pageToken: url.searchParams.get('pageToken'), authorization: req.headers.authorization });
    const reply = handler(filter, url.searchParams.get('pageToken'), seen.filter((s) => s.filter === filter).length);
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await writeFile(tokenFile, 'fake-access-token\n');
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function check(h: Handler, extra: string[] = []): Promise<ImageVerdict> {
  handler = h;
  seen = [];
  const config = configFromArgs([
    '-vulncheck-method', 'grafeas', '-vulncheck-max-cvss', '7', '-grafeas-parent', 'projects/fixture-project',
    '-grafeas-endpoint', endpoint, '-gcp-access-token-file', tokenFile, ...extra,
  ]);
  config.grafeas.pollInitialDelayMs = 5;
  const verdict = await checkImages([IMAGE], config);
  assert.equal(verdict.images.length, 1);
  return verdict.images[0]!;
}

const discovery = (analysisStatus: string, extra: object = {}) => ({
  body: { occurrences: [{ kind: 'DISCOVERY', discovery: { analysisStatus, ...extra } }] },
});
const polls = () => seen.filter((s) => s.filter === DISCOVERY_FILTER).length;

describe('Grafeas vulnerability method', () => {
  it('polls DISCOVERY until FINISHED_SUCCESS, then reads the VULNERABILITY occurrences', async () => {
    const finished = await readJson('grafeas/discovery-active.json');
    const vulns = await readJson('grafeas/vulnerability-occurrences.json');
    const result = await check((filter, _token, n) => {
      if (filter === VULN_FILTER) return { body: vulns };
      return [{ body: {} }, discovery('PENDING'), discovery('SCANNING')][n - 1] ?? { body: finished };
    });
    assert.equal(polls(), 4);
    assert.deepEqual(seen.map((s) => s.filter), [DISCOVERY_FILTER, DISCOVERY_FILTER, DISCOVERY_FILTER, DISCOVERY_FILTER, VULN_FILTER]);
    assert.ok(seen.every((s) => s.path === '/v1/projects/fixture-project/occurrences' && s.authorization === 'Bearer fake-access-token'));
    assert.equal(result.error, undefined);
    assert.deepEqual(result.rejected, [{
      id: 'CVE-2022-29458', score: 7.1,
      description: 'A terminal description file can make the library read out of bounds (reimage test fixture).',
      packages: [{ name: 'ncurses', version: '6.2+20201114-2', fixedVersion: '6.2+20201114-2+deb11u1' }], above: ['score'],
    }]);
  });

  it('reads a published Artifact Registry response (../shared/fixtures/grafeas, from influxdata/sedg)', { skip: needsShared('grafeas') }, async () => {
    const published = (name: string) => JSON.parse(readFileSync(sharedFixture(`grafeas/${name}`), 'utf8')) as unknown;
    const vulns = published('occurrences-vulnerability.sedg-gar.json');
    const finished = published('occurrences-discovery.sedg-active.json');
    const result = await check((filter) => ({ body: filter === VULN_FILTER ? vulns : finished }));
    assert.deepEqual(result.rejected.map((v) => [v.id, v.score, v.packages]), [
      ['CVE-2022-29458', 7.1, [{ name: 'ncurses', version: '6.2+20201114-2', fixedVersion: '6.2+20201114-2+deb11u1' }]],
    ]);
    for (const name of ['occurrences-discovery.sedg-inactive.json', 'occurrences-discovery.sedg-unsupported.json']) {
      const discovery = published(name);
      const done = await check((filter) => ({ body: filter === VULN_FILTER ? {} : discovery }));
      assert.equal(done.error, undefined, name);
    }
  });

  it('FINISHED_SUCCESS with continuous analysis INACTIVE counts as finished too', async () => {
    const inactive = await readJson('grafeas/discovery-inactive.json');
    const result = await check((filter) => (filter === VULN_FILTER ? { body: {} } : { body: inactive }));
    assert.equal(result.error, undefined);
    assert.deepEqual(result.found, []);
  });

  it('FINISHED_UNSUPPORTED passes with no vulnerabilities and no VULNERABILITY query', async () => {
    const unsupported = await readJson('grafeas/discovery-unsupported.json');
    const result = await check(() => ({ body: unsupported }));
    assert.deepEqual(result, { image: IMAGE, found: [], ignored: [], rejected: [] });
    assert.deepEqual(seen.map((s) => s.filter), [DISCOVERY_FILTER]);
  });

  it('FINISHED_FAILED fails the image at once', async () => {
    const result = await check(() => discovery('FINISHED_FAILED', { analysisStatusError: { message: 'layer too large' } }));
    assert.equal(result.error?.message, 'Grafeas scan failed (analysisStatus FINISHED_FAILED: layer too large)');
    assert.equal(polls(), 1);
  });

  it('follows nextPageToken; the ID falls back to the note name', async () => {
    const gar = (await readJson('grafeas/vulnerability-occurrences.json')) as { occurrences: object[] };
    const second = { kind: 'VULNERABILITY', noteName: 'projects/goog-vulnz/notes/CVE-2023-0001', vulnerability: { cvssScore: 9.1 } };
    const result = await check((filter, token) => {
      if (filter !== VULN_FILTER) return discovery('FINISHED_SUCCESS');
      return token === 'page-2' ? { body: { occurrences: [second] } } : { body: { ...gar, nextPageToken: 'page-2' } };
    });
    assert.deepEqual(seen.filter((s) => s.filter === VULN_FILTER).map((s) => s.pageToken), [null, 'page-2']);
    assert.deepEqual(result.rejected.map((v) => [v.id, v.score]), [['CVE-2023-0001', 9.1], ['CVE-2022-29458', 7.1]]);
  });

  it('gives up after -vulncheck-max-retries polls', async () => {
    const result = await check(() => discovery('PENDING'), ['-vulncheck-max-retries', '2']);
    assert.equal(result.error?.message, 'Grafeas scan not finished after 3 attempts (analysisStatus PENDING)');
    assert.equal(polls(), 3);
  });

  it('the per-image timeout bounds the polling', async () => {
    const result = await check(() => discovery('SCANNING'), ['-vulncheck-timeout', '2s', '-vulncheck-max-retries', '100000']);
    assert.equal(result.error?.message, 'timed out after 2s waiting for the Grafeas scan (analysisStatus SCANNING)');
  });

  it('an API error is an error for the image, with Google\'s message', async () => {
    const result = await check(() => ({ status: 403, body: { error: { code: 403, message: 'no access', status: 'PERMISSION_DENIED' } } }));
    assert.match(result.error?.message ?? '', /HTTP 403 .*PERMISSION_DENIED no access/);
  });
});
