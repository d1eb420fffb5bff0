import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageReference } from '../src/reference/reference.js';
import { uncopiedSources } from '../src/vulncheck/index.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

/** A registry where only `present` (tag form) holds its digest. */
const registryWith = (present: Record<string, string>) => ({
  resolve: async (ref: ImageReference) => {
    const digest = present[`${ref.domain}/${ref.path}:${ref.tag}`];
    return digest ? { digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1 } : undefined;
  },
});

describe('where the vulnerability gate scans an image', () => {
  const mappings = new Map([
    ['nginx:1.27', { tag: 'registry.example.com/mirror/nginx:1.27', digest: D1 }],
    ['quay.io/team/app:v1', { tag: 'registry.example.com/mirror/app:v1', digest: D2 }],
  ]);

  it('scans an image already at its final name there, and one not copied yet at its source by digest', async () => {
    const sources = await uncopiedSources(mappings, registryWith({ 'registry.example.com/mirror/nginx:1.27': D1 }), {});
    assert.deepEqual([...sources], [[`registry.example.com/mirror/app@${D2}`, `quay.io/team/app@${D2}`]]);
  });

  it('names a source through its -registry-mirror, Docker Hub under any of its spellings', async () => {
    const sources = await uncopiedSources(mappings, registryWith({}), { 'docker.io': 'hub-cache.example.com:5000', 'quay.io': 'quay-cache.example.com' });
    assert.deepEqual(new Map(sources), new Map([
      [`registry.example.com/mirror/nginx@${D1}`, `hub-cache.example.com:5000/library/nginx@${D1}`],
      [`registry.example.com/mirror/app@${D2}`, `quay-cache.example.com/team/app@${D2}`],
    ]));
  });
});
