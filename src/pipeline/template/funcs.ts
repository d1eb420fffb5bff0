/**
 * The functions templates may call. BUILTINS are Go text/template's own (except `call`, which
 * needs Go function values). RENAME_FUNCTIONS adds a few string helpers named and ordered like
 * sprig's (the value being worked on comes last, so they chain in pipelines:
 * `{{ .Repository | replace "/" "-" | lower }}`); the report template gets the sprig subset in
 * sprig.ts.
 */
import type { StaticType } from './ast.js';
import { sprintf } from './printf.js';
import { formatValue, goEqual, goLess, goTypeName, GoMap, isList, isTrue, type Value, ValueError } from './values.js';

export interface FuncSpec {
  readonly doc: string;
  readonly minArgs: number;
  /** Undefined: any number. */
  readonly maxArgs?: number;
  /** Every argument must be a string (checked when parsing where the type is known, else when running). */
  readonly stringArgs?: boolean;
  /** `and`/`or` evaluate their arguments lazily, so the executor handles them itself. */
  readonly lazy?: 'and' | 'or';
  readonly result: StaticType | ((args: readonly StaticType[]) => StaticType);
  readonly call: (args: readonly Value[]) => Value;
}

/** A Go string parameter: anything else is the error Go's reflection call gives. */
export function str(v: Value | undefined): string {
  if (typeof v !== 'string') throw new ValueError(`wrong type for value; expected string; got ${goTypeName(v ?? null)}`);
  return v;
}

/** A Go int parameter. */
export function int(v: Value | undefined): number {
  if (typeof v !== 'number') throw new ValueError(`wrong type for value; expected int; got ${goTypeName(v ?? null)}`);
  return v;
}

export const strings = (doc: string, arity: number, call: (a: readonly string[]) => Value, result: StaticType = 'string'): FuncSpec => ({
  doc, minArgs: arity, maxArgs: arity, stringArgs: true, result, call: (args) => call(args.map(str)),
});
const compare = (doc: string, test: (a: Value, b: Value) => boolean): FuncSpec => ({
  doc, minArgs: 2, maxArgs: 2, result: 'bool', call: ([a = null, b = null]) => test(a, b),
});
/** and/or return one of their arguments: its type is known only when all agree. */
const sameTypeOrAny = (args: readonly StaticType[]): StaticType =>
  args.every((t) => t === args[0]) ? (args[0] ?? 'any') : 'any';

/** Go's fmt.Sprint: a space between operands when neither side is a string. */
function sprint(args: readonly Value[]): string {
  return args.map((a, i) => {
    const prev = args[i - 1];
    const space = i > 0 && typeof a !== 'string' && typeof prev !== 'string';
    return (space ? ' ' : '') + formatValue(a);
  }).join('');
}

/** Go's `index`: successive map keys or slice indexes. */
function index([item = null, ...keys]: readonly Value[]): Value {
  let v = item;
  for (const key of keys) {
    if (isList(v) || typeof v === 'string') {
      const i = int(key);
      if (i < 0 || i >= v.length) throw new ValueError(`index out of range: ${i}`);
      v = isList(v) ? (v[i] ?? null) : Buffer.from(v)[i] ?? 0;
    } else if (v instanceof GoMap) {
      v = v.get(str(key)) ?? null;
    } else if (v === null) {
      throw new ValueError('index of untyped nil');
    } else {
      throw new ValueError(`can't index item of type ${goTypeName(v)}`);
    }
  }
  return v;
}

/** Go's `slice`: s[i:j] of a string (by bytes) or a slice. */
function slice([item = null, ...bounds]: readonly Value[]): Value {
  if (bounds.length > 2) throw new ValueError('too many slice indexes');
  const length = typeof item === 'string' ? Buffer.byteLength(item) : isList(item) ? item.length : -1;
  if (length < 0) throw new ValueError(`can't slice item of type ${goTypeName(item)}`);
  const [i = 0, j = length] = bounds.map(int);
  if (i < 0 || j < i || j > length) throw new ValueError(`slice indexes out of range: [${i}:${j}] of length ${length}`);
  return typeof item === 'string' ? Buffer.from(item).subarray(i, j).toString() : (item as readonly Value[]).slice(i, j);
}

function goLength(v: Value | undefined): number {
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (v !== undefined && isList(v)) return v.length;
  if (v instanceof GoMap) return v.size;
  throw new ValueError(`len of type ${goTypeName(v ?? null)}`);
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&#34;', '\0': '\uFFFD' };

/** template.JSEscapeString. */
function jsEscape(s: string): string {
  const named: Readonly<Record<string, string>> = { '\\': '\\\\', "'": "\\'", '"': '\\"' };
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (named[ch]) out += named[ch];
    else if ('<>&='.includes(ch) || code < 0x20 || (code >= 0x7f && !/[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]/u.test(ch))) {
      out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    } else out += ch;
  }
  return out;
}

export const BUILTINS: Readonly<Record<string, FuncSpec>> = {
  and: { doc: 'first empty argument, or the last', minArgs: 1, lazy: 'and', result: sameTypeOrAny, call: () => null },
  or: { doc: 'first non-empty argument, or the last', minArgs: 1, lazy: 'or', result: sameTypeOrAny, call: () => null },
  not: { doc: 'boolean negation', minArgs: 1, maxArgs: 1, result: 'bool', call: ([a = null]) => !isTrue(a) },
  eq: {
    doc: 'arg1 == arg2 (or == any later argument)', minArgs: 2, result: 'bool',
    call: ([a = null, ...rest]) => rest.some((b) => goEqual(a, b)),
  },
  ne: compare('arg1 != arg2', (a, b) => !goEqual(a, b)),
  lt: compare('arg1 < arg2', goLess),
  le: compare('arg1 <= arg2', (a, b) => goLess(a, b) || goEqual(a, b)),
  gt: compare('arg1 > arg2', (a, b) => goLess(b, a)),
  ge: compare('arg1 >= arg2', (a, b) => !goLess(a, b)),
  len: { doc: 'length of a string (in bytes), slice or map', minArgs: 1, maxArgs: 1, result: 'number', call: ([a]) => goLength(a) },
  index: { doc: 'index X K1 K2…: X[K1][K2]… of maps and slices', minArgs: 1, result: 'any', call: index },
  slice: { doc: 'slice X I J: X[I:J] of a string or slice', minArgs: 1, maxArgs: 3, result: 'any', call: slice },
  print: { doc: 'fmt.Sprint', minArgs: 0, result: 'string', call: sprint },
  println: {
    doc: 'fmt.Sprintln', minArgs: 0, result: 'string',
    call: (args) => `${args.map(formatValue).join(' ')}\n`,
  },
  printf: {
    doc: 'fmt.Sprintf (verbs %v %s %q %c %d %o %O %b %U %x %X %t %f %e %g)', minArgs: 1, result: 'string',
    call: ([format, ...args]) => {
      if (typeof format !== 'string') throw new ValueError('printf: the format must be a string');
      return sprintf(format, args);
    },
  },
  html: { doc: 'HTML-escaped text of the arguments', minArgs: 0, result: 'string', call: (args) => sprint(args).replace(/[<>&'"\0]/g, (c) => HTML_ESCAPES[c] ?? c) },
  js: { doc: 'JavaScript-escaped text of the arguments', minArgs: 0, result: 'string', call: (args) => jsEscape(sprint(args)) },
  urlquery: {
    doc: 'URL query-escaped text of the arguments', minArgs: 0, result: 'string',
    call: (args) => encodeURIComponent(sprint(args)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replaceAll('%20', '+'),
  },
};

/** Shared with the report template's sprig set, which has the same names and semantics. */
export const STRING_HELPERS: Readonly<Record<string, FuncSpec>> = {
  lower: strings('lower case', 1, ([s = '']) => s.toLowerCase()),
  upper: strings('upper case', 1, ([s = '']) => s.toUpperCase()),
  replace: strings('replace OLD NEW S: every OLD in S replaced by NEW', 3, ([o = '', n = '', s = '']) => s.replaceAll(o, n)),
  trimPrefix: strings('trimPrefix PREFIX S: S without a leading PREFIX', 2, ([p = '', s = '']) => (s.startsWith(p) ? s.slice(p.length) : s)),
  trimSuffix: strings('trimSuffix SUFFIX S: S without a trailing SUFFIX', 2, ([x = '', s = '']) => (x && s.endsWith(x) ? s.slice(0, -x.length) : s)),
  hasPrefix: strings('hasPrefix PREFIX S: does S start with PREFIX', 2, ([p = '', s = '']) => s.startsWith(p), 'bool'),
  hasSuffix: strings('hasSuffix SUFFIX S: does S end with SUFFIX', 2, ([x = '', s = '']) => s.endsWith(x), 'bool'),
  contains: strings('contains SUB S: does S contain SUB', 2, ([x = '', s = '']) => s.includes(x), 'bool'),
};

export const RENAME_FUNCTIONS: Readonly<Record<string, FuncSpec>> = { ...BUILTINS, ...STRING_HELPERS };
