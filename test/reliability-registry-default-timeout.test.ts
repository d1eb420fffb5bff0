/**
 * With no flags at all, a registry that accepts connections and never answers must fail the run
 * within two minutes (the requirement; five tries of the 20 s response timeout). Slow by
 * nature, so it has a file of its own and runs beside the others.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { startHostileRegistry } from './harness/hostile-registry.js';
import { podYaml } from './harness/manifests.js';
import { runReimage } from './harness/run-reimage.js';

const reg = await startHostileRegistry(() => true);
after(() => reg.stop());

it('a never-answering registry fails a default run within 2 minutes, printing nothing', { timeout: 180_000 }, async () => {
  const started = Date.now();
  const r = await runReimage([], podYaml(`${reg.host}/app:v1`, `${reg.host}/other:v2`));
  const took = Date.now() - started;
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /did not answer: response timeout: no answer within 20s \(-registry-timeout\) \(gave up after 5 tries\)/);
  assert.ok(took < 120_000, `took ${took} ms`);
});
