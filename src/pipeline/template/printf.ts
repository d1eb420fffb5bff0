/**
 * Go's fmt.Sprintf for the verbs templates need: %v %s %q %c %d %o %O %b %U %x %X %t %f %e %g and %%,
 * with the flags - + 0 and space, width and precision. Mismatches print the way Go prints them:
 * %!d(string=abc), %!s(MISSING), %!(EXTRA int=1).
 */
import { formatFloatG, formatValue, goExponent, GoFloat, GoMap, goTypeName, isList, isStruct, type Value, ValueError } from './values.js';

interface Spec {
  minus: boolean;
  plus: boolean;
  zero: boolean;
  space: boolean;
  width?: number;
  precision?: number;
}

export function sprintf(format: string, args: readonly Value[]): string {
  let out = '';
  let next = 0;
  const re = /%([-+0 #]*)([0-9]+)?(?:\.([0-9]*))?(.?)/gsy;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) { out += format.slice(i); break; }
    out += format.slice(i, pct);
    re.lastIndex = pct;
    const m = re.exec(format);
    if (!m) break;
    i = re.lastIndex;
    const [, flags = '', width, precision, verb = ''] = m;
    if (verb === '%') { out += '%'; continue; }
    if (verb === '') { out += '%!(NOVERB)'; continue; }
    if (verb === '*' || verb === '[' || format[re.lastIndex] === '*') {
      throw new ValueError('printf: * widths and [n] argument indexes are not supported');
    }
    if (next >= args.length) { out += `%!${verb}(MISSING)`; continue; }
    if (flags.includes('#')) throw new ValueError(`printf: the # flag (in %${flags}${width ?? ''}${verb}) is not supported`);
    const arg = args[next++] as Value;
    const spec: Spec = {
      minus: flags.includes('-'),
      plus: flags.includes('+'),
      zero: flags.includes('0') && !flags.includes('-'),
      space: flags.includes(' '),
      ...(width !== undefined && { width: Number(width) }),
      ...(precision !== undefined && { precision: Number(precision || '0') }),
    };
    out += formatOne(verb, arg, spec);
  }
  if (next < args.length) {
    out += `%!(EXTRA ${args.slice(next).map((a) => `${goTypeName(a)}=${formatValue(a)}`).join(', ')})`;
  }
  return out;
}

function formatOne(verb: string, arg: Value, spec: Spec): string {
  if (verb === 'T') {
    // Exact for basic values; a list's, map's or struct's Go type name is not known here.
    if (isList(arg) || arg instanceof GoMap || isStruct(arg)) throw new ValueError('printf %T of a list, map or struct is not supported');
    return pad(goTypeName(arg), spec, false);
  }
  const bad = () => (arg === null ? `%!${verb}(<nil>)` : `%!${verb}(${goTypeName(arg)}=${formatValue(arg)})`);
  if (typeof arg === 'string') {
    const s = spec.precision !== undefined ? [...arg].slice(0, spec.precision).join('') : arg;
    switch (verb) {
      case 'v': case 's': return pad(s, spec, false);
      case 'q': return pad(goQuote(s), spec, false);
      case 'x': case 'X': {
        const hex = Buffer.from(s).toString('hex');
        return pad(verb === 'X' ? hex.toUpperCase() : hex, spec, false);
      }
      default: return bad();
    }
  }
  if (typeof arg === 'number') return formatInt(verb, arg, spec) ?? bad();
  if (arg instanceof GoFloat) return formatFloat(verb, arg, spec) ?? bad();
  if (typeof arg === 'boolean') return verb === 'v' || verb === 't' ? pad(String(arg), spec, false) : bad();
  if (arg === null) return verb === 'v' ? pad('<nil>', spec, false) : bad();
  // fmt applies the verb (and width) to each element of a slice, map or struct.
  if (isList(arg)) return `[${arg.map((e) => formatOne(verb, e, spec)).join(' ')}]`;
  if (arg instanceof GoMap) {
    return `map[${[...arg.keys()].sort().map((k) => `${formatOne(verb, k, spec)}:${formatOne(verb, arg.get(k) ?? null, spec)}`).join(' ')}]`;
  }
  if (isStruct(arg)) return `{${Object.values(arg).map((e) => formatOne(verb, e, spec)).join(' ')}}`;
  return verb === 'v' || verb === 's' ? pad(formatValue(arg), spec, false) : bad();
}

const signed = (n: number, spec: Spec) => (body: string) => (n < 0 || Object.is(n, -0) ? '-' : spec.plus ? '+' : spec.space ? ' ' : '') + body;

function formatInt(verb: string, n: number, spec: Spec): string | undefined {
  const sign = signed(n, spec);
  const abs = Math.abs(n);
  switch (verb) {
    case 'v': case 'd': return pad(sign(abs.toFixed(0)), spec, true);
    case 'x': return pad(sign(abs.toString(16)), spec, true);
    case 'X': return pad(sign(abs.toString(16).toUpperCase()), spec, true);
    case 'q': return pad(`'${String.fromCodePoint(n)}'`, spec, false);
    case 'c': return n >= 0 && n <= 0x10ffff ? pad(String.fromCodePoint(n), spec, false) : undefined;
    case 'o': return pad(sign(abs.toString(8)), spec, true);
    case 'O': return pad(sign(`0o${abs.toString(8)}`), spec, true);
    case 'b': return pad(sign(abs.toString(2)), spec, true);
    case 'U': return pad(`U+${abs.toString(16).toUpperCase().padStart(4, '0')}`, spec, false);
    default: return undefined;
  }
}

function formatFloat(verb: string, f: GoFloat, spec: Spec): string | undefined {
  const n = f.value;
  const sign = signed(n, spec);
  const abs = Math.abs(n);
  switch (verb) {
    case 'v': return pad(sign(formatFloatG(Math.abs(f.shortest))), spec, true);
    case 'g': return pad(sign(spec.precision === undefined ? formatFloatG(Math.abs(f.shortest)) : formatFloatGPrecision(abs, spec.precision)), spec, true);
    case 'f': return pad(sign(abs.toFixed(spec.precision ?? 6)), spec, true);
    case 'e': return pad(sign(goExponent(abs.toExponential(spec.precision ?? 6))), spec, true);
    case 'E': case 'F': case 'G': return formatFloat(verb.toLowerCase(), f, spec)?.toUpperCase();
    case 'b': case 'x': case 'X': throw new ValueError(`printf %${verb} of a float is not supported`);
    default: return undefined;
  }
}


function pad(s: string, spec: Spec, numeric: boolean): string {
  const width = spec.width ?? 0;
  const length = [...s].length;
  if (length >= width) return s;
  const fill = width - length;
  if (spec.minus) return s + ' '.repeat(fill);
  if (spec.zero && numeric) {
    const signLength = /^[-+ ]/.test(s) ? 1 : 0;
    return s.slice(0, signLength) + '0'.repeat(fill) + s.slice(signLength);
  }
  return ' '.repeat(fill) + s;
}

const QUOTE_ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\',
};

/** strconv.Quote: printable characters as they are, the rest escaped. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const escape = QUOTE_ESCAPES[ch];
    const code = ch.codePointAt(0) ?? 0;
    if (escape) out += escape;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (/[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}]/u.test(ch) || (code >= 0x80 && code <= 0x9f)) {
      out += code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/**
 * strconv.FormatFloat(f, 'g', prec, 64): PREC significant digits, trailing zeros dropped, exponent
 * form when the exponent is below -4 or at least the number of digits kept.
 */
function formatFloatGPrecision(abs: number, precision: number): string {
  if (!Number.isFinite(abs)) return formatFloatG(abs);
  const prec = Math.max(precision, 1);
  const [mantissa = '0', exponent = '0'] = abs.toExponential(Math.min(prec, 100) - 1).split('e');
  const digits = mantissa.replace('.', '').replace(/0+$/, '') || '0';
  const nd = digits.length;
  const dp = abs === 0 ? 1 : Number(exponent) + 1;
  const eprec = prec > nd && nd >= dp ? nd : prec;
  const exp = dp - 1;
  if (exp < -4 || exp >= eprec) {
    const kept = Math.min(prec, nd);
    return goExponent(abs.toExponential(kept - 1));
  }
  return abs.toFixed(Math.max((prec > dp ? nd : prec) - dp, 0));
}
