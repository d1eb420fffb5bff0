/**
 * End to end: an image inside an argument (prometheus-operator's config reloader in the
 * kube-prometheus bundle) is copied, rewritten in place with the rest of the argument intact, and
 * recorded, against real registries. quay.io is served by a local registry through -registry-mirror.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { addImage, buildTestLayout, inspectRaw, pushTestImage, type TestLayout } from './harness/images.js';
import { startRegistries, type TestRegistry } from './harness/registries.js';
import { runReimage } from './harness/run-reimage.js';
import { needsShared, sharedFixture } from './harness/shared-fixtures.js';
import { tempDir } from './harness/temp-dir.js';
import { fakeScannerCommand, fixture, recordedArgv } from './vulncheck/harness.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE_FILE = 'manifests/kube-prometheus-bundle.yaml';
const RELOADER = 'quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1';
const OPERATOR = 'quay.io/prometheus-operator/prometheus-operator:v0.93.1';
/** Every other image of the bundle is left alone, so that only these two need to exist. */
const IGNORE = '^(?:ghcr\\.io/|registry\\.k8s\\.io/|grafana/|quay\\.io/(?:brancz|prometheus)/)';

describe('an image embedded in an argument, end to end', { skip: needsShared(BUNDLE_FILE) }, () => {
  let regs: { src: TestRegistry; dst: TestRegistry; stop(): Promise<void> };
  let layout: TestLayout;
  let bundle: string;
  const digests = new Map<string, string>();

  before(async () => {
    bundle = readFileSync(sharedFixture(BUNDLE_FILE), 'utf8');
    const [src, dst, built] = await Promise.all([startRegistries('anonymous'), startRegistries('anonymous'), buildTestLayout()]);
    regs = { src: src.anonymous, dst: dst.anonymous, stop: async () => void (await Promise.all([src.stop(), dst.stop()])) };
    layout = built;
    await addImage(layout, 'reloader', { layers: [600] });
    await addImage(layout, 'operator', { layers: [900] });
    digests.set(RELOADER, await pushTestImage(layout, 'oci', `${regs.src.host}/prometheus-operator/prometheus-config-reloader:v0.93.1`, regs.src, 'reloader'));
    digests.set(OPERATOR, await pushTestImage(layout, 'docker', `${regs.src.host}/prometheus-operator/prometheus-operator:v0.93.1`, regs.src, 'operator'));
  });

  after(async () => {
    await regs?.stop();
    await layout?.remove();
  });

  it('is copied, rewritten with the rest of the argument intact, scanned and recorded in the mappings', async () => {
    const dir = await tempDir();
    const mappingsFile = path.join(dir, 'mappings.json');
    const argvLog = path.join(dir, 'scanned.log');
    const scanner = await fakeScannerCommand(dir, { reportFile: fixture('scanners/trivy/debian-two-cves.json'), argvLog });
    const r = await runReimage([
      '-vulncheck-max-cvss', '11', '-vulncheck-command', scanner,
      '-rules-config', path.join(ROOT, 'examples/rules/prometheus-operator.yaml'),
      '-registry-mirror', `quay.io=${regs.src.host}`,
      '-rename-remote-path', `${regs.dst.host}/mirror`,
      '-ignore', IGNORE,
      '-write-json-mappings-file', mappingsFile,
    ], bundle, { DOCKER_CONFIG: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /suspect/);
    assert.match(r.stderr, /2 images found, 2 distinct: 0 already present, 2 copied/);

    const mappings = JSON.parse(await readFile(mappingsFile, 'utf8')) as Record<string, { tag: string; digest: string; foundCVEs?: string[] }>;
    assert.deepEqual(Object.keys(mappings).sort(), [OPERATOR, RELOADER].sort());
    for (const image of [OPERATOR, RELOADER]) {
      const { tag, digest } = mappings[image]!;
      assert.equal(digest, digests.get(image));
      assert.ok(tag.startsWith(`${regs.dst.host}/mirror/`), tag);
      // The copy is there, byte for byte.
      const source = image.replace('quay.io', regs.src.host);
      assert.equal(await inspectRaw(tag), await inspectRaw(source));
      // The vulnerability check scanned it and recorded what it found.
      assert.ok(mappings[image]!.foundCVEs?.length, image);
    }
    // It scanned before copying, so at the source by digest, where reimage read it: through the
    // -registry-mirror, which the scanner does not know about.
    const scanned = (await recordedArgv(argvLog)).map((a) => a.at(-1)).sort();
    assert.deepEqual(scanned, [OPERATOR, RELOADER].map((image) => `${image.replace('quay.io', regs.src.host).replace(/:v[0-9.]+$/, '')}@${digests.get(image)}`).sort());

    // The output is the bundle byte for byte, but for the two images; the argument keeps its flag.
    const expected = bundle
      .replace(`- --prometheus-config-reloader=${RELOADER}\n`, `- --prometheus-config-reloader=${mappings[RELOADER]!.tag}\n`)
      .replace(`image: ${OPERATOR}\n`, `image: ${mappings[OPERATOR]!.tag}\n`);
    assert.notEqual(expected, bundle);
    assert.equal(r.stdout, expected);

    // Replaying the mappings gives the same output, without a registry.
    const replay = await runReimage([
      '-rules-config', path.join(ROOT, 'examples/rules/prometheus-operator.yaml'),
      '-ignore', IGNORE,
      '-static-json-mappings-file', mappingsFile,
      '-verify-static-json-mappings=false',
    ], bundle, { DOCKER_CONFIG: dir });
    assert.equal(replay.code, 0, replay.stderr);
    assert.equal(replay.stdout, expected);
  });
});
