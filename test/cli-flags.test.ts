import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatUsage, parseFlags, parseGoDuration } from '../src/cli/flags.js';
import { FLAGS } from '../src/cli/options.js';
import { UsageError } from '../src/errors.js';

test('every Go flag syntax gives the same value', () => {
  for (const argv of [
    ['-ignore', 'x'], ['-ignore=x'], ['--ignore', 'x'], ['--ignore=x'],
  ]) {
    assert.equal(parseFlags(FLAGS, argv).values.ignore, 'x', argv.join(' '));
  }
});

test('bool flags alone, =true, =false and Go spellings', () => {
  assert.equal(parseFlags(FLAGS, ['-no-copy']).values['no-copy'], true);
  assert.equal(parseFlags(FLAGS, ['--no-copy']).values['no-copy'], true);
  assert.equal(parseFlags(FLAGS, ['-no-copy=false']).values['no-copy'], false);
  assert.equal(parseFlags(FLAGS, ['-verify-static-json-mappings=F']).values['verify-static-json-mappings'], false);
  assert.equal(parseFlags(FLAGS, ['-list-images=1']).values['list-images'], true);
  // A bool flag does not take the next argument as its value.
  const parsed = parseFlags(FLAGS, ['-debug', 'false']);
  assert.equal(parsed.values.debug, true);
  assert.deepEqual(parsed.rest, ['false']);
});

test('defaults, given flags, rest and --', () => {
  const parsed = parseFlags(FLAGS, ['-input', 'yaml', '--', '-ignore']);
  assert.equal(parsed.values.input, 'yaml');
  assert.equal(parsed.values.output, 'table');
  assert.equal(parsed.values['rename-ignore'], '^$');
  assert.deepEqual([...parsed.given], ['input']);
  assert.deepEqual(parsed.rest, ['-ignore']);
});

test('-h and -help ask for help', () => {
  assert.equal(parseFlags(FLAGS, ['-h']).help, true);
  assert.equal(parseFlags(FLAGS, ['--help']).help, true);
});

test('numbers and durations', () => {
  const v = parseFlags(FLAGS, ['-vulncheck-max-cvss=7.5', '-vulncheck-workers', '3', '-vulncheck-timeout', '1h30m']).values;
  assert.equal(v['vulncheck-max-cvss'], 7.5);
  assert.equal(v['vulncheck-workers'], 3);
  assert.equal(v['vulncheck-timeout'], 90 * 60_000);
  assert.equal(parseGoDuration('300ms'), 300);
  assert.equal(parseGoDuration('1.5s'), 1500);
});

test('list flags repeat and split on commas', () => {
  const v = parseFlags(FLAGS, ['-insecure-registry', 'a:5000,b', '-insecure-registry=c']).values;
  assert.deepEqual(v['insecure-registry'], ['a:5000', 'b', 'c']);
});

const BAD: readonly [string[], RegExp][] = [
  [['-nope'], /flag provided but not defined: -nope/],
  [['-ignore'], /flag needs an argument: -ignore/],
  [['-no-copy=maybe'], /invalid value "maybe" for flag -no-copy/],
  [['-vulncheck-workers', 'x'], /invalid value "x" for flag -vulncheck-workers/],
  [['-vulncheck-max-cvss', 'high'], /invalid value "high" for flag -vulncheck-max-cvss/],
  [['-vulncheck-timeout', '5 minutes'], /invalid value "5 minutes" for flag -vulncheck-timeout/],
  [['---ignore'], /bad flag syntax/],
  [['-=x'], /bad flag syntax/],
];

for (const [argv, message] of BAD) {
  test(`${argv.join(' ')} is a usage error`, () => {
    assert.throws(() => parseFlags(FLAGS, argv), (err: unknown) => err instanceof UsageError && message.test(err.message));
  });
}

test('usage lists every flag with its default', () => {
  const usage = formatUsage(FLAGS);
  for (const name of Object.keys(FLAGS)) assert.match(usage, new RegExp(`^  -${name}\\b`, 'm'));
  assert.match(usage, /-input string\n.*\(default "k8s"\)/);
  assert.match(usage, /-rename-ignore regexp\n.*\(default "\^\$"\)/);
});
