/**
 * Recognises the one-line flow collections Helm charts write (`["--port=8080", "-v"]`,
 * `{cpu: 100m, memory: 128Mi}`), so the fast scanner can skip them without the full parser.
 * It answers true only for text it is sure is one valid flow collection (optionally followed by
 * a comment); anything else (tags, anchors, escapes it does not know, odd plain scalars) is false.
 */

const FLOW_INDICATORS = ',[]{}';
const PLAIN_START_FORBIDDEN = ',[]{}#&*!|>\'"%@`';
const DOUBLE_QUOTED_ESCAPES = '0abt\tnvfre "/\\N_LP';

class Reader {
  p = 0;
  constructor(readonly s: string) {}

  spaces(): void {
    while (this.s[this.p] === ' ') this.p++;
  }

  /** A flow collection, a quoted scalar or a plain scalar; false when unsure. */
  node(): boolean {
    const c = this.s[this.p];
    if (c === '[' || c === '{') return this.collection(c === '[' ? ']' : '}');
    if (c === '"') return this.doubleQuoted();
    if (c === "'") return this.singleQuoted();
    return this.plain();
  }

  private collection(close: string): boolean {
    this.p++;
    for (;;) {
      this.spaces();
      if (this.s[this.p] === close) {
        this.p++;
        return true;
      }
      if (!this.entry()) return false;
      this.spaces();
      if (this.s[this.p] === ',') this.p++;
      else if (this.s[this.p] !== close) return false;
    }
  }

  /** `node`, `node: node` or `node:` (empty value). */
  private entry(): boolean {
    if (!this.node()) return false;
    this.spaces();
    if (this.s[this.p] !== ':') return true;
    this.p++;
    this.spaces();
    const c = this.s[this.p];
    return c === ',' || c === ']' || c === '}' || this.node();
  }

  private doubleQuoted(): boolean {
    for (this.p++; this.p < this.s.length; this.p++) {
      const c = this.s[this.p];
      if (c === '"') {
        this.p++;
        return true;
      }
      if (c === '\\' && !DOUBLE_QUOTED_ESCAPES.includes(this.s[++this.p] ?? 'x')) return false;
    }
    return false;
  }

  private singleQuoted(): boolean {
    for (this.p++; this.p < this.s.length; this.p++) {
      if (this.s[this.p] === "'") {
        if (this.s[this.p + 1] !== "'") {
          this.p++;
          return true;
        }
        this.p++;
      }
    }
    return false;
  }

  private plain(): boolean {
    const start = this.p;
    const c = this.s[start];
    if (c === undefined || PLAIN_START_FORBIDDEN.includes(c) || c === '\t') return false;
    const next = this.s[start + 1];
    if ((c === '-' || c === '?' || c === ':') && (next === undefined || next === ' ' || FLOW_INDICATORS.includes(next))) return false;
    for (; this.p < this.s.length; this.p++) {
      const d = this.s[this.p]!;
      if (FLOW_INDICATORS.includes(d) || d === '\t') break;
      if (d === '#' && this.s[this.p - 1] === ' ') return false;
      if (d === ':' && this.p > start) {
        const after = this.s[this.p + 1];
        if (after === undefined || after === ' ' || FLOW_INDICATORS.includes(after)) break;
      }
    }
    while (this.s[this.p - 1] === ' ') this.p--;
    return this.p > start && this.s[this.p] !== '\t';
  }
}

export function isSimpleFlowLine(text: string): boolean {
  const r = new Reader(text);
  if (!r.node()) return false;
  const rest = text.slice(r.p);
  return /^(?:[ ]*|[ ]+#.*)$/.test(rest);
}
