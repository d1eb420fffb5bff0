/**
 * A fast reader for the block-style YAML that `helm template` and kubectl emit: block mappings
 * and sequences, single-line plain and quoted scalars, comments, block scalars and one-line flow
 * collections (the last two are skipped over, not read). It is several times faster than the full
 * parser, which matters for large streams.
 *
 * It is deliberately strict: on anything outside that subset, or anything it is not sure is valid
 * (anchors, tags, multi-line scalars, escapes, odd indentation, tabs...), it gives up and the
 * document goes through the full `yaml` parser, which also reports real errors. So a document the
 * scanner accepts is one the full parser reads the same way.
 *
 * Every line is checked, but nodes are built only for the keys the caller wants (WantedKeys):
 * allocating the rest, only for the garbage collector to free it, was most of the cost.
 */
import { composeDocument } from './compose.js';
import { isSimpleFlowLine } from './flow-check.js';
import type { DocumentChunk, SplitStream } from './split.js';
import { resolveCorePlain } from './plain-scalar.js';
import type { ScalarNode, TreeNode, WantedKeys } from './tree.js';

class GiveUp extends Error {}
const giveUp = (): never => {
  throw new GiveUp();
};

const SPACE = 0x20;
const TAB = 0x09;
const HASH = 0x23;
const DASH = 0x2d;
const COLON = 0x3a;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const BACKSLASH = 0x5c;
/**
 * Characters that cannot start a plain scalar or key (`-`, `?`, `:` are handled separately), as a
 * table indexed by character code: a Set lookup, twice a line, showed in profiles.
 */
const INDICATORS = new Uint8Array(128);
for (const c of ',[]{}#&*!|>\'"%@`') INDICATORS[c.charCodeAt(0)] = 1;
const isIndicator = (c: number): boolean => c < 128 && INDICATORS[c] === 1;
const NULL_NODE: ScalarNode = { kind: 'scalar', value: null };
/** What the scanner returns for anything it skipped over or was not asked to build. */
const OPAQUE: TreeNode = { kind: 'opaque' };
const EMPTY_FLOW = /^(?:\[[ ]*\]|\{[ ]*\})[ ]*(?:#.*)?$/;
const BLOCK_HEADER = /^[|>][-+]?[ ]*(?:[ ]#.*)?$/;

/**
 * Returns the document's tree (undefined for an empty document), or null to say "use the full
 * parser". The tree holds only the wanted keys of the root mapping, recursively.
 */
export function fastScan(stream: SplitStream, chunk: DocumentChunk, wanted: WantedKeys): { tree: TreeNode | undefined } | null {
  try {
    return { tree: new Scanner(stream, chunk).document(wanted) };
  } catch (err) {
    if (err instanceof GiveUp) return null;
    throw err;
  }
}

class Scanner {
  /** The whole stream: offsets and line numbers are the stream's. */
  private readonly text: string;
  /** The document's lines are lines chunk.line to this one (excluded). */
  private readonly lines: number;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly indents: Int32Array;
  private readonly ignorable: Uint8Array;
  private i: number;

  constructor({ text, lines }: SplitStream, chunk: DocumentChunk) {
    this.text = text;
    this.i = chunk.line;
    this.lines = chunk.line + chunk.lineCount;
    this.starts = lines.starts;
    this.ends = lines.ends;
    this.indents = lines.indents;
    this.ignorable = lines.ignorable;
    for (let i = this.i; i < this.lines; i++) if (lines.unsure[i]) giveUp();
  }

  /** Indentation of line i, or -1 past the last line. */
  private indentAt(i: number): number {
    return i < this.lines ? this.indents[i]! : -1;
  }

  private skipIgnorable(): void {
    while (this.i < this.lines && this.ignorable[this.i]) this.i++;
  }

  /** The text of line i from column col to its end. */
  private rest(i: number, col: number): string {
    return this.text.slice(this.starts[i]! + col, this.ends[i]);
  }

  document(wanted: WantedKeys): TreeNode | undefined {
    this.skipIgnorable();
    if (this.i >= this.lines) return undefined;
    const first = this.starts[this.i]!;
    if (this.text.startsWith('%', first) || this.text.charCodeAt(first) === 0xfeff) giveUp();
    if (this.text.startsWith('---', first)) {
      if (!/^---[ ]*(?:[ ]#.*)?$/.test(this.rest(this.i, 0))) giveUp();
      this.i++;
      this.skipIgnorable();
    }
    let tree: TreeNode | undefined;
    if (this.i < this.lines && !this.text.startsWith('...', this.starts[this.i]!)) {
      const col = this.indents[this.i]!;
      // Root scalars and sequences are rare in manifests: leave them to the full parser.
      if (this.isSeqItem(this.i, col) || this.keyEnd(this.i, col) < 0) giveUp();
      tree = this.map(col, wanted);
      this.skipIgnorable();
    }
    if (this.i < this.lines) {
      if (!/^\.\.\.[ ]*(?:[ ]#.*)?$/.test(this.rest(this.i, 0))) giveUp();
      this.i++;
      this.skipIgnorable();
      if (this.i < this.lines) giveUp();
    }
    return tree;
  }

  private isSeqItem(i: number, col: number): boolean {
    const p = this.starts[i]! + col;
    return this.text.charCodeAt(p) === DASH && (p + 1 >= this.ends[i]! || this.text.charCodeAt(p + 1) === SPACE);
  }

  /** Offset of the `:` ending a plain key that starts at column col of line i, or -1. */
  private keyEnd(i: number, col: number): number {
    const t = this.text;
    const start = this.starts[i]! + col;
    const end = this.ends[i]!;
    const c0 = t.charCodeAt(start);
    if (isIndicator(c0)) return -1;
    if ((c0 === DASH || c0 === 0x3f || c0 === COLON) && (start + 1 >= end || t.charCodeAt(start + 1) === SPACE)) return -1;
    for (let p = start; p < end; p++) {
      const c = t.charCodeAt(p);
      if (c === COLON && (p + 1 === end || t.charCodeAt(p + 1) === SPACE)) return p;
      if (c === HASH && t.charCodeAt(p - 1) === SPACE) return -1;
      if (c === TAB) giveUp();
    }
    return -1;
  }

  /** A plain key written from start to colon (spaces before the colon aside), as the full parser reads it. */
  private keyText(start: number, colon: number): string {
    let end = colon;
    while (this.text.charCodeAt(end - 1) === SPACE) end--;
    const value = resolveCorePlain(this.text.slice(start, end));
    return String(value);
  }

  /** Index in wanted.names of the key written from start to colon (spaces before the colon aside), or -1. */
  private wantedIndex(wanted: WantedKeys, start: number, colon: number): number {
    let end = colon;
    while (this.text.charCodeAt(end - 1) === SPACE) end--;
    const { names } = wanted;
    for (let k = 0; k < names.length; k++) {
      if (names[k]!.length === end - start && this.text.startsWith(names[k]!, start)) return k;
    }
    return -1;
  }

  /** A block mapping whose keys sit at column col, starting at line this.i. */
  private map(col: number, wanted: WantedKeys | undefined): TreeNode {
    const all = wanted?.all === true;
    // With WantedKeys.ALL every key is read, in order; otherwise values sit at wanted.names' indexes.
    const keys: string[] | undefined = all ? [] : undefined;
    const values = wanted && (all ? [] : new Array<TreeNode | undefined>(wanted.names.length));
    const t = this.text;
    for (;;) {
      const i = this.i;
      const colon = this.keyEnd(i, col);
      if (colon < 0) giveUp();
      if (keys) keys.push(this.keyText(this.starts[i]! + col, colon));
      const k = wanted && !all ? this.wantedIndex(wanted, this.starts[i]! + col, colon) : -1;
      const keyWanted = all ? wanted : k < 0 ? undefined : wanted?.inside[k];
      let p = colon + 1;
      while (p < this.ends[i]! && t.charCodeAt(p) === SPACE) p++;
      let value: TreeNode;
      if (p === this.ends[i] || t.charCodeAt(p) === HASH) {
        this.i++;
        this.skipIgnorable();
        const n = this.indentAt(this.i);
        if (n > col) value = this.block(n, keyWanted);
        else if (n === col && this.isSeqItem(this.i, col)) value = this.seq(col, keyWanted);
        else value = NULL_NODE;
      } else {
        value = this.inline(i, p, col, keyWanted);
        this.skipIgnorable();
        if (this.indentAt(this.i) > col) giveUp();
      }
      if (keys) values!.push(value);
      else if (values && k >= 0) values[k] = value;
      this.skipIgnorable();
      const n = this.indentAt(this.i);
      if (n < col) return wanted && values ? { kind: 'map', keys: keys ?? wanted.names, values, partial: !keys } : OPAQUE;
      if (n > col || this.isSeqItem(this.i, col)) giveUp();
    }
  }

  /** A block sequence whose dashes sit at column col (the line's indentation); items are read with `wanted`. */
  private seq(col: number, wanted: WantedKeys | undefined): TreeNode {
    const items: TreeNode[] | undefined = wanted && [];
    const t = this.text;
    for (;;) {
      const i = this.i;
      let p = this.starts[i]! + col + 1;
      while (p < this.ends[i]! && t.charCodeAt(p) === SPACE) p++;
      let item: TreeNode;
      if (p === this.ends[i] || t.charCodeAt(p) === HASH) {
        this.i++;
        this.skipIgnorable();
        const n = this.indentAt(this.i);
        item = n > col ? this.block(n, wanted) : NULL_NODE;
      } else {
        const itemCol = p - this.starts[i]!;
        if (this.isSeqItem(i, itemCol)) giveUp(); // "- - x"
        if (this.keyEnd(i, itemCol) >= 0) item = this.map(itemCol, wanted);
        else {
          item = this.inline(i, p, col, wanted);
          this.skipIgnorable();
          if (this.indentAt(this.i) > col) giveUp();
        }
      }
      items?.push(item);
      this.skipIgnorable();
      const n = this.indentAt(this.i);
      if (n < col || (n === col && !this.isSeqItem(this.i, col))) return items ? { kind: 'seq', items } : OPAQUE;
      if (n > col) giveUp();
    }
  }

  /** A block collection on its own lines, at column col. */
  private block(col: number, wanted: WantedKeys | undefined): TreeNode {
    if (this.isSeqItem(this.i, col)) return this.seq(col, wanted);
    if (this.keyEnd(this.i, col) < 0) giveUp(); // a multi-line scalar, an anchor, a tag...
    return this.map(col, wanted);
  }

  /**
   * A value that starts at offset p of line i, after a key or a dash whose collection is at
   * column parentCol. Leaves this.i on the line after the value.
   */
  private inline(i: number, p: number, parentCol: number, wanted: WantedKeys | undefined): TreeNode {
    const t = this.text;
    const end = this.ends[i]!;
    const c = t.charCodeAt(p);
    this.i = i + 1;
    if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) {
      let close: number;
      if (c === DOUBLE_QUOTE) {
        close = t.indexOf('"', p + 1);
        if (close < 0 || close >= end) giveUp();
        for (let q = p + 1; q < close; q++) if (t.charCodeAt(q) === BACKSLASH) giveUp();
      } else {
        close = p + 1;
        for (;;) {
          close = t.indexOf("'", close);
          if (close < 0 || close >= end) giveUp();
          if (t.charCodeAt(close + 1) !== SINGLE_QUOTE) break;
          close += 2;
        }
      }
      if (!this.onlySpacesOrComment(close + 1, end)) giveUp();
      if (!wanted) return OPAQUE;
      const inner = t.slice(p + 1, close);
      return {
        kind: 'scalar',
        value: c === DOUBLE_QUOTE ? inner : inner.replaceAll("''", "'"),
        location: {
          start: p,
          end: close + 1,
          tokenType: c === DOUBLE_QUOTE ? 'double-quoted-scalar' : 'single-quoted-scalar',
          indent: parentCol,
          inFlow: false,
        },
      };
    }
    if (c === 0x5b || c === 0x7b) return this.flow(t.slice(p, end), p, wanted);
    if (c === 0x7c || c === 0x3e) return this.blockScalar(t.slice(p, end), p, parentCol, wanted);
    if (isIndicator(c)) giveUp();
    if ((c === DASH || c === 0x3f || c === COLON) && (p + 1 === end || t.charCodeAt(p + 1) === SPACE)) giveUp();
    let stop = end;
    for (let q = p; q < end; q++) {
      const d = t.charCodeAt(q);
      if (d === HASH && t.charCodeAt(q - 1) === SPACE) {
        stop = q;
        break;
      }
      if (d === COLON && (q + 1 === end || t.charCodeAt(q + 1) === SPACE)) giveUp();
      if (d === TAB) giveUp();
    }
    if (!wanted) return OPAQUE;
    while (t.charCodeAt(stop - 1) === SPACE) stop--;
    return {
      kind: 'scalar',
      value: resolveCorePlain(t.slice(p, stop)),
      location: { start: p, end: stop, tokenType: 'scalar', indent: parentCol, inFlow: false },
    };
  }

  /** Whether offsets from..end hold only spaces, or a comment after at least one space. */
  private onlySpacesOrComment(from: number, end: number): boolean {
    let q = from;
    while (q < end && this.text.charCodeAt(q) === SPACE) q++;
    return q === end || (q > from && this.text.charCodeAt(q) === HASH);
  }

  /**
   * A flow collection on one line, at offset `start`: `{}` and `[]` are read, anything else is
   * checked and skipped, or, for WantedKeys.ALL, read by the full parser (just this line).
   */
  private flow(source: string, start: number, wanted: WantedKeys | undefined): TreeNode {
    if (EMPTY_FLOW.test(source)) {
      if (!wanted) return OPAQUE;
      return source[0] === '[' ? { kind: 'seq', items: [] } : { kind: 'map', keys: [], values: [], partial: false };
    }
    if (!isSimpleFlowLine(source)) giveUp();
    if (!wanted?.all) return OPAQUE;
    return composeDocument({ index: 0, start, line: 0, lineCount: 1, text: source }).tree ?? giveUp();
  }

  /** Skips a block scalar's lines (its header at offset `start`), checking their indentation. */
  private blockScalar(header: string, start: number, parentCol: number, wanted: WantedKeys | undefined): TreeNode {
    if (!BLOCK_HEADER.test(header)) giveUp();
    let contentIndent = -1;
    let maxLeadingBlank = 0;
    for (; this.i < this.lines; this.i++) {
      const n = this.indents[this.i]!;
      const blank = this.starts[this.i]! + n === this.ends[this.i];
      if (blank) {
        if (contentIndent < 0) maxLeadingBlank = Math.max(maxLeadingBlank, n);
        continue;
      }
      if (n <= parentCol) break;
      if (contentIndent < 0) {
        contentIndent = n;
        if (maxLeadingBlank > contentIndent) giveUp();
      } else if (n < contentIndent) giveUp();
    }
    // Trailing blank lines belong to the scalar; the caller skips them anyway.
    return wanted?.all ? { kind: 'opaque', start, end: this.ends[this.i - 1]! } : OPAQUE;
  }
}
