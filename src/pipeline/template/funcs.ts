/**
 * The functions a rename template may call: Go's built-ins that make sense for strings, plus a few
 * string helpers named and ordered like sprig's (the value being worked on comes last, so they
 * chain in pipelines: `{{ .Repository | replace "/" "-" | lower }}`).
 */
import type { StaticType } from './ast.js';
import { sprintf } from './printf.js';
import { formatValue, goEqual, goLess, isTrue, type Value, ValueError } from './values.js';

export interface FuncSpec {
  readonly doc: string;
  readonly minArgs: number;
  /** Undefined: any number. */
  readonly maxArgs?: number;
  /** Expected type of every argument, when they must all be strings. */
  readonly stringArgs?: boolean;
  /** `and`/`or` evaluate their arguments lazily, so the executor handles them itself. */
  readonly lazy?: 'and' | 'or';
  readonly result: StaticType | ((args: readonly StaticType[]) => StaticType);
  readonly call: (args: readonly Value[]) => Value;
}

const str = (v: Value) => v as string;
const strings = (doc: string, arity: number, call: (a: readonly string[]) => Value, result: StaticType = 'string'): FuncSpec => ({
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

export const FUNCTIONS: Readonly<Record<string, FuncSpec>> = {
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
  len: {
    doc: 'length of a string in bytes', minArgs: 1, maxArgs: 1, stringArgs: true, result: 'number',
    call: ([a]) => Buffer.byteLength(str(a ?? '')),
  },
  print: { doc: "fmt.Sprint", minArgs: 0, result: 'string', call: sprint },
  println: {
    doc: 'fmt.Sprintln', minArgs: 0, result: 'string',
    call: (args) => `${args.map(formatValue).join(' ')}\n`,
  },
  printf: {
    doc: 'fmt.Sprintf (verbs %v %s %q %d %x %X %t %f %e %g)', minArgs: 1, result: 'string',
    call: ([format, ...args]) => {
      if (typeof format !== 'string') throw new ValueError('printf: the format must be a string');
      return sprintf(format, args);
    },
  },
  lower: strings('lower case', 1, ([s = '']) => s.toLowerCase()),
  upper: strings('upper case', 1, ([s = '']) => s.toUpperCase()),
  replace: strings('replace OLD NEW S: every OLD in S replaced by NEW', 3, ([o = '', n = '', s = '']) => s.replaceAll(o, n)),
  trimPrefix: strings('trimPrefix PREFIX S: S without a leading PREFIX', 2, ([p = '', s = '']) => (s.startsWith(p) ? s.slice(p.length) : s)),
  trimSuffix: strings('trimSuffix SUFFIX S: S without a trailing SUFFIX', 2, ([x = '', s = '']) => (x && s.endsWith(x) ? s.slice(0, -x.length) : s)),
  hasPrefix: strings('hasPrefix PREFIX S: does S start with PREFIX', 2, ([p = '', s = '']) => s.startsWith(p), 'bool'),
  hasSuffix: strings('hasSuffix SUFFIX S: does S end with SUFFIX', 2, ([x = '', s = '']) => s.endsWith(x), 'bool'),
  contains: strings('contains SUB S: does S contain SUB', 2, ([x = '', s = '']) => s.includes(x), 'bool'),
};
