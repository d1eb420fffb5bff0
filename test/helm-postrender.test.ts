/**
 * reimage under real Helm 3.17.2 and Helm 4.1.4 (and kubectl's kustomize), against real local
 * registries: Docker Hub ("hub", reached through -registry-mirror), a team registry with a port
 * ("src") and the user's registry ("dst"). The chart is test/fixtures/charts/shop.
 *
 * Every successful render is compared with the same Helm run through an identity (`cat`)
 * post-renderer: the bytes must be equal except for the image strings, each replaced by the
 * target the mappings file records, and every target must hold the source's manifest (skopeo).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addImage, buildTestLayout, inspectRaw, pushTestImage, type TestLayout } from './harness/images.js';
import { CHARTS, HELM3, HELM4, KUBECTL, PLUGIN_DIR, SHOP_CHART, helm, helmHome, installCommandPlugin, renderedImages, runInTerminal, withTargets, type Mappings } from './harness/helm.js';
import { startRegistries, type TestRegistry } from './harness/registries.js';
import { BIN, run } from './harness/run-reimage.js';
import { tempDir } from './harness/temp-dir.js';

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const RULES = path.join(CHARTS, 'widget-rules.yaml');
const HOOK_IMAGES = ['busybox:1.36-migrate', 'busybox:1.36-test'];

const dir = await tempDir('reimage-helm-test-');
const home = await helmHome();

describe('reimage under real Helm 3 and Helm 4', () => {
  let regs: { src: TestRegistry; hub: TestRegistry; dst: TestRegistry };
  let stopRegistries: () => Promise<void>;
  let layout: TestLayout;
  let values: string[];
  let reimageArgs: string[];
  let helm4Env: NodeJS.ProcessEnv;

  before(async () => {
    const [started, built] = await Promise.all([startRegistries('anonymous').then(async (src) => {
      const [hub, dst] = await Promise.all([startRegistries('anonymous'), startRegistries('anonymous')]);
      stopRegistries = async () => void (await Promise.all([src.stop(), hub.stop(), dst.stop()]));
      return { src: src.anonymous, hub: hub.anonymous, dst: dst.anonymous };
    }), buildTestLayout()]);
    [regs, layout] = [started, built];
    await addImage(layout, 'small', { layers: [600] });
    const hubImages: [string, Parameters<typeof pushTestImage>[1], string?][] = [
      ['library/nginx:1.27', 'oci-index'],
      ['library/busybox:1.36', 'docker', 'small'],
      ['library/busybox:1.36-migrate', 'oci'],
      ['library/busybox:1.36-test', 'oci', 'small'],
      ['bitnami/redis:7.2', 'docker-list'],
      ['widgets/engine:2', 'oci'],
      ['widgets/helper:2', 'docker'],
    ];
    for (const [ref, kind, image] of hubImages) await pushTestImage(layout, kind, `${regs.hub.host}/${ref}`, regs.hub, image);
    const reporterDigest = await pushTestImage(layout, 'oci', `${regs.hub.host}/library/reporter:pinned`, regs.hub, 'small');
    await pushTestImage(layout, 'oci-index', `${regs.src.host}/team/app:1.0`, regs.src);
    values = ['--set', 'team.useRegistry=true', '--set', `team.registry=${regs.src.host}`, '--set', `report.digest=${reporterDigest}`];
    reimageArgs = ['-rules-config', RULES, '-registry-mirror', `docker.io=${regs.hub.host}`, '-rename-remote-path', `${regs.dst.host}/imported`];
    // Helm 4: the plugin installed from this directory (a symlink), beside an identity plugin.
    // REIMAGE_BIN: this checkout's reimage, whatever else is on PATH (helm-plugin.test.ts tests the lookup).
    helm4Env = { ...home.env, DOCKER_CONFIG: dir, REIMAGE_BIN: BIN, REIMAGE_ERROR_FILE: path.join(dir, 'helm4-error.log') };
    const installed = await helm(HELM4, ['plugin', 'install', PLUGIN_DIR], helm4Env);
    assert.equal(installed.code, 0, installed.stderr);
    await installCommandPlugin(path.join(home.env.HELM_DATA_HOME!, 'plugins'), 'identity', 'cat');
  });

  after(async () => {
    await stopRegistries?.();
    await layout?.remove();
  });

  const postRenderArgs = (args: readonly string[]) => args.map((a) => `--post-renderer-args=${a}`);

  /** Checks a render against the identity render, and every target against its source. */
  async function assertRewritten(output: string, identity: string, mappings: Mappings, expectedImages: readonly string[]) {
    assert.deepEqual(Object.keys(mappings).sort(), [...expectedImages].sort());
    assert.equal(output, withTargets(identity, mappings));
    assert.notEqual(output, identity);
    for (const [image, { tag, digest }] of Object.entries(mappings)) {
      assert.equal(sha(await inspectRaw(tag, regs.dst)), digest, `${image} copied to ${tag}`);
    }
  }

  /** Every image in the identity render that is not a hook's. */
  const allImages = (identity: string) => [...new Set(renderedImages(identity))];

  it('Helm 3 template: reimage as the post-renderer executable rewrites and copies every image Helm passes, and Helm 3 passes no hooks', async () => {
    const mappingsFile = path.join(dir, 'helm3.json');
    const template = ['template', 'rel', SHOP_CHART, '--namespace', 'shop', ...values];
    const [r, identity] = await Promise.all([
      helm(HELM3, [...template, '--post-renderer', BIN, ...postRenderArgs([...reimageArgs, '-write-json-mappings-file', mappingsFile])], { DOCKER_CONFIG: dir }),
      helm(HELM3, [...template, '--post-renderer', '/bin/cat']),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(identity.code, 0, identity.stderr);
    const mappings = JSON.parse(await readFile(mappingsFile, 'utf8')) as Mappings;
    const notHooks = allImages(identity.stdout).filter((i) => !HOOK_IMAGES.includes(i));
    await assertRewritten(r.stdout, identity.stdout, mappings, notHooks);
    // The hook Job and the test Pod are printed as the chart wrote them (what the README warns of).
    for (const hookImage of HOOK_IMAGES) assert.match(r.stdout, new RegExp(`image: ${hookImage}\\n`));
    assert.ok(!r.stdout.includes(`${regs.src.host}/team/app:1.0`), 'the image with a registry port is rewritten');
  });

  it('Helm 4 template through the plugin installed from a directory rewrites hooks too', async () => {
    const mappingsFile = path.join(dir, 'helm4.json');
    const template = ['template', 'rel', SHOP_CHART, '--namespace', 'shop', ...values];
    const [r, identity] = await Promise.all([
      helm(HELM4, [...template, '--post-renderer', 'reimage', ...postRenderArgs([...reimageArgs, '-write-json-mappings-file', mappingsFile])], helm4Env),
      helm(HELM4, [...template, '--post-renderer', 'identity'], helm4Env),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(identity.code, 0, identity.stderr);
    const mappings = JSON.parse(await readFile(mappingsFile, 'utf8')) as Mappings;
    await assertRewritten(r.stdout, identity.stdout, mappings, allImages(identity.stdout));
    assert.ok(HOOK_IMAGES.every((i) => mappings[i]), 'hook images are post-rendered');
  });

  it('Helm 4 install --dry-run=client (offline) installs the rewritten manifests and hooks', async () => {
    const install = ['install', 'rel', SHOP_CHART, '--namespace', 'shop', '--dry-run=client', ...values];
    const [r, identity] = await Promise.all([
      helm(HELM4, [...install, '--post-renderer', 'reimage', ...postRenderArgs(reimageArgs)], { ...helm4Env, REIMAGE_ARGS: '-write-json-mappings-file ' + path.join(dir, 'install.json') }),
      helm(HELM4, [...install, '--post-renderer', 'identity'], helm4Env),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(identity.code, 0, identity.stderr);
    assert.match(r.stdout, /^HOOKS:$/m);
    assert.match(r.stdout, /^MANIFEST:$/m);
    const mappings = JSON.parse(await readFile(path.join(dir, 'install.json'), 'utf8')) as Mappings;
    // Only the release's timestamp differs between two installs.
    const stamp = (s: string) => s.replace(/^LAST DEPLOYED: .*$/m, 'LAST DEPLOYED: -');
    await assertRewritten(stamp(r.stdout), stamp(identity.stdout), mappings, allImages(identity.stdout));
  });

  it('kubectl kustomize DIR | reimage rewrites what kustomize renders', async () => {
    const kustomized = await helm(KUBECTL, ['kustomize', path.join(CHARTS, '../kustomize/shop')]);
    assert.equal(kustomized.code, 0, kustomized.stderr);
    const mappingsFile = path.join(dir, 'kustomize.json');
    const r = await run(BIN, [...reimageArgs, '-write-json-mappings-file', mappingsFile], { DOCKER_CONFIG: dir }, kustomized.stdout);
    assert.equal(r.code, 0, r.stderr);
    const mappings = JSON.parse(await readFile(mappingsFile, 'utf8')) as Mappings;
    await assertRewritten(r.stdout, kustomized.stdout, mappings, ['nginx:1.27', 'busybox:1.36']);
  });

  describe('a missing image', () => {
    const missing = ['--set', 'web.image=nginx:0.0-missing'];
    const where = /Deployment shop\/rel-web \(shop\/templates\/deployment\.yaml, document \d\) \$\.spec\.template\.spec\.containers\[0\]\.image/;

    it('Helm 3 fails, renders nothing and shows reimage\'s report naming the image and where it is', async () => {
      const r = await helm(HELM3, ['template', 'rel', SHOP_CHART, '--namespace', 'shop', ...values, ...missing,
        '--post-renderer', BIN, ...postRenderArgs(reimageArgs)], { DOCKER_CONFIG: dir });
      assert.notEqual(r.code, 0);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /nginx:0\.0-missing: image not found/);
      assert.match(r.stderr, where);
    });

    it('a missing hook image: Helm 3 renders anyway (hooks are not post-rendered, as the README says), Helm 4 fails', async () => {
      const hook = ['--set', 'hook.image=busybox:0.0-missing-hook'];
      const template = ['template', 'rel', SHOP_CHART, '--namespace', 'shop', ...values, ...hook];
      const [helm3, helm4] = await Promise.all([
        helm(HELM3, [...template, '--post-renderer', BIN, ...postRenderArgs(reimageArgs)], { DOCKER_CONFIG: dir }),
        helm(HELM4, [...template, '--post-renderer', 'reimage', ...postRenderArgs(reimageArgs)], { ...helm4Env, REIMAGE_ERROR_FILE: path.join(dir, 'hook.log') }),
      ]);
      assert.equal(helm3.code, 0, helm3.stderr);
      assert.match(helm3.stdout, /image: busybox:0\.0-missing-hook\n/);
      assert.equal(helm4.code, 1);
      assert.equal(helm4.stdout, '');
      assert.match(await readFile(path.join(dir, 'hook.log'), 'utf8'), /busybox:0\.0-missing-hook: image not found[^\n]*\n\s+at Job shop\/rel-migrate \(shop\/templates\/pre-install-job\.yaml, document \d\)/);
    });

    it('Helm 4 fails and renders nothing; the report is in REIMAGE_ERROR_FILE, and Helm itself shows only "exited with error"', async () => {
      const errorFile = path.join(dir, 'missing.log');
      const r = await helm(HELM4, ['template', 'rel', SHOP_CHART, '--namespace', 'shop', ...values, ...missing,
        '--post-renderer', 'reimage', ...postRenderArgs(reimageArgs)], { ...helm4Env, REIMAGE_ERROR_FILE: errorFile });
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /plugin "reimage" exited with error/);
      assert.doesNotMatch(r.stderr, /0\.0-missing/, 'Helm 4.1.4 drops the plugin\'s stderr (if this fails, Helm now shows it: update the README)');
      const report = await readFile(errorFile, 'utf8');
      assert.match(report, /nginx:0\.0-missing: image not found/);
      assert.match(report, where);
    });

    it('Helm 4 without REIMAGE_ERROR_FILE writes the report to ~/.cache/reimage/helm-postrender-error.log', async () => {
      const r = await helm(HELM4, ['template', 'rel', SHOP_CHART, ...values, ...missing,
        '--post-renderer', 'reimage', ...postRenderArgs(reimageArgs)], { ...helm4Env, REIMAGE_ERROR_FILE: '', XDG_CACHE_HOME: '' });
      assert.equal(r.code, 1);
      assert.match(await readFile(path.join(home.env.HOME!, '.cache/reimage/helm-postrender-error.log'), 'utf8'), /nginx:0\.0-missing: image not found/);
    });

    it('Helm 4 at a terminal shows the report there, and where it is saved', async () => {
      const errorFile = path.join(dir, 'terminal.log');
      const command = [HELM4, 'template', 'rel', SHOP_CHART, ...values, ...missing, '--post-renderer', 'reimage', ...postRenderArgs(reimageArgs)]
        .map((a) => `'${a}'`).join(' ');
      const r = await runInTerminal(`${command} >/dev/null`, { ...helm4Env, REIMAGE_ERROR_FILE: errorFile });
      assert.notEqual(r.code, 0);
      assert.match(r.stdout, /nginx:0\.0-missing: image not found/);
      assert.match(r.stdout, new RegExp(`report above is saved in ${errorFile.replace(/[.]/g, '\\.')}`));
      assert.match(r.stdout, /plugin "reimage" exited with error/);
    });
  });
});
