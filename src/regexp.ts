/**
 * Regular expressions with Go RE2 syntax and semantics, as the Go reimage's flags and rule files
 * use them. JavaScript lacks some RE2 syntax; it is translated here, and RE2-only or JS-only
 * constructs are rejected with a clear error instead of silently meaning something else.
 * Matching is unanchored, as with Go's MatchString.
 */
import { UsageError } from './errors.js';

export class InvalidRegexpError extends UsageError {}

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/** Characters a `u`-mode JS regexp lets you escape with a backslash outside a class. */
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));

const hexEscape = (ch: string) => `\\u{${ch.codePointAt(0)!.toString(16)}}`;

/**
 * Translates an RE2 pattern to an equivalent JS `u`-mode pattern and flags.
 * Throws Error with the reason when the pattern cannot be expressed faithfully.
 */
function translateGoRegexp(pattern: string): { source: string; flags: string } {
  let flags = 'u';
  let i = 0;
  // Leading flag groups: (?i) (?s) (?m) (?is) … apply to the whole pattern, like Go.
  for (let m; (m = /^\(\?([imsU]+)\)/.exec(pattern.slice(i))); i += m[0].length) {
    for (const f of m[1] ?? '') {
      if (f === 'U') throw new Error('the (?U) ungreedy flag has no JavaScript equivalent');
      if (!flags.includes(f)) flags += f;
    }
  }
  let out = '';
  let inClass = false;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    const rest = pattern.slice(i);
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) throw new Error('trailing backslash at end of expression');
      if (next === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const literal = pattern.slice(i + 2, end < 0 ? undefined : end);
        out += [...literal].map((c) => (/[0-9A-Za-z_]/.test(c) ? c : hexEscape(c))).join('');
        i = end < 0 ? pattern.length : end + 2;
        continue;
      }
      if (next === 'A' && !inClass) { out += '(?<![\\s\\S])'; i += 2; continue; }
      if (next === 'z' && !inClass) { out += '(?![\\s\\S])'; i += 2; continue; }
      if (/[1-9]/.test(next)) throw new Error(`backreference \\${next} is not supported by RE2`);
      if (next === 'C') throw new Error('\\C is not supported');
      if (next === 'x' && pattern[i + 2] === '{') {
        const end = pattern.indexOf('}', i + 3);
        if (end < 0) throw new Error('missing closing } in \\x{…}');
        out += `\\u{${pattern.slice(i + 3, end)}}`;
        i = end + 1;
        continue;
      }
      if ((next === 'p' || next === 'P') && pattern[i + 2] !== '{') {
        out += `\\${next}{${pattern[i + 2] ?? ''}}`;
        i += 3;
        continue;
      }
      if (/[^0-9A-Za-z]/.test(next) && !(JS_SYNTAX.has(next) || (inClass && next === '-'))) {
        out += hexEscape(next);
      } else {
        out += `\\${next}`;
      }
      i += 2;
      continue;
    }
    if (inClass) {
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(rest);
      if (posix) {
        const cls = POSIX_CLASSES[posix[2] ?? ''];
        if (cls === undefined) throw new Error(`invalid character class range [:${posix[2]}:]`);
        if (posix[1]) throw new Error(`negated POSIX class [:^${posix[2]}:] is not supported; negate the whole class instead`);
        out += cls;
        i += posix[0].length;
        continue;
      }
      if (ch === ']') inClass = false;
      else if (ch === '[') {
        out += '\\[';
        i++;
        continue;
      }
      out += ch;
      i++;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += '[';
      i++;
      if (pattern[i] === '^') { out += '^'; i++; }
      if (pattern[i] === ']') { out += '\\]'; i++; } // a leading ] is literal in RE2
      continue;
    }
    if (ch === '(' && pattern[i + 1] === '?') {
      if (rest.startsWith('(?P<')) { out += '(?<'; i += 4; continue; }
      if (rest.startsWith('(?:') || rest.startsWith('(?<') && /^\(\?<[A-Za-z_]/.test(rest)) {
        out += rest.startsWith('(?:') ? '(?:' : '(?<';
        i += 3;
        continue;
      }
      if (/^\(\?[=!]|^\(\?<[=!]/.test(rest)) throw new Error('lookaround assertions are not supported by RE2');
      throw new Error(`flags inside the expression (${rest.slice(0, 6)}…) are not supported; put them at the start, as (?i)`);
    }
    out += ch;
    i++;
  }
  if (inClass) throw new Error('missing closing ]');
  return { source: out, flags };
}

/**
 * Compiles a Go RE2 regexp. `what` names where it came from ("flag -ignore", "rule 2 kind") so
 * that the error says which one is bad.
 */
export function goRegExp(pattern: string, what: string): RegExp {
  try {
    const { source, flags } = translateGoRegexp(pattern);
    return new RegExp(source, flags);
  } catch (err) {
    throw new InvalidRegexpError(`invalid regexp ${JSON.stringify(pattern)} for ${what}: ${(err as Error).message}`);
  }
}
