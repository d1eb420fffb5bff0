/**
 * Issue 11.4: every user regexp runs in linear time. Go regexps (-ignore, rules) run on re2js
 * (test/regexp.test.ts holds the syntax table); JSONPath match()/search() run RFC 9485 I-Regexps,
 * translated here to RE2 instead of the library's backtracking RegExp.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iRegexpMatch, iRegexpSearch } from '../src/manifests/i-regexp.js';
import { jsonPath } from '../src/manifests/lazy-deps.js';
import { runReimage } from './harness/run-reimage.js';

/** [pattern, value, match() result, search() result] — RFC 9485 semantics. */
const CASES: readonly [string, string, boolean, boolean][] = [
  ['a.c', 'abc', true, true],
  ['a.c', 'xabcx', false, true],
  ['a.c', 'a\nc', false, false],
  ['a.c', 'a\rc', false, false],
  ['a.c', 'a\u2028c', true, true],
  // ^ and $ are ordinary characters in I-Regexp.
  ['^a$', '^a$', true, true],
  ['^a', 'a', false, false],
  ['a|bc', 'bc', true, true],
  ['(ab)+', 'ababab', true, true],
  ['a{2,3}', 'aaa', true, true],
  ['a{2}', 'aaa', false, true],
  ['a{2,}', 'aaaaa', true, true],
  ['[a-c]+', 'abcabc', true, true],
  ['[^a-c]', 'd', true, true],
  ['[a-]', '-', true, true],
  ['[-a]', '-', true, true],
  ['\\p{Lu}\\p{Ll}+', 'Hello', true, true],
  ['\\P{L}', '1', true, true],
  ['[\\p{N}x]+', '12x3', true, true],
  ['[\\P{N}]', '1', false, false],
  ['\\p{Cn}', '\u0378', true, true],
  ['\\p{C}', '\u0378', true, true],
  ['\\p{C}', '\u0007', true, true],
  ['\\P{Cn}', 'a', true, true],
  ['\\.\\*\\n', '.*\n', true, true],
  ['\\t', '\t', true, true],
  ['\\u00e9', 'é', false, false], // \u is not an I-Regexp escape: false
  ['\\d', '1', false, false], // nor \d
  ['[]', 'x', false, false],
  ['(a', 'a', false, false],
  ['a)', 'a', false, false],
  ['a{,2}', 'a', false, false],
  ['a{1001}', 'a', false, false],
  ['\\p{Greek}', 'α', false, false], // only general categories
  ['(?:a)', 'a', false, false],
];

for (const [pattern, value, match, search] of CASES) {
  test(`I-Regexp ${JSON.stringify(pattern)} on ${JSON.stringify(value)}: match ${match}, search ${search}`, () => {
    assert.equal(iRegexpMatch(value, pattern), match);
    assert.equal(iRegexpSearch(value, pattern), search);
  });
}

test('JSONPath match() and search() in rules run the linear-time I-Regexp, not the library\'s RegExp', () => {
  const { query } = jsonPath();
  const data = { items: [{ v: `${'a'.repeat(50_000)}!` }, { v: 'aaa' }, { v: '^a$' }, { v: 'x\ry' }] };
  const started = process.hrtime.bigint();
  assert.deepEqual(query(data, '$.items[?match(@.v, "(a+)+")].v'), ['aaa']);
  assert.deepEqual(query(data, '$.items[?search(@.v, "(a|a)+!")].v').length, 1);
  // Semantics that show the replacement is in effect: ^/$ are literal; . excludes \r.
  assert.deepEqual(query(data, '$.items[?match(@.v, "^a$")].v'), ['^a$']);
  assert.deepEqual(query(data, '$.items[?search(@.v, "x.y")].v'), []);
  assert.ok(Number(process.hrtime.bigint() - started) / 1e9 < 10, 'linear time: milliseconds, not minutes');
});

test('a backtracking -ignore regexp against a long image finishes in bounded time', async () => {
  const image = `${'a'.repeat(40)}:x`; // valid, and not matched: the :x makes a backtracking engine try every split
  const yaml = `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: ${image}\n`;
  const started = Date.now();
  const result = await runReimage(['-list-images', '-ignore', '^(a+)+$'], yaml);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /a{40}:x/);
  // JavaScript's engine needs about 3^20 steps here (hours); a generous ceiling for RE2.
  assert.ok(Date.now() - started < 20_000);
});
