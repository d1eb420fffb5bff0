/** Run-time values of a template and how Go's fmt prints and compares them. */
import type { StaticType } from './ast.js';

/** The template's input: an ordered record of string fields. */
export type DataValue = { readonly [field: string]: string };
export type Value = string | number | boolean | null | DataValue;

export class ValueError extends Error {}

function typeOf(v: Value): StaticType {
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'string': return 'string';
    case 'number': return 'number';
    case 'boolean': return 'bool';
    default: return 'data';
  }
}

/** Go's name for the value's type, as fmt prints it in `%!d(string=x)`. */
export function goTypeName(v: Value): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  return { string: 'string', bool: 'bool', nil: '<nil>', data: 'struct', number: 'int', any: 'interface {}' }[typeOf(v)];
}

/** Go's truth: false, 0, nil and "" are empty. */
export function isTrue(v: Value): boolean {
  return !(v === null || v === false || v === 0 || v === '');
}

/** fmt's %v. */
export function formatValue(v: Value): string {
  if (v === null) return '<nil>';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'object') return `{${Object.values(v).join(' ')}}`;
  return String(v);
}

function formatNumber(n: number): string {
  // %v of a float64 is %g with the shortest representation.
  return Number.isInteger(n) ? n.toFixed(0) : goExponent(String(n));
}

/** Go prints at least two exponent digits: 1e+21, 1.5e-07. */
export function goExponent(s: string): string {
  return s.replace(/e([-+])(\d)$/, 'e$10$2');
}

/** Go's eq on basic values: the same kind and equal, else an error for mixed kinds. */
export function goEqual(a: Value, b: Value): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a !== typeof b || typeof a === 'object') {
    throw new ValueError(`incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
  }
  return a === b;
}

/** Go's lt: numbers or strings of the same kind. */
export function goLess(a: Value, b: Value): boolean {
  if ((typeof a !== 'string' && typeof a !== 'number') || typeof a !== typeof b) {
    throw new ValueError(`invalid type for comparison: ${goTypeName(a)} and ${goTypeName(b as Value)}`);
  }
  return (a as string | number) < (b as string | number);
}
