/**
 * Every Helm example in the README (the blocks marked `<!-- example: KIND -->` in "Examples" and
 * "Helm"), run by bash with real Helm 3 or Helm 4 against local registries. There is no cluster
 * and the examples name registry.example.com and ./chart, so the text is adapted, and only so:
 *   - registry.example.com is the local "dst" registry, ./chart the shop test chart,
 *     ./helm-plugin this repository's plugin; Docker Hub is reached through -registry-mirror,
 *     added to each reimage command line;
 *   - `helm install` runs as `helm template` under Helm 3 and with `--dry-run=client` under Helm 4
 *     (Helm 4's `upgrade --install` as `install --dry-run=client`); `kubectl apply` appends its
 *     input to a file;
 *   - `npm install -g ./reimage-<version>.tgz` installs this checkout into a temporary global prefix (npm's folder
 *     install: a link; offline, and with --ignore-scripts, since its build would rebuild dist/
 *     under the other tests).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildTestLayout, pushTestImage } from './harness/images.js';
import { HELM3, HELM4, KUBECTL, PLUGIN_DIR, SHOP_CHART, helm, renderedImages } from './harness/helm.js';
import { startRegistries, type TestRegistry } from './harness/registries.js';
import { BIN, run } from './harness/run-reimage.js';
import { tempDir } from './harness/temp-dir.js';

const REPO = path.dirname(PLUGIN_DIR);
const README = readFileSync(path.join(REPO, 'README.md'), 'utf8');

interface Example {
  readonly kind: string;
  readonly lang: string;
  readonly code: string;
}

/** The marked blocks, in README order. */
const examples: Example[] = [...README.matchAll(/^<!-- example: ([\w-]+)[^>]*-->\n```(\w+)\n([\s\S]*?)^```$/gm)]
  .map((m) => ({ kind: m[1]!, lang: m[2]!, code: m[3]! }));

/** The README's sections that hold Helm examples. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  return README.slice(start, README.indexOf('\n## ', start + 1));
}

const HOOK_IMAGES = ['busybox:1.36-migrate', 'busybox:1.36-test'];
/** Widget images are found only with -rules-config, which the examples do not pass. */
const UNTOUCHED = ['widgets/engine:2', 'widgets/helper:2'];

const dir = await tempDir('reimage-readme-helm-');
const sharedHome = path.join(dir, 'home');
const work = path.join(dir, 'work');
const tools = path.join(dir, 'bin');
const applied = path.join(dir, 'applied.yaml');

describe('the README Helm examples, under real Helm', () => {
  let hub: TestRegistry;
  let dst: TestRegistry;
  const stops: (() => Promise<void>)[] = [];

  after(async () => void (await Promise.all(stops.map((stop) => stop()))));

  before(async () => {
    const [a, b] = await Promise.all([startRegistries('anonymous'), startRegistries('anonymous')]);
    stops.push(a.stop, b.stop);
    [hub, dst] = [a.anonymous, b.anonymous];
    const layout = await buildTestLayout();
    for (const ref of ['library/nginx:1.27', 'library/busybox:1.36', 'team/app:1.0', 'bitnami/redis:7.2', 'library/reporter:1.0', 'library/busybox:1.36-migrate', 'library/busybox:1.36-test']) {
      await pushTestImage(layout, 'oci', `${hub.host}/${ref}`, hub);
    }
    await layout.remove();
    await Promise.all([mkdir(work), mkdir(tools)]);
    // helm3/helm4 by name; `helm` is set per example. kubectl apply appends to a file.
    await symlink(HELM3, path.join(tools, 'helm3'));
    await symlink(HELM4, path.join(tools, 'helm4'));
    await writeFile(path.join(tools, 'kubectl'), `#!/bin/sh\nif [ "$1" = apply ]; then cat >> '${applied}'; else exec '${KUBECTL}' "$@"; fi\n`);
    await chmod(path.join(tools, 'kubectl'), 0o755);
  });

  it('every sh block in "Examples" and "Helm" that runs helm is marked as an example', () => {
    for (const title of ['Examples', 'Helm']) {
      const blocks = [...section(title).matchAll(/(<!-- example: [^>]*-->\n)?```sh\n([\s\S]*?)^```$/gm)];
      for (const [, marker, code] of blocks) if (/\bhelm\d?\b/.test(code!)) assert.ok(marker, `unmarked example in ${title}:\n${code}`);
    }
    assert.ok(examples.length >= 8, `${examples.length} examples found`);
  });

  /** The example's text, adapted as the file comment says, for Helm `major`. */
  function adapt(code: string, major: 3 | 4): string {
    const mirror = `-registry-mirror=docker.io=${hub.host}`;
    let text = code
      .replaceAll('registry.example.com', dst.host)
      .replaceAll('./chart', SHOP_CHART)
      .replaceAll('./helm-plugin', PLUGIN_DIR)
      .replace(/npm install -g \.\/reimage-[\d.]+\.tgz/g, `npm install -g '${REPO}' --offline --ignore-scripts --no-audit --no-fund --loglevel=error`)
      .replace(/\| reimage /g, `| reimage ${mirror} `)
      .replace(/--post-renderer reimage/g, `--post-renderer reimage --post-renderer-args=${mirror}`);
    return text.replace(/\b(helm[34]?) (?:upgrade --install|install)(?= )/g, (_m, cmd: string) => {
      const version = cmd === 'helm3' ? 3 : cmd === 'helm4' ? 4 : major;
      return version === 3 ? `${cmd} template` : `${cmd} install --dry-run=client`;
    });
  }

  async function runExample(example: Example, major: 3 | 4) {
    // The side-by-side example starts from a machine without the plugin: a home of its own.
    const home = example.kind === 'helm-side-by-side' ? path.join(dir, 'home-side-by-side') : sharedHome;
    await mkdir(home, { recursive: true });
    const helmLink = path.join(tools, 'helm');
    await run('ln', ['-sf', major === 3 ? HELM3 : HELM4, helmLink]);
    const env: NodeJS.ProcessEnv = {
      HOME: home, DOCKER_CONFIG: path.join(home, '.docker'),
      XDG_CACHE_HOME: path.join(home, '.cache'), XDG_DATA_HOME: path.join(home, '.local/share'), XDG_CONFIG_HOME: path.join(home, '.config'),
      npm_config_prefix: path.join(dir, 'npm-global'),
      PATH: [tools, path.join(dir, 'npm-global/bin'), path.dirname(BIN), path.dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
    };
    await writeFile(applied, '');
    // A user's shell has none of Helm's or the plugin's variables set (Helm reads an empty one as set).
    const unset = ['HELM_DATA_HOME', 'HELM_CONFIG_HOME', 'HELM_CACHE_HOME', 'HELM_PLUGINS', 'REIMAGE_ARGS', 'REIMAGE_BIN', 'REIMAGE_ERROR_FILE'].flatMap((v) => ['-u', v]);
    const r = await run('env', [...unset, 'bash', '-euo', 'pipefail', '-c', `cd '${work}'\n${adapt(example.code, major)}`], env);
    return { ...r, applied: await readFile(applied, 'utf8') };
  }

  /** Every image in `text` is in dst, except those the example leaves alone. */
  function assertAllRewritten(text: string, leftAlone: readonly string[]) {
    const images = renderedImages(text);
    assert.ok(images.length >= 5, `${images.length} images in:\n${text}`);
    for (const image of images) {
      if (leftAlone.includes(image)) continue;
      assert.ok(image.startsWith(`${dst.host}/imported/`), `${image} not rewritten`);
    }
  }

  for (const [i, example] of examples.entries()) {
    if (example.lang !== 'sh') continue;
    const major = example.kind === 'helm3' || example.kind === 'pipe' ? 3 : 4;
    it(`example ${i + 1} (${example.kind}): ${example.code.split('\n')[0]}`, async () => {
      const r = await runExample(example, major);
      assert.equal(r.code, 0, `${adapt(example.code, major)}\n${r.stderr}`);
      const output = r.applied || r.stdout;
      if (example.kind === 'helm4-install') {
        assert.match(r.stdout, /Installed plugin: reimage/);
        return;
      }
      if (example.code.includes('-static-json-mappings-file')) {
        assert.ok(output.includes(`${dst.host}/imported/`), output);
        return;
      }
      assert.doesNotMatch(r.stderr, /failed to load plugins/);
      // Helm 3 output (also in the side-by-side example) has its hooks as the chart wrote them.
      const helm3Output = major === 3 || example.kind === 'helm-side-by-side';
      assertAllRewritten(output, helm3Output ? [...UNTOUCHED, ...HOOK_IMAGES] : UNTOUCHED);
    });
  }

  it('the Helm 3 failure report shown in the README is what Helm 3 prints', async () => {
    const shown = examples.find((e) => e.kind === 'helm3-error');
    assert.ok(shown);
    const r = await helm(HELM3, ['template', 'shop', SHOP_CHART, '--namespace', 'shop', '--set', 'web.image=nginx:0.0-missing',
      '--post-renderer', BIN, `--post-renderer-args=-registry-mirror=docker.io=${hub.host}`, `--post-renderer-args=-rename-remote-path=${dst.host}/imported`],
    { DOCKER_CONFIG: path.join(sharedHome, '.docker') });
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.startsWith(shown.code.replace('/usr/local/bin/reimage', BIN)), r.stderr);
  });
});
