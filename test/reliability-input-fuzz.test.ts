/**
 * A small, bounded fuzz test (fixed seed, a few hundred cases): mutated Helm-style streams must
 * either fail with our own error or round-trip byte for byte, rewrite cleanly, and re-read to the
 * rewritten images; the CLI must print nothing on stdout when it fails. The larger fuzzer is
 * scripts/fuzz-input.ts (same mutations, any seed and count).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkFuzzCase, fuzzCases } from './harness/fuzz-input.js';
import { runReimage } from './harness/run-reimage.js';

const SEED = 20_241_102;
test('fuzzed streams: our error or a clean round trip, on both readers (400 cases)', () => {
  let accepted = 0;
  for (const [i, text] of fuzzCases(SEED, 400).entries()) {
    try {
      const fast = checkFuzzCase(text, true);
      const full = checkFuzzCase(text, false);
      assert.equal(fast, full, 'the fast scanner and the full parser agree on acceptance');
      if (fast) accepted++;
    } catch (err) {
      assert.fail(`case ${i} (seed ${SEED}): ${(err as Error).stack}\n--- input ---\n${text}`);
    }
  }
  // Both kinds were exercised.
  assert.ok(accepted > 40 && accepted < 390, `${accepted} of 400 accepted`);
});

test('fuzzed streams through the CLI: exit 0 with output, or exit 1 with empty stdout (16 cases)', async () => {
  const cases = fuzzCases(SEED + 1, 16);
  const results = await Promise.all(cases.map((text) => runReimage(['-list-images'], text)));
  results.forEach((r, i) => {
    assert.ok(r.code === 0 || r.code === 1, `case ${i}: exit ${r.code}: ${r.stderr}`);
    if (r.code === 1) assert.equal(r.stdout, '', `case ${i}: nothing on stdout on failure`);
    else assert.match(r.stdout, /^DOC /);
    assert.doesNotMatch(r.stderr, /at \S+:\d+:\d+|TypeError|RangeError|Maximum call stack|Warning:/, `case ${i}: no JavaScript internals`);
  });
});
