import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goRegExp, InvalidRegexpError, quoteMeta, re2js } from '../src/regexp.js';
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
  // Go's RE2 where JavaScript differs (issue 12): \s is only [\t\n\f\r ], . matches \r.
  ['\\s', '\t', true],
  ['\\s', '\u00a0', false],
  ['\\s', '\u2003', false],
  ['\\s', '\v', false],
  ['a.b', 'a\rb', true],
  ['\\d', '\u0663', false],
  ['\\w', '\u00e9', false],
  ['\\bx', '\u00e9x', true],
  // Braces that do not form a repeat are literal.
  ['a{,2}', 'a{,2}', true],
  ['a{,2}', 'aa', false],
  ['x{', 'x{', true],
  ['{', '{', true],
  ['x{1,2', 'x{1,2', true],
  ['a{2,}', 'aa', true],
  ['x{0}', '', true],
  // Unicode scripts and negations, POSIX negation.
  ['^\\p{Greek}+$', '\u03b1\u03b2', true],
  ['^\\p{Greek}+$', 'ab', false],
  ['^\\p{^Greek}$', 'a', true],
  ['^\\P{Greek}$', '\u03b1', false],
  ['\\p{Han}', '\u4e2d', true],
  ['^[[:^alpha:]]+$', '123', true],
  ['^[[:^alpha:]]+$', '1a', false],
  ['[[:^alpha:][:digit:]]', 'a', false],
  // Flags anywhere, set and cleared, in groups; (?U) changes nothing for matching.
  ['(?s)a(?-s).b', 'a\nb', false],
  ['(?s)a.(?-s)b', 'a\nb', true],
  ['(?m)^b$', 'a\nb\nc', true],
  ['(?m)(?-m)^b$', 'a\nb\nc', false],
  ['a(?i)b', 'aB', true],
  ['a(?i)b', 'AB', false],
  ['(?i:A)b', 'aB', false],
  ['(?U)a+', 'aa', true],
  // Escapes: \a is BEL, \f \v, octal with two or three digits.
  ['\\a', '\x07', true],
  ['[\\a]', '\x07', true],
  ['\\v', '\v', true],
  ['\\101', 'A', true],
  ['\\012', '\n', true],
  ['\\0', '\0', true],
  // $ without (?m) is the end of text only; \z too.
  ['^a$', 'a\n', false],
  ['(?i)k', '\u212a', true],
  ['(?i)\u03c3', '\u03c2', true],
  ['a??', 'a', true],
]

for (const [pattern, input, matches] of CASES) {
  test(`${JSON.stringify(pattern)} ${matches ? 'matches' : 'does not match'} ${JSON.stringify(input)}`, () => {
    assert.equal(goRegExp(pattern, 'test').test(input), matches);
  });
}

const REJECTED: readonly [string, RegExp][] = [
  ['(?=x)', /lookaround/],
  ['(?<!x)y', /lookaround/],
  ['(?<=x)y', /lookaround/],
  ['(a)\\1', /backreference/],
  ['\\1', /invalid escape sequence: `\\1`.*octal/],
  ['\\8', /invalid escape sequence: `\\8`/],
  ['[a', /missing closing ]/],
  ['(a', /missing closing \)/],
  ['a)', /unexpected \)/],
  ['a\\', /trailing backslash/],
  ['[[:foo:]]', /invalid character class range: `\[:foo:\]`/],
  ['\\p{Foo}', /invalid character class range: `\\p\{Foo\}`/],
  ['x{1001}', /invalid repeat count: `\{1001\}`/],
  ['x{2,1}', /invalid repeat count/],
  ['((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}){2})', /invalid repeat count/],
  ['a**', /invalid nested repetition operator: `\*\*`/],
  ['a++', /invalid nested repetition operator/],
  ['(?i)[a-Z]', /invalid character class range: `a-Z`/],
  ['\\Z', /invalid escape sequence: `\\Z`/],
  ['\\C', /invalid escape sequence/],
  ['(?P<x y>a)', /invalid named capture/],
  ['('.repeat(1000) + ')'.repeat(1000), /nests too deeply/],
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

test('matching is linear in the input: a nested quantifier against a long non-matching text', () => {
  // A backtracking engine needs about 2^n steps here (seconds at n = 28); RE2 needs n.
  const re = goRegExp('^(a+)+$', 'flag -ignore');
  const text = `${'a'.repeat(100_000)}!`;
  const started = process.hrtime.bigint();
  assert.equal(re.test(text), false);
  assert.equal(re.test('a'.repeat(28)), true);
  // A generous ceiling: linear time is milliseconds; exponential time would not finish.
  assert.ok(Number(process.hrtime.bigint() - started) / 1e9 < 5);
});

test('compiling is linear in the pattern: a long run of backslashes (the plain-string check counts them)', () => {
  const started = process.hrtime.bigint();
  // 100,000 escaped backslashes (200,000 characters) as a plain string: anchored, unanchored, before an escaped dollar.
  const run = '\\\\'.repeat(100_000);
  assert.equal(goRegExp(`^${run}$`, 'flag -ignore').test('\\'.repeat(100_000)), true);
  assert.equal(goRegExp(`${run}x`, 'flag -ignore').test(`a${'\\'.repeat(100_000)}x`), true);
  assert.equal(goRegExp(`${run}\\$`, 'flag -ignore').test(`${'\\'.repeat(100_000)}$`), true);
  // A generous ceiling: linear time is milliseconds; the quadratic scan took minutes at this size.
  assert.ok(Number(process.hrtime.bigint() - started) / 1e9 < 5);
});

test('quoteMeta escapes as Go regexp.QuoteMeta does (re2js, a port of it, is the oracle)', () => {
  const ascii = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
  assert.equal(quoteMeta(ascii), re2js().RE2JS.quote(ascii));
  assert.equal(goRegExp(`^${quoteMeta(ascii)}$`, 'flag -ignore').test(ascii), true);
});
