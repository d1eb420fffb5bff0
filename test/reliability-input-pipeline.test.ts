/**
 * Issue 11.7 and 11.5 against real registries: every check that can fail runs before any registry
 * or file write; a stream with 150,000 occurrences of one image runs to the end.
 */
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addImage, buildTestLayout, pushTestImage, type TestLayout } from './harness/images.js';
import { startProxy, type CountingProxy } from './harness/proxy.js';
import { startRegistries, type TestRegistry } from './harness/registries.js';
import { runReimage } from './harness/run-reimage.js';
import { tempDir } from './harness/temp-dir.js';

const pod = (name: string, ...images: string[]) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  containers:\n${images.map((image, i) => `  - name: c${i}\n    image: ${image}\n`).join('')}`;

const exists = (file: string) => access(file).then(() => true, () => false);

describe('no writes before a failing run', () => {
  let src: TestRegistry;
  let dst: TestRegistry;
  let dstProxy: CountingProxy;
  let stopAll: () => Promise<void>;
  let layout: TestLayout;
  let dir: string;

  /** Writes (PUT, POST, PATCH) the target registry received. */
  const targetWrites = () => dstProxy.log.filter((e) => e.method !== 'GET' && e.method !== 'HEAD').length;
  /** Each test names its own target tag, so that one test's copies cannot hide another's. */
  const args = (tag: string, ...extra: string[]) => ['-rename-remote-path', `${dstProxy.host}/imported`, '-rename-template', `{{ .RemotePath }}/{{ .Repository }}:${tag}`, ...extra];

  before(async () => {
    const [a, b] = await Promise.all([startRegistries('anonymous'), startRegistries('anonymous')]);
    [src, dst] = [a.anonymous, b.anonymous];
    stopAll = async () => void (await Promise.all([a.stop(), b.stop()]));
    dstProxy = await startProxy(dst.host);
    layout = await buildTestLayout();
    await addImage(layout, 'other', { layers: [300] });
    await pushTestImage(layout, 'oci', `${src.host}/team/one:1`, src);
    await pushTestImage(layout, 'oci', `${src.host}/team/two:1`, src);
    // The target of team/two already holds another image: a clobber conflict.
    await pushTestImage(layout, 'oci', `${dst.host}/imported/team/two:v1`, dst, 'other');
    dir = await tempDir('reimage-reliability-');
  });
  after(async () => {
    await dstProxy?.stop();
    await stopAll?.();
    await layout?.remove();
  });

  it('an image written as a block scalar fails the run before anything is copied or the mappings file written', async () => {
    dstProxy.reset();
    const mappings = path.join(dir, 'block.json');
    const input = `${pod('a', `${src.host}/team/one:1`)}---\n${pod('b', 'PLACEHOLDER').replace('image: PLACEHOLDER', `image: |-\n      ${src.host}/team/one:1`)}`;
    const r = await runReimage(args('block', '-write-json-mappings-file', mappings), input);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /cannot rewrite a block scalar/);
    assert.match(r.stderr, /Pod b \(document 1\) \$\.spec\.containers\[0\]\.image/);
    assert.equal(targetWrites(), 0, 'nothing was copied');
    assert.equal(await exists(mappings), false, 'no mappings file');
  });

  it('a clobber conflict on one image fails the run before the other image is copied', async () => {
    dstProxy.reset();
    const r = await runReimage(args('v1'), pod('a', `${src.host}/team/one:1`, `${src.host}/team/two:1`));
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /imported\/team\/two:v1/);
    assert.equal(targetWrites(), 0, 'team/one was not copied');
  });

  it('a rendered name that is not a reference fails in the plan, before any copy', async () => {
    dstProxy.reset();
    const r = await runReimage(['-rename-remote-path', `${dstProxy.host}/imported`, '-rename-template', '{{ .RemotePath }}/{{ .Repository }}:{{ if eq .Repository "team/two" }}Bad Tag{{ else }}v2{{ end }}'],
      pod('a', `${src.host}/team/one:1`, `${src.host}/team/two:1`));
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(targetWrites(), 0);
  });

  it('150,000 occurrences of one image: the run completes and rewrites every one', async () => {
    const image = `${src.host}/team/one:1`;
    const input = `apiVersion: v1\nkind: Pod\nmetadata: {name: many}\nspec:\n  containers:\n${`  - name: c\n    image: ${image}\n`.repeat(150_000)}`;
    const r = await runReimage(['-rename-force-digest'], input);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.match(/image: \S+@sha256:[0-9a-f]{64}\n/g)?.length, 150_000);
  });
});
