/**
 * The sprig (Masterminds/sprig v3) functions the report template may call: a subset of the
 * `sprig.TxtFuncMap()` the Go reimage gives its -vulncheck-report-template, with sprig's argument
 * order and results. The README lists them; any other name is an error when reimage starts.
 */
import { goJsonEscape } from '../../go-json.js';
import { BUILTINS, type FuncSpec, int, str, STRING_HELPERS, strings } from './funcs.js';
import { sprintf } from './printf.js';
import { EMBEDDED, formatValue, goEqual, GoFloat, goTypeName, GoMap, isList, isStruct, isTrue, NIL_SLICE, type Value, ValueError } from './values.js';

const DICT = 'map[string]interface {}';
const MAX_REPEAT_OUTPUT = 16 * 1024 * 1024;

/** sprig's strval: strings as they are, everything else as fmt's %v. */
const strval = (v: Value): string => (typeof v === 'string' ? v : formatValue(v));

/** sprig's strslice: a slice's non-nil elements as strings; nil is empty; anything else one string. */
function strslice(v: Value): string[] {
  if (v === null) return [];
  if (isList(v)) return v.filter((e) => e !== null).map(strval);
  return [strval(v)];
}

function list(v: Value, fn: string): readonly Value[] {
  if (!isList(v)) throw new ValueError(`Cannot ${fn} on type ${goTypeName(v)}`);
  return v;
}

/** A sprig dict parameter (map[string]interface {}): Go rejects other map types. */
function dict(v: Value | undefined): GoMap {
  if (!(v instanceof GoMap) || v.goType !== DICT) throw new ValueError(`wrong type for value; expected ${DICT}; got ${goTypeName(v ?? null)}`);
  return v;
}

/** cast.ToInt64, as sprig's math functions use it: floats truncate, bad strings are 0. */
function toInt64(v: Value | undefined): number {
  if (typeof v === 'number') return v;
  if (v instanceof GoFloat) return Math.trunc(v.value);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const s = v.trim();
    const n = /^[-+]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[0-9]+)$/.test(s) ? Number(s.replace(/^([-+]?)0([0-7]+)$/, '$10o$2')) : NaN;
    return Number.isSafeInteger(n) ? n : 0;
  }
  return 0;
}

function toFloat64(v: Value | undefined): GoFloat {
  if (typeof v === 'number') return new GoFloat(v);
  if (v instanceof GoFloat) return v;
  if (typeof v === 'boolean') return new GoFloat(v ? 1 : 0);
  if (typeof v === 'string') {
    const n = Number(v.trim());
    return new GoFloat(v.trim() !== '' && Number.isFinite(n) ? n : 0);
  }
  return new GoFloat(0);
}

/** reflect.DeepEqual for template values: an int never equals a float. */
function deepEqual(a: Value, b: Value): boolean {
  if (a === null || b === null) return a === b;
  if (isList(a) || isList(b)) return isList(a) && isList(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i] ?? null));
  if (a instanceof GoMap || b instanceof GoMap) {
    return a instanceof GoMap && b instanceof GoMap && a.size === b.size && [...a].every(([k, v]) => b.has(k) && deepEqual(v, b.get(k) ?? null));
  }
  if (isStruct(a) || isStruct(b)) {
    return isStruct(a) && isStruct(b) && Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => deepEqual(a[k] ?? null, b[k] ?? null));
  }
  try {
    return goEqual(a, b);
  } catch {
    return false;
  }
}

/** Go's json.Marshal of a template value (map keys sorted); `escapeHTML` as json.Marshal does by default. */
function toJson(v: Value, indent = '', escapeHTML = true): string {
  const plain = (x: Value): unknown => {
    if (x === NIL_SLICE) return null;
    if (x instanceof GoFloat) return x.shortest;
    if (isList(x)) return x.map(plain);
    if (x instanceof GoMap) return Object.fromEntries([...x.keys()].sort().map((k) => [k, plain(x.get(k) ?? null)]));
    if (isStruct(x)) {
      // Embedded structs are flattened into their parent, as encoding/json does.
      const embedded = (x as { [EMBEDDED]?: readonly string[] })[EMBEDDED] ?? [];
      return Object.fromEntries(Object.entries(x).flatMap(([k, e]): [string, unknown][] =>
        (embedded.includes(k) ? Object.entries(plain(e) as object) : [[k, plain(e)]])));
    }
    return x;
  };
  const json = JSON.stringify(plain(v), null, indent) ?? 'null';
  return escapeHTML ? goJsonEscape(json) : json;
}

/** encoding/json decoding into interface{}: objects are dicts, every number a float64. */
function fromJsonValue(x: unknown): Value {
  if (typeof x === 'number') return new GoFloat(x);
  if (Array.isArray(x)) return x.map(fromJsonValue);
  if (x && typeof x === 'object') return new GoMap(Object.entries(x).map(([k, e]) => [k, fromJsonValue(e)] as const));
  return x as Value;
}

/** strings.Title: the first letter of each word upper-cased. */
const title = (s: string) => s.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_, sep: string, letter: string) => `${sep}${letter.toUpperCase()}`);

const bytes = (s: string) => Buffer.from(s);

const fn = (doc: string, minArgs: number, maxArgs: number | undefined, call: (a: readonly Value[]) => Value, result: FuncSpec['result'] = 'any'): FuncSpec => ({
  doc, minArgs, ...(maxArgs !== undefined && { maxArgs }), result, call,
});

const math = (doc: string, minArgs: number, maxArgs: number | undefined, call: (n: number[]) => number): FuncSpec =>
  fn(doc, minArgs, maxArgs, (args) => {
    const result = call(args.map(toInt64));
    if (!Number.isFinite(result)) throw new ValueError('runtime error: integer divide by zero');
    return result;
  }, 'number');

const SPRIG_FUNCTIONS: Readonly<Record<string, FuncSpec>> = {
  ...STRING_HELPERS,
  // Strings.
  trim: strings('trim S: S without leading and trailing white space', 1, ([s = '']) => s.trim()),
  trimAll: strings('trimAll CUTSET S: S without leading and trailing characters in CUTSET', 2, ([cut = '', s = '']) => {
    const chars = new Set(cut);
    const arr = [...s];
    let i = 0;
    let j = arr.length;
    while (i < j && chars.has(arr[i] as string)) i++;
    while (j > i && chars.has(arr[j - 1] as string)) j--;
    return arr.slice(i, j).join('');
  }),
  title: strings('title S: each word capitalised', 1, ([s = '']) => title(s)),
  repeat: fn('repeat N S: S repeated N times', 2, 2, ([n, s]) => {
    const count = int(n);
    const text = str(s);
    if (count < 0) throw new ValueError('strings: negative Repeat count');
    if (count * text.length > MAX_REPEAT_OUTPUT) throw new ValueError(`repeat: result larger than ${MAX_REPEAT_OUTPUT} characters`);
    return text.repeat(count);
  }, 'string'),
  substr: fn('substr START END S: bytes START to END of S (sprig rules for negative or large bounds)', 3, 3, ([a, b, s]) => {
    const [start, end, text] = [int(a), int(b), bytes(str(s))];
    if (start < 0) return text.subarray(0, end).toString();
    if (end < 0 || end > text.length) return text.subarray(start).toString();
    return text.subarray(start, end).toString();
  }, 'string'),
  trunc: fn('trunc N S: the first N bytes of S (the last -N when N < 0)', 2, 2, ([n, s]) => {
    const [c, text] = [int(n), bytes(str(s))];
    if (c < 0 && text.length + c > 0) return text.subarray(text.length + c).toString();
    if (c >= 0 && text.length > c) return text.subarray(0, c).toString();
    return text.toString();
  }, 'string'),
  abbrev: fn('abbrev WIDTH S: S cut to WIDTH with "..."', 2, 2, ([w, s]) => {
    const [width, text] = [int(w), str(s)];
    return width < 4 || text.length <= width ? text : `${text.slice(0, width - 3)}...`;
  }, 'string'),
  nospace: strings('nospace S: S without white space', 1, ([s = '']) => s.replace(/\s/gu, '')),
  indent: fn('indent N S: every line of S indented by N spaces', 2, 2, ([n, s]) => {
    const pad = ' '.repeat(Math.max(0, int(n)));
    return pad + str(s).replaceAll('\n', `\n${pad}`);
  }, 'string'),
  nindent: fn('nindent N S: a newline, then indent N S', 2, 2, ([n, s]) => {
    const pad = ' '.repeat(Math.max(0, int(n)));
    return `\n${pad}${str(s).replaceAll('\n', `\n${pad}`)}`;
  }, 'string'),
  quote: fn('quote ARGS…: each non-nil argument in double quotes (Go %q), joined by spaces', 0, undefined,
    (args) => args.filter((a) => a !== null).map((a) => sprintf('%q', [strval(a)])).join(' '), 'string'),
  squote: fn("squote ARGS…: each non-nil argument in single quotes, joined by spaces", 0, undefined,
    (args) => args.filter((a) => a !== null).map((a) => `'${strval(a)}'`).join(' '), 'string'),
  cat: fn('cat ARGS…: the non-nil arguments joined by spaces', 0, undefined, (args) => args.filter((a) => a !== null).map(formatValue).join(' '), 'string'),
  splitList: strings('splitList SEP S: S split at every SEP, as a list', 2, ([sep = '', s = '']) => (sep === '' ? [...s] : s.split(sep))),
  join: fn('join SEP LIST: the elements as strings joined by SEP', 2, 2, ([sep, l = null]) => strslice(l).join(str(sep)), 'string'),
  toString: fn('toString V: V as a string', 1, 1, ([v = null]) => strval(v), 'string'),
  toStrings: fn('toStrings LIST: every non-nil element as a string', 1, 1, ([v = null]) => strslice(v)),
  sortAlpha: fn('sortAlpha LIST: the elements as strings, sorted', 1, 1, ([v = null]) => strslice(v).sort((a, b) => Buffer.compare(bytes(a), bytes(b)))),
  // Lists.
  list: fn('list ARGS…: a list of the arguments', 0, undefined, (args) => [...args]),
  first: fn('first LIST: the first element (nil when empty)', 1, 1, ([l = null]) => list(l, 'find first').at(0) ?? null),
  last: fn('last LIST: the last element (nil when empty)', 1, 1, ([l = null]) => list(l, 'find last').at(-1) ?? null),
  rest: fn('rest LIST: all but the first element', 1, 1, ([l = null]) => { const v = list(l, 'find rest'); return v.length === 0 ? null : v.slice(1); }),
  initial: fn('initial LIST: all but the last element', 1, 1, ([l = null]) => { const v = list(l, 'find initial'); return v.length === 0 ? null : v.slice(0, -1); }),
  append: fn('append LIST V: a new list with V added at the end', 2, 2, ([l = null, v = null]) => [...list(l, 'append'), v]),
  prepend: fn('prepend LIST V: a new list with V added at the start', 2, 2, ([l = null, v = null]) => [v, ...list(l, 'prepend')]),
  concat: fn('concat LISTS…: the lists joined into one', 0, undefined, (args) => args.flatMap((l) => [...list(l, 'concat')])),
  reverse: fn('reverse LIST: the elements in reverse order', 1, 1, ([l = null]) => [...list(l, 'reverse')].reverse()),
  uniq: fn('uniq LIST: the elements without repeats', 1, 1, ([l = null]) => list(l, 'uniq').filter((v, i, all) => all.findIndex((w) => deepEqual(v, w)) === i)),
  compact: fn('compact LIST: the elements that are not empty', 1, 1, ([l = null]) => list(l, 'compact').filter(isTrue)),
  without: fn('without LIST V…: the elements not equal to any V', 1, undefined, ([l = null, ...omit]) => list(l, 'without').filter((v) => !omit.some((o) => deepEqual(v, o)))),
  has: fn('has V LIST: is V an element of LIST', 2, 2, ([needle = null, l = null]) => (l === null ? false : list(l, 'find has').some((v) => deepEqual(v, needle))), 'bool'),
  // Dicts.
  dict: fn('dict K1 V1 K2 V2…: a dict (a missing last value is "")', 0, undefined, (args) => {
    const d = new GoMap();
    for (let i = 0; i < args.length; i += 2) d.set(strval(args[i] ?? null), i + 1 < args.length ? (args[i + 1] ?? null) : '');
    return d;
  }),
  get: fn('get DICT KEY: the value, or "" when missing', 2, 2, ([d, k]) => { const m = dict(d); const key = str(k); return m.has(key) ? (m.get(key) ?? null) : ''; }),
  hasKey: fn('hasKey DICT KEY: does DICT have KEY', 2, 2, ([d, k]) => dict(d).has(str(k)), 'bool'),
  keys: fn('keys DICT…: the keys (in insertion order; pipe to sortAlpha for a stable order, as in Go)', 0, undefined, (args) => args.flatMap((d) => [...dict(d).keys()])),
  values: fn('values DICT: the values (in insertion order)', 1, 1, ([d]) => [...dict(d).values()]),
  // Defaults and choices.
  default: fn('default D V: V, or D when V is missing or empty', 1, 2, ([d = null, ...given]) => (given.length === 0 || !isTrue(given[0] ?? null) ? d : (given[0] ?? null))),
  empty: fn('empty V: is V empty (false, 0, nil, "", an empty list or dict)', 1, 1, ([v = null]) => !isTrue(v) && !isStruct(v), 'bool'),
  coalesce: fn('coalesce V…: the first non-empty argument, or nil', 0, undefined, (args) => args.find((v) => isTrue(v)) ?? null),
  ternary: fn('ternary A B COND: A when COND is true, else B', 3, 3, ([a = null, b = null, c]) => {
    if (typeof c !== 'boolean') throw new ValueError(`wrong type for value; expected bool; got ${goTypeName(c ?? null)}`);
    return c ? a : b;
  }),
  // JSON.
  toJson: fn('toJson V: V as JSON (Go encoding/json, <>& escaped)', 1, 1, ([v = null]) => toJson(v), 'string'),
  toPrettyJson: fn('toPrettyJson V: V as JSON indented by two spaces', 1, 1, ([v = null]) => toJson(v, '  '), 'string'),
  toRawJson: fn('toRawJson V: V as JSON without HTML escaping', 1, 1, ([v = null]) => toJson(v, '', false), 'string'),
  fromJson: fn('fromJson S: S decoded (objects are dicts, numbers float64; nil when not JSON)', 1, 1, ([s]) => {
    try {
      return fromJsonValue(JSON.parse(str(s)));
    } catch (err) {
      if (err instanceof ValueError) throw err;
      return null;
    }
  }),
  // Numbers (sprig converts every argument to int64 first).
  add: math('add N…: the sum', 0, undefined, (n) => n.reduce((a, b) => a + b, 0)),
  add1: math('add1 N: N + 1', 1, 1, ([a = 0]) => a + 1),
  sub: math('sub A B: A - B', 2, 2, ([a = 0, b = 0]) => a - b),
  mul: math('mul N…: the product', 1, undefined, (n) => n.reduce((a, b) => a * b, 1)),
  div: math('div A B: A / B, truncated', 2, 2, ([a = 0, b = 0]) => (b === 0 ? Infinity : Math.trunc(a / b))),
  mod: math('mod A B: A % B', 2, 2, ([a = 0, b = 0]) => (b === 0 ? Infinity : a % b)),
  max: math('max N…: the largest', 1, undefined, (n) => Math.max(...n)),
  min: math('min N…: the smallest', 1, undefined, (n) => Math.min(...n)),
  int: fn('int V: V as an int', 1, 1, ([v]) => toInt64(v), 'number'),
  int64: fn('int64 V: V as an int', 1, 1, ([v]) => toInt64(v), 'number'),
  float64: fn('float64 V: V as a float64', 1, 1, ([v]) => toFloat64(v), 'number'),
  atoi: strings('atoi S: S as an int (0 when it is not one)', 1, ([s = '']) => (/^[-+]?[0-9]+$/.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) : 0), 'number'),
};

/** Every function a report template may call: Go's built-ins and the sprig subset above. */
export const REPORT_FUNCTIONS: Readonly<Record<string, FuncSpec>> = { ...BUILTINS, ...SPRIG_FUNCTIONS };
