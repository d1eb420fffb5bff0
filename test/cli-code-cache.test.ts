/**
 * bin/reimage's code cache (see the launcher): learned from the first three successful runs into
 * $XDG_CACHE_HOME/reimage, not from version or help runs nor from failed ones, and harmless when
 * it is broken or its directory cannot be written: the output is the same in every case.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runReimage } from './harness/run-reimage.js';
import { tempDir } from './harness/temp-dir.js';

const chart = readFileSync(new URL('../examples/chart-output.yaml', import.meta.url), 'utf8');
const cacheFiles = (home: string) => {
  try {
    return readdirSync(join(home, 'reimage')).sort();
  } catch {
    return [];
  }
};

test('the launcher learns a code cache from its first three successful runs, and output stays the same', { skip: process.env.REIMAGE_BIN && 'the single executable has its code cache built in' }, async () => {
  const cache = await tempDir();
  const env = { XDG_CACHE_HOME: cache };
  const expected = await runReimage(['-list-images'], chart, { XDG_CACHE_HOME: '', HOME: '' });
  assert.equal(expected.code, 0, expected.stderr);

  assert.equal((await runReimage(['-V'], '', env)).code, 0);
  assert.equal((await runReimage(['-no-such-flag'], '', env)).code, 2);
  assert.deepEqual(cacheFiles(cache), [], 'a version run or a failed run teaches nothing');

  for (let run = 1; run <= 4; run++) {
    const r = await runReimage(['-list-images'], chart, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, expected.stdout);
    const files = cacheFiles(cache);
    assert.equal(files.length, 1, files.join(', '));
    assert.match(files[0]!, new RegExp(`^code-${process.version.replaceAll('.', '\\.')}-.*-${Math.min(run, 3)}\\.cache$`));
  }

  // A broken cache is rejected by V8 and learned again.
  writeFileSync(join(cache, 'reimage', cacheFiles(cache)[0]!), 'not a code cache');
  const broken = await runReimage(['-list-images'], chart, env);
  assert.equal(broken.code, 0, broken.stderr);
  assert.equal(broken.stdout, expected.stdout);
  assert.equal(broken.stderr, expected.stderr);
  assert.match(cacheFiles(cache)[0]!, /-1\.cache$/);
});

test('a cache directory that cannot be made costs nothing but time', { skip: process.env.REIMAGE_BIN && 'the single executable has its code cache built in' }, async () => {
  const cache = await tempDir();
  writeFileSync(join(cache, 'reimage'), 'a file where the directory would be');
  const r = await runReimage(['-list-images'], chart, { XDG_CACHE_HOME: cache });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(readFileSync(join(cache, 'reimage'), 'utf8'), 'a file where the directory would be');
});
