/**
 * Suspects on the shared corpus of published manifests (../shared/fixtures/manifests/), against
 * its independently extracted expected occurrences: every image only a custom rule finds is a
 * suspect without the rules and none is with them; the only other suspect is prometheus-operator's
 * config-reloader argument. Nothing else (URLs, paths, versions, host:port) is reported.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseImageRules, parseManifestStream, searchStream } from '../src/manifests/index.js';
import { needsShared, sharedFixture } from './harness/shared-fixtures.js';

const RELOADER = '3 $.spec.template.spec.containers[0].args[1] quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1';

test('suspects on the shared manifests: exactly the images that need custom rules, and the config reloader', { skip: needsShared('manifests/expected') }, () => {
  const sharedRules = readFileSync(sharedFixture('manifests/rules.yaml'), 'utf8');
  let checked = 0;
  for (const file of readdirSync(sharedFixture('manifests/expected'))) {
    const name = file.replace(/\.json$/, '');
    const text = readFileSync(sharedFixture(`manifests/${name}.yaml`), 'utf8');
    const expected = JSON.parse(readFileSync(sharedFixture(`manifests/expected/${file}`), 'utf8')) as { doc: number; path: string; image: string }[];
    const key = (o: { doc: number; path: string; image: string }) => `${o.doc} ${o.path} ${o.image}`;

    const bare = searchStream(parseManifestStream(text), parseImageRules(undefined, 'rules', 'k8s'), { suspects: true });
    const found = new Set(bare.images.map(key));
    const needRules = expected.map(key).filter((k) => !found.has(k));
    const suspects = bare.suspects.map(key);
    assert.deepEqual(suspects.filter((s) => s !== RELOADER).sort(), [...new Set(needRules)].sort(), name);
    assert.equal(suspects.includes(RELOADER), name === 'kube-prometheus-bundle', name);

    // The fast scanner's every-key reading finds what the full parser finds.
    const full = searchStream(parseManifestStream(text, { fastScan: false }), parseImageRules(undefined, 'rules', 'k8s'), { suspects: true });
    assert.deepEqual(full.suspects, bare.suspects, name);

    const ruled = searchStream(parseManifestStream(text), parseImageRules(sharedRules, 'rules.yaml', 'k8s'), { suspects: true });
    assert.deepEqual(ruled.suspects.map(key), name === 'kube-prometheus-bundle' ? [RELOADER] : [], name);
    checked++;
  }
  assert.equal(checked, 10);
});
