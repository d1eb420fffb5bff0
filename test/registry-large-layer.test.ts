import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addImage, inspectRaw, buildTestLayout, pushTestImage, type TestLayout } from './harness/images.js';
import { startRegistries, type TestRegistry } from './harness/registries.js';
import { runClientInChild } from './registry/run-child.js';

const LAYER_BYTES = 50 << 20;
const RSS_LIMIT_KIB = 100 << 10;

describe('copying a 50 MB layer', () => {
  let regs: Record<'anonymous' | 'basic', TestRegistry> & { stop(): Promise<void> };
  let layout: TestLayout;
  let digest: string;
  before(async () => {
    [regs, layout] = await Promise.all([startRegistries('anonymous', 'basic'), buildTestLayout()]);
    await addImage(layout, 'big', { layers: [LAYER_BYTES] });
    digest = await pushTestImage(layout, 'oci', `${regs.anonymous.host}/big/image:v1`, undefined, 'big');
  });
  after(async () => {
    await regs?.stop();
    await layout?.remove();
  });

  it('streams it: peak RSS stays well under 100 MB above the baseline', async () => {
    const auth = Buffer.from(`${regs.basic.username}:${regs.basic.password}`).toString('base64');
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const dir = await mkdtemp('/tmp/reimage-large-');
    await writeFile(`${dir}/config.json`, JSON.stringify({ auths: { [regs.basic.host]: { auth } } }));
    try {
      const out = await runClientInChild({ op: 'copy', src: `${regs.anonymous.host}/big/image@${digest}`, dst: `${regs.basic.host}/big/copy:v1` }, { DOCKER_CONFIG: dir });
      assert.equal(out.error, undefined);
      assert.equal(out.result?.digest, digest);
      assert.ok((out.result?.bytesMoved as number) > LAYER_BYTES);
      const growthKiB = out.rssPeakKiB! - out.rssBeforeKiB!;
      process.stderr.write(`# 50 MB layer copy: peak RSS ${out.rssPeakKiB} KiB, baseline ${out.rssBeforeKiB} KiB, growth ${growthKiB} KiB\n`);
      assert.ok(growthKiB < RSS_LIMIT_KIB, `RSS grew by ${growthKiB} KiB`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    assert.equal(await inspectRaw(`${regs.basic.host}/big/copy:v1`, regs.basic), await inspectRaw(`${regs.anonymous.host}/big/image@${digest}`));
  });
});
