/**
 * Regular expressions with Go RE2 syntax and semantics, as the Go reimage's flags and rule files
 * use them. They run on re2js, a port of RE2/Go's regexp engine: matching takes time linear in the
 * input whatever the pattern (JavaScript's own engine backtracks: `^(a+)+$` against 30 characters
 * takes seconds), and the syntax is Go's, with Go's errors. Matching is unanchored, as with Go's
 * MatchString.
 */
import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';
import { UsageError } from './errors.js';

const require = createRequire(import.meta.url);
let re2jsModule: typeof import('re2js') | undefined;

/**
 * re2js, loaded on first use: it takes longer to load and to compile its first patterns than the
 * rest of a `-list-images` run, whose built-in rules are plain strings (see literalRegexp).
 * Everything that uses re2js gets it here, so that there is one copy (its exception class is
 * tested with instanceof).
 */
export function re2js(): typeof import('re2js') {
  return (re2jsModule ??= require('re2js') as typeof import('re2js'));
}

export class InvalidRegexpError extends UsageError {}

/** A compiled Go regexp, matched in linear time. */
export interface GoRegexp {
  /** Whether the regexp matches anywhere in `text`. */
  test(text: string): boolean;
  /** The pattern as given. */
  readonly source: string;
}

/** What goRegExp compiles: matching plus capture groups (rules' imageRegexp). */
export interface GoCapturingRegexp extends GoRegexp {
  /** Capturing groups in the pattern. */
  readonly groupCount: number;
  /** Where group `group` of the leftmost match sits in `text` (undefined: no match, or the group took no part). */
  capture(text: string, group: number): { readonly offset: number; readonly length: number } | undefined;
}

/** Hints for what Go rejects and users of other engines often write. */
function hint(pattern: string): string {
  if (/\(\?<?[=!]/.test(pattern)) return ' (lookaround assertions are not supported by RE2)';
  if (/(?:^|[^\\])(?:\\\\)*\\[1-9](?![0-7])/.test(pattern)) {
    return ' (backreferences are not supported by RE2; an octal escape needs two or three digits, as \\101 or \\012)';
  }
  return '';
}

/**
 * Compiles a Go RE2 regexp. `what` names where it came from ("flag -ignore", "rule 2 kind") so
 * that the error says which one is bad.
 */
export function goRegExp(pattern: string, what: string): GoCapturingRegexp {
  const literal = literalRegexp(pattern);
  if (literal) return literal;
  const { RE2JS, RE2JSException } = re2js();
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    if (!(err instanceof RE2JSException)) throw err;
    const reason = err.message.replace(/^error parsing regexp: /, '');
    throw new InvalidRegexpError(`invalid regexp ${JSON.stringify(pattern)} for ${what}: ${reason}${hint(pattern)}`);
  }
  return {
    source: pattern,
    groupCount: re.groupCount(),
    test: (text) => re.test(text),
    capture(text, group) {
      const m = re.matcher(text);
      if (!m.find()) return undefined;
      const start = m.start(group);
      return start < 0 ? undefined : { offset: start, length: m.end(group) - start };
    },
  };
}

/** A pattern matching `text` literally: Go's regexp.QuoteMeta, which escapes these (without loading re2js). */
export function quoteMeta(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** A character that stands for itself in RE2 syntax outside a class. */
const PLAIN_CHARACTER = /[A-Za-z0-9_/:@=,;'"!%&~<>`#-]/;
/** A punctuation character that an escape makes literal. */
const ESCAPED_PUNCTUATION = /[.+*?()|[\]{}^$\\/-]/;

/**
 * A pattern that is a plain string, perhaps anchored with ^ and $ (`^Deployment$`,
 * `^monitoring\.coreos\.com/v1$`, `nginx`), as a string comparison: the same answers as RE2 (in
 * Go, $ without (?m) is the end of the text), without re2js. Undefined for any other pattern.
 */
function literalRegexp(pattern: string): GoCapturingRegexp | undefined {
  let body = pattern;
  const start = body.startsWith('^');
  if (start) body = body.slice(1);
  // A final `\$` is an escaped dollar; a final `$` after an even run of backslashes is the anchor.
  // Counted by hand: a regexp such as /(\\*)\$$/ backtracks quadratically on a run of backslashes.
  let backslashes = 0;
  while (body.endsWith('$') && body[body.length - 2 - backslashes] === '\\') backslashes++;
  const end = body.endsWith('$') && backslashes % 2 === 0;
  if (end) body = body.slice(0, -1);
  let text = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\') {
      const next = body[++i];
      if (next === undefined || !ESCAPED_PUNCTUATION.test(next)) return undefined;
      text += next;
    } else if (PLAIN_CHARACTER.test(c)) {
      text += c;
    } else {
      return undefined;
    }
  }
  const at = (s: string): number =>
    start && end ? (s === text ? 0 : -1) : start ? (s.startsWith(text) ? 0 : -1) : end ? (s.endsWith(text) ? s.length - text.length : -1) : s.indexOf(text);
  return {
    source: pattern,
    groupCount: 0,
    test: (s) => at(s) >= 0,
    capture(s, group) {
      const offset = group === 0 ? at(s) : -1;
      return offset < 0 ? undefined : { offset, length: text.length };
    },
  };
}
