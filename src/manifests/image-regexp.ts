/**
 * A rule's imageRegexp: an RE2 pattern whose single capture group is the image inside a string
 * (`--prometheus-config-reloader=(.+)`). Compiled with the project's Go regexp module, which
 * checks the syntax and reports errors the Go way.
 */
import { goRegExp } from '../regexp.js';
import { RulesConfigError } from './rules-error.js';

/** Where a pattern's capture sits in a string's value. */
export interface CapturedSpan {
  readonly offset: number;
  readonly length: number;
}

export interface ImageRegexp {
  /** The pattern as written. */
  readonly source: string;
  /** The capture of the first match (undefined when it does not match, or captures nothing). */
  capture(value: string): CapturedSpan | undefined;
}

/**
 * Capture groups in an RE2 pattern: `(…)` and named `(?P<n>…)` / `(?<n>…)`, not `(?:…)`, escaped
 * parentheses, `\Q…\E` literals or parentheses in character classes.
 */
export function captureGroupCount(pattern: string): number {
  let count = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (pattern[i + 1] === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        i = end < 0 ? pattern.length : end + 1;
      } else i++;
    } else if (c === '[') {
      // A class: a leading ] (after an optional ^) is literal, [:name:] is a POSIX class.
      i += pattern[i + 1] === '^' ? 2 : 1;
      if (pattern[i] === ']') i++;
      for (; i < pattern.length && pattern[i] !== ']'; i++) {
        if (pattern[i] === '\\') i++;
        else if (pattern.startsWith('[:', i)) i = Math.max(i, pattern.indexOf(':]', i + 2) + 1);
      }
    } else if (c === '(') {
      if (pattern[i + 1] !== '?' || /^\(\?P?<[A-Za-z_]/.test(pattern.slice(i, i + 5))) count++;
    }
  }
  return count;
}

/**
 * Compiles a rule's imageRegexp; `rule` names the rule in errors. A pattern without exactly one
 * capture group is a usage error.
 */
export function compileImageRegexp(pattern: string, rule: string): ImageRegexp {
  const re = goRegExp(pattern, `the imageRegexp of ${rule}`);
  const groups = captureGroupCount(pattern);
  if (groups !== 1) {
    throw new RulesConfigError(`${rule}: imageRegexp ${JSON.stringify(pattern)} has ${groups} capture groups; want exactly one, around the image`);
  }
  return {
    source: pattern,
    capture(value) {
      const m = re.exec(value);
      const group = m?.[1];
      if (!m || !group) return undefined;
      // The engine reports the group's text, not its offset: a group that ends or starts the
      // match, or occurs in it once, is placed exactly; any other is not guessed at.
      const whole = m[0];
      let at: number;
      if (whole.endsWith(group)) at = whole.length - group.length;
      else if (whole.startsWith(group)) at = 0;
      else if (whole.indexOf(group) === whole.lastIndexOf(group)) at = whole.indexOf(group);
      else return undefined;
      return { offset: m.index + at, length: group.length };
    },
  };
}
