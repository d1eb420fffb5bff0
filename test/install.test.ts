/**
 * The README's Install section, run as written: every line of its `sh` blocks, in order, in one
 * bash session started in the checkout, with HOME, npm's global prefix and PATH pointing into a
 * temporary directory (npm's cache stays the usual one; `helm` is the real Helm 4 of
 * test/harness/helm.ts). Then the npm package (installed globally there, and through npx) and the
 * single executable each show their version, list images and copy an image between two local
 * registries, and the Helm plugin's wrapper from the npm package runs either one.
 *
 * dist/ is already built (the pretest step), so the sandbox sets npm's ignore-scripts: `npm pack`
 * then packs that build instead of running `prepare`. (`npm run build:sea` does build again; the
 * build replaces each file atomically, so the tests running meanwhile are not disturbed.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HELM4 } from './harness/helm.js';
import { buildTestLayout, inspectRaw, pushTestImage } from './harness/images.js';
import { startRegistries, type TestRegistry } from './harness/registries.js';
import { BIN, HELM_WRAPPER, run, type RunResult } from './harness/run-reimage.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The commands of the README's Install section, comments and blank lines dropped. */
function installCommands(): string[] {
  const section = /^## Install\n([\s\S]*?)^## /m.exec(readme)?.[1];
  assert.ok(section, 'README has an "## Install" section');
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```/gm)]
    .flatMap((m) => m[1]!.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '');
}


const podStream = (image: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: ${image}\n`;

describe('the README Install section', { timeout: 300_000 }, () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  let registries: Record<'anonymous', TestRegistry> & { stop(): Promise<void> };
  let source: string;
  const transcript: RunResult[] = [];
  /** What each README line printed on stdout. */
  const outputs = new Map<string, string>();
  const tarball = join(root, `reimage-${pkg.version}.tgz`);

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'reimage-install-'));
    const cache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
    env = {
      HOME: home,
      npm_config_prefix: join(home, 'prefix'),
      npm_config_cache: cache,
      npm_config_ignore_scripts: 'true',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      // `helm` is the real Helm 4 the pretest step installed (test/harness/helm.ts).
      PATH: `${join(home, 'prefix', 'bin')}:${join(home, 'tools')}:${process.env.PATH}`,
      REIMAGE_BIN: '', // the wrapper is tested below with and without it
      HELM_DATA_HOME: join(home, 'helm-data'),
      HELM_CONFIG_HOME: join(home, 'helm-config'),
      HELM_CACHE_HOME: join(home, 'helm-cache'),
    };
    mkdirSync(join(home, 'tools'));
    symlinkSync(HELM4, join(home, 'tools', 'helm'));
    const lines = installCommands();
    // One bash session, so that `export` lines hold for the lines after them; markers split the output by line.
    const script = lines.map((line, i) => `printf '\\n@@ %d\\n' ${i}; ${line}\nrc=$?; [ $rc = 0 ] || printf '\\n@@ failed: %s (exit %d)\\n' ${JSON.stringify(line)} $rc >&2`).join('\n');
    const r = await run('bash', ['-c', `cd ${JSON.stringify(root)} || exit 1\n${script}`], env);
    transcript.push(r);
    const parts = r.stdout.split(/\n@@ (\d+)\n/);
    for (let i = 1; i < parts.length; i += 2) outputs.set(lines[Number(parts[i])]!, parts[i + 1]!);
    registries = await startRegistries('anonymous');
    const layout = await buildTestLayout();
    source = `${registries.anonymous.host}/upstream/web:1.0`;
    await pushTestImage(layout, 'oci-index', source, registries.anonymous);
    await layout.remove();
  });
  after(async () => {
    rmSync(tarball, { force: true });
    if (home) rmSync(home, { recursive: true, force: true });
    await registries?.stop();
  });

  it('runs every command of the section', () => {
    const { stderr, code } = transcript[0]!;
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /@@ failed/, stderr);
  });

  it('the version lines name the version and the commit', () => {
    const versions = [...outputs].filter(([line]) => line.endsWith('reimage -V')).map(([, out]) => out.trim());
    assert.equal(versions.length, 3, transcript[0]!.stdout);
    for (const v of versions) assert.match(v, new RegExp(`^reimage ${pkg.version.replaceAll('.', '\\.')}( \\(commit [0-9a-f]{12}(-dirty)?\\))? node v\\d+`));
    assert.match(versions[2]!, /node v24\.\d+\.\d+, single executable$/);
  });

  it('the tarball holds only what a user needs', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n').sort();
    assert.deepEqual(files, [
      'package/LICENSE', 'package/README.md', 'package/bin/package.json', 'package/bin/reimage',
      'package/dist/THIRD-PARTY-LICENSES.txt', 'package/dist/reimage-gate.cjs', 'package/dist/reimage-jsonpath.cjs',
      'package/dist/reimage-re2js.cjs', 'package/dist/reimage-yaml.cjs', 'package/dist/reimage.cjs',
      'package/helm-plugin/plugin.yaml', 'package/helm-plugin/reimage-postrenderer.sh', 'package/package.json',
    ]);
  });

  for (const [name, exe] of [['the npm package', () => join(home, 'prefix', 'bin', 'reimage')], ['the single executable', () => join(home, '.local', 'bin', 'reimage')]] as const) {
    it(`${name}: -list-images prints what the checkout's reimage prints`, async () => {
      const chart = readFileSync(join(root, 'examples', 'chart-output.yaml'));
      const [ours, theirs] = await Promise.all([run(exe(), ['-list-images'], env, chart), run(BIN, ['-list-images'], {}, chart)]);
      assert.equal(ours.code, 0, ours.stderr);
      assert.equal(ours.stdout, theirs.stdout);
    });

    it(`${name}: copies an image between local registries and rewrites the manifest`, async () => {
      const target = `${registries.anonymous.host}/${name === 'the npm package' ? 'npm' : 'sea'}`;
      const r = await run(exe(), ['-rename-remote-path', target, '-rename-force-digest'], env, podStream(source));
      assert.equal(r.code, 0, r.stderr);
      const image = /image: (\S+)/.exec(r.stdout)![1]!;
      assert.ok(image.startsWith(`${target}/`), r.stdout);
      assert.equal(await inspectRaw(image, registries.anonymous), await inspectRaw(source, registries.anonymous));
    });
  }

  it('Helm 4 has the plugin from the npm package', async () => {
    const r = await run(HELM4, ['plugin', 'list'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^reimage\s/m);
  });

  it('the Helm plugin in the npm package runs reimage from PATH, or $REIMAGE_BIN', async () => {
    const wrapper = join(home, 'prefix', 'lib', 'node_modules', 'reimage', 'helm-plugin', 'reimage-postrenderer.sh');
    assert.equal(readFileSync(wrapper, 'utf8'), readFileSync(HELM_WRAPPER, 'utf8'));
    for (const bin of ['', join(home, '.local', 'bin', 'reimage')]) {
      const r = await run(wrapper, ['-V'], { ...env, REIMAGE_BIN: bin });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, bin ? /single executable/ : /^reimage /);
      assert.equal(/single executable/.test(r.stdout), bin !== '');
    }
  });

  it('the single executable says what to install for Google application default credentials, and then uses it', async () => {
    // A Grafeas scan with no -gcp-access-token-file asks for application default credentials.
    const args = ['-vulncheck-method', 'grafeas', '-vulncheck-max-cvss', '7', '-grafeas-parent', 'projects/p', '-grafeas-endpoint', 'http://127.0.0.1:9', '-vulncheck-max-retries', '0'];
    const sea = join(home, '.local', 'bin', 'reimage');
    const moved = join(home, 'elsewhere', 'reimage');
    execFileSync('install', ['-D', '-m', '0755', sea, moved]);
    const missing = await run(moved, args, env, podStream(source));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`need google-auth-library, which is not installed: run \`npm install --prefix ${home} google-auth-library@10\``));
    assert.equal(missing.stdout, '');
    // The README installed it under ~/.local: now the credentials themselves are missing.
    const found = await run(sea, args, { ...env, METADATA_SERVER_DETECTION: 'none' }, podStream(source));
    assert.equal(found.code, 1);
    assert.match(found.stderr, /cannot get Google application default credentials/);
  });
});
