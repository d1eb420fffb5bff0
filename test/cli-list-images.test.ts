import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runReimage } from './harness/run-reimage.js';

const chart = readFileSync(new URL('../examples/chart-output.yaml', import.meta.url), 'utf8');

test('without -list-images the stream is printed unchanged, byte for byte', async () => {
  // -ignore . leaves every image alone, so no registry is asked (test/e2e-*.test.ts covers rewrites).
  for (const text of [chart, chart.replaceAll('\n', '\r\n'), '', '---\n---\n']) {
    const r = await runReimage(['-ignore', '.'], text);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, text);
  }
});

test('-list-images prints a table', async () => {
  const r = await runReimage(['-list-images'], chart);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^DOC +KIND +NAMESPACE +NAME +PATH +IMAGE$/);
  assert.equal(lines.length, 10);
  assert.match(lines[1]!, /^3 +Deployment +shop +shop-web +\$\.spec\.template\.spec\.initContainers\[0\]\.image +ghcr\.io\/example\/shop-migrations:2\.4\.1$/);
  assert.match(lines[9]!, /^8 +Prometheus +shop +shop +\$\.spec\.image +quay\.io\/prometheus\/prometheus:v2\.53\.0$/);
});

test('-list-images -output json prints one object per line', async () => {
  const r = await runReimage(['--list-images', '--output=json', '-ignore', '^ghcr\\.io/'], chart);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(rows[0], {
    doc: 3,
    kind: 'Deployment',
    namespace: 'shop',
    name: 'shop-web',
    path: '$.spec.template.spec.containers[1].image',
    image: 'nginx:1.27-alpine',
    normalized: 'docker.io/library/nginx:1.27-alpine',
  });
  assert.deepEqual(rows.map((row) => row.image), [
    'nginx:1.27-alpine',
    'docker.io/bitnami/redis:7.2.5-debian-12-r2',
    'docker.io/bitnami/redis-exporter:1.62.0',
    'quay.io/example/node-agent@sha256:4e07f3bd88fb4a468d5551c21eb05f625b0efe9ed8a7c3d8d3a3d8ab8a4c3a1e',
    'busybox',
    'quay.io/prometheus/prometheus:v2.53.0',
  ]);
  assert.equal(rows[4]!.normalized, 'docker.io/library/busybox:latest');
});

test('-rules-config and -input yaml', async () => {
  const dir = new URL('./fixtures/manifests/', import.meta.url);
  const r = await runReimage(['-input=yaml', '-rules-config', new URL('raw-rules.yaml', dir).pathname, '-list-images', '-output', 'json'],
    'images:\n  web: nginx:1\n  db: postgres:16\n');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { path: string }).path), ['$.images.web', '$.images.db']);
});

test('-h, -help and -V exit 0', async () => {
  for (const flag of ['-h', '-help', '--help']) {
    const r = await runReimage([flag]);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /Usage of reimage:[\s\S]*-list-images/);
    assert.equal(r.stdout, '');
  }
  const v = await runReimage(['-V']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^reimage \d+\.\d+\.\d+/);
});

test('-debug logs to stderr only', async () => {
  const r = await runReimage(['-debug', '-ignore', '.'], chart);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, chart);
  assert.match(r.stderr, /debug: read 9 documents/);
});
