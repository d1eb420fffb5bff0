/**
 * Four real public charts (../shared/fixtures/charts, see SOURCES.md there) under real Helm 3 and
 * Helm 4, with reimage as the post-renderer. Their upstream registries (docker.io, ghcr.io,
 * registry.k8s.io) are one local registry reached through -registry-mirror, holding a test image
 * at each name the charts use. The render must equal the same Helm run through `cat`, except the
 * images, each set to the target the mappings file records.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildTestLayout, pushTestImage } from './harness/images.js';
import { HELM3, HELM4, PLUGIN_DIR, SHARED_CHARTS, helm, helmHome, installCommandPlugin, renderedImages, withTargets, type Mappings } from './harness/helm.js';
import { startRegistries, type TestRegistry } from './harness/registries.js';
import { BIN, run } from './harness/run-reimage.js';
import { tempDir } from './harness/temp-dir.js';

interface PublicChart {
  readonly name: string;
  readonly set?: readonly string[];
  /** Images only hooks use: Helm 3 does not post-render them. */
  readonly hookImages: readonly string[];
}

const CHARTS: readonly PublicChart[] = [
  { name: 'podinfo', hookImages: ['stefanprodan/grpc_health_probe:v0.3.0', 'giantswarm/tiny-tools', 'curlimages/curl:7.69.0'] },
  { name: 'metrics-server', hookImages: [] },
  // Its images are pinned to upstream digests no local image can have.
  { name: 'ingress-nginx', set: ['controller.image.digest=', 'controller.admissionWebhooks.patch.image.digest='], hookImages: ['registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.6.9'] },
  { name: 'kube-state-metrics', hookImages: [] },
];
const UPSTREAMS = ['docker.io', 'ghcr.io', 'registry.k8s.io', 'quay.io'];

/** podinfo's test Pods have random names (randAlphaNum): the same in every render after this. */
const maskRandomNames = (text: string) => text.replace(/-test-[a-z0-9]{5}\b/g, '-test-XXXXX');

const dir = await tempDir('reimage-public-charts-');
const home = await helmHome();

describe('public charts under real Helm 3 and Helm 4', () => {
  let upstream: TestRegistry;
  let dst: TestRegistry;
  let stop: () => Promise<void>;
  let reimageArgs: string[];
  const env = { ...home.env, DOCKER_CONFIG: dir, REIMAGE_BIN: BIN, REIMAGE_ERROR_FILE: path.join(dir, 'error.log') };
  const setArgs = (chart: PublicChart) => (chart.set ?? []).flatMap((s) => ['--set', s]);

  before(async () => {
    const [a, b] = await Promise.all([startRegistries('anonymous'), startRegistries('anonymous')]);
    stop = async () => void (await Promise.all([a.stop(), b.stop()]));
    [upstream, dst] = [a.anonymous, b.anonymous];
    reimageArgs = [...UPSTREAMS.flatMap((u) => ['-registry-mirror', `${u}=${upstream.host}`]), '-rename-remote-path', `${dst.host}/imported`];
    // A test image at every name the charts use, found with -list-images on Helm 4's render (hooks included).
    const layout = await buildTestLayout();
    const names = new Set<string>();
    for (const chart of CHARTS) {
      const rendered = await helm(HELM4, ['template', 'rel', path.join(SHARED_CHARTS, chart.name), ...setArgs(chart)]);
      assert.equal(rendered.code, 0, rendered.stderr);
      const listed = await run(BIN, ['-list-images', '-output', 'json'], {}, rendered.stdout);
      for (const line of listed.stdout.trim().split('\n')) names.add((JSON.parse(line) as { normalized: string }).normalized);
    }
    for (const name of names) await pushTestImage(layout, 'oci-index', name.replace(/^[^/]+/, upstream.host), upstream);
    await layout.remove();
    assert.equal((await helm(HELM4, ['plugin', 'install', PLUGIN_DIR], env)).code, 0);
    await installCommandPlugin(path.join(home.env.HELM_DATA_HOME, 'plugins'), 'identity', 'cat');
  });

  after(async () => stop?.());

  for (const chart of CHARTS) {
    for (const major of [3, 4] as const) {
      it(`${chart.name} under Helm ${major}: only the images change${major === 3 && chart.hookImages.length ? ', and hook images are left as written' : ''}`, async () => {
        const mappingsFile = path.join(dir, `${chart.name}-${major}.json`);
        const template = ['template', 'rel', path.join(SHARED_CHARTS, chart.name), '--namespace', 'apps', ...setArgs(chart)];
        const args = [...reimageArgs, '-write-json-mappings-file', mappingsFile].map((a) => `--post-renderer-args=${a}`);
        const [r, identity] = major === 3
          ? await Promise.all([helm(HELM3, [...template, '--post-renderer', BIN, ...args], env), helm(HELM3, [...template, '--post-renderer', '/bin/cat'], env)])
          : await Promise.all([helm(HELM4, [...template, '--post-renderer', 'reimage', ...args], env), helm(HELM4, [...template, '--post-renderer', 'identity'], env)]);
        assert.equal(r.code, 0, `${r.stderr}\n${await readFile(env.REIMAGE_ERROR_FILE, 'utf8').catch(() => '')}`);
        assert.equal(identity.code, 0, identity.stderr);
        const mappings = JSON.parse(await readFile(mappingsFile, 'utf8')) as Mappings;
        const images = [...new Set(renderedImages(identity.stdout))];
        const expected = major === 3 ? images.filter((i) => !chart.hookImages.includes(i)) : images;
        assert.deepEqual(Object.keys(mappings).sort(), expected.sort());
        assert.equal(maskRandomNames(r.stdout), maskRandomNames(withTargets(identity.stdout, mappings)));
        for (const { tag } of Object.values(mappings)) assert.ok(tag.startsWith(`${dst.host}/imported/`), tag);
      });
    }
  }
});
