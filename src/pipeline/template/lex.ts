/**
 * Lexer for Go text/template. It splits the source into text and action tokens, applies
 * `{{-`/`-}}` whitespace trimming and drops `{{/* comments *\/}}`. As in Go, a comment must start
 * right after `{{` (or `{{- `) and end right before `}}` (or ` -}}`).
 */
import { TemplateError } from './errors.js';
import { scanNumber } from './numbers.js';

type TokenKind =
  | 'text' | 'open' | 'close'
  | 'field' | 'variable' | 'dot' | 'identifier' | 'keyword'
  | 'string' | 'number' | 'bool' | 'nil'
  | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma' | 'char';

export interface Token {
  readonly kind: TokenKind;
  /** Decoded value: the text, the field/variable/function name, the string contents. */
  readonly value: string;
  readonly pos: number;
  /** Offset just past the token, to tell `$x.Field` (a chain) from `$x .Field` (two operands). */
  readonly end: number;
}

const fail = (src: string, pos: number, reason: string) => new TemplateError(src, pos, reason);

const KEYWORDS = new Set(['if', 'else', 'end', 'with', 'range', 'define', 'template', 'block', 'break', 'continue']);
const SPACE = /[ \t\r\n]/;
const isSpace = (c: string | undefined) => c !== undefined && SPACE.test(c);

/** The tokens of `src`; `label` names the template in errors. */
export function lex(src: string, label?: string): Token[] {
  try {
    return lexTokens(src);
  } catch (err) {
    if (err instanceof TemplateError && label) throw new TemplateError(err.source, err.offset, err.reason, label);
    throw err;
  }
}

function lexTokens(src: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let trimNextText = false;
  while (pos < src.length) {
    const open = src.indexOf('{{', pos);
    let text = src.slice(pos, open < 0 ? src.length : open);
    if (trimNextText) text = text.replace(/^[ \t\r\n]+/, '');
    trimNextText = false;
    if (open < 0) {
      if (text) tokens.push({ kind: 'text', value: text, pos, end: src.length });
      break;
    }
    let inner = open + 2;
    if (src[inner] === '-' && isSpace(src[inner + 1])) {
      text = text.replace(/[ \t\r\n]+$/, '');
      inner += 2;
    }
    if (text) tokens.push({ kind: 'text', value: text, pos, end: open });
    const after = lexAction(src, inner, tokens, open);
    pos = after.end;
    trimNextText = after.trimRight;
  }
  return tokens;
}

/** Lexes one action starting after its `{{`; returns where the text after `}}` starts. */
function lexAction(src: string, start: number, tokens: Token[], open: number): { end: number; trimRight: boolean } {
  let pos = start;
  const skipSpace = () => { while (isSpace(src[pos])) pos++; };
  if (src.startsWith('/*', pos)) {
    const close = src.indexOf('*/', pos + 2);
    if (close < 0) throw fail(src, open, 'unclosed comment');
    pos = close + 2;
    return closeComment(src, pos, open);
  }
  skipSpace();
  const actionTokens: Token[] = [{ kind: 'open', value: '{{', pos: open, end: start }];
  for (;;) {
    skipSpace();
    if (pos >= src.length) throw fail(src, open, 'unclosed action');
    const closing = closeMarker(src, pos);
    if (closing) {
      actionTokens.push({ kind: 'close', value: '}}', pos, end: pos + closing.length });
      tokens.push(...actionTokens);
      return { end: pos + closing.length, trimRight: closing.trimRight };
    }
    const c = src[pos] ?? '';
    const at = pos;
    const push = (kind: TokenKind, value: string, end = pos) => actionTokens.push({ kind, value, pos: at, end });
    const single: Partial<Record<string, TokenKind>> = { '|': 'pipe', '(': 'lparen', ')': 'rparen', '=': 'assign', ',': 'comma' };
    if (src.startsWith(':=', pos)) { pos += 2; push('declare', ':='); continue; }
    const kind = single[c];
    if (kind) { pos++; push(kind, c); continue; }
    if (c === '"' || c === '`') {
      const { value, end } = readString(src, pos, open);
      pos = end;
      push('string', value);
      continue;
    }
    if (c === "'") {
      const { value, end } = readChar(src, pos);
      pos = end;
      push('char', value);
      continue;
    }
    if (c === '.' && !/[A-Za-z_]/.test(src[pos + 1] ?? '')) {
      if (/[0-9]/.test(src[pos + 1] ?? '')) {
        pos = readNumber(src, pos, push);
        continue;
      }
      pos++;
      push('dot', '.');
      continue;
    }
    if (c === '.' || c === '$') {
      const m = /^[.$][A-Za-z0-9_]*/.exec(src.slice(pos));
      const word = m?.[0] ?? c;
      pos += word.length;
      push(c === '.' ? 'field' : 'variable', word.slice(1));
      continue;
    }
    if (/[-+0-9]/.test(c)) {
      pos = readNumber(src, pos, push);
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(pos))?.[0] ?? c;
      pos += word.length;
      if (word === 'true' || word === 'false') push('bool', word);
      else if (word === 'nil') push('nil', word);
      else push(KEYWORDS.has(word) ? 'keyword' : 'identifier', word);
      continue;
    }
    throw fail(src, pos, `unexpected ${JSON.stringify(c)} in action`);
  }
}

function closeMarker(src: string, pos: number): { length: number; trimRight: boolean } | undefined {
  if (src.startsWith('}}', pos)) return { length: 2, trimRight: false };
  // " -}}": the space before the dash has already been skipped, so check the character before.
  if (src.startsWith('-}}', pos) && isSpace(src[pos - 1])) return { length: 3, trimRight: true };
  return undefined;
}

/** After `*\/`: `}}` or one space and `-}}` must follow at once, as in Go. */
function closeComment(src: string, pos: number, open: number): { end: number; trimRight: boolean } {
  if (src.startsWith('}}', pos)) return { end: pos + 2, trimRight: false };
  if (isSpace(src[pos]) && src.startsWith('-}}', pos + 1)) return { end: pos + 4, trimRight: true };
  throw fail(src, open, 'comment ends before closing delimiter');
}

/** A number token; its value is read by the parser (numbers.ts), which names what is wrong with it. */
function readNumber(src: string, pos: number, push: (kind: TokenKind, value: string, end: number) => void): number {
  const { text, ok } = scanNumber(src, pos);
  if (!ok || !/[0-9]/.test(text)) throw fail(src, pos, `bad number syntax: ${JSON.stringify(text || src[pos])}`);
  push('number', text, pos + text.length);
  return pos + text.length;
}

const ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\',
};

/**
 * One escape sequence after the backslash at `p`, as strconv.UnquoteChar reads it inside `quote`.
 * \x and octal escapes above 0x7f are single bytes in Go, not characters: refused rather than
 * turned into a different string.
 */
function readEscape(src: string, p: number, quote: string): { value: string; end: number } {
  const e = src[p + 1] ?? '';
  if (e in ESCAPES) return { value: ESCAPES[e] as string, end: p + 2 };
  if (e === quote) return { value: e, end: p + 2 };
  const [len, base] = e === 'x' ? [2, 16] : e === 'u' ? [4, 16] : e === 'U' ? [8, 16] : /[0-7]/.test(e) ? [3, 8] : [0, 0];
  const start = base === 8 ? p + 1 : p + 2;
  const digits = src.slice(start, start + len);
  if (len && digits.length === len && (base === 16 ? /^[0-9a-fA-F]+$/ : /^[0-7]+$/).test(digits)) {
    const code = parseInt(digits, base);
    if (quote === '"' && (e === 'x' || base === 8) && code > 0x7f) throw fail(src, p, `escape \\${src.slice(p + 1, start + len)} is a raw byte, which is not supported`);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw fail(src, p, `escape \\${src.slice(p + 1, start + len)} is not a valid character`);
    return { value: String.fromCodePoint(code), end: start + len };
  }
  throw fail(src, p, `invalid escape \\${e}`);
}

/** A Go character constant ('a', '\\n', '\\u00e9'): its code point, as a number token. */
function readChar(src: string, pos: number): { value: string; end: number } {
  const c = src[pos + 1];
  if (c === undefined || c === '\n') throw fail(src, pos, 'unterminated character constant');
  if (c === "'") throw fail(src, pos, 'empty character constant');
  let code: number;
  let end: number;
  if (c === '\\') {
    const escape = readEscape(src, pos + 1, "'");
    code = escape.value.codePointAt(0) ?? 0;
    end = escape.end;
  } else {
    code = src.codePointAt(pos + 1) ?? 0;
    end = pos + 1 + (code > 0xffff ? 2 : 1);
  }
  if (src[end] !== "'") throw fail(src, pos, 'malformed character constant');
  return { value: String(code), end: end + 1 };
}

/** Reads a Go interpreted ("…") or raw (`…`) string literal. */
function readString(src: string, pos: number, open: number): { value: string; end: number } {
  const quote = src[pos];
  if (quote === '`') {
    const close = src.indexOf('`', pos + 1);
    if (close < 0) throw fail(src, open, 'unterminated raw quoted string');
    return { value: src.slice(pos + 1, close), end: close + 1 };
  }
  let value = '';
  let p = pos + 1;
  for (;;) {
    const c = src[p];
    if (c === undefined || c === '\n') throw fail(src, pos, 'unterminated quoted string');
    if (c === '"') return { value, end: p + 1 };
    if (c !== '\\') { value += c; p++; continue; }
    const escape = readEscape(src, p, '"');
    value += escape.value;
    p = escape.end;
  }
}
