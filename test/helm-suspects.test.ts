/**
 * Suspects in real `helm template` output (Helm 4) of the shared charts: none with their default
 * values or any of their ci/ values files; an image passed in an extra argument is one.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { HELM4, SHARED_CHARTS, helm, helmHome } from './harness/helm.js';
import { runReimage } from './harness/run-reimage.js';

const skip = existsSync(SHARED_CHARTS) ? false : `needs ${SHARED_CHARTS}`;

const suspectsOf = async (rendered: string) => {
  const r = await runReimage(['-list-images', '-output', 'json'], rendered);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { suspect?: true; path: string; image: string }).filter((o) => o.suspect);
};

test('helm template of the shared charts, with every ci/ values file, has no suspects', { skip }, async () => {
  const home = await helmHome();
  let renders = 0;
  for (const chart of readdirSync(SHARED_CHARTS).filter((c) => existsSync(path.join(SHARED_CHARTS, c, 'Chart.yaml')))) {
    const ci = path.join(SHARED_CHARTS, chart, 'ci');
    const valuesFiles = existsSync(ci) ? readdirSync(ci).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(ci, f)) : [];
    for (const values of [undefined, ...valuesFiles]) {
      const r = await helm(HELM4, ['template', 'r', path.join(SHARED_CHARTS, chart), ...(values ? ['-f', values] : [])], home.env);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await suspectsOf(r.stdout), [], `${chart} ${values ?? ''}`);
      renders++;
    }
  }
  assert.ok(renders >= 20, `${renders} renders`);
});

test('an image in an extra argument of a real chart is a suspect', { skip }, async () => {
  const home = await helmHome();
  const r = await helm(HELM4, ['template', 'r', path.join(SHARED_CHARTS, 'ingress-nginx'),
    '--set', 'controller.extraArgs.default-ssl-certificate-image=registry.example.com/team/certs:1.2'], home.env);
  assert.equal(r.code, 0, r.stderr);
  const suspects = await suspectsOf(r.stdout);
  assert.deepEqual(suspects.map((s) => s.image), ['registry.example.com/team/certs:1.2']);
  assert.match(suspects[0]!.path, /^\$\.spec\.template\.spec\.containers\[0\]\.args\[\d+\]$/);
});
