/**
 * Static mappings verification: every mapped target is checked concurrently against its recorded
 * digest, and every stale entry is reported in one error. The registry here is a small fake that
 * answers from a table and counts look-ups in flight.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AggregateReimageError } from '../src/errors.js';
import { verifyStaticMappings } from '../src/mappings/registry-io.js';
import { StaticMappings } from '../src/mappings/static.js';
import { formatReference, type ImageReference } from '../src/reference/reference.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

/** Answers from `table` (reference → digest) after every look-up so far has started. */
function fakeRegistry(table: Record<string, string>, expectedLookups: number) {
  let inFlight = 0;
  let started = 0;
  let release: () => void = () => {};
  const allStarted = new Promise<void>((resolve) => (release = resolve));
  const stats = { maxInFlight: 0 };
  return {
    stats,
    async resolve(ref: ImageReference) {
      inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
      if (++started === expectedLookups) release();
      // A sequential caller would never start the next look-up, so the test would time out:
      // resolve anyway after a few turns of the event loop so that it fails on the count instead.
      await Promise.race([allStarted, new Promise((r) => setImmediate(() => setImmediate(r)))]);
      inFlight--;
      const found = table[formatReference(ref)];
      return found === undefined ? undefined : { digest: found };
    },
  };
}

const mappings = () => new StaticMappings(new Map([
  ['nginx:1.27', { tag: 'registry.example.com/imported/nginx:1.27', digest: digest('a') }],
  ['redis:7', { tag: 'registry.example.com/imported/redis:7', digest: digest('b') }],
  ['busybox:1', { tag: 'registry.example.com/imported/busybox:1', digest: digest('c') }],
]), 'file m.json');

describe('static mappings verification', () => {
  it('checks every mapped target at once and passes when all hold their digests', async () => {
    const registry = fakeRegistry({
      'registry.example.com/imported/nginx:1.27': digest('a'),
      'registry.example.com/imported/redis:7': digest('b'),
      'registry.example.com/imported/busybox:1': digest('c'),
    }, 3);
    await verifyStaticMappings(mappings(), registry);
    assert.equal(registry.stats.maxInFlight, 3);
  });

  it('reports every stale entry together, naming image, target and both digests', async () => {
    const registry = fakeRegistry({
      'registry.example.com/imported/nginx:1.27': digest('a'),
      'registry.example.com/imported/redis:7': digest('d'),
    }, 3);
    await assert.rejects(verifyStaticMappings(mappings(), registry), (err: Error) => {
      assert.ok(err instanceof AggregateReimageError);
      assert.equal(err.errors.length, 2);
      assert.match(err.message, /^2 of 3 static mappings \(file m\.json\) are stale:/);
      assert.match(err.message, new RegExp(`mapping for redis:7 has changed: registry\\.example\\.com/imported/redis:7 was ${digest('b')}, is now ${digest('d')}`));
      assert.match(err.message, /mapping for busybox:1: registry\.example\.com\/imported\/busybox:1 does not exist any more/);
      return true;
    });
  });
});
