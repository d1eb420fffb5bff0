/**
 * A rule's imageRegexp: an RE2 pattern whose single capture group is the image inside a string
 * (`--prometheus-config-reloader=(.+)`). Compiled with the project's Go regexp module (linear
 * time, Go syntax and errors), which also reports where the group matched.
 */
import { goRegExp } from '../regexp.js';
import { RulesConfigError } from './rules-error.js';

/** Where a pattern's capture sits in a string's value. */
interface CapturedSpan {
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
 * Compiles a rule's imageRegexp; `rule` names the rule in errors. A pattern without exactly one
 * capture group is a usage error.
 */
export function compileImageRegexp(pattern: string, rule: string): ImageRegexp {
  const re = goRegExp(pattern, `the imageRegexp of ${rule}`);
  if (re.groupCount !== 1) {
    throw new RulesConfigError(`${rule}: imageRegexp ${JSON.stringify(pattern)} has ${re.groupCount} capture groups; want exactly one, around the image`);
  }
  return {
    source: pattern,
    capture(value) {
      const span = re.capture(value, 1);
      return span && span.length > 0 ? span : undefined;
    },
  };
}
