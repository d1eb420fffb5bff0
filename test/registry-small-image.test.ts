import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseReference } from '../src/reference/reference.js';
import { DOCKER_MANIFEST, OCI_MANIFEST, RegistryClient, RegistryError, UnsupportedImageError } from '../src/registry/index.js';
import { buildTestLayout, inspectRaw, pushTestImage, type TestLayout } from './harness/images.js';
import { startRegistry, type TestRegistry } from './harness/registries.js';

const enc = new TextEncoder();
const LAYER_TYPE = 'application/vnd.reimage.mappings.v1+json';

describe('pushImage and pullSingleLayerImage', () => {
  let reg: TestRegistry;
  let layout: TestLayout;
  before(async () => {
    [reg, layout] = await Promise.all([startRegistry('anonymous'), buildTestLayout()]);
  });
  after(async () => {
    await reg?.stop();
    await layout?.remove();
  });

  for (const manifestMediaType of [OCI_MANIFEST, DOCKER_MANIFEST]) {
    it(`pushes a one-layer image (${manifestMediaType}) that skopeo reads and we pull back`, async () => {
      const layer = enc.encode(JSON.stringify({ 'nginx:1': 'example.com/nginx@sha256:…' }));
      const config = { mediaType: manifestMediaType === OCI_MANIFEST ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.docker.container.image.v1+json', data: enc.encode('{}') };
      const ref = parseReference(`${reg.host}/mappings/store:${manifestMediaType === OCI_MANIFEST ? 'oci' : 'docker'}`);
      const client = new RegistryClient();
      const digest = await client.pushImage(ref, { manifestMediaType, config, layers: [{ mediaType: LAYER_TYPE, data: layer }] });
      const raw = JSON.parse(await inspectRaw(`${reg.host}/mappings/store@${digest}`)) as { mediaType: string; layers: { mediaType: string; size: number }[] };
      assert.equal(raw.mediaType, manifestMediaType);
      assert.deepEqual(raw.layers.map((l) => [l.mediaType, l.size]), [[LAYER_TYPE, layer.length]]);
      const pulled = await new RegistryClient().pullSingleLayerImage(ref);
      assert.deepEqual(pulled, { digest, layerMediaType: LAYER_TYPE, layer: new Uint8Array(layer) });
      // A second push of the same content uploads no blob again.
      const again = new RegistryClient();
      assert.equal(await again.pushImage(ref, { manifestMediaType, config, layers: [{ mediaType: LAYER_TYPE, data: layer }] }), digest);
      assert.equal(again.stats.requests.POST ?? 0, 0);
    });
  }

  it('refuses images that do not have exactly one layer, and missing ones', async () => {
    await pushTestImage(layout, 'oci-index', `${reg.host}/shapes/multi:v1`);
    const client = new RegistryClient();
    await assert.rejects(client.pullSingleLayerImage(parseReference(`${reg.host}/shapes/multi:v1`)),
      (e: unknown) => e instanceof UnsupportedImageError && e.message === `${reg.host}/shapes/multi:v1 has an index; expected an image with exactly one layer`);
    const two = parseReference(`${reg.host}/shapes/two:v1`);
    await client.pushImage(two, { manifestMediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', data: enc.encode('{}') },
      layers: [{ mediaType: LAYER_TYPE, data: enc.encode('a') }, { mediaType: LAYER_TYPE, data: enc.encode('b') }] });
    await assert.rejects(client.pullSingleLayerImage(two), /has 2 layers; expected an image with exactly one layer/);
    await assert.rejects(client.pullSingleLayerImage(parseReference(`${reg.host}/shapes/none:v1`)),
      (e: unknown) => e instanceof RegistryError && e.status === 404 && /MANIFEST_UNKNOWN/.test(e.message));
  });
});
