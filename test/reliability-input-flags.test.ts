/**
 * Issue 11.11: durations past Node's timer range (2^31-1 ms, about 24.8 days) are clamped to it,
 * not turned into 1 ms; durations past Go's own range are rejected as Go rejects them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_TIMER_MS, parseFlags } from '../src/cli/flags.js';
import { FLAGS } from '../src/cli/options.js';
import { checkImages } from '../src/vulncheck/index.js';
import { runReimage } from './harness/run-reimage.js';
import { tempDir } from './harness/temp-dir.js';
import { configFromArgs, digestRef, fakeScannerCommand, fixture } from './vulncheck/harness.js';

const durationFlags = Object.entries(FLAGS).filter(([, spec]) => spec.kind === 'duration').map(([name]) => name);

test('there are duration flags to check', () => {
  assert.ok(durationFlags.includes('vulncheck-timeout'));
});

for (const name of durationFlags) {
  test(`-${name} 1000h is clamped to Node's longest timer, not overflowed`, () => {
    assert.equal(parseFlags(FLAGS, [`-${name}`, '1000h']).values[name as keyof typeof FLAGS], MAX_TIMER_MS);
    assert.equal(parseFlags(FLAGS, [`-${name}`, '90s']).values[name as keyof typeof FLAGS], 90_000);
  });

  test(`-${name} longer than Go's longest duration is a usage error`, () => {
    assert.throws(() => parseFlags(FLAGS, [`-${name}`, '3000000h']), /invalid value "3000000h" for flag -\S+: .*longer than Go's longest/);
  });
}

test('-vulncheck-timeout 1000h lets a scanner run (it was killed after 1 ms)', async () => {
  const dir = await tempDir();
  const command = await fakeScannerCommand(dir, { reportFile: fixture('scanners/trivy/debian-two-cves.json') });
  const verdict = await checkImages([digestRef('team/app')], configFromArgs(['-vulncheck-max-cvss', '11', '-vulncheck-command', command, '-vulncheck-timeout', '1000h']));
  assert.equal(verdict.images[0]!.error, undefined);
  assert.equal(verdict.passed, true);
});

test('a negative -timeout or -registry-timeout is a usage error naming the value as a duration, not as milliseconds', async () => {
  const run = await runReimage(['-timeout', '-5s'], '');
  assert.equal(run.code, 2);
  assert.match(run.stderr, /invalid value "-5s" for flag -timeout: must be 0 \(no limit\) or more\n$/);
  const registry = await runReimage(['-registry-timeout', '-1.5s'], '');
  assert.equal(registry.code, 2);
  assert.match(registry.stderr, /invalid value "-1\.5s" for flag -registry-timeout: must be more than 0\n$/);
});
