/**
 * Post-render overhead under real Helm 3 and Helm 4: the shop test chart with 10 distinct images,
 * all already present in the target registry (a first run copies them). For each Helm version it
 * times `helm template` with reimage as the post-renderer (Helm 3: the executable; Helm 4: the
 * installed plugin) and with `cat`, interleaved, and prints the medians, the overhead (reimage
 * minus cat) and, beside it, `node -e 0` timed in the same run: the floor any Node.js
 * post-renderer pays.
 *
 *   npm run build && node --import tsx bench/helm-postrender.ts [rounds, default 15]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildTestLayout, pushTestImage } from '../test/harness/images.js';
import { CHARTS, HELM3, HELM4, PLUGIN_DIR, SHOP_CHART, installCommandPlugin } from '../test/harness/helm.js';
import { startRegistries } from '../test/harness/registries.js';
import { BIN } from '../test/harness/run-reimage.js';

const ROUNDS = Number(process.argv[2] ?? 15);

/** Runs a command to completion; returns its wall time in ms (throws on failure). */
function timed(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr}`));
      else resolve(Number(process.hrtime.bigint() - start) / 1e6);
    });
  });
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const dir = await mkdtemp(path.join(tmpdir(), 'reimage-bench-helm-'));
const [a, b, c] = await Promise.all([startRegistries('anonymous'), startRegistries('anonymous'), startRegistries('anonymous')]);
try {
  const [hub, src, dst] = [a.anonymous, b.anonymous, c.anonymous];
  const layout = await buildTestLayout();
  const hubImages = ['library/nginx:1.27', 'library/busybox:1.36', 'library/busybox:1.36-migrate', 'library/busybox:1.36-test',
    'bitnami/redis:7.2', 'widgets/engine:2', 'widgets/helper:2', 'library/sidecar:1'];
  for (const ref of hubImages) await pushTestImage(layout, 'oci-index', `${hub.host}/${ref}`, hub);
  const reporter = await pushTestImage(layout, 'oci-index', `${hub.host}/library/reporter:1.0`, hub);
  await pushTestImage(layout, 'oci-index', `${src.host}/team/app:1.0`, src);
  await layout.remove();

  const env = {
    HELM_DATA_HOME: path.join(dir, 'data'), HELM_CONFIG_HOME: path.join(dir, 'config'), HELM_CACHE_HOME: path.join(dir, 'cache'),
    DOCKER_CONFIG: dir, REIMAGE_BIN: BIN, REIMAGE_ERROR_FILE: path.join(dir, 'error.log'),
  };
  await timed(HELM4, ['plugin', 'install', PLUGIN_DIR], env);
  await installCommandPlugin(path.join(env.HELM_DATA_HOME, 'plugins'), 'identity', 'cat');
  const template = ['template', 'rel', SHOP_CHART, '--namespace', 'shop', '--set', 'team.useRegistry=true', '--set', `team.registry=${src.host}`,
    '--set', `report.digest=${reporter}`, '--set', 'web.sidecars[0]=sidecar:1'];
  const reimageArgs = ['-rules-config', path.join(CHARTS, 'widget-rules.yaml'), '-registry-mirror', `docker.io=${hub.host}`,
    '-rename-remote-path', `${dst.host}/imported`].map((arg) => `--post-renderer-args=${arg}`);
  const cases = {
    'helm3 + reimage': [HELM3, [...template, '--post-renderer', BIN, ...reimageArgs]],
    'helm3 + cat': [HELM3, [...template, '--post-renderer', '/bin/cat']],
    'helm4 + reimage': [HELM4, [...template, '--post-renderer', 'reimage', ...reimageArgs]],
    'helm4 + cat': [HELM4, [...template, '--post-renderer', 'identity']],
    'node -e 0': [process.execPath, ['-e', '0']],
  } as const;
  // The first run copies the 10 images; later runs find them all present.
  await timed(cases['helm4 + reimage'][0], cases['helm4 + reimage'][1], env);
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, [] as number[]])) as Record<keyof typeof cases, number[]>;
  for (let round = 0; round < ROUNDS + 1; round++) {
    for (const [name, [command, args]] of Object.entries(cases) as [keyof typeof cases, (typeof cases)[keyof typeof cases]][]) {
      const ms = await timed(command, args, env);
      if (round > 0) times[name].push(ms); // round 0 warms the page cache
    }
  }
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<keyof typeof cases, number>;
  console.log(`helm-postrender: shop chart, 10 distinct images all present, ${ROUNDS} rounds, medians (ms)`);
  for (const [name, ms] of Object.entries(m)) console.log(`  ${name.padEnd(16)} ${ms.toFixed(1)}`);
  const node = m['node -e 0'];
  for (const major of [3, 4] as const) {
    const overhead = m[`helm${major} + reimage`] - m[`helm${major} + cat`];
    console.log(`  Helm ${major} post-render overhead: ${overhead.toFixed(1)} ms = ${(overhead / node).toFixed(2)} x node -e 0 (${node.toFixed(1)} ms)`);
  }
} finally {
  await Promise.all([a.stop(), b.stop(), c.stop()]);
  await rm(dir, { recursive: true, force: true });
}
