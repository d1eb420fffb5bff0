/** The fast path: what the scanner builds, what it still checks, and what it leaves unloaded. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { manifestStream } from '../bench/manifest-stream.js';
import { parse } from 'yaml';
import { InvalidYamlError, parseManifestStream } from '../src/manifests/index.js';
import { resolveCorePlain } from '../src/manifests/plain-scalar.js';
import { fastScan } from '../src/manifests/fast-scan.js';
import { SEARCHED_KEYS } from '../src/manifests/objects.js';
import { splitDocuments } from '../src/manifests/split.js';
import { child, NeedsFullParse, stringAt } from '../src/manifests/tree.js';
import { imagesIn } from './harness/manifests.js';

test('the fast scanner and the full parser find the same images in a large Helm-style stream', () => {
  const text = manifestStream(120);
  const fast = imagesIn(text);
  // 120 documents cycle through 6 kinds; the 4 workload kinds have 2 images each.
  assert.equal(fast.length, 160);
  assert.deepEqual(imagesIn(text, undefined, 'k8s', false), fast);
});

test('the fast tree holds only the keys the search reads; any other key sends the search to the full parser', () => {
  const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    a: b\ndata:\n  k: v\n';
  const split = splitDocuments(text);
  const tree = fastScan(split, split.chunks[0]!, SEARCHED_KEYS)?.tree;
  assert.equal(stringAt(tree, 'kind'), 'ConfigMap');
  assert.equal(stringAt(tree, 'metadata', 'name'), 'c');
  assert.equal(stringAt(tree, 'metadata', 'namespace'), undefined);
  assert.throws(() => child(tree, 'data'), NeedsFullParse);
  assert.throws(() => stringAt(tree, 'metadata', 'labels', 'a'), NeedsFullParse);
  const doc = parseManifestStream(text).documents[0]!;
  assert.equal(doc.isComposed, false);
  assert.deepEqual(doc.objects.map((o) => [o.kind, o.apiVersion, o.namespace, o.name]), [['ConfigMap', 'v1', '', 'c']]);
  assert.equal(stringAt(doc.full().tree, 'metadata', 'labels', 'a'), 'b');
});

test('a document the scanner is unsure of (a lone CR, a tab) goes to the full parser; the documents around it do not', () => {
  const pod = (name: string) => `kind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n    - image: ${name}:1\n`;
  const text = [pod('a'), `kind: Pod # a lone CR\rin a comment\nmetadata:\n  name: b\nspec:\n  containers:\n    - image: b:1\n`, `${pod('c')}\t# a tab before a comment is fine\n`].join('---\n');
  assert.deepEqual(parseManifestStream(text).documents.map((d) => d.isComposed), [false, true, false]);
  const images = imagesIn(text);
  assert.deepEqual(images.map((line) => line.split(' ').at(-1)), ['a:1', 'b:1', 'c:1']);
  assert.deepEqual(imagesIn(text, undefined, 'k8s', false), images);
});

test('an object whose searched part the fast scanner skipped is read by the full parser', () => {
  const text = 'kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: "nginx:1.27"}]\n';
  const doc = parseManifestStream(text).documents[0]!;
  assert.equal(doc.isComposed, true);
  assert.deepEqual(imagesIn(text), ['0 Pod /p $.spec.containers[0].image nginx:1.27']);
});

test('parts the search does not read are still checked: invalid YAML there is reported with its position', () => {
  for (const [text, line] of [
    ['apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  labels:\n    a: b: c\n', 6],
    ['kind: Service\nspec:\n  ports:\n    - port: 80\n     name: http\n', 5],
    ['kind: ConfigMap\ndata:\n  a: "unterminated\n', 4],
  ] as const) {
    assert.throws(
      () => parseManifestStream(text),
      (err) => err instanceof InvalidYamlError && err.message.includes(`document 0 at line ${line},`),
      text,
    );
  }
});

test('plain scalars resolve as the full parser resolves them', () => {
  const plains = [
    '', '~', 'null', 'Null', 'NULL', 'nil', 'true', 'True', 'TRUE', 'false', 'no', 'yes', 'on', 'tRUE',
    '0', '-1', '+7', '0755', '0o17', '0x1F', '1.5', '-.5', '1e3', '.inf', '-.Inf', '.NaN', '.nan.x',
    '1.2.3', 'v1', 'apps/v1', 'Deployment', 'nginx:1.27', 'team-3', '~x', 'null-ish', '12abc',
  ];
  for (const text of plains) assert.deepEqual(resolveCorePlain(text), parse(`v: ${text}`).v, JSON.stringify(text));
});

/** Which of the lazily loaded dependencies a search of `text` loads, in a fresh process. */
function dependenciesLoaded(text: string): string {
  const script = `
    import { createRequire } from 'node:module';
    import { findImages, parseImageRules, parseManifestStream } from './src/manifests/index.ts';
    findImages(parseManifestStream(process.env.STREAM), parseImageRules(undefined, 'rules', 'k8s'));
    const loaded = Object.keys(createRequire(import.meta.url).cache).map((file) => /node_modules\\/([^/]+)\\//.exec(file)?.[1]);
    console.log([...new Set(loaded.filter((name) => name === 'yaml' || name === 'jsonpath-rfc9535'))].sort().join(' '));
  `;
  const root = new URL('..', import.meta.url);
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root, env: { ...process.env, STREAM: text }, encoding: 'utf8',
  }).trim();
}

test('a Helm-style stream is searched without loading the full YAML parser or JSONPath', () => {
  assert.equal(dependenciesLoaded(manifestStream(12)), '');
  const prometheus = 'apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata:\n  name: p\nspec:\n  image: quay.io/prometheus/prometheus:v2\n';
  assert.equal(dependenciesLoaded(prometheus), 'jsonpath-rfc9535 yaml');
});
