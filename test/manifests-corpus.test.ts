/**
 * The real-manifest corpus in ../shared/fixtures/manifests/ (published files; provenance in its
 * SOURCES.md; expected occurrences made by an independent extractor, with its rules.yaml): every
 * file there must give exactly its expected occurrences, print back byte for byte through both
 * readers, and, after every image is rewritten, read back with the new images at the same places.
 * Skipped, saying so, when that directory is absent.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { findImages, parseImageRules, parseManifestStream, type ImageOccurrence } from '../src/manifests/index.js';
import { needsShared, sharedFixture } from './harness/shared-fixtures.js';

interface Expected { doc: number; kind: string; name: string | null; path: string; image: string }

const skip = needsShared('manifests/expected');
const manifests = skip ? [] : readdirSync(sharedFixture('manifests')).filter((f) => f.endsWith('.yaml') && f !== 'rules.yaml').sort();
const rules = skip ? undefined : parseImageRules(readFileSync(sharedFixture('manifests/rules.yaml'), 'utf8'), 'rules.yaml', 'k8s');

/** Compared as a multiset keyed by (doc, path), as the corpus README says. */
const key = (o: { doc: number; path: string; kind: string; name: string | null; image: string }) =>
  `${o.doc} ${o.path} ${o.kind} ${o.name ?? ''} ${o.image}`;
const found = (occurrences: readonly ImageOccurrence[]) => occurrences.map(key).sort();

describe('real manifests corpus', () => {
  it('lists every manifest with an expected file', { skip }, () => {
    assert.ok(manifests.length >= 10, manifests.join());
    const expected = readdirSync(sharedFixture('manifests/expected')).sort();
    assert.deepEqual(expected, manifests.map((m) => m.replace(/\.yaml$/, '.json')));
  });

  for (const name of manifests) {
    it(`${name}: the expected occurrences, a byte-for-byte round trip, and rewrites in place`, () => {
      const text = readFileSync(sharedFixture(`manifests/${name}`), 'utf8');
      const expected = JSON.parse(readFileSync(sharedFixture(`manifests/expected/${name.replace(/\.yaml$/, '.json')}`), 'utf8')) as Expected[];
      for (const fastScan of [true, false]) {
        const stream = parseManifestStream(text, { fastScan });
        assert.equal(stream.toString(), text, `prints back unchanged (fastScan ${fastScan})`);
        const occurrences = findImages(stream, rules!);
        assert.deepEqual(found(occurrences), expected.map(key).sort(), `occurrences (fastScan ${fastScan})`);
        for (const o of occurrences) o.setImage(`mirror.example.com/${o.reference.path}:pinned`);
        const again = findImages(parseManifestStream(stream.toString(), { fastScan: false }), rules!);
        assert.deepEqual(found(again), expected.map((e, i) => key({ ...e, image: `mirror.example.com/${occurrences.find((o) => o.doc === e.doc && o.path === e.path)?.reference.path ?? `missing-${i}`}:pinned` })).sort());
      }
    });
  }
});
