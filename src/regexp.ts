/**
 * Regular expressions with Go RE2 syntax and semantics, as the Go reimage's flags and rule files
 * use them. They run on re2js, a port of RE2/Go's regexp engine: matching takes time linear in the
 * input whatever the pattern (JavaScript's own engine backtracks: `^(a+)+$` against 30 characters
 * takes seconds), and the syntax is Go's, with Go's errors. Matching is unanchored, as with Go's
 * MatchString.
 */
import { RE2JS, RE2JSException } from 're2js';
import { UsageError } from './errors.js';

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

/** A pattern matching `text` literally (Go's regexp.QuoteMeta). */
export function quoteMeta(text: string): string {
  return RE2JS.quote(text);
}
