/**
 * Lexer for the subset of Go text/template that rename templates use. It splits the source into
 * text and action tokens, applies `{{-`/`-}}` whitespace trimming and drops `{{/* comments *\/}}`.
 */
import { TemplateError } from './errors.js';

type TokenKind =
  | 'text' | 'open' | 'close'
  | 'field' | 'variable' | 'dot' | 'identifier' | 'keyword'
  | 'string' | 'number' | 'bool' | 'nil'
  | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign';

export interface Token {
  readonly kind: TokenKind;
  /** Decoded value: the text, the field/variable/function name, the string contents. */
  readonly value: string;
  readonly pos: number;
  /** Offset just past the token, to tell `$x.Field` (a chain) from `$x .Field` (two operands). */
  readonly end: number;
}

const KEYWORDS = new Set(['if', 'else', 'end', 'with', 'range', 'define', 'template', 'block', 'break', 'continue']);
const SPACE = /[ \t\r\n]/;
const isSpace = (c: string | undefined) => c !== undefined && SPACE.test(c);

export function lex(src: string): Token[] {
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
  skipSpace();
  if (src.startsWith('/*', pos)) {
    const close = src.indexOf('*/', pos + 2);
    if (close < 0) throw new TemplateError(src, open, 'unclosed comment');
    pos = close + 2;
    return closeComment(src, pos, open);
  }
  const actionTokens: Token[] = [{ kind: 'open', value: '{{', pos: open, end: start }];
  for (;;) {
    skipSpace();
    if (pos >= src.length) throw new TemplateError(src, open, 'unclosed action');
    const closing = closeMarker(src, pos);
    if (closing) {
      actionTokens.push({ kind: 'close', value: '}}', pos, end: pos + closing.length });
      for (const token of actionTokens) tokens.push(token); // no spread: an action may hold 100k+ tokens
      return { end: pos + closing.length, trimRight: closing.trimRight };
    }
    const c = src[pos] ?? '';
    const at = pos;
    const push = (kind: TokenKind, value: string, end = pos) => actionTokens.push({ kind, value, pos: at, end });
    const single: Partial<Record<string, TokenKind>> = { '|': 'pipe', '(': 'lparen', ')': 'rparen', '=': 'assign' };
    if (src.startsWith(':=', pos)) { pos += 2; push('declare', ':='); continue; }
    const kind = single[c];
    if (kind) { pos++; push(kind, c); continue; }
    if (c === '"' || c === '`') {
      const { value, end } = readString(src, pos, open);
      pos = end;
      push('string', value);
      continue;
    }
    if (c === "'") throw new TemplateError(src, pos, 'character constants are not supported');
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
    throw new TemplateError(src, pos, `unexpected ${JSON.stringify(c)} in action`);
  }
}

function closeMarker(src: string, pos: number): { length: number; trimRight: boolean } | undefined {
  if (src.startsWith('}}', pos)) return { length: 2, trimRight: false };
  // " -}}": the space before the dash has already been skipped, so check the character before.
  if (src.startsWith('-}}', pos) && isSpace(src[pos - 1])) return { length: 3, trimRight: true };
  return undefined;
}

function closeComment(src: string, pos: number, open: number): { end: number; trimRight: boolean } {
  let p = pos;
  while (isSpace(src[p])) p++;
  const closing = closeMarker(src, p);
  if (!closing) throw new TemplateError(src, open, 'comment ends before closing delimiter');
  return { end: p + closing.length, trimRight: closing.trimRight };
}

function readNumber(src: string, pos: number, push: (kind: TokenKind, value: string, end: number) => void): number {
  const m = /^[-+]?(?:0[xX][0-9a-fA-F_]+|(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][-+]?[0-9]+)?)/.exec(src.slice(pos));
  const word = m?.[0] ?? '';
  if (!/[0-9]/.test(word) || Number.isNaN(Number(word.replaceAll('_', '')))) {
    throw new TemplateError(src, pos, `bad number syntax: ${JSON.stringify(word || src[pos])}`);
  }
  push('number', word.replaceAll('_', ''), pos + word.length);
  return pos + word.length;
}

const ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'",
};

/** Reads a Go interpreted ("…") or raw (`…`) string literal. */
function readString(src: string, pos: number, open: number): { value: string; end: number } {
  const quote = src[pos];
  if (quote === '`') {
    const close = src.indexOf('`', pos + 1);
    if (close < 0) throw new TemplateError(src, open, 'unterminated raw quoted string');
    return { value: src.slice(pos + 1, close), end: close + 1 };
  }
  let value = '';
  let p = pos + 1;
  for (;;) {
    const c = src[p];
    if (c === undefined || c === '\n') throw new TemplateError(src, pos, 'unterminated quoted string');
    if (c === '"') return { value, end: p + 1 };
    if (c !== '\\') { value += c; p++; continue; }
    const e = src[p + 1] ?? '';
    if (e in ESCAPES) { value += ESCAPES[e]; p += 2; continue; }
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const hex = src.slice(p + 2, p + 2 + hexLen);
    if (hexLen && /^[0-9a-fA-F]+$/.test(hex) && hex.length === hexLen) {
      value += String.fromCodePoint(parseInt(hex, 16));
      p += 2 + hexLen;
      continue;
    }
    throw new TemplateError(src, p, `invalid escape \\${e} in string`);
  }
}
