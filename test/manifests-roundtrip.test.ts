import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AggregateReimageError } from '../src/errors.js';
import { findImages, InvalidYamlError, parseImageRules, parseManifestStream } from '../src/manifests/index.js';
import { fixture } from './harness/manifests.js';

const rules = parseImageRules(undefined, 'rules', 'k8s');
const FIXTURES = ['all-kinds.yaml', 'tricky.yaml', 'helm-chart.yaml'];
const crlf = (s: string) => s.replaceAll('\n', '\r\n');

for (const name of FIXTURES) {
  for (const [variant, text] of [['LF', fixture(name)], ['CRLF', crlf(fixture(name))]] as const) {
    test(`${name} (${variant}) prints back byte for byte, through both readers`, () => {
      assert.equal(parseManifestStream(text).toString(), text);
      assert.equal(parseManifestStream(text, { fastScan: false }).toString(), text);
    });
  }
}

test('edits change only the image scalars, keeping quoting, comments and everything else', () => {
  for (const text of [fixture('tricky.yaml'), crlf(fixture('tricky.yaml'))]) {
    const stream = parseManifestStream(text);
    for (const o of findImages(stream, rules)) o.setImage(`mirror.example.com/${o.reference.path}:pinned`);
    const nl = text.includes('\r\n') ? '\r\n' : '\n';
    const expected = text
      .replace('image: nginx:1.27       # pinned later', 'image: mirror.example.com/library/nginx:pinned       # pinned later')
      .replace('image: "quay.io/org/app:v1"', 'image: "mirror.example.com/org/app:pinned"')
      .replace("image: 'ghcr.io/org/tool:2.0'", "image: 'mirror.example.com/org/tool:pinned'")
      .replace('image: &img registry.example.com/shared:1', 'image: &img mirror.example.com/shared:pinned')
      .replace('{name: flow, image: "registry.example.com/flow:1"}', '{name: flow, image: "mirror.example.com/flow:pinned"}')
      .replace('image: !!str registry.example.com/tagged:1', 'image: !!str mirror.example.com/tagged:pinned');
    assert.equal(stream.toString(), expected);
    assert.ok(expected.includes(`mode: 0755${nl}  big: 12345678901234567890${nl}  version: 1.10${nl}`));
    // The result reads back with the new images, the alias following its anchor.
    const again = findImages(parseManifestStream(stream.toString(), { fastScan: false }), rules).map((o) => o.image);
    assert.ok(again.every((image) => image.startsWith('mirror.example.com/')), again.join());
  }
});

test('a new value that would read back as another type, or needs quoting, is quoted', () => {
  const text = 'kind: Pod\nspec:\n  containers:\n  - image: a\n  - image: b\n  - image: c\n  - image: d\n';
  const stream = parseManifestStream(text);
  const [a, b, c, d] = findImages(stream, rules);
  a!.setImage('true');
  b!.setImage('1234');
  c!.setImage('yes');
  d!.setImage('x #y');
  assert.equal(
    stream.toString(),
    'kind: Pod\nspec:\n  containers:\n  - image: "true"\n  - image: "1234"\n  - image: "yes"\n  - image: "x #y"\n',
  );
});

test('empty streams and empty documents are valid and kept', () => {
  for (const text of ['', '---\n---\n', '\n', '# only a comment\n', '---\n...\n', '--- # c\n']) {
    const stream = parseManifestStream(text);
    assert.equal(stream.toString(), text);
    assert.deepEqual(findImages(stream, rules), []);
  }
});

test('a --- inside a block scalar would end the document, so only real separators split', () => {
  const text = 'kind: ConfigMap\ndata:\n  a: |\n    x\n    ---\n    y\n---\nkind: Pod\n';
  assert.equal(parseManifestStream(text).documents.length, 2);
});

const INVALID: readonly [string, RegExp][] = [
  ['a: [1, 2\n', /document 0 at line 2, column 1/],
  ['kind: Pod\n---\nkind: Pod\n  bad: indent\n', /document 1 at line 3, column 7: Nested mappings/],
  ['a: "unterminated\n', /document 0 at line 2, column 1: Missing closing/],
  ['a: b: c\n', /document 0 at line 1, column 4/],
  ['a:\n\t- b\n', /document 0 at line 2/],
  ['- a\nb: c\n', /document 0 at line 2/],
  ['x: *nowhere\n', /document 0/],
];

for (const [text, where] of INVALID) {
  test(`invalid YAML ${JSON.stringify(text)} is reported with document, line and column`, () => {
    assert.throws(() => parseManifestStream(text), (err: unknown) => {
      assert.ok(err instanceof InvalidYamlError, String(err));
      assert.match(err.message, where);
      return true;
    });
  });
}

test('every invalid document is reported together', () => {
  assert.throws(() => parseManifestStream('a: [\n---\nok: 1\n---\nb: {\n'), (err: unknown) => {
    assert.ok(err instanceof AggregateReimageError);
    assert.equal(err.errors.length, 2);
    assert.match(err.message, /document 0 .*\n.*document 2/);
    return true;
  });
});
