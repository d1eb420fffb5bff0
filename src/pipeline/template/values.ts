/**
 * Run-time values of a template and how Go's fmt prints and compares them. Go types are kept where
 * they change behaviour: an int is a JS number, a float a GoFloat (so `eq 2 2.0` is an error, as
 * in Go), a slice an array (a nil slice is NIL_SLICE: empty, but JSON null), a map a GoMap (it
 * knows its Go type, which sprig's dict functions check), a struct a plain object.
 */
import { shortestFloat32 } from '../../float32.js';

/** A float64, or a float32 (the Go reimage's scores): kept rounded to float32 and printed as Go prints one. */
export class GoFloat {
  readonly value: number;
  constructor(value: number, readonly bits: 32 | 64 = 64) {
    this.value = bits === 32 ? Math.fround(value) : value;
  }

  /** The shortest decimal that reads back as this value at its own precision. */
  get shortest(): number {
    return this.bits === 32 ? shortestFloat32(this.value) : this.value;
  }
}

/** A Go map with string keys; `goType` is its type as Go prints it, e.g. map[string]interface {}. */
export class GoMap extends Map<string, Value> {
  constructor(entries: Iterable<readonly [string, Value]> = [], readonly goType = 'map[string]interface {}') {
    super(entries);
  }
}

/**
 * Go's invalid reflect.Value: what a missing map key gives through `.key`, and `.` in a
 * {{template}} called without a pipeline. Printed as "<no value>"; passed to a function as nil.
 */
export class NoValue {}
export const NO_VALUE = new NoValue();

/** A struct: its fields in declaration order (which is how fmt prints them). */
export type GoStruct = { readonly [field: string]: Value };
export type Value = string | number | GoFloat | boolean | null | NoValue | readonly Value[] | GoMap | GoStruct;

/** The names of a struct's embedded fields (Go's anonymous struct fields), whose fields are promoted. */
export const EMBEDDED = Symbol('embedded fields');

/**
 * A struct with embedded fields: `goStruct({ CVE: cve, Reason: r }, ['CVE'])` prints as
 * `{{ID …} r}` and encodes to JSON flat, as Go does, and `.ID` reaches the embedded field.
 */
export function goStruct(fields: { [field: string]: Value }, embedded: readonly string[] = []): GoStruct {
  const struct: { [field: string]: Value } & { [EMBEDDED]?: readonly string[] } = { ...fields };
  for (const name of embedded) {
    const inner = fields[name] ?? null;
    if (!isStruct(inner)) continue;
    // Own property names include the inner struct's own promoted (non-enumerable) fields.
    for (const key of Object.getOwnPropertyNames(inner)) {
      if (!Object.hasOwn(struct, key)) Object.defineProperty(struct, key, { value: inner[key], enumerable: false });
    }
  }
  if (embedded.length > 0) Object.defineProperty(struct, EMBEDDED, { value: embedded, enumerable: false });
  return struct;
}

/** A nil slice: ranges and prints as empty (`[]`), encodes to JSON as null. */
export const NIL_SLICE: readonly Value[] = Object.freeze([]);

export class ValueError extends Error {}

export const isList = (v: Value): v is readonly Value[] => Array.isArray(v);
export const isStruct = (v: Value): v is GoStruct =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof GoMap) && !(v instanceof GoFloat) && !(v instanceof NoValue);

/** Go's name for the value's type, as fmt prints it in `%!d(string=x)`. */
export function goTypeName(v: Value): string {
  if (v === null || v instanceof NoValue) return '<nil>';
  if (typeof v === 'number') return 'int';
  if (v instanceof GoFloat) return `float${v.bits}`;
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof GoMap) return v.goType;
  if (isList(v)) return '[]interface {}';
  return 'struct';
}

/** Go's truth: false, 0, nil, "" and empty slices and maps are empty. */
export function isTrue(v: Value): boolean {
  if (v === null || v === false || v === 0 || v === '' || v instanceof NoValue) return false;
  if (v instanceof GoFloat) return v.value !== 0;
  if (isList(v)) return v.length > 0;
  if (v instanceof GoMap) return v.size > 0;
  return true;
}

/** fmt's %v. */
export function formatValue(v: Value): string {
  if (v === null) return '<nil>';
  if (v instanceof NoValue) return '<no value>';
  if (typeof v === 'number') return v.toFixed(0);
  if (v instanceof GoFloat) return formatFloatG(v.shortest);
  if (isList(v)) return `[${v.map(formatValue).join(' ')}]`;
  if (v instanceof GoMap) return `map[${[...v.keys()].sort().map((k) => `${k}:${formatValue(v.get(k) ?? null)}`).join(' ')}]`;
  if (typeof v === 'object') return `{${Object.values(v).map(formatValue).join(' ')}}`;
  return String(v);
}

/**
 * %v of a float: strconv.FormatFloat(f, 'g', -1, 64), the shortest digits that read back the same,
 * in exponent form when the exponent is below -4 or at least 6 (shortest %g uses precision 6 for
 * that choice): 123456 → "123456", 1e6 → "1e+06", 0.0001 → "0.0001", 1e-5 → "1e-05".
 */
export function formatFloatG(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa = '', exponent = '0'] = n.toExponential().split('e');
  const exp = Number(exponent);
  if (exp < -4 || exp >= 6) return goExponent(`${mantissa}e${exp < 0 ? '-' : '+'}${Math.abs(exp)}`);
  return String(n);
}

/** Go prints at least two exponent digits: 1e+21, 1.5e-07. */
export function goExponent(s: string): string {
  return s.replace(/e([-+])(\d)$/, 'e$10$2');
}

type Kind = 'int' | 'float' | 'string' | 'bool';
function basicKind(v: Value): Kind | undefined {
  if (typeof v === 'number') return 'int';
  if (v instanceof GoFloat) return 'float';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return undefined;
}
const raw = (v: Value) => (v instanceof GoFloat ? v.value : v);

/** Go's eq on basic values: the same kind and equal; mixed kinds are an error, as in Go. */
export function goEqual(x: Value, y: Value): boolean {
  const a = x instanceof NoValue ? null : x;
  const b = y instanceof NoValue ? null : y;
  if (a === null || b === null) return a === b;
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (!ka || !kb) throw new ValueError(`non-comparable type ${formatValue(ka ? b : a)}: ${goTypeName(ka ? b : a)}`);
  if (ka !== kb) throw new ValueError(`incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
  return raw(a) === raw(b);
}

/** Go's lt: ints, floats or strings of the same kind. */
export function goLess(a: Value, b: Value): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (!ka || ka === 'bool' || !kb || kb === 'bool') throw new ValueError(`invalid type for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
  if (ka !== kb) throw new ValueError(`incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
  return (raw(a) as string | number) < (raw(b) as string | number);
}
