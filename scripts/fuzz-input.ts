/**
 * The larger input fuzzer (issue 11): the same mutations and invariants as
 * test/reliability-input-fuzz.test.ts, for any seed and count. Prints failing cases and exits 1.
 *
 *   node --import tsx scripts/fuzz-input.ts [seed] [count]     # defaults: time-based seed, 5000
 */
import { checkFuzzCase, fuzzCases } from '../test/harness/fuzz-input.js';

const seed = Number(process.argv[2] ?? Date.now() % 2 ** 31);
const count = Number(process.argv[3] ?? 5000);
let accepted = 0;
let failed = 0;
const started = Date.now();
for (const [i, text] of fuzzCases(seed, count).entries()) {
  try {
    const fast = checkFuzzCase(text, true);
    if (checkFuzzCase(text, false) !== fast) throw new Error('the fast scanner and the full parser disagree on acceptance');
    if (fast) accepted++;
  } catch (err) {
    failed++;
    console.log(`case ${i} of seed ${seed}: ${(err as Error).message}\n--- input ---\n${text}\n---`);
  }
}
console.log(`seed ${seed}: ${count} cases, ${accepted} accepted, ${count - accepted - failed} refused with our error, ${failed} failed, ${((Date.now() - started) / 1000).toFixed(1)}s`);
process.exitCode = failed > 0 ? 1 : 0;
