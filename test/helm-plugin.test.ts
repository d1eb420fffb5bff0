/**
 * The Helm 4 plugin (helm-plugin/) however it is installed, under real Helm 4.1.4, and Helm 3 and
 * Helm 4 side by side. Renders here touch no registry: `-ignore .*` leaves every image alone, and
 * the mappings file reimage writes (`{}`) proves that reimage itself ran.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { HELM3, HELM4, PLUGIN_DIR, SHOP_CHART, helm, helmHome, installCommandPlugin } from './harness/helm.js';
import { HELM_WRAPPER, run } from './harness/run-reimage.js';
import { tempDir } from './harness/temp-dir.js';

const exec = promisify(execFile);
const REPO = path.dirname(PLUGIN_DIR);
const dir = await tempDir('reimage-helm-plugin-');
/** A PATH with node (bin/reimage needs it) and the system tools, but no reimage. */
const PATH_WITHOUT_REIMAGE = [path.dirname(process.execPath), '/usr/bin', '/bin'].join(':');
const render = ['template', 'rel', SHOP_CHART, '--namespace', 'shop'];

/** Helm 4 with its own plugin directory, the plugin installed from `source`, and an identity plugin. */
async function helm4With(source: string, installArgs: string[] = []) {
  const home = await helmHome();
  // REIMAGE_BIN empty (as unset): these tests are about the wrapper's own lookup, even when the suite runs with REIMAGE_BIN.
  const env = { ...home.env, PATH: PATH_WITHOUT_REIMAGE, REIMAGE_BIN: '', REIMAGE_ERROR_FILE: path.join(home.dir, 'error.log') };
  const installed = await helm(HELM4, ['plugin', 'install', source, ...installArgs], env);
  await installCommandPlugin(path.join(home.env.HELM_DATA_HOME, 'plugins'), 'identity', 'cat');
  return { home, env, installed };
}

/** Renders the shop chart through the plugin and through `cat`; reimage runs with `-ignore .*`. */
async function renderThroughPlugin(env: NodeJS.ProcessEnv) {
  const mappings = path.join(String(env.HELM_DATA_HOME), `mappings-${Math.random().toString(36).slice(2)}.json`);
  const [r, identity] = await Promise.all([
    helm(HELM4, [...render, '--post-renderer', 'reimage', `--post-renderer-args=-write-json-mappings-file=${mappings}`], { ...env, REIMAGE_ARGS: '-ignore .*' }),
    helm(HELM4, [...render, '--post-renderer', 'identity'], env),
  ]);
  return { r, identity, mappings: r.code === 0 ? JSON.parse(await readFile(mappings, 'utf8')) as unknown : undefined };
}

describe('the Helm 4 plugin, however it is installed', () => {
  let tarball: string;

  before(async () => {
    const { stdout } = await exec('npm', ['run', '--silent', 'package:helm-plugin', '--', dir], { cwd: REPO });
    tarball = stdout.trim();
  });

  it('from a local directory (a symlink), with no reimage on PATH: runs the bin/reimage of the checkout it links to', async () => {
    const { env, installed } = await helm4With(PLUGIN_DIR);
    assert.equal(installed.code, 0, installed.stderr);
    assert.match(installed.stdout, /development mode/); // Helm 4 symlinks a local directory
    const { r, identity, mappings } = await renderThroughPlugin(env);
    assert.equal(r.code, 0, `${r.stderr}\n${await readFile(String(env.REIMAGE_ERROR_FILE), 'utf8').catch(() => '')}`);
    assert.equal(r.stdout, identity.stdout);
    assert.deepEqual(mappings, {});
  });

  it('from the packaged .tgz: needs --verify=false (no .prov), then works with reimage installed globally by npm', async () => {
    const refused = await helm4With(tarball);
    assert.notEqual(refused.installed.code, 0);
    assert.match(refused.installed.stderr, /no provenance file/);

    const { env, installed } = await helm4With(tarball, ['--verify=false']);
    assert.equal(installed.code, 0, installed.stderr);
    const prefix = path.join(dir, 'npm-global');
    await exec('npm', ['install', '-g', '--prefix', prefix, REPO, '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error']);
    const { r, identity, mappings } = await renderThroughPlugin({ ...env, PATH: `${path.join(prefix, 'bin')}:${PATH_WITHOUT_REIMAGE}` });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, identity.stdout);
    assert.deepEqual(mappings, {});
  });

  it('from the .tgz with no reimage anywhere: Helm fails, and the report is one line saying what to install', async () => {
    const { env, installed } = await helm4With(tarball, ['--verify=false']);
    assert.equal(installed.code, 0, installed.stderr);
    const { r } = await renderThroughPlugin(env);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    const report = await readFile(String(env.REIMAGE_ERROR_FILE), 'utf8');
    assert.match(report, /^reimage: no reimage executable on PATH or beside this plugin; put it on PATH \(the npm package built with `npm pack`, or the single executable; see reimage's README, Install\) or set REIMAGE_BIN to its path\n$/);
  });

  it('REIMAGE_BIN that is not an executable is a one-line report', async () => {
    const r = await run(HELM_WRAPPER, [], { REIMAGE_BIN: path.join(dir, 'nothing-here'), REIMAGE_ERROR_FILE: path.join(dir, 'bin.log') });
    assert.equal(r.code, 127);
    assert.equal(r.stderr, `reimage: REIMAGE_BIN=${path.join(dir, 'nothing-here')} is not an executable\n`);
  });

  it('REIMAGE_ARGS is split on whitespace and never glob-expanded', async () => {
    const cwd = path.join(dir, 'dotfiles');
    await mkdir(cwd);
    await writeFile(path.join(cwd, '.env'), '');
    const input = 'kind: Pod\nmetadata: {name: p}\nspec: {containers: [{image: nginx:1.27}]}\n';
    // `-ignore .*` would become `-ignore . .. .env` through a shell glob.
    const r = await run('sh', ['-c', 'cd "$1" && exec "$2"', 'sh', cwd, HELM_WRAPPER], { REIMAGE_ARGS: '  -ignore\t.*  ', REIMAGE_ERROR_FILE: path.join(dir, 'glob.log') }, input);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, input);
  });
});

describe('Helm 3 and Helm 4 side by side', () => {
  /** A Helm 3 CLI plugin, to show Helm 3's own plugins keep working. */
  async function addHelm3Plugin(pluginsDir: string) {
    const plugin = path.join(pluginsDir, 'hello');
    await mkdir(plugin, { recursive: true });
    await writeFile(path.join(plugin, 'plugin.yaml'), 'name: hello\nversion: 0.1.0\nusage: says hello\ndescription: says hello\ncommand: echo hello from a Helm 3 plugin\n');
  }

  it('sharing one plugin directory breaks every Helm 3 plugin (the problem the README describes)', async () => {
    const home = await helmHome();
    await addHelm3Plugin(path.join(home.env.HELM_DATA_HOME, 'plugins'));
    assert.equal((await helm(HELM4, ['plugin', 'install', PLUGIN_DIR], home.env)).code, 0);
    const r = await helm(HELM3, ['hello'], home.env);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /failed to load plugins: .*json: unknown field "apiVersion"/);
  });

  it('Helm 4 plugin install ignores HELM_PLUGINS (4.1.4 installs into $HELM_DATA_HOME/plugins)', async () => {
    const home = await helmHome();
    const elsewhere = path.join(home.dir, 'helm4-plugins');
    assert.equal((await helm(HELM4, ['plugin', 'install', PLUGIN_DIR], { ...home.env, HELM_PLUGINS: elsewhere })).code, 0);
    assert.ok(existsSync(path.join(home.env.HELM_DATA_HOME, 'plugins/helm-plugin/plugin.yaml')));
    assert.ok(!existsSync(elsewhere));
  });

  it('with its own HELM_DATA_HOME for Helm 4, both work and Helm 3 plugins are untouched', async () => {
    const home = await helmHome();
    await addHelm3Plugin(path.join(home.env.HELM_DATA_HOME, 'plugins'));
    const helm4Env = { ...home.env, HELM_DATA_HOME: path.join(home.dir, 'helm4-data'), PATH: PATH_WITHOUT_REIMAGE };
    assert.equal((await helm(HELM4, ['plugin', 'install', PLUGIN_DIR], helm4Env)).code, 0);
    await installCommandPlugin(path.join(helm4Env.HELM_DATA_HOME, 'plugins'), 'identity', 'cat');

    const hello = await helm(HELM3, ['hello'], home.env);
    assert.equal(hello.code, 0, hello.stderr);
    assert.equal(hello.stdout, 'hello from a Helm 3 plugin\n');
    assert.equal(hello.stderr, '');
    const list = await helm(HELM3, ['plugin', 'list'], home.env);
    assert.doesNotMatch(list.stdout + list.stderr, /reimage|failed/);

    const { r, identity, mappings } = await renderThroughPlugin(helm4Env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, identity.stdout);
    assert.deepEqual(mappings, {});
  });
});

