import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goRegExp, InvalidRegexpError } from '../src/regexp.js';
import { UsageError } from '../src/errors.js';

/** [pattern, input, matches] — RE2 semantics, unanchored like Go's MatchString. */
const CASES: readonly [string, string, boolean][] = [
  ['nginx', 'docker.io/library/nginx:1', true],
  ['^nginx', 'docker.io/library/nginx:1', false],
  ['^docker\\.io/', 'docker.io/library/nginx', true],
  ['(?i)^QUAY\\.IO/', 'quay.io/a/b', true],
  ['(?i)quay', 'QUAY.io', true],
  ['(?s)a.b', 'a\nb', true],
  ['a.b', 'a\nb', false],
  ['^$', '', true],
  ['^$', 'x', false],
  ['[[:digit:]]+$', 'tag123', true],
  ['^[[:alpha:]]+$', 'abc1', false],
  ['\\Qa.b\\E', 'a.b', true],
  ['\\Qa.b\\E', 'axb', false],
  ['\\Aab\\z', 'ab', true],
  ['\\Aab\\z', 'ab\n', false],
  ['(?P<reg>[a-z.]+)/', 'quay.io/x', true],
  ['\\x{41}', 'A', true],
  ['[]a]', ']', true],
  ['\\pL+', 'abc', true],
  ['a{2}', 'aa', true],
];

for (const [pattern, input, matches] of CASES) {
  test(`${JSON.stringify(pattern)} ${matches ? 'matches' : 'does not match'} ${JSON.stringify(input)}`, () => {
    assert.equal(goRegExp(pattern, 'test').test(input), matches);
  });
}

const REJECTED: readonly [string, RegExp][] = [
  ['(?=x)', /lookaround/],
  ['(?<!x)y', /lookaround/],
  ['(a)\\1', /backreference/],
  ['(?U)a+', /ungreedy/],
  ['a(?i)b', /flags inside/],
  ['[a', /missing closing ]/],
  ['(a', /invalid regexp/],
  ['a\\', /trailing backslash/],
  ['[[:foo:]]', /character class/],
];

for (const [pattern, reason] of REJECTED) {
  test(`${JSON.stringify(pattern)} is rejected with a usage error naming its source`, () => {
    assert.throws(() => goRegExp(pattern, 'flag -ignore'), (err: unknown) => {
      assert.ok(err instanceof InvalidRegexpError && err instanceof UsageError);
      assert.equal(err.exitCode, 2);
      assert.match(err.message, /flag -ignore/);
      assert.match(err.message, reason);
      return true;
    });
  });
}
