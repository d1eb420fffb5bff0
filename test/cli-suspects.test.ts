/**
 * Suspects and string-reaching rules through the CLI: -list-images, -suspects=warn|fail|ignore,
 * the ready-made rules in examples/rules/ on realistic operator manifests, and the README's
 * RELATED_IMAGE_ example.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runReimage } from './harness/run-reimage.js';
import { needsShared, sharedFixture } from './harness/shared-fixtures.js';
import { tempDir } from './harness/temp-dir.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE_FILE = 'manifests/kube-prometheus-bundle.yaml';
const bundle = () => readFileSync(sharedFixture(BUNDLE_FILE), 'utf8');
const RELOADER = 'quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1';
const rulesFile = (name: string) => path.join(ROOT, 'examples/rules', name);
const operator = (name: string) => readFileSync(path.join(ROOT, 'test/fixtures/operators', name), 'utf8');

interface Row { doc: number; kind: string; name: string; path: string; image: string; offset?: number; length?: number; suspect?: true }
const rows = (stdout: string): Row[] => stdout.trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);

test('-list-images reports the config-reloader argument of the kube-prometheus bundle as a suspect', { skip: needsShared(BUNDLE_FILE) }, async () => {
  const BUNDLE = bundle();
  const json = await runReimage(['-list-images', '-output', 'json'], BUNDLE);
  assert.equal(json.code, 0, json.stderr);
  const suspects = rows(json.stdout).filter((r) => r.suspect);
  assert.deepEqual(suspects, [{
    doc: 3,
    kind: 'Deployment',
    namespace: 'monitoring',
    name: 'prometheus-operator',
    path: '$.spec.template.spec.containers[0].args[1]',
    offset: '--prometheus-config-reloader='.length,
    length: RELOADER.length,
    image: RELOADER,
    normalized: RELOADER,
    suspect: true,
  } as Row]);
  // Suspects come after the images.
  assert.equal(rows(json.stdout).at(-1)!.suspect, true);

  const table = await runReimage(['-list-images'], BUNDLE);
  assert.equal(table.code, 0, table.stderr);
  const marked = table.stdout.split('\n').filter((l) => l.includes('(suspect'));
  assert.equal(marked.length, 1);
  assert.match(marked[0]!, /^3 +Deployment +monitoring +prometheus-operator +\$\.spec\.template\.spec\.containers\[0\]\.args\[1\] +quay\.io\/prometheus-operator\/prometheus-config-reloader:v0\.93\.1 \(suspect: not checked or copied\)$/);
});

test('with examples/rules/prometheus-operator.yaml the config reloader is an image and the bundle has no suspects', { skip: needsShared(BUNDLE_FILE) }, async () => {
  const BUNDLE = bundle();
  const r = await runReimage(['-list-images', '-output', 'json', '-rules-config', rulesFile('prometheus-operator.yaml')], BUNDLE);
  assert.equal(r.code, 0, r.stderr);
  const listed = rows(r.stdout);
  assert.equal(listed.filter((x) => x.suspect).length, 0);
  const reloader = listed.filter((x) => x.image === RELOADER);
  assert.deepEqual(reloader.map((x) => [x.path, x.offset, x.length]), [['$.spec.template.spec.containers[0].args[1]', 29, RELOADER.length]]);
});

/** Each ready-made rule, on a manifest of its operator: the images it adds, and no suspect left. */
const OPERATORS: { rules: string; manifest: string; images: string[] }[] = [
  {
    rules: 'tekton-pipelines.yaml',
    manifest: 'tekton-pipelines.yaml',
    images: [
      'ghcr.io/tektoncd/pipeline/entrypoint-bff0a22da108bc2f16c818c97641a296',
      'ghcr.io/tektoncd/pipeline/nop-8eac7c133edad5df719dc37b36b62482',
      'ghcr.io/tektoncd/pipeline/sidecarlogresults-7501c6a20d741631510a448b48ab098f',
      'ghcr.io/tektoncd/pipeline/workingdirinit-0c558922ec6a1b739e550e349f2d5fc1',
      'cgr.dev/chainguard/busybox',
      'mcr.microsoft.com/powershell',
      'gcr.io/kaniko-project/executor',
    ],
  },
  { rules: 'cert-manager.yaml', manifest: 'cert-manager.yaml', images: ['quay.io/jetstack/cert-manager-acmesolver'] },
  { rules: 'knative-serving.yaml', manifest: 'knative-serving.yaml', images: ['gcr.io/knative-releases/knative.dev/serving/cmd/queue'] },
  {
    rules: 'olm-related-images.yaml',
    manifest: 'olm-operator.yaml',
    images: ['registry.redhat.io/rhel9/postgresql-15', 'quay.io/example/backup-agent', 'pgbouncer', 'quay.io/example/example-operator'],
  },
];

for (const { rules, manifest, images } of OPERATORS) {
  test(`examples/rules/${rules} turns every suspect of ${manifest} into an image`, async () => {
    const text = operator(manifest);
    const repo = (image: string) => image.replace(/@.*$/, '').replace(/:[^/]*$/, '');
    const without = await runReimage(['-list-images', '-output', 'json'], text);
    assert.equal(without.code, 0, without.stderr);
    const suspects = rows(without.stdout).filter((x) => x.suspect);
    assert.ok(suspects.length > 0);
    assert.deepEqual([...new Set(suspects.map((x) => repo(x.image)))].sort(), [...images].sort());

    const withRule = await runReimage(['-list-images', '-output', 'json', '-rules-config', rulesFile(rules)], text);
    assert.equal(withRule.code, 0, withRule.stderr);
    const listed = rows(withRule.stdout);
    assert.deepEqual(listed.filter((x) => x.suspect), []);
    // Every former suspect is now an image at the same place.
    for (const s of suspects) assert.ok(listed.some((x) => x.path === s.path && x.doc === s.doc && x.image === s.image), `${s.path} ${s.image}`);
  });
}

test('the main job warns once about suspects, with their places and a rule that covers them', async () => {
  const text = operator('cert-manager.yaml').replace(/image: "quay\.io[^"]*"/g, 'image: "localhost:1/skip:1"');
  const r = await runReimage(['-ignore', '^localhost:1/'], text);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, text);
  assert.equal(r.stderr.match(/warn:/g)?.length, 1, r.stderr);
  assert.match(r.stderr, /reimage: warn: 1 image reference outside image fields \(suspect\) will not be checked, copied or rewritten:\n {2}Deployment cert-manager\/cert-manager \(cert-manager\/templates\/deployment\.yaml, document 1\) \$\.spec\.template\.spec\.containers\[0\]\.args\[3\] \(offset 27, length 48\): quay\.io\/jetstack\/cert-manager-acmesolver:v1\.15\.1\n/);
  assert.match(r.stderr, /- kind: \^Deployment\$\n {6}imageJSONP: \['\$\.spec\.template\.spec\.containers\[\*\]\.args\[\*\]'\]\n {6}imageRegexp: '\^--acme-http01-solver-image=\(\\S\+\)'/);

  // The suggested rule, as printed, covers the suspect.
  const dir = await tempDir();
  const suggested = r.stderr.split('\n').filter((l) => /^ {4}(- kind|  image)/.test(l)).map((l) => l.slice(4)).join('\n');
  await writeFile(path.join(dir, 'rules.yaml'), suggested);
  const covered = await runReimage(['-list-images', '-output', 'json', '-rules-config', path.join(dir, 'rules.yaml')], text);
  assert.equal(covered.code, 0, covered.stderr);
  assert.ok(rows(covered.stdout).some((x) => x.image === 'quay.io/jetstack/cert-manager-acmesolver:v1.15.1' && !x.suspect));
  assert.ok(!rows(covered.stdout).some((x) => x.suspect));
});

test('-suspects=fail makes a suspect an error before anything is written; -suspects=ignore is silent', async () => {
  const text = operator('knative-serving.yaml');
  for (const args of [['-suspects=fail'], ['-suspects', 'fail', '-list-images']]) {
    const r = await runReimage([...args, '-ignore', '^gcr\\.io/knative-releases/knative\\.dev/serving/cmd/controller'], text);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^reimage: -suspects=fail: 1 image reference outside image fields/);
    assert.match(r.stderr, /\$\.data\['queue-sidecar-image'\]: gcr\.io\/knative-releases/);
  }
  const quiet = await runReimage(['-suspects=ignore', '-ignore', 'controller'], text);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
  const listed = await runReimage(['-suspects=ignore', '-list-images', '-output=json'], text);
  assert.ok(!rows(listed.stdout).some((x) => x.suspect));
  const bad = await runReimage(['-suspects=maybe'], text);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /-suspects/);
});

test('a rules file whose imageRegexp has no capture group is a usage error at start-up', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'rules.yaml');
  await writeFile(file, '- kind: ^Deployment$\n  imageJSONP: ["$.spec.template.spec.containers[*].args[*]"]\n  imageRegexp: ^--image=.+$\n');
  const r = await runReimage(['-rules-config', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /imageRegexp "\^--image=\.\+\$" has 0 capture groups; want exactly one/);
});

test("the README's RELATED_IMAGE_ rule selects env values by name", async () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = /<!-- related-image-example -->\s*```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'README has the RELATED_IMAGE_ example');
  const dir = await tempDir();
  await writeFile(path.join(dir, 'rules.yaml'), block);
  const r = await runReimage(['-list-images', '-output', 'json', '-rules-config', path.join(dir, 'rules.yaml')], operator('olm-operator.yaml'));
  assert.equal(r.code, 0, r.stderr);
  const images = rows(r.stdout).filter((x) => x.doc === 1 && !x.suspect).map((x) => `${x.path} ${x.image}`);
  assert.deepEqual(images, [
    '$.spec.template.spec.containers[0].image quay.io/example/example-operator:v2.3.0',
    `$.spec.template.spec.containers[0].env[0].value registry.redhat.io/rhel9/postgresql-15@sha256:7d1e3b2a6c4f5e8d9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f`,
  ]);
});

test('the rule suggested for each suspect of the operator manifests covers it, and selects nothing that is not an image', async () => {
  const { suggestRule } = await import('../src/cli/suspects.js');
  const { parseImageRules, parseManifestStream, searchStream } = await import('../src/manifests/index.js');
  let checked = 0;
  for (const manifest of ['tekton-pipelines.yaml', 'cert-manager.yaml', 'knative-serving.yaml', 'olm-operator.yaml']) {
    const text = operator(manifest);
    const { suspects } = searchStream(parseManifestStream(text), parseImageRules(undefined, 'r', 'k8s'), { suspects: true });
    for (const s of suspects) {
      const rule = suggestRule(s).split('\n').map((l) => l.slice(4)).join('\n');
      // Throws if the rule selects a string that is not a valid image.
      const found = searchStream(parseManifestStream(text), parseImageRules(rule, 'suggested', 'k8s'), { suspects: true });
      assert.ok(found.images.some((o) => o.doc === s.doc && o.path === s.path && o.image === s.image), `${manifest} ${s.path}\n${rule}`);
      assert.ok(!found.suspects.some((x) => x.doc === s.doc && x.path === s.path && x.image === s.image), `${manifest} ${s.path}`);
      checked++;
    }
  }
  assert.ok(checked >= 15, `${checked} suspects`);
});
