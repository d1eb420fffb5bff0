/**
 * Issue 11.3 and 11.5: hostile YAML gets a clear error naming the document, in bounded time and
 * memory (generous ceilings measured in a child process), and legitimate anchors keep working.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runMeasured } from './harness/measured-run.js';
import { runReimage } from './harness/run-reimage.js';

const POD = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: "nginx:1.27"}\n';

/** "Billion laughs": each level lists the previous one `fanout` times. */
function aliasBomb(levels: number, fanout: number): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: bomb}', 'data:', '  l0: &l0 ["lol"]'];
  for (let i = 1; i <= levels; i++) lines.push(`  l${i}: &l${i} [${Array(fanout).fill(`*l${i - 1}`).join(',')}]`);
  return `${POD}---\n${lines.join('\n')}\n`;
}

test('an alias bomb fails in < 2 s of CPU and < 200 MB with an error naming the document', async () => {
  const bomb = aliasBomb(9, 9);
  assert.ok(bomb.length < 700);
  const result = await runMeasured(['-list-images'], bomb);
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /document 1 is refused: its aliases expand \d+ nodes to \d+ .*alias bomb/);
  assert.ok(result.cpuSeconds < 2, `${result.cpuSeconds} s of CPU (${result.seconds} s wall)`);
  assert.ok(result.peakMiB < 200, `${result.peakMiB} MiB`);
});

test('the cost of aliases stays linear: a bomb twice as deep costs no more', async () => {
  const result = await runMeasured(['-list-images'], aliasBomb(18, 9));
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /alias bomb/);
  assert.ok(result.cpuSeconds < 2 && result.peakMiB < 200, `${result.cpuSeconds} s of CPU, ${result.peakMiB} MiB`);
});

test('an alias inside the node it refers to is refused, naming the document and the alias', async () => {
  const result = await runReimage(['-list-images'], `${POD}---\napiVersion: v1\nkind: List\nitems: &loop [*loop]\n`);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /document 1 is refused: the alias \*loop is inside the node it refers to/);
});

test('legitimate Helm-style anchors keep working, images through aliases included', async () => {
  const yaml = [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: web}', 'spec:', '  template:', '    spec:',
    '      containers:', '      - &main', '        name: web', '        image: &img nginx:1.27', '        resources: &res {limits: {cpu: "1"}}',
    '      - name: sidecar', '        image: *img', '        resources: *res', '      initContainers:', '      - *main', '',
  ].join('\n');
  const result = await runReimage(['-list-images', '-output', 'json'], yaml);
  assert.equal(result.code, 0, result.stderr);
  const rows = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { image: string; path: string });
  assert.ok(rows.length >= 1 && rows.every((r) => r.image === 'nginx:1.27'), result.stdout);
});

test('many small aliases in a large document are not mistaken for a bomb', async () => {
  const docs = Array.from({ length: 2000 }, (_, i) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\n  labels: &l {app: a${i}, tier: web}\n  annotations: *l\ndata: {a: "1"}\n`);
  const result = await runReimage(['-list-images'], docs.join('---\n'));
  assert.equal(result.code, 0, result.stderr);
});

for (const [name, doc] of [
  ['flow', `apiVersion: v1\nkind: Pod\nmetadata: {name: d}\nspec: ${'['.repeat(3000)}${']'.repeat(3000)}\n`],
  ['block', `apiVersion: v1\nkind: List\nmetadata: {name: &n d}\nitems:\n${'- '.repeat(3000)}x\n`],
] as const) {
  test(`a document nested 3000 levels deep (${name} style) fails with an error naming the document, not a stack overflow`, async () => {
    const result = await runReimage(['-list-images'], `${POD}---\n${doc}`);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /document 1 nests collections deeper than 500 levels \(at line \d+, column \d+\)/);
    assert.doesNotMatch(result.stderr, /call stack/);
  });
}

test('-list-images with 200,000 occurrences in one document prints them all (no spread-argument overflow)', async () => {
  const input = `apiVersion: v1\nkind: Pod\nmetadata: {name: many}\nspec:\n  containers:\n${'  - name: c\n    image: nginx:1.27\n'.repeat(200_000)}`;
  const result = await runReimage(['-list-images'], input);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim().split('\n').length, 200_001);
  assert.match(result.stdout, /\$\.spec\.containers\[199999\]\.image +nginx:1\.27\n$/);
});
