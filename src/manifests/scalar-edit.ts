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
  const cst = yaml().CST;
  const token: CST.FlowScalar = { type: location.tokenType, offset: 0, indent: location.indent, source: original };
  // A plain value that would read back as a number, boolean or null (in YAML 1.1 or 1.2) is quoted.
  const type = location.tokenType === 'scalar' && plainWouldChangeType(value) ? 'QUOTE_DOUBLE' : undefined;
  cst.setScalarValue(token, value, { inFlow: location.inFlow, ...(type && { type }) });
  return cst.stringify(token);
}
