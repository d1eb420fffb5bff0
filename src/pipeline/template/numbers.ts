/**
 * Number constants as Go's text/template reads them: the lexer's scanNumber (sign, 0x/0o/0b
 * prefixes, a leading 0 meaning octal for integers, '_' separators, decimal exponents, hex-float
 * 'p' exponents), then strconv's base-0 parsing. A constant whose text has '.', 'e' or 'p' (and is
 * not a hex integer) is a float64, otherwise an int, as text/template's idealConstant decides.
 */
import { GoFloat } from './values.js';

/** Go's lexer: the text of a number starting at `pos`, or undefined when it is not well-formed. */
export function scanNumber(src: string, pos: number): { text: string; ok: boolean } {
  let p = pos;
  const accept = (chars: string) => {
    if (p < src.length && chars.includes(src[p] as string)) { p++; return true; }
    return false;
  };
  const acceptRun = (chars: string) => { while (accept(chars)) { /* consume */ } };
  accept('+-');
  let digits = '0123456789_';
  if (accept('0')) {
    if (accept('xX')) digits = '0123456789abcdefABCDEF_';
    else if (accept('oO')) digits = '01234567_';
    else if (accept('bB')) digits = '01_';
  }
  acceptRun(digits);
  if (accept('.')) acceptRun(digits);
  if (digits.length === 11 && accept('eE')) { accept('+-'); acceptRun('0123456789_'); }
  if (digits.length === 23 && accept('pP')) { accept('+-'); acceptRun('0123456789_'); }
  accept('i');
  // The next thing must not be alphanumeric.
  if (p < src.length && /[\p{L}\p{Nd}_]/u.test(src[p] as string)) return { text: src.slice(pos, p + 1), ok: false };
  return { text: src.slice(pos, p), ok: true };
}

const INT64_MAX = 2n ** 63n - 1n;

/** The value of a number constant; throws an Error whose message says what is wrong. */
export function numberValue(text: string): number | GoFloat {
  if (text.endsWith('i')) throw new Error(`complex number ${JSON.stringify(text)} is not supported`);
  const sign = text[0] === '-' ? -1 : 1;
  const body = /^[-+]/.test(text) ? text.slice(1) : text;
  const isHex = /^0[xX]/.test(body);
  const isFloat = isHex ? /[pP]/.test(body) : /[.eE]/.test(body);
  if (!underscoresOk(body)) throw new Error(`bad number syntax: ${JSON.stringify(text)}`);
  const clean = body.replaceAll('_', '');
  if (isFloat) {
    const value = isHex ? hexFloat(clean) : /^[0-9]*\.?[0-9]*(?:[eE][-+]?[0-9]+)?$/.test(clean) && /[0-9]/.test(clean) ? Number(clean) : NaN;
    if (Number.isNaN(value)) throw new Error(`bad number syntax: ${JSON.stringify(text)}`);
    if (!Number.isFinite(value)) throw new Error(`number ${JSON.stringify(text)} is out of range`);
    return new GoFloat(sign * value);
  }
  let big: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(clean) || /^0[bB][01]+$/.test(clean) || /^0[oO][0-7]+$/.test(clean)) big = BigInt(clean.toLowerCase());
  else if (/^0[0-7]+$/.test(clean)) big = BigInt(`0o${clean.slice(1)}`); // a leading 0 is octal, as in Go
  else if (/^(?:0|[1-9][0-9]*)$/.test(clean)) big = BigInt(clean);
  else throw new Error(`bad number syntax: ${JSON.stringify(text)}${/^0[0-9]+$/.test(clean) ? ' (a leading 0 makes it octal)' : ''}`);
  if (big > INT64_MAX + (sign < 0 ? 1n : 0n)) throw new Error(`number ${JSON.stringify(text)} overflows int`);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`number ${JSON.stringify(text)} is too large (reimage supports integers up to 2^53-1)`);
  return sign * Number(big);
}

/** Go allows '_' only between digits, or between a base prefix and a digit. */
function underscoresOk(body: string): boolean {
  if (!body.includes('_')) return true;
  const prefixed = /^0[xXbBoO]_?/.exec(body)?.[0] ?? '';
  const digit = /^0[xX]/.test(body) ? /[0-9a-fA-F]/ : /[0-9]/;
  const rest = body.slice(prefixed.length);
  return [...rest].every((c, i) => c !== '_' || (digit.test(rest[i - 1] ?? '') && digit.test(rest[i + 1] ?? '')))
    && !(prefixed.endsWith('_') && !digit.test(rest[0] ?? ''));
}

function hexFloat(clean: string): number {
  const m = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([-+]?[0-9]+)$/.exec(clean);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return NaN;
  const whole = m[1] ?? '';
  const frac = m[2] ?? '';
  const mantissa = parseInt(`${whole}${frac}` || '0', 16) / 16 ** frac.length;
  return mantissa * 2 ** Number(m[3]);
}
