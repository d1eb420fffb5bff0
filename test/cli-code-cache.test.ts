/**
 * bin/reimage's code caches (see the launcher): one for each script a run loads (the CLI's main
 * script, and those it loads on first use: see scripts/build.mjs), learned from the first three
 * successful runs that load it into $XDG_CACHE_HOME/reimage, not from version or help runs nor
 * from failed ones, and harmless when broken or when their directory cannot be written: the output
 * is the same in every case.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { podYaml } from './harness/manifests.js';
import { runReimage } from './harness/run-reimage.js';
import { tempDir } from './harness/temp-dir.js';

/** Needs the full YAML parser (a flow mapping) and JSONPath (a Prometheus, read by a built-in rule). */
const chart = readFileSync(new URL('../examples/chart-output.yaml', import.meta.url), 'utf8');
/** What the fast scanner reads alone. */
const helmStyle = podYaml('nginx:1.27', 'registry.example.com/team/app:1.0');
const version = process.version.replaceAll('.', '\\.');
/** The cache files, as "<script> <learning runs>". */
const cacheFiles = (home: string) => {
  let files: string[];
  try {
    files = readdirSync(join(home, 'reimage'));
  } catch {
    return [];
  }
  return files.map((f) => {
    const m = new RegExp(`^(reimage(?:-[a-z0-9]+)?)-${version}-.*-(\\d)\\.cache$`).exec(f);
    assert.ok(m, f);
    return `${m[1]} ${m[2]}`;
  }).sort();
};

test('the launcher learns each script\'s code cache from the first three successful runs that load it, and output stays the same', { skip: process.env.REIMAGE_BIN && 'the single executable has its code caches built in' }, async () => {
  const cache = await tempDir();
  const env = { XDG_CACHE_HOME: cache };
  const noCache = { XDG_CACHE_HOME: '', HOME: '' };
  const expected = await runReimage(['-list-images'], helmStyle, noCache);
  assert.equal(expected.code, 0, expected.stderr);

  assert.equal((await runReimage(['-V'], '', env)).code, 0);
  assert.equal((await runReimage(['-no-such-flag'], '', env)).code, 2);
  assert.deepEqual(cacheFiles(cache), [], 'a version run or a failed run teaches nothing');

  // A Helm-style stream needs the main script alone.
  for (let run = 1; run <= 4; run++) {
    const r = await runReimage(['-list-images'], helmStyle, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, expected.stdout);
    assert.deepEqual(cacheFiles(cache), [`reimage ${Math.min(run, 3)}`]);
  }
  const full = await runReimage(['-list-images'], chart, noCache);
  assert.equal(full.code, 0, full.stderr);
  const learning = await runReimage(['-list-images'], chart, env);
  assert.equal(learning.stdout, full.stdout);
  assert.deepEqual(cacheFiles(cache), ['reimage 3', 'reimage-jsonpath 1', 'reimage-yaml 1']);

  // A broken cache is rejected by V8 and learned again.
  const main = readdirSync(join(cache, 'reimage')).find((f) => /^reimage-v/.test(f))!;
  writeFileSync(join(cache, 'reimage', main), 'not a code cache');
  const broken = await runReimage(['-list-images'], chart, env);
  assert.equal(broken.code, 0, broken.stderr);
  assert.equal(broken.stdout, full.stdout);
  assert.equal(broken.stderr, full.stderr);
  assert.deepEqual(cacheFiles(cache), ['reimage 1', 'reimage-jsonpath 2', 'reimage-yaml 2']);
});

test('a cache directory that cannot be made costs nothing but time', { skip: process.env.REIMAGE_BIN && 'the single executable has its code cache built in' }, async () => {
  const cache = await tempDir();
  writeFileSync(join(cache, 'reimage'), 'a file where the directory would be');
  const r = await runReimage(['-list-images'], chart, { XDG_CACHE_HOME: cache });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(readFileSync(join(cache, 'reimage'), 'utf8'), 'a file where the directory would be');
});
