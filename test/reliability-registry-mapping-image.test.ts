/**
 * -write-json-mappings-img follows the clobber rule of copies: it may replace an earlier mapping
 * image, but a tag holding anything else is refused (before the run copies or writes anything)
 * unless -clobber is given. Against the real distribution registry.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parseReference } from '../src/reference/reference.js';
import { RegistryClient } from '../src/registry/index.js';
import { podYaml } from './harness/manifests.js';
import { startRegistry, type TestRegistry } from './harness/registries.js';
import { runReimage } from './harness/run-reimage.js';

describe('the mapping image does not overwrite an arbitrary tag', () => {
  let reg: TestRegistry;
  const client = new RegistryClient();
  const push = (ref: string, layers: number) => client.pushImage(parseReference(ref), {
    manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', data: Buffer.from(JSON.stringify({ os: 'linux', seed: randomBytes(8).toString('hex') })) },
    layers: Array.from({ length: layers }, () => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', data: randomBytes(512) })),
  });
  const digestOf = async (ref: string) => (await client.resolve(parseReference(ref)))?.digest;

  before(async () => {
    reg = await startRegistry('anonymous');
  });
  after(() => reg?.stop());

  for (const layers of [1, 2]) {
    it(`refuses a tag that holds an application image (${layers} layer${layers > 1 ? 's' : ''}), and -clobber overrides`, async () => {
      const app = `${reg.host}/src/app:v${layers}`;
      const appDigest = await push(app, 1);
      const stable = `${reg.host}/prod/payments:stable${layers}`;
      const stableDigest = await push(stable, layers);

      const refused = await runReimage(['-write-json-mappings-img', stable], podYaml(app));
      assert.equal(refused.code, 1, refused.stderr);
      assert.equal(refused.stdout, '');
      assert.match(refused.stderr, new RegExp(`refusing to overwrite ${stable} with the mapping image: it holds ${stableDigest}, which is not a reimage mapping image .*; use -clobber to overwrite it`));
      assert.equal(await digestOf(stable), stableDigest);

      const clobbered = await runReimage(['-write-json-mappings-img', stable, '-clobber'], podYaml(app));
      assert.equal(clobbered.code, 0, clobbered.stderr);
      assert.notEqual(await digestOf(stable), stableDigest);
      assert.ok(appDigest);
    });
  }

  it('replaces an earlier mapping image without -clobber', async () => {
    const app = `${reg.host}/src/app:v9`;
    await push(app, 1);
    const maps = `${reg.host}/reimage/mappings:latest`;
    const first = await runReimage(['-write-json-mappings-img', maps], podYaml(app));
    assert.equal(first.code, 0, first.stderr);
    const before = await digestOf(maps);
    await push(app, 1); // the tag moves, so the mappings change
    const second = await runReimage(['-write-json-mappings-img', maps], podYaml(app));
    assert.equal(second.code, 0, second.stderr);
    assert.notEqual(await digestOf(maps), before);
  });
});
