/**
 * Rewrites one scalar in place with `yaml`'s CST scalar writer, keeping its style (plain, single-
 * or double-quoted) unless the new value needs quoting to stay a string.
 */
import type { CST } from 'yaml';
import { ReimageError } from '../errors.js';
import { yaml } from './lazy-deps.js';
import { plainWouldChangeType } from './plain-scalar.js';
import type { ScalarLocation } from './tree.js';

/** The source text that replaces `original` (the scalar as written at `location`). */
export function renderScalar(original: string, location: ScalarLocation, value: string): string {
  if (location.tokenType === 'block-scalar') {
    throw new ReimageError(`cannot rewrite a block scalar (${JSON.stringify(original.slice(0, 20))}…) in place`);
  }
  const simple = simpleRendering(location, value);
  if (simple !== undefined) return simple;
  const cst = yaml().CST;
  const token: CST.FlowScalar = { type: location.tokenType, offset: 0, indent: location.indent, source: original };
  // A plain value that would read back as a number, boolean or null (in YAML 1.1 or 1.2) is quoted.
  const type = location.tokenType === 'scalar' && plainWouldChangeType(value) ? 'QUOTE_DOUBLE' : undefined;
  cst.setScalarValue(token, value, { inFlow: location.inFlow, ...(type && { type }) });
  return cst.stringify(token);
}

/** A value written the same in every scalar style: letters and digits at both ends, no indicator, space or escape. */
const SIMPLE_VALUE = /^[A-Za-z0-9](?:[A-Za-z0-9._/:@-]*[A-Za-z0-9])?$/;

/**
 * What yaml's scalar writer makes of a simple value (most image references) in the scalar's own
 * style, without loading yaml for it: the value itself, in its quotes if it had them.
 */
function simpleRendering(location: ScalarLocation, value: string): string | undefined {
  if (!SIMPLE_VALUE.test(value)) return undefined;
  switch (location.tokenType) {
    case 'scalar':
      return plainWouldChangeType(value) ? undefined : value;
    case 'single-quoted-scalar':
      return `'${value}'`;
    case 'double-quoted-scalar':
      return `"${value}"`;
    default:
      return undefined;
  }
}

/** One replacement inside a scalar's value. */
export interface ValueReplacement {
  readonly offset: number;
  readonly length: number;
  readonly text: string;
}

/** Characters an image reference is written with: safe in any scalar style, never needing escapes. */
const REFERENCE_CHARACTERS = /^[A-Za-z0-9._/:@[\]-]*$/;

/**
 * Where value offset `offset` is in the scalar's source, when the value is written there
 * character for character (a one-line plain scalar, a quoted one without escapes or line breaks);
 * undefined otherwise.
 */
function sourceOffsetOf(original: string, location: ScalarLocation, value: string): ((offset: number) => number) | undefined {
  switch (location.tokenType) {
    case 'scalar':
      return original === value ? (offset) => offset : undefined;
    case 'single-quoted-scalar':
      if (original !== `'${value.replaceAll("'", "''")}'`) return undefined;
      return (offset) => 1 + offset + (value.slice(0, offset).split("'").length - 1);
    case 'double-quoted-scalar':
      return original === `"${value}"` && !original.includes('\\') ? (offset) => 1 + offset : undefined;
    default:
      return undefined;
  }
}

/**
 * The source text that replaces `original` once parts of its value are replaced. Only those parts
 * change (quotes, escapes and the rest of the text stay as written), unless the scalar cannot be
 * edited in place: then, as with renderScalar, the whole scalar is written again in its style, or
 * quoted when a plain scalar would no longer read as a string.
 */
export function renderReplacements(original: string, location: ScalarLocation, value: string, replacements: readonly ValueReplacement[]): string {
  const sorted = [...replacements].sort((a, b) => a.offset - b.offset);
  let newValue = '';
  let pos = 0;
  for (const r of sorted) {
    newValue += value.slice(pos, r.offset) + r.text;
    pos = r.offset + r.length;
  }
  newValue += value.slice(pos);
  const toSource = sourceOffsetOf(original, location, value);
  const inPlace = toSource && sorted.every((r) => REFERENCE_CHARACTERS.test(r.text)) &&
    !(location.tokenType === 'scalar' && plainWouldChangeType(newValue));
  if (!inPlace) return renderScalar(original, location, newValue);
  let out = '';
  let at = 0;
  for (const r of sorted) {
    out += original.slice(at, toSource(r.offset)) + r.text;
    at = toSource(r.offset + r.length);
  }
  return out + original.slice(at);
}
