/**
 * How a plain (unquoted) scalar resolves, under YAML 1.2's core schema (what `yaml` uses) and
 * under YAML 1.1 (what go-yaml, and so kubectl and Helm, use).
 */

const CORE_NULL = /^(?:~|null|Null|NULL)?$/;
const CORE_BOOL = /^(?:true|True|TRUE|false|False|FALSE)$/;
const CORE_INT = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/;
const CORE_FLOAT = /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/** Only these can start a plain scalar that is not a string (null, booleans, numbers): a quick test for the rest. */
const NON_STRING_START = /^(?:$|[~nNtTfF.+\-0-9])/;

/** The value `yaml` gives a plain scalar under the core schema. */
export function resolveCorePlain(text: string): unknown {
  if (!NON_STRING_START.test(text)) return text;
  if (CORE_NULL.test(text)) return null;
  if (CORE_BOOL.test(text)) return text[0] === 't' || text[0] === 'T';
  if (CORE_INT.test(text)) {
    if (text.startsWith('0o')) return parseInt(text.slice(2), 8);
    return text.startsWith('0x') ? parseInt(text.slice(2), 16) : Number(text);
  }
  if (CORE_FLOAT.test(text)) {
    if (/nan/i.test(text)) return NaN;
    if (/inf/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
    return Number(text);
  }
  return text;
}

/** YAML 1.1 booleans, nulls and numbers (with `_`, sexagesimal `1:20`, leading-zero octal). */
const YAML11_NON_STRING = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?[0-9][0-9_:.eE+-]*|[-+]?\.[0-9][0-9_.eE+-]*)$/;

/** Would this string, written plain, be read back as something other than this string? */
export function plainWouldChangeType(text: string): boolean {
  return typeof resolveCorePlain(text) !== 'string' || YAML11_NON_STRING.test(text);
}
