/**
 * I-Regexp (RFC 9485), the regexp dialect of JSONPath's match() and search() (RFC 9535 §2.4.6,
 * 2.4.7), run in linear time. jsonpath-rfc9535 hands these patterns to JavaScript's backtracking
 * engine, where `match(@.image, "(a+)+")` against a long hostile string never ends; here each
 * pattern is checked against the RFC's grammar and translated to RE2 syntax for re2js.
 *
 * By the grammar: `^` and `$` are ordinary characters; `.` is any character but \n and \r; the
 * escapes are the single-character ones and \p{…}/\P{…} with a general category. A pattern
 * outside the grammar makes the function false, as the RFC says. RE2 caps a repeat count at 1000,
 * so a larger one is also false.
 */
import type { RE2JS } from 're2js';
import { re2js } from '../regexp.js';

/** Nesting of groups beyond this is refused (RE2 refuses 1000; the parser below recurses). */
const MAX_DEPTH = 500;
/** Compiled patterns kept per process; a document may supply patterns (`match(@.a, @.b)`). */
const CACHE_SIZE = 1000;

const CATEGORY = /^(?:L[lmotu]?|M[cen]?|N[dlo]?|P[cdefios]?|Z[lps]?|S[ckmo]?|C[cfno]?)$/;
/** Characters that are not NormalChar (RFC 9485 §5.3), besides surrogates. */
const META = new Set('()*+.?[\\]{|}');
/** What may follow a backslash as a SingleCharEsc, and the character it stands for. */
const SINGLE_ESCAPES: Readonly<Record<string, string>> = {
  ...Object.fromEntries([...'()*+-.?[\\]^{|}'].map((c) => [c, c])),
  n: '\n', r: '\r', t: '\t',
};

class NotIRegexp extends Error {}

const literal = (cp: number) => `\\x{${cp.toString(16)}}`;
const isSurrogate = (cp: number) => cp >= 0xd800 && cp <= 0xdfff;

let unassigned: string | undefined;
/** Cn as RE2 class items. Go's Unicode tables have no Cn, so it is built from JavaScript's. */
function unassignedRanges(): string {
  if (unassigned !== undefined) return unassigned;
  const cn = /^\p{Cn}$/u;
  let out = '';
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (isSurrogate(cp) || !cn.test(String.fromCodePoint(cp))) continue;
    let end = cp;
    while (end < 0x10ffff && cn.test(String.fromCodePoint(end + 1))) end++;
    out += end === cp ? literal(cp) : `${literal(cp)}-${literal(end)}`;
    cp = end;
  }
  return (unassigned = out);
}

/** `\p{name}` as RE2 class items (C and Cn include the unassigned code points, as in Unicode). */
function categoryItems(name: string): string {
  if (!CATEGORY.test(name)) throw new NotIRegexp();
  if (name === 'Cn') return unassignedRanges();
  if (name === 'C') return `\\p{Cc}\\p{Cf}\\p{Co}\\p{Cs}${unassignedRanges()}`;
  return `\\p{${name}}`;
}

/** Translates an I-Regexp to an equivalent RE2 pattern; throws NotIRegexp outside the grammar. */
function translate(pattern: string): string {
  const chars = [...pattern];
  let pos = 0;
  const peek = () => chars[pos];

  /** A category escape after its backslash: `p{Lu}` or `P{Lu}`. Returns [negated, items]. */
  const categoryEscape = (): [boolean, string] => {
    const negated = chars[pos] === 'P';
    if (chars[pos + 1] !== '{') throw new NotIRegexp();
    const close = chars.indexOf('}', pos + 2);
    if (close < 0) throw new NotIRegexp();
    const items = categoryItems(chars.slice(pos + 2, close).join(''));
    pos = close + 1;
    return [negated, items];
  };

  /** A class character (CCchar): returns its code point. */
  const classChar = (): number => {
    const ch = chars[pos];
    if (ch === undefined || ch === '-' || ch === '[' || ch === ']') throw new NotIRegexp();
    if (ch === '\\') {
      const escaped = SINGLE_ESCAPES[chars[pos + 1] ?? ''];
      if (escaped === undefined) throw new NotIRegexp();
      pos += 2;
      return escaped.codePointAt(0)!;
    }
    const cp = ch.codePointAt(0)!;
    if (isSurrogate(cp)) throw new NotIRegexp();
    pos++;
    return cp;
  };

  /** `[…]` after its `[`: positive items and negated category items, joined into RE2. */
  const charClass = (): string => {
    const negated = peek() === '^';
    if (negated) pos++;
    let items = '';
    /** \P{…} inside a class: a complement, which RE2 writes as \P{…} only for plain categories. */
    const complements: string[] = [];
    let first = true;
    while (peek() !== ']') {
      if (peek() === undefined) throw new NotIRegexp();
      if (peek() === '-') {
        // Only first, or last before the ]: a literal hyphen.
        if (!first && chars[pos + 1] !== ']') throw new NotIRegexp();
        items += literal(0x2d);
        pos++;
      } else if (peek() === '\\' && (chars[pos + 1] === 'p' || chars[pos + 1] === 'P')) {
        pos++;
        const [neg, cat] = categoryEscape();
        if (!neg) items += cat;
        else if (cat.startsWith('\\p{') && cat.indexOf('\\', 1) < 0) items += `\\P${cat.slice(2)}`;
        else complements.push(cat);
      } else {
        const from = classChar();
        if (peek() === '-' && chars[pos + 1] !== ']' && chars[pos + 1] !== undefined) {
          pos++;
          const to = classChar();
          if (to < from) throw new NotIRegexp();
          items += `${literal(from)}-${literal(to)}`;
        } else {
          items += literal(from);
        }
      }
      first = false;
    }
    if (first) throw new NotIRegexp(); // [] and [^] are not in the grammar
    pos++;
    // A complement of C or Cn inside a class ([\P{Cn}x]): the union of a class and complements.
    const alternatives = [...(items ? [`[${items}]`] : []), ...complements.map((c) => `[^${c}]`)];
    if (!negated) return alternatives.length === 1 ? alternatives[0]! : `(?:${alternatives.join('|')})`;
    if (complements.length === 0) return `[^${items}]`;
    throw new NotIRegexp(); // [^\P{Cn}…]: an intersection, which RE2 cannot write
  };

  const atom = (depth: number): string => {
    const ch = chars[pos]!;
    if (ch === '(') {
      if (depth >= MAX_DEPTH) throw new NotIRegexp();
      pos++;
      const inner = alternation(depth + 1);
      if (peek() !== ')') throw new NotIRegexp();
      pos++;
      return `(?:${inner})`;
    }
    if (ch === '[') {
      pos++;
      return charClass();
    }
    if (ch === '.') {
      pos++;
      return '[^\\n\\r]';
    }
    if (ch === '\\') {
      const next = chars[pos + 1];
      if (next === 'p' || next === 'P') {
        pos++;
        const [negated, items] = categoryEscape();
        return negated ? `[^${items}]` : `[${items}]`;
      }
      const escaped = SINGLE_ESCAPES[next ?? ''];
      if (escaped === undefined) throw new NotIRegexp();
      pos += 2;
      return literal(escaped.codePointAt(0)!);
    }
    const cp = ch.codePointAt(0)!;
    if (META.has(ch) || isSurrogate(cp)) throw new NotIRegexp();
    pos++;
    return literal(cp);
  };

  const quantifier = (): string => {
    const ch = peek();
    if (ch === '*' || ch === '+' || ch === '?') {
      pos++;
      return ch;
    }
    if (ch !== '{') return '';
    const m = /^\{([0-9]+)(,([0-9]*))?\}/.exec(chars.slice(pos, pos + 24).join(''));
    if (!m) throw new NotIRegexp();
    const min = Number(m[1]);
    const max = m[3] ? Number(m[3]) : undefined;
    if (min > 1000 || (max !== undefined && (max > 1000 || max < min))) throw new NotIRegexp();
    pos += m[0].length;
    return `{${min}${m[2] === undefined ? '' : `,${max ?? ''}`}}`;
  };

  const alternation = (depth: number): string => {
    const branches: string[] = [];
    for (;;) {
      let branch = '';
      while (peek() !== undefined && peek() !== '|' && peek() !== ')') {
        const a = atom(depth);
        branch += `(?:${a})${quantifier()}`;
      }
      branches.push(branch);
      if (peek() !== '|') return branches.join('|');
      pos++;
    }
  };

  const out = alternation(0);
  if (pos !== chars.length) throw new NotIRegexp(); // an unbalanced )
  return out;
}

const compiled = new Map<string, RE2JS | null>();

/** The compiled pattern, anchored for match(); null when it is not an I-Regexp. */
function compile(pattern: string, anchored: boolean): RE2JS | null {
  const key = `${anchored ? 'm' : 's'}${pattern}`;
  const hit = compiled.get(key);
  if (hit !== undefined) return hit;
  let re: RE2JS | null;
  try {
    const body = translate(pattern);
    const { RE2JS } = re2js();
    re = RE2JS.compile(anchored ? `^(?:${body})$` : body);
  } catch (err) {
    if (!(err instanceof NotIRegexp || err instanceof re2js().RE2JSException)) throw err;
    re = null;
  }
  if (compiled.size >= CACHE_SIZE) compiled.clear();
  compiled.set(key, re);
  return re;
}

/** RFC 9535 match(): the whole string matches the I-Regexp. */
export function iRegexpMatch(value: unknown, pattern: unknown): boolean {
  return typeof value === 'string' && typeof pattern === 'string' && compile(pattern, true)?.test(value) === true;
}

/** RFC 9535 search(): some substring matches the I-Regexp. */
export function iRegexpSearch(value: unknown, pattern: unknown): boolean {
  return typeof value === 'string' && typeof pattern === 'string' && compile(pattern, false)?.test(value) === true;
}
